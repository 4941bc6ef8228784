//! Hardening: whatever `check` accepts, `run` runs or refuses with a located error (exit 2);
//! the model says why it does not apply instead of failing; files and pipes are handled with
//! care. One test per case found by hostile testing.

use crate::common::{arg, mixsim, ok, refused, run_cli, scenario_path, stderr};
use std::path::Path;
use std::process::Output;

fn model_of(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["model"].clone()
}

/// Less than one packet per sampling interval, and a load of 99.8 %: the simulation runs, the
/// summary says why the model does not apply (these panicked in the model, exit 101).
#[test]
fn a_run_whose_model_does_not_apply_finishes_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for (file, set, why) in [
        (
            "testbed-poisson.toml",
            "attack.interval=10us",
            "use a longer interval",
        ),
        (
            "fig5-heavy.toml",
            "link.mix->bob.bandwidth=4010000bps",
            "expected a load below",
        ),
    ] {
        let out = dir.path().join(file);
        let o = run_cli(&[
            "run",
            arg(&scenario_path(file)),
            "--set",
            set,
            "--trials",
            "1",
            "--out",
            arg(&out),
        ]);
        ok(&o);
        let model = model_of(&out);
        assert_eq!(model["applicable"], false, "{model}");
        assert!(model["reason"].as_str().unwrap().contains(why), "{model}");
        let table = std::fs::read_to_string(out.join("table.txt")).unwrap();
        assert!(table.contains("model: not applicable, because"), "{table}");
        let o = run_cli(&["model", arg(&scenario_path(file)), "--set", set]);
        refused(&o, &["not applicable, because"]);
    }
}

/// A sweep with a point the model does not cover finishes (it used to panic at the last step on
/// every rerun).
#[test]
fn a_sweep_with_a_point_outside_the_model_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("na.toml");
    std::fs::write(
        &sweep,
        format!(
            r#"
name = "na"
base = "{}"
trials = 2
seed = 3
set = ["attack.sample_sizes=[60]"]

[vary]
"link.mix->bob.bandwidth" = ["5Mbps", "4010000bps"]
"#,
            scenario_path("fig5-heavy.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
        "--jobs",
        "1",
    ]);
    ok(&o);
    assert!(out.join("sweep.csv").exists());
}

/// `check` on `file` with overrides: the output of a refusal.
fn check(file: &str, sets: &[&str]) -> Output {
    let mut args = vec!["check".to_string(), arg(&scenario_path(file)).to_string()];
    for set in sets {
        args.push("--set".into());
        args.push(set.to_string());
    }
    mixsim().args(&args).output().unwrap()
}

/// Times at or beyond 2^64 ns were clamped, then wrapped (exit 0 with wrong rates); sample sizes
/// near the u64 range printed a wrapped duration; sample sizes too large for memory aborted the
/// run (exit 134). Each is now refused by `check` at its key.
#[test]
fn times_and_sizes_beyond_what_a_run_can_hold_are_refused_where_they_are() {
    for (file, set, key, words) in [
        (
            "fig5-light.toml",
            "link.mix->bob.delay=1e300s",
            "link[3].delay",
            "at most",
        ),
        ("fig5-light.toml", "warmup=1e300s", "warmup", "at most"),
        (
            "fig5-light.toml",
            "node.mix.t_avg=1e300s",
            "node[3].t_avg",
            "at most",
        ),
        (
            "fig5-light.toml",
            "flow.alice.start=1e300s",
            "flow[0].start",
            "at most",
        ),
        ("fig5-light.toml", "duration=1e300s", "duration", "at most"),
        (
            "testbed-poisson.toml",
            "attack.sample_sizes=[18446744073709551615]",
            "attack.sample_sizes",
            "beyond the largest simulated time",
        ),
        (
            "testbed-poisson.toml",
            "attack.interval=1000000s",
            "attack.sample_sizes",
            "beyond the largest simulated time",
        ),
        (
            "testbed-poisson.toml",
            "attack.sample_sizes=[100000000]",
            "attack.sample_sizes",
            "GiB of counters per trial",
        ),
        (
            "fig5-light.toml",
            "flow.alice.rate=1e300pps",
            "flow[0].rate",
            "packet rate from",
        ),
        (
            "fig5-light.toml",
            "flow.alice.rate=1e-300pps",
            "flow[0].rate",
            "packet rate from",
        ),
        (
            "fig5-light.toml",
            "name=../../escaped",
            "name",
            "used as a directory name",
        ),
    ] {
        let o = check(file, &[set]);
        refused(&o, &[&format!("key `{key}`"), words]);
    }
}

/// The tap-memory bound counts only the points the attacks watch: 50 M intervals at
/// testbed-poisson's three watched points (0.6 GiB) are accepted although counters at all three
/// points of its five links would need 2.8 GiB; twice as many are refused.
#[test]
fn tap_memory_counts_only_watched_points() {
    ok(&check(
        "testbed-poisson.toml",
        &["attack.sample_sizes=[50000000]"],
    ));
    refused(
        &check("testbed-poisson.toml", &["attack.sample_sizes=[100000000]"]),
        &[
            "key `attack.sample_sizes`",
            "the 3 tap points the attacks watch",
        ],
    );
}

/// A tiny bandwidth under a TCP flow (which the offered-load check leaves out): one segment
/// would take longer to send than the clock can hold.
#[test]
fn a_transmission_time_beyond_the_clock_is_refused() {
    let text = r#"
name = "slow"
[[node]]
name = "a"
kind = "host"
[[node]]
name = "b"
kind = "host"
[[link]]
from = "a"
to = "b"
bandwidth = "0.5bps"
[[link]]
from = "b"
to = "a"
bandwidth = "10Mbps"
[[flow]]
name = "t"
route = ["a", "b"]
ack_route = ["b", "a"]
model = "tcp"
size = "1MB"
"#;
    let e = mixsim::scenario::Scenario::parse(text, Path::new("slow.toml"), &[]).unwrap_err();
    let e = e.to_string();
    assert!(e.contains("key `link[0].bandwidth`"), "{e}");
    assert!(e.contains("beyond the largest simulated time"), "{e}");
}

#[test]
fn a_file_that_is_not_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"name = \"x\"\n\xff\n").unwrap();
    let o = run_cli(&["check", arg(&bad)]);
    refused(&o, &["bad.toml:2:1:", "UTF-8", "0xff"]);
}

/// `--jobs 0` was run by `run` and refused by `sweep`: now every subcommand refuses it alike,
/// and `--progress-every inf` (a panic) is refused too.
#[test]
fn counts_and_intervals_on_the_command_line_are_validated_alike() {
    let sc = scenario_path("fig5-light.toml");
    let fig6 = crate::common::repo().join("scenarios/fig6.toml");
    for args in [
        vec!["run", arg(&sc), "--jobs", "0"],
        vec!["run", arg(&sc), "--trials", "0"],
        vec!["sweep", arg(&fig6), "--jobs", "0"],
        vec!["sweep", arg(&fig6), "--trials", "0"],
        vec!["export", arg(&sc), "--jobs", "0", "--out", "x"],
        vec!["export", arg(&sc), "--trials", "0", "--out", "x"],
    ] {
        let o = run_cli(&args);
        refused(&o, &["expected at least 1"]);
    }
    for secs in ["inf", "NaN", "-1", "1e300", "ten"] {
        let o = run_cli(&["sweep", arg(&fig6), &format!("--progress-every={secs}")]);
        refused(
            &o,
            &["--progress-every", "expected seconds from 0 to 86400"],
        );
    }
}

/// An output directory that cannot be made is refused before the simulation, with --out named.
#[test]
fn an_unusable_out_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("sub");
    let o = run_cli(&[
        "run",
        arg(&scenario_path("fig5-light.toml")),
        "--trials",
        "1",
        "--out",
        arg(&out),
    ]);
    refused(&o, &["--out", "sub"]);
}

/// `trace --out` onto a symlink writes the file it points to and leaves the link in place (it
/// used to rename a temporary file over the link, or over a FIFO or device node).
#[cfg(unix)]
#[test]
fn trace_writes_through_symlinks_and_fifos() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.csv");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let trace = |out: &Path| {
        run_cli(&[
            "trace",
            arg(&scenario_path("fig5-light.toml")),
            "--tap",
            "alice->mix",
            "--set",
            "duration=3s",
            "--set",
            "attack.sample_sizes=[10]",
            "--out",
            arg(out),
        ])
    };
    ok(&trace(&link));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("time_s,size_bytes\n"));

    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here: the symlink case above stands
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    ok(&trace(&fifo));
    assert!(reader.join().unwrap().starts_with("time_s,size_bytes\n"));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

/// A second sweep (or merge) into a directory another one is writing to is refused: it used to
/// delete the first one's in-flight temporary files.
#[test]
fn a_second_writer_of_a_sweep_directory_is_refused() {
    use mixsim::experiment::campaign::{record, shard::Shard, sweep};
    let dir = tempfile::tempdir().unwrap();
    let plan = sweep::load(
        &crate::common::repo().join("scenarios/fig6.toml"),
        Some(1),
        None,
    )
    .unwrap();
    let manifest = record::Manifest::new(&plan.spec, Shard::WHOLE);
    let out = dir.path().join("out");
    let first = record::prepare(&out, &manifest).unwrap();
    let second = record::prepare(&out, &manifest).unwrap_err();
    assert!(
        second.to_string().contains("another mixsim sweep or merge"),
        "{second}"
    );
    drop(first);
    record::prepare(&out, &manifest).unwrap();
}

/// `check` names the command that takes a sweep file, after validating it.
#[test]
fn check_recognises_a_sweep_file() {
    let fig6 = crate::common::repo().join("scenarios/fig6.toml");
    let o = run_cli(&["check", arg(&fig6)]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("valid sweep file"), "{text}");
    assert!(text.contains("mixsim sweep"), "{text}");
}

/// A closed stdout ends the process quietly (it panicked in println!, exit 101).
#[cfg(unix)]
#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    use std::os::unix::process::ExitStatusExt;
    let mut child = mixsim()
        .args([
            "trace",
            arg(&scenario_path("fig5-light.toml")),
            "--tap",
            "mix->bob",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        o.status.success() || o.status.signal() == Some(libc_sigpipe()),
        "{:?}: {err}",
        o.status
    );
}

fn libc_sigpipe() -> i32 {
    13
}

/// summary.json says what produced it: version, overrides, the resolved scenario and its hash;
/// seeds are strings (a seed above 2^53 copied through a JSON tool stays itself) and read back
/// from strings or integers.
#[test]
fn summaries_carry_provenance_and_seeds_as_strings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let set = "attack.sample_sizes=[10]";
    ok(&run_cli(&[
        "run",
        arg(&scenario_path("fig5-light.toml")),
        "--set",
        set,
        "--trials",
        "1",
        "--seed",
        "18446744073709551615",
        "--out",
        arg(&out),
        "--quiet",
    ]));
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["seed"], "18446744073709551615");
    let p = &v["provenance"];
    assert_eq!(p["mixsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(p["overrides"], serde_json::json!([set]));
    let scenario = p["scenario"].as_str().unwrap();
    assert_eq!(
        p["scenario_fnv1a64"].as_str().unwrap(),
        format!("{:016x}", mixsim::engine::seed::fnv1a(scenario.as_bytes()))
    );
    // The recorded scenario is a scenario, and it is the one that ran.
    let again = mixsim::scenario::Scenario::parse(scenario, Path::new("p.toml"), &[]).unwrap();
    assert_eq!(again.correlation().unwrap().sample_sizes, vec![10]);
    // Seeds are read from strings, also beyond the range of TOML integers.
    let file = dir.path().join("s.toml");
    let base = std::fs::read_to_string(scenario_path("fig5-light.toml")).unwrap();
    let text = base.replacen("\nseed = ", "\nseed = \"18446744073709551615\" # was ", 1);
    assert_ne!(text, base);
    std::fs::write(&file, text).unwrap();
    let o = run_cli(&["check", arg(&file)]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("seed 18446744073709551615"));
}

/// A sweep directory written by another mixsim version is not resumed into (its records
/// would be mixed with this version's).
#[test]
fn resume_refuses_a_sweep_of_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("v.toml");
    std::fs::write(
        &sweep,
        format!(
            "name = \"v\"\nbase = \"{}\"\ntrials = 1\nset = [\"attack.sample_sizes=[10]\"]\n[vary]\n\"node.mix.t_avg\" = [\"5ms\"]\n",
            scenario_path("fig5-light.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
    ]));
    let manifest = out.join("sweep.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let version = format!("\"mixsim_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(
        &manifest,
        text.replace(&version, "\"mixsim_version\": \"0.0.1\""),
    )
    .unwrap();
    let o = run_cli(&["sweep", arg(&sweep), "--out", arg(&out), "--quiet"]);
    refused(&o, &["written by mixsim 0.0.1 there"]);
}
