//! The source tree keeps the shape issue #14 gave it: data flows one way
//! between the top-level modules (no import cycles, test code included),
//! and no source file needs more than about 800 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::harness::repository;

/// The longest a source file may grow.
const MAX_LINES: usize = 800;

fn source_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`promql` for
/// `src/promql/parse.rs` and `src/promql.rs`).
fn top_module(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap();
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a line names through `crate::`, outside comments:
/// `crate::plan::base_window` and `use crate::{plan, render}`.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = list.split('}').next().unwrap_or("");
            names.extend(list.split(',').map(|item| {
                item.trim()
                    .split("::")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            }));
        } else {
            let name: String = rest
                .chars()
                .take_while(|character| character.is_alphanumeric() || *character == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

/// Every dependency between top-level modules, with where it is written.
fn dependencies() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = repository().join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files.iter().map(|file| top_module(&src, file)).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let from = top_module(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for to in named_modules(line) {
                if to != from && modules.contains(&to) {
                    let place = format!(
                        "{}:{}",
                        file.strip_prefix(repository()).unwrap().display(),
                        number + 1
                    );
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(to)
                        .or_insert(place);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if any: the modules on it in order.
fn cycle_through(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<String>> {
    let mut path = vec![start.to_owned()];
    let mut seen = BTreeSet::new();
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let last = path.last().unwrap().clone();
        for next in graph.get(&last).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(graph, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = dependencies();
    assert!(
        graph
            .get("compile")
            .is_some_and(|to| to.contains_key("plan")),
        "the scan must see compile -> plan: {graph:?}"
    );
    for module in graph.keys() {
        if let Some(cycle) = cycle_through(&graph, module) {
            let steps: Vec<String> = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .map(|(from, to)| format!("{from} -> {to} ({})", graph[from][to]))
                .collect();
            panic!(
                "the modules import each other in a cycle; move the shared part down a stage:\n  {}",
                steps.join("\n  ")
            );
        }
    }
}

#[test]
fn the_scan_reads_paths_and_use_lists() {
    assert_eq!(named_modules("use crate::plan::base_window;"), ["plan"]);
    assert_eq!(
        named_modules("use crate::{plan, render::GeneratedFile};"),
        ["plan", "render"]
    );
    assert_eq!(
        named_modules("let x = crate::promql::parse(q); // crate::verify"),
        ["promql"]
    );
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut files = Vec::new();
    source_files(&repository().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by what each part does (a folder module): {long:?}"
    );
}
