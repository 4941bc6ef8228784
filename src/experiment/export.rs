//! Labelled datasets for learned correlation attacks: `mixsim export`.
//!
//! Per trial and per flow of the scenario, the packets of that flow as seen at its entry tap
//! (the far end of the first link of its route: where it enters the first mix) and at its exit
//! tap (the far end of the last link: where it reaches its receiver), with absolute simulation
//! times in nanoseconds and sizes in bytes. Entry traces are numbered in flow order; exit traces
//! are numbered by a random permutation per trial (drawn from the seed), so that the pairing is
//! not the identity and lives only in its own file. Beside them, what the adversary holds: the
//! aggregate trace (every packet, unlabelled) at each point the scenario's attacks watch. The
//! observation window can be cut short of the scenario's duration (`window`), so that a dataset
//! need not be as long as the attacks' largest sample size. The layout is documented in
//! `docs/export.md`.
//!
//! The export reads ground truth, which is legitimate here: it is an experiment-level product,
//! not an attack. Trials are simulated in parallel in batches of `jobs` and written in trial
//! order, one batch at a time, so memory holds one batch, not the run, and the bytes do not
//! depend on `jobs`. Everything is written into a hidden sibling directory that is renamed to
//! the requested one at the end: an interrupted or failed export leaves nothing half-written.

use super::attacks::of_scenario;
use super::progress::{Progress, ProgressSink};
use crate::engine::{stream, SimTime};
use crate::net::tap::{TapPoint, TapRecord};
use crate::net::{Network, TapSetup};
use crate::scenario::Scenario;
use npyz::WriterBuilder;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The random stream that permutes exit trace ids (far from any element id of a network).
const PERMUTATION_STREAM: u64 = u64::MAX - 0x6578;

/// The tap point of both the entry and the exit tap.
pub const POINT: TapPoint = TapPoint::Arrive;

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub seed: u64,
    pub trials: u64,
    /// Worker threads (>= 1); the bytes written do not depend on it.
    pub jobs: usize,
    pub out: PathBuf,
    /// Where progress goes (none by default).
    pub progress: ProgressSink,
    /// Simulate only this long after the warm-up (`None`: the scenario's duration).
    pub window: Option<SimTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("--out {0}: already exists; export writes a new directory and never overwrites one")]
    Exists(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, io::Error),
    #[error("{0}: the scenario has no flows to export")]
    NoFlows(String),
    #[error("--window: expected a positive duration")]
    EmptyWindow,
    /// Stopped by [`super::campaign::partial::request_stop`] (Ctrl-C, SIGTERM); nothing is left behind.
    #[error("export {0}: {1}")]
    Interrupted(PathBuf, super::campaign::partial::Interrupted),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub trials: u64,
    pub flows: usize,
    pub entry_packets: u64,
    pub exit_packets: u64,
}

/// One trial's traces: per flow (scenario order) its entry trace; per exit id its exit trace;
/// and per flow its exit id.
struct TrialTraces {
    entry: Vec<Vec<TapRecord>>,
    exit: Vec<Vec<TapRecord>>,
    exit_id: Vec<usize>,
    /// Per watched point ([`watched`] order), every packet seen there.
    links: Vec<Vec<TapRecord>>,
}

/// The points the scenario's attacks watch (links and tap points, each once, in the order the
/// attacks first name them): what an adversary holds.
pub fn watched(scenario: &Scenario) -> Vec<(usize, TapPoint)> {
    let mut out: Vec<(usize, TapPoint)> = Vec::new();
    for a in of_scenario(scenario) {
        let needs = a.attack.needs();
        for w in needs.counts.iter().chain(&needs.traces) {
            let point = match w.point {
                crate::attack::Point::Enqueue => TapPoint::Enqueue,
                crate::attack::Point::Depart => TapPoint::Depart,
                crate::attack::Point::Arrive => TapPoint::Arrive,
            };
            if !out.contains(&(w.link, point)) {
                out.push((w.link, point));
            }
        }
    }
    out
}

/// The tap setup of an export: trace the entry and exit links at [`POINT`], nothing else.
fn setup(scenario: &Scenario) -> TapSetup {
    let mut points = vec![[false; 3]; scenario.links.len()];
    for f in &scenario.flows {
        for l in [f.links.first(), f.links.last()].into_iter().flatten() {
            points[*l][POINT as usize] = true;
        }
    }
    for (link, point) in watched(scenario) {
        points[link][point as usize] = true;
    }
    let interval: SimTime = crate::scenario::DEFAULT_TAP_INTERVAL;
    TapSetup {
        interval,
        bins: (scenario.duration.saturating_sub(scenario.warmup) / interval) as usize,
        trace: true,
        points,
    }
}

/// The packets of `flow` in the trace of `link` at [`POINT`] (labels read from ground truth).
fn flow_trace(net: &Network, link: usize, flow: usize) -> Vec<TapRecord> {
    let tap = &net.links[link].tap;
    let labels = &tap.ground_truth().flows[POINT as usize];
    tap.view()
        .trace(POINT)
        .iter()
        .zip(labels)
        .filter(|(_, &l)| l as usize == flow)
        .map(|(r, _)| *r)
        .collect()
}

fn simulate(scenario: &Scenario, seed: u64, trial: u64) -> TrialTraces {
    let (net, _) = Network::run(&scenario.topology(), seed, trial, setup(scenario));
    let n = scenario.flows.len();
    let entry = (0..n)
        .map(|f| flow_trace(&net, scenario.flows[f].links[0], f))
        .collect();
    let mut exit_id: Vec<usize> = (0..n).collect();
    exit_id.shuffle(&mut stream(seed, trial, PERMUTATION_STREAM));
    let mut exit = vec![Vec::new(); n];
    for (f, &id) in exit_id.iter().enumerate() {
        let last = *scenario.flows[f].links.last().expect("validated route");
        exit[id] = flow_trace(&net, last, f);
    }
    let links = watched(scenario)
        .into_iter()
        .map(|(link, point)| net.links[link].tap.view().trace(point).to_vec())
        .collect();
    TrialTraces {
        entry,
        exit,
        exit_id,
        links,
    }
}

type Npy<T> = npyz::NpyWriter<T, BufWriter<File>>;

fn npy_1d<T: npyz::AutoSerialize>(path: &Path) -> io::Result<Npy<T>> {
    let file = BufWriter::new(File::create(path)?);
    npyz::WriteOptions::new()
        .default_dtype()
        .writer(file)
        .begin_1d()
}

/// The files of one side (entry or exit): packet columns, trace offsets, and a CSV.
struct Side {
    time: Npy<u64>,
    size: Npy<u32>,
    offsets: Npy<u64>,
    csv: csv::Writer<BufWriter<File>>,
    packets: u64,
}

impl Side {
    fn create(dir: &Path, name: &str) -> io::Result<Side> {
        let mut offsets = npy_1d(&dir.join(format!("{name}_offsets.npy")))?;
        offsets.push(&0)?;
        let mut csv = csv::Writer::from_writer(BufWriter::new(File::create(
            dir.join(format!("{name}.csv")),
        )?));
        csv.write_record(["trial", "trace", "time_ns", "size_bytes"])?;
        Ok(Side {
            time: npy_1d(&dir.join(format!("{name}_time_ns.npy")))?,
            size: npy_1d(&dir.join(format!("{name}_size.npy")))?,
            offsets,
            csv,
            packets: 0,
        })
    }

    fn write_trace(&mut self, trial: u64, id: usize, trace: &[TapRecord]) -> io::Result<()> {
        for r in trace {
            self.time.push(&r.time)?;
            self.size.push(&r.size)?;
            self.csv.write_record([
                trial.to_string(),
                id.to_string(),
                r.time.to_string(),
                r.size.to_string(),
            ])?;
        }
        self.packets += trace.len() as u64;
        self.offsets.push(&self.packets)
    }

    fn finish(self) -> io::Result<u64> {
        self.time.finish()?;
        self.size.finish()?;
        self.offsets.finish()?;
        self.csv.into_inner().map_err(|e| e.into_error())?.flush()?;
        Ok(self.packets)
    }
}

/// Every file of an export, open in the temporary directory.
struct Files {
    entry: Side,
    exit: Side,
    links: Side,
    pairs: Npy<u64>,
    pairs_csv: csv::Writer<BufWriter<File>>,
}

impl Files {
    fn create(dir: &Path, rows: u64) -> io::Result<Files> {
        let pairs = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[rows, 3])
            .writer(BufWriter::new(File::create(dir.join("pairs.npy"))?))
            .begin_nd()?;
        let mut pairs_csv =
            csv::Writer::from_writer(BufWriter::new(File::create(dir.join("pairs.csv"))?));
        pairs_csv.write_record(["trial", "entry", "exit", "flow"])?;
        Ok(Files {
            entry: Side::create(dir, "entry")?,
            exit: Side::create(dir, "exit")?,
            links: Side::create(dir, "link")?,
            pairs,
            pairs_csv,
        })
    }

    fn write_trial(&mut self, scenario: &Scenario, trial: u64, t: &TrialTraces) -> io::Result<()> {
        for (f, trace) in t.entry.iter().enumerate() {
            self.entry.write_trace(trial, f, trace)?;
        }
        for (id, trace) in t.exit.iter().enumerate() {
            self.exit.write_trace(trial, id, trace)?;
        }
        for (w, trace) in t.links.iter().enumerate() {
            self.links.write_trace(trial, w, trace)?;
        }
        for (f, &id) in t.exit_id.iter().enumerate() {
            for v in [trial, f as u64, id as u64] {
                self.pairs.push(&v)?;
            }
            self.pairs_csv.write_record([
                trial.to_string(),
                f.to_string(),
                id.to_string(),
                scenario.flows[f].name.clone(),
            ])?;
        }
        Ok(())
    }

    fn finish(self) -> io::Result<(u64, u64)> {
        self.pairs.finish()?;
        self.pairs_csv
            .into_inner()
            .map_err(|e| e.into_error())?
            .flush()?;
        self.links.finish()?;
        Ok((self.entry.finish()?, self.exit.finish()?))
    }
}

/// The manifest: what the files hold and how to read them.
fn manifest(scenario: &Scenario, opts: &ExportOptions, s: &ExportSummary) -> String {
    let flows: Vec<serde_json::Value> = scenario
        .flows
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "entry_link": scenario.links[f.links[0]].name,
                "exit_link": scenario.links[*f.links.last().expect("validated route")].name,
            })
        })
        .collect();
    let m = serde_json::json!({
        "format": "mixsim-export-1",
        "scenario": scenario.name,
        "seed": opts.seed.to_string(),
        "trials": s.trials,
        "flows_per_trial": s.flows,
        "entry_packets": s.entry_packets,
        "exit_packets": s.exit_packets,
        "tap_point": POINT.name(),
        "time_unit": "ns since the start of the trial",
        "entry_flows": flows,
        // `* 1e-9` kept: learned attacks read this window (rates per second), and the
        // engine's division changes its last bit (30.000000000000004 becomes 30.0), which
        // moved results/python-learned's classifier.
        "window_s": (scenario.duration - scenario.warmup) as f64 * 1e-9,
        "watched": watched(scenario)
            .iter()
            .map(|&(link, point)| serde_json::json!({
                "link": scenario.links[link].name,
                "point": point.name(),
            }))
            .collect::<Vec<_>>(),
        "layout": "docs/export.md in the mixsim repository",
    });
    let mut text = serde_json::to_string_pretty(&m).expect("manifest serialises");
    text.push('\n');
    text
}

/// Export `opts.trials` trials of `scenario` into the new directory `opts.out`.
pub fn export(scenario: &Scenario, opts: &ExportOptions) -> Result<ExportSummary, ExportError> {
    if scenario.flows.is_empty() {
        return Err(ExportError::NoFlows(scenario.name.clone()));
    }
    let cut;
    let scenario = match opts.window {
        Some(0) => return Err(ExportError::EmptyWindow),
        Some(w) => {
            cut = Scenario {
                duration: scenario.warmup.saturating_add(w),
                ..scenario.clone()
            };
            &cut
        }
        None => scenario,
    };
    if opts.out.exists() {
        return Err(ExportError::Exists(opts.out.clone()));
    }
    // A hidden sibling of `out` to write into before the final rename; those an export killed
    // outright left behind go first.
    super::campaign::partial::remove_stale(&opts.out);
    let tmp = super::campaign::partial::partial_dir(&opts.out);
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e: io::Error| ExportError::Io(p.clone(), e)
    };
    if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    std::fs::create_dir(&tmp).map_err(io_err(&tmp))?;
    let result = write_all(scenario, opts, &tmp).and_then(|summary| {
        if opts.out.exists() {
            return Err(ExportError::Exists(opts.out.clone()));
        }
        std::fs::rename(&tmp, &opts.out).map_err(io_err(&opts.out))?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn write_all(
    scenario: &Scenario,
    opts: &ExportOptions,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    let io_err = |e: io::Error| ExportError::Io(dir.to_path_buf(), e);
    let flows = scenario.flows.len();
    let mut files = Files::create(dir, opts.trials * flows as u64).map_err(io_err)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(super::jobs::usable(opts.jobs))
        .build()
        .map_err(|e| io_err(io::Error::other(e)))?;
    opts.progress.report(&Progress::Started {
        trials: opts.trials,
        sweep: None,
    });
    let batch = super::jobs::usable(opts.jobs) as u64;
    let mut first = 0;
    while first < opts.trials {
        if super::campaign::partial::stop_requested() {
            return Err(ExportError::Interrupted(
                opts.out.clone(),
                super::campaign::partial::Interrupted,
            ));
        }
        let last = (first + batch).min(opts.trials);
        let traces: Vec<TrialTraces> = pool.install(|| {
            (first..last)
                .into_par_iter()
                .map(|t| simulate(scenario, opts.seed, t))
                .collect()
        });
        for (t, tr) in (first..last).zip(&traces) {
            files.write_trial(scenario, t, tr).map_err(io_err)?;
            opts.progress.report(&Progress::Trial);
        }
        first = last;
    }
    opts.progress.report(&Progress::Finished);
    let (entry_packets, exit_packets) = files.finish().map_err(io_err)?;
    let summary = ExportSummary {
        trials: opts.trials,
        flows,
        entry_packets,
        exit_packets,
    };
    std::fs::write(
        dir.join("manifest.json"),
        manifest(scenario, opts, &summary),
    )
    .map_err(io_err)?;
    Ok(summary)
}
