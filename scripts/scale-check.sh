#!/bin/bash
# The scale check (a benchmark, not a test): the stratified mixnet of examples/mixnet_gen.rs (3
# layers of 3 exponential mixes, t_avg 10 ms) with 1000 senders, each sending 10 pkt/s of real
# traffic to its own receiver on a random route (10 000 pkt/s in total) and, beside it, 5
# loop-cover dummies/s (through one random mix per layer and back to itself) and 5 drop-cover
# dummies/s (through one mix per layer to a random receiver, which drops them); 10 minutes
# simulated after a 1 s warm-up; one trial, one job, on the columnar executor (--engine stream:
# the run is refused rather than moved to the event engine if the scenario were not streamable;
# a trial with an undecided tie would still rerun on the engine, bit for bit the same).
# Prints the load average, the scenario's size, the packets per kind, the round trip of the
# loops, and wall time and peak RSS of `mixsim check` and `mixsim run` (GNU time -v).
# Usage: scripts/scale-check.sh [SENDERS [SECONDS]]   (default: 1000 600)
set -euo pipefail
cd "$(dirname "$0")/.."
senders=${1:-1000}
seconds=${2:-600}
cargo build --release --quiet --bin mixsim --example mixnet_gen
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source scripts/measure.sh
f="$dir/mixnet-$senders-cover.toml"
target/release/examples/mixnet_gen "$senders" --seconds "$seconds" --loop-rate 5 --drop-rate 5 >"$f"
echo "load before: $(uptime)"
read -r cs cm < <(measure target/release/mixsim check "$f")
read -r rs rm < <(measure target/release/mixsim run "$f" --trials 1 --jobs 1 --engine stream --quiet --out "$dir/run")
echo "load after:  $(uptime)"
echo "senders $senders, simulated ${seconds}s after a 1s warm-up; $(grep -c '^\[\[link\]\]' "$f") links, $(grep -c '^\[\[flow\]\]' "$f") flows, $(grep -c '^\[\[cover\]\]' "$f") cover streams"
python3 - "$dir/run/summary.json" "$dir/run/run-log.json" <<'PY'
import json, sys
s, log = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
p = s["packets"]
print(f"packets: {p['created']} created, {p['delivered']} delivered, {p['dropped']} dropped, {p['in_flight_at_end']} in flight")
for kind, c in p["kinds"].items():
    print(f"  {kind}: {c['created']} created, {c['delivered']} delivered, {c['dropped']} dropped, {c['in_flight_at_end']} in flight")
for c in s["latency"]["per_class"]:
    e = c["end_to_end"]
    print(f"  latency {c['class']}: mean {e['mean_ms']:.2f} ms, p99 {e['p99_ms']:.2f} ms ({e['samples']} samples)")
print(f"events {log['events']}, {log['packets_per_second'] / 1e6:.2f} M packets/s of wall time")
PY
printf 'check: %s s, peak RSS %s MB\nrun:   %s s, peak RSS %s MB\n' "$cs" "$cm" "$rs" "$rm"
