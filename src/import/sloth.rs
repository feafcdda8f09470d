//! Sloth's specs: `prometheus/v1` documents and the Kubernetes
//! `sloth.slok.dev/v1` `PrometheusServiceLevel` object, one or many per
//! file (`---`).
//!
//! In: YAML sources. Out: an [`Import`] (one service file per Sloth
//! service, a settings file with `[compatibility] sloth` and the severity
//! label values) or located diagnostics.
//!
//! Every field is typed below (unknown fields are errors) and maps or is
//! reported: events and raw SLIs, labels, alert names, labels and
//! annotations per severity, `{{.window}}`. SLI plugins are Go code slogen
//! cannot run: each is an error naming the plugin. SLO plugins change
//! Sloth's own generation and have no counterpart: each is reported.
//! This file reads the documents and services; `slo.rs` converts each SLO.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::toml_text::{comment, inline, string};
use super::{Import, code, problem};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

mod slo;

type Map = BTreeMap<String, String>;

/// Both document shapes in one type: the `prometheus/v1` fields at the
/// top, the Kubernetes object's beside them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: Option<Spanned<String>>,
    #[serde(rename = "apiVersion")]
    api_version: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    /// Names the Kubernetes object, not the service.
    #[serde(rename = "metadata")]
    _metadata: Option<serde::de::IgnoredAny>,
    /// What the Sloth controller reports on the object (a dump from a
    /// cluster has it); nothing to import.
    #[serde(rename = "status")]
    _status: Option<serde::de::IgnoredAny>,
    service: Option<Spanned<String>>,
    #[serde(default)]
    labels: Map,
    slo_plugins: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    slos: Vec<Spanned<Slo>>,
    spec: Option<KubeSpec>,
}

/// The `spec` of a Kubernetes object: a `PrometheusServiceLevel`'s or an
/// `AlertWindows`' fields, in one type for one typed read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KubeSpec {
    service: Option<Spanned<String>>,
    #[serde(default)]
    labels: Map,
    #[serde(rename = "sloPlugins")]
    slo_plugins: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    slos: Vec<Spanned<Slo>>,
    #[serde(rename = "sloPeriod")]
    slo_period: Option<Spanned<String>>,
    page: Option<WindowPair>,
    ticket: Option<WindowPair>,
}

/// `AlertWindows`: a severity's quick and slow windows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowPair {
    quick: AlertWindow,
    slow: AlertWindow,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertWindow {
    #[serde(rename = "errorBudgetPercent")]
    error_budget_percent: f64,
    #[serde(rename = "shortWindow")]
    short_window: String,
    #[serde(rename = "longWindow")]
    long_window: String,
}

/// Sloth's windows for the imported SLOs' period (an `AlertWindows`).
struct Windows {
    period: String,
    /// (severity, long, short, budget percent), in Sloth's order.
    windows: Vec<(&'static str, String, String, f64)>,
    source: String,
}

/// A service and its SLOs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    service: Spanned<String>,
    #[serde(default)]
    labels: Map,
    #[serde(alias = "sloPlugins")]
    slo_plugins: Option<Spanned<serde_json::Value>>,
    #[serde(default)]
    slos: Vec<Spanned<Slo>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slo {
    name: Spanned<String>,
    objective: Spanned<f64>,
    description: Option<String>,
    #[serde(default)]
    labels: Map,
    sli: Sli,
    alerting: Option<Alerting>,
    plugins: Option<Spanned<serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sli {
    events: Option<Events>,
    raw: Option<Raw>,
    plugin: Option<Plugin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Events {
    #[serde(alias = "errorQuery")]
    error_query: Spanned<String>,
    #[serde(alias = "totalQuery")]
    total_query: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(alias = "errorRatioQuery")]
    error_ratio_query: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plugin {
    id: Spanned<String>,
    #[serde(default)]
    options: Map,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Alerting {
    name: Option<Spanned<String>>,
    #[serde(default)]
    labels: Map,
    #[serde(default)]
    annotations: Map,
    #[serde(alias = "pageAlert")]
    page_alert: Option<AlertMeta>,
    #[serde(alias = "ticketAlert")]
    ticket_alert: Option<AlertMeta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertMeta {
    #[serde(default)]
    disable: bool,
    #[serde(default)]
    labels: Map,
    #[serde(default)]
    annotations: Map,
}

/// The byte range of a YAML node.
fn span_of(location: &serde_saphyr::Location) -> Range<usize> {
    let span = location.span();
    let start = usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(0);
    let length = usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0);
    start..start + length
}

fn place<T>(value: &Spanned<T>) -> Range<usize> {
    span_of(&value.referenced)
}

/// One imported service, before it is written.
struct Service {
    name: String,
    source: String,
    line: usize,
    team: String,
    team_note: String,
    labels: Map,
    slos: Vec<ImportedSlo>,
}

struct ImportedSlo {
    name: String,
    line: usize,
    text: String,
    differences: Vec<String>,
}

/// Severity label values found, with the place of the first.
#[derive(Default)]
struct Severities {
    page: Option<(String, String)>,
    ticket: Option<(String, String)>,
    windows: Option<Windows>,
    /// Own alert names, with the first SLO that took each (others share it).
    alert_names: BTreeMap<String, String>,
}

struct Importer<'a> {
    source: &'a SourceFile,
    plugins: &'a BTreeMap<String, PluginSli>,
    errors: Vec<Diagnostic>,
}

impl Importer<'_> {
    fn error(
        &mut self,
        code: &'static str,
        message: String,
        help: Option<&str>,
        span: Range<usize>,
    ) {
        self.errors.push(problem(
            code,
            message,
            help.map(str::to_owned),
            &self.source.path,
            span,
        ));
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.source.line_column(span.start).0
    }
}

/// A shared SLI standing for a Sloth SLI plugin: its name and parameters.
#[derive(Clone, Debug)]
pub(crate) struct PluginSli {
    /// The shared SLI's name.
    pub name: String,
    /// Its parameters.
    pub params: Vec<String>,
}

/// Imports Sloth spec files. `plugins` maps SLI plugin IDs to the shared
/// SLIs that stand for them; `library` is the text of the file that
/// defines those (copied into the settings written).
pub(crate) fn import(
    sources: &[SourceFile],
    plugins: &BTreeMap<String, PluginSli>,
    library: Option<&SourceFile>,
) -> Result<Import, Vec<Diagnostic>> {
    let mut services: Vec<Service> = Vec::new();
    let mut severities = Severities::default();
    let mut errors = Vec::new();
    for source in sources {
        let mut importer = Importer {
            source,
            plugins,
            errors: Vec::new(),
        };
        let documents: Vec<Document> = match serde_saphyr::from_multiple(&source.text) {
            Ok(documents) => documents,
            Err(error) => {
                let span = error.location().map_or(0..0, |location| span_of(&location));
                let message = error.to_string();
                let first = message.lines().next().unwrap_or("").to_owned();
                importer.error(
                    code::YAML,
                    format!("not a Sloth spec: {first}"),
                    Some("slogen reads Sloth's `prometheus/v1` fields and the `PrometheusServiceLevel` object's; the first wrong field stops the file"),
                    span,
                );
                errors.extend(importer.errors);
                continue;
            }
        };
        for document in documents {
            if let Some(service) = importer.document(document, &mut severities) {
                services.push(service);
            }
        }
        errors.extend(importer.errors);
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for service in &services {
        if let Some(first) = seen.insert(service.name.clone(), service.source.clone()) {
            errors.push(Diagnostic::general(crate::diagnostic::Problem::Import {
                code: code::CONFLICT,
                message: format!(
                    "service `{}` is declared in {first} and again in {} (line {})",
                    service.name, service.source, service.line
                ),
                help: Some("slogen keeps one file per service: merge the two".to_owned()),
            }));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(write(&services, &severities, library))
}

/// Sloth names allow capitals, `_` and `.`; slogen's are `[a-z0-9-]`.
fn slogen_name(name: &str) -> String {
    let mut converted: String = name
        .chars()
        .map(|character| match character {
            'A'..='Z' => character.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' => character,
            _ => '-',
        })
        .collect();
    while converted.contains("--") {
        converted = converted.replace("--", "-");
    }
    converted.trim_matches('-').to_owned()
}

impl Importer<'_> {
    fn document(&mut self, document: Document, severities: &mut Severities) -> Option<Service> {
        let body = match (&document.version, &document.api_version, &document.kind) {
            (Some(version), None, None) => {
                if version.value != "prometheus/v1" {
                    self.error(
                        code::UNKNOWN_DOCUMENT,
                        format!("Sloth spec version `{}` is not read", version.value),
                        Some("slogen reads `prometheus/v1` and `sloth.slok.dev/v1` `PrometheusServiceLevel`"),
                        place(version),
                    );
                    return None;
                }
                let Some(service) = document.service else {
                    self.error(
                        code::YAML,
                        "a `prometheus/v1` spec without `service`".to_owned(),
                        Some("name the service: `service: myservice`"),
                        place(version),
                    );
                    return None;
                };
                Body {
                    service,
                    labels: document.labels,
                    slo_plugins: document.slo_plugins,
                    slos: document.slos,
                }
            }
            (None, Some(api), Some(kind))
                if api.value == "sloth.slok.dev/v1" && kind.value == "AlertWindows" =>
            {
                self.alert_windows(kind, document.spec, severities);
                return None;
            }
            (None, Some(api), Some(kind)) => {
                if api.value != "sloth.slok.dev/v1" || kind.value != "PrometheusServiceLevel" {
                    self.error(
                        code::UNKNOWN_DOCUMENT,
                        format!("`{}` `{}` is not a Sloth service level", api.value, kind.value),
                        Some("slogen imports Sloth's `PrometheusServiceLevel`; OpenSLO files with `slogen import openslo`"),
                        place(kind),
                    );
                    return None;
                }
                let spec = document.spec?;
                let Some(service) = spec.service else {
                    self.error(
                        code::YAML,
                        "a `PrometheusServiceLevel` without `spec.service`".to_owned(),
                        Some("name the service: `service: myservice`"),
                        place(kind),
                    );
                    return None;
                };
                Body {
                    service,
                    labels: spec.labels,
                    slo_plugins: spec.slo_plugins,
                    slos: spec.slos,
                }
            }
            _ => {
                self.error(
                    code::UNKNOWN_DOCUMENT,
                    "a document with neither `version: prometheus/v1` nor `kind: PrometheusServiceLevel`".to_owned(),
                    Some("each YAML document is one Sloth spec"),
                    0..0,
                );
                return None;
            }
        };
        self.service(body, severities)
    }

    /// An `AlertWindows` object: the period and windows of every imported
    /// SLO (Sloth picks them by period; one set per import here).
    fn alert_windows(
        &mut self,
        kind: &Spanned<String>,
        spec: Option<KubeSpec>,
        severities: &mut Severities,
    ) {
        let source = self.source.path.display().to_string();
        if let Some(first) = &severities.windows {
            self.error(
                code::CONFLICT,
                format!("a second `AlertWindows`; the first is in {}", first.source),
                Some("slogen sets one period and one set of windows for the imported specs; import the SLOs of each period separately"),
                place(kind),
            );
            return;
        }
        let Some(KubeSpec {
            slo_period: Some(period),
            page: Some(page),
            ticket: Some(ticket),
            ..
        }) = spec
        else {
            self.error(
                code::YAML,
                "an `AlertWindows` needs `spec.sloPeriod`, `spec.page` and `spec.ticket`"
                    .to_owned(),
                None,
                place(kind),
            );
            return;
        };
        let mut windows = Vec::new();
        for (severity, pair) in [("page", &page), ("ticket", &ticket)] {
            for window in [&pair.quick, &pair.slow] {
                windows.push((
                    severity,
                    window.long_window.clone(),
                    window.short_window.clone(),
                    window.error_budget_percent,
                ));
            }
        }
        severities.windows = Some(Windows {
            period: period.value.clone(),
            windows,
            source,
        });
    }

    fn service(&mut self, body: Body, severities: &mut Severities) -> Option<Service> {
        let sloth_name = body.service.value.clone();
        let name = slogen_name(&sloth_name);
        let span = place(&body.service);
        if name.is_empty() {
            self.error(
                code::UNSUPPORTED,
                format!("service name `{sloth_name}` has no letter or digit"),
                Some("rename the service"),
                span.clone(),
            );
            return None;
        }
        let mut labels = body.labels.clone();
        let (team, team_note) = match (labels.remove("team"), labels.get("owner")) {
            (Some(team), _) => (
                team,
                "from the `team` label (slogen sets `team` on every alert)".to_owned(),
            ),
            (None, Some(owner)) => (owner.clone(), "from the `owner` label".to_owned()),
            (None, None) => (
                name.clone(),
                "the service's name: Sloth specs name no owner; set the team that owns it"
                    .to_owned(),
            ),
        };
        let team = {
            let converted = slogen_name(&team);
            if converted.is_empty() {
                name.clone()
            } else {
                converted
            }
        };
        let mut service_differences = Vec::new();
        if name != sloth_name {
            service_differences.push(format!(
                "service `{sloth_name}` is named `{name}` (slogen names are lower case, digits and `-`); `sloth_service` changes with it"
            ));
        }
        for label in ["severity", "alertname"] {
            if labels.remove(label).is_some() {
                self.error(
                    code::UNSUPPORTED,
                    format!("service label `{label}` is set by slogen"),
                    Some("remove it; severities are `[severity]` in the settings"),
                    span.clone(),
                );
            }
        }
        if let Some(plugins) = &body.slo_plugins {
            service_differences.push(format!(
                "the service's SLO plugins ({}) are not run: slogen has no SLO plugins",
                plugin_ids(&plugins.value)
            ));
        }
        let line = self.line(&span);
        let slos = body
            .slos
            .iter()
            .filter_map(|slo| self.slo(&name, slo, severities, &service_differences))
            .collect::<Vec<_>>();
        if body.slos.is_empty() {
            self.error(
                code::UNSUPPORTED,
                format!("service `{sloth_name}` has no SLOs"),
                Some("a slogen service file holds at least one `[[slo]]`"),
                span,
            );
            return None;
        }
        Some(Service {
            name,
            source: self.source.path.display().to_string(),
            line,
            team,
            team_note,
            labels,
            slos,
        })
    }

    fn query(&mut self, field: &str, query: &Spanned<String>) -> String {
        let text = query.value.trim_end().to_owned();
        let converted = window_placeholders(&text);
        if converted.replace("{{window}}", "").contains("{{") {
            self.error(
                code::UNSUPPORTED,
                format!("`{field}` uses a Go template other than `{{{{.window}}}}`"),
                Some("slogen fills only the window (`{{window}}`); write the rest out"),
                place(query),
            );
        }
        converted
    }
}

/// `{{.window}}` (with any spaces) becomes `{{window}}`.
fn window_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(length) = rest[start..].find("}}") else {
            break;
        };
        let inside = rest[start + 2..start + length].trim();
        out.push_str(&rest[..start]);
        if inside == ".window" {
            out.push_str("{{window}}");
        } else {
            out.push_str(&rest[start..start + length + 2]);
        }
        rest = &rest[start + length + 2..];
    }
    out.push_str(rest);
    out
}

fn plugin_ids(value: &serde_json::Value) -> String {
    let ids: Vec<String> = value
        .get("chain")
        .and_then(serde_json::Value::as_array)
        .map(|chain| {
            chain
                .iter()
                .filter_map(|plugin| plugin.get("id")?.as_str().map(|id| format!("`{id}`")))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        "none listed".to_owned()
    } else {
        ids.join(", ")
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn write(services: &[Service], severities: &Severities, library: Option<&SourceFile>) -> Import {
    let mut files = Vec::new();
    let mut settings = String::from(
        "# Imported from Sloth by `slogen import sloth`.\n\n\
         # Sloth's label names and values on the recorded series, and\n\
         # `sloth_slo_info`, so Sloth's Grafana dashboards keep working.\n\
         [compatibility]\nsloth = true\n",
    );
    let windows_note = match &severities.windows {
        None => "burn rates and thresholds are the same (30d: page 14.4x over 1h and 5m, 6x over 6h and 30m; ticket 3x over 1d and 2h, 1x over 3d and 6h)".to_owned(),
        Some(windows) => format!(
            "the period ({}) and windows are the AlertWindows' in {}: the same budget shares, so the same burn rates and thresholds",
            windows.period, windows.source
        ),
    };
    if let Some(windows) = &severities.windows {
        settings.push_str(&format!(
            "\n# Sloth's AlertWindows (from {}): the period and, per window, the\n# percent of the error budget spent when it fires.\n[defaults]\nperiod = {}\n",
            windows.source,
            toml_string(&windows.period)
        ));
        for (severity, long, short, budget) in &windows.windows {
            settings.push_str(&format!(
                "\n[[window]]\nseverity = \"{severity}\"\nlong = {}\nshort = {}\nbudget = {}\n",
                toml_string(long),
                toml_string(short),
                super::toml_text::number(*budget)
            ));
        }
    }
    if severities.page.is_some() || severities.ticket.is_some() {
        settings.push_str(
            "\n# The `severity` label values the Sloth specs set on their alerts.\n[severity]\n",
        );
        for (which, value) in [("page", &severities.page), ("ticket", &severities.ticket)] {
            if let Some((value, _)) = value {
                settings.push_str(&format!("{which} = {}\n", toml_string(value)));
            }
        }
    }
    if let Some(library) = library {
        settings.push_str(&format!(
            "\n# Shared SLIs, from {}.\n{}",
            library.path.display(),
            library.text
        ));
        if !settings.ends_with('\n') {
            settings.push('\n');
        }
    }
    files.push(("slogen.toml".to_owned(), settings));
    let mut report = String::new();
    for service in services {
        let mut text = comment(&format!(
            "Imported from {} (line {}) by `slogen import sloth`.",
            service.source, service.line
        ));
        text.push_str("[service]\n");
        text.push_str(&format!("name = {}\n", toml_string(&service.name)));
        text.push_str(&comment(&format!("Team: {}.", service.team_note)));
        text.push_str(&format!("team = {}\n", toml_string(&service.team)));
        if !service.labels.is_empty() {
            text.push_str(&format!("labels = {}\n", inline(&service.labels)));
        }
        for slo in &service.slos {
            text.push_str(&slo.text);
            let _ = writeln!(
                report,
                "{}/{} ({}:{})",
                service.name, slo.name, service.source, slo.line
            );
            for difference in &slo.differences {
                let difference = difference.replace("{WINDOWS}", &windows_note);
                let _ = writeln!(report, "  - {difference}");
            }
        }
        files.push((format!("{}.toml", service.name), text));
    }
    Import { files, report }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_placeholders_become_slogen_ones() {
        assert_eq!(
            window_placeholders("rate(x[{{.window}}]) / rate(y[{{ .window }}])"),
            "rate(x[{{window}}]) / rate(y[{{window}}])"
        );
        assert_eq!(window_placeholders("{{.other}}"), "{{.other}}");
    }

    #[test]
    fn sloth_names_become_slogen_names() {
        assert_eq!(slogen_name("MyService_v2.api"), "myservice-v2-api");
        assert_eq!(
            slogen_name("requests-availability"),
            "requests-availability"
        );
    }

    #[test]
    fn multi_document_yaml_keeps_places() {
        let text = "version: prometheus/v1\nservice: a\nslos: []\n---\nversion: prometheus/v1\nservice: b\nslos: []\n";
        let documents: Vec<Document> = serde_saphyr::from_multiple(text).unwrap();
        assert_eq!(documents.len(), 2);
        let service = documents[1].service.as_ref().unwrap();
        assert_eq!(&text[place(service)], "b");
    }
}
