//! `[slo.sli]` and its four kinds, shared by SLOs and the settings'
//! `[[sli]]`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::SpannedMap;

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
