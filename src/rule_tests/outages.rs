//! `tests/slo-outages.yml`: a total outage and the recovery after it,
//! evaluated at the evaluation interval.

use super::*;

/// The outage file: timing of page alerts at the evaluation interval.
pub(super) fn outages(tested: &Tested, subjects: &[Subject<'_>], notes: &[String]) -> TestFile {
    let project = &*tested.project;
    let interval = project.settings.evaluation_interval;
    let step = interval.millis();
    let paged: Vec<usize> = (0..subjects.len())
        .filter(|index| subjects[*index].pages().next().is_some())
        .collect();
    let warm_up = paged
        .iter()
        .flat_map(|index| {
            let subject = &subjects[*index];
            subject
                .pages()
                .map(move |alert| alert.long.millis() + subject.base().millis())
        })
        .max()
        .unwrap_or(0);
    let start = ceil_to(warm_up, interval);
    #[allow(clippy::cast_precision_loss)]
    let outage = paged
        .iter()
        .flat_map(|index| {
            let subject = &subjects[*index];
            subject.pages().map(move |alert| {
                let measures = alert_measures(subject.slo, alert);
                let firing = (alert.firing_seconds(measures, interval)
                    + subject.slo.alerting.for_duration.seconds())
                    * 1000.0;
                // Long enough for the alert to fire, and for its long window to
                // stay above the threshold until the short one has drained.
                let draining = alert.short.millis() as f64
                    + alert.threshold * (alert.long.millis() + step) as f64
                    + subject.base().millis() as f64
                    + 3.0 * step as f64;
                (firing.max(0.0) + 2.0 * step as f64).max(draining)
            })
        })
        .fold(0.0_f64, f64::max);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let outage = ceil_to(outage.ceil() as u64, interval);
    let stop = Duration::from_millis(start.millis() + outage.millis());
    let end = Duration::from_millis(
        stop.millis()
            + paged
                .iter()
                .flat_map(|index| {
                    let keep = subjects[*index].slo.alerting.keep_firing_for.millis();
                    subjects[*index]
                        .pages()
                        .map(move |alert| alert.short.millis() + keep)
                })
                .max()
                .unwrap_or(0)
            + 2 * step,
    );
    let scenario = Scenario {
        step: interval,
        eval: interval,
        phases: vec![
            (1, Share::NONE),
            (start.millis() / step + 1, Share::ALL),
            (stop.millis() / step + 1, Share::NONE),
        ],
        last: end.millis() / step,
    };
    let mut file_notes: Vec<String> = notes.to_vec();
    for (index, subject) in subjects.iter().enumerate() {
        if !paged.contains(&index) {
            file_notes.push(format!(
                "{}: no page alerts; its tickets are tested in {}.",
                subject.id,
                SLOW_BURNS_FILE.trim_start_matches("tests/")
            ));
        }
    }
    // SLOs' inputs are planned in batches, in parallel, gathered in SLO
    // order; their checks when the template reaches their group.
    let scenario = Arc::new(scenario);
    let sketches: Vec<Sketch> = paged
        .par_chunks(BATCH)
        .flat_map_iter(|batch| {
            let simulations = Simulations::default();
            batch
                .iter()
                .map(|index| {
                    let subject = &subjects[*index];
                    let feed = match subject.synthesis.source {
                        Source::Counters { .. } | Source::Gauge { .. } => Feed::Raw,
                        _ => Feed::Recorded,
                    };
                    let plan = PartPlan::Outage {
                        scenario: Arc::clone(&scenario),
                        times: (start, stop),
                    };
                    Sketch {
                        subject_index: *index,
                        feed,
                        step: interval,
                        series: inputs(subject, feed, &scenario, &simulations),
                        comments: part_comments(subject, feed, &plan, &simulations, None),
                        plan,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let groups = pack(subjects, sketches);
    let mut description = if paged.is_empty() {
        vec!["Page alerts under a total outage: no tested SLO has page alerts, so there is nothing to test here.".to_owned()]
    } else {
        vec![
            format!(
                "Page alerts under a total outage, evaluated every {interval} like production. Good traffic until {start}, every event failing from then until {stop}, good traffic again after."
            ),
            "Each page alert must not fire one evaluation interval before the time the burn-rate math predicts (`slogen explain`), must fire with exactly its labels one interval after it, and after errors stop must resolve within its short window.".to_owned(),
            "Alerts are read through ALERTS (labels only): promtool compares alert annotations exactly, and burn-rate descriptions render $value.".to_owned(),
        ]
    };
    description.extend(file_notes);
    TestFile {
        view: file(project, OUTAGES_FILE, description, interval, Vec::new()),
        groups: Some(Arc::new(Groups {
            tested: tested.clone(),
            groups: groups
                .into_iter()
                .map(|sketches| ("full outage, then recovery", sketches))
                .collect(),
        })),
    }
}

/// One planned check of a page alert under the outage: the alert (an
/// index into the subject's alerts), when, whether it should be firing,
/// what the check says, and whether the model confirms it.
pub(super) struct Scheduled {
    pub(super) alert: usize,
    pub(super) time: Duration,
    pub(super) firing: bool,
    pub(super) what: String,
    pub(super) confirmed: bool,
}

/// The checks of an SLO's page alerts under the outage, each with the
/// model's verdict; and the windows whose timing cannot be asserted.
pub(super) fn outage_schedule(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    (start, stop): (Duration, Duration),
    simulations: &Simulations,
) -> (Vec<Scheduled>, Vec<String>) {
    let interval = scenario.eval;
    let simulation = simulations.get(subject.model(), scenario, feed);
    let mut scheduled = Vec::new();
    let mut unasserted = Vec::new();
    let start_seconds = start.seconds();
    let stop_seconds = stop.seconds();
    for (index, alert) in subject.alerts.iter().enumerate() {
        if alert.severity != Severity::Page {
            continue;
        }
        let base = subject.base();
        if !(whole(alert.long, interval) && whole(alert.short, interval) && whole(base, interval)) {
            unasserted.push(format!(
                "{}: {}: timing not asserted: its windows are not whole evaluation intervals.",
                subject.id,
                pair(alert)
            ));
            continue;
        }
        let (wait, keep) = (
            subject.slo.alerting.for_duration,
            subject.slo.alerting.keep_firing_for,
        );
        if guard_silences(subject.slo, alert, scenario) {
            unasserted.push(format!(
                "{}: {}: timing not asserted: at the test's traffic its {} window holds fewer than `min_events` events.",
                subject.id,
                pair(alert),
                alert.long
            ));
            continue;
        }
        // Plans one check of this alert: firing or not at `time`.
        let mut check = |time: Duration, firing: bool, what: String| {
            scheduled.push(Scheduled {
                alert: index,
                time,
                firing,
                what,
                confirmed: simulation.alert_state(alert, time, wait, keep) == Some(firing),
            });
        };
        let measures = alert_measures(subject.slo, alert);
        // `for` counts from the first evaluation that sees the condition.
        let firing = alert.firing_seconds(measures, interval);
        let predicted = start_seconds + firing;
        let (predicted, waited) = if wait.millis() > 0 {
            let seen =
                (predicted / interval.seconds()).floor() * interval.seconds() + interval.seconds();
            (seen + wait.seconds(), format!(" plus its `for` of {wait}"))
        } else {
            (predicted, String::new())
        };
        let explained = format!(
            "the math predicts {}{waited} after the outage starts ({})",
            clock(firing.max(0.0)),
            clock(predicted)
        );
        if let Some(time) = before(predicted - interval.seconds(), interval) {
            check(
                time,
                false,
                format!("not firing yet at {time}: {explained}"),
            );
        }
        if let Some(time) = at_or_before(predicted + interval.seconds(), interval) {
            check(
                time,
                true,
                format!("firing by {time}, within one evaluation of the prediction: {explained}"),
            );
        }
        let resolved = alert.resolved_seconds(measures, interval);
        let predicted = stop_seconds + resolved;
        let (predicted, kept) = if keep.millis() > 0 {
            let seen =
                (predicted / interval.seconds()).floor() * interval.seconds() + interval.seconds();
            (
                seen + keep.seconds(),
                format!(", and it keeps firing for {keep}"),
            )
        } else {
            (predicted, String::new())
        };
        let explained = format!(
            "its {} window drains {} after errors stop{kept} ({})",
            alert.short,
            clock(resolved),
            clock(predicted)
        );
        if let Some(time) = before(predicted - interval.seconds(), interval) {
            check(time, true, format!("still firing at {time}: {explained}"));
        }
        if let Some(time) = at_or_before(predicted + interval.seconds(), interval) {
            check(
                time,
                false,
                format!(
                    "resolved by {time}, within its {} short window: {explained}",
                    alert.short
                ),
            );
        }
    }
    (scheduled, unasserted)
}

/// The comments of an SLO's part of the outage group: how it is fed, the
/// alerts whose timing is not asserted, and the checks the model does not
/// confirm (left out). Known before the part's checks are planned.
pub(super) fn outage_comments(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    times: (Duration, Duration),
    simulations: &Simulations,
) -> Vec<String> {
    let mut comments = Vec::new();
    if let (Feed::Recorded, Source::Recorded { reason }) = (feed, &subject.synthesis.source) {
        comments.push(format!(
            "{}: fed slogen's recorded base series instead of raw ones: {reason}; this tests the alert layer and slogen's own recording rules, not the SLI's queries.",
            subject.id
        ));
    }
    let (scheduled, unasserted) = outage_schedule(subject, feed, scenario, times, simulations);
    comments.extend(unasserted);
    comments.extend(
        scheduled
            .into_iter()
            .filter(|check| !check.confirmed)
            .map(|check| {
                let alert = &subject.alerts[check.alert];
                format!(
                    "left out, the sampling model does not confirm it: {}: {}: {}.",
                    subject.id,
                    pair(alert),
                    check.what
                )
            }),
    );
    comments
}

/// The checks of an SLO's page alerts under the outage that the model
/// confirms, and its recorded values.
pub(super) fn outage_checks(
    project: &Project,
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    (start, stop): (Duration, Duration),
    simulations: &Simulations,
) -> Vec<ExprTestView> {
    let (scheduled, _) = outage_schedule(subject, feed, scenario, (start, stop), simulations);
    scheduled
        .into_iter()
        .filter(|check| check.confirmed)
        .map(|check| {
            let alert = &subject.alerts[check.alert];
            alert_check(
                project,
                subject,
                feed,
                alert,
                check.time,
                check.firing,
                format!("{}: {}: {}.", subject.id, pair(alert), check.what),
            )
        })
        .chain(outage_values(subject, feed, scenario, start, stop))
        .collect()
}

/// Recorded values before the outage (every error ratio 0) and late in
/// it (every window the outage fills reads 1).
pub(super) fn outage_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    start: Duration,
    stop: Duration,
) -> Vec<ExprTestView> {
    let interval = scenario.eval;
    let before = Duration::from_millis(start.millis() - interval.millis());
    let late = Duration::from_millis(stop.millis() - interval.millis());
    let filled = Duration::from_millis(late.millis() - start.millis());
    let before_outage = value_checks(
        subject,
        feed,
        before,
        &steady_values(subject, feed, scenario, Share::NONE, before, None),
        format!("{}: before the outage every error ratio is 0.", subject.id),
    );
    let during = value_checks(
        subject,
        feed,
        late,
        &steady_values(subject, feed, scenario, Share::ALL, late, Some(filled)),
        format!(
            "{}: at {late} every window the outage fills (up to {filled}) reads 1.",
            subject.id
        ),
    );
    before_outage.into_iter().chain(during).collect()
}

/// One check of an SLO's recorded values at `time`: a selector of every
/// metric by name and the SLO's labels, and each value expected exactly.
pub(super) fn value_checks(
    subject: &Subject<'_>,
    feed: Feed,
    time: Duration,
    values: &[(String, f64, bool)],
    comment: String,
) -> Option<ExprTestView> {
    if values.is_empty() {
        return None;
    }
    let mut recorded = subject.recorded_labels(feed);
    recorded.remove("__name__");
    // `vector(...)` (the metadata) keeps none of the query's labels.
    let metadata = series_labels(subject.settings, subject.service, subject.slo);
    let names: Vec<&str> = values.iter().map(|(metric, ..)| metric.as_str()).collect();
    let selector = subject.selector();
    Some(ExprTestView {
        comments: vec![comment],
        expr: format!(
            "{{__name__=~{},{}",
            quote(&names.join("|")),
            selector.trim_start_matches('{')
        ),
        eval_time: time.to_string(),
        exp_samples: values
            .iter()
            .map(|(metric, value, is_metadata)| SampleView {
                labels: series(
                    metric,
                    &match (
                        is_metadata,
                        sloth_window(subject.settings, subject.slo, metric),
                    ) {
                        (true, _) => metadata.clone(),
                        (false, Some(window)) => {
                            let mut labels = recorded.clone();
                            labels.insert(SLOTH_WINDOW_LABEL.to_owned(), window.to_string());
                            labels
                        }
                        (false, None) => recorded.clone(),
                    },
                ),
                value: notation::number(*value),
            })
            .collect(),
    })
}

/// Naive left-to-right sum of `count` copies, as Prometheus 2 sums over time.
pub(super) fn summed(value: f64, count: usize) -> f64 {
    (0..count).fold(0.0, |sum, _| sum + value)
}

/// The values of an event SLI's error and total queries over `window` on
/// raw counters that saw `failed` of `all` events in each of its
/// intervals, with Prometheus 2's arithmetic: `rate()` and `increase()`
/// multiply the counter's increase by one factor ([`counting_factor`]),
/// `sum` adds, the error query is the failure rate or all events less the
/// succeeded ones.
#[allow(clippy::cast_precision_loss)]
pub(super) fn raw_rates(
    source: &Source,
    failed: u64,
    all: u64,
    window: Duration,
    step: Duration,
) -> (f64, f64) {
    let Source::Counters {
        series,
        errors,
        counting,
        ..
    } = source
    else {
        return (0.0, 0.0);
    };
    let intervals = window.millis() / step.millis();
    let factor = counting_factor(*counting, window, step);
    let rate = |count: u64| (count * intervals) as f64 * factor;
    let has_all = series.iter().any(|(_, role)| *role == Role::All);
    let total = if has_all {
        rate(all)
    } else {
        rate(all - failed) + rate(failed)
    };
    let errors = match errors {
        // The failure counter may not exist yet; `or 0 * total` gives 0.
        Errors::Failed if failed == 0 => 0.0,
        Errors::Failed => rate(failed),
        Errors::AllLessSucceeded => total - rate(all - failed),
    };
    (errors, total)
}

/// What Prometheus 2's `rate()` or `increase()` multiplies a counter's
/// increase by, for a series sampled every `step` since long before the
/// range: the samples span the whole steps in `window`, extrapolated to
/// the range's start when it lies less than 1.1 steps away; `rate()` then
/// divides this factor (not the product) by the range.
#[allow(clippy::cast_precision_loss)]
pub(super) fn counting_factor(counting: Counting, window: Duration, step: Duration) -> f64 {
    let intervals = window.millis() / step.millis();
    let sampled = (intervals * step.millis()) as f64 / 1000.0;
    let to_start = window.seconds() - sampled;
    let average = sampled / intervals as f64;
    let extrapolated = if to_start < average * 1.1 {
        sampled + to_start
    } else {
        sampled + average / 2.0
    };
    let factor = extrapolated / sampled;
    match counting {
        Counting::Rate => factor / window.seconds(),
        Counting::Increase => factor,
    }
}

/// Every recorded value slogen can predict exactly at `time`, when every
/// window (up to `within`, if given) has seen the share `share` throughout:
/// (metric, value, is metadata).
#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
pub(super) fn steady_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    share: Share,
    time: Duration,
    within: Option<Duration>,
) -> Vec<(String, f64, bool)> {
    let slo = subject.slo;
    let base = subject.base();
    let step = scenario.step;
    let traffic = scenario.traffic();
    let failed = traffic / share.of * share.failed;
    let now = scenario.sample_at(time);
    let mut values = Vec::new();
    // The base window's error and total rates, as recorded or fed.
    let base_rates = match (&subject.synthesis.source, feed) {
        (source @ Source::Counters { .. }, Feed::Raw) => {
            Some(raw_rates(source, failed, traffic, base, step))
        }
        _ if slo.sli.counts_events() => Some(fed_rates(failed, traffic, base, step)),
        _ => None,
    };
    let state = match (share.failed, subject.is_threshold()) {
        (_, false) => None,
        (0, true) => Some(0.0),
        (failed, true) if failed == share.of => Some(1.0),
        _ => None,
    };
    if let (Some((errors, total)), Feed::Raw) = (base_rates, feed) {
        values.push((format!("slo:sli_errors:rate{base}"), errors, false));
        values.push((format!("slo:sli_total:rate{base}"), total, false));
    }
    if let (Some(state), Feed::Raw) = (state, feed) {
        values.push(("slo:sli_breach:bool".to_owned(), state, false));
    }
    let fed_ratio = share.failed as f64 / share.of as f64;
    let (spacing, first) = scenario.sampling(feed, subject.is_threshold());
    let window_value = |window: Duration| -> Option<f64> {
        if within.is_some_and(|limit| window > limit) {
            return None;
        }
        match (window_measure(slo, window), &slo.sli) {
            (Measure::States, _) => state,
            (Measure::Events, Sli::Raw { .. }) => None,
            (Measure::Events, _) if window == base => {
                base_rates.map(|(errors, total)| errors / total)
            }
            (Measure::Events, _) => match (&subject.synthesis.source, feed) {
                (source @ Source::Counters { .. }, Feed::Raw) => {
                    let (errors, total) = raw_rates(source, failed, traffic, window, step);
                    Some(errors / total)
                }
                _ => None,
            },
            (Measure::Recorded { .. }, Sli::Raw { .. }) => Some(fed_ratio),
            (Measure::Recorded { .. }, _) => {
                let (from, to) = grid_range(now - scenario.steps(window), now, spacing, first);
                let points = usize::try_from(to - from).unwrap_or(0);
                // A share strictly between none and all is exact only when
                // every sample saw a whole base window.
                let earliest = if points == 0 { 0 } else { from * spacing };
                let partial = share.failed > 0 && share.failed < share.of;
                if feed == Feed::Raw && partial && earliest < scenario.steps(base) {
                    return None;
                }
                let (errors, total) = base_rates?;
                Some(summed(errors, points) / summed(total, points))
            }
        }
    };
    for window in recorded_windows(slo) {
        if feed == Feed::Recorded && queries_window(slo, window) {
            continue;
        }
        if let Some(value) = window_value(window) {
            values.push((ratio_metric(window), value, false));
        }
    }
    let budget = literal(slo.error_budget());
    if let Some(ratio) =
        window_value(base).or_else(|| matches!(slo.sli, Sli::Raw { .. }).then_some(fed_ratio))
    {
        values.push((
            "slo:current_burn_rate:ratio".to_owned(),
            ratio / budget,
            false,
        ));
    }
    if let Some(ratio) = window_value(slo.period) {
        let burn = ratio / budget;
        values.push(("slo:period_burn_rate:ratio".to_owned(), burn, false));
        values.push((
            "slo:period_error_budget_remaining:ratio".to_owned(),
            1.0 - burn,
            false,
        ));
    }
    values
}

/// A number as the rules write it and Prometheus reads it.
pub(super) fn literal(value: f64) -> f64 {
    format(value).parse().unwrap_or(f64::NAN)
}

/// True when the low-traffic guard keeps the alert silent at the
/// scenario's traffic: its long window holds fewer than `min_events`.
#[allow(clippy::cast_precision_loss)]
pub(super) fn guard_silences(slo: &Slo, alert: &BurnAlert, scenario: &Scenario) -> bool {
    slo.alerting.min_events.is_some_and(|min_events| {
        let per_second = scenario.traffic() as f64 / scenario.step.seconds();
        per_second * alert.long.seconds() < min_events as f64
    })
}

/// The fed base-window rates of an event SLI (see [`recorded_inputs`]).
#[allow(clippy::cast_precision_loss)]
pub(super) fn fed_rates(failed: u64, traffic: u64, base: Duration, step: Duration) -> (f64, f64) {
    let intervals = base.millis() / step.millis();
    (
        (failed * intervals) as f64 / covered_seconds(base, step),
        traffic as f64 / step.seconds(),
    )
}

/// The seconds of the whole steps in a window.
#[allow(clippy::cast_precision_loss)]
pub(super) fn covered_seconds(window: Duration, step: Duration) -> f64 {
    (window.millis() / step.millis() * step.millis()) as f64 / 1000.0
}
