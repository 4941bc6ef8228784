//! The tap plan: which points of which links the taps watch, in how many intervals of what
//! length, made from what the attacks say they need ([`crate::attack::Attack::needs`]). The
//! run sets its taps up with [`tap_plan`], and the scenario refuses beforehand, with the same
//! plan, a run whose counters would not fit in memory.

use super::attack_build::table_attacks;
use super::error::ScenarioError;
use super::Scenario;
use crate::attack::{Needs, Point};
use crate::engine::SimTime;
use crate::net::tap::TapPoint;
use crate::net::TapSetup;

/// Bytes of tap counters a trial may allocate: 4 bytes per interval, per watched tap point
/// (only the points the attacks read hold counters). Past this a run would exhaust memory (or
/// abort on allocation) instead of refusing.
pub const MAX_TAP_BYTES: u64 = 1 << 30;

/// The default sampling interval (10 ms): an attack table's `interval` when it gives none, and
/// the taps' interval when no attack counts (a run without one, an export).
pub const DEFAULT_TAP_INTERVAL: SimTime = 10_000_000;

/// The tap point of an attack's watched point.
pub fn tap_point(p: Point) -> TapPoint {
    match p {
        Point::Enqueue => TapPoint::Enqueue,
        Point::Depart => TapPoint::Depart,
        Point::Arrive => TapPoint::Arrive,
    }
}

/// The taps for attacks with these needs on `links` links: their common interval and longest
/// count series, watching only the points they read (traces only if one asks for them). With
/// no attack, nothing is watched and the taps count `idle_bins` intervals of
/// [`DEFAULT_TAP_INTERVAL`]. With `trace` (for `mixsim trace`) every tap watches and traces
/// every point.
pub fn tap_plan(links: usize, needs: &[Needs], idle_bins: usize, trace: bool) -> TapSetup {
    let all = vec![[trace; 3]; links];
    if needs.is_empty() {
        return TapSetup {
            interval: DEFAULT_TAP_INTERVAL,
            bins: idle_bins,
            trace,
            points: all,
        };
    }
    let mut points = vec![[false; 3]; links];
    for w in needs.iter().flat_map(|n| n.counts.iter().chain(&n.traces)) {
        points[w.link][tap_point(w.point) as usize] = true;
    }
    let counting = needs.iter().filter(|n| !n.counts.is_empty());
    TapSetup {
        interval: counting
            .clone()
            .next()
            .map(|n| n.interval)
            .unwrap_or(DEFAULT_TAP_INTERVAL),
        bins: counting.map(|n| n.bins).max().unwrap_or(0),
        trace: trace || needs.iter().any(|n| !n.traces.is_empty()),
        points: if trace { all } else { points },
    }
}

/// The points a plan watches (each holds counters).
pub fn watched_points(plan: &TapSetup) -> u64 {
    plan.points
        .iter()
        .map(|p| p.iter().filter(|&&w| w).count() as u64)
        .sum()
}

/// Bytes of counters a plan allocates per trial: 4 per interval at each watched point.
pub fn counter_bytes(plan: &TapSetup) -> u64 {
    (plan.bins as u64).saturating_mul(watched_points(plan) * 4)
}

impl Scenario {
    /// What each of the scenario's attacks needs, beside the index of its attack table.
    pub fn attack_needs(&self) -> Vec<(usize, Needs)> {
        let mut out = Vec::new();
        for (i, a) in self.attacks.iter().enumerate() {
            out.extend(table_attacks(self, a).iter().map(|x| (i, x.needs())));
        }
        out
    }

    /// Intervals the taps count when no attack does: the run after the warm-up in
    /// [`DEFAULT_TAP_INTERVAL`] bins.
    pub fn idle_tap_bins(&self) -> usize {
        (self.duration.saturating_sub(self.warmup) / DEFAULT_TAP_INTERVAL) as usize
    }

    /// The tap plan of the scenario's own attacks (see [`tap_plan`]).
    pub fn tap_plan(&self, trace: bool) -> TapSetup {
        let needs: Vec<Needs> = self.attack_needs().into_iter().map(|(_, n)| n).collect();
        tap_plan(self.links.len(), &needs, self.idle_tap_bins(), trace)
    }
}

/// Refuse a scenario whose taps would need more than [`MAX_TAP_BYTES`] per trial, naming the
/// sample sizes of the counting attack with the longest series. Without a counting attack
/// nothing is counted.
pub(super) fn check_tap_memory(
    s: &Scenario,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let needs = s.attack_needs();
    let Some(longest) = needs
        .iter()
        .filter(|(_, n)| !n.counts.is_empty())
        .max_by_key(|(i, n)| (n.bins, *i))
        .map(|(i, _)| *i)
    else {
        return Ok(());
    };
    let needs: Vec<Needs> = needs.into_iter().map(|(_, n)| n).collect();
    let plan = tap_plan(s.links.len(), &needs, s.idle_tap_bins(), false);
    let bytes = counter_bytes(&plan);
    if bytes <= MAX_TAP_BYTES {
        return Ok(());
    }
    let points = watched_points(&plan);
    Err(err(
        format!("{}.sample_sizes", s.file.attack.entries()[longest].0),
        format!(
            "the largest sample size needs {} tap intervals at each of the {points} tap points the attacks watch ({:.1} GiB of counters per trial), more than the limit of {} GiB: expected at most {} intervals",
            plan.bins,
            bytes as f64 / (1u64 << 30) as f64,
            MAX_TAP_BYTES >> 30,
            MAX_TAP_BYTES / (points.max(1) * 4)
        ),
    ))
}
