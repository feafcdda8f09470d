//! The settings file, `slogen.toml`: defaults, severities, windows,
//! runbooks, Alertmanager routing, deploy targets and shared SLIs.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{LatencySpec, RatioSpec, RawSpec, SpannedMap, ThresholdSpec, WindowSpec};

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

pub(super) const SETTINGS_KEYS: &[(&str, &[&str])] = &[
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
