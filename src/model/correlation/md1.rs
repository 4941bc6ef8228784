//! The stationary number-in-system law of the M/D/1 queue (the output link of seed 000,
//! section 5.4), printed and stable.
//!
//! With load rho = lambda / service rate, the paper prints
//! p(Q=0) = 1 - rho, p(Q=1) = (1 - rho)(e^rho - 1), and for q >= 2
//! `p(Q=q) = (1-rho) sum_{j=1}^{q} (-1)^{q-j} [ (j rho)^{q-j}/(q-j)! + (1-delta_qj) (j rho)^{q-j-1}/(q-j-1)! ] e^{j rho}`.
//! The terms of that alternating sum grow like e^{q rho} while the result decays
//! geometrically, so in f64 it loses all precision beyond a few tens of packets
//! ([`md1_printed`] is kept for the record and for tests).
//!
//! [`md1_stable`] computes the same law from the embedded Markov chain at departures
//! (whose stationary law equals the time-average one for M/G/1, by PASTA and level
//! crossing). With a_k = P(k arrivals during one service) = Poisson(rho) and
//! abar_k = P(more than k arrivals), equating the rates of crossing between levels n-1 and n:
//! `pi_n a_0 = pi_0 abar_{n-1} + sum_{k=1}^{n-1} pi_k abar_{n-k}`, with pi_0 = 1 - rho.
//! Every term is positive, so no cancellation occurs.

use statrs::distribution::{Discrete, Poisson};

/// The paper's alternating-sum formula for p(Q = q), evaluated literally in f64.
pub fn md1_printed(rho: f64, q: usize) -> f64 {
    assert!(
        (0.0..1.0).contains(&rho),
        "M/D/1 needs 0 <= rho < 1, got {rho}"
    );
    match q {
        0 => 1.0 - rho,
        1 => (1.0 - rho) * rho.exp_m1(),
        _ => {
            let mut sum = 0.0;
            for j in 1..=q {
                let jr = j as f64 * rho;
                let k = q - j;
                let sign = if k.is_multiple_of(2) { 1.0 } else { -1.0 };
                let mut term = jr.powi(k as i32) / factorial(k);
                if k >= 1 {
                    term += jr.powi(k as i32 - 1) / factorial(k - 1);
                }
                sum += sign * term * jr.exp();
            }
            (1.0 - rho) * sum
        }
    }
}

fn factorial(k: usize) -> f64 {
    (1..=k).map(|i| i as f64).product()
}

/// Stationary p(Q = q) for q = 0..=K, computed stably (see the module doc). K is the first
/// index past the mode where p(Q = K) < `eps` and the law is decreasing; the mass beyond K is
/// then of order eps / (1 - decay ratio). Panics if rho is not in [0, 1).
pub fn md1_stable(rho: f64, eps: f64) -> Vec<f64> {
    assert!(
        (0.0..1.0).contains(&rho),
        "M/D/1 needs 0 <= rho < 1, got {rho}"
    );
    if rho == 0.0 {
        return vec![1.0];
    }
    // abar_k = P(Poisson(rho) > k) by suffix sums of the pmf (accurate deep in the tail).
    let d = Poisson::new(rho).expect("valid rho");
    let mut pmf = Vec::new();
    for k in 0u64.. {
        let p = d.pmf(k);
        pmf.push(p);
        if k as f64 > rho && p < 1e-300 {
            break;
        }
    }
    let mut abar = vec![0.0; pmf.len()];
    let mut acc = 0.0;
    for k in (0..pmf.len()).rev() {
        abar[k] = acc; // P(A > k) = sum_{i > k} a_i
        acc += pmf[k];
    }
    let a0 = pmf[0];
    let ab = |k: usize| abar.get(k).copied().unwrap_or(0.0);
    let mut pi = vec![1.0 - rho];
    let hard_cap = 1_000_000;
    loop {
        let n = pi.len();
        let mut s = pi[0] * ab(n - 1);
        // only k with n - k < abar.len() contribute
        let lo = n.saturating_sub(abar.len()).max(1);
        for (k, &p) in pi.iter().enumerate().take(n).skip(lo) {
            s += p * ab(n - k);
        }
        let next = s / a0;
        pi.push(next);
        if (next < eps && next <= pi[n - 1]) || pi.len() >= hard_cap {
            break;
        }
    }
    pi
}

/// Mean number in system of M/D/1: rho + rho^2 / (2 (1 - rho)) (Pollaczek-Khinchine).
pub fn md1_mean(rho: f64) -> f64 {
    rho + rho * rho / (2.0 * (1.0 - rho))
}
