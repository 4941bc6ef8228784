//! `mixsim sweep` from Python: a sweep file's points run through the library's sweep
//! execution (so the files are the command line's), with Python attacks scored at every point
//! beside the sweep file's own, progress, and Ctrl-C (the unit under way is dropped, the ones
//! finished are kept, and rerunning resumes).
//!
//! The Python attacks are named in the sweep's spec (`extra_attacks` in sweep.json): records
//! written with them are never mixed with those of a sweep without them, or with others.

use crate::bridge::{self, Shared, Spec};
use crate::limits;
use crate::run::check_attacks;
use crate::scenario::input_error;
use crate::wait::{wait, Count};
use mixsim::experiment::attacks;
use mixsim::experiment::campaign::execute::{run_sweep, ExtraAttacks, SweepOptions};
use mixsim::experiment::campaign::record::SweepError;
use mixsim::experiment::campaign::shard::Shard;
use mixsim::experiment::Evaluated;
use mixsim::scenario::Scenario;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// The Python attacks of one point, built on its scenario (with the GIL).
fn python_attacks(
    py: Python<'_>,
    s: &Scenario,
    attacks: &[(Py<PyAny>, Spec)],
    shared: &Arc<Shared>,
) -> PyResult<Vec<Evaluated>> {
    attacks
        .iter()
        .map(|(object, spec)| {
            bridge::evaluated(py, s, object.clone_ref(py), spec.clone(), shared.clone())
        })
        .collect()
}

/// Check the Python attacks on every point before anything runs: each resolves against the
/// point's scenario and counts at the interval of the point's own counting attacks.
fn check_points(
    py: Python<'_>,
    scenarios: &[Scenario],
    attacks: &[(Py<PyAny>, Spec)],
    shared: &Arc<Shared>,
) -> PyResult<()> {
    for s in scenarios {
        let mut all = attacks::of_scenario(s);
        all.extend(python_attacks(py, s, attacks, shared)?);
        check_attacks(py, &all)?;
    }
    Ok(())
}

/// Run a sweep file into `out` (resuming what is recorded there) and write its report
/// (sweep.csv, sweep.md, plots/); `attacks` are (object, declaration) pairs of Python attacks
/// scored at every point; `progress(done, total)` is called from this thread.
#[pyfunction]
#[pyo3(signature = (path, out, trials=None, seed=None, jobs=None, attacks=Vec::new(), progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn sweep(
    py: Python<'_>,
    path: PathBuf,
    out: PathBuf,
    trials: Option<u64>,
    seed: Option<u64>,
    jobs: Option<usize>,
    attacks: Vec<(Py<PyAny>, Spec)>,
    progress: Option<Py<PyAny>>,
) -> PyResult<()> {
    let mut plan = mixsim::experiment::campaign::sweep::load(&path, trials, seed)
        .map_err(|e| input_error(py, e.to_string()))?;
    let shared = Arc::new(Shared::default());
    check_points(py, &plan.scenarios, &attacks, &shared)?;
    plan.spec.extra_attacks = attacks.iter().map(|(_, s)| s.name.clone()).collect();
    let extra = (!attacks.is_empty()).then(|| {
        let shared = shared.clone();
        ExtraAttacks(Arc::new(move |s: &Scenario| {
            Python::attach(|py| {
                python_attacks(py, s, &attacks, &shared).map_err(|e| e.value(py).to_string())
            })
        }))
    });
    let count = Arc::new(Count::default());
    let opts = SweepOptions {
        shard: Shard::WHOLE,
        jobs: limits::jobs_used(py, jobs)?,
        out: out.clone(),
        progress: Count::sink(&count),
        extra,
        stop: Some(shared.stop.clone()),
    };
    let done = wait(py, &shared, &count, progress.as_ref(), &|| {}, || {
        let outcome = run_sweep(&plan, &opts)?;
        let summaries = outcome.summaries.expect("a whole sweep has every point");
        mixsim::report::sweep_report::write(&out, &plan.spec, &summaries).map(|_plots| ())
    })?;
    done.map_err(|e| match e {
        SweepError::Io { .. } => PyOSError::new_err(e.to_string()),
        e => input_error(py, e.to_string()),
    })
}
