//! A link fed by Poisson traffic of fixed-size packets is an M/D/1 queue: its mean waiting time
//! must match Pollaczek-Khinchine, W = rho D / (2 (1 - rho)).

use crate::common::{parse, single_mix};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::Network;

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    // 500 pkt/s of 1000-byte packets on 5 Mb/s: D = 1.6 ms, rho = 0.8, W = 3.2 ms. The mix is
    // an M/M/inf stage, whose output is again Poisson, so the output link sees Poisson arrivals.
    let text = single_mix("20ms", "500pps", "5Mbps", "buffer = 100000")
        .replace("duration = \"31s\"", "duration = \"121s\"");
    let s = parse(&text);
    let (d, rho) = (1.6e-3, 0.8);
    let w = rho * d / (2.0 * (1.0 - rho));
    // Independent trials give independent estimates of the mean wait; the tolerance is four
    // standard errors of their average (the wait is strongly autocorrelated at rho = 0.8, so a
    // within-trial standard error would be wrong).
    let means: Vec<f64> = (0..8)
        .map(|trial| {
            let (net, _) = Network::run(&s.topology(), 11, trial, tap_setup(&s, false));
            // The access link is 1 Tb/s: all queueing happens on the output link.
            net.latency.queueing.mean() * 1e-9
        })
        .collect();
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    let se = sd / k.sqrt();
    assert!(
        se < 0.05 * w,
        "runs too short for a meaningful test: se {se}"
    );
    assert!(
        (mean - w).abs() < 4.0 * se,
        "mean wait {mean:.6} s vs P-K {w:.6} s (se {se:.6})"
    );
}
