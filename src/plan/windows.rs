//! An SLO's windows: which it records, how each is measured, its burn
//! alerts and their view (factor, windows, severity).

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::recording::{event_queries, ratio};
use crate::duration::{Duration, humanize_seconds};
use crate::ir::{Settings, Severity, Sli, Slo};
use crate::math::{self, BurnAlert, Measure, Measures};
use crate::names::{
    BREACH_METRIC, BUDGET_REMAINING_METRIC, CURRENT_BURN_RATE_METRIC, ERROR_BUDGET_METRIC,
    OBJECTIVE_METRIC, PERIOD_BURN_RATE_METRIC, PERIOD_DAYS_METRIC, SLOTH_INFO_METRIC,
    errors_rate_metric, events_metric, ratio_metric, total_rate_metric,
};
use crate::number::{format, percent};

/// Windows at least this long read recorded base series, not raw ones.
pub(super) const RECORDED_WINDOW: Duration = Duration::from_minutes(24 * 60);

/// The numbers behind a burn-rate alert.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct BurnView {
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
/// made (formatting them was a seventh of planning the alert rules), and
/// hands out the same view to each. A kept view whose severity label is
/// not the settings' (another project, in one process) is made again.
pub(crate) fn burn_view(settings: &Settings, slo: &Slo, alert: &BurnAlert) -> Arc<BurnView> {
    type Key = (Severity, Duration, Duration, [u64; 3], Duration);
    thread_local! {
        static VIEWS: std::cell::RefCell<foldhash::HashMap<Key, Arc<BurnView>>> =
            std::cell::RefCell::default();
    }
    let key = (
        alert.severity,
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
        if let Some(view) = views
            .get(&key)
            .filter(|view| view.severity_label == settings.severity_label(alert.severity))
        {
            return Arc::clone(view);
        }
        let view = Arc::new(format_burn_view(settings, slo, alert));
        if views.len() >= 1024 {
            views.clear();
        }
        views.insert(key, Arc::clone(&view));
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
pub(crate) fn burn_alerts(slo: &Slo) -> Vec<BurnAlert> {
    slo.alerting
        .enabled_windows()
        .map(|window| math::burn_alert(window, slo.period, slo.error_budget()))
        .collect()
}

/// The base window: the shortest short window of the SLO (5m by default).
pub(crate) fn base_window(slo: &Slo) -> Duration {
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
pub(crate) fn recorded_windows(slo: &Slo) -> Vec<Duration> {
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
pub(crate) fn window_measure(slo: &Slo, window: Duration) -> Measure {
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
pub(crate) fn measure(states: bool, raw: bool, base: Duration, window: Duration) -> Measure {
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
pub(crate) fn queries_window(slo: &Slo, window: Duration) -> bool {
    let base = base_window(slo);
    match slo.sli {
        Sli::Threshold { .. } => false,
        Sli::Raw { .. } => true,
        Sli::Ratio { .. } | Sli::Latency { .. } => window < RECORDED_WINDOW && window != base,
    }
}

/// How Prometheus measures the two windows of a burn alert.
pub(crate) fn alert_measures(slo: &Slo, alert: &BurnAlert) -> Measures {
    Measures {
        long: window_measure(slo, alert.long),
        short: window_measure(slo, alert.short),
    }
}

/// The error ratio of an event SLI over a window, from the raw series;
/// empty for other SLI kinds.
pub(crate) fn window_ratio(slo: &Slo, window: Duration) -> String {
    event_queries(&slo.sli)
        .map(|events| ratio(&(events.errors)(window), &(events.total)(window)))
        .unwrap_or_default()
}
