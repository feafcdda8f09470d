//! `slogen diff`: what a build would change, as a unified diff.
//!
//! In: the files a compilation generates and the output directory's
//! [`Changes`]. Out: text: one unified diff per added, changed, removed or
//! conflicting file (paths relative to the output directory, `a/` and `b/`
//! prefixes), then a one-line summary. Colors are ANSI styles, used only
//! when the caller asks (a terminal without `NO_COLOR`).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

use crate::render::GeneratedFile;
use crate::write::Changes;

const CONTEXT_LINES: usize = 3;

fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}

/// One file's unified diff; `old` or `new` empty for added or removed files.
fn file_diff(path: &str, old: Option<&str>, new: Option<&str>, color: bool) -> String {
    let (old_name, new_name) = (
        old.map_or_else(|| "/dev/null".to_owned(), |_| format!("a/{path}")),
        new.map_or_else(|| "/dev/null".to_owned(), |_| format!("b/{path}")),
    );
    let old_text = old.unwrap_or("");
    let new_text = new.unwrap_or("");
    let diff = TextDiff::from_lines(old_text, new_text);
    let mut text = String::new();
    let bold = Style::new().bold();
    let _ = writeln!(text, "{}", paint(&format!("--- {old_name}"), bold, color));
    let _ = writeln!(text, "{}", paint(&format!("+++ {new_name}"), bold, color));
    for hunk in diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .iter_hunks()
    {
        let header = hunk.header().to_string();
        let _ = writeln!(
            text,
            "{}",
            paint(&header, AnsiColor::Cyan.on_default(), color)
        );
        for change in hunk.iter_changes() {
            let (sign, style) = match change.tag() {
                ChangeTag::Delete => ("-", AnsiColor::Red.on_default()),
                ChangeTag::Insert => ("+", AnsiColor::Green.on_default()),
                ChangeTag::Equal => (" ", Style::new()),
            };
            let line = change.to_string_lossy();
            let line = line.strip_suffix('\n').unwrap_or(&line);
            let _ = writeln!(text, "{}", paint(&format!("{sign}{line}"), style, color));
            if change.missing_newline() {
                let _ = writeln!(text, "\\ No newline at end of file");
            }
        }
    }
    text
}

/// The diff of every file a build would touch, then the summary line.
pub(crate) fn render(files: &[GeneratedFile], changes: &Changes, color: bool) -> String {
    let new_contents = |path: &str| {
        files
            .iter()
            .find(|file| file.path == path)
            .map(|file| file.contents.as_str())
    };
    let mut text = String::new();
    for path in &changes.added {
        text.push_str(&file_diff(path, None, new_contents(path), color));
    }
    for (path, old) in &changes.changed {
        text.push_str(&file_diff(path, Some(old), new_contents(path), color));
    }
    for (path, old, _) in &changes.conflicts {
        text.push_str(&file_diff(path, Some(old), new_contents(path), color));
    }
    for (path, old) in &changes.removed {
        text.push_str(&file_diff(path, Some(old), None, color));
    }
    text
}

/// `2 added, 1 changed, 0 removed` (plus conflicts when there are some).
pub(crate) fn summary(changes: &Changes) -> String {
    let mut line = format!(
        "{} added, {} changed, {} removed",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len()
    );
    if !changes.conflicts.is_empty() {
        let _ = write!(
            line,
            ", {} edited by hand or not slogen's",
            changes.conflicts.len()
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_unified_diff() {
        let files = vec![GeneratedFile {
            path: "a.yml".to_owned(),
            contents: "one\ntwo\nthree\n".to_owned(),
        }];
        let changes = Changes {
            changed: vec![("a.yml".to_owned(), "one\n2\nthree\n".to_owned())],
            removed: vec![("old.yml".to_owned(), "x\n".to_owned())],
            ..Changes::default()
        };
        assert_eq!(
            render(&files, &changes, false),
            "--- a/a.yml\n+++ b/a.yml\n@@ -1,3 +1,3 @@\n one\n-2\n+two\n three\n--- a/old.yml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        );
        assert_eq!(summary(&changes), "0 added, 1 changed, 1 removed");
        assert!(render(&files, &changes, true).contains("\u{1b}["));
    }
}
