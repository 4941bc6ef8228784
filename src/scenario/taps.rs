//! Tap memory: how many intervals the taps count and at which points, and the refusal of a
//! scenario whose counters would not fit in memory.

use super::error::ScenarioError;
use super::schema::ScenarioFile;
use super::{AttackConfig, AttackKind, CorrelationAttack, LikelihoodAttack, Scenario};
use crate::engine::SimTime;

/// Bytes of tap counters a trial may allocate: 4 bytes per interval, per watched tap point
/// (only the points the attacks read hold counters). Past this a run would exhaust memory (or
/// abort on allocation) instead of refusing.
pub const MAX_TAP_BYTES: u64 = 1 << 30;

/// The default sampling interval (10 ms): an attack table's `interval` when it gives none, and
/// the taps' interval when no attack counts (a run without one, an export).
pub const DEFAULT_TAP_INTERVAL: SimTime = 10_000_000;

impl Scenario {
    /// Intervals every tap counts: the largest sample size of the attacks that count, or the
    /// run after the warm-up in [`DEFAULT_TAP_INTERVAL`] bins without one.
    pub fn tap_bins(&self) -> usize {
        tap_bins(&self.attacks, self.duration, self.warmup).0
    }
}

/// The tap bins, and the index of the counting attack that sets them (if any).
fn tap_bins(
    attacks: &[AttackConfig],
    duration: SimTime,
    warmup: SimTime,
) -> (usize, Option<usize>) {
    let longest = attacks
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.kind.counting()?.1, i)))
        .max();
    match longest {
        Some((bins, i)) => (bins, Some(i)),
        None => (
            (duration.saturating_sub(warmup) / DEFAULT_TAP_INTERVAL) as usize,
            None,
        ),
    }
}

/// The tap points (link, point: 0 enqueue, 1 depart, 2 arrive) the attacks read: the only ones
/// whose taps hold counters. Identification attacks watch the target's arrivals and the
/// candidates' departures (a hop-by-hop walk may go through any mix: every mix's output links),
/// watermark and multi-flow attacks arrivals.
fn watched_points(
    attacks: &[AttackConfig],
    mix_outputs: &[usize],
) -> std::collections::HashSet<(usize, u8)> {
    let mut points = std::collections::HashSet::new();
    for a in attacks {
        match &a.kind {
            AttackKind::Correlation(CorrelationAttack {
                observe_link,
                candidates,
                ..
            })
            | AttackKind::Likelihood(LikelihoodAttack {
                observe_link,
                candidates,
                ..
            }) => {
                points.insert((*observe_link, 2));
                points.extend(candidates.iter().map(|&c| (c, 1)));
            }
            AttackKind::Watermark(w) => {
                for s in &w.subjects {
                    points.extend([s.link, s.sync].map(|l| (l, 2)));
                    points.extend(s.reference.map(|l| (l, 2)));
                }
            }
            AttackKind::Mfa(m) => {
                let links = m.baseline.iter().chain(m.groups.iter().flatten());
                points.extend(links.map(|&l| (l, 2)));
            }
            AttackKind::Supermix(m) => {
                points.insert((m.entry, 2));
                points.extend(m.exits.iter().map(|&c| (c, 1)));
            }
            AttackKind::HopByHop(h) => {
                points.insert((h.observe_link, 2));
                points.extend(mix_outputs.iter().map(|&l| (l, 1)));
            }
        }
    }
    points
}

/// Refuse a scenario whose taps would need more than [`MAX_TAP_BYTES`] per trial. Without a
/// counting attack nothing is counted.
pub(super) fn check_tap_memory(
    file: &ScenarioFile,
    attacks: &[AttackConfig],
    mix_outputs: &[usize],
    duration: SimTime,
    warmup: SimTime,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let (bins, longest) = tap_bins(attacks, duration, warmup);
    if longest.is_none() {
        return Ok(());
    }
    let points = watched_points(attacks, mix_outputs).len() as u64;
    let bins = bins as u64;
    let bytes = bins.saturating_mul(points * 4);
    if bytes <= MAX_TAP_BYTES {
        return Ok(());
    }
    let (key, what) = match longest {
        Some(i) => (
            format!("{}.sample_sizes", file.attack.entries()[i].0),
            "the largest sample size",
        ),
        None if file.duration.is_some() => ("duration".into(), "the duration after the warm-up"),
        None => ("warmup".into(), "the duration after the warm-up"),
    };
    Err(err(
        key,
        format!(
            "{what} needs {bins} tap intervals at each of the {points} tap points the attacks watch ({:.1} GiB of counters per trial), more than the limit of {} GiB: expected at most {} intervals",
            bytes as f64 / (1u64 << 30) as f64,
            MAX_TAP_BYTES >> 30,
            MAX_TAP_BYTES / (points.max(1) * 4)
        ),
    ))
}
