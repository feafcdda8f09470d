//! The compiler: runs the stages in order, in memory.
//!
//! In: [`Sources`] and [`Templates`]. Out: a [`Compilation`] holding the
//! validated project, every generated file, and every diagnostic. Nothing
//! here touches the disk; when `diagnostics` holds an error, `files` is
//! empty and the caller must not write.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::analyze;
use crate::diagnostic::{self, Diagnostic};
use crate::ir::Project;
use crate::load::Sources;
use crate::plan;
use crate::render::{GeneratedFile, Renderer, Templates};
use crate::routing;
use crate::rule_tests;
use crate::runbook;
use crate::spec;
use crate::verify;

/// The result of compiling a spec directory.
#[derive(Debug, Default)]
pub struct Compilation {
    /// The validated project, when the specs are valid.
    pub project: Option<Project>,
    /// Every file to write, sorted by path; empty when there are errors.
    pub files: Vec<GeneratedFile>,
    /// Recording and alerting rules generated.
    pub rules: usize,
    /// Errors and warnings, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    /// True when anything is invalid.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and analyzes the specs: the stages `check` needs.
pub fn analyze(sources: &Sources) -> (Option<Project>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let settings =
        sources
            .settings
            .as_ref()
            .and_then(|source| match spec::parse_settings(source) {
                Ok(file) => Some((source, file)),
                Err(errors) => {
                    diagnostics.extend(errors);
                    None
                }
            });
    let settings_failed = sources.settings.is_some() && settings.is_none();
    let mut parsed = Vec::new();
    let results: Vec<_> = sources
        .services
        .par_iter()
        .map(|source| (source, spec::parse_service(source)))
        .collect();
    for (source, result) in results {
        match result {
            Ok(file) => parsed.push((source, file)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let services: Vec<(&crate::source::SourceFile, &spec::ServiceFile)> = parsed
        .iter()
        .map(|(source, file)| (*source, file))
        .collect();
    let (project, more) = analyze::analyze(
        settings.as_ref().map(|(source, file)| (*source, file)),
        &services,
    );
    diagnostics.extend(more);
    diagnostic::sort(&mut diagnostics);
    let failed = settings_failed || diagnostics.iter().any(Diagnostic::is_error);
    (project.filter(|_| !failed), diagnostics)
}

/// Choices that are not in the specs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where runbook links point when the settings name no base URL: the
    /// output directory as the user named it (relative links resolve in the
    /// repository).
    pub runbook_link_base: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            runbook_link_base: "generated/runbooks".to_owned(),
        }
    }
}

/// Renders a valid project into files and verifies them.
pub fn generate(
    project: &Project,
    templates: &Templates,
    options: &Options,
) -> Result<Generated, Vec<Diagnostic>> {
    let renderer = Renderer::new(templates);
    let base = project
        .settings
        .runbook_base_url
        .clone()
        .unwrap_or_else(|| options.runbook_link_base.clone());
    // `path` is a runbook's path in the output directory (`runbooks/...`).
    let runbook_url = |path: &str| -> Option<String> {
        Some(format!("{base}/{}", path.trim_start_matches("runbooks/")))
    };
    let verified = |result: Result<GeneratedFile, Diagnostic>| -> Result<Output, Diagnostic> {
        result.map(|file| {
            let (file, verified) = verify::verify_file(file);
            Output { file, verified }
        })
    };
    let rules = AtomicUsize::new(0);
    let plan_rule_file = |path: &str, template: &str, view: &dyn Fn() -> plan::RuleFileView| {
        // The view is dropped before its file is parsed back.
        let file = {
            let view = view();
            rules.fetch_add(view.rule_count(), Ordering::Relaxed);
            renderer.render_value(path, template, view.into_context())
        };
        verified(file)
    };
    // Every output is planned, rendered and verified on its own, beside the
    // others: the test files (the biggest), the two rule files, then
    // alertmanager.yml and the runbooks. Test files name the rule files and
    // their groups, so those references are checked once all are known.
    let (tests, (recording, (alerts, others))) = rayon::join(
        || test_outputs(project, &renderer),
        || {
            rayon::join(
                || {
                    plan_rule_file("recording-rules.yml", "recording-rules.yml.j2", &|| {
                        plan::recording_rules(project)
                    })
                },
                || {
                    rayon::join(
                        || {
                            plan_rule_file("alert-rules.yml", "alert-rules.yml.j2", &|| {
                                plan::alert_rules(project, &runbook_url)
                            })
                        },
                        || {
                            let mut others = vec![verified(renderer.render(
                                "alertmanager.yml",
                                "alertmanager.yml.j2",
                                &routing::alertmanager(project),
                            ))];
                            others.par_extend(runbook::runbooks(project).par_iter().map(|page| {
                                renderer.render(&page.path, "runbook.md.j2", page).map(
                                    |mut file| {
                                        file.contents = runbook::seal(&file.contents);
                                        Output::unchecked(file)
                                    },
                                )
                            }));
                            others
                        },
                    )
                },
            )
        },
    );
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut groups = BTreeMap::new();
    for result in [recording, alerts].into_iter().chain(others) {
        match result {
            Ok(output) if output.verified.problems.is_empty() => {
                if let Some(names) = output.verified.groups {
                    groups.insert(output.file.path.clone(), names);
                }
                files.push(output.file);
            }
            Ok(output) => errors.extend(output.verified.problems),
            Err(error) => errors.push(error),
        }
    }
    let rules_valid = errors.is_empty();
    for result in tests {
        match result {
            Ok((file, mut problems, references)) => {
                // A broken rule file would make every reference look wrong.
                if rules_valid {
                    problems.extend(verify::check_test_references(
                        &file.path,
                        &references,
                        &groups,
                    ));
                }
                errors.extend(problems.into_iter().map(|message| {
                    Diagnostic::general(crate::diagnostic::Problem::GeneratedInvalid {
                        file: file.path.clone(),
                        message,
                    })
                }));
                files.push(file);
            }
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    files.sort_by(|left, right| left.path.cmp(&right.path));
    Ok(Generated {
        files,
        rules: rules.into_inner(),
    })
}

/// A rendered file and what verifying it found.
struct Output {
    file: GeneratedFile,
    verified: verify::Verified,
}

impl Output {
    fn unchecked(file: GeneratedFile) -> Self {
        Self {
            file,
            verified: verify::Verified::default(),
        }
    }
}

/// A rendered test file, the problems of its text, and what it names.
type TestOutput = Result<(GeneratedFile, Vec<String>, verify::TestReferences), Diagnostic>;

/// Plans, renders and checks every test file, in parallel.
fn test_outputs(project: &Project, renderer: &Renderer<'_>) -> Vec<TestOutput> {
    rule_tests::test_files(project)
        .into_par_iter()
        .map(|view| {
            let path = view.path.clone();
            let file = renderer.render_value(&path, "rule-tests.yml.j2", view.into_context())?;
            let (problems, references) = verify::check_test_text(&file.contents);
            Ok((file, problems, references))
        })
        .collect()
}

/// What [`generate`] produced.
#[derive(Debug, Default)]
pub struct Generated {
    /// Every file, sorted by path.
    pub files: Vec<GeneratedFile>,
    /// Recording and alerting rules in the rule files.
    pub rules: usize,
}

/// Runs every stage.
pub fn compile(sources: &Sources, templates: &Templates, options: &Options) -> Compilation {
    let (project, mut diagnostics) = analyze(sources);
    let Some(project) = project else {
        return Compilation {
            project: None,
            files: Vec::new(),
            rules: 0,
            diagnostics,
        };
    };
    match generate(&project, templates, options) {
        Ok(generated) => Compilation {
            project: Some(project),
            files: generated.files,
            rules: generated.rules,
            diagnostics,
        },
        Err(errors) => {
            diagnostics.extend(errors);
            Compilation {
                project: Some(project),
                files: Vec::new(),
                rules: 0,
                diagnostics,
            }
        }
    }
}
