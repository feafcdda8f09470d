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
pub(crate) fn camel_case(parts: &[&str]) -> String {
    let mut camel = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for word in parts.iter().flat_map(|part| part.split(['-', '_'])) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            camel.push(first.to_ascii_uppercase());
            camel.push_str(chars.as_str());
        }
    }
    camel
}

/// Name of an SLO's burn-rate alerts.
pub(crate) fn burn_alert_name(service: &str, slo: &str) -> String {
    format!("{}BudgetBurn", camel_case(&[service, slo]))
}

/// Name of an SLO's no-data alert.
pub(crate) fn no_data_alert_name(service: &str, slo: &str) -> String {
    format!("{}NoData", camel_case(&[service, slo]))
}

/// Label naming the service on every series and alert slogen writes.
pub(crate) const SERVICE_LABEL: &str = "slogen_service";
/// Label naming the SLO.
pub(crate) const SLO_LABEL: &str = "slogen_slo";
/// Label of burn-rate alerts naming the long window that fired.
pub(crate) const LONG_WINDOW_LABEL: &str = "slogen_long_window";
/// Label of burn-rate alerts naming the short window that fired.
pub(crate) const SHORT_WINDOW_LABEL: &str = "slogen_short_window";

/// Sloth's labels, on the series of the Sloth-compatible mode: `<service>-<slo>`.
pub(crate) const SLOTH_ID_LABEL: &str = "sloth_id";
/// Sloth's service label.
pub(crate) const SLOTH_SERVICE_LABEL: &str = "sloth_service";
/// Sloth's SLO label.
pub(crate) const SLOTH_SLO_LABEL: &str = "sloth_slo";
/// Sloth's label naming the window of an error-ratio series.
pub(crate) const SLOTH_WINDOW_LABEL: &str = "sloth_window";
/// Sloth's label of burn-rate alerts: `page` or `ticket`.
pub(crate) const SLOTH_SEVERITY_LABEL: &str = "sloth_severity";
/// Sloth's metadata series: one per SLO, value 1.
pub(crate) const SLOTH_INFO_METRIC: &str = "sloth_slo_info";

/// Label matchers selecting one SLO's recorded series.
pub(crate) fn slo_selector(service: &str, slo: &str) -> String {
    format!(
        "{{{SERVICE_LABEL}={},{SLO_LABEL}={}}}",
        quote(service),
        quote(slo)
    )
}

/// Name of the recorded error ratio over a window.
pub(crate) fn ratio_metric(window: Duration) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// Name of the recorded event count over a window (the low-traffic guard).
pub(crate) fn events_metric(window: Duration) -> String {
    format!("slo:sli_events:count{window}")
}

/// The recording group of an SLO.
pub(crate) fn recording_group_name(service: &str, slo: &str) -> String {
    format!("slogen-{service}-{slo}")
}

/// The alert group of a service.
pub(crate) fn alert_group_name(service: &str) -> String {
    format!("slogen-{service}-alerts")
}

/// The runbook file of an SLO, relative to the output directory.
pub(crate) fn slo_path(service: &str, slo: &str) -> String {
    format!("runbooks/{service}-{slo}.md")
}

/// The runbook file of a plain alert.
pub(crate) fn alert_path(alert: &str) -> String {
    format!("runbooks/{alert}.md")
}

/// The outage and recovery tests.
pub(crate) const OUTAGES_FILE: &str = "tests/slo-outages.yml";
/// The tests of no-data alerts per group, the low-traffic guard, and raw
/// SLIs after traffic changes and idle gaps.
pub(crate) const EDGE_CASES_FILE: &str = "tests/slo-edge-cases.yml";
/// The slow-burn tests.
pub(crate) const SLOW_BURNS_FILE: &str = "tests/slo-slow-burns.yml";

/// The tests of a service's plain alerts.
pub(crate) fn plain_alerts_file(service: &str) -> String {
    format!("tests/{service}-alerts.yml")
}

/// The recorded failed events per second over the base window (event SLIs).
pub(crate) fn errors_rate_metric(window: Duration) -> String {
    format!("slo:sli_errors:rate{window}")
}

/// The recorded events per second over the base window (event SLIs).
pub(crate) fn total_rate_metric(window: Duration) -> String {
    format!("slo:sli_total:rate{window}")
}

/// The recorded 0/1 out-of-bounds series of threshold SLIs.
pub(crate) const BREACH_METRIC: &str = "slo:sli_breach:bool";
/// The recorded objective, as a ratio.
pub(crate) const OBJECTIVE_METRIC: &str = "slo:objective:ratio";
/// The recorded error budget, as a ratio.
pub(crate) const ERROR_BUDGET_METRIC: &str = "slo:error_budget:ratio";
/// The recorded period, in days.
pub(crate) const PERIOD_DAYS_METRIC: &str = "slo:time_period:days";
/// The recorded burn rate over the base window.
pub(crate) const CURRENT_BURN_RATE_METRIC: &str = "slo:current_burn_rate:ratio";
/// The recorded burn rate over the period.
pub(crate) const PERIOD_BURN_RATE_METRIC: &str = "slo:period_burn_rate:ratio";
/// The recorded share of the period's error budget left.
pub(crate) const BUDGET_REMAINING_METRIC: &str = "slo:period_error_budget_remaining:ratio";

/// The series Prometheus keeps of every alerting rule's state.
pub(crate) const ALERTS_METRIC: &str = "ALERTS";

/// A service's Grafana dashboard, relative to the output directory.
pub(crate) fn dashboard_path(service: &str) -> String {
    format!("dashboards/{service}.json")
}

/// The overview dashboard of every SLO (`_` is in no service name, so no
/// service's dashboard can take this path or uid).
pub(crate) const OVERVIEW_DASHBOARD_FILE: &str = "dashboards/_overview.json";

/// The SLO catalog page.
pub(crate) const CATALOG_FILE: &str = "catalog.md";

/// Grafana's limit on a dashboard uid.
const UID_LIMIT: usize = 40;

/// The uid of a dashboard: `slogen-<name>`, or, when that is longer than
/// Grafana allows, its start and a hash of the whole name (stable across
/// builds, distinct per name).
pub(crate) fn dashboard_uid(name: &str) -> String {
    let uid = format!("slogen-{name}");
    if uid.len() <= UID_LIMIT {
        return uid;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    // Names are ASCII (see `analyze`), so any byte index is a boundary.
    format!("{}-{hash}", &uid[..UID_LIMIT - 17])
}

/// The uid of the overview dashboard.
pub(crate) const OVERVIEW_UID: &str = "slogen_overview";
/// A service's rule file in a target's directory, relative to the output
/// directory.
pub(crate) fn rule_file_path(dir: &str, service: &str) -> String {
    format!("{dir}/{service}.yml")
}

/// The name of a service's `PrometheusRule` object.
pub(crate) fn rule_object_name(service: &str) -> String {
    format!("slogen-{service}")
}

/// A service's Mimir namespace from the target's pattern.
pub(crate) fn mimir_namespace(pattern: &str, service: &str) -> String {
    pattern.replace("{service}", service)
}
