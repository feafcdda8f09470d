use super::*;
use crate::source::SourceFile;

/// The project of one service file (and settings), parsed and analyzed as
/// a build does: errors fail the test.
fn project(settings: Option<&str>, service: &str) -> Project {
    let settings = settings.map(|text| SourceFile::new("slo/slogen.toml", text));
    let service = SourceFile::new("slo/shop.toml", service);
    let parsed_settings = settings.as_ref().map(|source| {
        let parsed = crate::spec::parse_settings(source);
        let file = parsed
            .file
            .unwrap_or_else(|| panic!("{:?}", parsed.diagnostics));
        (source, file)
    });
    let parsed = crate::spec::parse_service(&service);
    let file = parsed
        .file
        .unwrap_or_else(|| panic!("{:?}", parsed.diagnostics));
    let (project, diagnostics) = crate::analyze::analyze(
        parsed_settings
            .as_ref()
            .map(|(source, file)| (*source, file)),
        &[(&service, &file)],
        true,
    );
    assert!(
        !diagnostics
            .iter()
            .any(crate::diagnostic::Diagnostic::is_error),
        "{diagnostics:?}"
    );
    project.unwrap_or_else(|| panic!("{diagnostics:?}"))
}

const SHAPES: &str = r#"
[service]
name = "shop"
team = "shop"

[[slo]]
name = "ratio"
objective = 99.9
[slo.sli.ratio]
errors = 'sum(rate(requests_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(requests_total[{{window}}]))'

[[slo]]
name = "latency"
objective = 95
period = "28d"
[slo.sli.latency]
histogram = "request_seconds"
threshold = "250ms"

[[slo]]
name = "lag"
objective = 99
period = "7d"
[slo.sli.threshold]
query = 'max(lag_seconds)'
max = 10

[[slo]]
name = "raw"
objective = 99.5
[slo.sli.raw]
error_ratio = 'sum(rate(failed_total[{{window}}])) / sum(rate(all_total[{{window}}]))'

[[slo]]
name = "day-page"
objective = 99.9
[slo.sli.ratio]
errors = 'sum(rate(other_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(other_total[{{window}}]))'
[[slo.alerting.window]]
severity = "page"
long = "1d"
short = "1h"
burn_rate = 3
"#;

/// The first evaluation at which the model sees the alert fire after a
/// total outage starting at `start`, and resolve after it stops.
fn simulated(
    subject: &Subject<'_>,
    feed: Feed,
    alert: &BurnAlert,
    interval: Duration,
) -> (f64, f64) {
    let step = interval.millis();
    let start = 2 * 86_400_000;
    let stop = start + 3 * 86_400_000 / 2;
    let scenario = Scenario {
        step: interval,
        eval: interval,
        phases: vec![
            (1, Share::NONE),
            (start / step + 1, Share::ALL),
            (stop / step + 1, Share::NONE),
        ],
        last: (stop + 86_400_000) / step,
    };
    let simulation = Simulation::new(subject.model(), &scenario, feed);
    let first = |from: u64, firing: bool| {
        (from / step..)
            .map(|index| Duration::from_millis(index * step))
            .find(|time| simulation.firing(alert, *time) == Some(firing))
            .map(|time| (time.millis() - from) as f64 / 1000.0)
            .unwrap()
    };
    (first(start, true), first(stop, false))
}

/// The math's firing and resolution times (`slogen explain`) agree with
/// the model of Prometheus' sampling: the alert fires at the first
/// evaluation after the predicted time and resolves at the first
/// evaluation at or after it, for every measure of window.
#[test]
fn math_predicts_the_sampled_times() {
    for (settings, interval) in [
        (None, Duration::from_minutes(1)),
        (
            Some("[defaults]\nevaluation_interval = \"30s\"\n"),
            Duration::from_millis(30_000),
        ),
    ] {
        let project = project(settings, SHAPES);
        for (service, slo) in project.slos() {
            let synthesis = synthesize::synthesize(&slo.sli, base_window(slo));
            let alerts = plan::burn_alerts(slo);
            let subject = Subject::new(&project.settings, service, slo, &alerts, &synthesis);
            for feed in [Feed::Raw, Feed::Recorded] {
                for alert in subject.pages() {
                    let measures = alert_measures(slo, alert);
                    let firing = alert.firing_seconds(measures, interval).max(0.0);
                    let resolved = alert.resolved_seconds(measures, interval);
                    let (fired_at, resolved_at) = simulated(&subject, feed, alert, interval);
                    let step = interval.seconds();
                    let context = format!(
                        "{} {} {feed:?} at {interval}: math {firing}/{resolved}, model {fired_at}/{resolved_at}",
                        subject.id,
                        pair(alert)
                    );
                    assert!(
                        fired_at > firing - 1e-6 && fired_at <= firing + step + 1e-6,
                        "{context}"
                    );
                    assert!(
                        resolved_at >= resolved - 1e-6 && resolved_at < resolved + step + 1e-6,
                        "{context}"
                    );
                }
            }
        }
    }
}

/// A service whose only SLO has no alerts at all.
const QUIET: &str = r#"
[service]
name = "quiet"
team = "quiet"

[[slo]]
name = "lag"
objective = 99
[slo.sli.threshold]
query = 'max(lag_seconds)'
max = 10
[slo.alerting]
page = false
ticket = false
no_data = false
"#;

/// Group names without planning rules are the planned groups' names.
#[test]
fn group_names_are_the_planned_ones() {
    let none = |_: &str| -> Option<String> { None };
    for service in [SHAPES, QUIET] {
        let project = project(None, service);
        let planned: Vec<String> = plan::recording_rules(&project)
            .groups
            .into_iter()
            .chain(plan::alert_rules(&project, &none).groups)
            .map(|group| group.name)
            .collect();
        assert_eq!(plan::group_names(&project), planned);
        // The quiet service has no alert group.
        assert_eq!(
            planned.iter().any(|name| name.ends_with("-alerts")),
            service == SHAPES
        );
    }
}

/// SLOs that do not read each other's series share one test group
/// however many they are (promtool's time grows with the number of
/// groups times the rules); one that reads the others' series gets a
/// group of its own; and no member of any group reads a series only
/// another member feeds, or feeds a shared series other values.
#[test]
fn packed_groups_never_feed_each_other() {
    let mut spec = String::from("[service]\nname = \"shop\"\nteam = \"shop\"\n");
    for index in 0..150 {
        let total = if index % 50 == 49 {
            // Reads every job's series.
            "sum(rate(requests_total[{{window}}]))".to_owned()
        } else {
            format!("sum(rate(requests_total{{job=\"j{index}\"}}[{{{{window}}}}]))")
        };
        spec.push_str(&format!(
            "\n[[slo]]\nname = \"s{index}\"\nobjective = 99.9\n[slo.sli.ratio]\nerrors = 'sum(rate(requests_total{{job=\"j{index}\",code=~\"5..\"}}[{{{{window}}}}]))'\ntotal = '{total}'\n"
        ));
    }
    let project = Arc::new(project(None, &spec));
    let packed = each_test_file(&project, |file| file.groups);
    for groups in packed.iter().flatten() {
        // Per scenario, 147 SLOs fit together, and each of the three
        // that read every job's series needs a group of its own.
        let mut sizes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (scenario, members) in &groups.groups {
            sizes.entry(scenario).or_default().push(members.len());
        }
        for sizes in sizes.values() {
            assert_eq!(sizes, &[147, 1, 1, 1]);
        }
        for (_, members) in &groups.groups {
            let subjects: Vec<Subject<'_>> = members
                .iter()
                .map(|member| groups.tested.held[member.subject_index].subject(&project))
                .collect();
            for (mine, me) in members.iter().zip(&subjects) {
                for (theirs, _) in members.iter().zip(&subjects) {
                    for (series, values) in &theirs.series {
                        match mine.series.iter().find(|(own, _)| own == series) {
                            Some((_, own)) => assert_eq!(own, values),
                            None => assert!(!me.synthesis.reads(series), "{}", me.id),
                        }
                    }
                }
            }
        }
    }
    let views = test_files(&project);
    let outages = &views[0];
    assert!(
        outages
            .tests
            .iter()
            .any(|test| test.name.contains("SLOs, shop/")),
        "{:?}",
        outages
            .tests
            .iter()
            .map(|test| &test.name)
            .collect::<Vec<_>>()
    );
}

/// Lazy contexts give templates exactly the values of the views.
#[test]
fn lazy_contexts_hold_the_serialized_views() {
    fn same(whole: &impl Serialize, lazy: minijinja::Value) {
        assert_eq!(
            serde_json::to_value(lazy).unwrap(),
            serde_json::to_value(whole).unwrap()
        );
    }
    // Test groups are planned as the template reaches them.
    let project = Arc::new(project(None, SHAPES));
    let lazy = each_test_file(&project, TestFile::into_context);
    let whole = test_files(&project);
    assert_eq!(lazy.len(), whole.len());
    for (lazy, whole) in lazy.into_iter().zip(&whole) {
        assert!(!whole.tests.is_empty());
        same(whole, lazy);
    }
    // Each service's rule file holds that service's groups of the
    // project-wide views, recording groups first.
    let link = |path: &str| -> Option<String> { Some(format!("book/{path}")) };
    for project in [project, Arc::new(self::project(None, QUIET))] {
        let target = crate::ir::Target::new(crate::ir::TargetKind::Prometheus);
        let per_service: Vec<serde_json::Value> = project
            .services
            .iter()
            .filter_map(|service| plan::service_rules(&project, service, &target, &link))
            .flat_map(|file| file.groups)
            .map(|group| serde_json::to_value(group).unwrap())
            .collect();
        let mut whole: Vec<serde_json::Value> = plan::recording_rules(&project)
            .groups
            .into_iter()
            .chain(plan::alert_rules(&project, &link).groups)
            .map(|group| serde_json::to_value(group).unwrap())
            .collect();
        let service_of = |group: &serde_json::Value| {
            group["rules"][0]["labels"]["slogen_service"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        // Stable: recording groups stay before each service's alert group.
        whole.sort_by_key(service_of);
        assert_eq!(per_service, whole);
    }
}

#[test]
fn every_expectation_is_confirmed_and_every_slo_tested() {
    let project = Arc::new(project(None, SHAPES));
    let files = test_files(&project);
    assert_eq!(
        files
            .iter()
            .map(|file| file.path.as_str())
            .collect::<Vec<_>>(),
        vec![OUTAGES_FILE, SLOW_BURNS_FILE, crate::names::EDGE_CASES_FILE]
    );
    for file in &files {
        let comments: Vec<&String> = file
            .description
            .iter()
            .chain(file.tests.iter().flat_map(|test| &test.comments))
            .collect();
        assert!(
            !comments.iter().any(|line| line.contains("left out")
                || line.contains("NOT TESTED")
                || line.contains("no slow burn:")
                || line.contains("no slow burn the")
                || line.contains("no burn just under")),
            "{}: {comments:#?}",
            file.path
        );
        // Every SLO here has a no-data alert: the edge cases test each too.
        for slo in ["ratio", "latency", "lag", "raw", "day-page"] {
            let id = format!("shop/{slo}");
            assert!(
                file.tests.iter().any(|test| test.name.contains(&id)),
                "{} does not test {id}",
                file.path
            );
        }
    }
}

/// Under a minute, SLOs whose windows would hold too many samples for
/// promtool are fed coarser inputs, and still tested in full.
#[test]
fn slow_burn_inputs_stay_loadable() {
    for (every, coarser) in [("1m", false), ("30s", true), ("15s", true)] {
        let settings = format!("[defaults]\nevaluation_interval = \"{every}\"\n");
        let project = Arc::new(project(Some(&settings), SHAPES));
        let files = test_files(&project);
        let slow = files
            .iter()
            .find(|file| file.path == SLOW_BURNS_FILE)
            .unwrap();
        assert!(
            !slow
                .description
                .iter()
                .any(|line| line.contains("not tested")),
            "{every}: {:#?}",
            slow.description
        );
        for slo in ["ratio", "latency", "lag", "raw", "day-page"] {
            let id = format!("shop/{slo}");
            let groups: Vec<&TestGroupView> = slow
                .tests
                .iter()
                .filter(|test| test.name.contains(&id))
                .collect();
            assert!(!groups.is_empty(), "{every}: {id}");
            let raised = groups.iter().any(|group| group.interval != every);
            match slo {
                // Its breach series, fed at each step, is read over days.
                "lag" => assert_eq!(raised, coarser, "{every}: {id}"),
                // Its long windows read series recorded hourly.
                "ratio" => assert!(!raised, "{every}: {id}"),
                _ => assert!(coarser || !raised, "{every}: {id}"),
            }
        }
    }
}

#[test]
fn burns_sit_between_the_thresholds() {
    assert_eq!(
        Share::decimal(0.000_95, 2, true),
        Some(Share {
            failed: 19,
            of: 20_000
        })
    );
    assert_eq!(
        Share::decimal(0.004_24, 2, false).map(Share::percent),
        Some("0.42%".to_owned())
    );
    let project = project(None, SHAPES);
    let (service, slo) = project.slos().next().unwrap();
    let alerts = plan::burn_alerts(slo);
    let synthesis = synthesize::synthesize(&slo.sli, base_window(slo));
    let subject = Subject::new(&project.settings, service, slo, &alerts, &synthesis);
    // Tickets at 0.3% and 0.1%, pages from 0.6%: between 0.3% and 0.6%.
    assert_eq!(
        slow_share(&subject).map(Share::percent),
        Some("0.42%".to_owned())
    );
    assert_eq!(
        low_share(&subject).map(Share::percent),
        Some("0.095%".to_owned())
    );
}

#[test]
fn rate_factors_follow_prometheus() {
    let minute = Duration::from_minutes(1);
    // Whole steps: 1 / range, as Prometheus 2 multiplies.
    let five = Duration::from_minutes(5);
    let rate = |window, step| counting_factor(Counting::Rate, window, step);
    let increase = |window, step| counting_factor(Counting::Increase, window, step);
    assert_eq!(300_000.0 * rate(five, minute), 1_000.000_000_000_000_1);
    // `increase()` is the increase itself over whole steps.
    assert_eq!(300_000.0 * increase(five, minute), 300_000.0);
    // 5m sampled every 45s: six steps (270s), extrapolated by 30s.
    let step = Duration::from_millis(45_000);
    assert_eq!(rate(five, step), 300.0 / 270.0 / 300.0);
    assert_eq!(increase(five, step), 300.0 / 270.0);
}

#[test]
fn templated_alert_labels_are_left_out() {
    let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    };
    let selector = r#"ALERTS{alertname="A"}"#;
    let rule = labels(&[("team", "t"), ("lit", "a $b {c}")]);
    let mut all = rule.clone();
    all.insert("alertname".to_owned(), "A".to_owned());
    let (expr, sample, note) = firing_alert(selector.to_owned(), all.clone(), &rule);
    assert_eq!(expr, selector);
    assert_eq!(
        sample.labels,
        r#"ALERTS{alertname="A",lit="a $b {c}",team="t"}"#
    );
    assert_eq!(note, None);
    let rule = labels(&[("team", "t"), ("who", "{{ $labels.instance }}")]);
    let mut all = rule.clone();
    all.insert("alertname".to_owned(), "A".to_owned());
    let (expr, sample, note) = firing_alert(selector.to_owned(), all, &rule);
    assert_eq!(
        expr,
        r#"label_replace(ALERTS{alertname="A"}, "who", "", "who", "(?s:.*)")"#
    );
    assert_eq!(sample.labels, r#"ALERTS{alertname="A",team="t"}"#);
    assert!(note.is_some_and(|note| note.contains("`who`")));
}

#[test]
fn clock_and_grid() {
    assert_eq!(clock(21_951.84), "6h5m51.84s");
    assert_eq!(clock(120.0), "2m");
    assert_eq!(clock(0.0), "0s");
    let minute = Duration::from_minutes(1);
    assert_eq!(
        at_or_before(111.84, minute),
        Some(Duration::from_minutes(1))
    );
    assert_eq!(at_or_before(120.0, minute), Some(Duration::from_minutes(2)));
    assert_eq!(before(120.0, minute), Some(Duration::from_minutes(1)));
    assert_eq!(before(-8.0, minute), None);
}

#[test]
fn state_shares_are_bounded_at_eight_nines() {
    let shares = slow_burns::state_shares(1e-8);
    assert_eq!(shares.len(), slow_burns::STATE_SHARES);
    assert_eq!(shares[0].of, 100_000_000);
    assert!(shares.iter().all(|share| share.failed == 1));
}

/// `for` delays firing by whole evaluations from the first one that sees
/// the condition; `keep_firing_for` keeps it firing from the first that
/// does not, as Prometheus' rule manager does.
#[test]
fn alert_state_follows_for_and_keep_firing_for() {
    let minute = Duration::from_minutes(1);
    // The condition holds at evaluations 3 to 6.
    let holds = |index: u64| Some((3..=6).contains(&index));
    let firing = |wait: u64, keep: u64| -> Vec<u64> {
        (0..20)
            .filter(|now| {
                simulate::alert_state(holds, *now, wait, Duration::from_minutes(keep), minute)
                    == Some(true)
            })
            .collect()
    };
    assert_eq!(firing(0, 0), vec![3, 4, 5, 6]);
    // Active at 3, firing once 2m have passed.
    assert_eq!(firing(2, 0), vec![5, 6]);
    // First false at 7: kept firing while less than 3m have passed since.
    assert_eq!(firing(0, 3), vec![3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(firing(2, 3), vec![5, 6, 7, 8, 9]);
    // A tie anywhere in the `for` is not confirmed either way.
    let tied = |index: u64| if index == 4 { None } else { holds(index) };
    assert_eq!(
        simulate::alert_state(tied, 5, 2, Duration::from_minutes(0), minute),
        None
    );
}

/// The raw scenario's ratios are the events' own: traffic-weighted, and
/// undefined only for a window without events.
#[test]
fn raw_ratios_weigh_events_not_intervals() {
    let counts = vec![(0, 0), (3, 3000), (10, 20), (0, 0), (10, 20)];
    assert_eq!(guards::exact_ratio(&counts, 4, 4), Some(23.0 / 3040.0));
    assert_eq!(guards::exact_ratio(&counts, 3, 1), None);
    assert_eq!(guards::exact_ratio(&counts, 4, 1), Some(0.5));
}
