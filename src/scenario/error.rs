//! Scenario errors that name the file, line, column and key, and say what was expected.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

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
                write!(
                    f,
                    "{}:{line}:{column}: key `{key}`: {message}",
                    file.display()
                )
            }
            ScenarioError::Override { set, message } => write!(f, "--set {set}: {message}"),
        }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|i| offset - i).unwrap_or(offset + 1);
    (line, col)
}

/// ", did you mean \"x\"?" when a known word is close to `word`, else "".
pub fn suggestion(word: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(word, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(", did you mean \"{k}\"?"))
        .unwrap_or_default()
}

impl ScenarioError {
    pub fn io(file: &Path, e: std::io::Error) -> Self {
        ScenarioError::Io {
            file: file.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// An error at a byte span of the text.
    pub fn at(file: &Path, text: &str, span: Range<usize>, key: &str, message: String) -> Self {
        let (line, column) = line_col(text, span.start);
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message,
        }
    }

    /// Translate a toml/serde error, naming the key and suggesting a close known key.
    pub fn from_toml(file: &Path, text: &str, e: toml::de::Error) -> Self {
        let span = e.span().unwrap_or(0..0);
        let (line, column) = line_col(text, span.start);
        let key = text
            .get(span.clone())
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .to_string();
        let mut message = e.message().trim().to_string();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let unknown = rest.split('`').next().unwrap_or("");
            let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
            message = format!(
                "unknown key \"{unknown}\"{}; expected one of: {}",
                suggestion(unknown, &expected),
                expected.join(", ")
            );
        }
        ScenarioError::Invalid {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

/// Apply `--set path=value` overrides to scenario text.
pub fn apply_overrides(
    text: &str,
    _origin: &Path,
    overrides: &[String],
) -> Result<String, ScenarioError> {
    if let Some(first) = overrides.first() {
        return Err(ScenarioError::Override {
            set: first.clone(),
            message: "overrides are not supported yet".into(),
        });
    }
    Ok(text.to_string())
}
