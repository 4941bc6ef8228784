//! A TCP model for bulk transfers: NewReno congestion control over packets that really cross
//! the network, with ACKs on a reverse route of their own.
//!
//! One idea per file: [`sender`] (congestion control and retransmission), [`receiver`]
//! (reassembly, delayed ACKs), [`rtt`] (RFC 6298 estimator), [`timer`] (timers on an event queue
//! without cancellation). The network ([`crate::net::network`]) wires a sender and a receiver to
//! the flow's route and the ACK route, and runs their timers as events.

pub mod receiver;
pub mod rtt;
pub mod sender;
pub mod timer;

pub use receiver::{Receiver, ReceiverStats};
pub use rtt::RttEstimator;
pub use sender::{CongestionEvent, CongestionKind, Sender, SenderStats};
pub use timer::LazyTimer;

use crate::engine::{time, SimTime};

/// TCP/IP header bytes carried by every segment (20 IP + 20 TCP, no options): a data segment
/// on the wire is MSS + 40 bytes, a bare ACK 40 bytes.
pub const HEADER_BYTES: u32 = 40;

/// Parameters of one TCP connection (scenario keys in brackets; defaults as in
/// [`Default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TcpParams {
    /// Payload bytes per segment \[`mss`\]; a data segment is `size = mss + 40` bytes on the wire.
    pub mss: u32,
    /// Bytes of an ACK on the wire \[`ack_size`\], default 40.
    pub ack_size: u32,
    /// Receiver window in segments \[`rwnd`\], default 64 KiB / MSS.
    pub rwnd: u32,
    /// Initial congestion window in segments \[`initial_cwnd`\], default 10 (RFC 6928, ns-3).
    pub initial_cwnd: u32,
    /// Initial slow-start threshold in segments \[`initial_ssthresh`\], default unlimited.
    pub initial_ssthresh: Option<u32>,
    /// Duplicate ACKs that trigger fast retransmit \[`dupthresh`\], default 3.
    pub dupthresh: u32,
    /// \[`initial_rto`\], default 1 s (RFC 6298 2.1).
    pub initial_rto: SimTime,
    /// \[`min_rto`\], default 1 s (RFC 6298 2.4, ns-3's default; Linux uses 200 ms).
    pub min_rto: SimTime,
    /// \[`max_rto`\], default 60 s.
    pub max_rto: SimTime,
    /// Delayed ACKs \[`delayed_ack`\], default off: every segment is acknowledged.
    pub delayed_ack: bool,
    /// With delayed ACKs, acknowledge every this many segments \[`ack_every`\], default 2.
    pub ack_every: u32,
    /// With delayed ACKs, the timer \[`ack_timeout`\], default 200 ms.
    pub ack_timeout: SimTime,
    /// Debug: the first transmission of these segments is lost \[`drop_segments`\].
    pub drop_segments: Vec<u64>,
}

impl Default for TcpParams {
    fn default() -> Self {
        TcpParams {
            mss: 960,
            ack_size: HEADER_BYTES,
            rwnd: 68,
            initial_cwnd: 10,
            initial_ssthresh: None,
            dupthresh: 3,
            initial_rto: time::S,
            min_rto: time::S,
            max_rto: 60_000_000_000,
            delayed_ack: false,
            ack_every: 2,
            ack_timeout: 200_000_000,
            drop_segments: Vec::new(),
        }
    }
}

impl TcpParams {
    /// Wire size of a data segment.
    pub fn segment_size(&self) -> u32 {
        self.mss + HEADER_BYTES
    }
}

/// Per-connection counters of a trial: the sender's and the receiver's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TcpStats {
    pub sender: SenderStats,
    pub receiver: ReceiverStats,
    /// Payload bytes per segment, for goodput.
    pub mss: u32,
}

impl TcpStats {
    /// Sum of two connections' (or trials') counters.
    pub fn add(&mut self, o: &TcpStats) {
        let (s, t) = (&mut self.sender, &o.sender);
        s.segments_sent += t.segments_sent;
        s.retransmits += t.retransmits;
        s.fast_retransmits += t.fast_retransmits;
        s.partial_acks += t.partial_acks;
        s.timeouts += t.timeouts;
        s.dup_acks += t.dup_acks;
        s.acks += t.acks;
        let (r, q) = (&mut self.receiver, &o.receiver);
        r.segments_received += q.segments_received;
        r.duplicates += q.duplicates;
        r.out_of_order += q.out_of_order;
        r.delivered += q.delivered;
        r.delivered_after_warmup += q.delivered_after_warmup;
        r.acks_sent += q.acks_sent;
        self.mss = self.mss.max(o.mss);
    }
}
