//! Anonymity per message of an exponential mix in steady state: the expected Shannon entropy,
//! in bits, of the adversary's distribution over the messages a tagged message could be when
//! it leaves (Serjantov and Danezis's metric; the quantity the Loopix analysis of the Poisson
//! mix gives, Piotrowska et al. 2017).
//!
//! The adversary sees every arrival and departure. In an exponential mix every held packet is
//! equally likely to be the next to leave, whatever it has waited (memorylessness), so when the
//! mix holds c packets and one leaves, it is the tagged message with probability M / c, M being
//! the probability that the tagged message is inside. Start with the tagged message just
//! arrived, M = 1 and c packets held. Scaling M scales every later output's probability, so
//! the entropy of the distribution still to come, from a state with mass M and c held, is
//! M h(c) - M log2 M, with h(c) the value from mass 1. The next event is an arrival (rate
//! lambda, c + 1 held) or a departure (rate c mu): the leaving packet gets 1/c, the mix keeps
//! (c - 1)/c with c - 1 held. Hence
//!
//!   h(c) = a_c h(c + 1) + d_c [ H2(1/c) + (c - 1)/c h(c - 1) ],
//!   a_c = lambda / (lambda + c mu),  d_c = c mu / (lambda + c mu),
//!
//! H2 the binary entropy in bits (h(0) does not enter: d_1 (1 - 1) = 0). With Poisson
//! arrivals the mix holds Poisson(lambda / mu) others when the tagged message arrives (the
//! M/M/inf queue in steady state, and arrivals see time averages), so the expected entropy is
//! sum_k P(K = k) h(k + 1). The system is tridiagonal; it is cut at a pool size far in the
//! Poisson tail, where h grows like log2 c (h(C + 1) = h(C) + log2((C + 1) / C)), and solved
//! directly.

/// Binary entropy in bits.
fn h2(p: f64) -> f64 {
    let term = |q: f64| if q > 0.0 { -q * q.log2() } else { 0.0 };
    term(p) + term(1.0 - p)
}

/// h(c) for c = 1..=cap (index c - 1): the expected entropy from a tagged message in a mix
/// holding c packets, arrivals at `lambda` per second, each packet leaving at `mu` per second.
pub fn pool_entropies(lambda: f64, mu: f64, cap: usize) -> Vec<f64> {
    assert!(lambda >= 0.0 && mu > 0.0 && cap >= 1, "rates and pool size");
    // Row c: -d_c (c-1)/c h(c-1) + h(c) - a_c h(c+1) = d_c H2(1/c).
    let n = cap;
    let (mut lower, mut diag, mut upper, mut rhs) =
        (vec![0.0; n], vec![1.0; n], vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let c = (i + 1) as f64;
        let (a, d) = (lambda / (lambda + c * mu), c * mu / (lambda + c * mu));
        lower[i] = -d * (c - 1.0) / c;
        upper[i] = -a;
        rhs[i] = d * h2(1.0 / c);
    }
    // Last row: h(C + 1) = h(C) + log2((C + 1) / C).
    let c = n as f64;
    diag[n - 1] += upper[n - 1];
    rhs[n - 1] -= upper[n - 1] * ((c + 1.0) / c).log2();
    upper[n - 1] = 0.0;
    thomas(&lower, &diag, &upper, &rhs)
}

/// Solve a tridiagonal system (lower[0] and upper[n-1] unused).
fn thomas(lower: &[f64], diag: &[f64], upper: &[f64], rhs: &[f64]) -> Vec<f64> {
    let n = diag.len();
    let (mut c, mut d) = (vec![0.0; n], vec![0.0; n]);
    c[0] = upper[0] / diag[0];
    d[0] = rhs[0] / diag[0];
    for i in 1..n {
        let m = diag[i] - lower[i] * c[i - 1];
        c[i] = upper[i] / m;
        d[i] = (rhs[i] - lower[i] * d[i - 1]) / m;
    }
    let mut x = vec![0.0; n];
    x[n - 1] = d[n - 1];
    for i in (0..n - 1).rev() {
        x[i] = d[i] - c[i] * x[i + 1];
    }
    x
}

/// Expected entropy in bits of a tagged message's output distribution at an exponential mix
/// in steady state: Poisson arrivals at `lambda` per second (every input), mean hold `t_avg`
/// seconds.
pub fn steady_state_entropy(lambda: f64, t_avg: f64) -> f64 {
    let mu = 1.0 / t_avg;
    let mean = lambda / mu;
    let cap = (mean + 12.0 * mean.sqrt() + 60.0).ceil() as usize;
    let h = pool_entropies(lambda, mu, cap + 1);
    // P(K = k) by the recurrence from P(K = 0) = e^{-mean}, in logs for large means.
    let mut total = 0.0;
    let mut log_p = -mean;
    for (k, hk) in h.iter().take(cap).enumerate() {
        if k > 0 {
            log_p += mean.ln() - (k as f64).ln();
        }
        total += log_p.exp() * hk;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arrivals_means_the_first_pool_is_all() {
        // lambda = 0: the c held packets leave one by one; each is the tagged one with
        // probability 1/c overall, so the entropy is log2 c.
        let h = pool_entropies(0.0, 1.0, 40);
        for c in [1usize, 2, 5, 17] {
            assert!(
                (h[c - 1] - (c as f64).log2()).abs() < 1e-9,
                "{c}: {}",
                h[c - 1]
            );
        }
        assert!(steady_state_entropy(0.0, 1.0).abs() < 1e-12);
    }

    #[test]
    fn entropy_grows_with_the_pool() {
        let small = steady_state_entropy(100.0, 0.01); // 1 packet held on average
        let large = steady_state_entropy(1000.0, 0.02); // 20 held
        assert!(small > 0.5 && small < 3.0, "{small}");
        assert!(large > 4.0 && large < 7.0, "{large}");
        // The cut of the system does not matter once it is far in the tail.
        let h1 = pool_entropies(1000.0, 50.0, 200);
        let h2 = pool_entropies(1000.0, 50.0, 400);
        assert!((h1[20] - h2[20]).abs() < 1e-9);
    }
}
