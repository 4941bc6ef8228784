//! TODO
pub mod interactive;
