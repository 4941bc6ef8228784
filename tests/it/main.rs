//! Integration tests: one binary, one file per behaviour.

mod cli;
mod common;
mod conservation;
mod link;
mod model_correlation;
mod queueing;
mod reproducibility;
mod scenario;
mod watermark;
mod watermark_experiment;
