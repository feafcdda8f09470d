//! The command line: parses arguments, runs the compiler, prints, exits.
//!
//! Exit codes (documented in the README):
//! - 0: success (for `diff`: up to date)
//! - 1: invalid specs (for `diff`: output stale or edited by hand; for
//!   `test`: a generated test failed)
//! - 2: usage error or I/O error (for `test`: also promtool missing)
//!
//! Diagnostics go to stderr in `human` format, to stdout in `json` and
//! `github` formats (machine readers consume stdout). A closed pipe ends
//! output quietly.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::compile::{self, Compilation};
use crate::diagnostic::{self, Diagnostic, Format};
use crate::load::{self, Sources};
use crate::promtool;
use crate::render::Templates;
use crate::rule_tests;
use crate::write;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: invalid specs, or stale output for `diff`.
pub const EXIT_INVALID: u8 = 1;
/// Exit status: usage or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// Compile service level objectives into Prometheus rules, Alertmanager
/// routing, runbooks and promtool tests.
#[derive(Debug, Parser)]
#[command(name = "slogen", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (each file written).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Color choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color on a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the specs and write the generated files.
    #[command(
        after_help = "Examples:\n  slogen build\n  slogen build --slo specs --out deploy/prometheus\n  slogen build --format github   # in CI"
    )]
    Build {
        #[command(flatten)]
        spec: SpecArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Validate the specs (and render the output in memory) without writing.
    #[command(after_help = "Examples:\n  slogen check\n  slogen check --slo specs --format json")]
    Check {
        #[command(flatten)]
        spec: SpecArgs,
    },
    /// Build, then run `promtool test rules` on the generated tests and
    /// summarize the result per SLO.
    #[command(
        after_help = "Examples:\n  slogen test\n  slogen test --slo specs --out deploy/prometheus\n  slogen test --promtool /opt/prometheus/promtool"
    )]
    Test {
        #[command(flatten)]
        spec: SpecArgs,
        #[command(flatten)]
        output: OutputArgs,
        /// The promtool to run.
        #[arg(
            long,
            value_name = "PATH",
            default_value = "promtool",
            env = "SLOGEN_PROMTOOL"
        )]
        promtool: String,
    },
}

/// Where the specs are.
#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Spec directory: one `<service>.toml` per service, plus `slogen.toml`.
    #[arg(
        long = "slo",
        value_name = "DIR",
        default_value = "slo",
        env = "SLOGEN_SLO"
    )]
    pub slo: PathBuf,
    /// Settings file [default: DIR/slogen.toml when present].
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Templates overriding the built-in ones, file by file [default: ./templates when present].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Where the output goes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output directory.
    #[arg(
        long = "out",
        value_name = "DIR",
        default_value = "generated",
        env = "SLOGEN_OUT"
    )]
    pub out: PathBuf,
}

/// Runs the command line; the binary's `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            });
        }
    };
    ExitCode::from(run(&cli))
}

/// Output settings shared by the commands.
struct Printer {
    quiet: bool,
    verbose: bool,
    color: bool,
    format: Format,
}

impl Printer {
    fn new(cli: &Cli, format: Format) -> Self {
        let color = match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        };
        Self {
            quiet: cli.quiet,
            verbose: cli.verbose,
            color,
            format,
        }
    }

    /// Prints diagnostics in the chosen format; warnings are hidden by `-q`.
    fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &Sources) {
        let shown: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|diagnostic| !self.quiet || diagnostic.is_error())
            .cloned()
            .collect();
        if self.format == Format::Human {
            if !shown.is_empty() {
                let text = diagnostic::render(&shown, &sources.all(), self.format, self.color);
                write_stream(&mut std::io::stderr(), &text);
            }
        } else {
            let text = diagnostic::render(&shown, &sources.all(), self.format, false);
            write_stream(&mut std::io::stdout(), &text);
        }
    }

    /// A status line on stderr, for people.
    fn status(&self, line: &str) {
        if !self.quiet && self.format == Format::Human {
            write_stream(&mut std::io::stderr(), &format!("{line}\n"));
        }
    }

    /// An error line on stderr, shown even with `-q`.
    fn error(&self, line: &str) {
        write_stream(&mut std::io::stderr(), &format!("slogen: error: {line}\n"));
    }

    fn detail(&self, line: &str) {
        if self.verbose {
            self.status(line);
        }
    }
}

/// Writes, ignoring a closed pipe (`slogen ... | head`).
fn write_stream(stream: &mut impl Write, text: &str) {
    let _ = stream
        .write_all(text.as_bytes())
        .and_then(|()| stream.flush());
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: &Cli) -> u8 {
    match &cli.command {
        Command::Build { spec, output } => build(cli, spec, output),
        Command::Check { spec } => check(cli, spec),
        Command::Test {
            spec,
            output,
            promtool,
        } => test(cli, spec, output, promtool),
    }
}

/// Loads the specs and templates, printing I/O problems.
fn load_inputs(spec: &SpecArgs, printer: &Printer) -> Result<(Sources, Templates), u8> {
    let sources = load::spec_directory(&spec.slo, spec.settings.as_deref()).map_err(|problem| {
        printer.diagnostics(&[problem], &Sources::default());
        EXIT_ERROR
    })?;
    if sources.services.is_empty() {
        let warning = Diagnostic::general(diagnostic::Problem::NoSpecFiles {
            path: spec.slo.clone(),
        });
        printer.diagnostics(&[warning], &sources);
    }
    let directory = spec
        .templates
        .clone()
        .or_else(|| settings_templates(&sources))
        .or_else(|| Some(PathBuf::from("templates")).filter(|dir| dir.is_dir()));
    let templates = match directory {
        Some(dir) => load::templates(&dir).map_err(|problem| {
            printer.diagnostics(&[problem], &sources);
            EXIT_ERROR
        })?,
        None => Templates::default(),
    };
    Ok((sources, templates))
}

/// The templates directory named in the settings file, if it parses.
fn settings_templates(sources: &Sources) -> Option<PathBuf> {
    let source = sources.settings.as_ref()?;
    let settings = crate::spec::parse_settings(source).ok()?;
    let dir = settings.templates?;
    Some(
        source
            .path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(dir.get_ref()),
    )
}

fn compile_or_report(spec: &SpecArgs, printer: &Printer) -> Result<(Sources, Compilation), u8> {
    let (sources, templates) = load_inputs(spec, printer)?;
    let compilation = compile::compile(&sources, &templates);
    printer.diagnostics(&compilation.diagnostics, &sources);
    if compilation.has_errors() {
        let errors = compilation
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
        printer.status(&format!(
            "slogen: {errors} error{} found; nothing written",
            plural(errors)
        ));
        return Err(EXIT_INVALID);
    }
    Ok((sources, compilation))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn summary(compilation: &Compilation) -> String {
    let project = compilation.project.as_ref();
    let services = project.map_or(0, |project| project.services.len());
    let slos = project.map_or(0, |project| project.slos().count());
    let alerts = project.map_or(0, |project| {
        project
            .services
            .iter()
            .map(|service| service.alerts.len())
            .sum()
    });
    format!(
        "{services} service{}, {slos} SLO{}, {alerts} plain alert{}",
        plural(services),
        plural(slos),
        plural(alerts)
    )
}

fn build(cli: &Cli, spec: &SpecArgs, output: &OutputArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_and_write(spec, output, &printer) {
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

/// Compiles and writes the output, printing what happened.
fn compile_and_write(
    spec: &SpecArgs,
    output: &OutputArgs,
    printer: &Printer,
) -> Result<Compilation, u8> {
    let (sources, compilation) = compile_or_report(spec, printer)?;
    match write::write(&output.out, &compilation.files) {
        Ok(changes) => {
            for path in &changes.added {
                printer.detail(&format!("  added     {}", output.out.join(path).display()));
            }
            for (path, _) in &changes.changed {
                printer.detail(&format!("  updated   {}", output.out.join(path).display()));
            }
            for (path, _) in &changes.removed {
                printer.detail(&format!("  removed   {}", output.out.join(path).display()));
            }
            printer.status(&format!(
                "slogen: {}; {} written, {} unchanged, {} removed in {}",
                summary(&compilation),
                changes.added.len() + changes.changed.len(),
                changes.unchanged.len(),
                changes.removed.len(),
                output.out.display()
            ));
            Ok(compilation)
        }
        Err(problems) => {
            printer.diagnostics(&problems, &sources);
            Err(EXIT_ERROR)
        }
    }
}

fn check(cli: &Cli, spec: &SpecArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_or_report(spec, &printer) {
        Ok((_, compilation)) => {
            printer.status(&format!("slogen: {}; all valid", summary(&compilation)));
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// How to get promtool, for the message when it is missing.
pub const PROMTOOL_INSTALL: &str = "install it with `apt-get install prometheus` (Debian/Ubuntu)";

fn test(cli: &Cli, spec: &SpecArgs, output: &OutputArgs, program: &str) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let missing = |printer: &Printer| {
        printer.error(&format!("promtool not found: {PROMTOOL_INSTALL}"));
        EXIT_ERROR
    };
    let version = match promtool::version(program) {
        Ok(version) => version,
        Err(promtool::Unavailable::Missing) => return missing(&printer),
        Err(promtool::Unavailable::Broken(error)) => {
            printer.error(&format!("promtool (`{program}`) could not run: {error}"));
            return EXIT_ERROR;
        }
    };
    let compilation = match compile_and_write(spec, output, &printer) {
        Ok(compilation) => compilation,
        Err(code) => return code,
    };
    let Some(project) = compilation.project.as_ref() else {
        return EXIT_OK;
    };
    printer.detail(&format!("  using {version}"));
    // Every generated test file, run once; its failures attributed below.
    let mut outcomes: BTreeMap<String, promtool::Outcome> = BTreeMap::new();
    for file in compilation
        .files
        .iter()
        .filter(|file| file.path.starts_with("tests/"))
    {
        printer.detail(&format!(
            "  promtool test rules {}",
            output.out.join(&file.path).display()
        ));
        match promtool::test_rules(program, &output.out.join(&file.path)) {
            Ok(outcome) => {
                outcomes.insert(file.path.clone(), outcome);
            }
            Err(promtool::Unavailable::Missing) => return missing(&printer),
            Err(promtool::Unavailable::Broken(error)) => {
                printer.error(&format!("promtool (`{program}`) could not run: {error}"));
                return EXIT_ERROR;
            }
        }
    }
    let coverage = rule_tests::coverage(project);
    let mut report = String::new();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for item in &coverage {
        if let Some(reason) = &item.skipped {
            skipped += 1;
            report.push_str(&format!("SKIP  {}: {reason}\n", item.name));
            continue;
        }
        let mut problems: Vec<&str> = Vec::new();
        for path in &item.files {
            let Some(outcome) = outcomes.get(path) else {
                continue;
            };
            let others: Vec<&rule_tests::Covered> = coverage
                .iter()
                .filter(|other| other.files.contains(path))
                .collect();
            for failure in &outcome.failures {
                let names_it = |covered: &rule_tests::Covered| {
                    covered
                        .markers
                        .iter()
                        .any(|marker| failure.contains(marker))
                };
                // A failure naming nothing (an evaluation error, say) counts
                // against everything in its file.
                if names_it(item) || !others.iter().any(|other| names_it(other)) {
                    problems.push(failure);
                }
            }
            if !outcome.passed && outcome.failures.is_empty() {
                problems.push("promtool failed without saying why");
            }
        }
        if problems.is_empty() {
            passed += 1;
            report.push_str(&format!("PASS  {}\n", item.name));
        } else {
            failed += 1;
            report.push_str(&format!("FAIL  {}\n", item.name));
            for problem in problems {
                report.push_str(&indent(problem, 6));
                report.push('\n');
            }
        }
    }
    report.push_str(&format!(
        "slogen test: {passed} passed, {failed} failed, {skipped} skipped ({} test file{} in {})\n",
        outcomes.len(),
        plural(outcomes.len()),
        output.out.join("tests").display()
    ));
    write_stream(&mut std::io::stdout(), &report);
    if failed > 0 { EXIT_INVALID } else { EXIT_OK }
}

/// Re-indents a block: its common indentation becomes `spaces`.
fn indent(text: &str, spaces: usize) -> String {
    let common = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| format!("{pad}{}", line.get(common..).unwrap_or(line.trim_start())))
        .collect::<Vec<_>>()
        .join("\n")
}
