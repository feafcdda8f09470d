//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! A [`Diagnostic`] is a [`Problem`] (a kind with named fields) plus an
//! optional location (file and byte span). All user-facing wording lives in
//! [`Problem::message`], [`Problem::help`] and [`Problem::code`]; the stages
//! that find problems only name them. Codes are stable (they appear in JSON
//! output and in the documentation) and never reused.
//!
//! Three renderings share the same data: `human` (compiler-style, with the
//! source line and a caret), `json` (a stable array) and `github` (workflow
//! annotations).
//!
//! The parts: `problem` (the kinds, their severity and code), `wording`
//! (message, help and caret label of each kind), `output` (the three
//! renderings); this file holds the located [`Diagnostic`] itself.

mod output;
mod problem;
#[cfg(test)]
mod tests;
mod wording;

pub use output::{Format, render};
pub(crate) use output::{JsonDiagnostic, json_items};
pub(crate) use problem::Problem;
pub(crate) use wording::{INTEGRATIONS, suggest};

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a diagnostic is. Errors stop the build; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The input is invalid; nothing is written.
    Error,
    /// Valid, but probably not what was meant.
    Warning,
}

/// Where a diagnostic points: a file and a byte range in its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's display path.
    pub path: PathBuf,
    /// Byte range in the file's text; empty ranges point between characters.
    pub span: Range<usize>,
}

/// One problem found in the input or output, with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning; derived from the problem unless overridden.
    pub severity: Level,
    /// What is wrong (boxed: diagnostics travel in `Result`s).
    pub problem: Box<Problem>,
    /// Where, when the problem has a place in a file.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// A problem at a byte span of a file.
    pub fn at(problem: Problem, path: &Path, span: Range<usize>) -> Self {
        Self {
            severity: problem.severity(),
            problem: Box::new(problem),
            location: Some(Location {
                path: path.to_path_buf(),
                span,
            }),
        }
    }

    /// A problem with a file but no place in it.
    pub fn in_file(problem: Problem, path: &Path) -> Self {
        Self::at(problem, path, 0..0)
    }

    /// A problem with no file (I/O, usage, generated output).
    pub fn general(problem: Problem) -> Self {
        Self {
            severity: problem.severity(),
            problem: Box::new(problem),
            location: None,
        }
    }

    /// True when this diagnostic stops the build.
    pub fn is_error(&self) -> bool {
        self.severity == Level::Error
    }

    fn sort_key(&self) -> (Option<&Path>, usize, Level) {
        let location = self.location.as_ref();
        (
            location.map(|location| location.path.as_path()),
            location.map_or(0, |location| location.span.start),
            self.severity,
        )
    }
}

/// Sorts diagnostics by file, then position, then severity; drops exact repeats.
pub(crate) fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
    diagnostics.dedup();
}
