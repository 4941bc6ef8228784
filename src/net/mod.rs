//! Network elements: packets, links and their decorator stages, mixes, the taps that record
//! what an observer of each link sees ([`tap`]); a network described as plain data and built
//! with a few calls ([`Topology`]); and the event executor that runs one trial of it
//! ([`Network`]).

pub mod columnar;
mod columns;
mod executor;
pub mod latency;
pub mod link;
pub mod mix;
pub mod network;
pub mod packet;
pub mod path;
pub mod plan;
pub mod routes;
pub mod stage;
pub mod tap;
pub mod ties;
pub mod topology;

pub use latency::{Latency, LatencyRecorder};
pub use link::{Link, LinkOutcome, LinkStats};
pub use mix::{BatchOrder, MixStrategy};
pub use network::{
    CoverCounters, NetEvent, Network, PacketCounters, PlacedStage, TapSetup, TrialBuffers,
};
pub use packet::{CoverKind, DropReason, FlowId, Packet};
pub use path::{Jitter, JitterModel, Loss};
pub use routes::{RouteChoices, RouteTable};
pub use stage::{Stage, StageOutcome};
pub use topology::{
    LinkId, LinkParams, LinkSpec, NodeId, NodeKind, NodeSpec, StageFactory, StageSpec, Topology,
    TopologyError,
};
