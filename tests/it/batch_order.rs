//! Batch order: a batch mix sends each flush in random order (from its own stream) unless the
//! scenario asks for arrival order; both orders release the same packets at the same times.

use crate::common::{chi_square_999, parse, pearson_chi_square};
use mixsim::engine::stream;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::mix::{Arrival, Mix, Release};
use mixsim::net::tap::TapPoint;
use mixsim::net::{BatchOrder, MixStrategy, Network};
use mixsim::scenario::{Scenario, ScenarioError};
use std::path::Path;

/// Feed a threshold mix of batch `n` packets 0, 1, 2... one ns apart; its releases.
fn threshold_releases(n: u32, batches: u32, order: BatchOrder) -> Vec<Release> {
    let mut mix = Mix::new(MixStrategy::Threshold { n }, stream(5, 0, 9)).with_order(order);
    let mut out = Vec::new();
    for i in 0..n * batches {
        assert_eq!(mix.arrive(i as u64, i, &mut out), Arrival::Held);
    }
    assert_eq!(out.len(), (n * batches) as usize);
    out
}

#[test]
fn arrival_order_keeps_each_batch_in_order() {
    let out = threshold_releases(8, 500, BatchOrder::Arrival);
    assert!(out.windows(2).all(|w| w[0].handle < w[1].handle));
}

#[test]
fn random_order_puts_the_first_arrival_anywhere_in_its_batch() {
    let n = 8;
    let out = threshold_releases(n, 4000, BatchOrder::Random);
    // Every batch holds exactly its own packets ...
    for (b, batch) in out.chunks(n as usize).enumerate() {
        let mut h: Vec<u32> = batch.iter().map(|r| r.handle).collect();
        h.sort_unstable();
        assert_eq!(h, (b as u32 * n..(b as u32 + 1) * n).collect::<Vec<_>>());
    }
    // ... and the batch's first arrival leaves at a uniform position.
    let mut at = vec![0u64; n as usize];
    let mut in_order = 0;
    for batch in out.chunks(n as usize) {
        let first = batch.iter().map(|r| r.handle).min().unwrap();
        at[batch.iter().position(|r| r.handle == first).unwrap()] += 1;
        in_order += batch.windows(2).all(|w| w[0].handle < w[1].handle) as u32;
    }
    let expected = vec![4000.0 / n as f64; n as usize];
    let (chi2, df) = pearson_chi_square(&at, &expected);
    assert!(chi2 < chi_square_999(df), "positions {at:?}: chi2 {chi2}");
    // 1/8! of batches would stay in order by chance: about 0.1 of 4000.
    assert!(in_order <= 2, "{in_order} batches left in arrival order");
}

/// alice and s2 -> a batch mix -> bob: both flows share the mix's one output link.
fn shared_output(mix_keys: &str) -> String {
    let mut s = String::from(
        "name = \"order\"\nwarmup = \"0s\"\nduration = \"20s\"\n\
         [[node]]\nname = \"alice\"\nkind = \"host\"\n[[node]]\nname = \"s2\"\nkind = \"host\"\n",
    );
    s += &format!("[[node]]\nname = \"mix\"\nkind = \"mix\"\n{mix_keys}\n");
    s += "[[node]]\nname = \"bob\"\nkind = \"host\"\n";
    for (from, to) in [("alice", "mix"), ("s2", "mix"), ("mix", "bob")] {
        s += &format!("[[link]]\nfrom = \"{from}\"\nto = \"{to}\"\nbandwidth = \"1Gbps\"\n");
    }
    for (name, from) in [("alice", "alice"), ("noise", "s2")] {
        s += &format!(
            "[[flow]]\nname = \"{name}\"\nroute = [\"{from}\", \"mix\", \"bob\"]\nmodel = \"poisson\"\nrate = \"100pps\"\n"
        );
    }
    s
}

/// The flows in the order they reach the mix and in the order they leave it, and the times
/// they leave at.
fn flows_in_and_out(s: &Scenario) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
    let (net, _) = Network::run(&s.topology(), 3, 0, tap_setup(s, true));
    let mut arrivals: Vec<(u64, u32)> = [0, 1]
        .iter()
        .flat_map(|&l| {
            let tap = &net.links[l].tap;
            let trace = tap.view().trace(TapPoint::Arrive);
            let flows = &tap.ground_truth().flows[TapPoint::Arrive as usize];
            trace
                .iter()
                .zip(flows)
                .map(|(r, &f)| (r.time, f))
                .collect::<Vec<_>>()
        })
        .collect();
    arrivals.sort_unstable();
    let tap = &net.links[2].tap;
    let out = &tap.ground_truth().flows[TapPoint::Enqueue as usize];
    let times = tap.view().trace(TapPoint::Enqueue).iter().map(|r| r.time);
    (
        arrivals.iter().map(|a| a.1).collect(),
        out.clone(),
        times.collect(),
    )
}

#[test]
fn a_network_mix_sends_batches_in_the_order_asked() {
    for strategy in [
        "strategy = \"threshold\"\nthreshold = 6",
        "strategy = \"timed\"\nt_avg = \"50ms\"",
    ] {
        let arrival = parse(&shared_output(&format!("{strategy}\norder = \"arrival\"")));
        let random = parse(&shared_output(strategy));
        let (into, out_a, times_a) = flows_in_and_out(&arrival);
        let (_, out_r, times_r) = flows_in_and_out(&random);
        assert!(out_a.len() > 3000, "{strategy}: {} released", out_a.len());
        let n = out_a.len();
        assert_eq!(out_a, into[..n], "{strategy}: arrival order kept");
        assert_eq!(times_a, times_r, "{strategy}: same flush times either way");
        let moved = out_a.iter().zip(&out_r).filter(|(a, r)| a != r).count();
        // Two flows of equal rate: a shuffled batch changes about half the positions.
        assert!(
            moved > n / 4,
            "{strategy}: {moved} of {n} positions changed"
        );
    }
}

#[test]
fn order_is_refused_where_there_is_no_batch() {
    let refused = |text: String| match Scenario::parse(&text, Path::new("x.toml"), &[]) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        Err(other) => panic!("expected a located error, got {other}"),
        Ok(_) => panic!("should be refused"),
    };
    let e = refused(shared_output("t_avg = \"20ms\"\norder = \"arrival\""));
    assert!(e.starts_with("x.toml:"), "{e}");
    assert!(
        e.contains("key `node[2].order`") && e.contains("sends no batch"),
        "{e}"
    );
    let e = refused(shared_output(
        "strategy = \"threshold\"\nthreshold = 6\norder = \"fifo\"",
    ));
    assert!(e.starts_with("x.toml:") && e.contains("arrival"), "{e}");
    let host = shared_output("strategy = \"threshold\"\nthreshold = 6").replacen(
        "kind = \"host\"\n",
        "kind = \"host\"\norder = \"random\"\n",
        1,
    );
    let e = refused(host);
    assert!(e.contains("key `node[0].order`"), "{e}");
}
