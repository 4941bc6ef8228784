//! Functions short enough to read at once: no function under `src/` is longer than [`LIMIT`]
//! lines unless a comment at its top says why it is clearest whole (a `// Long on purpose:`
//! line among the comments just above it, or in the first lines of its body).
//!
//! A function runs from its `fn` line to the closing brace rustfmt puts at the `fn` line's
//! indent; nested functions count in their parent too. The scan also lists the functions over
//! the limit it knows about ([`PENDING`]), so that the list shrinks as they are split and a
//! new long function fails the test.

use crate::common::repo;
use std::path::{Path, PathBuf};

/// The longest a function may be without saying why.
const LIMIT: usize = 80;

/// What says why a function is long, in a comment at its top.
const MARK: &str = "// Long on purpose:";

/// Functions still over the limit without a reason, to be split: (file, name). The test fails
/// when one of them is no longer long (take it off the list) and on any long function not here.
const PENDING: &[(&str, &str)] = &[];

/// One function: file, name, first line (1-based), length in lines, whether it says why.
#[derive(Debug)]
struct Function {
    file: String,
    name: String,
    line: usize,
    lines: usize,
    says_why: bool,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable src/") {
        let path = e.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The name of the function declared on `line`, if one is: `fn`, after optional `pub(..)`,
/// `const`, `async`, `unsafe` and `extern "C"`.
fn declared(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("extern \"C\" ").unwrap_or(rest);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

/// Whether the comment and attribute lines just above line `at` hold the mark.
fn marked_above(lines: &[&str], at: usize) -> bool {
    lines[..at]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("//") || l.starts_with("#["))
        .any(|l| l.starts_with(MARK))
}

fn functions(file: &str, text: &str) -> Vec<Function> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = declared(line) else { continue };
        let indent = &line[..line.len() - line.trim_start().len()];
        // A declaration without a body (a trait's) ends at its `;` before any `{`.
        let Some(open) =
            (i..lines.len()).find(|&j| lines[j].contains('{') || lines[j].ends_with(';'))
        else {
            continue;
        };
        if !lines[open].contains('{') {
            continue;
        }
        let close = if lines[open].trim_end().ends_with('}') {
            open
        } else {
            match (open + 1..lines.len()).find(|&j| lines[j] == format!("{indent}}}")) {
                Some(j) => j,
                None => continue,
            }
        };
        let body_top = lines
            .get(open + 1..close.min(open + 4))
            .unwrap_or_default()
            .iter()
            .any(|l| l.trim_start().starts_with(MARK));
        out.push(Function {
            file: file.to_string(),
            name: name.to_string(),
            line: i + 1,
            lines: close - i + 1,
            says_why: marked_above(&lines, i) || body_top,
        });
    }
    out
}

fn scanned() -> Vec<Function> {
    let root = repo();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path
            .strip_prefix(&root)
            .expect("under the repository")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).expect("readable source");
        out.extend(functions(&file, &text));
    }
    out
}

#[test]
fn no_function_is_long_without_saying_why() {
    let all = scanned();
    assert!(all.len() > 500, "the scan found {} functions", all.len());
    let long: Vec<&Function> = all.iter().filter(|f| f.lines > LIMIT).collect();
    let unexplained: Vec<String> = long
        .iter()
        .filter(|f| !f.says_why && !PENDING.contains(&(f.file.as_str(), f.name.as_str())))
        .map(|f| format!("{}:{} {} ({} lines)", f.file, f.line, f.name, f.lines))
        .collect();
    assert!(
        unexplained.is_empty(),
        "functions over {LIMIT} lines: split them, or put a `{MARK} ...` comment at their top \
         saying why they are clearest whole:\n{}",
        unexplained.join("\n")
    );
    for (file, name) in PENDING {
        assert!(
            long.iter()
                .any(|f| f.file == *file && f.name == *name && !f.says_why),
            "{file} {name} is no longer over {LIMIT} lines without a reason: take it off PENDING"
        );
    }
}

/// The scan measures what it should: a function from its `fn` line to its closing brace, a
/// trait's declaration not at all, the mark above or at the top of the body.
#[test]
fn the_scan_measures_functions() {
    let text = "trait T {\n    fn decl(&self);\n}\n\n// Long on purpose: a test.\npub(crate) fn two() {\n    let x = 1;\n}\n\nfn one() {}\n\nfn top() {\n    // Long on purpose: also a test.\n    let y = 2;\n}\n";
    let f = functions("x.rs", text);
    let got: Vec<(&str, usize, usize, bool)> = f
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.lines, f.says_why))
        .collect();
    assert_eq!(
        got,
        [
            ("two", 6, 3, true),
            ("one", 10, 1, false),
            ("top", 12, 4, true)
        ]
    );
}
