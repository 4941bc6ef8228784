//! The sweep report: `sweep.csv` (every point x estimator x sample size, with the varied values
//! and the model's predictions as columns), `sweep.md` (a short summary table) and one SVG per
//! plotted series in `plots/`: detection rate (and rank, degree) against the swept value, one
//! curve per sample size, the model's predictions as dashed lines in the same colour; for
//! detectors (watermarks, the multi-flow attack) their false-negative and false-positive rates
//! (`errors-*.svg`). Axes are named in words where the swept key is known ([`axis_words`]).
//!
//! Everything here is a pure function of the sweep spec and the per-point summaries, so the
//! report of a resumed run or a merge is byte-identical to that of an uninterrupted run.

use super::summary::{anonymity_cells, detection_cells, ANONYMITY_COLUMNS, DETECTION_COLUMNS};
use crate::experiment::campaign::record::SweepError;
use crate::experiment::campaign::sweep::{Mode, SweepSpec};
use crate::experiment::summary::Point;
use crate::experiment::Summary;
use crate::files::write_atomic;
use crate::report::plot::{self, Axis, Datum, Figure, LegendEntry, LegendGroup, Series, Style};
use crate::units::{Bandwidth, Bytes, Duration, Rate};
use plotters::style::RGBColor;
use std::path::Path;

/// Write a whole sweep's output into `out`: each point's summary.json and points.csv under
/// `points/pNNNN/`, then the report files of [`render`].
/// Returns the number of plots written.
pub fn write(out: &Path, spec: &SweepSpec, summaries: &[Summary]) -> Result<usize, SweepError> {
    for (p, summary) in summaries.iter().enumerate() {
        let dir = out.join("points").join(format!("p{p:04}"));
        for (name, bytes) in [
            ("summary.json", summary.to_json()),
            ("points.csv", summary.points_csv()),
        ] {
            write_atomic(&dir.join(name), bytes.as_bytes())
                .map_err(|e| SweepError::io(&dir.join(name), e))?;
        }
    }
    let mut plots = 0;
    for (name, bytes) in render(spec, summaries) {
        let path = out.join(&name);
        write_atomic(&path, bytes.as_bytes()).map_err(|e| SweepError::io(&path, e))?;
        plots += usize::from(name.starts_with("plots/"));
    }
    Ok(plots)
}

/// Every report file, as (path relative to the output directory, contents).
pub fn render(spec: &SweepSpec, summaries: &[Summary]) -> Vec<(String, String)> {
    let mut files = vec![("sweep.csv".to_string(), csv(spec, summaries))];
    let plots = plots(spec, summaries);
    files.push(("sweep.md".to_string(), markdown(spec, summaries, &plots)));
    files.extend(plots);
    files
}

/// Identification series (estimators, or attack/estimator) in order of first appearance.
fn estimators(summaries: &[Summary]) -> Vec<String> {
    labels(summaries, |p| p.sample_size.is_some())
}

/// Labels of the points `keep` selects, in order of first appearance.
fn labels(summaries: &[Summary], keep: impl Fn(&Point) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in summaries {
        for p in s.points.iter().filter(|p| keep(p)) {
            if !out.contains(&p.label) {
                out.push(p.label.clone());
            }
        }
    }
    out
}

/// Numeric model keys in order of first appearance.
fn model_keys(summaries: &[Summary]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in summaries {
        for p in &s.points {
            if let Some(m) = &p.model {
                for (k, _) in m.columns() {
                    if !out.iter().any(|o| o == k) {
                        out.push(k.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Sample sizes over all points, ascending.
fn sample_sizes(summaries: &[Summary]) -> Vec<usize> {
    let mut n: Vec<usize> = summaries
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.sample_size))
        .collect();
    n.sort_unstable();
    n.dedup();
    n
}

fn model_value(p: &Point, k: &str) -> Option<f64> {
    p.model.as_ref()?.get(k)
}

/// sweep.csv.
pub fn csv(spec: &SweepSpec, summaries: &[Summary]) -> String {
    let keys = model_keys(summaries);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["point".into(), "point_seed".into()];
    header.extend(spec.axes.iter().map(|a| a.path.clone()));
    let detection = summaries
        .iter()
        .any(|s| s.points.iter().any(|p| p.detection.is_some()));
    header.extend(
        [
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
        .map(String::from),
    );
    let anonymity = summaries
        .iter()
        .any(|s| s.points.iter().any(|p| p.identification.is_some()));
    if anonymity {
        header.extend(ANONYMITY_COLUMNS.iter().map(|c| c.to_string()));
    }
    if detection {
        header.extend(DETECTION_COLUMNS.iter().map(|c| c.to_string()));
    }
    header.extend(keys.iter().map(|k| format!("model_{k}")));
    w.write_record(&header).expect("in-memory csv");
    for (point, s) in spec.points.iter().zip(summaries) {
        for p in &s.points {
            let mut row = vec![point.index.to_string(), point.seed.to_string()];
            row.extend(
                spec.axes
                    .iter()
                    .zip(&point.at)
                    .map(|(a, &i)| a.values[i].label.clone()),
            );
            row.extend([
                p.attack.clone(),
                p.estimator.clone(),
                p.kind.clone(),
                p.sample_size.map(|n| n.to_string()).unwrap_or_default(),
                p.trials.to_string(),
                p.detections.to_string(),
                p.detection_rate.to_string(),
                p.ci_low.to_string(),
                p.ci_high.to_string(),
            ]);
            if anonymity {
                row.extend(anonymity_cells(p));
            }
            if detection {
                row.extend(detection_cells(p));
            }
            row.extend(
                keys.iter()
                    .map(|k| model_value(p, k).map(|v| v.to_string()).unwrap_or_default()),
            );
            w.write_record(&row).expect("in-memory csv");
        }
    }
    String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf-8")
}

/// Numeric positions of an axis's values and the axis unit: plain numbers, or quantities in
/// one unit family (durations in ms, rates in pkt/s, bandwidths in Mbit/s, sizes in bytes);
/// otherwise the values' ordinal positions 1, 2, ...
fn numeric_axis(labels: &[String]) -> (Vec<f64>, &'static str, bool) {
    fn all<T: std::str::FromStr>(labels: &[String], f: impl Fn(T) -> f64) -> Option<Vec<f64>> {
        labels.iter().map(|l| l.parse::<T>().ok().map(&f)).collect()
    }
    if let Some(v) = all::<f64>(labels, |x| x) {
        return (v, "", true);
    }
    if let Some(v) = all::<Duration>(labels, |d| d.0 as f64 / 1e6) {
        return (v, "ms", true);
    }
    if let Some(v) = all::<Rate>(labels, |r| r.0) {
        return (v, "pkt/s", true);
    }
    if let Some(v) = all::<Bandwidth>(labels, |b| b.0 / 1e6) {
        return (v, "Mbit/s", true);
    }
    if let Some(v) = all::<Bytes>(labels, |b| b.0 as f64) {
        return (v, "bytes", true);
    }
    ((1..=labels.len()).map(|i| i as f64).collect(), "", false)
}

/// Words for the keys a sweep varies, by the last part of the dotted path and the table it
/// is in: `{}` stands for the element's name. Paths not listed are shown as written.
const KEY_WORDS: [(&str, &str, &str); 16] = [
    ("node", "t_avg", "mean mix delay t_avg"),
    ("node", "threshold", "batch threshold n (packets)"),
    ("node", "pool", "pool size f (packets)"),
    ("node", "mu", "binomial mix mean mu (packets)"),
    ("node", "sigma", "binomial mix spread sigma (packets)"),
    ("flow", "rate", "packet rate of flow {}"),
    ("flow", "size", "packet size of flow {}"),
    ("link", "padding_rate", "padding rate on link {}"),
    ("link", "jitter", "jitter on link {}"),
    ("link", "delay", "propagation delay of link {}"),
    ("link", "bandwidth", "bandwidth of link {}"),
    ("link", "loss", "loss rate of link {}"),
    ("cover", "rate", "cover traffic rate of {}"),
    ("attack", "interval", "attack interval T"),
    ("watermark", "scheme", "scheme of watermark {}"),
    ("watermark", "q", "parameter q of watermark {}"),
];

/// A swept path in words ("node.mix.t_avg" -> "mean mix delay t_avg"; a node other than one
/// named "mix" is named too), or the path itself when the table does not know it.
pub fn axis_words(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let (table, key) = (parts[0], parts[parts.len() - 1]);
    let name = match parts.len() {
        3 => parts[1],
        _ => "",
    };
    let Some((_, _, words)) = KEY_WORDS
        .iter()
        .find(|(t, k, _)| *t == table && *k == key && (parts.len() == 3 || table == "attack"))
    else {
        return path.to_string();
    };
    let mut out = words.replace("{}", name);
    if table == "node" && name != "mix" {
        out.push_str(&format!(" of node {name}"));
    }
    out
}

/// A plotted figure: one estimator, the other axes held at fixed values.
struct PlotGroup {
    file: String,
    title: String,
    /// Points of the sweep on this series, in axis-0 order.
    points: Vec<usize>,
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '=') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The label of axis `a` at point `p`.
fn label_at(spec: &SweepSpec, a: usize, p: usize) -> &str {
    &spec.axes[a].values[spec.points[p].at[a]].label
}

/// Whether axis `b` moves in step with axis `a` over the sweep: each value of `a` goes with one
/// value of `b`.
fn in_step(spec: &SweepSpec, a: usize, b: usize) -> bool {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for p in 0..spec.points.len() {
        let (x, y) = (label_at(spec, a, p), label_at(spec, b, p));
        match seen.iter().find(|(s, _)| *s == x) {
            Some((_, t)) if *t != y => return false,
            Some(_) => {}
            None => seen.push((x, y)),
        }
    }
    true
}

/// The axes that tell a sweep's figures apart: every axis but the first (product); in a zip,
/// the axes that do not move in step with the first (a zip whose first list repeats its values
/// is a grid in disguise: one figure per value of the others, so that no two points share an
/// x), each family of axes in step with one another named by its first.
fn fixed_axes(spec: &SweepSpec) -> Vec<usize> {
    match spec.mode {
        Mode::Product => (1..spec.axes.len()).collect(),
        Mode::Zip => {
            let mut fixed: Vec<usize> = Vec::new();
            for b in 1..spec.axes.len() {
                if !in_step(spec, 0, b) && !fixed.iter().any(|&f| in_step(spec, f, b)) {
                    fixed.push(b);
                }
            }
            fixed
        }
    }
}

fn plot_groups(spec: &SweepSpec, estimator: &str) -> Vec<PlotGroup> {
    // Group points by the values (labels: a zip's lists may repeat them) of the axes that
    // tell figures apart.
    let fixed_axes = fixed_axes(spec);
    let mut groups: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    for p in &spec.points {
        let key: Vec<&str> = fixed_axes
            .iter()
            .map(|&a| label_at(spec, a, p.index))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(p.index),
            None => groups.push((key, vec![p.index])),
        }
    }
    groups
        .into_iter()
        .map(|(key, points)| {
            let fixed: Vec<String> = fixed_axes
                .iter()
                .zip(&key)
                .map(|(&a, label)| format!("{}={label}", spec.axes[a].path))
                .collect();
            let mut file = format!("plots/detection-{}", sanitize(estimator));
            for f in &fixed {
                file.push('-');
                file.push_str(&sanitize(f));
            }
            file.push_str(".svg");
            let mut title = format!("{}: detection rate of {estimator}", spec.name);
            if !fixed.is_empty() {
                title.push_str(&format!(", {}", fixed.join(", ")));
            }
            PlotGroup {
                file,
                title,
                points,
            }
        })
        .collect()
}

/// Model predictions a sweep plot draws, when present (otherwise the first two numeric model
/// values): the paper's and the closest of ours; each adds one dashed line per sample size.
const SWEEP_MODELS: [&str; 2] = ["theorem1", "improved_refined"];

/// One figure per estimator and combination of the other axes' values: detection rate and
/// the anonymity measures for identification attacks, error rates for detection attacks.
fn plots(spec: &SweepSpec, summaries: &[Summary]) -> Vec<(String, String)> {
    let (xs, x_axis, numeric) = sweep_x_axis(spec);
    let mut out = identification_plots(spec, summaries, &xs, &x_axis);
    out.extend(detection_plots(spec, summaries, (&xs, &x_axis), numeric));
    out
}

/// The swept axis: each point's x (one position per distinct value of the first axis), the
/// axis drawn, and whether its values are numbers.
fn sweep_x_axis(spec: &SweepSpec) -> (Vec<f64>, Axis, bool) {
    let axis = &spec.axes[0];
    let values: Vec<String> = axis.values.iter().map(|v| v.label.clone()).collect();
    // A zip's list may repeat a value: one position (and tick) per distinct value.
    let mut distinct: Vec<String> = Vec::new();
    for v in &values {
        if !distinct.contains(v) {
            distinct.push(v.clone());
        }
    }
    let (dx, unit, numeric) = numeric_axis(&distinct);
    let xs: Vec<f64> = values
        .iter()
        .map(|v| dx[distinct.iter().position(|d| d == v).expect("listed")])
        .collect();
    let ticks: Vec<(f64, String)> = dx
        .iter()
        .zip(&distinct)
        .map(|(&x, l)| (x, if numeric { plot::number(x) } else { l.clone() }))
        .collect();
    let mut x_desc = match unit {
        "" => axis_words(&axis.path),
        u => format!("{} ({u})", axis_words(&axis.path)),
    };
    let others = (1..spec.axes.len())
        .filter(|&b| spec.mode == Mode::Zip && in_step(spec, 0, b))
        .count();
    if others > 0 {
        let s = if others == 1 { "" } else { "s" };
        x_desc.push_str(&format!(", with {others} other key{s} in step"));
    }
    (xs, Axis::at_values(&x_desc, &ticks), numeric)
}

/// The identification attacks' figures: detection rate with model predictions, and each
/// anonymity measure the summaries hold.
fn identification_plots(
    spec: &SweepSpec,
    summaries: &[Summary],
    xs: &[f64],
    x_axis: &Axis,
) -> Vec<(String, String)> {
    let all_keys = model_keys(summaries);
    let mut keys: Vec<String> = SWEEP_MODELS
        .iter()
        .filter(|k| all_keys.iter().any(|a| a == *k))
        .map(|k| k.to_string())
        .collect();
    if keys.is_empty() {
        keys = all_keys.into_iter().take(2).collect();
    }
    let sizes = sample_sizes(summaries);
    let mut out = Vec::new();
    for e in estimators(summaries) {
        for s in plot_groups(spec, &e) {
            let x_of = |p: usize| xs[spec.points[p].at[0]];
            let find = |p: usize, n: usize| {
                summaries[p]
                    .points
                    .iter()
                    .find(|q| q.label == e && q.sample_size == Some(n))
            };
            let figure = Figure {
                title: s.title.clone(),
                caption: vec![
                    format!(
                        "{} trials per point, sweep seed {} (point seeds in sweep.csv); bars: Wilson 95% intervals",
                        spec.trials, spec.seed
                    ),
                    "dashed: model predictions, in the colour of their sample size".to_string(),
                ],
                x: x_axis.clone(),
                y: Axis::rate("detection rate"),
                series: Vec::new(),
                legend: Vec::new(),
                notes: Vec::new(),
            };
            let detection = |q: &Point| Some((q.detection_rate, (q.ci_low, q.ci_high)));
            let figure = sweep_figure(figure, &sizes, &keys, &s.points, x_of, find, detection);
            out.push((s.file.clone(), figure.render()));
            for m in ANONYMITY_PLOTS {
                let Some(y) = m.axis(summaries, &e) else {
                    continue;
                };
                let figure = Figure {
                    title: s.title.replace("detection rate", m.title),
                    caption: vec![format!(
                        "{} trials per point, sweep seed {}; bars: normal 95% intervals over trials",
                        spec.trials, spec.seed
                    )],
                    x: x_axis.clone(),
                    y,
                    series: Vec::new(),
                    legend: Vec::new(),
                    notes: Vec::new(),
                };
                let figure =
                    sweep_figure(figure, &sizes, &[], &s.points, x_of, find, |q| (m.value)(q));
                out.push((s.file.replace("plots/detection-", m.file), figure.render()));
            }
        }
    }
    out
}

/// The detection attacks' figures: error rates against the swept value.
fn detection_plots(
    spec: &SweepSpec,
    summaries: &[Summary],
    (xs, x_axis): (&[f64], &Axis),
    numeric: bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let style = if numeric {
        Style::Simulated
    } else {
        Style::Markers
    };
    // A detector found at one point only (a sweep over watermark schemes has one detector per
    // scheme) gets no figure of its own: one figure shows each point's own detector.
    let detectors = labels(summaries, |p| p.detection.is_some());
    let at_points = |e: &str| {
        summaries
            .iter()
            .filter(|s| {
                s.points
                    .iter()
                    .any(|p| p.label == e && p.detection.is_some())
            })
            .count()
    };
    let (shared, single): (Vec<String>, Vec<String>) =
        detectors.into_iter().partition(|e| at_points(e) > 1);
    for e in &shared {
        for s in plot_groups(spec, e) {
            let figure = errors_figure(
                spec,
                summaries,
                std::slice::from_ref(e),
                &s,
                (xs, x_axis),
                style,
            );
            out.push((
                s.file.replace("plots/detection-", "plots/errors-"),
                figure.render(),
            ));
        }
    }
    if !single.is_empty() {
        for mut s in plot_groups(spec, "") {
            s.title = s.title.replace(
                "detection rate of ",
                "detection rate of each point's detector",
            );
            let figure = errors_figure(spec, summaries, &single, &s, (xs, x_axis), style);
            let file = s.file.replace("plots/detection--", "plots/errors-each-");
            out.push((
                file.replace("plots/detection-.svg", "plots/errors.svg"),
                figure.render(),
            ));
        }
    }
    out
}

/// A detection attack's false-negative rate (marked subjects) and false-positive rate
/// (unmarked ones) against the swept value, with their Wilson 95% intervals; at each point,
/// the first of `attacks` the point has.
fn errors_figure(
    spec: &SweepSpec,
    summaries: &[Summary],
    attacks: &[String],
    group: &PlotGroup,
    (xs, x_axis): (&[f64], &Axis),
    style: Style,
) -> Figure {
    let detection = |p: usize| {
        summaries[p]
            .points
            .iter()
            .filter(|q| attacks.contains(&q.label))
            .find_map(|q| q.detection.as_ref())
    };
    let rates = |fp: bool| -> Vec<Datum> {
        group
            .points
            .iter()
            .filter_map(|&p| {
                let d = detection(p)?;
                let (n, y, lo, hi) = match fp {
                    false => (d.marked, d.fn_rate, d.fn_ci_low, d.fn_ci_high),
                    true => (d.unmarked, d.fp_rate, d.fp_ci_low, d.fp_ci_high),
                };
                (n > 0).then_some(Datum {
                    x: xs[spec.points[p].at[0]],
                    y,
                    interval: Some((lo, hi)),
                })
            })
            .collect()
    };
    let mut figure = Figure {
        title: group
            .title
            .replace("detection rate of", "false negatives and false positives of"),
        caption: vec![format!(
            "{} trials per point, sweep seed {} (point seeds in sweep.csv); bars: Wilson 95% intervals",
            spec.trials, spec.seed
        )],
        x: x_axis.clone(),
        y: Axis::rate("error rate"),
        series: Vec::new(),
        legend: vec![LegendGroup {
            heading: "simulated (95% CI)".into(),
            entries: Vec::new(),
        }],
        notes: Vec::new(),
    };
    for (i, (label, fp)) in [
        ("false negatives (marked flows)", false),
        ("false positives (unmarked flows)", true),
    ]
    .into_iter()
    .enumerate()
    {
        let points = rates(fp);
        if points.is_empty() {
            continue;
        }
        let (colour, marker) = plot::slot(i);
        figure.series.push(Series {
            colour,
            marker,
            style,
            points,
        });
        figure.legend[0].entries.push(LegendEntry {
            label: label.into(),
            colour,
            marker,
            style,
        });
    }
    figure
}

/// A value with its 95 % interval.
type Interval = (f64, (f64, f64));

/// An anonymity metric drawn against the swept value beside the detection rate.
struct AnonymityPlot {
    /// File name prefix (replacing "plots/detection-").
    file: &'static str,
    title: &'static str,
    /// The metric with its interval, where the point has it.
    value: fn(&Point) -> Option<Interval>,
}

const ANONYMITY_PLOTS: [AnonymityPlot; 2] = [
    AnonymityPlot {
        file: "plots/rank-",
        title: "mean rank of the true candidate",
        value: |q| {
            let i = q.identification.as_ref()?;
            Some((i.mean_rank?, (i.mean_rank_ci_low?, i.mean_rank_ci_high?)))
        },
    },
    AnonymityPlot {
        file: "plots/degree-",
        title: "degree of anonymity",
        value: |q| {
            let i = q.identification.as_ref()?;
            Some((i.degree?, (i.degree_ci_low?, i.degree_ci_high?)))
        },
    },
];

impl AnonymityPlot {
    /// The y axis for `estimator`'s values over the sweep, `None` when it has none: the degree
    /// on [0, 1], the rank from 1 to the largest upper bound.
    fn axis(&self, summaries: &[Summary], estimator: &str) -> Option<Axis> {
        let highs: Vec<f64> = summaries
            .iter()
            .flat_map(|s| &s.points)
            .filter(|p| p.label == estimator)
            .filter_map(|p| (self.value)(p).map(|(_, (_, hi))| hi))
            .collect();
        let top = highs.iter().copied().fold(f64::NAN, f64::max);
        if highs.is_empty() {
            return None;
        }
        if self.file == "plots/degree-" {
            return Some(Axis::rate(self.title));
        }
        Some(plot::rank_axis(self.title, top))
    }
}

/// Fill a sweep figure: per sample size a simulated series of `y_of` (colour i), per sample size
/// and model key a dashed line (colour i, pattern j); legend groups for both.
fn sweep_figure<'a>(
    mut figure: Figure,
    sizes: &[usize],
    keys: &[String],
    points: &[usize],
    x_of: impl Fn(usize) -> f64,
    find: impl Fn(usize, usize) -> Option<&'a Point>,
    y_of: impl Fn(&Point) -> Option<Interval>,
) -> Figure {
    let mut simulated = Vec::new();
    let mut drawn_keys = vec![false; keys.len()];
    for (i, &n) in sizes.iter().enumerate() {
        let (colour, marker) = plot::slot(i);
        let sim: Vec<Datum> = points
            .iter()
            .filter_map(|&p| {
                let (y, interval) = y_of(find(p, n)?)?;
                Some(Datum {
                    x: x_of(p),
                    y,
                    interval: Some(interval),
                })
            })
            .collect();
        if sim.is_empty() {
            continue;
        }
        figure.series.push(Series {
            colour,
            marker,
            style: Style::Simulated,
            points: sim,
        });
        simulated.push(LegendEntry {
            label: format!("N = {n}"),
            colour,
            marker,
            style: Style::Simulated,
        });
        for (j, k) in keys.iter().enumerate() {
            let line: Vec<Datum> = points
                .iter()
                .filter_map(|&p| {
                    Some(Datum {
                        x: x_of(p),
                        y: model_value(find(p, n)?, k)?,
                        interval: None,
                    })
                })
                .collect();
            if !line.is_empty() {
                drawn_keys[j] = true;
                figure.series.push(Series {
                    colour,
                    marker,
                    style: Style::Model(j),
                    points: line,
                });
            }
        }
    }
    figure.legend.push(LegendGroup {
        heading: "simulated (95% CI)".into(),
        entries: simulated,
    });
    figure.legend.extend(model_legend(keys, &drawn_keys));
    figure
}

/// The legend of the model lines drawn (`drawn[j]`: key j has a line), if any.
fn model_legend(keys: &[String], drawn: &[bool]) -> Option<LegendGroup> {
    let models: Vec<LegendEntry> = keys
        .iter()
        .enumerate()
        .filter(|(j, _)| drawn[*j])
        .map(|(j, k)| LegendEntry {
            label: k.clone(),
            colour: RGBColor(60, 60, 60),
            marker: plot::MARKERS[0],
            style: Style::Model(j),
        })
        .collect();
    (!models.is_empty()).then(|| LegendGroup {
        heading: "model (dashed)".into(),
        entries: models,
    })
}

/// sweep.md. Model predictions are taken from whichever estimator's points carry them (the
/// correlation model predicts the plug-in MI attack, so they are on the `mi` points).
pub fn markdown(spec: &SweepSpec, summaries: &[Summary], plots: &[(String, String)]) -> String {
    use std::fmt::Write;
    let mut s = intro(spec);
    let sizes = sample_sizes(summaries);
    for e in &estimators(summaries) {
        let _ = writeln!(s, "\n## Detection rate D, estimator `{e}`\n");
        s.push_str(&per_size_table(spec, summaries, &sizes, |sum, n| {
            sum.points
                .iter()
                .find(|q| q.label == *e && q.sample_size == Some(n))
                .map(|q| {
                    format!(
                        "{:.3} [{:.3}, {:.3}]",
                        q.detection_rate, q.ci_low, q.ci_high
                    )
                })
        }));
    }
    for e in labels(summaries, |p| p.detection.is_some()) {
        s.push_str(&detection_table(spec, summaries, &e));
    }
    for k in model_keys(summaries) {
        let _ = writeln!(s, "\n## Model `{k}`\n");
        s.push_str(&per_size_table(spec, summaries, &sizes, |sum, n| {
            sum.points
                .iter()
                .filter(|q| q.sample_size == Some(n))
                .find_map(|q| model_value(q, &k))
                .map(|v| format!("{v:.3}"))
        }));
    }
    if !plots.is_empty() {
        let _ = writeln!(s, "\n## Plots\n");
        for (f, _) in plots {
            let _ = writeln!(s, "- [{f}]({f})");
        }
    }
    s
}

/// The report's title, description and what the sweep is.
fn intro(spec: &SweepSpec) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Sweep {}\n", spec.name);
    if !spec.description.is_empty() {
        let _ = writeln!(s, "{}\n", spec.description);
    }
    let axes: Vec<String> = spec
        .axes
        .iter()
        .map(|a| format!("`{}` ({} values)", a.path, a.values.len()))
        .collect();
    let _ = writeln!(
        s,
        "Base scenario `{}`; {} points ({} over {}); {} trials per point; sweep seed {} (point p uses the seed in sweep.csv's `point_seed`). Detection rates with Wilson 95% intervals.",
        spec.base_file,
        spec.points.len(),
        spec.mode.as_str(),
        axes.join(" x "),
        spec.trials,
        spec.seed
    );
    if !spec.set.is_empty() {
        let set: Vec<String> = spec.set.iter().map(|x| format!("`{x}`")).collect();
        let _ = writeln!(s, "\nFixed overrides: {}.", set.join(", "));
    }
    s
}

/// The cells of point `p`'s axis values, each closed by `|`.
fn axis_cells(spec: &SweepSpec, p: usize) -> String {
    spec.axes
        .iter()
        .zip(&spec.points[p].at)
        .map(|(a, &i)| format!(" {} |", a.values[i].label))
        .collect()
}

/// A table with a row per point: its axis values, then `cell(summary, N)` per sample size
/// (`-` where there is none).
fn per_size_table(
    spec: &SweepSpec,
    summaries: &[Summary],
    sizes: &[usize],
    cell: impl Fn(&Summary, usize) -> Option<String>,
) -> String {
    let mut h = String::from("|");
    let mut rule = String::from("|");
    for a in &spec.axes {
        h.push_str(&format!(" {} |", a.path));
        rule.push_str("---|");
    }
    for n in sizes {
        h.push_str(&format!(" N = {n} |"));
        rule.push_str("---:|");
    }
    let mut s = format!("{h}\n{rule}\n");
    for (p, sum) in summaries.iter().enumerate() {
        let mut row = format!("|{}", axis_cells(spec, p));
        for &n in sizes {
            match cell(sum, n) {
                Some(c) => row.push_str(&format!(" {c} |")),
                None => row.push_str(" - |"),
            }
        }
        s.push_str(&row);
        s.push('\n');
    }
    s
}

/// Detection attack `e`'s table: per point that has it, its FN and FP rates.
fn detection_table(spec: &SweepSpec, summaries: &[Summary], e: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "\n## Detection attack `{e}`: FN and FP rates [95% CI]\n");
    let mut h = String::from("|");
    let mut rule = String::from("|");
    for a in &spec.axes {
        h.push_str(&format!(" {} |", a.path));
        rule.push_str("---|");
    }
    let _ = writeln!(
        s,
        "{h} marked | FN | unmarked | FP | mean hits marked | mean hits unmarked |\n{rule}---:|---:|---:|---:|---:|---:|"
    );
    let hits = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    for (p, sum) in summaries.iter().enumerate() {
        let Some(d) = sum
            .points
            .iter()
            .filter(|q| q.label == e)
            .find_map(|q| q.detection.as_ref())
        else {
            continue;
        };
        let _ = writeln!(
            s,
            "|{} {} | {:.4} [{:.4}, {:.4}] | {} | {:.4} [{:.4}, {:.4}] | {} | {} |",
            axis_cells(spec, p),
            d.marked,
            d.fn_rate,
            d.fn_ci_low,
            d.fn_ci_high,
            d.unmarked,
            d.fp_rate,
            d.fp_ci_low,
            d.fp_ci_high,
            hits(d.mean_hits_marked),
            hits(d.mean_hits_unmarked)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::campaign::sweep;
    use crate::experiment::predictions::{CorrelationPoint, PointModel, ScenarioModel};
    use crate::experiment::runner::{AttackInfo, RunResult, Tally};
    use crate::experiment::score::{AttackTally, IdentificationTally};
    use std::path::Path;

    /// A model's numbers appear as CSV columns, markdown tables and dashed curves.
    /// Point `p`'s summary of two made-up trials: the true candidate ranked first once at
    /// N = 10 and twice at N = 100, and two finite model values per size.
    fn summary_of_two_trials(p: usize, s: &crate::scenario::Scenario) -> Summary {
        let attacks = crate::experiment::attacks::of_scenario(s);
        let mut tally = Tally::empty(&attacks, s.links.len());
        tally.trials = 2;
        tally.attacks = vec![AttackTally::Identification(
            [(10, 1), (100, 2)]
                .map(|(n, c)| IdentificationTally {
                    sample_size: n,
                    correct: c,
                    wrong: 2 - c,
                    ranks: vec![c, 2 - c],
                    // Degrees 0.5 and 0.25 in the fixed point of the anonymity tallies.
                    degree_trials: 2,
                    degree_sum: (0.75 * crate::experiment::anonymity::DEGREE_UNIT) as u64,
                    degree_sq_sum: (0.3125
                        * crate::experiment::anonymity::DEGREE_UNIT
                        * crate::experiment::anonymity::DEGREE_UNIT)
                        as u64,
                    ..Default::default()
                })
                .to_vec(),
        )];
        let result = RunResult {
            seed: 1,
            tally,
            attacks: AttackInfo::of(&attacks),
            message_entropy: None,
        };
        // Two finite values: the others are no columns.
        let model = |_: &str, _: &str, n: usize| {
            Some(PointModel::Correlation(CorrelationPoint {
                theorem1: 0.5 + n as f64 / 1000.0,
                improved: 1.0 - p as f64 * 0.25,
                theorem1_as_printed: f64::NAN,
                theorem1_conserving: f64::NAN,
                theorem1_exact: f64::NAN,
                improved_refined: f64::NAN,
                refined_ties: f64::NAN,
                semi_analytic: f64::NAN,
            }))
        };
        Summary::new(s, &result, ScenarioModel::None, &model)
    }

    #[test]
    fn model_values_are_reported_beside_simulation() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let text = r#"
base = "fig5-light.toml"
trials = 2
set = ["attack.sample_sizes=[10, 100]", "attack.estimators=[\"mi\"]"]
[vary]
"node.mix.t_avg" = ["5ms", "50ms", "500ms"]
"#;
        let spec = sweep::parse(text, &dir.join("t.toml")).unwrap();
        let plan = spec.plan(&dir.join("fig5-light.toml")).unwrap();
        let summaries: Vec<Summary> = plan
            .scenarios
            .iter()
            .enumerate()
            .map(|(p, s)| summary_of_two_trials(p, s))
            .collect();
        let files = render(&plan.spec, &summaries);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sweep.csv",
                "sweep.md",
                "plots/detection-mi.svg",
                "plots/rank-mi.svg",
                "plots/degree-mi.svg"
            ]
        );
        let csv = &files[0].1;
        assert!(csv.lines().next().unwrap().ends_with(
            "detection_rate,ci_low,ci_high,mean_rank,mean_rank_ci_low,mean_rank_ci_high,\
             degree,degree_ci_low,degree_ci_high,model_improved,model_theorem1"
        ));
        // At N = 100 both trials ranked the true candidate first; the degrees average 0.375.
        let row: Vec<&str> = csv.lines().nth(2).unwrap().split(',').collect();
        assert_eq!(row[12..14], ["1", "1"], "{csv}");
        assert_eq!(row[15], "0.375", "{csv}");
        let rank = &files[3].1;
        assert!(rank.contains("mean rank of the true candidate"), "{rank}");
        assert!(
            csv.contains(",500ms,correlation,mi,identification,100,2,2,1,"),
            "{csv}"
        );
        assert!(csv.lines().nth(6).unwrap().ends_with(",0.5,0.6"), "{csv}");
        let md = &files[1].1;
        assert!(md.contains("## Model `improved`"));
        assert!(md.contains("| 500ms | 0.500 | 0.500 |"), "{md}");
        let svg = &files[2].1;
        // Legend texts are lines of their own in plotters' SVG.
        for t in [
            "theorem1",
            "model (dashed)",
            "N = 100",
            "simulated (95% CI)",
        ] {
            assert!(svg.contains(&format!("\n{t}\n")), "{t} missing");
        }
        assert!(
            !svg.contains("\nimproved\n"),
            "only the sweep's models are drawn"
        );
        assert!(svg.contains("2 trials per point, sweep seed"), "{svg}");
    }
}
