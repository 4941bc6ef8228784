//! Internet-path decorators: Gaussian jitter and random loss, as [`Stage`]s.

use super::packet::{DropReason, Packet};
use super::stage::{Stage, StageOutcome};
use crate::engine::{time, SimRng, SimTime};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The law of a path's per-packet jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JitterModel {
    /// max(0, N(0, sigma^2)) on top of the link's delay: half the packets get no extra delay
    /// and the mean shift is sigma / sqrt(2 pi).
    #[default]
    Truncated,
    /// The link's delay is a fixed delay about which the packet's delay is N(0, sigma^2): zero
    /// mean, both signs (the model of watermark analyses such as SWIRL's). A draw is clamped so
    /// that a packet never arrives before it left (below minus the fixed delay), which for a
    /// fixed delay of 5 sigma or more happens with probability under 3e-7.
    Symmetric,
}

/// Per-packet jitter as a [`Stage`]: Gaussian with standard deviation `sigma`, either
/// truncated at zero or symmetric about the fixed delay ([`JitterModel`]). With
/// `order_preserving`, a packet never leaves before the one offered before it (its release is
/// pushed back to that packet's release).
///
/// This is the one jitter of mixsim: links use it through their `jitter`, `jitter_model` and
/// `order_preserving` keys.
#[derive(Debug, Clone)]
pub struct Jitter {
    sigma_ns: f64,
    /// How far a draw may move a packet earlier than the time it is offered (0 for the
    /// truncated model, the fixed delay for the symmetric one).
    max_advance_ns: f64,
    order_preserving: bool,
    last_release: SimTime,
}

impl Jitter {
    /// Whether releases keep the order packets were offered in.
    pub fn preserves_order(&self) -> bool {
        self.order_preserving
    }

    /// Truncated jitter (never earlier than offered).
    pub fn new(sigma: SimTime, order_preserving: bool) -> Self {
        Self::with_model(sigma, JitterModel::Truncated, 0, order_preserving)
    }

    /// Jitter of `model`, offered packets that already carry a fixed delay of `fixed` (the
    /// symmetric model may take back up to all of it, never more).
    pub fn with_model(
        sigma: SimTime,
        model: JitterModel,
        fixed: SimTime,
        order_preserving: bool,
    ) -> Self {
        Jitter {
            sigma_ns: sigma as f64,
            max_advance_ns: match model {
                JitterModel::Truncated => 0.0,
                JitterModel::Symmetric => fixed as f64,
            },
            order_preserving,
            last_release: 0,
        }
    }
}

impl Stage for Jitter {
    #[inline]
    fn offer(&mut self, now: SimTime, _pkt: &Packet, rng: &mut SimRng) -> StageOutcome {
        let z: f64 = StandardNormal.sample(rng);
        let shift = (z * self.sigma_ns).max(-self.max_advance_ns);
        let mut release = if shift >= 0.0 {
            now + time::from_ns_f64(shift)
        } else {
            now.saturating_sub(time::from_ns_f64(-shift))
        };
        if self.order_preserving {
            release = release.max(self.last_release);
            self.last_release = release;
        }
        StageOutcome::Release(release)
    }
}

/// Independent loss with probability `p` per packet, and optionally an outage: every packet
/// offered in [from, until) is lost.
#[derive(Debug, Clone)]
pub struct Loss {
    p: f64,
    outage: Option<(SimTime, SimTime)>,
}

impl Loss {
    pub fn new(p: f64) -> Self {
        Loss { p, outage: None }
    }

    /// A loss stage that also drops everything in [from, until).
    pub fn with_outage(mut self, from: SimTime, until: SimTime) -> Self {
        self.outage = Some((from, until));
        self
    }
}

impl Stage for Loss {
    #[inline]
    fn offer(&mut self, now: SimTime, _pkt: &Packet, rng: &mut SimRng) -> StageOutcome {
        if let Some((from, until)) = self.outage {
            if now >= from && now < until {
                return StageOutcome::Drop(DropReason::PathLoss);
            }
        }
        if self.p > 0.0 && rng.random::<f64>() < self.p {
            StageOutcome::Drop(DropReason::PathLoss)
        } else {
            StageOutcome::Release(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn pkt() -> Packet {
        Packet::new(0, 0, 100, 0)
    }

    #[test]
    fn jitter_never_advances_and_keeps_order_when_asked() {
        let mut rng = stream(1, 0, 0);
        let mut j = Jitter::new(5_000_000, true);
        let mut last = 0;
        for i in 0..10_000u64 {
            let now = i * 1_000_000;
            let StageOutcome::Release(t) = j.offer(now, &pkt(), &mut rng) else {
                panic!()
            };
            assert!(t >= now && t >= last);
            last = t;
        }
    }

    #[test]
    fn truncated_gaussian_mean() {
        // E[max(0, Z sigma)] = sigma / sqrt(2 pi).
        let mut rng = stream(2, 0, 0);
        let sigma = 10_000_000u64;
        let mut j = Jitter::new(sigma, false);
        let n = 200_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let StageOutcome::Release(t) = j.offer(0, &pkt(), &mut rng) else {
                panic!()
            };
            sum += t as f64;
        }
        let mean = sum / n as f64;
        let expect = sigma as f64 / (2.0 * std::f64::consts::PI).sqrt();
        // Std of the mean: sigma * sqrt(1/2 - 1/(2 pi)) / sqrt(n) ~ 0.0013 sigma; allow 5 of them.
        assert!(
            (mean - expect).abs() < 5.0 * 0.0013 * sigma as f64,
            "{mean} vs {expect}"
        );
    }

    #[test]
    fn symmetric_jitter_has_zero_mean_and_the_right_spread() {
        // Fixed delay 60 ms, sigma 9 ms: the clamp (Z < -6.7) never binds in 200 000 draws, so
        // the shift is N(0, sigma^2): mean within 5 standard errors of 0, variance within 5 of
        // its own standard errors (sd of the sample variance is sigma^2 sqrt(2/n)).
        let mut rng = stream(4, 0, 0);
        let (sigma, fixed) = (9_000_000u64, 60_000_000u64);
        let mut j = Jitter::with_model(sigma, JitterModel::Symmetric, fixed, false);
        let n = 200_000;
        let shifts: Vec<f64> = (0..n)
            .map(|_| {
                let StageOutcome::Release(t) = j.offer(fixed, &pkt(), &mut rng) else {
                    panic!()
                };
                t as f64 - fixed as f64
            })
            .collect();
        let mean = shifts.iter().sum::<f64>() / n as f64;
        let var = shifts.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let s = sigma as f64;
        assert!(mean.abs() < 5.0 * s / (n as f64).sqrt(), "{mean}");
        assert!(
            (var / (s * s) - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(),
            "{}",
            var / (s * s)
        );
        assert!(shifts.iter().any(|&x| x < 0.0), "both signs");
    }

    #[test]
    fn symmetric_jitter_never_takes_back_more_than_the_fixed_delay() {
        // sigma far above the fixed delay: many draws clamp at "arrives as it left".
        let mut rng = stream(5, 0, 0);
        let mut j = Jitter::with_model(50_000_000, JitterModel::Symmetric, 1_000_000, true);
        let mut last = 0;
        for i in 0..10_000u64 {
            let now = 2_000_000 + i * 100_000;
            let StageOutcome::Release(t) = j.offer(now, &pkt(), &mut rng) else {
                panic!()
            };
            assert!(t + 1_000_000 >= now, "earlier than departure");
            assert!(t >= last, "order kept");
            last = t;
        }
    }

    #[test]
    fn loss_rate() {
        let mut rng = stream(3, 0, 0);
        let mut l = Loss::new(0.1);
        let n = 100_000;
        let lost = (0..n)
            .filter(|_| matches!(l.offer(0, &pkt(), &mut rng), StageOutcome::Drop(_)))
            .count();
        // Binomial std = sqrt(n p (1-p)) ~ 95; allow 5 of them.
        assert!((lost as f64 - 10_000.0).abs() < 475.0, "{lost}");
    }
}
