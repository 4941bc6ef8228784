//! `export` and `model`, through the same library calls as the command line's subcommands (so
//! the files and numbers are the same), with the GIL released.

use crate::bridge::Shared;
use crate::limits;
use crate::scenario::{input_error, load};
use crate::wait::{wait, Count};
use mixsim::experiment::campaign::partial;
use mixsim::experiment::export::{ExportError, ExportOptions};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// `mixsim export`: write the labelled traces of `trials` trials, and the watched links'
/// aggregates, into the new directory `out`; `window` ("10s") cuts the run short. Ctrl-C stops
/// it as the command line's does (nothing is left behind) and raises `KeyboardInterrupt`;
/// `progress(done, total)` is called from this thread.
#[pyfunction]
#[pyo3(signature = (text, origin, overrides, out, trials=None, seed=None, jobs=None, window=None, progress=None))]
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
    progress: Option<Py<PyAny>>,
) -> PyResult<()> {
    let scenario = load(py, text, origin, &overrides)?;
    let window = match window {
        None => None,
        Some(w) => match w.parse::<mixsim::units::Duration>() {
            Ok(d) => Some(d.nanos()),
            Err(e) => return Err(input_error(py, format!("window {w:?}: {e}"))),
        },
    };
    let count = Arc::new(Count::default());
    let opts = ExportOptions {
        seed: seed.unwrap_or(scenario.seed),
        trials: limits::check_trials(py, &scenario, trials)?,
        jobs: limits::jobs_used(py, jobs)?,
        out,
        progress: Count::sink(&count),
        window,
    };
    let shared = Shared::default();
    let done = wait(
        py,
        &shared,
        &count,
        progress.as_ref(),
        &partial::request_stop,
        || mixsim::experiment::export::export(&scenario, &opts),
    );
    // The stop request is process-wide: the next export must not see this one's.
    partial::clear_stop();
    match done? {
        Ok(_) => Ok(()),
        Err(e @ ExportError::Io(..)) => Err(PyOSError::new_err(e.to_string())),
        Err(e) => Err(input_error(py, e.to_string())),
    }
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
