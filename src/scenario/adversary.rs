//! Attack tables of the adversaries beyond one mix's correlation: what each resolves to.
//!
//! `kind = "mfa"`, the multi-flow attack on a watermark (the adversary compares groups of flows
//! with a group it holds as unmarked; see `attack::mfa`):
//! ```toml
//! [[attack]]
//! kind = "mfa"
//! watermark = "m01"        # the scheme suspected (SWIRL's m sets the profile test's period)
//! test = "profile"         # "chi2" (default) or "profile"
//! baseline = ["wm->ru01", "wm->ru02"]                 # links of flows held as unmarked
//! groups = [["wm->rm01", "wm->rm02"], ["wm->rv01", "wm->rv02"]]   # one detection each
//! bin = "20ms"             # default 20ms
//! span = "128s"            # default 128s
//! alpha = 0.01             # default 0.01
//! permutations = 400       # profile test; default 400
//! ```
//! Each link must carry what the adversary takes for one flow (it separates flows only by where
//! it looks). Refused with a located error: an unknown link or watermark, an empty group or
//! baseline, a link listed twice (within or across the lists), a bin of zero or wider than the
//! span, alpha outside (0, 1), zero permutations, an unknown test.

use super::attack_build::{candidate_on_route, candidate_watches, mix_graph, target_watch};
use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Truth};
use super::correlation;
use super::error::{self, ScenarioError};
use super::schema::LinkNames;
use super::watermark::link_list;
use super::{Placed, ResolvedNodeKind, Scenario};
use crate::attack::correlation::{estimator, Correlation};
use crate::attack::likelihood::{self, Variant};
use crate::attack::mfa::MultiFlow;
use crate::attack::path::{HopByHop, MixGraph, Walk};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::net::MixStrategy;
use crate::units::Duration;
use crate::watermark::mfa::MfaTest;
use crate::watermark::WatermarkConfig;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use toml::Spanned;

/// The multi-flow attack after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct MfaAttack {
    /// Index into the scenario's watermarks: the scheme suspected.
    pub watermark: usize,
    pub test: MfaTest,
    pub bin: SimTime,
    pub span: SimTime,
    pub alpha: f64,
    /// Bins per fold of the profile test: SWIRL's m, else 5.
    pub period: usize,
    pub permutations: usize,
    /// Links of the flows held as unmarked.
    pub baseline: Vec<usize>,
    /// Links of each examined group.
    pub groups: Vec<Vec<usize>>,
}

/// The index of the `[[watermark]]` named by key `k`.
pub(crate) fn watermark_named(
    w: &Option<Spanned<String>>,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<usize, ScenarioError> {
    let key = format!("{at}.watermark");
    let w = w.as_ref().ok_or_else(|| {
        err(
            key.clone(),
            format!("missing required key \"watermark\" in {at}"),
        )
    })?;
    let names: Vec<&str> = placed.watermarks.iter().map(|w| w.name.as_str()).collect();
    names.iter().position(|n| n == w.get_ref()).ok_or_else(|| {
        err(
            key,
            format!(
                "no [[watermark]] named \"{}\"{}; the scenario has: {}",
                w.get_ref(),
                error::suggestion(w.get_ref(), &names),
                if names.is_empty() {
                    "none (add a [[watermark]] table)".to_string()
                } else {
                    names.join(", ")
                }
            ),
        )
    })
}

/// The registry entry of `kind = "mfa"`.
pub(super) const MFA: AttackKindDef = AttackKindDef::of::<MfaKeys>(
    "mfa",
    "the multi-flow attack on a watermark: calls each group of flows marked or not against a baseline held as unmarked",
    &[
        "watermark",
        "test",
        "bin",
        "span",
        "alpha",
        "permutations",
        "baseline",
        "groups",
    ],
);

/// Resolve a `kind = "mfa"` table at key path `at`.
pub(crate) fn resolve_mfa(
    a: &MfaKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<MfaAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let watermark = watermark_named(&a.watermark, at, placed, err)?;
    let test = match a.test.as_ref().map(|t| t.get_ref().as_str()) {
        None | Some("chi2") => MfaTest::Chi2,
        Some("profile") => MfaTest::Profile,
        Some(other) => {
            let known = ["chi2", "profile"];
            return Err(err(
                key("test"),
                format!(
                    "unknown test \"{other}\"{}; expected one of: {}",
                    error::suggestion(other, &known),
                    known.join(", ")
                ),
            ));
        }
    };
    let bin = a.bin.as_ref().map_or(20_000_000, |d| d.get_ref().0);
    let span = a.span.as_ref().map_or(128_000_000_000, |d| d.get_ref().0);
    if bin == 0 {
        return Err(err(key("bin"), "expected a bin width above zero".into()));
    }
    if span < bin {
        return Err(err(
            key(if a.span.is_some() { "span" } else { "bin" }),
            format!(
                "expected a span of at least one bin: span {}, bin {}",
                crate::units::Duration(span),
                crate::units::Duration(bin)
            ),
        ));
    }
    let alpha = a.alpha.as_ref().map_or(0.01, |x| *x.get_ref());
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(err(
            key("alpha"),
            format!("expected a level between 0 and 1 (exclusive), got {alpha}"),
        ));
    }
    let permutations = a.permutations.as_ref().map_or(400, |x| *x.get_ref());
    if permutations == 0 {
        return Err(err(
            key("permutations"),
            "expected at least one permutation".into(),
        ));
    }
    let (baseline, groups) = mfa_links(a, at, placed, err)?;
    let period = match &placed.watermarks[watermark].config {
        WatermarkConfig::Swirl(p) => p.m as usize,
        _ => 5,
    };
    let pooled = baseline.len() + groups.iter().map(Vec::len).max().unwrap_or(0);
    super::bounds::check_mfa(test, bin, span, permutations, pooled, period).map_err(|e| {
        let k = match e.key.as_str() {
            "bin" if a.bin.is_none() && a.span.is_some() => "span",
            k => k,
        };
        err(key(k), e.message)
    })?;
    Ok(MfaAttack {
        watermark,
        test,
        bin,
        span,
        alpha,
        period,
        permutations: permutations as usize,
        baseline,
        groups,
    })
}

/// The baseline and the groups: non-empty, every link once.
fn mfa_links(
    a: &MfaKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
) -> Result<(Vec<usize>, Vec<Vec<usize>>), ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str, eg: &str| {
        err(
            key(k),
            format!("missing required key \"{k}\" in {at} (like {k} = {eg})"),
        )
    };
    let b = a
        .baseline
        .as_ref()
        .ok_or_else(|| missing("baseline", "[\"wm->u1\", \"wm->u2\"]"))?;
    let baseline = link_list(b, &key("baseline"), placed.links, err)?;
    if baseline.is_empty() {
        return Err(err(key("baseline"), "expected at least one link".into()));
    }
    let g = a
        .groups
        .as_ref()
        .ok_or_else(|| missing("groups", "[[\"wm->m1\", \"wm->m2\"]]"))?;
    if g.get_ref().is_empty() {
        return Err(err(key("groups"), "expected at least one group".into()));
    }
    let mut seen: Vec<(usize, String)> = baseline
        .iter()
        .enumerate()
        .map(|(j, &l)| (l, format!("baseline[{j}]")))
        .collect();
    if let Some(dup) = first_repeat(&seen) {
        return Err(err(key(&seen[dup].1), repeated(placed, &seen, dup)));
    }
    let mut groups = Vec::new();
    for (i, group) in g.get_ref().iter().enumerate() {
        let links = link_list(group, &key(&format!("groups[{i}]")), placed.links, err)?;
        if links.is_empty() {
            return Err(err(
                key(&format!("groups[{i}]")),
                "expected at least one link in the group".into(),
            ));
        }
        seen.extend(
            links
                .iter()
                .enumerate()
                .map(|(j, &l)| (l, format!("groups[{i}][{j}]"))),
        );
        if let Some(dup) = first_repeat(&seen) {
            return Err(err(key(&seen[dup].1), repeated(placed, &seen, dup)));
        }
        groups.push(links);
    }
    Ok((baseline, groups))
}

/// The position of the first entry whose link appeared before.
fn first_repeat(seen: &[(usize, String)]) -> Option<usize> {
    (1..seen.len()).find(|&i| seen[..i].iter().any(|(l, _)| *l == seen[i].0))
}

fn repeated(placed: &Placed<'_>, seen: &[(usize, String)], dup: usize) -> String {
    let first = seen
        .iter()
        .find(|(l, _)| *l == seen[dup].0)
        .expect("a repeat");
    format!(
        "link \"{}\" is already {}: every watched link is one flow, in one place",
        placed.links[seen[dup].0].name, first.1
    )
}

/// The per-hop scorers of the hop-by-hop adversary that are likelihood variants.
pub const LIKELIHOOD_SCORERS: &[&str] = &["likelihood-paper", "likelihood-queue"];

/// The global adversary following the target from mix to mix, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct HopByHopAttack {
    /// Index into the scenario's flows.
    pub target: usize,
    /// The link whose far end shows the target entering its first mix.
    pub observe_link: usize,
    pub interval: SimTime,
    pub sample_sizes: Vec<usize>,
    /// Per-hop scorers: correlation estimators or [`LIKELIHOOD_SCORERS`].
    pub scorers: Vec<String>,
    /// The mean hold likelihood scorers assume at every mix (`None`: each mix's own).
    pub t_avg: Option<SimTime>,
    /// The mixes (node indices) on the target's route, in order: the hops reported.
    pub route_mixes: Vec<usize>,
}

/// The registry entry of `kind = "hop_by_hop"`.
pub(super) const HOP_BY_HOP: AttackKindDef = AttackKindDef::of::<HopByHopKeys>(
    "hop_by_hop",
    "the global adversary following the target from mix to mix: names its link out of each mix on its route",
    &[
        "target",
        "interval",
        "sample_sizes",
        "scorers",
        "t_avg",
    ],
);

/// Resolve a `kind = "hop_by_hop"` table at key path `at`:
/// ```toml
/// [[attack]]
/// kind = "hop_by_hop"
/// target = "alice"
/// sample_sizes = [100, 1000]
/// scorers = ["mi", "likelihood-paper"]   # default ["mi"]
/// # interval = "10ms"; t_avg = "20ms" (likelihood: the hold assumed at every mix)
/// ```
/// Refused: what a correlation table refuses about target, interval and sample sizes; an
/// unknown or repeated scorer; a likelihood scorer when a mix the walk can reach has no
/// exponential hold and no `t_avg` is given.
pub(crate) fn resolve_hop_by_hop(
    a: &HopByHopKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<HopByHopAttack, ScenarioError> {
    let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
    let c = super::resolve_correlation(&a.correlation(), at, nodes, links, flows, err, warnings)?;
    refuse_per_message(&flows[c.target], at, err)?;
    let scorers = scorer_names(&a.scorers, at, err)?;
    let t_avg = match &a.t_avg {
        Some(t) if t.get_ref().0 == 0 => {
            return Err(err(
                format!("{at}.t_avg"),
                "expected a positive mean hold".into(),
            ))
        }
        t => t.as_ref().map(|t| t.get_ref().0),
    };
    let first = links[c.observe_link].to;
    if t_avg.is_none() {
        if let Some(i) = scorers
            .iter()
            .position(|s| LIKELIHOOD_SCORERS.contains(&s.as_str()))
        {
            if let Some(m) = reachable_mixes(placed, first).into_iter().find(|&m| {
                !matches!(
                    nodes[m].kind,
                    super::ResolvedNodeKind::Mix {
                        strategy: crate::net::MixStrategy::Exponential { .. }
                    }
                )
            }) {
                return Err(err(
                    format!("{at}.scorers[{i}]"),
                    format!(
                        "mix \"{}\", which the walk can reach, is not an exponential (continuous-time) mix, so it gives the likelihood scorer no delay law: set `t_avg`, the mean hold the adversary assumes at every mix",
                        nodes[m].name
                    ),
                ));
            }
        }
    }
    let route_mixes = flows[c.target]
        .route
        .iter()
        .copied()
        .filter(|&n| matches!(nodes[n].kind, super::ResolvedNodeKind::Mix { .. }))
        .collect();
    Ok(HopByHopAttack {
        target: c.target,
        observe_link: c.observe_link,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        scorers,
        t_avg,
        route_mixes,
    })
}

/// The `scorers` list: known names, each once; default ["mi"].
fn scorer_names(
    scorers: &Option<Vec<Spanned<String>>>,
    at: &str,
    err: Err<'_>,
) -> Result<Vec<String>, ScenarioError> {
    let Some(list) = scorers else {
        return Ok(vec!["mi".to_string()]);
    };
    let known: Vec<&str> = super::ESTIMATORS
        .iter()
        .chain(LIKELIHOOD_SCORERS)
        .copied()
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let name = s.get_ref();
        if !known.contains(&name.as_str()) {
            return Err(err(
                format!("{at}.scorers[{i}]"),
                format!(
                    "unknown scorer \"{name}\"{}; expected one of: {}",
                    error::suggestion(name, &known),
                    known.join(", ")
                ),
            ));
        }
        if out.contains(name) {
            return Err(err(
                format!("{at}.scorers[{i}]"),
                format!("scorer \"{name}\" is listed twice"),
            ));
        }
        out.push(name.clone());
    }
    if out.is_empty() {
        return Err(err(
            format!("{at}.scorers"),
            format!("expected at least one scorer of: {}", known.join(", ")),
        ));
    }
    Ok(out)
}

/// The mixes reachable from mix `first` over links between mixes (itself included).
fn reachable_mixes(placed: &Placed<'_>, first: usize) -> Vec<usize> {
    let is_mix = |n: usize| matches!(placed.nodes[n].kind, super::ResolvedNodeKind::Mix { .. });
    let mut seen = vec![first];
    let mut i = 0;
    while i < seen.len() {
        let m = seen[i];
        for l in placed.links.iter().filter(|l| l.from == m && is_mix(l.to)) {
            if !seen.contains(&l.to) {
                seen.push(l.to);
            }
        }
        i += 1;
    }
    seen
}

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
pub(super) const SUPERMIX: AttackKindDef = AttackKindDef::of::<SupermixKeys>(
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
/// The path adversaries follow one route: a target that draws a route per message has none.
fn refuse_per_message(tf: &super::Flow, at: &str, err: Err<'_>) -> Result<(), ScenarioError> {
    match tf.choices {
        Some(_) => Err(err(
            format!("{at}.target"),
            format!("flow \"{}\" draws a fresh route per message (its route names a layer): the path adversaries follow one route; use kind = \"correlation\" with candidates every route takes", tf.name),
        )),
        None => Ok(()),
    }
}

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

/// The keys of a `kind = "mfa"` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MfaKeys {
    /// The `[[watermark]]` suspected. Required.
    #[serde(default)]
    pub watermark: Option<Spanned<String>>,
    /// The statistic: "chi2" (default) or "profile".
    #[serde(default)]
    pub test: Option<Spanned<String>>,
    /// Bin width. Default 20ms (a SWIRL slot).
    #[serde(default)]
    pub bin: Option<Spanned<Duration>>,
    /// Span compared after each flow's first packet. Default 128s (SWIRL's 2nT).
    #[serde(default)]
    pub span: Option<Spanned<Duration>>,
    /// Rejection level. Default 0.01.
    #[serde(default)]
    pub alpha: Option<Spanned<f64>>,
    /// Relabellings of the profile test. Default 400.
    #[serde(default)]
    pub permutations: Option<Spanned<u64>>,
    /// Links "from->to" of the flows held as unmarked. Required.
    #[serde(default)]
    pub baseline: Option<LinkNames>,
    /// Groups of links examined, one detection each. Required.
    #[serde(default)]
    pub groups: Option<Spanned<Vec<LinkNames>>>,
}

impl KindKeys for MfaKeys {
    type Table = MfaAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        _warnings: &mut Vec<ScenarioError>,
    ) -> Result<MfaAttack, ScenarioError> {
        resolve_mfa(self, at, placed, err)
    }
}

impl AttackTable for MfaAttack {
    /// One attack, calling each group marked or not.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truth = Truth::Detection {
            marked: self.groups.iter().map(|g| group_marked(s, g)).collect(),
        };
        vec![(Box::new(multi_flow(self)), truth)]
    }
}

/// The multi-flow attack of a validated table.
pub fn multi_flow(m: &MfaAttack) -> MultiFlow {
    MultiFlow {
        label: format!(
            "mfa-{}",
            match m.test {
                MfaTest::Chi2 => "chi2",
                MfaTest::Profile => "profile",
            }
        ),
        test: m.test,
        bin: m.bin,
        span: m.span,
        alpha: m.alpha,
        period: m.period,
        permutations: m.permutations,
        baseline: m.baseline.clone(),
        groups: m.groups.clone(),
    }
}

/// Does any flow carrying a watermark (of any `[[watermark]]` table) cross one of `links`
/// after its watermarker? Ground truth, known to the scorer only.
pub fn group_marked(s: &Scenario, links: &[usize]) -> bool {
    s.watermarks.iter().any(|w| {
        s.flows[w.flow].links[w.hop..]
            .iter()
            .any(|l| links.contains(l))
    })
}

/// The keys of a `kind = "hop_by_hop"` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HopByHopKeys {
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub sample_sizes: Option<Spanned<Vec<u64>>>,
    /// The mean hold likelihood scorers assume at every mix. Default: each mix's own.
    #[serde(default)]
    pub t_avg: Option<Spanned<Duration>>,
    /// Per-hop scorers: correlation estimators and/or "likelihood-paper", "likelihood-queue".
    /// Default ["mi"].
    #[serde(default)]
    pub scorers: Option<Vec<Spanned<String>>>,
}

impl HopByHopKeys {
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

impl KindKeys for HopByHopKeys {
    type Table = HopByHopAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<HopByHopAttack, ScenarioError> {
        resolve_hop_by_hop(self, at, placed, err, warnings)
    }
}

impl AttackTable for HopByHopAttack {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((self.interval, *self.sample_sizes.last().expect("validated")))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    /// One attack per scorer and hop (hops within a scorer).
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truths = hop_truths(s, self);
        let mut out: Vec<(Box<dyn Attack>, Truth)> = Vec::new();
        for scorer in &self.scorers {
            let walk = Arc::new(hop_walk(s, self, scorer));
            for (hop, truth) in (1..=self.route_mixes.len()).zip(&truths) {
                out.push((Box::new(HopByHop::new(walk.clone(), hop)), truth.clone()));
            }
        }
        out
    }
}

/// The hop-by-hop walk of a validated table with per-hop scorer `scorer`: what the adversary
/// knows is the mix graph, the links' bandwidths and each mix's mean hold (or the one it
/// assumes).
pub fn hop_walk(s: &Scenario, h: &HopByHopAttack, scorer: &str) -> Walk {
    let (graph, number) = mix_graph(s);
    let mut hold = vec![0.0; graph.outputs.len()];
    for (node, m) in number.iter().enumerate() {
        if let Some(m) = *m {
            hold[m] = match (h.t_avg, &s.nodes[node].kind) {
                // The likelihood scorers' holds keep their `* 1e-9` form: a division changes
                // the scores' last bit, and with it ranks and exact ties in summary.json.
                (Some(t), _) => t as f64 * 1e-9,
                (
                    None,
                    ResolvedNodeKind::Mix {
                        strategy: MixStrategy::Exponential { mean_ns },
                    },
                ) => mean_ns * 1e-9,
                _ => f64::NAN,
            };
        }
    }
    let first = number[s.links[h.observe_link].to].expect("validated: the target enters a mix");
    let bandwidth: Vec<f64> = s.links.iter().map(|l| l.bandwidth_bps).collect();
    let (target, interval, sizes) = (
        target_watch(h.observe_link),
        h.interval,
        h.sample_sizes.clone(),
    );
    let name = scorer.to_string();
    let factory = move |prefix: &[usize], links: &[usize]| -> Box<dyn Attack> {
        match name.strip_prefix("likelihood-") {
            Some(v) => Box::new(likelihood::LikelihoodAttack {
                label: name.clone(),
                variant: Variant::parse(v).expect("validated scorer"),
                target,
                candidates: candidate_watches(links),
                bandwidth_bps: links.iter().map(|&l| bandwidth[l]).collect(),
                // The target's packets have been held by every mix walked so far: the
                // adversary assumes one exponential hold of their summed means.
                t_avg: prefix.iter().map(|&m| hold[m]).sum(),
                interval,
                sample_sizes: sizes.clone(),
            }),
            None => Box::new(Correlation {
                estimator: estimator(&name).expect("validated scorer"),
                target,
                candidates: candidate_watches(links),
                interval,
                sample_sizes: sizes.clone(),
            }),
        }
    };
    Walk {
        graph,
        first,
        scorer: Arc::new(factory),
        scorer_name: scorer.to_string(),
        sample_sizes: h.sample_sizes.clone(),
    }
}

/// Per hop of a hop-by-hop table (1, 2, ...), its truth: the target's walk through that hop
/// among the walks the adversary can take.
fn hop_truths(s: &Scenario, h: &HopByHopAttack) -> Vec<Truth> {
    let (graph, number): (MixGraph, _) = mix_graph(s);
    let first = number[s.links[h.observe_link].to].expect("validated: the target enters a mix");
    (1..=h.route_mixes.len())
        .map(|hop| Truth::Identification {
            true_candidate: hop_truth(s, h, hop, &graph.paths_at(first, hop)),
        })
        .collect()
}

/// Index (within `candidates`, walks of `hop` links) of the target's own walk: the links it
/// takes out of the first `hop` mixes of its route. Ground truth, known to the scorer only.
pub fn hop_truth(
    s: &Scenario,
    h: &HopByHopAttack,
    hop: usize,
    candidates: &[Vec<usize>],
) -> Option<usize> {
    let f = &s.flows[h.target];
    let route: Option<Vec<usize>> = h.route_mixes[..hop]
        .iter()
        .map(|mix| Some(f.links[f.route.iter().position(|n| n == mix)?]))
        .collect();
    let route = route?;
    candidates.iter().position(|c| *c == route)
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
