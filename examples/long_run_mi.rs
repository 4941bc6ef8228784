//! Long-run estimate of I(X; Y_j) for each candidate of a scenario: one trial simulated for a
//! very large sample size, plug-in MI minus its first-order bias (r-1)(s-1)/(2N), beside the
//! model's I_1 (published and flow-conserving link stages).
//!
//! `cargo run --release --example long_run_mi -- scenarios/fig5-heavy.toml [N] [--set ...]`

use mixsim::attack::mi::plugin_mi;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::Scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = std::path::PathBuf::from(&args[0]);
    let n: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut sets: Vec<String> = args
        .iter()
        .skip(2)
        .filter(|a| a.contains('='))
        .cloned()
        .collect();
    sets.push(format!("attack.sample_sizes=[{n}]"));
    let s = Scenario::load(&path, &sets).unwrap_or_else(|e| panic!("{e}"));
    let a = s.correlation().expect("attack");
    let (net, _) = Network::run(&s.topology(), s.seed, 0, tap_setup(&s, false));
    let x = net.links[a.observe_link]
        .tap
        .view()
        .counts(TapPoint::Arrive);
    let distinct = |v: &[u32]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v.len() as f64
    };
    for &c in &a.candidates {
        let y = net.links[c].tap.view().counts(TapPoint::Depart);
        let i = plugin_mi(x, y);
        let bias = (distinct(x) - 1.0) * (distinct(y) - 1.0) / (2.0 * n as f64);
        let lag1 = mixsim::attack::correlation::pearson(&y[..n - 1], &y[1..]);
        println!(
            "{:<12} plug-in I = {i:.6}  bias-corrected = {:.6}  pearson(X,Y) = {:.4}  lag-1 autocorrelation of Y = {lag1:.3}",
            s.links[c].name,
            i - bias,
            mixsim::attack::correlation::pearson(x, y)
        );
    }
    if let Ok(m) = mixsim::experiment::predict::correlation_model(
        &s,
        &mixsim::experiment::semi::ModelOptions {
            semi_reps: 0,
            seed: 1,
        },
    ) {
        println!(
            "model I_1 = {:.6} (published link stage), {:.6} (flow-conserving)",
            m.i1, m.i1_conserving
        );
    }
}
