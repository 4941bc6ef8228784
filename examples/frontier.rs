//! The privacy-latency-bandwidth frontier of mix strategies, link padding and sender cover.
//!
//! Reads the output directories of the frontier sweeps (`scenarios/frontier/*.toml`, each run by
//! `mixsim sweep FILE --out DIR`; the directory's name names the strategy). For every point it
//! takes, at sample size N, the detection rate of every estimator and the best adversary's
//! (the largest over estimators, with that estimator's 95% interval), the p50 and p99
//! end-to-end latency of delivered real packets, and the bandwidth overhead (the dummy share of
//! the bytes sent on the links that carry dummies, padding's or sender cover's, averaged over
//! them; 0 without either). It prints a markdown
//! table per strategy and, for a few latency and overhead budgets, the point with the lowest
//! best-adversary detection rate within the budget; and writes `frontier-latency.svg` and
//! `frontier-overhead.svg` (the best adversary's detection rate against p99 latency and against
//! overhead, one curve per strategy, points in the sweep's order) and the same for the plug-in
//! MI attack alone (`-mi.svg`) into OUT_DIR.
//!
//! `cargo run --release --example frontier -- OUT_DIR N SWEEP_DIR...`
//! (`scripts/defenses-results.sh` runs it on results/defenses/frontier/).

use mixsim::report::plot::{
    number, round_ticks, row, slot, Axis, Datum, Figure, LegendEntry, LegendGroup, Note, Series,
    Style,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// p99 latency budgets (ms) and overhead budgets of the statements.
const LATENCY_BUDGETS: [f64; 4] = [50.0, 100.0, 200.0, 400.0];
const OVERHEAD_BUDGETS: [f64; 3] = [0.0, 0.25, 0.5];

/// One sweep point.
pub struct Point {
    /// The varied values, "key=value" joined.
    label: String,
    p50: f64,
    p99: f64,
    overhead: f64,
    /// (estimator, rate, ci_low, ci_high) at N, in the run's estimator order.
    rates: Vec<(String, f64, f64, f64)>,
}

impl Point {
    /// The best adversary: the estimator with the largest rate (first on a tie).
    fn best(&self) -> &(String, f64, f64, f64) {
        self.rates
            .iter()
            .fold(None, |b: Option<&(String, f64, f64, f64)>, r| match b {
                Some(b) if b.1 >= r.1 => Some(b),
                _ => Some(r),
            })
            .expect("at least one estimator")
    }
}

pub struct Strategy {
    name: String,
    trials: u64,
    pub points: Vec<Point>,
}

fn fail(msg: String) -> ! {
    eprintln!("frontier: {msg}");
    std::process::exit(2)
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    serde_json::from_str(&text).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())))
}

/// The varied values of each point, from sweep.csv (the columns between point_seed and attack).
fn point_labels(dir: &Path) -> Vec<String> {
    let path = dir.join("sweep.csv");
    let mut reader =
        csv::Reader::from_path(&path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let first = header
        .iter()
        .position(|h| h == "point_seed")
        .expect("point_seed")
        + 1;
    let last = header.iter().position(|h| h == "attack").expect("attack");
    let mut labels: Vec<String> = Vec::new();
    for row in reader.records() {
        let row = row.expect("csv row");
        let point: usize = row[0].parse().expect("point index");
        if point == labels.len() {
            labels.push(
                (first..last)
                    .map(|i| format!("{}={}", header[i], &row[i]))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
    }
    labels
}

fn read_point(summary: &Value, label: String, n: u64) -> Point {
    let e2e = &summary["latency"]["end_to_end"];
    // Padded links, and links that carried sender-cover dummies: their dummy share.
    let padded: Vec<f64> = summary["links"]
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| {
            l["padding"].is_object() || l["cover"]["dummies_per_trial"].as_f64() > Some(0.0)
        })
        .map(|l| {
            let share = |k: &str| l[k]["overhead"].as_f64().unwrap_or(0.0);
            share("padding") + share("cover")
        })
        .collect();
    let overhead = if padded.is_empty() {
        0.0
    } else {
        padded.iter().sum::<f64>() / padded.len() as f64
    };
    let rates = summary["points"]
        .as_array()
        .expect("points")
        .iter()
        .filter(|p| p["sample_size"].as_u64() == Some(n))
        .map(|p| {
            let f = |k: &str| p[k].as_f64().expect(k);
            (
                p["estimator"].as_str().expect("estimator").to_string(),
                f("detection_rate"),
                f("ci_low"),
                f("ci_high"),
            )
        })
        .collect::<Vec<_>>();
    if rates.is_empty() {
        fail(format!("no detection rate at N = {n} for point {label}"));
    }
    Point {
        label,
        p50: e2e["p50_ms"].as_f64().expect("p50"),
        p99: e2e["p99_ms"].as_f64().expect("p99"),
        overhead,
        rates,
    }
}

pub fn read_strategy(dir: &Path, n: u64) -> Strategy {
    let labels = point_labels(dir);
    let mut trials = 0;
    let points = labels
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            let s = read_json(&dir.join(format!("points/p{i:04}/summary.json")));
            trials = s["trials"].as_u64().expect("trials");
            read_point(&s, label, n)
        })
        .collect();
    Strategy {
        name: dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        trials,
        points,
    }
}

fn print_table(s: &Strategy, n: u64) {
    let estimators: Vec<&str> = s.points[0].rates.iter().map(|r| r.0.as_str()).collect();
    println!(
        "\n### {} ({} trials per point, N = {n})\n",
        s.name, s.trials
    );
    println!(
        "| point | p50 ms | p99 ms | overhead | {} | best |",
        estimators.join(" | ")
    );
    println!("|{}", "---|".repeat(5 + estimators.len()));
    for p in &s.points {
        let rates: Vec<String> = p.rates.iter().map(|r| format!("{:.3}", r.1)).collect();
        let best = p.best();
        println!(
            "| {} | {:.1} | {:.1} | {:.3} | {} | {:.3} ({}) |",
            p.label,
            p.p50,
            p.p99,
            p.overhead,
            rates.join(" | "),
            best.1,
            best.0
        );
    }
}

/// The point of lowest best-adversary detection among those whose `cost` is within `budget`,
/// with its strategy; equal rates go to the lower cost.
fn lowest(
    all: &[Strategy],
    budget: f64,
    cost: impl Fn(&Point) -> f64,
) -> Option<(&Strategy, &Point)> {
    all.iter()
        .flat_map(|s| s.points.iter().map(move |p| (s, p)))
        .filter(|(_, p)| cost(p) <= budget)
        .min_by(|a, b| {
            (a.1.best().1, cost(a.1))
                .partial_cmp(&(b.1.best().1, cost(b.1)))
                .expect("finite")
        })
}

fn describe(found: Option<(&Strategy, &Point)>) -> String {
    match found {
        None => "no point".into(),
        Some((s, p)) => format!(
            "{} ({}): best adversary {:.3} ({}), p99 {:.1} ms, overhead {:.3}",
            s.name,
            p.label,
            p.best().1,
            p.best().0,
            p.p99,
            p.overhead
        ),
    }
}

fn print_statements(all: &[Strategy]) {
    println!("\n## Lowest detection within a budget (as measured)\n");
    for b in LATENCY_BUDGETS {
        println!(
            "- p99 latency <= {b} ms: {}.",
            describe(lowest(all, b, |p| p.p99))
        );
    }
    for b in OVERHEAD_BUDGETS {
        println!(
            "- bandwidth overhead <= {b}: {}.",
            describe(lowest(all, b, |p| p.overhead))
        );
    }
    println!(
        "\nPer strategy, its point of lowest best-adversary detection: {}.",
        all.iter()
            .map(|s| {
                let p = s
                    .points
                    .iter()
                    .min_by(|a, b| a.best().1.partial_cmp(&b.best().1).expect("finite"))
                    .expect("points");
                format!("{} {:.3} at p99 {:.1} ms", s.name, p.best().1, p.p99)
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
}

/// The rate and interval a plot shows for a point: the best adversary's, or one estimator's.
fn shown<'a>(p: &'a Point, estimator: Option<&str>) -> &'a (String, f64, f64, f64) {
    match estimator {
        None => p.best(),
        Some(e) => p
            .rates
            .iter()
            .find(|r| r.0 == e)
            .unwrap_or_else(|| fail(format!("no estimator {e} at point {}", p.label))),
    }
}

/// A point's parameter as a note: its swept values, the key's letter where the value alone
/// would not say what it is ("n=10" for a threshold, "f=5" for a pool).
fn note_text(label: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for kv in label.split(", ") {
        let (key, value) = kv.split_once('=').unwrap_or(("", kv));
        let text = match key.rsplit('.').next().unwrap_or("") {
            "threshold" => format!("n={value}"),
            "pool" => format!("f={value}"),
            _ => value.to_string(),
        };
        if !parts.contains(&text) {
            parts.push(text);
        }
    }
    parts.join(" ")
}

/// How the strategies of a figure are drawn: a colour and marker each, the same in every panel.
fn entries(all: &[&Strategy]) -> Vec<LegendEntry> {
    all.iter()
        .enumerate()
        .map(|(i, s)| {
            let (colour, marker) = slot(i);
            LegendEntry {
                label: s.name.clone(),
                colour,
                marker,
                style: Style::Simulated,
            }
        })
        .collect()
}

/// Caption lines of a frontier figure.
fn caption(all: &[&Strategy], estimator: Option<&str>) -> Vec<String> {
    let mut trials: Vec<String> = all.iter().map(|s| s.trials.to_string()).collect();
    trials.dedup();
    let who = match estimator {
        None => "best adversary: the largest rate over the estimators".to_string(),
        Some(e) => format!("estimator {e}"),
    };
    vec![
        format!(
            "{who}, bars the 95% interval; {} trials per point; a tie for the top is a failure",
            trials.join("/")
        ),
        "each curve one strategy, points in the order of its swept parameter, labelled with its value"
            .into(),
    ]
}

/// A rate axis with room above 1 for the notes of the many points that sit there.
fn y_axis(estimator: Option<&str>) -> Axis {
    let mut axis = Axis::rate(&match estimator {
        None => "detection rate (best estimator)".to_string(),
        Some(e) => format!("detection rate ({e})"),
    });
    axis.hi = 1.1;
    axis
}

/// A panel of `strategies` (legend entries `legend`, same order) with x taken by `x`.
fn panel(
    strategies: &[&Strategy],
    legend: &[LegendEntry],
    estimator: Option<&str>,
    style: Style,
    x: impl Fn(usize, usize, &Point) -> f64,
) -> (Vec<Series>, Vec<Note>) {
    let mut series = Vec::new();
    let mut notes = Vec::new();
    for (i, (s, e)) in strategies.iter().zip(legend).enumerate() {
        let mut points = Vec::new();
        for (j, p) in s.points.iter().enumerate() {
            let b = shown(p, estimator);
            let at = x(i, j, p);
            points.push(Datum {
                x: at,
                y: b.1,
                interval: Some((b.2, b.3)),
            });
            notes.push(Note {
                x: at,
                y: b.1,
                text: note_text(&p.label),
                colour: e.colour,
            });
        }
        series.push(Series {
            colour: e.colour,
            marker: e.marker,
            style,
            points,
        });
    }
    (series, notes)
}

/// Detection rate against p99 latency on a log axis (the strategies' latencies span decades).
fn latency_figure(all: &[&Strategy], n: u64, estimator: Option<&str>) -> Figure {
    let legend = entries(all);
    let (series, notes) = panel(all, &legend, estimator, Style::Simulated, |_, _, p| p.p99);
    let (lo, hi) = all
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.p99))
        .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let round: Vec<(f64, String)> = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (-1..5).map(move |k| m * 10f64.powi(k)))
        .filter(|&v| v >= lo / 2.5 && v <= hi * 2.5)
        .map(|v| (v, number(v)))
        .collect();
    Figure {
        title: format!("Detection rate against p99 end-to-end latency, N = {n}"),
        caption: caption(all, estimator),
        x: Axis::at_values("p99 end-to-end latency (ms, log scale)", &round),
        y: y_axis(estimator),
        series,
        legend: vec![LegendGroup {
            heading: "strategy".into(),
            entries: legend,
        }],
        notes,
    }
}

/// Detection rate against bandwidth overhead: the strategies that send no dummies (overhead 0)
/// in a panel of their own, one column each, so that they do not pile up at x = 0; the padding
/// and cover strategies against their overhead beside it.
fn overhead_figure(all: &[&Strategy], n: u64, estimator: Option<&str>) -> String {
    let legend = entries(all);
    let zero = |s: &&Strategy| s.points.iter().all(|p| p.overhead == 0.0);
    let pick = |keep: bool| -> (Vec<&Strategy>, Vec<LegendEntry>) {
        all.iter()
            .zip(&legend)
            .filter(|(s, _)| zero(s) == keep)
            .map(|(s, e)| (*s, e.clone()))
            .unzip()
    };
    let (free, free_legend) = pick(true);
    let (paid, paid_legend) = pick(false);
    let cats: Vec<(f64, String)> = free
        .iter()
        .enumerate()
        .map(|(i, s)| (i as f64 + 1.0, s.name.clone()))
        .collect();
    let (series, notes) = panel(&free, &free_legend, estimator, Style::Markers, |i, j, _| {
        let k = free[i].points.len() as f64;
        i as f64 + 1.0 + (j as f64 - (k - 1.0) / 2.0) * 0.16
    });
    let left = Figure {
        title: "no dummies (overhead 0)".into(),
        caption: Vec::new(),
        x: Axis::linear("strategy", 0.4, free.len() as f64 + 0.6, cats),
        y: y_axis(estimator),
        series,
        legend: Vec::new(),
        notes,
    };
    let hi = paid
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.overhead))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let (series, notes) = panel(
        &paid,
        &paid_legend,
        estimator,
        Style::Simulated,
        |_, _, p| p.overhead,
    );
    let right = Figure {
        title: "padding and cover".into(),
        caption: Vec::new(),
        x: Axis::linear(
            "bandwidth overhead (share of bytes that are dummies)",
            0.0,
            hi,
            round_ticks(0.0, hi, false),
        ),
        y: y_axis(estimator),
        series,
        legend: vec![LegendGroup {
            heading: "strategy".into(),
            entries: paid_legend,
        }],
        notes,
    };
    row(
        &format!("Detection rate against bandwidth overhead, N = {n}"),
        &caption(all, estimator),
        &[(&left, 560), (&right, 820)],
    )
}

/// The four figures, as (file name, SVG): latency and overhead, for the best adversary and for
/// the plug-in MI attack alone (`-mi`).
pub fn figures(all: &[&Strategy], n: u64) -> Vec<(String, String)> {
    let mut figures = Vec::new();
    for (suffix, estimator) in [("", None), ("-mi", Some("mi"))] {
        figures.push((
            format!("frontier-latency{suffix}.svg"),
            latency_figure(all, n, estimator).render(),
        ));
        figures.push((
            format!("frontier-overhead{suffix}.svg"),
            overhead_figure(all, n, estimator),
        ));
    }
    figures
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        fail("usage: frontier OUT_DIR N SWEEP_DIR...".into());
    }
    let out = PathBuf::from(&args[0]);
    let n: u64 = args[1]
        .parse()
        .unwrap_or_else(|_| fail(format!("N must be a sample size, got {}", args[1])));
    let all: Vec<Strategy> = args[2..]
        .iter()
        .map(|d| read_strategy(Path::new(d), n))
        .collect();
    println!("## Points");
    for s in &all {
        print_table(s, n);
    }
    print_statements(&all);
    std::fs::create_dir_all(&out).unwrap_or_else(|e| fail(format!("{}: {e}", out.display())));
    let all: Vec<&Strategy> = all.iter().collect();
    for (file, fig) in figures(&all, n) {
        let path = out.join(file);
        std::fs::write(&path, fig).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    }
}
