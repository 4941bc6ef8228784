//! Model against simulation: reads points.csv files of `mixsim run` and sweep.csv files of
//! `mixsim sweep`, keeps the plug-in MI attack's rows (the attack the model predicts), and prints
//! markdown tables of the simulated detection rate with its 95% interval beside each model, then
//! the mean and largest absolute deviation of each model and how many of its values fall inside
//! the simulation's interval. A file without a model's column (written before that model
//! existed) shows "-" there and does not count toward that model's deviations.
//!
//! `cargo run --release --example accuracy -- results/fig5-light/points.csv results/fig6/sweep.csv`

use mixsim::report::summary::{ANONYMITY_COLUMNS, DETECTION_COLUMNS};
use std::collections::BTreeMap;

const MODELS: [(&str, &str); 5] = [
    ("model_theorem1", "Theorem 1"),
    ("model_improved", "improved"),
    ("model_improved_refined", "refined"),
    ("model_refined_ties", "refined, ties"),
    ("model_semi_analytic", "semi-analytic"),
];

/// Columns that are not a label of the point (beside the library's anonymity and detection
/// columns and the `model_` ones).
const KNOWN: [&str; 11] = [
    "point",
    "point_seed",
    "attack",
    "estimator",
    "kind",
    "sample_size",
    "trials",
    "detections",
    "detection_rate",
    "ci_low",
    "ci_high",
];

fn is_known(column: &str) -> bool {
    KNOWN.contains(&column)
        || ANONYMITY_COLUMNS.contains(&column)
        || DETECTION_COLUMNS.contains(&column)
        || column.starts_with("model_")
}

#[derive(Default)]
struct Deviation {
    sum: f64,
    max: f64,
    count: usize,
    inside: usize,
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: accuracy FILE.csv...");
        std::process::exit(2);
    }
    let mut overall: BTreeMap<&str, Deviation> = BTreeMap::new();
    for file in &files {
        let mut reader = csv::Reader::from_path(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let labels: Vec<usize> = (0..header.len())
            .filter(|&i| !is_known(&header[i]))
            .collect();
        println!("\n### {file}\n");
        let label_names: Vec<&str> = labels.iter().map(|&i| header[i].as_str()).collect();
        println!(
            "| {} | N | simulated D [95% CI] | {} |",
            label_names.join(" | "),
            MODELS.map(|m| m.1).join(" | ")
        );
        println!("|{}", "---|".repeat(labels.len() + 2 + MODELS.len()));
        let mut local: BTreeMap<&str, Deviation> = BTreeMap::new();
        for row in reader.records() {
            let row = row.expect("csv row");
            if &row[col("estimator").expect("estimator column")] != "mi" {
                continue;
            }
            let get = |name: &str| row[col(name).expect(name)].parse::<f64>().expect(name);
            let (d, lo, hi) = (get("detection_rate"), get("ci_low"), get("ci_high"));
            let mut cells = Vec::new();
            for (key, name) in MODELS {
                let Some(v) = col(key).and_then(|c| row[c].parse::<f64>().ok()) else {
                    cells.push("-".to_string());
                    continue;
                };
                // The Wilson bounds at 0 or all successes carry rounding (2e-19 for 0).
                let inside = (lo - 1e-12..=hi + 1e-12).contains(&v);
                for acc in [
                    local.entry(name).or_default(),
                    overall.entry(name).or_default(),
                ] {
                    acc.sum += (v - d).abs();
                    acc.max = acc.max.max((v - d).abs());
                    acc.count += 1;
                    acc.inside += inside as usize;
                }
                cells.push(format!("{v:.3}{}", if inside { "" } else { " *" }));
            }
            let label: Vec<&str> = labels.iter().map(|&i| &row[i]).collect();
            println!(
                "| {} | {} | {d:.3} [{lo:.3}, {hi:.3}] | {} |",
                label.join(" | "),
                &row[col("sample_size").expect("sample_size")],
                cells.join(" | ")
            );
        }
        print_deviation(&local);
    }
    if files.len() > 1 {
        println!("\n### All files\n");
        print_deviation(&overall);
    }
    println!("\n`*`: outside the simulation's 95% interval.");
}

fn print_deviation(d: &BTreeMap<&str, Deviation>) {
    println!("\n| model | mean abs. deviation | largest | inside the 95% CI |\n|---|---|---|---|");
    for (_, name) in MODELS {
        if let Some(v) = d.get(name) {
            println!(
                "| {name} | {:.3} | {:.3} | {}/{} |",
                v.sum / v.count.max(1) as f64,
                v.max,
                v.inside,
                v.count
            );
        }
    }
}
