//! Scores computed so that equal values are equal floats, which makes a tie a mathematical tie.
//!
//! A tie for the top score is a failure, and the decision compares scores with `==`. Two
//! candidates whose scores are equal in exact arithmetic must therefore get bit-identical
//! floats, which a sum taken cell by cell does not give: the same terms summed in another
//! order (a candidate whose count values are relabelled, say) differ in the last bit. So every
//! count-based score is computed in two steps:
//!
//! 1. an exact, canonical form of its value from the integer counts: one representation per
//!    real number, so equal values have equal forms;
//! 2. the float, as a fixed function of that form alone.
//!
//! Equal values then give the same form and the same float, whatever the counts they came from.
//! The converse holds up to rounding: two different values closer than the float's rounding
//! (relative 1e-13 or so here) may still compare equal or in the wrong order. That needs an
//! integer relation between logarithms of primes (or between square roots) to hold within
//! 1e-13, which the scores of competing candidates do not come near in practice.
//!
//! - **Plug-in mutual information** ([`LogProduct`]): with n_uv the cell counts, n_u, n_v the
//!   margins and N the sample size, N I = sum n_uv ln n_uv - sum n_u ln n_u - sum n_v ln n_v +
//!   N ln N = ln Q, Q a ratio of integer powers. Written as the exponents of Q's prime
//!   factorisation, ln Q = sum_p e_p ln p. The logarithms of primes are linearly independent
//!   over the rationals (unique factorisation), so two values are equal exactly when their
//!   exponent vectors are: the canonical form is the vector, and the float sums e_p ln p over
//!   the primes in ascending order. This catches what sorting the cells would not: the cells
//!   {4, 1, 1, 1, 1} and {2, 2, 2, 2} give the same sum of c ln c (8 ln 2).
//! - **Pearson correlation** ([`pearson_canonical`]): r = A / sqrt(B_x B_y) with integer A, B_x,
//!   B_y (n sum xy - sum x sum y and the like). Its canonical form is the sign of A and the
//!   fraction A^2 / (B_x B_y) in lowest terms; the float is the square root of that fraction's
//!   quotient, signed. (Beyond 2^127 the integers do not fit and the plain formula is used.)
//!
//! Scores built from these (Miller-Madow adds an integer over 2N; the shift-null z-score sorts
//! its null values before taking their mean and spread) inherit the property. The likelihood
//! attack's scores are sums of logarithms of exponential kernels at distinct continuous
//! times: two of them agree exactly only when they are computed from the same numbers, which
//! gives the same float.

/// A ratio of integer powers, prod m^k, as the exponents of its prime factorisation: a
/// canonical form of its logarithm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogProduct {
    /// (prime, exponent), not yet merged.
    terms: Vec<(u64, i64)>,
}

impl LogProduct {
    pub fn new() -> Self {
        Self::default()
    }

    /// Multiply by `m^k` (add k ln m). `m` = 0 or 1 adds nothing (0 ln 0 = 0 by convention).
    pub fn add(&mut self, m: u64, k: i64) {
        if k == 0 {
            return;
        }
        let mut m = m;
        // Counts below the table's end are factored by table look-ups (the same factors).
        if let Some(spf) = smallest_prime_factors(m) {
            while m > 1 {
                let p = spf[m as usize] as u64;
                let mut e = 0i64;
                while m.is_multiple_of(p) {
                    m /= p;
                    e += 1;
                }
                self.terms.push((p, e * k));
            }
            return;
        }
        let mut p = 2u64;
        while m > 1 && p * p <= m {
            let mut e = 0i64;
            while m.is_multiple_of(p) {
                m /= p;
                e += 1;
            }
            if e > 0 {
                self.terms.push((p, e * k));
            }
            p += if p == 2 { 1 } else { 2 };
        }
        if m > 1 {
            self.terms.push((m, k));
        }
    }

    /// The canonical form: (prime, exponent) in ascending primes, zero exponents dropped.
    pub fn canonical(&self) -> Vec<(u64, i64)> {
        let mut t = self.terms.clone();
        t.sort_unstable_by_key(|&(p, _)| p);
        let mut out: Vec<(u64, i64)> = Vec::with_capacity(t.len());
        for (p, e) in t {
            match out.last_mut() {
                Some((q, f)) if *q == p => *f += e,
                _ => out.push((p, e)),
            }
        }
        out.retain(|&(_, e)| e != 0);
        out
    }

    /// ln of the product, a function of [`LogProduct::canonical`] alone.
    pub fn ln(&self) -> f64 {
        self.canonical()
            .iter()
            .map(|&(p, e)| e as f64 * (p as f64).ln())
            .sum()
    }
}

/// Counts below this are factored from a table of smallest prime factors (built once, 256 KB):
/// a count series of 30 720 intervals has counts and sample sizes below it.
const FACTOR_TABLE: usize = 1 << 16;

/// The table of smallest prime factors, if `m` is inside it.
fn smallest_prime_factors(m: u64) -> Option<&'static [u32]> {
    static TABLE: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    if m >= FACTOR_TABLE as u64 {
        return None;
    }
    Some(TABLE.get_or_init(|| {
        let mut spf = vec![0u32; FACTOR_TABLE];
        for i in 2..FACTOR_TABLE {
            if spf[i] == 0 {
                for j in (i..FACTOR_TABLE).step_by(i) {
                    if spf[j] == 0 {
                        spf[j] = i as u32;
                    }
                }
            }
        }
        spf
    }))
}

/// Pearson's r = a / sqrt(bx * by) from its integer parts (bx, by > 0), computed from the
/// canonical form (sign of a, a^2 / (bx by) in lowest terms).
pub fn pearson_canonical(a: i128, bx: i128, by: i128) -> f64 {
    debug_assert!(bx > 0 && by > 0);
    let fraction = a
        .unsigned_abs()
        .checked_mul(a.unsigned_abs())
        .zip((bx as u128).checked_mul(by as u128));
    let Some((num, den)) = fraction else {
        return a as f64 / (bx as f64 * by as f64).sqrt();
    };
    let g = gcd(num, den);
    let r = ((num / g) as f64 / (den / g) as f64).sqrt();
    if a < 0 {
        -r
    } else {
        r
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_products_have_equal_forms_and_floats() {
        // {4, 1, 1, 1, 1} and {2, 2, 2, 2}: 4 ln 4 = 4 (2 ln 2).
        let mut a = LogProduct::new();
        for c in [4u64, 1, 1, 1, 1] {
            a.add(c, c as i64);
        }
        let mut b = LogProduct::new();
        for c in [2u64, 2, 2, 2] {
            b.add(c, c as i64);
        }
        assert_eq!(a.canonical(), vec![(2, 8)]);
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(a.ln().to_bits(), b.ln().to_bits());
        // 12^12 / 6^6 / 2^6 = 2^18 3^6: factors found, large primes kept.
        let mut c = LogProduct::new();
        c.add(12, 12);
        c.add(6, -6);
        c.add(2, -6);
        c.add(1009, 3);
        c.add(1009, -3);
        assert_eq!(c.canonical(), vec![(2, 12), (3, 6)]);
        assert!((c.ln() - (12.0 * 2f64.ln() + 6.0 * 3f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn table_factoring_gives_trial_division_factors() {
        // Around the table's end, powers, primes and composites of large primes.
        let trial = |m: u64, k: i64| {
            let mut t = Vec::new();
            let (mut m, mut p) = (m, 2u64);
            while m > 1 && p * p <= m {
                let mut e = 0;
                while m % p == 0 {
                    m /= p;
                    e += 1;
                }
                if e > 0 {
                    t.push((p, e * k));
                }
                p += 1;
            }
            if m > 1 {
                t.push((m, k));
            }
            t
        };
        let cases = (0..3000u64).chain([
            30720,
            65521,
            65535,
            65536,
            65537,
            131_071,
            65521 * 3,
            1 << 20,
        ]);
        for m in cases {
            let mut a = LogProduct::new();
            a.add(m, -3);
            assert_eq!(a.terms, trial(m, -3), "{m}");
        }
    }

    #[test]
    fn pearson_forms_agree_on_equal_values() {
        // 3 / sqrt(9 b) = 1 / sqrt(b): the plain formula rounds sqrt(9 b) first.
        for b in 2..200i128 {
            assert_eq!(
                pearson_canonical(3, 9 * b, 7).to_bits(),
                pearson_canonical(1, b, 7).to_bits()
            );
            assert_eq!(
                pearson_canonical(-6, 4 * b, 9 * 5).to_bits(),
                pearson_canonical(-1, b, 5).to_bits()
            );
        }
        assert!((pearson_canonical(1, 4, 1) - 0.5).abs() < 1e-15);
    }
}
