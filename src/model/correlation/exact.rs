//! The exact (time-resolved) link stage: p(Y = v | X = u) for a mix output link served FIFO at
//! a deterministic D per packet, computed from the continuous-time system up to a time grid.
//!
//! # Why
//! The published and conserving link stages ([`super::link`]) treat an interval as a batch:
//! they pass Y' (the interval's mix departures) through Y = min(W + Y', c), as if every packet
//! released during the interval could be served in it. With D = 1.6 ms against T = 10 ms, a
//! packet released late in the interval behind a backlog finishes in the next one, and the
//! dependence of Y on X is far weaker than the batch stages say (fig5-heavy: 0.0006 nats
//! simulated, 0.0018 / 0.0025 for the batch stages).
//!
//! # The system within one interval [0, T)
//! - The mix is M/M/inf (hold Exp(mu), mu = 1/t_avg) with Poisson input, so in steady state the
//!   departures toward each port form a Poisson process of rate lambda_port. The link is
//!   therefore M/D/1, and its workload V(0) at the start of an interval is the stationary M/D/1
//!   workload at an arbitrary time.
//! - V(0) is a function of the port's departures before 0. By reversibility of M/M/inf (each
//!   flow class is its own M/M/inf), past departures are independent of the mix's state at 0
//!   (how many packets it holds); arrivals after 0 are independent of the past. So V(0) is
//!   independent of everything that enters the link during [0, T), and of X.
//! - Given X = u, the link's input during [0, T) is the superposition of
//!   * the packets held at 0 (for this port Poisson(lambda_port / mu) many, each leaving after
//!     Exp(mu)): a Poisson process of intensity lambda_port e^{-mu s};
//!   * other traffic (rate lambda_z) arriving in [0, s) and released by s: intensity
//!     lambda_z (1 - e^{-mu s});
//!
//!   together a Poisson process of intensity lambda_z + lambda_f e^{-mu s}; and
//!   * u Alice packets, independent, each arriving uniformly in [0, T) and released at
//!     arrival + Exp(mu): released at s in [0, T) with density (1 - e^{-mu s}) / T, not within
//!     the interval with probability 1 - p_same.
//! - Y is the number of service completions in [0, T).
//!
//! Integrating over u, Alice's releases are Poisson with intensity lambda_f (1 - e^{-mu s}),
//! so the link's unconditional input is Poisson(lambda_port) and flow is conserved.
//!
//! # The computation
//! Time is cut into n slots of width delta = T / n, a packet's service into k slots
//! (k delta = D, exactly when k T / D is an integer, else to within half a slot per interval:
//! [`ExactGrid`] says what was used). Work W is counted in slots; in each slot the server
//! first serves one unit if W > 0 (a completion when the packet in service, whose remaining
//! work is ((W - 1) mod k) + 1, had one unit left), then the slot's releases add k units each:
//! `W' = max(W - 1, 0) + k A`. This is the continuous system with each release moved to the end
//! of its slot; a packet released into an idle link completes in exactly the right slot, and
//! the error vanishes as k grows (tested).
//! - Initial workload: the stationary law of the same slotted chain driven by Poisson
//!   (lambda_port delta) releases per slot, solved by the cut equations (all terms positive, so
//!   numerically stable): pi_{w+1} P(A = 0) = sum_{i <= w} pi_i P(max(i - 1, 0) + k A > w).
//! - Releases in slot i: Poisson with the exact integral of the intensities over the slot.
//! - Alice's u packets: rather than one DP per u, Alice's in-interval releases are made Poisson
//!   with total mean theta (intensity theta g(s), g the normalised release density) and their
//!   count J is carried in the state; given J = j the j release times are i.i.d. with density
//!   g, which is exactly the law of the released Alice packets given that j of them are
//!   released. So p(Y | K = j) = P(Y, J = j) / P(J = j), and with K | X=u ~ Binomial(u, p_same),
//!   `p(Y = v | X = u) = sum_j Binomial(j; u, p_same) p(Y = v | K = j)`.
//! - The state (J, completions so far, W) stays small: when W >= n + k the server cannot idle
//!   before the interval ends, so completions depend only on W mod k and larger workloads are
//!   folded down by multiples of k (exact for Y); cells below 1e-30 are dropped.
//!
//! The per-interval joint law so obtained is exact for the stationary system. What it does not
//! capture is the dependence between successive intervals (Y_k and Y_{k+1} share the backlog,
//! and Alice's packets of interval k may leave in k+1): the plug-in estimate on a long series
//! converges to this law's I(X; Y), but its finite-N spread is that of a dependent series.

use super::composed::ComposedDelay;
use super::delay::DelayStage;
use super::dist::{binomial_pmf, poisson_pmf};
use super::NotApplicable;

/// Default largest number of slots per packet service time in the grid search of
/// [`ExactGrid::choose`].
pub const DEFAULT_SLOTS_PER_PACKET: usize = 16;

/// Largest number of slots per interval; a faster link (service time below T / MAX_SLOTS, with
/// at least one slot per packet) is treated as not queueing: the delay stage is used.
pub const MAX_SLOTS: usize = 1000;

/// Tail mass dropped from each per-slot Poisson law.
const SLOT_EPS: f64 = 1e-18;
/// Cells of the DP below this are dropped.
const TINY: f64 = 1e-30;

/// The time grid of the exact stage.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ExactGrid {
    /// Slots per packet service time (k).
    pub slots_per_packet: usize,
    /// Slots per sampling interval (n).
    pub slots_per_interval: usize,
    /// Slot width delta = T / n, s.
    pub slot: f64,
    /// The service time used, k delta (the requested D when k T / D is an integer).
    pub service_time_used: f64,
}

impl ExactGrid {
    /// The grid for service time `d` and interval `t`: the smallest k <= `k_max` (and with
    /// n = round(k T / D) <= [`MAX_SLOTS`]) for which k T / D is an integer, where the slotted
    /// DP is exact (see the module doc); failing that, the k whose k T / n is closest to D.
    /// None when even one slot per packet needs more than MAX_SLOTS slots per interval.
    pub fn choose(d: f64, t: f64, k_max: usize) -> Option<ExactGrid> {
        assert!(d > 0.0 && d.is_finite() && t > 0.0 && t.is_finite());
        assert!(k_max >= 1, "at least one slot per packet");
        let mut best: Option<(f64, ExactGrid)> = None;
        for kk in 1..=k_max {
            let g = ExactGrid::with_k(d, t, kk);
            if g.slots_per_interval > MAX_SLOTS {
                break;
            }
            let err = (g.service_time_used - d).abs() / d;
            if best.as_ref().is_none_or(|(e, _)| err < e - 1e-12) {
                best = Some((err, g));
            }
            if err < 1e-9 {
                break;
            }
        }
        best.map(|(_, g)| g)
    }

    /// An explicit grid with k slots per packet and n = round(k T / D) slots per interval
    /// (for convergence studies; no MAX_SLOTS limit).
    pub fn with_k(d: f64, t: f64, k: usize) -> ExactGrid {
        let n = ((k as f64 * t / d).round() as usize).max(1);
        let slot = t / n as f64;
        ExactGrid {
            slots_per_packet: k,
            slots_per_interval: n,
            slot,
            service_time_used: k as f64 * slot,
        }
    }
}

/// Stationary law of the slotted workload W' = max(W - 1, 0) + k A, A ~ `arrivals`, in slots,
/// by the cut equations (see the module doc). None if the load k E\[A\] is not below 1 or the law
/// is too long to hold (a load too close to 1).
pub fn slotted_workload_law(arrivals: &[f64], k: usize) -> Option<Vec<f64>> {
    let load = k as f64
        * arrivals
            .iter()
            .enumerate()
            .map(|(a, &p)| a as f64 * p)
            .sum::<f64>();
    if load >= 1.0 {
        return None;
    }
    // tail[m] = P(A >= m).
    let mut tail = vec![0.0; arrivals.len() + 1];
    for m in (0..arrivals.len()).rev() {
        tail[m] = tail[m + 1] + arrivals[m];
    }
    let p0 = arrivals[0];
    let reach = k * (arrivals.len() - 1); // largest jump up
    let mut pi = vec![1.0f64];
    let mut total = 1.0;
    let max_states = 20_000_000;
    loop {
        let w = pi.len() - 1;
        // Up-crossings of the cut between w and w + 1 from states i <= w: max(i-1, 0) + k A > w.
        let lo = w.saturating_sub(reach);
        let mut up = 0.0;
        for (i, &p) in pi.iter().enumerate().skip(lo) {
            let base = i.saturating_sub(1);
            let need = (w + 1 - base).div_ceil(k); // A >= need
            if need < tail.len() {
                up += p * tail[need];
            }
        }
        let next = up / p0;
        pi.push(next);
        total += next;
        // Stop once the last k + reach entries are negligible.
        let win = k + reach;
        if pi.len() > win && pi[pi.len() - win..].iter().all(|&x| x < 1e-18 * total) {
            break;
        }
        if pi.len() >= max_states {
            return None;
        }
    }
    pi.iter_mut().for_each(|x| *x /= total);
    Some(pi)
}

/// Intensities of one port over the slots of an interval: (other-traffic mean per slot,
/// target release mass per slot g_i (sums to p_same)). `held(i)` is the integral over slot i of
/// P(S > s), S the target's delay from arrival to release: its releases at s from arrivals
/// before the interval have intensity lambda_f P(S > s), from arrivals within it lambda_f F(s).
fn slot_intensities(
    grid: &ExactGrid,
    interval: f64,
    lambda_f: f64,
    lambda_z: f64,
    held: impl Fn(usize) -> f64,
) -> (Vec<f64>, Vec<f64>) {
    let n = grid.slots_per_interval;
    let d = grid.slot;
    let mut other = Vec::with_capacity(n);
    let mut g = Vec::with_capacity(n);
    for i in 0..n {
        let e = held(i);
        other.push(lambda_z * d + lambda_f * e);
        g.push(((d - e) / interval).max(0.0));
    }
    (other, g)
}

/// `held` of [`slot_intensities`] for the exponential hold: the integral over slot i of
/// e^{-mu s}, in seconds.
fn exponential_held(grid: &ExactGrid, mu_t: f64, interval: f64) -> impl Fn(usize) -> f64 {
    let d = grid.slot;
    move |i: usize| -> f64 {
        if mu_t.is_infinite() {
            0.0
        } else {
            let mu = mu_t / interval;
            let a = (-mu * i as f64 * d).exp();
            // a (1 - e^{-mu d}) / mu
            a * (-(-mu * d).exp_m1()) / mu
        }
    }
}

/// Completions in [0, T): DP over slots with state (J = Alice releases so far, completions,
/// W). Returns P(Y = v, J = j) as rows j = 0..=j_max.
// Long on purpose: one dynamic program over a flat state array; its three steps per slot
// (marked 1-3) share the indexing, the two buffers and the active region (jtop, ctop, wtop)
// they grow and trim, and read best in the order they run.
fn completion_dp(
    grid: &ExactGrid,
    w0: &[f64],
    other: &[f64],
    alice: &[f64],
    j_max: usize,
) -> Vec<Vec<f64>> {
    let k = grid.slots_per_packet;
    let n = grid.slots_per_interval;
    let fold_at = n + k; // W > fold_at is folded into (fold_at - k, fold_at]
    let fold = |w: usize| -> usize {
        if w > fold_at {
            w - (w - fold_at).div_ceil(k) * k
        } else {
            w
        }
    };
    let other_pmf: Vec<Vec<f64>> = other.iter().map(|&m| poisson_pmf(m, SLOT_EPS)).collect();
    let alice_pmf: Vec<Vec<f64>> = alice.iter().map(|&m| poisson_pmf(m, SLOT_EPS)).collect();
    let max_a = other_pmf.iter().map(Vec::len).max().unwrap_or(1) - 1;
    let max_b = alice_pmf.iter().map(Vec::len).max().unwrap_or(1) - 1;
    // Before folding, W <= fold_at + k * (largest release count of one kind).
    let wdim = fold_at + k * max_a.max(max_b) + 1;
    let cdim = n / k + 3;
    let nj = j_max + 1;
    let idx = |j: usize, c: usize, w: usize| (j * cdim + c) * wdim + w;
    let mut cur = vec![0.0f64; nj * cdim * wdim];
    let mut tmp = vec![0.0f64; cur.len()];
    // Active region: j <= jtop, c <= ctop, w <= wtop.
    let (mut jtop, mut ctop, mut wtop) = (0usize, 0usize, 0usize);
    for (w, &p) in w0.iter().enumerate() {
        let f = fold(w);
        cur[idx(0, 0, f)] += p;
        wtop = wtop.max(f);
    }
    for i in 0..n {
        // 1. Service of one unit: cur -> tmp.
        for j in 0..=jtop {
            for c in 0..=(ctop + 1).min(cdim - 1) {
                tmp[idx(j, c, 0)..=idx(j, c, wtop)].fill(0.0);
            }
        }
        for j in 0..=jtop {
            for c in 0..=ctop {
                let base = idx(j, c, 0);
                tmp[base] += cur[base];
                for w in 1..=wtop {
                    let p = cur[base + w];
                    if p == 0.0 {
                        continue;
                    }
                    let to = if (w - 1) % k == 0 {
                        idx(j, c + 1, w - 1)
                    } else {
                        base + w - 1
                    };
                    tmp[to] += p;
                }
            }
        }
        ctop = (ctop + 1).min(cdim - 1);
        // 2. Other-traffic releases, k units each: tmp -> cur.
        let pa = &other_pmf[i];
        let mut new_wtop = 0;
        for j in 0..=jtop {
            for c in 0..=ctop {
                let base = idx(j, c, 0);
                cur[base..base + wdim].fill(0.0);
                for w in 0..=wtop {
                    let p = tmp[base + w];
                    if p < TINY {
                        continue;
                    }
                    for (a, &q) in pa.iter().enumerate() {
                        let wn = fold(w + k * a);
                        cur[base + wn] += p * q;
                        new_wtop = new_wtop.max(wn);
                    }
                }
            }
        }
        wtop = new_wtop;
        // 3. Alice releases, k units each and one more in J: cur -> tmp (j grows).
        let pb = &alice_pmf[i];
        let new_jtop = (jtop + pb.len() - 1).min(j_max);
        for j in 0..=new_jtop {
            for c in 0..=ctop {
                tmp[idx(j, c, 0)..idx(j, c, 0) + wdim].fill(0.0);
            }
        }
        let mut new_wtop = 0;
        for j in 0..=jtop {
            for c in 0..=ctop {
                let base = idx(j, c, 0);
                for w in 0..=wtop {
                    let p = cur[base + w];
                    if p < TINY {
                        continue;
                    }
                    for (b, &q) in pb.iter().enumerate().take(j_max - j + 1) {
                        let wn = fold(w + k * b);
                        tmp[idx(j + b, c, wn)] += p * q;
                        new_wtop = new_wtop.max(wn);
                    }
                }
            }
        }
        std::mem::swap(&mut cur, &mut tmp);
        jtop = new_jtop;
        wtop = new_wtop;
        // Trim c: the highest completion count with mass.
        while ctop > 0
            && (0..=jtop).all(|j| {
                cur[idx(j, ctop, 0)..=idx(j, ctop, wtop)]
                    .iter()
                    .all(|&x| x < TINY)
            })
        {
            ctop -= 1;
        }
    }
    (0..nj)
        .map(|j| {
            if j > jtop {
                return vec![0.0];
            }
            (0..=ctop)
                .map(|c| cur[idx(j, c, 0)..=idx(j, c, wtop)].iter().sum())
                .collect()
        })
        .collect()
}

/// What the exact stage computed for one link, for the record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExactStageReport {
    pub grid: ExactGrid,
    /// Mean workload at an interval boundary, in packets (slotted chain).
    pub mean_workload: f64,
    /// P(link busy) at an interval boundary (the slotted chain's load).
    pub busy: f64,
}

/// The exact link stage on one port.
#[derive(Debug, Clone)]
pub struct ExactLink {
    pub grid: ExactGrid,
    w0: Vec<f64>,
}

impl ExactLink {
    /// Sets up the stage for a port of total rate `lambda_port` on a link serving `service_rate`
    /// pkt/s, on the grid [`ExactGrid::choose`] picks with at most `k_max` slots per packet.
    /// None when the link is too fast for the grid (see
    /// [`MAX_SLOTS`]): use the delay stage. Not applicable if the load is not below 1.
    pub fn new(
        lambda_port: f64,
        service_rate: f64,
        interval: f64,
        k_max: usize,
    ) -> Result<Option<ExactLink>, NotApplicable> {
        match ExactGrid::choose(1.0 / service_rate, interval, k_max) {
            None => Ok(None),
            Some(grid) => ExactLink::with_grid(lambda_port, grid).map(Some),
        }
    }

    /// The stage on an explicit grid; not applicable when the slotted load (the arrival rate
    /// times the service time on the grid) is not below 1, or too close to 1 to hold its law.
    pub fn with_grid(lambda_port: f64, grid: ExactGrid) -> Result<ExactLink, NotApplicable> {
        let a = poisson_pmf(lambda_port * grid.slot, SLOT_EPS);
        let w0 = slotted_workload_law(&a, grid.slots_per_packet).ok_or_else(|| {
            NotApplicable::new(format!(
                "the exact link stage at load {:.4} (service time {:.3e} s on its grid) has no stationary workload it can hold: expected a load further below 1",
                lambda_port * grid.service_time_used,
                grid.service_time_used
            ))
        })?;
        Ok(ExactLink { grid, w0 })
    }

    pub fn report(&self) -> ExactStageReport {
        let k = self.grid.slots_per_packet as f64;
        ExactStageReport {
            grid: self.grid,
            mean_workload: self
                .w0
                .iter()
                .enumerate()
                .map(|(w, &p)| w as f64 * p)
                .sum::<f64>()
                / k,
            busy: 1.0 - self.w0[0],
        }
    }

    /// p(Y = v) on a port that does not carry the target (releases Poisson(lambda_port)).
    pub fn marginal(&self, lambda_port: f64) -> Vec<f64> {
        let n = self.grid.slots_per_interval;
        let other = vec![lambda_port * self.grid.slot; n];
        let alice = vec![0.0; n];
        let mut rows = completion_dp(&self.grid, &self.w0, &other, &alice, 0);
        trim(rows.swap_remove(0))
    }

    /// p(Y = v | X = u) for u = 0..=u_max on the target's port: Alice rate `lambda_f`, other
    /// traffic `lambda_z` on the same port, the delay stage `delay`. Rows padded to one length.
    pub fn conditionals(
        &self,
        delay: &DelayStage,
        lambda_f: f64,
        lambda_z: f64,
        u_max: usize,
    ) -> Vec<Vec<f64>> {
        let held = exponential_held(&self.grid, delay.mu_t(), delay.interval);
        let (other, g) = slot_intensities(&self.grid, delay.interval, lambda_f, lambda_z, held);
        self.conditionals_from(other, g, u_max)
    }

    /// [`conditionals`](Self::conditionals) for the composed delay of a path (the target's
    /// releases spread by every earlier hop and this mix's hold, [`ComposedDelay`]).
    pub fn conditionals_composed(
        &self,
        delay: &ComposedDelay,
        lambda_f: f64,
        lambda_z: f64,
        u_max: usize,
    ) -> Vec<Vec<f64>> {
        let d = self.grid.slot;
        let held = |i: usize| {
            let a = i as f64 * d;
            let b = (a + d).min(delay.interval);
            (b - a) - delay.cdf_integral(a, b)
        };
        let (other, g) = slot_intensities(&self.grid, delay.interval, lambda_f, lambda_z, held);
        self.conditionals_from(other, g, u_max)
    }

    /// p(Y = v | X = u) from the slots' intensities (see [`slot_intensities`]).
    fn conditionals_from(&self, other: Vec<f64>, g: Vec<f64>, u_max: usize) -> Vec<Vec<f64>> {
        let p_same: f64 = g.iter().sum();
        if p_same <= 0.0 {
            // Nothing of X's interval leaves in it: Y is independent of X.
            let alice = vec![0.0; g.len()];
            let mut rows = completion_dp(&self.grid, &self.w0, &other, &alice, 0);
            let y = trim(rows.swap_remove(0));
            return vec![y; u_max + 1];
        }
        // Poissonised Alice: total mean theta in the interval, every count up to u_max likely.
        let theta = (u_max as f64 / 2.0).max(1.0);
        let alice: Vec<f64> = g.iter().map(|&x| theta * x / p_same).collect();
        let joint = completion_dp(&self.grid, &self.w0, &other, &alice, u_max);
        let given_k: Vec<Vec<f64>> = joint
            .into_iter()
            .map(|row| {
                let s: f64 = row.iter().sum();
                assert!(s > 0.0, "no mass for a released count: theta badly chosen");
                row.into_iter().map(|x| x / s).collect()
            })
            .collect();
        let ny = given_k.iter().map(Vec::len).max().unwrap_or(1);
        let mut rows: Vec<Vec<f64>> = (0..=u_max)
            .map(|u| {
                let mut row = vec![0.0; ny];
                for (j, &b) in binomial_pmf(u as u64, p_same).iter().enumerate() {
                    for (r, &q) in row.iter_mut().zip(&given_k[j]) {
                        *r += b * q;
                    }
                }
                row
            })
            .collect();
        let n = rows
            .iter()
            .map(|r| trim(r.clone()).len())
            .max()
            .unwrap_or(1);
        rows.iter_mut().for_each(|r| r.truncate(n));
        rows
    }
}

/// Drops trailing zeros (keeps at least one entry).
fn trim(mut v: Vec<f64>) -> Vec<f64> {
    while v.len() > 1 && *v.last().expect("non-empty") <= 0.0 {
        v.pop();
    }
    v
}
