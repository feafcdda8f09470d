use std::fs;
use std::path::Path;

use super::manifest::{MANIFEST, MANIFEST_HEADER, Manifest, hash, manifest_text};
use super::stage::{STAGING, STAGING_MARKER};
use crate::compile::Sink;
use crate::diagnostic::Diagnostic;
use crate::render::GeneratedFile;

use super::*;

#[test]
fn paths_stay_inside() {
    assert!(safe_path("alert-rules.yml").is_ok());
    assert!(safe_path("runbooks/a.md").is_ok());
    for bad in [
        "",
        "../x",
        "/etc/passwd",
        "a/../../x",
        "./x",
        MANIFEST,
        ".slogen-staging-0/x",
        "a\nb.md",
    ] {
        assert!(safe_path(bad).is_err(), "{bad}");
    }
}

fn file(path: &str, contents: &str) -> GeneratedFile {
    GeneratedFile {
        path: path.to_owned(),
        contents: contents.to_owned(),
    }
}

/// Every path under `dir`, `/`-separated, sorted; links not followed.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_string_lossy();
            found.push(relative.replace('\\', "/"));
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Builds `files` into `out` and returns what the build said.
fn build(out: &Path, files: &[(&str, &str)]) -> Result<Written, Vec<Diagnostic>> {
    let stage = Stage::open(out, false).map_err(|problem| vec![problem])?;
    for (path, contents) in files {
        stage.accept(file(path, contents));
    }
    stage.commit()
}

fn codes(problems: &[Diagnostic]) -> Vec<&'static str> {
    problems
        .iter()
        .map(|problem| problem.problem.code())
        .collect()
}

fn manifest_line(contents: &str, path: &str) -> String {
    let mut manifest = Manifest::new();
    manifest.insert(path.to_owned(), vec![hash(contents.as_bytes())]);
    manifest_text(&manifest).lines().last().unwrap().to_owned()
}

#[test]
fn a_failed_build_leaves_nothing_behind() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("a/b/generated");
    let stage = Stage::open(&out, false).unwrap();
    stage.accept(file("runbooks/x.md", "x\n"));
    assert_eq!(
        tree(root.path()),
        [
            "a",
            "a/b",
            "a/b/.generated.slogen-staging-0",
            "a/b/.generated.slogen-staging-0/.slogen-staging-marker",
            "a/b/.generated.slogen-staging-0/runbooks",
            "a/b/.generated.slogen-staging-0/runbooks/x.md"
        ]
    );
    drop(stage);
    assert!(tree(root.path()).is_empty());
    // A file that cannot be staged fails the commit; nothing lands.
    let problems = build(&out, &[("rules.yml", "r\n"), ("../escape.yml", "e\n")]);
    assert_eq!(codes(&problems.unwrap_err()), ["unsafe-output-path"]);
    assert!(tree(root.path()).is_empty());
}

#[test]
fn a_fresh_directory_lands_at_once_and_a_rebuild_changes_only_what_changed() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    let written = build(
        &out,
        &[("b.yml", "b\n"), ("runbooks/x.md", "x\n"), ("a.yml", "a\n")],
    )
    .unwrap();
    assert_eq!(written.added, ["a.yml", "b.yml", "runbooks/x.md"]);
    assert_eq!(
        tree(root.path()),
        [
            "generated",
            "generated/.slogen-manifest",
            "generated/a.yml",
            "generated/b.yml",
            "generated/runbooks",
            "generated/runbooks/x.md"
        ]
    );
    assert_eq!(
        fs::read_to_string(out.join(MANIFEST)).unwrap(),
        format!(
            "{MANIFEST_HEADER}{}\n{}\n{}\n",
            manifest_line("a\n", "a.yml"),
            manifest_line("b\n", "b.yml"),
            manifest_line("x\n", "runbooks/x.md")
        )
    );
    // A staging directory of an interrupted build is cleared.
    let stale = out.join(format!("{STAGING}-3"));
    fs::create_dir_all(stale.join("tests")).unwrap();
    fs::write(stale.join(STAGING_MARKER), "").unwrap();
    fs::write(out.join("notes.txt"), "mine\n").unwrap();
    let written = build(
        &out,
        &[("a.yml", "a\n"), ("b.yml", "B\n"), ("tests/t.yml", "t\n")],
    )
    .unwrap();
    assert_eq!(written.added, ["tests/t.yml"]);
    assert_eq!(written.updated, ["b.yml"]);
    assert_eq!(written.unchanged, 1);
    assert_eq!(written.removed, ["runbooks/x.md"]);
    assert!(written.warnings.is_empty());
    assert_eq!(
        tree(&out),
        [
            ".slogen-manifest",
            "a.yml",
            "b.yml",
            "notes.txt",
            "tests",
            "tests/t.yml"
        ]
    );
    assert_eq!(fs::read_to_string(out.join("b.yml")).unwrap(), "B\n");
    // The manifest lists what this build made, not what it replaced.
    assert_eq!(
        fs::read_to_string(out.join(MANIFEST)).unwrap(),
        format!(
            "{MANIFEST_HEADER}{}\n{}\n{}\n",
            manifest_line("a\n", "a.yml"),
            manifest_line("B\n", "b.yml"),
            manifest_line("t\n", "tests/t.yml")
        )
    );
}

#[test]
fn a_forged_manifest_line_neither_removes_nor_replaces_a_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    build(&out, &[("a.yml", "a\n")]).unwrap();
    fs::write(out.join("notes.txt"), "mine\n").unwrap();
    fs::write(out.join("b.yml"), "mine too\n").unwrap();
    let forged = format!(
        "{}notes.txt\n{}  b.yml\n",
        fs::read_to_string(out.join(MANIFEST)).unwrap(),
        "0".repeat(64)
    );
    fs::write(out.join(MANIFEST), forged).unwrap();
    // Not listed with its hash: not slogen's to remove...
    let written = build(&out, &[("a.yml", "a\n")]).unwrap();
    assert!(written.removed.is_empty());
    assert_eq!(codes(&written.warnings), ["edited-kept"]);
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine\n");
    assert_eq!(fs::read_to_string(out.join("b.yml")).unwrap(), "mine too\n");
    // ...nor to replace.
    let problems = build(&out, &[("a.yml", "a\n"), ("notes.txt", "x\n")]).unwrap_err();
    assert_eq!(codes(&problems), ["not-generated"]);
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine\n");
}

#[test]
fn a_file_edited_by_hand_is_refused_unless_forced() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    build(&out, &[("a.yml", "a\n")]).unwrap();
    fs::write(out.join("a.yml"), "my edit\n").unwrap();
    let problems = build(&out, &[("a.yml", "A\n")]).unwrap_err();
    assert_eq!(codes(&problems), ["edited-by-hand"]);
    assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "my edit\n");
    let changes = changes(&out, &[file("a.yml", "A\n")]).unwrap();
    assert_eq!(changes.conflicts.len(), 1);
    let stage = Stage::open(&out, true).unwrap();
    stage.accept(file("a.yml", "A\n"));
    let written = stage.commit().unwrap();
    assert_eq!(codes(&written.warnings), ["overwritten"]);
    assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "A\n");
}

#[cfg(unix)]
#[test]
fn no_link_in_the_output_directory_is_followed() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    let outside = root.path().join("outside");
    fs::create_dir_all(outside.join("runbooks")).unwrap();
    fs::write(outside.join("secret"), "SECRET=1\n").unwrap();
    fs::write(outside.join("runbooks/x.md"), "theirs\n").unwrap();
    build(&out, &[("a.yml", "a\n"), ("runbooks/x.md", "x\n")]).unwrap();
    // A linked directory is neither written through nor removed through.
    fs::remove_dir_all(out.join("runbooks")).unwrap();
    symlink(outside.join("runbooks"), out.join("runbooks")).unwrap();
    let problems = build(&out, &[("a.yml", "a\n"), ("runbooks/x.md", "y\n")]).unwrap_err();
    assert_eq!(codes(&problems), ["link-in-output"]);
    let problems = build(&out, &[("a.yml", "a\n")]).unwrap_err();
    assert_eq!(codes(&problems), ["link-in-output"]);
    assert_eq!(
        fs::read_to_string(outside.join("runbooks/x.md")).unwrap(),
        "theirs\n"
    );
    // A linked file is never read, so `diff` cannot print its target.
    fs::remove_file(out.join("runbooks")).unwrap();
    fs::remove_file(out.join("a.yml")).unwrap();
    symlink(outside.join("secret"), out.join("a.yml")).unwrap();
    let problems = changes(&out, &[file("a.yml", "a\n")]).unwrap_err();
    assert_eq!(codes(&problems), ["link-in-output"]);
    assert!(!format!("{problems:?}").contains("SECRET"));
    // Nor is a linked manifest, or a linked output directory.
    fs::remove_file(out.join("a.yml")).unwrap();
    fs::remove_file(out.join(MANIFEST)).unwrap();
    symlink(outside.join("secret"), out.join(MANIFEST)).unwrap();
    assert_eq!(codes(&build(&out, &[]).unwrap_err()), ["link-in-output"]);
    let linked = root.path().join("linked");
    symlink(&outside, &linked).unwrap();
    assert_eq!(codes(&build(&linked, &[]).unwrap_err()), ["link-in-output"]);
    assert_eq!(tree(&outside), ["runbooks", "runbooks/x.md", "secret"]);
}

#[test]
fn a_users_directory_named_like_the_staging_directory_survives() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    fs::create_dir_all(root.path().join(".generated.slogen-staging-0")).unwrap();
    build(&out, &[("a.yml", "a\n")]).unwrap();
    for name in [STAGING, ".slogen-staging-0", ".slogen-staging-1x"] {
        fs::create_dir_all(out.join(name)).unwrap();
        fs::write(out.join(name).join("mine.txt"), "mine\n").unwrap();
    }
    build(&out, &[("a.yml", "b\n")]).unwrap();
    assert_eq!(
        tree(root.path()),
        [
            ".generated.slogen-staging-0",
            "generated",
            "generated/.slogen-manifest",
            "generated/.slogen-staging",
            "generated/.slogen-staging-0",
            "generated/.slogen-staging-0/mine.txt",
            "generated/.slogen-staging-1x",
            "generated/.slogen-staging-1x/mine.txt",
            "generated/.slogen-staging/mine.txt",
            "generated/a.yml"
        ]
    );
}

#[test]
fn a_failed_manifest_write_leaves_no_stray_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    build(&out, &[("a.yml", "a\n")]).unwrap();
    let stage = Stage::open(&out, false).unwrap();
    stage.accept(file("a.yml", "b\n"));
    // The manifest cannot be replaced: nothing is published.
    fs::remove_file(out.join(MANIFEST)).unwrap();
    fs::create_dir(out.join(MANIFEST)).unwrap();
    fs::write(out.join(MANIFEST).join("x"), "x\n").unwrap();
    assert_eq!(codes(&stage.commit().unwrap_err()), ["io"]);
    assert_eq!(
        tree(&out),
        [".slogen-manifest", ".slogen-manifest/x", "a.yml"]
    );
    assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "a\n");
    // A manifest that is not a file is reported, not read.
    assert_eq!(codes(&build(&out, &[]).unwrap_err()), ["not-a-file"]);
}

#[cfg(unix)]
#[test]
fn builds_into_one_directory_take_turns() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("generated");
    let first = Stage::open(&out, false).unwrap();
    first.accept(file("a.yml", "a\n"));
    let (sender, receiver) = std::sync::mpsc::channel();
    let second_out = out.clone();
    let second = std::thread::spawn(move || {
        let stage = Stage::open(&second_out, false).unwrap();
        sender.send(()).unwrap();
        stage.accept(file("a.yml", "b\n"));
        stage.commit().unwrap()
    });
    let waited = receiver.recv_timeout(std::time::Duration::from_millis(300));
    assert!(waited.is_err(), "the second build did not wait");
    first.commit().unwrap();
    let written = second.join().unwrap();
    assert_eq!(written.updated, ["a.yml"]);
    assert_eq!(fs::read_to_string(out.join("a.yml")).unwrap(), "b\n");
    assert_eq!(tree(&out), [".slogen-manifest", "a.yml"]);
}
