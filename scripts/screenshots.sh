#!/usr/bin/env bash
# Retakes the README's viewer screenshots (docs/screenshots/) with the release binary under
# Xvfb and Mesa's software Vulkan: one per bundled scenario at the simulated time the
# README's table gives. Look at each PNG afterwards.
#
#   scripts/screenshots.sh            # needs xvfb-run and mesa-vulkan-drivers
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --locked --bin choreo
out=docs/screenshots
shot() { # shot NAME AFTER [SPEED]
    WGPU_BACKEND=vulkan timeout 600 xvfb-run -a -s "-screen 0 1600x1000x24" \
        "${CARGO_TARGET_DIR:-target}/release/choreo" view "$1" --screenshot "$out/$1.png" --after "$2" --speed "${3:-1}" \
        2>/dev/null | grep '^saved'
}
shot photo-sharing 90s
shot failure-isolation 12m
shot cold-starts 935s 10
shot choreography-vs-orchestration 22m
shot platform-limits 30m
shot distributed-over-stateless 315s 10
shot azure-replay 6h 10
shot mmc-server 10m
shot platforms 10m
shot adding-a-consumer 10m
shot cost-break-even 30m 10
shot meta-over-data 5m
shot throttling-cascade 61s
shot events-over-functions 11m 10
shot granularity 1990s 10
