//! Nodes: hosts and mixes. A mix takes its strategy's keys and no other; a host takes none.

use super::error::ScenarioError;
use super::schema::{self, BatchOrderSpec, MixStrategyKind, NodeKind, ScenarioFile};
use super::{check_name, Node, ResolvedNodeKind};
use crate::engine::SimTime;
use crate::net::{BatchOrder, MixStrategy};
use std::collections::HashMap;

/// The nodes of `file`, in file order, and their indices by name.
pub(super) fn resolve_nodes<'a>(
    file: &'a ScenarioFile,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Vec<Node>, HashMap<&'a str, usize>), ScenarioError> {
    // Names are looked up in hash maps: resolution stays linear in the size of the file
    // (a generated mixnet has tens of thousands of nodes, links and flows).
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_at: HashMap<&str, usize> = HashMap::with_capacity(file.nodes.len());
    for (i, n) in file.nodes.iter().enumerate() {
        let name = n.name.get_ref();
        check_name(name, "node", true)
            .map_err(|e| err(format!("node[{i}].name"), e.to_string()))?;
        if let Some(&j) = node_at.get(name.as_str()) {
            return Err(err(
                format!("node[{i}].name"),
                format!("node \"{name}\" is defined twice (first as node[{j}])"),
            ));
        }
        let kind = match n.kind {
            NodeKind::Host => {
                // "exponential", the default, is tolerated: earlier runs' provenance writes
                // it on every node.
                let strategy = n.strategy.filter(|k| *k != MixStrategyKind::Exponential);
                let order = n.order.map(|_| &"order");
                if let Some(key) = mix_keys(n)
                    .first()
                    .or(strategy.map(|_| &"strategy"))
                    .or(order)
                {
                    return Err(err(
                        format!("node[{i}].{key}"),
                        format!("host \"{name}\" cannot have {key}: only nodes of kind = \"mix\" hold packets"),
                    ));
                }
                ResolvedNodeKind::Host
            }
            NodeKind::Mix => ResolvedNodeKind::Mix {
                strategy: mix_strategy(n, name, &|key: &str, m: String| {
                    err(format!("node[{i}].{key}"), m)
                })?,
            },
        };
        let order = batch_order(n, kind, &|m: String| err(format!("node[{i}].order"), m))?;
        node_at.insert(name.as_str(), nodes.len());
        nodes.push(Node {
            name: name.clone(),
            kind,
            order,
        });
    }
    Ok((nodes, node_at))
}

/// A mix's batch order: random unless `order = "arrival"`; refused on a mix that sends no
/// batches (the exponential mix holds each packet on its own).
fn batch_order(
    n: &schema::NodeSpec,
    kind: ResolvedNodeKind,
    err: &dyn Fn(String) -> ScenarioError,
) -> Result<BatchOrder, ScenarioError> {
    match (n.order, kind) {
        (None, _) | (_, ResolvedNodeKind::Host) => Ok(BatchOrder::Random),
        (Some(_), ResolvedNodeKind::Mix { strategy: MixStrategy::Exponential { .. } }) => Err(err(
            format!("mix \"{}\" with strategy = \"exponential\" holds each packet on its own and sends no batch to order: order applies to the batch strategies (timed, threshold, threshold-or-timed, timed-pool, threshold-pool, binomial)", n.name.get_ref()),
        )),
        (Some(BatchOrderSpec::Random), _) => Ok(BatchOrder::Random),
        (Some(BatchOrderSpec::Arrival), _) => Ok(BatchOrder::Arrival),
    }
}

/// The mix keys a node sets (`t_avg`, `threshold`, `pool`, `mu`, `sigma`), in that order.
fn mix_keys(n: &schema::NodeSpec) -> Vec<&'static str> {
    [
        ("t_avg", n.t_avg.is_some()),
        ("threshold", n.threshold.is_some()),
        ("pool", n.pool.is_some()),
        ("mu", n.mu.is_some()),
        ("sigma", n.sigma.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}

/// Largest threshold or pool accepted: a mix holding more is not a mix anyone deploys, and it
/// keeps counts in `u32`.
const MAX_BATCH: u64 = 1_000_000;

/// A binomial mix's real parameter `key` (required): finite, and above zero if `positive`.
fn real(
    key: &str,
    v: &Option<toml::Spanned<f64>>,
    positive: bool,
    missing: &dyn Fn(&str, &str) -> ScenarioError,
    err: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<f64, ScenarioError> {
    let x = *v.as_ref().ok_or_else(|| missing(key, "10.0"))?.get_ref();
    if !x.is_finite() || (positive && x <= 0.0) {
        let what = if positive {
            "a finite number above zero"
        } else {
            "a finite number"
        };
        return Err(err(key, format!("expected {what}, got {x}")));
    }
    Ok(x)
}

/// A key of another strategy than the mix's is refused with the strategy's own keys.
fn refuse_foreign_keys(
    n: &schema::NodeSpec,
    node: &str,
    kind: MixStrategyKind,
    err: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let needs: &[&str] = match kind {
        MixStrategyKind::Exponential | MixStrategyKind::Timed => &["t_avg"],
        MixStrategyKind::Threshold => &["threshold"],
        MixStrategyKind::ThresholdOrTimed => &["threshold", "t_avg"],
        MixStrategyKind::TimedPool => &["t_avg", "pool"],
        MixStrategyKind::ThresholdPool => &["threshold", "pool"],
        MixStrategyKind::Binomial => &["t_avg", "mu", "sigma"],
    };
    match mix_keys(n).into_iter().find(|key| !needs.contains(key)) {
        Some(key) => Err(err(
            key,
            format!(
                "mix \"{node}\" with strategy = \"{}\" takes no {key}; its keys are: {}",
                kind.name(),
                needs.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// Resolve a mix node's strategy and its keys: each strategy requires its own keys and refuses
/// the others. `err(key, message)` locates an error at `node[i].key`.
fn mix_strategy(
    n: &schema::NodeSpec,
    node: &str,
    err: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<MixStrategy, ScenarioError> {
    let kind = n.strategy.unwrap_or_default();
    let name = kind.name();
    refuse_foreign_keys(n, node, kind, err)?;
    let missing = |key: &str, example: &str| {
        err(
            key,
            format!("mix \"{node}\" needs {key} (strategy = \"{name}\"), like {key} = {example}"),
        )
    };
    let period = || -> Result<SimTime, ScenarioError> {
        let t = n
            .t_avg
            .as_ref()
            .ok_or_else(|| missing("t_avg", "\"20ms\""))?;
        if t.get_ref().0 == 0 {
            let what = if kind == MixStrategyKind::Exponential {
                "a mean hold"
            } else {
                "a flush period"
            };
            return Err(err(
                "t_avg",
                format!("expected {what} above zero, got \"{}\"", t.get_ref()),
            ));
        }
        Ok(t.get_ref().0)
    };
    let count = |key: &str, v: &Option<toml::Spanned<u64>>| -> Result<u32, ScenarioError> {
        let v = *v.as_ref().ok_or_else(|| missing(key, "10"))?.get_ref();
        if !(1..=MAX_BATCH).contains(&v) {
            return Err(err(
                key,
                format!("expected a number of packets from 1 to {MAX_BATCH}, got {v}"),
            ));
        }
        Ok(v as u32)
    };
    Ok(match kind {
        MixStrategyKind::Exponential => MixStrategy::Exponential {
            mean_ns: period()? as f64,
        },
        MixStrategyKind::Timed => MixStrategy::Timed { period: period()? },
        MixStrategyKind::Threshold => MixStrategy::Threshold {
            n: count("threshold", &n.threshold)?,
        },
        MixStrategyKind::ThresholdOrTimed => MixStrategy::ThresholdOrTimed {
            n: count("threshold", &n.threshold)?,
            period: period()?,
        },
        MixStrategyKind::TimedPool => MixStrategy::TimedPool {
            period: period()?,
            pool: count("pool", &n.pool)?,
        },
        MixStrategyKind::ThresholdPool => MixStrategy::ThresholdPool {
            n: count("threshold", &n.threshold)?,
            pool: count("pool", &n.pool)?,
        },
        MixStrategyKind::Binomial => MixStrategy::Binomial {
            period: period()?,
            mu: real("mu", &n.mu, false, &missing, err)?,
            sigma: real("sigma", &n.sigma, true, &missing, err)?,
        },
    })
}
