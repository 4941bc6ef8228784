//! Flow watermarks: SWIRL (Houmansadr and Borisov, NDSS 2011) and its predecessors.
//!
//! Every scheme is a pair of a watermarker, a [`Stage`] that the network places on one flow at
//! one host of its route (a scenario's `[[watermark]]`), and a detector that looks at the
//! timestamps an observer received (the `watermark` attack runs it on a tap). Both sides share a
//! key; [`detector`] builds the matching detector from the same parameters (RAINBOW's is
//! non-blind: it is also given the flow as it entered the watermarker).
//!
//! The paper fragment mixsim works from gives SWIRL's error analysis, parameters and simulation
//! set-up but not its design section. Everything marked \[design\] in these modules (the key
//! layout, the embedding rules, the detector's details) is mixsim's reconstruction, chosen to
//! match the fragment's bounds exactly: slot width T/(rm), largest delay T/r (2 - 2/m),
//! centroid tolerance T/(2mq), uniform in-slot position. IBW, ICBW and RAINBOW are described
//! from secondary sources, with every parameter configurable.

pub mod ibw;
pub mod icbw;
pub mod key;
pub mod mfa;
pub mod params;
pub mod rainbow;
pub mod swirl_detect;
pub mod swirl_embed;

pub use key::SwirlKey;
pub use params::{Embedding, Pairing, SwirlParams, WatermarkConfig};
pub use swirl_detect::SwirlDetector;
pub use swirl_embed::SwirlWatermarker;

use crate::engine::SimTime;
use crate::net::Stage;
use hdrhistogram::Histogram;

/// What a detector says about one flow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Detection {
    /// The verdict.
    pub watermarked: bool,
    /// The statistic the verdict thresholds (detected intervals for SWIRL, bits agreeing for
    /// IBW/ICBW, normalised correlation for RAINBOW).
    pub score: f64,
    /// Interval-based schemes: mark intervals (or bits) detected, out of `of`.
    pub detected: u32,
    pub of: u32,
}

use serde::Serialize;

/// A watermarking element: a link stage that embeds a mark, per flow.
pub trait Watermarker: Stage + Send {
    /// Short scheme name ("swirl", "ibw", "icbw", "rainbow").
    fn scheme(&self) -> &'static str;
    /// Inserted delays (release minus arrival, ns) of every packet offered so far.
    fn delays(&self) -> &Histogram<u64>;
    /// Switch embedding off (the stage then releases every packet at once, but still records
    /// what a non-blind detector needs). Used for the unwatermarked side of an experiment.
    fn set_enabled(&mut self, on: bool);
    /// The detector that shares this watermarker's key (and records, for non-blind schemes).
    fn detector(&self) -> Box<dyn Detector>;
}

/// A watermark detector over received timestamps. It is told nothing about which flow they
/// belong to: whoever calls it decides what it looks at (a tap on a link, say).
pub trait Detector: Send + Sync {
    /// `received`: the times the observer saw, in non-decreasing order; the grid is anchored
    /// at the first of them (a blind detector).
    fn detect(&self, received: &[SimTime]) -> Detection;
    /// Detection with the time origin given (a detector synchronised with the watermarker,
    /// e.g. told when the flow's first packet left it). Schemes without a time grid ignore it.
    fn detect_anchored(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        let _ = anchor;
        self.detect(received)
    }
    /// Detection of a non-blind scheme, given the flow's packet times as they entered the
    /// watermarker (`reference`). Blind schemes ignore the reference.
    fn detect_with_reference(&self, received: &[SimTime], reference: &[SimTime]) -> Detection {
        let _ = reference;
        self.detect(received)
    }
}

/// The best detection over several anchors (the first on ties): the blind anchor search.
pub fn detect_best(det: &dyn Detector, received: &[SimTime], anchors: &[SimTime]) -> Detection {
    let mut best: Option<Detection> = None;
    for &a in anchors {
        let d = det.detect_anchored(received, a);
        if best.is_none_or(|b| d.score > b.score) {
            best = Some(d);
        }
    }
    best.unwrap_or_else(|| det.detect(received))
}

/// The detector of a scheme: it shares the key that `config`'s seed makes.
pub fn detector(config: &WatermarkConfig) -> Box<dyn Detector> {
    match config {
        WatermarkConfig::Swirl(p) => Box::new(SwirlDetector::new(p.clone())),
        WatermarkConfig::Ibw(p) => Box::new(ibw::IbwDetector::new(p.clone())),
        WatermarkConfig::Icbw(p) => Box::new(icbw::IcbwDetector::new(p.clone())),
        WatermarkConfig::Rainbow(p) => Box::new(rainbow::RainbowDetector::new(p.clone())),
    }
}

/// Build the watermarker a scenario's `[[watermark]]` table asks for.
pub fn build(config: &WatermarkConfig) -> Result<Box<dyn Watermarker>, params::ParamError> {
    config.validate()?;
    Ok(match config {
        WatermarkConfig::Swirl(p) => Box::new(SwirlWatermarker::new(p.clone())),
        WatermarkConfig::Ibw(p) => Box::new(ibw::IbwWatermarker::new(p.clone())),
        WatermarkConfig::Icbw(p) => Box::new(icbw::IcbwWatermarker::new(p.clone())),
        WatermarkConfig::Rainbow(p) => Box::new(rainbow::RainbowWatermarker::new(p.clone())),
    })
}

/// A delay histogram in nanoseconds (3 significant digits, auto-resizing).
pub(crate) fn delay_histogram() -> Histogram<u64> {
    let mut h = Histogram::<u64>::new(3).expect("valid sigfig");
    h.auto(true);
    h
}

/// Percentiles of a delay histogram, in milliseconds: (p50, p90, p99, max).
pub fn delay_percentiles_ms(h: &Histogram<u64>) -> [f64; 4] {
    let ms = |v: u64| v as f64 / 1e6;
    [
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.9)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
    ]
}

/// Record a delay (ns) in an auto-resizing histogram.
#[inline]
pub(crate) fn record(h: &mut Histogram<u64>, delay: SimTime) {
    h.record(delay).expect("auto-resizing histogram");
}
