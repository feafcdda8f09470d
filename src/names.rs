//! Names of everything slogen generates, in one place: alert and group
//! names, the labels slogen sets, recorded series, and the paths of
//! runbooks and test files. Every stage imports them from here, so the
//! rules, the routes, the runbooks and the tests always agree.
//!
//! In: service, SLO and alert names (valid, see `analyze`) and windows.
//! Out: strings. Nothing here depends on another stage.

use crate::duration::Duration;
use crate::promql::quote;

/// `GatewayAvailability` from `gateway` and `availability`.
pub fn camel_case(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|part| part.split(['-', '_']))
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Name of an SLO's burn-rate alerts.
pub fn burn_alert_name(service: &str, slo: &str) -> String {
    format!("{}BudgetBurn", camel_case(&[service, slo]))
}

/// Name of an SLO's no-data alert.
pub fn no_data_alert_name(service: &str, slo: &str) -> String {
    format!("{}NoData", camel_case(&[service, slo]))
}

/// Label naming the service on every series and alert slogen writes.
pub const SERVICE_LABEL: &str = "slogen_service";
/// Label naming the SLO.
pub const SLO_LABEL: &str = "slogen_slo";
/// Label of burn-rate alerts naming the long window that fired.
pub const LONG_WINDOW_LABEL: &str = "slogen_long_window";
/// Label of burn-rate alerts naming the short window that fired.
pub const SHORT_WINDOW_LABEL: &str = "slogen_short_window";

/// Sloth's labels, on the series of the Sloth-compatible mode: `<service>-<slo>`.
pub const SLOTH_ID_LABEL: &str = "sloth_id";
/// Sloth's service label.
pub const SLOTH_SERVICE_LABEL: &str = "sloth_service";
/// Sloth's SLO label.
pub const SLOTH_SLO_LABEL: &str = "sloth_slo";
/// Sloth's label naming the window of an error-ratio series.
pub const SLOTH_WINDOW_LABEL: &str = "sloth_window";
/// Sloth's label of burn-rate alerts: `page` or `ticket`.
pub const SLOTH_SEVERITY_LABEL: &str = "sloth_severity";
/// Sloth's metadata series: one per SLO, value 1.
pub const SLOTH_INFO_METRIC: &str = "sloth_slo_info";

/// Label matchers selecting one SLO's recorded series.
pub fn slo_selector(service: &str, slo: &str) -> String {
    format!(
        "{{{SERVICE_LABEL}={},{SLO_LABEL}={}}}",
        quote(service),
        quote(slo)
    )
}

/// Name of the recorded error ratio over a window.
pub fn ratio_metric(window: Duration) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// The recording group of an SLO.
pub fn recording_group_name(service: &str, slo: &str) -> String {
    format!("slogen-{service}-{slo}")
}

/// The alert group of a service.
pub fn alert_group_name(service: &str) -> String {
    format!("slogen-{service}-alerts")
}

/// The runbook file of an SLO, relative to the output directory.
pub fn slo_path(service: &str, slo: &str) -> String {
    format!("runbooks/{service}-{slo}.md")
}

/// The runbook file of a plain alert.
pub fn alert_path(alert: &str) -> String {
    format!("runbooks/{alert}.md")
}

/// The outage and recovery tests.
pub const OUTAGES_FILE: &str = "tests/slo-outages.yml";
/// The slow-burn tests.
pub const SLOW_BURNS_FILE: &str = "tests/slo-slow-burns.yml";

/// The tests of a service's plain alerts.
pub fn plain_alerts_file(service: &str) -> String {
    format!("tests/{service}-alerts.yml")
}
