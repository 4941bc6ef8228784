#!/bin/bash
# The network-size series: the 3-layer x 3-mix mixnet of examples/mixnet_gen.rs with 10, 100,
# 1000 and 10 000 flows (10 000 pkt/s in total, 61 s, one trial), each generated, checked and
# run once. Prints, per size, the links, packets delivered, wall time and peak RSS of `mixsim
# check` and of `mixsim run --trials 1 --jobs 1` (GNU time -v).
# Usage: scripts/network-size.sh [SIZES...]   (default: 10 100 1000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin mixsim --example mixnet_gen
sizes=("${@:-10 100 1000 10000}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source scripts/measure.sh
printf '%-7s %-7s %-10s %-9s %-10s %-9s %-10s\n' flows links delivered check_s check_MB run_s run_MB
for n in ${sizes[@]}; do
    f="$dir/mixnet-$n.toml"
    target/release/examples/mixnet_gen "$n" >"$f"
    read -r cs cm < <(measure target/release/mixsim check "$f")
    read -r rs rm < <(measure target/release/mixsim run "$f" --trials 1 --jobs 1 --quiet --out "$dir/run-$n")
    links=$(grep -c '^\[\[link\]\]' "$f")
    delivered=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['packets']['delivered'])" "$dir/run-$n/summary.json")
    printf '%-7s %-7s %-10s %-9s %-10s %-9s %-10s\n' "$n" "$links" "$delivered" "$cs" "$cm" "$rs" "$rm"
done
