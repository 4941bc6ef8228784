//! A tie is a mathematical tie: candidates whose scores are equal in exact arithmetic tie for
//! the top under every count estimator, whatever order their cells are summed in.

use mixsim::attack::correlation::{decide, estimator, ESTIMATORS};
use mixsim::attack::mi::plugin_mi;

/// `y` with its count values relabelled by `f` (a bijection on the values seen).
fn relabel(y: &[u32], f: impl Fn(u32) -> u32) -> Vec<u32> {
    y.iter().map(|&v| f(v)).collect()
}

#[test]
fn relabelled_counts_tie_under_mutual_information() {
    // Swapping the labels 0 and 2 of y permutes the cells of the contingency table: the same
    // terms of the plug-in sum in another order (a cell-by-cell sum gave 0.07938247483133896
    // and ...898).
    let x = [1, 2, 2, 1, 2, 1, 1, 2, 2, 1];
    let y = [0, 1, 0, 0, 0, 1, 0, 1, 2, 1];
    let y2 = relabel(&y, |v| 2 - v);
    assert_eq!(plugin_mi(&x, &y).to_bits(), plugin_mi(&x, &y2).to_bits());
    for name in ["mi", "mi-mm"] {
        let e = estimator(name).unwrap();
        let scores = [e.score(&x, &y), e.score(&x, &y2)];
        assert_eq!(decide(&scores), None, "{name}: {scores:?}");
    }
}

#[test]
fn affinely_mapped_counts_tie_under_correlation() {
    // Pearson's r is invariant under y -> 4y + 2; float sums of the two gave -0.23196440382035308
    // and ...313.
    let x = [0, 3, 0, 1, 2, 2, 1, 2, 2, 0, 2, 2];
    let y = [2, 1, 0, 1, 2, 3, 1, 0, 0, 3, 0, 1];
    let y2 = relabel(&y, |v| 4 * v + 2);
    for name in ["xcorr", "xcorr-lag"] {
        let e = estimator(name).unwrap();
        let scores = [e.score(&x, &y), e.score(&x, &y2)];
        assert_eq!(decide(&scores), None, "{name}: {scores:?}");
    }
}

#[test]
fn every_estimator_ties_relabelled_candidates_and_still_ranks_others() {
    // Longer series (mi-z needs at least 34 intervals): for each estimator, a candidate, its
    // relabelling (an affine one, which every estimator's value is invariant to) and a third
    // candidate; the first two tie, and when the third is strictly above them it wins.
    let x: Vec<u32> = (0..120u32).map(|i| (i * 7919 + 13) % 5 % 3).collect();
    let y: Vec<u32> = x
        .iter()
        .enumerate()
        .map(|(i, &u)| if i % 4 == 0 { (u + 1) % 3 } else { u })
        .collect();
    let y2 = relabel(&y, |v| 3 * v + 1);
    let copy = x.clone();
    for name in ESTIMATORS {
        let e = estimator(name).unwrap();
        let (a, b) = (e.score(&x, &y), e.score(&x, &y2));
        assert_eq!(a.to_bits(), b.to_bits(), "{name}: {a} vs {b}");
        assert_eq!(decide(&[a, b]), None, "{name}");
        let c = e.score(&x, &copy);
        assert!(
            c > a,
            "{name}: the target's own series scores {c}, the noisy one {a}"
        );
        assert_eq!(decide(&[a, b, c]), Some(2), "{name}");
    }
}
