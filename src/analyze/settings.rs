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
            let span = global.span();
            for (key, value) in global.get_ref() {
                self.secrets(&mut vec!["global", key.as_str()], value, &span);
            }
        }
        let mut receivers: Vec<Receiver> = Vec::new();
        for receiver in &spec.receiver {
            let span = receiver.span();
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
                if !INTEGRATIONS.contains(&key.as_str()) {
                    let key_span = self.key_span(&span, key);
                    let suggestion = suggest(key, INTEGRATIONS.iter().copied());
                    self.error(
                        Problem::UnknownIntegration {
                            key: key.clone(),
                            suggestion,
                        },
                        key_span,
                    );
                }
                self.secrets(&mut vec![key.as_str()], value, &span);
            }
            receivers.push(Receiver {
                name: name.clone(),
                integrations: receiver.integrations.clone(),
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
                .map(|global| global.get_ref().clone())
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
    pub(super) fn secrets<'a>(
        &mut self,
        path: &mut Vec<&'a str>,
        value: &'a toml::Value,
        table: &Range<usize>,
    ) {
        match value {
            toml::Value::String(text) => {
                if let Some(problem) = crate::secrets::check(path, text) {
                    let key = path.last().copied().unwrap_or("");
                    let span = self.value_span(table, key, text);
                    self.error(problem, span);
                }
            }
            toml::Value::Table(inner) => {
                for (key, value) in inner {
                    path.push(key);
                    self.secrets(path, value, table);
                    path.pop();
                }
            }
            toml::Value::Array(items) => {
                for item in items {
                    self.secrets(path, item, table);
                }
            }
            _ => {}
        }
    }

    /// The span of `value` after `key` inside a table's text.
    pub(super) fn value_span(&self, table: &Range<usize>, key: &str, value: &str) -> Range<usize> {
        let key_span = self.key_span(table, key);
        let end = self.table_range(table).end;
        self.text
            .get(key_span.end..end)
            .and_then(|rest| rest.find(value))
            .map_or(key_span.clone(), |offset| {
                key_span.end + offset..key_span.end + offset + value.len()
            })
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
