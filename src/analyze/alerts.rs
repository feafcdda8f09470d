//! Plain alerts, their `[[alert.test]]` cases, and alert names across
//! the project: unique, except the own names SLOs share.

use super::*;

impl Analyzer {
    /// A plain alert; `rule_labels` are the labels the service gives each
    /// of its alerting rules.
    pub(super) fn plain_alert(
        &mut self,
        spec: &spec::AlertSpec,
        rule_labels: &BTreeMap<String, String>,
        settings: &Settings,
    ) -> Option<PlainAlert> {
        let name = spec.name.get_ref();
        self.alert_name(&spec.name);
        let expr = self.query("expr", spec.expr.get_ref(), &spec.expr);
        // `Some(None)`: written, and not a duration (reported; the other
        // fields are still checked).
        let for_duration = spec
            .for_duration
            .as_ref()
            .map(|text| self.duration(text, false));
        let severity = self.severity(&spec.severity);
        let labels = self.labels(&spec.labels, true);
        let annotations = self.annotations(&spec.annotations);
        self.template("summary", spec.summary.as_ref());
        self.template("description", spec.description.as_ref());
        // What a test may expect of the alert's own labels.
        let mut own = rule_labels.clone();
        own.extend(labels.clone());
        if let Some(severity) = severity {
            own.insert(
                "severity".to_owned(),
                settings.severity_label(severity).to_owned(),
            );
        }
        own.insert("alertname".to_owned(), name.clone());
        let tests = spec
            .test
            .iter()
            .map(|test| self.alert_test(test, &own))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Option<Vec<_>>>();
        expr?;
        let for_duration = match for_duration {
            Some(duration) => Some(duration?),
            None => None,
        };
        Some(PlainAlert {
            name: name.clone(),
            expr: spec.expr.get_ref().trim().to_owned(),
            for_duration,
            severity: severity?,
            summary: spec.summary.as_ref().map(|text| text.get_ref().clone()),
            description: spec.description.as_ref().map(|text| text.get_ref().clone()),
            labels,
            annotations,
            runbook: runbook_notes(spec.runbook.as_ref()),
            tests: tests?,
        })
    }

    /// Checks an alert name the user chose.
    pub(super) fn alert_name(&mut self, name: &Spanned<String>) {
        if name.get_ref().len() > MAX_NAME_LENGTH {
            let span = self.inner(name.span());
            let max = MAX_NAME_LENGTH;
            self.error(Problem::NameTooLong { what: "alert", max }, span);
        } else if !is_alert_name(name.get_ref()) {
            let span = self.inner(name.span());
            let name = name.get_ref().clone();
            self.error(Problem::InvalidAlertName { name }, span);
        }
    }

    /// A promtool case of a plain alert: series promtool can load, and
    /// expected labels that agree with the alert's own (`own`; a label whose
    /// value Prometheus expands from a template may be expected expanded).
    pub(super) fn alert_test(
        &mut self,
        spanned: &Spanned<spec::AlertTestSpec>,
        own: &BTreeMap<String, String>,
    ) -> Option<AlertTest> {
        let test = spanned.get_ref();
        let mut ok = true;
        for (series, values) in &test.series {
            if let Err(error) = promql::parse_series(series.get_ref()) {
                let span = self.inner(series.span());
                self.error(
                    Problem::InvalidTestSeries {
                        series: series.get_ref().clone(),
                        error,
                    },
                    span,
                );
                ok = false;
            }
            if let Err(error) = crate::notation::check(values.get_ref()) {
                let span = self.inner(values.span());
                self.error(
                    Problem::InvalidTestValues {
                        values: values.get_ref().clone(),
                        error,
                    },
                    span,
                );
                ok = false;
            }
        }
        let at = self.duration(&test.at, false);
        for (label, value) in &test.labels {
            let (label_span, value_span) = (self.inner(label.span()), self.inner(value.span()));
            let (label, value) = (label.get_ref(), value.get_ref());
            if !promql::is_label_name(label) {
                let span = label_span;
                self.error(
                    Problem::InvalidLabelName {
                        name: label.clone(),
                    },
                    span,
                );
                ok = false;
            } else if let Some(set) = own.get(label)
                && set != value
                && !set.contains("{{")
            {
                let span = value_span;
                self.error(
                    Problem::TestLabelConflict {
                        name: label.clone(),
                        expected: value.clone(),
                        set: set.clone(),
                    },
                    span,
                );
                ok = false;
            }
        }
        let at = at?;
        ok.then(|| AlertTest {
            series: spec::plain(&test.series),
            at,
            firing: test.firing,
            labels: spec::plain(&test.labels),
        })
    }

    /// Alert names are unique across the project, generated ones included,
    /// except that SLOs may share an own name (`[slo.alerting] name`), as
    /// Sloth's SLOs do: their alerts are told apart by `slogen_service` and
    /// `slogen_slo`, which every SLO alert carries and which the generated
    /// tests, routes and inhibitions match on. A shared name is one role:
    /// burn-rate alerts with burn-rate alerts, no-data with no-data. Rule
    /// group names are unique too: an SLO's recording group must not take
    /// the name of a service's alert group (`slogen-x-alerts`).
    pub(super) fn unique_alert_names(
        &mut self,
        analyzed: &[(&&SourceFile, &&spec::ServiceFile, Service)],
    ) {
        let mut seen: BTreeMap<String, (String, NameRole)> = BTreeMap::new();
        let alert_groups: BTreeMap<String, &str> = analyzed
            .iter()
            .map(|(_, _, service)| {
                (
                    crate::names::alert_group_name(&service.name),
                    service.name.as_str(),
                )
            })
            .collect();
        for (source, file, service) in analyzed {
            self.path = source.path.clone();
            self.text = source.text.clone();
            for slo in &file.slo {
                let slo = slo.get_ref();
                let group = crate::names::recording_group_name(&service.name, slo.name.get_ref());
                if let Some(owner) = alert_groups.get(&group) {
                    let span = self.inner(slo.name.span());
                    self.error(
                        Problem::GroupNameTaken {
                            group,
                            service: (*owner).to_owned(),
                        },
                        span,
                    );
                }
                let owner = format!("SLO `{}/{}`", service.name, slo.name.get_ref());
                // An own name (`[slo.alerting] name`) is pointed at.
                let own = slo
                    .alerting
                    .as_ref()
                    .and_then(|alerting| alerting.get_ref().name.as_ref());
                let names = match own {
                    Some(name) => [
                        (name.get_ref().clone(), NameRole::OwnBurn),
                        (format!("{}NoData", name.get_ref()), NameRole::OwnNoData),
                    ],
                    None => [
                        (
                            burn_alert_name(&service.name, slo.name.get_ref()),
                            NameRole::Unique,
                        ),
                        (
                            no_data_alert_name(&service.name, slo.name.get_ref()),
                            NameRole::Unique,
                        ),
                    ],
                };
                let place = own.map_or_else(|| slo.name.span(), Spanned::span);
                // One error per SLO: its no-data name follows from the other.
                let mut reported = false;
                for (name, role) in names {
                    let taken = seen
                        .get(&name)
                        .filter(|(other, other_role)| *other != owner && !role.shares(*other_role));
                    match taken {
                        Some((other, _)) if !reported => {
                            reported = true;
                            let span = self.inner(place.clone());
                            self.error(
                                Problem::DuplicateAlert {
                                    name: name.clone(),
                                    other: other.clone(),
                                },
                                span,
                            );
                        }
                        Some(_) => {}
                        None => {
                            seen.entry(name).or_insert_with(|| (owner.clone(), role));
                        }
                    }
                }
            }
            for alert in &file.alert {
                let alert = alert.get_ref();
                let name = alert.name.get_ref();
                if let Some((other, _)) = seen.get(name) {
                    let span = self.inner(alert.name.span());
                    self.error(
                        Problem::DuplicateAlert {
                            name: name.clone(),
                            other: other.clone(),
                        },
                        span,
                    );
                }
                seen.insert(
                    name.clone(),
                    (format!("an alert in `{}`", source.name), NameRole::Unique),
                );
            }
        }
    }
}

/// What an alert name stands for, to tell which names SLOs may share.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameRole {
    /// An SLO's own name for its burn-rate alerts.
    OwnBurn,
    /// The no-data alert of an SLO's own name (`<name>NoData`).
    OwnNoData,
    /// A generated name or a plain alert's: one alert's alone.
    Unique,
}

impl NameRole {
    /// True when alerts of these roles may share a name.
    fn shares(self, other: Self) -> bool {
        self == other && self != Self::Unique
    }
}
