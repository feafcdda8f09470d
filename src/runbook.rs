//! Runbooks: one Markdown page per SLO (covering its burn-rate and no-data
//! alerts) and one per plain alert, linked from each alert's `runbook_url`.
//!
//! In: an [`ir::Project`]. Out: [`RunbookView`]s for `runbook.md.j2`
//! (`native::runbook` writes them as the template would).
//! The numbers (burn rates, thresholds, budget spent, exhaustion and
//! detection times) come from [`crate::math`], the same code as the alerts.
//!
//! People's words live in the spec (`[slo.runbook]`, `[alert.runbook]`) and
//! are merged into the page on every build, so they survive rebuilds. A
//! page edited by hand is not overwritten: `write` knows the hash of what
//! it wrote, as for every generated file.

use serde::Serialize;

use crate::duration::humanize_seconds;
use crate::ir::{PlainAlert, Project, RunbookNotes, Service, Severity, Sli, Slo};
use crate::math;
use crate::names::{alert_path, ratio_metric, slo_path, slo_selector};
use crate::number::{format, percent};
use crate::plan::{BurnView, base_window, burn_alerts, burn_view};
use crate::routing::receiver_for;

/// One runbook page.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RunbookView {
    /// Path relative to the output directory.
    pub path: String,
    /// Page title.
    pub title: String,
    /// Alert names this page covers.
    pub alerts: Vec<String>,
    /// Service name.
    pub service: String,
    /// Service description, plain text.
    pub service_description: Option<String>,
    /// Owner team.
    pub team: String,
    /// Spec file, relative to the spec directory.
    pub source: String,
    /// Receiver of the team's page alerts.
    pub page_receiver: String,
    /// Receiver of the team's ticket alerts.
    pub ticket_receiver: String,
    /// Receivers that also get the page alerts (`[slo.alerting]
    /// receivers`, the page table's too).
    pub page_also: Vec<String>,
    /// Receivers that also get the ticket alerts.
    pub ticket_also: Vec<String>,
    /// SLO facts, for SLO pages.
    pub slo: Option<SloFacts>,
    /// Plain alert facts, for plain alert pages.
    pub alert: Option<AlertFacts>,
    /// Hand-written sections from the spec.
    pub notes: RunbookNotes,
    /// Where in the spec those sections go.
    pub notes_table: String,
}

/// What a runbook says about an SLO.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SloFacts {
    /// SLO name.
    pub name: String,
    /// Plain text.
    pub description: Option<String>,
    /// Objective, percent.
    pub objective: String,
    /// Period.
    pub period: String,
    /// `ratio`, `latency`, `threshold`, `raw`.
    pub sli_kind: String,
    /// "events" or "time".
    pub unit: String,
    /// Error budget as a share, percent.
    pub budget_share: String,
    /// Error budget as time of total outage over the period.
    pub budget_time: String,
    /// One row per burn-rate alert.
    pub burn_alerts: Vec<std::sync::Arc<BurnView>>,
    /// The no-data alert, if on.
    pub no_data: Option<NoDataFacts>,
    /// `for` of the burn-rate alerts, if any.
    pub for_duration: Option<String>,
    /// `keep_firing_for` of the burn-rate alerts, if any.
    pub keep_firing_for: Option<String>,
    /// The low-traffic guard, if any.
    pub min_events: Option<u64>,
    /// PromQL to paste into Prometheus.
    pub queries: Vec<QueryView>,
}

/// The no-data alert.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct NoDataFacts {
    /// Alert name.
    pub name: String,
    /// Its `for`.
    pub for_duration: String,
    /// The series it watches.
    pub metric: String,
}

/// A query to investigate with.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct QueryView {
    /// What it shows.
    pub title: String,
    /// The PromQL.
    pub promql: String,
}

/// What a runbook says about a plain alert.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AlertFacts {
    /// Alert name.
    pub name: String,
    /// Page or ticket.
    pub severity: Severity,
    /// Severity label value.
    pub severity_label: String,
    /// PromQL.
    pub expr: String,
    /// `for`, if any.
    pub for_duration: Option<String>,
    /// Summary template.
    pub summary: Option<String>,
    /// Description template.
    pub description: Option<String>,
}

/// What a runbook is written for: an SLO or a plain alert of a service.
#[derive(Clone, Copy)]
pub(crate) enum Page<'a> {
    /// An SLO's runbook.
    Slo(&'a Service, &'a Slo),
    /// A plain alert's runbook.
    Alert(&'a Service, &'a PlainAlert),
}

impl Page<'_> {
    /// The page's view, planned when it is written, so the views of all
    /// pages are never held at once (heap peak at 1,000 SLOs: 11.2 to
    /// 7.7 MB under massif).
    pub(crate) fn view(self, project: &Project) -> RunbookView {
        match self {
            Page::Slo(service, slo) => slo_page(project, service, slo),
            Page::Alert(service, alert) => alert_page(project, service, alert),
        }
    }
}

/// Every runbook the project has, service by service: its SLOs, then its
/// plain alerts.
pub(crate) fn pages(project: &Project) -> Vec<Page<'_>> {
    let mut pages = Vec::new();
    for service in &project.services {
        pages.extend(service.slos.iter().map(|slo| Page::Slo(service, slo)));
        pages.extend(
            service
                .alerts
                .iter()
                .map(|alert| Page::Alert(service, alert)),
        );
    }
    pages
}

fn page(project: &Project, service: &Service, path: String, title: String) -> RunbookView {
    RunbookView {
        path,
        title,
        alerts: Vec::new(),
        service: service.name.clone(),
        service_description: service.description.clone(),
        team: service.team.clone(),
        source: service.source.clone(),
        page_receiver: receiver_for(project, &service.team, Severity::Page),
        ticket_receiver: receiver_for(project, &service.team, Severity::Ticket),
        page_also: Vec::new(),
        ticket_also: Vec::new(),
        slo: None,
        alert: None,
        notes: RunbookNotes::default(),
        notes_table: String::new(),
    }
}

fn slo_page(project: &Project, service: &Service, slo: &Slo) -> RunbookView {
    let settings = &project.settings;
    let mut view = page(
        project,
        service,
        slo_path(&service.name, &slo.name),
        format!("{}/{}", service.name, slo.name),
    );
    // As routed: the team's own receiver is not named twice.
    let also = |severity: Severity| -> Vec<String> {
        let team = receiver_for(project, &service.team, severity);
        let mut receivers: Vec<String> = Vec::new();
        for receiver in slo
            .alerting
            .receivers
            .iter()
            .chain(&slo.alerting.extra(severity).receivers)
        {
            if *receiver != team && !receivers.contains(receiver) {
                receivers.push(receiver.clone());
            }
        }
        receivers
    };
    view.page_also = also(Severity::Page);
    view.ticket_also = also(Severity::Ticket);
    let budget = slo.error_budget();
    let burn_rows: Vec<std::sync::Arc<BurnView>> = burn_alerts(slo)
        .iter()
        .map(|alert| burn_view(settings, slo, alert))
        .collect();
    if !burn_rows.is_empty() {
        view.alerts.push(slo.alerting.name.clone());
    }
    let selector = slo_selector(&service.name, &slo.name);
    let base = base_window(slo);
    let no_data = slo.alerting.no_data.then(|| {
        let name = slo.alerting.no_data_name.clone();
        view.alerts.push(name.clone());
        NoDataFacts {
            name,
            for_duration: settings.no_data_for.to_string(),
            metric: format!("{}{selector}", crate::plan::no_data_metric(slo)),
        }
    });
    let mut queries = vec![QueryView {
        title: format!(
            "Error ratio over {base} (the current burn is this divided by {})",
            format(budget)
        ),
        promql: format!("{}{selector}", ratio_metric(base)),
    }];
    queries.push(QueryView {
        title: format!(
            "Error budget left over the {} period (1 = untouched, below 0 = exhausted)",
            slo.period
        ),
        promql: format!("slo:period_error_budget_remaining:ratio{selector}"),
    });
    if let Some(alert) = burn_alerts(slo).first() {
        queries.push(QueryView {
            title: format!("Error ratio over {} from the raw series", alert.long),
            promql: raw_query(slo, alert.long),
        });
    }
    view.slo = Some(SloFacts {
        name: slo.name.clone(),
        description: slo.description.clone(),
        objective: format(slo.objective),
        period: slo.period.to_string(),
        sli_kind: slo.sli.kind().to_owned(),
        unit: if matches!(slo.sli, Sli::Threshold { .. }) {
            "time"
        } else {
            "events"
        }
        .to_owned(),
        budget_share: percent(budget),
        budget_time: humanize_seconds(math::budget_seconds(slo.period, budget)),
        burn_alerts: burn_rows,
        no_data,
        for_duration: (slo.alerting.for_duration.millis() > 0)
            .then(|| slo.alerting.for_duration.to_string()),
        keep_firing_for: (slo.alerting.keep_firing_for.millis() > 0)
            .then(|| slo.alerting.keep_firing_for.to_string()),
        min_events: slo.alerting.min_events,
        queries,
    });
    view.notes = slo.runbook.clone();
    view.notes_table = format!(
        "`[slo.runbook]` of SLO `{}` in `{}`",
        slo.name, service.source
    );
    view
}

/// The SLI's own query over a window, as the recording rules compute it.
fn raw_query(slo: &Slo, window: crate::duration::Duration) -> String {
    match &slo.sli {
        Sli::Threshold { query, bound } => {
            let (operator, value) = match bound {
                crate::ir::Bound::Max(max) => (">", max),
                crate::ir::Bound::Min(min) => ("<", min),
            };
            format!(
                "avg_over_time(({} {operator} bool {})[{window}:])",
                query.trim(),
                format(*value)
            )
        }
        Sli::Raw { error_ratio } => error_ratio.at(window),
        _ => crate::plan::window_ratio(slo, window),
    }
}

fn alert_page(project: &Project, service: &Service, alert: &PlainAlert) -> RunbookView {
    let mut view = page(
        project,
        service,
        alert_path(&alert.name),
        alert.name.clone(),
    );
    view.alerts.push(alert.name.clone());
    view.alert = Some(AlertFacts {
        name: alert.name.clone(),
        severity: alert.severity,
        severity_label: project.settings.severity_label(alert.severity).to_owned(),
        expr: alert.expr.clone(),
        for_duration: alert.for_duration.map(|duration| duration.to_string()),
        summary: alert.summary.clone(),
        description: alert.description.clone(),
    });
    view.notes = alert.runbook.clone();
    view.notes_table = format!(
        "`[alert.runbook]` of alert `{}` in `{}`",
        alert.name, service.source
    );
    view
}
