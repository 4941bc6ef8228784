//! The registry of attack kinds, and the parsing and resolution of attack tables through it.
//!
//! Each kind lives in its own file, which holds everything about it:
//! - its typed keys: a serde struct of its own ([`KindKeys`]), every key optional so that a
//!   missing one is the kind's located error;
//! - their resolution against the placed network, to the validated table ([`AttackTable`]);
//! - the [`Attack`] objects the table runs, each beside the ground truth it is scored against
//!   ([`AttackTable::attacks`]);
//! - its registry entry, [`AttackKindDef::of`] (the `kind` value, one line saying what it does,
//!   the keys its table takes).
//!
//! [`ATTACK_REGISTRY`] lists the entries. The kind names ([`ATTACK_KINDS`]), the keys an attack
//! table may hold (refused as unknown otherwise), the keys refused as foreign to a kind, the
//! errors that list kinds and keys, the `--set attack.KEY` paths and the table of kinds in
//! docs/attacks.md ([`kinds_table`]) all come from it. Adding a kind is its file plus its line
//! in the registry; the unit test `experiment::toy_kind` adds one that way.
//!
//! An attack table is read in two passes over the file's text. Serde's pass over the whole file
//! only checks that `attack` holds tables ([`schema::Attacks`]); [`parse_tables`] then reads
//! each table key by key, in the order serde reads keys, with the registry's types, so that an
//! unknown key or a value of the wrong type is the same located error at the same place as any
//! other key's.

use super::error::{self, ScenarioError, Source};
use super::schema::{self, AttackSpec, Attacks};
use super::{check_name, AttackConfig, Flow, Link, Node, Scenario, Watermark};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::units;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// What attacks are resolved against.
pub(crate) struct Placed<'a> {
    pub nodes: &'a [Node],
    pub links: &'a [Link],
    pub flows: &'a [Flow],
    pub watermarks: &'a [Watermark],
}

/// Builds a kind's error at a key path: (key, message).
pub(crate) type Err<'a> = &'a dyn Fn(String, String) -> ScenarioError;

/// A list of names from a fixed set (`{at}.{key}`, each a `what`): each known, each once, at
/// least one; in the file's order.
pub(super) fn known_names(
    list: &[Spanned<String>],
    at: &str,
    key: &str,
    what: &str,
    known: &[&str],
    err: Err<'_>,
) -> Result<Vec<String>, ScenarioError> {
    let mut out: Vec<String> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let name = v.get_ref();
        if !known.contains(&name.as_str()) {
            return Err(err(
                format!("{at}.{key}[{i}]"),
                format!(
                    "unknown {what} \"{name}\"{}; expected one of: {}",
                    error::suggestion(name, known),
                    known.join(", ")
                ),
            ));
        }
        if out.contains(name) {
            return Err(err(
                format!("{at}.{key}[{i}]"),
                format!("{what} \"{name}\" is listed twice"),
            ));
        }
        out.push(name.clone());
    }
    if out.is_empty() {
        return Err(err(
            format!("{at}.{key}"),
            format!("expected at least one {what} of: {}", known.join(", ")),
        ));
    }
    Ok(out)
}

/// What the experiment knows of an attack and the attack does not: the ground truth its
/// verdicts are scored against. The scenario works it out (it knows the flows' routes); only
/// the scorer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Truth {
    /// The index (among the attack's candidates) of the one carrying the target, or `None`
    /// when the candidates miss it.
    Identification { true_candidate: Option<usize> },
    /// Per subject the attack examines, in its order: marked or not.
    Detection { marked: Vec<bool> },
}

/// An attack table after validation: what a run needs of it. Each kind's validated table
/// implements it; [`AttackKind::get`] gives library users the kind's own type back.
pub trait AttackTable: fmt::Debug + Send + Sync + Any + TableEq {
    /// Sampling interval and series length (intervals) it observes, if it is measured in
    /// intervals (the taps then count in that interval, shared by every such table).
    fn counting(&self) -> Option<(SimTime, usize)> {
        None
    }

    /// The flow an identification attack follows (its latency is reported on its own).
    fn target(&self) -> Option<usize> {
        None
    }

    /// The attacks of the table, in the order they are scored and reported, each beside its
    /// ground truth. A table that names no candidate (message entropy) runs none.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)>;
}

/// Equality of validated tables whatever their kind (two tables of different kinds differ).
pub trait TableEq {
    fn table_eq(&self, other: &dyn Any) -> bool;
}

impl<T: PartialEq + Any> TableEq for T {
    fn table_eq(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>() == Some(self)
    }
}

/// The typed keys of one kind's attack table, and their resolution.
pub(crate) trait KindKeys:
    DeserializeOwned + Serialize + fmt::Debug + Send + Sync + 'static
{
    /// The validated table.
    type Table: AttackTable;

    /// Resolve the table at key path `at` (`attack` or `attack[i]`); a located warning goes
    /// to `warnings`.
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<Self::Table, ScenarioError>;
}

/// A table's typed keys behind one type, whatever its kind.
pub(crate) trait TableKeys: fmt::Debug + Send + Sync {
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<Arc<dyn AttackTable>, ScenarioError>;

    /// The keys set, with their values, in the order of the kind's struct.
    fn values(&self) -> Vec<(&'static str, toml::Value)>;
}

impl<K: KindKeys> TableKeys for K {
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<Arc<dyn AttackTable>, ScenarioError> {
        let table = KindKeys::resolve(self, at, placed, err, warnings)?;
        Ok(Arc::new(table))
    }

    fn values(&self) -> Vec<(&'static str, toml::Value)> {
        super::presence::values_set(self)
    }
}

/// Reads a kind's typed keys from a table holding only keys of that kind.
type ParseKeys = for<'a> fn(Spanned<DeValue<'a>>) -> Result<Arc<dyn TableKeys>, toml::de::Error>;

/// One attack kind, as the registry knows it.
#[derive(Debug, Clone, Copy)]
pub struct AttackKindDef {
    /// The value of `kind` in the attack table.
    pub kind: &'static str,
    /// What it does, in one line (the table of kinds in the docs).
    pub about: &'static str,
    /// The keys its table takes besides `kind` and `name` (in the order the docs and errors
    /// list them).
    pub keys: &'static [&'static str],
    /// Its typed keys read from a table holding only keys of this kind.
    parse: ParseKeys,
    /// The fields of its keys struct, in declaration order.
    fields: fn() -> &'static [&'static str],
}

impl AttackKindDef {
    /// The registry entry of the kind whose typed keys are `K`.
    pub(crate) const fn of<K: KindKeys>(
        kind: &'static str,
        about: &'static str,
        keys: &'static [&'static str],
    ) -> Self {
        AttackKindDef {
            kind,
            about,
            keys,
            parse: parse_keys::<K>,
            fields: super::overrides::fields_of::<K>,
        }
    }
}

fn parse_keys<K: KindKeys>(v: Spanned<DeValue<'_>>) -> Result<Arc<dyn TableKeys>, toml::de::Error> {
    Ok(Arc::new(K::deserialize(v.into_deserializer())?))
}

/// Every attack kind; the first is the default when a table gives no `kind`.
pub const ATTACK_REGISTRY: &[AttackKindDef] = &[
    super::correlation::KIND,
    super::watermark::KIND,
    super::likelihood::KIND,
    super::mfa::KIND,
    super::hop_by_hop::KIND,
    super::supermix::KIND,
    super::message_entropy::KIND,
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

/// The keys an attack table may hold: `kind`, `name`, then every kind's keys in registry
/// order, each once, in the order of the kinds' structs (the order the effective scenario
/// writes them in).
pub fn attack_table_keys() -> &'static [&'static str] {
    static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| table_keys(ATTACK_REGISTRY))
}

pub(crate) fn table_keys(kinds: &[AttackKindDef]) -> Vec<&'static str> {
    let mut out = vec!["kind", "name"];
    for d in kinds {
        for k in (d.fields)() {
            if !out.contains(k) {
                out.push(k);
            }
        }
    }
    out
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

/// A validated attack table of some kind.
#[derive(Debug, Clone)]
pub struct AttackKind {
    kind: &'static str,
    table: Arc<dyn AttackTable>,
}

impl PartialEq for AttackKind {
    fn eq(&self, other: &Self) -> bool {
        let table: &dyn Any = &*other.table;
        self.kind == other.kind && self.table.table_eq(table)
    }
}

impl AttackKind {
    /// The `kind` key's value.
    pub fn kind_name(&self) -> &'static str {
        self.kind
    }

    /// See [`AttackTable::counting`].
    pub fn counting(&self) -> Option<(SimTime, usize)> {
        self.table.counting()
    }

    /// See [`AttackTable::target`].
    pub fn target(&self) -> Option<usize> {
        self.table.target()
    }

    /// See [`AttackTable::attacks`].
    pub fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        self.table.attacks(s)
    }

    /// The validated table as its kind's own type, if it is a `T`.
    pub fn get<T: AttackTable>(&self) -> Option<&T> {
        let any: &dyn Any = &*self.table;
        any.downcast_ref::<T>()
    }
}

/// The keys `kind` and `name`, which every table takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    name: Option<Spanned<String>>,
}

/// The attack tables of the file, typed through the registry `src.kinds` (see the module
/// docs): each key in the order serde reads them, an unknown one refused with every key a table
/// may hold, each value checked with the type of the first kind that takes it; then the table's
/// own kind's keys, when the kind is known and every key is its (else resolution refuses the
/// table with the kind's error).
pub(crate) fn parse_tables(src: &Source, root: &DeTable<'_>) -> Result<Attacks, ScenarioError> {
    let Some(v) = root.get("attack") else {
        return Ok(Attacks::None);
    };
    match v.get_ref() {
        DeValue::Array(a) => Ok(Attacks::Many(
            a.iter()
                .map(|t| parse_table(src, t))
                .collect::<Result<_, _>>()?,
        )),
        _ => Ok(Attacks::One(Box::new(parse_table(src, v)?))),
    }
}

fn parse_table(src: &Source, table: &Spanned<DeValue<'_>>) -> Result<AttackSpec, ScenarioError> {
    let Some(t) = table.get_ref().as_table() else {
        // Serde's pass has refused it already.
        return Ok(AttackSpec::default());
    };
    let kinds = src.kinds;
    let keys = table_keys(kinds);
    let subtable = |take: &dyn Fn(&str) -> bool| {
        let mut sub = DeTable::new();
        for (k, v) in t.iter().filter(|(k, _)| take(k.get_ref())) {
            sub.insert(k.clone(), v.clone());
        }
        Spanned::new(table.span(), DeValue::Table(sub))
    };
    for (k, _) in t.iter() {
        let key: &str = k.get_ref();
        let one = subtable(&|x| x == key);
        let checked = match key {
            "kind" | "name" => Common::deserialize(one.into_deserializer()).map(drop),
            _ => match kinds.iter().find(|d| d.keys.contains(&key)) {
                Some(d) => (d.parse)(one).map(drop),
                None => {
                    let expected: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
                    return Err(src.serde_error(
                        k.span(),
                        &format!(
                            "unknown field `{key}`, expected one of {}",
                            expected.join(", ")
                        ),
                    ));
                }
            },
        };
        checked.map_err(|e| src.toml_error(e))?;
    }
    let common =
        Common::deserialize(subtable(&|x| matches!(x, "kind" | "name")).into_deserializer())
            .map_err(|e| src.toml_error(e))?;
    let set: Vec<&'static str> = keys[2..]
        .iter()
        .copied()
        .filter(|k| t.get(*k).is_some())
        .collect();
    let kind = common.kind.as_ref().map_or(kinds[0].kind, |k| k.get_ref());
    let typed = match kinds.iter().find(|d| d.kind == kind) {
        Some(d) if set.iter().all(|k| d.keys.contains(k)) => {
            Some((d.parse)(subtable(&|x| d.keys.contains(&x))).map_err(|e| src.toml_error(e))?)
        }
        _ => None,
    };
    Ok(AttackSpec {
        kind: common.kind,
        name: common.name,
        set,
        keys: typed,
    })
}

/// Validate every attack table: its kind, its name (unique), the keys its kind takes, and
/// whatever attacks that count packets must agree on (the taps count in one interval).
pub(super) fn resolve_attacks(
    attacks: &schema::Attacks,
    kinds: &'static [AttackKindDef],
    placed: &Placed<'_>,
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<AttackConfig>, ScenarioError> {
    let mut out: Vec<AttackConfig> = Vec::new();
    let mut counting: Option<(SimTime, String)> = None;
    for (at, a) in attacks.entries() {
        let def = kind_of(a, kinds, &at, err)?;
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
        let keys = a
            .keys
            .as_ref()
            .expect("a table of a known kind with its keys is typed");
        let resolved = AttackKind {
            kind: def.kind,
            table: keys.resolve(&at, placed, err, warnings)?,
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

/// The registry entry a table names (the default kind without `kind`), once its keys are
/// checked to be that kind's.
fn kind_of(
    a: &AttackSpec,
    kinds: &'static [AttackKindDef],
    at: &str,
    err: Err<'_>,
) -> Result<&'static AttackKindDef, ScenarioError> {
    let kind = a
        .kind
        .as_ref()
        .map(|k| k.get_ref().as_str())
        .unwrap_or(kinds[0].kind);
    let Some(def) = kinds.iter().find(|d| d.kind == kind) else {
        let names: Vec<&str> = kinds.iter().map(|d| d.kind).collect();
        return Err(err(
            format!("{at}.kind"),
            format!(
                "unknown attack kind \"{kind}\"{}; known: {}",
                error::suggestion(kind, &names),
                names.join(", ")
            ),
        ));
    };
    if let Some(foreign) = a.set.iter().find(|k| !def.keys.contains(k)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry and the kinds' structs agree: every kind lists exactly its struct's fields
    /// (its keys), none twice; kinds are distinct; a key two kinds take is read with one type
    /// (the table of all keys is each kind's fields in order, so the effective scenario writes
    /// a table's keys in one order whatever its kind).
    #[test]
    fn registry_keys_are_the_kinds_fields() {
        let all = attack_table_keys();
        for d in ATTACK_REGISTRY {
            let fields = (d.fields)();
            for (i, k) in d.keys.iter().enumerate() {
                assert!(fields.contains(k), "{}: `{k}` is no field", d.kind);
                assert!(!d.keys[..i].contains(k), "{}: `{k}` listed twice", d.kind);
            }
            assert_eq!(fields.len(), d.keys.len(), "{}: a field not listed", d.kind);
            let at: Vec<usize> = fields
                .iter()
                .map(|f| all.iter().position(|k| k == f).expect("in the table"))
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{}: order", d.kind);
            assert!(!d.about.is_empty() && !d.about.contains('|'), "{}", d.kind);
        }
        for (i, k) in ATTACK_KINDS.iter().enumerate() {
            assert!(!ATTACK_KINDS[..i].contains(k), "kind {k} registered twice");
            assert_eq!(attack_kind(k).map(|d| d.kind), Some(*k));
        }
    }
}
