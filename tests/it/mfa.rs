//! The multi-flow attack as a `kind = "mfa"` table: it tells a group of watermarked flows from
//! unmarked ones (power) without calling unmarked groups marked more often than its level
//! (size), from the same trials, the same for any thread count; its table is validated strictly.

use crate::common::scenario_path;
use mixsim::experiment::run;
use mixsim::experiment::score::{AttackTally, DetectionTally};
use mixsim::scenario::Scenario;
use std::fmt::Write;

/// Three groups of `f` Poisson flows of 9.5 pkt/s through host wm (m marked with `scheme`, u
/// and v unmarked) and `attack` appended.
fn groups(f: usize, scheme: &str, attack: &str) -> String {
    let mut t = String::from(
        "name = \"mfa-test\"\nwarmup = \"0s\"\nduration = \"100s\"\npacket_size = \"100B\"\n[[node]]\nname = \"wm\"\nkind = \"host\"\n",
    );
    for g in ["m", "u", "v"] {
        for i in 0..f {
            let n = format!("{g}{i}");
            write!(
                t,
                "[[node]]\nname = \"{n}\"\nkind = \"host\"\n[[node]]\nname = \"r{n}\"\nkind = \"host\"\n\
                 [[link]]\nfrom = \"{n}\"\nto = \"wm\"\nbandwidth = \"1Gbps\"\n\
                 [[link]]\nfrom = \"wm\"\nto = \"r{n}\"\nbandwidth = \"1Gbps\"\n\
                 [[flow]]\nname = \"{n}\"\nroute = [\"{n}\", \"wm\", \"r{n}\"]\nmodel = \"poisson\"\nrate = \"9.5pps\"\nstart = \"1s\"\n"
            )
            .unwrap();
            if g == "m" {
                write!(t, "[[watermark]]\nname = \"{n}\"\nflow = \"{n}\"\nat = \"wm\"\nscheme = \"{scheme}\"\n").unwrap();
            }
        }
    }
    t + attack
}

fn links(g: &str, f: usize) -> String {
    let l: Vec<String> = (0..f).map(|i| format!("\"wm->r{g}{i}\"")).collect();
    format!("[{}]", l.join(", "))
}

fn table(f: usize, test: &str) -> String {
    format!(
        "[[attack]]\nname = \"{test}\"\nkind = \"mfa\"\nwatermark = \"m0\"\ntest = \"{test}\"\nbin = \"50ms\"\nspan = \"96s\"\n\
         baseline = {}\ngroups = [{}, {}]\n",
        links("u", f),
        links("m", f),
        links("v", f)
    )
}

fn detection(t: &AttackTally) -> &DetectionTally {
    match t {
        AttackTally::Detection(d) => d,
        other => panic!("expected a detection tally, got {other:?}"),
    }
}

/// ICBW's empty interval prefixes show in the aggregate of two flows; two unmarked groups
/// differ at the test's level only.
#[test]
fn tells_icbw_flows_from_unmarked_ones_and_is_calibrated() {
    let text = groups(2, "icbw", &(table(2, "chi2") + &table(2, "profile")));
    let s = Scenario::parse(&text, std::path::Path::new("mfa.toml"), &[]).unwrap();
    let opts = crate::common::run_options(9, 40, 2);
    let r = run(&s, &opts);
    let chi2 = detection(&r.tally.attacks[0]);
    // Power 40/40 expected; the null rejects with probability alpha = 0.01, so more than 4 of
    // 40 would have probability < 1e-4.
    assert_eq!(chi2.true_positives + chi2.false_negatives, 40);
    assert!(chi2.true_positives >= 36, "{chi2:?}");
    assert!(chi2.false_positives <= 4, "{chi2:?}");
    // Two flows per group give the permutation test C(4, 2) = 6 relabellings: its p-value is
    // at least 1/3, so it never rejects at 0.01; it is scored like any detection.
    let profile = detection(&r.tally.attacks[1]);
    assert_eq!(
        profile.true_positives + profile.false_positives,
        0,
        "{profile:?}"
    );
    assert_eq!(profile.false_negatives + profile.true_negatives, 80);
    // Same seed, one thread, the event engine: the same tallies.
    crate::common::assert_same_on_one_thread_event_engine(&s, &opts, &r);
}

/// SWIRL's slot sawtooth (key-independent) is seen by the profile test with ten flows a group
/// and bins of one slot (20 ms);
/// RAINBOW's +-5 ms marks are not.
#[test]
fn the_profile_test_sees_swirl_and_not_rainbow() {
    let opts = crate::common::run_options(3, 10, 2);
    let count = |scheme: &str| {
        let text = groups(10, scheme, &table(10, "profile").replace("50ms", "20ms"));
        let s = Scenario::parse(&text, std::path::Path::new("mfa.toml"), &[]).unwrap();
        let r = run(&s, &opts);
        detection(&r.tally.attacks[0]).true_positives
    };
    let (swirl, rainbow) = (count("swirl"), count("rainbow"));
    assert!(swirl >= 9, "SWIRL groups called marked: {swirl} of 10");
    assert!(
        rainbow <= 2,
        "RAINBOW groups called marked: {rainbow} of 10"
    );
}

fn error(attack: &str) -> String {
    Scenario::parse(
        &groups(2, "swirl", attack),
        std::path::Path::new("mfa.toml"),
        &[],
    )
    .map(|_| ())
    .unwrap_err()
    .to_string()
}

#[test]
fn the_table_is_validated() {
    let ok = table(2, "chi2");
    let cases: [(String, &str, &str); 10] = [
        (
            ok.replace("test = \"chi2\"", "test = \"chi\""),
            "attack[0].test",
            "chi2",
        ),
        (
            ok.replace("bin = \"50ms\"", "bin = \"0s\""),
            "attack[0].bin",
            "above zero",
        ),
        (
            ok.replace("span = \"96s\"", "span = \"10ms\""),
            "attack[0].span",
            "at least one bin",
        ),
        (
            ok.clone() + "alpha = 1.5\n",
            "attack[0].alpha",
            "between 0 and 1",
        ),
        (
            ok.clone() + "permutations = 0\n",
            "attack[0].permutations",
            "at least one",
        ),
        (
            ok.clone() + "anchor = \"known\"\n",
            "attack[0].anchor",
            "does not apply to kind = \"mfa\"",
        ),
        (
            ok.replace("watermark = \"m0\"", "watermark = \"m9\""),
            "attack[0].watermark",
            "no [[watermark]] named",
        ),
        (
            ok.replace("\"wm->rv1\"]]", "\"wm->ru1\"]]"),
            "attack[0].groups[1][1]",
            "already baseline[1]",
        ),
        (
            ok.replace("[\"wm->rv0\", \"wm->rv1\"]", "[]"),
            "attack[0].groups[1]",
            "at least one link",
        ),
        (
            ok.replace("wm->rm1", "wm->rm7"),
            "attack[0].groups[0][1]",
            "no link",
        ),
    ];
    for (text, key, phrase) in cases {
        let e = error(&text);
        assert!(e.starts_with("mfa.toml:"), "{e}");
        assert!(e.contains(&format!("key `{key}`")), "{key}: {e}");
        assert!(e.contains(phrase), "{phrase}: {e}");
    }
    let e = error(&ok.replace("baseline = ", "base = "));
    assert!(e.contains("base"), "{e}");
}

#[test]
fn shipped_scenario_and_sweeps_are_valid() {
    let s = Scenario::load(&scenario_path("mfa.toml"), &[]).unwrap();
    assert_eq!(s.attacks.len(), 4);
    assert_eq!(s.watermarks.len(), 20);
    for f in ["mfa-swirl-sweep.toml", "mfa-schemes-sweep.toml"] {
        mixsim::experiment::campaign::sweep::load(&scenario_path(f), None, None)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
    }
}

/// A run whose attacks all detect draws their error rates (not an empty identification plot):
/// one marker with its interval per attack and error kind, named in the legend.
#[test]
fn a_detection_only_run_plots_its_error_rates() {
    let text = groups(2, "icbw", &table(2, "chi2"));
    let s = Scenario::parse(&text, std::path::Path::new("mfa.toml"), &[]).unwrap();
    let opts = crate::common::run_options(3, 6, 1);
    let summary = mixsim::experiment::Summary::with_model(&s, &run(&s, &opts));
    let svg = mixsim::report::plot::summary_plot(&summary);
    assert!(svg.contains("detection errors per attack"), "{svg}");
    assert!(svg.contains("false negatives (marked flows)"), "{svg}");
    assert!(svg.contains("false positives (unmarked flows)"), "{svg}");
    assert!(svg.contains("6 trials, seed 3"), "{svg}");
    // One filled marker per series at the attack's category, plus one in each legend glyph:
    // circles for false negatives, squares for false positives.
    assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
    assert_eq!(svg.matches("width=\"8\" height=\"8\"").count(), 2, "{svg}");
}

/// A detection-only run has no rank plot (no candidate ranks to draw).
#[test]
fn a_detection_only_run_has_no_rank_plot() {
    let text = groups(2, "icbw", &table(2, "chi2"));
    let s = Scenario::parse(&text, std::path::Path::new("mfa.toml"), &[]).unwrap();
    let opts = crate::common::run_options(3, 2, 1);
    let summary = mixsim::experiment::Summary::with_model(&s, &run(&s, &opts));
    assert!(mixsim::report::plot::rank_plot(&summary).is_none());
}
