"""A learned flow-correlation attack: a scikit-learn classifier trained on exported traces.

The adversary of seed 000 holds the target flow where it enters the mix (alice->mix, far end)
and the aggregate leaving each mix output link (mix->bob and mix->r2, transmission end). This
attack learns, from labelled training trials, which (target, candidate) pairs of count series
belong together, and scores each candidate of a fresh trial by the classifier's probability.

Training data: ``mixsim.export`` of training seeds, which gives each watched link's aggregate
tap trace (what the adversary holds, unlabelled) and the ground-truth pairing (which exit link
carries the target's flow; here the label of a training pair). Features of a pair: the Pearson
correlation of the target's counts with the candidate's at lags 0..LAGS-1 intervals (the mix
holds packets 20 ms on average), on the first N intervals; one logistic regression per N. The
features are the same for either candidate's position, so the classifier cannot learn which
link is the usual answer, only what correlation looks like.

Evaluation: through ``mixsim.run`` on a fresh seed, beside mi, xcorr and the likelihood attack
on the same trials. Results go to ``OUT/<scenario>/`` (the run's files) and ``OUT/README.md``.

    python python/examples/learned.py [OUT] [TRAIN_TRIALS] [EVAL_TRIALS]
    (defaults: results/python-learned 200 200)
"""

from __future__ import annotations

import os
import sys
from typing import Dict, List

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mixsim

SCENARIOS = ["fig5-light", "fig5-heavy"]
SIZES = [10, 30, 100, 300, 1000]
LAGS = 8
TRAIN_SEED = 1_000_001
EVAL_SEED = 2_000_002
TARGET = ("alice->mix", "arrive")
CANDIDATES = ["mix->bob", "mix->r2"]

LIKELIHOOD = """
[[attack]]
kind = "likelihood"
target = "alice"
interval = "10ms"
sample_sizes = [10, 30, 100, 300, 1000, 3000]
candidates = ["mix->bob", "mix->r2"]
"""


def scenario(name: str) -> mixsim.Scenario:
    """The reference scenario with the likelihood attack beside its correlation attack (as
    scripts/adversaries-results.sh does)."""
    text = open(f"scenarios/{name}.toml", encoding="utf-8").read()
    text = text.replace("\n[attack]\n", "\n[[attack]]\n") + LIKELIHOOD
    return mixsim.Scenario.from_toml(text, origin=f"scenarios/{name}.toml")


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else 0.0


def features(x: np.ndarray, y: np.ndarray) -> List[float]:
    """Correlation of target counts x with candidate counts y delayed by 0..LAGS-1 intervals."""
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    n = len(x)
    return [pearson(x[: n - lag], y[lag:]) if n - lag >= 2 else 0.0 for lag in range(LAGS)]


def counts(trace: mixsim.Trace, start_ns: int, interval_ns: int, n: int) -> np.ndarray:
    """Packets per interval over n intervals from start_ns, as the taps count them."""
    t = trace.times_ns.astype(np.int64) - start_ns
    t = t[(t >= 0) & (t < n * interval_ns)]
    return np.bincount(t // interval_ns, minlength=n)[:n]


def training_set(name: str, trials: int) -> Dict[int, tuple]:
    """Per N: features and labels of every (target, candidate) pair of the training trials."""
    ex = mixsim.export(scenario(name), trials=trials, seed=TRAIN_SEED, window=f"{max(SIZES) * 10}ms")
    info = scenario(name).check()
    start, T = int(round(info["warmup_s"] * 1e9)), 10_000_000
    w_target = ex.watch_index(*TARGET)
    w_cands = [ex.watch_index(c, "depart") for c in CANDIDATES]
    # Ground truth of the training trials: the target flow's exit link (its route's last).
    exit_link = ex.manifest["entry_flows"][ex.flows.index("alice")]["exit_link"]
    route_to = exit_link.split("->")[1]
    truth = [c.split("->")[1] == route_to for c in CANDIDATES]
    out = {}
    for n in SIZES:
        X, y = [], []
        for t in range(trials):
            x = counts(ex.link(t, w_target), start, T, n)
            for w, label in zip(w_cands, truth):
                X.append(features(x, counts(ex.link(t, w), start, T, n)))
                y.append(int(label))
        out[n] = (np.array(X), np.array(y))
    return out


class Learned(mixsim.Attack):
    """Scores each candidate by the trained classifier's probability that it is the target's."""

    name = "learned-logreg"
    observes = "counts"
    sample_sizes = SIZES

    def __init__(self, models) -> None:
        self.models = models

    def score(self, obs: mixsim.Observation):
        X = np.array([features(obs.target, y) for y in obs.candidates])
        return self.models[obs.n].predict_proba(X)[:, 1]


def train(name: str, trials: int):
    data = training_set(name, trials)
    models = {}
    for n, (X, y) in data.items():
        models[n] = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    return models


def main(argv) -> None:
    out = argv[1] if len(argv) > 1 else "results/python-learned"
    train_trials = int(argv[2]) if len(argv) > 2 else 200
    eval_trials = int(argv[3]) if len(argv) > 3 else 200
    lines = [
        "# A learned attack beside mi, xcorr and likelihood",
        "",
        f"Printed by `python python/examples/learned.py {out} {train_trials} {eval_trials}`: a",
        "logistic regression per sample size N on lagged count correlations, trained on",
        f"{train_trials} exported trials (seed {TRAIN_SEED}), evaluated through `mixsim.run` on",
        f"{eval_trials} fresh trials (seed {EVAL_SEED}) beside the built-in attacks on the same",
        "trials. D is the detection rate with its 95% Wilson interval.",
        "",
    ]
    for name in SCENARIOS:
        models = train(name, train_trials)
        r = mixsim.run(scenario(name), trials=eval_trials, seed=EVAL_SEED,
                       attacks=[Learned(models)], progress=False)
        r.save(os.path.join(out, name))
        p = r.points
        shown = ["mi", "xcorr", "likelihood-paper", "likelihood-queue", "learned-logreg"]
        p = p[p.estimator.isin(shown) & p.N.isin(SIZES)]
        present = [e for e in shown if e in set(p.estimator)]
        lines += [f"## {name}", "", "| N | " + " | ".join(present) + " |",
                  "|---:|" + "---|" * len(present)]
        for n in SIZES:
            cells = []
            for est in present:
                row = p[(p.estimator == est) & (p.N == n)].iloc[0]
                cells.append(f"{row.rate:.3f} [{row.ci_low:.3f}, {row.ci_high:.3f}]")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv)
