//! Writing the run summary: summary.json, points.csv and the terminal table. The summary itself
//! (every number in it) is computed by [`crate::experiment::summary`].

use crate::experiment::summary::{DetectionSummary, Point};
use crate::experiment::Summary;

/// The detection columns of points.csv and sweep.csv.
pub const DETECTION_COLUMNS: &[&str] = &[
    "marked",
    "fn_rate",
    "fn_ci_low",
    "fn_ci_high",
    "unmarked",
    "fp_rate",
    "fp_ci_low",
    "fp_ci_high",
    "mean_hits_marked",
    "mean_hits_unmarked",
];

/// Anonymity columns of identification points: the true candidate's mean rank and the mean
/// degree of anonymity (empty when the attack gives no probabilities), with 95 % intervals.
pub const ANONYMITY_COLUMNS: &[&str] = &[
    "mean_rank",
    "mean_rank_ci_low",
    "mean_rank_ci_high",
    "degree",
    "degree_ci_low",
    "degree_ci_high",
];

/// A point's cells under [`ANONYMITY_COLUMNS`] (empty for a detection).
pub fn anonymity_cells(p: &Point) -> Vec<String> {
    let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    match &p.identification {
        Some(i) => [
            i.mean_rank,
            i.mean_rank_ci_low,
            i.mean_rank_ci_high,
            i.degree,
            i.degree_ci_low,
            i.degree_ci_high,
        ]
        .into_iter()
        .map(cell)
        .collect(),
        None => vec![String::new(); ANONYMITY_COLUMNS.len()],
    }
}

/// A point's cells under [`DETECTION_COLUMNS`] (empty for an identification).
pub fn detection_cells(p: &Point) -> Vec<String> {
    match &p.detection {
        Some(d) => vec![
            d.marked.to_string(),
            d.fn_rate.to_string(),
            d.fn_ci_low.to_string(),
            d.fn_ci_high.to_string(),
            d.unmarked.to_string(),
            d.fp_rate.to_string(),
            d.fp_ci_low.to_string(),
            d.fp_ci_high.to_string(),
            d.mean_hits_marked
                .map(|x| x.to_string())
                .unwrap_or_default(),
            d.mean_hits_unmarked
                .map(|x| x.to_string())
                .unwrap_or_default(),
        ],
        None => vec![String::new(); DETECTION_COLUMNS.len()],
    }
}

impl Summary {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("summary serialises");
        s.push('\n');
        s
    }

    /// points.csv: one row per (attack, estimator, sample size), model columns flattened;
    /// detection columns (FN and FP rates with intervals) when a detection attack ran.
    pub fn points_csv(&self) -> String {
        let model_keys: Vec<String> = self
            .points
            .iter()
            .find_map(|p| p.model.as_ref())
            .map(|m| {
                m.columns()
                    .into_iter()
                    .map(|(k, _)| k.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut w = csv::Writer::from_writer(Vec::new());
        let detection = self.points.iter().any(|p| p.detection.is_some());
        let anonymity = self.points.iter().any(|p| p.identification.is_some());
        let mut header = vec![
            "scenario",
            "attack",
            "estimator",
            "kind",
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
        if anonymity {
            header.extend(ANONYMITY_COLUMNS.iter().map(|c| c.to_string()));
        }
        if detection {
            header.extend(DETECTION_COLUMNS.iter().map(|c| c.to_string()));
        }
        header.extend(model_keys.iter().map(|k| format!("model_{k}")));
        w.write_record(&header).expect("in-memory csv");
        for p in &self.points {
            let mut row = vec![
                self.scenario.clone(),
                p.attack.clone(),
                p.estimator.clone(),
                p.kind.clone(),
                p.sample_size.map(|n| n.to_string()).unwrap_or_default(),
                p.trials.to_string(),
                p.detections.to_string(),
                p.detection_rate.to_string(),
                p.ci_low.to_string(),
                p.ci_high.to_string(),
            ];
            if anonymity {
                row.extend(anonymity_cells(p));
            }
            if detection {
                row.extend(detection_cells(p));
            }
            for k in &model_keys {
                row.push(
                    p.model
                        .as_ref()
                        .and_then(|m| m.get(k))
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                );
            }
            w.write_record(&row).expect("in-memory csv");
        }
        String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf-8")
    }

    /// A key to the detection table's columns, for a reader at the terminal (`run` prints it
    /// under the table; table.txt stays the table alone). None without identification points.
    pub fn column_key(&self) -> Option<&'static str> {
        self.points
            .iter()
            .any(|p| p.sample_size.is_some())
            .then_some(COLUMN_KEY)
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
        self.identification_table(&mut s);
        self.detection_table(&mut s);
        self.entropy_lines(&mut s);
        self.link_table(&mut s);
        self.cover_links(&mut s);
        self.latency_table(&mut s);
        self.packet_lines(&mut s);
        self.tcp_table(&mut s);
        s
    }

    /// The `message_entropy` tables: the mean entropy per message with its interval, the trials
    /// tagged and the one-mix model beside it (or why there is none).
    fn entropy_lines(&self, s: &mut String) {
        use std::fmt::Write;
        if !self.message_entropy.is_empty() {
            let _ = writeln!(s, "\nanonymity per message (entropy, bits)");
        }
        for e in &self.message_entropy {
            let measured = match (e.mean_bits, e.ci_low, e.ci_high) {
                (Some(m), Some(lo), Some(hi)) => format!("{m:.3} [{lo:.3}, {hi:.3}]"),
                (Some(m), _, _) => format!("{m:.3}"),
                _ => "-".into(),
            };
            let model = match (e.model_bits, &e.not_applicable) {
                (Some(m), _) => format!("one-mix model {m:.3}"),
                (None, Some(why)) => format!("not applicable: {why}"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                s,
                "{} (target {}): {measured}, {} of {} trials tagged; {model}",
                e.attack, e.target, e.tagged, e.trials
            );
        }
    }

    /// The identification attacks' rows: D with its interval and the model beside it.
    fn identification_table(&self, s: &mut String) {
        use std::fmt::Write;
        let identifications: Vec<&Point> = self
            .points
            .iter()
            .filter(|p| p.sample_size.is_some())
            .collect();
        if !identifications.is_empty() {
            let w = column_width(10, identifications.iter().map(|p| p.label.len()));
            let _ = writeln!(
                s,
                "\n{:<w$} {:>7} {:>9} {:>17} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "estimator",
                "N",
                "D",
                "95% CI",
                "theorem1",
                "improved",
                "refined",
                "ref. ties",
                "semi"
            );
            for p in identifications {
                let m = |k: &str| {
                    p.model
                        .as_ref()
                        .and_then(|m| m.get(k))
                        .map(|v| format!("{v:.3}"))
                        .unwrap_or_else(|| "-".into())
                };
                let _ = writeln!(
                    s,
                    "{:<w$} {:>7} {:>9.3} {:>8.3}-{:<8.3} {:>9} {:>9} {:>9} {:>9} {:>9}",
                    p.label,
                    p.sample_size.unwrap_or_default(),
                    p.detection_rate,
                    p.ci_low,
                    p.ci_high,
                    m("theorem1"),
                    m("improved"),
                    m("improved_refined"),
                    m("refined_ties"),
                    m("semi_analytic")
                );
            }
            if let Some(why) = self.model.not_applicable() {
                let _ = writeln!(s, "model: not applicable, because {why}");
            }
        }
    }

    /// Per link: packets per trial, utilisation and drops.
    fn link_table(&self, s: &mut String) {
        use std::fmt::Write;
        let w = column_width(16, self.links.iter().map(|l| l.name.len()));
        let _ = writeln!(
            s,
            "\n{:<w$} {:>12} {:>8} {:>10} {:>10}",
            "link", "pkts/trial", "util", "drop-buf", "drop-loss"
        );
        for l in &self.links {
            let _ = writeln!(
                s,
                "{:<w$} {:>12.1} {:>8.3} {:>10} {:>10}",
                l.name, l.packets_per_trial, l.utilisation, l.drops_buffer, l.drops_loss
            );
        }
    }

    /// Latency quantiles: end to end, mix hold, queueing, watermark hold, per flow and class.
    fn latency_table(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            s,
            "\n{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency ms", "mean", "p50", "p90", "p99", "p99.9", "max"
        );
        let per_flow = self
            .latency
            .per_flow
            .iter()
            .map(|f| (format!("flow {}", f.flow), Some(&f.end_to_end)))
            .chain(
                self.latency
                    .per_class
                    .iter()
                    .map(|c| (c.class.clone(), Some(&c.end_to_end))),
            );
        for (name, l) in [
            ("end-to-end".to_string(), Some(&self.latency.end_to_end)),
            ("mix hold".to_string(), Some(&self.latency.mix_hold)),
            ("queueing".to_string(), Some(&self.latency.queueing)),
            (
                "watermark".to_string(),
                self.latency.watermark_hold.as_ref(),
            ),
        ]
        .into_iter()
        .chain(per_flow)
        .filter_map(|(n, l)| Some((n, l?)))
        {
            let _ = writeln!(
                s,
                "{:<12} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                name, l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms
            );
        }
    }

    /// Packet counts, by kind when there is cover.
    fn packet_lines(&self, s: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            s,
            "\npackets: {} created, {} delivered, {} dropped, {} in flight at the end",
            self.packets.created,
            self.packets.delivered,
            self.packets.dropped,
            self.packets.in_flight_at_end
        );
        if let Some(k) = &self.packets.kinds {
            for (name, c) in [
                ("real", Some(&k.real)),
                ("cover-drop", k.cover_drop.as_ref()),
                ("cover-loop", k.cover_loop.as_ref()),
            ] {
                let Some(c) = c else { continue };
                let _ = writeln!(
                    s,
                    "  {name}: {} created, {} delivered, {} dropped, {} in flight",
                    c.created, c.delivered, c.dropped, c.in_flight_at_end
                );
            }
        }
    }

    /// TCP flows: goodput and retransmissions.
    fn tcp_table(&self, s: &mut String) {
        use std::fmt::Write;
        if !self.flows.is_empty() {
            let _ = writeln!(
                s,
                "\n{:<12} {:>13} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "tcp flow",
                "goodput Mb/s",
                "segments",
                "retx",
                "fast-retx",
                "timeouts",
                "dup-acks",
                "dup-segs"
            );
            for f in &self.flows {
                let _ = writeln!(
                    s,
                    "{:<12} {:>13.3} {:>9.0} {:>9.1} {:>9.1} {:>9.2} {:>9.0} {:>9.1}",
                    f.name,
                    f.goodput_bps / 1e6,
                    f.segments_sent,
                    f.retransmits,
                    f.fast_retransmits,
                    f.timeouts,
                    f.dup_acks,
                    f.duplicate_segments
                );
            }
            let _ = writeln!(
                s,
                "(means per trial; goodput over the measured time after warm-up)"
            );
        }
    }

    /// The detection attacks' rows of the terminal table.
    /// The sender-cover dummies per link, when the scenario has cover.
    fn cover_links(&self, s: &mut String) {
        use std::fmt::Write;
        if self.links.iter().all(|l| l.cover.is_none()) {
            return;
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:>12} {:>10}",
            "link", "cover/trial", "overhead"
        );
        for l in &self.links {
            if let Some(c) = &l.cover {
                let _ = writeln!(
                    s,
                    "{:<16} {:>12.1} {:>10.3}",
                    l.name, c.dummies_per_trial, c.overhead
                );
            }
        }
    }

    fn detection_table(&self, s: &mut String) {
        use std::fmt::Write;
        let rows: Vec<(&Point, &DetectionSummary)> = self
            .points
            .iter()
            .filter_map(|p| Some((p, p.detection.as_ref()?)))
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:>7} {:>7} {:>17} {:>9} {:>7} {:>17} {:>9}",
            "detection", "marked", "FN", "95% CI", "mean hits", "unmark.", "FP", "95% CI"
        );
        for (p, d) in rows {
            let mean = |h: &[u64]| {
                let n: u64 = h.iter().sum();
                let k: u64 = h.iter().enumerate().map(|(k, &c)| k as u64 * c).sum();
                if n == 0 {
                    "-".to_string()
                } else {
                    format!("{:.2}", k as f64 / n as f64)
                }
            };
            let _ = writeln!(
                s,
                "{:<16} {:>7} {:>7.4} {:>8.4}-{:<8.4} {:>9} {:>7} {:>7.4} {:>8.4}-{:<8.4} {:>9}",
                p.label,
                d.marked,
                d.fn_rate,
                d.fn_ci_low,
                d.fn_ci_high,
                mean(&d.marked_hits),
                d.unmarked,
                d.fp_rate,
                d.fp_ci_low,
                d.fp_ci_high,
                mean(&d.unmarked_hits),
            );
        }
        let _ = writeln!(
            s,
            "(mean hits: of {} per subject, marked / unmarked; histograms in summary.json)",
            rows_out_of(&self.points)
        );
    }
}

/// Width of a table's first column: `min`, or the longest entry if longer, so that long labels
/// (`first-hop/xcorr`, generated link names) do not push their row's figures out of line.
fn column_width(min: usize, lens: impl Iterator<Item = usize>) -> usize {
    lens.fold(min, usize::max)
}

fn rows_out_of(points: &[Point]) -> u32 {
    points
        .iter()
        .filter_map(|p| p.detection.as_ref())
        .map(|d| d.out_of)
        .max()
        .unwrap_or(0)
}

/// What the detection table's columns mean (docs/models.md has the models in full).
const COLUMN_KEY: &str = "\
key: N sample size (intervals); D detection rate: trials naming the target's link, with its 95% Wilson CI;
     models of the mi estimator (- where none; docs/models.md): theorem1 Theorem 1 of the paper,
     improved candidates' estimates as chi-square variables, refined improved with the exact
     finite-N bias and spread, ref. ties refined with a tie for the top counted as a failure,
     semi the real estimator on samples of the model's joint law.
";
