//! Mix strategies through the whole network: batch sizes, mean holds against their model,
//! conservation, and the validation of their keys.

use crate::common::{parse, scenario_path};
use mixsim::experiment::runner::tap_setup;
use mixsim::model::mixhold;
use mixsim::net::mix::binomial_p;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::{ResolvedNodeKind, Scenario, ScenarioError};
use std::path::Path;

/// alice and s2 -> mix -> bob and r2, Poisson flows, the mix given by `mix_keys`.
fn two_out(mix_keys: &str, duration: &str) -> String {
    format!(
        r#"
name = "strategy"
warmup = "1s"
duration = "{duration}"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "s2"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
{mix_keys}
[[node]]
name = "bob"
kind = "host"
[[node]]
name = "r2"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "1Gbps"
[[link]]
from = "s2"
to = "mix"
bandwidth = "1Gbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "1Gbps"
[[link]]
from = "mix"
to = "r2"
bandwidth = "1Gbps"
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "100pps"
[[flow]]
name = "noise"
route = ["s2", "mix", "r2"]
model = "poisson"
rate = "150pps"
"#
    )
}

/// Enqueue times at both mix output links, merged and sorted.
fn mix_output_times(s: &Scenario, trial: u64) -> Vec<u64> {
    let (net, _) = Network::run(&s.topology(), 3, trial, tap_setup(s, true));
    let mut t: Vec<u64> = [2, 3]
        .iter()
        .flat_map(|&l| net.links[l].tap.view().trace(TapPoint::Enqueue).to_vec())
        .map(|r| r.time)
        .collect();
    t.sort_unstable();
    t
}

/// Sizes of the groups of equal times, in time order.
fn batch_sizes(times: &[u64]) -> Vec<usize> {
    times.chunk_by(|a, b| a == b).map(|g| g.len()).collect()
}

#[test]
fn threshold_mix_releases_exactly_in_batches_of_n() {
    let s = parse(&two_out("strategy = \"threshold\"\nthreshold = 7", "11s"));
    let sizes = batch_sizes(&mix_output_times(&s, 0));
    assert!(sizes.len() > 100, "{} batches", sizes.len());
    assert!(sizes.iter().all(|&n| n == 7), "{sizes:?}");
}

#[test]
fn threshold_pool_releases_n_and_timed_pool_keeps_f() {
    let s = parse(&two_out(
        "strategy = \"threshold-pool\"\nthreshold = 5\npool = 3",
        "11s",
    ));
    let sizes = batch_sizes(&mix_output_times(&s, 0));
    assert!(sizes.iter().all(|&n| n == 5), "{sizes:?}");
    // Timed pool at 250 pkt/s, flush every 100 ms (about 25 arrivals), pool 10: right after
    // every flush the mix holds exactly 10 (arrivals before it minus releases up to it).
    let s = parse(&two_out(
        "strategy = \"timed-pool\"\nt_avg = \"100ms\"\npool = 10",
        "11s",
    ));
    let (net, _) = Network::run(&s.topology(), 3, 0, tap_setup(&s, true));
    let times = |links: [usize; 2], point: TapPoint| -> Vec<u64> {
        let mut t: Vec<u64> = links
            .iter()
            .flat_map(|&l| net.links[l].tap.view().trace(point).to_vec())
            .map(|r| r.time)
            .collect();
        t.sort_unstable();
        t
    };
    let arrivals = times([0, 1], TapPoint::Arrive);
    let releases = times([2, 3], TapPoint::Enqueue);
    let flushes: Vec<u64> = releases.chunk_by(|a, b| a == b).map(|g| g[0]).collect();
    assert!(flushes.len() > 90, "{} flushes", flushes.len());
    for &t in &flushes {
        let arrived = arrivals.partition_point(|&a| a < t);
        let released = releases.partition_point(|&r| r <= t);
        assert_eq!(arrived - released, 10, "after the flush at {t} ns");
    }
    assert_eq!(net.counters.in_flight(), net.live_packets());
}

#[test]
fn binomial_mean_hold_matches_its_markov_chain() {
    // 250 pkt/s, flushes every 20 ms (5 arrivals a period), P(n) = Phi((n - 8)/3).
    let (lambda, period, mu, sigma) = (250.0, 0.02, 8.0, 3.0);
    let s = parse(&two_out(
        "strategy = \"binomial\"\nt_avg = \"20ms\"\nmu = 8.0\nsigma = 3.0",
        "41s",
    ));
    let model = mixhold::binomial_mean_hold(lambda, period, &|n| binomial_p(n, mu, sigma), 200);
    // Per-trial means; their spread gives the standard error of the overall mean.
    let means: Vec<f64> = (0..8)
        .map(|trial| {
            let (net, _) = Network::run(&s.topology(), 11, trial, tap_setup(&s, false));
            net.latency.mix_hold.mean() * 1e-9
        })
        .collect();
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let se = (var / k).sqrt();
    // The histogram keeps 3 significant digits: allow its 0.1 % on top of 5 standard errors.
    assert!(
        (mean - model).abs() < 5.0 * se + 1e-3 * model,
        "simulated {mean:.5} s vs model {model:.5} s (se {se:.5})"
    );
    eprintln!("binomial: simulated {mean:.5} s, model {model:.5} s, se {se:.5}");
    // The hold is well above a timed mix's half period: the binomial mix keeps packets.
    assert!(model > 0.02, "{model}");
}

#[test]
fn timed_pool_mean_hold_matches_its_markov_chain() {
    let s = parse(&two_out(
        "strategy = \"timed-pool\"\nt_avg = \"20ms\"\npool = 4",
        "41s",
    ));
    let model = mixhold::timed_pool_mean_hold(250.0, 0.02, 4, 200);
    let means: Vec<f64> = (0..8)
        .map(|trial| {
            let (net, _) = Network::run(&s.topology(), 11, trial, tap_setup(&s, false));
            net.latency.mix_hold.mean() * 1e-9
        })
        .collect();
    let k = means.len() as f64;
    let mean = means.iter().sum::<f64>() / k;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let se = (var / k).sqrt();
    assert!(
        (mean - model).abs() < 5.0 * se + 1e-3 * model,
        "simulated {mean:.5} s vs model {model:.5} s (se {se:.5})"
    );
    eprintln!("timed pool: simulated {mean:.5} s, model {model:.5} s, se {se:.5}");
}

#[test]
fn every_strategy_conserves_packets() {
    for keys in [
        "strategy = \"exponential\"\nt_avg = \"20ms\"",
        "strategy = \"timed\"\nt_avg = \"20ms\"",
        "strategy = \"threshold\"\nthreshold = 9",
        "strategy = \"threshold-or-timed\"\nthreshold = 9\nt_avg = \"30ms\"",
        "strategy = \"timed-pool\"\nt_avg = \"20ms\"\npool = 5",
        "strategy = \"threshold-pool\"\nthreshold = 4\npool = 5",
        "strategy = \"binomial\"\nt_avg = \"20ms\"\nmu = 6.0\nsigma = 2.0",
    ] {
        let s = parse(&two_out(keys, "6s"));
        let (net, _) = Network::run(&s.topology(), 5, 0, tap_setup(&s, false));
        let c = net.counters;
        assert!(c.created > 1000, "{keys}: {c:?}");
        assert!(c.delivered > c.created * 9 / 10, "{keys}: {c:?}");
        assert_eq!(
            c.created,
            c.delivered + c.dropped() + c.in_flight(),
            "{keys}"
        );
        assert_eq!(c.in_flight(), net.live_packets(), "{keys}: {c:?}");
    }
}

#[test]
fn threshold_or_timed_flushes_on_whichever_comes_first() {
    // 250 pkt/s with threshold 9 (36 ms on average) and a 20 ms clock: most flushes are timed
    // (batches under 9), none is larger than 9.
    let s = parse(&two_out(
        "strategy = \"threshold-or-timed\"\nthreshold = 9\nt_avg = \"20ms\"",
        "6s",
    ));
    let times = mix_output_times(&s, 0);
    let sizes = batch_sizes(&times);
    assert!(sizes.iter().all(|&n| n <= 9), "{sizes:?}");
    let on_clock = times
        .chunk_by(|a, b| a == b)
        .filter(|g| g[0] % 20_000_000 == 0)
        .count();
    assert!(on_clock > sizes.len() / 2, "{on_clock} of {}", sizes.len());
    assert!(sizes.contains(&9), "some flushes reach the threshold");
}

fn refused(keys: &str) -> String {
    match Scenario::parse(&two_out(keys, "6s"), Path::new("x.toml"), &[]) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        Err(other) => panic!("expected a located error, got {other}"),
        Ok(_) => panic!("{keys} should be refused"),
    }
}

#[test]
fn strategy_keys_are_validated_with_located_errors() {
    let e = refused("strategy = \"threshold\"\nthreshold = 5\nt_avg = \"20ms\"");
    assert!(e.starts_with("x.toml:"), "{e}");
    assert!(
        e.contains("key `node[2].t_avg`") && e.contains("takes no t_avg"),
        "{e}"
    );
    let e = refused("strategy = \"threshold\"");
    assert!(
        e.contains("node[2].threshold") && e.contains("needs threshold"),
        "{e}"
    );
    let e = refused("strategy = \"threshold-pool\"\nthreshold = 0\npool = 2");
    assert!(
        e.contains("node[2].threshold") && e.contains("got 0"),
        "{e}"
    );
    let e = refused("strategy = \"binomial\"\nt_avg = \"20ms\"\nmu = 5.0\nsigma = 0.0");
    assert!(
        e.contains("node[2].sigma") && e.contains("above zero"),
        "{e}"
    );
    let e = refused("strategy = \"binomial\"\nt_avg = \"20ms\"\nsigma = 1.0");
    assert!(e.contains("node[2].mu"), "{e}");
    let e = refused("strategy = \"pool\"\nt_avg = \"20ms\"");
    assert!(
        e.contains("node[2].strategy") && e.contains("timed-pool"),
        "{e}"
    );
    let e = refused("t_avg = \"20ms\"\npool = 3");
    assert!(
        e.contains("node[2].pool") && e.contains("exponential"),
        "{e}"
    );
}

#[test]
fn shipped_frontier_sweeps_are_valid_and_vary_their_strategy() {
    // Every point of every frontier sweep resolves, and each sweep keeps its strategy (or, for
    // the padding sweeps, pads both candidate links) at every point.
    let want = [
        ("exponential", "exponential", false),
        ("timed", "timed", false),
        ("threshold", "threshold", false),
        ("binomial", "binomial", false),
        ("timed-pool", "timed-pool", false),
        ("padding-constant", "exponential", true),
        ("padding-poisson", "exponential", true),
    ];
    for (file, strategy, padded) in want {
        let path = scenario_path(&format!("frontier/{file}.toml"));
        let plan = mixsim::experiment::campaign::sweep::load(&path, None, None)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            plan.scenarios.len() >= 4,
            "{file}: {} points",
            plan.scenarios.len()
        );
        for s in &plan.scenarios {
            let mix = s.nodes.iter().find(|n| n.name == "mix").expect("a mix");
            let ResolvedNodeKind::Mix { strategy: st } = mix.kind else {
                panic!("{file}: the mix is a host")
            };
            assert_eq!(st.name(), strategy, "{file}");
            let a = s.correlation().expect("a correlation attack");
            let pads = a.candidates.iter().all(|&c| s.links[c].padding.is_some());
            assert_eq!(pads, padded, "{file}");
        }
    }
}
