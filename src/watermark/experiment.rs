//! Watermark experiment files: what `mixsim watermark FILE.toml` runs.
//!
//! An experiment file names a watermark, a traffic model and any of five sections, each a
//! small sweep written as lists (no general sweep engine):
//!
//! ```toml
//! name = "swirl-stepping-stone"
//! description = "..."
//! seed = 1
//! flows = 1000                    # flows per side (marked and unmarked); --flows wins
//!
//! [watermark]                     # the scheme and its parameters (default: SWIRL, Table 3)
//! scheme = "swirl"                # swirl | ibw | icbw | rainbow
//! # embedding = "uniform"         # SWIRL: "keyed" (default) or "uniform" (resists the MFA)
//!
//! [traffic]                       # the flows' packet process; rates come from the sections
//! model = "interactive"           # interactive (SSH-like) | poisson
//!
//! [search]                        # the blind anchor search (anchor "search")
//! sigmas = 3.0                    # half-width of the window, in path jitter sigmas
//! step = "5ms"                    # a quarter of SWIRL's 20 ms slot
//!
//! [stepping]                      # the paper's section 5.2: watermarker -> jitter -> detector
//! rates = [4.4, 9.5]              # pkt/s
//! sigmas = ["6.2ms", "9ms", "12ms"]
//! anchors = ["known", "first_received", "search"]
//! # jitter = "gaussian"           # or "truncated"; order_preserving = false; duration = "130s"
//! # traffic = [{ model = "interactive" }, { model = "poisson" }]   # default: [traffic]
//!
//! [analysis]                      # the paper's Figs 5-7, analytical only
//! rate = 4.4
//! # sigma = "9.4ms"               # default: the sigma at which the COER is coer_target
//! coer_target = 1e-7
//!
//! [mix]                           # beyond the paper: through a continuous-time mix
//! rate = 4.4
//! t_avgs = ["1ms", "5ms", "10ms", "20ms", "50ms"]
//! cross_rates = [0, 4.4, 44]      # pkt/s of Poisson cross traffic through the mix and link
//!
//! [mfa]                           # the multi-flow attack's power
//! flows = [5, 20]
//!
//! [compare]                       # one row per scheme (delays, FP, FN, MFA power)
//! rate = 9.5
//! row = [{ label = "IBW", watermark = { scheme = "ibw" } }]
//! ```
//!
//! Unknown keys are errors; every error names the file, line, column and key (the scenario
//! loader's [`ScenarioError`]). Every simulated flow draws from its own random streams, so the
//! results (and `summary.json`'s bytes) depend on the seed only, never on `--jobs`.

use super::mfa::{self, MfaConfig, MfaTest};
use super::mixexp::{self, MixConfig, FLOW_ANCHORS};
use super::params::Embedding;
use super::stepping::{
    self, search_fp_bounds, Anchor, FlowTraffic, JitterModel, Proportion, SearchParams,
    SteppingConfig, SteppingResult,
};
use super::{SwirlParams, WatermarkConfig};
use crate::engine::time::{MS, S};
use crate::model::swirl as model;
use crate::scenario::error::Source;
use crate::scenario::ScenarioError;
use crate::traffic::interactive::InteractiveParams;
use crate::units::{Bandwidth, Bytes, Duration};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The flows' packet process; the rate is set by each section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase", deny_unknown_fields)]
pub enum TrafficSpec {
    /// SSH-like interactive flows (`traffic::interactive`; `rate` is ignored here).
    Interactive(InteractiveParams),
    /// Poisson flows (the analysis' assumption).
    Poisson,
}

impl Default for TrafficSpec {
    fn default() -> Self {
        TrafficSpec::Interactive(InteractiveParams::default())
    }
}

impl TrafficSpec {
    pub fn at(&self, rate: f64) -> FlowTraffic {
        match self {
            TrafficSpec::Interactive(p) => {
                FlowTraffic::Interactive(InteractiveParams { rate, ..p.clone() })
            }
            TrafficSpec::Poisson => FlowTraffic::Poisson { rate },
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            TrafficSpec::Interactive(_) => "interactive",
            TrafficSpec::Poisson => "poisson",
        }
    }
}

fn d_flows() -> usize {
    1000
}
fn d_seed() -> u64 {
    1
}
fn d_watermark() -> WatermarkConfig {
    WatermarkConfig::Swirl(SwirlParams::default())
}
fn d_duration() -> Duration {
    Duration(130 * S)
}
fn d_anchors() -> Vec<Anchor> {
    vec![Anchor::Known, Anchor::FirstReceived, Anchor::Search]
}
fn d_rate_44() -> f64 {
    4.4
}
fn d_rate_95() -> f64 {
    9.5
}
fn d_eta16() -> u32 {
    16
}
fn d_tau05() -> f64 {
    0.5
}
fn d_coer_rates() -> Vec<f64> {
    vec![
        1.0, 1.5, 2.0, 2.5, 2.9, 3.0, 3.5, 4.0, 4.4, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
    ]
}
fn d_double_below() -> f64 {
    3.0
}
fn d_coer_target() -> f64 {
    1e-7
}
fn d_cross_flows() -> u32 {
    4
}
fn d_bandwidth() -> Bandwidth {
    Bandwidth(5e6)
}
fn d_buffer() -> u64 {
    1000
}
fn d_packet() -> Bytes {
    Bytes(1000)
}
fn d_fn_limit() -> f64 {
    0.1
}
fn d_mfa_flows() -> Vec<usize> {
    vec![5, 20]
}
fn d_trials() -> usize {
    100
}
fn d_bin() -> Duration {
    Duration(20 * MS)
}
fn d_span() -> Duration {
    Duration(128 * S)
}
fn d_alpha() -> f64 {
    0.01
}
fn d_sigma9() -> Duration {
    Duration(9 * MS)
}
fn d_known() -> Anchor {
    Anchor::Known
}

/// An experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Flows per side in every simulated section (sections may override).
    #[serde(default = "d_flows")]
    pub flows: usize,
    #[serde(default = "d_watermark")]
    pub watermark: WatermarkConfig,
    #[serde(default)]
    pub traffic: TrafficSpec,
    #[serde(default)]
    pub search: SearchParams,
    pub stepping: Option<SteppingSection>,
    pub analysis: Option<AnalysisSection>,
    pub mix: Option<MixSection>,
    pub mfa: Option<MfaSection>,
    pub compare: Option<CompareSection>,
}

/// `[stepping]`: the paper's stepping-stone simulation over rates x sigmas x anchors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SteppingSection {
    /// Flow rates, pkt/s.
    pub rates: Vec<f64>,
    /// Path jitter standard deviations.
    pub sigmas: Vec<Duration>,
    #[serde(default = "d_anchors")]
    pub anchors: Vec<Anchor>,
    #[serde(default)]
    pub jitter: JitterModel,
    #[serde(default)]
    pub order_preserving: bool,
    #[serde(default = "d_duration")]
    pub duration: Duration,
    pub flows: Option<usize>,
    /// Traffic models to run (default: the file's `[traffic]`).
    pub traffic: Option<Vec<TrafficSpec>>,
}

/// `[analysis]`: the paper's analytical figures (SWIRL only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSection {
    /// Rate of Figs 5 and 6, pkt/s.
    #[serde(default = "d_rate_44")]
    pub rate: f64,
    /// Jitter of every curve (default: the sigma giving `coer_target` at `rate`).
    pub sigma: Option<Duration>,
    #[serde(default = "d_eta16")]
    pub tau_curve_eta: u32,
    #[serde(default = "d_tau05")]
    pub eta_curve_tau: f64,
    /// Rates of Fig 7, pkt/s.
    #[serde(default = "d_coer_rates")]
    pub coer_rates: Vec<f64>,
    /// Flows slower than this (pkt/s) use 2T in Fig 7 (the paper's advice).
    #[serde(default = "d_double_below")]
    pub double_t_below: f64,
    /// The COER the paper reports at `rate` (about 1e-7).
    #[serde(default = "d_coer_target")]
    pub coer_target: f64,
}

/// `[mix]`: the watermark through a continuous-time mix with cross traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixSection {
    #[serde(default = "d_rate_44")]
    pub rate: f64,
    pub t_avgs: Vec<Duration>,
    /// Total cross-traffic rates, pkt/s (0 allowed).
    pub cross_rates: Vec<f64>,
    #[serde(default = "d_cross_flows")]
    pub cross_flows: u32,
    #[serde(default = "d_bandwidth")]
    pub bandwidth: Bandwidth,
    #[serde(default = "d_buffer")]
    pub buffer: u64,
    #[serde(default = "d_packet")]
    pub packet_size: Bytes,
    #[serde(default = "d_duration")]
    pub duration: Duration,
    pub flows: Option<usize>,
    /// "Stops working": the t_avg where FN crosses this.
    #[serde(default = "d_fn_limit")]
    pub fn_limit: f64,
    pub traffic: Option<TrafficSpec>,
}

/// `[mfa]`: the multi-flow attack's power over F (and, for SWIRL, q and the embedding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaSection {
    #[serde(default = "d_rate_95")]
    pub rate: f64,
    #[serde(default = "d_mfa_flows")]
    pub flows: Vec<usize>,
    #[serde(default = "d_trials")]
    pub trials: usize,
    /// SWIRL: quantisation multipliers to try (default: the watermark's q).
    pub qs: Option<Vec<f64>>,
    /// SWIRL: embeddings to try (default: the watermark's).
    pub embeddings: Option<Vec<Embedding>>,
    #[serde(default = "d_bin")]
    pub bin: Duration,
    #[serde(default = "d_span")]
    pub span: Duration,
    #[serde(default)]
    pub sigma: Duration,
    #[serde(default = "d_alpha")]
    pub alpha: f64,
    /// The attacker's statistics (default both).
    #[serde(default = "d_tests")]
    pub tests: Vec<MfaTest>,
}

fn d_tests() -> Vec<MfaTest> {
    vec![MfaTest::Chi2, MfaTest::Profile]
}

/// `[compare]`: one row per scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSection {
    #[serde(default = "d_rate_95")]
    pub rate: f64,
    #[serde(default = "d_sigma9")]
    pub sigma: Duration,
    #[serde(default = "d_known")]
    pub anchor: Anchor,
    #[serde(default)]
    pub jitter: JitterModel,
    pub flows: Option<usize>,
    #[serde(default = "d_mfa_flows")]
    pub mfa_flows: Vec<usize>,
    #[serde(default = "d_trials")]
    pub mfa_trials: usize,
    #[serde(default = "d_bin")]
    pub mfa_bin: Duration,
    #[serde(default = "d_tests")]
    pub mfa_tests: Vec<MfaTest>,
    pub row: Vec<CompareRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRow {
    pub label: String,
    pub watermark: WatermarkConfig,
}

/// Load and validate an experiment file.
pub fn load(path: &Path) -> Result<ExperimentFile, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::io(path, e))?;
    parse(&text, path)
}

/// Parse and validate experiment text (`origin` names it in errors).
pub fn parse(text: &str, origin: &Path) -> Result<ExperimentFile, ScenarioError> {
    let src = Source::new(origin, text);
    let file: ExperimentFile = toml::from_str(text).map_err(|e| src.toml_error(e))?;
    let raw: toml::Table = toml::from_str(text).map_err(|e| src.toml_error(e))?;
    if raw
        .get("traffic")
        .and_then(|t| t.as_table())
        .is_some_and(|t| t.contains_key("rate"))
    {
        return Err(src.error_at(
            "traffic.rate",
            "the rate is set by each section (stepping.rates, mix.rate, compare.rate, mfa.rate), not in [traffic]".into(),
        ));
    }
    file.validate()
        .map_err(|(key, message)| src.error_at(&key, message))?;
    Ok(file)
}

/// Split "key.path: message" into its key and message (validators write them so).
fn keyed(msg: String, default_key: &str) -> (String, String) {
    if let Some((k, m)) = msg.split_once(": ") {
        let is_path = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.[]-".contains(c));
        if is_path {
            let k = k.replacen("interactive.", "traffic.", 1);
            return (k, m.to_string());
        }
    }
    (default_key.to_string(), msg)
}

type Invalid = (String, String);

fn check(ok: bool, key: &str, msg: impl Into<String>) -> Result<(), Invalid> {
    if ok {
        Ok(())
    } else {
        Err((key.to_string(), msg.into()))
    }
}

fn positive_rates(v: &[f64], key: &str, allow_zero: bool) -> Result<(), Invalid> {
    check(!v.is_empty(), key, "expected at least one rate")?;
    for (i, &r) in v.iter().enumerate() {
        let ok = r.is_finite() && (r > 0.0 || (allow_zero && r == 0.0));
        check(
            ok,
            &format!("{key}[{i}]"),
            format!(
                "expected a rate in pkt/s {}, got {r}",
                if allow_zero {
                    "of 0 or more"
                } else {
                    "above zero"
                }
            ),
        )?;
    }
    Ok(())
}

impl ExperimentFile {
    fn swirl(&self) -> Option<&SwirlParams> {
        match &self.watermark {
            WatermarkConfig::Swirl(p) => Some(p),
            _ => None,
        }
    }

    /// Check what serde cannot: ranges, non-empty lists, sections that need SWIRL.
    pub fn validate(&self) -> Result<(), Invalid> {
        check(
            self.flows >= 1,
            "flows",
            "expected at least 1 flow per side",
        )?;
        self.watermark
            .validate()
            .map_err(|m| keyed(m, "watermark"))?;
        self.search.validate().map_err(|m| keyed(m, "search"))?;
        if let TrafficSpec::Interactive(p) = &self.traffic {
            p.validate().map_err(|m| keyed(m, "traffic"))?;
        }
        let any = self.stepping.is_some()
            || self.analysis.is_some()
            || self.mix.is_some()
            || self.mfa.is_some()
            || self.compare.is_some();
        check(
            any,
            "",
            "nothing to run: expected at least one of [stepping], [analysis], [mix], [mfa], [compare]",
        )?;
        if let Some(s) = &self.stepping {
            positive_rates(&s.rates, "stepping.rates", false)?;
            check(
                !s.sigmas.is_empty(),
                "stepping.sigmas",
                "expected at least one jitter sigma",
            )?;
            check(
                !s.anchors.is_empty(),
                "stepping.anchors",
                "expected at least one anchor",
            )?;
            check(
                s.flows != Some(0),
                "stepping.flows",
                "expected at least 1 flow per side",
            )?;
            if let Some(t) = &s.traffic {
                check(
                    !t.is_empty(),
                    "stepping.traffic",
                    "expected at least one traffic model",
                )?;
                for (i, t) in t.iter().enumerate() {
                    if let TrafficSpec::Interactive(p) = t {
                        p.validate().map_err(|m| {
                            let (k, m) = keyed(m, "");
                            (
                                k.replacen("traffic.", &format!("stepping.traffic[{i}]."), 1),
                                m,
                            )
                        })?;
                    }
                }
            }
            if let Some(p) = self.swirl() {
                let need = 2 * p.n as u64 * p.interval.nanos() + p.offset.nanos();
                check(
                    s.duration.nanos() >= need,
                    "stepping.duration",
                    format!(
                        "flows of {} are shorter than the watermark's 2nT + offset = {}",
                        s.duration,
                        Duration(need)
                    ),
                )?;
            }
        }
        if let Some(a) = &self.analysis {
            check(
                self.swirl().is_some(),
                "analysis",
                "the analysis is SWIRL's (eqs. 6-18): set watermark.scheme = \"swirl\"",
            )?;
            let p = self.swirl().expect("checked");
            check(
                a.rate.is_finite() && a.rate > 0.0,
                "analysis.rate",
                "expected a rate above zero",
            )?;
            check(
                (1..=p.n).contains(&a.tau_curve_eta),
                "analysis.tau_curve_eta",
                format!("expected 1..=n ({})", p.n),
            )?;
            check(
                (0.0..=1.0).contains(&a.eta_curve_tau),
                "analysis.eta_curve_tau",
                "expected 0..=1",
            )?;
            positive_rates(&a.coer_rates, "analysis.coer_rates", false)?;
            check(
                a.coer_target > 0.0 && a.coer_target < 0.5,
                "analysis.coer_target",
                "expected a rate in (0, 0.5)",
            )?;
        }
        if let Some(m) = &self.mix {
            check(
                m.rate.is_finite() && m.rate > 0.0,
                "mix.rate",
                "expected a rate above zero",
            )?;
            check(
                !m.t_avgs.is_empty(),
                "mix.t_avgs",
                "expected at least one mean mix delay",
            )?;
            positive_rates(&m.cross_rates, "mix.cross_rates", true)?;
            check(
                m.bandwidth.bits_per_sec() > 0.0,
                "mix.bandwidth",
                "must be above zero",
            )?;
            check(
                m.flows != Some(0),
                "mix.flows",
                "expected at least 1 flow per side",
            )?;
            check(
                m.fn_limit > 0.0 && m.fn_limit < 1.0,
                "mix.fn_limit",
                "expected (0, 1)",
            )?;
            let cap = m.bandwidth.bits_per_sec() / (8.0 * m.packet_size.0 as f64);
            for (i, &c) in m.cross_rates.iter().enumerate() {
                let load = (c + m.rate) / cap;
                check(
                    load < 1.0,
                    &format!("mix.cross_rates[{i}]"),
                    format!(
                        "the output link ({}, {}-byte packets: {cap:.0} pkt/s) would be loaded {:.0} %: expected below 100 %",
                        m.bandwidth, m.packet_size.0, 100.0 * load
                    ),
                )?;
            }
        }
        if let Some(m) = &self.mfa {
            check(
                m.rate.is_finite() && m.rate > 0.0,
                "mfa.rate",
                "expected a rate above zero",
            )?;
            check(
                !m.flows.is_empty() && m.flows.iter().all(|&f| f >= 1),
                "mfa.flows",
                "expected a list of group sizes F >= 1",
            )?;
            check(m.trials >= 1, "mfa.trials", "expected at least 1")?;
            check(
                m.bin.nanos() > 0 && m.span.nanos() >= m.bin.nanos(),
                "mfa.bin",
                "expected 0 < bin <= span",
            )?;
            check(
                m.alpha > 0.0 && m.alpha < 1.0,
                "mfa.alpha",
                "expected (0, 1)",
            )?;
            if m.qs.is_some() || m.embeddings.is_some() {
                check(
                    self.swirl().is_some(),
                    if m.qs.is_some() {
                        "mfa.qs"
                    } else {
                        "mfa.embeddings"
                    },
                    "q and the embedding are SWIRL's: set watermark.scheme = \"swirl\"",
                )?;
            }
            if let Some(qs) = &m.qs {
                for (i, &q) in qs.iter().enumerate() {
                    check(
                        q.is_finite() && q > 0.0,
                        &format!("mfa.qs[{i}]"),
                        format!("expected a positive number, got {q}"),
                    )?;
                }
            }
        }
        if let Some(c) = &self.compare {
            check(
                c.rate.is_finite() && c.rate > 0.0,
                "compare.rate",
                "expected a rate above zero",
            )?;
            check(
                !c.row.is_empty(),
                "compare.row",
                "expected at least one row",
            )?;
            check(
                c.flows != Some(0),
                "compare.flows",
                "expected at least 1 flow per side",
            )?;
            for (i, r) in c.row.iter().enumerate() {
                r.watermark.validate().map_err(|m| {
                    let (k, m) = keyed(m, "watermark");
                    (format!("compare.row[{i}].{k}"), m)
                })?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Results

/// Inserted delay percentiles, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelayMs {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl From<[f64; 4]> for DelayMs {
    fn from(a: [f64; 4]) -> Self {
        DelayMs {
            p50: a[0],
            p90: a[1],
            p99: a[2],
            max: a[3],
        }
    }
}

/// What a simulation measured at one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    pub flows: usize,
    /// Mean packet rate of the generated flows, pkt/s.
    pub measured_rate: f64,
    pub fp: Proportion,
    #[serde(rename = "fn")]
    pub fn_: Proportion,
    pub mean_detected_marked: f64,
    pub mean_detected_unmarked: f64,
    pub hist_marked: Vec<u64>,
    pub hist_unmarked: Vec<u64>,
    pub delay_ms: DelayMs,
}

impl From<&SteppingResult> for Measured {
    fn from(r: &SteppingResult) -> Self {
        Measured {
            flows: r.marked.len(),
            measured_rate: r.mean_rate,
            fp: r.fp,
            fn_: r.fn_,
            mean_detected_marked: r.mean_detected_marked,
            mean_detected_unmarked: r.mean_detected_unmarked,
            hist_marked: r.hist_marked.clone(),
            hist_unmarked: r.hist_unmarked.clone(),
            delay_ms: r.delay_ms.into(),
        }
    }
}

/// The analysis at one point (SWIRL), with the Monte Carlo spread of the means for F flows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predicted {
    /// Eqs. 6-18 (and mixsim's corrections) at this point.
    pub rates: model::SwirlRates,
    /// n FP_I with the union bound (eq. 7) and exact: the mean detected count of unmarked
    /// Poisson flows (exact: it is Binomial(n, FP_I exact)).
    pub mean_unmarked_bound: f64,
    pub mean_unmarked_exact: f64,
    /// Standard deviation of the mean of F unmarked flows' counts (Binomial).
    pub mc_sd_unmarked: f64,
    /// n (1 - FN_I): the paper's, and with the embedding's misses.
    pub mean_marked: f64,
    pub mean_marked_miss: f64,
    pub mc_sd_marked: f64,
    /// Anchor search: the false-positive bounds at eta (see `stepping::search_fp_bounds`).
    pub search: Option<SearchFp>,
    /// The analysis with the simulated flows' own (Q, P) interval counts instead of Poisson
    /// ones (`model::swirl::plug_in`), and its mean detected counts.
    pub plug_in: Option<model::PlugIn>,
    pub plug_in_mean_unmarked: Option<f64>,
    pub plug_in_mean_marked_miss: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SearchFp {
    /// Candidate anchors (grids) the search tries.
    pub candidates: usize,
    /// FP at eta of one grid (exact for Poisson), and the union bound over the candidates:
    /// the search's own corrected analysis.
    pub fp_single: f64,
    pub fp_union: f64,
}

fn predicted(
    p: &model::SwirlParams,
    rates: model::SwirlRates,
    flows: usize,
    search: Option<SearchFp>,
    plug_in: Option<model::PlugIn>,
) -> Predicted {
    let n = p.n as f64;
    let f = flows.max(1) as f64;
    let sd = |q: f64| (n * q * (1.0 - q) / f).sqrt();
    Predicted {
        mean_unmarked_bound: n * rates.fp_interval,
        mean_unmarked_exact: n * rates.fp_interval_exact,
        mc_sd_unmarked: sd(rates.fp_interval_exact),
        mean_marked: n * (1.0 - rates.fn_interval),
        mean_marked_miss: n * (1.0 - rates.fn_interval_miss),
        mc_sd_marked: sd(rates.fn_interval_miss),
        rates,
        search,
        plug_in_mean_unmarked: plug_in.map(|x| n * x.fp_interval),
        plug_in_mean_marked_miss: plug_in.map(|x| n * (1.0 - x.fn_interval_miss)),
        plug_in,
    }
}

/// The search's candidates and its false-positive bounds at the file's eta.
fn search_fp(
    p: &SwirlParams,
    search: &SearchParams,
    spread: u64,
    symmetric: bool,
    rates: &model::SwirlRates,
) -> SearchFp {
    let k = search.count(spread, symmetric);
    let (single, union) = search_fp_bounds(p.n, p.eta, rates.fp_interval_exact, k);
    SearchFp {
        candidates: k,
        fp_single: single,
        fp_union: union,
    }
}

/// One row of `[stepping]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SteppingRow {
    pub traffic: &'static str,
    pub rate: f64,
    pub sigma_ms: f64,
    pub jitter: JitterModel,
    pub anchor: Anchor,
    pub measured: Option<Measured>,
    pub model: Option<Predicted>,
}

/// One tau or eta point of Fig 5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub x: f64,
    pub fp: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
}

/// One rate of Fig 7 (and Fig 8's fixed eta).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatePoint {
    pub rate: f64,
    pub interval_s: f64,
    pub best: model::Coer,
    /// FP and FN at the file's eta and tau (Fig 8's fixed threshold).
    pub fixed_fp: f64,
    pub fixed_fn: f64,
}

/// `[analysis]` results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisResult {
    pub rate: f64,
    pub sigma_ms: f64,
    /// Where `sigma_ms` came from: "file" or "coer_target".
    pub sigma_from: &'static str,
    pub coer_target: f64,
    /// The sigma (ms) at which the COER at the file's eta equals the target, with either
    /// definition of the COER (`model::CoerKind`).
    pub sigma_for_target_interpolated_ms: f64,
    pub sigma_for_target_attained_ms: f64,
    /// The COER over tau at the file's eta, at `sigma_ms`.
    pub coer: model::Coer,
    /// Fig 5(a): FP and FN against tau at eta = tau_curve_eta.
    pub tau_curve_eta: u32,
    pub tau_curve: Vec<CurvePoint>,
    /// Fig 5(b): FP and FN against eta at tau = eta_curve_tau.
    pub eta_curve_tau: f64,
    pub eta_curve: Vec<CurvePoint>,
    /// Fig 6: COER against eta, and the best eta.
    pub coer_over_eta: Vec<model::Coer>,
    pub best_eta: model::Coer,
    pub best_eta_interpolated: model::Coer,
    /// Fig 7: per rate, the eta minimising the COER (T doubled below `double_t_below`).
    pub double_t_below: f64,
    pub coer_over_rate: Vec<RatePoint>,
}

/// One row of `[mix]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixRow {
    pub traffic: &'static str,
    pub rate: f64,
    pub t_avg_ms: f64,
    pub cross_rate: f64,
    pub observer: mixexp::Observer,
    pub anchor: Anchor,
    pub utilisation: Option<f64>,
    pub drops: Option<u64>,
    pub measured: Option<Measured>,
    /// The analysis with exponential delays (flow observer, synchronised detector only).
    pub model: Option<Predicted>,
}

/// Where FN first crosses the limit along t_avg, per cross level, observer and anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MixThreshold {
    pub cross_rate: f64,
    pub observer: mixexp::Observer,
    pub anchor: Anchor,
    pub fn_limit: f64,
    /// Linear interpolation between the grid's t_avgs (ms); null when FN never crosses in
    /// the grid, `below_grid` when it is already above at the smallest t_avg.
    pub t_avg_ms: Option<f64>,
    pub below_grid: bool,
    /// The model's crossing (exponential-delay analysis, with embedding misses), ms.
    pub model_t_avg_ms: Option<f64>,
}

/// One row of `[mfa]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MfaRow {
    pub scheme: &'static str,
    pub test: MfaTest,
    pub q: Option<f64>,
    pub embedding: Option<Embedding>,
    pub flows: usize,
    pub trials: usize,
    pub power: Proportion,
    pub size: Proportion,
    pub mean_ratio_marked: f64,
    pub mean_ratio_null: f64,
}

/// One row of `[compare]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareResult {
    pub label: String,
    pub scheme: &'static str,
    pub measured: Measured,
    pub mfa: Vec<MfaRow>,
}

/// Everything an experiment file produced: `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentResult {
    pub experiment: String,
    pub description: String,
    pub seed: u64,
    pub flows: usize,
    /// Simulated (false) or analytical only (true, `--model-only`).
    pub model_only: bool,
    pub watermark: WatermarkConfig,
    pub traffic: TrafficSpec,
    pub search: SearchParams,
    pub stepping: Vec<SteppingRow>,
    pub analysis: Option<AnalysisResult>,
    pub mix: Vec<MixRow>,
    pub mix_thresholds: Vec<MixThreshold>,
    pub mfa: Vec<MfaRow>,
    pub compare: Vec<CompareResult>,
}

/// How to run a file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub seed: Option<u64>,
    /// Flows per side in every section (overrides the file).
    pub flows: Option<usize>,
    /// Analytical values only, no simulation.
    pub model_only: bool,
    /// Progress lines on stderr.
    pub progress: bool,
}

/// Run an experiment file on the current rayon pool.
pub fn run(file: &ExperimentFile, opts: &RunOptions) -> ExperimentResult {
    let seed = opts.seed.unwrap_or(file.seed);
    let flows = opts.flows.unwrap_or(file.flows);
    let say = |s: String| {
        if opts.progress {
            eprintln!("{s}");
        }
    };
    let swirl = file.swirl().cloned();
    let mut out = ExperimentResult {
        experiment: file.name.clone(),
        description: file.description.clone(),
        seed,
        flows,
        model_only: opts.model_only,
        watermark: file.watermark.clone(),
        traffic: file.traffic.clone(),
        search: file.search,
        stepping: Vec::new(),
        analysis: None,
        mix: Vec::new(),
        mix_thresholds: Vec::new(),
        mfa: Vec::new(),
        compare: Vec::new(),
    };
    if let Some(s) = &file.stepping {
        let f = opts.flows.or(s.flows).unwrap_or(flows);
        let traffics = s
            .traffic
            .clone()
            .unwrap_or_else(|| vec![file.traffic.clone()]);
        for t in &traffics {
            for &rate in &s.rates {
                for &sigma in &s.sigmas {
                    let cfg = SteppingConfig {
                        watermark: file.watermark.clone(),
                        traffic: t.at(rate),
                        flows: f,
                        duration: s.duration,
                        sigma,
                        order_preserving: s.order_preserving,
                        jitter: s.jitter,
                        anchor: s.anchors[0],
                        search: file.search,
                        seed,
                    };
                    let sims = if opts.model_only {
                        None
                    } else {
                        say(format!(
                            "stepping: {} {rate} pkt/s, sigma {sigma}, {f}+{f} flows",
                            t.name()
                        ));
                        Some(stepping::run_anchors(&cfg, &s.anchors).expect("validated"))
                    };
                    for (i, &anchor) in s.anchors.iter().enumerate() {
                        let model = swirl.as_ref().map(|p| {
                            let mp = p.model();
                            let r = model::rates(&mp, rate, sigma.secs());
                            let sf = (anchor == Anchor::Search).then(|| {
                                search_fp(
                                    p,
                                    &file.search,
                                    sigma.nanos(),
                                    s.jitter == JitterModel::Gaussian,
                                    &r,
                                )
                            });
                            let pi = sims
                                .as_ref()
                                .map(|v| model::plug_in(&mp, sigma.secs(), &v[i].pair_counts));
                            predicted(&mp, r, f, sf, pi)
                        });
                        out.stepping.push(SteppingRow {
                            traffic: t.name(),
                            rate,
                            sigma_ms: sigma.nanos() as f64 / 1e6,
                            jitter: s.jitter,
                            anchor,
                            measured: sims.as_ref().map(|v| Measured::from(&v[i])),
                            model,
                        });
                    }
                }
            }
        }
    }
    if let (Some(a), Some(p)) = (&file.analysis, &swirl) {
        say("analysis: Figs 5-7".into());
        out.analysis = Some(analysis(a, p));
    }
    if let Some(m) = &file.mix {
        let f = opts.flows.or(m.flows).unwrap_or(flows);
        let traffic = m.traffic.clone().unwrap_or_else(|| file.traffic.clone());
        for &cross in &m.cross_rates {
            for &t_avg in &m.t_avgs {
                let cfg = MixConfig {
                    watermark: file.watermark.clone(),
                    traffic: traffic.at(m.rate),
                    flows: f,
                    duration: m.duration,
                    t_avg,
                    cross_rate: cross,
                    cross_flows: m.cross_flows,
                    bandwidth: m.bandwidth,
                    buffer: m.buffer,
                    packet_size: m.packet_size.0 as u32,
                    search: file.search,
                    seed,
                };
                let sim = if opts.model_only {
                    None
                } else {
                    say(format!(
                        "mix: t_avg {t_avg}, cross {cross} pkt/s, {f}+{f} flows"
                    ));
                    Some(mixexp::run(&cfg).expect("validated"))
                };
                let model = swirl.as_ref().map(|p| {
                    let mp = p.model();
                    predicted(
                        &mp,
                        model::rates_exponential(&mp, m.rate, t_avg.secs()),
                        f,
                        None,
                        None,
                    )
                });
                let base = |observer, anchor| MixRow {
                    traffic: traffic.name(),
                    rate: m.rate,
                    t_avg_ms: t_avg.nanos() as f64 / 1e6,
                    cross_rate: cross,
                    observer,
                    anchor,
                    utilisation: sim.as_ref().map(|r| r.utilisation),
                    drops: sim.as_ref().map(|r| r.drops),
                    measured: None,
                    model: None,
                };
                for (i, &anchor) in FLOW_ANCHORS.iter().enumerate() {
                    out.mix.push(MixRow {
                        measured: sim.as_ref().map(|r| Measured::from(&r.flow[i])),
                        model: (anchor == Anchor::Known).then(|| model.clone()).flatten(),
                        ..base(mixexp::Observer::Flow, anchor)
                    });
                }
                out.mix.push(MixRow {
                    measured: sim.as_ref().map(|r| Measured::from(&r.aggregate)),
                    ..base(mixexp::Observer::Aggregate, Anchor::Known)
                });
            }
        }
        out.mix_thresholds = thresholds(&out.mix, m, swirl.as_ref());
    }
    if let (Some(m), false) = (&file.mfa, opts.model_only) {
        out.mfa = mfa_rows(file, m, seed);
        say("mfa: done".into());
    }
    if let (Some(c), false) = (&file.compare, opts.model_only) {
        let f = opts.flows.or(c.flows).unwrap_or(flows);
        for row in &c.row {
            say(format!("compare: {} ({}+{} flows)", row.label, f, f));
            let cfg = SteppingConfig {
                watermark: row.watermark.clone(),
                traffic: file.traffic.at(c.rate),
                flows: f,
                duration: Duration(130 * S),
                sigma: c.sigma,
                order_preserving: false,
                jitter: c.jitter,
                anchor: c.anchor,
                search: file.search,
                seed,
            };
            let r = stepping::run(&cfg).expect("validated");
            let mfa = c
                .mfa_tests
                .iter()
                .flat_map(|&test| c.mfa_flows.iter().map(move |&ff| (test, ff)))
                .map(|(test, ff)| {
                    let mc = MfaConfig {
                        test,
                        watermark: row.watermark.clone(),
                        rate: c.rate,
                        flows: ff,
                        trials: c.mfa_trials,
                        bin: c.mfa_bin,
                        span: Duration(128 * S),
                        sigma: Duration(0),
                        alpha: 0.01,
                        seed,
                    };
                    mfa_row(&row.watermark, &mc)
                })
                .collect();
            out.compare.push(CompareResult {
                label: row.label.clone(),
                scheme: row.watermark.scheme(),
                measured: Measured::from(&r),
                mfa,
            });
        }
    }
    out
}

fn mfa_row(wm: &WatermarkConfig, mc: &MfaConfig) -> MfaRow {
    let r = mfa::run(mc).expect("validated");
    let (q, embedding) = match wm {
        WatermarkConfig::Swirl(p) => (Some(p.q), Some(p.embedding)),
        _ => (None, None),
    };
    MfaRow {
        scheme: wm.scheme(),
        test: mc.test,
        q,
        embedding,
        flows: mc.flows,
        trials: mc.trials,
        power: r.power,
        size: r.size,
        mean_ratio_marked: r.mean_ratio_marked,
        mean_ratio_null: r.mean_ratio_null,
    }
}

fn mfa_rows(file: &ExperimentFile, m: &MfaSection, seed: u64) -> Vec<MfaRow> {
    let mut configs = Vec::new();
    match &file.watermark {
        WatermarkConfig::Swirl(p) => {
            let qs = m.qs.clone().unwrap_or_else(|| vec![p.q]);
            let es = m.embeddings.clone().unwrap_or_else(|| vec![p.embedding]);
            for &e in &es {
                for &q in &qs {
                    configs.push(WatermarkConfig::Swirl(SwirlParams {
                        q,
                        embedding: e,
                        ..p.clone()
                    }));
                }
            }
        }
        other => configs.push(other.clone()),
    }
    let mut rows = Vec::new();
    for wm in &configs {
        for (&test, &f) in m
            .tests
            .iter()
            .flat_map(|t| m.flows.iter().map(move |f| (t, f)))
        {
            let mc = MfaConfig {
                test,
                watermark: wm.clone(),
                rate: m.rate,
                flows: f,
                trials: m.trials,
                bin: m.bin,
                span: m.span,
                sigma: m.sigma,
                alpha: m.alpha,
                seed,
            };
            rows.push(mfa_row(wm, &mc));
        }
    }
    rows
}

fn analysis(a: &AnalysisSection, p: &SwirlParams) -> AnalysisResult {
    let mp = p.model();
    let s_int = model::sigma_for_coer(
        &mp,
        a.rate,
        a.coer_target,
        model::CoerKind::Interpolated,
        1e-4,
        0.05,
    );
    let s_att = model::sigma_for_coer(
        &mp,
        a.rate,
        a.coer_target,
        model::CoerKind::Attained,
        1e-4,
        0.05,
    );
    let (sigma, from) = match a.sigma {
        Some(s) => (s.secs(), "file"),
        None => (s_int, "coer_target"),
    };
    let tau_curve = (1..=49)
        .map(|i| {
            let tau = i as f64 * 0.02;
            let q = model::SwirlParams {
                tau,
                eta: a.tau_curve_eta,
                ..mp
            };
            CurvePoint {
                x: tau,
                fp: model::fp(&q, a.rate),
                fn_: model::fn_rate(&q, a.rate, sigma),
            }
        })
        .collect();
    let eta_curve = (1..=p.n)
        .map(|eta| {
            let q = model::SwirlParams {
                tau: a.eta_curve_tau,
                eta,
                ..mp
            };
            CurvePoint {
                x: eta as f64,
                fp: model::fp(&q, a.rate),
                fn_: model::fn_rate(&q, a.rate, sigma),
            }
        })
        .collect();
    let (all, best) = model::coer_over_eta(&mp, a.rate, sigma);
    let best_int = *all
        .iter()
        .min_by(|x, y| x.coer_interp.total_cmp(&y.coer_interp))
        .expect("n >= 1");
    let coer_over_rate = a
        .coer_rates
        .iter()
        .map(|&rate| {
            let t = if rate < a.double_t_below {
                2.0 * mp.t
            } else {
                mp.t
            };
            let q = model::SwirlParams { t, ..mp };
            let (_, best) = model::coer_over_eta(&q, rate, sigma);
            RatePoint {
                rate,
                interval_s: t,
                best,
                fixed_fp: model::fp(&q, rate),
                fixed_fn: model::fn_rate(&q, rate, sigma),
            }
        })
        .collect();
    AnalysisResult {
        rate: a.rate,
        sigma_ms: sigma * 1e3,
        sigma_from: from,
        coer_target: a.coer_target,
        sigma_for_target_interpolated_ms: s_int * 1e3,
        sigma_for_target_attained_ms: s_att * 1e3,
        coer: model::coer_over_tau(&mp, a.rate, sigma),
        tau_curve_eta: a.tau_curve_eta,
        tau_curve,
        eta_curve_tau: a.eta_curve_tau,
        eta_curve,
        coer_over_eta: all,
        best_eta: best,
        best_eta_interpolated: best_int,
        double_t_below: a.double_t_below,
        coer_over_rate,
    }
}

/// First crossing of `limit` along increasing x of (x, y) points, linearly interpolated.
pub fn crossing(points: &[(f64, f64)], limit: f64) -> (Option<f64>, bool) {
    let Some(&(x0, y0)) = points.first() else {
        return (None, false);
    };
    if y0 > limit {
        return (Some(x0), true);
    }
    for w in points.windows(2) {
        let ((xa, ya), (xb, yb)) = (w[0], w[1]);
        if ya <= limit && yb > limit {
            return (Some(xa + (limit - ya) / (yb - ya) * (xb - xa)), false);
        }
    }
    (None, false)
}

fn thresholds(rows: &[MixRow], m: &MixSection, swirl: Option<&SwirlParams>) -> Vec<MixThreshold> {
    // The model's crossing: bisection on t_avg of fn_miss = limit (FN grows with t_avg).
    let model_cross = swirl.and_then(|p| {
        let mp = p.model();
        let f = |t: f64| model::rates_exponential(&mp, m.rate, t).fn_miss;
        let (mut lo, mut hi) = (1e-5, 1.0);
        if f(lo) > m.fn_limit || f(hi) < m.fn_limit {
            return None;
        }
        for _ in 0..60 {
            let mid = (lo * hi).sqrt();
            if f(mid) > m.fn_limit {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(1e3 * (lo * hi).sqrt())
    });
    let mut out = Vec::new();
    for &cross in &m.cross_rates {
        let combos = FLOW_ANCHORS
            .iter()
            .map(|&a| (mixexp::Observer::Flow, a))
            .chain([(mixexp::Observer::Aggregate, Anchor::Known)]);
        for (obs, anchor) in combos {
            let mut pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.cross_rate == cross && r.observer == obs && r.anchor == anchor)
                .filter_map(|r| Some((r.t_avg_ms, r.measured.as_ref()?.fn_.rate)))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            if pts.is_empty() {
                continue;
            }
            let (t, below) = crossing(&pts, m.fn_limit);
            out.push(MixThreshold {
                cross_rate: cross,
                observer: obs,
                anchor,
                fn_limit: m.fn_limit,
                t_avg_ms: t,
                below_grid: below,
                model_t_avg_ms: (obs == mixexp::Observer::Flow && anchor == Anchor::Known)
                    .then_some(model_cross)
                    .flatten(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_interpolates() {
        assert_eq!(crossing(&[(1.0, 0.0), (3.0, 0.2)], 0.1), (Some(2.0), false));
        assert_eq!(crossing(&[(1.0, 0.5), (3.0, 0.6)], 0.1), (Some(1.0), true));
        assert_eq!(crossing(&[(1.0, 0.0), (3.0, 0.05)], 0.1), (None, false));
    }

    #[test]
    fn minimal_file_parses_and_errors_are_located() {
        let f = parse(
            "name = \"x\"\n[stepping]\nrates = [4.4]\nsigmas = [\"9ms\"]\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(f.flows, 1000);
        assert_eq!(f.stepping.unwrap().anchors.len(), 3);
        let e = parse(
            "name = \"x\"\n[stepping]\nrates = [4.4]\nsigmas = [\"9ms\"]\nsigmaz = 1\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("x.toml:5:1: key `stepping.sigmaz`"), "{e}");
        assert!(e.contains("did you mean \"sigmas\""), "{e}");
        let e = parse(
            "name = \"x\"\n[watermark]\nscheme = \"swirl\"\neta = 40\n[stepping]\nrates = [4.4]\nsigmas = [\"9ms\"]\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("x.toml:4:7: key `watermark.eta`"), "{e}");
    }
}
