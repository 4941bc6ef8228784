//! The receiving side of a TCP connection: reassembly, delivery to the application, and ACKs.
//!
//! The application reads everything at once, so the advertised window is always the configured
//! `rwnd` (the sender enforces it). Segments are numbered as by the [`super::sender`]. ACK policy
//! (RFC 5681 section 4.2, RFC 1122 4.2.3.2):
//!
//! - an out-of-order segment (a gap below it) or a duplicate is acknowledged at once: these are
//!   the duplicate ACKs that drive fast retransmit, so reordering by a mix produces them;
//! - a segment that fills all or part of a gap is acknowledged at once;
//! - otherwise, without delayed ACKs, every segment is acknowledged; with them, every
//!   `ack_every`-th in-order segment is, or the timer (`ack_timeout`, 200 ms by default) sends the
//!   ACK for a lone one.

use crate::engine::SimTime;
use std::collections::VecDeque;

/// Counters of one receiver over a trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiverStats {
    pub segments_received: u64,
    /// Segments that had already been received (spurious retransmissions, go-back-N).
    pub duplicates: u64,
    /// Segments that arrived with a gap below them.
    pub out_of_order: u64,
    /// Segments delivered in order to the application.
    pub delivered: u64,
    /// Of those, delivered at or after the warm-up (for goodput).
    pub delivered_after_warmup: u64,
    pub acks_sent: u64,
}

/// A receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    rcv_nxt: u64,
    /// Out-of-order segments held: `ooo[i]` is segment `rcv_nxt + 1 + i`.
    ooo: VecDeque<bool>,
    rwnd: u64,
    ack_every: u32,
    ack_timeout: Option<SimTime>,
    /// In-order segments not yet acknowledged (delayed ACKs).
    unacked: u32,
    delack_deadline: Option<SimTime>,
    warmup: SimTime,
    pub stats: ReceiverStats,
    /// When enabled, every segment handed to the application, in order (for tests).
    pub app_log: Option<Vec<u64>>,
}

impl Receiver {
    /// `ack_timeout` is `Some` for delayed ACKs (then every `ack_every`-th segment is ACKed).
    pub fn new(rwnd: u32, ack_every: u32, ack_timeout: Option<SimTime>, warmup: SimTime) -> Self {
        Receiver {
            rcv_nxt: 0,
            ooo: VecDeque::new(),
            rwnd: rwnd.max(1) as u64,
            ack_every: if ack_timeout.is_some() {
                ack_every.max(1)
            } else {
                1
            },
            ack_timeout,
            unacked: 0,
            delack_deadline: None,
            warmup,
            stats: ReceiverStats::default(),
            app_log: None,
        }
    }

    /// The next segment expected: the cumulative ACK.
    pub fn rcv_nxt(&self) -> u64 {
        self.rcv_nxt
    }

    /// Segments held out of order.
    pub fn held(&self) -> usize {
        self.ooo.iter().filter(|&&b| b).count()
    }

    /// When the delayed-ACK timer expires, if it runs.
    pub fn delack_deadline(&self) -> Option<SimTime> {
        self.delack_deadline
    }

    fn deliver(&mut self, now: SimTime) {
        if let Some(log) = &mut self.app_log {
            log.push(self.rcv_nxt);
        }
        self.rcv_nxt += 1;
        self.stats.delivered += 1;
        if now >= self.warmup {
            self.stats.delivered_after_warmup += 1;
        }
    }

    fn ack_now(&mut self) -> Option<u64> {
        self.unacked = 0;
        self.delack_deadline = None;
        self.stats.acks_sent += 1;
        Some(self.rcv_nxt)
    }

    /// Segment `seq` arrives at `now`. Returns the ACK to send now, if any.
    pub fn on_segment(&mut self, now: SimTime, seq: u64) -> Option<u64> {
        self.stats.segments_received += 1;
        if seq < self.rcv_nxt {
            self.stats.duplicates += 1;
            return self.ack_now();
        }
        if seq > self.rcv_nxt {
            let i = (seq - self.rcv_nxt - 1) as usize;
            if seq - self.rcv_nxt >= self.rwnd {
                // Beyond the advertised window (a sender bug): discard, re-advertise.
                return self.ack_now();
            }
            if self.ooo.len() <= i {
                self.ooo.resize(i + 1, false);
            }
            if self.ooo[i] {
                self.stats.duplicates += 1;
            } else {
                self.ooo[i] = true;
                self.stats.out_of_order += 1;
            }
            return self.ack_now();
        }
        let filled_gap = !self.ooo.is_empty();
        self.deliver(now);
        while let Some(b) = self.ooo.pop_front() {
            if !b {
                break;
            }
            self.deliver(now);
        }
        if filled_gap {
            return self.ack_now();
        }
        self.unacked += 1;
        match self.ack_timeout {
            Some(timeout) if self.unacked < self.ack_every => {
                if self.delack_deadline.is_none() {
                    self.delack_deadline = Some(now + timeout);
                }
                None
            }
            _ => self.ack_now(),
        }
    }

    /// The delayed-ACK timer's event fired at `now`. Returns the ACK to send, if it expired.
    pub fn on_delack_timer(&mut self, now: SimTime) -> Option<u64> {
        match self.delack_deadline {
            Some(d) if d <= now && self.unacked > 0 => self.ack_now(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::seq::SliceRandom;

    #[test]
    fn reassembles_any_arrival_order_exactly_once() {
        let mut rng = crate::engine::stream(5, 0, 0);
        for _ in 0..50 {
            // Segments 0..200, some twice, in random order within windows of 30.
            let mut arrivals: Vec<u64> = (0..200).chain((0..200).step_by(7)).collect();
            for chunk in arrivals.chunks_mut(30) {
                chunk.shuffle(&mut rng);
            }
            let mut r = Receiver::new(1000, 2, Some(200), 0);
            r.app_log = Some(Vec::new());
            for &s in &arrivals {
                r.on_segment(1, s);
            }
            let log = r.app_log.clone().unwrap();
            // Not all of 0..200 may have arrived before the duplicates' chunk; every one did
            // arrive by the end, so all are delivered, once each, in order.
            assert_eq!(log, (0..200).collect::<Vec<_>>());
            assert_eq!(r.rcv_nxt(), 200);
            assert_eq!(r.held(), 0);
            assert_eq!(r.stats.segments_received, arrivals.len() as u64);
            assert_eq!(r.stats.duplicates, arrivals.len() as u64 - 200);
        }
    }

    #[test]
    fn delayed_acks_every_second_segment_or_timer() {
        let ms = 1_000_000;
        let mut r = Receiver::new(100, 2, Some(200 * ms), 0);
        assert_eq!(r.on_segment(0, 0), None);
        assert_eq!(r.delack_deadline(), Some(200 * ms));
        assert_eq!(r.on_segment(ms, 1), Some(2));
        assert_eq!(r.delack_deadline(), None);
        assert_eq!(r.on_segment(2 * ms, 2), None);
        assert_eq!(r.on_delack_timer(100 * ms), None);
        assert_eq!(r.on_delack_timer(202 * ms), Some(3));
        // Out of order: at once, a duplicate ACK.
        assert_eq!(r.on_segment(300 * ms, 5), Some(3));
        // Filling part of the gap: at once.
        assert_eq!(r.on_segment(301 * ms, 3), Some(4));
        assert_eq!(r.on_segment(302 * ms, 4), Some(6));
        // Without delayed ACKs, every segment.
        let mut r = Receiver::new(100, 2, None, 0);
        assert_eq!(r.on_segment(0, 0), Some(1));
        assert_eq!(r.on_segment(0, 1), Some(2));
    }
}
