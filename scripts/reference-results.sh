#!/usr/bin/env bash
# Regenerate results/ for the reference scenarios of seed 000: for each, summary.json,
# points.csv, table.txt and detection.svg (simulation with 95% intervals, model curves over it).
# The outputs are byte-for-byte reproducible: same seed, same bytes, whatever the thread count.
#
#   scripts/reference-results.sh            # 1000 trials per scenario (a few minutes)
#   TRIALS=200 scripts/reference-results.sh # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${TRIALS:-1000}
cargo build --release --quiet
for s in testbed-poisson fig5-light fig5-heavy; do
  echo "== $s ($trials trials)"
  ./target/release/mixsim run "scenarios/$s.toml" --trials "$trials" --quiet --out "results/$s"
  cat "results/$s/table.txt"
done
