# Sourced by the benchmark scripts: `measure COMMAND...` runs it under GNU time and prints
# "wall_s peak_MB". Needs $dir, a scratch directory of the caller.
measure() {
    /usr/bin/time -v "$@" >/dev/null 2>"$dir/time" || { cat "$dir/time" >&2; exit 1; }
    awk -F': ' '/Elapsed/ {n = split($2, t, ":"); s = t[n] + (n > 1 ? 60 * t[n-1] : 0) + (n > 2 ? 3600 * t[n-2] : 0)}
                /Maximum resident/ {m = $2 / 1024} END {printf "%.2f %.0f\n", s, m}' "$dir/time"
}
