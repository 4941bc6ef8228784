//! The multi-flow attack (MFA). \[design\]
//!
//! An attacker who sees F flows marked with one key aligns them at their first packets, adds
//! their packet counts per time bin (the slot width, by default), and compares the aggregate
//! with that of F unmarked flows by a chi-square test of homogeneity (2 x B table over the bins
//! with any packet). Interval-based marks leave holes (ICBW's empty [0, a) prefix, IBW's empty
//! intervals); SWIRL's pattern depends on each flow's own symbol s, so its aggregate is flat
//! when s is near uniform, which a small q breaks (the base centroid concentrates near T/2).
//!
//! The statistics are here; the attack that runs them on what taps saw (a baseline group held as
//! unmarked against examined groups, one detection per group) is `attack::mfa`, the `kind =
//! "mfa"` attack table. Its power is the fraction of marked groups it calls marked; its size,
//! the fraction of unmarked groups (it checks the chi-square calibration: with Poisson flows
//! the unmarked aggregate is a multinomial sample and the chi-square law applies).

use crate::engine::SimTime;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The MFA's statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaTest {
    /// Chi-square homogeneity of the two groups' aligned per-bin counts. It assumes Poisson
    /// bin counts, so it also rejects when marked counts are merely overdispersed: SWIRL puts
    /// every mark-interval packet into 1/m of the slots (clumping), whatever the slot choice.
    #[default]
    Chi2,
    /// The slot-position profile: each flow's received packets folded onto the position of
    /// their bin within a group of `profile_period` bins (SWIRL: the m slots of a subinterval,
    /// a key-independent structure), as fractions; the groups' mean profiles are compared by a
    /// permutation test over flows (400 relabellings), so overdispersion cannot fake a
    /// rejection. This is the test of the sawtooth.
    Profile,
}

/// Per flow, the fraction of its packets (within `span` of its first) at each position
/// (bin index mod `period`).
pub fn profiles(
    flows: &[Vec<SimTime>],
    bin: SimTime,
    span: SimTime,
    period: usize,
) -> Vec<Vec<f64>> {
    flows
        .iter()
        .map(|f| {
            let mut v = vec![0f64; period];
            let Some(&t0) = f.first() else { return v };
            let mut n = 0.0;
            for &t in f {
                if t - t0 < span {
                    v[(((t - t0) / bin) as usize) % period] += 1.0;
                    n += 1.0;
                }
            }
            if n > 0.0 {
                v.iter_mut().for_each(|x| *x /= n);
            }
            v
        })
        .collect()
}

/// Sum over positions of squared differences of the group means, each over the pooled
/// across-flow variance at that position.
fn profile_stat(a: &[&Vec<f64>], b: &[&Vec<f64>]) -> f64 {
    let m = a.first().map(|x| x.len()).unwrap_or(0);
    let mut s = 0.0;
    for k in 0..m {
        let mean = |g: &[&Vec<f64>]| g.iter().map(|x| x[k]).sum::<f64>() / g.len() as f64;
        let (ma, mb) = (mean(a), mean(b));
        let var = |g: &[&Vec<f64>], mu: f64| g.iter().map(|x| (x[k] - mu).powi(2)).sum::<f64>();
        let pooled = (var(a, ma) + var(b, mb)) / ((a.len() + b.len()).max(3) - 2) as f64;
        let se2 = pooled * (1.0 / a.len() as f64 + 1.0 / b.len() as f64);
        if se2 > 0.0 {
            s += (ma - mb).powi(2) / se2;
        }
    }
    s
}

/// Permutation p-value of the profile statistic (and the statistic), `perms` relabellings
/// from `rng`.
pub fn profile_test(
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    perms: usize,
    rng: &mut crate::engine::SimRng,
) -> (f64, f64) {
    use rand::seq::SliceRandom;
    let pooled: Vec<&Vec<f64>> = a.iter().chain(b).collect();
    let na = a.len();
    let obs = profile_stat(&pooled[..na], &pooled[na..]);
    let mut idx: Vec<usize> = (0..pooled.len()).collect();
    let mut ge = 0usize;
    for _ in 0..perms {
        idx.shuffle(rng);
        let g: Vec<&Vec<f64>> = idx.iter().map(|&i| pooled[i]).collect();
        if profile_stat(&g[..na], &g[na..]) >= obs - 1e-12 {
            ge += 1;
        }
    }
    ((1 + ge) as f64 / (1 + perms) as f64, obs)
}

/// Packet counts per bin of the flows' received times, each aligned at its first packet.
pub fn aggregate(flows: &[Vec<SimTime>], bin: SimTime, span: SimTime) -> Vec<u64> {
    let nb = span.div_ceil(bin) as usize;
    let mut h = vec![0u64; nb];
    for f in flows {
        let Some(&t0) = f.first() else { continue };
        for &t in f {
            let b = ((t - t0) / bin) as usize;
            if b < nb {
                h[b] += 1;
            }
        }
    }
    h
}

/// Chi-square test of homogeneity of two count vectors over the bins where either is
/// non-zero: (statistic, degrees of freedom, p-value).
pub fn chi2_homogeneity(a: &[u64], b: &[u64]) -> (f64, f64, f64) {
    let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
    let n = na + nb;
    let mut stat = 0.0;
    let mut bins = 0usize;
    for (&x, &y) in a.iter().zip(b) {
        let col = (x + y) as f64;
        if col == 0.0 {
            continue;
        }
        bins += 1;
        let ea = col * na / n;
        let eb = col * nb / n;
        stat += (x as f64 - ea).powi(2) / ea + (y as f64 - eb).powi(2) / eb;
    }
    let df = (bins.max(2) - 1) as f64;
    let p = ChiSquared::new(df).expect("df > 0").sf(stat);
    (stat, df, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_of_identical_groups_is_zero() {
        let a = vec![5, 0, 7, 3];
        let (s, df, p) = chi2_homogeneity(&a, &a);
        assert!(s.abs() < 1e-12);
        assert_eq!(df, 2.0);
        assert!((p - 1.0).abs() < 1e-12);
    }
}
#[cfg(test)]
mod sawtooth {
    use super::*;
    use crate::engine::{stream, time::S};
    use crate::net::{Packet, StageOutcome};
    use crate::watermark::{build, SwirlParams, WatermarkConfig};
    use rand_distr::{Distribution, Exp1};

    /// `flows` Poisson flows of `rate` pkt/s over 132 s, through one SWIRL watermarker (q = 5)
    /// switched on or off.
    fn group(flows: u32, rate: f64, marked: bool, seed: u64) -> Vec<Vec<SimTime>> {
        let cfg = WatermarkConfig::Swirl(SwirlParams {
            q: 5.0,
            ..Default::default()
        });
        let mut wm = build(&cfg).expect("valid");
        wm.set_enabled(marked);
        let mut rng = stream(seed, 0, 1);
        (0..flows)
            .map(|f| {
                let (mut t, mut k, mut out) = (0u64, 0u64, Vec::new());
                while t <= 132 * S {
                    if let StageOutcome::Release(t1) =
                        wm.offer(t, &Packet::new(f, k, 100, t), &mut rng)
                    {
                        out.push(t1);
                    }
                    let e: f64 = Exp1.sample(&mut rng);
                    t += (e * S as f64 / rate).round() as SimTime;
                    k += 1;
                }
                out
            })
            .collect()
    }

    /// Why SWIRL (as reconstructed) loses to the MFA at every q: within every subinterval of a
    /// mark interval, the selected slot k collects the packets of slots 0..=k of its own
    /// subinterval plus the overflow of the previous one, so averaged over a uniform symbol
    /// the density of in-subinterval slot k is (k + 1 + (m - 1)/2)/m: 0.6, 0.8, 1.0, 1.2, 1.4
    /// for m = 5, a key-independent sawtooth that every marked flow shares.
    #[test]
    fn mark_intervals_show_a_sawtooth() {
        let (bin, span) = (20 * crate::engine::time::MS, 128 * S);
        let m = aggregate(&group(200, 9.5, true, 3), bin, span);
        let u = aggregate(&group(200, 9.5, false, 4), bin, span);
        let mut fm = [0u64; 5];
        let mut fu = [0u64; 5];
        for b in 0..m.len() {
            let interval = b / 100; // 100 slots per 2 s interval
            if interval % 2 == 1 && (b % 100) / 5 > 0 && (b % 100) / 5 < 19 {
                fm[b % 5] += m[b];
                fu[b % 5] += u[b];
            }
        }
        let ratio: Vec<f64> = (0..5).map(|k| fm[k] as f64 / fu[k] as f64).collect();
        for (k, r) in ratio.iter().enumerate() {
            let expect = (k as f64 + 1.0 + 2.0) / 5.0;
            assert!(
                (r - expect).abs() < 0.08,
                "slot {k}: {r} vs {expect} ({ratio:?})"
            );
        }
    }
}
