//! Integration tests: one binary, one file per behaviour.
mod model_correlation;
