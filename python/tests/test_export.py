"""mixsim.export gives the arrays of `mixsim export`."""

from __future__ import annotations

import numpy as np
import pytest

import mixsim
from conftest import run_cli


def test_same_content_as_cli_export(cli, scenarios, tmp_path):
    path = scenarios / "fig5-light.toml"
    out = tmp_path / "cli"
    p = run_cli(cli, "export", path, "--trials", 3, "--seed", 9, "--quiet", "--out", out)
    assert p.returncode == 0, p.stderr
    ex = mixsim.export(path, trials=3, seed=9, jobs=2)
    for side in ("entry", "exit"):
        for part in ("time_ns", "size", "offsets"):
            name = f"{side}_{part}"
            assert np.array_equal(getattr(ex, name), np.load(out / f"{name}.npy")), name
    assert np.array_equal(ex.pairs, np.load(out / "pairs.npy"))
    assert ex.flows == ["alice", "s2-bob", "s3-bob", "s2-r2", "s3-r2"]
    kept = mixsim.export(path, trials=3, seed=9, out=tmp_path / "py")
    for f in ("entry_time_ns.npy", "pairs.npy", "exit.csv", "manifest.json"):
        assert (tmp_path / "py" / f).read_bytes() == (out / f).read_bytes(), f
    assert kept.trials == 3


def test_trial_view_pairs_entries_with_their_exits(scenarios):
    ex = mixsim.export(scenarios / "fig5-light.toml", trials=2, seed=4)
    t = ex.trial(1)
    assert len(t["entry"]) == len(t["exit"]) == 5 == len(t["exit_flow"])
    assert sorted(t["exit_flow"]) == sorted(ex.flows)
    for _, i, j in ex.pairs[5:10]:
        entry, exit_ = t["entry"][int(i)], t["exit"][int(j)]
        assert t["exit_flow"][int(j)] == ex.flows[int(i)]
        # A flow's packets leave after they enter, and no more leave than entered.
        assert len(exit_.times_ns) <= len(entry.times_ns)
        assert exit_.times_ns[0] > entry.times_ns[0]
        assert (np.diff(entry.times_ns.astype(np.int64)) >= 0).all()
    with pytest.raises(IndexError):
        ex.entry(2, 0)


def test_export_refuses_existing_directory(scenarios, tmp_path):
    with pytest.raises(mixsim.ScenarioError, match="already exists"):
        mixsim.export(scenarios / "fig5-light.toml", trials=1, out=tmp_path)


def test_watched_link_aggregates_and_window_as_cli(cli, scenarios, tmp_path):
    path = scenarios / "fig5-light.toml"
    out = tmp_path / "cli"
    p = run_cli(cli, "export", path, "--trials", 2, "--seed", 5, "--window", "3s", "--quiet",
                "--out", out)
    assert p.returncode == 0, p.stderr
    ex = mixsim.export(path, trials=2, seed=5, window="3s")
    for part in ("time_ns", "size", "offsets"):
        assert np.array_equal(getattr(ex, f"link_{part}"), np.load(out / f"link_{part}.npy"))
    assert ex.watched == [("alice->mix", "arrive"), ("mix->bob", "depart"), ("mix->r2", "depart")]
    assert ex.window_s == 3.0
    warmup_ns = 1_000_000_000
    for t in range(2):
        agg = [ex.link(t, w) for w in range(3)]
        for trace in agg:
            assert len(trace.times_ns) > 0 and trace.times_ns.max() <= warmup_ns + 3_000_000_000
        # The target's link carries Alice's flow alone: its aggregate is her entry trace.
        assert np.array_equal(agg[0].times_ns, ex.entry(t, 0).times_ns)
        # The two output links together carry every packet that left the mix.
        assert len(agg[1].times_ns) + len(agg[2].times_ns) >= sum(
            len(ex.exit(t, j).times_ns) for j in range(5))
    assert ex.watch_index("mix->r2", "depart") == 2
    with pytest.raises(KeyError):
        ex.watch_index("mix->r2", "arrive")
    with pytest.raises(mixsim.ScenarioError, match="window"):
        mixsim.export(path, trials=1, window="soon")
