//! The SLO catalog: one Markdown page listing every service and SLO.
//!
//! In: an [`ir::Project`]. Out: a [`CatalogView`] for `catalog.md.j2`.
//! Every number comes from [`crate::explain`] (and so from
//! [`crate::math`]), the code behind the alert thresholds, the runbooks
//! and the generated tests; paths come from [`crate::names`], so the links
//! to runbooks and dashboards point at the files the build writes.
//! `native::catalog` writes the view as `catalog.md.j2` would.

use serde::Serialize;

use crate::duration::humanize_seconds;
use crate::explain::{AlertExplanation, explain};
use crate::ir::{Project, Severity};
use crate::names::{
    OVERVIEW_DASHBOARD_FILE, OVERVIEW_UID, alert_path, dashboard_path, dashboard_uid, slo_path,
};
use crate::number::{format, human, percent};
use crate::routing::receiver_for;

/// The catalog page.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CatalogView {
    /// Spec files, for the header.
    pub sources: Vec<String>,
    /// The overview dashboard's file, relative to the output directory.
    pub overview_path: String,
    /// Its uid.
    pub overview_uid: String,
    /// Services in name order.
    pub services: Vec<CatalogService>,
}

/// One service.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CatalogService {
    /// Name.
    pub name: String,
    /// Owner team.
    pub team: String,
    /// Plain text.
    pub description: Option<String>,
    /// Spec file.
    pub source: String,
    /// Receiver of the team's pages.
    pub page_receiver: String,
    /// Receiver of the team's tickets.
    pub ticket_receiver: String,
    /// Dashboard file, relative to the output directory.
    pub dashboard_path: String,
    /// Dashboard uid (Grafana path `/d/<uid>`).
    pub dashboard_uid: String,
    /// SLOs in file order.
    pub slos: Vec<CatalogSlo>,
    /// Plain alerts in file order.
    pub alerts: Vec<CatalogAlert>,
}

/// One SLO.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CatalogSlo {
    /// Name.
    pub name: String,
    /// Plain text.
    pub description: Option<String>,
    /// `ratio`, `latency`, `threshold`, `raw`.
    pub sli_kind: String,
    /// Objective, percent.
    pub objective: String,
    /// Period.
    pub period: String,
    /// `events` or `time`.
    pub unit: String,
    /// Error budget, percent.
    pub budget_share: String,
    /// Error budget as total outage over the period.
    pub budget_time: String,
    /// Runbook file, relative to the output directory.
    pub runbook_path: String,
    /// Burn-rate alert name, when any window is on.
    pub burn_alert: Option<String>,
    /// One row per burn-rate alert.
    pub burn_alerts: Vec<CatalogBurn>,
    /// No-data alert name, when on.
    pub no_data_alert: Option<String>,
}

/// One burn-rate alert of an SLO.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CatalogBurn {
    /// `page` or `ticket`.
    pub severity: Severity,
    /// The `severity` label value.
    pub severity_label: String,
    /// Long window.
    pub long_window: String,
    /// Short window.
    pub short_window: String,
    /// Burn rate, for prose.
    pub burn_rate: String,
    /// Share of the budget spent when it fires.
    pub budget_spent: String,
    /// From the start of a total outage until it fires (Workbook).
    pub detection_full_outage: String,
    /// Until Prometheus, evaluating at the settings' interval, sees it
    /// firing (what the generated tests pin).
    pub firing_after_outage: String,
}

/// One plain alert.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CatalogAlert {
    /// Alert name.
    pub name: String,
    /// `page` or `ticket`.
    pub severity: Severity,
    /// The `severity` label value.
    pub severity_label: String,
    /// Runbook file, relative to the output directory.
    pub runbook_path: String,
}

/// Plans the catalog.
pub(crate) fn catalog(project: &Project) -> CatalogView {
    let settings = &project.settings;
    // One explanation per SLO, in `project.slos()` order.
    let mut explained = explain(project, None).unwrap_or_default().into_iter();
    let services = project
        .services
        .iter()
        .map(|service| CatalogService {
            name: service.name.clone(),
            team: service.team.clone(),
            description: service.description.clone(),
            source: service.source.clone(),
            page_receiver: receiver_for(project, &service.team, Severity::Page),
            ticket_receiver: receiver_for(project, &service.team, Severity::Ticket),
            dashboard_path: dashboard_path(&service.name),
            dashboard_uid: dashboard_uid(&service.name),
            slos: service
                .slos
                .iter()
                .zip(explained.by_ref())
                .map(|(slo, explanation)| {
                    let burn = |alert: &AlertExplanation| CatalogBurn {
                        severity: alert.severity,
                        severity_label: settings.severity_label(alert.severity).to_owned(),
                        long_window: alert.long_window.clone(),
                        short_window: alert.short_window.clone(),
                        burn_rate: human(alert.burn_rate),
                        budget_spent: percent(alert.budget_spent),
                        detection_full_outage: humanize_seconds(
                            alert.detection_full_outage_seconds,
                        ),
                        firing_after_outage: humanize_seconds(alert.firing_after_outage_seconds),
                    };
                    CatalogSlo {
                        name: slo.name.clone(),
                        description: slo.description.clone(),
                        sli_kind: slo.sli.kind().to_owned(),
                        objective: format(explanation.objective),
                        period: explanation.period.clone(),
                        unit: explanation.unit.to_owned(),
                        budget_share: percent(explanation.error_budget),
                        budget_time: humanize_seconds(explanation.budget_seconds),
                        runbook_path: slo_path(&service.name, &slo.name),
                        burn_alert: (!explanation.alerts.is_empty())
                            .then(|| slo.alerting.name.clone()),
                        burn_alerts: explanation.alerts.iter().map(burn).collect(),
                        no_data_alert: slo
                            .alerting
                            .no_data
                            .then(|| slo.alerting.no_data_name.clone()),
                    }
                })
                .collect(),
            alerts: service
                .alerts
                .iter()
                .map(|alert| CatalogAlert {
                    name: alert.name.clone(),
                    severity: alert.severity,
                    severity_label: settings.severity_label(alert.severity).to_owned(),
                    runbook_path: alert_path(&alert.name),
                })
                .collect(),
        })
        .collect();
    CatalogView {
        sources: project.source_names(),
        overview_path: OVERVIEW_DASHBOARD_FILE.to_owned(),
        overview_uid: OVERVIEW_UID.to_owned(),
        services,
    }
}
