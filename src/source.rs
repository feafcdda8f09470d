//! Source files as slogen read them: a display path and the full text.
//!
//! Every diagnostic points into one of these by byte range; this module turns
//! byte offsets into the 1-based line and column a person reads. Each file
//! indexes where its lines start once, when first asked, so that finding a
//! position costs a binary search, not a scan from the file's start (20,000
//! diagnostics in one file took 50 s).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One input file, read once by [`crate::load`] and never touched on disk again.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path shown to users (as given on the command line, joined with the file name).
    pub path: PathBuf,
    /// The file name relative to the spec directory; stable across machines, used in output headers.
    pub name: String,
    /// The full UTF-8 text (invalid bytes replaced by U+FFFD).
    pub text: String,
    /// Where the file's bytes stop being UTF-8, if they do: a byte offset
    /// into `text`, where the first replacement character stands.
    pub invalid_utf8: Option<usize>,
    /// Byte offsets where lines start, made on first use.
    line_starts: OnceLock<Vec<usize>>,
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        (&self.path, &self.name, &self.text, self.invalid_utf8)
            == (&other.path, &other.name, &other.text, other.invalid_utf8)
    }
}

impl Eq for SourceFile {}

impl SourceFile {
    /// A source from memory (tests, `slogen init`).
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self {
            path,
            name,
            text: text.into(),
            invalid_utf8: None,
            line_starts: OnceLock::new(),
        }
    }

    /// Where the text stops being UTF-8: the first replacement character.
    pub fn invalid_utf8_span(&self) -> Option<std::ops::Range<usize>> {
        self.invalid_utf8
            .map(|offset| offset..offset + '\u{fffd}'.len_utf8())
    }

    /// A source from a file's bytes, which may not be UTF-8.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Self::new(path, text),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                Self {
                    invalid_utf8: Some(offset),
                    ..Self::new(path, text)
                }
            }
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .match_indices('\n')
                        .map(|(newline, _)| newline + 1),
                )
                .collect()
        })
    }

    /// A byte offset moved into the text and back onto a character boundary.
    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let starts = self.line_starts();
        let line = starts.partition_point(|start| *start <= offset);
        let column = self.text[starts[line - 1]..offset].chars().count() + 1;
        (line, column)
    }

    /// The whole lines that `span` touches, as a byte range, and the
    /// 1-based number of the first.
    pub fn lines_of(&self, span: &Range<usize>) -> (Range<usize>, usize) {
        let starts = self.line_starts();
        let (start, end) = (self.clamp(span.start), self.clamp(span.end.max(span.start)));
        let first = starts.partition_point(|line| *line <= start);
        let last = starts.partition_point(|line| *line <= end);
        let end = starts
            .get(last)
            .map_or(self.text.len(), |next| next.saturating_sub(1).max(end));
        (starts[first - 1]..end, first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(text: &str, offset: usize, expected: (usize, usize)) {
        assert_eq!(SourceFile::new("a", text).line_column(offset), expected);
    }

    #[test]
    fn spans_become_whole_lines() {
        let source = SourceFile::new("a", "one\ntwo\nthree");
        assert_eq!(source.lines_of(&(5..6)), (4..7, 2));
        assert_eq!(source.lines_of(&(5..10)), (4..13, 2));
        assert_eq!(source.lines_of(&(8..8)), (8..13, 3));
        assert_eq!(source.lines_of(&(99..99)), (8..13, 3));
        assert_eq!(source.lines_of(&(3..3)), (0..3, 1));
    }

    #[test]
    fn offsets_become_lines_and_columns() {
        case("abc", 0, (1, 1));
        case("abc", 2, (1, 3));
        case("a\nbc", 2, (2, 1));
        case("a\nbc", 3, (2, 2));
        case("é\nx", 3, (2, 1));
        case("éx", 2, (1, 2));
        case("abc", 99, (1, 4));
    }
}
