//! OpenSLO v1: `Service`, `SLO`, `SLI` (inline or `indicatorRef`),
//! `AlertPolicy` and `AlertCondition` (inline or by reference),
//! `AlertNotificationTarget` and `DataSource` documents, in any files.
//!
//! In: YAML sources. Out: an [`Import`] (one service file per service,
//! a settings file) or located diagnostics naming each field with no
//! counterpart.
//!
//! The mapping: a ratio metric (good or bad over total) is a ratio SLI, a
//! raw ratio a raw SLI (`1 - ratio` for successes), a threshold metric a
//! threshold SLI bounded by the objective's `op` and `value`; the one
//! rolling time window is the period; each alert policy's burn-rate
//! condition is a burn window (long = `lookbackWindow`, short = a
//! twelfth, the Workbook's ratio), its notification targets receivers
//! of the settings that get the SLO's alerts of the policy's severities
//! (`targets.rs`). Queries are PromQL
//! with `{{window}}` (or Sloth's `{{.window}}`), as `slogen export
//! openslo` writes them; a query with fixed ranges has them replaced by
//! the window, which the report says. The export's own notification
//! target (`slogen-alertmanager`, annotated `slogen.export/routing`) is
//! slogen's own routing, not a receiver. This file reads and links the objects;
//! `slo.rs` writes each SLO.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::toml_text::{comment, inline, number, string};
use super::{Import, code, problem};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::source::SourceFile;

mod slo;
mod targets;

use slo::{slo_text, toml_string};
use targets::Target;

type Map = BTreeMap<String, String>;

/// The envelope every OpenSLO object has.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Object {
    #[serde(rename = "apiVersion")]
    api_version: Spanned<String>,
    kind: Spanned<String>,
    metadata: Metadata,
    spec: Spanned<Spec>,
}

/// Every kind's `spec` fields in one type, so that one typed read of a
/// multi-document file keeps every value's place; each kind takes its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    description: Option<String>,
    // SLO
    service: Option<String>,
    indicator: Option<InlineSli>,
    #[serde(rename = "indicatorRef")]
    indicator_ref: Option<String>,
    #[serde(rename = "timeWindow", default)]
    time_window: Vec<TimeWindow>,
    #[serde(rename = "budgetingMethod")]
    budgeting_method: Option<String>,
    #[serde(default)]
    objectives: Vec<Objective>,
    #[serde(rename = "alertPolicies", default)]
    alert_policies: Vec<PolicyOrRef>,
    // SLI
    #[serde(rename = "thresholdMetric")]
    threshold_metric: Option<MetricSource>,
    #[serde(rename = "ratioMetric")]
    ratio_metric: Option<RatioMetric>,
    // AlertPolicy
    #[serde(rename = "alertWhenNoData")]
    alert_when_no_data: Option<bool>,
    #[serde(rename = "alertWhenResolved")]
    alert_when_resolved: Option<bool>,
    #[serde(rename = "alertWhenBreaching")]
    alert_when_breaching: Option<bool>,
    #[serde(default)]
    conditions: Vec<ConditionOrRef>,
    #[serde(rename = "notificationTargets", default)]
    notification_targets: Vec<TargetOrRef>,
    // AlertCondition
    severity: Option<String>,
    condition: Option<Condition>,
    // AlertNotificationTarget
    target: Option<String>,
    // DataSource
    #[serde(rename = "type")]
    source_type: Option<String>,
    #[serde(rename = "connectionDetails")]
    _connection_details: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: Spanned<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, LabelValue>,
    #[serde(default)]
    annotations: Map,
}

/// OpenSLO labels are a string or a list of strings.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum LabelValue {
    One(String),
    Many(Vec<String>),
}

impl LabelValue {
    fn joined(&self) -> String {
        match self {
            Self::One(value) => value.clone(),
            Self::Many(values) => values.join(","),
        }
    }
}

#[derive(Debug)]
struct ServiceSpec {
    description: Option<String>,
}

#[derive(Debug)]
struct SloSpec {
    description: Option<String>,
    service: String,
    indicator: Option<InlineSli>,
    indicator_ref: Option<String>,
    time_window: Vec<TimeWindow>,
    budgeting_method: Option<String>,
    objectives: Vec<Objective>,
    alert_policies: Vec<PolicyOrRef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InlineSli {
    /// The SLI's own name; the SLO names what slogen writes.
    #[serde(rename = "metadata")]
    _metadata: Metadata,
    spec: SliSpec,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SliSpec {
    description: Option<String>,
    #[serde(rename = "thresholdMetric")]
    threshold_metric: Option<MetricSource>,
    #[serde(rename = "ratioMetric")]
    ratio_metric: Option<RatioMetric>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatioMetric {
    counter: Option<bool>,
    good: Option<MetricSource>,
    bad: Option<MetricSource>,
    total: Option<MetricSource>,
    #[serde(rename = "rawType")]
    raw_type: Option<String>,
    raw: Option<MetricSource>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricSource {
    #[serde(rename = "metricSource")]
    metric_source: Source,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    #[serde(rename = "metricSourceRef")]
    metric_source_ref: Option<String>,
    #[serde(rename = "type")]
    source_type: Option<String>,
    spec: QuerySpec,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuerySpec {
    query: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeWindow {
    duration: Spanned<String>,
    #[serde(rename = "isRolling")]
    is_rolling: Option<bool>,
    calendar: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Objective {
    #[serde(rename = "displayName")]
    _display_name: Option<String>,
    op: Option<String>,
    value: Option<f64>,
    target: Option<Spanned<f64>>,
    #[serde(rename = "targetPercent")]
    target_percent: Option<Spanned<f64>>,
    /// Read, not used: a threshold SLI's slice is one rule evaluation.
    #[serde(rename = "timeSliceTarget")]
    _time_slice_target: Option<f64>,
    #[serde(rename = "timeSliceWindow")]
    _time_slice_window: Option<serde_json::Value>,
}

/// An alert policy inline (`kind: AlertPolicy`) or by `alertPolicyRef`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyOrRef {
    #[serde(rename = "alertPolicyRef")]
    alert_policy_ref: Option<String>,
    kind: Option<String>,
    metadata: Option<Metadata>,
    spec: Option<PolicySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    description: Option<String>,
    #[serde(rename = "alertWhenNoData")]
    alert_when_no_data: Option<bool>,
    #[serde(rename = "alertWhenResolved")]
    alert_when_resolved: Option<bool>,
    #[serde(rename = "alertWhenBreaching")]
    alert_when_breaching: Option<bool>,
    #[serde(default)]
    conditions: Vec<ConditionOrRef>,
    #[serde(rename = "notificationTargets", default)]
    notification_targets: Vec<TargetOrRef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionOrRef {
    #[serde(rename = "conditionRef")]
    condition_ref: Option<String>,
    kind: Option<String>,
    metadata: Option<Metadata>,
    spec: Option<ConditionSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSpec {
    description: Option<String>,
    severity: String,
    condition: Condition,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    kind: Option<String>,
    op: String,
    threshold: f64,
    #[serde(rename = "lookbackWindow")]
    lookback_window: String,
    #[serde(rename = "alertAfter")]
    alert_after: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetOrRef {
    #[serde(rename = "targetRef")]
    target_ref: Option<String>,
    kind: Option<String>,
    metadata: Option<Metadata>,
    spec: Option<serde_json::Value>,
}

fn span_of(location: &serde_saphyr::Location) -> Range<usize> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(0);
    let length = usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0);
    start..start + length
}

fn place<T>(value: &Spanned<T>) -> Range<usize> {
    span_of(&value.referenced)
}

/// A latency SLI as `slogen export openslo` annotates it.
#[derive(Debug, Default, Deserialize)]
struct Latency {
    histogram: String,
    threshold: f64,
    #[serde(default)]
    selector: String,
    #[serde(default)]
    group_by: Vec<String>,
    #[serde(default)]
    native: bool,
}

/// Alerting as `slogen export openslo` annotates it.
#[derive(Debug, Default, Deserialize)]
struct AlertingNote {
    name: Option<String>,
    #[serde(rename = "for")]
    for_duration: Option<String>,
    keep_firing_for: Option<String>,
    min_events: Option<u64>,
    #[serde(default)]
    labels: Map,
    #[serde(default)]
    annotations: Map,
    #[serde(default)]
    page: ExtrasNote,
    #[serde(default)]
    ticket: ExtrasNote,
}

#[derive(Debug, Default, Deserialize)]
struct ExtrasNote {
    #[serde(default)]
    labels: Map,
    #[serde(default)]
    annotations: Map,
}

/// An object with the file it came from.
struct Placed<'a, T> {
    source: &'a SourceFile,
    metadata: Metadata,
    spec: T,
    span: Range<usize>,
}

/// Every object of the inputs, by kind and name.
#[derive(Default)]
struct Objects<'a> {
    services: BTreeMap<String, Placed<'a, ServiceSpec>>,
    slos: Vec<Placed<'a, SloSpec>>,
    slis: BTreeMap<String, Placed<'a, SliSpec>>,
    policies: BTreeMap<String, Placed<'a, PolicySpec>>,
    conditions: BTreeMap<String, Placed<'a, ConditionSpec>>,
    targets: BTreeMap<String, Target>,
    /// Targets that stand for slogen's own routing (an export's).
    routing_targets: std::collections::BTreeSet<String>,
    sources: BTreeMap<String, String>,
}

/// Reports problems; the current file is the one reported in.
struct Errors {
    list: Vec<Diagnostic>,
}

impl Errors {
    fn at(
        &mut self,
        source: &SourceFile,
        code: &'static str,
        message: String,
        help: &str,
        span: Range<usize>,
    ) {
        let help = (!help.is_empty()).then(|| help.to_owned());
        self.list
            .push(problem(code, message, help, &source.path, span));
    }
}

/// A service to write: where it came from, its SLOs' text, description,
/// team and labels.
type ServiceOut = (String, Vec<String>, Option<String>, String, Map);

/// Imports OpenSLO files.
pub(crate) fn import(sources: &[SourceFile]) -> Result<Import, Vec<Diagnostic>> {
    let mut errors = Errors { list: Vec::new() };
    let mut objects = Objects::default();
    for source in sources {
        let documents: Vec<Object> = match serde_saphyr::from_multiple(&source.text) {
            Ok(documents) => documents,
            Err(error) => {
                let span = error.location().map_or(0..0, |location| span_of(&location));
                let message = error.to_string();
                let first = message.lines().next().unwrap_or("").to_owned();
                errors.at(
                    source,
                    code::YAML,
                    format!("not an OpenSLO v1 object: {first}"),
                    "every document has `apiVersion: openslo/v1`, `kind`, `metadata` and `spec`",
                    span,
                );
                continue;
            }
        };
        for object in documents {
            read_object(source, object, &mut objects, &mut errors);
        }
    }
    let mut services: BTreeMap<String, ServiceOut> = BTreeMap::new();
    // The file a service came from, when an export names it.
    let file_of = |name: &str| {
        objects
            .services
            .get(name)
            .and_then(|service| {
                service
                    .metadata
                    .annotations
                    .get(crate::export::annotation::FILE)
            })
            .filter(|file| {
                file.ends_with(".toml")
                    && file.as_str() != "slogen.toml"
                    && !file.contains(['/', '\\'])
                    && !file.starts_with('.')
            })
            .cloned()
            .unwrap_or_else(|| format!("{name}.toml"))
    };
    let mut report = String::new();
    // The notification targets the SLOs' alerts go to, as receivers.
    let mut receivers: BTreeMap<String, Target> = BTreeMap::new();
    for slo in &objects.slos {
        let Some(text) = slo_text(slo, &objects, &mut errors, &mut report, &mut receivers) else {
            continue;
        };
        let name = slo.spec.service.clone();
        let entry = services.entry(name.clone()).or_insert_with(|| {
            let declared = objects.services.get(&name);
            let team = declared
                .and_then(|service| service.metadata.labels.get("team"))
                .map(LabelValue::joined);
            let description = declared.and_then(|service| service.spec.description.clone());
            let labels: Map = declared
                .map(|service| {
                    service
                        .metadata
                        .labels
                        .iter()
                        .filter(|(key, _)| {
                            !matches!(key.as_str(), "team" | "severity" | "alertname")
                        })
                        .map(|(key, value)| (key.clone(), value.joined()))
                        .collect()
                })
                .unwrap_or_default();
            let origin = declared.map_or_else(
                || format!("{} (named by its SLOs)", slo.source.path.display()),
                |service| service.source.path.display().to_string(),
            );
            (
                origin,
                Vec::new(),
                description,
                team.unwrap_or_default(),
                labels,
            )
        });
        entry.1.push(text);
    }
    for (name, service) in &objects.services {
        if !services.contains_key(name) {
            errors.at(
                service.source,
                code::UNSUPPORTED,
                format!("service `{name}` has no SLO"),
                "a slogen service file holds at least one SLO; add one or remove the Service",
                service.span.clone(),
            );
        }
    }
    if !errors.list.is_empty() {
        return Err(errors.list);
    }
    let mut files = vec![(
        "slogen.toml".to_owned(),
        "# Imported from OpenSLO by `slogen import openslo`.\n# Every key is optional; see docs/reference.md.\n".to_owned()
            + &targets::receivers_text(&receivers),
    )];
    for (name, (origin, slos, description, team, labels)) in services {
        let mut text = comment(&format!(
            "Imported from {origin} by `slogen import openslo`."
        ));
        text.push_str("[service]\n");
        text.push_str(&format!("name = {}\n", toml_string(&name)));
        if team.is_empty() {
            text.push_str("# OpenSLO names no owner: set the team that owns the service.\n");
            text.push_str(&format!("team = {}\n", toml_string(&name)));
        } else {
            text.push_str(&format!("team = {}\n", toml_string(&team)));
        }
        if let Some(description) = description {
            text.push_str(&format!(
                "description = {}\n",
                toml_string(description.trim())
            ));
        }
        if !labels.is_empty() {
            text.push_str(&format!("labels = {}\n", inline(&labels)));
        }
        for slo in slos {
            text.push_str(&slo);
        }
        files.push((file_of(&name), text));
    }
    Ok(Import { files, report })
}

fn read_object<'a>(
    source: &'a SourceFile,
    object: Object,
    objects: &mut Objects<'a>,
    errors: &mut Errors,
) {
    if object.api_version.value != "openslo/v1" {
        errors.at(
            source,
            code::UNKNOWN_DOCUMENT,
            format!("`apiVersion: {}` is not read", object.api_version.value),
            "slogen reads OpenSLO `openslo/v1`",
            place(&object.api_version),
        );
        return;
    }
    let span = place(&object.kind);
    let spec_span = place(&object.spec);
    let name = object.metadata.name.value.clone();
    let metadata = object.metadata;
    let spec = object.spec.value;
    let mut missing = |field: &str| {
        errors.at(
            source,
            code::YAML,
            format!("{} `{name}` has no `spec.{field}`", object.kind.value),
            "see the OpenSLO v1 specification of this kind",
            spec_span.clone(),
        );
    };
    match object.kind.value.as_str() {
        "Service" => {
            let spec = ServiceSpec {
                description: spec.description,
            };
            objects.services.insert(name.clone(), Placed { source, metadata, spec, span });
        }
        "SLO" => {
            let Some(service) = spec.service else {
                missing("service");
                return;
            };
            let spec = SloSpec {
                description: spec.description,
                service,
                indicator: spec.indicator,
                indicator_ref: spec.indicator_ref,
                time_window: spec.time_window,
                budgeting_method: spec.budgeting_method,
                objectives: spec.objectives,
                alert_policies: spec.alert_policies,
            };
            objects.slos.push(Placed { source, metadata, spec, span });
        }
        "SLI" => {
            let spec = SliSpec {
                description: spec.description,
                threshold_metric: spec.threshold_metric,
                ratio_metric: spec.ratio_metric,
            };
            objects.slis.insert(name.clone(), Placed { source, metadata, spec, span });
        }
        "AlertPolicy" => {
            let spec = PolicySpec {
                description: spec.description,
                alert_when_no_data: spec.alert_when_no_data,
                alert_when_resolved: spec.alert_when_resolved,
                alert_when_breaching: spec.alert_when_breaching,
                conditions: spec.conditions,
                notification_targets: spec.notification_targets,
            };
            objects.policies.insert(name.clone(), Placed { source, metadata, spec, span });
        }
        "AlertCondition" => {
            let (Some(severity), Some(condition)) = (spec.severity, spec.condition) else {
                missing("severity` and `spec.condition");
                return;
            };
            let spec = ConditionSpec {
                description: spec.description,
                severity,
                condition,
            };
            objects.conditions.insert(name.clone(), Placed { source, metadata, spec, span });
        }
        "AlertNotificationTarget" => {
            if spec.target.is_none() {
                missing("target");
            }
            if metadata
                .annotations
                .contains_key(crate::export::annotation::ROUTING)
            {
                objects.routing_targets.insert(name.clone());
            }
            let target = Target {
                kind: spec.target,
                description: spec.description,
                receiver: metadata
                    .annotations
                    .get(crate::export::annotation::RECEIVER)
                    .cloned(),
            };
            objects.targets.insert(name, target);
        }
        "DataSource" => {
            let Some(source_type) = spec.source_type else {
                missing("type");
                return;
            };
            objects.sources.insert(name, source_type);
        }
        other => errors.at(
            source,
            code::UNKNOWN_DOCUMENT,
            format!("OpenSLO kind `{other}` has no slogen counterpart"),
            "slogen reads Service, SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget and DataSource",
            span,
        ),
    }
}
