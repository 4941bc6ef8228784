//! ICBW: interval centroid-based watermarking (Wang, Chen and Jajodia, 2007), described from
//! secondary sources; every parameter is configurable. \[design\]
//!
//! 2 bits redundancy intervals of length T after the flow's first packet (plus `offset`) are
//! split by the key into groups A and B; bit i owns `redundancy` intervals of each group. A 1
//! raises the centroid of bit i's A intervals, a 0 that of its B intervals, by squeezing each
//! packet's offset u in [0, T) to a + u (T - a)/T (delay at most a). The detector computes each
//! interval's normalised centroid, decodes bit i as 1 when the mean over its A intervals
//! exceeds that over its B intervals, and calls the flow watermarked when at most `hamming`
//! bits differ from the key. The squeezed intervals are empty over [0, a): the multi-flow
//! attack sees it.

use super::ibw::FlowClock;
use super::params::ParamError;
use super::{delay_histogram, record, Detection, Detector, Watermarker};
use crate::engine::{stream, SimRng, SimTime};
use crate::net::{FlowId, Packet, Stage, StageOutcome};
use crate::units::Duration;
use hdrhistogram::Histogram;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// ICBW parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IcbwParams {
    pub interval: Duration,
    /// Squeeze amount a (< T): the largest delay.
    pub amplitude: Duration,
    pub bits: u32,
    /// Intervals per bit in each group.
    pub redundancy: u32,
    pub hamming: u32,
    pub offset: Duration,
    pub key_seed: u64,
}

impl Default for IcbwParams {
    fn default() -> Self {
        IcbwParams {
            interval: Duration(500 * crate::engine::time::MS),
            amplitude: Duration(350 * crate::engine::time::MS),
            bits: 24,
            redundancy: 4,
            hamming: 5,
            offset: Duration(0),
            key_seed: 0,
        }
    }
}

impl IcbwParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.interval.nanos() == 0 || self.bits == 0 || self.redundancy == 0 {
            return Err(ParamError::whole(
                "interval, bits and redundancy must be above zero (icbw)",
            ));
        }
        if self.amplitude.nanos() >= self.interval.nanos() {
            return Err(ParamError::at(
                "amplitude",
                "must be below the interval (icbw)",
            ));
        }
        if self.hamming >= self.bits {
            return Err(ParamError::at("hamming", "must be below bits (icbw)"));
        }
        Ok(())
    }
    fn intervals(&self) -> usize {
        (2 * self.bits * self.redundancy) as usize
    }
}

/// Role of an ICBW interval: (bit, in group A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcbwKey {
    pub bits: Vec<bool>,
    pub role: Vec<(u32, bool)>,
}

impl IcbwKey {
    pub fn new(p: &IcbwParams) -> Self {
        let mut rng = stream(p.key_seed, 0, 0x4943_4257);
        let bits = (0..p.bits).map(|_| rng.random::<bool>()).collect();
        let mut role: Vec<(u32, bool)> = (0..p.bits)
            .flat_map(|b| (0..2 * p.redundancy).map(move |k| (b, k < p.redundancy)))
            .collect();
        role.shuffle(&mut rng);
        IcbwKey { bits, role }
    }
}

/// The ICBW watermarker.
#[derive(Debug, Clone)]
pub struct IcbwWatermarker {
    params: IcbwParams,
    key: Arc<IcbwKey>,
    flows: HashMap<FlowId, FlowClock>,
    delays: Histogram<u64>,
    enabled: bool,
}

impl IcbwWatermarker {
    pub fn new(params: IcbwParams) -> Self {
        let key = Arc::new(IcbwKey::new(&params));
        IcbwWatermarker {
            params,
            key,
            flows: HashMap::new(),
            delays: delay_histogram(),
            enabled: true,
        }
    }
}

impl Stage for IcbwWatermarker {
    fn offer(&mut self, now: SimTime, pkt: &Packet, _rng: &mut SimRng) -> StageOutcome {
        let st = self.flows.entry(pkt.flow).or_insert(FlowClock {
            anchor: now,
            last_release: 0,
        });
        let t = self.params.interval.nanos();
        let a = self.params.amplitude.nanos();
        let start = st.anchor + self.params.offset.nanos();
        let mut target = now;
        if self.enabled && now >= start {
            let k = ((now - start) / t) as usize;
            if k < self.params.intervals() {
                let (bit, in_a) = self.key.role[k];
                if self.key.bits[bit as usize] == in_a {
                    let u = now - start - k as u64 * t;
                    let squeezed = a + ((u as u128 * (t - a) as u128) / t as u128) as u64;
                    target = start + k as u64 * t + squeezed;
                }
            }
        }
        let release = target.max(st.last_release);
        st.last_release = release;
        record(&mut self.delays, release - now);
        StageOutcome::Release(release)
    }
}

impl Watermarker for IcbwWatermarker {
    fn scheme(&self) -> &'static str {
        "icbw"
    }
    fn delays(&self) -> &Histogram<u64> {
        &self.delays
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
    fn detector(&self) -> Box<dyn Detector> {
        Box::new(IcbwDetector {
            params: self.params.clone(),
            key: self.key.clone(),
        })
    }
}

/// The ICBW detector.
#[derive(Debug, Clone)]
pub struct IcbwDetector {
    params: IcbwParams,
    key: Arc<IcbwKey>,
}

impl IcbwDetector {
    pub fn new(params: IcbwParams) -> Self {
        let key = Arc::new(IcbwKey::new(&params));
        IcbwDetector { params, key }
    }

    fn decode(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        let p = &self.params;
        let t = p.interval.nanos();
        let start = anchor + p.offset.nanos();
        let mut sum = vec![0f64; p.intervals()];
        let mut cnt = vec![0u32; p.intervals()];
        for &x in received {
            if x < start {
                continue;
            }
            let k = ((x - start) / t) as usize;
            if k < sum.len() {
                sum[k] += ((x - start) - k as u64 * t) as f64 / t as f64;
                cnt[k] += 1;
            }
        }
        // Per bit: (sum of centroids, intervals) for A and for B.
        let mut acc = vec![[0f64; 4]; p.bits as usize];
        for k in 0..sum.len() {
            if cnt[k] == 0 {
                continue;
            }
            let (bit, in_a) = self.key.role[k];
            let g = if in_a { 0 } else { 2 };
            acc[bit as usize][g] += sum[k] / cnt[k] as f64;
            acc[bit as usize][g + 1] += 1.0;
        }
        let agree = acc
            .iter()
            .zip(&self.key.bits)
            .filter(|(a, &b)| {
                a[1] > 0.0 && a[3] > 0.0 && {
                    let y = a[0] / a[1] - a[2] / a[3];
                    y != 0.0 && (y > 0.0) == b
                }
            })
            .count() as u32;
        Detection {
            watermarked: p.bits - agree <= p.hamming,
            score: agree as f64,
            detected: agree,
            of: p.bits,
        }
    }
}

impl Detector for IcbwDetector {
    fn detect(&self, received: &[SimTime]) -> Detection {
        self.decode(received, received.first().copied().unwrap_or(0))
    }
    fn detect_anchored(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        self.decode(received, anchor)
    }
}
