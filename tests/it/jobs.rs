//! `--jobs` beyond what the machine runs at once is capped with a warning, the same in every
//! subcommand that starts threads (it used to spawn threads until the system refused, then
//! panic or fail).

use crate::common::{arg, ok, run_cli, scenario_path, stderr};

#[test]
fn jobs_beyond_the_machine_are_capped_with_a_warning_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario_path("fig5-light.toml");
    let sweep = dir.path().join("s.toml");
    std::fs::copy(&sc, dir.path().join("fig5-light.toml")).unwrap();
    std::fs::write(
        &sweep,
        "base = \"fig5-light.toml\"\ntrials = 1\nset = [\"attack.sample_sizes=[60]\"]\n[vary]\n\"node.mix.t_avg\" = [\"20ms\"]\n",
    )
    .unwrap();
    let out = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let small = ["--set", "attack.sample_sizes=[60]", "--trials", "1"];
    for jobs in ["1000000", "18446744073709551615"] {
        let (run, export, swept) = (out("run"), out(&format!("export{jobs}")), out("sweep"));
        let mut cases: Vec<Vec<&str>> = vec![
            [&["run", arg(&sc)], &small[..], &["--out", &run, "--quiet"]].concat(),
            [
                &["export", arg(&sc)],
                &small[..],
                &["--out", &export, "--quiet"],
            ]
            .concat(),
            vec!["sweep", arg(&sweep), "--out", &swept, "--quiet"],
        ];
        for args in &mut cases {
            args.extend(["--jobs", jobs]);
            let o = run_cli(args);
            ok(&o);
            let e = stderr(&o);
            assert!(
                e.contains(&format!("warning: --jobs {jobs}: this machine runs")),
                "{args:?}: {e}"
            );
        }
    }
    // One thread asked, one used: nothing to say.
    let o = run_cli(
        &[
            &["run", arg(&sc)],
            &small[..],
            &["--out", &out("one"), "--quiet", "--jobs", "1"],
        ]
        .concat(),
    );
    ok(&o);
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}
