//! One pipeline for every attack: several attacks on the same trials, identification and
//! detection verdicts scored against the ground truth, the same tallies for any thread count.

use crate::common::scenario_path;
use mixsim::attack::{Attack, Detection, Needs, Observation, Point, Verdict, Watch};
use mixsim::experiment::runner::tap_setup_for;
use mixsim::experiment::Summary;
use mixsim::experiment::{attacks, run, run_attacks, Evaluated, RunOptions, Truth};
use mixsim::net::Network;
use mixsim::scenario::Scenario;

/// fig5-light with two correlation tables sharing `mi` at N = 100.
fn two_tables() -> Scenario {
    let text = std::fs::read_to_string(scenario_path("fig5-light.toml")).unwrap();
    let at = text.find("[attack]").unwrap();
    let text = format!(
        "{}{}",
        &text[..at],
        r#"
[[attack]]
name = "short"
target = "alice"
sample_sizes = [10, 100]
estimators = ["mi", "xcorr"]

[[attack]]
name = "long"
target = "alice"
sample_sizes = [100, 300]
"#
    );
    Scenario::parse(&text, &scenario_path("fig5-light.toml"), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn opts(trials: u64, jobs: usize) -> RunOptions {
    crate::common::run_options(3, trials, jobs)
}

#[test]
fn several_attacks_are_scored_on_the_same_trials() {
    let s = two_tables();
    let r = run(&s, &opts(24, 2));
    let labels: Vec<(String, String)> = r
        .attacks
        .iter()
        .map(|a| (a.table.clone(), a.name.clone()))
        .collect();
    assert_eq!(
        labels,
        [("short", "mi"), ("short", "xcorr"), ("long", "mi")].map(|(t, n)| (t.into(), n.into()))
    );
    // The same estimator at the same N on the same trials: the same count.
    assert_eq!(r.tally.correct(0, 1), r.tally.correct(2, 0));
    // Exact sums: any thread count gives the same tallies.
    let one = run(&s, &opts(24, 1));
    assert_eq!(one.tally.attacks, r.tally.attacks);
    // The summary: one identification point per (table, estimator, N), rank 1 = correct.
    let sum = Summary::with_model(&s, &r);
    assert_eq!(sum.points.len(), 6);
    for p in &sum.points {
        let id = p.identification.as_ref().unwrap();
        assert_eq!(id.ranks.first().copied().unwrap_or(0), p.detections);
        assert_eq!(p.detections + id.wrong + id.ties + id.absent, 24, "{p:?}");
        assert_eq!(p.kind, "identification");
    }
    // The rank plot draws every (table, estimator) series, a panel per table: one marker per
    // point plus one legend glyph each (mi circles, xcorr squares).
    let rank = mixsim::report::plot::rank_plot(&sum).expect("identification run: a rank plot");
    assert!(rank.contains("rank of the true candidate"), "{rank}");
    for label in ["attack short:", "attack long:", "\nmi\n", "\nxcorr\n"] {
        assert!(rank.contains(label), "{label} missing: {rank}");
    }
    assert_eq!(rank.matches("<circle").count(), 4 + 2, "{rank}");
    assert_eq!(
        rank.matches("width=\"8\" height=\"8\"").count(),
        2 + 1,
        "{rank}"
    );
    // The model goes on the first correlation table's mi points only.
    let modelled: Vec<(&str, &str)> = sum
        .points
        .iter()
        .filter(|p| p.model.is_some())
        .map(|p| (p.attack.as_str(), p.estimator.as_str()))
        .collect();
    assert_eq!(modelled, [("short", "mi"), ("short", "mi")]);
    assert!(sum.table().contains("short/xcorr"), "{}", sum.table());
}

/// A test detector: calls a link "marked" when more packets leave it than `threshold` over
/// the observed series. Subjects are the watched links in order.
struct Busy {
    links: Vec<usize>,
    threshold: u64,
}

impl Attack for Busy {
    fn name(&self) -> String {
        "busy".into()
    }
    fn needs(&self) -> Needs {
        Needs {
            interval: 10_000_000,
            bins: 300,
            counts: self.watches(),
            traces: self.watches(),
        }
    }
    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        Verdict::Detection(
            self.watches()
                .into_iter()
                .map(|w| {
                    let n: u64 = obs.counts(w).iter().map(|&c| c as u64).sum();
                    // The trace and the counts see the same packets over the window.
                    let (start, end) = obs.window();
                    let traced = obs
                        .trace(w)
                        .iter()
                        .filter(|p| p.time >= start && p.time < end.min(start + 3_000_000_000))
                        .count() as u64;
                    assert_eq!(traced, n);
                    Detection {
                        marked: n > self.threshold,
                        score: n as f64,
                        detail: Some(mixsim::attack::Hits {
                            hits: (n / 100) as u32,
                            out_of: 20,
                        }),
                    }
                })
                .collect(),
        )
    }
}

impl Busy {
    fn watches(&self) -> Vec<Watch> {
        self.links
            .iter()
            .map(|&link| Watch {
                link,
                point: Point::Depart,
            })
            .collect()
    }
}

#[test]
fn detection_verdicts_give_fn_and_fp_counts() {
    let s = Scenario::load(
        &scenario_path("fig5-light.toml"),
        &["attack.sample_sizes=[300]".to_string()],
    )
    .unwrap();
    let bob = s.link_index("mix->bob").unwrap();
    let r2 = s.link_index("mix->r2").unwrap();
    // mix->bob carries 500 pkt/s (1500 per 3 s), mix->r2 500 pkt/s too: a threshold at the
    // mean makes both errors common. Truth (made up for the test): bob's link is "marked".
    let make = || {
        let mut v = attacks::of_scenario(&s);
        v.push(Evaluated {
            table: "busy".into(),
            attack: Box::new(Busy {
                links: vec![bob, r2],
                threshold: 1500,
            }),
            truth: Truth::Detection {
                marked: vec![true, false],
            },
        });
        v
    };
    let evaluated = make();
    let trials = 16;
    let r = run_attacks(&s, &evaluated, &opts(trials, 2));
    // Recompute by hand from the same trials.
    let taps = tap_setup_for(&s, &evaluated, false);
    let (mut fneg, mut fpos) = (0, 0);
    for trial in 0..trials {
        let (net, _) = Network::run(&s.topology(), 3, trial, taps.clone());
        let sent = |l: usize| -> u64 {
            net.links[l]
                .tap
                .view()
                .counts(mixsim::net::tap::TapPoint::Depart)[..300]
                .iter()
                .map(|&c| c as u64)
                .sum()
        };
        fneg += (sent(bob) <= 1500) as u64;
        fpos += (sent(r2) > 1500) as u64;
    }
    let sum = Summary::with_model(&s, &r);
    let p = sum.points.iter().find(|p| p.attack == "busy").unwrap();
    let d = p.detection.as_ref().unwrap();
    assert_eq!((d.marked, d.unmarked), (trials, trials));
    assert_eq!((d.false_negatives, d.false_positives), (fneg, fpos));
    assert!(
        fneg > 0 && fpos > 0,
        "a threshold at the mean errs both ways"
    );
    assert_eq!(p.detections, trials - fneg);
    assert_eq!(d.marked_hits.iter().sum::<u64>(), trials);
    assert_eq!(d.out_of, 20);
    assert_eq!(p.sample_size, None);
    // Tables and CSV carry the detection columns.
    assert!(sum.table().contains("busy"), "{}", sum.table());
    assert!(sum.points_csv().lines().next().unwrap().contains("fp_rate"));
    // The correlation attack beside it is unchanged by the extra attack.
    let alone = run(&s, &opts(trials, 1));
    assert_eq!(alone.tally.attacks[0], r.tally.attacks[0]);
}

#[path = "../../examples/count_ratio.rs"]
#[allow(dead_code)]
mod count_ratio;

/// The add-an-attack example runs through the pipeline: its rows sit beside the scenario's own
/// attack, scored on the same trials.
#[test]
fn example_attack_runs_through_the_pipeline() {
    let sum = count_ratio::run_example(&scenario_path("fig5-light.toml"), 6);
    let toy: Vec<_> = sum.points.iter().filter(|p| p.attack == "toy").collect();
    assert_eq!(toy.len(), 6, "one row per sample size");
    for p in &toy {
        assert_eq!(p.estimator, "count-ratio");
        let id = p.identification.as_ref().unwrap();
        assert_eq!(p.detections + id.wrong + id.ties + id.absent, 6);
    }
    assert!(sum.table().contains("toy/count-ratio"), "{}", sum.table());
}

/// Progress goes to the one callback of the run's options: a start with the number of trials,
/// one event per trial (from the worker threads), a finish; the result does not change.
#[test]
fn progress_reaches_the_callback_once_per_trial() {
    use mixsim::experiment::{Progress, ProgressSink};
    use std::sync::{Arc, Mutex};
    let s = two_tables();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let mut o = opts(6, 2);
    o.progress = ProgressSink::new(move |p| log.lock().unwrap().push(p.clone()));
    let r = run(&s, &o);
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.first(),
        Some(&Progress::Started {
            trials: 6,
            sweep: None
        })
    );
    assert_eq!(seen.last(), Some(&Progress::Finished));
    assert_eq!(seen.iter().filter(|p| **p == Progress::Trial).count(), 6);
    assert_eq!(run(&s, &opts(6, 1)).tally.attacks, r.tally.attacks);
}
