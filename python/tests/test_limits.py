"""The checks the command line makes before it simulates: the bound on a run's trials and the
worker threads."""

from __future__ import annotations

import os

import pytest

import mixsim
from conftest import run_cli


def test_trials_beyond_the_bound_on_a_run_are_refused_as_the_cli_does(scenarios, cli):
    k = 10**12
    cli_err = run_cli(cli, "run", scenarios / "fig5-light.toml", "--trials", k).stderr.strip()
    assert cli_err.startswith(f"error: --trials {k}: ")
    why = cli_err.split(f"--trials {k}: ", 1)[1]
    for call in (mixsim.run, mixsim.export):
        with pytest.raises(mixsim.ScenarioError) as e:
            call(scenarios / "fig5-light.toml", trials=k)
        assert str(e.value) == f"trials {k}: {why}"
    with pytest.raises(mixsim.ScenarioError, match="trials: expected at least 1"):
        mixsim.run(scenarios / "fig5-light.toml", trials=0, progress=False)


def test_jobs_are_capped_at_the_machine_with_a_warning(scenarios):
    many = (os.cpu_count() or 1) + 5
    with pytest.warns(UserWarning, match=f"jobs {many}: this machine runs"):
        capped = mixsim.run(scenarios / "fig5-light.toml", trials=4, seed=1, jobs=many,
                            progress=False)
    one = mixsim.run(scenarios / "fig5-light.toml", trials=4, seed=1, jobs=1, progress=False)
    assert capped.summary_json() == one.summary_json()
    with pytest.raises(mixsim.ScenarioError, match="jobs: expected at least 1"):
        mixsim.run(scenarios / "fig5-light.toml", trials=4, jobs=0, progress=False)
    with pytest.raises(mixsim.ScenarioError, match="jobs: expected at least 1"):
        mixsim.export(scenarios / "fig5-light.toml", trials=4, jobs=0)
