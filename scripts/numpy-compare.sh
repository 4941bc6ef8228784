#!/bin/bash
# mixsim against a vectorised numpy script of the same experiment, as a user would time them,
# in one sitting: `mixsim run scenarios/fig5-heavy.toml --trials TRIALS --jobs 1` (the whole
# process: load, simulate, every attack at every sample size, the model, the report files) and
# `python scripts/numpy_fig5.py TRIALS 3000` (the whole interpreter: numpy import, Poisson
# senders, access links, exponential mix, FIFO output links, 10 ms count bins, the MI attack at
# N = 3000), each under GNU time. Packets are those of the observed window, the same count for
# both: trials x N_max x interval x the flows' total rate, read from the scenario file (fig5-heavy:
# 3000 x 10 ms x 1000 pkt/s = 30 000 per trial). Prints wall, user and sys seconds, packets per
# second of wall time and per CPU second (user + sys: the fairer figure on a loaded machine,
# where wall time depends on what else runs), the kernel's share sys / (user + sys), and the
# ratios of the rates.
# numpy comes from the python3 on PATH, or is installed from PyPI into target/numpy-venv if that
# python lacks it. It needs no BLAS here; OPENBLAS_CORETYPE, if set, is printed for the record.
# Usage: scripts/numpy-compare.sh [TRIALS]   (default 400; MIXSIM=path/to/mixsim times another build)
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-400}
py=python3
if ! "$py" -c 'import numpy' 2>/dev/null; then
    if [ ! -x target/numpy-venv/bin/python ]; then
        python3 -m venv target/numpy-venv
        target/numpy-venv/bin/pip install --quiet numpy
    fi
    py=target/numpy-venv/bin/python
fi
bin=${MIXSIM:-target/release/mixsim}
if [ -z "${MIXSIM:-}" ]; then cargo build --release --quiet --bin mixsim; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "load before: $(uptime)"
echo "numpy $("$py" -c 'import numpy; print(numpy.__version__)'), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
/usr/bin/time -f '%e %U %S' -o "$dir/numpy.time" "$py" scripts/numpy_fig5.py "$trials" 3000
/usr/bin/time -f '%e %U %S' -o "$dir/mixsim.time" "$bin" run scenarios/fig5-heavy.toml \
    --trials "$trials" --jobs 1 --quiet --out "$dir/run"
echo "load after:  $(uptime)"
"$py" - scenarios/fig5-heavy.toml "$trials" "$dir/mixsim.time" "$dir/numpy.time" <<'PY'
import sys, tomllib
path, trials, mixsim_time, numpy_time = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = tomllib.load(open(path, "rb"))
def value(text, units):
    for u, f in units:
        if text.endswith(u):
            return float(text[: -len(u)]) * f
    raise ValueError(text)
rate = sum(value(f["rate"], [("pps", 1.0)]) for f in s["flow"])
interval = value(s["attack"]["interval"], [("ms", 1e-3), ("us", 1e-6), ("s", 1.0)])
n = max(s["attack"]["sample_sizes"])
packets = trials * n * interval * rate
print(f"observed window: {trials} trials x {n} x {interval * 1e3:g} ms x {rate:g} pkt/s = {packets:.0f} packets")
wall_rate, cpu_rate = {}, {}
for name, f in [("mixsim run", mixsim_time), ("numpy", numpy_time)]:
    wall, user, sys_ = map(float, open(f).read().split())
    wall_rate[name], cpu_rate[name] = packets / wall, packets / max(user + sys_, 1e-9)
    print(f"{name:10}: wall {wall:.2f} s, user {user:.2f} s, sys {sys_:.2f} s "
          f"(sys share {100 * sys_ / max(user + sys_, 1e-9):.1f} %); "
          f"{wall_rate[name] / 1e6:.2f} M packets/s of wall time, "
          f"{cpu_rate[name] / 1e6:.2f} M per CPU second")
m, n = "mixsim run", "numpy"
print(f"mixsim / numpy: {wall_rate[m] / wall_rate[n]:.2f}x in wall time, "
      f"{cpu_rate[m] / cpu_rate[n]:.2f}x in CPU time")
PY
