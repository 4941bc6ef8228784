//! Taps: what an observer on a link sees.
//!
//! Every link has a tap. It watches three points of the link: `enqueue` (a packet reaches the
//! link's sending side), `depart` (its transmission ends: the paper's Y, after the M/D/1 stage)
//! and `arrive` (it reaches the far end). At each point it bins packet counts per sampling
//! interval, from the end of the warm-up on, and may also keep a trace of (time, size) records.
//! Only the points somebody watches (an attack, `mixsim trace --tap`) are counted: an unwatched
//! point holds no count series at all, so a large network whose attack reads a few links costs
//! memory for those links only.
//! The flow label of each traced packet is kept apart, in [`GroundTruth`], which attacks never
//! receive: they get a [`TapView`].

use super::FlowId;
use crate::engine::SimTime;

/// The point of a link a record refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TapPoint {
    Enqueue = 0,
    Depart = 1,
    Arrive = 2,
}

impl TapPoint {
    pub const ALL: [TapPoint; 3] = [TapPoint::Enqueue, TapPoint::Depart, TapPoint::Arrive];

    pub fn name(self) -> &'static str {
        match self {
            TapPoint::Enqueue => "enqueue",
            TapPoint::Depart => "depart",
            TapPoint::Arrive => "arrive",
        }
    }

    pub fn parse(s: &str) -> Option<TapPoint> {
        TapPoint::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// One observed packet: when it passed the point and its size. No flow label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapRecord {
    pub time: SimTime,
    pub size: u32,
}

/// How a tap bins and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapConfig {
    /// Which points ([`TapPoint`] order) are watched; the others record nothing.
    pub points: [bool; 3],
    /// Counting starts here (end of warm-up).
    pub start: SimTime,
    /// Sampling interval T.
    pub interval: SimTime,
    /// Number of intervals counted.
    pub bins: usize,
    /// Keep a trace of every record (for `mixsim trace`, watermark detection).
    pub trace: bool,
}

/// The labels of traced packets, parallel to the traces. For scoring only.
///
/// A label is the packet's flow id. Sender-cover dummies carry their cover flow's id, marked as
/// cover in the topology ([`FlowSpec::cover`](super::topology::FlowSpec::cover),
/// [`Topology::cover_of`](super::topology::Topology::cover_of)); link padding's dummies carry
/// [`DUMMY_FLOW`](super::link::DUMMY_FLOW), which is no flow.
#[derive(Debug, Clone, Default)]
pub struct GroundTruth {
    pub flows: [Vec<FlowId>; 3],
}

/// A tap on one link.
#[derive(Debug, Clone)]
pub struct Tap {
    config: TapConfig,
    end: SimTime,
    counts: [Vec<u32>; 3],
    /// Per point, the bin last counted into and its [start, end): records at a point come
    /// almost always in time order, so this avoids a division per record.
    cursor: [(usize, SimTime, SimTime); 3],
    traces: [Vec<TapRecord>; 3],
    truth: GroundTruth,
}

/// The vectors of finished taps, kept for the next trial's taps to count and trace into
/// ([`Tap::reusing`], [`Tap::recycle`]): a worker running trial after trial then asks the
/// allocator (and the kernel) for no fresh memory.
#[derive(Debug, Default)]
pub struct TapBuffers {
    counts: Vec<Vec<u32>>,
    traces: Vec<Vec<TapRecord>>,
    flows: Vec<Vec<FlowId>>,
}

/// An empty vector from `pool` (or a new one).
fn take_empty<T>(pool: &mut Vec<Vec<T>>) -> Vec<T> {
    let mut v = pool.pop().unwrap_or_default();
    v.clear();
    v
}

/// Put `v` in `pool` if it holds memory.
fn keep<T>(pool: &mut Vec<Vec<T>>, v: Vec<T>) {
    if v.capacity() > 0 {
        pool.push(v);
    }
}

impl Tap {
    pub fn new(config: TapConfig) -> Self {
        Self::reusing(config, &mut TapBuffers::default())
    }

    /// [`Tap::new`], counting and tracing into vectors from `bufs` where it has them.
    pub fn reusing(config: TapConfig, bufs: &mut TapBuffers) -> Self {
        let end = config.start + config.interval * config.bins as SimTime;
        let counts = std::array::from_fn(|p| match config.points[p] {
            true => {
                let mut c = take_empty(&mut bufs.counts);
                c.resize(config.bins, 0);
                c
            }
            false => Vec::new(),
        });
        let (traces, truth) = match config.trace {
            true => (
                std::array::from_fn(|_| take_empty(&mut bufs.traces)),
                GroundTruth {
                    flows: std::array::from_fn(|_| take_empty(&mut bufs.flows)),
                },
            ),
            false => Default::default(),
        };
        Tap {
            config,
            end,
            counts,
            cursor: [(0, 0, 0); 3],
            traces,
            truth,
        }
    }

    /// Give this tap's vectors back to `bufs` for the next trial's taps. They go back in the
    /// reverse of the order [`Tap::reusing`] takes them, so that taps recycled in reverse and
    /// rebuilt in order get their own vectors back (a trace vector keeps its own link's
    /// capacity instead of growing to the largest trace's).
    pub fn recycle(self, bufs: &mut TapBuffers) {
        let [c0, c1, c2] = self.counts;
        let [t0, t1, t2] = self.traces;
        let [f0, f1, f2] = self.truth.flows;
        for (c, (t, f)) in [(c2, (t2, f2)), (c1, (t1, f1)), (c0, (t0, f0))] {
            keep(&mut bufs.counts, c);
            keep(&mut bufs.traces, t);
            keep(&mut bufs.flows, f);
        }
    }

    /// Record a packet of `flow` passing `point` at `time`. Times may lie beyond the current
    /// simulation clock (a link knows when a packet will depart as it enqueues it); records past
    /// the trial's horizon are cut by [`Tap::finish`].
    #[inline(always)]
    pub fn record(&mut self, point: TapPoint, time: SimTime, size: u32, flow: FlowId) {
        let p = point as usize;
        if !self.config.points[p] {
            return;
        }
        let (bin, lo, hi) = self.cursor[p];
        if time >= lo && time < hi {
            self.counts[p][bin] += 1;
        } else if time >= self.config.start && time < self.end {
            let bin = ((time - self.config.start) / self.config.interval) as usize;
            self.counts[p][bin] += 1;
            let lo = self.config.start + bin as SimTime * self.config.interval;
            self.cursor[p] = (bin, lo, lo + self.config.interval);
        }
        if self.config.trace {
            self.traces[point as usize].push(TapRecord { time, size });
            self.truth.flows[point as usize].push(flow);
        }
    }

    /// Drop trace records at or after `horizon` (they had not happened when the trial ended) and
    /// sort traces by time (jitter that does not preserve order can shuffle `arrive`).
    pub fn finish(&mut self, horizon: SimTime) {
        for p in 0..3 {
            if self.traces[p].is_sorted_by_key(|r| r.time) {
                // The common case, in place: sorted already, so the records to drop are a tail.
                let keep = self.traces[p].partition_point(|r| r.time < horizon);
                self.traces[p].truncate(keep);
                self.truth.flows[p].truncate(keep);
                continue;
            }
            let mut pairs: Vec<(TapRecord, FlowId)> = self.traces[p]
                .iter()
                .copied()
                .zip(self.truth.flows[p].iter().copied())
                .filter(|(r, _)| r.time < horizon)
                .collect();
            pairs.sort_by_key(|(r, _)| r.time);
            self.traces[p] = pairs.iter().map(|(r, _)| *r).collect();
            self.truth.flows[p] = pairs.iter().map(|(_, f)| *f).collect();
        }
    }

    /// What an attacker may see.
    pub fn view(&self) -> TapView<'_> {
        TapView { tap: self }
    }

    /// The hidden labels, for the scorer.
    pub fn ground_truth(&self) -> &GroundTruth {
        &self.truth
    }
}

/// An attacker's view of a tap: counts and traces, no labels.
#[derive(Clone, Copy)]
pub struct TapView<'a> {
    tap: &'a Tap,
}

impl<'a> TapView<'a> {
    /// Packets per sampling interval at `point`, from the end of the warm-up (empty if the
    /// point is not watched).
    pub fn counts(&self, point: TapPoint) -> &'a [u32] {
        &self.tap.counts[point as usize]
    }

    /// Every packet seen at `point`, in time order (empty unless tracing was enabled).
    pub fn trace(&self, point: TapPoint) -> &'a [TapRecord] {
        &self.tap.traces[point as usize]
    }

    pub fn interval(&self) -> SimTime {
        self.tap.config.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_from_warmup_and_cuts_horizon() {
        let mut tap = Tap::new(TapConfig {
            points: [false, true, false],
            start: 100,
            interval: 10,
            bins: 3,
            trace: true,
        });
        tap.record(TapPoint::Enqueue, 105, 1, 7);
        for t in [50, 100, 109, 110, 125, 129, 130, 500] {
            tap.record(TapPoint::Depart, t, 1, 7);
        }
        assert_eq!(tap.view().counts(TapPoint::Depart), &[2, 1, 2]);
        assert_eq!(
            tap.view().counts(TapPoint::Enqueue),
            &[] as &[u32],
            "an unwatched point holds no series"
        );
        tap.finish(130);
        assert_eq!(tap.view().trace(TapPoint::Depart).len(), 6);
        assert_eq!(tap.ground_truth().flows[1], vec![7; 6]);
    }

    #[test]
    fn a_tap_on_recycled_vectors_starts_empty() {
        let config = TapConfig {
            points: [true, false, true],
            start: 0,
            interval: 10,
            bins: 4,
            trace: true,
        };
        let mut bufs = TapBuffers::default();
        let mut old = Tap::reusing(config, &mut bufs);
        for t in [1, 15, 25, 39, 41] {
            old.record(TapPoint::Enqueue, t, 3, 1);
            old.record(TapPoint::Arrive, t, 3, 1);
        }
        old.recycle(&mut bufs);
        let fresh = Tap::new(TapConfig { bins: 6, ..config });
        let reused = Tap::reusing(TapConfig { bins: 6, ..config }, &mut bufs);
        for p in TapPoint::ALL {
            assert_eq!(reused.view().counts(p), fresh.view().counts(p));
            assert!(reused.view().trace(p).is_empty());
        }
        assert_eq!(reused.view().counts(TapPoint::Arrive), &[0; 6]);
        assert!(reused.traces[0].capacity() > 0, "the vectors were reused");
    }
}
