//! Scenario loading: every bad input names the file, line, column and key and says what was
//! expected; `--set` overrides.

use mixsim::scenario::{Scenario, ScenarioError, Traffic};
use std::path::Path;

/// A small valid scenario. Tests replace one line of it and check the exact position reported,
/// so keep the line numbers in the comments right.
const BASE: &str = r#"name = "t"
trials = 10

[[node]]
name = "alice"
kind = "host"

[[node]]
name = "mix"
kind = "mix"
t_avg = "20ms"

[[node]]
name = "bob"
kind = "host"

[[node]]
name = "r2"
kind = "host"

[[link]]
from = "alice"
to = "mix"
bandwidth = "100Mbps"

[[link]]
from = "mix"
to = "bob"
bandwidth = "10Mbps"

[[link]]
from = "mix"
to = "r2"
bandwidth = "10Mbps"

[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "200pps"

[[flow]]
name = "noise"
route = ["alice", "mix", "r2"]
model = "poisson"
rate = "400pps"

[attack]
target = "alice"
sample_sizes = [60, 480]
"#;
// Lines: 2 trials, 8 [[node]] mix, 11 t_avg, 18 name = "r2", 21/26/31 [[link]] headers,
// 24/29/34 bandwidths, 36/42 [[flow]] headers, 38 route of alice, 40 rate of alice,
// 43 name = "noise", 46 rate of noise, 48 [attack], 49 target, 50 sample_sizes.

const FILE: &str = "t.toml";

/// BASE with `old` (which must occur exactly once) replaced by `new`.
fn edit(old: &str, new: &str) -> String {
    assert_eq!(
        BASE.matches(old).count(),
        1,
        "{old:?} must occur once in BASE"
    );
    BASE.replace(old, new)
}

fn parse(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::parse(text, Path::new(FILE), &sets)
}

fn fail(text: &str, sets: &[&str]) -> ScenarioError {
    match parse(text, sets) {
        Ok(_) => panic!("expected an error for:\n{text}\nwith {sets:?}"),
        Err(e) => e,
    }
}

/// The error is in the file at `line:column`, on `key`, and its Display says `phrase`.
#[track_caller]
fn assert_at(e: &ScenarioError, line: usize, column: usize, key: &str, phrase: &str) {
    let shown = e.to_string();
    match e {
        ScenarioError::Invalid {
            file,
            line: l,
            column: c,
            key: k,
            ..
        } => {
            assert_eq!((*l, *c, k.as_str()), (line, column, key), "{shown}");
            assert_eq!(file, Path::new(FILE));
        }
        other => panic!("expected an error in the file, got {other:?}"),
    }
    let prefix = if key.is_empty() {
        format!("{FILE}:{line}:{column}: ")
    } else {
        format!("{FILE}:{line}:{column}: key `{key}`: ")
    };
    assert!(shown.starts_with(&prefix), "{shown}");
    assert!(
        shown.contains(phrase),
        "{shown:?} should contain {phrase:?}"
    );
}

/// The error came from the override `set`, on `key`, and says `phrase`.
#[track_caller]
fn assert_from_set(e: &ScenarioError, set: &str, key: &str, phrase: &str) {
    let shown = e.to_string();
    match e {
        ScenarioError::InOverride { set: s, key: k, .. } => {
            assert_eq!((s.as_str(), k.as_str()), (set, key), "{shown}")
        }
        other => panic!("expected an error in an overridden value, got {other:?}"),
    }
    assert!(shown.contains(&format!("--set {set}")), "{shown}");
    assert!(
        shown.contains(phrase),
        "{shown:?} should contain {phrase:?}"
    );
}

/// A malformed or unknown override path.
#[track_caller]
fn assert_bad_set(e: &ScenarioError, set: &str, phrase: &str) {
    let shown = e.to_string();
    assert!(
        matches!(e, ScenarioError::Override { set: s, .. } if s == set),
        "{e:?}"
    );
    assert!(shown.starts_with(&format!("--set {set}: ")), "{shown}");
    assert!(
        shown.contains(phrase),
        "{shown:?} should contain {phrase:?}"
    );
}

#[test]
fn base_scenario_resolves() {
    let s = parse(BASE, &[]).unwrap();
    assert_eq!(s.name, "t");
    assert_eq!(s.trials, 10);
    assert_eq!(s.nodes.len(), 4);
    assert_eq!(
        s.links.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["alice->mix", "mix->bob", "mix->r2"]
    );
    assert_eq!(s.flows[0].route, [0, 1, 2]);
    assert_eq!(s.flows[0].links, [0, 1]);
    assert_eq!(s.flows[0].traffic, Traffic::Poisson { rate: 200.0 });
    let a = s.correlation().unwrap();
    assert_eq!(
        (a.target, a.observe_link, a.candidates.clone()),
        (0, 0, vec![1, 2])
    );
    assert_eq!(a.interval, 10_000_000);
    // Default duration: warmup 1s + 480 x 10ms.
    assert_eq!(s.duration, 5_800_000_000);
}

#[test]
fn documented_example_is_valid() {
    let src = include_str!("../../src/scenario/mod.rs");
    let start = src.find("//! ```toml\n").expect("example in module doc") + "//! ```toml\n".len();
    let end = start + src[start..].find("//! ```\n").unwrap();
    let text: String = src[start..end]
        .lines()
        .map(|l| {
            l.strip_prefix("//!")
                .unwrap()
                .strip_prefix(' ')
                .unwrap_or("")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let s = parse(&text, &[]).unwrap();
    assert_eq!(s.name, "testbed-poisson");
    assert_eq!(s.flows.len(), 3);
}

#[test]
fn load_reads_the_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.toml");
    std::fs::write(&path, edit("trials = 10", "trials = 0")).unwrap();
    let e = Scenario::load(&path, &[]).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{}:2:10: key `trials`: expected at least one trial",
            path.display()
        )),
        "{e}"
    );
    let e = Scenario::load(&dir.path().join("missing.toml"), &[]).unwrap_err();
    assert!(
        matches!(e, ScenarioError::Io { .. }) && e.to_string().contains("cannot read scenario"),
        "{e}"
    );
}

// ---- unknown keys, with suggestions -------------------------------------------------------

#[test]
fn unknown_top_level_key() {
    let e = fail(&edit("trials = 10", "trails = 10"), &[]);
    assert_at(
        &e,
        2,
        1,
        "trails",
        "unknown key \"trails\" (did you mean \"trials\"?); expected one of: name,",
    );
}

#[test]
fn unknown_key_in_node() {
    let e = fail(&edit("t_avg = \"20ms\"", "t_avgg = \"20ms\""), &[]);
    assert_at(&e, 11, 1, "node[1].t_avgg", "(did you mean \"t_avg\"?)");
}

#[test]
fn unknown_key_in_third_link() {
    let e = fail(
        &edit("to = \"r2\"\nbandwidth", "to = \"r2\"\nbandwith"),
        &[],
    );
    assert_at(
        &e,
        34,
        1,
        "link[2].bandwith",
        "unknown key \"bandwith\" (did you mean \"bandwidth\"?)",
    );
}

#[test]
fn unknown_key_in_flow() {
    let e = fail(&edit("rate = \"200pps\"", "rates = \"200pps\""), &[]);
    assert_at(&e, 40, 1, "flow[0].rates", "(did you mean \"rate\"?)");
}

#[test]
fn unknown_key_in_attack() {
    let e = fail(
        &edit("sample_sizes = [60, 480]", "sample_size = [60, 480]"),
        &[],
    );
    assert_at(
        &e,
        50,
        1,
        "attack.sample_size",
        "(did you mean \"sample_sizes\"?)",
    );
}

#[test]
fn unknown_enum_value() {
    let e = fail(&edit("kind = \"mix\"", "kind = \"mixx\""), &[]);
    assert_at(
        &e,
        10,
        8,
        "node[1].kind",
        "unknown value \"mixx\" (did you mean \"mix\"?); expected one of: host, mix",
    );
}

// ---- units ---------------------------------------------------------------------------------

#[test]
fn bad_bandwidth_unit() {
    let e = fail(
        &edit("bandwidth = \"100Mbps\"", "bandwidth = \"10Mb/s\""),
        &[],
    );
    assert_at(&e, 24, 13, "link[0].bandwidth", "expected a bandwidth with a unit (bps, kbps, Mbps, Gbps, Tbps), like \"10Mbps\"; got \"10Mb/s\"");
}

#[test]
fn duration_without_unit() {
    let e = fail(&edit("t_avg = \"20ms\"", "t_avg = \"20\""), &[]);
    assert_at(
        &e,
        11,
        9,
        "node[1].t_avg",
        "expected a duration with a unit (ns, us, ms, s, min)",
    );
    // A bare TOML number says what is missing rather than "expected a string".
    let e = fail(&edit("t_avg = \"20ms\"", "t_avg = 20"), &[]);
    assert_at(&e, 11, 9, "node[1].t_avg", "got the bare number 20");
}

#[test]
fn unknown_unit() {
    let e = fail(&edit("t_avg = \"20ms\"", "t_avg = \"20 parsecs\""), &[]);
    assert_at(&e, 11, 9, "node[1].t_avg", "got \"20 parsecs\"");
    let e = fail(&edit("rate = \"200pps\"", "rate = \"200PPS\""), &[]);
    assert_at(&e, 40, 8, "flow[0].rate", "did you mean \"200pps\"?");
}

#[test]
fn unquoted_quantity_is_a_syntax_error_with_a_hint() {
    let e = fail(&edit("rate = \"200pps\"", "rate = 200pps"), &[]);
    assert_at(
        &e,
        40,
        8,
        "rate",
        "string values must be quoted: write \"200pps\"",
    );
}

// ---- zero and negative quantities ------------------------------------------------------------

#[test]
fn zero_or_negative_rate() {
    let e = fail(&edit("rate = \"200pps\"", "rate = \"0pps\""), &[]);
    assert_at(
        &e,
        40,
        8,
        "flow[0].rate",
        "expected a packet rate above zero",
    );
    let e = fail(&edit("rate = \"400pps\"", "rate = \"-5pps\""), &[]);
    assert_at(
        &e,
        46,
        8,
        "flow[1].rate",
        "expected a packet rate above zero",
    );
}

#[test]
fn zero_bandwidth() {
    let e = fail(
        &edit(
            "to = \"bob\"\nbandwidth = \"10Mbps\"",
            "to = \"bob\"\nbandwidth = \"0Mbps\"",
        ),
        &[],
    );
    assert_at(
        &e,
        29,
        13,
        "link[1].bandwidth",
        "expected a bandwidth above zero",
    );
}

#[test]
fn zero_or_negative_t_avg() {
    let e = fail(&edit("t_avg = \"20ms\"", "t_avg = \"0ms\""), &[]);
    assert_at(
        &e,
        11,
        9,
        "node[1].t_avg",
        "expected a mean hold above zero",
    );
    let e = fail(&edit("t_avg = \"20ms\"", "t_avg = \"-20ms\""), &[]);
    assert_at(
        &e,
        11,
        9,
        "node[1].t_avg",
        "expected a duration of zero or more",
    );
}

// ---- routes and load -----------------------------------------------------------------------

#[test]
fn route_through_unknown_node() {
    let e = fail(
        &edit(r#"["alice", "mix", "bob"]"#, r#"["alice", "mx", "bob"]"#),
        &[],
    );
    assert_at(
        &e,
        38,
        19,
        "flow[0].route[1]",
        "no node named \"mx\" (did you mean \"mix\"?); known nodes: alice, mix, bob, r2",
    );
}

#[test]
fn hop_without_link() {
    let e = fail(
        &edit(r#"["alice", "mix", "bob"]"#, r#"["alice", "bob"]"#),
        &[],
    );
    assert_at(
        &e,
        38,
        19,
        "flow[0].route[1]",
        "no link from \"alice\" to \"bob\" for this hop",
    );
}

#[test]
fn route_visiting_a_node_twice() {
    let text = edit("[[flow]]\nname = \"noise\"", "[[link]]\nfrom = \"bob\"\nto = \"mix\"\nbandwidth = \"1Gbps\"\n\n[[flow]]\nname = \"noise\"");
    let text = text.replace(
        r#"["alice", "mix", "r2"]"#,
        r#"["alice", "mix", "bob", "mix", "r2"]"#,
    );
    let e = fail(&text, &[]);
    assert!(e.to_string().contains("visits \"mix\" twice"), "{e}");
    assert_eq!(e.key(), Some("flow[1].route[3]"));
}

#[test]
fn overloaded_output_link() {
    // 1300 pkt/s x 1000 B = 10.4 Mbit/s on the 10 Mbit/s link mix->r2.
    let e = fail(&edit("rate = \"400pps\"", "rate = \"1300pps\""), &[]);
    assert_at(
        &e,
        34,
        13,
        "link[2].bandwidth",
        "link mix->r2 is offered 10.4Mbps (1300 pkt/s from flows noise) but its capacity is 10Mbps",
    );
    // Exactly at capacity is refused too.
    let e = fail(&edit("rate = \"400pps\"", "rate = \"1250pps\""), &[]);
    assert_at(
        &e,
        34,
        13,
        "link[2].bandwidth",
        "(load 100%): expected an offered load below capacity",
    );
}

// ---- types and required keys ----------------------------------------------------------------

#[test]
fn string_where_a_number_is_expected() {
    let e = fail(&edit("trials = 10", "trials = \"ten\""), &[]);
    assert_at(
        &e,
        2,
        10,
        "trials",
        "expected a whole number (0 or more), got string \"ten\"",
    );
    let e = fail(
        &edit("sample_sizes = [60, 480]", "sample_sizes = [60, \"480\"]"),
        &[],
    );
    assert_at(
        &e,
        50,
        21,
        "attack.sample_sizes[1]",
        "expected a whole number (0 or more)",
    );
}

#[test]
fn missing_required_key() {
    let e = fail(
        &edit(
            "to = \"bob\"\nbandwidth = \"10Mbps\"",
            "to = \"bob\"\n# no bandwidth",
        ),
        &[],
    );
    assert_at(
        &e,
        26,
        1,
        "link[1].bandwidth",
        "missing required key \"bandwidth\" in link[1]",
    );
    let e = fail(&edit("name = \"t\"", "# no name"), &[]);
    assert_at(&e, 1, 1, "name", "missing required key \"name\"");
    let e = fail(&edit("t_avg = \"20ms\"", "# no t_avg"), &[]);
    assert_at(&e, 8, 1, "node[1].t_avg", "mix \"mix\" needs t_avg");
    let e = fail(&edit("rate = \"200pps\"", "# no rate"), &[]);
    assert_at(&e, 36, 1, "flow[0].rate", "flow \"alice\" needs a rate");
}

// ---- duplicates and names --------------------------------------------------------------------

#[test]
fn duplicate_names() {
    let e = fail(&edit("name = \"r2\"", "name = \"bob\""), &[]);
    assert_at(
        &e,
        18,
        8,
        "node[3].name",
        "node \"bob\" is defined twice (first as node[2])",
    );
    let e = fail(&edit("name = \"noise\"", "name = \"alice\""), &[]);
    assert_at(
        &e,
        43,
        8,
        "flow[1].name",
        "flow \"alice\" is defined twice (first as flow[0])",
    );
    let e = fail(&edit("to = \"r2\"", "to = \"bob\""), &[]);
    assert_at(
        &e,
        31,
        1,
        "link[2]",
        "link mix->bob is defined twice (first as link[1])",
    );
}

#[test]
fn duplicate_toml_table() {
    let e = fail(&format!("{BASE}[attack]\ntarget = \"alice\"\n"), &[]);
    assert_at(&e, 51, 2, "attack", "duplicate key \"attack\"");
}

#[test]
fn names_with_separators_are_refused() {
    let e = fail(&edit("name = \"r2\"", "name = \"r.2\""), &[]);
    assert_at(&e, 18, 8, "node[3].name", "names cannot contain");
}

// ---- attack ----------------------------------------------------------------------------------

#[test]
fn unknown_attack_target() {
    let e = fail(&edit("target = \"alice\"", "target = \"alise\""), &[]);
    assert_at(
        &e,
        49,
        10,
        "attack.target",
        "no flow named \"alise\" (did you mean \"alice\"?); known flows: alice, noise",
    );
}

#[test]
fn empty_or_zero_sample_sizes() {
    let e = fail(&edit("sample_sizes = [60, 480]", "sample_sizes = []"), &[]);
    assert_at(
        &e,
        50,
        16,
        "attack.sample_sizes",
        "expected a non-empty list of sample sizes",
    );
    let e = fail(
        &edit("sample_sizes = [60, 480]", "sample_sizes = [60, 0]"),
        &[],
    );
    assert_at(
        &e,
        50,
        21,
        "attack.sample_sizes[1]",
        "expected sample sizes above zero",
    );
}

#[test]
fn candidates_and_estimators() {
    let e = fail(
        &edit(
            "target = \"alice\"",
            "target = \"alice\"\ncandidates = [\"mix->bob\", \"mix->r3\"]",
        ),
        &[],
    );
    assert_at(
        &e,
        50,
        27,
        "attack.candidates[1]",
        "no link named \"mix->r3\" (did you mean \"mix->r2\"?)",
    );
    let e = fail(
        &edit(
            "target = \"alice\"",
            "target = \"alice\"\nestimators = [\"mi\", \"xcor\"]",
        ),
        &[],
    );
    assert_at(
        &e,
        50,
        21,
        "attack.estimators[1]",
        "unknown estimator \"xcor\" (did you mean \"xcorr\"?)",
    );
}

#[test]
fn duration_too_short() {
    let e = fail(&edit("trials = 10", "trials = 10\nduration = \"2s\""), &[]);
    assert_at(
        &e,
        3,
        12,
        "duration",
        "expected at least warmup + largest sample size x interval = 5800ms",
    );
}

// ---- syntax ----------------------------------------------------------------------------------

#[test]
fn toml_syntax_error() {
    let e = fail(&edit("[attack]", "[attack"), &[]);
    assert_at(&e, 48, 8, "", "TOML syntax error: unclosed table");
    // No key: the Display leaves the key part out.
    assert!(
        e.to_string().starts_with("t.toml:48:8: TOML syntax error"),
        "{e}"
    );
}

// ---- overrides -------------------------------------------------------------------------------

#[test]
fn override_top_level_values() {
    let s = parse(BASE, &["trials=50", "warmup=2s", "name=my-run", "seed=7"]).unwrap();
    assert_eq!(
        (s.trials, s.warmup, s.name.as_str(), s.seed),
        (50, 2_000_000_000, "my-run", 7)
    );
}

#[test]
fn override_attack_values() {
    let s = parse(
        BASE,
        &[
            "attack.interval=20ms",
            "attack.sample_sizes=[60,480,3840]",
            "attack.estimators=[\"mi\", \"xcorr\"]",
        ],
    )
    .unwrap();
    let a = s.correlation().unwrap().clone();
    assert_eq!(a.interval, 20_000_000);
    assert_eq!(a.sample_sizes, [60, 480, 3840]);
    assert_eq!(a.estimators, ["mi", "xcorr"]);
}

#[test]
fn override_entries_by_name_and_index() {
    let s = parse(
        BASE,
        &[
            "node.mix.t_avg=50ms",
            "link.mix->bob.bandwidth=5Mbps",
            "flow.alice.rate=150pps",
            "link[2].delay=3ms",
            "node.mix.strategy=timed",
        ],
    )
    .unwrap();
    assert_eq!(
        s.nodes[1].kind,
        mixsim::scenario::ResolvedNodeKind::Mix {
            strategy: mixsim::net::MixStrategy::Timed { period: 50_000_000 }
        }
    );
    assert_eq!(s.links[1].bandwidth_bps, 5e6);
    assert_eq!(s.links[2].delay, 3_000_000);
    assert_eq!(s.flows[0].traffic, Traffic::Poisson { rate: 150.0 });
}

#[test]
fn override_adds_missing_keys_and_tables() {
    let s = parse(
        BASE,
        &[
            "duration=20s",
            "attack.candidates=[\"mix->bob\", \"mix->r2\"]",
        ],
    )
    .unwrap();
    assert_eq!(s.duration, 20_000_000_000);
    // Inline and dotted tables take new keys too.
    let no_attack = &BASE[..BASE.find("[attack]").unwrap()];
    let inline = no_attack.replacen(
        "trials = 10\n",
        "trials = 10\nattack = { target = \"alice\", sample_sizes = [60] }\n",
        1,
    );
    let s = parse(&inline, &["attack.interval=5ms"]).unwrap();
    assert_eq!(s.correlation().unwrap().clone().interval, 5_000_000);
    let dotted = no_attack.replacen(
        "trials = 10\n",
        "trials = 10\nattack.target = \"alice\"\nattack.sample_sizes = [60]\n",
        1,
    );
    let s = parse(&dotted, &["attack.interval=5ms"]).unwrap();
    assert_eq!(s.correlation().unwrap().interval, 5_000_000);
    // Watermarks are entries addressed by name: a free-form key is refused.
    assert!(parse(&dotted, &["watermark.amplitude=0.5"]).is_err());
    // No [attack] at all: the override creates it, and the missing target is blamed on it.
    let e = fail(no_attack, &["attack.interval=5ms"]);
    assert_from_set(
        &e,
        "attack.interval=5ms",
        "attack.target",
        "missing required key \"target\"",
    );
}

#[test]
fn later_overrides_win_and_inline_arrays_of_tables_work() {
    let s = parse(
        BASE,
        &[
            "trials=5",
            "trials=6",
            "node[1].t_avg=1ms",
            "node.mix.t_avg=2ms",
        ],
    )
    .unwrap();
    assert_eq!(s.trials, 6);
    assert!(matches!(
        s.nodes[1].kind,
        mixsim::scenario::ResolvedNodeKind::Mix {
            strategy: mixsim::net::MixStrategy::Exponential { mean_ns: 2e6 }
        }
    ));
    // Links written as an inline array of tables.
    let text = r#"name = "inline"
node = [{ name = "a", kind = "host" }, { name = "m", kind = "mix", t_avg = "1ms" }, { name = "b", kind = "host" }, { name = "c", kind = "host" }]
link = [{ from = "a", to = "m", bandwidth = "1Gbps" }, { from = "m", to = "b", bandwidth = "1Gbps" }, { from = "m", to = "r2", bandwidth = "1Gbps" }]
flow = [{ name = "f", route = ["a", "m", "b"], model = "constant", rate = "10pps" }]
"#
    .replace("r2", "c");
    let s = parse(
        &text,
        &[
            "link.m->c.delay=4ms",
            "link[1].bandwidth=20Mbps",
            "node.m.strategy=timed",
        ],
    )
    .unwrap();
    assert_eq!(s.links[2].delay, 4_000_000);
    assert_eq!(s.links[1].bandwidth_bps, 2e7);
}

#[test]
fn later_errors_keep_the_files_line_numbers() {
    // Overrides that insert lines above the error (a new key in [[node]] mix, a new top-level
    // key) and one that shortens a value must not move it.
    let text = edit(r#"["alice", "mix", "bob"]"#, r#"["alice", "mx", "bob"]"#);
    let e = fail(
        &text,
        &[
            "node.mix.strategy=timed",
            "duration=20s",
            "link.alice->mix.bandwidth=1Gbps",
        ],
    );
    assert_at(&e, 38, 19, "flow[0].route[1]", "no node named \"mx\"");
}

#[test]
fn error_in_overridden_value_names_the_override() {
    let e = fail(BASE, &["node.mix.t_avg=0ms"]);
    assert_from_set(
        &e,
        "node.mix.t_avg=0ms",
        "node[1].t_avg",
        "expected a mean hold above zero",
    );
    let e = fail(BASE, &["link.mix->bob.bandwidth=5Mb/s"]);
    assert_from_set(
        &e,
        "link.mix->bob.bandwidth=5Mb/s",
        "link[1].bandwidth",
        "expected a bandwidth with a unit",
    );
    let e = fail(BASE, &["trials=many"]);
    assert_from_set(
        &e,
        "trials=many",
        "trials",
        "expected a whole number (0 or more), got string \"many\"",
    );
    let e = fail(BASE, &["flow.noise.rate=2kpps"]);
    assert!(e.to_string().contains("is offered 16Mbps"), "{e}");
    assert_eq!(e.key(), Some("link[2].bandwidth"));
}

#[test]
fn unknown_override_paths_suggest_the_closest() {
    assert_bad_set(
        &fail(BASE, &["trails=5"]),
        "trails=5",
        "unknown top-level key \"trails\" in path \"trails\" (did you mean \"trials\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["atack.interval=5ms"]),
        "atack.interval=5ms",
        "(did you mean \"attack.interval\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["node.mixx.t_avg=5ms"]),
        "node.mixx.t_avg=5ms",
        "no node \"mixx\" (did you mean \"mix\"?); the file has: alice, mix, bob, r2",
    );
    assert_bad_set(
        &fail(BASE, &["node.mix.tavg=5ms"]),
        "node.mix.tavg=5ms",
        "(did you mean \"node.mix.t_avg\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["link.mix->bb.delay=5ms"]),
        "link.mix->bb.delay=5ms",
        "(did you mean \"mix->bob\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["flow.alice.rte=5pps"]),
        "flow.alice.rte=5pps",
        "(did you mean \"flow.alice.rate\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["attack.intervall=5ms"]),
        "attack.intervall=5ms",
        "(did you mean \"attack.interval\"?)",
    );
    assert_bad_set(
        &fail(BASE, &["link[7].delay=5ms"]),
        "link[7].delay=5ms",
        "there is no link[7]",
    );
    assert_bad_set(
        &fail(BASE, &["trials.x=5"]),
        "trials.x=5",
        "`trials` is a single value",
    );
    assert_bad_set(
        &fail(BASE, &["node.mix=5"]),
        "node.mix=5",
        "expected one key after the node",
    );
    assert_bad_set(&fail(BASE, &["trials"]), "trials", "expected path=value");
}

#[test]
fn effective_scenario_round_trips() {
    let s = parse(BASE, &["node.mix.t_avg=50ms", "trials=3"]).unwrap();
    let text = s.to_toml_string();
    let t = parse(&text, &[]).unwrap();
    assert_eq!((t.trials, t.duration, t.warmup), (3, s.duration, s.warmup));
    assert_eq!(t.nodes, s.nodes);
    assert_eq!(t.links, s.links);
    assert_eq!(t.flows, s.flows);
    assert_eq!(t.attacks, s.attacks);
}

// ---- several attacks -------------------------------------------------------------------------

/// BASE with its `[attack]` replaced by two `[[attack]]` tables (lines 48-52 and 54-57).
fn two_attacks() -> String {
    edit(
        "[attack]\ntarget = \"alice\"\nsample_sizes = [60, 480]\n",
        "[[attack]]\nname = \"plain\"\ntarget = \"alice\"\nsample_sizes = [60, 480]\nestimators = [\"mi\", \"xcorr\"]\n\n[[attack]]\nname = \"late\"\nkind = \"correlation\"\ntarget = \"alice\"\nsample_sizes = [100]\n",
    )
}

#[test]
fn several_attacks_parse_in_file_order() {
    use mixsim::scenario::CorrelationAttack;
    let s = parse(&two_attacks(), &[]).unwrap();
    let names: Vec<&str> = s.attacks.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["plain", "late"]);
    let Some(late) = s.attacks[1].kind.get::<CorrelationAttack>() else {
        panic!("a correlation attack")
    };
    assert_eq!(late.sample_sizes, [100]);
    // The duration covers the longest series of all attacks.
    assert_eq!(s.duration, 1_000_000_000 + 480 * 10_000_000);
    // A single [attack] is named after its kind.
    assert_eq!(parse(BASE, &[]).unwrap().attacks[0].name, "correlation");
}

#[test]
fn overrides_address_attacks_by_name_or_index() {
    use mixsim::scenario::CorrelationAttack;
    let s = parse(
        &two_attacks(),
        &[
            "attack.late.sample_sizes=[30, 60]",
            "attack[0].estimators=[\"mi-mm\"]",
        ],
    )
    .unwrap();
    let sizes = |i: usize| {
        let c = s.attacks[i]
            .kind
            .get::<CorrelationAttack>()
            .expect("correlation");
        (c.sample_sizes.clone(), c.estimators.clone())
    };
    assert_eq!(sizes(0), (vec![60, 480], vec!["mi-mm".to_string()]));
    assert_eq!(sizes(1), (vec![30, 60], vec!["mi".to_string()]));
    let e = fail(&two_attacks(), &["attack.lat.interval=5ms"]);
    assert!(e.to_string().contains("did you mean \"late\""), "{e}");
    // The single form keeps `attack.KEY`.
    let s = parse(BASE, &["attack.interval=20ms"]).unwrap();
    assert_eq!(s.correlation().unwrap().interval, 20_000_000);
}

#[test]
fn attack_table_errors_are_located() {
    let text = two_attacks();
    // Unknown key inside the second [[attack]] (line 57 is sample_sizes = [100]).
    let e = fail(
        &text.replace("sample_sizes = [100]", "sample_size = [100]"),
        &[],
    );
    assert_at(
        &e,
        58,
        1,
        "attack[1].sample_size",
        "(did you mean \"sample_sizes\"?)",
    );
    // Unknown kind, with a suggestion.
    let e = fail(
        &text.replace("kind = \"correlation\"", "kind = \"corelation\""),
        &[],
    );
    assert_at(
        &e,
        56,
        8,
        "attack[1].kind",
        "(did you mean \"correlation\"?)",
    );
    // Wrong type.
    let e = fail(&text.replace("kind = \"correlation\"", "kind = 3"), &[]);
    assert_at(&e, 56, 8, "attack[1].kind", "expected a string");
    // Two attacks with one name.
    let e = fail(&text.replace("name = \"late\"", "name = \"plain\""), &[]);
    assert_at(
        &e,
        55,
        8,
        "attack[1].name",
        "two attacks are named \"plain\"",
    );
    // A missing required key points at its table.
    let e = fail(
        &text.replace(
            "target = \"alice\"\nsample_sizes = [100]",
            "sample_sizes = [100]",
        ),
        &[],
    );
    assert_at(
        &e,
        54,
        1,
        "attack[1].target",
        "missing required key \"target\" in attack[1]",
    );
    // The taps count in one interval.
    let e = fail(
        &text.replace(
            "sample_sizes = [100]",
            "sample_sizes = [100]\ninterval = \"20ms\"",
        ),
        &[],
    );
    assert_at(
        &e,
        59,
        12,
        "attack[1].interval",
        "expected the interval of attack[0] (10ms)",
    );
}
