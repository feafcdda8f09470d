//! `slogen export`: slogen's specs as OpenSLO.

use std::path::Path;

use super::args::{Cli, SpecArgs};
use super::printer::{Printer, write_stream};
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, load_inputs};
use crate::compile::{self};

pub(super) fn export_openslo(cli: &Cli, spec: &SpecArgs, out: Option<&Path>) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let (sources, _) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::parse_and_analyze(&sources);
    printer.diagnostics(&diagnostics, &sources);
    let Some(project) = project else {
        printer.status("slogen: the specs have errors; nothing exported");
        return EXIT_INVALID;
    };
    let text = crate::export::openslo(&project);
    for line in crate::export::not_exported(&project) {
        write_stream(
            &mut std::io::stderr(),
            &format!("warning: not exported: {line}\n"),
        );
    }
    match out {
        None => {
            write_stream(&mut std::io::stdout(), &text);
            EXIT_OK
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                printer.status(&format!("slogen: wrote {}", path.display()));
                EXIT_OK
            }
            Err(error) => {
                write_stream(
                    &mut std::io::stderr(),
                    &format!("error: cannot write `{}`: {error}\n", path.display()),
                );
                EXIT_ERROR
            }
        },
    }
}
