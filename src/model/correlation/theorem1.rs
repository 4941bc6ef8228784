//! Theorem 1 of seed 000: the detection rate from I_1, C_1 and the sample size N.
//!
//! The proof models I^_1 ~ Normal(I_1 + b, C_1 / N) (Lemmas 1-2, eq. 10) and treats every
//! other I^_j (j != 1) as the constant b = (r-1)(s-1)/(2N), so that (eq. 11)
//! D = P(I^_1 > b) = 1 - Phi(-I_1 sqrt(N / C_1)) = Phi(I_1 sqrt(N / C_1)).
//!
//! The paper's formula (9) prints instead D = 1 - sqrt(C_1/N) Phi(-I_1 sqrt(N/C_1)), with a
//! stray factor sqrt(C_1/N) in front of the integral (a change of variables that scaled the
//! bounds and also the density). That is not what eq. (11) gives: at I_1 = 0 it yields
//! 1 - sqrt(C_1/N)/2, close to 1 instead of the 1/2 a coin toss between a useless candidate
//! and the rest deserves. [`theorem1`] implements the derivation; [`theorem1_as_printed`]
//! keeps formula (9) for the record.

use statrs::distribution::{ContinuousCDF, Normal};

fn phi_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

/// D = Phi(I_1 sqrt(N / C_1)) (derived from eq. 11). Degenerate cases: I_1 <= 0 gives 1/2,
/// and C_1 = 0 with I_1 > 0 (the estimate has no spread) gives 1.
pub fn theorem1(i1: f64, c1: f64, n: usize) -> f64 {
    if i1 <= 0.0 {
        0.5
    } else if c1 <= 0.0 {
        1.0
    } else {
        phi_cdf(i1 * (n as f64 / c1).sqrt())
    }
}

/// Formula (9) exactly as printed: 1 - sqrt(C_1/N) Phi(-I_1 sqrt(N/C_1)).
pub fn theorem1_as_printed(i1: f64, c1: f64, n: usize) -> f64 {
    if c1 <= 0.0 {
        return 1.0;
    }
    let n = n as f64;
    1.0 - (c1 / n).sqrt() * phi_cdf(-i1.max(0.0) * (n / c1).sqrt())
}
