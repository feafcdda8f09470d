//! Writing: the only place slogen changes the disk.
//!
//! In: an output directory and the [`GeneratedFile`]s of a compilation, one
//! at a time as each is verified ([`Stage`] is the compiler's sink). Out: a
//! [`Written`] summary. [`changes`] compares without writing (`slogen diff`).
//!
//! A build stages each new or changed file as it arrives, so the output is
//! never all in memory, and publishes them only at [`Stage::commit`], once
//! the whole compilation has succeeded:
//! - when the output directory does not exist yet, everything is written
//!   into a new sibling directory (`.NAME.slogen-staging-N`), which is
//!   renamed into place at once;
//! - otherwise files wait in a new `.slogen-staging-N` inside it and are
//!   renamed over their targets, so readers never see half a file.
//!
//! If anything fails before the commit, or the stage is dropped without
//! one, the staging directory is removed and the output directory is as it
//! was. Should a rename fail during the commit itself, the manifest already
//! lists every file published so far, so the next build takes them as its
//! own. A staging directory is made new (never one that exists) and holds a
//! marker file; only directories with that marker are cleared as leftovers
//! of an interrupted build.
//!
//! The output directory is the one place a hostile pull request can shape,
//! so nothing in it is trusted:
//! - `.slogen-manifest` lists each file slogen wrote with the SHA-256 of
//!   what it wrote (`sha256sum` format). A file counts as slogen's only
//!   while its contents still hash to a listed value: a forged line cannot
//!   make slogen replace or remove a file whose contents its author did not
//!   know, and a file edited by hand is never overwritten (unless
//!   `--force`) nor removed;
//! - no symbolic link is followed: a link anywhere on the way to a file
//!   (the output directory included) is an error, and only regular files
//!   are read, so neither a build nor `slogen diff` can read, print, write
//!   or delete anything outside the output directory;
//! - builds into one directory take turns: each holds a lock on the output
//!   directory's parent for its whole run (`diff` a shared one).
//!
//! Guarantees:
//! - a file whose contents are unchanged is not rewritten (mtimes stay);
//! - files slogen made earlier and no longer makes are removed; files it
//!   did not make are never touched, and a file in the way that slogen did
//!   not make (or that was edited since) is an error, not an overwrite;
//! - a path can never leave the output directory.
//!
//! The parts: this file compares ([`changes`]) and keeps paths inside the
//! output directory; `stage` stages, publishes and locks; `manifest` reads
//! and writes the manifest.

mod manifest;
mod stage;
#[cfg(test)]
mod tests;

pub(crate) use stage::Stage;

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Problem};
use crate::load::describe_file_type;
use crate::render::GeneratedFile;
use manifest::{Hash, hash, read_manifest};
use stage::{Found, Lock, found};

/// What a build does (or did) to the output directory.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Changes {
    /// New files.
    pub added: Vec<String>,
    /// Files whose contents change: path, old contents.
    pub changed: Vec<(String, String)>,
    /// Files already up to date.
    pub unchanged: Vec<String>,
    /// Files slogen made before and no longer makes: path, old contents.
    pub removed: Vec<(String, String)>,
    /// Files slogen must not replace (edited by hand, or not its own):
    /// path, current contents, why.
    pub conflicts: Vec<(String, String, Diagnostic)>,
}

impl Changes {
    /// True when the directory already matches.
    pub(crate) fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.conflicts.is_empty()
    }
}

/// Rejects paths that are absolute, empty, climb out with `..`, hold
/// control characters, or name slogen's own bookkeeping files.
pub(crate) fn safe_path(path: &str) -> Result<PathBuf, Diagnostic> {
    let candidate = Path::new(path);
    let safe = !path.is_empty()
        && !path.chars().any(char::is_control)
        && !path.starts_with(".slogen-")
        && candidate
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    if safe {
        Ok(candidate.to_path_buf())
    } else {
        Err(Diagnostic::general(Problem::UnsafeOutputPath {
            path: path.to_owned(),
        }))
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::general(Problem::Io {
        path: path.to_path_buf(),
        error: error.to_string(),
    })
}

/// `out/relative` and whether a regular file is there now, when no step of
/// the way (`out` included) is a symbolic link and every step before the
/// last is a directory. Nothing is read and nothing is followed.
fn inside(out: &Path, relative: &Path) -> Result<(PathBuf, bool), Diagnostic> {
    let mut path = out.to_path_buf();
    let mut steps = relative.components().peekable();
    let mut last = false;
    loop {
        match fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(Diagnostic::general(Problem::LinkInOutput { path }));
            }
            Ok(metadata) if last && metadata.is_file() => return Ok((path, true)),
            Ok(metadata) if !last && metadata.is_dir() => {}
            Ok(metadata) if last => {
                return Err(Diagnostic::general(Problem::NotAFile {
                    path,
                    found: describe_file_type(&metadata.file_type()),
                }));
            }
            Ok(_) => return Err(Diagnostic::general(Problem::NotADirectory { path })),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Ok((out.join(relative), false));
            }
            Err(error) => return Err(io_error(&path, &error)),
        }
        let Some(step) = steps.next() else {
            return Ok((path, false));
        };
        path.push(step);
        last = steps.peek().is_none();
    }
}

/// Compares the files with the output directory, without writing.
pub(crate) fn changes(out: &Path, files: &[GeneratedFile]) -> Result<Changes, Vec<Diagnostic>> {
    let _lock = Lock::take(out, false).map_err(|problem| vec![problem])?;
    let previous = read_manifest(out).map_err(|problem| vec![problem])?;
    let mut changes = Changes::default();
    let mut problems = Vec::new();
    // Reading what is there is most of the work; files are read in parallel.
    let found: Vec<_> = files
        .par_iter()
        .map(|file| found(out, &previous, file))
        .collect();
    let mut current = HashSet::new();
    for (file, found) in files.iter().zip(found) {
        let path = file.path.clone();
        current.insert(file.path.as_str());
        match found {
            Ok(Found::Nothing) => changes.added.push(path),
            Ok(Found::Same) => changes.unchanged.push(path),
            Ok(Found::Ours(old)) => changes.changed.push((path, old)),
            Ok(Found::Conflict(old, problem)) => changes.conflicts.push((path, old, problem)),
            Err(problem) => problems.push(problem),
        }
    }
    for (path, hashes) in &previous {
        if current.contains(path.as_str()) {
            continue;
        }
        match leftover(out, path, hashes) {
            Ok(Leftover::Ours(old)) => {
                changes
                    .removed
                    .push((path.clone(), String::from_utf8_lossy(&old).into_owned()));
            }
            Ok(Leftover::Gone | Leftover::Edited(_)) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems)
    }
}

/// What is left of a file the manifest lists and this build no longer makes.
enum Leftover {
    Gone,
    /// Still what slogen wrote: remove it.
    Ours(Vec<u8>),
    /// Changed since slogen wrote it: leave it, and say so.
    Edited(PathBuf),
}

fn leftover(out: &Path, path: &str, hashes: &[Hash]) -> Result<Leftover, Diagnostic> {
    let (target, exists) = inside(out, Path::new(path))?;
    if !exists {
        return Ok(Leftover::Gone);
    }
    let old = fs::read(&target).map_err(|error| io_error(&target, &error))?;
    Ok(if hashes.contains(&hash(&old)) {
        Leftover::Ours(old)
    } else {
        Leftover::Edited(target)
    })
}

/// What a build did to the output directory.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Written {
    /// Every generated file, sorted.
    pub paths: Vec<String>,
    /// New files, sorted.
    pub added: Vec<String>,
    /// Files whose contents changed, sorted.
    pub updated: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
    /// Files slogen made before and no longer makes, sorted.
    pub removed: Vec<String>,
    /// What the user should know: hand edits overwritten (`--force`) or
    /// left in place.
    pub warnings: Vec<Diagnostic>,
}
