//! Scenario text to a validated [`Scenario`], with the library's located errors raised as
//! `mixsim.ScenarioError` (message, file, line, column, key: as the command line prints them).

use mixsim::scenario::{Scenario, ScenarioError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::Path;

/// Where a scenario error is: file, line, column, key (each when known).
type Located = (Option<String>, Option<usize>, Option<usize>, Option<String>);

/// `mixsim.errors.ScenarioError(message, file, line, column, key)`.
fn python_error(py: Python<'_>, message: String, at: Located) -> PyErr {
    let (file, line, column, key) = at;
    let made = py
        .import("mixsim.errors")
        .and_then(|m| m.getattr("ScenarioError"))
        .and_then(|c| c.call1((message, file, line, column, key)));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

/// `mixsim.ScenarioError` for a scenario that did not load.
pub fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let message = e.to_string();
    let at: Located = match e {
        ScenarioError::Invalid {
            file,
            line,
            column,
            key,
            ..
        } => (
            Some(file.display().to_string()),
            Some(*line),
            Some(*column),
            Some(key.clone()),
        ),
        ScenarioError::Io { file, .. } => (Some(file.display().to_string()), None, None, None),
        ScenarioError::InOverride { file, key, .. } => (
            Some(file.display().to_string()),
            None,
            None,
            Some(key.clone()),
        ),
        _ => (None, None, None, None),
    };
    python_error(py, message, at)
}

/// `mixsim.ScenarioError` with a message of our own (a Python attack that names no link, say).
pub fn input_error(py: Python<'_>, message: String) -> PyErr {
    python_error(py, message, (None, None, None, None))
}

/// Parse and validate scenario text; `origin` names it in errors.
pub fn load(py: Python<'_>, text: &str, origin: &str, overrides: &[String]) -> PyResult<Scenario> {
    Scenario::parse(text, Path::new(origin), overrides).map_err(|e| scenario_error(py, &e))
}

/// Validate a scenario; returns what it resolves to as JSON (names, sizes, attacks, warnings and
/// the effective TOML).
#[pyfunction]
pub fn check(py: Python<'_>, text: &str, origin: &str, overrides: Vec<String>) -> PyResult<String> {
    let s = load(py, text, origin, &overrides)?;
    let v = serde_json::json!({
        "name": s.name,
        "description": s.description,
        "seed": s.seed.to_string(),
        "trials": s.trials,
        "duration_s": s.duration as f64 * 1e-9,
        "warmup_s": s.warmup as f64 * 1e-9,
        "nodes": s.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>(),
        "links": s.links.iter().map(|l| l.name.clone()).collect::<Vec<_>>(),
        "flows": s.flows.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
        "attacks": s.attacks.iter().map(|a| serde_json::json!({
            "name": a.name, "kind": a.kind.kind_name(),
        })).collect::<Vec<_>>(),
        "warnings": s.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "toml": s.to_toml_string(),
    });
    Ok(v.to_string())
}

/// A JSON object (a Python dict, dumped) as TOML text, for `Scenario.from_dict`.
#[pyfunction]
pub fn json_to_toml(json: &str) -> PyResult<String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    if !v.is_object() {
        return Err(PyValueError::new_err("a scenario is a dict (a TOML table)"));
    }
    toml::to_string(&v).map_err(|e| {
        PyValueError::new_err(format!(
            "the dict is not TOML (None values and mixed-type lists have no TOML form): {e}"
        ))
    })
}
