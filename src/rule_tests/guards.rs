//! `tests/slo-edge-cases.yml`: what a steady outage does not show.
//!
//! - No data, per group: every SLO with a no-data alert is fed slogen's
//!   recorded base series for two groups of its SLI (or one, when it is
//!   not grouped); one group stops reporting while the other goes on. The
//!   stopped group's no-data alert is pending, then firing exactly when its
//!   `for` has passed, with exactly its labels (the group's included), and
//!   it is the only no-data alert firing: an `absent()` of the whole SLI
//!   would say nothing while the other group reports.
//! - Low-traffic guard (`min_events`): every guarded SLO is fed a total
//!   outage (every event failing from the start, so every window's ratio
//!   is one) at two traffic levels, each in a test group of its own. Under the
//!   guard (the longest long window holds half `min_events`) no burn-rate
//!   alert ever fires nor is pending; above it (every long window holds
//!   twice `min_events` from the first evaluation on)
//!   every one fires as soon as its `for` allows, as it would unguarded.
//! - Raw SLIs whose ratio reads like a ratio SLI's (`1 - good / total`,
//!   `failed / total`, see [`synthesize::raw_counters`]), each in a test
//!   group of its own, fed raw counters: heavy traffic with few failures,
//!   then light traffic with half failing, an idle gap, and the light burn
//!   again. Every window of a day or more, and the period's remaining
//!   budget, equal the ratio of the events in them (traffic-weighted, and
//!   defined after the idle gap), and each burn-rate alert is firing or not
//!   as those exact ratios, its `for` and `keep_firing_for` say.
//!
//! Inputs of the first two are the recorded base series (see [`crate::synthesize`]): the
//! rules are exercised from slogen's own composition on, whatever the
//! SLI's queries. All SLOs of a scenario share one test group: their
//! inputs carry their own `slogen_service` and `slogen_slo` labels. The
//! times are computed here, not simulated: every input is constant, and a
//! series that stops is seen by an instant selector for Prometheus' 5m
//! lookback after its last sample (by a threshold SLI's base-window
//! average for the base window).

use super::*;
use crate::names::{EDGE_CASES_FILE, events_metric};
use crate::number::percent;
use crate::plan::no_data_alert_labels;

/// Prometheus' default lookback of an instant selector.
const LOOKBACK: Duration = Duration::from_minutes(5);

/// Reporting intervals before a group stops.
const REPORTING: u64 = 10;

/// The SLOs the file covers, and why some are left out.
struct Covered<'a> {
    no_data: Vec<(&'a Service, &'a Slo)>,
    guarded: Vec<(&'a Service, &'a Slo)>,
    notes: Vec<String>,
}

fn covered(project: &Project) -> Covered<'_> {
    let mut covered = Covered {
        no_data: Vec::new(),
        guarded: Vec::new(),
        notes: Vec::new(),
    };
    for (service, slo) in project.slos() {
        let guarded = slo.alerting.min_events.is_some() && !plan::burn_alerts(slo).is_empty();
        if !slo.alerting.no_data && !guarded {
            continue;
        }
        let id = format!("{}/{}", service.name, slo.name);
        if let Source::Untestable { reason } =
            synthesize::synthesize(&slo.sli, base_window(slo)).source
        {
            covered.notes.push(format!("{id}: NOT TESTED: {reason}."));
            continue;
        }
        if slo.alerting.no_data {
            covered.no_data.push((service, slo));
        }
        if guarded {
            covered.guarded.push((service, slo));
        }
    }
    covered
}

/// Plans `tests/slo-guards.yml`; `None` when no SLO has a no-data alert
/// or a low-traffic guard.
pub(super) fn guards(project: &Project) -> Option<TestFileView> {
    let covered = covered(project);
    let raw: Vec<(&Service, &Slo, Source)> = project
        .slos()
        .filter(|(_, slo)| !plan::burn_alerts(slo).is_empty())
        .filter_map(|(service, slo)| match &slo.sli {
            Sli::Raw { error_ratio } => {
                synthesize::raw_counters(&error_ratio.at(base_window(slo)), base_window(slo))
                    .map(|source| (service, slo, source))
            }
            _ => None,
        })
        .collect();
    if covered.no_data.is_empty()
        && covered.guarded.is_empty()
        && covered.notes.is_empty()
        && raw.is_empty()
    {
        return None;
    }
    let interval = project.settings.evaluation_interval;
    let mut tests = Vec::new();
    if !covered.no_data.is_empty() {
        tests.push(no_data_group(project, &covered.no_data));
    }
    if !covered.guarded.is_empty() {
        tests.push(guard_group(project, &covered.guarded, false));
        tests.push(guard_group(project, &covered.guarded, true));
    }
    for (service, slo, source) in &raw {
        tests.push(raw_group(project, service, slo, source));
    }
    let mut description = vec![
        format!(
            "No-data alerts per group, the low-traffic guard (`min_events`), and raw SLIs after a traffic change and an idle gap, evaluated every {interval}."
        ),
        "The first two are fed slogen's recorded base series; their expected times follow from constant inputs and Prometheus' 5m lookback. Raw SLIs are fed raw counters; their expected values are the exact ratios of the events fed.".to_owned(),
    ];
    description.extend(covered.notes);
    Some(file(project, EDGE_CASES_FILE, description, interval, tests))
}

/// The series an SLO's no-data alert and guard read, fed for one group.
/// `stops`: the base-window series end after `REPORTING` intervals (the
/// period series go on, as a query over the period would).
fn fed_series(slo: &Slo, labels: &BTreeMap<String, String>) -> Vec<(String, bool)> {
    let base = base_window(slo);
    match slo.sli {
        Sli::Threshold { .. } => vec![("slo:sli_breach:bool".to_owned(), true)],
        Sli::Raw { .. } => vec![
            (ratio_metric(base), true),
            (ratio_metric(slo.period), false),
        ],
        Sli::Ratio { .. } | Sli::Latency { .. } => vec![
            (format!("slo:sli_errors:rate{base}"), true),
            (format!("slo:sli_total:rate{base}"), true),
        ],
    }
    .into_iter()
    .map(|(name, stops)| (series(&name, labels), stops))
    .collect()
}

/// The labels of an SLO's fed series for group `value` (`a` or `b`).
fn group_series_labels(
    project: &Project,
    service: &Service,
    slo: &Slo,
    value: &str,
) -> BTreeMap<String, String> {
    let mut labels = series_labels(&project.settings, service, slo);
    for name in &slo.grouping {
        labels.insert(name.clone(), value.to_owned());
    }
    labels
}

fn no_data_group(project: &Project, slos: &[(&Service, &Slo)]) -> TestGroupView {
    let interval = project.settings.evaluation_interval;
    let step = interval.millis();
    let stop = Duration::from_millis(REPORTING * step);
    let mut input_series = Vec::new();
    let mut checks = Vec::new();
    let mut end = stop;
    for (service, slo) in slos {
        let id = format!("{}/{}", service.name, slo.name);
        let grouped = !slo.grouping.is_empty();
        // How long a stopped series still reads as present.
        let seen_for = if matches!(slo.sli, Sli::Threshold { .. }) {
            base_window(slo)
        } else {
            LOOKBACK
        };
        // Active at the first evaluation after that, firing once `for` has
        // passed since.
        let active = (stop.millis() + seen_for.millis()) / step * step + step;
        let firing = ceil_to(active + project.settings.no_data_for.millis(), interval);
        end = end.max(Duration::from_millis(firing.millis() + step));
        let mut groups = vec![("b", true)];
        if grouped {
            groups.insert(0, ("a", false));
        }
        let mut first = true;
        for (value, stopping) in &groups {
            let labels = group_series_labels(project, service, slo, value);
            for (text, stops) in fed_series(slo, &labels) {
                let value = fed_value(&text);
                let values = if *stopping && stops {
                    format!("{value}x{REPORTING}")
                } else {
                    format!("{value}x{{end}}")
                };
                let comment = first.then(|| {
                    if grouped {
                        format!("{id}: group a reports throughout, group b stops after {stop}")
                    } else {
                        format!("{id}: its base-window series stop after {stop}")
                    }
                });
                first = false;
                input_series.push(InputSeriesView {
                    comment,
                    series: text,
                    values,
                });
            }
        }
        let name = &slo.alerting.no_data_name;
        let mut selected = slo_alerts(service, slo, name);
        selected.insert("alertstate".to_owned(), "firing".to_owned());
        let selector = series("ALERTS", &selected);
        let what = if grouped {
            "the group that stopped (b)"
        } else {
            "the SLI"
        };
        checks.push(ExprTestView {
            comments: vec![format!(
                "{id}: no no-data alert while every group reports, pending or firing, up to {stop}."
            )],
            expr: format!(
                "count_over_time({}[{stop}])",
                series("ALERTS", &slo_alerts(service, slo, name))
            ),
            eval_time: stop.to_string(),
            exp_samples: Vec::new(),
        });
        let before = Duration::from_millis(firing.millis() - step);
        if before.millis() >= active {
            checks.push(ExprTestView {
                comments: vec![format!(
                    "{id}: not firing yet at {before}: {what} is missing from {} on, pending for {}.",
                    Duration::from_millis(active),
                    project.settings.no_data_for
                )],
                expr: selector.clone(),
                eval_time: before.to_string(),
                exp_samples: Vec::new(),
            });
        }
        let rule_labels = no_data_alert_labels(project, service, slo);
        let mut labels = group_series_labels(project, service, slo, "b");
        labels.extend(rule_labels.clone());
        labels.insert("alertname".to_owned(), name.clone());
        labels.insert("alertstate".to_owned(), "firing".to_owned());
        let (expr, sample, note) = firing_alert(selector, labels, &rule_labels);
        let mut comments = vec![format!(
            "{id}: firing at {firing} for {what} only, with exactly its labels{}.",
            if grouped {
                "; group a still reports"
            } else {
                ""
            }
        )];
        comments.extend(note);
        checks.push(ExprTestView {
            comments,
            expr,
            eval_time: firing.to_string(),
            exp_samples: vec![sample],
        });
    }
    let intervals = end.millis() / step;
    for input in &mut input_series {
        input.values = input.values.replace("{end}", &intervals.to_string());
    }
    TestGroupView {
        name: format!("no data per group: {}", ids(slos)),
        comments: Vec::new(),
        interval: interval.to_string(),
        input_series,
        promql_expr_test: checks,
    }
}

/// The constant value fed to a series of the no-data scenario: no
/// failures, one event per second, nothing out of bounds.
fn fed_value(series: &str) -> &'static str {
    if series.starts_with("slo:sli_total:") {
        "1"
    } else {
        "0"
    }
}

fn ids(slos: &[(&Service, &Slo)]) -> String {
    let ids: Vec<String> = slos
        .iter()
        .map(|(service, slo)| format!("{}/{}", service.name, slo.name))
        .collect();
    group_name_list(&ids)
}

/// SLO names for a group name: all of them, or how many and the ends.
fn group_name_list(ids: &[String]) -> String {
    match ids {
        [first, .., last] if ids.len() > 8 => format!("{} SLOs, {first} to {last}", ids.len()),
        _ => ids.join(", "),
    }
}

/// Events per second that put `factor` × `min_events` in a window.
fn rate_for(min_events: u64, window: Duration, factor: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let events = min_events as f64 * factor;
    literal(events / window.seconds())
}

fn guard_group(project: &Project, slos: &[(&Service, &Slo)], above: bool) -> TestGroupView {
    let interval = project.settings.evaluation_interval;
    let step = interval.millis();
    let mut input_series = Vec::new();
    let mut checks = Vec::new();
    let mut end = Duration::from_millis(0);
    for (service, slo) in slos {
        let Some(min_events) = slo.alerting.min_events else {
            continue;
        };
        let id = format!("{}/{}", service.name, slo.name);
        let alerts = plan::burn_alerts(slo);
        let longs: Vec<Duration> = alerts.iter().map(|alert| alert.long).collect();
        let (shortest, longest) = (
            longs.iter().copied().min().unwrap_or(LOOKBACK),
            longs.iter().copied().max().unwrap_or(LOOKBACK),
        );
        // The guard counts the samples there are: above it, the first
        // evaluation's one sample already holds twice `min_events`; under
        // it, even a full longest window holds only half.
        let rate = if above {
            rate_for(min_events, interval, 2.0).ceil()
        } else {
            rate_for(min_events, longest, 0.5)
        };
        let wait = ceil_to(slo.alerting.for_duration.millis(), interval);
        let until = Duration::from_millis(wait.millis() + 2 * step);
        end = end.max(until);
        let labels = series_labels(&project.settings, service, slo);
        let base = base_window(slo);
        let mut fed = vec![
            (format!("slo:sli_errors:rate{base}"), rate),
            (format!("slo:sli_total:rate{base}"), rate),
        ];
        for window in recorded_windows(slo) {
            if queries_window(slo, window) {
                fed.push((ratio_metric(window), 1.0));
            }
        }
        for (at, (name, value)) in fed.into_iter().enumerate() {
            input_series.push(InputSeriesView {
                comment: (at == 0).then(|| {
                    let (count, per) = if above {
                        (rate * interval.seconds(), interval)
                    } else {
                        (rate * longest.seconds(), longest)
                    };
                    format!(
                        "{id}: every event failing from the start, {} events per second, {} per {per} (min_events = {min_events})",
                        format(rate),
                        format(literal(count)),
                    )
                }),
                series: series(&name, &labels),
                values: format!("{}x{{end}}", notation::number(value)),
            });
        }
        if above {
            for alert in &alerts {
                if wait.millis() >= step {
                    let before = Duration::from_millis(wait.millis() - step);
                    checks.push(alert_check_for(
                        project,
                        service,
                        slo,
                        alert,
                        before,
                        false,
                        format!(
                            "{id}: {}: pending at {before}, its `for` of {} not yet passed.",
                            pair(alert),
                            slo.alerting.for_duration
                        ),
                    ));
                }
                checks.push(alert_check_for(
                    project,
                    service,
                    slo,
                    alert,
                    wait,
                    true,
                    format!(
                        "{id}: {}: firing at {wait}: its long window holds at least {} events from the first evaluation on, more than {min_events}, so the guard lets it fire as soon as it would unguarded.",
                        pair(alert),
                        format(literal(rate * interval.seconds())),
                    ),
                ));
            }
        } else {
            let name = &slo.alerting.name;
            checks.push(ExprTestView {
                comments: vec![format!(
                    "{id}: no burn-rate alert fires or is pending up to {until}: every window's error ratio is 100%, but no long window holds {min_events} events."
                )],
                expr: format!(
                    "count_over_time({}[{until}])",
                    series("ALERTS", &slo_alerts(service, slo, name))
                ),
                eval_time: until.to_string(),
                exp_samples: Vec::new(),
            });
            // The guard's own series, for a reader of a failure.
            let shortest_alert = alerts.iter().find(|alert| alert.long == shortest);
            if let Some(alert) = shortest_alert {
                let metric = events_metric(alert.long);
                checks.push(ExprTestView {
                    comments: vec![format!(
                        "{id}: the guard counts fewer than {min_events} events in {shortest}."
                    )],
                    expr: format!(
                        "{metric}{} < bool {min_events}",
                        slo_selector(&service.name, &slo.name)
                    ),
                    eval_time: until.to_string(),
                    exp_samples: vec![SampleView {
                        labels: series("", &labels),
                        value: "1".to_owned(),
                    }],
                });
            }
        }
    }
    let intervals = end.millis() / step;
    for input in &mut input_series {
        input.values = input.values.replace("{end}", &intervals.to_string());
    }
    let side = if above {
        "above the low-traffic guard"
    } else {
        "under the low-traffic guard"
    };
    TestGroupView {
        name: format!("{side}: {}", ids(slos)),
        comments: Vec::new(),
        interval: interval.to_string(),
        input_series,
        promql_expr_test: checks,
    }
}

/// [`alert_check`] for an SLO fed its recorded series.
fn alert_check_for(
    project: &Project,
    service: &Service,
    slo: &Slo,
    alert: &BurnAlert,
    time: Duration,
    firing: bool,
    comment: String,
) -> ExprTestView {
    let mut labels = slo_alerts(service, slo, &slo.alerting.name);
    labels.insert("alertstate".to_owned(), "firing".to_owned());
    labels.insert(LONG_WINDOW_LABEL.to_owned(), alert.long.to_string());
    labels.insert(SHORT_WINDOW_LABEL.to_owned(), alert.short.to_string());
    let selector = series("ALERTS", &labels);
    let mut comments = vec![comment];
    let (expr, exp_samples) = if firing {
        let rule_labels = burn_alert_labels(project, service, slo, alert);
        let mut expected = series_labels(&project.settings, service, slo);
        expected.extend(rule_labels.clone());
        expected.extend(labels);
        let (expr, sample, note) = firing_alert(selector, expected, &rule_labels);
        comments.extend(note);
        (expr, vec![sample])
    } else {
        (selector, Vec::new())
    };
    ExprTestView {
        comments,
        expr,
        eval_time: time.to_string(),
        exp_samples,
    }
}

/// One phase of the raw scenario: how long, and events per evaluation
/// interval.
struct Phase {
    what: &'static str,
    length: Duration,
    total: u64,
    failed: u64,
}

/// Heavy traffic failing 0.1%, light traffic failing 50%, an idle gap,
/// light traffic failing 50% again: the batch job.
fn raw_phases() -> Vec<Phase> {
    let phase = |what, minutes, total, failed| Phase {
        what,
        length: Duration::from_minutes(minutes),
        total,
        failed,
    };
    vec![
        phase("heavy traffic, 0.1% failing", 120, 3000, 3),
        phase("light traffic, 50% failing", 120, 20, 10),
        phase("idle", 30, 0, 0),
        phase("light traffic, 50% failing", 60, 20, 10),
    ]
}

/// Failed and all events per evaluation interval, interval by interval
/// (interval `i` covers `((i - 1)·e, i·e]`; interval 0 is the start).
fn raw_counts(phases: &[Phase], interval: Duration) -> Vec<(u64, u64)> {
    let mut counts = vec![(0, 0)];
    for phase in phases {
        let intervals = phase.length.millis() / interval.millis();
        counts.extend((0..intervals).map(|_| (phase.failed, phase.total)));
    }
    counts
}

/// The error ratio of the events in `(at - window, at]`, as `rate()` over
/// counters sampled at every interval reads it (no extrapolation: every
/// range starts at a sample or before the first, which is 0); `None` for
/// no events.
#[allow(clippy::cast_precision_loss)]
pub(super) fn exact_ratio(counts: &[(u64, u64)], at: u64, window: u64) -> Option<f64> {
    let from = at.saturating_sub(window) + 1;
    let (failed, all) = (from..=at)
        .filter_map(|index| counts.get(usize::try_from(index).ok()?))
        .fold((0, 0), |(failed, all), (f, t)| (failed + f, all + t));
    (all > 0).then(|| failed as f64 / all as f64)
}

fn raw_group(project: &Project, service: &Service, slo: &Slo, source: &Source) -> TestGroupView {
    let interval = project.settings.evaluation_interval;
    let step = interval.millis();
    let Source::Counters {
        series: counters,
        kept,
        ..
    } = source
    else {
        unreachable!("raw_counters gives counters");
    };
    let phases = raw_phases();
    let counts = raw_counts(&phases, interval);
    let last = u64::try_from(counts.len() - 1).unwrap_or(0);
    let id = format!("{}/{}", service.name, slo.name);
    let mut input_series = Vec::new();
    for (at, (series, role)) in counters.iter().enumerate() {
        let mut value = 0;
        let samples: Vec<Sample> = counts
            .iter()
            .map(|&(failed, all)| {
                value += match role {
                    Role::Failed => failed,
                    Role::Succeeded => all - failed,
                    Role::All => all,
                };
                #[allow(clippy::cast_precision_loss)]
                Some(value as f64)
            })
            .collect();
        let comment = (at == 0).then(|| {
            let parts: Vec<String> = phases
                .iter()
                .map(|phase| format!("{} {}", phase.length, phase.what))
                .collect();
            format!(
                "{id}: counters per {interval}: {} ({} then {} events per interval)",
                parts.join(", then "),
                phases[0].total,
                phases[1].total
            )
        });
        input_series.push(InputSeriesView {
            comment,
            series: series.text(),
            values: notation::encode(&samples),
        });
    }
    let mut labels = kept.clone();
    labels.extend(series_labels(&project.settings, service, slo));
    let selector = slo_selector(&service.name, &slo.name);
    let windows = |window: Duration| window.millis() / step;
    let mut checks = Vec::new();
    // Just before the light burn resumes, and at the end.
    let idle_end = last - windows(phases[3].length);
    for at in [idle_end, last] {
        let time = Duration::from_millis(at * step);
        for window in recorded_windows(slo) {
            if window < Duration::from_minutes(24 * 60) && window != slo.period {
                continue;
            }
            let Some(expected) = exact_ratio(&counts, at, windows(window)) else {
                continue;
            };
            let metric = ratio_metric(window);
            checks.push(exact_check(
                format!(
                    "{id}: at {time} the {window} ratio is the events' own, {}: traffic-weighted, and defined after the idle gap.",
                    format(literal(expected))
                ),
                format!("{metric}{selector}"),
                expected,
                time,
                &windowed(project, slo, &metric, &labels),
            ));
            if window == slo.period {
                let remaining = 1.0 - expected / slo.error_budget();
                checks.push(exact_check(
                    format!(
                        "{id}: at {time} the period's remaining budget is 1 - {} / {} = {}.",
                        format(literal(expected)),
                        format(slo.error_budget()),
                        format(literal(remaining))
                    ),
                    format!("slo:period_error_budget_remaining:ratio{selector}"),
                    remaining,
                    time,
                    &windowed(
                        project,
                        slo,
                        "slo:period_error_budget_remaining:ratio",
                        &labels,
                    ),
                ));
            }
        }
    }
    let time = Duration::from_millis(last * step);
    for alert in plan::burn_alerts(slo) {
        let holds = |index: u64| -> Option<bool> {
            let above = |window: Duration| match exact_ratio(&counts, index, windows(window)) {
                None => Some(false),
                Some(ratio) if (ratio - alert.threshold).abs() <= 1e-9 => None,
                Some(ratio) => Some(ratio > alert.threshold),
            };
            match (above(alert.long), above(alert.short)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            }
        };
        let state = alert_state(
            holds,
            last,
            slo.alerting.for_duration.millis().div_ceil(step),
            slo.alerting.keep_firing_for,
            interval,
        );
        let Some(firing) = state else {
            continue;
        };
        let ratio = |window| {
            exact_ratio(&counts, last, windows(window))
                .map_or_else(|| "no events".to_owned(), |ratio| percent(literal(ratio)))
        };
        let comment = format!(
            "{id}: {}: {} at {time}: {} over {} and {} over {}, threshold {}.",
            pair(&alert),
            if firing { "firing" } else { "not firing" },
            ratio(alert.long),
            alert.long,
            ratio(alert.short),
            alert.short,
            percent(alert.threshold)
        );
        let mut check = alert_check_for(project, service, slo, &alert, time, firing, comment);
        if firing {
            // The alert's series is the raw query's: it keeps its `by` labels.
            let rule_labels = burn_alert_labels(project, service, slo, &alert);
            let mut expected = labels.clone();
            expected.extend(rule_labels.clone());
            expected.insert("alertname".to_owned(), slo.alerting.name.clone());
            expected.insert("alertstate".to_owned(), "firing".to_owned());
            expected.insert(LONG_WINDOW_LABEL.to_owned(), alert.long.to_string());
            expected.insert(SHORT_WINDOW_LABEL.to_owned(), alert.short.to_string());
            let mut selector_labels = slo_alerts(service, slo, &slo.alerting.name);
            selector_labels.insert("alertstate".to_owned(), "firing".to_owned());
            selector_labels.insert(LONG_WINDOW_LABEL.to_owned(), alert.long.to_string());
            selector_labels.insert(SHORT_WINDOW_LABEL.to_owned(), alert.short.to_string());
            let (expr, sample, _) =
                firing_alert(series("ALERTS", &selector_labels), expected, &rule_labels);
            check.expr = expr;
            check.exp_samples = vec![sample];
        }
        checks.push(check);
    }
    TestGroupView {
        name: format!("raw SLI after a traffic change and an idle gap: {id}"),
        comments: Vec::new(),
        interval: interval.to_string(),
        input_series,
        promql_expr_test: checks,
    }
}

/// The labels of an SLO's recorded `metric`: `labels`, and in the
/// Sloth-compatible mode the `sloth_window` the metric carries.
fn windowed(
    project: &Project,
    slo: &Slo,
    metric: &str,
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    if let Some(window) = sloth_window(&project.settings, slo, metric) {
        labels.insert(SLOTH_WINDOW_LABEL.to_owned(), window.to_string());
    }
    labels
}

/// A check that `expr` is within 1e-9 of `expected` (promtool compares
/// floats nearly exactly, and `1 - good / total` rounds differently from
/// `failed / total`): `abs(expr - expected) < bool 1e-9` is 1.
fn exact_check(
    comment: String,
    expr: String,
    expected: f64,
    time: Duration,
    labels: &BTreeMap<String, String>,
) -> ExprTestView {
    ExprTestView {
        comments: vec![comment],
        expr: format!(
            "abs({expr} - {}) < bool 1e-9",
            notation::number(literal(expected))
        ),
        eval_time: time.to_string(),
        exp_samples: vec![SampleView {
            labels: series("", labels),
            value: "1".to_owned(),
        }],
    }
}
