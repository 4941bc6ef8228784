#!/usr/bin/env bash
# Regenerate results/defenses/model/: the correlation model against simulation where it covers a
# defense (5000 trials per run, same seed, same bytes; fewer cannot judge the 0.02 the model
# aims at: the simulation's standard error near D = 1/2 is 0.016 at 1000 trials): the timed mix on fig5-light with a flush
# period that divides the 10 ms interval (5 ms at two phases, 2 ms, and 10 ms, where the
# interval's own arrivals all leave in the next interval), and both mix output links of
# testbed-poisson padded (Poisson and constant slots). Then prints the model-accuracy tables
# that results/ACCURACY.md quotes.
#
#   scripts/model-defenses.sh              # 5000 trials per run (about 1.5 minutes on two cores)
#   TRIALS=200 scripts/model-defenses.sh   # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${TRIALS:-5000}
cargo build --release --quiet --bin mixsim --example accuracy
out=results/defenses/model
mkdir -p "$out"
sizes='attack.sample_sizes=[10, 30, 100, 300, 1000, 3000]'
run() { # NAME SCENARIO [--set ...]
  local name=$1 file=$2
  shift 2
  ./target/release/mixsim run "scenarios/$file.toml" --trials "$trials" --quiet --out "$out/$name" \
    --set 'attack.estimators=["mi"]' --set "$sizes" "$@" >/dev/null
  rm -f "$out/$name/run-log.json" # wall times: the one file a rerun would change
}
timed=(--set node.mix.strategy=timed)
run timed-5ms fig5-light "${timed[@]}" --set node.mix.t_avg=5ms
run timed-5ms-phase3ms fig5-light "${timed[@]}" --set node.mix.t_avg=5ms --set warmup=1002ms
run timed-2ms fig5-light "${timed[@]}" --set node.mix.t_avg=2ms
run timed-10ms fig5-light "${timed[@]}" --set node.mix.t_avg=10ms
run padding-poisson defense-padding-poisson
run padding-constant defense-padding-constant
./target/release/examples/accuracy \
  "$out"/timed-5ms/points.csv "$out"/timed-5ms-phase3ms/points.csv "$out"/timed-2ms/points.csv \
  "$out"/timed-10ms/points.csv "$out"/padding-poisson/points.csv "$out"/padding-constant/points.csv
