#!/usr/bin/env python3
"""Print the multi-flow attack's power and size per watermark, test and F from the sweep.csv
files of `mixsim sweep scenarios/mfa-swirl-sweep.toml` and `... mfa-schemes-sweep.toml`.

  scripts/mfa-table.py DIR_SWIRL DIR_SCHEMES > mfa.md

Power is the fraction of marked groups called marked (sweep.csv's detection_rate, Wilson 95 %
interval ci_low..ci_high); size is the fraction of unmarked groups called marked (fp_rate).
"""
import csv
import sys


def rows(path, label):
    with open(f"{path}/sweep.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["kind"] != "detection":
                continue
            test, flows = r["attack"].split("-")
            yield label(r), test, int(flows), r


def swirl(r):
    return f"swirl {r['watermark.m01.embedding']} q={float(r['watermark.m01.q']):g}"


def main():
    swirl_dir, schemes_dir = sys.argv[1:3]
    out = list(rows(swirl_dir, swirl)) + list(rows(schemes_dir, lambda r: r["watermark.m01.scheme"]))
    print("| watermark | test | F | power [95% CI] | size [95% CI] | trials |")
    print("|---|---|---:|---|---|---:|")
    for wm, test, flows, r in out:
        f = lambda k: float(r[k])
        print(
            f"| {wm} | {test} | {flows} | {f('detection_rate'):.2f} [{f('ci_low'):.2f}, {f('ci_high'):.2f}]"
            f" | {f('fp_rate'):.2f} [{f('fp_ci_low'):.2f}, {f('fp_ci_high'):.2f}] | {r['trials']} |"
        )


main()
