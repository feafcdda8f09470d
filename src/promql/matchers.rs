//! Matchers' literals found in query text, and their regexes read as
//! Prometheus reads them ([`crate::re2`]).

use super::parse::past_quoted;
use super::shape::{Memo, regex_matcher};
use promql_parser::parser::{self};

/// A matcher's regex that Prometheus (Go's `regexp`) rejects or reads
/// otherwise than promql-parser (Rust's `regex`), as [`crate::re2`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegexError {
    /// The regex, as its string literal spells it.
    pub regex: String,
    /// Where the construct at fault is in the query, as a byte range
    /// inside the regex's string literal (the whole literal where its
    /// escapes hide the place).
    pub at: std::ops::Range<usize>,
    /// What Go's `regexp` does with it.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

impl std::fmt::Display for RegexError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "regex `{}`: {}; {}",
            self.regex, self.message, self.help
        )
    }
}

/// Byte ranges of the string literals (quotes included) right after a
/// matcher operator, outside other strings and comments, each with whether
/// it is a regex (`=~`, `!~`) or an equality (`=`, `!=`).
pub(super) fn matcher_literals(query: &str) -> Vec<(std::ops::Range<usize>, bool)> {
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    let mut after: Option<bool> = None;
    while index < bytes.len() {
        let next = bytes.get(index + 1).copied();
        match bytes[index] {
            b'"' | b'\'' | b'`' => {
                let start = index;
                let end = past_quoted(bytes, index);
                index = end.unwrap_or(bytes.len() + 1);
                if let (Some(regex), Some(end)) = (after, end) {
                    found.push((start..end, regex));
                }
                after = None;
                continue;
            }
            // A comment ends at a line feed or a carriage return, as the
            // parser's lexer ends it.
            b'#' => {
                while index < bytes.len() && !matches!(bytes[index], b'\n' | b'\r') {
                    index += 1;
                }
                after = None;
            }
            b'=' | b'!' if next == Some(b'~') => {
                after = Some(true);
                index += 1;
            }
            b'!' if next == Some(b'=') => {
                after = Some(false);
                index += 1;
            }
            // `==`, `<=`, `>=` compare; they are not matchers.
            b'=' | b'<' | b'>' if next == Some(b'=') => {
                after = None;
                index += 1;
            }
            b'=' => after = Some(false),
            byte if byte.is_ascii_whitespace() => {}
            _ => after = None,
        }
        index += 1;
    }
    found
}

/// The stand-in for a regex literal: `""` when it matches the empty
/// string, `".+"` when it does not, `None` when the parser rejects it or
/// Prometheus would ([`literal_regex_error`]). Verdicts are kept for the
/// life of the process.
pub(super) fn regex_placeholder(literal: &str) -> Option<&'static str> {
    static VERDICTS: Memo<String, Option<&'static str>> = Memo::new();
    VERDICTS.get(literal, || {
        if literal_regex_error(literal).is_some() {
            return None;
        }
        parser::parse(&format!("slogen_probe{{slogen_probe=~{literal}}}"))
            .ok()
            .map(|_| {
                // Without a metric name, a selector whose only matcher
                // matches the empty string is rejected.
                if parser::parse(&format!("{{slogen_probe=~{literal}}}")).is_ok() {
                    "\".+\""
                } else {
                    "\"\""
                }
            })
    })
}

/// The first matcher regex of a query that Prometheus rejects or reads
/// otherwise than promql-parser ([`crate::re2`]), located in the query.
/// Meant for queries that parse: a literal the parser would reject is not
/// looked at.
pub(crate) fn regex_error(query: &str) -> Option<RegexError> {
    matcher_literals(query)
        .into_iter()
        .filter(|(_, regex)| *regex)
        .find_map(|(range, _)| {
            literal_regex_error(&query[range.clone()]).map(|error| RegexError {
                at: range.start + error.at.start..range.start + error.at.end,
                ..error
            })
        })
}

/// [`regex_error`] of one regex literal (quotes included), located in the
/// literal. Kept for the life of the process.
fn literal_regex_error(literal: &str) -> Option<RegexError> {
    static KNOWN: Memo<String, Option<RegexError>> = Memo::new();
    KNOWN.get(literal, || {
        // Where each byte of the regex comes from in the literal; the
        // parser's own reading, located as a whole, should mine fail.
        let (regex, starts) = match unquote(literal) {
            Some(unquoted) => unquoted,
            None => (regex_matcher(literal, false)?.1, Vec::new()),
        };
        let error = crate::re2::check(&regex).err()?;
        let at = match (starts.get(error.span.start), starts.get(error.span.end)) {
            (Some(&start), Some(&end)) => start..end.max(start + 1),
            _ => 0..literal.len(),
        };
        Some(RegexError {
            regex,
            at,
            message: error.message,
            help: error.help,
        })
    })
}

/// A PromQL string literal's text (`"…"` and `'…'` with Go's escapes,
/// `` `…` `` raw), as promql-parser reads it, with the offset in the literal
/// of what gave each of its bytes, and of the closing quote last. `None`
/// when it is not a literal the parser reads.
pub(super) fn unquote(literal: &str) -> Option<(String, Vec<usize>)> {
    let quote = literal.chars().next()?;
    let inner = literal
        .get(1..literal.len() - 1)
        .filter(|_| literal.len() >= 2 && literal.ends_with(quote))?;
    let mut text = String::with_capacity(inner.len());
    let mut starts = Vec::with_capacity(inner.len() + 1);
    let mut push = |text: &mut String, character: char, at: usize| {
        text.push(character);
        starts.resize(text.len(), at);
    };
    match quote {
        '`' if !inner.contains('`') => {
            for (at, character) in inner.char_indices() {
                push(&mut text, character, 1 + at);
            }
        }
        '"' | '\'' if !inner.contains('\n') => {
            let mut characters = inner.char_indices();
            while let Some((at, character)) = characters.next() {
                if character == quote {
                    return None;
                }
                if character != '\\' {
                    push(&mut text, character, 1 + at);
                    continue;
                }
                let (_, escape) = characters.next()?;
                let mut number = |digits: usize, radix: u32| {
                    (0..digits).try_fold(0_u32, |value, _| {
                        let digit = characters.next()?.1.to_digit(radix)?;
                        Some(value * radix + digit)
                    })
                };
                let character = match escape {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    '\\' => '\\',
                    escape if escape == quote => escape,
                    'x' => char::from_u32(number(2, 16)?)?,
                    'u' => char::from_u32(number(4, 16)?)?,
                    'U' => char::from_u32(number(8, 16)?)?,
                    '0'..='7' => {
                        let value = escape.to_digit(8)? * 64 + number(2, 8)?;
                        char::from_u32(value).filter(|_| value <= 255)?
                    }
                    _ => return None,
                };
                push(&mut text, character, 1 + at);
            }
        }
        _ => return None,
    }
    starts.push(literal.len() - 1);
    Some((text, starts))
}
