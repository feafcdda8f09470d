//! Unit tests of the checks in `analyze/service.rs`.

use super::analysis_error;

analysis_error! {
    name: a_service_passes,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "availability"
objective = 99.9

[slo.sli.ratio]
errors = 'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(http_requests_total[{{window}}]))'
"#,
    expect: [],
}

analysis_error! {
    name: names_are_lowercase_words,
    service: r#"
[service]
name = "Shop"
team = "web team"
"#,
    expect: ["invalid-name a.toml:2:9", "invalid-name a.toml:3:9"],
}

analysis_error! {
    name: a_name_is_at_most_a_hundred_bytes,
    service: r#"
[service]
name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
team = "web"
"#,
    expect: ["name-too-long a.toml:2:9"],
}

analysis_error! {
    name: a_service_name_is_taken_once,
    service: "[service]\nname = \"shop\"\nteam = \"web\"\n",
    service: "[service]\nname = \"shop\"\nteam = \"ops\"\n",
    expect: ["duplicate-service b.toml:2:8"],
}

analysis_error! {
    name: an_slo_name_is_taken_once_per_service,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }

[[slo]]
name = "up"
objective = 99.5
sli.threshold = { query = "up", min = 1 }
"#,
    expect: ["duplicate-slo a.toml:11:9"],
}

analysis_error! {
    name: an_objective_is_a_percent_below_a_hundred,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 100
sli.threshold = { query = "up", min = 1 }

[[slo]]
name = "down"
objective = 99.99999999
sli.threshold = { query = "up", min = 1 }
"#,
    expect: [
        "objective-range a.toml:7:13",
        "objective-too-close-to-100 a.toml:12:13",
    ],
}

analysis_error! {
    name: a_period_is_a_duration_longer_than_every_window,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
period = "30days"
sli.threshold = { query = "up", min = 1 }

[[slo]]
name = "short"
objective = 99.0
period = "2d"
sli.threshold = { query = "up", min = 1 }
"#,
    expect: [
        "invalid-duration a.toml:8:11",
        "window-not-shorter-than-period a.toml:14:11",
    ],
}

analysis_error! {
    name: an_own_window_too_long_for_the_period_is_pointed_at,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
period = "7d"
sli.threshold = { query = "up", min = 1 }

[[slo.alerting.window]]
severity = "ticket"
long = "7d"
short = "1h"
budget = 10
"#,
    expect: [
        "burn-rate-below-one a.toml:13:9",
        "window-not-shorter-than-period a.toml:13:9",
    ],
}

analysis_error! {
    name: a_burn_rate_below_one_would_fire_on_a_healthy_service,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
period = "7d"
sli.threshold = { query = "up", min = 1 }

[[slo.alerting.window]]
severity = "ticket"
long = "3d"
short = "6h"
budget = 10
"#,
    expect: ["burn-rate-below-one a.toml:13:9"],
}

analysis_error! {
    name: a_burn_rate_whose_threshold_passes_one_can_never_fire,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 90.0
sli.threshold = { query = "up", min = 1 }
"#,
    expect: ["burn-rate-never-fires a.toml:7:13"],
}

analysis_error! {
    name: min_events_needs_an_sli_that_counts_events,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.min_events = 10
"#,
    expect: ["min-events-without-events a.toml:9:23"],
}

analysis_error! {
    name: min_events_is_a_positive_count,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "availability"
objective = 99.9
alerting = { min_events = 0 }

[slo.sli.ratio]
errors = 'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(http_requests_total[{{window}}]))'
"#,
    expect: ["min-events-not-positive a.toml:8:27"],
}

analysis_error! {
    name: an_own_alert_name_is_a_prometheus_alert_name,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.name = "Shop-Down"

[[slo]]
name = "down"
objective = 99.0
sli.threshold = { query = "up", min = 1 }
alerting.name = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
"#,
    expect: [
        "invalid-alert-name a.toml:9:18",
        "name-too-long a.toml:15:18",
    ],
}

analysis_error! {
    name: slo_labels_are_label_names_slogen_does_not_set,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
labels = { "tier-1" = "x", slogen_slo = "y", team = "z" }
sli.threshold = { query = "up", min = 1 }
"#,
    expect: [
        "invalid-label-name a.toml:8:13",
        "reserved-label a.toml:8:28",
        "reserved-label a.toml:8:46",
    ],
}

analysis_error! {
    name: alert_labels_and_annotations_are_prometheus_templates,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "up"
objective = 99.0
sli.threshold = { query = "up", min = 1 }

[slo.alerting.labels]
owner = "{{ $labels.owner"

[slo.alerting.annotations]
hint = "{{ nosuch $value }}"
"summary text" = "{{ end }}"

[slo.alerting.page.annotations]
call = "{{ }}"
"#,
    expect: [
        "unclosed-template a.toml:11:10",
        "unknown-template-function a.toml:14:12",
        "invalid-label-name a.toml:15:2",
        "invalid-template a.toml:15:19",
        "invalid-template a.toml:18:9",
    ],
}
