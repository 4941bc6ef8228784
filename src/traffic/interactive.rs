//! An SSH-like interactive packet process (one direction of a stepping-stone connection).
//!
//! Interactive sessions alternate bursts of typing with pauses for thinking or reading output.
//! Paxson and Floyd ("Wide-area traffic: the failure of Poisson modeling", IEEE/ACM ToN 1995)
//! found TELNET packet interarrivals far from exponential: a body set by typing speed and a
//! heavy Pareto upper tail (shape about 0.9-0.95). Song, Wagner and Tian ("Timing analysis of
//! keystrokes and timing attacks on SSH", USENIX Security 2001) measured SSH inter-keystroke
//! latencies whose body is well fitted by a unimodal, right-skewed law (they used a Gamma-like
//! fit; we use a lognormal).
//!
//! The model: i.i.d. gaps (a renewal process), each
//! - with probability `1 - think_prob` a keystroke gap, lognormal with log-sd `keystroke_sigma`;
//! - with probability `think_prob` a think gap, Pareto with shape `pareto_shape`, truncated at
//!   `pareto_cap` times its scale (so the mean, and for shape > 0.5 the variance, is finite
//!   whatever the shape, and a 128 s flow has a meaningful rate).
//!
//! Scales are set from the mean rate `rate` so that think gaps carry a fraction `think_share`
//! of the mean gap 1/rate and keystroke gaps the rest; the long-run rate is exactly `rate`.
//! Defaults (rate 7 pkt/s, think_prob 0.1, think_share 0.5, keystroke_sigma 0.7, Pareto shape
//! 1.5, cap 100) are our choice, not fitted to a trace: shape 1.5 keeps the per-flow rate of a
//! 128 s flow stable; set `pareto_shape = 0.95` for Paxson and Floyd's tail.

use crate::engine::{SimRng, SimTime};
use rand::Rng;
use rand_distr::{Distribution, LogNormal};
use serde::{Deserialize, Serialize};

/// Parameters of the interactive model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InteractiveParams {
    /// Long-run mean rate, packets per second (SSH stepping stones: 4-10).
    pub rate: f64,
    /// Probability that a gap is a think gap.
    pub think_prob: f64,
    /// Fraction of the mean gap carried by think gaps.
    pub think_share: f64,
    /// Log-standard deviation of the lognormal keystroke gaps.
    pub keystroke_sigma: f64,
    /// Shape of the Pareto think gaps.
    pub pareto_shape: f64,
    /// Truncation of think gaps, in multiples of the Pareto scale.
    pub pareto_cap: f64,
}

impl Default for InteractiveParams {
    fn default() -> Self {
        InteractiveParams {
            rate: 7.0,
            think_prob: 0.1,
            think_share: 0.5,
            keystroke_sigma: 0.7,
            pareto_shape: 1.5,
            pareto_cap: 100.0,
        }
    }
}

/// An interactive-model parameter out of its range, or a keystroke law that cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InteractiveError {
    /// `key` (a flow key, like `think_prob`) is outside `expected`.
    #[error("{expected}")]
    OutOfRange {
        key: &'static str,
        expected: &'static str,
    },
    #[error("the keystroke gap law cannot be built")]
    Keystroke(#[source] rand_distr::NormalError),
}

impl InteractiveParams {
    pub fn validate(&self) -> Result<(), InteractiveError> {
        let ok = |b: bool, key: &'static str, expected: &'static str| {
            if b {
                Ok(())
            } else {
                Err(InteractiveError::OutOfRange { key, expected })
            }
        };
        ok(
            self.rate.is_finite() && self.rate > 0.0,
            "rate",
            "must be above zero",
        )?;
        ok(
            self.think_prob > 0.0 && self.think_prob < 1.0,
            "think_prob",
            "expected (0, 1)",
        )?;
        ok(
            self.think_share > 0.0 && self.think_share < 1.0,
            "think_share",
            "expected (0, 1)",
        )?;
        ok(
            self.keystroke_sigma >= 0.0,
            "keystroke_sigma",
            "must be >= 0",
        )?;
        ok(
            self.pareto_shape > 0.0,
            "pareto_shape",
            "must be above zero",
        )?;
        ok(self.pareto_cap > 1.0, "pareto_cap", "must be above 1")
    }
}

/// E[min(X, c)] / x_m for X ~ Pareto(x_m, alpha): 1 + (c^(1-alpha) - 1)/(1 - alpha).
fn capped_pareto_mean_ratio(alpha: f64, cap: f64) -> f64 {
    if (alpha - 1.0).abs() < 1e-12 {
        1.0 + cap.ln()
    } else {
        1.0 + (cap.powf(1.0 - alpha) - 1.0) / (1.0 - alpha)
    }
}

/// The interactive arrival process.
#[derive(Debug, Clone)]
pub struct Interactive {
    think_prob: f64,
    keystroke: LogNormal<f64>,
    /// Pareto scale (s), shape and cap (s).
    xm: f64,
    alpha: f64,
    cap: f64,
}

impl Interactive {
    pub fn new(p: &InteractiveParams) -> Result<Self, InteractiveError> {
        p.validate()?;
        let mean_gap = 1.0 / p.rate;
        let think_mean = p.think_share * mean_gap / p.think_prob;
        let key_mean = (1.0 - p.think_share) * mean_gap / (1.0 - p.think_prob);
        let s = p.keystroke_sigma;
        let keystroke =
            LogNormal::new(key_mean.ln() - 0.5 * s * s, s).map_err(InteractiveError::Keystroke)?;
        let xm = think_mean / capped_pareto_mean_ratio(p.pareto_shape, p.pareto_cap);
        Ok(Interactive {
            think_prob: p.think_prob,
            keystroke,
            xm,
            alpha: p.pareto_shape,
            cap: xm * p.pareto_cap,
        })
    }

    /// The next gap, in seconds.
    #[inline]
    pub fn next_gap_secs(&mut self, rng: &mut SimRng) -> f64 {
        if rng.random::<f64>() < self.think_prob {
            // Inverse CDF: x_m U^(-1/alpha), U uniform in (0, 1].
            let u = 1.0 - rng.random::<f64>();
            (self.xm * u.powf(-1.0 / self.alpha)).min(self.cap)
        } else {
            self.keystroke.sample(rng)
        }
    }

    /// The next gap, in nanoseconds (same interface as the other arrival processes).
    #[inline]
    pub fn next_gap(&mut self, rng: &mut SimRng) -> SimTime {
        crate::engine::time::from_secs_f64(self.next_gap_secs(rng))
    }

    /// Packet times from `start` (the first packet) up to `start + duration`.
    pub fn timestamps(
        &mut self,
        rng: &mut SimRng,
        start: SimTime,
        duration: SimTime,
    ) -> Vec<SimTime> {
        let end = start + duration;
        let mut t = start;
        let mut v = Vec::new();
        while t <= end {
            v.push(t);
            t += self.next_gap(rng);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[test]
    fn long_run_rate_matches() {
        for (case, rate) in [(0u64, 4.0f64), (1, 7.0), (2, 10.0)] {
            let mut m = Interactive::new(&InteractiveParams {
                rate,
                ..Default::default()
            })
            .unwrap();
            let mut rng = stream(21, case, 0);
            let n = 400_000;
            let gaps: Vec<f64> = (0..n).map(|_| m.next_gap_secs(&mut rng)).collect();
            let mean = gaps.iter().sum::<f64>() / n as f64;
            let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt();
            // Gaps are i.i.d. with finite variance (the Pareto is capped): the sample mean is
            // within 5 standard errors of 1/rate except with probability ~6e-7.
            assert!(
                (mean - 1.0 / rate).abs() < 5.0 * se,
                "rate {rate}: {mean} vs {} (se {se})",
                1.0 / rate
            );
            // And the gaps are far from exponential: coefficient of variation well above 1.
            assert!(var.sqrt() / mean > 1.5, "cv {}", var.sqrt() / mean);
        }
    }

    #[test]
    fn deterministic_and_paxson_floyd_tail_supported() {
        let p = InteractiveParams {
            pareto_shape: 0.95,
            rate: 5.0,
            ..Default::default()
        };
        let a = Interactive::new(&p).unwrap().timestamps(
            &mut stream(1, 2, 3),
            0,
            130 * crate::engine::time::S,
        );
        let b = Interactive::new(&p).unwrap().timestamps(
            &mut stream(1, 2, 3),
            0,
            130 * crate::engine::time::S,
        );
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        assert!(
            capped_pareto_mean_ratio(1.0, 100.0) > 5.6
                && capped_pareto_mean_ratio(1.0, 100.0) < 5.61
        );
        assert!((capped_pareto_mean_ratio(1.5, 100.0) - 2.8).abs() < 1e-12);
    }
}
