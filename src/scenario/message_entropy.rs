//! `kind = "message_entropy"`: the anonymity of one message, as an attack table. The global
//! adversary tags the target flow's first packet after the warm-up where it enters its first
//! mix, follows it through every mix from the tap traces, and the run reports the entropy in
//! bits of where it could have gone, over the run's own trials:
//! ```toml
//! [[attack]]
//! name = "anonymity"
//! kind = "message_entropy"
//! target = "alice"             # the flow whose message is tagged
//! ```
//! It names no candidate, so it adds no detection point: its result is a summary entry of its
//! own (`experiment::message`).

use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Placed, Truth};
use super::error::{self, ScenarioError};
use super::{ResolvedNodeKind, Scenario};
use crate::attack::Attack;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The registry entry of `kind = "message_entropy"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<Keys>(
    "message_entropy",
    "the global adversary following one tagged message of the target through every mix: the entropy in bits of where it went",
    &["target"],
);

/// The keys of a `message_entropy` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keys {
    /// The flow whose message is tagged. Required.
    #[serde(default)]
    pub target: Option<Spanned<String>>,
}

/// A validated `message_entropy` table.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageEntropyAttack {
    /// The flow whose first packet after the warm-up is tagged.
    pub target: usize,
}

impl AttackTable for MessageEntropyAttack {
    /// None: it is reported beside the detection points, from its own traces
    /// (`experiment::message`).
    fn attacks(&self, _: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        Vec::new()
    }
}

impl KindKeys for Keys {
    type Table = MessageEntropyAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        _warnings: &mut Vec<ScenarioError>,
    ) -> Result<MessageEntropyAttack, ScenarioError> {
        let key = format!("{at}.target");
        let name = self
            .target
            .as_ref()
            .ok_or_else(|| {
                err(
                    key.clone(),
                    format!("missing required key \"target\" in {at}"),
                )
            })?
            .get_ref();
        let names: Vec<&str> = placed.flows.iter().map(|f| f.name.as_str()).collect();
        let target = names.iter().position(|n| n == name).ok_or_else(|| {
            err(
                key.clone(),
                format!(
                    "no flow named \"{name}\"{}; known flows: {}",
                    error::suggestion(name, &names),
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        })?;
        let crosses_mix = placed.flows[target]
            .route
            .iter()
            .any(|&n| matches!(placed.nodes[n].kind, ResolvedNodeKind::Mix { .. }));
        if !crosses_mix {
            return Err(err(
                key,
                format!("flow \"{name}\" crosses no mix: no message of it is mixed"),
            ));
        }
        Ok(MessageEntropyAttack { target })
    }
}
