//! Verification: generated files are parsed back before anything is written.
//!
//! In: [`GeneratedFile`]s. Out: diagnostics, empty when every file is valid.
//! A template can write anything, so nothing it produced is trusted: rule
//! files are read with the structure promtool enforces (unknown fields
//! rejected), every expression is parsed again as an instant vector, record
//! names, label names and durations are checked, and duplicate rules are
//! reported. The same checks serve `slogen check --rules` on hand-written
//! files. Test files (`tests/*.yml`) are read with the structure of
//! `promtool test rules` (2.42): their rule files must be generated files,
//! their group order must name those files' groups, and every duration,
//! series, expression and value notation must parse.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Problem};
use crate::duration::Duration;
use crate::promql;
use crate::render::GeneratedFile;

/// A Prometheus rule file, as promtool reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Rule groups.
    pub groups: Vec<RuleGroup>,
}

/// A rule group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    /// Unique name within the file.
    pub name: String,
    /// Evaluation interval.
    pub interval: Option<String>,
    /// Query offset.
    pub query_offset: Option<String>,
    /// Series limit.
    pub limit: Option<u64>,
    /// Group labels (Prometheus 3).
    pub labels: Option<BTreeMap<String, String>>,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// A recording or alerting rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Recorded metric.
    pub record: Option<String>,
    /// Alert name.
    pub alert: Option<String>,
    /// PromQL.
    pub expr: String,
    /// Pending duration.
    #[serde(rename = "for")]
    pub for_duration: Option<String>,
    /// Firing hold.
    pub keep_firing_for: Option<String>,
    /// Labels.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations (alerts only).
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Checks every generated file; returns one diagnostic per problem.
pub fn verify(files: &[GeneratedFile]) -> Vec<Diagnostic> {
    files
        .iter()
        .flat_map(|file| {
            let problems = if is_rule_file(&file.path) {
                check_rule_text(&file.contents)
            } else if is_test_file(&file.path) {
                check_test_text(&file.path, &file.contents, files)
            } else {
                Vec::new()
            };
            problems
                .into_iter()
                .map(|message| {
                    Diagnostic::general(Problem::GeneratedInvalid {
                        file: file.path.clone(),
                        message,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn is_rule_file(path: &str) -> bool {
    matches!(path, "recording-rules.yml" | "alert-rules.yml")
}

fn is_test_file(path: &str) -> bool {
    path.starts_with("tests/") && path.ends_with(".yml")
}

/// A `promtool test rules` file (Prometheus 2.42's `unitTestFile`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Rule files, relative to the test file.
    pub rule_files: Vec<String>,
    /// Evaluation interval.
    pub evaluation_interval: Option<String>,
    /// Group evaluation order.
    pub group_eval_order: Option<Vec<String>>,
    /// Test groups.
    pub tests: Vec<TestGroup>,
}

/// A test group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestGroup {
    /// Input sample interval.
    pub interval: Option<String>,
    /// Input series.
    pub input_series: Option<Vec<InputSeries>>,
    /// Alert checks.
    pub alert_rule_test: Option<Vec<AlertRuleTest>>,
    /// PromQL checks.
    pub promql_expr_test: Option<Vec<ExprTest>>,
    /// External labels.
    pub external_labels: Option<BTreeMap<String, String>>,
    /// Name printed on failure.
    pub name: Option<String>,
}

/// An input series.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSeries {
    /// `name{labels}`.
    pub series: String,
    /// Expanding notation.
    pub values: String,
}

/// An alert check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleTest {
    /// When.
    pub eval_time: String,
    /// Which alert.
    pub alertname: String,
    /// The firing alerts expected.
    pub exp_alerts: Option<Vec<ExpectedAlert>>,
}

/// An expected alert.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAlert {
    /// Labels.
    pub exp_labels: Option<BTreeMap<String, String>>,
    /// Annotations.
    pub exp_annotations: Option<BTreeMap<String, String>>,
}

/// A PromQL check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExprTest {
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
pub struct ExpectedSample {
    /// `name{labels}`.
    pub labels: String,
    /// Value, compared exactly.
    pub value: f64,
}

/// Problems of a test file's text, each a sentence naming the test.
pub fn check_test_text(path: &str, text: &str, files: &[GeneratedFile]) -> Vec<String> {
    let file: TestFile = match serde_saphyr::from_str(text) {
        Ok(file) => file,
        Err(error) => return vec![format!("not a valid promtool test file: {error}")],
    };
    let mut problems = Vec::new();
    let mut groups = BTreeSet::new();
    for rule_file in &file.rule_files {
        let resolved = resolve(path, rule_file);
        match files
            .iter()
            .find(|file| Some(&file.path) == resolved.as_ref())
        {
            Some(found) => {
                if let Ok(rules) = serde_saphyr::from_str::<RuleFile>(&found.contents) {
                    groups.extend(rules.groups.into_iter().map(|group| group.name));
                }
            }
            None => problems.push(format!("rule file `{rule_file}` is not a generated file")),
        }
    }
    let mut ordered = BTreeSet::new();
    for group in file.group_eval_order.iter().flatten() {
        if !groups.contains(group) {
            problems.push(format!(
                "group_eval_order names `{group}`, which no rule file has"
            ));
        }
        if !ordered.insert(group) {
            problems.push(format!("group_eval_order names `{group}` twice"));
        }
    }
    let duration = |text: &str, what: &str, problems: &mut Vec<String>| {
        if Duration::parse(text).is_err() {
            problems.push(format!("{what}: invalid duration `{text}`"));
        }
    };
    if let Some(interval) = &file.evaluation_interval {
        duration(interval, "evaluation_interval", &mut problems);
    }
    for (index, group) in file.tests.iter().enumerate() {
        let at = format!(
            "test {} `{}`",
            index + 1,
            group.name.as_deref().unwrap_or_default()
        );
        if let Some(interval) = &group.interval {
            duration(interval, &at, &mut problems);
        }
        for input in group.input_series.iter().flatten() {
            if let Err(error) = promql::parse_series(&input.series) {
                problems.push(format!("{at}: input series `{}`: {error}", input.series));
            }
            if let Err(error) = crate::notation::check(&input.values) {
                problems.push(format!("{at}: values of `{}`: {error}", input.series));
            }
        }
        for check in group.promql_expr_test.iter().flatten() {
            duration(&check.eval_time, &at, &mut problems);
            if let Err(error) = promql_parser::parser::parse(&check.expr) {
                problems.push(format!("{at}: could not parse `{}`: {error}", check.expr));
            }
            for sample in check.exp_samples.iter().flatten() {
                if let Err(error) = promql::parse_series(&sample.labels) {
                    problems.push(format!(
                        "{at}: expected sample `{}`: {error}",
                        sample.labels
                    ));
                }
            }
        }
        for check in group.alert_rule_test.iter().flatten() {
            duration(&check.eval_time, &at, &mut problems);
            if check.alertname.is_empty() {
                problems.push(format!("{at}: an alert check names no alert"));
            }
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

/// Problems of a rule file's text, each a sentence naming the rule.
pub fn check_rule_text(text: &str) -> Vec<String> {
    let file: RuleFile = match serde_saphyr::from_str(text) {
        Ok(file) => file,
        Err(error) => return vec![format!("not a valid rule file: {error}")],
    };
    check_rule_file(&file)
}

/// Problems of a parsed rule file.
pub fn check_rule_file(file: &RuleFile) -> Vec<String> {
    let mut problems = Vec::new();
    let mut group_names = BTreeSet::new();
    let mut seen_rules = BTreeSet::new();
    for group in &file.groups {
        if !group_names.insert(group.name.as_str()) {
            problems.push(format!("group `{}` is repeated", group.name));
        }
        for duration in [&group.interval, &group.query_offset].into_iter().flatten() {
            if Duration::parse(duration).is_err() {
                problems.push(format!(
                    "group `{}`: invalid duration `{duration}`",
                    group.name
                ));
            }
        }
        for (index, rule) in group.rules.iter().enumerate() {
            let name = rule
                .record
                .as_deref()
                .or(rule.alert.as_deref())
                .unwrap_or("");
            let at = format!("group `{}`, rule {} `{name}`", group.name, index + 1);
            problems.extend(
                check_rule(rule)
                    .into_iter()
                    .map(|problem| format!("{at}: {problem}")),
            );
            if let Some(record) = &rule.record {
                let labels = rule.labels.clone().unwrap_or_default();
                if !seen_rules.insert((record.clone(), labels)) {
                    problems.push(format!("{at}: duplicate rule (same metric and labels)"));
                }
            }
        }
    }
    problems
}

fn check_rule(rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    match (&rule.record, &rule.alert) {
        (Some(record), None) => {
            if !promql::is_metric_name(record) {
                problems.push(format!("invalid recording rule name `{record}`"));
            }
            if rule.for_duration.is_some()
                || rule.keep_firing_for.is_some()
                || rule.annotations.is_some()
            {
                problems.push(
                    "a recording rule has no `for`, `keep_firing_for` or `annotations`".to_owned(),
                );
            }
        }
        (None, Some(alert)) => {
            if alert.is_empty() {
                problems.push("empty alert name".to_owned());
            }
        }
        _ => problems.push("exactly one of `record` and `alert` must be set".to_owned()),
    }
    if let Err(error) = promql::parse_instant_vector(&rule.expr) {
        problems.push(match error {
            promql::QueryError::Parse(message) => format!("could not parse expression: {message}"),
            promql::QueryError::NotVector(found) => {
                format!("expression returns a {found}, not an instant vector")
            }
        });
    }
    for duration in [&rule.for_duration, &rule.keep_firing_for]
        .into_iter()
        .flatten()
    {
        if Duration::parse(duration).is_err() {
            problems.push(format!("invalid duration `{duration}`"));
        }
    }
    for name in rule
        .labels
        .iter()
        .chain(rule.annotations.iter())
        .flat_map(BTreeMap::keys)
    {
        if !promql::is_label_name(name) {
            problems.push(format!("invalid label name `{name}`"));
        }
    }
    for (name, value) in rule.labels.iter().chain(rule.annotations.iter()).flatten() {
        if value.matches("{{").count() != value.matches("}}").count() {
            problems.push(format!("`{name}` has unbalanced template braces"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_files_are_read_like_promtool_reads_them() {
        let rules = GeneratedFile {
            path: "alert-rules.yml".to_owned(),
            contents: "groups:\n  - name: a\n    rules: []\n".to_owned(),
        };
        let good = "rule_files: [../alert-rules.yml]\ngroup_eval_order: [a]\ntests:\n  - interval: 1m\n    input_series:\n      - series: up{job=\"x\"}\n        values: 0 1x3\n    promql_expr_test:\n      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: up{job=\"x\"}\n            value: 1\n";
        assert_eq!(
            check_test_text("tests/t.yml", good, std::slice::from_ref(&rules)),
            Vec::<String>::new()
        );
        let bad = "rule_files: [../missing.yml]\ngroup_eval_order: [b]\ntests:\n  - interval: 1x\n    input_series:\n      - series: up{job=~\"x\"}\n        values: one\n    promql_expr_test:\n      - expr: sum(up\n        eval_time: 1m\n";
        assert_eq!(
            check_test_text("tests/t.yml", bad, std::slice::from_ref(&rules)),
            vec![
                "rule file `../missing.yml` is not a generated file".to_owned(),
                "group_eval_order names `b`, which no rule file has".to_owned(),
                "test 1 ``: invalid duration `1x`".to_owned(),
                "test 1 ``: input series `up{job=~\"x\"}`: only `=` matchers name a series"
                    .to_owned(),
                "test 1 ``: values of `up{job=~\"x\"}`: `one` is not a series value".to_owned(),
                "test 1 ``: could not parse `sum(up`: unclosed left parenthesis".to_owned(),
            ]
        );
        let unknown = "rule_files: []\ntests:\n  - promql_exp_test: []\n";
        assert!(check_test_text("tests/t.yml", unknown, &[])[0].contains("promql_exp_test"));
    }

    #[test]
    fn accepts_a_valid_file() {
        let text =
            "groups:\n  - name: a\n    rules:\n      - record: x:y:z\n        expr: sum(up)\n";
        assert_eq!(check_rule_text(text), Vec::<String>::new());
    }

    #[test]
    fn reports_what_promtool_reports() {
        let text = "groups:\n  - name: a\n    rules:\n      - record: bad name\n        expr: sum(up\n      - alert: A\n        expr: up\n        fro: 5m\n  - name: a\n    rules: []\n";
        let problems = check_rule_text(text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("fro"), "{problems:?}");
        let text = "groups:\n  - name: a\n    rules:\n      - record: bad name\n        expr: sum(up\n  - name: a\n    rules:\n      - alert: A\n        expr: up[5m]\n        for: 5x\n";
        assert_eq!(
            check_rule_text(text),
            vec![
                "group `a`, rule 1 `bad name`: invalid recording rule name `bad name`".to_owned(),
                "group `a`, rule 1 `bad name`: could not parse expression: unclosed left parenthesis".to_owned(),
                "group `a` is repeated".to_owned(),
                "group `a`, rule 1 `A`: expression returns a matrix, not an instant vector".to_owned(),
                "group `a`, rule 1 `A`: invalid duration `5x`".to_owned(),
            ]
        );
    }
}
