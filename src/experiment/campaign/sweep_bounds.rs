//! Bounded work of a sweep, checked before anything of the size it bounds is built.
//!
//! A sweep holds every point's scenario in memory and writes one record per work unit (a chunk
//! of a point's trials), so the number of points and of units are bounded, computed from the
//! axes' lengths and `trials / chunk` with wide arithmetic before the grid is expanded. Each
//! point's run (`trials` trials of its scenario) is held to the scenario's own bound on the
//! events of a run (`scenario::bounds::MAX_RUN_EVENTS`). The limits are documented in
//! `docs/limits.md`.

use super::sweep::Mode;

/// Points of one sweep: 10^5, as many as one range axis may hold. Every point keeps its
/// resolved scenario in memory and a directory of records on disk.
pub const MAX_POINTS: u128 = 100_000;

/// Work units (chunks of trials) of one sweep: 10^6. Each is a record file, listed and assigned
/// to shards up front.
pub const MAX_UNITS: u128 = 1_000_000;

/// A sweep beyond a limit: what exceeds it, the estimate and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SweepBoundError {
    #[error("the axes make {points} points ({product}), above the limit of {MAX_POINTS}: expected fewer values")]
    Points { points: u128, product: String },
    #[error("{points} points x {per_point} chunks of {chunk} trials is {units} work units, above the limit of {MAX_UNITS}: expected fewer trials or a larger chunk")]
    Units {
        points: usize,
        per_point: u128,
        chunk: u64,
        units: u128,
    },
}

/// Points of a grid whose axes have `lengths` values (zip mode: the common length), without
/// building it.
pub fn grid_points(lengths: &[usize], mode: Mode) -> u128 {
    match mode {
        Mode::Product => lengths
            .iter()
            .try_fold(1u128, |acc, &n| acc.checked_mul(n as u128))
            .unwrap_or(u128::MAX),
        Mode::Zip => lengths.first().copied().unwrap_or(0) as u128,
    }
}

/// Refuse a grid beyond [`MAX_POINTS`].
pub fn check_points(lengths: &[usize], mode: Mode) -> Result<(), SweepBoundError> {
    let points = grid_points(lengths, mode);
    if points <= MAX_POINTS {
        return Ok(());
    }
    let product = lengths
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" x ");
    Err(SweepBoundError::Points { points, product })
}

/// Refuse `points` points of `trials` trials in chunks of `chunk` beyond [`MAX_UNITS`].
pub fn check_units(points: usize, trials: u64, chunk: u64) -> Result<(), SweepBoundError> {
    let per_point = trials.div_ceil(chunk.max(1)) as u128;
    let units = per_point * points as u128;
    if units <= MAX_UNITS {
        return Ok(());
    }
    Err(SweepBoundError::Units {
        points,
        per_point,
        chunk,
        units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_without_building_the_grid() {
        assert_eq!(grid_points(&[3, 4], Mode::Product), 12);
        assert_eq!(grid_points(&[100_000; 2], Mode::Product), 10_000_000_000);
        assert_eq!(grid_points(&[usize::MAX; 4], Mode::Product), u128::MAX);
        assert_eq!(grid_points(&[5, 5], Mode::Zip), 5);
        assert!(check_points(&[100_000, 100_000], Mode::Product).is_err());
        assert!(check_points(&[100_000], Mode::Product).is_ok());
    }

    #[test]
    fn units_of_huge_trial_counts() {
        assert!(check_units(7, 1000, 100).is_ok());
        assert!(check_units(1, 1_000_000_000_000, 100).is_err());
        assert!(check_units(usize::MAX, u64::MAX, 1).is_err());
    }
}
