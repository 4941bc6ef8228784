//! The delay stage of a timed mix: every `period` seconds the mix releases everything it holds.
//!
//! The flushes are deterministic, so what an interval's output contains depends only on where
//! the flush clock sits against the sampling grid. The model covers **T = m P**: every interval
//! holds m >= 1 flushes, the first `phase` after the interval's start (0 <= phase < P). The
//! flushes inside [0, T) release exactly the arrivals of [phase - P, phase + (m - 1) P): a
//! window of length T that overlaps the interval by `T - (P - phase)`. An arrival at a uniform
//! time of the interval is released within it with probability `p_same = 1 - (P - phase) / T`,
//! so `Y' | X=u = Binomial(u, p_same) + Poisson(lambda_f (P - phase) + lambda_z T)`, and any
//! other port's Y' is Poisson(lambda_port T). Flow is conserved. With m = 1 and phase 0 the
//! interval's own arrivals all leave in the next one: Y' is independent of X.
//!
//! Where the model does not apply, and why:
//! - **P = m T, m >= 2** (one flush every m intervals): the m - 1 idle intervals are the same
//!   on every candidate link, so the candidates' count series are not independent of one
//!   another; at small N they share most of their values and the estimates tie (measured on
//!   fig5-light with P = 40 ms: D = 0.02 at N = 10 where a model with independent candidates
//!   says 0.47). The model assumes independent candidates.
//! - **neither period a multiple of the other**: successive intervals see the flushes at
//!   drifting offsets and no single per-interval law describes them.
//! - **behind a queueing link**: a flush hands the link a whole batch at one instant, a
//!   workload the link stages (built for the exponential mix's spread-out releases) do not
//!   describe.
//!
//! As for the exponential mix, successive intervals are treated as independent.

use super::dist::{binomial_pmf, convolve, poisson_pmf, TAIL_EPS};
use super::NotApplicable;

/// Relative tolerance when deciding that one period is a whole multiple of the other.
const COMMENSURATE_EPS: f64 = 1e-9;

/// A timed mix's flush clock against the sampling grid, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FlushClock {
    /// Flush period P.
    pub period: f64,
    /// Time from the start of a sampling interval to the next flush, in [0, P).
    pub phase: f64,
}

/// A timed mix's flush clock against the sampling grid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TimedStage {
    /// Flush period P, s.
    pub period: f64,
    /// Time from an interval's start (of the sampling grid) to the next flush, s, in [0, P).
    pub phase: f64,
    /// Sampling interval T, s.
    pub interval: f64,
}

impl TimedStage {
    /// The stage, or why the model does not describe it (periods not commensurate, phase out
    /// of range).
    pub fn new(period: f64, phase: f64, interval: f64) -> Result<TimedStage, NotApplicable> {
        if !(period.is_finite() && period > 0.0 && interval.is_finite() && interval > 0.0) {
            return Err(NotApplicable::new(format!(
                "the flush period ({period} s) and the interval ({interval} s) must be finite and > 0"
            )));
        }
        if !(0.0..period).contains(&phase) {
            return Err(NotApplicable::new(format!(
                "the flush phase {phase} s must lie in [0, {period})"
            )));
        }
        let s = TimedStage {
            period,
            phase,
            interval,
        };
        s.cycle().map(|_| s)
    }

    /// The number m of flushes per interval (T = m P), or why the model does not apply.
    fn cycle(&self) -> Result<u64, NotApplicable> {
        let whole = |x: f64| {
            let r = x.round();
            (r >= 1.0 && (x - r).abs() <= COMMENSURATE_EPS * x).then_some(r as u64)
        };
        if let Some(m) = whole(self.interval / self.period) {
            Ok(m)
        } else if whole(self.period / self.interval).is_some() {
            Err(NotApplicable::new(format!(
                "the timed mix flushes once every {} sampling intervals: its idle intervals are the same on every candidate link, which makes the candidates dependent (the model assumes them independent); it covers a flush period that divides the interval",
                (self.period / self.interval).round()
            )))
        } else {
            Err(NotApplicable::new(format!(
                "the timed mix's flush period ({} s) and the sampling interval ({} s) are not whole multiples of one another: the flushes drift against the intervals and no single per-interval law describes them",
                self.period, self.interval
            )))
        }
    }

    /// Probability that a packet arriving at a uniform time of an interval is released within
    /// it: 1 - (P - phase) / T.
    pub fn p_same(&self) -> f64 {
        1.0 - (self.period - self.phase) / self.interval
    }

    /// p(Y' = v' | X = u) on the target's port (Alice `lambda_f`, other traffic `lambda_z`).
    pub fn target_conditional(&self, u: u64, lambda_f: f64, lambda_z: f64) -> Vec<f64> {
        convolve(
            &binomial_pmf(u, self.p_same()),
            &poisson_pmf(
                lambda_f * (self.period - self.phase) + lambda_z * self.interval,
                TAIL_EPS,
            ),
        )
    }

    /// p(Y' = v') on a port of total rate `lambda_port` that does not carry the target.
    pub fn other_marginal(&self, lambda_port: f64) -> Vec<f64> {
        poisson_pmf(lambda_port * self.interval, TAIL_EPS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(p: &[f64]) -> f64 {
        p.iter().enumerate().map(|(k, &q)| k as f64 * q).sum()
    }

    #[test]
    fn flow_is_conserved_in_both_cycles() {
        let (lf, lz, t) = (100.0, 400.0, 0.01);
        for (period, phase) in [(0.005, 0.0), (0.005, 0.002), (0.01, 0.0), (0.0025, 0.001)] {
            let s = TimedStage::new(period, phase, t).expect("commensurate");
            // E[Y'] averaged over X ~ Poisson(lf T) is the port's whole input, (lf + lz) T.
            let px = poisson_pmf(lf * t, TAIL_EPS);
            let total: f64 = (0..px.len())
                .map(|u| px[u] * mean(&s.target_conditional(u as u64, lf, lz)))
                .sum();
            assert!(
                (total - (lf + lz) * t).abs() < 1e-9,
                "{period} {phase}: {total}"
            );
            assert!((mean(&s.other_marginal(lz)) - lz * t).abs() < 1e-9);
        }
    }

    #[test]
    fn p_same_by_phase() {
        let s = TimedStage::new(0.005, 0.0, 0.01).expect("T = 2P");
        assert!((s.p_same() - 0.5).abs() < 1e-12);
        let s = TimedStage::new(0.01, 0.0, 0.01).expect("T = P");
        assert_eq!(s.p_same(), 0.0);
        let s = TimedStage::new(0.005, 0.002, 0.01).expect("T = 2P");
        assert!((s.p_same() - 0.7).abs() < 1e-9);
    }

    #[test]
    fn drifting_flushes_are_refused() {
        let e = TimedStage::new(0.003, 0.0, 0.01).expect_err("3 ms does not divide 10 ms");
        assert!(e.reason.contains("not whole multiples"), "{e}");
        let e = TimedStage::new(0.04, 0.0, 0.01).expect_err("one flush every 4 intervals");
        assert!(e.reason.contains("once every 4 sampling intervals"), "{e}");
        assert!(
            TimedStage::new(0.01, 0.01, 0.01).is_err(),
            "phase out of range"
        );
    }
}
