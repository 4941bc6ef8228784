//! The composed delay of a path: what separates the target's entry series from a candidate
//! link at a later mix of its route.
//!
//! # Why
//! The hop-by-hop adversary scores, at every mix of the target's route, the mix's output links
//! against the target's packets where they entered its *first* mix. At hop k a candidate that
//! carries the target holds its packets delayed by every earlier hop (each mix's hold, each
//! link's queue wait, transmission and propagation) and by this mix's hold. The single-mix
//! model sees only the last hold (the target entering the mix afresh), so a product of
//! single-mix rates overstates the walk badly wherever the earlier hops push the target's
//! packets out of the interval they entered in.
//!
//! # The law
//! Let S be the delay from the target's arrival at its first mix to its release toward the
//! candidate link at hop k, F its distribution function. The target's arrivals are Poisson
//! (lambda_f) and, as for one mix, every packet's delay is taken as independent of the others:
//! exact for the holds (M/M/inf) and the propagation, an approximation for the link waits
//! (consecutive packets' waits in one queue are correlated; at the loads of the reference
//! scenarios the correlation is short next to the interval). Then over one interval [0, T):
//! - an arrival at a uniform time of the interval is released within it with probability
//!   `p_same = (1/T) int_0^T F(s) ds`, independently: Binomial(u, p_same) of X = u;
//! - the target's earlier arrivals released in the interval are Poisson with intensity
//!   lambda_f (1 - F(s)) at time s (mean lambda_f T (1 - p_same)), independent of X;
//! - other traffic on the port is Poisson (lambda_z): every mix on the path is exponential,
//!   and an M/M/inf mix's departures under Poisson input are Poisson.
//!
//! So `Y' | X=u = Binomial(u, p_same) + Poisson(lambda_z T + lambda_f T (1 - p_same))`: the
//! delay stage of [`super::delay`] with F in place of the exponential law (for one exponential
//! hold the two agree), and the exact link stage takes the same intensities slot by slot.
//! Flow is conserved.
//!
//! # The parts and the computation
//! S is a sum of independent parts ([`DelayPart`]): exponential holds, fixed delays
//! (propagation, transmission) and M/D/1 queue waits (a link's input is the departures of an
//! exponential mix on that port, Poisson, so by PASTA a packet waits the stationary M/D/1
//! waiting time, whose distribution function is Erlang's
//! `P(W <= t) = (1 - rho) sum_{k=0}^{floor(t/D)} e^{lambda (t - kD)} (-lambda (t - kD))^k / k!`).
//! Only F on [0, T] matters. The fixed parts shift F; the others are discretised on
//! [`CELLS`] cells of [0, T] (each cell's mass at its midpoint, a queue's atom at 0 kept exact),
//! convolved, and cut at T (the mass beyond T never reaches the interval). Erlang's sum
//! alternates; it is used while lambda T <= [`MAX_QUEUE_RATE_WINDOW`], where its rounding
//! stays below 1e-9, and refused beyond.
//!
//! As for one mix, successive intervals are treated as independent. At the scenarios' later
//! hops the earlier delays exceed T, F is 0 on [0, T), and the law says what the walk sees:
//! the target's link carries nothing of X's own interval.
//!
//! # The hops together
//! The walk's rate through hop k is the product of the per-hop rates: its decisions are taken
//! as independent, though every hop scores the same sample of X. Why that holds: write the
//! plug-in statistic as 2N I^ ~ sum over pairs (a, b) of orthonormal functions of X and Y of
//! W_ab^2, W_ab = sqrt(N) mean_i a(X_i) b(Y_i). For X independent of two candidates Y and Y'
//! (a later hop, F = 0 on [0, T)), Cov(W_ab, W'_ab') = E[b(Y) b'(Y')] for equal a and 0 for
//! different a, because X is i.i.d. from interval to interval: the two hops' scores are
//! correlated only through what Y and Y' share *in the same interval*, and a hold of tens of
//! milliseconds between them leaves little of that; the values the sample of X happens to hold
//! move every candidate's plug-in bias alike, at every hop. `examples/path_selection.rs`
//! measures it on the mixnet (the third hop's rate given the first two right against its rate
//! alone). The walk's candidates are walks, not links (`attack::path`), so the product's event,
//! right at every hop, is the one the run counts.

use super::dist::{binomial_pmf, convolve, poisson_pmf, TAIL_EPS};
use super::NotApplicable;

/// Cells of [0, T] on which the parts' laws are discretised.
pub const CELLS: usize = 2000;

/// Largest lambda T (a queue's arrival rate times the interval) for which Erlang's
/// alternating sum is used (its terms reach e^{2 lambda T} times the result).
pub const MAX_QUEUE_RATE_WINDOW: f64 = 8.0;

/// One independent part of a path's delay.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DelayPart {
    /// An exponential mix's hold of mean `mean` s.
    Hold { mean: f64 },
    /// A fixed delay (propagation, transmission), s.
    Fixed { delay: f64 },
    /// The wait in a FIFO link's queue before transmission (M/D/1): Poisson arrivals at
    /// `arrival_rate` pkt/s, `service` s per packet (the transmission itself is a `Fixed` part).
    Queue { arrival_rate: f64, service: f64 },
}

impl DelayPart {
    /// Checks the part's parameters: finite, non-negative, a queue loaded below 1.
    pub fn validate(&self, interval: f64) -> Result<(), NotApplicable> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        match *self {
            DelayPart::Hold { mean } if ok(mean) => Ok(()),
            DelayPart::Fixed { delay } if ok(delay) => Ok(()),
            DelayPart::Queue {
                arrival_rate,
                service,
            } if ok(arrival_rate) && ok(service) && service > 0.0 => {
                if arrival_rate * service >= 1.0 {
                    Err(NotApplicable::new(format!(
                        "a link on the path is loaded at {:.3}: expected a load below 1",
                        arrival_rate * service
                    )))
                } else if arrival_rate * interval > MAX_QUEUE_RATE_WINDOW {
                    Err(NotApplicable::new(format!(
                        "a link on the path receives {:.1} packets per sampling interval, more than the {MAX_QUEUE_RATE_WINDOW} for which its waiting time's law (Erlang's alternating sum) is computed accurately",
                        arrival_rate * interval
                    )))
                } else {
                    Ok(())
                }
            }
            other => Err(NotApplicable::new(format!(
                "a path delay part has parameters that are not finite and >= 0: {other:?}"
            ))),
        }
    }
}

/// Erlang's M/D/1 waiting-time distribution function at `t` >= 0.
pub fn md1_wait_cdf(arrival_rate: f64, service: f64, t: f64) -> f64 {
    let rho = arrival_rate * service;
    let mut sum = 0.0;
    let mut k = 0u32;
    while f64::from(k) * service <= t {
        let x = arrival_rate * (t - f64::from(k) * service);
        // e^x (-x)^k / k!, by logs of the magnitude.
        let ln_fact: f64 = (1..=k).map(|i| f64::from(i).ln()).sum();
        let mag = if x == 0.0 {
            if k == 0 {
                1.0
            } else {
                0.0
            }
        } else {
            (x + f64::from(k) * x.ln() - ln_fact).exp()
        };
        sum += if k.is_multiple_of(2) { mag } else { -mag };
        k += 1;
    }
    ((1.0 - rho) * sum).clamp(0.0, 1.0)
}

/// The law of a path's delay S on [0, T].
#[derive(Debug, Clone)]
pub struct ComposedDelay {
    /// Sampling interval T, s.
    pub interval: f64,
    /// The sum of the fixed parts, s.
    fixed: f64,
    /// Lattice step (half a cell), s.
    step: f64,
    /// Prefix sums over lattice points i*step: mass and mass times position, of the non-fixed
    /// parts' sum V (S = fixed + V).
    mass: Vec<f64>,
    moment: Vec<f64>,
}

impl ComposedDelay {
    /// The law of the sum of `parts` at interval `interval`, or why it is not computed.
    pub fn new(parts: &[DelayPart], interval: f64) -> Result<ComposedDelay, NotApplicable> {
        if !(interval.is_finite() && interval > 0.0) {
            return Err(NotApplicable::new(format!(
                "the interval must be finite and > 0, got {interval}"
            )));
        }
        for p in parts {
            p.validate(interval)?;
        }
        let step = interval / (2 * CELLS) as f64;
        let len = 2 * CELLS + 1;
        let mut law = vec![0.0; len];
        law[0] = 1.0;
        let mut fixed = 0.0;
        for p in parts {
            let part = match *p {
                DelayPart::Fixed { delay } => {
                    fixed += delay;
                    continue;
                }
                DelayPart::Hold { mean } => cells(len, step, |t| {
                    if mean == 0.0 {
                        1.0
                    } else {
                        -(-t / mean).exp_m1()
                    }
                }),
                DelayPart::Queue {
                    arrival_rate,
                    service,
                } => cells(len, step, |t| md1_wait_cdf(arrival_rate, service, t)),
            };
            let mut out = convolve(&law, &part);
            out.truncate(len);
            law = out;
        }
        let (mut mass, mut moment) = (vec![0.0; len + 1], vec![0.0; len + 1]);
        for (i, &m) in law.iter().enumerate() {
            mass[i + 1] = mass[i] + m;
            moment[i + 1] = moment[i] + m * i as f64 * step;
        }
        Ok(ComposedDelay {
            interval,
            fixed,
            step,
            mass,
            moment,
        })
    }

    /// int_0^y F_V(v) dv for the non-fixed sum V, y <= T.
    fn integral_v(&self, y: f64) -> f64 {
        if y <= 0.0 {
            return 0.0;
        }
        // Lattice points strictly below y.
        let count = ((y / self.step).ceil() as usize).min(self.mass.len() - 1);
        y * self.mass[count] - self.moment[count]
    }

    /// int_a^b F(s) ds for 0 <= a <= b <= T.
    pub fn cdf_integral(&self, a: f64, b: f64) -> f64 {
        (self.integral_v(b - self.fixed) - self.integral_v(a - self.fixed)).max(0.0)
    }

    /// F(s) for 0 <= s <= T (right-continuous steps of the discretised law).
    pub fn cdf(&self, s: f64) -> f64 {
        let y = s - self.fixed;
        if y < 0.0 {
            return 0.0;
        }
        let count = ((y / self.step).floor() as usize + 1).min(self.mass.len() - 1);
        self.mass[count]
    }

    /// Probability that an arrival at a uniform time of an interval is released within it.
    pub fn p_same(&self) -> f64 {
        (self.cdf_integral(0.0, self.interval) / self.interval).clamp(0.0, 1.0)
    }

    /// p(Y' = v' | X = u) on the target's port (the target `lambda_f`, other traffic
    /// `lambda_z`).
    pub fn target_conditional(&self, u: u64, lambda_f: f64, lambda_z: f64) -> Vec<f64> {
        let p = self.p_same();
        convolve(
            &binomial_pmf(u, p),
            &poisson_pmf(
                lambda_z * self.interval + lambda_f * self.interval * (1.0 - p),
                TAIL_EPS,
            ),
        )
    }

    /// p(Y' = v') on a port of total rate `lambda_port` that does not carry the target.
    pub fn other_marginal(&self, lambda_port: f64) -> Vec<f64> {
        poisson_pmf(lambda_port * self.interval, TAIL_EPS)
    }
}

/// A law on the lattice of step `step` (cells of width 2 step): the atom F(0) at 0 and each
/// cell's mass at its midpoint.
fn cells(len: usize, step: f64, cdf: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut out = vec![0.0; len];
    out[0] = cdf(0.0);
    let mut prev = out[0];
    for j in 0..(len - 1) / 2 {
        let next = cdf((2 * j + 2) as f64 * step);
        out[2 * j + 1] = (next - prev).max(0.0);
        prev = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::correlation::DelayStage;

    #[test]
    fn one_hold_is_the_single_mix_delay_stage() {
        for (t_avg, t) in [(0.02, 0.01), (0.005, 0.01), (0.1, 0.01)] {
            let c = ComposedDelay::new(&[DelayPart::Hold { mean: t_avg }], t).unwrap();
            let d = DelayStage::new(t_avg, t);
            assert!(
                (c.p_same() - d.p_same()).abs() < 1e-6,
                "{t_avg}: {} against {}",
                c.p_same(),
                d.p_same()
            );
        }
    }

    #[test]
    fn erlang_wait_has_the_pollaczek_khinchine_mean() {
        // E[W] = rho D / (2 (1 - rho)); integrate 1 - F over a long window.
        let (lambda, d) = (400.0, 0.001);
        let rho = lambda * d;
        let h = 1e-6;
        let mean: f64 = (0..20_000)
            .map(|i| (1.0 - md1_wait_cdf(lambda, d, (i as f64 + 0.5) * h)) * h)
            .sum();
        let want = rho * d / (2.0 * (1.0 - rho));
        assert!((mean - want).abs() < 1e-3 * want, "{mean} against {want}");
        assert!((md1_wait_cdf(lambda, d, 0.0) - (1.0 - rho)).abs() < 1e-15);
    }

    #[test]
    fn fixed_delays_shift_and_long_paths_leave_nothing_in_the_interval() {
        let t = 0.01;
        let hold = DelayPart::Hold { mean: 0.02 };
        let a = ComposedDelay::new(&[hold], t).unwrap();
        let b = ComposedDelay::new(&[hold, DelayPart::Fixed { delay: 0.004 }], t).unwrap();
        // Shifting by 4 ms: int_0^T F(s - 4ms) = int_0^{6ms} F.
        assert!((b.cdf_integral(0.0, t) - a.cdf_integral(0.0, 0.006)).abs() < 1e-12);
        assert!(b.p_same() < a.p_same());
        let far = ComposedDelay::new(&[hold, DelayPart::Fixed { delay: 0.012 }], t).unwrap();
        assert_eq!(far.p_same(), 0.0);
        // Flow: E[Y'] over X ~ Poisson is lambda_port T.
        let px = poisson_pmf(1.0, TAIL_EPS);
        let m: f64 = (0..px.len())
            .map(|u| {
                let row = b.target_conditional(u as u64, 100.0, 400.0);
                px[u]
                    * row
                        .iter()
                        .enumerate()
                        .map(|(k, q)| k as f64 * q)
                        .sum::<f64>()
            })
            .sum();
        assert!((m - 5.0).abs() < 1e-9, "{m}");
    }

    #[test]
    fn two_holds_match_the_hypoexponential_law() {
        // S = E1 + E2, means 20 and 10 ms: F(s) = 1 - (a e^{-s/a} - b e^{-s/b}) / (a - b).
        let (a, b, t) = (0.02, 0.01, 0.01);
        let c = ComposedDelay::new(
            &[DelayPart::Hold { mean: a }, DelayPart::Hold { mean: b }],
            t,
        )
        .unwrap();
        for s in [0.001, 0.005, 0.0099] {
            let want = 1.0 - (a * (-s / a).exp() - b * (-s / b).exp()) / (a - b);
            assert!((c.cdf(s) - want).abs() < 2e-3, "{s}: {} {want}", c.cdf(s));
        }
        // p_same by quadrature of the closed form.
        let n = 100_000;
        let want: f64 = (0..n)
            .map(|i| {
                let s = (i as f64 + 0.5) * t / n as f64;
                1.0 - (a * (-s / a).exp() - b * (-s / b).exp()) / (a - b)
            })
            .sum::<f64>()
            / n as f64;
        assert!((c.p_same() - want).abs() < 1e-4, "{} {want}", c.p_same());
    }

    #[test]
    fn refuses_what_it_cannot_compute() {
        let q = DelayPart::Queue {
            arrival_rate: 2000.0,
            service: 0.0008,
        };
        assert!(ComposedDelay::new(&[q], 0.01).is_err(), "load 1.6");
        let q = DelayPart::Queue {
            arrival_rate: 1000.0,
            service: 0.0001,
        };
        let e = ComposedDelay::new(&[q], 0.01).expect_err("10 per interval");
        assert!(e.reason.contains("Erlang"), "{e}");
        assert!(ComposedDelay::new(&[DelayPart::Fixed { delay: -1.0 }], 0.01).is_err());
    }
}
