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

use super::error::{self, ScenarioError};
use super::schema::{SchemeKind, WatermarkSpec};
use super::{Flow, Node, ResolvedNodeKind};
use crate::watermark::ibw::IbwParams;
use crate::watermark::icbw::IcbwParams;
use crate::watermark::rainbow::RainbowParams;
use crate::watermark::{SwirlParams, WatermarkConfig, Watermarker};

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
    let dur = |o: &Option<toml::Spanned<crate::units::Duration>>, d: crate::units::Duration| {
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

/// A scheme's validation message "watermark.eta: expected ..." as (key, message); messages
/// about several keys stay on the table.
fn split_message(m: &str) -> (Option<&str>, String) {
    if let Some(rest) = m.strip_prefix("watermark.") {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let msg = rest[end..]
            .split_once(": ")
            .map_or(m.to_string(), |(_, x)| x.to_string());
        return (Some(&rest[..end]), msg);
    }
    (None, m.to_string())
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
        let route = &flows[flow].route;
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
        if let Err(m) = config.validate() {
            let (k, msg) = split_message(&m);
            let path = match k {
                Some(k) if allowed.contains(&k) => key(k),
                _ => format!("watermark[{i}]"),
            };
            return Err(err(path, msg));
        }
        out.push(Watermark {
            name: name.clone(),
            flow,
            hop,
            config,
        });
    }
    Ok(out)
}
