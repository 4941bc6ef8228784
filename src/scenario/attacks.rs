//! The registry of attack kinds, and the resolution of attack tables through it.
//!
//! Each kind lives in its own file and describes itself with an [`AttackKindDef`]: the value of
//! `kind`, one line saying what it does, the keys its table takes besides `kind` and `name`,
//! and its resolution from the table to an [`AttackKind`]. [`ATTACK_REGISTRY`] lists them;
//! the kind names ([`ATTACK_KINDS`]), the keys refused as foreign to a kind, the errors that
//! list the kinds and the table of kinds in docs/attacks.md ([`kinds_table`]) all come from it.
//! Adding a kind is its file plus its line in the registry (and, since serde has to see every
//! key with its place in the file, its keys as fields of [`schema::AttackSpec`]; its variant
//! of [`AttackKind`]; the experiment's arm building the attack and its ground truth).

use super::error::{self, ScenarioError};
use super::schema;
use super::{
    adversary, check_name, correlation, likelihood, message_entropy, presence, watermark,
    AttackConfig, AttackKind, Flow, Link, Node, Watermark,
};
use crate::engine::SimTime;
use crate::units;

/// What attacks are resolved against.
pub(crate) struct Placed<'a> {
    pub nodes: &'a [Node],
    pub links: &'a [Link],
    pub flows: &'a [Flow],
    pub watermarks: &'a [Watermark],
}

/// Builds a kind's error at a key path: (key, message).
pub(crate) type Err<'a> = &'a dyn Fn(String, String) -> ScenarioError;

/// Resolves one attack table of a kind, at key path `at` (`attack` or `attack[i]`); a
/// located warning goes to the vector.
pub(crate) type Resolve = fn(
    &schema::AttackSpec,
    &str,
    &Placed<'_>,
    Err<'_>,
    &mut Vec<ScenarioError>,
) -> Result<AttackKind, ScenarioError>;

/// One attack kind, as the registry knows it.
pub struct AttackKindDef {
    /// The value of `kind` in the attack table.
    pub kind: &'static str,
    /// What it does, in one line (the table of kinds in the docs).
    pub about: &'static str,
    /// The keys its table takes besides `kind` and `name`.
    pub keys: &'static [&'static str],
    pub(crate) resolve: Resolve,
}

/// Every attack kind; the first is the default when a table gives no `kind`.
pub const ATTACK_REGISTRY: &[AttackKindDef] = &[
    correlation::KIND,
    watermark::KIND,
    likelihood::KIND,
    adversary::MFA,
    adversary::HOP_BY_HOP,
    adversary::SUPERMIX,
    message_entropy::KIND,
];

/// The values of `kind` in an attack table, in registry order.
pub const ATTACK_KINDS: [&str; ATTACK_REGISTRY.len()] = {
    let mut out = [""; ATTACK_REGISTRY.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = ATTACK_REGISTRY[i].kind;
        i += 1;
    }
    out
};

/// The registry entry of kind `kind`.
pub fn attack_kind(kind: &str) -> Option<&'static AttackKindDef> {
    ATTACK_REGISTRY.iter().find(|d| d.kind == kind)
}

/// The table of attack kinds in docs/attacks.md (Markdown): each kind, what it does and its
/// keys. A test keeps the docs equal to it.
pub fn kinds_table() -> String {
    let mut out = String::from("| `kind` | what it does | keys besides `kind` and `name` |\n");
    out.push_str("|---|---|---|\n");
    for d in ATTACK_REGISTRY {
        let keys: Vec<String> = d.keys.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            d.kind,
            d.about,
            keys.join(", ")
        ));
    }
    out
}

/// Validate every attack table: its kind, its name (unique), the keys its kind takes, and
/// whatever attacks that count packets must agree on (the taps count in one interval).
pub(super) fn resolve_attacks(
    attacks: &schema::Attacks,
    placed: &Placed<'_>,
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<AttackConfig>, ScenarioError> {
    let mut out: Vec<AttackConfig> = Vec::new();
    let mut counting: Option<(SimTime, String)> = None;
    for (at, a) in attacks.entries() {
        let def = kind_of(a, &at, err)?;
        let name = a
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| def.kind.to_string());
        if let Err(m) = check_name(&name, "attack", false) {
            return Err(err(format!("{at}.name"), m.to_string()));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(err(
                format!("{at}.name"),
                format!("two attacks are named \"{name}\": give each attack a distinct `name`"),
            ));
        }
        let resolved = (def.resolve)(a, &at, placed, err, warnings)?;
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

/// The registry entry a table names (the default kind without `kind`), once its keys are
/// checked to be that kind's.
fn kind_of(
    a: &schema::AttackSpec,
    at: &str,
    err: Err<'_>,
) -> Result<&'static AttackKindDef, ScenarioError> {
    let kind = a
        .kind
        .as_ref()
        .map(|k| k.get_ref().as_str())
        .unwrap_or(ATTACK_REGISTRY[0].kind);
    let Some(def) = attack_kind(kind) else {
        return Err(err(
            format!("{at}.kind"),
            format!(
                "unknown attack kind \"{kind}\"{}; known: {}",
                error::suggestion(kind, &ATTACK_KINDS),
                ATTACK_KINDS.join(", ")
            ),
        ));
    };
    if let Some(foreign) = keys_set(a).into_iter().find(|k| !def.keys.contains(k)) {
        return Err(err(
            format!("{at}.{foreign}"),
            format!(
                "`{foreign}` does not apply to kind = \"{kind}\"; its keys: kind, name, {}",
                def.keys.join(", ")
            ),
        ));
    }
    Ok(def)
}

/// The keys an attack table sets besides `kind` and `name`, in the order of
/// [`schema::AttackSpec`]'s fields (read through its `Serialize`, so no list is kept by hand).
fn keys_set(a: &schema::AttackSpec) -> Vec<&'static str> {
    let mut set = presence::fields_set(a);
    set.retain(|k| !matches!(*k, "kind" | "name"));
    set
}

#[cfg(test)]
mod tests {
    use super::super::overrides;
    use super::*;

    /// The registry and the schema agree: every key of a kind is a field of the attack table,
    /// every field belongs to some kind, no kind lists a key twice, kinds are distinct.
    #[test]
    fn registry_keys_are_the_attack_table_fields() {
        let fields = overrides::fields_of::<schema::AttackSpec>();
        let mut covered: Vec<&str> = vec!["kind", "name"];
        for d in ATTACK_REGISTRY {
            for (i, k) in d.keys.iter().enumerate() {
                assert!(
                    fields.contains(k),
                    "{}: `{k}` is no AttackSpec field",
                    d.kind
                );
                assert!(!d.keys[..i].contains(k), "{}: `{k}` listed twice", d.kind);
                covered.push(k);
            }
            assert!(!d.about.is_empty() && !d.about.contains('|'), "{}", d.kind);
        }
        for f in fields {
            assert!(covered.contains(f), "field `{f}` belongs to no attack kind");
        }
        for (i, k) in ATTACK_KINDS.iter().enumerate() {
            assert!(!ATTACK_KINDS[..i].contains(k), "kind {k} registered twice");
            assert_eq!(attack_kind(k).map(|d| d.kind), Some(*k));
        }
    }

    /// Every field set in a table is seen as set, whatever its value (a permutation count TOML
    /// cannot write back, a NaN), and an empty table sets none.
    #[test]
    fn every_field_set_is_seen() {
        let empty: schema::AttackSpec = toml::from_str("").expect("empty table");
        assert!(keys_set(&empty).is_empty());
        let all = overrides::fields_of::<schema::AttackSpec>();
        let text = "target = \"a\"\ninterval = \"10ms\"\nsample_sizes = [1]\ncandidates = [\"x\"]\nestimators = [\"mi\"]\nwatermark = \"w\"\nobserve = [\"x\"]\nanchor = \"known\"\nsync = [\"x\"]\nsync_delay = \"1ms\"\nreference = [\"x\"]\nsearch_sigmas = nan\nsearch_step = \"5ms\"\nsearch_spread = \"1ms\"\nvariants = [\"paper\"]\nt_avg = \"1ms\"\ntest = \"chi2\"\nbin = \"20ms\"\nspan = \"1s\"\nalpha = 0.01\npermutations = 9223372036854775807\nbaseline = [\"x\"]\ngroups = [[\"x\"]]\nscorers = [\"mi\"]\nmixes = [\"m\"]\nlinks = [\"x\"]\n";
        let a: schema::AttackSpec = toml::from_str(text).expect("every key parses");
        let want: Vec<&str> = all
            .iter()
            .copied()
            .filter(|k| !matches!(*k, "kind" | "name"))
            .collect();
        assert_eq!(keys_set(&a), want);
    }
}
