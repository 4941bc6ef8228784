//! Watermarkers as network elements: the `[[watermark]]` table (strict validation), the
//! stage it places on one flow, and the symmetric link jitter of the watermark analyses.

use crate::common::parse;
use mixsim::engine::time::MS;
use mixsim::net::tap::TapPoint;
use mixsim::net::{Network, TapSetup};
use mixsim::scenario::Scenario;
use mixsim::watermark::SwirlDetector;
use std::path::Path;

/// A stepping stone: alice -> ss -> bob (marked at ss), and carol -> ss -> dave through the
/// same host, unmarked; `extra` is appended (more tables).
fn stepping(extra: &str) -> String {
    format!(
        r#"
name = "stepping"
warmup = "0s"
duration = "132s"
packet_size = "100B"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "carol"
kind = "host"
[[node]]
name = "ss"
kind = "host"
[[node]]
name = "bob"
kind = "host"
[[node]]
name = "dave"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
t_avg = "5ms"
[[link]]
from = "alice"
to = "ss"
bandwidth = "1Gbps"
[[link]]
from = "carol"
to = "ss"
bandwidth = "1Gbps"
[[link]]
from = "ss"
to = "bob"
bandwidth = "1Gbps"
delay = "60ms"
jitter = "9ms"
jitter_model = "symmetric"
order_preserving = false
[[link]]
from = "ss"
to = "mix"
bandwidth = "1Gbps"
[[link]]
from = "mix"
to = "dave"
bandwidth = "1Gbps"
[[flow]]
name = "alice"
route = ["alice", "ss", "bob"]
model = "interactive"
rate = "4.4pps"
start = "1s"
[[flow]]
name = "carol"
route = ["carol", "ss", "mix", "dave"]
model = "poisson"
rate = "9.5pps"
start = "1s"
{extra}
"#
    )
}

const MARK: &str = r#"
[[watermark]]
name = "mark"
flow = "alice"
at = "ss"
scheme = "swirl"
key_seed = 7
"#;

fn load_err(text: &str, sets: &[&str]) -> mixsim::scenario::ScenarioError {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match Scenario::parse(text, Path::new("inline.toml"), &sets) {
        Ok(_) => panic!("should be refused"),
        Err(e) => e,
    }
}

#[test]
fn watermark_table_places_a_scheme_on_a_flow() {
    let s = parse(&stepping(MARK));
    assert_eq!(s.watermarks.len(), 1);
    let w = &s.watermarks[0];
    assert_eq!((w.name.as_str(), w.flow, w.hop), ("mark", 0, 1));
    let mixsim::watermark::WatermarkConfig::Swirl(p) = &w.config else {
        panic!("swirl")
    };
    assert_eq!((p.n, p.eta, p.key_seed), (32, 12, 7));
    // Overrides address a watermark by name.
    let s = Scenario::parse(
        &stepping(MARK),
        Path::new("inline.toml"),
        &["watermark.mark.eta=14".into()],
    )
    .unwrap();
    let mixsim::watermark::WatermarkConfig::Swirl(p) = &s.watermarks[0].config else {
        panic!()
    };
    assert_eq!(p.eta, 14);
}

#[test]
fn watermark_table_is_strict() {
    // Each case: extra lines after `key_seed = 7`, the expected key, words of the message, and
    // the expected line of the error (counted from the scenario text).
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "taw = 0.4",
            "watermark[0].taw",
            &["unknown key \"taw\"", "tau"],
        ),
        (
            "eta = \"12\"",
            "watermark[0].eta",
            &["expected a whole number"],
        ),
        (
            "eta = 40",
            "watermark[0].eta",
            &["expected 1..=n (32), got 40"],
        ),
        ("m = 1", "watermark[0].m", &["expected 2..=255"]),
        (
            "bits = 8",
            "watermark[0].bits",
            &["not a parameter of scheme = \"swirl\""],
        ),
        (
            "embedding = \"flat\"",
            "watermark[0].embedding",
            &["unknown value \"flat\""],
        ),
        ("interval = \"2\"", "watermark[0].interval", &["unit"]),
    ];
    for (line, key, words) in cases {
        let text = stepping(&format!("{MARK}{line}\n"));
        let e = load_err(&text, &[]);
        assert_eq!(e.key(), Some(*key), "{line}: {e}");
        for w in *words {
            assert!(e.to_string().contains(w), "{line}: {e}");
        }
        let (l, _) = e.line_col().expect("located");
        let want = text.lines().position(|t| t == *line).unwrap() + 1;
        assert_eq!(l, want, "{line}: {e}");
        assert!(e.to_string().starts_with("inline.toml:"), "{e}");
    }
    // Placement errors.
    let placed: &[(&str, &str, &str)] = &[
        (
            "flow = \"alice\"",
            "flow = \"alcie\"",
            "did you mean \"alice\"",
        ),
        (
            "at = \"ss\"",
            "at = \"dave\"",
            "not on flow \"alice\"'s route",
        ),
        ("at = \"ss\"", "at = \"bob\"", "receiver"),
        (
            "scheme = \"swirl\"",
            "scheme = \"swril\"",
            "unknown value \"swril\"",
        ),
    ];
    for (from, to, words) in placed {
        let e = load_err(&stepping(&MARK.replace(from, to)), &[]);
        assert!(e.to_string().contains(words), "{to}: {e}");
        assert!(e.line_col().is_some(), "{e}");
    }
    let on_mix = MARK
        .replace("flow = \"alice\"", "flow = \"carol\"")
        .replace("at = \"ss\"", "at = \"mix\"");
    let e = load_err(&stepping(&on_mix), &[]);
    assert!(e.to_string().contains("is a mix"), "{e}");
    let twice = format!("{MARK}{}", MARK.replace("\"mark\"", "\"other\""));
    assert!(load_err(&stepping(&twice), &[])
        .to_string()
        .contains("one watermark per flow"));
    let dup = format!(
        "{MARK}{}",
        MARK.replace("flow = \"alice\"", "flow = \"carol\"")
    );
    assert!(load_err(&stepping(&dup), &[])
        .to_string()
        .contains("defined twice"));
    // Another scheme's keys, and overrides of unknown keys.
    let ibw = MARK.replace("\"swirl\"", "\"ibw\"") + "eta = 12\n";
    assert!(load_err(&stepping(&ibw), &[])
        .to_string()
        .contains("not a parameter of scheme = \"ibw\""));
    let e = load_err(&stepping(MARK), &["watermark.mark.taw=0.4"]);
    assert!(e.to_string().contains("taw"), "{e}");
}

#[test]
fn interactive_flows_are_validated() {
    let text = stepping("").replace("rate = \"9.5pps\"", "rate = \"9.5pps\"\nthink_prob = 0.2");
    let e = load_err(&text, &[]);
    assert_eq!(e.key(), Some("flow[1].think_prob"), "{e}");
    assert!(e.to_string().contains("model = \"interactive\""), "{e}");
    let text = stepping("").replace("rate = \"4.4pps\"", "rate = \"4.4pps\"\nthink_prob = 1.5");
    let e = load_err(&text, &[]);
    assert_eq!(e.key(), Some("flow[0].think_prob"), "{e}");
    assert!(e.to_string().contains("expected (0, 1)"), "{e}");
}

#[test]
fn link_jitter_model_is_validated() {
    let text = stepping("").replace("delay = \"60ms\"\njitter = \"9ms\"\n", "delay = \"60ms\"\n");
    let e = load_err(&text, &[]);
    assert_eq!(e.key(), Some("link[2].jitter_model"), "{e}");
    let e = load_err(&stepping("").replace("\"symmetric\"", "\"gaussian\""), &[]);
    assert!(e.to_string().contains("truncated, symmetric"), "{e}");
}

/// Run one trial with full traces on every link.
fn run(s: &Scenario, trial: u64) -> Network {
    let taps = TapSetup {
        interval: s.duration,
        bins: 1,
        trace: true,
        points: vec![[true; 3]; s.links.len()],
    };
    Network::run(&s.topology(), 3, trial, taps).0
}

#[test]
fn the_watermarker_delays_only_its_flow_within_the_design_bound() {
    let s = parse(&stepping(MARK));
    let net = run(&s, 0);
    assert_eq!(net.stages.len(), 1);
    let held = &net.stages[0].held;
    // Every alice packet went through the stage and none of carol's: alice's packets are the
    // ones entering ss on alice->ss.
    let alice_in = net.links[0].tap.view().trace(TapPoint::Arrive).len() as u64;
    assert!(alice_in > 400, "{alice_in}");
    assert_eq!(held.len(), alice_in);
    // 160 ms is the design bound T/r (2 - 2/m); the histogram keeps 3 significant digits.
    assert!(
        held.max() as f64 <= 160.0 * MS as f64 * 1.001,
        "{}",
        held.max()
    );
    assert!(held.value_at_quantile(0.9) >= 40 * MS, "it delays");
    // carol's packets leave ss (on ss->mix) exactly when they arrive there (1 Gbps links,
    // 100-byte packets: 800 ns of transmission, no queue at 9.5 pkt/s).
    let into_ss = net.links[1].tap.view().trace(TapPoint::Arrive);
    let out_of_ss = net.links[3].tap.view().trace(TapPoint::Enqueue);
    assert_eq!(into_ss.len(), out_of_ss.len());
    for (a, b) in into_ss.iter().zip(out_of_ss) {
        assert_eq!(a.time, b.time);
    }
}

#[test]
fn swirl_detects_the_marked_flow_after_a_symmetric_jitter_path() {
    // Detector synchronised with the watermarker: the grid starts at the first packet's
    // departure from ss plus the path's fixed delay (60 ms). SWIRL's analysis at 4.4 pkt/s and
    // 9 ms puts FN at eta = 12 below 1e-3 (Poisson); the interactive flow of this scenario
    // loses ~16 % of its pairs to empty intervals and still reaches eta with a wide margin.
    let s = parse(&stepping(MARK));
    let mixsim::watermark::WatermarkConfig::Swirl(p) = &s.watermarks[0].config else {
        panic!()
    };
    let det = SwirlDetector::new(p.clone());
    for trial in 0..5 {
        let net = run(&s, trial);
        let link = &net.links[2].tap;
        let first = link.view().trace(TapPoint::Depart)[0].time;
        let at_bob: Vec<u64> = link
            .view()
            .trace(TapPoint::Arrive)
            .iter()
            .map(|r| r.time)
            .collect();
        // Taps hand out traces in time order (the jitter reorders packets on the way).
        assert!(at_bob.windows(2).all(|w| w[0] <= w[1]));
        let d = det.detect_at(&at_bob, first + 60 * MS);
        assert!(d.watermarked && d.detected >= 18, "trial {trial}: {d:?}");
        // The same detector on the unmarked flow (carol, at dave) finds a few intervals.
        let at_dave: Vec<u64> = net.links[4]
            .tap
            .view()
            .trace(TapPoint::Arrive)
            .iter()
            .map(|r| r.time)
            .collect();
        let u = det.detect_at(&at_dave, at_dave[0]);
        assert!(!u.watermarked, "trial {trial}: {u:?}");
    }
}

/// `mixsim check` refuses unknown keys in watermark and watermark-attack tables, with the key
/// and a suggestion, exit status 2.
#[test]
fn check_refuses_unknown_keys_in_watermark_and_attack_tables() {
    let dir = std::env::temp_dir().join(format!("mixsim-wm-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let attack =
        "\n[[attack]]\nkind = \"watermark\"\nwatermark = \"mark\"\nobserve = [\"ss->bob\"]\n";
    for (extra, key, hint) in [
        (
            format!("{MARK}taw = 0.4\n"),
            "watermark[0].taw",
            "did you mean \"tau\"",
        ),
        (
            format!("{MARK}{attack}anchr = \"known\"\n"),
            "attack[0].anchr",
            "did you mean \"anchor\"",
        ),
    ] {
        let file = dir.join("s.toml");
        std::fs::write(&file, stepping(&extra)).unwrap();
        let out = crate::common::mixsim()
            .arg("check")
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(key) && err.contains(hint), "{err}");
    }
    // The same attack without the typo is valid.
    std::fs::write(dir.join("s.toml"), stepping(&format!("{MARK}{attack}"))).unwrap();
    let out = crate::common::mixsim()
        .arg("check")
        .arg(dir.join("s.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
