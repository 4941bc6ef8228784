//! The run summary: detection rates with their intervals, the model beside them, link use,
//! latency and TCP performance, computed from a run's tally. `report` writes it out
//! (summary.json, points.csv, the terminal table) without computing anything more.
//!
//! Only what the seed determines goes here (no wall times, host names or thread counts), so two
//! runs with one seed write identical bytes.

use super::{wilson, RunResult, Z95};
use crate::net::Latency;
use crate::scenario::Scenario;
use hdrhistogram::Histogram;
use serde::Serialize;

/// One evaluated point: an estimator at a sample size.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub estimator: String,
    pub sample_size: usize,
    pub trials: u64,
    pub detections: u64,
    pub detection_rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Analytical predictions at this sample size (correlation: theorem1, improved, ...).
    pub model: Option<serde_json::Value>,
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
}

impl LatencyReport {
    pub fn of(l: &Latency) -> Self {
        LatencyReport {
            end_to_end: LatencySummary::of(&l.end_to_end),
            mix_hold: LatencySummary::of(&l.mix_hold),
            queueing: LatencySummary::of(&l.queueing),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PacketReport {
    pub created: u64,
    pub delivered: u64,
    pub dropped: u64,
    pub in_flight_at_end: u64,
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

/// summary.json.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub trials: u64,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub interval_s: Option<f64>,
    pub points: Vec<Point>,
    /// Model inputs and per-scenario quantities (I_1, C_1, ...), or why there is no model.
    pub model: serde_json::Value,
    pub links: Vec<LinkSummary>,
    pub latency: LatencyReport,
    pub packets: PacketReport,
    /// TCP flows (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSummary>,
}

impl Summary {
    /// Build the summary of a run, with the analytical model of the scenario beside it (the
    /// model predicts the plug-in MI attack, so its values go on the `mi` points).
    pub fn with_model(scenario: &Scenario, result: &RunResult) -> Self {
        let (model, per_size) = super::predict::summary_model(scenario, &Default::default());
        Self::new(scenario, result, model, &|estimator, n| {
            (estimator == "mi")
                .then(|| {
                    per_size
                        .iter()
                        .find(|(m, _)| *m == n)
                        .map(|(_, v)| v.clone())
                })
                .flatten()
        })
    }

    /// Build the summary of a run. `model_at(estimator, n)` gives the model's predictions for
    /// that estimator at sample size n.
    pub fn new(
        scenario: &Scenario,
        result: &RunResult,
        model: serde_json::Value,
        model_at: &dyn Fn(&str, usize) -> Option<serde_json::Value>,
    ) -> Self {
        let t = &result.tally;
        let mut points = Vec::new();
        for (e, name) in result.estimators.iter().enumerate() {
            for (i, &n) in result.sample_sizes.iter().enumerate() {
                let d = t.detections[e][i];
                let (lo, hi) = wilson(d, t.trials, Z95);
                points.push(Point {
                    estimator: name.clone(),
                    sample_size: n,
                    trials: t.trials,
                    detections: d,
                    detection_rate: d as f64 / t.trials.max(1) as f64,
                    ci_low: lo,
                    ci_high: hi,
                    model: model_at(name, n),
                });
            }
        }
        let duration = scenario.duration as f64;
        let links = scenario
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
            })
            .collect();
        let k = t.trials.max(1) as f64;
        let measured = (scenario.duration - scenario.warmup) as f64 / 1e9;
        let flows = scenario
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
            .collect();
        Summary {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: result.seed,
            trials: t.trials,
            duration_s: scenario.duration as f64 / 1e9,
            warmup_s: scenario.warmup as f64 / 1e9,
            interval_s: scenario.attack.as_ref().map(|a| a.interval as f64 / 1e9),
            points,
            model,
            links,
            latency: LatencyReport::of(&t.latency),
            packets: PacketReport {
                created: t.counters.created,
                delivered: t.counters.delivered,
                dropped: t.counters.dropped(),
                in_flight_at_end: t.counters.in_flight(),
            },
            flows,
        }
    }
}
