//! Export: the validated project as OpenSLO v1 YAML, so slogen is never a
//! dead end.
//!
//! In: an [`ir::Project`]. Out: one YAML stream, a `Service` per service
//! and an `SLO` per SLO (its SLI inline, one inline `AlertPolicy` per burn
//! window with its `AlertCondition`), in project order, after the
//! `AlertNotificationTarget`s the policies name: Alertmanager (slogen's
//! routing), and each receiver SLOs name (`[slo.alerting] receivers`), for
//! the policies of the severities it gets; deterministic.
//!
//! Portable fields carry the meaning for other tools: ratio SLIs are
//! `ratioMetric` (`good` or `bad` over `total`), raw SLIs a failure
//! `raw` ratio, threshold SLIs a `thresholdMetric` with the objective's
//! `op` and `value`, latency SLIs a ratio of histogram buckets; the period
//! is a rolling `timeWindow`, each burn window a `burnrate` condition over
//! its long window at the period's burn rate. What OpenSLO has no field
//! for is kept in `slogen.export/...` annotations (the latency SLI's histogram,
//! alert names, labels and annotations, runbook notes, short windows), so
//! that `slogen import openslo` gives the same specs back. Plain alerts
//! and settings have no OpenSLO counterpart and are not exported: each
//! plain alert is named in a comment of the export and in a warning
//! ([`not_exported`]).

use serde_json::{Map, Value, json};

use crate::duration::Duration;
use crate::ir::{Bound, Project, RatioErrors, Service, Severity, SeverityExtra, Sli, Slo};
use crate::number::format;

/// Annotation keys of what OpenSLO has no field for.
pub(crate) mod annotation {
    /// A latency SLI: `{histogram, threshold, selector, group_by}`.
    pub(crate) const LATENCY: &str = "slogen.export/latency";
    /// Alert name, labels and annotations, per severity too.
    pub(crate) const ALERTING: &str = "slogen.export/alerting";
    /// Hand-written runbook notes.
    pub(crate) const RUNBOOK: &str = "slogen.export/runbook";
    /// The service file's name in the spec directory.
    pub(crate) const FILE: &str = "slogen.export/file";
    /// The SLO's name in its service.
    pub(crate) const NAME: &str = "slogen.export/name";
    /// The short window of a burn-rate condition.
    pub(crate) const SHORT_WINDOW: &str = "slogen.export/short-window";
    /// The notification target every alert policy names: Alertmanager,
    /// with slogen's routing (not a receiver when imported back).
    pub(crate) const ROUTING: &str = "slogen.export/routing";
    /// A notification target that is an Alertmanager receiver of the
    /// settings (`[slo.alerting] receivers`): the receiver's name.
    pub(crate) const RECEIVER: &str = "slogen.export/receiver";
}

/// The name of the one `AlertNotificationTarget` of an export.
pub(crate) const ROUTING_TARGET: &str = "slogen-alertmanager";

/// The project as OpenSLO v1 documents.
pub(crate) fn openslo(project: &Project) -> String {
    let mut documents = Vec::new();
    if project
        .services
        .iter()
        .any(|service| !service.slos.is_empty())
    {
        documents.push(routing_target());
    }
    let receivers = receiver_targets(project);
    for (receiver, name) in &receivers {
        documents.push(receiver_target(receiver, name));
    }
    for service in &project.services {
        documents.push(service_document(service));
        for slo in &service.slos {
            documents.push(slo_document(
                service,
                slo,
                project.settings.evaluation_interval,
                &receivers,
            ));
        }
    }
    let mut text = String::from("# OpenSLO v1, exported by `slogen export openslo`.\n");
    for line in not_exported(project) {
        text.push_str(&format!("# Not exported: {line}\n"));
    }
    for document in documents {
        let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
        let yaml = serde_saphyr::to_string_with_options(&document, options).unwrap_or_default();
        text.push_str("---\n");
        text.push_str(&yaml);
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

fn strings(map: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect(),
    )
}

/// What the export leaves out, a line each: the plain alerts, which no
/// OpenSLO kind holds (an `AlertPolicy` belongs to an SLO and its
/// conditions are burn rates or thresholds of the SLO's SLI).
pub(crate) fn not_exported(project: &Project) -> Vec<String> {
    project
        .services
        .iter()
        .flat_map(|service| {
            service.alerts.iter().map(|alert| {
                format!(
                    "plain alert `{}` of service `{}` ({}): OpenSLO has no kind for an alert outside an SLO; \
                     `slogen import openslo` of this export will not have it",
                    alert.name, service.name, service.source
                )
            })
        })
        .collect()
}

/// OpenSLO requires a notification target in every alert policy: slogen's
/// is Alertmanager, with the routing of the settings file.
fn routing_target() -> Value {
    json!({
        "apiVersion": "openslo/v1",
        "kind": "AlertNotificationTarget",
        "metadata": {
            "name": ROUTING_TARGET,
            "annotations": { annotation::ROUTING: "alertmanager" },
        },
        "spec": {
            "description": "Alertmanager, routed by team and severity as slogen.toml's [routing] says.",
            "target": "alertmanager",
        },
    })
}

/// The SLOs' own receivers (`[slo.alerting] receivers`, per severity too)
/// and the name of the notification target each becomes: the receiver's
/// name made an OpenSLO name (lower case, letters, digits and `-`), made
/// unique with a number.
fn receiver_targets(project: &Project) -> std::collections::BTreeMap<String, String> {
    let used: std::collections::BTreeSet<&String> = project
        .slos()
        .flat_map(|(_, slo)| {
            let alerting = &slo.alerting;
            alerting
                .receivers
                .iter()
                .chain(&alerting.page_extra.receivers)
                .chain(&alerting.ticket_extra.receivers)
        })
        .collect();
    let mut taken = std::collections::BTreeSet::from([ROUTING_TARGET.to_owned()]);
    let mut names = std::collections::BTreeMap::new();
    for receiver in used {
        let base: String = receiver
            .to_ascii_lowercase()
            .chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() {
                    character
                } else {
                    '-'
                }
            })
            .collect();
        let base = match base.trim_matches('-') {
            "" => "receiver".to_owned(),
            trimmed => trimmed.to_owned(),
        };
        let mut name = base.clone();
        let mut number = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}-{number}");
            number += 1;
        }
        names.insert(receiver.clone(), name);
    }
    names
}

/// A receiver of the settings as a notification target.
fn receiver_target(receiver: &str, name: &str) -> Value {
    json!({
        "apiVersion": "openslo/v1",
        "kind": "AlertNotificationTarget",
        "metadata": {
            "name": name,
            "annotations": { annotation::RECEIVER: receiver },
        },
        "spec": {
            "description": format!("Alertmanager receiver `{receiver}` of slogen.toml."),
            "target": "alertmanager",
        },
    })
}

fn service_document(service: &Service) -> Value {
    let mut labels = service.labels.clone();
    labels.insert("team".to_owned(), service.team.clone());
    let mut spec = Map::new();
    if let Some(description) = &service.description {
        spec.insert("description".to_owned(), json!(description));
    }
    json!({
        "apiVersion": "openslo/v1",
        "kind": "Service",
        "metadata": {
            "name": service.name,
            "labels": strings(&labels),
            "annotations": { annotation::FILE: service.source },
        },
        "spec": spec,
    })
}

fn metric(query: &str) -> Value {
    json!({ "metricSource": { "type": "Prometheus", "spec": { "query": query } } })
}

fn extras(extras: &SeverityExtra) -> Value {
    json!({ "labels": strings(&extras.labels), "annotations": strings(&extras.annotations) })
}

#[allow(clippy::too_many_lines)]
fn slo_document(
    service: &Service,
    slo: &Slo,
    evaluation_interval: Duration,
    receivers: &std::collections::BTreeMap<String, String>,
) -> Value {
    let mut annotations = Map::new();
    let mut objective = Map::new();
    objective.insert(
        "target".to_owned(),
        json!(format(slo.objective / 100.0).parse::<f64>().unwrap_or(0.0)),
    );
    let (indicator, method) = match &slo.sli {
        Sli::Ratio { errors, total } => {
            let mut ratio = Map::new();
            ratio.insert("counter".to_owned(), json!(true));
            match errors {
                RatioErrors::Errors(errors) => ratio.insert("bad".to_owned(), metric(&errors.0)),
                RatioErrors::Good(good) => ratio.insert("good".to_owned(), metric(&good.0)),
            };
            ratio.insert("total".to_owned(), metric(&total.0));
            (json!({ "ratioMetric": ratio }), "Occurrences")
        }
        Sli::Latency {
            histogram,
            bound,
            matchers,
            group_by,
            native,
        } => {
            let aggregate = if group_by.is_empty() {
                "sum".to_owned()
            } else {
                format!("sum by ({})", group_by.join(", "))
            };
            let with = |extra: &str| {
                let parts: Vec<&str> = [matchers.as_str(), extra]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect();
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("{{{}}}", parts.join(", "))
                }
            };
            let le = format!("le=\"{}\"", format(*bound));
            annotations.insert(
                annotation::LATENCY.to_owned(),
                json!(
                    json!({
                        "histogram": histogram,
                        "threshold": bound,
                        "selector": with(""),
                        "group_by": group_by,
                        "native": native,
                    })
                    .to_string()
                ),
            );
            // A native histogram's good events: the share under the
            // threshold of its observations.
            let (good, total) = if *native {
                let series = format!("{histogram}{}", with(""));
                (
                    format!(
                        "{aggregate}(histogram_count(rate({series}[{{{{window}}}}])) * histogram_fraction(0, {}, rate({series}[{{{{window}}}}])))",
                        format(*bound)
                    ),
                    format!("{aggregate}(histogram_count(rate({series}[{{{{window}}}}])))"),
                )
            } else {
                (
                    format!(
                        "{aggregate}(rate({histogram}_bucket{}[{{{{window}}}}]))",
                        with(&le)
                    ),
                    format!(
                        "{aggregate}(rate({histogram}_count{}[{{{{window}}}}]))",
                        with("")
                    ),
                )
            };
            (
                json!({ "ratioMetric": {
                    "counter": true,
                    "good": metric(&good),
                    "total": metric(&total),
                }}),
                "Occurrences",
            )
        }
        Sli::Threshold { query, bound } => {
            let (op, value) = match bound {
                Bound::Max(max) => ("lte", max),
                Bound::Min(min) => ("gte", min),
            };
            objective.insert("op".to_owned(), json!(op));
            objective.insert("value".to_owned(), json!(value));
            // A slice is one evaluation, good when the gauge is in bounds.
            objective.insert("timeSliceTarget".to_owned(), json!(1));
            objective.insert(
                "timeSliceWindow".to_owned(),
                json!(evaluation_interval.to_string()),
            );
            (json!({ "thresholdMetric": metric(query) }), "Timeslices")
        }
        Sli::Raw { error_ratio } => (
            json!({ "ratioMetric": { "rawType": "failure", "raw": metric(&error_ratio.0) } }),
            "Occurrences",
        ),
    };
    let alerting = &slo.alerting;
    // The name only when chosen: a default name follows the SLO's.
    let chosen = alerting.name != crate::names::burn_alert_name(&service.name, &slo.name)
        || alerting.no_data_name != crate::names::no_data_alert_name(&service.name, &slo.name);
    annotations.insert(
        annotation::ALERTING.to_owned(),
        json!(
            json!({
                "name": chosen.then_some(&alerting.name),
                "for": (alerting.for_duration.millis() > 0).then(|| alerting.for_duration.to_string()),
                "keep_firing_for": (alerting.keep_firing_for.millis() > 0)
                    .then(|| alerting.keep_firing_for.to_string()),
                "min_events": alerting.min_events,
                "labels": strings(&alerting.labels),
                "annotations": strings(&alerting.annotations),
                "page": extras(&alerting.page_extra),
                "ticket": extras(&alerting.ticket_extra),
            })
            .to_string()
        ),
    );
    let runbook = &slo.runbook;
    if runbook != &crate::ir::RunbookNotes::default() {
        annotations.insert(
            annotation::RUNBOOK.to_owned(),
            json!(serde_json::to_string(runbook).unwrap_or_default()),
        );
    }
    let policies: Vec<Value> = alerting
        .windows
        .iter()
        .map(|window| {
            let enabled = match window.severity {
                Severity::Page => alerting.page,
                Severity::Ticket => alerting.ticket,
            };
            // Slogen's routing, the SLO's own receivers of every alert
            // (on each policy, so that an import reads them back as every
            // alert's, the no-data alert's too), and those of this
            // severity when it is on.
            let severity_receivers = alerting
                .extra(window.severity)
                .receivers
                .iter()
                .filter(|_| enabled);
            let mut targets: Vec<&String> = alerting
                .receivers
                .iter()
                .chain(severity_receivers)
                .map(|receiver| &receivers[receiver])
                .collect();
            targets.sort();
            targets.dedup();
            let targets: Vec<Value> = std::iter::once(ROUTING_TARGET)
                .chain(targets.iter().map(|name| name.as_str()))
                .map(|name| json!({ "targetRef": name }))
                .collect();
            // The burn rate in force: a default window below 1x is raised
            // to 1x (`math::burn_alert`).
            let burn_rate =
                crate::math::burn_alert(window, slo.period, slo.error_budget()).burn_rate;
            let name = format!(
                "{}-{}-{}-{}",
                service.name,
                slo.name,
                window.severity.as_str(),
                window.long
            );
            json!({
                "kind": "AlertPolicy",
                "metadata": {
                    "name": name,
                    "annotations": { annotation::SHORT_WINDOW: window.short.to_string() },
                },
                "spec": {
                    "alertWhenBreaching": enabled,
                    "alertWhenNoData": alerting.no_data,
                    "alertWhenResolved": false,
                    "conditions": [{
                        "kind": "AlertCondition",
                        "metadata": { "name": name },
                        "spec": {
                            "severity": window.severity.as_str(),
                            "condition": {
                                "kind": "burnrate",
                                "op": "gte",
                                "threshold": format(burn_rate).parse::<f64>().unwrap_or(burn_rate),
                                "lookbackWindow": window.long.to_string(),
                                "alertAfter": "0m",
                            },
                        },
                    }],
                    "notificationTargets": targets,
                },
            })
        })
        .collect();
    let mut spec = Map::new();
    if let Some(description) = &slo.description {
        spec.insert("description".to_owned(), json!(description));
    }
    spec.insert("service".to_owned(), json!(service.name));
    spec.insert(
        "indicator".to_owned(),
        json!({ "metadata": { "name": format!("{}-{}-sli", service.name, slo.name) }, "spec": indicator }),
    );
    spec.insert(
        "timeWindow".to_owned(),
        json!([{ "duration": slo.period.to_string(), "isRolling": true }]),
    );
    spec.insert("budgetingMethod".to_owned(), json!(method));
    spec.insert("objectives".to_owned(), json!([objective]));
    spec.insert("alertPolicies".to_owned(), Value::Array(policies));
    // OpenSLO names are unique across a project; slogen's SLO names only
    // within their service.
    annotations.insert(annotation::NAME.to_owned(), json!(slo.name));
    let mut metadata = Map::new();
    metadata.insert(
        "name".to_owned(),
        json!(format!("{}-{}", service.name, slo.name)),
    );
    if !slo.labels.is_empty() {
        metadata.insert("labels".to_owned(), strings(&slo.labels));
    }
    metadata.insert("annotations".to_owned(), Value::Object(annotations));
    json!({
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": metadata,
        "spec": spec,
    })
}
