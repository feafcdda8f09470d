//! The printer: diagnostics and notes to the right stream in the chosen
//! format, quietly ending at a closed pipe.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};

use super::args::{Cli, ColorChoice};
use crate::diagnostic::{self, Diagnostic, Format};
use crate::load::Sources;

/// Output settings shared by the commands. With `--format json`,
/// diagnostics are gathered and printed as one array when the printer is
/// dropped, so a command prints one JSON document however many times it
/// reports; a command whose output is an object takes them
/// ([`Printer::take_json`]) to put them in it.
pub(super) struct Printer {
    pub(super) quiet: bool,
    pub(super) verbose: bool,
    pub(super) color: bool,
    pub(super) format: Format,
    pub(super) json: RefCell<Option<Vec<diagnostic::JsonDiagnostic>>>,
}

impl Printer {
    pub(super) fn new(cli: &Cli, format: Format) -> Self {
        let color = match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        };
        Self {
            quiet: cli.quiet,
            verbose: cli.verbose,
            color,
            format,
            json: RefCell::new((format == Format::Json).then(Vec::new)),
        }
    }

    /// Prints diagnostics in the chosen format; warnings are hidden by `-q`.
    pub(super) fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &Sources) {
        let shown: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|diagnostic| !self.quiet || diagnostic.is_error())
            .cloned()
            .collect();
        match self.format {
            Format::Human => {
                if !shown.is_empty() {
                    let text = diagnostic::render(&shown, &sources.all(), self.format, self.color);
                    write_stream(&mut std::io::stderr(), &text);
                }
            }
            Format::Json => {
                let items = diagnostic::json_items(&shown, &sources.all());
                if let Some(gathered) = self.json.borrow_mut().as_mut() {
                    gathered.extend(items);
                }
            }
            Format::Github => {
                let text = diagnostic::render(&shown, &sources.all(), self.format, false);
                write_stream(&mut std::io::stdout(), &text);
            }
        }
    }

    /// The diagnostics gathered for `--format json`; none is printed then.
    pub(super) fn take_json(&self) -> Vec<diagnostic::JsonDiagnostic> {
        self.json.borrow_mut().take().unwrap_or_default()
    }

    /// A status line on stderr, for people.
    pub(super) fn status(&self, line: &str) {
        if !self.quiet && self.format == Format::Human {
            write_stream(&mut std::io::stderr(), &format!("{line}\n"));
        }
    }

    pub(super) fn error(&self, line: &str) {
        write_stream(&mut std::io::stderr(), &format!("slogen: error: {line}\n"));
    }

    pub(super) fn detail(&self, line: &str) {
        if self.verbose {
            self.status(line);
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(items) = self.json.get_mut().take() {
            let text = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
            write_stream(&mut std::io::stdout(), &format!("{text}\n"));
        }
    }
}

/// A line for people on stderr, unless `-q`.
pub(super) fn note(quiet: bool, line: &str) {
    if !quiet {
        write_stream(&mut std::io::stderr(), &format!("{line}\n"));
    }
}

/// Writes, ignoring a closed pipe (`slogen ... | head`).
pub(super) fn write_stream(stream: &mut impl Write, text: &str) {
    let _ = stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush());
}

/// Re-indents a block: its common indentation becomes `spaces`.
pub(super) fn reindent(text: &str, spaces: usize) -> String {
    let common = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| format!("{pad}{}", line.get(common..).unwrap_or(line.trim_start())))
        .collect::<Vec<_>>()
        .join("\n")
}
