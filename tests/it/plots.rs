//! Plots a reader understands: checked on the SVG files mixsim writes (parsed here), not on
//! the code that draws them. A run with several attacks gets a panel per attack; series differ
//! in colour and marker; legends and every text lie inside the image without overprinting;
//! axes are named in words; sweeps of detectors plot their false negatives and positives.

use crate::common::{arg, ok, run_cli, scenario_path};
use std::collections::{BTreeMap, BTreeSet};

/// An SVG element as plotters writes it: one per tag, a text's content on its own lines.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

impl Element {
    fn num(&self, key: &str) -> f64 {
        self.attrs
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{} has no number {key}: {self:?}", self.name))
    }
}

fn parse(svg: &str) -> Vec<Element> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("a closed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('/') || tag.starts_with('?') {
            continue;
        }
        let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
        let mut attrs = BTreeMap::new();
        let mut a = &tag[name.len()..];
        while let Some(eq) = a.find("=\"") {
            let key = a[..eq].trim().to_string();
            let after = &a[eq + 2..];
            let close = after.find('"').expect("a closed attribute");
            attrs.insert(key, after[..close].to_string());
            a = &after[close + 1..];
        }
        let text = match name.as_str() {
            "text" => rest[..rest.find("</text>").expect("a closed text")]
                .trim()
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&apos;", "'")
                .replace("&quot;", "\""),
            _ => String::new(),
        };
        out.push(Element { name, attrs, text });
    }
    out
}

/// The image size from the root element.
fn view_box(e: &[Element]) -> (f64, f64) {
    let root = e.iter().find(|e| e.name == "svg").expect("an svg root");
    (root.num("width"), root.num("height"))
}

/// A text's box (left, top, right, bottom), its width estimated from its length.
fn text_box(t: &Element) -> (f64, f64, f64, f64) {
    let size = t.num("font-size");
    let w = t.text.chars().count() as f64 * size * 0.55;
    let (x, y) = (t.num("x"), t.num("y"));
    let left = match t.attrs.get("text-anchor").map(String::as_str) {
        Some("middle") => x - w / 2.0,
        Some("end") => x - w,
        _ => x,
    };
    let top = match t.attrs.get("dy").map(String::as_str) {
        Some("0.76em") => y,
        Some("0.5ex") => y - size / 2.0,
        _ => y - size,
    };
    (left, top, left + w, top + size)
}

/// A series marker: (shape, fill colour, centre).
fn marker(e: &Element) -> Option<(String, String, (f64, f64))> {
    let fill = e.attrs.get("fill")?.clone();
    match e.name.as_str() {
        "circle" if e.num("r") == 4.0 => Some(("circle".into(), fill, (e.num("cx"), e.num("cy")))),
        "rect" if e.num("width") == 8.0 && e.num("height") == 8.0 => {
            Some(("square".into(), fill, (e.num("x") + 4.0, e.num("y") + 4.0)))
        }
        "polygon" => {
            let pts: Vec<(f64, f64)> = e.attrs["points"]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let cx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
            let (lo, hi) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
            let shape = match pts.len() {
                4 => "diamond",
                3 if (pts[0].1 - lo).abs() < 0.5 => "triangle-up",
                3 => "triangle-down",
                _ => return None,
            };
            Some((shape.into(), fill, (cx, (lo + hi) / 2.0)))
        }
        _ => None,
    }
}

/// Cross markers: pairs of 8 x 8 diagonal strokes of width 2 (one arm gives the centre).
fn crosses(e: &[Element]) -> Vec<(String, String, (f64, f64))> {
    e.iter()
        .filter(|p| {
            p.name == "polyline" && p.attrs.get("stroke-width").map(String::as_str) == Some("2")
        })
        .filter_map(|p| {
            let pts: Vec<(f64, f64)> = p.attrs["points"]
                .split_whitespace()
                .map(|q| {
                    let (x, y) = q.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let [(x0, y0), (x1, y1)] = pts[..] else {
                return None;
            };
            // The arm from top left to bottom right.
            (x1 - x0 == 8.0 && y1 - y0 == 8.0).then(|| {
                (
                    "cross".to_string(),
                    p.attrs["stroke"].clone(),
                    (x0 + 4.0, y0 + 4.0),
                )
            })
        })
        .collect()
}

/// A legend line: its label and the (shape, colour) of the glyph left of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LegendLine {
    panel: usize,
    label: String,
    shape: String,
    colour: String,
}

/// The legend lines of every panel. Panels are found by their titles (the large centred texts),
/// a glyph by a label text 20 px to the right of its marker's centre on the same line.
fn legend(e: &[Element]) -> Vec<LegendLine> {
    let titles: Vec<f64> = e
        .iter()
        .filter(|t| t.name == "text" && t.num("font-size") > 14.0)
        .map(|t| t.num("y"))
        .collect();
    let mut markers: Vec<_> = e.iter().filter_map(marker).collect();
    markers.extend(crosses(e));
    let mut out = Vec::new();
    for t in e.iter().filter(|t| t.name == "text") {
        let (x, y) = (t.num("x"), t.num("y"));
        if let Some((shape, colour, _)) = markers
            .iter()
            .find(|(_, _, c)| (x - c.0 - 20.0).abs() < 0.5 && (y - c.1).abs() <= 1.0)
        {
            out.push(LegendLine {
                panel: titles.iter().filter(|&&ty| ty < y).count(),
                label: t.text.clone(),
                shape: shape.clone(),
                colour: colour.clone(),
            });
        }
    }
    out
}

/// Every text and marker lies inside the image, and no two texts overlap (rotated axis names
/// and notes beside points aside).
fn assert_readable(svg: &str, what: &str) -> Vec<Element> {
    let e = parse(svg);
    let (w, h) = view_box(&e);
    let texts: Vec<&Element> = e
        .iter()
        .filter(|t| t.name == "text" && !t.attrs.contains_key("transform"))
        .collect();
    let boxes: Vec<_> = texts.iter().map(|t| text_box(t)).collect();
    for (t, b) in texts.iter().zip(&boxes) {
        assert!(
            b.0 >= -1.0 && b.1 >= -1.0 && b.2 <= w + 1.0 && b.3 <= h + 1.0,
            "{what}: {:?} lies outside the {w} x {h} image: {b:?}",
            t.text
        );
    }
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            let (a, b) = (boxes[i], boxes[j]);
            let overlap = a.0 < b.2 - 1.0 && b.0 < a.2 - 1.0 && a.1 < b.3 - 1.0 && b.1 < a.3 - 1.0;
            assert!(
                !overlap,
                "{what}: {:?} and {:?} overprint",
                texts[i].text, texts[j].text
            );
        }
    }
    let mut markers: Vec<_> = e.iter().filter_map(marker).collect();
    markers.extend(crosses(&e));
    for (shape, _, (x, y)) in &markers {
        assert!(
            *x >= 0.0 && *y >= 0.0 && *x <= w && *y <= h,
            "{what}: a {shape} at ({x}, {y}) lies outside the image"
        );
    }
    e
}

/// In each panel the legend's series differ in colour and marker, with as many shapes as the
/// palette allows.
fn assert_distinct(lines: &[LegendLine], what: &str) {
    let panels: BTreeSet<usize> = lines.iter().map(|l| l.panel).collect();
    for p in panels {
        let mine: Vec<&LegendLine> = lines.iter().filter(|l| l.panel == p).collect();
        let styles: BTreeSet<(&str, &str)> = mine
            .iter()
            .map(|l| (l.shape.as_str(), l.colour.as_str()))
            .collect();
        assert_eq!(styles.len(), mine.len(), "{what}, panel {p}: {mine:?}");
        let colours: BTreeSet<&str> = mine.iter().map(|l| l.colour.as_str()).collect();
        let shapes: BTreeSet<&str> = mine.iter().map(|l| l.shape.as_str()).collect();
        assert_eq!(
            colours.len(),
            mine.len().min(10),
            "{what}, panel {p}: {mine:?}"
        );
        assert_eq!(
            shapes.len(),
            mine.len().min(6),
            "{what}, panel {p}: {mine:?}"
        );
    }
}

fn texts(e: &[Element]) -> Vec<&str> {
    e.iter()
        .filter(|t| t.name == "text")
        .map(|t| t.text.as_str())
        .collect()
}

#[test]
fn a_run_with_several_attacks_draws_a_readable_panel_per_attack() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cascade");
    let o = run_cli(&[
        "run",
        arg(&scenario_path("cascade.toml")),
        "--trials",
        "2",
        "--quiet",
        "--out",
        arg(&out),
    ]);
    ok(&o);
    for (file, y_name) in [
        ("detection.svg", "detection rate"),
        ("rank.svg", "mean rank of the true candidate"),
    ] {
        let svg = std::fs::read_to_string(out.join(file)).unwrap();
        let e = assert_readable(&svg, file);
        let t = texts(&e);
        // One panel per attack, and per hop of the path attack, titled with it.
        for attack in [
            "attack first-hop:",
            "attack path, hop 1:",
            "attack path, hop 2:",
        ] {
            assert_eq!(
                t.iter().filter(|s| s.contains(attack)).count(),
                1,
                "{file}: {t:?}"
            );
        }
        assert!(
            t.contains(&"sample size N (intervals)") && t.contains(&y_name),
            "{file}: {t:?}"
        );
        // The first hop's 2 series, then each hop of the path attack with its 4 estimators,
        // named without the hop their panel is of.
        let lines: Vec<LegendLine> = legend(&e);
        let series = |p: usize| lines.iter().filter(|l| l.panel == p).count();
        assert_eq!(
            (series(1), series(2), series(3)),
            (2, 4, 4),
            "{file}: {lines:?}"
        );
        for p in [2, 3] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.panel == p && l.label == "likelihood-paper"),
                "{lines:?}"
            );
        }
        assert!(!lines.iter().any(|l| l.label.contains(":hop")), "{lines:?}");
        assert_distinct(&lines, file);
    }
}

/// The mean rank of two candidates lies between 1 and 2: ticks at round fractions, not only at
/// 1 and 2.
#[test]
fn sweep_plots_name_their_axes_in_words_and_rank_ticks_are_round() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        format!(
            "base = \"{}\"\ntrials = 2\nset = [\"attack.sample_sizes=[10, 100]\", \"attack.estimators=[\\\"mi\\\"]\"]\n[vary]\n\"node.mix.t_avg\" = [\"5ms\", \"50ms\"]\n",
            arg(&scenario_path("fig5-light.toml"))
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_cli(&["sweep", arg(&sweep), "--out", arg(&out), "--quiet"]);
    ok(&o);
    for f in ["detection-mi.svg", "rank-mi.svg"] {
        let svg = std::fs::read_to_string(out.join("plots").join(f)).unwrap();
        let e = assert_readable(&svg, f);
        assert!(
            texts(&e).contains(&"mean mix delay t_avg (ms)"),
            "{f}: {:?}",
            texts(&e)
        );
        assert_distinct(&legend(&e), f);
    }
    let svg = std::fs::read_to_string(out.join("plots/rank-mi.svg")).unwrap();
    let e = parse(&svg);
    let ticks: Vec<f64> = e
        .iter()
        .filter(|t| {
            t.name == "text" && t.attrs.get("text-anchor").map(String::as_str) == Some("end")
        })
        .map(|t| t.text.parse::<f64>().expect("a numeric rank tick"))
        .collect();
    assert!(ticks.len() >= 4 && ticks[0] == 1.0, "{ticks:?}");
    let steps: Vec<f64> = ticks.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.iter().all(|s| (s - steps[0]).abs() < 1e-9),
        "{ticks:?}"
    );
}

#[test]
fn a_watermark_sweep_plots_false_negatives_and_false_positives() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_cli(&[
        "sweep",
        arg(&scenario_path("swirl-compare-sweep.toml")),
        "--trials",
        "2",
        "--out",
        arg(&out),
    ]);
    ok(&o);
    // The closing line names plots/ only because there are plots.
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("plots/ (1 plot)"), "{said}");
    let files: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["errors.svg"]);
    let svg = std::fs::read_to_string(out.join("plots/errors.svg")).unwrap();
    let e = assert_readable(&svg, "errors.svg");
    let t = texts(&e);
    for s in [
        "scheme of watermark mark",
        "error rate",
        "swirl",
        "ibw",
        "icbw",
        "rainbow",
    ] {
        assert!(t.contains(&s), "{s}: {t:?}");
    }
    let lines = legend(&e);
    let labels: Vec<&str> = lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "false negatives (marked flows)",
            "false positives (unmarked flows)"
        ]
    );
    assert_distinct(&lines, "errors.svg");
    let md = std::fs::read_to_string(out.join("sweep.md")).unwrap();
    assert!(md.contains("[plots/errors.svg](plots/errors.svg)"), "{md}");
}

/// A zip sweep whose first list repeats its values (the rates of
/// swirl-stepping-stone-poisson.toml, 4.4 4.4 4.4 9.5 9.5 9.5, zipped with three jitters) is a
/// grid: one figure per jitter, each rate once on the x axis, never several points of a series
/// at one x.
#[test]
fn a_zip_sweep_whose_first_list_repeats_plots_each_value_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_cli(&[
        "sweep",
        arg(&scenario_path("swirl-stepping-stone-poisson.toml")),
        "--trials",
        "2",
        "--out",
        arg(&out),
        "--quiet",
    ]);
    ok(&o);
    let mut files: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 9, "3 detectors x 3 jitters: {files:?}");
    for jitter in ["6.2ms", "9ms", "12ms"] {
        let f = format!("errors-known_swirl-link.ss1-_bob.jitter={jitter}.svg");
        let svg = std::fs::read_to_string(out.join("plots").join(&f)).unwrap();
        let e = assert_readable(&svg, &f);
        let t = texts(&e);
        assert!(
            t.contains(&"packet rate of flow alice (pkt/s), with 1 other key in step"),
            "{f}: {t:?}"
        );
        let ticks: Vec<&str> = t
            .iter()
            .copied()
            .filter(|s| *s == "4.4" || *s == "9.5")
            .collect();
        assert_eq!(ticks, ["4.4", "9.5"], "{f}: {t:?}");
        let mut seen = BTreeSet::new();
        for (shape, colour, (x, _)) in e.iter().filter_map(marker) {
            assert!(
                seen.insert((shape.clone(), colour, x.round() as i64)),
                "{f}: two {shape}s at x = {x}"
            );
        }
        // Two points per series (the two rates) and a legend glyph each.
        assert_eq!(seen.len(), 2 * 3, "{f}: {seen:?}");
    }
}

#[allow(dead_code)]
#[path = "../../examples/frontier.rs"]
mod frontier;

/// The frontier figures over the frontier sweeps in results/ (the points the examples crowd
/// most: five strategies at detection rate 1 in the overhead figure's left panel): every point
/// is labelled with its parameter, and no label overprints another text.
#[test]
fn frontier_labels_do_not_overprint() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results/defenses/frontier");
    let names = [
        "exponential",
        "timed",
        "threshold",
        "binomial",
        "timed-pool",
        "padding-constant",
        "padding-poisson",
        "cover-drop",
    ];
    let all: Vec<frontier::Strategy> = names
        .iter()
        .map(|n| frontier::read_strategy(&root.join(n), 3000))
        .collect();
    let refs: Vec<&frontier::Strategy> = all.iter().collect();
    let points: usize = all.iter().map(|s| s.points.len()).sum();
    for (file, svg) in frontier::figures(&refs, 3000) {
        let e = assert_readable(&svg, &file);
        // Each point's note: a text in the notes' small font.
        let notes = e
            .iter()
            .filter(|t| t.name == "text" && t.num("font-size") < 9.0)
            .count();
        assert_eq!(notes, points, "{file}");
    }
}
