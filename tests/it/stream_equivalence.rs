//! The stream executor against the event engine: same taps (counts and traces at every point of
//! every link), counters, link statistics, latency histograms, event counts and packets left in
//! flight, on the open-loop reference scenarios and on random feed-forward networks.

use crate::common::{parse, scenario_path};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::stream::{self, Executor};
use mixsim::net::Network;
use mixsim::scenario::Scenario;
use mixsim::tap::TapPoint;

/// Run trial `trial` on both executors and assert that everything observable is identical.
/// Returns whether the stream executor ran the trial itself (rather than handing a tie it
/// cannot order to the engine).
fn assert_same(s: &Scenario, seed: u64, trial: u64) -> bool {
    let setup = tap_setup(s, true);
    let (ev, ev_events) = Network::run(s, seed, trial, setup.clone());
    let mut st = Network::new(s, seed, trial, setup);
    let plan = stream::plan(&st).expect("open loop");
    let Ok(st_events) = stream::run(&mut st, &plan) else {
        return false;
    };
    let (_, auto_events) = Network::run_on(s, seed, trial, tap_setup(s, true), Executor::Auto);
    assert_eq!(auto_events, ev_events);
    assert_eq!(st.counters, ev.counters, "counters, trial {trial}");
    assert_eq!(
        st.link_stats(),
        ev.link_stats(),
        "link stats, trial {trial}"
    );
    assert_eq!(st_events, ev_events, "events, trial {trial}");
    assert_eq!(
        st.live_packets(),
        ev.live_packets(),
        "in flight, trial {trial}"
    );
    for (i, (a, b)) in st.links.iter().zip(&ev.links).enumerate() {
        for p in TapPoint::ALL {
            assert_eq!(
                a.tap.view().counts(p),
                b.tap.view().counts(p),
                "link {i} {p:?}"
            );
            assert_eq!(
                a.tap.view().trace(p),
                b.tap.view().trace(p),
                "link {i} {p:?}"
            );
            assert_eq!(
                a.tap.ground_truth().flows[p as usize],
                b.tap.ground_truth().flows[p as usize]
            );
        }
    }
    let (a, b) = (&st.latency, &ev.latency);
    for (x, y) in [
        (&a.end_to_end, &b.end_to_end),
        (&a.mix_hold, &b.mix_hold),
        (&a.queueing, &b.queueing),
    ] {
        assert_eq!(x.len(), y.len());
        assert!(
            x.iter_recorded().eq(y.iter_recorded()),
            "latency, trial {trial}"
        );
    }
    true
}

#[test]
fn reference_scenarios() {
    for name in ["fig5-heavy", "fig5-light", "testbed-poisson"] {
        let path = scenario_path(&format!("{name}.toml"));
        // 30 s of traffic per trial keeps the test fast.
        let s = Scenario::load(&path, &["attack.sample_sizes=[10, 100, 2900]".into()]).unwrap();
        for trial in 0..2 {
            assert!(assert_same(&s, s.seed, trial), "{name}: no tie expected");
        }
    }
}

#[test]
fn tcp_is_refused() {
    let s = Scenario::load(&scenario_path("testbed-tcp.toml"), &[]).unwrap();
    let net = Network::new(&s, 1, 0, tap_setup(&s, false));
    assert!(matches!(
        stream::plan(&net),
        Err(stream::NotStreamable::Tcp(_))
    ));
}

/// Watermarkers placed on flows (at a relay and at a sender), symmetric unordered jitter and
/// interactive traffic: the placed stages' holds and releases match the engine's.
#[test]
fn placed_watermark_stages() {
    let mut text = String::from(
        "name = \"marks\"\nwarmup = \"0s\"\nduration = \"40s\"\npacket_size = \"100B\"\n",
    );
    for n in ["alice", "carol", "ss", "bob", "dave"] {
        text += &format!("[[node]]\nname = \"{n}\"\nkind = \"host\"\n");
    }
    text += "[[node]]\nname = \"mix\"\nkind = \"mix\"\nt_avg = \"5ms\"\n";
    for (f, t, extra) in [
        ("alice", "ss", ""),
        ("carol", "ss", ""),
        ("ss", "bob", "delay = \"60ms\"\njitter = \"9ms\"\njitter_model = \"symmetric\"\norder_preserving = false\n"),
        ("ss", "mix", ""),
        ("mix", "dave", ""),
    ] {
        text += &format!("[[link]]\nfrom = \"{f}\"\nto = \"{t}\"\nbandwidth = \"1Gbps\"\n{extra}");
    }
    text += "[[flow]]\nname = \"alice\"\nroute = [\"alice\", \"ss\", \"bob\"]\nmodel = \"interactive\"\nrate = \"4.4pps\"\nstart = \"1s\"\n";
    text += "[[flow]]\nname = \"carol\"\nroute = [\"carol\", \"ss\", \"mix\", \"dave\"]\nmodel = \"poisson\"\nrate = \"30pps\"\nstart = \"1s\"\n";
    text += "[[watermark]]\nname = \"mark\"\nflow = \"alice\"\nat = \"ss\"\nscheme = \"swirl\"\nkey_seed = 7\n";
    text += "[[watermark]]\nname = \"mark2\"\nflow = \"carol\"\nat = \"carol\"\nscheme = \"ibw\"\nkey_seed = 3\n";
    let s = parse(&text);
    for trial in 0..2 {
        assert!(assert_same(&s, 9, trial));
        let (a, _) = Network::run(&s, 9, trial, tap_setup(&s, false));
        let (b, _) = Network::run_on(&s, 9, trial, tap_setup(&s, false), Executor::Stream);
        for (x, y) in a.stages.iter().zip(&b.stages) {
            assert!(x.held.len() > 0);
            assert!(x.held.iter_recorded().eq(y.held.iter_recorded()));
        }
    }
}
