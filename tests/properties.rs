//! Property tests (issue #14): the embedded templates are trusted because
//! the test suite proves their output, not because a build re-proves it.
//!
//! Generated spec directories (a settings file and one to three service
//! files) cover every SLI kind, grouping, period, window setting, alert
//! switch, plain alert and runbook note, with hostile names and text. Each
//! must compile without error, and what it produces must parse: every YAML
//! file, every rule file (`verify::check_rules`), every PromQL expression;
//! labels and plain text must arrive exactly as written; output must be
//! the same on every run. A bounded sample goes to promtool and amtool.
//!
//! The seed is fixed, so CI sees the same cases on every run;
//! `SLOGEN_PROPTEST_CASES` raises the number of cases and
//! `SLOGEN_PROPTEST_SEED` picks other ones. A failure is shrunk to a small
//! spec, printed as its TOML files, and its seed is kept in
//! `proptest-regressions/properties.txt` (commit it: it is replayed first).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::fs;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use serde::Deserialize;

use slogen::Format;
use slogen::SourceFile;
use slogen::Sources;
use slogen::{Compilation, Options};
use slogen::{GeneratedFile, Templates};

use crate::harness::{promtool, promtool_test, tool_available};

// ---------------------------------------------------------------------------
// Configuration

/// The seed of CI's cases.
const SEED: u64 = 0x5105_6e14;

/// Cases of the main property; `SLOGEN_PROPTEST_CASES` raises them.
const CASES: u32 = 64;

fn config(cases: u32) -> Config {
    let seed = std::env::var("SLOGEN_PROPTEST_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(SEED);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        // A case compiles in tens of milliseconds; shrinking a failure
        // should still end in reasonable time.
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

/// `default` cases, or a `share` of `SLOGEN_PROPTEST_CASES` (the main
/// property's count) when that is more.
fn cases(default: u32, share: u32) -> u32 {
    std::env::var("SLOGEN_PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse::<u32>().ok())
        .map_or(default, |cases| default.max(cases / share))
}

// ---------------------------------------------------------------------------
// The model of a spec directory

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;
/// The period burn rates are written for.
const REFERENCE_PERIOD: u64 = 30 * DAY;

/// How a duration is spelled: slogen prints every spelling canonically.
#[derive(Clone, Copy, Debug)]
enum Spelling {
    Canonical,
    Weeks,
    Hours,
    Minutes,
}

#[derive(Clone, Copy, Debug)]
struct Dur {
    seconds: u64,
    spelling: Spelling,
}

impl Dur {
    fn text(self) -> String {
        let seconds = self.seconds;
        match self.spelling {
            Spelling::Weeks if seconds.is_multiple_of(WEEK) => format!("{}w", seconds / WEEK),
            Spelling::Hours if seconds.is_multiple_of(HOUR) => format!("{}h", seconds / HOUR),
            Spelling::Minutes if seconds.is_multiple_of(MINUTE) => format!("{}m", seconds / MINUTE),
            _ => canonical(seconds),
        }
    }
}

/// `1d2h3m4s`, largest unit first.
fn canonical(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut text = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)] {
        if rest >= size {
            write!(text, "{}{unit}", rest / size).unwrap();
            rest %= size;
        }
    }
    text
}

#[derive(Clone, Copy, Debug)]
enum Spend {
    /// Percent of the budget spent when it fires.
    Budget(f64),
    /// Burn rate for a 30-day period.
    BurnRate(f64),
}

#[derive(Clone, Debug)]
struct Window {
    page: bool,
    long: u64,
    short: u64,
    spend: Spend,
    spelling: Spelling,
}

impl Window {
    fn share(&self) -> f64 {
        match self.spend {
            Spend::Budget(percent) => percent / 100.0,
            Spend::BurnRate(rate) => rate * self.long as f64 / REFERENCE_PERIOD as f64,
        }
    }
}

/// The SRE Workbook's windows, slogen's default.
fn workbook() -> Vec<Window> {
    [
        (true, HOUR, 5 * MINUTE, 2.0),
        (true, 6 * HOUR, 30 * MINUTE, 5.0),
        (false, DAY, 2 * HOUR, 10.0),
        (false, 3 * DAY, 6 * HOUR, 10.0),
    ]
    .into_iter()
    .map(|(page, long, short, budget)| Window {
        page,
        long,
        short,
        spend: Spend::Budget(budget),
        spelling: Spelling::Canonical,
    })
    .collect()
}

#[derive(Clone, Debug)]
enum Quote {
    Double,
    Single,
    Backtick,
}

#[derive(Clone, Debug)]
struct Matcher {
    name: &'static str,
    op: &'static str,
    value: String,
    quote: Quote,
}

#[derive(Clone, Debug)]
enum Grouping {
    None,
    By(Vec<&'static str>),
    Without(Vec<&'static str>),
}

#[derive(Clone, Debug)]
struct QueryStyle {
    multiline: bool,
    spaced_placeholder: bool,
}

#[derive(Clone, Debug)]
enum LatencyThreshold {
    Duration(&'static str),
    Number(f64),
}

#[derive(Clone, Debug)]
enum Sli {
    Ratio {
        good: bool,
        increase: bool,
        metric: &'static str,
        matchers: Vec<Matcher>,
        grouping: Grouping,
        style: QueryStyle,
    },
    Latency {
        histogram: &'static str,
        threshold: LatencyThreshold,
        selector: Option<Vec<Matcher>>,
        group_by: Vec<&'static str>,
    },
    Threshold {
        query: String,
        max: bool,
        bound: f64,
    },
    Raw {
        error_ratio: String,
    },
}

#[derive(Clone, Debug, Default)]
struct Alerting {
    page: Option<bool>,
    ticket: Option<bool>,
    no_data: Option<bool>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    windows: Option<Vec<Window>>,
}

#[derive(Clone, Debug, Default)]
struct Notes {
    diagnosis: Option<String>,
    mitigation: Option<String>,
    escalation: Option<String>,
}

#[derive(Clone, Debug)]
struct Slo {
    name: String,
    description: Option<String>,
    objective: f64,
    period: Option<Dur>,
    labels: BTreeMap<String, String>,
    sli: Sli,
    alerting: Option<Alerting>,
    runbook: Option<Notes>,
}

#[derive(Clone, Debug)]
struct Alert {
    name: String,
    expr: String,
    /// The `job` of a testable `up{job=...} == 0` expression.
    job: Option<String>,
    for_duration: Option<Dur>,
    page: bool,
    summary: Option<String>,
    description: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    runbook: Option<Notes>,
    tested: bool,
}

#[derive(Clone, Debug)]
struct Service {
    file: String,
    name: String,
    team: String,
    description: Option<String>,
    labels: BTreeMap<String, String>,
    slos: Vec<Slo>,
    alerts: Vec<Alert>,
}

#[derive(Clone, Debug)]
struct Receiver {
    name: String,
    integration: u8,
}

#[derive(Clone, Debug)]
struct Routing {
    default_receiver: Option<usize>,
    group_by: Option<Vec<&'static str>>,
    timing: Option<(&'static str, &'static str, &'static str)>,
    receivers: Vec<Receiver>,
    /// (index of a service's team, page receiver, ticket receiver)
    teams: Vec<(usize, Option<usize>, Option<usize>)>,
}

#[derive(Clone, Debug, Default)]
struct Settings {
    period: Option<Dur>,
    evaluation_interval: Option<u64>,
    no_data_for: Option<u64>,
    severity: Option<(Option<&'static str>, Option<&'static str>)>,
    windows: Option<Vec<Window>>,
    base_url: Option<&'static str>,
    routing: Option<Routing>,
}

/// A whole spec directory.
#[derive(Clone)]
struct Case {
    settings: Option<Settings>,
    services: Vec<Service>,
}

/// A failing case prints as the files it writes, ready to paste into `slo/`.
impl fmt::Debug for Case {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, text) in self.files() {
            writeln!(formatter, "\n----- slo/{name}\n{text}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Making a generated model valid

impl Case {
    fn evaluation_interval(&self) -> u64 {
        self.settings
            .as_ref()
            .and_then(|settings| settings.evaluation_interval)
            .unwrap_or(MINUTE)
    }

    fn default_period(&self) -> u64 {
        self.settings
            .as_ref()
            .and_then(|settings| settings.period)
            .map_or(30 * DAY, |period| period.seconds)
    }

    fn settings_windows(&self) -> Vec<Window> {
        self.settings
            .as_ref()
            .and_then(|settings| settings.windows.clone())
            .unwrap_or_else(workbook)
    }

    /// Repairs what the strategies cannot see one field at a time: unique
    /// names, windows that fit the evaluation interval, and severities
    /// whose alerts could never fire (switched off, as a user must).
    fn repair(mut self) -> Self {
        let interval = self.evaluation_interval();
        if let Some(settings) = &mut self.settings {
            settings.windows = settings
                .windows
                .take()
                .map(|windows| usable_windows(windows, interval))
                .filter(|windows| !windows.is_empty());
        }
        let mut files = BTreeSet::new();
        let mut services = BTreeSet::new();
        for service in &mut self.services {
            // Service labels go on plain alerts, where they are templates.
            if !service.alerts.is_empty() {
                for value in service.labels.values_mut() {
                    *value = without_actions(value);
                }
            }
            service.file = unique(&service.file, &mut files, |file, n| {
                format!("{}-{n}.toml", file.trim_end_matches(".toml"))
            });
            service.name = unique(&service.name, &mut services, numbered);
        }
        // Rule groups and alert names, generated ones included, are unique
        // across the project.
        let alert_groups: BTreeSet<String> = self
            .services
            .iter()
            .map(|service| format!("{}-alerts", service.name))
            .collect();
        let mut groups = alert_groups.clone();
        let mut alert_names = BTreeSet::new();
        let default_period = self.default_period();
        let settings_windows = self.settings_windows();
        for service in &mut self.services {
            let mut slo_names = BTreeSet::new();
            for slo in &mut service.slos {
                let mut n = 2;
                loop {
                    let group = format!("{}-{}", service.name, slo.name);
                    let camel = camel_case(&[&service.name, &slo.name]);
                    if !slo_names.contains(&slo.name)
                        && !groups.contains(&group)
                        && !alert_names.contains(&format!("{camel}BudgetBurn"))
                    {
                        slo_names.insert(slo.name.clone());
                        groups.insert(group);
                        alert_names.insert(format!("{camel}BudgetBurn"));
                        alert_names.insert(format!("{camel}NoData"));
                        break;
                    }
                    slo.name = numbered(&slo.name, n);
                    n += 1;
                }
                // Threshold SLIs above 99.95% take seconds to gigabytes to
                // plan tests for (`a_threshold_slo_at_four_nines_compiles_quickly`).
                if matches!(slo.sli, Sli::Threshold { .. }) {
                    slo.objective = slo.objective.min(99.95);
                }
                repair_alerting(slo, default_period, &settings_windows, interval);
            }
        }
        for service in &mut self.services {
            for alert in &mut service.alerts {
                alert.name = unique(&alert.name, &mut alert_names, |name, n| {
                    let keep = name.len().min(90);
                    format!("{}_{n}", &name[..keep])
                });
            }
        }
        if let Some(routing) = self
            .settings
            .as_mut()
            .and_then(|settings| settings.routing.as_mut())
        {
            let mut names = BTreeSet::new();
            for receiver in &mut routing.receivers {
                receiver.name = unique(&receiver.name, &mut names, |name, n| format!("{name} {n}"));
            }
            let count = routing.receivers.len();
            let pick =
                |index: Option<usize>| index.filter(|_| count > 0).map(|index| index % count);
            routing.default_receiver = pick(routing.default_receiver);
            // One route per team (services may share one).
            let services = &self.services;
            let mut teams = BTreeSet::new();
            routing.teams = routing
                .teams
                .iter()
                .map(|(team, page, ticket)| (team % services.len(), pick(*page), pick(*ticket)))
                .filter(|(team, ..)| teams.insert(services[*team].team.clone()))
                .collect();
        }
        self
    }
}

/// `name` if unused, else a numbered variant; records the one chosen.
fn unique(
    name: &str,
    taken: &mut BTreeSet<String>,
    variant: impl Fn(&str, usize) -> String,
) -> String {
    let mut chosen = name.to_owned();
    let mut n = 2;
    while taken.contains(&chosen) {
        chosen = variant(name, n);
        n += 1;
    }
    taken.insert(chosen.clone());
    chosen
}

/// A service or SLO name with a number, still at most 100 characters.
fn numbered(name: &str, n: usize) -> String {
    let keep = name.len().min(90);
    format!("{}-{n}", &name[..keep])
}

/// slogen's alert names: each `-`/`_`-separated word capitalized.
fn camel_case(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|part| part.split(['-', '_']))
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Windows an evaluation interval allows, each pair once.
fn usable_windows(windows: Vec<Window>, interval: u64) -> Vec<Window> {
    let mut pairs = BTreeSet::new();
    windows
        .into_iter()
        .filter(|window| window.short >= 2 * interval && window.short < window.long)
        .filter(|window| pairs.insert((window.long, window.short)))
        .collect()
}

/// Switches off a severity whose windows do not fit the period or whose
/// threshold needs 100% errors or more.
fn repair_alerting(slo: &mut Slo, default_period: u64, settings: &[Window], interval: u64) {
    if let Some(alerting) = &mut slo.alerting {
        alerting.windows = alerting
            .windows
            .take()
            .map(|windows| usable_windows(windows, interval))
            .filter(|windows| !windows.is_empty());
    }
    let period = slo.period.map_or(default_period, |period| period.seconds);
    let windows = slo
        .alerting
        .as_ref()
        .and_then(|alerting| alerting.windows.clone())
        .unwrap_or_else(|| settings.to_vec());
    let budget = 1.0 - slo.objective / 100.0;
    for page in [true, false] {
        let broken = windows
            .iter()
            .filter(|window| window.page == page)
            .any(|window| {
                let burn_rate = window.share() * period as f64 / window.long as f64;
                window.long >= period || burn_rate * budget >= 0.99
            });
        if !broken {
            continue;
        }
        let alerting = slo.alerting.get_or_insert_with(Alerting::default);
        let switch = if page {
            &mut alerting.page
        } else {
            &mut alerting.ticket
        };
        if *switch != Some(false) {
            *switch = Some(false);
        }
    }
}

// ---------------------------------------------------------------------------
// TOML

/// A TOML basic string: every character that needs it escaped.
fn basic(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            control if control.is_control() => {
                write!(quoted, "\\u{:04X}", u32::from(control)).unwrap();
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// A query as people write it: a literal string when it can be one (no
/// escapes to read), a multi-line literal for several lines, else a basic
/// string.
fn literal(text: &str) -> String {
    let plain = |character: char| character == '\t' || !character.is_control();
    if !text.contains('\'') && text.chars().all(plain) {
        return format!("'{text}'");
    }
    if text.contains('\n')
        && !text.contains("'''")
        && !text.ends_with('\'')
        && text
            .chars()
            .all(|character| character == '\n' || plain(character))
    {
        return format!("'''\n{text}'''");
    }
    basic(text)
}

/// A key, bare when it can be.
fn key(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '_' | '-'));
    if bare {
        text.to_owned()
    } else if text.contains('\n') {
        basic(text)
    } else {
        literal(text)
    }
}

fn inline_table(map: &BTreeMap<String, String>) -> String {
    let entries: Vec<String> = map
        .iter()
        .map(|(name, value)| format!("{} = {}", key(name), basic(value)))
        .collect();
    format!("{{ {} }}", entries.join(", "))
}

/// A float as TOML reads it back exactly (integers as integers).
fn number(value: f64) -> String {
    format!("{value}")
}

fn push_line(out: &mut String, name: &str, value: &str) {
    writeln!(out, "{name} = {value}").unwrap();
}

fn push_text(out: &mut String, name: &str, value: Option<&String>) {
    if let Some(value) = value {
        push_line(out, name, &basic(value));
    }
}

fn push_labels(out: &mut String, name: &str, map: &BTreeMap<String, String>) {
    if !map.is_empty() {
        push_line(out, name, &inline_table(map));
    }
}

fn push_windows(out: &mut String, header: &str, windows: &[Window]) {
    for window in windows {
        writeln!(out, "\n[[{header}]]").unwrap();
        let severity = if window.page { "page" } else { "ticket" };
        push_line(out, "severity", &basic(severity));
        let spell = |seconds| {
            Dur {
                seconds,
                spelling: window.spelling,
            }
            .text()
        };
        push_line(out, "long", &basic(&spell(window.long)));
        push_line(out, "short", &basic(&spell(window.short)));
        match window.spend {
            Spend::Budget(percent) => push_line(out, "budget", &number(percent)),
            Spend::BurnRate(rate) => push_line(out, "burn_rate", &number(rate)),
        }
    }
}

fn push_notes(out: &mut String, header: &str, notes: Option<&Notes>) {
    if let Some(notes) = notes {
        writeln!(out, "\n[{header}]").unwrap();
        push_text(out, "diagnosis", notes.diagnosis.as_ref());
        push_text(out, "mitigation", notes.mitigation.as_ref());
        push_text(out, "escalation", notes.escalation.as_ref());
    }
}

/// A PromQL string literal.
fn promql_string(value: &str, quote: &Quote) -> String {
    match quote {
        // Not with a backslash: promql-parser reads escapes in raw strings
        // (see `a_backslash_in_a_raw_string_is_valid_promql`).
        Quote::Backtick if !value.contains(['`', '\\']) => format!("`{value}`"),
        Quote::Single => {
            let mut quoted = String::from("'");
            for character in value.chars() {
                match character {
                    '\\' => quoted.push_str("\\\\"),
                    '\'' => quoted.push_str("\\'"),
                    '\n' => quoted.push_str("\\n"),
                    '\t' => quoted.push_str("\\t"),
                    other => quoted.push(other),
                }
            }
            quoted.push('\'');
            quoted
        }
        _ => promql_double(value),
    }
}

fn promql_double(value: &str) -> String {
    let mut quoted = String::from("\"");
    for character in value.chars() {
        match character {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

fn selector(matchers: &[Matcher]) -> String {
    let inner: Vec<String> = matchers
        .iter()
        .map(|matcher| {
            format!(
                "{}{}{}",
                matcher.name,
                matcher.op,
                promql_string(&matcher.value, &matcher.quote)
            )
        })
        .collect();
    format!("{{{}}}", inner.join(", "))
}

impl Sli {
    /// `(kind, [(key, query)])` as written in `[slo.sli.<kind>]`.
    fn queries(&self) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            Self::Ratio {
                good,
                increase,
                metric,
                matchers,
                grouping,
                style,
            } => {
                let mut bad = matchers.clone();
                bad.push(Matcher {
                    name: "code",
                    op: if *good { "!~" } else { "=~" },
                    value: "5..".to_owned(),
                    quote: Quote::Double,
                });
                let function = if *increase { "increase" } else { "rate" };
                let query = |matchers: &[Matcher], reversed: bool| {
                    let grouping = match grouping {
                        Grouping::None => String::new(),
                        Grouping::By(labels) | Grouping::Without(labels) => {
                            let mut labels = labels.clone();
                            if reversed {
                                labels.reverse();
                            }
                            let word = if matches!(grouping, Grouping::By(_)) {
                                "by"
                            } else {
                                "without"
                            };
                            format!(" {word} ({})", labels.join(", "))
                        }
                    };
                    let window = if style.spaced_placeholder {
                        "{{ window }}"
                    } else {
                        "{{window}}"
                    };
                    let selector = selector(matchers);
                    if style.multiline {
                        format!(
                            "sum{grouping} (\n  # per-second {function}s; {{{{ and }}}} in a comment\n  {function}({metric}{selector}[{window}])\n)"
                        )
                    } else {
                        format!("sum{grouping} ({function}({metric}{selector}[{window}]))")
                    }
                };
                let first = if *good { "good" } else { "errors" };
                (
                    "ratio",
                    vec![
                        (first, query(&bad, true)),
                        ("total", query(matchers, false)),
                    ],
                )
            }
            Self::Latency { .. } => ("latency", Vec::new()),
            Self::Threshold { query, .. } => ("threshold", vec![("query", query.clone())]),
            Self::Raw { error_ratio } => ("raw", vec![("error_ratio", error_ratio.clone())]),
        }
    }
}

impl Service {
    fn toml(&self, interval: u64) -> String {
        let mut out = String::from("[service]\n");
        push_line(&mut out, "name", &basic(&self.name));
        push_line(&mut out, "team", &basic(&self.team));
        push_text(&mut out, "description", self.description.as_ref());
        push_labels(&mut out, "labels", &self.labels);
        for slo in &self.slos {
            out.push_str("\n[[slo]]\n");
            push_line(&mut out, "name", &basic(&slo.name));
            push_text(&mut out, "description", slo.description.as_ref());
            push_line(&mut out, "objective", &number(slo.objective));
            if let Some(period) = slo.period {
                push_line(&mut out, "period", &basic(&period.text()));
            }
            push_labels(&mut out, "labels", &slo.labels);
            let (kind, queries) = slo.sli.queries();
            writeln!(out, "\n[slo.sli.{kind}]").unwrap();
            for (name, query) in queries {
                push_line(&mut out, name, &literal(&query));
            }
            match &slo.sli {
                Sli::Latency {
                    histogram,
                    threshold,
                    selector: matchers,
                    group_by,
                } => {
                    push_line(&mut out, "histogram", &basic(histogram));
                    let threshold = match threshold {
                        LatencyThreshold::Duration(text) => basic(text),
                        LatencyThreshold::Number(value) => number(*value),
                    };
                    push_line(&mut out, "threshold", &threshold);
                    if let Some(matchers) = matchers {
                        push_line(&mut out, "selector", &literal(&selector(matchers)));
                    }
                    if !group_by.is_empty() {
                        let labels: Vec<String> =
                            group_by.iter().map(|label| basic(label)).collect();
                        push_line(&mut out, "group_by", &format!("[{}]", labels.join(", ")));
                    }
                }
                Sli::Threshold { max, bound, .. } => {
                    push_line(&mut out, if *max { "max" } else { "min" }, &number(*bound));
                }
                Sli::Ratio { .. } | Sli::Raw { .. } => {}
            }
            if let Some(alerting) = &slo.alerting {
                out.push_str("\n[slo.alerting]\n");
                for (name, switch) in [
                    ("page", alerting.page),
                    ("ticket", alerting.ticket),
                    ("no_data", alerting.no_data),
                ] {
                    if let Some(switch) = switch {
                        push_line(&mut out, name, &switch.to_string());
                    }
                }
                push_labels(&mut out, "labels", &alerting.labels);
                push_labels(&mut out, "annotations", &alerting.annotations);
                if let Some(windows) = &alerting.windows {
                    push_windows(&mut out, "slo.alerting.window", windows);
                }
            }
            push_notes(&mut out, "slo.runbook", slo.runbook.as_ref());
        }
        for alert in &self.alerts {
            out.push_str("\n[[alert]]\n");
            push_line(&mut out, "name", &basic(&alert.name));
            push_line(&mut out, "expr", &literal(&alert.expr));
            if let Some(duration) = alert.for_duration {
                push_line(&mut out, "for", &basic(&duration.text()));
            }
            let severity = if alert.page { "page" } else { "ticket" };
            push_line(&mut out, "severity", &basic(severity));
            push_text(&mut out, "summary", alert.summary.as_ref());
            push_text(&mut out, "description", alert.description.as_ref());
            push_labels(&mut out, "labels", &alert.labels);
            push_labels(&mut out, "annotations", &alert.annotations);
            push_notes(&mut out, "alert.runbook", alert.runbook.as_ref());
            if let (true, Some(job)) = (alert.tested, &alert.job) {
                for (at, firing, values) in alert.tests(interval) {
                    out.push_str("\n[[alert.test]]\n");
                    let series = format!("up{{job={},instance=\"i-1:80\"}}", promql_double(job));
                    push_line(
                        &mut out,
                        "series",
                        &format!("{{ {} = {} }}", literal(&series), basic(&values)),
                    );
                    push_line(&mut out, "at", &basic(&at));
                    push_line(&mut out, "firing", &firing.to_string());
                    if firing {
                        let labels = BTreeMap::from([
                            ("instance".to_owned(), "i-1:80".to_owned()),
                            ("job".to_owned(), job.clone()),
                        ]);
                        push_labels(&mut out, "labels", &labels);
                    }
                }
            }
        }
        out
    }
}

impl Alert {
    /// `[[alert.test]]` cases as (at, firing, values): the series is 1, then
    /// 0 from the first evaluation on, so the alert is active from then and
    /// fires once its `for` has passed.
    fn tests(&self, interval: u64) -> Vec<(String, bool, String)> {
        let hold = self.for_duration.map_or(0, |duration| duration.seconds);
        let at = interval + hold + interval;
        let values = format!("1 0x{}", at / interval + 2);
        let mut tests = vec![(canonical(at), true, values.clone())];
        if hold > 0 {
            tests.push((canonical(interval), false, values));
        }
        tests
    }
}

impl Settings {
    fn toml(&self, services: &[Service]) -> String {
        let mut out = String::new();
        if self.period.is_some() || self.evaluation_interval.is_some() || self.no_data_for.is_some()
        {
            out.push_str("[defaults]\n");
            if let Some(period) = self.period {
                push_line(&mut out, "period", &basic(&period.text()));
            }
            if let Some(interval) = self.evaluation_interval {
                push_line(
                    &mut out,
                    "evaluation_interval",
                    &basic(&canonical(interval)),
                );
            }
            if let Some(duration) = self.no_data_for {
                push_line(&mut out, "no_data_for", &basic(&canonical(duration)));
            }
        }
        if let Some((page, ticket)) = self.severity {
            out.push_str("\n[severity]\n");
            if let Some(page) = page {
                push_line(&mut out, "page", &basic(page));
            }
            if let Some(ticket) = ticket {
                push_line(&mut out, "ticket", &basic(ticket));
            }
        }
        if let Some(windows) = &self.windows {
            push_windows(&mut out, "window", windows);
        }
        if let Some(url) = self.base_url {
            out.push_str("\n[runbooks]\n");
            push_line(&mut out, "base_url", &basic(url));
        }
        if let Some(routing) = &self.routing {
            out.push_str("\n[alertmanager]\n");
            if let Some(index) = routing.default_receiver {
                push_line(
                    &mut out,
                    "default_receiver",
                    &basic(&routing.receivers[index].name),
                );
            }
            if let Some(labels) = &routing.group_by {
                let labels: Vec<String> = labels.iter().map(|label| basic(label)).collect();
                push_line(&mut out, "group_by", &format!("[{}]", labels.join(", ")));
            }
            if let Some((wait, interval, repeat)) = routing.timing {
                push_line(&mut out, "group_wait", &basic(wait));
                push_line(&mut out, "group_interval", &basic(interval));
                push_line(&mut out, "repeat_interval", &basic(repeat));
            }
            out.push_str("\n[alertmanager.global]\nresolve_timeout = \"5m\"\n");
            for receiver in &routing.receivers {
                out.push_str("\n[[alertmanager.receiver]]\n");
                push_line(&mut out, "name", &basic(&receiver.name));
                let integration = match receiver.integration % 4 {
                    0 => "",
                    1 => {
                        "webhook_configs = [{ url = \"http://127.0.0.1:5001/slo\", send_resolved = true }]"
                    }
                    2 => {
                        "slack_configs = [{ api_url_file = \"/etc/alertmanager/secrets/slack\", channel = \"#alerts: ü\" }]"
                    }
                    _ => "pagerduty_configs = [{ routing_key = \"<pagerduty routing key>\" }]",
                };
                if !integration.is_empty() {
                    writeln!(out, "{integration}").unwrap();
                }
            }
            for (team, page, ticket) in &routing.teams {
                out.push_str("\n[[alertmanager.team]]\n");
                push_line(&mut out, "name", &basic(&services[*team].team));
                if let Some(page) = page {
                    push_line(&mut out, "page", &basic(&routing.receivers[*page].name));
                }
                if let Some(ticket) = ticket {
                    push_line(&mut out, "ticket", &basic(&routing.receivers[*ticket].name));
                }
            }
        }
        out
    }
}

impl Case {
    /// `(file name, text)`, the settings file first.
    fn files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        if let Some(settings) = &self.settings {
            files.push(("slogen.toml".to_owned(), settings.toml(&self.services)));
        }
        for service in &self.services {
            files.push((
                service.file.clone(),
                service.toml(self.evaluation_interval()),
            ));
        }
        files
    }

    fn sources(&self) -> Sources {
        let mut sources = Sources::default();
        let mut services = Vec::new();
        for (name, text) in self.files() {
            let source = SourceFile::new(format!("slo/{name}"), text);
            if name == "slogen.toml" {
                sources.settings = Some(source);
            } else {
                services.push(source);
            }
        }
        services.sort_by(|left, right| left.name.cmp(&right.name));
        sources.services = services;
        sources
    }
}

// ---------------------------------------------------------------------------
// Strategies

/// Hostile but valid text: Markdown, HTML, YAML, Jinja and Go template
/// syntax, quotes, backslashes, unicode, and words YAML reads as other types.
const FRAGMENTS: &[&str] = &[
    "{{",
    "}}",
    "{{ $value }}",
    "{{ end }}",
    "{%",
    "%}",
    "{#",
    "\"",
    "'",
    "\\",
    "\\n",
    "#",
    "# not a heading",
    "-->",
    "<!--",
    "<b>",
    "</script>",
    ": ",
    "- ",
    "&",
    "&amp;",
    "&copy;",
    "*",
    "**",
    "_x_",
    "!",
    "%",
    "@",
    "`",
    "```",
    "|",
    "[x](http://example.invalid)",
    "~",
    "~~",
    " ",
    "  leading",
    "yes",
    "no",
    "null",
    "true",
    "0x1F",
    "1e3",
    "012",
    ".inf",
    "日本語",
    "émoji 🚀",
    "\u{200b}",
    "\u{feff}",
    "\t",
    "\n",
    "\n\n",
    "\n    indented",
    "\n1. item",
    "\n> quote",
    "\n- item",
    "\n===",
    "$labels",
    "%s",
    "${x}",
];

/// Control characters TOML carries only escaped.
const CONTROLS: &[&str] = &[
    "\r",
    "\r# not a heading",
    "\r\n- item",
    "\u{7}",
    "\u{1b}[31m",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
];

fn fragment() -> BoxedStrategy<String> {
    prop_oneof![
        8 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        4 => "[a-zA-Z0-9 .,]{1,12}",
        2 => "\\PC{1,8}",
        1 => prop::sample::select(CONTROLS).prop_map(str::to_owned),
    ]
    .boxed()
}

/// Plain text: a description or a label value.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        12 => prop::collection::vec(fragment(), 1..8).prop_map(|pieces| pieces.concat()),
        1 => "[a-zA-Z ]{1000,2000}",
    ]
    .boxed()
}

/// Actions Prometheus (2.42) accepts in alert templates.
const ACTIONS: &[&str] = &[
    "{{ $labels.instance }}",
    "{{ $labels.job }}",
    "{{ $value }}",
    "{{ $value | humanize }}",
    "{{ $value | humanizePercentage }}",
    "{{ printf \"%.2f\" $value }}",
    "{{ if gt $value 0.5 }}high{{ else }}low{{ end }}",
    "{{ range $key, $v := $labels }}{{ $key }}={{ $v }}, {{ end }}",
    "{{/* a comment with {{ and }} */}}",
    "{{- $labels.job -}}",
    "{{ \"{{\" }}",
    "{{ `raw \"text\"` }}",
    "{{ $externalURL }}",
    "{{ with $labels.instance }}{{ . }}{{ end }}",
    "{{ $x := 1 }}{{ $x }}",
    "{{ index $labels \"job\" }}",
    "{{ reReplaceAll \"-\" \"_\" $labels.job }}",
    "{{ toUpper \"é\" }}",
    "{{ 'c' }}",
];

/// Text with no `{{` of its own, which may stand before an action.
fn without_actions(text: &str) -> String {
    let mut plain = text.to_owned();
    while plain.contains("{{") {
        plain = plain.replace("{{", "{ {");
    }
    if plain.ends_with('{') {
        plain.push(' ');
    }
    plain
}

/// Text that is a valid Prometheus template: plain text with no `{{` of
/// its own, and valid actions.
fn template() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        3 => text().prop_map(|text| without_actions(&text)),
        2 => prop::sample::select(ACTIONS).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 1..5)
        .prop_map(|pieces| pieces.concat())
        .boxed()
}

fn name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "api", "checkout", "search", "a", "0", "9-lives", "x-", "a--b", "payments-eu-1", "alerts",
        ])
        .prop_map(str::to_owned),
        3 => "[a-z0-9][a-z0-9-]{0,24}",
        1 => "[a-z0-9][a-z0-9-]{99}",
    ]
    .boxed()
}

fn team() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec!["platform", "ops", "0", "team-a", "x--y-"]).prop_map(str::to_owned),
        1 => "[a-z0-9][a-z0-9-]{0,99}",
    ]
    .boxed()
}

/// Label names of users; never those slogen sets, nor those queries group
/// by, nor `job` and `instance` (alert tests expect them).
const LABEL_NAMES: &[&str] = &[
    "tier",
    "env",
    "owner",
    "kind",
    "component",
    "x_y",
    "_under",
    "A1",
    "channel",
];

/// Labels queries group by.
const GROUP_LABELS: &[&str] = &["endpoint", "method", "route", "region", "Le_x"];

fn labels(value: BoxedStrategy<String>) -> BoxedStrategy<BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(LABEL_NAMES).prop_map(str::to_owned),
        value,
        0..3,
    )
    .boxed()
}

fn annotations() -> BoxedStrategy<BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(vec![
            "dashboard",
            "playbook",
            "summary",
            "description",
            "runbook_url",
            "note_1",
            "_x",
        ])
        .prop_map(str::to_owned),
        template(),
        0..3,
    )
    .boxed()
}

/// Label values for matchers: quotes, backslashes, braces, unicode, YAML words.
const VALUES: &[&str] = &[
    "checkout",
    "a\"b",
    "back\\slash",
    "it's",
    "日本",
    "{{x}}",
    "a b: c",
    "```",
    "#x",
    "-->",
    "<b>",
    "yes",
    "null",
    "~",
    "1.0",
    "tab\there",
    "new\nline",
];

/// RE2 regexes Prometheus reads as slogen does.
const REGEXES: &[&str] = &[
    "2..|3..",
    "/api/(v1|v2)/.*",
    "(?i)get|post",
    ".+",
    "a\\.b",
    "[a-z]+",
    "x{1,3}",
    "é|ü",
    "\\d+",
];

fn matcher() -> BoxedStrategy<Matcher> {
    let quote = prop_oneof![
        3 => Just(Quote::Double),
        1 => Just(Quote::Single),
        1 => Just(Quote::Backtick),
    ];
    let name = prop::sample::select(vec!["job", "path", "msg", "env_name", "Zone"]);
    prop_oneof![
        (
            name.clone(),
            prop::sample::select(vec!["=", "!="]),
            prop::sample::select(VALUES),
            quote.clone()
        )
            .prop_map(|(name, op, value, quote)| Matcher {
                name,
                op,
                value: value.to_owned(),
                quote
            }),
        (
            name,
            prop::sample::select(vec!["=~", "!~"]),
            prop::sample::select(REGEXES),
            quote
        )
            .prop_map(|(name, op, value, quote)| Matcher {
                name,
                op,
                value: value.to_owned(),
                quote
            }),
    ]
    .boxed()
}

/// Distinct matchers (one per label name and operator).
fn matchers() -> BoxedStrategy<Vec<Matcher>> {
    prop::collection::vec(matcher(), 0..3)
        .prop_map(|matchers| {
            let mut seen = BTreeSet::new();
            matchers
                .into_iter()
                .filter(|matcher| seen.insert((matcher.name, matcher.op)))
                .collect()
        })
        .boxed()
}

fn group_labels() -> BoxedStrategy<Vec<&'static str>> {
    prop::sample::subsequence(GROUP_LABELS, 1..3).boxed()
}

fn ratio() -> BoxedStrategy<Sli> {
    let grouping = prop_oneof![
        2 => Just(Grouping::None),
        2 => group_labels().prop_map(Grouping::By),
        1 => group_labels().prop_map(Grouping::Without),
    ];
    (
        any::<bool>(),
        prop::bool::weighted(0.25),
        prop::sample::select(vec!["http_requests_total", "rpc:calls:total", "_x", "A_b"]),
        matchers(),
        grouping,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(good, increase, metric, matchers, grouping, multiline, spaced)| Sli::Ratio {
                good,
                increase,
                metric,
                matchers,
                grouping,
                style: QueryStyle {
                    multiline,
                    spaced_placeholder: spaced,
                },
            },
        )
        .boxed()
}

fn latency() -> BoxedStrategy<Sli> {
    let threshold = prop_oneof![
        prop::sample::select(vec!["100ms", "250ms", "1s", "2s", "1s500ms", "1m", "5ms"])
            .prop_map(LatencyThreshold::Duration),
        prop::sample::select(vec![0.1, 0.25, 1.0, 2.5, 10.0, 0.005, 300.0, 1e-4])
            .prop_map(LatencyThreshold::Number),
    ];
    (
        prop::sample::select(vec![
            "http_request_duration_seconds",
            "rpc:latency",
            "db_query_seconds",
            "a",
            "x_bucket_total",
        ]),
        threshold,
        prop::option::of(matchers()),
        prop_oneof![Just(Vec::new()), group_labels()],
    )
        .prop_map(|(histogram, threshold, selector, group_by)| Sli::Latency {
            histogram,
            threshold,
            selector,
            group_by,
        })
        .boxed()
}

fn threshold() -> BoxedStrategy<Sli> {
    let query = (
        prop::sample::select(vec![
            "max(queue_lag_seconds{M})",
            "avg by (region) (db_replication_lag_seconds{M})",
            "min without (instance) (cache_hit_ratio{M})",
            "up{M}",
            "sum(rate(http_requests_total{M}[5m]))",
            "vector(1)",
            "max(\n  # the worst replica\n  lag_seconds{M}\n)",
        ]),
        matchers(),
    )
        .prop_map(|(query, matchers)| query.replace("{M}", &selector(&matchers)));
    (
        query,
        any::<bool>(),
        prop::sample::select(vec![-1.0, 0.0, 0.5, 0.8, 10.0, 30.0, 1e9, 1e-3]),
    )
        .prop_map(|(query, max, bound)| Sli::Threshold { query, max, bound })
        .boxed()
}

fn raw() -> BoxedStrategy<Sli> {
    (
        prop::sample::select(vec![
            "1 - sum(rate(ok_total{M}[{{window}}])) / sum(rate(all_total{M}[{{window}}]))",
            "1 - (\n  sum(rate(ok_total{M}[{{ window }}]))\n  /\n  sum(rate(all_total[{{window}}]))\n)",
            "avg(avg_over_time(error_ratio{M}[{{window}}]))",
            "sum by (route) (rate(e_total{M}[{{window}}])) / sum by (route) (rate(t_total[{{window}}]))",
        ]),
        matchers(),
    )
        .prop_map(|(query, matchers)| Sli::Raw {
            error_ratio: query.replace("{M}", &selector(&matchers)),
        })
        .boxed()
}

fn sli() -> BoxedStrategy<Sli> {
    prop_oneof![3 => ratio(), 2 => latency(), 2 => threshold(), 1 => raw()].boxed()
}

fn spelling() -> BoxedStrategy<Spelling> {
    prop_oneof![
        4 => Just(Spelling::Canonical),
        1 => Just(Spelling::Weeks),
        1 => Just(Spelling::Hours),
        1 => Just(Spelling::Minutes),
    ]
    .boxed()
}

fn period() -> BoxedStrategy<Dur> {
    (
        prop::sample::select(vec![
            7 * DAY,
            28 * DAY,
            30 * DAY,
            14 * DAY,
            90 * DAY,
            42 * DAY,
            2 * DAY,
            DAY,
            12 * HOUR,
        ]),
        spelling(),
    )
        .prop_map(|(seconds, spelling)| Dur { seconds, spelling })
        .boxed()
}

fn window() -> BoxedStrategy<Window> {
    let long = prop::sample::select(vec![
        30 * MINUTE,
        HOUR,
        2 * HOUR,
        6 * HOUR,
        12 * HOUR,
        DAY,
        3 * DAY,
    ]);
    (
        long,
        prop::sample::select(vec![12_u64, 6, 4, 2]),
        any::<bool>(),
        any::<bool>(),
        1..=50_u32,
        spelling(),
    )
        .prop_map(|(long, divisor, page, by_budget, step, spelling)| {
            let spend = if by_budget {
                // 0.5% to 25% of the budget.
                Spend::Budget(f64::from(step) / 2.0)
            } else {
                // Up to half the most a window that long can burn.
                let most = (REFERENCE_PERIOD / long) as f64;
                Spend::BurnRate((most * f64::from(step) / 100.0 * 1000.0).round() / 1000.0)
            };
            Window {
                page,
                long,
                short: long / divisor,
                spend,
                spelling,
            }
        })
        .boxed()
}

fn windows() -> BoxedStrategy<Vec<Window>> {
    prop::collection::vec(window(), 1..4).boxed()
}

fn notes() -> BoxedStrategy<Notes> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(|(diagnosis, mitigation, escalation)| Notes {
            diagnosis,
            mitigation,
            escalation,
        })
        .boxed()
}

fn objective() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => (0_u32..10_000).prop_map(|thousandths| f64::from(90_000 + thousandths) / 1000.0),
        2 => prop::sample::select(vec![90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 99.9999999]),
    ]
    .boxed()
}

fn alerting() -> BoxedStrategy<Alerting> {
    (
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        labels(template()),
        annotations(),
        prop::option::weighted(0.3, windows()),
    )
        .prop_map(
            |(page, ticket, no_data, labels, annotations, windows)| Alerting {
                page,
                ticket,
                no_data,
                labels,
                annotations,
                windows,
            },
        )
        .boxed()
}

fn slo() -> BoxedStrategy<Slo> {
    (
        name(),
        prop::option::of(text()),
        objective(),
        prop::option::of(period()),
        labels(text()),
        sli(),
        prop::option::of(alerting()),
        prop::option::weighted(0.3, notes()),
    )
        .prop_map(
            |(name, description, objective, period, labels, sli, alerting, runbook)| Slo {
                name,
                description,
                objective,
                period,
                labels,
                sli,
                alerting,
                runbook,
            },
        )
        .boxed()
}

/// Alert expressions; `J` is a hostile job, the only ones tested.
const EXPRS: &[&str] = &[
    "up{job=J} == 0",
    "absent(up{job=J})",
    "sum by (instance) (rate(errors_total{path=~\"/api/(v1|v2)/.*\"}[5m])) > 0.5",
    "predict_linear(node_filesystem_avail_bytes{mountpoint=\"/\"}[6h], 4 * 3600)\n  # 'quotes' and {{ braces }} in a comment\n  < 0",
    "up{job=`raw: \"s\"`} == 0",
    "up{job='single'} == 0",
];

fn alert() -> BoxedStrategy<Alert> {
    let for_duration = prop::option::of(
        (
            prop::sample::select(vec![MINUTE, 90, 5 * MINUTE, HOUR + 30 * MINUTE]),
            spelling(),
        )
            .prop_map(|(seconds, spelling)| Dur { seconds, spelling }),
    );
    (
        (
            prop_oneof![
                3 => "[A-Za-z_][A-Za-z0-9_]{0,20}",
                1 => "[A-Za-z_][A-Za-z0-9_]{99}",
            ],
            prop::sample::select(EXPRS),
            prop::sample::select(VALUES),
            for_duration,
            any::<bool>(),
        ),
        (
            prop::option::of(template()),
            prop::option::of(template()),
            labels(template()),
            annotations(),
            prop::option::weighted(0.3, notes()),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (name, expr, job, for_duration, page),
                (summary, description, labels, annotations, runbook, tested),
            )| {
                let testable = expr == "up{job=J} == 0";
                Alert {
                    name,
                    expr: expr.replace('J', &promql_double(job)),
                    job: testable.then(|| job.to_owned()),
                    for_duration,
                    page,
                    summary,
                    description,
                    labels,
                    annotations,
                    runbook,
                    tested: testable && tested,
                }
            },
        )
        .boxed()
}

fn service() -> BoxedStrategy<Service> {
    (
        "[A-Za-z0-9_][A-Za-z0-9._-]{0,20}",
        name(),
        team(),
        prop::option::of(text()),
        labels(text()),
        prop::collection::vec(slo(), 0..4),
        prop::collection::vec(alert(), 0..3),
    )
        .prop_map(
            |(file, name, team, description, labels, slos, alerts)| Service {
                file: format!("{file}.toml").replace("slogen.toml", "slogen-x.toml"),
                name,
                team,
                description,
                labels,
                slos,
                alerts,
            },
        )
        .boxed()
}

fn routing() -> BoxedStrategy<Routing> {
    let receiver = (
        prop::sample::select(vec![
            "team-slack",
            "ops-page",
            "Ops Pager: primary",
            "#alerts",
            "ü-receiver",
            "\"quoted\"",
            "a'b",
            "yes",
            "null",
            "- dash",
            "{{ not a template }}",
            "x & y | z",
        ]),
        any::<u8>(),
    )
        .prop_map(|(name, integration)| Receiver {
            name: name.to_owned(),
            integration,
        });
    let route = prop::option::of(any::<usize>());
    (
        prop::option::of(any::<usize>()),
        prop::option::of(prop::sample::select(vec![
            vec!["alertname", "slogen_service", "slogen_slo"],
            vec!["..."],
            vec!["team"],
        ])),
        prop::option::of(prop::sample::select(vec![
            ("30s", "5m", "4h"),
            ("1s", "1m", "1h30m"),
        ])),
        prop::collection::vec(receiver, 0..4),
        prop::collection::vec((any::<usize>(), route.clone(), route), 0..3),
    )
        .prop_map(
            |(default_receiver, group_by, timing, receivers, teams)| Routing {
                default_receiver,
                group_by,
                timing,
                receivers,
                teams,
            },
        )
        .boxed()
}

fn settings() -> BoxedStrategy<Settings> {
    let words = prop::sample::select(vec![
        "critical", "warning", "p1", "P3", "sev-1", "page:now", "1", "yes", "null", "x.y_z",
    ]);
    (
        prop::option::of(period()),
        prop::option::of(prop::sample::select(vec![15, 30, MINUTE, 2 * MINUTE])),
        prop::option::of(prop::sample::select(vec![0, 5 * MINUTE, 10 * MINUTE, HOUR])),
        // Pages and tickets carry different words (`same-severity-label`).
        prop::option::of(
            (prop::option::of(words.clone()), prop::option::of(words)).prop_filter(
                "pages and tickets need different severity words",
                |(page, ticket)| page.unwrap_or("critical") != ticket.unwrap_or("warning"),
            ),
        ),
        prop::option::weighted(0.4, windows()),
        prop::option::of(prop::sample::select(vec![
            "https://git.example.invalid/ops/slo/-/blob/main/generated/runbooks",
            "https://wiki.example.invalid/run books/ü?a=1&b=2#x",
            "https://example.invalid/a'b\"c",
            "https://wiki.example.invalid/{{ $labels.team }}/runbooks",
        ])),
        prop::option::weighted(0.5, routing()),
    )
        .prop_map(
            |(period, evaluation_interval, no_data_for, severity, windows, base_url, routing)| {
                Settings {
                    period,
                    evaluation_interval,
                    no_data_for,
                    severity,
                    windows,
                    base_url,
                    routing,
                }
            },
        )
        .boxed()
}

fn case() -> BoxedStrategy<Case> {
    (
        prop::option::weighted(0.6, settings()),
        prop::collection::vec(service(), 1..4),
    )
        .prop_map(|(settings, services)| Case { settings, services }.repair())
        .boxed()
}

/// A small case for `promtool test rules`: one service, default settings
/// but for the severity words, an SLO or two and a tested plain alert.
fn small_case() -> BoxedStrategy<Case> {
    (
        service(),
        prop::collection::vec(slo(), 1..3),
        alert(),
        prop::sample::select(VALUES),
    )
        .prop_map(|(mut service, slos, mut alert, job)| {
            service.slos = slos;
            alert.expr = format!("up{{job={}}} == 0", promql_double(job));
            alert.job = Some(job.to_owned());
            alert.tested = true;
            service.alerts = vec![alert];
            Case {
                settings: None,
                services: vec![service],
            }
            .repair()
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Checking what a case compiles to

fn compile_case(case: &Case) -> (Sources, Compilation) {
    compile_case_with(case, &Templates::default())
}

/// The embedded templates as overrides: the rule files go through the
/// template engine instead of `src/native/`.
fn engine_templates() -> Templates {
    Templates {
        overrides: slogen::DEFAULT_TEMPLATES
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect(),
    }
}

fn compile_case_with(case: &Case, templates: &Templates) -> (Sources, Compilation) {
    let sources = case.sources();
    // The tests too, and every file parsed back: what a build takes on
    // trust is what these properties prove.
    let options = Options {
        tests: Some(true),
        verify: true,
        ..Options::default()
    };
    let compilation = slogen::compile(&sources, templates, &options);
    (sources, compilation)
}

/// Compiles a case and checks every property; returns the files.
fn compiled(case: &Case) -> Result<Vec<GeneratedFile>, String> {
    let (sources, compilation) = compile_case(case);
    let errors: Vec<_> = compilation
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "a valid spec did not compile:\n{}",
            slogen::render_diagnostics(&errors, &sources.all(), Format::Human, false)
        ));
    }
    let files = compilation.files;
    if files.is_empty() {
        return Err("nothing generated".to_owned());
    }
    // Again, through the template engine: the same bytes, or the native
    // rule writer and the templates disagree (or a compilation is not
    // deterministic).
    let (_, again) = compile_case_with(case, &engine_templates());
    if let Some((native, engine)) = files
        .iter()
        .zip(&again.files)
        .find(|(native, engine)| native != engine)
    {
        return Err(format!(
            "two compilations of one spec differ (the second through the template engine): {}\n{}",
            native.path,
            similar::TextDiff::from_lines(&engine.contents, &native.contents).unified_diff()
        ));
    }
    if again.files.len() != files.len() {
        return Err("two compilations of one spec differ in their files".to_owned());
    }
    for file in &files {
        check_file(file).map_err(|error| format!("{}: {error}", file.path))?;
    }
    check_recording_rules(case, &files)?;
    check_alert_rules(case, &files)?;
    check_alertmanager(case, &files)?;
    check_runbooks(case, &files)?;
    Ok(files)
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> Result<&'a GeneratedFile, String> {
    files
        .iter()
        .find(|file| file.path == path)
        .ok_or_else(|| format!("{path} was not generated"))
}

fn yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str(text).map_err(|error| format!("not valid YAML: {error}"))
}

/// Every file: YAML parses, expressions parse, no raw control characters.
fn check_file(file: &GeneratedFile) -> Result<(), String> {
    if !file.contents.ends_with('\n') {
        return Err("does not end in a newline".to_owned());
    }
    if file.path.ends_with(".md") {
        return Ok(());
    }
    if let Some(bad) = file
        .contents
        .chars()
        .find(|character| character.is_control() && !matches!(character, '\n' | '\t'))
    {
        return Err(format!("holds the raw control character {bad:?}"));
    }
    let value: serde_json::Value = yaml(&file.contents)?;
    if file.path.ends_with("rules.yml") {
        let source = SourceFile::new(&file.path, file.contents.clone());
        let problems = slogen::check_rules(&source);
        if !problems.is_empty() {
            let messages: Vec<String> = problems
                .iter()
                .map(|problem| problem.problem.message())
                .collect();
            return Err(format!("check_rules: {}", messages.join("; ")));
        }
    }
    // Every expression, and every series of the tests, is PromQL.
    let mut texts = Vec::new();
    collect_promql(&value, None, &mut texts);
    for text in texts {
        promql_parser::parser::parse(&text)
            .map_err(|error| format!("`{text}` does not parse: {error}"))?;
    }
    Ok(())
}

fn collect_promql(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (name, value) in map {
                collect_promql(value, Some(name), out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_promql(item, key, out);
            }
        }
        serde_json::Value::String(text) if matches!(key, Some("expr" | "series")) => {
            out.push(text.clone())
        }
        // `exp_samples` and `exp_alerts` name series as selectors.
        serde_json::Value::String(text) if key == Some("labels") => out.push(text.clone()),
        _ => {}
    }
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

/// The recording or the alert groups of every plain rule file
/// (`prometheus/<service>.yml`), in file order.
fn rule_groups(files: &[GeneratedFile], alerting: bool) -> Result<RuleFile, String> {
    let mut groups = Vec::new();
    for file in files
        .iter()
        .filter(|file| file.path.starts_with("prometheus/"))
    {
        let rules: RuleFile = yaml(&file.contents)?;
        groups.extend(rules.groups.into_iter().filter(|group| {
            group.rules.first().is_some_and(|rule| rule.alert.is_some()) == alerting
        }));
    }
    Ok(RuleFile { groups })
}

/// The plain rule files, for promtool.
fn plain_rule_files(files: &[GeneratedFile]) -> Vec<&str> {
    files
        .iter()
        .map(|file| file.path.as_str())
        .filter(|path| path.starts_with("prometheus/"))
        .collect()
}

#[derive(Debug, Deserialize)]
struct RuleGroup {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
struct Rule {
    record: Option<String>,
    alert: Option<String>,
    expr: String,
    #[serde(default)]
    labels: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    annotations: BTreeMap<String, serde_json::Value>,
}

/// A map's values, each of which must be a YAML string.
fn strings(
    map: &BTreeMap<String, serde_json::Value>,
    what: &str,
) -> Result<BTreeMap<String, String>, String> {
    map.iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name.clone(), text.clone())),
            other => Err(format!(
                "{what} `{name}` reads back as {other}, not a string"
            )),
        })
        .collect()
}

/// Each label of `expected` is in `found` with exactly its value.
fn contains_labels(
    found: &BTreeMap<String, String>,
    expected: &BTreeMap<String, String>,
    what: &str,
) -> Result<(), String> {
    for (name, value) in expected {
        match found.get(name) {
            Some(found) if found == value => {}
            Some(found) => {
                return Err(format!(
                    "{what}: label `{name}` is {found:?}, not {value:?}"
                ));
            }
            None => return Err(format!("{what}: label `{name}` is missing")),
        }
    }
    Ok(())
}

fn vector_number(expr: &str) -> Option<f64> {
    expr.strip_prefix("vector(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

/// One group per SLO with exactly the SLO's series labels on every rule,
/// and the objective and period recorded as written.
fn check_recording_rules(case: &Case, files: &[GeneratedFile]) -> Result<(), String> {
    let rules = rule_groups(files, false)?;
    let groups: BTreeMap<&str, &RuleGroup> = rules
        .groups
        .iter()
        .map(|group| (group.name.as_str(), group))
        .collect();
    let slos: usize = case.services.iter().map(|service| service.slos.len()).sum();
    if groups.len() != slos || rules.groups.len() != slos {
        return Err(format!(
            "the rule files have {} recording groups for {slos} SLOs",
            rules.groups.len()
        ));
    }
    for service in &case.services {
        for slo in &service.slos {
            let name = format!("slogen-{}-{}", service.name, slo.name);
            let group = groups
                .get(name.as_str())
                .ok_or_else(|| format!("no recording group {name}"))?;
            let mut expected = service.labels.clone();
            expected.extend(slo.labels.clone());
            expected.insert("slogen_service".to_owned(), service.name.clone());
            expected.insert("slogen_slo".to_owned(), slo.name.clone());
            for rule in &group.rules {
                let record = rule
                    .record
                    .as_deref()
                    .ok_or("an alert among recording rules")?;
                let labels = strings(&rule.labels, "label")?;
                if labels != expected {
                    return Err(format!(
                        "{name} {record}: labels {labels:?}, expected {expected:?}"
                    ));
                }
                let value = vector_number(&rule.expr);
                let close = |want: f64| {
                    value.is_some_and(|value| (value - want).abs() <= 1e-12 * want.abs().max(1.0))
                };
                let period = slo
                    .period
                    .map_or(case.default_period(), |period| period.seconds);
                let ok = match record {
                    "slo:objective:ratio" => close(slo.objective / 100.0),
                    "slo:error_budget:ratio" => close(1.0 - slo.objective / 100.0),
                    "slo:time_period:days" => close(period as f64 / DAY as f64),
                    _ => true,
                };
                if !ok {
                    return Err(format!("{name} {record}: `{}`", rule.expr));
                }
            }
        }
    }
    Ok(())
}

/// Selectors of metrics slogen records (`slo:...`) in an expression.
fn recorded_selectors(
    expr: &promql_parser::parser::Expr,
    out: &mut Vec<(String, BTreeMap<String, String>)>,
) {
    use promql_parser::parser::Expr;
    let selector = |selector: &promql_parser::parser::VectorSelector, out: &mut Vec<_>| {
        if let Some(name) = selector
            .name
            .as_ref()
            .filter(|name| name.starts_with("slo:"))
        {
            let labels = selector
                .matchers
                .matchers
                .iter()
                .map(|matcher| (matcher.name.clone(), matcher.value.clone()))
                .collect();
            out.push((name.clone(), labels));
        }
    };
    match expr {
        Expr::Aggregate(aggregate) => recorded_selectors(&aggregate.expr, out),
        Expr::Unary(unary) => recorded_selectors(&unary.expr, out),
        Expr::Binary(binary) => {
            recorded_selectors(&binary.lhs, out);
            recorded_selectors(&binary.rhs, out);
        }
        Expr::Paren(paren) => recorded_selectors(&paren.expr, out),
        Expr::Subquery(subquery) => recorded_selectors(&subquery.expr, out),
        Expr::VectorSelector(vector) => selector(vector, out),
        Expr::MatrixSelector(matrix) => selector(&matrix.vs, out),
        Expr::Call(call) => {
            for argument in &call.args.args {
                recorded_selectors(argument, out);
            }
        }
        _ => {}
    }
}

/// Alerts carry the labels and annotations the spec gives them, exactly;
/// plain-text descriptions read back as written once Prometheus expands
/// them; every recorded series an alert reads is recorded.
fn check_alert_rules(case: &Case, files: &[GeneratedFile]) -> Result<(), String> {
    let recording = rule_groups(files, false)?;
    let mut recorded = BTreeSet::new();
    for group in &recording.groups {
        for rule in &group.rules {
            let labels = strings(&rule.labels, "label")?;
            let label = |name: &str| labels.get(name).cloned().unwrap_or_default();
            recorded.insert((
                rule.record.clone().unwrap_or_default(),
                label("slogen_service"),
                label("slogen_slo"),
            ));
        }
    }
    let alerts = rule_groups(files, true)?;
    let groups: BTreeMap<&str, &RuleGroup> = alerts
        .groups
        .iter()
        .map(|group| (group.name.as_str(), group))
        .collect();
    let (page_word, ticket_word) = severity_words(case);
    for service in &case.services {
        let name = format!("slogen-{}-alerts", service.name);
        let rules: &[Rule] = groups.get(name.as_str()).map_or(&[], |group| &group.rules);
        for rule in rules {
            let alert = rule
                .alert
                .as_deref()
                .ok_or("a recording rule among alerts")?;
            let expr = promql_parser::parser::parse(&rule.expr)?;
            let mut selectors = Vec::new();
            recorded_selectors(&expr, &mut selectors);
            for (metric, labels) in selectors {
                let key = (
                    metric.clone(),
                    labels.get("slogen_service").cloned().unwrap_or_default(),
                    labels.get("slogen_slo").cloned().unwrap_or_default(),
                );
                if !recorded.contains(&key) {
                    return Err(format!(
                        "{alert} reads {metric}{labels:?}, which no rule records"
                    ));
                }
            }
        }
        for slo in &service.slos {
            let camel = camel_case(&[&service.name, &slo.name]);
            let alerting = slo.alerting.clone().unwrap_or_default();
            let mut expected = alerting.labels.clone();
            expected.insert("team".to_owned(), service.team.clone());
            expected.insert("slogen_service".to_owned(), service.name.clone());
            expected.insert("slogen_slo".to_owned(), slo.name.clone());
            let burns: Vec<&Rule> = rules
                .iter()
                .filter(|rule| rule.alert.as_deref() == Some(&format!("{camel}BudgetBurn")))
                .collect();
            let no_data = rules
                .iter()
                .filter(|rule| rule.alert.as_deref() == Some(&format!("{camel}NoData")))
                .count();
            if no_data != usize::from(alerting.no_data != Some(false)) {
                return Err(format!("{camel}NoData: {no_data} rules"));
            }
            if alerting.page == Some(false) && alerting.ticket == Some(false) && !burns.is_empty() {
                return Err(format!(
                    "{camel}BudgetBurn: alerts switched off, yet generated"
                ));
            }
            for rule in burns {
                let labels = strings(&rule.labels, "label")?;
                contains_labels(&labels, &expected, &format!("{camel}BudgetBurn"))?;
                let severity = labels.get("severity").map(String::as_str);
                let allowed = (alerting.page != Some(false) && severity == Some(page_word))
                    || (alerting.ticket != Some(false) && severity == Some(ticket_word));
                if !allowed {
                    return Err(format!("{camel}BudgetBurn: severity {severity:?}"));
                }
                let annotations = strings(&rule.annotations, "annotation")?;
                contains_labels(
                    &annotations,
                    &alerting.annotations,
                    &format!("{camel}BudgetBurn annotations"),
                )?;
                let description = slo
                    .description
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default();
                if !description.is_empty() && !alerting.annotations.contains_key("description") {
                    let shown = expand_literals(&annotations["description"])?;
                    if !shown.starts_with(&format!("{description} ")) {
                        return Err(format!(
                            "{camel}BudgetBurn: the description {description:?} reads back as {shown:?}"
                        ));
                    }
                }
            }
        }
        for alert in &service.alerts {
            let rule = rules
                .iter()
                .find(|rule| rule.alert.as_deref() == Some(&alert.name))
                .ok_or_else(|| format!("no rule for alert {}", alert.name))?;
            if rule.expr.trim() != alert.expr.trim() {
                return Err(format!(
                    "{}: expr {:?}, written {:?}",
                    alert.name, rule.expr, alert.expr
                ));
            }
            let mut expected = service.labels.clone();
            expected.extend(alert.labels.clone());
            expected.insert("team".to_owned(), service.team.clone());
            expected.insert("slogen_service".to_owned(), service.name.clone());
            expected.insert(
                "severity".to_owned(),
                (if alert.page { page_word } else { ticket_word }).to_owned(),
            );
            let labels = strings(&rule.labels, "label")?;
            contains_labels(&labels, &expected, &alert.name)?;
            let mut annotations = BTreeMap::new();
            if let Some(summary) = &alert.summary {
                annotations.insert("summary".to_owned(), summary.clone());
            }
            if let Some(description) = &alert.description {
                annotations.insert("description".to_owned(), description.clone());
            }
            annotations.extend(alert.annotations.clone());
            contains_labels(
                &strings(&rule.annotations, "annotation")?,
                &annotations,
                &format!("{} annotations", alert.name),
            )?;
        }
    }
    Ok(())
}

fn severity_words(case: &Case) -> (&'static str, &'static str) {
    let severity = case
        .settings
        .as_ref()
        .and_then(|settings| settings.severity);
    (
        severity.and_then(|(page, _)| page).unwrap_or("critical"),
        severity.and_then(|(_, ticket)| ticket).unwrap_or("warning"),
    )
}

/// What Prometheus shows of a template whose only actions are string
/// constants (`{{ "{{" }}`); other actions show as `\u{fffc}`.
fn expand_literals(template: &str) -> Result<String, String> {
    let mut shown = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        shown.push_str(&rest[..start]);
        let action = &rest[start + 2..];
        let mut end = None;
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for (offset, character) in action.char_indices() {
            match quote {
                Some(_) if escaped => escaped = false,
                Some('"') if character == '\\' => escaped = true,
                Some(open) if character == open => quote = None,
                Some(_) => {}
                None if matches!(character, '"' | '`' | '\'') => quote = Some(character),
                None if action[offset..].starts_with("}}") => {
                    end = Some(offset);
                    break;
                }
                None => {}
            }
        }
        let end = end.ok_or_else(|| format!("an action never closes in {template:?}"))?;
        let inner = action[..end].trim();
        match serde_json::from_str::<String>(inner) {
            Ok(constant) if inner.starts_with('"') => shown.push_str(&constant),
            _ => shown.push('\u{fffc}'),
        }
        rest = &action[end + 2..];
    }
    shown.push_str(rest);
    Ok(shown)
}

#[derive(Debug, Deserialize)]
struct AlertmanagerFile {
    receivers: Vec<NamedReceiver>,
}

#[derive(Debug, Deserialize)]
struct NamedReceiver {
    name: serde_json::Value,
}

/// alertmanager.yml parses, and declares every receiver of the settings by
/// its exact name.
fn check_alertmanager(case: &Case, files: &[GeneratedFile]) -> Result<(), String> {
    let text = &file(files, "alertmanager.yml")?.contents;
    let problems = slogen::check_alertmanager_text(text);
    if !problems.is_empty() {
        return Err(format!("alertmanager.yml: {}", problems.join("; ")));
    }
    let parsed: AlertmanagerFile = yaml(text)?;
    let names: BTreeSet<String> = parsed
        .receivers
        .iter()
        .map(|receiver| match &receiver.name {
            serde_json::Value::String(name) => Ok(name.clone()),
            other => Err(format!("alertmanager.yml: receiver name {other}")),
        })
        .collect::<Result<_, _>>()?;
    let declared = case
        .settings
        .as_ref()
        .and_then(|settings| settings.routing.as_ref())
        .map(|routing| {
            routing
                .receivers
                .iter()
                .map(|receiver| receiver.name.clone())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for name in declared {
        if !names.contains(&name) {
            return Err(format!("alertmanager.yml: receiver {name:?} is missing"));
        }
    }
    Ok(())
}

/// What Markdown shows of inline text: backslash escapes and entities
/// read, nothing else.
fn markdown_shown(text: &str) -> String {
    let mut shown = String::new();
    let mut rest = text;
    while let Some(character) = rest.chars().next() {
        if character == '\\'
            && let Some(next) = rest[1..].chars().next()
            && next.is_ascii_punctuation()
        {
            shown.push(next);
            rest = &rest[1 + next.len_utf8()..];
            continue;
        }
        if character == '&' {
            let entities = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&#35;", '#'),
            ];
            if let Some((entity, character)) =
                entities.iter().find(|(entity, _)| rest.starts_with(entity))
            {
                shown.push(*character);
                rest = &rest[entity.len()..];
                continue;
            }
        }
        shown.push(character);
        rest = &rest[character.len_utf8()..];
    }
    shown
}

/// Problems of escaped plain text in Markdown: a character that would start
/// markup, or a line that would start a block other than a paragraph.
/// `starts_paragraph`: the text's first line begins a paragraph.
fn markdown_problems(escaped: &str, starts_paragraph: bool) -> Option<String> {
    let mut previous_blank = starts_paragraph;
    let mut first = true;
    for line in escaped.split(['\n', '\r']) {
        let body = line.trim_start_matches([' ', '\t']);
        let indent: usize = line[..line.len() - body.len()]
            .chars()
            .map(|character| if character == '\t' { 4 } else { 1 })
            .sum();
        // The first line of text that does not start a paragraph follows
        // text on its line.
        let inline = first && !starts_paragraph;
        let paragraph_start = previous_blank && !inline;
        if paragraph_start && indent >= 4 && !body.is_empty() {
            return Some(format!("the line {line:?} is an indented code block"));
        }
        let digits = body.chars().take_while(char::is_ascii_digit).count();
        if (1..=9).contains(&digits) && !inline {
            let after = &body[digits..];
            let marker = after.starts_with(['.', ')'])
                && (after.len() == 1 || after[1..].starts_with([' ', '\t']));
            let one = body[..digits].parse::<u32>() == Ok(1);
            if marker && (paragraph_start || one) {
                return Some(format!("the line {line:?} starts an ordered list"));
            }
        }
        if !inline && body.starts_with(['#', '>', '-', '+', '*', '=', '`', '~', '<', '|']) {
            return Some(format!("the line {line:?} starts a block"));
        }
        let mut escaped_next = false;
        for (offset, character) in body.char_indices() {
            if escaped_next {
                escaped_next = false;
                continue;
            }
            match character {
                '\\' => escaped_next = true,
                '<' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                    return Some(format!("{character:?} unescaped in {line:?}"));
                }
                '&' if !body[offset..].starts_with("&amp;") => {
                    return Some(format!("`&` unescaped in {line:?}"));
                }
                _ => {}
            }
        }
        previous_blank = body.is_empty() && !inline;
        first = false;
    }
    None
}

/// One page per SLO and per plain alert; plain text is escaped so that
/// Markdown shows it as written; people's notes are there as written.
fn check_runbooks(case: &Case, files: &[GeneratedFile]) -> Result<(), String> {
    let pages = files
        .iter()
        .filter(|file| file.path.starts_with("runbooks/"))
        .count();
    let expected: usize = case
        .services
        .iter()
        .map(|service| service.slos.len() + service.alerts.len())
        .sum();
    if pages != expected {
        return Err(format!("{pages} runbooks for {expected} SLOs and alerts"));
    }
    for service in &case.services {
        let notes_of = |notes: &Option<Notes>| notes.clone().unwrap_or_default();
        let mut pages: Vec<(String, Option<&Slo>, Notes)> = service
            .slos
            .iter()
            .map(|slo| {
                (
                    format!("runbooks/{}-{}.md", service.name, slo.name),
                    Some(slo),
                    notes_of(&slo.runbook),
                )
            })
            .collect();
        pages.extend(service.alerts.iter().map(|alert| {
            (
                format!("runbooks/{}.md", alert.name),
                None,
                notes_of(&alert.runbook),
            )
        }));
        for (path, slo, notes) in pages {
            let page = &file(files, &path)?.contents;
            let problem = |message: String| format!("{path}: {message}");
            if let Some(description) = service.description.as_ref().filter(|text| !text.is_empty())
            {
                let prefix = format!("Service `{}`: ", service.name);
                let start = page
                    .find(&prefix)
                    .ok_or_else(|| problem("no service description".to_owned()))?
                    + prefix.len();
                let end = page[start..].find("\n\n## What the alert").ok_or_else(|| {
                    problem("no section after the service description".to_owned())
                })?;
                check_markdown(&page[start..start + end], description, false).map_err(problem)?;
            }
            if let Some(description) = slo
                .and_then(|slo| slo.description.as_ref())
                .filter(|text| !text.is_empty())
            {
                let heading = "## What the alerts mean\n\n";
                let start = page
                    .find(heading)
                    .ok_or_else(|| problem("no section for the SLO".to_owned()))?
                    + heading.len();
                let section = &page[start..];
                let section = &section[..section.find("\n## Investigate").unwrap_or(section.len())];
                let end = section
                    .rfind("\n\nThe SLO promises that ")
                    .ok_or_else(|| problem("no objective".to_owned()))?;
                check_markdown(&section[..end], description, true).map_err(problem)?;
            }
            for note in [&notes.diagnosis, &notes.mitigation, &notes.escalation]
                .into_iter()
                .flatten()
            {
                if !note.trim().is_empty() && !page.contains(note.trim()) {
                    return Err(problem(format!("the note {note:?} is missing")));
                }
            }
        }
    }
    Ok(())
}

fn check_markdown(escaped: &str, text: &str, starts_paragraph: bool) -> Result<(), String> {
    // Markdown drops the indentation of a paragraph's lines, and ends a
    // line at `\r\n`, `\r` or `\n` alike.
    let unindented = |text: &str| -> String {
        text.replace("\r\n", "\n")
            .replace('\r', "\n")
            .split('\n')
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let shown = markdown_shown(escaped);
    if unindented(&shown) != unindented(text) {
        return Err(format!(
            "the plain text {text:?} is written {escaped:?}, which shows as {shown:?}"
        ));
    }
    if let Some(problem) = markdown_problems(escaped, starts_paragraph) {
        return Err(format!(
            "the plain text {text:?}, written {escaped:?}: {problem}"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config(cases(CASES, 1)))]

    /// Every generated spec compiles, and every property holds of its output.
    #[test]
    fn generated_specs_compile_to_valid_files(spec in case()) {
        if let Err(error) = compiled(&spec) {
            return Err(TestCaseError::fail(error));
        }
    }
}

/// Writes a case's output into a temporary directory.
fn written(files: &[GeneratedFile]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for file in files {
        let path = dir.path().join(&file.path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, &file.contents).unwrap();
    }
    dir
}

proptest! {
    #![proptest_config(config(cases(8, 8)))]

    /// promtool and amtool accept the rule files and alertmanager.yml of
    /// the first cases.
    #[test]
    fn promtool_and_amtool_accept_a_sample(spec in case()) {
        let promtool_found = tool_available("promtool");
        let amtool_found = tool_available("amtool");
        let files = compiled(&spec).map_err(TestCaseError::fail)?;
        let dir = written(&files);
        // A case whose services have no rules has no rule file.
        if promtool_found && !plain_rule_files(&files).is_empty() {
            let mut args = vec!["check", "rules", "--lint=all", "--lint-fatal"];
            args.extend(plain_rule_files(&files));
            promtool(&args, dir.path());
        }
        if amtool_found {
            let output = Command::new("amtool")
                .args(["check-config", "alertmanager.yml"])
                .current_dir(dir.path())
                .output()
                .expect("amtool runs");
            prop_assert!(
                output.status.success(),
                "amtool check-config failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

proptest! {
    #![proptest_config(config(cases(2, 32)))]

    /// `promtool test rules` passes the generated tests of a small case
    /// (they are slow: two cases).
    #[test]
    fn promtool_passes_the_generated_tests_of_a_small_case(spec in small_case()) {
        if !tool_available("promtool") {
            return Ok(());
        }
        let files = compiled(&spec).map_err(TestCaseError::fail)?;
        let dir = written(&files);
        let tests: Vec<&GeneratedFile> = files.iter().filter(|file| file.path.starts_with("tests/")).collect();
        prop_assert!(!tests.is_empty(), "no tests generated");
        for test in tests {
            let judgement = promtool_test(&dir.path().join(&test.path));
            prop_assert!(judgement.passed, "{}:\n{}", test.path, judgement.output);
        }
    }
}

// ---------------------------------------------------------------------------
// Regressions: failures the properties found, as small specs. The ignored
// ones are bugs not fixed yet; `cargo test -- --ignored` runs them.

/// One service with one ratio SLO and default settings.
fn minimal_case() -> Case {
    Case {
        settings: None,
        services: vec![Service {
            file: "api.toml".to_owned(),
            name: "api".to_owned(),
            team: "platform".to_owned(),
            description: None,
            labels: BTreeMap::new(),
            slos: vec![Slo {
                name: "availability".to_owned(),
                description: None,
                objective: 99.9,
                period: None,
                labels: BTreeMap::new(),
                sli: Sli::Ratio {
                    good: false,
                    increase: false,
                    metric: "http_requests_total",
                    matchers: Vec::new(),
                    grouping: Grouping::None,
                    style: QueryStyle {
                        multiline: false,
                        spaced_placeholder: false,
                    },
                },
                alerting: None,
                runbook: None,
            }],
            alerts: Vec::new(),
        }],
    }
}

/// A plain alert `up{job="checkout"} == 0` with its tests.
fn tested_alert() -> Alert {
    Alert {
        name: "CheckoutDown".to_owned(),
        expr: "up{job=\"checkout\"} == 0".to_owned(),
        job: Some("checkout".to_owned()),
        for_duration: None,
        page: true,
        summary: None,
        description: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        runbook: None,
        tested: true,
    }
}

fn map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

#[track_caller]
fn passes(case: &Case) -> Vec<GeneratedFile> {
    compiled(case).unwrap_or_else(|error| panic!("{error}\n{case:?}"))
}

/// Runs `promtool test rules` on every generated test file.
#[track_caller]
fn promtool_passes_the_tests_of(case: &Case) {
    let files = passes(case);
    if !tool_available("promtool") {
        return;
    }
    let dir = written(&files);
    for test in files.iter().filter(|file| file.path.starts_with("tests/")) {
        let judgement = promtool_test(&dir.path().join(&test.path));
        assert!(judgement.passed, "{}:\n{}", test.path, judgement.output);
    }
}

/// Rendered files end in one newline: a text ending in line breaks (or in
/// spaces after one) written last in a file as a `|+` block lost them.
#[test]
fn a_text_ending_in_line_breaks_keeps_them_last_in_a_file() {
    let mut case = minimal_case();
    let mut alert = tested_alert();
    alert.summary = Some("\n".to_owned());
    alert.annotations = map(&[("zz", "a \n"), ("playbook", "b\n\n")]);
    case.services[0].alerts.push(alert.clone());
    passes(&case);
    alert.annotations.clear();
    case.services[0].alerts = vec![alert];
    passes(&case);
}

/// A text of several lines whose first starts with a tab was written as a
/// block scalar, which Go's YAML parser refuses ("found a tab character
/// where an indentation space is expected"): promtool read no rule.
#[test]
fn a_text_starting_with_a_tab_is_yaml_promtool_reads() {
    let mut case = minimal_case();
    case.services[0].slos[0].labels = map(&[("tier", "\t\n    indented")]);
    case.services[0].slos[0].description = Some("\tfirst\nsecond".to_owned());
    let files = passes(&case);
    if tool_available("promtool") {
        let dir = written(&files);
        let mut args = vec!["check", "rules"];
        args.extend(plain_rule_files(&files));
        promtool(&args, dir.path());
    }
}

/// Plain text in a runbook started an ordered list (`1. `), an indented
/// code block (four spaces after a blank line) or, after a `\r`, a heading.
#[test]
fn plain_text_starts_no_list_code_or_heading_in_a_runbook() {
    let mut case = minimal_case();
    case.services[0].description =
        Some("Paid.\n1. not a list\r# not a heading\r\n- nor an item".to_owned());
    case.services[0].slos[0].description =
        Some("    not code\n\n\tnor this\n\n2) nor a list".to_owned());
    passes(&case);
}

/// A templated label's value may expand to a line break, which the
/// `label_replace(..., ".*")` leaving it out of the alert tests did not
/// match: the tests expected the label gone, and it was there.
#[test]
fn a_templated_label_spanning_lines_is_left_out_of_alert_tests() {
    let mut case = minimal_case();
    let mut alert = tested_alert();
    alert.labels = map(&[("tier", "\n{{ $labels.instance }}")]);
    case.services[0].alerts.push(alert);
    case.services[0].slos[0].alerting = Some(Alerting {
        labels: map(&[("where", "{{ $labels.job }}\n")]),
        ..Alerting::default()
    });
    promtool_passes_the_tests_of(&case);
}

/// Prometheus's lexer refuses U+FFFD in a PromQL string ("invalid UTF-8
/// rune"): a label value holding one broke the generated tests' selectors.
#[test]
fn a_replacement_character_in_a_label_is_escaped_in_tests() {
    let mut case = minimal_case();
    case.services[0].labels = map(&[("tier", "\u{fffd}")]);
    case.services[0].alerts.push(tested_alert());
    let files = passes(&case);
    for test in files.iter().filter(|file| file.path.starts_with("tests/")) {
        assert!(!test.contents.contains('\u{fffd}'), "{}", test.path);
    }
    promtool_passes_the_tests_of(&case);
}

/// Prometheus reads no escape in a raw (backtick) string, promql-parser
/// does: `{path=~`/api/\d+`}` is refused as `invalid-promql`.
#[test]
#[ignore = "open bug: promql-parser reads escapes in raw strings; slogen refuses valid PromQL"]
fn a_backslash_in_a_raw_string_is_valid_promql() {
    let mut case = minimal_case();
    let mut alert = tested_alert();
    alert.expr = "up{job=`raw\\s`} == 0".to_owned();
    alert.tested = false;
    case.services[0].alerts.push(alert);
    if let Sli::Ratio { matchers, .. } = &mut case.services[0].slos[0].sli {
        matchers.push(Matcher {
            name: "path",
            op: "=~",
            value: "/api/\\d+".to_owned(),
            quote: Quote::Backtick,
        });
    }
    passes(&case);
}

/// A raw U+FFFD in a query passes slogen's checks, and Prometheus refuses
/// the rules ("invalid UTF-8 rune").
#[test]
#[ignore = "open bug: a U+FFFD in a PromQL string passes slogen's checks, promtool refuses it"]
fn a_replacement_character_in_a_query_is_an_error() {
    let mut case = minimal_case();
    if let Sli::Ratio { matchers, .. } = &mut case.services[0].slos[0].sli {
        matchers.push(Matcher {
            name: "path",
            op: "=",
            value: "\u{fffd}".to_owned(),
            quote: Quote::Double,
        });
    }
    let (_, compilation) = compile_case(&case);
    assert!(compilation.has_errors(), "built rules promtool refuses");
}

/// A `good` ratio over a period under a day: the slow-burn tests expect
/// the period's ratio (`total - good` over a `rate` longer than the test's
/// data) as an exact quotient, and Prometheus's extrapolated rates differ
/// in the last digits (9.500000000000057e-03 for 9.5e-03).
#[test]
#[ignore = "open bug: generated tests fail promtool for good/total SLIs with periods under a day"]
fn a_good_ratio_over_a_period_under_a_day_passes_its_generated_tests() {
    let mut case = minimal_case();
    if let Sli::Ratio { good, .. } = &mut case.services[0].slos[0].sli {
        *good = true;
    }
    case.services[0].slos[0].period = Some(Dur {
        seconds: 12 * HOUR,
        spelling: Spelling::Canonical,
    });
    case.services[0].slos[0].alerting = Some(Alerting {
        ticket: Some(false),
        ..Alerting::default()
    });
    promtool_passes_the_tests_of(&case);
}

/// Planning the tests of a threshold SLI tried one candidate burn per
/// sample period up to twice 1 / threshold: at 99.99% seconds and hundreds
/// of MB, at 99.999999% minutes and tens of GB (a hang on valid input).
/// Now a few candidates are tried and the file says none fits.
#[test]
fn a_threshold_slo_at_eight_nines_compiles_with_a_note() {
    let mut case = minimal_case();
    let slo = &mut case.services[0].slos[0];
    slo.objective = 99.999_999;
    slo.sli = Sli::Threshold {
        query: "min(cache_hit_ratio)".to_owned(),
        max: false,
        bound: 1.0,
    };
    let files = passes(&case);
    let slow = files
        .iter()
        .find(|file| file.path.ends_with("slo-slow-burns.yml"))
        .expect("a slow-burn test file");
    assert!(
        slow.contents
            .contains("no slow burn the sampling model confirms"),
        "{}",
        slow.contents
    );
}

/// A `{{` in `[runbooks] base_url` reaches every `runbook_url` annotation,
/// a Prometheus template: an invalid one fails the build as
/// `generated-invalid`, blaming the templates, instead of a located error
/// in the settings (or being written literally).
#[test]
fn a_template_in_the_runbook_base_url_is_located_in_the_settings() {
    let mut case = minimal_case();
    case.settings = Some(Settings {
        base_url: Some("https://wiki.example.invalid/{{x"),
        ..Settings::default()
    });
    let (_, compilation) = compile_case(&case);
    let located = compilation.diagnostics.iter().any(|diagnostic| {
        diagnostic.is_error()
            && diagnostic
                .location
                .as_ref()
                .is_some_and(|location| location.path.ends_with("slogen.toml"))
    });
    assert!(located, "{:?}", compilation.diagnostics);
}
