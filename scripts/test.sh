#!/usr/bin/env bash
# Every test of the repository: the Rust tests (`cargo test --release`), then the Python
# package's. Needs a Rust toolchain and Python >= 3.9 with venv; everything else comes from the
# package registries: a virtual environment under target/python-venv gets maturin, numpy,
# pandas, scikit-learn and pytest, then the package itself (python/, built by maturin), and
# pytest runs python/tests and the package's docstring examples (pytest collecting no test
# exits non-zero, and so does this script).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release
venv=target/python-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
export PATH="$PWD/$venv/bin:$PATH"
python -m pip install --quiet --disable-pip-version-check maturin numpy pandas scikit-learn pytest
# No build isolation: the venv's maturin builds the bindings into target/ beside the simulator.
python -m pip install --quiet --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./python
# The package's docstring examples run too (--doctest-modules on the installed package; they
# name scenarios/ from the repository's root, where this script runs).
MIXSIM_BIN="$PWD/target/release/mixsim" python -m pytest -q --doctest-modules python/tests --pyargs mixsim
