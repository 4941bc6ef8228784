#!/bin/bash
# Wall, user and kernel (sys) time of whole `mixsim run` processes, and the kernel's share of the
# CPU (sys / (user + sys)), on the workloads where allocation per trial showed: fig5-heavy,
# testbed-poisson and the mixnet at 400 trials on one job, and many short trials (defense-timed
# with N <= 30 intervals, 5000 trials, two jobs). Each is run REPS times (default 3) and the
# minimum of each column is printed with the load average, since other work on the machine
# inflates wall time (and, less, user and sys). GNU time measures the whole process.
# Usage: scripts/cpu-share.sh [REPS]    (MIXSIM=path/to/mixsim to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
bin=${MIXSIM:-target/release/mixsim}
if [ -z "${MIXSIM:-}" ]; then cargo build --release --quiet --bin mixsim; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
runs=(
    "fig5-heavy|scenarios/fig5-heavy.toml --trials 400 --seed 3 --jobs 1"
    "testbed-poisson|scenarios/testbed-poisson.toml --trials 400 --seed 3 --jobs 1"
    "mixnet|scenarios/mixnet.toml --trials 400 --seed 3 --jobs 1"
    "defense-timed N<=30|scenarios/defense-timed.toml --trials 5000 --seed 3 --jobs 2 --set attack.sample_sizes=[10,30]"
)
echo "load: $(uptime)"
printf '%-20s %8s %8s %8s %7s   (minimum of %s runs; seconds)\n' workload wall user sys sys% "$reps"
for r in "${runs[@]}"; do
    name=${r%%|*}
    read -ra args <<<"${r#*|}"
    for _ in $(seq "$reps"); do
        /usr/bin/time -f '%e %U %S' -o "$dir/t" "$bin" run "${args[@]}" --quiet --out "$dir/out" >/dev/null
        cat "$dir/t"
        rm -rf "$dir/out"
    done | sort -n | awk -v n="$name" '
        NR == 1 || $1 < w {w = $1} NR == 1 || $2 < u {u = $2} NR == 1 || $3 < s {s = $3}
        END {printf "%-20s %8.2f %8.2f %8.2f %6.1f%%\n", n, w, u, s, 100 * s / (u + s)}'
done
echo "load: $(uptime)"
