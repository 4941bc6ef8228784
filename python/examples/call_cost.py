"""The cost of one call into a Python attack, measured.

Runs fig5-light on one worker thread three ways: the built-in xcorr alone; the same plus a
Python attack whose score() returns at once (so the extra time is the bridge: taking the GIL,
making the numpy arrays, building the Observation, reading the scores back); and the same plus
the Python xcorr of examples/xcorr.py. The Python attacks are asked for 100 sample sizes
(N = 10, 20, ..., 1000), so that each trial makes 100 calls and the calls, not the simulation,
make the difference. Prints microseconds per call (best of three runs each). The figures in
docs/python.md come from this script.

    python python/examples/call_cost.py [trials]
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import mixsim

sys.path.insert(0, os.path.dirname(__file__))
from xcorr import PyXcorr  # noqa: E402


SIZES = list(range(10, 1010, 10))


class Nothing(mixsim.Attack):
    name = "nothing"
    sample_sizes = SIZES

    def score(self, obs):
        return np.zeros(len(obs.candidates))


def timed(scenario, trials, attacks):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        mixsim.run(scenario, trials=trials, seed=1, jobs=1, attacks=attacks, progress=False)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    s = mixsim.Scenario.load("scenarios/fig5-light.toml").set("attack.estimators", '["xcorr"]')
    calls = trials * len(SIZES)
    xcorr = PyXcorr()
    xcorr.sample_sizes = SIZES
    base = timed(s, trials, [])
    for label, attack in [("empty score()", Nothing()), ("Python xcorr", xcorr)]:
        t = timed(s, trials, [attack])
        print(f"{label:14} {(t - base) / calls * 1e6:8.1f} us per call "
              f"({trials} trials x {len(SIZES)} sizes: run {t:.2f} s, {base:.2f} s without)")


if __name__ == "__main__":
    main()
