//! The generated Grafana dashboards, judged from the outside: Grafana's
//! published dashboard schema (the `Dashboard` type of the npm package
//! `@grafana/schema`, made a JSON Schema by `.ci/grafana/install`) checked
//! by check-jsonschema, and every panel query held to the series the
//! generated rule files record, read back from those files.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use crate::harness::{Project, check_jsonschema, repository, tool_available};

/// Every case's and the repository's specs, each built into `out/`.
fn built_projects() -> Vec<(String, Project)> {
    let mut names: Vec<String> = fs::read_dir(repository().join("tests/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut projects: Vec<(String, Project)> = names
        .into_iter()
        .map(|name| {
            let project = Project::copy_of(&repository().join("tests/cases").join(&name));
            (name, project)
        })
        .collect();
    let repo = Project::new();
    crate::harness::copy_tree(&repository().join("slo"), &repo.path().join("slo"));
    projects.push(("slo/".to_owned(), repo));
    for (name, project) in &projects {
        let run = project.slogen(&["build", "--verify", "--slo", "slo", "--out", "out"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
    projects
}

fn dashboards(project: &Project) -> Vec<PathBuf> {
    project
        .files_under("out/dashboards")
        .into_iter()
        .map(|file| project.path().join("out/dashboards").join(file))
        .collect()
}

/// The schema `.ci/grafana/install` writes; `None` (a skip) outside CI
/// when it has not been run.
fn grafana_schema() -> Option<PathBuf> {
    let schema = repository().join(".ci/grafana/dashboard.schema.json");
    if schema.is_file() {
        return Some(schema);
    }
    let in_ci = std::env::var("CI")
        .is_ok_and(|value| !value.is_empty() && value != "false" && value != "0");
    assert!(
        !in_ci,
        "{} is required in CI; run .ci/grafana/install (see .ci/run)",
        schema.display()
    );
    eprintln!("skipping: run .ci/grafana/install to judge dashboards against Grafana's schema");
    None
}

#[test]
fn every_dashboard_passes_grafanas_published_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    let Some(schema) = grafana_schema() else {
        return;
    };
    let projects = built_projects();
    let mut files = Vec::new();
    for (name, project) in &projects {
        let found = dashboards(project);
        // One per service and the overview.
        let services = fs::read_dir(project.path().join("slo"))
            .unwrap()
            .filter(|entry| {
                let name = entry.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name.ends_with(".toml") && name != "slogen.toml"
            })
            .count();
        assert_eq!(found.len(), services + 1, "{name}: {found:?}");
        files.extend(found);
    }
    let (valid, output) = check_jsonschema(&schema, &files);
    assert!(valid, "{output}");
}

/// A change that makes a valid dashboard invalid.
type Mutation = fn(&mut serde_json::Value);

#[test]
fn every_panels_options_pass_its_plugins_published_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    let Some(schema) = grafana_schema() else {
        return;
    };
    let panels = schema.parent().unwrap().join("panels");
    let work = Project::new();
    // (schema file, the objects it judges), one check-jsonschema run each.
    let mut judged: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for (name, project) in built_projects() {
        for file in dashboards(&project) {
            let dashboard: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            for panel in dashboard["panels"].as_array().unwrap() {
                let kind = panel["type"].as_str().unwrap();
                if kind == "row" {
                    continue;
                }
                let mut parts = vec![("options", panel["options"].clone())];
                if ["timeseries", "state-timeline"].contains(&kind) {
                    let custom = match &panel["fieldConfig"]["defaults"]["custom"] {
                        serde_json::Value::Null => serde_json::json!({}),
                        custom => custom.clone(),
                    };
                    parts.push(("custom", custom));
                }
                for (part, value) in parts {
                    let schema = format!("{kind}.{part}.json");
                    assert!(
                        panels.join(&schema).is_file(),
                        "{name}: no published schema for the {kind} panel's {part}: add it to .ci/grafana/install"
                    );
                    let entries = judged.entry(schema).or_default();
                    let path = work
                        .path()
                        .join(format!("{kind}-{part}-{}.json", entries.len()));
                    fs::write(&path, value.to_string()).unwrap();
                    entries.push(path);
                }
            }
        }
    }
    assert!(judged.len() >= 7, "{:?}", judged.keys());
    for (schema, files) in judged {
        let (valid, output) = check_jsonschema(&panels.join(&schema), &files);
        assert!(valid, "{schema}: {output}");
    }
    // The panel schemas can fail: a misspelt option is refused.
    let bad = work.path().join("bad.json");
    fs::write(&bad, r#"{"legend": {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": true}, "tooltip": {"mode": "multi", "sort": "none"}, "legendd": 1}"#).unwrap();
    assert!(!check_jsonschema(&panels.join("timeseries.options.json"), &[bad]).0);
}

#[test]
fn grafanas_schema_rejects_a_dashboard_with_an_unknown_key_or_a_wrong_type() {
    if !tool_available("check-jsonschema") {
        return;
    }
    let Some(schema) = grafana_schema() else {
        return;
    };
    let project = Project::copy_of(&repository().join("tests/cases/grouped"));
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let good = &dashboards(&project)[0];
    let text = fs::read_to_string(good).unwrap();
    let mutations: [(&str, Mutation); 4] = [
        ("an unknown top-level key", |dashboard| {
            dashboard["titel"] = "x".into();
        }),
        ("a grid position as a string", |dashboard| {
            dashboard["panels"][1]["gridPos"]["w"] = "12".into();
        }),
        ("an unknown thresholds mode", |dashboard| {
            dashboard["panels"][1]["fieldConfig"]["defaults"]["thresholds"]["mode"] =
                "relative".into();
        }),
        ("a variable with an unknown key", |dashboard| {
            dashboard["templating"]["list"][0]["datasourceId"] = 3.into();
        }),
    ];
    for (what, mutate) in mutations {
        let mut dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
        mutate(&mut dashboard);
        let bad = project.path().join("bad.json");
        fs::write(&bad, serde_json::to_string(&dashboard).unwrap()).unwrap();
        let (valid, _) = check_jsonschema(&schema, &[bad]);
        assert!(!valid, "the schema accepted {what}");
    }
}

/// Names recorded and alerts defined by every rule file of a build, read
/// from the files (wherever the rules live, tests aside).
fn recorded(project: &Project) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut records = BTreeSet::new();
    let mut alerts = BTreeSet::new();
    for file in project.files_under("out") {
        if !file.ends_with(".yml") || file.starts_with("tests/") || file == "alertmanager.yml" {
            continue;
        }
        let text = project.read(&format!("out/{file}"));
        let rules: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        for group in rules["groups"].as_array().into_iter().flatten() {
            for rule in group["rules"].as_array().into_iter().flatten() {
                if let Some(name) = rule["record"].as_str() {
                    records.insert(name.to_owned());
                }
                if let Some(name) = rule["alert"].as_str() {
                    alerts.insert(name.to_owned());
                }
            }
        }
    }
    (records, alerts)
}

/// Every query of a dashboard (panel targets, and the selectors of
/// `label_values` variables), Grafana's interval variables filled in.
fn queries(dashboard: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            found.push(target["expr"].as_str().unwrap().to_owned());
        }
        assert!(
            panel["panels"].as_array().is_none_or(Vec::is_empty),
            "nested panels are not expected"
        );
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "query" {
            let query = variable["query"].as_str().unwrap();
            let inner = query
                .strip_prefix("label_values(")
                .and_then(|rest| rest.rsplit_once(','))
                .unwrap()
                .0;
            found.push(inner.to_owned());
        }
    }
    found
        .into_iter()
        .map(|query| query.replace("$__rate_interval", "5m"))
        .collect()
}

/// The metric names and `ALERTS` alert names a query reads.
fn reads(query: &str) -> (Vec<String>, Vec<String>) {
    use promql_parser::parser::Expr;
    let expr = promql_parser::parser::parse(query)
        .unwrap_or_else(|error| panic!("`{query}` does not parse: {error}"));
    let mut metrics = Vec::new();
    let mut alerts = Vec::new();
    slogen::internals::walk(&expr, &mut |node| {
        let selector = match node {
            Expr::VectorSelector(selector) => selector,
            Expr::MatrixSelector(matrix) => &matrix.vs,
            _ => return,
        };
        let name = selector
            .name
            .clone()
            .unwrap_or_else(|| panic!("`{query}` selects without a metric name"));
        if name == "ALERTS" {
            let matcher = selector
                .matchers
                .matchers
                .iter()
                .find(|matcher| matcher.name == "alertname")
                .unwrap_or_else(|| panic!("`{query}` reads ALERTS of any alert"));
            alerts.extend(matcher.value.split('|').map(str::to_owned));
        } else {
            metrics.push(name);
        }
    });
    (metrics, alerts)
}

#[test]
fn every_panel_reads_only_series_the_generated_rules_record() {
    for (name, project) in built_projects() {
        let (records, defined) = recorded(&project);
        assert!(!records.is_empty(), "{name}: no recording rules");
        for file in dashboards(&project) {
            let dashboard: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            for query in queries(&dashboard) {
                let (metrics, alerts) = reads(&query);
                for metric in metrics {
                    assert!(
                        records.contains(&metric),
                        "{name}: {}: `{query}` reads `{metric}`, which no generated rule records",
                        file.display()
                    );
                }
                for alert in alerts {
                    assert!(
                        defined.contains(&alert),
                        "{name}: {}: `{query}` reads the alert `{alert}`, which no generated rule defines",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn every_dashboard_names_its_data_source_through_the_variable_and_keeps_its_uid() {
    for (name, project) in built_projects() {
        let mut uids = BTreeSet::new();
        for file in dashboards(&project) {
            let text = fs::read_to_string(&file).unwrap();
            let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
            let uid = dashboard["uid"].as_str().unwrap().to_owned();
            assert!(uid.len() <= 40, "{name}: uid {uid} is too long for Grafana");
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let expected = if stem == "_overview" {
                "slogen_overview".to_owned()
            } else {
                format!("slogen-{stem}")
            };
            assert_eq!(uid, expected, "{name}");
            assert!(uids.insert(uid), "{name}: duplicate uid");
            assert_eq!(
                dashboard["id"],
                serde_json::Value::Null,
                "{name}: an instance id"
            );
            let variables = dashboard["templating"]["list"].as_array().unwrap();
            assert_eq!(variables[0]["name"], "datasource");
            assert_eq!(variables[0]["type"], "datasource");
            for panel in dashboard["panels"].as_array().unwrap() {
                if panel["type"] != "row" {
                    assert_eq!(panel["datasource"]["uid"], "${datasource}", "{name}");
                }
            }
        }
    }
}

#[test]
fn a_dashboard_template_reading_a_series_nobody_records_fails_the_build() {
    let project = Project::copy_of(&repository().join("tests/cases/grouped"));
    let panel = |expr: &str| {
        format!(
            r#"{{"uid": "x", "title": "x", "panels": [{{"type": "stat", "datasource": {{"uid": "${{datasource}}"}}, "targets": [{{"expr": {}}}]}}]}}"#,
            serde_json::to_string(expr).unwrap()
        )
    };
    for (expr, expected) in [
        (
            "slo:sli_eror:ratio_rate5m",
            "reads `slo:sli_eror:ratio_rate5m`, which no generated rule records and no spec query reads",
        ),
        (
            r#"ALERTS{alertname="NoSuchAlert"}"#,
            "reads the alert `NoSuchAlert`, which no generated rule defines",
        ),
        ("sum(rate(x[5m]", "does not parse"),
    ] {
        project.file("templates/dashboard.json.j2", &panel(expr));
        let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
        assert_eq!(run.code, 1, "{expr}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{expr}: {}", run.stderr);
        assert!(!project.exists("out"), "{expr}: something was written");
    }
    project.file(
        "templates/dashboard.json.j2",
        r#"{"uid": "x", "title": "x", "panels": [{"type": "stat", "datasource": {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}, "targets": []}]}"#,
    );
    let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a data source is named by uid `P1809F7CD0C75ACF3`"),
        "{}",
        run.stderr
    );
}

#[test]
fn dashboards_are_byte_stable() {
    let project = Project::copy_of(&repository().join("tests/cases/grouped"));
    let build = || {
        let run = project.slogen(&["build", "--slo", "slo", "--out", "out"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let files: Vec<(String, String)> = project
            .files_under("out/dashboards")
            .into_iter()
            .map(|file| {
                let text = project.read(&format!("out/dashboards/{file}"));
                (file, text)
            })
            .collect();
        fs::remove_dir_all(project.path().join("out")).unwrap();
        files
    };
    let first = build();
    assert!(!first.is_empty());
    assert_eq!(first, build());
}

#[test]
fn the_series_dashboards_may_read_are_those_the_rules_record() {
    // `plan::recorded_series` is what `verify` holds an overridden
    // dashboard to; the rule files are what Prometheus records.
    for (name, project) in built_projects() {
        let sources = slogen::spec_directory(&project.path().join("slo"), None).unwrap();
        let (analyzed, _) = slogen::internals::parse_and_analyze(&sources);
        let analyzed = analyzed.unwrap();
        let planned: BTreeSet<String> = analyzed
            .slos()
            .flat_map(|(_, slo)| slogen::internals::recorded_series(&analyzed.settings, slo))
            .collect();
        let (records, _) = recorded(&project);
        assert_eq!(planned, records, "{name}");
    }
}
