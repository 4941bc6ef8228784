//! Packets as the simulation carries them.

use crate::engine::SimTime;

/// Index of a flow in the scenario (the ground-truth label; attacks never see it).
pub type FlowId = u32;

/// Which kind of sender cover a dummy packet is (Loopix's drop and loop cover).
///
/// A drop dummy travels to the last node of its route (a mix or host on the way) and is
/// absorbed there; a loop dummy travels through the mixes and back to its own sender. On the
/// wire and on every tap a dummy is a packet like any other: only ground truth (its flow's
/// [`FlowSpec::cover`](super::topology::FlowSpec::cover)) tells it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoverKind {
    Drop,
    Loop,
}

impl CoverKind {
    /// The name used in scenario files and summaries.
    pub fn name(self) -> &'static str {
        match self {
            CoverKind::Drop => "drop",
            CoverKind::Loop => "loop",
        }
    }
}

/// A packet in flight. Kept small: it is copied through the hot loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub flow: FlowId,
    /// Sequence number within its flow (0, 1, 2, ...).
    pub seq: u64,
    /// Size on the wire in bytes.
    pub size: u32,
    /// When the sender emitted it.
    pub created: SimTime,
    /// Index of the next node on the flow's route (0 is the sender).
    pub hop: u16,
    /// The packet's route in its flow's [`RouteTable`](super::routes::RouteTable), for a flow
    /// with per-message routes (drawn as the packet is created); 0 otherwise.
    pub route: u16,
    /// Total time held by mixes so far.
    pub mix_hold: SimTime,
    /// Total time spent waiting in link buffers so far (not counting transmission).
    pub queueing: SimTime,
    /// A sender-cover dummy, and of which kind (set as the network stores a new packet, from
    /// its flow); links count dummies by it. It sits in what was padding.
    pub cover: Option<CoverKind>,
}

// The cover mark and the route index must not grow the packet.
const _: () = assert!(std::mem::size_of::<Packet>() == 48);

impl Packet {
    /// A new packet of `flow` leaving its sender at `created`, not yet past any hop.
    #[inline]
    pub fn new(flow: FlowId, seq: u64, size: u32, created: SimTime) -> Packet {
        Packet {
            flow,
            seq,
            size,
            created,
            hop: 0,
            route: 0,
            mix_hold: 0,
            queueing: 0,
            cover: None,
        }
    }
}

/// Why a packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The link's drop-tail buffer was full on arrival.
    BufferFull,
    /// Random loss on the path.
    PathLoss,
}
