//! Network elements: packets, links and their decorator stages, mixes, senders, receivers.

pub mod packet;
pub mod path;
pub mod stage;

pub use packet::{DropReason, FlowId, Packet};
pub use path::{Jitter, Loss};
pub use stage::{Stage, StageOutcome};
