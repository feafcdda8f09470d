//! `slogen import sloth` on specs written after Sloth's examples: the
//! report and the files are snapshotted, the imported project builds, its
//! rules pass promtool, its generated tests pass, and its burn-rate
//! thresholds are Sloth's.

use crate::harness::{Project, promtool, repository, tool_available};

const CASES: &[&str] = &[
    "apiserver",
    "getting-started",
    "multi-document",
    "plugins",
    "raw-and-silent",
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
            promtool(
                &[
                    "check",
                    "rules",
                    "out/recording-rules.yml",
                    "out/alert-rules.yml",
                ],
                project.path(),
            );
            let run = project.slogen(&["test", "--slo", "slo"]);
            assert_eq!(run.code, 0, "{case}: {}{}", run.stdout, run.stderr);
        }
    }
}

/// Sloth's 30-day windows: (burn factor, long, short) for page and ticket.
const SLOTH_WINDOWS: &[(f64, &str, &str)] = &[
    (14.4, "1h", "5m"),
    (6.0, "6h", "30m"),
    (3.0, "1d", "2h"),
    (1.0, "3d", "6h"),
];

#[test]
fn imported_burn_rates_and_thresholds_are_sloths() {
    let project = imported("apiserver");
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = project.read("out/alert-rules.yml");
    for (alert, objective) in [
        ("K8sApiserverAvailabilityAlert", 99.9),
        ("K8sApiserverLatencyAlert", 99.0),
    ] {
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
        assert_eq!(found.len(), SLOTH_WINDOWS.len(), "{alert}");
        for ((threshold, long, short), (factor, sloth_long, sloth_short)) in
            found.iter().zip(SLOTH_WINDOWS)
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
    let rules = project.read("out/recording-rules.yml");
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
    let alerts = project.read("out/alert-rules.yml");
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
