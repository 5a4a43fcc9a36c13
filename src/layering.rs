//! Layering: the crate's modules depend on each other one way only.
//!
//! Reads every `.rs` file under `src/`, finds the references from one module to another, and
//! checks two things: no module takes part in an import cycle (neither the top-level modules
//! such as `spec` and `runner`, nor the sibling files inside one module such as
//! `generate/strategy.rs` and `generate/values.rs`), and the top-level modules keep the declared
//! order of [`LAYERS`].
//!
//! There is no parser crate here, so this is string scanning, kept simple on purpose:
//! - comments, string literals and char literals are blanked first (lines are kept for messages);
//! - **test-only code is left out**: an item under `#[cfg(test)]` or `#[cfg(all(test, …))]` (a `mod tests { … }`
//!   block, a helper function, a `use`) is skipped up to its `;` or its matching `}`; a file
//!   declared by its parent under `#[cfg(test)]` (`mod tests;`, `mod test_support;`), or that
//!   starts with `#![cfg(test)]`, is left out with everything below it;
//! - a reference is any `use` tree, and any other path that starts with `crate::` or `super::`
//!   (or with a name the file imports, or with a child module's name);
//! - a path is followed through the modules it names and through re-exports (`pub use x::Y`,
//!   `pub use x::*`), so `super::Y` re-exported from a sibling counts as that sibling;
//! - an edge from `a::b` to `a::c` belongs to the graph of `a`'s children; the parent itself
//!   (`mod.rs`, `lib.rs`) is no node: children use their parent's shared items freely.
//!
//! It must never need a new crate, and never panic on odd source: anything it cannot read as a
//! path is simply not a reference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The declared order of the top-level modules, lowest layer first. A module may import modules
/// of lower layers only; modules in one layer are independent of each other. A top-level module
/// missing from this list fails [`layers_keep_their_order`]: place it deliberately.
const LAYERS: &[&[&str]] = &[
    &["calendar", "exit", "rng", "tls"],
    &["spec", "multipart"],
    &["model"],
    &["values"],
    &["generate"],
    &["check"],
    &["transport"],
    &["mock"],
    &["engine"],
    &["report", "diff", "proxy"],
    &["settings"],
    &["contract"],
    &["harness"],
];

/// A module path from the crate root: `[]` is the crate, `["generate", "values"]` is
/// `generate/values.rs`.
type ModPath = Vec<String>;

/// One token of blanked source.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// A token with its 1-based line.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// A path as written in one file, before it is made absolute.
#[derive(Debug, Clone)]
struct RawPath {
    segments: Vec<String>,
    line: usize,
}

/// What one file says about itself and its neighbours.
#[derive(Debug, Default)]
struct Module {
    /// Path from the repository root, for messages.
    file: String,
    /// Left out of the graphs (see the module doc).
    test_only: bool,
    /// Children declared under `#[cfg(test)]`.
    test_children: BTreeSet<String>,
    /// Names of the items the file defines.
    items: BTreeSet<String>,
    /// Names bound by `use` (`"*"` for a glob) and the raw paths they stand for.
    uses: Vec<(String, RawPath)>,
    /// Every reference: all `use` paths and the other paths worth following.
    refs: Vec<RawPath>,
}

/// Replaces comments, string literals and char literals with spaces, keeping newlines.
fn blank(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let n = b.len();
    let at = |i: usize| b.get(i).copied().unwrap_or('\0');
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(src.len());
    let keep_newlines = |out: &mut String, from: usize, to: usize| {
        for &c in &b[from..to.min(n)] {
            out.push(if c == '\n' { '\n' } else { ' ' });
        }
    };
    let mut i = 0;
    while i < n {
        let c = b[i];
        let prev = if i > 0 { at(i - 1) } else { '\0' };
        if c == '/' && at(i + 1) == '/' {
            let mut j = i;
            while j < n && b[j] != '\n' {
                j += 1;
            }
            keep_newlines(&mut out, i, j);
            i = j;
        } else if c == '/' && at(i + 1) == '*' {
            let (mut j, mut depth) = (i + 2, 1);
            while j < n && depth > 0 {
                if b[j] == '/' && at(j + 1) == '*' {
                    depth += 1;
                    j += 2;
                } else if b[j] == '*' && at(j + 1) == '/' {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            keep_newlines(&mut out, i, j);
            i = j;
        } else if c == 'r'
            && (at(i + 1) == '"' || at(i + 1) == '#')
            && (!is_ident(prev) || (prev == 'b' && !is_ident(if i > 1 { at(i - 2) } else { ' ' })))
        {
            // A raw string r"…", r#"…"#, br"…"; or a raw identifier r#name (left alone).
            let mut j = i + 1;
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= n {
                    break;
                }
                if b[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            keep_newlines(&mut out, i, j);
            i = j;
        } else if c == '"' {
            let mut j = i + 1;
            while j < n && b[j] != '"' {
                j += if b[j] == '\\' { 2 } else { 1 };
            }
            keep_newlines(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' && at(i + 1) == '\\' {
            // An escaped char literal: '\n', '\'', '\u{1F600}'.
            let mut j = i + 2;
            while j < n && b[j] != '\'' && b[j] != '\n' {
                j += 1;
            }
            keep_newlines(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' && at(i + 2) == '\'' {
            keep_newlines(&mut out, i, i + 3);
            i += 3;
        } else {
            // A lifetime's quote, or plain code.
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Splits blanked source into identifiers, `::` and single punctuation characters.
fn tokenize(code: &str) -> Vec<Token> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let word: String = b[start..i].iter().collect();
            out.push(Token { tok: Tok::Ident(word), line });
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            out.push(Token { tok: Tok::PathSep, line });
            i += 2;
        } else {
            out.push(Token { tok: Tok::Punct(c), line });
            i += 1;
        }
    }
    out
}

fn is_punct(tokens: &[Token], i: usize, c: char) -> bool {
    matches!(tokens.get(i), Some(Token { tok: Tok::Punct(p), .. }) if *p == c)
}

fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i) {
        Some(Token { tok: Tok::Ident(s), .. }) => Some(s),
        _ => None,
    }
}

fn is_path_sep(tokens: &[Token], i: usize) -> bool {
    matches!(tokens.get(i), Some(Token { tok: Tok::PathSep, .. }))
}

/// The index just past the bracket that closes the one at `open` (or the end).
fn skip_group(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < tokens.len() {
        match tokens[i].tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    tokens.len()
}

/// Whether the tokens from `i` read `#[cfg(test)]` or `#[cfg(all(test, …))]` (`inner`:
/// `#![cfg(test)]`): either way the item exists only in test builds.
fn is_cfg_test(tokens: &[Token], i: usize, inner: bool) -> bool {
    let mut j = i;
    if !is_punct(tokens, j, '#') {
        return false;
    }
    j += 1;
    if inner {
        if !is_punct(tokens, j, '!') {
            return false;
        }
        j += 1;
    }
    let plain = |k: usize| ident(tokens, k) == Some("test") && is_punct(tokens, k + 1, ')');
    let conjunct = |k: usize| {
        ident(tokens, k) == Some("all") && is_punct(tokens, k + 1, '(') && ident(tokens, k + 2) == Some("test")
    };
    is_punct(tokens, j, '[')
        && ident(tokens, j + 1) == Some("cfg")
        && is_punct(tokens, j + 2, '(')
        && ((plain(j + 3) && is_punct(tokens, j + 5, ']')) || conjunct(j + 3))
}

/// Drops the items under `#[cfg(test)]`; returns the kept tokens and the names of the child
/// modules declared test-only (`#[cfg(test)] mod tests;`).
fn strip_test_items(tokens: &[Token]) -> (Vec<Token>, BTreeSet<String>) {
    let mut kept = Vec::with_capacity(tokens.len());
    let mut test_children = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_cfg_test(tokens, i, false) {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        // Skip this attribute and any that follow, then the item up to its `;` or its body.
        let mut j = i;
        while is_punct(tokens, j, '#') && is_punct(tokens, j + 1, '[') {
            j = skip_group(tokens, j + 1);
        }
        let item_start = j;
        while j < tokens.len() {
            match tokens[j].tok {
                Tok::Punct(';') => {
                    j += 1;
                    break;
                }
                Tok::Punct('{') => {
                    j = skip_group(tokens, j);
                    break;
                }
                Tok::Punct('(' | '[') => j = skip_group(tokens, j),
                _ => j += 1,
            }
        }
        for k in item_start..j {
            if ident(tokens, k) == Some("mod")
                && is_punct(tokens, k + 2, ';')
                && let Some(name) = ident(tokens, k + 1)
            {
                test_children.insert(name.to_string());
            }
        }
        i = j.max(i + 1);
    }
    (kept, test_children)
}

/// Parses one `use` tree at `*i`, pushing `(binding, path)` for every leaf.
fn parse_use_tree(
    tokens: &[Token],
    i: &mut usize,
    mut prefix: Vec<String>,
    line: usize,
    out: &mut Vec<(String, RawPath)>,
) {
    loop {
        if is_punct(tokens, *i, '{') {
            *i += 1;
            while *i < tokens.len() && !is_punct(tokens, *i, '}') {
                let before = *i;
                parse_use_tree(tokens, i, prefix.clone(), line, out);
                if is_punct(tokens, *i, ',') {
                    *i += 1;
                }
                if *i == before {
                    // Something unexpected: step over it rather than loop.
                    *i += 1;
                }
            }
            *i += 1;
            return;
        }
        if is_punct(tokens, *i, '*') {
            *i += 1;
            out.push(("*".to_string(), RawPath { segments: prefix, line }));
            return;
        }
        let Some(seg) = ident(tokens, *i) else { return };
        let seg = seg.to_string();
        *i += 1;
        if is_path_sep(tokens, *i) {
            *i += 1;
            prefix.push(seg);
            continue;
        }
        let mut binding = seg.clone();
        if seg == "self" {
            binding = prefix.last().cloned().unwrap_or_default();
        } else {
            prefix.push(seg);
        }
        if ident(tokens, *i) == Some("as") {
            if let Some(alias) = ident(tokens, *i + 1) {
                binding = alias.to_string();
            }
            *i += 2;
        }
        out.push((binding, RawPath { segments: prefix, line }));
        return;
    }
}

/// Reads one file: its test children, items, `use` bindings and references.
fn scan(file: String, src: &str) -> Module {
    let tokens = tokenize(&blank(src));
    let test_only = is_cfg_test(&tokens, 0, true);
    let (tokens, test_children) = strip_test_items(&tokens);
    let mut module = Module { file, test_only, test_children, ..Module::default() };
    const ITEM_KEYWORDS: &[&str] = &["struct", "enum", "fn", "const", "static", "type", "trait", "union", "mod"];
    let mut i = 0;
    while i < tokens.len() {
        let Some(word) = ident(&tokens, i) else {
            i += 1;
            continue;
        };
        if ITEM_KEYWORDS.contains(&word)
            && let Some(name) = ident(&tokens, i + 1)
        {
            module.items.insert(name.to_string());
        }
        if word == "use" {
            let line = tokens[i].line;
            i += 1;
            if is_path_sep(&tokens, i) {
                // `use ::name` names an external crate.
                continue;
            }
            let mut bindings = Vec::new();
            parse_use_tree(&tokens, &mut i, Vec::new(), line, &mut bindings);
            module.refs.extend(bindings.iter().map(|(_, p)| p.clone()));
            module.uses.extend(bindings);
            continue;
        }
        let starts_path = !(i > 0 && is_path_sep(&tokens, i - 1)) && is_path_sep(&tokens, i + 1);
        if starts_path {
            let line = tokens[i].line;
            let mut segments = vec![word.to_string()];
            let mut j = i + 1;
            while is_path_sep(&tokens, j) {
                match ident(&tokens, j + 1) {
                    Some(s) => segments.push(s.to_string()),
                    None => break,
                }
                j += 2;
            }
            module.refs.push(RawPath { segments, line });
            i = j;
            continue;
        }
        i += 1;
    }
    module
}

/// Every module of the crate, keyed by its path.
struct Crate {
    modules: BTreeMap<ModPath, Module>,
}

/// One example of an edge: where it was written, and what.
#[derive(Debug, Clone)]
struct Example {
    file: String,
    line: usize,
    path: String,
}

impl Crate {
    fn load(src: &Path) -> Crate {
        let mut files = Vec::new();
        collect_rs(src, &mut files);
        let sources = files.iter().filter_map(|path| {
            let rel = path.strip_prefix(src).ok()?;
            let rel = rel.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>().join("/");
            Some((rel, std::fs::read_to_string(path).unwrap_or_default()))
        });
        Crate::from_sources(sources)
    }

    /// The crate from `(path under src/, text)` pairs: `lib.rs`, `a/mod.rs`, `a/b.rs`.
    fn from_sources(sources: impl IntoIterator<Item = (String, String)>) -> Crate {
        let mut modules = BTreeMap::new();
        for (rel, text) in sources {
            let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
            let Some(last) = parts.pop() else { continue };
            let stem = last.trim_end_matches(".rs").to_string();
            if !(parts.is_empty() && (stem == "lib" || stem == "main")) && stem != "mod" {
                parts.push(stem);
            }
            modules.insert(parts, scan(format!("src/{rel}"), &text));
        }
        let mut krate = Crate { modules };
        krate.mark_tests();
        krate
    }

    /// Marks test-only every module below one declared under `#[cfg(test)]`.
    fn mark_tests(&mut self) {
        let mut test_roots: Vec<ModPath> = Vec::new();
        for (path, module) in &self.modules {
            if module.test_only {
                test_roots.push(path.clone());
            }
            for child in &module.test_children {
                let mut p = path.clone();
                p.push(child.clone());
                test_roots.push(p);
            }
        }
        for (path, module) in &mut self.modules {
            if test_roots.iter().any(|root| path.starts_with(root)) {
                module.test_only = true;
            }
        }
    }

    fn has_module(&self, path: &[String]) -> bool {
        self.modules.get(path).is_some_and(|m| !m.test_only)
    }

    /// Makes a path written in module `at` absolute, or `None` when it leaves the crate (or is
    /// not a path to anything the crate defines: a local type, `Self`, a variable).
    fn absolute(&self, at: &[String], raw: &[String], depth: usize) -> Option<ModPath> {
        let (first, rest) = raw.split_first()?;
        let mut base: ModPath = match first.as_str() {
            "crate" => Vec::new(),
            "self" => at.to_vec(),
            "super" => at[..at.len().checked_sub(1)?].to_vec(),
            name => {
                let mut child = at.to_vec();
                child.push(name.to_string());
                if self.has_module(&child) { child } else { self.binding(at, name, depth)? }
            }
        };
        let mut rest = rest;
        if first == "super" {
            while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                base.pop();
                rest = tail;
            }
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// What a name imported by `use` in module `at` stands for, made absolute.
    fn binding(&self, at: &[String], name: &str, depth: usize) -> Option<ModPath> {
        if depth > 8 {
            return None;
        }
        let module = self.modules.get(at)?;
        let (_, raw) = module.uses.iter().find(|(b, _)| b == name)?;
        if raw.segments.first().map(String::as_str) == Some(name) && raw.segments.len() == 1 {
            return None;
        }
        self.absolute(at, &raw.segments, depth + 1)
    }

    /// The module that defines what an absolute path names, following re-exports.
    fn locate(&self, path: &[String], depth: usize) -> ModPath {
        let mut at: ModPath = Vec::new();
        for (k, seg) in path.iter().enumerate() {
            let mut child = at.clone();
            child.push(seg.clone());
            if self.has_module(&child) {
                at = child;
                continue;
            }
            if depth > 8 {
                return at;
            }
            let Some(module) = self.modules.get(&at) else { return at };
            if module.items.contains(seg) {
                return at;
            }
            if let Some(mut target) = self.binding(&at, seg, depth) {
                target.extend(path[k + 1..].iter().cloned());
                return self.locate(&target, depth + 1);
            }
            for (b, raw) in &module.uses {
                if b != "*" {
                    continue;
                }
                let Some(glob) = self.absolute(&at, &raw.segments, depth + 1) else { continue };
                let from = self.locate(&glob, depth + 1);
                let Some(source) = self.modules.get(&from) else { continue };
                let mut child = from.clone();
                child.push(seg.clone());
                if source.items.contains(seg) || source.uses.iter().any(|(b, _)| b == seg) || self.has_module(&child) {
                    let mut target = from;
                    target.extend(path[k..].iter().cloned());
                    return self.locate(&target, depth + 1);
                }
            }
            return at;
        }
        at
    }

    /// The edges among siblings, keyed by their parent: `parent -> (from, to) -> example`.
    fn edges(&self) -> BTreeMap<ModPath, BTreeMap<(String, String), Example>> {
        let mut graphs: BTreeMap<ModPath, BTreeMap<(String, String), Example>> = BTreeMap::new();
        for (at, module) in &self.modules {
            if module.test_only {
                continue;
            }
            for raw in &module.refs {
                let Some(abs) = self.absolute(at, &raw.segments, 0) else { continue };
                let target = self.locate(&abs, 0);
                if !self.has_module(&target) {
                    continue;
                }
                let common = at.iter().zip(&target).take_while(|(a, b)| a == b).count();
                if common >= at.len() || common >= target.len() {
                    continue;
                }
                let parent = at[..common].to_vec();
                let key = (at[common].clone(), target[common].clone());
                graphs.entry(parent).or_default().entry(key).or_insert_with(|| Example {
                    file: module.file.clone(),
                    line: raw.line,
                    path: raw.segments.join("::"),
                });
            }
        }
        graphs
    }

    /// The top-level modules (not test-only).
    fn top_level(&self) -> BTreeSet<String> {
        self.modules.iter().filter(|(p, m)| p.len() == 1 && !m.test_only).map(|(p, _)| p[0].clone()).collect()
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every elementary cycle of a small graph, each starting at its smallest node; at most `limit`.
fn cycles(edges: &BTreeMap<(String, String), Example>, limit: usize) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    let nodes: Vec<&str> = next.keys().copied().collect();
    let mut found = Vec::new();
    for &start in &nodes {
        // Depth-first over nodes greater than `start`, so each cycle is found once.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: Vec<&str> = vec![start];
        while let Some((node, k)) = stack.pop() {
            let succ = next.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if k >= succ.len() || found.len() >= limit {
                on_path.pop();
                continue;
            }
            stack.push((node, k + 1));
            let to = succ[k];
            if to == start {
                let mut cycle: Vec<String> = on_path.iter().map(|s| s.to_string()).collect();
                cycle.push(start.to_string());
                found.push(cycle);
            } else if to > start && !on_path.contains(&to) {
                on_path.push(to);
                stack.push((to, 0));
            }
        }
    }
    found
}

fn shown(parent: &[String], name: &str) -> String {
    if parent.is_empty() { name.to_string() } else { format!("{}::{name}", parent.join("::")) }
}

fn load() -> Crate {
    Crate::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn modules_form_no_cycles() {
    let krate = load();
    let mut report = String::new();
    for (parent, edges) in krate.edges() {
        for cycle in cycles(&edges, 50) {
            let names: Vec<String> = cycle.iter().map(|n| shown(&parent, n)).collect();
            let _ = writeln!(report, "{}", names.join(" -> "));
            for pair in cycle.windows(2) {
                let example = &edges[&(pair[0].clone(), pair[1].clone())];
                let _ = writeln!(
                    report,
                    "    {} -> {}: {}:{} ({})",
                    shown(&parent, &pair[0]),
                    shown(&parent, &pair[1]),
                    example.file,
                    example.line,
                    example.path
                );
            }
        }
    }
    assert!(report.is_empty(), "import cycles between modules:\n{report}");
}

#[test]
fn layers_keep_their_order() {
    let krate = load();
    let layer_of = |name: &str| LAYERS.iter().position(|layer| layer.contains(&name));
    let mut report = String::new();
    for name in krate.top_level() {
        if layer_of(&name).is_none() {
            let _ = writeln!(report, "`{name}` is in no layer: add it to LAYERS");
        }
    }
    let edges = krate.edges().remove(&Vec::new()).unwrap_or_default();
    for ((from, to), example) in &edges {
        let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) else { continue };
        if b >= a {
            let _ = writeln!(
                report,
                "{from} (layer {a}) imports {to} (layer {b}): {}:{} ({})",
                example.file, example.line, example.path
            );
        }
    }
    assert!(report.is_empty(), "the layers are out of order:\n{report}");
}

/// The scanner itself, on small sources: these run always.
mod scanner {
    use super::*;

    fn paths(src: &str) -> Vec<String> {
        scan(String::new(), src).refs.iter().map(|p| p.segments.join("::")).collect()
    }

    #[test]
    fn comments_strings_and_test_items_are_not_references() {
        let src = r##"
            // use crate::a::X;
            /* crate::b::Y /* nested */ crate::c::Z */
            const S: &str = "crate::d::W";
            const R: &str = r#"crate::e::V "quoted""#;
            const C: char = '"';
            fn f<'a>(x: &'a str) -> &'a str { crate::keep::this(x) }
            #[cfg(test)]
            mod tests { use crate::f::U; }
            #[cfg(test)]
            use crate::g::T;
        "##;
        assert_eq!(paths(src), ["crate::keep::this"]);
    }

    #[test]
    fn use_trees_are_expanded() {
        let module = scan(String::new(), "use crate::{a::{self, B as C}, d::*};\nuse super::e;");
        let uses: Vec<(String, String, usize)> =
            module.uses.iter().map(|(b, p)| (b.clone(), p.segments.join("::"), p.line)).collect();
        assert_eq!(
            uses,
            [
                ("a".into(), "crate::a".into(), 1),
                ("C".into(), "crate::a::B".into(), 1),
                ("*".into(), "crate::d".into(), 1),
                ("e".into(), "super::e".into(), 2),
            ]
        );
    }

    #[test]
    fn test_children_are_recorded() {
        let module = scan(String::new(), "#[cfg(test)]\nmod tests;\n#[cfg(test)]\npub(crate) mod support;");
        assert_eq!(module.test_children.into_iter().collect::<Vec<_>>(), ["support", "tests"]);
    }

    #[test]
    fn a_cycle_is_found_once_with_every_edge() {
        let example = Example { file: String::new(), line: 0, path: String::new() };
        let edges: BTreeMap<(String, String), Example> = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "d")]
            .into_iter()
            .map(|(x, y)| ((x.to_string(), y.to_string()), example.clone()))
            .collect();
        assert_eq!(cycles(&edges, 10), [["a", "b", "a"]]);
    }

    #[test]
    fn re_exports_globs_and_test_files_are_followed() {
        let sources = [
            ("lib.rs", "mod a;\nmod b;\nmod c;"),
            ("a/mod.rs", "mod x;\nmod y;\npub use x::Thing;\npub use y::*;\n#[cfg(test)]\nmod tests;"),
            ("a/x.rs", "pub struct Thing;\nfn f() -> super::Other { todo!() }"),
            ("a/y.rs", "use super::Thing;\npub struct Other;"),
            ("a/tests.rs", "use crate::c::Gone;"),
            ("b.rs", "use crate::{a::Thing, c};\nfn g() { c::h() }"),
            ("c.rs", "pub fn h() {}\n#[cfg(test)]\nmod tests { use crate::b::X; }"),
        ];
        let krate = Crate::from_sources(sources.map(|(p, t)| (p.to_string(), t.to_string())));
        let shown: BTreeMap<String, Vec<(String, String, String)>> = krate
            .edges()
            .into_iter()
            .map(|(parent, edges)| {
                let edges = edges.into_iter().map(|((a, b), ex)| (a, b, format!("{}:{}", ex.file, ex.line))).collect();
                (parent.join("::"), edges)
            })
            .collect();
        let edge = |a: &str, b: &str, at: &str| (a.to_string(), b.to_string(), at.to_string());
        assert_eq!(
            shown,
            BTreeMap::from([
                (String::new(), vec![edge("b", "a", "src/b.rs:1"), edge("b", "c", "src/b.rs:1")]),
                ("a".to_string(), vec![edge("x", "y", "src/a/x.rs:2"), edge("y", "x", "src/a/y.rs:1")]),
            ])
        );
        assert_eq!(cycles(&krate.edges()[&vec!["a".to_string()]], 10), [["x", "y", "x"]]);
    }

    #[test]
    fn the_crate_is_read() {
        let krate = load();
        assert!(krate.top_level().contains("spec"));
        assert!(!krate.edges().is_empty());
    }
}
