//! The compiler: runs the stages in order, in memory.
//!
//! In: [`Sources`] and [`Templates`]. Out: a [`Compilation`] holding the
//! validated project, every generated file, and every diagnostic. Nothing
//! here touches the disk; when `diagnostics` holds an error, `files` is
//! empty and the caller must not write.

use crate::analyze;
use crate::diagnostic::{self, Diagnostic};
use crate::ir::Project;
use crate::load::Sources;
use crate::plan;
use crate::render::{GeneratedFile, Renderer, Templates};
use crate::rule_tests;
use crate::spec;
use crate::verify;

/// The result of compiling a spec directory.
#[derive(Debug, Default)]
pub struct Compilation {
    /// The validated project, when the specs are valid.
    pub project: Option<Project>,
    /// Every file to write, sorted by path; empty when there are errors.
    pub files: Vec<GeneratedFile>,
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
    for source in &sources.services {
        match spec::parse_service(source) {
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

/// Renders a valid project into files and verifies them.
pub fn generate(
    project: &Project,
    templates: &Templates,
) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let renderer = Renderer::new(templates);
    let runbook_url = |_: &crate::ir::Service, _: &str| -> Option<String> { None };
    let outputs = [
        (
            "recording-rules.yml",
            "recording-rules.yml.j2",
            plan::recording_rules(project),
        ),
        (
            "alert-rules.yml",
            "alert-rules.yml.j2",
            plan::alert_rules(project, &runbook_url),
        ),
    ];
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (path, template, view) in &outputs {
        match renderer.render(path, template, view) {
            Ok(file) => files.push(file),
            Err(error) => errors.push(error),
        }
    }
    for view in rule_tests::test_files(project) {
        match renderer.render(&view.path, "rule-tests.yml.j2", &view) {
            Ok(file) => files.push(file),
            Err(error) => errors.push(error),
        }
    }
    errors.extend(verify::verify(&files));
    if !errors.is_empty() {
        return Err(errors);
    }
    files.sort_by(|left, right| left.path.cmp(&right.path));
    Ok(files)
}

/// Runs every stage.
pub fn compile(sources: &Sources, templates: &Templates) -> Compilation {
    let (project, mut diagnostics) = analyze(sources);
    let Some(project) = project else {
        return Compilation {
            project: None,
            files: Vec::new(),
            diagnostics,
        };
    };
    match generate(&project, templates) {
        Ok(files) => Compilation {
            project: Some(project),
            files,
            diagnostics,
        },
        Err(errors) => {
            diagnostics.extend(errors);
            Compilation {
                project: Some(project),
                files: Vec::new(),
                diagnostics,
            }
        }
    }
}
