//! A hostile pull request: links, forged manifests and odd files committed
//! into the spec and output directories. Nothing outside the output
//! directory may be read, printed, written or deleted, and nothing is
//! skipped silently.

use sha2::{Digest, Sha256};

use crate::harness::{Project, Run};

const SERVICE: &str = r#"[service]
name = "checkout"
team = "shop"

[[slo]]
name = "availability"
objective = 99.9

[slo.sli.ratio]
errors = 'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))'
total = 'sum(rate(http_requests_total[{{window}}]))'
"#;

const SECRET: &str = "AWS_SECRET_ACCESS_KEY=very-secret\n";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A built project with a secret file beside it, outside the output.
fn built() -> Project {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    project.file("outside/secret.env", SECRET);
    project.file("outside/runbooks/keep.md", "keep\n");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    project
}

#[track_caller]
fn assert_nothing_leaked(run: &Run) {
    assert!(
        !run.stdout.contains("very-secret") && !run.stderr.contains("very-secret"),
        "{run:?}"
    );
}

#[cfg(unix)]
fn link(project: &Project, target: &str, at: &str) {
    let at = project.path().join(at);
    let _ = std::fs::remove_file(&at);
    let _ = std::fs::remove_dir_all(&at);
    std::os::unix::fs::symlink(project.path().join(target), at).unwrap();
}

#[cfg(unix)]
#[test]
fn diff_never_prints_a_linked_generated_file() {
    let project = built();
    link(
        &project,
        "outside/secret.env",
        "generated/prometheus/checkout.yml",
    );
    let run = project.slogen(&["diff"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("error[link-in-output]"),
        "{}",
        run.stderr
    );
    assert_nothing_leaked(&run);
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_nothing_leaked(&run);
    assert_eq!(project.read("outside/secret.env"), SECRET);
}

#[cfg(unix)]
#[test]
fn build_never_writes_or_deletes_through_a_linked_directory() {
    let project = built();
    link(&project, "outside/runbooks", "generated/runbooks");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("`generated/runbooks` is a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(project.files_under("outside/runbooks"), ["keep.md"]);
    // A forged manifest line naming the file through the link: not deleted.
    let manifest = project.read("generated/.slogen-manifest");
    project.file(
        "generated/.slogen-manifest",
        &format!("{manifest}{}  runbooks/keep.md\n", sha256("keep\n")),
    );
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(project.read("outside/runbooks/keep.md"), "keep\n");
}

#[cfg(unix)]
#[test]
fn a_linked_output_directory_is_refused() {
    let project = Project::new();
    project.file("slo/checkout.toml", SERVICE);
    project.file("outside/secret.env", SECRET);
    link(&project, "outside", "generated");
    for command in ["build", "diff"] {
        let run = project.slogen(&[command]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("link-in-output"), "{}", run.stderr);
    }
    assert_eq!(project.files_under("outside"), ["secret.env"]);
}

#[test]
fn a_forged_manifest_line_deletes_nothing() {
    let project = built();
    project.file("generated/notes.md", "my notes\n");
    let manifest = project.read("generated/.slogen-manifest");
    project.file(
        "generated/.slogen-manifest",
        &format!("{manifest}notes.md\n{}  notes.md\n", "0".repeat(64)),
    );
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("warning[edited-kept]"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("generated/notes.md"), "my notes\n");
    assert!(
        !project
            .read("generated/.slogen-manifest")
            .contains("notes.md")
    );
}

#[cfg(unix)]
#[test]
fn a_service_file_that_is_no_file_fails_the_build_and_prints_no_secret() {
    let project = built();
    let before = project.read("generated/prometheus/checkout.yml");
    link(&project, "outside/secret.env", "slo/evil.toml");
    std::fs::create_dir_all(project.path().join("slo/dir.toml")).unwrap();
    link(&project, "slo/nowhere", "slo/dangling.toml");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_nothing_leaked(&run);
    for expected in [
        "`slo/dangling.toml` is a link that leads nowhere, not a regular file",
        "`slo/dir.toml` is a directory, not a regular file",
        "`slo/evil.toml` is a symbolic link that leads outside `slo`",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    assert_eq!(project.read("generated/prometheus/checkout.yml"), before);
    // A linked settings file or template is held to the same rule.
    std::fs::remove_dir_all(project.path().join("slo/dir.toml")).unwrap();
    for path in ["slo/evil.toml", "slo/dangling.toml"] {
        std::fs::remove_file(project.path().join(path)).unwrap();
    }
    link(&project, "outside/secret.env", "slo/slogen.toml");
    std::fs::create_dir_all(project.path().join("templates")).unwrap();
    link(&project, "outside/secret.env", "templates/runbook.md.j2");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_nothing_leaked(&run);
    assert!(
        run.stderr.contains("`slo/slogen.toml` is a symbolic link"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_builds_at_once_both_succeed() {
    let project = Project::new();
    for index in 0..40 {
        project.file(
            &format!("slo/service-{index}.toml"),
            &SERVICE.replace("checkout", &format!("service-{index}")),
        );
    }
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_slogen"))
            .arg("build")
            .current_dir(project.path())
            .output()
            .unwrap()
    };
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(spawn);
        let second = scope.spawn(spawn);
        (first.join().unwrap(), second.join().unwrap())
    });
    for output in [&first, &second] {
        assert!(output.status.success(), "{output:?}");
    }
    let stray: Vec<String> = project
        .files_under("")
        .into_iter()
        .filter(|path| path.contains("slogen-staging"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    let run = project.slogen(&["diff"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_template_in_an_slo_label_or_a_file_name_cannot_break_the_output() {
    let project = Project::new();
    project.file(
        "slo/checkout.toml",
        &SERVICE.replace(
            "objective = 99.9\n",
            "objective = 99.9\nlabels = { owner = \"x {{ y\" }\n",
        ),
    );
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        project
            .read("generated/prometheus/checkout.yml")
            .contains("owner: x {{ y")
    );
    project.file("slo/a-->b.toml", "");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("error[invalid-file-name]"),
        "{}",
        run.stderr
    );
}
