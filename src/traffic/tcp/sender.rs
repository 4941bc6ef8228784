//! The sending side of a bulk TCP connection: NewReno congestion control.
//!
//! Sequence numbers count segments (0, 1, 2, ...), every segment carrying one MSS of payload: a
//! bulk sender (like TTCP) always has full segments to send, so byte numbering would add nothing.
//! The algorithms are those of RFC 5681 (slow start, congestion avoidance, fast retransmit and
//! fast recovery), RFC 6582 (NewReno: partial ACKs keep the sender in recovery and retransmit
//! the next hole; `recover` guards against a second window cut for one loss episode) and
//! RFC 6298 (the retransmission timer, with Karn's rule). Congestion window arithmetic is in
//! segments as a real number, like ns-3's bytes divided by the segment size:
//!
//! - slow start (cwnd < ssthresh): cwnd += 1 per ACK of new data;
//! - congestion avoidance: cwnd += 1/cwnd per ACK of new data;
//! - the third duplicate ACK (`dupthresh`): ssthresh = max(FlightSize/2, 2), retransmit the first
//!   unacknowledged segment, cwnd = ssthresh + 3, enter recovery until everything sent before it
//!   is acknowledged; each further duplicate ACK inflates cwnd by 1;
//! - a partial ACK in recovery retransmits the next unacknowledged segment and deflates cwnd by
//!   the amount acknowledged, less one; the full ACK sets cwnd = ssthresh (ns-3's choice, RFC 6582
//!   section 3.2 step 3 option 2);
//! - the retransmission timer: ssthresh = max(FlightSize/2, 2) (kept on repeated expiries of one
//!   segment), cwnd = 1, go back to the first unacknowledged segment, RTO doubled.
//!
//! Not modelled: the handshake (the connection starts established), SACK, limited transmit,
//! timestamps, window scaling (the receiver window is a parameter, not a field of each ACK).
//!
//! The sender is a state machine with no engine attached: the network feeds it ACKs and timer
//! expiries and asks it for segments to transmit, so it can be driven directly in unit tests.

use super::rtt::RttEstimator;
use super::TcpParams;
use crate::engine::SimTime;

/// Counters of one sender over a trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SenderStats {
    /// Segments handed to the network, retransmissions included.
    pub segments_sent: u64,
    /// Of those, retransmissions (fast, partial-ACK and after a timeout).
    pub retransmits: u64,
    /// Entries into fast retransmit / fast recovery.
    pub fast_retransmits: u64,
    /// Partial ACKs in recovery (each retransmits one segment).
    pub partial_acks: u64,
    /// Retransmission timer expiries.
    pub timeouts: u64,
    /// Duplicate ACKs received.
    pub dup_acks: u64,
    /// ACKs received (new, duplicate or old).
    pub acks: u64,
}

/// What happened at a congestion event, for tests and traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CongestionKind {
    /// Third duplicate ACK: fast retransmit, enter fast recovery.
    FastRetransmit,
    /// A partial ACK in fast recovery.
    PartialAck,
    /// The full ACK: recovery ends.
    RecoveryEnd,
    /// The retransmission timer expired.
    Timeout,
}

/// One congestion event: windows in segments, times in ns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CongestionEvent {
    pub time: SimTime,
    pub kind: CongestionKind,
    /// The first unacknowledged segment.
    pub snd_una: u64,
    /// Segments in flight (sent, not acknowledged) when it happened.
    pub flight: u64,
    pub cwnd_before: f64,
    pub cwnd_after: f64,
    pub ssthresh: f64,
    /// The retransmission timeout after the event.
    pub rto: SimTime,
}

/// A NewReno bulk sender.
#[derive(Debug, Clone)]
pub struct Sender {
    snd_una: u64,
    snd_nxt: u64,
    /// One past the highest segment ever sent.
    snd_max: u64,
    cwnd: f64,
    ssthresh: f64,
    rwnd: u64,
    dupthresh: u32,
    dupacks: u32,
    in_recovery: bool,
    /// RFC 6582 `recover`, exclusive: one past the highest segment sent when recovery (or the
    /// last timeout) began.
    recover: u64,
    partial_seen: bool,
    /// A retransmission to send before new data.
    retx: Option<u64>,
    /// The segment being timed and when it was sent (Karn: never a retransmitted one).
    timed: Option<(u64, SimTime)>,
    rtt: RttEstimator,
    rto_deadline: Option<SimTime>,
    /// Timeouts since the last ACK of new data (ssthresh is kept on repeated ones).
    consecutive_timeouts: u32,
    pub stats: SenderStats,
    /// Congestion events in order.
    pub log: Vec<CongestionEvent>,
}

impl Sender {
    pub fn new(p: &TcpParams) -> Self {
        Sender {
            snd_una: 0,
            snd_nxt: 0,
            snd_max: 0,
            cwnd: p.initial_cwnd.max(1) as f64,
            ssthresh: p
                .initial_ssthresh
                .map_or(f64::INFINITY, |s| s.max(2) as f64),
            rwnd: p.rwnd.max(1) as u64,
            dupthresh: p.dupthresh.max(1),
            dupacks: 0,
            in_recovery: false,
            recover: 0,
            partial_seen: false,
            retx: None,
            timed: None,
            rtt: RttEstimator::new(p.initial_rto, p.min_rto, p.max_rto),
            rto_deadline: None,
            consecutive_timeouts: 0,
            stats: SenderStats::default(),
            log: Vec::new(),
        }
    }

    /// Congestion window (segments; inflated during fast recovery).
    pub fn cwnd(&self) -> f64 {
        self.cwnd
    }
    pub fn ssthresh(&self) -> f64 {
        self.ssthresh
    }
    /// First unacknowledged segment.
    pub fn snd_una(&self) -> u64 {
        self.snd_una
    }
    /// One past the highest segment sent.
    pub fn snd_max(&self) -> u64 {
        self.snd_max
    }
    pub fn in_recovery(&self) -> bool {
        self.in_recovery
    }
    pub fn rto(&self) -> SimTime {
        self.rtt.rto()
    }
    pub fn rtt(&self) -> &RttEstimator {
        &self.rtt
    }
    /// When the retransmission timer expires, if it runs.
    pub fn rto_deadline(&self) -> Option<SimTime> {
        self.rto_deadline
    }
    fn flight(&self) -> u64 {
        self.snd_max - self.snd_una
    }

    fn note(&mut self, time: SimTime, kind: CongestionKind, cwnd_before: f64, flight: u64) {
        self.log.push(CongestionEvent {
            time,
            kind,
            snd_una: self.snd_una,
            flight,
            cwnd_before,
            cwnd_after: self.cwnd,
            ssthresh: self.ssthresh,
            rto: self.rtt.rto(),
        });
    }

    /// The next segment to transmit at `now`, if the windows allow one: a pending
    /// retransmission first, then the next segment in sequence. Starts the retransmission
    /// timer if it is not running (RFC 6298 5.1) and times a fresh segment if none is timed.
    #[inline]
    pub fn next_segment(&mut self, now: SimTime) -> Option<u64> {
        let seg = match self.retx.take() {
            Some(s) => s,
            None => {
                let wnd = (self.cwnd as u64).min(self.rwnd);
                if self.snd_nxt >= self.snd_una + wnd {
                    return None;
                }
                self.snd_nxt += 1;
                self.snd_nxt - 1
            }
        };
        self.stats.segments_sent += 1;
        if seg < self.snd_max {
            self.stats.retransmits += 1;
            // Karn's rule, BSD style: a retransmission invalidates the measurement in progress.
            self.timed = None;
        } else {
            self.snd_max = seg + 1;
            if self.timed.is_none() {
                self.timed = Some((seg, now));
            }
        }
        if self.rto_deadline.is_none() {
            self.rto_deadline = Some(now + self.rtt.rto());
        }
        Some(seg)
    }

    /// A cumulative ACK arrives: `ack` is the next segment the receiver expects.
    pub fn on_ack(&mut self, now: SimTime, ack: u64) {
        self.stats.acks += 1;
        if ack > self.snd_una && ack <= self.snd_max {
            let newly = ack - self.snd_una;
            if let Some((s, t)) = self.timed {
                if ack > s {
                    self.rtt.sample(now - t);
                    self.timed = None;
                }
            }
            self.snd_una = ack;
            self.snd_nxt = self.snd_nxt.max(ack);
            self.consecutive_timeouts = 0;
            let mut restart_timer = true;
            if self.in_recovery {
                let before = self.cwnd;
                let flight = self.flight();
                if ack >= self.recover {
                    self.in_recovery = false;
                    self.dupacks = 0;
                    self.cwnd = self.ssthresh;
                    self.note(now, CongestionKind::RecoveryEnd, before, flight);
                } else {
                    self.stats.partial_acks += 1;
                    self.retx = Some(ack);
                    self.cwnd = (self.cwnd - newly as f64).max(0.0) + 1.0;
                    // RFC 6582 "impatient" variant: only the first partial ACK resets the timer.
                    restart_timer = !self.partial_seen;
                    self.partial_seen = true;
                    self.note(now, CongestionKind::PartialAck, before, flight);
                }
            } else {
                self.dupacks = 0;
                if self.cwnd < self.ssthresh {
                    self.cwnd += 1.0;
                } else {
                    self.cwnd += 1.0 / self.cwnd;
                }
            }
            if self.snd_una == self.snd_max {
                self.rto_deadline = None;
            } else if restart_timer {
                self.rto_deadline = Some(now + self.rtt.rto());
            }
        } else if ack == self.snd_una && self.snd_max > self.snd_una {
            self.stats.dup_acks += 1;
            self.dupacks += 1;
            if self.in_recovery {
                self.cwnd += 1.0;
            } else if self.dupacks == self.dupthresh && ack >= self.recover {
                // RFC 6582 step 1: only when the ACK covers more than `recover`, so duplicate
                // ACKs caused by a go-back-N after a timeout do not cut the window again.
                let before = self.cwnd;
                let flight = self.flight();
                self.ssthresh = (flight as f64 / 2.0).max(2.0);
                self.recover = self.snd_max;
                self.retx = Some(self.snd_una);
                self.cwnd = self.ssthresh + self.dupthresh as f64;
                self.in_recovery = true;
                self.partial_seen = false;
                self.stats.fast_retransmits += 1;
                self.note(now, CongestionKind::FastRetransmit, before, flight);
            }
        }
    }

    /// The retransmission timer expired at `now` (the caller checked the deadline).
    pub fn on_timeout(&mut self, now: SimTime) {
        let before = self.cwnd;
        let flight = self.flight();
        self.stats.timeouts += 1;
        if self.consecutive_timeouts == 0 {
            self.ssthresh = (flight as f64 / 2.0).max(2.0);
        }
        self.consecutive_timeouts += 1;
        self.cwnd = 1.0;
        self.recover = self.snd_max;
        self.in_recovery = false;
        self.dupacks = 0;
        self.snd_nxt = self.snd_una;
        self.retx = None;
        self.timed = None;
        self.rtt.backoff();
        self.rto_deadline = Some(now + self.rtt.rto());
        self.note(now, CongestionKind::Timeout, before, flight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MS: SimTime = 1_000_000;

    fn params() -> TcpParams {
        TcpParams {
            initial_cwnd: 2,
            rwnd: 1000,
            ..TcpParams::default()
        }
    }

    fn drain(s: &mut Sender, now: SimTime) -> Vec<u64> {
        std::iter::from_fn(|| s.next_segment(now)).collect()
    }

    #[test]
    fn slow_start_doubles_per_round() {
        let mut s = Sender::new(&params());
        let mut t = 0;
        let mut out = drain(&mut s, t);
        assert_eq!(out, [0, 1]);
        for round in 0..4 {
            t += 100 * MS;
            let mut next = Vec::new();
            for &seg in &out {
                s.on_ack(t, seg + 1);
                next.extend(drain(&mut s, t));
            }
            assert_eq!(next.len(), 2 * out.len(), "round {round}");
            out = next;
        }
        assert_eq!(s.cwnd(), 32.0);
        assert_eq!(s.stats.retransmits, 0);
    }

    #[test]
    fn three_dup_acks_retransmit_once_and_halve() {
        let mut s = Sender::new(&TcpParams {
            initial_cwnd: 20,
            initial_ssthresh: Some(20),
            ..params()
        });
        let sent = drain(&mut s, 0);
        assert_eq!(sent.len(), 20);
        // Segment 0 is lost: 19 duplicate ACKs of 0.
        let mut retx = Vec::new();
        for i in 1..20 {
            s.on_ack(10 * MS + i, 0);
            retx.extend(drain(&mut s, 10 * MS + i));
        }
        assert_eq!(s.stats.fast_retransmits, 1);
        assert_eq!(retx[0], 0, "the lost segment goes first");
        assert_eq!(retx.iter().filter(|&&x| x == 0).count(), 1);
        assert_eq!(s.ssthresh(), 10.0);
        // The retransmission fills the hole: one full ACK ends recovery at cwnd = ssthresh.
        s.on_ack(20 * MS, 20);
        assert!(!s.in_recovery());
        assert_eq!(s.cwnd(), 10.0);
        assert_eq!(s.stats.timeouts, 0);
    }

    #[test]
    fn partial_ack_retransmits_next_hole() {
        let mut s = Sender::new(&TcpParams {
            initial_cwnd: 10,
            ..params()
        });
        drain(&mut s, 0);
        // Segments 2 and 5 lost.
        s.on_ack(1, 1);
        s.on_ack(1, 2);
        drain(&mut s, 1);
        for _ in 0..3 {
            s.on_ack(2, 2);
        }
        assert_eq!(drain(&mut s, 2).first(), Some(&2));
        s.on_ack(3, 5); // partial: 5 is still missing
        assert!(s.in_recovery());
        assert_eq!(drain(&mut s, 3).first(), Some(&5));
        assert_eq!(s.stats.fast_retransmits, 1);
        assert_eq!(s.stats.partial_acks, 1);
    }

    #[test]
    fn timeouts_back_off_and_go_back() {
        let mut s = Sender::new(&TcpParams {
            initial_cwnd: 4,
            min_rto: 200 * MS,
            ..params()
        });
        drain(&mut s, 0);
        assert_eq!(s.rto_deadline(), Some(1000 * MS), "initial RTO 1 s");
        let mut t = 0;
        let mut rtos = Vec::new();
        for _ in 0..4 {
            t = s.rto_deadline().unwrap();
            s.on_timeout(t);
            rtos.push(s.rto());
            assert_eq!(drain(&mut s, t), [0], "cwnd 1: the first segment again");
        }
        assert_eq!(rtos, [2000 * MS, 4000 * MS, 8000 * MS, 16000 * MS]);
        assert_eq!(s.ssthresh(), 2.0);
        assert_eq!(s.cwnd(), 1.0);
        // Karn: the ACK of a retransmitted segment gives no sample, the backoff stays.
        s.on_ack(t + 50 * MS, 1);
        assert!(s.rtt().srtt().is_none());
        assert_eq!(s.rto(), 16000 * MS);
    }
}
