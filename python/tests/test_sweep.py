"""mixsim.sweep writes what `mixsim sweep` writes."""

from __future__ import annotations

import pytest

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


def csv_rows(path, keep):
    """sweep.csv's header and the rows whose attack column passes `keep`."""
    lines = path.read_text().splitlines()
    col = lines[0].split(",").index("attack")
    return [lines[0]] + [l for l in lines[1:] if keep(l.split(",")[col])]


def test_python_attacks_at_every_point(cli, scenarios, tmp_path):
    import sys
    from conftest import REPO
    sys.path.insert(0, str(REPO / "python" / "examples"))
    from xcorr import PyXcorr

    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP.format(base=scenarios / "fig5-light.toml"))
    assert run_cli(cli, "sweep", path, "--quiet", "--out", tmp_path / "cli").returncode == 0
    seen = []
    sw = mixsim.sweep(path, tmp_path / "py", jobs=2, attacks=[PyXcorr()],
                      progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (12, 12)
    t = sw.table
    ours = t[t.estimator == "py-xcorr"].reset_index(drop=True)
    builtin = t[t.estimator == "xcorr"].reset_index(drop=True)
    assert len(ours) == 4  # 2 points x 2 sample sizes
    for col in ("point", "sample_size", "trials", "detections", "ci_low", "mean_rank"):
        assert list(ours[col]) == list(builtin[col]), col
    # The sweep file's own rows are the command line's, byte for byte.
    assert csv_rows(tmp_path / "py" / "sweep.csv", lambda a: a != "py-xcorr") == \
        csv_rows(tmp_path / "cli" / "sweep.csv", lambda a: True)
    assert (tmp_path / "py" / "plots" / "detection-py-xcorr_py-xcorr.svg").exists()
    # Rerunning with the same attacks resumes (nothing left to run) to the same bytes.
    before = (tmp_path / "py" / "sweep.csv").read_bytes()
    again = []
    mixsim.sweep(path, tmp_path / "py", attacks=[PyXcorr()], progress=lambda d, t: again.append(t))
    assert (tmp_path / "py" / "sweep.csv").read_bytes() == before and again[-1] == 0
    # Records with Python attacks are never mixed with a sweep without them.
    with pytest.raises(mixsim.ScenarioError, match="attacks beyond the sweep file's"):
        mixsim.sweep(path, tmp_path / "py")
    p = run_cli(cli, "sweep", path, "--quiet", "--out", tmp_path / "py")
    assert p.returncode == 2 and "attacks beyond the sweep file's" in p.stderr


class Always(mixsim.Detector):
    def detect(self, s):
        return True


def test_python_detector_in_a_sweep(scenarios, tmp_path):
    path = tmp_path / "stone.toml"
    path.write_text(f'''name = "stone"
base = "{scenarios / 'swirl-stepping-stone.toml'}"
mode = "product"
trials = 3
seed = 1

[vary]
"link.ss1->bob.jitter" = ["5ms", "9ms"]
''')
    sw = mixsim.sweep(path, tmp_path / "out", attacks=[Always()])
    ours = sw.table[sw.table.estimator == "Always"]
    assert list(ours.fp_rate) == [1.0, 1.0] and list(ours.fn_rate) == [0.0, 0.0]


def test_a_bad_python_attack_is_refused_before_any_trial(scenarios, tmp_path):
    class Nowhere(mixsim.Attack):
        candidates = ["mix->nowhere"]

        def score(self, obs):
            return [0.0]

    path = tmp_path / "tiny.toml"
    path.write_text(SWEEP.format(base=scenarios / "fig5-light.toml"))
    with pytest.raises(mixsim.ScenarioError, match='candidate "mix->nowhere": no such link'):
        mixsim.sweep(path, tmp_path / "out", attacks=[Nowhere()])
    assert not (tmp_path / "out" / "chunks").exists() or not any((tmp_path / "out" / "chunks").iterdir())
