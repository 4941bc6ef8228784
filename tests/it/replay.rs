//! Trace replay from CSV, pcap and pcapng (tests/data/, written by `cargo run --example
//! make_capture`), and clear errors for bad files.

use crate::common::{mixsim, repo};
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::{Scenario, ScenarioError, Traffic};
use mixsim::traffic::replay::{load, FlowFilter, TraceData};
use std::path::{Path, PathBuf};

const SSH: &str = "10.0.0.1:5000->10.0.0.2:22/tcp";

fn data(name: &str) -> PathBuf {
    repo().join("tests/data").join(name)
}

fn ssh() -> FlowFilter {
    SSH.parse().unwrap()
}

/// A scenario replaying `file` (with `filter`, if any) from alice through a mix to bob.
fn scenario(file: &str, filter: Option<&str>) -> String {
    let filter = filter.map_or(String::new(), |f| format!("filter = \"{f}\"\n"));
    format!(
        r#"name = "replay"
warmup = "1s"
duration = "20s"
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
[[link]]
from = "alice"
to = "mix"
bandwidth = "10Mbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "10Mbps"
[[flow]]
name = "ssh"
route = ["alice", "mix", "bob"]
model = "trace"
start = "2s"
file = "{file}"
{filter}"#
    )
}

/// Parse as if the scenario file were in tests/ (so "data/..." is tests/data/...).
fn parse_in_tests(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(text, &repo().join("tests/replay.toml"), &[])
}

#[test]
fn pcap_pcapng_and_csv_give_the_same_flow() {
    let pcap = load(&data("synthetic.pcap"), Some(&ssh())).unwrap();
    let pcapng = load(&data("synthetic.pcapng"), Some(&ssh())).unwrap();
    let csv = load(&data("synthetic-ssh.csv"), None).unwrap();
    assert_eq!(pcap.times.len(), 200, "the UDP noise is filtered out");
    assert_eq!(pcap, pcapng);
    assert_eq!(pcap.sizes, csv.sizes);
    assert_eq!(pcap.times[0], 0, "times start at the first packet");
    for (a, b) in pcap.times.iter().zip(&csv.times) {
        assert!(
            a.abs_diff(*b) <= 1_000,
            "{a} vs {b}: CSV keeps microseconds"
        );
    }
    let sizes = pcap.sizes.as_ref().unwrap();
    assert_eq!(sizes.iter().filter(|&&s| s == 1400).count(), 40);
    // The other direction of the filter is another flow: the UDP one.
    let dns = load(
        &data("synthetic.pcap"),
        Some(&"10.0.0.3:53->10.0.0.2:4000/udp".parse().unwrap()),
    )
    .unwrap();
    assert_eq!(dns.times.len(), 60);
}

#[test]
fn replayed_packets_leave_at_the_trace_times_from_the_flow_start() {
    let s = parse_in_tests(&scenario("data/synthetic.pcap", Some(SSH))).unwrap();
    let Traffic::Trace(trace) = &s.flows[0].traffic else {
        panic!("a trace flow")
    };
    let trace: &TraceData = trace;
    let (net, _) = Network::run(&s.topology(), 1, 0, tap_setup(&s, true));
    assert_eq!(net.counters.created, 200);
    let seen = net.links[0].tap.view().trace(TapPoint::Enqueue);
    assert_eq!(seen.len(), 200);
    let sizes = trace.sizes.as_ref().unwrap();
    for (k, r) in seen.iter().enumerate() {
        assert_eq!(r.time, 2_000_000_000 + trace.times[k], "packet {k}");
        assert_eq!(r.size, sizes[k]);
    }
    assert_eq!(net.counters.delivered + net.counters.in_flight(), 200);
}

#[test]
fn relative_paths_are_resolved_from_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    std::fs::copy(data("synthetic.pcapng"), dir.path().join("traces/x.pcapng")).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, scenario("traces/x.pcapng", Some(SSH))).unwrap();
    // Not relative to the working directory (the crate root here).
    let s = Scenario::load(&path, &[]).unwrap();
    assert!(matches!(&s.flows[0].traffic, Traffic::Trace(t) if t.times.len() == 200));
    // A CSV without sizes: the flow's size is used.
    std::fs::write(dir.path().join("t.csv"), "0.5\n0.75\n1.0\n").unwrap();
    std::fs::write(
        &path,
        scenario("t.csv", None).replace("start = \"2s\"", "size = \"300B\""),
    )
    .unwrap();
    let s = Scenario::load(&path, &[]).unwrap();
    let (net, _) = Network::run(&s.topology(), 1, 0, tap_setup(&s, true));
    let seen = net.links[0].tap.view().trace(TapPoint::Enqueue);
    let got: Vec<(u64, u32)> = seen.iter().map(|r| (r.time, r.size)).collect();
    assert_eq!(got, [(0, 300), (250_000_000, 300), (500_000_000, 300)]);
}

/// The error loading `file` (written into a temp dir) with `filter`.
fn bad(file_name: &str, bytes: &[u8], filter: Option<&str>) -> (String, Option<String>, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(file_name);
    std::fs::write(&file, bytes).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, scenario(file_name, filter)).unwrap();
    let e = Scenario::load(&path, &[]).unwrap_err();
    (e.to_string(), e.key().map(String::from), file)
}

#[test]
fn bad_files_get_a_clear_error_naming_the_file() {
    let pcap = std::fs::read(data("synthetic.pcap")).unwrap();
    let pcapng = std::fs::read(data("synthetic.pcapng")).unwrap();
    // (file name, bytes, filter, key blamed, what the message says)
    type Case<'a> = (&'a str, Vec<u8>, Option<&'a str>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "cut.pcap",
            pcap[..1000].to_vec(),
            Some(SSH),
            "flow[0].file",
            "truncated",
        ),
        (
            "cut.pcapng",
            pcapng[..1000].to_vec(),
            Some(SSH),
            "flow[0].file",
            "truncated",
        ),
        (
            "head.pcap",
            pcap[..10].to_vec(),
            Some(SSH),
            "flow[0].file",
            "truncated",
        ),
        (
            "text.pcap",
            b"hello, world\n".to_vec(),
            Some(SSH),
            "flow[0].file",
            "wrong magic number 68 65 6c 6c",
        ),
        (
            "empty.pcap",
            Vec::new(),
            Some(SSH),
            "flow[0].file",
            "(empty file)",
        ),
        (
            "x.pcap",
            pcap.clone(),
            Some("10.9.9.9:1->10.0.0.2:22/tcp"),
            "flow[0].filter",
            "no packets match filter 10.9.9.9:1->10.0.0.2:22/tcp (260 packets read)",
        ),
        (
            "x.pcap",
            pcap.clone(),
            None,
            "flow[0].filter",
            "a capture needs `filter`",
        ),
        (
            "x.csv",
            b"time_s\n1.0\n0.5\n".to_vec(),
            None,
            "flow[0].file",
            "line 3: times must not decrease",
        ),
        (
            "x.csv",
            b"1.0,big\n".to_vec(),
            None,
            "flow[0].file",
            "line 1: expected a size in bytes",
        ),
        (
            "x.csv",
            b"time_s,size\n".to_vec(),
            None,
            "flow[0].file",
            "no packets",
        ),
        (
            "x.csv",
            b"0.1\n".to_vec(),
            Some(SSH),
            "flow[0].filter",
            "not to CSV",
        ),
    ];
    for (name, bytes, filter, key, says) in cases {
        let (msg, k, file) = bad(name, &bytes, filter);
        assert_eq!(k.as_deref(), Some(key), "{name}: {msg}");
        assert!(msg.contains(says), "{name}: {msg}");
        assert!(
            msg.contains(&file.display().to_string()),
            "names the trace file: {msg}"
        );
        assert!(msg.contains("s.toml:"), "and the scenario file: {msg}");
    }
}

#[test]
fn unreadable_file_and_bad_filter() {
    let text = scenario("data/missing.pcap", Some(SSH));
    let e = parse_in_tests(&text).unwrap_err().to_string();
    assert!(e.contains("missing.pcap: cannot open it"), "{e}");
    let e = parse_in_tests(&scenario(
        "data/synthetic.pcap",
        Some("10.0.0.1->10.0.0.2/tcp"),
    ))
    .unwrap_err();
    assert_eq!(e.key(), Some("flow[0].filter"));
    assert!(e.to_string().contains("expected a flow filter like"), "{e}");
    let e = parse_in_tests(
        &scenario("data/synthetic.pcap", Some(SSH)).replace("file = \"data/synthetic.pcap\"\n", ""),
    )
    .unwrap_err();
    assert_eq!(e.key(), Some("flow[0].file"), "{e}");
}

#[test]
fn a_bad_trace_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.pcap"), b"not a capture").unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, scenario("bad.pcap", Some(SSH))).unwrap();
    let out = dir.path().join("out");
    let r = mixsim()
        .args(["run", path.to_str().unwrap(), "--trials", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("bad.pcap: not a pcap or pcapng file"), "{err}");
    assert!(!out.exists(), "nothing written");
    assert!(Path::new(&path).exists());
}
