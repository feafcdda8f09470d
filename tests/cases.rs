//! Golden tests: each `tests/cases/<name>/` holds a spec directory `slo/`
//! (and optionally `templates/`); every file `slogen build` generates is
//! snapshotted, a snapshot whose file is no longer generated fails, and
//! promtool judges the rule files.

use std::fs;

use crate::harness::{Project, promtool, repository, tool_available};

fn case_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repository().join("tests/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn snapshot_name(case: &str, file: &str) -> String {
    format!("{case}__{}", file.replace(['/', '.'], "_"))
}

#[test]
fn every_case_matches_its_snapshots() {
    let snapshots = repository().join("tests/snapshots");
    for case in case_names() {
        let project = Project::copy_of(&repository().join("tests/cases").join(&case));
        let run = project.slogen(&[
            "build", "--tests", "--verify", "--slo", "slo", "--out", "out",
        ]);
        assert_eq!(run.code, 0, "case {case}: {}", run.stderr);
        let files: Vec<String> = project
            .files_under("out")
            .into_iter()
            .filter(|file| file != ".slogen-manifest")
            .collect();
        assert!(!files.is_empty(), "case {case} generated nothing");
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_snapshot_path(&snapshots);
        settings.set_omit_expression(true);
        settings.set_description(format!("tests/cases/{case}"));
        let expected: Vec<String> = files
            .iter()
            .map(|file| snapshot_name(&case, file))
            .collect();
        settings.bind(|| {
            for file in &files {
                insta::assert_snapshot!(
                    snapshot_name(&case, file),
                    project.read(&format!("out/{file}"))
                );
            }
        });
        // A snapshot of a file the case no longer generates is an error.
        for entry in fs::read_dir(&snapshots).into_iter().flatten() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".snap")
                && stem.starts_with(&format!("{case}__"))
            {
                assert!(
                    expected.iter().any(|wanted| wanted == stem),
                    "case {case} no longer generates the file of snapshot {name}"
                );
            }
        }
    }
}

#[test]
fn promtool_accepts_every_case() {
    if !tool_available("promtool") {
        return;
    }
    for case in case_names() {
        let project = Project::copy_of(&repository().join("tests/cases").join(&case));
        let run = project.slogen(&[
            "build", "--tests", "--verify", "--slo", "slo", "--out", "out",
        ]);
        assert_eq!(run.code, 0, "case {case}: {}", run.stderr);
        let plain: Vec<String> = project
            .files_under("out/prometheus")
            .into_iter()
            .map(|file| format!("prometheus/{file}"))
            .collect();
        assert!(!plain.is_empty(), "case {case} wrote no plain rule file");
        let mut args = vec!["check", "rules", "--lint=all", "--lint-fatal"];
        args.extend(plain.iter().map(String::as_str));
        promtool(&args, &project.path().join("out"));
    }
}

#[test]
fn the_repository_example_is_up_to_date() {
    let project = Project::new();
    crate::harness::copy_tree(&repository().join("slo"), &project.path().join("slo"));
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

/// The embedded rule and dashboard templates are written without the
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
            crate::harness::copy_tree(&dir.join("slo"), &project.path().join("slo"));
            if engine {
                let exported = project.slogen(&["templates", "export", "-q", "templates"]);
                assert_eq!(exported.code, 0, "{}", exported.stderr);
            }
            if dir.join("templates").is_dir() {
                crate::harness::copy_tree(
                    &dir.join("templates"),
                    &project.path().join("templates"),
                );
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
