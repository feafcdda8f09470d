//! The shared harness: a temporary project directory and the real binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary working directory with spec files in it.
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

/// What a run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Project {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// A project holding a copy of a directory tree.
    pub(crate) fn copy_of(source: &Path) -> Self {
        let project = Self::new();
        copy_tree(source, project.path());
        project
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (parents created).
    pub(crate) fn file(&self, relative: &str, contents: &str) -> &Self {
        self.bytes(relative, contents.as_bytes())
    }

    /// Writes a file of raw bytes (which need not be UTF-8).
    pub(crate) fn bytes(&self, relative: &str, contents: &[u8]) -> &Self {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    pub(crate) fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path().join(relative))
            .unwrap_or_else(|error| panic!("{relative}: {error}"))
    }

    pub(crate) fn exists(&self, relative: &str) -> bool {
        self.path().join(relative).exists()
    }

    /// Runs `slogen` with the project as working directory.
    pub(crate) fn slogen(&self, args: &[&str]) -> Run {
        self.slogen_with(args, &[])
    }

    /// Runs `slogen` with extra environment variables.
    pub(crate) fn slogen_with(&self, args: &[&str], environment: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_slogen"))
            .args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR")
            .env_remove("SLOGEN_SLO")
            .env_remove("SLOGEN_OUT")
            .env_remove("SLOGEN_PROMTOOL")
            .envs(environment.iter().copied())
            .output()
            .expect("slogen runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every file below a directory of the project, relative, sorted.
    pub(crate) fn files_under(&self, relative: &str) -> Vec<String> {
        let root = self.path().join(relative);
        let mut files = Vec::new();
        collect(&root, &root, &mut files);
        files.sort();
        files
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap();
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

pub(crate) fn copy_tree(source: &Path, target: &Path) {
    fs::create_dir_all(target).unwrap();
    for entry in fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let destination = target.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &destination);
        } else {
            fs::copy(&path, &destination).unwrap();
        }
    }
}

/// The repository root.
pub(crate) fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when an external tool is installed. In CI its absence fails the
/// test instead of skipping it: the external judges must run there.
pub(crate) fn tool_available(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        let in_ci = std::env::var("CI")
            .is_ok_and(|value| !value.is_empty() && value != "false" && value != "0");
        assert!(
            !in_ci,
            "`{tool}` is required in CI; install it (see .ci/run)"
        );
        eprintln!("skipping: `{tool}` is not installed");
    }
    found
}

/// Runs promtool and returns its combined output; panics on failure.
pub(crate) fn promtool(args: &[&str], dir: &Path) -> String {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("promtool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// What `promtool test rules` said about a file.
pub(crate) struct Judgement {
    pub(crate) passed: bool,
    pub(crate) output: String,
}

/// Runs `promtool test rules` on one file, pass or fail.
pub(crate) fn promtool_test(file: &Path) -> Judgement {
    let output = Command::new("promtool")
        .args(["test", "rules"])
        .arg(file)
        .output()
        .expect("promtool runs");
    Judgement {
        passed: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Replaces every `from` with `to` in a generated file under `out`;
/// `from` must occur (a mutation test's broken rules).
pub(crate) fn mutate(out: &Path, file: &str, from: &str, to: &str) {
    let path = out.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    fs::write(&path, text.replace(from, to)).unwrap();
}

/// promtool passes the generated test file `out/tests/<test>`.
#[track_caller]
pub(crate) fn passes(out: &Path, test: &str) {
    let judgement = promtool_test(&out.join("tests").join(test));
    assert!(judgement.passed, "{test}:\n{}", judgement.output);
}

/// promtool fails `out/tests/<test>`, at `expected`.
#[track_caller]
pub(crate) fn fails(out: &Path, test: &str, expected: &str) {
    let judgement = promtool_test(&out.join("tests").join(test));
    assert!(
        !judgement.passed,
        "{test} passed against broken rules:\n{}",
        judgement.output
    );
    assert!(
        judgement.output.contains(expected),
        "{test} failed, but not at `{expected}`:\n{}",
        judgement.output
    );
}

/// Runs check-jsonschema on files; true when every file is valid, and what
/// it printed.
pub(crate) fn check_jsonschema(schema: &Path, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(schema)
        .args(files)
        .output()
        .expect("check-jsonschema runs");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}
