#!/bin/bash
# A choreo sweep in 4 shards with GNU parallel (here, or over ssh with --sshlogin), then
# merged. Run from the folder that should hold the results.
set -euo pipefail
CHOREO=${CHOREO:-choreo}
parallel "$CHOREO" sweep mmc-server --set horizon=10m \
    --vary load=0.5,0.75,1 --vary server.app.workers=4,5,6,8 \
    --replications 2 --jobs 1 --shard {}/4 --out shard-{} ::: 1 2 3 4
"$CHOREO" merge shard-1 shard-2 shard-3 shard-4 --out merged
