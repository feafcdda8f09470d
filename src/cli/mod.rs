//! The command line: parses arguments, runs the compiler, prints, exits.
//!
//! Exit codes (documented in the README):
//! - 0: success (for `diff`: up to date)
//! - 1: invalid specs (for `diff`: output stale or edited by hand)
//! - 2: usage error or I/O error
//!
//! Diagnostics go to stderr in `human` format, to stdout in `json` and
//! `github` formats (machine readers consume stdout). A closed pipe ends
//! output quietly.
//!
//! The parts: `args` (the clap grammar), `printer` (where and how output
//! goes), and one file per command (`build`, `check`, `test`, `diff`,
//! `explain`, `templates`, `init`, `import`, `export`); this file
//! dispatches and holds what the commands share (loading the inputs,
//! compiling, the summary line).

mod args;
mod build;
mod check;
mod diff;
mod explain;
mod export;
mod import;
mod init;
mod printer;
mod templates;
mod test;

pub(crate) use args::{Cli, Command, ExportCommand, ImportCommand, SpecArgs, WriteArgs};

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::compile::{self, Compilation};
use crate::diagnostic::{self, Diagnostic};
use crate::load::{self, Sources};
use crate::render::Templates;
use build::build;
use check::{check, check_rules};
use diff::diff;
use explain::explain;
use export::export_openslo;
use import::{import_openslo, import_sloth};
use init::init;
use printer::{Printer, write_stream};
use templates::templates;
use test::test;

/// Exit status: success.
pub(crate) const EXIT_OK: u8 = 0;

/// Exit status: invalid specs, or stale output for `diff`.
pub(crate) const EXIT_INVALID: u8 = 1;

/// Exit status: usage or I/O error.
pub(crate) const EXIT_ERROR: u8 = 2;

/// Runs the command line; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            });
        }
    };
    ExitCode::from(run(&cli))
}

/// Runs a parsed command line and returns the exit status.
pub(crate) fn run(cli: &Cli) -> u8 {
    match &cli.command {
        Command::Build {
            spec,
            output,
            write,
            force,
        } => build(cli, spec, output, write, *force),
        Command::Check { spec, rules } if !rules.is_empty() => check_rules(cli, spec, rules),
        Command::Check { spec, .. } => check(cli, spec),
        Command::Test {
            spec,
            targets,
            promtool,
            keep,
            jobs,
        } => test(cli, spec, targets, promtool, keep.as_deref(), *jobs),
        Command::Diff {
            spec,
            output,
            write,
        } => diff(cli, spec, output, write),
        Command::Explain { spec, target } => explain(cli, spec, target.as_deref()),
        Command::Templates(command) => templates(command, cli.quiet),
        Command::Init { dir } => init(dir, cli.quiet),
        Command::Schema { kind } => {
            write_stream(&mut std::io::stdout(), &crate::schema::schema(*kind));
            EXIT_OK
        }
        Command::Import(ImportCommand::Sloth {
            paths,
            slo,
            force,
            sli,
            format,
        }) => import_sloth(cli, paths, slo, *force, sli.as_deref(), *format),
        Command::Import(ImportCommand::Openslo {
            paths,
            slo,
            force,
            format,
        }) => import_openslo(cli, paths, slo, *force, *format),
        Command::Export(ExportCommand::Openslo { spec, out }) => {
            export_openslo(cli, spec, out.as_deref())
        }
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "slogen",
                &mut buffer,
            );
            write_stream(&mut std::io::stdout(), &String::from_utf8_lossy(&buffer));
            EXIT_OK
        }
        Command::Man => {
            let mut buffer = Vec::new();
            if clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buffer)
                .is_err()
            {
                return EXIT_ERROR;
            }
            write_stream(&mut std::io::stdout(), &String::from_utf8_lossy(&buffer));
            EXIT_OK
        }
    }
}

/// Loads the specs and templates, printing I/O problems and warnings.
fn load_inputs(spec: &SpecArgs, printer: &Printer) -> Result<(Sources, Templates), u8> {
    let sources =
        load::spec_directory(&spec.slo, spec.settings.as_deref()).map_err(|problems| {
            printer.diagnostics(&problems, &Sources::default());
            EXIT_ERROR
        })?;
    let mut warnings = sources.warnings.clone();
    if sources.services.is_empty() {
        let mut empty = Diagnostic::general(diagnostic::Problem::NoSpecFiles {
            path: spec.slo.clone(),
        });
        // Specs slogen does not read (Sloth's YAML, say) and none it does:
        // building would write empty rule files.
        if !sources.warnings.is_empty() {
            empty.severity = diagnostic::Level::Error;
            warnings.push(empty);
            printer.diagnostics(&warnings, &sources);
            return Err(EXIT_INVALID);
        }
        warnings.push(empty);
    }
    let directory = spec
        .templates
        .clone()
        .or_else(|| settings_templates(&sources))
        .or_else(|| Some(PathBuf::from("templates")).filter(|dir| dir.is_dir()));
    let templates = match directory {
        Some(dir) => match load::templates(&dir) {
            Ok((templates, found)) => {
                warnings.extend(found);
                templates
            }
            Err(problems) => {
                printer.diagnostics(&problems, &sources);
                return Err(EXIT_ERROR);
            }
        },
        None => Templates::default(),
    };
    if !warnings.is_empty() {
        printer.diagnostics(&warnings, &sources);
    }
    Ok((sources, templates))
}

/// The templates directory named in the settings file, if it parses.
fn settings_templates(sources: &Sources) -> Option<PathBuf> {
    let source = sources.settings.as_ref()?;
    let settings = crate::spec::parse_settings(source).into_result().ok()?;
    let dir = settings.templates?;
    Some(
        source
            .path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(dir.get_ref()),
    )
}

/// Runbook links default to the output directory as named on the command
/// line, so they resolve from the repository root; an absolute output
/// directory would tie the output to this machine, so links are then
/// relative to the output directory itself.
fn options(out: &Path, spec: &SpecArgs, write: Option<&WriteArgs>) -> compile::Options {
    let base = if out.is_relative() {
        let parts: Vec<String> = out
            .components()
            .filter_map(|part| match part {
                std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        parts.join("/")
    } else {
        String::new()
    };
    compile::Options {
        runbook_link_base: if base.is_empty() {
            "runbooks".to_owned()
        } else {
            format!("{base}/runbooks")
        },
        tests: write.and_then(|write| write.tests.then_some(true)),
        verify: spec.verify,
    }
}

fn compile_or_report(
    spec: &SpecArgs,
    out: &Path,
    write: Option<&WriteArgs>,
    printer: &Printer,
) -> Result<(Sources, Compilation), u8> {
    compile_into_or_report(spec, out, write, printer, &compile::Keep)
}

fn compile_into_or_report(
    spec: &SpecArgs,
    out: &Path,
    write: Option<&WriteArgs>,
    printer: &Printer,
    sink: &dyn compile::Sink,
) -> Result<(Sources, Compilation), u8> {
    let (sources, templates) = load_inputs(spec, printer)?;
    let compilation = compile::compile_into(&sources, &templates, &options(out, spec, write), sink);
    printer.diagnostics(&compilation.diagnostics, &sources);
    if compilation.has_errors() {
        let errors = compilation
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
        printer.status(&format!(
            "slogen: {errors} error{} found; nothing written",
            plural(errors)
        ));
        return Err(EXIT_INVALID);
    }
    Ok((sources, compilation))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn summary(compilation: &Compilation) -> String {
    let project = compilation.project.as_ref();
    let services = project.map_or(0, |project| project.services.len());
    let slos = project.map_or(0, |project| project.slos().count());
    let alerts = project.map_or(0, |project| {
        project
            .services
            .iter()
            .map(|service| service.alerts.len())
            .sum()
    });
    let rules = compilation.rules;
    format!(
        "{services} service{}, {slos} SLO{}, {alerts} plain alert{}, {rules} rule{}",
        plural(services),
        plural(slos),
        plural(alerts),
        plural(rules)
    )
}
