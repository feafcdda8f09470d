//! The overview: every SLO of every service in one dashboard.

use super::*;

/// The overview dashboard of every SLO.
pub(crate) fn overview(project: &Project) -> DashboardView {
    let services: Vec<&str> = project
        .services
        .iter()
        .filter(|service| !service.slos.is_empty())
        .map(|service| service.name.as_str())
        .collect();
    let scope = format!("{{{SERVICE_LABEL}=~{}}}", quote(&services.join("|")));
    let by = format!("by ({SERVICE_LABEL}, {SLO_LABEL})");
    let mut alert_names = Vec::new();
    let mut no_data_names = Vec::new();
    for (_, slo) in project.slos() {
        if !burn_alerts(slo).is_empty() {
            alert_names.push(slo.alerting.name.clone());
        }
        if slo.alerting.no_data {
            let name = slo.alerting.no_data_name.clone();
            alert_names.push(name.clone());
            no_data_names.push(name);
        }
    }
    // SLOs may share a name (`[slo.alerting] name`): each once, in order.
    let mut listed = std::collections::HashSet::new();
    alert_names.retain(|name| listed.insert(name.clone()));
    listed.clear();
    no_data_names.retain(|name| listed.insert(name.clone()));
    // Scoped to the services like the other panels: a shared name (e.g.
    // Sloth's `SLOBurnRateHigh`) may also be another generator's.
    let alerts = |names: &[String]| {
        format!(
            "{ALERTS_METRIC}{{alertname=~{},alertstate=\"firing\",{}",
            quote(&names.join("|")),
            &scope[1..]
        )
    };
    let mut layout = Layout::new();
    let slo_count = project.slos().count();
    if slo_count > 0 {
        let mut out = panel(
            "stat",
            "SLOs out of budget".to_owned(),
            "SLOs (or groups of a grouped SLO) whose error budget over their period is spent."
                .to_owned(),
        );
        out.thresholds = count_steps();
        out.targets = vec![target(
            0,
            format!("count({BUDGET_REMAINING_METRIC}{scope} < 0) or vector(0)"),
            String::new(),
            true,
        )];
        let mut total = panel(
            "stat",
            "SLOs".to_owned(),
            "SLOs whose recording rules Prometheus evaluates.".to_owned(),
        );
        total.targets = vec![target(
            0,
            format!("count(count {by} ({OBJECTIVE_METRIC}{scope}))"),
            String::new(),
            true,
        )];
        let mut line = vec![(6, total), (6, out)];
        if !alert_names.is_empty() {
            let mut firing = panel(
                "stat",
                "SLO alerts firing".to_owned(),
                "Burn-rate and no-data alerts of every SLO firing now.".to_owned(),
            );
            firing.thresholds = count_steps();
            firing.targets = vec![target(
                0,
                format!("count({}) or vector(0)", alerts(&alert_names)),
                String::new(),
                true,
            )];
            line.push((6, firing));
        }
        if !no_data_names.is_empty() {
            let mut no_data = panel(
                "stat",
                "SLOs without data".to_owned(),
                "SLOs whose no-data alert fires: their SLI's metrics are missing, so their burn-rate alerts cannot fire.".to_owned(),
            );
            no_data.thresholds = count_steps();
            no_data.targets = vec![target(
                0,
                format!("count({}) or vector(0)", alerts(&no_data_names)),
                String::new(),
                true,
            )];
            line.push((6, no_data));
        }
        let width = 24 / u32::try_from(line.len()).unwrap_or(4);
        layout.line(
            4,
            line.into_iter().map(|(_, panel)| (width, panel)).collect(),
        );

        let mut gauge = panel(
            "bargauge",
            "Error budget remaining, worst first".to_owned(),
            "Each SLO's error budget left over its period (the worst group of a grouped SLO); below 0 the objective is missed.".to_owned(),
        );
        gauge.unit = "percentunit".to_owned();
        gauge.decimals = Some(1);
        gauge.thresholds = budget_steps();
        gauge.targets = vec![target(
            0,
            format!("sort(min {by} ({BUDGET_REMAINING_METRIC}{scope}))"),
            format!("{{{{{SERVICE_LABEL}}}}}/{{{{{SLO_LABEL}}}}}"),
            true,
        )];
        let height = u32::try_from(slo_count).unwrap_or(40).clamp(2, 40) + 2;
        layout.line(height, vec![(24, gauge)]);

        let mut table = panel(
            "table",
            "Every SLO, worst first".to_owned(),
            "Per SLO: error budget left, objective, SLI over the period, current burn rate (over the base window) and alerts firing; sorted by the budget left.".to_owned(),
        );
        table.thresholds = budget_steps();
        let queries = [
            (
                format!("min {by} ({BUDGET_REMAINING_METRIC}{scope})"),
                "Budget remaining",
                "percentunit",
            ),
            (
                format!("max {by} ({OBJECTIVE_METRIC}{scope})"),
                "Objective",
                "percentunit",
            ),
            (
                format!(
                    "1 - max {by} ({PERIOD_BURN_RATE_METRIC}{scope}) * on ({SERVICE_LABEL}, {SLO_LABEL}) max {by} ({ERROR_BUDGET_METRIC}{scope})"
                ),
                "SLI over the period",
                "percentunit",
            ),
            (
                format!("max {by} ({CURRENT_BURN_RATE_METRIC}{scope})"),
                "Burn rate now",
                "none",
            ),
        ];
        let mut columns = vec![
            ColumnView {
                field: SERVICE_LABEL.to_owned(),
                title: "Service".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            },
            ColumnView {
                field: SLO_LABEL.to_owned(),
                title: "SLO".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            },
        ];
        for (index, (expr, title, unit)) in queries.into_iter().enumerate() {
            let query = target(index, expr, String::new(), true);
            columns.push(ColumnView {
                field: format!("Value #{}", query.ref_id),
                title: title.to_owned(),
                unit: unit.to_owned(),
                colored: index == 0,
            });
            table.targets.push(query);
        }
        if !alert_names.is_empty() {
            let query = target(
                table.targets.len(),
                format!("count {by} ({})", alerts(&alert_names)),
                String::new(),
                true,
            );
            columns.push(ColumnView {
                field: format!("Value #{}", query.ref_id),
                title: "Alerts firing".to_owned(),
                unit: "none".to_owned(),
                colored: false,
            });
            table.targets.push(query);
        }
        table.columns = columns;
        layout.line(
            u32::try_from(slo_count).unwrap_or(40).clamp(4, 40) + 4,
            vec![(24, table)],
        );
    }
    DashboardView {
        path: OVERVIEW_DASHBOARD_FILE.to_owned(),
        uid: OVERVIEW_UID.to_owned(),
        title: "SLOs / overview".to_owned(),
        description: format!(
            "Every SLO of {}: status and error budget left, worst first.",
            if services.is_empty() {
                "the project".to_owned()
            } else {
                services.join(", ")
            }
        ),
        tags: vec![TAG.to_owned()],
        time_from: relative_time(longest_period(project.slos().map(|(_, slo)| slo))),
        sources: project.source_names(),
        variables: Vec::new(),
        panels: layout.panels,
    }
}
