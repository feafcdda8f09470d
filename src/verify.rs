//! Verification: generated files are parsed back before anything is written.
//!
//! In: [`GeneratedFile`]s. Out: diagnostics, empty when every file is valid.
//! A template can write anything, so nothing it produced is trusted: rule
//! files are read with the structure promtool enforces (unknown fields
//! rejected), every expression is parsed again as an instant vector, record
//! names, label names and durations are checked, and duplicate rules are
//! reported. The same checks serve `slogen check --rules` on hand-written
//! files.

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
            } else if file.path == "alertmanager.yml" {
                check_alertmanager_text(&file.contents)
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

/// The parts of an Alertmanager configuration slogen writes.
#[derive(Debug, Deserialize)]
struct AlertmanagerFile {
    route: Route,
    #[serde(default)]
    receivers: Vec<NamedReceiver>,
    #[serde(default)]
    inhibit_rules: Vec<InhibitRule>,
}

#[derive(Debug, Deserialize)]
struct Route {
    receiver: Option<String>,
    #[serde(default)]
    matchers: Vec<String>,
    #[serde(default)]
    routes: Vec<Route>,
    #[serde(default, rename = "match")]
    legacy_match: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    match_re: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct NamedReceiver {
    name: String,
}

#[derive(Debug, Deserialize)]
struct InhibitRule {
    #[serde(default)]
    source_matchers: Vec<String>,
    #[serde(default)]
    target_matchers: Vec<String>,
    #[serde(default)]
    source_match: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    target_match: Option<serde::de::IgnoredAny>,
}

/// Problems of an Alertmanager configuration: receivers named by routes
/// exist and are unique, matchers are modern and quoted.
pub fn check_alertmanager_text(text: &str) -> Vec<String> {
    let file: AlertmanagerFile = match serde_saphyr::from_str(text) {
        Ok(file) => file,
        Err(error) => return vec![format!("not a valid Alertmanager configuration: {error}")],
    };
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for receiver in &file.receivers {
        if !names.insert(receiver.name.as_str()) {
            problems.push(format!("receiver `{}` is declared twice", receiver.name));
        }
    }
    if file.route.receiver.is_none() {
        problems.push("the root route has no receiver".to_owned());
    }
    let mut routes = vec![&file.route];
    while let Some(route) = routes.pop() {
        if let Some(receiver) = &route.receiver
            && !names.contains(receiver.as_str())
        {
            problems.push(format!("undefined receiver `{receiver}` used in route"));
        }
        if route.legacy_match.is_some() || route.match_re.is_some() {
            problems.push("`match`/`match_re` are deprecated; use `matchers`".to_owned());
        }
        problems.extend(
            route
                .matchers
                .iter()
                .filter_map(|matcher| check_matcher(matcher)),
        );
        routes.extend(&route.routes);
    }
    for rule in &file.inhibit_rules {
        if rule.source_match.is_some() || rule.target_match.is_some() {
            problems
                .push("`source_match`/`target_match` are deprecated; use `*_matchers`".to_owned());
        }
        problems.extend(
            rule.source_matchers
                .iter()
                .chain(&rule.target_matchers)
                .filter_map(|matcher| check_matcher(matcher)),
        );
    }
    problems
}

/// `name="value"` with `=`, `!=`, `=~` or `!~` and a double-quoted value.
fn check_matcher(matcher: &str) -> Option<String> {
    let name_end = matcher.find(['=', '!']).unwrap_or(matcher.len());
    let (name, rest) = matcher.split_at(name_end);
    let value = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|operator| rest.strip_prefix(operator));
    let quoted = value
        .is_some_and(|value| value.len() >= 2 && value.starts_with('"') && value.ends_with('"'));
    (!promql::is_label_name(name) || !quoted)
        .then(|| format!("matcher `{matcher}` is not `name=\"value\"`"))
}

#[cfg(test)]
mod tests {
    use super::*;

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

#[cfg(test)]
mod alertmanager_tests {
    use super::*;

    #[test]
    fn undefined_receivers_and_legacy_syntax_are_reported() {
        let text = "route:\n  receiver: a\n  routes:\n    - receiver: b\n      matchers: ['team=x']\n      match: {a: b}\nreceivers:\n  - name: a\n  - name: a\n";
        assert_eq!(
            check_alertmanager_text(text),
            vec![
                "receiver `a` is declared twice".to_owned(),
                "undefined receiver `b` used in route".to_owned(),
                "`match`/`match_re` are deprecated; use `matchers`".to_owned(),
                "matcher `team=x` is not `name=\"value\"`".to_owned(),
            ]
        );
    }
}
