//! The partial adversary who treats a region of mixes as one mix (`kind = "supermix"`): the
//! region given by its mixes or closed by the links the adversary sees; its entry and exit
//! links are the attack's input and candidates; a region that is not closed is a located error.

use crate::common::scenario_path;
use mixsim::experiment::run;
use mixsim::scenario::adversary::SupermixAttack;
use mixsim::scenario::Scenario;

/// The cascade with a supermix table (`region` is its `mixes = ...` or `links = ...` line),
/// appended as its fourth table (`attack[3]`).
fn cascade(region: &str, extra: &str) -> Result<Scenario, String> {
    let path = scenario_path("cascade.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let table = format!(
        "\n[[attack]]\nname = \"region\"\nkind = \"supermix\"\ntarget = \"alice\"\ninterval = \"10ms\"\nsample_sizes = [30, 3000]\n{region}\n{extra}"
    );
    Scenario::parse(&(text + &table), &path, &[]).map_err(|e| e.to_string())
}

const CLOSING: &str = r#"links = ["alice->m1", "s2->m1", "s3->m2", "m1->r1", "m2->bob", "m2->r2"]"#;

fn region(s: &Scenario) -> &mixsim::scenario::adversary::SupermixAttack {
    s.attacks
        .iter()
        .find_map(|a| a.kind.get::<SupermixAttack>())
        .unwrap()
}

#[test]
fn mixes_and_closing_links_give_the_same_region() {
    let by_mixes = cascade(r#"mixes = ["m2", "m1"]"#, "").unwrap();
    let by_links = cascade(CLOSING, "").unwrap();
    let (a, b) = (region(&by_mixes), region(&by_links));
    assert_eq!(a, b);
    let name = |l: usize| by_mixes.links[l].name.as_str();
    assert_eq!(name(a.entry), "alice->m1");
    let exits: Vec<&str> = a.exits.iter().map(|&l| name(l)).collect();
    assert_eq!(exits, ["m1->r1", "m2->bob", "m2->r2"]);
    // The second mix alone: Alice enters it from m1.
    let m2 = cascade(r#"mixes = ["m2"]"#, "").unwrap();
    assert_eq!(name(region(&m2).entry), "m1->m2");
}

#[test]
fn finds_alice_leaving_the_two_mix_region() {
    let s = cascade(
        r#"mixes = ["m1", "m2"]"#,
        "scorers = [\"mi\", \"likelihood-paper\"]\nt_avg = \"40ms\"\n",
    )
    .unwrap();
    let opts = crate::common::run_options(2, 30, 2);
    let r = run(&s, &opts);
    let at = |n: &str| {
        r.attacks
            .iter()
            .position(|a| a.table == "region" && a.name == n)
            .unwrap()
    };
    // Three exits; at N = 3000 the likelihood scorer names Alice's (40 trials: 40).
    let found = r.tally.correct(at("likelihood-paper"), 1);
    assert!(found >= 27, "likelihood: {found} of 30");
    crate::common::assert_same_on_one_thread_event_engine(&s, &opts, &r);
}

#[test]
fn a_region_that_is_not_closed_is_a_located_error() {
    let path = scenario_path("cascade.toml");
    let file = path.display().to_string();
    let open = CLOSING.replace("\"s3->m2\", ", "");
    let e = cascade(&open, "").unwrap_err();
    assert!(e.starts_with(&format!("{file}:")), "{e}");
    assert!(e.contains("key `attack[3].links["), "{e}");
    assert!(e.contains("not closed"), "{e}");
    assert!(e.contains("\"s3->m2\""), "names the unseen link: {e}");
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            r#"mixes = ["m1", "bob"]"#,
            "",
            "attack[3].mixes[1]",
            "no mix named \"bob\"",
        ),
        (
            r#"mixes = ["m1", "m1"]"#,
            "",
            "attack[3].mixes[1]",
            "listed twice",
        ),
        (r#"mixes = ["m1"]"#, CLOSING, "attack[3].links", "not both"),
        ("", "", "attack[3].mixes", "missing required key \"mixes\""),
        (
            r#"mixes = ["m1"]"#,
            "scorers = [\"likelihood-paper\"]",
            "attack[3].scorers[0]",
            "set `t_avg`",
        ),
        (
            r#"mixes = ["m1"]"#,
            "estimators = [\"mi\"]",
            "attack[3].estimators",
            "does not apply",
        ),
    ];
    for (region, extra, key, phrase) in cases {
        let e = cascade(region, extra).unwrap_err();
        assert!(e.contains(&format!("key `{key}`")), "{key}: {e}");
        assert!(e.contains(phrase), "{phrase}: {e}");
    }
    // A region the target never enters: S3's flows start at m2, past m1.
    let e = cascade(r#"mixes = ["m1"]"#, "")
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(e.is_ok());
    let path = scenario_path("cascade.toml");
    let text = std::fs::read_to_string(&path).unwrap()
        + "\n[[attack]]\nname = \"region\"\nkind = \"supermix\"\ntarget = \"s3-bob\"\nsample_sizes = [30]\nmixes = [\"m1\"]\n";
    let e = Scenario::parse(&text, &path, &[]).unwrap_err().to_string();
    assert!(e.contains("key `attack[3].target`"), "{e}");
    assert!(e.contains("never enters the region (m1)"), "{e}");
}

#[test]
fn shipped_mixnet_regions() {
    let s = Scenario::load(&scenario_path("mixnet.toml"), &[]).unwrap();
    let regions: Vec<_> = s
        .attacks
        .iter()
        .filter_map(|a| a.kind.get::<SupermixAttack>())
        .collect();
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[0].region.len(), 9);
    assert_eq!(regions[1].region.len(), 6);
    assert_eq!(
        s.links[regions[0].entry].name,
        "alice->".to_string() + &s.nodes[s.links[regions[0].entry].to].name
    );
}
