//! Sender cover (Loopix's drop and loop dummies) in the network: every dummy accounted for per
//! kind, drop dummies absorbed at their drop hop, loop dummies back at their sender, per-link
//! dummy counts equal to the ground truth, dummy streams at their rate, real flows' emissions
//! untouched by added cover, and both executors identical.

use mixsim::engine::time::{MS, S};
use mixsim::engine::SimTime;
use mixsim::net::columnar::{self, Ties};
use mixsim::net::link::{Padding, PaddingKind, DUMMY_FLOW};
use mixsim::net::plan;
use mixsim::net::tap::TapPoint;
use mixsim::net::{CoverKind, FlowId, LinkParams, MixStrategy, Network, TapSetup, Topology};
use mixsim::traffic::Traffic;

const SIZE: u32 = 500;
const DURATION: SimTime = 20 * S;
/// Flow ids: the real flows first, then the cover streams.
const ALICE: FlowId = 0;
const DROP: FlowId = 2;
const LOOP: FlowId = 3;

/// Link ids, in the order [`network`] adds them.
const ALICE_M1: usize = 0;
const M1_M2: usize = 2;
const M2_BOB: usize = 3;
const M2_ALICE: usize = 4;

/// alice and s2 -> m1 -> m2 -> bob through two exponential mixes; m2 -> alice closes alice's
/// loop. Real flows alice (50 pps) and noise (200 pps); with `cover`, alice's drop stream
/// (Poisson 30 pps, absorbed at m2) and loop stream (constant 25 pps, back to alice). `loss`
/// is m1->m2's loss (no propagation delay there, so a lost packet is a departure without an
/// arrival on its tap); `pad` pads m2->bob.
fn network(cover: bool, loss: f64, pad: bool) -> Topology {
    let mut t = Topology::new(0, DURATION);
    let alice = t.add_host("alice");
    let s2 = t.add_host("s2");
    let exp = MixStrategy::Exponential { mean_ns: 10e6 };
    let m1 = t.add_mix("m1", exp);
    let m2 = t.add_mix("m2", exp);
    let bob = t.add_host("bob");
    let link = LinkParams {
        delay: MS,
        ..LinkParams::new(100e6)
    };
    t.add_link(alice, m1, link.clone()).unwrap();
    t.add_link(s2, m1, link.clone()).unwrap();
    let lossy = LinkParams {
        delay: 0,
        loss,
        ..link.clone()
    };
    t.add_link(m1, m2, lossy).unwrap();
    let padding = pad.then_some(Padding {
        kind: PaddingKind::Constant,
        rate: 400.0,
        size: SIZE,
    });
    let padded = LinkParams {
        padding,
        ..link.clone()
    };
    t.add_link(m2, bob, padded).unwrap();
    t.add_link(m2, alice, link).unwrap();
    let poisson = |rate| Traffic::Poisson { rate };
    t.add_flow("alice", &[alice, m1, m2, bob], poisson(50.0), SIZE, 0)
        .unwrap();
    t.add_flow("noise", &[s2, m1, m2, bob], poisson(200.0), SIZE, 0)
        .unwrap();
    if cover {
        let drop = t.add_cover_flow(
            "alice-drop",
            &[alice, m1, m2],
            poisson(30.0),
            SIZE,
            0,
            CoverKind::Drop,
        );
        assert_eq!(drop, Ok(DROP));
        let constant = Traffic::Constant { rate: 25.0 };
        let looped = t.add_cover_flow(
            "alice-loop",
            &[alice, m1, m2, alice],
            constant,
            SIZE,
            0,
            CoverKind::Loop,
        );
        assert_eq!(looped, Ok(LOOP));
    }
    t
}

/// Trace every point of every link.
fn traced(t: &Topology) -> TapSetup {
    TapSetup {
        trace: true,
        ..TapSetup::counts(t, 10 * MS)
    }
}

/// Records of flow `flow` at `point` of link `link` (from ground truth).
fn labelled(net: &Network, link: usize, point: TapPoint, flow: FlowId) -> Vec<SimTime> {
    let tap = &net.links[link].tap;
    tap.view()
        .trace(point)
        .iter()
        .zip(&tap.ground_truth().flows[point as usize])
        .filter(|(_, &f)| f == flow)
        .map(|(r, _)| r.time)
        .collect()
}

fn count(net: &Network, link: usize, point: TapPoint, flow: FlowId) -> u64 {
    labelled(net, link, point, flow).len() as u64
}

#[test]
fn every_dummy_is_accounted_for_per_kind() {
    let t = network(true, 0.05, false);
    let (net, _) = Network::run(&t, 3, 0, traced(&t));
    let c = net.counters;
    for (kind, flow, last) in [
        (CoverKind::Drop, DROP, M1_M2),
        (CoverKind::Loop, LOOP, M2_ALICE),
    ] {
        let k = c.cover(kind);
        // Emitted = offered to the first link; delivered = arrived over the last one.
        assert_eq!(k.created, count(&net, ALICE_M1, TapPoint::Enqueue, flow));
        assert_eq!(k.delivered, count(&net, last, TapPoint::Arrive, flow));
        // Lost on m1->m2 (no delay: a departure without an arrival), the only lossy link.
        let lost =
            count(&net, M1_M2, TapPoint::Depart, flow) - count(&net, M1_M2, TapPoint::Arrive, flow);
        assert_eq!(k.dropped, lost, "{kind:?}");
        assert!(k.delivered > 0 && k.dropped > 0, "{kind:?}: {k:?}");
        assert_eq!(k.created, k.delivered + k.dropped + k.in_flight());
    }
    let real = c.real();
    assert_eq!(
        real.created + c.cover_drop.created + c.cover_loop.created,
        c.created
    );
    assert!(real.dropped > 0);
    let in_flight = real.in_flight() + c.cover_drop.in_flight() + c.cover_loop.in_flight();
    assert_eq!(in_flight, c.in_flight());
    assert_eq!(
        in_flight,
        net.live_packets(),
        "counted from the packet store"
    );
}

#[test]
fn drop_dummies_stop_at_their_drop_hop_and_loop_dummies_come_home() {
    let t = network(true, 0.0, false);
    let (net, _) = Network::run(&t, 5, 0, traced(&t));
    for p in TapPoint::ALL {
        for l in [ALICE_M1, M1_M2] {
            assert!(count(&net, l, p, DROP) > 0, "drop dummies on link {l}");
        }
        for l in [M2_BOB, M2_ALICE] {
            assert_eq!(count(&net, l, p, DROP), 0, "past the drop hop: link {l}");
        }
        for l in [ALICE_M1, M1_M2, M2_ALICE] {
            assert!(count(&net, l, p, LOOP) > 0, "loop dummies on link {l}");
        }
        assert_eq!(count(&net, M2_BOB, p, LOOP), 0);
        assert_eq!(count(&net, M2_ALICE, p, ALICE), 0, "real packets go to bob");
    }
    assert_eq!(
        net.counters.cover_loop.delivered,
        count(&net, M2_ALICE, TapPoint::Arrive, LOOP),
        "every loop dummy arriving over m2->alice is back home"
    );
}

#[test]
fn cover_streams_send_at_their_rate() {
    let t = network(true, 0.0, false);
    let trials = 20;
    let mut drops = 0;
    for trial in 0..trials {
        let (net, _) = Network::run(&t, 9, trial, TapSetup::counts(&t, 10 * MS));
        drops += net.counters.cover_drop.created;
        // Constant 25 pps from 0: one dummy every 40 ms, the first at 40 ms, before 20 s.
        assert_eq!(net.counters.cover_loop.created, 499);
    }
    // Poisson: trials x 30 pps x 20 s dummies, within 3.89 standard deviations (two-sided
    // 10^-4) of the mean.
    let mean = trials as f64 * 30.0 * 20.0;
    let bound = 3.89 * mean.sqrt();
    assert!(
        (drops as f64 - mean).abs() <= bound,
        "{drops} drop dummies, expected {mean} +- {bound:.0}"
    );
}

#[test]
fn link_counts_are_the_cover_packets_each_link_carried() {
    let t = network(true, 0.05, true);
    let (net, _) = Network::run(&t, 11, 0, traced(&t));
    let stats = net.link_stats();
    for (l, s) in stats.iter().enumerate() {
        let cover = count(&net, l, TapPoint::Depart, DROP) + count(&net, l, TapPoint::Depart, LOOP);
        assert_eq!(s.cover, cover, "link {l}");
        assert_eq!(s.cover_bytes, cover * SIZE as u64, "link {l}");
    }
    assert!(stats[M1_M2].cover > 0);
    // Padding dummies are counted apart, and only on the padded link.
    let padding = count(&net, M2_BOB, TapPoint::Depart, DUMMY_FLOW);
    assert!(padding > 0);
    assert_eq!(stats[M2_BOB].dummies, padding);
    assert_eq!(stats[M2_BOB].cover, 0);
    assert!(stats
        .iter()
        .enumerate()
        .all(|(l, s)| l == M2_BOB || s.dummies == 0));
}

#[test]
fn added_cover_leaves_the_real_flows_emissions_alone() {
    let (bare, with) = (network(false, 0.0, false), network(true, 0.0, false));
    let (a, _) = Network::run(&bare, 13, 2, traced(&bare));
    let (b, _) = Network::run(&with, 13, 2, traced(&with));
    for (flow, link) in [(ALICE, ALICE_M1), (1, 1)] {
        let before = labelled(&a, link, TapPoint::Enqueue, flow);
        assert!(!before.is_empty());
        assert_eq!(
            before,
            labelled(&b, link, TapPoint::Enqueue, flow),
            "flow {flow}"
        );
    }
    assert!(b.counters.cover_drop.created > 0 && a.counters.cover_drop.created == 0);
}

#[test]
fn both_executors_give_the_same_trial_with_cover() {
    let mut t = network(true, 0.05, true);
    t.set_latency_class(DROP, 1);
    t.set_latency_class(LOOP, 2);
    let (ev, ev_events) = Network::run(&t, 17, 1, traced(&t));
    let mut st = Network::new(&t, 17, 1, traced(&t));
    let plan = plan::plan(&st).expect("a loop back to its sender is no cycle");
    let stats = columnar::run(&mut st, &plan, Ties::Ancestry).expect("no undecided tie");
    assert_eq!(stats.events, ev_events);
    assert_eq!(st.counters, ev.counters);
    assert_eq!(st.link_stats(), ev.link_stats());
    assert_eq!(st.live_packets(), ev.live_packets());
    for (a, b) in st.links.iter().zip(&ev.links) {
        for p in TapPoint::ALL {
            assert_eq!(a.tap.view().trace(p), b.tap.view().trace(p));
            assert_eq!(a.tap.ground_truth().flows, b.tap.ground_truth().flows);
        }
    }
    assert_eq!(ev.latency_by_class.len(), 3);
    for (a, b) in st.latency_by_class.iter().zip(&ev.latency_by_class) {
        assert!(!a.end_to_end.is_empty());
        assert_eq!(a.end_to_end, b.end_to_end);
        assert_eq!(a.mix_hold, b.mix_hold);
    }
    // A loop dummy crosses two 1 ms links (m1->m2 has no delay) and two mixes (10 ms mean
    // holds); a drop dummy one such link and one mix: the round trip is longer on average by a
    // hold and a link.
    let (drop, looped) = (&ev.latency_by_class[1], &ev.latency_by_class[2]);
    assert_eq!(looped.end_to_end.len(), ev.counters.cover_loop.delivered);
    assert!(looped.end_to_end.min() >= 2 * MS);
    assert!(looped.end_to_end.mean() > drop.end_to_end.mean() + 5e6);
}

#[test]
fn a_cover_route_must_fit_its_kind() {
    let mut t = network(false, 0.0, false);
    let (alice, m1, m2) = (0, 2, 3);
    let poisson = Traffic::Poisson { rate: 1.0 };
    let mut add = |route: &[usize], kind| {
        t.add_cover_flow("c", route, poisson.clone(), SIZE, 0, kind)
            .is_ok()
    };
    assert!(
        !add(&[alice, m1, m2, alice], CoverKind::Drop),
        "ends at its sender"
    );
    assert!(!add(&[alice, m1, m2], CoverKind::Loop), "does not return");
    assert!(!add(&[alice, m1], CoverKind::Loop), "too short to return");
    assert!(add(&[alice, m1], CoverKind::Drop));
    assert!(add(&[alice, m1, m2, alice], CoverKind::Loop));
}
