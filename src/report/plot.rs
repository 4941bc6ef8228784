//! SVG plots of every mixsim report.
//!
//! A plot is described as data first and drawn second:
//!
//! - a [`Figure`] holds a title, caption lines (trials, seed, what the bars mean), two [`Axis`]
//!   and the [`Series`] to draw, a [`LegendGroup`] list that the legend prints to the right of
//!   the data, one heading per group, and [`Note`]s (short texts beside points, such as a
//!   frontier point's parameter value, placed where they cover no other note). A figure grows
//!   taller when its legend needs it, so the legend always lies inside the image;
//! - an [`Axis`] knows its scale (linear or log) and its tick labels: [`Axis::at_values`] puts
//!   ticks at the values a run used (sample sizes, swept values) in their unit, adds every
//!   decade on a log axis, and drops labels that would collide; [`round_ticks`] and
//!   [`rank_axis`] give round steps;
//! - a [`Series`] has a colour, a [`Marker`] shape, a [`Style`] and points with optional
//!   intervals. [`slot`] hands out colour and marker together, so that series differ in both.
//!   The style says how a series is drawn and how its legend glyph looks: simulated points are
//!   markers on a thin solid line with interval bars, models are dashed lines without markers.
//!
//! Several figures make one image with [`stack`] (small multiples, one panel per attack of a
//! run) or [`row`] (panels side by side under one title).
//!
//! To add a kind of series, add a [`Style`] variant and its arms in `draw_series` and
//! `draw_glyph`; the axes, legend and caption come for free.
//!
//! [`summary_plot`] is the detection plot of one run; the sweep report builds its figures
//! from the same parts.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// Dash patterns (dash, gap in pixels) of model lines, told apart by pattern when they share a
/// colour.
pub const DASHES: [(u32, u32); 4] = [(12, 5), (3, 4), (7, 3), (16, 4)];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    /// Monte Carlo estimates: markers on a thin solid line, with a bar for each interval.
    Simulated,
    /// An analytical prediction: a dashed line in pattern `DASHES[i]`, no markers.
    Model(usize),
    /// Estimates at unrelated categories (no line joins them): markers with interval bars.
    Markers,
}

/// The shape of a series' markers: with the colour, it tells series apart in print and for
/// readers who do not tell colours apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
}

/// The marker shapes in the order [`slot`] hands them out.
pub const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Cross,
];

/// The colour and marker of the `i`-th series of a figure: both cycle, at different periods, so
/// the first 30 series differ in colour or marker and the first 6 in both.
pub fn slot(i: usize) -> (RGBColor, Marker) {
    (COLOURS[i % COLOURS.len()], MARKERS[i % MARKERS.len()])
}

/// A point of a series; `interval` is a 95% interval drawn as a bar (simulated series).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datum {
    pub x: f64,
    pub y: f64,
    pub interval: Option<(f64, f64)>,
}

/// One drawn curve.
#[derive(Debug, Clone)]
pub struct Series {
    pub colour: RGBColor,
    /// The shape of its markers (model lines have none).
    pub marker: Marker,
    pub style: Style,
    pub points: Vec<Datum>,
}

/// A legend line: a glyph drawn in `style`, `colour` and `marker`, then the label.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub marker: Marker,
    pub style: Style,
}

/// A block of the legend under its own heading ("simulated", "model", ...).
#[derive(Debug, Clone)]
pub struct LegendGroup {
    pub heading: String,
    pub entries: Vec<LegendEntry>,
}

/// A short text beside a data point (a frontier point's parameter value), placed where it
/// covers no other note.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub colour: RGBColor,
}

/// An axis: its range in data units, log or linear, and the labelled ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub log: bool,
    pub lo: f64,
    pub hi: f64,
    /// (value, label) of each labelled tick.
    pub ticks: Vec<(f64, String)>,
    /// Unlabelled grid lines (the 2..9 multiples of each decade on a log axis).
    pub minor: Vec<f64>,
}

/// Width of the data area in pixels, used to keep tick labels apart.
const PLOT_WIDTH: f64 = 560.0;
/// Pixels a tick label character takes at the tick font size, with some room.
const CHAR_PX: f64 = 7.5;

impl Axis {
    /// A linear axis from `lo` to `hi` with the given ticks.
    pub fn linear(label: &str, lo: f64, hi: f64, ticks: Vec<(f64, String)>) -> Axis {
        Axis {
            label: label.to_string(),
            log: false,
            lo,
            hi,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A rate from 0 to 1, ticks every 0.1.
    pub fn rate(label: &str) -> Axis {
        let ticks = (0..=10)
            .map(|i| (i as f64 / 10.0, format!("{:.1}", i as f64 / 10.0)))
            .collect();
        Axis::linear(label, 0.0, 1.02, ticks)
    }

    /// An axis whose ticks sit at `values` (value, label), in the order given as priority when
    /// labels would collide. Log scale when every value is positive and they span more than a
    /// decade; then every decade in range is labelled too, ahead of the other values.
    pub fn at_values(label: &str, values: &[(f64, String)]) -> Axis {
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v.0), b.max(v.0))
            });
        if !lo.is_finite() {
            return Axis::linear(label, 0.0, 1.0, Vec::new());
        }
        let log = lo > 0.0 && hi / lo > 10.0;
        let (lo, hi) = if log {
            (lo / 1.3, hi * 1.3)
        } else if hi > lo {
            let pad = (hi - lo) * 0.06;
            (lo - pad, hi + pad)
        } else {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
            (lo - pad, hi + pad)
        };
        let mut axis = Axis::linear(label, lo, hi, Vec::new());
        axis.log = log;
        let mut wanted = Vec::new();
        if log {
            wanted.extend(decades(lo, hi).into_iter().map(|d| (d, number(d))));
            axis.minor = decades(lo / 10.0, hi)
                .into_iter()
                .flat_map(|d| (2..10).map(move |k| d * k as f64))
                .filter(|&m| m >= lo && m <= hi)
                .collect();
        }
        wanted.extend(values.iter().cloned());
        axis.ticks = axis.spaced(wanted);
        axis
    }

    /// Where `v` lies on the drawn axis (log10 of it on a log axis).
    pub fn pos(&self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }

    /// The ticks of `wanted` whose labels do not overlap an earlier kept one, in value order.
    fn spaced(&self, wanted: Vec<(f64, String)>) -> Vec<(f64, String)> {
        let span = self.pos(self.hi) - self.pos(self.lo);
        let px = |v: f64| (self.pos(v) - self.pos(self.lo)) / span * PLOT_WIDTH;
        let mut kept: Vec<(f64, String)> = Vec::new();
        for (v, label) in wanted {
            let half = |l: &str| l.chars().count() as f64 * CHAR_PX / 2.0;
            let clear = kept
                .iter()
                .all(|(k, l)| (px(*k) - px(v)).abs() > half(l) + half(&label) + 6.0);
            if clear && v >= self.lo && v <= self.hi {
                kept.push((v, label));
            }
        }
        kept.sort_by(|a, b| a.0.total_cmp(&b.0));
        kept
    }
}

/// The powers of ten from `lo` to `hi`.
fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let first = lo.log10().ceil() as i32;
    let last = hi.log10().floor() as i32;
    (first..=last).map(|k| 10f64.powi(k)).collect()
}

/// A tick label: integers without a decimal point, otherwise the shortest exact form.
pub fn number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{}", (v * 1e6).round() / 1e6)
    }
}

/// Everything a plot shows.
#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    /// Lines under the title: trials, seed, what bars and dashes mean.
    pub caption: Vec<String>,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub legend: Vec<LegendGroup>,
    /// Texts beside data points (most plots have none).
    pub notes: Vec<Note>,
}

/// Width of a figure, and of each panel of a [`stack`], in pixels.
pub const WIDTH: u32 = 940;
/// Height of a figure whose legend fits beside its chart; a longer legend makes it taller.
pub const HEIGHT: u32 = 560;
const TITLE_FONT: u32 = 18;
const TEXT_FONT: u32 = 13;
const NOTE_FONT: u32 = 11;
/// Vertical pixels of a legend line, of a group's heading, and of the gap after a group.
const LEGEND_LINE: u32 = 19;
const LEGEND_HEAD: u32 = 20;
const LEGEND_GAP: u32 = 10;

impl Figure {
    /// The SVG text of the figure.
    pub fn render(&self) -> String {
        stack(std::slice::from_ref(self))
    }

    /// Pixels the figure takes: [`HEIGHT`], or more when the legend needs it, so that the
    /// legend always lies inside the image.
    pub fn height(&self) -> u32 {
        (self.head() + self.legend_height() + 12).max(HEIGHT)
    }

    fn head(&self) -> u32 {
        30 + 17 * self.caption.len() as u32
    }

    fn legend_height(&self) -> u32 {
        self.legend
            .iter()
            .map(|g| LEGEND_HEAD + LEGEND_LINE * g.entries.len() as u32 + LEGEND_GAP)
            .sum::<u32>()
            + 8
    }

    /// Draw the figure (heading, chart, legend) into `area`.
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) {
        let (width, _) = area.dim_in_pixel();
        let (top, body) = area.split_vertically(self.head());
        draw_heading(&top, &self.title, &self.caption);
        let (chart, legend) = body.split_horizontally(width.saturating_sub(self.legend_width()));
        self.draw_chart(&chart);
        self.draw_legend(&legend);
    }

    fn legend_width(&self) -> u32 {
        let chars = self
            .legend
            .iter()
            .flat_map(|g| {
                std::iter::once(g.heading.chars().count())
                    .chain(g.entries.iter().map(|e| e.label.chars().count() + 5))
            })
            .max()
            .unwrap_or(0);
        (chars as f64 * 7.2) as u32 + 24
    }

    fn coord(axis: &Axis) -> Ticked {
        Ticked {
            inner: (axis.pos(axis.lo)..axis.pos(axis.hi)).into(),
            bold: axis.ticks.iter().map(|t| axis.pos(t.0)).collect(),
            light: axis.minor.iter().map(|&m| axis.pos(m)).collect(),
        }
    }

    fn draw_chart<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) {
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(12)
            .margin_top(6)
            .margin_bottom(6)
            .x_label_area_size(48)
            .y_label_area_size(62)
            .build_cartesian_2d(Self::coord(&self.x), Self::coord(&self.y))
            .expect("svg chart");
        let label = |axis: &Axis, p: f64| {
            axis.ticks
                .iter()
                .find(|t| (axis.pos(t.0) - p).abs() < 1e-9)
                .map(|t| t.1.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .bold_line_style(RGBColor(215, 215, 215))
            .light_line_style(RGBColor(240, 240, 240))
            .x_label_formatter(&|p| label(&self.x, *p))
            .y_label_formatter(&|p| label(&self.y, *p))
            .x_label_style(("sans-serif", TEXT_FONT))
            .y_label_style(("sans-serif", TEXT_FONT))
            .axis_desc_style(("sans-serif", TEXT_FONT + 1))
            .x_desc(self.x.label.clone())
            .y_desc(self.y.label.clone())
            .draw()
            .expect("svg mesh");
        let simulated = self
            .series
            .iter()
            .filter(|s| !matches!(s.style, Style::Model(_)))
            .count();
        let base = area.get_base_pixel();
        let to_area = |(x, y): (i32, i32)| (x - base.0, y - base.1);
        let mut k = 0;
        // Notes point at exact positions: a figure with notes places its points exactly.
        let spread = self.notes.is_empty();
        for s in &self.series {
            // Simulated curves share x values: dodge them sideways a little so that their
            // bars stay visible; model lines stay at their exact values.
            let dodge = match s.style {
                Style::Simulated | Style::Markers => {
                    k += 1;
                    let span = self.x.pos(self.x.hi) - self.x.pos(self.x.lo);
                    // Categories have room between them: set their markers clearly apart.
                    let step = if s.style == Style::Markers {
                        0.02
                    } else {
                        0.005
                    };
                    (k as f64 - 1.0 - (simulated as f64 - 1.0) / 2.0) * span * step
                }
                Style::Model(_) => 0.0,
            };
            let dodge = if spread { dodge } else { 0.0 };
            draw_series(&mut chart, &self.x, &self.y, s, dodge);
            if !matches!(s.style, Style::Model(_)) {
                for d in &s.points {
                    let at = chart.backend_coord(&(self.x.pos(d.x) + dodge, self.y.pos(d.y)));
                    draw_marker(area, to_area(at), s.marker, s.colour);
                }
            }
        }
        let notes: Vec<((i32, i32), &Note)> = self
            .notes
            .iter()
            .map(|n| {
                let at = chart.backend_coord(&(self.x.pos(n.x), self.y.pos(n.y)));
                (to_area(at), n)
            })
            .collect();
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (l, t) = to_area((xr.start, yr.start));
        let (r, b) = to_area((xr.end, yr.end));
        let marks: Vec<(i32, i32)> = notes.iter().map(|(at, _)| *at).collect();
        draw_notes(area, &notes, (l, t, r, b), &marks);
    }

    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) {
        let heading = ("sans-serif", TEXT_FONT)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK);
        let text = ("sans-serif", TEXT_FONT).into_font().color(&BLACK);
        let left = Pos::new(HPos::Left, VPos::Center);
        let mut y = 18;
        for g in &self.legend {
            area.draw(&Text::new(g.heading.clone(), (4, y), heading.pos(left)))
                .expect("svg legend");
            y += LEGEND_HEAD as i32;
            for e in &g.entries {
                draw_glyph(area, (12, y), e);
                area.draw(&Text::new(e.label.clone(), (44, y), text.pos(left)))
                    .expect("svg legend");
                y += LEGEND_LINE as i32;
            }
            y += LEGEND_GAP as i32;
        }
    }
}

/// A title and caption lines, centred at the top of `area`.
fn draw_heading<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &[String],
) {
    let centre = Pos::new(HPos::Center, VPos::Top);
    let mid = area.dim_in_pixel().0 as i32 / 2;
    let style = ("sans-serif", TITLE_FONT).into_font().into_text_style(area);
    area.draw(&Text::new(title.to_string(), (mid, 8), style.pos(centre)))
        .expect("svg text");
    let style = ("sans-serif", TEXT_FONT)
        .into_font()
        .color(&RGBColor(80, 80, 80))
        .pos(centre);
    for (i, line) in caption.iter().enumerate() {
        let y = 8 + TITLE_FONT as i32 + 6 + 17 * i as i32;
        area.draw(&Text::new(line.clone(), (mid, y), style.clone()))
            .expect("svg text");
    }
}

/// The SVG of figures stacked top to bottom at full width: small multiples, one panel per
/// attack, each with its own title, axes and legend.
pub fn stack(figures: &[Figure]) -> String {
    let height: u32 = figures.iter().map(Figure::height).sum();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height.max(1))).into_drawing_area();
        root.fill(&WHITE).expect("svg fill");
        let mut rest = root.clone();
        for f in figures {
            let (panel, below) = rest.split_vertically(f.height());
            f.draw(&panel);
            rest = below;
        }
        root.present().expect("svg present");
    }
    svg
}

/// The SVG of panels side by side under one title and caption; each panel is (figure, width in
/// pixels) and draws its own title, axes and legend.
pub fn row(title: &str, caption: &[String], panels: &[(&Figure, u32)]) -> String {
    let head = 30 + 17 * caption.len() as u32;
    let width: u32 = panels.iter().map(|p| p.1).sum();
    let height = head + panels.iter().map(|p| p.0.height()).max().unwrap_or(HEIGHT);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).expect("svg fill");
        let (top, body) = root.split_vertically(head);
        draw_heading(&top, title, caption);
        let mut rest = body;
        for (f, w) in panels {
            let (panel, right) = rest.split_horizontally(*w);
            f.draw(&panel);
            rest = right;
        }
        root.present().expect("svg present");
    }
    svg
}

/// A linear coordinate (in axis positions) whose grid lines are exactly the axis's ticks:
/// plotters' own key points would put ticks at round numbers instead of the values a run used.
struct Ticked {
    inner: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>;

/// The lines and interval bars of a series (its markers are drawn by [`draw_marker`]).
fn draw_series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x: &Axis,
    y: &Axis,
    s: &Series,
    dodge: f64,
) {
    let at = |d: &Datum| (x.pos(d.x) + dodge, y.pos(d.y));
    let c = s.colour;
    match s.style {
        Style::Simulated | Style::Markers => {
            if s.style == Style::Simulated {
                chart
                    .draw_series(LineSeries::new(s.points.iter().map(at), c.stroke_width(1)))
                    .expect("svg series");
            }
            chart
                .draw_series(s.points.iter().filter_map(|d| {
                    let (lo, hi) = d.interval?;
                    let px = x.pos(d.x) + dodge;
                    Some(PathElement::new(
                        vec![(px, y.pos(lo)), (px, y.pos(hi))],
                        c.stroke_width(1),
                    ))
                }))
                .expect("svg series");
        }
        Style::Model(i) => {
            let (dash, gap) = DASHES[i % DASHES.len()];
            chart
                .draw_series(DashedLineSeries::new(
                    s.points.iter().map(at),
                    dash,
                    gap,
                    c.stroke_width(2),
                ))
                .expect("svg series");
        }
    }
}

/// One marker centred at pixel `(x, y)` of `area`.
fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    marker: Marker,
    c: RGBColor,
) {
    let fill = c.filled();
    let drawn = match marker {
        Marker::Circle => area.draw(&Circle::new((x, y), 4, fill)),
        Marker::Square => area.draw(&Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], fill)),
        Marker::TriangleUp => area.draw(&Polygon::new(
            vec![(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)],
            fill,
        )),
        Marker::Diamond => area.draw(&Polygon::new(
            vec![(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)],
            fill,
        )),
        Marker::TriangleDown => area.draw(&Polygon::new(
            vec![(x, y + 5), (x + 5, y - 4), (x - 5, y - 4)],
            fill,
        )),
        Marker::Cross => area
            .draw(&PathElement::new(
                vec![(x - 4, y - 4), (x + 4, y + 4)],
                c.stroke_width(2),
            ))
            .and_then(|_| {
                area.draw(&PathElement::new(
                    vec![(x - 4, y + 4), (x + 4, y - 4)],
                    c.stroke_width(2),
                ))
            }),
    };
    drawn.expect("svg marker");
}

/// A box on the image: left, top, right, bottom (pixels).
type PixelBox = (i32, i32, i32, i32);

/// Rows of places a note may take above and below its point, beyond the ones beside it.
const NOTE_RINGS: i32 = 5;

/// Where a note may go around its point `(x, y)`, nearest first: beside the point (right,
/// left, centred; above, then below), then in rows farther up and down. The flag says the place
/// is away from the point (a leader line joins them).
fn note_places((x, y): (i32, i32), tw: i32, th: i32) -> Vec<((i32, i32), bool)> {
    let beside = [
        (x + 7, y - th - 2),
        (x + 7, y + 3),
        (x - 7 - tw, y - th - 2),
        (x - 7 - tw, y + 3),
        (x - tw / 2, y - th - 8),
        (x - tw / 2, y + 8),
    ];
    let mut out: Vec<((i32, i32), bool)> = beside.iter().map(|&p| (p, false)).collect();
    for r in 1..=NOTE_RINGS {
        let (up, down) = (y - th - 8 - r * (th + 3), y + 8 + r * (th + 3));
        for top in [up, down] {
            for left in [x + 7, x - 7 - tw, x - tw / 2] {
                out.push(((left, top), true));
            }
        }
    }
    out
}

/// Notes beside their points, inside `bounds` (the plotting area): each takes the first place
/// (see [`note_places`]) that overlaps no note placed before it (with a gap of 2 pixels) and
/// no data point's marker (`marks`); failing that, the first clear of notes; failing that, the
/// least crowded. A note away from its point gets a thin leader line to it.
fn draw_notes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    notes: &[((i32, i32), &Note)],
    bounds: PixelBox,
    marks: &[(i32, i32)],
) {
    let mut placed: Vec<PixelBox> = Vec::new();
    let dots: Vec<PixelBox> = marks
        .iter()
        .map(|&(x, y)| (x - 5, y - 5, x + 5, y + 5))
        .collect();
    let overlap = |a: &PixelBox, b: &PixelBox, gap: i32| {
        a.0 < b.2 + gap && b.0 < a.2 + gap && a.1 < b.3 + gap && b.1 < a.3 + gap
    };
    for &((x, y), note) in notes {
        let tw = (note.text.chars().count() as f64 * NOTE_FONT as f64 * 0.6).ceil() as i32;
        let th = NOTE_FONT as i32 + 2;
        let places: Vec<(PixelBox, bool)> = note_places((x, y), tw, th)
            .into_iter()
            .map(|((l, t), away)| ((l, t, l + tw, t + th), away))
            .filter(|(b, _)| {
                b.0 >= bounds.0 && b.1 >= bounds.1 && b.2 <= bounds.2 && b.3 <= bounds.3
            })
            .collect();
        let clear_of_notes = |b: &PixelBox| !placed.iter().any(|p| overlap(p, b, 2));
        let clear_of_dots = |b: &PixelBox| !dots.iter().any(|d| overlap(d, b, 0));
        let crowd = |b: &PixelBox| placed.iter().filter(|p| overlap(p, b, 2)).count();
        let best = places
            .iter()
            .find(|(b, _)| clear_of_notes(b) && clear_of_dots(b))
            .or_else(|| places.iter().find(|(b, _)| clear_of_notes(b)))
            .or_else(|| places.iter().min_by_key(|(b, _)| crowd(b)))
            .copied()
            .unwrap_or(((x + 7, y - th - 2, x + 7 + tw, y - 2), false));
        let (b, away) = best;
        placed.push(b);
        if away {
            // From the point to the nearest edge of the note.
            let to = (x.clamp(b.0, b.2), if b.3 < y { b.3 } else { b.1 });
            area.draw(&PathElement::new(
                vec![(x, y), to],
                note.colour.mix(0.6).stroke_width(1),
            ))
            .expect("svg note leader");
        }
        let style = ("sans-serif", NOTE_FONT)
            .into_font()
            .color(&note.colour)
            .pos(Pos::new(HPos::Left, VPos::Top));
        area.draw(&Text::new(note.text.clone(), (b.0, b.1), style))
            .expect("svg note");
    }
}

fn draw_glyph<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    e: &LegendEntry,
) {
    let c = e.colour;
    match e.style {
        Style::Simulated | Style::Markers => {
            if e.style == Style::Simulated {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    c.stroke_width(1),
                ))
                .expect("svg legend");
            }
            area.draw(&PathElement::new(
                vec![(x + 12, y - 7), (x + 12, y + 7)],
                c.stroke_width(1),
            ))
            .expect("svg legend");
            draw_marker(area, (x + 12, y), e.marker, c);
        }
        Style::Model(i) => {
            let (dash, gap) = DASHES[i % DASHES.len()];
            area.draw(&DashedPathElement::new(
                vec![(x, y), (x + 26, y)],
                dash.min(8),
                gap,
                c.stroke_width(2),
            ))
            .expect("svg legend");
        }
    }
}

/// The model predictions of the correlation attack that a run's plot draws, named as in
/// summary.json (which, like the CSVs and tables, carries every prediction).
pub const PLOTTED_MODELS: [&str; 4] = ["theorem1", "improved", "improved_refined", "semi_analytic"];

type Point = crate::experiment::summary::Point;

/// The attacks of a run's identification points, in order of first appearance.
/// One panel of a run's identification plots: an attack, or one hop of an attack whose series
/// are per hop (a path attack's `mi:hop2`), so that a walk of three hops draws three readable
/// panels rather than one of every estimator at every hop.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Panel<'a> {
    attack: &'a str,
    hop: Option<&'a str>,
}

/// The hop a series is of (`mi:hop2` -> `hop2`), if it is per hop.
fn hop_of(label: &str) -> Option<&str> {
    let (_, hop) = label.rsplit_once(':')?;
    let k = hop.strip_prefix("hop")?;
    (!k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())).then_some(hop)
}

/// The panels of a run's identification points, in order of first appearance.
fn identification_panels(summary: &crate::experiment::Summary) -> Vec<Panel<'_>> {
    let mut panels: Vec<Panel> = Vec::new();
    for p in summary.points.iter().filter(|p| p.sample_size.is_some()) {
        let panel = Panel {
            attack: &p.attack,
            hop: hop_of(short_label(p)),
        };
        if !panels.contains(&panel) {
            panels.push(panel);
        }
    }
    panels
}

/// The identification points of a panel.
fn points_of<'a>(
    summary: &'a crate::experiment::Summary,
    panel: Panel<'a>,
) -> impl Iterator<Item = &'a Point> + Clone {
    summary.points.iter().filter(move |p| {
        p.sample_size.is_some() && p.attack == panel.attack && hop_of(short_label(p)) == panel.hop
    })
}

/// The series names of points, in order of first appearance, as a panel shows them (see
/// [`series_label`]).
fn series_labels<'a>(points: impl Iterator<Item = &'a Point>) -> Vec<&'a str> {
    let mut labels: Vec<&str> = Vec::new();
    for p in points {
        let l = series_label(p);
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    labels
}

/// A point's series name without the "attack/" prefix a run with several attacks puts on it
/// (each attack has a panel of its own).
fn short_label(p: &Point) -> &str {
    p.label
        .strip_prefix(p.attack.as_str())
        .and_then(|l| l.strip_prefix('/'))
        .unwrap_or(&p.label)
}

/// A point's series name in its panel: [`short_label`] without the hop a per-hop panel is of.
fn series_label(p: &Point) -> &str {
    let l = short_label(p);
    match hop_of(l) {
        Some(hop) => &l[..l.len() - hop.len() - 1],
        None => l,
    }
}

/// A tick at every sample size of `points`, ascending.
fn sample_size_ticks<'a>(points: impl Iterator<Item = &'a Point>) -> Vec<(f64, String)> {
    let mut sizes: Vec<usize> = points.filter_map(|p| p.sample_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.iter().map(|&n| (n as f64, n.to_string())).collect()
}

/// The title of a run's panel: the scenario, and the attack (and hop) when the run has several
/// panels.
fn panel_title(
    summary: &crate::experiment::Summary,
    panel: Panel,
    several: bool,
    what: &str,
) -> String {
    match (several, panel.hop) {
        (true, Some(hop)) => format!(
            "{}, attack {}, {}: {what}",
            summary.scenario,
            panel.attack,
            hop.replacen("hop", "hop ", 1)
        ),
        (true, None) => format!("{}, attack {}: {what}", summary.scenario, panel.attack),
        (false, _) => format!("{}: {what}", summary.scenario),
    }
}

/// The detection plot of a run: each estimator's simulated rate with its 95% interval against
/// sample size, and the model's curves for the plug-in MI attack (dashed, in their own colours
/// after the estimators'). A run with several attacks gets one panel per attack, stacked.
pub fn summary_plot(summary: &crate::experiment::Summary) -> String {
    let identifies = summary.points.iter().any(|p| p.sample_size.is_some());
    if !identifies && summary.points.iter().any(|p| p.detection.is_some()) {
        return detection_errors_plot(summary);
    }
    let keys = identification_panels(summary);
    let panels: Vec<Figure> = keys
        .iter()
        .map(|&k| detection_panel(summary, k, keys.len() > 1))
        .collect();
    if panels.is_empty() {
        let none = Panel {
            attack: "",
            hop: None,
        };
        return detection_panel(summary, none, false).render();
    }
    stack(&panels)
}

/// One attack's detection rates against sample size, with the model's curves.
fn detection_panel(summary: &crate::experiment::Summary, panel: Panel, several: bool) -> Figure {
    let points = points_of(summary, panel);
    let labels = series_labels(points.clone());
    let mut series = Vec::new();
    let mut simulated = Vec::new();
    for (i, e) in labels.iter().enumerate() {
        let (colour, marker) = slot(i);
        let data = points
            .clone()
            .filter(|p| series_label(p) == *e)
            .map(|p| Datum {
                x: p.sample_size.unwrap_or_default() as f64,
                y: p.detection_rate,
                interval: Some((p.ci_low, p.ci_high)),
            })
            .collect();
        series.push(Series {
            colour,
            marker,
            style: Style::Simulated,
            points: data,
        });
        simulated.push(LegendEntry {
            label: e.to_string(),
            colour,
            marker,
            style: Style::Simulated,
        });
    }
    let (models, modelled) = model_series(points.clone(), &labels, &mut series);
    let mut legend = Vec::new();
    if !simulated.is_empty() {
        legend.push(LegendGroup {
            heading: "simulated (95% CI)".into(),
            entries: simulated,
        });
    }
    if !models.is_empty() {
        legend.push(LegendGroup {
            heading: format!("model of {}", modelled.join(", ")),
            entries: models,
        });
    }
    Figure {
        title: panel_title(
            summary,
            panel,
            several,
            "detection rate against sample size",
        ),
        caption: vec![format!(
            "{} trials, seed {}; bars: Wilson 95% intervals; dashed: analytical model",
            summary.trials, summary.seed
        )],
        x: Axis::at_values("sample size N (intervals)", &sample_size_ticks(points)),
        y: Axis::rate("detection rate"),
        series,
        legend,
        notes: Vec::new(),
    }
}

/// The model's curves of a detection panel, one per plotted model and modelled series, added
/// to `series`; their legend entries and the series they model.
fn model_series<'a>(
    points: impl Iterator<Item = &'a Point> + Clone,
    labels: &[&'a str],
    series: &mut Vec<Series>,
) -> (Vec<LegendEntry>, Vec<&'a str>) {
    let mut models = Vec::new();
    let mut modelled: Vec<&str> = Vec::new();
    for (j, key) in PLOTTED_MODELS.iter().enumerate() {
        let (colour, marker) = slot(labels.len() + j);
        // One line per modelled series (a path attack's model predicts every hop).
        for e in labels {
            let data: Vec<Datum> = points
                .clone()
                .filter(|p| series_label(p) == *e)
                .filter_map(|p| {
                    Some(Datum {
                        x: p.sample_size? as f64,
                        y: p.model.as_ref()?.get(key)?,
                        interval: None,
                    })
                })
                .collect();
            if data.is_empty() {
                continue;
            }
            if !modelled.contains(e) {
                modelled.push(e);
            }
            series.push(Series {
                colour,
                marker,
                style: Style::Model(j),
                points: data,
            });
        }
        if !series.iter().any(|s| s.style == Style::Model(j)) {
            continue;
        }
        models.push(LegendEntry {
            label: key.to_string(),
            colour,
            marker,
            style: Style::Model(j),
        });
    }
    (models, modelled)
}

/// Ticks from `lo` at a round step (1, 2, 2.5 or 5 times a power of ten; whole numbers when
/// `whole`), about six up to `hi`.
pub fn round_ticks(lo: f64, hi: f64, whole: bool) -> Vec<(f64, String)> {
    let raw = ((hi - lo) / 6.0).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    if whole {
        step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
            .into_iter()
            .find(|&s| s >= step)
            .unwrap_or(step.ceil());
    }
    (0..)
        .map(|k| lo + k as f64 * step)
        .take_while(|&v| v <= hi + step * 1e-9)
        .map(|v| (v, number(v)))
        .collect()
}

/// The axis of a mean rank whose intervals reach `top`: from 1 (ranked first) with round
/// ticks, whole ranks once the range passes a few candidates.
pub fn rank_axis(label: &str, top: f64) -> Axis {
    let hi = top.max(2.0);
    let ticks = match hi > 6.0 {
        // Whole ranks: 1 (first), then round multiples (5, 10, 15 or 2, 4, 6 ...).
        true => {
            let step = round_ticks(0.0, hi, true)[1].0;
            std::iter::once((1.0, "1".to_string()))
                .chain(round_ticks(0.0, hi, true).into_iter().skip(1))
                .filter(|t| t.0 == 1.0 || t.0 >= 1.0 + step / 2.0)
                .collect()
        }
        false => round_ticks(1.0, hi, false),
    };
    let pad = (hi - 1.0) * 0.04;
    Axis::linear(label, 1.0 - pad, hi + pad, ticks)
}

/// The anonymity plot of a run with identification attacks: for each estimator the mean rank of
/// the true candidate (1 = ranked first; ties count against it) with its 95% interval, against
/// sample size; one panel per attack. `None` when no point has a rank.
pub fn rank_plot(summary: &crate::experiment::Summary) -> Option<String> {
    let keys = identification_panels(summary);
    let panels: Vec<Figure> = keys
        .iter()
        .filter_map(|&k| rank_panel(summary, k, keys.len() > 1))
        .collect();
    (!panels.is_empty()).then(|| stack(&panels))
}

fn rank_panel(summary: &crate::experiment::Summary, panel: Panel, several: bool) -> Option<Figure> {
    let points = points_of(summary, panel);
    let mut series = Vec::new();
    let mut entries = Vec::new();
    let mut top: f64 = 2.0;
    for (i, e) in series_labels(points.clone()).iter().enumerate() {
        let data: Vec<Datum> = points
            .clone()
            .filter(|p| series_label(p) == *e)
            .filter_map(|p| {
                let id = p.identification.as_ref()?;
                let (lo, hi) = (id.mean_rank_ci_low?, id.mean_rank_ci_high?);
                top = top.max(hi);
                Some(Datum {
                    x: p.sample_size? as f64,
                    y: id.mean_rank?,
                    interval: Some((lo, hi)),
                })
            })
            .collect();
        if data.is_empty() {
            continue;
        }
        let (colour, marker) = slot(i);
        series.push(Series {
            colour,
            marker,
            style: Style::Simulated,
            points: data,
        });
        entries.push(LegendEntry {
            label: e.to_string(),
            colour,
            marker,
            style: Style::Simulated,
        });
    }
    if series.is_empty() {
        return None;
    }
    Some(Figure {
        title: panel_title(summary, panel, several, "rank of the true candidate"),
        caption: vec![format!(
            "{} trials, seed {}; bars: normal 95% intervals of the mean; 1 = ranked first",
            summary.trials, summary.seed
        )],
        x: Axis::at_values("sample size N (intervals)", &sample_size_ticks(points)),
        y: rank_axis("mean rank of the true candidate", top),
        series,
        legend: vec![LegendGroup {
            heading: "simulated (95% CI)".into(),
            entries,
        }],
        notes: Vec::new(),
    })
}

/// The plot of a run whose attacks all detect (watermark detectors, the multi-flow attack): per
/// detection point, the false-negative rate on marked subjects and the false-positive rate on
/// unmarked ones, each with its Wilson 95% interval. Points are categories, so no line joins them.
fn detection_errors_plot(summary: &crate::experiment::Summary) -> String {
    let points: Vec<_> = summary
        .points
        .iter()
        .filter_map(|p| Some((p.attack.as_str(), p.detection.as_ref()?)))
        .collect();
    let ticks: Vec<(f64, String)> = points
        .iter()
        .enumerate()
        .map(|(i, (label, _))| (i as f64 + 1.0, label.to_string()))
        .collect();
    let rates = |pick: fn(&crate::experiment::summary::DetectionSummary) -> Option<Datum>| {
        points
            .iter()
            .enumerate()
            .filter_map(|(i, (_, d))| {
                pick(d).map(|v| Datum {
                    x: i as f64 + 1.0,
                    ..v
                })
            })
            .collect::<Vec<_>>()
    };
    let fn_points = rates(|d| {
        (d.marked > 0).then_some(Datum {
            x: 0.0,
            y: d.fn_rate,
            interval: Some((d.fn_ci_low, d.fn_ci_high)),
        })
    });
    let fp_points = rates(|d| {
        (d.unmarked > 0).then_some(Datum {
            x: 0.0,
            y: d.fp_rate,
            interval: Some((d.fp_ci_low, d.fp_ci_high)),
        })
    });
    let mut series = Vec::new();
    let mut entries = Vec::new();
    for (i, (label, pts)) in [
        ("false negatives (marked flows)", fn_points),
        ("false positives (unmarked flows)", fp_points),
    ]
    .into_iter()
    .enumerate()
    {
        if pts.is_empty() {
            continue;
        }
        let (colour, marker) = slot(i);
        series.push(Series {
            colour,
            marker,
            style: Style::Markers,
            points: pts,
        });
        entries.push(LegendEntry {
            label: label.into(),
            colour,
            marker,
            style: Style::Markers,
        });
    }
    Figure {
        title: format!("{}: detection errors per attack", summary.scenario),
        caption: vec![format!(
            "{} trials, seed {}; bars: Wilson 95% intervals",
            summary.trials, summary.seed
        )],
        x: Axis::at_values("attack", &ticks),
        y: Axis::rate("error rate"),
        series,
        legend: vec![LegendGroup {
            heading: "simulated (95% CI)".into(),
            entries,
        }],
        notes: Vec::new(),
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<&str> {
        a.ticks.iter().map(|t| t.1.as_str()).collect()
    }

    #[test]
    fn a_log_axis_labels_the_swept_values_and_every_decade() {
        let values: Vec<(f64, String)> = [5.0, 20.0, 50.0, 200.0, 500.0, 2000.0]
            .map(|v| (v, number(v)))
            .to_vec();
        let a = Axis::at_values("t (ms)", &values);
        assert!(a.log);
        assert_eq!(
            labels(&a),
            ["5", "10", "20", "50", "100", "200", "500", "1000", "2000"]
        );
        assert!(a.minor.contains(&30.0) && a.minor.contains(&4.0));
    }

    #[test]
    fn colliding_labels_give_way_to_decades_then_to_earlier_values() {
        let values: Vec<(f64, String)> = (1..=40).map(|v| (v as f64, number(v as f64))).collect();
        let a = Axis::at_values("x", &values);
        let kept = labels(&a);
        assert!(kept.contains(&"1") && kept.contains(&"10"), "{kept:?}");
        assert!(!kept.contains(&"11"), "{kept:?}");
        // No two kept labels closer than their half widths plus a gap.
        let px = |v: f64| (a.pos(v) - a.pos(a.lo)) / (a.pos(a.hi) - a.pos(a.lo)) * PLOT_WIDTH;
        for w in a.ticks.windows(2) {
            assert!(px(w[1].0) - px(w[0].0) > 2.0 * CHAR_PX, "{:?}", a.ticks);
        }
    }

    #[test]
    fn a_narrow_or_ordinal_axis_is_linear_with_every_value() {
        let values: Vec<(f64, String)> = ["poisson", "cbr", "onoff"]
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64 + 1.0, l.to_string()))
            .collect();
        let a = Axis::at_values("kind", &values);
        assert!(!a.log && a.lo < 1.0 && a.hi > 3.0);
        assert_eq!(labels(&a), ["poisson", "cbr", "onoff"]);
        let one = Axis::at_values("x", &[(4.0, "4".into())]);
        assert!(one.lo < 4.0 && one.hi > 4.0);
    }

    /// Notes at one point take different places; panels side by side share the width.
    #[test]
    fn notes_do_not_overprint_and_panels_sit_side_by_side() {
        let note = |text: &str| Note {
            x: 10.0,
            y: 0.5,
            text: text.into(),
            colour: COLOURS[0],
        };
        let fig = Figure {
            title: "t".into(),
            caption: Vec::new(),
            x: Axis::at_values("x", &[(1.0, "1".into()), (100.0, "100".into())]),
            y: Axis::rate("rate"),
            series: Vec::new(),
            legend: Vec::new(),
            notes: vec![note("5ms"), note("10ms"), note("20ms")],
        };
        let svg = row("both", &[], &[(&fig, 400), (&fig, 500)]);
        assert!(svg.starts_with("<svg width=\"900\""), "{svg}");
        // Each note's (x, y) differs from the others at the same point.
        let at: Vec<&str> = svg
            .lines()
            .filter(|l| l.starts_with("<text") && l.contains("font-size=\"8.870967741935484\""))
            .collect();
        assert_eq!(at.len(), 6, "{svg}");
        let mut places: Vec<String> = at
            .iter()
            .map(|l| l.split(" dy").next().unwrap().to_string())
            .collect();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), 6, "{at:?}");
    }

    #[test]
    fn rank_ticks_are_round_fractions_for_few_candidates_and_whole_ranks_beyond() {
        assert_eq!(
            labels(&rank_axis("r", 1.9)),
            ["1", "1.2", "1.4", "1.6", "1.8", "2"]
        );
        assert_eq!(labels(&rank_axis("r", 17.3)), ["1", "5", "10", "15"]);
    }

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(number(100.0), "100");
        assert_eq!(number(4.01), "4.01");
        assert_eq!(number(0.1 + 0.2), "0.3");
    }

    #[test]
    fn a_figure_draws_both_legend_groups_and_its_caption() {
        let fig = Figure {
            title: "t".into(),
            caption: vec!["100 trials, seed 7".into()],
            x: Axis::at_values("N", &[(10.0, "10".into()), (1000.0, "1000".into())]),
            y: Axis::rate("detection rate"),
            series: vec![],
            legend: vec![
                LegendGroup {
                    heading: "simulated (95% CI)".into(),
                    entries: vec![LegendEntry {
                        label: "mi".into(),
                        colour: COLOURS[0],
                        marker: Marker::Circle,
                        style: Style::Simulated,
                    }],
                },
                LegendGroup {
                    heading: "model".into(),
                    entries: vec![LegendEntry {
                        label: "Theorem 1".into(),
                        colour: BLACK,
                        marker: Marker::Circle,
                        style: Style::Model(0),
                    }],
                },
            ],
            notes: Vec::new(),
        };
        let svg = fig.render();
        // Texts are lines of their own in plotters' SVG.
        for s in [
            "100 trials, seed 7",
            "simulated (95% CI)",
            "model",
            "Theorem 1",
            "100",
        ] {
            assert!(svg.contains(&format!("\n{s}\n")), "{s} missing");
        }
        // The simulated glyph has a marker, the model glyph none.
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
    }
}
