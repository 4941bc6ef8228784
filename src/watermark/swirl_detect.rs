//! The SWIRL detector over one flow's received timestamps .
//!
//! Interval 0 is anchored at the first received packet plus the key's offset (the detector is
//! blind: it does not know when the flow left the watermarker, so the jitter of the first
//! packet shifts its whole grid; [`SwirlDetector::detect_at`] takes a known anchor).
//! For pair i:
//! 1. C^ from the received packets of base_i (none: pair not detected);
//! 2. candidates s^ = floor(C^/Delta) mod m and s^', the neighbouring cell on the side C^ is
//!    closer to;
//! 3. with P received packets in mark_i (none: not detected), the pair is detected when, for s^
//!    or s^', at least ceil(tau P) of them sit in that symbol's selected slots;
//! 4. the flow is watermarked when at least eta pairs are detected.

use super::key::{locate, symbols, Role, SwirlKey};
use super::params::SwirlParams;
use super::{Detection, Detector};
use crate::engine::SimTime;
use std::sync::Arc;

/// The detector's finding on one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairReport {
    /// Packets in the base interval (Q) and in the mark interval (P).
    pub q: u32,
    pub p: u32,
    /// Candidate symbols and how many mark packets sit in their selected slots.
    pub s_hat: u32,
    pub s_alt: u32,
    pub hits_hat: u32,
    pub hits_alt: u32,
    pub detected: bool,
}

/// The SWIRL detector.
#[derive(Debug, Clone)]
pub struct SwirlDetector {
    params: SwirlParams,
    key: Arc<SwirlKey>,
}

impl SwirlDetector {
    pub fn new(params: SwirlParams) -> Self {
        let key = Arc::new(SwirlKey::new(&params));
        Self::with_key(params, key)
    }

    pub fn with_key(params: SwirlParams, key: Arc<SwirlKey>) -> Self {
        SwirlDetector { params, key }
    }

    /// Per-pair findings with interval 0 anchored at `anchor` (+ offset). `received` must be
    /// sorted.
    pub fn pairs(&self, received: &[SimTime], anchor: SimTime) -> Vec<PairReport> {
        let p = &self.params;
        let n = p.n as usize;
        let t_len = p.interval.nanos();
        let w = p.slot_ns();
        let (r, m) = (p.r as u64, p.m as u64);
        let mut base_sum = vec![0u128; n];
        let mut reports = vec![PairReport::default(); n];
        // Per-pair candidate symbols, known once the base interval is over (bases precede
        // marks, and the trace is sorted).
        let mut cand: Vec<Option<(u32, u32)>> = vec![None; n];
        for &t in received {
            let Some(pos) = locate(t, anchor, &self.key, t_len) else {
                continue;
            };
            match self.key.roles[pos.interval] {
                Role::Base(i) => {
                    base_sum[i as usize] += pos.offset as u128;
                    reports[i as usize].q += 1;
                }
                Role::Mark(i) => {
                    let i = i as usize;
                    let rep = &mut reports[i];
                    rep.p += 1;
                    if rep.q == 0 {
                        continue;
                    }
                    let (sh, sa) = *cand[i].get_or_insert_with(|| {
                        symbols(base_sum[i] as f64 / rep.q as f64, p.delta_ns(), p.m)
                    });
                    rep.s_hat = sh;
                    rep.s_alt = sa;
                    let g = pos.offset / w;
                    if g >= r * m {
                        continue;
                    }
                    let (j, k) = ((g / m) as u32, (g % m) as u32);
                    if self.key.slot(i as u32, j, sh) == k {
                        rep.hits_hat += 1;
                    } else if self.key.slot(i as u32, j, sa) == k {
                        rep.hits_alt += 1;
                    }
                }
            }
        }
        for rep in &mut reports {
            if rep.q > 0 && rep.p > 0 {
                let need = p.needed(rep.p as u64) as u32;
                rep.detected = rep.hits_hat.max(rep.hits_alt) >= need;
            }
        }
        reports
    }

    /// Detection with interval 0 anchored at a known time (+ offset).
    pub fn detect_at(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        let detected = self
            .pairs(received, anchor)
            .iter()
            .filter(|r| r.detected)
            .count() as u32;
        Detection {
            watermarked: detected >= self.params.eta,
            score: detected as f64,
            detected,
            of: self.params.n,
        }
    }
}

impl Detector for SwirlDetector {
    fn detect(&self, received: &[SimTime]) -> Detection {
        match received.first() {
            Some(&a) => self.detect_at(received, a),
            None => Detection {
                watermarked: false,
                score: 0.0,
                detected: 0,
                of: self.params.n,
            },
        }
    }

    fn detect_anchored(&self, received: &[SimTime], anchor: SimTime) -> Detection {
        self.detect_at(received, anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MS;
    use crate::net::{Packet, Stage, StageOutcome};
    use crate::watermark::SwirlWatermarker;

    /// A mark embedded with symbol s is found through the second candidate s^' when jitter
    /// pushes the base centroid across a cell boundary, and only through it.
    #[test]
    fn detector_tries_both_quantisations() {
        let p = SwirlParams {
            key_seed: 3,
            ..Default::default()
        };
        // Base interval 0 is [0, 2 s): centroid 479 ms, just below the cell boundary
        // 3 Delta = 480 ms (Delta = 160 ms), so s = 2. Mark interval 0 is [2 s, 4 s): one
        // packet every 7 ms.
        let base: Vec<SimTime> = vec![0, 479 * MS, 958 * MS];
        let mark: Vec<SimTime> = (0..285u64).map(|k| 2000 * MS + 1 + k * 7 * MS).collect();
        let mut wm = SwirlWatermarker::new(p.clone());
        let mut rng = crate::engine::stream(0, 0, 0);
        let mut out: Vec<SimTime> = base
            .iter()
            .chain(&mark)
            .enumerate()
            .map(
                |(k, &t)| match wm.offer(t, &Packet::new(0, k as u64, 100, t), &mut rng) {
                    StageOutcome::Release(x) => x,
                    StageOutcome::Drop(_) => panic!("dropped"),
                },
            )
            .collect();
        let det = SwirlDetector::new(p.clone());
        let before = det.pairs(&out, 0)[0];
        assert!(before.detected && before.s_hat == 2, "{before:?}");
        // Jitter of +2 ms on the base packets: C^ = 481 ms, s^ = 3, s^' = 2.
        for t in out.iter_mut().take(3).skip(1) {
            *t += 2 * MS;
        }
        let after = det.pairs(&out, 0)[0];
        assert_eq!((after.s_hat, after.s_alt), (3, 2), "{after:?}");
        assert!(after.detected, "{after:?}");
        assert!(
            (after.hits_hat as u64) < p.needed(after.p as u64),
            "{after:?}"
        );
        assert!(
            (after.hits_alt as u64) >= p.needed(after.p as u64),
            "{after:?}"
        );
    }
}
