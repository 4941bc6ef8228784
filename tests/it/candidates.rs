//! Incomplete candidate sets: an adversary may watch links that do not carry the target flow.
//! `check` accepts such a scenario with a located warning, and every trial of it counts as a
//! failure of the attack (the true link is not among the candidates, so no choice is right).

use crate::common::{mixsim, parse};
use mixsim::experiment::{run, RunOptions};

/// alice -> mix -> bob, carol -> mix -> dave, eve -> mix -> frank; the attack on alice watches
/// `candidates`.
fn scenario(candidates: &str) -> String {
    let mut s = String::from("name = \"incomplete\"\nwarmup = \"1s\"\nduration = \"11s\"\n");
    for n in ["alice", "carol", "eve", "bob", "dave", "frank"] {
        s += &format!("[[node]]\nname = \"{n}\"\nkind = \"host\"\n");
    }
    s += "[[node]]\nname = \"mix\"\nkind = \"mix\"\nt_avg = \"5ms\"\n";
    for (from, to) in [("alice", "mix"), ("carol", "mix"), ("eve", "mix")]
        .into_iter()
        .chain([("mix", "bob"), ("mix", "dave"), ("mix", "frank")])
    {
        s += &format!("[[link]]\nfrom = \"{from}\"\nto = \"{to}\"\nbandwidth = \"100Mbps\"\n");
    }
    for (flow, to, rate) in [
        ("alice", "bob", 100),
        ("carol", "dave", 150),
        ("eve", "frank", 150),
    ] {
        s += &format!(
            "[[flow]]\nname = \"{flow}\"\nroute = [\"{flow}\", \"mix\", \"{to}\"]\nmodel = \"poisson\"\nrate = \"{rate}pps\"\n"
        );
    }
    s + &format!(
        "[attack]\ntarget = \"alice\"\ncandidates = {candidates}\ninterval = \"10ms\"\nsample_sizes = [100, 1000]\nestimators = [\"mi\", \"xcorr\"]\n"
    )
}

fn options() -> RunOptions {
    crate::common::run_options(3, 12, 1)
}

#[test]
fn a_candidate_set_without_the_true_link_is_a_warning_and_every_trial_fails() {
    let s = parse(&scenario(r#"["mix->dave", "mix->frank"]"#));
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = s.warnings[0].to_string();
    // `candidates` is line 67 of the file, its value at column 14.
    assert!(
        w.starts_with("inline.toml:67:14: key `attack.candidates`: none of the candidates carries flow \"alice\""),
        "{w}"
    );
    assert!(
        w.contains("mix->bob") && w.contains("counts as a failure"),
        "{w}"
    );
    let r = run(&s, &options());
    assert_eq!(r.tally.trials, 12);
    assert_eq!(r.attacks.len(), 2, "one per estimator");
    for (e, a) in r.attacks.iter().enumerate() {
        assert_eq!([0, 1].map(|i| r.tally.correct(e, i)), [0, 0], "{}", a.name);
    }
    // With the true link among the candidates there is no warning, and the attack succeeds.
    let full = parse(&scenario(r#"["mix->dave", "mix->bob"]"#));
    assert!(full.warnings.is_empty(), "{:?}", full.warnings);
    assert!(run(&full, &options()).tally.correct(0, 1) >= 10);
}

#[test]
fn check_prints_the_warning_and_accepts_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incomplete.toml");
    std::fs::write(&path, scenario(r#"["mix->dave", "mix->frank"]"#)).unwrap();
    let out = mixsim().arg("check").arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("valid"), "{stdout}");
    assert!(
        stdout.contains("warning: ")
            && stdout.contains("none of the candidates carries flow \"alice\""),
        "{stdout}"
    );
}
