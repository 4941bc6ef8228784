//! Work units of a sweep and their deterministic split into shards.
//!
//! A unit is a chunk of consecutive trials of one point: trials `[c * chunk, (c + 1) * chunk)`
//! of point `p`, the last chunk of a point possibly shorter. Its expected cost is the number of
//! trials times the cost of one trial of the point's scenario, estimated as the simulated time
//! of a trial times the packets per simulated second times the elements each packet visits
//! (its links and nodes after the sender): roughly the events a trial processes.
//!
//! Units are dealt to shards by greedy longest-processing-time: sorted by cost (largest first,
//! ties by point then chunk), each goes to the shard with the least cost so far (ties to the
//! lowest shard). This depends only on the sweep spec and `n`, so every shard of a job array
//! computes the same split without talking to the others.

use super::sweep::SweepPlan;
use crate::scenario::Scenario;
use std::fmt;
use std::ops::Range;

/// `--shard k/n`: the k-th of n shares (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { k: 1, n: 1 };

    pub fn is_whole(self) -> bool {
        self.n == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// A `--shard` value that is not k/n with 1 <= k <= n.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected k/n with 1 <= k <= n, like 2/8, got \"{0}\"")]
pub struct BadShard(pub String);

impl std::str::FromStr for Shard {
    type Err = BadShard;
    fn from_str(s: &str) -> Result<Self, BadShard> {
        let bad = || BadShard(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// A chunk of trials of one point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub point: usize,
    pub chunk: usize,
    pub trials: Range<u64>,
}

impl Unit {
    pub fn len(&self) -> u64 {
        self.trials.end - self.trials.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every unit of a sweep, by point then chunk.
pub fn units(trials: u64, chunk: u64, points: usize) -> Vec<Unit> {
    let per_point = trials.div_ceil(chunk) as usize;
    (0..points)
        .flat_map(|point| {
            (0..per_point).map(move |c| Unit {
                point,
                chunk: c,
                trials: (c as u64 * chunk)..((c as u64 + 1) * chunk).min(trials),
            })
        })
        .collect()
}

/// Expected cost of one trial of a scenario (about its number of events).
pub fn trial_cost(s: &Scenario) -> f64 {
    // A weight, not a time anyone reads: written as it always was, because its last bit moves
    // the shard boundaries, and a sharded sweep under way must keep its split.
    let seconds = s.duration as f64 * 1e-9;
    let per_second: f64 = s
        .flows
        .iter()
        .map(|f| f.traffic.mean_rate() * (1 + f.links.len()) as f64)
        .sum();
    (seconds * per_second).max(1.0)
}

/// Expected cost of every unit.
pub fn unit_costs(plan: &SweepPlan, units: &[Unit]) -> Vec<f64> {
    let per_trial: Vec<f64> = plan.scenarios.iter().map(trial_cost).collect();
    units
        .iter()
        .map(|u| per_trial[u.point] * u.len() as f64)
        .collect()
}

/// Which shard (0-based) each unit belongs to, for `n` shards.
pub fn assign(costs: &[f64], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    // Stable sort: equal costs keep unit order.
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]));
    // Units go to empty shards first, one each and in order (every cost is positive): shards
    // beyond the number of units never get one, so `n` (up to usize::MAX from `--shard`)
    // needs no load entry of its own.
    let mut load = vec![0.0f64; n.min(costs.len()).max(1)];
    let mut owner = vec![0; costs.len()];
    for u in order {
        let (s, _) = load
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("n >= 1");
        owner[u] = s;
        load[s] += costs[u];
    }
    owner
}

/// Indices of the units of `shard`, in unit order.
pub fn units_of(costs: &[f64], shard: Shard) -> Vec<usize> {
    assign(costs, shard.n)
        .into_iter()
        .enumerate()
        .filter(|&(_, s)| s == shard.k - 1)
        .map(|(u, _)| u)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_shard() {
        assert_eq!("2/7".parse::<Shard>(), Ok(Shard { k: 2, n: 7 }));
        assert!("0/7".parse::<Shard>().is_err());
        assert!("8/7".parse::<Shard>().is_err());
        assert!("7".parse::<Shard>().is_err());
    }

    #[test]
    fn units_cover_every_trial_once() {
        let u = units(250, 100, 3);
        assert_eq!(u.len(), 9);
        assert_eq!(u[2].trials, 200..250);
        assert_eq!(u.iter().map(Unit::len).sum::<u64>(), 750);
    }

    #[test]
    fn assignment_balances_cost_not_count() {
        // One expensive unit and many cheap ones: a split by count would put half the cheap
        // units beside the expensive one.
        let mut costs = vec![10.0];
        costs.extend(std::iter::repeat_n(1.0, 10));
        let owner = assign(&costs, 2);
        let load = |s| -> f64 {
            (0..costs.len())
                .filter(|&u| owner[u] == s)
                .map(|u| costs[u])
                .sum()
        };
        assert_eq!(load(0), 10.0);
        assert_eq!(load(1), 10.0);
        // Every unit is owned by exactly one shard, for any n.
        for n in 1..=12 {
            let mut seen = vec![0; costs.len()];
            for k in 1..=n {
                for u in units_of(&costs, Shard { k, n }) {
                    seen[u] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1));
        }
    }
}
