//! Integration tests: one binary, one file per behaviour.

mod architecture;
mod build_network;
mod cli;
mod common;
mod conservation;
mod delay_stage;
mod export;
mod fuzz;
mod hardening;
mod link;
mod mix_strategies;
mod model_correlation;
mod model_link_exact;
mod padding;
mod pipeline;
mod queueing;
mod replay;
mod reproducibility;
mod scenario;
mod stream_equivalence;
mod sweep;
mod tcp;
mod topology;
mod validation;
mod watermark;
mod watermark_net;
