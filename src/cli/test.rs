//! `slogen test`: the promtool tests generated into a temporary directory
//! and run by promtool, in parallel.

use std::path::Path;

use super::args::{Cli, SpecArgs};
use super::printer::{Printer, reindent, write_stream};
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, load_inputs, plural};
use crate::compile::{self};
use crate::diagnostic::Format;
use crate::promtool;
use crate::prove;

/// How to get promtool, for the message when it is missing.
pub(crate) const PROMTOOL_INSTALL: &str =
    "install it with `apt-get install prometheus` (Debian/Ubuntu)";

pub(super) fn test(
    cli: &Cli,
    spec: &SpecArgs,
    targets: &[String],
    program: &str,
    keep: Option<&Path>,
    jobs: Option<usize>,
) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let version = match promtool::version(program) {
        Ok(version) => version,
        Err(problem) => return promtool_unavailable(&printer, program, &problem),
    };
    let (sources, templates) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::parse_and_analyze(&sources);
    printer.diagnostics(&diagnostics, &sources);
    let Some(project) = project else {
        return EXIT_INVALID;
    };
    let selected = match prove::select(&project, targets) {
        Ok(selected) => selected,
        Err(no_match) => {
            let help = no_match
                .suggestion
                .map(|suggestion| format!("; did you mean `{suggestion}`?"))
                .unwrap_or_default();
            printer.error(&format!("nothing matches `{}`{help}", no_match.filter));
            return EXIT_ERROR;
        }
    };
    let temporary;
    let dir = match keep {
        Some(dir) => dir.to_path_buf(),
        None => match tempfile::Builder::new().prefix("slogen-test-").tempdir() {
            Ok(dir) => {
                temporary = dir;
                temporary.path().to_path_buf()
            }
            Err(error) => {
                printer.error(&format!("cannot make a temporary directory: {error}"));
                return EXIT_ERROR;
            }
        },
    };
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    printer.detail(&format!(
        "  using {version}, {jobs} at a time, in {}",
        dir.display()
    ));
    let report = match prove::run(&selected, &templates, program, &dir, jobs) {
        Ok(report) => report,
        Err(prove::RunError::Promtool(problem)) => {
            return promtool_unavailable(&printer, program, &problem);
        }
        Err(prove::RunError::Generate(problems)) => {
            printer.diagnostics(&problems, &sources);
            return EXIT_ERROR;
        }
    };
    if spec.format == Format::Json {
        let object = serde_json::json!({
            "report": &report,
            "diagnostics": printer.take_json(),
        });
        let text = serde_json::to_string_pretty(&object).unwrap_or_default();
        write_stream(&mut std::io::stdout(), &format!("{text}\n"));
    } else {
        let mut text = String::new();
        for result in &report.results {
            let (label, details) = match result.status {
                prove::Status::Pass => ("PASS", None),
                prove::Status::Fail => ("FAIL", Some(&result.details)),
                prove::Status::Skip => ("SKIP", None),
            };
            match (result.status, result.details.first()) {
                (prove::Status::Skip, Some(reason)) => {
                    text.push_str(&format!("{label}  {}: {reason}\n", result.name));
                }
                _ => text.push_str(&format!("{label}  {}\n", result.name)),
            }
            for detail in details.into_iter().flatten() {
                text.push_str(&reindent(detail, 6));
                text.push('\n');
            }
        }
        let kept = keep.map_or_else(String::new, |dir| format!(", kept in {}", dir.display()));
        text.push_str(&format!(
            "slogen test: {} passed, {} failed, {} skipped ({} test file{} in {} part{}{kept})\n",
            report.passed,
            report.failed,
            report.skipped,
            report.files,
            plural(report.files),
            report.parts,
            plural(report.parts),
        ));
        write_stream(&mut std::io::stdout(), &text);
    }
    if report.failed > 0 {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// Says promtool cannot be used; exit status 2.
fn promtool_unavailable(printer: &Printer, program: &str, problem: &promtool::Unavailable) -> u8 {
    match problem {
        promtool::Unavailable::Missing => {
            printer.error(&format!("promtool not found: {PROMTOOL_INSTALL}"));
        }
        promtool::Unavailable::Broken(error) => {
            printer.error(&format!("promtool (`{program}`) could not run: {error}"));
        }
    }
    EXIT_ERROR
}
