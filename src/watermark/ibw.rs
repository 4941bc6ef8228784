//! IBW: interval-based watermarking (Pyun, Park and Reeves, 2007), described from secondary
//! sources; every parameter is configurable. \[design\]
//!
//! Time after the flow's first packet (plus `offset`) is cut into intervals of length T,
//! grouped into `bits * redundancy` units of three consecutive intervals (A, B, C); a key
//! assigns units to bits and draws the watermark bits. Bit 1 empties A (its packets are held
//! until B starts); bit 0 empties B (its packets are held until C starts). The detector decodes
//! a unit as 1 when A holds fewer packets than B, 0 when more (a tie does not vote), takes the
//! majority over a bit's units, and calls the flow watermarked when at most `hamming` bits
//! differ from the key. Delays reach T: large, and the emptied intervals are visible holes.

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

/// IBW parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IbwParams {
    pub interval: Duration,
    /// Watermark length in bits.
    pub bits: u32,
    /// Units (interval triples) per bit.
    pub redundancy: u32,
    /// Largest Hamming distance still called watermarked.
    pub hamming: u32,
    pub offset: Duration,
    pub key_seed: u64,
}

impl Default for IbwParams {
    fn default() -> Self {
        IbwParams {
            interval: Duration(500 * crate::engine::time::MS),
            bits: 16,
            redundancy: 3,
            hamming: 3,
            offset: Duration(0),
            key_seed: 0,
        }
    }
}

impl IbwParams {
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.interval.nanos() == 0 || self.bits == 0 || self.redundancy == 0 {
            return Err(ParamError::whole(
                "interval, bits and redundancy must be above zero (ibw)",
            ));
        }
        if self.hamming >= self.bits {
            return Err(ParamError::at("hamming", "must be below bits (ibw)"));
        }
        Ok(())
    }
    fn units(&self) -> usize {
        (self.bits * self.redundancy) as usize
    }
}

/// The IBW key: the bits and, for each unit (in time order), its bit index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IbwKey {
    pub bits: Vec<bool>,
    pub unit_bit: Vec<u32>,
}

impl IbwKey {
    pub fn new(p: &IbwParams) -> Self {
        let mut rng = stream(p.key_seed, 0, 0x0049_4257);
        let bits = (0..p.bits).map(|_| rng.random::<bool>()).collect();
        let mut unit_bit: Vec<u32> = (0..p.units() as u32).map(|u| u % p.bits).collect();
        unit_bit.shuffle(&mut rng);
        IbwKey { bits, unit_bit }
    }
}

/// Per-flow anchor and FIFO state shared by the interval schemes.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowClock {
    pub anchor: SimTime,
    pub last_release: SimTime,
}

/// The IBW watermarker.
#[derive(Debug, Clone)]
pub struct IbwWatermarker {
    params: IbwParams,
    key: Arc<IbwKey>,
    flows: HashMap<FlowId, FlowClock>,
    delays: Histogram<u64>,
    enabled: bool,
}

impl IbwWatermarker {
    pub fn new(params: IbwParams) -> Self {
        let key = Arc::new(IbwKey::new(&params));
        IbwWatermarker {
            params,
            key,
            flows: HashMap::new(),
            delays: delay_histogram(),
            enabled: true,
        }
    }
}

impl Stage for IbwWatermarker {
    fn offer(&mut self, now: SimTime, pkt: &Packet, _rng: &mut SimRng) -> StageOutcome {
        let st = self.flows.entry(pkt.flow).or_insert(FlowClock {
            anchor: now,
            last_release: 0,
        });
        let t = self.params.interval.nanos();
        let start = st.anchor + self.params.offset.nanos();
        let mut target = now;
        if self.enabled && now >= start {
            let k = ((now - start) / t) as usize;
            let (unit, pos) = (k / 3, k % 3);
            if unit < self.params.units() {
                let one = self.key.bits[self.key.unit_bit[unit] as usize];
                let istart = start + k as u64 * t;
                if one && pos == 0 || !one && pos == 1 {
                    target = istart + t; // hold to the next interval's start
                }
            }
        }
        let release = target.max(st.last_release);
        st.last_release = release;
        record(&mut self.delays, release - now);
        StageOutcome::Release(release)
    }
}

impl Watermarker for IbwWatermarker {
    fn scheme(&self) -> &'static str {
        "ibw"
    }
    fn delays(&self) -> &Histogram<u64> {
        &self.delays
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
    fn detector(&self) -> Box<dyn Detector> {
        Box::new(IbwDetector {
            params: self.params.clone(),
            key: self.key.clone(),
        })
    }
}

/// The IBW detector.
#[derive(Debug, Clone)]
pub struct IbwDetector {
    params: IbwParams,
    key: Arc<IbwKey>,
}

impl IbwDetector {
    pub fn new(params: IbwParams) -> Self {
        let key = Arc::new(IbwKey::new(&params));
        IbwDetector { params, key }
    }

    fn decode(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        let p = &self.params;
        let t = p.interval.nanos();
        let start = anchor + p.offset.nanos();
        let mut counts = vec![[0u32; 3]; p.units()];
        for &x in received {
            if x < start {
                continue;
            }
            let k = ((x - start) / t) as usize;
            if k / 3 < counts.len() {
                counts[k / 3][k % 3] += 1;
            }
        }
        let mut votes = vec![0i32; p.bits as usize];
        for (u, c) in counts.iter().enumerate() {
            let b = self.key.unit_bit[u] as usize;
            votes[b] += (c[0] < c[1]) as i32 - (c[0] > c[1]) as i32;
        }
        let agree = votes
            .iter()
            .zip(&self.key.bits)
            .filter(|(&v, &b)| v != 0 && (v > 0) == b)
            .count() as u32;
        Detection {
            watermarked: p.bits - agree <= p.hamming,
            score: agree as f64,
            detected: agree,
            of: p.bits,
        }
    }
}

impl Detector for IbwDetector {
    fn detect(&self, received: &[SimTime]) -> Detection {
        self.decode(received, received.first().copied().unwrap_or(0))
    }
    fn detect_anchored(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        self.decode(received, anchor)
    }
}
