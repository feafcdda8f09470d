//! Selectors the queries read, so the tests of two SLOs never feed each
//! other's series (recorded series included).

use std::sync::{Arc, Mutex};

use foldhash::{HashSet, HashSetExt};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{Expr, VectorSelector};

use super::Series;

/// The prefix of the metrics slogen records.
const RECORDED_PREFIX: &str = "slo:";

/// Metrics slogen records, one of each kind, to try a `__name__` regex on.
const RECORDED_EXAMPLES: &[&str] = &[
    "slo:sli_errors:rate5m",
    "slo:sli_total:rate5m",
    "slo:sli_breach:bool",
    "slo:sli_error:ratio_rate5m",
    "slo:sli_error:ratio_rate30d",
    "slo:objective:ratio",
    "slo:error_budget:ratio",
    "slo:time_period:days",
    "slo:current_burn_rate:ratio",
    "slo:period_burn_rate:ratio",
    "slo:period_error_budget_remaining:ratio",
];

/// The most matchers [`Selector`]s share.
const SHARED_MATCHERS: usize = 100_000;

/// A vector selector, kept for as long as the tests are planned. Its
/// matchers are shared by every selector with the same one: a parsed
/// matcher holds a compiled regex (several KB), and thousands of SLOs
/// repeat the same few.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    name: Option<String>,
    pub(super) matchers: Vec<Arc<Matcher>>,
    or_matchers: Vec<Vec<Arc<Matcher>>>,
}

impl Selector {
    // A matcher hashes and compares its label, operator and pattern text,
    // which never change; its interior mutability is the regex's cache.
    #[allow(clippy::mutable_key_type)]
    fn of(selector: &VectorSelector) -> Self {
        static SHARED: Mutex<Option<HashSet<Arc<Matcher>>>> = Mutex::new(None);
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let shared = shared.get_or_insert_with(HashSet::new);
        // A bound for long-lived processes: the set only saves memory.
        if shared.len() > SHARED_MATCHERS {
            shared.clear();
        }
        let mut share = |matcher: &Matcher| match shared.get(matcher) {
            Some(found) => Arc::clone(found),
            None => {
                let matcher = Arc::new(matcher.clone());
                shared.insert(Arc::clone(&matcher));
                matcher
            }
        };
        Self {
            name: selector.name.clone(),
            matchers: selector.matchers.matchers.iter().map(&mut share).collect(),
            or_matchers: selector
                .matchers
                .or_matchers
                .iter()
                .map(|group| group.iter().map(&mut share).collect())
                .collect(),
        }
    }
}

impl Selector {
    /// The name (or `__name__` matcher) by which the selector can select
    /// series slogen records (`slo:...`), if it can.
    pub(super) fn recorded_name(&self) -> Option<String> {
        if let Some(name) = self
            .name
            .as_ref()
            .filter(|name| name.starts_with(RECORDED_PREFIX))
        {
            return Some(name.clone());
        }
        self.matchers
            .iter()
            .filter(|matcher| matcher.name == "__name__")
            .find(|matcher| match matcher.op {
                MatchOp::Equal => matcher.value.starts_with(RECORDED_PREFIX),
                MatchOp::Re(_) => RECORDED_EXAMPLES.iter().any(|name| matcher.is_match(name)),
                MatchOp::NotEqual | MatchOp::NotRe(_) => false,
            })
            .map(|matcher| matcher.value.clone())
    }

    /// What every series the selector selects has: its metric name, if the
    /// selector names one, and one label's value, if an equality matcher
    /// asks for a non-empty one. Used to index selectors by what they can
    /// select.
    pub(crate) fn narrowed_to(&self) -> (Option<&str>, Option<(&str, &str)>) {
        let label = self
            .matchers
            .iter()
            .find(|matcher| {
                matcher.op == MatchOp::Equal
                    && matcher.name != "__name__"
                    && !matcher.value.is_empty()
            })
            .map(|matcher| (matcher.name.as_str(), matcher.value.as_str()));
        (self.name.as_deref(), label)
    }
}

/// True when a selector selects a series.
pub(crate) fn selects(selector: &Selector, series: &Series) -> bool {
    let name_matches = selector
        .name
        .as_ref()
        .is_none_or(|name| *name == series.name);
    let value = |label: &str| -> String {
        if label == "__name__" {
            series.name.clone()
        } else {
            series.labels.get(label).cloned().unwrap_or_default()
        }
    };
    name_matches
        && selector
            .matchers
            .iter()
            .all(|matcher| matcher.is_match(&value(&matcher.name)))
        && (selector.or_matchers.is_empty()
            || selector.or_matchers.iter().any(|group| {
                group
                    .iter()
                    .all(|matcher| matcher.is_match(&value(&matcher.name)))
            }))
}

/// Every vector selector in an expression.
pub(super) fn selectors_of(expr: &Expr) -> Vec<Selector> {
    let mut found = Vec::new();
    crate::promql::walk(expr, &mut |node| match node {
        Expr::VectorSelector(selector) => found.push(Selector::of(selector)),
        Expr::MatrixSelector(matrix) => found.push(Selector::of(&matrix.vs)),
        _ => {}
    });
    found
}

/// False when the expression can return samples although no series exists
/// (`vector(0)`, `absent(x)`, `... or vector(0)`).
pub(super) fn needs_input(expr: &Expr) -> bool {
    match expr {
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => true,
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => false,
        Expr::Paren(paren) => needs_input(&paren.expr),
        Expr::Unary(unary) => needs_input(&unary.expr),
        Expr::Aggregate(aggregate) => needs_input(&aggregate.expr),
        Expr::Subquery(subquery) => needs_input(&subquery.expr),
        Expr::Call(call) => {
            !matches!(
                call.func.name,
                "vector" | "absent" | "absent_over_time" | "time"
            ) && call
                .args
                .args
                .iter()
                .filter(|argument| {
                    matches!(argument.value_type(), ValueType::Vector | ValueType::Matrix)
                })
                .any(|argument| needs_input(argument))
        }
        Expr::Binary(binary) => {
            let (left, right) = (needs_input(&binary.lhs), needs_input(&binary.rhs));
            let vector = |side: &Expr| side.value_type() == ValueType::Vector;
            match binary.op.to_string().to_lowercase().as_str() {
                "or" => left && right,
                "unless" => left,
                "and" => left || right,
                _ => match (vector(&binary.lhs), vector(&binary.rhs)) {
                    (true, true) => left || right,
                    (true, false) => left,
                    (false, true) => right,
                    (false, false) => false,
                },
            }
        }
        Expr::Extension(_) => true,
    }
}

pub(super) fn unparen(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => unparen(&paren.expr),
        other => other,
    }
}

/// A plain selector: a name, label matchers, no `or`, offset or `@`.
pub(super) fn plain(selector: &VectorSelector) -> Option<(&str, &[Matcher])> {
    let name = selector.name.as_deref()?;
    let plain = crate::promql::is_plain_selector(selector)
        && selector
            .matchers
            .matchers
            .iter()
            .all(|matcher| matcher.name != "__name__");
    plain.then_some((name, selector.matchers.matchers.as_slice()))
}
