//! Progress of a run, an export or a sweep, as events handed to one callback.
//!
//! The library only reports what it is doing; whoever runs it shows it (the command line draws
//! a bar on a terminal and writes plain lines elsewhere; a script may log or ignore it). The
//! callback is called from the worker threads, so it must be cheap and `Sync`; it never changes
//! a result.

use std::sync::Arc;

/// What a run, an export or a sweep reports as it goes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// Trials are about to run: `trials` of them in all (a sweep: those of the units still
    /// missing), and for a sweep what it resumes.
    Started {
        trials: u64,
        sweep: Option<SweepStart>,
    },
    /// A sweep's unit (a chunk of trials of one point) starts.
    UnitStarted { point: usize, at: SweepAt },
    /// One trial finished (reported from any worker thread).
    Trial,
    /// A sweep's unit finished; `point_finished` when it was its point's last.
    UnitFinished { point_finished: bool, at: SweepAt },
    /// Every trial finished.
    Finished,
}

/// A sweep (or one shard of it) as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepStart {
    /// The sweep's name.
    pub name: String,
    /// Points of this shard, and of them those with units still to run.
    pub points: usize,
    pub points_left: usize,
    /// Units (chunks of trials) of this shard, and of them those already recorded.
    pub units: usize,
    pub resumed: usize,
}

/// Where a sweep stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAt {
    /// The point being run, in words (its varied values).
    pub label: String,
    /// Points of this shard finished, of `points`.
    pub points_done: usize,
    pub points: usize,
    /// Share of this run's expected work done (by the units' expected costs), 0 to 1.
    pub work_done: f64,
}

/// A progress callback, shared by the worker threads.
type Callback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The callback progress goes to; none by default.
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Callback>);

impl ProgressSink {
    /// Progress to `f`.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        ProgressSink(Some(Arc::new(f)))
    }

    /// No progress.
    pub fn none() -> Self {
        ProgressSink(None)
    }

    /// Hand `p` to the callback, if there is one.
    pub fn report(&self, p: &Progress) {
        if let Some(f) = &self.0 {
            f(p);
        }
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "ProgressSink(callback)",
            None => "ProgressSink(none)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn events_reach_the_callback_and_none_is_silent() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let sink = ProgressSink::new(move |p| log.lock().unwrap().push(p.clone()));
        sink.report(&Progress::Trial);
        sink.report(&Progress::Finished);
        assert_eq!(*seen.lock().unwrap(), [Progress::Trial, Progress::Finished]);
        ProgressSink::none().report(&Progress::Trial);
        assert_eq!(format!("{:?}", ProgressSink::none()), "ProgressSink(none)");
    }
}
