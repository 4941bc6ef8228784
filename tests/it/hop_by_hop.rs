//! The global adversary following the target from mix to mix (`kind = "hop_by_hop"`) on the
//! two-mix cascade: its first hop is the first-mix attack, its last hop the whole path; the mi
//! rows carry the product of per-hop model rates; the table is validated strictly.

use crate::common::scenario_path;
use mixsim::experiment::predictions::PointModel;
use mixsim::experiment::{run, Summary};
use mixsim::scenario::Scenario;

fn cascade(sets: &[&str]) -> Result<Scenario, String> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load(&scenario_path("cascade.toml"), &sets).map_err(|e| e.to_string())
}

const SIZES: [&str; 2] = [
    "attack.first-hop.sample_sizes=[30, 3000]",
    "attack.path.sample_sizes=[30, 3000]",
];

#[test]
fn follows_alice_through_the_cascade() {
    let s = cascade(&SIZES).unwrap();
    let opts = crate::common::run_options(4, 40, 2);
    let r = run(&s, &opts);
    let names: Vec<String> = r
        .attacks
        .iter()
        .map(|a| format!("{}/{}", a.table, a.name))
        .collect();
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    // Hop 1 is the first-mix attack on the same trials: the same counts.
    for (first, hop) in [
        ("first-hop/mi", "path/mi:hop1"),
        ("first-hop/xcorr", "path/xcorr:hop1"),
    ] {
        assert_eq!(
            r.tally.attacks[at(first)],
            r.tally.attacks[at(hop)],
            "{hop}"
        );
    }
    // The likelihood scorer follows her through both mixes at N = 3000 (1000 trials: 100 %);
    // a random walk would be right a quarter of the time.
    let path = r.tally.correct(at("path/likelihood-paper:hop2"), 1);
    assert!(path >= 36, "whole path right in {path} of 40 trials");
    // Right at hop 2 needs right at hop 1.
    for scorer in ["mi", "xcorr", "xcorr-lag", "likelihood-paper"] {
        for n in 0..2 {
            let (h1, h2) = (
                r.tally.correct(at(&format!("path/{scorer}:hop1")), n),
                r.tally.correct(at(&format!("path/{scorer}:hop2")), n),
            );
            assert!(h2 <= h1, "{scorer}: hop 2 {h2} > hop 1 {h1}");
        }
    }
    // Beside the mi rows: the product of per-hop model rates; hop 1's is the first mix's model.
    let sum = Summary::with_model(&s, &r);
    let model = |label: &str, n: usize| {
        sum.points
            .iter()
            .find(|p| p.label == label && p.sample_size == Some(n))
            .and_then(|p| p.model.clone())
            .unwrap()
    };
    assert_eq!(
        model("first-hop/mi", 3000).get("semi_analytic"),
        model("path/mi:hop1", 3000).get("semi_analytic")
    );
    let PointModel::Path(two) = model("path/mi:hop2", 3000) else {
        panic!("a path point carries the product model");
    };
    let per_hop: Vec<f64> = two.per_hop.iter().map(|h| h.semi_analytic).collect();
    assert_eq!(per_hop.len(), 2);
    assert!((two.product.semi_analytic - per_hop[0] * per_hop[1]).abs() < 1e-12);
    assert!(per_hop.iter().all(|p| (0.0..=1.0).contains(p)));
    // Same seed, one thread, the event engine: the same tallies.
    crate::common::assert_same_on_one_thread_event_engine(&s, &opts, &r);
}

#[test]
fn the_table_is_validated() {
    let h = cascade(&[]).unwrap();
    let Some(p) = h.attacks[1]
        .kind
        .get::<mixsim::scenario::adversary::HopByHopAttack>()
    else {
        panic!("the cascade's second table is hop_by_hop")
    };
    assert_eq!(p.route_mixes.len(), 2);
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["attack.path.scorers=[\"mii\"]"],
            "attack[1].scorers[0]",
            "unknown scorer \"mii\" (did you mean \"mi\"?)",
        ),
        (
            &["attack.path.scorers=[\"mi\", \"mi\"]"],
            "attack[1].scorers[1]",
            "listed twice",
        ),
        (
            &["attack.path.candidates=[\"m1->m2\"]"],
            "attack[1].candidates",
            "does not apply to kind = \"hop_by_hop\"",
        ),
        (&["attack.path.t_avg=\"0s\""], "attack[1].t_avg", "positive"),
        (
            &["node.m2.strategy=\"timed\""],
            "attack[1].scorers[3]",
            "mix \"m2\", which the walk can reach, is not an exponential",
        ),
    ];
    for (sets, key, phrase) in cases {
        let e = cascade(sets).unwrap_err();
        assert!(e.contains(&format!("key `{key}`")), "{key}: {e}");
        assert!(e.contains(phrase), "{phrase}: {e}");
    }
    // With an assumed hold the likelihood scorer may walk through the timed mix.
    cascade(&["node.m2.strategy=\"timed\"", "attack.path.t_avg=\"25ms\""]).unwrap();
}

#[test]
fn shipped_mixnet_follows_three_hops() {
    let s = Scenario::load(&scenario_path("mixnet.toml"), &[]).unwrap();
    let Some(p) = s.attacks[1]
        .kind
        .get::<mixsim::scenario::adversary::HopByHopAttack>()
    else {
        panic!("the mixnet's second table is hop_by_hop")
    };
    assert_eq!(p.route_mixes.len(), 3);
    assert_eq!(p.scorers, ["mi", "xcorr", "xcorr-lag", "likelihood-paper"]);
}

/// On the stratified mixnet every layer-3 mix is reached from every layer-2 mix, so a walk
/// that left Alice's route can come back to her last mix and take her link there. It is right
/// through hop 3 only if it followed her route: exactly when the mi scorer picks her link at
/// each of her three mixes (which the walk, once on her route, scores the same way), never
/// merely because its last link is hers.
#[test]
fn mixnet_walk_is_right_only_along_the_route() {
    use mixsim::attack::correlation::{estimator, Correlation};
    use mixsim::attack::path::HopByHop;
    use mixsim::attack::{Attack, Verdict};
    use mixsim::experiment::attacks::hop_truth;
    use mixsim::experiment::runner::{observation, tap_setup};
    use mixsim::net::Network;
    use mixsim::scenario::attack_build::{candidate_watches, hop_walk, target_watch};
    use std::sync::Arc;
    let s = Scenario::load(
        &scenario_path("mixnet.toml"),
        &["attack.path.sample_sizes=[100]".to_string()],
    )
    .unwrap();
    let Some(h) = s.attacks[1]
        .kind
        .get::<mixsim::scenario::adversary::HopByHopAttack>()
    else {
        panic!("the mixnet's second table is hop_by_hop")
    };
    let alice = &s.flows[h.target];
    // Per route mix: the mi scorer on its outputs, and Alice's link among them.
    let mixes: Vec<(Correlation, usize)> = h
        .route_mixes
        .iter()
        .map(|&mix| {
            let outs: Vec<usize> = (0..s.links.len())
                .filter(|&l| s.links[l].from == mix)
                .collect();
            let at = alice.route.iter().position(|&n| n == mix).unwrap();
            let truth = outs.iter().position(|&l| l == alice.links[at]).unwrap();
            let scorer = Correlation {
                estimator: estimator("mi").unwrap(),
                target: target_watch(h.observe_link),
                candidates: candidate_watches(&outs),
                interval: h.interval,
                sample_sizes: h.sample_sizes.clone(),
            };
            (scorer, truth)
        })
        .collect();
    let hop3 = HopByHop::new(Arc::new(hop_walk(&s, h, "mi")), 3);
    let truth = hop_truth(&s, h, 3, &hop3.candidates);
    fn chosen(a: &dyn Attack, net: &Network, s: &Scenario) -> Option<usize> {
        match a.observe(&observation(net, s, &a.needs())) {
            Verdict::Identification(ids) => ids[0].chosen,
            _ => panic!("an identification"),
        }
    }
    let (mut right, mut rejoined) = (0, 0);
    for trial in 0..200 {
        let (net, _) = Network::run(&s.topology(), s.seed, trial, tap_setup(&s, false));
        let each = mixes.iter().all(|(a, t)| chosen(a, &net, &s) == Some(*t));
        let walk = chosen(&hop3, &net, &s);
        assert_eq!(walk.is_some() && walk == truth, each, "trial {trial}");
        right += usize::from(each);
        let last = walk.map(|c| *hop3.candidates[c].last().unwrap());
        rejoined += usize::from(!each && last == Some(alice.links[3]));
    }
    // The case the test is about happens here (a walk naming her last link off her route).
    assert!(
        rejoined > 0 && right > 0,
        "right {right}, rejoined {rejoined}"
    );
}
