#!/bin/bash
# The submissions behind submit.sh and recover.sh: array tasks TASKS of the sweep kept in
# WORKDIR/submit.env, and a merge that runs once they have all succeeded.
#
#   scripts/slurm/submit-jobs.sh WORKDIR TASKS      (TASKS as sbatch --array takes it: 0-7, 3, 1,5)
set -euo pipefail
WORK=${1:?usage: submit-jobs.sh WORKDIR TASKS}
TASKS=${2:?usage: submit-jobs.sh WORKDIR TASKS}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "$WORK/submit.env"
ARRAY=$(sbatch --parsable --array="$TASKS" --export="ALL,SHARDS=$N" \
    --output="$WORK/logs/sweep-%A_%a.log" "${SBATCH_OPTS[@]}" \
    "$HERE/sweep.sbatch" "$SWEEP" "$WORK" "${MIXSIM_OPTS[@]}")
ARRAY=${ARRAY%%;*}
MERGE=$(sbatch --parsable --dependency="afterok:$ARRAY" --output="$WORK/logs/merge-%j.log" \
    "${SBATCH_OPTS[@]}" --cpus-per-task=1 "$HERE/merge.sbatch" "$WORK")
MERGE=${MERGE%%;*}
echo "$ARRAY" > "$WORK/array.jobid"
echo "$MERGE" > "$WORK/merge.jobid"
echo "submitted shards $TASKS of $N as job array $ARRAY and the merge as job $MERGE (logs in $WORK/logs)"
