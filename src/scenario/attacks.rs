//! Attack tables: each table's kind, name and keys, then the kind's own resolution (the
//! correlation and likelihood attacks here; watermark, multi-flow, hop-by-hop and supermix in
//! their own files).

use super::error::{self, ScenarioError};
use super::schema;
use super::{adversary, check_name, watermark};
use super::{
    AttackConfig, AttackKind, CorrelationAttack, Flow, LikelihoodAttack, Link, Node,
    ResolvedNodeKind, Watermark, ATTACK_KINDS, ESTIMATORS, LIKELIHOOD_VARIANTS,
};
use crate::engine::SimTime;
use crate::net::MixStrategy;
use crate::units;
use toml::Spanned;

/// What attacks are resolved against.
pub(crate) struct Placed<'a> {
    pub nodes: &'a [Node],
    pub links: &'a [Link],
    pub flows: &'a [Flow],
    pub watermarks: &'a [Watermark],
}

/// Validate every attack table: its kind, its name (unique), the keys its kind takes, and
/// whatever attacks that count packets must agree on (the taps count in one interval).
pub(super) fn resolve_attacks(
    attacks: &schema::Attacks,
    placed: &Placed<'_>,
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<AttackConfig>, ScenarioError> {
    let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
    let mut out: Vec<AttackConfig> = Vec::new();
    let mut counting: Option<(SimTime, String)> = None;
    for (at, a) in attacks.entries() {
        let kind = a
            .kind
            .as_ref()
            .map(|k| k.get_ref().as_str())
            .unwrap_or("correlation");
        let Some(&(_, keys)) = schema::ATTACK_KEYS.iter().find(|(k, _)| *k == kind) else {
            return Err(err(
                format!("{at}.kind"),
                format!(
                    "unknown attack kind \"{kind}\"{}; known: {}",
                    error::suggestion(kind, ATTACK_KINDS),
                    ATTACK_KINDS.join(", ")
                ),
            ));
        };
        if let Some(foreign) = attack_keys_set(a).into_iter().find(|k| !keys.contains(k)) {
            return Err(err(
                format!("{at}.{foreign}"),
                format!(
                    "`{foreign}` does not apply to kind = \"{kind}\"; its keys: kind, name, {}",
                    keys.join(", ")
                ),
            ));
        }
        let name = a
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| kind.to_string());
        if let Err(m) = check_name(&name, "attack", false) {
            return Err(err(format!("{at}.name"), m.to_string()));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(err(
                format!("{at}.name"),
                format!("two attacks are named \"{name}\": give each attack a distinct `name`"),
            ));
        }
        let resolved = match kind {
            "correlation" => AttackKind::Correlation(resolve_correlation(
                a, &at, nodes, links, flows, err, warnings,
            )?),
            "watermark" => AttackKind::Watermark(watermark::resolve_attack(a, &at, placed, err)?),
            "likelihood" => AttackKind::Likelihood(resolve_likelihood(
                a, &at, nodes, links, flows, err, warnings,
            )?),
            "mfa" => AttackKind::Mfa(adversary::resolve_mfa(a, &at, placed, err)?),
            "hop_by_hop" => AttackKind::HopByHop(adversary::resolve_hop_by_hop(
                a, &at, placed, err, warnings,
            )?),
            "supermix" => {
                AttackKind::Supermix(adversary::resolve_supermix(a, &at, placed, err, warnings)?)
            }
            _ => unreachable!("every kind of ATTACK_KEYS is resolved here"),
        };
        if let Some((interval, _)) = resolved.counting() {
            match &counting {
                Some((i, first)) if *i != interval => {
                    return Err(err(
                        format!("{at}.interval"),
                        format!(
                            "expected the interval of {first} ({}), got {}: the taps count packets in one interval for every attack",
                            units::Duration(*i),
                            units::Duration(interval)
                        ),
                    ))
                }
                Some(_) => {}
                None => counting = Some((interval, at.clone())),
            }
        }
        out.push(AttackConfig {
            name,
            kind: resolved,
        });
    }
    Ok(out)
}

/// The kind-specific keys an attack table sets.
fn attack_keys_set(a: &schema::AttackSpec) -> Vec<&'static str> {
    let mut set = Vec::new();
    for (k, present) in [
        ("target", a.target.is_some()),
        ("interval", a.interval.is_some()),
        ("sample_sizes", a.sample_sizes.is_some()),
        ("candidates", a.candidates.is_some()),
        ("estimators", a.estimators.is_some()),
        ("watermark", a.watermark.is_some()),
        ("observe", a.observe.is_some()),
        ("anchor", a.anchor.is_some()),
        ("sync", a.sync.is_some()),
        ("sync_delay", a.sync_delay.is_some()),
        ("reference", a.reference.is_some()),
        ("search_sigmas", a.search_sigmas.is_some()),
        ("search_step", a.search_step.is_some()),
        ("search_spread", a.search_spread.is_some()),
        ("variants", a.variants.is_some()),
        ("t_avg", a.t_avg.is_some()),
        ("test", a.test.is_some()),
        ("bin", a.bin.is_some()),
        ("span", a.span.is_some()),
        ("alpha", a.alpha.is_some()),
        ("permutations", a.permutations.is_some()),
        ("baseline", a.baseline.is_some()),
        ("groups", a.groups.is_some()),
        ("scorers", a.scorers.is_some()),
        ("mixes", a.mixes.is_some()),
        ("links", a.links.is_some()),
    ] {
        if present {
            set.push(k);
        }
    }
    set
}

/// A likelihood table: target, candidates, interval and sample sizes as for correlation; its
/// variants; the mean hold it assumes (by default the target's first mix's, which must then
/// be an exponential mix: the attack needs a delay law).
fn resolve_likelihood(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<LikelihoodAttack, ScenarioError> {
    let c = resolve_correlation(a, at, nodes, links, flows, err, warnings)?;
    let variants: Vec<String> = match &a.variants {
        None => LIKELIHOOD_VARIANTS.iter().map(|v| v.to_string()).collect(),
        Some(list) => {
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let name = v.get_ref();
                if !LIKELIHOOD_VARIANTS.contains(&name.as_str()) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!(
                            "unknown variant \"{name}\"{}; expected one of: {}",
                            error::suggestion(name, LIKELIHOOD_VARIANTS),
                            LIKELIHOOD_VARIANTS.join(", ")
                        ),
                    ));
                }
                if out.contains(name) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!("variant \"{name}\" is listed twice"),
                    ));
                }
                out.push(name.clone());
            }
            if out.is_empty() {
                return Err(err(
                    format!("{at}.variants"),
                    format!(
                        "expected at least one variant of: {}",
                        LIKELIHOOD_VARIANTS.join(", ")
                    ),
                ));
            }
            out
        }
    };
    let mix = links[c.observe_link].to;
    let t_avg = match (&a.t_avg, &nodes[mix].kind) {
        (Some(t), _) if t.get_ref().0 == 0 => {
            return Err(err(
                format!("{at}.t_avg"),
                "expected a positive mean hold".to_string(),
            ))
        }
        (Some(t), _) => t.get_ref().0,
        (None, ResolvedNodeKind::Mix {
            strategy: MixStrategy::Exponential { mean_ns },
        }) => mean_ns.round() as SimTime,
        (None, _) => {
            return Err(err(
                format!("{at}.t_avg"),
                format!(
                    "the target's first mix \"{}\" is not an exponential (continuous-time) mix, so it gives no delay law: set `t_avg`, the mean hold the adversary assumes",
                    nodes[mix].name
                ),
            ))
        }
    };
    Ok(LikelihoodAttack {
        target: c.target,
        observe_link: c.observe_link,
        candidates: c.candidates,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        variants,
        t_avg,
    })
}

pub(crate) fn resolve_correlation(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<CorrelationAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str| err(key(k), format!("missing required key \"{k}\" in {at}"));
    let target_name = a
        .target
        .as_ref()
        .ok_or_else(|| missing("target"))?
        .get_ref();
    let flow_names: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
    let target = flows
        .iter()
        .position(|f| f.name == *target_name)
        .ok_or_else(|| {
            err(
                key("target"),
                format!(
                    "no flow named \"{target_name}\"{}; known flows: {}",
                    error::suggestion(target_name, &flow_names),
                    if flow_names.is_empty() {
                        "none".to_string()
                    } else {
                        flow_names.join(", ")
                    }
                ),
            )
        })?;
    let tf = &flows[target];
    let first_mix = tf
        .route
        .iter()
        .position(|&n| matches!(nodes[n].kind, ResolvedNodeKind::Mix { .. }))
        .ok_or_else(|| {
            err(
                key("target"),
                format!("flow \"{}\" crosses no mix: nothing to attack", tf.name),
            )
        })?;
    if first_mix == 0 {
        return Err(err(
            key("target"),
            format!("flow \"{}\" starts at mix \"{}\": the adversary needs a link into the mix to observe", tf.name, nodes[tf.route[0]].name),
        ));
    }
    let observe_link = tf.links[first_mix - 1];
    let true_link = tf.links[first_mix];
    // With per-message routes, the adversary's links must carry every message of the target
    // (else which link is "its" link changes from message to message).
    let partial = |l: usize| {
        tf.choices.is_some()
            && tf
                .link_shares
                .iter()
                .any(|&(x, share)| x == l && share < 1.0 - 1e-9)
    };
    if partial(observe_link) || partial(true_link) && a.candidates.is_none() {
        return Err(err(
            key("target"),
            format!("flow \"{}\" draws a route per message and its first mix, or the hop after it, is a layer: expected a fixed node (a provider) before its first layer and explicit candidates on links every route takes", tf.name),
        ));
    }
    let link_names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let candidates = match &a.candidates {
        Some(c) => {
            let mut out = Vec::new();
            for (k, name) in c.iter().enumerate() {
                let i = links
                    .iter()
                    .position(|l| l.name == *name.get_ref())
                    .ok_or_else(|| {
                        err(
                            format!("{at}.candidates[{k}]"),
                            format!(
                                "no link named \"{}\"{}; links are written \"from->to\": {}",
                                name.get_ref(),
                                error::suggestion(name.get_ref(), &link_names),
                                link_names.join(", ")
                            ),
                        )
                    })?;
                if out.contains(&i) {
                    return Err(err(
                        format!("{at}.candidates[{k}]"),
                        format!("link {} is listed twice", links[i].name),
                    ));
                }
                if partial(i) {
                    return Err(err(
                        format!("{at}.candidates[{k}]"),
                        format!("link {} carries only some of flow \"{}\"'s messages (it draws a route per message): expected links every route takes, like its receiver's", links[i].name, tf.name),
                    ));
                }
                out.push(i);
            }
            if !out.iter().any(|l| tf.links.contains(l)) {
                // Allowed: an adversary may watch the wrong links. The scorer finds no true
                // candidate, so every trial counts as a failure.
                warnings.push(err(
                    key("candidates"),
                    format!(
                        "none of the candidates carries flow \"{}\" (it leaves the mix by {}): the attack cannot name its link, and every trial counts as a failure",
                        tf.name, links[true_link].name
                    ),
                ));
            }
            out
        }
        None => {
            let mix = tf.route[first_mix];
            links
                .iter()
                .enumerate()
                .filter(|(_, l)| l.from == mix)
                .map(|(i, _)| i)
                .collect()
        }
    };
    if candidates.len() < 2 {
        return Err(err(
            key("candidates"),
            format!(
                "expected at least two candidate links, got {}: with one, detection is trivial",
                candidates.len()
            ),
        ));
    }
    let raw = a
        .sample_sizes
        .as_ref()
        .ok_or_else(|| missing("sample_sizes"))?
        .get_ref();
    if raw.is_empty() {
        return Err(err(
            key("sample_sizes"),
            "expected a non-empty list of sample sizes (intervals), like [60, 480, 3000]".into(),
        ));
    }
    if let Some(k) = raw.iter().position(|&n| n == 0) {
        return Err(err(
            format!("{at}.sample_sizes[{k}]"),
            "expected sample sizes above zero".into(),
        ));
    }
    let mut sizes: Vec<usize> = raw.iter().map(|&n| n as usize).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let interval = a
        .interval
        .as_ref()
        .map(|i| i.get_ref().0)
        .unwrap_or(super::DEFAULT_TAP_INTERVAL);
    if interval == 0 {
        return Err(err(
            key("interval"),
            "expected a sampling interval above zero".into(),
        ));
    }
    let mut estimators = Vec::new();
    let default_estimators = [Spanned::new(0..0, "mi".to_string())];
    let named = a.estimators.as_deref().unwrap_or(&default_estimators);
    for (k, e) in named.iter().enumerate() {
        let e = e.get_ref();
        if estimators.contains(e) {
            return Err(err(
                format!("{at}.estimators[{k}]"),
                format!("estimator \"{e}\" is listed twice: expected each estimator once"),
            ));
        }
        if !ESTIMATORS.contains(&e.as_str()) {
            return Err(err(
                format!("{at}.estimators[{k}]"),
                format!(
                    "unknown estimator \"{e}\"{}; known: {}",
                    error::suggestion(e, ESTIMATORS),
                    ESTIMATORS.join(", ")
                ),
            ));
        }
        estimators.push(e.clone());
    }
    if estimators.is_empty() {
        return Err(err(
            key("estimators"),
            format!(
                "expected at least one estimator of: {}",
                ESTIMATORS.join(", ")
            ),
        ));
    }
    Ok(CorrelationAttack {
        target,
        observe_link,
        candidates,
        interval,
        sample_sizes: sizes,
        estimators,
    })
}
