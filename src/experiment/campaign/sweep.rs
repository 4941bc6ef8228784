//! Sweep files: a grid of scenario variants run with one seed and one number of trials.
//!
//! # The sweep format
//!
//! ```toml
//! name = "fig6"                 # default: the file's stem
//! description = "..."           # free text (optional)
//! base = "fig5-light.toml"      # the scenario, relative to this file
//! mode = "product"              # "product" (every combination, default) or "zip" (in step)
//! trials = 1000                 # per point (default: the base scenario's trials)
//! seed = 1                      # sweep seed (default: the base scenario's seed)
//! chunk = 100                   # trials per work unit: the grain of resume and sharding
//! set = ["attack.sample_sizes=[60, 480, 3840, 30720]"]   # fixed --set overrides, in order
//!
//! [vary]                        # dotted --set paths, in file order; the last varies fastest
//! "node.mix.t_avg" = ["5ms", "10ms", "20ms"]
//! "flow.alice.rate" = { from = 50, to = 200, step = 50, unit = "pps" }
//! ```
//!
//! A value in a list is any TOML value (strings with units, numbers, arrays); a range is
//! `{ from, to, step }` of numbers, `to` included, with an optional `unit` appended to every
//! value. Point `p` of the grid is the base scenario with the `set` overrides and then the
//! point's values applied, exactly as `mixsim run --set` would. Its trials use the seed
//! [`point_seed`]`(seed, p)`, so a point's result does not depend on how the sweep is split
//! between shards, threads or restarts, and `mixsim run --seed <that seed> --set ...` repeats it.
//!
//! Unknown keys are errors; errors name the file, line and column, like scenario errors.

use crate::scenario::{Scenario, ScenarioError};
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

/// The sweep file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    description: String,
    base: Spanned<String>,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    trials: Option<Spanned<u64>>,
    #[serde(default, with = "crate::engine::seed::option")]
    seed: Option<u64>,
    #[serde(default)]
    chunk: Option<Spanned<u64>>,
    #[serde(default)]
    set: Vec<Spanned<String>>,
    vary: Spanned<toml::Table>,
}

/// How the `[vary]` lists combine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every combination (the last key varies fastest).
    #[default]
    Product,
    /// The i-th values of every list together (lists of equal length).
    Zip,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Product => "product",
            Mode::Zip => "zip",
        }
    }
}

/// Default trials per work unit.
pub const DEFAULT_CHUNK: u64 = 100;

/// One varied value: its label (as shown in tables and file names) and the TOML text given to
/// `--set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisValue {
    pub label: String,
    pub toml: String,
}

/// A varied path and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub path: String,
    pub values: Vec<AxisValue>,
}

/// One point of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub index: usize,
    /// Index into each axis's values.
    pub at: Vec<usize>,
    /// The seed of this point's trials (a string in JSON).
    #[serde(with = "crate::engine::seed")]
    pub seed: u64,
    /// Every override applied to the base scenario, in order (the sweep's `set`, then the
    /// point's values), as `path=value`.
    pub overrides: Vec<String>,
}

/// Everything that determines a sweep's results. Two sweeps with equal specs write identical
/// bytes; resume and merge refuse directories whose spec differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub name: String,
    pub description: String,
    /// The base scenario's file name as written in the sweep file (used in error messages).
    pub base_file: String,
    /// The base scenario's full text, so that merge needs no file but the shard outputs.
    pub base_scenario: String,
    pub mode: Mode,
    #[serde(with = "crate::engine::seed")]
    pub seed: u64,
    pub trials: u64,
    pub chunk: u64,
    pub set: Vec<String>,
    pub axes: Vec<Axis>,
    pub points: Vec<SweepPoint>,
    /// The mixsim version that plans the sweep: records of another version are not mixed in.
    #[serde(default)]
    pub mixsim_version: String,
    /// FNV-1a (hex) of the packets every replayed trace holds, "point/flow: hash", so that a
    /// resume after a trace file changed is refused. Filled when the plan is made.
    #[serde(default)]
    pub traces: Vec<String>,
    /// Attacks scored at every point beside the base scenario's own, by label, in order (the
    /// Python bindings' attacks; see `execute::ExtraAttacks`). Empty for a sweep file's sweep,
    /// and then not written, so its fingerprint and sweep.json are what they always were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_attacks: Vec<String>,
}

/// A sweep ready to run: its spec and the scenario of every point.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    pub spec: SweepSpec,
    pub scenarios: Vec<Scenario>,
}

/// SplitMix64 finaliser.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of point `point` of a sweep seeded with `seed`: its trial t is trial t of
/// `mixsim run --seed point_seed(seed, point)`.
pub fn point_seed(seed: u64, point: usize) -> u64 {
    mix64(seed ^ mix64((point as u64).wrapping_add(0xD1B5_4A32_D192_ED03)))
}

pub use crate::engine::seed::fnv1a;

/// "p/flow: hash" for every trace flow of every point's scenario, hashing the packet times and
/// sizes it replays.
fn trace_hashes(scenarios: &[Scenario]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, s) in scenarios.iter().enumerate() {
        for f in &s.flows {
            if let crate::scenario::Traffic::Trace(data) = &f.traffic {
                let mut bytes: Vec<u8> = Vec::with_capacity(data.times.len() * 12);
                for t in &data.times {
                    bytes.extend_from_slice(&t.to_le_bytes());
                }
                for z in data.sizes.iter().flatten() {
                    bytes.extend_from_slice(&z.to_le_bytes());
                }
                out.push(format!("{p}/{}: {:016x}", f.name, fnv1a(&bytes)));
            }
        }
    }
    out
}

impl SweepSpec {
    /// A fingerprint of the spec, stamped on every record so that records of different sweeps
    /// are never mixed.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).expect("spec serialises");
        format!("{:016x}", fnv1a(json.as_bytes()))
    }

    /// The label of point `p`: `path=label` for every axis, comma-separated.
    pub fn point_label(&self, p: usize) -> String {
        let point = &self.points[p];
        self.axes
            .iter()
            .zip(&point.at)
            .map(|(a, &i)| format!("{}={}", a.path, a.values[i].label))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Load every point's scenario. `origin` names the base scenario in errors.
    pub fn plan(self, origin: &Path) -> Result<SweepPlan, SweepFileError> {
        let mut scenarios = Vec::with_capacity(self.points.len());
        for p in &self.points {
            let s = Scenario::parse(&self.base_scenario, origin, &p.overrides).map_err(|e| {
                SweepFileError::Point {
                    point: p.index,
                    label: self.point_label(p.index),
                    source: Box::new(e),
                }
            })?;
            crate::scenario::bounds::check_trials(&s, self.trials).map_err(|e| {
                SweepFileError::Limit {
                    what: format!(
                        "sweep point {} ({}): {} trials",
                        p.index,
                        self.point_label(p.index),
                        self.trials
                    ),
                    message: e.message,
                }
            })?;
            scenarios.push(s);
        }
        let mut spec = self;
        spec.traces = trace_hashes(&scenarios);
        Ok(SweepPlan { spec, scenarios })
    }

    /// Spec with the command line's `--trials` and `--seed` applied (point seeds follow).
    pub fn with_overrides(mut self, trials: Option<u64>, seed: Option<u64>) -> Self {
        if let Some(t) = trials {
            self.trials = t;
        }
        if let Some(s) = seed {
            self.seed = s;
            for p in &mut self.points {
                p.seed = point_seed(s, p.index);
            }
        }
        self
    }
}

/// A sweep file that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SweepFileError {
    /// The sweep file itself (read, syntax, keys, values).
    #[error("{0}")]
    File(Box<ScenarioError>),
    /// The sweep goes beyond a limit on its work (`what` locates it: a key or `--trials`).
    #[error("{what}: {message}")]
    Limit { what: String, message: String },
    /// A point's scenario does not validate.
    #[error("sweep point {point} ({label}): {source}")]
    Point {
        point: usize,
        label: String,
        source: Box<ScenarioError>,
    },
}

/// Load a sweep file: parse, apply the command line's `--trials` and `--seed`, expand the grid,
/// and validate every point's scenario.
pub fn load(
    path: &Path,
    trials: Option<u64>,
    seed: Option<u64>,
) -> Result<SweepPlan, SweepFileError> {
    let text = ScenarioError::read_text(path).map_err(|e| SweepFileError::File(Box::new(e)))?;
    let spec = parse(&text, path)?.with_overrides(trials, seed);
    check_units(&spec, &text, path, trials.is_some())?;
    let base_path = path.parent().unwrap_or(Path::new("")).join(&spec.base_file);
    let set = spec.set.clone();
    spec.plan(&base_path)
        .map_err(|e| locate_override(e, &text, path, &set))
}

/// Refuse a sweep of more work units than [`super::sweep_bounds::MAX_UNITS`], naming
/// `--trials` when the command line set them, else the sweep file's `trials` or `chunk`.
fn check_units(spec: &SweepSpec, text: &str, path: &Path, cli: bool) -> Result<(), SweepFileError> {
    let Err(e) = super::sweep_bounds::check_units(spec.points.len(), spec.trials, spec.chunk)
    else {
        return Ok(());
    };
    if cli {
        return Err(SweepFileError::Limit {
            what: format!("--trials {}", spec.trials),
            message: e.to_string(),
        });
    }
    let tree = toml::de::DeTable::parse(text).ok();
    let span_of = |k: &str| {
        let tree = tree.as_ref()?;
        tree.get_ref().get(k).map(|v| v.span())
    };
    let (key, span) = match span_of("trials") {
        Some(s) => ("trials", s),
        None => ("chunk", span_of("chunk").unwrap_or(0..0)),
    };
    Err(SweepFileError::File(Box::new(ScenarioError::at(
        path,
        text,
        span,
        key,
        e.to_string(),
    ))))
}

/// An override that names nothing in the base scenario, or gives a key a value it refuses (a
/// range without its unit), is a mistake in the sweep file: point at the `[vary]` entry or
/// `set` entry that wrote it.
fn locate_override(e: SweepFileError, text: &str, path: &Path, set: &[String]) -> SweepFileError {
    let SweepFileError::Point {
        point,
        label,
        source,
    } = &e
    else {
        return e;
    };
    let (bad, message) = match source.as_ref() {
        ScenarioError::Override { set, message } => (set, format!("{set}: {message}")),
        ScenarioError::InOverride {
            file,
            set,
            key,
            message,
            ..
        } => (
            set,
            format!(
                "point {point} ({label}): key `{key}` of the base scenario {}: {message}",
                file.display()
            ),
        ),
        _ => return e,
    };
    let Ok(tree) = toml::de::DeTable::parse(text) else {
        return e;
    };
    let key = bad.split_once('=').map(|(k, _)| k.trim()).unwrap_or(bad);
    let range_without_unit = tree
        .get_ref()
        .get("vary")
        .and_then(|v| v.get_ref().as_table())
        .and_then(|t| t.get(key))
        .and_then(|v| v.get_ref().as_table())
        .is_some_and(|r| !r.contains_key("unit"));
    let message = match range_without_unit {
        true => format!("{message} (a range's values take its `unit`, like unit = \"ms\")"),
        false => message,
    };
    let (span, name) = if let Some(i) = set.iter().position(|s| s == bad) {
        let span = tree
            .get_ref()
            .get("set")
            .and_then(|v| v.get_ref().as_array())
            .and_then(|a| a.get(i))
            .map(|v| v.span());
        (span, format!("set[{i}]"))
    } else {
        let span = tree
            .get_ref()
            .get("vary")
            .and_then(|v| v.get_ref().as_table())
            .and_then(|t| t.iter().find(|(k, _)| k.get_ref() == key))
            .map(|(k, _)| k.span());
        (span, format!("vary.\"{key}\""))
    };
    match span {
        Some(span) => SweepFileError::File(Box::new(ScenarioError::at(
            path, text, span, &name, message,
        ))),
        None => e,
    }
}

/// Builds a located error of a sweep file: (span, key, message).
type Fail<'a> = &'a dyn Fn(std::ops::Range<usize>, &str, String) -> SweepFileError;

/// Parse sweep text; `path` names it in errors and anchors the relative base path.
pub fn parse(text: &str, path: &Path) -> Result<SweepSpec, SweepFileError> {
    let fail = |span: std::ops::Range<usize>, key: &str, msg: String| {
        SweepFileError::File(Box::new(ScenarioError::at(path, text, span, key, msg)))
    };
    let file: SweepFile = toml::from_str(text)
        .map_err(|e| SweepFileError::File(Box::new(ScenarioError::from_toml(path, text, e))))?;

    let base_path = path
        .parent()
        .unwrap_or(Path::new(""))
        .join(file.base.get_ref());
    let base_scenario = ScenarioError::read_text(&base_path).map_err(|e| {
        fail(
            file.base.span(),
            "base",
            format!("the base scenario does not load: {e}"),
        )
    })?;
    let (trials, chunk) = counts_of(&file, &fail)?;
    let tree = toml::de::DeTable::parse(text)
        .map_err(|e| SweepFileError::File(Box::new(ScenarioError::from_toml(path, text, e))))?;
    let axes = axes_of(&file, &tree, &fail)?;
    check_each_key_once(&axes, &base_scenario, &tree, &fail)?;
    // Count the grid before building it.
    let lengths: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    super::sweep_bounds::check_points(&lengths, file.mode)
        .map_err(|e| fail(file.vary.span(), "vary", e.to_string()))?;
    let at = grid(&axes, file.mode, &tree, &fail)?;
    let base_probe =
        Scenario::parse(&base_scenario, &base_path, &[]).map_err(|e| SweepFileError::Point {
            point: 0,
            label: "the base scenario itself".into(),
            source: Box::new(e),
        })?;
    let trials = trials.unwrap_or(base_probe.trials);
    let seed = file.seed.unwrap_or(base_probe.seed);
    let set: Vec<String> = file.set.iter().map(|s| s.get_ref().clone()).collect();
    let points = points_of(&axes, at, &set, seed);
    Ok(SweepSpec {
        mixsim_version: env!("CARGO_PKG_VERSION").to_string(),
        traces: Vec::new(),
        extra_attacks: Vec::new(),
        name: sweep_name(&file, path, &fail)?,
        description: file.description,
        base_file: file.base.get_ref().clone(),
        base_scenario,
        mode: file.mode,
        seed,
        trials,
        chunk,
        set,
        axes,
        points,
    })
}

/// The sweep's own trials per point (if set) and trials per chunk, each at least 1; and its
/// `set` overrides, each `path=value`.
fn counts_of(file: &SweepFile, fail: Fail<'_>) -> Result<(Option<u64>, u64), SweepFileError> {
    let trials = match &file.trials {
        Some(t) if *t.get_ref() == 0 => {
            return Err(fail(
                t.span(),
                "trials",
                "expected at least 1 trial per point".into(),
            ))
        }
        Some(t) => Some(*t.get_ref()),
        None => None,
    };
    let chunk = match &file.chunk {
        Some(c) if *c.get_ref() == 0 => {
            return Err(fail(
                c.span(),
                "chunk",
                "expected at least 1 trial per chunk".into(),
            ))
        }
        Some(c) => *c.get_ref(),
        None => DEFAULT_CHUNK,
    };
    for (i, s) in file.set.iter().enumerate() {
        if !s.get_ref().contains('=') {
            return Err(fail(
                s.span(),
                &format!("set[{i}]"),
                "expected path=value, like \"attack.interval=10ms\"".into(),
            ));
        }
    }
    Ok((trials, chunk))
}

/// The axes, in file order (toml tables are sorted by key; spans give the order): at least
/// one, none varying what identifies the sweep, each with at least one value.
fn axes_of(
    file: &SweepFile,
    tree: &Spanned<toml::de::DeTable<'_>>,
    fail: Fail<'_>,
) -> Result<Vec<Axis>, SweepFileError> {
    let mut keys: Vec<(usize, String)> = tree
        .get_ref()
        .get("vary")
        .and_then(|v| v.get_ref().as_table())
        .map(|t| {
            t.iter()
                .map(|(k, _)| (k.span().start, k.get_ref().to_string()))
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    if keys.is_empty() {
        return Err(fail(
            file.vary.span(),
            "vary",
            "expected at least one varied path, like \"node.mix.t_avg\" = [\"5ms\", \"10ms\"]"
                .into(),
        ));
    }
    let mut axes = Vec::new();
    for (_, key) in &keys {
        let key_path = format!("vary.\"{key}\"");
        let value = &file.vary.get_ref()[key.as_str()];
        let span = lookup_span(tree, key);
        let head = key.split(['.', '[']).next().unwrap_or("");
        if matches!(head, "trials" | "seed" | "name") {
            return Err(fail(
                span,
                &key_path,
                format!(
                    "cannot vary `{head}`: it identifies the sweep (set the sweep's own `{head}`)"
                ),
            ));
        }
        let values =
            axis_values(value).map_err(|e| fail(span.clone(), &key_path, e.to_string()))?;
        if values.is_empty() {
            return Err(fail(span, &key_path, "expected at least one value".into()));
        }
        axes.push(Axis {
            path: key.clone(),
            values,
        });
    }
    Ok(axes)
}

/// Two axes naming one key (`node.mix.t_avg` and `node[2].t_avg`) are refused: the last would
/// win and the points' labels would lie.
fn check_each_key_once(
    axes: &[Axis],
    base_scenario: &str,
    tree: &Spanned<toml::de::DeTable<'_>>,
    fail: Fail<'_>,
) -> Result<(), SweepFileError> {
    let mut named: Vec<(String, &str)> = Vec::new();
    for a in axes {
        if let Some(k) = crate::scenario::canonical_key(base_scenario, &a.path) {
            if let Some((_, first)) = named.iter().find(|(n, _)| *n == k) {
                return Err(fail(
                    lookup_span(tree, &a.path),
                    &format!("vary.\"{}\"", a.path),
                    format!(
                        "names the same key as vary.\"{first}\" (both set `{k}` of the base scenario): expected each key varied once"
                    ),
                ));
            }
            named.push((k, &a.path));
        }
    }
    Ok(())
}

/// Each point's value index on every axis, in point order: every combination (the last axis
/// fastest), or the i-th values together (lists of equal length).
fn grid(
    axes: &[Axis],
    mode: Mode,
    tree: &Spanned<toml::de::DeTable<'_>>,
    fail: Fail<'_>,
) -> Result<Vec<Vec<usize>>, SweepFileError> {
    match mode {
        Mode::Product => {
            let mut at = vec![Vec::new()];
            for a in axes {
                at = at
                    .into_iter()
                    .flat_map(|prefix| {
                        (0..a.values.len()).map(move |i| {
                            let mut v = prefix.clone();
                            v.push(i);
                            v
                        })
                    })
                    .collect();
            }
            Ok(at)
        }
        Mode::Zip => {
            let n = axes[0].values.len();
            if let Some(a) = axes.iter().find(|a| a.values.len() != n) {
                return Err(fail(
                    lookup_span(tree, &a.path),
                    &format!("vary.\"{}\"", a.path),
                    format!(
                        "mode = \"zip\" needs lists of equal length: \"{}\" has {} values, \"{}\" has {}",
                        axes[0].path,
                        n,
                        a.path,
                        a.values.len()
                    ),
                ));
            }
            Ok((0..n).map(|i| vec![i; axes.len()]).collect())
        }
    }
}

/// The points: each with its seed and its overrides (the sweep's `set`, then one per axis).
fn points_of(axes: &[Axis], at: Vec<Vec<usize>>, set: &[String], seed: u64) -> Vec<SweepPoint> {
    at.into_iter()
        .enumerate()
        .map(|(index, at)| {
            let mut overrides = set.to_vec();
            for (a, &i) in axes.iter().zip(&at) {
                overrides.push(format!("{}={}", a.path, a.values[i].toml));
            }
            SweepPoint {
                index,
                at,
                seed: point_seed(seed, index),
                overrides,
            }
        })
        .collect()
}

/// The sweep's name: its own (checked), or the file's stem when that is a valid name, or
/// "sweep".
fn sweep_name(file: &SweepFile, path: &Path, fail: Fail<'_>) -> Result<String, SweepFileError> {
    Ok(match &file.name {
        Some(n) => {
            crate::scenario::check_file_name(n.get_ref())
                .map_err(|e| fail(n.span(), "name", e.to_string()))?;
            n.get_ref().clone()
        }
        None => path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| crate::scenario::check_file_name(s).is_ok())
            .unwrap_or("sweep")
            .to_string(),
    })
}

/// Span of `[vary]`'s value for `key`.
fn lookup_span(tree: &Spanned<toml::de::DeTable<'_>>, key: &str) -> std::ops::Range<usize> {
    tree.get_ref()
        .get("vary")
        .and_then(|v| v.get_ref().as_table())
        .and_then(|t| t.get(key))
        .map(|v| v.span())
        .unwrap_or(0..0)
}

/// Why a `[vary]` entry does not give an axis's values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AxisError {
    #[error("expected a list of values (like [\"5ms\", \"10ms\"]) or a range {{ from = 1, to = 10, step = 1 }}, got {0}")]
    NotValues(&'static str),
    #[error(
        "unknown range key \"{key}\"{suggestion}; expected from, to, step and optionally unit"
    )]
    UnknownKey { key: String, suggestion: String },
    #[error("range key \"{key}\": expected a number, got {got}")]
    NotANumber {
        key: &'static str,
        got: &'static str,
    },
    #[error("a range needs from, to and step, like {{ from = 10, to = 50, step = 10 }}: \"{0}\" is missing")]
    Missing(&'static str),
    #[error("range key \"unit\": expected a string like \"ms\", got {0}")]
    Unit(&'static str),
    #[error("range step must be above zero, got {0}")]
    Step(f64),
    #[error("range goes down: from = {from} is above to = {to}")]
    Down { from: f64, to: f64 },
    #[error("range has {0} values: expected at most 100000")]
    TooLong(u64),
}

/// The values of one axis: a list of TOML values, or a `{ from, to, step [, unit] }` range.
fn axis_values(v: &toml::Value) -> Result<Vec<AxisValue>, AxisError> {
    match v {
        toml::Value::Array(items) => Ok(items.iter().map(axis_value).collect()),
        toml::Value::Table(t) => range_values(t),
        other => Err(AxisError::NotValues(other.type_str())),
    }
}

fn axis_value(v: &toml::Value) -> AxisValue {
    match v {
        toml::Value::String(s) => AxisValue {
            label: s.clone(),
            toml: v.to_string(),
        },
        other => {
            let t = other.to_string();
            AxisValue {
                label: t.clone(),
                toml: t,
            }
        }
    }
}

fn range_values(t: &toml::Table) -> Result<Vec<AxisValue>, AxisError> {
    const KEYS: &[&str] = &["from", "to", "step", "unit"];
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(AxisError::UnknownKey {
            key: k.clone(),
            suggestion: crate::scenario::error::suggestion(k, KEYS),
        });
    }
    let num = |key: &'static str| -> Result<(f64, bool, usize), AxisError> {
        match t.get(key) {
            Some(toml::Value::Integer(i)) => Ok((*i as f64, true, 0)),
            Some(toml::Value::Float(f)) => {
                let s = format!("{f}");
                let decimals = s.split_once('.').map(|(_, d)| d.len()).unwrap_or(0);
                Ok((*f, false, decimals))
            }
            Some(other) => Err(AxisError::NotANumber {
                key,
                got: other.type_str(),
            }),
            None => Err(AxisError::Missing(key)),
        }
    };
    let (from, fi, fd) = num("from")?;
    let (to, ti, td) = num("to")?;
    let (step, si, sd) = num("step")?;
    let unit = match t.get("unit") {
        None => String::new(),
        Some(toml::Value::String(u)) => u.clone(),
        Some(other) => return Err(AxisError::Unit(other.type_str())),
    };
    if step.is_nan() || step <= 0.0 {
        return Err(AxisError::Step(step));
    }
    if to < from {
        return Err(AxisError::Down { from, to });
    }
    let count = ((to - from) / step * (1.0 + 1e-12) + 1e-9).floor() as u64 + 1;
    if count > 100_000 {
        return Err(AxisError::TooLong(count));
    }
    let integers = fi && ti && si;
    let decimals = fd.max(td).max(sd);
    Ok((0..count)
        .map(|i| {
            let v = from + i as f64 * step;
            let text = if integers {
                format!("{}", v.round() as i64)
            } else {
                let s = format!("{v:.decimals$}");
                if s.contains('.') {
                    s
                } else {
                    format!("{s}.0")
                }
            };
            if unit.is_empty() {
                AxisValue {
                    label: text.clone(),
                    toml: text,
                }
            } else {
                let label = format!("{text}{unit}");
                AxisValue {
                    toml: toml::Value::String(label.clone()).to_string(),
                    label,
                }
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(src: &str) -> Result<Vec<String>, String> {
        let t: toml::Table = toml::from_str(&format!("r = {src}")).unwrap();
        axis_values(&t["r"])
            .map(|v| v.into_iter().map(|a| a.label).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ranges_include_the_end_and_keep_decimals() {
        assert_eq!(
            range("{ from = 1, to = 5, step = 2 }").unwrap(),
            ["1", "3", "5"]
        );
        assert_eq!(
            range("{ from = 0.1, to = 0.3, step = 0.1 }").unwrap(),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(
            range("{ from = 50, to = 200, step = 50, unit = \"pps\" }").unwrap(),
            ["50pps", "100pps", "150pps", "200pps"]
        );
        assert!(range("{ from = 1, to = 5, step = 0 }").is_err());
        assert!(range("{ from = 1, to = 5, stpe = 1 }")
            .unwrap_err()
            .contains("did you mean \"step\""));
    }

    #[test]
    fn point_seeds_are_distinct() {
        let s: std::collections::HashSet<u64> = (0..1000).map(|p| point_seed(1, p)).collect();
        assert_eq!(s.len(), 1000);
        assert_ne!(point_seed(1, 0), point_seed(2, 0));
    }
}
