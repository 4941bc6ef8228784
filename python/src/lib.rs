//! `mixsim._native`: the Python bindings of the mixsim library, built by maturin.
//!
//! This crate is thin: it parses scenarios with the library's own code (so errors carry the
//! command line's located messages), runs trials through the library's runner with the GIL
//! released, and hands results back as JSON text and files written by the library's report
//! code. The pure-Python layer (`python/mixsim/`) turns them into pandas and numpy objects.
//!
//! - [`scenario`]: scenario text to a validated scenario, errors to `mixsim.ScenarioError`;
//! - [`bridge`]: an attack written in Python, as an ordinary [`mixsim::attack::Attack`];
//! - [`detect`]: a detection (watermark) attack written in Python;
//! - [`limits`]: the bound on a run's trials and the worker threads, as the command line checks;
//! - [`run`]: a run (trials in parallel in Rust, interruptible, with progress);
//! - [`sweep`]: a sweep file's sweep, with Python attacks at every point;
//! - [`tools`]: export and model, as the command line does them;
//! - [`wait`]: library work off the Python thread, with progress and Ctrl-C.

mod bridge;
mod detect;
mod limits;
mod run;
mod scenario;
mod sweep;
mod tools;
mod wait;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scenario::check, m)?)?;
    m.add_function(wrap_pyfunction!(scenario::json_to_toml, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(tools::export, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(tools::model, m)?)?;
    m.add_class::<run::NativeResults>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
