"""Ctrl-C (SIGINT) stops a run, an export or a sweep promptly and raises KeyboardInterrupt."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import mixsim

#: Seconds after which a run the signal did not stop is given up (the guard's error fails the
#: test instead of letting it simulate for an hour).
GIVE_UP = 60


@pytest.fixture(autouse=True)
def sigint_raises():
    """SIGINT raises KeyboardInterrupt during these tests even in a process that ignores it (a
    job started in the background without job control inherits SIGINT ignored, and Python then
    keeps ignoring it)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def guard(done):
    """A progress callback that records the trials done and gives up after GIVE_UP seconds."""
    started = time.monotonic()

    def progress(d, t):
        done.append(d)
        if time.monotonic() - started > GIVE_UP:
            raise RuntimeError(f"SIGINT did not stop the work in {GIVE_UP} s")

    return progress


def test_sigint_stops_a_long_run(scenarios):
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    done = []
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            mixsim.run(scenarios / "fig5-heavy.toml", trials=100_000, seed=1,
                       progress=guard(done))
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed
    assert done and done[-1] < 100_000


def test_interrupt_from_the_progress_callback(scenarios):
    def stop(d, t):
        if d >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mixsim.run(scenarios / "fig5-light.toml", trials=100_000, seed=1, progress=stop)


def sigint_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_sigint_stops_an_export_and_leaves_nothing(scenarios, tmp_path):
    out = tmp_path / "ex"
    done = []
    timer = sigint_after(1.0)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            mixsim.export(scenarios / "fig5-heavy.toml", trials=100_000, seed=1, out=out,
                          progress=guard(done))
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30
    assert done and done[-1] < 100_000
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no partial directory either
    # The stop was this export's only: the next one runs whole.
    ex = mixsim.export(scenarios / "fig5-light.toml", trials=2, seed=1, out=out)
    assert ex.manifest["trials"] == 2


SWEEP = """name = "long"
base = "{base}"
mode = "product"
trials = {trials}
seed = 4
chunk = 4
set = ["attack.sample_sizes=[10, 100]"]

[vary]
"node.mix.t_avg" = ["5ms", "50ms"]
"""


def test_sigint_stops_a_sweep(scenarios, tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(SWEEP.format(base=scenarios / "fig5-heavy.toml", trials=50_000))
    timer = sigint_after(1.5)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            mixsim.sweep(path, tmp_path / "out", progress=guard([]))
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30
    assert (tmp_path / "out" / "chunks").exists() and not (tmp_path / "out" / "sweep.csv").exists()


def test_an_interrupted_sweep_resumes_to_the_cli_bytes(cli, scenarios, tmp_path):
    from conftest import run_cli

    path = tmp_path / "short.toml"
    # 2 points x 240 trials in chunks of 4 (about 3 s on one thread): the stop, seen by a
    # callback polled every 20 ms, lands with most chunks to go even on a loaded machine.
    path.write_text(SWEEP.format(base=scenarios / "fig5-light.toml", trials=240))

    def stop(d, t):
        if d >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mixsim.sweep(path, tmp_path / "py", jobs=1, progress=stop)
    kept = list((tmp_path / "py" / "chunks").iterdir())
    assert 0 < len(kept) < 120  # some of the 120 chunks of 4 trials, not all
    left = []
    mixsim.sweep(path, tmp_path / "py", progress=lambda d, t: left.append(t))
    assert left[-1] == 480 - 4 * len(kept)  # only the chunks not kept ran again
    assert run_cli(cli, "sweep", path, "--quiet", "--out", tmp_path / "cli").returncode == 0
    for name in ("sweep.csv", "sweep.md"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
