//! Alertmanager routing and runbooks, judged by amtool and from the outside.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::harness::{Project, copy_tree, repository, tool_available};

/// Every output directory to judge: the repository's and each fixture's.
fn outputs() -> Vec<(String, Project)> {
    let mut outputs = Vec::new();
    let repo = Project::new();
    copy_tree(&repository().join("slo"), &repo.path().join("slo"));
    outputs.push(("slo".to_owned(), repo));
    for entry in fs::read_dir(repository().join("tests/cases")).unwrap() {
        let path = entry.unwrap().path();
        outputs.push((path.display().to_string(), Project::copy_of(&path)));
    }
    for (name, project) in &outputs {
        let run = project.slogen(&["build"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
    outputs
}

pub(crate) fn amtool(args: &[&str], project: &Project) -> (bool, String) {
    let output = Command::new("amtool")
        .args(args)
        .current_dir(project.path())
        .output()
        .expect("amtool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn amtool_accepts_every_alertmanager_config() {
    if !tool_available("amtool") {
        return;
    }
    for (name, project) in outputs() {
        let (ok, text) = amtool(&["check-config", "generated/alertmanager.yml"], &project);
        assert!(ok, "{name}: amtool rejects alertmanager.yml:\n{text}");
    }
}

/// Asserts amtool routes an alert with these labels to exactly `receiver`.
#[track_caller]
pub(crate) fn routes_to(project: &Project, labels: &[&str], receiver: &str) {
    routes_in(project, "generated/alertmanager.yml", labels, receiver);
}

/// [`routes_to`] for the Alertmanager configuration at `file`.
#[track_caller]
pub(crate) fn routes_in(project: &Project, file: &str, labels: &[&str], receiver: &str) {
    let config = format!("--config.file={file}");
    let mut args = vec!["config", "routes", "test", config.as_str()];
    let verify = format!("--verify.receivers={receiver}");
    args.push(&verify);
    args.extend(labels);
    let (ok, text) = amtool(&args, project);
    assert!(ok, "{labels:?} should route to {receiver}: {text}");
}

#[test]
fn every_team_and_severity_reaches_its_receiver() {
    if !tool_available("amtool") {
        return;
    }
    let outputs = outputs();
    let find = |suffix: &str| {
        &outputs
            .iter()
            .find(|(name, _)| name.ends_with(suffix))
            .unwrap()
            .1
    };
    // The EcoMind settings: PagerDuty for pages, Slack for tickets, per team.
    let ecomind = find("slo");
    for team in ["platform", "backend", "data"] {
        routes_to(
            ecomind,
            &[&format!("team={team}"), "severity=critical"],
            &format!("{team}-pagerduty"),
        );
        routes_to(
            ecomind,
            &[&format!("team={team}"), "severity=warning"],
            &format!("{team}-slack"),
        );
    }
    routes_to(
        ecomind,
        &["team=nobody", "severity=critical"],
        "ecomind-slack",
    );
    // Partial settings: configured receivers, made-up ones for the rest.
    let routing = find("routing");
    routes_to(
        routing,
        &["team=shop", "severity=critical"],
        "shop-pagerduty",
    );
    routes_to(routing, &["team=shop", "severity=warning"], "shop-opsgenie");
    // `[slo.alerting] receivers`: shop/checkout's alerts also reach the
    // audit webhook, and still their team's receiver; other SLOs' do not.
    for (severity, team_receiver) in [
        ("severity=critical", "shop-pagerduty"),
        ("severity=warning", "shop-opsgenie"),
    ] {
        routes_to(
            routing,
            &[
                "team=shop",
                severity,
                "slogen_service=shop",
                "slogen_slo=checkout",
            ],
            &format!("audit-webhook,{team_receiver}"),
        );
    }
    // `[slo.alerting.ticket] receivers`: search/latency's tickets only.
    routes_to(
        routing,
        &[
            "team=search",
            "severity=warning",
            "slogen_service=search",
            "slogen_slo=latency",
        ],
        "audit-webhook,search-slack",
    );
    routes_to(
        routing,
        &[
            "team=search",
            "severity=critical",
            "slogen_service=search",
            "slogen_slo=latency",
        ],
        "search-page",
    );
    routes_to(
        routing,
        &["team=search", "severity=critical"],
        "search-page",
    );
    routes_to(
        routing,
        &["team=search", "severity=warning"],
        "search-slack",
    );
    routes_to(routing, &["alertname=Other"], "catch-all");
    // No settings at all: `<team>-page` and `<team>-ticket`.
    let grouped = find("grouped");
    routes_to(
        grouped,
        &["team=backend", "severity=critical"],
        "backend-page",
    );
    routes_to(
        grouped,
        &["team=backend", "severity=warning"],
        "backend-ticket",
    );
    routes_to(grouped, &["alertname=Other"], "default");
}

/// An SLO's own receivers never notify a receiver twice: one that is
/// also the team's receiver of a severity gets no extra route for it, and
/// one named for the SLO and for a severity gets one route.
#[test]
fn an_slos_own_receiver_is_notified_once() {
    if !tool_available("amtool") {
        return;
    }
    let project = Project::new();
    project.file(
        "slo/slogen.toml",
        "[[alertmanager.receiver]]\nname = \"shop-pagerduty\"\n\n[[alertmanager.receiver]]\nname = \"audit\"\n\n[[alertmanager.team]]\nname = \"shop\"\npage = \"shop-pagerduty\"\n",
    );
    project.file(
        "slo/shop.toml",
        "[service]\nname = \"shop\"\nteam = \"shop\"\n\n[[slo]]\nname = \"checkout\"\nobjective = 99.9\n\n[slo.sli.ratio]\nerrors = 'sum(rate(e[{{window}}]))'\ntotal = 'sum(rate(t[{{window}}]))'\n\n[slo.alerting]\nreceivers = [\"shop-pagerduty\", \"audit\"]\n\n[slo.alerting.page]\nreceivers = [\"audit\"]\n",
    );
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let labels = ["team=shop", "slogen_service=shop", "slogen_slo=checkout"];
    let with = |severity: &'static str| {
        let mut all = labels.to_vec();
        all.push(severity);
        all
    };
    routes_to(&project, &with("severity=critical"), "audit,shop-pagerduty");
    routes_to(
        &project,
        &with("severity=warning"),
        "shop-pagerduty,audit,shop-ticket",
    );
}

/// SLOs sharing an alert name (`tests/cases/shared-names`: every SLO's
/// alerts are `SLOBurnRateHigh`) are routed by their team, and notified
/// and inhibited per SLO: no route matches the name, grouping and every
/// inhibition's `equal` hold `slogen_service` and `slogen_slo`, so one
/// SLO's page mutes only its own tickets.
#[test]
fn a_shared_alert_name_is_routed_grouped_and_inhibited_per_slo() {
    let project = Project::copy_of(&repository().join("tests/cases/shared-names"));
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = project.read("generated/alertmanager.yml");
    let config: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let has_slo_labels = |list: &serde_json::Value| {
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
        names.contains(&"slogen_service") && names.contains(&"slogen_slo")
    };
    assert!(has_slo_labels(&config["route"]["group_by"]), "{text}");
    let inhibitions = config["inhibit_rules"].as_array().unwrap();
    assert!(!inhibitions.is_empty(), "{text}");
    for rule in inhibitions {
        assert!(has_slo_labels(&rule["equal"]), "{text}");
    }
    for route in config["route"]["routes"].as_array().unwrap() {
        let matchers = route["matchers"].to_string();
        assert!(!matchers.contains("alertname"), "{text}");
    }
    if !tool_available("amtool") {
        return;
    }
    let (ok, output) = amtool(&["check-config", "generated/alertmanager.yml"], &project);
    assert!(ok, "{output}");
    for (team, slo, receivers) in [
        (
            "payments",
            "slogen_service=checkout",
            ["payments-pagerduty", "payments-ticket"],
        ),
        (
            "search",
            "slogen_service=search",
            ["search-page", "search-ticket"],
        ),
    ] {
        for (severity, receiver) in ["severity=critical", "severity=warning"]
            .iter()
            .zip(receivers)
        {
            routes_to(
                &project,
                &[
                    "alertname=SLOBurnRateHigh",
                    &format!("team={team}"),
                    slo,
                    severity,
                ],
                receiver,
            );
        }
    }
}

#[test]
fn every_runbook_url_resolves_to_a_generated_runbook() {
    for (name, project) in outputs() {
        // Every target's rule files carry the links.
        let rules: String = project
            .files_under("generated")
            .into_iter()
            .filter(|file| {
                Path::new(file).extension().is_some_and(|ext| ext == "yml")
                    && file != "alertmanager.yml"
                    && !file.starts_with("tests/")
            })
            .map(|file| project.read(&format!("generated/{file}")))
            .collect();
        assert!(rules.contains("- alert: "), "{name}: no alert");
        let urls: Vec<&str> = rules
            .lines()
            .filter_map(|line| line.trim().strip_prefix("runbook_url: "))
            .collect();
        let alerts = rules
            .lines()
            .filter(|line| line.trim().starts_with("- alert: "))
            .count();
        assert_eq!(urls.len(), alerts, "{name}: every alert has a runbook_url");
        for url in urls {
            // With `[runbooks] base_url`, the path after it is the file's.
            let path = match url.find("/generated/") {
                Some(at) if url.contains("://") => &url[at + 1..],
                _ => url,
            };
            assert!(project.exists(path), "{name}: {url} does not exist");
        }
    }
}

#[test]
fn hand_written_runbook_text_survives_rebuilds() {
    let project = Project::new();
    let spec = crate::cli::SERVICE.to_owned()
        + "\n[slo.runbook]\ndiagnosis = \"Check the payment provider.\"\n";
    project.file("slo/checkout.toml", &spec);
    assert_eq!(project.slogen(&["build"]).code, 0);
    let page = "generated/runbooks/checkout-availability.md";
    assert!(project.read(page).contains("Check the payment provider."));
    // A change elsewhere in the spec keeps the words.
    project.file("slo/checkout.toml", &spec.replace("99.9", "99.5"));
    assert_eq!(project.slogen(&["build"]).code, 0);
    assert!(project.read(page).contains("Check the payment provider."));
    assert!(project.read(page).contains("99.5%"));
    // Words written into the generated page are never overwritten.
    let edited = project
        .read(page)
        .replace("Check the payment provider.", "My own notes.");
    project.file(page, &edited);
    project.file("slo/checkout.toml", &spec);
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("was edited by hand"), "{}", run.stderr);
    assert_eq!(project.read(page), edited);
}
