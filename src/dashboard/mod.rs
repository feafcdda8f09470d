//! Grafana dashboards: one per service and one overview of every SLO.
//!
//! In: an [`ir::Project`] and where runbooks are linked. Out:
//! [`DashboardView`]s for `dashboard.json.j2`, which lays them out as
//! Grafana's dashboard JSON model (provisioning and import read the same).
//!
//! Guarantees: panels read only the series slogen's rules record (names
//! from [`crate::names`], the same as the recording rules) and `ALERTS` of
//! the alerts slogen generates; [`known_series`] lists both, and `verify`
//! holds a dashboard to it. Every query names the data source through the
//! `datasource` variable, never an id. Uids derive from names
//! ([`crate::names::dashboard_uid`]), panel ids and grid positions from the
//! order of the spec: the same spec gives the same bytes.
//!
//! Grouped SLIs (a ratio whose queries keep `by (endpoint)`, a latency SLI
//! with `group_by`) get one variable per grouping label; the SLO's row
//! repeats for each value of the first, and every panel filters on all.
//! Panels link the SLO's runbook only when the settings give runbooks a
//! base URL: a relative link would resolve against Grafana's address.
//!
//! Parts: this file holds the views and what both dashboards share;
//! `service` plans a service's dashboard (a row per SLO), `overview` the
//! dashboard of every SLO. `native::dashboard` writes the views as
//! `dashboard.json.j2` would.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::duration::Duration;
use crate::ir::{Project, RatioErrors, Service, Severity, Sli, Slo};
use crate::math::BurnAlert;
use crate::names::{
    ALERTS_METRIC, BUDGET_REMAINING_METRIC, CURRENT_BURN_RATE_METRIC, ERROR_BUDGET_METRIC,
    OBJECTIVE_METRIC, OVERVIEW_DASHBOARD_FILE, OVERVIEW_UID, PERIOD_BURN_RATE_METRIC,
    SERVICE_LABEL, SLO_LABEL, dashboard_path, dashboard_uid, ratio_metric, slo_path, slo_selector,
};
use crate::number::{clean, format, human, percent};
use crate::plan::{RunbookUrl, base_window, burn_alerts, recorded_series};
use crate::promql::quote;
use crate::verify::KnownSeries;

mod overview;
mod service;

pub(crate) use overview::overview;
pub(crate) use service::service_dashboard;

/// The tag on every dashboard slogen writes; dashboard links list them.
pub(crate) const TAG: &str = "slogen";

/// One dashboard.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DashboardView {
    /// Path relative to the output directory.
    pub path: String,
    /// Stable uid derived from the name.
    pub uid: String,
    /// Title.
    pub title: String,
    /// What the dashboard shows.
    pub description: String,
    /// Tags, `slogen` first.
    pub tags: Vec<String>,
    /// Default time range: `now-<longest period>`.
    pub time_from: String,
    /// Spec files it comes from.
    pub sources: Vec<String>,
    /// Template variables after `datasource`.
    pub variables: Vec<VariableView>,
    /// Panels in grid order.
    pub panels: Vec<PanelView>,
}

/// A query variable listing the values of a grouping label.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct VariableView {
    /// Variable name (`$name` in queries).
    pub name: String,
    /// Label shown above the picker.
    pub label: String,
    /// `label_values(<series>, <label>)`.
    pub query: String,
}

/// A link from a panel.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LinkView {
    /// Link text.
    pub title: String,
    /// Target.
    pub url: String,
}

/// Where a panel sits on the 24-column grid.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct GridView {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// One panel. `kind` is Grafana's panel type: `row`, `timeseries`, `stat`,
/// `state-timeline`, `bargauge` or `table`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PanelView {
    /// Unique in the dashboard.
    pub id: u32,
    /// Grafana panel type.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// What it shows, for the panel's info tooltip.
    pub description: String,
    /// Position.
    pub grid: GridView,
    /// Rows: the variable the row repeats for.
    pub repeat: Option<String>,
    /// Grafana unit (`percentunit`, `none`).
    pub unit: String,
    /// Decimals shown.
    pub decimals: Option<u32>,
    /// Threshold steps, the first with no value.
    pub thresholds: Vec<StepView>,
    /// Draw the thresholds as lines (time series).
    pub threshold_lines: bool,
    /// Texts for values (`1` → `NO DATA`).
    pub mappings: Vec<MappingView>,
    /// Queries.
    pub targets: Vec<TargetView>,
    /// Links (the runbook).
    pub links: Vec<LinkView>,
    /// Tables: columns from merged instant queries, in order.
    pub columns: Vec<ColumnView>,
}

/// One query of a panel.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TargetView {
    /// `A`, `B`, ...
    pub ref_id: String,
    /// PromQL.
    pub expr: String,
    /// Legend format.
    pub legend: String,
    /// Instant query (stat values, tables, bar gauges).
    pub instant: bool,
}

/// A threshold step.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct StepView {
    /// Grafana colour name.
    pub color: &'static str,
    /// From this value up; `None` for the base step.
    pub value: Option<f64>,
}

/// A value shown as text.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MappingView {
    /// The value, as text.
    pub value: String,
    /// What to show.
    pub text: String,
    /// Colour.
    pub color: &'static str,
}

/// A table column: the field a query gives and its title.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ColumnView {
    /// Field name before renaming (`Value #A`, a label name).
    pub field: String,
    /// Column title.
    pub title: String,
    /// Grafana unit.
    pub unit: String,
    /// Coloured by the panel's thresholds (the budget left).
    pub colored: bool,
}

/// What dashboards may read: every series the rules record, every metric
/// the spec's queries read, and the alerts the rules define.
pub(crate) fn known_series(project: &Project) -> KnownSeries {
    let mut known = KnownSeries::default();
    for service in &project.services {
        for slo in &service.slos {
            known.series.extend(recorded_series(&project.settings, slo));
            for query in sli_queries(slo) {
                if let Ok(expr) = crate::promql::parse(&query) {
                    known.series.extend(crate::verify::metric_names(&expr));
                }
            }
            if !burn_alerts(slo).is_empty() {
                known.alerts.insert(slo.alerting.name.clone());
            }
            if slo.alerting.no_data {
                known.alerts.insert(slo.alerting.no_data_name.clone());
            }
        }
        for alert in &service.alerts {
            known.alerts.insert(alert.name.clone());
            if let Ok(expr) = crate::promql::parse(&alert.expr) {
                known.series.extend(crate::verify::metric_names(&expr));
            }
        }
    }
    known
}

/// The SLI's own queries, at its base window.
fn sli_queries(slo: &Slo) -> Vec<String> {
    let base = base_window(slo);
    match &slo.sli {
        Sli::Ratio { errors, total } => {
            let errors = match errors {
                RatioErrors::Errors(query) | RatioErrors::Good(query) => query.at(base),
            };
            vec![errors, total.at(base)]
        }
        Sli::Latency { histogram, .. } => {
            vec![format!("{histogram}_bucket"), format!("{histogram}_count")]
        }
        Sli::Threshold { query, .. } => vec![query.clone()],
        Sli::Raw { error_ratio } => vec![error_ratio.at(base)],
    }
}

/// The longest period of some SLOs, 30 days when there are none.
fn longest_period<'a>(slos: impl Iterator<Item = &'a Slo>) -> Duration {
    slos.map(|slo| slo.period)
        .max()
        .unwrap_or(Duration::from_minutes(30 * 24 * 60))
}

/// A period as Grafana's relative time (`now-30d`): one unit, as Grafana
/// reads no compound durations (`1d12h`); whole days, else hours, minutes
/// or seconds.
fn relative_time(period: Duration) -> String {
    let seconds = period.millis() / 1000;
    let (value, unit) = [(86_400, "d"), (3_600, "h"), (60, "m")]
        .into_iter()
        .find(|(factor, _)| seconds.is_multiple_of(*factor))
        .map_or((seconds, "s"), |(factor, unit)| (seconds / factor, unit));
    format!("now-{}{unit}", value.max(1))
}

/// Panel ids and grid rows, handed out in order.
struct Layout {
    panels: Vec<PanelView>,
    y: u32,
}

impl Layout {
    fn new() -> Self {
        Self {
            panels: Vec::new(),
            y: 0,
        }
    }

    /// Places panels side by side on the next line, `widths` summing to 24
    /// at most, and moves below them.
    fn line(&mut self, height: u32, panels: Vec<(u32, PanelView)>) {
        let mut x = 0;
        for (width, mut panel) in panels {
            panel.id = u32::try_from(self.panels.len()).unwrap_or(u32::MAX) + 1;
            panel.grid = GridView {
                x,
                y: self.y,
                w: width,
                h: height,
            };
            x += width;
            self.panels.push(panel);
        }
        self.y += height;
    }
}

fn panel(kind: &'static str, title: String, description: String) -> PanelView {
    PanelView {
        id: 0,
        kind,
        title,
        description,
        grid: GridView {
            x: 0,
            y: 0,
            w: 24,
            h: 1,
        },
        repeat: None,
        unit: "none".to_owned(),
        decimals: None,
        thresholds: vec![StepView {
            color: "green",
            value: None,
        }],
        threshold_lines: false,
        mappings: Vec::new(),
        targets: Vec::new(),
        links: Vec::new(),
        columns: Vec::new(),
    }
}

fn target(ref_id: usize, expr: String, legend: String, instant: bool) -> TargetView {
    let letter = char::from(b'A' + u8::try_from(ref_id % 26).unwrap_or(0));
    let ref_id = if ref_id < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", ref_id / 26)
    };
    TargetView {
        ref_id,
        expr,
        legend,
        instant,
    }
}

/// Budget colours: red when spent, orange under a quarter left.
fn budget_steps() -> Vec<StepView> {
    vec![
        StepView {
            color: "red",
            value: None,
        },
        StepView {
            color: "orange",
            value: Some(0.0),
        },
        StepView {
            color: "green",
            value: Some(0.25),
        },
    ]
}

/// Green at zero, red from one: counts of firing alerts.
fn count_steps() -> Vec<StepView> {
    vec![
        StepView {
            color: "green",
            value: None,
        },
        StepView {
            color: "red",
            value: Some(1.0),
        },
    ]
}

/// A selector with more matchers: `{a="b"}` and `c=~"$d"` → `{a="b",c=~"$d"}`.
fn with_matchers(selector: &str, matchers: &[String]) -> String {
    if matchers.is_empty() {
        return selector.to_owned();
    }
    format!(
        "{},{}}}",
        selector.trim_end_matches('}'),
        matchers.join(",")
    )
}

/// A Grafana variable name for a label of an SLO, unique in `used`.
fn variable_name(slo: &str, label: &str, used: &mut BTreeSet<String>) -> String {
    let base = format!("{}_{label}", slo.replace('-', "_"));
    let mut name = base.clone();
    let mut counter = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}_{counter}");
        counter += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_become_relative_times_grafana_reads() {
        let case = |minutes: u64, expected: &str| {
            assert_eq!(relative_time(Duration::from_minutes(minutes)), expected);
        };
        case(30 * 24 * 60, "now-30d");
        case(36 * 60, "now-36h");
        case(90, "now-90m");
        case(7 * 24 * 60, "now-7d");
    }

    #[test]
    fn long_names_get_uids_grafana_accepts() {
        assert_eq!(dashboard_uid("api"), "slogen-api");
        let long = "a".repeat(60);
        let uid = dashboard_uid(&long);
        assert!(uid.len() <= 40, "{uid}");
        assert_ne!(uid, dashboard_uid(&"a".repeat(61)));
    }
}
