//! `slogen check`: the specs, or hand-written rule files with `--rules`.

use std::path::{Path, PathBuf};

use super::args::{Cli, SpecArgs};
use super::printer::Printer;
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, compile_or_report, load_inputs, plural, summary};
use crate::compile::{self};
use crate::diagnostic::{self, Diagnostic};
use crate::load::{self, Sources};

pub(super) fn check(cli: &Cli, spec: &SpecArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_or_report(spec, Path::new("generated"), None, &printer) {
        Ok((_, compilation)) => {
            printer.status(&format!("slogen: {}; all valid", summary(&compilation)));
            EXIT_OK
        }
        Err(code) => code,
    }
}

pub(super) fn check_rules(cli: &Cli, spec: &SpecArgs, files: &[PathBuf]) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let mut sources = Vec::new();
    for path in files {
        match load::read_source(path) {
            Ok(source) => sources.push(source),
            Err(problem) => {
                printer.diagnostics(&[problem], &Sources::default());
                return EXIT_ERROR;
            }
        }
    }
    // Files are independent: check them side by side.
    let mut diagnostics: Vec<Diagnostic> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .flat_map_iter(crate::verify::check_rules)
            .collect()
    };
    let mut code = EXIT_OK;
    let mut spec_summary = String::new();
    if spec.slo.is_dir() {
        let (spec_sources, _) = match load_inputs(spec, &printer) {
            Ok(inputs) => inputs,
            Err(code) => return code,
        };
        let (project, spec_diagnostics) = compile::parse_and_analyze(&spec_sources);
        diagnostics.extend(spec_diagnostics);
        sources.extend(spec_sources.all());
        if project.is_none() {
            code = EXIT_INVALID;
        }
        spec_summary = format!(" and the specs in {}", spec.slo.display());
    }
    diagnostic::sort(&mut diagnostics);
    let all = Sources {
        services: sources,
        ..Sources::default()
    };
    printer.diagnostics(&diagnostics, &all);
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count();
    if errors > 0 {
        printer.status(&format!("slogen: {errors} error{} found", plural(errors)));
        return EXIT_INVALID;
    }
    printer.status(&format!(
        "slogen: {} rule file{}{spec_summary}: all valid",
        files.len(),
        plural(files.len())
    ));
    code
}
