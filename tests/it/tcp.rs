//! TCP: the model behaves like NewReno over real packets, with numbers that could fail.
//!
//! Most tests use a dumbbell: senders a0..a{n-1} -> r -> b over access links, the bottleneck
//! r->b, and ACKs straight back b -> r -> ai over reverse links of their own.

use crate::common::parse;
use mixsim::engine::{time, BinaryHeapQueue};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::Scenario;
use mixsim::traffic::tcp::CongestionKind;

/// A dumbbell of `n` TCP senders. `bottleneck` holds extra keys of the r->b link, `flow` extra
/// keys of every flow, `mix` puts a mix of that mean hold at r (data and ACKs cross it).
fn dumbbell(n: usize, duration: &str, bottleneck: &str, flow: &str, mix: Option<&str>) -> String {
    let mut s = format!("name = \"dumbbell\"\nwarmup = \"5s\"\nduration = \"{duration}\"\n");
    for i in 0..n {
        s += &format!("[[node]]\nname = \"a{i}\"\nkind = \"host\"\n");
    }
    match mix {
        Some(t) => s += &format!("[[node]]\nname = \"r\"\nkind = \"mix\"\nt_avg = \"{t}\"\n"),
        None => s += "[[node]]\nname = \"r\"\nkind = \"host\"\n",
    }
    s += "[[node]]\nname = \"b\"\nkind = \"host\"\n";
    for i in 0..n {
        s += &format!(
            "[[link]]\nfrom = \"a{i}\"\nto = \"r\"\nbandwidth = \"100Mbps\"\ndelay = \"1ms\"\n\
             [[link]]\nfrom = \"r\"\nto = \"a{i}\"\nbandwidth = \"100Mbps\"\ndelay = \"1ms\"\n"
        );
    }
    s += &format!(
        "[[link]]\nfrom = \"r\"\nto = \"b\"\nbandwidth = \"10Mbps\"\ndelay = \"10ms\"\n{bottleneck}\n\
         [[link]]\nfrom = \"b\"\nto = \"r\"\nbandwidth = \"10Mbps\"\ndelay = \"10ms\"\n"
    );
    for i in 0..n {
        s += &format!(
            "[[flow]]\nname = \"f{i}\"\nroute = [\"a{i}\", \"r\", \"b\"]\n\
             ack_route = [\"b\", \"r\", \"a{i}\"]\nmodel = \"tcp\"\n{flow}\n"
        );
    }
    s
}

/// Goodput (payload bits/s after the warm-up) of each TCP flow of one trial.
fn goodputs(s: &Scenario, net: &Network) -> Vec<f64> {
    let measured = time::to_secs_f64(s.duration - s.warmup);
    net.tcp_stats()
        .iter()
        .map(|t| t.receiver.delivered_after_warmup as f64 * t.mss as f64 * 8.0 / measured)
        .collect()
}

fn run(s: &Scenario, trial: u64) -> Network {
    Network::run(&s.topology(), 1, trial, tap_setup(s, false)).0
}

#[test]
fn one_flow_fills_the_bottleneck() {
    // RTT about 2 x 11 ms + transmissions = 23 ms: the bandwidth-delay product is 29 segments of
    // 1000 B at 10 Mb/s; a buffer of 30 holds it, so halving the window never drains the link.
    let s = parse(&dumbbell(1, "35s", "buffer = 30", "rwnd = 1000", None));
    let net = run(&s, 0);
    let g = goodputs(&s, &net)[0];
    // Payload share of the wire: 960 of 1000 bytes.
    let capacity = 10e6 * 960.0 / 1000.0;
    eprintln!(
        "one flow: goodput {g:.0} b/s = {:.4} of {capacity}",
        g / capacity
    );
    assert!(
        g > 0.97 * capacity && g <= capacity * 1.0001,
        "goodput {g} of {capacity}"
    );
    // It got there by congestion control, not by luck: the buffer overflowed and the sender
    // recovered by fast retransmit.
    let t = net.tcp_stats()[0];
    assert!(t.sender.fast_retransmits >= 3, "{t:?}");
}

#[test]
fn two_flows_share_a_bottleneck_fairly() {
    // The second flow joins 2 s late, into a link the first one already fills.
    let text = dumbbell(2, "65s", "buffer = 40", "rwnd = 1000", None)
        .replace("name = \"f1\"", "name = \"f1\"\nstart = \"2s\"");
    let s = parse(&text);
    let net = run(&s, 0);
    let g = goodputs(&s, &net);
    let jain = g.iter().sum::<f64>().powi(2) / (2.0 * g.iter().map(|x| x * x).sum::<f64>());
    eprintln!("two flows: Jain {jain:.4}, goodputs {g:?}");
    assert!(jain > 0.9, "Jain index {jain}: goodputs {g:?}");
    // And together they still fill the link.
    assert!(g.iter().sum::<f64>() > 0.95 * 9.6e6, "{g:?}");
}

#[test]
fn a_single_loss_gives_one_fast_retransmit_and_halves_the_window() {
    // Window-limited at 40 segments (rwnd) with a 1000-packet buffer: no congestion loss at all;
    // segment 500 is lost once.
    let s = parse(&dumbbell(
        1,
        "20s",
        "buffer = 1000",
        "rwnd = 40\ndrop_segments = [500]",
        None,
    ));
    let net = run(&s, 0);
    let c = net.tcp_conn(0).expect("tcp flow");
    let st = c.sender.stats;
    assert_eq!(st.fast_retransmits, 1, "{st:?}");
    assert_eq!(st.retransmits, 1, "{st:?}");
    assert_eq!(st.timeouts, 0, "{st:?}");
    assert_eq!(net.counters.dropped(), 1);
    assert_eq!(
        c.receiver.stats.duplicates, 0,
        "nothing was retransmitted needlessly"
    );
    let fr = c.sender.log[0];
    assert_eq!(fr.kind, CongestionKind::FastRetransmit);
    assert_eq!(fr.snd_una, 500);
    assert_eq!(fr.flight, 40, "window-limited at rwnd");
    assert_eq!(fr.ssthresh, 20.0, "ssthresh = FlightSize / 2");
    assert_eq!(fr.cwnd_after, 23.0, "cwnd = ssthresh + 3 while recovering");
    let end = c.sender.log[1];
    assert_eq!(end.kind, CongestionKind::RecoveryEnd);
    assert_eq!(
        end.cwnd_after, 20.0,
        "the window after recovery is half the one before"
    );
    assert_eq!(c.sender.log.len(), 2, "{:?}", c.sender.log);
}

#[test]
fn an_outage_triggers_timeouts_with_exponential_backoff() {
    // Everything leaving r->b in [10 s, 16 s) is lost.
    let s = parse(&dumbbell(
        1,
        "30s",
        "buffer = 30\noutage = [\"10s\", \"16s\"]",
        "rwnd = 1000\nmin_rto = \"200ms\"",
        None,
    ));
    let net = run(&s, 0);
    let c = net.tcp_conn(0).expect("tcp flow");
    let timeouts: Vec<_> = c
        .sender
        .log
        .iter()
        .filter(|e| e.kind == CongestionKind::Timeout && e.time >= 10 * time::S)
        .collect();
    eprintln!(
        "outage: timeouts at {:?} s, RTO {:?} ms",
        timeouts
            .iter()
            .map(|e| e.time as f64 * 1e-9)
            .collect::<Vec<_>>(),
        timeouts
            .iter()
            .map(|e| e.rto / time::MS)
            .collect::<Vec<_>>()
    );
    assert!(timeouts.len() >= 4, "{timeouts:?}");
    // Each expiry doubles the RTO, and the next one comes that RTO later.
    for w in timeouts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.time > 16 * time::S + a.rto {
            break;
        }
        assert_eq!(b.rto, 2 * a.rto, "{a:?} {b:?}");
        assert_eq!(b.time - a.time, a.rto, "{a:?} {b:?}");
        assert_eq!(b.cwnd_after, 1.0);
    }
    // The connection comes back: data is delivered after the outage.
    assert!(c.receiver.stats.delivered > c.sender.log[0].snd_una + 1000);
}

#[test]
fn throughput_under_random_loss_follows_the_square_root_law() {
    // Mathis et al. (1997): goodput = MSS / RTT x C / sqrt(p), C = sqrt(3/2) for one ACK per
    // segment. A 100 Mb/s path (never the limit) with a 100 ms RTT and Bernoulli loss p on the
    // data. Tolerance: the law ignores timeouts and NewReno's slow recovery from several
    // losses in one window, which both lower the goodput as p grows, and random (not periodic)
    // losses; the measured ratio is 0.85-1.0 here, asserted within [0.75, 1.15].
    let c = (1.5f64).sqrt();
    let mut ratios = Vec::new();
    for p in [0.005f64, 0.01, 0.02] {
        let text = format!(
            r#"
name = "mathis"
warmup = "10s"
duration = "310s"
[[node]]
name = "a"
kind = "host"
[[node]]
name = "b"
kind = "host"
[[link]]
from = "a"
to = "b"
bandwidth = "100Mbps"
delay = "50ms"
loss = {p}
[[link]]
from = "b"
to = "a"
bandwidth = "100Mbps"
delay = "50ms"
[[flow]]
name = "f"
route = ["a", "b"]
ack_route = ["b", "a"]
model = "tcp"
rwnd = 10000
min_rto = "200ms"
"#
        );
        let s = parse(&text);
        let net = run(&s, 0);
        let g = goodputs(&s, &net)[0];
        let rtt = 0.1 + 2.0 * 1000.0 * 8.0 / 100e6;
        let law = 960.0 * 8.0 / rtt * c / p.sqrt();
        ratios.push((p, g / law));
    }
    eprintln!("Mathis: goodput / law = {ratios:?}");
    for &(p, r) in &ratios {
        assert!(
            (0.75..=1.15).contains(&r),
            "p = {p}: goodput / law = {r} ({ratios:?})"
        );
    }
}

#[test]
fn every_byte_is_delivered_exactly_once_in_order() {
    // The hardest case the model has: a mix reorders data and ACKs, the bottleneck loses 2 % at
    // random and overflows; delayed ACKs on.
    let s = parse(&dumbbell(
        2,
        "25s",
        "buffer = 20\nloss = 0.02",
        "rwnd = 200\nmin_rto = \"200ms\"\ndelayed_ack = true",
        Some("5ms"),
    ));
    let mut net = Network::new(&s.topology(), 3, 0, tap_setup(&s, false));
    for f in 0..2 {
        net.tcp_conn_mut(f).expect("tcp").receiver.app_log = Some(Vec::new());
    }
    net.simulate(BinaryHeapQueue::default());
    for f in 0..2 {
        let c = net.tcp_conn(f).expect("tcp");
        let r = &c.receiver;
        let log = r.app_log.as_ref().expect("enabled");
        // Segment k carries bytes [k MSS, (k+1) MSS): the application got segments 0, 1, 2, ...
        // each once, so every byte once and in order.
        assert!(log.iter().copied().eq(0..log.len() as u64), "flow {f}");
        assert_eq!(r.rcv_nxt(), log.len() as u64);
        assert_eq!(r.stats.delivered, log.len() as u64);
        // What arrived is what was delivered, plus duplicates, plus what is held out of order.
        assert_eq!(
            r.stats.segments_received,
            r.stats.delivered + r.stats.duplicates + r.held() as u64
        );
        // Nothing is acknowledged that was not delivered, nothing delivered that was not sent.
        assert!(c.sender.snd_una() <= r.rcv_nxt() && r.rcv_nxt() <= c.sender.snd_max());
        // The scenario did exercise loss, reordering and retransmission.
        assert!(c.sender.stats.retransmits > 10 && r.stats.out_of_order > 10);
        assert!(log.len() > 1000, "{}", log.len());
    }
    let k = net.counters;
    assert_eq!(k.created, k.delivered + k.dropped() + k.in_flight());
    assert_eq!(k.in_flight(), net.live_packets());
}

#[test]
fn mix_reordering_makes_duplicate_acks_and_spurious_retransmits() {
    // No loss anywhere (huge buffers): every retransmission the sender makes is spurious, caused
    // by the mix reordering segments into duplicate ACKs.
    let text = |mix| dumbbell(1, "25s", "buffer = 10000", "rwnd = 100", mix);
    let mixed = parse(&text(Some("20ms")));
    let plain = parse(&text(None));
    // Every tap watched (the scenario has no attack, which would watch nothing).
    let net = Network::run(&mixed.topology(), 1, 0, tap_setup(&mixed, true)).0;
    assert_eq!(net.counters.dropped(), 0);
    let t = net.tcp_stats()[0];
    // About one segment in three arrives out of order, and one in thirty is sent again.
    assert!(t.sender.dup_acks > 200, "{t:?}");
    assert!(t.sender.fast_retransmits > 20, "{t:?}");
    assert!(
        t.receiver.out_of_order > t.receiver.segments_received / 5,
        "{t:?}"
    );
    // Spurious: the receiver already had them.
    assert!(t.receiver.duplicates >= t.sender.fast_retransmits, "{t:?}");
    // ... and each cut the window: the mixed flow gets a fraction of the plain one's goodput.
    let g_mixed = goodputs(&mixed, &net)[0];
    let plain_net = run(&plain, 0);
    let g_plain = goodputs(&plain, &plain_net)[0];
    assert_eq!(plain_net.tcp_stats()[0].sender.fast_retransmits, 0);
    assert!(g_mixed < 0.5 * g_plain, "{g_mixed} vs {g_plain}");
    // ACKs are real packets: the reverse link's tap saw them, one per ACK sent.
    let back = mixed.link_index("b->r").expect("link");
    let seen: u32 = net.links[back]
        .tap
        .view()
        .counts(TapPoint::Depart)
        .iter()
        .sum();
    assert!(seen > 0);
    assert_eq!(net.links[back].stats.offered, t.receiver.acks_sent);
    eprintln!("mix reordering: {t:?}; goodput {g_mixed:.0} vs {g_plain:.0} without the mix");
}

#[test]
fn delayed_acks_halve_the_ack_count() {
    let s = parse(&dumbbell(
        1,
        "15s",
        "buffer = 1000",
        "rwnd = 20\ndelayed_ack = true",
        None,
    ));
    let t = run(&s, 0).tcp_stats()[0];
    let ratio = t.receiver.acks_sent as f64 / t.receiver.segments_received as f64;
    assert!((0.5..0.52).contains(&ratio), "{ratio}: {t:?}");
    let s = parse(&dumbbell(1, "15s", "buffer = 1000", "rwnd = 20", None));
    let t = run(&s, 0).tcp_stats()[0];
    assert_eq!(t.receiver.acks_sent, t.receiver.segments_received);
}

#[test]
fn same_seed_same_tcp_trial() {
    let s = parse(&dumbbell(
        2,
        "12s",
        "buffer = 20\nloss = 0.01",
        "rwnd = 100",
        Some("10ms"),
    ));
    let a = run(&s, 4);
    let b = run(&s, 4);
    assert_eq!(a.tcp_stats(), b.tcp_stats());
    assert_eq!(a.counters, b.counters);
}

/// Scenario errors of TCP flows: each names the file, line, key and what was expected.
mod errors {
    use mixsim::scenario::{Scenario, ScenarioError};
    use std::path::Path;

    const BASE: &str = r#"name = "t"
[[node]]
name = "a"
kind = "host"
[[node]]
name = "b"
kind = "host"
[[link]]
from = "a"
to = "b"
bandwidth = "10Mbps"
[[link]]
from = "b"
to = "a"
bandwidth = "10Mbps"
[[flow]]
name = "f"
route = ["a", "b"]
model = "tcp"
ack_route = ["b", "a"]
"#;

    fn error(text: &str) -> ScenarioError {
        Scenario::parse(text, Path::new("x.toml"), &[]).expect_err("should be rejected")
    }

    /// The error for BASE with `line` appended to the flow (or replacing `from` by `to`).
    fn check(from: &str, to: &str, key: &str, line: usize, says: &str) {
        assert!(BASE.contains(from));
        let e = error(&BASE.replace(from, to));
        let text = e.to_string();
        assert_eq!(e.key(), Some(key), "{text}");
        assert!(text.starts_with(&format!("x.toml:{line}:")), "{text}");
        assert!(text.contains(says), "{text}");
    }

    #[test]
    fn base_is_valid_and_resolves_tcp() {
        let s = Scenario::parse(BASE, Path::new("x.toml"), &[]).expect("valid");
        let p = s.flows[0].traffic.tcp().expect("tcp");
        assert_eq!((p.mss, s.flows[0].size, p.rwnd), (960, 1000, 68));
        assert_eq!(s.flows[0].ack_links, vec![1]);
        let s = Scenario::parse(
            &BASE.replace(
                "model = \"tcp\"",
                "model = \"tcp\"\nmss = \"1460B\"\nrwnd = 10",
            ),
            Path::new("x.toml"),
            &[],
        )
        .expect("valid");
        let p = s.flows[0].traffic.tcp().expect("tcp");
        assert_eq!((p.mss, s.flows[0].size, p.rwnd), (1460, 1500, 10));
    }

    #[test]
    fn missing_ack_route_suggests_the_reverse() {
        check(
            "ack_route = [\"b\", \"a\"]\n",
            "",
            "flow[0].ack_route",
            16,
            "needs ack_route, the route of its ACKs from the receiver back to the sender, like ack_route = [\"b\", \"a\"]",
        );
    }

    #[test]
    fn ack_route_must_return_to_the_sender() {
        check(
            "ack_route = [\"b\", \"a\"]",
            "ack_route = [\"a\", \"b\"]",
            "flow[0].ack_route",
            20,
            "expected an ACK route from the receiver \"b\" back to the sender \"a\"",
        );
        // A hop with no link: the reverse link is needed.
        let e = error(&BASE.replace(
            "[[link]]\nfrom = \"b\"\nto = \"a\"\nbandwidth = \"10Mbps\"\n",
            "",
        ));
        assert_eq!(e.key(), Some("flow[0].ack_route[1]"), "{e}");
        assert!(e.to_string().contains("no link from \"b\" to \"a\""), "{e}");
    }

    #[test]
    fn tcp_keys_only_on_tcp_flows_and_rate_not_on_them() {
        check(
            "model = \"tcp\"\nack_route = [\"b\", \"a\"]",
            "model = \"poisson\"\nrate = \"10pps\"\nrwnd = 10",
            "flow[0].rwnd",
            21,
            "`rwnd` applies only to model = \"tcp\"",
        );
        check(
            "model = \"tcp\"",
            "model = \"tcp\"\nrate = \"10pps\"",
            "flow[0].rate",
            20,
            "`rate` does not apply to model = \"tcp\"",
        );
    }

    #[test]
    fn bad_tcp_values() {
        let cases = [
            (
                "mss = \"1000B\"\nsize = \"1040B\"",
                "flow[0].mss",
                "either mss",
            ),
            (
                "size = \"40B\"",
                "flow[0].size",
                "expected a size above 40B",
            ),
            ("rwnd = \"500B\"", "flow[0].rwnd", "holds no whole segment"),
            ("rwnd = 0", "flow[0].rwnd", "at least 1 segment"),
            (
                "rwnd = \"64kib\"",
                "flow[0].rwnd",
                "units are case-sensitive",
            ),
            ("initial_cwnd = 0", "flow[0].initial_cwnd", "at least 1"),
            (
                "initial_ssthresh = 1",
                "flow[0].initial_ssthresh",
                "at least 2",
            ),
            ("min_rto = \"0s\"", "flow[0].min_rto", "above zero"),
            (
                "min_rto = \"2s\"\nmax_rto = \"1s\"",
                "flow[0].max_rto",
                "at least min_rto",
            ),
            (
                "ack_every = 3",
                "flow[0].ack_every",
                "only with delayed_ack = true",
            ),
            ("delayed_ack = \"yes\"", "flow[0].delayed_ack", "boolean"),
        ];
        for (extra, key, says) in cases {
            let e = error(&BASE.replace("model = \"tcp\"", &format!("model = \"tcp\"\n{extra}")));
            assert_eq!(e.key(), Some(key), "{extra}: {e}");
            assert!(e.to_string().contains(says), "{extra}: {e}");
            assert!(e.to_string().starts_with("x.toml:"), "{e}");
        }
    }

    #[test]
    fn outage_must_be_an_interval() {
        let e = error(&BASE.replace(
            "bandwidth = \"10Mbps\"\n[[flow]]",
            "bandwidth = \"10Mbps\"\noutage = [\"5s\", \"2s\"]\n[[flow]]",
        ));
        assert_eq!(e.key(), Some("link[1].outage"), "{e}");
        assert!(e.to_string().contains("from before until"), "{e}");
    }
}
