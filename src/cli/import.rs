//! `slogen import`: Sloth and OpenSLO specs turned into slogen's.

use std::path::{Path, PathBuf};

use super::args::Cli;
use super::printer::{Printer, write_stream};
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, plural};
use crate::diagnostic::{Diagnostic, Format};
use crate::load::{self, Sources};

pub(super) fn import_sloth(
    cli: &Cli,
    paths: &[PathBuf],
    dir: &Path,
    force: bool,
    sli: Option<&Path>,
    format: Format,
) -> u8 {
    let printer = Printer::new(cli, format);
    let library = match sli.map(load::read_source).transpose() {
        Ok(library) => library,
        Err(error) => {
            printer.diagnostics(&[error], &Sources::default());
            return EXIT_ERROR;
        }
    };
    let plugins = match library.as_ref().map(crate::import::plugin_slis).transpose() {
        Ok(plugins) => plugins.unwrap_or_default(),
        Err(errors) => {
            let sources = Sources {
                services: library.into_iter().collect(),
                ..Sources::default()
            };
            printer.diagnostics(&errors, &sources);
            return EXIT_INVALID;
        }
    };
    let inputs = match crate::import::read_inputs(paths) {
        Ok(inputs) => inputs,
        Err(errors) => {
            printer.diagnostics(&errors, &Sources::default());
            return EXIT_ERROR;
        }
    };
    let result = crate::import::sloth::import(&inputs, &plugins, library.as_ref());
    finish_import(&printer, &inputs, result, dir, force)
}

pub(super) fn import_openslo(
    cli: &Cli,
    paths: &[PathBuf],
    dir: &Path,
    force: bool,
    format: Format,
) -> u8 {
    let printer = Printer::new(cli, format);
    let inputs = match crate::import::read_inputs(paths) {
        Ok(inputs) => inputs,
        Err(errors) => {
            printer.diagnostics(&errors, &Sources::default());
            return EXIT_ERROR;
        }
    };
    let result = crate::import::openslo::import(&inputs);
    finish_import(&printer, &inputs, result, dir, force)
}

fn finish_import(
    printer: &Printer,
    inputs: &[crate::source::SourceFile],
    result: Result<crate::import::Import, Vec<Diagnostic>>,
    dir: &Path,
    force: bool,
) -> u8 {
    let input_sources = Sources {
        services: inputs.to_vec(),
        ..Sources::default()
    };
    let import = match result {
        Ok(import) => import,
        Err(errors) => {
            printer.diagnostics(&errors, &input_sources);
            printer.status(&format!(
                "slogen: {} error{} found; nothing written",
                errors.len(),
                plural(errors.len())
            ));
            return EXIT_INVALID;
        }
    };
    let (imported, errors) = crate::import::check(dir, &import);
    if !errors.is_empty() {
        printer.diagnostics(&errors, &imported);
        printer.status(&format!(
            "slogen: the imported specs would not build ({} error{}); nothing written",
            errors.len(),
            plural(errors.len())
        ));
        return EXIT_INVALID;
    }
    let existing = if force {
        Vec::new()
    } else {
        crate::import::existing(dir, &import)
    };
    if !existing.is_empty() {
        printer.diagnostics(&existing, &Sources::default());
        printer.status("slogen: nothing written");
        return EXIT_ERROR;
    }
    if let Err(error) = crate::import::write(dir, &import) {
        printer.diagnostics(&[error], &Sources::default());
        return EXIT_ERROR;
    }
    write_stream(&mut std::io::stdout(), &import.report);
    for (name, _) in &import.files {
        printer.detail(&format!("wrote {}", dir.join(name).display()));
    }
    printer.status(&format!(
        "slogen: imported {} file{} into {}; build with `slogen build --slo {}`",
        import.files.len(),
        plural(import.files.len()),
        dir.display(),
        dir.display()
    ));
    EXIT_OK
}
