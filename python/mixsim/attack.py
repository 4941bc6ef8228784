"""Attacks written in Python, run by the simulator's own pipeline.

Two kinds, as among the built-in attacks:

- identification: subclass :class:`Attack` and implement :meth:`Attack.score` (which candidate
  carries the target);
- detection: subclass :class:`Detector` and implement :meth:`Detector.detect` (is the flow on a
  link watermarked), scored with false negatives and false positives.

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
    >>> r = mixsim.run("scenarios/fig5-light.toml", trials=20, attacks=[Busiest()],
    ...                progress=False)
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
            "verdict": "identification",
            "subjects": None,
            "reference": None,
        }

    def _mixsim_score(self, kind, n, interval_s, window_s, target, candidates):
        # Called by the simulator: builds the Observation and returns plain floats.
        if kind == "traces":
            target = Trace(*target)
            candidates = [Trace(*c) for c in candidates]
        obs = Observation(n, interval_s, tuple(window_s), target, candidates)
        return np.asarray(self.score(obs), dtype=np.float64).ravel().tolist()


@dataclass(frozen=True)
class Subject:
    """What a :class:`Detector` gets for one examined link of one trial.

    ``link`` is the link's name (``"from->to"``) and ``window_s`` the time window read (from the
    end of the warm-up to the end of the trial, in seconds). With ``observes = "traces"``,
    ``received`` is a :class:`Trace` of every packet the link's tap saw in the window; with
    ``"counts"``, its packets per ``interval_s`` (uint32). ``reference`` is the same of the
    subject's reference link, or None.
    """

    link: str
    interval_s: float
    window_s: Tuple[float, float]
    received: Union[np.ndarray, Trace]
    reference: Optional[Union[np.ndarray, Trace]]


class Detector(Attack):
    """Base class of a detection (watermark) attack written in Python.

    For each link it examines (a *subject*) it says marked or not; the run scores every call
    against the ground truth (does a watermarked flow cross the link after its watermarker?)
    with false negatives and false positives, as the built-in detectors are: ``fn_rate``,
    ``fp_rate`` and their Wilson intervals in :attr:`Results.points`, summary.json, plots.

    Class attributes:

    - ``name``: its label in reports (default: the class name);
    - ``subjects``: the links examined (default: those of the scenario's first watermark
      attack);
    - ``reference``: per subject, a link whose tap it also reads (say the link into the
      watermarker), or None;
    - ``point``: the tap point, ``"arrive"`` by default (where the built-in detectors read);
    - ``observes``: ``"traces"`` (default) or ``"counts"`` per ``interval`` (default 10 ms).

    >>> import numpy as np, mixsim
    >>> class Bursty(mixsim.Detector):
    ...     "Calls a flow marked when its inter-arrival times vary a lot."
    ...     def detect(self, s):
    ...         gaps = np.diff(s.received.times_ns)
    ...         cv = gaps.std() / gaps.mean() if len(gaps) > 1 else 0.0
    ...         return cv > 2.0, cv
    >>> r = mixsim.run("scenarios/swirl-stepping-stone.toml", trials=10, seed=1,
    ...                attacks=[Bursty()], builtin=False, progress=False)
    >>> r.points[["estimator", "marked", "unmarked"]].values.tolist()
    [['Bursty', 10, 10]]
    """

    subjects: Optional[Sequence[str]] = None
    reference: Optional[Sequence[Optional[str]]] = None
    point: str = "arrive"
    observes: str = "traces"

    def detect(self, subject: Subject) -> Union[bool, Tuple[bool, float]]:
        """Marked or not (optionally with a score: ``(marked, score)``); override it."""
        raise NotImplementedError(f"{type(self).__name__}.detect")

    def _spec(self):
        return {
            "name": self.name or type(self).__name__,
            "flow": None,
            "observe": None,
            "candidates": None,
            "point": self.point,
            "interval": str(self.interval) if self.interval is not None else None,
            "sample_sizes": None,
            "observes": self.observes,
            "verdict": "detection",
            "subjects": list(self.subjects) if self.subjects is not None else None,
            "reference": list(self.reference) if self.reference is not None else None,
        }

    def _mixsim_detect(self, kind, link, interval_s, window_s, received, reference):
        # Called by the simulator: builds the Subject and returns (bool, float).
        if kind == "traces":
            received = Trace(*received)
            reference = Trace(*reference) if reference is not None else None
        said = self.detect(Subject(link, interval_s, tuple(window_s), received, reference))
        if isinstance(said, tuple):
            if len(said) != 2:
                raise ValueError(
                    f"{type(self).__name__}.detect returned a tuple of {len(said)}: "
                    "expected marked or (marked, score)"
                )
            marked, score = said
        else:
            marked, score = said, float("nan")
        if not isinstance(marked, (bool, np.bool_)):
            raise TypeError(
                f"{type(self).__name__}.detect returned {marked!r} as marked: expected a bool"
            )
        return bool(marked), float(score)
