#!/bin/bash
# Submit a mixsim sweep as a Slurm job array of N shards plus a merge job that runs when every
# shard has succeeded.
#
#   scripts/slurm/submit.sh N SWEEP.toml WORKDIR [mixsim sweep options...]
#   e.g. scripts/slurm/submit.sh 8 scenarios/fig6.toml runs/fig6-cluster --trials 1000
#
# Results: WORKDIR/merged/{sweep.csv, sweep.md, plots/, points/}.
set -euo pipefail
N=${1:?usage: submit.sh N SWEEP.toml WORKDIR [options]}
SWEEP=${2:?usage: submit.sh N SWEEP.toml WORKDIR [options]}
WORK=${3:?usage: submit.sh N SWEEP.toml WORKDIR [options]}
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
ARRAY=$(sbatch --parsable --array="0-$((N - 1))" --export="ALL,SHARDS=$N" \
    "$HERE/sweep.sbatch" "$SWEEP" "$WORK" "$@")
ARRAY=${ARRAY%%;*}
MERGE=$(sbatch --parsable --dependency="afterok:$ARRAY" "$HERE/merge.sbatch" "$WORK")
echo "submitted shards as job array $ARRAY and the merge as job ${MERGE%%;*}"
