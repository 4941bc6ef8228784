//! The mix alone (no queueing after it): each packet is held Exp(mean t_avg), and the joint law
//! of (X, Y') per sampling interval follows the closed form of model::correlation::delay,
//! Y' | X = u ~ Binomial(u, p_same) + Poisson(lambda_z T p_same + lambda_port t_avg (1 - e^{-T/t_avg})).

use crate::common::{chi_square_999, parse, pearson_chi_square};
use mixsim::experiment::runner::tap_setup;
use mixsim::model::correlation::DelayStage;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;

const SCENARIO: &str = r#"
name = "delay-stage"
warmup = "1s"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "s2"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
t_avg = "20ms"
[[node]]
name = "bob"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "1Tbps"
[[link]]
from = "s2"
to = "mix"
bandwidth = "1Tbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "1Tbps"
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "100pps"
[[flow]]
name = "noise"
route = ["s2", "mix", "bob"]
model = "poisson"
rate = "400pps"
[attack]
target = "alice"
interval = "10ms"
sample_sizes = [20000]
candidates = ["mix->bob", "s2->mix"]
"#;

#[test]
fn mean_hold_is_t_avg() {
    let s = parse(SCENARIO);
    let (net, _) = Network::run(&s.topology(), 3, 0, tap_setup(&s, false));
    let h = &net.latency.mix_hold;
    let mean = h.mean() * 1e-9;
    // Exponential holds: the standard error of the mean is t_avg / sqrt(n); 5 of them, plus
    // 0.1 % for the histogram's 3 significant digits.
    let tol = 5.0 * 0.020 / (h.len() as f64).sqrt() + 0.001 * 0.020;
    assert!(h.len() > 90_000, "{}", h.len());
    assert!(
        (mean - 0.020).abs() < tol,
        "mean hold {mean} s vs 0.020 s (tol {tol})"
    );
}

#[test]
fn per_interval_departures_follow_the_closed_form() {
    let s = parse(SCENARIO);
    let a = s.correlation().unwrap();
    let stage = DelayStage::new(0.020, 0.010);
    // Successive intervals are dependent (packets held across the boundary); intervals 20
    // apart (200 ms = 10 mean holds) are independent to within e^-10, as the chi-square test
    // requires.
    let stride = 20;
    let (nx, ny) = (12usize, 24usize);
    let mut observed = vec![0u64; nx * ny];
    let mut n = 0u64;
    for trial in 0..20 {
        let (net, _) = Network::run(&s.topology(), 9, trial, tap_setup(&s, false));
        let x = net.links[a.observe_link]
            .tap
            .view()
            .counts(TapPoint::Arrive);
        let y = net.links[s.link_index("mix->bob").unwrap()]
            .tap
            .view()
            .counts(TapPoint::Depart);
        for k in (0..x.len()).step_by(stride) {
            let (u, v) = ((x[k] as usize).min(nx - 1), (y[k] as usize).min(ny - 1));
            observed[u * ny + v] += 1;
            n += 1;
        }
    }
    // Expected counts from the closed form, the last row and column absorbing the tails.
    let mut expected = vec![0f64; nx * ny];
    for u in 0..nx {
        let pu = poisson(1.0, u, nx);
        let cond = stage.target_conditional(u as u64, 100.0, 400.0);
        for (v, &p) in cond.iter().enumerate() {
            expected[u * ny + v.min(ny - 1)] += n as f64 * pu * p;
        }
    }
    let (chi2, df) = pearson_chi_square(&observed, &expected);
    let critical = chi_square_999(df);
    assert_eq!(n, 20_000);
    assert!(
        chi2 < critical,
        "chi2 {chi2:.1} on {df} df exceeds the 0.999 quantile {critical:.1}"
    );
    // The test has power: the same law with twice the mean hold must be rejected.
    let wrong = DelayStage::new(0.040, 0.010);
    let mut expected_wrong = vec![0f64; nx * ny];
    for u in 0..nx {
        let pu = poisson(1.0, u, nx);
        let cond = wrong.target_conditional(u as u64, 100.0, 400.0);
        for (v, &p) in cond.iter().enumerate() {
            expected_wrong[u * ny + v.min(ny - 1)] += n as f64 * pu * p;
        }
    }
    let (chi2_wrong, _) = pearson_chi_square(&observed, &expected_wrong);
    assert!(
        chi2_wrong > critical,
        "a 40 ms model should be rejected: {chi2_wrong:.1} vs {critical:.1}"
    );
}

/// P(Poisson(mean) = u), the last value `top - 1` absorbing the tail.
fn poisson(mean: f64, u: usize, top: usize) -> f64 {
    use statrs::distribution::{Discrete, DiscreteCDF};
    let d = statrs::distribution::Poisson::new(mean).unwrap();
    if u + 1 == top {
        1.0 - d.cdf(u as u64 - 1)
    } else {
        d.pmf(u as u64)
    }
}
