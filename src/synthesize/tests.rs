use std::collections::BTreeMap;
use std::sync::Arc;

use crate::duration::Duration;
use crate::ir::{Bound, RatioErrors, Sli};

use crate::promql::Counting;

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
                r#"search_seconds_count{endpoint="endpoint",job="search",method="GET"}"#.to_owned(),
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
