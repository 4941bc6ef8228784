//! Traffic models: arrival processes that tell a sender when to emit its next packet, and the
//! closed-loop TCP model ([`tcp`]) and trace replay ([`replay`]).
//!
//! Each model draws from the sender's own random stream, so a flow's packet times depend only
//! on (seed, trial, flow).

pub mod interactive;
pub mod replay;
pub mod tcp;

use crate::engine::{time, SimRng, SimTime};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// A flow's traffic model and its parameters (rates in pkt/s, times in ns), as a scenario
/// resolves it.
#[derive(Debug, Clone, PartialEq)]
pub enum Traffic {
    Poisson {
        rate: f64,
    },
    Constant {
        rate: f64,
    },
    OnOff {
        rate: f64,
        on: SimTime,
        off: SimTime,
    },
    /// A bulk TCP transfer: closed-loop, its rate is whatever the network lets it have.
    Tcp(tcp::TcpParams),
    /// Packet times (and sizes) replayed from a file, shifted to start at the flow's `start`.
    Trace(std::sync::Arc<replay::TraceData>),
    /// SSH-like interactive traffic.
    Interactive(interactive::InteractiveParams),
}

impl Traffic {
    /// Long-run mean packet rate (pkt/s) of an open-loop model; 0 for TCP, which adapts to the
    /// network rather than loading it at a set rate.
    pub fn mean_rate(&self) -> f64 {
        match *self {
            Traffic::Poisson { rate } | Traffic::Constant { rate } => rate,
            Traffic::OnOff { rate, on, off } => rate * on as f64 / (on + off) as f64,
            Traffic::Tcp(_) => 0.0,
            Traffic::Trace(ref t) => t.mean_rate(),
            Traffic::Interactive(ref p) => p.rate,
        }
    }

    /// The TCP parameters, for a TCP flow.
    pub fn tcp(&self) -> Option<&tcp::TcpParams> {
        match self {
            Traffic::Tcp(p) => Some(p),
            _ => None,
        }
    }
}

/// Open-loop arrival process: the gap before the next packet.
#[derive(Debug, Clone)]
pub enum ArrivalProcess {
    /// Exponential gaps of mean 1/rate.
    Poisson { mean_gap_ns: f64 },
    /// Fixed gaps of 1/rate.
    Constant { gap_ns: SimTime },
    /// Exponential on/off periods; Poisson at `rate` while on. `on_left_ns` is the unused part
    /// of the current on period.
    OnOff {
        mean_gap_ns: f64,
        mean_on_ns: f64,
        mean_off_ns: f64,
        on_left_ns: f64,
    },
    /// SSH-like interactive gaps (boxed: the other variants stay small).
    Interactive(Box<interactive::Interactive>),
}

impl ArrivalProcess {
    pub fn new(traffic: &Traffic) -> Self {
        match *traffic {
            Traffic::Poisson { rate } => ArrivalProcess::Poisson {
                mean_gap_ns: time::S as f64 / rate,
            },
            Traffic::Constant { rate } => ArrivalProcess::Constant {
                gap_ns: (time::S as f64 / rate).round().max(1.0) as SimTime,
            },
            Traffic::OnOff { rate, on, off } => ArrivalProcess::OnOff {
                mean_gap_ns: time::S as f64 / rate,
                mean_on_ns: on as f64,
                mean_off_ns: off as f64,
                on_left_ns: -1.0,
            },
            Traffic::Interactive(ref p) => ArrivalProcess::Interactive(Box::new(
                interactive::Interactive::new(p).expect("validated when the scenario was loaded"),
            )),
            // Closed-loop: the network drives a TCP flow from its ACKs, never from gaps. A gap
            // that never ends keeps the process well defined.
            Traffic::Tcp(_) | Traffic::Trace(_) => ArrivalProcess::Constant {
                gap_ns: SimTime::MAX,
            },
        }
    }

    /// Time from the previous packet (or from the flow's start) to the next one.
    #[inline(always)]
    pub fn next_gap(&mut self, rng: &mut SimRng) -> SimTime {
        // Poisson gaps are the hot path of open-loop scenarios: drawn inline, the rest in a call.
        if let ArrivalProcess::Poisson { mean_gap_ns } = self {
            return poisson_gap(*mean_gap_ns, rng);
        }
        self.next_other_gap(rng)
    }

    #[inline(never)]
    fn next_other_gap(&mut self, rng: &mut SimRng) -> SimTime {
        match self {
            ArrivalProcess::Poisson { mean_gap_ns } => poisson_gap(*mean_gap_ns, rng),
            ArrivalProcess::Constant { gap_ns } => *gap_ns,
            ArrivalProcess::Interactive(p) => p.next_gap(rng),
            ArrivalProcess::OnOff {
                mean_gap_ns,
                mean_on_ns,
                mean_off_ns,
                on_left_ns,
            } => {
                // Memorylessness: an exponential gap that overruns the on period is cut there; the
                // remainder is redrawn in the next on period after an off period.
                let mut elapsed = 0.0;
                if *on_left_ns < 0.0 {
                    // First call: start in a random phase of the stationary on/off cycle.
                    let p_on = *mean_on_ns / (*mean_on_ns + *mean_off_ns);
                    if rng.random::<f64>() >= p_on {
                        let off: f64 = Exp1.sample(rng);
                        elapsed += off * *mean_off_ns;
                    }
                    let on: f64 = Exp1.sample(rng);
                    *on_left_ns = on * *mean_on_ns;
                }
                loop {
                    let e: f64 = Exp1.sample(rng);
                    let gap = e * *mean_gap_ns;
                    if gap <= *on_left_ns {
                        *on_left_ns -= gap;
                        return time::from_ns_f64(elapsed + gap);
                    }
                    elapsed += *on_left_ns;
                    let off: f64 = Exp1.sample(rng);
                    elapsed += off * *mean_off_ns;
                    let on: f64 = Exp1.sample(rng);
                    *on_left_ns = on * *mean_on_ns;
                }
            }
        }
    }
}

/// An exponential gap of mean `mean_gap_ns`.
#[inline(always)]
fn poisson_gap(mean_gap_ns: f64, rng: &mut SimRng) -> SimTime {
    let e: f64 = Exp1.sample(rng);
    time::from_ns_f64(e * mean_gap_ns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn mean_rate(t: Traffic, n: usize) -> f64 {
        let mut p = ArrivalProcess::new(&t);
        let mut rng = stream(9, 0, 0);
        let total: u64 = (0..n).map(|_| p.next_gap(&mut rng)).sum();
        n as f64 / time::to_secs_f64(total)
    }

    #[test]
    fn long_run_rates() {
        let r = mean_rate(Traffic::Poisson { rate: 200.0 }, 200_000);
        // Relative std of the mean gap is 1/sqrt(n) = 0.22%; allow 5 of them.
        assert!((r / 200.0 - 1.0).abs() < 0.011, "{r}");
        assert!((mean_rate(Traffic::Constant { rate: 1000.0 }, 1000) - 1000.0).abs() < 1e-6);
        let on_off = Traffic::OnOff {
            rate: 100.0,
            on: time::S,
            off: 3_000_000_000,
        };
        let r = mean_rate(on_off, 400_000);
        // Mean rate 25 pkt/s; on/off cycles make it noisier (about 1000 cycles): allow 10%.
        assert!((r / 25.0 - 1.0).abs() < 0.10, "{r}");
    }
}
