//! `slogen explain`: what each SLO's alerts will do, in the Workbook's terms.
//!
//! In: a validated [`Project`] and an optional `SERVICE[/SLO]` filter.
//! Out: [`SloExplanation`]s (serialized as-is for `--format json`) and their
//! human rendering. Every number comes from [`crate::math`], the code that
//! writes the alert thresholds, the runbook tables and the generated tests.

use std::fmt::Write as _;

use serde::Serialize;

use crate::duration::humanize_seconds;
use crate::ir::{Project, Severity, Sli};
use crate::math;
use crate::number::{format, human, percent};
use crate::plan::burn_alerts;

/// One SLO, explained.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SloExplanation {
    /// Service name.
    pub service: String,
    /// SLO name.
    pub slo: String,
    /// Objective, percent.
    pub objective: f64,
    /// Period, canonical duration.
    pub period: String,
    /// Period in seconds.
    pub period_seconds: f64,
    /// `events` (ratio, latency, raw) or `time` (threshold).
    pub unit: &'static str,
    /// Error budget as a share of events (or time).
    pub error_budget: f64,
    /// Error budget as seconds of total outage over the period.
    pub budget_seconds: f64,
    /// `for` of the burn-rate alerts, seconds (0: none); counted in every
    /// detection time below.
    pub for_seconds: f64,
    /// `keep_firing_for` of the burn-rate alerts, seconds (0: none);
    /// counted in every reset time below.
    pub keep_firing_for_seconds: f64,
    /// The low-traffic guard: no burn-rate alert fires while its long
    /// window holds fewer events.
    pub min_events: Option<u64>,
    /// Burn-rate alerts in force.
    pub alerts: Vec<AlertExplanation>,
    /// Advice: alerts that fire at a sustainable burn or on a handful of events.
    pub warnings: Vec<String>,
}

/// One burn-rate alert, explained.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct AlertExplanation {
    /// `page` or `ticket`.
    pub severity: Severity,
    /// Long window.
    pub long_window: String,
    /// Short window.
    pub short_window: String,
    /// Multiple of the sustainable error rate.
    pub burn_rate: f64,
    /// Error ratio both windows must exceed.
    pub threshold: f64,
    /// Share of the period's budget spent when it fires.
    pub budget_spent: f64,
    /// Seconds until the budget is gone at this burn rate.
    pub exhaustion_seconds: f64,
    /// Seconds from the start of a total outage until it fires (Workbook).
    pub detection_full_outage_seconds: f64,
    /// Seconds from the start of a total outage until Prometheus, evaluating
    /// at the settings' interval, first sees it firing: the time the
    /// generated promtool tests pin.
    pub firing_after_outage_seconds: f64,
    /// Seconds from the end of a long total outage until Prometheus sees it
    /// resolved (the generated tests check it resolves by then).
    pub resolved_after_outage_seconds: f64,
    /// Seconds until it fires when errors run at twice the threshold.
    pub detection_twice_threshold_seconds: f64,
    /// Seconds after a long total outage ends until it resolves.
    pub reset_after_full_outage_seconds: f64,
    /// A single failed event fires it while the short window holds fewer
    /// events than this.
    pub single_error_events: f64,
}

/// Why a filter matched nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NoMatch {
    /// The filter as given.
    pub filter: String,
    /// The closest `service/slo`, if any is close.
    pub suggestion: Option<String>,
}

/// Explains the SLOs `filter` selects (`service` or `service/slo`; all when `None`).
pub(crate) fn explain(
    project: &Project,
    filter: Option<&str>,
) -> Result<Vec<SloExplanation>, NoMatch> {
    let selected: Vec<SloExplanation> = project
        .slos()
        .filter(|(service, slo)| match filter {
            None => true,
            Some(filter) => match filter.split_once('/') {
                Some((wanted_service, wanted_slo)) => {
                    service.name == wanted_service && slo.name == wanted_slo
                }
                None => service.name == filter,
            },
        })
        .map(|(service, slo)| explain_slo(project, &service.name, slo))
        .collect();
    match filter {
        Some(filter) if selected.is_empty() => {
            let names: Vec<String> = project
                .slos()
                .map(|(service, slo)| format!("{}/{}", service.name, slo.name))
                .chain(project.services.iter().map(|service| service.name.clone()))
                .collect();
            Err(NoMatch {
                filter: filter.to_owned(),
                suggestion: crate::diagnostic::suggest(filter, names.iter().map(String::as_str)),
            })
        }
        _ => Ok(selected),
    }
}

fn explain_slo(project: &Project, service: &str, slo: &crate::ir::Slo) -> SloExplanation {
    let interval = project.settings.evaluation_interval;
    let step = interval.seconds();
    let budget = slo.error_budget();
    let unit = if matches!(slo.sli, Sli::Threshold { .. }) {
        "time"
    } else {
        "events"
    };
    let mut warnings = Vec::new();
    let wait = slo.alerting.for_duration.seconds();
    let keep = slo.alerting.keep_firing_for.seconds();
    let alerts: Vec<AlertExplanation> = burn_alerts(slo)
        .iter()
        .map(|alert| {
            let windows = format!("{}/{}", alert.long, alert.short);
            if alert.burn_rate < 1.0 {
                warnings.push(format!(
                    "the {} alert over {windows} fires at a {}x burn rate, below 1: the budget would still last the whole {}",
                    alert.severity.as_str(),
                    human(alert.burn_rate),
                    slo.period
                ));
            }
            let single_error_events = 1.0 / alert.threshold;
            if unit == "events" && single_error_events <= 10.0 && slo.alerting.min_events.is_none() {
                warnings.push(format!(
                    "the {} alert over {windows} fires on a handful of events: one failure among fewer than {} events in {} trips it (`min_events` guards against this)",
                    alert.severity.as_str(),
                    format(single_error_events.ceil()),
                    alert.short
                ));
            }
            AlertExplanation {
                severity: alert.severity,
                long_window: alert.long.to_string(),
                short_window: alert.short.to_string(),
                burn_rate: alert.burn_rate,
                threshold: alert.threshold,
                budget_spent: alert.budget_share,
                exhaustion_seconds: alert.exhaustion_seconds(slo.period),
                detection_full_outage_seconds: alert.detection_seconds(1.0) + wait,
                firing_after_outage_seconds: next_evaluation(
                    alert.firing_seconds(crate::plan::alert_measures(slo, alert), interval),
                    step,
                ) + wait,
                resolved_after_outage_seconds: next_evaluation(
                    alert.resolved_seconds(crate::plan::alert_measures(slo, alert), interval),
                    step,
                ) + keep,
                detection_twice_threshold_seconds: alert.detection_seconds((2.0 * alert.threshold).min(1.0)) + wait,
                reset_after_full_outage_seconds: alert.reset_seconds(1.0) + keep,
                single_error_events,
            }
        })
        .collect();
    SloExplanation {
        service: service.to_owned(),
        slo: slo.name.clone(),
        objective: slo.objective,
        period: slo.period.to_string(),
        period_seconds: slo.period.seconds(),
        unit,
        error_budget: budget,
        budget_seconds: math::budget_seconds(slo.period, budget),
        for_seconds: wait,
        keep_firing_for_seconds: keep,
        min_events: slo.alerting.min_events,
        alerts,
        warnings,
    }
}

/// Prometheus sees a change at the first evaluation after it happens.
fn next_evaluation(seconds: f64, step: f64) -> f64 {
    ((seconds / step).floor() + 1.0) * step
}

/// The human rendering: a block per SLO with a table of its alerts.
pub(crate) fn render_human(explanations: &[SloExplanation]) -> String {
    let mut text = String::new();
    for (index, slo) in explanations.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "{}/{}: {}% of {} good over {}",
            slo.service,
            slo.slo,
            format(slo.objective),
            slo.unit,
            slo.period
        );
        let _ = writeln!(
            text,
            "  error budget: {} of {}, or {} of total outage per {}",
            percent(slo.error_budget),
            slo.unit,
            humanize_seconds(slo.budget_seconds),
            slo.period
        );
        if slo.for_seconds > 0.0 || slo.keep_firing_for_seconds > 0.0 {
            let _ = writeln!(
                text,
                "  for: {}, keep_firing_for: {} (counted in the times below)",
                humanize_seconds(slo.for_seconds),
                humanize_seconds(slo.keep_firing_for_seconds)
            );
        }
        if let Some(min_events) = slo.min_events {
            let _ = writeln!(
                text,
                "  low-traffic guard: silent while a long window holds fewer than {min_events} events"
            );
        }
        if slo.alerts.is_empty() {
            let _ = writeln!(text, "  no burn-rate alerts (switched off)");
        } else {
            let mut rows = vec![
                [
                    "severity",
                    "windows",
                    "burn",
                    "threshold",
                    "budget spent",
                    "exhausted in",
                    "detects outage",
                    "fires (evaluated)",
                    "detects 2x threshold",
                    "resets after outage",
                ]
                .map(str::to_owned),
            ];
            for alert in &slo.alerts {
                rows.push([
                    alert.severity.as_str().to_owned(),
                    format!("{} / {}", alert.long_window, alert.short_window),
                    format!("{}x", human(alert.burn_rate)),
                    percent(alert.threshold),
                    percent(alert.budget_spent),
                    humanize_seconds(alert.exhaustion_seconds),
                    humanize_seconds(alert.detection_full_outage_seconds),
                    humanize_seconds(alert.firing_after_outage_seconds),
                    humanize_seconds(alert.detection_twice_threshold_seconds),
                    humanize_seconds(alert.reset_after_full_outage_seconds),
                ]);
            }
            let widths: Vec<usize> = (0..rows[0].len())
                .map(|column| {
                    rows.iter()
                        .map(|row| row[column].chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            text.push('\n');
            for row in &rows {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                let _ = writeln!(text, "  {}", cells.join("  ").trim_end());
            }
        }
        for warning in &slo.warnings {
            let _ = writeln!(text, "  warning: {warning}");
        }
    }
    text
}
