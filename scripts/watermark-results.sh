#!/usr/bin/env bash
# Regenerate results/watermark/: every watermark experiment, run by `mixsim run`, `mixsim sweep`
# and `mixsim model` on the scenarios and sweep files in scenarios/.
# Deterministic: the same seed writes the same summary.json bytes on any machine and any --jobs
# (wall times go to run-log.json only). About 5 minutes on 2 cores.
#
#   scripts/watermark-results.sh            # all of them
#   JOBS=1 scripts/watermark-results.sh     # any thread count gives the same files
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin mixsim
bin=target/release/mixsim
jobs=(); [[ -n "${JOBS:-}" ]] && jobs=(--jobs "$JOBS")
out=results/watermark
rm -rf "$out"
mkdir -p "$out"
say() { echo "== $*" >&2; }

# Figs 5-7 (analysis only) at the paper's point: 4.4 pkt/s and the sigma that gives its COER.
analysis=(scenarios/swirl-stepping-stone.toml --set flow.alice.rate=4.4pps --set 'link.ss1->bob.jitter=9.38ms')
say "mixsim model ${analysis[*]}"
"$bin" model "${analysis[@]}" > "$out/analysis.txt"
"$bin" model "${analysis[@]}" --json > "$out/analysis.json"

# Fig. 9 at one point (1000 + 1000 interactive flows, 9.5 pkt/s, sigma 9 ms). The .txt tables
# keep only what the seed determines: the "wrote ... (wall time)" line is dropped (the timing is
# in the run directory's run-log.json).
say "mixsim run scenarios/swirl-stepping-stone.toml --out $out/fig9"
"$bin" run scenarios/swirl-stepping-stone.toml --out "$out/fig9" "${jobs[@]}" | sed '/ s wall, /d' > "$out/fig9.txt"

for s in stepping-stone-sweep stepping-stone-poisson compare-sweep mix-sweep; do
  say "mixsim sweep scenarios/swirl-$s.toml --out $out/$s"
  "$bin" sweep "scenarios/swirl-$s.toml" --out "$out/$s" "${jobs[@]}"
done
say "mixsim run scenarios/swirl-compare.toml --set watermark.mark.embedding=uniform --out $out/compare-uniform"
"$bin" run scenarios/swirl-compare.toml --set watermark.mark.embedding=uniform \
  --out "$out/compare-uniform" "${jobs[@]}" | sed '/ s wall, /d' > "$out/compare-uniform.txt"

say "scripts/watermark-thresholds.py $out/mix-sweep/sweep.csv"
scripts/watermark-thresholds.py "$out/mix-sweep/sweep.csv" > "$out/mix-thresholds.md"

# The multi-flow attack: 20 marked vs 20 held-unmarked Poisson flows (scenarios/mfa.toml,
# written by scripts/gen-mfa.py), over SWIRL's q and embedding and over the other schemes.
for s in swirl schemes; do
  say "mixsim sweep scenarios/mfa-$s-sweep.toml --out $out/mfa-$s-sweep"
  "$bin" sweep "scenarios/mfa-$s-sweep.toml" --out "$out/mfa-$s-sweep" "${jobs[@]}"
done
say "scripts/mfa-table.py $out/mfa-swirl-sweep $out/mfa-schemes-sweep"
scripts/mfa-table.py "$out/mfa-swirl-sweep" "$out/mfa-schemes-sweep" > "$out/mfa.md"
say "wrote $out/"
