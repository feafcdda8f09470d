//! The analyzer: spec in, validated [`ir::Project`] out, every problem reported.
//!
//! In: the parsed settings file (optional) and service files with their
//! sources. Out: a [`Project`] when no error was found, and all diagnostics
//! (errors and warnings) either way, so one run shows every problem.
//!
//! Checks, in the order a reader meets them in a file: names and their
//! uniqueness (services across files, SLOs within a service, alert names
//! across the project, generated ones included), label names, objective
//! range, durations, windows shorter than the period, burn rates that can
//! fire, `{{window}}` placeholders, and every query parsed as an instant
//! vector.
//!
//! One [`Analyzer`] walks a file; its checks are split by domain:
//! `settings` (defaults, windows, routing and secrets), `service` (a
//! service and its SLOs), `sli` (the SLI kinds and their queries) and
//! `alerts` (plain alerts and their tests, names unique across the
//! project). This file holds the entry point and the helpers they share:
//! names, durations, labels and templates. Every place comes from the
//! parser's spans (`toml::Spanned` on values and on the keys of free-form
//! tables, `spec::KeySpans` for a key a struct declares); within a string
//! value, `spec::value_span` reads the string as TOML does.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, INTEGRATIONS, Problem, suggest};
use crate::duration::{Duration, DurationError};
use crate::gotemplate;
use crate::ir::{
    AlertTest, Alerting, Bound, PlainAlert, Project, RatioErrors, Receiver, Routing, RunbookNotes,
    Service, Settings, Severity, SeverityExtra, SharedSli, Sli, Slo, Target, TargetKind, TeamRoute,
    WindowQuery, WindowSpec, workbook_windows,
};
use crate::math;
use crate::names::{burn_alert_name, no_data_alert_name};
use crate::promql::{self, Counting, QueryError};
use crate::source::SourceFile;
use crate::spec::{self, SpannedMap};

mod alerts;
mod service;
mod settings;
mod sli;

/// Labels slogen sets itself; users may not set or group by them.
pub(crate) const RESERVED_LABELS: &[&str] = &["team", "severity", "alertname"];

/// The prefix of every label slogen adds to series.
pub(crate) const LABEL_PREFIX: &str = "slogen_";

/// The shortest window slogen accepts, in evaluation intervals: `rate()`
/// needs two samples.
const MIN_WINDOW_INTERVALS: u64 = 2;

/// Analyzes a whole spec directory.
///
/// `services` are the parsed service files with their sources; files that
/// failed to parse are left out by the caller (their errors are already
/// reported) and their names still count as taken. `complete` says no file
/// was left out: only then can a team route be said to match no service.
pub(crate) fn analyze(
    settings: Option<(&SourceFile, &spec::SettingsFile)>,
    services: &[(&SourceFile, &spec::ServiceFile)],
    complete: bool,
) -> (Option<Project>, Vec<Diagnostic>) {
    let mut analyzer = Analyzer::default();
    let settings = match settings {
        Some((source, file)) => analyzer.settings(source, file),
        None => default_settings(),
    };
    // Service files are independent until the uniqueness checks below.
    let results: Vec<(Service, Vec<Diagnostic>)> = services
        .par_iter()
        .map(|(source, file)| {
            let mut one = Analyzer {
                path: source.path.clone(),
                text: source.text.clone(),
                ..Analyzer::default()
            };
            let service = one.service(source, file, &settings);
            (service, one.diagnostics)
        })
        .collect();
    let mut seen_services: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut analyzed = Vec::new();
    for ((source, file), (service, diagnostics)) in services.iter().zip(results) {
        analyzer.diagnostics.extend(diagnostics);
        analyzer.path = source.path.clone();
        analyzer.text = source.text.clone();
        let name = &file.service.get_ref().name;
        if let Some(first) = seen_services.get(name.get_ref()) {
            analyzer.error(
                Problem::DuplicateService {
                    name: name.get_ref().clone(),
                    other: first.clone(),
                },
                name.span(),
            );
        } else {
            seen_services.insert(name.get_ref().clone(), source.path.clone());
        }
        analyzed.push((source, file, service));
    }
    analyzer.unique_alert_names(&analyzed);
    let teams: Vec<&str> = analyzed
        .iter()
        .map(|(_, file, _)| file.service.get_ref().team.get_ref().as_str())
        .collect();
    for (team, span, path) in std::mem::take(&mut analyzer.team_routes) {
        if complete && !teams.contains(&team.as_str()) {
            let suggestion = suggest(&team, teams.iter().copied());
            let problem = Problem::UnusedTeamRoute { team, suggestion };
            analyzer
                .diagnostics
                .push(Diagnostic::at(problem, &path, span));
        }
    }
    let mut services: Vec<Service> = analyzed
        .into_iter()
        .map(|(_, _, service)| service)
        .collect();
    services.sort_by(|left, right| left.name.cmp(&right.name));
    let failed = analyzer.diagnostics.iter().any(Diagnostic::is_error);
    let project = (!failed).then_some(Project { settings, services });
    (project, analyzer.diagnostics)
}

/// Settings when there is no settings file.
pub(crate) fn default_settings() -> Settings {
    Settings {
        default_period: Duration::from_minutes(30 * 24 * 60),
        evaluation_interval: Duration::from_minutes(1),
        no_data_for: Duration::from_minutes(10),
        alert_for: Duration::from_minutes(0),
        keep_firing_for: Duration::from_minutes(0),
        min_events: None,
        page_label: "critical".to_owned(),
        ticket_label: "warning".to_owned(),
        windows: workbook_windows(),
        runbook_base_url: None,
        templates: None,
        routing: Routing::default(),
        write_tests: false,
        targets: vec![Target::new(TargetKind::Prometheus)],
        sloth_compatible: false,
        shared_slis: BTreeMap::new(),
    }
}

#[derive(Default)]
struct Analyzer {
    diagnostics: Vec<Diagnostic>,
    path: PathBuf,
    text: String,
    /// Teams named in routing settings, checked against the services' teams.
    team_routes: Vec<(String, Range<usize>, PathBuf)>,
}

/// The longest service, SLO or alert name: names become file names
/// (`runbooks/<service>-<slo>.md`), which most file systems cap at 255
/// bytes.
pub(crate) const MAX_NAME_LENGTH: usize = 100;

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|next| next.is_ascii_lowercase() || next.is_ascii_digit() || next == '-')
}

fn is_alert_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|next| next.is_ascii_alphanumeric() || next == '_')
}

impl Analyzer {
    fn error(&mut self, problem: Problem, span: Range<usize>) {
        self.diagnostics
            .push(Diagnostic::at(problem, &self.path, span));
    }

    /// The span of a string's contents (inside the quotes).
    fn inner(&self, span: Range<usize>) -> Range<usize> {
        spec::inner_span(&self.text, &span)
    }

    fn name(&mut self, what: &'static str, name: &Spanned<String>) {
        if name.get_ref().len() > MAX_NAME_LENGTH {
            let span = self.inner(name.span());
            let max = MAX_NAME_LENGTH;
            self.error(Problem::NameTooLong { what, max }, span);
        } else if !is_name(name.get_ref()) {
            let span = self.inner(name.span());
            self.error(
                Problem::InvalidName {
                    what,
                    name: name.get_ref().clone(),
                },
                span,
            );
        }
    }

    fn duration(&mut self, text: &Spanned<String>, positive: bool) -> Option<Duration> {
        let reason = match Duration::parse(text.get_ref()) {
            Ok(duration) if positive && duration.millis() == 0 => "it must be longer than zero",
            Ok(duration) => return Some(duration),
            Err(DurationError::Empty) => "it is empty",
            Err(DurationError::Malformed) => "expected digits and a unit, largest unit first",
            Err(DurationError::TooLong) => "it is too long",
        };
        let span = self.inner(text.span());
        self.error(
            Problem::InvalidDuration {
                text: text.get_ref().clone(),
                reason,
            },
            span,
        );
        None
    }

    /// Label names, and for labels an alerting rule sets (`templated`),
    /// their values as Prometheus templates.
    fn labels(&mut self, labels: &SpannedMap, templated: bool) -> BTreeMap<String, String> {
        let Some(labels) = labels else {
            return BTreeMap::new();
        };
        for (name, value) in labels.get_ref() {
            let span = self.inner(name.span());
            let name = name.get_ref();
            if !promql::is_label_name(name) {
                self.error(Problem::InvalidLabelName { name: name.clone() }, span);
            } else if is_reserved(name) {
                self.error(Problem::ReservedLabel { name: name.clone() }, span);
            }
            if templated {
                self.template(name, Some(value));
            }
        }
        spec::plain(labels.get_ref())
    }

    fn annotations(&mut self, annotations: &SpannedMap) -> BTreeMap<String, String> {
        let Some(annotations) = annotations else {
            return BTreeMap::new();
        };
        for (name, value) in annotations.get_ref() {
            if !promql::is_label_name(name.get_ref()) {
                let span = self.inner(name.span());
                let name = name.get_ref().clone();
                self.error(Problem::InvalidLabelName { name }, span);
            }
            self.template(name.get_ref(), Some(value));
        }
        spec::plain(annotations.get_ref())
    }

    /// Alert labels and annotations are Prometheus templates: an action
    /// that never closes would make Prometheus reject the rule.
    fn template(&mut self, field: &str, text: Option<&Spanned<String>>) {
        let Some(text) = text.filter(|text| text.get_ref().contains("{{")) else {
            return;
        };
        let Err(error) = gotemplate::check(text.get_ref()) else {
            return;
        };
        let at = spec::value_span(&self.text, &text.span(), text.get_ref(), error.span)
            .unwrap_or_else(|| self.inner(text.span()));
        let field = field.to_owned();
        let problem = match error.kind {
            gotemplate::ErrorKind::Unclosed => Problem::UnclosedTemplate { field },
            gotemplate::ErrorKind::UnknownFunction(name) => {
                Problem::UnknownTemplateFunction { field, name }
            }
            gotemplate::ErrorKind::Invalid => Problem::InvalidTemplate {
                field,
                reason: error.message,
            },
        };
        self.error(problem, at);
    }

    /// A `severity` label value from the settings: routing matches it and
    /// every alert carries it, so it is a plain word.
    fn severity_label(&mut self, text: &Spanned<String>) -> Option<String> {
        let value = text.get_ref();
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if !plain {
            let span = self.inner(text.span());
            self.error(
                Problem::InvalidSeverityLabel {
                    value: value.clone(),
                },
                span,
            );
            return None;
        }
        Some(value.clone())
    }

    fn severity(&mut self, text: &Spanned<String>) -> Option<Severity> {
        let severity = Severity::parse(text.get_ref());
        if severity.is_none() {
            let span = self.inner(text.span());
            self.error(
                Problem::InvalidSeverity {
                    found: text.get_ref().clone(),
                },
                span,
            );
        }
        severity
    }
}

fn is_reserved(label: &str) -> bool {
    RESERVED_LABELS.contains(&label) || label.starts_with(LABEL_PREFIX)
}

fn runbook_notes(spec: Option<&Spanned<spec::RunbookSpec>>) -> RunbookNotes {
    spec.map(|spec| {
        let spec = spec.get_ref();
        RunbookNotes {
            diagnosis: spec.diagnosis.clone(),
            mitigation: spec.mitigation.clone(),
            escalation: spec.escalation.clone(),
        }
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests;
