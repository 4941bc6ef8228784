//! Internet-path decorators: Gaussian jitter and random loss, as [`Stage`]s.

use super::packet::{DropReason, Packet};
use super::stage::{Stage, StageOutcome};
use crate::engine::{time, SimRng, SimTime};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Per-packet extra delay, Gaussian with standard deviation `sigma`, truncated at zero (a
/// negative draw means no extra delay). With `order_preserving`, a packet never leaves before
/// the one offered before it (its release is pushed back to that packet's release).
#[derive(Debug, Clone)]
pub struct Jitter {
    sigma_ns: f64,
    order_preserving: bool,
    last_release: SimTime,
}

impl Jitter {
    pub fn new(sigma: SimTime, order_preserving: bool) -> Self {
        Jitter {
            sigma_ns: sigma as f64,
            order_preserving,
            last_release: 0,
        }
    }
}

impl Stage for Jitter {
    #[inline]
    fn offer(&mut self, now: SimTime, _pkt: &Packet, rng: &mut SimRng) -> StageOutcome {
        let z: f64 = StandardNormal.sample(rng);
        let extra = time::from_ns_f64((z * self.sigma_ns).max(0.0));
        let mut release = now + extra;
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
