//! Candidate links padded to a slot clock: what the adversary counts on them.
//!
//! A padded link starts one transmission at every slot, a real packet if one waits and a dummy
//! otherwise. When dummies and real packets have the same size, every slot yields one
//! departure whatever the traffic, so the link's count series is a function of the slot clock
//! alone and is independent of the target's flow (I = 0 on that link):
//! - **constant** padding at `rate`, with `rate T` a whole number c: exactly c departures in
//!   every interval (a constant series, whose plug-in estimate is exactly 0);
//! - **Poisson** padding at `rate`: the slots are a Poisson process, each transmission takes
//!   the service time D and starts at its slot or when the previous one ends, so the
//!   departures are those of an M/D/1 queue fed at `rate`; their count per interval is the
//!   exact link stage's marginal ([`super::exact`]) for a Poisson input of that rate, or
//!   Poisson(rate T) on a link too fast to queue.
//!
//! With different dummy and packet sizes the departures would depend on which slots carry real
//! packets, and with constant padding whose `rate T` is not whole the count alternates on a
//! fixed pattern; neither has a law here (the caller reports the model as not applicable).

use super::dist::{poisson_pmf, TAIL_EPS};
use super::exact::ExactLink;
use super::NotApplicable;

/// A padded candidate link as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPadding {
    /// Constant padding with exactly `per_interval` slots in every sampling interval.
    Constant { per_interval: u64 },
    /// Poisson padding at `rate` slots/s; `service_rate` pkt/s of the link (None: no queueing).
    Poisson {
        rate: f64,
        service_rate: Option<f64>,
    },
}

impl LinkPadding {
    /// p(Y = v) for the padded link's count per interval of `interval` s (independent of X);
    /// `k_max` slots per packet for the exact stage. Not applicable when the slot rate is not
    /// below the link's service rate.
    pub fn marginal(&self, interval: f64, k_max: usize) -> Result<Vec<f64>, NotApplicable> {
        match *self {
            LinkPadding::Constant { per_interval } => {
                let mut p = vec![0.0; per_interval as usize + 1];
                p[per_interval as usize] = 1.0;
                Ok(p)
            }
            LinkPadding::Poisson { rate, service_rate } => {
                let poisson = || poisson_pmf(rate * interval, TAIL_EPS);
                let Some(bw) = service_rate else {
                    return Ok(poisson());
                };
                if rate >= bw {
                    return Err(NotApplicable::new(format!(
                        "Poisson padding at {rate} slots/s is not below the link's service rate {bw} pkt/s"
                    )));
                }
                Ok(match ExactLink::new(rate, bw, interval, k_max)? {
                    Some(link) => link.marginal(rate),
                    None => poisson(),
                })
            }
        }
    }

    /// Checks the inputs: positive finite rates.
    pub fn validate(&self) -> Result<(), NotApplicable> {
        match *self {
            LinkPadding::Constant { .. } => Ok(()),
            LinkPadding::Poisson { rate, service_rate } => {
                let ok = |x: f64| x.is_finite() && x > 0.0;
                if !ok(rate) || !service_rate.is_none_or(ok) {
                    return Err(NotApplicable::new(format!(
                        "Poisson padding needs a finite rate > 0 and service rate > 0, got {rate} and {service_rate:?}"
                    )));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_padding_is_a_point_mass() {
        let p = LinkPadding::Constant { per_interval: 10 }
            .marginal(0.01, 16)
            .expect("law");
        assert_eq!(p.len(), 11);
        assert_eq!(p[10], 1.0);
    }

    #[test]
    fn poisson_padding_conserves_its_rate() {
        let pad = LinkPadding::Poisson {
            rate: 1000.0,
            service_rate: Some(1250.0),
        };
        let p = pad.marginal(0.01, 16).expect("law");
        let mean: f64 = p.iter().enumerate().map(|(k, &q)| k as f64 * q).sum();
        assert!((mean - 10.0).abs() < 0.05, "mean {mean}");
        // The queue smooths the slot process: less spread than Poisson(10).
        let var: f64 = p
            .iter()
            .enumerate()
            .map(|(k, &q)| (k as f64 - mean).powi(2) * q)
            .sum();
        assert!(var < 10.0, "variance {var}");
        let fast = LinkPadding::Poisson {
            rate: 1000.0,
            service_rate: None,
        };
        assert_eq!(
            fast.marginal(0.01, 16).expect("law"),
            poisson_pmf(10.0, TAIL_EPS)
        );
    }

    #[test]
    fn saturated_padding_is_not_applicable() {
        let pad = LinkPadding::Poisson {
            rate: 1300.0,
            service_rate: Some(1250.0),
        };
        assert!(pad.marginal(0.01, 16).is_err());
    }
}
