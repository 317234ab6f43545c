#!/usr/bin/env bash
# How a sweep's throughput scales with --jobs: the same 24-point sweep (2 replications
# each, both architectures of mmc-server over 30 simulated minutes) with --jobs 1, 2, ...
# up to the cores, each timed three times (the median is printed), and the files compared
# byte for byte across job counts.
#
#   bench/sweep-scaling.sh            # builds the headless release binary first
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --no-default-features --quiet
bin=target/release/choreo
cores=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(sweep mmc-server --set horizon=30m --vary load=0.5..1.2:0.1 --vary server.app.workers=4,6,8
      --replications 2)
echo "machine: $(nproc) cores, $(uname -m); 24 points x 2 replications x 2 architectures"
base=""
for jobs in $(seq 1 "$cores"); do
    times=()
    for run in 1 2 3; do
        rm -rf "$work/out"
        start=$(date +%s.%N)
        "$bin" "${args[@]}" --jobs "$jobs" --out "$work/out" >/dev/null 2>&1
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
    if [ -z "$base" ]; then
        base=$median
        cp "$work/out/sweep.csv" "$work/reference.csv"
    else
        cmp -s "$work/out/sweep.csv" "$work/reference.csv" || { echo "sweep.csv differs with --jobs $jobs"; exit 1; }
    fi
    printf -- "--jobs %d: %.3f s (median of 3), %.1f points/s, speed-up %.2f\n" \
        "$jobs" "$median" "$(echo "24 / $median" | bc -l)" "$(echo "$base / $median" | bc -l)"
done
