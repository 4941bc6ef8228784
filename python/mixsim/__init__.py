"""mixsim in Python: a packet-level simulator of traffic-analysis attacks on anonymity mixes.

The simulation runs in Rust (the same library as the ``mixsim`` command line, so the same seed
gives the same numbers); results come back as pandas DataFrames and numpy arrays; attacks can
be written in Python and run in the same pipeline as the built-in ones.

>>> import mixsim
>>> r = mixsim.run("scenarios/testbed-poisson.toml", trials=50, seed=1, progress=False)
>>> r.points[["estimator", "N", "rate"]].head(2).values.tolist()
[['mi', 10, 0.46], ['mi', 30, 0.56]]

(The examples in these docstrings run from the repository's root: pytest runs them.)

See docs/python.md in the repository.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Sequence, Union

import pandas as pd

from . import _native
from ._progress import Progress, callback
from .attack import Attack, Detector, Observation, Subject, Trace
from .errors import ScenarioError
from .export import Export, export
from .results import Results
from .scenario import Scenario, as_scenario

__all__ = [
    "Attack", "Detector", "Export", "Model", "Observation", "Results", "Scenario",
    "ScenarioError", "Subject", "SweepResults", "Trace", "export", "model", "run", "sweep",
]
__version__ = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]


def run(
    scenario: Union[Scenario, PathLike],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    progress: Progress = True,
    attacks: Sequence[Attack] = (),
    builtin: bool = True,
) -> Results:
    """Run ``trials`` trials of a scenario (a :class:`Scenario` or a file's path) and score its
    attacks, as ``mixsim run`` does; returns :class:`Results`.

    - ``trials``, ``seed``: default to the scenario's; ``jobs``: worker threads (default all
      cores; the numbers do not depend on it);
    - ``progress``: True shows a tqdm bar (terminal or Jupyter) if tqdm is installed, else a
      line on stderr; a callable is called with (trials done, trials in all); False: nothing;
    - ``attacks``: :class:`Attack` objects written in Python, scored on the same trials beside
      the scenario's own attacks (``builtin=False`` leaves those out).

    The simulation runs with the GIL released. Ctrl-C stops it (no further trial starts) and
    raises ``KeyboardInterrupt``; an exception inside a Python attack stops it and is raised
    with its traceback. Either way nothing is written.

    >>> import mixsim
    >>> r = mixsim.run("scenarios/fig5-light.toml", trials=100, seed=7, progress=False)
    >>> r.summary["trials"]
    100
    """
    s = as_scenario(scenario)
    natives = [(a, a._spec()) for a in attacks]
    native = _native.run(
        *s._args(), trials=trials, seed=seed, jobs=jobs, attacks=natives, builtin=builtin,
        progress=callback(progress),
    )
    return Results(native)


class Model:
    """The analytical model of a scenario, as ``mixsim model --json`` prints it.

    - ``kind``: ``"correlation"`` (the seed-000 model of the correlation attack) or
      ``"watermark"`` (SWIRL's analysis of each watermark attack);
    - ``summary``: the dict ``--json`` prints;
    - ``predictions``: a DataFrame: for correlation one row per sample size; for watermarks
      one row per attack (``attack``, ``applicable``, ``reason``, the error rates ``fp``,
      ``fp_exact``, ``fn``, ``fn_miss``..., the mean detected intervals, and the search's
      bounds where the attack searches);
    - ``figures``: for watermarks on the analysis' Gaussian jitter, the paper's figures 5-7
      (a dict: COER at ``coer_target``, the tau and eta curves, COER over eta and rate); else
      None.
    """

    def __init__(self, summary: Dict[str, Any]) -> None:
        self.summary = summary
        self.kind = "watermark" if "attacks" in summary else "correlation"
        self.figures: Optional[Dict[str, Any]] = summary.get("figures")
        if self.kind == "watermark":
            rows = []
            for a in summary["attacks"]:
                m = dict(a["model"])
                rows.append({"attack": a["attack"], **m.pop("rates", {}), **m})
            self.predictions = pd.DataFrame(rows)
        else:
            self.predictions = pd.DataFrame(summary.get("predictions", []))

    def __repr__(self) -> str:
        what = "attacks" if self.kind == "watermark" else "sample sizes"
        return f"<mixsim.Model ({self.kind}): {len(self.predictions)} {what}>"


def model(
    scenario: Union[Scenario, PathLike], semi_reps: int = 400, coer_target: float = 1e-7
) -> Model:
    """The scenario's analytical model, as ``mixsim model --json`` computes it: the seed-000
    model of its correlation attack (``semi_reps`` repetitions of the semi-analytic estimate;
    0 skips it), or, for a scenario with watermark attacks and no correlation attack, SWIRL's
    analysis of each (``coer_target``: the cross-over error rate whose jitter the figures
    report, as ``--coer-target``).

    >>> import mixsim
    >>> m = mixsim.model("scenarios/fig5-light.toml", semi_reps=0)
    >>> list(m.predictions.columns[:2])
    ['sample_size', 'theorem1']
    >>> w = mixsim.model("scenarios/swirl-stepping-stone.toml")
    >>> w.kind, list(w.predictions.attack)
    ('watermark', ['known', 'first_received', 'search'])
    >>> bool(w.predictions.loc[0, "fp"] < 1e-15)
    True
    """
    s = as_scenario(scenario)
    return Model(json.loads(_native.model(*s._args(), semi_reps=semi_reps,
                                          coer_target=coer_target)))


class SweepResults:
    """What :func:`sweep` wrote: ``out`` (the directory, as ``mixsim sweep --out``) and
    ``table``, its sweep.csv as a DataFrame."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.table = pd.read_csv(os.path.join(out, "sweep.csv"))

    def __repr__(self) -> str:
        return f"<mixsim.SweepResults {self.out!r}: {len(self.table)} rows>"


def sweep(
    path: PathLike,
    out: PathLike,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    attacks: Sequence[Attack] = (),
    progress: Progress = False,
) -> SweepResults:
    """Run a sweep file into ``out`` as ``mixsim sweep --out`` does (same files and bytes;
    rerunning resumes) and return its sweep.csv as a DataFrame (``.table``).

    ``attacks``: :class:`Attack` (and :class:`Detector`) objects written in Python, scored at
    every point beside the sweep file's own attacks, on the same trials, as :func:`run` scores
    them: their rows go into sweep.csv, sweep.md, the points' summaries and the plots. They are
    named in sweep.json, so an output directory is resumed only with attacks of the same names
    (the code behind a name is yours to keep the same). ``progress`` as in :func:`run`, over
    the trials still to run.

    Ctrl-C stops the sweep (no further trial starts; the chunk under way is dropped, those
    finished are kept) and raises ``KeyboardInterrupt``: rerunning resumes.

    >>> import mixsim, os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "fig6")
    >>> sw = mixsim.sweep("scenarios/fig6.toml", out, trials=4, jobs=1)
    >>> sorted(os.listdir(out))[:3]
    ['chunks', 'plots', 'points']
    """
    natives = [(a, a._spec()) for a in attacks]
    _native.sweep(os.fspath(path), os.fspath(out), trials=trials, seed=seed, jobs=jobs,
                  attacks=natives, progress=callback(progress))
    return SweepResults(os.fspath(out))
