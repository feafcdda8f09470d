//! Synthetic inputs for the generated tests: what series an SLI reads.
//!
//! In: an SLO's SLI. Out: a [`Synthesis`]: the raw series slogen can write
//! for its queries, or the reason it cannot, plus every selector the
//! queries read (so the tests of two SLOs never feed each other's series).
//!
//! Raw series are written for:
//! - latency SLIs (slogen writes the queries): `<histogram>_count` and the
//!   `_bucket` of the bound, with labels meeting the `selector`;
//! - threshold SLIs whose query is a selector, optionally aggregated by
//!   `sum`, `avg`, `max` or `min`: one gauge, in or out of bounds;
//! - ratio SLIs whose queries are `sum [by (...)] (rate|increase(m{...}[w]))`:
//!   a failing and a succeeding series (or a failing and an all-events
//!   series when `errors` and `total` read different metrics).
//!
//! Label values come from the matchers: an equality's value, examples drawn
//! from a regex (`5..` gives `500`), or common values (`200`, `GET`, ...);
//! every choice is checked with promql-parser's own matcher (anchored like
//! Prometheus), so a series never matches a selector by accident. Anything
//! else is [`Source::Recorded`]: the tests feed slogen's recorded base series
//! instead, unless the queries could return samples without any input
//! ([`Source::Untestable`]), which synthetic series would collide with.
//!
//! The parts: this file decides per SLI ([`synthesize`]); `sli_kinds`
//! writes the series of each kind; `label_values` finds values that meet
//! the matchers; `selectors` holds what the queries read.

mod label_values;
mod selectors;
mod sli_kinds;
#[cfg(test)]
mod tests;

pub(crate) use selectors::{Selector, selects};

use std::collections::BTreeMap;

use promql_parser::parser::Expr;

use crate::duration::Duration;
use crate::ir::{RatioErrors, Sli};

pub(crate) use crate::promql::Counting;
use selectors::{needs_input, selectors_of};
use sli_kinds::{free_form_ratio, gauge, latency, ratio};

/// A series name and its labels (without `__name__`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Series {
    /// Metric name.
    pub name: String,
    /// Labels, sorted.
    pub labels: BTreeMap<String, String>,
}

impl Series {
    /// `name{a="b",...}`, as promtool reads input series.
    pub(crate) fn text(&self) -> String {
        crate::promql::series(&self.name, &self.labels)
    }
}

/// What a counter counts per interval, given the share of failed events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    /// Failed events only.
    Failed,
    /// Succeeded events only.
    Succeeded,
    /// All events.
    All,
}

/// How an event SLI's queries arrive at the failure rate, which decides
/// the float arithmetic Prometheus does: the rate of the failure counter,
/// or all events less the succeeded ones. The total is the all-events
/// counter when there is one, else failed plus succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Errors {
    /// `errors = sum(rate(failed))`.
    Failed,
    /// `errors = total - good` (a `good` query, or a latency bucket).
    AllLessSucceeded,
}

/// How the tests feed an SLI.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source {
    /// Raw counters slogen writes.
    Counters {
        /// Each counter and what it counts.
        series: Vec<(Series, Role)>,
        /// How the SLI's queries count failures.
        errors: Errors,
        /// What the SLI's queries apply to the counters.
        counting: Counting,
        /// Labels the SLI's queries keep (their `by` labels).
        kept: BTreeMap<String, String>,
    },
    /// One raw gauge slogen writes.
    Gauge {
        /// The gauge.
        series: Series,
        /// A value within bounds.
        good: f64,
        /// A value out of bounds.
        bad: f64,
        /// Labels the query keeps.
        kept: BTreeMap<String, String>,
    },
    /// The queries are too free-form: feed slogen's recorded base series.
    Recorded {
        /// Why, for the comment in the test file.
        reason: String,
    },
    /// Not testable with synthetic series.
    Untestable {
        /// Why, for the comment in the test file.
        reason: String,
    },
}

/// The synthetic input of one SLI.
#[derive(Clone, Debug)]
pub(crate) struct Synthesis {
    /// How the tests feed it.
    pub source: Source,
    /// Every selector its queries read.
    pub selectors: Vec<Selector>,
}

impl Synthesis {
    /// True when any of the SLI's selectors selects the series.
    pub(crate) fn reads(&self, series: &Series) -> bool {
        self.selectors
            .iter()
            .any(|selector| selects(selector, series))
    }
}

/// The synthetic input of an SLI whose queries are read at `base`.
pub(crate) fn synthesize(sli: &Sli, base: Duration) -> Synthesis {
    let queries: Vec<String> = match sli {
        Sli::Ratio { errors, total } => {
            let errors = match errors {
                RatioErrors::Errors(query) | RatioErrors::Good(query) => query,
            };
            vec![errors.at(base), total.at(base)]
        }
        Sli::Latency {
            histogram,
            matchers,
            native,
            ..
        } => {
            let braces = |name: String| {
                if matchers.is_empty() {
                    name
                } else {
                    format!("{name}{{{matchers}}}")
                }
            };
            if *native {
                return Synthesis {
                    source: Source::Recorded {
                        reason: NATIVE_REASON.to_owned(),
                    },
                    selectors: crate::promql::parse_sharing_regexes(&braces(histogram.clone()))
                        .map(|expr| selectors_of(&expr))
                        .unwrap_or_default(),
                };
            }
            vec![
                braces(format!("{histogram}_count")),
                braces(format!("{histogram}_bucket")),
            ]
        }
        Sli::Threshold { query, .. } => vec![query.clone()],
        Sli::Raw { error_ratio } => vec![error_ratio.at(base)],
    };
    // One parse per query, each regex literal compiled once per run.
    let results: Vec<Option<Expr>> = queries
        .iter()
        .map(|query| crate::promql::parse_sharing_regexes(query).ok())
        .collect();
    let parsed: Vec<&Expr> = results.iter().flatten().collect();
    let selectors: Vec<Selector> = parsed.iter().copied().flat_map(selectors_of).collect();
    let source = if parsed.iter().any(|expr| !needs_input(expr)) {
        Source::Untestable {
            reason: "its query can return samples without any input series, which would collide with synthetic ones".to_owned(),
        }
    } else if let Some(name) = selectors.iter().find_map(Selector::recorded_name) {
        Source::Untestable {
            reason: format!(
                "its query reads `{name}`, a series slogen records: the tests cannot feed it without colliding with the rules that record it"
            ),
        }
    } else {
        match sli {
            Sli::Ratio { errors, .. } => match &results[..] {
                [Some(part), Some(total)] => {
                    ratio(matches!(errors, RatioErrors::Good(_)), part, total, base)
                }
                _ => free_form_ratio(),
            },
            Sli::Latency {
                histogram,
                bound,
                group_by,
                ..
            } => parsed
                .first()
                .and_then(|count| latency(histogram, *bound, count, group_by))
                .unwrap_or_else(|| Source::Recorded {
                    reason: "no label values meeting its selector were found".to_owned(),
                }),
            Sli::Threshold { bound, .. } => parsed
                .first()
                .and_then(|query| gauge(query, *bound))
                .unwrap_or_else(|| Source::Recorded {
                    reason: "its query is not a selector, optionally aggregated with sum, avg, max or min"
                        .to_owned(),
                }),
            Sli::Raw { .. } => Source::Recorded {
                reason: "a raw SLI is a free-form error ratio".to_owned(),
            },
        }
    };
    Synthesis { source, selectors }
}

/// Why native histograms are fed recorded series.
const NATIVE_REASON: &str = "a native histogram, which promtool 2.42 cannot load as an input series (its `{{schema:...}}` notation came later)";

/// Raw counters for a raw SLI whose ratio reads like a ratio SLI's,
/// `A / B` (failed over all events) or `1 - A / B` (good over all events),
/// each side `sum [by (...)] (rate|increase(m{...}[w]))`: then the tests
/// can feed it events, idle gaps and traffic changes. `None` otherwise.
pub(crate) fn raw_counters(error_ratio: &str, base: Duration) -> Option<Source> {
    use promql_parser::parser::token;
    fn unwrap(expr: &Expr) -> &Expr {
        match expr {
            Expr::Paren(inner) => unwrap(&inner.expr),
            other => other,
        }
    }
    fn division(expr: &Expr) -> Option<(&Expr, &Expr)> {
        match unwrap(expr) {
            Expr::Binary(binary) if binary.op.id() == token::T_DIV && binary.modifier.is_none() => {
                Some((unwrap(&binary.lhs), unwrap(&binary.rhs)))
            }
            _ => None,
        }
    }
    let parsed = crate::promql::parse(error_ratio).ok()?;
    let (good, (part, total)) = match unwrap(&parsed) {
        Expr::Binary(binary)
            if binary.op.id() == token::T_SUB
                && binary.modifier.is_none()
                && matches!(unwrap(&binary.lhs), Expr::NumberLiteral(one) if one.val == 1.0) =>
        {
            (true, division(&binary.rhs)?)
        }
        _ => (false, division(&parsed)?),
    };
    match ratio(good, part, total, base) {
        counters @ Source::Counters { .. } => Some(counters),
        _ => None,
    }
}
