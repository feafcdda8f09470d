//! Templates: a `templates/` directory overrides the built-in ones file by
//! file, and no template can get invalid output written.

use crate::cli::SERVICE;
use crate::harness::Project;

#[test]
fn an_override_changes_only_its_file() {
    let plain = Project::new();
    plain.file("slo/checkout.toml", SERVICE);
    assert_eq!(plain.slogen(&["build"]).code, 0);
    let custom = Project::new();
    custom.file("slo/checkout.toml", SERVICE);
    let template = slogen::DEFAULT_TEMPLATES
        .iter()
        .find(|(name, _)| *name == "rules.yml.j2")
        .unwrap()
        .1
        .replace("DO NOT EDIT.", "DO NOT EDIT. Shop conventions.");
    custom.file("templates/rules.yml.j2", &template);
    let run = custom.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        custom
            .read("generated/prometheus/checkout.yml")
            .contains("Shop conventions.")
    );
    assert_ne!(
        custom.read("generated/prometheus/checkout.yml"),
        plain.read("generated/prometheus/checkout.yml")
    );
    assert_eq!(
        custom.read("generated/alertmanager.yml"),
        plain.read("generated/alertmanager.yml")
    );
}

#[test]
fn an_override_of_a_retired_rule_template_is_an_error() {
    for retired in ["recording-rules.yml.j2", "alert-rules.yml.j2"] {
        let project = Project::new();
        project.file("slo/checkout.toml", SERVICE);
        project.file(&format!("templates/{retired}"), "groups: []\n");
        let run = project.slogen(&["build", "--color", "never"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "error[template]: template `{retired} (templates directory)` failed: this template is no longer read"
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("`rules.yml.j2`"), "{}", run.stderr);
        assert!(!project.exists("generated"));
    }
}

#[test]
fn a_template_writing_invalid_promql_fails_the_build() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    project.file(
        "templates/rules.yml.j2",
        "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n",
    );
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[generated-invalid]: generated `prometheus/checkout.yml` is invalid: line 5:15: could not parse expression: unclosed left parenthesis"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("generated"));
}

#[test]
fn a_template_error_names_the_template_and_line() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    project.file(
        "templates/rules.yml.j2",
        "groups:\n{{ no_such_variable }}\n",
    );
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error[template]: template `rules.yml.j2 (templates directory)` failed: undefined value"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(line 2)"), "{}", run.stderr);
    project.file("templates/rules.yml.j2", "groups:\n{% for x in %}\n");
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("syntax error"), "{}", run.stderr);
    assert!(!project.exists("generated"));
}

#[test]
fn templates_are_listed_and_exported() {
    let project = Project::new();
    let run = project.slogen(&["templates", "list"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("alertmanager.yml.j2      built in"),
        "{}",
        run.stdout
    );
    let run = project.slogen(&["templates", "export", "my-templates"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (name, source) in slogen::DEFAULT_TEMPLATES {
        assert_eq!(&project.read(&format!("my-templates/{name}")), source);
    }
    project.file("my-templates/runbook.md.j2", "mine");
    let run = project.slogen(&["templates", "export", "my-templates"]);
    assert!(run.stderr.contains("skipped"), "{}", run.stderr);
    assert_eq!(project.read("my-templates/runbook.md.j2"), "mine");
    let run = project.slogen(&["templates", "list", "--templates", "my-templates"]);
    assert!(
        run.stdout
            .contains("runbook.md.j2            my-templates/runbook.md.j2"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_settings_file_can_name_the_templates_directory() {
    let project = Project::new();
    project.file("specs/checkout.toml", SERVICE);
    project.file("specs/slogen.toml", "templates = \"../shop-templates\"\n");
    let template = slogen::DEFAULT_TEMPLATES
        .iter()
        .find(|(name, _)| *name == "rules.yml.j2")
        .unwrap()
        .1
        .replace("DO NOT EDIT.", "DO NOT EDIT. From the settings' templates.");
    project.file("shop-templates/rules.yml.j2", &template);
    let run = project.slogen(&["build", "--slo", "specs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        project
            .read("generated/prometheus/checkout.yml")
            .contains("From the settings' templates.")
    );
}

#[test]
fn a_template_writing_invalid_yaml_fails_the_build() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    project.file(
        "templates/alertmanager.yml.j2",
        "route:\n  receiver: [unclosed\n",
    );
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error[generated-invalid]: generated `alertmanager.yml` is invalid"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("generated"));
}

/// A template overridden before SLOs had receivers of their own writes
/// their routes without `continue`: the alerts would stop at the extra
/// receiver and never reach their team's. The build says so, and writes
/// nothing.
#[test]
fn an_overridden_routing_template_without_continue_fails_the_build() {
    let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/routing");
    let project = Project::copy_of(&cases);
    let template = include_str!("../templates/alertmanager.yml.j2").replace(
        "{%- if child.continues %}\n      continue: true\n{%- endif %}\n",
        "",
    );
    assert!(!template.contains("continue: true"));
    project.file("templates/alertmanager.yml.j2", &template);
    let run = project.slogen(&["build", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("the route to `audit-webhook`")
            && run.stderr.contains("has no `continue: true`"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("generated"));
    // The embedded template writes it, and builds.
    std::fs::remove_file(project.path().join("templates/alertmanager.yml.j2")).unwrap();
    let run = project.slogen(&["build", "--color", "never", "--verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
