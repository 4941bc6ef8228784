#!/usr/bin/env bash
# Regenerates results/ADVERSARIES.md and results/adversaries/: the likelihood attack (both delay
# laws) beside the count attacks (mi, mi-mm, xcorr) on the same 1000 trials of fig5-light,
# fig5-heavy and testbed-poisson; the hop-by-hop and supermix adversaries on the cascade and
# the mixnet (their own scenario files, unchanged); the attacks' cost per trial at N = 29 900
# (the engine bench, MIXSIM_BENCH_ONLY=attack; skipped with BENCH=0, which keeps the previous
# results/adversaries/bench-attack.txt: timings want a quiet machine, the rest does not).
#
# The reference scenario files are not changed: for each, this script writes the file it runs
# to results/adversaries/scenarios/NAME.toml, the reference with its [attack] table turned into
# [[attack]] and a likelihood table (same target, candidates, interval and N) and a message_entropy
# table appended; the entropy section reads every run's summary.json message_entropy[].
#
# Usage: scripts/adversaries-results.sh [TRIALS]   (default 1000; about 6 minutes on 2 cores,
# plus the bench)
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS="${1:-1000}"
OUT=results/adversaries
cargo build --release --quiet
mkdir -p "$OUT"
find "$OUT" -mindepth 1 -maxdepth 1 ! -name bench-attack.txt -exec rm -rf {} +
mkdir -p "$OUT/scenarios"
for name in fig5-light fig5-heavy testbed-poisson; do
  file="$OUT/scenarios/$name.toml"
  sed 's/^\[attack\]$/[[attack]]/' "scenarios/$name.toml" > "$file"
  cat >> "$file" <<'TOML'

[[attack]]
# Danezis's likelihood attack on the same trials (added by scripts/adversaries-results.sh).
kind = "likelihood"
target = "alice"
interval = "10ms"
sample_sizes = [10, 30, 100, 300, 1000, 3000]
candidates = ["mix->bob", "mix->r2"]

[[attack]]
# The anonymity per message of Alice's tagged packet on the same trials (added by
# scripts/adversaries-results.sh): summary.json message_entropy[].
name = "message"
kind = "message_entropy"
target = "alice"
TOML
  ./target/release/mixsim run "$file" --trials "$TRIALS" --seed 1 --out "$OUT/$name" --quiet
  rm -f "$OUT/$name/run-log.json"
done
for name in cascade mixnet; do
  ./target/release/mixsim run "scenarios/$name.toml" --trials "$TRIALS" --seed 1 --out "$OUT/$name" --quiet
  rm -f "$OUT/$name/run-log.json"
done
if [[ "${BENCH:-1}" != 0 ]]; then
  MIXSIM_BENCH_ONLY=attack MIXSIM_BENCH_REPS=3 cargo bench --quiet --bench engine 2>/dev/null \
    | grep '^attack/' > "$OUT/bench-attack.txt"
fi
python3 - "$TRIALS" <<'PY' > results/ADVERSARIES.md
import json, sys
trials = sys.argv[1]
names = ["fig5-light", "fig5-heavy", "testbed-poisson"]
print("# Adversaries beyond the count attack: measured\n")
print("Printed by `scripts/adversaries-results.sh` (this file and `results/adversaries/`), "
      f"{trials} trials per scenario, seed 1. Detection rate D with its Wilson 95 % interval; "
      "for the likelihood attack also the mean degree of anonymity d (1: the adversary learnt "
      "nothing, 0: certain), from its posterior over the two candidates. Every attack runs on "
      "the same trials. `mi` is the paper's attack; `likelihood-paper` is Danezis's attack "
      "with the mix's exponential delay only, `likelihood-queue` convolves it with the output "
      "link's M/D/1 waiting time (see the `attack::likelihood` module documentation). The "
      "last column is the analytical model of the `mi` attack (the paper's Theorem 1 with the "
      "improved joint law; no model exists for the other attacks).\n")
for name in names:
    s = json.load(open(f"results/adversaries/{name}/summary.json"))
    pts = [p for p in s["points"] if p.get("sample_size") is not None]
    est = []
    for p in pts:
        if p["estimator"] not in est:
            est.append(p["estimator"])
    sizes = sorted({p["sample_size"] for p in pts})
    print(f"## {name}\n")
    print("| N | " + " | ".join(est) + " | d (likelihood-paper) | model for mi (improved) |")
    print("|---:|" + "---|" * (len(est) + 2))
    for n in sizes:
        row = [str(n)]
        deg = ""
        for e in est:
            p = next(p for p in pts if p["estimator"] == e and p["sample_size"] == n)
            row.append(f"{p['detection_rate']:.3f} ({p['ci_low']:.3f}-{p['ci_high']:.3f})")
            if e == "likelihood-paper":
                i = p["identification"]
                deg = f"{i['degree']:.3f} ({i['degree_ci_low']:.3f}-{i['degree_ci_high']:.3f})"
        mi = next(p for p in pts if p["estimator"] == "mi" and p["sample_size"] == n)
        model = (mi.get("model") or {}).get("improved")
        model = f"{model:.3f}" if model is not None else "-"
        print("| " + " | ".join(row) + f" | {deg} | {model} |")
    print()
PY
python3 scripts/adversaries-paths.py "$OUT" >> results/ADVERSARIES.md
python3 - "$OUT" <<'PY' >> results/ADVERSARIES.md
import json, sys
out = sys.argv[1]
print("\n## Anonymity per message\n")
print("The entropy in bits of the adversary's distribution over the messages Alice's first packet "
      "after the warm-up could be when it leaves the mixes, propagated through every mix from the "
      "tap traces alone (module `attack::message`), mean over the run's trials with its normal "
      "95 % interval, beside the steady-state entropy of her first mix alone (module "
      "`model::pool_entropy`) where the network is that one mix. From the same `mixsim run`s as "
      "above: each scenario's `message_entropy` table (`kind = \"message_entropy\"`; the cascade "
      "and the mixnet carry one, the reference copies get one from this script), "
      "summary.json `message_entropy[]`.\n")
print("| scenario | trials tagged | measured [95% CI] | one-mix model | model - measured |")
print("|---|---:|---|---:|---:|")
rows = {}
for name in ["fig5-light", "fig5-heavy", "testbed-poisson", "cascade", "mixnet"]:
    e = json.load(open(f"{out}/{name}/summary.json"))["message_entropy"][0]
    rows[name] = e
    model = e["model_bits"]
    m, d = ("-", "-") if model is None else (f"{model:.3f}", f"{model - e['mean_bits']:+.3f}")
    print(f"| {name} | {e['tagged']}/{e['trials']} | {e['mean_bits']:.3f} "
          f"[{e['ci_low']:.3f}, {e['ci_high']:.3f}] | {m} | {d} |")
print()
def dev(n):
    e = rows[n]
    inside = e["ci_low"] <= e["model_bits"] <= e["ci_high"]
    return f"{e['model_bits'] - e['mean_bits']:+.3f} bits ({'inside' if inside else 'outside'} its interval)"
print(f"On one mix the two estimate the same thing: the model is {dev('fig5-light')} on "
      f"fig5-light and {dev('fig5-heavy')} on fig5-heavy (the adversary watches the mix's "
      f"releases, before the output links, so the load of those links does not enter). On "
      f"testbed-poisson it is {dev('testbed-poisson')}: the senders' 10 Mb/s access links "
      f"space the packets out before the mix, and the arrivals are not Poisson. Through the "
      f"cascade and the mixnet the network spreads the message further "
      f"({rows['cascade']['mean_bits']:.3f} and {rows['mixnet']['mean_bits']:.3f} bits); the "
      f"one-mix model does not apply there (`not_applicable` says why).")
PY
echo "wrote results/ADVERSARIES.md and $OUT/"
