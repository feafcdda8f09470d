//! Planning: the validated model becomes view models for the templates.
//!
//! In: an [`ir::Project`]. Out: a [`ServiceRulesView`] per service and
//! deploy target (the service's recording groups, then its alert group,
//! with the target's group fields and object metadata), whose expressions,
//! labels and annotations are final text; templates only lay them out. All
//! PromQL slogen writes is composed here, the same for every target.
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
//! - raw SLIs evaluate the user's query over every window, the period
//!   included: a raw ratio has no event counts to weight by, and a mean of
//!   base ratios would be neither traffic-weighted nor defined after an
//!   idle base window (0/0). This is exact, at a cost: each evaluation
//!   reads the raw samples of the whole period.
//! - with a low-traffic guard (`min_events`), the events in each long
//!   window, which the burn alerts require.
//! - metadata: objective, error budget, period, current and period burn
//!   rate, remaining budget.
//!
//! Alert rules per service: each SLO's burn alerts (its own name, `for`,
//! `keep_firing_for`, per-severity labels and annotations), its no-data
//! alert (per group: a series the period still knows whose base window is
//! gone, or no series at all), then the plain alerts. Every alert carries
//! the service's and the SLO's labels.
//!
//! Labels slogen adds to series all start with `slogen_`, so they cannot
//! collide with the user's metric labels (the analyzer forbids that prefix).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::duration::{Duration, humanize_seconds};
use crate::ir::{
    Bound, PlainAlert, Project, RatioErrors, Service, Settings, Severity, Sli, Slo, Target,
    TargetKind,
};
use crate::math::{self, BurnAlert, Measure, Measures};
use crate::names::{
    self, BREACH_METRIC, BUDGET_REMAINING_METRIC, CURRENT_BURN_RATE_METRIC, ERROR_BUDGET_METRIC,
    LONG_WINDOW_LABEL, OBJECTIVE_METRIC, PERIOD_BURN_RATE_METRIC, PERIOD_DAYS_METRIC,
    SERVICE_LABEL, SHORT_WINDOW_LABEL, SLO_LABEL, SLOTH_ID_LABEL, SLOTH_INFO_METRIC,
    SLOTH_SERVICE_LABEL, SLOTH_SLO_LABEL, SLOTH_WINDOW_LABEL, alert_group_name, errors_rate_metric,
    events_metric, mimir_namespace, ratio_metric, recording_group_name, rule_object_name,
    slo_selector, total_rate_metric,
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
    /// True for the alert group, false for a recording group.
    pub alerting: bool,
    /// The target's group fields, set where it sets them.
    #[serde(flatten)]
    pub fields: GroupFields,
}

/// Group fields a target may set besides `name` and `rules`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupFields {
    /// `interval`.
    pub interval: Option<String>,
    /// `query_offset`.
    pub query_offset: Option<String>,
    /// `evaluation_delay` (Cortex).
    pub evaluation_delay: Option<String>,
    /// `source_tenants` (Mimir), empty for none.
    pub source_tenants: Vec<String>,
    /// `partial_response_strategy` (Thanos).
    pub partial_response_strategy: Option<String>,
}

/// A service's rule file in one target's format.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceRulesView {
    /// The service's spec file, for the header.
    pub sources: Vec<String>,
    /// The service name.
    pub service: String,
    /// The target and what it names.
    pub target: TargetView,
    /// The service's recording groups (one per SLO), then its alert group.
    pub groups: Vec<GroupView>,
}

/// The target a rule file is written for.
#[derive(Clone, Debug, Serialize)]
pub struct TargetView {
    /// `prometheus`, `prometheus-operator`, `mimir`, `thanos` or
    /// `victoriametrics`.
    pub kind: &'static str,
    /// `prometheus-operator`: the object name.
    pub name: String,
    /// `prometheus-operator`: the object namespace, if set. `mimir`: the
    /// service's ruler namespace.
    pub namespace: Option<String>,
    /// `prometheus-operator`: object labels.
    pub labels: BTreeMap<String, String>,
    /// `prometheus-operator`: object annotations.
    pub annotations: BTreeMap<String, String>,
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
    /// `keep_firing_for`, canonical duration.
    pub keep_firing_for: Option<String>,
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
    /// Time from the start of a total outage until it fires (Workbook, plus
    /// the alert's `for`), humanized.
    pub detection_full_outage: String,
}

/// The facts of one burn-rate alert, formatted once for every template.
/// SLOs alike share their alerts' facts: each thread keeps the views it
/// made (formatting them was a seventh of planning the alert rules).
pub fn burn_view(settings: &Settings, slo: &Slo, alert: &BurnAlert) -> BurnView {
    type Key = (Severity, String, Duration, Duration, [u64; 3], Duration);
    thread_local! {
        static VIEWS: std::cell::RefCell<foldhash::HashMap<Key, BurnView>> =
            std::cell::RefCell::default();
    }
    let key = (
        alert.severity,
        settings.severity_label(alert.severity).to_owned(),
        alert.long,
        alert.short,
        [
            alert.burn_rate.to_bits(),
            alert.threshold.to_bits(),
            alert.budget_share.to_bits(),
        ],
        slo.period,
    );
    VIEWS.with(|views| {
        let mut views = views.borrow_mut();
        if let Some(view) = views.get(&key) {
            return view.clone();
        }
        let view = format_burn_view(settings, slo, alert);
        if views.len() >= 1024 {
            views.clear();
        }
        views.insert(key, view.clone());
        view
    })
}

fn format_burn_view(settings: &Settings, slo: &Slo, alert: &BurnAlert) -> BurnView {
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
        detection_full_outage: humanize_seconds(
            alert.detection_seconds(1.0) + slo.alerting.for_duration.seconds(),
        ),
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

/// The name of every series the SLO's recording rules record, in rule
/// order (a test holds it to [`recording_rules`]): what dashboards may read.
pub fn recorded_series(settings: &Settings, slo: &Slo) -> Vec<String> {
    let base = base_window(slo);
    let mut names = Vec::new();
    if slo.sli.counts_events() {
        names.push(errors_rate_metric(base));
        names.push(total_rate_metric(base));
    } else if matches!(slo.sli, Sli::Threshold { .. }) {
        names.push(BREACH_METRIC.to_owned());
    }
    names.extend(recorded_windows(slo).into_iter().map(ratio_metric));
    // The low-traffic guard's event counts, one per long window.
    if slo.sli.counts_events() && slo.alerting.min_events.is_some() {
        let longs: BTreeSet<Duration> = slo
            .alerting
            .enabled_windows()
            .map(|window| window.long)
            .collect();
        names.extend(longs.into_iter().map(events_metric));
    }
    if settings.sloth_compatible {
        names.push(SLOTH_INFO_METRIC.to_owned());
    }
    names.extend(
        [
            OBJECTIVE_METRIC,
            ERROR_BUDGET_METRIC,
            PERIOD_DAYS_METRIC,
            CURRENT_BURN_RATE_METRIC,
            PERIOD_BURN_RATE_METRIC,
            BUDGET_REMAINING_METRIC,
        ]
        .map(str::to_owned),
    );
    names
}

/// Every window the SLO records: alert windows (in the Sloth-compatible
/// mode those of severities turned off too), base window, period.
pub fn recorded_windows(slo: &Slo) -> Vec<Duration> {
    let mut windows: BTreeSet<Duration> = BTreeSet::new();
    windows.insert(base_window(slo));
    let alerting = &slo.alerting;
    let every = alerting
        .windows
        .iter()
        .filter(|_| alerting.records_every_window);
    for window in alerting.enabled_windows().chain(every) {
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
        matches!(slo.sli, Sli::Raw { .. }),
        base_window(slo),
        window,
    )
}

/// [`window_measure`] from what it depends on: whether the SLI records
/// states (threshold SLIs), whether its query is evaluated over every
/// window (raw SLIs), and its base window.
pub fn measure(states: bool, raw: bool, base: Duration, window: Duration) -> Measure {
    if states {
        Measure::States
    } else if raw {
        Measure::Events
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
        Sli::Raw { .. } => true,
        Sli::Ratio { .. } | Sli::Latency { .. } => window < RECORDED_WINDOW && window != base,
    }
}

/// The labels that tell an SLI's groups apart, as far as its queries say:
/// a latency SLI's `group_by`, or the `by` labels of the outermost
/// aggregation of a ratio SLI's `total`, a threshold SLI's query or a raw
/// SLI's ratio. Empty when the SLI is not grouped or only the data can
/// tell (`without`, a bare selector, a binary operation).
pub fn group_labels(slo: &Slo) -> Vec<String> {
    let base = base_window(slo);
    let query = match &slo.sli {
        Sli::Latency { group_by, .. } => return group_by.clone(),
        Sli::Ratio { total, .. } => total.at(base),
        Sli::Threshold { query, .. } => query.clone(),
        Sli::Raw { error_ratio } => error_ratio.at(base),
    };
    match crate::promql::parse(&query).map(|expr| crate::promql::output_grouping(&expr)) {
        Ok(crate::promql::Grouping::By(labels)) => labels,
        _ => Vec::new(),
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

/// Every recording group of the project, in output order (for tests and
/// tools; a build plans each service's file with [`service_rules`]).
pub fn recording_rules(project: &Project) -> RuleFileView {
    RuleFileView {
        sources: project.source_names(),
        groups: project
            .slos()
            .map(|(service, slo)| recording_group(&project.settings, service, slo))
            .collect(),
    }
}

/// `settings`: the Sloth-compatible mode's labels, and the evaluation
/// interval, which the low-traffic guard's event counts assume.
fn recording_group(settings: &Settings, service: &Service, slo: &Slo) -> GroupView {
    GroupView {
        name: recording_group_name(&service.name, &slo.name),
        rules: slo_recording_rules(settings, service, slo),
        alerting: false,
        fields: GroupFields::default(),
    }
}

/// The rule files of a target: `(file name, services)`, one per service
/// with rules, or one for all of them when a Mimir namespace does not name
/// the service (a namespace is one file: `mimirtool rules sync` takes each
/// namespace from one file).
pub fn rule_file_units<'a>(
    project: &'a Project,
    target: &Target,
) -> Vec<(String, Vec<&'a Service>)> {
    let services: Vec<&Service> = project
        .services
        .iter()
        .filter(|service| has_rules(service))
        .collect();
    match (&target.kind, &target.namespace) {
        (TargetKind::Mimir, Some(namespace)) if !namespace.contains("{service}") => {
            if services.is_empty() {
                Vec::new()
            } else {
                vec![(namespace.clone(), services)]
            }
        }
        _ => services
            .into_iter()
            .map(|service| (service.name.clone(), vec![service]))
            .collect(),
    }
}

/// The rule file `name` of a target holding the rules of `services`
/// ([`service_rules`] of each, their groups in order).
pub fn file_rules(
    project: &Project,
    name: &str,
    services: &[&Service],
    target: &Target,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> Option<ServiceRulesView> {
    let mut views = services
        .iter()
        .filter_map(|service| service_rules(project, service, target, runbook_url));
    let mut file = views.next()?;
    for view in views {
        file.sources.extend(view.sources);
        file.groups.extend(view.groups);
    }
    file.service = name.to_owned();
    Some(file)
}

/// True when a service has rules: an SLO, or an alert group.
pub fn has_rules(service: &Service) -> bool {
    !service.slos.is_empty() || has_alert_rules(service)
}

/// A service's rule file for a target: its recording groups, then its
/// alert group, with the target's group fields; `None` when the service
/// has no rules.
pub fn service_rules(
    project: &Project,
    service: &Service,
    target: &Target,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> Option<ServiceRulesView> {
    if !has_rules(service) {
        return None;
    }
    let mut groups: Vec<GroupView> = service
        .slos
        .iter()
        .map(|slo| recording_group(&project.settings, service, slo))
        .collect();
    if has_alert_rules(service) {
        groups.push(alert_group(project, service, runbook_url));
    }
    for group in &mut groups {
        group.fields = GroupFields {
            interval: target.interval.map(|interval| interval.to_string()),
            query_offset: target.query_offset.map(|offset| offset.to_string()),
            evaluation_delay: target.evaluation_delay.map(|delay| delay.to_string()),
            source_tenants: target.source_tenants.clone(),
            partial_response_strategy: if group.alerting {
                target.alerting_partial_response.clone()
            } else {
                target.recording_partial_response.clone()
            },
        };
    }
    let namespace = match target.kind {
        TargetKind::Mimir => target
            .namespace
            .as_deref()
            .map(|pattern| mimir_namespace(pattern, &service.name)),
        _ => target.namespace.clone(),
    };
    Some(ServiceRulesView {
        sources: vec![service.source.clone()],
        service: service.name.clone(),
        target: TargetView {
            kind: target.kind.name(),
            name: rule_object_name(&service.name),
            namespace,
            labels: target.labels.clone(),
            annotations: target.annotations.clone(),
        },
        groups,
    })
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
        keep_firing_for: None,
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
    let interval = settings.evaluation_interval;
    let labels = series_labels(settings, service, slo);
    let selector = slo_selector(&service.name, &slo.name);
    let base = base_window(slo);
    let budget = slo.error_budget();
    let mut rules = Vec::new();
    let events = event_queries(&slo.sli);
    let errors_base = errors_rate_metric(base);
    let total_base = total_rate_metric(base);
    let breach = BREACH_METRIC.to_owned();
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
            (None, Sli::Raw { error_ratio }) => error_ratio.at(window).trim().to_owned(),
            (None, _) => unreachable!("event SLIs have event queries"),
        };
        let ratio_labels = ratio_labels(settings, service, slo, window);
        rules.push(record(ratio_metric(window), expr, &ratio_labels, None));
    }
    if let (Some(events), Some(_)) = (&events, slo.alerting.min_events) {
        let longs: BTreeSet<Duration> = slo
            .alerting
            .enabled_windows()
            .map(|window| window.long)
            .collect();
        // Each base-window sample counts the events of its base window, and
        // one is recorded every evaluation interval: their sum over a
        // window, times interval / base, counts each event once. Only the
        // samples there are count, so a series younger than the window
        // holds only the events it has seen.
        let per_sample = match crate::promql::ratio_side(&(events.total)(base)).counting {
            Some(crate::promql::Counting::Increase) => interval.seconds() / base.seconds(),
            _ => interval.seconds(),
        };
        for (at, long) in longs.into_iter().enumerate() {
            let expr = format!(
                "sum_over_time({total_base}{selector}[{long}]) * {}",
                format(per_sample)
            );
            let comment = (at == 0).then(|| {
                "Events in each long window, for the low-traffic guard (`min_events`).".to_owned()
            });
            rules.push(record(events_metric(long), expr, &labels, comment));
        }
    }
    let days = slo.period.seconds() / 86_400.0;
    rules.push(record(
        OBJECTIVE_METRIC.to_owned(),
        format!("vector({})", format(slo.objective / 100.0)),
        &labels,
        Some(format!(
            "Error budget metadata: {}% over {}.",
            format(slo.objective),
            slo.period
        )),
    ));
    rules.push(record(
        ERROR_BUDGET_METRIC.to_owned(),
        format!("vector({})", format(budget)),
        &labels,
        None,
    ));
    rules.push(record(
        PERIOD_DAYS_METRIC.to_owned(),
        format!("vector({})", format(days)),
        &labels,
        None,
    ));
    rules.push(record(
        CURRENT_BURN_RATE_METRIC.to_owned(),
        format!("{}{selector} / {}", ratio_metric(base), format(budget)),
        &ratio_labels(settings, service, slo, base),
        None,
    ));
    rules.push(record(
        PERIOD_BURN_RATE_METRIC.to_owned(),
        format!(
            "{}{selector} / {}",
            ratio_metric(slo.period),
            format(budget)
        ),
        &ratio_labels(settings, service, slo, slo.period),
        None,
    ));
    rules.push(record(
        BUDGET_REMAINING_METRIC.to_owned(),
        format!("1 - {PERIOD_BURN_RATE_METRIC}{selector}"),
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
            native: true,
        } => {
            let aggregate = if group_by.is_empty() {
                "sum".to_owned()
            } else {
                format!("sum by ({})", group_by.join(", "))
            };
            let selector = if matchers.is_empty() {
                histogram.clone()
            } else {
                format!("{histogram}{{{matchers}}}")
            };
            let bound = format(*bound);
            let summed = move |window: Duration| format!("{aggregate}(rate({selector}[{window}]))");
            let count = summed.clone();
            // An idle window's histogram is empty and its fraction NaN:
            // `> 0` drops that (and a true 0), and `or` puts 0 back, so
            // idle windows do not poison the sums of long windows.
            Some(EventQueries {
                errors: Box::new(move |window| {
                    let summed = summed(window);
                    format!(
                        "histogram_count({summed}) * (1 - histogram_fraction(0, {bound}, {summed})) > 0\nor\n0 * histogram_count({summed})"
                    )
                }),
                total: Box::new(move |window| format!("histogram_count({})", count(window))),
            })
        }
        Sli::Latency {
            histogram,
            bound,
            matchers,
            group_by,
            native: false,
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

/// Every alert group of the project, in output order (for tests and
/// tools; a build plans each service's file with [`service_rules`]).
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
        alerting: true,
        fields: GroupFields::default(),
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
    let burn_name = slo.alerting.name.clone();
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
        annotations.extend(slo.alerting.extra(alert.severity).annotations.clone());
        let mut expr = if settings.sloth_compatible {
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
        };
        if let Some(min_events) = slo.alerting.min_events {
            expr.push_str(&format!(
                "\nand\n{}{selector} >= {min_events}",
                events_metric(alert.long)
            ));
        }
        rules.push(RuleView {
            record: None,
            alert: Some(burn_name.clone()),
            expr,
            for_duration: duration_field(slo.alerting.for_duration),
            keep_firing_for: duration_field(slo.alerting.keep_firing_for),
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
        let metric = no_data_metric(slo);
        let labels = no_data_alert_labels(project, service, slo);
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), format!("{id} has no SLI data"));
        annotations.insert(
            "description".to_owned(),
            format!(
                "{metric} has had no series for {id} (for the group in this alert's labels, when the SLI is grouped) for {}: the SLI's metrics are missing or its queries match nothing, so this SLO's burn-rate alerts cannot fire.",
                settings.no_data_for
            ),
        );
        if let Some(url) = runbook_url(&crate::names::slo_path(&service.name, &slo.name)) {
            annotations.insert("runbook_url".to_owned(), url);
        }
        annotations.extend(slo.alerting.ticket_extra.annotations.clone());
        rules.push(RuleView {
            record: None,
            alert: Some(name),
            expr: no_data_expr(settings, slo, &selector),
            for_duration: duration_field(settings.no_data_for),
            keep_firing_for: None,
            labels,
            annotations,
            comment: Some("ticket: the SLI has no data".to_owned()),
            burn: None,
        });
    }
    rules
}

/// The series whose absence the no-data alert reports: the base-window
/// total rate of event SLIs and the breach series of threshold SLIs, which
/// hold a number even with no traffic at all, where the error ratio is
/// 0/0. Prometheus records that NaN but VictoriaMetrics drops it, so
/// `absent()` of the ratio would fire there on every quiet night. Raw SLIs
/// have no other series than their ratio.
pub fn no_data_metric(slo: &Slo) -> String {
    let base = base_window(slo);
    match slo.sli {
        Sli::Ratio { .. } | Sli::Latency { .. } => format!("slo:sli_total:rate{base}"),
        Sli::Threshold { .. } => "slo:sli_breach:bool".to_owned(),
        Sli::Raw { .. } => ratio_metric(base),
    }
}

/// The no-data alert's condition: a series (group) seen during the period
/// whose [`no_data_metric`] is gone, or no series at all. The period ratio
/// stays recorded for a whole period after its group's last sample, so a
/// group that stops reporting while others go on gets its own alert, with
/// its group labels; `absent()` covers an SLI that never had data. The two
/// never hold at once (a base-window series implies a period one), so they
/// cannot give one alert twice.
/// In the Sloth-compatible mode the period ratio carries `sloth_window`,
/// which the alert drops and the match ignores.
fn no_data_expr(settings: &Settings, slo: &Slo, selector: &str) -> String {
    let seen = no_data_metric(slo);
    let period = ratio_metric(slo.period);
    if settings.sloth_compatible {
        return format!(
            "max without ({SLOTH_WINDOW_LABEL}) ({period}{selector})\nunless ignoring ({SLOTH_WINDOW_LABEL})\n{seen}{selector}\nor\nabsent({period}{selector})"
        );
    }
    format!("{period}{selector}\nunless\n{seen}{selector}\nor\nabsent({period}{selector})")
}

/// A `for` or `keep_firing_for` field: none for zero.
fn duration_field(duration: Duration) -> Option<String> {
    (duration.millis() > 0).then(|| duration.to_string())
}

/// Labels of all alerts of an SLO, before severity and windows.
///
/// The service's and the SLO's labels are set here too: the burn-rate
/// alerts' series carry them already, but the no-data alert's `absent()`
/// keeps only its matchers. Prometheus expands rule labels as templates,
/// so their values are escaped to arrive as written.
fn slo_alert_labels(service: &Service, slo: &Slo) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = service
        .labels
        .iter()
        .chain(&slo.labels)
        .map(|(name, value)| (name.clone(), escape_template_text(value)))
        .collect();
    labels.extend(slo.alerting.labels.clone());
    labels.insert("team".to_owned(), service.team.clone());
    labels.insert(SERVICE_LABEL.to_owned(), service.name.clone());
    labels.insert(SLO_LABEL.to_owned(), slo.name.clone());
    labels
}

/// The labels the no-data alerting rule sets (its series' labels come on top).
pub fn no_data_alert_labels(
    project: &Project,
    service: &Service,
    slo: &Slo,
) -> BTreeMap<String, String> {
    let mut labels = slo_alert_labels(service, slo);
    labels.extend(slo.alerting.ticket_extra.labels.clone());
    labels.insert("severity".to_owned(), project.settings.ticket_label.clone());
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
    labels.extend(slo.alerting.extra(alert.severity).labels.clone());
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
        keep_firing_for: None,
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
