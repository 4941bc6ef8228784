"""Runs from Python give the command line's numbers and files; results as DataFrames."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mixsim
from conftest import run_cli


def test_same_bytes_as_the_cli(cli, scenarios, tmp_path):
    path = scenarios / "fig5-light.toml"
    out = tmp_path / "cli"
    p = run_cli(cli, "run", path, "--trials", 24, "--seed", 11, "--quiet", "--out", out)
    assert p.returncode == 0, p.stderr
    r = mixsim.run(path, trials=24, seed=11, jobs=2, progress=False)
    assert r.summary_json() == (out / "summary.json").read_text()
    saved = tmp_path / "py"
    names = r.save(saved)
    assert set(names) == {"summary.json", "points.csv", "table.txt", "detection.svg", "rank.svg"}
    for n in names:
        assert (saved / n).read_bytes() == (out / n).read_bytes(), n


def test_any_jobs_same_result(scenarios):
    a = mixsim.run(scenarios / "fig5-light.toml", trials=12, seed=3, jobs=1, progress=False)
    b = mixsim.run(scenarios / "fig5-light.toml", trials=12, seed=3, jobs=2, progress=False)
    assert a.summary_json() == b.summary_json()


def test_frames(scenarios):
    r = mixsim.run(scenarios / "fig5-light.toml", trials=10, seed=1, progress=False)
    p = r.points
    for c in mixsim.results.POINT_COLUMNS + ["model_theorem1"]:
        assert c in p.columns, c
    mi = p[p.estimator == "mi"]
    assert list(mi.N) == [10, 30, 100, 300, 1000, 3000]
    assert (mi.rate == mi.detections / mi.trials).all()
    assert (p.ci_low <= p.rate).all() and (p.rate <= p.ci_high + 1e-12).all()
    assert all(sum(rk) == 10 for rk in p.ranks)
    assert p[p.estimator != "mi"].model_theorem1.isna().all()
    first = r.summary["points"][0]
    assert mi.iloc[0].model_theorem1 == first["model"]["theorem1"]
    assert list(r.links.index) == [l["name"] for l in r.summary["links"]]
    assert "end_to_end" in r.latency.index and "flow:alice" in r.latency.index
    assert r.summary["trials"] == 10 and "mi" in r.table


def test_progress_callback(scenarios):
    seen = []
    mixsim.run(scenarios / "fig5-light.toml", trials=8, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (8, 8)
    assert all(t == 8 for _, t in seen) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_model_as_cli(cli, scenarios):
    path = scenarios / "fig5-light.toml"
    p = run_cli(cli, "model", path, "--json", "--semi-reps", 20)
    assert p.returncode == 0, p.stderr
    m = mixsim.model(path, semi_reps=20)
    assert m.summary == json.loads(p.stdout)
    assert list(m.predictions.sample_size) == [10, 30, 100, 300, 1000, 3000]


def test_model_not_applicable(scenarios):
    # The multi-flow attack has neither the correlation model nor SWIRL's analysis.
    with pytest.raises(mixsim.ScenarioError, match="not applicable"):
        mixsim.model(scenarios / "mfa.toml", semi_reps=0)


def test_watermark_model_as_cli(cli, scenarios):
    for name, target in (("swirl-stepping-stone.toml", "1e-7"), ("swirl-mix.toml", "0.01")):
        p = run_cli(cli, "model", scenarios / name, "--json", "--coer-target", target)
        assert p.returncode == 0, p.stderr
        m = mixsim.model(scenarios / name, coer_target=float(target))
        assert m.summary == json.loads(p.stdout), name
        assert m.kind == "watermark"
        assert list(m.predictions.attack) == [a["attack"] for a in m.summary["attacks"]]
    # The stepping stone's Gaussian jitter has the paper's figures; the mix's exponential
    # delay has not. The search attack carries its false-positive bounds.
    stone = mixsim.model(scenarios / "swirl-stepping-stone.toml", coer_target=1e-3)
    assert stone.figures["coer_target"] == 1e-3
    row = stone.predictions.set_index("attack").loc["search"]
    assert row.search_fp_single <= row.search_fp_union and row.fp < row.search_fp_union
    assert m.figures is None
    with pytest.raises(mixsim.ScenarioError, match="coer_target 1: expected"):
        mixsim.model(scenarios / "swirl-stepping-stone.toml", coer_target=1.0)
