//! `slogen explain`: the Workbook math for each SLO, for people and machines.

use crate::harness::{Project, copy_tree, repository};

fn ecomind() -> Project {
    let project = Project::new();
    copy_tree(&repository().join("slo"), &project.path().join("slo"));
    project
}

#[test]
fn explains_every_ecomind_slo() {
    let run = ecomind().slogen(&["explain"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("explain_ecomind", run.stdout);
}

#[test]
fn json_carries_the_numbers() {
    let run = ecomind().slogen(&["explain", "gateway/availability", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let slo = &json[0];
    assert_eq!(slo["service"], "gateway");
    assert_eq!(slo["error_budget"], 0.001);
    assert_eq!(slo["budget_seconds"], 2592.0);
    let page = &slo["alerts"][0];
    assert_eq!(page["severity"], "page");
    assert_eq!(page["burn_rate"], 14.4);
    assert_eq!(page["threshold"], 0.0144);
    // Workbook: a total outage trips the 1h/14.4x alert after 1.44% of an hour.
    let detection = page["detection_full_outage_seconds"].as_f64().unwrap();
    assert!((detection - 51.84).abs() < 1e-9, "{detection}");
    assert_eq!(page["detection_twice_threshold_seconds"], 1800.0);
    // What Prometheus sees at 1m evaluations, and what the generated promtool
    // tests pin: firing at the first evaluation after 51.84 s.
    assert_eq!(page["firing_after_outage_seconds"], 60.0);
    assert_eq!(page["exhaustion_seconds"], 180_000.0);
}

#[test]
fn unknown_targets_get_a_suggestion() {
    let run = ecomind().slogen(&["explain", "gateway/availabilty"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: no SLO matches `gateway/availabilty`; did you mean `gateway/availability`?\n"
    );
    // A 28d period would put the default 3d ticket at 0.9333x; it is
    // raised to 1x, which spends 3/28 of the budget.
    let run = ecomind().slogen(&["explain", "worker"]);
    assert!(
        run.stdout.contains("3d / 6h   1x      1%         10.71%")
            && !run.stdout.contains("below 1"),
        "{}",
        run.stdout
    );
}
