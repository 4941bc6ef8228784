//! `--set path=value` overrides, applied to the scenario text in place so that everything else
//! keeps its line and column, and errors in an overridden value name the override.
//!
//! Paths are dotted: `trials`, `attack.interval`; entries of `[[node]]`, `[[flow]]`,
//! `[[cover]]` and `[[watermark]]` are addressed by their name (`node.mix.t_avg`,
//! `flow.alice.rate`, `cover.alice-loop.rate`, `watermark.mark.eta`), entries of `[[link]]` by "from->to" (`link.mix->bob.bandwidth`), and any entry by its index in the file
//! (`link[2].bandwidth`). Values are TOML when they parse as a TOML value (`50`, `[60, 480]`,
//! `true`, `"text"`), else a bare string (`50ms`, `5Mbps`). A single `[attack]` table takes
//! `attack.KEY`; `[[attack]]` entries are addressed like nodes, by name (`attack.NAME.KEY`, the
//! name defaulting to the kind) or index (`attack[1].KEY`).

use super::error::{closest, is_bare_key, suggestion, ScenarioError, Source};
use super::schema::{
    CoverSpec, FlowSpec, LayerSpec, LinkSpec, NodeSpec, ScenarioFile, WatermarkSpec,
};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Apply every override in order.
pub(crate) fn apply(src: &mut Source, overrides: &[String]) -> Result<(), ScenarioError> {
    src.sets = overrides.to_vec();
    let attack_keys = super::attacks::table_keys(src.kinds);
    for (i, set) in overrides.iter().enumerate() {
        let fail = |message: String| ScenarioError::Override {
            set: set.clone(),
            message,
        };
        let (path, value) = set.split_once('=').ok_or_else(|| {
            fail("expected path=value, like trials=50 or node.mix.t_avg=50ms".into())
        })?;
        let (path, value) = (path.trim(), value.trim());
        if path.is_empty() {
            return Err(fail(
                "expected path=value, like trials=50 or node.mix.t_avg=50ms".into(),
            ));
        }
        let value = if DeValue::parse(value).is_ok() {
            value.to_string()
        } else {
            toml::Value::String(value.into()).to_string()
        };
        let (range, text) = {
            let tree = DeTable::parse(&src.text).map_err(|e| {
                fail(format!(
                    "the scenario is not valid TOML after the overrides before this one: {}",
                    e.message()
                ))
            })?;
            plan(&src.text, &tree, path, &value, &attack_keys).map_err(fail)?
        };
        src.splice(range, &text, i);
        if let Err(e) = DeTable::parse(&src.text) {
            return Err(fail(format!("cannot set this here: {}", e.message())));
        }
    }
    Ok(())
}

/// How a table is written, which decides where a new key goes.
#[derive(Debug, Clone)]
enum Anchor {
    /// The root table: new keys go at the top of the file.
    Root,
    /// A `[table]` or `[[array]]` header with this span: new keys go on the line after it.
    Header(Range<usize>),
    /// An inline `{ ... }` table with this span: new keys go before the closing brace.
    Inline(Range<usize>),
}

/// How the table `v` is written (None for tables made by dotted keys or implied by a header).
fn anchor_of(text: &str, v: &Spanned<DeValue<'_>>) -> Option<Anchor> {
    if !v.get_ref().is_table() {
        return None;
    }
    let span = v.span();
    match text.get(span.clone())?.trim_start().chars().next()? {
        '[' => Some(Anchor::Header(span.clone())),
        '{' => Some(Anchor::Inline(span.clone())),
        _ => None,
    }
}

/// Work out the text edit for one override.
fn plan(
    text: &str,
    root: &Spanned<DeTable<'_>>,
    path: &str,
    value: &str,
    attack_keys: &[&str],
) -> Result<(Range<usize>, String), String> {
    let segs: Vec<&str> = path.split('.').collect();
    let (head, index) = split_index(segs[0])?;
    let root_keys = fields_of::<ScenarioFile>();
    if !root_keys.contains(&head) {
        return Err(unknown("top-level key", head, root_keys, path));
    }
    let rest = &segs[1..];
    // `attack` is an array of tables when written `[[attack]]` (entries by name or index),
    // else one table (`attack.KEY`).
    let attack_array = root
        .get_ref()
        .get("attack")
        .is_some_and(|v| v.get_ref().as_array().is_some());
    let entry_keys = match head {
        "node" => Some(fields_of::<NodeSpec>()),
        "link" => Some(fields_of::<LinkSpec>()),
        "flow" => Some(fields_of::<FlowSpec>()),
        "watermark" => Some(fields_of::<WatermarkSpec>()),
        "cover" => Some(fields_of::<CoverSpec>()),
        "layer" => Some(fields_of::<LayerSpec>()),
        "attack" if attack_array => Some(attack_keys),
        _ => None,
    };
    if let Some(keys) = entry_keys {
        return set_in_entry(text, root, (path, head, index), rest, keys, value);
    }
    if index.is_some() {
        return Err(format!(
            "`{head}` is not an array of tables: write {head}.KEY"
        ));
    }
    match head {
        "attack" => {
            let keys = attack_keys;
            let [key] = rest else {
                return Err(format!(
                    "expected attack.KEY, like attack.interval=20ms; keys: {}",
                    keys.join(", ")
                ));
            };
            if !keys.contains(key) {
                return Err(unknown("key of the attack", key, keys, path));
            }
            set_in(
                text,
                root.get_ref(),
                Anchor::Root,
                Vec::new(),
                &["attack", key],
                value,
            )
        }
        _ => {
            if !rest.is_empty() {
                return Err(format!(
                    "`{head}` is a single value, not a table: write {head}=VALUE"
                ));
            }
            set_in(
                text,
                root.get_ref(),
                Anchor::Root,
                Vec::new(),
                &[head],
                value,
            )
        }
    }
}

/// The edit for `path`, `head[index].KEY` or `head.NAME.KEY` (`rest` after the head): an entry of
/// an array of tables, by index or by name, and one of its `keys`.
fn set_in_entry(
    text: &str,
    root: &Spanned<DeTable<'_>>,
    (path, head, index): (&str, &str, Option<usize>),
    rest: &[&str],
    keys: &[&str],
    value: &str,
) -> Result<(Range<usize>, String), String> {
    let entries: Vec<&Spanned<DeValue<'_>>> = root
        .get_ref()
        .get(head)
        .and_then(|v| v.get_ref().as_array())
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let names: Vec<String> = entries
        .iter()
        .map(|e| entry_name(head, e.get_ref()))
        .collect();
    let (entry, rest) = match index {
        Some(i) => {
            let e = entries.get(i).ok_or_else(|| {
                format!(
                    "there is no {head}[{i}]: the file has {} [[{head}]] entries, numbered from 0",
                    entries.len()
                )
            })?;
            (*e, rest)
        }
        None => {
            let Some((sel, rest)) = rest.split_first() else {
                return Err(format!(
                    "expected {head}.NAME.KEY{}, like {}",
                    if head == "link" {
                        " with NAME written from->to"
                    } else {
                        ""
                    },
                    example(head)
                ));
            };
            (entries[entry_named(head, &names, sel)?], rest)
        }
    };
    let [key] = rest else {
        return Err(format!(
            "expected one key after the {head}, like {}; keys: {}",
            example(head),
            keys.join(", ")
        ));
    };
    if !keys.contains(key) {
        return Err(unknown(&format!("key of a {head}"), key, keys, path));
    }
    let table = entry
        .get_ref()
        .as_table()
        .ok_or_else(|| format!("{head} entry is not a table"))?;
    let anchor = anchor_of(text, entry)
        .ok_or_else(|| format!("cannot find where this {head} is written"))?;
    set_in(text, table, anchor, Vec::new(), &[key], value)
}

/// The index of the entry of `head` named `sel` (exactly one).
fn entry_named(head: &str, names: &[String], sel: &str) -> Result<usize, String> {
    let matching: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| *n == sel)
        .map(|(i, _)| i)
        .collect();
    match matching[..] {
        [i] => Ok(i),
        [] => {
            let known: Vec<&str> = names.iter().map(String::as_str).collect();
            Err(format!(
                "no {head} \"{sel}\"{}; the file has: {}",
                suggestion(sel, &known),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        }
        _ => Err(format!(
            "more than one {head} is \"{sel}\": address it by index, like {head}[{}].KEY",
            matching[0]
        )),
    }
}

/// Set `keys` (a dotted path) below `table`, which is written as `anchor` and reached from it
/// by the dotted `prefix`.
fn set_in(
    text: &str,
    table: &DeTable<'_>,
    anchor: Anchor,
    prefix: Vec<String>,
    keys: &[&str],
    value: &str,
) -> Result<(Range<usize>, String), String> {
    let (key, rest) = keys.split_first().expect("at least one key");
    match table.get(*key) {
        Some(v) if rest.is_empty() => {
            let array_of_tables = v.get_ref().as_array().is_some_and(|a| {
                a.iter()
                    .any(|e| matches!(anchor_of(text, e), Some(Anchor::Header(_))))
            });
            if array_of_tables
                || (v.get_ref().is_table()
                    && !matches!(anchor_of(text, v), Some(Anchor::Inline(_))))
            {
                return Err(format!("`{key}` is a table: set one of its keys instead"));
            }
            Ok((v.span(), value.to_string()))
        }
        Some(v) => match v.get_ref() {
            DeValue::Table(t) => match anchor_of(text, v) {
                Some(a) => set_in(text, t, a, Vec::new(), rest, value),
                None => {
                    // A table made by dotted keys or implied by a [a.b] header.
                    let mut prefix = prefix;
                    prefix.push(key.to_string());
                    set_in(text, t, anchor, prefix, rest, value)
                }
            },
            other => Err(format!(
                "`{key}` holds a value of type {}, not a table",
                other.type_str()
            )),
        },
        None => {
            let mut dotted: Vec<String> = prefix;
            dotted.extend(keys.iter().map(|k| k.to_string()));
            let dotted: Vec<String> = dotted
                .iter()
                .map(|k| {
                    if is_bare_key(k) {
                        k.clone()
                    } else {
                        toml::Value::String(k.clone()).to_string()
                    }
                })
                .collect();
            let kv = format!("{} = {value}", dotted.join("."));
            Ok(match anchor {
                Anchor::Root => (0..0, format!("{kv}\n")),
                Anchor::Header(span) => match text[span.end..].find('\n') {
                    Some(nl) => {
                        let at = span.end + nl + 1;
                        (at..at, format!("{kv}\n"))
                    }
                    None => (text.len()..text.len(), format!("\n{kv}\n")),
                },
                Anchor::Inline(span) => {
                    let close = span.end - 1;
                    let empty = text[span.start..close].trim_end().ends_with('{');
                    let at = text[..close].trim_end().len();
                    (
                        at..at,
                        if empty {
                            format!(" {kv}")
                        } else {
                            format!(", {kv}")
                        },
                    )
                }
            })
        }
    }
}

/// The key an override path names in scenario `text`, written by index (`node[2].t_avg` for
/// `node.mix.t_avg` when `mix` is the third node): two paths that name one key give one
/// string. `None` when the path names no entry of the file (its override is refused anyway).
pub fn canonical_key(text: &str, path: &str) -> Option<String> {
    let root = DeTable::parse(text).ok()?;
    let segs: Vec<&str> = path.trim().split('.').collect();
    let (head, index) = split_index(segs[0]).ok()?;
    let entries = root
        .get_ref()
        .get(head)
        .and_then(|v| v.get_ref().as_array());
    let Some(entries) = entries else {
        return Some(path.trim().to_string());
    };
    let (i, rest) = match index {
        Some(i) => (i, &segs[1..]),
        None => {
            let (sel, rest) = segs[1..].split_first()?;
            let i = entries
                .iter()
                .position(|e| entry_name(head, e.get_ref()) == *sel)?;
            (i, rest)
        }
    };
    Some(format!("{head}[{i}].{}", rest.join(".")))
}

/// `link[2]` -> ("link", Some(2)).
fn split_index(seg: &str) -> Result<(&str, Option<usize>), String> {
    match seg.split_once('[') {
        None => Ok((seg, None)),
        Some((head, idx)) => {
            let i = idx
                .strip_suffix(']')
                .and_then(|i| i.parse().ok())
                .ok_or_else(|| format!("expected an index like {head}[0], got \"{seg}\""))?;
            Ok((head, Some(i)))
        }
    }
}

/// How an entry is addressed: nodes and flows by name, links by "from->to".
fn entry_name(head: &str, v: &DeValue<'_>) -> String {
    let get = |k: &str| {
        v.as_table()
            .and_then(|t| t.get(k))
            .and_then(|v| v.get_ref().as_str())
            .unwrap_or("?")
            .to_string()
    };
    let has = |k: &str| v.as_table().and_then(|t| t.get(k)).is_some();
    if head == "link" {
        format!("{}->{}", get("from"), get("to"))
    } else if head == "attack" && !has("name") {
        // An attack is named after its kind by default.
        if has("kind") {
            get("kind")
        } else {
            "correlation".to_string()
        }
    } else {
        get("name")
    }
}

fn example(head: &str) -> &'static str {
    match head {
        "node" => "node.mix.t_avg=50ms",
        "link" => "link.mix->bob.bandwidth=5Mbps",
        "watermark" => "watermark.mark.eta=14",
        "cover" => "cover.alice-loop.rate=20pps",
        "attack" => "attack.correlation.interval=20ms",
        _ => "flow.alice.rate=200pps",
    }
}

fn unknown(what: &str, word: &str, known: &[&str], path: &str) -> String {
    let hint = closest(word, known)
        .map(|k| {
            let at = path.rfind(word).unwrap_or(0);
            format!(
                " (did you mean \"{}{k}{}\"?)",
                &path[..at],
                &path[at + word.len()..]
            )
        })
        .unwrap_or_default();
    format!(
        "unknown {what} \"{word}\" in path \"{path}\"{hint}; expected one of: {}",
        known.join(", ")
    )
}

/// The field names of a serde struct, read from its derived `Deserialize` (so they can never
/// drift from the schema).
pub(crate) fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldProbe) {
        Err(Probed(Some(fields))) => fields,
        _ => &[],
    }
}

struct FieldProbe;

#[derive(Debug)]
struct Probed(Option<&'static [&'static str]>);

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field probe")
    }
}
impl std::error::Error for Probed {}
impl de::Error for Probed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Probed(None)
    }
}

impl<'de> Deserializer<'de> for FieldProbe {
    type Error = Probed;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed(None))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed(Some(fields)))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_schema_fields() {
        assert!(fields_of::<LinkSpec>().contains(&"bandwidth"));
        assert!(fields_of::<ScenarioFile>().contains(&"node"));
        assert!(super::super::attack_table_keys().contains(&"sample_sizes"));
    }
}
