//! Generated promtool unit tests: the plan of `tests/*.yml`.
//!
//! In: an [`ir::Project`](crate::ir::Project). Out: [`TestFile`]s (a
//! [`TestFileView`] whose test groups are planned as it renders),
//! rendered by `rule-tests.yml.j2` into files `promtool test rules` runs
//! against the generated `recording-rules.yml` and `alert-rules.yml`
//! themselves (never copies, so breaking those files fails the tests).
//!
//! Files:
//! - `tests/slo-outages.yml`, evaluated at the settings' evaluation
//!   interval: after a warm-up of good traffic as long as the longest page
//!   window, a total outage, then recovery. Each page alert is not yet
//!   firing one evaluation interval before the time [`math`] predicts
//!   ([`BurnAlert::firing_seconds`]) and is firing, with exactly its labels,
//!   one interval after it; after errors stop it still fires one interval
//!   before [`BurnAlert::resolved_seconds`] and is resolved one after, within
//!   its short window. Recorded values are checked before and during the
//!   outage, one check per SLO and time (a selector of every metric by name).
//! - `tests/slo-slow-burns.yml`, evaluated hourly (a constant burn reads
//!   the same at any interval, and three days at one-minute steps would take
//!   minutes): a slow burn between the ticket and page thresholds after a
//!   warm-up as long as the longest window, where every ticket alert below
//!   the burn fires and no page alert ever does; and a burn just under the
//!   lowest threshold for longer than the longest window, where nothing
//!   ever fires and every recorded value is checked exactly. Inputs are
//!   sampled at the evaluation interval or, where a window would then hold
//!   more samples than promtool loads in a query, at a multiple of it
//!   ([`loadable`]).
//! - `tests/slo-edge-cases.yml` (`guards`): no data per group, both sides
//!   of the low-traffic guard, and raw SLIs after a traffic change and an
//!   idle gap, with times and values computed exactly rather than simulated.
//! - `tests/<service>-alerts.yml`: the `[[alert.test]]` cases of plain alerts.
//!
//! Burn alerts' `for` and `keep_firing_for` shift every expected firing and
//! resolution (`simulate::alert_state` models Prometheus' rule manager).
//!
//! Inputs ([`crate::synthesize`]): raw series where slogen can write them
//! (latency, simple threshold and ratio SLIs); otherwise slogen's recorded
//! base series (`slo:sli_errors:rate5m`, the windows its queries compute,
//! `slo:sli_breach:bool`), so the alert layer and slogen's own composition of
//! long windows are still tested, and the file says so. Threshold SLIs are
//! fed their breach series in the hourly file, where a gauge sampled hourly
//! would say nothing about the share of time.
//!
//! Every SLO of a scenario shares one promtool test group, however many
//! there are (each evaluation step evaluates every rule of the files, so
//! promtool's time grows with the number of groups times the number of
//! rules: a group per SLO, or per 64, would make it grow with the square of
//! the SLOs); SLOs whose series would select each other's inputs get a
//! group of their own ([`pack`]).
//!
//! Alerts are checked through the `ALERTS` series (`promql_expr_test`),
//! one window pair at a time: promtool 2.42's `alert_rule_test` compares
//! annotations exactly, and burn-rate descriptions render `$value`. Rule
//! labels whose values are templates are left out ([`firing_alert`]).
//!
//! Every expectation is also checked by [`Simulation`], a model of how
//! Prometheus 2 (ranges closed at both ends, `rate()` extrapolation at the
//! series' start) evaluates these rules on these inputs; an expectation the
//! model cannot confirm is left out, with a comment saying so.
//!
//! A file is planned in two steps. First every SLO's inputs, the comments
//! of its part (which checks the model leaves out is known then), and for
//! the constant burns the scenario the model confirms ([`Sketch`]); SLOs
//! are packed into test groups by their inputs, and the headers of the
//! file and of each group are known. Then the checks, 64 SLOs at a time as
//! the template reads them ([`Groups::context`]): a file's checks are never
//! all held at once, however big its groups. Both steps
//! run in batches on rayon's threads; within a batch, SLOs alike for the
//! model (base window, longest window, kind, feed, scenario) share one
//! simulation and their input values ([`Simulations`]).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use foldhash::HashMap;
use rayon::prelude::*;
use serde::Serialize;

use crate::duration::Duration;
use crate::ir::{AlertTest, PlainAlert, Project, Service, Settings, Severity, Sli, Slo};
use crate::math::{BurnAlert, Measure};
use crate::names::{
    LONG_WINDOW_LABEL, OUTAGES_FILE, SERVICE_LABEL, SHORT_WINDOW_LABEL, SLO_LABEL,
    SLOTH_WINDOW_LABEL, SLOW_BURNS_FILE, plain_alerts_file, ratio_metric, slo_selector,
};
use crate::notation::{self, Sample};
use crate::number::format;
use crate::plan::{
    self, alert_measures, base_window, burn_alert_labels, plain_alert_labels, queries_window,
    recorded_windows, series_labels, sloth_window, window_measure,
};
use crate::promql::{quote, series};
use crate::synthesize::{self, Counting, Errors, Role, Series, Source, Synthesis};

/// One promtool test file.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TestFileView {
    /// Path relative to the output directory.
    #[serde(skip)]
    pub path: String,
    /// Source file names, for the header.
    pub sources: Vec<String>,
    /// Header comment lines.
    pub description: Vec<String>,
    /// Rule files, relative to the test file.
    pub rule_files: Vec<String>,
    /// Evaluation interval, canonical duration.
    pub evaluation_interval: String,
    /// Every rule group, recording groups first.
    pub group_eval_order: Vec<String>,
    /// Test groups.
    pub tests: Vec<TestGroupView>,
}

/// A planned test file: its view, whose SLO test groups are planned only
/// as the template reaches them (only one group's checks are held at once).
pub(crate) struct TestFile {
    /// The view; its `tests` are those of plain alerts only.
    view: TestFileView,
    /// The SLO test groups, packed but not planned.
    groups: Option<Arc<Groups>>,
}

impl TestFile {
    /// Path relative to the output directory.
    pub(crate) fn path(&self) -> &str {
        &self.view.path
    }

    #[cfg(test)]
    /// The whole view, every test group planned now.
    pub(crate) fn into_view(self) -> TestFileView {
        let mut view = self.view;
        if let Some(groups) = self.groups {
            view.tests = (0..groups.groups.len())
                .map(|index| Groups::view(&groups, index))
                .collect();
        }
        view
    }

    /// The file as a template context: the values of
    /// [`into_view`](Self::into_view), each test group planned as the
    /// template reaches it.
    pub(crate) fn into_context(self) -> minijinja::Value {
        let view = self.view;
        let tests = match self.groups {
            Some(groups) => crate::render::Lazy::values(groups.groups.len(), move |index| {
                Groups::context(&groups, index)
            }),
            None => crate::render::Lazy::value(view.tests),
        };
        minijinja::context! {
            sources => view.sources,
            description => view.description,
            rule_files => view.rule_files,
            evaluation_interval => view.evaluation_interval,
            group_eval_order => view.group_eval_order,
            tests => tests,
        }
    }
}

/// One promtool test group: input series and checks.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TestGroupView {
    /// Name, printed by promtool on failure.
    pub name: String,
    /// Comment lines above the group.
    pub comments: Vec<String>,
    /// Interval of the input samples.
    pub interval: String,
    /// Input series.
    pub input_series: Vec<InputSeriesView>,
    /// Checks.
    pub promql_expr_test: Vec<ExprTestView>,
}

/// An input series.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct InputSeriesView {
    /// A comment line above it.
    pub comment: Option<String>,
    /// `name{labels}`.
    pub series: String,
    /// Values in expanding notation.
    pub values: String,
}

/// A PromQL check.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ExprTestView {
    /// Comment lines above it.
    pub comments: Vec<String>,
    /// The query.
    pub expr: String,
    /// When, canonical duration.
    pub eval_time: String,
    /// The exact result; empty for none.
    pub exp_samples: Vec<SampleView>,
}

/// An expected sample.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SampleView {
    /// `name{labels}`.
    pub labels: String,
    /// The value as promtool compares it: the shortest decimal of the float.
    pub value: String,
}

/// One line of `slogen test`'s summary: an SLO, or a service's plain alerts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Covered {
    /// `service/slo`, or `service: plain alerts`.
    pub name: String,
    /// Test files holding its checks.
    pub files: Vec<String>,
    /// Texts that name it in promtool's failure output, each a list of
    /// texts a failure must all hold (queries there are quoted Go strings,
    /// so `"` appears as `\"`). An SLO is named by its service and SLO
    /// labels, which every check of it selects (SLOs may share an alert
    /// name); a plain alert by its name, which is its own.
    pub markers: Vec<Vec<String>>,
    /// Why it has no tests, if it has none.
    pub skipped: Option<String>,
}

/// What the generated tests cover, in output order.
pub(crate) fn coverage(project: &Project) -> Vec<Covered> {
    let quoted = |text: String| text.replace('"', "\\\"");
    let mut covered = Vec::new();
    for (service, slo) in project.slos() {
        let skipped = if plan::burn_alerts(slo).is_empty() && !slo.alerting.no_data {
            Some("no burn-rate alerts".to_owned())
        } else if let Source::Untestable { reason } =
            synthesize::synthesize(&slo.sli, base_window(slo)).source
        {
            Some(reason)
        } else {
            None
        };
        covered.push(Covered {
            name: format!("{}/{}", service.name, slo.name),
            files: vec![
                OUTAGES_FILE.to_owned(),
                SLOW_BURNS_FILE.to_owned(),
                crate::names::EDGE_CASES_FILE.to_owned(),
            ],
            markers: vec![vec![
                quoted(format!("{SERVICE_LABEL}={}", quote(&service.name))),
                quoted(format!("{SLO_LABEL}={}", quote(&slo.name))),
            ]],
            skipped,
        });
    }
    for service in &project.services {
        let tested: Vec<&PlainAlert> = service
            .alerts
            .iter()
            .filter(|alert| !alert.tests.is_empty())
            .collect();
        if tested.is_empty() {
            continue;
        }
        covered.push(Covered {
            name: format!("{}: plain alerts", service.name),
            files: vec![plain_alerts_file(&service.name)],
            markers: tested
                .iter()
                .map(|alert| vec![quoted(format!("alertname={}", quote(&alert.name)))])
                .collect(),
            skipped: None,
        });
    }
    covered
}

/// The rule files every test file loads, relative to `tests/`: each
/// service's file of the first `prometheus` target (of its default
/// directory when there is none: `slogen test` writes it then).
pub(crate) fn rule_files(project: &Project) -> Vec<String> {
    let default = crate::ir::Target::new(crate::ir::TargetKind::Prometheus);
    let target = project
        .settings
        .targets
        .iter()
        .find(|target| target.kind == crate::ir::TargetKind::Prometheus)
        .unwrap_or(&default);
    project
        .services
        .iter()
        .filter(|service| plan::has_rules(service))
        .map(|service| {
            format!(
                "../{}",
                crate::names::rule_file_path(&target.dir, &service.name)
            )
        })
        .collect()
}

#[cfg(test)]
/// Plans every test file of a project at once (for tests and tools; a
/// build uses [`each_test_file`]).
pub(crate) fn test_files(project: &Arc<Project>) -> Vec<TestFileView> {
    each_test_file(project, TestFile::into_view)
}

/// Plans the test files of a project one at a time, handing each to `each`
/// before the next is planned: only one file's plan is held at once, and
/// of an SLO file only its packing until the template reaches each group.
pub(crate) fn each_test_file<R>(project: &Arc<Project>, each: impl Fn(TestFile) -> R) -> Vec<R> {
    // Recording groups first: alerts then read the values recorded at the
    // same step.
    let order = plan::group_names(project);
    let each = |mut file: TestFile| {
        file.view.group_eval_order.clone_from(&order);
        each(file)
    };
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut held = Vec::new();
    for (service_at, service) in project.services.iter().enumerate() {
        for (slo_at, slo) in service.slos.iter().enumerate() {
            let id = format!("{}/{}", service.name, slo.name);
            let alerts = plan::burn_alerts(slo);
            if alerts.is_empty() {
                if slo.alerting.no_data {
                    notes.push(format!("{id}: only a no-data alert; not tested here."));
                }
                continue;
            }
            let synthesis = synthesize::synthesize(&slo.sli, base_window(slo));
            if let Source::Untestable { reason } = &synthesis.source {
                notes.push(format!("{id}: NOT TESTED: {reason}."));
                continue;
            }
            held.push(Held {
                service: service_at,
                slo: slo_at,
                alerts,
                synthesis,
            });
        }
    }
    if !held.is_empty() || !notes.is_empty() {
        let held = Arc::new(held);
        let tested = Tested {
            project: Arc::clone(project),
            held: Arc::clone(&held),
        };
        let subjects: Vec<Subject<'_>> = held.iter().map(|held| held.subject(project)).collect();
        files.push(each(outages(&tested, &subjects, &notes)));
        files.push(each(slow_burns(&tested, &subjects, &notes)));
    }
    if let Some(view) = guards(project) {
        files.push(each(TestFile { view, groups: None }));
    }
    for service in &project.services {
        if service.alerts.iter().any(|alert| !alert.tests.is_empty()) {
            files.push(each(TestFile {
                view: plain_alerts(project, service),
                groups: None,
            }));
        }
    }
    files
}

/// The project and its tested SLOs, shared by the test groups of a file
/// until they are planned.
#[derive(Clone)]
struct Tested {
    project: Arc<Project>,
    held: Arc<Vec<Held>>,
}

/// The SLO test groups of a file, packed: each group's checks are planned
/// only when it is viewed.
struct Groups {
    tested: Tested,
    /// Each group's name and parts (never none; they share one input step).
    groups: Vec<(&'static str, Vec<Sketch>)>,
}

impl Groups {
    #[cfg(test)]
    /// Test group `index`, every check planned.
    fn view(groups: &Arc<Self>, index: usize) -> TestGroupView {
        let mut view = groups.header(index);
        view.promql_expr_test = Self::checks(groups, index).collect();
        view
    }

    /// The checks of test group `index`, planned [`PLANNED_PARTS`] SLOs at
    /// a time as they are read.
    fn checks(
        groups: &Arc<Self>,
        index: usize,
    ) -> impl Iterator<Item = ExprTestView> + Send + Sync + use<> {
        let groups = Arc::clone(groups);
        (0..groups.groups[index].1.len())
            .step_by(PLANNED_PARTS)
            .flat_map(move |from| groups.part_checks(index, from, PLANNED_PARTS))
    }

    /// Test group `index` as a template value: its checks are planned
    /// [`PLANNED_PARTS`] SLOs at a time as the template reads them, so a
    /// group of thousands of SLOs is never held whole.
    fn context(groups: &Arc<Self>, index: usize) -> minijinja::Value {
        let header = groups.header(index);
        let parts = groups.groups[index].1.len();
        let planned = Arc::clone(groups);
        let probed = Arc::clone(groups);
        let checks = crate::render::Stream::value(
            move || {
                Self::checks(&planned, index)
                    .map(|check| minijinja::Value::from(minijinja::value::Serde(check)))
            },
            // Empty only if no part has a check: parts are planned one at a
            // time until one has.
            move || (0..parts).any(|from| !probed.part_checks(index, from, 1).is_empty()),
        );
        minijinja::context! {
            name => header.name,
            comments => header.comments,
            interval => header.interval,
            input_series => minijinja::Value::from(minijinja::value::Serde(header.input_series)),
            promql_expr_test => checks,
        }
    }

    /// Test group `index` without its checks: its name, the comments of its
    /// parts, and the input series, each written once.
    fn header(&self, index: usize) -> TestGroupView {
        let (name, sketches) = &self.groups[index];
        let project = &*self.tested.project;
        let mut input_series = Vec::new();
        let mut written = foldhash::HashSet::default();
        let mut comments = Vec::new();
        let mut ids = Vec::with_capacity(sketches.len());
        for sketch in sketches {
            let id = self.tested.held[sketch.subject_index].subject(project).id;
            let mut first = true;
            for (series, values) in &sketch.series {
                let text = series.text();
                if !written.insert(text.clone()) {
                    continue;
                }
                input_series.push(InputSeriesView {
                    comment: first.then(|| id.clone()),
                    series: text,
                    values: values.clone(),
                });
                first = false;
            }
            comments.extend(sketch.comments.iter().cloned());
            ids.push(id);
        }
        TestGroupView {
            name: group_name(name, &ids),
            comments,
            interval: sketches[0].step.to_string(),
            input_series,
            promql_expr_test: Vec::new(),
        }
    }

    /// The checks of up to `count` parts of group `index` from part `from`
    /// on, planned on rayon's threads in batches that share [`Simulations`].
    fn part_checks(&self, index: usize, from: usize, count: usize) -> Vec<ExprTestView> {
        let sketches = &self.groups[index].1;
        let sketches =
            &sketches[from.min(sketches.len())..from.saturating_add(count).min(sketches.len())];
        let project = &*self.tested.project;
        sketches
            .par_chunks(BATCH)
            .flat_map_iter(|sketches| {
                let simulations = Simulations::default();
                sketches
                    .iter()
                    .flat_map(|sketch| {
                        let subject = self.tested.held[sketch.subject_index].subject(project);
                        sketch.checks(project, &subject, &simulations)
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// The most SLOs whose checks are planned and held at once.
const PLANNED_PARTS: usize = 64;

/// A test group's name: its scenario and SLOs (how many, the first and
/// the last, when there are more than [`NAMED_PARTS`]).
fn group_name(scenario: &str, ids: &[String]) -> String {
    match ids {
        [first, .., last] if ids.len() > NAMED_PARTS => {
            format!("{scenario}: {} SLOs, {first} to {last}", ids.len())
        }
        _ => format!("{scenario}: {}", ids.join(", ")),
    }
}

/// The most SLOs a test group's name lists.
const NAMED_PARTS: usize = 64;

/// What is worked out once of an SLO with burn-rate alerts: its
/// [`Subject`] is made again from it for each test group.
struct Held {
    service: usize,
    slo: usize,
    alerts: Vec<BurnAlert>,
    synthesis: Synthesis,
}

impl Held {
    fn subject<'a>(&'a self, project: &'a Project) -> Subject<'a> {
        let service = &project.services[self.service];
        Subject::new(
            &project.settings,
            service,
            &service.slos[self.slo],
            &self.alerts,
            &self.synthesis,
        )
    }
}

/// An SLO with burn-rate alerts, and how to feed it.
struct Subject<'a> {
    settings: &'a Settings,
    service: &'a Service,
    slo: &'a Slo,
    id: String,
    alerts: &'a [BurnAlert],
    synthesis: &'a Synthesis,
    alert_name: String,
}

impl<'a> Subject<'a> {
    fn new(
        settings: &'a Settings,
        service: &'a Service,
        slo: &'a Slo,
        alerts: &'a [BurnAlert],
        synthesis: &'a Synthesis,
    ) -> Self {
        Self {
            settings,
            service,
            slo,
            id: format!("{}/{}", service.name, slo.name),
            alerts,
            synthesis,
            alert_name: slo.alerting.name.clone(),
        }
    }

    fn base(&self) -> Duration {
        base_window(self.slo)
    }

    /// Labels of the SLO's recorded series when fed this way.
    fn recorded_labels(&self, feed: Feed) -> BTreeMap<String, String> {
        let mut labels = match (&self.synthesis.source, feed) {
            (Source::Counters { kept, .. } | Source::Gauge { kept, .. }, Feed::Raw) => kept.clone(),
            _ => BTreeMap::new(),
        };
        labels.extend(series_labels(self.settings, self.service, self.slo));
        labels
    }

    fn pages(&self) -> impl Iterator<Item = &BurnAlert> {
        self.alerts
            .iter()
            .filter(|alert| alert.severity == Severity::Page)
    }

    fn tickets(&self) -> impl Iterator<Item = &BurnAlert> {
        self.alerts
            .iter()
            .filter(|alert| alert.severity == Severity::Ticket)
    }

    fn longest_window(&self) -> Duration {
        self.alerts
            .iter()
            .map(|alert| alert.long)
            .max()
            .unwrap_or(self.base())
    }

    fn selector(&self) -> String {
        slo_selector(&self.service.name, &self.slo.name)
    }

    fn is_threshold(&self) -> bool {
        matches!(self.slo.sli, Sli::Threshold { .. })
    }

    fn model(&self) -> Model {
        Model {
            base: self.base(),
            longest: self.longest_window(),
            states: self.is_threshold(),
            raw: matches!(self.slo.sli, Sli::Raw { .. }),
        }
    }
}

mod checks;
mod guards;
mod outages;
mod pack;
mod plain_alerts;
mod simulate;
mod slow_burns;
#[cfg(test)]
mod tests;

use checks::*;
use guards::*;
use outages::*;
use pack::*;
use plain_alerts::*;
use simulate::*;
use slow_burns::*;
