#!/bin/bash
# Time scripts/numpy-fig5heavy.py (a vectorised numpy simulation of fig5-heavy with the MI
# attack) beside `mixsim run --engine stream` on the same workload (N = 3000 intervals of
# 10 ms, the MI estimator only, one thread each), in the same sitting. numpy comes from the
# python3 on PATH, or is installed from PyPI into target/numpy-venv if that python lacks it.
# Usage: scripts/numpy-compare.sh [TRIALS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-200}
py=python3
if ! "$py" -c 'import numpy' 2>/dev/null; then
    if [ ! -x target/numpy-venv/bin/python ]; then
        python3 -m venv target/numpy-venv
        target/numpy-venv/bin/pip install --quiet numpy
    fi
    py=target/numpy-venv/bin/python
fi
cargo build --release --quiet --bin mixsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "numpy $("$py" -c 'import numpy; print(numpy.__version__)')"
"$py" scripts/numpy-fig5heavy.py "$trials" 3000
start=$(date +%s.%N)
target/release/mixsim run scenarios/fig5-heavy.toml --engine stream --jobs 1 --trials "$trials" \
    --set 'attack.sample_sizes=[3000]' --set 'attack.estimators=["mi"]' --quiet --out "$out/run"
end=$(date +%s.%N)
python3 - "$out/run/summary.json" "$start" "$end" "$trials" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
secs = float(sys.argv[3]) - float(sys.argv[2])
packets = s["packets"]["created"]
rate = [p["detection_rate"] for p in s["points"] if p["estimator"] == "mi"][0]
print(f"mixsim --engine stream: {sys.argv[4]} trials, {packets} packets, {secs:.3f} s, "
      f"{packets / secs / 1e6:.2f} M packets/s, detection {rate:.3f} "
      "(whole process: load, simulate, attack, model, report)")
PY
