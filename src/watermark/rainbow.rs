//! RAINBOW: a non-blind inter-packet-delay watermark (Houmansadr, Kiyavash and Borisov, NDSS
//! 2009), described from secondary sources; every parameter is configurable. \[design\]
//!
//! The watermarker records each flow's packet times and delays packet i (i < `length`) by
//! a (1 + w_i), w_i = +-1 from the key, so the inter-packet delays change by a (w_i - w_{i-1}):
//! delays are at most 2a (a few ms), hundreds of times smaller than blind schemes. The detector
//! (which holds the records) subtracts the recorded inter-packet delays from the received
//! ones and computes the normalised correlation of the residuals with a (w_i - w_{i-1});
//! the flow is watermarked when it reaches `threshold`. Packets are matched by index (no
//! loss assumed; with unequal lengths the common prefix is used).

use super::ibw::FlowClock;
use super::params::ParamError;
use super::{delay_histogram, record, Detection, Detector, Watermarker};
use crate::engine::{stream, SimRng, SimTime};
use crate::net::{FlowId, Packet, Stage, StageOutcome};
use crate::units::Duration;
use hdrhistogram::Histogram;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// RAINBOW parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RainbowParams {
    /// Amplitude a.
    pub amplitude: Duration,
    /// Packets carrying the mark.
    pub length: u32,
    /// Normalised correlation needed to say "watermarked".
    pub threshold: f64,
    pub key_seed: u64,
}

impl Default for RainbowParams {
    fn default() -> Self {
        RainbowParams {
            amplitude: Duration(5 * crate::engine::time::MS),
            length: 400,
            threshold: 0.2,
            key_seed: 0,
        }
    }
}

impl RainbowParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.length < 2 {
            return Err(ParamError::at(
                "length",
                "need at least 2 packets (rainbow)",
            ));
        }
        if !(self.threshold > -1.0 && self.threshold < 1.0) {
            return Err(ParamError::at("threshold", "expected (-1, 1) (rainbow)"));
        }
        Ok(())
    }
}

fn key_signs(p: &RainbowParams) -> Arc<Vec<f64>> {
    let mut rng = stream(p.key_seed, 0, 0x5241_494e);
    Arc::new(
        (0..p.length)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect(),
    )
}

/// The RAINBOW watermarker.
#[derive(Debug, Clone)]
pub struct RainbowWatermarker {
    params: RainbowParams,
    signs: Arc<Vec<f64>>,
    flows: HashMap<FlowId, (FlowClock, Vec<SimTime>)>,
    delays: Histogram<u64>,
    enabled: bool,
}

impl RainbowWatermarker {
    pub fn new(params: RainbowParams) -> Self {
        let signs = key_signs(&params);
        RainbowWatermarker {
            params,
            signs,
            flows: HashMap::new(),
            delays: delay_histogram(),
            enabled: true,
        }
    }
}

impl Stage for RainbowWatermarker {
    fn offer(&mut self, now: SimTime, pkt: &Packet, _rng: &mut SimRng) -> StageOutcome {
        let (st, rec) = self.flows.entry(pkt.flow).or_default();
        let i = rec.len();
        rec.push(now);
        let a = self.params.amplitude.nanos() as f64;
        let target = match self.signs.get(i) {
            Some(&w) if self.enabled => now + (a * (1.0 + w)).round() as SimTime,
            _ => now,
        };
        let release = target.max(st.last_release);
        st.last_release = release;
        record(&mut self.delays, release - now);
        StageOutcome::Release(release)
    }
}

impl Watermarker for RainbowWatermarker {
    fn scheme(&self) -> &'static str {
        "rainbow"
    }
    fn delays(&self) -> &Histogram<u64> {
        &self.delays
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
    fn detector(&self) -> Box<dyn Detector> {
        Box::new(RainbowDetector::new(self.params.clone()))
    }
}

/// The RAINBOW detector. It is non-blind: it compares the received times with the flow's
/// packet times as they entered the watermarker (the reference, which the watermarker's owner
/// records), so [`Detector::detect`] without a reference finds nothing.
#[derive(Debug, Clone)]
pub struct RainbowDetector {
    params: RainbowParams,
    signs: Arc<Vec<f64>>,
}

impl RainbowDetector {
    pub fn new(params: RainbowParams) -> Self {
        let signs = key_signs(&params);
        RainbowDetector { params, signs }
    }
}

impl Detector for RainbowDetector {
    fn detect(&self, _received: &[SimTime]) -> Detection {
        Detection {
            watermarked: false,
            score: 0.0,
            detected: 0,
            of: 0,
        }
    }

    fn detect_with_reference(&self, received: &[SimTime], rec: &[SimTime]) -> Detection {
        let none = self.detect(received);
        let len = rec.len().min(received.len()).min(self.signs.len());
        if len < 3 {
            return none;
        }
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for i in 1..len {
            let resid =
                (received[i] as f64 - received[i - 1] as f64) - (rec[i] as f64 - rec[i - 1] as f64);
            let w = self.signs[i] - self.signs[i - 1];
            sxy += resid * w;
            sxx += resid * resid;
            syy += w * w;
        }
        let corr = if sxx > 0.0 && syy > 0.0 {
            sxy / (sxx * syy).sqrt()
        } else {
            0.0
        };
        Detection {
            watermarked: corr >= self.params.threshold,
            score: corr,
            detected: 0,
            of: 0,
        }
    }
}
