//! The adversaries beyond one mix's correlation, one attack kind per file: the multi-flow
//! attack on a watermark (`kind = "mfa"`, in `mfa.rs`), the global adversary following the
//! target from mix to mix (`kind = "hop_by_hop"`, `hop_by_hop.rs`) and the partial adversary
//! treating a region as one mix (`kind = "supermix"`, `supermix.rs`). Their validated tables,
//! under one path.

pub use super::hop_by_hop::{HopByHopAttack, LIKELIHOOD_SCORERS};
pub use super::mfa::MfaAttack;
pub use super::supermix::SupermixAttack;
