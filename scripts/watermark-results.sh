#!/usr/bin/env bash
# Regenerate results/watermark/: every watermark experiment of issue 4, from the experiment
# files in scenarios/. Deterministic: the same seed writes the same summary.json bytes on any
# machine and any --jobs (wall times go to each directory's run-log.json only).
#
#   scripts/watermark-results.sh            # all of them (a few minutes on 2 cores)
#   JOBS=1 scripts/watermark-results.sh     # any thread count gives the same files
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/mixsim
jobs=(); [[ -n "${JOBS:-}" ]] && jobs=(--jobs "$JOBS")
out=results/watermark
run() { # name file [extra args...]
  local name=$1 file=$2; shift 2
  echo "== $name: mixsim watermark $file --out $out/$name $*" >&2
  "$bin" watermark "$file" --out "$out/$name" "${jobs[@]}" "$@" > "$out/$name.txt"
}
mkdir -p "$out"
run analysis scenarios/swirl-analysis.toml
run stepping-stone scenarios/swirl-stepping-stone.toml
run compare scenarios/swirl-compare.toml
run mix scenarios/swirl-mix.toml
# The Fig. 9 timing bar: 1000 + 1000 flows of 130 s at one point, all anchors.
run fig9-timing scenarios/swirl-fig9.toml
echo "wrote $out/{analysis,stepping-stone,compare,mix,fig9-timing}/ and the printed tables $out/*.txt" >&2
