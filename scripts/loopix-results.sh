#!/usr/bin/env bash
# Run the Loopix scenarios (scenarios/loopix.toml and its no-cover baseline
# scenarios/loopix-nocover.toml, written by scripts/gen-loopix.py) into results/defenses/ and
# print the "Loopix" section of results/DEFENSES.md (scripts/defenses-results.sh appends it):
# per scenario, the real messages' end-to-end latency (p50, p99: the slot wait included), the
# dummy share of the bytes on alice's link to her provider, the best adversary's detection rate
# at N = 300, 1000, 3000 (the largest over the five estimators, as on the frontier) and every
# estimator's at N = 3000. Same seed, same bytes.
#
#   scripts/loopix-results.sh              # 200 trials each (about 20 s on two cores)
#   TRIALS=50 scripts/loopix-results.sh    # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${TRIALS:-200}
cargo build --release --quiet --bin mixsim
out=results/defenses
names=(loopix-nocover loopix)
for s in "${names[@]}"; do
  ./target/release/mixsim run "scenarios/$s.toml" --trials "$trials" --quiet --out "$out/$s" >/dev/null
  rm -f "$out/$s/run-log.json" # wall times: the one file a rerun would change
done

row() {
  jq -r '
    def rate(e; n): (.points[] | select(.estimator == e and .sample_size == n) | .detection_rate);
    def best(n): ([.points[] | select(.sample_size == n)] | max_by(.detection_rate)
                  | "\(.detection_rate) (\(.estimator))");
    def real: ((.latency.per_class // []) | map(select(.class == "real")) | .[0].end_to_end)
              // .latency.end_to_end;
    [.scenario, (real.p50_ms | round), (real.p99_ms | round),
     ((.links[] | select(.name == "alice->entry") | .cover.overhead // 0) * 1000 | round / 1000),
     best(300), best(1000), best(3000),
     rate("mi"; 3000), rate("mi-mm"; 3000), rate("mi-z"; 3000), rate("xcorr"; 3000), rate("xcorr-lag"; 3000)]
    | "| " + (map(tostring) | join(" | ")) + " |"' "$1"
}

echo "## Loopix"
echo
echo "\`scenarios/loopix.toml\` (written by \`scripts/gen-loopix.py\`; its header gives the paper's"
echo "parameters and what we chose): 8 clients in a ring at 0.5 real messages/s, each on a"
echo "Poisson payload stream of 0.833 slots/s with loop and drop cover at 0.833/s each, through an"
echo "entry provider, 3 layers of 3 Poisson mixes (a fresh route per message) and an exit provider,"
echo "every mix sending loops at 0.1/s; mean delay 500 ms per hop. \`loopix-nocover.toml\` is the"
echo "same network and real traffic with no cover. The adversary counts packets per second on"
echo "alice's link to her provider and on the exit provider's link to each of the 8 clients, and"
echo "names the link that carries alice's messages (a guess is right 1 time in 8). Latency: real"
echo "messages, from when they are written (the slot wait included) to delivery, in ms. Overhead:"
echo "the dummy share of the bytes on alice's link. Best adversary: the largest detection rate over"
echo "the five estimators at that N, as on the frontier. Printed by \`scripts/loopix-results.sh\`"
echo "($trials trials per scenario, seed 1; outputs in \`results/defenses/loopix*/\`)."
echo
echo "| scenario | p50 ms | p99 ms | overhead | best N=300 | best N=1000 | best N=3000 | mi N=3000 | mi-mm N=3000 | mi-z N=3000 | xcorr N=3000 | xcorr-lag N=3000 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for s in "${names[@]}"; do row "$out/$s/summary.json"; done
