//! Generate a stratified mixnet scenario of any size, for the network-size benchmark and the
//! scale check: 3 layers of 3 mixes, one sender and one receiver per flow, each sender linked
//! to every first-layer mix, every layer's mixes to every mix of the next, every last-layer mix
//! to every receiver; Poisson flows on random routes (one mix per layer), 10 000 pkt/s in
//! total, 61 s.
//!
//! `cargo run --release --example mixnet_gen -- FLOWS > mixnet-FLOWS.toml`, then
//! `time mixsim check mixnet-FLOWS.toml` (resolution) and `mixsim run ... --trials 1`.
//!
//! With `--loop-rate R` every sender also sends R loop-cover dummies/s through one random mix
//! per layer and back to itself (every last-layer mix is then linked to every sender), and with
//! `--drop-rate R` R drop-cover dummies/s through one random mix per layer to a random receiver,
//! which drops them; `--seconds S` sets the simulated time after the 1 s warm-up (default 60).
//! Cover routes are drawn after every real route, so the real flows are those of the same
//! command without cover.

use clap::Parser;
use rand::{Rng, SeedableRng};
use std::fmt::Write;

#[derive(Parser)]
struct Args {
    /// Real flows (one sender and one receiver each).
    flows: usize,
    /// Simulated seconds after the 1 s warm-up.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Loop-cover dummies per second of each sender (0: none).
    #[arg(long, default_value_t = 0.0)]
    loop_rate: f64,
    /// Drop-cover dummies per second of each sender (0: none).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
}

fn main() {
    let args = Args::parse();
    print!("{}", mixnet(&args, 1));
}

/// The scenario text of `args`, routes drawn from `seed`.
fn mixnet(args: &Args, seed: u64) -> String {
    let flows = args.flows;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut t = String::new();
    let rate = 10_000.0 / flows as f64;
    let covered = args.loop_rate > 0.0 || args.drop_rate > 0.0;
    writeln!(
        t,
        "name = \"mixnet-{flows}{}\"\nwarmup = \"1s\"\nduration = \"{}s\"\npacket_size = \"500B\"",
        if covered { "-cover" } else { "" },
        args.seconds + 1
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
    if args.loop_rate > 0.0 {
        for f in 0..flows {
            for j in 0..3 {
                link(&mut t, &mix(2, j), &format!("s{f}"), "100Mbps");
            }
        }
    }
    for (kind, per_sender) in [("loop", args.loop_rate), ("drop", args.drop_rate)] {
        if per_sender <= 0.0 {
            continue;
        }
        for f in 0..flows {
            let mut route: Vec<String> = vec![format!("s{f}")];
            route.extend((0..3).map(|l| mix(l, rng.random_range(0..3))));
            route.push(match kind {
                "loop" => format!("s{f}"),
                _ => format!("r{}", rng.random_range(0..flows)),
            });
            let route: Vec<String> = route.iter().map(|n| format!("\"{n}\"")).collect();
            writeln!(
                t,
                "[[cover]]\nname = \"{kind}{f}\"\nkind = \"{kind}\"\nroute = [{}]\nmodel = \"poisson\"\nrate = \"{per_sender}pps\"",
                route.join(", ")
            )
            .unwrap();
        }
    }
    t
}
