//! Which executor runs a trial: the columnar executor, then the event engine, each giving the
//! event engine's bytes.
//!
//! A feed-forward network ([`plan`](super::plan::plan)) runs on the columnar executor, first
//! without history ([`Ties::Detect`]). A trial in which it meets simultaneous events from
//! different streams ([`Stop::Tie`]) is run anew carrying a short history of each packet's
//! events ([`Ties::Short`]); one whose ties that leaves open ([`Stop::Ambiguous`]) is run anew with
//! the full history ([`Ties::Ancestry`]); a trial that even that cannot order, and every
//! network with feedback, runs on the event engine.

use super::columnar::{self, Ties};
use super::network::{Network, TapSetup, TrialBuffers};
use super::plan::{self, Executor};
use super::ties::Stop;
use super::topology::Topology;
use crate::engine::ReplaceTopQueue;

/// Run a network from `fresh` on the columnar executor. `fresh` is handed the spent network of
/// a run given up (to drop or recycle) and returns a new one of the same trial. When the trial
/// cannot be finished there, the last network (unrun or spent) comes back for the caller to
/// drop or recycle before it runs the trial on the event engine.
/// Returns the network and, if the columnar executor finished the trial, its event count.
fn feed_forward(mut fresh: impl FnMut(Option<Network>) -> Network) -> (Network, Option<u64>) {
    let mut net = fresh(None);
    let Ok(plan) = plan::plan(&net) else {
        return (net, None);
    };
    match columnar::run(&mut net, &plan, Ties::Detect) {
        Ok(stats) => return (net, Some(stats.events)),
        Err(Stop::Tie) => {}
        Err(_) => return (net, None),
    }
    net = fresh(Some(net));
    match columnar::run(&mut net, &plan, Ties::Short) {
        Ok(stats) => return (net, Some(stats.events)),
        Err(Stop::Ambiguous) => {}
        Err(_) => return (net, None),
    }
    net = fresh(Some(net));
    let events = columnar::run(&mut net, &plan, Ties::Ancestry)
        .ok()
        .map(|s| s.events);
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
