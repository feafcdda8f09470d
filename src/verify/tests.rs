use super::promtool_tests::{SEEN_TEXTS, normalize_ranges};
use super::rule_files::check_rules_and_groups;
use crate::render::GeneratedFile;
use crate::source::SourceFile;

use super::*;

fn problems(text: &str) -> Vec<(String, usize, &'static str, String)> {
    let source = SourceFile::new("rules.yml", text);
    check_rules(&source)
        .into_iter()
        .map(|diagnostic| {
            let line = source
                .line_column(diagnostic.location.as_ref().unwrap().span.start)
                .0;
            (
                diagnostic.problem.code().to_owned(),
                line,
                "",
                diagnostic.problem.message(),
            )
        })
        .map(|(code, line, _, message)| (code, line, "", message))
        .collect()
}

#[test]
fn ranges_normalize_only_when_valid() {
    assert_eq!(
        normalize_ranges("rate(x[30m]) / rate(y[1d2h])"),
        "rate(x[1m]) / rate(y[1m])"
    );
    assert_eq!(normalize_ranges("x{a=\"[5m]\"}[5m]"), "x{a=\"[5m]\"}[1m]");
    assert_eq!(normalize_ranges("rate(x[0s])"), "rate(x[0s])");
    assert_eq!(
        normalize_ranges(r#"x{a="é\"[5m]",b=`\é[5m]`}[5m] é[1h]"#),
        r#"x{a="é\"[5m]",b=`\é[5m]`}[1m] é[1m]"#
    );
    assert_eq!(normalize_ranges("x[5m"), "x[5m");
    assert_eq!(normalize_ranges(r#"x{a="\"#), r#"x{a="\"#);
    assert_eq!(normalize_ranges("rate(x[5 m])"), "rate(x[5 m])");
    assert_eq!(
        normalize_ranges("max_over_time(x[1h:5m])"),
        "max_over_time(x[1h:5m])"
    );
}

fn check_test(path: &str, text: &str, rules: &[GeneratedFile]) -> Vec<String> {
    let groups = rules
        .iter()
        .map(|file| {
            (
                file.path.clone(),
                verify_rules(file.clone(), RuleFormat::Prometheus)
                    .1
                    .groups
                    .unwrap_or_default(),
            )
        })
        .collect();
    let (mut problems, references) = check_test_text(text);
    let mut found = check_test_references(path, &references, &groups);
    found.append(&mut problems);
    found
}

/// A test group's checks are parsed once per text, in bounded memory:
/// past [`SEEN_TEXTS`] distinct queries, a bad query and a bad series are
/// still found.
#[test]
fn big_test_groups_are_checked_to_the_end() {
    let mut text = String::from("rule_files: []\ntests:\n  - name: big\n    promql_expr_test:\n");
    for index in 0..SEEN_TEXTS + 10 {
        for _ in 0..2 {
            text.push_str(&format!(
                    "      - expr: up{{i=\"{index}\"}}\n        eval_time: 1m\n        exp_samples: []\n"
                ));
        }
    }
    assert!(check_test_text(&text).0.is_empty());
    let bad_query = format!("{text}      - expr: sum(up\n        eval_time: 1m\n");
    let bad_series = format!(
        "{text}      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: 'up{{'\n            value: 1\n"
    );
    for bad in [bad_query, bad_series] {
        assert_eq!(check_test_text(&bad).0.len(), 1);
    }
}

#[test]
fn test_files_are_read_like_promtool_reads_them() {
    let rules = GeneratedFile {
        path: "alert-rules.yml".to_owned(),
        contents: "groups:\n  - name: a\n    rules: []\n".to_owned(),
    };
    let good = "rule_files: [../alert-rules.yml]\ngroup_eval_order: [a]\ntests:\n  - interval: 1m\n    input_series:\n      - series: up{job=\"x\"}\n        values: 0 1x3\n    promql_expr_test:\n      - expr: up\n        eval_time: 1m\n        exp_samples:\n          - labels: up{job=\"x\"}\n            value: 1\n";
    assert_eq!(
        check_test("tests/t.yml", good, std::slice::from_ref(&rules)),
        Vec::<String>::new()
    );
    let bad = "rule_files: [../missing.yml]\ngroup_eval_order: [b]\ntests:\n  - interval: 1x\n    input_series:\n      - series: up{job=~\"x\"}\n        values: one\n    promql_expr_test:\n      - expr: sum(up\n        eval_time: 1m\n";
    assert_eq!(
        check_test("tests/t.yml", bad, std::slice::from_ref(&rules)),
        vec![
            "rule file `../missing.yml` is not a generated file".to_owned(),
            "group_eval_order names `b`, which no rule file has".to_owned(),
            "test 1 ``: invalid duration `1x`".to_owned(),
            "test 1 ``: input series `up{job=~\"x\"}`: only `=` matchers name a series".to_owned(),
            "test 1 ``: values of `up{job=~\"x\"}`: `one` is not a series value".to_owned(),
            "test 1 ``: could not parse `sum(up`: unclosed left parenthesis".to_owned(),
        ]
    );
    let unknown = "rule_files: []\ntests:\n  - promql_exp_test: []\n";
    assert!(check_test("tests/t.yml", unknown, &[])[0].contains("promql_exp_test"));
    let without_tests = "rule_files: []\nevaluation_interval: 1m\n";
    assert!(check_test("tests/t.yml", without_tests, &[])[0].contains("missing field `tests`"));
    let without_files = "tests: []\n";
    assert!(check_test("tests/t.yml", without_files, &[])[0].contains("rule_files"));
}

/// Each file here holds one problem, found once; the same rule recorded
/// with other labels is none.
#[test]
fn every_rule_problem_is_found_once() {
    let group = |rules: &str| format!("groups:\n  - name: a\n    rules:\n{rules}");
    let valid = group(
        "      - record: x:y\n        expr: up\n        labels: {a: b}\n      - record: x:y\n        expr: up\n",
    );
    assert_eq!(problems(&valid), vec![]);
    let bad = [
        group("      - record: bad name\n        expr: up\n"),
        group("      - record: x:y\n        expr: sum(up\n"),
        group("      - alert: A\n        expr: up[5m]\n"),
        group("      - alert: A\n        expr: up\n        for: 5x\n"),
        group("      - alert: A\n        expr: up\n        keep_firing_for: 5x\n"),
        group("      - alert: ''\n        expr: up\n"),
        group("      - expr: up\n"),
        group("      - record: x:y\n        expr: up\n        for: 5m\n"),
        group("      - alert: A\n        expr: up\n        labels: {1a: b}\n"),
        group("      - alert: A\n        expr: up\n        annotations: {a: '{{ x'}\n"),
        group("      - record: x:y\n        expr: up\n      - record: x:y\n        expr: up\n"),
        "groups:\n  - name: a\n    interval: 5x\n    rules: []\n".to_owned(),
        "groups:\n  - name: a\n    query_offset: 5x\n    rules: []\n".to_owned(),
        "groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n".to_owned(),
        "groups:\n  - name: a\n    rules: []\nrules: []\n".to_owned(),
        "groupz: []\n".to_owned(),
    ];
    for text in bad {
        assert_eq!(problems(&text).len(), 1, "{text}");
    }
}

/// Messages of a file read in one format, with their lines.
fn in_format(text: &str, format: RuleFormat) -> Vec<(usize, String)> {
    let source = SourceFile::new("rules.yml", text);
    check_rules_and_groups(&source, format)
        .0
        .into_iter()
        .map(|diagnostic| {
            let span = diagnostic.location.as_ref().unwrap().span.start;
            (source.line_column(span).0, diagnostic.problem.message())
        })
        .collect()
}

#[test]
fn a_field_of_another_target_is_located_in_each_format() {
    let thanos = "groups:\n  - name: a\n    partial_response_strategy: abort\n    rules: []\n";
    assert_eq!(in_format(thanos, RuleFormat::Thanos), vec![]);
    assert_eq!(in_format(thanos, RuleFormat::Any), vec![]);
    assert_eq!(
        in_format(thanos, RuleFormat::Prometheus),
        vec![(
            3,
            "field `partial_response_strategy` is not read in Prometheus rule files".to_owned()
        )]
    );
    assert_eq!(
        in_format(thanos, RuleFormat::VictoriaMetrics),
        vec![(
            3,
            "field `partial_response_strategy` is not read in vmalert rule files".to_owned()
        )]
    );
    let mimir = "namespace: ns\ngroups:\n  - name: a\n    source_tenants: [t1]\n    evaluation_delay: 1m\n    rules: []\n";
    assert_eq!(in_format(mimir, RuleFormat::Mimir), vec![]);
    assert_eq!(in_format(mimir, RuleFormat::Any), vec![]);
    let found = in_format(mimir, RuleFormat::Prometheus);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0],
        (
            1,
            "field `namespace` is not read in Prometheus rule files".to_owned()
        )
    );
    let no_namespace = "groups:\n  - name: a\n    rules: []\n";
    assert_eq!(
        in_format(no_namespace, RuleFormat::Mimir)[0].1,
        "a Mimir rule file needs `namespace:` (what `mimirtool rules load` names the groups by)"
    );
}

#[test]
fn prometheus_rule_objects_are_read_one_document_at_a_time() {
    let object = |name: &str, group: &str| {
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {name}\n  uid: x\nspec:\n  groups:\n    - name: {group}\n      rules:\n        - record: {group}:b\n          expr: sum(up)\n"
        )
    };
    let two = format!("{}---\n{}", object("one", "g1"), object("two", "g2"));
    assert_eq!(in_format(&two, RuleFormat::Operator), vec![]);
    assert_eq!(in_format(&two, RuleFormat::Any), vec![]);
    // The same recording rule in two objects of one file is recorded twice.
    let same = format!("{}---\n{}", object("one", "g1"), object("two", "g1"));
    let found = in_format(&same, RuleFormat::Any);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 22);
    let bad = object("Not_A_Name", "g").replace("kind: PrometheusRule", "kind: Rule");
    let found = in_format(&bad, RuleFormat::Any);
    assert_eq!(
            found,
            vec![
                (2, "kind `Rule` is not `PrometheusRule`".to_owned()),
                (4, "`Not_A_Name` is not a Kubernetes object name (lowercase letters, digits, `-` and `.`, at most 253)".to_owned()),
            ]
        );
    // Plain groups in several documents: Prometheus reads one list.
    let plain = "groups: []\n---\ngroups: []\n";
    assert!(
        in_format(plain, RuleFormat::Any)[0]
            .1
            .contains("more than one YAML document")
    );
}

#[test]
fn accepts_a_valid_file() {
    let text = "groups:\n  - name: a\n    rules:\n      - record: x:y:z\n        expr: sum(up)\n";
    assert_eq!(problems(text), vec![]);
}

#[test]
fn unknown_fields_are_structure_errors() {
    let text =
        "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        fro: 5m\n";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "rule-structure");
    assert!(found[0].3.contains("fro"), "{found:?}");
}

#[test]
fn reports_what_promtool_reports_with_lines() {
    let text = "groups:\n  - name: a\n    rules:\n      - record: bad name\n        expr: sum(up\n  - name: a\n    rules:\n      - alert: A\n        expr: up[5m]\n        for: 5x\n      - record: x:y\n        expr: up\n      - record: x:y\n        expr: up\n";
    let found: Vec<(String, usize, String)> = problems(text)
        .into_iter()
        .map(|(code, line, _, message)| (code, line, message))
        .collect();
    let expected = [
        ("rule-name", 4, "invalid recording rule name `bad name`"),
        (
            "rule-promql",
            5,
            "could not parse expression: unclosed left parenthesis",
        ),
        (
            "rule-structure",
            6,
            "group name `a` is repeated in the same file",
        ),
        (
            "rule-promql",
            9,
            "expression returns a matrix, not an instant vector",
        ),
        ("rule-duration", 10, "invalid duration `5x`"),
        (
            "rule-duplicate",
            13,
            "duplicate rule: `x:y` with the same labels is recorded twice",
        ),
    ];
    let expected: Vec<(String, usize, String)> = expected
        .iter()
        .map(|(code, line, message)| ((*code).to_owned(), *line, (*message).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn undefined_receivers_and_legacy_syntax_are_reported() {
    let text = "route:\n  receiver: a\n  routes:\n    - receiver: b\n      matchers: ['team=x']\n      match: {a: b}\nreceivers:\n  - name: a\n  - name: a\n";
    assert_eq!(
        check_alertmanager_text(text),
        vec![
            "receiver `a` is declared twice".to_owned(),
            "undefined receiver `b` used in route".to_owned(),
            "`match`/`match_re` are deprecated; use `matchers`".to_owned(),
            "matcher `team=x` is not `name=\"value\"`".to_owned(),
        ]
    );
}
