//! Analytical models of the source papers. Pure math: nothing here imports another mixsim
//! module (no engine, no random streams, no attack).
//!
//! - [`correlation`]: seed 000's model of flow-correlation detection on a continuous-time
//!   mix. Build a [`correlation::MixModelParams`] (target rate, mean hold, sampling interval,
//!   candidate links with their other traffic and service rate) and call
//!   [`correlation::predict`] for Theorem 1 (as derived and as printed), the improved and
//!   refined models at each sample size (the semi-analytic estimate, which runs the attack's
//!   estimator on samples of the model's laws, is the caller's: `experiment::semi`); the
//!   building blocks (delay stage,
//!   M/D/1 law, link stages, joint laws, I and C) are public for tests and plots.
//! - [`mixhold`]: the mean hold of the batch mixes (binomial, timed pool, threshold) under
//!   Poisson arrivals, from the Markov chain of the packets carried over a flush.
//! - [`pool_entropy`]: anonymity per message of an exponential mix in steady state under
//!   Poisson arrivals (expected entropy in bits of a tagged message's output distribution).
//! - [`swirl`]: seed 002's false-positive and false-negative bounds for the SWIRL watermark
//!   (eqs 6-18) and the crossover error rate.
//! - [`wilson`]: the Wilson score interval of a binomial proportion (every detection rate's
//!   95 % interval; experiment re-exports it).

pub mod correlation;
pub mod mixhold;
pub mod pool_entropy;
pub mod swirl;
pub mod wilson;
