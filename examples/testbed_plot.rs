//! Draw the detection rates of several runs on one plot (Fig. 4 of seed 000: TCP beside
//! Poisson), from their summary.json files.
//!
//! `cargo run --release --example testbed_plot -- OUT.svg ESTIMATOR DIR...`, for instance
//! `cargo run --release --example testbed_plot -- results/testbed/detection-mi.svg mi
//! results/testbed/testbed-tcp results/testbed/testbed-poisson`.

use mixsim::report::plot::{detection_plot, SimSeries};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, estimator, dirs @ ..] = args.as_slice() else {
        eprintln!("usage: testbed_plot OUT.svg ESTIMATOR DIR...");
        std::process::exit(2);
    };
    let sims: Vec<SimSeries> = dirs
        .iter()
        .map(|d| {
            let path = std::path::Path::new(d).join("summary.json");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let s: serde_json::Value = serde_json::from_str(&text).expect("summary.json");
            let points = s["points"]
                .as_array()
                .expect("points")
                .iter()
                .filter(|p| p["estimator"] == estimator.as_str())
                .map(|p| {
                    let f = |k: &str| p[k].as_f64().expect("number");
                    (
                        f("sample_size"),
                        f("detection_rate"),
                        f("ci_low"),
                        f("ci_high"),
                    )
                })
                .collect();
            SimSeries {
                label: s["scenario"].as_str().unwrap_or(d).to_string(),
                points,
            }
        })
        .collect();
    let svg = detection_plot(
        &format!("detection rate against sample size ({estimator})"),
        "sample size N (10 ms intervals)",
        true,
        &sims,
        &[],
    );
    mixsim::files::write_atomic(std::path::Path::new(out), svg.as_bytes()).expect("write");
}
