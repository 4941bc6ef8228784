//! Stages: order-respecting time transforms that decorate a link (jitter, loss, watermarking).
//!
//! A stage is offered packets in non-decreasing time order and answers, at once, when each
//! packet leaves it (never earlier than it arrived) or that it is dropped. Because the answer is
//! immediate, a chain of stages runs inline with no extra events, and the same stage could be
//! driven by a stream-based executor that has no event queue at all.

use super::packet::{DropReason, Packet};
use crate::engine::{SimRng, SimTime};

/// What a stage does with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageOutcome {
    /// The packet leaves the stage at this time (>= the time it arrived).
    Release(SimTime),
    /// The packet is dropped.
    Drop(DropReason),
}

/// A time transform on a link.
pub trait Stage {
    /// `pkt` reaches the stage at `now`; successive calls have non-decreasing `now`.
    fn offer(&mut self, now: SimTime, pkt: &Packet, rng: &mut SimRng) -> StageOutcome;
}
