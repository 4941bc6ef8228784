//! Typed predictions: what a model says beside a run, one type per model and verdict kind.
//!
//! - [`CorrelationPoint`]: seed 000's model of the plug-in MI attack at one sample size;
//! - [`PathPoint`]: the hop-by-hop adversary's path rate: the path model (per hop, the
//!   target delayed by every earlier hop), beside the product of single-mix models;
//! - [`WatermarkAnalysis`]: SWIRL's analysis of a watermark detection point;
//! - [`CorrelationModel`]: the scenario-level inputs and quantities of the correlation model.
//!
//! A model that does not describe the scenario is [`Applicable::No`] with the reason. The types
//! are plain data: [`PointModel::columns`] gives a point's numbers by name for tables and CSV,
//! and their `Serialize` writes summary.json's `model` objects with the keys in alphabetical
//! order (nested objects too), as summary.json has always written them.

use crate::model::correlation::{Checks, Information, MixModelParams, ModelSummary, Prediction};
use crate::model::swirl::SwirlRates;
use serde::{Serialize, Serializer};

/// A model that may not describe the scenario. Written as its own keys beside
/// `"applicable": true`, or as `{"applicable": false, "reason": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Applicable<T> {
    Yes(T),
    No { reason: String },
}

impl<T> Applicable<T> {
    /// The model, when it applies.
    pub fn applicable(&self) -> Option<&T> {
        match self {
            Applicable::Yes(m) => Some(m),
            Applicable::No { .. } => None,
        }
    }
}

impl<T: Serialize> Serialize for Applicable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Yes<'a, T> {
            applicable: bool,
            #[serde(flatten)]
            model: &'a T,
        }
        #[derive(Serialize)]
        struct No<'a> {
            applicable: bool,
            reason: &'a str,
        }
        match self {
            Applicable::Yes(model) => sorted(
                &Yes {
                    applicable: true,
                    model,
                },
                s,
            ),
            Applicable::No { reason } => sorted(
                &No {
                    applicable: false,
                    reason,
                },
                s,
            ),
        }
    }
}

/// Serialise `v` with every object's keys in alphabetical order: the order a JSON map gives
/// them, in which summary.json has always written model objects. Going through a JSON value is
/// what sorts them; the value lives only while it is written.
pub fn sorted<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(o) => {
                let mut entries: Vec<_> = o.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    let value = serde_json::to_value(v).map_err(serde::ser::Error::custom)?;
    sort(value).serialize(s)
}

/// Seed 000's model of the plug-in MI attack at one sample size (the columns of
/// [`Prediction`] that a summary point carries).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CorrelationPoint {
    pub theorem1: f64,
    pub theorem1_as_printed: f64,
    pub theorem1_conserving: f64,
    pub theorem1_exact: f64,
    pub improved: f64,
    pub improved_refined: f64,
    pub refined_ties: f64,
    pub semi_analytic: f64,
}

impl CorrelationPoint {
    pub fn of(p: &Prediction) -> Self {
        CorrelationPoint {
            theorem1: p.theorem1,
            theorem1_as_printed: p.theorem1_as_printed,
            theorem1_conserving: p.theorem1_conserving,
            theorem1_exact: p.theorem1_exact,
            improved: p.improved,
            improved_refined: p.improved_refined,
            refined_ties: p.refined_ties,
            semi_analytic: p.semi_analytic,
        }
    }

    /// Every value by its name.
    pub fn named(&self) -> [(&'static str, f64); 8] {
        [
            ("theorem1", self.theorem1),
            ("theorem1_as_printed", self.theorem1_as_printed),
            ("theorem1_conserving", self.theorem1_conserving),
            ("theorem1_exact", self.theorem1_exact),
            ("improved", self.improved),
            ("improved_refined", self.improved_refined),
            ("refined_ties", self.refined_ties),
            ("semi_analytic", self.semi_analytic),
        ]
    }

    /// Each value the product of that value over `hops` (the hops taken as independent).
    fn product(hops: &[CorrelationPoint]) -> Self {
        let p = |f: fn(&CorrelationPoint) -> f64| hops.iter().map(f).product();
        CorrelationPoint {
            theorem1: p(|h| h.theorem1),
            theorem1_as_printed: p(|h| h.theorem1_as_printed),
            theorem1_conserving: p(|h| h.theorem1_conserving),
            theorem1_exact: p(|h| h.theorem1_exact),
            improved: p(|h| h.improved),
            improved_refined: p(|h| h.improved_refined),
            refined_ties: p(|h| h.refined_ties),
            semi_analytic: p(|h| h.semi_analytic),
        }
    }
}

/// The hop-by-hop adversary's point "through hop k": the path model's rates (per hop, the
/// walk's rate given that it took the target's link at every earlier hop, with the target's
/// packets delayed by every earlier hop) multiplied over hops 1..=k, with the per-hop values
/// beside them; and, for comparison, the product of the single-mix models (each mix with the
/// target entering it afresh), which is not the walk's law.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPoint {
    #[serde(flatten)]
    pub product: CorrelationPoint,
    /// What the values are, in words.
    pub approximation: String,
    pub per_hop: Vec<CorrelationPoint>,
    /// The product of the single-mix models over the same hops (None where one has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_mix_product: Option<CorrelationPoint>,
}

impl PathPoint {
    /// The point through the last of `per_hop` (hop 1 first), with the single-mix models of
    /// the same hops when they all apply.
    pub fn of(per_hop: Vec<CorrelationPoint>, single_mix: Option<Vec<CorrelationPoint>>) -> Self {
        PathPoint {
            product: CorrelationPoint::product(&per_hop),
            approximation: format!(
                "path model: per hop, the mix's model with the target delayed by every earlier hop (holds, link waits, propagation), multiplied over hops 1-{}",
                per_hop.len()
            ),
            per_hop,
            single_mix_product: single_mix.map(|h| CorrelationPoint::product(&h)),
        }
    }
}

/// SWIRL's analysis of one watermark attack (the paper's eqs. 6-18 with mixsim's corrections):
/// the error rates, and the detected intervals of n they imply for marked and unmarked flows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatermarkAnalysis {
    pub analysis: &'static str,
    /// "gaussian" (symmetric jitter) or "exponential" (one exponential mix).
    pub delay_law: &'static str,
    /// Whether the marked flow is Poisson, as the analysis assumes.
    pub poisson_flow: bool,
    pub rates: SwirlRates,
    pub mean_hits_unmarked_bound: f64,
    pub mean_hits_unmarked_exact: f64,
    pub sd_hits_unmarked: f64,
    pub mean_hits_marked: f64,
    pub mean_hits_marked_miss: f64,
    pub sd_hits_marked_miss: f64,
    /// A caveat on the detector's anchor (a blind detector against a synchronised analysis).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// With `anchor = "search"`: the search's false-positive bounds.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchBounds>,
}

/// The false-positive rate of a detector that searches K grids: between one grid's and the
/// union bound over the K.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SearchBounds {
    pub search_grids: usize,
    pub search_fp_single: f64,
    pub search_fp_union: f64,
}

/// SWIRL's analysis, or why it does not describe the attack's path.
pub type WatermarkModel = Applicable<WatermarkAnalysis>;

impl WatermarkAnalysis {
    /// Every number by its name (the `rates` object aside).
    fn named(&self) -> Vec<(&'static str, f64)> {
        let mut v = vec![
            ("mean_hits_unmarked_bound", self.mean_hits_unmarked_bound),
            ("mean_hits_unmarked_exact", self.mean_hits_unmarked_exact),
            ("sd_hits_unmarked", self.sd_hits_unmarked),
            ("mean_hits_marked", self.mean_hits_marked),
            ("mean_hits_marked_miss", self.mean_hits_marked_miss),
            ("sd_hits_marked_miss", self.sd_hits_marked_miss),
        ];
        if let Some(b) = self.search {
            v.push(("search_grids", b.search_grids as f64));
            v.push(("search_fp_single", b.search_fp_single));
            v.push(("search_fp_union", b.search_fp_union));
        }
        v
    }
}

/// The model's values at one summary point.
#[derive(Debug, Clone, PartialEq)]
pub enum PointModel {
    /// The correlation model at the point's sample size (the `mi` estimator of the first
    /// correlation table).
    Correlation(CorrelationPoint),
    /// A hop-by-hop adversary's `mi` path point.
    Path(PathPoint),
    /// A watermark detection point.
    Watermark(WatermarkModel),
}

impl PointModel {
    /// The point's numbers by name, in alphabetical order, leaving out values that are not
    /// finite (the columns `model_*` of points.csv, and the table's model columns).
    pub fn columns(&self) -> Vec<(&'static str, f64)> {
        let mut v: Vec<(&'static str, f64)> = match self {
            PointModel::Correlation(c) => c.named().to_vec(),
            PointModel::Path(p) => p.product.named().to_vec(),
            PointModel::Watermark(Applicable::Yes(w)) => w.named(),
            PointModel::Watermark(Applicable::No { .. }) => Vec::new(),
        };
        v.retain(|(_, x)| x.is_finite());
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// The value named `key`, when the point has a finite one.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.columns()
            .into_iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }
}

impl Serialize for PointModel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PointModel::Correlation(c) => sorted(c, s),
            PointModel::Path(p) => sorted(p, s),
            PointModel::Watermark(w) => w.serialize(s),
        }
    }
}

/// The correlation model as it appears at the top of a run's summary: its inputs and the
/// scenario-level quantities (I_1, C_1 and the flow checks of each link stage); the
/// predictions per sample size are on the points.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationModel {
    /// What the model predicts, in words.
    pub predicts: &'static str,
    pub params: MixModelParams,
    #[serde(flatten)]
    pub information: Information,
    #[serde(flatten)]
    pub checks: Checks,
}

impl CorrelationModel {
    /// The scenario-level part of `m`, computed from `params`.
    pub fn of(params: MixModelParams, m: &ModelSummary) -> Self {
        CorrelationModel {
            predicts: "the plug-in MI attack (estimator \"mi\")",
            params,
            information: m.information,
            checks: m.checks.clone(),
        }
    }
}

/// The model at the top of a run's summary: none (no correlation attack), or the correlation
/// model, or why it does not apply.
#[derive(Debug, Clone)]
pub enum ScenarioModel {
    None,
    Correlation(Box<Applicable<CorrelationModel>>),
}

impl ScenarioModel {
    /// Why the model does not apply, when it does not.
    pub fn not_applicable(&self) -> Option<&str> {
        match self {
            ScenarioModel::Correlation(m) => match m.as_ref() {
                Applicable::No { reason } => Some(reason),
                Applicable::Yes(_) => None,
            },
            ScenarioModel::None => None,
        }
    }
}

impl Serialize for ScenarioModel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ScenarioModel::None => s.serialize_none(),
            ScenarioModel::Correlation(m) => m.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f64) -> CorrelationPoint {
        CorrelationPoint {
            theorem1: x,
            theorem1_as_printed: x,
            theorem1_conserving: x,
            theorem1_exact: x,
            improved: x,
            improved_refined: x,
            refined_ties: f64::NAN,
            semi_analytic: x,
        }
    }

    #[test]
    fn keys_are_written_in_alphabetical_order_and_nan_as_null() {
        let json = serde_json::to_string(&PointModel::Correlation(point(0.5))).unwrap();
        assert_eq!(
            json,
            "{\"improved\":0.5,\"improved_refined\":0.5,\"refined_ties\":null,\"semi_analytic\":0.5,\
             \"theorem1\":0.5,\"theorem1_as_printed\":0.5,\"theorem1_conserving\":0.5,\"theorem1_exact\":0.5}"
        );
        let no: WatermarkModel = Applicable::No {
            reason: "why".into(),
        };
        assert_eq!(
            serde_json::to_string(&no).unwrap(),
            "{\"applicable\":false,\"reason\":\"why\"}"
        );
    }

    #[test]
    fn a_path_point_multiplies_the_hops_and_keeps_them() {
        let p = PathPoint::of(
            vec![point(0.5), point(0.8)],
            Some(vec![point(0.5), point(1.0)]),
        );
        assert_eq!(p.single_mix_product.map(|s| s.improved), Some(0.5));
        assert_eq!(p.product.theorem1, 0.4);
        assert_eq!(p.per_hop.len(), 2);
        let m = PointModel::Path(p);
        assert_eq!(m.get("improved"), Some(0.4));
        // Not finite: no column.
        assert_eq!(m.get("refined_ties"), None);
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.starts_with("{\"approximation\":\"path model: per hop, the mix's model with the target delayed by every earlier hop (holds, link waits, propagation), multiplied over hops 1-2\",\"improved\":0.4,"), "{json}");
        assert!(
            json.contains("\"single_mix_product\":{\"improved\":0.5,"),
            "{json}"
        );
    }
}
