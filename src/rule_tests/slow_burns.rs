//! `tests/slo-slow-burns.yml`: a slow burn that opens tickets and never
//! pages, and a burn just under every threshold that fires nothing.

use super::*;

/// The slow-burn file: hourly evaluation over days.
pub(super) fn slow_burns(tested: &Tested, subjects: &[Subject<'_>], notes: &[String]) -> TestFile {
    let project = &*tested.project;
    let step = project.settings.evaluation_interval;
    let hour = Duration::from_minutes(60);
    let eval = ceil_to(hour.millis().max(step.millis()), step);
    let mut slow_parts = Vec::new();
    let mut low_parts = Vec::new();
    let mut file_notes: Vec<String> = notes.to_vec();
    let warm_up = subjects
        .iter()
        .map(|subject| subject.longest_window().millis() + subject.base().millis())
        .max()
        .unwrap_or(0);
    let start = ceil_to(warm_up, eval);
    // Each SLO's scenarios are simulated on their own: in parallel, then
    // gathered in SLO order so the file does not depend on scheduling.
    let results: Vec<_> = subjects
        .par_chunks(BATCH)
        .enumerate()
        .flat_map_iter(|(batch, chunk)| {
            let simulations = Simulations::default();
            (batch * BATCH..batch * BATCH + chunk.len())
                .map(|index| {
                    let subject = &subjects[index];
                    let feed = match subject.synthesis.source {
                        Source::Counters { .. } => Feed::Raw,
                        _ => Feed::Recorded,
                    };
                    let sketch = |planned: Result<Loadable, String>| {
                        planned.map(|(scenario, plan, note)| Sketch {
                            subject_index: index,
                            feed,
                            step: scenario.step,
                            series: inputs(subject, feed, &scenario, &simulations),
                            comments: part_comments(subject, feed, &plan, &simulations, note),
                            plan,
                        })
                    };
                    let slow = |at| slow_plan(subject, feed, at, start, &simulations);
                    let low = |at| low_plan(subject, feed, at, &simulations);
                    // The low burn's end is known before it is planned.
                    let low_end = low_end(subject, eval);
                    (
                        sketch(loadable(subject, feed, (step, eval), start, &slow)),
                        sketch(loadable(subject, feed, (step, eval), low_end, &low)),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (subject, (slow, low)) in subjects.iter().zip(results) {
        match slow {
            Ok(part) => slow_parts.push(part),
            Err(note) => file_notes.push(format!("{}: {note}", subject.id)),
        }
        match low {
            Ok(part) => low_parts.push(part),
            Err(note) => file_notes.push(format!("{}: {note}", subject.id)),
        }
    }
    let mut description = vec![
        format!(
            "Slow burns, evaluated every {eval} (a constant burn reads the same at any interval; inputs are sampled every {step})."
        ),
        format!(
            "Slow burn: good traffic until {start} (the longest window, filled), then a burn between the ticket and page thresholds: every ticket alert below the burn fires, and no page alert ever does."
        ),
        "Just under: a burn just under the lowest threshold from the start for longer than the longest window: nothing ever fires, and every recorded value is exact.".to_owned(),
        "Threshold SLIs are fed their breach series here: a gauge sampled hourly would say nothing about the share of time out of bounds.".to_owned(),
    ];
    if slow_parts
        .iter()
        .chain(&low_parts)
        .any(|part| part.step != step)
    {
        description.push(format!(
            "Some SLOs' inputs are sampled more coarsely than every {step}, as their groups say: promtool would not load the samples of their windows (10,000 at most in a query)."
        ));
    }
    description.extend(file_notes);
    let groups = pack(subjects, slow_parts)
        .into_iter()
        .map(|sketches| ("slow burn", sketches))
        .chain(
            pack(subjects, low_parts)
                .into_iter()
                .map(|sketches| ("just under the lowest threshold", sketches)),
        )
        .collect();
    TestFile {
        view: file(project, SLOW_BURNS_FILE, description, eval, Vec::new()),
        groups: Some(Arc::new(Groups {
            tested: tested.clone(),
            groups,
        })),
    }
}

/// The most samples of one series a rule's range may hold in the tests.
/// promtool 2's unit tests let a query load 10,000 samples at once: the
/// samples of the series a range function is reading, and the results it
/// holds already (a few per query here).
pub(super) const RANGE_SAMPLES: u64 = 9_900;

/// A planned scenario and part whose inputs promtool can load, and a
/// comment when its inputs are sampled more coarsely than the evaluation
/// interval.
pub(super) type Loadable = (Scenario, PartPlan, Option<String>);

/// The part `plan` plans at the finest input step whose windows stay under
/// [`RANGE_SAMPLES`]: the evaluation interval, or else a multiple of it
/// that divides the evaluation step and every window of the SLO, so the
/// windows hold whole steps as they do at the evaluation interval. A
/// constant burn reads the same at any step. `at_least` is a time the
/// scenario certainly reaches: steps too fine for it are not planned.
pub(super) fn loadable(
    subject: &Subject<'_>,
    feed: Feed,
    (interval, eval): (Duration, Duration),
    at_least: Duration,
    plan: &dyn Fn((Duration, Duration)) -> Result<(Scenario, PartPlan), String>,
) -> Result<Loadable, String> {
    let windows = recorded_windows(subject.slo);
    let divides =
        |step: Duration| whole(eval, step) && windows.iter().all(|window| whole(*window, step));
    let base = subject.base().millis();
    let steps = std::iter::once(interval).chain(
        (2..=base / interval.millis().max(1))
            .map(|times| Duration::from_millis(times * interval.millis()))
            .filter(|step| divides(*step)),
    );
    let mut refused = None;
    for step in steps {
        if range_samples(subject, feed, (step, eval), at_least) > RANGE_SAMPLES {
            continue;
        }
        let (scenario, plan) = plan((step, eval))?;
        let reached = Duration::from_millis(scenario.last * step.millis());
        let samples = range_samples(subject, feed, (step, eval), reached);
        if samples > RANGE_SAMPLES {
            refused = Some((step, samples));
            continue;
        }
        let note = (step != interval).then(|| {
            format!(
                "{}: inputs sampled every {step}, not every {interval}: its windows would hold more samples than promtool lets a query load.",
                subject.id
            )
        });
        return Ok((scenario, plan, note));
    }
    Err(match refused {
        Some((step, samples)) => format!(
            "not tested here: even sampled every {step}, a window would hold {samples} samples, more than promtool lets a query load."
        ),
        None => "not tested here: at any input step a window would hold more samples than promtool lets a query load.".to_owned(),
    })
}

/// The most samples of one series any of the SLO's rules reads through a
/// range at an evaluation up to `until`, with inputs sampled every `step`:
/// raw counters and series slogen feeds are read at that step, base series
/// the rules record at each evaluation.
pub(super) fn range_samples(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    until: Duration,
) -> u64 {
    recorded_windows(subject.slo)
        .into_iter()
        .map(|window| {
            let spacing = match (window_measure(subject.slo, window), feed) {
                (Measure::Recorded { .. } | Measure::States, Feed::Raw) => eval,
                _ => step,
            };
            window.millis().min(until.millis()) / spacing.millis() + 1
        })
        .max()
        .unwrap_or(0)
}

/// The share of a slow burn: above every ticket threshold it can be above
/// while below every page threshold, as far from both as possible.
pub(super) fn slow_share(subject: &Subject<'_>) -> Option<Share> {
    let tickets: Vec<f64> = subject.tickets().map(|alert| alert.threshold).collect();
    let pages = subject
        .pages()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    let highest = tickets.iter().copied().fold(0.0_f64, f64::max);
    let lowest = tickets.iter().copied().fold(1.0_f64, f64::min);
    let below = if highest < pages { highest } else { lowest };
    if tickets.is_empty() || below >= pages {
        return None;
    }
    let target = (below * pages).sqrt();
    (2..=4)
        .filter_map(|digits| Share::decimal(target, digits, false))
        .find(|share| share.value() > below * 1.02 && share.value() < pages * 0.98)
}

/// The share just under the lowest threshold.
pub(super) fn low_share(subject: &Subject<'_>) -> Option<Share> {
    let lowest = subject
        .alerts
        .iter()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    Share::decimal(lowest * 0.95, 2, true)
}

/// How many shares [`state_shares`] offers. A share whose bad samples are
/// further apart than a window's samples reads as 0 or 1 / samples in that
/// window, whatever the period; trying thousands of periods near 1 / share
/// for a four-nines SLO cost minutes and gigabytes and found none.
pub(super) const STATE_SHARES: usize = 16;

/// Shares to try for a threshold SLI: one bad sample in every `p`, the
/// periods nearest `1 / target` first, [`STATE_SHARES`] at most.
pub(super) fn state_shares(target: f64) -> Vec<Share> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let around = (1.0 / target).round().clamp(1.0, 1e15) as u64;
    let mut periods = vec![around];
    for offset in 1..=around.max(4) {
        periods.push(around + offset);
        if offset < around {
            periods.push(around - offset);
        }
        if periods.len() >= 2 * STATE_SHARES {
            break;
        }
    }
    periods
        .into_iter()
        .filter(|period| *period > 1)
        .take(STATE_SHARES)
        .map(|period| Share {
            failed: 1,
            of: period,
        })
        .collect()
}

/// A slow burn from `start` that the model confirms: a scenario where
/// every ticket alert below the burn fires and no other alert does, with
/// its inputs' scenario.
pub(super) fn slow_plan(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    start: Duration,
    simulations: &Simulations,
) -> Result<(Scenario, PartPlan), String> {
    if subject.tickets().next().is_none() {
        return Err("no ticket alerts, so no slow burn.".to_owned());
    }
    let share = slow_share(subject).ok_or_else(|| {
        "no slow burn: no burn lies between its ticket and page thresholds.".to_owned()
    })?;
    let candidates = if subject.is_threshold() {
        state_shares(share.value())
    } else {
        vec![share]
    };
    for share in candidates {
        let scenario = Scenario {
            step,
            eval,
            phases: vec![
                (1, Share::NONE),
                (start.millis() / step.millis() + 1, share),
            ],
            last: 0,
        };
        if let Some(alert) = subject
            .alerts
            .iter()
            .find(|alert| guard_silences(subject.slo, alert, &scenario))
        {
            return Err(format!(
                "no slow burn: its {} window holds fewer than `min_events` events at the test's traffic.",
                alert.long
            ));
        }
        let simulation = simulations.get(subject.model(), &scenario, feed);
        let mut firing = Vec::new();
        let mut end = start;
        let mut ok = true;
        for (index, alert) in subject.alerts.iter().enumerate().filter(|(_, alert)| {
            alert.severity == Severity::Ticket && alert.threshold < share.value()
        }) {
            let rise =
                (alert.threshold / share.value()) * alert.long.seconds().max(alert.short.seconds());
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let estimate = ceil_to(
                start.millis() + (rise * 1000.0) as u64 + 2 * eval.millis(),
                eval,
            );
            let found = (0..12)
                .map(|extra| Duration::from_millis(estimate.millis() + extra * eval.millis()))
                .find(|time| {
                    simulation.alert_state(
                        alert,
                        *time,
                        subject.slo.alerting.for_duration,
                        subject.slo.alerting.keep_firing_for,
                    ) == Some(true)
                });
            match found {
                Some(time) => {
                    end = end.max(time);
                    firing.push((index, time));
                }
                None => ok = false,
            }
        }
        let quiet = |index: &usize| !firing.iter().any(|(fired, _)| fired == index);
        if !ok
            || firing.is_empty()
            || !(0..subject.alerts.len())
                .filter(quiet)
                .all(|index| simulation.never_fires(&subject.alerts[index], end))
        {
            continue;
        }
        let scenario = Scenario {
            last: end.millis() / step.millis(),
            ..scenario
        };
        let plan = PartPlan::Slow {
            share,
            start,
            firing,
            end,
        };
        return Ok((scenario, plan));
    }
    Err("no slow burn the sampling model confirms (every ticket fires, no page).".to_owned())
}

/// The checks of a planned slow burn.
pub(super) fn slow_checks(
    project: &Project,
    subject: &Subject<'_>,
    feed: Feed,
    share: Share,
    start: Duration,
    firing: &[(usize, Duration)],
    end: Duration,
) -> Vec<ExprTestView> {
    let mut checks = Vec::new();
    for (index, time) in firing {
        let alert = &subject.alerts[*index];
        checks.push(alert_check(
            project,
            subject,
            feed,
            alert,
            *time,
            true,
            format!(
                "{}: {}: firing at {time} (threshold {}; the math predicts detection {} into the burn, at {}).",
                subject.id,
                pair(alert),
                format(alert.threshold),
                clock(alert.detection_seconds(share.value())),
                clock(start.seconds() + alert.detection_seconds(share.value())),
            ),
        ));
    }
    for (index, alert) in subject.alerts.iter().enumerate() {
        if firing.iter().any(|(fired, _)| *fired == index) {
            continue;
        }
        checks.push(never_check(
            subject,
            Some(alert),
            end,
            format!(
                "{}: {}: never fires up to {end} (threshold {}).",
                subject.id,
                pair(alert),
                format(alert.threshold)
            ),
        ));
    }
    checks
}

/// The comments of an SLO's part, known before its checks are planned:
/// for an outage, see [`outage_comments`]; for a constant burn, one on the
/// burn, then, when the subject is not fed raw series, one saying so. Then
/// `note`, on the part's inputs.
pub(super) fn part_comments(
    subject: &Subject<'_>,
    feed: Feed,
    plan: &PartPlan,
    simulations: &Simulations,
    note: Option<String>,
) -> Vec<String> {
    let burn = |comment: String| {
        std::iter::once(comment)
            .chain(feed_comment(subject, feed))
            .collect()
    };
    let mut comments: Vec<String> = match plan {
        PartPlan::Outage { scenario, times } => {
            outage_comments(subject, feed, scenario, *times, simulations)
        }
        PartPlan::Slow { share, start, .. } => burn(format!(
            "{}: {} from {start}.",
            subject.id,
            burn_text(subject, *share)
        )),
        PartPlan::Low { share, .. } => burn(format!(
            "{}: {} throughout.",
            subject.id,
            burn_text(subject, *share)
        )),
    };
    comments.extend(note);
    comments
}

/// Says so when a subject is fed recorded base series instead of raw ones.
pub(super) fn feed_comment(subject: &Subject<'_>, feed: Feed) -> Option<String> {
    match (feed, &subject.synthesis.source) {
        (Feed::Recorded, Source::Recorded { reason }) => Some(format!(
            "{}: fed slogen's recorded base series instead of raw ones: {reason}.",
            subject.id
        )),
        _ => None,
    }
}

/// When a burn just under the lowest threshold ends: one evaluation after
/// the longest window is full.
pub(super) fn low_end(subject: &Subject<'_>, eval: Duration) -> Duration {
    ceil_to(
        subject.longest_window().millis() + subject.base().millis() + eval.millis(),
        eval,
    )
}

/// A burn just under the lowest threshold, for longer than the longest
/// window, that the model confirms fires nothing, with its inputs' scenario.
pub(super) fn low_plan(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    simulations: &Simulations,
) -> Result<(Scenario, PartPlan), String> {
    let share =
        low_share(subject).ok_or_else(|| "no burn just under its thresholds.".to_owned())?;
    let candidates = if subject.is_threshold() {
        let mut shares = state_shares(share.value());
        shares.retain(|candidate| candidate.value() <= share.value());
        shares.sort_by_key(|candidate| candidate.of);
        shares
    } else {
        vec![share]
    };
    let end = low_end(subject, eval);
    for share in candidates {
        let scenario = Scenario {
            step,
            eval,
            phases: vec![(1, share)],
            last: end.millis() / step.millis(),
        };
        let simulation = simulations.get(subject.model(), &scenario, feed);
        if !subject
            .alerts
            .iter()
            .all(|alert| simulation.never_fires(alert, end))
        {
            continue;
        }
        let plan = PartPlan::Low {
            share,
            scenario: scenario.clone(),
            end,
        };
        return Ok((scenario, plan));
    }
    Err("no burn just under its thresholds that the sampling model confirms.".to_owned())
}

/// The checks of a planned burn just under the lowest threshold.
pub(super) fn low_checks(
    subject: &Subject<'_>,
    feed: Feed,
    share: Share,
    scenario: &Scenario,
    end: Duration,
) -> Vec<ExprTestView> {
    let lowest = subject
        .alerts
        .iter()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    let mut checks = vec![never_check(
        subject,
        None,
        end,
        format!(
            "{}: no alert ever fires up to {end} (lowest threshold {}).",
            subject.id,
            format(lowest)
        ),
    )];
    checks.extend(low_values(subject, feed, scenario, share, end));
    checks
}

/// Every recorded value of a constant burn, exactly as Prometheus 2
/// computes it, and the SLO's metadata.
pub(super) fn low_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    share: Share,
    end: Duration,
) -> Option<ExprTestView> {
    let slo = subject.slo;
    let mut values = vec![
        (
            "slo:objective:ratio".to_owned(),
            literal(slo.objective / 100.0),
            true,
        ),
        (
            "slo:error_budget:ratio".to_owned(),
            literal(slo.error_budget()),
            true,
        ),
        (
            "slo:time_period:days".to_owned(),
            literal(slo.period.seconds() / 86_400.0),
            true,
        ),
    ];
    values.extend(steady_values(subject, feed, scenario, share, end, None));
    value_checks(
        subject,
        feed,
        end,
        &values,
        format!(
            "{}: recorded values at {end}, as Prometheus computes them from these inputs.",
            subject.id
        ),
    )
}
