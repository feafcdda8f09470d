//! `tests/<service>-alerts.yml`: the `[[alert.test]]` cases of a
//! service's plain alerts.

use super::*;

pub(super) fn plain_alerts(project: &Project, service: &Service) -> TestFileView {
    let interval = project.settings.evaluation_interval;
    let tests = service
        .alerts
        .iter()
        .flat_map(|alert| {
            alert
                .tests
                .iter()
                .enumerate()
                .map(move |(number, test)| plain_test(project, service, alert, number, test))
        })
        .collect();
    file(
        project,
        &plain_alerts_file(&service.name),
        vec![
            format!(
                "The test cases declared with the plain alerts of {} (`[[alert.test]]`), evaluated every {interval}.",
                service.source
            ),
            "Alerts are read through ALERTS (labels only): promtool compares alert annotations exactly, and annotations are Go templates.".to_owned(),
        ],
        interval,
        tests,
    )
}

pub(super) fn plain_test(
    project: &Project,
    service: &Service,
    alert: &PlainAlert,
    number: usize,
    test: &AlertTest,
) -> TestGroupView {
    let firing = BTreeMap::from([
        ("alertname".to_owned(), alert.name.clone()),
        ("alertstate".to_owned(), "firing".to_owned()),
    ]);
    let state = if test.firing { "firing" } else { "not firing" };
    let selector = series("ALERTS", &firing);
    let mut comments = vec![format!("{} is {state} at {}.", alert.name, test.at)];
    let (expr, exp_samples) = if test.firing {
        let rule_labels = plain_alert_labels(project, service, alert);
        let mut labels = test.labels.clone();
        labels.extend(rule_labels.clone());
        labels.extend(firing);
        let (expr, sample, note) = firing_alert(selector, labels, &rule_labels);
        comments.extend(note);
        (expr, vec![sample])
    } else {
        (selector, Vec::new())
    };
    TestGroupView {
        name: format!("{} #{}: {state} at {}", alert.name, number + 1, test.at),
        comments: Vec::new(),
        interval: project.settings.evaluation_interval.to_string(),
        input_series: test
            .series
            .iter()
            .map(|(selector, values)| InputSeriesView {
                comment: None,
                series: selector.clone(),
                values: values.clone(),
            })
            .collect(),
        promql_expr_test: vec![ExprTestView {
            comments,
            expr,
            eval_time: test.at.to_string(),
            exp_samples,
        }],
    }
}
