//! The sweep execution's hooks for callers other than the command line (the Python bindings):
//! attacks scored at every point beside the sweep file's own, named in the spec, and a stop
//! flag that leaves the chunks finished so far recorded and the one under way not.

use crate::common::scenario_path;
use mixsim::attack::{Attack, Needs, Observation, Verdict};
use mixsim::experiment::attacks;
use mixsim::experiment::campaign::execute::{run_sweep, ExtraAttacks, SweepOptions};
use mixsim::experiment::campaign::record::SweepError;
use mixsim::experiment::campaign::shard::Shard;
use mixsim::experiment::campaign::sweep::SweepPlan;
use mixsim::experiment::{Evaluated, Truth};
use mixsim::scenario::Scenario;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn plan(dir: &Path) -> SweepPlan {
    let path = dir.join("hooks.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"hooks\"\nbase = \"{}\"\ntrials = 6\nseed = 3\nchunk = 3\nset = [\"attack.sample_sizes=[10, 100]\"]\n[vary]\n\"node.mix.t_avg\" = [\"5ms\", \"50ms\"]\n",
            scenario_path("fig5-light.toml").display()
        ),
    )
    .unwrap();
    mixsim::experiment::campaign::sweep::load(&path, None, None).unwrap()
}

fn opts(out: &Path, extra: Option<ExtraAttacks>, stop: Option<Arc<AtomicBool>>) -> SweepOptions {
    SweepOptions {
        shard: Shard::WHOLE,
        jobs: 2,
        out: out.to_path_buf(),
        progress: Default::default(),
        extra,
        stop,
    }
}

/// An attack under a name of its own.
struct Renamed(Box<dyn Attack>, &'static str);

impl Attack for Renamed {
    fn name(&self) -> String {
        self.1.to_string()
    }
    fn needs(&self) -> Needs {
        self.0.needs()
    }
    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        self.0.observe(obs)
    }
}

/// The point's xcorr once more, as an extra attack named `name` (table `table`).
fn xcorr_again(name: &'static str, table: &'static str) -> ExtraAttacks {
    ExtraAttacks(Arc::new(move |s: &Scenario| {
        let c = s.correlation().ok_or("no correlation attack")?;
        Ok(vec![Evaluated {
            table: table.into(),
            attack: Box::new(Renamed(Box::new(attacks::correlation(c, "xcorr")), name)),
            truth: Truth::Identification {
                true_candidate: attacks::true_candidate(s, c),
            },
        }])
    }))
}

fn records(out: &Path) -> usize {
    std::fs::read_dir(out.join("chunks")).map_or(0, |d| d.count())
}

#[test]
fn extra_attacks_are_scored_at_every_point_and_named_in_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan(dir.path());
    let plain = run_sweep(&p, &opts(&dir.path().join("plain"), None, None)).unwrap();
    p.spec.extra_attacks = vec!["again".into()];
    let out = dir.path().join("extra");
    let with = run_sweep(&p, &opts(&out, Some(xcorr_again("again", "again")), None)).unwrap();
    let (plain, with) = (plain.summaries.unwrap(), with.summaries.unwrap());
    for (a, b) in plain.iter().zip(&with) {
        // The sweep file's own points are unchanged (but for their labels, "correlation/mi"
        // now that the point has two tables); the extra attack's equal xcorr's.
        let unlabelled = |ps: &[mixsim::experiment::summary::Point]| {
            ps.iter()
                .map(|q| mixsim::experiment::summary::Point {
                    label: String::new(),
                    ..q.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            unlabelled(&a.points),
            unlabelled(&b.points[..a.points.len()])
        );
        let again: Vec<_> = b.points.iter().filter(|q| q.attack == "again").collect();
        let xcorr: Vec<_> = b.points.iter().filter(|q| q.estimator == "xcorr").collect();
        assert_eq!(again.len(), 2);
        for (x, y) in again.iter().zip(&xcorr) {
            assert_eq!((x.detections, x.trials), (y.detections, y.trials));
        }
    }
    assert!(std::fs::read_to_string(out.join("sweep.json"))
        .unwrap()
        .contains("\"extra_attacks\""));
    // Attacks the spec does not name, or named twice over, are refused before any trial.
    for (names, extra) in [
        (vec!["other".to_string()], xcorr_again("again", "again")),
        (vec!["t/again".to_string()], xcorr_again("again", "t")),
    ] {
        p.spec.extra_attacks = names;
        let out = dir.path().join("refused");
        let e = run_sweep(&p, &opts(&out, Some(extra), None)).unwrap_err();
        assert!(matches!(e, SweepError::Input(_)), "{e}");
        assert_eq!(records(&out), 0);
    }
}

#[test]
fn a_stopped_sweep_records_nothing_half_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan(dir.path());
    let out = dir.path().join("out");
    let stop = Arc::new(AtomicBool::new(true));
    let e = run_sweep(&p, &opts(&out, None, Some(stop))).unwrap_err();
    assert!(matches!(e, SweepError::Interrupted(_)), "{e}");
    assert!(
        e.to_string().contains("run the same sweep again to resume"),
        "{e}"
    );
    assert_eq!(records(&out), 0);
    let resumed = run_sweep(&p, &opts(&out, None, None)).unwrap();
    let whole = run_sweep(&p, &opts(&dir.path().join("whole"), None, None)).unwrap();
    let json = |s: &[mixsim::experiment::Summary]| -> Vec<String> {
        s.iter().map(|x| x.to_json()).collect()
    };
    assert_eq!(
        json(&resumed.summaries.unwrap()),
        json(&whole.summaries.unwrap())
    );
}
