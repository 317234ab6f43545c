#!/usr/bin/env bash
# How long each workshop lesson takes headless: `choreo lesson NAME --answers` (validate,
# then every run its questions need, each claim checked) with the release binary, the
# median of three, and its peak resident memory. The issue's bound is 5 s a lesson.
#
#   bench/lessons.sh            # builds the headless release binary first
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --no-default-features --quiet
bin=target/release/choreo
lessons=$("$bin" scenarios | sed -n 's/^ *[0-9][0-9]*\. \([a-z0-9-]*\) .*/\1/p')
printf '%-32s %8s %8s %6s\n' lesson "seconds" "peak MB" runs
worst=0
for name in $lessons; do
    times=()
    for run in 1 2 3; do
        start=$(date +%s.%N)
        "$bin" lesson "$name" --answers >/dev/null
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
    kb=$( { /usr/bin/time -f %M "$bin" lesson "$name" --answers >/dev/null; } 2>&1 | tail -1)
    distinct=$("$bin" lesson "$name" --answers | grep '^   run: ' | sort -u | wc -l)
    printf '%-32s %8.3f %8.1f %6s\n' "$name" "$median" "$(echo "$kb / 1024" | bc -l)" "$distinct"
    if (( $(echo "$median > $worst" | bc) )); then worst=$median; fi
done
echo "slowest: $worst s (bound: 5 s)"
(( $(echo "$worst < 5" | bc) ))
