//! PromQL helpers: window placeholders, parsing checks, names, and escaping.
//!
//! Parsing is done by `promql-parser` (Prometheus 3 grammar); this module
//! only adds what slogen needs around it: `{{window}}` substitution, the
//! "instant vector" requirement of rules, matchers' regexes read as
//! Prometheus reads them ([`crate::re2`]), parenthesising user queries when
//! they are composed into larger expressions, and escaping plain text so it
//! reaches an annotation literally instead of running as a Go template.

use promql_parser::label::MatchOp;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr, VectorSelector};

/// Why a query is not usable in a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// The parser's message.
    Parse(String),
    /// It parsed, but a matcher's regex is one Prometheus rejects or reads
    /// otherwise.
    Regex(RegexError),
    /// It parsed, but returns something other than an instant vector.
    NotVector(String),
}

/// A matcher's regex that Prometheus (Go's `regexp`) rejects or reads
/// otherwise than promql-parser (Rust's `regex`), as [`crate::re2`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError {
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

/// How deeply a query may nest (parentheses, brackets, braces and unary
/// signs): Prometheus's own limit is far above any real query, but a parser
/// that recurses must stop somewhere before the stack does.
pub const MAX_NESTING: usize = 256;

/// How many binary operators a query may chain (`a + b + ...`): the
/// parser's time grows faster than the chain (50,000 terms took 23 s), and
/// no SLI needs more than a handful.
pub const MAX_OPERATORS: usize = 1_000;

/// Parses a query with promql-parser, unless it nests deeper than
/// [`MAX_NESTING`]: every parse of text slogen did not write goes through
/// here, so no input can overflow the stack.
pub fn parse(query: &str) -> Result<Expr, String> {
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
fn past_quoted(bytes: &[u8], open: usize) -> Option<usize> {
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
struct Size {
    nesting: usize,
    operators: usize,
}

fn size(query: &str) -> Size {
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
pub fn parse_error_place(query: &str) -> Option<std::ops::Range<usize>> {
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
pub fn strip_comments(query: &str) -> String {
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

/// Which labels a query's result keeps, as its outermost operation says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// `sum by (a, b) (...)`: those labels (`sum(...)`: none). Sorted.
    By(Vec<String>),
    /// `sum without (a, b) (...)`: every label of the input but those. Sorted.
    Without(Vec<String>),
    /// A selector, or a function of one such as `rate(x[5m])`: every label
    /// of its series.
    Series,
    /// Anything else (a binary operation, `topk`, ...): only the data can
    /// tell.
    Unknown,
}

/// Whether two queries' results can pair up by their labels, as
/// `errors / total` needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pairing {
    /// Grouped alike: the same `by` labels, the same `without` labels, or
    /// both every label of their series (or only the data can tell).
    Alike,
    /// Grouped in different forms (`by` and `without`, aggregated and
    /// not): they pair only if the series carry exactly the right labels.
    Unsure,
    /// The same form with different labels: they never pair.
    Never,
}

impl Grouping {
    /// How results grouped so and `other` pair up.
    pub fn pairing(&self, other: &Self) -> Pairing {
        match (self, other) {
            (Self::Unknown, _) | (_, Self::Unknown) | (Self::Series, Self::Series) => {
                Pairing::Alike
            }
            (Self::By(left), Self::By(right)) | (Self::Without(left), Self::Without(right)) => {
                if left == right {
                    Pairing::Alike
                } else {
                    Pairing::Never
                }
            }
            _ => Pairing::Unsure,
        }
    }
}

impl std::fmt::Display for Grouping {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::By(labels) if labels.is_empty() => write!(formatter, "no labels (`sum(...)`)"),
            Self::By(labels) => write!(formatter, "the labels ({})", labels.join(", ")),
            Self::Without(labels) => {
                write!(formatter, "every label except ({})", labels.join(", "))
            }
            Self::Series => write!(formatter, "every label of its series (no aggregation)"),
            Self::Unknown => write!(formatter, "labels only the data can tell"),
        }
    }
}

/// The [`Grouping`] of a query's result.
pub fn output_grouping(expr: &Expr) -> Grouping {
    use promql_parser::parser::token;
    let sorted = |labels: &[String]| {
        let mut labels = labels.to_vec();
        labels.sort();
        labels.dedup();
        labels
    };
    match expr {
        Expr::Paren(inner) => output_grouping(&inner.expr),
        Expr::VectorSelector(_) => Grouping::Series,
        // `rate(x[5m])`, `abs(x)`: a function of one selector keeps its
        // series' labels (but `__name__`).
        Expr::Call(call)
            if call.args.args.len() == 1
                && matches!(
                    *call.args.args[0],
                    Expr::MatrixSelector(_) | Expr::VectorSelector(_)
                )
                && !matches!(
                    call.func.name,
                    "label_replace"
                        | "label_join"
                        | "vector"
                        | "scalar"
                        | "absent"
                        | "absent_over_time"
                        | "sort_by_label"
                        | "sort_by_label_desc"
                ) =>
        {
            Grouping::Series
        }
        Expr::Aggregate(aggregate) => {
            let keeps_labels = [
                token::T_TOPK,
                token::T_BOTTOMK,
                token::T_COUNT_VALUES,
                token::T_LIMITK,
                token::T_LIMIT_RATIO,
            ]
            .contains(&aggregate.op.id());
            match &aggregate.modifier {
                _ if keeps_labels => Grouping::Unknown,
                None => Grouping::By(Vec::new()),
                Some(promql_parser::parser::LabelModifier::Include(labels)) => {
                    Grouping::By(sorted(&labels.labels))
                }
                // `without ()` keeps every label, as a selector does.
                Some(promql_parser::parser::LabelModifier::Exclude(labels))
                    if labels.labels.is_empty() =>
                {
                    Grouping::Series
                }
                Some(promql_parser::parser::LabelModifier::Exclude(labels)) => {
                    Grouping::Without(sorted(&labels.labels))
                }
            }
        }
        _ => Grouping::Unknown,
    }
}

/// Visits every node of an expression, parents first.
pub fn walk(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(expr);
    match expr {
        Expr::Aggregate(aggregate) => {
            walk(&aggregate.expr, visit);
            if let Some(param) = &aggregate.param {
                walk(param, visit);
            }
        }
        Expr::Unary(unary) => walk(&unary.expr, visit),
        Expr::Binary(binary) => {
            walk(&binary.lhs, visit);
            walk(&binary.rhs, visit);
        }
        Expr::Paren(paren) => walk(&paren.expr, visit),
        Expr::Subquery(subquery) => walk(&subquery.expr, visit),
        Expr::Call(call) => {
            for argument in &call.args.args {
                walk(argument, visit);
            }
        }
        _ => {}
    }
}

/// The function an event SLI's queries apply to its counters, which
/// decides what Prometheus records: events per second or per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// `rate(...)` (or `irate(...)`): the extrapolated increase divided by
    /// the range.
    Rate,
    /// `increase(...)`: the extrapolated increase itself.
    Increase,
}

/// What `errors / total` needs to know of each side of a ratio SLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatioSide {
    /// The labels its result keeps.
    pub grouping: Grouping,
    /// How it counts events; `None` when it uses both functions or neither.
    pub counting: Option<Counting>,
}

/// The [`RatioSide`] of a query, one parse per [`shape`] (label values
/// change neither); a query that does not parse as an instant vector
/// tells nothing.
pub fn ratio_side(query: &str) -> RatioSide {
    static SIDES: Memo<String, RatioSide> = Memo::new();
    let shaped = shape(query);
    SIDES.get(shaped.as_ref(), || {
        let Ok(expr) = parse_instant_vector(&shaped) else {
            return RatioSide {
                grouping: Grouping::Unknown,
                counting: None,
            };
        };
        let (mut rate, mut increase, mut subquery) = (false, false, false);
        walk(&expr, &mut |node| match node {
            Expr::Call(call) => match call.func.name {
                "rate" | "irate" => rate = true,
                "increase" => increase = true,
                _ => {}
            },
            // `sum_over_time(rate(x[1m])[1h:1m])` counts per window again.
            Expr::Subquery(_) => subquery = true,
            _ => {}
        });
        RatioSide {
            grouping: output_grouping(&expr),
            counting: match (rate, increase, subquery) {
                (true, false, false) => Some(Counting::Rate),
                (false, true, false) => Some(Counting::Increase),
                _ => None,
            },
        }
    })
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
pub fn parse_instant_vector(query: &str) -> Result<Expr, QueryError> {
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
pub fn check_instant_vector(query: &str) -> Result<(), QueryError> {
    verdict(Check::Vector, query, |text| {
        parse_instant_vector(text).map(|_| ())
    })
}

/// Checks that a query parses, whatever it returns (as
/// `promtool test rules` reads a `promql_expr_test`), its regexes read as
/// Prometheus reads them, through its [`shape`].
pub fn check_query(query: &str) -> Result<(), String> {
    verdict(Check::Query, query, |text| match parse_checked(text) {
        Ok(_) => Ok(()),
        Err(QueryError::Regex(error)) => Err(error.to_string()),
        Err(QueryError::Parse(message) | QueryError::NotVector(message)) => Err(message),
    })
}

/// What a shape was checked for.
#[derive(Clone, Copy)]
enum Check {
    Vector = 1,
    Query = 2,
    Series = 4,
}

/// The most shapes kept: generated files have a few dozen; hand-written
/// ones may have one per rule.
const SHAPES_KEPT: usize = 100_000;

/// A pure function's results kept for the life of the process, at most
/// [`SHAPES_KEPT`] of them: the parses behind them cost far more than a
/// lookup, and specs and generated files repeat a few arguments.
struct Memo<K, V>(std::sync::LazyLock<std::sync::RwLock<foldhash::HashMap<K, V>>>);

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    const fn new() -> Self {
        Self(std::sync::LazyLock::new(std::sync::RwLock::default))
    }

    /// The result for `key`, computed by `compute` the first time.
    fn get<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(known) = self.0.read().ok().and_then(|known| known.get(key).cloned()) {
            return known;
        }
        let value = compute();
        if let Ok(mut known) = self.0.write()
            && known.len() < SHAPES_KEPT
        {
            known.insert(key.to_owned(), value.clone());
        }
        value
    }
}

/// Runs `check` on the query's shape unless that shape passed before, and
/// on the query itself when the shape fails.
fn verdict<E>(kind: Check, query: &str, check: impl Fn(&str) -> Result<(), E>) -> Result<(), E> {
    use foldhash::HashMap;
    use std::sync::{LazyLock, RwLock};
    static PASSED: LazyLock<RwLock<HashMap<String, u8>>> = LazyLock::new(RwLock::default);
    let shaped = shape(query);
    let bit = kind as u8;
    let known = PASSED
        .read()
        .ok()
        .and_then(|passed| passed.get(shaped.as_ref()).copied())
        .unwrap_or(0);
    if known & bit != 0 {
        return Ok(());
    }
    match check(&shaped) {
        Ok(()) => {
            if let Ok(mut passed) = PASSED.write()
                && (passed.len() < SHAPES_KEPT || passed.contains_key(shaped.as_ref()))
            {
                *passed.entry(shaped.into_owned()).or_default() |= bit;
            }
            Ok(())
        }
        Err(error) if matches!(shaped, std::borrow::Cow::Borrowed(_)) => Err(error),
        Err(_) => check(query),
    }
}

/// The canonical print of a query's [`shape`] when it parses as an
/// instant vector: queries whose shapes print differently are not equal.
/// Prints are kept per shape for the life of the process (a spec directory
/// repeats a few shapes of query with other label values).
pub fn shape_print(query: &str) -> Option<String> {
    static PRINTS: Memo<String, Option<String>> = Memo::new();
    let shaped = shape(query);
    PRINTS.get(shaped.as_ref(), || {
        parse_instant_vector(&shaped)
            .ok()
            .map(|expr| expr.to_string())
    })
}

/// The query with the literal of every label matcher replaced by a
/// stand-in the parser treats alike, so that queries differing only in
/// label values share one shape (two queries whose shapes differ differ):
/// - a regex (`=~`, `!~`) by one that matches the empty string exactly
///   when it does ([`regex_placeholder`]; the parser requires a selector
///   to have a matcher that does not), or kept when the parser rejects it
///   or Prometheus would;
/// - an equality (`=`, `!=`) literal without escapes by `"x"`, or `""`
///   when empty: any such literal lexes, and only its emptiness matters.
pub fn shape(query: &str) -> std::borrow::Cow<'_, str> {
    let literals = matcher_literals(query);
    if literals.is_empty() {
        return std::borrow::Cow::Borrowed(query);
    }
    let mut shaped = String::with_capacity(query.len());
    let mut last = 0;
    for (range, regex) in literals {
        let literal = &query[range.clone()];
        let inner = &literal[1..literal.len() - 1];
        let stand_in = if regex {
            regex_placeholder(literal)
        } else if literal.starts_with('`') || inner.contains(['\\', '\n']) {
            None
        } else if inner.is_empty() {
            Some("\"\"")
        } else {
            Some("\"x\"")
        };
        shaped.push_str(&query[last..range.start]);
        shaped.push_str(stand_in.unwrap_or(literal));
        last = range.end;
    }
    shaped.push_str(&query[last..]);
    std::borrow::Cow::Owned(shaped)
}

/// Parses a query as [`parser::parse`] does, but compiles each regex
/// literal once per process: the parser compiles every `=~`/`!~` it reads
/// (most of a parse), and test planning parses the queries of every SLO,
/// which repeat a few regexes. Each regex matcher is parsed as an equality
/// to a stand-in (`"slogen_regex_N"`), then given the operator and value of
/// its literal parsed once on its own. A query where that does not apply is
/// parsed as it is; a test holds the two to the same result.
pub fn parse_sharing_regexes(query: &str) -> Result<Expr, String> {
    const STAND_IN: &str = "slogen_regex_";
    let regexes: Vec<std::ops::Range<usize>> = matcher_literals(query)
        .into_iter()
        .filter_map(|(range, regex)| regex.then_some(range))
        .collect();
    if regexes.is_empty() || query.contains(STAND_IN) {
        return parse(query);
    }
    let bytes = query.as_bytes();
    let mut text = String::with_capacity(query.len() + 16 * regexes.len());
    let mut literals = Vec::with_capacity(regexes.len());
    let mut last = 0;
    for range in regexes {
        // The operator is right before the literal, but for whitespace.
        let Some(tilde) = query[..range.start].trim_end().len().checked_sub(1) else {
            return parse(query);
        };
        let negated = match (tilde.checked_sub(1).map(|at| bytes[at]), bytes[tilde]) {
            (Some(b'='), b'~') => false,
            (Some(b'!'), b'~') => true,
            _ => return parse(query),
        };
        text.push_str(&query[last..tilde]);
        text.push(if negated { '=' } else { ' ' });
        text.push_str(&query[tilde + 1..range.start]);
        text.push('"');
        text.push_str(STAND_IN);
        text.push_str(&literals.len().to_string());
        text.push('"');
        literals.push((&query[range.clone()], negated));
        last = range.end;
    }
    text.push_str(&query[last..]);
    let Ok(mut expr) = parse(&text) else {
        return parse(query);
    };
    let mut restored = true;
    // Each stand-in must be found once: a label value can spell one with
    // escapes (`slogen\x5fregex_0`) that the text above did not show.
    let mut found = vec![false; literals.len()];
    each_selector_mut(&mut expr, &mut |selector| {
        restored &= !selector
            .name
            .as_deref()
            .is_some_and(|name| name.contains(STAND_IN));
        let matchers = &mut selector.matchers;
        for matcher in matchers
            .matchers
            .iter_mut()
            .chain(matchers.or_matchers.iter_mut().flatten())
        {
            let Some(index) = matcher
                .value
                .strip_prefix(STAND_IN)
                .and_then(|index| index.parse::<usize>().ok())
            else {
                continue;
            };
            match found.get_mut(index) {
                Some(seen) if !*seen && matcher.value == format!("{STAND_IN}{index}") => {
                    *seen = true;
                }
                _ => {
                    restored = false;
                    continue;
                }
            }
            let stand_in_negated = match matcher.op {
                MatchOp::Equal => false,
                MatchOp::NotEqual => true,
                _ => {
                    restored = false;
                    continue;
                }
            };
            let real = literals
                .get(index)
                .filter(|(_, negated)| *negated == stand_in_negated)
                .and_then(|(literal, negated)| regex_matcher(literal, *negated));
            let before = matcher.is_match("");
            match real {
                Some((op, value)) => (matcher.op, matcher.value) = (op, value),
                None => restored = false,
            }
            // The parser requires a matcher that does not match the empty
            // string: where the stand-in differs, only a full parse can say.
            restored &= matcher.is_match("") == before;
        }
    });
    if restored && found.iter().all(|seen| *seen) {
        Ok(expr)
    } else {
        parse(query)
    }
}

/// Every vector selector of an expression, to change.
fn each_selector_mut(expr: &mut Expr, visit: &mut dyn FnMut(&mut VectorSelector)) {
    match expr {
        Expr::VectorSelector(selector) => visit(selector),
        Expr::MatrixSelector(matrix) => visit(&mut matrix.vs),
        Expr::Aggregate(aggregate) => {
            each_selector_mut(&mut aggregate.expr, visit);
            if let Some(param) = &mut aggregate.param {
                each_selector_mut(param, visit);
            }
        }
        Expr::Unary(unary) => each_selector_mut(&mut unary.expr, visit),
        Expr::Binary(binary) => {
            each_selector_mut(&mut binary.lhs, visit);
            each_selector_mut(&mut binary.rhs, visit);
        }
        Expr::Paren(paren) => each_selector_mut(&mut paren.expr, visit),
        Expr::Subquery(subquery) => each_selector_mut(&mut subquery.expr, visit),
        Expr::Call(call) => {
            for argument in &mut call.args.args {
                each_selector_mut(argument, visit);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// The operator (its compiled regex) and value of a regex matcher with this
/// literal, as the parser makes them; `None` when it rejects the literal.
/// Kept for the life of the process.
fn regex_matcher(literal: &str, negated: bool) -> Option<(MatchOp, String)> {
    static KNOWN: Memo<(String, bool), Option<(MatchOp, String)>> = Memo::new();
    KNOWN.get(&(literal.to_owned(), negated), || {
        let operator = if negated { "!~" } else { "=~" };
        match parser::parse(&format!("slogen_probe{{slogen_probe{operator}{literal}}}")) {
            Ok(Expr::VectorSelector(selector)) => selector
                .matchers
                .matchers
                .into_iter()
                .find(|matcher| matcher.name == "slogen_probe")
                .map(|matcher| (matcher.op, matcher.value)),
            _ => None,
        }
    })
}

/// Byte ranges of the string literals (quotes included) right after a
/// matcher operator, outside other strings and comments, each with whether
/// it is a regex (`=~`, `!~`) or an equality (`=`, `!=`).
fn matcher_literals(query: &str) -> Vec<(std::ops::Range<usize>, bool)> {
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
fn regex_placeholder(literal: &str) -> Option<&'static str> {
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
pub fn regex_error(query: &str) -> Option<RegexError> {
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
fn unquote(literal: &str) -> Option<(String, Vec<usize>)> {
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

/// Byte ranges of `{{window}}` placeholders (spaces inside the braces allowed).
fn placeholders(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        let inner = &text[start + 2..];
        let trimmed = inner.trim_start();
        if let Some(after) = trimmed.strip_prefix("window") {
            let after_trimmed = after.trim_start();
            if after_trimmed.starts_with("}}") {
                let end = text.len() - after_trimmed.len() + 2;
                found.push(start..end);
                from = end;
                continue;
            }
        }
        from = start + 2;
    }
    found
}

/// True when the text has at least one `{{window}}`.
pub fn has_window_placeholder(text: &str) -> bool {
    !placeholders(text).is_empty()
}

/// Replaces every `{{window}}` with a window.
pub fn fill_window(text: &str, window: &str) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut last = 0;
    for range in placeholders(text) {
        filled.push_str(&text[last..range.start]);
        filled.push_str(window);
        last = range.end;
    }
    filled.push_str(&text[last..]);
    filled
}

/// Placeholders other tools use (`{{.window}}` of Sloth, `$window`), which
/// slogen would otherwise report as a confusing parse error.
pub fn foreign_placeholder(text: &str) -> Option<String> {
    if has_window_placeholder(text) {
        return None;
    }
    [
        "{{.window}}",
        "{{ .window }}",
        "${window}",
        "$window",
        "{window}",
        // Grafana's
        "$__rate_interval",
        "${__rate_interval}",
        "$__interval",
        "${__interval}",
        "$__range",
        "${__range}",
    ]
    .into_iter()
    .find(|candidate| text.contains(candidate))
    .map(str::to_owned)
}

/// Wraps a query in parentheses when composing it could change its meaning.
///
/// This runs for every window of every query, so it does not parse: it
/// scans for a binary operator outside brackets and strings. When in doubt
/// it adds parentheses, which never change a query's meaning.
pub fn operand(query: &str) -> String {
    let query = query.trim();
    if query.contains('\n') {
        format!("(\n{}\n)", indent(query, 2))
    } else if is_atomic(query) {
        query.to_owned()
    } else {
        format!("({query})")
    }
}

/// True when `query` has no binary operator at the top level: a selector,
/// a function call or an aggregation, with optional `offset`/`@`.
fn is_atomic(query: &str) -> bool {
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut word = String::new();
    for character in query.chars() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        match character {
            '"' | '\'' | '`' => quote = Some(character),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!' | '<' | '>' if depth == 0 => {
                return false;
            }
            _ => {}
        }
        if depth == 0 && (character.is_ascii_alphanumeric() || character == '_') {
            word.push(character);
        } else {
            if matches!(word.as_str(), "and" | "or" | "unless" | "atan2") {
                return false;
            }
            word.clear();
        }
    }
    depth == 0 && quote.is_none() && !matches!(word.as_str(), "and" | "or" | "unless" | "atan2")
}

/// Indents every line of `text` by `spaces`.
pub fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved by Prometheus).
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|next| next.is_ascii_alphanumeric() || next == '_')
        && !name.starts_with("__")
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|next| next.is_ascii_alphanumeric() || next == '_' || next == ':')
}

/// Plain text that must reach a Prometheus annotation literally: only `{{`
/// starts a Go template action, so only it is escaped.
pub fn escape_template_text(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// A string literal for PromQL label matchers (double-quoted, escaped).
pub fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    push_quoted(&mut quoted, value);
    quoted
}

/// Appends [`quote`]`(value)` to `out`.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for character in value.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            // Prometheus's lexer refuses U+FFFD in a string ("invalid UTF-8
            // rune"), though it is valid UTF-8; its escape is taken.
            '\u{fffd}' => out.push_str("\\ufffd"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// A selector without `or`, offset or `@`.
pub fn is_plain_selector(selector: &promql_parser::parser::VectorSelector) -> bool {
    selector.offset.is_none() && selector.at.is_none() && selector.matchers.or_matchers.is_empty()
}

/// Checks a series as promtool reads it (`name{a="b"}` or `{__name__="x"}`):
/// a selector with equality matchers only, through its [`shape`].
pub fn parse_series(text: &str) -> Result<(), String> {
    verdict(Check::Series, text, series_verdict)
}

fn series_verdict(text: &str) -> Result<(), String> {
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

/// A series as promtool reads input series: `name{a="b",c="d"}`, labels sorted.
pub fn series(name: &str, labels: &std::collections::BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_owned();
    }
    let length: usize = labels
        .iter()
        .map(|(label, value)| label.len() + value.len() + 4)
        .sum();
    let mut text = String::with_capacity(name.len() + length + 2);
    text.push_str(name);
    for (index, (label, value)) in labels.iter().enumerate() {
        text.push(if index == 0 { '{' } else { ',' });
        text.push_str(label);
        text.push('=');
        push_quoted(&mut text, value);
    }
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratio_sides_count_per_second_or_per_window() {
        use super::Counting::{Increase, Rate};
        let counting = |query: &str| super::ratio_side(query).counting;
        assert_eq!(counting("sum(rate(a[5m]))"), Some(Rate));
        assert_eq!(counting("sum(irate(a[5m]))"), Some(Rate));
        assert_eq!(counting("sum(increase(a[5m]))"), Some(Increase));
        // Both, neither, or a rate summed back over a window.
        assert_eq!(counting("sum(rate(a[5m])) + sum(increase(b[5m]))"), None);
        assert_eq!(counting("sum(a)"), None);
        assert_eq!(counting("sum(sum_over_time(rate(a[1m])[5m:1m]))"), None);
    }

    #[test]
    fn ratio_sides_match_when_grouped_alike() {
        let grouping = |query: &str| super::ratio_side(query).grouping;
        let pairing = |left: &str, right: &str| grouping(left).pairing(&grouping(right));
        let matches = |left: &str, right: &str| pairing(left, right) == super::Pairing::Alike;
        assert!(matches("sum(rate(a[5m]))", "sum(rate(b[5m]))"));
        assert!(matches("sum by (b, a) (x)", "(sum by (a, b, a) (y))"));
        assert!(matches("sum without (i) (x)", "sum without (i) (y)"));
        assert!(matches("rate(a[5m])", "b"));
        assert!(matches("sum without () (a)", "rate(b[5m])"));
        // Only the data can tell.
        assert!(matches("sum(a) / 2", "sum by (j) (b)"));
        assert!(matches("topk(1, a)", "sum(b)"));
        assert!(matches(
            "label_replace(a, \"x\", \"y\", \"z\", \".*\")",
            "sum(b)"
        ));
        let never = |left: &str, right: &str| pairing(left, right) == super::Pairing::Never;
        assert!(never("sum by (j) (a)", "sum(b)"));
        assert!(never("sum without (i) (a)", "sum without (i, c) (b)"));
        // Only labels the data does not have would make these pair.
        let unsure = |left: &str, right: &str| pairing(left, right) == super::Pairing::Unsure;
        assert!(unsure("sum without (i) (a)", "sum by (j) (b)"));
        assert!(unsure("rate(a[5m])", "sum(rate(b[5m]))"));
        assert!(unsure("sum without (i) (a)", "b"));
    }

    use super::*;

    /// Sharing regexes parses every query to what the parser makes of it.
    #[test]
    fn regexes_shared_parse_alike() {
        for query in [
            r#"sum(rate(x{code=~"5..",job="a"}[5m]))"#,
            r#"x{code !~ "5..", a=~'b|c', d=~`e\.f`}"#,
            r#"x{a=~"\\d+\"q"}"#,
            r#"{__name__=~"x.*", a="b"}"#,
            r#"{__name__=~"x.*"}"#,
            r#"{a=~".*"}"#,
            r#"{a=~"x" or b!~"y"}"#,
            r#"x{a=~"("}"#,
            r#"x{a=~"slogen_regex_0"} + y{b=~"c"}"#,
            r#"label_replace(x{a=~"b"}, "c", "$1", "d", "=~(.*)")"#,
            "x{a=~\"b\"} # c=~\"d\"",
            r#"sum by (a) (rate(x{a=~"b"}[5m] offset 1h)) / on (a) group_left max(y{a!~"c"})"#,
            r#"max_over_time(x{a=~"b"}[1h:5m]) > bool 1"#,
            "-x{a=~\"b\"}",
            "x{a=~}",
            r#"x{__name__=~"y"}"#,
            r#"x{__name__!~"y"}"#,
            r#"{__name__!~"y"}"#,
            r#"{a!~"x"}"#,
            r#"{a!~"x", b=~"y"}"#,
            r#"x{a=~"b"}[5m]"#,
            r#"x{a=~"é+", b=~"\u00e9"}"#,
            // Label values that spell a stand-in with escapes.
            r#"x{a="slogen\x5fregex_0", b=~"c"}"#,
            r#"x{a="slogen\u005fregex_0", b=~"c"}"#,
            r#"x{a!="slogen\x5fregex_0", b!~"c"}"#,
            r#"{"slogen\x5fregex_0", a=~"b"}"#,
            r#"x{a="slogen\x5fregex_1", b=~"c"}"#,
            r#"x{a="slogen\x5fregex_00", b=~"c"}"#,
        ] {
            let shared = parse_sharing_regexes(query);
            assert_eq!(shared, parser::parse(query), "{query}");
            // Twice: the second time from what was kept.
            assert_eq!(parse_sharing_regexes(query), shared, "{query}");
        }
    }

    #[test]
    fn shapes_stand_in_for_literals_and_keep_the_verdict() {
        assert_eq!(
            shape(r#"rate(x{code=~"5..", path!~'/a|/b'}[5m]) # =~"c""#),
            r#"rate(x{code=~".+", path!~".+"}[5m]) # =~"c""#
        );
        assert_eq!(shape(r#"x{a="=~\"b"}"#), r#"x{a="=~\"b"}"#);
        let queries = [
            r#"sum(rate(x{code=~"5.."}[5m]))"#,
            r#"x{code=~"(5.."}"#,
            r#"{code=~".*"}"#,
            r#"{code=~".+"}"#,
            r#"{code!~"5.."}"#,
            r#"{code!~""}"#,
            r#"x{code=~"a\"b"}"#,
            r#"x{code=~`a\d`}"#,
            r#"{__name__=~"x.*", job="a"}"#,
            r#"x{__name__=~"x.*"}"#,
            r#"rate(x{a=~"b"}[5m])"#,
            r#"{a=""}"#,
            r#"{a="b"}"#,
            r#"{a!=""}"#,
            r#"{a!="b"}"#,
            r#"{a='b', c=""}"#,
            r#"x{__name__="y"}"#,
            r#"{__name__="x-y"}"#,
            r#"x{a="b\"c"}"#,
            r#"x{a=`b`}"#,
            r#"x == "a""#,
            r#"x >= 1 and y{a="b"} <= 2"#,
            r#"label_replace(x{a="b"}, "dst", "$1", "src", "(.*)")"#,
            r#"count_values("a-b", x)"#,
            "x{a=\"b\nc\"}",
            r#"x{a="b""#,
            r#"x{a="#,
            r#"sum by (a) (x{a="b"}) / on (a) group_left y{c!~"d", e="f"}"#,
            "x{a=~#\r`\n=\"(\"`}",
            "x{a=~#\r`\n=~\"\\\\(\"`}",
            "x{a=\"b\"} # c=\"d\"\r+ y{e=\"\"}",
        ];
        for query in queries {
            // Twice: the second answer may come from the kept shapes.
            for _ in 0..2 {
                assert_eq!(
                    check_instant_vector(query),
                    parse_instant_vector(query).map(|_| ()),
                    "{query}"
                );
                assert_eq!(
                    check_query(query),
                    parser::parse(query).map(|_| ()),
                    "{query}"
                );
                assert_eq!(parse_series(query), series_verdict(query), "{query}");
            }
        }
        assert!(check_instant_vector(r#"x{code=~"(5.."}"#).is_err());
        assert!(check_instant_vector(r#"{code=~".*"}"#).is_err());
        assert_eq!(
            shape(r#"x{a="b", c!="", d=~"e"} == 1 and y{f='g'}"#),
            r#"x{a="x", c!="", d=~".+"} == 1 and y{f="x"}"#
        );
        assert_eq!(
            shape(r#"label_replace(x, "dst", "$1", "src", "(.*)")"#),
            r#"label_replace(x, "dst", "$1", "src", "(.*)")"#
        );
    }

    #[test]
    fn regexes_prometheus_reads_otherwise_are_errors_located_in_the_query() {
        let query = r#"sum(rate(x{a="b", code=~"(?<c>5)..", d!~'[a&&b]'}[5m]))"#;
        // Twice: the second answer may come from the kept shapes.
        for _ in 0..2 {
            let Err(QueryError::Regex(error)) = check_instant_vector(query) else {
                panic!("{query}")
            };
            assert_eq!(&query[error.at.clone()], "(?<c>");
            assert_eq!(error.regex, "(?<c>5)..");
            assert_eq!(error.help, "write `(?P<c>…)`");
            assert_eq!(parse_instant_vector(query), Err(QueryError::Regex(error)));
            let message = check_query(query).unwrap_err();
            assert!(message.starts_with("regex `(?<c>5)..`: "), "{message}");
        }
        let at = |query: &str| match check_instant_vector(query) {
            Err(QueryError::Regex(error)) => query[error.at].to_owned(),
            other => panic!("{query}: {other:?}"),
        };
        assert_eq!(at(r#"x{a!~'[a&&b]'}"#), "&&");
        assert_eq!(at(r#"x{a=~"\\d\\u0041"}"#), r"\\u0041");
        assert_eq!(at(r#"x{a=~"\x5cu0041"}"#), r"\x5cu0041");
        assert_eq!(at("x{a=~`a.{1001}`}"), "{1001}");
        assert_eq!(at(r#"{a=~"x", b=~"a)|(b"} or y"#), ")");
        // Regexes Go reads alike pass, before and after a shape is kept.
        for query in [
            r#"x{a=~"(?P<c>5).."}"#,
            r#"y{b=~"5.."}"#,
            r#"y{b=~"a{bbb}"}"#,
        ] {
            assert_eq!(check_instant_vector(query), Ok(()), "{query}");
            assert_eq!(check_query(query), Ok(()), "{query}");
        }
        // The shape of this query was kept above: its regex still counts.
        assert!(check_instant_vector(r#"y{b=~"5{01}"}"#).is_err());
        assert!(check_query(r#"y{b=~"5{01}"}"#).is_err());
    }

    #[test]
    fn literals_unquote_as_the_parser_reads_them() {
        for literal in [
            r#""a\\.b""#,
            r#"'it\'s'"#,
            r#""\x41\u00e9\U0001F600\101\a\t\"""#,
            "`[a&&b]+`",
            r#""é\\p{Greek}""#,
        ] {
            let (text, starts) = unquote(literal).unwrap();
            assert_eq!(
                Some(text.clone()),
                regex_matcher(literal, false).map(|(_, value)| value)
            );
            assert_eq!(starts.len(), text.len() + 1, "{literal}");
            assert_eq!(starts.last(), Some(&(literal.len() - 1)));
        }
        let (_, starts) = unquote(r#""a\x41é""#).unwrap();
        assert_eq!(starts, [1, 2, 6, 6, 8]);
        for literal in [
            r#""a"b""#, r#""\q""#, r#""\x4""#, "`a`b`", "'a\nb'", "\"", "x",
        ] {
            assert_eq!(unquote(literal), None, "{literal}");
        }
    }

    #[test]
    fn fills_every_placeholder() {
        assert_eq!(
            fill_window("rate(x[{{window}}]) / rate(y[{{ window }}])", "5m"),
            "rate(x[5m]) / rate(y[5m])"
        );
        assert_eq!(fill_window("no placeholder", "5m"), "no placeholder");
        assert!(!has_window_placeholder("rate(x[{{.window}}])"));
        assert_eq!(
            foreign_placeholder("rate(x[{{.window}}])"),
            Some("{{.window}}".to_owned())
        );
        assert_eq!(foreign_placeholder("rate(x[{{window}}])"), None);
    }

    #[test]
    fn only_vectors_are_rules() {
        assert!(parse_instant_vector("sum(rate(x[5m]))").is_ok());
        assert_eq!(
            parse_instant_vector("x[5m]"),
            Err(QueryError::NotVector("matrix".to_owned()))
        );
        assert_eq!(
            parse_instant_vector("1"),
            Err(QueryError::NotVector("scalar".to_owned()))
        );
        assert!(matches!(
            parse_instant_vector("sum(rate(x[5m])"),
            Err(QueryError::Parse(_))
        ));
    }

    #[test]
    fn operands_get_parentheses_when_needed() {
        #[track_caller]
        fn case(query: &str, atomic: bool) {
            assert_eq!(is_atomic(query), atomic, "{query}");
            // The scan never calls something atomic that the parser sees as
            // a binary expression.
            if atomic {
                let parsed = parser::parse(query).unwrap();
                assert!(!matches!(parsed, Expr::Binary(_)), "{query}");
            }
        }
        case("sum(rate(x[5m]))", true);
        case("sum by (job) (rate(x{code=~\"5..\"}[5m]))", true);
        case("x{a=\"b-c\"} offset 5m", true);
        case("histogram_quantile(0.9, sum by (le) (rate(h[5m])))", true);
        case("a + b", false);
        case("a or b", false);
        case("a unless on (x) b", false);
        case("1 - sum(x)", false);
        case("x > 0.5", false);
        case("sum(x) / sum(y)", false);
        assert_eq!(operand("sum(rate(x[5m]))"), "sum(rate(x[5m]))");
        assert_eq!(operand("a + b"), "(a + b)");
        assert_eq!(operand("a\n+ b"), "(\n  a\n  + b\n)");
    }

    #[test]
    fn names() {
        assert!(is_label_name("endpoint"));
        assert!(!is_label_name("__name__"));
        assert!(!is_label_name("0bad"));
        assert!(!is_label_name("a-b"));
        assert!(is_metric_name("slo:sli_error:ratio_rate5m"));
        assert!(!is_metric_name("bad metric"));
    }

    #[test]
    fn template_text_is_escaped() {
        assert_eq!(
            escape_template_text("a {{ b }} $c"),
            "a {{ \"{{\" }} b }} $c"
        );
        assert_eq!(quote("a\"b\\"), "\"a\\\"b\\\\\"");
        // Prometheus refuses a raw U+FFFD in a string literal.
        assert_eq!(quote("a\u{fffd}"), "\"a\\ufffd\"");
        let parsed = parser::parse(&format!("x{{a={}}}", quote("\u{fffd}\n"))).unwrap();
        let Expr::VectorSelector(selector) = parsed else {
            panic!("not a selector");
        };
        assert_eq!(selector.matchers.matchers[0].value, "\u{fffd}\n");
    }

    #[test]
    fn a_long_operator_chain_is_an_error_not_a_hang() {
        let chain = |terms: usize| vec!["a"; terms].join(" + ");
        assert!(check_instant_vector(&chain(MAX_OPERATORS + 1)).is_ok());
        for query in [
            chain(MAX_OPERATORS + 2),
            chain(50_000),
            vec!["a"; 50_000].join(" and "),
            vec!["a"; 50_000].join("*"),
        ] {
            let error = match check_instant_vector(&query) {
                Err(QueryError::Parse(error)) => error,
                other => panic!("{other:?}"),
            };
            assert!(error.contains("binary operators"), "{error}");
        }
        // Matchers, commas and signs are no operators.
        let size = size("sum by (a, b) (x{a=\"1\", b!=\"2\"}) - -1 or on (a) y");
        assert_eq!(size.operators, 2);
    }

    #[test]
    fn a_parse_error_is_placed_where_the_brackets_or_last_operator_tell() {
        fn place(query: &str) -> Option<&str> {
            parse_error_place(query).map(|at| &query[at])
        }
        assert_eq!(place("sum(rate(x[5m])) +"), Some("+"));
        assert_eq!(place("sum(rate(x[5m])) > = "), Some("> ="));
        assert_eq!(place("sum(rate(x[5m])"), Some("("));
        assert_eq!(place("sum(rate(x[5m]))) "), Some(")"));
        assert_eq!(place("sum(x{a=\")\"]"), Some("]"));
        assert_eq!(place("sum(x) # )"), None);
        assert_eq!(place("sum by (a) x"), None);
    }

    #[test]
    fn comments_are_not_composed() {
        assert_eq!(
            strip_comments("sum(rate(x{code=~\"5..\"}[{{window}}])) # 5xx"),
            "sum(rate(x{code=~\"5..\"}[{{window}}]))"
        );
        assert_eq!(
            strip_comments("# errors\nsum(a{b=\"#1\"})  # not '#'\n  / 2\n"),
            "sum(a{b=\"#1\"})\n  / 2"
        );
        assert_eq!(strip_comments("x"), "x");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let nesting = |query| size(query).nesting;
        assert_eq!(nesting("sum(rate(x{a=\"((((\"}[5m]))"), 3);
        assert_eq!(nesting("- -x - -(y)"), 2);
        assert_eq!(nesting("1e-5 - 2"), 0);
        assert_eq!(nesting("# \"(\n(x)"), 1);
        assert_eq!(nesting("# ((\r(x) # '"), 1);
        let deep = |open: &str, close: &str, levels: usize| {
            format!("{}x{}", open.repeat(levels), close.repeat(levels))
        };
        for query in [
            deep("(", ")", MAX_NESTING),
            deep("-", "", MAX_NESTING),
            deep("- ", "", MAX_NESTING),
        ] {
            assert!(check_instant_vector(&query).is_ok(), "{query}");
        }
        for query in [
            deep("(", ")", 100_000),
            deep("-", "", 100_000),
            deep("+(", ")", 60_000),
            deep("sum(", ")", 60_000),
            format!("# \"\n{}", deep("(", ")", 100_000)),
        ] {
            let error = match check_instant_vector(&query) {
                Err(QueryError::Parse(error)) => error,
                other => panic!("{other:?}"),
            };
            assert!(error.contains("nests more than"), "{error}");
            assert!(parse_sharing_regexes(&query).is_err());
        }
    }

    #[test]
    fn escaped_text_is_a_template_prometheus_accepts() {
        for text in [
            "{{",
            "}}",
            "{{{",
            "}}}",
            "\\{{ \\",
            "{{ \"{{\" }}",
            "{{/* a",
            "{{ if }}",
        ] {
            let escaped = escape_template_text(text);
            assert_eq!(crate::gotemplate::check(&escaped), Ok(()), "{escaped}");
        }
    }
}
