//! `slogen explain`: the math behind each SLO's alerts.

use super::args::{Cli, SpecArgs};
use super::printer::{Printer, write_stream};
use super::{EXIT_ERROR, EXIT_INVALID, EXIT_OK, load_inputs};
use crate::compile::{self};
use crate::diagnostic::Format;

pub(super) fn explain(cli: &Cli, spec: &SpecArgs, target: Option<&str>) -> u8 {
    // Stdout carries the explanation alone; diagnostics go to stderr.
    let printer = Printer::new(cli, Format::Human);
    let (sources, _) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::parse_and_analyze(&sources);
    let Some(project) = project else {
        printer.diagnostics(&diagnostics, &sources);
        return EXIT_INVALID;
    };
    printer.diagnostics(&diagnostics, &sources);
    match crate::explain::explain(&project, target) {
        Ok(explanations) => {
            let text = if spec.format == Format::Json {
                serde_json::to_string_pretty(&explanations).unwrap_or_default() + "\n"
            } else {
                crate::explain::render_human(&explanations)
            };
            write_stream(&mut std::io::stdout(), &text);
            EXIT_OK
        }
        Err(no_match) => {
            let help = no_match
                .suggestion
                .map(|suggestion| format!("; did you mean `{suggestion}`?"))
                .unwrap_or_default();
            write_stream(
                &mut std::io::stderr(),
                &format!("error: no SLO matches `{}`{help}\n", no_match.filter),
            );
            EXIT_ERROR
        }
    }
}
