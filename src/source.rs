//! Source files as slogen read them: a display path and the full text.
//!
//! Every diagnostic points into one of these by byte range; this module turns
//! byte offsets into the 1-based line and column a person reads.

use std::path::PathBuf;

/// One input file, read once by [`crate::load`] and never touched on disk again.
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

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

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        line_column(&self.text, offset)
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(text: &str, offset: usize, expected: (usize, usize)) {
        assert_eq!(line_column(text, offset), expected);
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
