//! MFA
