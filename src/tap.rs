//! Taps
