//! Label matchers' regexes as Prometheus reads them: Go's `regexp` (RE2
//! syntax), not Rust's `regex`.
//!
//! In: the regex of a `=~` or `!~` matcher, as promql-parser accepted it
//! (it compiles `^(?:regex)$` with Rust's `regex`). Out: the first (leftmost)
//! construct that Prometheus 2.42 rejects, or reads otherwise than Rust
//! does, with its byte range in the regex and what to write instead.
//!
//! Guarantees: a regex this accepts, and Rust's `regex` compiles, is one
//! Go's `regexp` (Go 1.19, which builds Prometheus 2.42) compiles to the same
//! language, as far as syntax goes. Prometheus compiles `^(?:regex)$` and
//! also parses the regex alone, so both must parse. Checked, beyond what
//! Rust rejects as well:
//! - Go's limits: a count above 1000 (`a{1001}`), or nested counts that
//!   multiply past 1000 (`(?:a{100}){11}`); a repetition of a repetition
//!   (`a**`, `a{2}+`);
//! - counts Go reads as literal text (`a{01}`, `a{ 2 }`);
//! - named groups written `(?<name>…)` (Go 1.22 added them), and group
//!   names beyond ASCII letters, digits and `_`;
//! - flags Go lacks (it has `i`, `m`, `s` and `U`; Rust adds `u`, `x`, `R`);
//! - escapes Go lacks (`\u0041`, `\U…`, `\u{…}`) and word boundaries it
//!   reads as text (`\<`, `\>`, `\b{start}`, `\b{end}`, `\b{start-half}`,
//!   `\b{end-half}`);
//! - class set operations (`[a&&b]`, `[a--b]`, `[a~~b]`) and nested classes
//!   (`[a[b]]`), which Go reads as characters or rejects;
//! - Unicode classes Go 1.19 does not know: Go takes only `Any` and the
//!   exact names of Unicode 13's general categories and scripts, where Rust
//!   also takes properties, long names, loose spelling and newer scripts;
//! - parentheses that balance only with Prometheus' `^(?:` and `)$` around
//!   the regex (`a)|(b`).
//!
//! Not checked: Go's limits on the size (3.3 million instructions) and
//! nesting (1000) of a compiled regex, which Rust's own limits (10 MiB, 250
//! levels) reach first; and meaning beyond syntax: Go's `\d`, `\w`, `\s`
//! and `\b` are ASCII-only where Rust's are Unicode-aware, and Go 1.19's
//! Unicode tables are older (Unicode 13). Both tell apart only non-ASCII
//! label values.
//!
//! The parts: this file parses the regex as Prometheus wraps it; `walk`
//! visits its syntax tree for what Go rejects or misreads; `unicode` holds
//! the class names Go 1.19 knows.

#[cfg(test)]
mod tests;
mod unicode;
mod walk;

use std::ops::Range;

use regex_syntax::ast::{self, Ast};
use walk::Walk;

/// A construct of a regex that Prometheus rejects or reads otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Re2Error {
    /// What Go's `regexp` does with it.
    pub message: String,
    /// What to write instead.
    pub help: String,
    /// Where, as a byte range in the regex.
    pub span: Range<usize>,
}

/// The most times Go repeats anything, nested counts multiplied.
const MAX_REPEAT: u32 = 1000;

/// Checks a matcher's regex against Go's `regexp` ([module docs](self)).
pub(crate) fn check(pattern: &str) -> Result<(), Re2Error> {
    let parsed = Parsed::new(pattern)?;
    let mut walk = Walk {
        parsed: &parsed,
        found: Vec::new(),
    };
    walk.balanced(&parsed.ast);
    walk.ast(&parsed.ast);
    match walk.found.into_iter().min_by_key(|error| error.span.start) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// `^(?:`, which promql-parser and Prometheus put before a regex.
const OPEN: &str = "^(?:";

/// The regex as Rust parsed it.
struct Parsed<'a> {
    pattern: &'a str,
    /// The text parsed: `^(?:pattern)$`, with a `\` before each `{` that
    /// starts no count when Rust rejects it otherwise (as promql-parser
    /// retries).
    text: String,
    /// Offsets in `text` of the backslashes added, in order.
    added: Vec<usize>,
    ast: Ast,
}

impl<'a> Parsed<'a> {
    fn new(pattern: &'a str) -> Result<Self, Re2Error> {
        let text = format!("{OPEN}{pattern})$");
        let parse = |text: &str| {
            ast::parse::Parser::new()
                .parse(text)
                .map_err(|error| error.kind().to_string())
        };
        let (text, added, ast) = match parse(&text) {
            Ok(ast) => (text, Vec::new(), ast),
            Err(first) => {
                let (escaped, added) = escape_braces(&text);
                match parse(&escaped) {
                    Ok(ast) => (escaped, added, ast),
                    Err(_) => {
                        return Err(Re2Error {
                            message: format!("Rust's regex parser rejects it: {first}"),
                            help: "check the regex with `promtool check rules`".to_owned(),
                            span: 0..pattern.len(),
                        });
                    }
                }
            }
        };
        Ok(Self {
            pattern,
            text,
            added,
            ast,
        })
    }

    /// The byte range in the pattern of a span of `text`.
    fn range(&self, span: &ast::Span) -> Range<usize> {
        self.offset(span.start.offset)..self.offset(span.end.offset)
    }

    fn offset(&self, at: usize) -> usize {
        let added = self.added.partition_point(|&inserted| inserted < at);
        (at - added)
            .saturating_sub(OPEN.len())
            .min(self.pattern.len())
    }

    /// The pattern's text under a span of `text`.
    fn source(&self, span: &ast::Span) -> &'a str {
        &self.pattern[self.range(span)]
    }
}

/// promql-parser's second try at a regex Rust rejects: a `\` before every
/// `{` that does not open digits and at most one comma closed by `}` (the
/// text it looked at is kept as it is), and no change after a `\`.
fn escape_braces(text: &str) -> (String, Vec<usize>) {
    let mut escaped = String::with_capacity(text.len() + 8);
    let mut added = Vec::new();
    let mut chars = text.chars();
    while let Some(character) = chars.next() {
        match character {
            '\\' => {
                escaped.push('\\');
                if let Some(next) = chars.next() {
                    escaped.push(next);
                }
            }
            '{' => {
                let mut looked = String::new();
                let mut comma = false;
                let mut count = false;
                for next in chars.by_ref() {
                    looked.push(next);
                    match next {
                        ',' if comma || looked == "," => break,
                        ',' => comma = true,
                        '}' => {
                            count = looked != "}";
                            break;
                        }
                        digit if digit.is_ascii_digit() => {}
                        _ => break,
                    }
                }
                if !count {
                    added.push(escaped.len());
                    escaped.push('\\');
                }
                escaped.push('{');
                escaped.push_str(&looked);
            }
            other => escaped.push(other),
        }
    }
    (escaped, added)
}

/// Where the group `^(?:` opens ends (just past its `)`), in the parsed text.
fn wrapper_end(ast: &Ast) -> Option<usize> {
    match ast {
        Ast::Group(group) if group.span.start.offset == 1 => Some(group.span.end.offset),
        Ast::Concat(concat) => concat.asts.iter().take(2).find_map(wrapper_end),
        Ast::Alternation(alternation) => alternation.asts.first().and_then(wrapper_end),
        _ => None,
    }
}
