//! The compiler: runs the stages in order, in memory.
//!
//! In: [`Sources`] and [`Templates`]. Out: a [`Compilation`] holding the
//! validated project, every generated file, and every diagnostic. Nothing
//! here touches the disk; when `diagnostics` holds an error, `files` is
//! empty and the caller must not write.
//!
//! Each file goes to a [`Sink`] as soon as it is verified: [`Keep`] holds
//! it in [`Compilation::files`]; a build's sink stages it on disk instead
//! (`write::Stage`), so the output of a large project is never all in
//! memory at once. A sink must not publish anything before the whole
//! compilation has succeeded.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::analyze;
use crate::catalog;
use crate::dashboard;
use crate::diagnostic::{self, Diagnostic, Problem};
use crate::ir::{Project, Service, Target, TargetKind};
use crate::load::Sources;
use crate::names;
use crate::native;
use crate::plan;
use crate::render::{GeneratedFile, Renderer, Templates};
use crate::routing;
use crate::rule_tests;
use crate::runbook;
use crate::spec;
use crate::verify;

/// Where each verified file goes.
pub(crate) trait Sink: Sync {
    /// Takes a file that passed verification; what it gives back is kept
    /// in [`Compilation::files`].
    fn accept(&self, file: GeneratedFile) -> Option<GeneratedFile>;
}

/// Keeps every file in memory.
pub(crate) struct Keep;

impl Sink for Keep {
    fn accept(&self, file: GeneratedFile) -> Option<GeneratedFile> {
        Some(file)
    }
}

/// The result of compiling a spec directory.
#[derive(Debug, Default)]
pub struct Compilation {
    /// The validated project, when the specs are valid.
    pub project: Option<Arc<Project>>,
    /// Every file the sink kept, sorted by path; empty when there are
    /// errors.
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
pub fn parse_and_analyze(sources: &Sources) -> (Option<Project>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let settings = sources.settings.as_ref().and_then(|source| {
        let parsed = spec::parse_settings(source);
        diagnostics.extend(parsed.diagnostics);
        parsed.file.map(|file| (source, file))
    });
    let settings_failed = sources.settings.is_some() && settings.is_none();
    let mut parsed = Vec::new();
    let results: Vec<_> = sources
        .services
        .par_iter()
        .map(|source| (source, spec::parse_service(source)))
        .collect();
    for (source, result) in results {
        diagnostics.extend(result.diagnostics);
        if let Some(file) = result.file {
            parsed.push((source, file));
        }
    }
    let services: Vec<(&crate::source::SourceFile, &spec::ServiceFile)> = parsed
        .iter()
        .map(|(source, file)| (*source, file))
        .collect();
    let (project, more) = analyze::analyze(
        settings.as_ref().map(|(source, file)| (*source, file)),
        &services,
        services.len() == sources.services.len(),
    );
    diagnostics.extend(more);
    let failed = settings_failed || diagnostics.iter().any(Diagnostic::is_error);
    let project = project.filter(|_| !failed);
    // Advice for a project that builds; beside errors it is noise.
    if let Some(project) = &project
        && project.settings.runbook_base_url.is_none()
        && project
            .services
            .iter()
            .any(|service| !service.alerts.is_empty() || !service.slos.is_empty())
    {
        diagnostics.push(Diagnostic::general(Problem::RunbookLinksRelative));
    }
    diagnostic::sort(&mut diagnostics);
    (project, diagnostics)
}

/// Choices that are not in the specs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where runbook links point when the settings name no base URL: the
    /// output directory as the user named it (relative links resolve in the
    /// repository).
    pub runbook_link_base: String,
    /// Generate the promtool tests: `None` as the settings say
    /// (`[build] tests`), `Some` regardless of them.
    pub tests: Option<bool>,
    /// Parse back every generated file, not only those of templates the
    /// user overrides (`--verify`).
    pub verify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            runbook_link_base: "generated/runbooks".to_owned(),
            tests: None,
            verify: false,
        }
    }
}

/// Renders a valid project into files, verifies them, and hands each one
/// that passes to the sink.
pub(crate) fn generate(
    project: &Arc<Project>,
    templates: &Templates,
    options: &Options,
    sink: &dyn Sink,
) -> Result<Generated, Vec<Diagnostic>> {
    let renderer = Renderer::new(templates);
    let base = project
        .settings
        .runbook_base_url
        .clone()
        .unwrap_or_else(|| options.runbook_link_base.clone());
    // `path` is a runbook's path in the output directory (`runbooks/...`).
    let runbook_url: plan::RunbookUrl = Arc::new(move |path: &str| -> Option<String> {
        Some(format!("{base}/{}", path.trim_start_matches("runbooks/")))
    });
    // The output of the embedded templates is proven by slogen's own tests;
    // a template the user overrides can write anything, so what it wrote
    // is parsed back. Test files name the rule files' groups: when either
    // side comes from the user, every rule file is parsed back to check
    // those names.
    let overridden = |template: &str| templates.overrides.contains_key(template);
    let write_tests = options.tests.unwrap_or(project.settings.write_tests);
    let read_tests = write_tests && (options.verify || overridden("rule-tests.yml.j2"));
    let read_rules = options.verify || read_tests || overridden("rules.yml.j2");
    // The tests load plain rule files: `slogen test` on a project with no
    // `prometheus` target writes them too (a build refuses such settings).
    let project = &if write_tests
        && !project
            .settings
            .targets
            .iter()
            .any(|target| target.kind == TargetKind::Prometheus)
    {
        let mut with_plain = Project::clone(project);
        with_plain
            .settings
            .targets
            .push(Target::new(TargetKind::Prometheus));
        Arc::new(with_plain)
    } else {
        Arc::clone(project)
    };
    // One rule file per target and service, each planned, rendered and
    // read back (when asked) on its own.
    let rule_files: Vec<(&Target, String, Vec<&Service>)> = project
        .settings
        .targets
        .iter()
        .flat_map(|target| {
            plan::rule_file_units(project, target)
                .into_iter()
                .map(move |(name, services)| (target, name, services))
        })
        .collect();
    let rule_file = |(target, name, services): &(&Target, String, Vec<&Service>)| {
        let path = names::rule_file_path(&target.dir, name);
        let view = plan::file_rules(project, name, services, target, &*runbook_url);
        // The embedded template is written without the template engine
        // (`native`), with the rules counted as they are written.
        let (rendered, counted) = match &view {
            Some(view) if native::rules::PINNED.applies(templates) => {
                let (file, rules) = native::rules::rule_file(&path, view);
                (Ok(file), Some(rules))
            }
            _ => (
                renderer.render(&path, native::rules::PINNED.template, &view),
                None,
            ),
        };
        rendered.map(|file| {
            let format = verify::RuleFormat::of(target.kind);
            let (file, verified) = match counted {
                _ if read_rules => verify::verify_rules(file, format),
                Some(rules) => (
                    file,
                    verify::Verified {
                        rules,
                        ..verify::Verified::default()
                    },
                ),
                None => verify::trusted(file),
            };
            // Test files name the plain files' groups.
            let verified = if target.kind == TargetKind::Prometheus {
                verified
            } else {
                verify::Verified {
                    groups: None,
                    ..verified
                }
            };
            Output::new(file, verified, sink)
        })
    };
    let alertmanager = || {
        let view = routing::alertmanager(project);
        let read_back = options.verify || overridden("alertmanager.yml.j2");
        renderer
            .render("alertmanager.yml", "alertmanager.yml.j2", &view)
            .map(|file| {
                let (file, mut verified) = if read_back {
                    verify::verify_file(file)
                } else {
                    verify::trusted(file)
                };
                if read_back {
                    let continuing: Vec<(&str, &[String])> = view
                        .route
                        .routes
                        .iter()
                        .filter(|route| route.continues)
                        .map(|route| (route.receiver.as_str(), route.matchers.as_slice()))
                        .collect();
                    let stopped = verify::stopped_routes(&file.contents, &continuing);
                    verified
                        .problems
                        .extend(verify::generated_invalid(&file.path, stopped));
                }
                Output::new(file, verified, sink)
            })
    };
    let catalog = || {
        let view = catalog::catalog(project);
        // The embedded template is written without the template engine.
        let file = if native::catalog::PINNED.applies(templates) {
            Ok(native::catalog::catalog_file(&view))
        } else {
            renderer.render(
                crate::names::CATALOG_FILE,
                native::catalog::PINNED.template,
                &view,
            )
        };
        file.map(|file| Output::new(file, verify::Verified::default(), sink))
    };
    let runbook_pages = || {
        // The embedded template is written without the template engine.
        let native = native::runbook::PINNED.applies(templates);
        runbook::pages(project)
            .into_par_iter()
            .map(|page| {
                let view = page.view(project);
                let file = if native {
                    Ok(native::runbook::runbook_file(&view))
                } else {
                    renderer.render(&view.path, native::runbook::PINNED.template, &view)
                };
                file.map(|file| Output::new(file, verify::Verified::default(), sink))
            })
            .collect::<Vec<_>>()
    };
    let dashboards = || {
        dashboard_outputs(
            project,
            &renderer,
            &runbook_url,
            options.verify || overridden("dashboard.json.j2"),
            sink,
        )
    };
    // Every output is planned, rendered and verified on its own, beside the
    // others: the test files (the biggest), the rule files, then
    // alertmanager.yml, the catalog, the runbooks and the dashboards. The
    // files planned from the whole project (routing, the catalog, the
    // overview dashboard) are begun first, beside the per-SLO and
    // per-service ones: left for last, one thread wrote them alone while
    // the other waited (10,000 SLOs: 1.1 s -> 0.9 s). Test files name the
    // rule files and their groups, so those references are checked once
    // all are known.
    let (tests, (rules_written, others)) = rayon::join(
        || {
            if write_tests {
                test_outputs(project, &renderer, read_tests, sink)
            } else {
                Vec::new()
            }
        },
        || {
            rayon::join(
                || rule_files.par_iter().map(rule_file).collect::<Vec<_>>(),
                || {
                    let ((alertmanager, catalog), (pages, dashboards)) = rayon::join(
                        || rayon::join(alertmanager, catalog),
                        || rayon::join(runbook_pages, dashboards),
                    );
                    let mut others = vec![alertmanager];
                    others.extend(pages);
                    others.extend(dashboards);
                    others.push(catalog);
                    others
                },
            )
        },
    );
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut groups = BTreeMap::new();
    let mut rules = 0;
    // Rules are counted once, in the first target's files.
    let first_dir = project
        .settings
        .targets
        .first()
        .map(|target| target.dir.as_str());
    for result in rules_written.into_iter().chain(others) {
        match result {
            Ok(output) if output.verified.problems.is_empty() => {
                if first_dir.is_some_and(|dir| output.path.starts_with(&format!("{dir}/"))) {
                    rules += output.verified.rules;
                }
                if let Some(names) = output.verified.groups {
                    groups.insert(output.path, names);
                }
                files.extend(output.kept);
            }
            Ok(output) => errors.extend(output.verified.problems),
            Err(error) => errors.push(error),
        }
    }
    let rules_valid = errors.is_empty();
    for result in tests {
        match result {
            Ok(TestOutput {
                path,
                kept,
                mut problems,
                references,
            }) => {
                // A broken rule file would make every reference look wrong.
                if rules_valid && read_tests {
                    problems.extend(verify::check_test_references(&path, &references, &groups));
                }
                errors.extend(verify::generated_invalid(&path, problems));
                files.extend(kept);
            }
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    files.sort_by(|left, right| left.path.cmp(&right.path));
    Ok(Generated { files, rules })
}

/// A rendered file, what verifying it found, and what the sink kept of it
/// (the sink only sees files that passed).
struct Output {
    path: String,
    kept: Option<GeneratedFile>,
    verified: verify::Verified,
}

impl Output {
    fn new(file: GeneratedFile, verified: verify::Verified, sink: &dyn Sink) -> Self {
        Self {
            path: file.path.clone(),
            kept: if verified.problems.is_empty() {
                sink.accept(file)
            } else {
                None
            },
            verified,
        }
    }
}

/// Renders every dashboard; when `read_back`, each is parsed back and its
/// queries held to the series the rules record ([`verify::check_dashboard_text`]).
fn dashboard_outputs(
    project: &Project,
    renderer: &Renderer<'_>,
    runbook_url: &plan::RunbookUrl,
    read_back: bool,
    sink: &dyn Sink,
) -> Vec<Result<Output, Diagnostic>> {
    let known = read_back.then(|| dashboard::known_series(project));
    // Each service's dashboard is planned, rendered and dropped on its own,
    // in parallel: the views of every service at once were most of a
    // build's peak memory.
    let pinned = native::dashboard::PINNED;
    let native = pinned.applies(renderer.templates());
    let render = |view: dashboard::DashboardView| -> Result<Output, Diagnostic> {
        // The embedded template is written without the template engine.
        let file = if native {
            native::dashboard::dashboard_file(&view)
        } else {
            renderer.render(&view.path, pinned.template, &view)?
        };
        drop(view);
        let messages = known
            .as_ref()
            .map(|known| verify::check_dashboard_text(&file.contents, known))
            .unwrap_or_default();
        let problems = verify::generated_invalid(&file.path, messages);
        Ok(Output::new(
            file,
            verify::Verified {
                problems,
                ..verify::Verified::default()
            },
            sink,
        ))
    };
    // The overview reads every SLO: begun first, beside the services'.
    let (overview, mut outputs) = rayon::join(
        || render(dashboard::overview(project)),
        || {
            project
                .services
                .par_iter()
                .map(|service| render(dashboard::service_dashboard(project, service, runbook_url)))
                .collect::<Vec<_>>()
        },
    );
    outputs.push(overview);
    outputs
}

/// A rendered test file, the problems of its text, and what it names.
struct TestOutput {
    path: String,
    kept: Option<GeneratedFile>,
    problems: Vec<String>,
    references: verify::TestReferences,
}

/// Plans, renders and checks the test files one by one (each is planned in
/// parallel), so one file's plan is held at a time. The references
/// to rule files are checked once those are known, after the sink has the
/// file: a sink publishes nothing before the whole compilation succeeds.
fn test_outputs(
    project: &Arc<Project>,
    renderer: &Renderer<'_>,
    read_back: bool,
    sink: &dyn Sink,
) -> Vec<Result<TestOutput, Diagnostic>> {
    rule_tests::each_test_file(project, |test_file| {
        let path = test_file.path().to_owned();
        let file = renderer.render_value(&path, "rule-tests.yml.j2", test_file.into_context())?;
        let (problems, references) = if read_back {
            verify::check_test_text(&file.contents)
        } else {
            (Vec::new(), verify::TestReferences::default())
        };
        let kept = if problems.is_empty() {
            sink.accept(file)
        } else {
            None
        };
        Ok(TestOutput {
            path,
            kept,
            problems,
            references,
        })
    })
}

/// What [`generate`] produced.
#[derive(Debug, Default)]
pub(crate) struct Generated {
    /// Every file, sorted by path.
    pub files: Vec<GeneratedFile>,
    /// Recording and alerting rules in the rule files.
    pub rules: usize,
}

/// Runs every stage, keeping every file in memory.
pub fn compile(sources: &Sources, templates: &Templates, options: &Options) -> Compilation {
    compile_into(sources, templates, options, &Keep)
}

/// Runs every stage, handing each verified file to the sink.
pub(crate) fn compile_into(
    sources: &Sources,
    templates: &Templates,
    options: &Options,
    sink: &dyn Sink,
) -> Compilation {
    let (project, mut diagnostics) = parse_and_analyze(sources);
    let Some(project) = project else {
        return Compilation {
            project: None,
            files: Vec::new(),
            rules: 0,
            diagnostics,
        };
    };
    let project = Arc::new(project);
    match generate(&project, templates, options, sink) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded templates' output, which a build takes as written, reads
    /// back clean for the bundled specs and every fixture (tests included).
    #[test]
    fn every_file_of_the_embedded_templates_reads_back_clean() {
        let mut dirs = vec![std::path::PathBuf::from("slo")];
        for case in std::fs::read_dir("tests/cases").unwrap() {
            dirs.push(case.unwrap().path().join("slo"));
        }
        let mut read = 0;
        for dir in dirs {
            let sources = crate::load::spec_directory(&dir, None).unwrap();
            let options = Options {
                tests: Some(true),
                verify: true,
                ..Options::default()
            };
            let compilation = compile(&sources, &crate::render::Templates::default(), &options);
            assert!(
                !compilation.has_errors(),
                "{}: {:?}",
                dir.display(),
                compilation.diagnostics
            );
            read += compilation
                .files
                .iter()
                .filter(|file| {
                    crate::verify::is_rule_file(&file.path) || file.path.starts_with("tests/")
                })
                .count();
        }
        assert!(read >= 20, "{read}");
    }
}
