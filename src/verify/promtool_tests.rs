//! Test files (`tests/*.yml`) read with the structure of `promtool test
//! rules` (2.42): references to generated rule files and groups, durations,
//! series, expressions and value notation.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashSet;
use serde::Deserialize;

use super::yaml_options;
use crate::duration::Duration;
use crate::promql;

/// A `promtool test rules` file (Prometheus 2.42's `unitTestFile`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitTestFile {
    rule_files: Vec<String>,
    evaluation_interval: Option<String>,
    group_eval_order: Option<Vec<String>>,
    tests: Vec<TestGroup>,
}

/// A test group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestGroup {
    /// Input sample interval.
    pub interval: Option<String>,
    /// Input series.
    pub input_series: Option<Vec<InputSeries>>,
    /// Alert checks.
    pub alert_rule_test: Option<Vec<AlertRuleTest>>,
    /// PromQL checks.
    pub promql_expr_test: Option<Vec<ExprTest>>,
    /// External labels.
    #[expect(
        dead_code,
        reason = "read only to hold the file to the format promtool reads"
    )]
    pub external_labels: Option<BTreeMap<String, String>>,
    /// Name printed on failure.
    pub name: Option<String>,
}

/// An input series.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputSeries {
    /// `name{labels}`.
    pub series: String,
    /// Expanding notation.
    pub values: String,
}

/// An alert check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertRuleTest {
    /// When.
    pub eval_time: String,
    /// Which alert.
    pub alertname: String,
    /// The firing alerts expected.
    #[expect(
        dead_code,
        reason = "read only to hold the file to the format promtool reads"
    )]
    pub exp_alerts: Option<Vec<ExpectedAlert>>,
}

/// An expected alert.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedAlert {
    /// Labels.
    #[expect(
        dead_code,
        reason = "read only to hold the file to the format promtool reads"
    )]
    pub exp_labels: Option<BTreeMap<String, String>>,
    /// Annotations.
    #[expect(
        dead_code,
        reason = "read only to hold the file to the format promtool reads"
    )]
    pub exp_annotations: Option<BTreeMap<String, String>>,
}

/// A PromQL check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExprTest {
    /// Query.
    pub expr: String,
    /// When.
    pub eval_time: String,
    /// The exact result.
    pub exp_samples: Option<Vec<ExpectedSample>>,
}

/// An expected sample.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedSample {
    /// `name{labels}`.
    pub labels: String,
    /// Value, compared exactly.
    #[expect(
        dead_code,
        reason = "read only to hold the file to the format promtool reads"
    )]
    pub value: f64,
}

/// The rule files and groups a test file names.
#[derive(Debug, Default)]
pub(crate) struct TestReferences {
    rule_files: Vec<String>,
    group_order: Vec<String>,
}

/// Problems of a test file's text, each a sentence naming the test, and
/// the files and groups it names (checked by [`check_test_references`]
/// once every rule file is verified).
pub(crate) fn check_test_text(text: &str) -> (Vec<String>, TestReferences) {
    let file: UnitTestFile = match serde_saphyr::from_str_with_options(text, yaml_options(text)) {
        Ok(file) => file,
        Err(error) => {
            return (
                vec![format!("not a valid promtool test file: {error}")],
                TestReferences::default(),
            );
        }
    };
    let mut problems = Vec::new();
    if let Some(interval) = &file.evaluation_interval
        && Duration::parse(interval).is_err()
    {
        problems.push(format!(
            "evaluation_interval: invalid duration `{interval}`"
        ));
    }
    for (index, group) in file.tests.into_iter().enumerate() {
        check_test_group(index + 1, group, &mut problems);
    }
    let references = TestReferences {
        rule_files: file.rule_files,
        group_order: file.group_eval_order.unwrap_or_default(),
    };
    (problems, references)
}

/// Problems of the test group at `index` (from 1).
fn check_test_group(index: usize, group: TestGroup, problems: &mut Vec<String>) {
    let at = || {
        format!(
            "test {index} `{}`",
            group.name.as_deref().unwrap_or_default()
        )
    };
    if let Some(interval) = &group.interval
        && Duration::parse(interval).is_err()
    {
        problems.push(format!("{}: invalid duration `{interval}`", at()));
    }
    for input in group.input_series.iter().flatten() {
        check_input(input, &at, problems);
    }
    let mut seen = Seen::default();
    for check in group.promql_expr_test.into_iter().flatten() {
        check_expr_check(check, &mut seen, &at, problems);
    }
    for check in group.alert_rule_test.iter().flatten() {
        check_alert_check(check, &at, problems);
    }
}

/// Problems of an input series; `at` names its test group.
fn check_input(input: &InputSeries, at: &dyn Fn() -> String, problems: &mut Vec<String>) {
    if let Err(error) = promql::parse_series(&input.series) {
        problems.push(format!(
            "{}: input series `{}`: {error}",
            at(),
            input.series
        ));
    }
    if let Err(error) = crate::notation::check(&input.values) {
        problems.push(format!("{}: values of `{}`: {error}", at(), input.series));
    }
}

/// Problems of a PromQL check; a query or series text `seen` already
/// holds is not parsed again.
fn check_expr_check(
    check: ExprTest,
    seen: &mut Seen,
    at: &dyn Fn() -> String,
    problems: &mut Vec<String>,
) {
    if Duration::parse(&check.eval_time).is_err() {
        problems.push(format!("{}: invalid duration `{}`", at(), check.eval_time));
    }
    let problem = once(&mut seen.queries, check.expr, |expr| {
        promql::check_query(expr)
            .err()
            .map(|error| format!("{}: could not parse `{expr}`: {error}", at()))
    });
    problems.extend(problem);
    for sample in check.exp_samples.into_iter().flatten() {
        let problem = once(&mut seen.series, sample.labels, |labels| {
            promql::parse_series(labels)
                .err()
                .map(|error| format!("{}: expected sample `{labels}`: {error}", at()))
        });
        problems.extend(problem);
    }
}

/// The query and series texts a test group's checks have had parsed: a
/// selector checked at several times is parsed once. Each set forgets what
/// it holds past [`SEEN_TEXTS`] texts, so a group of thousands of SLOs is
/// checked in bounded memory (an SLO's checks stand together).
#[derive(Default)]
struct Seen {
    queries: HashSet<String>,
    series: HashSet<String>,
}

/// The most texts a [`Seen`] set holds.
pub(super) const SEEN_TEXTS: usize = 4096;

/// What `check` says of `text`, unless `set` holds it already; then `set`
/// holds it.
fn once(
    set: &mut HashSet<String>,
    text: String,
    check: impl FnOnce(&str) -> Option<String>,
) -> Option<String> {
    if set.contains(text.as_str()) {
        return None;
    }
    let problem = check(&text);
    if set.len() >= SEEN_TEXTS {
        set.clear();
    }
    set.insert(text);
    problem
}

/// Problems of an alert check.
fn check_alert_check(check: &AlertRuleTest, at: &dyn Fn() -> String, problems: &mut Vec<String>) {
    if Duration::parse(&check.eval_time).is_err() {
        problems.push(format!("{}: invalid duration `{}`", at(), check.eval_time));
    }
    if check.alertname.is_empty() {
        problems.push(format!("{}: an alert check names no alert", at()));
    }
}

/// Problems of the files and groups a test file at `path` names: every
/// rule file must be a generated one (`groups` maps each to its group
/// names), and the group order must name each of their groups once at most.
pub(crate) fn check_test_references(
    path: &str,
    references: &TestReferences,
    groups: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut known = BTreeSet::new();
    for rule_file in &references.rule_files {
        match resolve(path, rule_file).and_then(|resolved| groups.get(&resolved)) {
            Some(names) => known.extend(names.iter().map(String::as_str)),
            None => problems.push(format!("rule file `{rule_file}` is not a generated file")),
        }
    }
    let mut ordered = BTreeSet::new();
    for group in &references.group_order {
        if !known.contains(group.as_str()) {
            problems.push(format!(
                "group_eval_order names `{group}`, which no rule file has"
            ));
        }
        if !ordered.insert(group) {
            problems.push(format!("group_eval_order names `{group}` twice"));
        }
    }
    problems
}

/// A rule file's path relative to the output directory, from a test file's
/// relative reference (`../alert-rules.yml`); `None` when it leaves it.
fn resolve(test_path: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<&str> = test_path.split('/').collect();
    parts.pop();
    for part in reference.split('/') {
        match part {
            ".." => {
                parts.pop()?;
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// `rate(x[30m])` → `rate(x[1m])`: every plain range duration (outside
/// string literals) that is a valid, non-zero duration becomes `1m`, which
/// parses exactly when the original does. Anything else is left alone, so
/// an invalid duration still reaches the PromQL parser and its message.
pub(super) fn normalize_ranges(expr: &str) -> String {
    let bytes = expr.as_bytes();
    let mut normalized = String::with_capacity(expr.len());
    // `expr[..copied]` is in `normalized`; only ASCII bytes are acted on,
    // so every slice starts and ends at a character.
    let mut copied = 0;
    let mut index = 0;
    let mut quote: Option<u8> = None;
    while index < bytes.len() {
        let byte = bytes[index];
        if let Some(open) = quote {
            if byte == b'\\' {
                index += 2;
                continue;
            }
            if byte == open {
                quote = None;
            }
        } else if matches!(byte, b'"' | b'\'' | b'`') {
            quote = Some(byte);
        } else if byte == b'['
            && let Some(close) = expr[index..].find(']')
        {
            let inside = &expr[index + 1..index + close];
            if Duration::parse(inside).is_ok_and(|duration| duration.millis() > 0) {
                normalized.push_str(&expr[copied..index]);
                normalized.push_str("[1m]");
                index += close + 1;
                copied = index;
                continue;
            }
        }
        index += 1;
    }
    normalized.push_str(&expr[copied..]);
    normalized
}
