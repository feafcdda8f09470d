//! The deploy targets: the formats slogen writes rules in, their names in
//! the settings file and the `[[target]]` keys each reads.
//!
//! Plain data below every stage: the analyzer reads the names, the
//! diagnostics list them, planning and verification tell the formats
//! apart ([`crate::ir`] re-exports [`TargetKind`] for the model).

/// The formats slogen writes rules in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// Plain Prometheus rule files.
    Prometheus,
    /// `monitoring.coreos.com/v1` `PrometheusRule` objects.
    PrometheusOperator,
    /// Grafana Mimir / Cortex ruler namespace files (`mimirtool rules`).
    Mimir,
    /// Thanos ruler files (`partial_response_strategy`).
    Thanos,
    /// VictoriaMetrics vmalert files.
    VictoriaMetrics,
}

impl TargetKind {
    /// Every kind, in documentation order.
    pub const ALL: [Self; 5] = [
        Self::Prometheus,
        Self::PrometheusOperator,
        Self::Mimir,
        Self::Thanos,
        Self::VictoriaMetrics,
    ];

    /// The name in the settings file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Prometheus => "prometheus",
            Self::PrometheusOperator => "prometheus-operator",
            Self::Mimir => "mimir",
            Self::Thanos => "thanos",
            Self::VictoriaMetrics => "victoriametrics",
        }
    }

    /// The kind of a settings name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The `[[target]]` keys this kind reads besides `kind` and `dir`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Prometheus => &["interval"],
            Self::PrometheusOperator => &["namespace", "labels", "annotations", "interval"],
            Self::Mimir => &[
                "namespace",
                "interval",
                "query_offset",
                "evaluation_delay",
                "source_tenants",
            ],
            Self::Thanos => &[
                "interval",
                "partial_response_strategy",
                "recording_partial_response_strategy",
            ],
            Self::VictoriaMetrics => &["interval"],
        }
    }
}
