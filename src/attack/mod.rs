//! Attacks: what an adversary computes from what taps recorded.
//!
//! An attack is a value implementing [`Attack`]. It says what it wants to observe ([`Needs`]:
//! count series and/or timestamp+size traces at chosen points of chosen links), receives an
//! [`Observation`] holding exactly that, and returns a [`Verdict`]. The observation carries no
//! flow labels and no way to reach them: the ground truth (which link the target really takes,
//! which flows are watermarked) stays with the experiment, which scores the verdict.
//!
//! Verdict kinds:
//! - *identification*: among candidates (say the output links of a mix), which one carries the
//!   target; the chosen candidate (or none, for a tie), every candidate's score and optionally a
//!   probability per candidate, once per sample size N (scored on prefixes of the same series);
//! - *detection*: for each subject the attack examines (say a flow at a tap), marked or not, with
//!   a score and optionally a count such as "12 of 32 intervals detected".
//!
//! New kinds are added to [`Verdict`] (it is `#[non_exhaustive]`).
//!
//! Adding an attack: implement [`Attack`] in one file (see `examples/count_ratio.rs`); to make
//! it a `kind` of the `[[attack]]` table, register it where the experiment builds attacks from a
//! scenario. This module imports only the engine (for [`SimTime`]): never the network, the
//! scenario or the experiment.

pub mod correlation;
pub mod exact;
pub mod likelihood;
pub mod message;
pub mod mfa;
pub mod mi;
pub mod path;
pub mod watermark;

use crate::engine::SimTime;

/// A point of a link where its tap watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Point {
    /// A packet reaches the link's sending side.
    Enqueue,
    /// Its transmission ends (after the output queue).
    Depart,
    /// It reaches the far end (after propagation, jitter and loss).
    Arrive,
}

/// One place the adversary watches: a point of a link, the link given by its index in the
/// scenario's links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Watch {
    pub link: usize,
    pub point: Point,
}

/// What an attack observes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs {
    /// Count series are packets per `interval`, over `bins` intervals from the end of the
    /// warm-up.
    pub interval: SimTime,
    pub bins: usize,
    /// Where count series are wanted.
    pub counts: Vec<Watch>,
    /// Where (time, size) traces of every packet are wanted.
    pub traces: Vec<Watch>,
}

/// One packet seen at a watched point: when, and how big. No label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub time: SimTime,
    pub size: u32,
}

/// What the adversary holds after one trial: the count series and traces its [`Needs`] asked
/// for, and nothing else.
#[derive(Debug, Clone, Default)]
pub struct Observation<'a> {
    interval: SimTime,
    window: (SimTime, SimTime),
    counts: Vec<(Watch, &'a [u32])>,
    traces: Vec<(Watch, std::borrow::Cow<'a, [Packet]>)>,
    memo: Option<&'a TrialMemo>,
}

/// Scores the attacks of one trial share: what one attack computed on the trial's data and
/// another asks for again. The hop-by-hop walk's reports (one attack per hop) all walk from the
/// first mix, so the report at hop k would score hops 1..k again; with a memo each mix is
/// scored once per trial and walk. Valid for one trial only: the runner makes one per trial.
#[derive(Debug, Default)]
pub struct TrialMemo {
    walks: std::cell::RefCell<WalkScores>,
}

/// Per walk (its address) and walked prefix of mixes, the scorer's identifications.
type WalkScores = std::collections::HashMap<(usize, Vec<usize>), Vec<Identification>>;

impl TrialMemo {
    /// What `walk` stored for `prefix` in this trial.
    pub(crate) fn walk(&self, walk: usize, prefix: &[usize]) -> Option<Vec<Identification>> {
        self.walks.borrow().get(&(walk, prefix.to_vec())).cloned()
    }

    pub(crate) fn store_walk(&self, walk: usize, prefix: &[usize], ids: &[Identification]) {
        self.walks
            .borrow_mut()
            .insert((walk, prefix.to_vec()), ids.to_vec());
    }
}

impl<'a> Observation<'a> {
    /// An observation over the time window `[start, end)` (counting starts at `start`) with
    /// count series of `interval`.
    pub fn new(interval: SimTime, window: (SimTime, SimTime)) -> Self {
        Observation {
            interval,
            window,
            counts: Vec::new(),
            traces: Vec::new(),
            memo: None,
        }
    }

    /// Share `memo` with the trial's other observations (see [`TrialMemo`]).
    pub fn share(&mut self, memo: &'a TrialMemo) {
        self.memo = Some(memo);
    }

    /// The trial's memo, if the runner shares one.
    pub fn memo(&self) -> Option<&'a TrialMemo> {
        self.memo
    }

    /// Add the count series seen at `watch`.
    pub fn add_counts(&mut self, watch: Watch, counts: &'a [u32]) {
        self.counts.push((watch, counts));
    }

    /// Add the trace seen at `watch` (in time order).
    pub fn add_trace(&mut self, watch: Watch, trace: Vec<Packet>) {
        self.traces.push((watch, trace.into()));
    }

    /// Add the trace seen at `watch` (in time order), borrowed: several attacks can read one
    /// copy.
    pub fn add_trace_ref(&mut self, watch: Watch, trace: &'a [Packet]) {
        self.traces.push((watch, trace.into()));
    }

    /// The count series at `watch`.
    ///
    /// # Panics
    /// If the attack's [`Needs`] did not ask for it (a bug in the attack).
    pub fn counts(&self, watch: Watch) -> &'a [u32] {
        self.counts
            .iter()
            .find(|(w, _)| *w == watch)
            .map(|(_, c)| *c)
            .unwrap_or_else(|| panic!("count series at {watch:?} not in the attack's needs"))
    }

    /// The trace at `watch`, in time order.
    ///
    /// # Panics
    /// If the attack's [`Needs`] did not ask for it (a bug in the attack).
    pub fn trace(&self, watch: Watch) -> &[Packet] {
        self.traces
            .iter()
            .find(|(w, _)| *w == watch)
            .map(|(_, t)| &t[..])
            .unwrap_or_else(|| panic!("trace at {watch:?} not in the attack's needs"))
    }

    /// The sampling interval of the count series.
    pub fn interval(&self) -> SimTime {
        self.interval
    }

    /// The observed time window: from the end of the warm-up to the end of the trial.
    pub fn window(&self) -> (SimTime, SimTime) {
        self.window
    }
}

/// An identification at one sample size.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    pub sample_size: usize,
    /// The candidate named (index into the attack's candidates), `None` for a tie at the top.
    pub chosen: Option<usize>,
    /// Every candidate's score (larger = more likely).
    pub scores: Vec<f64>,
    /// A probability per candidate, for attacks that yield one.
    pub probabilities: Option<Vec<f64>>,
}

/// A count such as "12 of 32 mark intervals detected".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    pub hits: u32,
    pub out_of: u32,
}

/// A detection on one subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Called marked (watermarked).
    pub marked: bool,
    pub score: f64,
    pub detail: Option<Hits>,
}

/// What an attack concludes from one trial.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    /// One per sample size, ascending.
    Identification(Vec<Identification>),
    /// One per subject the attack examines, in its own order.
    Detection(Vec<Detection>),
}

/// An attack: what it observes and what it concludes.
pub trait Attack: Send + Sync {
    /// The label of its rows in reports (the correlation attack: its estimator).
    fn name(&self) -> String;
    /// What it observes.
    fn needs(&self) -> Needs;
    /// Its verdict on one trial's observation.
    fn observe(&self, obs: &Observation<'_>) -> Verdict;
}

/// Index of the strictly largest score, `None` on a tie for the top, no scores, or a NaN
/// score (a NaN compares with nothing, so it could otherwise never be beaten).
///
/// Float `==` decides ties here, so the scores must come from computations that give equal
/// floats for equal values: [`exact`] says how the count-based scores do.
pub fn argmax_strict(scores: &[f64]) -> Option<usize> {
    if scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut best: Option<usize> = None;
    let mut tie = false;
    for (i, &s) in scores.iter().enumerate() {
        match best {
            None => best = Some(i),
            Some(b) if s > scores[b] => {
                best = Some(i);
                tie = false;
            }
            Some(b) if s == scores[b] => tie = true,
            _ => {}
        }
    }
    if tie {
        None
    } else {
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observation_gives_what_was_added() {
        let w = Watch {
            link: 2,
            point: Point::Depart,
        };
        let counts = [1, 2, 3];
        let mut o = Observation::new(10, (100, 200));
        o.add_counts(w, &counts);
        o.add_trace(w, vec![Packet { time: 5, size: 7 }]);
        assert_eq!(o.counts(w), &[1, 2, 3]);
        assert_eq!(o.trace(w)[0].size, 7);
        let borrowed = [Packet { time: 9, size: 4 }];
        let v = Watch {
            link: 3,
            point: Point::Arrive,
        };
        o.add_trace_ref(v, &borrowed);
        assert_eq!(o.trace(v), &borrowed);
        assert_eq!((o.interval(), o.window()), (10, (100, 200)));
    }

    #[test]
    fn argmax_is_strict_and_refuses_nan() {
        assert_eq!(argmax_strict(&[1.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax_strict(&[3.0, 1.0, 3.0]), None);
        assert_eq!(argmax_strict(&[]), None);
        assert_eq!(argmax_strict(&[f64::NAN, 1.0]), None);
        assert_eq!(argmax_strict(&[1.0, f64::NAN]), None);
    }

    #[test]
    #[should_panic(expected = "not in the attack's needs")]
    fn undeclared_watch_is_a_bug() {
        let o = Observation::new(10, (0, 1));
        o.counts(Watch {
            link: 0,
            point: Point::Arrive,
        });
    }
}
