//! Latency statistics: what each delivered packet waited, as exact-percentile histograms.
//!
//! A trial records three figures per delivered packet (end to end, time held in mixes, time
//! queued on links). Recording each into an [`hdrhistogram::Histogram`] as it arrives costs
//! a range check, a min/max update and a count update per figure, which was a sizeable share of
//! a packet's cost. So a trial records into a [`LatencyRecorder`] instead: plain count arrays
//! indexed exactly as hdrhistogram indexes its own counts (1 ns to 1000 s, 3 significant
//! digits). At the end of the trial each non-empty bucket goes into the histogram with one
//! `record_n` of the bucket's lowest value, which lands in the same bucket. Every statistic a
//! histogram reports (count, min, max, mean, percentiles, its buckets) is computed from bucket
//! positions, so the result is the histogram direct recording would have built, bit for bit.
//!
//! # Classes of flows
//! The recorder keeps one set of counts per *class* of flows, and each flow belongs to one
//! class (all flows to class 0 unless told otherwise, see [`LatencyRecorder::with_classes`]).
//! Separating, say, cover traffic from real traffic, or giving a named flow percentiles of its
//! own, is a matter of choosing the flow-to-class map; the per-packet cost does not change.
//! [`LatencyRecorder::finish`] returns one [`Latency`] per class, and [`Latency::add`] merges
//! classes into whatever aggregate a report needs.

use crate::engine::SimTime;
use hdrhistogram::Histogram;

/// Lowest value the latency histograms tell apart (ns); zero is counted as this.
const LOW: u64 = 1;
/// Highest value they track (1000 s in ns); anything above is counted as this.
const HIGH: u64 = 1_000_000_000_000;
const SIGFIG: u8 = 3;

/// hdrhistogram's layout for (LOW = 1, SIGFIG = 3): unit magnitude 0, 2^11 sub-buckets
/// (the smallest power of two at least 2 x 10^3), of which each bucket past the first uses the
/// upper half.
const SUB_BUCKET_COUNT_MAGNITUDE: u32 = 11;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_COUNT_MAGNITUDE) - 1;
const LEADING_ZERO_COUNT_BASE: u32 = 64 - SUB_BUCKET_COUNT_MAGNITUDE;
/// Buckets needed to cover `HIGH`: `2^11 << (BUCKETS - 1) > HIGH`.
const BUCKETS: usize = 30;
/// Length of the counts array (hdrhistogram's `distinct_values`).
const BINS: usize = (BUCKETS + 1) * SUB_BUCKET_HALF_COUNT;
/// The highest value the counts array holds: hdrhistogram counts values up to here in their
/// own bucket (a little above `HIGH`) and saturates only past it.
const TOP: u64 = (1 << (SUB_BUCKET_COUNT_MAGNITUDE + BUCKETS as u32 - 1)) - 1;

/// Where hdrhistogram's saturating record counts `value` once the caller has raised zero to
/// `LOW`.
#[inline(always)]
fn saturate(value: u64) -> u64 {
    if value > TOP {
        HIGH
    } else {
        value.max(LOW)
    }
}

/// The count index of `value` (at most `TOP`), as hdrhistogram computes it.
#[inline(always)]
fn index(value: u64) -> usize {
    let bucket = LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT
}

/// The lowest value counted at index `i` (the inverse of [`index`] on bucket boundaries).
fn value_at(i: usize) -> u64 {
    let bucket = (i >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let sub_bucket = (i & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        (sub_bucket - SUB_BUCKET_HALF_COUNT) as u64
    } else {
        (sub_bucket as u64) << bucket
    }
}

/// Latency of delivered packets (ns), the price paid for anonymity.
#[derive(Debug, Clone)]
pub struct Latency {
    pub end_to_end: Histogram<u64>,
    pub mix_hold: Histogram<u64>,
    pub queueing: Histogram<u64>,
    /// Per packet through a placed stage (a watermarker), the time it held the packet (filled
    /// from the stages' own histograms when a trial is tallied).
    pub stage_hold: Histogram<u64>,
}

/// An empty histogram of the latency layout.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(LOW, HIGH, SIGFIG).expect("valid bounds")
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            end_to_end: histogram(),
            mix_hold: histogram(),
            queueing: histogram(),
            stage_hold: histogram(),
        }
    }
}

impl Latency {
    pub fn add(&mut self, o: &Latency) {
        self.end_to_end.add(&o.end_to_end).expect("same bounds");
        self.mix_hold.add(&o.mix_hold).expect("same bounds");
        self.queueing.add(&o.queueing).expect("same bounds");
        self.stage_hold.add(&o.stage_hold).expect("same bounds");
    }
}

/// Bins per block of the touched-block masks: one hdrhistogram bucket's half (every bucket past
/// the first spans exactly this many bins, and the first two of them).
const BLOCK_MAGNITUDE: u32 = SUB_BUCKET_HALF_COUNT_MAGNITUDE;
/// Blocks per figure; each figure's mask has one bit per block.
const BLOCKS: usize = BINS >> BLOCK_MAGNITUDE;
const _: () = assert!(BLOCKS <= 32 && BLOCKS << BLOCK_MAGNITUDE == BINS);

/// One class's counts: end to end, mix hold and queueing, `BINS` each, side by side, and per
/// figure a mask of the blocks that hold a count. Adding and clearing visit only those blocks,
/// so a recorder reused for the next trial costs no fresh zeroed pages and no pass over the
/// whole array.
struct ClassCounts {
    counts: Vec<u64>,
    touched: [u32; 3],
}

impl ClassCounts {
    fn new() -> Self {
        ClassCounts {
            counts: vec![0; 3 * BINS],
            touched: [0; 3],
        }
    }

    #[inline(always)]
    fn count(&mut self, figure: usize, i: usize) {
        self.counts[figure * BINS + i] += 1;
        self.touched[figure] |= 1 << (i >> BLOCK_MAGNITUDE);
    }

    /// The touched blocks of figure `figure`, each as its first index and its bins, in order.
    fn touched(&self, figure: usize) -> impl Iterator<Item = (usize, &[u64])> {
        let mask = self.touched[figure];
        (0..BLOCKS)
            .filter(move |b| mask & (1 << b) != 0)
            .map(move |b| {
                let lo = b << BLOCK_MAGNITUDE;
                let at = figure * BINS + lo;
                (lo, &self.counts[at..at + (1 << BLOCK_MAGNITUDE)])
            })
    }

    /// Add figure `figure`'s counts into `h`.
    fn add_figure_into(&self, figure: usize, h: &mut Histogram<u64>) {
        for (lo, block) in self.touched(figure) {
            for (k, &n) in block.iter().enumerate().filter(|(_, &n)| n > 0) {
                h.record_n(value_at(lo + k), n)
                    .expect("index within the layout");
            }
        }
    }

    /// Add the counts into `l`'s three histograms.
    fn add_into(&self, l: &mut Latency) {
        let hists = [&mut l.end_to_end, &mut l.mix_hold, &mut l.queueing];
        for (figure, h) in hists.into_iter().enumerate() {
            self.add_figure_into(figure, h);
        }
    }

    /// Add `o`'s counts into these and zero `o`'s, in one pass over `o`'s touched blocks.
    fn take_from(&mut self, o: &mut ClassCounts) {
        for figure in 0..3 {
            let mask = std::mem::take(&mut o.touched[figure]);
            self.touched[figure] |= mask;
            for b in (0..BLOCKS).filter(|b| mask & (1 << b) != 0) {
                let at = figure * BINS + (b << BLOCK_MAGNITUDE);
                let range = at..at + (1 << BLOCK_MAGNITUDE);
                for (a, n) in self.counts[range.clone()]
                    .iter_mut()
                    .zip(&mut o.counts[range])
                {
                    *a += std::mem::take(n);
                }
            }
        }
    }

    /// Zero the touched blocks: the counts of a class nothing was recorded in.
    fn clear(&mut self) {
        for figure in 0..3 {
            let mask = std::mem::take(&mut self.touched[figure]);
            for b in (0..BLOCKS).filter(|b| mask & (1 << b) != 0) {
                let at = figure * BINS + (b << BLOCK_MAGNITUDE);
                self.counts[at..at + (1 << BLOCK_MAGNITUDE)].fill(0);
            }
        }
    }
}

/// Per-trial latency counts by flow class (see the module documentation).
pub struct LatencyRecorder {
    /// Per flow, its class.
    class_of: Vec<u32>,
    classes: Vec<ClassCounts>,
}

/// A recorder of no classes, for [`LatencyRecorder::take_counts_from`] to fill.
impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::with_classes(Vec::new(), 0)
    }
}

impl LatencyRecorder {
    /// Every one of `flows` flows in one class.
    pub fn new(flows: usize) -> Self {
        Self::with_classes(vec![0; flows], 1)
    }

    /// Flow `f` counts in class `class_of[f]`, one of `classes` classes.
    pub fn with_classes(class_of: Vec<u32>, classes: usize) -> Self {
        let mut r = LatencyRecorder {
            class_of: Vec::new(),
            classes: Vec::new(),
        };
        r.reset(&class_of, classes);
        r
    }

    /// Empty the counts and take a new flow-to-class map (as [`LatencyRecorder::with_classes`]),
    /// keeping the count arrays already built: what a recorder reused for the next trial does.
    pub fn reset(&mut self, class_of: &[u32], classes: usize) {
        assert!(
            class_of.iter().all(|&c| (c as usize) < classes),
            "every flow's class is one of the classes"
        );
        self.class_of.clear();
        self.class_of.extend_from_slice(class_of);
        self.classes.truncate(classes);
        self.classes.iter_mut().for_each(ClassCounts::clear);
        self.classes.resize_with(classes, ClassCounts::new);
    }

    /// Count one delivered packet of flow `flow`: its end-to-end latency, mix hold and
    /// queueing. Zero counts as 1 ns and anything past the top bucket as 1000 s (like
    /// hdrhistogram's saturating record), so no delivered packet goes uncounted.
    #[inline]
    pub fn record(&mut self, flow: u32, end_to_end: SimTime, mix_hold: SimTime, queueing: SimTime) {
        let c = &mut self.classes[self.class_of[flow as usize] as usize];
        c.count(0, index(saturate(end_to_end)));
        c.count(1, index(saturate(mix_hold)));
        c.count(2, index(saturate(queueing)));
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes.len()
    }

    /// The histograms of each class, in class order (`stage_hold` left empty: stages keep
    /// their own).
    pub fn finish(&self) -> Vec<Latency> {
        self.classes
            .iter()
            .map(|c| {
                let mut l = Latency::default();
                c.add_into(&mut l);
                l
            })
            .collect()
    }

    /// Add the counts of the classes `classes` into `into` (its `stage_hold` untouched): the
    /// sum of the histograms [`LatencyRecorder::finish`] builds, without building them.
    pub fn add_classes_into(&self, classes: std::ops::Range<usize>, into: &mut Latency) {
        for c in &self.classes[classes] {
            c.add_into(into);
        }
    }

    /// Add class `class`'s end-to-end counts into `into`.
    pub fn add_end_to_end_into(&self, class: usize, into: &mut Histogram<u64>) {
        self.classes[class].add_figure_into(0, into);
    }

    /// Add `trial`'s counts into these, class by class, and leave `trial` empty (its map
    /// kept): how a worker sums its trials' counts, to turn them into histograms once, when
    /// its share of the trials ends, rather than once per trial. Counts are integers, so the
    /// histograms built from the sum are those the trials' own would add up to, bit for bit.
    pub fn take_counts_from(&mut self, trial: &mut LatencyRecorder) {
        if self.classes.len() < trial.classes.len() {
            self.classes
                .resize_with(trial.classes.len(), ClassCounts::new);
        }
        for (a, t) in self.classes.iter_mut().zip(&mut trial.classes) {
            a.take_from(t);
        }
    }

    /// Zero every class's counts (the flow-to-class map kept).
    pub fn clear(&mut self) {
        self.classes.iter_mut().for_each(ClassCounts::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values across every bucket: both ends, bucket edges and a spread in between.
    fn values() -> Vec<u64> {
        let mut v = vec![
            LOW,
            2,
            1023,
            1024,
            2047,
            2048,
            2049,
            4095,
            4096,
            HIGH - 1,
            HIGH,
        ];
        v.extend([HIGH + 1, TOP - 1, TOP]);
        for shift in 0..40 {
            let b = 1u64 << shift;
            v.extend([b.saturating_sub(1), b, b + 1, b + b / 3, b * 3 / 2 + 7]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x >> (x % 40 + 24));
        }
        v.retain(|&x| (LOW..=TOP).contains(&x));
        v
    }

    #[test]
    fn layout_is_hdrhistograms() {
        assert_eq!(histogram().distinct_values(), BINS);
        let h = histogram();
        for v in values() {
            assert_eq!(value_at(index(v)), h.lowest_equivalent(v), "value {v}");
            assert!(index(v) < BINS);
        }
    }

    #[test]
    fn finished_histograms_equal_direct_recording() {
        let vals = values();
        let mut rec = LatencyRecorder::with_classes(vec![0, 1, 0], 2);
        let mut direct = [Latency::default(), Latency::default()];
        for (k, &v) in vals.iter().enumerate() {
            let flow = (k % 3) as u32;
            let (hold, queue) = (v / 3, vals[(k * 7) % vals.len()]);
            // Out-of-range values saturate, as the direct histograms' saturating record does.
            let e2e = if k % 101 == 0 {
                0
            } else {
                v * (1 + (k % 5 == 0) as u64 * 5000)
            };
            rec.record(flow, e2e, hold, queue);
            let d = &mut direct[usize::from(flow == 1)];
            d.end_to_end.saturating_record(e2e.max(1));
            d.mix_hold.saturating_record(hold.max(1));
            d.queueing.saturating_record(queue.max(1));
        }
        let got = rec.finish();
        assert_eq!(got.len(), 2);
        for (g, d) in got.iter().zip(&direct) {
            for (a, b) in [
                (&g.end_to_end, &d.end_to_end),
                (&g.mix_hold, &d.mix_hold),
                (&g.queueing, &d.queueing),
            ] {
                assert_eq!(a, b);
                assert_eq!((a.len(), a.min(), a.max()), (b.len(), b.min(), b.max()));
                assert_eq!(a.mean().to_bits(), b.mean().to_bits());
                for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
                    assert_eq!(a.value_at_quantile(q), b.value_at_quantile(q));
                }
            }
        }
        assert!(!got[1].end_to_end.is_empty() && got[0].end_to_end.len() > got[1].end_to_end.len());
        assert!(
            direct[0].end_to_end.max() > HIGH,
            "the test reaches the top bucket"
        );
    }

    #[test]
    fn counts_taken_over_trials_equal_one_recorder_of_them_all() {
        let vals = values();
        let (class_of, classes) = (vec![0, 1, 2, 1], 3);
        let mut all = LatencyRecorder::with_classes(class_of.clone(), classes);
        let mut trial = LatencyRecorder::with_classes(class_of.clone(), classes);
        let mut sum = LatencyRecorder::default();
        for part in vals.chunks(vals.len() / 3 + 1) {
            trial.reset(&class_of, classes);
            for (k, &v) in part.iter().enumerate() {
                let flow = (k % class_of.len()) as u32;
                all.record(flow, v, v / 3, v / 7);
                trial.record(flow, v, v / 3, v / 7);
            }
            sum.take_counts_from(&mut trial);
            assert!(trial.finish().iter().all(|l| l.end_to_end.is_empty()));
        }
        let (a, b) = (sum.finish(), all.finish());
        assert_eq!(a.len(), classes);
        for (x, y) in a.iter().zip(&b) {
            assert!(!y.end_to_end.is_empty());
            assert_eq!(x.end_to_end, y.end_to_end);
            assert_eq!(x.mix_hold, y.mix_hold);
            assert_eq!(x.queueing, y.queueing);
        }
        sum.clear();
        assert!(sum.finish().iter().all(|l| l.queueing.is_empty()));
    }

    #[test]
    fn a_reset_recorder_equals_a_new_one() {
        let vals = values();
        let mut reused = LatencyRecorder::with_classes(vec![0, 1, 2], 3);
        for (k, &v) in vals.iter().enumerate() {
            reused.record((k % 3) as u32, v, v / 2, v / 5);
        }
        // Fewer classes and other flows, then more again: cleared blocks, dropped and new classes.
        for (class_of, classes) in [(vec![1, 0], 2), (vec![0, 3, 1, 2], 4)] {
            let mut fresh = LatencyRecorder::with_classes(class_of.clone(), classes);
            reused.reset(&class_of, classes);
            for (k, &v) in vals.iter().enumerate().step_by(7) {
                let flow = (k % class_of.len()) as u32;
                fresh.record(flow, v / 3, v, 1);
                reused.record(flow, v / 3, v, 1);
            }
            let (a, b) = (reused.finish(), fresh.finish());
            assert_eq!(a.len(), classes);
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.end_to_end, y.end_to_end);
                assert_eq!(x.mix_hold, y.mix_hold);
                assert_eq!(x.queueing, y.queueing);
            }
            let mut sum = Latency::default();
            reused.add_classes_into(0..classes, &mut sum);
            let mut want = Latency::default();
            b.iter().for_each(|l| want.add(l));
            assert_eq!(sum.end_to_end, want.end_to_end);
            assert_eq!(sum.queueing, want.queueing);
        }
    }
}
