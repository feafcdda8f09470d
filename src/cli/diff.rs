//! `slogen diff`: what a build would change, without writing.

use std::io::IsTerminal;
use std::path::Path;

use super::args::{Cli, ColorChoice, OutputArgs, SpecArgs, WriteArgs};
use super::printer::{Printer, write_stream};
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, compile_or_report};
use crate::diagnostic::{Diagnostic, Format};
use crate::write;

pub(super) fn diff(cli: &Cli, spec: &SpecArgs, output: &OutputArgs, write: &WriteArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let (sources, compilation) = match compile_or_report(spec, &output.out, Some(write), &printer) {
        Ok(result) => result,
        Err(_) => {
            print_diff_json(&printer, &output.out, None);
            return EXIT_ERROR;
        }
    };
    let changes = match write::changes(&output.out, &compilation.files) {
        Ok(changes) => changes,
        Err(problems) => {
            printer.diagnostics(&problems, &sources);
            print_diff_json(&printer, &output.out, None);
            return EXIT_ERROR;
        }
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    };
    let conflicts: Vec<Diagnostic> = changes
        .conflicts
        .iter()
        .map(|(_, _, problem)| problem.clone())
        .collect();
    if spec.format == Format::Human {
        write_stream(
            &mut std::io::stdout(),
            &crate::diff::render(&compilation.files, &changes, color),
        );
    }
    printer.diagnostics(&conflicts, &sources);
    print_diff_json(&printer, &output.out, Some(&changes));
    if changes.is_empty() {
        printer.status(&format!("slogen: {} is up to date", output.out.display()));
        return EXIT_OK;
    }
    let summary = crate::diff::summary(&changes);
    if spec.format == Format::Github {
        write_stream(
            &mut std::io::stdout(),
            &format!(
                "::error title=slogen stale-output::{} is stale ({summary}): run `slogen build` and commit the result\n",
                output.out.display()
            ),
        );
    }
    if !cli.quiet {
        write_stream(
            &mut std::io::stderr(),
            &format!(
                "slogen: {summary}; {} is stale: run `slogen build`\n",
                output.out.display()
            ),
        );
    }
    EXIT_INVALID
}

/// `slogen diff --format json`: one object saying whether the output is up
/// to date (`null` when the specs or output could not be read), which files
/// a build would add, change, remove or refuse, and the diagnostics.
fn print_diff_json(printer: &Printer, out: &Path, changes: Option<&write::Changes>) {
    if printer.format != Format::Json {
        return;
    }
    let paths = |list: Vec<&String>| list.into_iter().cloned().collect::<Vec<_>>();
    let object = serde_json::json!({
        "output": out.display().to_string(),
        "up_to_date": changes.map(write::Changes::is_empty),
        "added": changes.map(|changes| paths(changes.added.iter().collect())),
        "changed": changes.map(|changes| paths(changes.changed.iter().map(|(path, _)| path).collect())),
        "removed": changes.map(|changes| paths(changes.removed.iter().map(|(path, _)| path).collect())),
        "refused": changes.map(|changes| paths(changes.conflicts.iter().map(|(path, _, _)| path).collect())),
        "diagnostics": printer.take_json(),
    });
    let text = serde_json::to_string_pretty(&object).unwrap_or_default();
    write_stream(&mut std::io::stdout(), &format!("{text}\n"));
}
