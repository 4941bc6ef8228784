//! Trials on a reused arena: a worker carries its buffers (latency counts, tap counts and
//! traces, the packet store, the attacks' traces) from trial to trial and from one scenario's
//! trials to another's, and each trial's tally is the same, byte for byte, as on fresh buffers.

use crate::common::scenario_path;
use mixsim::experiment::attacks::{self, Evaluated};
use mixsim::experiment::campaign::record::TallyRecord;
use mixsim::experiment::{TrialArena, TrialPlan};
use mixsim::net::plan::Executor;
use mixsim::scenario::Scenario;

/// Shapes that differ in what a trial's buffers hold: latency classes (a target flow, cover
/// kinds), tap counts, traces (the likelihood scorers, watermark detectors), placed stages,
/// padding, a batch mix, TCP (the event engine), and many links.
const SCENARIOS: [&str; 7] = [
    "fig5-heavy.toml",
    "mixnet.toml",
    "defense-cover-loop.toml",
    "defense-padding-poisson.toml",
    "defense-timed.toml",
    "testbed-tcp.toml",
    "swirl-stepping-stone.toml",
];

/// Trial `trial` on `arena`, as the bytes of its tally's record.
fn tally_bytes(plan: &TrialPlan, arena: &mut TrialArena, trial: u64) -> String {
    let mut t = plan.empty_tally();
    plan.run_trial(arena, trial, &mut t);
    assert_eq!(t.trials, 1);
    serde_json::to_string(&TallyRecord::of(&t)).expect("a tally record serialises")
}

#[test]
fn a_reused_arena_gives_the_bytes_of_fresh_buffers() {
    let scenarios: Vec<Scenario> = SCENARIOS
        .iter()
        .map(|name| Scenario::load(&scenario_path(name), &[]).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let attacks: Vec<Vec<Evaluated>> = scenarios.iter().map(attacks::of_scenario).collect();
    for exec in [Executor::Auto, Executor::Event] {
        let plans: Vec<TrialPlan> = scenarios
            .iter()
            .zip(&attacks)
            .map(|(s, a)| TrialPlan::new(s, a, s.seed, exec))
            .collect();
        let mut shared = TrialArena::default();
        // Every scenario's trial 0, then every trial 1 in the reverse order, then trial 2: each
        // scenario's trials follow trials of other shapes, bigger and smaller.
        let forward: Vec<usize> = (0..plans.len()).collect();
        let backward: Vec<usize> = forward.iter().rev().copied().collect();
        for (trial, order) in [(0, &forward), (1, &backward), (2, &forward)] {
            for &i in order {
                let fresh = tally_bytes(&plans[i], &mut TrialArena::default(), trial);
                let reused = tally_bytes(&plans[i], &mut shared, trial);
                assert_eq!(reused, fresh, "{} trial {trial} on {exec:?}", SCENARIOS[i]);
                assert!(fresh.contains("\"delivered\""), "the record holds a trial");
            }
        }
    }
}

#[test]
fn the_same_trial_twice_on_one_arena_is_the_same() {
    let s = Scenario::load(&scenario_path("defense-cover-drop.toml"), &[]).unwrap();
    let a = attacks::of_scenario(&s);
    let plan = TrialPlan::new(&s, &a, 7, Executor::Auto);
    let mut arena = TrialArena::default();
    let first = tally_bytes(&plan, &mut arena, 4);
    assert_eq!(tally_bytes(&plan, &mut arena, 4), first);
    assert_ne!(
        tally_bytes(&plan, &mut arena, 5),
        first,
        "another trial differs, so the comparison can fail"
    );
}

/// A worker sums its trials' latency counts in its arena and adds them to its tally once, when
/// its run of trials ends: the tally of a range of trials, on one thread or two, is the sum of
/// the trials' own tallies, byte for byte (reported flows, cover kinds and placed stages too).
#[test]
fn latency_summed_over_a_workers_trials_equals_the_trials_own() {
    use mixsim::experiment::runner::tally_attacks;
    for name in [
        "fig5-heavy.toml",
        "defense-cover-loop.toml",
        "swirl-stepping-stone.toml",
    ] {
        let s = Scenario::load(&scenario_path(name), &[]).unwrap_or_else(|e| panic!("{e}"));
        let a = attacks::of_scenario(&s);
        let plan = TrialPlan::new(&s, &a, 5, Executor::Auto);
        let mut arena = TrialArena::default();
        let mut each = plan.empty_tally();
        for trial in 0..6 {
            let mut t = plan.empty_tally();
            plan.run_trial(&mut arena, trial, &mut t);
            each = each.merge(t);
        }
        let want = serde_json::to_string(&TallyRecord::of(&each)).expect("serialises");
        assert!(
            !each.latency.end_to_end.is_empty(),
            "{name}: packets delivered"
        );
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            let t = pool.install(|| tally_attacks(&s, &a, 5, 0..6, Executor::Auto, &|| ()));
            let got = serde_json::to_string(&TallyRecord::of(&t)).expect("serialises");
            assert_eq!(got, want, "{name} on {threads} threads");
        }
    }
}
