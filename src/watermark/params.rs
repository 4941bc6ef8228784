//! Watermark parameters and the `[watermark]` table of a scenario.
//!
//! [`SwirlParams`] carries the paper's Table 3 defaults (T = 2 s, n = 32, r = 20, m = 5,
//! q = 2.5, tau = 0.5, eta = 12) plus the key material of mixsim's reconstruction (key seed,
//! offset, pairing). [`WatermarkConfig`] is what a scenario's `[watermark]` table deserialises
//! into; `scheme` selects the watermark:
//!
//! ```toml
//! [watermark]
//! scheme = "swirl"
//! interval = "2s"
//! n = 32
//! r = 20
//! m = 5
//! q = 2.5
//! tau = 0.5
//! eta = 12
//! key_seed = 7
//! ```

use super::ibw::IbwParams;
use super::icbw::IcbwParams;
use super::rainbow::RainbowParams;
use crate::engine::SimTime;
use crate::units::Duration;
use serde::{Deserialize, Serialize};

/// A scheme parameter out of its range: `key` names it (None: a combination of them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("watermark{}: {expected}", key.map(|k| format!(".{k}")).unwrap_or_default())]
pub struct ParamError {
    pub key: Option<&'static str>,
    pub expected: String,
}

impl ParamError {
    pub fn at(key: &'static str, expected: impl Into<String>) -> Self {
        ParamError {
            key: Some(key),
            expected: expected.into(),
        }
    }

    pub fn whole(expected: impl Into<String>) -> Self {
        ParamError {
            key: None,
            expected: expected.into(),
        }
    }
}

/// How the 2n intervals are paired into (base, mark) pairs. \[design\]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Pairing {
    /// base_i = interval 2i, mark_i = interval 2i + 1 (the default).
    #[default]
    Consecutive,
    /// A keyed random pairing of the 2n intervals; in every pair the base comes first.
    Keyed,
}

/// Which slot a symbol selects in each subinterval of a mark interval. \[design\]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Embedding {
    /// perm\[i\]\[j\]\[s\]: a fresh keyed permutation per subinterval j.
    /// Every marked flow shares a key-independent slot-density sawtooth that the multi-flow
    /// attack sees (see `mfa`).
    #[default]
    Keyed,
    /// perm\[i\]\[0\]\[s\] in every subinterval of mark interval i: a packet waits at most m - 1
    /// slots and every selected slot collects exactly m slots' worth of traffic (except in the
    /// first and last subinterval), so the aggregate over symbols is flat.
    Uniform,
}

/// SWIRL parameters (Table 3 of the paper) and key material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SwirlParams {
    /// Interval length T.
    pub interval: Duration,
    /// Number of (base, mark) pairs.
    pub n: u32,
    /// Subintervals per mark interval.
    pub r: u32,
    /// Slots per subinterval.
    pub m: u32,
    /// Quantisation multiplier of the base centroid.
    pub q: f64,
    /// Fraction of a mark interval's packets that must sit in selected slots.
    pub tau: f64,
    /// Detected mark intervals (of n) needed to say "watermarked".
    pub eta: u32,
    /// Seed of the shared key (pairing and permutations).
    pub key_seed: u64,
    /// Start of interval 0 after the flow's first packet. \[design\]
    pub offset: Duration,
    /// Interval pairing. \[design\]
    pub pairing: Pairing,
    /// Slot selection across subintervals. \[design\]
    pub embedding: Embedding,
}

impl Default for SwirlParams {
    fn default() -> Self {
        SwirlParams {
            interval: Duration(2 * crate::engine::time::S),
            n: 32,
            r: 20,
            m: 5,
            q: 2.5,
            tau: 0.5,
            eta: 12,
            key_seed: 0,
            offset: Duration(0),
            pairing: Pairing::Consecutive,
            embedding: Embedding::Keyed,
        }
    }
}

impl SwirlParams {
    /// Check ranges; the message names the offending field.
    pub fn validate(&self) -> Result<(), ParamError> {
        let t = self.interval.nanos();
        if t == 0 {
            return Err(ParamError::at("interval", "must be above zero"));
        }
        if self.n == 0 {
            return Err(ParamError::at("n", "must be at least 1"));
        }
        if self.r == 0 {
            return Err(ParamError::at("r", "must be at least 1"));
        }
        if !(2..=255).contains(&self.m) {
            return Err(ParamError::at(
                "m",
                format!("expected 2..=255 slots, got {}", self.m),
            ));
        }
        if t < (self.r as u64) * (self.m as u64) {
            return Err(ParamError::at("interval", "shorter than r*m nanoseconds"));
        }
        if !(self.q.is_finite() && self.q > 0.0) {
            return Err(ParamError::at(
                "q",
                format!("expected a positive number, got {}", self.q),
            ));
        }
        if !(0.0..=1.0).contains(&self.tau) {
            return Err(ParamError::at(
                "tau",
                format!("expected 0..=1, got {}", self.tau),
            ));
        }
        if self.eta == 0 || self.eta > self.n {
            return Err(ParamError::at(
                "eta",
                format!("expected 1..=n ({}), got {}", self.n, self.eta),
            ));
        }
        Ok(())
    }

    /// What the analysis (`crate::model::swirl`) needs of these parameters.
    pub fn model(&self) -> crate::model::swirl::SwirlParams {
        crate::model::swirl::SwirlParams {
            t: self.t_secs(),
            n: self.n,
            r: self.r,
            m: self.m,
            q: self.q,
            tau: self.tau,
            eta: self.eta,
        }
    }

    /// T in seconds.
    pub fn t_secs(&self) -> f64 {
        self.interval.secs()
    }

    /// Slot width w = T/(r m) in whole nanoseconds (rounded down; the at most r*m - 1 ns left
    /// at the end of a mark interval belong to no slot).
    pub fn slot_ns(&self) -> SimTime {
        self.interval.nanos() / (self.r as u64 * self.m as u64)
    }

    /// Quantisation step Delta = T/(m q) in nanoseconds.
    pub fn delta_ns(&self) -> f64 {
        self.interval.nanos() as f64 / (self.m as f64 * self.q)
    }

    /// Largest delay the embedding can insert: T/r (2 - 2/m) = (2m - 2) slots (keyed), m - 1
    /// slots (uniform).
    pub fn max_delay_ns(&self) -> SimTime {
        match self.embedding {
            Embedding::Keyed => (2 * self.m as u64 - 2) * self.slot_ns(),
            Embedding::Uniform => (self.m as u64 - 1) * self.slot_ns(),
        }
    }

    /// Packets needed in selected slots out of `p`: ceil(tau p). The tiny epsilon keeps
    /// products such as 0.3 * 10 = 3.0000000000000004 from rounding up.
    pub fn needed(&self, p: u64) -> u64 {
        needed(self.tau, p)
    }
}

pub use crate::model::swirl::needed;

/// A scenario's `[watermark]` table: the scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "lowercase")]
pub enum WatermarkConfig {
    Swirl(SwirlParams),
    Ibw(IbwParams),
    Icbw(IcbwParams),
    Rainbow(RainbowParams),
}

impl WatermarkConfig {
    pub fn validate(&self) -> Result<(), ParamError> {
        match self {
            WatermarkConfig::Swirl(p) => p.validate(),
            WatermarkConfig::Ibw(p) => p.validate(),
            WatermarkConfig::Icbw(p) => p.validate(),
            WatermarkConfig::Rainbow(p) => p.validate(),
        }
    }

    pub fn scheme(&self) -> &'static str {
        match self {
            WatermarkConfig::Swirl(_) => "swirl",
            WatermarkConfig::Ibw(_) => "ibw",
            WatermarkConfig::Icbw(_) => "icbw",
            WatermarkConfig::Rainbow(_) => "rainbow",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needed_is_ceil() {
        assert_eq!(needed(0.5, 4), 2);
        assert_eq!(needed(0.5, 5), 3);
        assert_eq!(needed(0.3, 10), 3);
        assert_eq!(needed(0.0, 10), 0);
        assert_eq!(needed(1.0, 7), 7);
    }

    #[test]
    fn derived_quantities_match_the_paper() {
        let p = SwirlParams::default();
        assert_eq!(p.slot_ns(), 20_000_000);
        assert!((p.delta_ns() - 160e6).abs() < 1e-6);
        assert_eq!(p.max_delay_ns(), 160_000_000);
        p.validate().unwrap();
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn watermark_table_parses_and_rejects_unknown_keys() {
        let c: WatermarkConfig = toml::from_str(
            "scheme = \"swirl\"\ninterval = \"4s\"\nn = 16\ntau = 0.4\neta = 10\nkey_seed = 7\n",
        )
        .unwrap();
        let WatermarkConfig::Swirl(p) = &c else {
            panic!()
        };
        assert_eq!(p.interval.nanos(), 4_000_000_000);
        assert_eq!((p.n, p.r, p.m, p.eta, p.key_seed), (16, 20, 5, 10, 7));
        assert_eq!(p.tau, 0.4);
        c.validate().unwrap();
        let e = toml::from_str::<WatermarkConfig>("scheme = \"swirl\"\ntaw = 0.4\n").unwrap_err();
        assert!(e.to_string().contains("taw"), "{e}");
        let e = toml::from_str::<WatermarkConfig>("scheme = \"swril\"\n").unwrap_err();
        assert!(e.to_string().contains("swril"), "{e}");
        let bad: WatermarkConfig = toml::from_str("scheme = \"swirl\"\neta = 40\n").unwrap();
        assert_eq!(bad.validate().unwrap_err().key, Some("eta"));
    }
}
