//! `export` and `model`, through the same library calls as the command line's subcommands (so
//! the files and numbers are the same), with the GIL released. The watermark model's JSON is
//! assembled here as `mixsim model --json` assembles it (the test compares the two).

use crate::bridge::Shared;
use crate::limits;
use crate::scenario::{input_error, load};
use crate::wait::{wait, Count};
use mixsim::experiment::campaign::partial;
use mixsim::experiment::export::{ExportError, ExportOptions};
use mixsim::experiment::predict;
use mixsim::experiment::predictions::WatermarkModel;
use mixsim::scenario::watermark::WatermarkAttack;
use mixsim::scenario::Scenario;
use mixsim::watermark::WatermarkConfig;
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

/// `mixsim model --json`: the seed-000 model of the scenario's correlation attack, or, for a
/// scenario with watermark attacks and no correlation attack, SWIRL's analysis of each and the
/// paper's figures at `coer_target` (as `--coer-target`), as JSON.
#[pyfunction]
#[pyo3(signature = (text, origin, overrides, semi_reps=400, coer_target=1e-7))]
pub fn model(
    py: Python<'_>,
    text: &str,
    origin: &str,
    overrides: Vec<String>,
    semi_reps: usize,
    coer_target: f64,
) -> PyResult<String> {
    let scenario = load(py, text, origin, &overrides)?;
    if !(coer_target > 0.0 && coer_target < 1.0) {
        return Err(input_error(
            py,
            format!("coer_target {coer_target}: expected an error rate strictly between 0 and 1"),
        ));
    }
    if scenario.correlation().is_none() {
        if let Some(json) = py.detach(|| watermark_model(&scenario, coer_target)) {
            return Ok(json);
        }
    }
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

/// What `mixsim model --json` prints for a scenario with watermark attacks: per attack SWIRL's
/// analysis (or why it does not apply), and the paper's figures 5-7 when the first attack's
/// path has the analysis' Gaussian jitter and a SWIRL watermark is placed. None without
/// watermark attacks.
fn watermark_model(s: &Scenario, coer_target: f64) -> Option<String> {
    let attacks: Vec<(&str, WatermarkModel)> = s
        .attacks
        .iter()
        .filter_map(|a| {
            let w = a.kind.get::<WatermarkAttack>()?;
            Some((a.name.as_str(), predict::watermark_model(s, w)))
        })
        .collect();
    let first = attacks.first()?;
    let swirl = s.watermarks.iter().find_map(|w| match &w.config {
        WatermarkConfig::Swirl(p) => Some(p.model()),
        _ => None,
    });
    let figures = match (swirl, first.1.applicable()) {
        (Some(p), Some(a)) if a.delay_law == "gaussian" => Some(mixsim::model::swirl::figures(
            &p,
            a.rates.lambda,
            a.rates.sigma,
            coer_target,
        )),
        _ => None,
    };
    let v = serde_json::json!({
        "attacks": attacks
            .iter()
            .map(|(n, m)| serde_json::json!({"attack": n, "model": m}))
            .collect::<Vec<_>>(),
        "figures": figures,
    });
    Some(v.to_string())
}
