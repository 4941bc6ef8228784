//! A link: a FIFO transmitter with a drop-tail buffer, a propagation delay, optional path
//! stages (loss, jitter) and a tap.
//!
//! The link answers at enqueue time when a packet will reach the far end: with FIFO service and
//! a known size, its departure is `max(now, previous departure) + size / bandwidth`. So a link
//! costs no events of its own; the network schedules only the arrival at the next node.

use super::packet::{DropReason, FlowId, Packet};
use super::path::{Jitter, JitterModel, Loss};
use super::stage::{Stage, StageOutcome};
use super::tap::{Tap, TapPoint};
use crate::engine::{time, SimRng, SimTime};
use rand_distr::{Distribution, Exp1};
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
    /// Padding dummies whose transmission ended before the horizon (counted in `sent`,
    /// `bytes_sent` and `busy_ns` too).
    #[serde(default)]
    pub dummies: u64,
    #[serde(default)]
    pub dummy_bytes: u64,
    /// Total time real packets waited at the link before their transmission began (ns): queueing,
    /// and on a padded link the wait for a slot.
    #[serde(default)]
    pub wait_ns: u64,
    /// Sender-cover dummies ([`Packet::cover`]) whose transmission ended before the horizon, and
    /// their bytes (counted in `sent` and `bytes_sent` too; apart from padding's `dummies`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cover: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cover_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl LinkStats {
    pub fn add(&mut self, b: &LinkStats) {
        self.offered += b.offered;
        self.sent += b.sent;
        self.bytes_sent += b.bytes_sent;
        self.busy_ns += b.busy_ns;
        self.drops_buffer += b.drops_buffer;
        self.drops_loss += b.drops_loss;
        self.dummies += b.dummies;
        self.dummy_bytes += b.dummy_bytes;
        self.wait_ns += b.wait_ns;
        self.cover += b.cover;
        self.cover_bytes += b.cover_bytes;
    }
}

/// The flow label of padding dummies in tap ground truth.
pub const DUMMY_FLOW: FlowId = FlowId::MAX;

/// When a padded link may start a transmission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PaddingKind {
    /// A slot every 1/rate, at k/rate (k >= 0).
    Constant,
    /// Slots at the points of a Poisson process of the rate.
    Poisson,
}

/// Link padding: the link starts a transmission at every slot, a real packet if one waits and
/// a dummy of `size` bytes if none does; real packets wait for the next slot.
///
/// The link shows an observer only what its wire shows: every packet is sent as `size` bytes
/// (a real packet larger than `size` keeps its own size: the scenario refuses it), and the
/// `enqueue` tap point records each transmission as its slot begins, with its wire size, for
/// real packets and dummies alike (a real packet's arrival at the link, off the slot grid, is
/// not shown; a packet dropped at a full buffer never reaches the wire and is not shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Padding {
    pub kind: PaddingKind,
    /// Slots per second.
    pub rate: f64,
    /// Bytes of a dummy.
    pub size: u32,
}

#[derive(Debug, Clone)]
struct PadState {
    cfg: Padding,
    /// The first slot not yet used.
    next_slot: SimTime,
    /// Constant padding: slot spacing (ns).
    period: SimTime,
    /// Constant padding: index of `next_slot`.
    k: u64,
    rng: SimRng,
}

impl PadState {
    fn new(cfg: Padding, rng: SimRng) -> Self {
        let mut st = PadState {
            cfg,
            next_slot: 0,
            period: time::from_ns_f64(1e9 / cfg.rate).max(1),
            k: 0,
            rng,
        };
        if cfg.kind == PaddingKind::Poisson {
            let e: f64 = Exp1.sample(&mut st.rng);
            st.next_slot = time::from_ns_f64(e * 1e9 / cfg.rate);
        }
        st
    }

    /// Use the current slot and move to the next.
    fn take(&mut self) -> SimTime {
        let slot = self.next_slot;
        match self.cfg.kind {
            PaddingKind::Constant => {
                self.k += 1;
                self.next_slot = self.k * self.period;
            }
            PaddingKind::Poisson => {
                let e: f64 = Exp1.sample(&mut self.rng);
                self.next_slot += time::from_ns_f64(e * 1e9 / self.cfg.rate);
            }
        }
        slot
    }
}

/// Departure times a link holds before it looks for the packets that left.
const TRIM: usize = 32;

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
    /// Departure times of the packets that may still be in the system (queued or in
    /// transmission), oldest first. A packet has left once its departure is at or before the
    /// current time, and departures never decrease (FIFO), so those that left are a prefix. It
    /// is dropped only when it matters: when the link is idle (all have left), or when the queue
    /// holds `trim_at` times (a full buffer, or [`TRIM`] if less). Most offers then cost a compare
    /// and a push.
    in_system: VecDeque<SimTime>,
    /// How many times `in_system` holds before the packets that left are dropped from it.
    trim_at: usize,
    last_departure: SimTime,
    loss: Option<Loss>,
    jitter: Option<Jitter>,
    horizon: SimTime,
    /// Most packets of a link have one size: cache its service time.
    last_size: u32,
    last_service: SimTime,
    padding: Option<PadState>,
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
            in_system: VecDeque::new(),
            trim_at: (buffer.max(1) as usize).min(TRIM),
            last_departure: 0,
            loss: None,
            jitter: None,
            horizon,
            last_size: 0,
            last_service: 0,
            padding: None,
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

    /// Whether packets may reach the far end in another order than they were offered in
    /// (jitter without `order_preserving`); otherwise arrival times never decrease.
    pub fn may_reorder(&self) -> bool {
        self.jitter.as_ref().is_some_and(|j| !j.preserves_order())
    }

    /// Pad the link: slots from `padding`, Poisson slots drawn from `rng` (the padding's own
    /// stream).
    pub fn with_padding(mut self, padding: Option<Padding>, rng: SimRng) -> Self {
        self.padding = padding.map(|p| PadState::new(p, rng));
        self
    }

    /// Send a dummy in every slot before `until` (exclusive) that no real packet took. Called
    /// before each real packet is placed, and at the end of the trial with the horizon.
    pub fn pad_until(&mut self, until: SimTime) {
        let Some(pad) = &self.padding else {
            return;
        };
        let size = pad.cfg.size;
        let service = time::from_ns_f64(size as f64 * self.ns_per_byte);
        while self.padding.as_ref().is_some_and(|p| p.next_slot < until) {
            let slot = self.padding.as_mut().map_or(0, PadState::take);
            let start = slot.max(self.last_departure);
            let departure = start + service;
            self.last_departure = departure;
            if departure < self.horizon {
                self.stats.sent += 1;
                self.stats.bytes_sent += size as u64;
                self.stats.busy_ns += service;
                self.stats.dummies += 1;
                self.stats.dummy_bytes += size as u64;
            }
            self.tap.record(TapPoint::Enqueue, start, size, DUMMY_FLOW);
            self.tap
                .record(TapPoint::Depart, departure, size, DUMMY_FLOW);
            self.tap
                .record(TapPoint::Arrive, departure + self.delay, size, DUMMY_FLOW);
        }
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
    #[inline(always)]
    pub fn offer(&mut self, now: SimTime, pkt: &mut Packet, rng: &mut SimRng) -> LinkOutcome {
        if now >= self.horizon {
            // At or after the end: it never reaches the link's sending side, and its arrival
            // falls after the end too, so it is in flight and causes no event before the end.
            let after = self.horizon.saturating_add(1);
            return LinkOutcome::Arrives(now.saturating_add(self.delay).max(after));
        }
        self.stats.offered += 1;
        if self.padding.is_none() {
            self.tap.record(TapPoint::Enqueue, now, pkt.size, pkt.flow);
        }
        // Fewer times held than the buffer takes means fewer packets in the system: only a
        // fuller queue needs the departed ones dropped before the buffer is checked.
        if now >= self.last_departure {
            self.in_system.clear();
        } else if self.in_system.len() >= self.trim_at {
            while self.in_system.front().is_some_and(|&d| d <= now) {
                self.in_system.pop_front();
            }
        }
        if self.in_system.len() >= self.buffer {
            self.stats.drops_buffer += 1;
            return LinkOutcome::Dropped(DropReason::BufferFull);
        }
        let mut start = now.max(self.last_departure);
        let mut wire = pkt.size;
        if self.padding.is_some() {
            self.pad_until(now);
            let slot = self.padding.as_mut().map_or(now, PadState::take);
            start = slot.max(self.last_departure);
            wire = wire.max(self.padding.as_ref().map_or(0, |p| p.cfg.size));
            self.tap.record(TapPoint::Enqueue, start, wire, pkt.flow);
        }
        let service = self.service_time(wire);
        (self.last_size, self.last_service) = (wire, service);
        let departure = start + service;
        self.last_departure = departure;
        self.in_system.push_back(departure);
        pkt.queueing += start - now;
        if departure < self.horizon {
            self.stats.wait_ns += start - now;
            self.stats.sent += 1;
            self.stats.bytes_sent += wire as u64;
            self.stats.busy_ns += service;
            if pkt.cover.is_some() {
                self.stats.cover += 1;
                self.stats.cover_bytes += wire as u64;
            }
        }
        self.tap.record(TapPoint::Depart, departure, wire, pkt.flow);
        if let Some(loss) = &mut self.loss {
            if let StageOutcome::Drop(reason) = loss.offer(departure, pkt, rng) {
                if departure >= self.horizon {
                    // Lost after the end: in flight when the trial ends, like every packet
                    // still on its way (the draw is made all the same, so streams stay aligned).
                    return LinkOutcome::Arrives(departure + self.delay);
                }
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
        self.tap.record(TapPoint::Arrive, arrival, wire, pkt.flow);
        LinkOutcome::Arrives(arrival)
    }
}
