//! Facts read from a query's syntax tree: the labels its result keeps
//! (grouping), how a ratio's side counts events.

use super::parse::parse_instant_vector;
use super::shape::{Memo, shape};
use promql_parser::parser::Expr;

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

/// The `by` labels of a query's outermost aggregation, sorted ([`Grouping::By`]);
/// empty for any other grouping or a query that does not parse. Kept per
/// [`shape`](super::shape::shape) for the life of the process: a shape keeps
/// every label name and the structure, which is all a grouping depends on.
pub(crate) fn grouping_labels(query: &str) -> Vec<String> {
    static GROUPINGS: super::shape::Memo<String, Vec<String>> = super::shape::Memo::new();
    let shaped = super::shape::shape(query);
    GROUPINGS.get(shaped.as_ref(), || {
        match super::parse::parse(&shaped).map(|expr| output_grouping(&expr)) {
            Ok(Grouping::By(labels)) => labels,
            _ => Vec::new(),
        }
    })
}

/// The [`Grouping`] of a query's result.
pub(crate) fn output_grouping(expr: &Expr) -> Grouping {
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
pub(crate) enum Counting {
    /// `rate(...)` (or `irate(...)`): the extrapolated increase divided by
    /// the range.
    Rate,
    /// `increase(...)`: the extrapolated increase itself.
    Increase,
}

/// What `errors / total` needs to know of each side of a ratio SLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RatioSide {
    /// The labels its result keeps.
    pub grouping: Grouping,
    /// How it counts events; `None` when it uses both functions or neither.
    pub counting: Option<Counting>,
}

/// The [`RatioSide`] of a query, one parse per [`shape`] (label values
/// change neither); a query that does not parse as an instant vector
/// tells nothing.
pub(crate) fn ratio_side(query: &str) -> RatioSide {
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
