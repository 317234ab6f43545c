#!/usr/bin/env bash
# choreo against its peers on the same models, in one run, on this machine:
#   - the SimFaaS paper's reference model: SimFaaS 0.2.2 vs bench/simfaas-reference.ron;
#   - M/M/10 at rho = 0.9, ~900,000 customers: SimPy 4.1.2 vs bench/mmc-10.ron.
# Installs SimFaaS and SimPy into a venv (target/peers-venv, pip), builds choreo's headless
# release binary, times each whole process (best of 3), prints times, ratios and figures.
#
#   bench/peers.sh            # needs python3 with venv and pip, and PyPI
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/peers-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q simfaas==0.2.2 simpy==4.1.2
cargo build -q --release --locked --no-default-features --bin choreo
choreo=${CARGO_TARGET_DIR:-target}/release/choreo
out=target/peers
mkdir -p "$out"

# Best wall time of 3 runs of a command [s]; its output of the last run in $out/$1.txt.
best() {
    local name=$1; shift
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > "$out/$name.txt" 2>&1
        t1=$(date +%s.%N)
        best=$(python3 -c "import sys; a=float(sys.argv[1]); b='$best'; print(min(a, float(b)) if b else a)" "$(echo "$t1 - $t0" | bc)")
    done
    echo "$best"
}

column() { # column FILE ARCH NAME: a figure of summary.csv
    python3 - "$@" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["architecture"] == sys.argv[2]]
print(rows[0][sys.argv[3]])
PY
}

echo "== SimFaaS reference model (lambda 0.9/s, 10^6 s, keep-alive 600 s)"
t_simfaas=$(best simfaas "$venv/bin/python" bench/simfaas_reference.py)
t_choreo=$(best choreo-simfaas "$choreo" run bench/simfaas-reference.ron --force --out "$out/simfaas")
echo "SimFaaS 0.2.2: ${t_simfaas} s   $(tr '\n' ' ' < "$out/simfaas.txt")"
echo "choreo:        ${t_choreo} s   p_cold $(column "$out/simfaas/summary.csv" f cold_start_ratio) mean_instances $(column "$out/simfaas/summary.csv" f mean_instances)"
python3 -c "import sys; print(f'choreo is {float(sys.argv[1]) / float(sys.argv[2]):.0f}x faster (target: 100x)')" "$t_simfaas" "$t_choreo"

echo "== M/M/10 at rho 0.9 (lambda 9/s, 100,000 s)"
t_simpy=$(best simpy "$venv/bin/python" bench/simpy_mmc.py)
t_choreo=$(best choreo-mmc "$choreo" run bench/mmc-10.ron --force --out "$out/mmc")
echo "SimPy 4.1.2:   ${t_simpy} s   $(tr '\n' ' ' < "$out/simpy.txt")"
echo "choreo:        ${t_choreo} s   customers $(column "$out/mmc/summary.csv" mmc transactions) mean_response_ms $(column "$out/mmc/summary.csv" mmc response_mean_ms)"
python3 -c "import sys; print(f'choreo is {float(sys.argv[1]) / float(sys.argv[2]):.0f}x faster (target: 100x)')" "$t_simpy" "$t_choreo"

echo "== memory: peak resident set of choreo run (the reference model) and of choreo --version"
/usr/bin/time -f "choreo run: %M KB" "$choreo" run bench/simfaas-reference.ron --force --out "$out/simfaas" > /dev/null
/usr/bin/time -f "choreo --version: %M KB" "$choreo" --version > /dev/null
