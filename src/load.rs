//! Loading: the only place slogen reads the disk.
//!
//! In: a spec directory (and optionally a settings file and a templates
//! directory). Out: [`Sources`] and [`Templates`], or diagnostics naming the
//! path that could not be read. Service files are every `*.toml` directly in
//! the spec directory except the settings file `slogen.toml`, sorted by name
//! so that output never depends on directory order.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Problem};
use crate::render::Templates;
use crate::source::SourceFile;

/// The settings file's name inside the spec directory.
pub const SETTINGS_FILE: &str = "slogen.toml";

/// Everything the compiler reads.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `slogen.toml`, if present.
    pub settings: Option<SourceFile>,
    /// Service files, sorted by name.
    pub services: Vec<SourceFile>,
}

impl Sources {
    /// Every source, settings first, for rendering diagnostics.
    pub fn all(&self) -> Vec<SourceFile> {
        self.settings
            .iter()
            .chain(&self.services)
            .cloned()
            .collect()
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::general(Problem::Io {
        path: path.to_path_buf(),
        error: error.to_string(),
    })
}

/// Reads one text file as a source.
pub fn read_source(path: &Path) -> Result<SourceFile, Diagnostic> {
    let bytes = fs::read(path).map_err(|error| io_error(path, &error))?;
    Ok(SourceFile::from_bytes(path, bytes))
}

/// Reads a spec directory; `settings` overrides `<dir>/slogen.toml`.
pub fn spec_directory(dir: &Path, settings: Option<&Path>) -> Result<Sources, Diagnostic> {
    if !dir.is_dir() {
        return Err(Diagnostic::general(Problem::NoSpecDirectory {
            path: dir.to_path_buf(),
            is_file: dir.is_file(),
        }));
    }
    let entries = fs::read_dir(dir).map_err(|error| io_error(dir, &error))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| io_error(dir, &error))?.path();
        let is_toml = path
            .extension()
            .is_some_and(|extension| extension == "toml");
        let is_settings = path.file_name().is_some_and(|name| name == SETTINGS_FILE);
        if is_toml && !is_settings && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let services = paths
        .iter()
        .map(|path| read_source(path))
        .collect::<Result<Vec<_>, _>>()?;
    let settings_path = settings.map_or_else(|| dir.join(SETTINGS_FILE), Path::to_path_buf);
    let settings = if settings.is_some() || settings_path.is_file() {
        Some(read_source(&settings_path)?)
    } else {
        None
    };
    Ok(Sources { settings, services })
}

/// Reads every `*.j2` file of a templates directory as an override.
pub fn templates(dir: &Path) -> Result<Templates, Diagnostic> {
    let mut templates = Templates::default();
    let entries = fs::read_dir(dir).map_err(|error| io_error(dir, &error))?;
    for entry in entries {
        let path = entry.map_err(|error| io_error(dir, &error))?.path();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".j2") && path.is_file() {
            let text = fs::read_to_string(&path).map_err(|error| io_error(&path, &error))?;
            templates.overrides.insert(name, text);
        }
    }
    Ok(templates)
}
