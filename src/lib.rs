//! mixsim: a packet-level discrete-event simulator for traffic-analysis attacks on
//! continuous-time mixes.
//!
//! Layers, from the bottom up (an import may only point down; `tests/it/architecture.rs`
//! checks it):
//! 1. [`engine`] (simulated time, the event queue, per-element random streams), [`units`]
//!    (durations, rates, sizes as written in scenario files), [`model`] (the papers' analytical
//!    models, pure math) and [`files`] (atomic writes): they import nothing of ours;
//! 2. [`net`] (packets, links with jitter, loss, padding and taps, mixes, the
//!    [`net::Topology`] builder that describes a network as plain data, and the executors that
//!    run one trial of it), [`traffic`] (arrival processes, TCP, trace replay; net uses it),
//!    [`attack`] (attacks that see only what taps recorded; they import only the engine and
//!    the watermark schemes, whose keys a detector shares) and
//!    [`watermark`] (watermark schemes: keys, embedder stages, detectors);
//! 3. [`scenario`]: the TOML format, its validation, and the network it describes, built
//!    through the net builder ([`scenario::Scenario::topology`]);
//! 4. [`experiment`]: trials, detection rates, the model beside them, sweeps;
//! 5. [`report`]: summary.json, CSV, tables and SVG plots of what experiment computed;
//! 6. `main.rs`: the `mixsim` command line.
//!
//! A network can be built and run from Rust without a scenario file: see [`net::topology`]
//! and `examples/build_network.rs`.

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
