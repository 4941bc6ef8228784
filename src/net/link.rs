//! A link: a FIFO transmitter with a drop-tail buffer, a propagation delay, optional path
//! stages (loss, jitter) and a tap.
//!
//! The link answers at enqueue time when a packet will reach the far end: with FIFO service and
//! a known size, its departure is `max(now, previous departure) + size / bandwidth`. So a link
//! costs no events of its own; the network schedules only the arrival at the next node.

use super::packet::{DropReason, Packet};
use super::path::{Jitter, JitterModel, Loss};
use super::stage::{Stage, StageOutcome};
use super::tap::{Tap, TapPoint};
use crate::engine::{time, SimRng, SimTime};
use std::collections::VecDeque;

/// Per-link counters over a trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkStats {
    /// Packets offered to the link.
    pub offered: u64,
    /// Packets whose transmission ended before the horizon.
    pub sent: u64,
    pub bytes_sent: u64,
    /// Transmission time of the packets sent (ns): utilisation = busy / duration.
    pub busy_ns: u64,
    pub drops_buffer: u64,
    pub drops_loss: u64,
}

/// What became of a packet offered to a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// It reaches the far end at this time.
    Arrives(SimTime),
    Dropped(DropReason),
}

/// A directed link.
#[derive(Debug, Clone)]
pub struct Link {
    ns_per_byte: f64,
    delay: SimTime,
    buffer: usize,
    /// Departure times of packets in the system (queued or in transmission), oldest first.
    in_system: VecDeque<SimTime>,
    last_departure: SimTime,
    loss: Option<Loss>,
    jitter: Option<Jitter>,
    horizon: SimTime,
    /// Most packets of a link have one size: cache its service time.
    last_size: u32,
    last_service: SimTime,
    pub tap: Tap,
    pub stats: LinkStats,
}

impl Link {
    /// A link of `bandwidth_bps` bits/s, propagation `delay`, a buffer of `buffer` packets
    /// (counting the one in transmission), and its tap. `horizon` is the trial's end, for stats.
    pub fn new(
        bandwidth_bps: f64,
        delay: SimTime,
        buffer: u64,
        tap: Tap,
        horizon: SimTime,
    ) -> Self {
        Link {
            ns_per_byte: 8e9 / bandwidth_bps,
            delay,
            buffer: buffer.max(1) as usize,
            in_system: VecDeque::with_capacity(64),
            last_departure: 0,
            loss: None,
            jitter: None,
            horizon,
            last_size: 0,
            last_service: 0,
            tap,
            stats: LinkStats::default(),
        }
    }

    pub fn with_loss(mut self, p: f64) -> Self {
        self.loss = (p > 0.0).then(|| Loss::new(p));
        self
    }

    /// Lose every packet that would leave the link in [from, until).
    pub fn with_outage(mut self, outage: Option<(SimTime, SimTime)>) -> Self {
        if let Some((from, until)) = outage {
            let loss = self.loss.take().unwrap_or_else(|| Loss::new(0.0));
            self.loss = Some(loss.with_outage(from, until));
        }
        self
    }

    /// Jitter after the propagation delay: truncated on top of it, or symmetric about it
    /// (see [`JitterModel`]).
    pub fn with_jitter(
        mut self,
        sigma: SimTime,
        model: JitterModel,
        order_preserving: bool,
    ) -> Self {
        self.jitter =
            (sigma > 0).then(|| Jitter::with_model(sigma, model, self.delay, order_preserving));
        self
    }

    /// Transmission time of `size` bytes.
    #[inline]
    pub fn service_time(&mut self, size: u32) -> SimTime {
        if size == self.last_size {
            return self.last_service;
        }
        time::from_ns_f64(size as f64 * self.ns_per_byte)
    }

    /// Offer `pkt` at `now` (calls come in non-decreasing time). Updates the packet's queueing
    /// time and records it on the tap.
    #[inline]
    pub fn offer(&mut self, now: SimTime, pkt: &mut Packet, rng: &mut SimRng) -> LinkOutcome {
        self.stats.offered += 1;
        self.tap.record(TapPoint::Enqueue, now, pkt.size, pkt.flow);
        while let Some(&d) = self.in_system.front() {
            if d > now {
                break;
            }
            self.in_system.pop_front();
        }
        if self.in_system.len() >= self.buffer {
            self.stats.drops_buffer += 1;
            return LinkOutcome::Dropped(DropReason::BufferFull);
        }
        let start = now.max(self.last_departure);
        let service = self.service_time(pkt.size);
        (self.last_size, self.last_service) = (pkt.size, service);
        let departure = start + service;
        self.last_departure = departure;
        self.in_system.push_back(departure);
        pkt.queueing += start - now;
        if departure <= self.horizon {
            self.stats.sent += 1;
            self.stats.bytes_sent += pkt.size as u64;
            self.stats.busy_ns += service;
        }
        self.tap
            .record(TapPoint::Depart, departure, pkt.size, pkt.flow);
        if let Some(loss) = &mut self.loss {
            if let StageOutcome::Drop(reason) = loss.offer(departure, pkt, rng) {
                self.stats.drops_loss += 1;
                return LinkOutcome::Dropped(reason);
            }
        }
        let mut arrival = departure + self.delay;
        if let Some(jitter) = &mut self.jitter {
            if let StageOutcome::Release(t) = jitter.offer(arrival, pkt, rng) {
                arrival = t;
            }
        }
        self.tap
            .record(TapPoint::Arrive, arrival, pkt.size, pkt.flow);
        LinkOutcome::Arrives(arrival)
    }
}
