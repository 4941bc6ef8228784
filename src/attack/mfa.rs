//! The multi-flow attack (MFA) as an attack: does a group of flows share a watermark?
//!
//! The adversary watches several links, each carrying one flow (the egress of a stepping stone,
//! say): a *baseline* group it holds as unmarked, and one or more *groups* it examines. For each
//! examined group it compares the group's arrivals with the baseline's by one of the two
//! statistics of [`crate::watermark::mfa`] (every flow aligned at its first received packet):
//! - `Chi2`: chi-square homogeneity of the two groups' summed per-bin counts;
//! - `Profile`: each flow's packets folded onto the position of their bin within `period` bins,
//!   the groups' mean profiles compared by a permutation test over flows.
//!
//! The group is called marked when the test rejects at level `alpha`. The verdict is one
//! detection per examined group, with the statistic over its degrees of freedom as the score.
//! Whether a group really carries marked flows is ground truth that only the experiment holds:
//! the attack sees the arrival times on its links and nothing else.
//!
//! The permutation test needs random relabellings. They are drawn from a generator seeded by a
//! hash of the observed times, so a trial's verdict depends on the observation only (the same
//! bytes for any thread count, shard split or executor).

use super::{Attack, Detection, Needs, Observation, Point, Verdict, Watch};
use crate::engine::SimTime;
use crate::watermark::mfa::{aggregate, chi2_homogeneity, profile_test, profiles, MfaTest};
use rand::SeedableRng;

/// The multi-flow attack.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiFlow {
    /// Its label in reports.
    pub label: String,
    pub test: MfaTest,
    /// Width of the bins the counts are summed (chi2) or folded (profile) in.
    pub bin: SimTime,
    /// Span after each flow's first packet that is compared.
    pub span: SimTime,
    /// Rejection level of the test.
    pub alpha: f64,
    /// Bins per fold of the profile test.
    pub period: usize,
    /// Relabellings of the profile test.
    pub permutations: usize,
    /// Links of the flows held as unmarked.
    pub baseline: Vec<usize>,
    /// Links of each examined group.
    pub groups: Vec<Vec<usize>>,
}

fn arrive(link: usize) -> Watch {
    Watch {
        link,
        point: Point::Arrive,
    }
}

impl MultiFlow {
    fn flows(obs: &Observation<'_>, links: &[usize]) -> Vec<Vec<SimTime>> {
        links
            .iter()
            .map(|&l| obs.trace(arrive(l)).iter().map(|p| p.time).collect())
            .collect()
    }

    /// One group against the baseline: (p-value, statistic over its degrees of freedom).
    fn test_group(&self, group: &[Vec<SimTime>], baseline: &[Vec<SimTime>]) -> (f64, f64) {
        match self.test {
            MfaTest::Chi2 => {
                let g = aggregate(group, self.bin, self.span);
                let b = aggregate(baseline, self.bin, self.span);
                let (stat, df, p) = chi2_homogeneity(&g, &b);
                (p, stat / df)
            }
            MfaTest::Profile => {
                let g = profiles(group, self.bin, self.span, self.period);
                let b = profiles(baseline, self.bin, self.span, self.period);
                let mut rng = crate::engine::SimRng::seed_from_u64(fingerprint(group, baseline));
                let (p, stat) = profile_test(&g, &b, self.permutations, &mut rng);
                (p, stat / (self.period.max(2) - 1) as f64)
            }
        }
    }
}

/// FNV-1a over the flows' times: the seed of the permutation test.
fn fingerprint(a: &[Vec<SimTime>], b: &[Vec<SimTime>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in a.iter().chain(b) {
        for t in f.iter().chain(std::iter::once(&u64::MAX)) {
            for byte in t.to_le_bytes() {
                h = (h ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

impl Attack for MultiFlow {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn needs(&self) -> Needs {
        let mut traces: Vec<Watch> = self
            .baseline
            .iter()
            .chain(self.groups.iter().flatten())
            .map(|&l| arrive(l))
            .collect();
        traces.sort();
        traces.dedup();
        Needs {
            traces,
            ..Needs::default()
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let baseline = Self::flows(obs, &self.baseline);
        Verdict::Detection(
            self.groups
                .iter()
                .map(|g| {
                    let (p, ratio) = self.test_group(&Self::flows(obs, g), &baseline);
                    Detection {
                        marked: p < self.alpha,
                        score: ratio,
                        detail: None,
                    }
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::Packet;
    use rand::Rng;

    const F: usize = 8;

    /// Baseline links 0..F, a clumped group F..2F, a group like the baseline 2F..3F.
    fn attack(test: MfaTest) -> MultiFlow {
        MultiFlow {
            label: "mfa".into(),
            test,
            bin: 10,
            span: 1000,
            alpha: 0.01,
            period: 5,
            permutations: 1000,
            baseline: (0..F).collect(),
            groups: vec![(F..2 * F).collect(), (2 * F..3 * F).collect()],
        }
    }

    /// 200 packets in [0, 1000) from a packet at 0: spread uniformly, or (`clumped`) only in
    /// every fifth bin of 10 ns.
    fn trace(link: usize, clumped: bool) -> Vec<Packet> {
        let mut rng = crate::engine::SimRng::seed_from_u64(link as u64);
        let mut t: Vec<SimTime> = (0..200)
            .map(|_| {
                if clumped {
                    50 * rng.random_range(0..20u64) + rng.random_range(0..10u64)
                } else {
                    rng.random_range(0..1000u64)
                }
            })
            .chain([0])
            .collect();
        t.sort();
        t.into_iter().map(|time| Packet { time, size: 1 }).collect()
    }

    fn observation() -> Observation<'static> {
        let mut o = Observation::new(1, (0, 1000));
        for l in 0..3 * F {
            o.add_trace(arrive(l), trace(l, (F..2 * F).contains(&l)));
        }
        o
    }

    #[test]
    fn a_clumped_group_is_called_marked_and_a_like_one_is_not() {
        for test in [MfaTest::Chi2, MfaTest::Profile] {
            let a = attack(test);
            let Verdict::Detection(d) = a.observe(&observation()) else {
                panic!("detection verdict")
            };
            assert_eq!(d.len(), 2);
            assert!(d[0].marked, "{test:?}: {d:?}");
            assert!(!d[1].marked, "{test:?}: {d:?}");
            assert!(d[0].score > 5.0 * d[1].score, "{test:?}: {d:?}");
            // The same observation gives the same verdict (the permutations are seeded by it).
            assert_eq!(Verdict::Detection(d), a.observe(&observation()));
        }
    }

    #[test]
    fn needs_every_link_once() {
        let mut a = attack(MfaTest::Chi2);
        a.groups.push(vec![0, F]);
        let n = a.needs();
        let links: Vec<usize> = n.traces.iter().map(|w| w.link).collect();
        assert_eq!(links, (0..3 * F).collect::<Vec<_>>());
        assert!(n.traces.iter().all(|w| w.point == Point::Arrive));
    }
}
