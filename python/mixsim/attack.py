"""Attacks written in Python, run by the simulator's own pipeline.

Subclass :class:`Attack`, say what it observes, and implement :meth:`Attack.score`. The run
simulates its trials in parallel in Rust and calls ``score`` (under the GIL, one call at a time)
once per trial and per sample size N with what the adversary holds: numpy arrays without any
flow label. The candidate with the strictly largest score is its choice (a tie names none and
counts as a failure), scored against the ground truth the run keeps apart, and tallied like a
built-in attack's: detection rate with its Wilson interval, ranks, degree of anonymity,
summary.json, plots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np


@dataclass(frozen=True)
class Trace:
    """Every packet seen at one watched point: times in ns since the start of the trial (int64)
    and sizes in bytes (uint32), in time order."""

    times_ns: np.ndarray
    sizes: np.ndarray


@dataclass(frozen=True)
class Observation:
    """What the adversary holds for one trial at one sample size N.

    With ``observes = "counts"``: ``target`` is the target's packet counts per interval over N
    intervals from the end of the warm-up (uint32, shape (N,)) and ``candidates`` the
    candidates' (shape (k, N)). With ``observes = "traces"``: ``target`` is a :class:`Trace`
    and ``candidates`` a list of k of them, cut to the same window.
    """

    n: int
    interval_s: float
    window_s: Tuple[float, float]
    target: Union[np.ndarray, Trace]
    candidates: Union[np.ndarray, List[Trace]]


class Attack:
    """Base class of an attack written in Python.

    Class attributes (``None``: take it from the scenario's first correlation or likelihood
    attack):

    - ``name``: its label in reports (default: the class name);
    - ``flow``: the target flow's name (used only to score, never shown to ``score``);
    - ``observe``: the link ``"from->to"`` where the target is seen (at its far end, ``arrive``);
    - ``candidates``: the candidate links, seen at ``point`` (default ``"depart"``);
    - ``observes``: ``"counts"`` (count series per ``interval``) or ``"traces"``;
    - ``interval``: a duration such as ``"10ms"``; ``sample_sizes``: ascending N.

    >>> import numpy as np, mixsim
    >>> class Busiest(mixsim.Attack):
    ...     '''Names the candidate that carried the most packets (a poor attack).'''
    ...     def score(self, obs):
    ...         return obs.candidates.sum(axis=1).astype(float)
    >>> r = mixsim.run("scenarios/fig5-light.toml", trials=20, attacks=[Busiest()], progress=False)
    >>> sorted(r.points.estimator.unique())
    ['Busiest', 'mi', 'mi-mm', 'xcorr']
    """

    name: Optional[str] = None
    flow: Optional[str] = None
    observe: Optional[str] = None
    candidates: Optional[Sequence[str]] = None
    point: str = "depart"
    observes: str = "counts"
    interval: Optional[str] = None
    sample_sizes: Optional[Sequence[int]] = None

    def score(self, observation: Observation) -> Sequence[float]:
        """One score per candidate (larger = more likely the target's); override it."""
        raise NotImplementedError(f"{type(self).__name__}.score")

    def _spec(self):
        return {
            "name": self.name or type(self).__name__,
            "flow": self.flow,
            "observe": self.observe,
            "candidates": list(self.candidates) if self.candidates is not None else None,
            "point": self.point,
            "interval": str(self.interval) if self.interval is not None else None,
            "sample_sizes": (
                [int(n) for n in self.sample_sizes] if self.sample_sizes is not None else None
            ),
            "observes": self.observes,
        }

    def _mixsim_score(self, kind, n, interval_s, window_s, target, candidates):
        # Called by the simulator: builds the Observation and returns plain floats.
        if kind == "traces":
            target = Trace(*target)
            candidates = [Trace(*c) for c in candidates]
        obs = Observation(n, interval_s, tuple(window_s), target, candidates)
        return np.asarray(self.score(obs), dtype=np.float64).ravel().tolist()
