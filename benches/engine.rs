//! Engine throughput on the reference workload: fig5-heavy over 300 s of simulated time, one
//! thread, in end-to-end packets per second (created, carried over the access link, held by the
//! mix, queued on the output link, delivered) and in events per second; each event queue
//! implementation is measured on the same trials. Also the attacks' cost per trial: the
//! correlation estimators on count series, and the likelihood attack on timestamp traces.
//!
//! Also TCP against Poisson on the testbed topology (scenarios/testbed-tcp.toml and
//! testbed-poisson.toml, 60 s simulated): wall time per simulated packet, so that TCP's cost per
//! packet (ACKs, timers, the receiver's event) can be set beside the open-loop sender's.
//!
//! Also whole trials as `mixsim run` runs them (simulation, every attack of fig5-heavy at its
//! six sample sizes, the tally), short ones (N = 30 intervals), on one worker's reused buffers
//! (a `TrialArena`) and on fresh buffers per trial: the difference is what allocating a trial's
//! memory afresh costs in wall time (page faults and page clearing, in the kernel).
//!
//! Also, with MIXSIM_BENCH_ONLY=paths only, which path the trials of every open-loop shipped
//! scenario take: the columnar executor without history, with it (after a tie between
//! streams), or the event engine (ties the history does not order); MIXSIM_PATHS_TRIALS trials
//! each (default 100), the scenario's own seed.
//!
//! Run: `cargo bench --bench engine` (release profile). Set MIXSIM_BENCH_REPS to change the
//! number of repetitions (default 7); the median is reported. MIXSIM_BENCH_ONLY=stream (the
//! columnar executor), replace-top (the engine's default queue), binary-heap, quaternary-heap,
//! priority-queue, tcp, arena, attack or paths runs one part.

use mixsim::engine::{
    BinaryHeapQueue, EventQueue, PriorityQueueCrate, QuaternaryHeapQueue, ReplaceTopQueue,
};
use mixsim::experiment::attacks::{correlation, true_candidate};
use mixsim::experiment::runner::{score_attacks, tap_setup};
use mixsim::experiment::{Evaluated, Truth};
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
    let topology = s.topology();
    let mut secs = Vec::new();
    let (mut packets, mut events) = (0, 0);
    for trial in 0..reps as u64 {
        let start = Instant::now();
        let (net, ev) = Network::run_with_queue(&topology, 1, trial, setup.clone(), make());
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

/// The columnar executor on the same trials: simulation and taps only, then end to end with the
/// MI attack scoring each trial (what `mixsim run` does per trial).
fn bench_stream(s: &Scenario, reps: usize) {
    use mixsim::net::plan::Executor;
    let setup = tap_setup(s, false);
    let attack = s.correlation().expect("attack");
    let mi = [Evaluated {
        table: "correlation".into(),
        attack: Box::new(correlation(attack, "mi")),
        truth: Truth::Identification {
            true_candidate: true_candidate(s, attack),
        },
    }];
    let topology = s.topology();
    let (mut sim, mut e2e) = (Vec::new(), Vec::new());
    let mut packets = 0;
    for trial in 0..reps as u64 {
        let start = Instant::now();
        let (net, _) = Network::run_on(&topology, 1, trial, setup.clone(), Executor::Stream);
        sim.push(start.elapsed().as_secs_f64());
        std::hint::black_box(score_attacks(&net, s, &mi));
        e2e.push(start.elapsed().as_secs_f64());
        packets = net.counters.delivered;
    }
    for (what, secs) in [("stream", sim), ("stream+mi", e2e)] {
        let t = median(secs);
        println!(
            "executor/{what:<14} {:>8.1} ms/trial  {:>6.2} M packets/s  ({packets} packets delivered)",
            t * 1e3,
            packets as f64 / t / 1e6,
        );
    }
}

/// Short fig5-heavy trials (N <= 30 intervals of 10 ms) through the runner, 200 per repetition,
/// on one reused arena and on a fresh arena per trial.
fn bench_arena(reps: usize) {
    use mixsim::experiment::{attacks, TrialArena, TrialPlan};
    use mixsim::net::plan::Executor;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig5-heavy.toml");
    let s = Scenario::load(&path, &["attack.sample_sizes=[10, 30]".to_string()]).expect("loads");
    let evaluated = attacks::of_scenario(&s);
    let plan = TrialPlan::new(&s, &evaluated, 1, Executor::Auto);
    const TRIALS: u64 = 200;
    for reuse in [true, false] {
        let mut secs = Vec::new();
        let mut arena = TrialArena::default();
        for _ in 0..reps {
            let mut tally = plan.empty_tally();
            let start = Instant::now();
            for trial in 0..TRIALS {
                if !reuse {
                    arena = TrialArena::default();
                }
                plan.run_trial(&mut arena, trial, &mut tally);
            }
            secs.push(start.elapsed().as_secs_f64());
            std::hint::black_box(tally);
        }
        println!(
            "arena/{:<18} {:>8.3} ms/trial  (fig5-heavy, N <= 30, all attacks, {TRIALS} trials per repetition)",
            if reuse { "reused" } else { "fresh" },
            median(secs) * 1e3 / TRIALS as f64
        );
    }
}

/// Wall time per packet of one testbed scenario over 60 s simulated: (ns per packet created,
/// ns per data packet, packets, data packets, events).
fn per_packet(name: &str, reps: usize) -> (f64, f64, u64, u64, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
    let s = Scenario::load(&path, &["attack.sample_sizes=[5800]".to_string()]).expect("loads");
    let setup = tap_setup(&s, false);
    let topology = s.topology();
    let mut secs = Vec::new();
    let (mut created, mut data, mut events) = (0, 0, 0);
    for trial in 0..reps as u64 {
        let start = Instant::now();
        let (net, ev) = Network::run(&topology, 1, trial, setup.clone());
        secs.push(start.elapsed().as_secs_f64());
        created = net.counters.created;
        let acks: u64 = net.tcp_stats().iter().map(|t| t.receiver.acks_sent).sum();
        data = created - acks;
        events = ev;
    }
    let t = median(secs);
    (
        t * 1e9 / created as f64,
        t * 1e9 / data as f64,
        created,
        data,
        events,
    )
}

fn bench_tcp(reps: usize) {
    let (p_ns, _, p_pk, _, p_ev) = per_packet("testbed-poisson", reps);
    let (t_ns, t_data_ns, t_pk, t_data, t_ev) = per_packet("testbed-tcp", reps);
    println!(
        "tcp/testbed-poisson     {p_ns:>8.1} ns/packet  ({p_pk} packets, {:.2} events/packet)",
        p_ev as f64 / p_pk as f64
    );
    println!(
        "tcp/testbed-tcp         {t_ns:>8.1} ns/packet  ({t_pk} packets of which {t_data} data, {:.2} events/packet); {t_data_ns:.1} ns per data packet",
        t_ev as f64 / t_pk as f64
    );
    println!(
        "tcp/ratio               {:>8.2} x per packet, {:.2} x per data packet (TCP / Poisson)",
        t_ns / p_ns,
        t_data_ns / p_ns
    );
}

/// The likelihood attack's cost per trial at N = 29 900 (both delay laws, 2 candidates): the
/// traces of one trial, cut to the window, scored against every candidate.
fn bench_likelihood(s: &Scenario, reps: usize) {
    use mixsim::attack::likelihood::{score, Kernel};
    use mixsim::net::tap::TapPoint;
    let attack = s.correlation().expect("attack");
    let (net, _) = Network::run(&s.topology(), 1, 0, tap_setup(s, true));
    let start = s.warmup;
    let end = start + attack.interval * *attack.sample_sizes.last().expect("sizes") as u64;
    let window = (end - start) as f64 * 1e-9;
    let times = |link: usize, point: TapPoint| -> Vec<f64> {
        net.links[link]
            .tap
            .view()
            .trace(point)
            .iter()
            .filter(|r| r.time >= start && r.time < end)
            .map(|r| (r.time - start) as f64 * 1e-9)
            .collect()
    };
    let x = times(attack.observe_link, TapPoint::Arrive);
    let ys: Vec<Vec<f64>> = attack
        .candidates
        .iter()
        .map(|&c| times(c, TapPoint::Depart))
        .collect();
    for (name, kernels) in [
        ("likelihood-paper", vec![Kernel::mix(0.02); ys.len()]),
        (
            "likelihood-queue",
            attack
                .candidates
                .iter()
                .zip(&ys)
                .map(|(&c, y)| {
                    let service = 8000.0 / s.links[c].bandwidth_bps;
                    Kernel::mix_then_queue(0.02, service, y.len() as f64 * service / window)
                })
                .collect(),
        ),
    ] {
        let mut secs = Vec::new();
        for _ in 0..reps {
            let t0 = Instant::now();
            for (y, k) in ys.iter().zip(&kernels) {
                std::hint::black_box(score(&x, y, window, k));
            }
            secs.push(t0.elapsed().as_secs_f64());
        }
        println!(
            "attack/{name:<16} {:>8.2} ms per trial (2 candidates, N = 29900; {} target, {} + {} output packets)",
            median(secs) * 1e3,
            x.len(),
            ys[0].len(),
            ys[1].len()
        );
    }
}

/// How many trials of each open-loop shipped scenario finish on the columnar executor without
/// history, with the short history, with the full one, or go to the event engine.
fn paths() {
    use mixsim::net::columnar::{self, Ties};
    use mixsim::net::plan;
    let trials: u64 = std::env::var("MIXSIM_PATHS_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    println!(
        "{trials} trials per scenario: no history / short history / full history / event engine"
    );
    for path in files {
        // Sweep files are not scenarios.
        let Ok(s) = Scenario::load(&path, &[]) else {
            continue;
        };
        let topology = s.topology();
        let fresh = |trial| Network::new(&topology, s.seed, trial, tap_setup(&s, false));
        let Ok(plan) = plan::plan(&fresh(0)) else {
            continue;
        };
        let mut n = [0u64; 4];
        let start = Instant::now();
        for trial in 0..trials {
            let k = [Ties::Detect, Ties::Short, Ties::Ancestry]
                .into_iter()
                .position(|ties| columnar::run(&mut fresh(trial), &plan, ties).is_ok())
                .unwrap_or(3);
            n[k] += 1;
        }
        println!(
            "paths/{:<30} {:>5} {:>5} {:>5} {:>5}   ({:.1} s)",
            s.name,
            n[0],
            n[1],
            n[2],
            n[3],
            start.elapsed().as_secs_f64()
        );
    }
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
    if only == "paths" {
        return paths();
    }
    if wanted("stream") {
        bench_stream(&s, reps);
    }
    if wanted("binary-heap") {
        bench_queue("binary-heap", &s, reps, BinaryHeapQueue::default);
    }
    if wanted("replace-top") {
        bench_queue("replace-top", &s, reps, ReplaceTopQueue::default);
    }
    if wanted("quaternary-heap") {
        bench_queue("quaternary-heap", &s, reps, QuaternaryHeapQueue::default);
    }
    if wanted("priority-queue") {
        bench_queue("priority-queue", &s, reps, PriorityQueueCrate::default);
    }
    if wanted("tcp") {
        bench_tcp(reps);
    }
    if wanted("arena") {
        bench_arena(reps);
    }
    if !wanted("attack") {
        return;
    }

    bench_likelihood(&s, reps);

    // The attack's cost per trial: every estimator at N = 29 900 on one trial's taps, through
    // the pipeline (observation, verdict, scoring).
    let attack = s.correlation().expect("attack");
    let (net, _) = Network::run(&s.topology(), 1, 0, tap_setup(&s, false));
    let truth = true_candidate(&s, attack);
    for name in mixsim::scenario::ESTIMATORS {
        let evaluated = [Evaluated {
            table: "correlation".into(),
            attack: Box::new(correlation(attack, name)),
            truth: Truth::Identification {
                true_candidate: truth,
            },
        }];
        let mut secs = Vec::new();
        for _ in 0..reps {
            let start = Instant::now();
            std::hint::black_box(score_attacks(&net, &s, &evaluated));
            secs.push(start.elapsed().as_secs_f64());
        }
        println!(
            "attack/{name:<16} {:>8.2} ms per trial (2 candidates, N = 29900)",
            median(secs) * 1e3
        );
    }
}
