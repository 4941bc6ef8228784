"""Detection (watermark) attacks written in Python: scored with false negatives and positives."""

from __future__ import annotations

import numpy as np
import pytest

import mixsim

STONE = "swirl-stepping-stone.toml"
MARKED, UNMARKED = "ss1->bob", "ss2->dave"


class Always(mixsim.Detector):
    """Calls every subject marked, and records what it was shown."""

    def __init__(self):
        self.seen = []

    def detect(self, s):
        self.seen.append(s)
        return True


def test_every_call_is_scored_against_the_truth(scenarios):
    a = Always()
    r = mixsim.run(scenarios / STONE, trials=4, seed=3, attacks=[a], builtin=False,
                   progress=False)
    (row,) = r.points.to_dict("records")
    # One marked (alice's egress) and one unmarked (carol's) subject per trial.
    assert (row["kind"], row["marked"], row["unmarked"]) == ("detection", 4, 4)
    assert (row["false_negatives"], row["false_positives"]) == (0, 4)
    assert (row["fn_rate"], row["fp_rate"]) == (0.0, 1.0)
    assert row["fp_ci_low"] < 1.0 and row["fn_ci_high"] > 0.0
    assert [s.link for s in a.seen] == [MARKED, UNMARKED] * 4
    for s in a.seen:
        assert set(vars(s)) == {"link", "interval_s", "window_s", "received", "reference"}
        assert s.reference is None and s.window_s == (0.0, 132.0)
        t = s.received
        assert t.times_ns.dtype == np.int64 and t.sizes.dtype == np.uint32
        assert len(t.times_ns) > 500 and (np.diff(t.times_ns) >= 0).all()
    det = r.summary["points"][0]["detection"]
    assert (det["marked"], det["false_positives"]) == (4, 4)


class Gaps(mixsim.Detector):
    """SWIRL holds packets until the marked slots and sends them together: more short gaps
    (under 20 ms) than an unmarked flow has (about 0.28 of them against 0.14 here)."""

    name = "gaps"

    def detect(self, s):
        return statistic(s.received.times_ns) > THRESHOLD, statistic(s.received.times_ns)


THRESHOLD = 0.2


def statistic(times_ns):
    gaps = np.diff(times_ns)
    return float((gaps < 20_000_000).mean()) if len(gaps) else 0.0


def test_a_detector_sees_what_export_gives_the_adversary(scenarios):
    """The same seed's export holds the same taps: the detector's errors, counted by hand on the
    exported link traces, equal the pipeline's."""
    trials, seed = 12, 5
    r = mixsim.run(scenarios / STONE, trials=trials, seed=seed, attacks=[Gaps()], progress=False)
    ex = mixsim.export(scenarios / STONE, trials=trials, seed=seed)
    fn = sum(statistic(ex.link(t, ex.watch_index(MARKED, "arrive")).times_ns) <= THRESHOLD
             for t in range(trials))
    fp = sum(statistic(ex.link(t, ex.watch_index(UNMARKED, "arrive")).times_ns) > THRESHOLD
             for t in range(trials))
    row = r.points[r.points.estimator == "gaps"].iloc[0]
    assert (row.false_negatives, row.false_positives) == (fn, fp)
    assert (row.marked, row.unmarked) == (trials, trials)
    # Not a constant answer: the statistic separates the two links on these trials.
    assert fn + fp < trials
    # The built-in detectors on the same trials are unchanged by the Python one.
    alone = mixsim.run(scenarios / STONE, trials=trials, seed=seed, progress=False)
    builtin = [p for p in r.summary["points"] if p["estimator"] != "gaps"]
    assert builtin == alone.summary["points"]


class Counted(mixsim.Detector):
    """Counts per second at the stepping stone's egress, against the link into it."""

    observes = "counts"
    interval = "1s"
    subjects = [MARKED, UNMARKED]
    reference = ["alice->ss1", None]

    def __init__(self):
        self.seen = []

    def detect(self, s):
        self.seen.append(s)
        return bool(s.received.sum() > 0), float(s.received.sum())


def test_counts_and_references(scenarios):
    a = Counted()
    r = mixsim.run(scenarios / STONE, trials=2, seed=1, attacks=[a], builtin=False,
                   progress=False)
    assert len(a.seen) == 4
    first, second = a.seen[:2]
    assert first.interval_s == 1.0 and first.received.dtype == np.uint32
    assert first.received.shape == (132,) and first.reference.shape == (132,)
    assert second.reference is None
    # Every packet into the stepping stone leaves it: the same total, shifted in time.
    assert first.received.sum() == first.reference.sum() > 0
    assert r.points.iloc[0].false_positives == 2


class NoBool(mixsim.Detector):
    def detect(self, s):
        return "yes"


class Named(mixsim.Detector):
    subjects = ["ss1->nowhere"]

    def detect(self, s):
        return False


class Mismatched(mixsim.Detector):
    subjects = [MARKED, UNMARKED]
    reference = ["alice->ss1"]

    def detect(self, s):
        return False


def test_detector_errors(scenarios):
    with pytest.raises(TypeError, match="expected a bool"):
        mixsim.run(scenarios / STONE, trials=2, attacks=[NoBool()], progress=False)
    with pytest.raises(mixsim.ScenarioError, match='subject "ss1->nowhere": no such link'):
        mixsim.run(scenarios / STONE, trials=2, attacks=[Named()], progress=False)
    with pytest.raises(mixsim.ScenarioError, match="one entry .* per subject, 1 for 2"):
        mixsim.run(scenarios / STONE, trials=2, attacks=[Mismatched()], progress=False)
    # fig5-light has no watermark attack to take the subjects from.
    with pytest.raises(mixsim.ScenarioError, match="no watermark attack"):
        mixsim.run(scenarios / "fig5-light.toml", trials=2, attacks=[Always()], progress=False)
