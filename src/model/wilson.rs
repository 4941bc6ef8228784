//! Wilson score interval for a binomial proportion.

/// 97.5% quantile of the standard normal: a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson interval (low, high) for `successes` out of `trials` at quantile `z`. At the edges
/// the bound on the side of the rate is the rate itself, exactly: 0 successes give a low bound
/// of 0 and `trials` successes a high bound of 1 (the formula gives them only up to rounding,
/// 1.7e-18 above a rate of 0, say).
pub fn wilson(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let (lo, hi) = wilson_formula(successes, trials, z);
    (
        if successes == 0 { 0.0 } else { lo },
        if successes >= trials { 1.0 } else { hi },
    )
}

fn wilson_formula(successes: u64, trials: u64, z: f64) -> (f64, f64) {
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // 8 of 10: Wilson 95% = (0.4902, 0.9433) (standard tables).
        let (lo, hi) = wilson(8, 10, Z95);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 50, Z95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0713).abs() < 1e-4, "{hi}");
        let z = statrs::distribution::ContinuousCDF::inverse_cdf(
            &statrs::distribution::Normal::standard(),
            0.975,
        );
        assert!((z - Z95).abs() < 1e-9);
    }

    #[test]
    fn edges_are_exact() {
        for n in [1, 2, 3, 7, 10, 50, 100, 200, 1000, 3000, 1_000_000] {
            assert_eq!(wilson(0, n, Z95).0, 0.0, "0 of {n}");
            assert_eq!(wilson(n, n, Z95).1, 1.0, "{n} of {n}");
            // Inside, the formula as before.
            let (lo, hi) = wilson(1, n + 1, Z95);
            assert!(lo > 0.0 && hi < 1.0);
        }
    }
}
