"""Labelled traces for learned attacks (``mixsim export``), as numpy arrays."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from . import _native
from ._progress import Progress, callback
from .attack import Trace
from .scenario import Scenario, as_scenario

#: The sides of an export: entry and exit traces per flow, and the watched links' aggregates.
SIDES = ("entry", "exit", "link")


class Export:
    """The files of ``mixsim export`` loaded as arrays (layout: docs/export.md).

    - ``entry_time_ns``, ``entry_size``, ``entry_offsets`` and the same for ``exit``: every
      packet, trace after trace; trace ``r = trial * F + id`` is ``[off[r], off[r + 1])``;
    - ``pairs``: rows ``(trial, entry_id, exit_id)``, the ground truth;
    - ``link_time_ns``, ``link_size``, ``link_offsets``: what the adversary holds, each watched
      point's aggregate trace (every packet, unlabelled), trace ``r = trial * W + w`` for the
      ``w``-th of the ``W`` points of ``watched`` (``(link, point)`` pairs the scenario's attacks
      observe); ``link(trial, w)`` gives one as a :class:`mixsim.Trace`;
    - ``manifest``: the dict of manifest.json; ``flows``: the flow names (entry id order);
    - ``entry(trial, i)``, ``exit(trial, j)``: one trace as a :class:`mixsim.Trace`;
    - ``trial(t)``: per trial, the entry traces, the exit traces and the labels (flow name of
      each exit trace).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
            self.manifest: Dict[str, Any] = json.load(f)
        self.flows_per_trial: int = self.manifest["flows_per_trial"]
        self.trials: int = self.manifest["trials"]
        self.flows: List[str] = [f["name"] for f in self.manifest["entry_flows"]]
        load = lambda name: np.load(os.path.join(directory, f"{name}.npy"))  # noqa: E731
        self.watched: List[Tuple[str, str]] = [
            (w["link"], w["point"]) for w in self.manifest["watched"]
        ]
        self.window_s: float = self.manifest["window_s"]
        for side in SIDES:
            for part in ("time_ns", "size", "offsets"):
                setattr(self, f"{side}_{part}", load(f"{side}_{part}"))
        self.pairs: np.ndarray = load("pairs")

    def _trace(self, side: str, trial: int, i: int) -> Trace:
        per_trial = len(self.watched) if side == "link" else self.flows_per_trial
        if not (0 <= trial < self.trials and 0 <= i < per_trial):
            raise IndexError(f"{side} trace ({trial}, {i}) out of range")
        t, s, off = (getattr(self, f"{side}_{p}") for p in ("time_ns", "size", "offsets"))
        r = trial * per_trial + i
        return Trace(t[off[r]:off[r + 1]], s[off[r]:off[r + 1]])

    def entry(self, trial: int, i: int) -> Trace:
        """Entry trace ``i`` (flow ``flows[i]``) of a trial."""
        return self._trace("entry", trial, i)

    def exit(self, trial: int, j: int) -> Trace:
        """Exit trace ``j`` of a trial (exit ids are a random permutation of the flows)."""
        return self._trace("exit", trial, j)

    def link(self, trial: int, w: int) -> Trace:
        """The aggregate trace at the ``w``-th watched point (``watched[w]``) of a trial."""
        return self._trace("link", trial, w)

    def watch_index(self, link: str, point: str) -> int:
        """The index in ``watched`` of a link ``"from->to"`` at a point (``"arrive"``...)."""
        try:
            return self.watched.index((link, point))
        except ValueError:
            raise KeyError(f"{link} at {point} is not watched; watched: {self.watched}") from None

    def trial(self, t: int) -> Dict[str, Any]:
        """One trial: ``entry`` and ``exit`` (lists of traces) and ``exit_flow``, the flow name
        of each exit trace (the labels)."""
        F = self.flows_per_trial
        rows = self.pairs[t * F:(t + 1) * F]
        exit_flow = [""] * F
        for _, i, j in rows:
            exit_flow[int(j)] = self.flows[int(i)]
        return {
            "entry": [self.entry(t, i) for i in range(F)],
            "exit": [self.exit(t, j) for j in range(F)],
            "exit_flow": exit_flow,
        }

    def __repr__(self) -> str:
        return f"<mixsim.Export {self.trials} trials x {self.flows_per_trial} flows>"


def export(
    scenario: Union[Scenario, str, "os.PathLike[str]"],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    out: Optional[Union[str, "os.PathLike[str]"]] = None,
    window: Optional[str] = None,
    progress: Progress = False,
) -> Export:
    """Simulate and export labelled entry and exit traces, as ``mixsim export`` does (same
    files, same bytes for the same seed), and load them as arrays.

    ``out``: keep the files there (a new directory); by default they go to a temporary
    directory that is removed once loaded. ``window`` (a duration such as ``"10s"``, as
    ``--window``): simulate only that long after the warm-up, whatever the attacks' largest
    sample size. ``progress`` as in :func:`mixsim.run`.

    Ctrl-C stops the export (as ``mixsim export``'s: nothing is left behind) and raises
    ``KeyboardInterrupt``.

    >>> import mixsim
    >>> ex = mixsim.export("scenarios/fig5-light.toml", trials=4, seed=1)
    >>> ex.entry(0, 0).times_ns.dtype
    dtype('uint64')
    """
    s = as_scenario(scenario)
    if out is not None:
        _native.export(*s._args(), out=os.fspath(out), trials=trials, seed=seed, jobs=jobs,
                       window=window, progress=callback(progress))
        return Export(os.fspath(out))
    tmp = tempfile.mkdtemp(prefix="mixsim-export-")
    try:
        d = os.path.join(tmp, "export")
        _native.export(*s._args(), out=d, trials=trials, seed=seed, jobs=jobs, window=window,
                       progress=callback(progress))
        ex = Export(d)
        for side in SIDES:  # keep the arrays in memory, not on the removed files
            for part in ("time_ns", "size", "offsets"):
                setattr(ex, f"{side}_{part}", np.array(getattr(ex, f"{side}_{part}")))
        return ex
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
