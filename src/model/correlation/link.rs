//! The output-link stage Y' -> Y: a Markov kernel p(Y = v | Y' = v') on packet counts.
//!
//! Three kernels:
//! - [`LinkKernel::identity`]: no queueing (`service_rate = None`, e.g. a 1 Tb/s link): Y = Y'.
//! - [`published_kernel`]: the paper's eqs (14)-(15). With c = floor(BW T) (BW in pkt/s;
//!   the paper writes BW T and never says how a fractional value is rounded, we floor it) and
//!   Q the stationary M/D/1 number in system at load rho = lambda_port / BW:
//!   p(Y = v | Y' = v') = p(Q = v - v') for v < c, and p(Q >= c - v') at v = c; that is,
//!   Y = min(Y' + Q, c) with Q independent of Y'. This does NOT conserve flow: it adds the
//!   queue's content to every interval's departures, so E\[Y\] > lambda_port T whenever the cap
//!   c is rarely reached (see [`LinkStageReport`]).
//! - [`conserving_kernel`]: a backlog chain that conserves flow (below).
//!
//! # The flow-conserving link stage
//! Work is measured in packets (fixed size); the link serves c = BW T packets of work per
//! interval. Let W_k be the backlog (unfinished work, in packets) at the start of interval k.
//! Treating the interval's Y'_k arrivals as available for service within it (the same
//! approximation as the published stage),
//! `W_{k+1} = max(0, W_k + Y'_k - c)`. The number of packets completed by time t is the
//! integer part of the work served, and work is served FIFO one packet at a time, so
//! `Y_k = Y'_k + ceil(W_k) - ceil(W_{k+1})`. For integer c this is min(W_k + Y'_k, c).
//! A fractional c (6.25 packets per 10 ms at 5 Mb/s and 1000 B) is kept deterministic by
//! working on a grid of 1/m packet: m <= [`MAX_GRID`] is the denominator of the best
//! rational approximation of c, so the capacity used differs from BW T by less than
//! 1/(2 m^2) packet per interval ([`LinkStageReport::capacity_used`] says which).
//! Y'_k is Poisson(lambda_port T) i.i.d. (the delay stage's output marginal); the stationary
//! law of W is found by iterating the chain from W = 0 (monotone convergence) until the
//! L1 change is below 1e-13. In stationarity E\[Y\] = E[Y'] exactly: flow is conserved.
//! The joint law uses W independent of the current interval's Y' (the chain's own
//! assumption); in reality both depend on the previous intervals' traffic.

use super::dist::{poisson_pmf, TAIL_EPS};
use super::info::mean;
use super::md1::md1_stable;
use super::NotApplicable;

/// Largest grid denominator m for a fractional per-interval capacity.
pub const MAX_GRID: u64 = 32;

/// A Markov kernel K[v']\[v\] = p(Y = v | Y' = v'), row-major, rows summing to 1 (up to
/// truncation of far tails).
#[derive(Debug, Clone)]
pub struct LinkKernel {
    pub n_in: usize,
    pub n_out: usize,
    pub k: Vec<f64>,
}

impl LinkKernel {
    /// Y = Y' on `0..n`.
    pub fn identity(n: usize) -> LinkKernel {
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            k[i * n + i] = 1.0;
        }
        LinkKernel {
            n_in: n,
            n_out: n,
            k,
        }
    }

    /// Builds a kernel from ragged rows, padding them to a rectangle.
    fn from_rows(rows: Vec<Vec<f64>>) -> LinkKernel {
        let n_in = rows.len();
        let n_out = rows.iter().map(Vec::len).max().unwrap_or(1);
        let mut k = vec![0.0; n_in * n_out];
        for (i, r) in rows.iter().enumerate() {
            k[i * n_out..i * n_out + r.len()].copy_from_slice(r);
        }
        LinkKernel { n_in, n_out, k }
    }

    /// Row v' of the kernel.
    pub fn row(&self, v_in: usize) -> &[f64] {
        &self.k[v_in * self.n_out..(v_in + 1) * self.n_out]
    }

    /// The law of Y when Y' has law `pmf_in` (which must have at most `n_in` entries).
    pub fn apply(&self, pmf_in: &[f64]) -> Vec<f64> {
        assert!(
            pmf_in.len() <= self.n_in,
            "input law longer than the kernel"
        );
        let mut out = vec![0.0; self.n_out];
        for (i, &p) in pmf_in.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for (o, &k) in out.iter_mut().zip(self.row(i)) {
                *o += p * k;
            }
        }
        out
    }
}

/// What a link stage did to the traffic, for the record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkStageReport {
    /// lambda_port T: the mean count entering (and, if flow is conserved, leaving) per interval.
    pub lambda_t: f64,
    /// BW T, the link's capacity in packets per interval.
    pub capacity: f64,
    /// The capacity the kernel actually uses (floor for the published stage, the grid value
    /// for the conserving one).
    pub capacity_used: f64,
    /// Load rho = lambda_port / BW.
    pub rho: f64,
    /// Mean of the queue variable: E\[Q\] for the published stage, E\[W\] (backlog in packets at
    /// an interval boundary) for the conserving one.
    pub mean_queue: f64,
}

/// Per-interval capacity c = BW T in packets, and the load.
fn capacity(lambda_port: f64, service_rate: f64, interval: f64) -> (f64, f64) {
    assert!(
        service_rate > 0.0 && service_rate.is_finite(),
        "service rate must be finite and > 0"
    );
    (service_rate * interval, lambda_port / service_rate)
}

/// The paper's link stage (eqs 14-15): Y = min(Y' + Q, floor(BW T)), Q ~ stationary M/D/1
/// number in system at load lambda_port / BW, independent of Y'. `n_in` is the support size of
/// Y'. Panics if the load is not below 1.
pub fn published_kernel(
    lambda_port: f64,
    service_rate: f64,
    interval: f64,
    n_in: usize,
) -> (LinkKernel, LinkStageReport) {
    let (cap, rho) = capacity(lambda_port, service_rate, interval);
    assert!(
        rho < 1.0,
        "link load rho = {rho} must be < 1 for a stationary M/D/1 queue"
    );
    let c = cap.floor() as usize;
    let q = md1_stable(rho, TAIL_EPS);
    let rows = (0..n_in)
        .map(|vin| {
            let mut row = vec![0.0; c.min(vin + q.len() - 1) + 1];
            for (qq, &p) in q.iter().enumerate() {
                let v = (vin + qq).min(c);
                row[v] += p;
            }
            row
        })
        .collect();
    let report = LinkStageReport {
        lambda_t: lambda_port * interval,
        capacity: cap,
        capacity_used: c as f64,
        rho,
        mean_queue: mean(&q),
    };
    (LinkKernel::from_rows(rows), report)
}

/// Best rational approximation p/m of `x` in [0, 1) with m <= `max_den` (searching every
/// denominator; cheap for small bounds). Returns (p, m).
fn rational(x: f64, max_den: u64) -> (u64, u64) {
    let mut best = (0, 1, x);
    for m in 1..=max_den {
        let p = (x * m as f64).round();
        let err = (x - p / m as f64).abs();
        if err < best.2 - 1e-12 {
            best = (p as u64, m, err);
        }
    }
    (best.0, best.1)
}

/// The capacity per interval the conserving stage uses: BW T on its grid of 1/m packet (see the
/// module doc), as (whole units of 1/m, m).
pub fn capacity_grid(service_rate: f64, interval: f64) -> (usize, usize) {
    let cap = service_rate * interval;
    let whole = cap.floor();
    let (p, m) = rational(cap - whole, MAX_GRID);
    (whole as usize * m as usize + p as usize, m as usize)
}

/// Work (state x arrival-count updates) the backlog chain may spend before it is declared not
/// convergent: about a second or two of arithmetic.
const BACKLOG_WORK: u64 = 2_000_000_000;

/// Stationary law of the backlog chain W_{k+1} = max(0, W_k + A_k - C) on a grid (units of
/// 1/m packet; A_k in packets, so m units each), starting from W = 0. None when it has not
/// converged within [`BACKLOG_WORK`] (a load too close to 1).
fn backlog_law(arrivals: &[f64], m: usize, c_units: usize) -> Option<Vec<f64>> {
    let mut pi = vec![1.0];
    let max_states = 4_000_000;
    let mut work = 0u64;
    for _ in 0..1_000_000 {
        work += (pi.len() * arrivals.len()) as u64;
        if work > BACKLOG_WORK {
            return None;
        }
        let top = pi.len() - 1 + (arrivals.len() - 1) * m;
        let mut next = vec![0.0; top.saturating_sub(c_units) + 1];
        for (w, &p) in pi.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for (j, &a) in arrivals.iter().enumerate() {
                next[(w + j * m).saturating_sub(c_units)] += p * a;
            }
        }
        // Drop a far tail of negligible mass, then renormalise.
        let mut tail = 0.0;
        while next.len() > 1 && tail + next[next.len() - 1] < 1e-16 {
            tail += next.pop().expect("non-empty");
        }
        let total: f64 = next.iter().sum();
        next.iter_mut().for_each(|x| *x /= total);
        let diff: f64 = (0..next.len().max(pi.len()))
            .map(|i| {
                (next.get(i).copied().unwrap_or(0.0) - pi.get(i).copied().unwrap_or(0.0)).abs()
            })
            .sum();
        pi = next;
        if pi.len() >= max_states {
            return None;
        }
        if diff < 1e-13 {
            return Some(pi);
        }
    }
    None
}

/// The flow-conserving link stage (see the module doc): kernel p(Y = v | Y' = v') with the
/// backlog W at its stationary law, independent of Y'. Not applicable when the load is not
/// below the capacity used (see [`capacity_grid`]) or the backlog chain does not converge.
pub fn conserving_kernel(
    lambda_port: f64,
    service_rate: f64,
    interval: f64,
    n_in: usize,
) -> Result<(LinkKernel, LinkStageReport), NotApplicable> {
    let (cap, rho) = capacity(lambda_port, service_rate, interval);
    let (c_units, m) = capacity_grid(service_rate, interval);
    let cap_used = c_units as f64 / m as f64;
    let lambda_t = lambda_port * interval;
    if lambda_t >= cap_used {
        return Err(NotApplicable::new(format!(
            "the flow-conserving link stage serves {cap_used} packets per interval (BW T = {cap} on a grid of 1/{m} packet) but {lambda_t} arrive on average: expected a load below the capacity used"
        )));
    }
    let arrivals = poisson_pmf(lambda_t, TAIL_EPS);
    let w = backlog_law(&arrivals, m, c_units).ok_or_else(|| {
        NotApplicable::new(format!(
            "the link backlog chain at load {rho:.4} does not converge within the model's work limit: the load is too close to 1"
        ))
    })?;
    let ceil_units = |units: usize| units.div_ceil(m);
    let rows = (0..n_in)
        .map(|vin| {
            let mut row: Vec<f64> = Vec::new();
            for (wu, &pw) in w.iter().enumerate() {
                let after = (wu + vin * m).saturating_sub(c_units);
                let y = vin + ceil_units(wu) - ceil_units(after);
                if row.len() <= y {
                    row.resize(y + 1, 0.0);
                }
                row[y] += pw;
            }
            row
        })
        .collect();
    let mean_backlog = w
        .iter()
        .enumerate()
        .map(|(u, &p)| u as f64 * p)
        .sum::<f64>()
        / m as f64;
    let report = LinkStageReport {
        lambda_t,
        capacity: cap,
        capacity_used: cap_used,
        rho,
        mean_queue: mean_backlog,
    };
    Ok((LinkKernel::from_rows(rows), report))
}
