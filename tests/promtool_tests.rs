//! The generated promtool tests: real promtool runs them on every fixture
//! and on the repository's `slo/`, and they fail when the rules they test
//! are broken (a threshold, a window, an emptied file).

use std::fs;
use std::path::PathBuf;

use crate::harness::{Project, fails, mutate, promtool_test, repository, tool_available};

/// Builds a spec directory into `out` and returns the generated test files.
fn build(project: &Project, slo: &str) -> Vec<PathBuf> {
    let run = project.slogen(&["build", "--tests", "--slo", slo, "--out", "out"]);
    assert_eq!(run.code, 0, "{slo}: {}", run.stderr);
    project
        .files_under("out/tests")
        .into_iter()
        .map(|file| project.path().join("out/tests").join(file))
        .collect()
}

/// Every case's and the repository's specs, copied into projects.
fn projects() -> Vec<(String, Project, String)> {
    let mut names: Vec<String> = fs::read_dir(repository().join("tests/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut projects: Vec<(String, Project, String)> = names
        .into_iter()
        .map(|name| {
            let project = Project::copy_of(&repository().join("tests/cases").join(&name));
            (name, project, "slo".to_owned())
        })
        .collect();
    let repo = Project::new();
    crate::harness::copy_tree(&repository().join("slo"), &repo.path().join("slo"));
    projects.push(("slo/".to_owned(), repo, "slo".to_owned()));
    projects
}

#[test]
fn generated_tests_pass_for_every_case_and_the_repository() {
    if !tool_available("promtool") {
        return;
    }
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let projects = projects();
    for (name, project, slo) in &projects {
        let generated = build(project, slo);
        assert!(
            generated
                .iter()
                .any(|file| file.ends_with("slo-outages.yml")),
            "{name}: no outage tests generated"
        );
        files.extend(generated.into_iter().map(|file| (name.clone(), file)));
    }
    // promtool is single-threaded; two at a time halves the wait.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let (left, right) = files.split_at(files.len() / 2);
        let run = |part: &[(String, PathBuf)]| -> Vec<String> {
            part.iter()
                .filter_map(|(name, file)| {
                    let judgement = promtool_test(file);
                    (!judgement.passed).then(|| format!("{name}: {}", judgement.output))
                })
                .collect::<Vec<_>>()
        };
        let first = scope.spawn(move || run(left));
        let mut failures = run(right);
        failures.extend(first.join().unwrap());
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Builds spec files (path, text) into a project: every generated test
/// file must pass promtool.
#[track_caller]
fn generated_tests_pass(files: &[(&str, &str)]) {
    let project = Project::new();
    for (path, text) in files {
        project.file(path, text);
    }
    let generated = build(&project, "slo");
    assert!(!generated.is_empty(), "no tests generated");
    for file in generated {
        let judgement = promtool_test(&file);
        assert!(
            judgement.passed,
            "{}:\n{}",
            file.display(),
            judgement.output
        );
    }
}

/// `increase()` SLIs are fed raw counters like `rate()` ones, and their
/// recorded values are increases, not rates (they were expected as rates).
#[test]
fn increase_slis_expect_increases() {
    if !tool_available("promtool") {
        return;
    }
    let service = r#"[service]
name = "grp"
team = "backend"

[[slo]]
name = "routes"
objective = 99.0
[slo.sli.ratio]
errors = 'sum by (route) (increase(http_requests_total{job="grp",code=~"5.."}[{{window}}]))'
total = 'sum by (route) (increase(http_requests_total{job="grp"}[{{window}}]))'

[[slo]]
name = "good"
objective = 99.9
period = "7d"
[slo.sli.ratio]
good = 'sum(increase(jobs_total{outcome!="failed"}[{{window}}]))'
total = 'sum(increase(jobs_total[{{window}}]))'
"#;
    generated_tests_pass(&[("slo/grp.toml", service)]);
    // Windows that are not whole evaluation intervals extrapolate.
    generated_tests_pass(&[
        ("slo/grp.toml", service),
        (
            "slo/slogen.toml",
            "[defaults]\nevaluation_interval = \"45s\"\n",
        ),
    ]);
}

/// Prometheus expands the label values of alerting rules as templates: the
/// tests no longer expect `{{ $labels.instance }}` literally, and still
/// compare every other label.
#[test]
fn templated_alert_labels_are_not_expected_literally() {
    if !tool_available("promtool") {
        return;
    }
    let service = r#"[service]
name = "p"
team = "t"
labels = { note = '{{ "quoted" }}', env = "prod" }

[[slo]]
name = "routes"
objective = 99.9
[slo.sli.ratio]
errors = 'sum by (route) (rate(http_requests_total{job="p",code=~"5.."}[{{window}}]))'
total = 'sum by (route) (rate(http_requests_total{job="p"}[{{window}}]))'
[slo.alerting]
labels = { where = "{{ $labels.route }}", plain = "a $b {c}" }

[[alert]]
name = "PDown"
expr = 'up == 0'
severity = "page"
labels = { who = "{{ $labels.instance }}", lit = "a $b c" }
[[alert.test]]
series = { 'up{job="j",instance="i:1"}' = "0 0 0" }
at = "1m"
firing = true
labels = { job = "j", instance = "i:1" }
"#;
    generated_tests_pass(&[("slo/p.toml", service)]);
}

/// At an evaluation interval under a minute, the slow burns' windows over
/// days held more samples than promtool loads in a query (`query
/// processing would load too many samples`): the SLOs that need it are now
/// fed coarser samples, and every check is kept.
#[test]
fn sub_minute_intervals_keep_slow_burn_windows_loadable() {
    if !tool_available("promtool") {
        return;
    }
    let threshold = r#"[service]
name = "h"
team = "t"

[[slo]]
name = "thr"
objective = 99
[slo.sli.threshold]
query = 'min(up{job="h"})'
min = 1
"#;
    let events = r#"[service]
name = "e"
team = "t"

[[slo]]
name = "raw-counters"
objective = 99.9
period = "7d"
[slo.sli.ratio]
errors = 'sum(rate(e_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(e_total[{{window}}]))'

[[slo]]
name = "free-form"
objective = 99.9
[slo.sli.ratio]
errors = 'sum(rate(a_total[{{window}}])) + sum(rate(b_total[{{window}}]))'
total = 'sum(rate(c_total[{{window}}]))'
"#;
    let interval = |every: &str| format!("[defaults]\nevaluation_interval = \"{every}\"\n");
    generated_tests_pass(&[
        ("slo/h.toml", threshold),
        ("slo/e.toml", events),
        ("slo/slogen.toml", &interval("15s")),
    ]);
    generated_tests_pass(&[
        ("slo/h.toml", threshold),
        ("slo/slogen.toml", &interval("30s")),
    ]);
}

const CHECKOUT: &str = crate::cli::SERVICE;

/// A project with the small checkout spec built into `out`.
fn checkout() -> (Project, PathBuf) {
    let project = Project::new();
    project.file("slo/checkout.toml", CHECKOUT);
    build(&project, "slo");
    let out = project.path().join("out");
    (project, out)
}

const PAGE_1H: &str =
    r#"slo:sli_error:ratio_rate1h{slogen_service="checkout",slogen_slo="availability"} > 0.0144"#;

#[test]
fn the_generated_tests_pass_and_can_fail() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = checkout();
    for test in ["slo-outages.yml", "slo-slow-burns.yml"] {
        let judgement = promtool_test(&out.join("tests").join(test));
        assert!(judgement.passed, "{test}:\n{}", judgement.output);
    }
    // The 1h/5m page's threshold doubled: it fires a minute late.
    mutate(
        &out,
        "prometheus/checkout.yml",
        PAGE_1H,
        &PAGE_1H.replace("0.0144", "0.0288"),
    );
    fails(
        &out,
        "slo-outages.yml",
        "slogen_long_window=\\\"1h\\\",slogen_service=\\\"checkout\\\",slogen_short_window=\\\"5m\\\",slogen_slo=\\\"availability\\\"}\", time: 6h6m",
    );
}

/// A raw SLI's edge-case checks in the Sloth-compatible mode expected its
/// ratios without the `sloth_window` they carry there.
#[test]
fn raw_slis_in_the_sloth_compatible_mode_expect_sloth_window() {
    if !tool_available("promtool") {
        return;
    }
    generated_tests_pass(&[
        ("slo/slogen.toml", "[compatibility]\nsloth = true\n"),
        (
            "slo/search.toml",
            r#"[service]
name = "search"
team = "search"

[[slo]]
name = "availability"
objective = 99.5

[slo.sli.raw]
error_ratio = 'sum(rate(search_requests_total{code=~"5.."}[{{window}}])) / sum(rate(search_requests_total[{{window}}]))'
"#,
        ),
    ]);
}

/// SLOs sharing alert names (`tests/cases/shared-names`: `SLOBurnRateHigh`
/// in two SLOs of `checkout` and two of `search`) are tested in one group
/// against every rule: each check selects its SLO's alerts by
/// `slogen_service` and `slogen_slo`, so a broken page of one SLO fails at
/// that SLO's checks and nowhere else.
#[test]
fn a_broken_alert_among_shared_names_fails_at_its_own_slo() {
    if !tool_available("promtool") {
        return;
    }
    let project = Project::copy_of(&repository().join("tests/cases/shared-names"));
    build(&project, "slo");
    let out = project.path().join("out");
    for test in [
        "slo-outages.yml",
        "slo-slow-burns.yml",
        "slo-edge-cases.yml",
    ] {
        crate::harness::passes(&out, test);
    }
    // search/availability's 1h/5m page threshold doubled: it fires late.
    let page =
        r#"slo:sli_error:ratio_rate1h{slogen_service="search",slogen_slo="availability"} > 0.072"#;
    mutate(
        &out,
        "prometheus/search.yml",
        page,
        &page.replace("0.072", "0.144"),
    );
    let judgement = promtool_test(&out.join("tests/slo-outages.yml"));
    assert!(
        !judgement.passed,
        "passed against a broken page:\n{}",
        judgement.output
    );
    let failures: Vec<&str> = judgement.output.split("expr: ").skip(1).collect();
    assert!(!failures.is_empty(), "{}", judgement.output);
    for failure in failures {
        assert!(
            failure.starts_with("\"ALERTS{alertname=\\\"SLOBurnRateHigh\\\",alertstate=\\\"firing\\\",slogen_long_window=\\\"1h\\\",slogen_service=\\\"search\\\",slogen_short_window=\\\"5m\\\",slogen_slo=\\\"availability\\\"}"),
            "a failure elsewhere than search/availability's 1h/5m page:\n{failure}"
        );
    }
}

#[test]
fn a_changed_alert_window_fails_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = checkout();
    // The page reads the 2h ratio instead of the 1h one: it fires late.
    mutate(
        &out,
        "prometheus/checkout.yml",
        PAGE_1H,
        &PAGE_1H.replace("ratio_rate1h", "ratio_rate2h"),
    );
    fails(&out, "slo-outages.yml", "time: 6h6m");
}

#[test]
fn a_changed_recording_window_fails_the_generated_tests() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = checkout();
    // The recorded 1h ratio computed over 2h: the 1h/5m page fires late.
    // (Changing only the total's window would not show: under steady
    // traffic a rate is the same over any window.)
    mutate(&out, "prometheus/checkout.yml", "}[1h]", "}[2h]");
    fails(&out, "slo-outages.yml", "time: 6h6m");
}

#[test]
fn ticket_thresholds_are_held_to_both_sides() {
    if !tool_available("promtool") {
        return;
    }
    // A ticket threshold raised above the slow burn: the ticket never fires.
    let (_project, out) = checkout();
    let ticket = r#"slo:sli_error:ratio_rate1d{slogen_service="checkout",slogen_slo="availability"} > 0.003"#;
    mutate(
        &out,
        "prometheus/checkout.yml",
        ticket,
        &ticket.replace("0.003", "0.005"),
    );
    fails(&out, "slo-slow-burns.yml", "slogen_long_window=\\\"1d\\\"");
    // The lowest threshold lowered under the burn just below it: it fires.
    let (_project, out) = checkout();
    for window in ["3d", "6h"] {
        let lowest = format!(
            r#"slo:sli_error:ratio_rate{window}{{slogen_service="checkout",slogen_slo="availability"}} > 0.001"#
        );
        mutate(
            &out,
            "prometheus/checkout.yml",
            &lowest,
            &lowest.replace("0.001", "0.0009"),
        );
    }
    fails(&out, "slo-slow-burns.yml", "count_over_time(ALERTS");
}

#[test]
fn emptied_alert_rules_fail_every_alert_check() {
    if !tool_available("promtool") {
        return;
    }
    let (_project, out) = checkout();
    // The recording groups kept, the alert group gone.
    let path = out.join("prometheus/checkout.yml");
    let rules = fs::read_to_string(&path).unwrap();
    let alerts = rules.find("  - name: slogen-checkout-alerts").unwrap();
    fs::write(&path, &rules[..alerts]).unwrap();
    fails(&out, "slo-outages.yml", "got: nil");
    fails(&out, "slo-slow-burns.yml", "got: nil");
}

#[test]
fn slogen_test_summarizes_per_slo() {
    if !tool_available("promtool") {
        return;
    }
    let project = Project::new();
    project.file("slo/checkout.toml", CHECKOUT);
    let run = project.slogen(&["test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "PASS  checkout/availability\nslogen test: 1 passed, 0 failed, 0 skipped (3 test files in 1 part)\n"
    );
    // The tests are derived: generated elsewhere, the output left alone.
    assert!(!project.exists("generated"));
    let run = project.slogen(&["test", "--keep", "kept", "checkout/availability"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for file in ["prometheus/checkout.yml", "tests/slo-outages.yml"] {
        assert!(project.exists(&format!("kept/part-1/{file}")), "{file}");
    }
    let run = project.slogen(&["test", "checkout/availabilty"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("did you mean `checkout/availability`?"),
        "{}",
        run.stderr
    );
    // A template that writes a different page threshold: the tests catch it.
    let template = slogen::DEFAULT_TEMPLATES
        .iter()
        .find(|(name, _)| *name == "rules.yml.j2")
        .unwrap()
        .1
        .replace(
            "expr: {{ rule.expr | yaml(indent=8) }}",
            "expr: {{ rule.expr | replace(\"> 0.0144\", \"> 0.0288\") | yaml(indent=8) }}",
        );
    project.file("templates/rules.yml.j2", &template);
    let run = project.slogen(&["test"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("FAIL  checkout/availability\n      expr: \"ALERTS{alertname=\\\"CheckoutAvailabilityBudgetBurn\\\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("slogen test: 0 passed, 1 failed, 0 skipped (3 test files in 1 part)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn slogen_test_without_promtool_says_how_to_install_it() {
    let project = Project::new();
    project.file("slo/checkout.toml", CHECKOUT);
    let run = project.slogen_with(&["test"], &[("SLOGEN_PROMTOOL", "/nonexistent/promtool")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "slogen: error: promtool not found: install it with `apt-get install prometheus` (Debian/Ubuntu)\n"
    );
    assert!(
        !project.exists("generated"),
        "nothing is built without promtool"
    );
}
