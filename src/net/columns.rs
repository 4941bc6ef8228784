//! Streams of packets as columns, and their merges and sorts by time.
//!
//! A stream (a flow's emissions, a link's arrivals, a mix's releases) is a pair of columns,
//! times and packet slots, in the stream's own order, which is the engine's order of its
//! events. A node's streams are stored back to back ([`Runs`]) and merged by time, a binary
//! merge at a time; equal times in two different streams go to a [`TieBreak`], which orders
//! them as the engine does or stops the run.

use super::ties::{Stop, TieBreak};
use crate::engine::SimTime;

/// A stream of packets as columns: times and packet slots, in the stream's order.
#[derive(Debug, Default, Clone)]
pub(super) struct Column {
    pub(super) t: Vec<SimTime>,
    pub(super) id: Vec<u32>,
}

impl Column {
    pub(super) fn clear(&mut self) {
        self.t.clear();
        self.id.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.t.len()
    }

    #[inline(always)]
    pub(super) fn push(&mut self, t: SimTime, id: u32) {
        self.t.push(t);
        self.id.push(id);
    }

    /// Drop the first `n` entries.
    pub(super) fn consume(&mut self, n: usize) {
        self.t.drain(..n);
        self.id.drain(..n);
    }
}

/// Streams stored back to back in one pair of columns, each in its own order.
#[derive(Debug, Default)]
pub(super) struct Runs {
    pub(super) col: Column,
    /// Where each stream ends in `col`.
    pub(super) ends: Vec<usize>,
}

impl Runs {
    pub(super) fn clear(&mut self) {
        self.col.clear();
        self.ends.clear();
    }

    /// End the stream appended since the last one (nothing if it is empty).
    pub(super) fn close(&mut self) {
        if self.col.len() > self.ends.last().copied().unwrap_or(0) {
            self.ends.push(self.col.len());
        }
    }
}

/// Merge two time-sorted streams into `out`; equal times across them go to `tb`.
///
/// Which stream is next is selected without a branch (interleaved streams make that branch
/// unpredictable); only equal times, the rare case, branch to the tie break.
fn merge2<T: TieBreak>(
    (at, ai): (&[SimTime], &[u32]),
    (bt, bi): (&[SimTime], &[u32]),
    out: &mut Column,
    tb: &mut T,
) -> Result<(), Stop> {
    use std::hint::select_unpredictable as select;
    out.t.reserve(at.len() + bt.len());
    out.id.reserve(at.len() + bt.len());
    let (mut i, mut j) = (0, 0);
    while i < at.len() && j < bt.len() {
        let (x, y) = (at[i], bt[j]);
        let b_first = if x != y {
            y < x
        } else {
            tb.b_first(ai[i], bi[j])?
        };
        out.push(select(b_first, y, x), select(b_first, bi[j], ai[i]));
        i += usize::from(!b_first);
        j += usize::from(b_first);
    }
    out.t.extend_from_slice(&at[i..]);
    out.id.extend_from_slice(&ai[i..]);
    out.t.extend_from_slice(&bt[j..]);
    out.id.extend_from_slice(&bi[j..]);
    Ok(())
}

/// Merge the streams of `runs` into one, in `runs.col` (one stream left), by rounds of
/// pairwise merges through `spare`. A tie between two streams always meets in some pairwise
/// merge (both are at the heads of its inputs when the first of them is due), so every tie is
/// found.
pub(super) fn merge<T: TieBreak>(
    runs: &mut Runs,
    spare: &mut Runs,
    tb: &mut T,
) -> Result<(), Stop> {
    while runs.ends.len() > 1 {
        spare.clear();
        let mut start = 0;
        for pair in runs.ends.chunks(2) {
            let a = start..pair[0];
            let c = &runs.col;
            match pair {
                [_, end] => {
                    let b = pair[0]..*end;
                    merge2(
                        (&c.t[a.clone()], &c.id[a]),
                        (&c.t[b.clone()], &c.id[b]),
                        &mut spare.col,
                        tb,
                    )?;
                    start = *end;
                }
                _ => {
                    spare.col.t.extend_from_slice(&c.t[a.clone()]);
                    spare.col.id.extend_from_slice(&c.id[a]);
                    start = pair[0];
                }
            }
            spare.close();
        }
        std::mem::swap(runs, spare);
    }
    Ok(())
}

/// Order `v` stably by time into `out` (so equal times keep `v`'s order, the order the
/// releases were drawn in: the engine's). Holds are drawn per packet, so release times spread
/// about evenly: a counting pass puts them into about one time bucket per entry, in bucket
/// order, and an insertion pass then only has the few sharing a bucket to move.
pub(super) fn sort_by_time(v: &Column, out: &mut Column, buckets: &mut Vec<u32>) {
    out.clear();
    out.t.extend_from_slice(&v.t);
    out.id.extend_from_slice(&v.id);
    let n = v.len();
    if n >= 64 {
        let (lo, hi) =
            v.t.iter()
                .fold((SimTime::MAX, 0), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        // Monotone in time, so bucket order never contradicts time order. Through i64, whose
        // conversions to and from f64 are single instructions (u64's are a dozen).
        let scale = n as f64 / ((hi - lo) as i64 as f64 + 1.0);
        let bucket = |t: SimTime| (((t - lo) as i64 as f64 * scale) as i64 as usize).min(n - 1);
        buckets.clear();
        buckets.resize(2 * n, 0);
        let (starts, of) = buckets.split_at_mut(n);
        for (b, &t) in of.iter_mut().zip(&v.t) {
            *b = bucket(t) as u32;
            starts[*b as usize] += 1;
        }
        let mut sum = 0;
        for s in starts.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for (k, &b) in of.iter().enumerate() {
            let at = starts[b as usize] as usize;
            out.t[at] = v.t[k];
            out.id[at] = v.id[k];
            starts[b as usize] += 1;
        }
    }
    for i in 1..n {
        let (t, id) = (out.t[i], out.id[i]);
        let mut j = i;
        while j > 0 && out.t[j - 1] > t {
            out.t[j] = out.t[j - 1];
            out.id[j] = out.id[j - 1];
            j -= 1;
        }
        out.t[j] = t;
        out.id[j] = id;
    }
}

#[cfg(test)]
mod tests {
    use super::super::ties::{Ancestry, NoHistory, DEPTH};
    use super::*;

    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    fn column(v: &[(SimTime, u32)]) -> Column {
        let mut c = Column::default();
        for &(t, id) in v {
            c.push(t, id);
        }
        c
    }

    /// The merge tree gives a sort of all streams by time when no two streams share a time, and
    /// finds a shared time whatever the number of streams and wherever it lies.
    #[test]
    fn merges_sort_and_find_every_tie() {
        let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
        for k in [1, 2, 3, 4, 5, 8, 17] {
            // Distinct times: stream r holds times = r (mod k).
            let mut runs = Runs::default();
            let mut all = Vec::new();
            for r in 0..k {
                let mut t = r as u64;
                for _ in 0..50 {
                    t += k as u64 * (1 + rand() % 5);
                    let id = all.len() as u32;
                    runs.col.push(t, id);
                    all.push((t, id));
                }
                runs.close();
            }
            all.sort_unstable();
            let mut spare = Runs::default();
            merge(&mut runs, &mut spare, &mut NoHistory).expect("no tie");
            let got: Vec<_> = runs
                .col
                .t
                .iter()
                .copied()
                .zip(runs.col.id.clone())
                .collect();
            assert_eq!(got, all, "k {k}");
            // One shared time between the last two streams (or none with one stream).
            if k < 2 {
                continue;
            }
            let mut runs = Runs::default();
            for r in 0..k {
                for i in 0..20u64 {
                    let shared = r + 2 >= k && i == 7;
                    let t = if shared {
                        1_000_000
                    } else {
                        10 * i * k as u64 + r as u64
                    };
                    runs.col.push(t + i * 1_000_000 * shared as u64, 0);
                }
                runs.close();
            }
            let mut spare = Runs::default();
            assert_eq!(
                merge(&mut runs, &mut spare, &mut NoHistory),
                Err(Stop::Tie),
                "k {k}"
            );
        }
        // Equal times within one stream are no tie, and keep their order.
        let mut runs = Runs {
            col: column(&[(5, 1), (5, 2), (9, 3)]),
            ends: Vec::new(),
        };
        runs.close();
        runs.col.push(7, 4);
        runs.close();
        merge(&mut runs, &mut Runs::default(), &mut NoHistory).expect("no tie");
        assert_eq!(runs.col.id, vec![1, 2, 4, 3]);
    }

    /// The release sort is a stable sort by time: spread, clustered, equal and far outliers,
    /// around the 64-entry cut-over.
    #[test]
    fn releases_sort_stably_by_time() {
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        let (mut out, mut buckets) = (Column::default(), Vec::new());
        for (n, spread) in [
            (10, 1000),
            (63, 50),
            (64, 1),
            (500, 1_000_000),
            (5000, 20),
            (3000, 0),
        ] {
            let v: Vec<(SimTime, u32)> = (0..n)
                .map(|i| {
                    let far = rand().is_multiple_of(97) as u64 * (rand() >> 20);
                    (1_000 + rand() % (spread + 1) + far, i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|&(t, _)| t);
            sort_by_time(&column(&v), &mut out, &mut buckets);
            assert_eq!(out.id, want.iter().map(|x| x.1).collect::<Vec<_>>());
        }
    }

    /// With an ancestry, the merge tree gives what a stable sort by the engine's order gives,
    /// whatever the number of streams: sources emitting at times that often coincide (each
    /// source's emissions one stream). Two streams in lockstep beyond the history are ambiguous.
    #[test]
    fn merges_order_ties_by_ancestry() {
        let mut rand = xorshift(0x1234_5678_9abc_def1);
        for (k, len, spread) in [
            (2, 50, 8),
            (3, 200, 8),
            (4, 100, 10),
            (5, 100, 10),
            (17, 30, 20),
        ] {
            let mut anc = Ancestry::<DEPTH>::new((0..k as u64).rev());
            let mut runs = Runs::default();
            let mut all = Vec::new();
            for src in 0..k {
                let mut t = 0;
                for _ in 0..len {
                    t += 1 + rand() % spread;
                    let id = all.len() as u32;
                    anc.emitted(src, id, t);
                    runs.col.push(t, id);
                    all.push((t, id));
                }
                runs.close();
            }
            all.sort_by(|x, y| {
                let by_ancestry = || anc.order_of(x.1, y.1).expect("decided");
                x.0.cmp(&y.0).then_with(|| {
                    if x.1 == y.1 {
                        std::cmp::Ordering::Equal
                    } else {
                        by_ancestry()
                    }
                })
            });
            merge(&mut runs, &mut Runs::default(), &mut anc).expect("decided");
            let want: Vec<u32> = all.iter().map(|x| x.1).collect();
            assert_eq!(runs.col.id, want, "k {k}");
            assert!(anc.ties > 0, "k {k}: ties exercised");
        }
        let mut anc = Ancestry::<DEPTH>::new(0..2);
        let mut runs = Runs::default();
        for src in 0..2 {
            for i in 0..20u32 {
                anc.emitted(src, 2 * i + src as u32, i as u64);
                runs.col.push(i as u64, 2 * i + src as u32);
            }
            runs.close();
        }
        assert_eq!(
            merge(&mut runs, &mut Runs::default(), &mut anc),
            Err(Stop::Ambiguous)
        );
    }
}
