//! Running library work off the Python thread: the work runs on a thread of its own with the
//! GIL released, while the calling thread wakes every few milliseconds to report progress and
//! to check for signals. Ctrl-C (or an exception in a progress callback) sets the stop flag
//! the work polls; once the work has returned, the first error is raised (`KeyboardInterrupt`
//! for Ctrl-C), whatever the work returned.

use crate::bridge::Shared;
use mixsim::experiment::progress::{Progress, ProgressSink};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the waiting thread wakes.
const POLL: Duration = Duration::from_millis(20);

/// Trials done and trials in all, as the work counts them for the progress callback.
#[derive(Default)]
pub struct Count {
    pub done: AtomicU64,
    pub total: AtomicU64,
}

impl Count {
    /// A count whose total is known from the start.
    pub fn of(total: u64) -> Count {
        Count {
            done: AtomicU64::new(0),
            total: AtomicU64::new(total),
        }
    }

    pub fn trial(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// A progress sink that counts into `count`: the trials a run, an export or a sweep
    /// announces, and each trial done.
    pub fn sink(count: &Arc<Count>) -> ProgressSink {
        let count = count.clone();
        ProgressSink::new(move |p| match p {
            Progress::Started { trials, .. } => count.total.store(*trials, Ordering::Relaxed),
            Progress::Trial => count.trial(),
            _ => {}
        })
    }

    fn now(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Run `work` on its own thread and wait for it; `progress(done, total)` is called from this
/// thread as `count` moves, and once at the end. On a signal (or a failing callback) the error
/// is kept in `shared`, its stop flag set and `interrupt` called (for work that listens
/// elsewhere); the work's result is returned only if no error was kept.
pub fn wait<T: Send>(
    py: Python<'_>,
    shared: &Shared,
    count: &Count,
    progress: Option<&Py<PyAny>>,
    interrupt: &(dyn Fn() + Sync),
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let result = std::thread::scope(|s| -> PyResult<T> {
        let worker = s.spawn(work);
        let mut shown = None;
        let mut report = |py: Python<'_>| {
            let now = count.now();
            if let (Some(cb), true) = (progress, shown != Some(now)) {
                shown = Some(now);
                if let Err(e) = cb.bind(py).call1(now) {
                    shared.fail(e);
                    interrupt();
                }
            }
        };
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(POLL));
            if let Err(e) = py.check_signals() {
                shared.fail(e);
                interrupt();
            }
            report(py);
        }
        let result = py.detach(|| worker.join()).map_err(|_| {
            pyo3::exceptions::PyRuntimeError::new_err("the simulation thread panicked")
        })?;
        report(py);
        Ok(result)
    })?;
    match shared.take_error() {
        Some(e) => Err(e),
        None => Ok(result),
    }
}
