//! Generate a stratified mixnet scenario of any size, for the network-size benchmark: 3 layers
//! of 3 mixes, one sender and one receiver per flow, each sender linked to every first-layer
//! mix, every layer's mixes to every mix of the next, every last-layer mix to every receiver;
//! Poisson flows on random routes (one mix per layer), 10 000 pkt/s in total, 61 s.
//!
//! `cargo run --release --example mixnet_gen -- FLOWS > mixnet-FLOWS.toml`, then
//! `time mixsim check mixnet-FLOWS.toml` (resolution) and `mixsim run ... --trials 1`.

use rand::{Rng, SeedableRng};
use std::fmt::Write;

fn main() {
    let flows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: mixnet_gen FLOWS");
    print!("{}", mixnet(flows, 1));
}

/// The scenario text for `flows` flows, routes drawn from `seed`.
fn mixnet(flows: usize, seed: u64) -> String {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut t = String::new();
    let rate = 10_000.0 / flows as f64;
    writeln!(
        t,
        "name = \"mixnet-{flows}\"\nwarmup = \"1s\"\nduration = \"61s\"\npacket_size = \"500B\""
    )
    .unwrap();
    let mix = |l: usize, j: usize| format!("m{l}{j}");
    for l in 0..3 {
        for j in 0..3 {
            writeln!(
                t,
                "[[node]]\nname = \"{}\"\nkind = \"mix\"\nt_avg = \"10ms\"",
                mix(l, j)
            )
            .unwrap();
        }
    }
    for f in 0..flows {
        writeln!(t, "[[node]]\nname = \"s{f}\"\nkind = \"host\"\n[[node]]\nname = \"r{f}\"\nkind = \"host\"").unwrap();
    }
    let link = |t: &mut String, a: &str, b: &str, bw: &str| {
        writeln!(
            t,
            "[[link]]\nfrom = \"{a}\"\nto = \"{b}\"\nbandwidth = \"{bw}\"\ndelay = \"5ms\""
        )
        .unwrap();
    };
    for l in 0..2 {
        for i in 0..3 {
            for j in 0..3 {
                link(&mut t, &mix(l, i), &mix(l + 1, j), "1Gbps");
            }
        }
    }
    for f in 0..flows {
        for j in 0..3 {
            link(&mut t, &format!("s{f}"), &mix(0, j), "100Mbps");
            link(&mut t, &mix(2, j), &format!("r{f}"), "100Mbps");
        }
    }
    for f in 0..flows {
        let hops: Vec<String> = (0..3).map(|l| mix(l, rng.random_range(0..3))).collect();
        writeln!(
            t,
            "[[flow]]\nname = \"f{f}\"\nroute = [\"s{f}\", \"{}\", \"{}\", \"{}\", \"r{f}\"]\nmodel = \"poisson\"\nrate = \"{rate}pps\"",
            hops[0], hops[1], hops[2]
        )
        .unwrap();
    }
    t
}
