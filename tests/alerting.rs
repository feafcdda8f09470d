//! Issue 16's alerting features, proven by the generated promtool tests of
//! `tests/cases/alerting`: they pass, and each fails when the feature it
//! covers is taken out of the generated rules (a mutation test each).

use std::path::PathBuf;

use crate::harness::{Project, fails, mutate, passes, repository, tool_available};

/// The `alerting` case built with its tests into `out`.
fn alerting() -> (Project, PathBuf) {
    let project = Project::copy_of(&repository().join("tests/cases/alerting"));
    let run = project.slogen(&["build", "--tests", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = project.path().join("out");
    (project, out)
}

const EDGE_CASES: &str = "slo-edge-cases.yml";

#[test]
fn the_alerting_case_passes_its_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    for test in ["slo-outages.yml", "slo-slow-burns.yml", EDGE_CASES] {
        passes(&out, test);
    }
}

#[test]
fn a_guard_that_lets_low_traffic_through_fails_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    mutate(&out, "prometheus/checkout.yml", ">= 100", ">= 0");
    fails(
        &out,
        EDGE_CASES,
        r#"count_over_time(ALERTS{alertname=\"CheckoutHighErrorRate\",slogen_service=\"checkout\",slogen_slo=\"availability\"}[4m])"#,
    );
}

#[test]
fn a_no_data_alert_of_the_whole_sli_only_fails_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    // Back to `absent()` of the base ratio: a group that stops while the
    // other reports is never noticed.
    let selector = r#"{slogen_service="checkout",slogen_slo="availability"}"#;
    mutate(
        &out,
        "prometheus/checkout.yml",
        &format!(
            "slo:sli_error:ratio_rate30d{selector}\n          unless\n          slo:sli_total:rate5m{selector}\n          or\n          absent(slo:sli_error:ratio_rate30d{selector})"
        ),
        &format!("absent(slo:sli_total:rate5m{selector})"),
    );
    fails(
        &out,
        EDGE_CASES,
        r#"ALERTS{alertname=\"CheckoutHighErrorRateNoData\",alertstate=\"firing\",slogen_service=\"checkout\",slogen_slo=\"availability\"}", time: 26m"#,
    );
}

#[test]
fn burn_alerts_without_their_for_fail_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    mutate(&out, "prometheus/checkout.yml", "        for: 2m\n", "");
    // The page fires two minutes early under the outage, and is no longer
    // pending before it fires in the guard's test.
    fails(&out, "slo-outages.yml", "CheckoutHighErrorRate");
    fails(
        &out,
        EDGE_CASES,
        r#"ALERTS{alertname=\"CheckoutHighErrorRate\",alertstate=\"firing\",slogen_long_window=\"1h\",slogen_service=\"checkout\",slogen_short_window=\"5m\",slogen_slo=\"availability\"}", time: 1m"#,
    );
}

#[test]
fn burn_alerts_without_their_keep_firing_for_fail_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    mutate(
        &out,
        "prometheus/checkout.yml",
        "        keep_firing_for: 10m\n",
        "",
    );
    fails(&out, "slo-outages.yml", "CheckoutHighErrorRate");
}

#[test]
fn a_raw_sli_averaging_its_base_ratio_fails_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = alerting();
    // The old construction: long windows averaged the 5m ratio, which an
    // idle gap makes 0/0 and which weighs every 5m alike, whatever traffic.
    for window in ["1d", "3d", "28d"] {
        mutate(
            &out,
            "prometheus/checkout.yml",
            &format!(
                "1 - sum(rate(settlement_items_ok_total[{window}])) / sum(rate(settlement_items_total[{window}]))"
            ),
            &format!(
                r#"avg_over_time(slo:sli_error:ratio_rate5m{{slogen_service="checkout",slogen_slo="settlement"}}[{window}])"#
            ),
        );
    }
    fails(&out, EDGE_CASES, "slo:sli_error:ratio_rate28d");
    fails(&out, EDGE_CASES, "slogen_long_window=\\\"3d\\\"");
}

const SHARED: &str = r#"[defaults]
min_events = 100

[[sli]]
name = "http"
params = ["job"]
[sli.ratio]
errors = 'sum(rate(http_requests_total{job="{{job}}",code=~"5.."}[{{window}}]))'
total = 'sum(rate(http_requests_total{job="{{job}}"}[{{window}}]))'

[[sli]]
name = "lag"
[sli.threshold]
query = 'max(queue_lag_seconds)'
max = 30
"#;

/// The guard's default once reached SLOs with their own SLI kind only: an
/// SLO using a shared ratio SLI was left unguarded.
#[test]
fn a_shared_event_sli_takes_the_default_low_traffic_guard() {
    let project = Project::new();
    project.file("slo/slogen.toml", SHARED);
    project.file(
        "slo/api.toml",
        "[service]\nname = \"api\"\nteam = \"web\"\n\n[[slo]]\nname = \"availability\"\nobjective = 99.9\n[slo.sli]\nuse = \"http\"\nparams = { job = \"api\" }\n",
    );
    let run = project.slogen(&["build", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = project.read("out/prometheus/api.yml");
    assert!(
        rules.contains("- record: slo:sli_events:count1h"),
        "{rules}"
    );
    assert!(rules.contains(">= 100"), "{rules}");
}

/// A shared threshold SLI has no events to count: `min_events` on it is
/// the same located error as on a threshold SLI of its own.
#[test]
fn min_events_on_a_shared_threshold_sli_is_an_error() {
    let project = Project::new();
    project.file("slo/slogen.toml", SHARED);
    project.file(
        "slo/queue.toml",
        "[service]\nname = \"queue\"\nteam = \"web\"\n\n[[slo]]\nname = \"lag\"\nobjective = 99.0\n[slo.sli]\nuse = \"lag\"\n\n[slo.alerting]\nmin_events = 10\n",
    );
    let run = project.slogen(&["build", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("min-events-without-events"),
        "{}",
        run.stderr
    );
    // The shared SLI's kind, not "a this SLI".
    assert!(
        run.stderr.contains("a threshold SLI has none"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("out"));
}
