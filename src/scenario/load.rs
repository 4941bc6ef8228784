//! Load checks: every link's offered load stays below its capacity (and a padded link's slot
//! rate above its packet rate), and one packet's transmission fits in simulated time.

use super::error::ScenarioError;
use super::{Flow, Link};
use crate::engine::time;
use crate::units;

/// Refuse a link whose offered load is at or above its capacity, or a padded link offered more
/// packets than it has slots.
pub(super) fn check_offered_load(
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    // Offered load on every link must stay below its capacity, or its queue grows without
    // bound and no steady state exists for the model (or the adversary) to rely on.
    // A flow with per-message routes offers each link the share of its packets that cross it.
    let mut crossing_at: Vec<Vec<(&Flow, f64)>> = vec![Vec::new(); links.len()];
    for f in flows {
        for (li, share) in f.link_shares() {
            crossing_at[li].push((f, share));
        }
    }
    for (li, l) in links.iter().enumerate() {
        let crossing = &crossing_at[li];
        let bits: f64 = crossing
            .iter()
            .map(|(f, s)| s * f.traffic.mean_rate() * f.size as f64 * 8.0)
            .sum();
        let pps: f64 = crossing
            .iter()
            .map(|(f, s)| s * f.traffic.mean_rate())
            .sum();
        if let Some(p) = &l.padding {
            // Real packets take slots: fewer slots than packets and the queue grows.
            if pps >= p.rate {
                return Err(err(
                    format!("link[{li}].padding_rate"),
                    format!(
                        "padded link {} has {} slots/s but is offered {pps} pkt/s: expected a padding_rate above the offered packet rate",
                        l.name, p.rate
                    ),
                ));
            }
        }
        let rho = bits / l.bandwidth_bps;
        if rho >= 1.0 {
            let names: Vec<&str> = crossing.iter().map(|(f, _)| f.name.as_str()).collect();
            return Err(err(
                format!("link[{li}].bandwidth"),
                format!(
                    "link {} is offered {} ({pps} pkt/s from flows {}) but its capacity is {} (load {:.0}%): expected an offered load below capacity",
                    l.name,
                    units::Bandwidth(bits),
                    names.join(", "),
                    units::Bandwidth(l.bandwidth_bps),
                    rho * 100.0
                ),
            ));
        }
    }
    Ok(())
}

/// Refuse a link on which one packet would take longer to transmit than the largest simulated
/// time (a tiny bandwidth, a huge packet): its departure time could not be represented.
pub(super) fn check_transmission_times(
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let mut biggest_at: Vec<Option<u32>> = vec![None; links.len()];
    for f in flows {
        let ack = f.traffic.tcp().map(|p| p.ack_size);
        let shares = f.link_shares();
        let sized = shares.iter().map(|&(l, _)| (l, Some(f.size)));
        for (li, size) in sized.chain(f.ack_links.iter().map(|&l| (l, ack))) {
            biggest_at[li] = biggest_at[li].max(size);
        }
    }
    for (li, l) in links.iter().enumerate() {
        let biggest = biggest_at[li];
        if let Some(size) = biggest {
            let seconds = size as f64 * 8.0 / l.bandwidth_bps;
            if seconds > time::to_secs_f64(units::MAX_TIME) {
                return Err(err(
                    format!("link[{li}].bandwidth"),
                    format!(
                        "a {size}B packet takes {:.3e} s to cross link {} at {}, beyond the largest simulated time {}: expected a higher bandwidth",
                        seconds,
                        l.name,
                        units::Bandwidth(l.bandwidth_bps),
                        units::Duration(units::MAX_TIME)
                    ),
                ));
            }
        }
    }
    Ok(())
}
