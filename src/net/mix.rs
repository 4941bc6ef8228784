//! Mixes: when does a packet that entered a mix leave it?
//!
//! A [`MixStrategy`] is the mix's rule and its parameters; a [`Mix`] is one running mix, with
//! the packets it holds and its own random stream. Executors (the event engine, a stream
//! executor) drive a `Mix` through three calls, in non-decreasing time:
//!
//! - [`Mix::arrive`]: a packet, named by an opaque handle of the caller's, enters at `now`. The
//!   mix first performs any flush that was due at or before `now`, then either answers with the
//!   packet's own release time ([`Arrival::Release`]: per-packet strategies) or holds it
//!   ([`Arrival::Held`]); a threshold reached by this arrival flushes at once.
//! - [`Mix::next_timer`]: when the mix next needs to be woken for a timed flush, if ever.
//! - [`Mix::advance`]: perform the flush due at or before `now`, if any (a no-op otherwise).
//!
//! Flush releases go to an output buffer as [`Release`]s, all at the flush time, in the mix's
//! [`BatchOrder`]: shuffled (the default, as Chaum's mix and Mixmaster send a batch) or in the
//! order the packets arrived. Because `arrive` catches up on due flushes before anything else, the
//! outcome does not depend on whether an executor handles a timer at `t` before or after an
//! arrival at `t`. A timed flush at `t` takes the packets that arrived strictly before `t`.
//!
//! The strategies (Diaz and Serjantov, "Generalising Mixes", PET 2003, give the pool and
//! binomial families):
//!
//! | strategy             | rule                                                                       |
//! |----------------------|----------------------------------------------------------------------------|
//! | `exponential`        | each packet held an independent Exp(mean `t_avg`) (stop-and-go mix)        |
//! | `timed`              | every `t_avg` (at k·t_avg, k ≥ 1) everything held leaves                    |
//! | `threshold`          | when `threshold` = n packets are held, all n leave                          |
//! | `threshold-or-timed` | a flush of everything at n held or at every k·t_avg, whichever comes first |
//! | `timed-pool`         | every `t_avg`: if h > f are held, h − f chosen at random leave, f stay      |
//! | `threshold-pool`     | when n + f are held, n chosen at random leave, f = `pool` stay             |
//! | `binomial`           | every `t_avg`: each of the n held leaves independently with prob. P(n)     |
//!
//! The binomial mix's P is the normal CDF of Diaz and Serjantov's example,
//! P(n) = Φ((n − mu)/sigma): a nearly empty mix keeps most packets, a full one sends most.
//!
//! Random draws, from the mix's own stream only, in this order:
//! - exponential: one `Exp1` per arrival, at the arrival;
//! - timed, threshold, threshold-or-timed: none to choose who leaves;
//! - pool mixes: at a flush with h packets in arrival order and h > f, a partial Fisher-Yates
//!   shuffle of their positions: for i in 0..f, j = `random_range(i..h)`, swap i and j; the
//!   packets at positions 0..f stay, the others leave (no draw when h ≤ f);
//! - binomial: at a flush, one `random::<f64>()` per held packet in arrival order; it leaves
//!   iff the draw is below P(n);
//! - then, with [`BatchOrder::Random`], the k ≥ 2 packets that leave in a flush (in arrival
//!   order) are put in random order by `rand`'s `SliceRandom::shuffle` (k − 1 draws).
//!
//! A timed mix in arrival order answers each packet's release time at its arrival (it is a
//! per-packet strategy, [`Mix::is_per_packet`]); in random order it holds its packets and
//! flushes them at its timer like the other timed kinds, to shuffle each batch.

use crate::engine::{time, SimRng, SimTime};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// The order in which a batch mix sends the packets of one flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchOrder {
    /// A uniformly random permutation of the batch, drawn from the mix's own stream.
    #[default]
    Random,
    /// The order the packets arrived in.
    Arrival,
}

impl BatchOrder {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            BatchOrder::Random => "random",
            BatchOrder::Arrival => "arrival",
        }
    }
}

/// A mix's forwarding rule and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MixStrategy {
    /// Continuous-time (stop-and-go) mix: each packet held an independent Exp(mean).
    Exponential { mean_ns: f64 },
    /// Timed mix: everything held is flushed at every multiple of `period`.
    Timed { period: SimTime },
    /// Threshold mix: everything is flushed when `n` packets are held.
    Threshold { n: u32 },
    /// Flush everything when `n` are held or at every multiple of `period`.
    ThresholdOrTimed { n: u32, period: SimTime },
    /// At every multiple of `period`, all but `pool` packets chosen at random leave.
    TimedPool { period: SimTime, pool: u32 },
    /// When `n + pool` are held, `n` chosen at random leave.
    ThresholdPool { n: u32, pool: u32 },
    /// At every multiple of `period`, each held packet leaves with probability
    /// Φ((held − mu)/sigma).
    Binomial {
        period: SimTime,
        mu: f64,
        sigma: f64,
    },
}

impl MixStrategy {
    /// The flush period of the timed kinds.
    pub fn period(&self) -> Option<SimTime> {
        match *self {
            MixStrategy::Timed { period }
            | MixStrategy::ThresholdOrTimed { period, .. }
            | MixStrategy::TimedPool { period, .. }
            | MixStrategy::Binomial { period, .. } => Some(period),
            _ => None,
        }
    }

    /// Whether the mix holds each packet on its own ([`MixStrategy::release_time`] answers):
    /// no batches, no timers.
    pub fn is_per_packet(&self) -> bool {
        matches!(
            self,
            MixStrategy::Exponential { .. } | MixStrategy::Timed { .. }
        )
    }

    /// The name used in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            MixStrategy::Exponential { .. } => "exponential",
            MixStrategy::Timed { .. } => "timed",
            MixStrategy::Threshold { .. } => "threshold",
            MixStrategy::ThresholdOrTimed { .. } => "threshold-or-timed",
            MixStrategy::TimedPool { .. } => "timed-pool",
            MixStrategy::ThresholdPool { .. } => "threshold-pool",
            MixStrategy::Binomial { .. } => "binomial",
        }
    }
}

/// The binomial mix's send probability with n packets held: Φ((n − mu)/sigma).
pub fn binomial_p(n: usize, mu: f64, sigma: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-(n as f64 - mu) / (sigma * std::f64::consts::SQRT_2))
}

/// A packet leaving a mix after a flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The caller's handle, as given to [`Mix::arrive`].
    pub handle: u32,
    /// When it leaves (the flush time).
    pub at: SimTime,
    /// How long it was held.
    pub hold: SimTime,
}

/// What became of an arriving packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// It alone leaves at this time.
    Release(SimTime),
    /// It is held until a flush (which may have happened at once: see the output buffer).
    Held,
}

/// One running mix.
#[derive(Debug, Clone)]
pub struct Mix {
    strategy: MixStrategy,
    order: BatchOrder,
    rng: SimRng,
    /// Held packets in arrival order: (handle, arrival time).
    held: Vec<(u32, SimTime)>,
    /// The next timed flush not yet performed (timed kinds; fixed grid k·period).
    next_flush: SimTime,
    /// Scratch for the pool mixes' shuffle.
    positions: Vec<u32>,
}

impl Mix {
    /// A mix of `strategy` drawing from `rng`, sending its batches in random order.
    pub fn new(strategy: MixStrategy, rng: SimRng) -> Mix {
        Mix {
            strategy,
            order: BatchOrder::Random,
            rng,
            held: Vec::new(),
            next_flush: strategy.period().unwrap_or(0),
            positions: Vec::new(),
        }
    }

    /// The same mix sending its batches in `order`.
    pub fn with_order(mut self, order: BatchOrder) -> Mix {
        self.order = order;
        self
    }

    pub fn strategy(&self) -> &MixStrategy {
        &self.strategy
    }

    /// Whether this mix answers each packet's release time at its arrival
    /// ([`Arrival::Release`]) and never holds a batch: the exponential mix, and the timed mix
    /// in arrival order (a shuffled timed mix holds its batches).
    pub fn is_per_packet(&self) -> bool {
        match self.strategy {
            MixStrategy::Timed { .. } => self.order == BatchOrder::Arrival,
            s => s.is_per_packet(),
        }
    }

    /// Packets held now.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Packet `handle` arrives at `now`. Flushes due by `now` happen first (into `out`).
    #[inline(always)]
    pub fn arrive(&mut self, now: SimTime, handle: u32, out: &mut Vec<Release>) -> Arrival {
        // The exponential mix is most scenarios' hot path: its hold is drawn inline.
        if let MixStrategy::Exponential { mean_ns } = self.strategy {
            return Arrival::Release(exponential_release(now, mean_ns, &mut self.rng));
        }
        self.arrive_other(now, handle, out)
    }

    #[inline(never)]
    fn arrive_other(&mut self, now: SimTime, handle: u32, out: &mut Vec<Release>) -> Arrival {
        if self.is_per_packet() {
            if let Some(t) = self.strategy.release_time(now, &mut self.rng) {
                return Arrival::Release(t);
            }
        }
        match self.strategy {
            MixStrategy::Exponential { .. } => unreachable!("answered by release_time"),
            MixStrategy::Threshold { n } | MixStrategy::ThresholdOrTimed { n, .. } => {
                self.advance(now, out);
                self.held.push((handle, now));
                if self.held.len() >= n as usize {
                    self.flush_all(now, out);
                }
                Arrival::Held
            }
            MixStrategy::ThresholdPool { n, pool } => {
                self.held.push((handle, now));
                if self.held.len() >= (n + pool) as usize {
                    self.flush_pool(now, self.held.len(), pool as usize, out);
                }
                Arrival::Held
            }
            MixStrategy::Timed { .. }
            | MixStrategy::TimedPool { .. }
            | MixStrategy::Binomial { .. } => {
                self.advance(now, out);
                self.held.push((handle, now));
                Arrival::Held
            }
        }
    }

    /// When [`Mix::advance`] next has work: the next timed flush, if anything is held.
    pub fn next_timer(&self) -> Option<SimTime> {
        match self.strategy {
            MixStrategy::Timed { .. }
            | MixStrategy::ThresholdOrTimed { .. }
            | MixStrategy::TimedPool { .. }
            | MixStrategy::Binomial { .. }
                if !self.held.is_empty() =>
            {
                Some(self.next_flush)
            }
            _ => None,
        }
    }

    /// Perform every timed flush due at or before `now`.
    pub fn advance(&mut self, now: SimTime, out: &mut Vec<Release>) {
        let Some(period) = self.strategy.period() else {
            return;
        };
        if self.is_per_packet() {
            return; // release times were given at arrival
        }
        while self.next_flush <= now {
            let t = self.next_flush;
            if self.held.is_empty() {
                // Nothing to flush until the next arrival: jump the grid to the last point <= now.
                self.next_flush = (now / period + 1) * period;
                return;
            }
            // Candidates: packets that arrived strictly before t (all held ones do, since calls
            // come in time order and this flush is due before any arrival at or after t).
            let h = self.held.partition_point(|&(_, a)| a < t);
            match self.strategy {
                MixStrategy::Timed { .. } | MixStrategy::ThresholdOrTimed { .. } => {
                    self.flush_prefix(t, h, out)
                }
                MixStrategy::TimedPool { pool, .. } => self.flush_pool(t, h, pool as usize, out),
                MixStrategy::Binomial { mu, sigma, .. } => {
                    self.flush_binomial(t, h, mu, sigma, out)
                }
                _ => unreachable!("timed kinds only"),
            }
            self.next_flush = t + period;
        }
    }

    /// Everything held leaves at `t`, in the batch order.
    fn flush_all(&mut self, t: SimTime, out: &mut Vec<Release>) {
        let h = self.held.len();
        self.flush_prefix(t, h, out);
    }

    /// The first `h` held packets leave at `t`, in the batch order.
    fn flush_prefix(&mut self, t: SimTime, h: usize, out: &mut Vec<Release>) {
        let start = out.len();
        out.extend(self.held.drain(..h).map(|(handle, a)| Release {
            handle,
            at: t,
            hold: t - a,
        }));
        self.order_batch(&mut out[start..]);
    }

    /// Put the batch just released (in arrival order) in the mix's [`BatchOrder`].
    fn order_batch(&mut self, batch: &mut [Release]) {
        if self.order == BatchOrder::Random && batch.len() >= 2 {
            batch.shuffle(&mut self.rng);
        }
    }

    /// Of the first `h` held packets, `keep` chosen at random stay; the rest leave at `t`.
    fn flush_pool(&mut self, t: SimTime, h: usize, keep: usize, out: &mut Vec<Release>) {
        if h <= keep {
            return;
        }
        self.positions.clear();
        self.positions.extend(0..h as u32);
        for i in 0..keep {
            let j = self.rng.random_range(i..h);
            self.positions.swap(i, j);
        }
        let mut stays = vec![false; h];
        for &i in &self.positions[..keep] {
            stays[i as usize] = true;
        }
        self.release_unless(t, &stays, out);
    }

    /// Each of the first `h` held packets leaves at `t` with probability Φ((h − mu)/sigma).
    fn flush_binomial(
        &mut self,
        t: SimTime,
        h: usize,
        mu: f64,
        sigma: f64,
        out: &mut Vec<Release>,
    ) {
        let p = binomial_p(h, mu, sigma);
        let stays: Vec<bool> = (0..h).map(|_| self.rng.random::<f64>() >= p).collect();
        self.release_unless(t, &stays, out);
    }

    /// Of the held packets, those that `stays` (indexed from the oldest, as long as the
    /// candidates) marks false leave at `t`, in the batch order; later arrivals stay.
    fn release_unless(&mut self, t: SimTime, stays: &[bool], out: &mut Vec<Release>) {
        let start = out.len();
        let mut kept = 0;
        for i in 0..self.held.len() {
            let (handle, a) = self.held[i];
            if stays.get(i).is_some_and(|&s| !s) {
                out.push(Release {
                    handle,
                    at: t,
                    hold: t - a,
                });
            } else {
                self.held[kept] = (handle, a);
                kept += 1;
            }
        }
        self.held.truncate(kept);
        self.order_batch(&mut out[start..]);
    }
}

impl MixStrategy {
    /// For the per-packet strategies (exponential, timed), the release time of a packet that
    /// arrives at `now`, drawing from `rng`; `None` for the batch strategies, which need a [`Mix`].
    #[inline]
    pub fn release_time(&self, now: SimTime, rng: &mut SimRng) -> Option<SimTime> {
        match *self {
            MixStrategy::Exponential { mean_ns } => Some(exponential_release(now, mean_ns, rng)),
            MixStrategy::Timed { period } => Some((now / period + 1) * period),
            _ => None,
        }
    }
}

/// When an exponential mix of mean hold `mean_ns` releases a packet arriving at `now`.
#[inline(always)]
fn exponential_release(now: SimTime, mean_ns: f64, rng: &mut SimRng) -> SimTime {
    let e: f64 = Exp1.sample(rng);
    now + time::from_ns_f64(e * mean_ns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn run(strategy: MixStrategy, arrivals: &[SimTime]) -> Vec<Release> {
        let mut mix = Mix::new(strategy, stream(7, 0, 1)).with_order(BatchOrder::Arrival);
        let mut out = Vec::new();
        for (i, &a) in arrivals.iter().enumerate() {
            while let Some(t) = mix.next_timer().filter(|&t| t <= a) {
                mix.advance(t, &mut out);
            }
            if let Arrival::Release(at) = mix.arrive(a, i as u32, &mut out) {
                out.push(Release {
                    handle: i as u32,
                    at,
                    hold: at - a,
                });
            }
        }
        out
    }

    #[test]
    fn threshold_flushes_in_batches_of_n() {
        let arrivals: Vec<SimTime> = (0..10).map(|i| i * 10).collect();
        let out = run(MixStrategy::Threshold { n: 3 }, &arrivals);
        let times: Vec<SimTime> = out.iter().map(|r| r.at).collect();
        assert_eq!(times, vec![20, 20, 20, 50, 50, 50, 80, 80, 80]);
        assert_eq!(out[0].hold, 20);
    }

    #[test]
    fn timed_flush_takes_arrivals_strictly_before() {
        let s = MixStrategy::ThresholdOrTimed { n: 100, period: 10 };
        let out = run(s, &[1, 5, 10, 25]);
        // Flush at 10 takes 1 and 5; 10 waits for the flush at 20; 25 still held.
        let got: Vec<(u32, SimTime)> = out.iter().map(|r| (r.handle, r.at)).collect();
        assert_eq!(got, vec![(0, 10), (1, 10), (2, 20)]);
    }

    #[test]
    fn pool_keeps_f() {
        let s = MixStrategy::TimedPool {
            period: 100,
            pool: 4,
        };
        let mut mix = Mix::new(s, stream(3, 0, 0)).with_order(BatchOrder::Arrival);
        let mut out = Vec::new();
        for i in 0..10 {
            mix.arrive(i, i as u32, &mut out);
        }
        mix.advance(100, &mut out);
        assert_eq!(out.len(), 6);
        assert_eq!(mix.held(), 4);
        // Released in arrival order.
        assert!(out.windows(2).all(|w| w[0].handle < w[1].handle));
    }

    #[test]
    fn shuffled_timed_mix_keeps_the_flush_times() {
        // Arrival order answers at arrival; random order holds and flushes at the same grid
        // points, the packet arriving on a grid point waiting for the next one.
        let period = 10;
        let arrivals = [1, 5, 10, 12, 19, 35];
        let per_packet = run(MixStrategy::Timed { period }, &arrivals);
        let mut mix = Mix::new(MixStrategy::Timed { period }, stream(7, 0, 1));
        assert!(!mix.is_per_packet());
        let mut out = Vec::new();
        for (i, &a) in arrivals.iter().enumerate() {
            while let Some(t) = mix.next_timer().filter(|&t| t <= a) {
                mix.advance(t, &mut out);
            }
            assert_eq!(mix.arrive(a, i as u32, &mut out), Arrival::Held);
        }
        mix.advance(40, &mut out);
        let key = |r: &Release| (r.handle, r.at, r.hold);
        let mut got: Vec<_> = out.iter().map(key).collect();
        let mut want: Vec<_> = per_packet.iter().map(key).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
    }
}
