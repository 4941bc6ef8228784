//! Bounded work: what a run of a scenario will cost, estimated from the resolved file before
//! anything is simulated, and refused beyond documented limits.
//!
//! Validation promises that whatever `check` accepts, `run` finishes in bounded time and
//! memory. Each estimate below is cheap (arithmetic on the resolved values, never an
//! allocation of the size it estimates) and is made with saturating or wide arithmetic, so an
//! absurd value (2^64 - 1 permutations, a 1 ns bin) is refused rather than wrapped. The limits,
//! and why each is what it is, are documented in `docs/limits.md`:
//!
//! - memory of one watermark's key and per-flow detector state ([`MAX_WATERMARK_BYTES`]);
//! - bins of a multi-flow attack's chi-square test ([`MAX_MFA_BINS`]) and the work of its
//!   permutation test ([`MAX_MFA_PERMUTATION_WORK`]);
//! - grids of a watermark search ([`MAX_SEARCH_ANCHORS`]);
//! - events of one trial ([`MAX_TRIAL_EVENTS`]): packets times the elements they visit,
//!   padding slots, the wake-ups of timed mixes and the draws of binomial mixes;
//! - events of a whole run, trials times the events of one ([`MAX_RUN_EVENTS`]).
//!
//! A mix that can never release a packet (a timed pool keeping more than a trial brings it, a
//! binomial mix whose send probability is 0 at every count it can reach) is refused too: it
//! wakes at every period for nothing and every attack behind it sees an empty link.

use super::watermark::WatermarkAttack;
use super::{ResolvedNodeKind, Scenario, ScenarioError};
use crate::engine::SimTime;
use crate::net::MixStrategy;
use crate::traffic::Traffic;
use crate::watermark::mfa::MfaTest;
use crate::watermark::WatermarkConfig;

/// Bytes one watermark's key and per-trial detector arrays may take: 256 MiB. The papers'
/// parameters take a few kilobytes (SWIRL's n = 32, r = 20, m = 5 is 3.2 kB).
pub const MAX_WATERMARK_BYTES: u128 = 1 << 28;

/// Bins of a chi-square multi-flow test: 2^24 (128 MiB of counts per group). The default
/// (128 s in 20 ms bins) is 6400.
pub const MAX_MFA_BINS: u128 = 1 << 24;

/// Permutations x flows x period of a profile multi-flow test, per group and trial: 10^9 (about
/// a second of arithmetic). The default (400 permutations of tens of flows, period 5) is 10^5.
pub const MAX_MFA_PERMUTATION_WORK: f64 = 1e9;

/// Grids a watermark search tries per observed link: 10^5. The stepping stone's +-3 sigma at
/// 9 ms in 5 ms steps is 11.
pub const MAX_SEARCH_ANCHORS: u128 = 100_000;

/// Events of one trial: 2 x 10^9 (minutes of one core at this simulator's speed). The largest
/// shipped scenario needs about 10^7.
pub const MAX_TRIAL_EVENTS: f64 = 2e9;

/// Events of a whole run (trials x events of one): 10^13 (days of every core of a large
/// machine). A sweep applies it to each point.
pub const MAX_RUN_EVENTS: f64 = 1e13;

/// A limit a value goes beyond: the key, and the estimate against the limit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BoundError {
    /// The key path (like `watermark[0].n`) of the value that sets the estimate.
    pub key: String,
    pub message: String,
}

impl BoundError {
    fn new(key: impl Into<String>, message: String) -> Self {
        BoundError {
            key: key.into(),
            message,
        }
    }
}

/// Bytes of a watermark's key and of the per-trial arrays its embedder and detector keep, with
/// the parameter that sets them (u128: products of u32 parameters cannot wrap).
pub fn watermark_bytes(config: &WatermarkConfig) -> (&'static str, u128) {
    match config {
        // perm[i][j][s] (n r m bytes), 2n roles and n (base, mark) sums of each side.
        WatermarkConfig::Swirl(p) => {
            let (n, r, m) = (p.n as u128, p.r as u128, p.m as u128);
            let key = if r > n { "r" } else { "n" };
            (key, n * r * m + 64 * n)
        }
        // bits, one bit index per unit, three counters per unit when detecting.
        WatermarkConfig::Ibw(p) => {
            let units = p.bits as u128 * p.redundancy as u128;
            (
                bits_or_redundancy(p.bits, p.redundancy),
                16 * units + p.bits as u128,
            )
        }
        // 2 bits redundancy intervals: a role, a sum and a count each.
        WatermarkConfig::Icbw(p) => {
            let intervals = 2 * p.bits as u128 * p.redundancy as u128;
            (
                bits_or_redundancy(p.bits, p.redundancy),
                20 * intervals + 32 * p.bits as u128,
            )
        }
        // One sign per marked packet, and the marked packets' times per flow.
        WatermarkConfig::Rainbow(p) => ("length", 16 * p.length as u128),
    }
}

fn bits_or_redundancy(bits: u32, redundancy: u32) -> &'static str {
    if bits >= redundancy {
        "bits"
    } else {
        "redundancy"
    }
}

/// Refuse a watermark whose key would exceed [`MAX_WATERMARK_BYTES`]; the error's key is the
/// parameter name (like `n`).
pub fn check_watermark(config: &WatermarkConfig) -> Result<(), BoundError> {
    let (key, bytes) = watermark_bytes(config);
    if bytes <= MAX_WATERMARK_BYTES {
        return Ok(());
    }
    Err(BoundError::new(
        key,
        format!(
            "the {} key and detector state would take {} bytes ({:.3e}), above the limit of {} bytes (256 MiB): expected a smaller {key}",
            config.scheme(),
            bytes,
            bytes as f64,
            MAX_WATERMARK_BYTES
        ),
    ))
}

/// Refuse a multi-flow attack whose chi-square bins or profile permutations go beyond
/// [`MAX_MFA_BINS`] and [`MAX_MFA_PERMUTATION_WORK`]. `flows` is the largest number of links
/// one test pools (a group and the baseline). The error's key is `bin` or `permutations`.
pub fn check_mfa(
    test: MfaTest,
    bin: SimTime,
    span: SimTime,
    permutations: u64,
    flows: usize,
    period: usize,
) -> Result<(), BoundError> {
    let bins = span.div_ceil(bin.max(1)) as u128;
    if test == MfaTest::Chi2 && bins > MAX_MFA_BINS {
        return Err(BoundError::new(
            "bin",
            format!(
                "span {} in bins of {} is {bins} bins per group, above the limit of {MAX_MFA_BINS}: expected wider bins or a shorter span",
                crate::units::Duration(span),
                crate::units::Duration(bin)
            ),
        ));
    }
    let work = permutations as f64 * flows as f64 * period as f64;
    if test == MfaTest::Profile && work > MAX_MFA_PERMUTATION_WORK {
        return Err(BoundError::new(
            "permutations",
            format!(
                "{permutations} permutations of {flows} flows' profiles of {period} bins is {work:.3e} steps per group and trial, above the limit of {MAX_MFA_PERMUTATION_WORK:.0e}: expected at most {} permutations",
                (MAX_MFA_PERMUTATION_WORK / (flows.max(1) * period.max(1)) as f64).floor()
            ),
        ));
    }
    Ok(())
}

/// Grids a watermark search tries: shifts 0, +-1, ..., +-k steps, k = sigmas x spread / step.
pub fn search_anchors(sigmas: f64, spread: SimTime, step: SimTime) -> u128 {
    let k = (sigmas * spread as f64 / step.max(1) as f64).floor();
    // A float beyond u64 saturates in the cast; 2k + 1 cannot wrap in u128.
    2 * (k.max(0.0) as u64 as u128) + 1
}

/// Refuse a search beyond [`MAX_SEARCH_ANCHORS`] grids (the key is `search_step`).
pub fn check_search(sigmas: f64, spread: SimTime, step: SimTime) -> Result<(), BoundError> {
    let anchors = search_anchors(sigmas, spread, step);
    if anchors <= MAX_SEARCH_ANCHORS {
        return Ok(());
    }
    Err(BoundError::new(
        "search_step",
        format!(
            "a search over +-{sigmas} x {} in steps of {} tries {anchors} grids per observed link, above the limit of {MAX_SEARCH_ANCHORS}: expected a larger search_step or fewer search_sigmas",
            crate::units::Duration(spread),
            crate::units::Duration(step)
        ),
    ))
}

/// The events of one trial, and the key of the largest share with what that share is.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialEstimate {
    pub events: f64,
    pub key: String,
    pub largest: String,
}

/// Seconds of `s`'s trial after `start`.
///
/// The estimates here keep the float forms they were written in (`* 1e-9`, `* 1e9`) rather than
/// the engine's time helpers: `check` prints them to four digits, and a helper's different last
/// bit turns a printed digit (2.403e5 events becomes 2.402e5 on defense-binomial).
fn seconds_from(s: &Scenario, start: SimTime) -> f64 {
    s.duration.saturating_sub(start) as f64 * 1e-9
}

/// Packets per second a flow sends at most: its mean rate, or for TCP what its path's
/// narrowest link carries of its segments.
fn flow_rate(s: &Scenario, f: &super::Flow) -> f64 {
    match &f.traffic {
        Traffic::Tcp(_) => f
            .links
            .iter()
            .map(|&l| s.links[l].bandwidth_bps / (8.0 * f.size.max(1) as f64))
            .fold(f64::INFINITY, f64::min),
        t => t.mean_rate(),
    }
}

/// The key of flow `i` (cover flows come after every `[[flow]]`).
fn flow_key(s: &Scenario, i: usize, what: &str) -> String {
    let real = s.file.flows.len();
    match i < real {
        true => format!("flow[{i}].{what}"),
        false => format!("cover[{}].{what}", i - real),
    }
}

/// Expected packets entering each node in one trial.
fn arrivals(s: &Scenario) -> Vec<f64> {
    let mut into = vec![0.0; s.nodes.len()];
    for f in &s.flows {
        let packets = flow_rate(s, f) * seconds_from(s, f.start);
        for &l in f.links.iter().chain(&f.ack_links) {
            into[s.links[l].to] += packets;
        }
    }
    into
}

/// Estimate the events of one trial of `s`. Shares: every packet once per element it visits
/// (its sender, each link; TCP ACKs alike), two per padding slot, one per wake-up of a timed
/// mix, and one per packet held at a pool or binomial flush.
pub fn trial_events(s: &Scenario) -> TrialEstimate {
    let mut shares: Vec<(f64, String, String)> = Vec::new();
    for (i, f) in s.flows.iter().enumerate() {
        let rate = flow_rate(s, f);
        let hops = 1 + f.links.len() + f.ack_links.len() + usize::from(!f.ack_links.is_empty());
        let key = match f.traffic {
            Traffic::Tcp(_) | Traffic::Trace(_) => flow_key(s, i, "route"),
            _ => flow_key(s, i, "rate"),
        };
        let events = rate * seconds_from(s, f.start) * hops as f64;
        shares.push((events, key, format!("flow {} at {rate:.4e} pkt/s", f.name)));
    }
    for (i, l) in s.links.iter().enumerate() {
        if let Some(p) = &l.padding {
            let events = 2.0 * p.rate * seconds_from(s, 0);
            let what = format!("{:.4e} padding slots/s on link {}", p.rate, l.name);
            shares.push((events, format!("link[{i}].padding_rate"), what));
        }
    }
    let into = arrivals(s);
    for (i, n) in s.nodes.iter().enumerate() {
        let ResolvedNodeKind::Mix { strategy } = n.kind else {
            continue;
        };
        let Some(period) = strategy.period() else {
            continue;
        };
        let wakes = seconds_from(s, 0) * 1e9 / period as f64;
        // Packets a flush looks at: those arriving in a period, plus what the mix keeps.
        let per_period = into[i] / wakes.max(1.0);
        let held = match strategy {
            MixStrategy::TimedPool { pool, .. } => pool as f64 + per_period,
            MixStrategy::Binomial { mu, sigma, .. } => per_period + mu.max(0.0) + 3.0 * sigma,
            _ => 0.0,
        }
        .min(into[i]);
        let events = wakes + wakes * held;
        let what = format!(
            "mix {} waking every {}",
            n.name,
            crate::units::Duration(period)
        );
        shares.push((events, format!("node[{i}].t_avg"), what));
    }
    let events: f64 = shares.iter().map(|x| x.0).sum();
    let (_, key, largest) = shares
        .into_iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((0.0, "duration".into(), "nothing".into()));
    TrialEstimate {
        events,
        key,
        largest,
    }
}

/// Refuse a mix that can never release a packet in a trial of `s`.
fn check_releases(s: &Scenario) -> Result<(), BoundError> {
    let into = arrivals(s);
    for (i, n) in s.nodes.iter().enumerate() {
        let ResolvedNodeKind::Mix { strategy } = n.kind else {
            continue;
        };
        if into[i] < 1.0 {
            continue;
        }
        match strategy {
            MixStrategy::TimedPool { pool, .. } if pool as f64 >= into[i] => {
                return Err(BoundError::new(
                    format!("node[{i}].pool"),
                    format!(
                        "mix \"{}\" keeps {pool} packets but a trial brings it about {:.0}: it would never release one, waking at every period for nothing; expected a pool below the packets it receives",
                        n.name, into[i]
                    ),
                ));
            }
            MixStrategy::Binomial { mu, sigma, period } => {
                let flushes = (seconds_from(s, 0) * 1e9 / period as f64).max(1.0);
                let p = crate::net::mix::binomial_p(into[i] as usize, mu, sigma);
                if p * into[i] * flushes < 1.0 {
                    return Err(BoundError::new(
                        format!("node[{i}].mu"),
                        format!(
                            "binomial mix \"{}\" sends with probability {p:.3e} even holding all of the about {:.0} packets a trial brings it (mu = {mu}, sigma = {sigma}): it would release fewer than one packet per trial while drawing for every held packet at each flush; expected a mu within reach of the packets it holds",
                            n.name, into[i]
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// How long a watermark's mark lasts after the flow's first packet, in seconds, and the
/// parameter that sets it: SWIRL's 2n intervals, IBW's `bits x redundancy` triples, ICBW's
/// `2 bits x redundancy` intervals (each after `offset`), RAINBOW's `length` packets at the
/// flow's rate.
pub fn mark_seconds(config: &WatermarkConfig, rate: f64) -> (&'static str, f64) {
    let t = |d: crate::units::Duration| d.nanos() as f64 * 1e-9;
    match config {
        WatermarkConfig::Swirl(p) => ("n", t(p.offset) + 2.0 * p.n as f64 * t(p.interval)),
        WatermarkConfig::Ibw(p) => (
            "bits",
            t(p.offset) + 3.0 * p.bits as f64 * p.redundancy as f64 * t(p.interval),
        ),
        WatermarkConfig::Icbw(p) => (
            "bits",
            t(p.offset) + 2.0 * p.bits as f64 * p.redundancy as f64 * t(p.interval),
        ),
        WatermarkConfig::Rainbow(p) => ("length", p.length as f64 / rate),
    }
}

/// Refuse a watermark whose mark does not fit in the trial after its flow starts when a
/// watermark attack detects it: every marked flow would be scored on a partial mark (a false
/// negative the scenario cannot avoid). A partial mark is fine for what only looks at timing
/// (the multi-flow attack, the executors' tests).
fn check_marks(s: &Scenario) -> Result<(), BoundError> {
    let detected = |i: usize| {
        s.attacks
            .iter()
            .filter_map(|a| a.kind.get::<WatermarkAttack>())
            .any(|w| w.watermark == i)
    };
    for (i, w) in s
        .watermarks
        .iter()
        .enumerate()
        .filter(|(i, _)| detected(*i))
    {
        let f = &s.flows[w.flow];
        let (key, mark) = mark_seconds(&w.config, flow_rate(s, f));
        let room = seconds_from(s, f.start);
        if mark > room {
            return Err(BoundError::new(
                format!("watermark[{i}].{key}"),
                format!(
                    "the {} mark on flow \"{}\" lasts {mark:.6} s but the trial leaves the flow {room:.6} s (duration {} from its start {}): expected a shorter mark or a longer duration",
                    w.config.scheme(),
                    f.name,
                    crate::units::Duration(s.duration),
                    crate::units::Duration(f.start)
                ),
            ));
        }
    }
    Ok(())
}

/// Refuse `trials` trials of `s` beyond [`MAX_RUN_EVENTS`] (the key is `trials`).
pub fn check_trials(s: &Scenario, trials: u64) -> Result<(), BoundError> {
    let per_trial = trial_events(s).events.max(1.0);
    let events = per_trial * trials as f64;
    if events <= MAX_RUN_EVENTS {
        return Ok(());
    }
    Err(BoundError::new(
        "trials",
        format!(
            "{trials} trials of about {per_trial:.3e} events each is {events:.3e} events, above the limit of {MAX_RUN_EVENTS:.0e} per run: expected at most {} trials",
            (MAX_RUN_EVENTS / per_trial).floor()
        ),
    ))
}

/// Every bound on a resolved scenario: degenerate mixes, marks longer than the trial, the
/// events of one trial, and of `s.trials` trials.
pub fn check_scenario(s: &Scenario) -> Result<(), BoundError> {
    check_releases(s)?;
    check_marks(s)?;
    let t = trial_events(s);
    if t.events > MAX_TRIAL_EVENTS {
        return Err(BoundError::new(
            t.key,
            format!(
                "a trial of {} is estimated at {:.3e} events, most of them from {}, above the limit of {MAX_TRIAL_EVENTS:.0e} events per trial: expected a shorter duration or fewer packets",
                crate::units::Duration(s.duration),
                t.events,
                t.largest
            ),
        ));
    }
    check_trials(s, s.trials)
}

/// [`check_scenario`] as a located scenario error (`err(key, message)`).
pub(crate) fn check(
    s: &Scenario,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    check_scenario(s).map_err(|e| err(e.key, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watermark::ibw::IbwParams;

    #[test]
    fn products_of_u32_parameters_do_not_wrap() {
        let p = IbwParams {
            bits: u32::MAX,
            redundancy: u32::MAX,
            ..IbwParams::default()
        };
        let (_, bytes) = watermark_bytes(&WatermarkConfig::Ibw(p));
        assert!(bytes > u64::MAX as u128 / 2);
        assert!(check_watermark(&WatermarkConfig::Ibw(IbwParams::default())).is_ok());
    }

    #[test]
    fn search_anchors_count_both_sides() {
        assert_eq!(search_anchors(3.0, 9_000_000, 5_000_000), 11);
        assert_eq!(search_anchors(0.0, 9_000_000, 5_000_000), 1);
        assert!(check_search(3.0, 9_000_000, 1).is_err());
        assert!(search_anchors(f64::MAX, u64::MAX, 1) > MAX_SEARCH_ANCHORS);
    }

    #[test]
    fn mfa_limits() {
        assert!(check_mfa(MfaTest::Chi2, 20_000_000, 128_000_000_000, 400, 20, 5).is_ok());
        assert_eq!(
            check_mfa(MfaTest::Chi2, 1, 128_000_000_000, 400, 20, 5).map_err(|e| e.key),
            Err("bin".into())
        );
        assert_eq!(
            check_mfa(MfaTest::Profile, 20_000_000, 1 << 40, u64::MAX, 20, 5).map_err(|e| e.key),
            Err("permutations".into())
        );
    }
}
