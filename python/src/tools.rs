//! `export`, `sweep` and `model`, through the same library calls as the command line's
//! subcommands (so the files and numbers are the same), with the GIL released.

use crate::limits;
use crate::scenario::{input_error, load};
use mixsim::experiment::campaign::execute::{run_sweep, SweepOptions};
use mixsim::experiment::campaign::record::SweepError;
use mixsim::experiment::campaign::shard::Shard;
use mixsim::experiment::export::{ExportError, ExportOptions};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use std::path::PathBuf;

/// `mixsim export`: write the labelled traces of `trials` trials, and the watched links'
/// aggregates, into the new directory `out`; `window` ("10s") cuts the run short.
#[pyfunction]
#[pyo3(signature = (text, origin, overrides, out, trials=None, seed=None, jobs=None, window=None))]
#[allow(clippy::too_many_arguments)]
pub fn export(
    py: Python<'_>,
    text: &str,
    origin: &str,
    overrides: Vec<String>,
    out: PathBuf,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    window: Option<String>,
) -> PyResult<()> {
    let scenario = load(py, text, origin, &overrides)?;
    let window = match window {
        None => None,
        Some(w) => match w.parse::<mixsim::units::Duration>() {
            Ok(d) => Some(d.nanos()),
            Err(e) => return Err(input_error(py, format!("window {w:?}: {e}"))),
        },
    };
    let opts = ExportOptions {
        seed: seed.unwrap_or(scenario.seed),
        trials: limits::check_trials(py, &scenario, trials)?,
        jobs: limits::jobs_used(py, jobs)?,
        out,
        progress: Default::default(),
        window,
    };
    match py.detach(|| mixsim::experiment::export::export(&scenario, &opts)) {
        Ok(_) => Ok(()),
        Err(e @ ExportError::Io(..)) => Err(PyOSError::new_err(e.to_string())),
        Err(e) => Err(input_error(py, e.to_string())),
    }
}

/// `mixsim sweep`: run a sweep file into `out` (resuming what is recorded there) and write its
/// report (sweep.csv, sweep.md, plots/).
#[pyfunction]
#[pyo3(signature = (path, out, trials=None, seed=None, jobs=None))]
pub fn sweep(
    py: Python<'_>,
    path: PathBuf,
    out: PathBuf,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
) -> PyResult<()> {
    let plan = mixsim::experiment::campaign::sweep::load(&path, trials, seed)
        .map_err(|e| input_error(py, e.to_string()))?;
    let opts = SweepOptions {
        shard: Shard::WHOLE,
        jobs: limits::jobs_used(py, jobs)?,
        out: out.clone(),
        progress: Default::default(),
    };
    let done = py.detach(|| {
        let outcome = run_sweep(&plan, &opts)?;
        let summaries = outcome.summaries.expect("a whole sweep has every point");
        mixsim::report::sweep_report::write(&out, &plan.spec, &summaries).map(|_plots| ())
    });
    done.map_err(|e| match e {
        SweepError::Io { .. } => PyOSError::new_err(e.to_string()),
        e => input_error(py, e.to_string()),
    })
}

/// `mixsim model --json`: the seed-000 model of the scenario's correlation attack, as JSON.
#[pyfunction]
#[pyo3(signature = (text, origin, overrides, semi_reps=400))]
pub fn model(
    py: Python<'_>,
    text: &str,
    origin: &str,
    overrides: Vec<String>,
    semi_reps: usize,
) -> PyResult<String> {
    let scenario = load(py, text, origin, &overrides)?;
    let opts = mixsim::experiment::semi::ModelOptions {
        semi_reps,
        seed: scenario.seed,
    };
    let m = py
        .detach(|| mixsim::experiment::predict::correlation_model(&scenario, &opts))
        .map_err(|why| {
            input_error(
                py,
                format!("{origin}: the correlation model is not applicable, because {why}"),
            )
        })?;
    Ok(serde_json::to_string(&m).expect("the model serialises"))
}
