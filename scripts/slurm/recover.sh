#!/bin/bash
# After a shard failed, timed out or was cancelled, the merge of scripts/slurm/submit.sh waits
# forever (reason DependencyNeverSatisfied). This cancels that merge, resubmits the shards and
# submits a new merge:
#
#   scripts/slurm/recover.sh WORKDIR [TASKS]
#
# TASKS (as sbatch --array takes it, e.g. 3 or 1,5) defaults to every shard: a shard that had
# finished ends at once, since its chunks are on disk, and one that stopped midway resumes.
set -euo pipefail
WORK=${1:?usage: recover.sh WORKDIR [TASKS]}
[[ -f $WORK/submit.env ]] || { echo "recover.sh: $WORK/submit.env missing: was WORKDIR submitted by scripts/slurm/submit.sh?" >&2; exit 2; }
WORK=$(cd "$WORK" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
source "$WORK/submit.env"
if [[ -f $WORK/merge.jobid ]]; then
  old=$(cat "$WORK/merge.jobid")
  scancel "$old" 2>/dev/null && echo "cancelled the waiting merge job $old" || true
fi
"$HERE/submit-jobs.sh" "$WORK" "${2:-0-$((N - 1))}"
