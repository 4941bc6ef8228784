//! A stepping-stone experiment (the paper's section 5.2 set-up): F interactive flows go
//! through a watermarker, a jittered path and a detector at the far end; F other flows take the
//! same path unmarked. Reports the detected-interval histograms (the paper's Fig. 9), the
//! empirical false-positive and false-negative rates with Wilson 95 % intervals, and the
//! inserted-delay percentiles.
//!
//! Flow f of side `marked` (0 unmarked, 1 marked) draws its packet times from
//! `stream(seed, f, 2 side)`, its jitter from `stream(seed, f, 2 side + 1)` and its
//! watermarker's randomness (if any) from `stream(seed, f, 4 + side)`, so every flow's
//! outcome depends only on (seed, f, side): the same for any thread count or F.

use super::{build, delay_percentiles_ms, record, Detection, WatermarkConfig};
use crate::engine::SimRng;
use crate::engine::{stream, SimTime};
use crate::experiment::{wilson, Z95};
use crate::net::{Packet, Stage, StageOutcome};
use crate::traffic::interactive::{Interactive, InteractiveParams};
use crate::units::Duration;
use hdrhistogram::Histogram;
use rand_distr::{Distribution, Exp1, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The packet process of the flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase", deny_unknown_fields)]
pub enum FlowTraffic {
    /// SSH-like interactive flows ([`crate::traffic::interactive`]).
    Interactive(InteractiveParams),
    /// Poisson flows of `rate` pkt/s (the analysis' assumption).
    Poisson { rate: f64 },
}

impl FlowTraffic {
    pub fn rate(&self) -> f64 {
        match self {
            FlowTraffic::Interactive(p) => p.rate,
            FlowTraffic::Poisson { rate } => *rate,
        }
    }
}

/// A stepping-stone experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SteppingConfig {
    pub watermark: WatermarkConfig,
    pub traffic: FlowTraffic,
    /// Flows per side (F watermarked and F not).
    pub flows: usize,
    /// Length of each flow (first to last packet); SWIRL needs 2nT = 128 s by default.
    pub duration: Duration,
    /// Standard deviation of the path's Gaussian jitter.
    pub sigma: Duration,
    /// Whether the jittered path keeps packet order.
    pub order_preserving: bool,
    /// Symmetric Gaussian about a fixed delay (the analysis' model) or truncated at zero.
    #[serde(default)]
    pub jitter: JitterModel,
    /// Where the detector's time grid starts.
    #[serde(default)]
    pub anchor: Anchor,
    /// The window of [`Anchor::Search`].
    #[serde(default)]
    pub search: SearchParams,
    pub seed: u64,
}

/// Every flow starts at this time, so that a searched anchor can move back before the first
/// received packet.
pub const START: SimTime = crate::engine::time::S;

/// The law of the path's per-packet delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JitterModel {
    /// A fixed delay of 6 sigma plus N(0, sigma^2), clamped so that no packet leaves before it
    /// arrived (probability 1e-9): the zero-mean Gaussian jitter of the paper's analysis
    /// (eqs. 11-16), as seen by a detector that knows the fixed delay.
    #[default]
    Gaussian,
    /// max(0, N(0, sigma^2)) with no fixed delay ([`crate::net::Jitter`], the link jitter of
    /// scenarios): half the packets are not delayed at all and the mean shift is
    /// sigma / sqrt(2 pi), so slot exits happen on one side only.
    Truncated,
}

/// A jittered path as a [`Stage`]: the law of [`JitterModel`], optionally order-preserving.
#[derive(Debug, Clone)]
pub struct PathJitter {
    sigma_ns: f64,
    base: SimTime,
    order_preserving: bool,
    last: SimTime,
}

impl PathJitter {
    pub fn new(model: JitterModel, sigma: SimTime, order_preserving: bool) -> Self {
        PathJitter {
            sigma_ns: sigma as f64,
            base: match model {
                JitterModel::Gaussian => 6 * sigma,
                JitterModel::Truncated => 0,
            },
            order_preserving,
            last: 0,
        }
    }

    /// The path's fixed delay (what a synchronised detector adds to the send time).
    pub fn fixed_delay(&self) -> SimTime {
        self.base
    }
}

impl Stage for PathJitter {
    #[inline]
    fn offer(&mut self, now: SimTime, _pkt: &Packet, rng: &mut SimRng) -> StageOutcome {
        let z: f64 = StandardNormal.sample(rng);
        let d = (self.base as f64 + z * self.sigma_ns).max(0.0);
        let mut t = now + crate::engine::time::from_ns_f64(d);
        if self.order_preserving {
            t = t.max(self.last);
            self.last = t;
        }
        StageOutcome::Release(t)
    }
}

/// The detector's time origin for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The first received packet (a blind detector: the first packet's own jitter shifts the
    /// whole grid, an error the paper's analysis does not include).
    #[default]
    FirstReceived,
    /// The time the flow's first packet left the watermarker plus the path's fixed delay (a
    /// synchronised detector; the setting of the paper's analysis).
    Known,
    /// Blind, robust: grids anchored at the first received packet shifted by multiples of
    /// `search.step` over +-`search.sigmas` path standard deviations (only backwards for
    /// one-sided jitter); the flow's score is the best over the shifts. The search costs false
    /// positives (the maximum of several statistics): see [`search_fp_bounds`].
    Search,
}

impl Anchor {
    pub fn name(self) -> &'static str {
        match self {
            Anchor::FirstReceived => "first_received",
            Anchor::Known => "known",
            Anchor::Search => "search",
        }
    }
}

/// The window of the anchor search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParams {
    /// Half-width of the window in path standard deviations.
    pub sigmas: f64,
    /// Step between candidate anchors.
    pub step: Duration,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            sigmas: 3.0,
            step: Duration(5 * crate::engine::time::MS),
        }
    }
}

impl SearchParams {
    /// Candidate anchors around `first` for a path delay of spread `spread` ns: shifts 0, then
    /// -1, +1, -2, +2, ... steps (ties go to the smaller shift); `symmetric = false` keeps
    /// only anchors at or before `first`.
    pub fn anchors(&self, first: SimTime, spread: SimTime, symmetric: bool) -> Vec<SimTime> {
        let step = self.step.nanos().max(1);
        let k = ((self.sigmas * spread as f64) / step as f64)
            .floor()
            .max(0.0) as u64;
        let mut v = vec![first];
        for i in 1..=k {
            v.push(first.saturating_sub(i * step));
            if symmetric {
                v.push(first + i * step);
            }
        }
        v
    }

    /// Number of candidate anchors for a spread.
    pub fn count(&self, spread: SimTime, symmetric: bool) -> usize {
        self.anchors(u64::MAX / 2, spread, symmetric).len()
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(self.sigmas.is_finite() && self.sigmas >= 0.0) {
            return Err(format!(
                "search.sigmas: expected a number of 0 or more, got {}",
                self.sigmas
            ));
        }
        if self.step.nanos() == 0 {
            return Err("search.step: must be above zero".into());
        }
        Ok(())
    }
}

/// The false-positive rate of the anchor search at threshold `eta`, from the single-grid
/// per-interval rate `p` (= FP_I, exact for Poisson flows): the search's statistic is the
/// maximum over `k` grids, each Binomial(n, p), so
/// P[Bin(n, p) >= eta] <= FP_search <= min(1, k P[Bin(n, p) >= eta]) (the union bound over the
/// candidate grids). The union bound is nearly tight at large eta: grids a quarter slot apart
/// rarely both exceed a high threshold (measured at 0.8-0.9 of it for eta 8-11).
/// Returns (single grid, union bound).
pub fn search_fp_bounds(n: u32, eta: u32, p: f64, k: usize) -> (f64, f64) {
    let single = crate::model::swirl::binom_tail(eta as u64, n as u64, p);
    (single, (k as f64 * single).min(1.0))
}

/// Detect with every anchor of `anchors`, keeping the best score (the first on ties).
pub fn detect_best(
    det: &dyn super::Detector,
    flow: crate::net::FlowId,
    received: &[SimTime],
    anchors: &[SimTime],
) -> Detection {
    let mut best: Option<Detection> = None;
    for &a in anchors {
        let d = det.detect_anchored(flow, received, a);
        if best.is_none_or(|b| d.score > b.score) {
            best = Some(d);
        }
    }
    best.unwrap_or_else(|| det.detect(flow, received))
}

/// A proportion with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub k: u64,
    pub n: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Proportion {
    pub fn new(k: u64, n: u64) -> Self {
        let (lo, hi) = wilson(k, n, Z95);
        // The interval's ends are exactly 0 and 1 at k = 0 and k = n; the formula leaves
        // rounding noise of 1e-19 there.
        let lo = if k == 0 { 0.0 } else { lo };
        let hi = if k == n { 1.0 } else { hi };
        Proportion {
            k,
            n,
            rate: if n > 0 { k as f64 / n as f64 } else { 0.0 },
            ci_low: lo,
            ci_high: hi,
        }
    }
}

/// What a stepping-stone run measured (for one anchor).
#[derive(Debug, Clone, Serialize)]
pub struct SteppingResult {
    pub scheme: &'static str,
    pub anchor: Anchor,
    /// Per-flow detections, flow order.
    pub marked: Vec<Detection>,
    pub unmarked: Vec<Detection>,
    /// hist[d] = flows with d detected intervals (or bits), d in 0..=of.
    pub hist_marked: Vec<u64>,
    pub hist_unmarked: Vec<u64>,
    pub mean_detected_marked: f64,
    pub mean_detected_unmarked: f64,
    /// Unmarked flows called watermarked / marked flows missed.
    pub fp: Proportion,
    #[serde(rename = "fn")]
    pub fn_: Proportion,
    /// Mean packet rate of the generated flows, pkt/s.
    pub mean_rate: f64,
    /// Inserted delay over all marked flows' packets, ms: p50, p90, p99, max.
    pub delay_ms: [f64; 4],
    /// SWIRL: ((Q, P), count) over every (base, mark) pair of every flow as sent, both sides
    /// (the interval-count law, for `model::swirl::plug_in`); sorted, empty for other schemes.
    pub pair_counts: Vec<((u32, u32), u64)>,
}

/// A flow's packet times from `START` on (`duration` long), from its own stream.
pub fn flow_times(traffic: &FlowTraffic, rng: &mut SimRng, duration: SimTime) -> Vec<SimTime> {
    match traffic {
        FlowTraffic::Interactive(p) => Interactive::new(p)
            .expect("validated")
            .timestamps(rng, START, duration),
        FlowTraffic::Poisson { rate } => poisson_times(*rate, rng, START, duration),
    }
}

/// Poisson packet times of `rate` pkt/s over [start, start + duration].
pub fn poisson_times(
    rate: f64,
    rng: &mut SimRng,
    start: SimTime,
    duration: SimTime,
) -> Vec<SimTime> {
    let mean = 1e9 / rate;
    let mut t = start;
    let end = start + duration;
    let mut v = Vec::with_capacity((rate * duration as f64 * 1e-9 * 1.1) as usize + 8);
    while t <= end {
        v.push(t);
        let e: f64 = Exp1.sample(rng);
        t += (e * mean).round() as SimTime;
    }
    v
}

fn packet(flow: u32, seq: usize, t: SimTime) -> Packet {
    Packet::new(flow, seq as u64, 100, t)
}

/// Push sorted send times through a watermarker (enabled or not): the release times, in send
/// order, and the watermarker (for its delays and detector).
pub fn watermark_flow(
    cfg: &WatermarkConfig,
    flow: u32,
    times: &[SimTime],
    marked: bool,
    rng: &mut SimRng,
) -> (Vec<SimTime>, Box<dyn super::Watermarker>) {
    let mut wm = build(cfg).expect("validated");
    wm.set_enabled(marked);
    let out = times
        .iter()
        .enumerate()
        .map(|(k, &t)| match wm.offer(t, &packet(flow, k, t), rng) {
            StageOutcome::Release(t1) => t1,
            StageOutcome::Drop(_) => unreachable!("watermarkers never drop"),
        })
        .collect();
    (out, wm)
}

/// One flow: generate, (mark,) jitter, detect with every anchor. Returns the detections (one
/// per anchor), the packet count and the watermarker's delay histogram.
fn one_flow(
    cfg: &SteppingConfig,
    f: u64,
    marked: bool,
    anchors: &[Anchor],
    counter: Option<&super::SwirlDetector>,
) -> FlowOut {
    let side = marked as u64;
    let mut trng = stream(cfg.seed, f, 2 * side);
    let mut jrng = stream(cfg.seed, f, 2 * side + 1);
    let mut wrng = stream(cfg.seed, f, 4 + side);
    let times = flow_times(&cfg.traffic, &mut trng, cfg.duration.nanos());
    let (released, wm) = watermark_flow(&cfg.watermark, f as u32, &times, marked, &mut wrng);
    let sigma = cfg.sigma.nanos();
    let mut jitter = PathJitter::new(cfg.jitter, sigma, cfg.order_preserving);
    let mut received: Vec<SimTime> = released
        .iter()
        .enumerate()
        .map(
            |(k, &t1)| match jitter.offer(t1, &packet(f as u32, k, t1), &mut jrng) {
                StageOutcome::Release(t2) => t2,
                StageOutcome::Drop(_) => unreachable!("jitter never drops"),
            },
        )
        .collect();
    received.sort_unstable();
    let det = wm.detector();
    let known = times.first().copied().unwrap_or(START) + jitter.fixed_delay();
    let first = received.first().copied().unwrap_or(known);
    let symmetric = cfg.jitter == JitterModel::Gaussian;
    let dets = anchors
        .iter()
        .map(|a| match a {
            Anchor::FirstReceived => det.detect(f as u32, &received),
            Anchor::Known => det.detect_anchored(f as u32, &received, known),
            Anchor::Search => detect_best(
                det.as_ref(),
                f as u32,
                &received,
                &cfg.search.anchors(first, sigma, symmetric),
            ),
        })
        .collect();
    let mut h = super::delay_histogram();
    if marked {
        h.add(wm.delays()).expect("auto-resizing");
    }
    let pairs = counter
        .map(|c| {
            c.pairs(&times, times.first().copied().unwrap_or(START))
                .iter()
                .map(|r| (r.q, r.p))
                .collect()
        })
        .unwrap_or_default();
    (dets, times.len(), h, pairs)
}

type FlowOut = (Vec<Detection>, usize, Histogram<u64>, Vec<(u32, u32)>);

/// ((Q, P), count), sorted, from per-pair counts.
pub fn count_pairs<'a>(it: impl Iterator<Item = &'a (u32, u32)>) -> Vec<((u32, u32), u64)> {
    let mut m = std::collections::BTreeMap::new();
    for &k in it {
        *m.entry(k).or_insert(0u64) += 1;
    }
    m.into_iter().collect()
}

/// hist[d] = detections with d detected intervals, d in 0..=of.
pub fn histogram_of(dets: &[Detection]) -> Vec<u64> {
    let of = dets.iter().map(|d| d.of).max().unwrap_or(0) as usize;
    let mut h = vec![0u64; of + 1];
    for d in dets {
        h[(d.detected as usize).min(of)] += 1;
    }
    h
}

/// Per-flow outcomes of one side, in flow order, and the side's merged delay histogram.
type Side = (
    Vec<(u64, Vec<Detection>, usize, Vec<(u32, u32)>)>,
    Histogram<u64>,
);

fn run_side(
    cfg: &SteppingConfig,
    marked: bool,
    anchors: &[Anchor],
    counter: Option<&super::SwirlDetector>,
) -> Side {
    let (mut v, h) = (0..cfg.flows as u64)
        .into_par_iter()
        .map(|f| {
            let (d, n, h, pc) = one_flow(cfg, f, marked, anchors, counter);
            (f, d, n, h, pc)
        })
        .fold(
            || (Vec::new(), super::delay_histogram()),
            |(mut v, mut hh), (f, d, n, h, pc)| {
                hh.add(&h).expect("auto-resizing");
                v.push((f, d, n, pc));
                (v, hh)
            },
        )
        .reduce(
            || (Vec::new(), super::delay_histogram()),
            |(mut a, mut ha), (b, hb)| {
                a.extend(b);
                ha.add(&hb).expect("auto-resizing");
                (a, ha)
            },
        );
    v.sort_unstable_by_key(|x| x.0);
    (v, h)
}

/// Aggregate per-flow detections of both sides into a result.
pub fn summarise(
    scheme: &'static str,
    anchor: Anchor,
    marked: Vec<Detection>,
    unmarked: Vec<Detection>,
    mean_rate: f64,
    delays: &Histogram<u64>,
) -> SteppingResult {
    let mean =
        |d: &[Detection]| d.iter().map(|x| x.detected as f64).sum::<f64>() / d.len().max(1) as f64;
    let fp = unmarked.iter().filter(|d| d.watermarked).count() as u64;
    let missed = marked.iter().filter(|d| !d.watermarked).count() as u64;
    let mut delays = delays.clone();
    if delays.is_empty() {
        record(&mut delays, 0);
    }
    SteppingResult {
        scheme,
        anchor,
        hist_marked: histogram_of(&marked),
        hist_unmarked: histogram_of(&unmarked),
        mean_detected_marked: mean(&marked),
        mean_detected_unmarked: mean(&unmarked),
        fp: Proportion::new(fp, unmarked.len() as u64),
        fn_: Proportion::new(missed, marked.len() as u64),
        mean_rate,
        delay_ms: delay_percentiles_ms(&delays),
        pair_counts: Vec::new(),
        marked,
        unmarked,
    }
}

fn validate(cfg: &SteppingConfig) -> Result<(), String> {
    cfg.watermark.validate()?;
    cfg.search.validate()?;
    match &cfg.traffic {
        FlowTraffic::Interactive(p) => p.validate(),
        FlowTraffic::Poisson { rate } if !(rate.is_finite() && *rate > 0.0) => Err(format!(
            "traffic.rate: expected a rate above zero, got {rate}"
        )),
        _ => Ok(()),
    }
}

/// Run the experiment on all cores (deterministic per flow) with the config's anchor.
pub fn run(cfg: &SteppingConfig) -> Result<SteppingResult, String> {
    Ok(run_anchors(cfg, &[cfg.anchor])?.remove(0))
}

/// Run the experiment once and detect with each of `anchors` (one result per anchor, same
/// flows).
pub fn run_anchors(
    cfg: &SteppingConfig,
    anchors: &[Anchor],
) -> Result<Vec<SteppingResult>, String> {
    validate(cfg)?;
    let counter = match &cfg.watermark {
        WatermarkConfig::Swirl(p) => Some(super::SwirlDetector::new(p.clone())),
        _ => None,
    };
    let (m, delays) = run_side(cfg, true, anchors, counter.as_ref());
    let (u, _) = run_side(cfg, false, anchors, counter.as_ref());
    let pair_counts = count_pairs(m.iter().chain(&u).flat_map(|x| x.3.iter()));
    let packets: usize = m.iter().chain(&u).map(|x| x.2).sum();
    let mean_rate = packets as f64 / (2.0 * cfg.flows.max(1) as f64 * cfg.duration.secs());
    Ok(anchors
        .iter()
        .enumerate()
        .map(|(i, &a)| SteppingResult {
            pair_counts: pair_counts.clone(),
            ..summarise(
                cfg.watermark.scheme(),
                a,
                m.iter().map(|x| x.1[i]).collect(),
                u.iter().map(|x| x.1[i]).collect(),
                mean_rate,
                &delays,
            )
        })
        .collect())
}

impl SteppingConfig {
    /// SWIRL with Table 3 parameters on interactive flows of `rate` pkt/s, 130 s long.
    pub fn swirl_default(rate: f64, sigma: SimTime, flows: usize, seed: u64) -> Self {
        SteppingConfig {
            watermark: WatermarkConfig::Swirl(Default::default()),
            traffic: FlowTraffic::Interactive(InteractiveParams {
                rate,
                ..Default::default()
            }),
            flows,
            duration: Duration(130 * crate::engine::time::S),
            sigma: Duration(sigma),
            order_preserving: false,
            jitter: JitterModel::Gaussian,
            anchor: Anchor::FirstReceived,
            search: SearchParams::default(),
            seed,
        }
    }
}
