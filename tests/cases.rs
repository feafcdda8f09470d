//! Golden tests: each `tests/cases/<name>/` holds its input, a spec
//! directory `slo/` (and optionally `templates/`), beside its expected
//! output, `expected/`: the tree `slogen build --tests` writes, file for
//! file under the real names (`expected/prometheus/shop.yml`,
//! `expected/runbooks/shop-latency.md`), so a reviewer opens each as what
//! it is. The output must equal `expected/` byte for byte: a file that
//! differs, a generated file with no expected file, and an expected file
//! no longer generated each fail, all reported in one run with a diff.
//! promtool judges every case's rule files.
//!
//! After an intended output change, rewrite the expected files with
//! `SLOGEN_BLESS=1 cargo test --test integration cases::` (or
//! `INSTA_UPDATE=always`, which also updates the insta snapshots of the
//! other tests) and review `git diff tests/cases`.

use std::fs;
use std::path::Path;

use crate::harness::{Project, copy_tree, promtool, repository, tool_available};

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repository().join("tests/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A project holding a case's input (not its `expected/`), built with
/// the generated tests into `out/`.
fn built_case(case: &Path) -> Project {
    let project = Project::new();
    copy_tree(&case.join("slo"), &project.path().join("slo"));
    if case.join("templates").is_dir() {
        copy_tree(&case.join("templates"), &project.path().join("templates"));
    }
    let run = project.slogen(&[
        "build", "--tests", "--verify", "--slo", "slo", "--out", "out",
    ]);
    assert_eq!(run.code, 0, "{}: {}", case.display(), run.stderr);
    project
}

/// True when the expected files are to be rewritten from the output.
fn blessing() -> bool {
    std::env::var("SLOGEN_BLESS").is_ok_and(|value| !value.is_empty() && value != "0")
        || std::env::var("INSTA_UPDATE").is_ok_and(|value| value == "always")
}

/// Compares the generated tree `out` with the expected tree, returning one
/// message per difference; when blessing, makes `expected` the output
/// instead (and returns nothing).
fn compare_tree(case: &str, project: &Project, expected: &Path, bless: bool) -> Vec<String> {
    let generated: Vec<String> = project
        .files_under("out")
        .into_iter()
        .filter(|file| file != ".slogen-manifest")
        .collect();
    let mut stale = files_below(expected);
    stale.retain(|file| !generated.contains(file));
    let mut problems = Vec::new();
    for file in &generated {
        let actual = fs::read(project.path().join("out").join(file)).unwrap();
        let path = expected.join(file);
        let wanted = fs::read(&path).ok();
        if wanted.as_deref() == Some(actual.as_slice()) {
            continue;
        }
        if bless {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &actual).unwrap();
            eprintln!("rewrote tests/cases/{case}/expected/{file}");
            continue;
        }
        problems.push(match wanted {
            None => format!("tests/cases/{case}/expected/{file} is missing: the case generates it"),
            Some(wanted) => {
                let (wanted, actual) = (
                    String::from_utf8_lossy(&wanted),
                    String::from_utf8_lossy(&actual),
                );
                format!(
                    "tests/cases/{case}/expected/{file} differs from the output:\n{}",
                    similar::TextDiff::from_lines(&wanted, &actual)
                        .unified_diff()
                        .header("expected", "generated")
                )
            }
        });
    }
    for file in stale {
        if bless {
            fs::remove_file(expected.join(&file)).unwrap();
            eprintln!("removed tests/cases/{case}/expected/{file}");
        } else {
            problems.push(format!(
                "tests/cases/{case}/expected/{file} is no longer generated: delete it"
            ));
        }
    }
    problems
}

/// Case snapshots of the old layout (`tests/snapshots/<case>__<file>.snap`)
/// are no longer read: one left there (from a branch made before the
/// move, say) fails, so that its content lands in `expected/` instead.
fn old_layout_snapshots(case: &str, bless: bool) -> Vec<String> {
    let snapshots = repository().join("tests/snapshots");
    let mut problems = Vec::new();
    for file in files_below(&snapshots) {
        if !(file.starts_with(&format!("{case}__")) && file.ends_with(".snap")) {
            continue;
        }
        if bless {
            fs::remove_file(snapshots.join(&file)).unwrap();
            eprintln!("removed tests/snapshots/{file}");
        } else {
            problems.push(format!(
                "tests/snapshots/{file} is a case snapshot of the old layout, no longer read: \
                 the case's output is compared with tests/cases/{case}/expected/; delete it"
            ));
        }
    }
    problems
}

/// Every file below a directory, relative and `/`-separated, sorted; none
/// when it does not exist.
fn files_below(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files
}

/// One build per case: its output is compared with `expected/`, and
/// promtool checks its plain rule files (lint included).
#[test]
fn every_case_writes_its_expected_output_and_promtool_accepts_its_rules() {
    let bless = blessing();
    let judge = tool_available("promtool");
    let mut problems = Vec::new();
    for case in case_names() {
        let dir = repository().join("tests/cases").join(&case);
        let project = built_case(&dir);
        problems.extend(compare_tree(&case, &project, &dir.join("expected"), bless));
        problems.extend(old_layout_snapshots(&case, bless));
        let plain: Vec<String> = project
            .files_under("out/prometheus")
            .into_iter()
            .map(|file| format!("prometheus/{file}"))
            .collect();
        assert!(!plain.is_empty(), "case {case} wrote no plain rule file");
        if judge {
            let mut args = vec!["check", "rules", "--lint=all", "--lint-fatal"];
            args.extend(plain.iter().map(String::as_str));
            promtool(&args, &project.path().join("out"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nIf the new output is intended, rewrite the expected files with \
         `SLOGEN_BLESS=1 cargo test --test integration cases::` and review \
         `git diff tests/cases`.",
        problems.join("\n\n")
    );
}

/// The comparison itself must not pass silently: a changed, a missing and
/// a stale expected file each fail, with a diff for the changed one, and
/// blessing makes the expected tree the output again.
#[test]
fn a_changed_missing_or_stale_expected_file_fails_the_case() {
    let case = repository().join("tests/cases/periods");
    let project = built_case(&case);
    let expected = tempfile::tempdir().unwrap();
    copy_tree(&case.join("expected"), expected.path());
    let expected = expected.path();
    assert_eq!(
        compare_tree("periods", &project, expected, false),
        Vec::<String>::new()
    );

    let alertmanager = expected.join("alertmanager.yml");
    let text = fs::read_to_string(&alertmanager).unwrap();
    fs::write(&alertmanager, text.replacen("receiver:", "receiver :", 1)).unwrap();
    fs::remove_file(expected.join("catalog.md")).unwrap();
    fs::write(expected.join("runbooks/periods-gone.md"), "# gone\n").unwrap();
    let problems = compare_tree("periods", &project, expected, false);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("tests/cases/periods/expected/alertmanager.yml differs")
            && problems[0].contains("-  receiver :")
            && problems[0].contains("+  receiver:"),
        "{}",
        problems[0]
    );
    assert_eq!(
        problems[1],
        "tests/cases/periods/expected/catalog.md is missing: the case generates it"
    );
    assert_eq!(
        problems[2],
        "tests/cases/periods/expected/runbooks/periods-gone.md is no longer generated: delete it"
    );

    assert_eq!(
        compare_tree("periods", &project, expected, true),
        Vec::<String>::new()
    );
    assert_eq!(
        compare_tree("periods", &project, expected, false),
        Vec::<String>::new()
    );
}

#[test]
fn the_repository_example_is_up_to_date() {
    let project = Project::new();
    copy_tree(&repository().join("slo"), &project.path().join("slo"));
    let run = project.slogen(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for file in project.files_under("generated") {
        let committed =
            fs::read_to_string(repository().join("generated").join(&file)).unwrap_or_default();
        assert_eq!(
            project.read(&format!("generated/{file}")),
            committed,
            "generated/{file} is stale: run `slogen build`"
        );
    }
}

/// The embedded rule, dashboard, catalog and runbook templates are written without the
/// template engine (`src/native/`); the same templates given as overrides
/// go through the engine. Every case, and the example project, must come
/// out the same both ways, byte for byte.
#[test]
fn the_native_writers_write_what_the_templates_render() {
    let mut dirs: Vec<(String, std::path::PathBuf)> = case_names()
        .into_iter()
        .map(|case| (case.clone(), repository().join("tests/cases").join(case)))
        .collect();
    dirs.push(("the example project".to_owned(), repository()));
    for (name, dir) in dirs {
        let build = |engine: bool| {
            let project = Project::new();
            copy_tree(&dir.join("slo"), &project.path().join("slo"));
            if engine {
                let exported = project.slogen(&["templates", "export", "-q", "templates"]);
                assert_eq!(exported.code, 0, "{}", exported.stderr);
            }
            if dir.join("templates").is_dir() {
                copy_tree(&dir.join("templates"), &project.path().join("templates"));
            }
            let run = project.slogen(&["build", "-q", "--slo", "slo", "--out", "out"]);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            project
        };
        let (native, engine) = (build(false), build(true));
        let files = native.files_under("out");
        assert_eq!(files, engine.files_under("out"), "{name}");
        for file in &files {
            let native = native.read(&format!("out/{file}"));
            let engine = engine.read(&format!("out/{file}"));
            assert!(
                native == engine,
                "{name}: {file} differs between src/native/ and the template:\n{}",
                similar::TextDiff::from_lines(&engine, &native).unified_diff()
            );
        }
    }
}
