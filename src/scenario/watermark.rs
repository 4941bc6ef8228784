//! `[[watermark]]` tables: a watermark scheme placed on one flow at one node of its route.
//!
//! ```toml
//! [[watermark]]
//! name = "mark"          # attacks refer to it by this name
//! flow = "alice"         # the flow it marks
//! at = "ss"              # a host on the flow's route, before the receiver: where it acts
//! scheme = "swirl"       # swirl, ibw, icbw or rainbow
//! key_seed = 7           # the key the watermarker and its detectors share (default 0)
//! # swirl: interval = "2s", n = 32, r = 20, m = 5, q = 2.5, tau = 0.5, eta = 12,
//! #        offset = "0s", pairing = "consecutive" | "keyed", embedding = "keyed" | "uniform"
//! # ibw:   interval = "500ms", bits = 16, redundancy = 3, hamming = 3, offset = "0s"
//! # icbw:  interval = "500ms", amplitude = "350ms", bits = 24, redundancy = 4, hamming = 5,
//! #        offset = "0s"
//! # rainbow: amplitude = "5ms", length = 400, threshold = 0.2
//! ```
//!
//! The watermarker holds the flow's packets at that node (it is a stage of the network: a
//! packet leaves it never before it arrived and never before the flow's previous packet) and
//! passes every other flow untouched. Flows without a watermark are the unmarked ones: a
//! scenario with marked and unmarked flows gives false negatives and false positives from the
//! same trials. Validation refuses, besides serde's unknown keys and wrong types: an unknown
//! flow or node, a node off the flow's route, the receiver or a mix as `at`, two watermarks on
//! one flow, duplicate names, a key the scheme does not have (`eta` on an IBW watermark), and
//! parameter values the scheme rejects (`eta` above `n`, `m` below 2, ...).

use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Truth};
use super::error::{self, ScenarioError};
use super::schema::{LinkNames, SchemeKind, WatermarkSpec};
use super::{Flow, Node, Placed, ResolvedNodeKind, Scenario};
use crate::attack::watermark::{Anchor, Subject, WatermarkDetection};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::net::{JitterModel, MixStrategy};
use crate::units::Duration;
use crate::watermark::ibw::IbwParams;
use crate::watermark::icbw::IcbwParams;
use crate::watermark::rainbow::RainbowParams;
use crate::watermark::{SwirlParams, WatermarkConfig, Watermarker};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A watermarker after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Watermark {
    pub name: String,
    /// Index of the marked flow.
    pub flow: usize,
    /// Position in the flow's route of the node where it acts (0 is the sender).
    pub hop: usize,
    /// The scheme, its parameters and key seed.
    pub config: WatermarkConfig,
}

impl Watermark {
    /// A fresh watermarking stage for one trial.
    pub fn stage(&self) -> Box<dyn Watermarker> {
        crate::watermark::build(&self.config).expect("validated when the scenario was loaded")
    }
}

/// The keys each scheme has (besides name, flow, at and scheme).
fn scheme_keys(s: SchemeKind) -> &'static [&'static str] {
    match s {
        SchemeKind::Swirl => &[
            "key_seed",
            "interval",
            "offset",
            "n",
            "r",
            "m",
            "q",
            "tau",
            "eta",
            "pairing",
            "embedding",
        ],
        SchemeKind::Ibw => &[
            "key_seed",
            "interval",
            "offset",
            "bits",
            "redundancy",
            "hamming",
        ],
        SchemeKind::Icbw => &[
            "key_seed",
            "interval",
            "offset",
            "amplitude",
            "bits",
            "redundancy",
            "hamming",
        ],
        SchemeKind::Rainbow => &["key_seed", "amplitude", "length", "threshold"],
    }
}

fn scheme_name(s: SchemeKind) -> &'static str {
    match s {
        SchemeKind::Swirl => "swirl",
        SchemeKind::Ibw => "ibw",
        SchemeKind::Icbw => "icbw",
        SchemeKind::Rainbow => "rainbow",
    }
}

/// The scheme keys a table sets.
fn set_keys(w: &WatermarkSpec) -> Vec<&'static str> {
    [
        ("key_seed", w.key_seed.is_some()),
        ("interval", w.interval.is_some()),
        ("offset", w.offset.is_some()),
        ("n", w.n.is_some()),
        ("r", w.r.is_some()),
        ("m", w.m.is_some()),
        ("q", w.q.is_some()),
        ("tau", w.tau.is_some()),
        ("eta", w.eta.is_some()),
        ("pairing", w.pairing.is_some()),
        ("embedding", w.embedding.is_some()),
        ("bits", w.bits.is_some()),
        ("redundancy", w.redundancy.is_some()),
        ("hamming", w.hamming.is_some()),
        ("amplitude", w.amplitude.is_some()),
        ("length", w.length.is_some()),
        ("threshold", w.threshold.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect()
}

/// The scheme's parameters: its defaults with the table's keys applied.
fn config(w: &WatermarkSpec) -> WatermarkConfig {
    let v = |o: &Option<toml::Spanned<u32>>, d: u32| o.as_ref().map_or(d, |x| *x.get_ref());
    let dur = |o: &Option<toml::Spanned<super::units::Duration>>, d: super::units::Duration| {
        o.as_ref().map_or(d, |x| *x.get_ref())
    };
    let f = |o: &Option<toml::Spanned<f64>>, d: f64| o.as_ref().map_or(d, |x| *x.get_ref());
    let key_seed = w.key_seed.unwrap_or(0);
    match w.scheme {
        SchemeKind::Swirl => {
            let d = SwirlParams::default();
            WatermarkConfig::Swirl(SwirlParams {
                interval: dur(&w.interval, d.interval),
                n: v(&w.n, d.n),
                r: v(&w.r, d.r),
                m: v(&w.m, d.m),
                q: f(&w.q, d.q),
                tau: f(&w.tau, d.tau),
                eta: v(&w.eta, d.eta),
                key_seed,
                offset: dur(&w.offset, d.offset),
                pairing: w.pairing.unwrap_or(d.pairing),
                embedding: w.embedding.unwrap_or(d.embedding),
            })
        }
        SchemeKind::Ibw => {
            let d = IbwParams::default();
            WatermarkConfig::Ibw(IbwParams {
                interval: dur(&w.interval, d.interval),
                bits: v(&w.bits, d.bits),
                redundancy: v(&w.redundancy, d.redundancy),
                hamming: v(&w.hamming, d.hamming),
                offset: dur(&w.offset, d.offset),
                key_seed,
            })
        }
        SchemeKind::Icbw => {
            let d = IcbwParams::default();
            WatermarkConfig::Icbw(IcbwParams {
                interval: dur(&w.interval, d.interval),
                amplitude: dur(&w.amplitude, d.amplitude),
                bits: v(&w.bits, d.bits),
                redundancy: v(&w.redundancy, d.redundancy),
                hamming: v(&w.hamming, d.hamming),
                offset: dur(&w.offset, d.offset),
                key_seed,
            })
        }
        SchemeKind::Rainbow => {
            let d = RainbowParams::default();
            WatermarkConfig::Rainbow(RainbowParams {
                amplitude: dur(&w.amplitude, d.amplitude),
                length: v(&w.length, d.length),
                threshold: f(&w.threshold, d.threshold),
                key_seed,
            })
        }
    }
}

/// Resolve every `[[watermark]]` table.
pub(crate) fn resolve(
    specs: &[WatermarkSpec],
    nodes: &[Node],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Vec<Watermark>, ScenarioError> {
    let mut out: Vec<Watermark> = Vec::new();
    for (i, w) in specs.iter().enumerate() {
        let key = |k: &str| format!("watermark[{i}].{k}");
        let name = w.name.get_ref();
        if name.trim().is_empty() || name.contains('.') || name.contains('[') {
            return Err(err(
                key("name"),
                format!("expected a non-empty name without '.' or '[' (it is used in --set paths), got \"{name}\""),
            ));
        }
        if let Some(j) = out.iter().position(|o| o.name == *name) {
            return Err(err(
                key("name"),
                format!("watermark \"{name}\" is defined twice (first as watermark[{j}])"),
            ));
        }
        let flow_names: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
        let fname = w.flow.get_ref();
        let flow = flow_names.iter().position(|f| f == fname).ok_or_else(|| {
            err(
                key("flow"),
                format!(
                    "no flow named \"{fname}\"{}; known flows: {}",
                    error::suggestion(fname, &flow_names),
                    flow_names.join(", ")
                ),
            )
        })?;
        if let Some(o) = out.iter().find(|o| o.flow == flow) {
            return Err(err(
                key("flow"),
                format!(
                    "flow \"{fname}\" already carries watermark \"{}\": one watermark per flow",
                    o.name
                ),
            ));
        }
        let hop = hop_of(i, w, &flows[flow], nodes, err)?;
        let allowed = scheme_keys(w.scheme);
        if let Some(k) = set_keys(w).into_iter().find(|k| !allowed.contains(k)) {
            return Err(err(
                key(k),
                format!(
                    "`{k}` is not a parameter of scheme = \"{}\"; its parameters: {}",
                    scheme_name(w.scheme),
                    allowed.join(", ")
                ),
            ));
        }
        let config = config(w);
        if let Err(e) = config.validate() {
            let path = match e.key {
                Some(k) if allowed.contains(&k) => key(k),
                _ => format!("watermark[{i}]"),
            };
            return Err(err(path, e.expected));
        }
        super::bounds::check_watermark(&config).map_err(|e| err(key(&e.key), e.message))?;
        out.push(Watermark {
            name: name.clone(),
            flow,
            hop,
            config,
        });
    }
    Ok(out)
}

/// Where on its flow's route watermark `i` acts: a node of the route that the flow leaves
/// again and that is no mix.
fn hop_of(
    i: usize,
    w: &WatermarkSpec,
    flow: &Flow,
    nodes: &[Node],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<usize, ScenarioError> {
    let key = |k: &str| format!("watermark[{i}].{k}");
    let route = &flow.route;
    let fname = &flow.name;
    let on_route: Vec<&str> = route.iter().map(|&n| nodes[n].name.as_str()).collect();
    let at = w.at.get_ref();
    let hop = on_route.iter().position(|n| n == at).ok_or_else(|| {
        err(
            key("at"),
            format!(
                "node \"{at}\" is not on flow \"{fname}\"'s route{}; its route: {}",
                error::suggestion(at, &on_route),
                on_route.join(", ")
            ),
        )
    })?;
    if hop + 1 == route.len() {
        return Err(err(
            key("at"),
            format!("\"{at}\" is flow \"{fname}\"'s receiver: a watermarker acts at a node the flow leaves again (the sender or a host on the way)"),
        ));
    }
    if matches!(nodes[route[hop]].kind, ResolvedNodeKind::Mix { .. }) {
        return Err(err(
            key("at"),
            format!("\"{at}\" is a mix, which holds packets itself: place the watermarker at a host (the sender, or a host before the mix)"),
        ));
    }
    Ok(hop)
}

/// Where the detector of a watermark attack starts its grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnchorKind {
    Known,
    FirstReceived,
    Search { sigmas: f64, step: SimTime },
}

/// A link a watermark attack examines, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedLink {
    /// The link whose arrivals the detector reads.
    pub link: usize,
    /// The link into the watermarker: its first arrival starts a known anchor.
    pub sync: usize,
    /// Mean delay from the sync link's arrival to the observed arrival.
    pub delay: SimTime,
    /// Standard deviation of that delay (for the search).
    pub spread: SimTime,
    /// RAINBOW: the link whose arrivals are the flow entering the watermarker.
    pub reference: Option<usize>,
}

/// A watermark detection attack (`kind = "watermark"`) after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct WatermarkAttack {
    /// Index into the scenario's watermarks: the scheme, parameters and key the detector
    /// shares.
    pub watermark: usize,
    pub anchor: AnchorKind,
    pub subjects: Vec<WatchedLink>,
}

/// Mean and variance (ns, ns^2) of the delay from arriving at the end of `links[a]` (at the
/// watermarker's node) to arriving at the end of `links[b]` along `flow`'s route: mix holds,
/// transmission of the flow's packets, propagation and jitter; queueing is left out.
fn path_delay(placed: &Placed<'_>, flow: &Flow, a: usize, b: usize) -> (f64, f64) {
    let (mut mean, mut var) = (0.0, 0.0);
    for (k, &li) in flow.links.iter().enumerate().take(b + 1).skip(a + 1) {
        let l = &placed.links[li];
        // Mixes whose hold has a simple law; other strategies (threshold, pool, binomial)
        // depend on the traffic and are left out: give sync_delay and search_spread for them.
        if let ResolvedNodeKind::Mix { strategy } = placed.nodes[flow.route[k]].kind {
            match strategy {
                MixStrategy::Exponential { mean_ns } => {
                    mean += mean_ns;
                    var += mean_ns * mean_ns;
                }
                MixStrategy::Timed { period } => {
                    let t = period as f64;
                    mean += t / 2.0;
                    var += t * t / 12.0;
                }
                _ => {}
            }
        }
        mean += flow.size as f64 * 8e9 / l.bandwidth_bps + l.delay as f64;
        if let Some(s) = l.jitter {
            let s = s as f64;
            match l.jitter_model {
                JitterModel::Symmetric => var += s * s,
                JitterModel::Truncated => {
                    let m = s / (2.0 * std::f64::consts::PI).sqrt();
                    mean += m;
                    var += s * s / 2.0 - m * m;
                }
            }
        }
    }
    (mean, var)
}

/// Link indices of a list of "from->to" names.
pub(crate) fn link_list(
    v: &toml::Spanned<Vec<toml::Spanned<String>>>,
    key: &str,
    links: &[super::Link],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Vec<usize>, ScenarioError> {
    let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    v.get_ref()
        .iter()
        .enumerate()
        .map(|(j, n)| {
            names.iter().position(|x| x == n.get_ref()).ok_or_else(|| {
                err(
                    format!("{key}[{j}]"),
                    format!(
                        "no link \"{}\"{}; links are written from->to: {}",
                        n.get_ref(),
                        error::suggestion(n.get_ref(), &names),
                        names.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// The registry entry of `kind = "watermark"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<AttackKeys>(
    "watermark",
    "detection of a placed `[[watermark]]` on observed links, with the scheme's own detector and key",
    &[
        "watermark",
        "observe",
        "anchor",
        "sync",
        "sync_delay",
        "reference",
        "search_sigmas",
        "search_step",
        "search_spread",
    ],
);

/// The keys of a `kind = "watermark"` attack table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttackKeys {
    /// The `[[watermark]]` whose scheme, parameters and key the detector shares. Required.
    #[serde(default)]
    pub watermark: Option<Spanned<String>>,
    /// Links "from->to" whose arrivals the detector reads, one detection each. Required.
    #[serde(default)]
    pub observe: Option<LinkNames>,
    /// Where the detector's grid starts: "known", "first_received" (default) or "search".
    #[serde(default)]
    pub anchor: Option<Spanned<String>>,
    /// Per observed link, the link into the watermarker's node (for an unmarked path, into the
    /// node in the same place): a known anchor starts at its first arrival plus the mean delay
    /// from there, and a search covers the spread of that delay. Required for those anchors.
    #[serde(default)]
    pub sync: Option<LinkNames>,
    /// The known anchor's delay after that arrival. Default: the mean delay along the route.
    #[serde(default)]
    pub sync_delay: Option<Spanned<Duration>>,
    /// RAINBOW: per observed link, the link whose arrivals are the flow entering the
    /// watermarker. Required for rainbow, ignored by the blind schemes.
    #[serde(default)]
    pub reference: Option<LinkNames>,
    /// The search's half-width in delay spreads. Default 3.
    #[serde(default)]
    pub search_sigmas: Option<Spanned<f64>>,
    /// The search's step. Default 5ms.
    #[serde(default)]
    pub search_step: Option<Spanned<Duration>>,
    /// The search's delay spread. Default: the standard deviation of the delay along the route.
    #[serde(default)]
    pub search_spread: Option<Spanned<Duration>>,
}

impl KindKeys for AttackKeys {
    type Table = WatermarkAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        _warnings: &mut Vec<ScenarioError>,
    ) -> Result<WatermarkAttack, ScenarioError> {
        resolve_attack(self, at, placed, err)
    }
}

impl AttackTable for WatermarkAttack {
    /// The placed watermark's detector, on every observed link.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truth = Truth::Detection {
            marked: marked_subjects(s, self),
        };
        vec![(Box::new(watermark_detection(s, self)), truth)]
    }
}

/// The watermark detection attack of a validated table: the placed watermark's detector (same
/// scheme, parameters and key) on the table's links.
pub fn watermark_detection(s: &Scenario, w: &WatermarkAttack) -> WatermarkDetection {
    let config = &s.watermarks[w.watermark].config;
    WatermarkDetection {
        scheme: config.scheme().to_string(),
        detector: crate::watermark::detector(config),
        anchor: match w.anchor {
            AnchorKind::Known => Anchor::Known,
            AnchorKind::FirstReceived => Anchor::FirstReceived,
            AnchorKind::Search { sigmas, step } => Anchor::Search { sigmas, step },
        },
        subjects: w
            .subjects
            .iter()
            .map(|x| Subject {
                link: x.link,
                sync: x.sync,
                delay: x.delay,
                spread: x.spread,
                reference: x.reference,
            })
            .collect(),
    }
}

/// Per examined link: does the marked flow cross it after its watermarker? Ground truth,
/// known to the scorer only.
pub fn marked_subjects(s: &Scenario, w: &WatermarkAttack) -> Vec<bool> {
    let mark = &s.watermarks[w.watermark];
    let after = &s.flows[mark.flow].links[mark.hop..];
    w.subjects.iter().map(|x| after.contains(&x.link)).collect()
}

/// Resolve a `kind = "watermark"` attack table at key path `at`.
pub(crate) fn resolve_attack(
    a: &AttackKeys,
    at: &str,
    placed: &Placed<'_>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<WatermarkAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str, eg: &str| {
        err(
            key(k),
            format!("missing required key \"{k}\" in {at}, like {k} = {eg}"),
        )
    };
    let wi = watermark_index(a, at, placed, err)?;
    let w = &placed.watermarks[wi];
    let observe = a
        .observe
        .as_ref()
        .ok_or_else(|| missing("observe", "[\"ss->bob\"]"))?;
    let links = link_list(observe, &key("observe"), placed.links, err)?;
    if links.is_empty() {
        return Err(err(key("observe"), "expected at least one link".into()));
    }
    let per_link = |k: &str, v: &Option<toml::Spanned<Vec<toml::Spanned<String>>>>| {
        v.as_ref()
            .map(|v| {
                let l = link_list(v, &key(k), placed.links, err)?;
                if l.len() != links.len() {
                    return Err(err(
                        key(k),
                        format!(
                            "expected one link per observed link ({}), got {}",
                            links.len(),
                            l.len()
                        ),
                    ));
                }
                Ok(l)
            })
            .transpose()
    };
    let sync = per_link("sync", &a.sync)?;
    let reference = per_link("reference", &a.reference)?;
    let blind = !matches!(w.config, WatermarkConfig::Rainbow(_));
    // Blind schemes ignore a reference (so one table serves a sweep over schemes).
    if reference.is_none() && !blind {
        return Err(missing(
            "reference",
            "[\"alice->ss\"], the link into the watermarker",
        ));
    }
    let anchor = anchor_of(a, at, err)?;
    let sync = match (sync, anchor) {
        (Some(s), _) => s,
        (None, AnchorKind::FirstReceived) => links.clone(),
        (None, _) => {
            return Err(missing(
                "sync",
                "[\"alice->ss\"], per observed link the link into the watermarker",
            ))
        }
    };
    let reference = reference.filter(|_| !blind);
    let subjects = subjects_of(
        a,
        at,
        placed,
        (&links, &sync, reference.as_deref()),
        anchor,
        err,
    )?;
    check_search_bounds(anchor, &subjects, at, err)?;
    Ok(WatermarkAttack {
        watermark: wi,
        anchor,
        subjects,
    })
}

/// A search's grid of anchors per subject stays within what a run can afford.
fn check_search_bounds(
    anchor: AnchorKind,
    subjects: &[WatchedLink],
    at: &str,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    if let AnchorKind::Search { sigmas, step } = anchor {
        for s in subjects {
            super::bounds::check_search(sigmas, s.spread, step)
                .map_err(|e| err(format!("{at}.{}", e.key), e.message))?;
        }
    }
    Ok(())
}

/// The index of the `[[watermark]]` a table names (required).
fn watermark_index(
    a: &AttackKeys,
    at: &str,
    placed: &Placed<'_>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<usize, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str, eg: &str| {
        err(
            key(k),
            format!("missing required key \"{k}\" in {at}, like {k} = {eg}"),
        )
    };
    let names: Vec<&str> = placed.watermarks.iter().map(|w| w.name.as_str()).collect();
    let wname = a
        .watermark
        .as_ref()
        .ok_or_else(|| missing("watermark", "\"mark\""))?;
    names
        .iter()
        .position(|n| n == wname.get_ref())
        .ok_or_else(|| {
            err(
                key("watermark"),
                format!(
                    "no [[watermark]] named \"{}\"{}; the scenario has: {}",
                    wname.get_ref(),
                    error::suggestion(wname.get_ref(), &names),
                    if names.is_empty() {
                        "none (add a [[watermark]] table)".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        })
}

/// The search's step when a table gives none.
const DEFAULT_SEARCH_STEP: SimTime = 5_000_000;

/// Where the detector's grid starts (default `first_received`), with the keys that apply only
/// to some anchors refused under the others.
fn anchor_of(
    a: &AttackKeys,
    at: &str,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<AnchorKind, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let anchor_name = a.anchor.as_ref().map(|x| x.get_ref().as_str());
    let search_keys = [
        ("search_sigmas", a.search_sigmas.is_some()),
        ("search_step", a.search_step.is_some()),
        ("search_spread", a.search_spread.is_some()),
    ];
    let anchor = match anchor_name.unwrap_or("first_received") {
        "known" => AnchorKind::Known,
        "first_received" => AnchorKind::FirstReceived,
        "search" => {
            let sigmas = a.search_sigmas.as_ref().map_or(3.0, |x| *x.get_ref());
            if !(sigmas.is_finite() && sigmas >= 0.0) {
                return Err(err(
                    key("search_sigmas"),
                    format!("expected a number of 0 or more, got {sigmas}"),
                ));
            }
            let step = a
                .search_step
                .as_ref()
                .map_or(DEFAULT_SEARCH_STEP, |x| x.get_ref().0);
            if step == 0 {
                return Err(err(key("search_step"), "expected a step above zero".into()));
            }
            AnchorKind::Search { sigmas, step }
        }
        other => {
            let known = ["known", "first_received", "search"];
            return Err(err(
                key("anchor"),
                format!(
                    "unknown anchor \"{other}\"{}; expected one of: {}",
                    error::suggestion(other, &known),
                    known.join(", ")
                ),
            ));
        }
    };
    if !matches!(anchor, AnchorKind::Search { .. }) {
        if let Some((k, _)) = search_keys.iter().find(|(_, on)| *on) {
            return Err(err(
                key(k),
                format!("`{k}` applies only to anchor = \"search\""),
            ));
        }
    }
    if anchor != AnchorKind::Known && a.sync_delay.is_some() {
        return Err(err(
            key("sync_delay"),
            "`sync_delay` applies only to anchor = \"known\"".into(),
        ));
    }
    if anchor == AnchorKind::FirstReceived && a.sync.is_some() {
        return Err(err(
            key("sync"),
            "`sync` applies only to anchor = \"known\" (where the grid starts) and \"search\" (the delay spread it covers)".into(),
        ));
    }
    Ok(anchor)
}

/// One watched link per observed link: its sync link, the delay and spread from there (given,
/// or along a flow that crosses both), and its reference link (RAINBOW only).
fn subjects_of(
    a: &AttackKeys,
    at: &str,
    placed: &Placed<'_>,
    (links, sync, reference): (&[usize], &[usize], Option<&[usize]>),
    anchor: AnchorKind,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Vec<WatchedLink>, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let mut subjects = Vec::new();
    for (j, (&link, &sync)) in links.iter().zip(sync).enumerate() {
        // The delay law from the sync link to the observed link, along a flow that takes both
        // in that order: the topology the adversary is assumed to know (not who is marked).
        let route = placed.flows.iter().find_map(|f| {
            let pa = f.links.iter().position(|&l| l == sync)?;
            let pb = f.links.iter().position(|&l| l == link)?;
            (pa < pb).then(|| path_delay(placed, f, pa, pb))
        });
        let needs_route = (anchor == AnchorKind::Known && a.sync_delay.is_none())
            || (matches!(anchor, AnchorKind::Search { .. }) && a.search_spread.is_none());
        let (mean, var) = match route {
            Some(d) => d,
            None if needs_route => {
                return Err(err(
                    format!(
                        "{}[{j}]",
                        key(if a.sync.is_some() { "sync" } else { "observe" })
                    ),
                    format!(
                        "no flow goes from {} to {}: give {} explicitly",
                        placed.links[sync].name,
                        placed.links[link].name,
                        if anchor == AnchorKind::Known {
                            "sync_delay"
                        } else {
                            "search_spread"
                        }
                    ),
                ))
            }
            None => (0.0, 0.0),
        };
        subjects.push(WatchedLink {
            link,
            sync,
            delay: a
                .sync_delay
                .as_ref()
                .map_or(mean.round() as SimTime, |d| d.get_ref().0),
            spread: a
                .search_spread
                .as_ref()
                .map_or(var.sqrt().round() as SimTime, |d| d.get_ref().0),
            reference: reference.map(|r| r[j]),
        });
    }
    Ok(subjects)
}
