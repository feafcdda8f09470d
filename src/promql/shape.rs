//! Shapes: queries that differ only in label values checked and parsed
//! once per process (memoised verdicts, prints and regex matchers).

use super::matchers::{matcher_literals, regex_placeholder};
use super::parse::{parse, parse_instant_vector};
use promql_parser::label::MatchOp;
use promql_parser::parser::{self, Expr, VectorSelector};

/// What a shape was checked for.
#[derive(Clone, Copy)]
pub(super) enum Check {
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
pub(super) struct Memo<K, V>(std::sync::LazyLock<std::sync::RwLock<foldhash::HashMap<K, V>>>);

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    pub(super) const fn new() -> Self {
        Self(std::sync::LazyLock::new(std::sync::RwLock::default))
    }

    /// The result for `key`, computed by `compute` the first time.
    pub(super) fn get<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
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
pub(super) fn verdict<E>(
    kind: Check,
    query: &str,
    check: impl Fn(&str) -> Result<(), E>,
) -> Result<(), E> {
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
pub(crate) fn shape_print(query: &str) -> Option<String> {
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
pub(crate) fn shape(query: &str) -> std::borrow::Cow<'_, str> {
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
pub(crate) fn parse_sharing_regexes(query: &str) -> Result<Expr, String> {
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
pub(super) fn regex_matcher(literal: &str, negated: bool) -> Option<(MatchOp, String)> {
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
