"""Ctrl-C (SIGINT) stops a run promptly and raises KeyboardInterrupt."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import mixsim


def test_sigint_stops_a_long_run(scenarios):
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    done = []
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            mixsim.run(scenarios / "fig5-heavy.toml", trials=100_000, seed=1,
                       progress=lambda d, t: done.append(d))
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
