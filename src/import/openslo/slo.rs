//! One OpenSLO `SLO` object as the `[[slo]]` TOML of a slogen SLO: its
//! SLI, objective, period and alert policies, with the report of what
//! changed on the way.

use super::targets::receivers_line;
#[allow(clippy::wildcard_imports, reason = "the parent's document types")]
use super::*;

pub(super) fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A query with its window placeholder: `{{window}}` kept, Sloth's
/// `{{.window}}` converted, fixed ranges (`[5m]`) replaced (and said).
fn windowed(query: &str, notes: &mut Vec<String>) -> Option<String> {
    let text = query
        .replace("{{.window}}", "{{window}}")
        .replace("{{ .window }}", "{{window}}");
    if text.contains("{{window}}") {
        return Some(text.trim().to_owned());
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut replaced = Vec::new();
    while let Some(start) = rest.find('[') {
        let Some(length) = rest[start..].find(']') else {
            break;
        };
        let inside = &rest[start + 1..start + length];
        out.push_str(&rest[..=start]);
        if !inside.contains(':') && Duration::parse(inside).is_ok() {
            out.push_str("{{window}}");
            replaced.push(inside.to_owned());
        } else {
            out.push_str(inside);
        }
        out.push(']');
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    if replaced.is_empty() {
        return None;
    }
    notes.push(format!(
        "the query's fixed range{} ({}) became `{{{{window}}}}`: each burn window reads its own range",
        if replaced.len() == 1 { "" } else { "s" },
        replaced.join(", ")
    ));
    Some(out.trim().to_owned())
}

/// The SLO's `[[slo]]` text, or `None` after reporting why not.
#[allow(clippy::too_many_lines)]
pub(super) fn slo_text(
    slo: &Placed<'_, SloSpec>,
    objects: &Objects<'_>,
    errors: &mut Errors,
    report: &mut String,
    receivers: &mut BTreeMap<String, Target>,
) -> Option<String> {
    let source = slo.source;
    let annotations = &slo.metadata.annotations;
    let name = annotations
        .get(crate::export::annotation::NAME)
        .cloned()
        .unwrap_or_else(|| slo.metadata.name.value.clone());
    let name_span = place(&slo.metadata.name);
    let spec = &slo.spec;
    let mut notes: Vec<String> = Vec::new();
    let before = errors.list.len();
    let fail = |errors: &mut Errors, message: String, help: &str| {
        errors.at(source, code::UNSUPPORTED, message, help, name_span.clone());
    };
    // The objective.
    let [objective] = spec.objectives.as_slice() else {
        fail(
            errors,
            format!("SLO `{name}` has {} objectives", spec.objectives.len()),
            "slogen SLOs have one objective; split the others into SLOs of their own",
        );
        return None;
    };
    let percent = match (&objective.target, &objective.target_percent) {
        (Some(target), None) => target.value * 100.0,
        (None, Some(percent)) => percent.value,
        _ => {
            fail(
                errors,
                format!("SLO `{name}`'s objective needs one of `target` and `targetPercent`"),
                "",
            );
            return None;
        }
    };
    let percent = (percent * 1e9).round() / 1e9;
    // The period.
    let period = match spec.time_window.as_slice() {
        [] => None,
        [window] if window.calendar.is_some() || window.is_rolling == Some(false) => {
            errors.at(
                source,
                code::UNSUPPORTED,
                "a calendar time window has no counterpart: slogen SLO periods are rolling"
                    .to_owned(),
                "use `isRolling: true` with a duration",
                place(&window.duration),
            );
            None
        }
        [window] => match Duration::parse(&window.duration.value) {
            Ok(duration) => Some(duration),
            Err(_) => {
                errors.at(
                    source,
                    code::UNSUPPORTED,
                    format!("time window `{}` is not a duration slogen reads", window.duration.value),
                    "write it in days or weeks, e.g. `28d` or `4w` (months and quarters are not fixed lengths)",
                    place(&window.duration),
                );
                None
            }
        },
        _ => {
            fail(
                errors,
                format!("SLO `{name}` has {} time windows", spec.time_window.len()),
                "keep one rolling window",
            );
            None
        }
    };
    // The indicator.
    let sli = match (&spec.indicator, &spec.indicator_ref) {
        (Some(inline), None) => Some(inline.spec.clone()),
        (None, Some(reference)) => match objects.slis.get(reference) {
            Some(sli) => Some(sli.spec.clone()),
            None => {
                fail(
                    errors,
                    format!("SLO `{name}` refers to SLI `{reference}`, which no file defines"),
                    "add the SLI object to the imported files",
                );
                None
            }
        },
        _ => {
            fail(
                errors,
                format!("SLO `{name}` needs one of `indicator` and `indicatorRef`"),
                "",
            );
            None
        }
    };
    let mut sli_text = String::new();
    if let Some(sli) = &sli {
        let query = |metric: &MetricSource,
                     field: &str,
                     errors: &mut Errors,
                     notes: &mut Vec<String>|
         -> Option<String> {
            let source_type = metric.metric_source.source_type.clone().or_else(|| {
                metric
                    .metric_source
                    .metric_source_ref
                    .as_ref()
                    .and_then(|reference| objects.sources.get(reference).cloned())
            });
            if !source_type
                .as_deref()
                .is_some_and(|kind| kind.eq_ignore_ascii_case("prometheus"))
            {
                errors.at(
                    source,
                    code::UNSUPPORTED,
                    format!(
                        "`{field}` reads a `{}` metric source; slogen writes Prometheus rules",
                        source_type.unwrap_or_else(|| "unnamed".to_owned())
                    ),
                    "set `type: Prometheus` (or a `metricSourceRef` to a Prometheus DataSource) and a PromQL `query`",
                    place(&metric.metric_source.spec.query),
                );
                return None;
            }
            let text = &metric.metric_source.spec.query;
            let converted = windowed(&text.value, notes);
            if converted.is_none() {
                errors.at(
                    source,
                    code::UNSUPPORTED,
                    format!("`{field}` has no range to make the window of"),
                    "write the range as `[{{window}}]`, e.g. `sum(rate(http_requests_total[{{window}}]))`",
                    place(text),
                );
            }
            converted
        };
        let latency = annotations
            .get(crate::export::annotation::LATENCY)
            .and_then(|text| serde_json::from_str::<Latency>(text).ok());
        match (&sli.ratio_metric, &sli.threshold_metric) {
            (Some(_), None) if latency.is_some() => {
                let latency = latency.unwrap_or_default();
                sli_text = format!(
                    "\n[slo.sli.latency]\nhistogram = {}\nthreshold = {}\n",
                    toml_string(&latency.histogram),
                    number(latency.threshold)
                );
                if !latency.selector.is_empty() {
                    sli_text.push_str(&format!("selector = {}\n", string(&latency.selector)));
                }
                if !latency.group_by.is_empty() {
                    let labels: Vec<String> = latency
                        .group_by
                        .iter()
                        .map(|label| toml_string(label))
                        .collect();
                    sli_text.push_str(&format!("group_by = [{}]\n", labels.join(", ")));
                }
                if latency.native {
                    sli_text.push_str("native = true\n");
                }
            }
            (Some(ratio), None) => {
                let _ = ratio.counter;
                if spec
                    .budgeting_method
                    .as_deref()
                    .is_some_and(|method| method != "Occurrences")
                {
                    notes.push(format!(
                        "budgeting method `{}` becomes occurrences: slogen counts events over the period",
                        spec.budgeting_method.clone().unwrap_or_default()
                    ));
                }
                match (&ratio.good, &ratio.bad, &ratio.total, &ratio.raw) {
                    (good, bad, Some(total), None) if good.is_some() != bad.is_some() => {
                        let (key, numerator) = match (good, bad) {
                            (Some(good), _) => ("good", good),
                            (_, Some(bad)) => ("errors", bad),
                            _ => unreachable!("one of the two"),
                        };
                        let numerator = query(numerator, key, errors, &mut notes);
                        let total = query(total, "total", errors, &mut notes);
                        if let (Some(numerator), Some(total)) = (numerator, total) {
                            sli_text = format!(
                                "\n[slo.sli.ratio]\n{key} = {}\ntotal = {}\n",
                                string(&numerator),
                                string(&total)
                            );
                        }
                    }
                    (None, None, None, Some(raw)) => {
                        let failure = match ratio.raw_type.as_deref() {
                            Some("failure") => true,
                            Some("success") => false,
                            other => {
                                fail(
                                    errors,
                                    format!(
                                        "`rawType` `{}` is neither `success` nor `failure`",
                                        other.unwrap_or("")
                                    ),
                                    "",
                                );
                                return None;
                            }
                        };
                        if let Some(raw) = query(raw, "raw", errors, &mut notes) {
                            let ratio = if failure {
                                raw
                            } else {
                                format!("1 - (\n  {raw}\n)")
                            };
                            sli_text =
                                format!("\n[slo.sli.raw]\nerror_ratio = {}\n", string(&ratio));
                        }
                    }
                    _ => fail(
                        errors,
                        format!(
                            "SLO `{name}`'s ratio metric needs `good` or `bad`, and `total`; or `raw`"
                        ),
                        "",
                    ),
                }
            }
            (None, Some(threshold)) => {
                let query_text = &threshold.metric_source.spec.query;
                let bound = match (objective.op.as_deref(), objective.value) {
                    (Some("lt" | "lte"), Some(value)) => Some(("max", value)),
                    (Some("gt" | "gte"), Some(value)) => Some(("min", value)),
                    _ => None,
                };
                match bound {
                    Some((key, value)) => {
                        sli_text = format!(
                            "\n[slo.sli.threshold]\nquery = {}\n{key} = {}\n",
                            string(query_text.value.trim()),
                            number(value)
                        );
                        if matches!(objective.op.as_deref(), Some("lte" | "gte")) {
                            notes.push("`lte`/`gte`: slogen's bounds count a value equal to the bound as good, as `lte`/`gte` do; `lt`/`gt` differ only at the bound".to_owned());
                        }
                        notes.push("a threshold SLI counts time out of bounds (time slices of the evaluation interval)".to_owned());
                    }
                    None => fail(
                        errors,
                        format!(
                            "SLO `{name}`'s threshold metric needs an objective with `op` and `value`"
                        ),
                        "",
                    ),
                }
            }
            _ => fail(
                errors,
                format!("SLO `{name}`'s SLI needs one of `ratioMetric` and `thresholdMetric`"),
                "",
            ),
        }
        let _ = &sli.description;
    }
    // Alert policies: each condition a burn window; a severity whose
    // policies all have `alertWhenBreaching: false` is switched off.
    let mut windows = String::new();
    // The targets of each severity's policies, page first; and those of
    // the policies that alert on no data (a ticket in slogen).
    let mut targets: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    let mut no_data_targets: Vec<String> = Vec::new();
    let mut used: BTreeMap<String, Target> = BTreeMap::new();
    let mut no_data = false;
    let mut breaching = [false, false];
    let mut seen = [false, false];
    let period_for_burn = period.unwrap_or(Duration::from_minutes(30 * 24 * 60));
    for policy in &spec.alert_policies {
        let (policy_name, policy_spec, policy_annotations) = match (
            &policy.alert_policy_ref,
            &policy.spec,
        ) {
            (Some(reference), None) => match objects.policies.get(reference) {
                Some(found) => (
                    reference.clone(),
                    &found.spec,
                    found.metadata.annotations.clone(),
                ),
                None => {
                    fail(
                        errors,
                        format!(
                            "SLO `{name}` refers to alert policy `{reference}`, which no file defines"
                        ),
                        "add the AlertPolicy object to the imported files",
                    );
                    continue;
                }
            },
            (None, Some(spec)) => (
                policy
                    .metadata
                    .as_ref()
                    .map_or_else(String::new, |metadata| metadata.name.value.clone()),
                spec,
                policy
                    .metadata
                    .as_ref()
                    .map(|metadata| metadata.annotations.clone())
                    .unwrap_or_default(),
            ),
            _ => {
                fail(
                    errors,
                    format!(
                        "an alert policy of SLO `{name}` needs `alertPolicyRef` or an inline `spec`"
                    ),
                    "",
                );
                continue;
            }
        };
        let _ = (&policy.kind, &policy_spec.description);
        let breaches = policy_spec.alert_when_breaching != Some(false);
        if policy_spec.alert_when_resolved == Some(true) {
            notes.push(format!("alert policy `{policy_name}`: resolved notifications are Alertmanager's `send_resolved`, not a rule"));
        }
        no_data |= policy_spec.alert_when_no_data == Some(true);
        let mut policy_targets: Vec<String> = Vec::new();
        for target in &policy_spec.notification_targets {
            let target_name = target.target_ref.clone().or_else(|| {
                target
                    .metadata
                    .as_ref()
                    .map(|metadata| metadata.name.value.clone())
            });
            let _ = &target.kind;
            match target_name {
                Some(target_name) if objects.routing_targets.contains(&target_name) => {}
                Some(target_name) if target.target_ref.is_none() => {
                    used.insert(target_name.clone(), Target::from_spec(target.spec.as_ref()));
                    policy_targets.push(target_name);
                }
                Some(target_name) if objects.targets.contains_key(&target_name) => {
                    // An exported receiver is named as the settings name it.
                    let target = objects.targets[&target_name].clone();
                    let receiver = target.receiver.clone().unwrap_or(target_name);
                    used.insert(receiver.clone(), target);
                    policy_targets.push(receiver);
                }
                Some(target_name) => fail(
                    errors,
                    format!(
                        "alert policy `{policy_name}` refers to notification target `{target_name}`, which no file defines"
                    ),
                    "add the AlertNotificationTarget object to the imported files",
                ),
                None => fail(
                    errors,
                    format!("a notification target of alert policy `{policy_name}` has no name"),
                    "",
                ),
            }
        }
        for condition in &policy_spec.conditions {
            let found = match (&condition.condition_ref, &condition.spec) {
                (Some(reference), None) => objects
                    .conditions
                    .get(reference)
                    .map(|found| found.spec.clone()),
                (None, Some(spec)) => Some(spec.clone()),
                _ => None,
            };
            let _ = (&condition.kind, &condition.metadata);
            let Some(found) = found else {
                fail(
                    errors,
                    format!(
                        "alert policy `{policy_name}` has a condition that is neither inline nor a defined `conditionRef`"
                    ),
                    "add the AlertCondition object to the imported files",
                );
                continue;
            };
            let _ = &found.description;
            let (severity, index) = match found.severity.to_ascii_lowercase().as_str() {
                "page" | "critical" => ("page", 0),
                "ticket" | "warning" => ("ticket", 1),
                other => {
                    fail(
                        errors,
                        format!("alert condition severity `{other}` is neither page nor ticket"),
                        "slogen alerts page (`page`, `critical`) or ticket (`ticket`, `warning`)",
                    );
                    continue;
                }
            };
            let condition = &found.condition;
            if condition
                .kind
                .as_deref()
                .is_some_and(|kind| kind != "burnrate")
                || !matches!(condition.op.as_str(), "gt" | "gte")
            {
                fail(
                    errors,
                    format!(
                        "alert condition `{} {} {}` has no counterpart",
                        condition.kind.clone().unwrap_or_default(),
                        condition.op,
                        condition.threshold
                    ),
                    "slogen alerts when the burn rate rises above a threshold: `kind: burnrate`, `op: gt` or `gte`",
                );
                continue;
            }
            let Ok(long) = Duration::parse(&condition.lookback_window) else {
                fail(
                    errors,
                    format!(
                        "lookback window `{}` is not a duration",
                        condition.lookback_window
                    ),
                    "",
                );
                continue;
            };
            let short = match policy_annotations
                .get(crate::export::annotation::SHORT_WINDOW)
                .and_then(|text| Duration::parse(text).ok())
            {
                Some(short) => short,
                None => {
                    let short =
                        Duration::from_millis((long.millis() / 12).max(60_000) / 60_000 * 60_000);
                    notes.push(format!("burn-rate condition over {long} gets a short window of {short} (a twelfth, as the Workbook pairs them)"));
                    short
                }
            };
            if condition
                .alert_after
                .as_deref()
                .is_some_and(|after| Duration::parse(after).is_ok_and(|after| after.millis() > 0))
            {
                notes.push(format!("alert condition `alertAfter: {}` is dropped: the short window ({short}) stops a brief spike instead", condition.alert_after.clone().unwrap_or_default()));
            }
            seen[index] = true;
            breaching[index] |= breaches;
            targets[index].extend(policy_targets.iter().cloned());
            // slogen states burn rates for a 30-day period.
            let burn_rate = condition.threshold * 30.0 * 86_400.0 / period_for_burn.seconds();
            let _ = writeln!(
                windows,
                "\n[[slo.alerting.window]]\nseverity = \"{severity}\"\nlong = \"{long}\"\nshort = \"{short}\"\nburn_rate = {}",
                number(burn_rate)
            );
        }
        if policy_spec.alert_when_no_data == Some(true) {
            no_data_targets.extend(policy_targets);
        }
    }
    if errors.list.len() > before {
        return None;
    }
    let note: AlertingNote = annotations
        .get(crate::export::annotation::ALERTING)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let mut text = format!("\n[[slo]]\nname = {}\n", toml_string(&name));
    if let Some(description) = spec
        .description
        .as_ref()
        .or(slo.metadata.display_name.as_ref())
    {
        text.push_str(&format!("description = {}\n", toml_string(description)));
    }
    text.push_str(&format!("objective = {}\n", number(percent)));
    if let Some(period) = period {
        text.push_str(&format!("period = \"{period}\"\n"));
    }
    let labels: Map = slo
        .metadata
        .labels
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "team" | "severity" | "alertname"))
        .map(|(key, value)| (key.clone(), value.joined()))
        .collect();
    if !labels.is_empty() {
        text.push_str(&format!("labels = {}\n", inline(&labels)));
    }
    text.push_str(&sli_text);
    if spec.alert_policies.is_empty() {
        notes.push(
            "no alert policies: no alerts (`[slo.alerting]` turns slogen's multi-window alerts on)"
                .to_owned(),
        );
    }
    text.push_str("\n[slo.alerting]\n");
    if let Some(alert_name) = &note.name {
        text.push_str(&format!("name = {}\n", toml_string(alert_name)));
    }
    for (index, severity) in ["page", "ticket"].iter().enumerate() {
        if !breaching[index] {
            text.push_str(&format!("{severity} = false\n"));
        }
    }
    if !no_data {
        text.push_str("no_data = false\n");
    }
    if let Some(duration) = &note.for_duration {
        text.push_str(&format!("for = {}\n", toml_string(duration)));
    }
    if let Some(duration) = &note.keep_firing_for {
        text.push_str(&format!("keep_firing_for = {}\n", toml_string(duration)));
    }
    if let Some(count) = note.min_events {
        text.push_str(&format!("min_events = {count}\n"));
    }
    for list in &mut targets {
        list.sort();
        list.dedup();
    }
    // Targets on the policies of both severities get every alert (the
    // no-data alert too), whether or not a severity is switched off.
    let every_alert = !targets[0].is_empty() && targets[0] == targets[1];
    // A severity switched off has no alerts of its own to send (a table
    // would turn it back on).
    for (index, list) in targets.iter_mut().enumerate() {
        if !breaching[index] && !every_alert {
            list.clear();
        }
    }
    target_notes(&used, &targets, &no_data_targets, no_data, &mut notes);
    receivers.extend(used);
    if !note.labels.is_empty() {
        text.push_str(&format!("labels = {}\n", inline(&note.labels)));
    }
    if every_alert {
        text.push_str("# OpenSLO notification targets of every alert policy.\n");
        text.push_str(&receivers_line(&targets[0]));
    }
    if !note.annotations.is_empty() {
        text.push_str(&format!("annotations = {}\n", inline(&note.annotations)));
    }
    if !seen.iter().any(|seen| *seen) {
        // No windows at all: an empty list would fail; the switches above
        // are off, so the settings' windows are never used.
    } else {
        text.push_str(&windows);
    }
    for (index, (severity, extras)) in [("page", &note.page), ("ticket", &note.ticket)]
        .into_iter()
        .enumerate()
    {
        // A disabled severity is `page = false`: its extras do nothing.
        let own_receivers = if every_alert {
            &[][..]
        } else {
            &targets[index][..]
        };
        if !breaching[index]
            || (extras.labels.is_empty()
                && extras.annotations.is_empty()
                && own_receivers.is_empty())
        {
            continue;
        }
        text.push_str(&format!("\n[slo.alerting.{severity}]\n"));
        if !own_receivers.is_empty() {
            text.push_str(&format!(
                "# OpenSLO notification targets of the {severity} alert policies.\n"
            ));
            text.push_str(&receivers_line(own_receivers));
        }
        if !extras.labels.is_empty() {
            text.push_str(&format!("labels = {}\n", inline(&extras.labels)));
        }
        if !extras.annotations.is_empty() {
            text.push_str(&format!("annotations = {}\n", inline(&extras.annotations)));
        }
    }
    if let Some(runbook) = annotations
        .get(crate::export::annotation::RUNBOOK)
        .and_then(|text| serde_json::from_str::<BTreeMap<String, Option<String>>>(text).ok())
    {
        text.push_str("\n[slo.runbook]\n");
        for (key, value) in runbook {
            if let Some(value) = value {
                text.push_str(&format!("{key} = {}\n", string(&value)));
            }
        }
    }
    let mut said = std::collections::BTreeSet::new();
    notes.retain(|note| said.insert(note.clone()));
    let _ = writeln!(
        report,
        "{}/{name} ({})",
        spec.service,
        source.path.display()
    );
    for note in &notes {
        let _ = writeln!(report, "  - {note}");
    }
    if notes.is_empty() {
        let _ = writeln!(report, "  - nothing differs");
    }
    Some(text)
}

/// The report's lines on the notification targets: which alerts each
/// receiver gets, and the no-data alerts (tickets in slogen) that a
/// policy's targets miss when they get no tickets.
fn target_notes(
    used: &BTreeMap<String, Target>,
    targets: &[Vec<String>; 2],
    no_data_targets: &[String],
    no_data: bool,
    notes: &mut Vec<String>,
) {
    for (name, target) in used {
        let severities = match (targets[0].contains(name), targets[1].contains(name)) {
            (true, true) => "every alert of this SLO",
            (true, false) => "its page alerts",
            (false, true) if no_data => {
                "its ticket alerts and the no-data alert (muted, as for every receiver, while a page of the SLO fires: add it to `[slo.alerting] receivers` for the pages too)"
            }
            (false, true) => {
                "its ticket alerts (muted, as for every receiver, while a page of the SLO fires: add it to `[slo.alerting] receivers` for the pages too)"
            }
            (false, false) => {
                notes.push(format!(
                    "notification target `{name}` gets no alert: its policies have no burn-rate condition of a severity that is on"
                ));
                continue;
            }
        };
        notes.push(target.note(name, severities));
    }
    for name in no_data_targets {
        if no_data && !targets[1].contains(name) {
            notes.push(format!(
                "notification target `{name}` is not sent the no-data alert: slogen's is a ticket, routed to the ticket policies' targets"
            ));
        }
    }
}
