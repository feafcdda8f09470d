//! `slogen test`: the promtool tests of a project, generated and run.
//!
//! In: a valid [`Project`], the templates, `SERVICE[/SLO]` filters, a
//! promtool, and a directory to work in. Out: a [`Report`], PASS, FAIL or
//! SKIP for each SLO and for each service's plain alerts, with promtool's
//! complaints under each failure.
//!
//! The tests are derived artifacts: they are generated here, from the specs
//! as they are now, not read from the output directory. The selected
//! project is split into parts of whole services (a service with more SLOs
//! than a part holds is split by SLOs), and each part is compiled on its own
//! into `DIR/part-N/`: its rule files and its `tests/`. promtool evaluates
//! every rule of the rule files at every step of a test, so a part's tests
//! cost its share of the rules, and the parts' files run side by side, one
//! promtool per core.
//!
//! A plain alert is tested with the rules of its own service's part; one
//! whose query reads what an SLO of another part records is tested without
//! those rules (keep it in its service, or test that service alone).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::compile::{self, Options};
use crate::diagnostic::Diagnostic;
use crate::explain::NoMatch;
use crate::ir::{Project, Service};
use crate::promtool::{self, Unavailable};
use crate::render::Templates;
use crate::rule_tests;

/// How a run went, one line per SLO and per service's plain alerts.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Report {
    /// In output order.
    pub results: Vec<Proven>,
    /// Results that passed.
    pub passed: usize,
    /// Results that failed.
    pub failed: usize,
    /// Results with nothing to test.
    pub skipped: usize,
    /// Test files promtool ran.
    pub files: usize,
    /// Parts the project was split into.
    pub parts: usize,
}

/// The verdict on one SLO or one service's plain alerts.
#[derive(Debug, Serialize)]
pub(crate) struct Proven {
    /// `service/slo`, or `service: plain alerts`.
    pub name: String,
    /// `pass`, `fail` or `skip`.
    pub status: Status,
    /// promtool's complaints (failures), or why nothing was tested (skips).
    pub details: Vec<String>,
}

/// A verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Every check held.
    Pass,
    /// promtool found a check that did not hold.
    Fail,
    /// Nothing to test.
    Skip,
}

/// Why a run could not finish.
#[derive(Debug)]
pub(crate) enum RunError {
    /// promtool is missing or broken.
    Promtool(Unavailable),
    /// The tests could not be generated (a template failed) or written.
    Generate(Vec<Diagnostic>),
}

/// The SLOs and plain alerts the filters name (`service` or
/// `service/slo`; everything when there are none). A filter that names
/// nothing is an error, with a suggestion.
pub(crate) fn select(project: &Project, filters: &[String]) -> Result<Project, NoMatch> {
    if filters.is_empty() {
        return Ok(project.clone());
    }
    let parsed: Vec<(&str, Option<&str>)> = filters
        .iter()
        .map(|filter| match filter.split_once('/') {
            Some((service, slo)) => (service, Some(slo)),
            None => (filter.as_str(), None),
        })
        .collect();
    for (filter, (service, slo)) in filters.iter().zip(&parsed) {
        let matches = project.services.iter().any(|candidate| {
            candidate.name == *service
                && slo.is_none_or(|slo| candidate.slos.iter().any(|known| known.name == slo))
        });
        if !matches {
            let names: Vec<String> = project
                .slos()
                .map(|(service, slo)| format!("{}/{}", service.name, slo.name))
                .chain(project.services.iter().map(|service| service.name.clone()))
                .collect();
            return Err(NoMatch {
                filter: filter.clone(),
                suggestion: crate::diagnostic::suggest(filter, names.iter().map(String::as_str)),
            });
        }
    }
    let mut selected = project.clone();
    selected.services.retain_mut(|service| {
        let named: Vec<Option<&str>> = parsed
            .iter()
            .filter(|(name, _)| *name == service.name)
            .map(|(_, slo)| *slo)
            .collect();
        if named.is_empty() {
            return false;
        }
        // A whole service keeps its plain alerts; `service/slo` only the SLO.
        if !named.contains(&None) {
            service
                .slos
                .retain(|slo| named.contains(&Some(slo.name.as_str())));
            service.alerts.clear();
        }
        true
    });
    Ok(selected)
}

/// Splits a project into at most `count` parts of about as many SLOs each,
/// keeping services whole where they fit.
pub(crate) fn parts(project: &Project, count: usize) -> Vec<Project> {
    let total: usize = project
        .services
        .iter()
        .map(|service| service.slos.len().max(1))
        .sum();
    let size = total.div_ceil(count.max(1)).max(1);
    let mut parts: Vec<Vec<Service>> = vec![Vec::new()];
    let mut filled = 0;
    for service in &project.services {
        let weight = service.slos.len().max(1);
        if filled > 0 && filled + weight > size {
            parts.push(Vec::new());
            filled = 0;
        }
        if weight <= size {
            if let Some(part) = parts.last_mut() {
                part.push(service.clone());
            }
            filled += weight;
            continue;
        }
        // A service bigger than a part: its SLOs in slices, its plain
        // alerts with the first.
        for (index, slice) in service.slos.chunks(size).enumerate() {
            if filled > 0 {
                parts.push(Vec::new());
            }
            let mut piece = service.clone();
            piece.slos = slice.to_vec();
            if index > 0 {
                piece.alerts.clear();
            }
            filled = slice.len();
            if let Some(part) = parts.last_mut() {
                part.push(piece);
            }
        }
    }
    parts
        .into_iter()
        .filter(|services| !services.is_empty())
        .map(|services| Project {
            settings: project.settings.clone(),
            services,
        })
        .collect()
}

/// Generates the tests of `project` into `dir` (in parts, see the module
/// header) and runs promtool on them, `jobs` at a time.
pub(crate) fn run(
    project: &Project,
    templates: &Templates,
    program: &str,
    dir: &Path,
    jobs: usize,
) -> Result<Report, RunError> {
    // More parts than cores keeps every core busy when parts differ.
    let parts = parts(project, jobs.max(1) * 2);
    let options = Options {
        runbook_link_base: "runbooks".to_owned(),
        tests: Some(true),
        verify: false,
    };
    let mut files: Vec<(usize, PathBuf)> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let part_dir = dir.join(format!("part-{}", index + 1));
        let generated =
            compile::generate(&Arc::new(part.clone()), templates, &options, &compile::Keep)
                .map_err(RunError::Generate)?;
        for file in generated.files {
            // Runbooks and routing play no part in the tests.
            if !file.path.ends_with(".yml") || file.path == "alertmanager.yml" {
                continue;
            }
            let path = part_dir.join(&file.path);
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, &file.contents));
            if let Err(error) = written {
                let problem = crate::diagnostic::Problem::Io {
                    path: path.clone(),
                    error: error.to_string(),
                };
                return Err(RunError::Generate(vec![Diagnostic::general(problem)]));
            }
            if file.path.starts_with("tests/") {
                files.push((index, path));
            }
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|error| RunError::Promtool(Unavailable::Broken(error.to_string())))?;
    let outcomes: Vec<Result<promtool::Outcome, Unavailable>> = pool.install(|| {
        files
            .par_iter()
            .map(|(_, path)| promtool::test_rules(program, path))
            .collect()
    });
    let mut by_part: Vec<BTreeMap<String, promtool::Outcome>> = vec![BTreeMap::new(); parts.len()];
    for ((index, path), outcome) in files.iter().zip(outcomes) {
        let outcome = outcome.map_err(RunError::Promtool)?;
        let relative = path
            .strip_prefix(dir.join(format!("part-{}", index + 1)))
            .map(|relative| relative.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        by_part[*index].insert(relative, outcome);
    }
    let mut report = Report {
        files: files.len(),
        parts: parts.len(),
        ..Report::default()
    };
    for (part, outcomes) in parts.iter().zip(&by_part) {
        attribute(part, outcomes, &mut report);
    }
    // In the order of the whole project, however it was split.
    let order: BTreeMap<String, usize> = rule_tests::coverage(project)
        .into_iter()
        .enumerate()
        .map(|(index, covered)| (covered.name, index))
        .collect();
    report
        .results
        .sort_by_key(|result| order.get(&result.name).copied().unwrap_or(usize::MAX));
    Ok(report)
}

/// Gives each failure of a part's files to the SLOs or plain alerts it
/// names; a failure that names none counts against everything in its file.
fn attribute(
    project: &Project,
    outcomes: &BTreeMap<String, promtool::Outcome>,
    report: &mut Report,
) {
    let coverage = rule_tests::coverage(project);
    for item in &coverage {
        if let Some(reason) = &item.skipped {
            report.skipped += 1;
            report.results.push(Proven {
                name: item.name.clone(),
                status: Status::Skip,
                details: vec![reason.clone()],
            });
            continue;
        }
        let mut problems: Vec<String> = Vec::new();
        for path in &item.files {
            let Some(outcome) = outcomes.get(path) else {
                continue;
            };
            let others: Vec<&rule_tests::Covered> = coverage
                .iter()
                .filter(|other| other.files.contains(path))
                .collect();
            for failure in &outcome.failures {
                let names_it = |covered: &rule_tests::Covered| {
                    covered
                        .markers
                        .iter()
                        .any(|marker| marker.iter().all(|text| failure.contains(text.as_str())))
                };
                if names_it(item) || !others.iter().any(|other| names_it(other)) {
                    problems.push(failure.clone());
                }
            }
            if !outcome.passed && outcome.failures.is_empty() {
                problems.push("promtool failed without saying why".to_owned());
            }
        }
        let status = if problems.is_empty() {
            report.passed += 1;
            Status::Pass
        } else {
            report.failed += 1;
            Status::Fail
        };
        report.results.push(Proven {
            name: item.name.clone(),
            status,
            details: problems,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Sources;
    use crate::source::SourceFile;

    fn project(services: &[(&str, usize, bool)]) -> Project {
        let files: Vec<SourceFile> = services
            .iter()
            .map(|(name, slos, alert)| {
                let mut text = format!("[service]\nname = \"{name}\"\nteam = \"t\"\n");
                for index in 0..*slos {
                    text.push_str(&format!(
                        "[[slo]]\nname = \"s{index}\"\nobjective = 99\n[slo.sli.ratio]\nerrors = 'sum(rate(e[{{{{window}}}}]))'\ntotal = 'sum(rate(t[{{{{window}}}}]))'\n"
                    ));
                }
                if *alert {
                    text.push_str(&format!("[[alert]]\nname = \"{name}Down\"\nexpr = 'up == 0'\nseverity = \"page\"\nsummary = \"down\"\n"));
                }
                SourceFile::new(format!("slo/{name}.toml"), text)
            })
            .collect();
        let sources = Sources {
            services: files,
            ..Sources::default()
        };
        let (project, diagnostics) = compile::parse_and_analyze(&sources);
        project.unwrap_or_else(|| panic!("{diagnostics:?}"))
    }

    fn shape(parts: &[Project]) -> Vec<Vec<(String, usize, usize)>> {
        parts
            .iter()
            .map(|part| {
                part.services
                    .iter()
                    .map(|service| {
                        (
                            service.name.clone(),
                            service.slos.len(),
                            service.alerts.len(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    /// SLOs may share an alert name: a failure is given to the SLO whose
    /// service and SLO labels it names, not to every SLO of the name.
    #[test]
    fn a_failure_under_a_shared_alert_name_fails_only_its_slo() {
        let slo = |name: &str| {
            format!(
                "[[slo]]\nname = \"{name}\"\nobjective = 99\n[slo.sli.ratio]\nerrors = 'sum(rate(e[{{{{window}}}}]))'\ntotal = 'sum(rate(t[{{{{window}}}}]))'\n[slo.alerting]\nname = \"SLOBurnRateHigh\"\n"
            )
        };
        let service = |name: &str, slos: &[&str]| {
            let text = format!("[service]\nname = \"{name}\"\nteam = \"t\"\n")
                + &slos.iter().map(|name| slo(name)).collect::<String>();
            SourceFile::new(format!("slo/{name}.toml"), text)
        };
        let sources = Sources {
            services: vec![service("a", &["s0", "s1"]), service("b", &["s0"])],
            ..Sources::default()
        };
        let (project, diagnostics) = compile::parse_and_analyze(&sources);
        let project = project.unwrap_or_else(|| panic!("{diagnostics:?}"));
        let failure = r#"expr: "ALERTS{alertname=\"SLOBurnRateHigh\",alertstate=\"firing\",slogen_long_window=\"1h\",slogen_service=\"a\",slogen_short_window=\"5m\",slogen_slo=\"s1\"}", time: 6h6m,"#;
        let outcomes = BTreeMap::from([(
            crate::names::OUTAGES_FILE.to_owned(),
            promtool::Outcome {
                passed: false,
                failures: vec![failure.to_owned()],
            },
        )]);
        let mut report = Report::default();
        attribute(&project, &outcomes, &mut report);
        let statuses: Vec<(&str, Status)> = report
            .results
            .iter()
            .map(|result| (result.name.as_str(), result.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a/s0", Status::Pass),
                ("a/s1", Status::Fail),
                ("b/s0", Status::Pass)
            ]
        );
    }

    #[test]
    fn parts_keep_services_whole_where_they_fit() {
        let project = project(&[
            ("a", 2, true),
            ("b", 2, false),
            ("c", 5, true),
            ("d", 0, true),
        ]);
        let split = parts(&project, 4);
        assert_eq!(
            shape(&split),
            [
                vec![("a".to_owned(), 2, 1)],
                vec![("b".to_owned(), 2, 0)],
                vec![("c".to_owned(), 3, 1)],
                vec![("c".to_owned(), 2, 0), ("d".to_owned(), 0, 1)],
            ]
        );
        let every_slo: usize = split
            .iter()
            .flat_map(|part| &part.services)
            .map(|service| service.slos.len())
            .sum();
        assert_eq!(every_slo, 9);
        assert_eq!(shape(&parts(&project, 1)).len(), 1);
    }

    #[test]
    fn filters_select_services_and_slos() {
        let project = project(&[("a", 2, true), ("b", 2, true)]);
        let selected = select(&project, &["a".to_owned(), "b/s1".to_owned()]).unwrap();
        assert_eq!(
            shape(&[selected]),
            [vec![("a".to_owned(), 2, 1), ("b".to_owned(), 1, 0)]]
        );
        let missing = select(&project, &["b/s7".to_owned()]).unwrap_err();
        assert_eq!(missing.filter, "b/s7");
        assert!(missing.suggestion.is_some());
    }
}
