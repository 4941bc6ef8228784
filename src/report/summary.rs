//! The run summary: what `mixsim run` writes to summary.json and points.csv.
//!
//! Only what the seed determines goes here (no wall times, host names or thread counts), so two
//! runs with one seed write identical bytes.

use crate::experiment::{wilson, RunResult, Z95};
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
}

impl Summary {
    /// Build the summary of a run, with the analytical model of the scenario beside it (the
    /// model predicts the plug-in MI attack, so its values go on the `mi` points).
    pub fn with_model(scenario: &Scenario, result: &RunResult) -> Self {
        let (model, per_size) =
            crate::experiment::predict::summary_model(scenario, &Default::default());
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
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }

    /// points.csv: one row per (estimator, sample size), model columns flattened.
    pub fn points_csv(&self) -> String {
        let model_keys: Vec<String> = self
            .points
            .iter()
            .find_map(|p| p.model.as_ref())
            .and_then(|m| m.as_object())
            .map(|o| {
                o.keys()
                    .filter(|k| o[k.as_str()].is_number())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![
            "scenario",
            "estimator",
            "sample_size",
            "trials",
            "detections",
            "detection_rate",
            "ci_low",
            "ci_high",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        header.extend(model_keys.iter().map(|k| format!("model_{k}")));
        w.write_record(&header).expect("in-memory csv");
        for p in &self.points {
            let mut row = vec![
                self.scenario.clone(),
                p.estimator.clone(),
                p.sample_size.to_string(),
                p.trials.to_string(),
                p.detections.to_string(),
                p.detection_rate.to_string(),
                p.ci_low.to_string(),
                p.ci_high.to_string(),
            ];
            for k in &model_keys {
                row.push(
                    p.model
                        .as_ref()
                        .and_then(|m| m.get(k))
                        .and_then(|v| v.as_f64())
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                );
            }
            w.write_record(&row).expect("in-memory csv");
        }
        String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf-8")
    }

    /// The terminal table.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: {} trials, seed {}",
            self.scenario, self.trials, self.seed
        );
        if !self.points.is_empty() {
            let _ = writeln!(
                s,
                "\n{:<10} {:>7} {:>9} {:>17} {:>9} {:>9} {:>9} {:>9}",
                "estimator", "N", "D", "95% CI", "theorem1", "improved", "refined", "semi"
            );
            for p in &self.points {
                let m = |k: &str| {
                    p.model
                        .as_ref()
                        .and_then(|m| m.get(k))
                        .and_then(|v| v.as_f64())
                        .map(|v| format!("{v:.3}"))
                        .unwrap_or_else(|| "-".into())
                };
                let _ = writeln!(
                    s,
                    "{:<10} {:>7} {:>9.3} {:>8.3}-{:<8.3} {:>9} {:>9} {:>9} {:>9}",
                    p.estimator,
                    p.sample_size,
                    p.detection_rate,
                    p.ci_low,
                    p.ci_high,
                    m("theorem1"),
                    m("improved"),
                    m("improved_refined"),
                    m("semi_analytic")
                );
            }
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:>12} {:>8} {:>10} {:>10}",
            "link", "pkts/trial", "util", "drop-buf", "drop-loss"
        );
        for l in &self.links {
            let _ = writeln!(
                s,
                "{:<16} {:>12.1} {:>8.3} {:>10} {:>10}",
                l.name, l.packets_per_trial, l.utilisation, l.drops_buffer, l.drops_loss
            );
        }
        let _ = writeln!(
            s,
            "\n{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency ms", "mean", "p50", "p90", "p99", "p99.9", "max"
        );
        for (name, l) in [
            ("end-to-end", &self.latency.end_to_end),
            ("mix hold", &self.latency.mix_hold),
            ("queueing", &self.latency.queueing),
        ] {
            let _ = writeln!(
                s,
                "{:<12} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                name, l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
            );
        }
        let _ = writeln!(
            s,
            "\npackets: {} created, {} delivered, {} dropped, {} in flight at the end",
            self.packets.created,
            self.packets.delivered,
            self.packets.dropped,
            self.packets.in_flight_at_end
        );
        s
    }
}
