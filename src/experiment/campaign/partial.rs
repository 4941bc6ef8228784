//! The hidden directory an export writes into (`.NAME.partial.PID`, beside `NAME`): removed when
//! the export fails or is interrupted, and, when an export was killed outright, by the next
//! export to the same place.
//!
//! An interrupt (Ctrl-C, SIGTERM) cannot unwind the threads that write, so the command line's
//! signal handler only calls [`request_stop`]; the export checks [`stop_requested`] between
//! trials, stops, removes its directory and reports [`Interrupted`]. A SIGKILL leaves the
//! directory behind: [`remove_stale`] deletes those of the same name whose process is gone.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Ask a running export to stop (async-signal-safe: one atomic store).
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Forget a stop request, in a process that goes on after the export it stopped (the Python
/// bindings: an interrupted export raises `KeyboardInterrupt`, and the next one must run).
pub fn clear_stop() {
    STOP.store(false, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// An export stopped by [`request_stop`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted; nothing was written")]
pub struct Interrupted;

/// The hidden directory this process writes `out` into.
pub fn partial_dir(out: &Path) -> PathBuf {
    out.with_file_name(format!(
        ".{}.partial.{}",
        base_name(out),
        std::process::id()
    ))
}

fn base_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into())
}

/// Whether process `pid` is alive (a process we may not signal is alive too).
fn alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Remove the partial directories of `out` left by exports whose process is gone; the paths
/// removed. A directory of a live process (a concurrent export) is left alone.
pub fn remove_stale(out: &Path) -> Vec<PathBuf> {
    let parent = match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from("."),
    };
    let prefix = format!(".{}.partial.", base_name(out));
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid > 0 && !alive(pid) && std::fs::remove_dir_all(e.path()).is_ok() {
            removed.push(e.path());
        }
    }
    removed
}
