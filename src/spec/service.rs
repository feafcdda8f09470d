//! The service file's tables: `[service]`, `[[slo]]` with its alerting
//! and runbook, and `[[alert]]` with its tests.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{SliSpec, SpannedMap, StringMap};

/// One service file: `slo/<service>.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ServiceFile {
    /// `[service]`.
    #[schemars(with = "ServiceSpec")]
    pub service: Spanned<ServiceSpec>,
    /// `[[slo]]`.
    #[serde(default)]
    #[schemars(with = "Vec<SloSpec>")]
    pub slo: Vec<Spanned<SloSpec>>,
    /// `[[alert]]`: plain alerts beside the SLOs.
    #[serde(default)]
    #[schemars(with = "Vec<AlertSpec>")]
    pub alert: Vec<Spanned<AlertSpec>>,
}

/// `[service]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ServiceSpec {
    /// Unique across the spec directory.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Owner; a label on every alert and the key of routing.
    #[schemars(with = "String")]
    pub team: Spanned<String>,
    /// Plain text.
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
    /// Added to every rule of the service.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
}

/// `[[slo]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct SloSpec {
    /// Unique within the service.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Plain text.
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
    /// Percent, 0 < objective < 100.
    #[schemars(with = "f64")]
    pub objective: Spanned<f64>,
    /// Rolling period; default from settings (30d).
    #[schemars(with = "Option<String>")]
    pub period: Option<Spanned<String>>,
    /// Added to every rule of this SLO.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Exactly one SLI kind.
    #[schemars(with = "SliSpec")]
    pub sli: Spanned<SliSpec>,
    /// Alert switches and extras.
    #[schemars(with = "Option<AlertingSpec>")]
    pub alerting: Option<Spanned<AlertingSpec>>,
    /// Hand-written runbook text merged into the generated runbook.
    #[schemars(with = "Option<RunbookSpec>")]
    pub runbook: Option<Spanned<RunbookSpec>>,
}

/// `[slo.alerting]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AlertingSpec {
    /// Name of the burn-rate alerts; the no-data alert adds `NoData`.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Page alerts: `false` turns them off, a table adds labels and
    /// annotations to them only.
    #[schemars(with = "Option<SeverityAlertingSchema>")]
    pub page: Option<SeverityAlerting>,
    /// Ticket alerts, as `page`.
    #[schemars(with = "Option<SeverityAlertingSchema>")]
    pub ticket: Option<SeverityAlerting>,
    /// `for` of the burn-rate alerts.
    #[serde(rename = "for")]
    #[schemars(with = "Option<String>")]
    pub for_duration: Option<Spanned<String>>,
    /// `keep_firing_for` of the burn-rate alerts.
    #[schemars(with = "Option<String>")]
    pub keep_firing_for: Option<Spanned<String>>,
    /// Burn-rate alerts stay silent while their long window holds fewer
    /// events than this.
    #[schemars(with = "Option<i64>")]
    pub min_events: Option<Spanned<i64>>,
    /// The no-data alert on (default true).
    pub no_data: Option<bool>,
    /// Added to this SLO's alerts.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Prometheus templates, passed through.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub annotations: SpannedMap,
    /// Burn windows for this SLO; replaces the settings' set.
    #[schemars(with = "Option<Vec<WindowSpec>>")]
    pub window: Option<Vec<Spanned<WindowSpec>>>,
    /// Receivers (`[[alertmanager.receiver]]`) that also get every alert
    /// of this SLO, besides its team's.
    #[schemars(with = "Option<Vec<String>>")]
    pub receivers: Option<Vec<Spanned<String>>>,
}

/// `page = false`, or `[slo.alerting.page]` with labels and annotations
/// (the alerts stay on).
#[derive(Debug)]
pub(crate) enum SeverityAlerting {
    /// `page = true` or `page = false`.
    Switch(bool),
    /// `[slo.alerting.page]`.
    Table(SeverityAlertingSpec),
}

impl SeverityAlerting {
    /// Whether the alerts of this severity are on.
    pub(crate) fn enabled(&self) -> bool {
        match self {
            Self::Switch(on) => *on,
            Self::Table(_) => true,
        }
    }

    /// The table, if one was written.
    pub(crate) fn table(&self) -> Option<&SeverityAlertingSpec> {
        match self {
            Self::Switch(_) => None,
            Self::Table(table) => Some(table),
        }
    }
}

/// `[slo.alerting.page]` / `[slo.alerting.ticket]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct SeverityAlertingSpec {
    /// Added to the alerts of this severity only.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Prometheus templates, on the alerts of this severity only.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub annotations: SpannedMap,
    /// Receivers (`[[alertmanager.receiver]]`) that also get the alerts of
    /// this severity only.
    #[schemars(with = "Option<Vec<String>>")]
    pub receivers: Option<Vec<Spanned<String>>>,
}

/// [`SeverityAlerting`] for the JSON Schema: a switch or a table.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
enum SeverityAlertingSchema {
    Switch(bool),
    Table(SeverityAlertingSpec),
}

// A hand-written visitor rather than `#[serde(untagged)]`: untagged enums
// buffer their input, which loses the spans of the labels inside.
impl<'de> Deserialize<'de> for SeverityAlerting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SeverityAlerting;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("`true`, `false` or a table of labels and annotations")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(SeverityAlerting::Switch(value))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                SeverityAlertingSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(SeverityAlerting::Table)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `[[window]]`: one multi-window pair.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct WindowSpec {
    /// `page` or `ticket`.
    #[schemars(with = "String")]
    pub severity: Spanned<String>,
    /// Long window.
    #[schemars(with = "String")]
    pub long: Spanned<String>,
    /// Short window (1/12 of long by the Workbook).
    #[schemars(with = "String")]
    pub short: Spanned<String>,
    /// Percent of a 30-day budget spent when it fires.
    #[schemars(with = "Option<f64>")]
    pub budget: Option<Spanned<f64>>,
    /// Burn rate for a 30-day period; the alternative to `budget`.
    #[schemars(with = "Option<f64>")]
    pub burn_rate: Option<Spanned<f64>>,
}

/// `[slo.runbook]`: people's words, kept across rebuilds.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RunbookSpec {
    /// Steps to find the cause.
    pub diagnosis: Option<String>,
    /// Steps to stop the bleeding.
    pub mitigation: Option<String>,
    /// Who to call next.
    pub escalation: Option<String>,
}

/// `[[alert]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AlertSpec {
    /// The alert name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// An instant-vector PromQL expression.
    #[schemars(with = "String")]
    pub expr: Spanned<String>,
    /// How long the condition holds before firing.
    #[serde(rename = "for")]
    #[schemars(with = "Option<String>")]
    pub for_duration: Option<Spanned<String>>,
    /// `page` or `ticket`.
    #[schemars(with = "String")]
    pub severity: Spanned<String>,
    /// Prometheus template.
    #[schemars(with = "Option<String>")]
    pub summary: Option<Spanned<String>>,
    /// Prometheus template.
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
    /// Extra labels.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Extra annotations (Prometheus templates).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub annotations: SpannedMap,
    /// Hand-written runbook text.
    #[schemars(with = "Option<RunbookSpec>")]
    pub runbook: Option<Spanned<RunbookSpec>>,
    /// Unit tests for this alert.
    #[serde(default)]
    #[schemars(with = "Vec<AlertTestSpec>")]
    pub test: Vec<Spanned<AlertTestSpec>>,
}

/// `[[alert.test]]`: a promtool case for a plain alert.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AlertTestSpec {
    /// Input series in promtool's expanding notation.
    #[schemars(with = "BTreeMap<String, String>")]
    pub series: StringMap,
    /// When to evaluate, e.g. `5m`.
    #[schemars(with = "String")]
    pub at: Spanned<String>,
    /// Whether the alert is firing then.
    pub firing: bool,
    /// Labels the firing alert carries besides those slogen adds.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub labels: StringMap,
}

/// The keys each table accepts, for "unknown key" help. A test keeps these in
/// step with the structs above.
pub(super) const KNOWN_KEYS: &[(&str, &[&str])] = &[
    ("", &["service", "slo", "alert"]),
    ("service", &["name", "team", "description", "labels"]),
    (
        "slo[]",
        &[
            "name",
            "description",
            "objective",
            "period",
            "labels",
            "sli",
            "alerting",
            "runbook",
        ],
    ),
    (
        "slo[].sli",
        &["use", "params", "ratio", "latency", "threshold", "raw"],
    ),
    ("slo[].sli.ratio", &["errors", "good", "total"]),
    (
        "slo[].sli.latency",
        &["histogram", "threshold", "selector", "group_by", "native"],
    ),
    ("slo[].sli.threshold", &["query", "max", "min"]),
    ("slo[].sli.raw", &["error_ratio"]),
    (
        "slo[].alerting",
        &[
            "name",
            "page",
            "ticket",
            "no_data",
            "for",
            "keep_firing_for",
            "min_events",
            "labels",
            "annotations",
            "window",
            "receivers",
        ],
    ),
    (
        "slo[].alerting.page",
        &["labels", "annotations", "receivers"],
    ),
    (
        "slo[].alerting.ticket",
        &["labels", "annotations", "receivers"],
    ),
    (
        "slo[].alerting.window[]",
        &["severity", "long", "short", "budget", "burn_rate"],
    ),
    ("slo[].runbook", &["diagnosis", "mitigation", "escalation"]),
    (
        "alert[]",
        &[
            "name",
            "expr",
            "for",
            "severity",
            "summary",
            "description",
            "labels",
            "annotations",
            "runbook",
            "test",
        ],
    ),
    (
        "alert[].runbook",
        &["diagnosis", "mitigation", "escalation"],
    ),
    ("alert[].test[]", &["series", "at", "firing", "labels"]),
];
