"""mixsim.sweep writes what `mixsim sweep` writes."""

from __future__ import annotations

import mixsim
from conftest import run_cli

SWEEP = """name = "tiny"
base = "{base}"
mode = "product"
trials = 6
seed = 3
chunk = 3
set = ["attack.sample_sizes=[10, 100]"]

[vary]
"node.mix.t_avg" = ["5ms", "50ms"]
"""


def test_sweep_as_cli(cli, scenarios, tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP.format(base=scenarios / "fig5-light.toml"))
    p = run_cli(cli, "sweep", path, "--quiet", "--out", tmp_path / "cli")
    assert p.returncode == 0, p.stderr
    sw = mixsim.sweep(path, tmp_path / "py", jobs=2)
    assert (tmp_path / "py" / "sweep.csv").read_bytes() == (tmp_path / "cli" / "sweep.csv").read_bytes()
    assert (tmp_path / "py" / "sweep.md").read_bytes() == (tmp_path / "cli" / "sweep.md").read_bytes()
    assert len(sw.table) > 0 and "detection_rate" in sw.table.columns


def test_bad_sweep_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nbase = "nowhere.toml"\ntrials = 1\n[vary]\n"x" = [1]\n')
    try:
        mixsim.sweep(path, tmp_path / "out")
    except mixsim.ScenarioError as e:
        assert "nowhere.toml" in str(e)
    else:
        raise AssertionError("expected a ScenarioError")
