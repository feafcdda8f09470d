//! The rest of the command line: init, completions, man page, help,
//! empty spec directories, closed pipes.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::harness::{Project, copy_tree, promtool, repository, tool_available};

#[test]
fn init_scaffolds_a_spec_directory_that_builds() {
    let project = Project::new();
    let run = project.slogen(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("created  slo/example.toml"),
        "{}",
        run.stderr
    );
    assert!(project.read("slo/example.toml").contains("[slo.sli.ratio]"));
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    if tool_available("promtool") {
        promtool(
            &[
                "check",
                "rules",
                "--lint=all",
                "--lint-fatal",
                "prometheus/example.yml",
            ],
            &project.path().join("generated"),
        );
    }
    // A second init keeps what is there.
    project.file("slo/example.toml", "# mine\n");
    let run = project.slogen(&["init"]);
    assert!(
        run.stderr.contains("kept     slo/example.toml (exists)"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("slo/example.toml"), "# mine\n");
}

#[test]
fn completions_man_and_help() {
    let project = Project::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = project.slogen(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains("slogen"), "{shell}: {}", run.stdout);
    }
    let run = project.slogen(&["man"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(".TH slogen 1"), "{}", run.stdout);
    for command in [
        "build",
        "check",
        "diff",
        "explain",
        "init",
        "completions",
        "man",
        "templates",
    ] {
        let run = project.slogen(&[command, "--help"]);
        assert_eq!(run.code, 0, "{command}");
        assert!(
            run.stdout.contains("Examples:"),
            "`slogen {command} --help` has no examples"
        );
    }
}

#[test]
fn an_empty_spec_directory_is_explained() {
    let project = Project::new();
    project.file("slo/README.md", "nothing here yet");
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning[no-spec-files]: no service files (`*.toml`) in `slo`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`slogen init` writes an example"),
        "{}",
        run.stderr
    );
    // No service, no rule file.
    assert!(!project.exists("generated/prometheus"));
    assert!(project.exists("generated/alertmanager.yml"));
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let project = Project::new();
    copy_tree(&repository().join("slo"), &project.path().join("slo"));
    for args in [&["explain"][..], &["diff"][..], &["man"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slogen"))
            .args(args)
            .current_dir(project.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0_u8; 1];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The reader is gone: the rest of the output meets a closed pipe.
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}");
    }
}
