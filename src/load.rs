//! Loading: the only place slogen reads the disk.
//!
//! In: a spec directory (and optionally a settings file and a templates
//! directory). Out: [`Sources`] and [`Templates`] with the warnings found on
//! the way, or every diagnostic naming a path that could not be read.
//! Service files are every `*.toml` directly in the spec directory except
//! the settings file `slogen.toml`, sorted by name so that output never
//! depends on directory order.
//!
//! The spec and templates directories come with a pull request, so what is
//! in them is not trusted to stay inside them: an entry that is a symbolic
//! link is read only when it leads to a regular file inside its own
//! directory (a link to `/proc/self/environ` would otherwise print CI's
//! secrets in an error's source line), and a directory itself is followed
//! when it is a link only if it leads inside the current directory. An
//! entry named like an input that cannot be read as one (a directory, a
//! FIFO, a dangling link) is an error, never skipped: skipping a service
//! file would silently remove its alerts.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Problem, suggest};
use crate::render::{DEFAULT_TEMPLATES, Templates};
use crate::source::SourceFile;

/// The settings file's name inside the spec directory.
pub(crate) const SETTINGS_FILE: &str = "slogen.toml";

/// Everything the compiler reads.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `slogen.toml`, if present.
    pub settings: Option<SourceFile>,
    /// Service files, sorted by name.
    pub services: Vec<SourceFile>,
    /// What loading noticed without failing (files it does not read).
    pub warnings: Vec<Diagnostic>,
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

/// What a directory entry is, in words, for messages.
pub(crate) fn describe_file_type(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a plain file"
    }
}

/// Checks that `path`, an entry of `dir`, can be read as an input: a
/// regular file, or a link to one inside `dir`.
fn check_input(dir: &Path, path: &Path) -> Result<(), Diagnostic> {
    let metadata = fs::symlink_metadata(path).map_err(|error| io_error(path, &error))?;
    if metadata.file_type().is_symlink() {
        let not_a_file = |found| {
            Diagnostic::general(Problem::NotAFile {
                path: path.to_path_buf(),
                found,
            })
        };
        let target = fs::canonicalize(path).map_err(|_| not_a_file("a link that leads nowhere"))?;
        let inside = fs::canonicalize(dir).is_ok_and(|dir| target.starts_with(dir));
        if !inside {
            return Err(Diagnostic::general(Problem::LinkOutside {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
            }));
        }
        let metadata = fs::metadata(&target).map_err(|error| io_error(path, &error))?;
        if !metadata.is_file() {
            return Err(not_a_file(describe_file_type(&metadata.file_type())));
        }
    } else if !metadata.is_file() {
        return Err(Diagnostic::general(Problem::NotAFile {
            path: path.to_path_buf(),
            found: describe_file_type(&metadata.file_type()),
        }));
    }
    Ok(())
}

/// Checks that an input directory, when it is itself a link, leads inside
/// the current directory.
fn check_directory(dir: &Path) -> Result<(), Diagnostic> {
    let is_link = fs::symlink_metadata(dir).is_ok_and(|metadata| metadata.is_symlink());
    if !is_link {
        return Ok(());
    }
    let here = std::env::current_dir().and_then(fs::canonicalize);
    let target = fs::canonicalize(dir);
    match (here, target) {
        (Ok(here), Ok(target)) if target.starts_with(&here) => Ok(()),
        _ => Err(Diagnostic::general(Problem::LinkOutside {
            path: dir.to_path_buf(),
            dir: PathBuf::from("."),
        })),
    }
}

/// Reads one text file as a source.
pub(crate) fn read_source(path: &Path) -> Result<SourceFile, Diagnostic> {
    let bytes = fs::read(path).map_err(|error| io_error(path, &error))?;
    Ok(SourceFile::from_bytes(path, bytes))
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(|error| io_error(dir, &error))? {
        paths.push(entry.map_err(|error| io_error(dir, &error))?.path());
    }
    paths.sort();
    Ok(paths)
}

fn extension_is(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| extensions.contains(&extension))
}

/// Reads a spec directory; `settings` overrides `<dir>/slogen.toml`.
/// Every problem is reported, not only the first.
pub fn spec_directory(dir: &Path, settings: Option<&Path>) -> Result<Sources, Vec<Diagnostic>> {
    check_directory(dir).map_err(|problem| vec![problem])?;
    if !dir.is_dir() {
        return Err(vec![Diagnostic::general(Problem::NoSpecDirectory {
            path: dir.to_path_buf(),
            is_file: dir.is_file(),
        })]);
    }
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut services = Vec::new();
    let mut settings_source = None;
    for path in entries(dir).map_err(|problem| vec![problem])? {
        let name = path.file_name().unwrap_or_default();
        let is_settings = name == SETTINGS_FILE;
        if extension_is(&path, &["toml"]) {
            if is_settings && settings.is_some() {
                continue;
            }
            // The name is written into every generated file's header.
            let plain = name.to_str().is_some_and(|name| {
                name.bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'))
            });
            if !plain {
                problems.push(Diagnostic::general(Problem::InvalidFileName { path }));
                continue;
            }
            match check_input(dir, &path).and_then(|()| read_source(&path)) {
                Ok(source) if is_settings => settings_source = Some(source),
                Ok(source) => services.push(source),
                Err(problem) => problems.push(problem),
            }
        } else if extension_is(&path, &["yml", "yaml", "json"]) || holds_specs(&path) {
            warnings.push(Diagnostic::general(Problem::IgnoredSpecFile {
                path: path.clone(),
                dir: dir.to_path_buf(),
            }));
        }
    }
    if let Some(path) = settings {
        match read_source(path) {
            Ok(source) => settings_source = Some(source),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(Sources {
            settings: settings_source,
            services,
            warnings,
        })
    } else {
        Err(problems)
    }
}

/// A directory (not hidden) that holds spec-like files one level down.
fn holds_specs(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'));
    !hidden
        && fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
        && fs::read_dir(path).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| extension_is(&entry.path(), &["toml", "yml", "yaml"]))
        })
}

/// Reads every `*.j2` file of a templates directory as an override; a name
/// that overrides no built-in template is a warning (it is still there to
/// be included by the others).
pub(crate) fn templates(dir: &Path) -> Result<(Templates, Vec<Diagnostic>), Vec<Diagnostic>> {
    check_directory(dir).map_err(|problem| vec![problem])?;
    let mut templates = Templates::default();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for path in entries(dir).map_err(|problem| vec![problem])? {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.ends_with(".j2") {
            continue;
        }
        let text = check_input(dir, &path)
            .and_then(|()| fs::read_to_string(&path).map_err(|error| io_error(&path, &error)));
        match text {
            Ok(_)
                if matches!(
                    name.as_str(),
                    "recording-rules.yml.j2" | "alert-rules.yml.j2"
                ) =>
            {
                // Retired when rules went per service and target: ignoring
                // it would drop the user's changes without a word.
                problems.push(Diagnostic::general(Problem::Template {
                    template: format!("{name} (templates directory)"),
                    message: "this template is no longer read: every rule file (one per service and deploy target) is rendered by `rules.yml.j2`; move your changes there (`slogen templates export` writes the default)".to_owned(),
                }));
            }
            Ok(text) => {
                if !DEFAULT_TEMPLATES.iter().any(|(known, _)| *known == name) {
                    let names = DEFAULT_TEMPLATES.iter().map(|(known, _)| *known);
                    warnings.push(Diagnostic::general(Problem::UnknownTemplate {
                        path: path.clone(),
                        suggestion: suggest(&name, names),
                    }));
                }
                templates.overrides.insert(name, text);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok((templates, warnings))
    } else {
        Err(problems)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn codes(problems: &[Diagnostic]) -> Vec<&'static str> {
        problems
            .iter()
            .map(|problem| problem.problem.code())
            .collect()
    }

    #[test]
    fn a_service_file_that_cannot_be_read_is_an_error_not_a_skip() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("slo");
        fs::create_dir_all(dir.join("nested.toml")).unwrap();
        fs::write(dir.join("good.toml"), "").unwrap();
        fs::write(root.path().join("secret.toml"), "SECRET=1").unwrap();
        symlink(root.path().join("secret.toml"), dir.join("outside.toml")).unwrap();
        symlink(dir.join("nowhere"), dir.join("dangling.toml")).unwrap();
        symlink(dir.join("loop.toml"), dir.join("loop.toml")).unwrap();
        symlink(dir.join("good.toml"), dir.join("alias.toml")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.toml"))
            .status();
        let fifo = status.is_ok_and(|status| status.success());
        let problems = spec_directory(&dir, None).unwrap_err();
        let mut expected = vec!["not-a-file", "not-a-file", "not-a-file", "link-outside"];
        if fifo {
            expected.insert(1, "not-a-file");
        }
        assert_eq!(codes(&problems), expected, "{problems:?}");
        assert!(!format!("{problems:?}").contains("SECRET"));
    }

    #[test]
    fn a_link_inside_the_spec_directory_is_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("slo");
        fs::create_dir_all(dir.join("shared")).unwrap();
        fs::write(dir.join("shared/base.toml"), "x = 1").unwrap();
        symlink(dir.join("shared/base.toml"), dir.join("base.toml")).unwrap();
        fs::write(dir.join("sloth.yml"), "version: prometheus/v1").unwrap();
        let sources = spec_directory(&dir, None).unwrap();
        assert_eq!(sources.services.len(), 1);
        assert_eq!(
            codes(&sources.warnings),
            ["ignored-spec-file", "ignored-spec-file"]
        );
    }

    #[test]
    fn a_misnamed_template_is_reported() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("rule.yml.j2"), "x").unwrap();
        let (templates, warnings) = templates(root.path()).unwrap();
        assert!(templates.overrides.contains_key("rule.yml.j2"));
        assert_eq!(
            warnings[0].problem.message(),
            format!(
                "`{}` overrides no built-in template",
                root.path().join("rule.yml.j2").display()
            )
        );
        assert_eq!(
            warnings[0].problem.help().unwrap(),
            "did you mean `rules.yml.j2`? (`slogen templates list` names them)"
        );
    }
}
