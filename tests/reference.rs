//! The spec reference (`docs/reference.md`) stays true: every `toml` block
//! in it is a complete file, building each service example (with the
//! settings example beside it) succeeds, and the tests of an example that
//! declares `[[alert.test]]` pass under promtool.

use crate::harness::{Project, repository, tool_available};

/// (file name, contents) of every `toml` block; the first line names the file.
pub(crate) fn examples() -> Vec<(String, String)> {
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
    assert!(examples.len() >= 8, "the reference lost its examples");
    let (settings, services): (Vec<_>, Vec<_>) = examples
        .iter()
        .partition(|(name, _)| name == "slo/slogen.toml");
    assert!(!settings.is_empty() && !services.is_empty());
    let build = |service: &(String, String), settings: &(String, String)| {
        let project = Project::new();
        project.file(&service.0, &service.1);
        project.file(&settings.0, &settings.1);
        let run = project.slogen(&["build"]);
        assert_eq!(
            run.code, 0,
            "{} with this settings example from docs/reference.md does not build:\n{}\n{}",
            service.0, settings.1, run.stderr
        );
        if service.1.contains("[[alert.test]]") && tool_available("promtool") {
            let run = project.slogen(&["test", "-q"]);
            assert_eq!(
                run.code, 0,
                "the tests of {} from docs/reference.md fail:\n{}{}",
                service.0, run.stdout, run.stderr
            );
        }
    };
    for service in &services {
        build(service, settings[0]);
    }
    for example in &settings {
        build(services[0], example);
    }
}

/// Every diagnostic code in the source is documented in the reference.
#[test]
fn every_diagnostic_code_is_documented() {
    let reference = std::fs::read_to_string(repository().join("docs/reference.md")).unwrap();
    let mut codes = Vec::new();
    let diagnostic =
        std::fs::read_to_string(repository().join("src/diagnostic/problem.rs")).unwrap();
    let start = diagnostic
        .find("pub fn code(&self)")
        .expect("Problem::code");
    let end = start + diagnostic[start..].find("\n    }\n").unwrap();
    for line in diagnostic[start..end].lines() {
        if let Some((_, code)) = line.split_once("=> \"") {
            codes.push(code.trim_end_matches("\",").to_owned());
        }
    }
    let verify = std::fs::read_to_string(repository().join("src/verify/rule_files.rs")).unwrap();
    for line in verify
        .lines()
        .filter(|line| line.contains(": &str = \"rule-"))
    {
        let code = line.split('"').nth(1).unwrap();
        codes.push(code.to_owned());
    }
    assert!(codes.len() > 40, "found only {codes:?}");
    for code in codes {
        assert!(
            reference.contains(&format!("`{code}`")),
            "code `{code}` is missing from docs/reference.md"
        );
    }
}
