//! Anonymity per message over trials: the adversary of [`crate::attack::message`] on a
//! scenario's mixes, the tagged message being the target flow's first packet to reach its first
//! mix after the warm-up, and beside it the steady-state entropy of that mix
//! ([`crate::model::pool_entropy`]).
//!
//! Which packet is tagged is the one thing taken from the ground truth: the target's access
//! link carries only its own flow, so the first packet on it after the warm-up is the target's,
//! and the adversary sees that packet arrive. Everything after is computed from the tap traces
//! at the mixes' inputs and outputs.

use super::attacks::mix_graph;
use super::runner::{observation, tap_point, tap_setup};
use crate::attack::message::{MessageAnonymity, MessageTracker, WatchedMix};
use crate::net::plan::Executor;
use crate::net::{MixStrategy, Network};
use crate::scenario::message_entropy::MessageEntropyAttack;
use crate::scenario::{ResolvedNodeKind, Scenario};
use rayon::prelude::*;

/// Why the per-message adversary does not apply to a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotApplicable {
    #[error("no flow named {0:?}")]
    NoFlow(String),
    #[error("flow {0:?} crosses no mix")]
    NoMix(String),
    #[error(
        "mix {0:?} is not exponential: the even split over held packets is the adversary's \
         posterior only for exponential holds"
    )]
    NotExponential(String),
}

/// The tracker for `target` (a flow name) in `s`, tagging its first packet at its first mix
/// after the warm-up.
pub fn tracker(s: &Scenario, target: &str) -> Result<MessageTracker, NotApplicable> {
    let flow = s
        .flows
        .iter()
        .find(|f| f.name == target)
        .ok_or_else(|| NotApplicable::NoFlow(target.into()))?;
    let (graph, number) = mix_graph(s);
    for (i, n) in s.nodes.iter().enumerate() {
        if number[i].is_some()
            && !matches!(
                n.kind,
                ResolvedNodeKind::Mix {
                    strategy: MixStrategy::Exponential { .. }
                }
            )
        {
            return Err(NotApplicable::NotExponential(n.name.clone()));
        }
    }
    let entry = *flow
        .links
        .iter()
        .find(|&&l| number[s.links[l].to].is_some())
        .ok_or_else(|| NotApplicable::NoMix(target.into()))?;
    let mut mixes: Vec<WatchedMix> = graph
        .outputs
        .into_iter()
        .map(|outputs| WatchedMix {
            inputs: Vec::new(),
            outputs,
        })
        .collect();
    for (l, link) in s.links.iter().enumerate() {
        if let Some(m) = number[link.to] {
            mixes[m].inputs.push(l);
        }
    }
    Ok(MessageTracker {
        mixes,
        entry,
        tag_after: s.warmup,
    })
}

/// Trial `trial`'s distribution of the tagged message (`None`: no target packet after the
/// warm-up).
pub fn trial(s: &Scenario, t: &MessageTracker, seed: u64, trial: u64) -> Option<MessageAnonymity> {
    trial_on(s, t, seed, trial, Executor::Auto)
}

/// [`trial`] on the executor `exec` asks for: the same result on every one.
pub fn trial_on(
    s: &Scenario,
    t: &MessageTracker,
    seed: u64,
    trial: u64,
    exec: Executor,
) -> Option<MessageAnonymity> {
    let needs = t.needs();
    let mut setup = tap_setup(s, false);
    setup.trace = true;
    for w in &needs.traces {
        setup.points[w.link][tap_point(w.point) as usize] = true;
    }
    // The columnar executor where it applies: the event engine's trial, bit for bit, at a
    // fraction of its cost.
    let (net, _) = Network::run_on(&s.topology(), seed, trial, setup, exec);
    t.observe(&observation(&net, s, &needs))
}

/// The entropies in bits of trials `0..trials`, in trial order (the same for any thread count).
pub fn entropies(s: &Scenario, t: &MessageTracker, seed: u64, trials: u64) -> Vec<Option<f64>> {
    entropies_reporting(s, t, seed, trials, &|| {})
}

/// [`entropies`], calling `on_trial` after each trial (from any thread).
pub fn entropies_reporting(
    s: &Scenario,
    t: &MessageTracker,
    seed: u64,
    trials: u64,
    on_trial: &(dyn Fn() + Sync),
) -> Vec<Option<f64>> {
    (0..trials)
        .into_par_iter()
        .map(|k| {
            let h = trial(s, t, seed, k).map(|a| a.entropy_bits);
            on_trial();
            h
        })
        .collect()
}

/// The target's first mix: its mean hold (seconds) and the mean rate (pkt/s) of every flow
/// that enters it, the inputs of [`crate::model::pool_entropy::steady_state_entropy`].
pub fn first_mix_load(s: &Scenario, t: &MessageTracker) -> (f64, f64) {
    let node = s.links[t.entry].to;
    let t_avg = match s.nodes[node].kind {
        ResolvedNodeKind::Mix {
            strategy: MixStrategy::Exponential { mean_ns },
            // `* 1e-9` kept (not the engine's division): the entropy computed from it is
            // written to summaries, and its last bit with it.
        } => mean_ns * 1e-9,
        _ => f64::NAN,
    };
    let lambda = s
        .flows
        .iter()
        .filter(|f| f.route.contains(&node))
        .map(|f| f.traffic.mean_rate())
        .sum();
    (t_avg, lambda)
}

/// A `message_entropy` attack table's result over a run's trials: the mean entropy in bits of
/// the tagged message with a normal 95 % interval, and the steady-state model of one mix beside
/// it where the network is that one mix.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct EntropySummary {
    /// The attack table's name.
    pub attack: String,
    /// The target flow.
    pub target: String,
    /// The run's trials, and those that tagged a message (a target packet after the warm-up).
    pub trials: u64,
    pub tagged: u64,
    /// Mean entropy in bits over the tagged trials, with its interval (none without a tagged
    /// trial, or without two for the interval).
    pub mean_bits: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The steady-state entropy of the target's first mix, when the network is that one mix.
    pub model_bits: Option<f64>,
    /// Why there is no model (or no measurement at all) for this table.
    pub not_applicable: Option<String>,
}

/// The result of every `message_entropy` table of `s` over trials `0..trials` of `seed` (the
/// run's), in file order. Each trial is simulated again with the traces the adversary needs;
/// the same seed and trial number give the same trial, so these are the run's trials.
pub fn summaries(s: &Scenario, seed: u64, trials: u64) -> Vec<EntropySummary> {
    summaries_reporting(s, seed, trials, &|| {})
}

/// The number of `message_entropy` tables of `s`: each simulates the run's trials again.
pub fn tables(s: &Scenario) -> usize {
    s.attacks
        .iter()
        .filter(|a| a.kind.get::<MessageEntropyAttack>().is_some())
        .count()
}

/// [`summaries`], calling `on_trial` after each trial simulated (from any thread): `trials`
/// times per table.
pub fn summaries_reporting(
    s: &Scenario,
    seed: u64,
    trials: u64,
    on_trial: &(dyn Fn() + Sync),
) -> Vec<EntropySummary> {
    s.attacks
        .iter()
        .filter_map(|a| {
            let m = a.kind.get::<MessageEntropyAttack>()?;
            Some(table_summary(s, &a.name, m.target, seed, trials, on_trial))
        })
        .collect()
}

/// One table's [`EntropySummary`].
fn table_summary(
    s: &Scenario,
    table: &str,
    target: usize,
    seed: u64,
    trials: u64,
    on_trial: &(dyn Fn() + Sync),
) -> EntropySummary {
    let name = s.flows[target].name.clone();
    let mut out = EntropySummary {
        attack: table.into(),
        target: name.clone(),
        trials,
        tagged: 0,
        mean_bits: None,
        ci_low: None,
        ci_high: None,
        model_bits: None,
        not_applicable: None,
    };
    let t = match tracker(s, &name) {
        Ok(t) => t,
        Err(why) => {
            out.not_applicable = Some(why.to_string());
            (0..trials).for_each(|_| on_trial());
            return out;
        }
    };
    let h: Vec<f64> = entropies_reporting(s, &t, seed, trials, on_trial)
        .into_iter()
        .flatten()
        .collect();
    out.tagged = h.len() as u64;
    if !h.is_empty() {
        let n = h.len() as f64;
        let mean = h.iter().sum::<f64>() / n;
        out.mean_bits = Some(mean);
        if h.len() > 1 {
            let var = h.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let half = super::Z95 * (var / n).sqrt();
            (out.ci_low, out.ci_high) = (Some(mean - half), Some(mean + half));
        }
    }
    if t.mixes.len() == 1 {
        let (t_avg, lambda) = first_mix_load(s, &t);
        out.model_bits = Some(crate::model::pool_entropy::steady_state_entropy(
            lambda, t_avg,
        ));
    } else {
        out.not_applicable = Some(format!(
            "the network has {} mixes: the steady-state model is of one mix alone",
            t.mixes.len()
        ));
    }
    out
}
