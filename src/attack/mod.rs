//! Attacks. An attack sees only what taps recorded (timestamps, sizes, per-interval counts),
//! never the ground-truth flow labels, which only the experiment's scorer holds.

pub mod correlation;
pub mod likelihood;
pub mod mi;
