//! Unit tests of the analyzer's checks, one file per domain, table-driven
//! in the manner of just's `analysis_error!`: the spec files in, every
//! diagnostic out as its code and place (`code file:line:column`).
//!
//! The files are written out whole, so a place can be checked by eye; a
//! leading line break is dropped (the first line is line 1).

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::spec;

mod alerts;
mod regressions;
mod service;
mod settings;
mod sli;

/// Every diagnostic of parsing and analyzing the files, settings first
/// (as `slogen.toml`), then each service file (`a.toml`, `b.toml`, ...),
/// as `code file:line:column`, ordered by file and place.
pub(super) fn diagnostics(settings: Option<&str>, services: &[&str]) -> Vec<String> {
    let text = |text: &str| text.strip_prefix('\n').unwrap_or(text).to_owned();
    let settings = settings.map(|settings| SourceFile::new("slogen.toml", text(settings)));
    let sources: Vec<SourceFile> = services
        .iter()
        .zip('a'..)
        .map(|(service, name)| SourceFile::new(format!("slo/{name}.toml"), text(service)))
        .collect();
    let mut found: Vec<Diagnostic> = Vec::new();
    let settings_file = settings.as_ref().and_then(|source| {
        let parsed = spec::parse_settings(source);
        found.extend(parsed.diagnostics);
        parsed.file.map(|file| (source, file))
    });
    let mut files = Vec::new();
    for source in &sources {
        let parsed = spec::parse_service(source);
        found.extend(parsed.diagnostics);
        files.extend(parsed.file.map(|file| (source, file)));
    }
    let services: Vec<(&SourceFile, &spec::ServiceFile)> =
        files.iter().map(|(source, file)| (*source, file)).collect();
    let complete = services.len() == sources.len();
    let (_, analyzed) = super::analyze(
        settings_file.as_ref().map(|(source, file)| (*source, file)),
        &services,
        complete,
    );
    found.extend(analyzed);
    let source_of = |path: &Path| {
        settings
            .iter()
            .chain(&sources)
            .find(|source| source.path == path)
    };
    let mut placed: Vec<(String, usize, usize, String)> = found
        .iter()
        .map(|diagnostic| {
            let code = diagnostic.problem.code().to_owned();
            let Some(location) = &diagnostic.location else {
                return (String::new(), 0, 0, code);
            };
            let source = source_of(&location.path).expect("a diagnostic in a file of the case");
            let (line, column) = source.line_column(location.span.start);
            (source.name.clone(), line, column, code)
        })
        .collect();
    placed.sort();
    placed
        .into_iter()
        .map(|(file, line, column, code)| format!("{code} {file}:{line}:{column}"))
        .collect()
}

/// One test: the files of a case, and the diagnostics expected of it (all
/// of them, errors and warnings).
macro_rules! analysis_error {
    (
        name: $name:ident,
        $(settings: $settings:expr,)?
        $(service: $service:expr,)*
        expect: [$($expected:expr),* $(,)?] $(,)?
    ) => {
        #[test]
        fn $name() {
            let settings: Option<&str> = None $(.or(Some($settings)))?;
            let services: &[&str] = &[$($service),*];
            let expected: &[&str] = &[$($expected),*];
            assert_eq!(
                super::diagnostics(settings, services),
                expected,
                "the diagnostics of `{}`",
                stringify!($name)
            );
        }
    };
}
pub(super) use analysis_error;
