//! `slogen init`: a starting spec directory.

use std::path::Path;

use super::printer::{note, write_stream};
use super::{EXIT_ERROR, EXIT_OK};

/// The files `slogen init` writes: each spec file starts with the
/// `#:schema` directive that points editors at its schema, written beside.
fn init_files() -> Vec<(String, String)> {
    use crate::schema::{Kind, schema};
    vec![
        (
            "example.toml".to_owned(),
            format!(
                "{}\n{}",
                Kind::Service.directive(),
                include_str!("init/service.toml")
            ),
        ),
        (
            "slogen.toml".to_owned(),
            format!(
                "{}\n{}",
                Kind::Settings.directive(),
                include_str!("init/slogen.toml")
            ),
        ),
        (Kind::Service.path().to_owned(), schema(Kind::Service)),
        (Kind::Settings.path().to_owned(), schema(Kind::Settings)),
    ]
}

pub(super) fn init(dir: &Path, quiet: bool) -> u8 {
    if let Err(error) = std::fs::create_dir_all(dir) {
        write_stream(
            &mut std::io::stderr(),
            &format!("error: cannot create `{}`: {error}\n", dir.display()),
        );
        return EXIT_ERROR;
    }
    for (name, contents) in init_files() {
        let path = dir.join(&name);
        if path.exists() {
            note(quiet, &format!("kept     {} (exists)", path.display()));
            continue;
        }
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, contents));
        if let Err(error) = written {
            write_stream(
                &mut std::io::stderr(),
                &format!("error: cannot write `{}`: {error}\n", path.display()),
            );
            return EXIT_ERROR;
        }
        note(quiet, &format!("created  {}", path.display()));
    }
    let slo = if dir == Path::new("slo") {
        String::new()
    } else {
        format!(" --slo {}", dir.display())
    };
    note(
        quiet,
        &format!("next: edit the files, then `slogen check{slo}` and `slogen build{slo}`"),
    );
    EXIT_OK
}
