"""Scenarios from files, text and dicts; overrides; validation errors with their location."""

from __future__ import annotations

import tomllib

import pytest

import mixsim


def test_load_check_and_set(scenarios):
    s = mixsim.Scenario.load(scenarios / "fig5-light.toml")
    info = s.check()
    assert info["name"] == "fig5-light"
    assert "alice->mix" in info["links"] and "alice" in info["flows"]
    assert [a["kind"] for a in info["attacks"]] == ["correlation"]
    s.set("trials", 7).set("node.mix.t_avg", "50ms")
    info = s.check()
    assert info["trials"] == 7
    assert 't_avg = "50ms"' in info["toml"]


def test_from_toml_and_from_dict_match_the_file(scenarios):
    text = (scenarios / "fig5-light.toml").read_text()
    a = mixsim.Scenario.load(scenarios / "fig5-light.toml").check()
    b = mixsim.Scenario.from_toml(text).check()
    c = mixsim.Scenario.from_dict(tomllib.loads(text)).check()
    for other in (b, c):
        assert other["links"] == a["links"] and other["flows"] == a["flows"]
        assert other["toml"] == a["toml"]


def test_unknown_key_is_located(scenarios):
    text = (scenarios / "fig5-light.toml").read_text().replace("[[node]]", "[[node]]\nbandwith = 3", 1)
    with pytest.raises(mixsim.ScenarioError) as e:
        mixsim.Scenario.from_toml(text, origin="bad.toml").check()
    err = e.value
    assert err.file == "bad.toml" and err.line is not None and err.column is not None
    assert "bandwith" in err.key
    assert str(err).startswith(f"bad.toml:{err.line}:{err.column}: ")


def test_bad_value_names_key_and_expectation(scenarios):
    s = mixsim.Scenario.load(scenarios / "fig5-light.toml").set("node.mix.t_avg", "fast")
    with pytest.raises(mixsim.ScenarioError) as e:
        s.check()
    assert "t_avg" in str(e.value) and "--set" in str(e.value)


def test_bad_override_path(scenarios):
    s = mixsim.Scenario.load(scenarios / "fig5-light.toml").set("nodez.mix.t_avg", "5ms")
    with pytest.raises(mixsim.ScenarioError, match="nodez"):
        s.check()


def test_missing_file_and_bad_dict(tmp_path):
    with pytest.raises(mixsim.ScenarioError, match="cannot read scenario"):
        mixsim.Scenario.load(tmp_path / "nope.toml")
    with pytest.raises(ValueError):
        mixsim.Scenario.from_dict({"name": None})


def test_run_refuses_bad_input_with_located_error(scenarios):
    with pytest.raises(mixsim.ScenarioError, match="trials"):
        mixsim.run(scenarios / "fig5-light.toml", trials=0, progress=False)
    s = mixsim.Scenario.load(scenarios / "fig5-light.toml").set("link[0].bandwidth", "-3Mbps")
    with pytest.raises(mixsim.ScenarioError, match="bandwidth"):
        mixsim.run(s, trials=1, progress=False)
