//! `slogen diff`: the reviewer's view and the CI gate.

use crate::cli::SERVICE;
use crate::harness::Project;

#[test]
fn up_to_date_stale_and_edited_by_hand() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    // Nothing built yet: every file would be added.
    let run = project.slogen(&["diff"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("--- /dev/null\n+++ b/prometheus/checkout.yml\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("6 added, 0 changed, 0 removed"),
        "{}",
        run.stderr
    );
    assert!(!project.exists("generated"), "diff wrote files");

    assert_eq!(project.slogen(&["build"]).code, 0);
    let run = project.slogen(&["diff"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("generated is up to date"),
        "{}",
        run.stderr
    );

    project.file("slo/checkout.toml", &SERVICE.replace("99.9", "99.5"));
    let run = project.slogen(&["diff"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("-        expr: vector(0.999)\n+        expr: vector(0.995)\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}'), "piped output has no color");
    assert!(
        run.stderr
            .contains("0 added, 4 changed, 0 removed; generated is stale"),
        "{}",
        run.stderr
    );

    let page = "generated/runbooks/checkout-availability.md";
    project.file("slo/checkout.toml", SERVICE);
    project.file(
        page,
        &project
            .read(page)
            .replace("## Diagnosis", "## Diagnosis\n\nMy words."),
    );
    let run = project.slogen(&["diff", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("-My words."), "{}", run.stdout);
    assert!(
        run.stderr.contains("error[edited-by-hand]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 edited by hand or not slogen's"),
        "{}",
        run.stderr
    );
}

#[test]
fn github_format_and_errors() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    let run = project.slogen(&["diff", "--format", "github"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("::error title=slogen stale-output::generated is stale (6 added, 0 changed, 0 removed): run `slogen build` and commit the result"),
        "{}",
        run.stdout
    );
    project.file("slo/checkout.toml", &SERVICE.replace("99.9", "120"));
    assert_eq!(project.slogen(&["diff"]).code, 2);
    let colored = project.slogen(&["diff", "--color", "always", "--slo", "missing"]);
    assert_eq!(colored.code, 2);
}

#[test]
fn forced_color_marks_lines() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    let run = project.slogen(&["diff", "--color", "always"]);
    assert!(run.stdout.contains("\u{1b}[32m+groups:"), "{}", run.stdout);
}
