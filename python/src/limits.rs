//! What the command line checks before it simulates, checked the same way here: the bound on a
//! run's events (`trials`) and the worker threads (`jobs`: every core by default, at least one,
//! capped at the machine's parallelism with a warning, as `--jobs` is).

use crate::scenario::input_error;
use mixsim::experiment::jobs::Jobs;
use mixsim::scenario::Scenario;
use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;

/// Refuse `trials` trials of `s` beyond the bound on a run's events (`--trials` on `run` and
/// `export`); `None` takes the scenario's own `trials`, which loading already bounded. Zero
/// trials is refused.
pub fn check_trials(py: Python<'_>, s: &Scenario, trials: Option<u64>) -> PyResult<u64> {
    match trials {
        None => Ok(s.trials),
        Some(0) => Err(input_error(py, "trials: expected at least 1".into())),
        Some(k) => mixsim::scenario::bounds::check_trials(s, k)
            .map(|()| k)
            .map_err(|e| input_error(py, format!("trials {k}: {e}"))),
    }
}

/// The threads a run starts: every core by default; more than the machine runs at once are
/// capped with a Python warning (`UserWarning`); zero is refused.
pub fn jobs_used(py: Python<'_>, asked: Option<usize>) -> PyResult<usize> {
    if asked == Some(0) {
        return Err(input_error(py, "jobs: expected at least 1".into()));
    }
    let jobs = Jobs::resolve(asked);
    if let Some(w) = jobs.warning() {
        let w = w.replacen("--jobs", "jobs", 1);
        PyErr::warn(
            py,
            &py.get_type::<PyUserWarning>(),
            &std::ffi::CString::new(w).expect("no NUL in the warning"),
            1,
        )?;
    }
    Ok(jobs.used)
}
