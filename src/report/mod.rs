//! Reports: summary.json, CSV, terminal tables and SVG plots, all written atomically.

pub mod plot;
pub mod run_files;
pub mod summary;
pub mod sweep_report;
