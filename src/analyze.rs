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
    Service, Settings, Severity, Sli, Slo, TeamRoute, WindowQuery, WindowSpec, workbook_windows,
};
use crate::math;
use crate::names::{burn_alert_name, no_data_alert_name};
use crate::promql::{self, Counting, QueryError};
use crate::source::SourceFile;
use crate::spec::{self, SpannedMap};

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
        page_label: "critical".to_owned(),
        ticket_label: "warning".to_owned(),
        windows: workbook_windows(),
        runbook_base_url: None,
        templates: None,
        routing: Routing::default(),
        write_tests: false,
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

    fn settings(&mut self, source: &SourceFile, file: &spec::SettingsFile) -> Settings {
        self.path = source.path.clone();
        self.text = source.text.clone();
        let mut settings = default_settings();
        if let Some(defaults) = &file.defaults {
            let defaults = defaults.get_ref();
            if let Some(period) = defaults
                .period
                .as_ref()
                .and_then(|text| self.duration(text, true))
            {
                settings.default_period = period;
            }
            if let Some(interval) = defaults
                .evaluation_interval
                .as_ref()
                .and_then(|text| self.duration(text, true))
            {
                settings.evaluation_interval = interval;
            }
            if let Some(for_duration) = defaults
                .no_data_for
                .as_ref()
                .and_then(|text| self.duration(text, false))
            {
                settings.no_data_for = for_duration;
            }
        }
        if let Some(severity) = &file.severity {
            let severity = severity.get_ref();
            if let Some(page) = severity
                .page
                .as_ref()
                .and_then(|page| self.severity_label(page))
            {
                settings.page_label = page;
            }
            if let Some(ticket) = severity
                .ticket
                .as_ref()
                .and_then(|ticket| self.severity_label(ticket))
            {
                settings.ticket_label = ticket;
            }
        }
        if let Some(windows) = &file.window {
            settings.windows = self.windows(windows, settings.evaluation_interval);
        }
        if let Some(runbooks) = &file.runbooks {
            let base_url = runbooks.get_ref().base_url.as_ref();
            // It lands in every alert's `runbook_url`.
            if let Some(url) =
                base_url.filter(|url| crate::secrets::url_carries_secret(url.get_ref()))
            {
                let span = self.inner(url.span());
                let key = "base_url".to_owned();
                self.error(Problem::SecretInUrl { key }, span);
            }
            settings.runbook_base_url =
                base_url.map(|url| url.get_ref().trim_end_matches('/').to_owned());
        }
        if let Some(tests) = file.build.as_ref().and_then(|build| build.get_ref().tests) {
            settings.write_tests = tests;
        }
        settings.templates = file.templates.as_ref().map(|dir| {
            source
                .path
                .parent()
                .unwrap_or_else(|| Path::new(""))
                .join(dir.get_ref())
        });
        if let Some(alertmanager) = &file.alertmanager {
            settings.routing = self.routing(alertmanager.get_ref());
        }
        settings
    }

    fn routing(&mut self, spec: &spec::AlertmanagerSpec) -> Routing {
        let mut durations = [
            &spec.group_wait,
            &spec.group_interval,
            &spec.repeat_interval,
        ]
        .map(|text| text.as_ref().and_then(|text| self.duration(text, true)))
        .into_iter();
        if let Some(global) = &spec.global {
            let span = global.span();
            for (key, value) in global.get_ref() {
                self.secrets(&mut vec!["global", key.as_str()], value, &span);
            }
        }
        let mut receivers: Vec<Receiver> = Vec::new();
        for receiver in &spec.receiver {
            let span = receiver.span();
            let receiver = receiver.get_ref();
            let name = receiver.name.get_ref();
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                let name_span = self.inner(receiver.name.span());
                self.error(
                    Problem::InvalidReceiverName { name: name.clone() },
                    name_span,
                );
            }
            if receivers.iter().any(|other| &other.name == name) {
                let name_span = self.inner(receiver.name.span());
                self.error(Problem::DuplicateReceiver { name: name.clone() }, name_span);
            }
            for (key, value) in &receiver.integrations {
                if !INTEGRATIONS.contains(&key.as_str()) {
                    let key_span = self.key_span(&span, key);
                    let suggestion = suggest(key, INTEGRATIONS.iter().copied());
                    self.error(
                        Problem::UnknownIntegration {
                            key: key.clone(),
                            suggestion,
                        },
                        key_span,
                    );
                }
                self.secrets(&mut vec![key.as_str()], value, &span);
            }
            receivers.push(Receiver {
                name: name.clone(),
                integrations: receiver.integrations.clone(),
            });
        }
        let names: Vec<String> = receivers
            .iter()
            .map(|receiver| receiver.name.clone())
            .collect();
        let default_receiver = self.receiver_reference(spec.default_receiver.as_ref(), &names);
        let mut teams = BTreeMap::new();
        for team in &spec.team {
            let team = team.get_ref();
            let route = TeamRoute {
                page: self.receiver_reference(team.page.as_ref(), &names),
                ticket: self.receiver_reference(team.ticket.as_ref(), &names),
            };
            let span = self.inner(team.name.span());
            self.team_routes
                .push((team.name.get_ref().clone(), span, self.path.clone()));
            teams.insert(team.name.get_ref().clone(), route);
        }
        // `...` groups by every label; anything else must be a label name,
        // or amtool rejects the file.
        for label in spec.group_by.iter().flatten() {
            let name = label.get_ref();
            if name != "..." && !promql::is_label_name(name) {
                let span = self.inner(label.span());
                self.error(Problem::InvalidLabelName { name: name.clone() }, span);
            }
        }
        let group_by = spec
            .group_by
            .iter()
            .flatten()
            .map(|label| label.get_ref().clone())
            .collect();
        Routing {
            default_receiver,
            group_by,
            group_wait: durations.next().flatten(),
            group_interval: durations.next().flatten(),
            repeat_interval: durations.next().flatten(),
            global: spec
                .global
                .as_ref()
                .map(|global| global.get_ref().clone())
                .unwrap_or_default(),
            receivers,
            teams,
        }
    }

    /// A receiver named by a route; it must be declared.
    fn receiver_reference(
        &mut self,
        reference: Option<&Spanned<String>>,
        names: &[String],
    ) -> Option<String> {
        let reference = reference?;
        let name = reference.get_ref();
        if !names.contains(name) {
            let span = self.inner(reference.span());
            let suggestion = suggest(name, names.iter().map(String::as_str));
            self.error(
                Problem::UnknownReceiver {
                    name: name.clone(),
                    suggestion,
                },
                span,
            );
        }
        Some(name.clone())
    }

    /// Reports literal secrets anywhere inside a receiver integration or
    /// the global section; `path` leads to `value` (see `secrets::check`).
    fn secrets<'a>(
        &mut self,
        path: &mut Vec<&'a str>,
        value: &'a toml::Value,
        table: &Range<usize>,
    ) {
        match value {
            toml::Value::String(text) => {
                if let Some(problem) = crate::secrets::check(path, text) {
                    let key = path.last().copied().unwrap_or("");
                    let span = self.value_span(table, key, text);
                    self.error(problem, span);
                }
            }
            toml::Value::Table(inner) => {
                for (key, value) in inner {
                    path.push(key);
                    self.secrets(path, value, table);
                    path.pop();
                }
            }
            toml::Value::Array(items) => {
                for item in items {
                    self.secrets(path, item, table);
                }
            }
            _ => {}
        }
    }

    /// The span of `value` after `key` inside a table's text.
    fn value_span(&self, table: &Range<usize>, key: &str, value: &str) -> Range<usize> {
        let key_span = self.key_span(table, key);
        let end = self.table_range(table).end;
        self.text
            .get(key_span.end..end)
            .and_then(|rest| rest.find(value))
            .map_or(key_span.clone(), |offset| {
                key_span.end + offset..key_span.end + offset + value.len()
            })
    }

    fn windows(
        &mut self,
        windows: &[Spanned<spec::WindowSpec>],
        interval: Duration,
    ) -> Vec<WindowSpec> {
        let mut checked = Vec::new();
        let mut pairs = Vec::new();
        for window in windows {
            let span = window.span();
            let window = window.get_ref();
            let severity = self.severity(&window.severity);
            let long = self.duration(&window.long, true);
            let short = self.duration(&window.short, true);
            let share = match (&window.budget, &window.burn_rate, long) {
                (Some(budget), None, _) => {
                    let share = budget.get_ref() / 100.0;
                    if share.is_finite() && share > 0.0 && share <= 1.0 {
                        Some(crate::number::clean(share))
                    } else {
                        self.error(
                            Problem::BudgetShareOutOfRange {
                                share: *budget.get_ref(),
                            },
                            budget.span(),
                        );
                        None
                    }
                }
                (None, Some(burn_rate), Some(long)) => {
                    let share = math::share_of_reference(*burn_rate.get_ref(), long);
                    if share.is_finite() && share > 0.0 && share <= 1.0 {
                        Some(share)
                    } else {
                        let most = math::REFERENCE_PERIOD.seconds() / long.seconds();
                        self.error(
                            Problem::BurnRateOutOfRange {
                                burn_rate: crate::number::human(*burn_rate.get_ref()),
                                long: long.to_string(),
                                most: crate::number::human(most),
                            },
                            burn_rate.span(),
                        );
                        None
                    }
                }
                (None, Some(_), None) => None,
                _ => {
                    self.error(Problem::WindowBudget, span.clone());
                    None
                }
            };
            if let (Some(long), Some(short)) = (long, short) {
                if pairs.contains(&(long, short)) {
                    let span = self.inner(window.long.span());
                    self.error(
                        Problem::WindowPairRepeated {
                            long: long.to_string(),
                            short: short.to_string(),
                        },
                        span,
                    );
                }
                pairs.push((long, short));
                if short >= long {
                    let span = self.inner(window.short.span());
                    self.error(
                        Problem::ShortWindowNotShorter {
                            short: short.to_string(),
                            long: long.to_string(),
                        },
                        span,
                    );
                } else if short.millis() < interval.millis() * MIN_WINDOW_INTERVALS {
                    let span = self.inner(window.short.span());
                    self.error(
                        Problem::WindowTooShort {
                            window: short.to_string(),
                            interval: interval.to_string(),
                        },
                        span,
                    );
                }
            }
            if let (Some(severity), Some(long), Some(short), Some(budget_share)) =
                (severity, long, short, share)
            {
                checked.push(WindowSpec {
                    severity,
                    long,
                    short,
                    budget_share,
                });
            }
        }
        checked.sort_by(|left, right| {
            (left.severity, left.long, left.short).cmp(&(right.severity, right.long, right.short))
        });
        checked
    }

    fn service(
        &mut self,
        source: &SourceFile,
        file: &spec::ServiceFile,
        settings: &Settings,
    ) -> Service {
        let spec = file.service.get_ref();
        self.name("service", &spec.name);
        self.name("team", &spec.team);
        // Service labels are set by plain alerting rules, and so templated.
        let labels = self.labels(&spec.labels, !file.alert.is_empty());
        let mut slos: Vec<Slo> = Vec::new();
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        for slo in &file.slo {
            let slo_spec = slo.get_ref();
            if seen.insert(slo_spec.name.get_ref().clone(), ()).is_some() {
                let span = self.inner(slo_spec.name.span());
                self.error(
                    Problem::DuplicateSlo {
                        service: spec.name.get_ref().clone(),
                        name: slo_spec.name.get_ref().clone(),
                    },
                    span,
                );
            }
            if let Some(slo) = self.slo(slo_spec, settings) {
                slos.push(slo);
            }
        }
        // The labels every plain alerting rule of the service sets.
        let mut rule_labels = labels.clone();
        rule_labels.insert("team".to_owned(), spec.team.get_ref().clone());
        rule_labels.insert(
            crate::names::SERVICE_LABEL.to_owned(),
            spec.name.get_ref().clone(),
        );
        let alerts = file
            .alert
            .iter()
            .filter_map(|alert| self.plain_alert(alert.get_ref(), &rule_labels, settings))
            .collect();
        Service {
            name: spec.name.get_ref().clone(),
            team: spec.team.get_ref().clone(),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            labels,
            source: source.name.clone(),
            slos,
            alerts,
        }
    }

    fn slo(&mut self, spec: &spec::SloSpec, settings: &Settings) -> Option<Slo> {
        self.name("SLO", &spec.name);
        let objective = *spec.objective.get_ref();
        let in_range = objective.is_finite() && objective > 0.0 && objective < 100.0;
        let objective_ok = in_range
            && crate::number::budget_of_percent(objective) >= crate::number::SMALLEST_BUDGET;
        if !in_range {
            self.error(
                Problem::ObjectiveOutOfRange { objective },
                spec.objective.span(),
            );
        } else if !objective_ok {
            self.error(
                Problem::ObjectiveTooClose { objective },
                spec.objective.span(),
            );
        }
        let period = match &spec.period {
            Some(text) => self.duration(text, true),
            None => Some(settings.default_period),
        };
        let labels = self.labels(&spec.labels, false);
        let sli = self.sli(&spec.sli);
        let alerting = self.alerting(spec, settings);
        let runbook = runbook_notes(spec.runbook.as_ref());
        let (period, sli, alerting) = (period?, sli?, alerting?);
        if !objective_ok {
            return None;
        }
        let slo = Slo {
            name: spec.name.get_ref().clone(),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            objective,
            period,
            labels,
            sli,
            alerting,
            runbook,
        };
        self.check_windows(spec, &slo);
        Some(slo)
    }

    /// Windows must fit the period, and enabled alerts must be able to fire.
    fn check_windows(&mut self, spec: &spec::SloSpec, slo: &Slo) {
        let place = spec.period.as_ref().map_or_else(
            || self.inner(spec.name.span()),
            |period| self.inner(period.span()),
        );
        // The SLO's own windows are pointed at; the settings' at the period.
        let own_window = |long: Duration| {
            spec.alerting
                .as_ref()
                .and_then(|alerting| alerting.get_ref().window.as_ref())
                .and_then(|windows| {
                    windows.iter().find(|window| {
                        Duration::parse(window.get_ref().long.get_ref()).ok() == Some(long)
                    })
                })
                .map(|window| window.get_ref().long.span())
        };
        let mut reported_period = false;
        for window in slo.alerting.enabled_windows() {
            if window.long >= slo.period && !reported_period {
                reported_period = true;
                let own = own_window(window.long);
                let span = own
                    .clone()
                    .map_or_else(|| place.clone(), |span| self.inner(span));
                self.error(
                    Problem::WindowNotShorter {
                        window: window.long.to_string(),
                        period: slo.period.to_string(),
                        own: own.is_some(),
                    },
                    span,
                );
            }
            let alert = math::burn_alert(window, slo.period, slo.error_budget());
            if alert.can_never_fire() {
                self.error(
                    Problem::BurnRateNeverFires {
                        severity: window.severity.as_str().to_owned(),
                        long: window.long.to_string(),
                        short: window.short.to_string(),
                        burn_rate: crate::number::format(alert.burn_rate),
                        objective: crate::number::format(slo.error_budget()),
                        threshold: crate::number::percent(alert.threshold),
                    },
                    spec.objective.span(),
                );
            }
        }
    }

    fn alerting(&mut self, spec: &spec::SloSpec, settings: &Settings) -> Option<Alerting> {
        let Some(alerting) = &spec.alerting else {
            return Some(Alerting {
                windows: settings.windows.clone(),
                page: true,
                ticket: true,
                no_data: true,
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
            });
        };
        let alerting = alerting.get_ref();
        let windows = match &alerting.window {
            // Windows with errors are left out (and fail the build); the
            // others are still checked against the period.
            Some(windows) => self.windows(windows, settings.evaluation_interval),
            None => settings.windows.clone(),
        };
        Some(Alerting {
            windows,
            page: alerting.page.unwrap_or(true),
            ticket: alerting.ticket.unwrap_or(true),
            no_data: alerting.no_data.unwrap_or(true),
            labels: self.labels(&alerting.labels, true),
            annotations: self.annotations(&alerting.annotations),
        })
    }

    fn sli(&mut self, sli: &Spanned<spec::SliSpec>) -> Option<Sli> {
        let spec = sli.get_ref();
        let mut found = Vec::new();
        for (kind, present) in [
            ("ratio", spec.ratio.is_some()),
            ("latency", spec.latency.is_some()),
            ("threshold", spec.threshold.is_some()),
            ("raw", spec.raw.is_some()),
        ] {
            if present {
                found.push(kind.to_owned());
            }
        }
        if found.len() != 1 {
            self.error(Problem::SliKindCount { found }, sli.span());
            return None;
        }
        if let Some(ratio) = &spec.ratio {
            return self.ratio(ratio);
        }
        if let Some(latency) = &spec.latency {
            return self.latency(latency.get_ref());
        }
        if let Some(threshold) = &spec.threshold {
            return self.threshold(threshold);
        }
        spec.raw.as_ref().and_then(|raw| {
            self.window_query("error_ratio", &raw.get_ref().error_ratio)
                .map(|error_ratio| Sli::Raw { error_ratio })
        })
    }

    fn ratio(&mut self, ratio: &Spanned<spec::RatioSpec>) -> Option<Sli> {
        let spec = ratio.get_ref();
        let (errors, total) = match (&spec.errors, &spec.good, &spec.total) {
            (Some(errors), None, Some(total)) => (("errors", errors), total),
            (None, Some(good), Some(total)) => (("good", good), total),
            _ => {
                self.error(Problem::RatioQueries, ratio.span());
                return None;
            }
        };
        let failures = self.window_query(errors.0, errors.1);
        let total_query = self.window_query("total", total);
        let (failures, total_query) = (failures?, total_query?);
        // Printed canonically, equal queries print the same. Queries whose
        // shapes (regexes aside) differ are not equal, and need no full parse.
        let probe = |query: &WindowQuery, parse: fn(&str) -> Option<String>| {
            parse(&query.at(Duration::from_minutes(5)))
        };
        let parsed = |query: &str| {
            promql::parse_instant_vector(query)
                .ok()
                .map(|expr| expr.to_string())
        };
        if probe(&failures, promql::shape_print) == probe(&total_query, promql::shape_print)
            && probe(&failures, parsed) == probe(&total_query, parsed)
        {
            let span = self.inner(errors.1.span());
            let problem = if errors.0 == "errors" {
                Problem::ErrorsEqualTotal
            } else {
                Problem::GoodEqualTotal
            };
            self.error(problem, span);
            return None;
        }
        let side = |query: &WindowQuery| promql::ratio_side(&query.at(Duration::from_minutes(5)));
        let (left, right) = (side(&failures), side(&total_query));
        // `increase()` over `rate()` is off by the window's seconds.
        if let (Some(errors_counting), Some(total_counting)) = (left.counting, right.counting)
            && errors_counting != total_counting
        {
            let span = self.inner(errors.1.span());
            let name = |counting| match counting {
                Counting::Increase => "increase()",
                Counting::Rate => "rate()",
            };
            self.error(
                Problem::RatioCounting {
                    field: errors.0,
                    errors: name(errors_counting),
                    total: name(total_counting),
                },
                span,
            );
            return None;
        }
        // `errors / total` matches series by their labels: queries grouped
        // differently never match, and the ratio would read 0 (or 1).
        // Grouped in different forms, only the data can tell: a warning.
        match left.grouping.pairing(&right.grouping) {
            promql::Pairing::Alike => {}
            pairing => {
                let span = self.inner(errors.1.span());
                let (field, errors, total) = (errors.0, left.grouping, right.grouping);
                if pairing == promql::Pairing::Never {
                    self.error(
                        Problem::RatioGrouping {
                            field,
                            errors,
                            total,
                        },
                        span,
                    );
                    return None;
                }
                self.error(
                    Problem::RatioGroupingForms {
                        field,
                        errors,
                        total,
                    },
                    span,
                );
            }
        }
        let errors = if errors.0 == "errors" {
            RatioErrors::Errors(failures)
        } else {
            RatioErrors::Good(failures)
        };
        Some(Sli::Ratio {
            errors,
            total: total_query,
        })
    }

    /// A query with `{{window}}` that parses as an instant vector for any window.
    fn window_query(
        &mut self,
        field: &'static str,
        query: &Spanned<String>,
    ) -> Option<WindowQuery> {
        let span = self.inner(query.span());
        let text = query.get_ref();
        if !promql::has_window_placeholder(text) {
            match promql::foreign_placeholder(text) {
                Some(found) => self.error(Problem::WindowPlaceholderStyle { found }, span),
                None => self.error(Problem::WindowPlaceholderMissing { field }, span),
            }
            return None;
        }
        self.query(field, &promql::fill_window(text, "5m"), query)?;
        Some(WindowQuery(promql::strip_comments(text)))
    }

    /// Checks `checked`, which is the query as written (`query`) or that
    /// with `{{window}}` filled in.
    fn query(&mut self, field: &str, checked: &str, query: &Spanned<String>) -> Option<()> {
        let span = self.inner(query.span());
        match promql::check_instant_vector(checked) {
            Ok(()) => Some(()),
            Err(QueryError::Regex(error)) => {
                // Located in the query as written: a filled `{{window}}`
                // before the regex moved it.
                let at = if checked == query.get_ref() {
                    Some(error.at.clone())
                } else {
                    promql::regex_error(query.get_ref())
                        .filter(|written| written.regex == error.regex)
                        .map(|written| written.at)
                };
                self.regex_error(field, error, at, query);
                None
            }
            Err(QueryError::Parse(error)) => {
                // Placed in the query as written: `{{window}}` is balanced
                // and no operator, so the place is the same.
                let span = promql::parse_error_place(query.get_ref())
                    .and_then(|at| spec::value_span(&self.text, &query.span(), query.get_ref(), at))
                    .unwrap_or(span);
                self.error(
                    Problem::InvalidPromql {
                        field: field.to_owned(),
                        error,
                    },
                    span,
                );
                None
            }
            Err(QueryError::NotVector(found)) => {
                self.error(
                    Problem::NotInstantVector {
                        field: field.to_owned(),
                        found,
                    },
                    span,
                );
                None
            }
        }
    }

    /// Reports a regex Prometheus rejects or reads otherwise, at `at` in
    /// the text of `query` (its whole value when unknown, or when TOML
    /// escapes hide the place).
    fn regex_error(
        &mut self,
        field: &str,
        error: promql::RegexError,
        at: Option<Range<usize>>,
        query: &Spanned<String>,
    ) {
        let span = at
            .and_then(|at| spec::value_span(&self.text, &query.span(), query.get_ref(), at))
            .unwrap_or_else(|| self.inner(query.span()));
        self.error(
            Problem::RegexNotRe2 {
                field: field.to_owned(),
                regex: error.regex,
                message: error.message,
                help: error.help,
            },
            span,
        );
    }

    fn latency(&mut self, spec: &spec::LatencySpec) -> Option<Sli> {
        let histogram = spec.histogram.get_ref();
        let span = self.inner(spec.histogram.span());
        let mut ok = true;
        if ["_bucket", "_count", "_sum"]
            .iter()
            .any(|suffix| histogram.ends_with(suffix))
        {
            self.error(
                Problem::HistogramSuffix {
                    name: histogram.clone(),
                },
                span,
            );
            ok = false;
        } else if !promql::is_metric_name(histogram) {
            self.error(
                Problem::InvalidMetricName {
                    name: histogram.clone(),
                },
                span,
            );
            ok = false;
        }
        let bound = match spec.threshold.get_ref() {
            spec::ThresholdValue::Text(text) => Duration::parse(text)
                .ok()
                .filter(|duration| duration.millis() > 0)
                .map(Duration::seconds)
                .ok_or_else(|| text.clone()),
            spec::ThresholdValue::Number(number) if number.is_finite() && *number > 0.0 => {
                Ok(*number)
            }
            spec::ThresholdValue::Number(number) => Err(number.to_string()),
        };
        let bound = match bound {
            Ok(bound) => Some(bound),
            Err(text) => {
                let span = self.inner(spec.threshold.span());
                self.error(Problem::InvalidThreshold { text }, span);
                None
            }
        };
        let matchers = match &spec.selector {
            Some(selector) => self.selector(selector),
            None => Some(String::new()),
        };
        let group_by = self.group_by(&spec.group_by);
        if !ok {
            return None;
        }
        Some(Sli::Latency {
            histogram: histogram.clone(),
            bound: bound?,
            matchers: matchers?,
            group_by: group_by?,
        })
    }

    fn selector(&mut self, selector: &Spanned<String>) -> Option<String> {
        let span = self.inner(selector.span());
        let text = selector.get_ref().trim();
        let inner = text
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .map(str::trim);
        let Some(inner) = inner else {
            self.error(
                Problem::InvalidSelector {
                    error: "it must be enclosed in `{` and `}`".to_owned(),
                },
                span,
            );
            return None;
        };
        if inner.is_empty() {
            return Some(String::new());
        }
        match promql::parse(&format!("slogen_probe{{{inner}}}")) {
            Ok(promql_parser::parser::Expr::VectorSelector(vector)) => {
                if vector
                    .matchers
                    .matchers
                    .iter()
                    .any(|matcher| matcher.name == "le" || matcher.name == "__name__")
                {
                    self.error(
                        Problem::InvalidSelector {
                            error: "slogen sets `le` and the metric name itself".to_owned(),
                        },
                        span,
                    );
                    return None;
                }
                if let Some(error) = promql::regex_error(selector.get_ref()) {
                    let at = error.at.clone();
                    self.regex_error("selector", error, Some(at), selector);
                    return None;
                }
                Some(inner.trim_end_matches(',').to_owned())
            }
            Ok(_) => {
                self.error(
                    Problem::InvalidSelector {
                        error: "expected label matchers only".to_owned(),
                    },
                    span,
                );
                None
            }
            Err(error) => {
                let error = if error.contains("metric name must not be set twice") {
                    "slogen sets the metric name itself (from `histogram`)".to_owned()
                } else {
                    error
                };
                self.error(Problem::InvalidSelector { error }, span);
                None
            }
        }
    }

    /// A latency SLI's `group_by`: label names, not `le`, which slogen picks.
    fn group_by(&mut self, labels: &[Spanned<String>]) -> Option<Vec<String>> {
        let mut ok = true;
        for label in labels {
            let span = self.inner(label.span());
            if !promql::is_label_name(label.get_ref()) {
                self.error(
                    Problem::InvalidLabelName {
                        name: label.get_ref().clone(),
                    },
                    span,
                );
                ok = false;
            } else if is_reserved(label.get_ref()) {
                self.error(
                    Problem::ReservedLabel {
                        name: label.get_ref().clone(),
                    },
                    span,
                );
                ok = false;
            } else if label.get_ref() == "le" {
                self.error(Problem::GroupByLe, span);
                ok = false;
            }
        }
        ok.then(|| labels.iter().map(|label| label.get_ref().clone()).collect())
    }

    fn threshold(&mut self, threshold: &Spanned<spec::ThresholdSpec>) -> Option<Sli> {
        let spec = threshold.get_ref();
        let query = self.query("query", spec.query.get_ref(), &spec.query);
        let bound = match (&spec.max, &spec.min) {
            (Some(max), None) => self.finite("max", max).map(Bound::Max),
            (None, Some(min)) => self.finite("min", min).map(Bound::Min),
            _ => {
                self.error(Problem::ThresholdBound, threshold.span());
                None
            }
        };
        query?;
        Some(Sli::Threshold {
            query: promql::strip_comments(spec.query.get_ref()),
            bound: bound?,
        })
    }

    /// A threshold SLI's bound: `nan` or `inf` would compare false forever.
    fn finite(&mut self, key: &'static str, bound: &Spanned<f64>) -> Option<f64> {
        let value = *bound.get_ref();
        if value.is_finite() {
            return Some(value);
        }
        self.error(
            Problem::BoundNotFinite {
                key,
                value: if value.is_nan() {
                    "nan"
                } else if value > 0.0 {
                    "inf"
                } else {
                    "-inf"
                }
                .to_owned(),
            },
            bound.span(),
        );
        None
    }

    /// A plain alert; `rule_labels` are the labels the service gives each
    /// of its alerting rules.
    fn plain_alert(
        &mut self,
        spec: &spec::AlertSpec,
        rule_labels: &BTreeMap<String, String>,
        settings: &Settings,
    ) -> Option<PlainAlert> {
        let name = spec.name.get_ref();
        if name.len() > MAX_NAME_LENGTH {
            let span = self.inner(spec.name.span());
            let max = MAX_NAME_LENGTH;
            self.error(Problem::NameTooLong { what: "alert", max }, span);
        } else if !is_alert_name(name) {
            let span = self.inner(spec.name.span());
            self.error(Problem::InvalidAlertName { name: name.clone() }, span);
        }
        let expr = self.query("expr", spec.expr.get_ref(), &spec.expr);
        let for_duration = match &spec.for_duration {
            Some(text) => Some(self.duration(text, false)?),
            None => None,
        };
        let severity = self.severity(&spec.severity);
        let labels = self.labels(&spec.labels, true);
        let annotations = self.annotations(&spec.annotations);
        self.template("summary", spec.summary.as_ref());
        self.template("description", spec.description.as_ref());
        // What a test may expect of the alert's own labels.
        let mut own = rule_labels.clone();
        own.extend(labels.clone());
        if let Some(severity) = severity {
            own.insert(
                "severity".to_owned(),
                settings.severity_label(severity).to_owned(),
            );
        }
        own.insert("alertname".to_owned(), name.clone());
        let tests = spec
            .test
            .iter()
            .map(|test| self.alert_test(test, &own))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Option<Vec<_>>>();
        expr?;
        Some(PlainAlert {
            name: name.clone(),
            expr: spec.expr.get_ref().trim().to_owned(),
            for_duration,
            severity: severity?,
            summary: spec.summary.as_ref().map(|text| text.get_ref().clone()),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            labels,
            annotations,
            runbook: runbook_notes(spec.runbook.as_ref()),
            tests: tests?,
        })
    }

    /// A table's header and body: up to the next line opening a table.
    fn table_region(&self, header: &Range<usize>) -> Range<usize> {
        let rest = self.text.get(header.end..).unwrap_or_default();
        let end = rest
            .match_indices('\n')
            .map(|(offset, _)| offset + 1)
            .find(|offset| rest[*offset..].trim_start().starts_with('['))
            .map_or(self.text.len(), |offset| header.end + offset);
        header.start..end
    }

    /// A promtool case of a plain alert: series promtool can load, and
    /// expected labels that agree with the alert's own (`own`; a label whose
    /// value Prometheus expands from a template may be expected expanded).
    fn alert_test(
        &mut self,
        spanned: &Spanned<spec::AlertTestSpec>,
        own: &BTreeMap<String, String>,
    ) -> Option<AlertTest> {
        let test = spanned.get_ref();
        let region = self.table_region(&spanned.span());
        let mut ok = true;
        for (series, values) in &test.series {
            if let Err(error) = promql::parse_series(series) {
                let span = self.key_span(&region, series);
                self.error(
                    Problem::InvalidTestSeries {
                        series: series.clone(),
                        error,
                    },
                    span,
                );
                ok = false;
            }
            if let Err(error) = crate::notation::check(values) {
                let span = self.value_span(&region, series, values);
                self.error(
                    Problem::InvalidTestValues {
                        values: values.clone(),
                        error,
                    },
                    span,
                );
                ok = false;
            }
        }
        let at = self.duration(&test.at, false);
        for (label, value) in &test.labels {
            if !promql::is_label_name(label) {
                let span = self.key_span(&region, label);
                self.error(
                    Problem::InvalidLabelName {
                        name: label.clone(),
                    },
                    span,
                );
                ok = false;
            } else if let Some(set) = own.get(label)
                && set != value
                && !set.contains("{{")
            {
                let span = self.value_span(&region, label, value);
                self.error(
                    Problem::TestLabelConflict {
                        name: label.clone(),
                        expected: value.clone(),
                        set: set.clone(),
                    },
                    span,
                );
                ok = false;
            }
        }
        let at = at?;
        ok.then(|| AlertTest {
            series: test.series.clone(),
            at,
            firing: test.firing,
            labels: test.labels.clone(),
        })
    }

    /// Alert names are unique across the project, generated ones included,
    /// and so are rule group names: an SLO's recording group must not take
    /// the name of a service's alert group (`slogen-x-alerts`).
    fn unique_alert_names(&mut self, analyzed: &[(&&SourceFile, &&spec::ServiceFile, Service)]) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let alert_groups: BTreeMap<String, &str> = analyzed
            .iter()
            .map(|(_, _, service)| {
                (
                    crate::names::alert_group_name(&service.name),
                    service.name.as_str(),
                )
            })
            .collect();
        for (source, file, service) in analyzed {
            self.path = source.path.clone();
            self.text = source.text.clone();
            for slo in &file.slo {
                let slo = slo.get_ref();
                let group = crate::names::recording_group_name(&service.name, slo.name.get_ref());
                if let Some(owner) = alert_groups.get(&group) {
                    let span = self.inner(slo.name.span());
                    self.error(
                        Problem::GroupNameTaken {
                            group,
                            service: (*owner).to_owned(),
                        },
                        span,
                    );
                }
                let owner = format!("SLO `{}/{}`", service.name, slo.name.get_ref());
                for name in [
                    burn_alert_name(&service.name, slo.name.get_ref()),
                    no_data_alert_name(&service.name, slo.name.get_ref()),
                ] {
                    if let Some(other) = seen.get(&name).filter(|other| **other != owner) {
                        let span = self.inner(slo.name.span());
                        self.error(
                            Problem::DuplicateAlert {
                                name: name.clone(),
                                other: other.clone(),
                            },
                            span,
                        );
                    }
                    seen.insert(name, owner.clone());
                }
            }
            for alert in &file.alert {
                let alert = alert.get_ref();
                let name = alert.name.get_ref();
                if let Some(other) = seen.get(name) {
                    let span = self.inner(alert.name.span());
                    self.error(
                        Problem::DuplicateAlert {
                            name: name.clone(),
                            other: other.clone(),
                        },
                        span,
                    );
                }
                seen.insert(name.clone(), format!("an alert in `{}`", source.name));
            }
        }
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
