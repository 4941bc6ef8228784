"""Results of a run as pandas DataFrames and the dict summary.json holds."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Union

import pandas as pd

#: Columns of :attr:`Results.points` before the model's (``model_*``) columns.
POINT_COLUMNS = [
    "attack", "estimator", "kind", "N", "trials", "detections", "rate", "ci_low", "ci_high",
    "interval", "ranks", "mean_rank", "degree", "degree_ci_low", "degree_ci_high",
    "marked", "false_negatives", "fn_rate", "fn_ci_low", "fn_ci_high",
    "unmarked", "false_positives", "fp_rate", "fp_ci_low", "fp_ci_high",
]

#: Columns taken from a detection point's error rates (NaN on identification rows).
DETECTION_COLUMNS = POINT_COLUMNS[15:]


def points_frame(summary: Dict[str, Any]) -> pd.DataFrame:
    """One row per (attack, estimator, sample size N) of a summary: the detection rate with its
    95% Wilson interval, the ranks of the true candidate, the degree of anonymity, for detection
    attacks (watermarks) the marked and unmarked subjects with the false-negative and
    false-positive rates and their intervals, and the analytical model's values as
    ``model_<name>`` columns (NaN where there is none)."""
    rows = []
    for p in summary["points"]:
        ident = p.get("identification") or {}
        row = {
            "attack": p["attack"],
            "estimator": p["estimator"],
            "kind": p["kind"],
            "N": p.get("sample_size"),
            "trials": p["trials"],
            "detections": p["detections"],
            "rate": p["detection_rate"],
            "ci_low": p["ci_low"],
            "ci_high": p["ci_high"],
            "interval": (p["ci_low"], p["ci_high"]),
            "ranks": ident.get("ranks"),
            "mean_rank": ident.get("mean_rank"),
            "degree": ident.get("degree"),
            "degree_ci_low": ident.get("degree_ci_low"),
            "degree_ci_high": ident.get("degree_ci_high"),
        }
        det = p.get("detection") or {}
        for c in DETECTION_COLUMNS:
            row[c] = det.get(c)
        for k, v in (p.get("model") or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                row[f"model_{k}"] = v
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=POINT_COLUMNS)
    for c in ("mean_rank", "degree", "degree_ci_low", "degree_ci_high", *DETECTION_COLUMNS):
        frame[c] = frame[c].astype(float)
    for c in ("marked", "false_negatives", "unmarked", "false_positives"):
        if frame[c].notna().all():
            frame[c] = frame[c].astype("int64")
    return frame


def latency_frame(summary: Dict[str, Any]) -> pd.DataFrame:
    """Latency percentiles (ms), one row per measure: pooled ``end_to_end``, ``mix_hold``,
    ``queueing`` (and ``watermark_hold``), then ``flow:<name>`` and ``class:<name>`` rows."""
    lat = summary["latency"]
    rows = []
    for k, v in lat.items():
        if isinstance(v, dict):
            rows.append({"measure": k, **v})
    for f in lat.get("per_flow", []):
        rows.append({"measure": f"flow:{f['flow']}", **f["end_to_end"]})
    for c in lat.get("per_class", []):
        rows.append({"measure": f"class:{c['class']}", **c["end_to_end"]})
    return pd.DataFrame(rows).set_index("measure")


class Results:
    """What :func:`mixsim.run` returns.

    - ``points``: DataFrame, one row per attack, estimator and sample size N (see
      :func:`points_frame`);
    - ``links``: DataFrame, one row per link (packets per trial, utilisation, drops, padding
      and cover columns when present);
    - ``latency``: DataFrame of latency percentiles in ms;
    - ``summary``: the dict summary.json holds (the same bytes as ``mixsim run`` writes for the
      same scenario, trials and seed);
    - ``save(dir)``: write summary.json, points.csv, table.txt, detection.svg, rank.svg.

    >>> import mixsim
    >>> r = mixsim.run("scenarios/testbed-poisson.toml", trials=50, seed=1, progress=False)
    >>> r.points.query("estimator == 'mi' and N == 100")[["N", "rate"]].values.tolist()
    [[100.0, 0.68]]
    """

    def __init__(self, native) -> None:
        self._native = native
        self.summary: Dict[str, Any] = json.loads(native.summary_json())
        self.points = points_frame(self.summary)
        self.links = pd.json_normalize(self.summary["links"]).set_index("name")
        self.latency = latency_frame(self.summary)

    @property
    def table(self) -> str:
        """The table ``mixsim run`` prints."""
        return self._native.table()

    def summary_json(self) -> str:
        """summary.json's exact text."""
        return self._native.summary_json()

    def save(self, out: Union[str, "os.PathLike[str]"]) -> List[str]:
        """Write the files ``mixsim run --out DIR`` writes (each atomically) into ``out``,
        created if needed; returns the names written. (``run-log.json``, which records wall
        time and host details, is the command line's own.)"""
        return self._native.save(os.fspath(out))

    def __repr__(self) -> str:
        return f"<mixsim.Results {self.summary['scenario']!r}: {self.summary['trials']} trials, {len(self.points)} points>"

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.points.drop(columns=["interval", "ranks"]).to_html()
