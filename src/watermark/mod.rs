//! Flow watermarks: SWIRL (Houmansadr and Borisov, NDSS 2011) and its predecessors.
//!
//! Every scheme is a pair of a watermarker, a [`Stage`] that delays packets on a link, and a
//! detector that looks at the timestamps an observer received for one flow. Both sides share a
//! key; [`Watermarker::detector`] hands out the matching detector (for the non-blind RAINBOW it
//! also carries what the watermarker recorded).
//!
//! Parts of SWIRL's design that the paper fragment does not give are mixsim's reconstruction
//! (see `shared/watermark.md`, items marked [design]); they are chosen to match the fragment's
//! bounds exactly: slot width T/(rm), largest delay T/r (2 - 2/m), centroid tolerance
//! T/(2mq), uniform in-slot position.

pub mod ibw;
pub mod icbw;
pub mod key;
pub mod mfa;
pub mod params;
pub mod rainbow;
pub mod stepping;
pub mod swirl_detect;
pub mod swirl_embed;

pub use key::SwirlKey;
pub use params::{Pairing, SwirlParams, WatermarkConfig};
pub use swirl_detect::SwirlDetector;
pub use swirl_embed::SwirlWatermarker;

use crate::engine::SimTime;
use crate::net::{FlowId, Stage};
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

/// A watermark detector over the received timestamps of one flow.
pub trait Detector: Send + Sync {
    /// `received`: the times the observer saw the flow's packets, in non-decreasing order.
    fn detect(&self, flow: FlowId, received: &[SimTime]) -> Detection;
    /// Detection with the flow's time origin given (a detector synchronised with the
    /// watermarker, e.g. told when the flow's first packet left it). Schemes without a time
    /// grid ignore it.
    fn detect_anchored(&self, flow: FlowId, received: &[SimTime], anchor: SimTime) -> Detection {
        let _ = anchor;
        self.detect(flow, received)
    }
}

/// Build the watermarker a scenario's `[watermark]` table asks for.
pub fn build(config: &WatermarkConfig) -> Result<Box<dyn Watermarker>, String> {
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
