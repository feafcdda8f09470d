//! The validated model: what the analyzer proved about the spec.
//!
//! In: nothing (plain data). Out: the input of planning and of `explain`.
//! Guarantees: every value here passed the analyzer. Names match their
//! charsets and are unique, objectives lie in (0, 100), every burn window is
//! shorter than its SLO's period and can fire, every query parsed as an
//! instant vector. Only [`crate::analyze`] builds these types.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::duration::Duration;
pub(crate) use crate::targets::TargetKind;

/// Everything one build compiles.
#[derive(Clone, Debug)]
pub struct Project {
    /// Project-wide settings, defaults filled in.
    pub settings: Settings,
    /// Services sorted by name.
    pub services: Vec<Service>,
}

impl Project {
    /// The spec file names, sorted: the sources named in output headers.
    pub fn source_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .services
            .iter()
            .map(|service| service.source.clone())
            .collect();
        names.sort();
        names
    }

    /// Every SLO with its service, in output order.
    pub fn slos(&self) -> impl Iterator<Item = (&Service, &Slo)> {
        self.services
            .iter()
            .flat_map(|service| service.slos.iter().map(move |slo| (service, slo)))
    }
}

/// Project-wide settings (`slogen.toml`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Period of SLOs that name none.
    pub default_period: Duration,
    /// Rule evaluation interval the tests and the detection math assume.
    pub evaluation_interval: Duration,
    /// `for` of the no-data alerts.
    pub no_data_for: Duration,
    /// `for` of burn-rate alerts of SLOs that set none (0: none).
    pub alert_for: Duration,
    /// `keep_firing_for` of burn-rate alerts of SLOs that set none (0: none).
    pub keep_firing_for: Duration,
    /// Low-traffic guard of event SLIs that set none.
    pub min_events: Option<u64>,
    /// `severity` label value of page alerts.
    pub page_label: String,
    /// `severity` label value of ticket alerts.
    pub ticket_label: String,
    /// Burn windows, defined against a 30-day period.
    pub windows: Vec<WindowSpec>,
    /// Base URL of runbook links; `None` links into the output directory.
    pub runbook_base_url: Option<String>,
    /// Templates directory named by the settings file.
    pub templates: Option<PathBuf>,
    /// Alertmanager routing.
    pub routing: Routing,
    /// `slogen build` also writes the promtool tests (`[build] tests`).
    pub write_tests: bool,
    /// Where the rules are deployed (`[[target]]`), in the order listed;
    /// never empty (plain Prometheus files when none is listed).
    pub targets: Vec<Target>,
    /// Sloth's series labels and `sloth_slo_info` (`[compatibility] sloth`).
    pub sloth_compatible: bool,
    /// Shared SLIs (`[[sli]]`) by name.
    pub shared_slis: BTreeMap<String, SharedSli>,
}

/// An SLI defined once in the settings and used by SLOs with parameters.
/// Its queries are checked where an SLO uses it, with the values filled in.
#[derive(Clone, Debug)]
pub struct SharedSli {
    /// Parameter names, as declared.
    pub params: Vec<String>,
    /// Plain text.
    pub description: Option<String>,
    /// The Sloth SLI plugin it stands for.
    pub sloth_plugin: Option<String>,
    /// The SLI with `{{param}}` placeholders, as written.
    pub spec: crate::spec::SliSpec,
}

impl Settings {
    /// The `severity` label value of a severity.
    pub fn severity_label(&self, severity: Severity) -> &str {
        match severity {
            Severity::Page => &self.page_label,
            Severity::Ticket => &self.ticket_label,
        }
    }
}

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// Look at it in working hours.
    Ticket,
}

impl Severity {
    /// `page` or `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Ticket => "ticket",
        }
    }

    /// Parses `page` or `ticket`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "page" => Some(Self::Page),
            "ticket" => Some(Self::Ticket),
            _ => None,
        }
    }
}

/// A burn window as configured: a share of budget over a pair of windows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowSpec {
    /// Page or ticket.
    pub severity: Severity,
    /// Long window.
    pub long: Duration,
    /// Short window.
    pub short: Duration,
    /// Share (0..1] of the period's error budget spent when the alert fires.
    pub budget_share: f64,
    /// One of slogen's default windows: for a period shorter than 30 days
    /// its burn rate is raised to 1 where it would fall below
    /// ([`crate::math::burn_alert`]); a user's window is taken as written.
    pub at_least_one: bool,
}

/// The SRE Workbook's windows for a 30-day period (Table 5-8 plus the 1d/2h ticket).
pub(crate) fn workbook_windows() -> Vec<WindowSpec> {
    let window = |severity, long, short, budget_share| WindowSpec {
        severity,
        long: Duration::from_minutes(long),
        short: Duration::from_minutes(short),
        budget_share,
        at_least_one: true,
    };
    vec![
        window(Severity::Page, 60, 5, 0.02),
        window(Severity::Page, 6 * 60, 30, 0.05),
        window(Severity::Ticket, 24 * 60, 2 * 60, 0.10),
        window(Severity::Ticket, 3 * 24 * 60, 6 * 60, 0.10),
    ]
}

/// Alertmanager routing settings.
#[derive(Clone, Debug, Default)]
pub struct Routing {
    /// Receiver of alerts no team route matches; `None` makes one.
    pub default_receiver: Option<String>,
    /// Route `group_by`.
    pub group_by: Vec<String>,
    /// Route timings, canonical durations.
    pub group_wait: Option<Duration>,
    /// Route timings.
    pub group_interval: Option<Duration>,
    /// Route timings.
    pub repeat_interval: Option<Duration>,
    /// `global:` passed through.
    pub global: BTreeMap<String, toml::Value>,
    /// Receivers with their integrations, passed through after secret checks.
    pub receivers: Vec<Receiver>,
    /// Per-team receivers of page and ticket alerts.
    pub teams: BTreeMap<String, TeamRoute>,
}

/// An Alertmanager receiver.
#[derive(Clone, Debug)]
pub struct Receiver {
    /// Unique name.
    pub name: String,
    /// `pagerduty_configs` and the like.
    pub integrations: BTreeMap<String, toml::Value>,
}

/// Where one team's alerts go.
#[derive(Clone, Debug, Default)]
pub struct TeamRoute {
    /// Receiver of page alerts.
    pub page: Option<String>,
    /// Receiver of ticket alerts.
    pub ticket: Option<String>,
}

/// One service file.
#[derive(Clone, Debug)]
pub struct Service {
    /// `[a-z0-9][a-z0-9-]*`, unique.
    pub name: String,
    /// Owner team.
    pub team: String,
    /// Plain text.
    pub description: Option<String>,
    /// Added to every rule.
    pub labels: BTreeMap<String, String>,
    /// The file it came from, relative to the spec directory.
    pub source: String,
    /// SLOs in file order.
    pub slos: Vec<Slo>,
    /// Plain alerts in file order.
    pub alerts: Vec<PlainAlert>,
}

/// One SLO.
#[derive(Clone, Debug)]
pub struct Slo {
    /// `[a-z0-9][a-z0-9-]*`, unique in the service.
    pub name: String,
    /// Plain text.
    pub description: Option<String>,
    /// Percent in (0, 100).
    pub objective: f64,
    /// Rolling period.
    pub period: Duration,
    /// Added to every rule of this SLO.
    pub labels: BTreeMap<String, String>,
    /// The indicator.
    pub sli: Sli,
    /// The labels that tell the SLI's groups apart, as far as its queries
    /// say: a latency SLI's `group_by`, or the `by` labels of the outermost
    /// aggregation of a ratio SLI's `total`, a threshold SLI's query or a
    /// raw SLI's ratio. Empty when the SLI is not grouped or only the data
    /// can tell (`without`, a bare selector, a binary operation). Read from
    /// the syntax tree once, by the analyzer.
    pub grouping: Vec<String>,
    /// Alerts of this SLO.
    pub alerting: Alerting,
    /// Hand-written runbook text.
    pub runbook: RunbookNotes,
}

impl Slo {
    /// The error budget as a share of events (or time): `1 - objective`.
    pub fn error_budget(&self) -> f64 {
        // Read a score of times per SLO, and SLOs share objectives: each
        // thread keeps the last one it worked out.
        thread_local! {
            static LAST: std::cell::Cell<(u64, f64)> = const { std::cell::Cell::new((u64::MAX, 0.0)) };
        }
        let bits = self.objective.to_bits();
        LAST.with(|last| {
            let (objective, budget) = last.get();
            if objective == bits {
                return budget;
            }
            let budget = crate::number::budget_of_percent(self.objective);
            last.set((bits, budget));
            budget
        })
    }
}

/// A query with `{{window}}` placeholders, checked to parse for any window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowQuery(pub String);

impl WindowQuery {
    /// The query for one window.
    pub fn at(&self, window: Duration) -> String {
        crate::promql::fill_window(&self.0, &window.to_string())
    }
}

/// The four SLI kinds.
#[derive(Clone, Debug)]
pub enum Sli {
    /// Failed (or good) events over all events.
    Ratio {
        /// Failed events; when `good` is set, `total - good`.
        errors: RatioErrors,
        /// All events.
        total: WindowQuery,
    },
    /// Events slower than a bucket bound.
    Latency {
        /// Histogram name without `_bucket`.
        histogram: String,
        /// `le` bound as Prometheus prints it.
        bound: f64,
        /// Matchers inside braces, without the braces; may be empty.
        matchers: String,
        /// Labels kept by the aggregation.
        group_by: Vec<String>,
        /// A native histogram: `histogram_count` and `histogram_fraction`
        /// of the series named `histogram`.
        native: bool,
    },
    /// Share of time a gauge is out of bounds.
    Threshold {
        /// Instant-vector query.
        query: String,
        /// The bound and its direction.
        bound: Bound,
    },
    /// A user-computed error ratio.
    Raw {
        /// Error ratio over `{{window}}`.
        error_ratio: WindowQuery,
    },
}

impl Sli {
    /// `ratio`, `latency`, `threshold` or `raw`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ratio { .. } => "ratio",
            Self::Latency { .. } => "latency",
            Self::Threshold { .. } => "threshold",
            Self::Raw { .. } => "raw",
        }
    }

    /// True when the SLI counts events, so long windows can be traffic-weighted.
    pub fn counts_events(&self) -> bool {
        matches!(self, Self::Ratio { .. } | Self::Latency { .. })
    }
}

/// How a ratio SLI names its failures.
#[derive(Clone, Debug)]
pub enum RatioErrors {
    /// Failed events directly.
    Errors(WindowQuery),
    /// Good events; failures are `total - good`.
    Good(WindowQuery),
}

/// A threshold SLI's bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// Bad while above.
    Max(f64),
    /// Bad while below.
    Min(f64),
}

/// The alerts of one SLO.
#[derive(Clone, Debug)]
pub struct Alerting {
    /// Name of the burn-rate alerts.
    pub name: String,
    /// Name of the no-data alert.
    pub no_data_name: String,
    /// `for` of the burn-rate alerts (0: none).
    pub for_duration: Duration,
    /// `keep_firing_for` of the burn-rate alerts (0: none).
    pub keep_firing_for: Duration,
    /// Burn-rate alerts need at least this many events in their long
    /// window (event SLIs only).
    pub min_events: Option<u64>,
    /// Labels and annotations of the page alerts only.
    pub page_extra: SeverityExtra,
    /// Labels and annotations of the ticket alerts only (the no-data
    /// alert, a ticket, included).
    pub ticket_extra: SeverityExtra,
    /// Burn windows in force, ordered page first, then by long window.
    pub windows: Vec<WindowSpec>,
    /// Page alerts on.
    pub page: bool,
    /// Ticket alerts on.
    pub ticket: bool,
    /// No-data alert on.
    pub no_data: bool,
    /// The windows of severities turned off are recorded too: Sloth
    /// records every window, and its dashboards read them (`[compatibility]
    /// sloth`).
    pub records_every_window: bool,
    /// Added to this SLO's alerts.
    pub labels: BTreeMap<String, String>,
    /// Prometheus templates, passed through.
    pub annotations: BTreeMap<String, String>,
    /// Receivers that also get every alert of this SLO (declared ones,
    /// each once, in the order written).
    pub receivers: Vec<String>,
}

/// Labels and annotations of one severity's alerts.
#[derive(Clone, Debug, Default)]
pub struct SeverityExtra {
    /// Added to that severity's alerts.
    pub labels: BTreeMap<String, String>,
    /// Prometheus templates, passed through.
    pub annotations: BTreeMap<String, String>,
    /// Receivers that also get that severity's alerts.
    pub receivers: Vec<String>,
}

impl Alerting {
    /// The labels and annotations of one severity's alerts only.
    pub fn extra(&self, severity: Severity) -> &SeverityExtra {
        match severity {
            Severity::Page => &self.page_extra,
            Severity::Ticket => &self.ticket_extra,
        }
    }

    /// The windows whose severity is switched on.
    pub fn enabled_windows(&self) -> impl Iterator<Item = &WindowSpec> {
        self.windows.iter().filter(|window| match window.severity {
            Severity::Page => self.page,
            Severity::Ticket => self.ticket,
        })
    }
}

/// Hand-written runbook sections, merged verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunbookNotes {
    /// How to find the cause.
    pub diagnosis: Option<String>,
    /// How to stop the damage.
    pub mitigation: Option<String>,
    /// Who to involve.
    pub escalation: Option<String>,
}

/// A plain alert declared beside the SLOs.
#[derive(Clone, Debug)]
pub struct PlainAlert {
    /// Alert name, unique across the project.
    pub name: String,
    /// Instant-vector expression.
    pub expr: String,
    /// `for`, if any.
    pub for_duration: Option<Duration>,
    /// Page or ticket.
    pub severity: Severity,
    /// Prometheus template.
    pub summary: Option<String>,
    /// Prometheus template.
    pub description: Option<String>,
    /// Extra labels.
    pub labels: BTreeMap<String, String>,
    /// Extra annotations.
    pub annotations: BTreeMap<String, String>,
    /// Hand-written runbook text.
    pub runbook: RunbookNotes,
    /// promtool cases.
    pub tests: Vec<AlertTest>,
}

/// A promtool case of a plain alert.
#[derive(Clone, Debug)]
pub struct AlertTest {
    /// Series name with labels → values in expanding notation.
    pub series: BTreeMap<String, String>,
    /// Evaluation time.
    pub at: Duration,
    /// Expected to be firing then.
    pub firing: bool,
    /// Extra labels expected on the alert.
    pub labels: BTreeMap<String, String>,
}

/// A way rules are deployed (`[[target]]`): each writes one rule file per
/// service into its own directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The format.
    pub kind: TargetKind,
    /// Its directory under the output directory, `/`-separated.
    pub dir: String,
    /// `prometheus-operator`: the objects' namespace. `mimir`: the ruler
    /// namespace, `{service}` standing for the service name (one file per
    /// service); without it, one shared namespace file.
    pub namespace: Option<String>,
    /// `prometheus-operator`: labels of each object (what the Prometheus
    /// `ruleSelector` picks).
    pub labels: BTreeMap<String, String>,
    /// `prometheus-operator`: annotations of each object.
    pub annotations: BTreeMap<String, String>,
    /// Group `interval`.
    pub interval: Option<Duration>,
    /// Group `query_offset` (Mimir).
    pub query_offset: Option<Duration>,
    /// Group `evaluation_delay` (Cortex, older Mimir).
    pub evaluation_delay: Option<Duration>,
    /// Group `source_tenants` (Mimir federated rule groups).
    pub source_tenants: Vec<String>,
    /// Thanos: `partial_response_strategy` of alerting groups.
    pub alerting_partial_response: Option<String>,
    /// Thanos: `partial_response_strategy` of recording groups.
    pub recording_partial_response: Option<String>,
}

impl Target {
    /// A target of a kind with every option unset, in its default directory.
    pub fn new(kind: TargetKind) -> Self {
        Self {
            kind,
            dir: kind.name().to_owned(),
            namespace: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            interval: None,
            query_offset: None,
            evaluation_delay: None,
            source_tenants: Vec::new(),
            alerting_partial_response: None,
            recording_partial_response: None,
        }
    }
}
