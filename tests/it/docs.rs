//! The documents stay true to the tree: every relative link in README.md and docs/*.md names a
//! file that exists (and, with `#anchor`, a heading of it), and docs/scenarios.md lists every
//! file in scenarios/.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown documents: README.md and everything in docs/.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/") {
        let path = entry.expect("docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    docs.sort();
    docs
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a document's headings (outside code fences).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Relative link targets `](target)` in a document (web addresses left out).
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.to_string()))
        .filter(|t| !t.contains("://"))
        .collect()
}

fn check_link(doc: &Path, target: &str) -> Result<(), String> {
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let path = if file.is_empty() {
        doc.to_path_buf()
    } else {
        doc.parent().unwrap().join(file)
    };
    if !path.exists() {
        return Err(format!("{}: link to {target}: no such file", doc.display()));
    }
    if let Some(anchor) = anchor {
        let text = std::fs::read_to_string(&path).unwrap();
        if !anchors(&text).iter().any(|a| a == anchor) {
            return Err(format!(
                "{}: link to {target}: no heading with that anchor",
                doc.display()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_relative_link_resolves() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for target in links(&text) {
            checked += 1;
            if let Err(e) = check_link(&doc, &target) {
                broken.push(e);
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} links found: the reader is broken"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn a_broken_link_is_caught() {
    let doc = root().join("README.md");
    assert!(check_link(&doc, "docs/scenarios.md#mix-strategies").is_ok());
    assert!(check_link(&doc, "docs/scenarios.md#no-such-heading").is_err());
    assert!(check_link(&doc, "docs/no-such-file.md").is_err());
}

/// Every scenario and sweep file, as its path under scenarios/.
fn scenario_files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            scenario_files(&path, &format!("{prefix}{name}/"), out);
        } else if name.ends_with(".toml") {
            out.push(format!("{prefix}{name}"));
        }
    }
}

#[test]
fn docs_scenarios_lists_every_file() {
    let table = std::fs::read_to_string(root().join("docs/scenarios.md")).unwrap();
    let mut files = Vec::new();
    scenario_files(&root().join("scenarios"), "", &mut files);
    assert!(
        files.len() > 20,
        "only {} scenario files found",
        files.len()
    );
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !table.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/scenarios.md does not list {missing:?}"
    );
}
