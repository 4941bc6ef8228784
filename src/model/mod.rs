//! Analytical models of the source papers. Pure math: nothing here knows the engine.
pub mod swirl;
