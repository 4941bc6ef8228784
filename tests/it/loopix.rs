//! Loopix senders and mixes: payload slots (a sender's output does not depend on its real
//! load; a real message waits for a slot), per-message routes over layers, mix loops, the
//! refusal of the feed-forward executors, and the validation of their keys.

use crate::common::parse;
use mixsim::experiment::runner::{feed_forward_plan, tap_setup, FeedForwardUnsupported};
use mixsim::net::plan::Executor;
use mixsim::net::tap::TapPoint;
use mixsim::net::{Network, TapSetup};
use mixsim::scenario::{Scenario, ScenarioError};
use std::path::Path;

/// alice and s2 -> layer L1 {a1, a2} -> layer L2 {b1, b2} -> provider -> bob and r2, links
/// back from the provider to alice and to a1 for loops; `rest` is appended.
fn layered(rest: &str) -> String {
    let mut s = String::from("name = \"loopix\"\nwarmup = \"1s\"\nduration = \"41s\"\n");
    for n in ["alice", "s2", "provider", "bob", "r2"] {
        s += &format!("[[node]]\nname = \"{n}\"\nkind = \"host\"\n");
    }
    for m in ["a1", "a2", "b1", "b2"] {
        s += &format!("[[node]]\nname = \"{m}\"\nkind = \"mix\"\nt_avg = \"5ms\"\n");
    }
    let mut links = vec![
        ("provider", "bob"),
        ("provider", "r2"),
        ("provider", "alice"),
    ];
    links.push(("provider", "a1"));
    for a in ["a1", "a2"] {
        links.extend([("alice", a), ("s2", a), (a, "b1"), (a, "b2")]);
    }
    links.extend([("b1", "provider"), ("b2", "provider")]);
    for (from, to) in links {
        s += &format!("[[link]]\nfrom = \"{from}\"\nto = \"{to}\"\nbandwidth = \"100Mbps\"\ndelay = \"1ms\"\n");
    }
    s += "[[layer]]\nname = \"L1\"\nmixes = [\"a1\", \"a2\"]\n";
    s += "[[layer]]\nname = \"L2\"\nmixes = [\"b1\", \"b2\"]\n";
    s + rest
}

fn flow(name: &str, from: &str, to: &str, rate: &str) -> String {
    format!(
        "[[flow]]\nname = \"{name}\"\nroute = [\"{from}\", \"L1\", \"L2\", \"provider\", \"{to}\"]\nmodel = \"poisson\"\nrate = \"{rate}\"\n"
    )
}

fn cover(name: &str, kind: &str, route: &str, rate: &str, extra: &str) -> String {
    format!(
        "[[cover]]\nname = \"{name}\"\nkind = \"{kind}\"\nroute = {route}\nmodel = \"poisson\"\nrate = \"{rate}\"\n{extra}"
    )
}

/// Alice as a Loopix client: real messages at `rate`, payload slots at 50/s, loop and drop
/// cover at 10/s each; s2 sends plain traffic; mix a1 sends loops.
fn loopix_client(rate: &str) -> String {
    let mut rest = flow("alice", "alice", "bob", rate) + &flow("noise", "s2", "r2", "40pps");
    let to_provider = r#"["alice", "L1", "L2", "provider"]"#;
    rest += &cover(
        "alice-payload",
        "payload",
        to_provider,
        "50pps",
        "flow = \"alice\"\n",
    );
    rest += &cover(
        "alice-loop",
        "loop",
        r#"["alice", "L1", "L2", "provider", "alice"]"#,
        "10pps",
        "",
    );
    rest += &cover("alice-drop", "drop", to_provider, "10pps", "");
    rest += &cover(
        "a1-loop",
        "loop",
        r#"["a1", "L2", "provider", "a1"]"#,
        "5pps",
        "",
    );
    layered(&rest)
}

/// Times (and sizes) of everything alice sends, over both her links, in time order.
fn alice_output(s: &Scenario, net: &Network) -> Vec<(u64, u32)> {
    let mut out: Vec<(u64, u32)> = ["alice->a1", "alice->a2"]
        .iter()
        .flat_map(|l| {
            let tap = &net.links[s.link_index(l).unwrap()].tap;
            tap.view()
                .trace(TapPoint::Enqueue)
                .iter()
                .map(|r| (r.time, r.size))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn the_senders_output_does_not_depend_on_its_real_load() {
    let light = parse(&loopix_client("5pps"));
    let heavy = parse(&loopix_client("35pps"));
    let (a, _) = Network::run(&light.topology(), 7, 0, tap_setup(&light, true));
    let (b, _) = Network::run(&heavy.topology(), 7, 0, tap_setup(&heavy, true));
    let (out_a, out_b) = (alice_output(&light, &a), alice_output(&heavy, &b));
    // Same instants, same sizes: the adversary on alice's links sees the same thing.
    assert_eq!(out_a, out_b);
    // Poisson(lambda_P + lambda_L + lambda_D) = 70/s over the 41 s traced: within four
    // standard deviations of the Poisson count.
    let expected = 70.0 * 41.0;
    let n = out_a.len() as f64;
    assert!(
        (n - expected).abs() < 4.0 * expected.sqrt(),
        "{n} packets, expected {expected}"
    );
    // The real load only changes which slots carry messages and which carry drop dummies.
    // 30 more messages a second (the noise flow is the same in both) fill as many more slots,
    // up to the few messages still waiting at the end.
    let more_real = b.counters.real().created - a.counters.real().created;
    let fewer_dummies = a.counters.cover_drop.created - b.counters.cover_drop.created;
    assert!(
        more_real.abs_diff(30 * 41) < 4 * 36,
        "{more_real} more messages"
    );
    assert!(
        more_real.abs_diff(fewer_dummies) < 50,
        "{more_real} vs {fewer_dummies}"
    );
    for n in [&a, &b] {
        assert_eq!(n.counters.in_flight(), n.live_packets());
    }
}

#[test]
fn a_real_message_waits_for_a_slot_like_an_mm1_queue() {
    // alice -> bob straight over a fast link: the end-to-end latency is the slot wait, which
    // with Poisson arrivals (30/s) and Poisson slots (50/s) is the M/M/1 sojourn, mean
    // 1/(50 - 30) s = 50 ms; without slots it is the 8 us transmission.
    let text = |slots: bool| {
        let mut s = String::from("name = \"slots\"\nwarmup = \"1s\"\nduration = \"201s\"\n");
        s += "[[node]]\nname = \"alice\"\nkind = \"host\"\n[[node]]\nname = \"bob\"\nkind = \"host\"\n";
        s += "[[link]]\nfrom = \"alice\"\nto = \"bob\"\nbandwidth = \"1Gbps\"\n";
        s += "[[flow]]\nname = \"alice\"\nroute = [\"alice\", \"bob\"]\nmodel = \"poisson\"\nrate = \"30pps\"\n";
        if slots {
            s += &cover(
                "slots",
                "payload",
                r#"["alice", "bob"]"#,
                "50pps",
                "flow = \"alice\"\n",
            );
        }
        s
    };
    let mean_ms = |s: &Scenario| -> f64 {
        let (mut sum, mut n) = (0.0, 0u64);
        for trial in 0..4 {
            let mut net = Network::new(&s.topology(), 3, trial, tap_setup(s, false));
            net.set_latency_classes(vec![0, 1], 2);
            net.simulate(mixsim::engine::ReplaceTopQueue::default());
            let real = &net.latency_by_class[0].end_to_end;
            sum += real.mean() * real.len() as f64;
            n += real.len();
        }
        sum / n as f64 * 1e-6
    };
    let direct = mean_ms(&parse(&text(false)));
    assert!(direct < 0.01, "{direct} ms without slots");
    let slotted = mean_ms(&parse(&text(true)));
    assert!((slotted - 50.0).abs() < 2.5, "{slotted} ms, M/M/1 says 50");
}

#[test]
fn each_message_draws_its_route_by_the_layer_weights() {
    let weighted = layered(&flow("alice", "alice", "bob", "200pps")).replace(
        "mixes = [\"a1\", \"a2\"]\n",
        "mixes = [\"a1\", \"a2\"]\nweights = [1.0, 3.0]\n",
    );
    let s = parse(&weighted);
    let (net, _) = Network::run(&s.topology(), 5, 0, tap_setup(&s, true));
    let count = |l: &str| {
        net.links[s.link_index(l).unwrap()]
            .tap
            .view()
            .trace(TapPoint::Enqueue)
            .len() as f64
    };
    let share = count("alice->a2") / (count("alice->a1") + count("alice->a2"));
    assert!(
        (share - 0.75).abs() < 0.015,
        "{share} of alice's messages through a2"
    );
    // Layer 2 is uniform, and drawn independently of layer 1.
    let b1 = count("a2->b1") / (count("a2->b1") + count("a2->b2"));
    assert!((b1 - 0.5).abs() < 0.02, "{b1}");
    assert!(net.counters.delivered > 7000);
    assert_eq!(net.counters.in_flight(), net.live_packets());
}

#[test]
fn mix_loops_return_to_their_mix_and_loopix_runs_on_the_event_engine() {
    let s = parse(&loopix_client("20pps"));
    let (net, _) = Network::run(&s.topology(), 9, 0, tap_setup(&s, false));
    let loops = net.counters.cover_loop;
    // alice's loops (10/s) and a1's (5/s) come home.
    assert!(loops.delivered as f64 > 0.95 * 15.0 * 40.0, "{loops:?}");
    assert_eq!(net.counters.in_flight(), net.live_packets());
    // The feed-forward executors refuse, naming the flow and why ...
    match feed_forward_plan(&s) {
        Err(e @ FeedForwardUnsupported::Loopix(..)) => {
            assert!(e.to_string().contains("\"alice\""), "{e}")
        }
        other => panic!("expected a Loopix refusal, got {other:?}"),
    }
    // ... and the automatic choice gives the event engine's trial.
    let taps = |s: &Scenario| TapSetup::counts(&s.topology(), 10_000_000);
    let (auto, _) = Network::run_on(&s.topology(), 9, 0, taps(&s), Executor::Auto);
    let (event, _) = Network::run_on(&s.topology(), 9, 0, taps(&s), Executor::Event);
    assert_eq!(auto.counters, event.counters);
    // A mix loop alone (fixed routes, no slots) is refused too.
    let only_mix_loop = layered(
        &(flow("alice", "alice", "bob", "20pps").replace("\"L1\", \"L2\"", "\"a1\", \"b1\"")
            + &cover(
                "a1-loop",
                "loop",
                r#"["a1", "b1", "provider", "a1"]"#,
                "5pps",
                "",
            )),
    );
    let e = feed_forward_plan(&parse(&only_mix_loop)).unwrap_err();
    assert!(e.to_string().contains("starts at a mix"), "{e}");
}

fn refused(text: &str) -> String {
    match Scenario::parse(text, Path::new("x.toml"), &[]) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        Err(other) => panic!("expected a located error, got {other}"),
        Ok(_) => panic!("should be refused:\n{text}"),
    }
}

#[test]
fn layers_and_payload_streams_are_validated_with_located_errors() {
    let base = flow("alice", "alice", "bob", "20pps");
    // A pair of consecutive positions without a link.
    let e = refused(&layered(&base).replace(
        "[[link]]\nfrom = \"a2\"\nto = \"b2\"\nbandwidth = \"100Mbps\"\ndelay = \"1ms\"\n",
        "",
    ));
    assert!(
        e.contains("key `flow[0].route[2]`") && e.contains("\"a2\" to \"b2\""),
        "{e}"
    );
    let e = refused(&layered(&base).replace("[\"b1\", \"b2\"]", "[\"b1\", \"a1\"]"));
    assert!(
        e.contains("key `layer[1].mixes[1]`") && e.contains("one layer"),
        "{e}"
    );
    let e = refused(&layered(&base).replace("[\"b1\", \"b2\"]", "[\"b1\", \"bob\"]"));
    assert!(e.contains("layer[1].mixes[1]") && e.contains("host"), "{e}");
    let e = refused(&layered(&base).replace(
        "mixes = [\"a1\", \"a2\"]\n",
        "mixes = [\"a1\", \"a2\"]\nweights = [1.0]\n",
    ));
    assert!(
        e.contains("layer[0].weights") && e.contains("one weight per mix"),
        "{e}"
    );
    let e = refused(&layered(&base).replace("name = \"L2\"", "name = \"bob\""));
    assert!(e.contains("layer[1].name") && e.contains("taken"), "{e}");
    let e = refused(&layered(&base).replace("name = \"L2\"\nmixes", "name = \"L2\"\nmix"));
    assert!(e.contains("unknown") && e.contains("mixes"), "{e}");
    // Payload streams: a flow to carry, from the same sender, open-loop.
    let route = r#"["alice", "L1", "L2", "provider"]"#;
    let e = refused(&layered(
        &(base.clone() + &cover("p", "payload", route, "50pps", "")),
    ));
    assert!(
        e.contains("key `cover[0]`") && e.contains("flow = \"NAME\""),
        "{e}"
    );
    let e = refused(&layered(
        &(base.clone() + &cover("p", "drop", route, "50pps", "flow = \"alice\"\n")),
    ));
    assert!(
        e.contains("cover[0].flow") && e.contains("take no flow"),
        "{e}"
    );
    let e = refused(&layered(
        &(base.clone() + &cover("p", "payload", route, "50pps", "flow = \"alcie\"\n")),
    ));
    assert!(
        e.contains("cover[0].flow") && e.contains("no [[flow]] named"),
        "{e}"
    );
    let s2 = flow("noise", "s2", "r2", "10pps");
    let e = refused(&layered(
        &(base.clone() + &s2 + &cover("p", "payload", route, "50pps", "flow = \"noise\"\n")),
    ));
    assert!(
        e.contains("cover[0].flow") && e.contains("leaves \"s2\""),
        "{e}"
    );
    let twice = cover("p", "payload", route, "50pps", "flow = \"alice\"\n")
        + &cover("q", "payload", route, "50pps", "flow = \"alice\"\n");
    let e = refused(&layered(&(base.clone() + &twice)));
    assert!(
        e.contains("cover[1].flow") && e.contains("already has a payload stream"),
        "{e}"
    );
    // The adversary's links must carry every message of a target with per-message routes.
    let attack = "[attack]\ntarget = \"alice\"\nsample_sizes = [100]\ncandidates = [\"a1->b1\", \"provider->bob\"]\n";
    let e = refused(&layered(&(base + attack)));
    assert!(e.contains("target") && e.contains("per message"), "{e}");
}
