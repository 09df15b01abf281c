//! The layering of the service crate (ARCHITECTURE.md), read from its `crate::` paths, so that a
//! change which points a module upwards or closes an import cycle fails the build instead of
//! growing the knot again. No build artefacts are needed: the sources are read as text.
//!
//! Nodes are `api/src`'s top-level modules, with each `routes/<feature>` a node of its own.

// Helpers of a test binary may fail loudly: that is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Only these may name `startup`: they are the binary and the library's root.
const ENTRY: &[&str] = &["main", "cli", "lib", "startup"];
/// The base: storage, errors, settings, texts, time and the domain's pure types.
const BASE: &[&str] = &["db", "error", "config", "i18n", "clock", "domain"];
/// What the base may never name.
const ABOVE_BASE: &[&str] = &[
    "http", "auth", "audit", "routes", "startup", "jobs", "notify", "webhooks", "changes",
    "openapi", "state",
];
/// Plumbing and background work: below the features, so they may name no feature.
const BELOW_FEATURES: &[&str] = &[
    "http",
    "auth",
    "audit",
    "telemetry",
    "media",
    "wechat",
    "qr",
    "metrics",
    "statement_count",
    "notify",
    "changes",
    "webhooks",
    "jobs",
    "state",
    "calendar",
];

/// One `crate::a::b::c` reference, from the file it was found in.
struct Reference {
    file: String,
    node: String,
    target: String,
    /// The module of the target feature that is named (`handlers`, `service`, ...), if any.
    part: Option<String>,
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The node a file belongs to: `routes/<feature>` for a feature's files, else the top module.
fn node_of(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [routes, feature, ..] if routes == "routes" && feature != "mod" => {
            format!("routes/{feature}")
        }
        [first, ..] => first.clone(),
        [] => unreachable!("a file has a name"),
    }
}

/// The text without `//` and `/* */` comments (doc comments mention paths in prose).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Every path a `use crate::...;` declaration or an inline `crate::...` names, as segments.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let text = without_comments(text);
    let mut paths = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("crate::") {
        let boundary = rest[..at]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
        rest = &rest[at + "crate::".len()..];
        if !boundary {
            continue;
        }
        // A `use crate::{a, b::{c}}` group: expand the braces.
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '{'))
            .unwrap_or(rest.len());
        let head = &rest[..end];
        if let Some(open) = head.find('{') {
            let prefix: Vec<String> = segments(&head[..open]);
            let group = balanced(&rest[open..]);
            for tail in expand(group) {
                let mut path = prefix.clone();
                path.extend(tail);
                paths.push(path);
            }
        } else {
            paths.push(segments(head));
        }
    }
    paths
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The inside of the brace group `text` starts with.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    &text[1..]
}

/// `a, b::{c, d}` → `[a]`, `[b, c]`, `[b, d]`.
fn expand(group: &str) -> Vec<Vec<String>> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    let mut out = Vec::new();
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        let item = item.split(" as ").next().unwrap().trim();
        match item.find('{') {
            Some(open) => {
                let prefix = segments(&item[..open]);
                for tail in expand(balanced(&item[open..])) {
                    let mut path = prefix.clone();
                    path.extend(tail);
                    out.push(path);
                }
            }
            None => out.push(segments(item)),
        }
    }
    out
}

fn references() -> Vec<Reference> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        let node = node_of(relative);
        let text = std::fs::read_to_string(&file).unwrap();
        for path in crate_paths(&text) {
            let (target, part) = match path.as_slice() {
                [routes, feature, rest @ ..]
                    if routes == "routes" && feature.starts_with(|c: char| c.is_lowercase()) =>
                {
                    (format!("routes/{feature}"), rest.first().cloned())
                }
                [first, rest @ ..] => (first.clone(), rest.first().cloned()),
                [] => continue,
            };
            if target != node && target != "self" && target != "super" {
                out.push(Reference {
                    file: relative.display().to_string(),
                    node: node.clone(),
                    target,
                    part,
                });
            }
        }
    }
    assert!(
        out.len() > 500,
        "the reader found too few paths: {}",
        out.len()
    );
    out
}

fn top(node: &str) -> &str {
    node.split('/').next().unwrap()
}

#[test]
fn only_the_entry_points_know_startup() {
    let breaks: Vec<String> = references()
        .into_iter()
        .filter(|r| r.target == "startup" && !ENTRY.contains(&r.node.as_str()))
        .map(|r| r.file)
        .collect();
    assert!(breaks.is_empty(), "name startup: {breaks:?}");
}

#[test]
fn the_base_knows_nothing_above_it() {
    let breaks: Vec<String> = references()
        .into_iter()
        .filter(|r| BASE.contains(&r.node.as_str()) && ABOVE_BASE.contains(&top(&r.target)))
        .map(|r| format!("{} → {}", r.file, r.target))
        .collect();
    assert!(breaks.is_empty(), "{breaks:#?}");
}

#[test]
fn plumbing_and_background_work_know_no_feature() {
    let breaks: Vec<String> = references()
        .into_iter()
        .filter(|r| BELOW_FEATURES.contains(&r.node.as_str()) && top(&r.target) == "routes")
        .map(|r| format!("{} → {}", r.file, r.target))
        .collect();
    assert!(breaks.is_empty(), "{breaks:#?}");
}

#[test]
fn a_feature_uses_another_features_service_or_dto_never_its_handlers() {
    let breaks: Vec<String> = references()
        .into_iter()
        .filter(|r| {
            r.node.starts_with("routes/")
                && r.target.starts_with("routes/")
                && r.part.as_deref() == Some("handlers")
        })
        .map(|r| format!("{} → {}::handlers", r.file, r.target))
        .collect();
    assert!(breaks.is_empty(), "{breaks:#?}");
}

#[test]
fn the_module_graph_has_no_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in references() {
        // `routes` itself (the list of features) and the entry points sit on top by design.
        if r.node == "routes" || ENTRY.contains(&r.node.as_str()) || r.node == "openapi" {
            continue;
        }
        graph.entry(r.node).or_default().insert(r.target);
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

/// A cycle of `graph` as the nodes it goes through (first = last), if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search keeping the path, so a cycle is reported as the modules it goes through.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn a_cycle_is_found_and_named() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            g.entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn the_reader_sees_grouped_and_nested_uses() {
    let paths = crate_paths(
        "use crate::{a::b, c::{d, e::f as g}};\n// crate::comment::ignored\nlet x = crate::h::i(1);",
    );
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["a::b", "c::d", "c::e::f", "h::i"]);
}
