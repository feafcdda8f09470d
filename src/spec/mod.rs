//! The spec: TOML as the user wrote it, deserialized but not yet judged.
//!
//! In: a [`SourceFile`]. Out: a [`ServiceFile`] or [`SettingsFile`] whose
//! fields keep their byte spans (`toml::Spanned`), or diagnostics.
//!
//! Guarantees: every TOML syntax error of a file is reported (recoverable
//! parse), and every unknown key (not only the first) with a "did you mean".
//! Nothing here checks meaning: names, ranges and queries are the
//! analyzer's job, which is why strings stay strings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Problem, suggest};
use crate::source::SourceFile;

/// A table of strings (labels, annotations) with the span of the whole table;
/// the analyzer finds a key's place inside it.
pub type SpannedMap = Option<Spanned<BTreeMap<String, String>>>;

/// One service file: `slo/<service>.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceFile {
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
pub struct ServiceSpec {
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
pub struct SloSpec {
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

/// `[slo.sli]`: one of four kinds, or a shared SLI of the settings.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    extend("oneOf" = [
        {"required": ["ratio"]},
        {"required": ["latency"]},
        {"required": ["threshold"]},
        {"required": ["raw"]},
        {"required": ["use"]}
    ])
)]
pub struct SliSpec {
    /// The name of a shared SLI (`[[sli]]` in the settings file).
    #[serde(rename = "use")]
    #[schemars(with = "Option<String>")]
    pub use_sli: Option<Spanned<String>>,
    /// Values of the shared SLI's parameters.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub params: SpannedMap,
    /// Event counts from two queries.
    #[schemars(with = "Option<RatioSpec>")]
    pub ratio: Option<Spanned<RatioSpec>>,
    /// Events faster than a threshold, from a histogram.
    #[schemars(with = "Option<LatencySpec>")]
    pub latency: Option<Spanned<LatencySpec>>,
    /// Share of time a gauge is out of bounds.
    #[schemars(with = "Option<ThresholdSpec>")]
    pub threshold: Option<Spanned<ThresholdSpec>>,
    /// An error ratio the user computes.
    #[schemars(with = "Option<RawSpec>")]
    pub raw: Option<Spanned<RawSpec>>,
}

/// `[slo.sli.ratio]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RatioSpec {
    /// Failed events per second, with `{{window}}`.
    #[schemars(with = "Option<String>")]
    pub errors: Option<Spanned<String>>,
    /// Good events per second; replaces `errors`.
    #[schemars(with = "Option<String>")]
    pub good: Option<Spanned<String>>,
    /// All events per second.
    #[schemars(with = "Option<String>")]
    pub total: Option<Spanned<String>>,
}

/// `[slo.sli.latency]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LatencySpec {
    /// Histogram name without `_bucket`.
    #[schemars(with = "String")]
    pub histogram: Spanned<String>,
    /// `"100ms"`, or a bucket bound in the histogram's unit.
    #[schemars(with = "ThresholdValue")]
    pub threshold: Spanned<ThresholdValue>,
    /// Label matchers in braces.
    #[schemars(with = "Option<String>")]
    pub selector: Option<Spanned<String>>,
    /// One SLI (and alert) per value of these labels.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub group_by: Vec<Spanned<String>>,
    /// A native histogram (`histogram_count`, `histogram_fraction`)
    /// instead of classic `_bucket` and `_count` series.
    pub native: Option<bool>,
}

/// A latency threshold: a duration string or a number.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ThresholdValue {
    /// `"100ms"`.
    Text(String),
    /// `0.1`.
    Number(f64),
}

/// `[slo.sli.threshold]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ThresholdSpec {
    /// An instant-vector query sampled at every evaluation.
    #[schemars(with = "String")]
    pub query: Spanned<String>,
    /// Bad while the value is above this.
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// Bad while the value is below this.
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
}

/// `[slo.sli.raw]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawSpec {
    /// Error ratio (0..1) over `{{window}}`.
    #[schemars(with = "String")]
    pub error_ratio: Spanned<String>,
}

/// `[slo.alerting]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AlertingSpec {
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
}

/// `page = false`, or `[slo.alerting.page]` with labels and annotations
/// (the alerts stay on).
#[derive(Debug)]
pub enum SeverityAlerting {
    /// `page = true` or `page = false`.
    Switch(bool),
    /// `[slo.alerting.page]`.
    Table(SeverityAlertingSpec),
}

impl SeverityAlerting {
    /// Whether the alerts of this severity are on.
    pub fn enabled(&self) -> bool {
        match self {
            Self::Switch(on) => *on,
            Self::Table(_) => true,
        }
    }

    /// The table, if one was written.
    pub fn table(&self) -> Option<&SeverityAlertingSpec> {
        match self {
            Self::Switch(_) => None,
            Self::Table(table) => Some(table),
        }
    }
}

/// `[slo.alerting.page]` / `[slo.alerting.ticket]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SeverityAlertingSpec {
    /// Added to the alerts of this severity only.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Prometheus templates, on the alerts of this severity only.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub annotations: SpannedMap,
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
pub struct WindowSpec {
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
pub struct RunbookSpec {
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
pub struct AlertSpec {
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
pub struct AlertTestSpec {
    /// Input series in promtool's expanding notation.
    pub series: BTreeMap<String, String>,
    /// When to evaluate, e.g. `5m`.
    #[schemars(with = "String")]
    pub at: Spanned<String>,
    /// Whether the alert is firing then.
    pub firing: bool,
    /// Labels the firing alert carries besides those slogen adds.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `slogen.toml`: project-wide settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SettingsFile {
    /// Defaults for every SLO.
    #[schemars(with = "Option<DefaultsSpec>")]
    pub defaults: Option<Spanned<DefaultsSpec>>,
    /// Severity label values.
    #[schemars(with = "Option<SeveritySpec>")]
    pub severity: Option<Spanned<SeveritySpec>>,
    /// Burn windows (for a 30-day period), replacing the Workbook's.
    #[schemars(with = "Option<Vec<WindowSpec>>")]
    pub window: Option<Vec<Spanned<WindowSpec>>>,
    /// Runbook links.
    #[schemars(with = "Option<RunbooksSpec>")]
    pub runbooks: Option<Spanned<RunbooksSpec>>,
    /// A templates directory, relative to the settings file.
    #[schemars(with = "Option<String>")]
    pub templates: Option<Spanned<String>>,
    /// Alertmanager routing.
    #[schemars(with = "Option<AlertmanagerSpec>")]
    pub alertmanager: Option<Spanned<AlertmanagerSpec>>,
    /// What `slogen build` writes.
    #[schemars(with = "Option<BuildSpec>")]
    pub build: Option<Spanned<BuildSpec>>,
    /// `[[target]]`: where the rules are deployed.
    #[serde(default)]
    #[schemars(with = "Vec<TargetSpec>")]
    pub target: Vec<Spanned<TargetSpec>>,
    /// Output compatible with other tools.
    #[schemars(with = "Option<CompatibilitySpec>")]
    pub compatibility: Option<Spanned<CompatibilitySpec>>,
    /// `[[sli]]`: SLIs defined once, used by SLOs with parameters.
    #[serde(default)]
    #[schemars(with = "Vec<SharedSliSpec>")]
    pub sli: Vec<Spanned<SharedSliSpec>>,
}

/// `[[target]]`. Which keys a kind reads is the analyzer's to check.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TargetSpec {
    /// `prometheus`, `prometheus-operator`, `mimir`, `thanos` or
    /// `victoriametrics`.
    #[schemars(with = "TargetKindName")]
    pub kind: Spanned<String>,
    /// Directory under the output directory.
    #[schemars(with = "Option<String>")]
    pub dir: Option<Spanned<String>>,
    /// Object namespace, or Mimir namespace pattern.
    #[schemars(with = "Option<String>")]
    pub namespace: Option<Spanned<String>>,
    /// Object labels.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub labels: SpannedMap,
    /// Object annotations.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub annotations: SpannedMap,
    /// Group `interval`.
    #[schemars(with = "Option<String>")]
    pub interval: Option<Spanned<String>>,
    /// Group `query_offset`.
    #[schemars(with = "Option<String>")]
    pub query_offset: Option<Spanned<String>>,
    /// Group `evaluation_delay`.
    #[schemars(with = "Option<String>")]
    pub evaluation_delay: Option<Spanned<String>>,
    /// Group `source_tenants`.
    #[schemars(with = "Option<Vec<String>>")]
    pub source_tenants: Option<Vec<Spanned<String>>>,
    /// Thanos: strategy of alerting groups.
    #[schemars(with = "Option<String>")]
    pub partial_response_strategy: Option<Spanned<String>>,
    /// Thanos: strategy of recording groups.
    #[schemars(with = "Option<String>")]
    pub recording_partial_response_strategy: Option<Spanned<String>>,
}

/// The deploy target kinds, for the JSON Schema.
#[derive(JsonSchema)]
#[schemars(rename_all = "kebab-case")]
#[allow(dead_code)]
enum TargetKindName {
    Prometheus,
    PrometheusOperator,
    Mimir,
    Thanos,
    Victoriametrics,
}

/// `[[sli]]` in the settings file: an SLI with `{{param}}` placeholders.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SharedSliSpec {
    /// What SLOs `use`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Plain text.
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
    /// The placeholders its queries hold, `{{name}}` each.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub params: Vec<Spanned<String>>,
    /// The Sloth SLI plugin it stands for: `slogen import sloth` maps the
    /// plugin's uses to it.
    #[schemars(with = "Option<String>")]
    pub sloth_plugin: Option<Spanned<String>>,
    /// Event counts from two queries.
    #[schemars(with = "Option<RatioSpec>")]
    pub ratio: Option<Spanned<RatioSpec>>,
    /// Events faster than a threshold, from a histogram.
    #[schemars(with = "Option<LatencySpec>")]
    pub latency: Option<Spanned<LatencySpec>>,
    /// Share of time a gauge is out of bounds.
    #[schemars(with = "Option<ThresholdSpec>")]
    pub threshold: Option<Spanned<ThresholdSpec>>,
    /// An error ratio the user computes.
    #[schemars(with = "Option<RawSpec>")]
    pub raw: Option<Spanned<RawSpec>>,
}

/// `[compatibility]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CompatibilitySpec {
    /// Sloth's series labels and `sloth_slo_info`, so Sloth's dashboards work.
    pub sloth: Option<bool>,
}

/// `[build]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BuildSpec {
    /// Also write the promtool tests into the output directory.
    pub tests: Option<bool>,
}

/// `[defaults]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DefaultsSpec {
    /// SLO period.
    #[schemars(with = "Option<String>")]
    pub period: Option<Spanned<String>>,
    /// Rule evaluation interval assumed by tests and math.
    #[schemars(with = "Option<String>")]
    pub evaluation_interval: Option<Spanned<String>>,
    /// `for` of the no-data alert.
    #[schemars(with = "Option<String>")]
    pub no_data_for: Option<Spanned<String>>,
    /// `for` of every burn-rate alert.
    #[serde(rename = "for")]
    #[schemars(with = "Option<String>")]
    pub for_duration: Option<Spanned<String>>,
    /// `keep_firing_for` of every burn-rate alert.
    #[schemars(with = "Option<String>")]
    pub keep_firing_for: Option<Spanned<String>>,
    /// The low-traffic guard of every event SLI.
    #[schemars(with = "Option<i64>")]
    pub min_events: Option<Spanned<i64>>,
}

/// `[severity]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SeveritySpec {
    /// Label value of page alerts.
    #[schemars(with = "Option<String>")]
    pub page: Option<Spanned<String>>,
    /// Label value of ticket alerts.
    #[schemars(with = "Option<String>")]
    pub ticket: Option<Spanned<String>>,
}

/// `[runbooks]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RunbooksSpec {
    /// Base URL of the runbooks directory.
    #[schemars(with = "Option<String>")]
    pub base_url: Option<Spanned<String>>,
}

/// `[alertmanager]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AlertmanagerSpec {
    /// Receiver of alerts no route matches.
    #[schemars(with = "Option<String>")]
    pub default_receiver: Option<Spanned<String>>,
    /// Labels alerts are grouped by.
    #[schemars(with = "Option<Vec<String>>")]
    pub group_by: Option<Vec<Spanned<String>>>,
    /// Route timing.
    #[schemars(with = "Option<String>")]
    pub group_wait: Option<Spanned<String>>,
    /// Route timing.
    #[schemars(with = "Option<String>")]
    pub group_interval: Option<Spanned<String>>,
    /// Route timing.
    #[schemars(with = "Option<String>")]
    pub repeat_interval: Option<Spanned<String>>,
    /// Global section passed through (e.g. `resolve_timeout`) after
    /// secret checks.
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub global: Option<Spanned<BTreeMap<String, toml::Value>>>,
    /// `[[alertmanager.receiver]]`.
    #[serde(default)]
    #[schemars(with = "Vec<ReceiverSpec>")]
    pub receiver: Vec<Spanned<ReceiverSpec>>,
    /// `[[alertmanager.team]]`: where each team's alerts go.
    #[serde(default)]
    #[schemars(with = "Vec<TeamRouteSpec>")]
    pub team: Vec<Spanned<TeamRouteSpec>>,
}

/// `[[alertmanager.receiver]]`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReceiverSpec {
    /// Unique receiver name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `pagerduty_configs` etc., passed through after secret checks.
    #[serde(flatten)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub integrations: BTreeMap<String, toml::Value>,
}

/// `[[alertmanager.team]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TeamRouteSpec {
    /// Team name as in `[service] team`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Receiver of the team's page alerts.
    #[schemars(with = "Option<String>")]
    pub page: Option<Spanned<String>>,
    /// Receiver of the team's ticket alerts.
    #[schemars(with = "Option<String>")]
    pub ticket: Option<Spanned<String>>,
}

/// The keys each table accepts, for "unknown key" help. A test keeps these in
/// step with the structs above.
const KNOWN_KEYS: &[(&str, &[&str])] = &[
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
        ],
    ),
    ("slo[].alerting.page", &["labels", "annotations"]),
    ("slo[].alerting.ticket", &["labels", "annotations"]),
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

const SETTINGS_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "defaults",
            "severity",
            "window",
            "runbooks",
            "templates",
            "alertmanager",
            "build",
            "target",
            "compatibility",
            "sli",
        ],
    ),
    (
        "sli[]",
        &[
            "name",
            "description",
            "params",
            "sloth_plugin",
            "ratio",
            "latency",
            "threshold",
            "raw",
        ],
    ),
    ("sli[].ratio", &["errors", "good", "total"]),
    (
        "sli[].latency",
        &["histogram", "threshold", "selector", "group_by"],
    ),
    ("sli[].threshold", &["query", "max", "min"]),
    ("sli[].raw", &["error_ratio"]),
    ("build", &["tests"]),
    ("compatibility", &["sloth"]),
    (
        "target[]",
        &[
            "kind",
            "dir",
            "namespace",
            "labels",
            "annotations",
            "interval",
            "query_offset",
            "evaluation_delay",
            "source_tenants",
            "partial_response_strategy",
            "recording_partial_response_strategy",
        ],
    ),
    (
        "defaults",
        &[
            "period",
            "evaluation_interval",
            "no_data_for",
            "for",
            "keep_firing_for",
            "min_events",
        ],
    ),
    ("severity", &["page", "ticket"]),
    (
        "window[]",
        &["severity", "long", "short", "budget", "burn_rate"],
    ),
    ("runbooks", &["base_url"]),
    (
        "alertmanager",
        &[
            "default_receiver",
            "group_by",
            "group_wait",
            "group_interval",
            "repeat_interval",
            "global",
            "receiver",
            "team",
        ],
    ),
    ("alertmanager.team[]", &["name", "page", "ticket"]),
];

/// A parsed file and the problems found on the way. A file with unknown
/// keys still parses (the keys are ignored), so that analysis reports its
/// other problems in the same run; the unknown keys stay errors.
#[derive(Debug)]
pub struct Parsed<T> {
    /// The file, when its syntax and types allow one.
    pub file: Option<T>,
    /// Syntax errors, unknown keys and type errors.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// The file when nothing at all is wrong with it.
    pub fn into_result(self) -> Result<T, Vec<Diagnostic>> {
        match self.file {
            Some(file) if self.diagnostics.is_empty() => Ok(file),
            _ => Err(self.diagnostics),
        }
    }
}

/// Parses a service file, reporting every syntax error and unknown key.
pub fn parse_service(source: &SourceFile) -> Parsed<ServiceFile> {
    parse(source, KNOWN_KEYS, read_service)
}

/// Parses the settings file, reporting every syntax error and unknown key.
pub fn parse_settings(source: &SourceFile) -> Parsed<SettingsFile> {
    parse(source, SETTINGS_KEYS, read_whole)
}

/// What deserializing a file's table gave: the file, or the type errors.
type Read<T> = (Option<T>, Vec<toml::de::Error>);

fn parse<T>(
    source: &SourceFile,
    known_keys: &[(&str, &[&str])],
    read: impl FnOnce(Spanned<DeTable<'_>>) -> Read<T>,
) -> Parsed<T> {
    if let Some(span) = source.invalid_utf8_span() {
        return Parsed {
            file: None,
            diagnostics: vec![Diagnostic::at(Problem::NotUtf8, &source.path, span)],
        };
    }
    let (table, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        let diagnostics = errors
            .iter()
            .map(|error| {
                let problem = Problem::TomlSyntax {
                    message: error.message().trim_end().to_owned(),
                };
                Diagnostic::at(problem, &source.path, error.span().unwrap_or(0..0))
            })
            .collect();
        return Parsed {
            file: None,
            diagnostics,
        };
    }
    // Unknown keys come from the whole tree, so one run reports all of them
    // even when deserialization stops early at a missing key.
    let mut diagnostics = Vec::new();
    unknown_keys(source, table.get_ref(), "", known_keys, &mut diagnostics);
    let (file, errors) = read(table);
    diagnostics.extend(errors.into_iter().map(|error| {
        let problem = Problem::TomlShape {
            message: shape_message(error.message()),
        };
        Diagnostic::at(problem, &source.path, error.span().unwrap_or(0..0))
    }));
    Parsed { file, diagnostics }
}

fn read_whole<T: DeserializeOwned>(table: Spanned<DeTable<'_>>) -> Read<T> {
    match T::deserialize(toml::de::Deserializer::from(table)) {
        Ok(file) => (Some(file), Vec::new()),
        Err(error) => (None, vec![error]),
    }
}

/// A service file, each `[[slo]]` and `[[alert]]` read on its own: serde
/// stops at the first value of the wrong type, so one run reports the type
/// errors of every table, and the analyzer still sees the tables that read.
fn read_service(table: Spanned<DeTable<'_>>) -> Read<ServiceFile> {
    fn each<'i, T: DeserializeOwned>(
        items: impl IntoIterator<Item = Spanned<DeValue<'i>>>,
        errors: &mut Vec<toml::de::Error>,
    ) -> Vec<Spanned<T>> {
        items
            .into_iter()
            .filter_map(|item| read_table(item, errors))
            .collect()
    }
    let span = table.span();
    let mut errors = Vec::new();
    let (mut slo, mut alert) = (Vec::new(), Vec::new());
    let mut rest = DeTable::new();
    for (key, value) in table.into_inner() {
        let name: &str = key.get_ref().as_ref();
        let place = value.span();
        match (name, value.into_inner()) {
            ("slo", DeValue::Array(items)) => slo = each(items, &mut errors),
            ("alert", DeValue::Array(items)) => {
                alert = each(items, &mut errors);
            }
            (_, other) => {
                rest.insert(key, Spanned::new(place, other));
            }
        }
    }
    let rest = ServiceFile::deserialize(toml::de::Deserializer::from(Spanned::new(span, rest)));
    match rest {
        Ok(file) => (Some(ServiceFile { slo, alert, ..file }), errors),
        Err(error) => {
            errors.push(error);
            (None, errors)
        }
    }
}

/// Reads one table, reporting every value of the wrong type in it: serde
/// stops at the first, so each is removed and the table read again. When
/// the rest reads, the analyzer still checks it (its own errors are
/// reported too); when a required key was the one removed, only the type
/// errors are.
fn read_table<T: DeserializeOwned>(
    mut item: Spanned<DeValue<'_>>,
    errors: &mut Vec<toml::de::Error>,
) -> Option<Spanned<T>> {
    let mut removed: Vec<String> = Vec::new();
    // Each round removes one entry, so a table has at most as many rounds
    // as it has values.
    loop {
        let error = match Spanned::<T>::deserialize(toml::de::ValueDeserializer::from(item.clone()))
        {
            Ok(table) => return Some(table),
            Err(error) => error,
        };
        let message = error.message().trim_end();
        let missing_removed = removed
            .iter()
            .any(|key| message == format!("missing field `{key}`"));
        if missing_removed {
            return None;
        }
        let span = error.span();
        errors.push(error);
        let DeValue::Table(table) = item.get_mut() else {
            return None;
        };
        match span.and_then(|span| remove_holding(table, &span)) {
            Some(key) => removed.push(key),
            None => return None,
        }
    }
}

/// Removes the entry of `table` (or of a table inside it) whose value holds
/// `span`, the innermost; returns its key.
fn remove_holding(table: &mut DeTable<'_>, span: &std::ops::Range<usize>) -> Option<String> {
    let key = table
        .iter()
        .find(|(_, value)| {
            let place = value.span();
            place.start <= span.start && span.end <= place.end
        })
        .map(|(key, _)| key.clone())?;
    if let Some(DeValue::Table(inner)) = table.get_mut(&key).map(Spanned::get_mut)
        && let Some(found) = remove_holding(inner, span)
    {
        return Some(found);
    }
    table.remove(&key);
    Some(key.get_ref().to_string())
}

/// serde's wording, made to read like the rest of slogen's messages.
fn shape_message(message: &str) -> String {
    let message = message.trim_end();
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("missing key {field}");
    }
    if message.starts_with("data did not match any variant of untagged enum ThresholdValue") {
        return "expected a duration string such as \"100ms\" or a number".to_owned();
    }
    if let Some(start) = message.find("expected struct ") {
        return format!("{}expected a table", &message[..start]);
    }
    message
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected `true` or `false`")
}

/// Reports keys of `table` (at `shape`, e.g. `slo[].sli`) that no struct
/// declares, then descends into nested tables. Free-form tables (labels,
/// annotations, receivers) have no entry in `known_keys` and are skipped.
fn unknown_keys(
    source: &SourceFile,
    table: &DeTable<'_>,
    shape: &str,
    known_keys: &[(&str, &[&str])],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some((_, expected)) = known_keys.iter().find(|(known, _)| *known == shape) else {
        return;
    };
    for (key, value) in table {
        let key_text: &str = key.get_ref().as_ref();
        if !expected.contains(&key_text) {
            let table_name = if shape.is_empty() {
                "the top level".to_owned()
            } else {
                format!("[{}]", shape.replace("[]", ""))
            };
            diagnostics.push(Diagnostic::at(
                Problem::UnknownKey {
                    key: key_text.to_owned(),
                    table: table_name,
                    suggestion: suggest(key_text, expected.iter().copied()),
                    expected: expected.iter().map(|key| (*key).to_owned()).collect(),
                },
                &source.path,
                key.span(),
            ));
            continue;
        }
        let child = if shape.is_empty() {
            key_text.to_owned()
        } else {
            format!("{shape}.{key_text}")
        };
        match value.get_ref() {
            DeValue::Table(inner) => unknown_keys(source, inner, &child, known_keys, diagnostics),
            DeValue::Array(items) => {
                for item in items {
                    if let DeValue::Table(inner) = item.get_ref() {
                        let element = format!("{child}[]");
                        unknown_keys(source, inner, &element, known_keys, diagnostics);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The span of a whole string value, without its quotes, when the string has
/// no escapes (then text offsets and string offsets agree one to one).
pub fn inner_span(source: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let text = source.get(span.clone()).unwrap_or("");
    for quote in ["'''", "\"\"\"", "'", "\""] {
        if text.len() >= 2 * quote.len() && text.starts_with(quote) && text.ends_with(quote) {
            return span.start + quote.len()..span.end - quote.len();
        }
    }
    span.clone()
}

/// The span in `source` of a byte range of a string value: `span` is the
/// whole value's (quotes included) and `value` what it reads. TOML's
/// escapes and a multi-line string's first line break are undone. `None`
/// when the text at `span` does not read back as `value`.
pub fn value_span(
    source: &str,
    span: &std::ops::Range<usize>,
    value: &str,
    range: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let (read, starts) = read_string(source.get(span.clone())?)?;
    if read != value {
        return None;
    }
    Some(span.start + *starts.get(range.start)?..span.start + *starts.get(range.end)?)
}

/// A TOML string's value, with the offset in `text` of what gave each of
/// its bytes, and of the closing delimiter last.
fn read_string(text: &str) -> Option<(String, Vec<usize>)> {
    let delimiter = ["'''", "\"\"\"", "'", "\""].into_iter().find(|quote| {
        text.len() >= 2 * quote.len() && text.starts_with(quote) && text.ends_with(quote)
    })?;
    let end = text.len() - delimiter.len();
    let mut at = delimiter.len();
    let multiline = delimiter.len() == 3;
    if multiline {
        at += [("\r\n", 2), ("\n", 1)]
            .into_iter()
            .find(|(line_break, _)| text[at..end].starts_with(line_break))
            .map_or(0, |(_, length)| length);
    }
    let mut value = String::with_capacity(end - at);
    let mut starts = Vec::with_capacity(end - at + 1);
    while at < end {
        let character = text[at..end].chars().next()?;
        if delimiter.starts_with('\'') || character != '\\' {
            value.push(character);
            starts.resize(value.len(), at);
            at += character.len_utf8();
            continue;
        }
        let escape = text[at + 1..end].chars().next()?;
        let hex = |digits: usize| {
            let digits = text.get(at + 2..at + 2 + digits)?;
            char::from_u32(u32::from_str_radix(digits, 16).ok()?)
        };
        let (character, length) = match escape {
            'b' => ('\u{8}', 2),
            't' => ('\t', 2),
            'n' => ('\n', 2),
            'f' => ('\u{c}', 2),
            'r' => ('\r', 2),
            'e' => ('\u{1b}', 2),
            '"' => ('"', 2),
            '\\' => ('\\', 2),
            'x' => (hex(2)?, 4),
            'u' => (hex(4)?, 6),
            'U' => (hex(8)?, 10),
            // A line-ending backslash: the line break and the white space
            // after it are not part of the value.
            ' ' | '\t' | '\r' | '\n' if multiline => {
                let rest = &text[at + 1..end];
                at += 1 + rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
                continue;
            }
            _ => return None,
        };
        value.push(character);
        starts.resize(value.len(), at);
        at += length;
    }
    starts.push(end);
    Some((value, starts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("slo/test.toml", text)
    }

    #[track_caller]
    fn unknown_keys(text: &str) -> Vec<(String, Option<String>, (usize, usize))> {
        let source = source(text);
        let diagnostics = parse_service(&source).into_result().unwrap_err();
        diagnostics
            .into_iter()
            .map(|diagnostic| match *diagnostic.problem {
                Problem::UnknownKey {
                    key, suggestion, ..
                } => {
                    let span = diagnostic.location.unwrap().span;
                    (key, suggestion, source.line_column(span.start))
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    const MINIMAL: &str = "[service]\nname = \"a\"\nteam = \"t\"\n";

    #[test]
    fn places_in_a_string_value_count_its_escapes() {
        #[track_caller]
        fn place(string: &str, value: &str, part: &str) -> Option<String> {
            let source = format!("key = {string}\n");
            let span = 6..6 + string.len();
            let start = value.find(part).unwrap();
            value_span(&source, &span, value, start..start + part.len())
                .map(|span| source[span].to_owned())
        }
        let part = |string, value| place(string, value, "(?<n>");
        assert_eq!(part("'a\"(?<n>x)'", "a\"(?<n>x)"), Some("(?<n>".to_owned()));
        assert_eq!(
            part(r#""a{b=~\"(?<n>x)\"}""#, "a{b=~\"(?<n>x)\"}"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            part("'''\nx(?<n>y)'''", "x(?<n>y)"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            part("\"\"\"\r\nx \\\n   (?<n>y)\"\"\"", "x (?<n>y)"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            place(r#""\\u0041""#, "\\u0041", "\\u0041"),
            Some(r#"\\u0041"#.to_owned())
        );
        assert_eq!(place(r#""\u00e9(""#, "é(", "é"), Some(r"\u00e9".to_owned()));
        assert_eq!(place(r#""\u00e9(""#, "é(", "("), Some("(".to_owned()));
        // Text that does not read back as the value: no place.
        assert_eq!(part("'(?<n>x)'", "other (?<n>"), None);
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_place() {
        let text = format!(
            "{MINIMAL}tem = 1\n[[slo]]\nname = \"x\"\nobjectiv = 9\nobjective = 99.0\n[slo.sli.ratio]\nerors = 'a'\n"
        );
        assert_eq!(
            unknown_keys(&text),
            vec![
                ("tem".to_owned(), Some("team".to_owned()), (4, 1)),
                ("objectiv".to_owned(), Some("objective".to_owned()), (7, 1)),
                ("erors".to_owned(), Some("errors".to_owned()), (10, 1)),
            ]
        );
    }

    #[test]
    fn all_syntax_errors_are_reported() {
        let diagnostics = parse_service(&source("[service\nname = = 1\n"))
            .into_result()
            .unwrap_err();
        assert!(!diagnostics.is_empty());
        assert!(
            diagnostics
                .iter()
                .all(|diagnostic| diagnostic.problem.code() == "toml-syntax")
        );
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let text = format!(
            "{MINIMAL}[[slo]]\nname = \"x\"\nobjective = \"high\"\n[slo.sli.raw]\nerror_ratio = 'x'\n"
        );
        let source = source(&text);
        let diagnostics = parse_service(&source).into_result().unwrap_err();
        let location = diagnostics[0].location.clone().unwrap();
        assert_eq!(source.line_column(location.span.start), (6, 13));
    }

    /// A document with `key = 1` inside the table of `shape`.
    fn probe(shape: &str, key: &str) -> String {
        let mut text = String::new();
        let mut prefix = String::new();
        for (index, part) in shape.split('.').enumerate() {
            if index > 0 {
                prefix.push('.');
            }
            prefix.push_str(part.trim_end_matches("[]"));
            if part.ends_with("[]") {
                text.push_str(&format!("[[{prefix}]]\n"));
            }
        }
        if !shape.is_empty() && !shape.ends_with("[]") {
            text.push_str(&format!("[{prefix}]\n"));
        }
        text.push_str(&format!("{key} = 1\n"));
        text
    }

    fn unknown_in(
        text: &str,
        parse: fn(&SourceFile) -> Result<(), Vec<Diagnostic>>,
    ) -> Vec<(String, Option<String>)> {
        parse(&source(text))
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|diagnostic| match *diagnostic.problem {
                Problem::UnknownKey {
                    key, suggestion, ..
                } => Some((key, suggestion)),
                _ => None,
            })
            .collect()
    }

    #[track_caller]
    fn check_key_lists(
        lists: &[(&str, &[&str])],
        parse: fn(&SourceFile) -> Result<(), Vec<Diagnostic>>,
    ) {
        for (shape, keys) in lists {
            for key in *keys {
                assert_eq!(
                    unknown_in(&probe(shape, key), parse),
                    vec![],
                    "`{key}` in `{shape}` is listed but not accepted"
                );
                let typo = format!("{key}x");
                assert_eq!(
                    unknown_in(&probe(shape, &typo), parse),
                    vec![(typo.clone(), Some((*key).to_owned()))],
                    "`{typo}` in `{shape}`"
                );
            }
        }
    }

    #[test]
    fn known_key_lists_match_the_structs() {
        check_key_lists(KNOWN_KEYS, |source| {
            parse_service(source).into_result().map(drop)
        });
        check_key_lists(SETTINGS_KEYS, |source| {
            parse_settings(source).into_result().map(drop)
        });
    }
}
