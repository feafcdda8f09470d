//! `slogen templates`: list or copy out the embedded templates.

use std::path::PathBuf;

use super::args::TemplatesCommand;
use super::printer::{note, write_stream};
use super::{EXIT_ERROR, EXIT_OK};
use crate::diagnostic::{self, Format};
use crate::load::{self};
use crate::render::Templates;

pub(super) fn templates(command: &TemplatesCommand, quiet: bool) -> u8 {
    match command {
        TemplatesCommand::List { templates } => {
            let dir = templates
                .clone()
                .or_else(|| Some(PathBuf::from("templates")).filter(|dir| dir.is_dir()));
            let overrides = match &dir {
                Some(dir) => match load::templates(dir) {
                    Ok((templates, _)) => templates,
                    Err(problems) => {
                        let text = diagnostic::render(&problems, &[], Format::Human, false);
                        write_stream(&mut std::io::stderr(), &text);
                        return EXIT_ERROR;
                    }
                },
                None => Templates::default(),
            };
            let mut text = String::new();
            for (name, _) in crate::render::DEFAULT_TEMPLATES {
                let origin = match (&dir, overrides.overrides.contains_key(*name)) {
                    (Some(dir), true) => dir.join(name).display().to_string(),
                    _ => "built in".to_owned(),
                };
                text.push_str(&format!("{name:<24} {origin}\n"));
            }
            write_stream(&mut std::io::stdout(), &text);
            EXIT_OK
        }
        TemplatesCommand::Export { dir, force } => {
            if let Err(error) = std::fs::create_dir_all(dir) {
                write_stream(
                    &mut std::io::stderr(),
                    &format!("error: cannot create `{}`: {error}\n", dir.display()),
                );
                return EXIT_ERROR;
            }
            let mut code = EXIT_OK;
            for (name, source) in crate::render::DEFAULT_TEMPLATES {
                let path = dir.join(name);
                if path.exists() && !force {
                    note(
                        quiet,
                        &format!("skipped  {} (exists; --force replaces it)", path.display()),
                    );
                    continue;
                }
                match std::fs::write(&path, source) {
                    Ok(()) => note(quiet, &format!("wrote    {}", path.display())),
                    Err(error) => {
                        write_stream(
                            &mut std::io::stderr(),
                            &format!("error: cannot write `{}`: {error}\n", path.display()),
                        );
                        code = EXIT_ERROR;
                    }
                }
            }
            code
        }
    }
}
