//! Joint laws of (X, Y) on packet counts, their mutual information I and the variance
//! coefficient C of Lemma 2 (seed 000, eq. 7).

/// A joint probability law p(X = u, Y = v) on `0..nx` x `0..ny`, stored row-major
/// (`p[u * ny + v]`), with both marginals cached.
///
/// Laws built by this module are truncated where the remaining mass is below about 1e-13
/// and then renormalised; [`JointLaw::truncated_mass`] records what was dropped.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JointLaw {
    pub nx: usize,
    pub ny: usize,
    /// p(X = u, Y = v) at index `u * ny + v`.
    pub p: Vec<f64>,
    /// Marginal of X (row sums).
    pub px: Vec<f64>,
    /// Marginal of Y (column sums).
    pub py: Vec<f64>,
    /// Probability mass dropped by truncation before renormalising.
    pub truncated_mass: f64,
}

impl JointLaw {
    /// Builds a law from a row-major matrix; renormalises it to total mass 1 and records
    /// the mass that was missing.
    pub fn from_matrix(nx: usize, ny: usize, mut p: Vec<f64>) -> JointLaw {
        assert_eq!(p.len(), nx * ny, "matrix size must be nx * ny");
        assert!(
            p.iter().all(|&x| x >= 0.0 && x.is_finite()),
            "probabilities must be finite and >= 0"
        );
        let total: f64 = p.iter().sum();
        assert!(total > 0.0, "a joint law needs positive mass");
        for x in &mut p {
            *x /= total;
        }
        let mut px = vec![0.0; nx];
        let mut py = vec![0.0; ny];
        for u in 0..nx {
            for v in 0..ny {
                px[u] += p[u * ny + v];
                py[v] += p[u * ny + v];
            }
        }
        JointLaw {
            nx,
            ny,
            p,
            px,
            py,
            truncated_mass: (1.0 - total).max(0.0),
        }
    }

    /// The product law p(u) q(v): X and Y independent.
    pub fn product(px: &[f64], py: &[f64]) -> JointLaw {
        let mut p = Vec::with_capacity(px.len() * py.len());
        for &a in px {
            p.extend(py.iter().map(|&b| a * b));
        }
        JointLaw::from_matrix(px.len(), py.len(), p)
    }

    /// p(X = u, Y = v), 0 outside the support.
    pub fn get(&self, u: usize, v: usize) -> f64 {
        if u < self.nx && v < self.ny {
            self.p[u * self.ny + v]
        } else {
            0.0
        }
    }

    pub fn mean_x(&self) -> f64 {
        mean(&self.px)
    }

    pub fn mean_y(&self) -> f64 {
        mean(&self.py)
    }

    /// Conditional mean E[Y | X = u] (NaN when p(X = u) = 0).
    pub fn conditional_mean_y(&self, u: usize) -> f64 {
        let row = &self.p[u * self.ny..(u + 1) * self.ny];
        row.iter()
            .enumerate()
            .map(|(v, &q)| v as f64 * q)
            .sum::<f64>()
            / self.px[u]
    }
}

/// Mean of a pmf on 0, 1, 2, ...
pub fn mean(pmf: &[f64]) -> f64 {
    pmf.iter().enumerate().map(|(k, &p)| k as f64 * p).sum()
}

/// Pointwise information i(u, v) = ln( p(u,v) / (p(u) p(v)) ) for every cell of positive mass,
/// as (mass, information) pairs.
fn cells(j: &JointLaw) -> impl Iterator<Item = (f64, f64)> + '_ {
    (0..j.nx).flat_map(move |u| {
        (0..j.ny).filter_map(move |v| {
            let p = j.p[u * j.ny + v];
            (p > 0.0).then(|| (p, (p / (j.px[u] * j.py[v])).ln()))
        })
    })
}

/// Mutual information I(X; Y) in nats: sum p(u,v) ln( p(u,v) / (p(u) p(v)) ).
pub fn mutual_information(j: &JointLaw) -> f64 {
    cells(j).map(|(p, i)| p * i).sum::<f64>().max(0.0)
}

/// Lemma 2's coefficient C = sum p(u,v) (ln p(u,v)/(p(u)p(v)))^2 - I^2, the variance of the
/// pointwise information, so that Var[I^] ~ C / N.
///
/// Computed as sum p (i - I)^2, which is the same quantity without the cancellation of the
/// printed form when C is small against I^2.
pub fn c_coefficient(j: &JointLaw) -> f64 {
    let i = cells(j).map(|(p, i)| p * i).sum::<f64>();
    cells(j).map(|(p, x)| p * (x - i) * (x - i)).sum()
}

/// Expected number of distinct values seen in `n` i.i.d. draws from `pmf`:
/// sum over values of 1 - (1 - p)^n. This is the r (or s) used in Lemma 1 and in the
/// improved model's chi-square degrees of freedom.
pub fn expected_distinct(pmf: &[f64], n: usize) -> f64 {
    let n = n as f64;
    pmf.iter()
        .filter(|&&p| p > 0.0)
        .map(|&p| -(n * (-p).ln_1p()).exp_m1())
        .sum()
}
