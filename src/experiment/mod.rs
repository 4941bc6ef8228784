//! Experiments: trials of a scenario, scored by its attacks, aggregated into detection rates.
//!
//! A trial is one independent simulation (its own random streams, derived from the seed and the
//! trial index) plus every attack on its taps: the runner fills each attack's observation from
//! the taps, leaving the labels out, and scores its verdict against the ground truth it holds
//! apart ([`score`]). The trial is simulated once for the largest sample size; smaller sizes are
//! scored on prefixes of the same count series. Trials run in parallel
//! on a rayon pool of `jobs` threads; every aggregate is an integer sum, so results do not depend
//! on the number of threads or the order in which trials finish.

pub mod anonymity;
pub mod attacks;
pub mod campaign;
pub mod export;
pub mod jobs;
pub mod message;
pub mod predict;
pub mod predictions;
pub mod progress;
pub mod runner;
pub mod score;
pub mod semi;
pub mod summary;
#[cfg(test)]
mod toy_kind;

pub use crate::model::wilson::{wilson, Z95};
pub use attacks::Evaluated;
pub use progress::{Progress, ProgressSink};
pub use runner::{run, run_attacks, RunOptions, RunResult, Tally, TrialArena, TrialPlan};
pub use score::{AttackTally, Truth};
pub use summary::Summary;
