//! Scenario files and sweep files: `check` recognises every shipped file as its kind, and a
//! file given to a command that does not take it is told which command runs it.

use crate::common::{arg, ok, refused, repo, run_cli};
use std::path::PathBuf;

/// Every shipped TOML file under scenarios/ (the replayed traces' directories hold none).
fn shipped() -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("scenarios"), &mut out);
    out.sort();
    out
}

#[test]
fn every_shipped_file_is_recognised_and_the_wrong_command_names_the_right_one() {
    let files = shipped();
    let mut sweeps = 0;
    for path in &files {
        let p = arg(path);
        let o = run_cli(&["check", p]);
        ok(&o);
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        let first = said.lines().next().unwrap_or("");
        if first == format!("{p}: valid") {
            // A scenario: `sweep` refuses it, naming `run`, without touching --out.
            let out = std::env::temp_dir().join("mixsim-file-kinds-never");
            let o = run_cli(&["sweep", p, "--out", arg(&out)]);
            refused(
                &o,
                &[
                    &format!("{p}:"),
                    "is a scenario",
                    &format!("`mixsim run {p}`"),
                ],
            );
            assert!(!out.exists());
        } else {
            assert!(
                first.starts_with(&format!("{p}: valid sweep file ("))
                    && first.ends_with(&format!("run it with `mixsim sweep {p}`")),
                "{said}"
            );
            sweeps += 1;
            let run_it = format!("`mixsim sweep {p}`");
            for command in [
                vec!["run", p, "--quiet"],
                vec!["model", p],
                vec!["export", p, "--out", "/nonexistent/never"],
                vec!["trace", p, "--tap", "a->b"],
            ] {
                let o = run_cli(&command);
                let msg = refused(&o, &[&format!("{p}:"), "is a sweep file", &run_it]);
                assert!(
                    msg.contains(&format!("`mixsim {}` takes a scenario", command[0])),
                    "{msg}"
                );
            }
        }
    }
    // 36 files of which 15 sweeps when this test was written: the count only grows.
    assert!(
        files.len() >= 36 && sweeps >= 15,
        "{} files, {sweeps} sweeps",
        files.len()
    );
}

/// The location is the line where the kind shows: a sweep's `base`, a scenario's first table.
#[test]
fn the_message_points_at_the_line_that_gives_the_kind_away() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        format!(
            "# a sweep\nname = \"s\"\nbase = \"{}\"\n[vary]\n\"node.mix.t_avg\" = [\"5ms\"]\n",
            arg(&repo().join("scenarios/fig5-light.toml"))
        ),
    )
    .unwrap();
    let o = run_cli(&["run", arg(&sweep)]);
    refused(
        &o,
        &[
            &format!("{}:3: this is a sweep file", arg(&sweep)),
            "such as this sweep's base",
            "fig5-light.toml",
        ],
    );
    // Neither kind (a typo'd scenario with no tables): the scenario's own error stands.
    let odd = dir.path().join("odd.toml");
    std::fs::write(&odd, "name = \"x\"\nnodes = 3\n").unwrap();
    let o = run_cli(&["run", arg(&odd)]);
    refused(&o, &["unknown key \"nodes\""]);
}
