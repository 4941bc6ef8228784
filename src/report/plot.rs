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

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
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
                    .x_desc(x_label)
                    .y_desc("detection rate")
                    .draw()
                    .expect("svg mesh");
                for (i, s) in sims.iter().enumerate() {
                    let c = COLOURS[i % COLOURS.len()];
                    chart
                        .draw_series(s.points.iter().map(|&(x, _, l, h)| {
                            PathElement::new(vec![(x, l), (x, h)], c.stroke_width(1))
                        }))
                        .expect("svg series");
                    chart
                        .draw_series(
                            s.points
                                .iter()
                                .map(|&(x, y, _, _)| Circle::new((x, y), 4, c.filled())),
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
