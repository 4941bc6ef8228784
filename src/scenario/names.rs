//! Names: a scenario's name is a directory under runs/; node, link, flow and attack names appear
//! in `--set` paths and link names, so they cannot hold those paths' separators.

/// A name that cannot be used where it is going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// A scenario or sweep name, used as a directory under runs/.
    #[error("expected a name of letters, digits, '-', '_' and '.' (not starting with '.', at most 100 characters), used as a directory name under runs/; got {0:?}")]
    NotAFileName(String),
    #[error("expected a non-empty {0} name")]
    Empty(&'static str),
    /// A node, flow or attack name holding a separator of `--set` paths or link names.
    #[error("{what} name \"{name}\" contains {found}: names cannot contain '.', '[' {}(they are used in --set paths{})", if *.is_node { "or \"->\" " } else { "" }, if *.is_node { " and link names" } else { "" })]
    Separator {
        what: &'static str,
        name: String,
        found: &'static str,
        is_node: bool,
    },
}

/// A scenario's name names its output directory (runs/NAME), so it must be a plain file name:
/// letters, digits, '-', '_' and '.', not starting with '.', at most 100 characters.
pub fn check_file_name(name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(NameError::NotAFileName(name.to_string()))
    }
}

/// Names are used in `--set node.NAME.key` and `from->to` link names, so they must not contain
/// the separators.
pub(super) fn check_name(name: &str, what: &'static str, is_node: bool) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::Empty(what));
    }
    let found = if name.contains('.') {
        "'.'"
    } else if name.contains('[') {
        "'['"
    } else if is_node && name.contains("->") {
        "\"->\""
    } else {
        return Ok(());
    };
    Err(NameError::Separator {
        what,
        name: name.to_string(),
        found,
        is_node,
    })
}
