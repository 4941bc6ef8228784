//! Running a sweep (or one shard of it): resume from the records already in the output
//! directory, run the units still missing, record each one atomically as it finishes, and, for
//! a whole sweep, compute every point's summary from the records (`report` writes them out).
//!
//! The summaries are always built from the records on disk, never from what happens to be in
//! memory, so an uninterrupted run, a resumed run and a merge of shards give the same bytes.

use super::attacks;
use super::record::{self, ChunkRecord, Manifest, SweepError, TallyRecord};
use super::runner::{tally_trials, AttackInfo, RunResult, Tally};
use super::shard::{self, Shard, Unit};
use super::summary::Summary;
use super::sweep::SweepPlan;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How to show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar on a terminal; plain lines on stderr every `every` otherwise.
    Auto { every: Duration },
    /// Nothing.
    Quiet,
}

#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub shard: Shard,
    /// Worker threads (>= 1). Results do not depend on it.
    pub jobs: usize,
    pub out: PathBuf,
    pub progress: Progress,
}

/// What a sweep run did.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Units of this shard.
    pub units: usize,
    /// Of which already recorded before this run.
    pub resumed: usize,
    /// Trials simulated by this run.
    pub trials_run: u64,
    pub events: u64,
    pub packets: u64,
    /// Every point's summary, from the records (whole sweeps; None for a shard).
    pub summaries: Option<Vec<Summary>>,
}

/// Run `plan` (or the shard `opts.shard` of it) into `opts.out`.
pub fn run_sweep(plan: &SweepPlan, opts: &SweepOptions) -> Result<SweepOutcome, SweepError> {
    let spec = &plan.spec;
    let manifest = Manifest::new(spec, opts.shard);
    let _lock = record::prepare(&opts.out, &manifest)?;

    let units = shard::units(spec.trials, spec.chunk, spec.points.len());
    let costs = shard::unit_costs(plan, &units);
    let mine = shard::units_of(&costs, opts.shard);
    let mut todo = Vec::new();
    for &u in &mine {
        if record::read_unit(&opts.out, spec, &units[u])?.is_none() {
            todo.push(u);
        }
    }
    let resumed = mine.len() - todo.len();

    let progress = Tracker::new(plan, &units, &costs, &mine, &todo, opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| SweepError::Input(format!("cannot start {} threads: {e}", opts.jobs)))?;
    let (mut trials_run, mut events, mut packets) = (0, 0, 0);
    for &u in &todo {
        let unit = &units[u];
        let point = &spec.points[unit.point];
        progress.start_unit(unit);
        let tally = pool.install(|| {
            tally_trials(
                &plan.scenarios[unit.point],
                point.seed,
                unit.trials.clone(),
                &|| progress.trial(),
            )
        });
        trials_run += tally.trials;
        events += tally.events;
        packets += tally.counters.created;
        let rec = ChunkRecord {
            sweep: manifest.fingerprint.clone(),
            point: unit.point,
            chunk: unit.chunk,
            first_trial: unit.trials.start,
            trials: unit.len(),
            seed: point.seed,
            tally: TallyRecord::of(&tally),
        };
        record::write_record(&opts.out, unit, &rec)?;
        progress.finish_unit(u, costs[u]);
    }
    progress.finish();

    let summaries = if opts.shard.is_whole() {
        Some(finalize(&opts.out, plan)?)
    } else {
        None
    };
    Ok(SweepOutcome {
        units: mine.len(),
        resumed,
        trials_run,
        events,
        packets,
        summaries,
    })
}

/// The summed tally of every trial of point `p`, from its records in `out`.
pub fn point_tally(
    out: &Path,
    plan: &SweepPlan,
    units: &[Unit],
    p: usize,
) -> Result<Tally, SweepError> {
    let mut acc: Option<Tally> = None;
    for unit in units.iter().filter(|u| u.point == p) {
        let rec = record::read_unit(out, &plan.spec, unit)?.ok_or_else(|| {
            SweepError::Input(format!(
                "{}: missing; the sweep is not complete",
                record::record_path(out, unit).display()
            ))
        })?;
        let t = rec.tally.to_tally().map_err(|source| SweepError::Record {
            path: record::record_path(out, unit),
            source,
        })?;
        acc = Some(match acc {
            None => t,
            Some(a) => a.merge(t),
        });
    }
    acc.ok_or_else(|| SweepError::Input(format!("point {p} has no trials")))
}

/// Every point's summary (with the model's predictions, as `mixsim run` computes them), from
/// the records in `out`.
pub fn finalize(out: &Path, plan: &SweepPlan) -> Result<Vec<Summary>, SweepError> {
    let spec = &plan.spec;
    let units = shard::units(spec.trials, spec.chunk, spec.points.len());
    let mut summaries = Vec::with_capacity(spec.points.len());
    for (p, scenario) in plan.scenarios.iter().enumerate() {
        let tally = point_tally(out, plan, &units, p)?;
        let result = RunResult {
            seed: spec.points[p].seed,
            tally,
            attacks: AttackInfo::of(&attacks::of_scenario(scenario)),
        };
        // The same summary, model included, as `mixsim run` computes.
        summaries.push(Summary::with_model(scenario, &result));
    }
    Ok(summaries)
}

/// Progress of a sweep run: an indicatif bar on a terminal, plain lines otherwise.
struct Tracker<'a> {
    plan: &'a SweepPlan,
    units: &'a [Unit],
    bar: Option<indicatif::ProgressBar>,
    /// Plain lines at most this often (None: quiet or bar).
    every: Option<Duration>,
    started: Instant,
    last_line: Mutex<Instant>,
    trials_done: AtomicU64,
    trials_todo: u64,
    state: Mutex<TrackerState>,
}

struct TrackerState {
    /// Units of this shard still missing, per point.
    left: Vec<usize>,
    points_mine: usize,
    points_done: usize,
    cost_todo: f64,
    cost_done: f64,
    current: Option<usize>,
}

impl<'a> Tracker<'a> {
    fn new(
        plan: &'a SweepPlan,
        units: &'a [Unit],
        costs: &[f64],
        mine: &[usize],
        todo: &[usize],
        mode: Progress,
    ) -> Self {
        use std::io::IsTerminal;
        let mut left = vec![0; plan.spec.points.len()];
        let mut has = vec![false; plan.spec.points.len()];
        for &u in mine {
            has[units[u].point] = true;
        }
        for &u in todo {
            left[units[u].point] += 1;
        }
        let points_mine = has.iter().filter(|&&h| h).count();
        let points_done = (0..left.len()).filter(|&p| has[p] && left[p] == 0).count();
        let trials_todo: u64 = todo.iter().map(|&u| units[u].len()).sum();
        let (bar, every) = match mode {
            Progress::Quiet => (None, None),
            Progress::Auto { every } => {
                if std::io::stderr().is_terminal() {
                    let bar = indicatif::ProgressBar::new(trials_todo);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{prefix} points {msg}\n{spinner} trials {pos}/{len} [{elapsed_precise}] {wide_bar} ETA {eta}",
                        )
                        .expect("valid template"),
                    );
                    bar.set_prefix(plan.spec.name.clone());
                    bar.enable_steady_tick(Duration::from_millis(200));
                    (Some(bar), None)
                } else {
                    (None, Some(every))
                }
            }
        };
        let t = Tracker {
            plan,
            units,
            bar,
            every,
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
            trials_done: AtomicU64::new(0),
            trials_todo,
            state: Mutex::new(TrackerState {
                left,
                points_mine,
                points_done,
                cost_todo: todo.iter().map(|&u| costs[u]).sum(),
                cost_done: 0.0,
                current: None,
            }),
        };
        if t.every.is_some() {
            let s = t.state.lock().expect("progress lock");
            eprintln!(
                "[{}] {} points, {} trials to run{}",
                plan.spec.name,
                s.points_mine - s.points_done,
                trials_todo,
                if mine.len() > todo.len() {
                    format!(
                        " (resuming: {} of {} chunks already done)",
                        mine.len() - todo.len(),
                        mine.len()
                    )
                } else {
                    String::new()
                }
            );
        }
        t.update_message();
        t
    }

    fn describe(&self, s: &TrackerState) -> String {
        let current = s
            .current
            .map(|p| format!(", current point {p}: {}", self.plan.spec.point_label(p)))
            .unwrap_or_default();
        format!("{}/{} done{current}", s.points_done, s.points_mine)
    }

    fn update_message(&self) {
        if let Some(bar) = &self.bar {
            let s = self.state.lock().expect("progress lock");
            bar.set_message(self.describe(&s));
        }
    }

    fn start_unit(&self, unit: &Unit) {
        self.state.lock().expect("progress lock").current = Some(unit.point);
        self.update_message();
    }

    fn trial(&self) {
        let done = self.trials_done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if let Some(every) = self.every {
            if let Ok(mut last) = self.last_line.try_lock() {
                if last.elapsed() >= every {
                    *last = Instant::now();
                    self.line(done);
                }
            }
        }
    }

    fn line(&self, done: u64) {
        let s = self.state.lock().expect("progress lock");
        let elapsed = self.started.elapsed().as_secs_f64();
        // ETA by expected cost: finished units' cost plus the running unit's trials.
        let frac = if self.trials_todo == 0 {
            1.0
        } else {
            (s.cost_done / s.cost_todo.max(1e-9)).max(done as f64 / self.trials_todo as f64)
        };
        let eta = if frac > 0.0 {
            format!("{:.0} s", elapsed * (1.0 - frac) / frac)
        } else {
            "?".into()
        };
        eprintln!(
            "[{}] points {}; trials {done}/{}; {elapsed:.0} s elapsed, ETA {eta}",
            self.plan.spec.name,
            self.describe(&s),
            self.trials_todo
        );
    }

    fn finish_unit(&self, u: usize, cost: f64) {
        let point_done = {
            let mut s = self.state.lock().expect("progress lock");
            let p = self.units[u].point;
            s.left[p] -= 1;
            s.cost_done += cost;
            if s.left[p] == 0 {
                s.points_done += 1;
                true
            } else {
                false
            }
        };
        self.update_message();
        if point_done && self.every.is_some() {
            *self.last_line.lock().expect("progress lock") = Instant::now();
            self.line(self.trials_done.load(Ordering::Relaxed));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
