//! Write the small synthetic captures the replay tests use (tests/data/): an SSH-like TCP flow
//! 10.0.0.1:5000 -> 10.0.0.2:22 (200 packets, exponential gaps of mean 50 ms, 90-byte keystroke
//! packets with every fifth a 1400-byte echo) interleaved with UDP noise 10.0.0.3:53 ->
//! 10.0.0.2:4000 (60 packets), as pcap and pcapng through the `pcap-file` crate, and the SSH
//! flow alone as CSV. Deterministic: `cargo run --example make_capture [DIR]` rewrites the same
//! bytes.

use mixsim::engine::stream;
use mixsim::traffic::replay::{synthetic_capture, FlowFilter, SyntheticPacket};
use rand::Rng;
use std::path::PathBuf;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data"));
    std::fs::create_dir_all(&dir).expect("data directory");
    let ssh: FlowFilter = "10.0.0.1:5000->10.0.0.2:22/tcp".parse().unwrap();
    let dns: FlowFilter = "10.0.0.3:53->10.0.0.2:4000/udp".parse().unwrap();
    let mut rng = stream(2024, 0, 0);
    // An epoch-like start, to check that replay shifts times to the flow's start.
    let t0: u64 = 1_700_000_000_000_000_000;
    let mut packets = Vec::new();
    let mut t = t0;
    for i in 0..200u32 {
        let gap: f64 = -rng.random::<f64>().max(1e-12).ln() * 0.05;
        t += (gap * 1e6).round() as u64 * 1000; // whole microseconds
        let size = if i % 5 == 4 { 1400 } else { 90 };
        packets.push(SyntheticPacket {
            time: t,
            tuple: ssh,
            size,
        });
    }
    let mut t = t0 + 3_000_000;
    for _ in 0..60 {
        t += (rng.random::<f64>() * 0.3 * 1e6).round() as u64 * 1000;
        packets.push(SyntheticPacket {
            time: t,
            tuple: dns,
            size: 120,
        });
    }
    packets.sort_by_key(|p| p.time);
    for (name, ng) in [("synthetic.pcap", false), ("synthetic.pcapng", true)] {
        let bytes = synthetic_capture(&packets, ng).expect("in-memory capture");
        std::fs::write(dir.join(name), bytes).expect("write capture");
    }
    let mut csv = String::from("time_s,size_bytes\n");
    for p in packets.iter().filter(|p| p.tuple == ssh) {
        csv += &format!("{:.6},{}\n", (p.time - t0) as f64 * 1e-9 + 12.5, p.size);
    }
    mixsim::files::write_atomic(&dir.join("synthetic-ssh.csv"), csv.as_bytes()).expect("csv");
    println!(
        "wrote {}/synthetic.pcap, synthetic.pcapng, synthetic-ssh.csv",
        dir.display()
    );
}
