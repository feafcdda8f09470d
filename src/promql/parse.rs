//! Parsing: a query to its syntax tree, with slogen's size limits, the
//! place of a parse error, and the checks rules and series need.

use super::matchers::{RegexError, regex_error};
use super::shape::{Check, verdict};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};

/// Why a query is not usable in a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// The parser's message.
    Parse(String),
    /// It parsed, but a matcher's regex is one Prometheus rejects or reads
    /// otherwise.
    Regex(RegexError),
    /// It parsed, but returns something other than an instant vector.
    NotVector(String),
}

/// How deeply a query may nest (parentheses, brackets, braces and unary
/// signs): Prometheus's own limit is far above any real query, but a parser
/// that recurses must stop somewhere before the stack does.
pub(crate) const MAX_NESTING: usize = 256;

/// How many binary operators a query may chain (`a + b + ...`): the
/// parser's time grows faster than the chain (50,000 terms took 23 s), and
/// no SLI needs more than a handful.
pub(crate) const MAX_OPERATORS: usize = 1_000;

/// Parses a query with promql-parser, unless it nests deeper than
/// [`MAX_NESTING`]: every parse of text slogen did not write goes through
/// here, so no input can overflow the stack.
pub(crate) fn parse(query: &str) -> Result<Expr, String> {
    let size = size(query);
    if size.nesting > MAX_NESTING {
        return Err(format!(
            "the query nests more than {MAX_NESTING} levels deep (parentheses, brackets or signs)"
        ));
    }
    if size.operators > MAX_OPERATORS {
        return Err(format!(
            "the query chains more than {MAX_OPERATORS} binary operators; split it into recording rules"
        ));
    }
    parser::parse(query)
}

/// Just past the quoted text that opens at `bytes[open]`: `"…"` and `'…'`
/// with backslash escapes, `` `…` `` raw, as PromQL and Go templates quote.
/// `None` when it never closes.
pub(super) fn past_quoted(bytes: &[u8], open: usize) -> Option<usize> {
    let quote = bytes[open];
    let mut at = open + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote != b'`' => at += 2,
            byte if byte == quote => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// How a query is built, as far as the parser's cost goes: the deepest
/// nesting (open parentheses, brackets and braces, plus a run of signs in
/// front of an operand) and the number of binary operators outside braces.
/// Quoted text and comments do not count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Size {
    pub(super) nesting: usize,
    pub(super) operators: usize,
}

pub(super) fn size(query: &str) -> Size {
    let bytes = query.as_bytes();
    let (mut depth, mut braces, mut signs) = (0usize, 0usize, 0usize);
    let mut size = Size::default();
    // True where a sign would be unary: at the start, after an opening
    // bracket, a comma or an operator.
    let mut operand_next = true;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        match byte {
            b'"' | b'\'' | b'`' => {
                at = past_quoted(bytes, at).unwrap_or(bytes.len()) - 1;
                operand_next = false;
                signs = 0;
            }
            // A comment runs to a line feed or carriage return, as the
            // lexer ends it; a quote inside it opens nothing.
            b'#' => {
                while at + 1 < bytes.len() && !matches!(bytes[at + 1], b'\n' | b'\r') {
                    at += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                braces += usize::from(byte == b'{');
                operand_next = true;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if byte == b'}' {
                    braces = braces.saturating_sub(1);
                }
                operand_next = false;
                signs = 0;
            }
            b'-' | b'+' if operand_next => signs += 1,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'*' | b'/' | b'%' | b'^' | b'=' | b'!' | b'<' | b'>' | b',' | b'-' | b'+' => {
                if !operand_next && braces == 0 && byte != b',' {
                    size.operators += 1;
                }
                operand_next = true;
                signs = 0;
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = at;
                while bytes
                    .get(at + 1)
                    .is_some_and(|next| next.is_ascii_alphanumeric() || matches!(next, b'_' | b':'))
                {
                    at += 1;
                }
                let word = &query[start..=at];
                let set_operator = matches!(word, "and" | "or" | "unless");
                if set_operator && !operand_next && braces == 0 {
                    size.operators += 1;
                    operand_next = true;
                } else {
                    operand_next = false;
                }
                signs = 0;
            }
            _ => {
                operand_next = false;
                signs = 0;
            }
        }
        size.nesting = size.nesting.max(depth + signs);
        at += 1;
    }
    size
}

/// Where a query that fails to parse goes wrong, when its brackets or its
/// last operator tell: a closing bracket that closes nothing (or the wrong
/// kind), the innermost bracket never closed, or a binary operator with
/// nothing after it. The parser itself names no place, so the rest are
/// shown as the whole query. A byte range into `query`.
pub(crate) fn parse_error_place(query: &str) -> Option<std::ops::Range<usize>> {
    let bytes = query.as_bytes();
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut last_operator: Option<usize> = None;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' | b'\'' | b'`' => {
                at = past_quoted(bytes, at).unwrap_or(bytes.len());
                last_operator = None;
                continue;
            }
            b'#' => {
                while at < bytes.len() && !matches!(bytes[at], b'\n' | b'\r') {
                    at += 1;
                }
                continue;
            }
            byte @ (b'(' | b'[' | b'{') => {
                open.push((at, byte));
                last_operator = None;
            }
            byte @ (b')' | b']' | b'}') => {
                let opener = match byte {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match open.pop() {
                    Some((_, found)) if found == opener => {}
                    _ => return Some(at..at + 1),
                }
                last_operator = None;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'=' | b'!' | b'<' | b'>' => {
                if last_operator.is_none() {
                    last_operator = Some(at);
                }
            }
            byte if byte.is_ascii_whitespace() => {}
            _ => last_operator = None,
        }
        at += 1;
    }
    if let Some((at, _)) = open.last() {
        return Some(*at..*at + 1);
    }
    let operator = last_operator?;
    let end = query[operator..].trim_end().len() + operator;
    Some(operator..end.max(operator + 1))
}

/// The query without its `#` comments (quoted text kept whole), blank
/// lines and trailing spaces, trimmed: what slogen composes into larger
/// expressions, where a comment would swallow the rest of the line (`(q #
/// 5xx) > 0.1` is `(q`).
pub(crate) fn strip_comments(query: &str) -> String {
    let bytes = query.as_bytes();
    let mut kept = String::with_capacity(query.len());
    let (mut at, mut from) = (0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'"' | b'\'' | b'`' => at = past_quoted(bytes, at).unwrap_or(bytes.len()),
            b'#' => {
                kept.push_str(&query[from..at]);
                while at < bytes.len() && !matches!(bytes[at], b'\n' | b'\r') {
                    at += 1;
                }
                from = at;
            }
            _ => at += 1,
        }
    }
    kept.push_str(&query[from..]);
    let lines: Vec<&str> = kept
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .collect();
    lines.join("\n").trim().to_owned()
}

/// Parses a query as Prometheus would: with [`parse`], then every
/// matcher's regex as Go reads it ([`regex_error`]).
fn parse_checked(query: &str) -> Result<Expr, QueryError> {
    let expr = parse(query).map_err(QueryError::Parse)?;
    match regex_error(query) {
        Some(error) => Err(QueryError::Regex(error)),
        None => Ok(expr),
    }
}

/// Parses a query that must return an instant vector, its regexes read as
/// Prometheus reads them.
pub(crate) fn parse_instant_vector(query: &str) -> Result<Expr, QueryError> {
    let expr = parse_checked(query)?;
    match expr.value_type() {
        ValueType::Vector => Ok(expr),
        other => Err(QueryError::NotVector(other.to_string())),
    }
}

/// Checks a query that must return an instant vector, as
/// [`parse_instant_vector`] does (its regexes too), without parsing the
/// same shape twice.
///
/// Generated files repeat a few shapes of query thousands of times, with
/// only label values changed; and the parser compiles every `=~`/`!~`
/// regex, which costs more than the rest of a parse. So a query is checked
/// through its [`shape`], and shapes known to pass are kept for the life of
/// the process. A shape that fails is reported from the query itself, so
/// the message is the parser's own.
pub(crate) fn check_instant_vector(query: &str) -> Result<(), QueryError> {
    verdict(Check::Vector, query, |text| {
        parse_instant_vector(text).map(|_| ())
    })
}

/// Checks that a query parses, whatever it returns (as
/// `promtool test rules` reads a `promql_expr_test`), its regexes read as
/// Prometheus reads them, through its [`shape`].
pub(crate) fn check_query(query: &str) -> Result<(), String> {
    verdict(Check::Query, query, |text| match parse_checked(text) {
        Ok(_) => Ok(()),
        Err(QueryError::Regex(error)) => Err(error.to_string()),
        Err(QueryError::Parse(message) | QueryError::NotVector(message)) => Err(message),
    })
}

/// A selector without `or`, offset or `@`.
pub(crate) fn is_plain_selector(selector: &promql_parser::parser::VectorSelector) -> bool {
    selector.offset.is_none() && selector.at.is_none() && selector.matchers.or_matchers.is_empty()
}

/// Checks a series as promtool reads it (`name{a="b"}` or `{__name__="x"}`):
/// a selector with equality matchers only, through its [`shape`].
pub(crate) fn parse_series(text: &str) -> Result<(), String> {
    verdict(Check::Series, text, series_verdict)
}

pub(super) fn series_verdict(text: &str) -> Result<(), String> {
    match parse(text)? {
        Expr::VectorSelector(selector)
            if is_plain_selector(&selector)
                && selector
                    .matchers
                    .matchers
                    .iter()
                    .all(|matcher| matches!(matcher.op, promql_parser::label::MatchOp::Equal)) =>
        {
            Ok(())
        }
        _ => Err("only `=` matchers name a series".to_owned()),
    }
}
