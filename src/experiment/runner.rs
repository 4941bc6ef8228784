//! Running the trials of a scenario: simulate, fill each attack's observation from the taps
//! (counts and traces, never labels), collect the verdicts and score them against the truth.

use super::attacks::{self, Evaluated};
use super::progress::{Progress, ProgressSink};
use super::score::{score, AttackTally};
use crate::attack::{Needs, Observation, Packet, TrialMemo, Watch};
use crate::net::plan::{self, Executor, NotFeedForward};
use crate::net::{
    latency, CoverKind, FlowId, Latency, LatencyRecorder, LinkStats, Network, PacketCounters,
    TapSetup, Topology, TrialBuffers,
};
use crate::scenario::Scenario;
use crate::traffic::tcp::TcpStats;
use hdrhistogram::Histogram;
use rayon::prelude::*;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub seed: u64,
    pub trials: u64,
    /// Worker threads (>= 1; more than the machine runs at once are capped, see
    /// [`super::jobs`]).
    pub jobs: usize,
    /// Where progress goes (none by default); it never changes the result.
    pub progress: ProgressSink,
    /// Which executor runs the trials (the results are the same bytes on either).
    pub executor: Executor,
}

/// Sums over trials. Addition is exact, so any grouping of trials gives the same tally.
#[derive(Debug, Clone)]
pub struct Tally {
    pub trials: u64,
    /// Per attack (in [`attacks::of_scenario`] order), its counts.
    pub attacks: Vec<AttackTally>,
    pub counters: PacketCounters,
    pub links: Vec<LinkStats>,
    pub latency: Latency,
    /// End-to-end latency of each flow of [`latency_flows`], in that order.
    pub flow_latency: Vec<Histogram<u64>>,
    /// End-to-end latency of the dummies of each kind of [`cover_kinds`], in that order.
    pub cover_latency: Vec<Histogram<u64>>,
    pub events: u64,
    /// Per TCP flow (scenario order), counters summed over trials.
    pub tcp: Vec<TcpStats>,
}

impl Tally {
    /// The empty tally of these attacks on a network of `links` links.
    pub fn empty(attacks: &[Evaluated], links: usize) -> Self {
        Tally {
            trials: 0,
            attacks: attacks
                .iter()
                .map(|a| AttackTally::empty(&a.truth))
                .collect(),
            counters: PacketCounters::default(),
            links: vec![LinkStats::default(); links],
            latency: Latency::default(),
            flow_latency: Vec::new(),
            cover_latency: Vec::new(),
            events: 0,
            tcp: Vec::new(),
        }
    }

    /// Trials where identification attack `attack` named the true candidate at its `size`-th
    /// sample size (0 for other kinds).
    pub fn correct(&self, attack: usize, size: usize) -> u64 {
        match &self.attacks[attack] {
            AttackTally::Identification(v) => v.get(size).map_or(0, |t| t.correct),
            _ => 0,
        }
    }

    /// Add one finished trial: its network (built by [`Network::reusing`]) and its attacks'
    /// scored verdicts. Its latency counts are not added here but summed in the worker's arena
    /// ([`TrialPlan::add_latency`]); only the placed stages' holds are.
    fn add_trial(&mut self, plan: &TrialPlan, net: &Network, events: u64, attacks: &[AttackTally]) {
        self.trials += 1;
        for (a, b) in self.attacks.iter_mut().zip(attacks) {
            a.add(b);
        }
        self.counters.add(&net.counters);
        for (a, l) in self.links.iter_mut().zip(&net.links) {
            a.add(&l.stats);
        }
        net.add_stage_holds(&mut self.latency.stage_hold);
        self.flow_latency
            .resize_with(plan.flows, latency::histogram);
        self.cover_latency
            .resize_with(plan.kinds, latency::histogram);
        self.events += events;
        add_tcp(&mut self.tcp, &net.tcp_stats());
    }

    pub fn merge(mut self, o: Tally) -> Tally {
        self.trials += o.trials;
        for (a, b) in self.attacks.iter_mut().zip(&o.attacks) {
            a.add(b);
        }
        self.counters.add(&o.counters);
        add_links(&mut self.links, &o.links);
        self.latency.add(&o.latency);
        add_histograms(&mut self.flow_latency, &o.flow_latency);
        add_histograms(&mut self.cover_latency, &o.cover_latency);
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

/// The identity of an evaluated attack, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackInfo {
    /// Its attack table's name.
    pub table: String,
    /// Its own name (the correlation attack: the estimator).
    pub name: String,
}

impl AttackInfo {
    pub fn of(attacks: &[Evaluated]) -> Vec<AttackInfo> {
        attacks
            .iter()
            .map(|a| AttackInfo {
                table: a.table.clone(),
                name: a.attack.name(),
            })
            .collect()
    }
}

/// The result of a run: the options that determine it, the attacks and the tally.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub seed: u64,
    pub tally: Tally,
    /// Parallel to `tally.attacks`.
    pub attacks: Vec<AttackInfo>,
    /// The scenario's `message_entropy` tables over the run's trials, when the run computed
    /// them ([`run`] does, inside its time and progress); `None` leaves them to
    /// [`super::Summary::with_model`].
    pub message_entropy: Option<Vec<super::message::EntropySummary>>,
}

pub use crate::scenario::tap_point;

/// Tap binning for a scenario's own attacks (see [`crate::scenario::tap_plan`]).
pub fn tap_setup(scenario: &Scenario, trace: bool) -> TapSetup {
    scenario.tap_plan(trace)
}

/// Tap binning for these attacks: the scenario's tap plan made from what they need (see
/// [`crate::scenario::tap_plan`]), the same code that checks the scenario's tap memory.
pub fn tap_setup_for(scenario: &Scenario, attacks: &[Evaluated], trace: bool) -> TapSetup {
    let needs: Vec<Needs> = attacks.iter().map(|a| a.attack.needs()).collect();
    crate::scenario::tap_plan(
        scenario.links.len(),
        &needs,
        scenario.idle_tap_bins(),
        trace,
    )
}

/// What the adversary holds for `needs` after a trial on `net`: the count series (cut to the
/// attack's length) and traces it asked for, copied without their labels.
pub fn observation<'a>(net: &'a Network, scenario: &Scenario, needs: &Needs) -> Observation<'a> {
    let mut obs = counts_observation(net, scenario, needs);
    for &w in &needs.traces {
        let mut trace = Vec::new();
        copy_trace(net, w, &mut trace);
        obs.add_trace(w, trace);
    }
    obs
}

/// The observation of `needs` without its traces.
fn counts_observation<'a>(net: &'a Network, scenario: &Scenario, needs: &Needs) -> Observation<'a> {
    let mut obs = Observation::new(needs.interval, (scenario.warmup, scenario.duration));
    for &w in &needs.counts {
        let c = net.links[w.link].tap.view().counts(tap_point(w.point));
        obs.add_counts(w, &c[..needs.bins.min(c.len())]);
    }
    obs
}

/// The trace at `w`, without labels, into `into` (emptied first).
fn copy_trace(net: &Network, w: Watch, into: &mut Vec<Packet>) {
    let trace = net.links[w.link].tap.view().trace(tap_point(w.point));
    into.clear();
    into.extend(trace.iter().map(|r| Packet {
        time: r.time,
        size: r.size,
    }));
}

/// Score every attack on one trial's network.
pub fn score_attacks(
    net: &Network,
    scenario: &Scenario,
    attacks: &[Evaluated],
) -> Vec<AttackTally> {
    let memo = TrialMemo::default();
    attacks
        .iter()
        .map(|a| {
            let mut obs = observation(net, scenario, &a.attack.needs());
            obs.share(&memo);
            score(&a.attack.observe(&obs), &a.truth)
        })
        .collect()
}

/// Index (within the candidates) of the link the target flow really takes.
pub use super::attacks::true_candidate;

/// Why the columnar (feed-forward) executor cannot run a scenario, naming the flow or node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedForwardUnsupported {
    #[error("flow \"{0}\" is TCP, a closed loop (its ACKs drive its sender), which only the event engine runs")]
    Tcp(String),
    #[error(
        "the routes form a cycle through node \"{0}\", so the nodes have no upstream-first order"
    )]
    Cycle(String),
    #[error("flow \"{0}\" {1}, which only the event engine runs")]
    Loopix(String, &'static str),
}

/// Whether the columnar (feed-forward) executor can run this scenario's trials, and if not, why.
pub fn feed_forward_plan(scenario: &Scenario) -> Result<(), FeedForwardUnsupported> {
    let taps = TapSetup {
        interval: 1,
        bins: 0,
        trace: false,
        points: Vec::new(),
    };
    match plan::plan(&Network::new(&scenario.topology(), scenario.seed, 0, taps)) {
        Ok(_) => Ok(()),
        Err(NotFeedForward::Tcp(f)) => {
            Err(FeedForwardUnsupported::Tcp(scenario.flows[f].name.clone()))
        }
        Err(NotFeedForward::Cycle(n)) => Err(FeedForwardUnsupported::Cycle(
            scenario.nodes[n].name.clone(),
        )),
        Err(NotFeedForward::PerMessageRoutes(f)) => Err(FeedForwardUnsupported::Loopix(
            scenario.flows[f].name.clone(),
            "draws a fresh route per message",
        )),
        Err(NotFeedForward::PayloadSlots(f)) => Err(FeedForwardUnsupported::Loopix(
            scenario.flows[f].name.clone(),
            "sends in payload slots (a queue the sender keeps)",
        )),
        Err(NotFeedForward::MixLoop(f)) => Err(FeedForwardUnsupported::Loopix(
            scenario.flows[f].name.clone(),
            "starts at a mix (a mix loop: the mix is a source and a hop)",
        )),
    }
}

/// The flows whose latency is reported on their own beside the pooled figures: the targets of
/// the scenario's identification attacks, in scenario order (the price of a defense as the
/// flow it protects pays it).
pub fn latency_flows(scenario: &Scenario) -> Vec<usize> {
    let mut flows: Vec<usize> = scenario
        .attacks
        .iter()
        .filter_map(|a| a.kind.target())
        .filter(|&f| scenario.flows[f].cover.is_none())
        .collect();
    flows.sort_unstable();
    flows.dedup();
    flows
}

/// The kinds of sender cover the scenario has (drop before loop): each is a latency class of
/// its own, after those of [`latency_flows`], so that the pooled figures are the real
/// packets'.
pub fn cover_kinds(scenario: &Scenario) -> Vec<CoverKind> {
    [CoverKind::Drop, CoverKind::Loop]
        .into_iter()
        .filter(|&k| scenario.flows.iter().any(|f| f.cover == Some(k)))
        .collect()
}

/// Adds `b` into `a` elementwise (an empty `a` takes `b`'s length).
fn add_histograms(a: &mut Vec<Histogram<u64>>, b: &[Histogram<u64>]) {
    if a.is_empty() {
        a.extend(b.iter().cloned());
        return;
    }
    for (x, y) in a.iter_mut().zip(b) {
        x.add(y).expect("histograms of one configuration");
    }
}

/// What every trial of a run shares, worked out once per run: the topology with its latency
/// classes, the tap setup and what each attack observes.
pub struct TrialPlan<'a> {
    scenario: &'a Scenario,
    attacks: &'a [Evaluated],
    needs: Vec<Needs>,
    topology: Topology,
    taps: TapSetup,
    seed: u64,
    exec: Executor,
    /// Flows with latency of their own ([`latency_flows`]): classes `1..=flows`.
    flows: usize,
    /// Classes `0..real` hold the real packets; then one class per cover kind.
    real: usize,
    /// Kinds of sender cover ([`cover_kinds`]): classes `real..real + kinds`.
    kinds: usize,
    /// Every point some attack wants a trace of, once (each trial copies each trace once, for
    /// all the attacks to read).
    traced: Vec<Watch>,
}

impl<'a> TrialPlan<'a> {
    /// The plan of trials of `scenario` under `seed` with `attacks`, on executor `exec`.
    pub fn new(
        scenario: &'a Scenario,
        attacks: &'a [Evaluated],
        seed: u64,
        exec: Executor,
    ) -> Self {
        let mut topology = scenario.topology();
        let flows = latency_flows(scenario);
        for (k, &f) in flows.iter().enumerate() {
            topology.set_latency_class(f as FlowId, k as u32 + 1);
        }
        let (real, kinds) = (flows.len() + 1, cover_kinds(scenario));
        for (f, flow) in scenario.flows.iter().enumerate() {
            if let Some(c) = kinds.iter().position(|&k| flow.cover == Some(k)) {
                topology.set_latency_class(f as FlowId, (real + c) as u32);
            }
        }
        let needs: Vec<Needs> = attacks.iter().map(|a| a.attack.needs()).collect();
        let mut traced: Vec<Watch> = needs.iter().flat_map(|n| n.traces.clone()).collect();
        traced.sort_unstable();
        traced.dedup();
        TrialPlan {
            scenario,
            attacks,
            needs,
            traced,
            topology,
            taps: tap_setup_for(scenario, attacks, false),
            seed,
            exec,
            flows: flows.len(),
            real,
            kinds: kinds.len(),
        }
    }

    /// An empty tally for these trials.
    pub fn empty_tally(&self) -> Tally {
        Tally::empty(self.attacks, self.scenario.links.len())
    }

    /// Run trial `trial` on `arena`'s buffers and add it to `acc`. The tally is the same
    /// whatever the arena ran before.
    pub fn run_trial(&self, arena: &mut TrialArena, trial: u64, acc: &mut Tally) {
        self.run_trial_counting(arena, trial, acc);
        self.add_latency(arena, acc);
    }

    /// [`TrialPlan::run_trial`] that leaves the trial's latency counts summed in `arena`, for
    /// [`TrialPlan::add_latency`] to add into `acc` (the tally its other figures went to)
    /// once, after the last of a run of trials: turning counts into histograms costs a
    /// `record_n` per non-empty bucket, which per trial was some 7 % of a short trial.
    fn run_trial_counting(&self, arena: &mut TrialArena, trial: u64, acc: &mut Tally) {
        let bufs = &mut arena.bufs;
        let (mut net, events) = Network::run_reusing(
            &self.topology,
            self.seed,
            trial,
            &self.taps,
            self.exec,
            bufs,
        );
        arena.traces.resize_with(self.traced.len(), Vec::new);
        for (&w, into) in self.traced.iter().zip(&mut arena.traces) {
            copy_trace(&net, w, into);
        }
        arena.scores.clear();
        let memo = TrialMemo::default();
        for (a, needs) in self.attacks.iter().zip(&self.needs) {
            let mut obs = counts_observation(&net, self.scenario, needs);
            obs.share(&memo);
            for &w in &needs.traces {
                let i = self
                    .traced
                    .binary_search(&w)
                    .expect("every trace is planned");
                obs.add_trace_ref(w, &arena.traces[i]);
            }
            arena.scores.push(score(&a.attack.observe(&obs), &a.truth));
        }
        acc.add_trial(self, &net, events, &arena.scores);
        net.take_latency_counts(&mut arena.latency);
        net.recycle(bufs);
    }

    /// Add the latency counts summed in `arena` since its last call into `acc`, and empty
    /// them: the real packets' classes into `latency`, each reported flow's and cover kind's
    /// end-to-end counts into `flow_latency` and `cover_latency`.
    fn add_latency(&self, arena: &mut TrialArena, acc: &mut Tally) {
        let counts = &mut arena.latency;
        if counts.classes() < self.real + self.kinds {
            return; // No trial of this plan ran on the arena: nothing to add.
        }
        counts.add_classes_into(0..self.real, &mut acc.latency);
        for (k, h) in acc.flow_latency.iter_mut().enumerate() {
            counts.add_end_to_end_into(1 + k, h);
        }
        for (k, h) in acc.cover_latency.iter_mut().enumerate() {
            counts.add_end_to_end_into(self.real + k, h);
        }
        counts.clear();
    }
}

/// A worker's buffers, reused from one trial to the next (of any scenario): the network's
/// large buffers ([`TrialBuffers`]), the traces the attacks read, the scored verdicts and the
/// latency counts of the trials not yet added to their tally.
#[derive(Default)]
pub struct TrialArena {
    bufs: TrialBuffers,
    traces: Vec<Vec<Packet>>,
    scores: Vec<AttackTally>,
    latency: LatencyRecorder,
}

/// Run all trials of a scenario with its own attacks.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> RunResult {
    run_attacks(scenario, &attacks::of_scenario(scenario), opts)
}

/// Run all trials of a scenario with the given attacks (a library user's own, say).
///
/// A `message_entropy` table simulates the trials again, with the traces its adversary needs,
/// on the same threads; its trials count in the progress reported (`Started` announces the
/// trials of every pass).
pub fn run_attacks(scenario: &Scenario, attacks: &[Evaluated], opts: &RunOptions) -> RunResult {
    let passes = 1 + super::message::tables(scenario) as u64;
    opts.progress.report(&Progress::Started {
        trials: opts.trials * passes,
        sweep: None,
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::jobs::usable(opts.jobs))
        .build()
        .expect("a pool of at most the machine's parallelism");
    let on_trial = || opts.progress.report(&Progress::Trial);
    let (tally, message_entropy) = pool.install(|| {
        let tally = tally_attacks(
            scenario,
            attacks,
            opts.seed,
            0..opts.trials,
            opts.executor,
            &on_trial,
        );
        let entropy =
            super::message::summaries_reporting(scenario, opts.seed, opts.trials, &on_trial);
        (tally, entropy)
    });
    opts.progress.report(&Progress::Finished);
    RunResult {
        seed: opts.seed,
        tally,
        attacks: AttackInfo::of(attacks),
        message_entropy: Some(message_entropy),
    }
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
    tally_attacks(
        scenario,
        &attacks::of_scenario(scenario),
        seed,
        trials,
        Executor::Auto,
        on_trial,
    )
}

/// [`tally_trials`] with the given attacks, on the executor `exec` asks for.
pub fn tally_attacks(
    scenario: &Scenario,
    attacks: &[Evaluated],
    seed: u64,
    trials: std::ops::Range<u64>,
    exec: Executor,
    on_trial: &(dyn Fn() + Sync),
) -> Tally {
    let never = std::sync::atomic::AtomicBool::new(false);
    tally_attacks_until(scenario, attacks, seed, trials, exec, on_trial, &never)
}

/// [`tally_attacks`] that starts no further trial once `stop` is set (by another thread: an
/// interrupt, or an attack that failed). The trials already started finish; the tally then
/// holds fewer trials than asked for (`Tally::trials` tells), and is only good for discarding.
pub fn tally_attacks_until(
    scenario: &Scenario,
    attacks: &[Evaluated],
    seed: u64,
    trials: std::ops::Range<u64>,
    exec: Executor,
    on_trial: &(dyn Fn() + Sync),
    stop: &std::sync::atomic::AtomicBool,
) -> Tally {
    let plan = TrialPlan::new(scenario, attacks, seed, exec);
    let empty = || plan.empty_tally();
    // Arenas go back to `spare` as each run of consecutive trials ends, and the next run takes
    // one: about one arena per worker thread however rayon splits the range. Runs are at least
    // `min_len` trials, so that a run's fresh tally (a megabyte of histograms) stays rare.
    let spare = std::sync::Mutex::new(Vec::<TrialArena>::new());
    let count = trials.end.saturating_sub(trials.start) as usize;
    let min_len = (count / (8 * rayon::current_num_threads())).max(1);
    (0..count)
        .into_par_iter()
        .with_min_len(min_len)
        .map(|i| trials.start + i as u64)
        .fold(
            || {
                let arena = spare.lock().expect("arena pool").pop();
                (empty(), arena.unwrap_or_default())
            },
            |(mut acc, mut arena), trial| {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return (acc, arena);
                }
                plan.run_trial_counting(&mut arena, trial, &mut acc);
                on_trial();
                (acc, arena)
            },
        )
        .map(|(mut acc, mut arena)| {
            // The run's latency counts go to its tally before the arena serves another run.
            plan.add_latency(&mut arena, &mut acc);
            spare.lock().expect("arena pool").push(arena);
            acc
        })
        .reduce(empty, Tally::merge)
}
