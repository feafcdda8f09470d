//! Planning: the validated model becomes view models for the templates.
//!
//! In: an [`ir::Project`]. Out: [`RuleFileView`]s (recording and alert rules)
//! whose expressions, labels and annotations are final text; templates only
//! lay them out. All PromQL slogen writes is composed here.
//!
//! Recording rules per SLO (group `slogen-<service>-<slo>`):
//! - event SLIs (ratio, latency) record error and total rates over the base
//!   window (the shortest short window). Windows under one day are error
//!   ratios straight from the raw series (exact detection timing); windows
//!   of a day or more, the period included, are `sum_over_time` of the base
//!   rates: traffic-weighted (sum of errors over sum of totals) and cheap,
//!   reading one recorded series per group instead of raw samples.
//! - threshold SLIs record a 0/1 breach series; every window is its average
//!   (the share of time out of bounds).
//! - raw SLIs query each short window; long ones average the base ratio
//!   (a raw ratio has no event counts to weight by).
//! - metadata: objective, error budget, period, current and period burn
//!   rate, remaining budget.
//!
//! Labels slogen adds to series all start with `slogen_`, so they cannot
//! collide with the user's metric labels (the analyzer forbids that prefix).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::duration::{Duration, humanize_seconds};
use crate::ir::{Bound, PlainAlert, Project, RatioErrors, Service, Settings, Severity, Sli, Slo};
use crate::math::{self, BurnAlert, Measure, Measures};
use crate::names::{
    self, LONG_WINDOW_LABEL, SERVICE_LABEL, SHORT_WINDOW_LABEL, SLO_LABEL, SLOTH_ID_LABEL,
    SLOTH_INFO_METRIC, SLOTH_SERVICE_LABEL, SLOTH_SLO_LABEL, SLOTH_WINDOW_LABEL, alert_group_name,
    ratio_metric, recording_group_name, slo_selector,
};
use crate::number::{format, percent};
use crate::promql::{escape_template_text, operand, quote};

/// Windows at least this long read recorded base series, not raw ones.
const RECORDED_WINDOW: Duration = Duration::from_minutes(24 * 60);

/// A rule file: `recording-rules.yml` or `alert-rules.yml`.
#[derive(Clone, Debug, Serialize)]
pub struct RuleFileView {
    /// Source file names, for the header.
    pub sources: Vec<String>,
    /// Rule groups in output order.
    pub groups: Vec<GroupView>,
}

/// Where an alert's runbook is, from the runbook's path in the output
/// directory (`runbooks/...`); `None`: no link.
pub type RunbookUrl = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// One rule group.
#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    /// Unique group name.
    pub name: String,
    /// Rules in evaluation order.
    pub rules: Vec<RuleView>,
}

/// One recording or alerting rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleView {
    /// Recorded metric name (recording rules).
    pub record: Option<String>,
    /// Alert name (alerting rules).
    pub alert: Option<String>,
    /// PromQL, possibly several lines.
    pub expr: String,
    /// `for`, canonical duration.
    #[serde(rename = "for")]
    pub for_duration: Option<String>,
    /// Labels, sorted.
    pub labels: BTreeMap<String, String>,
    /// Annotations, sorted.
    pub annotations: BTreeMap<String, String>,
    /// A comment line for reviewers.
    pub comment: Option<String>,
    /// Burn-rate facts, for template authors (burn-rate alerts only).
    pub burn: Option<BurnView>,
}

/// The numbers behind a burn-rate alert.
#[derive(Clone, Debug, Serialize)]
pub struct BurnView {
    /// `page` or `ticket`.
    pub severity: Severity,
    /// Severity label value.
    pub severity_label: String,
    /// Long window.
    pub long_window: String,
    /// Short window.
    pub short_window: String,
    /// Burn rate, for prose (`14.4`).
    pub burn_rate: String,
    /// Error-ratio threshold, exact, as in the alert expression (`0.0144`).
    pub threshold: String,
    /// The threshold as a percentage (`1.44%`).
    pub threshold_percent: String,
    /// Share of the period's budget spent when it fires, as a percentage.
    pub budget_spent: String,
    /// Time to exhaustion at this burn rate, humanized.
    pub exhaustion: String,
    /// Time from the start of a total outage until it fires (Workbook), humanized.
    pub detection_full_outage: String,
}

/// The facts of one burn-rate alert, formatted once for every template.
pub fn burn_view(settings: &Settings, slo: &Slo, alert: &BurnAlert) -> BurnView {
    BurnView {
        severity: alert.severity,
        severity_label: settings.severity_label(alert.severity).to_owned(),
        long_window: alert.long.to_string(),
        short_window: alert.short.to_string(),
        burn_rate: crate::number::human(alert.burn_rate),
        threshold: format(alert.threshold),
        threshold_percent: percent(alert.threshold),
        budget_spent: percent(alert.budget_share),
        exhaustion: humanize_seconds(alert.exhaustion_seconds(slo.period)),
        detection_full_outage: humanize_seconds(alert.detection_seconds(1.0)),
    }
}

/// The resolved burn alerts of an SLO, enabled ones only, in output order.
pub fn burn_alerts(slo: &Slo) -> Vec<BurnAlert> {
    slo.alerting
        .enabled_windows()
        .map(|window| math::burn_alert(window, slo.period, slo.error_budget()))
        .collect()
}

/// The base window: the shortest short window of the SLO (5m by default).
pub fn base_window(slo: &Slo) -> Duration {
    slo.alerting
        .windows
        .iter()
        .map(|window| window.short)
        .min()
        .unwrap_or(Duration::from_minutes(5))
}

/// Every window the SLO records: alert windows, base window, period.
pub fn recorded_windows(slo: &Slo) -> Vec<Duration> {
    let mut windows: BTreeSet<Duration> = BTreeSet::new();
    windows.insert(base_window(slo));
    for window in slo.alerting.enabled_windows() {
        windows.insert(window.long);
        windows.insert(window.short);
    }
    windows.insert(slo.period);
    windows.into_iter().collect()
}

/// How Prometheus measures one of the SLO's recorded windows, following the
/// composition of [`recording_rules`]: event and raw SLIs read their base
/// window and windows under a day from raw series; longer windows average
/// recorded base-window samples; threshold SLIs average 0/1 samples.
pub fn window_measure(slo: &Slo, window: Duration) -> Measure {
    measure(
        matches!(slo.sli, Sli::Threshold { .. }),
        base_window(slo),
        window,
    )
}

/// [`window_measure`] from what it depends on: whether the SLI records
/// states (threshold SLIs) and its base window.
pub fn measure(states: bool, base: Duration, window: Duration) -> Measure {
    if states {
        Measure::States
    } else if window >= RECORDED_WINDOW && window != base {
        Measure::Recorded { base }
    } else {
        Measure::Events
    }
}

/// True when the window's ratio rule evaluates the SLI's own query (windows
/// under a day, and the base window of raw SLIs), false when it composes
/// other recorded series (base-window ratios, long windows, threshold SLIs).
pub fn queries_window(slo: &Slo, window: Duration) -> bool {
    let base = base_window(slo);
    match slo.sli {
        Sli::Threshold { .. } => false,
        Sli::Raw { .. } => window < RECORDED_WINDOW || window == base,
        Sli::Ratio { .. } | Sli::Latency { .. } => window < RECORDED_WINDOW && window != base,
    }
}

/// How Prometheus measures the two windows of a burn alert.
pub fn alert_measures(slo: &Slo, alert: &BurnAlert) -> Measures {
    Measures {
        long: window_measure(slo, alert.long),
        short: window_measure(slo, alert.short),
    }
}

/// Every rule group's name, recording groups first, as [`recording_rules`]
/// and [`alert_rules`] name them, without planning their rules.
pub fn group_names(project: &Project) -> Vec<String> {
    let alerting = project
        .services
        .iter()
        .filter(|service| has_alert_rules(service))
        .map(|service| alert_group_name(&service.name));
    project
        .slos()
        .map(|(service, slo)| recording_group_name(&service.name, &slo.name))
        .chain(alerting)
        .collect()
}

/// Plans the recording-rules file at once: the values
/// [`recording_rules_context`] gives the template group by group (tests
/// hold the two to the same values).
pub fn recording_rules(project: &Project) -> RuleFileView {
    RuleFileView {
        sources: project.source_names(),
        groups: project
            .slos()
            .map(|(service, slo)| recording_group(&project.settings, service, slo))
            .collect(),
    }
}

/// The recording-rules file as a template context with the values of
/// [`recording_rules`], each group planned as the template reaches it.
pub fn recording_rules_context(project: Arc<Project>) -> minijinja::Value {
    let slos: Vec<(usize, usize)> = project
        .services
        .iter()
        .enumerate()
        .flat_map(|(at, service)| (0..service.slos.len()).map(move |slo| (at, slo)))
        .collect();
    minijinja::context! {
        sources => project.source_names(),
        groups => crate::render::Lazy::planned(slos.len(), move |index| {
            let (service, slo) = slos[index];
            let service = &project.services[service];
            recording_group(&project.settings, service, &service.slos[slo])
        }),
    }
}

fn recording_group(settings: &Settings, service: &Service, slo: &Slo) -> GroupView {
    GroupView {
        name: recording_group_name(&service.name, &slo.name),
        rules: slo_recording_rules(settings, service, slo),
    }
}

/// Labels every recording rule of an SLO carries; in the Sloth-compatible
/// mode, Sloth's too (the error ratios also carry `sloth_window`).
pub fn series_labels(
    settings: &Settings,
    service: &Service,
    slo: &Slo,
) -> BTreeMap<String, String> {
    let mut labels = service.labels.clone();
    labels.extend(slo.labels.clone());
    labels.insert(SERVICE_LABEL.to_owned(), service.name.clone());
    labels.insert(SLO_LABEL.to_owned(), slo.name.clone());
    if settings.sloth_compatible {
        labels.insert(
            SLOTH_ID_LABEL.to_owned(),
            format!("{}-{}", service.name, slo.name),
        );
        labels.insert(SLOTH_SERVICE_LABEL.to_owned(), service.name.clone());
        labels.insert(SLOTH_SLO_LABEL.to_owned(), slo.name.clone());
    }
    labels
}

/// The `sloth_window` a recorded series of the SLO carries in the
/// Sloth-compatible mode: its window for an error ratio, the base window
/// for the current burn rate, the period for the period's burn rate and
/// remaining budget (as Sloth's series carry it, from the ratio they
/// divide).
pub fn sloth_window(settings: &Settings, slo: &Slo, metric: &str) -> Option<Duration> {
    if !settings.sloth_compatible {
        return None;
    }
    match metric {
        "slo:current_burn_rate:ratio" => Some(base_window(slo)),
        "slo:period_burn_rate:ratio" | "slo:period_error_budget_remaining:ratio" => {
            Some(slo.period)
        }
        _ => recorded_windows(slo)
            .into_iter()
            .find(|window| ratio_metric(*window) == metric),
    }
}

/// The labels of the error-ratio series of a window.
pub fn ratio_labels(
    settings: &Settings,
    service: &Service,
    slo: &Slo,
    window: Duration,
) -> BTreeMap<String, String> {
    let mut labels = series_labels(settings, service, slo);
    if settings.sloth_compatible {
        labels.insert(SLOTH_WINDOW_LABEL.to_owned(), window.to_string());
    }
    labels
}

fn record(
    name: String,
    expr: String,
    labels: &BTreeMap<String, String>,
    comment: Option<String>,
) -> RuleView {
    RuleView {
        record: Some(name),
        alert: None,
        expr,
        for_duration: None,
        labels: labels.clone(),
        annotations: BTreeMap::new(),
        comment,
        burn: None,
    }
}

/// `numerator / denominator`, one operand per line.
fn ratio(numerator: &str, denominator: &str) -> String {
    format!("{}\n/\n{}", operand(numerator), operand(denominator))
}

fn slo_recording_rules(settings: &Settings, service: &Service, slo: &Slo) -> Vec<RuleView> {
    let labels = series_labels(settings, service, slo);
    let selector = slo_selector(&service.name, &slo.name);
    let base = base_window(slo);
    let budget = slo.error_budget();
    let mut rules = Vec::new();
    let events = event_queries(&slo.sli);
    let errors_base = format!("slo:sli_errors:rate{base}");
    let total_base = format!("slo:sli_total:rate{base}");
    let breach = "slo:sli_breach:bool".to_owned();
    match (&events, &slo.sli) {
        (Some(events), _) => {
            rules.push(record(
                errors_base.clone(),
                (events.errors)(base),
                &labels,
                Some(format!(
                    "Failed events per second over {base}; long windows sum these."
                )),
            ));
            rules.push(record(
                total_base.clone(),
                (events.total)(base),
                &labels,
                None,
            ));
        }
        (None, Sli::Threshold { query, bound }) => {
            let (operator, value) = match bound {
                Bound::Max(max) => (">", max),
                Bound::Min(min) => ("<", min),
            };
            rules.push(record(
                breach.clone(),
                format!("{} {operator} bool {}", operand(query), format(*value)),
                &labels,
                Some(
                    "1 while the value is out of bounds, else 0; each window averages it."
                        .to_owned(),
                ),
            ));
        }
        _ => {}
    }
    for window in recorded_windows(slo) {
        let expr = match (&events, &slo.sli) {
            (Some(_), _) if window == base => ratio(
                &format!("{errors_base}{selector}"),
                &format!("{total_base}{selector}"),
            ),
            (Some(_), _) if window >= RECORDED_WINDOW => ratio(
                &format!("sum_over_time({errors_base}{selector}[{window}])"),
                &format!("sum_over_time({total_base}{selector}[{window}])"),
            ),
            (Some(events), _) => ratio(&(events.errors)(window), &(events.total)(window)),
            (None, Sli::Threshold { .. }) => format!("avg_over_time({breach}{selector}[{window}])"),
            (None, Sli::Raw { .. }) if window >= RECORDED_WINDOW && window != base => {
                format!("avg_over_time({}{selector}[{window}])", ratio_metric(base))
            }
            (None, Sli::Raw { error_ratio }) => error_ratio.at(window).trim().to_owned(),
            (None, _) => unreachable!("event SLIs have event queries"),
        };
        let ratio_labels = ratio_labels(settings, service, slo, window);
        rules.push(record(ratio_metric(window), expr, &ratio_labels, None));
    }
    let days = slo.period.seconds() / 86_400.0;
    rules.push(record(
        "slo:objective:ratio".to_owned(),
        format!("vector({})", format(slo.objective / 100.0)),
        &labels,
        Some(format!(
            "Error budget metadata: {}% over {}.",
            format(slo.objective),
            slo.period
        )),
    ));
    rules.push(record(
        "slo:error_budget:ratio".to_owned(),
        format!("vector({})", format(budget)),
        &labels,
        None,
    ));
    rules.push(record(
        "slo:time_period:days".to_owned(),
        format!("vector({})", format(days)),
        &labels,
        None,
    ));
    rules.push(record(
        "slo:current_burn_rate:ratio".to_owned(),
        format!("{}{selector} / {}", ratio_metric(base), format(budget)),
        &ratio_labels(settings, service, slo, base),
        None,
    ));
    rules.push(record(
        "slo:period_burn_rate:ratio".to_owned(),
        format!(
            "{}{selector} / {}",
            ratio_metric(slo.period),
            format(budget)
        ),
        &ratio_labels(settings, service, slo, slo.period),
        None,
    ));
    rules.push(record(
        "slo:period_error_budget_remaining:ratio".to_owned(),
        format!("1 - slo:period_burn_rate:ratio{selector}"),
        &ratio_labels(settings, service, slo, slo.period),
        None,
    ));
    if settings.sloth_compatible {
        rules.push(record(
            SLOTH_INFO_METRIC.to_owned(),
            "vector(1)".to_owned(),
            &sloth_info_labels(&labels, slo),
            Some("For Sloth's dashboards ([compatibility] sloth).".to_owned()),
        ));
    }
    rules
}

/// The labels of `sloth_slo_info`: Sloth's, with `slogen` where Sloth
/// names its own mode, spec and version.
fn sloth_info_labels(labels: &BTreeMap<String, String>, slo: &Slo) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    for (name, value) in [
        ("sloth_mode", "slogen"),
        ("sloth_spec", "slogen"),
        ("sloth_version", "slogen"),
    ] {
        labels.insert(name.to_owned(), value.to_owned());
    }
    labels.insert("sloth_objective".to_owned(), format(slo.objective));
    labels
}

/// Error and total queries of an event SLI, for any window.
struct EventQueries<'a> {
    errors: Box<dyn Fn(Duration) -> String + 'a>,
    total: Box<dyn Fn(Duration) -> String + 'a>,
}

fn event_queries(sli: &Sli) -> Option<EventQueries<'_>> {
    match sli {
        Sli::Ratio { errors, total } => {
            // `or 0 * total`: with no failures at all, many error queries return
            // nothing instead of 0, which would hide the ratio.
            let failures: Box<dyn Fn(Duration) -> String + '_> = match errors {
                RatioErrors::Errors(errors) => Box::new(move |window| {
                    format!(
                        "{}\nor\n0 * {}",
                        operand(&errors.at(window)),
                        operand(&total.at(window))
                    )
                }),
                RatioErrors::Good(good) => Box::new(move |window| {
                    let total = operand(&total.at(window));
                    format!(
                        "{total}\n-\n(\n  {}\n  or\n  0 * {total}\n)",
                        operand(&good.at(window))
                    )
                }),
            };
            Some(EventQueries {
                errors: failures,
                total: Box::new(move |window| total.at(window)),
            })
        }
        Sli::Latency {
            histogram,
            bound,
            matchers,
            group_by,
        } => {
            let aggregate = if group_by.is_empty() {
                "sum".to_owned()
            } else {
                format!("sum by ({})", group_by.join(", "))
            };
            let with = |extra: &str| {
                let joined: Vec<&str> = [matchers.as_str(), extra]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect();
                format!("{{{}}}", joined.join(", "))
            };
            let count_selector = if matchers.is_empty() {
                String::new()
            } else {
                with("")
            };
            let bucket_selector = with(&le_matcher(*bound));
            let aggregate_bucket = aggregate.clone();
            let count = move |window: Duration| {
                format!("{aggregate}(rate({histogram}_count{count_selector}[{window}]))")
            };
            let count_for_errors = count.clone();
            Some(EventQueries {
                errors: Box::new(move |window| {
                    format!(
                        "{}\n-\n{aggregate_bucket}(rate({histogram}_bucket{bucket_selector}[{window}]))",
                        count_for_errors(window)
                    )
                }),
                total: Box::new(count),
            })
        }
        Sli::Threshold { .. } | Sli::Raw { .. } => None,
    }
}

/// The `le` matcher of a bucket bound. Integer bounds are written `1` by
/// some clients and `1.0` by others (and by Prometheus 3), so both match.
fn le_matcher(bound: f64) -> String {
    let text = format(bound);
    if text.contains('.') {
        format!("le={}", quote(&text))
    } else {
        format!("le=~{}", quote(&format!("{text}|{text}\\.0")))
    }
}

/// Plans the alert-rules file at once: the values [`alert_rules_context`]
/// gives the template group by group (tests hold the two to the same
/// values).
pub fn alert_rules(
    project: &Project,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> RuleFileView {
    RuleFileView {
        sources: project.source_names(),
        groups: project
            .services
            .iter()
            .map(|service| alert_group(project, service, runbook_url))
            .filter(|group| !group.rules.is_empty())
            .collect(),
    }
}

/// The alert-rules file as a template context with the values of
/// [`alert_rules`], each group planned as the template reaches it.
pub fn alert_rules_context(project: Arc<Project>, runbook_url: RunbookUrl) -> minijinja::Value {
    let services: Vec<usize> = (0..project.services.len())
        .filter(|at| has_alert_rules(&project.services[*at]))
        .collect();
    minijinja::context! {
        sources => project.source_names(),
        groups => crate::render::Lazy::planned(services.len(), move |index| {
            alert_group(&project, &project.services[services[index]], &*runbook_url)
        }),
    }
}

/// True when a service has an alert group: plain alerts, or an SLO with a
/// burn-rate or no-data alert.
fn has_alert_rules(service: &Service) -> bool {
    !service.alerts.is_empty()
        || service
            .slos
            .iter()
            .any(|slo| slo.alerting.no_data || !burn_alerts(slo).is_empty())
}

fn alert_group(
    project: &Project,
    service: &Service,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> GroupView {
    let mut rules = Vec::new();
    for slo in &service.slos {
        rules.extend(slo_alert_rules(project, service, slo, runbook_url));
    }
    for alert in &service.alerts {
        rules.push(plain_alert_rule(project, service, alert, runbook_url));
    }
    GroupView {
        name: alert_group_name(&service.name),
        rules,
    }
}

/// What the SLO counts, for alert wording.
fn measured(slo: &Slo) -> &'static str {
    match slo.sli {
        Sli::Threshold { .. } => "of the time",
        _ => "of events",
    }
}

fn slo_alert_rules(
    project: &Project,
    service: &Service,
    slo: &Slo,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> Vec<RuleView> {
    let settings = &project.settings;
    let selector = slo_selector(&service.name, &slo.name);
    let burn_name = slo.alerting.burn_name.clone();
    let id = format!("{}/{}", service.name, slo.name);
    let described = slo
        .description
        .as_ref()
        .map(|text| format!("{} ", escape_template_text(text.trim())))
        .unwrap_or_default();
    let mut rules = Vec::new();
    for alert in burn_alerts(slo) {
        let labels = burn_alert_labels(project, service, slo, &alert);
        let burn = burn_view(settings, slo, &alert);
        let (threshold, burn_rate, exhaustion) =
            (&burn.threshold, &burn.burn_rate, &burn.exhaustion);
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_owned(),
            format!(
                "{id} is burning its error budget {burn_rate}x too fast ({} and {} windows)",
                alert.long, alert.short
            ),
        );
        annotations.insert(
            "description".to_owned(),
            format!(
                "{described}The objective is {}% {} good over {}. The error ratio over the last {} is {{{{ $value | humanizePercentage }}}}, and over the last {} also above {}: a {burn_rate}x burn rate, which spends the whole {} error budget in {exhaustion}.",
                format(slo.objective),
                measured(slo),
                slo.period,
                alert.long,
                alert.short,
                percent(alert.threshold),
                slo.period,
            ),
        );
        if let Some(url) = runbook_url(&crate::names::slo_path(&service.name, &slo.name)) {
            annotations.insert("runbook_url".to_owned(), url);
        }
        annotations.extend(slo.alerting.annotations.clone());
        annotations.extend(slo.alerting.extras(alert.severity).annotations.clone());
        rules.push(RuleView {
            record: None,
            alert: Some(burn_name.clone()),
            expr: if settings.sloth_compatible {
                // Each window's series carries its own `sloth_window`.
                format!(
                    "max without ({SLOTH_WINDOW_LABEL}) ({}{selector} > {threshold})\nand\nmax without ({SLOTH_WINDOW_LABEL}) ({}{selector} > {threshold})",
                    ratio_metric(alert.long),
                    ratio_metric(alert.short)
                )
            } else {
                format!(
                    "{}{selector} > {threshold}\nand\n{}{selector} > {threshold}",
                    ratio_metric(alert.long),
                    ratio_metric(alert.short)
                )
            },
            for_duration: None,
            labels,
            annotations,
            comment: Some(format!(
                "{}: {} of the {} budget in {} ({burn_rate}x burn rate, error ratio above {threshold})",
                alert.severity.as_str(),
                percent(alert.budget_share),
                slo.period,
                alert.long
            )),
            burn: Some(burn.clone()),
        });
    }
    if slo.alerting.no_data {
        let name = slo.alerting.no_data_name.clone();
        let metric = ratio_metric(base_window(slo));
        let mut labels = slo_alert_labels(service, slo);
        labels.extend(slo.alerting.ticket_extras.labels.clone());
        labels.insert("severity".to_owned(), settings.ticket_label.clone());
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), format!("{id} has no SLI data"));
        annotations.insert(
            "description".to_owned(),
            format!(
                "{metric} has had no series for {id} for {}: the SLI's metrics are missing or its queries match nothing, so this SLO's burn-rate alerts cannot fire.",
                settings.no_data_for
            ),
        );
        if let Some(url) = runbook_url(&crate::names::slo_path(&service.name, &slo.name)) {
            annotations.insert("runbook_url".to_owned(), url);
        }
        rules.push(RuleView {
            record: None,
            alert: Some(name),
            expr: format!("absent({metric}{selector})"),
            for_duration: (settings.no_data_for.millis() > 0)
                .then(|| settings.no_data_for.to_string()),
            labels,
            annotations,
            comment: Some("ticket: the SLI has no data".to_owned()),
            burn: None,
        });
    }
    rules
}

/// Labels of all alerts of an SLO, before severity and windows.
fn slo_alert_labels(service: &Service, slo: &Slo) -> BTreeMap<String, String> {
    let mut labels = slo.alerting.labels.clone();
    labels.insert("team".to_owned(), service.team.clone());
    labels.insert(SERVICE_LABEL.to_owned(), service.name.clone());
    labels.insert(SLO_LABEL.to_owned(), slo.name.clone());
    labels
}

/// The labels a burn-rate alerting rule sets (its series' labels come on top).
pub fn burn_alert_labels(
    project: &Project,
    service: &Service,
    slo: &Slo,
    alert: &BurnAlert,
) -> BTreeMap<String, String> {
    let mut labels = slo_alert_labels(service, slo);
    labels.extend(slo.alerting.extras(alert.severity).labels.clone());
    labels.insert(
        "severity".to_owned(),
        project.settings.severity_label(alert.severity).to_owned(),
    );
    if project.settings.sloth_compatible {
        labels.insert(
            names::SLOTH_SEVERITY_LABEL.to_owned(),
            alert.severity.as_str().to_owned(),
        );
    }
    labels.insert(LONG_WINDOW_LABEL.to_owned(), alert.long.to_string());
    labels.insert(SHORT_WINDOW_LABEL.to_owned(), alert.short.to_string());
    labels
}

/// The labels a plain alerting rule sets (its series' labels come on top).
pub fn plain_alert_labels(
    project: &Project,
    service: &Service,
    alert: &PlainAlert,
) -> BTreeMap<String, String> {
    let mut labels = service.labels.clone();
    labels.extend(alert.labels.clone());
    labels.insert("team".to_owned(), service.team.clone());
    labels.insert(SERVICE_LABEL.to_owned(), service.name.clone());
    labels.insert(
        "severity".to_owned(),
        project.settings.severity_label(alert.severity).to_owned(),
    );
    labels
}

fn plain_alert_rule(
    project: &Project,
    service: &Service,
    alert: &PlainAlert,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> RuleView {
    let labels = plain_alert_labels(project, service, alert);
    let mut annotations = BTreeMap::new();
    if let Some(summary) = &alert.summary {
        annotations.insert("summary".to_owned(), summary.clone());
    }
    if let Some(description) = &alert.description {
        annotations.insert("description".to_owned(), description.clone());
    }
    if let Some(url) = runbook_url(&crate::names::alert_path(&alert.name)) {
        annotations.insert("runbook_url".to_owned(), url);
    }
    annotations.extend(alert.annotations.clone());
    RuleView {
        record: None,
        alert: Some(alert.name.clone()),
        expr: alert.expr.clone(),
        for_duration: alert.for_duration.map(|duration| duration.to_string()),
        labels,
        annotations,
        comment: Some(format!(
            "{}: declared in {}",
            alert.severity.as_str(),
            service.source
        )),
        burn: None,
    }
}

/// The error ratio of an event SLI over a window, from the raw series;
/// empty for other SLI kinds.
pub fn window_ratio(slo: &Slo, window: Duration) -> String {
    event_queries(&slo.sli)
        .map(|events| ratio(&(events.errors)(window), &(events.total)(window)))
        .unwrap_or_default()
}
