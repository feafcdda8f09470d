//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! A [`Diagnostic`] is a [`Problem`] (a kind with named fields) plus an
//! optional location (file and byte span). All user-facing wording lives in
//! [`Problem::message`], [`Problem::help`] and [`Problem::code`]; the stages
//! that find problems only name them. Codes are stable (they appear in JSON
//! output and in the documentation) and never reused.
//!
//! Three renderings share the same data: `human` (compiler-style, with the
//! source line and a caret), `json` (a stable array) and `github` (workflow
//! annotations).

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use crate::source::SourceFile;

/// How bad a diagnostic is. Errors stop the build; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is invalid; nothing is written.
    Error,
    /// Valid, but probably not what was meant.
    Warning,
}

/// Where a diagnostic points: a file and a byte range in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's display path.
    pub path: PathBuf,
    /// Byte range in the file's text; empty ranges point between characters.
    pub span: Range<usize>,
}

/// One problem found in the input or output, with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning; derived from the problem unless overridden.
    pub severity: Severity,
    /// What is wrong (boxed: diagnostics travel in `Result`s).
    pub problem: Box<Problem>,
    /// Where, when the problem has a place in a file.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A problem at a byte span of a file.
    pub fn at(problem: Problem, path: &Path, span: Range<usize>) -> Self {
        Self {
            severity: problem.severity(),
            problem: Box::new(problem),
            location: Some(Location {
                path: path.to_path_buf(),
                span,
            }),
        }
    }

    /// A problem with a file but no place in it.
    pub fn in_file(problem: Problem, path: &Path) -> Self {
        Self::at(problem, path, 0..0)
    }

    /// A problem with no file (I/O, usage, generated output).
    pub fn general(problem: Problem) -> Self {
        Self {
            severity: problem.severity(),
            problem: Box::new(problem),
            location: None,
        }
    }

    /// True when this diagnostic stops the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (Option<&Path>, usize, Severity) {
        let location = self.location.as_ref();
        (
            location.map(|location| location.path.as_path()),
            location.map_or(0, |location| location.span.start),
            self.severity,
        )
    }
}

/// Sorts diagnostics by file, then position, then severity; drops exact repeats.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
    diagnostics.dedup();
}

/// Every kind of problem slogen reports. The wording is in the `impl` below.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Problem {
    // --- reading files
    Io {
        path: PathBuf,
        error: String,
    },
    NoSpecDirectory {
        path: PathBuf,
        is_file: bool,
    },
    NoSpecFiles {
        path: PathBuf,
    },
    NotUtf8,
    TomlSyntax {
        message: String,
    },
    TomlShape {
        message: String,
    },
    UnknownKey {
        key: String,
        table: String,
        suggestion: Option<String>,
        expected: Vec<String>,
    },
    // --- names and uniqueness
    InvalidName {
        what: &'static str,
        name: String,
    },
    InvalidAlertName {
        name: String,
    },
    NameTooLong {
        what: &'static str,
        max: usize,
    },
    InvalidFileName {
        path: PathBuf,
    },
    RunbookLinksRelative,
    DuplicateService {
        name: String,
        other: PathBuf,
    },
    DuplicateSlo {
        service: String,
        name: String,
    },
    DuplicateAlert {
        name: String,
        other: String,
    },
    GroupNameTaken {
        group: String,
        service: String,
    },
    // --- numbers and durations
    ObjectiveOutOfRange {
        objective: f64,
    },
    ObjectiveTooClose {
        objective: f64,
    },
    InvalidDuration {
        text: String,
        reason: &'static str,
    },
    WindowNotShorter {
        window: String,
        period: String,
        own: bool,
    },
    ShortWindowNotShorter {
        short: String,
        long: String,
    },
    WindowPairRepeated {
        long: String,
        short: String,
    },
    WindowTooShort {
        window: String,
        interval: String,
    },
    BurnRateNeverFires {
        severity: String,
        long: String,
        short: String,
        burn_rate: String,
        objective: String,
        threshold: String,
    },
    BudgetShareOutOfRange {
        share: f64,
    },
    BurnRateBelowOne {
        severity: String,
        long: String,
        burn_rate: String,
        period: String,
    },
    MinEventsWithoutEvents {
        kind: &'static str,
    },
    MinEventsNotPositive {
        value: i64,
    },
    BurnRateOutOfRange {
        burn_rate: String,
        long: String,
        most: String,
    },
    WindowBudget,
    // --- SLIs
    UnknownSli {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    SliUseWithKind,
    MissingSliParam {
        sli: String,
        param: String,
    },
    UnknownSliParam {
        sli: String,
        param: String,
        expected: Vec<String>,
    },
    UndeclaredSliParam {
        param: String,
    },
    UnusedSliParam {
        param: String,
    },
    DuplicateSli {
        name: String,
    },
    SliKindCount {
        found: Vec<String>,
    },
    RatioQueries,
    WindowPlaceholderMissing {
        field: &'static str,
    },
    WindowPlaceholderStyle {
        found: String,
    },
    InvalidPromql {
        field: String,
        error: String,
    },
    NotInstantVector {
        field: String,
        found: String,
    },
    RegexNotRe2 {
        field: String,
        regex: String,
        message: String,
        help: String,
    },
    ErrorsEqualTotal,
    GoodEqualTotal,
    RatioGrouping {
        field: &'static str,
        errors: crate::promql::Grouping,
        total: crate::promql::Grouping,
    },
    RatioGroupingForms {
        field: &'static str,
        errors: crate::promql::Grouping,
        total: crate::promql::Grouping,
    },
    RatioCounting {
        field: &'static str,
        errors: &'static str,
        total: &'static str,
    },
    GroupByLe,
    HistogramSuffix {
        name: String,
    },
    InvalidMetricName {
        name: String,
    },
    InvalidSelector {
        error: String,
    },
    InvalidThreshold {
        text: String,
    },
    ThresholdBound,
    BoundNotFinite {
        key: &'static str,
        value: String,
    },
    InvalidTemplate {
        field: String,
        reason: String,
    },
    UnclosedTemplate {
        field: String,
    },
    UnknownTemplateFunction {
        field: String,
        name: String,
    },
    // --- plain alert tests
    InvalidTestSeries {
        series: String,
        error: String,
    },
    InvalidTestValues {
        values: String,
        error: String,
    },
    // --- labels
    InvalidLabelName {
        name: String,
    },
    TestLabelConflict {
        name: String,
        expected: String,
        set: String,
    },
    ReservedLabel {
        name: String,
    },
    InvalidSeverity {
        found: String,
    },
    // --- settings
    UnknownSeverity {
        found: String,
    },
    InvalidSeverityLabel {
        value: String,
    },
    LiteralSecret {
        key: String,
        /// The `_file` sibling and the Alertmanager release that added it.
        file: Option<(String, &'static str)>,
    },
    SecretInUrl {
        key: String,
    },
    UnknownReceiver {
        name: String,
        suggestion: Option<String>,
    },
    InvalidReceiverName {
        name: String,
    },
    // --- deploy targets
    UnknownTargetKind {
        kind: String,
        suggestion: Option<String>,
    },
    TargetKeyNotRead {
        key: String,
        kind: &'static str,
        keys: &'static [&'static str],
    },
    InvalidTarget {
        message: String,
        help: String,
    },
    DuplicateReceiver {
        name: String,
    },
    UnknownIntegration {
        key: String,
        suggestion: Option<String>,
    },
    UnusedTeamRoute {
        team: String,
        suggestion: Option<String>,
    },
    // --- output
    Template {
        template: String,
        message: String,
    },
    GeneratedInvalid {
        file: String,
        message: String,
    },
    Rule {
        code: &'static str,
        message: String,
    },
    EditedByHand {
        path: PathBuf,
    },
    NotGenerated {
        path: PathBuf,
    },
    UnsafeOutputPath {
        path: String,
    },
    LinkInOutput {
        path: PathBuf,
    },
    NotAFile {
        path: PathBuf,
        found: &'static str,
    },
    NotADirectory {
        path: PathBuf,
    },
    LinkOutside {
        path: PathBuf,
        dir: PathBuf,
    },
    EditedKept {
        path: PathBuf,
    },
    IgnoredSpecFile {
        path: PathBuf,
        dir: PathBuf,
    },
    UnknownTemplate {
        path: PathBuf,
        suggestion: Option<String>,
    },
    Overwritten {
        path: PathBuf,
    },
    // --- import
    /// A field of a foreign spec with no counterpart, or a value slogen
    /// cannot take; `code` is one of `import::code`.
    Import {
        code: &'static str,
        message: String,
        help: Option<String>,
    },
}

impl Problem {
    /// Errors unless the problem is advisory.
    pub fn severity(&self) -> Severity {
        match self {
            Self::NoSpecFiles { .. }
            | Self::UnusedTeamRoute { .. }
            | Self::RatioGroupingForms { .. }
            | Self::EditedKept { .. }
            | Self::IgnoredSpecFile { .. }
            | Self::RunbookLinksRelative
            | Self::UnknownTemplate { .. }
            | Self::Overwritten { .. }
            | Self::BurnRateBelowOne { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The stable code of this kind of problem.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io",
            Self::NoSpecDirectory { .. } => "no-spec-directory",
            Self::NoSpecFiles { .. } => "no-spec-files",
            Self::NotUtf8 => "not-utf8",
            Self::TomlSyntax { .. } => "toml-syntax",
            Self::TomlShape { .. } => "toml-type",
            Self::UnknownKey { .. } => "unknown-key",
            Self::InvalidName { .. } => "invalid-name",
            Self::InvalidAlertName { .. } => "invalid-alert-name",
            Self::NameTooLong { .. } => "name-too-long",
            Self::InvalidFileName { .. } => "invalid-file-name",
            Self::RunbookLinksRelative => "runbook-links-relative",
            Self::DuplicateService { .. } => "duplicate-service",
            Self::DuplicateSlo { .. } => "duplicate-slo",
            Self::DuplicateAlert { .. } => "duplicate-alert",
            Self::GroupNameTaken { .. } => "group-name-taken",
            Self::ObjectiveOutOfRange { .. } => "objective-range",
            Self::ObjectiveTooClose { .. } => "objective-too-close-to-100",
            Self::InvalidDuration { .. } => "invalid-duration",
            Self::WindowNotShorter { .. } => "window-not-shorter-than-period",
            Self::ShortWindowNotShorter { .. } => "short-window-not-shorter",
            Self::WindowPairRepeated { .. } => "window-pair-repeated",
            Self::WindowTooShort { .. } => "window-too-short",
            Self::BurnRateNeverFires { .. } => "burn-rate-never-fires",
            Self::BurnRateBelowOne { .. } => "burn-rate-below-one",
            Self::MinEventsWithoutEvents { .. } => "min-events-without-events",
            Self::MinEventsNotPositive { .. } => "min-events-not-positive",
            Self::BudgetShareOutOfRange { .. } => "budget-share-range",
            Self::BurnRateOutOfRange { .. } => "burn-rate-range",
            Self::WindowBudget => "window-budget",
            Self::SliKindCount { .. } => "sli-kind",
            Self::UnknownSli { .. } => "unknown-sli",
            Self::SliUseWithKind => "sli-use-with-kind",
            Self::MissingSliParam { .. } => "missing-sli-param",
            Self::UnknownSliParam { .. } => "unknown-sli-param",
            Self::UndeclaredSliParam { .. } => "undeclared-sli-param",
            Self::UnusedSliParam { .. } => "unused-sli-param",
            Self::DuplicateSli { .. } => "duplicate-sli",
            Self::RatioQueries => "ratio-queries",
            Self::WindowPlaceholderMissing { .. } => "window-placeholder-missing",
            Self::WindowPlaceholderStyle { .. } => "window-placeholder-style",
            Self::InvalidPromql { .. } => "invalid-promql",
            Self::NotInstantVector { .. } => "not-instant-vector",
            Self::RegexNotRe2 { .. } => "regex-not-re2",
            Self::ErrorsEqualTotal => "errors-equal-total",
            Self::GoodEqualTotal => "good-equal-total",
            Self::RatioGrouping { .. } => "ratio-grouping",
            Self::RatioGroupingForms { .. } => "ratio-grouping-forms",
            Self::RatioCounting { .. } => "ratio-counting",
            Self::GroupByLe => "group-by-le",
            Self::HistogramSuffix { .. } => "histogram-suffix",
            Self::InvalidMetricName { .. } => "invalid-metric-name",
            Self::InvalidSelector { .. } => "invalid-selector",
            Self::InvalidThreshold { .. } => "invalid-threshold",
            Self::ThresholdBound => "threshold-bound",
            Self::BoundNotFinite { .. } => "bound-not-finite",
            Self::InvalidTemplate { .. } => "invalid-template",
            Self::UnclosedTemplate { .. } => "unclosed-template",
            Self::UnknownTemplateFunction { .. } => "unknown-template-function",
            Self::InvalidTestSeries { .. } => "invalid-test-series",
            Self::InvalidTestValues { .. } => "invalid-test-values",
            Self::InvalidLabelName { .. } => "invalid-label-name",
            Self::TestLabelConflict { .. } => "test-label-conflict",
            Self::ReservedLabel { .. } => "reserved-label",
            Self::InvalidSeverity { .. } => "invalid-severity",
            Self::UnknownSeverity { .. } => "unknown-severity",
            Self::InvalidSeverityLabel { .. } => "invalid-severity-label",
            Self::LiteralSecret { .. } => "literal-secret",
            Self::SecretInUrl { .. } => "secret-in-url",
            Self::UnknownReceiver { .. } => "unknown-receiver",
            Self::DuplicateReceiver { .. } => "duplicate-receiver",
            Self::InvalidReceiverName { .. } => "invalid-receiver-name",
            Self::UnknownTargetKind { .. } => "unknown-target-kind",
            Self::TargetKeyNotRead { .. } => "target-key",
            Self::InvalidTarget { .. } => "invalid-target",
            Self::UnknownIntegration { .. } => "unknown-integration",
            Self::UnusedTeamRoute { .. } => "unused-team-route",
            Self::Template { .. } => "template",
            Self::GeneratedInvalid { .. } => "generated-invalid",
            Self::UnsafeOutputPath { .. } => "unsafe-output-path",
            Self::EditedByHand { .. } => "edited-by-hand",
            Self::Rule { code, .. } | Self::Import { code, .. } => code,
            Self::NotGenerated { .. } => "not-generated",
            Self::LinkInOutput { .. } => "link-in-output",
            Self::NotAFile { .. } => "not-a-file",
            Self::NotADirectory { .. } => "not-a-directory",
            Self::LinkOutside { .. } => "link-outside",
            Self::EditedKept { .. } => "edited-kept",
            Self::IgnoredSpecFile { .. } => "ignored-spec-file",
            Self::UnknownTemplate { .. } => "unknown-template",
            Self::Overwritten { .. } => "overwritten",
        }
    }

    /// One line saying what is wrong.
    pub fn message(&self) -> String {
        match self {
            Self::Io { path, error } => format!("cannot access `{}`: {error}", path.display()),
            Self::NoSpecDirectory {
                path,
                is_file: true,
            } => format!("`{}` is a file, not a spec directory", path.display()),
            Self::NoSpecDirectory { path, .. } => {
                format!("spec directory `{}` does not exist", path.display())
            }
            Self::NoSpecFiles { path } => {
                format!("no service files (`*.toml`) in `{}`", path.display())
            }
            Self::NotUtf8 => "the file is not UTF-8 text".to_owned(),
            Self::TomlSyntax { message } => format!("invalid TOML: {message}"),
            Self::TomlShape { message } => message.clone(),
            Self::UnknownKey { key, table, .. } => format!("unknown key `{key}` in {table}"),
            Self::InvalidName { what, name } => format!("invalid {what} name `{name}`"),
            Self::InvalidAlertName { name } => format!("invalid alert name `{name}`"),
            Self::NameTooLong { what, max } => {
                format!("the {what} name is longer than {max} characters")
            }
            Self::InvalidFileName { path } => format!(
                "`{}`: a service file's name holds characters generated files cannot quote",
                path.display().to_string().escape_debug()
            ),
            Self::RunbookLinksRelative => {
                "alerts link their runbooks by a path in the repository, which a page cannot open"
                    .to_owned()
            }
            Self::DuplicateService { name, .. } => format!("service `{name}` is declared twice"),
            Self::DuplicateSlo { service, name } => {
                format!("SLO `{name}` is declared twice in service `{service}`")
            }
            Self::DuplicateAlert { name, .. } => format!("alert name `{name}` is used twice"),
            Self::GroupNameTaken { group, service } => format!(
                "this SLO's recording group would be `{group}`, the name of service `{service}`'s alert group"
            ),
            Self::ObjectiveOutOfRange { objective } if objective.abs() >= 1e6 => {
                format!("objective {objective:e} is out of range")
            }
            Self::ObjectiveOutOfRange { objective } => {
                format!("objective {objective} is out of range")
            }
            Self::ObjectiveTooClose { objective } => format!(
                "objective {objective} leaves an error budget under {}",
                crate::number::format(crate::number::SMALLEST_BUDGET)
            ),
            Self::InvalidDuration { text, reason } => {
                format!("invalid duration `{text}`: {reason}")
            }
            Self::WindowNotShorter { window, period, .. } => {
                format!("window {window} is not shorter than the SLO period {period}")
            }
            Self::ShortWindowNotShorter { short, long } => {
                format!("short window {short} is not shorter than its long window {long}")
            }
            Self::WindowPairRepeated { long, short } => {
                format!("the window pair {long}/{short} is declared twice")
            }
            Self::WindowTooShort { window, interval } => {
                format!("window {window} is shorter than twice the evaluation interval {interval}")
            }
            Self::BurnRateNeverFires {
                severity,
                long,
                short,
                threshold,
                ..
            } => format!(
                "the {severity} alert over {long} and {short} can never fire: it needs an error ratio above {threshold}"
            ),
            Self::BurnRateBelowOne {
                severity,
                long,
                burn_rate,
                period,
            } => format!(
                "the {severity} alert over {long} fires at burn rate {burn_rate}, below 1: at that rate the {period} error budget lasts longer than the period"
            ),
            Self::MinEventsWithoutEvents { kind } => {
                format!("`min_events` needs an SLI that counts events; a {kind} SLI has none")
            }
            Self::MinEventsNotPositive { value } => {
                format!("`min_events` is {value}; it must be a whole number above 0")
            }
            Self::BudgetShareOutOfRange { share } => {
                format!("budget share {share} is out of range")
            }
            Self::BurnRateOutOfRange {
                burn_rate, long, ..
            } => {
                if burn_rate.parse::<f64>().is_ok_and(|rate| rate <= 0.0) {
                    format!("burn rate {burn_rate} is not above 0")
                } else {
                    format!(
                        "burn rate {burn_rate} over {long} spends more than a whole 30d error budget"
                    )
                }
            }
            Self::WindowBudget => {
                "a burn window needs exactly one of `budget` and `burn_rate`".to_owned()
            }
            Self::UnknownSli { name, .. } => format!("no shared SLI is named `{name}`"),
            Self::SliUseWithKind => {
                "`use` names a shared SLI, and this SLO declares an SLI kind too".to_owned()
            }
            Self::MissingSliParam { sli, param } => {
                format!("shared SLI `{sli}` needs parameter `{param}`")
            }
            Self::UnknownSliParam { sli, param, .. } => {
                format!("shared SLI `{sli}` has no parameter `{param}`")
            }
            Self::UndeclaredSliParam { param } => {
                format!("`{{{{{param}}}}}` is not a declared parameter")
            }
            Self::UnusedSliParam { param } => {
                format!("parameter `{param}` appears in no query of the SLI")
            }
            Self::DuplicateSli { name } => format!("shared SLI `{name}` is defined twice"),
            Self::SliKindCount { found } if found.is_empty() => "the SLO has no SLI".to_owned(),
            Self::SliKindCount { found } => {
                format!(
                    "the SLO has {} SLI kinds ({})",
                    found.len(),
                    found.join(", ")
                )
            }
            Self::RatioQueries => {
                "a ratio SLI needs `total` and exactly one of `errors` and `good`".to_owned()
            }
            Self::WindowPlaceholderMissing { field } => {
                format!("`{field}` has no `{{{{window}}}}` placeholder")
            }
            Self::WindowPlaceholderStyle { found } => {
                format!("`{found}` is not slogen's window placeholder")
            }
            Self::InvalidPromql { field, error } => format!("invalid PromQL in `{field}`: {error}"),
            Self::NotInstantVector { field, found } => {
                format!("`{field}` must return an instant vector, not a {found}")
            }
            Self::RegexNotRe2 {
                field,
                regex,
                message,
                ..
            } => format!("regex `{regex}` in `{field}`: {message}"),
            Self::ErrorsEqualTotal => "`errors` and `total` are the same query".to_owned(),
            Self::GoodEqualTotal => "`good` and `total` are the same query".to_owned(),
            Self::RatioGrouping {
                field,
                errors,
                total,
            } => format!(
                "`{field}` keeps {errors} but `total` keeps {total}: their series do not match"
            ),
            Self::RatioGroupingForms {
                field,
                errors,
                total,
            } => format!(
                "`{field}` keeps {errors} and `total` keeps {total}: their series pair up only if they carry no other labels"
            ),
            Self::RatioCounting {
                field,
                errors,
                total,
            } => format!(
                "`{field}` counts with {errors} but `total` with {total}: the ratio is off by the window's length in seconds"
            ),
            Self::GroupByLe => "`group_by` cannot hold `le`".to_owned(),
            Self::HistogramSuffix { name } => {
                format!("histogram `{name}` is named with a series suffix")
            }
            Self::InvalidMetricName { name } => format!("invalid metric name `{name}`"),
            Self::InvalidSelector { error } => format!("invalid label selector: {error}"),
            Self::InvalidThreshold { text } => format!("invalid latency threshold `{text}`"),
            Self::ThresholdBound => {
                "a threshold SLI needs exactly one of `max` and `min`".to_owned()
            }
            Self::BoundNotFinite { key, value } => {
                format!("`{key} = {value}` is not a finite number")
            }
            Self::UnknownTemplateFunction { field, name } => {
                format!("`{field}` calls `{name}`, which is not a Prometheus template function")
            }
            Self::InvalidTemplate { field, reason } => {
                format!("`{field}` is not a template Prometheus accepts: {reason}")
            }
            Self::UnclosedTemplate { field } => {
                format!("`{field}` opens a template action `{{{{` that never closes")
            }
            Self::InvalidTestSeries { series, error } => {
                format!("invalid test series `{series}`: {error}")
            }
            Self::InvalidTestValues { values, error } => {
                format!("invalid test values `{values}`: {error}")
            }
            Self::InvalidLabelName { name } => format!("invalid label name `{name}`"),
            Self::TestLabelConflict {
                name,
                expected,
                set,
            } => format!(
                "the test expects `{name}=\"{expected}\"`, but the alert sets `{name}=\"{set}\"`"
            ),
            Self::ReservedLabel { name } => format!("label `{name}` is reserved by slogen"),
            Self::InvalidSeverity { found } => format!("invalid severity `{found}`"),
            Self::UnknownSeverity { found } => format!("unknown severity `{found}`"),
            Self::InvalidSeverityLabel { value } if value.is_empty() => {
                "a severity label value is empty".to_owned()
            }
            Self::InvalidSeverityLabel { value } => {
                format!("severity label value `{value}` is not a plain word")
            }
            Self::LiteralSecret { key, .. } => format!("`{key}` holds a literal secret"),
            Self::SecretInUrl { key } => format!("`{key}` is a URL that carries a secret"),
            Self::UnknownReceiver { name, .. } => format!("no receiver named `{name}`"),
            Self::DuplicateReceiver { name } => format!("receiver `{name}` is declared twice"),
            Self::InvalidReceiverName { name } if name.trim().is_empty() => {
                "a receiver's name is empty".to_owned()
            }
            Self::UnknownTargetKind { kind, .. } => format!("unknown target kind `{kind}`"),
            Self::TargetKeyNotRead { key, kind, .. } => {
                format!("target kind `{kind}` does not read `{key}`")
            }
            Self::InvalidTarget { message, .. } => message.clone(),
            Self::InvalidReceiverName { name } => {
                format!("invalid receiver name `{}`", name.escape_debug())
            }
            Self::UnknownIntegration { key, .. } => format!("unknown receiver integration `{key}`"),
            Self::UnusedTeamRoute { team, .. } => format!("no service has team `{team}`"),
            Self::Template { template, message } => {
                format!("template `{template}` failed: {message}")
            }
            Self::GeneratedInvalid { file, message } => {
                format!("generated `{file}` is invalid: {message}")
            }
            Self::Rule { message, .. } | Self::Import { message, .. } => message.clone(),
            Self::EditedByHand { path } => {
                format!(
                    "`{}` was edited by hand; slogen will not overwrite it",
                    path.display()
                )
            }
            Self::NotGenerated { path } => {
                format!(
                    "`{}` was not generated by slogen; slogen will not overwrite it",
                    path.display()
                )
            }
            Self::UnsafeOutputPath { path } => {
                format!(
                    "refusing to write `{}` outside the output directory",
                    path.escape_debug()
                )
            }
            Self::LinkInOutput { path } => format!(
                "`{}` is a symbolic link; slogen never reads, writes or removes through a link in its output",
                path.display()
            ),
            Self::NotAFile { path, found } => {
                format!("`{}` is {found}, not a regular file", path.display())
            }
            Self::NotADirectory { path } => {
                format!(
                    "`{}` is in the way: slogen needs a directory there",
                    path.display()
                )
            }
            Self::LinkOutside { path, dir } => format!(
                "`{}` is a symbolic link that leads outside `{}`; slogen does not read it",
                path.display(),
                dir.display()
            ),
            Self::EditedKept { path } => format!(
                "`{}` is no longer generated, but it changed since slogen wrote it; left in place",
                path.display()
            ),
            Self::IgnoredSpecFile { path, dir } => format!(
                "`{}` is not read: service files are the `*.toml` files directly in `{}`",
                path.display(),
                dir.display()
            ),
            Self::UnknownTemplate { path, .. } => {
                format!("`{}` overrides no built-in template", path.display())
            }
            Self::Overwritten { path } => format!(
                "`{}` was edited by hand or not made by slogen; overwritten (`--force`)",
                path.display()
            ),
        }
    }

    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Self::Import { help, .. } => return help.clone(),
            Self::NoSpecDirectory { is_file: true, .. } => {
                "point `--slo` at the directory that holds the service files".to_owned()
            }
            Self::NoSpecDirectory { .. } => {
                "create it with `slogen init`, or point `--slo` at your spec directory".to_owned()
            }
            Self::NoSpecFiles { .. } => {
                "add one `<service>.toml` per service; `slogen init` writes an example".to_owned()
            }
            Self::TomlSyntax { .. } => {
                "docs/reference.md shows every table and key; `slogen init` writes a commented example".to_owned()
            }
            Self::TomlShape { .. } => {
                "docs/reference.md gives each key's type with an example".to_owned()
            }
            Self::NotUtf8 => {
                "the first byte that is not UTF-8 is marked; save the file as UTF-8".to_owned()
            }
            Self::UnknownKey { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownKey { expected, .. } if !expected.is_empty() => {
                format!("expected one of {}", quoted_list(expected))
            }
            Self::InvalidName { .. } => {
                "use lowercase letters, digits and `-`, starting with a letter or digit".to_owned()
            }
            Self::InvalidAlertName { .. } => {
                "alert names are letters, digits and `_`, not starting with a digit".to_owned()
            }
            Self::DuplicateService { other, .. } => {
                format!("first declared in `{}`; service names are unique across the directory", other.display())
            }
            Self::DuplicateSlo { .. } => "rename one of them".to_owned(),
            Self::DuplicateAlert { other, .. } => format!(
                "it is already used by {other}; rename one. An alert name belongs to one SLO or alert: \
                 slogen's generated tests expect every alert of a name, and a route, inhibition or \
                 silence on it would reach all of them (alerts shared a name in Sloth: match the \
                 names with `alertname=~\"A|B\"`, or route on `slogen_service` and `slogen_slo`)"
            ),
            Self::GroupNameTaken { .. } => {
                "rule group names must be unique; rename the SLO".to_owned()
            }
            Self::ObjectiveOutOfRange { .. } => {
                "the objective is a percentage between 0 and 100, exclusive: `objective = 99.9`".to_owned()
            }
            Self::ObjectiveTooClose { .. } => {
                "at most nine nines (`objective = 99.9999999`): a smaller share of failed events is beyond the precision of Prometheus' float counters".to_owned()
            }
            Self::InvalidDuration { .. } => {
                "write a Prometheus duration: a number and a unit (ms, s, m, h, d, w, y), e.g. `5m`, `1h30m`, `30d`".to_owned()
            }
            Self::WindowNotShorter { own: true, .. } => {
                "shorten this window, or lengthen the period".to_owned()
            }
            Self::WindowNotShorter { .. } => {
                "lengthen the period, or configure shorter burn windows in `slogen.toml`".to_owned()
            }
            Self::ShortWindowNotShorter { .. } => {
                "the Workbook makes the short window 1/12 of the long one".to_owned()
            }
            Self::WindowPairRepeated { .. } => {
                "over the same windows the higher burn rate only fires when the lower one does, and alerts are told apart by their windows (`slogen_long_window`, `slogen_short_window`); keep one alert per pair, or change a window".to_owned()
            }
            Self::WindowTooShort { .. } => {
                "a rate over fewer than two samples is empty; lengthen the window".to_owned()
            }
            Self::BurnRateNeverFires { burn_rate, objective, .. } => format!(
                "burn rate {burn_rate} × error budget {objective} ≥ 1; disable this alert (`[slo.alerting]`), use burn windows with a lower burn rate (a smaller `budget`), or raise the objective to shrink the budget"
            ),
            Self::BurnRateBelowOne { .. } => {
                "such an alert opens on an SLO that will be met with budget to spare; raise its `budget` (or `burn_rate`), or shorten its long window".to_owned()
            }
            Self::MinEventsWithoutEvents { .. } => {
                "a threshold SLI measures time and a raw SLI a ratio the query computes, so there is no event count to guard on; remove `min_events`, or use a ratio or latency SLI".to_owned()
            }
            Self::MinEventsNotPositive { .. } => {
                "e.g. `min_events = 100`: burn-rate alerts stay silent while their long window holds fewer events".to_owned()
            }
            Self::BudgetShareOutOfRange { .. } => {
                "`budget` is the percentage of the period's error budget the alert allows to burn, above 0 and at most 100".to_owned()
            }
            Self::BurnRateOutOfRange { long, most, .. } => format!(
                "`burn_rate` is above 0 and at most 30d / {long} = {most}; the Workbook pages at 14.4 over 1h"
            ),
            Self::WindowBudget => {
                "e.g. `budget = 2` (percent of a 30d budget) or `burn_rate = 14.4`".to_owned()
            }
            Self::UnknownSli {
                suggestion: Some(suggestion),
                ..
            } => format!("did you mean `{suggestion}`?"),
            Self::UnknownSli { known, .. } if known.is_empty() => {
                "define it as `[[sli]]` in the settings file (`slogen.toml`)".to_owned()
            }
            Self::UnknownSli { known, .. } => {
                format!("the settings define {}", quoted_list(known))
            }
            Self::SliUseWithKind => {
                "keep either `use` (and `params`) or the `[slo.sli.<kind>]` table".to_owned()
            }
            Self::MissingSliParam { param, .. } => {
                format!("add it: `params = {{ {param} = \"...\" }}`")
            }
            Self::UnknownSliParam { expected, .. } if expected.is_empty() => {
                "this SLI takes no parameters; remove it".to_owned()
            }
            Self::UnknownSliParam { expected, .. } => {
                format!("it takes {}", quoted_list(expected))
            }
            Self::UndeclaredSliParam { param } => format!(
                "declare it, `params = [\"{param}\"]`; `{{{{window}}}}` is the only placeholder slogen fills itself"
            ),
            Self::UnusedSliParam { .. } => {
                "remove it, or write `{{name}}` where its value goes".to_owned()
            }
            Self::DuplicateSli { .. } => "rename one; SLOs name it in `use`".to_owned(),
            Self::SliKindCount { .. } => {
                "declare exactly one of `[slo.sli.ratio]`, `[slo.sli.latency]`, `[slo.sli.threshold]`, `[slo.sli.raw]`".to_owned()
            }
            Self::RatioQueries => "e.g. `errors = 'sum(rate(x{code=~\"5..\"}[{{window}}]))'` and `total = 'sum(rate(x[{{window}}]))'`".to_owned(),
            Self::WindowPlaceholderMissing { .. } => {
                "write the range as `[{{window}}]`; slogen fills in each alert window".to_owned()
            }
            Self::WindowPlaceholderStyle { .. } => "write `{{window}}`".to_owned(),
            Self::InvalidPromql { field, .. } if field == "expr" || field == "query" => {
                "check the query in the Prometheus UI; promql-parser follows Prometheus 3".to_owned()
            }
            Self::InvalidPromql { .. } => {
                "slogen substitutes `{{window}}` with `5m` before parsing; check the query in the Prometheus UI".to_owned()
            }
            Self::RegexNotRe2 { help, .. } => help.clone(),
            Self::NotInstantVector { .. } => {
                "wrap range selectors in a function such as `rate(...)`; aggregate with `sum(...)`".to_owned()
            }
            Self::ErrorsEqualTotal => {
                "`errors` selects the failed events only, e.g. with `code=~\"5..\"`".to_owned()
            }
            Self::GoodEqualTotal => {
                "`good` selects the successful events only, e.g. with `code!~\"5..\"`; as written no event could ever fail".to_owned()
            }
            Self::RatioGrouping { field, .. } => format!(
                "`{field} / total` pairs series with the same labels, so the error ratio would read 0 (or 1); aggregate both the same way, e.g. `sum by (job) (...)` on both"
            ),
            Self::RatioGroupingForms { field, .. } => format!(
                "if the series carry other labels, the error ratio reads 0 (1 with `good`); aggregate `{field}` and `total` the same way, e.g. `sum by (job) (...)` on both"
            ),
            Self::RatioCounting { field, .. } => format!(
                "`rate()` counts events per second and `increase()` per window; use the same one in `{field}` and `total`"
            ),
            Self::GroupByLe => {
                "slogen picks the bucket `le` of the threshold itself; group by other labels".to_owned()
            }
            Self::HistogramSuffix { name } => format!(
                "name the histogram without `_bucket`/`_count`/`_sum`: `{}`",
                name.trim_end_matches("_bucket").trim_end_matches("_count").trim_end_matches("_sum")
            ),
            Self::InvalidMetricName { .. } => {
                "metric names are letters, digits, `_` and `:`, not starting with a digit".to_owned()
            }
            Self::InvalidSelector { .. } => {
                "write label matchers in braces: `{endpoint=\"/v1/ingest\", method!=\"OPTIONS\"}`".to_owned()
            }
            Self::InvalidThreshold { .. } => {
                "write a duration such as `100ms` or `1s500ms`, or a bucket bound in seconds such as `0.1` or `1.5`".to_owned()
            }
            Self::ThresholdBound => "e.g. `max = 10`: the SLI is bad while the query is above 10".to_owned(),
            Self::BoundNotFinite { .. } => {
                "against nan or an infinity the SLI would always or never fail; write a number, e.g. `max = 10`".to_owned()
            }
            Self::UnknownTemplateFunction { name, .. } => match suggest(
                name,
                crate::gotemplate::words(),
            ) {
                Some(suggestion) => format!("did you mean `{suggestion}`? Prometheus rejects a rule whose template calls an unknown function"),
                None => "Prometheus rejects a rule whose template calls an unknown function; fields are `.Labels.x` or `$labels.x`, see the Prometheus template reference".to_owned(),
            },
            Self::InvalidTemplate { .. } => {
                "Prometheus expands this text as a Go template (text/template) and refuses to load the rule; fix the action, or write a literal `{{` as `{{ \"{{\" }}`".to_owned()
            }
            Self::UnclosedTemplate { .. } => {
                "close the action with `}}`, or write a literal `{{` as `{{ \"{{\" }}`".to_owned()
            }
            Self::InvalidTestSeries { .. } => {
                "name one series as promtool loads it: a metric and `=` matchers, e.g. `up{job=\"api\"}`".to_owned()
            }
            Self::InvalidTestValues { .. } => {
                "use promtool's expanding notation, one value per evaluation interval: `1 1 0`, `0x5` (6 values), `0+10x4`, `_` for none".to_owned()
            }
            Self::InvalidLabelName { .. } => {
                "label names are letters, digits and `_`, not starting with a digit or `__`".to_owned()
            }
            Self::TestLabelConflict { name, set, .. } => format!(
                "a test checks the alert's labels as the rule sets them (`alertname`, `team`, `severity`, `slogen_service`, service and alert labels); expect `{name}=\"{set}\"`, or leave `{name}` out"
            ),
            Self::ReservedLabel { .. } => {
                "slogen sets `team`, `severity` and `slogen_*` labels itself; choose another name".to_owned()
            }
            Self::InvalidSeverity { .. } | Self::UnknownSeverity { .. } => {
                "severity is `page` or `ticket`".to_owned()
            }
            Self::InvalidSeverityLabel { .. } => {
                "use letters, digits, `-`, `_`, `.` or `:`, e.g. `critical`; every alert carries the value and routing matches it".to_owned()
            }
            Self::LiteralSecret { key, file: Some((file, since)) } => format!(
                "generated files are committed; read it from a file with `{file} = \"/etc/alertmanager/secrets/...\"` (Alertmanager {since} or later), or write a placeholder such as `\"<{key}>\"` and fill it in at deploy time"
            ),
            Self::LiteralSecret { key, file: None } => format!(
                "generated files are committed, and Alertmanager has no file for `{key}`: write a placeholder such as `\"<{key}>\"` and fill it in at deploy time{}",
                if key == "secret_key" { " (or leave out the keys: SNS then uses the AWS credential chain)" } else { "" }
            ),
            Self::SecretInUrl { key } if key == "base_url" => {
                "every alert carries this link in its `runbook_url`, and generated files are committed: give the URL without credentials".to_owned()
            }
            Self::SecretInUrl { .. } => {
                "generated files are committed; keep credentials out of URLs: Slack, Discord and Teams webhooks have `*_file` fields, and other receivers send a token with `http_config.authorization.credentials_file`".to_owned()
            }
            Self::UnknownTargetKind { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownTargetKind { .. } => format!(
                "the kinds are {}",
                quoted_list(
                    &crate::ir::TargetKind::ALL
                        .map(|kind| kind.name().to_owned())
                )
            ),
            Self::TargetKeyNotRead { kind, keys, .. } => format!(
                "besides `kind` and `dir`, `{kind}` reads {}; docs/reference.md lists each kind's keys",
                quoted_list(&keys.iter().map(|key| (*key).to_owned()).collect::<Vec<_>>())
            ),
            Self::InvalidTarget { help, .. } => help.clone(),
            Self::InvalidReceiverName { .. } => {
                "a receiver's name is what routes point at: give it a name of its own, on one line, such as `team-pagerduty`".to_owned()
            }
            Self::UnknownReceiver { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownReceiver { .. } => {
                "declare it under `[[alertmanager.receiver]]`".to_owned()
            }
            Self::DuplicateReceiver { .. } => "receiver names are unique; rename one".to_owned(),
            Self::UnknownIntegration { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownIntegration { .. } => format!(
                "a receiver holds integrations such as {}",
                quoted_list(&INTEGRATIONS.iter().map(|key| (*key).to_owned()).collect::<Vec<_>>())
            ),
            Self::UnusedTeamRoute { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnusedTeamRoute { .. } => "teams come from `[service] team`".to_owned(),
            Self::EditedByHand { .. } => {
                "move the text into the spec (its first line says where), or delete the file; then build again (`slogen build --force` discards the edit)".to_owned()
            }
            Self::NotGenerated { .. } => {
                "move it away, or choose another output directory with `--out`; if slogen made it (an older slogen's manifest lists no checksums), `slogen build --force` takes it over".to_owned()
            }
            Self::LinkInOutput { .. } => {
                "a link could point anywhere on this machine; replace it with the plain file or directory, or remove it and build again".to_owned()
            }
            Self::NotAFile { .. } | Self::NotADirectory { .. } => {
                "move it away; slogen reads and writes plain files only".to_owned()
            }
            Self::LinkOutside { .. } => {
                "copy the file into the directory instead of linking to it".to_owned()
            }
            Self::EditedKept { .. } => "delete it if nothing needs it any more".to_owned(),
            Self::NameTooLong { .. } => {
                "names become file names and label values; shorten it".to_owned()
            }
            Self::InvalidFileName { .. } => {
                "name it `<service>.toml` with letters, digits, `.`, `-` and `_`".to_owned()
            }
            Self::RunbookLinksRelative => {
                "set `[runbooks] base_url` in the settings to where people open the runbooks, e.g. `\"https://git.example.com/ops/slo/-/blob/main/generated/runbooks\"`".to_owned()
            }
            Self::IgnoredSpecFile { .. } => {
                "write each service as `<service>.toml` in the spec directory (docs/reference.md); Sloth and OpenSLO YAML is not read".to_owned()
            }
            Self::UnknownTemplate { suggestion: Some(suggestion), .. } => format!(
                "did you mean `{suggestion}`? (`slogen templates list` names them)"
            ),
            Self::UnknownTemplate { .. } => {
                "`slogen templates list` names the templates; another file is used only where a template includes it".to_owned()
            }
            Self::Template { .. } => {
                "fix the template, or delete it from the templates directory to use the default".to_owned()
            }
            Self::GeneratedInvalid { .. } => {
                "a template produced this output; fix the template (see `slogen templates export`)".to_owned()
            }
            _ => return None,
        })
    }

    /// The label under the caret: a short restatement in place.
    fn label(&self) -> Option<String> {
        match self {
            Self::UnknownKey { .. } => Some("unknown key".to_owned()),
            Self::DuplicateSlo { .. }
            | Self::DuplicateService { .. }
            | Self::DuplicateAlert { .. } => Some("declared again here".to_owned()),
            Self::BurnRateNeverFires { burn_rate, .. } => Some(format!("burn rate {burn_rate}")),
            _ => None,
        }
    }
}

/// Alertmanager receiver integrations slogen passes through.
pub const INTEGRATIONS: &[&str] = &[
    "discord_configs",
    "email_configs",
    "jira_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "opsgenie_configs",
    "pagerduty_configs",
    "pushover_configs",
    "rocketchat_configs",
    "slack_configs",
    "sns_configs",
    "telegram_configs",
    "victorops_configs",
    "webex_configs",
    "webhook_configs",
    "wechat_configs",
];

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest of `candidates` to `word`, if any is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| candidate.to_owned())
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style text with source lines and carets.
    #[default]
    Human,
    /// A JSON array of diagnostics (stable fields; see the reference).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// The JSON shape of one diagnostic. Field names are part of slogen's interface.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable code, e.g. `unknown-key`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Display path of the file, if any.
    pub file: Option<String>,
    /// 1-based line, if located.
    pub line: Option<usize>,
    /// 1-based column, if located.
    pub column: Option<usize>,
    /// 1-based line where the span ends.
    pub end_line: Option<usize>,
    /// 1-based column where the span ends.
    pub end_column: Option<usize>,
    /// How to fix it.
    pub help: Option<String>,
}

/// Renders diagnostics in a format; `sources` supply the text shown in `human`.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
    format: Format,
    color: bool,
) -> String {
    let files: Files<'_> = sources
        .iter()
        .map(|source| (source.path.as_path(), source))
        .collect();
    match format {
        Format::Human => diagnostics
            .iter()
            .map(|diagnostic| render_human(diagnostic, &files, color))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let items: Vec<JsonDiagnostic> = diagnostics
                .iter()
                .map(|diagnostic| to_json(diagnostic, &files))
                .collect();
            let mut text = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
            text.push('\n');
            text
        }
        Format::Github => diagnostics
            .iter()
            .map(|diagnostic| render_github(diagnostic, &files))
            .collect(),
    }
}

/// The sources by path.
type Files<'a> = std::collections::HashMap<&'a Path, &'a SourceFile>;

/// Diagnostics as the items of `--format json` output.
pub fn json_items(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> Vec<JsonDiagnostic> {
    let files: Files<'_> = sources
        .iter()
        .map(|source| (source.path.as_path(), source))
        .collect();
    diagnostics
        .iter()
        .map(|diagnostic| to_json(diagnostic, &files))
        .collect()
}

fn source_file<'a>(files: &Files<'a>, path: &Path) -> Option<&'a SourceFile> {
    files.get(path).copied()
}

/// Start and end (line, column) of a location, when its text is known.
fn positions(location: &Location, files: &Files<'_>) -> Option<((usize, usize), (usize, usize))> {
    let source = source_file(files, &location.path)?;
    Some((
        source.line_column(location.span.start),
        source.line_column(location.span.end),
    ))
}

fn to_json(diagnostic: &Diagnostic, files: &Files<'_>) -> JsonDiagnostic {
    let location = diagnostic.location.as_ref();
    let positions = location.and_then(|location| positions(location, files));
    JsonDiagnostic {
        severity: diagnostic.severity,
        code: diagnostic.problem.code(),
        message: diagnostic.problem.message(),
        file: location.map(|location| location.path.display().to_string()),
        line: positions.map(|(start, _)| start.0),
        column: positions.map(|(start, _)| start.1),
        end_line: positions.map(|(_, end)| end.0),
        end_column: positions.map(|(_, end)| end.1),
        help: diagnostic.problem.help(),
    }
}

fn render_github(diagnostic: &Diagnostic, files: &Files<'_>) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = vec![format!("title=slogen {}", diagnostic.problem.code())];
    if let Some(location) = &diagnostic.location {
        properties.insert(
            0,
            format!(
                "file={}",
                escape_property(&location.path.display().to_string())
            ),
        );
        if let Some(((line, column), (end_line, end_column))) = positions(location, files) {
            properties.insert(1, format!("line={line}"));
            properties.insert(2, format!("col={column}"));
            if end_line == line && end_column > column {
                properties.insert(3, format!("endColumn={end_column}"));
            } else if end_line > line {
                properties.insert(3, format!("endLine={end_line}"));
            }
        }
    }
    let mut message = diagnostic.problem.message();
    if let Some(help) = diagnostic.problem.help() {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escaping for the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn render_human(diagnostic: &Diagnostic, files: &Files<'_>, color: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = diagnostic.problem.message();
    let code = diagnostic.problem.code();
    let help = diagnostic.problem.help();
    let label = diagnostic.problem.label();
    let title = level.primary_title(&message).id(code);
    let path_text = diagnostic
        .location
        .as_ref()
        .map(|location| location.path.display().to_string());
    let mut group = match (&diagnostic.location, &path_text) {
        (Some(location), Some(path_text)) => match source_file(files, &location.path) {
            Some(source) => {
                // Only the lines the span touches: the renderer reads all
                // of the text it is given, for every diagnostic.
                let (lines, first_line) = source.lines_of(&location.span);
                let text = &source.text[lines.clone()];
                let span = clamp_span(
                    text,
                    &(location.span.start.saturating_sub(lines.start)
                        ..location.span.end.saturating_sub(lines.start)),
                );
                let mut annotation = AnnotationKind::Primary.span(span);
                if let Some(label) = &label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(
                    Snippet::source(text)
                        .line_start(first_line)
                        .path(path_text.as_str())
                        .annotation(annotation),
                )
            }
            None => title.element(annotate_snippets::Origin::path(path_text.as_str())),
        },
        _ => Group::with_title(title),
    };
    if let Some(help) = &help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report = [group];
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut text = renderer.render(&report);
    text.push('\n');
    text
}

/// Keeps a span inside the text and on character boundaries.
fn clamp_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(
            suggest("objectiv", ["name", "objective"]),
            Some("objective".to_owned())
        );
        assert_eq!(suggest("tem", ["team", "name"]), Some("team".to_owned()));
        assert_eq!(suggest("zzzzzz", ["name", "objective"]), None);
    }

    #[test]
    fn human_rendering_points_at_the_source() {
        let source = SourceFile::new("slo/api.toml", "[service]\nname = \"api\"\ntem = \"x\"\n");
        let diagnostic = Diagnostic::at(
            Problem::UnknownKey {
                key: "tem".to_owned(),
                table: "[service]".to_owned(),
                suggestion: Some("team".to_owned()),
                expected: vec![],
            },
            &source.path,
            23..26,
        );
        let text = render(&[diagnostic], &[source], Format::Human, false);
        assert_eq!(
            text,
            "error[unknown-key]: unknown key `tem` in [service]\n --> slo/api.toml:3:1\n  |\n3 | tem = \"x\"\n  | ^^^ unknown key\n  |\n  = help: did you mean `team`?\n"
        );
    }

    #[test]
    fn github_annotations_escape_their_data() {
        let source = SourceFile::new("slo/api.toml", "a\nb = 1\n");
        let diagnostic = Diagnostic::at(Problem::RatioQueries, &source.path, 2..3);
        let text = render(&[diagnostic], &[source], Format::Github, false);
        assert!(text.starts_with("::error file=slo/api.toml,line=2,col=1,endColumn=2,title=slogen ratio-queries::a ratio SLI"), "{text}");
        assert!(text.contains("%0Ahelp: "));
    }
}
