//! Whether the hop-by-hop walk's decisions are independent: per trial, the `mi` scorer at every
//! mix of the target's route, scored on that mix's output links whether or not the walk got
//! there (a walk right through hop k-1 reaches the k-th route mix and decides there exactly
//! so), and the rate at hop k unconditionally beside its rate given the walk was right at the
//! earlier hops. Beside them the real walk (the table's `mi:hopK` attack): how many trials it
//! is right through hop k (it must equal the trials right at every one of hops 1..k, which the
//! example checks) and how many take the target's link at hop k by any walk (the walk may
//! leave the route and come back to its mix).
//!
//! `cargo run --release --example path_selection -- scenarios/mixnet.toml 1000`
//!
//! Arguments: scenario file (its first `hop_by_hop` table), trials (default 1000), then
//! `path=value` overrides. Trials use the scenario's seed and indices 0..K.

mod common;

use common::Args;
use mixsim::attack::correlation::{estimator, Correlation};
use mixsim::attack::path::HopByHop;
use mixsim::attack::{Attack, Verdict};
use mixsim::experiment::runner::{observation, tap_setup};
use mixsim::experiment::{wilson, Z95};
use mixsim::net::Network;
use mixsim::scenario::adversary::HopByHopAttack;
use mixsim::scenario::attack_build::{candidate_watches, hop_walk, target_watch};
use mixsim::scenario::Scenario;
use rayon::prelude::*;
use std::sync::Arc;

fn main() {
    let args = Args::parse("path_selection SCENARIO.toml [TRIALS] [path=value]...");
    let trials = args.number(0, 1000);
    let s = args.load(&[]);
    let h = s
        .attacks
        .iter()
        .find_map(|a| a.kind.get::<HopByHopAttack>().cloned())
        .expect("a hop_by_hop table");
    let route = &s.flows[h.target];
    // Per route mix: its output links and the target's among them.
    let hops: Vec<(Vec<usize>, usize)> = h
        .route_mixes
        .iter()
        .map(|&mix| {
            let at = route
                .route
                .iter()
                .position(|&n| n == mix)
                .expect("route mix");
            let outs: Vec<usize> = (0..s.links.len())
                .filter(|&l| s.links[l].from == mix)
                .collect();
            let truth = outs.iter().position(|&l| l == route.links[at]).unwrap();
            (outs, truth)
        })
        .collect();
    let scorers: Vec<Correlation> = hops
        .iter()
        .map(|(outs, _)| Correlation {
            estimator: estimator("mi").unwrap(),
            target: target_watch(h.observe_link),
            candidates: candidate_watches(outs),
            interval: h.interval,
            sample_sizes: h.sample_sizes.clone(),
        })
        .collect();
    let walk = Arc::new(hop_walk(&s, &h, "mi"));
    let reports: Vec<HopByHop> = (1..=hops.len())
        .map(|k| HopByHop::new(walk.clone(), k))
        .collect();
    // Per trial: wins[size][hop], and the real walk's (right through hop, last link right).
    let per_trial: Vec<(Wins, Walked)> = (0..trials)
        .into_par_iter()
        .map(|t| {
            let (net, _) = Network::run(&s.topology(), s.seed, t, tap_setup(&s, false));
            let walked = reports
                .iter()
                .zip(&hops)
                .map(|(r, (outs, truth))| real_walk(&net, &s, r, outs[*truth], &h))
                .collect();
            (trial_wins(&net, &s, &scorers, &hops), walked)
        })
        .collect();
    let wins: Vec<_> = per_trial.iter().map(|p| p.0.clone()).collect();
    report(&s, &h.sample_sizes, &hops, &wins);
    for (i, n) in h.sample_sizes.iter().enumerate() {
        let mut line = format!("N = {n:>5}, the real walk:");
        for k in 0..hops.len() {
            let right = per_trial.iter().filter(|p| p.1[k][i].0).count();
            let last = per_trial.iter().filter(|p| p.1[k][i].1).count();
            let every = wins
                .iter()
                .filter(|w| w[i][..=k].iter().all(|&b| b))
                .count();
            assert_eq!(
                right,
                every,
                "the walk is right through hop {} iff right at each",
                k + 1
            );
            line += &format!("  hop {}: {right} right, {last} take its link", k + 1);
        }
        println!("{line}");
    }
}

/// Per sample size: is the walk right through this report's hop, and is its link at this hop
/// the target's (`link`), whichever way it came?
fn real_walk(
    net: &Network,
    s: &Scenario,
    r: &HopByHop,
    link: usize,
    h: &HopByHopAttack,
) -> Vec<(bool, bool)> {
    let obs = observation(net, s, &r.needs());
    let Verdict::Identification(ids) = r.observe(&obs) else {
        panic!("an identification")
    };
    let truth = mixsim::experiment::attacks::hop_truth(s, h, r.hop, &r.candidates);
    ids.iter()
        .map(|id| {
            let last = id.chosen.map(|c| *r.candidates[c].last().unwrap());
            (
                id.chosen.is_some() && id.chosen == truth,
                last == Some(link),
            )
        })
        .collect()
}

/// Per sample size, per hop: the scorer picked the target's link at that hop's route mix.
type Wins = Vec<Vec<bool>>;
/// Per hop, per sample size: the real walk right through it, its link there the target's.
type Walked = Vec<Vec<(bool, bool)>>;

fn trial_wins(
    net: &Network,
    s: &Scenario,
    scorers: &[Correlation],
    hops: &[(Vec<usize>, usize)],
) -> Vec<Vec<bool>> {
    let per_hop: Vec<Vec<bool>> = scorers
        .iter()
        .zip(hops)
        .map(|(a, (_, truth))| {
            let obs = observation(net, s, &a.needs());
            let Verdict::Identification(ids) = a.observe(&obs) else {
                panic!("an identification")
            };
            ids.iter().map(|id| id.chosen == Some(*truth)).collect()
        })
        .collect();
    (0..per_hop[0].len())
        .map(|i| per_hop.iter().map(|h| h[i]).collect())
        .collect()
}

fn report(s: &Scenario, sizes: &[usize], hops: &[(Vec<usize>, usize)], wins: &[Vec<Vec<bool>>]) {
    let k = wins.len() as f64;
    println!(
        "{}: {} trials, seed {}; per hop: rate unconditional [Wilson 95 %] | given right at the previous hop | given right at every earlier hop (count)",
        s.name,
        wins.len(),
        s.seed
    );
    for (i, n) in sizes.iter().enumerate() {
        let mut line = format!("N = {n:>5}:");
        for hop in 0..hops.len() {
            let hits = wins.iter().filter(|w| w[i][hop]).count();
            let un = hits as f64 / k;
            let (lo, hi) = wilson(hits as u64, wins.len() as u64, Z95);
            let cond = |f: &dyn Fn(&Vec<bool>) -> bool| {
                let base: Vec<_> = wins.iter().filter(|w| f(&w[i])).collect();
                let hit = base.iter().filter(|w| w[i][hop]).count();
                (hit as f64 / base.len().max(1) as f64, base.len())
            };
            let (prev, np) = cond(&|w| hop == 0 || w[hop - 1]);
            let (all, na) = cond(&|w| w[..hop].iter().all(|&b| b));
            line += &format!(
                "  hop {}: {un:.3} [{lo:.3}, {hi:.3}] | {prev:.3} ({np}) | {all:.3} ({na})",
                hop + 1
            );
        }
        println!("{line}");
    }
    let mut line = "pooled over N:".to_string();
    for hop in 0..hops.len() {
        let (mut un, mut hit, mut base) = (0, 0, 0);
        for w in wins.iter().flatten() {
            un += usize::from(w[hop]);
            if w[..hop].iter().all(|&b| b) {
                base += 1;
                hit += usize::from(w[hop]);
            }
        }
        let all = wins.len() * sizes.len();
        line += &format!(
            "  hop {}: {un}/{all} = {:.3} | given every earlier hop {hit}/{base} = {:.3}",
            hop + 1,
            un as f64 / all as f64,
            hit as f64 / base.max(1) as f64
        );
    }
    println!("{line}");
}
