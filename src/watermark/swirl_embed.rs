//! The SWIRL watermarker, an online link [`Stage`] . \[design\]
//!
//! Per flow (keyed on [`Packet::flow`], so one watermarker can serve a link), interval 0 starts
//! at the flow's first packet plus the key's offset. For pair i:
//! 1. the base centroid C is the mean offset of the base interval's packets (none: the pair is
//!    left unmarked);
//! 2. the symbol is s = floor(C / Delta) mod m;
//! 3. each mark-interval packet in slot k of subinterval j, with selected slot K = perm\[i\]\[j\]\[s\],
//!    stays if k == K, moves to slot K if k < K, moves to the selected slot of subinterval j + 1
//!    if k > K (and stays, a miss, in the last subinterval). Delays are whole slots, so a packet
//!    keeps its in-slot offset; the largest is T/r (2 - 2/m).
//! 4. FIFO: a packet never leaves before the flow's previous one (this never pushes a packet
//!    out of its slot: the previous one sits in the same selected slot).
//! 5. Base intervals and everything outside the 2n intervals pass untouched.
//!
//! Every base interval ends before its mark begins, so the online watermarker knows C when the
//! first mark packet arrives.

use super::key::{locate, symbols, Role, SwirlKey};
use super::params::SwirlParams;
use super::swirl_detect::SwirlDetector;
use super::{delay_histogram, record, Detector, Watermarker};
use crate::engine::{SimRng, SimTime};
use crate::net::{FlowId, Packet, Stage, StageOutcome};
use hdrhistogram::Histogram;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
struct FlowState {
    anchor: SimTime,
    last_release: SimTime,
    /// Sum of base-interval offsets (ns) and packet count, per pair.
    base_sum: Vec<u128>,
    base_count: Vec<u32>,
}

/// The SWIRL watermarking stage.
#[derive(Debug, Clone)]
pub struct SwirlWatermarker {
    params: SwirlParams,
    key: Arc<SwirlKey>,
    flows: HashMap<FlowId, FlowState>,
    delays: Histogram<u64>,
    enabled: bool,
}

impl SwirlWatermarker {
    pub fn new(params: SwirlParams) -> Self {
        let key = Arc::new(SwirlKey::new(&params));
        Self::with_key(params, key)
    }

    /// A watermarker over an existing key (shared with detectors).
    pub fn with_key(params: SwirlParams, key: Arc<SwirlKey>) -> Self {
        SwirlWatermarker {
            params,
            key,
            flows: HashMap::new(),
            delays: delay_histogram(),
            enabled: true,
        }
    }

    pub fn key(&self) -> &Arc<SwirlKey> {
        &self.key
    }

    pub fn params(&self) -> &SwirlParams {
        &self.params
    }

    /// Release time of a packet of `flow` arriving at `now` (before the FIFO clamp).
    fn target(&mut self, now: SimTime, flow: FlowId) -> SimTime {
        let n = self.params.n as usize;
        let st = self.flows.entry(flow).or_insert_with(|| FlowState {
            anchor: now,
            last_release: 0,
            base_sum: vec![0; n],
            base_count: vec![0; n],
        });
        if !self.enabled {
            return now;
        }
        let t_len = self.params.interval.nanos();
        let Some(pos) = locate(now, st.anchor, &self.key, t_len) else {
            return now;
        };
        match self.key.roles[pos.interval] {
            Role::Base(i) => {
                st.base_sum[i as usize] += pos.offset as u128;
                st.base_count[i as usize] += 1;
                now
            }
            Role::Mark(i) => {
                let q = st.base_count[i as usize];
                if q == 0 {
                    return now;
                }
                let c = st.base_sum[i as usize] as f64 / q as f64;
                let (s, _) = symbols(c, self.params.delta_ns(), self.params.m);
                let w = self.params.slot_ns();
                let (r, m) = (self.params.r as u64, self.params.m as u64);
                let g = pos.offset / w;
                if g >= r * m {
                    return now; // the few ns past the last slot
                }
                let (j, k) = (g / m, g % m);
                let sel = self.key.slot(i, j as u32, s) as u64;
                let dest = if k <= sel {
                    j * m + sel
                } else if j + 1 < r {
                    (j + 1) * m + self.key.slot(i, j as u32 + 1, s) as u64
                } else {
                    g
                };
                now + (dest - g) * w
            }
        }
    }
}

impl Stage for SwirlWatermarker {
    #[inline]
    fn offer(&mut self, now: SimTime, pkt: &Packet, _rng: &mut SimRng) -> StageOutcome {
        let target = self.target(now, pkt.flow);
        let st = self
            .flows
            .get_mut(&pkt.flow)
            .expect("state created in target");
        let release = target.max(st.last_release);
        st.last_release = release;
        record(&mut self.delays, release - now);
        StageOutcome::Release(release)
    }
}

impl Watermarker for SwirlWatermarker {
    fn scheme(&self) -> &'static str {
        "swirl"
    }
    fn delays(&self) -> &Histogram<u64> {
        &self.delays
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
    fn detector(&self) -> Box<dyn Detector> {
        Box::new(SwirlDetector::with_key(
            self.params.clone(),
            self.key.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{stream, time::MS};
    use crate::watermark::key::locate;
    use rand::Rng;

    fn pkt(flow: FlowId, seq: u64) -> Packet {
        Packet::new(flow, seq, 100, 0)
    }

    /// Push sorted arrival times through a watermarker; return the release times.
    fn run(wm: &mut SwirlWatermarker, flow: FlowId, times: &[SimTime]) -> Vec<SimTime> {
        let mut rng = stream(0, 0, 0);
        times
            .iter()
            .enumerate()
            .map(
                |(k, &t)| match wm.offer(t, &pkt(flow, k as u64), &mut rng) {
                    StageOutcome::Release(x) => x,
                    StageOutcome::Drop(_) => panic!("watermarker dropped"),
                },
            )
            .collect()
    }

    #[test]
    fn dense_flow_reaches_exactly_the_largest_delay() {
        // One packet per ms over all 64 intervals: every in-slot offset, including each slot's
        // start, occurs, so the worst case T/r (2 - 2/m) = 160 ms must be reached exactly.
        let p = SwirlParams {
            key_seed: 1,
            ..Default::default()
        };
        let mut wm = SwirlWatermarker::new(p.clone());
        let times: Vec<SimTime> = (0..130_000u64).map(|k| k * MS).collect();
        let out = run(&mut wm, 0, &times);
        let mut last = 0;
        let mut max = 0;
        for (&a, &b) in times.iter().zip(&out) {
            assert!(b >= a, "advanced");
            assert!(b >= last, "reordered");
            last = b;
            max = max.max(b - a);
        }
        assert_eq!(max, p.max_delay_ns());
        assert_eq!(max, 160 * MS);
        assert_eq!(wm.delays().max() / MS, 160);
        // Base intervals and packets past the 2n intervals are untouched.
        let key = wm.key().clone();
        for (&a, &b) in times.iter().zip(&out) {
            match locate(a, 0, &key, p.interval.nanos()) {
                None => assert_eq!(a, b),
                Some(pos) if matches!(key.roles[pos.interval], Role::Base(_)) => assert_eq!(a, b),
                _ => {}
            }
        }
    }

    #[test]
    fn random_adversarial_inputs_respect_the_bound_and_order() {
        // Bursty, clustered, multi-flow inputs with several parameter sets.
        let mut rng = stream(5, 0, 0);
        for case in 0..40u64 {
            let m = rng.random_range(2..8u32);
            let r = rng.random_range(1..30u32);
            let p = SwirlParams {
                key_seed: case,
                m,
                r,
                n: 4,
                q: rng.random_range(0.5..4.0),
                offset: crate::units::Duration(rng.random_range(0..3000) * MS),
                ..Default::default()
            };
            let mut wm = SwirlWatermarker::new(p.clone());
            let mut rr = stream(6, case, 0);
            let mut t = rng.random_range(0..1000) * MS;
            let mut events = Vec::new();
            while t < 25_000 * MS {
                let flow = rr.random_range(0..3u32);
                events.push((t, flow));
                // Mix of back-to-back packets, slot-boundary hits and long gaps.
                t += match rr.random_range(0..4) {
                    0 => 0,
                    1 => p.slot_ns() - (t % p.slot_ns()),
                    2 => rr.random_range(0..30 * MS),
                    _ => rr.random_range(0..2000 * MS),
                };
            }
            let mut last = [0u64; 3];
            let mut rng0 = stream(0, 0, 0);
            for (k, &(a, flow)) in events.iter().enumerate() {
                let StageOutcome::Release(b) = wm.offer(a, &pkt(flow, k as u64), &mut rng0) else {
                    panic!()
                };
                assert!(b >= a);
                assert!(
                    b - a <= p.max_delay_ns(),
                    "delay {} > bound {}",
                    b - a,
                    p.max_delay_ns()
                );
                assert!(b >= last[flow as usize]);
                last[flow as usize] = b;
            }
        }
    }

    #[test]
    fn unjittered_marked_flow_is_detected_in_every_eligible_interval() {
        let p = SwirlParams {
            key_seed: 11,
            ..Default::default()
        };
        for (case, rate) in [(0u64, 4.4f64), (1, 9.5), (2, 2.0)] {
            let mut wm = SwirlWatermarker::new(p.clone());
            let mut rng = stream(12, case, 0);
            let exp = rand_distr::Exp::new(rate).unwrap();
            let mut t = 0.0f64;
            let mut times = Vec::new();
            while t < 130.0 {
                times.push(crate::engine::time::from_secs_f64(t));
                t += rand_distr::Distribution::sample(&exp, &mut rng);
            }
            let out = run(&mut wm, 0, &times);
            let det = wm.detector();
            let key = wm.key().clone();
            // Independent count of what the embedding cannot place: packets in the last
            // subinterval after its selected slot.
            let t_len = p.interval.nanos();
            let (w, m, r) = (p.slot_ns(), p.m as u64, p.r as u64);
            let mut q = vec![0u64; 32];
            let mut csum = vec![0f64; 32];
            let mut pcount = vec![0u64; 32];
            let mut misses = vec![0u64; 32];
            for &a in &times {
                let Some(pos) = locate(a, times[0], &key, t_len) else {
                    continue;
                };
                match key.roles[pos.interval] {
                    Role::Base(i) => {
                        q[i as usize] += 1;
                        csum[i as usize] += pos.offset as f64;
                    }
                    Role::Mark(i) => {
                        let i = i as usize;
                        pcount[i] += 1;
                        if q[i] == 0 {
                            continue;
                        }
                        let (s, _) = symbols(csum[i] / q[i] as f64, p.delta_ns(), p.m);
                        let g = pos.offset / w;
                        if g / m == r - 1 && g % m > key.slot(i as u32, (r - 1) as u32, s) as u64 {
                            misses[i] += 1;
                        }
                    }
                }
            }
            let eligible = (0..32)
                .filter(|&i| {
                    q[i] > 0 && pcount[i] > 0 && pcount[i] - misses[i] >= p.needed(pcount[i])
                })
                .count() as u32;
            let d = det.detect(&out);
            assert_eq!(d.detected, eligible, "rate {rate}");
            // At these rates, nearly every pair has packets: at least 28 of 32 at 4.4 pkt/s.
            if rate > 4.0 {
                assert!(eligible >= 28, "rate {rate}: only {eligible}");
                assert!(d.watermarked);
            }
            // Every mark packet that is not a last-subinterval miss sits in its selected slot.
            let reps = crate::watermark::SwirlDetector::with_key(p.clone(), key.clone())
                .pairs(&out, out[0]);
            for (i, rep) in reps.iter().enumerate() {
                if rep.q > 0 {
                    assert_eq!(rep.hits_hat as u64, pcount[i] - misses[i]);
                }
            }
        }
    }

    #[test]
    fn disabled_watermarker_is_the_identity() {
        let mut wm = SwirlWatermarker::new(SwirlParams::default());
        wm.set_enabled(false);
        let times: Vec<SimTime> = (0..20_000u64).map(|k| k * 7 * MS).collect();
        assert_eq!(run(&mut wm, 3, &times), times);
    }
}
