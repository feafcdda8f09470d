//! Label values that meet a selector's matchers: equalities' values,
//! examples drawn from regexes, or common values, each checked with
//! promql-parser's own matcher.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};

use super::Series;

pub(super) fn named(name: &str, labels: BTreeMap<String, String>) -> Series {
    Series {
        name: name.to_owned(),
        labels: non_empty(labels),
    }
}

pub(super) fn non_empty(labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// Values of the labels an aggregation keeps: meeting every matcher on
/// them, and never empty (an empty label is no label).
pub(super) fn kept_values(
    kept: &[String],
    matchers: &[&Matcher],
) -> Option<BTreeMap<String, String>> {
    kept.iter()
        .map(|label| {
            let on_label: Vec<(&Matcher, bool)> = matchers
                .iter()
                .filter(|matcher| matcher.name == *label)
                .map(|matcher| (*matcher, true))
                .collect();
            candidates(label, &on_label, true)
                .into_iter()
                .find(|value| !value.is_empty() && meets(value, &on_label))
                .map(|value| (label.clone(), value))
        })
        .collect()
}

/// Labels meeting every matcher (and failing `violate`, if given), keeping
/// the values already chosen in `fixed`. Labels no matcher names are left out.
pub(super) fn solve(
    fixed: &BTreeMap<String, String>,
    matchers: &[&Matcher],
    violate: Option<&Matcher>,
) -> Option<BTreeMap<String, String>> {
    let mut constraints: BTreeMap<&str, Vec<(&Matcher, bool)>> = BTreeMap::new();
    for matcher in matchers {
        constraints
            .entry(matcher.name.as_str())
            .or_default()
            .push((*matcher, true));
    }
    if let Some(matcher) = violate {
        constraints
            .entry(matcher.name.as_str())
            .or_default()
            .push((matcher, false));
    }
    let mut labels = fixed.clone();
    for (label, on_label) in constraints {
        if let Some(value) = fixed.get(label) {
            if !meets(value, &on_label) {
                return None;
            }
            continue;
        }
        let value = candidates(label, &on_label, false)
            .into_iter()
            .find(|value| meets(value, &on_label))?;
        labels.insert(label.to_owned(), value);
    }
    Some(labels)
}

fn meets(value: &str, constraints: &[(&Matcher, bool)]) -> bool {
    constraints
        .iter()
        .all(|(matcher, wanted)| matcher.is_match(value) == *wanted)
}

/// Values worth trying for a label, most specific first: those the matchers
/// name, then (for a label an aggregation keeps) the label's own name, then
/// common values.
fn candidates(label: &str, constraints: &[(&Matcher, bool)], kept: bool) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (matcher, _) in constraints {
        match &matcher.op {
            MatchOp::Equal | MatchOp::NotEqual => values.push(matcher.value.clone()),
            MatchOp::Re(_) | MatchOp::NotRe(_) => values.extend(regex_examples(&matcher.value)),
        }
    }
    if kept {
        values.push(label.to_owned());
    }
    if label.contains("method") {
        values.extend(["GET", "POST"].map(str::to_owned));
    }
    values.extend(
        [
            "200", "500", "0", "1", "ok", "error", "true", "false", "x", "",
        ]
        .map(str::to_owned),
    );
    values.push(label.to_owned());
    values
}

/// Strings a simple regex probably matches: each top-level alternative with
/// `.` as `0`, classes as their first character, quantifiers and groups
/// dropped. Only a guess; callers check every value with the real matcher.
fn regex_examples(regex: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut chars = regex.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            }
            '.' => current.push('0'),
            '[' => {
                let mut first = None;
                for inner in chars.by_ref() {
                    if inner == ']' {
                        break;
                    }
                    if first.is_none() && inner != '^' {
                        first = Some(inner);
                    }
                }
                current.extend(first);
            }
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => examples.push(std::mem::take(&mut current)),
            '*' | '+' | '?' | '^' | '$' => {}
            '{' => {
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                }
            }
            other => current.push(other),
        }
    }
    examples.push(current);
    examples
}
