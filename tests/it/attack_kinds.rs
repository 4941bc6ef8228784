//! One registry of attack kinds: the kind names, the keys each kind takes, the errors that list
//! them and the table of kinds in docs/attacks.md all come from `scenario::ATTACK_REGISTRY`, and
//! every registered kind resolves to an attack that names itself by its registry name.

use crate::common::{parse, repo, single_mix};
use mixsim::scenario::{kinds_table, Scenario, ATTACK_KINDS, ATTACK_REGISTRY};

/// The documentation's table of kinds is the registry's, and lists every kind.
#[test]
fn the_docs_list_every_registered_kind_with_its_keys() {
    let doc = std::fs::read_to_string(repo().join("docs/attacks.md")).expect("docs/attacks.md");
    let table = kinds_table();
    assert!(
        doc.contains(&table),
        "docs/attacks.md must hold the registry's table of kinds verbatim:\n{table}"
    );
    for d in ATTACK_REGISTRY {
        assert!(table.contains(&format!("| `{}` |", d.kind)), "{}", d.kind);
        for k in d.keys {
            assert!(table.contains(&format!("`{k}`")), "{}: {k}", d.kind);
        }
    }
}

/// Each resolved attack names itself by the `kind` its table gives (the first registered kind
/// when none), over every shipped scenario plus one inline table per kind no shipped file uses:
/// together they cover every registered kind.
#[test]
fn every_kind_resolves_to_the_attack_named_after_it() {
    let mut scenarios: Vec<(String, Scenario)> = Vec::new();
    for e in std::fs::read_dir(repo().join("scenarios")).expect("scenarios/") {
        let path = e.expect("entry").path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        // Sweep files fail to load as scenarios; they are checked in file_kinds.rs.
        if let Ok(s) = Scenario::load(&path, &[]) {
            scenarios.push((path.display().to_string(), s));
        }
    }
    let likelihood = "[[node]]\nname = \"carol\"\nkind = \"host\"\n[[link]]\nfrom = \"mix\"\nto = \"carol\"\nbandwidth = \"1Mbps\"\n[attack]\nkind = \"likelihood\"\ntarget = \"alice\"\nsample_sizes = [10]\n";
    scenarios.push((
        "inline likelihood".into(),
        parse(&single_mix("20ms", "40pps", "1Mbps", likelihood)),
    ));
    scenarios.push((
        "inline message_entropy".into(),
        parse(&single_mix(
            "20ms",
            "40pps",
            "1Mbps",
            "[attack]\nkind = \"message_entropy\"\ntarget = \"alice\"\n",
        )),
    ));
    let mut seen: Vec<String> = Vec::new();
    for (origin, s) in &scenarios {
        let tables = s.file.attack.entries();
        assert_eq!(tables.len(), s.attacks.len(), "{origin}");
        for ((_, table), a) in tables.iter().zip(&s.attacks) {
            let written = table
                .kind
                .as_ref()
                .map(|k| k.get_ref().as_str())
                .unwrap_or(ATTACK_REGISTRY[0].kind);
            assert_eq!(a.kind.kind_name(), written, "{origin}");
            seen.push(written.to_string());
        }
    }
    for k in ATTACK_KINDS {
        assert!(
            seen.iter().any(|s| s == k),
            "no scenario here uses kind {k}"
        );
    }
}

/// The errors name the registry's kinds and a kind's registry keys.
#[test]
fn errors_list_the_registered_kinds_and_keys() {
    let text = |attack: &str| single_mix("20ms", "40pps", "1Mbps", attack);
    let origin = std::path::Path::new("t.toml");
    let unknown = Scenario::parse(
        &text("[attack]\nkind = \"corelation\"\ntarget = \"alice\"\n"),
        origin,
        &[],
    )
    .expect_err("unknown kind")
    .to_string();
    assert!(
        unknown.contains("did you mean \"correlation\""),
        "{unknown}"
    );
    assert!(unknown.contains(&ATTACK_KINDS.join(", ")), "{unknown}");
    for d in ATTACK_REGISTRY {
        let foreign = if d.keys.contains(&"groups") {
            "estimators"
        } else {
            "groups"
        };
        let attack = format!("[attack]\nkind = \"{}\"\n{foreign} = []\n", d.kind);
        let e = Scenario::parse(&text(&attack), origin, &[])
            .expect_err("foreign key")
            .to_string();
        let keys = format!("its keys: kind, name, {}", d.keys.join(", "));
        assert!(e.contains(&keys), "{}: {e}", d.kind);
        assert!(e.contains(&format!("attack.{foreign}")), "{}: {e}", d.kind);
    }
}
