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
use crate::promql::{Grouping, output_grouping, quote};
use crate::verify::KnownSeries;

/// The tag on every dashboard slogen writes; dashboard links list them.
pub const TAG: &str = "slogen";

/// One dashboard.
#[derive(Clone, Debug, Serialize)]
pub struct DashboardView {
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
pub struct VariableView {
    /// Variable name (`$name` in queries).
    pub name: String,
    /// Label shown above the picker.
    pub label: String,
    /// `label_values(<series>, <label>)`.
    pub query: String,
}

/// A link from a panel.
#[derive(Clone, Debug, Serialize)]
pub struct LinkView {
    /// Link text.
    pub title: String,
    /// Target.
    pub url: String,
}

/// Where a panel sits on the 24-column grid.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct GridView {
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
pub struct PanelView {
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
pub struct TargetView {
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
pub struct StepView {
    /// Grafana colour name.
    pub color: &'static str,
    /// From this value up; `None` for the base step.
    pub value: Option<f64>,
}

/// A value shown as text.
#[derive(Clone, Debug, Serialize)]
pub struct MappingView {
    /// The value, as text.
    pub value: String,
    /// What to show.
    pub text: String,
    /// Colour.
    pub color: &'static str,
}

/// A table column: the field a query gives and its title.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnView {
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
pub fn known_series(project: &Project) -> KnownSeries {
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

/// The labels an SLI's series keep, when its queries say so.
pub fn grouping_labels(slo: &Slo) -> Vec<String> {
    let query = match &slo.sli {
        Sli::Latency { group_by, .. } => return group_by.clone(),
        Sli::Ratio { total, .. } => total.at(base_window(slo)),
        Sli::Raw { error_ratio } => error_ratio.at(base_window(slo)),
        Sli::Threshold { query, .. } => query.clone(),
    };
    match crate::promql::parse(&query).map(|expr| output_grouping(&expr)) {
        Ok(Grouping::By(labels)) => labels,
        _ => Vec::new(),
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

/// One service's dashboard.
pub fn service_dashboard(
    project: &Project,
    service: &Service,
    runbook_url: &RunbookUrl,
) -> DashboardView {
    let mut layout = Layout::new();
    let mut variables = Vec::new();
    let mut used = BTreeSet::new();
    for slo in &service.slos {
        slo_panels(
            project,
            service,
            slo,
            runbook_url,
            &mut layout,
            &mut variables,
            &mut used,
        );
    }
    if !service.alerts.is_empty() {
        let names: Vec<&str> = service
            .alerts
            .iter()
            .map(|alert| alert.name.as_str())
            .collect();
        let mut state = panel(
            "state-timeline",
            "Other alerts".to_owned(),
            format!(
                "The plain alerts of {}: pending or firing while coloured.",
                service.name
            ),
        );
        state.targets.push(target(
            0,
            format!("{ALERTS_METRIC}{{alertname=~{}}}", quote(&names.join("|"))),
            "{{alertname}} {{alertstate}}".to_owned(),
            false,
        ));
        state.mappings = alert_mappings();
        layout.line(
            1,
            vec![(24, panel("row", "Other alerts".to_owned(), String::new()))],
        );
        layout.line(6, vec![(24, state)]);
    }
    let description = service
        .description
        .clone()
        .unwrap_or_else(|| format!("The SLOs of {}.", service.name));
    DashboardView {
        path: dashboard_path(&service.name),
        uid: dashboard_uid(&service.name),
        title: format!("SLOs / {}", service.name),
        description,
        tags: vec![TAG.to_owned(), format!("team:{}", service.team)],
        time_from: relative_time(longest_period(service.slos.iter())),
        sources: vec![service.source.clone()],
        variables,
        panels: layout.panels,
    }
}

fn alert_mappings() -> Vec<MappingView> {
    vec![MappingView {
        value: "1".to_owned(),
        text: "active".to_owned(),
        color: "red",
    }]
}

#[allow(clippy::too_many_lines)]
fn slo_panels(
    project: &Project,
    service: &Service,
    slo: &Slo,
    runbook_url: &RunbookUrl,
    layout: &mut Layout,
    variables: &mut Vec<VariableView>,
    used: &mut BTreeSet<String>,
) {
    let id = format!("{}/{}", service.name, slo.name);
    let whole = slo_selector(&service.name, &slo.name);
    let base = base_window(slo);
    let budget = slo.error_budget();
    let labels = grouping_labels(slo);
    let mut matchers = Vec::new();
    let mut variable_names = Vec::new();
    let mut repeat = None;
    for label in &labels {
        let name = variable_name(&slo.name, label, used);
        variable_names.push(name.clone());
        matchers.push(format!("{label}=~\"${name}\""));
        variables.push(VariableView {
            name: name.clone(),
            label: format!("{id} {label}"),
            query: format!("label_values({}{whole}, {label})", ratio_metric(base)),
        });
        repeat.get_or_insert(name);
    }
    let selector = with_matchers(&whole, &matchers);
    let legend_groups: String = labels
        .iter()
        .map(|label| format!("{{{{{label}}}}} "))
        .collect();
    // A relative link would resolve against Grafana's own address: panels
    // link runbooks only when the settings name where they are served.
    let links: Vec<LinkView> = project
        .settings
        .runbook_base_url
        .as_ref()
        .and_then(|_| runbook_url(&slo_path(&service.name, &slo.name)))
        .map(|url| LinkView {
            title: format!("Runbook: {id}"),
            url,
        })
        .into_iter()
        .collect();
    let linked = |mut panel: PanelView| {
        panel.links.clone_from(&links);
        panel
    };
    let mut row = panel(
        "row",
        match &repeat {
            Some(name) => format!(
                "{id}: {}% over {} (${name})",
                format(slo.objective),
                slo.period
            ),
            None => format!("{id}: {}% over {}", format(slo.objective), slo.period),
        },
        String::new(),
    );
    row.repeat = repeat;
    layout.line(1, vec![(24, row)]);

    let mut sli = panel(
        "timeseries",
        "SLI against the objective".to_owned(),
        format!(
            "The share of good {} over the rolling {} and over the last {base}, against the objective ({}%). {}",
            if matches!(slo.sli, Sli::Threshold { .. }) { "time" } else { "events" },
            slo.period,
            format(slo.objective),
            slo.description.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_owned(),
    );
    sli.unit = "percentunit".to_owned();
    sli.targets = vec![
        target(
            0,
            format!("1 - {}{selector}", ratio_metric(slo.period)),
            format!("{legend_groups}SLI over {}", slo.period),
            false,
        ),
        target(
            1,
            format!("1 - {}{selector}", ratio_metric(base)),
            format!("{legend_groups}SLI over {base}"),
            false,
        ),
        target(
            2,
            format!("{OBJECTIVE_METRIC}{whole}"),
            "objective".to_owned(),
            false,
        ),
    ];

    let mut remaining = panel(
        "stat",
        "Error budget remaining".to_owned(),
        format!(
            "Share of the {} error budget ({} of {}) left over the last {}: 1 = untouched, below 0 = the objective is missed.",
            slo.period,
            percent(budget),
            if matches!(slo.sli, Sli::Threshold { .. }) {
                "time"
            } else {
                "events"
            },
            slo.period
        ),
    );
    remaining.unit = "percentunit".to_owned();
    remaining.decimals = Some(1);
    remaining.thresholds = budget_steps();
    remaining.targets = vec![target(
        0,
        format!("{BUDGET_REMAINING_METRIC}{selector}"),
        legend_groups.trim_end().to_owned(),
        true,
    )];

    let alert_names: Vec<String> = (!burn_alerts(slo).is_empty())
        .then(|| slo.alerting.name.clone())
        .into_iter()
        .chain(
            slo.alerting
                .no_data
                .then(|| slo.alerting.no_data_name.clone()),
        )
        .collect();
    // The no-data alert carries no grouping label: `=~"$v|"` keeps it in
    // every repeated row beside the group's own burn-rate alerts.
    let mut alert_matchers: Vec<String> = labels
        .iter()
        .zip(&variable_names)
        .map(|(label, name)| format!("{label}=~\"${name}|\""))
        .collect();
    alert_matchers.push(format!("alertname=~{}", quote(&alert_names.join("|"))));
    let alerts_selector = with_matchers(&whole, &alert_matchers);

    let mut firing = panel(
        "stat",
        "Alerts firing".to_owned(),
        format!(
            "How many of this SLO's alerts ({}) are firing now.",
            alert_names.join(", ")
        ),
    );
    firing.thresholds = count_steps();
    firing.targets = vec![target(
        0,
        format!(
            "count({ALERTS_METRIC}{}) or vector(0)",
            with_matchers(&alerts_selector, &["alertstate=\"firing\"".to_owned()])
        ),
        String::new(),
        true,
    )];

    let mut data = panel(
        "stat",
        "SLI data".to_owned(),
        format!(
            "NO DATA while `{}` has no series: the SLI's metrics are missing or its queries match nothing, and the burn-rate alerts cannot fire.",
            ratio_metric(base)
        ),
    );
    data.thresholds = count_steps();
    data.mappings = vec![
        MappingView {
            value: "0".to_owned(),
            text: "receiving data".to_owned(),
            color: "green",
        },
        MappingView {
            value: "1".to_owned(),
            text: "NO DATA".to_owned(),
            color: "red",
        },
    ];
    data.targets = vec![target(
        0,
        format!("max(absent({}{selector}) or vector(0))", ratio_metric(base)),
        String::new(),
        true,
    )];

    let mut line = vec![(12, linked(sli)), (4, linked(remaining))];
    if alert_names.is_empty() {
        line.push((8, linked(data)));
    } else {
        line.push((4, linked(firing)));
        line.push((4, linked(data)));
    }
    layout.line(8, line);

    let mut burn_down = panel(
        "timeseries",
        "Error budget burn-down".to_owned(),
        format!(
            "The share of the error budget left over the rolling {}, over time: a steady fall spends it by the end of the period; the red line is an exhausted budget.",
            slo.period
        ),
    );
    burn_down.unit = "percentunit".to_owned();
    burn_down.thresholds = vec![
        StepView {
            color: "red",
            value: None,
        },
        StepView {
            color: "green",
            value: Some(0.0),
        },
    ];
    burn_down.threshold_lines = true;
    burn_down.targets = vec![target(
        0,
        format!("{BUDGET_REMAINING_METRIC}{selector}"),
        format!("{legend_groups}budget remaining")
            .trim_start()
            .to_owned(),
        false,
    )];
    if alert_names.is_empty() {
        layout.line(8, vec![(24, linked(burn_down))]);
    } else {
        let mut state = panel(
            "state-timeline",
            "Alert state".to_owned(),
            "This SLO's burn-rate and no-data alerts over time: coloured while pending or firing."
                .to_owned(),
        );
        state.mappings = alert_mappings();
        state.targets = vec![target(
            0,
            format!("{ALERTS_METRIC}{alerts_selector}"),
            format!(
                "{legend_groups}{{{{alertname}}}} {{{{severity}}}} {{{{slogen_long_window}}}}/{{{{slogen_short_window}}}} {{{{alertstate}}}}"
            ),
            false,
        )];
        layout.line(8, vec![(12, linked(burn_down)), (12, linked(state))]);
    }

    let burns: Vec<PanelView> = burn_alerts(slo)
        .iter()
        .map(|alert| burn_panel(project, slo, alert, &selector, &legend_groups, budget))
        .map(linked)
        .collect();
    for chunk in burns.chunks(4) {
        let width = 24 / u32::try_from(chunk.len()).unwrap_or(4);
        layout.line(
            7,
            chunk.iter().map(|panel| (width, panel.clone())).collect(),
        );
    }
}

fn burn_panel(
    project: &Project,
    slo: &Slo,
    alert: &BurnAlert,
    selector: &str,
    legend_groups: &str,
    budget: f64,
) -> PanelView {
    let severity = match alert.severity {
        Severity::Page => "page",
        Severity::Ticket => "ticket",
    };
    let mut burn = panel(
        "timeseries",
        format!(
            "Burn rate {} / {} ({severity}, above {}x)",
            alert.long,
            alert.short,
            human(alert.burn_rate)
        ),
        format!(
            "The error ratio over {} and over {} divided by the error budget ({}): how many times faster than sustainable the budget burns. The {severity} alert (`severity={}`) fires when both are above {}x, the red line; that spends {} of the {} budget, and a total outage trips it after {}.",
            alert.long,
            alert.short,
            format(budget),
            quote(project.settings.severity_label(alert.severity)),
            human(alert.burn_rate),
            percent(alert.budget_share),
            slo.period,
            crate::duration::humanize_seconds(alert.detection_seconds(1.0)),
        ),
    );
    burn.thresholds = vec![
        StepView {
            color: "green",
            value: None,
        },
        StepView {
            color: "red",
            value: Some(clean(alert.burn_rate)),
        },
    ];
    burn.threshold_lines = true;
    burn.targets = [alert.long, alert.short]
        .iter()
        .enumerate()
        .map(|(index, window)| {
            target(
                index,
                format!("{}{selector} / {}", ratio_metric(*window), format(budget)),
                format!("{legend_groups}{window} window"),
                false,
            )
        })
        .collect();
    burn
}

/// The overview dashboard of every SLO.
pub fn overview(project: &Project) -> DashboardView {
    let services: Vec<&str> = project
        .services
        .iter()
        .filter(|service| !service.slos.is_empty())
        .map(|service| service.name.as_str())
        .collect();
    let scope = format!("{{{SERVICE_LABEL}=~{}}}", quote(&services.join("|")));
    let by = format!("by ({SERVICE_LABEL}, {SLO_LABEL})");
    let mut alert_names = Vec::new();
    let mut no_data_names = Vec::new();
    for (_, slo) in project.slos() {
        if !burn_alerts(slo).is_empty() {
            alert_names.push(slo.alerting.name.clone());
        }
        if slo.alerting.no_data {
            let name = slo.alerting.no_data_name.clone();
            alert_names.push(name.clone());
            no_data_names.push(name);
        }
    }
    let alerts = |names: &[String], extra: &str| {
        format!(
            "{ALERTS_METRIC}{{alertname=~{},alertstate=\"firing\"{extra}}}",
            quote(&names.join("|"))
        )
    };
    let mut layout = Layout::new();
    let slo_count = project.slos().count();
    if slo_count > 0 {
        let mut out = panel(
            "stat",
            "SLOs out of budget".to_owned(),
            "SLOs (or groups of a grouped SLO) whose error budget over their period is spent."
                .to_owned(),
        );
        out.thresholds = count_steps();
        out.targets = vec![target(
            0,
            format!("count({BUDGET_REMAINING_METRIC}{scope} < 0) or vector(0)"),
            String::new(),
            true,
        )];
        let mut total = panel(
            "stat",
            "SLOs".to_owned(),
            "SLOs whose recording rules Prometheus evaluates.".to_owned(),
        );
        total.targets = vec![target(
            0,
            format!("count(count {by} ({OBJECTIVE_METRIC}{scope}))"),
            String::new(),
            true,
        )];
        let mut line = vec![(6, total), (6, out)];
        if !alert_names.is_empty() {
            let mut firing = panel(
                "stat",
                "SLO alerts firing".to_owned(),
                "Burn-rate and no-data alerts of every SLO firing now.".to_owned(),
            );
            firing.thresholds = count_steps();
            firing.targets = vec![target(
                0,
                format!("count({}) or vector(0)", alerts(&alert_names, "")),
                String::new(),
                true,
            )];
            line.push((6, firing));
        }
        if !no_data_names.is_empty() {
            let mut no_data = panel(
                "stat",
                "SLOs without data".to_owned(),
                "SLOs whose no-data alert fires: their SLI's metrics are missing, so their burn-rate alerts cannot fire.".to_owned(),
            );
            no_data.thresholds = count_steps();
            no_data.targets = vec![target(
                0,
                format!("count({}) or vector(0)", alerts(&no_data_names, "")),
                String::new(),
                true,
            )];
            line.push((6, no_data));
        }
        let width = 24 / u32::try_from(line.len()).unwrap_or(4);
        layout.line(
            4,
            line.into_iter().map(|(_, panel)| (width, panel)).collect(),
        );

        let mut gauge = panel(
            "bargauge",
            "Error budget remaining, worst first".to_owned(),
            "Each SLO's error budget left over its period (the worst group of a grouped SLO); below 0 the objective is missed.".to_owned(),
        );
        gauge.unit = "percentunit".to_owned();
        gauge.decimals = Some(1);
        gauge.thresholds = budget_steps();
        gauge.targets = vec![target(
            0,
            format!("sort(min {by} ({BUDGET_REMAINING_METRIC}{scope}))"),
            format!("{{{{{SERVICE_LABEL}}}}}/{{{{{SLO_LABEL}}}}}"),
            true,
        )];
        let height = u32::try_from(slo_count).unwrap_or(40).clamp(2, 40) + 2;
        layout.line(height, vec![(24, gauge)]);

        let mut table = panel(
            "table",
            "Every SLO, worst first".to_owned(),
            "Per SLO: error budget left, objective, SLI over the period, current burn rate (over the base window) and alerts firing; sorted by the budget left.".to_owned(),
        );
        table.thresholds = budget_steps();
        let queries = [
            (
                format!("min {by} ({BUDGET_REMAINING_METRIC}{scope})"),
                "Budget remaining",
                "percentunit",
            ),
            (
                format!("max {by} ({OBJECTIVE_METRIC}{scope})"),
                "Objective",
                "percentunit",
            ),
            (
                format!(
                    "1 - max {by} ({PERIOD_BURN_RATE_METRIC}{scope}) * on ({SERVICE_LABEL}, {SLO_LABEL}) max {by} ({ERROR_BUDGET_METRIC}{scope})"
                ),
                "SLI over the period",
                "percentunit",
            ),
            (
                format!("max {by} ({CURRENT_BURN_RATE_METRIC}{scope})"),
                "Burn rate now",
                "none",
            ),
        ];
        let mut columns = vec![
            ColumnView {
                field: SERVICE_LABEL.to_owned(),
                title: "Service".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            },
            ColumnView {
                field: SLO_LABEL.to_owned(),
                title: "SLO".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            },
        ];
        for (index, (expr, title, unit)) in queries.into_iter().enumerate() {
            let query = target(index, expr, String::new(), true);
            columns.push(ColumnView {
                field: format!("Value #{}", query.ref_id),
                title: title.to_owned(),
                unit: unit.to_owned(),
                colored: index == 0,
            });
            table.targets.push(query);
        }
        if !alert_names.is_empty() {
            let query = target(
                table.targets.len(),
                format!("count {by} ({})", alerts(&alert_names, "")),
                String::new(),
                true,
            );
            columns.push(ColumnView {
                field: format!("Value #{}", query.ref_id),
                title: "Alerts firing".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            });
            table.targets.push(query);
        }
        table.columns = columns;
        layout.line(
            u32::try_from(slo_count).unwrap_or(40).clamp(4, 40) + 4,
            vec![(24, table)],
        );
    }
    DashboardView {
        path: OVERVIEW_DASHBOARD_FILE.to_owned(),
        uid: OVERVIEW_UID.to_owned(),
        title: "SLOs / overview".to_owned(),
        description: format!(
            "Every SLO of {}: status and error budget left, worst first.",
            if services.is_empty() {
                "the project".to_owned()
            } else {
                services.join(", ")
            }
        ),
        tags: vec![TAG.to_owned()],
        time_from: relative_time(longest_period(project.slos().map(|(_, slo)| slo))),
        sources: project.source_names(),
        variables: Vec::new(),
        panels: layout.panels,
    }
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
