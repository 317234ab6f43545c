#!/usr/bin/env bash
# Runs docs/examples/sweep.sbatch on a real single-node Slurm (Debian's slurm-wlm and
# munge, configured here for this machine alone), merges the array's shards with
# `choreo merge`, and checks the result equals the same sweep run on one machine; then runs
# docs/examples/sweep-parallel.sh (GNU parallel) and checks the same. Needs root (it writes
# /etc/slurm and /etc/munge and starts the daemons); .ci/run installs the packages.
#
#   scripts/slurm-sweep-test.sh target/debug/choreo
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
CHOREO=$(realpath "${1:?usage: $0 PATH/TO/choreo}")
export CHOREO
for tool in sbatch slurmctld slurmd munged parallel; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install slurm-wlm munge parallel" >&2; exit 1; }
done
work=$(mktemp -d)
node=$(hostname -s)
cpus=$(nproc)

# munge: a key, and the daemon.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0400 /etc/munge/munge.key
chmod 0711 /run/munge
pgrep -x munged >/dev/null || runuser -u munge -- munged

# Slurm: this machine is the controller and the only node.
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=choreo-ci
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
pkill -x slurmctld 2>/dev/null || true
pkill -x slurmd 2>/dev/null || true
sleep 1
slurmctld -c
slurmd
for _ in $(seq 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then break; fi
    sleep 1
done
sinfo -N || { tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; exit 1; }

# The array of docs/examples/sweep.sbatch, its shards merged.
cd "$work"
mkdir slurm && cd slurm
timeout 600 sbatch --wait --array=1-4 "$repo/docs/examples/sweep.sbatch" \
    || { cat choreo-sweep-*.log; tail -20 /var/log/slurm/slurmd.log; exit 1; }
ls -d shard-1 shard-2 shard-3 shard-4
"$CHOREO" merge shard-* --out merged
cd "$work"

# The same sweep on one machine.
"$CHOREO" sweep mmc-server --set horizon=10m \
    --vary load=0.5,0.75,1 --vary server.app.workers=4,5,6,8 \
    --replications 2 --out whole 2>/dev/null >/dev/null
for f in sweep.csv sweep_ci.csv manifest.json; do
    cmp "whole/$f" "slurm/merged/$f"
done
echo "slurm: 4 array tasks merged = the single-machine sweep ($(($(wc -l < whole/sweep.csv) - 1)) rows)"

# GNU parallel, as docs/examples/sweep-parallel.sh does it.
mkdir gnu && (cd gnu && bash "$repo/docs/examples/sweep-parallel.sh" >/dev/null 2>&1)
for f in sweep.csv sweep_ci.csv manifest.json; do
    cmp "whole/$f" "gnu/merged/$f"
done
echo "GNU parallel: 4 shards merged = the single-machine sweep"
pkill -x slurmd || true
pkill -x slurmctld || true
rm -rf "$work"
