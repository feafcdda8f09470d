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
//! - `tests/<service>-alerts.yml`: the `[[alert.test]]` cases of plain alerts.
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

use crate::analyze::burn_alert_name;
use crate::duration::Duration;
use crate::ir::{AlertTest, PlainAlert, Project, Service, Severity, Sli, Slo};
use crate::math::{BurnAlert, Measure};
use crate::notation::{self, Sample};
use crate::number::format;
use crate::plan::{
    self, LONG_WINDOW_LABEL, SHORT_WINDOW_LABEL, alert_measures, base_window, burn_alert_labels,
    plain_alert_labels, queries_window, ratio_metric, recorded_windows, series_labels,
    slo_selector, window_measure,
};
use crate::promql::{quote, series};
use crate::synthesize::{self, Counting, Errors, Role, Series, Source, Synthesis};

/// The outage and recovery tests.
pub const OUTAGES_FILE: &str = "tests/slo-outages.yml";
/// The slow-burn tests.
pub const SLOW_BURNS_FILE: &str = "tests/slo-slow-burns.yml";

/// The tests of a service's plain alerts.
pub fn plain_alerts_file(service: &str) -> String {
    format!("tests/{service}-alerts.yml")
}

/// One promtool test file.
#[derive(Clone, Debug, Serialize)]
pub struct TestFileView {
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
pub struct TestFile {
    /// The view; its `tests` are those of plain alerts only.
    view: TestFileView,
    /// The SLO test groups, packed but not planned.
    groups: Option<Arc<Groups>>,
}

impl TestFile {
    /// Path relative to the output directory.
    pub fn path(&self) -> &str {
        &self.view.path
    }

    /// The whole view, every test group planned now.
    pub fn into_view(self) -> TestFileView {
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
    pub fn into_context(self) -> minijinja::Value {
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
pub struct TestGroupView {
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
pub struct InputSeriesView {
    /// A comment line above it.
    pub comment: Option<String>,
    /// `name{labels}`.
    pub series: String,
    /// Values in expanding notation.
    pub values: String,
}

/// A PromQL check.
#[derive(Clone, Debug, Serialize)]
pub struct ExprTestView {
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
pub struct SampleView {
    /// `name{labels}`.
    pub labels: String,
    /// The value as promtool compares it: the shortest decimal of the float.
    pub value: String,
}

/// One line of `slogen test`'s summary: an SLO, or a service's plain alerts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Covered {
    /// `service/slo`, or `service: plain alerts`.
    pub name: String,
    /// Test files holding its checks.
    pub files: Vec<String>,
    /// Text that names it in promtool's failure output (queries there are
    /// quoted Go strings, so `"` appears as `\"`).
    pub markers: Vec<String>,
    /// Why it has no tests, if it has none.
    pub skipped: Option<String>,
}

/// What the generated tests cover, in output order.
pub fn coverage(project: &Project) -> Vec<Covered> {
    let quoted = |text: String| text.replace('"', "\\\"");
    let mut covered = Vec::new();
    for (service, slo) in project.slos() {
        let skipped = if plan::burn_alerts(slo).is_empty() {
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
            files: vec![OUTAGES_FILE.to_owned(), SLOW_BURNS_FILE.to_owned()],
            markers: vec![
                quoted(format!(
                    "alertname={}",
                    crate::promql::quote(&burn_alert_name(&service.name, &slo.name))
                )),
                quoted(
                    slo_selector(&service.name, &slo.name)
                        .trim_matches(['{', '}'])
                        .to_owned(),
                ),
            ],
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
                .map(|alert| quoted(format!("alertname={}", crate::promql::quote(&alert.name))))
                .collect(),
            skipped: None,
        });
    }
    covered
}

/// Plans every test file of a project at once (for tests and tools; a
/// build uses [`each_test_file`]).
pub fn test_files(project: &Arc<Project>) -> Vec<TestFileView> {
    each_test_file(project, TestFile::into_view)
}

/// Plans the test files of a project one at a time, handing each to `each`
/// before the next is planned: only one file's plan is held at once, and
/// of an SLO file only its packing until the template reaches each group.
pub fn each_test_file<R>(project: &Arc<Project>, each: impl Fn(TestFile) -> R) -> Vec<R> {
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
            service,
            &service.slos[self.slo],
            &self.alerts,
            &self.synthesis,
        )
    }
}

/// An SLO with burn-rate alerts, and how to feed it.
struct Subject<'a> {
    service: &'a Service,
    slo: &'a Slo,
    id: String,
    alerts: &'a [BurnAlert],
    synthesis: &'a Synthesis,
    alert_name: String,
}

impl<'a> Subject<'a> {
    fn new(
        service: &'a Service,
        slo: &'a Slo,
        alerts: &'a [BurnAlert],
        synthesis: &'a Synthesis,
    ) -> Self {
        Self {
            service,
            slo,
            id: format!("{}/{}", service.name, slo.name),
            alerts,
            synthesis,
            alert_name: burn_alert_name(&service.name, &slo.name),
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
        labels.extend(series_labels(self.service, self.slo));
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
        }
    }
}

/// All a [`Simulation`] reads of an SLO: SLOs alike in it are simulated once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Model {
    base: Duration,
    longest: Duration,
    /// Threshold SLIs: bad states, not events.
    states: bool,
}

impl Model {
    fn measure(self, window: Duration) -> Measure {
        plan::measure(self.states, self.base, window)
    }
}

/// How a scenario feeds an SLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Feed {
    /// Raw series its queries read.
    Raw,
    /// slogen's recorded base series.
    Recorded,
}

/// An exact share of failed events (or of time out of bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Share {
    failed: u64,
    of: u64,
}

impl Share {
    const NONE: Self = Self { failed: 0, of: 1 };
    const ALL: Self = Self { failed: 1, of: 1 };

    #[allow(clippy::cast_precision_loss)]
    fn value(self) -> f64 {
        self.failed as f64 / self.of as f64
    }

    /// The decimal with `digits` significant digits nearest `value` (or
    /// the largest not above it).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap
    )]
    fn decimal(value: f64, digits: i32, down: bool) -> Option<Self> {
        if !(value > 0.0 && value < 1.0) {
            return None;
        }
        let exponent = digits - 1 - value.log10().floor() as i32;
        let scale = 10_u64.checked_pow(u32::try_from(exponent).ok()?)?;
        let scaled = value * scale as f64;
        let failed = if down {
            (scaled * (1.0 + 1e-12)).floor()
        } else {
            scaled.round()
        } as u64;
        (failed > 0).then(|| Self { failed, of: scale }.reduced())
    }

    fn reduced(self) -> Self {
        let divisor = gcd(self.failed, self.of);
        Self {
            failed: self.failed / divisor,
            of: self.of / divisor,
        }
    }

    fn percent(self) -> String {
        format!("{}%", format(self.value() * 100.0))
    }
}

fn gcd(mut left: u64, mut right: u64) -> u64 {
    while right != 0 {
        (left, right) = (right, left % right);
    }
    left.max(1)
}

fn lcm(left: u64, right: u64) -> u64 {
    left / gcd(left, right) * right
}

/// A timeline: the share of failures of every input interval.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Scenario {
    /// Input sample interval.
    step: Duration,
    /// Rule evaluation interval, a multiple of `step`.
    eval: Duration,
    /// (first interval, share) from then on; interval `i` ends at sample `i`.
    phases: Vec<(u64, Share)>,
    /// Index of the last sample.
    last: u64,
}

impl Scenario {
    /// The share of interval `interval` (1-based); intervals before the
    /// first sample have the first phase's share.
    fn share(&self, interval: i64) -> Share {
        let mut share = self.phases[0].1;
        for (start, phase) in &self.phases {
            if i64::try_from(*start).unwrap_or(i64::MAX) <= interval {
                share = *phase;
            }
        }
        share
    }

    fn phase_start(&self, interval: i64) -> i64 {
        let mut found = 1;
        for (start, _) in &self.phases {
            let start = i64::try_from(*start).unwrap_or(i64::MAX);
            if start <= interval {
                found = start;
            }
        }
        found
    }

    /// Events per interval: integer counts of failures for every share, and
    /// whole-number rates per second.
    fn traffic(&self) -> u64 {
        let denominators = self
            .phases
            .iter()
            .fold(1, |all, (_, share)| lcm(all, share.of));
        let millis = self.step.millis();
        let unit = if millis.is_multiple_of(1000) {
            millis / 1000
        } else {
            millis
        };
        denominators * unit
    }

    /// Failed events in interval `interval`, and all events, given the
    /// scenario's [`traffic`](Self::traffic) (callers compute it once).
    fn counts(&self, interval: i64, traffic: u64) -> (u64, u64) {
        let share = self.share(interval);
        (traffic / share.of * share.failed, traffic)
    }

    /// Whether the state recorded at sample `sample` (the state from then
    /// on, for threshold SLIs) is out of bounds: the last of every
    /// `1/share` samples of a phase, so that no window, however short or
    /// truncated, holds more than the share (a total outage: every sample).
    fn bad_state(&self, sample: i64) -> bool {
        let interval = sample + 1;
        let share = self.share(interval);
        if share.failed == 0 {
            return false;
        }
        let period = i64::try_from(share.of / share.failed)
            .unwrap_or(i64::MAX)
            .max(1);
        (interval - self.phase_start(interval)).rem_euclid(period) == period - 1
    }

    /// The last sample before any failure: no window ending there holds
    /// a failed interval or a bad state (`u64::MAX` when nothing fails).
    fn first_failure(&self) -> u64 {
        self.phases
            .iter()
            .find(|(_, share)| share.failed > 0)
            .map_or(u64::MAX / 2, |(start, _)| start.saturating_sub(1))
    }

    fn steps(&self, duration: Duration) -> i64 {
        i64::try_from(duration.millis() / self.step.millis()).unwrap_or(i64::MAX)
    }

    fn sample_at(&self, time: Duration) -> i64 {
        self.steps(time)
    }

    /// Spacing (in samples) of the recorded series long windows average,
    /// and the first sample that exists: rules record at evaluation steps
    /// (a base rate first when it has two samples); fed series every sample.
    fn sampling(&self, feed: Feed, states: bool) -> (i64, i64) {
        match feed {
            Feed::Recorded => (1, 0),
            Feed::Raw if states => (self.steps(self.eval), 0),
            Feed::Raw => {
                let spacing = self.steps(self.eval);
                (spacing, spacing)
            }
        }
    }
}

/// How Prometheus 2 evaluates the rules of one SLO on a scenario's inputs.
struct Simulation {
    model: Model,
    scenario: Scenario,
    feed: Feed,
    /// Events per interval ([`Scenario::traffic`]).
    traffic: u64,
    /// Running sums of (failed, all) events and bad states, from `origin`.
    sums: RefCell<Sums>,
}

/// The simulations of one batch of SLOs, planned on one thread: SLOs with
/// the same [`Model`] on the same scenario and feed share one, and their
/// input values; running sums and inputs over days of samples are most of
/// the cost of planning tests.
#[derive(Default)]
struct Simulations {
    simulations: RefCell<HashMap<Alike, Rc<Simulation>>>,
    /// Input values in promtool's notation; `None` for a series that
    /// never has a sample.
    values: RefCell<HashMap<(Alike, Values), Option<String>>>,
}

/// SLOs alike for a simulation: the same model, feed and scenario.
type Alike = (Model, Feed, Scenario);

/// Which input series' values, of an SLO in a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Values {
    Counter(Role),
    /// A gauge's good and bad values, as bits.
    Gauge {
        good: u64,
        bad: u64,
    },
    /// A recorded series, by name.
    Recorded(String),
}

impl Simulations {
    fn values(
        &self,
        key: (Alike, Values),
        samples: &dyn Fn() -> Option<Vec<Sample>>,
    ) -> Option<String> {
        if let Some(known) = self.values.borrow().get(&key) {
            return known.clone();
        }
        let values = samples().map(|samples| notation::encode(&samples));
        self.values.borrow_mut().insert(key, values.clone());
        values
    }

    fn get(&self, model: Model, scenario: &Scenario, feed: Feed) -> Rc<Simulation> {
        let mut known = self.simulations.borrow_mut();
        let shared = known
            .entry((model, feed, scenario.clone()))
            .or_insert_with(|| Rc::new(Simulation::new(model, scenario, feed)));
        Rc::clone(shared)
    }
}

/// SLOs planned together on one thread, sharing [`Simulations`].
const BATCH: usize = 32;

#[derive(Default)]
struct Sums {
    origin: i64,
    events: Vec<(u64, u64)>,
    states: Vec<u64>,
    /// Over the sampling grid (every `spacing` samples from sample 0):
    /// entry `k` sums the points before the `k`th, as (failed, all) events
    /// of their base windows (points before `first` hold none) and bad
    /// states, so a long window's average costs two lookups.
    grid: Vec<(u64, u64, u64)>,
}

/// A predicate the model cannot decide: a ratio within rounding of the threshold.
const TIE: f64 = 1e-9;

impl Sums {
    fn new(origin: i64, capacity: usize) -> Self {
        let mut events = Vec::with_capacity(capacity);
        events.push((0, 0));
        let mut states = Vec::with_capacity(capacity);
        states.push(0);
        let mut grid = Vec::with_capacity(capacity);
        grid.push((0, 0, 0));
        Self {
            origin,
            events,
            states,
            grid,
        }
    }
}

impl Simulation {
    fn new(model: Model, scenario: &Scenario, feed: Feed) -> Self {
        // Fed series reach back one longest window before the first sample.
        let reach = model.longest.millis() + model.base.millis();
        let origin = -i64::try_from(reach / scenario.step.millis()).unwrap_or(0) - 1;
        Self {
            model,
            scenario: scenario.clone(),
            feed,
            traffic: scenario.traffic(),
            sums: RefCell::new(Sums::new(
                origin,
                // Scenarios run about two reaches long.
                2 * usize::try_from(-origin).unwrap_or(0),
            )),
        }
    }

    /// Running sums up to `index` inclusive: (failed, all) events of the
    /// intervals, and bad states of the samples.
    fn running(&self, index: i64) -> ((u64, u64), u64) {
        let mut sums = self.sums.borrow_mut();
        let origin = sums.origin;
        let position = usize::try_from((index - origin + 1).max(0)).unwrap_or(0);
        while sums.events.len() <= position {
            let at = origin + i64::try_from(sums.events.len()).unwrap_or(0) - 1;
            let (bad, total) = if self.feed == Feed::Raw && at < 1 {
                (0, 0)
            } else {
                self.scenario.counts(at, self.traffic)
            };
            let (failed, all) = *sums.events.last().unwrap_or(&(0, 0));
            sums.events.push((failed + bad, all + total));
            // Only threshold SLIs read states.
            let state = u64::from(at >= 0 && self.model.states && self.scenario.bad_state(at));
            let states = *sums.states.last().unwrap_or(&0);
            sums.states.push(states + state);
        }
        (sums.events[position], sums.states[position])
    }

    /// Sum of failed and all events over intervals `(to - count, to]`. Raw
    /// counters start at the first sample (nothing before it); recorded
    /// series slogen feeds carry the first phase back in time.
    fn events(&self, to: i64, count: i64) -> (u64, u64) {
        let ((failed_to, all_to), _) = self.running(to);
        let ((failed_from, all_from), _) = self.running(to - count);
        (failed_to - failed_from, all_to - all_from)
    }

    /// Bad states among samples `[from, to]`.
    fn bad_states(&self, from: i64, to: i64) -> u64 {
        let (_, upto) = self.running(to);
        let (_, before) = self.running(from - 1);
        upto - before
    }

    /// The window's error ratio at evaluation time `time`, if any.
    #[allow(clippy::cast_precision_loss)]
    fn ratio(&self, window: Duration, time: Duration) -> Option<f64> {
        let scenario = &self.scenario;
        let now = scenario.sample_at(time);
        let steps = scenario.steps(window);
        match self.model.measure(window) {
            Measure::Events => {
                let (failed, all) = self.events(now, steps);
                (all > 0 && now > 0).then(|| failed as f64 / all as f64)
            }
            Measure::Recorded { .. } => {
                let (spacing, first) = self.sampling();
                let (from, to) = grid_range(now - steps, now, spacing, first);
                let (failed, all, _) = self.grid_sums(from, to);
                (all > 0).then(|| failed as f64 / all as f64)
            }
            Measure::States => {
                let (spacing, _) = self.sampling();
                if spacing == 1 {
                    let from = (now - steps).max(0);
                    let count = now - from + 1;
                    let bad = self.bad_states(from, now);
                    return (count > 0).then(|| bad as f64 / count as f64);
                }
                let (from, to) = grid_range(now - steps, now, spacing, 0);
                let (_, _, bad) = self.grid_sums(from, to);
                (to > from).then(|| bad as f64 / (to - from) as f64)
            }
        }
    }

    /// Sums over the grid points `[from, to)` (see [`Sums::grid`]).
    fn grid_sums(&self, from: i64, to: i64) -> (u64, u64, u64) {
        if to <= from {
            return (0, 0, 0);
        }
        let (spacing, first) = self.sampling();
        let base_steps = self.scenario.steps(self.model.base);
        let wanted = usize::try_from(to).unwrap_or(0);
        loop {
            let known = self.sums.borrow().grid.len();
            if known > wanted {
                break;
            }
            let sample = i64::try_from(known - 1).unwrap_or(i64::MAX) * spacing;
            let threshold = self.model.states;
            let (bad, total) = if sample >= first && !threshold {
                self.events(sample, base_steps)
            } else {
                (0, 0)
            };
            let state = u64::from(threshold && self.scenario.bad_state(sample));
            let mut sums = self.sums.borrow_mut();
            let (failed, all, states) = *sums.grid.last().unwrap_or(&(0, 0, 0));
            sums.grid.push((failed + bad, all + total, states + state));
        }
        let sums = self.sums.borrow();
        let at = |index: i64| sums.grid[usize::try_from(index).unwrap_or(0)];
        let (high, low) = (at(to), at(from));
        (high.0 - low.0, high.1 - low.1, high.2 - low.2)
    }

    /// See [`Scenario::sampling`].
    fn sampling(&self) -> (i64, i64) {
        self.scenario.sampling(self.feed, self.model.states)
    }

    /// Whether the alert fires at `time`; `None` when a ratio ties.
    fn firing(&self, alert: &BurnAlert, time: Duration) -> Option<bool> {
        let above = |window| match self.ratio(window, time) {
            None => Some(false),
            Some(ratio) if (ratio - alert.threshold).abs() <= TIE * alert.threshold => None,
            Some(ratio) => Some(ratio > alert.threshold),
        };
        // Most evaluations are quiet on the long window alone.
        let long = above(alert.long);
        if long == Some(false) {
            return Some(false);
        }
        match (long, above(alert.short)) {
            (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    /// True when the alert is certainly quiet at every evaluation up to `end`.
    /// Evaluations before the first failure read no failures, so they are
    /// skipped.
    fn never_fires(&self, alert: &BurnAlert, end: Duration) -> bool {
        let eval = self.scenario.eval.millis();
        let first = self.scenario.first_failure() * self.scenario.step.millis() / eval;
        (first..=end.millis() / eval)
            .all(|index| self.firing(alert, Duration::from_millis(index * eval)) == Some(false))
    }
}

/// The grid points (multiples of `spacing`, from `first` on) among samples
/// `[from, to]`, as a range `[start, end)` of grid indexes.
fn grid_range(from: i64, to: i64, spacing: i64, first: i64) -> (i64, i64) {
    let start = from.max(first);
    let aligned = start + (spacing - start.rem_euclid(spacing)) % spacing;
    if to < aligned {
        return (0, 0);
    }
    (aligned / spacing, to.div_euclid(spacing) + 1)
}

/// Input series of one SLO in one scenario, with their values in
/// promtool's expanding notation (lossless: equal notations mean equal
/// samples). Values are computed once per batch for SLOs alike.
fn inputs(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    simulations: &Simulations,
) -> Vec<(Series, String)> {
    let last = i64::try_from(scenario.last).unwrap_or(0);
    let traffic = scenario.traffic();
    let values = |kind: Values, samples: &dyn Fn() -> Option<Vec<Sample>>| {
        simulations.values(((subject.model(), feed, scenario.clone()), kind), samples)
    };
    let cumulative = |part: &dyn Fn(i64) -> u64| -> Vec<u64> {
        let mut total = 0;
        let mut values = Vec::with_capacity(usize::try_from(last + 1).unwrap_or(1));
        values.push(0);
        for interval in 1..=last {
            total += part(interval);
            values.push(total);
        }
        values
    };
    #[allow(clippy::cast_precision_loss)]
    let float = |value: u64| value as f64;
    match (&subject.synthesis.source, feed) {
        (Source::Counters { series, .. }, Feed::Raw) => series
            .iter()
            .filter_map(|(series, role)| {
                let samples = || {
                    let part = |interval: i64| {
                        let (failed, all) = scenario.counts(interval, traffic);
                        match role {
                            Role::Failed => failed,
                            Role::Succeeded => all - failed,
                            Role::All => all,
                        }
                    };
                    let values = cumulative(&part);
                    // A failure counter appears with the first failure, at 0.
                    let first = match role {
                        Role::Failed => (1..=last).find(|interval| part(*interval) > 0)? - 1,
                        _ => 0,
                    };
                    let samples = values
                        .iter()
                        .enumerate()
                        .map(|(index, value)| {
                            (i64::try_from(index).unwrap_or(0) >= first).then(|| float(*value))
                        })
                        .collect();
                    Some(samples)
                };
                Some((series.clone(), values(Values::Counter(*role), &samples)?))
            })
            .collect(),
        (
            Source::Gauge {
                series, good, bad, ..
            },
            Feed::Raw,
        ) => {
            let samples = || {
                let states = (0..=last).map(|sample| scenario.bad_state(sample));
                Some(
                    states
                        .map(|bad_state| Some(if bad_state { *bad } else { *good }))
                        .collect(),
                )
            };
            let kind = Values::Gauge {
                good: good.to_bits(),
                bad: bad.to_bits(),
            };
            values(kind, &samples)
                .map(|values| (series.clone(), values))
                .into_iter()
                .collect()
        }
        _ => recorded_inputs(subject, scenario, traffic, simulations),
    }
}

/// slogen's recorded base series, for SLOs fed that way.
#[allow(clippy::cast_precision_loss)]
fn recorded_inputs(
    subject: &Subject<'_>,
    scenario: &Scenario,
    traffic: u64,
    simulations: &Simulations,
) -> Vec<(Series, String)> {
    let model = subject.model();
    let last = i64::try_from(scenario.last).unwrap_or(0);
    let labels = subject.recorded_labels(Feed::Recorded);
    let mut fed = Vec::new();
    let mut feed = |name: String, samples: &dyn Fn() -> Vec<Sample>| {
        let key = (
            (model, Feed::Recorded, scenario.clone()),
            Values::Recorded(name.clone()),
        );
        if let Some(values) = simulations.values(key, &|| Some(samples())) {
            let labels = labels.clone();
            fed.push((Series { name, labels }, values));
        }
    };
    let base = subject.base();
    if subject.is_threshold() {
        let states = || {
            (0..=last)
                .map(|sample| Some(if scenario.bad_state(sample) { 1.0 } else { 0.0 }))
                .collect()
        };
        feed("slo:sli_breach:bool".to_owned(), &states);
        return fed;
    }
    let simulation = simulations.get(model, scenario, Feed::Recorded);
    if subject.slo.sli.counts_events() {
        let base_steps = scenario.steps(base);
        let errors = || {
            (0..=last)
                .map(|sample| {
                    let (failed, _) = simulation.events(sample, base_steps);
                    Some(failed as f64 / covered_seconds(base, scenario.step))
                })
                .collect()
        };
        let total = || {
            (0..=last)
                .map(|_| Some(fed_rates(0, traffic, base, scenario.step).1))
                .collect()
        };
        feed(format!("slo:sli_errors:rate{base}"), &errors);
        feed(format!("slo:sli_total:rate{base}"), &total);
    }
    for window in recorded_windows(subject.slo) {
        if !queries_window(subject.slo, window) {
            continue;
        }
        let steps = scenario.steps(window);
        let ratios = || {
            (0..=last)
                .map(|sample| {
                    let (failed, all) = simulation.events(sample, steps);
                    Some(failed as f64 / all as f64)
                })
                .collect()
        };
        feed(ratio_metric(window), &ratios);
    }
    fed
}

/// One SLO's part of a test group before its checks are planned: its
/// input series (all packing needs), and what its checks are planned from.
/// Series values are already in promtool's notation: the samples span days
/// at every step, and thousands of SLOs wait here for packing.
struct Sketch {
    subject_index: usize,
    feed: Feed,
    /// Interval of the input samples.
    step: Duration,
    series: Vec<(Series, String)>,
    plan: PartPlan,
    /// The part's comments, above its test group: known before its checks
    /// are planned.
    comments: Vec<String>,
}

/// What the checks of an SLO's part are planned from.
enum PartPlan {
    /// The outage file's scenario and when the outage starts and stops;
    /// each check is confirmed by the model when it is planned.
    Outage {
        scenario: Arc<Scenario>,
        times: (Duration, Duration),
    },
    /// A slow burn from `start` the model confirmed: the alerts (indices)
    /// that fire and when; the others never fire up to `end`.
    Slow {
        share: Share,
        start: Duration,
        firing: Vec<(usize, Duration)>,
        end: Duration,
    },
    /// A burn just under the lowest threshold the model confirmed: nothing
    /// fires up to `end`.
    Low {
        share: Share,
        scenario: Scenario,
        end: Duration,
    },
}

impl Sketch {
    /// The part's checks, planned.
    fn checks(
        &self,
        project: &Project,
        subject: &Subject<'_>,
        simulations: &Simulations,
    ) -> Vec<ExprTestView> {
        match &self.plan {
            PartPlan::Outage { scenario, times } => {
                outage_checks(project, subject, self.feed, scenario, *times, simulations)
            }
            PartPlan::Slow {
                share,
                start,
                firing,
                end,
            } => slow_checks(project, subject, self.feed, *share, *start, firing, *end),
            PartPlan::Low {
                share,
                scenario,
                end,
            } => low_checks(subject, self.feed, *share, scenario, *end),
        }
    }
}

/// How many of the newest groups a part may join.
const OPEN_GROUPS: usize = 4;

/// Packs SLOs into test groups so that no SLO's queries read another's
/// series (identical series with identical values are shared). There is
/// no bound on a group's size: each step of `promtool test rules`
/// evaluates every rule of the files, so its time grows with the number of
/// groups times the number of rules. A group indexes its series and its
/// members' selectors by metric name and label value ([`Packed`]), so
/// packing stays near linear in the number of SLOs.
fn pack(subjects: &[Subject<'_>], sketches: Vec<Sketch>) -> Vec<Vec<Sketch>> {
    let mut groups: Vec<Packed> = Vec::new();
    for part in sketches {
        // Only the newest groups are tried: a part that fits none of them
        // starts a new one.
        let open = groups.len().saturating_sub(OPEN_GROUPS);
        match groups[open..]
            .iter_mut()
            .find(|group| group.fits(&part, subjects))
        {
            Some(group) => group.add(part, subjects),
            None => {
                let mut group = Packed::default();
                group.add(part, subjects);
                groups.push(group);
            }
        }
    }
    groups.into_iter().map(|group| group.members).collect()
}

/// A test group being packed: its members, the series they feed, and
/// indexes of both. Index keys are hashes of what a series has (its name,
/// a label's value) and what a selector requires; a collision only adds a
/// candidate, each candidate is checked exactly.
#[derive(Default)]
struct Packed {
    members: Vec<Sketch>,
    /// Each series fed, with its values: (member, index in its series).
    fed: foldhash::HashMap<Series, (usize, usize)>,
    /// The fed series under each key they have.
    series_by_key: foldhash::HashMap<u64, Vec<(usize, usize)>>,
    /// The members whose selectors require each key.
    readers_by_key: foldhash::HashMap<u64, Vec<usize>>,
}

/// The index key of a metric name (or any) and a label's value (or any).
fn pack_key(name: Option<&str>, label: Option<(&str, &str)>) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one((name, label))
}

/// The keys a series has: every selector that could select it requires
/// one of them.
fn series_keys(series: &Series) -> impl Iterator<Item = u64> + '_ {
    let name = Some(series.name.as_str());
    [pack_key(name, None), pack_key(None, None)]
        .into_iter()
        .chain(series.labels.iter().flat_map(move |(label, value)| {
            let label = Some((label.as_str(), value.as_str()));
            [pack_key(name, label), pack_key(None, label)]
        }))
}

impl Packed {
    /// True when `part` can join: same input step; every series it shares
    /// with the group has the same values; no member reads a series only
    /// it feeds, and it reads no series only members feed.
    fn fits(&self, part: &Sketch, subjects: &[Subject<'_>]) -> bool {
        if self
            .members
            .first()
            .is_some_and(|first| first.step != part.step)
        {
            return false;
        }
        let shared = |series: &Series| self.fed.contains_key(series);
        let values_agree = part.series.iter().all(|(series, values)| {
            self.fed
                .get(series)
                .is_none_or(|(member, at)| self.members[*member].series[*at].1 == *values)
        });
        values_agree
            && part
                .series
                .iter()
                .filter(|(series, _)| !shared(series))
                .all(|(series, _)| {
                    series_keys(series)
                        .filter_map(|key| self.readers_by_key.get(&key))
                        .flatten()
                        .all(|member| {
                            !subjects[self.members[*member].subject_index]
                                .synthesis
                                .reads(series)
                        })
                })
            && subjects[part.subject_index]
                .synthesis
                .selectors
                .iter()
                .all(|selector| {
                    let (name, label) = selector.narrowed_to();
                    self.series_by_key
                        .get(&pack_key(name, label))
                        .into_iter()
                        .flatten()
                        .all(|(member, at)| {
                            let series = &self.members[*member].series[*at].0;
                            part.series.iter().any(|(mine, _)| mine == series)
                                || !synthesize::selects(selector, series)
                        })
                })
    }

    /// Adds `part`, indexing its new series and its selectors.
    fn add(&mut self, part: Sketch, subjects: &[Subject<'_>]) {
        let member = self.members.len();
        for (at, (series, _)) in part.series.iter().enumerate() {
            if self.fed.contains_key(series) {
                continue;
            }
            self.fed.insert(series.clone(), (member, at));
            for key in series_keys(series) {
                self.series_by_key
                    .entry(key)
                    .or_default()
                    .push((member, at));
            }
        }
        for selector in &subjects[part.subject_index].synthesis.selectors {
            let (name, label) = selector.narrowed_to();
            let readers = self
                .readers_by_key
                .entry(pack_key(name, label))
                .or_default();
            if readers.last() != Some(&member) {
                readers.push(member);
            }
        }
        self.members.push(part);
    }
}

fn file(
    project: &Project,
    path: &str,
    description: Vec<String>,
    evaluation_interval: Duration,
    tests: Vec<TestGroupView>,
) -> TestFileView {
    TestFileView {
        path: path.to_owned(),
        sources: project.source_names(),
        description,
        rule_files: vec![
            "../recording-rules.yml".to_owned(),
            "../alert-rules.yml".to_owned(),
        ],
        evaluation_interval: evaluation_interval.to_string(),
        // Filled in by `each_test_file`, once for every file.
        group_eval_order: Vec::new(),
        tests,
    }
}

// --- checks

fn alerts_selector(subject: &Subject<'_>, alert: Option<&BurnAlert>, firing: bool) -> String {
    let mut labels = BTreeMap::from([("alertname".to_owned(), subject.alert_name.clone())]);
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
fn alert_check(
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
fn firing_alert(
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
fn never_check(
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
fn burn_text(subject: &Subject<'_>, share: Share) -> String {
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
fn pair(alert: &BurnAlert) -> String {
    format!("{} {}/{}", alert.severity.as_str(), alert.long, alert.short)
}

/// A time in seconds on the test clock, e.g. `6h5m51.84s`.
fn clock(seconds: f64) -> String {
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
fn at_or_before(time: f64, eval: Duration) -> Option<Duration> {
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
fn before(time: f64, eval: Duration) -> Option<Duration> {
    let step = eval.millis() as f64;
    let index = ((time * 1000.0) / step - 1e-9).ceil() - 1.0;
    (index >= 0.0).then(|| Duration::from_millis(index as u64 * eval.millis()))
}

fn ceil_to(duration_millis: u64, grid: Duration) -> Duration {
    Duration::from_millis(duration_millis.div_ceil(grid.millis()) * grid.millis())
}

fn whole(window: Duration, interval: Duration) -> bool {
    window.millis().is_multiple_of(interval.millis())
}

// --- outages

/// The outage file: timing of page alerts at the evaluation interval.
fn outages(tested: &Tested, subjects: &[Subject<'_>], notes: &[String]) -> TestFile {
    let project = &*tested.project;
    let interval = project.settings.evaluation_interval;
    let step = interval.millis();
    let paged: Vec<usize> = (0..subjects.len())
        .filter(|index| subjects[*index].pages().next().is_some())
        .collect();
    let warm_up = paged
        .iter()
        .flat_map(|index| {
            let subject = &subjects[*index];
            subject
                .pages()
                .map(move |alert| alert.long.millis() + subject.base().millis())
        })
        .max()
        .unwrap_or(0);
    let start = ceil_to(warm_up, interval);
    #[allow(clippy::cast_precision_loss)]
    let outage = paged
        .iter()
        .flat_map(|index| {
            let subject = &subjects[*index];
            subject.pages().map(move |alert| {
                let measures = alert_measures(subject.slo, alert);
                let firing = alert.firing_seconds(measures, interval) * 1000.0;
                // Long enough for the alert to fire, and for its long window to
                // stay above the threshold until the short one has drained.
                let draining = alert.short.millis() as f64
                    + alert.threshold * (alert.long.millis() + step) as f64
                    + subject.base().millis() as f64
                    + 3.0 * step as f64;
                (firing.max(0.0) + 2.0 * step as f64).max(draining)
            })
        })
        .fold(0.0_f64, f64::max);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let outage = ceil_to(outage.ceil() as u64, interval);
    let stop = Duration::from_millis(start.millis() + outage.millis());
    let end = Duration::from_millis(
        stop.millis()
            + paged
                .iter()
                .flat_map(|index| subjects[*index].pages().map(|alert| alert.short.millis()))
                .max()
                .unwrap_or(0)
            + 2 * step,
    );
    let scenario = Scenario {
        step: interval,
        eval: interval,
        phases: vec![
            (1, Share::NONE),
            (start.millis() / step + 1, Share::ALL),
            (stop.millis() / step + 1, Share::NONE),
        ],
        last: end.millis() / step,
    };
    let mut file_notes: Vec<String> = notes.to_vec();
    for (index, subject) in subjects.iter().enumerate() {
        if !paged.contains(&index) {
            file_notes.push(format!(
                "{}: no page alerts; its tickets are tested in {}.",
                subject.id,
                SLOW_BURNS_FILE.trim_start_matches("tests/")
            ));
        }
    }
    // SLOs' inputs are planned in batches, in parallel, gathered in SLO
    // order; their checks when the template reaches their group.
    let scenario = Arc::new(scenario);
    let sketches: Vec<Sketch> = paged
        .par_chunks(BATCH)
        .flat_map_iter(|batch| {
            let simulations = Simulations::default();
            batch
                .iter()
                .map(|index| {
                    let subject = &subjects[*index];
                    let feed = match subject.synthesis.source {
                        Source::Counters { .. } | Source::Gauge { .. } => Feed::Raw,
                        _ => Feed::Recorded,
                    };
                    let plan = PartPlan::Outage {
                        scenario: Arc::clone(&scenario),
                        times: (start, stop),
                    };
                    Sketch {
                        subject_index: *index,
                        feed,
                        step: interval,
                        series: inputs(subject, feed, &scenario, &simulations),
                        comments: part_comments(subject, feed, &plan, &simulations, None),
                        plan,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let groups = pack(subjects, sketches);
    let mut description = if paged.is_empty() {
        vec!["Page alerts under a total outage: no tested SLO has page alerts, so there is nothing to test here.".to_owned()]
    } else {
        vec![
            format!(
                "Page alerts under a total outage, evaluated every {interval} like production. Good traffic until {start}, every event failing from then until {stop}, good traffic again after."
            ),
            "Each page alert must not fire one evaluation interval before the time the burn-rate math predicts (`slogen explain`), must fire with exactly its labels one interval after it, and after errors stop must resolve within its short window.".to_owned(),
            "Alerts are read through ALERTS (labels only): promtool compares alert annotations exactly, and burn-rate descriptions render $value.".to_owned(),
        ]
    };
    description.extend(file_notes);
    TestFile {
        view: file(project, OUTAGES_FILE, description, interval, Vec::new()),
        groups: Some(Arc::new(Groups {
            tested: tested.clone(),
            groups: groups
                .into_iter()
                .map(|sketches| ("full outage, then recovery", sketches))
                .collect(),
        })),
    }
}

/// One planned check of a page alert under the outage: the alert (an
/// index into the subject's alerts), when, whether it should be firing,
/// what the check says, and whether the model confirms it.
struct Scheduled {
    alert: usize,
    time: Duration,
    firing: bool,
    what: String,
    confirmed: bool,
}

/// The checks of an SLO's page alerts under the outage, each with the
/// model's verdict; and the windows whose timing cannot be asserted.
fn outage_schedule(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    (start, stop): (Duration, Duration),
    simulations: &Simulations,
) -> (Vec<Scheduled>, Vec<String>) {
    let interval = scenario.eval;
    let simulation = simulations.get(subject.model(), scenario, feed);
    let mut scheduled = Vec::new();
    let mut unasserted = Vec::new();
    let start_seconds = start.seconds();
    let stop_seconds = stop.seconds();
    for (index, alert) in subject.alerts.iter().enumerate() {
        if alert.severity != Severity::Page {
            continue;
        }
        let base = subject.base();
        if !(whole(alert.long, interval) && whole(alert.short, interval) && whole(base, interval)) {
            unasserted.push(format!(
                "{}: {}: timing not asserted: its windows are not whole evaluation intervals.",
                subject.id,
                pair(alert)
            ));
            continue;
        }
        // Plans one check of this alert: firing or not at `time`.
        let mut check = |time: Duration, firing: bool, what: String| {
            scheduled.push(Scheduled {
                alert: index,
                time,
                firing,
                what,
                confirmed: simulation.firing(alert, time) == Some(firing),
            });
        };
        let measures = alert_measures(subject.slo, alert);
        let firing = alert.firing_seconds(measures, interval);
        let predicted = start_seconds + firing;
        let explained = format!(
            "the math predicts {} after the outage starts ({})",
            clock(firing.max(0.0)),
            clock(predicted)
        );
        if let Some(time) = before(predicted - interval.seconds(), interval) {
            check(
                time,
                false,
                format!("not firing yet at {time}: {explained}"),
            );
        }
        if let Some(time) = at_or_before(predicted + interval.seconds(), interval) {
            check(
                time,
                true,
                format!("firing by {time}, within one evaluation of the prediction: {explained}"),
            );
        }
        let resolved = alert.resolved_seconds(measures, interval);
        let predicted = stop_seconds + resolved;
        let explained = format!(
            "its {} window drains {} after errors stop ({})",
            alert.short,
            clock(resolved),
            clock(predicted)
        );
        if let Some(time) = before(predicted - interval.seconds(), interval) {
            check(time, true, format!("still firing at {time}: {explained}"));
        }
        if let Some(time) = at_or_before(predicted + interval.seconds(), interval) {
            check(
                time,
                false,
                format!(
                    "resolved by {time}, within its {} short window: {explained}",
                    alert.short
                ),
            );
        }
    }
    (scheduled, unasserted)
}

/// The comments of an SLO's part of the outage group: how it is fed, the
/// alerts whose timing is not asserted, and the checks the model does not
/// confirm (left out). Known before the part's checks are planned.
fn outage_comments(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    times: (Duration, Duration),
    simulations: &Simulations,
) -> Vec<String> {
    let mut comments = Vec::new();
    if let (Feed::Recorded, Source::Recorded { reason }) = (feed, &subject.synthesis.source) {
        comments.push(format!(
            "{}: fed slogen's recorded base series instead of raw ones: {reason}; this tests the alert layer and slogen's own recording rules, not the SLI's queries.",
            subject.id
        ));
    }
    let (scheduled, unasserted) = outage_schedule(subject, feed, scenario, times, simulations);
    comments.extend(unasserted);
    comments.extend(
        scheduled
            .into_iter()
            .filter(|check| !check.confirmed)
            .map(|check| {
                let alert = &subject.alerts[check.alert];
                format!(
                    "left out, the sampling model does not confirm it: {}: {}: {}.",
                    subject.id,
                    pair(alert),
                    check.what
                )
            }),
    );
    comments
}

/// The checks of an SLO's page alerts under the outage that the model
/// confirms, and its recorded values.
fn outage_checks(
    project: &Project,
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    (start, stop): (Duration, Duration),
    simulations: &Simulations,
) -> Vec<ExprTestView> {
    let (scheduled, _) = outage_schedule(subject, feed, scenario, (start, stop), simulations);
    scheduled
        .into_iter()
        .filter(|check| check.confirmed)
        .map(|check| {
            let alert = &subject.alerts[check.alert];
            alert_check(
                project,
                subject,
                feed,
                alert,
                check.time,
                check.firing,
                format!("{}: {}: {}.", subject.id, pair(alert), check.what),
            )
        })
        .chain(outage_values(subject, feed, scenario, start, stop))
        .collect()
}

/// Recorded values before the outage (every error ratio 0) and late in
/// it (every window the outage fills reads 1).
fn outage_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    start: Duration,
    stop: Duration,
) -> Vec<ExprTestView> {
    let interval = scenario.eval;
    let before = Duration::from_millis(start.millis() - interval.millis());
    let late = Duration::from_millis(stop.millis() - interval.millis());
    let filled = Duration::from_millis(late.millis() - start.millis());
    let before_outage = value_checks(
        subject,
        feed,
        before,
        &steady_values(subject, feed, scenario, Share::NONE, before, None),
        format!("{}: before the outage every error ratio is 0.", subject.id),
    );
    let during = value_checks(
        subject,
        feed,
        late,
        &steady_values(subject, feed, scenario, Share::ALL, late, Some(filled)),
        format!(
            "{}: at {late} every window the outage fills (up to {filled}) reads 1.",
            subject.id
        ),
    );
    before_outage.into_iter().chain(during).collect()
}

/// One check of an SLO's recorded values at `time`: a selector of every
/// metric by name and the SLO's labels, and each value expected exactly.
fn value_checks(
    subject: &Subject<'_>,
    feed: Feed,
    time: Duration,
    values: &[(String, f64, bool)],
    comment: String,
) -> Option<ExprTestView> {
    if values.is_empty() {
        return None;
    }
    let mut recorded = subject.recorded_labels(feed);
    recorded.remove("__name__");
    // `vector(...)` (the metadata) keeps none of the query's labels.
    let metadata = series_labels(subject.service, subject.slo);
    let names: Vec<&str> = values.iter().map(|(metric, ..)| metric.as_str()).collect();
    let selector = subject.selector();
    Some(ExprTestView {
        comments: vec![comment],
        expr: format!(
            "{{__name__=~{},{}",
            quote(&names.join("|")),
            selector.trim_start_matches('{')
        ),
        eval_time: time.to_string(),
        exp_samples: values
            .iter()
            .map(|(metric, value, is_metadata)| SampleView {
                labels: series(metric, if *is_metadata { &metadata } else { &recorded }),
                value: notation::number(*value),
            })
            .collect(),
    })
}

/// Naive left-to-right sum of `count` copies, as Prometheus 2 sums over time.
fn summed(value: f64, count: usize) -> f64 {
    (0..count).fold(0.0, |sum, _| sum + value)
}

/// The values of an event SLI's error and total queries over `window` on
/// raw counters that saw `failed` of `all` events in each of its
/// intervals, with Prometheus 2's arithmetic: `rate()` and `increase()`
/// multiply the counter's increase by one factor ([`counting_factor`]),
/// `sum` adds, the error query is the failure rate or all events less the
/// succeeded ones.
#[allow(clippy::cast_precision_loss)]
fn raw_rates(
    source: &Source,
    failed: u64,
    all: u64,
    window: Duration,
    step: Duration,
) -> (f64, f64) {
    let Source::Counters {
        series,
        errors,
        counting,
        ..
    } = source
    else {
        return (0.0, 0.0);
    };
    let intervals = window.millis() / step.millis();
    let factor = counting_factor(*counting, window, step);
    let rate = |count: u64| (count * intervals) as f64 * factor;
    let has_all = series.iter().any(|(_, role)| *role == Role::All);
    let total = if has_all {
        rate(all)
    } else {
        rate(all - failed) + rate(failed)
    };
    let errors = match errors {
        // The failure counter may not exist yet; `or 0 * total` gives 0.
        Errors::Failed if failed == 0 => 0.0,
        Errors::Failed => rate(failed),
        Errors::AllLessSucceeded => total - rate(all - failed),
    };
    (errors, total)
}

/// What Prometheus 2's `rate()` or `increase()` multiplies a counter's
/// increase by, for a series sampled every `step` since long before the
/// range: the samples span the whole steps in `window`, extrapolated to
/// the range's start when it lies less than 1.1 steps away; `rate()` then
/// divides this factor (not the product) by the range.
#[allow(clippy::cast_precision_loss)]
fn counting_factor(counting: Counting, window: Duration, step: Duration) -> f64 {
    let intervals = window.millis() / step.millis();
    let sampled = (intervals * step.millis()) as f64 / 1000.0;
    let to_start = window.seconds() - sampled;
    let average = sampled / intervals as f64;
    let extrapolated = if to_start < average * 1.1 {
        sampled + to_start
    } else {
        sampled + average / 2.0
    };
    let factor = extrapolated / sampled;
    match counting {
        Counting::Rate => factor / window.seconds(),
        Counting::Increase => factor,
    }
}

/// Every recorded value slogen can predict exactly at `time`, when every
/// window (up to `within`, if given) has seen the share `share` throughout:
/// (metric, value, is metadata).
#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
fn steady_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    share: Share,
    time: Duration,
    within: Option<Duration>,
) -> Vec<(String, f64, bool)> {
    let slo = subject.slo;
    let base = subject.base();
    let step = scenario.step;
    let traffic = scenario.traffic();
    let failed = traffic / share.of * share.failed;
    let now = scenario.sample_at(time);
    let mut values = Vec::new();
    // The base window's error and total rates, as recorded or fed.
    let base_rates = match (&subject.synthesis.source, feed) {
        (source @ Source::Counters { .. }, Feed::Raw) => {
            Some(raw_rates(source, failed, traffic, base, step))
        }
        _ if slo.sli.counts_events() => Some(fed_rates(failed, traffic, base, step)),
        _ => None,
    };
    let state = match (share.failed, subject.is_threshold()) {
        (_, false) => None,
        (0, true) => Some(0.0),
        (failed, true) if failed == share.of => Some(1.0),
        _ => None,
    };
    if let (Some((errors, total)), Feed::Raw) = (base_rates, feed) {
        values.push((format!("slo:sli_errors:rate{base}"), errors, false));
        values.push((format!("slo:sli_total:rate{base}"), total, false));
    }
    if let (Some(state), Feed::Raw) = (state, feed) {
        values.push(("slo:sli_breach:bool".to_owned(), state, false));
    }
    let fed_ratio = share.failed as f64 / share.of as f64;
    let (spacing, first) = scenario.sampling(feed, subject.is_threshold());
    let window_value = |window: Duration| -> Option<f64> {
        if within.is_some_and(|limit| window > limit) {
            return None;
        }
        match (window_measure(slo, window), &slo.sli) {
            (Measure::States, _) => state,
            (Measure::Events, Sli::Raw { .. }) => None,
            (Measure::Events, _) if window == base => {
                base_rates.map(|(errors, total)| errors / total)
            }
            (Measure::Events, _) => match (&subject.synthesis.source, feed) {
                (source @ Source::Counters { .. }, Feed::Raw) => {
                    let (errors, total) = raw_rates(source, failed, traffic, window, step);
                    Some(errors / total)
                }
                _ => None,
            },
            (Measure::Recorded { .. }, Sli::Raw { .. }) => Some(fed_ratio),
            (Measure::Recorded { .. }, _) => {
                let (from, to) = grid_range(now - scenario.steps(window), now, spacing, first);
                let points = usize::try_from(to - from).unwrap_or(0);
                // A share strictly between none and all is exact only when
                // every sample saw a whole base window.
                let earliest = if points == 0 { 0 } else { from * spacing };
                let partial = share.failed > 0 && share.failed < share.of;
                if feed == Feed::Raw && partial && earliest < scenario.steps(base) {
                    return None;
                }
                let (errors, total) = base_rates?;
                Some(summed(errors, points) / summed(total, points))
            }
        }
    };
    for window in recorded_windows(slo) {
        if feed == Feed::Recorded && queries_window(slo, window) {
            continue;
        }
        if let Some(value) = window_value(window) {
            values.push((ratio_metric(window), value, false));
        }
    }
    let budget = literal(slo.error_budget());
    if let Some(ratio) =
        window_value(base).or_else(|| matches!(slo.sli, Sli::Raw { .. }).then_some(fed_ratio))
    {
        values.push((
            "slo:current_burn_rate:ratio".to_owned(),
            ratio / budget,
            false,
        ));
    }
    if let Some(ratio) = window_value(slo.period) {
        let burn = ratio / budget;
        values.push(("slo:period_burn_rate:ratio".to_owned(), burn, false));
        values.push((
            "slo:period_error_budget_remaining:ratio".to_owned(),
            1.0 - burn,
            false,
        ));
    }
    values
}

/// A number as the rules write it and Prometheus reads it.
fn literal(value: f64) -> f64 {
    format(value).parse().unwrap_or(f64::NAN)
}

/// The fed base-window rates of an event SLI (see [`recorded_inputs`]).
#[allow(clippy::cast_precision_loss)]
fn fed_rates(failed: u64, traffic: u64, base: Duration, step: Duration) -> (f64, f64) {
    let intervals = base.millis() / step.millis();
    (
        (failed * intervals) as f64 / covered_seconds(base, step),
        traffic as f64 / step.seconds(),
    )
}

/// The seconds of the whole steps in a window.
#[allow(clippy::cast_precision_loss)]
fn covered_seconds(window: Duration, step: Duration) -> f64 {
    (window.millis() / step.millis() * step.millis()) as f64 / 1000.0
}

// --- slow burns

/// The slow-burn file: hourly evaluation over days.
fn slow_burns(tested: &Tested, subjects: &[Subject<'_>], notes: &[String]) -> TestFile {
    let project = &*tested.project;
    let step = project.settings.evaluation_interval;
    let hour = Duration::from_minutes(60);
    let eval = ceil_to(hour.millis().max(step.millis()), step);
    let mut slow_parts = Vec::new();
    let mut low_parts = Vec::new();
    let mut file_notes: Vec<String> = notes.to_vec();
    let warm_up = subjects
        .iter()
        .map(|subject| subject.longest_window().millis() + subject.base().millis())
        .max()
        .unwrap_or(0);
    let start = ceil_to(warm_up, eval);
    // Each SLO's scenarios are simulated on their own: in parallel, then
    // gathered in SLO order so the file does not depend on scheduling.
    let results: Vec<_> = subjects
        .par_chunks(BATCH)
        .enumerate()
        .flat_map_iter(|(batch, chunk)| {
            let simulations = Simulations::default();
            (batch * BATCH..batch * BATCH + chunk.len())
                .map(|index| {
                    let subject = &subjects[index];
                    let feed = match subject.synthesis.source {
                        Source::Counters { .. } => Feed::Raw,
                        _ => Feed::Recorded,
                    };
                    let sketch = |planned: Result<Loadable, String>| {
                        planned.map(|(scenario, plan, note)| Sketch {
                            subject_index: index,
                            feed,
                            step: scenario.step,
                            series: inputs(subject, feed, &scenario, &simulations),
                            comments: part_comments(subject, feed, &plan, &simulations, note),
                            plan,
                        })
                    };
                    let slow = |at| slow_plan(subject, feed, at, start, &simulations);
                    let low = |at| low_plan(subject, feed, at, &simulations);
                    // The low burn's end is known before it is planned.
                    let low_end = low_end(subject, eval);
                    (
                        sketch(loadable(subject, feed, (step, eval), start, &slow)),
                        sketch(loadable(subject, feed, (step, eval), low_end, &low)),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (subject, (slow, low)) in subjects.iter().zip(results) {
        match slow {
            Ok(part) => slow_parts.push(part),
            Err(note) => file_notes.push(format!("{}: {note}", subject.id)),
        }
        match low {
            Ok(part) => low_parts.push(part),
            Err(note) => file_notes.push(format!("{}: {note}", subject.id)),
        }
    }
    let mut description = vec![
        format!(
            "Slow burns, evaluated every {eval} (a constant burn reads the same at any interval; inputs are sampled every {step})."
        ),
        format!(
            "Slow burn: good traffic until {start} (the longest window, filled), then a burn between the ticket and page thresholds: every ticket alert below the burn fires, and no page alert ever does."
        ),
        "Just under: a burn just under the lowest threshold from the start for longer than the longest window: nothing ever fires, and every recorded value is exact.".to_owned(),
        "Threshold SLIs are fed their breach series here: a gauge sampled hourly would say nothing about the share of time out of bounds.".to_owned(),
    ];
    if slow_parts
        .iter()
        .chain(&low_parts)
        .any(|part| part.step != step)
    {
        description.push(format!(
            "Some SLOs' inputs are sampled more coarsely than every {step}, as their groups say: promtool would not load the samples of their windows (10,000 at most in a query)."
        ));
    }
    description.extend(file_notes);
    let groups = pack(subjects, slow_parts)
        .into_iter()
        .map(|sketches| ("slow burn", sketches))
        .chain(
            pack(subjects, low_parts)
                .into_iter()
                .map(|sketches| ("just under the lowest threshold", sketches)),
        )
        .collect();
    TestFile {
        view: file(project, SLOW_BURNS_FILE, description, eval, Vec::new()),
        groups: Some(Arc::new(Groups {
            tested: tested.clone(),
            groups,
        })),
    }
}

/// The most samples of one series a rule's range may hold in the tests.
/// promtool 2's unit tests let a query load 10,000 samples at once: the
/// samples of the series a range function is reading, and the results it
/// holds already (a few per query here).
const RANGE_SAMPLES: u64 = 9_900;

/// A planned scenario and part whose inputs promtool can load, and a
/// comment when its inputs are sampled more coarsely than the evaluation
/// interval.
type Loadable = (Scenario, PartPlan, Option<String>);

/// The part `plan` plans at the finest input step whose windows stay under
/// [`RANGE_SAMPLES`]: the evaluation interval, or else a multiple of it
/// that divides the evaluation step and every window of the SLO, so the
/// windows hold whole steps as they do at the evaluation interval. A
/// constant burn reads the same at any step. `at_least` is a time the
/// scenario certainly reaches: steps too fine for it are not planned.
fn loadable(
    subject: &Subject<'_>,
    feed: Feed,
    (interval, eval): (Duration, Duration),
    at_least: Duration,
    plan: &dyn Fn((Duration, Duration)) -> Result<(Scenario, PartPlan), String>,
) -> Result<Loadable, String> {
    let windows = recorded_windows(subject.slo);
    let divides =
        |step: Duration| whole(eval, step) && windows.iter().all(|window| whole(*window, step));
    let base = subject.base().millis();
    let steps = std::iter::once(interval).chain(
        (2..=base / interval.millis().max(1))
            .map(|times| Duration::from_millis(times * interval.millis()))
            .filter(|step| divides(*step)),
    );
    let mut refused = None;
    for step in steps {
        if range_samples(subject, feed, (step, eval), at_least) > RANGE_SAMPLES {
            continue;
        }
        let (scenario, plan) = plan((step, eval))?;
        let reached = Duration::from_millis(scenario.last * step.millis());
        let samples = range_samples(subject, feed, (step, eval), reached);
        if samples > RANGE_SAMPLES {
            refused = Some((step, samples));
            continue;
        }
        let note = (step != interval).then(|| {
            format!(
                "{}: inputs sampled every {step}, not every {interval}: its windows would hold more samples than promtool lets a query load.",
                subject.id
            )
        });
        return Ok((scenario, plan, note));
    }
    Err(match refused {
        Some((step, samples)) => format!(
            "not tested here: even sampled every {step}, a window would hold {samples} samples, more than promtool lets a query load."
        ),
        None => "not tested here: at any input step a window would hold more samples than promtool lets a query load.".to_owned(),
    })
}

/// The most samples of one series any of the SLO's rules reads through a
/// range at an evaluation up to `until`, with inputs sampled every `step`:
/// raw counters and series slogen feeds are read at that step, base series
/// the rules record at each evaluation.
fn range_samples(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    until: Duration,
) -> u64 {
    recorded_windows(subject.slo)
        .into_iter()
        .map(|window| {
            let spacing = match (window_measure(subject.slo, window), feed) {
                (Measure::Recorded { .. } | Measure::States, Feed::Raw) => eval,
                _ => step,
            };
            window.millis().min(until.millis()) / spacing.millis() + 1
        })
        .max()
        .unwrap_or(0)
}

/// The share of a slow burn: above every ticket threshold it can be above
/// while below every page threshold, as far from both as possible.
fn slow_share(subject: &Subject<'_>) -> Option<Share> {
    let tickets: Vec<f64> = subject.tickets().map(|alert| alert.threshold).collect();
    let pages = subject
        .pages()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    let highest = tickets.iter().copied().fold(0.0_f64, f64::max);
    let lowest = tickets.iter().copied().fold(1.0_f64, f64::min);
    let below = if highest < pages { highest } else { lowest };
    if tickets.is_empty() || below >= pages {
        return None;
    }
    let target = (below * pages).sqrt();
    (2..=4)
        .filter_map(|digits| Share::decimal(target, digits, false))
        .find(|share| share.value() > below * 1.02 && share.value() < pages * 0.98)
}

/// The share just under the lowest threshold.
fn low_share(subject: &Subject<'_>) -> Option<Share> {
    let lowest = subject
        .alerts
        .iter()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    Share::decimal(lowest * 0.95, 2, true)
}

/// Shares to try for a threshold SLI: one bad sample in every `p`.
fn state_shares(target: f64) -> Vec<Share> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let around = (1.0 / target).round().max(1.0) as u64;
    let mut periods = vec![around];
    for offset in 1..=around.max(4) {
        periods.push(around + offset);
        if offset < around {
            periods.push(around - offset);
        }
    }
    periods
        .into_iter()
        .filter(|period| *period > 1)
        .map(|period| Share {
            failed: 1,
            of: period,
        })
        .collect()
}

/// A slow burn from `start` that the model confirms: a scenario where
/// every ticket alert below the burn fires and no other alert does, with
/// its inputs' scenario.
fn slow_plan(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    start: Duration,
    simulations: &Simulations,
) -> Result<(Scenario, PartPlan), String> {
    if subject.tickets().next().is_none() {
        return Err("no ticket alerts, so no slow burn.".to_owned());
    }
    let share = slow_share(subject).ok_or_else(|| {
        "no slow burn: no burn lies between its ticket and page thresholds.".to_owned()
    })?;
    let candidates = if subject.is_threshold() {
        state_shares(share.value())
    } else {
        vec![share]
    };
    for share in candidates {
        let scenario = Scenario {
            step,
            eval,
            phases: vec![
                (1, Share::NONE),
                (start.millis() / step.millis() + 1, share),
            ],
            last: 0,
        };
        let simulation = simulations.get(subject.model(), &scenario, feed);
        let mut firing = Vec::new();
        let mut end = start;
        let mut ok = true;
        for (index, alert) in subject.alerts.iter().enumerate().filter(|(_, alert)| {
            alert.severity == Severity::Ticket && alert.threshold < share.value()
        }) {
            let rise =
                (alert.threshold / share.value()) * alert.long.seconds().max(alert.short.seconds());
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let estimate = ceil_to(
                start.millis() + (rise * 1000.0) as u64 + 2 * eval.millis(),
                eval,
            );
            let found = (0..12)
                .map(|extra| Duration::from_millis(estimate.millis() + extra * eval.millis()))
                .find(|time| simulation.firing(alert, *time) == Some(true));
            match found {
                Some(time) => {
                    end = end.max(time);
                    firing.push((index, time));
                }
                None => ok = false,
            }
        }
        let quiet = |index: &usize| !firing.iter().any(|(fired, _)| fired == index);
        if !ok
            || firing.is_empty()
            || !(0..subject.alerts.len())
                .filter(quiet)
                .all(|index| simulation.never_fires(&subject.alerts[index], end))
        {
            continue;
        }
        let scenario = Scenario {
            last: end.millis() / step.millis(),
            ..scenario
        };
        let plan = PartPlan::Slow {
            share,
            start,
            firing,
            end,
        };
        return Ok((scenario, plan));
    }
    Err("no slow burn the sampling model confirms (every ticket fires, no page).".to_owned())
}

/// The checks of a planned slow burn.
fn slow_checks(
    project: &Project,
    subject: &Subject<'_>,
    feed: Feed,
    share: Share,
    start: Duration,
    firing: &[(usize, Duration)],
    end: Duration,
) -> Vec<ExprTestView> {
    let mut checks = Vec::new();
    for (index, time) in firing {
        let alert = &subject.alerts[*index];
        checks.push(alert_check(
            project,
            subject,
            feed,
            alert,
            *time,
            true,
            format!(
                "{}: {}: firing at {time} (threshold {}; the math predicts detection {} into the burn, at {}).",
                subject.id,
                pair(alert),
                format(alert.threshold),
                clock(alert.detection_seconds(share.value())),
                clock(start.seconds() + alert.detection_seconds(share.value())),
            ),
        ));
    }
    for (index, alert) in subject.alerts.iter().enumerate() {
        if firing.iter().any(|(fired, _)| *fired == index) {
            continue;
        }
        checks.push(never_check(
            subject,
            Some(alert),
            end,
            format!(
                "{}: {}: never fires up to {end} (threshold {}).",
                subject.id,
                pair(alert),
                format(alert.threshold)
            ),
        ));
    }
    checks
}

/// The comments of an SLO's part, known before its checks are planned:
/// for an outage, see [`outage_comments`]; for a constant burn, one on the
/// burn, then, when the subject is not fed raw series, one saying so. Then
/// `note`, on the part's inputs.
fn part_comments(
    subject: &Subject<'_>,
    feed: Feed,
    plan: &PartPlan,
    simulations: &Simulations,
    note: Option<String>,
) -> Vec<String> {
    let burn = |comment: String| {
        std::iter::once(comment)
            .chain(feed_comment(subject, feed))
            .collect()
    };
    let mut comments: Vec<String> = match plan {
        PartPlan::Outage { scenario, times } => {
            outage_comments(subject, feed, scenario, *times, simulations)
        }
        PartPlan::Slow { share, start, .. } => burn(format!(
            "{}: {} from {start}.",
            subject.id,
            burn_text(subject, *share)
        )),
        PartPlan::Low { share, .. } => burn(format!(
            "{}: {} throughout.",
            subject.id,
            burn_text(subject, *share)
        )),
    };
    comments.extend(note);
    comments
}

/// Says so when a subject is fed recorded base series instead of raw ones.
fn feed_comment(subject: &Subject<'_>, feed: Feed) -> Option<String> {
    match (feed, &subject.synthesis.source) {
        (Feed::Recorded, Source::Recorded { reason }) => Some(format!(
            "{}: fed slogen's recorded base series instead of raw ones: {reason}.",
            subject.id
        )),
        _ => None,
    }
}

/// When a burn just under the lowest threshold ends: one evaluation after
/// the longest window is full.
fn low_end(subject: &Subject<'_>, eval: Duration) -> Duration {
    ceil_to(
        subject.longest_window().millis() + subject.base().millis() + eval.millis(),
        eval,
    )
}

/// A burn just under the lowest threshold, for longer than the longest
/// window, that the model confirms fires nothing, with its inputs' scenario.
fn low_plan(
    subject: &Subject<'_>,
    feed: Feed,
    (step, eval): (Duration, Duration),
    simulations: &Simulations,
) -> Result<(Scenario, PartPlan), String> {
    let share =
        low_share(subject).ok_or_else(|| "no burn just under its thresholds.".to_owned())?;
    let candidates = if subject.is_threshold() {
        let mut shares = state_shares(share.value());
        shares.retain(|candidate| candidate.value() <= share.value());
        shares.sort_by_key(|candidate| candidate.of);
        shares
    } else {
        vec![share]
    };
    let end = low_end(subject, eval);
    for share in candidates {
        let scenario = Scenario {
            step,
            eval,
            phases: vec![(1, share)],
            last: end.millis() / step.millis(),
        };
        let simulation = simulations.get(subject.model(), &scenario, feed);
        if !subject
            .alerts
            .iter()
            .all(|alert| simulation.never_fires(alert, end))
        {
            continue;
        }
        let plan = PartPlan::Low {
            share,
            scenario: scenario.clone(),
            end,
        };
        return Ok((scenario, plan));
    }
    Err("no burn just under its thresholds that the sampling model confirms.".to_owned())
}

/// The checks of a planned burn just under the lowest threshold.
fn low_checks(
    subject: &Subject<'_>,
    feed: Feed,
    share: Share,
    scenario: &Scenario,
    end: Duration,
) -> Vec<ExprTestView> {
    let lowest = subject
        .alerts
        .iter()
        .map(|alert| alert.threshold)
        .fold(1.0_f64, f64::min);
    let mut checks = vec![never_check(
        subject,
        None,
        end,
        format!(
            "{}: no alert ever fires up to {end} (lowest threshold {}).",
            subject.id,
            format(lowest)
        ),
    )];
    checks.extend(low_values(subject, feed, scenario, share, end));
    checks
}

/// Every recorded value of a constant burn, exactly as Prometheus 2
/// computes it, and the SLO's metadata.
fn low_values(
    subject: &Subject<'_>,
    feed: Feed,
    scenario: &Scenario,
    share: Share,
    end: Duration,
) -> Option<ExprTestView> {
    let slo = subject.slo;
    let mut values = vec![
        (
            "slo:objective:ratio".to_owned(),
            literal(slo.objective / 100.0),
            true,
        ),
        (
            "slo:error_budget:ratio".to_owned(),
            literal(slo.error_budget()),
            true,
        ),
        (
            "slo:time_period:days".to_owned(),
            literal(slo.period.seconds() / 86_400.0),
            true,
        ),
    ];
    values.extend(steady_values(subject, feed, scenario, share, end, None));
    value_checks(
        subject,
        feed,
        end,
        &values,
        format!(
            "{}: recorded values at {end}, as Prometheus computes them from these inputs.",
            subject.id
        ),
    )
}

// --- plain alerts

fn plain_alerts(project: &Project, service: &Service) -> TestFileView {
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

fn plain_test(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Sources;
    use crate::source::SourceFile;

    fn project(settings: Option<&str>, service: &str) -> Project {
        let sources = Sources {
            settings: settings.map(|text| SourceFile::new("slo/slogen.toml", text)),
            services: vec![SourceFile::new("slo/shop.toml", service)],
            warnings: Vec::new(),
        };
        let (project, diagnostics) = crate::compile::analyze(&sources);
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
                let subject = Subject::new(service, slo, &alerts, &synthesis);
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
        // Rule groups are planned as the template reaches them.
        let link = |path: &str| -> Option<String> { Some(format!("book/{path}")) };
        for project in [project, Arc::new(self::project(None, QUIET))] {
            let shared = project;
            same(
                &plan::recording_rules(&shared),
                plan::recording_rules_context(std::sync::Arc::clone(&shared)),
            );
            same(
                &plan::alert_rules(&shared, &link),
                plan::alert_rules_context(
                    std::sync::Arc::clone(&shared),
                    std::sync::Arc::new(link),
                ),
            );
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
            vec![OUTAGES_FILE, SLOW_BURNS_FILE]
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
        let subject = Subject::new(service, slo, &alerts, &synthesis);
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
}
