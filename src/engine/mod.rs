//! The discrete-event engine: simulated time, an event queue and random streams.
//!
//! The engine knows nothing about mixes, links or attacks. It stores opaque payloads `P` with
//! the time they are due and hands them back in order. Ties in time are broken by insertion
//! sequence, so a run is bit-for-bit reproducible:
//!
//! ```
//! use mixsim::engine::{Engine, time};
//! let mut engine: Engine<&str> = Engine::new();
//! engine.schedule(2 * time::MS, "second");
//! engine.schedule(time::MS, "first");
//! engine.schedule(2 * time::MS, "third"); // same time as "second": inserted later, runs later
//! let mut seen = Vec::new();
//! while let Some(ev) = engine.step() {
//!     seen.push(ev);
//! }
//! assert_eq!(seen, ["first", "second", "third"]);
//! assert_eq!(engine.now(), 2 * time::MS);
//! ```
//!
//! The caller owns dispatch: `step` returns the next payload and advances the clock, and the
//! caller's handler schedules follow-up events with [`Engine::schedule`]. This keeps the engine
//! generic and the hot loop free of dynamic dispatch.

pub mod queue;
pub mod rng;
pub mod seed;

pub use queue::{
    BinaryHeapQueue, EventQueue, PriorityQueueCrate, QuaternaryHeapQueue, ReplaceTopQueue,
    Scheduled,
};
pub use rng::{stream, SimRng};

/// Simulated time in integer nanoseconds since the start of a trial.
pub type SimTime = u64;

/// Time constants in nanoseconds.
pub mod time {
    use super::SimTime;
    pub const NS: SimTime = 1;
    pub const US: SimTime = 1_000;
    pub const MS: SimTime = 1_000_000;
    pub const S: SimTime = 1_000_000_000;

    /// Seconds (f64) to nanoseconds, rounded to the nearest nanosecond.
    #[inline]
    pub fn from_secs_f64(s: f64) -> SimTime {
        (s * S as f64).round() as SimTime
    }

    /// A non-negative nanosecond count (f64) to time, rounded half up. Cheaper than
    /// `f64::round`, which is a library call on baseline x86-64; used on per-packet paths.
    #[inline]
    pub fn from_ns_f64(ns: f64) -> SimTime {
        (ns + 0.5) as SimTime
    }

    /// Nanoseconds to seconds (f64).
    #[inline]
    pub fn to_secs_f64(t: SimTime) -> f64 {
        t as f64 / S as f64
    }

    /// A nanosecond count held as f64 (a mean hold, say) to seconds.
    #[inline]
    pub fn ns_f64_to_secs(ns: f64) -> f64 {
        ns / S as f64
    }
}

/// An event engine over payloads `P`, backed by queue `Q`.
pub struct Engine<P, Q: EventQueue<P> = ReplaceTopQueue<P>> {
    now: SimTime,
    next_seq: u64,
    processed: u64,
    queue: Q,
    _payload: std::marker::PhantomData<P>,
}

impl<P: Copy> Engine<P, ReplaceTopQueue<P>> {
    /// An empty engine at time zero with the default (fastest measured) queue.
    pub fn new() -> Self {
        Self::with_queue(ReplaceTopQueue::default())
    }
}

impl<P: Copy> Default for Engine<P, ReplaceTopQueue<P>> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P, Q: EventQueue<P>> Engine<P, Q> {
    /// An empty engine at time zero over the given queue.
    pub fn with_queue(queue: Q) -> Self {
        Engine {
            now: 0,
            next_seq: 0,
            processed: 0,
            queue,
            _payload: std::marker::PhantomData,
        }
    }

    /// The current simulated time: the time of the last event stepped.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events stepped so far.
    #[inline]
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Schedule `payload` at absolute time `at`. Scheduling in the past is a logic error in the
    /// caller; it is clamped to `now` so that time never runs backwards.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, payload: P) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let time = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Scheduled { time, seq, payload });
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Pop the next event, advance the clock to its time and return its payload.
    #[inline]
    pub fn step(&mut self) -> Option<P> {
        let ev = self.queue.pop()?;
        self.now = ev.time;
        self.processed += 1;
        Some(ev.payload)
    }

    /// Like [`Engine::step`], but only for an event due at or before `horizon`. When none is,
    /// the clock moves to `horizon` (if later than now) and `None` is returned.
    #[inline]
    pub fn step_until(&mut self, horizon: SimTime) -> Option<P> {
        match self.queue.pop_until(horizon) {
            Some(ev) => {
                self.now = ev.time;
                self.processed += 1;
                Some(ev.payload)
            }
            None => {
                self.now = self.now.max(horizon);
                None
            }
        }
    }
}
