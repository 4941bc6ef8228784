//! Mixes. A mix strategy decides, for each arriving packet, when it is forwarded.
//!
//! Strategies are [`Stage`]s: given the arrival time they answer with the release time. Unlike
//! a link they need not keep order, so the network schedules each release as an event.

use super::packet::Packet;
use super::stage::{Stage, StageOutcome};
use crate::engine::{time, SimRng, SimTime};
use rand_distr::{Distribution, Exp1};

/// A mix's forwarding strategy.
#[derive(Debug, Clone)]
pub enum MixStrategy {
    /// Continuous-time (stop-and-go) mix: each packet held an independent Exp(mean t_avg).
    Exponential { mean_ns: f64 },
    /// Timed mix: everything held is flushed at every multiple of `period`.
    Timed { period: SimTime },
}

impl Stage for MixStrategy {
    #[inline]
    fn offer(&mut self, now: SimTime, _pkt: &Packet, rng: &mut SimRng) -> StageOutcome {
        match self {
            MixStrategy::Exponential { mean_ns } => {
                let e: f64 = Exp1.sample(rng);
                StageOutcome::Release(now + time::from_ns_f64(e * *mean_ns))
            }
            MixStrategy::Timed { period } => StageOutcome::Release((now / *period + 1) * *period),
        }
    }
}
