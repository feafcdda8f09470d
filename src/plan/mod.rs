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
//!
//! The parts: `windows` (an SLO's windows, their measures, its burn
//! alerts), `recording` (the recording groups), `alerts` (the alert
//! group); this file holds the view types and assembles each service's
//! rule files per target.

mod alerts;
mod recording;
mod windows;

pub(crate) use alerts::{
    burn_alert_labels, no_data_alert_labels, no_data_metric, plain_alert_labels,
};
pub(crate) use recording::{series_labels, sloth_window};
pub use windows::recorded_series;
pub(crate) use windows::{
    BurnView, alert_measures, base_window, burn_alerts, burn_view, measure, queries_window,
    recorded_windows, window_measure, window_ratio,
};
#[cfg(test)]
pub(crate) use {alerts::alert_rules, recording::recording_rules};

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::ir::{Project, Service, Target, TargetKind};
use crate::names::{alert_group_name, mimir_namespace, recording_group_name, rule_object_name};
use alerts::{alert_group, has_alert_rules};
use recording::recording_group;

#[cfg(test)]
/// A rule file: `recording-rules.yml` or `alert-rules.yml`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RuleFileView {
    /// Source file names, for the header.
    pub sources: Vec<String>,
    /// Rule groups in output order.
    pub groups: Vec<GroupView>,
}

/// Where an alert's runbook is, from the runbook's path in the output
/// directory (`runbooks/...`); `None`: no link.
pub(crate) type RunbookUrl = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// One rule group.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct GroupView {
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
pub(crate) struct GroupFields {
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
pub(crate) struct ServiceRulesView {
    /// The service's spec file, for the header.
    pub sources: Vec<String>,
    /// The service name.
    pub service: String,
    /// The target and what it names.
    pub target: DeployTargetView,
    /// The service's recording groups (one per SLO), then its alert group.
    pub groups: Vec<GroupView>,
}

/// The target a rule file is written for.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DeployTargetView {
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

/// A rule's labels, shared by the rules that carry the same ones (most
/// of an SLO's recording rules): cloned by a count, not entry by entry.
pub(crate) type Labels = std::sync::Arc<BTreeMap<String, String>>;

/// One recording or alerting rule.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RuleView {
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
    /// Labels, sorted; the rules of an SLO share them where they can.
    pub labels: Labels,
    /// Annotations, sorted.
    pub annotations: BTreeMap<String, String>,
    /// A comment line for reviewers.
    pub comment: Option<String>,
    /// Burn-rate facts, for template authors (burn-rate alerts only).
    pub burn: Option<std::sync::Arc<BurnView>>,
}

/// Every rule group's name, recording groups first, as [`recording_rules`]
/// and [`alert_rules`] name them, without planning their rules.
pub(crate) fn group_names(project: &Project) -> Vec<String> {
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

/// The rule files of a target: `(file name, services)`, one per service
/// with rules, or one for all of them when a Mimir namespace does not name
/// the service (a namespace is one file: `mimirtool rules sync` takes each
/// namespace from one file).
pub(crate) fn rule_file_units<'a>(
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
pub(crate) fn file_rules(
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
pub(crate) fn has_rules(service: &Service) -> bool {
    !service.slos.is_empty() || has_alert_rules(service)
}

/// A service's rule file for a target: its recording groups, then its
/// alert group, with the target's group fields; `None` when the service
/// has no rules.
pub(crate) fn service_rules(
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
        target: DeployTargetView {
            kind: target.kind.name(),
            name: rule_object_name(&service.name),
            namespace,
            labels: target.labels.clone(),
            annotations: target.annotations.clone(),
        },
        groups,
    })
}
