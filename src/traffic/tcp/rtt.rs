//! Round-trip time estimation and the retransmission timeout, as in RFC 6298.
//!
//! The first sample R sets SRTT = R and RTTVAR = R/2; later ones update
//! RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| and then SRTT = 7/8 SRTT + 1/8 R (section 2). The timeout
//! is RTO = SRTT + max(G, 4 RTTVAR), clamped to [min_rto, max_rto]; before any sample it is the
//! initial RTO (1 s by default, section 2.1). Each expiry doubles it (section 5.5, "back off the
//! timer"), up to max_rto; a new sample recomputes it from SRTT and RTTVAR, which ends the backoff.
//! Karn's rule (section 3: no samples from retransmitted segments) is the sender's business: it
//! only offers samples from segments sent once.

use crate::engine::SimTime;

/// RFC 6298 estimator. Times in nanoseconds.
#[derive(Debug, Clone)]
pub struct RttEstimator {
    srtt: f64,
    rttvar: f64,
    has_sample: bool,
    rto: SimTime,
    min_rto: SimTime,
    max_rto: SimTime,
    /// Clock granularity G.
    granularity: SimTime,
}

impl RttEstimator {
    /// A fresh estimator: RTO = `initial_rto` until the first sample.
    pub fn new(initial_rto: SimTime, min_rto: SimTime, max_rto: SimTime) -> Self {
        RttEstimator {
            srtt: 0.0,
            rttvar: 0.0,
            has_sample: false,
            rto: initial_rto.clamp(min_rto, max_rto),
            min_rto,
            max_rto,
            granularity: 1_000_000,
        }
    }

    /// Take an RTT measurement (from a segment transmitted once).
    pub fn sample(&mut self, r: SimTime) {
        let r = r as f64;
        if self.has_sample {
            self.rttvar = 0.75 * self.rttvar + 0.25 * (self.srtt - r).abs();
            self.srtt = 0.875 * self.srtt + 0.125 * r;
        } else {
            self.srtt = r;
            self.rttvar = r / 2.0;
            self.has_sample = true;
        }
        let rto = self.srtt + (4.0 * self.rttvar).max(self.granularity as f64);
        self.rto = (rto.round() as SimTime).clamp(self.min_rto, self.max_rto);
    }

    /// The timer expired: double the RTO (RFC 6298 5.5), capped at max_rto.
    pub fn backoff(&mut self) {
        self.rto = self.rto.saturating_mul(2).min(self.max_rto);
    }

    /// The current retransmission timeout.
    pub fn rto(&self) -> SimTime {
        self.rto
    }

    /// Smoothed RTT (ns), if any sample was taken.
    pub fn srtt(&self) -> Option<f64> {
        self.has_sample.then_some(self.srtt)
    }

    pub fn rttvar(&self) -> f64 {
        self.rttvar
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MS: SimTime = 1_000_000;

    #[test]
    fn rfc6298_updates() {
        let mut e = RttEstimator::new(1000 * MS, 200 * MS, 60_000 * MS);
        assert_eq!(e.rto(), 1000 * MS);
        e.sample(100 * MS);
        // SRTT = 100, RTTVAR = 50, RTO = 100 + 200 = 300 ms.
        assert_eq!(e.rto(), 300 * MS);
        e.sample(100 * MS);
        // RTTVAR = 37.5, SRTT = 100: RTO = 250 ms.
        assert_eq!(e.rto(), 250 * MS);
        for _ in 0..50 {
            e.sample(100 * MS);
        }
        // RTTVAR decays towards 0, RTO to max(SRTT + G, min_rto) = 200 ms.
        assert_eq!(e.rto(), 200 * MS);
        e.backoff();
        e.backoff();
        assert_eq!(e.rto(), 800 * MS);
        e.sample(100 * MS);
        assert_eq!(e.rto(), 200 * MS, "a new sample ends the backoff");
        for _ in 0..20 {
            e.backoff();
        }
        assert_eq!(e.rto(), 60_000 * MS, "capped at max_rto");
    }
}
