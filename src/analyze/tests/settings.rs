//! Unit tests of the checks in `analyze/settings.rs`.

use super::analysis_error;

/// A service file that passes, for the settings cases.
const SERVICE: &str = "[service]\nname = \"shop\"\nteam = \"web\"\n";

analysis_error! {
    name: settings_pass,
    settings: r#"
[defaults]
period = "28d"
min_events = 10

[severity]
page = "p1"

[[window]]
severity = "page"
long = "1h"
short = "5m"
burn_rate = 14.4

[alertmanager]
default_receiver = "ops"
group_by = ["alertname", "team"]

[[alertmanager.receiver]]
name = "ops"
webhook_configs = [{ url = "http://alerts.internal/hook" }]

[[alertmanager.team]]
name = "web"
page = "ops"
"#,
    service: SERVICE,
    expect: [],
}

analysis_error! {
    name: defaults_are_durations_and_positive_counts,
    settings: r#"
[defaults]
period = "0d"
evaluation_interval = "1 minute"
no_data_for = ""
min_events = -1
"#,
    service: SERVICE,
    expect: [
        "invalid-duration slogen.toml:2:11",
        "invalid-duration slogen.toml:3:24",
        "invalid-duration slogen.toml:4:16",
        "min-events-not-positive slogen.toml:5:14",
    ],
}

analysis_error! {
    name: severity_labels_are_plain_words,
    settings: "[severity]\npage = \"p 1\"\nticket = \"\"\n",
    service: SERVICE,
    expect: [
        "invalid-severity-label slogen.toml:2:9",
        "invalid-severity-label slogen.toml:3:11",
    ],
}

analysis_error! {
    name: pages_and_tickets_carry_different_severity_labels,
    settings: "[severity]\npage = \"critical\"\nticket = \"critical\"\n",
    service: SERVICE,
    expect: ["same-severity-label slogen.toml:3:11"],
}

analysis_error! {
    name: a_page_label_equal_to_the_default_ticket_label_is_placed_at_page,
    settings: "[severity]\npage = \"warning\"\n",
    service: SERVICE,
    expect: ["same-severity-label slogen.toml:2:9"],
}

analysis_error! {
    name: a_window_names_a_severity_and_one_share_of_the_budget,
    settings: r#"
[[window]]
severity = "urgent"
long = "1h"
short = "5m"
budget = 2

[[window]]
severity = "page"
long = "6h"
short = "30m"

[[window]]
severity = "page"
long = "1d"
short = "2h"
budget = 150

[[window]]
severity = "ticket"
long = "3d"
short = "6h"
burn_rate = 20
"#,
    service: SERVICE,
    expect: [
        "invalid-severity slogen.toml:2:13",
        "window-budget slogen.toml:7:1",
        "budget-share-range slogen.toml:16:10",
        "burn-rate-range slogen.toml:22:13",
    ],
}

analysis_error! {
    name: a_short_window_is_shorter_than_its_long_and_two_evaluations_long,
    settings: r#"
[defaults]
evaluation_interval = "1m"

[[window]]
severity = "page"
long = "1h"
short = "1h"
budget = 2

[[window]]
severity = "page"
long = "1h"
short = "1m"
budget = 5

[[window]]
severity = "ticket"
long = "1h"
short = "1h"
budget = 2
"#,
    service: SERVICE,
    expect: [
        "short-window-not-shorter slogen.toml:7:10",
        "window-too-short slogen.toml:13:10",
        "window-pair-repeated slogen.toml:18:9",
        "short-window-not-shorter slogen.toml:19:10",
    ],
}

analysis_error! {
    name: a_runbook_link_carries_no_secret_and_is_a_template,
    settings: "[runbooks]\nbase_url = \"https://user:hunter2@wiki.internal/{{ nosuch }}\"\n",
    service: SERVICE,
    expect: [
        "secret-in-url slogen.toml:2:13",
        "unknown-template-function slogen.toml:2:51",
    ],
}

analysis_error! {
    name: the_promtool_tests_need_a_prometheus_target,
    settings: "[build]\ntests = true\n\n[[target]]\nkind = \"mimir\"\n",
    service: SERVICE,
    expect: ["invalid-target slogen.toml:2:1"],
}

analysis_error! {
    name: a_target_is_a_known_kind_with_the_keys_it_reads,
    settings: r#"
[[target]]
kind = "prometheus-operater"

[[target]]
kind = "prometheus"
query_offset = "1m"
"#,
    service: SERVICE,
    expect: [
        "unknown-target-kind slogen.toml:2:9",
        "target-key slogen.toml:6:1",
    ],
}

analysis_error! {
    name: a_target_writes_kubernetes_names_into_a_directory_of_its_own,
    settings: r#"
[[target]]
kind = "prometheus"

[[target]]
kind = "prometheus-operator"
dir = "../k8s"
namespace = "Monitoring"
labels = { "app/" = "x", tier = "-bad-" }

[[target]]
kind = "mimir"
namespace = ".hidden"
source_tenants = ["a|b"]

[[target]]
kind = "thanos"
dir = "thanos"
partial_response_strategy = "ignore"
"#,
    service: SERVICE,
    expect: [
        "invalid-target slogen.toml:6:8",
        "invalid-target slogen.toml:7:14",
        "invalid-target slogen.toml:8:13",
        "invalid-target slogen.toml:8:26",
        "invalid-target slogen.toml:12:14",
        "invalid-target slogen.toml:13:20",
        "invalid-target slogen.toml:18:30",
    ],
}

analysis_error! {
    name: a_shared_sli_is_named_once_with_one_kind_and_its_parameters_used,
    settings: r#"
[[sli]]
name = "up"
params = ["job", "unused"]
threshold = { query = 'up{job="{{job}}",env="{{env}}"}', min = 1 }

[[sli]]
name = "up"
threshold = { query = 'up', min = 1 }
raw = { error_ratio = 'x[{{window}}]' }
"#,
    service: SERVICE,
    expect: [
        "unused-sli-param slogen.toml:3:19",
        "undeclared-sli-param slogen.toml:4:46",
        "duplicate-sli slogen.toml:7:9",
        "sli-kind slogen.toml:7:9",
    ],
}

analysis_error! {
    name: receivers_are_named_once_and_hold_known_integrations_without_secrets,
    settings: r#"
[alertmanager]
default_receiver = "opps"
group_by = ["...", "alert name"]

[alertmanager.global]
opsgenie_api_key = "0123456789abcdef"

[[alertmanager.receiver]]
name = " "

[[alertmanager.receiver]]
name = "ops"
pagerduty_config = [{ routing_key_file = "/etc/key" }]

[[alertmanager.receiver]]
name = "ops"
pagerduty_configs = [{ routing_key = "0123456789abcdef0123456789abcdef" }]
"#,
    service: SERVICE,
    expect: [
        "unknown-receiver slogen.toml:2:21",
        "invalid-label-name slogen.toml:3:21",
        "literal-secret slogen.toml:6:21",
        "invalid-receiver-name slogen.toml:9:9",
        "unknown-integration slogen.toml:13:1",
        "duplicate-receiver slogen.toml:16:9",
        "literal-secret slogen.toml:17:39",
    ],
}

analysis_error! {
    name: a_team_route_matches_a_team_and_names_known_receivers,
    settings: r#"
[alertmanager]
default_receiver = "ops"

[[alertmanager.receiver]]
name = "ops"

[[alertmanager.team]]
name = "webb"
page = "pager"
"#,
    service: SERVICE,
    expect: [
        "unused-team-route slogen.toml:8:9",
        "unknown-receiver slogen.toml:9:9",
    ],
}
