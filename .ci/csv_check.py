#!/usr/bin/env python3
"""Checks the CSV files of a headless `choreo run` (standard library only): their columns,
their rows, and the figures that must agree between them.

Usage: csv_check.py DIR HORIZON_S ARCH [ARCH ...]

- summary.csv: one row per architecture, in the order given, every field of the header
  present, numbers where numbers belong, the horizon as run, transactions > 0 and
  transactions = completed + failed + dead_lettered + in_flight;
- costs.csv: its seven columns; each line's cost = quantity x unit price; each
  architecture's lines add up to its summary cost_usd;
- timeseries.csv: its five columns; samples at increasing times up to the horizon; each
  architecture's `arrived` samples add up to its summary transactions;
- isolation.csv: its header, and every row as long as it;
- quantiles.csv: its four columns; per architecture and metric (response, done) the 103
  quantiles in order, their values never decreasing, the 0.99 quantile equal to the
  summary's p99.
"""
import csv
import math
import sys

TEXT_COLUMNS = {"scenario", "architecture"}


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        fail(f"{path}: empty")
    header, body = rows[0], rows[1:]
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            fail(f"{path}:{i}: {len(row)} fields, the header has {len(header)}")
    return header, body


def fail(message):
    raise SystemExit(f"csv_check: {message}")


def number(path, column, value):
    try:
        x = float(value)
    except ValueError:
        fail(f"{path}: {column} = {value!r} is not a number")
    if not math.isfinite(x):
        fail(f"{path}: {column} = {value!r} is not finite")
    return x


def close(a, b, rel=1e-4, abs_=1e-6):
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def main():
    if len(sys.argv) < 4:
        fail(__doc__)
    out, horizon, archs = sys.argv[1], float(sys.argv[2]), sys.argv[3:]

    path = f"{out}/summary.csv"
    header, body = read(path)
    for needed in ["scenario", "architecture", "seed", "horizon_s", "transactions",
                   "completed", "failed", "dead_lettered", "in_flight", "cost_usd"]:
        if needed not in header:
            fail(f"{path}: no column {needed}")
    summary = {}
    for row in body:
        r = dict(zip(header, row))
        for column, value in r.items():
            # An empty field marks a ratio without a denominator (no invocations, no fault).
            if column not in TEXT_COLUMNS and value not in ("", "-"):
                number(path, column, value)
        summary[r["architecture"]] = r
    if [r[header.index("architecture")] for r in body] != archs:
        fail(f"{path}: architectures {list(summary)}, expected {archs}")
    for name, r in summary.items():
        if not close(float(r["horizon_s"]), horizon):
            fail(f"{path}: {name}: horizon_s {r['horizon_s']}, expected {horizon}")
        n = int(r["transactions"])
        parts = sum(int(r[c]) for c in ["completed", "failed", "dead_lettered", "in_flight"])
        if n <= 0 or n != parts:
            fail(f"{path}: {name}: transactions {n}, outcomes add up to {parts}")

    path = f"{out}/costs.csv"
    header, body = read(path)
    expected = ["architecture", "component", "item", "quantity", "unit", "unit_price_usd",
                "cost_usd"]
    if header != expected:
        fail(f"{path}: header {header}, expected {expected}")
    totals = {name: 0.0 for name in archs}
    for i, row in enumerate(body, start=2):
        r = dict(zip(header, row))
        q, price, cost = (number(path, c, r[c]) for c in ["quantity", "unit_price_usd", "cost_usd"])
        if not close(q * price, cost, rel=1e-4, abs_=1e-9):
            fail(f"{path}:{i}: {q} x {price} = {q * price}, cost_usd says {cost}")
        if r["architecture"] not in totals:
            fail(f"{path}:{i}: unknown architecture {r['architecture']}")
        totals[r["architecture"]] += cost
    for name, total in totals.items():
        billed = float(summary[name]["cost_usd"])
        if not close(total, billed):
            fail(f"{path}: {name}: lines add up to {total}, summary cost_usd {billed}")

    path = f"{out}/timeseries.csv"
    header, body = read(path)
    expected = ["architecture", "time_s", "component", "metric", "value"]
    if header != expected:
        fail(f"{path}: header {header}, expected {expected}")
    last, arrived = {}, {name: 0.0 for name in archs}
    for i, row in enumerate(body, start=2):
        r = dict(zip(header, row))
        t, v = number(path, "time_s", r["time_s"]), number(path, "value", r["value"])
        key = (r["architecture"], r["component"], r["metric"])
        if key in last and t <= last[key]:
            fail(f"{path}:{i}: {key} at {t} s after {last[key]} s")
        last[key] = t
        if r["component"] == "all" and r["metric"] == "arrived":
            arrived[r["architecture"]] += v
    if not last or not close(max(last.values()), horizon):
        fail(f"{path}: the last sample is not at the horizon {horizon} s")
    for name, n in arrived.items():
        if int(n) != int(summary[name]["transactions"]):
            fail(f"{path}: {name}: arrivals add up to {n}, summary says "
                 f"{summary[name]['transactions']}")

    path = f"{out}/isolation.csv"
    header, _ = read(path)
    if "architecture" not in header:
        fail(f"{path}: header {header}")

    path = f"{out}/quantiles.csv"
    header, rows = read(path)
    if header != ["architecture", "metric", "quantile", "value_ms"]:
        fail(f"{path}: header {header}")
    for name in archs:
        for metric in ["response", "done"]:
            mine = [r for r in rows if r[0] == name and r[1] == metric]
            if len(mine) != 103:
                fail(f"{path}: {name} {metric}: {len(mine)} quantiles, not 103")
            qs = [number(path, "quantile", r[2]) for r in mine]
            if qs != sorted(qs) or qs[0] != 0 or qs[-1] != 1:
                fail(f"{path}: {name} {metric}: quantiles {qs[:3]} ... {qs[-3:]}")
            values = [number(path, "value_ms", r[3]) for r in mine if r[3] != ""]
            if values != sorted(values):
                fail(f"{path}: {name} {metric}: values decrease")
            p99 = [r[3] for r in mine if r[2] == "0.99"][0]
            if p99 != summary[name][f"{metric}_p99_ms"]:
                fail(f"{path}: {name} {metric}: 0.99 quantile {p99}, summary p99 "
                     f"{summary[name][metric + '_p99_ms']}")

    print(f"csv_check: {out}: {len(archs)} architectures, {len(body)} timeseries samples: ok")


main()
