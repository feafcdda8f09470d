//! Verification: generated files are parsed back before anything is written.
//!
//! In: [`GeneratedFile`]s. Out: diagnostics, empty when every file is valid.
//! A template can write anything, so nothing it produced is trusted: rule
//! files are read with the structure of their target's format ([`RuleFormat`]:
//! promtool's fields, plus Thanos', Mimir's or vmalert's group fields, a
//! Mimir `namespace`, or `PrometheusRule` objects, several to a file; a
//! field the format does not read is a located error), every expression is
//! parsed again as an instant vector, record names, label names and
//! durations are checked, and duplicate rules are reported. The same checks
//! serve `slogen check --rules` on hand-written files of any of these
//! formats ([`RuleFormat::Any`] tells them apart). Test files (`tests/*.yml`) are read with the structure of
//! `promtool test rules` (2.42): their rule files must be generated files,
//! their group order must name those files' groups, and every duration,
//! series, expression and value notation must parse.
//!
//! Both are read with serde-saphyr, a rule file with spans to say where
//! each problem is. A build reads back only what templates the user
//! overrides wrote (or everything with `--verify`): the embedded templates
//! are proven by slogen's own tests.
//!
//! The parts, one per kind of file read back:
//! - this file: the entry points (a generated file verified or trusted);
//! - `rule_files`: rule files of every target's format, also
//!   `slogen check --rules` on hand-written ones;
//! - `promtool_tests`: the generated `promtool test rules` files;
//! - `alertmanager`: the routing file;
//! - `dashboards`: Grafana dashboards (and the series they may read).

mod alertmanager;
mod dashboards;
mod promtool_tests;
mod rule_files;
#[cfg(test)]
mod tests;

pub use alertmanager::check_alertmanager_text;
pub(crate) use alertmanager::stopped_routes;
pub(crate) use dashboards::{KnownSeries, check_dashboard_text, metric_names};
pub(crate) use promtool_tests::{TestReferences, check_test_references, check_test_text};
pub(crate) use rule_files::RuleFormat;
pub use rule_files::check_rules;

use std::ops::Range;

use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Problem};
use crate::render::GeneratedFile;
use crate::source::SourceFile;
use rule_files::check_rules_and_groups;

/// Where a value read from YAML stands in the file.
trait Place {
    fn span(&self) -> Range<usize>;
}

impl<T> Place for Spanned<T> {
    fn span(&self) -> Range<usize> {
        span_of(&self.referenced)
    }
}

/// What verifying one generated file found.
#[derive(Debug, Default)]
pub(crate) struct Verified {
    /// One diagnostic per problem.
    pub problems: Vec<Diagnostic>,
    /// A rule file's group names, which test files may name.
    pub groups: Option<Vec<String>>,
    /// How many rules a rule file holds.
    pub rules: usize,
}

/// A file of an embedded template, taken as written (slogen's own tests
/// prove those templates): only its rules are counted, for the summary.
pub(crate) fn trusted(file: GeneratedFile) -> (GeneratedFile, Verified) {
    let rules = if is_rule_file(&file.path) {
        file.contents
            .lines()
            .map(str::trim_start)
            .filter(|line| line.starts_with("- record:") || line.starts_with("- alert:"))
            .count()
    } else {
        0
    };
    let verified = Verified {
        rules,
        ..Verified::default()
    };
    (file, verified)
}

/// Checks a generated `alertmanager.yml` (other files pass). Rule files
/// are checked with [`verify_rules`]; test files name other files, so they
/// are checked with [`check_test_text`] and [`check_test_references`].
pub(crate) fn verify_file(file: GeneratedFile) -> (GeneratedFile, Verified) {
    let problems = if file.path == "alertmanager.yml" {
        check_alertmanager_text(&file.contents)
    } else {
        Vec::new()
    };
    let problems = generated_invalid(&file.path, problems);
    (
        file,
        Verified {
            problems,
            ..Verified::default()
        },
    )
}

/// Checks a generated rule file in its format and gives it back (its text
/// is read in place, not copied).
pub(crate) fn verify_rules(
    mut file: GeneratedFile,
    format: RuleFormat,
) -> (GeneratedFile, Verified) {
    let (messages, groups, rules) = {
        let source = SourceFile::new(&file.path, std::mem::take(&mut file.contents));
        let (diagnostics, groups, rules) = check_rules_and_groups(&source, format);
        let messages: Vec<String> = diagnostics
            .into_iter()
            .map(|diagnostic| {
                let at = diagnostic
                    .location
                    .as_ref()
                    .map_or_else(String::new, |location| {
                        let (line, column) = source.line_column(location.span.start);
                        format!("line {line}:{column}: ")
                    });
                format!("{at}{}", diagnostic.problem.message())
            })
            .collect();
        file.contents = source.text;
        (messages, Some(groups), rules)
    };
    let problems = generated_invalid(&file.path, messages);
    (
        file,
        Verified {
            problems,
            groups,
            rules,
        },
    )
}

/// What verifying a generated file found, as `generated-invalid` errors
/// naming the file.
pub(crate) fn generated_invalid(path: &str, messages: Vec<String>) -> Vec<Diagnostic> {
    messages
        .into_iter()
        .map(|message| {
            Diagnostic::general(Problem::GeneratedInvalid {
                file: path.to_owned(),
                message,
            })
        })
        .collect()
}

/// A rule file's path: a `.yml` file outside `tests/` and `runbooks/`,
/// other than `alertmanager.yml`.
pub(crate) fn is_rule_file(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|extension| extension == "yml")
        && path != "alertmanager.yml"
        && !path.starts_with("tests/")
        && !path.starts_with("runbooks/")
}

/// Parser limits that grow with the input: the defaults (250,000 nodes,
/// 64 MiB of scalars) guard against YAML bombs but reject large, honest
/// rule and test files. Without aliases a node or event needs at least a
/// byte, and scalars and comments are never longer than the text, so
/// scaling with the input keeps the guard and admits every real file.
fn yaml_options(text: &str) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_events = budget.max_events.max(2 * text.len());
    budget.max_buffered_comment_events = budget.max_buffered_comment_events.max(text.len());
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(text.len());
    budget.max_total_comment_bytes = budget.max_total_comment_bytes.max(text.len());
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    // Comments are read past, not kept: nothing here needs their text.
    options.emit_comments = false;
    options
}

/// The byte range of a YAML node.
fn span_of(location: &serde_saphyr::Location) -> Range<usize> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(0);
    let length = usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0);
    start..start + length
}

/// The YAML library's message in slogen's words: without the place (the
/// diagnostic shows it) and without advice meant for programmers.
fn yaml_message(message: &str) -> String {
    let mut message = message.trim();
    message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((place, rest)) = rest.split_once(": ")
        && place.contains(" column ")
    {
        message = rest;
    }
    if message.starts_with("multiple YAML documents detected") {
        return "the file holds more than one YAML document (`---`); Prometheus reads one group list per rule file: split it into files".to_owned();
    }
    message.to_owned()
}
