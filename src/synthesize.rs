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

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use foldhash::{HashSet, HashSetExt};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{Expr, LabelModifier, VectorSelector};

use crate::duration::Duration;
use crate::ir::{Bound, RatioErrors, Sli};
use crate::number::format;

/// A series name and its labels (without `__name__`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    /// Metric name.
    pub name: String,
    /// Labels, sorted.
    pub labels: BTreeMap<String, String>,
}

impl Series {
    /// `name{a="b",...}`, as promtool reads input series.
    pub fn text(&self) -> String {
        crate::promql::series(&self.name, &self.labels)
    }
}

/// What a counter counts per interval, given the share of failed events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
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
pub enum Errors {
    /// `errors = sum(rate(failed))`.
    Failed,
    /// `errors = total - good` (a `good` query, or a latency bucket).
    AllLessSucceeded,
}

pub use crate::promql::Counting;

/// How the tests feed an SLI.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
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
pub struct Synthesis {
    /// How the tests feed it.
    pub source: Source,
    /// Every selector its queries read.
    pub selectors: Vec<Selector>,
}

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
pub struct Selector {
    name: Option<String>,
    matchers: Vec<Arc<Matcher>>,
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
    fn recorded_name(&self) -> Option<String> {
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
    pub fn narrowed_to(&self) -> (Option<&str>, Option<(&str, &str)>) {
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

impl Synthesis {
    /// True when any of the SLI's selectors selects the series.
    pub fn reads(&self, series: &Series) -> bool {
        self.selectors
            .iter()
            .any(|selector| selects(selector, series))
    }
}

/// True when a selector selects a series.
pub fn selects(selector: &Selector, series: &Series) -> bool {
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

/// The synthetic input of an SLI whose queries are read at `base`.
pub fn synthesize(sli: &Sli, base: Duration) -> Synthesis {
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
pub fn raw_counters(error_ratio: &str, base: Duration) -> Option<Source> {
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

/// Every vector selector in an expression.
fn selectors_of(expr: &Expr) -> Vec<Selector> {
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
fn needs_input(expr: &Expr) -> bool {
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

fn unparen(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => unparen(&paren.expr),
        other => other,
    }
}

/// A plain selector: a name, label matchers, no `or`, offset or `@`.
fn plain(selector: &VectorSelector) -> Option<(&str, &[Matcher])> {
    let name = selector.name.as_deref()?;
    let plain = crate::promql::is_plain_selector(selector)
        && selector
            .matchers
            .matchers
            .iter()
            .all(|matcher| matcher.name != "__name__");
    plain.then_some((name, selector.matchers.matchers.as_slice()))
}

/// `sum [by (labels)] (rate|increase(selector[window]))`.
struct CounterQuery<'a> {
    counting: Counting,
    kept: Vec<String>,
    name: &'a str,
    matchers: &'a [Matcher],
}

fn counter_query(expr: &Expr, window: Duration) -> Option<CounterQuery<'_>> {
    let Expr::Aggregate(aggregate) = unparen(expr) else {
        return None;
    };
    if aggregate.op.to_string().to_lowercase() != "sum" || aggregate.param.is_some() {
        return None;
    }
    let kept = match &aggregate.modifier {
        None => Vec::new(),
        Some(LabelModifier::Include(labels)) => labels.labels.clone(),
        Some(LabelModifier::Exclude(_)) => return None,
    };
    let Expr::Call(call) = unparen(&aggregate.expr) else {
        return None;
    };
    let counting = match call.func.name {
        "rate" => Counting::Rate,
        "increase" => Counting::Increase,
        _ => return None,
    };
    if call.args.args.len() != 1 {
        return None;
    }
    let Expr::MatrixSelector(matrix) = unparen(&call.args.args[0]) else {
        return None;
    };
    if u128::from(window.millis()) != matrix.range.as_millis() {
        return None;
    }
    let (name, matchers) = plain(&matrix.vs)?;
    Some(CounterQuery {
        counting,
        kept,
        name,
        matchers,
    })
}

/// A ratio SLI slogen cannot feed raw series.
fn free_form_ratio() -> Source {
    Source::Recorded {
        reason: "its queries are not both `sum [by (...)] (rate(metric{...}[{{window}}]))` over series slogen can write".to_owned(),
    }
}

/// The raw series of a ratio SLI, from its part (errors, or good events
/// when `part_is_good`) and total queries read at `base`.
fn ratio(part_is_good: bool, part_expr: &Expr, total_expr: &Expr, base: Duration) -> Source {
    let free_form = free_form_ratio;
    let (Some(part), Some(total)) = (
        counter_query(part_expr, base),
        counter_query(total_expr, base),
    ) else {
        return free_form();
    };
    let mut part_kept = part.kept.clone();
    let mut total_kept = total.kept.clone();
    part_kept.sort();
    total_kept.sort();
    if part.counting != total.counting || part_kept != total_kept {
        return free_form();
    }
    let all_matchers: Vec<&Matcher> = part.matchers.iter().chain(total.matchers).collect();
    let Some(kept) = kept_values(&total_kept, &all_matchers) else {
        return free_form();
    };
    // The role of a series matching the part's selector, and of one that does not.
    let (in_part, out_of_part) = if part_is_good {
        (Role::Succeeded, Role::Failed)
    } else {
        (Role::Failed, Role::Succeeded)
    };
    let series = if part.name == total.name {
        let inside = solve(&kept, &all_matchers, None);
        let outside = part
            .matchers
            .iter()
            .filter(|matcher| !kept.contains_key(&matcher.name))
            .filter(|matcher| !total.matchers.contains(matcher))
            .find_map(|matcher| {
                solve(
                    &kept,
                    &total.matchers.iter().collect::<Vec<_>>(),
                    Some(matcher),
                )
            });
        match (inside, outside) {
            (Some(inside), Some(outside)) => vec![
                (named(total.name, inside), in_part),
                (named(total.name, outside), out_of_part),
            ],
            _ => return free_form(),
        }
    } else {
        let part_labels = solve(&kept, &part.matchers.iter().collect::<Vec<_>>(), None);
        let total_labels = solve(&kept, &total.matchers.iter().collect::<Vec<_>>(), None);
        match (part_labels, total_labels) {
            (Some(part_labels), Some(total_labels)) => vec![
                (named(part.name, part_labels), in_part),
                (named(total.name, total_labels), Role::All),
            ],
            _ => return free_form(),
        }
    };
    Source::Counters {
        series,
        errors: if part_is_good {
            Errors::AllLessSucceeded
        } else {
            Errors::Failed
        },
        counting: part.counting,
        kept: non_empty(kept),
    }
}

fn latency(histogram: &str, bound: f64, count: &Expr, group_by: &[String]) -> Option<Source> {
    let Expr::VectorSelector(selector) = count else {
        return None;
    };
    let (_, matchers) = plain(selector)?;
    let matchers: Vec<&Matcher> = matchers.iter().collect();
    let kept = kept_values(group_by, &matchers)?;
    let labels = solve(&kept, &matchers, None)?;
    if labels.contains_key("le") {
        return None;
    }
    let mut bucket = labels.clone();
    bucket.insert("le".to_owned(), format(bound));
    Some(Source::Counters {
        series: vec![
            (named(&format!("{histogram}_count"), labels), Role::All),
            (
                named(&format!("{histogram}_bucket"), bucket),
                Role::Succeeded,
            ),
        ],
        errors: Errors::AllLessSucceeded,
        counting: Counting::Rate,
        kept: non_empty(kept),
    })
}

fn gauge(query: &Expr, bound: Bound) -> Option<Source> {
    let (selector, kept_names) = match unparen(query) {
        Expr::VectorSelector(selector) => (selector, None),
        Expr::Aggregate(aggregate)
            if aggregate.param.is_none()
                && ["sum", "avg", "max", "min"]
                    .contains(&aggregate.op.to_string().to_lowercase().as_str()) =>
        {
            let kept = match &aggregate.modifier {
                None => Vec::new(),
                Some(LabelModifier::Include(labels)) => labels.labels.clone(),
                Some(LabelModifier::Exclude(_)) => return None,
            };
            match unparen(&aggregate.expr) {
                Expr::VectorSelector(selector) => (selector, Some(kept)),
                _ => return None,
            }
        }
        _ => return None,
    };
    let (name, matchers) = plain(selector)?;
    let matchers: Vec<&Matcher> = matchers.iter().collect();
    let kept = kept_values(kept_names.as_deref().unwrap_or_default(), &matchers)?;
    let labels = solve(&kept, &matchers, None)?;
    // A bare selector keeps every label of the series.
    let kept = if kept_names.is_none() {
        labels.clone()
    } else {
        kept
    };
    let (good, bad) = match bound {
        Bound::Max(max) => (max - max.abs().max(1.0), max + max.abs().max(1.0)),
        Bound::Min(min) => (min + min.abs().max(1.0), min - min.abs().max(1.0)),
    };
    Some(Source::Gauge {
        series: named(name, labels),
        good,
        bad,
        kept: non_empty(kept),
    })
}

fn named(name: &str, labels: BTreeMap<String, String>) -> Series {
    Series {
        name: name.to_owned(),
        labels: non_empty(labels),
    }
}

fn non_empty(labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// Values of the labels an aggregation keeps: meeting every matcher on
/// them, and never empty (an empty label is no label).
fn kept_values(kept: &[String], matchers: &[&Matcher]) -> Option<BTreeMap<String, String>> {
    kept.iter()
        .map(|label| {
            let on_label: Vec<(&Matcher, bool)> = matchers
                .iter()
                .filter(|matcher| matcher.name == *label)
                .map(|matcher| (*matcher, true))
                .collect();
            candidates(label, &on_label, true)
                .into_iter()
                .find(|value| !value.is_empty() && meets(value, &on_label))
                .map(|value| (label.clone(), value))
        })
        .collect()
}

/// Labels meeting every matcher (and failing `violate`, if given), keeping
/// the values already chosen in `fixed`. Labels no matcher names are left out.
fn solve(
    fixed: &BTreeMap<String, String>,
    matchers: &[&Matcher],
    violate: Option<&Matcher>,
) -> Option<BTreeMap<String, String>> {
    let mut constraints: BTreeMap<&str, Vec<(&Matcher, bool)>> = BTreeMap::new();
    for matcher in matchers {
        constraints
            .entry(matcher.name.as_str())
            .or_default()
            .push((*matcher, true));
    }
    if let Some(matcher) = violate {
        constraints
            .entry(matcher.name.as_str())
            .or_default()
            .push((matcher, false));
    }
    let mut labels = fixed.clone();
    for (label, on_label) in constraints {
        if let Some(value) = fixed.get(label) {
            if !meets(value, &on_label) {
                return None;
            }
            continue;
        }
        let value = candidates(label, &on_label, false)
            .into_iter()
            .find(|value| meets(value, &on_label))?;
        labels.insert(label.to_owned(), value);
    }
    Some(labels)
}

fn meets(value: &str, constraints: &[(&Matcher, bool)]) -> bool {
    constraints
        .iter()
        .all(|(matcher, wanted)| matcher.is_match(value) == *wanted)
}

/// Values worth trying for a label, most specific first: those the matchers
/// name, then (for a label an aggregation keeps) the label's own name, then
/// common values.
fn candidates(label: &str, constraints: &[(&Matcher, bool)], kept: bool) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (matcher, _) in constraints {
        match &matcher.op {
            MatchOp::Equal | MatchOp::NotEqual => values.push(matcher.value.clone()),
            MatchOp::Re(_) | MatchOp::NotRe(_) => values.extend(regex_examples(&matcher.value)),
        }
    }
    if kept {
        values.push(label.to_owned());
    }
    if label.contains("method") {
        values.extend(["GET", "POST"].map(str::to_owned));
    }
    values.extend(
        [
            "200", "500", "0", "1", "ok", "error", "true", "false", "x", "",
        ]
        .map(str::to_owned),
    );
    values.push(label.to_owned());
    values
}

/// Strings a simple regex probably matches: each top-level alternative with
/// `.` as `0`, classes as their first character, quantifiers and groups
/// dropped. Only a guess; callers check every value with the real matcher.
fn regex_examples(regex: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut chars = regex.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    current.push(escaped);
                }
            }
            '.' => current.push('0'),
            '[' => {
                let mut first = None;
                for inner in chars.by_ref() {
                    if inner == ']' {
                        break;
                    }
                    if first.is_none() && inner != '^' {
                        first = Some(inner);
                    }
                }
                current.extend(first);
            }
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => examples.push(std::mem::take(&mut current)),
            '*' | '+' | '?' | '^' | '$' => {}
            '{' => {
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                }
            }
            other => current.push(other),
        }
    }
    examples.push(current);
    examples
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::WindowQuery;

    fn window() -> Duration {
        Duration::from_minutes(5)
    }

    fn ratio_sli(errors: &str, total: &str) -> Sli {
        Sli::Ratio {
            errors: RatioErrors::Errors(WindowQuery(errors.to_owned())),
            total: WindowQuery(total.to_owned()),
        }
    }

    fn counters(sli: &Sli) -> Vec<(String, Role)> {
        match synthesize(sli, window()).source {
            Source::Counters { series, .. } => series
                .into_iter()
                .map(|(series, role)| (series.text(), role))
                .collect(),
            other => panic!("not counters: {other:?}"),
        }
    }

    /// SLIs with the same regex matcher share one compiled matcher, and
    /// their selectors still select what the queries select.
    #[test]
    fn selectors_share_matchers() {
        let query = |job: &str| {
            format!(r#"sum(rate(http_requests_total{{job="{job}",code=~"5.."}}[{{{{window}}}}]))"#)
        };
        let total = "sum(rate(http_requests_total[{{window}}]))";
        let first = synthesize(&ratio_sli(&query("a"), total), window());
        let second = synthesize(&ratio_sli(&query("b"), total), window());
        let regex = |synthesis: &Synthesis| {
            let matcher = synthesis.selectors[0]
                .matchers
                .iter()
                .find(|matcher| matcher.name == "code")
                .cloned();
            matcher.unwrap()
        };
        assert!(Arc::ptr_eq(&regex(&first), &regex(&second)));
        let series = |code: &str| Series {
            name: "http_requests_total".to_owned(),
            labels: BTreeMap::from([
                ("job".to_owned(), "a".to_owned()),
                ("code".to_owned(), code.to_owned()),
            ]),
        };
        assert!(selects(&first.selectors[0], &series("503")));
        assert!(!selects(&first.selectors[0], &series("200")));
        assert!(!selects(&second.selectors[0], &series("503")));
    }

    #[test]
    fn ratio_series_meet_and_miss_the_error_selector() {
        assert_eq!(
            counters(&ratio_sli(
                r#"sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))"#,
                r#"sum(rate(http_requests_total{job="checkout"}[{{window}}]))"#,
            )),
            vec![
                (
                    r#"http_requests_total{code="500",job="checkout"}"#.to_owned(),
                    Role::Failed
                ),
                (
                    r#"http_requests_total{code="200",job="checkout"}"#.to_owned(),
                    Role::Succeeded
                ),
            ]
        );
        let good = Sli::Ratio {
            errors: RatioErrors::Good(WindowQuery(
                r#"sum by (endpoint) (rate(x_total{code!~"5..|429"}[{{window}}]))"#.to_owned(),
            )),
            total: WindowQuery("sum by (endpoint) (rate(x_total[{{window}}]))".to_owned()),
        };
        assert_eq!(
            counters(&good),
            vec![
                (
                    r#"x_total{code="200",endpoint="endpoint"}"#.to_owned(),
                    Role::Succeeded
                ),
                (
                    r#"x_total{code="500",endpoint="endpoint"}"#.to_owned(),
                    Role::Failed
                ),
            ]
        );
        assert_eq!(
            counters(&ratio_sli(
                "sum(increase(errors_total[{{window}}]))",
                "sum(increase(requests_total[{{window}}]))",
            )),
            vec![
                ("errors_total".to_owned(), Role::Failed),
                ("requests_total".to_owned(), Role::All),
            ]
        );
        let rate = ratio_sli(
            "sum(rate(errors_total[{{window}}]))",
            "sum(rate(requests_total[{{window}}]))",
        );
        let increase = ratio_sli(
            "sum(increase(errors_total[{{window}}]))",
            "sum(increase(requests_total[{{window}}]))",
        );
        for (sli, expected) in [(rate, Counting::Rate), (increase, Counting::Increase)] {
            assert!(matches!(
                synthesize(&sli, window()).source,
                Source::Counters { counting, .. } if counting == expected
            ));
        }
    }

    #[test]
    fn free_form_queries_are_fed_recorded_series() {
        for (errors, total) in [
            (
                "sum(rate(a[{{window}}])) + sum(rate(b[{{window}}]))",
                "sum(rate(c[{{window}}]))",
            ),
            (
                "sum without (pod) (rate(a{x=\"1\"}[{{window}}]))",
                "sum without (pod) (rate(a[{{window}}]))",
            ),
            (
                "sum(rate(a{x=~\"[0-9]{3}\"}[{{window}}] offset 1m))",
                "sum(rate(a[{{window}}]))",
            ),
        ] {
            let synthesis = synthesize(&ratio_sli(errors, total), window());
            assert!(
                matches!(synthesis.source, Source::Recorded { .. }),
                "{errors}: {:?}",
                synthesis.source
            );
        }
        let raw = Sli::Raw {
            error_ratio: WindowQuery("sum(rate(a[{{window}}])) or vector(0)".to_owned()),
        };
        assert!(matches!(
            synthesize(&raw, window()).source,
            Source::Untestable { .. }
        ));
        // slogen's own recorded series are its rules' to write.
        let mirror = Sli::Raw {
            error_ratio: WindowQuery(
                "max(avg_over_time(slo:sli_error:ratio_rate5m{slogen_service=\"a\"}[{{window}}]))"
                    .to_owned(),
            ),
        };
        assert!(matches!(
            synthesize(&mirror, window()).source,
            Source::Untestable { reason } if reason.contains("`slo:sli_error:ratio_rate5m`")
        ));
        for spelled in [
            r#"max({__name__="slo:current_burn_rate:ratio"})"#,
            r#"max({__name__=~"slo:.*burn.*"})"#,
        ] {
            let threshold = Sli::Threshold {
                query: spelled.to_owned(),
                bound: crate::ir::Bound::Max(1.0),
            };
            assert!(
                matches!(
                    synthesize(&threshold, window()).source,
                    Source::Untestable { .. }
                ),
                "{spelled}"
            );
        }
    }

    #[test]
    fn latency_and_gauges() {
        let latency = Sli::Latency {
            histogram: "search_seconds".to_owned(),
            bound: 1.0,
            matchers: r#"job="search", method!="OPTIONS""#.to_owned(),
            group_by: vec!["endpoint".to_owned()],
            native: false,
        };
        assert_eq!(
            counters(&latency),
            vec![
                (
                    r#"search_seconds_count{endpoint="endpoint",job="search",method="GET"}"#
                        .to_owned(),
                    Role::All
                ),
                (
                    r#"search_seconds_bucket{endpoint="endpoint",job="search",le="1",method="GET"}"#
                        .to_owned(),
                    Role::Succeeded
                ),
            ]
        );
        let threshold = Sli::Threshold {
            query: r#"max by (replica) (lag_seconds{db=~"main|replica"})"#.to_owned(),
            bound: Bound::Min(0.8),
        };
        let Source::Gauge {
            series,
            good,
            bad,
            kept,
        } = synthesize(&threshold, window()).source
        else {
            panic!("not a gauge");
        };
        assert_eq!(series.text(), r#"lag_seconds{db="main",replica="replica"}"#);
        assert_eq!((good, bad), (1.8, 0.8 - 1.0));
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn selectors_decide_interference() {
        let synthesis = synthesize(
            &ratio_sli(
                r#"sum(rate(http_requests_total{code=~"5.."}[{{window}}]))"#,
                "sum(rate(http_requests_total[{{window}}]))",
            ),
            window(),
        );
        let other = Series {
            name: "http_requests_total".to_owned(),
            labels: BTreeMap::from([("job".to_owned(), "x".to_owned())]),
        };
        assert!(synthesis.reads(&other));
        let unrelated = Series {
            name: "up".to_owned(),
            labels: BTreeMap::new(),
        };
        assert!(!synthesis.reads(&unrelated));
    }
}
