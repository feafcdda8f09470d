//! Rule files as each target's format has them (promtool's groups, Thanos',
//! Mimir's and vmalert's group fields, `PrometheusRule` objects), read with
//! spans and checked as `promtool check rules` checks them; also
//! `slogen check --rules` on hand-written files.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use rayon::prelude::*;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::promtool_tests::normalize_ranges;
use super::{Place, span_of, yaml_message, yaml_options};
use crate::diagnostic::{Diagnostic, Problem};
use crate::duration::Duration;
use crate::gotemplate;
use crate::ir::TargetKind;
use crate::promql;
use crate::source::SourceFile;

/// One YAML document of a rule file, in any format slogen writes: a
/// Prometheus, Thanos or vmalert group list, a Mimir namespace file
/// (`namespace` and `groups`), or a `PrometheusRule` object. Which fields
/// the file's format allows is checked after reading ([`RuleFormat`]), so each
/// field out of place is located.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(rename = "apiVersion")]
    api_version: Option<Text>,
    kind: Option<Text>,
    metadata: Option<Spanned<Metadata>>,
    spec: Option<Spanned<ObjectSpec>>,
    namespace: Option<Text>,
    groups: Option<Spanned<Vec<RuleGroup>>>,
}

/// A Kubernetes object's metadata: what slogen reads of it (a cluster's
/// export adds fields, which pass).
#[derive(Debug, Deserialize)]
struct Metadata {
    name: Option<Text>,
    #[serde(rename = "namespace")]
    _namespace: Option<Text>,
    #[serde(rename = "labels")]
    _labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "annotations")]
    _annotations: Option<BTreeMap<String, String>>,
}

/// A `PrometheusRule`'s `spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectSpec {
    #[serde(default = "Vec::new")]
    groups: Vec<RuleGroup>,
}

/// A field that is only located, not read.
type Field = Option<Spanned<serde::de::IgnoredAny>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleGroup {
    name: Text,
    interval: Option<Text>,
    query_offset: Option<Text>,
    #[serde(rename = "limit")]
    _limit: Option<u64>,
    #[serde(rename = "labels")]
    _labels: Option<BTreeMap<String, String>>,
    // Mimir and Cortex.
    evaluation_delay: Option<Text>,
    source_tenants: Option<Vec<Text>>,
    // Thanos (and the Prometheus Operator's CRD).
    partial_response_strategy: Option<Text>,
    // vmalert.
    #[serde(rename = "type")]
    datasource_type: Field,
    concurrency: Field,
    eval_offset: Field,
    eval_delay: Field,
    eval_alignment: Field,
    extra_filter_labels: Field,
    params: Field,
    headers: Field,
    notifier_headers: Field,
    debug: Field,
    tenant: Field,
    #[serde(default = "Vec::new")]
    rules: Vec<Spanned<Rule>>,
}

impl RuleGroup {
    /// The fields beyond Prometheus' that the group sets, each with the
    /// formats that read it and its place.
    fn extra_fields(&self) -> Vec<(&'static str, &'static [RuleFormat], Range<usize>)> {
        use RuleFormat::{Mimir, Operator, Thanos, VictoriaMetrics};
        let text = |field: &Option<Text>| field.as_ref().map(Place::span);
        let any = |field: &Field| field.as_ref().map(Place::span);
        let vmalert: &'static [RuleFormat] = &[VictoriaMetrics];
        [
            (
                "evaluation_delay",
                &[Mimir][..],
                text(&self.evaluation_delay),
            ),
            (
                "source_tenants",
                &[Mimir][..],
                self.source_tenants
                    .as_ref()
                    .and_then(|tenants| tenants.first().map(Place::span)),
            ),
            (
                "partial_response_strategy",
                &[Thanos, Operator][..],
                text(&self.partial_response_strategy),
            ),
            ("type", vmalert, any(&self.datasource_type)),
            ("concurrency", vmalert, any(&self.concurrency)),
            ("eval_offset", vmalert, any(&self.eval_offset)),
            ("eval_delay", vmalert, any(&self.eval_delay)),
            ("eval_alignment", vmalert, any(&self.eval_alignment)),
            (
                "extra_filter_labels",
                vmalert,
                any(&self.extra_filter_labels),
            ),
            ("params", vmalert, any(&self.params)),
            ("headers", vmalert, any(&self.headers)),
            ("notifier_headers", vmalert, any(&self.notifier_headers)),
            ("debug", vmalert, any(&self.debug)),
            ("tenant", vmalert, any(&self.tenant)),
        ]
        .into_iter()
        .filter_map(|(field, formats, span)| span.map(|span| (field, formats, span)))
        .collect()
    }
}

/// The format a rule file is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuleFormat {
    /// `promtool check rules`: groups with Prometheus' fields only.
    Prometheus,
    /// `PrometheusRule` objects, one or more YAML documents.
    Operator,
    /// A Mimir or Cortex namespace file.
    Mimir,
    /// Thanos: Prometheus' fields and `partial_response_strategy`.
    Thanos,
    /// vmalert: Prometheus' fields (but `query_offset`) and vmalert's.
    VictoriaMetrics,
    /// Whatever the file is (`slogen check --rules`): a `PrometheusRule`
    /// when it has `apiVersion`, a Mimir file when it has `namespace`, else
    /// groups with the fields of any of the others.
    Any,
}

impl RuleFormat {
    /// The format a target writes.
    pub(crate) fn of(kind: TargetKind) -> Self {
        match kind {
            TargetKind::Prometheus => Self::Prometheus,
            TargetKind::PrometheusOperator => Self::Operator,
            TargetKind::Mimir => Self::Mimir,
            TargetKind::Thanos => Self::Thanos,
            TargetKind::VictoriaMetrics => Self::VictoriaMetrics,
        }
    }

    /// How the format is named in messages.
    fn name(self) -> &'static str {
        match self {
            Self::Prometheus | Self::Any => "Prometheus",
            Self::Operator => "a PrometheusRule",
            Self::Mimir => "Mimir",
            Self::Thanos => "Thanos",
            Self::VictoriaMetrics => "vmalert",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Rule {
    record: Option<Text>,
    alert: Option<Text>,
    expr: Text,
    #[serde(rename = "for")]
    for_duration: Option<Text>,
    keep_firing_for: Option<Text>,
    labels: Option<Spanned<Labels>>,
    annotations: Option<Spanned<Labels>>,
}

type Text = Spanned<String>;

type Labels = BTreeMap<String, String>;

/// Stable codes of rule-file problems.
pub(super) mod code {
    pub(super) const YAML: &str = "rule-yaml";
    pub(super) const STRUCTURE: &str = "rule-structure";
    pub(super) const PROMQL: &str = "rule-promql";
    pub(super) const NAME: &str = "rule-name";
    pub(super) const DURATION: &str = "rule-duration";
    pub(super) const LABEL: &str = "rule-label";
    pub(super) const TEMPLATE: &str = "rule-template";
    pub(super) const DUPLICATE: &str = "rule-duplicate";
}

/// Checks a rule file of any format slogen writes ([`RuleFormat::Any`]) the
/// way `promtool check rules` does (structure, PromQL, names, durations,
/// labels, templates, duplicates), every problem located in the file.
pub fn check_rules(source: &SourceFile) -> Vec<Diagnostic> {
    if let Some(span) = source.invalid_utf8_span() {
        return vec![Diagnostic::at(Problem::NotUtf8, &source.path, span)];
    }
    check_rules_and_groups(source, RuleFormat::Any).0
}

/// [`check_rules`] in a format, the names of the file's groups, and how
/// many rules it holds.
pub(super) fn check_rules_and_groups(
    source: &SourceFile,
    format: RuleFormat,
) -> (Vec<Diagnostic>, Vec<String>, usize) {
    // Objects may come several to a file (`---`); Prometheus reads one
    // group list per file.
    let documents = if matches!(format, RuleFormat::Operator | RuleFormat::Any) {
        serde_saphyr::from_multiple_with_options::<Document>(
            &source.text,
            yaml_options(&source.text),
        )
    } else {
        serde_saphyr::from_str_with_options::<Document>(&source.text, yaml_options(&source.text))
            .map(|document| vec![document])
    };
    match documents {
        Ok(documents) => {
            let mut problems = Vec::new();
            let mut all: Vec<&RuleGroup> = Vec::new();
            let several = documents.len() > 1;
            for document in &documents {
                let groups = check_document(source, document, format, several, &mut problems);
                problems.extend(check_groups(source, &groups, format));
                all.extend(groups);
            }
            problems.extend(check_duplicates(source, &all));
            crate::diagnostic::sort(&mut problems);
            (
                problems,
                all.iter().map(|group| group.name.value.clone()).collect(),
                all.iter().map(|group| group.rules.len()).sum(),
            )
        }
        Err(error) => {
            let span = error.location().map_or(0..0, |location| span_of(&location));
            let message = error.to_string();
            let first_line = yaml_message(message.lines().next().unwrap_or(""));
            let code = if first_line.contains("unknown field") {
                code::STRUCTURE
            } else {
                code::YAML
            };
            let problem = Diagnostic::at(
                Problem::Rule {
                    code,
                    message: first_line,
                },
                &source.path,
                span,
            );
            (vec![problem], Vec::new(), 0)
        }
    }
}

/// The shape of one document in its format; gives back its groups.
fn check_document<'a>(
    source: &SourceFile,
    document: &'a Document,
    format: RuleFormat,
    several: bool,
    problems: &mut Vec<Diagnostic>,
) -> Vec<&'a RuleGroup> {
    let problem = |message: String, span: Range<usize>| {
        Diagnostic::at(
            Problem::Rule {
                code: code::STRUCTURE,
                message,
            },
            &source.path,
            span,
        )
    };
    let object = document.api_version.is_some() || document.kind.is_some();
    let format = match format {
        RuleFormat::Any if object => RuleFormat::Operator,
        RuleFormat::Any if document.namespace.is_some() => RuleFormat::Mimir,
        other => other,
    };
    // Where a missing field would go: the document's first field.
    let first = [
        document.api_version.as_ref().map(Place::span),
        document.kind.as_ref().map(Place::span),
        document.metadata.as_ref().map(Place::span),
        document.spec.as_ref().map(Place::span),
        document.namespace.as_ref().map(Place::span),
        document.groups.as_ref().map(Place::span),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|span| span.start)
    .unwrap_or(0..0);
    let not_read = |field: &str| {
        format!(
            "field `{field}` is not read in {} rule files",
            format.name()
        )
    };
    if format == RuleFormat::Operator {
        match &document.api_version {
            Some(version) if version.value == "monitoring.coreos.com/v1" => {}
            Some(version) => problems.push(problem(
                format!(
                    "apiVersion `{}` is not `monitoring.coreos.com/v1`",
                    version.value
                ),
                version.span(),
            )),
            None => problems.push(problem(
                "a PrometheusRule needs `apiVersion: monitoring.coreos.com/v1`".to_owned(),
                first.clone(),
            )),
        }
        match &document.kind {
            Some(kind) if kind.value == "PrometheusRule" => {}
            Some(kind) => problems.push(problem(
                format!("kind `{}` is not `PrometheusRule`", kind.value),
                kind.span(),
            )),
            None => problems.push(problem(
                "a PrometheusRule needs `kind: PrometheusRule`".to_owned(),
                first.clone(),
            )),
        }
        let name = document
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.value.name.as_ref());
        match name {
            Some(name) if is_dns_subdomain(&name.value) => {}
            Some(name) => problems.push(problem(
                format!(
                    "`{}` is not a Kubernetes object name (lowercase letters, digits, `-` and `.`, at most 253)",
                    name.value.escape_debug()
                ),
                name.span(),
            )),
            None => problems.push(problem(
                "a PrometheusRule needs `metadata.name`".to_owned(),
                document.metadata.as_ref().map_or(first.clone(), Place::span),
            )),
        }
        if let Some(namespace) = &document.namespace {
            problems.push(problem(not_read("namespace"), namespace.span()));
        }
        if let Some(groups) = &document.groups {
            problems.push(problem(
                "a PrometheusRule holds its groups under `spec.groups`".to_owned(),
                groups.span(),
            ));
        }
        return match &document.spec {
            Some(spec) => spec.value.groups.iter().collect(),
            None => {
                problems.push(problem(
                    "a PrometheusRule needs `spec.groups`".to_owned(),
                    first,
                ));
                Vec::new()
            }
        };
    }
    for (field, span) in [
        ("apiVersion", document.api_version.as_ref().map(Place::span)),
        ("kind", document.kind.as_ref().map(Place::span)),
        ("metadata", document.metadata.as_ref().map(Place::span)),
        ("spec", document.spec.as_ref().map(Place::span)),
    ] {
        if let Some(span) = span {
            problems.push(problem(not_read(field), span));
        }
    }
    if several {
        problems.push(problem(
            "the file holds more than one YAML document (`---`); Prometheus reads one group list per rule file: split it into files".to_owned(),
            first.clone(),
        ));
    }
    match (&document.namespace, format) {
        (Some(namespace), RuleFormat::Mimir) if namespace.value.trim().is_empty() => {
            problems.push(problem(
                "a Mimir namespace is empty".to_owned(),
                namespace.span(),
            ));
        }
        (Some(_), RuleFormat::Mimir) => {}
        (None, RuleFormat::Mimir) => problems.push(problem(
            "a Mimir rule file needs `namespace:` (what `mimirtool rules load` names the groups by)"
                .to_owned(),
            first.clone(),
        )),
        (Some(namespace), _) => problems.push(problem(not_read("namespace"), namespace.span())),
        (None, _) => {}
    }
    match &document.groups {
        Some(groups) => groups.value.iter().collect(),
        None => {
            problems.push(problem("the file has no `groups`".to_owned(), first));
            Vec::new()
        }
    }
}

/// A Kubernetes object name (RFC 1123 subdomain).
fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// Problems of one document's groups: expressions, names, durations,
/// the group fields its format reads, and repeated group names.
fn check_groups(source: &SourceFile, groups: &[&RuleGroup], format: RuleFormat) -> Vec<Diagnostic> {
    let problem = |code: &'static str, message: String, span: Range<usize>| {
        Diagnostic::at(Problem::Rule { code, message }, &source.path, span)
    };
    // PromQL parsing dominates (each regex matcher is compiled). The same
    // SLI query appears once per window, so expressions that differ only in
    // their range durations share one parse (each duration was checked by
    // `normalize_ranges`), and distinct shapes are parsed in parallel.
    let rules: Vec<&Rule> = groups
        .iter()
        .flat_map(|group| &group.rules)
        .map(|rule| &rule.value)
        .collect();
    let shapes: Vec<String> = rules
        .iter()
        .map(|rule| normalize_ranges(&rule.expr.value))
        .collect();
    let unique: BTreeSet<&str> = shapes.iter().map(String::as_str).collect();
    let unique: Vec<&str> = unique.into_iter().collect();
    let verdicts: BTreeMap<&str, Option<String>> = unique
        .par_iter()
        .map(|shape| {
            let verdict = promql::check_instant_vector(shape)
                .err()
                .map(|error| match error {
                    promql::QueryError::Parse(message) => {
                        format!("could not parse expression: {message}")
                    }
                    promql::QueryError::Regex(error) => {
                        format!("expression holds a {error}")
                    }
                    promql::QueryError::NotVector(found) => {
                        format!("expression returns a {found}, not an instant vector")
                    }
                });
            (*shape, verdict)
        })
        .collect();
    let parsed: Vec<Option<Diagnostic>> = rules
        .iter()
        .zip(&shapes)
        .map(|(rule, shape)| {
            verdicts
                .get(shape.as_str())
                .cloned()
                .flatten()
                .map(|message| problem(code::PROMQL, message, rule.expr.span()))
        })
        .collect();
    let mut problems: Vec<Diagnostic> = parsed.into_iter().flatten().collect();
    let mut group_names = BTreeSet::new();
    for group in groups {
        let name = &group.name;
        if !group_names.insert(name.value.as_str()) {
            problems.push(problem(
                code::STRUCTURE,
                format!("group name `{}` is repeated in the same file", name.value),
                name.span(),
            ));
        }
        for (field, formats, span) in group.extra_fields() {
            if format != RuleFormat::Any && !formats.contains(&format) {
                problems.push(problem(
                    code::STRUCTURE,
                    format!(
                        "field `{field}` is not read in {} rule files",
                        format.name()
                    ),
                    span,
                ));
            }
        }
        if format == RuleFormat::VictoriaMetrics
            && let Some(offset) = &group.query_offset
        {
            problems.push(problem(
                code::STRUCTURE,
                "field `query_offset` is not read in vmalert rule files (vmalert has `eval_offset`)"
                    .to_owned(),
                offset.span(),
            ));
        }
        for duration in [
            &group.interval,
            &group.query_offset,
            &group.evaluation_delay,
        ]
        .into_iter()
        .flatten()
        {
            if Duration::parse(&duration.value).is_err() {
                problems.push(problem(
                    code::DURATION,
                    format!("invalid duration `{}`", duration.value),
                    duration.span(),
                ));
            }
        }
        if let Some(strategy) = &group.partial_response_strategy
            && !matches!(strategy.value.as_str(), "abort" | "warn")
        {
            problems.push(problem(
                code::STRUCTURE,
                format!(
                    "partial_response_strategy `{}` is neither `abort` nor `warn`",
                    strategy.value
                ),
                strategy.span(),
            ));
        }
        for tenant in group.source_tenants.iter().flatten() {
            if tenant.value.is_empty() || tenant.value.contains(['|', '/']) {
                problems.push(problem(
                    code::STRUCTURE,
                    format!("`{}` is not a tenant ID", tenant.value.escape_debug()),
                    tenant.span(),
                ));
            }
        }
        for located in &group.rules {
            check_rule(&located.value, located.span(), &problem, &mut problems);
        }
    }
    problems
}

/// Recording rules with the same name and labels in one file.
fn check_duplicates(source: &SourceFile, groups: &[&RuleGroup]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut seen_rules = BTreeSet::new();
    for located in groups.iter().flat_map(|group| &group.rules) {
        let rule = &located.value;
        if let Some(record) = &rule.record {
            static NO_LABELS: Labels = Labels::new();
            let labels = rule
                .labels
                .as_ref()
                .map_or(&NO_LABELS, |labels| &labels.value);
            if !seen_rules.insert((record.value.as_str(), labels)) {
                problems.push(Diagnostic::at(
                    Problem::Rule {
                        code: code::DUPLICATE,
                        message: format!(
                            "duplicate rule: `{}` with the same labels is recorded twice",
                            record.value
                        ),
                    },
                    &source.path,
                    record.span(),
                ));
            }
        }
    }
    problems
}

fn check_rule(
    rule: &Rule,
    at: Range<usize>,
    problem: &dyn Fn(&'static str, String, Range<usize>) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    match (&rule.record, &rule.alert) {
        (Some(record), None) => {
            if !promql::is_metric_name(&record.value) {
                problems.push(problem(
                    code::NAME,
                    format!("invalid recording rule name `{}`", record.value),
                    record.span(),
                ));
            }
            let extra = [
                rule.for_duration
                    .as_ref()
                    .map(|field| ("for", field.span())),
                rule.keep_firing_for
                    .as_ref()
                    .map(|field| ("keep_firing_for", field.span())),
                rule.annotations
                    .as_ref()
                    .map(|field| ("annotations", field.span())),
            ];
            for (field, span) in extra.into_iter().flatten() {
                problems.push(problem(
                    code::STRUCTURE,
                    format!("invalid field `{field}` in recording rule"),
                    span,
                ));
            }
        }
        (None, Some(alert)) if alert.value.is_empty() => {
            problems.push(problem(
                code::NAME,
                "empty alert name".to_owned(),
                alert.span(),
            ));
        }
        (None, Some(_)) => {}
        _ => problems.push(problem(
            code::STRUCTURE,
            "exactly one of `record` and `alert` must be set".to_owned(),
            at,
        )),
    }
    for duration in [&rule.for_duration, &rule.keep_firing_for]
        .into_iter()
        .flatten()
    {
        if Duration::parse(&duration.value).is_err() {
            problems.push(problem(
                code::DURATION,
                format!("invalid duration `{}`", duration.value),
                duration.span(),
            ));
        }
    }
    for map in [&rule.labels, &rule.annotations].into_iter().flatten() {
        for (name, value) in &map.value {
            if !promql::is_label_name(name) {
                problems.push(problem(
                    code::LABEL,
                    format!("invalid label name `{name}`"),
                    map.span(),
                ));
            }
            // Prometheus parses an alerting rule's labels and annotations
            // as templates, a recording rule's labels not.
            if rule.alert.is_some()
                && let Err(error) = gotemplate::check(value)
            {
                let message = match error.kind {
                    gotemplate::ErrorKind::Unclosed => {
                        format!("`{name}` has a template action `{{{{` that never closes")
                    }
                    _ => format!(
                        "`{name}` is not a template Prometheus accepts: {}",
                        error.message
                    ),
                };
                problems.push(problem(code::TEMPLATE, message, map.span()));
            }
        }
    }
}
