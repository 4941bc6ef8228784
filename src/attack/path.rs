//! The global adversary on multi-mix routes: it follows the target hop by hop.
//!
//! The adversary sees every link. It holds the target's packets where they enter their first
//! mix and knows the mix graph (which links leave which mix, and where they lead). At the first
//! mix it scores the mix's output links with a *per-hop scorer* (any identification attack:
//! a correlation estimator, the likelihood attack, ...), takes the best one, and, if that link
//! leads to another mix, does the same there, always against the target's own packets: the
//! step-by-step path determination the source paper names. The walk ends at a link that leads
//! to a host, at a tie, at a mix it already visited, or after the hops it is asked to report.
//! It is done separately at every sample size N (the choice at N = 10 need not be the one at
//! N = 3000); walks at different N that share a prefix share its scores. Each reported hop
//! walks on its own, on scores the reports of one trial share through the trial's
//! [`TrialMemo`](super::TrialMemo) when the runner gives one (each mix is then scored once per
//! trial, not once per report).
//!
//! What it reports is an identification at hop `k` (one [`HopByHop`] per reported hop): the
//! candidates are every walk it could have taken through hop `k` (each a sequence of `k`
//! links, [`MixGraph::paths_at`]), the chosen one is the walk it took, and the scores are the
//! scorer's at the mix the walk reached, set on the walks that differ from it in the last link
//! only (every other candidate scores minus infinity). The experiment, which knows the target's
//! route, scores it: correct at hop `k` means the walk took the target's link at every hop up
//! to `k`, so the rate at the target's last mix is the whole path's. Naming the last link alone
//! would not say that: in a stratified mixnet every mix of a layer is reached from every mix of
//! the layer before, and a walk that left the target's route at hop 1 can come back to its mix
//! at hop 3 and take its link there. A walk that left the route, or stopped, is wrong at hop
//! `k` and ranks the true walk last.

use super::{Attack, Identification, Needs, Observation, Verdict};
use std::collections::HashMap;
use std::sync::Arc;

/// The mix graph as plain indices: per mix (numbered 0..), its output links (as link indices)
/// and, per output, the mix it leads to (`None` for a host).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MixGraph {
    pub outputs: Vec<Vec<(usize, Option<usize>)>>,
}

impl MixGraph {
    /// The walks from `first` through hop `k` (1-based): every sequence of `k` links, each
    /// leaving the mix the one before led to, that visits no mix twice (a walk stops rather
    /// than revisit). Ordered by the mix the k-th link leaves, then by the earlier links, then
    /// by that mix's output order; where every mix is reached by one walk (a cascade, the first
    /// two layers of a stratified mixnet) this is the order of the links themselves.
    pub fn paths_at(&self, first: usize, k: usize) -> Vec<Vec<usize>> {
        // (mixes visited, links taken) of the walks through hop k - 1.
        let mut walks: Vec<(Vec<usize>, Vec<usize>)> = vec![(vec![first], Vec::new())];
        for _ in 1..k {
            walks = walks
                .iter()
                .flat_map(|(mixes, links)| {
                    let at = *mixes.last().expect("a walk starts at a mix");
                    self.outputs[at].iter().filter_map(move |&(l, n)| {
                        let next = n.filter(|n| !mixes.contains(n))?;
                        let (mut m, mut p) = (mixes.clone(), links.clone());
                        m.push(next);
                        p.push(l);
                        Some((m, p))
                    })
                })
                .collect();
        }
        walks.sort_by(|a, b| (a.0.last(), &a.1).cmp(&(b.0.last(), &b.1)));
        walks
            .iter()
            .flat_map(|(mixes, links)| {
                let at = *mixes.last().expect("non-empty");
                self.outputs[at].iter().map(move |&(l, _)| {
                    let mut p = links.clone();
                    p.push(l);
                    p
                })
            })
            .collect()
    }
}

/// Builds the per-hop scorer at a mix: given the mixes walked so far (the last is the current
/// one) and the current mix's output links, the attack that scores them against the target.
pub type ScorerFactory = dyn Fn(&[usize], &[usize]) -> Box<dyn Attack> + Send + Sync;

/// The walk, shared by the reports of every hop.
pub struct Walk {
    pub graph: MixGraph,
    /// The target's first mix.
    pub first: usize,
    pub scorer: Arc<ScorerFactory>,
    /// The per-hop scorer's name ("mi", "likelihood-paper", ...).
    pub scorer_name: String,
    pub sample_sizes: Vec<usize>,
}

/// The per-hop scores of one trial, by walked prefix.
type Cache = HashMap<Vec<usize>, Vec<Identification>>;

impl Walk {
    /// What the walk may need: the scorer's needs at every mix, merged.
    pub fn needs(&self) -> Needs {
        let mut out = Needs::default();
        for m in 0..self.graph.outputs.len() {
            let links: Vec<usize> = self.graph.outputs[m].iter().map(|&(l, _)| l).collect();
            let n = (self.scorer)(&[m], &links).needs();
            out.interval = n.interval;
            out.bins = out.bins.max(n.bins);
            out.counts.extend(n.counts);
            out.traces.extend(n.traces);
        }
        for v in [&mut out.counts, &mut out.traces] {
            v.sort();
            v.dedup();
        }
        out
    }

    /// The scorer's identifications at the end of `prefix` (cached per trial).
    fn scores(
        &self,
        obs: &Observation<'_>,
        prefix: &[usize],
        cache: &mut Cache,
    ) -> Vec<Identification> {
        if let Some(v) = cache.get(prefix) {
            return v.clone();
        }
        // Another report of this walk may have scored the prefix in this trial already.
        let me = self as *const Walk as usize;
        let ids = match obs.memo().and_then(|m| m.walk(me, prefix)) {
            Some(ids) => ids,
            None => {
                let mix = *prefix.last().expect("a walk starts at a mix");
                let links: Vec<usize> = self.graph.outputs[mix].iter().map(|&(l, _)| l).collect();
                let Verdict::Identification(ids) = (self.scorer)(prefix, &links).observe(obs)
                else {
                    panic!("the per-hop scorer is an identification attack")
                };
                if let Some(m) = obs.memo() {
                    m.store_walk(me, prefix, &ids);
                }
                ids
            }
        };
        cache.insert(prefix.to_vec(), ids.clone());
        ids
    }

    /// The walk at sample size index `i`, `hops` hops at most: per hop, the mix it was at,
    /// the link it took, and the scores of that mix's outputs.
    fn walk(
        &self,
        obs: &Observation<'_>,
        i: usize,
        hops: usize,
        cache: &mut Cache,
    ) -> Vec<(usize, Option<usize>, Vec<f64>)> {
        let mut prefix = vec![self.first];
        let mut steps = Vec::new();
        while steps.len() < hops {
            let mix = *prefix.last().expect("non-empty");
            let id = &self.scores(obs, &prefix, cache)[i];
            let chosen = id.chosen.map(|c| self.graph.outputs[mix][c]);
            steps.push((mix, chosen.map(|(l, _)| l), id.scores.clone()));
            match chosen {
                Some((_, Some(next))) if !prefix.contains(&next) => prefix.push(next),
                _ => break,
            }
        }
        steps
    }
}

/// The report of the walk at one hop, as an identification attack.
pub struct HopByHop {
    pub walk: Arc<Walk>,
    /// 1-based.
    pub hop: usize,
    /// Reported candidates: the walks through this hop ([`MixGraph::paths_at`]), each the
    /// links it takes at hops 1..=`hop`.
    pub candidates: Vec<Vec<usize>>,
}

impl HopByHop {
    pub fn new(walk: Arc<Walk>, hop: usize) -> Self {
        let candidates = walk.graph.paths_at(walk.first, hop);
        HopByHop {
            walk,
            hop,
            candidates,
        }
    }

    fn at_size(&self, obs: &Observation<'_>, i: usize, cache: &mut Cache) -> Identification {
        let steps = self.walk.walk(obs, i, self.hop, cache);
        let mut scores = vec![f64::NEG_INFINITY; self.candidates.len()];
        let mut chosen = None;
        if let Some((mix, link, s)) = steps.get(self.hop - 1) {
            // The links the walk took before this hop: every candidate it can still name
            // starts with them.
            let taken: Vec<usize> = steps[..self.hop - 1]
                .iter()
                .map(|(_, l, _)| l.expect("the walk went on"))
                .collect();
            let find = |l: usize| {
                self.candidates
                    .iter()
                    .position(|c| c[..self.hop - 1] == taken[..] && c[self.hop - 1] == l)
            };
            for (&(l, _), &v) in self.walk.graph.outputs[*mix].iter().zip(s) {
                if let Some(j) = find(l) {
                    scores[j] = v;
                }
            }
            chosen = link.and_then(find);
        }
        Identification {
            sample_size: self.walk.sample_sizes[i],
            chosen,
            scores,
            probabilities: None,
        }
    }
}

impl Attack for HopByHop {
    fn name(&self) -> String {
        format!("{}:hop{}", self.walk.scorer_name, self.hop)
    }

    fn needs(&self) -> Needs {
        self.walk.needs()
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let mut cache = Cache::new();
        Verdict::Identification(
            (0..self.walk.sample_sizes.len())
                .map(|i| self.at_size(obs, i, &mut cache))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::{Point, Watch};

    /// Two mixes in a row: mix 0 has links 10 (to mix 1) and 11 (to a host); mix 1 has links
    /// 12 and 13 (to hosts).
    fn graph() -> MixGraph {
        MixGraph {
            outputs: vec![
                vec![(10, Some(1)), (11, None)],
                vec![(12, None), (13, None)],
            ],
        }
    }

    /// A scorer that reads one count per candidate link (its count series' first value) as
    /// the score, at every sample size.
    struct Reads {
        links: Vec<usize>,
    }

    fn watch(link: usize) -> Watch {
        Watch {
            link,
            point: Point::Depart,
        }
    }

    impl Attack for Reads {
        fn name(&self) -> String {
            "reads".into()
        }
        fn needs(&self) -> Needs {
            Needs {
                interval: 1,
                bins: 2,
                counts: self.links.iter().map(|&l| watch(l)).collect(),
                traces: vec![],
            }
        }
        fn observe(&self, obs: &Observation<'_>) -> Verdict {
            let ids = (0..2)
                .map(|i| {
                    let scores: Vec<f64> = self
                        .links
                        .iter()
                        .map(|&l| obs.counts(watch(l))[i] as f64)
                        .collect();
                    Identification {
                        sample_size: i + 1,
                        chosen: crate::attack::argmax_strict(&scores),
                        scores,
                        probabilities: None,
                    }
                })
                .collect();
            Verdict::Identification(ids)
        }
    }

    fn walk() -> Arc<Walk> {
        Arc::new(Walk {
            graph: graph(),
            first: 0,
            scorer: Arc::new(|_: &[usize], links: &[usize]| {
                Box::new(Reads {
                    links: links.to_vec(),
                }) as Box<dyn Attack>
            }),
            scorer_name: "reads".into(),
            sample_sizes: vec![1, 2],
        })
    }

    #[test]
    fn follows_the_best_link_at_each_mix_per_sample_size() {
        // N = 1: 10 beats 11, then 13 beats 12. N = 2: 11 beats 10, the walk ends at a host.
        let c: [(usize, [u32; 2]); 4] = [(10, [5, 1]), (11, [2, 9]), (12, [0, 4]), (13, [3, 0])];
        let mut obs = Observation::new(1, (0, 2));
        for (l, v) in &c {
            obs.add_counts(watch(*l), v);
        }
        let w = walk();
        assert_eq!(w.needs().counts.len(), 4);
        let hop1 = HopByHop::new(w.clone(), 1);
        let hop2 = HopByHop::new(w, 2);
        assert_eq!(hop1.candidates, vec![vec![10], vec![11]]);
        assert_eq!(hop2.candidates, vec![vec![10, 12], vec![10, 13]]);
        let Verdict::Identification(h1) = hop1.observe(&obs) else {
            panic!()
        };
        let Verdict::Identification(h2) = hop2.observe(&obs) else {
            panic!()
        };
        assert_eq!((h1[0].chosen, h1[1].chosen), (Some(0), Some(1)));
        assert_eq!(h2[0].chosen, Some(1));
        assert_eq!(h2[0].scores, vec![0.0, 3.0]);
        // At N = 2 the walk never reached mix 1: nothing chosen, nothing scored.
        assert_eq!(h2[1].chosen, None);
        assert!(h2[1].scores.iter().all(|s| *s == f64::NEG_INFINITY));
        assert_eq!(hop2.name(), "reads:hop2");
    }

    #[test]
    fn a_trials_reports_share_the_scores_of_each_mix() {
        // The walk's scorer counts its calls. Reports at hops 1 and 2 on one observation
        // each: mix 0 is scored by both, mix 1 by the second. With a trial memo shared by
        // the two observations, each mix is scored once, and the verdicts are the same.
        let c: [(usize, [u32; 2]); 4] = [(10, [5, 1]), (11, [2, 9]), (12, [0, 4]), (13, [3, 0])];
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        let w = Arc::new(Walk {
            scorer: Arc::new(move |_: &[usize], links: &[usize]| {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Box::new(Reads {
                    links: links.to_vec(),
                }) as Box<dyn Attack>
            }),
            ..Arc::try_unwrap(walk()).ok().unwrap()
        });
        let reports = [HopByHop::new(w.clone(), 1), HopByHop::new(w, 2)];
        let run = |memo: Option<&crate::attack::TrialMemo>| {
            reports
                .iter()
                .map(|r| {
                    let mut obs = Observation::new(1, (0, 2));
                    for (l, v) in &c {
                        obs.add_counts(watch(*l), v);
                    }
                    if let Some(m) = memo {
                        obs.share(m);
                    }
                    r.observe(&obs)
                })
                .collect::<Vec<_>>()
        };
        let apart = run(None);
        assert_eq!(calls.swap(0, std::sync::atomic::Ordering::Relaxed), 3);
        let memo = crate::attack::TrialMemo::default();
        assert_eq!(run(Some(&memo)), apart);
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[test]
    fn a_walk_that_rejoins_the_route_names_another_walk() {
        // 0 -> {1 by link 0, 2 by link 1}; 1 -> 3 (link 2); 2 -> 3 (link 3); 3 -> hosts (4, 5).
        let g = MixGraph {
            outputs: vec![
                vec![(0, Some(1)), (1, Some(2))],
                vec![(2, Some(3))],
                vec![(3, Some(3))],
                vec![(4, None), (5, None)],
            ],
        };
        let w = Arc::new(Walk {
            graph: g,
            first: 0,
            scorer: Arc::new(|_: &[usize], links: &[usize]| {
                Box::new(Reads {
                    links: links.to_vec(),
                }) as Box<dyn Attack>
            }),
            scorer_name: "reads".into(),
            sample_sizes: vec![1, 2],
        });
        // N = 1 leaves by link 1 (not 0), N = 2 by link 0; both then take link 4 at mix 3.
        let c: [(usize, [u32; 2]); 6] = [
            (0, [1, 9]),
            (1, [8, 2]),
            (2, [1, 1]),
            (3, [1, 1]),
            (4, [7, 7]),
            (5, [3, 3]),
        ];
        let mut obs = Observation::new(1, (0, 2));
        for (l, v) in &c {
            obs.add_counts(watch(*l), v);
        }
        let hop3 = HopByHop::new(w, 3);
        assert_eq!(
            hop3.candidates,
            vec![vec![0, 2, 4], vec![0, 2, 5], vec![1, 3, 4], vec![1, 3, 5]]
        );
        let Verdict::Identification(h) = hop3.observe(&obs) else {
            panic!()
        };
        // The same last link, two different walks: a route 0, 2, 4 is found at N = 2 only.
        assert_eq!((h[0].chosen, h[1].chosen), (Some(2), Some(0)));
        let inf = f64::NEG_INFINITY;
        assert_eq!(h[0].scores, vec![inf, inf, 7.0, 3.0]);
        assert_eq!(h[1].scores, vec![7.0, 3.0, inf, inf]);
    }

    #[test]
    fn paths_at_each_hop_of_a_layered_graph() {
        // 0 -> {1, 2}; 1 -> {3}; 2 -> {3}; 3 -> host.
        let g = MixGraph {
            outputs: vec![
                vec![(0, Some(1)), (1, Some(2))],
                vec![(2, Some(3))],
                vec![(3, Some(3))],
                vec![(4, None)],
            ],
        };
        assert_eq!(g.paths_at(0, 1), vec![vec![0], vec![1]]);
        assert_eq!(g.paths_at(0, 2), vec![vec![0, 2], vec![1, 3]]);
        // Mix 3 is reached two ways: two walks, one link.
        assert_eq!(g.paths_at(0, 3), vec![vec![0, 2, 4], vec![1, 3, 4]]);
    }
}
