"""Shared fixtures: the repository's scenarios and the command-line binary to compare with."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys_path_examples = REPO / "python" / "examples"


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def scenarios(repo) -> pathlib.Path:
    return repo / "scenarios"


@pytest.fixture(scope="session")
def cli(repo) -> str:
    """The `mixsim` binary (MIXSIM_BIN, else target/release/mixsim, built if missing)."""
    path = os.environ.get("MIXSIM_BIN") or str(repo / "target" / "release" / "mixsim")
    if not os.path.exists(path):
        subprocess.run(["cargo", "build", "--release", "--bin", "mixsim"], cwd=repo, check=True)
    return path


def run_cli(cli, *args, cwd=None):
    """Run the binary; returns the completed process (output captured)."""
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, cwd=cwd)
