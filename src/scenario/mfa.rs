//! `kind = "mfa"`: the multi-flow attack on a watermark (the adversary compares groups of flows
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

use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Truth};
use super::error::{self, ScenarioError};
use super::schema::LinkNames;
use super::watermark::link_list;
use super::{Placed, Scenario};
use crate::attack::mfa::MultiFlow;
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::units::Duration;
use crate::watermark::mfa::MfaTest;
use crate::watermark::WatermarkConfig;
use serde::{Deserialize, Serialize};
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
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<MfaKeys>(
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
