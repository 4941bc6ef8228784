//! SVG plots of watermark experiments (plotters, as `report::plot`): histograms of detected
//! intervals (the paper's Fig. 9) and line plots on linear or log axes (Figs 5-7, the mix).

use plotters::prelude::*;

use crate::report::plot::COLOURS;

/// A curve: points, optional error bars (x, low, high), drawn with markers or as a line.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub bars: Vec<(f64, f64, f64)>,
    pub markers: bool,
}

impl Series {
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            bars: Vec::new(),
            markers: false,
        }
    }
    pub fn dots(
        label: impl Into<String>,
        points: Vec<(f64, f64)>,
        bars: Vec<(f64, f64, f64)>,
    ) -> Self {
        Series {
            label: label.into(),
            points,
            bars,
            markers: true,
        }
    }
}

/// Histograms of detected intervals, marked vs unmarked flows, as fractions of flows, with
/// the analysis' Binomial(n, p) laws drawn as lines (Fig. 9).
pub fn histogram(
    title: &str,
    x_label: &str,
    bars: &[(&str, &[u64])],
    models: &[(&str, Vec<f64>)],
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (820, 500)).into_drawing_area();
        root.fill(&WHITE).expect("svg fill");
        let nx = bars
            .iter()
            .map(|b| b.1.len())
            .chain(models.iter().map(|m| m.1.len()))
            .max()
            .unwrap_or(1);
        let mut ymax: f64 = 0.0;
        for (_, h) in bars {
            let tot = h.iter().sum::<u64>().max(1) as f64;
            ymax = ymax.max(h.iter().map(|&c| c as f64 / tot).fold(0.0, f64::max));
        }
        for (_, m) in models {
            ymax = ymax.max(m.iter().copied().fold(0.0, f64::max));
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..(nx as f64 - 0.5), 0.0..(ymax * 1.1).max(0.01))
            .expect("svg chart");
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("fraction of flows")
            .draw()
            .expect("svg mesh");
        let width = 0.8 / bars.len().max(1) as f64;
        for (i, (label, h)) in bars.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            let tot = h.iter().sum::<u64>().max(1) as f64;
            let off = -0.4 + i as f64 * width;
            chart
                .draw_series(h.iter().enumerate().filter(|(_, &v)| v > 0).map(|(x, &v)| {
                    let x0 = x as f64 + off;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + width, v as f64 / tot)],
                        c.mix(0.6).filled(),
                    )
                }))
                .expect("svg bars")
                .label(format!("{label} (simulated)"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.mix(0.6).filled())
                });
        }
        for (i, (label, m)) in models.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    m.iter().enumerate().map(|(x, &y)| (x as f64, y)),
                    c.stroke_width(2),
                ))
                .expect("svg line")
                .label(label.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperMiddle)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .expect("svg legend");
        root.present().expect("svg present");
    }
    svg
}

/// Curves on linear or log axes. On a log y axis values are clamped at `y_floor`.
pub fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    log_x: bool,
    log_y: bool,
    y_floor: f64,
    series: &[Series],
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (820, 520)).into_drawing_area();
        root.fill(&WHITE).expect("svg fill");
        let clamp = |y: f64| if log_y { y.max(y_floor) } else { y };
        let all = || series.iter().flat_map(|s| s.points.iter().copied());
        let (mut x0, mut x1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let (mut y0, mut y1) = all()
            .chain(
                series
                    .iter()
                    .flat_map(|s| s.bars.iter().flat_map(|b| [(b.0, b.1), (b.0, b.2)])),
            )
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(clamp(p.1)), b.max(clamp(p.1)))
            });
        if !x0.is_finite() {
            (x0, x1) = (1.0, 10.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if !y0.is_finite() {
            (y0, y1) = (if log_y { y_floor } else { 0.0 }, 1.0);
        }
        if y1 <= y0 {
            y1 = if log_y { y0 * 10.0 } else { y0 + 1.0 };
        }
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .draw()
                    .expect("svg mesh");
                for (i, s) in series.iter().enumerate() {
                    let c = COLOURS[i % COLOURS.len()];
                    if !s.bars.is_empty() {
                        chart
                            .draw_series(s.bars.iter().map(|&(x, l, h)| {
                                PathElement::new(
                                    vec![(x, clamp(l)), (x, clamp(h))],
                                    c.stroke_width(1),
                                )
                            }))
                            .expect("svg bars");
                    }
                    let pts: Vec<(f64, f64)> =
                        s.points.iter().map(|&(x, y)| (x, clamp(y))).collect();
                    let drawn = chart
                        .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                        .expect("svg line");
                    if s.markers {
                        drawn
                            .label(s.label.clone())
                            .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
                        chart
                            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
                            .expect("svg dots");
                    } else {
                        drawn.label(s.label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                        });
                    }
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .expect("svg legend");
            }};
        }
        let (xr0, xr1) = if log_x {
            (x0 * 0.9, x1 * 1.1)
        } else {
            (x0 - 0.03 * (x1 - x0), x1 + 0.03 * (x1 - x0))
        };
        match (log_x, log_y) {
            (false, false) => draw!(builder
                .build_cartesian_2d(xr0..xr1, y0..(y1 + 0.05 * (y1 - y0)))
                .expect("svg chart")),
            (true, false) => draw!(builder
                .build_cartesian_2d((xr0..xr1).log_scale(), y0..(y1 + 0.05 * (y1 - y0)))
                .expect("svg chart")),
            (false, true) => draw!(builder
                .build_cartesian_2d(xr0..xr1, (y0 * 0.5..y1 * 2.0).log_scale())
                .expect("svg chart")),
            (true, true) => draw!(builder
                .build_cartesian_2d((xr0..xr1).log_scale(), (y0 * 0.5..y1 * 2.0).log_scale())
                .expect("svg chart")),
        }
        root.present().expect("svg present");
    }
    svg
}
