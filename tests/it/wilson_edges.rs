//! The Wilson interval's bound on the side of the rate is the rate itself at the edges: 0
//! detections give ci_low = 0 exactly (it was 5.55e-17 or 1.7e-18, above the rate) and all
//! detections ci_high = 1 exactly.

use mixsim::experiment::{wilson, Z95};

#[test]
fn bounds_at_the_edges_are_exactly_0_and_1() {
    for n in 1..=5000u64 {
        let (lo, hi) = wilson(0, n, Z95);
        assert_eq!(lo, 0.0, "0 of {n}");
        assert!(hi > 0.0 && hi < 1.0);
        let (lo, hi) = wilson(n, n, Z95);
        assert_eq!(hi, 1.0, "{n} of {n}");
        assert!(lo > 0.0 && lo < 1.0);
    }
    // 0 of 200, as the shipped results have it: ci_low was 1.7e-18.
    assert_eq!(wilson(0, 200, Z95).0, 0.0);
}
