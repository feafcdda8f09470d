//! `slogen import sloth` on specs written after Sloth's examples: the
//! report and the files are snapshotted, the imported project builds, its
//! rules pass promtool, its generated tests pass, and its burn-rate
//! thresholds are Sloth's.

use crate::harness::{Project, check_jsonschema, promtool, repository, tool_available};

const CASES: &[&str] = &[
    "apiserver",
    "getting-started",
    "multi-document",
    "plugins",
    "raw-and-silent",
    "seven-days",
    "shared-names",
];

fn imported(case: &str) -> Project {
    let project = Project::copy_of(&repository().join("tests/import/sloth").join(case));
    let mut args = vec!["import", "sloth", ".", "--slo", "slo"];
    if project.exists("slis.toml") {
        args.extend(["--sli", "slis.toml"]);
    }
    let run = project.slogen(&args);
    assert_eq!(run.code, 0, "{case}: {}", run.stderr);
    let mut snapshot = format!("# report\n{}", run.stdout);
    for file in project.files_under("slo") {
        snapshot.push_str(&format!(
            "\n# slo/{file}\n{}",
            project.read(&format!("slo/{file}"))
        ));
    }
    insta::assert_snapshot!(format!("import-sloth-{case}"), snapshot);
    project
}

#[test]
fn sloth_imports_build_and_pass_promtool_and_their_tests() {
    for case in CASES {
        let project = imported(case);
        let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
        assert_eq!(run.code, 0, "{case}: {}", run.stderr);
        if tool_available("promtool") {
            let args = check_rules_args(&project);
            promtool(
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
                project.path(),
            );
            let run = project.slogen(&["test", "--slo", "slo"]);
            assert_eq!(run.code, 0, "{case}: {}{}", run.stdout, run.stderr);
        }
    }
}

/// Sloth's generated burn factors and windows (its integration test
/// fixtures `out-base.yaml.tpl` and `out-base-custom-windows-7d.yaml.tpl`):
/// (factor, long, short), page first.
const SLOTH_30D: &[(f64, &str, &str)] = &[
    (14.4, "1h", "5m"),
    (6.0, "6h", "30m"),
    (3.0, "1d", "2h"),
    (1.0, "3d", "6h"),
];
const SLOTH_7D: &[(f64, &str, &str)] = &[
    (13.44, "1h", "5m"),
    (3.5, "6h", "30m"),
    (1.4, "1d", "2h"),
    (0.98, "3d", "6h"),
];

#[test]
fn imported_burn_rates_and_thresholds_are_sloths() {
    for (case, alert, objective, expected) in [
        (
            "apiserver",
            "K8sApiserverAvailabilityAlert",
            99.9,
            SLOTH_30D,
        ),
        ("apiserver", "K8sApiserverLatencyAlert", 99.0, SLOTH_30D),
        ("seven-days", "PaymentsChargeErrors", 99.9, SLOTH_7D),
    ] {
        let project = imported(case);
        let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let rules = rules_of(&project);
        let budget = (100.0 - objective) / 100.0;
        let mut found = Vec::new();
        for rule in rules.split("- alert: ").skip(1) {
            if !rule.starts_with(&format!("{alert}\n")) {
                continue;
            }
            let window = |label: &str| {
                rule.lines()
                    .find_map(|line| line.trim().strip_prefix(&format!("{label}: ")))
                    .unwrap()
                    .to_owned()
            };
            let threshold: f64 = rule
                .split(" > ")
                .nth(1)
                .unwrap()
                .split(')')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            found.push((
                threshold,
                window("slogen_long_window"),
                window("slogen_short_window"),
            ));
        }
        assert_eq!(found.len(), expected.len(), "{alert}");
        for ((threshold, long, short), (factor, sloth_long, sloth_short)) in
            found.iter().zip(expected)
        {
            assert!(
                (threshold - factor * budget).abs() < 1e-12,
                "{alert}: {threshold} is not Sloth's {factor} x {budget}"
            );
            assert_eq!((long.as_str(), short.as_str()), (*sloth_long, *sloth_short));
        }
    }
}

#[test]
fn sloth_compatible_series_carry_sloths_labels_and_info() {
    let project = imported("getting-started");
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = rules_of(&project);
    for expected in [
        "sloth_id: checkout-requests-availability",
        "sloth_service: checkout",
        "sloth_slo: requests-availability",
        "sloth_window: 5m",
        "sloth_window: 30d",
        "- record: sloth_slo_info",
        "sloth_objective: \"99.9\"",
    ] {
        assert!(rules.contains(expected), "missing `{expected}`");
    }
    let alerts = rules_of(&project);
    assert!(alerts.contains("- alert: CheckoutHighErrorRate"));
    assert!(alerts.contains("sloth_severity: page"));
    assert!(alerts.contains("slack_channel: \"#payments-alerts\""));
}

#[test]
fn sloth_fields_without_counterpart_are_located_errors_and_nothing_is_written() {
    let project = Project::copy_of(&repository().join("tests/import/sloth/errors"));
    let run = project.slogen(&["import", "sloth", ".", "--slo", "slo", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!project.exists("slo"));
    insta::assert_snapshot!("import-sloth-errors", run.stderr);
}

/// Sloth lets pages and tickets carry one `severity`; slogen routes and
/// inhibits by it, so such specs are refused, the error placed in the
/// settings the import would have written.
#[test]
fn a_sloth_page_and_ticket_with_one_severity_are_refused() {
    let project = Project::copy_of(&repository().join("tests/import/sloth/seven-days"));
    let spec = project
        .read("payments.yml")
        .replace("severity: warning", "severity: critical");
    project.file("payments.yml", &spec);
    let run = project.slogen(&["import", "sloth", ".", "--slo", "slo", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[same-severity-label]")
            && run.stderr.contains("slo/slogen.toml:"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("slo"));
}

#[test]
fn import_will_not_overwrite_without_force() {
    let project = Project::copy_of(&repository().join("tests/import/sloth/getting-started"));
    project.file("slo/checkout.toml", "# mine\n");
    let run = project.slogen(&["import", "sloth", "checkout.yml", "--slo", "slo"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(project.read("slo/checkout.toml"), "# mine\n");
    assert!(!project.exists("slo/slogen.toml"));
    let run = project.slogen(&["import", "sloth", "checkout.yml", "--slo", "slo", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        project
            .read("slo/checkout.toml")
            .contains("CheckoutHighErrorRate")
    );
}

#[test]
fn openslo_imports_build_and_pass_promtool_and_their_tests() {
    let project = Project::copy_of(&repository().join("tests/import/openslo/shop"));
    let run = project.slogen(&["import", "openslo", ".", "--slo", "slo"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut snapshot = format!("# report\n{}", run.stdout);
    for file in project.files_under("slo") {
        snapshot.push_str(&format!(
            "\n# slo/{file}\n{}",
            project.read(&format!("slo/{file}"))
        ));
    }
    insta::assert_snapshot!("import-openslo-shop", snapshot);
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    if tool_available("promtool") {
        let args = check_rules_args(&project);
        promtool(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            project.path(),
        );
        let run = project.slogen(&["test", "--slo", "slo"]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    }
    // The notification targets are receivers, each SLO's alerts routed to
    // its policies' targets by severity, and to the team's receiver too.
    if tool_available("amtool") {
        let config = "out/alertmanager.yml";
        let (ok, output) = crate::routing::amtool(&["check-config", config], &project);
        assert!(ok, "{output}");
        let slo = |name: &str| format!("slogen_slo={name}");
        let routes = [
            (
                "checkout-availability",
                "severity=critical",
                "storefront-pager,storefront-page",
            ),
            (
                "checkout-availability",
                "severity=warning",
                "storefront-servicenow,storefront-slack,storefront-ticket",
            ),
            (
                "search-latency",
                "severity=critical",
                "storefront-pager,storefront-page",
            ),
            ("search-latency", "severity=warning", "storefront-ticket"),
        ];
        for (name, severity, receivers) in routes {
            crate::routing::routes_in(
                &project,
                config,
                &[
                    "team=storefront",
                    "slogen_service=web-shop",
                    &slo(name),
                    severity,
                ],
                receivers,
            );
        }
    }
}

#[test]
fn openslo_fields_without_counterpart_are_located_errors() {
    let project = Project::copy_of(&repository().join("tests/import/openslo/errors"));
    let run = project.slogen(&["import", "openslo", ".", "--slo", "slo", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!project.exists("slo"));
    insta::assert_snapshot!("import-openslo-errors", run.stderr);
}

/// Every fixture case and the repository's specs, exported to OpenSLO and
/// imported back (with the original settings file), build the same
/// recording rules, SLO alerts and runbooks; a second export is the first.
/// Plain alerts have no OpenSLO counterpart: cases with them compare the
/// rest.
#[test]
fn import_of_export_gives_the_same_specs() {
    let cases = export_cases();
    for (name, path) in cases {
        let project = Project::new();
        crate::harness::copy_tree(&path.join("slo"), &project.path().join("slo"));
        let run = project.slogen(&["export", "openslo", "--out", "exported.yaml"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let run = project.slogen(&["import", "openslo", "exported.yaml", "--slo", "back"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        if project.exists("slo/slogen.toml") {
            project.file("back/slogen.toml", &project.read("slo/slogen.toml"));
        }
        let run = project.slogen(&["export", "openslo", "--slo", "back", "--out", "again.yaml"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        // Plain alerts are named in comments of the first export only.
        let documents = |text: String| -> String {
            text.lines()
                .filter(|line| !line.starts_with("# Not exported: plain alert"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            documents(project.read("exported.yaml")),
            documents(project.read("again.yaml")),
            "{name}: export is not a fixpoint"
        );
        // The same output directory for both: runbook links name it.
        for (slo, kept) in [("slo", "built"), ("back", "built-back")] {
            let run = project.slogen(&["build", "--slo", slo, "--out", "out"]);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            std::fs::rename(project.path().join("out"), project.path().join(kept)).unwrap();
        }
        let has_plain_alerts = project
            .files_under("slo")
            .iter()
            .any(|file| project.read(&format!("slo/{file}")).contains("[[alert]]"));
        // Plain alerts are not exported: then only the recording groups
        // of the rule files are compared.
        let part = |text: String| -> String {
            if !has_plain_alerts {
                return text;
            }
            let mut kept = String::new();
            for line in text.split_inclusive('\n') {
                if line.starts_with("  - name: slogen-") && line.trim_end().ends_with("-alerts") {
                    break;
                }
                kept.push_str(line);
            }
            kept
        };
        let mut compared: Vec<String> = project
            .files_under("built-back/prometheus")
            .into_iter()
            .map(|file| format!("prometheus/{file}"))
            .collect();
        assert_eq!(
            compared.len(),
            project.files_under("built/prometheus").len(),
            "{name}: rule files differ after export and import"
        );
        compared.extend(
            project
                .files_under("built-back/runbooks")
                .into_iter()
                .map(|file| format!("runbooks/{file}")),
        );
        // The routing too: the SLOs' own receivers (`[slo.alerting]
        // receivers`) travel as notification targets.
        compared.push("alertmanager.yml".to_owned());
        for file in compared {
            assert_eq!(
                part(project.read(&format!("built/{file}"))),
                part(project.read(&format!("built-back/{file}"))),
                "{name}: {file} differs after export and import"
            );
        }
    }
}

/// Every fixture case and the repository's specs, and a copy of them.
fn export_cases() -> Vec<(String, std::path::PathBuf)> {
    let mut cases: Vec<(String, std::path::PathBuf)> =
        std::fs::read_dir(repository().join("tests/cases"))
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    path,
                )
            })
            .collect();
    cases.sort();
    cases.push(("slo/".to_owned(), repository()));
    cases
}

/// The documents of an export, one JSON file each under `dir`.
fn export_documents(project: &Project, export: &str, dir: &str) -> Vec<std::path::PathBuf> {
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&project.read(export)).unwrap();
    documents
        .iter()
        .filter(|document| !document.is_null())
        .enumerate()
        .map(|(index, document)| {
            let file = format!("{dir}/{index:03}.json");
            project.file(&file, &serde_json::to_string_pretty(document).unwrap());
            project.path().join(file)
        })
        .collect()
}

const OPENSLO_SCHEMA: &str = "tests/openslo-schema/openslo.schema.json";

/// OpenSLO's JSON Schema (tests/openslo-schema, with check-jsonschema)
/// accepts every document of every export.
#[test]
fn every_export_is_valid_against_openslos_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    let project = Project::new();
    let mut files = Vec::new();
    for (index, (name, path)) in export_cases().into_iter().enumerate() {
        let slo = format!("slo-{index}");
        crate::harness::copy_tree(&path.join("slo"), &project.path().join(&slo));
        let export = format!("exported-{index}.yaml");
        let run = project.slogen(&["export", "openslo", "--slo", &slo, "--out", &export]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        files.extend(export_documents(
            &project,
            &export,
            &format!("json-{index}"),
        ));
    }
    let (valid, output) = check_jsonschema(&repository().join(OPENSLO_SCHEMA), &files);
    assert!(valid, "{output}");
}

/// The schema is a judge: an annotation key OpenSLO forbids, a target that
/// is not a name, an SLO without objectives fail.
#[test]
fn openslos_schema_rejects_a_broken_export() {
    if !tool_available("check-jsonschema") {
        return;
    }
    for (from, to, expected) in [
        ("slogen.export/name:", "slogen/name:", "does not match"),
        (
            "- targetRef: slogen-alertmanager",
            "- targetRef: Slogen Alertmanager",
            "does not match",
        ),
        (
            "objectives:",
            "objectivez:",
            "is not valid under any of the given schemas",
        ),
    ] {
        let project = Project::copy_of(&repository().join("tests/cases/sloth-compatible"));
        let run = project.slogen(&["export", "openslo", "--out", "exported.yaml"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let text = project.read("exported.yaml");
        assert!(text.contains(from), "the export has no `{from}`");
        project.file("exported.yaml", &text.replacen(from, to, 1));
        let files = export_documents(&project, "exported.yaml", "json");
        let (valid, output) = check_jsonschema(&repository().join(OPENSLO_SCHEMA), &files);
        assert!(!valid, "`{from}` -> `{to}` passed:\n{output}");
        assert!(output.contains(expected), "`{from}` -> `{to}`:\n{output}");
    }
}

/// OpenSLO has no kind for a plain alert: each is named in a warning and in
/// a comment of the export, and the rest is still exported.
#[test]
fn plain_alerts_are_reported_as_not_exported() {
    let project = Project::copy_of(&repository().join("tests/cases/routing"));
    let run = project.slogen(&["export", "openslo", "--out", "exported.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export = project.read("exported.yaml");
    let spec = project.read("slo/shop.toml");
    let names: Vec<&str> = spec
        .split("[[alert]]")
        .skip(1)
        .filter_map(|alert| alert.lines().find_map(|line| line.strip_prefix("name = ")))
        .map(|name| name.trim_matches('"'))
        .collect();
    assert!(!names.is_empty());
    for name in names {
        let line = format!(
            "plain alert `{name}` of service `shop` (shop.toml): OpenSLO has no kind for an alert outside an SLO"
        );
        assert!(
            run.stderr
                .contains(&format!("warning: not exported: {line}")),
            "{name}: {}",
            run.stderr
        );
        assert!(
            export.contains(&format!("# Not exported: {line}")),
            "{export}"
        );
    }
    assert!(export.contains("kind: SLO"));
}

/// `promtool check rules` on every plain rule file of `out`.
fn check_rules_args(project: &Project) -> Vec<String> {
    let mut args = vec!["check".to_owned(), "rules".to_owned()];
    args.extend(
        project
            .files_under("out/prometheus")
            .into_iter()
            .map(|file| format!("out/prometheus/{file}")),
    );
    args
}

/// Every plain rule file of `out`, one after the other.
fn rules_of(project: &Project) -> String {
    project
        .files_under("out/prometheus")
        .into_iter()
        .map(|file| project.read(&format!("out/prometheus/{file}")))
        .collect()
}
