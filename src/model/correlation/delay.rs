//! The mix's delay module as an M/M/inf queue (seed 000, section 5.4 and appendix A), in
//! closed form.
//!
//! Each packet is held for an independent Exp(mu) time, mu = 1 / t_avg. Over one sampling
//! interval of length T, the packets that leave the mix on one output port come from:
//! - the target flow's u arrivals in the interval (X = u): an arrival at a uniform time in the
//!   interval leaves before its end with probability
//!   `p_same = 1 - (1 - e^{-mu T}) / (mu T)`, independently, so Binomial(u, p_same);
//! - other traffic arriving on the same port at rate lambda_z: Poisson(lambda_z T p_same);
//! - packets already held at the interval's start that will leave on this port: the M/M/inf
//!   occupancy is Poisson(lambda_port / mu) with lambda_port the port's total rate, and each
//!   leaves within T with probability 1 - e^{-mu T} (memorylessness):
//!   Poisson((lambda_port / mu)(1 - e^{-mu T})).
//!
//! Hence, for the target's port (lambda_port = lambda_f + lambda_z),
//! `Y' | X=u  =  Binomial(u, p_same) + Poisson(lambda_z T p_same + ((lambda_f + lambda_z)/mu)(1 - e^{-mu T}))`,
//! and for any other port Y' ~ Poisson(lambda_port T) independent of X. This is exactly what
//! the appendix's nested integrals (eqs 13, 16-19) evaluate to: its p_u(lambda_f, S_d) is the
//! joint probability of u arrivals and of the departures S_d, so summed over |S_d| = n_f and
//! divided by P(X = u) it gives the binomial term; the "C1" of eq. (18) is the delay rate mu.
//! The tests check this against direct numerical integration of the printed integrals.
//!
//! Flow is conserved: E[Y'] = lambda_port T p_same + (lambda_port/mu)(1 - e^{-mu T}) =
//! lambda_port T exactly, and the marginal of Y' is Poisson(lambda_port T).
//!
//! The model treats successive intervals as independent; in reality the held-over count of
//! one interval depends on the previous intervals' arrivals. The per-interval joint law above
//! is nevertheless exact for a stationary mix.

use super::dist::{binomial_pmf, convolve, poisson_pmf, TAIL_EPS};

/// The delay stage for one sampling interval.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct DelayStage {
    /// Mean hold t_avg in seconds (0 = no delay: every packet leaves at once).
    pub t_avg: f64,
    /// Sampling interval T in seconds.
    pub interval: f64,
}

impl DelayStage {
    pub fn new(t_avg: f64, interval: f64) -> DelayStage {
        assert!(
            t_avg >= 0.0 && t_avg.is_finite(),
            "t_avg must be finite and >= 0"
        );
        assert!(
            interval > 0.0 && interval.is_finite(),
            "interval must be finite and > 0"
        );
        DelayStage { t_avg, interval }
    }

    /// mu T = T / t_avg (infinite without delay).
    pub fn mu_t(&self) -> f64 {
        if self.t_avg == 0.0 {
            f64::INFINITY
        } else {
            self.interval / self.t_avg
        }
    }

    /// Probability that a packet arriving at a uniform time in the interval leaves within it:
    /// 1 - (1 - e^{-mu T}) / (mu T).
    pub fn p_same(&self) -> f64 {
        let x = self.mu_t();
        if x.is_infinite() {
            1.0
        } else {
            // (x - (1 - e^{-x})) / x; for small x use the series x/2 - x^2/6 + x^3/24.
            if x < 1e-4 {
                x / 2.0 - x * x / 6.0 + x * x * x / 24.0
            } else {
                (x + (-x).exp_m1()) / x
            }
        }
    }

    /// Probability that a packet held at the interval's start leaves within it: 1 - e^{-mu T}.
    pub fn p_held_leaves(&self) -> f64 {
        -(-self.mu_t()).exp_m1()
    }

    /// Mean number of packets held at the interval's start for a port of total rate
    /// `lambda_port` (lambda_port * t_avg).
    pub fn held_mean(&self, lambda_port: f64) -> f64 {
        lambda_port * self.t_avg
    }

    /// Mean of the Poisson part of Y' on the target's port:
    /// lambda_z T p_same + ((lambda_f + lambda_z) / mu)(1 - e^{-mu T}).
    pub fn target_noise_mean(&self, lambda_f: f64, lambda_z: f64) -> f64 {
        lambda_z * self.interval * self.p_same()
            + self.held_mean(lambda_f + lambda_z) * self.p_held_leaves()
    }

    /// p(Y' = v' | X = u) on the target's port, for v' = 0, 1, ... (truncated).
    pub fn target_conditional(&self, u: u64, lambda_f: f64, lambda_z: f64) -> Vec<f64> {
        convolve(
            &binomial_pmf(u, self.p_same()),
            &poisson_pmf(self.target_noise_mean(lambda_f, lambda_z), TAIL_EPS),
        )
    }

    /// p(Y' = v') on a port of total rate `lambda_port` that does not carry the target:
    /// Poisson(lambda_port T p_same + (lambda_port / mu)(1 - e^{-mu T})) = Poisson(lambda_port T).
    pub fn other_marginal(&self, lambda_port: f64) -> Vec<f64> {
        let m = lambda_port * self.interval * self.p_same()
            + self.held_mean(lambda_port) * self.p_held_leaves();
        poisson_pmf(m, TAIL_EPS)
    }
}
