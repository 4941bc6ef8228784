//! Outputs of a watermark experiment: summary.json, CSV files, SVG plots and the terminal
//! table. Everything here is a pure function of the [`ExperimentResult`], so the bytes depend
//! on the seed only.

use super::experiment::{ExperimentResult, Measured, Predicted};
use super::plots::{self, Series};
use super::stepping::Anchor;
use std::fmt::Write as _;

/// `summary.json`: the whole result, pretty-printed, newline-terminated.
pub fn summary_json(r: &ExperimentResult) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("serialisable");
    s.push('\n');
    s
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn measured_cols() -> Vec<&'static str> {
    vec![
        "flows",
        "measured_rate",
        "fp_k",
        "fp_n",
        "fp",
        "fp_ci_low",
        "fp_ci_high",
        "fn_k",
        "fn_n",
        "fn",
        "fn_ci_low",
        "fn_ci_high",
        "mean_detected_marked",
        "mean_detected_unmarked",
        "delay_p50_ms",
        "delay_p90_ms",
        "delay_p99_ms",
        "delay_max_ms",
    ]
}

fn measured_vals(m: Option<&Measured>) -> Vec<String> {
    match m {
        None => vec![String::new(); measured_cols().len()],
        Some(m) => vec![
            m.flows.to_string(),
            m.measured_rate.to_string(),
            m.fp.k.to_string(),
            m.fp.n.to_string(),
            m.fp.rate.to_string(),
            m.fp.ci_low.to_string(),
            m.fp.ci_high.to_string(),
            m.fn_.k.to_string(),
            m.fn_.n.to_string(),
            m.fn_.rate.to_string(),
            m.fn_.ci_low.to_string(),
            m.fn_.ci_high.to_string(),
            m.mean_detected_marked.to_string(),
            m.mean_detected_unmarked.to_string(),
            m.delay_ms.p50.to_string(),
            m.delay_ms.p90.to_string(),
            m.delay_ms.p99.to_string(),
            m.delay_ms.max.to_string(),
        ],
    }
}

fn model_cols() -> Vec<&'static str> {
    vec![
        "model_fp_eq9",
        "model_fp_exact",
        "model_mean_unmarked_bound",
        "model_mean_unmarked_exact",
        "model_mc_sd_unmarked",
        "model_fn_eq18",
        "model_fn_miss",
        "model_mean_marked",
        "model_mean_marked_miss",
        "model_mc_sd_marked",
        "model_fp_interval",
        "model_fp_interval_exact",
        "model_fn_s",
        "model_fn_pj",
        "model_fn_p",
        "model_fn_interval",
        "model_fn_interval_miss",
        "search_candidates",
        "search_fp_single",
        "search_fp_union",
        "plugin_empty_fraction",
        "plugin_fp_interval",
        "plugin_fn_interval_miss",
        "plugin_fp",
        "plugin_fn_miss",
        "plugin_mean_unmarked",
        "plugin_mean_marked_miss",
    ]
}

fn model_vals(m: Option<&Predicted>) -> Vec<String> {
    match m {
        None => vec![String::new(); model_cols().len()],
        Some(p) => {
            let r = &p.rates;
            let s = p.search.as_ref();
            vec![
                r.fp.to_string(),
                r.fp_exact.to_string(),
                p.mean_unmarked_bound.to_string(),
                p.mean_unmarked_exact.to_string(),
                p.mc_sd_unmarked.to_string(),
                r.fn_.to_string(),
                r.fn_miss.to_string(),
                p.mean_marked.to_string(),
                p.mean_marked_miss.to_string(),
                p.mc_sd_marked.to_string(),
                r.fp_interval.to_string(),
                r.fp_interval_exact.to_string(),
                r.fn_s.to_string(),
                r.fn_pj.to_string(),
                r.fn_p.to_string(),
                r.fn_interval.to_string(),
                r.fn_interval_miss.to_string(),
                opt(s.map(|s| s.candidates)),
                opt(s.map(|s| s.fp_single)),
                opt(s.map(|s| s.fp_union)),
                opt(p.plug_in.map(|x| x.empty_fraction)),
                opt(p.plug_in.map(|x| x.fp_interval)),
                opt(p.plug_in.map(|x| x.fn_interval_miss)),
                opt(p.plug_in.map(|x| x.fp)),
                opt(p.plug_in.map(|x| x.fn_miss)),
                opt(p.plug_in_mean_unmarked),
                opt(p.plug_in_mean_marked_miss),
            ]
        }
    }
}

fn csv_bytes(header: Vec<&str>, rows: Vec<Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("in-memory csv");
    for r in rows {
        w.write_record(&r).expect("in-memory csv");
    }
    w.into_inner().expect("in-memory csv")
}

fn lower<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// CSV files, (name, bytes), for the sections present.
pub fn csv_files(r: &ExperimentResult) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if !r.stepping.is_empty() {
        let mut header = vec!["traffic", "rate", "sigma_ms", "jitter", "anchor"];
        header.extend(measured_cols());
        header.extend(model_cols());
        let rows = r
            .stepping
            .iter()
            .map(|s| {
                let mut v = vec![
                    s.traffic.to_string(),
                    s.rate.to_string(),
                    s.sigma_ms.to_string(),
                    lower(&s.jitter),
                    s.anchor.name().to_string(),
                ];
                v.extend(measured_vals(s.measured.as_ref()));
                v.extend(model_vals(s.model.as_ref()));
                v
            })
            .collect();
        out.push(("stepping.csv".to_string(), csv_bytes(header, rows)));
    }
    if !r.mix.is_empty() {
        let mut header = vec![
            "traffic",
            "rate",
            "t_avg_ms",
            "cross_rate",
            "observer",
            "anchor",
            "utilisation",
            "drops",
        ];
        header.extend(measured_cols());
        header.extend(model_cols());
        let rows = r
            .mix
            .iter()
            .map(|m| {
                let mut v = vec![
                    m.traffic.to_string(),
                    m.rate.to_string(),
                    m.t_avg_ms.to_string(),
                    m.cross_rate.to_string(),
                    lower(&m.observer),
                    m.anchor.name().to_string(),
                    opt(m.utilisation),
                    opt(m.drops),
                ];
                v.extend(measured_vals(m.measured.as_ref()));
                v.extend(model_vals(m.model.as_ref()));
                v
            })
            .collect();
        out.push(("mix.csv".to_string(), csv_bytes(header, rows)));
    }
    if !r.mfa.is_empty() || !r.compare.is_empty() {
        let header = vec![
            "label",
            "scheme",
            "test",
            "q",
            "embedding",
            "flows",
            "trials",
            "power_k",
            "power",
            "power_ci_low",
            "power_ci_high",
            "size",
            "mean_ratio_marked",
            "mean_ratio_null",
        ];
        let rows = r
            .mfa
            .iter()
            .map(|m| ("", m))
            .chain(
                r.compare
                    .iter()
                    .flat_map(|c| c.mfa.iter().map(move |m| (c.label.as_str(), m))),
            )
            .map(|(label, m)| {
                vec![
                    label.to_string(),
                    m.scheme.to_string(),
                    lower(&m.test),
                    opt(m.q),
                    m.embedding.map(|e| lower(&e)).unwrap_or_default(),
                    m.flows.to_string(),
                    m.trials.to_string(),
                    m.power.k.to_string(),
                    m.power.rate.to_string(),
                    m.power.ci_low.to_string(),
                    m.power.ci_high.to_string(),
                    m.size.rate.to_string(),
                    m.mean_ratio_marked.to_string(),
                    m.mean_ratio_null.to_string(),
                ]
            })
            .collect();
        out.push(("mfa.csv".to_string(), csv_bytes(header, rows)));
    }
    if !r.compare.is_empty() {
        let mut header = vec!["label", "scheme"];
        header.extend(measured_cols());
        let rows = r
            .compare
            .iter()
            .map(|c| {
                let mut v = vec![c.label.clone(), c.scheme.to_string()];
                v.extend(measured_vals(Some(&c.measured)));
                v
            })
            .collect();
        out.push(("compare.csv".to_string(), csv_bytes(header, rows)));
    }
    if let Some(a) = &r.analysis {
        let curve = |pts: &[super::experiment::CurvePoint], x: &'static str| {
            csv_bytes(
                vec![x, "fp", "fn"],
                pts.iter()
                    .map(|p| vec![p.x.to_string(), p.fp.to_string(), p.fn_.to_string()])
                    .collect(),
            )
        };
        out.push(("analysis-tau.csv".into(), curve(&a.tau_curve, "tau")));
        out.push(("analysis-eta.csv".into(), curve(&a.eta_curve, "eta")));
        out.push((
            "analysis-coer-eta.csv".into(),
            csv_bytes(
                vec!["eta", "tau_low", "tau", "fp", "fn", "coer", "coer_interp"],
                a.coer_over_eta
                    .iter()
                    .map(|c| {
                        vec![
                            c.eta.to_string(),
                            c.tau_low.to_string(),
                            c.tau.to_string(),
                            c.fp.to_string(),
                            c.fn_.to_string(),
                            c.coer.to_string(),
                            c.coer_interp.to_string(),
                        ]
                    })
                    .collect(),
            ),
        ));
        out.push((
            "analysis-coer-rate.csv".into(),
            csv_bytes(
                vec![
                    "rate",
                    "interval_s",
                    "best_eta",
                    "tau",
                    "coer",
                    "coer_interp",
                    "fixed_eta_fp",
                    "fixed_eta_fn",
                ],
                a.coer_over_rate
                    .iter()
                    .map(|p| {
                        vec![
                            p.rate.to_string(),
                            p.interval_s.to_string(),
                            p.best.eta.to_string(),
                            p.best.tau.to_string(),
                            p.best.coer.to_string(),
                            p.best.coer_interp.to_string(),
                            p.fixed_fp.to_string(),
                            p.fixed_fn.to_string(),
                        ]
                    })
                    .collect(),
            ),
        ));
    }
    out
}

fn binomial_pmf(n: u32, p: f64) -> Vec<f64> {
    use statrs::distribution::{Binomial, Discrete};
    let b = Binomial::new(p.clamp(0.0, 1.0), n as u64).expect("valid");
    (0..=n as u64).map(|k| b.pmf(k)).collect()
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x}");
    s.replace('.', "_")
}

/// SVG plots, (name, text), for the sections present.
pub fn svg_files(r: &ExperimentResult) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let first_anchor = r.stepping.first().map(|s| s.anchor);
    for s in &r.stepping {
        let Some(m) = &s.measured else { continue };
        if Some(s.anchor) != first_anchor && s.anchor != Anchor::FirstReceived {
            continue;
        }
        let mut models = Vec::new();
        if let Some(p) = &s.model {
            let n = (m.hist_marked.len() - 1) as u32;
            models.push((
                "model: Binomial(n, 1 - FN_I') marked",
                binomial_pmf(n, 1.0 - p.rates.fn_interval_miss),
            ));
            models.push((
                "model: Binomial(n, FP_I exact) unmarked",
                binomial_pmf(n, p.rates.fp_interval_exact),
            ));
        }
        let title = format!(
            "{}: {} flows {} pkt/s, sigma {} ms ({}), anchor {}",
            r.experiment,
            s.traffic,
            s.rate,
            s.sigma_ms,
            lower(&s.jitter),
            s.anchor.name()
        );
        let svg = plots::histogram(
            &title,
            "detected intervals (of n)",
            &[
                ("watermarked", &m.hist_marked),
                ("not watermarked", &m.hist_unmarked),
            ],
            &models,
        );
        out.push((
            format!(
                "fig9-{}-{}pps-{}ms-{}.svg",
                s.traffic,
                fmt_num(s.rate),
                fmt_num(s.sigma_ms),
                s.anchor.name()
            ),
            svg,
        ));
    }
    if let Some(a) = &r.analysis {
        let fl = 1e-40;
        let tau = |f: fn(&super::experiment::CurvePoint) -> f64| {
            a.tau_curve.iter().map(|p| (p.x, f(p))).collect::<Vec<_>>()
        };
        out.push((
            "fig5a-tau.svg".into(),
            plots::lines(
                &format!(
                    "Fig. 5(a): eta = {}, {} pkt/s, sigma {:.2} ms",
                    a.tau_curve_eta, a.rate, a.sigma_ms
                ),
                "packet threshold tau",
                "false error probability",
                false,
                true,
                fl,
                &[
                    Series::line("false positive (eq. 9)", tau(|p| p.fp)),
                    Series::line("false negative (eq. 18)", tau(|p| p.fn_)),
                ],
            ),
        ));
        let eta = |f: fn(&super::experiment::CurvePoint) -> f64| {
            a.eta_curve.iter().map(|p| (p.x, f(p))).collect::<Vec<_>>()
        };
        out.push((
            "fig5b-eta.svg".into(),
            plots::lines(
                &format!(
                    "Fig. 5(b): tau = {}, {} pkt/s, sigma {:.2} ms",
                    a.eta_curve_tau, a.rate, a.sigma_ms
                ),
                "detection threshold eta",
                "false error probability",
                false,
                true,
                fl,
                &[
                    Series::line("false positive (eq. 9)", eta(|p| p.fp)),
                    Series::line("false negative (eq. 18)", eta(|p| p.fn_)),
                ],
            ),
        ));
        out.push((
            "fig6-coer-eta.svg".into(),
            plots::lines(
                &format!(
                    "Fig. 6: COER against eta, {} pkt/s, sigma {:.2} ms",
                    a.rate, a.sigma_ms
                ),
                "detection threshold eta",
                "COER",
                false,
                true,
                fl,
                &[
                    Series::line(
                        "interpolated crossing",
                        a.coer_over_eta
                            .iter()
                            .map(|c| (c.eta as f64, c.coer_interp))
                            .collect(),
                    ),
                    Series::line(
                        "attained: min over tau of max(FP, FN)",
                        a.coer_over_eta
                            .iter()
                            .map(|c| (c.eta as f64, c.coer))
                            .collect(),
                    ),
                ],
            ),
        ));
        out.push((
            "fig7-coer-rate.svg".into(),
            plots::lines(
                &format!(
                    "Fig. 7: optimal-eta COER against rate (T doubled below {} pkt/s), sigma {:.2} ms",
                    a.double_t_below, a.sigma_ms
                ),
                "flow rate (pkt/s)",
                "COER",
                false,
                true,
                fl,
                &[
                    Series::dots(
                        "COER at the best eta (attained)",
                        a.coer_over_rate.iter().map(|p| (p.rate, p.best.coer)).collect(),
                        Vec::new(),
                    ),
                    Series::line(
                        "FP at fixed eta, tau (Fig. 8)",
                        a.coer_over_rate.iter().map(|p| (p.rate, p.fixed_fp)).collect(),
                    ),
                    Series::line(
                        "FN at fixed eta, tau (Fig. 8)",
                        a.coer_over_rate.iter().map(|p| (p.rate, p.fixed_fn)).collect(),
                    ),
                ],
            ),
        ));
        out.push((
            "fig7a-best-eta.svg".into(),
            plots::lines(
                "Fig. 7(a): eta minimising the COER against rate",
                "flow rate (pkt/s)",
                "best eta",
                false,
                false,
                0.0,
                &[Series::dots(
                    "best eta",
                    a.coer_over_rate
                        .iter()
                        .map(|p| (p.rate, p.best.eta as f64))
                        .collect(),
                    Vec::new(),
                )],
            ),
        ));
    }
    if !r.mix.is_empty() {
        let mut crosses: Vec<f64> = Vec::new();
        for m in &r.mix {
            if !crosses.contains(&m.cross_rate) {
                crosses.push(m.cross_rate);
            }
        }
        for &c in &crosses {
            let rows: Vec<_> = r.mix.iter().filter(|m| m.cross_rate == c).collect();
            let mut series = Vec::new();
            for (obs, anchor, label) in [
                (
                    super::mixexp::Observer::Flow,
                    Anchor::Known,
                    "flow, synchronised",
                ),
                (
                    super::mixexp::Observer::Flow,
                    Anchor::FirstReceived,
                    "flow, blind (first packet)",
                ),
                (
                    super::mixexp::Observer::Flow,
                    Anchor::Search,
                    "flow, blind search",
                ),
                (
                    super::mixexp::Observer::Aggregate,
                    Anchor::Known,
                    "aggregate, synchronised",
                ),
            ] {
                let sel: Vec<_> = rows
                    .iter()
                    .filter(|m| m.observer == obs && m.anchor == anchor)
                    .filter_map(|m| Some((m.t_avg_ms, m.measured.as_ref()?.fn_)))
                    .collect();
                if sel.is_empty() {
                    continue;
                }
                series.push(Series::dots(
                    format!("FN {label}"),
                    sel.iter().map(|(x, p)| (*x, p.rate)).collect(),
                    sel.iter().map(|(x, p)| (*x, p.ci_low, p.ci_high)).collect(),
                ));
            }
            let model: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|m| Some((m.t_avg_ms, m.model.as_ref()?.rates.fn_miss)))
                .collect();
            if !model.is_empty() {
                series.push(Series::line(
                    "model: exponential-delay eq. 18 (+misses)",
                    model,
                ));
            }
            out.push((
                format!("mix-fn-cross{}pps.svg", fmt_num(c)),
                plots::lines(
                    &format!(
                        "{}: FN against mean mix delay, cross traffic {c} pkt/s",
                        r.experiment
                    ),
                    "mean mix delay t_avg (ms)",
                    "false-negative rate",
                    true,
                    false,
                    0.0,
                    &series,
                ),
            ));
        }
    }
    out
}

fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}")
    }
}

fn prop(p: &super::stepping::Proportion) -> String {
    format!("{}/{} [{}, {}]", p.k, p.n, sci(p.ci_low), sci(p.ci_high))
}

/// The terminal table: empirical FP/FN with Wilson 95 % intervals beside the analysis.
pub fn table(r: &ExperimentResult) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (seed {}, {} flows per side{})",
        r.experiment,
        r.seed,
        r.flows,
        if r.model_only { ", analysis only" } else { "" }
    );
    if !r.stepping.is_empty() {
        let _ = writeln!(
            s,
            "\nstepping stone: watermarker -> jittered path -> detector"
        );
        let _ = writeln!(
            s,
            "{:<11} {:>5} {:>6} {:<14} | {:<26} {:>9} {:>9} | {:>16} {:>12} | {:<26} {:>9} {:>9} | {:>6} {:>13} | {:>6}",
            "traffic", "rate", "sigma", "anchor", "FP emp [95% CI]", "eq9 FP", "exact FP", "unmarked mean", "model n FP_I", "FN emp [95% CI]", "eq18 FN", "+misses", "marked", "n(1-FN_I) '", "p99 ms"
        );
        for row in &r.stepping {
            let (fp, fnr, mu, mm, p99) = match &row.measured {
                Some(m) => (
                    prop(&m.fp),
                    prop(&m.fn_),
                    format!("{:.3}", m.mean_detected_unmarked),
                    format!("{:.2}", m.mean_detected_marked),
                    format!("{:.0}", m.delay_ms.p99),
                ),
                None => Default::default(),
            };
            let (fp9, fpx, mun, fn18, fnm, mmk) = match &row.model {
                Some(p) => (
                    sci(p.rates.fp),
                    sci(p.rates.fp_exact),
                    format!("{:.3}+-{:.3}", p.mean_unmarked_exact, p.mc_sd_unmarked),
                    sci(p.rates.fn_),
                    sci(p.rates.fn_miss),
                    format!("{:.2}/{:.2}", p.mean_marked, p.mean_marked_miss),
                ),
                None => Default::default(),
            };
            let _ = writeln!(
                s,
                "{:<11} {:>5} {:>6} {:<14} | {:<26} {:>9} {:>9} | {:>16} {:>12} | {:<26} {:>9} {:>9} | {:>6} {:>13} | {:>6}",
                row.traffic, row.rate, row.sigma_ms, row.anchor.name(), fp, fp9, fpx, mu, mun, fnr, fn18, fnm, mm, mmk, p99
            );
            if let (Some(pi), Some(mu), Some(mm)) = row
                .model
                .as_ref()
                .map(|p| {
                    (
                        p.plug_in,
                        p.plug_in_mean_unmarked,
                        p.plug_in_mean_marked_miss,
                    )
                })
                .unwrap_or_default()
            {
                if row.anchor != Anchor::Search && row.anchor != Anchor::FirstReceived {
                    let _ = writeln!(
                        s,
                        "{:>40} plug-in of the flows' own (Q, P) counts ({:.1} % of pairs empty): unmarked mean {:.3}, marked mean {:.2}, FP {}, FN {}",
                        "", 100.0 * pi.empty_fraction, mu, mm, sci(pi.fp), sci(pi.fn_miss)
                    );
                }
            }
            if let Some(sf) = row.model.as_ref().and_then(|p| p.search) {
                let _ = writeln!(
                    s,
                    "{:>40} search over {} anchors: FP at eta between {} (one grid) and {} (union bound, the search's corrected analysis)",
                    "", sf.candidates, sci(sf.fp_single), sci(sf.fp_union)
                );
            }
        }
        if let Some(p) = r.stepping.iter().find_map(|x| x.model.as_ref()) {
            let _ = writeln!(
                s,
                "  (per interval at the first row: FP_I {} (exact {}), FN_s {}, FN_pj {:.4}, FN_p {}, FN_I {:.4}, with embedding misses {:.4})",
                sci(p.rates.fp_interval),
                sci(p.rates.fp_interval_exact),
                sci(p.rates.fn_s),
                p.rates.fn_pj,
                sci(p.rates.fn_p),
                p.rates.fn_interval,
                p.rates.fn_interval_miss
            );
        }
    }
    if let Some(a) = &r.analysis {
        let _ = writeln!(
            s,
            "\nanalysis at {} pkt/s, sigma {:.3} ms ({})",
            a.rate, a.sigma_ms, a.sigma_from
        );
        let _ = writeln!(
            s,
            "  COER {} target: sigma {:.3} ms (interpolated crossing) / {:.3} ms (attained min-max)",
            sci(a.coer_target),
            a.sigma_for_target_interpolated_ms,
            a.sigma_for_target_attained_ms
        );
        let _ = writeln!(
            s,
            "  at eta {}: COER {} (interpolated) / {} (attained, tau in ({:.3}, {:.3}]: FP {}, FN {})",
            a.coer.eta,
            sci(a.coer.coer_interp),
            sci(a.coer.coer),
            a.coer.tau_low,
            a.coer.tau,
            sci(a.coer.fp),
            sci(a.coer.fn_)
        );
        let _ = writeln!(
            s,
            "  best eta: {} (attained COER {}), {} (interpolated COER {})",
            a.best_eta.eta,
            sci(a.best_eta.coer),
            a.best_eta_interpolated.eta,
            sci(a.best_eta_interpolated.coer_interp)
        );
        let _ = writeln!(s, "  Fig 7: rate  T   best eta  tau    COER");
        for p in &a.coer_over_rate {
            let _ = writeln!(
                s,
                "        {:>5} {:>3} {:>8}  {:.3}  {}",
                p.rate,
                p.interval_s,
                p.best.eta,
                p.best.tau,
                sci(p.best.coer)
            );
        }
    }
    if !r.mix.is_empty() {
        let _ = writeln!(s, "\nthrough a continuous-time mix (flow: target alone; aggregate: the whole output link)");
        let _ = writeln!(
            s,
            "{:>7} {:>7} {:>5} {:<9} {:<14} | {:<26} | {:<26} | {:>7} {:>13} {:>9}",
            "t_avg",
            "cross",
            "util",
            "observer",
            "anchor",
            "FP emp [95% CI]",
            "FN emp [95% CI]",
            "marked",
            "model mean '",
            "model FN'"
        );
        for m in &r.mix {
            let (fp, fnr, mm) = match &m.measured {
                Some(x) => (
                    prop(&x.fp),
                    prop(&x.fn_),
                    format!("{:.2}", x.mean_detected_marked),
                ),
                None => Default::default(),
            };
            let (mmk, mfn) = match &m.model {
                Some(p) => (format!("{:.2}", p.mean_marked_miss), sci(p.rates.fn_miss)),
                None => Default::default(),
            };
            let _ = writeln!(
                s,
                "{:>7} {:>7} {:>5} {:<9} {:<14} | {:<26} | {:<26} | {:>7} {:>13} {:>9}",
                m.t_avg_ms,
                m.cross_rate,
                m.utilisation.map(|u| format!("{u:.2}")).unwrap_or_default(),
                lower(&m.observer),
                m.anchor.name(),
                fp,
                fnr,
                mm,
                mmk,
                mfn
            );
        }
        let _ = writeln!(s, "  where FN crosses the limit (t_avg, ms):");
        for t in &r.mix_thresholds {
            let _ = writeln!(
                s,
                "    cross {:>6} {:<9} {:<14} FN > {}: {}{}",
                t.cross_rate,
                lower(&t.observer),
                t.anchor.name(),
                t.fn_limit,
                match (t.t_avg_ms, t.below_grid) {
                    (Some(x), true) => format!("already at {x} ms (smallest t_avg)"),
                    (Some(x), false) => format!("{x:.1} ms"),
                    (None, _) => "not within the grid".into(),
                },
                t.model_t_avg_ms
                    .map(|x| format!(" (model {x:.1} ms)"))
                    .unwrap_or_default()
            );
        }
    }
    if !r.mfa.is_empty() {
        let _ = writeln!(
            s,
            "\nmulti-flow attack (chi-square over aligned slot counts)"
        );
        for m in &r.mfa {
            let _ = writeln!(
                s,
                "  {:<8} {:<7} q {:<5} {:<8} F {:>3}: power {} size {:.3}, stat/df marked {:.3} null {:.3}",
                m.scheme,
                lower(&m.test),
                opt(m.q),
                m.embedding.map(|e| lower(&e)).unwrap_or_default(),
                m.flows,
                prop(&m.power),
                m.size.rate,
                m.mean_ratio_marked,
                m.mean_ratio_null
            );
        }
    }
    if !r.compare.is_empty() {
        let _ = writeln!(s, "\nschemes compared");
        let _ = writeln!(
            s,
            "  {:<16} {:>34} | {:<26} | {:<26} | MFA power",
            "scheme", "delay ms p50/p90/p99/max", "FP [95% CI]", "FN [95% CI]"
        );
        for c in &r.compare {
            let d = &c.measured.delay_ms;
            let mfa: Vec<String> = c
                .mfa
                .iter()
                .map(|m| format!("{} F={}: {:.2}", lower(&m.test), m.flows, m.power.rate))
                .collect();
            let _ = writeln!(
                s,
                "  {:<16} {:>34} | {:<26} | {:<26} | {}",
                c.label,
                format!("{:.1}/{:.1}/{:.1}/{:.1}", d.p50, d.p90, d.p99, d.max),
                prop(&c.measured.fp),
                prop(&c.measured.fn_),
                mfa.join(", ")
            );
        }
    }
    s
}
