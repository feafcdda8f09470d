//! Verification: generated files are parsed back before anything is written.
//!
//! In: [`GeneratedFile`]s. Out: diagnostics, empty when every file is valid.
//! A template can write anything, so nothing it produced is trusted: rule
//! files are read with the structure of their target's format ([`Format`]:
//! promtool's fields, plus Thanos', Mimir's or vmalert's group fields, a
//! Mimir `namespace`, or `PrometheusRule` objects, several to a file; a
//! field the format does not read is a located error), every expression is
//! parsed again as an instant vector, record names, label names and
//! durations are checked, and duplicate rules are reported. The same checks
//! serve `slogen check --rules` on hand-written files of any of these
//! formats ([`Format::Any`] tells them apart). Test files (`tests/*.yml`) are read with the structure of
//! `promtool test rules` (2.42): their rule files must be generated files,
//! their group order must name those files' groups, and every duration,
//! series, expression and value notation must parse.
//!
//! Both are read with serde-saphyr, a rule file with spans to say where
//! each problem is. A build reads back only what templates the user
//! overrides wrote (or everything with `--verify`): the embedded templates
//! are proven by slogen's own tests.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use foldhash::HashSet;
use rayon::prelude::*;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Problem};
use crate::duration::Duration;
use crate::gotemplate;
use crate::ir::TargetKind;
use crate::promql;
use crate::render::GeneratedFile;
use crate::source::SourceFile;

/// Where a value read from YAML stands in the file.
trait Place {
    fn span(&self) -> Range<usize>;
}

impl<T> Place for Spanned<T> {
    fn span(&self) -> Range<usize> {
        span_of(&self.referenced)
    }
}

/// One YAML document of a rule file, in any format slogen writes: a
/// Prometheus, Thanos or vmalert group list, a Mimir namespace file
/// (`namespace` and `groups`), or a `PrometheusRule` object. Which fields
/// the file's format allows is checked after reading ([`Format`]), so each
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
    fn extra_fields(&self) -> Vec<(&'static str, &'static [Format], Range<usize>)> {
        use Format::{Mimir, Operator, Thanos, VictoriaMetrics};
        let text = |field: &Option<Text>| field.as_ref().map(Place::span);
        let any = |field: &Field| field.as_ref().map(Place::span);
        let vmalert: &'static [Format] = &[VictoriaMetrics];
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
pub enum Format {
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

impl Format {
    /// The format a target writes.
    pub fn of(kind: TargetKind) -> Self {
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
struct Rule {
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
mod code {
    pub(super) const YAML: &str = "rule-yaml";
    pub(super) const STRUCTURE: &str = "rule-structure";
    pub(super) const PROMQL: &str = "rule-promql";
    pub(super) const NAME: &str = "rule-name";
    pub(super) const DURATION: &str = "rule-duration";
    pub(super) const LABEL: &str = "rule-label";
    pub(super) const TEMPLATE: &str = "rule-template";
    pub(super) const DUPLICATE: &str = "rule-duplicate";
}

/// What verifying one generated file found.
#[derive(Debug, Default)]
pub struct Verified {
    /// One diagnostic per problem.
    pub problems: Vec<Diagnostic>,
    /// A rule file's group names, which test files may name.
    pub groups: Option<Vec<String>>,
    /// How many rules a rule file holds.
    pub rules: usize,
}

/// A file of an embedded template, taken as written (slogen's own tests
/// prove those templates): only its rules are counted, for the summary.
pub fn trusted(file: GeneratedFile) -> (GeneratedFile, Verified) {
    let rules = if is_rule_file(&file.path) {
        file.contents
            .lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with("- record:") || line.starts_with("- alert:"))
            .count()
    } else {
        0
    };
    let verified = Verified {
        rules,
        ..Verified::default()
    };
    (file, verified)
}

/// Checks a generated `alertmanager.yml` (other files pass). Rule files
/// are checked with [`verify_rules`]; test files name other files, so they
/// are checked with [`check_test_text`] and [`check_test_references`].
pub fn verify_file(file: GeneratedFile) -> (GeneratedFile, Verified) {
    let problems = if file.path == "alertmanager.yml" {
        check_alertmanager_text(&file.contents)
    } else {
        Vec::new()
    };
    let problems = generated_invalid(&file.path, problems);
    (
        file,
        Verified {
            problems,
            ..Verified::default()
        },
    )
}

/// Checks a generated rule file in its format and gives it back (its text
/// is read in place, not copied).
pub fn verify_rules(mut file: GeneratedFile, format: Format) -> (GeneratedFile, Verified) {
    let (messages, groups, rules) = {
        let source = SourceFile::new(&file.path, std::mem::take(&mut file.contents));
        let (diagnostics, groups, rules) = check_rules_and_groups(&source, format);
        let messages: Vec<String> = diagnostics
            .into_iter()
            .map(|diagnostic| {
                let at = diagnostic
                    .location
                    .as_ref()
                    .map_or_else(String::new, |location| {
                        let (line, column) = source.line_column(location.span.start);
                        format!("line {line}:{column}: ")
                    });
                format!("{at}{}", diagnostic.problem.message())
            })
            .collect();
        file.contents = source.text;
        (messages, Some(groups), rules)
    };
    let problems = generated_invalid(&file.path, messages);
    (
        file,
        Verified {
            problems,
            groups,
            rules,
        },
    )
}

/// What verifying a generated file found, as `generated-invalid` errors
/// naming the file.
pub fn generated_invalid(path: &str, messages: Vec<String>) -> Vec<Diagnostic> {
    messages
        .into_iter()
        .map(|message| {
            Diagnostic::general(Problem::GeneratedInvalid {
                file: path.to_owned(),
                message,
            })
        })
        .collect()
}

/// A rule file's path: a `.yml` file outside `tests/` and `runbooks/`,
/// other than `alertmanager.yml`.
fn is_rule_file(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|extension| extension == "yml")
        && path != "alertmanager.yml"
        && !path.starts_with("tests/")
        && !path.starts_with("runbooks/")
}

/// Parser limits that grow with the input: the defaults (250,000 nodes,
/// 64 MiB of scalars) guard against YAML bombs but reject large, honest
/// rule and test files. Without aliases a node or event needs at least a
/// byte, and scalars and comments are never longer than the text, so
/// scaling with the input keeps the guard and admits every real file.
fn yaml_options(text: &str) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_events = budget.max_events.max(2 * text.len());
    budget.max_buffered_comment_events = budget.max_buffered_comment_events.max(text.len());
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(text.len());
    budget.max_total_comment_bytes = budget.max_total_comment_bytes.max(text.len());
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    // Comments are read past, not kept: nothing here needs their text.
    options.emit_comments = false;
    options
}

/// A `promtool test rules` file (Prometheus 2.42's `unitTestFile`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    rule_files: Vec<String>,
    evaluation_interval: Option<String>,
    group_eval_order: Option<Vec<String>>,
    tests: Vec<TestGroup>,
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

/// The rule files and groups a test file names.
#[derive(Debug, Default)]
pub struct TestReferences {
    rule_files: Vec<String>,
    group_order: Vec<String>,
}

/// Problems of a test file's text, each a sentence naming the test, and
/// the files and groups it names (checked by [`check_test_references`]
/// once every rule file is verified).
pub fn check_test_text(text: &str) -> (Vec<String>, TestReferences) {
    let file: TestFile = match serde_saphyr::from_str_with_options(text, yaml_options(text)) {
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
const SEEN_TEXTS: usize = 4096;

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
pub fn check_test_references(
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
fn normalize_ranges(expr: &str) -> String {
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

/// The byte range of a YAML node.
fn span_of(location: &serde_saphyr::Location) -> Range<usize> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(0);
    let length = usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0);
    start..start + length
}

/// Checks a rule file of any format slogen writes ([`Format::Any`]) the
/// way `promtool check rules` does (structure, PromQL, names, durations,
/// labels, templates, duplicates), every problem located in the file.
pub fn check_rules(source: &SourceFile) -> Vec<Diagnostic> {
    if let Some(span) = source.invalid_utf8_span() {
        return vec![Diagnostic::at(Problem::NotUtf8, &source.path, span)];
    }
    check_rules_and_groups(source, Format::Any).0
}

/// [`check_rules`] in a format, the names of the file's groups, and how
/// many rules it holds.
fn check_rules_and_groups(
    source: &SourceFile,
    format: Format,
) -> (Vec<Diagnostic>, Vec<String>, usize) {
    // Objects may come several to a file (`---`); Prometheus reads one
    // group list per file.
    let documents = if matches!(format, Format::Operator | Format::Any) {
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
    format: Format,
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
        Format::Any if object => Format::Operator,
        Format::Any if document.namespace.is_some() => Format::Mimir,
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
    if format == Format::Operator {
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
        (Some(namespace), Format::Mimir) if namespace.value.trim().is_empty() => {
            problems.push(problem(
                "a Mimir namespace is empty".to_owned(),
                namespace.span(),
            ));
        }
        (Some(_), Format::Mimir) => {}
        (None, Format::Mimir) => problems.push(problem(
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

/// The YAML library's message in slogen's words: without the place (the
/// diagnostic shows it) and without advice meant for programmers.
fn yaml_message(message: &str) -> String {
    let mut message = message.trim();
    message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((place, rest)) = rest.split_once(": ")
        && place.contains(" column ")
    {
        message = rest;
    }
    if message.starts_with("multiple YAML documents detected") {
        return "the file holds more than one YAML document (`---`); Prometheus reads one group list per rule file: split it into files".to_owned();
    }
    message.to_owned()
}

/// Problems of one document's groups: expressions, names, durations,
/// the group fields its format reads, and repeated group names.
fn check_groups(source: &SourceFile, groups: &[&RuleGroup], format: Format) -> Vec<Diagnostic> {
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
            if format != Format::Any && !formats.contains(&format) {
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
        if format == Format::VictoriaMetrics
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
    let file: AlertmanagerFile = match serde_saphyr::from_str_with_options(text, yaml_options(text))
    {
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

/// What a dashboard may read: series the rules record or the spec's
/// queries read, and alerts the rules define (through `ALERTS`).
#[derive(Clone, Debug, Default)]
pub struct KnownSeries {
    /// Metric names.
    pub series: BTreeSet<String>,
    /// Alert names.
    pub alerts: BTreeSet<String>,
}

/// The metric names an expression's selectors name (`x{...}` or
/// `{__name__="x"}`).
pub fn metric_names(expr: &promql_parser::parser::Expr) -> Vec<String> {
    let mut names = Vec::new();
    promql::walk(expr, &mut |node| {
        if let Some(selector) = selector_of(node)
            && let Some(name) = selector_name(selector)
        {
            names.push(name);
        }
    });
    names
}

fn selector_of(
    node: &promql_parser::parser::Expr,
) -> Option<&promql_parser::parser::VectorSelector> {
    use promql_parser::parser::Expr;
    match node {
        Expr::VectorSelector(selector) => Some(selector),
        Expr::MatrixSelector(matrix) => Some(&matrix.vs),
        _ => None,
    }
}

fn selector_name(selector: &promql_parser::parser::VectorSelector) -> Option<String> {
    selector.name.clone().or_else(|| {
        selector
            .matchers
            .matchers
            .iter()
            .find(|matcher| {
                matcher.name == "__name__"
                    && matches!(matcher.op, promql_parser::label::MatchOp::Equal)
            })
            .map(|matcher| matcher.value.clone())
    })
}

/// Grafana's interval variables, as a duration PromQL parses (a query's
/// meaning does not depend on their value).
const GRAFANA_INTERVALS: &[&str] = &[
    "${__rate_interval}",
    "$__rate_interval",
    "${__interval}",
    "$__interval",
    "${__range}",
    "$__range",
];

/// Checks a generated Grafana dashboard: JSON of an object with `uid`,
/// `title` and `panels`, no data source named by id (only the
/// `datasource` variable), every panel query and every query variable's
/// selector parses as PromQL, and reads only `known` series; `ALERTS`
/// only with an `alertname` matcher naming known alerts.
pub fn check_dashboard_text(text: &str, known: &KnownSeries) -> Vec<String> {
    let dashboard: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return vec![format!("not valid JSON: {error}")],
    };
    let mut problems = Vec::new();
    for key in ["uid", "title"] {
        if !dashboard.get(key).is_some_and(serde_json::Value::is_string) {
            problems.push(format!("the dashboard has no `{key}` string"));
        }
    }
    let Some(panels) = dashboard
        .get("panels")
        .and_then(serde_json::Value::as_array)
    else {
        problems.push("the dashboard has no `panels` list".to_owned());
        return problems;
    };
    check_datasources(&dashboard, &mut problems);
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<&serde_json::Value> = panels.iter().collect();
    while let Some(panel) = stack.pop() {
        let title = panel
            .get("title")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(untitled)");
        if let Some(nested) = panel.get("panels").and_then(serde_json::Value::as_array) {
            stack.extend(nested);
        }
        for target in panel
            .get("targets")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(expr) = target.get("expr").and_then(serde_json::Value::as_str) {
                queries.push((format!("panel `{title}`"), expr.to_owned()));
            }
        }
    }
    for variable in dashboard
        .pointer("/templating/list")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|variable| {
            variable.get("type").and_then(serde_json::Value::as_str) == Some("query")
        })
    {
        let name = variable
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(unnamed)");
        let query = variable.get("query").and_then(|query| {
            query
                .as_str()
                .or_else(|| query.get("query").and_then(serde_json::Value::as_str))
        });
        match query.and_then(label_values_selector) {
            Some(selector) => queries.push((format!("variable `{name}`"), selector.to_owned())),
            None => problems.push(format!(
                "variable `{name}`: the query is not `label_values(<selector>, <label>)`"
            )),
        }
    }
    queries.sort();
    for (place, query) in queries {
        let mut filled = query.clone();
        for interval in GRAFANA_INTERVALS {
            filled = filled.replace(interval, "5m");
        }
        let expr = match promql::parse(&filled) {
            Ok(expr) => expr,
            Err(error) => {
                problems.push(format!(
                    "{place}: the query `{query}` does not parse: {error}"
                ));
                continue;
            }
        };
        promql::walk(&expr, &mut |node| {
            let Some(selector) = selector_of(node) else {
                return;
            };
            match selector_name(selector) {
                None => problems.push(format!(
                    "{place}: `{query}` selects series without naming a metric"
                )),
                Some(name) if name == crate::names::ALERTS_METRIC => {
                    check_alerts_selector(&place, &query, selector, known, &mut problems);
                }
                Some(name) if !known.series.contains(&name) => problems.push(format!(
                    "{place}: `{query}` reads `{name}`, which no generated rule records and no spec query reads"
                )),
                Some(_) => {}
            }
        });
    }
    problems
}

/// `label_values(<selector>, <label>)` → the selector.
fn label_values_selector(query: &str) -> Option<&str> {
    let inner = query
        .trim()
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    let (selector, label) = inner.rsplit_once(',')?;
    promql::is_label_name(label.trim()).then_some(selector.trim())
}

fn check_alerts_selector(
    place: &str,
    query: &str,
    selector: &promql_parser::parser::VectorSelector,
    known: &KnownSeries,
    problems: &mut Vec<String>,
) {
    use promql_parser::label::MatchOp;
    let Some(matcher) = selector
        .matchers
        .matchers
        .iter()
        .find(|matcher| matcher.name == "alertname")
    else {
        problems.push(format!(
            "{place}: `{query}` reads `ALERTS` without an `alertname` matcher"
        ));
        return;
    };
    let names: Vec<&str> = match &matcher.op {
        MatchOp::Equal => vec![matcher.value.as_str()],
        MatchOp::Re(_) => matcher.value.split('|').collect(),
        _ => {
            problems.push(format!(
                "{place}: `{query}` must name its alerts with `alertname=` or `alertname=~\"A|B\"`"
            ));
            return;
        }
    };
    for name in names {
        if !known.alerts.contains(name) {
            problems.push(format!(
                "{place}: `{query}` reads the alert `{name}`, which no generated rule defines"
            ));
        }
    }
}

/// Every `datasource` in the dashboard must be the `datasource` variable:
/// an id would tie the dashboard to one Grafana.
fn check_datasources(value: &serde_json::Value, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "datasource"
                    && let Some(uid) = inner.get("uid").and_then(serde_json::Value::as_str)
                    && uid != "${datasource}"
                {
                    problems.push(format!(
                        "a data source is named by uid `{uid}`: use the `datasource` variable (`${{datasource}}`)"
                    ));
                }
                check_datasources(inner, problems);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                check_datasources(item, problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(String, usize, &'static str, String)> {
        let source = SourceFile::new("rules.yml", text);
        check_rules(&source)
            .into_iter()
            .map(|diagnostic| {
                let line = source
                    .line_column(diagnostic.location.as_ref().unwrap().span.start)
                    .0;
                (
                    diagnostic.problem.code().to_owned(),
                    line,
                    "",
                    diagnostic.problem.message(),
                )
            })
            .map(|(code, line, _, message)| (code, line, "", message))
            .collect()
    }

    #[test]
    fn ranges_normalize_only_when_valid() {
        assert_eq!(
            normalize_ranges("rate(x[30m]) / rate(y[1d2h])"),
            "rate(x[1m]) / rate(y[1m])"
        );
        assert_eq!(normalize_ranges("x{a=\"[5m]\"}[5m]"), "x{a=\"[5m]\"}[1m]");
        assert_eq!(normalize_ranges("rate(x[0s])"), "rate(x[0s])");
        assert_eq!(
            normalize_ranges(r#"x{a="é\"[5m]",b=`\é[5m]`}[5m] é[1h]"#),
            r#"x{a="é\"[5m]",b=`\é[5m]`}[1m] é[1m]"#
        );
        assert_eq!(normalize_ranges("x[5m"), "x[5m");
        assert_eq!(normalize_ranges(r#"x{a="\"#), r#"x{a="\"#);
        assert_eq!(normalize_ranges("rate(x[5 m])"), "rate(x[5 m])");
        assert_eq!(
            normalize_ranges("max_over_time(x[1h:5m])"),
            "max_over_time(x[1h:5m])"
        );
    }

    fn check_test(path: &str, text: &str, rules: &[GeneratedFile]) -> Vec<String> {
        let groups = rules
            .iter()
            .map(|file| {
                (
                    file.path.clone(),
                    verify_rules(file.clone(), Format::Prometheus)
                        .1
                        .groups
                        .unwrap_or_default(),
                )
            })
            .collect();
        let (mut problems, references) = check_test_text(text);
        let mut found = check_test_references(path, &references, &groups);
        found.append(&mut problems);
        found
    }

    /// A test group's checks are parsed once per text, in bounded memory:
    /// past [`SEEN_TEXTS`] distinct queries, a bad query and a bad series are
    /// still found.
    #[test]
    fn big_test_groups_are_checked_to_the_end() {
        let mut text =
            String::from("rule_files: []\ntests:\n  - name: big\n    promql_expr_test:\n");
        for index in 0..SEEN_TEXTS + 10 {
            for _ in 0..2 {
                text.push_str(&format!(
                    "      - expr: up{{i=\"{index}\"}}\n        eval_time: 1m\n        exp_samples: []\n"
                ));
            }
        }
        assert!(check_test_text(&text).0.is_empty());
        let bad_query = format!("{text}      - expr: sum(up\n        eval_time: 1m\n");
        let bad_series = format!(
            "{text}      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: 'up{{'\n            value: 1\n"
        );
        for bad in [bad_query, bad_series] {
            assert_eq!(check_test_text(&bad).0.len(), 1);
        }
    }

    #[test]
    fn test_files_are_read_like_promtool_reads_them() {
        let rules = GeneratedFile {
            path: "alert-rules.yml".to_owned(),
            contents: "groups:\n  - name: a\n    rules: []\n".to_owned(),
        };
        let good = "rule_files: [../alert-rules.yml]\ngroup_eval_order: [a]\ntests:\n  - interval: 1m\n    input_series:\n      - series: up{job=\"x\"}\n        values: 0 1x3\n    promql_expr_test:\n      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: up{job=\"x\"}\n            value: 1\n";
        assert_eq!(
            check_test("tests/t.yml", good, std::slice::from_ref(&rules)),
            Vec::<String>::new()
        );
        let bad = "rule_files: [../missing.yml]\ngroup_eval_order: [b]\ntests:\n  - interval: 1x\n    input_series:\n      - series: up{job=~\"x\"}\n        values: one\n    promql_expr_test:\n      - expr: sum(up\n        eval_time: 1m\n";
        assert_eq!(
            check_test("tests/t.yml", bad, std::slice::from_ref(&rules)),
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
        assert!(check_test("tests/t.yml", unknown, &[])[0].contains("promql_exp_test"));
        let without_tests = "rule_files: []\nevaluation_interval: 1m\n";
        assert!(check_test("tests/t.yml", without_tests, &[])[0].contains("missing field `tests`"));
        let without_files = "tests: []\n";
        assert!(check_test("tests/t.yml", without_files, &[])[0].contains("rule_files"));
    }

    /// Each file here holds one problem, found once; the same rule recorded
    /// with other labels is none.
    #[test]
    fn every_rule_problem_is_found_once() {
        let group = |rules: &str| format!("groups:\n  - name: a\n    rules:\n{rules}");
        let valid = group(
            "      - record: x:y\n        expr: up\n        labels: {a: b}\n      - record: x:y\n        expr: up\n",
        );
        assert_eq!(problems(&valid), vec![]);
        let bad = [
            group("      - record: bad name\n        expr: up\n"),
            group("      - record: x:y\n        expr: sum(up\n"),
            group("      - alert: A\n        expr: up[5m]\n"),
            group("      - alert: A\n        expr: up\n        for: 5x\n"),
            group("      - alert: A\n        expr: up\n        keep_firing_for: 5x\n"),
            group("      - alert: ''\n        expr: up\n"),
            group("      - expr: up\n"),
            group("      - record: x:y\n        expr: up\n        for: 5m\n"),
            group("      - alert: A\n        expr: up\n        labels: {1a: b}\n"),
            group("      - alert: A\n        expr: up\n        annotations: {a: '{{ x'}\n"),
            group("      - record: x:y\n        expr: up\n      - record: x:y\n        expr: up\n"),
            "groups:\n  - name: a\n    interval: 5x\n    rules: []\n".to_owned(),
            "groups:\n  - name: a\n    query_offset: 5x\n    rules: []\n".to_owned(),
            "groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n".to_owned(),
            "groups:\n  - name: a\n    rules: []\nrules: []\n".to_owned(),
            "groupz: []\n".to_owned(),
        ];
        for text in bad {
            assert_eq!(problems(&text).len(), 1, "{text}");
        }
    }

    /// The embedded templates' output, which a build takes as written, reads
    /// back clean for the bundled specs and every fixture (tests included).
    #[test]
    fn every_file_of_the_embedded_templates_reads_back_clean() {
        let mut dirs = vec![std::path::PathBuf::from("slo")];
        for case in std::fs::read_dir("tests/cases").unwrap() {
            dirs.push(case.unwrap().path().join("slo"));
        }
        let mut read = 0;
        for dir in dirs {
            let sources = crate::load::spec_directory(&dir, None).unwrap();
            let options = crate::compile::Options {
                tests: Some(true),
                verify: true,
                ..crate::compile::Options::default()
            };
            let compilation =
                crate::compile::compile(&sources, &crate::render::Templates::default(), &options);
            assert!(
                !compilation.has_errors(),
                "{}: {:?}",
                dir.display(),
                compilation.diagnostics
            );
            read += compilation
                .files
                .iter()
                .filter(|file| is_rule_file(&file.path) || file.path.starts_with("tests/"))
                .count();
        }
        assert!(read >= 20, "{read}");
    }

    /// Messages of a file read in one format, with their lines.
    fn in_format(text: &str, format: Format) -> Vec<(usize, String)> {
        let source = SourceFile::new("rules.yml", text);
        check_rules_and_groups(&source, format)
            .0
            .into_iter()
            .map(|diagnostic| {
                let span = diagnostic.location.as_ref().unwrap().span.start;
                (source.line_column(span).0, diagnostic.problem.message())
            })
            .collect()
    }

    #[test]
    fn a_field_of_another_target_is_located_in_each_format() {
        let thanos = "groups:\n  - name: a\n    partial_response_strategy: abort\n    rules: []\n";
        assert_eq!(in_format(thanos, Format::Thanos), vec![]);
        assert_eq!(in_format(thanos, Format::Any), vec![]);
        assert_eq!(
            in_format(thanos, Format::Prometheus),
            vec![(
                3,
                "field `partial_response_strategy` is not read in Prometheus rule files".to_owned()
            )]
        );
        assert_eq!(
            in_format(thanos, Format::VictoriaMetrics),
            vec![(
                3,
                "field `partial_response_strategy` is not read in vmalert rule files".to_owned()
            )]
        );
        let mimir = "namespace: ns\ngroups:\n  - name: a\n    source_tenants: [t1]\n    evaluation_delay: 1m\n    rules: []\n";
        assert_eq!(in_format(mimir, Format::Mimir), vec![]);
        assert_eq!(in_format(mimir, Format::Any), vec![]);
        let found = in_format(mimir, Format::Prometheus);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            (
                1,
                "field `namespace` is not read in Prometheus rule files".to_owned()
            )
        );
        let no_namespace = "groups:\n  - name: a\n    rules: []\n";
        assert_eq!(
            in_format(no_namespace, Format::Mimir)[0].1,
            "a Mimir rule file needs `namespace:` (what `mimirtool rules load` names the groups by)"
        );
    }

    #[test]
    fn prometheus_rule_objects_are_read_one_document_at_a_time() {
        let object = |name: &str, group: &str| {
            format!(
                "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {name}\n  uid: x\nspec:\n  groups:\n    - name: {group}\n      rules:\n        - record: {group}:b\n          expr: sum(up)\n"
            )
        };
        let two = format!("{}---\n{}", object("one", "g1"), object("two", "g2"));
        assert_eq!(in_format(&two, Format::Operator), vec![]);
        assert_eq!(in_format(&two, Format::Any), vec![]);
        // The same recording rule in two objects of one file is recorded twice.
        let same = format!("{}---\n{}", object("one", "g1"), object("two", "g1"));
        let found = in_format(&same, Format::Any);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 22);
        let bad = object("Not_A_Name", "g").replace("kind: PrometheusRule", "kind: Rule");
        let found = in_format(&bad, Format::Any);
        assert_eq!(
            found,
            vec![
                (2, "kind `Rule` is not `PrometheusRule`".to_owned()),
                (4, "`Not_A_Name` is not a Kubernetes object name (lowercase letters, digits, `-` and `.`, at most 253)".to_owned()),
            ]
        );
        // Plain groups in several documents: Prometheus reads one list.
        let plain = "groups: []\n---\ngroups: []\n";
        assert!(
            in_format(plain, Format::Any)[0]
                .1
                .contains("more than one YAML document")
        );
    }

    #[test]
    fn accepts_a_valid_file() {
        let text =
            "groups:\n  - name: a\n    rules:\n      - record: x:y:z\n        expr: sum(up)\n";
        assert_eq!(problems(text), vec![]);
    }

    #[test]
    fn unknown_fields_are_structure_errors() {
        let text = "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        fro: 5m\n";
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "rule-structure");
        assert!(found[0].3.contains("fro"), "{found:?}");
    }

    #[test]
    fn reports_what_promtool_reports_with_lines() {
        let text = "groups:\n  - name: a\n    rules:\n      - record: bad name\n        expr: sum(up\n  - name: a\n    rules:\n      - alert: A\n        expr: up[5m]\n        for: 5x\n      - record: x:y\n        expr: up\n      - record: x:y\n        expr: up\n";
        let found: Vec<(String, usize, String)> = problems(text)
            .into_iter()
            .map(|(code, line, _, message)| (code, line, message))
            .collect();
        let expected = [
            ("rule-name", 4, "invalid recording rule name `bad name`"),
            (
                "rule-promql",
                5,
                "could not parse expression: unclosed left parenthesis",
            ),
            (
                "rule-structure",
                6,
                "group name `a` is repeated in the same file",
            ),
            (
                "rule-promql",
                9,
                "expression returns a matrix, not an instant vector",
            ),
            ("rule-duration", 10, "invalid duration `5x`"),
            (
                "rule-duplicate",
                13,
                "duplicate rule: `x:y` with the same labels is recorded twice",
            ),
        ];
        let expected: Vec<(String, usize, String)> = expected
            .iter()
            .map(|(code, line, message)| ((*code).to_owned(), *line, (*message).to_owned()))
            .collect();
        assert_eq!(found, expected);
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
