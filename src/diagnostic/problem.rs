//! The kinds of problem, each with its named fields, its severity and its
//! stable code.

use std::path::PathBuf;

use super::Level;

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
    /// `[severity]` gives pages and tickets one value.
    SameSeverityLabel {
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
    /// An SLO names a receiver again: twice in one `receivers` list, or in
    /// a severity's list when `[slo.alerting] receivers` has it already
    /// (`everywhere`). It gets each alert once all the same.
    ReceiverListedTwice {
        name: String,
        everywhere: bool,
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
    pub fn severity(&self) -> Level {
        match self {
            Self::NoSpecFiles { .. }
            | Self::UnusedTeamRoute { .. }
            | Self::RatioGroupingForms { .. }
            | Self::EditedKept { .. }
            | Self::IgnoredSpecFile { .. }
            | Self::RunbookLinksRelative
            | Self::UnknownTemplate { .. }
            | Self::Overwritten { .. }
            | Self::BurnRateBelowOne { .. }
            | Self::ReceiverListedTwice { .. } => Level::Warning,
            _ => Level::Error,
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
            Self::SameSeverityLabel { .. } => "same-severity-label",
            Self::LiteralSecret { .. } => "literal-secret",
            Self::SecretInUrl { .. } => "secret-in-url",
            Self::UnknownReceiver { .. } => "unknown-receiver",
            Self::DuplicateReceiver { .. } => "duplicate-receiver",
            Self::ReceiverListedTwice { .. } => "receiver-listed-twice",
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
}
