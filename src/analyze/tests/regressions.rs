//! Places the analyzer once found by searching the TOML text, which a key
//! or value spelled elsewhere, a quoted or dotted key, an inline or nested
//! table, or an escape led astray. Each points where the parser says.

use super::analysis_error;

analysis_error! {
    name: a_label_whose_name_starts_a_line_of_an_earlier_value_is_reported_at_its_key,
    service: r#"
[service]
name = "shop"
team = "web"

[service.labels]
note = """
team = is set by slogen"""
team = "web"
"#,
    expect: ["reserved-label a.toml:8:1"],
}

analysis_error! {
    name: a_label_set_by_a_dotted_key_is_reported_at_its_name,
    service: r#"
[service]
name = "shop"
team = "web"
labels.tier = "gold"
labels.severity = "high"
"#,
    expect: ["reserved-label a.toml:5:8"],
}

analysis_error! {
    name: a_quoted_label_key_spelled_with_an_escape_is_reported_at_the_key,
    service: r#"
[service]
name = "shop"
team = "web"
labels = { "bad\u0020name" = "x" }
"#,
    expect: ["invalid-label-name a.toml:4:13"],
}

analysis_error! {
    name: a_template_error_in_an_escaped_annotation_is_reported_at_the_error,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"
annotations = { note = "\"quoted\" {{ nosuch }}" }
"#,
    expect: ["unknown-template-function a.toml:9:39"],
}

analysis_error! {
    name: a_test_label_named_inside_a_series_selector_is_reported_at_the_label,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"

[[alert.test]]
series = { 'up{severity="ticket"}' = "0" }
at = "1m"
firing = true
labels = { severity = "ticket" }
"#,
    expect: ["test-label-conflict a.toml:14:24"],
}

analysis_error! {
    name: test_values_spelled_with_an_escape_are_reported_at_the_values,
    service: r#"
[service]
name = "shop"
team = "web"

[[alert]]
name = "Down"
expr = "up == 0"
severity = "page"
test = [{ at = "1m", firing = true, series = { "up{" = "0", up = "0\u0020x" } }]
"#,
    expect: [
        "invalid-test-series a.toml:9:49",
        "invalid-test-values a.toml:9:67",
    ],
}

analysis_error! {
    name: an_unknown_sli_parameter_named_inside_an_earlier_value_is_reported_at_its_key,
    settings: r#"
[[sli]]
name = "availability"
params = ["job"]

[sli.ratio]
errors = 'sum(rate(x{job="{{job}}",code="500"}[{{window}}]))'
total = 'sum(rate(x{job="{{job}}"}[{{window}}]))'
"#,
    service: r#"
[service]
name = "shop"
team = "web"

[[slo]]
name = "availability"
objective = 99.9

[slo.sli]
use = "availability"

[slo.sli.params]
job = "shop"
env = '''
jobs = x'''
jobs = "y"
"#,
    expect: [
        "unknown-sli-param a.toml:14:1",
        "unknown-sli-param a.toml:16:1",
    ],
}

analysis_error! {
    name: a_secret_in_a_receivers_sub_table_is_reported_at_the_value,
    settings: r#"
[alertmanager]
default_receiver = "team"

[[alertmanager.receiver]]
name = "team"

[[alertmanager.receiver.slack_configs]]
channel = "ops"
api_url = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
"#,
    expect: ["literal-secret slogen.toml:9:12"],
}

analysis_error! {
    name: an_unknown_integration_named_in_a_table_header_is_reported_at_the_name,
    settings: r#"
[alertmanager]
default_receiver = "team"

[[alertmanager.receiver]]
name = "team"

[[alertmanager.receiver.slak_configs]]
channel = "ops"
"#,
    expect: ["unknown-integration slogen.toml:7:25"],
}

analysis_error! {
    name: a_target_key_first_written_inside_a_value_is_reported_at_the_key,
    settings: r#"
[[target]]
kind = "prometheus-operator"
annotations = { note = "set by ops, query_offset = 1m" }
query_offset = "1m"
"#,
    expect: ["target-key slogen.toml:4:1"],
}

analysis_error! {
    name: a_secret_in_the_global_section_spelled_with_escapes_is_reported_at_the_value,
    settings: r#"
[alertmanager.global]
resolve_timeout = "5m"
slack_api_url = "https://hooks.slack.com/services/T000/B000/\u0058XXXXXXX"
"#,
    expect: ["literal-secret slogen.toml:3:18"],
}
