//! Sloth's published Grafana dashboards (grafana.com 14348 "SLO detail" and
//! 14643 "High level") on the Sloth-compatible mode's series: every query
//! of both (tests/import/sloth-dashboards/queries.yml, verbatim), with its
//! template variables filled in, runs in a promtool unit test against the
//! rules `slogen build` writes for tests/cases/sloth-compatible, and must
//! return the values Sloth's own series would give. A renamed label or
//! series fails it (the renaming test proves that).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::harness::{Project, mutate, promtool_test, repository, tool_available};

/// tests/import/sloth-dashboards/queries.yml.
#[derive(Deserialize)]
struct Dashboards {
    variables: Variables,
    slo_detail: Vec<Query>,
    high_level: Vec<Query>,
}

/// The dashboards' template variables.
#[derive(Deserialize)]
struct Variables {
    service: String,
    slo: String,
    sli_window: Vec<String>,
    min_burning_rate: String,
}

/// One query, as a panel's target holds it.
#[derive(Deserialize)]
struct Query {
    id: String,
    #[allow(dead_code, reason = "documents the fixture")]
    panels: Vec<String>,
    expr: String,
}

/// An SLO of tests/cases/sloth-compatible, and what its input series make
/// of it at the evaluation time.
struct Slo {
    name: &'static str,
    objective: &'static str,
    budget: f64,
    error_ratio: f64,
    /// Hours of the month with a 1h error ratio at the evaluation time.
    hours_recorded: f64,
    page_firing: bool,
}

const SERVICE: &str = "checkout";

/// availability: 2% of requests fail (20x its budget: page and ticket
/// alerts fire); wifi: 80% satisfaction (4x its budget: ticket alerts
/// fire, it has no page alerts). The 1h ratio of a rate needs two samples
/// (from 1h on), of an average one (from 0 on).
const SLOS: &[Slo] = &[
    Slo {
        name: "availability",
        objective: "0.999",
        budget: 0.001,
        error_ratio: 0.02,
        hours_recorded: 3.0,
        page_firing: true,
    },
    Slo {
        name: "wifi",
        objective: "0.95",
        budget: 0.05,
        // As Prometheus computes it: `1 - avg(...)`.
        error_ratio: 1.0 - 0.8,
        hours_recorded: 4.0,
        page_firing: false,
    },
];

const INPUT: &str = r#"      - series: 'http_requests_total{job="checkout",code="500"}'
        values: '0+20x180'
      - series: 'http_requests_total{job="checkout",code="200"}'
        values: '0+980x180'
      - series: 'client_satisfaction_ratio'
        values: '0.8x180'
"#;

/// Evaluated at 3h, in January 1970 (`${__to:date:M}` is 1), a 31-day
/// month.
const EVAL_TIME: &str = "3h";
const MONTH: &str = "1";
const HOURS_IN_MONTH: f64 = 24.0 * 31.0;

impl Slo {
    /// The labels of every series of the SLO, but `sloth_window`.
    fn labels(&self) -> String {
        let name = self.name;
        format!(
            r#"slogen_service="{SERVICE}",slogen_slo="{name}",sloth_id="{SERVICE}-{name}",sloth_service="{SERVICE}",sloth_slo="{name}",tier="1""#
        )
    }

    fn burn_rate(&self) -> f64 {
        self.error_ratio / self.budget
    }

    /// The series Sloth's current burn rate is, and its value.
    fn current_burn_rate(&self) -> (String, f64) {
        (
            format!(
                r#"slo:current_burn_rate:ratio{{{},sloth_window="5m"}}"#,
                self.labels()
            ),
            self.burn_rate(),
        )
    }

    fn period_budget_remaining(&self) -> (String, f64) {
        (
            format!(
                r#"slo:period_error_budget_remaining:ratio{{{},sloth_window="30d"}}"#,
                self.labels()
            ),
            1.0 - self.burn_rate(),
        )
    }
}

/// What a query returns, for one SLO when it names one.
fn expected(dashboard: &str, id: &str, slo: Option<&Slo>) -> Vec<(String, f64)> {
    let every = |sample: fn(&Slo) -> (String, f64)| SLOS.iter().map(sample).collect();
    let unlabelled = |value: f64| vec![("{}".to_owned(), value)];
    let one = || slo.unwrap_or_else(|| panic!("{dashboard} {id} names no SLO"));
    match (dashboard, id) {
        (_, "burning-slos" | "burn-rate-timeline") => every(Slo::current_burn_rate),
        (_, "budget-remaining") => every(Slo::period_budget_remaining),
        ("14348", "objective") => vec![(
            format!("slo:objective:ratio{{{}}}", one().labels()),
            one().objective.parse().unwrap(),
        )],
        ("14348", "sli") => unlabelled(1.0 - one().error_ratio),
        ("14348", "info") => {
            let slo = one();
            let objective: f64 = slo.objective.parse().unwrap();
            vec![(
                format!(
                    r#"sloth_slo_info{{{},sloth_mode="slogen",sloth_objective="{}",sloth_spec="slogen",sloth_version="slogen"}}"#,
                    slo.labels(),
                    objective * 100.0
                ),
                1.0,
            )]
        }
        ("14348", "current-burn-rate" | "burn-rate-magnitude") => vec![one().current_burn_rate()],
        ("14348", "month-budget-remaining") => {
            let slo = one();
            // `/ on(sloth_id)` keeps that label only.
            vec![(
                format!(r#"{{sloth_id="{SERVICE}-{}"}}"#, slo.name),
                1.0 - slo.hours_recorded * slo.error_ratio / (slo.budget * HOURS_IN_MONTH),
            )]
        }
        ("14348", "period-budget-remaining") => vec![one().period_budget_remaining()],
        // The month's ideal line: four hours of it spent at 3h.
        ("14348", "month-budget-ideal") => unlabelled(1.0 - 4.0 / HOURS_IN_MONTH),
        ("14348", "ticket-alerts") => unlabelled(1.0),
        ("14348", "page-alerts") => unlabelled(if one().page_firing { 1.0 } else { 0.0 }),
        ("14643", "slo-count") => unlabelled(SLOS.len() as f64),
        ("14643", "service-count") => unlabelled(1.0),
        ("14643", "average-burn-rate") => {
            unlabelled(SLOS.iter().map(Slo::burn_rate).sum::<f64>() / SLOS.len() as f64)
        }
        ("14643", "ticket-alerts" | "page-alerts") => unlabelled(1.0),
        _ => panic!("dashboard {dashboard}'s query `{id}` has no expected result here"),
    }
}

fn dashboards() -> Dashboards {
    let path = repository().join("tests/import/sloth-dashboards/queries.yml");
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// One `promql_expr_test`.
fn expr_test(text: &mut String, comment: &str, expr: &str, samples: &[(String, f64)]) {
    writeln!(text, "      # {comment}").unwrap();
    writeln!(text, "      - expr: '{}'", expr.replace('\'', "''")).unwrap();
    writeln!(text, "        eval_time: {EVAL_TIME}").unwrap();
    writeln!(text, "        exp_samples:").unwrap();
    for (labels, value) in samples {
        writeln!(text, "          - labels: '{}'", labels.replace('\'', "''")).unwrap();
        writeln!(text, "            value: {value:?}").unwrap();
    }
}

/// Grafana's `label_values(METRIC, LABEL)` as the series it reads.
fn label_values(query: &str) -> String {
    let inner = query
        .strip_prefix("label_values(")
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not label_values: {query}"));
    let (metric, label) = inner.rsplit_once(',').unwrap();
    format!("group by ({}) ({metric})", label.trim())
}

/// The promtool unit test of every query, against `rules`.
fn unit_test(rules: &Path) -> String {
    let dashboards = dashboards();
    let variables = &dashboards.variables;
    let mut tests = String::new();
    let service = variables.service.replace("${service}", SERVICE);
    expr_test(
        &mut tests,
        "variable service",
        &label_values(&service),
        &[(format!(r#"{{sloth_service="{SERVICE}"}}"#), 1.0)],
    );
    let slo = variables.slo.replace("${service}", SERVICE);
    let names: Vec<(String, f64)> = SLOS
        .iter()
        .map(|slo| (format!(r#"{{sloth_slo="{}"}}"#, slo.name), 1.0))
        .collect();
    expr_test(&mut tests, "variable slo", &label_values(&slo), &names);
    for (dashboard, queries) in [
        ("14348", &dashboards.slo_detail),
        ("14643", &dashboards.high_level),
    ] {
        for query in queries {
            let expr = query
                .expr
                .replace("${min_burning_rate}", &variables.min_burning_rate)
                .replace("${__to:date:M}", MONTH);
            let per_slo = expr.contains("${slo}");
            let slos: Vec<Option<&Slo>> = if per_slo {
                SLOS.iter().map(Some).collect()
            } else {
                vec![None]
            };
            for slo in slos {
                let expr = match slo {
                    Some(slo) => expr
                        .replace("${service}", SERVICE)
                        .replace("${slo}", slo.name),
                    None => expr.clone(),
                };
                let windows: Vec<Option<&str>> = if expr.contains("${sli_window}") {
                    variables
                        .sli_window
                        .iter()
                        .map(|w| Some(w.as_str()))
                        .collect()
                } else {
                    vec![None]
                };
                for window in windows {
                    let expr = match window {
                        Some(window) => expr.replace("${sli_window}", window),
                        None => expr.clone(),
                    };
                    assert!(!expr.contains("${"), "a variable is left in {expr}");
                    let mut comment = format!("{dashboard} {}", query.id);
                    if let Some(slo) = slo {
                        write!(comment, " slo={}", slo.name).unwrap();
                    }
                    if let Some(window) = window {
                        write!(comment, " sli_window={window}").unwrap();
                    }
                    let samples = expected(dashboard, &query.id, slo);
                    expr_test(&mut tests, &comment, &expr, &samples);
                }
            }
        }
    }
    format!(
        "rule_files:\n  - {}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{INPUT}    promql_expr_test:\n{tests}",
        rules.display()
    )
}

/// The compatible case built, and its unit test of the dashboards' queries.
fn built() -> Project {
    let project = Project::copy_of(&repository().join("tests/cases/sloth-compatible"));
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = project.path().join("out/prometheus/checkout.yml");
    project.file("dashboards.test.yml", &unit_test(&rules));
    project
}

#[test]
fn sloths_dashboards_query_the_compatible_series_unchanged() {
    if !tool_available("promtool") {
        return;
    }
    let project = built();
    let judgement = promtool_test(&project.path().join("dashboards.test.yml"));
    assert!(judgement.passed, "{}", judgement.output);
}

#[test]
fn sloths_dashboards_see_a_renamed_label_or_series() {
    if !tool_available("promtool") {
        return;
    }
    for (from, to, fails_at) in [
        (
            "sloth_service: checkout",
            "service: checkout",
            "group by (sloth_service)",
        ),
        (
            "record: slo:sli_error:ratio_rate1h",
            "record: slo:sli_error:ratio_rate60m",
            "ratio_rate1h",
        ),
        (
            "sloth_id: checkout-wifi",
            "id: checkout-wifi",
            "on(sloth_id)",
        ),
        (
            "record: sloth_slo_info",
            "record: slo_info",
            "count(sloth_slo_info)",
        ),
        (
            "sloth_severity: page",
            "severity_name: page",
            "sloth_severity=\\\"page\\\"",
        ),
    ] {
        let project = built();
        let out = project.path().join("out");
        mutate(&out, "prometheus/checkout.yml", from, to);
        let judgement = promtool_test(&project.path().join("dashboards.test.yml"));
        assert!(
            !judgement.passed,
            "renaming `{from}` to `{to}` went unseen:\n{}",
            judgement.output
        );
        assert!(
            judgement.output.contains(fails_at),
            "renaming `{from}` did not fail `{fails_at}`:\n{}",
            judgement.output
        );
    }
}

/// The fixture holds every query of both dashboards once per dashboard,
/// and each has an expected result here.
#[test]
fn every_dashboard_query_has_an_expectation() {
    let dashboards = dashboards();
    let mut seen = BTreeMap::new();
    for (dashboard, queries) in [
        ("14348", &dashboards.slo_detail),
        ("14643", &dashboards.high_level),
    ] {
        for query in queries {
            assert!(
                seen.insert((dashboard, query.id.as_str()), ()).is_none(),
                "{dashboard} {} twice",
                query.id
            );
            let slo = query.expr.contains("${slo}").then_some(&SLOS[0]);
            assert!(!expected(dashboard, &query.id, slo).is_empty());
        }
    }
    assert_eq!(seen.len(), 19);
}
