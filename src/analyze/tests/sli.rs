//! Unit tests of the checks in `analyze/sli.rs`.

use super::analysis_error;

/// The `[service]` and one `[[slo]]` of the cases below, eight lines: a
/// case's SLI starts on line 9.
macro_rules! slo {
    ($sli:literal) => {
        concat!(
            "[service]\nname = \"shop\"\nteam = \"web\"\n\n",
            "[[slo]]\nname = \"x\"\nobjective = 99.0\n\n",
            $sli
        )
    };
}

const SHARED: &str = r#"
[[sli]]
name = "availability"
params = ["job"]

[sli.ratio]
errors = 'sum(rate(x{job="{{job}}",code="500"}[{{window}}]))'
total = 'sum(rate(x{job="{{job}}"}[{{window}}]))'
"#;

analysis_error! {
    name: a_shared_sli_used_with_its_parameters_passes,
    settings: SHARED,
    service: slo!("[slo.sli]\nuse = \"availability\"\nparams = { job = \"shop\" }\n"),
    expect: [],
}

analysis_error! {
    name: a_shared_sli_is_used_alone,
    settings: SHARED,
    service: slo!("[slo.sli]\nuse = \"availability\"\nparams = { job = \"shop\" }\nthreshold = { query = \"up\", min = 1 }\n"),
    expect: ["sli-use-with-kind a.toml:10:8"],
}

analysis_error! {
    name: a_shared_sli_is_one_the_settings_define,
    settings: SHARED,
    service: slo!("[slo.sli]\nuse = \"availabilty\"\n"),
    expect: ["unknown-sli a.toml:10:8"],
}

analysis_error! {
    name: a_shared_sli_takes_every_parameter_and_no_other,
    settings: SHARED,
    service: slo!("[slo.sli]\nuse = \"availability\"\nparams = { service = \"shop\" }\n"),
    expect: ["missing-sli-param a.toml:11:10", "unknown-sli-param a.toml:11:12"],
}

analysis_error! {
    name: a_filled_in_shared_sli_is_checked_at_the_use,
    settings: SHARED,
    service: slo!("[slo.sli]\nuse = \"availability\"\nparams = { job = '\"}' }\n"),
    expect: ["invalid-promql a.toml:10:8", "invalid-promql a.toml:10:8"],
}

analysis_error! {
    name: an_sli_has_exactly_one_kind,
    service: slo!("[slo.sli]\nraw = { error_ratio = 'x[{{window}}]' }\nthreshold = { query = 'up', max = 1 }\n"),
    expect: ["sli-kind a.toml:9:1"],
}

analysis_error! {
    name: a_ratio_has_errors_or_good_and_total,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(rate(x[{{window}}]))'\n"),
    expect: ["ratio-queries a.toml:9:1"],
}

analysis_error! {
    name: a_ratio_query_holds_the_window_placeholder,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(rate(x{code=\"500\"}[5m]))'\ntotal = 'sum(rate(x[$window]))'\n"),
    expect: [
        "window-placeholder-missing a.toml:10:11",
        "window-placeholder-style a.toml:11:10",
    ],
}

analysis_error! {
    name: a_query_is_promql_at_the_error,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(rate(x{code=\"500\"}[{{window}}])) +'\ntotal = 'sum(rate(x[{{window}}]))'\n"),
    expect: ["invalid-promql a.toml:10:48"],
}

analysis_error! {
    name: a_query_is_an_instant_vector,
    service: slo!("[slo.sli.threshold]\nquery = 'up[5m]'\nmax = 1\n"),
    expect: ["not-instant-vector a.toml:10:10"],
}

analysis_error! {
    name: a_regex_is_one_prometheus_reads,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(rate(x{code=~\"(?<c>5)..\"}[{{window}}]))'\ntotal = 'sum(rate(x[{{window}}]))'\n"),
    expect: ["regex-not-re2 a.toml:10:29"],
}

analysis_error! {
    name: errors_or_good_are_not_the_total,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(rate(x[{{window}}]))'\ntotal = 'sum(rate(x[{{window}}]))'\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.ratio]\ngood = 'sum(rate( x[{{window}}] ))'\ntotal = 'sum(rate(x[{{window}}]))'\n"),
    expect: ["errors-equal-total a.toml:10:11", "good-equal-total a.toml:18:9"],
}

analysis_error! {
    name: a_ratio_counts_both_sides_alike,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum(increase(x{code=\"500\"}[{{window}}]))'\ntotal = 'sum(rate(x[{{window}}]))'\n"),
    expect: ["ratio-counting a.toml:10:11"],
}

analysis_error! {
    name: a_ratio_groups_both_sides_alike,
    service: slo!("[slo.sli.ratio]\nerrors = 'sum by (job) (rate(x{code=\"500\"}[{{window}}]))'\ntotal = 'sum(rate(x[{{window}}]))'\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.ratio]\nerrors = 'sum by (job) (rate(x{code=\"500\"}[{{window}}]))'\ntotal = 'sum without (code) (rate(x[{{window}}]))'\n"),
    expect: ["ratio-grouping a.toml:10:11", "ratio-grouping-forms a.toml:18:11"],
}

analysis_error! {
    name: a_latency_histogram_is_a_metric_name_without_its_suffix,
    service: slo!("[slo.sli.latency]\nhistogram = \"http_duration_seconds_bucket\"\nthreshold = \"100ms\"\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.latency]\nhistogram = \"http-duration\"\nthreshold = \"100ms\"\n"),
    expect: ["histogram-suffix a.toml:10:14", "invalid-metric-name a.toml:18:14"],
}

analysis_error! {
    name: a_latency_threshold_is_a_positive_duration_or_number,
    service: slo!("[slo.sli.latency]\nhistogram = \"http_duration_seconds\"\nthreshold = \"fast\"\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.latency]\nhistogram = \"http_duration_seconds\"\nthreshold = -1\n"),
    expect: ["invalid-threshold a.toml:11:14", "invalid-threshold a.toml:19:13"],
}

analysis_error! {
    name: a_latency_selector_is_label_matchers_in_braces,
    service: slo!("[slo.sli.latency]\nhistogram = \"h\"\nthreshold = 1\nselector = 'job=\"a\"'\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.latency]\nhistogram = \"h\"\nthreshold = 1\nselector = '{le=\"1\"}'\n\n[[slo]]\nname = \"z\"\nobjective = 99.0\n\n[slo.sli.latency]\nhistogram = \"h\"\nthreshold = 1\nselector = '{job=~\"(?<j>a)\"}'\n"),
    expect: [
        "invalid-selector a.toml:12:13",
        "invalid-selector a.toml:21:13",
        "regex-not-re2 a.toml:30:20",
    ],
}

analysis_error! {
    name: a_latency_groups_by_label_names_slogen_leaves_free,
    service: slo!("[slo.sli.latency]\nhistogram = \"h\"\nthreshold = 1\ngroup_by = [\"le\", \"team\", \"a-b\"]\n"),
    expect: [
        "group-by-le a.toml:12:14",
        "reserved-label a.toml:12:20",
        "invalid-label-name a.toml:12:28",
    ],
}

analysis_error! {
    name: a_threshold_has_one_finite_bound,
    service: slo!("[slo.sli.threshold]\nquery = 'up'\nmax = 1\nmin = 0\n\n[[slo]]\nname = \"y\"\nobjective = 99.0\n\n[slo.sli.threshold]\nquery = 'up'\nmax = inf\n"),
    expect: ["threshold-bound a.toml:9:1", "bound-not-finite a.toml:20:7"],
}
