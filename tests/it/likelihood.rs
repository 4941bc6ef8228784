//! The likelihood attack as a `kind = "likelihood"` table: run beside the count attacks on the
//! same trials, it finds Alice's link; its table is validated strictly.

use crate::common::scenario_path;
use mixsim::experiment::{run, RunOptions};
use mixsim::scenario::Scenario;

/// A reference scenario with its `[attack]` table turned into `[[attack]]` and `extra` after it.
fn with_tables(name: &str, extra: &str) -> Result<Scenario, String> {
    let path = scenario_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\n[attack]\n", "\n[[attack]]\n");
    Scenario::parse(&format!("{text}\n{extra}"), &path, &[]).map_err(|e| e.to_string())
}

const LIKELIHOOD: &str = r#"
[[attack]]
kind = "likelihood"
target = "alice"
sample_sizes = [10, 300]
"#;

#[test]
fn finds_alice_beside_the_count_attacks() {
    let s = with_tables(
        "fig5-heavy.toml",
        &LIKELIHOOD.replace("[10, 300]", "[10, 30, 100, 300, 1000, 3000]"),
    )
    .unwrap();
    let opts = crate::common::run_options(11, 30, 2);
    let r = run(&s, &opts);
    let names: Vec<&str> = r.attacks.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "mi",
            "mi-mm",
            "xcorr",
            "likelihood-paper",
            "likelihood-queue"
        ]
    );
    // At N = 300 (3 s, about 300 of Alice's packets) both variants name Alice's link in nearly
    // every trial (1000 trials: 100 %); chance is 50 %.
    for a in [3, 4] {
        let at_300 = r.tally.correct(a, 3);
        assert!(at_300 >= 28, "{}: {at_300} of 30 at N = 300", names[a]);
    }
    // Anonymity beside the rate: the likelihood attack's probabilities give a degree of
    // anonymity, which falls as N grows (more evidence); count attacks give ranks only.
    let sum = mixsim::experiment::Summary::with_model(&s, &r);
    let point = |name: &str, n: usize| {
        sum.points
            .iter()
            .find(|p| p.estimator == name && p.sample_size == Some(n))
            .and_then(|p| p.identification.clone())
            .unwrap()
    };
    let (short, long) = (
        point("likelihood-paper", 10),
        point("likelihood-paper", 3000),
    );
    let (d10, d3000) = (short.degree.unwrap(), long.degree.unwrap());
    assert!(
        d3000 < d10 && d3000 < 0.05,
        "degree {d10} at N = 10, {d3000} at N = 3000"
    );
    assert!(short.degree_ci_low.unwrap() <= d10 && d10 <= short.degree_ci_high.unwrap());
    assert_eq!(long.mean_rank, Some(1.0));
    assert!(short.mean_rank.unwrap() > 1.0);
    assert_eq!(point("mi", 10).degree, None);
    assert!(sum
        .points_csv()
        .lines()
        .next()
        .unwrap()
        .contains("mean_rank,"));
    // Same seed, any thread count, either executor: the same tallies.
    let again = run(
        &s,
        &RunOptions {
            jobs: 1,
            executor: mixsim::net::plan::Executor::Event,
            ..opts
        },
    );
    for a in 0..names.len() {
        for n in 0..6 {
            assert_eq!(r.tally.correct(a, n), again.tally.correct(a, n));
        }
    }
}

#[test]
fn the_table_is_validated() {
    // The mean hold defaults to the target's mix's.
    let s = with_tables("fig5-light.toml", LIKELIHOOD).unwrap();
    let l = s
        .attacks
        .iter()
        .find_map(|a| a.kind.get::<mixsim::scenario::LikelihoodAttack>())
        .unwrap();
    assert_eq!(l.t_avg, 20_000_000);
    assert_eq!(l.variants, ["paper", "queue"]);

    // Keys of another kind, unknown variants, and a mix without a delay law are located errors.
    let e = with_tables(
        "fig5-light.toml",
        &format!("{LIKELIHOOD}estimators = [\"mi\"]\n"),
    )
    .unwrap_err();
    assert!(e.contains("fig5-light.toml:"), "{e}");
    assert!(e.contains("attack[1].estimators"), "{e}");
    assert!(e.contains("does not apply"), "{e}");
    let e = with_tables(
        "fig5-light.toml",
        &format!("{LIKELIHOOD}variants = [\"papr\"]\n"),
    )
    .unwrap_err();
    assert!(e.contains("attack[1].variants[0]"), "{e}");
    assert!(e.contains("paper"), "suggests the known variant: {e}");
    let e = with_tables("fig5-light.toml", &format!("{LIKELIHOOD}speed = 3\n")).unwrap_err();
    assert!(e.contains("speed"), "{e}");
    let e = with_tables("defense-timed.toml", LIKELIHOOD).unwrap_err();
    assert!(e.contains("attack[1].t_avg"), "{e}");
    assert!(e.contains("not an exponential"), "{e}");
    // With an assumed hold the adversary may still try.
    with_tables(
        "defense-timed.toml",
        &format!("{LIKELIHOOD}t_avg = \"40ms\"\n"),
    )
    .unwrap();
}
