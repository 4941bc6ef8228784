//! Which executor runs a trial: the columnar executor, the stream executor or the event
//! engine, tried in that order, each giving the event engine's bytes.
//!
//! A feed-forward network ([`stream::plan`]) goes to the columnar executor when it can run it
//! ([`columnar::supports`]), else to the stream executor. A trial in which the columnar
//! executor meets simultaneous events from different streams ([`columnar::Tie`]) is run anew on
//! the stream executor, which carries the history that orders them; a trial that one cannot
//! order either ([`stream::Ambiguous`]), and every network with feedback, runs on the event
//! engine.

use super::columnar;
use super::network::{Network, TapSetup, TrialBuffers};
use super::stream::{self, Executor};
use super::topology::Topology;
use crate::engine::ReplaceTopQueue;

/// Run a network from `fresh` on the feed-forward executors. `fresh` is handed the spent
/// network of a run given up (to drop or recycle) and returns a new one of the same trial.
/// When neither executor finishes the trial, the last network (unrun or spent) comes back for
/// the caller to drop or recycle before it runs the trial on the event engine.
/// Returns the network and, if a feed-forward executor finished the trial, its event count.
fn feed_forward(mut fresh: impl FnMut(Option<Network>) -> Network) -> (Network, Option<u64>) {
    let mut net = fresh(None);
    let Ok(plan) = stream::plan(&net) else {
        return (net, None);
    };
    if columnar::supports(&net) {
        if let Ok(stats) = columnar::run(&mut net, &plan) {
            return (net, Some(stats.events));
        }
        net = fresh(Some(net));
    }
    let events = stream::run(&mut net, &plan).ok().map(|s| s.events);
    (net, events)
}

impl Network {
    /// Run a whole trial on the executor `exec` asks for (see the module documentation).
    /// Either way the result is the event engine's, bit for bit.
    pub fn run_on(
        topology: &Topology,
        seed: u64,
        trial: u64,
        taps: TapSetup,
        exec: Executor,
    ) -> (Network, u64) {
        if exec != Executor::Event {
            let (net, done) = feed_forward(|_| Network::new(topology, seed, trial, taps.clone()));
            if let Some(events) = done {
                return (net, events);
            }
        }
        Self::run(topology, seed, trial, taps)
    }

    /// [`Network::run_on`] on the buffers of an earlier trial (see [`Network::reusing`]).
    pub fn run_reusing(
        topology: &Topology,
        seed: u64,
        trial: u64,
        taps: &TapSetup,
        exec: Executor,
        bufs: &mut TrialBuffers,
    ) -> (Network, u64) {
        if exec != Executor::Event {
            let (net, done) = feed_forward(|spent| {
                if let Some(net) = spent {
                    net.recycle(bufs);
                }
                Network::reusing(topology, seed, trial, taps, bufs)
            });
            if let Some(events) = done {
                return (net, events);
            }
            net.recycle(bufs);
        }
        let mut net = Network::reusing(topology, seed, trial, taps, bufs);
        let events = net.simulate(ReplaceTopQueue::default());
        (net, events)
    }
}
