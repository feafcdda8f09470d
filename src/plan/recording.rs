//! Recording rules: each SLO's group of error ratios, event counts and
//! metadata series.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::windows::{RECORDED_WINDOW, base_window, recorded_windows};
use super::{GroupFields, GroupView, Labels, RuleView};
use crate::duration::Duration;
use crate::ir::{Bound, RatioErrors, Service, Settings, Sli, Slo};
use crate::names::{
    BREACH_METRIC, BUDGET_REMAINING_METRIC, CURRENT_BURN_RATE_METRIC, ERROR_BUDGET_METRIC,
    OBJECTIVE_METRIC, PERIOD_BURN_RATE_METRIC, PERIOD_DAYS_METRIC, SERVICE_LABEL, SLO_LABEL,
    SLOTH_ID_LABEL, SLOTH_INFO_METRIC, SLOTH_SERVICE_LABEL, SLOTH_SLO_LABEL, SLOTH_WINDOW_LABEL,
    errors_rate_metric, events_metric, ratio_metric, recording_group_name, slo_selector,
    total_rate_metric,
};
use crate::number::format;
use crate::promql::{operand, quote};

#[cfg(test)]
/// Every recording group of the project, in output order (for tests and
/// tools; a build plans each service's file with [`service_rules`]).
pub(crate) fn recording_rules(project: &crate::ir::Project) -> super::RuleFileView {
    super::RuleFileView {
        sources: project.source_names(),
        groups: project
            .slos()
            .map(|(service, slo)| recording_group(&project.settings, service, slo))
            .collect(),
    }
}

/// `settings`: the Sloth-compatible mode's labels, and the evaluation
/// interval, which the low-traffic guard's event counts assume.
pub(super) fn recording_group(settings: &Settings, service: &Service, slo: &Slo) -> GroupView {
    GroupView {
        name: recording_group_name(&service.name, &slo.name),
        rules: slo_recording_rules(settings, service, slo),
        alerting: false,
        fields: GroupFields::default(),
    }
}

/// Labels every recording rule of an SLO carries; in the Sloth-compatible
/// mode, Sloth's too (the error ratios also carry `sloth_window`).
pub(crate) fn series_labels(
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
pub(crate) fn sloth_window(settings: &Settings, slo: &Slo, metric: &str) -> Option<Duration> {
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
pub(crate) fn ratio_labels(
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

pub(super) fn record(
    name: String,
    expr: String,
    labels: &Labels,
    comment: Option<String>,
) -> RuleView {
    RuleView {
        record: Some(name),
        alert: None,
        expr,
        for_duration: None,
        keep_firing_for: None,
        labels: Arc::clone(labels),
        annotations: BTreeMap::new(),
        comment,
        burn: None,
    }
}

/// `numerator / denominator`, one operand per line.
pub(super) fn ratio(numerator: &str, denominator: &str) -> String {
    format!("{}\n/\n{}", operand(numerator), operand(denominator))
}

fn slo_recording_rules(settings: &Settings, service: &Service, slo: &Slo) -> Vec<RuleView> {
    let interval = settings.evaluation_interval;
    let labels = Arc::new(series_labels(settings, service, slo));
    // Without Sloth's `sloth_window`, the error ratios carry the SLO's labels.
    let ratio_labels = |window| {
        if settings.sloth_compatible {
            Arc::new(ratio_labels(settings, service, slo, window))
        } else {
            Arc::clone(&labels)
        }
    };
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
        rules.push(record(
            ratio_metric(window),
            expr,
            &ratio_labels(window),
            None,
        ));
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
        &ratio_labels(base),
        None,
    ));
    rules.push(record(
        PERIOD_BURN_RATE_METRIC.to_owned(),
        format!(
            "{}{selector} / {}",
            ratio_metric(slo.period),
            format(budget)
        ),
        &ratio_labels(slo.period),
        None,
    ));
    rules.push(record(
        BUDGET_REMAINING_METRIC.to_owned(),
        format!("1 - {PERIOD_BURN_RATE_METRIC}{selector}"),
        &ratio_labels(slo.period),
        None,
    ));
    if settings.sloth_compatible {
        rules.push(record(
            SLOTH_INFO_METRIC.to_owned(),
            "vector(1)".to_owned(),
            &Arc::new(sloth_info_labels(&labels, slo)),
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
pub(super) struct EventQueries<'a> {
    pub(super) errors: Box<dyn Fn(Duration) -> String + 'a>,
    pub(super) total: Box<dyn Fn(Duration) -> String + 'a>,
}

pub(super) fn event_queries(sli: &Sli) -> Option<EventQueries<'_>> {
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
