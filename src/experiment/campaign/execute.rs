//! Running a sweep (or one shard of it): resume from the records already in the output
//! directory, run the units still missing, record each one atomically as it finishes, and, for
//! a whole sweep, compute every point's summary from the records (`report` writes them out).
//!
//! The summaries are always built from the records on disk, never from what happens to be in
//! memory, so an uninterrupted run, a resumed run and a merge of shards give the same bytes.
//!
//! Two hooks serve callers other than the command line (the Python bindings): attacks scored at
//! every point beside the sweep file's own ([`ExtraAttacks`], named in the spec so that their
//! records are never mixed with another sweep's), and a stop flag (an interrupt: no further
//! trial starts and the unit under way is not recorded, so rerunning resumes).

use super::record::{self, ChunkRecord, Manifest, SweepError, TallyRecord};
use super::shard::{self, Shard, Unit};
use super::sweep::SweepPlan;
use crate::experiment::attacks::{self, Evaluated};
use crate::experiment::progress::{Progress, ProgressSink, SweepAt, SweepStart};
use crate::experiment::runner::{tally_attacks_until, AttackInfo, RunResult, Tally};
use crate::experiment::summary::Summary;
use crate::net::plan::Executor;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub shard: Shard,
    /// Worker threads (>= 1). Results do not depend on it.
    pub jobs: usize,
    pub out: PathBuf,
    /// Where progress goes (none by default).
    pub progress: ProgressSink,
    /// Attacks scored at every point after the point's own (none by default).
    pub extra: Option<ExtraAttacks>,
    /// Set by another thread to stop the sweep (none by default): see [`SweepError::Interrupted`].
    pub stop: Option<Arc<AtomicBool>>,
}

/// Builds a point's extra attacks from its scenario, or says why it cannot.
pub type BuildAttacks = dyn Fn(&Scenario) -> Result<Vec<Evaluated>, String> + Send + Sync;

/// Attacks a caller scores at every point beside the sweep file's own. Each is labelled by one
/// name (its table and its own name alike), and those names, in order, must be the spec's
/// [`extra_attacks`](super::sweep::SweepSpec::extra_attacks): the records then carry their
/// tallies after the point's own, and [`finalize`] names them without building them.
#[derive(Clone)]
pub struct ExtraAttacks(pub Arc<BuildAttacks>);

impl std::fmt::Debug for ExtraAttacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtraAttacks(builder)")
    }
}

/// The attacks of point `p`: the scenario's own, then the extra ones, whose labels are checked
/// against the spec's `extra_attacks`.
fn point_attacks(
    plan: &SweepPlan,
    p: usize,
    opts: &SweepOptions,
) -> Result<Vec<Evaluated>, SweepError> {
    let scenario = &plan.scenarios[p];
    let mut all = attacks::of_scenario(scenario);
    let extra = match &opts.extra {
        Some(build) => (build.0)(scenario).map_err(SweepError::Input)?,
        None => Vec::new(),
    };
    // Each is named once (table and name alike): finalize names it from the spec alone.
    let labels: Vec<String> = extra
        .iter()
        .map(|a| match a.attack.name() == a.table {
            true => a.table.clone(),
            false => a.label(),
        })
        .collect();
    let named_once = extra.iter().all(|a| a.attack.name() == a.table);
    if labels != plan.spec.extra_attacks || !named_once {
        return Err(SweepError::Input(format!(
            "point {}: extra attacks {labels:?} (each named once, table and name alike), but the spec names {:?}",
            plan.spec.point_label(p),
            plan.spec.extra_attacks
        )));
    }
    all.extend(extra);
    Ok(all)
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

    // Extra attacks are built for every point before anything runs, so that a bad one is
    // refused before the first trial (the sweep file's own were checked when it loaded).
    if opts.extra.is_some() {
        for p in 0..spec.points.len() {
            point_attacks(plan, p, opts)?;
        }
    }
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

    let progress = Tracker::new(plan, &units, &costs, &mine, &todo, &opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(crate::experiment::jobs::usable(opts.jobs))
        .build()
        .map_err(|e| SweepError::Input(format!("cannot start {} threads: {e}", opts.jobs)))?;
    let never = AtomicBool::new(false);
    let stop = opts.stop.as_deref().unwrap_or(&never);
    let (mut trials_run, mut events, mut packets) = (0, 0, 0);
    for &u in &todo {
        if stop.load(Ordering::Relaxed) {
            progress.finish();
            return Err(SweepError::Interrupted(opts.out.clone()));
        }
        let unit = &units[u];
        progress.start_unit(unit);
        let Some(tally) = run_unit(
            plan,
            opts,
            &manifest.fingerprint,
            unit,
            (&pool, stop),
            &progress,
        )?
        else {
            progress.finish();
            return Err(SweepError::Interrupted(opts.out.clone()));
        };
        trials_run += tally.trials;
        events += tally.events;
        packets += tally.counters.created;
        progress.finish_unit(u, costs[u]);
    }
    progress.finish();

    let summaries = if opts.shard.is_whole() {
        Some(pool.install(|| finalize(&opts.out, plan))?)
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

/// Run the trials of one unit of work on `pool` and record them; `None` when `stop` cut the
/// unit short (then nothing is recorded; a unit that finished is, even if a stop came late).
fn run_unit(
    plan: &SweepPlan,
    opts: &SweepOptions,
    fingerprint: &str,
    unit: &Unit,
    (pool, stop): (&rayon::ThreadPool, &AtomicBool),
    progress: &Tracker<'_>,
) -> Result<Option<Tally>, SweepError> {
    let point = &plan.spec.points[unit.point];
    let attacks = point_attacks(plan, unit.point, opts)?;
    let tally = pool.install(|| {
        tally_attacks_until(
            &plan.scenarios[unit.point],
            &attacks,
            point.seed,
            unit.trials.clone(),
            Executor::Auto,
            &|| progress.trial(),
            stop,
        )
    });
    if tally.trials < unit.len() {
        return Ok(None);
    }
    let rec = ChunkRecord {
        sweep: fingerprint.to_string(),
        point: unit.point,
        chunk: unit.chunk,
        first_trial: unit.trials.start,
        trials: unit.len(),
        seed: point.seed,
        tally: TallyRecord::of(&tally),
    };
    record::write_record(&opts.out, unit, &rec)?;
    Ok(Some(tally))
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
            Some(a) => {
                super::record_check::check_sum(&TallyRecord::of(&a), &rec.tally).map_err(|e| {
                    SweepError::Input(format!(
                        "{}: {e}: this record was damaged or tampered with",
                        record::record_path(out, unit).display()
                    ))
                })?;
                a.merge(t)
            }
        });
    }
    acc.ok_or_else(|| SweepError::Input(format!("point {p} has no trials")))
}

/// Every point's summary (with the model's predictions, as `mixsim run` computes them), from
/// the records in `out`. The points are summarised in parallel on the current rayon pool (the
/// model's cost is per point, and on a sweep of few trials per point it is a good part of the
/// run); the summaries, and the first error by point, do not depend on the pool.
pub fn finalize(out: &Path, plan: &SweepPlan) -> Result<Vec<Summary>, SweepError> {
    use rayon::prelude::*;
    let spec = &plan.spec;
    let units = shard::units(spec.trials, spec.chunk, spec.points.len());
    let summaries: Vec<Result<Summary, SweepError>> = plan
        .scenarios
        .par_iter()
        .enumerate()
        .map(|(p, scenario)| {
            let tally = point_tally(out, plan, &units, p)?;
            let mut attacks = AttackInfo::of(&attacks::of_scenario(scenario));
            attacks.extend(spec.extra_attacks.iter().map(|name| AttackInfo {
                table: name.clone(),
                name: name.clone(),
            }));
            let result = RunResult {
                seed: spec.points[p].seed,
                tally,
                attacks,
                message_entropy: None,
            };
            // The same summary, model included, as `mixsim run` computes.
            Ok(Summary::with_model(scenario, &result))
        })
        .collect();
    summaries.into_iter().collect()
}

/// Where a sweep run stands, reported to its [`ProgressSink`]: points finished and the
/// expected work done, by the units' costs.
struct Tracker<'a> {
    plan: &'a SweepPlan,
    units: &'a [Unit],
    sink: &'a ProgressSink,
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
        sink: &'a ProgressSink,
    ) -> Self {
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
        sink.report(&Progress::Started {
            trials: todo.iter().map(|&u| units[u].len()).sum(),
            sweep: Some(SweepStart {
                name: plan.spec.name.clone(),
                points: points_mine,
                points_left: points_mine - points_done,
                units: mine.len(),
                resumed: mine.len() - todo.len(),
            }),
        });
        Tracker {
            plan,
            units,
            sink,
            state: Mutex::new(TrackerState {
                left,
                points_mine,
                points_done,
                cost_todo: todo.iter().map(|&u| costs[u]).sum(),
                cost_done: 0.0,
                current: None,
            }),
        }
    }

    fn at(&self, s: &TrackerState) -> SweepAt {
        SweepAt {
            label: s
                .current
                .map(|p| self.plan.spec.point_label(p))
                .unwrap_or_default(),
            points_done: s.points_done,
            points: s.points_mine,
            work_done: (s.cost_done / s.cost_todo.max(1e-9)).min(1.0),
        }
    }

    fn start_unit(&self, unit: &Unit) {
        let at = {
            let mut s = self.state.lock().expect("progress lock");
            s.current = Some(unit.point);
            self.at(&s)
        };
        self.sink.report(&Progress::UnitStarted {
            point: unit.point,
            at,
        });
    }

    fn trial(&self) {
        self.sink.report(&Progress::Trial);
    }

    fn finish_unit(&self, u: usize, cost: f64) {
        let (point_finished, at) = {
            let mut s = self.state.lock().expect("progress lock");
            let p = self.units[u].point;
            s.left[p] -= 1;
            s.cost_done += cost;
            let finished = s.left[p] == 0;
            if finished {
                s.points_done += 1;
            }
            (finished, self.at(&s))
        };
        self.sink
            .report(&Progress::UnitFinished { point_finished, at });
    }

    fn finish(&self) {
        self.sink.report(&Progress::Finished);
    }
}
