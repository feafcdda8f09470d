//! Unit tests of the checks in `analyze/alerts.rs`.

use super::analysis_error;

analysis_error! {
    name: a_plain_alert_with_a_test_passes,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
for = "5m"
severity = "page"
summary = "{{ $labels.instance }} is down"

[[alert.test]]
series = { 'up{instance="a"}' = "0x10" }
at = "6m"
firing = true
labels = { instance = "a", severity = "critical" }
"#,
    expect: [],
}

analysis_error! {
    name: a_plain_alert_names_itself_as_prometheus_would,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "shop-down"
expr = "up == 0"
severity = "page"

[[alert]]
name = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expr = "up == 0"
severity = "page"
"#,
    expect: ["invalid-alert-name a.toml:6:9", "name-too-long a.toml:11:9"],
}

analysis_error! {
    name: a_plain_alert_has_a_duration_a_severity_and_a_query,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "rate(up[5m]"
for = "five minutes"
severity = "urgent"
description = "{{ if }}"
"#,
    expect: [
        "invalid-promql a.toml:7:13",
        "invalid-duration a.toml:8:8",
        "invalid-severity a.toml:9:13",
        "invalid-template a.toml:10:16",
    ],
}

analysis_error! {
    name: an_alert_test_has_series_values_and_labels_promtool_reads,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"

[[alert.test]]
at = "1m"
firing = true

[alert.test.series]
"up{" = "0"
up = "0 zero"

[alert.test.labels]
"1abel" = "x"
team = "ops"
"#,
    expect: [
        "invalid-test-series a.toml:15:2",
        "invalid-test-values a.toml:16:7",
        "invalid-label-name a.toml:19:2",
        "test-label-conflict a.toml:20:9",
    ],
}

analysis_error! {
    name: an_alert_name_is_taken_once_across_the_project,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "ticket"
"#,
    service: r#"
[service]
name = "shop-up"
team = "web"

[[alert]]
name = "ShopUpBudgetBurn"
expr = "up == 0"
severity = "page"
"#,
    expect: [
        "duplicate-alert a.toml:16:9",
        "duplicate-alert b.toml:6:9",
    ],
}

analysis_error! {
    name: an_slo_recording_group_takes_no_alert_group_name,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "alerts"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
"#,
    expect: ["group-name-taken a.toml:6:9"],
}

analysis_error! {
    name: a_template_error_in_a_multi_line_annotation_is_reported_at_the_error,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"

[alert.annotations]
note = """
first line
{{ nosuch }}"""
"#,
    expect: ["unknown-template-function a.toml:13:4"],
}

analysis_error! {
    name: slos_share_an_own_alert_name_within_and_across_services,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.name = "SLOBurnRateHigh"

[[slo]]
name = "ready"
objective = 99.0
sli.threshold = { query = "ready", min = 1 }
alerting.name = "SLOBurnRateHigh"
"#,
    service: r#"
[service]
name = "cart"
team = "cart"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.name = "SLOBurnRateHigh"
"#,
    expect: [],
}

analysis_error! {
    name: a_shared_name_is_still_no_plain_generated_or_no_data_alerts_name,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.name = "SLOBurnRateHigh"

[[slo]]
name = "ready"
objective = 99.0
sli.threshold = { query = "ready", min = 1 }
alerting.name = "SLOBurnRateHighNoData"

[[slo]]
name = "down"
objective = 99.0
sli.threshold = { query = "down", min = 1 }

[[slo]]
name = "live"
objective = 99.0
sli.threshold = { query = "live", min = 1 }
alerting.name = "ShopDownBudgetBurn"

[[alert]]
name = "SLOBurnRateHigh"
expr = "up == 0"
severity = "page"
"#,
    expect: [
        "duplicate-alert a.toml:15:18",
        "duplicate-alert a.toml:26:18",
        "duplicate-alert a.toml:29:9",
    ],
}

analysis_error! {
    name: an_slo_names_only_declared_receivers,
    settings: r#"
[[alertmanager.receiver]]
name = "audit"
"#,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.receivers = ["audit", "audti"]
"#,
    expect: ["unknown-receiver a.toml:9:33"],
}

analysis_error! {
    name: a_receiver_listed_twice_for_an_slo_is_a_warning,
    settings: r#"
[[alertmanager.receiver]]
name = "audit"

[[alertmanager.receiver]]
name = "pager"
"#,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.receivers = ["audit", "audit"]
alerting.page.receivers = ["pager", "audit"]
"#,
    expect: [
        "receiver-listed-twice a.toml:9:33",
        "receiver-listed-twice a.toml:10:38",
    ],
}
