//! The settings file, `slogen.toml`: defaults, severities, windows,
//! runbooks, Alertmanager routing, deploy targets and shared SLIs.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{KeySpans, LatencySpec, RatioSpec, RawSpec, SpannedMap, ThresholdSpec, WindowSpec};

/// `slogen.toml`: project-wide settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct SettingsFile {
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
    /// Where each key stands (filled in after reading).
    #[serde(skip)]
    #[schemars(skip)]
    pub keys: KeySpans,
}

/// `[[target]]`. Which keys a kind reads is the analyzer's to check.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TargetSpec {
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
pub(crate) struct SharedSliSpec {
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
pub(crate) struct CompatibilitySpec {
    /// Sloth's series labels and `sloth_slo_info`, so Sloth's dashboards work.
    pub sloth: Option<bool>,
}

/// `[build]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct BuildSpec {
    /// Also write the promtool tests into the output directory.
    pub tests: Option<bool>,
}

/// `[defaults]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct DefaultsSpec {
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
pub(crate) struct SeveritySpec {
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
pub(crate) struct RunbooksSpec {
    /// Base URL of the runbooks directory.
    #[schemars(with = "Option<String>")]
    pub base_url: Option<Spanned<String>>,
}

/// `[alertmanager]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AlertmanagerSpec {
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
    pub global: Option<Spanned<BTreeMap<String, Spanned<Value>>>>,
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
#[derive(Debug, JsonSchema)]
pub(crate) struct ReceiverSpec {
    /// Unique receiver name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `pagerduty_configs` etc., passed through after secret checks.
    #[serde(flatten)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub integrations: BTreeMap<Spanned<String>, Spanned<Value>>,
}

// By hand rather than `#[serde(flatten)]`: a flattened map is buffered,
// which loses the spans of its keys and of the values inside.
impl<'de> Deserialize<'de> for ReceiverSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ReceiverSpec;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a receiver table")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut name = None;
                let mut integrations = BTreeMap::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    if key.get_ref() == "name" {
                        name = Some(map.next_value()?);
                    } else {
                        integrations.insert(key, map.next_value()?);
                    }
                }
                let name = name.ok_or_else(|| serde::de::Error::missing_field("name"))?;
                Ok(ReceiverSpec { name, integrations })
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// A TOML value slogen passes through (receiver integrations, the
/// Alertmanager `global` section), every part with its span, so that a
/// secret found deep inside is pointed at.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// `true` or `false`.
    Boolean(bool),
    /// A date and time.
    Datetime(toml::value::Datetime),
    /// An array.
    Array(Vec<Spanned<Value>>),
    /// A table.
    Table(BTreeMap<String, Spanned<Value>>),
}

impl Value {
    /// The value without its spans.
    pub(crate) fn to_toml(&self) -> toml::Value {
        match self {
            Self::String(text) => toml::Value::String(text.clone()),
            Self::Integer(number) => toml::Value::Integer(*number),
            Self::Float(number) => toml::Value::Float(*number),
            Self::Boolean(value) => toml::Value::Boolean(*value),
            Self::Datetime(datetime) => toml::Value::Datetime(*datetime),
            Self::Array(items) => {
                toml::Value::Array(items.iter().map(|item| item.get_ref().to_toml()).collect())
            }
            Self::Table(table) => toml::Value::Table(
                table
                    .iter()
                    .map(|(key, value)| (key.clone(), value.get_ref().to_toml()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Value;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("any valid TOML value")
            }

            fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
                Ok(Value::Boolean(value))
            }

            fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
                Ok(Value::Integer(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Value, E> {
                i64::try_from(value)
                    .map(Value::Integer)
                    .map_err(|_| E::custom("u64 value was too large"))
            }

            fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
                Ok(Value::Float(value))
            }

            fn visit_str<E>(self, value: &str) -> Result<Value, E> {
                Ok(Value::String(value.to_owned()))
            }

            fn visit_string<E>(self, value: String) -> Result<Value, E> {
                Ok(Value::String(value))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut items: A,
            ) -> Result<Value, A::Error> {
                let mut array = Vec::new();
                while let Some(item) = items.next_element()? {
                    array.push(item);
                }
                Ok(Value::Array(array))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Value, A::Error> {
                // The TOML deserializer hands a datetime over as a map of
                // one private key, which this reads.
                use toml_datetime::de::VisitMap;
                let mut table = BTreeMap::new();
                match VisitMap::next_key_seed(&mut map)? {
                    Some(VisitMap::Datetime(datetime)) => return Ok(Value::Datetime(datetime)),
                    Some(VisitMap::Key(key)) => {
                        table.insert(key.into_owned(), map.next_value()?);
                    }
                    None => {}
                }
                while let Some(key) = map.next_key::<String>()? {
                    table.insert(key, map.next_value()?);
                }
                Ok(Value::Table(table))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `[[alertmanager.team]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TeamRouteSpec {
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
