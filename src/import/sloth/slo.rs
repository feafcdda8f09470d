//! One Sloth SLO as the `[[slo]]` TOML of a slogen SLO: its SLI, objective
//! and alerting, with the differences the move makes.

#[allow(clippy::wildcard_imports, reason = "the parent's document types")]
use super::*;

impl Importer<'_> {
    pub(super) fn slo(
        &mut self,
        service: &str,
        spanned: &Spanned<Slo>,
        severities: &mut Severities,
        service_differences: &[String],
    ) -> Option<ImportedSlo> {
        let slo = &spanned.value;
        let sloth_name = slo.name.value.clone();
        let name = slogen_name(&sloth_name);
        let line = self.line(&place(&slo.name));
        let mut differences = service_differences.to_vec();
        if name != sloth_name {
            differences.push(format!(
                "SLO `{sloth_name}` is named `{name}`; `sloth_slo` and `sloth_id` change with it"
            ));
        }
        let objective = slo.objective.value;
        if !(objective > 0.0 && objective < 100.0) {
            self.error(
                code::UNSUPPORTED,
                format!("objective {objective} is not between 0 and 100 (exclusive)"),
                Some("an objective of 100% leaves no error budget to alert on"),
                place(&slo.objective),
            );
        }
        let mut text = String::new();
        text.push_str(&format!("\n[[slo]]\nname = {}\n", toml_string(&name)));
        if let Some(description) = &slo.description {
            text.push_str(&format!(
                "description = {}\n",
                toml_string(description.trim())
            ));
        }
        text.push_str(&format!(
            "objective = {}\n",
            crate::import::toml_text::number(objective)
        ));
        let mut labels = slo.labels.clone();
        for label in ["team", "severity", "alertname"] {
            if labels.remove(label).is_some() {
                self.error(
                    code::UNSUPPORTED,
                    format!("SLO label `{label}` is set by slogen"),
                    Some("remove it or rename it"),
                    place(&slo.name),
                );
            }
        }
        if !labels.is_empty() {
            text.push_str(&format!("labels = {}\n", inline(&labels)));
        }
        // The SLI.
        let sli = &slo.sli;
        match (&sli.events, &sli.raw, &sli.plugin) {
            (Some(events), None, None) => {
                let errors = self.query("error_query", &events.error_query);
                let total = self.query("total_query", &events.total_query);
                text.push_str("\n[slo.sli.ratio]\n");
                text.push_str(&format!("errors = {}\n", string(&errors)));
                text.push_str(&format!("total = {}\n", string(&total)));
                differences.push(
                    "period ratio: Sloth averages the 5m error ratios over the period (each 5m counts the same); slogen divides the period's failed events by all its events (traffic-weighted), so a busy bad hour weighs more".to_owned(),
                );
            }
            (None, Some(raw), None) => {
                let ratio = self.query("error_ratio_query", &raw.error_ratio_query);
                text.push_str("\n[slo.sli.raw]\n");
                text.push_str(&format!("error_ratio = {}\n", string(&ratio)));
                differences.push(
                    "windows of a day and more: slogen averages the base window's ratio, as Sloth does for the period; Sloth queries 1d and 3d directly".to_owned(),
                );
            }
            (None, None, Some(plugin)) if self.plugins.contains_key(&plugin.id.value) => {
                let shared = &self.plugins[&plugin.id.value];
                let mut ok = true;
                for param in &shared.params {
                    if !plugin.options.contains_key(param) {
                        self.error(
                            code::UNSUPPORTED,
                            format!(
                                "SLI plugin `{}` has no option `{param}`, which shared SLI `{}` needs",
                                plugin.id.value, shared.name
                            ),
                            Some("add the option, or drop the parameter from the shared SLI"),
                            place(&plugin.id),
                        );
                        ok = false;
                    }
                }
                for option in plugin.options.keys() {
                    if !shared.params.contains(option) {
                        self.error(
                            code::UNSUPPORTED,
                            format!(
                                "option `{option}` of SLI plugin `{}` is no parameter of shared SLI `{}`",
                                plugin.id.value, shared.name
                            ),
                            Some("declare it in the shared SLI's `params`, using it as `{{name}}` in its queries"),
                            place(&plugin.id),
                        );
                        ok = false;
                    }
                }
                if !ok {
                    return None;
                }
                text.push_str(&format!(
                    "\n# Sloth SLI plugin `{}`.\n[slo.sli]\nuse = {}\n",
                    plugin.id.value,
                    toml_string(&shared.name)
                ));
                if !plugin.options.is_empty() {
                    text.push_str(&format!("params = {}\n", inline(&plugin.options)));
                }
                differences.push(format!(
                    "the SLI plugin `{}` is the shared SLI `{}`: its queries are the shared SLI's, not the plugin's Go code",
                    plugin.id.value, shared.name
                ));
            }
            (None, None, Some(plugin)) => {
                let options: Vec<String> = plugin
                    .options
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                self.error(
                    code::UNSUPPORTED,
                    format!(
                        "SLI plugin `{}` is Go code slogen cannot run{}",
                        plugin.id.value,
                        if options.is_empty() {
                            String::new()
                        } else {
                            format!(" (options: {})", options.join(", "))
                        }
                    ),
                    Some("define a shared SLI with `sloth_plugin = \"<id>\"` in a file given to `--sli`, or replace `sli.plugin` by the `events` or `raw` query the plugin returns"),
                    place(&plugin.id),
                );
                return None;
            }
            _ => {
                self.error(
                    code::UNSUPPORTED,
                    format!("SLO `{sloth_name}` needs exactly one of `sli.events`, `sli.raw`, `sli.plugin`"),
                    None,
                    place(&slo.name),
                );
                return None;
            }
        }
        if let Some(plugins) = &slo.plugins {
            differences.push(format!(
                "SLO plugins ({}) are not run: slogen has no SLO plugins",
                plugin_ids(&plugins.value)
            ));
        }
        self.alerting(service, slo, &mut text, &mut differences, severities);
        differences.push(format!(
            "a no-data alert `{}` (ticket) is added: Sloth has none; set `no_data = false` under `[slo.alerting]` to drop it",
            slo.alerting
                .as_ref()
                .and_then(|alerting| alerting.name.as_ref())
                .map_or_else(
                    || crate::names::no_data_alert_name(service, &name),
                    |name| format!("{}NoData", name.value)
                )
        ));
        Some(ImportedSlo {
            name,
            line,
            text,
            differences,
        })
    }

    pub(super) fn alerting(
        &mut self,
        service: &str,
        slo: &Slo,
        text: &mut String,
        differences: &mut Vec<String>,
        severities: &mut Severities,
    ) {
        let empty = Alerting {
            name: None,
            labels: Map::new(),
            annotations: Map::new(),
            page_alert: None,
            ticket_alert: None,
        };
        let alerting = slo.alerting.as_ref().unwrap_or(&empty);
        let page = alerting.page_alert.as_ref();
        let ticket = alerting.ticket_alert.as_ref();
        let page_on = !page.is_some_and(|meta| meta.disable);
        let ticket_on = !ticket.is_some_and(|meta| meta.disable);
        let mut common = alerting.labels.clone();
        for label in ["team", "alertname"] {
            if common.remove(label).is_some() {
                let span = alerting.name.as_ref().map_or(place(&slo.name), place);
                self.error(
                    code::UNSUPPORTED,
                    format!("alert label `{label}` is set by slogen"),
                    Some("remove it"),
                    span,
                );
            }
        }
        let common_severity = common.remove("severity");
        let id = format!("{service}/{}", slogen_name(&slo.name.value));
        let mut severity_of = |meta: Option<&AlertMeta>, which: &str| -> Map {
            let mut labels = meta.map(|meta| meta.labels.clone()).unwrap_or_default();
            labels.remove("team");
            labels.remove("alertname");
            let value = labels
                .remove("severity")
                .or_else(|| common_severity.clone());
            let disabled = meta.is_some_and(|meta| meta.disable);
            if let Some(value) = value.filter(|_| !disabled) {
                let slot = if which == "page" {
                    &mut severities.page
                } else {
                    &mut severities.ticket
                };
                match slot {
                    None => *slot = Some((value, id.clone())),
                    Some((first, first_id)) if *first != value => {
                        let span = alerting.name.as_ref().map_or(place(&slo.name), place);
                        self.error(
                            code::CONFLICT,
                            format!(
                                "{which} alerts' `severity` is `{value}` here but `{first}` in {first_id}"
                            ),
                            Some("slogen sets one `severity` value per severity project-wide (`[severity]` in the settings); make them agree, and route on another label"),
                            span,
                        );
                    }
                    Some(_) => {}
                }
            }
            labels
        };
        let page_labels = severity_of(page, "page");
        let ticket_labels = severity_of(ticket, "ticket");
        let has_alert_table = alerting.name.is_some()
            || !page_on
            || !ticket_on
            || !common.is_empty()
            || !alerting.annotations.is_empty();
        if has_alert_table {
            text.push_str("\n[slo.alerting]\n");
        }
        if let Some(name) = &alerting.name {
            // Sloth's SLOs often share a name: slogen keeps it, the alerts
            // told apart by their SLO's labels.
            let first = severities
                .alert_names
                .entry(name.value.clone())
                .or_insert_with(|| id.clone());
            if *first == id {
                text.push_str("# Sloth's alert name: routes and silences keep matching.\n");
            } else {
                differences.push(format!(
                    "alerts are named `{}` as in Sloth, a name {first} uses too: slogen tells them apart by `slogen_service` and `slogen_slo` (and `sloth_service`, `sloth_slo`), as Sloth does by its labels; the no-data alerts share `{}NoData`",
                    name.value, name.value
                ));
                text.push_str(&format!(
                    "# Sloth's alert name, shared with {first}:\n# routes and silences keep matching; `slogen_service` and `slogen_slo`\n# tell the alerts apart.\n"
                ));
            }
            text.push_str(&format!("name = {}\n", toml_string(&name.value)));
        } else if page_on || ticket_on {
            differences.push(format!(
                "alerts are named `{}`: the Sloth spec named none",
                crate::names::burn_alert_name(service, &slogen_name(&slo.name.value))
            ));
        }
        if !page_on {
            text.push_str("page = false\n");
        }
        if !ticket_on {
            text.push_str("ticket = false\n");
        }
        if !common.is_empty() {
            text.push_str(&format!("labels = {}\n", inline(&common)));
        }
        if !alerting.annotations.is_empty() {
            text.push_str(&format!(
                "annotations = {}\n",
                inline(&alerting.annotations)
            ));
        }
        for (which, on, meta, labels) in [
            ("page", page_on, page, &page_labels),
            ("ticket", ticket_on, ticket, &ticket_labels),
        ] {
            let annotations = meta
                .map(|meta| meta.annotations.clone())
                .unwrap_or_default();
            if !on {
                if !labels.is_empty() || !annotations.is_empty() {
                    differences.push(format!(
                        "the disabled {which} alert's labels and annotations are dropped"
                    ));
                }
                continue;
            }
            if labels.is_empty() && annotations.is_empty() {
                continue;
            }
            text.push_str(&format!("\n[slo.alerting.{which}]\n"));
            if !labels.is_empty() {
                text.push_str(&format!("labels = {}\n", inline(labels)));
            }
            if !annotations.is_empty() {
                text.push_str(&format!("annotations = {}\n", inline(&annotations)));
            }
        }
        if page_on || ticket_on {
            differences.push(
                "alert rules: Sloth writes one rule per severity (two window pairs joined by `or`); slogen one rule per window pair with the same name, labelled `slogen_long_window` and `slogen_short_window`; {WINDOWS}".to_owned(),
            );
            differences.push(
                "alert labels: `team`, `slogen_service`, `slogen_slo` are added; `severity` comes from `[severity]` in the settings".to_owned(),
            );
            let overridden = |name: &str| {
                alerting.annotations.contains_key(name)
                    || [page, ticket]
                        .into_iter()
                        .flatten()
                        .any(|meta| meta.annotations.contains_key(name))
            };
            if !overridden("title") {
                differences.push(
                    "annotations: Sloth's default `title` is not written; slogen writes `summary`, `description` and `runbook_url`".to_owned(),
                );
            }
            if !overridden("summary") {
                differences.push(
                    "annotations: `summary` is slogen's (the burn rate and windows), not Sloth's default".to_owned(),
                );
            }
        }
    }
}
