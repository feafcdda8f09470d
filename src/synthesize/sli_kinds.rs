//! Raw series per SLI kind: ratio counters, latency histograms, threshold
//! gauges.

use promql_parser::label::Matcher;
use promql_parser::parser::{Expr, LabelModifier};

use crate::duration::Duration;
use crate::ir::Bound;
use crate::number::format;

use super::label_values::{kept_values, named, non_empty, solve};
use super::selectors::{plain, unparen};
use super::{Errors, Role, Source};
use crate::promql::Counting;

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
pub(super) fn free_form_ratio() -> Source {
    Source::Recorded {
        reason: "its queries are not both `sum [by (...)] (rate(metric{...}[{{window}}]))` over series slogen can write".to_owned(),
    }
}

/// The raw series of a ratio SLI, from its part (errors, or good events
/// when `part_is_good`) and total queries read at `base`.
pub(super) fn ratio(
    part_is_good: bool,
    part_expr: &Expr,
    total_expr: &Expr,
    base: Duration,
) -> Source {
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

pub(super) fn latency(
    histogram: &str,
    bound: f64,
    count: &Expr,
    group_by: &[String],
) -> Option<Source> {
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

pub(super) fn gauge(query: &Expr, bound: Bound) -> Option<Source> {
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
