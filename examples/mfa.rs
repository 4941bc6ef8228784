//! The multi-flow attack (MFA) on SWIRL and its predecessors: prints the power of the two MFA
//! tests (chi-square homogeneity of aligned per-bin counts, and the slot-position profile with a
//! permutation test) against F = 5 and 20 marked Poisson flows of 9.5 pkt/s, 100 trials each,
//! alpha = 0.01, no path jitter, for SWIRL's keyed and uniform embeddings over q, and for IBW,
//! ICBW and RAINBOW (`src/watermark/mfa.rs` explains the statistic).
//!
//! `cargo run --release --example mfa`
//!
//! This is the one watermark experiment that still runs outside `mixsim run`: the MFA needs F
//! separately observed marked flows per trial (not yet written as scenarios).

use mixsim::watermark::mfa::{run, MfaConfig, MfaTest};
use mixsim::watermark::{Embedding, SwirlParams, WatermarkConfig};

fn main() {
    let swirl = |q: f64, embedding: Embedding| {
        WatermarkConfig::Swirl(SwirlParams {
            q,
            embedding,
            key_seed: 7,
            ..Default::default()
        })
    };
    let mut rows: Vec<(String, WatermarkConfig)> = Vec::new();
    for (name, e) in [("keyed", Embedding::Keyed), ("uniform", Embedding::Uniform)] {
        for q in [0.5, 1.0, 2.5, 5.0] {
            rows.push((format!("swirl {name} q={q}"), swirl(q, e)));
        }
    }
    rows.push(("ibw".into(), WatermarkConfig::Ibw(Default::default())));
    rows.push(("icbw".into(), WatermarkConfig::Icbw(Default::default())));
    rows.push((
        "rainbow".into(),
        WatermarkConfig::Rainbow(Default::default()),
    ));
    println!("| watermark | test | F | power [95% CI] | size | chi2/df marked | null |");
    println!("|---|---|---:|---|---:|---:|---:|");
    for (name, wm) in &rows {
        for test in [MfaTest::Chi2, MfaTest::Profile] {
            for flows in [5, 20] {
                let cfg = MfaConfig {
                    watermark: wm.clone(),
                    flows,
                    test,
                    ..MfaConfig::swirl_default(9.5, flows, 100, 1)
                };
                let r = run(&cfg).expect("valid MFA configuration");
                println!(
                    "| {name} | {test:?} | {flows} | {:.2} [{:.2}, {:.2}] | {:.2} | {:.3} | {:.3} |",
                    r.power.rate,
                    r.power.ci_low,
                    r.power.ci_high,
                    r.size.rate,
                    r.mean_ratio_marked,
                    r.mean_ratio_null
                );
            }
        }
    }
}
