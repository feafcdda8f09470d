//! A service's dashboard: a row per SLO (SLI against objective, budget,
//! burn rates per window pair, alert state, no data) and its burn panels.

use std::collections::BTreeSet;

use super::*;

/// One service's dashboard.
pub(crate) fn service_dashboard(
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
    let labels = &slo.grouping;
    let mut matchers = Vec::new();
    let mut variable_names = Vec::new();
    let mut repeat = None;
    for label in labels {
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
