//! The checks every scenario writes: alert state through `ALERTS`, and
//! the timing helpers they share.

use super::*;

/// The labels that select one SLO's alerts named `name` in `ALERTS`: the
/// name and the SLO's own labels, which every SLO alert carries. SLOs may
/// share an alert name (`[slo.alerting] name`), and each test group loads
/// every rule of the project, so a check never counts another SLO's alert.
pub(super) fn slo_alerts(service: &Service, slo: &Slo, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("alertname".to_owned(), name.to_owned()),
        (SERVICE_LABEL.to_owned(), service.name.clone()),
        (SLO_LABEL.to_owned(), slo.name.clone()),
    ])
}

pub(super) fn alerts_selector(
    subject: &Subject<'_>,
    alert: Option<&BurnAlert>,
    firing: bool,
) -> String {
    let mut labels = slo_alerts(subject.service, subject.slo, &subject.alert_name);
    if firing {
        labels.insert("alertstate".to_owned(), "firing".to_owned());
    }
    if let Some(alert) = alert {
        labels.insert(LONG_WINDOW_LABEL.to_owned(), alert.long.to_string());
        labels.insert(SHORT_WINDOW_LABEL.to_owned(), alert.short.to_string());
    }
    series("ALERTS", &labels)
}

/// `ALERTS{...}` of the alert: firing at `time` with exactly its labels, or not.
pub(super) fn alert_check(
    project: &Project,
    subject: &Subject<'_>,
    feed: Feed,
    alert: &BurnAlert,
    time: Duration,
    firing: bool,
    comment: String,
) -> ExprTestView {
    let selector = alerts_selector(subject, Some(alert), true);
    let mut comments = vec![comment];
    let (expr, exp_samples) = if firing {
        let rule_labels = burn_alert_labels(project, subject.service, subject.slo, alert);
        let mut labels = subject.recorded_labels(feed);
        labels.extend(rule_labels.clone());
        labels.insert("alertname".to_owned(), subject.alert_name.clone());
        labels.insert("alertstate".to_owned(), "firing".to_owned());
        let (expr, sample, note) = firing_alert(selector, labels, &rule_labels);
        comments.extend(note);
        (expr, vec![sample])
    } else {
        (selector, Vec::new())
    };
    ExprTestView {
        comments,
        expr,
        eval_time: time.to_string(),
        exp_samples,
    }
}

/// The query and expected sample of a check that the `ALERTS` selector
/// returns one firing alert with exactly `labels`, and a comment when some
/// are left out. Prometheus expands the value of every label an alerting
/// rule sets as a template (text without `{{` stays as it is): the rule
/// labels holding a template are removed from the result by `label_replace`
/// and from the expected labels, so the others are still compared exactly
/// and no expanded value is guessed.
pub(super) fn firing_alert(
    selector: String,
    mut labels: BTreeMap<String, String>,
    rule_labels: &BTreeMap<String, String>,
) -> (String, SampleView, Option<String>) {
    let templated: Vec<&String> = rule_labels
        .iter()
        .filter(|(_, value)| value.contains("{{"))
        .map(|(name, _)| name)
        .collect();
    let mut expr = selector;
    for name in &templated {
        labels.remove(*name);
        let name = quote(name);
        // `(?s)`: an expanded value may hold line breaks, which `.` skips.
        expr = format!(r#"label_replace({expr}, {name}, "", {name}, "(?s:.*)")"#);
    }
    let note = (!templated.is_empty()).then(|| {
        let names: Vec<String> = templated.iter().map(|name| format!("`{name}`")).collect();
        format!(
            "Left out of the comparison (Prometheus templates, expanded as the alert fires): {}.",
            names.join(", ")
        )
    });
    let sample = SampleView {
        labels: series("ALERTS", &labels),
        value: "1".to_owned(),
    };
    (expr, sample, note)
}

/// `count_over_time(ALERTS{...}[end])` at `end`: never firing (nor pending) up to then.
pub(super) fn never_check(
    subject: &Subject<'_>,
    alert: Option<&BurnAlert>,
    end: Duration,
    comment: String,
) -> ExprTestView {
    ExprTestView {
        comments: vec![comment],
        expr: format!(
            "count_over_time({}[{end}])",
            alerts_selector(subject, alert, false)
        ),
        eval_time: end.to_string(),
        exp_samples: Vec::new(),
    }
}

/// A burn in comments: `0.42% of events failing`.
pub(super) fn burn_text(subject: &Subject<'_>, share: Share) -> String {
    if subject.is_threshold() {
        format!(
            "one sample in {} out of bounds",
            share.of / share.failed.max(1)
        )
    } else {
        format!("{} of events failing", share.percent())
    }
}

/// The pair's name in comments: `page 1h/5m`.
pub(super) fn pair(alert: &BurnAlert) -> String {
    format!("{} {}/{}", alert.severity.as_str(), alert.long, alert.short)
}

/// A time in seconds on the test clock, e.g. `6h5m51.84s`.
pub(super) fn clock(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let millis = (seconds * 1000.0).round().max(0.0) as u64;
    let minutes = millis / 60_000 * 60_000;
    #[allow(clippy::cast_precision_loss)]
    let rest = (millis - minutes) as f64 / 1000.0;
    let head = if minutes > 0 {
        Duration::from_millis(minutes).to_string()
    } else {
        String::new()
    };
    if rest > 0.0 || head.is_empty() {
        format!("{head}{}s", format(rest))
    } else {
        head
    }
}

/// The last evaluation at or before `time` (seconds), on a grid of `eval`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
pub(super) fn at_or_before(time: f64, eval: Duration) -> Option<Duration> {
    let step = eval.millis() as f64;
    let index = ((time * 1000.0) / step + 1e-9).floor();
    (index >= 0.0).then(|| Duration::from_millis(index as u64 * eval.millis()))
}

/// The last evaluation strictly before `time` (seconds).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
pub(super) fn before(time: f64, eval: Duration) -> Option<Duration> {
    let step = eval.millis() as f64;
    let index = ((time * 1000.0) / step - 1e-9).ceil() - 1.0;
    (index >= 0.0).then(|| Duration::from_millis(index as u64 * eval.millis()))
}

pub(super) fn ceil_to(duration_millis: u64, grid: Duration) -> Duration {
    Duration::from_millis(duration_millis.div_ceil(grid.millis()) * grid.millis())
}

pub(super) fn whole(window: Duration, interval: Duration) -> bool {
    window.millis().is_multiple_of(interval.millis())
}
