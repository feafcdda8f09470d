//! The stage: files staged as they arrive, published at the commit, the
//! lock builds take turns on, and leftovers of interrupted builds cleared.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::manifest::{MANIFEST, Manifest, hash, manifest_text, read_manifest};
use super::{Leftover, Written, inside, io_error, leftover, safe_path};
use crate::compile::Sink;
use crate::diagnostic::{Diagnostic, Problem};
use crate::render::GeneratedFile;

/// The name of staging directories, before the number that makes each new.
pub(crate) const STAGING: &str = ".slogen-staging";

/// The marker file that tells a staging directory from a user's.
pub(super) const STAGING_MARKER: &str = ".slogen-staging-marker";

/// A lock on the output directory's parent, held for a whole build (or
/// diff), so that builds into one directory take turns. Released on drop.
pub(super) struct Lock {
    _directory: Option<fs::File>,
}

impl Lock {
    pub(super) fn take(out: &Path, exclusive: bool) -> Result<Self, Diagnostic> {
        #[cfg(unix)]
        {
            let parent = parent_of(out);
            let directory = match fs::File::open(&parent) {
                Ok(directory) => directory,
                // Nothing to read yet, nothing to guard.
                Err(error) if error.kind() == ErrorKind::NotFound && !exclusive => {
                    return Ok(Self { _directory: None });
                }
                Err(error) => return Err(io_error(&parent, &error)),
            };
            let locked = if exclusive {
                directory.lock()
            } else {
                directory.lock_shared()
            };
            locked.map_err(|error| io_error(&parent, &error))?;
            Ok(Self {
                _directory: Some(directory),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (out, exclusive);
            Ok(Self { _directory: None })
        }
    }
}

/// The directory that holds `out`.
fn parent_of(out: &Path) -> PathBuf {
    out.parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A build's files on their way into the output directory (see the module
/// header).
pub(crate) struct Stage {
    out: PathBuf,
    /// The files that wait; renamed to `out` as a whole when `fresh`.
    staging: PathBuf,
    /// The output directory does not exist yet.
    fresh: bool,
    /// Replace files edited by hand or not made by slogen.
    force: bool,
    /// The directories above the output directory that did not exist:
    /// removed again (deepest first) when the build fails.
    missing: Vec<PathBuf>,
    /// The files listed in the manifest.
    previous: Manifest,
    state: Mutex<Staged>,
    done: bool,
    _lock: Lock,
}

#[derive(Default)]
struct Staged {
    written: Written,
    /// Every generated file with the hash of its contents.
    hashes: Manifest,
    /// Staged files whose target is in `out`, to rename there.
    staged: Vec<PathBuf>,
    /// Directories made inside the staging directory.
    made: HashSet<PathBuf>,
    problems: Vec<Diagnostic>,
}

/// What is at a file's target.
pub(super) enum Found {
    Nothing,
    /// The same text.
    Same,
    /// A file slogen made, with its text.
    Ours(String),
    /// A file slogen must not replace (not its own, or edited by hand).
    Conflict(String, Diagnostic),
}

/// What is at `file`'s target in `out`, whose manifest lists `previous`.
pub(super) fn found(
    out: &Path,
    previous: &Manifest,
    file: &GeneratedFile,
) -> Result<Found, Diagnostic> {
    let (target, exists) = inside(out, &safe_path(&file.path)?)?;
    if !exists {
        return Ok(Found::Nothing);
    }
    let old = fs::read(&target).map_err(|error| io_error(&target, &error))?;
    if old == file.contents.as_bytes() {
        return Ok(Found::Same);
    }
    let listed = previous.get(&file.path);
    let old_text = String::from_utf8_lossy(&old).into_owned();
    Ok(match listed {
        Some(hashes) if hashes.contains(&hash(&old)) => Found::Ours(old_text),
        Some(_) => {
            let problem = Diagnostic::general(Problem::EditedByHand { path: target });
            Found::Conflict(old_text, problem)
        }
        None => {
            let problem = Diagnostic::general(Problem::NotGenerated { path: target });
            Found::Conflict(old_text, problem)
        }
    })
}

/// The directories of `dir`'s ancestry that do not exist, deepest first.
fn missing_directories(dir: &Path) -> Vec<PathBuf> {
    let mut missing = Vec::new();
    let mut current = Some(dir);
    while let Some(dir) = current.filter(|dir| !dir.as_os_str().is_empty()) {
        if fs::symlink_metadata(dir).is_ok() {
            break;
        }
        missing.push(dir.to_path_buf());
        current = dir.parent();
    }
    missing
}

/// Removes what an interrupted build left in `room`: directories named
/// `PREFIX<number>` that hold the staging marker, and nothing else.
fn clear_leftovers(room: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(room) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_staging_name = name.to_str().is_some_and(|name| {
            name.strip_prefix(prefix).is_some_and(|number| {
                !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit())
            })
        });
        let path = entry.path();
        let is_directory = fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_dir());
        let marked = fs::symlink_metadata(path.join(STAGING_MARKER))
            .is_ok_and(|metadata| metadata.is_file());
        if is_staging_name && is_directory && marked {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Makes a new staging directory `room/PREFIX<number>` with its marker.
fn make_staging(room: &Path, prefix: &str) -> Result<PathBuf, Diagnostic> {
    for number in 0..10_000 {
        let path = room.join(format!("{prefix}{number}"));
        match fs::create_dir(&path) {
            Ok(()) => {
                let marker = path.join(STAGING_MARKER);
                let text = "A build of slogen stages its files here; the next build removes it.\n";
                fs::write(&marker, text).map_err(|error| io_error(&marker, &error))?;
                return Ok(path);
            }
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => return Err(io_error(&path, &error)),
        }
    }
    let error = std::io::Error::new(ErrorKind::AlreadyExists, "no free staging name");
    Err(io_error(room, &error))
}

impl Stage {
    /// Prepares to write into `out`: waits for other builds into it, then
    /// touches nothing but a new staging directory (and leftovers of an
    /// interrupted build). `force` replaces files edited by hand or not made
    /// by slogen, with a warning for each.
    pub(crate) fn open(out: &Path, force: bool) -> Result<Self, Diagnostic> {
        let parent = parent_of(out);
        let missing = missing_directories(&parent);
        let remove_missing = |missing: &[PathBuf]| {
            for dir in missing {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        };
        if let Err(error) = fs::create_dir_all(&parent) {
            remove_missing(&missing);
            return Err(io_error(&parent, &error));
        }
        let prepared = Lock::take(out, true).and_then(|lock| {
            let fresh = match fs::symlink_metadata(out) {
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(Diagnostic::general(Problem::LinkInOutput {
                        path: out.to_path_buf(),
                    }));
                }
                Ok(metadata) if metadata.is_dir() => false,
                Ok(_) => {
                    return Err(Diagnostic::general(Problem::NotADirectory {
                        path: out.to_path_buf(),
                    }));
                }
                Err(error) if error.kind() == ErrorKind::NotFound => true,
                Err(error) => return Err(io_error(out, &error)),
            };
            let (room, prefix) = if fresh {
                let name = out.file_name().ok_or_else(|| {
                    let error = std::io::Error::new(ErrorKind::InvalidInput, "names no directory");
                    io_error(out, &error)
                })?;
                (
                    parent.clone(),
                    format!(".{}{STAGING}-", name.to_string_lossy()),
                )
            } else {
                (out.to_path_buf(), format!("{STAGING}-"))
            };
            let previous = if fresh {
                Manifest::new()
            } else {
                read_manifest(out)?
            };
            clear_leftovers(&room, &prefix);
            let staging = make_staging(&room, &prefix)?;
            Ok((lock, fresh, staging, previous))
        });
        match prepared {
            Ok((lock, fresh, staging, previous)) => Ok(Self {
                out: out.to_path_buf(),
                staging,
                fresh,
                force,
                missing,
                previous,
                state: Mutex::new(Staged::default()),
                done: false,
                _lock: lock,
            }),
            Err(problem) => {
                remove_missing(&missing);
                Err(problem)
            }
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Staged> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Compares one file with its target and stages it when it is new or
    /// changed.
    fn stage(&self, file: &GeneratedFile) -> Result<(), Diagnostic> {
        let relative = safe_path(&file.path)?;
        let found = if self.fresh {
            Found::Nothing
        } else {
            found(&self.out, &self.previous, file)?
        };
        let mut warning = None;
        let new = match found {
            Found::Conflict(_, problem) if !self.force => return Err(problem),
            Found::Conflict(_, problem) => {
                let path = match problem.problem.as_ref() {
                    Problem::EditedByHand { path } | Problem::NotGenerated { path } => path.clone(),
                    _ => self.out.join(&relative),
                };
                warning = Some(Diagnostic::general(Problem::Overwritten { path }));
                false
            }
            Found::Same => {
                let digest = hash(file.contents.as_bytes());
                let mut state = self.state();
                state.written.paths.push(file.path.clone());
                state.written.unchanged += 1;
                state.hashes.insert(file.path.clone(), vec![digest]);
                return Ok(());
            }
            Found::Nothing => true,
            Found::Ours(_) => false,
        };
        let staged = self.staging.join(&relative);
        let parent = staged.parent().unwrap_or(&self.staging).to_path_buf();
        if !self.state().made.contains(&parent) {
            fs::create_dir_all(&parent).map_err(|error| io_error(&parent, &error))?;
            self.state().made.insert(parent);
        }
        fs::write(&staged, &file.contents).map_err(|error| io_error(&staged, &error))?;
        let digest = hash(file.contents.as_bytes());
        let mut state = self.state();
        state.written.paths.push(file.path.clone());
        state.hashes.insert(file.path.clone(), vec![digest]);
        if new {
            state.written.added.push(file.path.clone());
        } else {
            state.written.updated.push(file.path.clone());
        }
        state.written.warnings.extend(warning);
        if !self.fresh {
            state.staged.push(relative);
        }
        Ok(())
    }

    /// Writes the manifest through the staging directory, so that no
    /// temporary file is ever left beside it.
    fn publish_manifest(&self, manifest: &Manifest) -> Result<(), Vec<Diagnostic>> {
        let temporary = self.staging.join(MANIFEST);
        fs::write(&temporary, manifest_text(manifest))
            .map_err(|error| vec![io_error(&temporary, &error)])?;
        let target = self.out.join(MANIFEST);
        fs::rename(&temporary, &target).map_err(|error| vec![io_error(&target, &error)])
    }

    /// Publishes every staged file, removes the files slogen no longer
    /// makes, and writes the manifest. Nothing is published when any file
    /// could not be staged.
    pub(crate) fn commit(mut self) -> Result<Written, Vec<Diagnostic>> {
        let state = std::mem::take(&mut *self.state());
        if !state.problems.is_empty() {
            return Err(state.problems);
        }
        let mut written = state.written;
        written.paths.sort_unstable();
        written.added.sort_unstable();
        written.updated.sort_unstable();
        let current = state.hashes;
        let mut problems = Vec::new();
        for (path, hashes) in &self.previous {
            if current.contains_key(path) {
                continue;
            }
            match leftover(&self.out, path, hashes) {
                Ok(Leftover::Ours(_)) => written.removed.push(path.clone()),
                Ok(Leftover::Edited(path)) => written
                    .warnings
                    .push(Diagnostic::general(Problem::EditedKept { path })),
                Ok(Leftover::Gone) => {}
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if self.fresh {
            let marker = self.staging.join(STAGING_MARKER);
            fs::remove_file(&marker).map_err(|error| vec![io_error(&marker, &error)])?;
            let path = self.staging.join(MANIFEST);
            fs::write(&path, manifest_text(&current))
                .map_err(|error| vec![io_error(&path, &error)])?;
            fs::rename(&self.staging, &self.out)
                .map_err(|error| vec![io_error(&self.out, &error)])?;
            self.done = true;
            return Ok(written);
        }
        if !state.staged.is_empty() || !written.removed.is_empty() {
            // Should a rename fail halfway, the next build still knows
            // every file published so far as its own, old or new.
            let mut both = self.previous.clone();
            for (path, hashes) in &current {
                let listed = both.entry(path.clone()).or_default();
                for hash in hashes {
                    if !listed.contains(hash) {
                        listed.push(*hash);
                    }
                }
            }
            self.publish_manifest(&both)?;
        }
        for relative in &state.staged {
            let target = self.out.join(relative);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|error| vec![io_error(parent, &error)])?;
            }
            let staged = self.staging.join(relative);
            fs::rename(&staged, &target).map_err(|error| vec![io_error(&target, &error)])?;
        }
        for path in &written.removed {
            let target = self.out.join(path);
            fs::remove_file(&target).map_err(|error| vec![io_error(&target, &error)])?;
            remove_empty_parents(&self.out, &target);
        }
        if self.previous != current {
            self.publish_manifest(&current)?;
        }
        // What is left of the staging directory is the marker and empty
        // directories.
        self.discard();
        Ok(written)
    }

    /// Removes the staging directory and the directories made for it.
    /// Before a commit, that leaves the output directory as it was.
    fn discard(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
        for dir in &self.missing {
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
        self.done = true;
    }
}

impl Sink for Stage {
    fn accept(&self, file: GeneratedFile) -> Option<GeneratedFile> {
        if let Err(problem) = self.stage(&file) {
            self.state().problems.push(problem);
        }
        None
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.done {
            self.discard();
        }
    }
}

/// Removes directories emptied by a removal, up to (not including) `out`.
fn remove_empty_parents(out: &Path, removed: &Path) {
    let mut dir = removed.parent();
    while let Some(current) = dir {
        if current == out || !current.starts_with(out) || fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
