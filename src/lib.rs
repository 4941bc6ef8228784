//! mixsim: a packet-level discrete-event simulator for traffic-analysis attacks on
//! continuous-time mixes.
//!
//! Layers, from the bottom up (an import may only point down; `tests/it/architecture.rs`
//! checks it):
//! 1. [`engine`] (simulated time, the event queue, per-element random streams), [`units`]
//!    (durations, rates, sizes as written in scenario files), [`model`] (the papers' analytical
//!    models, pure math) and [`files`] (atomic writes): they import nothing of ours;
//! 2. [`net`] (packets, links with jitter, loss and taps, mixes, senders, receivers, the
//!    network that routes packets between them), [`traffic`] (arrival processes, TCP, trace
//!    replay; net uses it) and [`attack`] (attacks that see only what taps recorded);
//!    [`watermark`] (watermark schemes) sits here too;
//! 3. [`scenario`]: the TOML format, its validation and the network it describes;
//! 4. [`experiment`]: trials, detection rates, the model beside them, sweeps;
//! 5. [`report`]: summary.json, CSV, tables and SVG plots of what experiment computed;
//! 6. `main.rs`: the `mixsim` command line.

pub mod attack;
pub mod engine;
pub mod experiment;
pub mod files;
pub mod model;
pub mod net;
pub mod report;
pub mod scenario;
pub mod traffic;
pub mod units;
pub mod watermark;
