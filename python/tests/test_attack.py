"""Attacks written in Python run in the simulator's pipeline."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import mixsim
from conftest import REPO

sys.path.insert(0, str(REPO / "python" / "examples"))
from xcorr import PyXcorr  # noqa: E402


def test_python_xcorr_gives_the_builtin_detections(scenarios):
    for name in ("fig5-light.toml", "fig5-heavy.toml"):
        r = mixsim.run(scenarios / name, trials=30, seed=5, attacks=[PyXcorr()], progress=False)
        p = r.points
        ours = p[p.estimator == "py-xcorr"].reset_index(drop=True)
        builtin = p[p.estimator == "xcorr"].reset_index(drop=True)
        assert len(ours) == len(builtin) == 6
        for col in ("N", "trials", "detections", "rate", "ci_low", "ci_high", "mean_rank"):
            assert list(ours[col]) == list(builtin[col]), (name, col)
        assert list(ours.ranks) == list(builtin.ranks)
        a = [x for x in r.summary["points"] if x["estimator"] == "py-xcorr"]
        b = [x for x in r.summary["points"] if x["estimator"] == "xcorr"]
        assert [x["identification"] for x in a] == [x["identification"] for x in b]


def test_python_attack_alone_and_in_the_saved_files(scenarios, tmp_path):
    r = mixsim.run(scenarios / "fig5-light.toml", trials=6, seed=2, attacks=[PyXcorr()],
                   builtin=False, progress=False)
    assert set(r.points.estimator) == {"py-xcorr"}
    r.save(tmp_path)
    assert "py-xcorr" in (tmp_path / "points.csv").read_text()
    assert "py-xcorr" in (tmp_path / "detection.svg").read_text()


class Seen(mixsim.Attack):
    """Records what it is shown; scores the packets seen per candidate."""

    observes = "traces"
    sample_sizes = [50, 200]

    def __init__(self):
        self.calls = []

    def score(self, obs):
        self.calls.append(obs)
        return [len(c.times_ns) for c in obs.candidates]


def test_trace_observation_has_no_labels_and_respects_the_window(scenarios):
    a = Seen()
    r = mixsim.run(scenarios / "fig5-light.toml", trials=3, seed=1, attacks=[a], builtin=False,
                   progress=False)
    assert len(a.calls) == 3 * 2
    for obs in a.calls:
        assert set(vars(obs)) == {"n", "interval_s", "window_s", "target", "candidates"}
        assert set(vars(obs.target)) == {"times_ns", "sizes"}
        lo, hi = obs.window_s
        assert hi - lo == pytest.approx(obs.n * obs.interval_s)
        for t in [obs.target, *obs.candidates]:
            assert t.times_ns.dtype == np.int64 and t.sizes.dtype == np.uint32
            assert len(t.times_ns) == len(t.sizes)
            if len(t.times_ns):
                assert lo * 1e9 - 1 <= t.times_ns.min() and t.times_ns.max() < hi * 1e9 + 1
                assert (np.diff(t.times_ns) >= 0).all()
    assert list(r.points.N) == [50, 200]


class Declared(mixsim.Attack):
    flow = "alice"
    observe = "alice->mix"
    candidates = ["mix->r2", "mix->bob"]
    interval = "10ms"
    sample_sizes = [100]

    def score(self, obs):
        assert obs.candidates.shape == (2, 100) and obs.target.shape == (100,)
        return obs.candidates.sum(axis=1)


def test_declared_links_and_truth(scenarios):
    r = mixsim.run(scenarios / "fig5-light.toml", trials=4, seed=1, attacks=[Declared()],
                   builtin=False, progress=False)
    assert r.points.iloc[0].trials == 4


@pytest.mark.parametrize("attr,value,match", [
    ("candidates", ["mix->nowhere"], "no such link"),
    ("flow", "mallory", "no such flow"),
    ("interval", "soon", "interval"),
    ("sample_sizes", [100, 10], "ascending"),
    ("sample_sizes", [10**9], "needs"),
    ("observes", "vibes", "observes"),
    ("interval", "20ms", "one interval"),
])
def test_bad_declarations_are_scenario_errors(scenarios, attr, value, match):
    bad = type("Bad", (Declared,), {attr: value})()
    with pytest.raises(mixsim.ScenarioError, match=match):
        mixsim.run(scenarios / "fig5-light.toml", trials=1, attacks=[bad], progress=False)


class Broken(mixsim.Attack):
    def score(self, obs):
        return helper_that_fails(obs)


def helper_that_fails(obs):
    raise ZeroDivisionError("inside the attack")


def test_exception_in_attack_stops_the_run_with_its_traceback(scenarios):
    seen = []
    with pytest.raises(ZeroDivisionError, match="inside the attack") as e:
        mixsim.run(scenarios / "fig5-light.toml", trials=400, seed=1, attacks=[Broken()],
                   progress=lambda d, t: seen.append(d))
    names = [f.name for f in e.traceback]
    assert "helper_that_fails" in names and "score" in names
    assert seen[-1] < 400  # stopped early


class WrongLength(mixsim.Attack):
    def score(self, obs):
        return [1.0]


def test_wrong_number_of_scores(scenarios):
    with pytest.raises(ValueError, match="1 scores for 2 candidates"):
        mixsim.run(scenarios / "fig5-light.toml", trials=2, attacks=[WrongLength()], progress=False)
