//! Integration tests: one binary, one file per behaviour.

mod cli;
mod common;
mod conservation;
mod link;
mod queueing;
mod reproducibility;
mod scenario;
mod sweep;
