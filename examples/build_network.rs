//! Build a network in Rust, without a scenario file, run one trial and attack it.
//!
//! Alice sends Poisson traffic through an exponential mix to Bob; a second sender's traffic
//! crosses the same mix to another receiver. An observer counts packets per 10 ms where Alice's
//! flow enters the mix and where each output link leaves it, and the plug-in mutual-information
//! attack names the output link that carries Alice's flow.
//!
//!     cargo run --release --example build_network
//!
//! prints the packet counts and each candidate link's score; the test `build_network` in
//! tests/it runs the same code and checks what it prints.

use mixsim::attack::mi::plugin_mi;
use mixsim::engine::time::{MS, S};
use mixsim::net::tap::TapPoint;
use mixsim::net::{LinkParams, MixStrategy, TapSetup, Topology, TopologyError};
use mixsim::traffic::Traffic;
use std::fmt::Write;

/// The network: alice -> mix -> bob and carol -> mix -> dave, 10 Mb/s links of 1 ms.
pub fn topology() -> Result<Topology, TopologyError> {
    let mut t = Topology::new(S, 31 * S);
    let alice = t.add_host("alice");
    let carol = t.add_host("carol");
    let mix = t.add_mix("mix", MixStrategy::Exponential { mean_ns: 10e6 });
    let bob = t.add_host("bob");
    let dave = t.add_host("dave");
    let link = LinkParams {
        delay: MS,
        ..LinkParams::new(10e6)
    };
    for (from, to) in [(alice, mix), (carol, mix), (mix, bob), (mix, dave)] {
        t.add_link(from, to, link.clone())?;
    }
    let poisson = |rate| Traffic::Poisson { rate };
    t.add_flow("alice", &[alice, mix, bob], poisson(50.0), 500, 0)?;
    t.add_flow("carol", &[carol, mix, dave], poisson(100.0), 500, 0)?;
    Ok(t)
}

/// Run trial `trial` under `seed` and describe what the observer saw.
pub fn report(seed: u64, trial: u64) -> Result<String, TopologyError> {
    let t = topology()?;
    let (net, events) = t.run(seed, trial, TapSetup::counts(&t, 10 * MS));
    let c = &net.counters;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "packets: {} created, {} delivered, {} dropped, {} in flight ({events} events)",
        c.created,
        c.delivered,
        c.dropped(),
        c.in_flight()
    );
    let entry = t.link_between(0, 2).expect("alice->mix");
    let x = net.links[entry].tap.view().counts(TapPoint::Arrive);
    let mut best = (f64::NEG_INFINITY, "");
    for out_link in [2, 3] {
        let name = t.links[out_link].name.as_str();
        let y = net.links[out_link].tap.view().counts(TapPoint::Depart);
        let score = plugin_mi(x, y);
        let _ = writeln!(
            out,
            "{name}: mutual information {score:.4} nats over {} intervals",
            y.len()
        );
        if score > best.0 {
            best = (score, name);
        }
    }
    let _ = writeln!(out, "alice's flow leaves on: {}", best.1);
    Ok(out)
}

#[allow(dead_code)] // the test includes this file for `report` only
fn main() -> Result<(), TopologyError> {
    print!("{}", report(1, 0)?);
    Ok(())
}
