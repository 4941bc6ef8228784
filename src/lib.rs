//! mixsim: a packet-level discrete-event simulator for traffic-analysis attacks on
//! continuous-time mixes.
//!
//! Layers, from the bottom up (each knows nothing of the ones above it):
//! - [`engine`]: simulated time, the event queue, per-element random streams;
//! - [`net`]: packets, links (with jitter, loss and taps as decorators), mixes, senders,
//!   receivers, and the network that routes packets between them;
//! - [`traffic`]: arrival processes that drive senders;
//! - [`tap`]: what an observer on a link sees, with ground truth kept apart;
//! - [`attack`]: attacks that see only taps (flow correlation, watermark detection);
//! - [`model`]: the papers' analytical models, pure math;
//! - [`scenario`]: the TOML format and its validation;
//! - [`experiment`]: trials, detection rates, sweeps;
//! - [`report`]: JSON, CSV, tables and SVG plots.

pub mod attack;
pub mod engine;
pub mod experiment;
pub mod model;
pub mod net;
pub mod report;
pub mod scenario;
pub mod tap;
pub mod traffic;
pub mod watermark;
