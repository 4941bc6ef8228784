//! An export stopped by Ctrl-C or SIGTERM removes its hidden `.NAME.partial.PID` directory
//! (it used to leave it, 1.1 GB after 10 s), and an export removes the partial directories of
//! its name that an export killed outright left (their process is gone).

use crate::common::{arg, mixsim, scenario_path};
use std::path::Path;
use std::time::{Duration, Instant};

fn partials(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial."))
        .collect()
}

#[test]
fn an_interrupted_export_leaves_nothing() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("data");
        // Far more trials than run in the test's time: it is stopped while writing.
        let mut child = mixsim()
            .args(["export", arg(&scenario_path("fig5-light.toml"))])
            .args([
                "--trials",
                "1000000",
                "--jobs",
                "1",
                "--quiet",
                "--out",
                arg(&out),
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while partials(dir.path()).is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no partial directory"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(128 + signal),
            "signal {signal}: {status:?}"
        );
        assert!(
            partials(dir.path()).is_empty(),
            "{:?}",
            partials(dir.path())
        );
        assert!(!out.exists());
    }
}

#[test]
fn stale_partial_directories_of_dead_exports_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    // No process has this id (above any pid_max); the test's own process is alive.
    let dead = dir.path().join(".data.partial.2147483646");
    let live = dir
        .path()
        .join(format!(".data.partial.{}", std::process::id()));
    let other = dir.path().join(".other.partial.2147483646");
    for d in [&dead, &live, &other] {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("entry.npy"), b"half").unwrap();
    }
    let o = mixsim()
        .args(["export", arg(&scenario_path("fig5-light.toml"))])
        .args([
            "--set",
            "attack.sample_sizes=[60]",
            "--trials",
            "1",
            "--quiet",
        ])
        .args(["--out", arg(&dir.path().join("data"))])
        .output()
        .unwrap();
    crate::common::ok(&o);
    assert!(!dead.exists(), "a dead export's directory stays");
    assert!(live.exists(), "a live process's directory was removed");
    assert!(other.exists(), "another name's directory was removed");
}
