//! `kind = "supermix"`: a partial adversary who sees only a region's boundary and treats the
//! region as one mix, naming the link by which the target leaves it:
//! ```toml
//! [[attack]]
//! kind = "supermix"
//! target = "alice"
//! sample_sizes = [100, 1000]
//! mixes = ["b1", "b2", "b3", "c1", "c2", "c3"]   # the region; or
//! # links = ["a1->b1", ..., "c3->r7"]             # the links the adversary sees
//! ```

use super::attack_build::{candidate_on_route, candidate_watches, target_watch};
use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Truth};
use super::correlation;
use super::error::{self, ScenarioError};
use super::hop_by_hop::{refuse_per_message, scorer_names, LIKELIHOOD_SCORERS};
use super::schema::LinkNames;
use super::watermark::link_list;
use super::{Placed, Scenario};
use crate::attack::correlation::{estimator, Correlation};
use crate::attack::likelihood::{self, Variant};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::units::Duration;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A partial adversary who sees only a region's boundary and treats the region as one mix,
/// after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct SupermixAttack {
    /// Index into the scenario's flows.
    pub target: usize,
    /// The mixes (node indices) of the region, ascending.
    pub region: Vec<usize>,
    /// The entry link on which the target enters the region: the attack's input.
    pub entry: usize,
    /// The region's exit links: the candidates.
    pub exits: Vec<usize>,
    pub interval: SimTime,
    pub sample_sizes: Vec<usize>,
    /// Correlation estimators or [`LIKELIHOOD_SCORERS`].
    pub scorers: Vec<String>,
    /// The mean delay through the region likelihood scorers assume.
    pub t_avg: Option<SimTime>,
}

/// The registry entry of `kind = "supermix"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<SupermixKeys>(
    "supermix",
    "a partial adversary treating a region of mixes as one mix: names the link by which the target leaves it",
    &[
        "target",
        "interval",
        "sample_sizes",
        "scorers",
        "t_avg",
        "mixes",
        "links",
    ],
);

/// Resolve a `kind = "supermix"` table at key path `at`:
/// ```toml
/// [[attack]]
/// kind = "supermix"
/// target = "alice"
/// sample_sizes = [100, 1000]
/// mixes = ["b1", "b2", "b3", "c1", "c2", "c3"]   # the region; or
/// # links = ["a1->b1", ..., "c3->r7"]             # the links the adversary sees
/// scorers = ["mi", "xcorr"]                      # default ["mi"]
/// # t_avg = "40ms"                               # likelihood scorers: the delay assumed
/// ```
/// With `links`, the region is the mixes the seen links touch plus those joined to them by
/// unseen links between mixes; it is closed when every link across its boundary is seen.
/// Refused: neither or both of `mixes` and `links`, a name that is not a mix or a link, a
/// repeated one, a region that is not closed (the unseen boundary link is named), a seen link
/// inside the region or touching no mix of it, a target whose route never enters the region,
/// a likelihood scorer without `t_avg`.
pub(crate) fn resolve_supermix(
    a: &SupermixKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<SupermixAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let c = super::resolve_correlation(
        &a.correlation(),
        at,
        placed.nodes,
        placed.links,
        placed.flows,
        err,
        warnings,
    )?;
    refuse_per_message(&placed.flows[c.target], at, err)?;
    let region = region_of(a, at, placed, err)?;
    let inside = |n: usize| region.contains(&n);
    let route = &placed.flows[c.target];
    let entry = route
        .links
        .iter()
        .copied()
        .find(|&l| inside(placed.links[l].to) && !inside(placed.links[l].from))
        .ok_or_else(|| {
            err(
                key("target"),
                format!(
                    "flow \"{}\"'s route never enters the region ({})",
                    route.name,
                    names(placed, &region)
                ),
            )
        })?;
    let exits = (0..placed.links.len())
        .filter(|&l| inside(placed.links[l].from) && !inside(placed.links[l].to))
        .collect();
    let scorers = scorer_names(&a.scorers, at, err)?;
    let t_avg = match &a.t_avg {
        Some(t) if t.get_ref().0 == 0 => {
            return Err(err(key("t_avg"), "expected a positive mean delay".into()))
        }
        t => t.as_ref().map(|t| t.get_ref().0),
    };
    if let (None, Some(i)) = (
        t_avg,
        scorers
            .iter()
            .position(|s| LIKELIHOOD_SCORERS.contains(&s.as_str())),
    ) {
        return Err(err(
            format!("{at}.scorers[{i}]"),
            "a likelihood scorer needs the delay law through the region: set `t_avg`, the mean delay the adversary assumes".into(),
        ));
    }
    Ok(SupermixAttack {
        target: c.target,
        region,
        entry,
        exits,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        scorers,
        t_avg,
    })
}

/// The region a supermix table names: by `mixes` or by the `links` seen, one of the two.
fn region_of(
    a: &SupermixKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<Vec<usize>, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    match (&a.mixes, &a.links) {
        (Some(m), None) => region_of_mixes(m, &key("mixes"), placed, err),
        (None, Some(l)) => region_of_links(l, &key("links"), placed, err),
        (Some(_), Some(_)) => Err(err(
            key("links"),
            "give the region either as `mixes` or as the `links` the adversary sees, not both"
                .into(),
        )),
        (None, None) => Err(err(
            key("mixes"),
            format!("missing required key \"mixes\" (or \"links\") in {at}: the region the adversary treats as one mix"),
        )),
    }
}

fn names(placed: &Placed<'_>, nodes: &[usize]) -> String {
    nodes
        .iter()
        .map(|&n| placed.nodes[n].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_mix(placed: &Placed<'_>, n: usize) -> bool {
    matches!(placed.nodes[n].kind, super::ResolvedNodeKind::Mix { .. })
}

/// The region named by its mixes.
fn region_of_mixes(
    list: &toml::Spanned<Vec<toml::Spanned<String>>>,
    key: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<Vec<usize>, ScenarioError> {
    let mixes: Vec<&str> = (0..placed.nodes.len())
        .filter(|&n| is_mix(placed, n))
        .map(|n| placed.nodes[n].name.as_str())
        .collect();
    let mut region = Vec::new();
    for (i, name) in list.get_ref().iter().enumerate() {
        let n = placed
            .nodes
            .iter()
            .position(|x| x.name == *name.get_ref())
            .filter(|&n| is_mix(placed, n))
            .ok_or_else(|| {
                err(
                    format!("{key}[{i}]"),
                    format!(
                        "no mix named \"{}\"{}; the mixes: {}",
                        name.get_ref(),
                        error::suggestion(name.get_ref(), &mixes),
                        mixes.join(", ")
                    ),
                )
            })?;
        if region.contains(&n) {
            return Err(err(
                format!("{key}[{i}]"),
                format!("mix \"{}\" is listed twice", name.get_ref()),
            ));
        }
        region.push(n);
    }
    if region.is_empty() {
        return Err(err(key.to_string(), "expected at least one mix".into()));
    }
    region.sort_unstable();
    Ok(region)
}

/// How mix `from` reaches a host without crossing a seen link (breadth first): the last unseen
/// link of that way, in words.
fn leak(placed: &Placed<'_>, seen: &[usize], from: usize) -> String {
    let mut visited = vec![from];
    let mut i = 0;
    while i < visited.len() {
        let x = visited[i];
        for (li, l) in placed.links.iter().enumerate() {
            if seen.contains(&li) || !(l.from == x || l.to == x) {
                continue;
            }
            let other = if l.from == x { l.to } else { l.from };
            if !is_mix(placed, other) {
                return format!(
                    "mix \"{}\" reaches host \"{}\" over unseen links (the last: \"{}\"); add the links that close it",
                    placed.nodes[from].name, placed.nodes[other].name, l.name
                );
            }
            if !visited.contains(&other) {
                visited.push(other);
            }
        }
        i += 1;
    }
    format!(
        "mix \"{}\" is on the same side as the link's other end",
        placed.nodes[from].name
    )
}

/// The region closed by the links the adversary sees.
fn region_of_links(
    list: &toml::Spanned<Vec<toml::Spanned<String>>>,
    key: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<Vec<usize>, ScenarioError> {
    let seen = link_list(list, key, placed.links, err)?;
    if seen.is_empty() {
        return Err(err(key.to_string(), "expected at least one link".into()));
    }
    if let Some(j) = (1..seen.len()).find(|&j| seen[..j].contains(&seen[j])) {
        return Err(err(
            format!("{key}[{j}]"),
            format!("link \"{}\" is listed twice", placed.links[seen[j]].name),
        ));
    }
    // Nodes joined by unseen links are on the same side. A side holding a host is outside
    // (traffic starts and ends at hosts); the mixes of host-free sides form the region.
    let n = placed.nodes.len();
    let mut side: Vec<usize> = (0..n).collect();
    fn root(side: &mut [usize], mut x: usize) -> usize {
        while side[x] != x {
            side[x] = side[side[x]];
            x = side[x];
        }
        x
    }
    for (li, l) in placed.links.iter().enumerate() {
        if !seen.contains(&li) {
            let (a, b) = (root(&mut side, l.from), root(&mut side, l.to));
            side[a] = b;
        }
    }
    let mut open = vec![false; n];
    for x in 0..n {
        if !is_mix(placed, x) {
            let r = root(&mut side, x);
            open[r] = true;
        }
    }
    let region: Vec<usize> = (0..n)
        .filter(|&x| is_mix(placed, x) && !open[root(&mut side, x)])
        .collect();
    let inside = |x: usize| region.contains(&x);
    for (j, &l) in seen.iter().enumerate() {
        let link = &placed.links[l];
        if inside(link.from) == inside(link.to) {
            let mix = if is_mix(placed, link.to) {
                link.to
            } else {
                link.from
            };
            return Err(err(
                format!("{key}[{j}]"),
                format!(
                    "link \"{}\" does not enclose a region: the region is not closed, {}",
                    link.name,
                    leak(placed, &seen, mix)
                ),
            ));
        }
    }
    if region.is_empty() {
        return Err(err(key.to_string(), "the links enclose no mix".into()));
    }
    Ok(region)
}

/// The keys of a `kind = "supermix"` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SupermixKeys {
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub sample_sizes: Option<Spanned<Vec<u64>>>,
    /// The mean delay through the region likelihood scorers assume.
    #[serde(default)]
    pub t_avg: Option<Spanned<Duration>>,
    /// Correlation estimators and/or likelihood scorers. Default ["mi"].
    #[serde(default)]
    pub scorers: Option<Vec<Spanned<String>>>,
    /// The mixes forming the region.
    #[serde(default)]
    pub mixes: Option<LinkNames>,
    /// Or: the links "from->to" the adversary sees, which must close a region.
    #[serde(default)]
    pub links: Option<LinkNames>,
}

impl SupermixKeys {
    /// Its target, interval and sample sizes, as a correlation table has them.
    fn correlation(&self) -> correlation::Keys {
        correlation::Keys {
            target: self.target.clone(),
            interval: self.interval.clone(),
            sample_sizes: self.sample_sizes.clone(),
            candidates: None,
            estimators: None,
        }
    }
}

impl KindKeys for SupermixKeys {
    type Table = SupermixAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<SupermixAttack, ScenarioError> {
        resolve_supermix(self, at, placed, err, warnings)
    }
}

impl AttackTable for SupermixAttack {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((self.interval, *self.sample_sizes.last().expect("validated")))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    /// One attack per scorer.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truth = Truth::Identification {
            true_candidate: candidate_on_route(s, self.target, &self.exits),
        };
        self.scorers
            .iter()
            .map(|x| (supermix(s, self, x), truth.clone()))
            .collect()
    }
}

/// The supermix attack with per-region scorer `scorer`: the target where it enters the region
/// against every link leaving it, as if the region were one mix.
pub fn supermix(s: &Scenario, m: &SupermixAttack, scorer: &str) -> Box<dyn Attack> {
    let (target, candidates) = (target_watch(m.entry), candidate_watches(&m.exits));
    match scorer.strip_prefix("likelihood-") {
        Some(v) => Box::new(likelihood::LikelihoodAttack {
            label: scorer.to_string(),
            variant: Variant::parse(v).expect("validated scorer"),
            target,
            candidates,
            bandwidth_bps: m.exits.iter().map(|&l| s.links[l].bandwidth_bps).collect(),
            // `* 1e-9` as in hop_walk: the scores' last bit is part of the results.
            t_avg: m.t_avg.expect("validated: likelihood scorers have t_avg") as f64 * 1e-9,
            interval: m.interval,
            sample_sizes: m.sample_sizes.clone(),
        }),
        None => Box::new(Correlation {
            estimator: estimator(scorer).expect("validated scorer"),
            target,
            candidates,
            interval: m.interval,
            sample_sizes: m.sample_sizes.clone(),
        }),
    }
}
