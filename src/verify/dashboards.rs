//! Grafana dashboards read back: every panel's query parses and reads only
//! series the build records, intervals and datasources are Grafana's.

use std::collections::BTreeSet;

use crate::promql;

/// What a dashboard may read: series the rules record or the spec's
/// queries read, and alerts the rules define (through `ALERTS`).
#[derive(Clone, Debug, Default)]
pub(crate) struct KnownSeries {
    /// Metric names.
    pub series: BTreeSet<String>,
    /// Alert names.
    pub alerts: BTreeSet<String>,
}

/// The metric names an expression's selectors name (`x{...}` or
/// `{__name__="x"}`).
pub(crate) fn metric_names(expr: &promql_parser::parser::Expr) -> Vec<String> {
    let mut names = Vec::new();
    promql::walk(expr, &mut |node| {
        if let Some(selector) = selector_of(node)
            && let Some(name) = selector_name(selector)
        {
            names.push(name);
        }
    });
    names
}

fn selector_of(
    node: &promql_parser::parser::Expr,
) -> Option<&promql_parser::parser::VectorSelector> {
    use promql_parser::parser::Expr;
    match node {
        Expr::VectorSelector(selector) => Some(selector),
        Expr::MatrixSelector(matrix) => Some(&matrix.vs),
        _ => None,
    }
}

fn selector_name(selector: &promql_parser::parser::VectorSelector) -> Option<String> {
    selector.name.clone().or_else(|| {
        selector
            .matchers
            .matchers
            .iter()
            .find(|matcher| {
                matcher.name == "__name__"
                    && matches!(matcher.op, promql_parser::label::MatchOp::Equal)
            })
            .map(|matcher| matcher.value.clone())
    })
}

/// Grafana's interval variables, as a duration PromQL parses (a query's
/// meaning does not depend on their value).
const GRAFANA_INTERVALS: &[&str] = &[
    "${__rate_interval}",
    "$__rate_interval",
    "${__interval}",
    "$__interval",
    "${__range}",
    "$__range",
];

/// Checks a generated Grafana dashboard: JSON of an object with `uid`,
/// `title` and `panels`, no data source named by id (only the
/// `datasource` variable), every panel query and every query variable's
/// selector parses as PromQL, and reads only `known` series; `ALERTS`
/// only with an `alertname` matcher naming known alerts.
pub(crate) fn check_dashboard_text(text: &str, known: &KnownSeries) -> Vec<String> {
    let dashboard: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return vec![format!("not valid JSON: {error}")],
    };
    let mut problems = Vec::new();
    for key in ["uid", "title"] {
        if !dashboard.get(key).is_some_and(serde_json::Value::is_string) {
            problems.push(format!("the dashboard has no `{key}` string"));
        }
    }
    let Some(panels) = dashboard
        .get("panels")
        .and_then(serde_json::Value::as_array)
    else {
        problems.push("the dashboard has no `panels` list".to_owned());
        return problems;
    };
    check_datasources(&dashboard, &mut problems);
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<&serde_json::Value> = panels.iter().collect();
    while let Some(panel) = stack.pop() {
        let title = panel
            .get("title")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(untitled)");
        if let Some(nested) = panel.get("panels").and_then(serde_json::Value::as_array) {
            stack.extend(nested);
        }
        for target in panel
            .get("targets")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(expr) = target.get("expr").and_then(serde_json::Value::as_str) {
                queries.push((format!("panel `{title}`"), expr.to_owned()));
            }
        }
    }
    for variable in dashboard
        .pointer("/templating/list")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|variable| {
            variable.get("type").and_then(serde_json::Value::as_str) == Some("query")
        })
    {
        let name = variable
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(unnamed)");
        let query = variable.get("query").and_then(|query| {
            query
                .as_str()
                .or_else(|| query.get("query").and_then(serde_json::Value::as_str))
        });
        match query.and_then(label_values_selector) {
            Some(selector) => queries.push((format!("variable `{name}`"), selector.to_owned())),
            None => problems.push(format!(
                "variable `{name}`: the query is not `label_values(<selector>, <label>)`"
            )),
        }
    }
    queries.sort();
    for (place, query) in queries {
        let mut filled = query.clone();
        for interval in GRAFANA_INTERVALS {
            filled = filled.replace(interval, "5m");
        }
        let expr = match promql::parse(&filled) {
            Ok(expr) => expr,
            Err(error) => {
                problems.push(format!(
                    "{place}: the query `{query}` does not parse: {error}"
                ));
                continue;
            }
        };
        promql::walk(&expr, &mut |node| {
            let Some(selector) = selector_of(node) else {
                return;
            };
            match selector_name(selector) {
                None => problems.push(format!(
                    "{place}: `{query}` selects series without naming a metric"
                )),
                Some(name) if name == crate::names::ALERTS_METRIC => {
                    check_alerts_selector(&place, &query, selector, known, &mut problems);
                }
                Some(name) if !known.series.contains(&name) => problems.push(format!(
                    "{place}: `{query}` reads `{name}`, which no generated rule records and no spec query reads"
                )),
                Some(_) => {}
            }
        });
    }
    problems
}

/// `label_values(<selector>, <label>)` → the selector.
fn label_values_selector(query: &str) -> Option<&str> {
    let inner = query
        .trim()
        .strip_prefix("label_values(")?
        .strip_suffix(')')?;
    let (selector, label) = inner.rsplit_once(',')?;
    promql::is_label_name(label.trim()).then_some(selector.trim())
}

fn check_alerts_selector(
    place: &str,
    query: &str,
    selector: &promql_parser::parser::VectorSelector,
    known: &KnownSeries,
    problems: &mut Vec<String>,
) {
    use promql_parser::label::MatchOp;
    let Some(matcher) = selector
        .matchers
        .matchers
        .iter()
        .find(|matcher| matcher.name == "alertname")
    else {
        problems.push(format!(
            "{place}: `{query}` reads `ALERTS` without an `alertname` matcher"
        ));
        return;
    };
    let names: Vec<&str> = match &matcher.op {
        MatchOp::Equal => vec![matcher.value.as_str()],
        MatchOp::Re(_) => matcher.value.split('|').collect(),
        _ => {
            problems.push(format!(
                "{place}: `{query}` must name its alerts with `alertname=` or `alertname=~\"A|B\"`"
            ));
            return;
        }
    };
    for name in names {
        if !known.alerts.contains(name) {
            problems.push(format!(
                "{place}: `{query}` reads the alert `{name}`, which no generated rule defines"
            ));
        }
    }
}

/// Every `datasource` in the dashboard must be the `datasource` variable:
/// an id would tie the dashboard to one Grafana.
fn check_datasources(value: &serde_json::Value, problems: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "datasource"
                    && let Some(uid) = inner.get("uid").and_then(serde_json::Value::as_str)
                    && uid != "${datasource}"
                {
                    problems.push(format!(
                        "a data source is named by uid `{uid}`: use the `datasource` variable (`${{datasource}}`)"
                    ));
                }
                check_datasources(inner, problems);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                check_datasources(item, problems);
            }
        }
        _ => {}
    }
}
