//! The JSON Schema of the spec files (`slogen schema`), judged by an
//! independent validator, check-jsonschema (PyPI), which reads TOML: every
//! example of docs/reference.md, every file in `slo/` and every fixture's
//! spec passes it; the fixtures of `tests/schema/invalid/` (unknown keys,
//! wrong types) fail it, and slogen's own parser rejects them too.

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::{Project, check_jsonschema, repository, tool_available};

/// `slogen schema <kind>` written into the project, and its path.
fn schema_file(project: &Project, kind: &str) -> PathBuf {
    let run = project.slogen(&["schema", kind]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = project.path().join(format!("{kind}.schema.json"));
    fs::write(&path, run.stdout).unwrap();
    path
}

fn is_settings(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == "slogen.toml")
}

/// Every spec file of `slo/` and of the fixtures.
fn spec_files() -> Vec<PathBuf> {
    let mut dirs = vec![repository().join("slo")];
    for entry in fs::read_dir(repository().join("tests/cases")).unwrap() {
        dirs.push(entry.unwrap().path().join("slo"));
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_documented_example_and_spec_file_passes_the_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    let project = Project::new();
    let service = schema_file(&project, "service");
    let settings = schema_file(&project, "settings");
    let mut services = Vec::new();
    let mut settings_files = Vec::new();
    for (index, (name, text)) in crate::reference::examples().into_iter().enumerate() {
        let path = project.path().join(format!("reference-{index}.toml"));
        fs::write(&path, text).unwrap();
        if name == "slo/slogen.toml" {
            settings_files.push(path);
        } else {
            services.push(path);
        }
    }
    assert!(services.len() + settings_files.len() >= 8 && !settings_files.is_empty());
    for file in spec_files() {
        if is_settings(&file) {
            settings_files.push(file);
        } else {
            services.push(file);
        }
    }
    let (valid, output) = check_jsonschema(&service, &services);
    assert!(valid, "service files:\n{output}");
    let (valid, output) = check_jsonschema(&settings, &settings_files);
    assert!(valid, "settings files:\n{output}");
}

#[test]
fn unknown_keys_and_wrong_types_fail_the_schema_and_the_parser() {
    let fixtures = repository().join("tests/schema/invalid");
    let mut names: Vec<String> = fs::read_dir(&fixtures)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    let judge = tool_available("check-jsonschema");
    let project = Project::new();
    let service = schema_file(&project, "service");
    let settings = schema_file(&project, "settings");
    for name in names {
        let text = fs::read_to_string(fixtures.join(&name)).unwrap();
        let (schema, target) = if name.starts_with("settings-") {
            (&settings, "slogen.toml")
        } else {
            (&service, "api.toml")
        };
        if judge {
            let path = project.path().join(&name);
            fs::write(&path, &text).unwrap();
            let (valid, _) = check_jsonschema(schema, &[path]);
            assert!(!valid, "the schema accepts tests/schema/invalid/{name}");
        }
        // The parser agrees: the schema describes what slogen reads.
        let spec = Project::new();
        spec.file(&format!("slo/{target}"), &text);
        if target == "slogen.toml" {
            spec.file(
                "slo/api.toml",
                "[service]\nname = \"api\"\nteam = \"backend\"\n",
            );
        }
        let run = spec.slogen(&["check"]);
        assert_ne!(run.code, 0, "slogen check accepts {name}");
    }
}

#[test]
fn the_committed_schemas_and_directives_are_current() {
    let project = Project::new();
    for (kind, file) in [
        ("service", "slo/.schema/slogen-service.json"),
        ("settings", "slo/.schema/slogen-settings.json"),
    ] {
        let run = project.slogen(&["schema", kind]);
        assert_eq!(run.code, 0);
        let committed = fs::read_to_string(repository().join(file)).unwrap();
        assert_eq!(
            committed, run.stdout,
            "{file} is stale: run `slogen schema {kind} > {file}`"
        );
    }
    for file in fs::read_dir(repository().join("slo")).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "toml") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let expected = if is_settings(&path) {
            "#:schema ./.schema/slogen-settings.json"
        } else {
            "#:schema ./.schema/slogen-service.json"
        };
        assert_eq!(
            text.lines().next(),
            Some(expected),
            "{}: the first line points editors at the schema",
            path.display()
        );
    }
}

#[test]
fn init_writes_the_schemas_and_the_directives_and_the_files_pass_them() {
    let project = Project::new();
    let run = project.slogen(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        project
            .read("slo/example.toml")
            .starts_with("#:schema ./.schema/slogen-service.json\n")
    );
    assert!(
        project
            .read("slo/slogen.toml")
            .starts_with("#:schema ./.schema/slogen-settings.json\n")
    );
    assert_eq!(
        project.read("slo/.schema/slogen-service.json"),
        project.slogen(&["schema"]).stdout
    );
    let run = project.slogen(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning"),
        "the schemas beside the specs draw a warning: {}",
        run.stderr
    );
    if tool_available("check-jsonschema") {
        let slo = project.path().join("slo");
        for (schema, file) in [
            (".schema/slogen-service.json", "example.toml"),
            (".schema/slogen-settings.json", "slogen.toml"),
        ] {
            let (valid, output) = check_jsonschema(&slo.join(schema), &[slo.join(file)]);
            assert!(valid, "{file}: {output}");
        }
    }
}
