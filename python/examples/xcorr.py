"""The built-in ``xcorr`` estimator (Pearson correlation of count series) written in Python.

Run as a script, it scores it beside the built-in estimators on the same trials and prints
both rows; ``tests/test_attack.py`` checks that the detections are the same, trial for trial.

    python python/examples/xcorr.py scenarios/fig5-light.toml 100
"""

from __future__ import annotations

import sys

import numpy as np

import mixsim


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """The simulator's ``pearson``: the same sums, exact in integers, then the same float
    operations in the same order, so the score is the same double."""
    n = len(x)
    if n < 2:
        return 0.0
    x = x.astype(np.int64)
    y = y.astype(np.int64)
    sx, sy = float(x.sum()), float(y.sum())
    sxx, syy, sxy = float((x * x).sum()), float((y * y).sum()), float((x * y).sum())
    nf = float(n)
    cov = sxy - sx * sy / nf
    vx = sxx - sx * sx / nf
    vy = syy - sy * sy / nf
    if vx <= 0.0 or vy <= 0.0:
        return 0.0
    return cov / np.sqrt(vx * vy)


class PyXcorr(mixsim.Attack):
    """Flow correlation by the Pearson correlation of the target's counts with each
    candidate's; the target, candidates, interval and sample sizes are the scenario's."""

    name = "py-xcorr"
    observes = "counts"

    def score(self, obs: mixsim.Observation):
        return [pearson(obs.target, y) for y in obs.candidates]


def main(argv) -> None:
    path = argv[1] if len(argv) > 1 else "scenarios/fig5-light.toml"
    trials = int(argv[2]) if len(argv) > 2 else 100
    r = mixsim.run(path, trials=trials, attacks=[PyXcorr()])
    p = r.points
    rows = p[p.estimator.isin(["xcorr", "py-xcorr"])]
    print(rows[["attack", "estimator", "N", "detections", "rate", "ci_low", "ci_high"]].to_string(index=False))


if __name__ == "__main__":
    main(sys.argv)
