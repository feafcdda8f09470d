//! The three renderings of the same diagnostics: `human` (compiler-style,
//! with the source line and a caret), `json` (a stable array) and `github`
//! (workflow annotations).

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Renderer, Snippet};
use serde::Serialize;

use super::{Diagnostic, Level, Location};
use crate::source::SourceFile;

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style text with source lines and carets.
    #[default]
    Human,
    /// A JSON array of diagnostics (stable fields; see the reference).
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// The JSON shape of one diagnostic. Field names are part of slogen's interface.
#[derive(Debug, Serialize)]
pub(crate) struct JsonDiagnostic {
    /// `error` or `warning`.
    pub severity: Level,
    /// Stable code, e.g. `unknown-key`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Display path of the file, if any.
    pub file: Option<String>,
    /// 1-based line, if located.
    pub line: Option<usize>,
    /// 1-based column, if located.
    pub column: Option<usize>,
    /// 1-based line where the span ends.
    pub end_line: Option<usize>,
    /// 1-based column where the span ends.
    pub end_column: Option<usize>,
    /// How to fix it.
    pub help: Option<String>,
}

/// Renders diagnostics in a format; `sources` supply the text shown in `human`.
pub fn render(
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
    format: Format,
    color: bool,
) -> String {
    let files: Files<'_> = sources
        .iter()
        .map(|source| (source.path.as_path(), source))
        .collect();
    match format {
        Format::Human => diagnostics
            .iter()
            .map(|diagnostic| render_human(diagnostic, &files, color))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let items: Vec<JsonDiagnostic> = diagnostics
                .iter()
                .map(|diagnostic| to_json(diagnostic, &files))
                .collect();
            let mut text = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
            text.push('\n');
            text
        }
        Format::Github => diagnostics
            .iter()
            .map(|diagnostic| render_github(diagnostic, &files))
            .collect(),
    }
}

/// The sources by path.
type Files<'a> = std::collections::HashMap<&'a Path, &'a SourceFile>;

/// Diagnostics as the items of `--format json` output.
pub(crate) fn json_items(
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
) -> Vec<JsonDiagnostic> {
    let files: Files<'_> = sources
        .iter()
        .map(|source| (source.path.as_path(), source))
        .collect();
    diagnostics
        .iter()
        .map(|diagnostic| to_json(diagnostic, &files))
        .collect()
}

fn source_file<'a>(files: &Files<'a>, path: &Path) -> Option<&'a SourceFile> {
    files.get(path).copied()
}

/// Start and end (line, column) of a location, when its text is known.
fn positions(location: &Location, files: &Files<'_>) -> Option<((usize, usize), (usize, usize))> {
    let source = source_file(files, &location.path)?;
    Some((
        source.line_column(location.span.start),
        source.line_column(location.span.end),
    ))
}

fn to_json(diagnostic: &Diagnostic, files: &Files<'_>) -> JsonDiagnostic {
    let location = diagnostic.location.as_ref();
    let positions = location.and_then(|location| positions(location, files));
    JsonDiagnostic {
        severity: diagnostic.severity,
        code: diagnostic.problem.code(),
        message: diagnostic.problem.message(),
        file: location.map(|location| location.path.display().to_string()),
        line: positions.map(|(start, _)| start.0),
        column: positions.map(|(start, _)| start.1),
        end_line: positions.map(|(_, end)| end.0),
        end_column: positions.map(|(_, end)| end.1),
        help: diagnostic.problem.help(),
    }
}

fn render_github(diagnostic: &Diagnostic, files: &Files<'_>) -> String {
    let command = match diagnostic.severity {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut properties = vec![format!("title=slogen {}", diagnostic.problem.code())];
    if let Some(location) = &diagnostic.location {
        properties.insert(
            0,
            format!(
                "file={}",
                escape_property(&location.path.display().to_string())
            ),
        );
        if let Some(((line, column), (end_line, end_column))) = positions(location, files) {
            properties.insert(1, format!("line={line}"));
            properties.insert(2, format!("col={column}"));
            if end_line == line && end_column > column {
                properties.insert(3, format!("endColumn={end_column}"));
            } else if end_line > line {
                properties.insert(3, format!("endLine={end_line}"));
            }
        }
    }
    let mut message = diagnostic.problem.message();
    if let Some(help) = diagnostic.problem.help() {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escaping for the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn render_human(diagnostic: &Diagnostic, files: &Files<'_>, color: bool) -> String {
    let level = match diagnostic.severity {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
    };
    let message = diagnostic.problem.message();
    let code = diagnostic.problem.code();
    let help = diagnostic.problem.help();
    let label = diagnostic.problem.label();
    let title = level.primary_title(&message).id(code);
    let path_text = diagnostic
        .location
        .as_ref()
        .map(|location| location.path.display().to_string());
    let mut group = match (&diagnostic.location, &path_text) {
        (Some(location), Some(path_text)) => match source_file(files, &location.path) {
            Some(source) => {
                // Only the lines the span touches: the renderer reads all
                // of the text it is given, for every diagnostic.
                let (lines, first_line) = source.lines_of(&location.span);
                let text = &source.text[lines.clone()];
                let span = clamp_span(
                    text,
                    &(location.span.start.saturating_sub(lines.start)
                        ..location.span.end.saturating_sub(lines.start)),
                );
                let mut annotation = AnnotationKind::Primary.span(span);
                if let Some(label) = &label {
                    annotation = annotation.label(label.as_str());
                }
                title.element(
                    Snippet::source(text)
                        .line_start(first_line)
                        .path(path_text.as_str())
                        .annotation(annotation),
                )
            }
            None => title.element(annotate_snippets::Origin::path(path_text.as_str())),
        },
        _ => Group::with_title(title),
    };
    if let Some(help) = &help {
        group = group.element(SnippetLevel::HELP.message(help.as_str()));
    }
    let report = [group];
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut text = renderer.render(&report);
    text.push('\n');
    text
}

/// Keeps a span inside the text and on character boundaries.
fn clamp_span(text: &str, span: &Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
