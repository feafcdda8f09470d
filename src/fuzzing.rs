//! Fuzzing harnesses: one home for the bodies that the cargo-fuzz targets
//! (`fuzz/fuzz_targets/`) and the stable test (`tests/fuzz.rs`) both run.
//!
//! Each harness takes arbitrary bytes, turns them into an input of one
//! stage or of the whole pipeline, runs it, and panics when an invariant
//! breaks. Not panicking is the least of them; each also checks what a
//! user relies on:
//! - every diagnostic points inside its file, on character boundaries, and
//!   renders in every format;
//! - a compilation with errors writes nothing; one without errors gives
//!   files that parse back (`check --rules`, the test and Alertmanager
//!   checks), under safe relative paths;
//! - with the built-in templates, whatever analysis accepts generates
//!   valid output (a `template` or `generated-invalid` error means analysis
//!   let something through);
//! - the Go template checker and the pipeline agree, and alert text
//!   reaches the rule file exactly as written;
//! - output is deterministic (compiled twice for a sample of inputs).
//!
//! Not part of slogen's interface: hidden from the documentation, and free
//! to change with the harnesses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::compile::{self, Compilation, Options};
use crate::diagnostic::{self, Diagnostic, Format, Problem};
use crate::gotemplate;
use crate::load::{SETTINGS_FILE, Sources};
use crate::promql;
use crate::re2;
use crate::render::{DEFAULT_TEMPLATES, Templates};
use crate::source::SourceFile;
use crate::verify;

/// A harness: panics when an invariant breaks on this input.
pub type Harness = fn(&[u8]);

/// Every harness by name: the cargo-fuzz target, and the folders of its
/// corpus and regressions (`fuzz/corpus/<name>/`, `fuzz/regressions/<name>/`).
pub const HARNESSES: &[(&str, Harness)] = &[
    ("pipeline", pipeline),
    ("query", query),
    ("text", text),
    ("template", template),
    ("jinja", jinja),
    ("rules", rules),
    ("regex", regex),
];

/// Where a spec directory given as bytes starts a new file: a line
/// `#%% NAME` (a TOML comment, so a file that loses it still parses).
pub const FILE_MARKER: &[u8] = b"#%%";

/// The whole pipeline on a spec directory held in one input.
///
/// Without a [`FILE_MARKER`] line the input is one service file. With one,
/// what comes before the first marker is the settings file (none if
/// empty), and each marker line `#%% NAME` starts a service file called
/// `NAME` (`slogen.toml` is the settings file), named as the loader would
/// find it on disk.
pub fn pipeline(data: &[u8]) {
    let sources = spec_directory(data);
    let compilation = compile_checked(&sources, &Templates::default(), true);
    if sampled(data) {
        let again = compile::compile(&sources, &Templates::default(), &Options::default());
        assert_same(&compilation, &again);
    }
}

/// A query in every position a spec takes one: a ratio's `errors`, `good`
/// and `total`, a raw error ratio, a threshold query, a plain alert's
/// `expr`, a latency `selector` and `histogram`, and an alert test's
/// series. Where a position takes no `{{window}}`, it is filled with `5m`.
pub fn query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let windowless = promql::fill_window(&query, "5m");
    let q = toml_string(&query);
    let w = toml_string(&windowless);
    let total = toml_string("sum(rate(requests_total[{{window}}]))");
    let errors = toml_string("sum(rate(requests_total{code=~\"5..\"}[{{window}}]))");
    let positions = [
        format!("{SLO}[slo.sli.ratio]\nerrors = {q}\ntotal = {total}\n"),
        format!("{SLO}[slo.sli.ratio]\ngood = {q}\ntotal = {total}\n"),
        format!("{SLO}[slo.sli.ratio]\nerrors = {errors}\ntotal = {q}\n"),
        format!("{SLO}[slo.sli.raw]\nerror_ratio = {q}\n"),
        format!("{SLO}[slo.sli.threshold]\nquery = {w}\nmax = 1\n"),
        format!(
            "{SLO}[slo.sli.latency]\nhistogram = \"d_seconds\"\nthreshold = \"1s\"\nselector = {q}\n"
        ),
        format!("{SLO}[slo.sli.latency]\nhistogram = {q}\nthreshold = \"1s\"\n"),
        format!("{ALERT}expr = {w}\n"),
        format!(
            "{ALERT}expr = 'up == 0'\n\n[[alert.test]]\nseries = {{ {w} = \"1 0 0\" }}\nat = \"1m\"\nfiring = true\n"
        ),
    ];
    for service in positions {
        let sources = service_sources(&service);
        compile_checked(&sources, &Templates::default(), true);
    }
}

/// Free text in every place a spec takes some: plain text (descriptions,
/// runbook notes), Prometheus templates (alert summaries, descriptions,
/// labels and annotations) and names.
pub fn text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let t = toml_string(&text);

    // Plain text is taken as it is, whatever it holds.
    let plain = format!(
        "[service]\nname = \"svc\"\nteam = \"team\"\ndescription = {t}\n\n\
         [[slo]]\nname = \"slo\"\nobjective = 99.0\ndescription = {t}\n{RATIO}\
         [slo.runbook]\ndiagnosis = {t}\nmitigation = {t}\nescalation = {t}\n\n\
         [[alert]]\nname = \"FuzzAlert\"\nexpr = 'up == 0'\nseverity = \"page\"\n\n\
         [alert.runbook]\ndiagnosis = {t}\nmitigation = {t}\nescalation = {t}\n"
    );
    let compilation = compile_checked(&service_sources(&plain), &Templates::default(), true);
    assert!(
        !compilation.has_errors(),
        "plain text refused: {:#?}",
        compilation.diagnostics
    );

    // Templates are taken when Prometheus would take them, and reach the
    // alerting rules exactly as written.
    let templated = format!(
        "[service]\nname = \"svc\"\nteam = \"team\"\nlabels = {{ svc_label = {t} }}\n\n\
         [[slo]]\nname = \"slo\"\nobjective = 99.0\n{RATIO}\
         [slo.alerting]\nlabels = {{ slo_label = {t} }}\nannotations = {{ slo_note = {t} }}\n\n\
         [[alert]]\nname = \"FuzzAlert\"\nexpr = 'up == 0'\nseverity = \"page\"\n\
         summary = {t}\ndescription = {t}\nlabels = {{ fuzz = {t} }}\nannotations = {{ note = {t} }}\n"
    );
    let compilation = compile_checked(&service_sources(&templated), &Templates::default(), true);
    let verdict = gotemplate::check(&text);
    assert_eq!(
        verdict.is_ok(),
        !compilation.has_errors(),
        "the template checker says {verdict:?}, the pipeline {:#?}",
        compilation.diagnostics
    );
    if verdict.is_ok() {
        let alert = alert_rule(&compilation, "FuzzAlert");
        for (map, key) in [
            (&alert.annotations, "summary"),
            (&alert.annotations, "description"),
            (&alert.annotations, "note"),
            (&alert.labels, "fuzz"),
            (&alert.labels, "svc_label"),
        ] {
            assert_eq!(map.get(key).map(String::as_str), Some(&*text), "{key}");
        }
        let burn = alert_rules(&compilation)
            .into_iter()
            .find(|rule| {
                rule.labels
                    .get("slogen_slo")
                    .is_some_and(|slo| slo == "slo")
            })
            .expect("a burn-rate alert");
        assert_eq!(
            burn.labels.get("slo_label").map(String::as_str),
            Some(&*text)
        );
        assert_eq!(
            burn.annotations.get("slo_note").map(String::as_str),
            Some(&*text)
        );
    }

    // Names: each on its own, since one invalid name stops the rest.
    let names = [
        format!("[service]\nname = {t}\nteam = \"team\"\n{PLAIN_SLO}"),
        format!("[service]\nname = \"svc\"\nteam = {t}\n{PLAIN_SLO}"),
        format!(
            "[service]\nname = \"svc\"\nteam = \"team\"\nlabels = {{ {t} = \"v\" }}\n{PLAIN_SLO}"
        ),
        format!(
            "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[slo]]\nname = {t}\nobjective = 99.0\n{RATIO}"
        ),
        format!(
            "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[alert]]\nname = {t}\nexpr = 'up == 0'\nseverity = \"page\"\n"
        ),
        format!(
            "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[alert]]\nname = \"A\"\nexpr = 'up == 0'\nseverity = \"page\"\nannotations = {{ {t} = \"v\" }}\n"
        ),
        format!(
            "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[alert]]\nname = \"A\"\nexpr = 'up == 0'\nseverity = {t}\n"
        ),
    ];
    for service in names {
        compile_checked(&service_sources(&service), &Templates::default(), true);
    }
}

/// The Go template checker on its own, then as an alert's summary: the
/// pipeline refuses exactly what the checker refuses, and a summary it
/// takes reaches the rule file as written. Escaped plain text is always a
/// valid template.
pub fn template(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let verdict = gotemplate::check(&text);
    if let Err(error) = &verdict {
        assert_span(&text, &error.span, "template error");
        assert!(!error.message.is_empty());
    }
    if !text.contains("{{") {
        assert_eq!(verdict, Ok(()), "a text without an action");
    }
    let escaped = promql::escape_template_text(&text);
    assert_eq!(gotemplate::check(&escaped), Ok(()), "escaped: {escaped:?}");

    let service = format!(
        "[service]\nname = \"svc\"\nteam = \"team\"\n\n\
         [[alert]]\nname = \"FuzzAlert\"\nexpr = 'up == 0'\nseverity = \"page\"\nsummary = {}\n",
        toml_string(&text)
    );
    let compilation = compile_checked(&service_sources(&service), &Templates::default(), true);
    assert_eq!(
        verdict.is_ok(),
        !compilation.has_errors(),
        "the template checker says {verdict:?}, the pipeline {:#?}",
        compilation.diagnostics
    );
    if verdict.is_ok() {
        let alert = alert_rule(&compilation, "FuzzAlert");
        assert_eq!(
            alert.annotations.get("summary").map(String::as_str),
            Some(&*text)
        );
    }
}

/// A templates directory's override: the first byte picks the built-in
/// template it replaces, the rest is its text, rendered over a small valid
/// spec. Errors are expected; a panic, or invalid output let through, is not.
pub fn jinja(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (name, _) = DEFAULT_TEMPLATES[usize::from(pick) % DEFAULT_TEMPLATES.len()];
    let mut templates = Templates::default();
    templates
        .overrides
        .insert(name.to_owned(), String::from_utf8_lossy(rest).into_owned());
    let sources = service_sources(JINJA_SPEC);
    let compilation = compile_checked(&sources, &templates, false);
    if sampled(data) {
        let again = compile::compile(&sources, &templates, &Options::default());
        assert_same(&compilation, &again);
    }
}

/// `slogen check --rules` on a rule file: diagnostics inside the file, and
/// the same verdict twice.
pub fn rules(data: &[u8]) {
    let source = SourceFile::from_bytes("rules.yml", data.to_vec());
    let diagnostics = verify::check_rules(&source);
    check_diagnostics(&diagnostics, std::slice::from_ref(&source));
    if sampled(data) {
        assert_eq!(diagnostics, verify::check_rules(&source));
    }
}

/// The RE2 check on its own, then in a matcher of an alert's query: a
/// regex it refuses is never accepted by the pipeline.
pub fn regex(data: &[u8]) {
    let pattern = String::from_utf8_lossy(data);
    let verdict = re2::check(&pattern);
    if let Err(error) = &verdict {
        assert_span(&pattern, &error.span, "regex error");
        assert!(!error.message.is_empty() && !error.help.is_empty());
    }
    let expr = format!("up{{job=~{}}} == 0", promql::quote(&pattern));
    let service = format!("{ALERT}expr = {}\n", toml_string(&expr));
    let sources = service_sources(&service);
    let (project, diagnostics) = compile::parse_and_analyze(&sources);
    check_diagnostics(&diagnostics, &sources.all());
    if verdict.is_err() {
        assert!(
            project.is_none() && diagnostics.iter().any(Diagnostic::is_error),
            "RE2 refuses {pattern:?} ({verdict:?}) but the spec passes"
        );
    }
}

// --- inputs

/// A service's header and one SLO, for the positions of a query.
const SLO: &str =
    "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[slo]]\nname = \"slo\"\nobjective = 99.0\n\n";

/// A service's header and a plain alert, less its `expr`.
const ALERT: &str = "[service]\nname = \"svc\"\nteam = \"team\"\n\n[[alert]]\nname = \"FuzzAlert\"\nseverity = \"page\"\n";

/// A valid ratio SLI, for the SLOs of the text positions.
const RATIO: &str = "\n[slo.sli.ratio]\nerrors = 'sum(rate(requests_total{code=~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(requests_total[{{window}}]))'\n\n";

/// An SLO after a service header.
const PLAIN_SLO: &str = "\n[[slo]]\nname = \"slo\"\nobjective = 99.0\n\n[slo.sli.ratio]\nerrors = 'sum(rate(requests_total{code=~\"5..\"}[{{window}}]))'\ntotal = 'sum(rate(requests_total[{{window}}]))'\n";

/// A small spec with every kind of output: an SLO, a plain alert with a
/// test, runbook notes.
const JINJA_SPEC: &str = r#"[service]
name = "api"
team = "backend"
description = "Serves {{ the }} API."

[[slo]]
name = "availability"
objective = 99.9

[slo.sli.ratio]
errors = 'sum by (endpoint) (rate(http_requests_total{code=~"5.."}[{{window}}]))'
total = 'sum by (endpoint) (rate(http_requests_total[{{window}}]))'

[slo.runbook]
diagnosis = "Look at the `5xx`."

[[alert]]
name = "ApiDown"
expr = 'up{job="api"} == 0'
for = "1m"
severity = "page"
summary = "{{ $labels.instance }} is down"

[[alert.test]]
series = { 'up{job="api",instance="a:1"}' = "1 0 0 0" }
at = "2m"
firing = true
labels = { instance = "a:1", job = "api" }
"#;

/// A TOML basic string holding `text` exactly.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push('\t'),
            control if control.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(control));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// One service file, `slo/svc.toml`, and no settings.
fn service_sources(text: &str) -> Sources {
    Sources {
        settings: None,
        services: vec![SourceFile::new("slo/svc.toml", text)],
        warnings: Vec::new(),
    }
}

/// A spec directory from bytes (see [`pipeline`]), as the loader would
/// read it: names it would refuse made plain, services sorted by name.
fn spec_directory(data: &[u8]) -> Sources {
    let mut settings = None;
    let mut services: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut chunk = Vec::new();
    let mut marked = false;
    let mut markers = 0;
    let mut finish = |name: Option<String>, bytes: Vec<u8>, marked: bool| match name {
        Some(name) if name == SETTINGS_FILE => settings = Some(bytes),
        Some(name) => {
            let mut name = name;
            while services.contains_key(&name) {
                name.insert(0, '_');
            }
            services.insert(name, bytes);
        }
        None if !marked => {
            services.insert("svc.toml".to_owned(), bytes);
        }
        None if !bytes.is_empty() => settings = Some(bytes),
        None => {}
    };
    for line in data.split_inclusive(|byte| *byte == b'\n') {
        if let Some(rest) = line.strip_prefix(FILE_MARKER) {
            if !marked {
                // Everything before the first marker is the settings file.
                marked = true;
                finish(None, std::mem::take(&mut chunk), true);
            } else {
                finish(current.take(), std::mem::take(&mut chunk), true);
            }
            markers += 1;
            current = Some(file_name(rest, markers));
        } else {
            chunk.extend_from_slice(line);
        }
    }
    if marked {
        finish(current.take(), chunk, true);
    } else {
        finish(None, chunk, false);
    }
    let path = |name: &str| Path::new("slo").join(name);
    Sources {
        settings: settings.map(|bytes| SourceFile::from_bytes(path(SETTINGS_FILE), bytes)),
        services: services
            .into_iter()
            .map(|(name, bytes)| SourceFile::from_bytes(path(&name), bytes))
            .collect(),
        warnings: Vec::new(),
    }
}

/// A marker line's name as a file name the loader reads: letters, digits,
/// `.`, `-` and `_`, ending in `.toml` (`s<index>.toml` when empty).
fn file_name(rest: &[u8], index: usize) -> String {
    let mut name: String = String::from_utf8_lossy(rest)
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        name = format!("s{index}");
    }
    if !name.ends_with(".toml") {
        name.push_str(".toml");
    }
    name
}

/// About one input in eight, chosen by its bytes: those are compiled twice.
fn sampled(data: &[u8]) -> bool {
    // FNV-1a.
    let hash = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash % 8 == 0
}

// --- invariants

/// Compiles and checks every invariant of a compilation. With the built-in
/// templates, nothing analysis accepts may fail to render or verify.
fn compile_checked(sources: &Sources, templates: &Templates, built_in: bool) -> Compilation {
    let compilation = compile::compile(sources, templates, &Options::default());
    check_diagnostics(&compilation.diagnostics, &sources.all());
    if built_in {
        let generation: Vec<&Diagnostic> = compilation
            .diagnostics
            .iter()
            .filter(|diagnostic| {
                matches!(
                    *diagnostic.problem,
                    Problem::Template { .. }
                        | Problem::GeneratedInvalid { .. }
                        | Problem::UnsafeOutputPath { .. }
                )
            })
            .collect();
        assert!(
            generation.is_empty(),
            "analysis accepted a spec whose output is invalid: {generation:#?}"
        );
    }
    if compilation.has_errors() {
        assert!(compilation.files.is_empty(), "files written beside errors");
        assert_eq!(compilation.rules, 0);
        return compilation;
    }
    assert!(compilation.project.is_some());
    let paths: Vec<&str> = compilation
        .files
        .iter()
        .map(|file| file.path.as_str())
        .collect();
    let unique: BTreeSet<&str> = paths.iter().copied().collect();
    assert_eq!(paths.len(), unique.len(), "a path twice: {paths:?}");
    assert!(paths.is_sorted(), "{paths:?}");
    assert!(
        unique.contains("alertmanager.yml"),
        "no alertmanager.yml: {paths:?}"
    );
    assert!(
        unique.iter().any(|path| path.starts_with("prometheus/")),
        "no rule file: {paths:?}"
    );
    for file in &compilation.files {
        let path = &file.path;
        assert!(
            !path.is_empty()
                && !path.starts_with('/')
                && path
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..")
                && !path.chars().any(char::is_control),
            "unsafe path {path:?}"
        );
        assert!(
            file.contents.ends_with('\n'),
            "{path} ends without a newline"
        );
        if !built_in {
            continue;
        }
        if path.ends_with("rules.yml") {
            let source = SourceFile::new(path, file.contents.clone());
            let problems = verify::check_rules(&source);
            assert!(
                problems.is_empty(),
                "{path}: {problems:#?}\n{}",
                file.contents
            );
        } else if path.starts_with("tests/") {
            let (problems, _) = verify::check_test_text(&file.contents);
            assert!(
                problems.is_empty(),
                "{path}: {problems:#?}\n{}",
                file.contents
            );
        } else if path == "alertmanager.yml" {
            let problems = verify::check_alertmanager_text(&file.contents);
            assert!(
                problems.is_empty(),
                "{path}: {problems:#?}\n{}",
                file.contents
            );
        }
    }
    compilation
}

/// Every located diagnostic points inside a known file, on character
/// boundaries, and every diagnostic renders in every format.
fn check_diagnostics(diagnostics: &[Diagnostic], sources: &[SourceFile]) {
    for diagnostic in diagnostics {
        assert!(!diagnostic.problem.message().is_empty());
        assert!(!diagnostic.problem.code().is_empty());
        let _ = diagnostic.problem.help();
        let Some(location) = &diagnostic.location else {
            continue;
        };
        let source = sources
            .iter()
            .find(|source| source.path == location.path)
            .unwrap_or_else(|| panic!("a diagnostic in an unknown file: {diagnostic:#?}"));
        assert_span(&source.text, &location.span, diagnostic.problem.code());
    }
    for format in [Format::Human, Format::Json, Format::Github] {
        let _ = diagnostic::render(diagnostics, sources, format, false);
    }
    let _ = diagnostic::render(diagnostics, sources, Format::Human, true);
}

/// A span inside `text`, its ends on character boundaries.
#[track_caller]
fn assert_span(text: &str, span: &std::ops::Range<usize>, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "{what}: span {span:?} outside or inside a character of a text of {} bytes",
        text.len()
    );
}

/// Two compilations of the same input.
fn assert_same(first: &Compilation, second: &Compilation) {
    assert_eq!(first.diagnostics, second.diagnostics, "diagnostics differ");
    assert_eq!(first.files, second.files, "files differ");
    assert_eq!(first.rules, second.rules);
}

/// A rule of a generated rule file, as much as the harnesses read.
#[derive(Debug, Default, Deserialize)]
struct Rule {
    alert: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RuleGroup {
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

/// The alerting rules of a compilation's rule files.
fn alert_rules(compilation: &Compilation) -> Vec<Rule> {
    compilation
        .files
        .iter()
        .filter(|file| file.path.starts_with("prometheus/"))
        .flat_map(|file| {
            let parsed: RuleFile = serde_saphyr::from_str(&file.contents)
                .unwrap_or_else(|error| panic!("{}: {error}\n{}", file.path, file.contents));
            parsed.groups
        })
        .flat_map(|group| group.rules)
        .filter(|rule| rule.alert.is_some())
        .collect()
}

/// The alerting rule named `name`.
fn alert_rule(compilation: &Compilation, name: &str) -> Rule {
    alert_rules(compilation)
        .into_iter()
        .find(|rule| rule.alert.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no alert {name}"))
}
