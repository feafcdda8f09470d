//! Alert rules: each service's group of burn, no-data and plain alerts,
//! with their labels.

use std::collections::BTreeMap;

use super::windows::{base_window, burn_alerts, burn_view};
use super::{GroupFields, GroupView, RuleView};
use crate::duration::Duration;
use crate::ir::{PlainAlert, Project, Service, Settings, Sli, Slo};
use crate::math::BurnAlert;
use crate::names::{
    self, LONG_WINDOW_LABEL, SERVICE_LABEL, SHORT_WINDOW_LABEL, SLO_LABEL, SLOTH_WINDOW_LABEL,
    alert_group_name, events_metric, ratio_metric, slo_selector,
};
use crate::number::{format, percent};
use crate::promql::escape_template_text;

#[cfg(test)]
/// Every alert group of the project, in output order (for tests and
/// tools; a build plans each service's file with [`service_rules`]).
pub(crate) fn alert_rules(
    project: &Project,
    runbook_url: &dyn Fn(&str) -> Option<String>,
) -> super::RuleFileView {
    super::RuleFileView {
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
pub(super) fn has_alert_rules(service: &Service) -> bool {
    !service.alerts.is_empty()
        || service
            .slos
            .iter()
            .any(|slo| slo.alerting.no_data || !burn_alerts(slo).is_empty())
}

pub(super) fn alert_group(
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
            labels: std::sync::Arc::new(labels),
            annotations,
            comment: Some(format!(
                "{}: {} of the {} budget in {} ({burn_rate}x burn rate, error ratio above {threshold})",
                alert.severity.as_str(),
                percent(alert.budget_share),
                slo.period,
                alert.long
            )),
            burn: Some(std::sync::Arc::clone(&burn)),
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
            labels: std::sync::Arc::new(labels),
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
pub(crate) fn no_data_metric(slo: &Slo) -> String {
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
/// keeps only its matchers. They tell apart the alerts of SLOs that share
/// a name (`[slo.alerting] name`): `slogen_service` and `slogen_slo`
/// always, and Sloth's `sloth_id`, `sloth_service`, `sloth_slo` in the
/// Sloth-compatible mode, where Sloth's routes and silences match them.
/// Prometheus expands rule labels as templates, so their values are
/// escaped to arrive as written.
fn slo_alert_labels(settings: &Settings, service: &Service, slo: &Slo) -> BTreeMap<String, String> {
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
    if settings.sloth_compatible {
        labels.insert(
            names::SLOTH_ID_LABEL.to_owned(),
            format!("{}-{}", service.name, slo.name),
        );
        labels.insert(names::SLOTH_SERVICE_LABEL.to_owned(), service.name.clone());
        labels.insert(names::SLOTH_SLO_LABEL.to_owned(), slo.name.clone());
    }
    labels
}

/// The labels the no-data alerting rule sets (its series' labels come on top).
pub(crate) fn no_data_alert_labels(
    project: &Project,
    service: &Service,
    slo: &Slo,
) -> BTreeMap<String, String> {
    let mut labels = slo_alert_labels(&project.settings, service, slo);
    labels.extend(slo.alerting.ticket_extra.labels.clone());
    labels.insert("severity".to_owned(), project.settings.ticket_label.clone());
    labels
}

/// The labels a burn-rate alerting rule sets (its series' labels come on top).
pub(crate) fn burn_alert_labels(
    project: &Project,
    service: &Service,
    slo: &Slo,
    alert: &BurnAlert,
) -> BTreeMap<String, String> {
    let mut labels = slo_alert_labels(&project.settings, service, slo);
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
pub(crate) fn plain_alert_labels(
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
        labels: std::sync::Arc::new(labels),
        annotations,
        comment: Some(format!(
            "{}: declared in {}",
            alert.severity.as_str(),
            service.source
        )),
        burn: None,
    }
}
