//! A service and its SLOs: names, labels, objectives, periods, windows
//! and alerting switches.

use super::*;

impl Analyzer {
    pub(super) fn service(
        &mut self,
        source: &SourceFile,
        file: &spec::ServiceFile,
        settings: &Settings,
    ) -> Service {
        let spec = file.service.get_ref();
        self.name("service", &spec.name);
        self.name("team", &spec.team);
        // Service labels are set by plain alerting rules, and so templated.
        let labels = self.labels(&spec.labels, !file.alert.is_empty());
        let mut slos: Vec<Slo> = Vec::new();
        let mut seen: BTreeMap<String, ()> = BTreeMap::new();
        for slo in &file.slo {
            let slo_spec = slo.get_ref();
            if seen.insert(slo_spec.name.get_ref().clone(), ()).is_some() {
                let span = self.inner(slo_spec.name.span());
                self.error(
                    Problem::DuplicateSlo {
                        service: spec.name.get_ref().clone(),
                        name: slo_spec.name.get_ref().clone(),
                    },
                    span,
                );
            }
            if let Some(slo) = self.slo(slo_spec, spec.name.get_ref(), settings) {
                slos.push(slo);
            }
        }
        // The labels every plain alerting rule of the service sets.
        let mut rule_labels = labels.clone();
        rule_labels.insert("team".to_owned(), spec.team.get_ref().clone());
        rule_labels.insert(
            crate::names::SERVICE_LABEL.to_owned(),
            spec.name.get_ref().clone(),
        );
        let alerts = file
            .alert
            .iter()
            .filter_map(|alert| self.plain_alert(alert.get_ref(), &rule_labels, settings))
            .collect();
        Service {
            name: spec.name.get_ref().clone(),
            team: spec.team.get_ref().clone(),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            labels,
            source: source.name.clone(),
            slos,
            alerts,
        }
    }

    pub(super) fn slo(
        &mut self,
        spec: &spec::SloSpec,
        service: &str,
        settings: &Settings,
    ) -> Option<Slo> {
        self.name("SLO", &spec.name);
        let objective = *spec.objective.get_ref();
        let in_range = objective.is_finite() && objective > 0.0 && objective < 100.0;
        let objective_ok = in_range
            && crate::number::budget_of_percent(objective) >= crate::number::SMALLEST_BUDGET;
        if !in_range {
            self.error(
                Problem::ObjectiveOutOfRange { objective },
                spec.objective.span(),
            );
        } else if !objective_ok {
            self.error(
                Problem::ObjectiveTooClose { objective },
                spec.objective.span(),
            );
        }
        let period = match &spec.period {
            Some(text) => self.duration(text, true),
            None => Some(settings.default_period),
        };
        let labels = self.labels(&spec.labels, false);
        let sli = self.sli(&spec.sli, settings);
        let alerting = self.alerting(spec, service, settings);
        let runbook = runbook_notes(spec.runbook.as_ref());
        let (period, sli, alerting) = (period?, sli?, alerting?);
        if !objective_ok {
            return None;
        }
        let grouping = sli_grouping(&sli);
        let slo = Slo {
            name: spec.name.get_ref().clone(),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            objective,
            period,
            labels,
            sli,
            grouping,
            alerting,
            runbook,
        };
        self.check_windows(spec, &slo);
        Some(slo)
    }

    /// Windows must fit the period, and enabled alerts must be able to fire.
    pub(super) fn check_windows(&mut self, spec: &spec::SloSpec, slo: &Slo) {
        let place = spec.period.as_ref().map_or_else(
            || self.inner(spec.name.span()),
            |period| self.inner(period.span()),
        );
        // The SLO's own windows are pointed at; the settings' at the period.
        let own_window = |long: Duration| {
            spec.alerting
                .as_ref()
                .and_then(|alerting| alerting.get_ref().window.as_ref())
                .and_then(|windows| {
                    windows.iter().find(|window| {
                        Duration::parse(window.get_ref().long.get_ref()).ok() == Some(long)
                    })
                })
                .map(|window| window.get_ref().long.span())
        };
        let mut reported_period = false;
        for window in slo.alerting.enabled_windows() {
            if window.long >= slo.period && !reported_period {
                reported_period = true;
                let own = own_window(window.long);
                let span = own
                    .clone()
                    .map_or_else(|| place.clone(), |span| self.inner(span));
                self.error(
                    Problem::WindowNotShorter {
                        window: window.long.to_string(),
                        period: slo.period.to_string(),
                        own: own.is_some(),
                    },
                    span,
                );
            }
            let alert = math::burn_alert(window, slo.period, slo.error_budget());
            if alert.burn_rate < 1.0 {
                let span =
                    own_window(window.long).map_or_else(|| place.clone(), |span| self.inner(span));
                self.error(
                    Problem::BurnRateBelowOne {
                        severity: window.severity.as_str().to_owned(),
                        long: window.long.to_string(),
                        burn_rate: crate::number::human(alert.burn_rate),
                        period: slo.period.to_string(),
                    },
                    span,
                );
            }
            if alert.can_never_fire() {
                self.error(
                    Problem::BurnRateNeverFires {
                        severity: window.severity.as_str().to_owned(),
                        long: window.long.to_string(),
                        short: window.short.to_string(),
                        burn_rate: crate::number::format(alert.burn_rate),
                        objective: crate::number::format(slo.error_budget()),
                        threshold: crate::number::percent(alert.threshold),
                    },
                    spec.objective.span(),
                );
            }
        }
    }

    pub(super) fn alerting(
        &mut self,
        spec: &spec::SloSpec,
        service: &str,
        settings: &Settings,
    ) -> Option<Alerting> {
        let slo = spec.name.get_ref();
        let mut alerting = Alerting {
            name: burn_alert_name(service, slo),
            no_data_name: no_data_alert_name(service, slo),
            for_duration: settings.alert_for,
            keep_firing_for: settings.keep_firing_for,
            min_events: settings
                .min_events
                .filter(|_| counts_events(&spec.sli, settings)),
            page_extra: SeverityExtra::default(),
            ticket_extra: SeverityExtra::default(),
            windows: settings.windows.clone(),
            page: true,
            ticket: true,
            no_data: true,
            records_every_window: settings.sloth_compatible,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            receivers: Vec::new(),
        };
        let Some(spanned) = &spec.alerting else {
            return Some(alerting);
        };
        let own = spanned.get_ref();
        if let Some(windows) = &own.window {
            // Windows with errors are left out (and fail the build); the
            // others are still checked against the period.
            alerting.windows = self.windows(windows, settings.evaluation_interval);
        }
        if let Some(name) = &own.name {
            let text = name.get_ref();
            let span = self.inner(name.span());
            // The no-data alert's name is the longest one derived.
            if text.len() + "NoData".len() > MAX_NAME_LENGTH {
                let max = MAX_NAME_LENGTH - "NoData".len();
                self.error(Problem::NameTooLong { what: "alert", max }, span);
            } else if !is_alert_name(text) {
                self.error(Problem::InvalidAlertName { name: text.clone() }, span);
            }
            alerting.name = text.clone();
            alerting.no_data_name = format!("{text}NoData");
        }
        alerting.receivers = self.slo_receivers(own.receivers.as_ref(), &[], settings);
        // Every problem is reported before giving up.
        let mut ok = true;
        if let Some(text) = &own.for_duration {
            match self.duration(text, false) {
                Some(duration) => alerting.for_duration = duration,
                None => ok = false,
            }
        }
        if let Some(text) = &own.keep_firing_for {
            match self.duration(text, false) {
                Some(duration) => alerting.keep_firing_for = duration,
                None => ok = false,
            }
        }
        if let Some(min_events) = &own.min_events {
            if counts_events(&spec.sli, settings) {
                alerting.min_events = self.min_events(min_events);
            } else {
                let kind = sli_kind(&spec.sli, settings);
                let span = min_events.span();
                self.error(Problem::MinEventsWithoutEvents { kind }, span);
            }
        }
        alerting.page = own
            .page
            .as_ref()
            .is_none_or(spec::SeverityAlerting::enabled);
        alerting.ticket = own
            .ticket
            .as_ref()
            .is_none_or(spec::SeverityAlerting::enabled);
        alerting.no_data = own.no_data.unwrap_or(true);
        alerting.labels = self.labels(&own.labels, true);
        alerting.annotations = self.annotations(&own.annotations);
        for (severity, table) in [(Severity::Page, &own.page), (Severity::Ticket, &own.ticket)] {
            if let Some(table) = table.as_ref().and_then(spec::SeverityAlerting::table) {
                let extra = SeverityExtra {
                    labels: self.labels(&table.labels, true),
                    annotations: self.annotations(&table.annotations),
                    receivers: self.slo_receivers(
                        table.receivers.as_ref(),
                        &alerting.receivers,
                        settings,
                    ),
                };
                match severity {
                    Severity::Page => alerting.page_extra = extra,
                    Severity::Ticket => alerting.ticket_extra = extra,
                }
            }
        }
        ok.then_some(alerting)
    }

    /// `receivers` of `[slo.alerting]` or a severity's table: declared
    /// receivers (`unknown-receiver` otherwise), each once, in order. One
    /// named again, or already among `everywhere` (the SLO's receivers of
    /// every alert), is a warning.
    fn slo_receivers(
        &mut self,
        references: Option<&Vec<Spanned<String>>>,
        everywhere: &[String],
        settings: &Settings,
    ) -> Vec<String> {
        // Most SLOs name none: the declared names are gathered only for
        // those that do.
        let Some(references) = references.filter(|references| !references.is_empty()) else {
            return Vec::new();
        };
        let declared: Vec<String> = settings
            .routing
            .receivers
            .iter()
            .map(|receiver| receiver.name.clone())
            .collect();
        let mut receivers = Vec::new();
        for reference in references {
            let Some(name) = self.receiver_reference(Some(reference), &declared) else {
                continue;
            };
            let again = receivers.contains(&name);
            if again || everywhere.contains(&name) {
                let span = self.inner(reference.span());
                self.error(
                    Problem::ReceiverListedTwice {
                        name,
                        everywhere: !again,
                    },
                    span,
                );
            } else {
                receivers.push(name);
            }
        }
        receivers
    }

    /// `min_events`: a positive whole number.
    pub(super) fn min_events(&mut self, spanned: &Spanned<i64>) -> Option<u64> {
        match u64::try_from(*spanned.get_ref()) {
            Ok(count) if count > 0 => Some(count),
            _ => {
                let value = *spanned.get_ref();
                self.error(Problem::MinEventsNotPositive { value }, spanned.span());
                None
            }
        }
    }
}

/// True when the SLI counts events (ratio and latency SLIs), which the
/// low-traffic guard counts; a shared SLI (`use`) as the settings define it.
fn counts_events(sli: &Spanned<spec::SliSpec>, settings: &Settings) -> bool {
    let sli = resolved(sli.get_ref(), settings);
    sli.ratio.is_some() || sli.latency.is_some()
}

/// The SLI spec itself, or the shared SLI it uses (as written, with its
/// placeholders: enough to tell its kind).
fn resolved<'a>(sli: &'a spec::SliSpec, settings: &'a Settings) -> &'a spec::SliSpec {
    sli.use_sli
        .as_ref()
        .and_then(|name| settings.shared_slis.get(name.get_ref()))
        .map_or(sli, |shared| &shared.spec)
}

/// The kind an SLI spec names, for messages.
fn sli_kind(sli: &Spanned<spec::SliSpec>, settings: &Settings) -> &'static str {
    let sli = resolved(sli.get_ref(), settings);
    if sli.threshold.is_some() {
        "threshold"
    } else if sli.raw.is_some() {
        "raw"
    } else {
        "this"
    }
}

/// The labels that tell an SLI's groups apart ([`Slo::grouping`]). The
/// window a query is read at changes no grouping.
fn sli_grouping(sli: &Sli) -> Vec<String> {
    let at = |query: &crate::ir::WindowQuery| query.at(crate::duration::Duration::from_minutes(5));
    let query = match sli {
        Sli::Latency { group_by, .. } => return group_by.clone(),
        Sli::Ratio { total, .. } => at(total),
        Sli::Raw { error_ratio } => at(error_ratio),
        Sli::Threshold { query, .. } => query.clone(),
    };
    crate::promql::grouping_labels(&query)
}
