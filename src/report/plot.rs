//! SVG plots: detection rate against sample size, simulation with its 95% intervals and model
//! curves drawn over it.

use plotters::prelude::*;

/// A simulated series: (x, rate, ci_low, ci_high) per point.
pub struct SimSeries {
    pub label: String,
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A model curve: (x, value) per point.
pub struct ModelSeries {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// The palette of every mixsim plot (matplotlib's tab10).
pub const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Render a detection-rate plot to an SVG string. `log_x` puts x on a log scale (sample size).
pub fn detection_plot(
    title: &str,
    x_label: &str,
    log_x: bool,
    sims: &[SimSeries],
    models: &[ModelSeries],
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        root.fill(&WHITE).expect("svg fill");
        let xs = sims
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(models.iter().flat_map(|m| m.points.iter().map(|p| p.0)));
        let (mut lo, mut hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        if !lo.is_finite() {
            (lo, hi) = (1.0, 10.0);
        }
        if hi <= lo {
            hi = lo * 2.0 + 1.0;
        }
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .light_line_style(RGBColor(235, 235, 235))
                    .x_label_formatter(&|x| format!("{x}"))
                    .x_desc(x_label)
                    .y_desc("detection rate")
                    .draw()
                    .expect("svg mesh");
                for (i, s) in sims.iter().enumerate() {
                    let c = COLOURS[i % COLOURS.len()];
                    // Estimators share x values: spread them a little so intervals stay visible.
                    let shift = 1.0 + 0.025 * (i as f64 - (sims.len() as f64 - 1.0) / 2.0);
                    let x_of = |x: f64| if log_x { x * shift } else { x };
                    chart
                        .draw_series(s.points.iter().map(|&(x, _, l, h)| {
                            PathElement::new(vec![(x_of(x), l), (x_of(x), h)], c.stroke_width(1))
                        }))
                        .expect("svg series");
                    chart
                        .draw_series(
                            s.points
                                .iter()
                                .map(|&(x, y, _, _)| Circle::new((x_of(x), y), 4, c.filled())),
                        )
                        .expect("svg series")
                        .label(format!("{} (simulated, 95% CI)", s.label))
                        .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
                }
                for (i, m) in models.iter().enumerate() {
                    let c = COLOURS[(i + sims.len()) % COLOURS.len()];
                    chart
                        .draw_series(LineSeries::new(m.points.iter().copied(), c.stroke_width(2)))
                        .expect("svg series")
                        .label(m.label.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                        });
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .draw()
                    .expect("svg legend");
            }};
        }
        if log_x {
            draw!(builder
                .build_cartesian_2d((lo * 0.8..hi * 1.25).log_scale(), 0.0..1.02)
                .expect("svg chart"));
        } else {
            let pad = (hi - lo) * 0.05;
            draw!(builder
                .build_cartesian_2d(lo - pad..hi + pad, 0.0..1.02)
                .expect("svg chart"));
        }
        root.present().expect("svg present");
    }
    svg
}

/// The detection plot of a run: each estimator's simulated rate with its 95% interval against
/// sample size (log scale), and the model's curves for the plug-in MI attack.
pub fn summary_plot(summary: &crate::experiment::Summary) -> String {
    let mut estimators: Vec<&str> = Vec::new();
    for p in summary.points.iter().filter(|p| p.sample_size.is_some()) {
        if !estimators.contains(&p.label.as_str()) {
            estimators.push(&p.label);
        }
    }
    let sims: Vec<SimSeries> = estimators
        .iter()
        .map(|e| SimSeries {
            label: e.to_string(),
            points: summary
                .points
                .iter()
                .filter(|p| p.label == *e)
                .filter_map(|p| {
                    Some((p.sample_size? as f64, p.detection_rate, p.ci_low, p.ci_high))
                })
                .collect(),
        })
        .collect();
    let models: Vec<ModelSeries> = [
        ("theorem1", "Theorem 1"),
        ("improved", "improved"),
        ("improved_refined", "refined"),
        ("semi_analytic", "semi-analytic"),
    ]
    .iter()
    .filter_map(|(key, label)| {
        let pts: Vec<(f64, f64)> = summary
            .points
            .iter()
            .filter(|p| p.model.is_some())
            .filter_map(|p| {
                Some((
                    p.sample_size? as f64,
                    p.model.as_ref()?.get(*key)?.as_f64()?,
                ))
            })
            .collect();
        (!pts.is_empty()).then(|| ModelSeries {
            label: format!("model of mi: {label}"),
            points: pts,
        })
    })
    .collect();
    detection_plot(
        &format!("{}: detection rate against sample size", summary.scenario),
        "sample size N (intervals)",
        true,
        &sims,
        &models,
    )
}
