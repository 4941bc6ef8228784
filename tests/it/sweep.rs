//! Sweeps: results independent of threads, shards and interruptions; resume and merge refuse
//! what does not belong together; sweep files report errors where they are.

use crate::common::{arg, mixsim, ok, refused, run_cli, scenario_path};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A sweep file in `dir` over fig5-light: t_avg x Alice's rate (product), `trials` per point in
/// chunks of `chunk`, sample sizes `sizes`.
fn sweep_file(dir: &Path, name: &str, trials: u64, chunk: u64, sizes: &str) -> PathBuf {
    let base = scenario_path("fig5-light.toml");
    let text = format!(
        r#"
name = "{name}"
base = "{}"
trials = {trials}
seed = 11
chunk = {chunk}
set = ["attack.sample_sizes={sizes}"]

[vary]
"node.mix.t_avg" = ["5ms", "50ms"]
"flow.alice.rate" = {{ from = 50, to = 100, step = 50, unit = "pps" }}
"#,
        base.display()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "same files in {} and {}",
        a.display(),
        b.display()
    );
    for (k, v) in &fa {
        assert!(
            *v == fb[k],
            "{k} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn output_is_independent_of_jobs_and_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = sweep_file(t, "small", 10, 3, "[10, 30, 100]");
    let whole = t.join("whole");
    let o = run_cli(&[
        "sweep",
        arg(&sweep),
        "--jobs",
        "1",
        "--out",
        arg(&whole),
        "--progress-every",
        "0",
    ]);
    ok(&o);
    // Not a terminal: plain progress lines.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("points 4/4 done") && err.contains("ETA"),
        "{err}"
    );

    // The report: 4 points x 3 estimators x 3 sample sizes, varied values as columns.
    let csv = std::fs::read_to_string(whole.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with(
        "point,point_seed,node.mix.t_avg,flow.alice.rate,attack,estimator,kind,sample_size"
    ));
    assert_eq!(lines.count(), 4 * 3 * 3);
    assert!(csv.contains(",50ms,100pps,correlation,mi,identification,30,10,"));
    // Anonymity beside the rate: the true candidate's mean rank (with its interval), as in the
    // point's summary.json; the count attacks give no probabilities, so no degree.
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains(",ci_high,mean_rank,mean_rank_ci_low,mean_rank_ci_high,degree,"),
        "{header}"
    );
    let p0: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("points/p0000/summary.json")).unwrap())
            .unwrap();
    let rank = p0["points"][0]["identification"]["mean_rank"]
        .as_f64()
        .unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = header.split(',').position(|c| c == "mean_rank").unwrap();
    assert_eq!(row[col].parse::<f64>().unwrap(), rank);
    // One plot per estimator and value of the second axis, curves against t_avg: detection
    // rate and mean rank.
    let plots: Vec<String> = files(&whole.join("plots")).into_keys().collect();
    assert_eq!(plots.len(), 12, "{plots:?}");
    assert!(plots.contains(&"detection-mi-flow.alice.rate=50pps.svg".to_string()));
    assert!(plots.contains(&"rank-mi-flow.alice.rate=50pps.svg".to_string()));
    let svg =
        std::fs::read_to_string(whole.join("plots/rank-mi-flow.alice.rate=50pps.svg")).unwrap();
    assert!(svg.contains("mean rank of the true candidate"));
    assert!(!plots.iter().any(|p| p.starts_with("degree-")));
    let md = std::fs::read_to_string(whole.join("sweep.md")).unwrap();
    assert!(md.contains("| node.mix.t_avg | flow.alice.rate | N = 10 | N = 30 | N = 100 |"));
    for p in 0..4 {
        assert!(whole.join(format!("points/p{p:04}/summary.json")).exists());
    }

    // Any --jobs: the same bytes.
    let jobs2 = t.join("jobs2");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--jobs",
        "2",
        "--out",
        arg(&jobs2),
        "--quiet",
    ]));
    assert_same(&whole, &jobs2);

    // Any split into shards, merged: the same bytes.
    for n in [1usize, 2, 3, 7] {
        let mut dirs = Vec::new();
        for k in 1..=n {
            let d = t.join(format!("n{n}-k{k}"));
            ok(&run_cli(&[
                "sweep",
                arg(&sweep),
                "--shard",
                &format!("{k}/{n}"),
                "--jobs",
                "1",
                "--out",
                arg(&d),
                "--quiet",
            ]));
            dirs.push(d);
        }
        if n == 1 {
            // --shard 1/1 is the whole sweep.
            assert_same(&whole, &dirs[0]);
        } else {
            assert!(
                !dirs[0].join("sweep.csv").exists(),
                "a shard writes no report"
            );
        }
        let merged = t.join(format!("merged-{n}"));
        let mut args = vec!["merge".to_string()];
        // Shards in any order.
        args.extend(dirs.iter().rev().map(|d| arg(d).to_string()));
        args.extend(["--out".into(), arg(&merged).into(), "--quiet".into()]);
        ok(&mixsim().args(&args).output().unwrap());
        assert_same(&whole, &merged);
    }
}

#[test]
fn a_point_is_what_mixsim_run_gives_with_its_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = sweep_file(t, "small", 6, 4, "[10, 30]");
    let out = t.join("out");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
    ]));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    let point = &manifest["spec"]["points"][3];
    let mut args = vec![
        "run".to_string(),
        arg(&scenario_path("fig5-light.toml")).to_string(),
        "--trials".into(),
        "6".into(),
        "--seed".into(),
        point["seed"].as_str().unwrap().to_string(),
        "--quiet".into(),
        "--out".into(),
        arg(&t.join("run")).to_string(),
    ];
    for o in point["overrides"].as_array().unwrap() {
        args.extend(["--set".to_string(), o.as_str().unwrap().to_string()]);
    }
    ok(&mixsim().args(&args).output().unwrap());
    assert_eq!(
        std::fs::read_to_string(out.join("points/p0003/summary.json")).unwrap(),
        std::fs::read_to_string(t.join("run/summary.json")).unwrap()
    );
}

/// Start a sweep in the background.
fn spawn(sweep: &Path, out: &Path) -> std::process::Child {
    mixsim()
        .args([
            "sweep",
            arg(sweep),
            "--jobs",
            "1",
            "--out",
            arg(out),
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn records(out: &Path) -> usize {
    std::fs::read_dir(out.join("chunks"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

/// Wait until `out` holds more than `n` records (or the child exits).
fn wait_for_records(child: &mut std::process::Child, out: &Path, n: usize) {
    let start = Instant::now();
    while records(out) <= n {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be interrupted"
        );
        assert!(start.elapsed() < Duration::from_secs(30), "no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // 4 points x 24 trials in chunks of 4: 24 records, about a second of work on one thread.
    let sweep = sweep_file(t, "long", 24, 4, "[100, 1000, 3000]");
    let reference = t.join("reference");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--jobs",
        "2",
        "--out",
        arg(&reference),
        "--quiet",
    ]));
    let total = records(&reference);
    assert_eq!(total, 24);

    let out = t.join("out");
    // kill -9 once at least one point's chunk is recorded.
    let mut child = spawn(&sweep, &out);
    wait_for_records(&mut child, &out, 0);
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = records(&out);
    assert!(
        after_kill >= 1 && after_kill < total,
        "{after_kill} of {total}"
    );
    assert!(!out.join("sweep.csv").exists());
    // What an interrupted atomic write leaves behind.
    std::fs::write(
        out.join("chunks/.p0003-c0005.json.tmp.99999"),
        b"half a rec",
    )
    .unwrap();

    // Ctrl-C (SIGINT) a second run a little later.
    let mut child = spawn(&sweep, &out);
    wait_for_records(&mut child, &out, after_kill + 1);
    let st = Command::new("bash")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(st.success());
    let stopped = child.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(130), "SIGINT stops the sweep");
    // It says how to resume: the same command line, quoted for a shell.
    let said = String::from_utf8_lossy(&stopped.stderr);
    let again = format!(
        "run the same command again to resume:\n  {} sweep {} --jobs 1 --out {} --quiet\n",
        env!("CARGO_BIN_EXE_mixsim"),
        arg(&sweep),
        arg(&out)
    );
    assert!(said.contains(&again), "{said}");
    let after_int = records(&out);
    assert!(
        after_int > after_kill && after_int < total,
        "{after_int} of {total}"
    );

    // Finish: exactly the bytes of the uninterrupted run, and nothing else.
    let o = run_cli(&["sweep", arg(&sweep), "--jobs", "1", "--out", arg(&out)]);
    ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("({after_int} already recorded)")),
        "resumes from the records: {err}"
    );
    assert_same(&reference, &out);
}

#[test]
fn resume_refuses_a_directory_of_another_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = sweep_file(t, "small", 2, 1, "[10]");
    let out = t.join("out");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
    ]));
    let before = files(&out);
    let o = run_cli(&[
        "sweep",
        arg(&sweep),
        "--seed",
        "12",
        "--out",
        arg(&out),
        "--quiet",
    ]);
    refused(&o, &["different sweep", "seed 11 there, 12 here"]);
    let o = run_cli(&[
        "sweep",
        arg(&sweep),
        "--trials",
        "3",
        "--out",
        arg(&out),
        "--quiet",
    ]);
    refused(&o, &["different sweep", "trials 2 there, 3 here"]);
    std::fs::create_dir(t.join("other")).unwrap();
    let other = sweep_file(&t.join("other"), "small", 2, 1, "[20]");
    let o = run_cli(&["sweep", arg(&other), "--out", arg(&out), "--quiet"]);
    refused(&o, &["different sweep", "set"]);
    let o = run_cli(&[
        "sweep",
        arg(&sweep),
        "--shard",
        "1/2",
        "--out",
        arg(&out),
        "--quiet",
    ]);
    refused(&o, &["holds the whole sweep", "shard 1/2"]);
    assert!(files(&out) == before, "a refusal writes nothing");
    // A directory that is not a sweep's.
    let foreign = t.join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let o = run_cli(&["sweep", arg(&sweep), "--out", arg(&foreign), "--quiet"]);
    refused(&o, &["not empty", "not a sweep output directory"]);
    // A rerun of a finished sweep changes nothing.
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
    ]));
    assert!(files(&out) == before);
}

#[test]
fn merge_refuses_mixed_duplicate_missing_and_unfinished_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = sweep_file(t, "small", 4, 1, "[10]");
    let shard = |k: usize, n: usize, seed: &str, dir: &str| {
        let d = t.join(dir);
        ok(&run_cli(&[
            "sweep",
            arg(&sweep),
            "--shard",
            &format!("{k}/{n}"),
            "--seed",
            seed,
            "--out",
            arg(&d),
            "--quiet",
        ]));
        d
    };
    let a1 = shard(1, 2, "11", "a1");
    let a2 = shard(2, 2, "11", "a2");
    let b2 = shard(2, 2, "12", "b2");
    let c1 = shard(1, 3, "11", "c1");
    let out = t.join("merged");
    let merge = |dirs: &[&PathBuf]| {
        let mut args = vec!["merge".to_string()];
        args.extend(dirs.iter().map(|d| arg(d).to_string()));
        args.extend(["--out".into(), arg(&out).into()]);
        mixsim().args(&args).output().unwrap()
    };
    refused(
        &merge(&[&a1, &b2]),
        &["different sweeps", "seed 11 there, 12 here"],
    );
    refused(&merge(&[&a1, &a1]), &["shard 1/2 is given twice"]);
    refused(&merge(&[&a1]), &["missing shard 2/2"]);
    refused(&merge(&[&a1, &c1]), &["different splits"]);
    let not_sweep = t.join("empty");
    std::fs::create_dir(&not_sweep).unwrap();
    refused(
        &merge(&[&a1, &not_sweep]),
        &["not a sweep output directory"],
    );
    // An unfinished shard: one of its records missing.
    let gone = std::fs::read_dir(a2.join("chunks"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&gone).unwrap();
    refused(
        &merge(&[&a1, &a2]),
        &["shard 2/2", "not finished", "1 of its"],
    );
    assert!(!out.exists(), "a refused merge writes nothing");
    // Finishing the shard (same command) makes the merge work.
    shard(2, 2, "11", "a2");
    ok(&merge(&[&a2, &a1]));
    assert!(out.join("sweep.csv").exists());
}

#[test]
fn sweep_file_errors_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let good = std::fs::read_to_string(sweep_file(t, "small", 2, 1, "[10]")).unwrap();
    let check = |name: &str, text: String, words: &[&str]| {
        let p = t.join(name);
        std::fs::write(&p, text).unwrap();
        let o = run_cli(&["sweep", arg(&p), "--out", arg(&t.join("never")), "--quiet"]);
        refused(&o, words);
        assert!(!t.join("never").exists());
    };
    check(
        "typo.toml",
        good.replace("chunk =", "chunks ="),
        &[
            "typo.toml:6:1",
            "unknown key \"chunks\"",
            "did you mean \"chunk\"",
        ],
    );
    check(
        "zip.toml",
        good.replace("trials = 2", "trials = 2\nmode = \"zip\"")
            .replace("[\"5ms\", \"50ms\"]", "[\"5ms\", \"50ms\", \"500ms\"]"),
        &["zip.toml:", "equal length", "has 3 values", "has 2"],
    );
    check(
        "path.toml",
        good.replace("node.mix.t_avg", "node.mix.t_agv"),
        &["path.toml:10:1", "t_agv", "did you mean \"node.mix.t_avg\""],
    );
    check(
        "value.toml",
        good.replace("\"50ms\"]", "\"0ms\"]"),
        &[
            "value.toml:10:1: key `vary.\"node.mix.t_avg\"`",
            "point 2 (node.mix.t_avg=0ms, flow.alice.rate=50pps)",
            "above zero",
        ],
    );
    check(
        "trials.toml",
        good.replace("[vary]", "[vary]\n\"trials\" = [1, 2]"),
        &["trials.toml:", "cannot vary `trials`"],
    );
    check(
        "mode.toml",
        good.replace("trials = 2", "trials = 2\nmode = \"zipp\""),
        &[
            "mode.toml:",
            "unknown value \"zipp\"",
            "did you mean \"zip\"",
        ],
    );
    // A range without the unit the key needs: the sweep file's line, not a --set.
    check(
        "unit.toml",
        good.replace(", unit = \"pps\"", ""),
        &[
            "unit.toml:11:1: key `vary.\"flow.alice.rate\"`",
            "point 0 (node.mix.t_avg=5ms, flow.alice.rate=50)",
            "a range's values take its `unit`",
        ],
    );
    check(
        "base.toml",
        good.replace("fig5-light.toml", "fig5-lihgt.toml"),
        &["base.toml:3:8: key `base`", "fig5-lihgt.toml"],
    );
}

/// The Slurm scripts' command lines, run here without Slurm: each array task as bash with the
/// variables Slurm sets, then the merge job; the result is the unsharded run's bytes.
#[test]
fn slurm_job_array_scripts_give_the_unsharded_output() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = sweep_file(t, "small", 5, 2, "[10, 30]");
    let whole = t.join("whole");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&whole),
        "--quiet",
    ]));
    let scripts = crate::common::repo().join("scripts/slurm");
    let work = t.join("work");
    let tasks = 3;
    for id in 0..tasks {
        let o = Command::new("bash")
            .arg(scripts.join("sweep.sbatch"))
            .args([arg(&sweep), arg(&work), "--quiet"])
            .env("MIXSIM", env!("CARGO_BIN_EXE_mixsim"))
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", tasks.to_string())
            .env("SLURM_CPUS_PER_TASK", "2")
            .env_remove("SHARDS")
            .output()
            .unwrap();
        ok(&o);
        assert!(work.join(format!("shards/{id}/sweep.json")).exists());
    }
    let o = Command::new("bash")
        .arg(scripts.join("merge.sbatch"))
        .arg(arg(&work))
        .env("MIXSIM", env!("CARGO_BIN_EXE_mixsim"))
        .output()
        .unwrap();
    ok(&o);
    assert_same(&whole, &work.join("merged"));

    // Rerunning task 2 alone (an array of one task) without SHARDS: named in the refusal.
    let rerun = |work: &Path| {
        Command::new("bash")
            .arg(scripts.join("sweep.sbatch"))
            .args([arg(&sweep), arg(work), "--quiet"])
            .env("MIXSIM", env!("CARGO_BIN_EXE_mixsim"))
            .env("SLURM_ARRAY_TASK_ID", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "1")
            .env_remove("SHARDS")
            .output()
            .unwrap()
    };
    let o = rerun(&t.join("elsewhere"));
    refused(&o, &["task 2 is shard 3 of only 1", "SHARDS", "recover.sh"]);
    // With WORKDIR/SHARDS (written by submit.sh) the rerun finds the count itself.
    std::fs::write(work.join("SHARDS"), "3\n").unwrap();
    ok(&rerun(&work));
}
