//! Running promtool: the only place slogen starts another program.
//!
//! In: the promtool command and generated test files on disk. Out: whether
//! each file passed, and its failures split into blocks, each of which
//! `slogen test` attributes to the SLOs or alerts it names.

use std::path::Path;
use std::process::Command;

/// What `promtool test rules` said about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Exit status 0.
    pub passed: bool,
    /// Each failure promtool printed, as its lines.
    pub failures: Vec<String>,
}

/// How promtool could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unavailable {
    /// Not installed (or not at the given path).
    Missing,
    /// Installed, but it failed to start or crashed.
    Broken(String),
}

/// The first line of `promtool --version`, or why promtool cannot run.
pub(crate) fn version(program: &str) -> Result<String, Unavailable> {
    match Command::new(program).arg("--version").output() {
        Ok(output) => {
            let text = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            Ok(text.lines().next().unwrap_or_default().trim().to_owned())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(Unavailable::Missing),
        Err(error) => Err(Unavailable::Broken(error.to_string())),
    }
}

/// Runs `promtool test rules <file>`.
pub(crate) fn test_rules(program: &str, file: &Path) -> Result<Outcome, Unavailable> {
    let output = Command::new(program)
        .args(["test", "rules"])
        .arg(file)
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => Unavailable::Missing,
            _ => Unavailable::Broken(error.to_string()),
        })?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let passed = output.status.success();
    Ok(Outcome {
        passed,
        failures: if passed { Vec::new() } else { failures(&text) },
    })
}

/// The failure blocks of promtool's output: everything after `FAILED:`,
/// split at blank lines and at each new `expr:`/`alertname:`/`name:` entry.
pub(crate) fn failures(output: &str) -> Vec<String> {
    let Some((_, after)) = output.split_once("FAILED:") else {
        return vec![output.trim().to_owned()]
            .into_iter()
            .filter(|text| !text.is_empty())
            .collect();
    };
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in after.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            if blocks.last().is_some_and(|block| !block.is_empty()) {
                blocks.push(Vec::new());
            }
            continue;
        }
        let starts_entry = ["expr:", "alertname:", "name:", "rule:"]
            .iter()
            .any(|start| trimmed.starts_with(start));
        let continues_name = blocks
            .last()
            .and_then(|block| block.last())
            .is_some_and(|previous| previous.trim_start().starts_with("name:"));
        if (starts_entry && !continues_name) || blocks.is_empty() {
            blocks.push(Vec::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push(line.trim_end());
        }
    }
    blocks
        .into_iter()
        .filter(|block| !block.is_empty())
        .map(|block| block.join("\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_failures_into_entries() {
        let output = "Unit Testing:  t.yml\n  FAILED:\n    expr: \"a\", time: 1m,\n        exp: x\n        got: y\n\n    expr: \"b\", time: 2m,\n        exp: x\n        got: z\n\n    name: outage,\n    alertname: A, time: 3m, \n        exp:[]\n";
        assert_eq!(
            failures(output),
            vec![
                "    expr: \"a\", time: 1m,\n        exp: x\n        got: y".to_owned(),
                "    expr: \"b\", time: 2m,\n        exp: x\n        got: z".to_owned(),
                "    name: outage,\n    alertname: A, time: 3m,\n        exp:[]".to_owned(),
            ]
        );
        assert_eq!(
            failures("yaml: line 3: oops\n"),
            vec!["yaml: line 3: oops".to_owned()]
        );
    }
}
