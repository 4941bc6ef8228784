//! The duration of a trial: the scenario's own, at least what the counting attacks need (warmup
//! + largest sample size x interval), else that need, else warmup + 10 s.

use super::error::ScenarioError;
use super::schema::ScenarioFile;
use super::AttackConfig;
use crate::engine::SimTime;
use crate::units;

/// The duration of a trial of `file` with its resolved `attacks`.
pub(super) fn resolve_duration(
    file: &ScenarioFile,
    attacks: &[AttackConfig],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<SimTime, ScenarioError> {
    let warmup = file.warmup.0;
    let mut need: Option<SimTime> = None;
    for ((at, _), a) in file.attack.entries().iter().zip(attacks) {
        let Some((interval, bins)) = a.kind.counting() else {
            continue;
        };
        let span = attack_span(warmup, interval, bins).ok_or_else(|| {
            err(
                format!("{at}.sample_sizes"),
                format!(
                    "warmup + largest sample size x interval = {} + {} x {} is beyond the largest simulated time {} (2^53 ns): expected fewer or shorter intervals",
                    units::Duration(warmup),
                    bins,
                    units::Duration(interval),
                    units::Duration(units::MAX_TIME)
                ),
            )
        })?;
        need = Some(need.map_or(span, |n: SimTime| n.max(span)));
    }
    let duration = match (&file.duration, need) {
        (Some(d), Some(need)) if d.get_ref().0 < need => {
            return Err(err(
                "duration".into(),
                format!(
                    "expected at least warmup + largest sample size x interval = {}, got {}",
                    units::Duration(need),
                    d.get_ref()
                ),
            ))
        }
        (Some(d), _) if d.get_ref().0 <= warmup => {
            return Err(err(
                "duration".into(),
                format!(
                    "expected a duration longer than the warmup ({}), got {}",
                    file.warmup,
                    d.get_ref()
                ),
            ))
        }
        (Some(d), _) => d.get_ref().0,
        (None, Some(need)) => need,
        (None, None) => warmup.saturating_add(10_000_000_000),
    };
    if duration > units::MAX_TIME {
        return Err(err(
            "warmup".into(),
            format!(
                "warmup + 10s (the default duration without an attack) is beyond the largest simulated time {}",
                units::Duration(units::MAX_TIME)
            ),
        ));
    }
    Ok(duration)
}

/// warmup + largest sample size x interval, if it is within [`units::MAX_TIME`].
fn attack_span(warmup: SimTime, interval: SimTime, bins: usize) -> Option<SimTime> {
    interval
        .checked_mul(bins as u64)
        .and_then(|t| t.checked_add(warmup))
        .filter(|&t| t <= units::MAX_TIME)
}
