//! stepping
