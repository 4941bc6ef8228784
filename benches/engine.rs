//! Engine throughput on the reference workload: fig5-heavy over 300 s of simulated time, one
//! thread, in end-to-end packets per second (created, carried over the access link, held by the
//! mix, queued on the output link, delivered) and in events per second; each event queue
//! implementation is measured on the same trials. Also the correlation attack's cost per trial.
//!
//! Run: `cargo bench --bench engine` (release profile). Set MIXSIM_BENCH_REPS to change the
//! number of repetitions (default 7); the median is reported.

use mixsim::attack::correlation::estimator;
use mixsim::engine::{BinaryHeapQueue, EventQueue, PriorityQueueCrate, QuaternaryHeapQueue};
use mixsim::experiment::runner::{score_correlation, tap_setup, true_candidate};
use mixsim::net::{NetEvent, Network};
use mixsim::scenario::Scenario;
use std::path::Path;
use std::time::Instant;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig5-heavy.toml");
    // 300 s of simulated time: warm-up 1 s + 29 900 intervals of 10 ms.
    Scenario::load(&path, &["attack.sample_sizes=[29900]".to_string()])
        .or_else(|_| {
            let text = std::fs::read_to_string(&path).expect("scenario file");
            let text = text.replace(
                "sample_sizes = [10, 30, 100, 300, 1000, 3000]",
                "sample_sizes = [29900]",
            );
            Scenario::parse(&text, &path, &[])
        })
        .expect("fig5-heavy loads")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench_queue<Q: EventQueue<NetEvent>>(
    name: &str,
    s: &Scenario,
    reps: usize,
    make: impl Fn() -> Q,
) {
    let setup = tap_setup(s, false);
    let mut secs = Vec::new();
    let (mut packets, mut events) = (0, 0);
    for trial in 0..reps as u64 {
        let start = Instant::now();
        let (net, ev) = Network::run_with_queue(s, 1, trial, setup.clone(), make());
        secs.push(start.elapsed().as_secs_f64());
        packets = net.counters.delivered;
        events = ev;
    }
    let t = median(secs);
    println!(
        "engine/{name:<16} {:>8.1} ms/trial  {:>6.2} M packets/s  {:>6.2} M events/s  ({} packets delivered, {:.2} events/packet)",
        t * 1e3,
        packets as f64 / t / 1e6,
        events as f64 / t / 1e6,
        packets,
        events as f64 / packets as f64
    );
}

fn main() {
    let reps: usize = std::env::var("MIXSIM_BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let s = scenario();
    println!(
        "fig5-heavy, {:.0} s simulated per trial, single thread, median of {reps}",
        s.duration as f64 * 1e-9
    );
    // MIXSIM_BENCH_ONLY=binary-heap (or priority-queue, attack) runs one part, for profiling.
    let only = std::env::var("MIXSIM_BENCH_ONLY").unwrap_or_default();
    let wanted = |part: &str| only.is_empty() || only == part;
    if wanted("binary-heap") {
        bench_queue("binary-heap", &s, reps, BinaryHeapQueue::default);
    }
    if wanted("quaternary-heap") {
        bench_queue("quaternary-heap", &s, reps, QuaternaryHeapQueue::default);
    }
    if wanted("priority-queue") {
        bench_queue("priority-queue", &s, reps, PriorityQueueCrate::default);
    }
    if !wanted("attack") {
        return;
    }

    // The attack's cost per trial: every estimator at N = 29 900 on one trial's taps.
    let attack = s.attack.as_ref().expect("attack");
    let (net, _) = Network::run(&s, 1, 0, tap_setup(&s, false));
    let truth = true_candidate(&s, attack).expect("target on a candidate");
    for name in mixsim::scenario::ESTIMATORS {
        let est = vec![estimator(name).expect("known")];
        let mut secs = Vec::new();
        for _ in 0..reps {
            let start = Instant::now();
            std::hint::black_box(score_correlation(attack, &net, truth, &est));
            secs.push(start.elapsed().as_secs_f64());
        }
        println!(
            "attack/{name:<16} {:>8.2} ms per trial (2 candidates, N = 29900)",
            median(secs) * 1e3
        );
    }
}
