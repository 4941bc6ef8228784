//! Scenario errors that name the file, line, column and key, and say what was expected.
//!
//! Keys are written as paths into the file, with arrays of tables indexed from zero in file
//! order: `trials`, `attack.sample_sizes[1]`, `link[2].bandwidth` (the third `[[link]]`),
//! `flow[0].route[3]`. The same form is accepted by `--set`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A scenario that could not be loaded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    Io { file: PathBuf, message: String },
    /// The file was read but is not a valid scenario.
    Invalid {
        file: PathBuf,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
    /// A `--set path=value` override is malformed or names nothing.
    Override { set: String, message: String },
    /// The scenario is invalid because of a value that came from a `--set path=value` override.
    InOverride {
        file: PathBuf,
        set: String,
        key: String,
        message: String,
    },
}

impl std::error::Error for ScenarioError {}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { file, message } => {
                write!(f, "{}: cannot read scenario: {message}", file.display())
            }
            ScenarioError::Invalid {
                file,
                line,
                column,
                key,
                message,
            } => {
                write!(f, "{}:{line}:{column}: ", file.display())?;
                if !key.is_empty() {
                    write!(f, "key `{key}`: ")?;
                }
                f.write_str(message)
            }
            ScenarioError::Override { set, message } => write!(f, "--set {set}: {message}"),
            ScenarioError::InOverride {
                file,
                set,
                key,
                message,
            } => {
                write!(
                    f,
                    "{}: value from --set {set}: key `{key}`: {message}",
                    file.display()
                )
            }
        }
    }
}

impl ScenarioError {
    /// A file that is not UTF-8 text: located at its first invalid byte.
    pub fn not_utf8(file: &Path, bytes: &[u8], e: std::str::Utf8Error) -> Self {
        let good = &bytes[..e.valid_up_to()];
        let text = std::str::from_utf8(good).expect("valid up to here");
        let (line, column) = line_col(text, text.len());
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            key: String::new(),
            message: format!(
                "expected UTF-8 text, found the byte 0x{:02x}",
                bytes[e.valid_up_to()]
            ),
        }
    }

    /// Read a file as UTF-8 text, with a located error when it is not.
    pub fn read_text(file: &Path) -> Result<String, ScenarioError> {
        let bytes = std::fs::read(file).map_err(|e| ScenarioError::io(file, e))?;
        match String::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => Err(ScenarioError::not_utf8(file, e.as_bytes(), e.utf8_error())),
        }
    }

    pub fn io(file: &Path, e: std::io::Error) -> Self {
        ScenarioError::Io {
            file: file.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// An error at a byte span of the text.
    pub fn at(file: &Path, text: &str, span: Range<usize>, key: &str, message: String) -> Self {
        Source::new(file, text).error(span, key, message)
    }

    /// Translate a toml/serde error, naming the key and suggesting a close known key.
    pub fn from_toml(file: &Path, text: &str, e: toml::de::Error) -> Self {
        Source::new(file, text).toml_error(e)
    }

    /// The offending key path (like `link[2].bandwidth`), if the error has one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { key, .. } | ScenarioError::InOverride { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The explanation alone, without file, position or key.
    pub fn message(&self) -> &str {
        match self {
            ScenarioError::Io { message, .. }
            | ScenarioError::Invalid { message, .. }
            | ScenarioError::Override { message, .. }
            | ScenarioError::InOverride { message, .. } => message,
        }
    }

    /// 1-based line and column in the file, for errors that point into it.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        match self {
            ScenarioError::Invalid { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// ` (did you mean "x"?)` when a known word is close to `word`, else "".
pub fn suggestion(word: &str, known: &[&str]) -> String {
    closest(word, known)
        .map(|k| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}

/// The known word closest to `word`, if any is close: at most about one edit in three
/// characters (a transposition counts as one), or a high Jaro-Winkler similarity.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    known
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| {
            let k_low = k.to_lowercase();
            (
                strsim::damerau_levenshtein(&w, &k_low),
                strsim::jaro_winkler(&w, &k_low),
                *k,
            )
        })
        .filter(|&(d, jw, _)| {
            jw > 0.85 || (d < w.chars().count() && d <= (w.chars().count() / 3).max(1))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, _, k)| k)
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Elem {
    Key(String),
    Index(usize),
}

/// Render a path as `link[2].bandwidth`.
pub(crate) fn render(path: &[Elem]) -> String {
    let mut s = String::new();
    for e in path {
        match e {
            Elem::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Elem::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Parse a path written by [`render`] (keys without dots or brackets).
pub(crate) fn parse_path(s: &str) -> Vec<Elem> {
    let mut out = Vec::new();
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let mut pieces = part.split('[');
        if let Some(k) = pieces.next().filter(|k| !k.is_empty()) {
            out.push(Elem::Key(k.to_string()));
        }
        for idx in pieces {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Elem::Index(i));
            }
        }
    }
    out
}

/// Span of the value at `path`, or of the deepest part of it that exists (so a missing key
/// points at its table's header).
pub(crate) fn lookup(root: &Spanned<DeTable<'_>>, path: &[Elem]) -> Range<usize> {
    let mut span = root.span();
    let mut table = Some(root.get_ref());
    let mut array: Option<&toml::de::DeArray<'_>> = None;
    for e in path {
        let next = match e {
            Elem::Key(k) => table.and_then(|t| t.get(k.as_str())),
            Elem::Index(i) => array.and_then(|a| a.get(*i)),
        };
        let Some(v) = next else { break };
        span = v.span();
        table = v.get_ref().as_table();
        array = v.get_ref().as_array();
    }
    span
}

/// The key path of the element whose key or value span is exactly `span` (the deepest one),
/// else of the deepest key or value containing `span.start`.
pub(crate) fn path_at(root: &DeTable<'_>, span: &Range<usize>) -> Vec<Elem> {
    fn visit_table(
        t: &DeTable<'_>,
        span: &Range<usize>,
        path: &mut Vec<Elem>,
        best: &mut (u8, Vec<Elem>),
    ) {
        for (k, v) in t.iter() {
            path.push(Elem::Key(k.get_ref().to_string()));
            consider(&k.span(), span, path, best);
            visit_value(v, span, path, best);
            path.pop();
        }
    }
    fn visit_value(
        v: &Spanned<DeValue<'_>>,
        span: &Range<usize>,
        path: &mut Vec<Elem>,
        best: &mut (u8, Vec<Elem>),
    ) {
        consider(&v.span(), span, path, best);
        match v.get_ref() {
            DeValue::Table(t) => visit_table(t, span, path, best),
            DeValue::Array(a) => {
                for (i, e) in a.iter().enumerate() {
                    path.push(Elem::Index(i));
                    visit_value(e, span, path, best);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    fn consider(s: &Range<usize>, span: &Range<usize>, path: &[Elem], best: &mut (u8, Vec<Elem>)) {
        let score = if s == span {
            2
        } else if s.start <= span.start && span.start < s.end {
            1
        } else {
            0
        };
        if score > 0 && (score > best.0 || (score == best.0 && path.len() > best.1.len())) {
            *best = (score, path.to_vec());
        }
    }
    let mut best = (0, Vec::new());
    visit_table(root, span, &mut Vec::new(), &mut best);
    best.1
}

/// Where a stretch of the effective text came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    /// The file, starting at this byte offset of the original text.
    File(usize),
    /// The `--set` override with this index.
    Set(usize),
}

#[derive(Debug, Clone)]
struct Segment {
    start: usize,
    end: usize,
    origin: Origin,
}

/// Scenario text after `--set` overrides, with a map from every byte back to the file (so line
/// numbers stay those of the user's file) or to the override that wrote it.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub file: PathBuf,
    pub original: String,
    pub text: String,
    pub sets: Vec<String>,
    segments: Vec<Segment>,
    /// The attack kinds its attack tables are read with.
    pub kinds: &'static [super::AttackKindDef],
}

impl Source {
    pub fn new(file: &Path, text: &str) -> Source {
        Source {
            file: file.to_path_buf(),
            original: text.to_string(),
            text: text.to_string(),
            sets: Vec::new(),
            segments: vec![Segment {
                start: 0,
                end: text.len(),
                origin: Origin::File(0),
            }],
            kinds: super::ATTACK_REGISTRY,
        }
    }

    /// Replace `range` of the effective text by `new`, written by override number `set`.
    pub fn splice(&mut self, range: Range<usize>, new: &str, set: usize) {
        let removed = range.end - range.start;
        let shift = |p: usize| p + new.len() - removed;
        let mut out = Vec::new();
        for seg in &self.segments {
            if seg.start < range.start {
                out.push(Segment {
                    start: seg.start,
                    end: seg.end.min(range.start),
                    origin: seg.origin,
                });
            }
            if seg.end > range.end {
                let start = seg.start.max(range.end);
                let origin = match seg.origin {
                    Origin::File(o) => Origin::File(o + (start - seg.start)),
                    s => s,
                };
                out.push(Segment {
                    start: shift(start),
                    end: shift(seg.end),
                    origin,
                });
            }
        }
        if !new.is_empty() {
            out.push(Segment {
                start: range.start,
                end: range.start + new.len(),
                origin: Origin::Set(set),
            });
        }
        out.retain(|s| s.end > s.start);
        out.sort_by_key(|s| s.start);
        self.segments = out;
        self.text.replace_range(range, new);
    }

    fn locate(&self, offset: usize) -> Origin {
        let seg = self
            .segments
            .iter()
            .find(|s| offset < s.end)
            .or(self.segments.last());
        match seg {
            Some(Segment {
                start,
                origin: Origin::File(o),
                ..
            }) => Origin::File(o + offset.saturating_sub(*start)),
            Some(s) => s.origin,
            None => Origin::File(0),
        }
    }

    /// An error at a byte span of the effective text.
    pub fn error(&self, span: Range<usize>, key: &str, message: String) -> ScenarioError {
        // An empty span at 0 is serde's "somewhere in the root table": blame the file.
        let origin = if span == (0..0) {
            Origin::File(0)
        } else {
            self.locate(span.start)
        };
        match origin {
            Origin::File(o) => {
                let (line, column) = line_col(&self.original, o);
                ScenarioError::Invalid {
                    file: self.file.clone(),
                    line,
                    column,
                    key: key.to_string(),
                    message,
                }
            }
            Origin::Set(i) => ScenarioError::InOverride {
                file: self.file.clone(),
                set: self.sets[i].clone(),
                key: key.to_string(),
                message,
            },
        }
    }

    /// An error at the value of a key path like `link[2].bandwidth` (or, when the key is
    /// absent, at its table).
    pub fn error_at(&self, key: &str, message: String) -> ScenarioError {
        let span = DeTable::parse(&self.text)
            .map(|t| lookup(&t, &parse_path(key)))
            .unwrap_or(0..0);
        self.error(span, key, message)
    }

    /// Translate a toml syntax or serde error.
    pub fn toml_error(&self, e: toml::de::Error) -> ScenarioError {
        if DeTable::parse(&self.text).is_err() {
            return self.syntax_error(e);
        }
        self.serde_error(e.span().unwrap_or(0..0), e.message())
    }

    /// Translate serde's message `raw` about the value (or key) at `span`.
    pub fn serde_error(&self, span: Range<usize>, raw: &str) -> ScenarioError {
        let raw = raw.trim();
        let Ok(tree) = DeTable::parse(&self.text) else {
            return self.error(span, "", raw.to_string());
        };
        let mut path = path_at(tree.get_ref(), &span);
        let message = if let Some(rest) = raw.strip_prefix("unknown field `") {
            let (unknown, expected) = backticked(rest);
            format!(
                "unknown key \"{unknown}\"{}; expected one of: {}",
                suggestion(unknown, &expected),
                expected.join(", ")
            )
        } else if let Some(rest) = raw.strip_prefix("missing field `") {
            let field = rest.trim_end_matches('`');
            path.push(Elem::Key(field.to_string()));
            let table = render(&path[..path.len() - 1]);
            if table.is_empty() {
                format!("missing required key \"{field}\"")
            } else {
                format!("missing required key \"{field}\" in {table}")
            }
        } else if let Some(rest) = raw.strip_prefix("unknown variant `") {
            let (unknown, expected) = backticked(rest);
            format!(
                "unknown value \"{unknown}\"{}; expected one of: {}",
                suggestion(unknown, &expected),
                expected.join(", ")
            )
        } else if let Some(rest) = raw
            .strip_prefix("invalid type: ")
            .or_else(|| raw.strip_prefix("invalid value: "))
        {
            match rest.split_once(", expected ") {
                Some((got, want)) => format!(
                    "expected {}, got {}",
                    plain_type(want),
                    got.replace('`', "")
                ),
                None => raw.to_string(),
            }
        } else {
            raw.to_string()
        };
        self.error(span, &render(&path), message)
    }

    /// Translate an error from parsing TOML syntax.
    pub fn syntax_error(&self, e: toml::de::Error) -> ScenarioError {
        let span = e.span().unwrap_or(0..0);
        let at = self.text.get(span.clone()).unwrap_or("").trim();
        let line_start = self.text[..span.start.min(self.text.len())]
            .rfind('\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line_key = self.text[line_start..span.start.min(self.text.len())]
            .split_once('=')
            .map(|(k, _)| k.trim())
            .filter(|k| is_bare_key(k))
            .unwrap_or("");
        let raw = e.message().trim();
        let (key, message) = if raw == "duplicate key" {
            (
                at,
                format!("TOML syntax error: duplicate key \"{at}\", it is already defined above"),
            )
        } else if raw.starts_with("string values must be quoted") && !at.is_empty() {
            (line_key, format!("TOML syntax error: string values must be quoted: write \"{at}\" (quantities with units are strings)"))
        } else {
            (line_key, format!("TOML syntax error: {raw}"))
        };
        self.error(span, key, message)
    }
}

/// `x`, expected one of `a`, `b` -> ("x", ["a", "b"]) (the leading backtick already stripped).
fn backticked(rest: &str) -> (&str, Vec<&str>) {
    let mut parts = rest.split('`');
    let first = parts.next().unwrap_or("");
    (first, parts.skip(1).step_by(2).collect())
}

fn plain_type(want: &str) -> String {
    match want {
        "u64" | "u32" | "usize" => "a whole number (0 or more)".into(),
        "i64" | "i32" => "a whole number".into(),
        "f64" | "f32" => "a number".into(),
        "a sequence" => "an array".into(),
        "a map" => "a table".into(),
        other => other.to_string(),
    }
}

pub(crate) fn is_bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
