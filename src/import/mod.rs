//! Import: other tools' SLO specs become slogen service files.
//!
//! In: foreign spec files ([`SourceFile`]s; Sloth's YAML in [`sloth`]).
//! Out: an [`Import`]: commented TOML service files and a settings file,
//! with a per-SLO report of what will differ after the move; or located
//! diagnostics naming each field that has no counterpart.
//!
//! Guarantees: every field of the input maps or is reported; the files
//! are analyzed as slogen would build them before anything is written
//! (an import that would not build is an error, not a file); the text is
//! deterministic.

pub(crate) mod openslo;
pub(crate) mod sloth;
mod toml_text;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Problem};
use crate::load::{self, Sources};
use crate::source::SourceFile;

/// Stable diagnostic codes of the importers.
pub(crate) mod code {
    /// The file is not YAML, or not of the shape the importer reads.
    pub(crate) const YAML: &str = "import-yaml";
    /// A document of a kind or version the importer does not read.
    pub(crate) const UNKNOWN_DOCUMENT: &str = "import-unknown-document";
    /// A field whose value has no slogen counterpart.
    pub(crate) const UNSUPPORTED: &str = "import-unsupported";
    /// Two inputs disagree on something slogen sets once.
    pub(crate) const CONFLICT: &str = "import-conflict";
    /// A file the import would write exists (use `--force`).
    pub(crate) const EXISTS: &str = "import-exists";
}

/// What an import produces.
#[derive(Debug)]
pub(crate) struct Import {
    /// File name (in the spec directory) and TOML text, settings first.
    pub files: Vec<(String, String)>,
    /// Per SLO, what will differ after the move.
    pub report: String,
}

/// A located import problem.
pub(crate) fn problem(
    code: &'static str,
    message: String,
    help: Option<String>,
    path: &Path,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    Diagnostic::at(
        Problem::Import {
            code,
            message,
            help,
        },
        path,
        span,
    )
}

/// The files named by `paths`: files as given, directories' `*.yml` and
/// `*.yaml` files (recursively), sorted.
pub(crate) fn read_inputs(paths: &[PathBuf]) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        collect(path, true, &mut files, &mut errors);
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn collect(path: &Path, named: bool, files: &mut Vec<SourceFile>, errors: &mut Vec<Diagnostic>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries
                .filter_map(|entry| Some(entry.ok()?.path()))
                .collect(),
            Err(error) => {
                errors.push(Diagnostic::general(Problem::Io {
                    path: path.to_path_buf(),
                    error: error.to_string(),
                }));
                return;
            }
        };
        entries.sort();
        for entry in entries {
            collect(&entry, false, files, errors);
        }
        return;
    }
    let yaml = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| matches!(extension, "yml" | "yaml"));
    if named || yaml {
        match load::read_source(path) {
            Ok(source) => files.push(source),
            Err(error) => errors.push(error),
        }
    }
}

/// The shared SLIs of `file` (a settings-shaped TOML file of `[[sli]]`
/// tables) that stand for Sloth SLI plugins, by plugin ID.
pub(crate) fn plugin_slis(
    file: &SourceFile,
) -> Result<std::collections::BTreeMap<String, sloth::PluginSli>, Vec<Diagnostic>> {
    let settings = crate::spec::parse_settings(file).into_result()?;
    Ok(settings
        .sli
        .iter()
        .filter_map(|sli| {
            let sli = sli.get_ref();
            let plugin = sli.sloth_plugin.as_ref()?.get_ref().clone();
            Some((
                plugin,
                sloth::PluginSli {
                    name: sli.name.get_ref().clone(),
                    params: sli
                        .params
                        .iter()
                        .map(|param| param.get_ref().clone())
                        .collect(),
                },
            ))
        })
        .collect())
}

/// Analyzes the imported files as `slogen build` would, so an import
/// that would not build writes nothing.
pub(crate) fn check(dir: &Path, import: &Import) -> (Sources, Vec<Diagnostic>) {
    let mut sources = Sources {
        settings: None,
        services: Vec::new(),
        warnings: Vec::new(),
    };
    for (name, text) in &import.files {
        let source = SourceFile::new(dir.join(name), text.clone());
        if name == "slogen.toml" {
            sources.settings = Some(source);
        } else {
            sources.services.push(source);
        }
    }
    let (_, diagnostics) = crate::compile::parse_and_analyze(&sources);
    let errors = diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    (sources, errors)
}

/// The files of `import` that already exist in `dir`, as errors.
pub(crate) fn existing(dir: &Path, import: &Import) -> Vec<Diagnostic> {
    import
        .files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| {
            Diagnostic::general(Problem::Import {
                code: code::EXISTS,
                message: format!(
                    "`{}` exists; the import will not overwrite it",
                    path.display()
                ),
                help: Some(
                    "pass `--force` to replace it, or import into another `--slo` directory"
                        .to_owned(),
                ),
            })
        })
        .collect()
}

/// Writes the files into `dir` (created when missing).
pub(crate) fn write(dir: &Path, import: &Import) -> Result<(), Diagnostic> {
    let io = |path: &Path, error: std::io::Error| {
        Diagnostic::general(Problem::Io {
            path: path.to_path_buf(),
            error: error.to_string(),
        })
    };
    std::fs::create_dir_all(dir).map_err(|error| io(dir, error))?;
    for (name, text) in &import.files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|error| io(&path, error))?;
    }
    Ok(())
}
