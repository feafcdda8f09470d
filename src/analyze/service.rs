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
            if let Some(slo) = self.slo(spec.name.get_ref(), slo_spec, settings) {
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
        service: &str,
        spec: &spec::SloSpec,
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
        let alerting = self.alerting(service, spec, settings);
        let runbook = runbook_notes(spec.runbook.as_ref());
        let (period, sli, alerting) = (period?, sli?, alerting?);
        if !objective_ok {
            return None;
        }
        let slo = Slo {
            name: spec.name.get_ref().clone(),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            objective,
            period,
            labels,
            sli,
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
        service: &str,
        spec: &spec::SloSpec,
        settings: &Settings,
    ) -> Option<Alerting> {
        let Some(alerting) = &spec.alerting else {
            return Some(Alerting {
                burn_name: burn_alert_name(service, spec.name.get_ref()),
                no_data_name: no_data_alert_name(service, spec.name.get_ref()),
                windows: settings.windows.clone(),
                page: true,
                ticket: true,
                no_data: true,
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                page_extras: Extras::default(),
                ticket_extras: Extras::default(),
            });
        };
        let alerting = alerting.get_ref();
        let (burn_name, no_data_name) = match &alerting.name {
            Some(name) => {
                self.alert_name(name);
                let name = name.get_ref();
                (name.clone(), format!("{name}NoData"))
            }
            None => (
                burn_alert_name(service, spec.name.get_ref()),
                no_data_alert_name(service, spec.name.get_ref()),
            ),
        };
        let mut extras = |switch: &Option<spec::SeveritySwitch>| match switch {
            Some(spec::SeveritySwitch::Extras(extras)) => Extras {
                labels: self.labels(&extras.labels, true),
                annotations: self.annotations(&extras.annotations),
            },
            _ => Extras::default(),
        };
        let (page_extras, ticket_extras) = (extras(&alerting.page), extras(&alerting.ticket));
        let windows = match &alerting.window {
            // Windows with errors are left out (and fail the build); the
            // others are still checked against the period.
            Some(windows) => self.windows(windows, settings.evaluation_interval),
            None => settings.windows.clone(),
        };
        let enabled = |switch: &Option<spec::SeveritySwitch>| {
            switch.as_ref().is_none_or(spec::SeveritySwitch::enabled)
        };
        Some(Alerting {
            burn_name,
            no_data_name,
            windows,
            page: enabled(&alerting.page),
            ticket: enabled(&alerting.ticket),
            no_data: alerting.no_data.unwrap_or(true),
            labels: self.labels(&alerting.labels, true),
            annotations: self.annotations(&alerting.annotations),
            page_extras,
            ticket_extras,
        })
    }
}
