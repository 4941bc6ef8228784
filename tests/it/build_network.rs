//! The network builder: a network built in Rust (examples/build_network.rs, included here) runs,
//! and is the same network, packet for packet, as the scenario file that describes it.

#[path = "../../examples/build_network.rs"]
mod example;

use crate::common::parse;
use mixsim::engine::time::MS;
use mixsim::net::tap::TapPoint;
use mixsim::net::{LinkParams, MixStrategy, TapSetup, Topology, TopologyError};
use mixsim::traffic::Traffic;

const SCENARIO: &str = r#"
name = "build-network"
warmup = "1s"
duration = "31s"
packet_size = "500B"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "carol"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
t_avg = "10ms"
[[node]]
name = "bob"
kind = "host"
[[node]]
name = "dave"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "10Mbps"
delay = "1ms"
[[link]]
from = "carol"
to = "mix"
bandwidth = "10Mbps"
delay = "1ms"
[[link]]
from = "mix"
to = "bob"
bandwidth = "10Mbps"
delay = "1ms"
[[link]]
from = "mix"
to = "dave"
bandwidth = "10Mbps"
delay = "1ms"
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "50pps"
[[flow]]
name = "carol"
route = ["carol", "mix", "dave"]
model = "poisson"
rate = "100pps"
"#;

#[test]
fn the_example_runs_and_the_attack_finds_alices_link() {
    let out = example::report(1, 0).expect("the example's network builds");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    // packets: C created, D delivered, X dropped, F in flight (E events)
    let n: Vec<u64> = lines[0]
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(n[0], n[1] + n[2] + n[3], "conservation: {}", lines[0]);
    // About 150 pkt/s for 31 s, nothing dropped on idle links.
    assert!((4000..5300).contains(&n[0]) && n[2] == 0, "{}", lines[0]);
    assert!(
        lines[1].starts_with("mix->bob: mutual information "),
        "{out}"
    );
    assert!(lines[1].ends_with("over 3000 intervals"), "{out}");
    assert!(lines[2].starts_with("mix->dave: "), "{out}");
    assert_eq!(lines[3], "alice's flow leaves on: mix->bob");
}

#[test]
fn the_builder_and_the_scenario_file_give_the_same_trial() {
    let built = example::topology().unwrap();
    let from_file = parse(SCENARIO).topology();
    for trial in 0..3 {
        let run = |t: &Topology| t.run(5, trial, TapSetup::counts(t, 10 * MS));
        let ((a, ea), (b, eb)) = (run(&built), run(&from_file));
        assert_eq!(ea, eb, "events");
        assert_eq!(a.counters, b.counters);
        for (la, lb) in a.links.iter().zip(&b.links) {
            for p in [TapPoint::Enqueue, TapPoint::Depart, TapPoint::Arrive] {
                assert_eq!(la.tap.view().counts(p), lb.tap.view().counts(p));
            }
        }
    }
    let names = |t: &Topology| t.links.iter().map(|l| l.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&built), names(&from_file));
}

#[test]
fn the_builder_refuses_what_it_cannot_run() {
    let mut t = Topology::new(0, MS);
    let a = t.add_host("a");
    let b = t.add_host("b");
    let c = t.add_mix("c", MixStrategy::Timed { period: MS });
    t.add_link(a, b, LinkParams::new(1e6)).unwrap();
    let poisson = Traffic::Poisson { rate: 1.0 };
    assert_eq!(
        t.add_link(a, b, LinkParams::new(1e6)),
        Err(TopologyError::DuplicateLink("a->b".into()))
    );
    assert_eq!(
        t.add_link(a, 9, LinkParams::new(1e6)),
        Err(TopologyError::NoNode(9))
    );
    assert!(t.add_link(b, a, LinkParams::new(0.0)).is_err());
    assert_eq!(
        t.add_flow("f", &[a, c], poisson.clone(), 100, 0),
        Err(TopologyError::NoLink("a".into(), "c".into()))
    );
    assert_eq!(
        t.add_flow("f", &[a], poisson.clone(), 100, 0),
        Err(TopologyError::ShortRoute)
    );
    assert_eq!(t.add_flow("f", &[a, b], poisson, 100, 0), Ok(0));
    let stage = || -> mixsim::net::StageFactory {
        std::sync::Arc::new(|| Box::new(mixsim::net::Loss::new(0.5)))
    };
    assert!(t.place_stage(0, 1, stage()).is_err(), "not at the receiver");
    assert!(t.place_stage(0, 0, stage()).is_ok());
    assert!(t.place_stage(0, 0, stage()).is_err(), "one stage per flow");
    assert_eq!(t.place_stage(7, 0, stage()), Err(TopologyError::NoFlow(7)));
}
