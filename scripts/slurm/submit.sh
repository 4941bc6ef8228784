#!/bin/bash
# Submit a mixsim sweep as a Slurm job array of N shards plus a merge job that runs when every
# shard has succeeded.
#
#   scripts/slurm/submit.sh [SBATCH_OPTION=VALUE...] N SWEEP.toml WORKDIR [mixsim sweep options...]
#   e.g. scripts/slurm/submit.sh --partition=short --time=04:00:00 8 scenarios/fig6.toml \
#            runs/fig6-cluster --trials 1000
#
# Options before N go to sbatch for both jobs, in --name=value form. Each shard gets
# --cpus-per-task CPUs (default: the smallest CPU count of the partition's nodes, so a task fits
# any node) and runs mixsim with as many threads. Logs go to WORKDIR/logs/. What was submitted
# is kept in WORKDIR/submit.env, so that scripts/slurm/recover.sh can resubmit a failed or
# cancelled shard and a new merge.
#
# Results: WORKDIR/merged/{sweep.csv, sweep.md, plots/, points/}.
set -euo pipefail
usage="usage: submit.sh [SBATCH_OPTION=VALUE...] N SWEEP.toml WORKDIR [mixsim sweep options...]"
SBATCH_OPTS=()
while [[ $# -gt 0 && $1 == -* ]]; do
  case $1 in
    *=*) SBATCH_OPTS+=("$1") ;;
    *) echo "submit.sh: sbatch option $1: write it as $1=VALUE ($usage)" >&2; exit 2 ;;
  esac
  shift
done
N=${1:?$usage}
SWEEP=${2:?$usage}
WORK=${3:?$usage}
shift 3
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: N must be a whole number of shards, got $N" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
SWEEP=$(cd "$(dirname "$SWEEP")" && pwd)/$(basename "$SWEEP")

# CPUs per task: the caller's, else what the smallest node of the partition has.
if [[ " ${SBATCH_OPTS[*]} " != *" --cpus-per-task="* ]]; then
  partition=()
  for o in "${SBATCH_OPTS[@]}"; do [[ $o == --partition=* ]] && partition=(-p "${o#--partition=}"); done
  cpus=$(sinfo -h "${partition[@]}" -o %c 2>/dev/null | sort -n | head -1)
  SBATCH_OPTS=("--cpus-per-task=${cpus:-1}" "${SBATCH_OPTS[@]}")
fi

# What recover.sh needs to resubmit: one shell word per value.
{
  printf 'N=%q\nSWEEP=%q\n' "$N" "$SWEEP"
  printf 'SBATCH_OPTS=('; printf '%q ' "${SBATCH_OPTS[@]}"; printf ')\n'
  printf 'MIXSIM_OPTS=('; [[ $# -gt 0 ]] && printf '%q ' "$@"; printf ')\n'
} > "$WORK/submit.env"
echo "$N" > "$WORK/SHARDS"

"$HERE/submit-jobs.sh" "$WORK" "0-$((N - 1))"
