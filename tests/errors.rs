//! Every validation error, rendered in full, as a user sees it.
//!
//! Each case is a spec directory; the test asserts exit code 1, that
//! nothing was written, and snapshots the complete stderr.

use crate::harness::Project;

const SERVICE: &str = "[service]\nname = \"checkout\"\nteam = \"shop\"\n";

const RATIO: &str = "[slo.sli.ratio]\nerrors = 'sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(http_requests_total[{{window}}]))'\n";

fn slo(body: &str) -> String {
    format!("{SERVICE}\n[[slo]]\nname = \"availability\"\nobjective = 99.9\n{body}")
}

#[track_caller]
fn case(name: &str, files: &[(&str, &str)]) {
    let project = Project::new();
    for (path, contents) in files {
        project.file(&format!("slo/{path}"), contents);
    }
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{name}: expected exit 1\n{}", run.stderr);
    assert!(!project.exists("generated"), "{name}: wrote output");
    snapshot(name, &run.stderr);
}

/// Snapshots a run's full stderr as `error@<name>`.
#[track_caller]
fn snapshot(name: &str, stderr: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_suffix(name);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("error", stderr));
}

#[test]
fn toml_syntax() {
    case("toml_syntax", &[("a.toml", "[service\nname = = \"x\"\n")]);
}

#[test]
fn unknown_keys_with_suggestions() {
    let text = slo(RATIO)
        .replace("team =", "tem =")
        .replace("objective = 99.9", "objectiv = 99.9\nobjective = 99.9")
        + "\n[slo.alerting]\npgae = false\n";
    case("unknown_keys", &[("a.toml", &text)]);
}

#[test]
fn wrong_types_and_missing_keys() {
    case(
        "wrong_type",
        &[("a.toml", &slo(RATIO).replace("99.9", "\"high\""))],
    );
    case(
        "missing_key",
        &[("a.toml", &slo(RATIO).replace("team = \"shop\"\n", ""))],
    );
    // A type error in one table does not hide the errors of the others.
    let text = format!(
        "{}\n[slo.alerting]\npage = \"yes\"\n\n[[slo]]\nname = \"latency\"\nobjective = 101\n{RATIO}\n[[alert]]\nname = \"Down\"\nexpr = 'up =='\nseverity = \"page\"\n\n[[alert]]\nname = \"Slow\"\nexpr = 'up'\nseverity = \"ticket\"\nfor = 5\n",
        slo(RATIO)
    );
    case("type_errors_beside_others", &[("a.toml", &text)]);
}

#[test]
fn names() {
    let text = slo(RATIO)
        .replace("\"checkout\"", "\"Check_Out\"")
        .replace("\"availability\"", "\"-avail\"");
    case("invalid_names", &[("a.toml", &text)]);
}

#[test]
fn duplicates_across_files() {
    let twice = format!(
        "{}\n[[slo]]\nname = \"availability\"\nobjective = 99.0\n{RATIO}",
        slo(RATIO)
    );
    let alerts = "\n[[alert]]\nname = \"CheckoutAvailabilityBudgetBurn\"\nexpr = 'up == 0'\nseverity = \"page\"\n";
    case(
        "duplicates",
        &[
            ("a.toml", &twice),
            ("b.toml", &format!("{}{alerts}", slo(RATIO))),
        ],
    );
}

#[test]
fn objective_range() {
    case(
        "objective_range",
        &[("a.toml", &slo(RATIO).replace("99.9", "100"))],
    );
    case(
        "objective_too_close",
        &[("a.toml", &slo(RATIO).replace("99.9", "99.99999999"))],
    );
}

#[test]
fn durations_and_windows() {
    case(
        "invalid_duration",
        &[(
            "a.toml",
            &slo(RATIO).replace("objective = 99.9", "objective = 99.9\nperiod = \"30days\""),
        )],
    );
    case(
        "window_longer_than_period",
        &[(
            "a.toml",
            &slo(RATIO).replace("objective = 99.9", "objective = 99.9\nperiod = \"2d\""),
        )],
    );
    let own_windows = "[[slo.alerting.window]]\nseverity = \"page\"\nlong = \"8d\"\nshort = \"1h\"\nburn_rate = 1\n\n[[slo.alerting.window]]\nseverity = \"page\"\nlong = \"1h\"\nshort = \"5m\"\nburn_rate = 5000\n";
    case(
        "own_windows",
        &[(
            "a.toml",
            &format!(
                "{}{own_windows}",
                slo(RATIO).replace("objective = 99.9", "objective = 99.9\nperiod = \"7d\"")
            ),
        )],
    );
    let window = |severity: &str, burn_rate: &str| {
        format!(
            "[[slo.alerting.window]]\nseverity = \"{severity}\"\nlong = \"1h\"\nshort = \"5m\"\nburn_rate = {burn_rate}\n"
        )
    };
    case(
        "window_pair_repeated",
        &[(
            "a.toml",
            &format!(
                "{}{}{}{}",
                slo(RATIO),
                window("page", "14.4"),
                window("ticket", "5"),
                window("page", "-1")
            ),
        )],
    );
}

#[test]
fn burn_rate_that_can_never_fire() {
    case(
        "never_fires",
        &[("a.toml", &slo(RATIO).replace("99.9", "90"))],
    );
}

#[test]
fn window_placeholders() {
    case(
        "placeholder_missing",
        &[(
            "a.toml",
            &slo(&RATIO.replace("[{{window}}]))'\ntotal", "[5m]))'\ntotal")),
        )],
    );
    case(
        "placeholder_sloth_style",
        &[("a.toml", &slo(&RATIO.replace("{{window}}", "{{.window}}")))],
    );
    case(
        "placeholder_grafana_style",
        &[(
            "a.toml",
            &slo(&RATIO.replace("{{window}}", "$__rate_interval")),
        )],
    );
}

#[test]
fn promql() {
    case(
        "invalid_promql",
        &[(
            "a.toml",
            &slo(&RATIO.replace(
                "sum(rate(http_requests_total[",
                "sum(rate(http_requests_total [",
            ))
            .replace("total = 'sum(", "total = 'sum(("),
        )],
    );
    case(
        "range_vector",
        &[(
            "a.toml",
            &slo(&RATIO.replace(
                "total = 'sum(rate(http_requests_total[{{window}}]))'",
                "total = 'http_requests_total[{{window}}]'",
            )),
        )],
    );
    case(
        "errors_equal_total",
        &[("a.toml", &slo(&RATIO.replace("{code=~\"5..\"}", "")))],
    );
    // Regexes promql-parser takes but Prometheus (Go's regexp) rejects or
    // reads otherwise: each located at the construct, through TOML's
    // escapes and past a `{{window}}` filled in before it.
    let others = r#"
[[slo]]
name = "lag"
objective = 99.0
[slo.sli.threshold]
query = "max(kafka_lag{topic=~\"orders-[a-z&&[^x]]\"})"
max = 10

[[slo]]
name = "raw"
objective = 99.0
[slo.sli.raw]
error_ratio = 'sum(rate(e[{{window}}])) / sum(rate(t{path=~"/api/\\u0041"}[{{window}}]))'

[[slo]]
name = "latency"
objective = 99.0
[slo.sli.latency]
histogram = "http_duration_seconds"
threshold = "100ms"
selector = '{path=~"\\<api"}'
"#;
    case(
        "regex_not_re2",
        &[(
            "a.toml",
            &(slo(&RATIO.replace("code=~\"5..\"", "code=~\"(?<class>5)..\"")) + others),
        )],
    );
}

#[test]
fn sli_kinds() {
    case("no_sli", &[("a.toml", &slo("[slo.sli]\n"))]);
    case(
        "two_slis",
        &[(
            "a.toml",
            &slo(&format!("{RATIO}[slo.sli.raw]\nerror_ratio = 'x'\n")),
        )],
    );
    case(
        "latency",
        &[(
            "a.toml",
            &slo(
                "[slo.sli.latency]\nhistogram = \"http_duration_seconds_bucket\"\nthreshold = \"fast\"\nselector = 'endpoint=\"/\"'\n",
            ),
        )],
    );
    case(
        "threshold_bounds",
        &[(
            "a.toml",
            &slo("[slo.sli.threshold]\nquery = 'max(lag)'\nmax = 10\nmin = 1\n"),
        )],
    );
}

/// Sides grouped in different forms pair up only if the series carry the
/// right labels, which only the data can tell: a warning, and the build
/// goes on.
#[test]
fn ratio_sides_grouped_in_different_forms() {
    let project = Project::new();
    project.file(
        "slo/a.toml",
        &format!(
            "{}\n[[slo]]\nname = \"bare\"\nobjective = 99.0\n{}",
            slo(&RATIO.replace(
                "sum(rate(http_requests_total{",
                "sum without (instance) (rate(http_requests_total{",
            )),
            RATIO.replace(
                "sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))",
                "rate(http_requests_total{code=~\"5..\"}[{{window}}])",
            )
        ),
    );
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(project.exists("generated/prometheus/checkout.yml"));
    snapshot("ratio_grouping_forms", &run.stderr);
}

#[test]
fn queries_that_could_never_fail_or_match() {
    case(
        "good_equal_total",
        &[(
            "a.toml",
            &slo(&RATIO
                .replace("errors =", "good =")
                .replace("{code=~\"5..\"}", "")),
        )],
    );
    case(
        "ratio_grouping",
        &[(
            "a.toml",
            &slo(&RATIO.replace(
                "sum(rate(http_requests_total{",
                "sum by (code) (rate(http_requests_total{",
            )),
        )],
    );
    case(
        "ratio_counting",
        &[(
            "a.toml",
            &slo(&RATIO.replace(
                "sum(rate(http_requests_total{",
                "sum(increase(http_requests_total{",
            )),
        )],
    );
    case(
        "group_by_le",
        &[(
            "a.toml",
            &slo(
                "[slo.sli.latency]\nhistogram = \"http_duration_seconds\"\nthreshold = \"100ms\"\ngroup_by = [\"route\", \"le\"]\n",
            ),
        )],
    );
    case(
        "bound_not_finite",
        &[(
            "a.toml",
            &format!(
                "{}\n[[slo]]\nname = \"floor\"\nobjective = 99.0\n[slo.sli.threshold]\nquery = 'min(up)'\nmin = -inf\n",
                slo("[slo.sli.threshold]\nquery = 'max(lag)'\nmax = nan\n")
            ),
        )],
    );
}

#[test]
fn queries_nested_too_deeply() {
    let deep = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    let text =
        format!("{SERVICE}\n[[alert]]\nname = \"Deep\"\nexpr = '{deep}'\nseverity = \"page\"\n");
    let project = Project::new();
    project.file("slo/a.toml", &text);
    let run = project.slogen(&["check", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("nests more than 256 levels"),
        "{}",
        run.stderr
    );
}

#[test]
fn templates_and_names_prometheus_would_reject() {
    let alert = format!(
        "{}\n[slo.alerting]\nlabels = {{ owner = \"{{{{ $labels.team\" }}\n\n[[alert]]\nname = \"Down\"\nexpr = 'up == 0'\nseverity = \"page\"\nsummary = \"{{{{ $labels.instance is down\"\nannotations = {{ note = \"{{{{ if true }}}} ok {{{{ end }}}}\", bad = \"{{{{ /* open\", typo = \"{{{{ $value | humanise }}}}\" }}\n",
        // SLO labels go on recording rules only, which are not templated.
        slo(RATIO).replace(
            "objective = 99.9",
            "objective = 99.9\nlabels = { kind = \"{{ text\" }"
        )
    );
    case("unclosed_template", &[("a.toml", &alert)]);
    // The caret finds each key where it stands as a key, not in a value.
    let keys_in_values = format!(
        "{}\n[slo.alerting]\nlabels = {{ w = \"a {{{{ nosuch }}}}\", a = \"{{{{ nosuch }}}}\" }}\n",
        slo(RATIO)
    );
    case("template_keys_in_values", &[("a.toml", &keys_in_values)]);
    let structure = format!(
        "{}\n[slo.alerting]\nannotations = {{ a = \"{{{{ {{{{ }}}}\", b = \"{{{{ end }}}}\", c = \"{{{{ if }}}}\", d = \"{{{{ $nosuch }}}}\", e = \"{{{{ (( }}}}\", f = \"{{{{ if $value }}}}open\", ok = \"{{{{ $x := $value }}}}{{{{ if gt $x 1.0 }}}}{{{{ $x }}}}{{{{ end }}}}\" }}\n",
        slo(RATIO)
    );
    case("invalid_template", &[("a.toml", &structure)]);
    // Templates the approximate checker let through and promtool refuses;
    // each caret stands on the token at fault. A lone `}}` is plain text.
    let refused = slo(RATIO)
        + r#"
[slo.alerting.annotations]
empty = "{{ }}"
parens = "x {{ ( ) }}"
piped = "{{ 1 | 2 }}"
loose = "{{ break }}"
chars = "{{ 'ab' }}"
dot = "{{ $labels. }}"
skip = "{{ range $labels }}{{ end }}{{ continue }}"
plain = "a }} b"
"#;
    case("templates_promtool_refuses", &[("a.toml", &refused)]);
    let named_alerts = slo(RATIO).replace("\"availability\"", "\"alerts\"");
    case("group_name_taken", &[("a.toml", &named_alerts)]);
    case(
        "severity_label",
        &[
            ("a.toml", &slo(RATIO)),
            (
                "slogen.toml",
                "[severity]\npage = 'P1 {{ x }}'\nticket = \"\"\n",
            ),
        ],
    );
}

#[test]
fn not_utf8() {
    let project = Project::new();
    project.file("slo/a.toml", &slo(RATIO).replace("99.9", "101"));
    project.bytes("slo/b.toml", b"[service]\nname = \"b\xff\"\nteam = \"t\"\n");
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!project.exists("generated"));
    snapshot("not_utf8", &run.stderr);
}

#[test]
fn labels() {
    let text = slo(RATIO).replace(
        "team = \"shop\"",
        "team = \"shop\"\nlabels = { \"0tier\" = \"a\", team = \"b\", slogen_x = \"c\" }",
    );
    case("labels", &[("a.toml", &text)]);
}

#[test]
fn plain_alerts() {
    let text = format!(
        "{SERVICE}\n[[alert]]\nname = \"Bad-Name\"\nexpr = 'up =='\nfor = \"1 minute\"\nseverity = \"urgent\"\n"
    );
    case("plain_alert", &[("a.toml", &text)]);
}

#[test]
fn plain_alert_tests() {
    let text = format!(
        "{SERVICE}\n[[alert]]\nname = \"Down\"\nexpr = 'up == 0'\nseverity = \"page\"\n\n[[alert.test]]\nseries = {{ 'up{{job=~\"x\"}}' = \"1 0 zero\" }}\nat = \"2 minutes\"\nfiring = true\nlabels = {{ \"0job\" = \"x\" }}\n"
    );
    case("plain_alert_test", &[("a.toml", &text)]);
    let text = format!(
        "{SERVICE}\n[[alert]]\nname = \"Down\"\nexpr = 'up == 0'\nseverity = \"page\"\nlabels = {{ who = \"{{{{ $labels.instance }}}}\" }}\n\n[[alert.test]]\nseries = {{ 'up{{instance=\"h\"}}' = \"0 0\" }}\nat = \"1m\"\nfiring = true\nlabels = {{ instance = \"h\", who = \"h\", severity = \"warning\" }}\n"
    );
    case("plain_alert_test_labels", &[("a.toml", &text)]);
}

#[test]
fn settings_file() {
    let settings = "[defaults]\nperid = \"30d\"\n";
    case(
        "settings_unknown_key",
        &[("a.toml", &slo(RATIO)), ("slogen.toml", settings)],
    );
    let settings = "[[window]]\nseverity = \"page\"\nlong = \"5m\"\nshort = \"1h\"\nbudget = 2\n\n[[window]]\nseverity = \"ticket\"\nlong = \"1d\"\nshort = \"1h\"\n";
    case(
        "settings_windows",
        &[("a.toml", &slo(RATIO)), ("slogen.toml", settings)],
    );
}

#[test]
fn routing_settings() {
    let settings = r##"[alertmanager]
default_receiver = "defualt"

[[alertmanager.receiver]]
name = "default"
slack_configs = [{ api_url = "https://hooks.slack.com/services/T000/B000/XXXX", channel = "#alerts" }]

[[alertmanager.receiver]]
name = "pager"
pagerduty_configs = [{ routing_key = "0123456789abcdef0123456789abcdef" }]
webhok_configs = [{ url = "http://127.0.0.1:5001/" }]

[[alertmanager.receiver]]
name = "hook"
webhook_configs = [{ url = "https://alerts.example.invalid/hook?token=abc123" }]

[[alertmanager.receiver]]
name = "pager"

[[alertmanager.team]]
name = "shopp"
page = "pagr"
"##;
    case(
        "routing",
        &[("a.toml", &slo(RATIO)), ("slogen.toml", settings)],
    );
}

#[test]
fn secrets_alertmanager_keeps_secret() {
    let settings = r##"[runbooks]
base_url = "https://wiki:hunter2@example.org/runbooks"

[alertmanager.global]
slack_api_url = "https://hooks.slack.com/services/T000/B000/XXXX"
smtp_auth_password = "hunter2"
opsgenie_api_key = "0123456789"
wechat_api_secret = "abc"
telegram_bot_token = "123:abc"
http_config = { basic_auth = { username = "bot", password = "hunter2" } }

[[alertmanager.receiver]]
name = "hook"
webhook_configs = [{ url = "<https://hooks.slack.com/services/T000/B000/XXXX>", http_config = { bearer_token = "abc", proxy_url = "http://user:pass@proxy:3128", tls_config = { key = "-----BEGIN PRIVATE KEY-----" } } }]

[[alertmanager.receiver]]
name = "api"
webhook_configs = [{ url = "https://alerts.example.org/hook?X-Api-Key=abc" }]

[[alertmanager.receiver]]
name = "sns"
sns_configs = [{ topic_arn = "arn:aws:sns:eu-west-1:1:t", sigv4 = { access_key = "AKIA", secret_key = "abc" } }]

[[alertmanager.receiver]]
name = "plain"
opsgenie_configs = [{ api_key_file = "/etc/alertmanager/secrets/opsgenie", api_url = "https://api.eu.opsgenie.com/" }]
"##;
    case(
        "secrets",
        &[("a.toml", &slo(RATIO)), ("slogen.toml", settings)],
    );
}

#[test]
fn a_type_error_hides_no_other_error_of_its_slo() {
    let body = format!(
        "description = 5\nrunbook = \"see wiki\"\n{}",
        RATIO.replace("[{{window}}]))'\ntotal", "[{{window}}])) +'\ntotal")
    );
    let text = slo(&body);
    case("type_error_and_others", &[("a.toml", &text)]);
}

#[test]
fn routing_amtool_would_reject_and_names_too_long() {
    let settings = r##"[alertmanager]
group_by = ["alertname", "not a label", "..."]

[[alertmanager.receiver]]
name = ""

[[alertmanager.receiver]]
name = "a\nb"
"##;
    let long = "a".repeat(101);
    case(
        "amtool_would_reject",
        &[
            (
                "a.toml",
                &slo(RATIO).replace("\"availability\"", &format!("\"{long}\"")),
            ),
            ("slogen.toml", settings),
        ],
    );
}

#[test]
fn deploy_targets() {
    let settings = "[build]\ntests = true\n\n[[target]]\nkind = \"prometheus-operatr\"\n\n[[target]]\nkind = \"prometheus-operator\"\nnamespace = \"Monitoring\"\nlabels = { release = \"kube prometheus\" }\npartial_response_strategy = \"abort\"\n\n[[target]]\nkind = \"thanos\"\ndir = \"prometheus-operator\"\nrecording_partial_response_strategy = \"sometimes\"\n\n[[target]]\nkind = \"mimir\"\ndir = \"runbooks/mimir\"\nsource_tenants = [\"a|b\"]\nevaluation_delay = \"soon\"\n";
    case(
        "deploy_targets",
        &[("a.toml", &slo(RATIO)), ("slogen.toml", settings)],
    );
}

const SHARED_SLIS: &str = r#"[[sli]]
name = "http-availability"
params = ["job", "unused"]
[sli.ratio]
errors = 'sum(rate(http_requests_total{job="{{job}}",code=~"5.."}[{{window}}]))'
total = 'sum(rate(http_requests_total{job="{{jb}}"}[{{window}}]))'

[[sli]]
name = "http-latency"
params = ["job"]
[sli.latency]
histogram = "http_request_duration_seconds"
threshold = "300ms"
selector = '{job="{{job}}"}'
"#;

#[test]
fn shared_sli_names_and_parameters() {
    let service = format!(
        "{SERVICE}\n[[slo]]\nname = \"availability\"\nobjective = 99.9\n[slo.sli]\nuse = \"http-availabilty\"\nparams = {{ job = \"a\" }}\n\n[[slo]]\nname = \"latency\"\nobjective = 99.0\n[slo.sli]\nuse = \"http-latency\"\nparams = {{ jb = \"a\" }}\n\n[[slo]]\nname = \"both\"\nobjective = 99.0\n[slo.sli]\nuse = \"http-latency\"\nparams = {{ job = \"a\" }}\n{RATIO}"
    );
    case(
        "shared_slis",
        &[("slogen.toml", SHARED_SLIS), ("a.toml", &service)],
    );
}

#[test]
fn alerting_options() {
    // `min_events` has nothing to count on a threshold or raw SLI, and must
    // be a positive whole number; an own alert name must be a valid one.
    let threshold = format!(
        "{SERVICE}\n[[slo]]\nname = \"lag\"\nobjective = 99.0\n\n[slo.sli.threshold]\nquery = 'max(queue_lag_seconds)'\nmax = 30\n\n[slo.alerting]\nmin_events = 100\n"
    );
    let raw = "\n[[slo]]\nname = \"raw\"\nobjective = 99.0\n\n[slo.sli.raw]\nerror_ratio = '1 - sum(rate(ok_total[{{window}}])) / sum(rate(all_total[{{window}}]))'\n\n[slo.alerting]\nmin_events = 10\n";
    let ratio = format!(
        "\n[[slo]]\nname = \"availability\"\nobjective = 99.9\n{RATIO}\n[slo.alerting]\nmin_events = 0\nname = \"9Lives\"\nfor = \"soon\"\n"
    );
    case(
        "alerting_options",
        &[("a.toml", &format!("{threshold}{raw}{ratio}"))],
    );
}

#[test]
fn own_alert_names_collide() {
    // Two SLOs sharing a name (allowed, as in Sloth), and one whose own
    // name is their no-data alert's: the error points at the `name`.
    let first = slo(&format!(
        "{RATIO}\n[slo.alerting]\nname = \"CheckoutErrors\"\n"
    ));
    let second = "\n[[slo]]\nname = \"good\"\nobjective = 99.9\n[slo.sli.ratio]\ngood = 'sum(rate(http_requests_total{code!~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(http_requests_total[{{window}}]))'\n\n[slo.alerting]\nname = \"CheckoutErrors\"\n";
    let third = "\n[[slo]]\nname = \"other\"\nobjective = 99.9\n[slo.sli.ratio]\nerrors = 'sum(rate(other_total{code=~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(other_total[{{window}}]))'\n\n[slo.alerting]\nname = \"CheckoutErrorsNoData\"\n";
    case(
        "own_alert_names_collide",
        &[("a.toml", &format!("{first}{second}{third}"))],
    );
}

/// A name chosen twice is shared (no error); an invalid one is an error.
#[test]
fn alert_name_chosen_twice_or_invalid() {
    let alerting = "\n[slo.alerting]\nname = \"CheckoutErrors\"\n";
    let text = format!(
        "{}{alerting}\n[[slo]]\nname = \"other\"\nobjective = 99.0\n{RATIO}{alerting}\n[[slo]]\nname = \"third\"\nobjective = 99.0\n{RATIO}\n[slo.alerting]\nname = \"9bad\"\n[slo.alerting.page]\nlabels = {{ severity = \"x\" }}\n",
        slo(RATIO)
    );
    case("alert_names_chosen", &[("a.toml", &text)]);
}
