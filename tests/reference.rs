//! The spec reference (`docs/reference.md`) stays true: every `toml` block
//! in it is a complete file, building each service example (with the
//! settings example beside it) succeeds, and the tests of an example that
//! declares `[[alert.test]]` pass under promtool.

use crate::harness::{Project, repository, tool_available};

/// (file name, contents) of every `toml` block; the first line names the file.
fn examples() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repository().join("docs/reference.md")).unwrap();
    let mut examples = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```toml" {
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|line| line.trim() != "```")
                .collect();
            let name = block[0].trim_start_matches('#').trim().to_owned();
            assert!(
                name.starts_with("slo/"),
                "a toml block must start with `# slo/<file>`: {name}"
            );
            examples.push((name, block.join("\n") + "\n"));
        }
    }
    examples
}

#[test]
fn every_example_in_the_reference_builds() {
    let examples = examples();
    assert!(examples.len() >= 6, "the reference lost its examples");
    let settings = examples
        .iter()
        .find(|(name, _)| name == "slo/slogen.toml")
        .expect("a settings example");
    for (name, contents) in examples
        .iter()
        .filter(|(name, _)| name != "slo/slogen.toml")
    {
        let project = Project::new();
        project.file(name, contents);
        project.file(&settings.0, &settings.1);
        let run = project.slogen(&["build"]);
        assert_eq!(
            run.code, 0,
            "{name} from docs/reference.md does not build:\n{}",
            run.stderr
        );
        if contents.contains("[[alert.test]]") && tool_available("promtool") {
            let run = project.slogen(&["test", "-q"]);
            assert_eq!(
                run.code, 0,
                "the tests of {name} from docs/reference.md fail:\n{}{}",
                run.stdout, run.stderr
            );
        }
    }
}
