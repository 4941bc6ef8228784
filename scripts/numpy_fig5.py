#!/usr/bin/env python3
"""A vectorised numpy simulation of scenarios/fig5-heavy.toml, for timing beside mixsim.

The same workload, written the way one would in numpy: per trial, five Poisson flows (alice
100 pkt/s to bob; s2 and s3 each 200 pkt/s to bob and 250 pkt/s to r2), 1000-byte packets;
access links of 100 Mb/s and 1 ms, one exponential mix (mean hold 20 ms), output links of
5 Mb/s and 50 ms; FIFO links by the Lindley recursion in closed form (departure i =
(i + 1) s + running max of (arrival k - k s), constant service s); taps counting alice's
arrivals at the mix and each output link's departures per 10 ms interval after a 1 s warm-up;
the plug-in mutual-information attack picks the candidate link whose counts share the most
information with alice's, and a trial succeeds when that is mix->bob.

It is a comparison point for speed, not a second simulator: mixsim's own random streams,
tie order and model are not reproduced, so its detection rate agrees with mixsim's only
within Monte Carlo error.

Usage: numpy_fig5.py [TRIALS] [SAMPLES]  (default 400 trials, N = 3000 intervals).
Prints trials, the packets of the observed window (trials x N x interval x the flows' total
rate, as scripts/numpy-compare.sh counts mixsim's), the packets it drew (warm-up included),
seconds in the trial loop, packets per second of that loop and the detection rate.
"""

import sys
import time

import numpy as np

PACKET_BITS = 1000 * 8
ACCESS = (PACKET_BITS / 100e6, 1e-3)  # service (s), propagation (s)
OUTPUT = (PACKET_BITS / 5e6, 50e-3)
T_AVG = 20e-3
INTERVAL = 10e-3
WARMUP = 1.0
# (source host, destination output link, rate pkt/s); alice is flow 0.
FLOWS = [(0, 0, 100.0), (1, 0, 200.0), (2, 0, 200.0), (1, 1, 250.0), (2, 1, 250.0)]


def poisson(rng, rate, horizon):
    """Arrival times of a Poisson process of `rate` on [0, horizon)."""
    n = int(rate * horizon + 6 * np.sqrt(rate * horizon) + 10)
    t = np.cumsum(rng.exponential(1.0 / rate, n))
    return t[t < horizon]


def fifo(arrivals, service, delay):
    """Departure and far-end arrival times of a FIFO link fed `arrivals` (sorted)."""
    k = np.arange(arrivals.size)
    departures = (k + 1) * service + np.maximum.accumulate(arrivals - k * service)
    return departures, departures + delay


def counts(times, bins):
    """Packets per interval after the warm-up."""
    idx = np.floor((times - WARMUP) / INTERVAL).astype(np.int64)
    idx = idx[(idx >= 0) & (idx < bins)]
    return np.bincount(idx, minlength=bins)


def mutual_information(x, y):
    """Plug-in mutual information (nats) of two count series."""
    joint = x.astype(np.int64) * (int(y.max()) + 1) + y
    _, pxy = np.unique(joint, return_counts=True)
    _, px = np.unique(x, return_counts=True)
    _, py = np.unique(y, return_counts=True)
    h = lambda c: -np.sum((c / c.sum()) * np.log(c / c.sum()))
    return h(px) + h(py) - h(pxy)


def trial(rng, bins):
    """One trial: returns (packets simulated, whether the attack picked mix->bob)."""
    horizon = WARMUP + bins * INTERVAL
    flows = [poisson(rng, rate, horizon) for _, _, rate in FLOWS]
    packets = sum(f.size for f in flows)
    # Access links: each host's flows merged in time order.
    at_mix = [None] * len(FLOWS)
    for host in range(3):
        members = [i for i, f in enumerate(FLOWS) if f[0] == host]
        times = np.concatenate([flows[i] for i in members])
        owner = np.concatenate([np.full(flows[i].size, i) for i in members])
        order = np.argsort(times, kind="stable")
        _, arrive = fifo(times[order], *ACCESS)
        for i in members:
            at_mix[i] = arrive[owner[order] == i]
    # The mix holds each packet an exponential time, then its output link serves it.
    departures = []
    for out in range(2):
        members = [i for i, f in enumerate(FLOWS) if f[1] == out]
        released = np.concatenate(
            [at_mix[i] + rng.exponential(T_AVG, at_mix[i].size) for i in members]
        )
        depart, _ = fifo(np.sort(released), *OUTPUT)
        departures.append(depart)
    x = counts(at_mix[0], bins)
    scores = [mutual_information(x, counts(d, bins)) for d in departures]
    return packets, int(np.argmax(scores)) == 0


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    bins = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    packets, hits = 0, 0
    for _ in range(trials):
        p, hit = trial(rng, bins)
        packets += p
        hits += hit
    secs = time.perf_counter() - start
    observed = round(trials * bins * INTERVAL * sum(rate for _, _, rate in FLOWS))
    print(
        f"numpy: {trials} trials, {observed} observed-window packets ({packets} drawn), "
        f"loop {secs:.3f} s, {observed / secs / 1e6:.2f} M packets/s, "
        f"detection {hits / trials:.3f}"
    )


if __name__ == "__main__":
    main()
