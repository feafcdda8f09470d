//! The settings file: defaults, severities, burn windows, runbook links,
//! and Alertmanager routing (receivers, their secrets, team routes).

use super::sli::{placeholders, sli_strings};
use super::*;

impl Analyzer {
    pub(super) fn settings(&mut self, source: &SourceFile, file: &spec::SettingsFile) -> Settings {
        self.path = source.path.clone();
        self.text = source.text.clone();
        let mut settings = default_settings();
        if let Some(defaults) = &file.defaults {
            let defaults = defaults.get_ref();
            if let Some(period) = defaults
                .period
                .as_ref()
                .and_then(|text| self.duration(text, true))
            {
                settings.default_period = period;
            }
            if let Some(interval) = defaults
                .evaluation_interval
                .as_ref()
                .and_then(|text| self.duration(text, true))
            {
                settings.evaluation_interval = interval;
            }
            if let Some(for_duration) = defaults
                .no_data_for
                .as_ref()
                .and_then(|text| self.duration(text, false))
            {
                settings.no_data_for = for_duration;
            }
            if let Some(for_duration) = defaults
                .for_duration
                .as_ref()
                .and_then(|text| self.duration(text, false))
            {
                settings.alert_for = for_duration;
            }
            if let Some(keep) = defaults
                .keep_firing_for
                .as_ref()
                .and_then(|text| self.duration(text, false))
            {
                settings.keep_firing_for = keep;
            }
            if let Some(min_events) = &defaults.min_events {
                settings.min_events = self.min_events(min_events);
            }
        }
        if let Some(severity) = &file.severity {
            let severity = severity.get_ref();
            if let Some(page) = severity
                .page
                .as_ref()
                .and_then(|page| self.severity_label(page))
            {
                settings.page_label = page;
            }
            if let Some(ticket) = severity
                .ticket
                .as_ref()
                .and_then(|ticket| self.severity_label(ticket))
            {
                settings.ticket_label = ticket;
            }
            // Placed at the value written (the ticket's when both are).
            if settings.page_label == settings.ticket_label
                && let Some(written) = severity.ticket.as_ref().or(severity.page.as_ref())
            {
                let span = self.inner(written.span());
                self.error(
                    Problem::SameSeverityLabel {
                        value: settings.page_label.clone(),
                    },
                    span,
                );
            }
        }
        if let Some(windows) = &file.window {
            settings.windows = self.windows(windows, settings.evaluation_interval);
        }
        if let Some(runbooks) = &file.runbooks {
            let base_url = runbooks.get_ref().base_url.as_ref();
            // It lands in every alert's `runbook_url`.
            if let Some(url) =
                base_url.filter(|url| crate::secrets::url_carries_secret(url.get_ref()))
            {
                let span = self.inner(url.span());
                let key = "base_url".to_owned();
                self.error(Problem::SecretInUrl { key }, span);
            }
            // Prometheus expands `runbook_url` as a template.
            self.template("base_url", base_url);
            settings.runbook_base_url =
                base_url.map(|url| url.get_ref().trim_end_matches('/').to_owned());
        }
        if let Some(tests) = file.build.as_ref().and_then(|build| build.get_ref().tests) {
            settings.write_tests = tests;
        }
        if let Some(sloth) = file
            .compatibility
            .as_ref()
            .and_then(|compatibility| compatibility.get_ref().sloth)
        {
            settings.sloth_compatible = sloth;
        }
        settings.templates = file.templates.as_ref().map(|dir| {
            source
                .path
                .parent()
                .unwrap_or_else(|| Path::new(""))
                .join(dir.get_ref())
        });
        if let Some(alertmanager) = &file.alertmanager {
            settings.routing = self.routing(alertmanager.get_ref());
        }
        if !file.target.is_empty() {
            settings.targets = self.targets(&file.target, &file.keys);
        }
        // The generated tests load plain rule files.
        if settings.write_tests
            && !settings
                .targets
                .iter()
                .any(|target| target.kind == TargetKind::Prometheus)
            && let Some(build) = &file.build
        {
            let span = file
                .keys
                .get(&build.span(), "tests")
                .unwrap_or_else(|| build.span());
            self.error(
                Problem::InvalidTarget {
                    message: "the promtool tests need a `prometheus` target".to_owned(),
                    help: "the tests load plain Prometheus rule files: add `[[target]]` with `kind = \"prometheus\"`, or set `tests = false` (`slogen test` still runs them)".to_owned(),
                },
                span,
            );
        }
        for shared in &file.sli {
            if let Some((name, sli)) = self.shared_sli(shared.get_ref()) {
                if settings.shared_slis.contains_key(&name) {
                    let span = self.inner(shared.get_ref().name.span());
                    self.error(Problem::DuplicateSli { name: name.clone() }, span);
                }
                settings.shared_slis.insert(name, sli);
            }
        }
        settings
    }

    /// `[[target]]`: each kind with the keys it reads, each in a directory
    /// of its own.
    fn targets(
        &mut self,
        specs: &[Spanned<spec::TargetSpec>],
        keys: &spec::KeySpans,
    ) -> Vec<Target> {
        let mut targets: Vec<Target> = Vec::new();
        for spec in specs {
            let table = spec.span();
            let spec = spec.get_ref();
            let Some(kind) = TargetKind::from_name(spec.kind.get_ref()) else {
                let span = self.inner(spec.kind.span());
                let kind = spec.kind.get_ref().clone();
                let suggestion = suggest(&kind, TargetKind::ALL.map(TargetKind::name));
                self.error(Problem::UnknownTargetKind { kind, suggestion }, span);
                continue;
            };
            let set = [
                ("namespace", spec.namespace.is_some()),
                ("labels", spec.labels.is_some()),
                ("annotations", spec.annotations.is_some()),
                ("interval", spec.interval.is_some()),
                ("query_offset", spec.query_offset.is_some()),
                ("evaluation_delay", spec.evaluation_delay.is_some()),
                ("source_tenants", spec.source_tenants.is_some()),
                (
                    "partial_response_strategy",
                    spec.partial_response_strategy.is_some(),
                ),
                (
                    "recording_partial_response_strategy",
                    spec.recording_partial_response_strategy.is_some(),
                ),
            ];
            for (key, _) in set
                .iter()
                .filter(|(key, set)| *set && !kind.keys().contains(key))
            {
                let span = keys.get(&table, key).unwrap_or_else(|| table.clone());
                self.error(
                    Problem::TargetKeyNotRead {
                        key: (*key).to_owned(),
                        kind: kind.name(),
                        keys: kind.keys(),
                    },
                    span,
                );
            }
            let mut target = Target::new(kind);
            if let Some(dir) = &spec.dir {
                let span = self.inner(dir.span());
                match target_dir(dir.get_ref()) {
                    Ok(()) => target.dir.clone_from(dir.get_ref()),
                    Err(why) => self.error(invalid_target(why.0, why.1), span),
                }
            }
            if let Some(other) = targets
                .iter()
                .find(|other| nested(&other.dir, &target.dir) || nested(&target.dir, &other.dir))
            {
                let span = spec.dir.as_ref().map_or_else(
                    || self.inner(spec.kind.span()),
                    |dir| self.inner(dir.span()),
                );
                self.error(
                    invalid_target(
                        format!(
                            "target directory `{}` is also the `{}` target's (`{}`)",
                            target.dir,
                            other.kind.name(),
                            other.dir
                        ),
                        "each target writes into a directory of its own: give this one a `dir`"
                            .to_owned(),
                    ),
                    span,
                );
            }
            if let Some(namespace) = &spec.namespace {
                let span = self.inner(namespace.span());
                let text = namespace.get_ref();
                let problem = match kind {
                    TargetKind::Mimir if !is_namespace_pattern(text) => Some((
                        format!("`{}` is not a Mimir namespace this target can write", text.escape_debug()),
                        "a namespace names its file: letters, digits, `-`, `_` and `.`, not starting with `.`; `{service}` stands for the service name (one namespace per service, the default), and without it every service's rules share one namespace file".to_owned(),
                    )),
                    TargetKind::PrometheusOperator if !is_dns_label(text) => Some((
                        format!("`{}` is not a Kubernetes namespace name", text.escape_debug()),
                        "a namespace is at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit".to_owned(),
                    )),
                    _ => None,
                };
                match problem {
                    Some((message, help)) => self.error(invalid_target(message, help), span),
                    None => target.namespace = Some(text.clone()),
                }
            }
            if kind == TargetKind::Mimir && target.namespace.is_none() {
                target.namespace = Some("{service}".to_owned());
            }
            for (map, into) in [
                (&spec.labels, &mut target.labels),
                (&spec.annotations, &mut target.annotations),
            ] {
                let Some(map) = map else { continue };
                for (key, value) in map.get_ref() {
                    if !is_kubernetes_key(key.get_ref()) {
                        let span = self.inner(key.span());
                        let key = key.get_ref();
                        self.error(
                            invalid_target(
                                format!("`{}` is not a Kubernetes label or annotation key", key.escape_debug()),
                                "a key is an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_owned(),
                            ),
                            span,
                        );
                    }
                    into.insert(key.get_ref().clone(), value.get_ref().clone());
                }
            }
            for (key, value) in spec.labels.iter().flat_map(|map| map.get_ref()) {
                if !is_label_value(value.get_ref()) {
                    let span = self.inner(key.span());
                    let (key, value) = (key.get_ref(), value.get_ref());
                    self.error(
                        invalid_target(
                            format!("label `{key}` has a value Kubernetes rejects: `{}`", value.escape_debug()),
                            "a label value is at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or empty)".to_owned(),
                        ),
                        span,
                    );
                }
            }
            target.interval = spec
                .interval
                .as_ref()
                .and_then(|text| self.duration(text, true));
            target.query_offset = spec
                .query_offset
                .as_ref()
                .and_then(|text| self.duration(text, false));
            target.evaluation_delay = spec
                .evaluation_delay
                .as_ref()
                .and_then(|text| self.duration(text, false));
            for tenant in spec.source_tenants.iter().flatten() {
                let name = tenant.get_ref();
                if name.is_empty()
                    || name.contains(['|', '/'])
                    || name.chars().any(char::is_control)
                {
                    let span = self.inner(tenant.span());
                    self.error(
                        invalid_target(
                            format!("`{}` is not a tenant ID", name.escape_debug()),
                            "a Mimir tenant ID is letters, digits and `!-_.*'()`, not empty, with no `|` or `/`".to_owned(),
                        ),
                        span,
                    );
                } else {
                    target.source_tenants.push(name.clone());
                }
            }
            let strategy = |analyzer: &mut Self, text: &Option<Spanned<String>>| {
                let text = text.as_ref()?;
                if matches!(text.get_ref().as_str(), "abort" | "warn") {
                    return Some(text.get_ref().clone());
                }
                let span = analyzer.inner(text.span());
                analyzer.error(
                    invalid_target(
                        format!("unknown partial response strategy `{}`", text.get_ref().escape_debug()),
                        "Thanos knows `abort` (fail the evaluation when a store is down) and `warn` (evaluate what answered)".to_owned(),
                    ),
                    span,
                );
                None
            };
            if kind == TargetKind::Thanos {
                // Thanos: an alert evaluated on partial data may neither
                // fire nor resolve when it should.
                target.alerting_partial_response = Some(
                    strategy(self, &spec.partial_response_strategy)
                        .unwrap_or_else(|| "abort".to_owned()),
                );
                target.recording_partial_response =
                    strategy(self, &spec.recording_partial_response_strategy);
            }
            targets.push(target);
        }
        if targets.is_empty() {
            targets.push(Target::new(TargetKind::Prometheus));
        }
        targets
    }

    /// A shared SLI: one kind, its parameters declared and used. Its
    /// queries are checked where SLOs use it, with values filled in.
    fn shared_sli(&mut self, spec: &spec::SharedSliSpec) -> Option<(String, SharedSli)> {
        self.name("SLI", &spec.name);
        let sli = spec::SliSpec {
            use_sli: None,
            params: None,
            ratio: spec.ratio.clone(),
            latency: spec.latency.clone(),
            threshold: spec.threshold.clone(),
            raw: spec.raw.clone(),
        };
        let kinds = [
            sli.ratio.is_some(),
            sli.latency.is_some(),
            sli.threshold.is_some(),
            sli.raw.is_some(),
        ];
        if kinds.iter().filter(|present| **present).count() != 1 {
            let found = ["ratio", "latency", "threshold", "raw"]
                .iter()
                .zip(kinds)
                .filter(|(_, present)| *present)
                .map(|(kind, _)| (*kind).to_owned())
                .collect();
            let span = self.inner(spec.name.span());
            self.error(Problem::SliKindCount { found }, span);
        }
        let declared: Vec<String> = spec
            .params
            .iter()
            .map(|param| param.get_ref().clone())
            .collect();
        let mut used = std::collections::BTreeSet::new();
        for text in sli_strings(&sli) {
            for (param, range) in placeholders(text.get_ref()) {
                if param == "window" {
                    continue;
                }
                if !declared.contains(&param) {
                    let span = spec::value_span(&self.text, &text.span(), text.get_ref(), range)
                        .unwrap_or_else(|| self.inner(text.span()));
                    self.error(
                        Problem::UndeclaredSliParam {
                            param: param.clone(),
                        },
                        span,
                    );
                }
                used.insert(param);
            }
        }
        for param in &spec.params {
            if !used.contains(param.get_ref()) {
                let span = self.inner(param.span());
                let param = param.get_ref().clone();
                self.error(Problem::UnusedSliParam { param }, span);
            }
        }
        Some((
            spec.name.get_ref().clone(),
            SharedSli {
                params: declared,
                description: spec.description.as_ref().map(|text| text.get_ref().clone()),
                sloth_plugin: spec.sloth_plugin.as_ref().map(|id| id.get_ref().clone()),
                spec: sli,
            },
        ))
    }

    pub(super) fn routing(&mut self, spec: &spec::AlertmanagerSpec) -> Routing {
        let mut durations = [
            &spec.group_wait,
            &spec.group_interval,
            &spec.repeat_interval,
        ]
        .map(|text| text.as_ref().and_then(|text| self.duration(text, true)))
        .into_iter();
        if let Some(global) = &spec.global {
            for (key, value) in global.get_ref() {
                self.secrets(&mut vec!["global", key.as_str()], value);
            }
        }
        let mut receivers: Vec<Receiver> = Vec::new();
        for receiver in &spec.receiver {
            let receiver = receiver.get_ref();
            let name = receiver.name.get_ref();
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                let name_span = self.inner(receiver.name.span());
                self.error(
                    Problem::InvalidReceiverName { name: name.clone() },
                    name_span,
                );
            }
            if receivers.iter().any(|other| &other.name == name) {
                let name_span = self.inner(receiver.name.span());
                self.error(Problem::DuplicateReceiver { name: name.clone() }, name_span);
            }
            for (key, value) in &receiver.integrations {
                let key_span = self.inner(key.span());
                let key = key.get_ref();
                if !INTEGRATIONS.contains(&key.as_str()) {
                    let suggestion = suggest(key, INTEGRATIONS.iter().copied());
                    self.error(
                        Problem::UnknownIntegration {
                            key: key.clone(),
                            suggestion,
                        },
                        key_span,
                    );
                }
                self.secrets(&mut vec![key.as_str()], value);
            }
            receivers.push(Receiver {
                name: name.clone(),
                integrations: receiver
                    .integrations
                    .iter()
                    .map(|(key, value)| (key.get_ref().clone(), value.get_ref().to_toml()))
                    .collect(),
            });
        }
        let names: Vec<String> = receivers
            .iter()
            .map(|receiver| receiver.name.clone())
            .collect();
        let default_receiver = self.receiver_reference(spec.default_receiver.as_ref(), &names);
        let mut teams = BTreeMap::new();
        for team in &spec.team {
            let team = team.get_ref();
            let route = TeamRoute {
                page: self.receiver_reference(team.page.as_ref(), &names),
                ticket: self.receiver_reference(team.ticket.as_ref(), &names),
            };
            let span = self.inner(team.name.span());
            self.team_routes
                .push((team.name.get_ref().clone(), span, self.path.clone()));
            teams.insert(team.name.get_ref().clone(), route);
        }
        // `...` groups by every label; anything else must be a label name,
        // or amtool rejects the file.
        for label in spec.group_by.iter().flatten() {
            let name = label.get_ref();
            if name != "..." && !promql::is_label_name(name) {
                let span = self.inner(label.span());
                self.error(Problem::InvalidLabelName { name: name.clone() }, span);
            }
        }
        let group_by = spec
            .group_by
            .iter()
            .flatten()
            .map(|label| label.get_ref().clone())
            .collect();
        Routing {
            default_receiver,
            group_by,
            group_wait: durations.next().flatten(),
            group_interval: durations.next().flatten(),
            repeat_interval: durations.next().flatten(),
            global: spec
                .global
                .as_ref()
                .map(|global| {
                    global
                        .get_ref()
                        .iter()
                        .map(|(key, value)| (key.clone(), value.get_ref().to_toml()))
                        .collect()
                })
                .unwrap_or_default(),
            receivers,
            teams,
        }
    }

    /// A receiver named by a route; it must be declared.
    pub(super) fn receiver_reference(
        &mut self,
        reference: Option<&Spanned<String>>,
        names: &[String],
    ) -> Option<String> {
        let reference = reference?;
        let name = reference.get_ref();
        if !names.contains(name) {
            let span = self.inner(reference.span());
            let suggestion = suggest(name, names.iter().map(String::as_str));
            self.error(
                Problem::UnknownReceiver {
                    name: name.clone(),
                    suggestion,
                },
                span,
            );
        }
        Some(name.clone())
    }

    /// Reports literal secrets anywhere inside a receiver integration or
    /// the global section; `path` leads to `value` (see `secrets::check`).
    pub(super) fn secrets<'a>(&mut self, path: &mut Vec<&'a str>, value: &'a Spanned<spec::Value>) {
        match value.get_ref() {
            spec::Value::String(text) => {
                if let Some(problem) = crate::secrets::check(path, text) {
                    let span = self.inner(value.span());
                    self.error(problem, span);
                }
            }
            spec::Value::Table(inner) => {
                for (key, value) in inner {
                    path.push(key);
                    self.secrets(path, value);
                    path.pop();
                }
            }
            spec::Value::Array(items) => {
                for item in items {
                    self.secrets(path, item);
                }
            }
            _ => {}
        }
    }

    pub(super) fn windows(
        &mut self,
        windows: &[Spanned<spec::WindowSpec>],
        interval: Duration,
    ) -> Vec<WindowSpec> {
        let mut checked = Vec::new();
        let mut pairs = Vec::new();
        for window in windows {
            let span = window.span();
            let window = window.get_ref();
            let severity = self.severity(&window.severity);
            let long = self.duration(&window.long, true);
            let short = self.duration(&window.short, true);
            let share = match (&window.budget, &window.burn_rate, long) {
                (Some(budget), None, _) => {
                    let share = budget.get_ref() / 100.0;
                    if share.is_finite() && share > 0.0 && share <= 1.0 {
                        Some(crate::number::clean(share))
                    } else {
                        self.error(
                            Problem::BudgetShareOutOfRange {
                                share: *budget.get_ref(),
                            },
                            budget.span(),
                        );
                        None
                    }
                }
                (None, Some(burn_rate), Some(long)) => {
                    let share = math::share_of_reference(*burn_rate.get_ref(), long);
                    if share.is_finite() && share > 0.0 && share <= 1.0 {
                        Some(share)
                    } else {
                        let most = math::REFERENCE_PERIOD.seconds() / long.seconds();
                        self.error(
                            Problem::BurnRateOutOfRange {
                                burn_rate: crate::number::human(*burn_rate.get_ref()),
                                long: long.to_string(),
                                most: crate::number::human(most),
                            },
                            burn_rate.span(),
                        );
                        None
                    }
                }
                (None, Some(_), None) => None,
                _ => {
                    self.error(Problem::WindowBudget, span.clone());
                    None
                }
            };
            if let (Some(long), Some(short)) = (long, short) {
                if pairs.contains(&(long, short)) {
                    let span = self.inner(window.long.span());
                    self.error(
                        Problem::WindowPairRepeated {
                            long: long.to_string(),
                            short: short.to_string(),
                        },
                        span,
                    );
                }
                pairs.push((long, short));
                if short >= long {
                    let span = self.inner(window.short.span());
                    self.error(
                        Problem::ShortWindowNotShorter {
                            short: short.to_string(),
                            long: long.to_string(),
                        },
                        span,
                    );
                } else if short.millis() < interval.millis() * MIN_WINDOW_INTERVALS {
                    let span = self.inner(window.short.span());
                    self.error(
                        Problem::WindowTooShort {
                            window: short.to_string(),
                            interval: interval.to_string(),
                        },
                        span,
                    );
                }
            }
            if let (Some(severity), Some(long), Some(short), Some(budget_share)) =
                (severity, long, short, share)
            {
                checked.push(WindowSpec {
                    at_least_one: false,
                    severity,
                    long,
                    short,
                    budget_share,
                });
            }
        }
        checked.sort_by(|left, right| {
            (left.severity, left.long, left.short).cmp(&(right.severity, right.long, right.short))
        });
        checked
    }
}

fn invalid_target(message: String, help: String) -> Problem {
    Problem::InvalidTarget { message, help }
}

/// Why a target directory is refused: its message and help.
struct DirProblem(String, String);

/// A target directory: relative, plain path parts, clear of the other
/// outputs (`runbooks/`, `tests/`, `alertmanager.yml`).
fn target_dir(dir: &str) -> Result<(), DirProblem> {
    let plain = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !dir.split('/').all(plain) {
        return Err(DirProblem(
            format!("target directory `{}` is not a plain relative path", dir.escape_debug()),
            "name a directory under the output directory, such as `k8s` or `rules/mimir`: letters, digits, `-`, `_` and `.`, parts separated by `/`".to_owned(),
        ));
    }
    let first = dir.split('/').next().unwrap_or_default();
    if matches!(first, "runbooks" | "tests" | "alertmanager.yml") {
        return Err(DirProblem(
            format!("target directory `{dir}` is where slogen writes `{first}`"),
            "choose another directory for the rules".to_owned(),
        ));
    }
    Ok(())
}

/// True when `inner` is `outer` or lies under it.
fn nested(outer: &str, inner: &str) -> bool {
    inner == outer || inner.starts_with(&format!("{outer}/"))
}

/// A Mimir namespace, `{service}` standing for the service name: a file
/// name of plain characters once filled in.
fn is_namespace_pattern(pattern: &str) -> bool {
    let name = pattern.replace("{service}", "x");
    !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A Kubernetes namespace (RFC 1123 label).
fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A Kubernetes label value: empty, or up to 63 of `[A-Za-z0-9._-]`,
/// alphanumeric at both ends.
fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// A Kubernetes label or annotation key: `[prefix/]name`, the prefix a DNS
/// subdomain, the name a non-empty label value.
fn is_kubernetes_key(key: &str) -> bool {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok =
        prefix.is_empty() || (prefix.len() <= 253 && prefix.split('.').all(is_dns_label));
    prefix_ok && !name.is_empty() && is_label_value(name)
}
