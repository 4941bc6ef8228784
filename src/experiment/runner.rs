//! Running the trials of a scenario.

use crate::attack::correlation::{decide, estimator, Estimator};
use crate::net::stream::{self, Executor, NotStreamable};
use crate::net::tap::TapPoint;
use crate::net::{Latency, LinkStats, Network, PacketCounters, TapSetup};
use crate::scenario::{CorrelationAttack, Scenario};
use crate::traffic::tcp::TcpStats;
use rayon::prelude::*;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub seed: u64,
    pub trials: u64,
    /// Worker threads (>= 1).
    pub jobs: usize,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// Which executor runs the trials (the results are the same bytes on either).
    pub executor: Executor,
}

/// What one trial produced, reduced to integer tallies.
#[derive(Debug, Clone)]
pub struct TrialOutcome {
    /// correct[estimator][sample size index]
    pub correct: Vec<Vec<bool>>,
    pub counters: PacketCounters,
    pub links: Vec<LinkStats>,
    pub latency: Latency,
    pub events: u64,
    /// Per TCP flow (scenario order), its connection's counters.
    pub tcp: Vec<TcpStats>,
}

/// Sums over trials. Addition is exact, so any grouping of trials gives the same tally.
#[derive(Debug, Clone)]
pub struct Tally {
    pub trials: u64,
    /// detections[estimator][sample size index]
    pub detections: Vec<Vec<u64>>,
    pub counters: PacketCounters,
    pub links: Vec<LinkStats>,
    pub latency: Latency,
    pub events: u64,
    /// Per TCP flow (scenario order), counters summed over trials.
    pub tcp: Vec<TcpStats>,
}

impl Tally {
    pub fn empty(estimators: usize, sizes: usize, links: usize) -> Self {
        Tally {
            trials: 0,
            detections: vec![vec![0; sizes]; estimators],
            counters: PacketCounters::default(),
            links: vec![LinkStats::default(); links],
            latency: Latency::default(),
            events: 0,
            tcp: Vec::new(),
        }
    }

    pub fn add_trial(&mut self, t: &TrialOutcome) {
        self.trials += 1;
        for (d, c) in self.detections.iter_mut().zip(&t.correct) {
            for (d, &c) in d.iter_mut().zip(c) {
                *d += c as u64;
            }
        }
        self.counters.add(&t.counters);
        add_links(&mut self.links, &t.links);
        self.latency.add(&t.latency);
        self.events += t.events;
        add_tcp(&mut self.tcp, &t.tcp);
    }

    pub fn merge(mut self, o: Tally) -> Tally {
        self.trials += o.trials;
        for (d, od) in self.detections.iter_mut().zip(&o.detections) {
            for (d, od) in d.iter_mut().zip(od) {
                *d += od;
            }
        }
        self.counters.add(&o.counters);
        add_links(&mut self.links, &o.links);
        self.latency.add(&o.latency);
        self.events += o.events;
        add_tcp(&mut self.tcp, &o.tcp);
        self
    }
}

fn add_tcp(acc: &mut Vec<TcpStats>, add: &[TcpStats]) {
    if acc.len() < add.len() {
        acc.resize(add.len(), TcpStats::default());
    }
    for (a, b) in acc.iter_mut().zip(add) {
        a.add(b);
    }
}

fn add_links(acc: &mut [LinkStats], add: &[LinkStats]) {
    for (a, b) in acc.iter_mut().zip(add) {
        a.add(b);
    }
}

/// The result of a run: the scenario's identity, the options that determine it, and the tally.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub seed: u64,
    pub tally: Tally,
    pub estimators: Vec<String>,
    pub sample_sizes: Vec<usize>,
}

/// Tap binning for a scenario: the attack's interval and largest sample size, or 10 ms bins over
/// the whole run when there is no attack. With `trace` (for `mixsim trace`) every tap watches
/// and traces every point; otherwise taps watch only what the attack reads (the target's
/// access link at `arrive`, the candidates at `depart`), or everything when there is no attack.
pub fn tap_setup(scenario: &Scenario, trace: bool) -> TapSetup {
    let all = vec![[true; 3]; scenario.links.len()];
    match &scenario.attack {
        Some(a) => {
            let mut points = vec![[false; 3]; scenario.links.len()];
            points[a.observe_link][TapPoint::Arrive as usize] = true;
            for &c in &a.candidates {
                points[c][TapPoint::Depart as usize] = true;
            }
            TapSetup {
                interval: a.interval,
                bins: scenario.tap_bins(),
                trace,
                points: if trace { all } else { points },
            }
        }
        None => TapSetup {
            interval: crate::scenario::DEFAULT_TAP_INTERVAL,
            bins: scenario.tap_bins(),
            trace,
            points: all,
        },
    }
}

/// Score one trial's taps with every estimator at every sample size.
pub fn score_correlation(
    attack: &CorrelationAttack,
    net: &Network,
    truth: usize,
    estimators: &[Box<dyn Estimator>],
) -> Vec<Vec<bool>> {
    let x = net.links[attack.observe_link]
        .tap
        .view()
        .counts(TapPoint::Arrive);
    let ys: Vec<&[u32]> = attack
        .candidates
        .iter()
        .map(|&l| net.links[l].tap.view().counts(TapPoint::Depart))
        .collect();
    estimators
        .iter()
        .map(|e| {
            attack
                .sample_sizes
                .iter()
                .map(|&n| {
                    let scores: Vec<f64> = ys.iter().map(|y| e.score(&x[..n], &y[..n])).collect();
                    decide(&scores) == Some(truth)
                })
                .collect()
        })
        .collect()
}

/// Index (within the candidates) of the link the target flow really takes: ground truth, known
/// to the scorer only.
pub fn true_candidate(scenario: &Scenario, attack: &CorrelationAttack) -> Option<usize> {
    let route = &scenario.flows[attack.target].links;
    attack.candidates.iter().position(|l| route.contains(l))
}

/// Whether the stream executor can run this scenario's trials, and if not, why (naming the flow
/// or node).
pub fn stream_plan(scenario: &Scenario) -> Result<(), String> {
    let taps = TapSetup {
        interval: 1,
        bins: 0,
        trace: false,
        points: Vec::new(),
    };
    match stream::plan(&Network::new(scenario, scenario.seed, 0, taps)) {
        Ok(_) => Ok(()),
        Err(NotStreamable::Tcp(f)) => Err(format!(
            "flow \"{}\" is TCP, a closed loop (its ACKs drive its sender), which only the event engine runs",
            scenario.flows[f].name
        )),
        Err(NotStreamable::Cycle(n)) => Err(format!(
            "the routes form a cycle through node \"{}\", so the nodes have no upstream-first order",
            scenario.nodes[n].name
        )),
    }
}

/// Run trial `trial` and reduce it to a [`TrialOutcome`].
pub fn run_trial(
    scenario: &Scenario,
    seed: u64,
    trial: u64,
    estimators: &[Box<dyn Estimator>],
) -> TrialOutcome {
    run_trial_on(scenario, seed, trial, estimators, Executor::Auto)
}

/// [`run_trial`] on the executor `exec` asks for.
pub fn run_trial_on(
    scenario: &Scenario,
    seed: u64,
    trial: u64,
    estimators: &[Box<dyn Estimator>],
    exec: Executor,
) -> TrialOutcome {
    let taps = tap_setup(scenario, false);
    let (net, events) = Network::run_on(scenario, seed, trial, taps, exec);
    let correct = match &scenario.attack {
        Some(a) => match true_candidate(scenario, a) {
            Some(truth) => score_correlation(a, &net, truth, estimators),
            None => vec![vec![false; a.sample_sizes.len()]; estimators.len()],
        },
        None => Vec::new(),
    };
    TrialOutcome {
        correct,
        counters: net.counters,
        links: net.link_stats(),
        latency: net.latency.clone(),
        events,
        tcp: net.tcp_stats(),
    }
}

/// Run all trials of a scenario.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> RunResult {
    let names: Vec<String> = scenario
        .attack
        .as_ref()
        .map(|a| a.estimators.clone())
        .unwrap_or_default();
    let estimators: Vec<Box<dyn Estimator>> = names
        .iter()
        .map(|n| estimator(n).expect("validated estimator name"))
        .collect();
    let sizes = scenario
        .attack
        .as_ref()
        .map(|a| a.sample_sizes.clone())
        .unwrap_or_default();
    let empty = || Tally::empty(estimators.len(), sizes.len(), scenario.links.len());
    let bar = progress_bar(opts.trials, opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .expect("thread pool");
    let tally = pool.install(|| {
        (0..opts.trials)
            .into_par_iter()
            .fold(empty, |mut acc, trial| {
                let outcome = run_trial_on(scenario, opts.seed, trial, &estimators, opts.executor);
                acc.add_trial(&outcome);
                bar.inc(1);
                acc
            })
            .reduce(empty, Tally::merge)
    });
    bar.finish_and_clear();
    RunResult {
        seed: opts.seed,
        tally,
        estimators: names,
        sample_sizes: sizes,
    }
}

/// A progress bar on stderr, drawn only on a terminal.
pub fn progress_bar(len: u64, enabled: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} trials {pos}/{len} [{elapsed_precise}] {wide_bar} ETA {eta}",
        )
        .expect("valid template"),
    );
    bar
}

/// The estimators a scenario's attack names (none without an attack).
pub fn estimators_of(scenario: &Scenario) -> (Vec<String>, Vec<Box<dyn Estimator>>) {
    let names: Vec<String> = scenario
        .attack
        .as_ref()
        .map(|a| a.estimators.clone())
        .unwrap_or_default();
    let estimators = names
        .iter()
        .map(|n| estimator(n).expect("validated estimator name"))
        .collect();
    (names, estimators)
}

/// Tally trials `trials` of a scenario run with `seed`, in parallel on the current rayon pool
/// (call it inside `ThreadPool::install`). `on_trial` is called after each trial, from any
/// thread. The tally is the same as the matching part of [`run`]'s, for any pool size.
pub fn tally_trials(
    scenario: &Scenario,
    seed: u64,
    trials: std::ops::Range<u64>,
    on_trial: &(dyn Fn() + Sync),
) -> Tally {
    let (_, estimators) = estimators_of(scenario);
    let sizes = scenario
        .attack
        .as_ref()
        .map(|a| a.sample_sizes.len())
        .unwrap_or(0);
    let empty = || Tally::empty(estimators.len(), sizes, scenario.links.len());
    trials
        .into_par_iter()
        .fold(empty, |mut acc, trial| {
            acc.add_trial(&run_trial(scenario, seed, trial, &estimators));
            on_trial();
            acc
        })
        .reduce(empty, Tally::merge)
}
