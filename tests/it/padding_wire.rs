//! Padding that hides: on a padded link every packet has one size on the wire (the dummies take
//! the real packets' size, or every packet is padded to `padding_size`), every tap point shows
//! only the wire, and a padded link crossed by packets of several sizes needs `padding_size`.

use crate::common::parse;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::{Scenario, ScenarioError};
use std::path::Path;

const PERIOD_NS: u64 = 1_000_000; // 1000 slots/s

/// alice (500 B, or `sizes` per flow) -> mix -> bob, the mix's output link padded with constant
/// slots at 1000/s; `extra` goes into that link.
fn padded(sizes: &[&str], extra: &str) -> String {
    let mut s = String::from("name = \"pad\"\nwarmup = \"1s\"\nduration = \"11s\"\n");
    for (n, k) in [
        ("alice", "host"),
        ("s2", "host"),
        ("mix", "mix"),
        ("bob", "host"),
    ] {
        let hold = if k == "mix" { "t_avg = \"5ms\"\n" } else { "" };
        s += &format!("[[node]]\nname = \"{n}\"\nkind = \"{k}\"\n{hold}");
    }
    for (a, b) in [("alice", "mix"), ("s2", "mix")] {
        s += &format!("[[link]]\nfrom = \"{a}\"\nto = \"{b}\"\nbandwidth = \"100Mbps\"\n");
    }
    s += &format!("[[link]]\nfrom = \"mix\"\nto = \"bob\"\nbandwidth = \"100Mbps\"\npadding = \"constant\"\npadding_rate = \"1000pps\"\n{extra}");
    for (i, size) in sizes.iter().enumerate() {
        let from = ["alice", "s2"][i];
        s += &format!("[[flow]]\nname = \"f{i}\"\nroute = [\"{from}\", \"mix\", \"bob\"]\nmodel = \"poisson\"\nrate = \"200pps\"\nsize = \"{size}\"\n");
    }
    s
}

fn wire(s: &Scenario, point: TapPoint) -> (Vec<u64>, Vec<u32>, usize) {
    let (net, _) = Network::run(&s.topology(), 4, 0, tap_setup(s, true));
    let tap = &net.links[2].tap;
    let trace = tap.view().trace(point);
    let real = tap.ground_truth().flows[point as usize]
        .iter()
        .filter(|&&f| f != mixsim::net::link::DUMMY_FLOW)
        .count();
    (
        trace.iter().map(|r| r.time).collect(),
        trace.iter().map(|r| r.size).collect(),
        real,
    )
}

#[test]
fn dummies_take_the_real_packets_size_and_every_point_shows_the_slot_grid() {
    let s = parse(&padded(&["500B"], ""));
    for point in [TapPoint::Enqueue, TapPoint::Depart, TapPoint::Arrive] {
        let (times, sizes, real) = wire(&s, point);
        assert!(real > 1500, "{point:?}: {real} real packets");
        assert!(sizes.iter().all(|&b| b == 500), "{point:?}: sizes {:?}", {
            let mut u = sizes.clone();
            u.sort_unstable();
            u.dedup();
            u
        });
        // One packet per slot, real or dummy: every gap is the slot period (the 40 us
        // transmission fits in it), so no gap tells a real slot from a dummy one.
        let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            gaps.iter().all(|&g| g == PERIOD_NS),
            "{point:?}: gaps {:?}",
            {
                let mut u = gaps.clone();
                u.sort_unstable();
                u.dedup();
                u
            }
        );
    }
}

#[test]
fn padding_size_pads_every_packet_on_the_wire() {
    let s = parse(&padded(&["500B", "700B"], "padding_size = \"800B\"\n"));
    let (_, sizes, real) = wire(&s, TapPoint::Depart);
    assert!(real > 3000, "{real} real packets");
    assert!(sizes.iter().all(|&b| b == 800));
}

fn refused(text: &str) -> String {
    match Scenario::parse(text, Path::new("x.toml"), &[]) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        Err(other) => panic!("expected a located error, got {other}"),
        Ok(_) => panic!("should be refused:\n{text}"),
    }
}

#[test]
fn a_padded_link_with_packets_of_several_sizes_needs_padding_size() {
    let e = refused(&padded(&["500B", "1000B"], ""));
    assert!(e.starts_with("x.toml:"), "{e}");
    assert!(
        e.contains("key `link[2].padding`")
            && e.contains("500B, 1000B")
            && e.contains("padding_size"),
        "{e}"
    );
    let e = refused(&padded(&["500B", "1000B"], "padding_size = \"800B\"\n"));
    assert!(
        e.contains("key `link[2].padding_size`") && e.contains("1000B"),
        "{e}"
    );
}
