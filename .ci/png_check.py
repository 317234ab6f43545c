#!/usr/bin/env python3
"""Checks the viewer's CI screenshot of photo-sharing (standard library only).

Fails unless the PNG has the window's size, and its scene — the area between the egui
panels, not the panels, whose text and legend alone give hundreds of colours — shows the
architectures: many colours off the background, and pixels of the function glyphs (orange)
and of request, event and response particles (blue, amber, green). With `--self-test` it also
blanks the scene of the decoded image and fails unless the check then rejects it, so the
check is seen to be able to fail on every run.

Usage: png_check.py FILE [--size WxH] [--self-test]
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


# The window is 1600x1000 (the default `--size`); the controls end at x = 335 and the
# bottom panel (figures, chart, inspector) starts at y = 651 at that size. The scene is
# checked inside a margin of 10 px.
SCENE_X = (345, 1590)
SCENE_Y = (10, 641)
# Colours of what photo-sharing shows after 30 s, as drawn (viz/src/draw.rs, particles.rs),
# and how many pixels near each the scene must hold (a healthy shot has 600 to 1,000 each).
REQUIRED = {
    "function glyphs (orange)": ((255, 153, 51), 200),
    "request particles (blue)": ((140, 178, 255), 200),
    "event particles (amber)": ((242, 217, 77), 150),
    "response particles (green)": ((102, 204, 102), 150),
}
NEAR = 30  # Euclidean RGB distance that counts as "that colour"


def check(width, height, channels, rows, size):
    """The list of problems with a decoded screenshot (empty when it passes)."""
    problems = []
    if size and (width, height) != size:
        problems.append(f"size {width}x{height}, expected {size[0]}x{size[1]}")
        return problems
    counts, found = {}, {name: 0 for name in REQUIRED}
    for y in range(SCENE_Y[0], min(SCENE_Y[1], height)):
        row = rows[y]
        for x in range(SCENE_X[0], min(SCENE_X[1], width)):
            px = tuple(row[x * channels:x * channels + 3])
            counts[px] = counts.get(px, 0) + 1
            for name, (ref, _) in REQUIRED.items():
                if sum((a - b) ** 2 for a, b in zip(px, ref)) <= NEAR * NEAR:
                    found[name] += 1
    total = sum(counts.values())
    off = 1 - max(counts.values()) / total
    print(f"scene {SCENE_X[0]}..{SCENE_X[1]} x {SCENE_Y[0]}..{SCENE_Y[1]}: "
          f"{len(counts)} distinct colours, {off:.1%} of pixels off the background; "
          + ", ".join(f"{name} {n}" for name, n in found.items()))
    if len(counts) < 100 or off < 0.015:
        problems.append("the scene looks blank")
    for name, (_, least) in REQUIRED.items():
        if found[name] < least:
            problems.append(f"{name}: {found[name]} pixels, at least {least} expected")
    return problems


def main():
    args = sys.argv[1:]
    path = args[0]
    size = None
    if "--size" in args:
        w, h = args[args.index("--size") + 1].split("x")
        size = (int(w), int(h))
    try:
        width, height, channels, rows = decode(path)
    except FileNotFoundError:
        raise SystemExit(f"{path}: missing")
    print(f"{path}: {width}x{height}")
    problems = check(width, height, channels, rows, size)
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    if "--self-test" in args:
        # The same image with its scene painted over in the background colour must fail.
        background = rows[SCENE_Y[0]][SCENE_X[0] * channels:SCENE_X[0] * channels + channels]
        blank = []
        for y, row in enumerate(rows):
            row = bytearray(row)
            if SCENE_Y[0] <= y < SCENE_Y[1]:
                for x in range(SCENE_X[0], SCENE_X[1]):
                    row[x * channels:x * channels + channels] = background
            blank.append(bytes(row))
        if not check(width, height, channels, blank, size):
            raise SystemExit(f"{path}: self-test: a blanked scene passed the check")
        print("self-test: a blanked scene is rejected")
    print(f"{path}: ok")


main()
