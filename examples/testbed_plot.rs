//! Draw the detection rates of several runs on one plot (Fig. 4 of seed 000: TCP beside
//! Poisson), from their summary.json files.
//!
//! `cargo run --release --example testbed_plot -- OUT.svg ESTIMATOR DIR...`, for instance
//! `cargo run --release --example testbed_plot -- results/testbed/detection-mi.svg mi
//! results/testbed/testbed-tcp results/testbed/testbed-poisson`.

use mixsim::report::plot::{
    number, slot, Axis, Datum, Figure, LegendEntry, LegendGroup, Series, Style,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, estimator, dirs @ ..] = args.as_slice() else {
        eprintln!("usage: testbed_plot OUT.svg ESTIMATOR DIR...");
        std::process::exit(2);
    };
    let mut figure = Figure {
        title: format!("detection rate of {estimator} against sample size"),
        caption: Vec::new(),
        x: Axis::rate(""),
        y: Axis::rate("detection rate"),
        series: Vec::new(),
        legend: vec![LegendGroup {
            heading: "simulated (95% CI)".into(),
            entries: Vec::new(),
        }],
        notes: Vec::new(),
    };
    let mut sizes = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        let path = std::path::Path::new(d).join("summary.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s: serde_json::Value = serde_json::from_str(&text).expect("summary.json");
        let name = s["scenario"].as_str().unwrap_or(d).to_string();
        let points: Vec<Datum> = s["points"]
            .as_array()
            .expect("points")
            .iter()
            .filter(|p| p["estimator"] == estimator.as_str())
            .map(|p| {
                let f = |k: &str| p[k].as_f64().expect("number");
                Datum {
                    x: f("sample_size"),
                    y: f("detection_rate"),
                    interval: Some((f("ci_low"), f("ci_high"))),
                }
            })
            .collect();
        sizes.extend(points.iter().map(|p| p.x));
        let (colour, marker) = slot(i);
        // Seeds are JSON strings in current summaries, numbers in older ones.
        let seed = s["seed"]
            .as_str()
            .map_or_else(|| s["seed"].to_string(), String::from);
        figure.caption.push(format!(
            "{name}: {} trials, seed {seed}; bars: Wilson 95% intervals",
            s["trials"]
        ));
        figure.series.push(Series {
            colour,
            marker,
            style: Style::Simulated,
            points,
        });
        figure.legend[0].entries.push(LegendEntry {
            label: name,
            colour,
            marker,
            style: Style::Simulated,
        });
    }
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let ticks: Vec<(f64, String)> = sizes.iter().map(|&n| (n, number(n))).collect();
    figure.x = Axis::at_values("sample size N (10 ms intervals)", &ticks);
    mixsim::files::write_atomic(std::path::Path::new(out), figure.render().as_bytes())
        .expect("write");
}
