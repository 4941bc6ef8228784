//! The layer rule, checked on the source tree: an import between top-level modules may only
//! point down the table in [`LAYERS`], and the imports must not close a cycle.
//!
//! The checker reads every file under `src/`, blanks out comments and string and char literals,
//! and collects the top-level module each path names: `crate::x` (also inside `use crate::{x,
//! y}` groups), `mixsim::x` (the binary), and `super::` chains that climb out of a top-level
//! module to the crate root. Inline `mod name { ... }` blocks are tracked, so the `use super::*`
//! of a test module is not mistaken for a climb. It is deliberately small: a path spelled some
//! other way (built by a macro, say) would pass unseen.

use std::collections::BTreeMap;
use std::path::Path;

/// Top-level modules, bottom layer first. An import may name a module of a lower layer; within
/// one layer only the pairs in [`SIDEWAYS`] are allowed.
const LAYERS: &[&[&str]] = &[
    // Pure building blocks: import nothing of ours.
    &["engine", "units", "model", "files"],
    // Elements and taps, traffic models, attacks, watermark schemes.
    &["net", "traffic", "attack", "watermark"],
    &["scenario"],
    &["experiment"],
    &["report"],
    &["main"],
];

/// Allowed imports within a layer: a sender holds an arrival process (net uses traffic); a
/// watermark scheme's embedder is a net stage (watermark uses net); a detector is an attack
/// sharing its scheme's key (attack uses watermark).
const SIDEWAYS: &[(&str, &str)] = &[
    ("net", "traffic"),
    ("watermark", "net"),
    ("attack", "watermark"),
];

/// Modules held to less than their layer allows: an attack sees observations only, so besides
/// the watermark schemes it imports the engine (time, random streams) and nothing else.
const ONLY: &[(&str, &[&str])] = &[("attack", &["engine", "watermark"])];

/// One import of another top-level module.
#[derive(Debug, Clone, PartialEq)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// What is wrong with one import, if anything.
fn judge(i: &Import) -> Option<String> {
    let (from, to) = (i.from.as_str(), i.to.as_str());
    let at = format!("{}:{}: {from} imports {to}", i.file, i.line);
    let (Some(lf), Some(lt)) = (layer(from), layer(to)) else {
        let unknown = if layer(from).is_none() { from } else { to };
        return Some(format!(
            "{at}: module `{unknown}` is not in the layer table (add it to LAYERS)"
        ));
    };
    if let Some((_, allowed)) = ONLY.iter().find(|(m, _)| *m == from) {
        if !allowed.contains(&to) {
            return Some(format!(
                "{at}: {from} may import only {}",
                allowed.join(", ")
            ));
        }
    }
    if lt > lf {
        return Some(format!(
            "{at}: the import points up (layer {} above layer {})",
            lt + 1,
            lf + 1
        ));
    }
    if lt == lf && !SIDEWAYS.contains(&(from, to)) {
        return Some(format!(
            "{at}: both are in layer {}, and only {SIDEWAYS:?} may import sideways",
            lf + 1
        ));
    }
    None
}

/// A cycle in the module graph, as the imports that close it (one per edge).
fn find_cycle(imports: &[Import]) -> Option<Vec<&Import>> {
    type Edges<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a Import>>;
    let mut edges: Edges = BTreeMap::new();
    for i in imports {
        edges.entry(&i.from).or_default().entry(&i.to).or_insert(i);
    }
    // Depth-first search; `path` is the chain of imports leading to `m`.
    fn visit<'a>(
        m: &'a str,
        edges: &Edges<'a>,
        done: &mut Vec<&'a str>,
        path: &mut Vec<&'a Import>,
    ) -> Option<Vec<&'a Import>> {
        if let Some(start) = path.iter().position(|i| i.from == m) {
            return Some(path[start..].to_vec());
        }
        if done.contains(&m) {
            return None;
        }
        for (&to, &i) in edges.get(m).into_iter().flatten() {
            path.push(i);
            if let Some(c) = visit(to, edges, done, path) {
                return Some(c);
            }
            path.pop();
        }
        done.push(m);
        None
    }
    let mut done = Vec::new();
    edges
        .keys()
        .find_map(|&m| visit(m, &edges, &mut done, &mut Vec::new()))
}

/// Every problem with a set of imports: bad edges, then a cycle if there is one.
fn check(imports: &[Import]) -> Vec<String> {
    let mut problems: Vec<String> = imports.iter().filter_map(judge).collect();
    if let Some(cycle) = find_cycle(imports) {
        let steps: Vec<String> = cycle
            .iter()
            .map(|i| format!("{} -> {} ({}:{})", i.from, i.to, i.file, i.line))
            .collect();
        problems.push(format!("import cycle: {}", steps.join(", ")));
    }
    problems
}

/// The source with comments and string and char literals blanked out (newlines kept, so line
/// numbers survive).
fn code_only(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let skip = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |p| p + 2)
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = hashes + 2;
            rest[body..]
                .find(&close)
                .map_or(rest.len(), |p| body + p + close.len())
        } else if rest.starts_with('"') {
            string_len(rest)
        } else if let Some(n) = char_literal_len(rest) {
            n
        } else {
            let c = rest.chars().next().expect("not at the end");
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        out.extend(
            rest[..skip]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        i += skip;
    }
    out
}

/// `r"` or `r#"`...: the number of hashes of a raw string starting here.
fn raw_string_start(s: &str) -> Option<usize> {
    let after_r = s.strip_prefix('r')?;
    let hashes = after_r.bytes().take_while(|&c| c == b'#').count();
    after_r[hashes..].starts_with('"').then_some(hashes)
}

/// Length of a string literal starting here, quotes included.
fn string_len(s: &str) -> usize {
    let mut escaped = false;
    for (k, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return k + 1,
            _ => {}
        }
    }
    s.len()
}

/// `'x'`, `'\n'`, `'\''`: the length of a char literal starting here (None for a lifetime).
fn char_literal_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('\'')?;
    if let Some(esc) = body.strip_prefix('\\') {
        return esc.get(1..)?.find('\'').map(|p| p + 4);
    }
    let c = body.chars().next()?;
    body[c.len_utf8()..]
        .starts_with('\'')
        .then_some(2 + c.len_utf8())
}

/// The first identifier of `s` and the text after it.
fn head(s: &str) -> (String, &str) {
    let s = s.trim_start();
    let n = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (s[..n].to_string(), &s[n..])
}

/// Each item a path names after `prefix::` (one, or each item of a `{...}` group), as its first
/// identifier and the text after it.
fn heads(code: &str) -> Vec<(String, &str)> {
    let Some(group) = code.trim_start().strip_prefix('{') else {
        return vec![head(code)];
    };
    let (mut depth, mut items, mut start) = (0, Vec::new(), 0);
    for (k, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(head(&group[start..k]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(head(&group[start..k]));
                start = k + 1;
            }
            _ => {}
        }
    }
    items.retain(|(s, _)| !s.is_empty() && s != "self");
    items
}

/// The module that `top` followed by `rest` names: the top-level module itself.
fn module_named(top: &str, _rest: &str) -> String {
    top.to_string()
}

/// The module path of a file under src/ ("net/tap.rs" -> [net, tap]; "main.rs" -> [main]).
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.len() > 1 && parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts
}

/// The imports of other top-level modules in one file (`rel`: its path under src/).
fn imports_of(rel: &str, src: &str) -> Vec<Import> {
    let path = module_path(rel);
    let sub = |n: usize| path.get(n).map(String::as_str).unwrap_or("");
    let from = module_named(&path[0], &format!("::{}", sub(1)));
    let code = code_only(src);
    let mut found = Vec::new();
    let mut add = |line: usize, to: String| {
        if to != from {
            let file = format!("src/{rel}");
            found.push(Import {
                file,
                line,
                from: from.clone(),
                to,
            });
        }
    };
    // Inline `mod name {` blocks still open, as the brace depth at which each closes.
    let (mut inline, mut depth): (Vec<usize>, usize) = (Vec::new(), 0);
    let (mut line, mut prev) = (1, ' ');
    for (k, c) in code.char_indices() {
        match c {
            '\n' => line += 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        let word_start = c.is_alphabetic() && !(prev.is_alphanumeric() || "_:".contains(prev));
        prev = c;
        if !word_start {
            continue;
        }
        let rest = &code[k..];
        if let Some(after) = rest
            .strip_prefix("crate::")
            .or_else(|| rest.strip_prefix("mixsim::"))
        {
            for (top, tail) in heads(after) {
                add(line, module_named(&top, tail));
            }
        } else if rest.starts_with("super::") {
            let (mut climbs, mut after) = (0, rest);
            while let Some(a) = after.strip_prefix("super::") {
                climbs += 1;
                after = a.trim_start();
            }
            // The module the chain lands in, counted in segments below the crate root.
            let depth_left = (path.len() + inline.len()).saturating_sub(climbs);
            for (name, tail) in heads(after) {
                match depth_left {
                    0 => add(line, module_named(&name, tail)),
                    1 => add(line, module_named(&path[0], &format!("::{name}"))),
                    _ => {}
                }
            }
        } else if let Some(after) = rest.strip_prefix("mod ") {
            let name_len = after.find(|c: char| !(c.is_alphanumeric() || c == '_'));
            if name_len.is_some_and(|n| after[n..].trim_start().starts_with('{')) {
                inline.push(depth);
            }
        }
    }
    found
}

/// Every import of another top-level module in the files under `src`.
fn imports_in(src: &Path) -> Vec<Import> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("readable src/") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel != "lib.rs" {
            out.extend(imports_of(&rel, &std::fs::read_to_string(&f).unwrap()));
        }
    }
    out
}

#[test]
fn imports_point_down_and_close_no_cycle() {
    let imports = imports_in(&crate::common::repo().join("src"));
    assert!(
        imports
            .iter()
            .any(|i| i.from == "main" && i.to == "experiment"),
        "the checker should see main's imports: {imports:?}"
    );
    let problems = check(&imports);
    assert!(
        problems.is_empty(),
        "layer violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_top_level_module_is_in_the_table() {
    for e in std::fs::read_dir(crate::common::repo().join("src")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let module = name.trim_end_matches(".rs");
        if module != "lib" {
            assert!(
                layer(module).is_some(),
                "src/{name}: add `{module}` to LAYERS"
            );
        }
    }
}

#[test]
fn a_planted_upward_import_is_reported_with_file_line_and_modules() {
    let src = "//! engine\n\nuse std::fmt;\nuse crate::net::Packet;\n";
    let imports = imports_of("engine/mod.rs", src);
    let planted = Import {
        file: "src/engine/mod.rs".into(),
        line: 4,
        from: "engine".into(),
        to: "net".into(),
    };
    assert_eq!(imports, vec![planted]);
    let problems = check(&imports);
    assert_eq!(
        problems,
        vec![
            "src/engine/mod.rs:4: engine imports net: the import points up (layer 2 above layer 1)"
        ]
    );
}

#[test]
fn grouped_paths_super_climbs_and_mixsim_paths_are_seen() {
    let src = "use crate::{engine::SimTime, report::plot as p};\n\
               mod tests {\n    use super::*;\n    use super::super::experiment::Tally;\n}\n\
               fn f() { let _ = super::super::attack::mi::plugin_mi; }\n";
    let found: Vec<(usize, String)> = imports_of("net/link.rs", src)
        .into_iter()
        .map(|i| (i.line, i.to))
        .collect();
    // Inside `mod tests`, super::super is still within net; outside it climbs to the root.
    let want = [(1, "engine"), (1, "report"), (6, "attack")];
    assert_eq!(found, want.map(|(l, m)| (l, m.to_string())));
    let main = imports_of("main.rs", "use mixsim::{experiment, net::tap::TapPoint};\n");
    let to: Vec<&str> = main.iter().map(|i| i.to.as_str()).collect();
    assert_eq!(to, ["experiment", "net"]);
}

#[test]
fn comments_strings_and_chars_are_not_imports() {
    let src = "//! see [`crate::report`]\n/* crate::experiment */\n\
               const A: &str = \"crate::scenario \\\" crate::net\";\n\
               const B: &str = r#\"x \" crate::main\"#;\n\
               const Q: char = '\"';\nfn f<'a>(x: &'a str) -> &'a str { x }\n\
               use crate::engine::time;\n";
    let found: Vec<String> = imports_of("model/mod.rs", src)
        .into_iter()
        .map(|i| i.to)
        .collect();
    assert_eq!(found, vec!["engine".to_string()]);
    assert_eq!(
        check(&imports_of("model/mod.rs", src)).len(),
        1,
        "model imports nothing"
    );
}

#[test]
fn sideways_only_lists_and_cycles_are_reported() {
    let imp = |from: &str, to: &str| Import {
        file: format!("src/{from}/mod.rs"),
        line: 1,
        from: from.into(),
        to: to.into(),
    };
    assert!(check(&[imp("net", "traffic")]).is_empty());
    assert!(check(&[imp("traffic", "net")])[0].contains("sideways"));
    assert!(check(&[imp("attack", "units")])[0].contains("may import only engine"));
    // The cycle is reported beside the upward edge that closes it, with both imports.
    let problems = check(&[imp("net", "engine"), imp("engine", "net")]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("engine imports net"),
        "{}",
        problems[0]
    );
    assert_eq!(
        problems[1],
        "import cycle: engine -> net (src/engine/mod.rs:1), net -> engine (src/net/mod.rs:1)"
    );
}
