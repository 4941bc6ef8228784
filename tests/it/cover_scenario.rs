//! Sender cover in scenario files: `[[cover]]` tables validated strictly with located errors,
//! reachable by `--set`, and the shipped cover scenarios giving the same summary bytes on both
//! executors and any number of jobs, with the cover figures in it.

use crate::common::{arg, mixsim, ok, refused, scenario_path};
use mixsim::net::CoverKind;
use mixsim::scenario::Scenario;
use std::path::Path;

/// alice -> m1 -> m2 -> bob, with a link m2 -> alice for loops; `cover` is appended.
fn mixnet(cover: &str) -> String {
    let mut s = String::from(
        r#"name = "cover"
warmup = "1s"
duration = "5s"
"#,
    );
    for (name, kind) in [
        ("alice", "host"),
        ("m1", "mix"),
        ("m2", "mix"),
        ("bob", "host"),
    ] {
        let hold = if kind == "mix" {
            "t_avg = \"10ms\"\n"
        } else {
            ""
        };
        s += &format!("[[node]]\nname = \"{name}\"\nkind = \"{kind}\"\n{hold}");
    }
    for (from, to) in [
        ("alice", "m1"),
        ("m1", "m2"),
        ("m2", "bob"),
        ("m2", "alice"),
    ] {
        s += &format!("[[link]]\nfrom = \"{from}\"\nto = \"{to}\"\nbandwidth = \"10Mbps\"\n");
    }
    s += r#"[[flow]]
name = "alice"
route = ["alice", "m1", "m2", "bob"]
model = "poisson"
rate = "100pps"
size = "500B"
"#;
    s + cover
}

fn cover(kind: &str, route: &str, extra: &str) -> String {
    format!(
        "[[cover]]\nname = \"c\"\nkind = \"{kind}\"\nroute = {route}\nmodel = \"poisson\"\nrate = \"20pps\"\n{extra}"
    )
}

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(text, Path::new("inline.toml"), &[]).map_err(|e| e.to_string())
}

#[test]
fn cover_streams_resolve_after_the_flows_with_the_senders_size() {
    let drop = cover("drop", r#"["alice", "m1", "m2"]"#, "");
    let loop_ = cover(
        "loop",
        r#"["alice", "m1", "m2", "alice"]"#,
        "size = \"700B\"\n",
    )
    .replace("name = \"c\"", "name = \"c2\"");
    let s = parse(&mixnet(&(drop + &loop_))).unwrap();
    assert_eq!(s.flows.len(), 3);
    assert_eq!(s.flows[0].cover, None);
    let (d, l) = (&s.flows[1], &s.flows[2]);
    assert_eq!(
        (d.cover, d.size, d.route.len()),
        (Some(CoverKind::Drop), 500, 3)
    );
    assert_eq!(
        (l.cover, l.size, l.route.len()),
        (Some(CoverKind::Loop), 700, 4)
    );
    assert_eq!(l.route[0], l.route[3]);
    let t = s.topology();
    assert_eq!(t.cover_of(2), Some(CoverKind::Loop));
    assert_eq!(t.flows[2].links, l.links);
}

#[test]
fn set_reaches_cover_keys() {
    let text = mixnet(&cover("loop", r#"["alice", "m1", "m2", "alice"]"#, ""));
    let sets = [
        "cover.c.rate=50pps".to_string(),
        "cover[0].size=300B".into(),
    ];
    let s = Scenario::parse(&text, Path::new("inline.toml"), &sets).unwrap();
    assert_eq!(s.flows[1].traffic.mean_rate(), 50.0);
    assert_eq!(s.flows[1].size, 300);
    let e = Scenario::parse(
        &text,
        Path::new("inline.toml"),
        &["cover.c.rat=5pps".into()],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("did you mean") && e.contains("rate"), "{e}");
}

#[test]
fn invalid_cover_is_refused_where_it_is_written() {
    let looped = r#"["alice", "m1", "m2", "alice"]"#;
    let cases: &[(String, &str, &str)] = &[
        (cover("drop", looped, "rat = \"5pps\"\n"), "cover[0].rat", "unknown key \"rat\""),
        (
            cover("drop", r#"["alice", "mx"]"#, ""),
            "cover[0].route[1]",
            "no node named \"mx\"",
        ),
        (cover("drop", r#"["alice", "m2"]"#, ""), "cover[0].route[1]", "no link from"),
        (
            cover("loop", r#"["alice", "m1", "m2", "bob"]"#, ""),
            "cover[0].route[3]",
            "returns to its sender",
        ),
        (
            cover("loop", r#"["alice", "m1", "alice"]"#, ""),
            "cover[0].route[2]",
            "no link from \"m1\" to \"alice\"",
        ),
        (cover("loop", r#"["alice", "alice"]"#, ""), "cover[0].route", "at least three"),
        (cover("drop", looped, ""), "cover[0].route[3]", "ends at its sender"),
        (cover("bounce", looped, ""), "cover[0].kind", "expected one of"),
        (
            cover("loop", looped, "").replace("poisson", "onoff"),
            "cover[0].model",
            "expected one of",
        ),
        (
            cover("loop", looped, "").replace("20pps", "0pps"),
            "cover[0].rate",
            "above zero",
        ),
        (
            cover("loop", looped, "").replace("20pps", "-3pps"),
            "cover[0].rate",
            "above zero",
        ),
        (cover("loop", looped, "size = \"0B\"\n"), "cover[0].size", "at least 1"),
        (cover("loop", looped, "size = \"5000MB\"\n"), "cover[0].size", "dummy size"),
        (
            cover("loop", looped, "")
                + "[[flow]]\nname = \"f2\"\nroute = [\"alice\", \"m1\"]\nmodel = \"poisson\"\nrate = \"1pps\"\n",
            "cover[0]",
            "sends real packets of 500B, 1000B",
        ),
        (
            cover("loop", looped, "").replace("name = \"c\"", "name = \"alice\""),
            "cover[0].name",
            "is taken (by flow[0])",
        ),
        (
            cover("loop", looped, "").replace("20pps", "3000pps"),
            "link[0].bandwidth",
            "from flows alice, c",
        ),
    ];
    for (table, key, words) in cases {
        let e = parse(&mixnet(table)).expect_err(table);
        assert!(
            e.starts_with("inline.toml:") && e.contains(&format!("key `{key}`")),
            "{table}: not located at {key}: {e}"
        );
        assert!(e.contains(words), "{table}: {e}");
    }
}

#[test]
fn check_and_run_refuse_invalid_cover_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let bad = cover("loop", r#"["alice", "m1", "m2", "bob"]"#, "");
    std::fs::write(&file, mixnet(&bad)).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec!["check", arg(&file)],
        vec!["run", arg(&file), "--trials", "1", "--out", arg(&out)],
    ] {
        let o = mixsim().args(&args).output().unwrap();
        refused(
            &o,
            &["bad.toml:", "cover[0].route[3]", "returns to its sender"],
        );
    }
}

/// summary.json of a short run of a shipped cover scenario.
fn summary(file: &str, engine: &str, jobs: &str, dir: &Path) -> Vec<u8> {
    let out = dir.join(format!("{file}-{engine}-{jobs}"));
    let o = mixsim()
        .args([
            "run",
            arg(&scenario_path(file)),
            "--trials",
            "3",
            "--set",
            "attack.sample_sizes=[10, 100, 300]",
            "--engine",
            engine,
            "--jobs",
            jobs,
            "--quiet",
            "--out",
            arg(&out),
        ])
        .output()
        .unwrap();
    ok(&o);
    std::fs::read(out.join("summary.json")).unwrap()
}

#[test]
fn shipped_cover_scenarios_report_the_same_bytes_on_both_executors() {
    let dir = tempfile::tempdir().unwrap();
    for (file, kind, class) in [
        ("defense-cover-drop.toml", "cover_drop", "cover-drop"),
        ("defense-cover-loop.toml", "cover_loop", "cover-loop"),
    ] {
        let event = summary(file, "event", "1", dir.path());
        assert_eq!(event, summary(file, "stream", "2", dir.path()), "{file}");
        let j: serde_json::Value = serde_json::from_slice(&event).unwrap();
        let kinds = &j["packets"]["kinds"];
        let (real, dummies) = (&kinds["real"], &kinds[kind]);
        let total = |k: &str| real[k].as_u64().unwrap() + dummies[k].as_u64().unwrap();
        for k in ["created", "delivered", "dropped", "in_flight_at_end"] {
            assert_eq!(total(k), j["packets"][k].as_u64().unwrap(), "{file} {k}");
        }
        assert!(dummies["delivered"].as_u64().unwrap() > 0);
        let classes: Vec<&str> = j["latency"]["per_class"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["class"].as_str().unwrap())
            .collect();
        assert_eq!(classes, ["real", class], "{file}");
        assert_eq!(
            j["latency"]["per_class"][0]["end_to_end"], j["latency"]["end_to_end"],
            "the pooled figures are the real packets'"
        );
        // The sender's access link carries every dummy it sends.
        let first = &j["links"][0];
        assert_eq!(first["name"], "alice->mix");
        let per_trial = first["cover"]["dummies_per_trial"].as_f64().unwrap();
        assert!(per_trial * 3.0 >= dummies["delivered"].as_u64().unwrap() as f64);
        assert_eq!(j["links"][1]["cover"]["dummies_per_trial"], 0.0);
    }
}

#[test]
fn the_cover_frontier_sweep_varies_alices_drop_rate() {
    let path = scenario_path("frontier/cover-drop.toml");
    let plan = mixsim::experiment::campaign::sweep::load(&path, None, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let rates: Vec<f64> = plan
        .scenarios
        .iter()
        .map(|s| {
            let c = s
                .flows
                .iter()
                .find(|f| f.name == "alice-drop")
                .expect("the cover");
            assert_eq!(c.cover, Some(CoverKind::Drop));
            let a = s.correlation().expect("a correlation attack");
            assert!(
                a.candidates.iter().any(|&l| c.links.contains(&l)),
                "it leaves on a candidate"
            );
            c.traffic.mean_rate()
        })
        .collect();
    assert_eq!(rates, [50.0, 100.0, 200.0, 400.0]);
}
