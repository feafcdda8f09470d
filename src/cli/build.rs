//! `slogen build`: compile and write the output directory.

use super::args::{Cli, OutputArgs, SpecArgs, WriteArgs};
use super::printer::Printer;
use super::{EXIT_ERROR, EXIT_OK, compile_into_or_report, summary};
use crate::compile::Compilation;
use crate::load::Sources;
use crate::write;

pub(super) fn build(
    cli: &Cli,
    spec: &SpecArgs,
    output: &OutputArgs,
    write: &WriteArgs,
    force: bool,
) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_and_write(spec, output, write, force, &printer) {
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

/// Compiles and writes the output, printing what happened. Files are
/// staged as they are verified (see `write`), so they are not kept in
/// [`Compilation::files`].
fn compile_and_write(
    spec: &SpecArgs,
    output: &OutputArgs,
    write: &WriteArgs,
    force: bool,
    printer: &Printer,
) -> Result<(Compilation, write::Written), u8> {
    let stage = match write::Stage::open(&output.out, force) {
        Ok(stage) => stage,
        Err(problem) => {
            printer.diagnostics(&[problem], &Sources::default());
            return Err(EXIT_ERROR);
        }
    };
    let (sources, compilation) =
        compile_into_or_report(spec, &output.out, Some(write), printer, &stage)?;
    match stage.commit() {
        Ok(written) => {
            printer.diagnostics(&written.warnings, &sources);
            for path in &written.added {
                printer.detail(&format!("  added     {}", output.out.join(path).display()));
            }
            for path in &written.updated {
                printer.detail(&format!("  updated   {}", output.out.join(path).display()));
            }
            for path in &written.removed {
                printer.detail(&format!("  removed   {}", output.out.join(path).display()));
            }
            printer.status(&format!(
                "slogen: {}; {} written, {} unchanged, {} removed in {}",
                summary(&compilation),
                written.added.len() + written.updated.len(),
                written.unchanged,
                written.removed.len(),
                output.out.display()
            ));
            Ok((compilation, written))
        }
        Err(problems) => {
            printer.diagnostics(&problems, &sources);
            Err(EXIT_ERROR)
        }
    }
}
