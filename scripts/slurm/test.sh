#!/bin/bash
# Run the Slurm scripts on a real single-node Slurm and check that a sweep split into shards,
# merged by the cluster, is byte for byte the local `mixsim sweep`; then cancel a shard, check
# that the merge waits (DependencyNeverSatisfied), and recover with recover.sh.
#
#   scripts/slurm/test.sh          (run by .ci/run after the tests; needs root for apt-get)
#
# When no Slurm answers, it installs Debian's slurm-wlm and munge with apt-get if they are
# missing, starts munged, and starts slurmctld and slurmd on a one-node cluster on localhost
# with the node's real CPU count and memory (`slurmd -C`), configured in a temporary directory;
# it stops what it started. The sweep is tiny (2 points x 4 trials of fig5-light).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
started=$(date +%s)
TMP=$(mktemp -d /tmp/mixsim-slurm-test.XXXXXX)
PIDS=()
cleanup() {
  local status=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # The daemons write their state as they stop: wait for them (10 s at most) before removing
  # it, or rm races a daemon still writing into the directory.
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  done
  rm -rf "$TMP" 2>/dev/null || { sleep 1; rm -rf "$TMP"; } ||
    echo "slurm test: could not remove $TMP" >&2
  exit "$status"
}
trap cleanup EXIT
say() { echo "slurm test: $*"; }

cargo build --release --quiet --bin mixsim
export MIXSIM=$ROOT/target/release/mixsim

if ! sinfo -h >/dev/null 2>&1; then
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  fi
  if ! pgrep -x munged >/dev/null; then
    [[ -s /etc/munge/munge.key ]] || /usr/sbin/mungekey --create --force 2>/dev/null \
      || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
    PIDS+=("$(cat /run/munge/munged.pid)")
  fi
  node=$(slurmd -C | head -1)
  name=$(hostname -s)
  mkdir -p "$TMP/state" "$TMP/spool"
  cat > "$TMP/slurm.conf" <<CONF
ClusterName=mixsim-test
SlurmctldHost=$name(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/slurmctld.log
SlurmdLogFile=$TMP/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$name Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$TMP/slurm.conf
  slurmctld -i -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  for _ in $(seq 50); do [[ -s $TMP/slurmctld.pid && -s $TMP/slurmd.pid ]] && break; sleep 0.2; done
  PIDS+=("$(cat "$TMP/slurmctld.pid")" "$(cat "$TMP/slurmd.pid")")
  for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 0.3; done
  sinfo -h -o %T | grep -qx idle || { say "the node did not come up"; cat "$TMP"/slurm*.log; exit 1; }
  say "started a one-node Slurm: $node"
fi

cat > "$TMP/tiny.toml" <<TOML
name = "tiny"
base = "$ROOT/scenarios/fig5-light.toml"
trials = 4
seed = 5
chunk = 1
set = ["attack.sample_sizes=[10, 30]", "attack.estimators=[\"mi\"]", "duration=\"6s\""]
[vary]
"node.mix.t_avg" = ["5ms", "50ms"]
TOML
"$MIXSIM" sweep "$TMP/tiny.toml" --out "$TMP/local" --quiet

# Wait until job $1 has left the queue.
wait_job() {
  for _ in $(seq 600); do
    squeue -h -j "$1" 2>/dev/null | grep -q . || return 0
    sleep 0.5
  done
  say "job $1 did not finish"; squeue; exit 1
}
same() {
  diff -r "$TMP/local" "$1/merged" >/dev/null || { say "$1/merged differs from the local sweep"; diff -r "$TMP/local" "$1/merged" | head; exit 1; }
}

# 1. The whole path: 3 shards and the merge; logs under the work directory.
scripts/slurm/submit.sh 3 "$TMP/tiny.toml" "$TMP/work" --quiet
wait_job "$(cat "$TMP/work/merge.jobid")"
same "$TMP/work"
[[ $(ls "$TMP/work/logs" | grep -c '^sweep-') == 3 && -n $(ls "$TMP/work/logs" | grep '^merge-') ]] \
  || { say "logs missing in $TMP/work/logs"; ls "$TMP/work/logs"; exit 1; }
say "3 shards merged on Slurm = the local sweep, byte for byte"

# 2. A cancelled shard: the merge waits for ever; recover.sh resubmits and merges.
scripts/slurm/submit.sh 3 "$TMP/tiny.toml" "$TMP/work2" --quiet
array=$(cat "$TMP/work2/array.jobid")
merge=$(cat "$TMP/work2/merge.jobid")
scancel "${array}_1"
wait_job "$array"
for _ in $(seq 60); do
  reason=$(squeue -h -j "$merge" -o %r 2>/dev/null || true)
  [[ $reason == DependencyNeverSatisfied ]] && break
  sleep 0.5
done
[[ $reason == DependencyNeverSatisfied ]] || { say "merge $merge: reason '$reason'"; exit 1; }
scripts/slurm/recover.sh "$TMP/work2"
squeue -h -j "$merge" 2>/dev/null | grep -q . && { say "the old merge $merge is still queued"; exit 1; }
wait_job "$(cat "$TMP/work2/merge.jobid")"
same "$TMP/work2"
say "a cancelled shard recovered with recover.sh; merged = the local sweep"
say "passed in $(($(date +%s) - started)) s"
