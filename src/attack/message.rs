//! Anonymity per message: the adversary's probability distribution over the messages a tagged
//! message could be when it leaves the mixes, and its Shannon entropy in bits (Serjantov and
//! Danezis, "Towards an information theoretic metric for anonymity", PET 2002).
//!
//! The adversary watches every mix: each packet reaching it (the arrive point of its input
//! links) and each packet it releases (the enqueue point of its output links), times only, no
//! labels. It tags one message where it enters its first mix and follows the probability that
//! the tagged message is inside each mix:
//!
//! - a packet that arrives carries its own probability of being the tagged message (1 for the
//!   tagged one, what its sending mix gave it for a packet from another mix, 0 from a host);
//!   the mix's mass M grows by it and its count c of held packets by one;
//! - a packet that leaves is each held packet with the same probability 1/c: the mixes are
//!   exponential, so how long a packet has waited says nothing about when it leaves
//!   (memorylessness). It carries M / c, and M falls by as much;
//! - a packet released onto a link to another mix reaches that mix in the order it was sent
//!   (links are first-in first-out), carrying its probability along; one released to a host
//!   is an exit, one of the messages the tagged message could be.
//!
//! At the end of the observation, what is still inside a mix is spread evenly over the packets
//! it holds (each as likely to be the tagged one, by the same memorylessness), and a packet
//! still on a link keeps its own probability. The entropy sums -p log2 p over all of these.
//!
//! Assumptions, stated because they are the adversary's: exponential holds (for another mix
//! strategy the even split is not the posterior), links that neither drop, lose nor reorder
//! packets (the k-th packet sent is the k-th to arrive), and traces from the start of the trial
//! (to know how many packets each mix holds).
//!
//! [`crate::model::pool_entropy`] gives the expected entropy of one exponential mix in steady
//! state under Poisson arrivals, to compare with.

use super::{Needs, Observation, Packet, Point, Watch};
use crate::engine::SimTime;

/// One mix as the adversary sees it: the links into it and out of it, and, per output link,
/// the mix it leads to (`None`: a host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedMix {
    pub inputs: Vec<usize>,
    pub outputs: Vec<(usize, Option<usize>)>,
}

/// The adversary's view of the mixes and where it tags the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTracker {
    pub mixes: Vec<WatchedMix>,
    /// The link on which the tagged message enters its first mix (it must be an input of a
    /// mix); the tagged message is the first packet arriving on it at or after `tag_after`.
    pub entry: usize,
    pub tag_after: SimTime,
}

/// The distribution of one tagged message over the messages it could be.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageAnonymity {
    /// Arrival time of the tagged message at its first mix.
    pub tagged_at: SimTime,
    /// Probability per exit (a packet a mix released to a host), in release order per link,
    /// links in the order of the mixes' outputs.
    pub exits: Vec<f64>,
    /// Probability still inside a mix or on a link between mixes when the observation ends.
    pub inside: f64,
    /// Shannon entropy in bits of the whole distribution (exits, and what is inside spread
    /// over the packets that hold it).
    pub entropy_bits: f64,
}

/// -p log2 p, 0 at 0.
fn plogp(p: f64) -> f64 {
    if p > 0.0 {
        -p * p.log2()
    } else {
        0.0
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Arrive,
    Release,
}

impl MessageTracker {
    /// What the adversary watches: the arrivals at every mix's inputs and the releases onto
    /// its outputs.
    pub fn needs(&self) -> Needs {
        let mut traces = Vec::new();
        for m in &self.mixes {
            traces.extend(m.inputs.iter().map(|&link| Watch {
                link,
                point: Point::Arrive,
            }));
            traces.extend(m.outputs.iter().map(|&(link, _)| Watch {
                link,
                point: Point::Enqueue,
            }));
        }
        traces.sort();
        traces.dedup();
        Needs {
            traces,
            ..Needs::default()
        }
    }

    /// The tagged message's distribution, or `None` when no packet arrives on the entry link
    /// at or after `tag_after`.
    pub fn observe(&self, obs: &Observation<'_>) -> Option<MessageAnonymity> {
        let arrive = |link| {
            obs.trace(Watch {
                link,
                point: Point::Arrive,
            })
        };
        let release = |link| {
            obs.trace(Watch {
                link,
                point: Point::Enqueue,
            })
        };
        let tagged = arrive(self.entry)
            .iter()
            .position(|p| p.time >= self.tag_after)?;
        let tagged_at = arrive(self.entry)[tagged].time;
        // Every mix event in time order; at equal times arrivals first (a packet cannot leave
        // before it arrives), then by mix, link and index, for a fixed order.
        let mut events: Vec<(SimTime, Kind, usize, usize, usize)> = Vec::new();
        for (m, mix) in self.mixes.iter().enumerate() {
            for &l in &mix.inputs {
                let t: &[Packet] = arrive(l);
                events.extend(
                    t.iter()
                        .enumerate()
                        .map(|(k, p)| (p.time, Kind::Arrive, m, l, k)),
                );
            }
            for &(l, _) in &mix.outputs {
                let t: &[Packet] = release(l);
                events.extend(
                    t.iter()
                        .enumerate()
                        .map(|(k, p)| (p.time, Kind::Release, m, l, k)),
                );
            }
        }
        events.sort_unstable();
        Some(self.propagate(&events, tagged, tagged_at))
    }

    /// Per link (by index, up to the largest any mix touches), the mix it leads to, if any.
    fn next_mix(&self) -> Vec<Option<usize>> {
        let links = 1 + self
            .mixes
            .iter()
            .flat_map(|m| {
                m.inputs
                    .iter()
                    .copied()
                    .chain(m.outputs.iter().map(|o| o.0))
            })
            .max()
            .unwrap_or(0);
        let mut next_mix = vec![None; links];
        for m in &self.mixes {
            for &(l, to) in &m.outputs {
                next_mix[l] = to;
            }
        }
        next_mix
    }

    fn propagate(
        &self,
        events: &[(SimTime, Kind, usize, usize, usize)],
        tagged: usize,
        tagged_at: SimTime,
    ) -> MessageAnonymity {
        let next_mix = self.next_mix();
        let links = next_mix.len();
        // Probability carried by the k-th packet released onto each link.
        let mut sent: Vec<Vec<f64>> = vec![Vec::new(); links];
        let mut received = vec![0usize; links];
        let (mut mass, mut held) = (vec![0.0f64; self.mixes.len()], vec![0u64; self.mixes.len()]);
        let mut exits = Vec::new();
        for &(_, kind, m, l, k) in events {
            match kind {
                Kind::Arrive => {
                    held[m] += 1;
                    mass[m] += if l == self.entry && k == tagged {
                        1.0
                    } else if next_mix[l].is_some() {
                        received[l] += 1;
                        sent[l].get(k).copied().unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
                Kind::Release => {
                    // A release with nothing held (traces that start late) carries nothing.
                    let p = if held[m] > 0 {
                        mass[m] / held[m] as f64
                    } else {
                        0.0
                    };
                    held[m] = held[m].saturating_sub(1);
                    mass[m] -= p;
                    sent[l].push(p);
                    // Exits before the tag carry nothing: keep those that could be it.
                    if next_mix[l].is_none() && p > 0.0 {
                        exits.push(p);
                    }
                }
            }
        }
        let mut entropy: f64 = exits.iter().map(|&p| plogp(p)).sum();
        let mut inside = 0.0;
        for (m, &c) in mass.iter().zip(&held) {
            if c > 0 && *m > 0.0 {
                inside += m;
                entropy += c as f64 * plogp(m / c as f64);
            }
        }
        for (l, to) in next_mix.iter().enumerate() {
            if to.is_some() {
                for &p in sent[l].iter().skip(received[l]) {
                    inside += p;
                    entropy += plogp(p);
                }
            }
        }
        MessageAnonymity {
            tagged_at,
            exits,
            inside,
            entropy_bits: entropy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(times: &[SimTime]) -> Vec<Packet> {
        times.iter().map(|&time| Packet { time, size: 1 }).collect()
    }

    /// Mix 0: inputs 0 (the entry) and 1, outputs 2 (a host) and 3 (mix 1). Mix 1: inputs 3
    /// and 5, output 4 (a host).
    fn tracker() -> MessageTracker {
        MessageTracker {
            mixes: vec![
                WatchedMix {
                    inputs: vec![0, 1],
                    outputs: vec![(2, None), (3, Some(1))],
                },
                WatchedMix {
                    inputs: vec![3, 5],
                    outputs: vec![(4, None)],
                },
            ],
            entry: 0,
            tag_after: 2,
        }
    }

    #[test]
    fn hand_built_trace_gives_the_exact_distribution() {
        // t=1 an other packet reaches mix 0; t=2 the tagged one (mix 0 holds 2, mass 1);
        // t=3 mix 0 releases to a host (1/2); t=4 to mix 1 (1/2, mix 0 now empty); t=5 it
        // reaches mix 1, and an other packet reaches mix 0; t=6 an other packet reaches mix 1
        // (2 held, mass 1/2); t=7 mix 1 releases to a host (1/4); mix 1 still holds 1/4.
        let t = tracker();
        let mut obs = Observation::new(1, (0, 10));
        let add = |o: &mut Observation, link, point, times: &[SimTime]| {
            o.add_trace(Watch { link, point }, at(times))
        };
        add(&mut obs, 0, Point::Arrive, &[2]);
        add(&mut obs, 1, Point::Arrive, &[1, 5]);
        add(&mut obs, 2, Point::Enqueue, &[3]);
        add(&mut obs, 3, Point::Enqueue, &[4]);
        add(&mut obs, 3, Point::Arrive, &[5]);
        add(&mut obs, 5, Point::Arrive, &[6]);
        add(&mut obs, 4, Point::Enqueue, &[7]);
        assert_eq!(t.needs().traces.len(), 7);
        let a = t.observe(&obs).unwrap();
        assert_eq!(a.tagged_at, 2);
        assert_eq!(a.exits, vec![0.5, 0.25]);
        assert_eq!(a.inside, 0.25);
        assert!((a.entropy_bits - 1.5).abs() < 1e-12, "{}", a.entropy_bits);
        // Tagging later than every entry packet: nothing to follow.
        let late = MessageTracker { tag_after: 3, ..t };
        assert_eq!(late.observe(&obs), None);
    }

    #[test]
    fn a_lone_mix_spreads_the_tag_over_what_it_held() {
        // Three packets held when the tagged one arrives (4 in all), no later arrivals: four
        // releases of 1/4, 1/4, 1/4, 1/4 -> 2 bits.
        let t = MessageTracker {
            mixes: vec![WatchedMix {
                inputs: vec![0, 1],
                outputs: vec![(2, None)],
            }],
            entry: 0,
            tag_after: 0,
        };
        let mut obs = Observation::new(1, (0, 10));
        obs.add_trace(
            Watch {
                link: 0,
                point: Point::Arrive,
            },
            at(&[4]),
        );
        obs.add_trace(
            Watch {
                link: 1,
                point: Point::Arrive,
            },
            at(&[1, 2, 3]),
        );
        obs.add_trace(
            Watch {
                link: 2,
                point: Point::Enqueue,
            },
            at(&[5, 6, 7, 8]),
        );
        let a = t.observe(&obs).unwrap();
        assert_eq!(a.exits, vec![0.25; 4]);
        assert!((a.entropy_bits - 2.0).abs() < 1e-12);
    }
}
