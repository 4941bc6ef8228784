//! The columnar executor against the event engine: same taps (counts and traces at every point
//! of every link), counters, link statistics, latency histograms, event counts and packets left
//! in flight, on the open-loop reference scenarios (every mix strategy among them), placed
//! stages, ties between streams and random feed-forward networks.

use crate::common::{mixsim, parse, scenario_path};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::columnar::{self, Ties};
use mixsim::net::plan::{self, Executor};
use mixsim::net::tap::TapPoint;
use mixsim::net::ties::Stop;
use mixsim::net::Network;
use mixsim::scenario::Scenario;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

/// Which run finished a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The columnar executor without history (no tie between streams).
    Detect,
    /// The columnar executor with a short history, after a tie; the tie comparisons it made.
    Short(u64),
    /// The columnar executor with ancestry, after a tie the short history leaves open; the tie
    /// comparisons it made.
    Ancestry(u64),
    /// The event engine: ties the carried history does not order.
    Engine,
}

/// Run trial `trial` on the columnar executor, in both modes, and on the engine, and assert
/// that everything observable of each columnar run that finishes is the engine's; the default
/// dispatch gives the engine's event count too. Returns which run the dispatch takes.
fn path_of(s: &Scenario, seed: u64, trial: u64) -> Path {
    let setup = tap_setup(s, true);
    let (ev, ev_events) = Network::run(&s.topology(), seed, trial, setup.clone());
    let mut col = Network::new(&s.topology(), seed, trial, setup.clone());
    let plan = plan::plan(&col).expect("open loop");
    let detect = columnar::run(&mut col, &plan, Ties::Detect);
    match detect {
        Ok(stats) => assert_same_nets(&col, stats.events, &ev, ev_events, trial),
        Err(e) => assert_eq!(e, Stop::Tie, "without history a run stops at a tie"),
    }
    let mut sh = Network::new(&s.topology(), seed, trial, setup.clone());
    let short = columnar::run(&mut sh, &plan, Ties::Short);
    match short {
        Ok(stats) => assert_same_nets(&sh, stats.events, &ev, ev_events, trial),
        Err(e) => assert_eq!(
            e,
            Stop::Ambiguous,
            "with a short history a run stops undecided"
        ),
    }
    let mut anc = Network::new(&s.topology(), seed, trial, setup);
    let ancestry = columnar::run(&mut anc, &plan, Ties::Ancestry);
    if let Ok(stats) = ancestry {
        assert_same_nets(&anc, stats.events, &ev, ev_events, trial);
    }
    if let (Ok(_), Err(e)) = (short, ancestry) {
        panic!("trial {trial}: the full history stopped ({e}) where the short history did not");
    }
    let (_, auto_events) = Network::run_on(
        &s.topology(),
        seed,
        trial,
        tap_setup(s, true),
        Executor::Auto,
    );
    assert_eq!(auto_events, ev_events);
    match (detect, short, ancestry) {
        (Ok(_), _, Ok(_)) => Path::Detect,
        (Ok(_), _, Err(e)) => {
            panic!("trial {trial}: ancestry stopped ({e}) where detection did not")
        }
        (Err(_), Ok(stats), _) => Path::Short(stats.ties),
        (Err(_), Err(_), Ok(stats)) => Path::Ancestry(stats.ties),
        (Err(_), Err(_), Err(_)) => Path::Engine,
    }
}

/// Whether the columnar executor (either mode) ran trial `trial`, after checking its bytes.
fn assert_same(s: &Scenario, seed: u64, trial: u64) -> bool {
    path_of(s, seed, trial) != Path::Engine
}

/// Everything observable of two runs of one trial is identical.
fn assert_same_nets(st: &Network, st_events: u64, ev: &Network, ev_events: u64, trial: u64) {
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
}

/// The open-loop reference scenarios in scenarios/ (every mix strategy among them).
const REFERENCE: &[&str] = &[
    "fig5-heavy",
    "fig5-light",
    "testbed-poisson",
    "cascade",
    "mixnet",
    "defense-padding-constant",
    "defense-padding-poisson",
    "defense-binomial",
    "defense-threshold-or-timed",
    "defense-threshold-pool",
    "defense-threshold",
    "defense-timed-pool",
    "defense-timed",
];

/// Overrides setting the sample sizes of a reference scenario's attacks (the cascade's and the
/// mixnet's several attack tables are addressed by name).
fn sample_sizes(name: &str, sizes: &str) -> Vec<String> {
    match name {
        "cascade" => ["first-hop", "path"]
            .iter()
            .map(|t| format!("attack.{t}.sample_sizes={sizes}"))
            .collect(),
        "mixnet" => ["first-hop", "path", "supermix-all", "supermix-late"]
            .iter()
            .map(|t| format!("attack.{t}.sample_sizes={sizes}"))
            .collect(),
        _ => vec![format!("attack.sample_sizes={sizes}")],
    }
}

#[test]
fn reference_scenarios() {
    for name in REFERENCE {
        let path = scenario_path(&format!("{name}.toml"));
        // 30 s of traffic per trial keeps the test fast.
        let s = Scenario::load(&path, &sample_sizes(name, "[10, 100, 2900]")).unwrap();
        for trial in 0..2 {
            assert!(assert_same(&s, s.seed, trial), "{name}: no tie expected");
        }
    }
}

/// The columnar executor runs the first trial of every reference scenario (batch mixes
/// included) without history: no tie between streams there.
#[test]
fn columnar_runs_the_reference_scenarios_without_history() {
    for name in REFERENCE {
        let path = scenario_path(&format!("{name}.toml"));
        let s = Scenario::load(&path, &sample_sizes(name, "[10, 100, 2900]")).unwrap();
        let mut net = Network::new(&s.topology(), s.seed, 0, tap_setup(&s, true));
        let plan = plan::plan(&net).unwrap();
        let stats = columnar::run(&mut net, &plan, Ties::Detect);
        assert!(stats.is_ok(), "{name}: {stats:?}");
        assert!(net.counters.delivered > 0, "{name}");
    }
}

#[test]
fn tcp_is_refused() {
    let s = Scenario::load(&scenario_path("testbed-tcp.toml"), &[]).unwrap();
    let net = Network::new(&s.topology(), 1, 0, tap_setup(&s, false));
    assert!(matches!(
        plan::plan(&net),
        Err(plan::NotFeedForward::Tcp(_))
    ));
}

/// Two timed mixes with the same period feed a third mix over identical links: their flushes
/// reach it at the same nanoseconds, and the engine's order is read from the packets' earlier
/// arrival times. The stream executor must decide these ties itself, not hand them back.
#[test]
fn simultaneous_flushes_are_ordered_as_the_engine_orders_them() {
    let mut text = String::from(
        "name = \"ties\"\nwarmup = \"0.5s\"\nduration = \"4s\"\npacket_size = \"500B\"\n",
    );
    for (n, kind) in [("a", "host"), ("b", "host"), ("r", "host")] {
        text += &format!("[[node]]\nname = \"{n}\"\nkind = \"{kind}\"\n");
    }
    for m in ["m1", "m2"] {
        text += &format!(
            "[[node]]\nname = \"{m}\"\nkind = \"mix\"\nstrategy = \"timed\"\nt_avg = \"20ms\"\n"
        );
    }
    text += "[[node]]\nname = \"m3\"\nkind = \"mix\"\nt_avg = \"5ms\"\n";
    for (f, t) in [
        ("a", "m1"),
        ("b", "m2"),
        ("m1", "m3"),
        ("m2", "m3"),
        ("m3", "r"),
    ] {
        text += &format!(
            "[[link]]\nfrom = \"{f}\"\nto = \"{t}\"\nbandwidth = \"100Mbps\"\ndelay = \"1ms\"\n"
        );
    }
    for (f, m) in [("a", "m1"), ("b", "m2")] {
        text += &format!(
            "[[flow]]\nname = \"{f}\"\nroute = [\"{f}\", \"{m}\", \"m3\", \"r\"]\nmodel = \"poisson\"\nrate = \"300pps\"\n"
        );
    }
    let s = parse(&text);
    let (Path::Short(ties) | Path::Ancestry(ties)) = path_of(&s, 5, 0) else {
        panic!("ties met without history, decided from the carried history")
    };
    assert!(ties > 100, "the flushes collide ({ties} tie comparisons)");
}

/// Constant-rate flows in lockstep tie back past the carried history: the stream executor gives
/// the trial to the engine, and the result is still the engine's.
#[test]
fn lockstep_flows_fall_back_to_the_engine() {
    let mut text = String::from("name = \"lockstep\"\nwarmup = \"0.5s\"\nduration = \"2s\"\n");
    text += "[[node]]\nname = \"a\"\nkind = \"host\"\n[[node]]\nname = \"b\"\nkind = \"host\"\n";
    text += "[[node]]\nname = \"m\"\nkind = \"mix\"\nt_avg = \"5ms\"\n[[node]]\nname = \"r\"\nkind = \"host\"\n";
    for (f, t) in [("a", "m"), ("b", "m"), ("m", "r")] {
        text += &format!("[[link]]\nfrom = \"{f}\"\nto = \"{t}\"\nbandwidth = \"10Mbps\"\n");
    }
    for f in ["a", "b"] {
        text += &format!(
            "[[flow]]\nname = \"{f}\"\nroute = [\"{f}\", \"m\", \"r\"]\nmodel = \"constant\"\nrate = \"100pps\"\n"
        );
    }
    let s = parse(&text);
    assert!(
        !assert_same(&s, 1, 0),
        "lockstep ties are beyond the carried history"
    );
    let (auto, _) = Network::run_on(&s.topology(), 1, 0, tap_setup(&s, true), Executor::Auto);
    let (event, _) = Network::run(&s.topology(), 1, 0, tap_setup(&s, true));
    assert_eq!(auto.counters, event.counters);
    assert_eq!(auto.link_stats(), event.link_stats());
}

/// A random feed-forward network: senders, up to three layers of mixes or relays (cascades
/// when a layer has one node), receivers; random links (tiny buffers, loss, jitter with and
/// without order, outages), flows of every open-loop model including trace replay, and half
/// the time a watermarker placed on a flow at its sender or a relay. With `per_packet`, every
/// mix holds packets one by one (exponential, or timed in arrival order).
fn random_network(seed: u64, dir: &std::path::Path, per_packet: bool) -> String {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let pick =
        |rng: &mut rand_pcg::Pcg64Mcg, xs: &[&'static str]| xs[rng.random_range(0..xs.len())];
    let mut t = String::from(
        "name = \"random\"\nwarmup = \"0.3s\"\nduration = \"2.5s\"\npacket_size = \"600B\"\n",
    );
    let senders = rng.random_range(1..=3);
    let mut hosts: Vec<String> = (0..senders).map(|i| format!("s{i}")).collect();
    let mut routes = Vec::new();
    let receivers = rng.random_range(1..=2);
    let layers: Vec<Vec<String>> = (0..rng.random_range(1..=3))
        .map(|l| {
            (0..rng.random_range(1..=3))
                .map(|j| format!("m{l}{j}"))
                .collect()
        })
        .collect();
    for i in 0..senders {
        t += &format!("[[node]]\nname = \"s{i}\"\nkind = \"host\"\n");
    }
    for i in 0..receivers {
        t += &format!("[[node]]\nname = \"r{i}\"\nkind = \"host\"\n");
    }
    for layer in &layers {
        for m in layer {
            if rng.random_bool(0.2) {
                hosts.push(m.clone());
                t += &format!("[[node]]\nname = \"{m}\"\nkind = \"host\"\n");
            } else {
                let t_avg = pick(&mut rng, &["1ms", "5ms", "20ms"]);
                let k = rng.random_range(0..8);
                let strategy = match if per_packet { k % 3 } else { k } {
                    0 | 1 => format!("strategy = \"exponential\"\nt_avg = \"{t_avg}\""),
                    // A shuffled timed mix holds batches: per-packet only in arrival order.
                    2 if per_packet => {
                        format!("strategy = \"timed\"\nt_avg = \"{t_avg}\"\norder = \"arrival\"")
                    }
                    2 => format!("strategy = \"timed\"\nt_avg = \"{t_avg}\""),
                    3 => "strategy = \"threshold\"\nthreshold = 3".to_string(),
                    4 => format!(
                        "strategy = \"threshold-or-timed\"\nthreshold = 4\nt_avg = \"{t_avg}\""
                    ),
                    5 => format!("strategy = \"timed-pool\"\npool = 2\nt_avg = \"{t_avg}\""),
                    6 => "strategy = \"threshold-pool\"\nthreshold = 3\npool = 2".to_string(),
                    _ => format!(
                        "strategy = \"binomial\"\nt_avg = \"{t_avg}\"\nmu = 3.0\nsigma = 2.0"
                    ),
                };
                t += &format!("[[node]]\nname = \"{m}\"\nkind = \"mix\"\n{strategy}\n");
            }
        }
    }
    // Link -> offered bits per second (validation refuses overloaded links).
    let mut links = std::collections::BTreeMap::<(String, String), f64>::new();
    let mut flows = String::new();
    for f in 0..rng.random_range(1..=6) {
        let mut route = vec![format!("s{}", rng.random_range(0..senders))];
        for layer in &layers {
            if rng.random_bool(0.8) {
                route.push(layer[rng.random_range(0..layer.len())].clone());
            }
        }
        route.push(format!("r{}", rng.random_range(0..receivers)));
        let quoted: Vec<String> = route.iter().map(|n| format!("\"{n}\"")).collect();
        routes.push(route.clone());
        flows += &format!(
            "[[flow]]\nname = \"f{f}\"\nroute = [{}]\n",
            quoted.join(", ")
        );
        let bps: f64;
        flows += &match rng.random_range(0..5) {
            0 | 1 => {
                let rate = rng.random_range(20..400);
                bps = rate as f64 * 4800.0;
                format!("model = \"poisson\"\nrate = \"{rate}pps\"\n")
            }
            2 => {
                bps = 250.0 * 4800.0;
                format!(
                    "model = \"constant\"\nrate = \"{}\"\nstart = \"{}\"\n",
                    pick(&mut rng, &["100pps", "250pps"]),
                    pick(&mut rng, &["0s", "0.1s", "0.1000003s"])
                )
            }
            3 => {
                let rate = rng.random_range(50..500);
                bps = rate as f64 * 4800.0;
                format!("model = \"onoff\"\nrate = \"{rate}pps\"\non = \"0.2s\"\noff = \"0.3s\"\n")
            }
            _ => {
                let file = dir.join(format!("trace{f}.csv"));
                let mut csv = String::new();
                let (mut time, mut bytes) = (0.0, 0.0);
                for _ in 0..rng.random_range(50..400) {
                    // Microsecond times, some repeated, like a capture's.
                    time += rng.random_range(0..3000) as f64 * 1e-6;
                    let size = pick(&mut rng, &["200", "600", "1500"]);
                    bytes += size.parse::<f64>().unwrap();
                    csv += &format!("{time:.6},{size}\n");
                }
                bps = 8.0 * bytes / time.max(1e-3);
                std::fs::write(&file, csv).unwrap();
                format!(
                    "model = \"trace\"\nfile = \"{}\"\nstart = \"{}\"\n",
                    file.display(),
                    pick(&mut rng, &["0s", "0.25s"])
                )
            }
        };
        for w in route.windows(2) {
            *links.entry((w[0].clone(), w[1].clone())).or_default() += bps;
        }
    }
    for ((from, to), load) in links {
        let bandwidth = pick(&mut rng, &["2", "10", "100"]).parse::<f64>().unwrap() * 1e6;
        t += &format!(
            "[[link]]\nfrom = \"{from}\"\nto = \"{to}\"\nbandwidth = \"{:.0}bps\"\ndelay = \"{}\"\nbuffer = {}\n",
            bandwidth.max(1.5 * load),
            pick(&mut rng, &["0s", "1ms", "3ms"]),
            pick(&mut rng, &["1", "3", "1000", "1000"])
        );
        if rng.random_bool(0.3) {
            t += &format!("loss = {}\n", pick(&mut rng, &["0.01", "0.1"]));
        }
        if rng.random_bool(0.3) {
            t += &format!(
                "jitter = \"{}\"\njitter_model = \"{}\"\norder_preserving = {}\n",
                pick(&mut rng, &["100us", "2ms"]),
                pick(&mut rng, &["truncated", "symmetric"]),
                rng.random_bool(0.5)
            );
        }
        if rng.random_bool(0.2) {
            t += "outage = [\"1s\", \"1.2s\"]\n";
        }
    }
    // Now and then a watermarker on a flow, at its sender or at a relay host of its route.
    if rng.random_bool(0.5) {
        let f = rng.random_range(0..routes.len());
        let at: Vec<&String> = routes[f][..routes[f].len() - 1]
            .iter()
            .filter(|n| hosts.contains(n))
            .collect();
        let at = at[rng.random_range(0..at.len())];
        flows += &format!(
            "[[watermark]]\nname = \"w\"\nflow = \"f{f}\"\nat = \"{at}\"\nscheme = \"{}\"\nkey_seed = {}\n",
            pick(&mut rng, &["swirl", "ibw"]),
            rng.random_range(1..100)
        );
    }
    t + &flows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random feed-forward networks: every trial the stream executor runs is the engine's, bit for
    /// bit, and most do run on it (a trial it hands back is one with ties beyond its history).
    #[test]
    fn random_feed_forward_networks(seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let text = random_network(seed, dir.path(), false);
        let s = Scenario::parse(&text, &dir.path().join("random.toml"), &[])
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_same(&s, seed, 0);
    }

    /// Random feed-forward networks of per-packet mixes: the columnar executor takes them, and
    /// every trial it runs (a tie between streams hands the trial back) is the engine's.
    #[test]
    fn random_per_packet_networks(seed in any::<u64>()) {
        let dir = tempfile::tempdir().unwrap();
        let text = random_network(seed, dir.path(), true);
        let s = Scenario::parse(&text, &dir.path().join("random.toml"), &[])
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_same(&s, seed, 0);
    }
}

/// The other open-loop shipped scenarios: sender cover, placed watermarkers.
const WITH_STAGES_AND_COVER: &[&str] = &[
    "defense-cover-drop",
    "defense-cover-loop",
    "mfa",
    "swirl-compare",
    "swirl-mix",
    "swirl-stepping-stone",
];

/// `mixsim run` writes the same summary.json with either executor forced and with the default
/// choice, for every open-loop shipped scenario; a TCP scenario refuses `--engine stream`
/// with exit code 2 and the reason, and `check` says which executor a scenario gets.
#[test]
fn summary_json_bytes_are_the_same_on_both_executors() {
    let dir = tempfile::tempdir().unwrap();
    for name in REFERENCE {
        let path = scenario_path(&format!("{name}.toml"));
        let summary = |engine: Option<&str>| {
            let out = dir
                .path()
                .join(format!("{name}-{}", engine.unwrap_or("auto")));
            let mut cmd = mixsim();
            cmd.args([
                "run",
                path.to_str().unwrap(),
                "--trials",
                "3",
                "--quiet",
                "--jobs",
                "2",
            ]);
            for set in sample_sizes(name, "[10, 100, 1000]") {
                cmd.args(["--set", &set]);
            }
            cmd.args(["--out", out.to_str().unwrap()]);
            if let Some(e) = engine {
                cmd.args(["--engine", e]);
            }
            assert!(cmd.status().unwrap().success());
            std::fs::read(out.join("summary.json")).unwrap()
        };
        let event = summary(Some("event"));
        assert_eq!(summary(Some("stream")), event, "{name}");
        assert_eq!(summary(None), event, "{name}");
    }
    for name in WITH_STAGES_AND_COVER {
        let path = scenario_path(&format!("{name}.toml"));
        let summary = |engine: &str| {
            let out = dir.path().join(format!("{name}-{engine}"));
            let status = mixsim()
                .args(["run", path.to_str().unwrap(), "--trials", "3", "--quiet"])
                .args(["--jobs", "2", "--engine", engine, "--out"])
                .arg(&out)
                .status()
                .unwrap();
            assert!(status.success(), "{name}");
            std::fs::read(out.join("summary.json")).unwrap()
        };
        assert_eq!(summary("columnar"), summary("event"), "{name}");
    }
    let tcp = scenario_path("testbed-tcp.toml");
    let o = mixsim()
        .args([
            "run",
            tcp.to_str().unwrap(),
            "--engine",
            "stream",
            "--trials",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is TCP"), "{err}");
    let check = |p: &std::path::Path| {
        let o = mixsim()
            .args(["check", p.to_str().unwrap()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(check(&tcp).contains("executor: event engine (flow \"alice\" is TCP"));
    assert!(check(&scenario_path("fig5-heavy.toml")).contains("executor: stream"));
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
        let (a, _) = Network::run(&s.topology(), 9, trial, tap_setup(&s, false));
        let (b, _) = Network::run_on(
            &s.topology(),
            9,
            trial,
            tap_setup(&s, false),
            Executor::Stream,
        );
        for (x, y) in a.stages.iter().zip(&b.stages) {
            assert!(!x.held.is_empty());
            assert!(x.held.iter_recorded().eq(y.held.iter_recorded()));
        }
    }
}

/// Latency split by flow class: both executors give the same histograms per class, and the
/// classes add up to the all-flows histograms of an unsplit run.
#[test]
fn latency_classes() {
    let s = Scenario::load(
        &scenario_path("mixnet.toml"),
        &sample_sizes("mixnet", "[10, 100, 2900]"),
    )
    .unwrap();
    let mut topo = s.topology();
    let (whole, _) = Network::run(&topo, s.seed, 0, tap_setup(&s, false));
    for f in 0..topo.flows.len() {
        topo.set_latency_class(f as u32, (f % 2) as u32);
    }
    let (ev, _) = Network::run_on(&topo, s.seed, 0, tap_setup(&s, false), Executor::Event);
    let mut st = Network::new(&topo, s.seed, 0, tap_setup(&s, false));
    let plan = plan::plan(&st).unwrap();
    columnar::run(&mut st, &plan, Ties::Detect).expect("no tie");
    assert_eq!(ev.latency_by_class.len(), 2);
    for (a, b) in ev.latency_by_class.iter().zip(&st.latency_by_class) {
        assert!(!a.end_to_end.is_empty(), "each class has delivered packets");
        assert_eq!(a.end_to_end, b.end_to_end);
        assert_eq!(a.mix_hold, b.mix_hold);
        assert_eq!(a.queueing, b.queueing);
    }
    for l in [&ev.latency, &st.latency] {
        assert_eq!(l.end_to_end, whole.latency.end_to_end);
        assert_eq!(l.mix_hold, whole.latency.mix_hold);
        assert_eq!(l.queueing, whole.latency.queueing);
    }
    assert_ne!(
        ev.latency_by_class[0].end_to_end, ev.latency_by_class[1].end_to_end,
        "the classes hold different flows' packets"
    );
}

/// Random feed-forward networks of every mix strategy, a fixed set of seeds: the columnar
/// executor finishes every trial (none goes to the engine), most without history, some only
/// with it (ties between streams: constant-rate flows, traces with repeated times), and the
/// short history decides some of those.
#[test]
fn random_networks_run_columnar_with_and_without_history() {
    for per_packet in [false, true] {
        let (mut detect, mut short, mut ancestry, mut engine) = (0, 0, 0, 0);
        for seed in 0..64u64 {
            let dir = tempfile::tempdir().unwrap();
            let text = random_network(seed, dir.path(), per_packet);
            let s = Scenario::parse(&text, &dir.path().join("random.toml"), &[]).unwrap();
            match path_of(&s, seed, 0) {
                Path::Detect => detect += 1,
                Path::Short(ties) => {
                    assert!(ties > 0, "seed {seed}");
                    short += 1
                }
                Path::Ancestry(ties) => {
                    assert!(ties > 0, "seed {seed}");
                    ancestry += 1
                }
                Path::Engine => engine += 1,
            }
        }
        let history = short + ancestry;
        assert!(
            engine == 0 && short > 0 && detect > history,
            "per packet {per_packet}: detect {detect}, short {short}, ancestry {ancestry}, engine {engine}"
        );
    }
}
