//! The run summary: detection rates with their intervals (identification and detection
//! attacks alike), the model beside them, link use, latency and TCP performance, computed from a
//! run's tally. `report` writes it out (summary.json, points.csv, the terminal table) without
//! computing anything more.
//!
//! Only what the seed determines goes here (no wall times, host names or thread counts), so two
//! runs with one seed write identical bytes.

use super::predictions::{PointModel, ScenarioModel};
use super::runner::AttackInfo;
use super::score::{AttackTally, DetectionTally, IdentificationTally};
use super::{wilson, RunResult, Tally, Z95};
use crate::engine::time;
use crate::net::{CoverCounters, CoverKind, Latency, PacketCounters};
use crate::scenario::Scenario;
use hdrhistogram::Histogram;
use serde::Serialize;

/// One evaluated point: an identification attack at a sample size, or a detection attack.
///
/// `detections`, `detection_rate` and its interval are the share of trials with the true
/// candidate named (identification) or of marked subjects called marked (detection).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    /// The attack table's name.
    pub attack: String,
    /// The attack's own name (the correlation attack: its estimator).
    pub estimator: String,
    /// "identification" or "detection".
    pub kind: String,
    /// Identification: N; detection: null.
    pub sample_size: Option<usize>,
    pub trials: u64,
    pub detections: u64,
    pub detection_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identification: Option<IdentificationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<DetectionSummary>,
    /// Analytical predictions at this sample size (correlation: theorem1, improved, ...).
    pub model: Option<PointModel>,
    /// How tables and plots name the series: the estimator, or "attack/estimator" when the
    /// run has several attack tables.
    #[serde(skip)]
    pub label: String,
}

/// The failures of an identification, and where the true candidate ranked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdentificationSummary {
    pub wrong: u64,
    pub ties: u64,
    /// Trials whose true candidate was not among the candidates.
    pub absent: u64,
    /// `ranks[r - 1]`: trials where the true candidate ranked r (1 + the candidates scoring at
    /// least as high).
    pub ranks: Vec<u64>,
    /// The mean of that rank with a normal 95 % interval (absent trials excluded).
    pub mean_rank: Option<f64>,
    pub mean_rank_ci_low: Option<f64>,
    pub mean_rank_ci_high: Option<f64>,
    /// For attacks that give a probability per candidate: the mean entropy-based degree of
    /// anonymity (1 = the adversary learnt nothing, 0 = certain) with a normal 95 % interval.
    pub degree: Option<f64>,
    pub degree_ci_low: Option<f64>,
    pub degree_ci_high: Option<f64>,
}

/// A detection attack's error rates over every examined subject of every trial.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DetectionSummary {
    /// Marked subjects examined, and those called unmarked.
    pub marked: u64,
    pub false_negatives: u64,
    pub fn_rate: f64,
    pub fn_ci_low: f64,
    pub fn_ci_high: f64,
    /// Unmarked subjects examined, and those called marked.
    pub unmarked: u64,
    pub false_positives: u64,
    pub fp_rate: f64,
    pub fp_ci_low: f64,
    pub fp_ci_high: f64,
    /// The detail's range (say the n of "k of n intervals detected"; 0 without details) and
    /// its histograms: `marked_hits[k]` marked subjects had k hits.
    pub out_of: u32,
    pub marked_hits: Vec<u64>,
    pub unmarked_hits: Vec<u64>,
    /// Mean hits per marked and per unmarked subject (say detected intervals, SWIRL's
    /// statistic); null without details.
    pub mean_hits_marked: Option<f64>,
    pub mean_hits_unmarked: Option<f64>,
}

/// Mean of a histogram `h[k]` = count with k hits, None when empty.
fn hist_mean(h: &[u64]) -> Option<f64> {
    let n: u64 = h.iter().sum();
    (n > 0).then(|| {
        h.iter()
            .enumerate()
            .map(|(k, &c)| k as f64 * c as f64)
            .sum::<f64>()
            / n as f64
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkSummary {
    pub name: String,
    /// Packets sent, per trial (mean).
    pub packets_per_trial: f64,
    /// Fraction of the trial the transmitter was busy (mean).
    pub utilisation: f64,
    pub drops_buffer: u64,
    pub drops_loss: u64,
    /// A padded link's cost (absent on links without padding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<PaddingSummary>,
    /// The sender-cover dummies the link carried (absent when the scenario has no cover).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover: Option<CoverLinkSummary>,
}

/// Sender-cover dummies on a link (apart from padding's dummies).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoverLinkSummary {
    /// Cover dummies sent per trial (mean; counted in `packets_per_trial` too).
    pub dummies_per_trial: f64,
    /// Fraction of the bytes sent that were cover dummies.
    pub overhead: f64,
}

/// What link padding costs: dummies, bandwidth overhead, delay added to real packets.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PaddingSummary {
    /// Dummies sent per trial (mean).
    pub dummies_per_trial: f64,
    /// Fraction of the bytes sent that were dummies.
    pub overhead: f64,
    /// Mean wait of a real packet at the link before its transmission (slot wait and
    /// queueing), in ms.
    pub mean_wait_ms: f64,
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencySummary {
    pub samples: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl LatencySummary {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |ns: u64| ns as f64 / 1e6;
        LatencySummary {
            samples: h.len(),
            mean_ms: h.mean() / 1e6,
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencyReport {
    pub end_to_end: LatencySummary,
    pub mix_hold: LatencySummary,
    pub queueing: LatencySummary,
    /// Time held by watermarkers (absent without `[[watermark]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark_hold: Option<LatencySummary>,
    /// End-to-end latency of each attack's target flow on its own (absent without one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_flow: Vec<FlowLatency>,
    /// With sender cover: end-to-end latency of the real packets ("real", the pooled figure)
    /// and of each cover kind's dummies ("cover-drop": sender to drop hop, "cover-loop": the
    /// round trip back to the sender). The pooled figures above are the real packets' then.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_class: Vec<ClassLatency>,
}

/// One class of packets' end-to-end latency.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassLatency {
    pub class: String,
    pub end_to_end: LatencySummary,
}

/// One flow's end-to-end latency.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowLatency {
    pub flow: String,
    pub end_to_end: LatencySummary,
}

impl LatencyReport {
    pub fn of(l: &Latency) -> Self {
        LatencyReport {
            end_to_end: LatencySummary::of(&l.end_to_end),
            mix_hold: LatencySummary::of(&l.mix_hold),
            queueing: LatencySummary::of(&l.queueing),
            watermark_hold: (!l.stage_hold.is_empty()).then(|| LatencySummary::of(&l.stage_hold)),
            per_flow: Vec::new(),
            per_class: Vec::new(),
        }
    }

    /// The report with each flow of `names` (in order) beside the pooled figures.
    pub fn with_flows(mut self, names: &[String], flows: &[Histogram<u64>]) -> Self {
        self.per_flow = names
            .iter()
            .zip(flows)
            .map(|(n, h)| FlowLatency {
                flow: n.clone(),
                end_to_end: LatencySummary::of(h),
            })
            .collect();
        self
    }

    /// The report with the real packets' end-to-end latency and each cover kind's (in
    /// `kinds` order) as classes.
    pub fn with_cover(mut self, kinds: &[CoverKind], cover: &[Histogram<u64>]) -> Self {
        if kinds.is_empty() {
            return self;
        }
        let real = ClassLatency {
            class: "real".into(),
            end_to_end: self.end_to_end.clone(),
        };
        let dummies = kinds.iter().zip(cover).map(|(k, h)| ClassLatency {
            class: format!("cover-{}", k.name()),
            end_to_end: LatencySummary::of(h),
        });
        self.per_class = std::iter::once(real).chain(dummies).collect();
        self
    }
}

/// Every packet created in the trials: delivered (at the last node of its route), dropped or
/// in flight at the end. With sender cover, the totals count the dummies too and `kinds` splits
/// them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PacketReport {
    pub created: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub in_flight_at_end: u64,
    /// Absent without cover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kinds: Option<PacketKinds>,
}

/// The packet totals per kind. A drop dummy is delivered when its drop hop absorbs it, a loop
/// dummy when it is back at its sender.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PacketKinds {
    pub real: KindCount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_drop: Option<KindCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover_loop: Option<KindCount>,
}

/// One kind's created = delivered + dropped + in_flight_at_end.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KindCount {
    pub created: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub in_flight_at_end: u64,
}

impl KindCount {
    fn of(c: &CoverCounters) -> Self {
        KindCount {
            created: c.created,
            delivered: c.delivered,
            dropped: c.dropped,
            in_flight_at_end: c.in_flight(),
        }
    }
}

impl PacketReport {
    fn of(c: &PacketCounters, kinds: &[CoverKind]) -> Self {
        let kind = |k| kinds.contains(&k).then(|| KindCount::of(c.cover(k)));
        PacketReport {
            created: c.created,
            delivered: c.delivered,
            dropped: c.dropped(),
            in_flight_at_end: c.in_flight(),
            kinds: (!kinds.is_empty()).then(|| PacketKinds {
                real: KindCount::of(&c.real()),
                cover_drop: kind(CoverKind::Drop),
                cover_loop: kind(CoverKind::Loop),
            }),
        }
    }
}

/// A TCP flow's performance: what the mix costs it. Means per trial.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowSummary {
    pub name: String,
    pub model: String,
    /// Payload delivered in order to the application from the end of the warm-up to the end of
    /// the trial, in bits per second.
    pub goodput_bps: f64,
    pub segments_sent: f64,
    pub retransmits: f64,
    pub fast_retransmits: f64,
    pub timeouts: f64,
    pub dup_acks: f64,
    /// Segments the receiver got out of order (a gap below them): reordering, or loss.
    pub out_of_order: f64,
    /// Segments the receiver already had: spurious retransmissions.
    pub duplicate_segments: f64,
    pub acks_sent: f64,
}

fn identification_point(
    info: &AttackInfo,
    id: &IdentificationTally,
    trials: u64,
    label: String,
) -> Point {
    let (lo, hi) = wilson(id.correct, trials, Z95);
    let rank = super::anonymity::rank_mean_ci(&id.ranks);
    let degree =
        super::anonymity::degree_mean_ci(id.degree_trials, id.degree_sum, id.degree_sq_sum);
    Point {
        attack: info.table.clone(),
        estimator: info.name.clone(),
        kind: "identification".into(),
        sample_size: Some(id.sample_size),
        trials,
        detections: id.correct,
        detection_rate: id.correct as f64 / trials.max(1) as f64,
        ci_low: lo,
        ci_high: hi,
        identification: Some(IdentificationSummary {
            wrong: id.wrong,
            ties: id.ties,
            absent: id.absent,
            ranks: id.ranks.clone(),
            mean_rank: rank.map(|r| r.0),
            mean_rank_ci_low: rank.map(|r| r.1),
            mean_rank_ci_high: rank.map(|r| r.2),
            degree: degree.map(|d| d.0),
            degree_ci_low: degree.map(|d| d.1),
            degree_ci_high: degree.map(|d| d.2),
        }),
        detection: None,
        model: None,
        label,
    }
}

fn detection_point(info: &AttackInfo, d: &DetectionTally, trials: u64, label: String) -> Point {
    let marked = d.true_positives + d.false_negatives;
    let unmarked = d.false_positives + d.true_negatives;
    let rate = |k: u64, n: u64| k as f64 / n.max(1) as f64;
    let (lo, hi) = wilson(d.true_positives, marked, Z95);
    let (fn_lo, fn_hi) = wilson(d.false_negatives, marked, Z95);
    let (fp_lo, fp_hi) = wilson(d.false_positives, unmarked, Z95);
    Point {
        attack: info.table.clone(),
        estimator: info.name.clone(),
        kind: "detection".into(),
        sample_size: None,
        trials,
        detections: d.true_positives,
        detection_rate: rate(d.true_positives, marked),
        ci_low: lo,
        ci_high: hi,
        identification: None,
        detection: Some(DetectionSummary {
            marked,
            false_negatives: d.false_negatives,
            fn_rate: rate(d.false_negatives, marked),
            fn_ci_low: fn_lo,
            fn_ci_high: fn_hi,
            unmarked,
            false_positives: d.false_positives,
            fp_rate: rate(d.false_positives, unmarked),
            fp_ci_low: fp_lo,
            fp_ci_high: fp_hi,
            out_of: d.out_of,
            marked_hits: d.marked_hits.clone(),
            unmarked_hits: d.unmarked_hits.clone(),
            mean_hits_marked: hist_mean(&d.marked_hits),
            mean_hits_unmarked: hist_mean(&d.unmarked_hits),
        }),
        model: None,
        label,
    }
}

/// summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    /// Written as a string: JSON readers round integers above 2^53.
    #[serde(with = "crate::engine::seed")]
    pub seed: u64,
    pub trials: u64,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub interval_s: Option<f64>,
    pub points: Vec<Point>,
    /// Model inputs and per-scenario quantities (I_1, C_1, ...), or why there is no model.
    pub model: ScenarioModel,
    pub links: Vec<LinkSummary>,
    pub latency: LatencyReport,
    pub packets: PacketReport,
    /// TCP flows (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSummary>,
    /// The `message_entropy` tables' results (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub message_entropy: Vec<super::message::EntropySummary>,
    /// What produced these numbers: version, overrides, the scenario as resolved.
    pub provenance: Provenance,
}

/// Where a summary's numbers come from, so that they can be reproduced or told apart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provenance {
    /// The mixsim version that computed them.
    pub mixsim_version: String,
    /// The `--set` overrides applied to the scenario file, in order.
    pub overrides: Vec<String>,
    /// FNV-1a (64 bits, hex) of `scenario`: equal hashes, equal scenarios.
    pub scenario_fnv1a64: String,
    /// The scenario after overrides, with every default filled in, as TOML (seed and trials
    /// as in the file; the run's are the summary's `seed` and `trials`).
    pub scenario: String,
}

impl Provenance {
    pub fn of(scenario: &Scenario) -> Self {
        let text = scenario.to_toml_string();
        Provenance {
            mixsim_version: env!("CARGO_PKG_VERSION").to_string(),
            overrides: scenario.overrides.clone(),
            scenario_fnv1a64: format!("{:016x}", crate::engine::seed::fnv1a(text.as_bytes())),
            scenario: text,
        }
    }
}

impl Summary {
    /// Build the summary of a run, with the analytical model of the scenario beside it (the
    /// model predicts the plug-in MI attack of the first correlation table, so its values go on
    /// that table's `mi` points).
    pub fn with_model(scenario: &Scenario, result: &RunResult) -> Self {
        let (model, per_size) = super::predict::summary_model(scenario, &Default::default());
        let modelled = scenario
            .attacks
            .iter()
            .find(|a| a.kind.get::<crate::scenario::CorrelationAttack>().is_some())
            .map(|a| a.name.clone());
        let paths: Vec<(String, Vec<_>)> = scenario
            .attacks
            .iter()
            .filter_map(|a| {
                let h = a.kind.get::<crate::scenario::adversary::HopByHopAttack>()?;
                h.scorers.iter().any(|x| x == "mi").then(|| {
                    (
                        a.name.clone(),
                        super::predict::hop_models(scenario, h, &Default::default()),
                    )
                })
            })
            .collect();
        let mut summary = Self::new(scenario, result, model, &|attack, estimator, n| {
            if n == 0 {
                return super::predict::watermark_point_model(scenario, attack)
                    .map(PointModel::Watermark);
            }
            if let Some((_, hops)) = paths.iter().find(|(t, _)| t == attack) {
                let hop = estimator.strip_prefix("mi:hop")?.parse().ok()?;
                return super::predict::path_point_model(hops, hop, n).map(PointModel::Path);
            }
            if Some(attack) != modelled.as_deref() || estimator != "mi" {
                return None;
            }
            per_size
                .iter()
                .find(|(m, _)| *m == n)
                .map(|(_, v)| PointModel::Correlation(*v))
        });
        summary.message_entropy = match &result.message_entropy {
            Some(done) => done.clone(),
            None => super::message::summaries(scenario, result.seed, result.tally.trials),
        };
        summary
    }

    /// [`Summary::with_model`] on `jobs` threads, the run's own: a `message_entropy` table
    /// simulates the run's trials again, which must not take every core of a shared node.
    pub fn with_model_on(scenario: &Scenario, result: &RunResult, jobs: usize) -> Self {
        rayon::ThreadPoolBuilder::new()
            .num_threads(super::jobs::usable(jobs))
            .build()
            .expect("a pool of at most the machine's parallelism")
            .install(|| Self::with_model(scenario, result))
    }

    /// Build the summary of a run. `model_at(attack, estimator, n)` gives the model's
    /// predictions for that attack table's estimator at sample size n (n = 0: a detection
    /// attack's analysis).
    pub fn new(
        scenario: &Scenario,
        result: &RunResult,
        model: ScenarioModel,
        model_at: &dyn Fn(&str, &str, usize) -> Option<PointModel>,
    ) -> Self {
        let t = &result.tally;
        let kinds = crate::experiment::runner::cover_kinds(scenario);
        Summary {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: result.seed,
            trials: t.trials,
            duration_s: time::to_secs_f64(scenario.duration),
            warmup_s: time::to_secs_f64(scenario.warmup),
            interval_s: scenario
                .attacks
                .iter()
                .find_map(|a| a.kind.counting())
                .map(|(interval, _)| time::to_secs_f64(interval)),
            points: points_of(result, model_at),
            model,
            links: link_summaries(scenario, t, &kinds),
            latency: LatencyReport::of(&t.latency)
                .with_flows(
                    &crate::experiment::runner::latency_flows(scenario)
                        .iter()
                        .map(|&f| scenario.flows[f].name.clone())
                        .collect::<Vec<_>>(),
                    &t.flow_latency,
                )
                .with_cover(&kinds, &t.cover_latency),
            packets: PacketReport::of(&t.counters, &kinds),
            flows: tcp_flows(scenario, t),
            message_entropy: Vec::new(),
            provenance: Provenance::of(scenario),
        }
    }
}

/// A point per sample size of each identification attack and one per detection attack, each
/// with the model's predictions for it; labelled `table/name` when there are several tables.
fn points_of(
    result: &RunResult,
    model_at: &dyn Fn(&str, &str, usize) -> Option<PointModel>,
) -> Vec<Point> {
    let t = &result.tally;
    let several = result
        .attacks
        .iter()
        .any(|a| a.table != result.attacks[0].table);
    let mut points = Vec::new();
    for (info, tally) in result.attacks.iter().zip(&t.attacks) {
        let label = if several {
            format!("{}/{}", info.table, info.name)
        } else {
            info.name.clone()
        };
        match tally {
            AttackTally::Identification(sizes) => {
                for id in sizes {
                    let mut p = identification_point(info, id, t.trials, label.clone());
                    p.model = model_at(&info.table, &info.name, id.sample_size);
                    points.push(p);
                }
            }
            AttackTally::Detection(d) => {
                let mut p = detection_point(info, d, t.trials, label.clone());
                p.model = model_at(&info.table, &info.name, 0);
                points.push(p);
            }
        }
    }
    points
}

/// Per link: packets, utilisation, drops, and its padding and cover dummies where it has them.
fn link_summaries(scenario: &Scenario, t: &Tally, kinds: &[CoverKind]) -> Vec<LinkSummary> {
    let duration = scenario.duration as f64;
    scenario
        .links
        .iter()
        .zip(&t.links)
        .map(|(l, s)| LinkSummary {
            name: l.name.clone(),
            packets_per_trial: s.sent as f64 / t.trials.max(1) as f64,
            utilisation: s.busy_ns as f64 / (duration * t.trials.max(1) as f64),
            drops_buffer: s.drops_buffer,
            drops_loss: s.drops_loss,
            padding: l.padding.map(|_| PaddingSummary {
                dummies_per_trial: s.dummies as f64 / t.trials.max(1) as f64,
                overhead: s.dummy_bytes as f64 / s.bytes_sent.max(1) as f64,
                mean_wait_ms: s.wait_ns as f64 / 1e6 / (s.sent - s.dummies).max(1) as f64,
            }),
            cover: (!kinds.is_empty()).then(|| CoverLinkSummary {
                dummies_per_trial: s.cover as f64 / t.trials.max(1) as f64,
                overhead: s.cover_bytes as f64 / s.bytes_sent.max(1) as f64,
            }),
        })
        .collect()
}

/// Per TCP flow: goodput and the sender's and receiver's counters, per trial.
fn tcp_flows(scenario: &Scenario, t: &Tally) -> Vec<FlowSummary> {
    let k = t.trials.max(1) as f64;
    let measured = time::to_secs_f64(scenario.duration - scenario.warmup);
    scenario
        .flows
        .iter()
        .filter(|f| f.traffic.tcp().is_some())
        .zip(&t.tcp)
        .map(|(f, s)| FlowSummary {
            name: f.name.clone(),
            model: "tcp".into(),
            goodput_bps: s.receiver.delivered_after_warmup as f64 * s.mss as f64 * 8.0
                / measured
                / k,
            segments_sent: s.sender.segments_sent as f64 / k,
            retransmits: s.sender.retransmits as f64 / k,
            fast_retransmits: s.sender.fast_retransmits as f64 / k,
            timeouts: s.sender.timeouts as f64 / k,
            dup_acks: s.sender.dup_acks as f64 / k,
            out_of_order: s.receiver.out_of_order as f64 / k,
            duplicate_segments: s.receiver.duplicates as f64 / k,
            acks_sent: s.receiver.acks_sent as f64 / k,
        })
        .collect()
}
