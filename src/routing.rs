//! Alertmanager routing: the validated project becomes `alertmanager.yml`'s
//! view model.
//!
//! In: an [`ir::Project`]. Out: an [`AlertmanagerView`] for the template.
//!
//! The tree sends each alert by `team` and `severity` to the receiver the
//! settings name (`[[alertmanager.team]]`); a team or severity without one
//! goes to a receiver named `<team>-page` or `<team>-ticket` with no
//! integrations, which users fill in. Plain alerts carry `team` and
//! `severity` too, so the same routes take them. Before those, an SLO's
//! own receivers (`[slo.alerting] receivers`, or a severity's table's) get
//! a route each, matching its `slogen_service` and `slogen_slo` (and
//! `severity`) exactly and continuing, so its alerts reach them and its
//! team's receiver. One inhibition rule mutes
//! ticket alerts of an SLO while a page alert of the same service, SLO and
//! group (the SLOs' group labels, [`Slo::grouping`](crate::ir::Slo::grouping)) fires.
//! Only modern syntax is written: `matchers`, `source_matchers`,
//! `target_matchers`, values always double-quoted.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::duration::Duration;
use crate::ir::{Project, Severity};
use crate::names::{SERVICE_LABEL, SLO_LABEL};
use crate::promql::quote;

/// Receiver of alerts no route matches, when the settings name none.
pub(crate) const DEFAULT_RECEIVER: &str = "default";

/// The whole `alertmanager.yml`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AlertmanagerView {
    /// Source file names, for the header.
    pub sources: Vec<String>,
    /// `global:` passed through from the settings.
    pub global: BTreeMap<String, toml::Value>,
    /// The root route.
    pub route: RootRouteView,
    /// Every receiver the tree names, sorted by name.
    pub receivers: Vec<ReceiverView>,
    /// Inhibition rules.
    pub inhibit_rules: Vec<InhibitRuleView>,
}

/// The root route.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RootRouteView {
    /// Receiver of unmatched alerts.
    pub receiver: String,
    /// Labels alerts are grouped by.
    pub group_by: Vec<String>,
    /// Timings, canonical durations.
    pub group_wait: String,
    /// Timings.
    pub group_interval: String,
    /// Timings.
    pub repeat_interval: String,
    /// One route per team and severity, after the routes of SLOs' own
    /// receivers (which continue).
    pub routes: Vec<RouteView>,
}

/// A child route.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RouteView {
    /// Where matching alerts go.
    pub receiver: String,
    /// Matchers, e.g. `team="backend"`.
    pub matchers: Vec<String>,
    /// The team this route is for (the SLO's, for an SLO's route).
    pub team: String,
    /// `page` or `ticket`; none for an SLO's route of every severity.
    pub severity: Option<Severity>,
    /// `service/slo` for a route of an SLO's own receivers
    /// (`[slo.alerting] receivers`).
    pub slo: Option<String>,
    /// Alertmanager's `continue`: matching alerts go on to later routes.
    pub continues: bool,
}

/// A receiver.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ReceiverView {
    /// Unique name.
    pub name: String,
    /// Integrations (`pagerduty_configs`, ...) passed through; empty for
    /// receivers slogen made up.
    pub integrations: BTreeMap<String, toml::Value>,
}

/// An inhibition rule.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct InhibitRuleView {
    /// Matchers of the muting alert.
    pub source_matchers: Vec<String>,
    /// Matchers of the muted alert.
    pub target_matchers: Vec<String>,
    /// Labels that must be equal.
    pub equal: Vec<String>,
}

/// A matcher `name="value"` in Alertmanager's syntax.
pub(crate) fn matcher(name: &str, operator: &str, value: &str) -> String {
    format!("{name}{operator}{}", quote(value))
}

/// The receiver of one team's alerts of one severity.
pub(crate) fn receiver_for(project: &Project, team: &str, severity: Severity) -> String {
    let route = project.settings.routing.teams.get(team);
    let configured = route.and_then(|route| match severity {
        Severity::Page => route.page.clone(),
        Severity::Ticket => route.ticket.clone(),
    });
    configured.unwrap_or_else(|| format!("{team}-{}", severity.as_str()))
}

/// The labels a page and a ticket must share for the page to mute the
/// ticket: service and SLO, and every SLO's group labels, so a page of one
/// group (`/pay`) leaves the tickets of another (`/cart`) alone. Labels
/// that neither alert has count as equal in Alertmanager, so SLOs grouped
/// by other labels, or not at all, are unaffected by each other's.
fn inhibit_equal(project: &Project) -> Vec<String> {
    let groups: BTreeSet<String> = project
        .slos()
        .flat_map(|(_, slo)| slo.grouping.iter().cloned())
        .collect();
    [SERVICE_LABEL.to_owned(), SLO_LABEL.to_owned()]
        .into_iter()
        .chain(groups)
        .collect()
}

/// Plans `alertmanager.yml`.
pub(crate) fn alertmanager(project: &Project) -> AlertmanagerView {
    let settings = &project.settings;
    let routing = &settings.routing;
    let teams: BTreeSet<&str> = project
        .services
        .iter()
        .map(|service| service.team.as_str())
        .collect();
    // An SLO's own receivers first, each route continuing, so its alerts
    // still reach its team's receiver below. Matched exactly on the labels
    // every SLO alert carries; one route per receiver (a receiver of both
    // severities matches no severity), and none to the team's own
    // receiver of a severity, which would notify it twice.
    let mut routes: Vec<RouteView> = Vec::new();
    for (service, slo) in project.slos() {
        let alerting = &slo.alerting;
        let mut named: Vec<&String> = Vec::new();
        for receiver in alerting
            .receivers
            .iter()
            .chain(&alerting.page_extra.receivers)
            .chain(&alerting.ticket_extra.receivers)
        {
            if !named.contains(&receiver) {
                named.push(receiver);
            }
        }
        let gets = |receiver: &String, severity: Severity| {
            (alerting.receivers.contains(receiver)
                || alerting.extra(severity).receivers.contains(receiver))
                && *receiver != receiver_for(project, &service.team, severity)
        };
        for receiver in named {
            let severity = match (
                gets(receiver, Severity::Page),
                gets(receiver, Severity::Ticket),
            ) {
                (true, true) => None,
                (true, false) => Some(Severity::Page),
                (false, true) => Some(Severity::Ticket),
                (false, false) => continue,
            };
            let mut matchers = vec![
                matcher(SERVICE_LABEL, "=", &service.name),
                matcher(SLO_LABEL, "=", &slo.name),
            ];
            if let Some(severity) = severity {
                matchers.push(matcher("severity", "=", settings.severity_label(severity)));
            }
            routes.push(RouteView {
                receiver: receiver.clone(),
                matchers,
                team: service.team.clone(),
                severity,
                slo: Some(format!("{}/{}", service.name, slo.name)),
                continues: true,
            });
        }
    }
    for team in &teams {
        for severity in [Severity::Page, Severity::Ticket] {
            routes.push(RouteView {
                receiver: receiver_for(project, team, severity),
                matchers: vec![
                    matcher("team", "=", team),
                    matcher("severity", "=", settings.severity_label(severity)),
                ],
                team: (*team).to_owned(),
                severity: Some(severity),
                slo: None,
                continues: false,
            });
        }
    }
    let default_receiver = routing
        .default_receiver
        .clone()
        .unwrap_or_else(|| DEFAULT_RECEIVER.to_owned());
    let mut receivers: BTreeMap<String, ReceiverView> = routing
        .receivers
        .iter()
        .map(|receiver| {
            let view = ReceiverView {
                name: receiver.name.clone(),
                integrations: receiver.integrations.clone(),
            };
            (receiver.name.clone(), view)
        })
        .collect();
    for name in routes
        .iter()
        .map(|route| &route.receiver)
        .chain([&default_receiver])
    {
        receivers
            .entry(name.clone())
            .or_insert_with(|| ReceiverView {
                name: name.clone(),
                integrations: BTreeMap::new(),
            });
    }
    let group_by = if routing.group_by.is_empty() {
        vec![
            "alertname".to_owned(),
            SERVICE_LABEL.to_owned(),
            SLO_LABEL.to_owned(),
        ]
    } else {
        routing.group_by.clone()
    };
    let timing = |configured: Option<Duration>, minutes: u64| {
        configured
            .unwrap_or(Duration::from_minutes(minutes))
            .to_string()
    };
    AlertmanagerView {
        sources: project.source_names(),
        global: routing.global.clone(),
        route: RootRouteView {
            receiver: default_receiver,
            group_by,
            group_wait: routing
                .group_wait
                .map_or_else(|| "30s".to_owned(), |wait| wait.to_string()),
            group_interval: timing(routing.group_interval, 5),
            repeat_interval: timing(routing.repeat_interval, 4 * 60),
            routes,
        },
        receivers: receivers.into_values().collect(),
        inhibit_rules: vec![InhibitRuleView {
            source_matchers: vec![
                matcher("severity", "=", &settings.page_label),
                matcher(SLO_LABEL, "=~", ".+"),
            ],
            target_matchers: vec![matcher("severity", "=", &settings.ticket_label)],
            equal: inhibit_equal(project),
        }],
    }
}
