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
use crate::engine::{stream, SimTime};
use crate::net::{Jitter, Packet, Stage, StageOutcome};
use crate::scenario::units::Duration;
use crate::traffic::interactive::{Interactive, InteractiveParams};
use hdrhistogram::Histogram;
use rand_distr::{Distribution, Exp1};
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
    /// Standard deviation of the path's Gaussian jitter (truncated at 0, as in `net::Jitter`).
    pub sigma: Duration,
    /// Whether the jittered path keeps packet order.
    pub order_preserving: bool,
    /// Where the detector's time grid starts.
    #[serde(default)]
    pub anchor: Anchor,
    pub seed: u64,
}

/// The detector's time origin for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The first received packet (a blind detector: the first packet's own jitter shifts the
    /// whole grid, an error the paper's analysis does not include).
    #[default]
    FirstReceived,
    /// The time the flow's first packet left the watermarker (a synchronised detector; the
    /// setting of the paper's analysis).
    Known,
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

/// Wilson score interval for k successes in n trials at normal quantile z (1.96 for 95 %).
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let den = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

impl Proportion {
    pub fn new(k: u64, n: u64) -> Self {
        let (lo, hi) = wilson(k, n, 1.96);
        Proportion {
            k,
            n,
            rate: if n > 0 { k as f64 / n as f64 } else { 0.0 },
            ci_low: lo,
            ci_high: hi,
        }
    }
}

/// What a stepping-stone run measured.
#[derive(Debug, Clone, Serialize)]
pub struct SteppingResult {
    pub scheme: &'static str,
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
}

fn poisson_times(rate: f64, rng: &mut crate::engine::SimRng, duration: SimTime) -> Vec<SimTime> {
    let mean = 1e9 / rate;
    let mut t = 0u64;
    let mut v = Vec::with_capacity((rate * duration as f64 * 1e-9 * 1.1) as usize + 8);
    while t <= duration {
        v.push(t);
        let e: f64 = Exp1.sample(rng);
        t += (e * mean).round() as SimTime;
    }
    v
}

/// One flow: generate, (mark,) jitter, detect. Returns the detection, the packet count and
/// the watermarker's delay histogram.
fn one_flow(cfg: &SteppingConfig, f: u64, marked: bool) -> (Detection, usize, Histogram<u64>) {
    let side = marked as u64;
    let mut trng = stream(cfg.seed, f, 2 * side);
    let mut jrng = stream(cfg.seed, f, 2 * side + 1);
    let mut wrng = stream(cfg.seed, f, 4 + side);
    let dur = cfg.duration.nanos();
    let times = match &cfg.traffic {
        FlowTraffic::Interactive(p) => Interactive::new(p)
            .expect("validated")
            .timestamps(&mut trng, 0, dur),
        FlowTraffic::Poisson { rate } => poisson_times(*rate, &mut trng, dur),
    };
    let mut wm = build(&cfg.watermark).expect("validated");
    wm.set_enabled(marked);
    let mut jitter = Jitter::new(cfg.sigma.nanos(), cfg.order_preserving);
    let mut received = Vec::with_capacity(times.len());
    for (k, &t) in times.iter().enumerate() {
        let pkt = Packet {
            flow: f as u32,
            seq: k as u64,
            size: 100,
            created: t,
            hop: 0,
            mix_hold: 0,
            queueing: 0,
        };
        let StageOutcome::Release(t1) = wm.offer(t, &pkt, &mut wrng) else {
            continue;
        };
        let StageOutcome::Release(t2) = jitter.offer(t1, &pkt, &mut jrng) else {
            continue;
        };
        received.push(t2);
    }
    received.sort_unstable();
    let det = match cfg.anchor {
        Anchor::FirstReceived => wm.detector().detect(f as u32, &received),
        Anchor::Known => {
            wm.detector()
                .detect_anchored(f as u32, &received, times.first().copied().unwrap_or(0))
        }
    };
    let mut h = super::delay_histogram();
    if marked {
        h.add(wm.delays()).expect("auto-resizing");
    }
    (det, times.len(), h)
}

fn histogram_of(dets: &[Detection]) -> Vec<u64> {
    let of = dets.iter().map(|d| d.of).max().unwrap_or(0) as usize;
    let mut h = vec![0u64; of + 1];
    for d in dets {
        h[(d.detected as usize).min(of)] += 1;
    }
    h
}

/// Run the experiment on all cores (deterministic per flow).
pub fn run(cfg: &SteppingConfig) -> Result<SteppingResult, String> {
    cfg.watermark.validate()?;
    if let FlowTraffic::Interactive(p) = &cfg.traffic {
        p.validate()?;
    }
    let side = |marked: bool| {
        let (mut v, h) = (0..cfg.flows as u64)
            .into_par_iter()
            .map(|f| {
                let (d, n, h) = one_flow(cfg, f, marked);
                (f, d, n, h)
            })
            .fold(
                || (Vec::new(), super::delay_histogram()),
                |(mut v, mut hh), (f, d, n, h)| {
                    hh.add(&h).expect("auto-resizing");
                    v.push((f, d, n));
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
    };
    let (m, hist) = side(true);
    let (u, _) = side(false);
    let packets: usize = m.iter().chain(&u).map(|x| x.2).sum();
    let marked: Vec<Detection> = m.into_iter().map(|x| x.1).collect();
    let unmarked: Vec<Detection> = u.into_iter().map(|x| x.1).collect();
    let mean =
        |d: &[Detection]| d.iter().map(|x| x.detected as f64).sum::<f64>() / d.len().max(1) as f64;
    let nf = cfg.flows as u64;
    let fp = unmarked.iter().filter(|d| d.watermarked).count() as u64;
    let missed = marked.iter().filter(|d| !d.watermarked).count() as u64;
    let mut delays = hist;
    if delays.is_empty() {
        record(&mut delays, 0);
    }
    Ok(SteppingResult {
        scheme: cfg.watermark.scheme(),
        hist_marked: histogram_of(&marked),
        hist_unmarked: histogram_of(&unmarked),
        mean_detected_marked: mean(&marked),
        mean_detected_unmarked: mean(&unmarked),
        fp: Proportion::new(fp, nf),
        fn_: Proportion::new(missed, nf),
        mean_rate: packets as f64 / (2.0 * nf.max(1) as f64 * cfg.duration.secs()),
        delay_ms: delay_percentiles_ms(&delays),
        marked,
        unmarked,
    })
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
            anchor: Anchor::FirstReceived,
            seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // k = 0: upper end z^2 / (n + z^2).
        let (lo, hi) = wilson(0, 1000, 1.96);
        assert_eq!(lo, 0.0);
        assert!((hi - 1.96f64.powi(2) / (1000.0 + 1.96f64.powi(2))).abs() < 1e-12);
        // Symmetric at k = n/2.
        let (lo, hi) = wilson(50, 100, 1.96);
        assert!((0.5 - lo - (hi - 0.5)).abs() < 1e-12);
        assert!((lo - 0.4038).abs() < 1e-3, "{lo}");
    }
}
