//! `slogen check --rules`: hand-written Prometheus rule files, located errors.

use crate::harness::{Project, copy_tree, repository};

const BAD: &str = "groups:
  - name: hand-written
    rules:
      - record: job:up:sum
        expr: sum by (job) (up
      - alert: HighErrorRate
        expr: rate(http_requests_total[5m]) > 0.05
        for: 5 minutes
      - record: job:up:sum
        expr: sum by (job) (up)
      - record: job:up:web
        expr: up{job=~'(?<tier>web|api)'}
  - name: hand-written
    rules: []
";

#[test]
fn every_problem_is_located() {
    let project = Project::new();
    project.file("rules/bad.yml", BAD);
    let run = project.slogen(&["check", "--rules", "rules/bad.yml", "--color", "never"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("check_rules_bad", run.stderr);
    let run = project.slogen(&["check", "--rules", "rules/bad.yml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json[0]["code"], "rule-promql");
    assert_eq!(json[0]["line"], 5);
    assert_eq!(json[0]["column"], 15);
}

#[test]
fn generated_files_and_specs_pass_together() {
    let project = Project::new();
    copy_tree(&repository().join("slo"), &project.path().join("slo"));
    assert_eq!(project.slogen(&["build"]).code, 0);
    // Both targets: plain files and PrometheusRule objects.
    let mut args = vec!["check".to_owned(), "--rules".to_owned()];
    for dir in ["prometheus", "k8s"] {
        for file in project.files_under(&format!("generated/{dir}")) {
            args.push(format!("generated/{dir}/{file}"));
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = project.slogen(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("8 rule files and the specs in slo: all valid"),
        "{}",
        run.stderr
    );
    assert_eq!(project.slogen(&["check", "--rules", "missing.yml"]).code, 2);
}

#[test]
fn alert_templates_are_parsed_as_prometheus_does() {
    let project = Project::new();
    project.file(
        "rules/templates.yml",
        "groups:
  - name: templates
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels:
          note: '{{ not a template here'
      - alert: Down
        expr: up == 0
        labels:
          team: '{{ $labels.team }}'
        annotations:
          summary: '{{ $value | humanize }} {{ 1 | 2 }}'
          description: '{{ $labels.instance is down'
",
    );
    let run = project.slogen(&[
        "check",
        "--rules",
        "rules/templates.yml",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .inspect(|problem| assert_eq!(problem["code"], "rule-template"))
        .map(|problem| problem["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|message| message.contains("`summary` is not a template"))
    );
    assert!(
        messages
            .iter()
            .any(|message| message.contains("`description` has a template action"))
    );
}

#[test]
fn yaml_errors_say_what_is_wrong_once_and_in_slogens_words() {
    let project = Project::new();
    project.file(
        "rules/multi.yml",
        "groups: []\n---\ngroups:\n  - name: b\n    rules: []\n",
    );
    let run = project.slogen(&["check", "--rules", "rules/multi.yml", "--color", "never"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("error[rule-structure]: the file holds more than one YAML document"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("from_str_multiple"), "{}", run.stderr);
    assert!(!run.stderr.contains("line 2 column"), "{}", run.stderr);
}
