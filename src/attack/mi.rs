//! Mutual information of packet-count series (seed 000, eq. 1).

use super::exact::LogProduct;

/// Plug-in estimate of I(X;Y) in nats from paired samples:
/// sum over (u,v) of p^_uv ln( p^_uv / (p^_u p^_v) ), with empirical frequencies.
///
/// `x` and `y` must have the same length; an empty sample gives 0. Equal values in exact
/// arithmetic give bit-identical results (see [`super::exact`]).
pub fn plugin_mi(x: &[u32], y: &[u32]) -> f64 {
    Counts::of(x, y).plugin_mi()
}

/// The cell and margin counts of paired samples, over the ranges of values they take.
pub struct Counts {
    n: usize,
    joint: Vec<u32>,
    px: Vec<u32>,
    py: Vec<u32>,
}

impl Counts {
    /// `x` and `y` must have the same length.
    pub fn of(x: &[u32], y: &[u32]) -> Counts {
        assert_eq!(x.len(), y.len(), "paired samples must have equal length");
        let n = x.len();
        if n == 0 {
            return Counts {
                n,
                joint: Vec::new(),
                px: Vec::new(),
                py: Vec::new(),
            };
        }
        let (x_min, x_max) = min_max(x);
        let (y_min, y_max) = min_max(y);
        let rx = (x_max - x_min + 1) as usize;
        let ry = (y_max - y_min + 1) as usize;
        let mut joint = vec![0u32; rx * ry];
        let mut px = vec![0u32; rx];
        let mut py = vec![0u32; ry];
        for (&u, &v) in x.iter().zip(y) {
            let (i, j) = ((u - x_min) as usize, (v - y_min) as usize);
            joint[i * ry + j] += 1;
            px[i] += 1;
            py[j] += 1;
        }
        Counts { n, joint, px, py }
    }

    /// [`plugin_mi`] of the samples (0 for an empty sample).
    pub fn plugin_mi(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        from_counts(
            self.n as u64,
            self.joint.iter().map(|&c| c as u64),
            self.px.iter().chain(&self.py).map(|&c| c as u64),
        )
    }

    /// Distinct values of X, of Y and of the pair (X, Y) the samples hold.
    pub fn distinct(&self) -> (usize, usize, usize) {
        let seen = |v: &[u32]| v.iter().filter(|&&c| c > 0).count();
        (seen(&self.px), seen(&self.py), seen(&self.joint))
    }
}

/// [`plugin_mi`] of the series a table of joint counts stands for (`joint[u * ny + v]` pairs
/// with X = u and Y = v, in any order): the same float, without writing the series out.
pub fn plugin_mi_of_counts(joint: &[u64], ny: usize) -> f64 {
    let nx = joint.len() / ny;
    let n: u64 = joint.iter().sum();
    if n == 0 {
        return 0.0;
    }
    let row = |u: usize| joint[u * ny..(u + 1) * ny].iter().sum::<u64>();
    let col = |v: usize| (0..nx).map(|u| joint[u * ny + v]).sum::<u64>();
    from_counts(
        n,
        joint.iter().copied(),
        (0..nx).map(row).chain((0..ny).map(col)),
    )
}

/// N I = sum n_uv ln n_uv - sum n_u ln n_u - sum n_v ln n_v + N ln N, taken through its exact
/// form so that equal values give equal floats (see `super::exact`): a function of the
/// multisets of cell and margin counts alone.
fn from_counts(
    n: u64,
    cells: impl Iterator<Item = u64>,
    margins: impl Iterator<Item = u64>,
) -> f64 {
    let mut q = LogProduct::new();
    q.add(n, n as i64);
    for c in cells.filter(|&c| c > 1) {
        q.add(c, c as i64);
    }
    for c in margins.filter(|&c| c > 1) {
        q.add(c, -(c as i64));
    }
    (q.ln() / n as f64).max(0.0)
}

fn min_max(s: &[u32]) -> (u32, u32) {
    s.iter()
        .fold((u32::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn independent_and_identical_series() {
        // Identical series with two equiprobable values: I = H(X) = ln 2.
        let x = [0, 1, 0, 1, 0, 1, 0, 1];
        assert!((plugin_mi(&x, &x) - 2f64.ln()).abs() < 1e-12);
        // Product distribution exactly: I = 0.
        let x = [0, 0, 1, 1];
        let y = [0, 1, 0, 1];
        assert!(plugin_mi(&x, &y).abs() < 1e-12);
        // A constant series carries no information.
        assert_eq!(plugin_mi(&[3, 3, 3], &[1, 2, 3]), 0.0);
    }

    #[test]
    fn counts_give_the_series_float() {
        // Series drawn from a small table, against their counts: the same bits, whatever
        // the values' offsets (empty rows and columns at either end included).
        let mut rng = crate::engine::stream(9, 0, 0);
        use rand::Rng;
        for (nx, ny, n) in [(3, 4, 50), (5, 2, 400), (6, 7, 3000), (2, 3, 10)] {
            let x: Vec<u32> = (0..n).map(|_| rng.random_range(1..nx as u32)).collect();
            let y: Vec<u32> = (0..n).map(|_| rng.random_range(0..ny as u32 - 1)).collect();
            let mut joint = vec![0u64; nx * ny];
            for (&u, &v) in x.iter().zip(&y) {
                joint[u as usize * ny + v as usize] += 1;
            }
            assert_eq!(
                plugin_mi(&x, &y).to_bits(),
                plugin_mi_of_counts(&joint, ny).to_bits(),
                "{nx}x{ny}, N = {n}"
            );
        }
        assert_eq!(plugin_mi_of_counts(&[0; 6], 3), 0.0);
    }
}
