#!/usr/bin/env python3
"""The mean mix delay at which SWIRL stops working: per cross-traffic rate and observer, the t_avg
where FN first crosses 10 %, linearly interpolated between the swept t_avg values.

    scripts/watermark-thresholds.py results/watermark/mix/sweep.csv
"""
import csv
import sys
from collections import defaultdict

LIMIT = 0.10


def ms(label):
    return float(label.removesuffix("ms"))


def crossing(points):
    """First crossing of LIMIT along increasing t_avg; ('> x', ...) when FN is already above it."""
    (x0, y0) = points[0]
    if y0 > LIMIT:
        return f"FN {y0:.0%} already at {x0:g} ms"
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        if ya <= LIMIT < yb:
            return f"{xa + (LIMIT - ya) / (yb - ya) * (xb - xa):.1f} ms"
    return f"FN <= 10 % up to {points[-1][0]:g} ms"


def main(path):
    series = defaultdict(list)
    for row in csv.DictReader(open(path)):
        key = (row["flow.cross.rate"], row["attack"])
        series[key].append((ms(row["node.mix.t_avg"]), float(row["fn_rate"])))
    rates = sorted({k[0] for k in series}, key=lambda r: float(r.removesuffix("pps")))
    attacks = list(dict.fromkeys(k[1] for k in series))
    print("| cross traffic | " + " | ".join(attacks) + " |")
    print("|---|" + "---|" * len(attacks))
    for r in rates:
        cells = [crossing(sorted(series[(r, a)])) for a in attacks]
        print(f"| {r} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
