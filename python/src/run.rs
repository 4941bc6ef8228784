//! A run from Python: the library's runner on a thread of its own, the GIL released, while the
//! calling thread wakes every few milliseconds to report progress and to check for signals
//! (Ctrl-C: the run stops starting trials and raises `KeyboardInterrupt`).

use crate::bridge::{self, Shared, Spec};
use crate::limits;
use crate::scenario::{input_error, load};
use crate::wait::{wait, Count};
use mixsim::experiment::runner::{tally_attacks_until, AttackInfo};
use mixsim::experiment::{attacks, Evaluated, RunResult, Summary};
use mixsim::net::plan::Executor;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// What a run produced: its summary, which the library's report code writes out.
#[pyclass(module = "mixsim._native", frozen)]
pub struct NativeResults {
    summary: Summary,
}

#[pymethods]
impl NativeResults {
    /// summary.json's text.
    fn summary_json(&self) -> String {
        self.summary.to_json()
    }

    /// The run's table, as `mixsim run` prints it.
    fn table(&self) -> String {
        self.summary.table()
    }

    /// points.csv's text.
    fn points_csv(&self) -> String {
        self.summary.points_csv()
    }

    /// Write the files `mixsim run` writes into `out` (created if needed); the names written.
    fn save(&self, py: Python<'_>, out: PathBuf) -> PyResult<Vec<String>> {
        py.detach(|| {
            std::fs::create_dir_all(&out)
                .map_err(|e| format!("{}: {e}", out.display()))
                .and_then(|()| {
                    mixsim::report::run_files::write(&out, &self.summary)
                        .map_err(|(p, e)| format!("{}: {e}", p.display()))
                })
        })
        .map(|names| names.into_iter().map(str::to_string).collect())
        .map_err(pyo3::exceptions::PyOSError::new_err)
    }
}

/// Run a scenario: its own attacks (unless `builtin` is false) and the Python attacks given as
/// (object, declaration) pairs. `progress(done, total)` is called from this thread.
#[pyfunction]
#[pyo3(signature = (text, origin, overrides, trials=None, seed=None, jobs=None, attacks=Vec::new(), builtin=true, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn run(
    py: Python<'_>,
    text: &str,
    origin: &str,
    overrides: Vec<String>,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    attacks: Vec<(Py<PyAny>, Spec)>,
    builtin: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<NativeResults> {
    let scenario = load(py, text, origin, &overrides)?;
    let shared = Arc::new(Shared::default());
    let mut evaluated: Vec<Evaluated> = match builtin {
        true => attacks::of_scenario(&scenario),
        false => Vec::new(),
    };
    for (object, spec) in attacks {
        evaluated.push(bridge::evaluated(
            py,
            &scenario,
            object,
            spec,
            shared.clone(),
        )?);
    }
    check_attacks(py, &evaluated)?;
    let trials = limits::check_trials(py, &scenario, trials)?;
    let seed = seed.unwrap_or(scenario.seed);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(limits::jobs_used(py, jobs)?)
        .build()
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    let count = Count::of(trials);
    let tally = wait(py, &shared, &count, progress.as_ref(), &|| {}, || {
        pool.install(|| {
            tally_attacks_until(
                &scenario,
                &evaluated,
                seed,
                0..trials,
                Executor::Auto,
                &|| count.trial(),
                &shared.stop,
            )
        })
    })?;
    debug_assert_eq!(tally.trials, trials);
    let result = RunResult {
        seed,
        tally,
        attacks: AttackInfo::of(&evaluated),
        message_entropy: None,
    };
    // On the run's threads: a message_entropy table simulates the trials again.
    let summary = py.detach(|| pool.install(|| Summary::with_model(&scenario, &result)));
    Ok(NativeResults { summary })
}

/// Every attack that counts must count at one interval: the taps bin once per trial.
pub fn check_attacks(py: Python<'_>, attacks: &[Evaluated]) -> PyResult<()> {
    let mut first: Option<(String, u64)> = None;
    for a in attacks {
        let needs = a.attack.needs();
        if needs.counts.is_empty() {
            continue;
        }
        match &first {
            None => first = Some((a.label(), needs.interval)),
            Some((label, t)) if *t != needs.interval => {
                return Err(input_error(
                    py,
                    format!(
                        "attack {:?} counts at an interval of {} ns but attack {label:?} at {t} ns: the attacks of one run count at one interval",
                        a.label(),
                        needs.interval
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}
