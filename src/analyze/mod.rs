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
//! where a key or value stands in the text, names, durations, labels and
//! templates.

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
pub const RESERVED_LABELS: &[&str] = &["team", "severity", "alertname"];

/// The prefix of every label slogen adds to series.
pub const LABEL_PREFIX: &str = "slogen_";

/// The shortest window slogen accepts, in evaluation intervals: `rate()`
/// needs two samples.
const MIN_WINDOW_INTERVALS: u64 = 2;

/// Analyzes a whole spec directory.
///
/// `services` are the parsed service files with their sources; files that
/// failed to parse are left out by the caller (their errors are already
/// reported) and their names still count as taken. `complete` says no file
/// was left out: only then can a team route be said to match no service.
pub fn analyze(
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
pub fn default_settings() -> Settings {
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
pub const MAX_NAME_LENGTH: usize = 100;

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

    /// The text range of a table: for a `[header]` table toml spans only
    /// the header, so the body runs on to the next header.
    fn table_range(&self, table: &Range<usize>) -> Range<usize> {
        let header = self.text.get(table.clone()).unwrap_or("");
        if !header.trim_start().starts_with('[') || header.contains('=') {
            return table.clone();
        }
        let end = self.text[table.end..]
            .find("\n[")
            .map_or(self.text.len(), |offset| table.end + offset);
        table.start..end
    }

    /// The span of a key inside a table's text, or the whole table: the
    /// first place the key stands as a key (at a line's or an inline
    /// table's start, maybe quoted, before `=`), not inside a value.
    fn key_span(&self, table: &Range<usize>, key: &str) -> Range<usize> {
        let range = self.table_range(table);
        let Some(text) = self.text.get(range.clone()) else {
            return table.clone();
        };
        let is_key = |offset: usize| {
            let before = text[..offset]
                .trim_end_matches(['"', '\''])
                .trim_end_matches([' ', '\t']);
            let after = text[offset + key.len()..].trim_start_matches(['"', '\'']);
            (before.is_empty() || before.ends_with(['{', ',', '\n']))
                && after.trim_start_matches([' ', '\t']).starts_with('=')
        };
        text.match_indices(key)
            .map(|(offset, _)| offset)
            .find(|offset| is_key(*offset))
            .map_or_else(
                || table.clone(),
                |offset| range.start + offset..range.start + offset + key.len(),
            )
    }

    /// Label names, and for labels an alerting rule sets (`templated`),
    /// their values as Prometheus templates.
    fn labels(&mut self, labels: &SpannedMap, templated: bool) -> BTreeMap<String, String> {
        let Some(labels) = labels else {
            return BTreeMap::new();
        };
        for (name, value) in labels.get_ref() {
            let span = self.key_span(&labels.span(), name);
            if !promql::is_label_name(name) {
                self.error(Problem::InvalidLabelName { name: name.clone() }, span);
            } else if is_reserved(name) {
                self.error(Problem::ReservedLabel { name: name.clone() }, span);
            }
            if templated {
                self.template_in_table(&labels.span(), name, value);
            }
        }
        labels.get_ref().clone()
    }

    fn annotations(&mut self, annotations: &SpannedMap) -> BTreeMap<String, String> {
        let Some(annotations) = annotations else {
            return BTreeMap::new();
        };
        for (name, value) in annotations.get_ref() {
            if !promql::is_label_name(name) {
                let span = self.key_span(&annotations.span(), name);
                self.error(Problem::InvalidLabelName { name: name.clone() }, span);
            }
            self.template_in_table(&annotations.span(), name, value);
        }
        annotations.get_ref().clone()
    }

    /// Alert labels and annotations are Prometheus templates: an action
    /// that never closes would make Prometheus reject the rule.
    fn template_in_table(&mut self, table: &Range<usize>, key: &str, value: &str) {
        if value.contains("{{") {
            let span = self.value_span(table, key, value);
            self.template_problems(key, value, span);
        }
    }

    /// [`Self::template_in_table`] for a string of its own.
    fn template(&mut self, field: &str, text: Option<&Spanned<String>>) {
        if let Some(text) = text
            && text.get_ref().contains("{{")
        {
            let span = self.inner(text.span());
            self.template_problems(field, text.get_ref(), span);
        }
    }

    fn template_problems(&mut self, field: &str, text: &str, span: Range<usize>) {
        let Err(error) = gotemplate::check(text) else {
            return;
        };
        let start = span.start;
        let at = self
            .text
            .get(span.clone())
            .and_then(|source| spelled_at(source, text, &error.span))
            .map_or(span, |at| start + at.start..start + at.end);
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

/// Where `range`, bytes of a TOML string's value, stands in `source`, the
/// value as spelled (a basic string's escapes each stand for one
/// character); `None` when `source` does not spell `value`.
fn spelled_at(source: &str, value: &str, range: &Range<usize>) -> Option<Range<usize>> {
    if source == value {
        return Some(range.clone());
    }
    let (mut spelled, mut start, mut end) = (0, None, None);
    for (at, c) in value.char_indices().chain([(value.len(), ' ')]) {
        if at == range.start {
            start = Some(spelled);
        }
        if at == range.end {
            end = Some(spelled);
        }
        let rest = source.get(spelled..)?;
        spelled += match rest.as_bytes().first() {
            _ if at == value.len() => 0,
            Some(b'\\') => match rest.as_bytes().get(1)? {
                b'u' => 6,
                b'U' => 10,
                b'x' => 4,
                _ => 2,
            },
            _ if rest.starts_with(c) => c.len_utf8(),
            _ => return None,
        };
    }
    (spelled == source.len()).then_some(start?..end?)
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
mod tests {
    #[test]
    fn template_errors_are_found_where_the_value_is_spelled() {
        let at = |source: &str, value: &str, range| super::spelled_at(source, value, &range);
        assert_eq!(at("{{ x }}", "{{ x }}", 3..4), Some(3..4));
        assert_eq!(
            at(r#"{{ \"a\" | x }}"#, r#"{{ "a" | x }}"#, 9..10),
            Some(11..12)
        );
        assert_eq!(at(r"\u00e9 {{ x", "é {{ x", 3..5), Some(7..9));
        assert_eq!(at(r"{{ '\q' }}", r"{{ '\q' }}", 3..7), Some(3..7));
        assert_eq!(at("name", "{{ x }}", 0..2), None);
        assert_eq!(at("{{ x }}\n", "{{ x }}", 0..2), None);
    }
}
