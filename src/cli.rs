//! The command line: parses arguments, runs the compiler, prints, exits.
//!
//! Exit codes (documented in the README):
//! - 0: success (for `diff`: up to date)
//! - 1: invalid specs (for `diff`: output stale or edited by hand)
//! - 2: usage error or I/O error
//!
//! Diagnostics go to stderr in `human` format, to stdout in `json` and
//! `github` formats (machine readers consume stdout). A closed pipe ends
//! output quietly.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::compile::{self, Compilation};
use crate::diagnostic::{self, Diagnostic, Format};
use crate::load::{self, Sources};
use crate::promtool;
use crate::prove;
use crate::render::Templates;
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

/// What `slogen import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Sloth specs (`prometheus/v1`, and `PrometheusServiceLevel` objects):
    /// one service file per service, the settings file, and a report of
    /// what will differ after the move.
    ///
    /// Nothing is written when an input field has no counterpart or the
    /// imported specs would not build. Exit status: 0 imported, 1 invalid
    /// input, 2 usage or I/O error.
    #[command(
        after_help = "Examples:\n  slogen import sloth sloth/            # every *.yml and *.yaml below\n  slogen import sloth slos.yml --slo specs --force"
    )]
    Sloth {
        /// Files and directories (their `*.yml` and `*.yaml`, recursively).
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// Spec directory to write into.
        #[arg(long = "slo", value_name = "DIR", default_value = "slo")]
        slo: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
        /// A TOML file of shared SLIs (`[[sli]]`); those with
        /// `sloth_plugin = "<id>"` replace that SLI plugin, and all are
        /// copied into the settings file written.
        #[arg(long, value_name = "FILE")]
        sli: Option<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// OpenSLO v1 files (`Service`, `SLO`, `SLI`, `AlertPolicy`,
    /// `AlertCondition`, `AlertNotificationTarget`, `DataSource`), with
    /// Prometheus queries: one service file per service, and a report.
    ///
    /// Nothing is written when a field has no counterpart or the imported
    /// specs would not build. Exit status as for `import sloth`.
    #[command(
        after_help = "Examples:\n  slogen import openslo openslo/\n  slogen export openslo > slos.yaml && slogen import openslo slos.yaml --slo copy"
    )]
    Openslo {
        /// Files and directories (their `*.yml` and `*.yaml`, recursively).
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// Spec directory to write into.
        #[arg(long = "slo", value_name = "DIR", default_value = "slo")]
        slo: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

/// What `slogen export` writes.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The specs as OpenSLO v1 YAML on standard output (or `--out FILE`);
    /// `slogen import openslo` reads it back to the same specs.
    #[command(
        after_help = "Examples:\n  slogen export openslo > slos.yaml\n  slogen export openslo --slo specs --out openslo.yaml"
    )]
    Openslo {
        #[command(flatten)]
        spec: SpecArgs,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
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
        #[command(flatten)]
        write: WriteArgs,
        /// Replace generated files that were edited by hand, and files in
        /// the way that slogen did not make (each is reported).
        #[arg(long)]
        force: bool,
    },
    /// Show what `slogen build` would change in the output directory.
    ///
    /// Exit status: 0 when the output is up to date, 1 when it is stale or
    /// was edited by hand, 2 when the specs are invalid or files cannot be read.
    #[command(
        after_help = "Examples:\n  slogen diff                 # review a spec change\n  slogen diff --format github  # CI gate: fails when generated/ is stale\n  slogen diff | less -R"
    )]
    Diff {
        #[command(flatten)]
        spec: SpecArgs,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Explain what each SLO's alerts will do: budget, burn rates, detection
    /// and reset times (SRE Workbook math).
    #[command(
        after_help = "Examples:\n  slogen explain\n  slogen explain gateway\n  slogen explain gateway/availability --format json"
    )]
    Explain {
        #[command(flatten)]
        spec: SpecArgs,
        /// `SERVICE` or `SERVICE/SLO` to explain [default: all].
        #[arg(value_name = "SERVICE[/SLO]")]
        target: Option<String>,
    },
    /// Create a spec directory with a commented example service and settings file.
    #[command(
        after_help = "Examples:\n  slogen init\n  slogen init specs && slogen build --slo specs"
    )]
    Init {
        /// Spec directory to create.
        #[arg(value_name = "DIR", default_value = "slo")]
        dir: PathBuf,
    },
    /// Print the JSON Schema of a service file or of the settings file, for
    /// editors (taplo / Even Better TOML) and validators.
    ///
    /// `slogen init` writes both into the spec directory and points each
    /// file at its schema with a first-line `#:schema` directive.
    #[command(
        after_help = "Examples:\n  slogen schema > slo/.schema/slogen-service.json\n  slogen schema settings > slo/.schema/slogen-settings.json\n  check-jsonschema --schemafile slo/.schema/slogen-service.json slo/api.toml"
    )]
    Schema {
        /// Which file the schema describes.
        #[arg(value_enum, default_value = "service")]
        kind: crate::schema::Kind,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  slogen completions bash > /etc/bash_completion.d/slogen\n  slogen completions zsh > ~/.zfunc/_slogen"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Examples:\n  slogen man > /usr/local/share/man/man1/slogen.1")]
    Man,
    /// Turn another tool's SLO specs into slogen service files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the specs in another tool's format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Generate the promtool tests of the specs and run them, one promtool
    /// per core; summarize the result per SLO.
    ///
    /// The tests and the rules they test are written into a temporary
    /// directory (`--keep DIR` keeps them); the output directory is not
    /// touched. Exit status: 0 when every test passed, 1 when one failed or
    /// the specs are invalid, 2 when promtool is missing.
    #[command(
        after_help = "Examples:\n  slogen test\n  slogen test checkout checkout/latency   # what a change touched\n  slogen test --keep /tmp/slogen-tests --promtool /opt/prometheus/promtool"
    )]
    Test {
        #[command(flatten)]
        spec: SpecArgs,
        /// `SERVICE` or `SERVICE/SLO` to test [default: all].
        #[arg(value_name = "SERVICE[/SLO]")]
        targets: Vec<String>,
        /// The promtool to run.
        #[arg(
            long,
            value_name = "PATH",
            default_value = "promtool",
            env = "SLOGEN_PROMTOOL"
        )]
        promtool: String,
        /// Keep the generated rules and tests in DIR (`part-N/` each).
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// How many promtool processes run at once [default: the cores].
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
    },
    /// List the templates in force, or export the built-in ones to start from.
    #[command(
        subcommand,
        after_help = "Examples:\n  slogen templates list\n  slogen templates export templates"
    )]
    Templates(TemplatesCommand),
    /// Validate the specs (and render the output in memory) without writing.
    #[command(
        after_help = "Examples:\n  slogen check\n  slogen check --slo specs --format json\n  slogen check --rules prometheus/*.yml   # hand-written rule files too"
    )]
    Check {
        #[command(flatten)]
        spec: SpecArgs,
        /// Also check rule files in any format slogen writes: Prometheus,
        /// PrometheusRule objects (several YAML documents too), Mimir
        /// namespace files, Thanos and vmalert groups (structure, PromQL,
        /// durations, label names, duplicate rules); the specs are checked
        /// when the spec directory exists.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        rules: Vec<PathBuf>,
    },
}

/// `slogen templates ...`.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List every template and where it comes from.
    List {
        /// Templates directory [default: ./templates when present].
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Write the built-in templates to a directory, to customise them.
    Export {
        /// Target directory.
        #[arg(value_name = "DIR", default_value = "templates")]
        dir: PathBuf,
        /// Replace files that already exist.
        #[arg(long)]
        force: bool,
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
    /// Parse back every generated file and re-check every expression, not
    /// only the output of templates you override.
    #[arg(long)]
    pub verify: bool,
}

/// What a build writes besides rules, routing and runbooks.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Also write the promtool tests into `<out>/tests/` (as `[build] tests
    /// = true` in the settings does).
    #[arg(long)]
    pub tests: bool,
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

/// Output settings shared by the commands. With `--format json`,
/// diagnostics are gathered and printed as one array when the printer is
/// dropped, so a command prints one JSON document however many times it
/// reports; a command whose output is an object takes them
/// ([`Printer::take_json`]) to put them in it.
struct Printer {
    quiet: bool,
    verbose: bool,
    color: bool,
    format: Format,
    json: RefCell<Option<Vec<diagnostic::JsonDiagnostic>>>,
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
            json: RefCell::new((format == Format::Json).then(Vec::new)),
        }
    }

    /// Prints diagnostics in the chosen format; warnings are hidden by `-q`.
    fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &Sources) {
        let shown: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|diagnostic| !self.quiet || diagnostic.is_error())
            .cloned()
            .collect();
        match self.format {
            Format::Human => {
                if !shown.is_empty() {
                    let text = diagnostic::render(&shown, &sources.all(), self.format, self.color);
                    write_stream(&mut std::io::stderr(), &text);
                }
            }
            Format::Json => {
                let items = diagnostic::json_items(&shown, &sources.all());
                if let Some(gathered) = self.json.borrow_mut().as_mut() {
                    gathered.extend(items);
                }
            }
            Format::Github => {
                let text = diagnostic::render(&shown, &sources.all(), self.format, false);
                write_stream(&mut std::io::stdout(), &text);
            }
        }
    }

    /// The diagnostics gathered for `--format json`; none is printed then.
    fn take_json(&self) -> Vec<diagnostic::JsonDiagnostic> {
        self.json.borrow_mut().take().unwrap_or_default()
    }

    /// A status line on stderr, for people.
    fn status(&self, line: &str) {
        if !self.quiet && self.format == Format::Human {
            write_stream(&mut std::io::stderr(), &format!("{line}\n"));
        }
    }

    fn error(&self, line: &str) {
        write_stream(&mut std::io::stderr(), &format!("slogen: error: {line}\n"));
    }

    fn detail(&self, line: &str) {
        if self.verbose {
            self.status(line);
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(items) = self.json.get_mut().take() {
            let text = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned());
            write_stream(&mut std::io::stdout(), &format!("{text}\n"));
        }
    }
}

/// A line for people on stderr, unless `-q`.
fn note(quiet: bool, line: &str) {
    if !quiet {
        write_stream(&mut std::io::stderr(), &format!("{line}\n"));
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
        Command::Build {
            spec,
            output,
            write,
            force,
        } => build(cli, spec, output, write, *force),
        Command::Check { spec, rules } if !rules.is_empty() => check_rules(cli, spec, rules),
        Command::Check { spec, .. } => check(cli, spec),
        Command::Test {
            spec,
            targets,
            promtool,
            keep,
            jobs,
        } => test(cli, spec, targets, promtool, keep.as_deref(), *jobs),
        Command::Diff {
            spec,
            output,
            write,
        } => diff(cli, spec, output, write),
        Command::Explain { spec, target } => explain(cli, spec, target.as_deref()),
        Command::Templates(command) => templates(command, cli.quiet),
        Command::Init { dir } => init(dir, cli.quiet),
        Command::Schema { kind } => {
            write_stream(&mut std::io::stdout(), &crate::schema::schema(*kind));
            EXIT_OK
        }
        Command::Import(ImportCommand::Sloth {
            paths,
            slo,
            force,
            sli,
            format,
        }) => import_sloth(cli, paths, slo, *force, sli.as_deref(), *format),
        Command::Import(ImportCommand::Openslo {
            paths,
            slo,
            force,
            format,
        }) => import_openslo(cli, paths, slo, *force, *format),
        Command::Export(ExportCommand::Openslo { spec, out }) => {
            export_openslo(cli, spec, out.as_deref())
        }
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "slogen",
                &mut buffer,
            );
            write_stream(&mut std::io::stdout(), &String::from_utf8_lossy(&buffer));
            EXIT_OK
        }
        Command::Man => {
            let mut buffer = Vec::new();
            if clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buffer)
                .is_err()
            {
                return EXIT_ERROR;
            }
            write_stream(&mut std::io::stdout(), &String::from_utf8_lossy(&buffer));
            EXIT_OK
        }
    }
}

/// Loads the specs and templates, printing I/O problems and warnings.
fn load_inputs(spec: &SpecArgs, printer: &Printer) -> Result<(Sources, Templates), u8> {
    let sources =
        load::spec_directory(&spec.slo, spec.settings.as_deref()).map_err(|problems| {
            printer.diagnostics(&problems, &Sources::default());
            EXIT_ERROR
        })?;
    let mut warnings = sources.warnings.clone();
    if sources.services.is_empty() {
        let mut empty = Diagnostic::general(diagnostic::Problem::NoSpecFiles {
            path: spec.slo.clone(),
        });
        // Specs slogen does not read (Sloth's YAML, say) and none it does:
        // building would write empty rule files.
        if !sources.warnings.is_empty() {
            empty.severity = diagnostic::Severity::Error;
            warnings.push(empty);
            printer.diagnostics(&warnings, &sources);
            return Err(EXIT_INVALID);
        }
        warnings.push(empty);
    }
    let directory = spec
        .templates
        .clone()
        .or_else(|| settings_templates(&sources))
        .or_else(|| Some(PathBuf::from("templates")).filter(|dir| dir.is_dir()));
    let templates = match directory {
        Some(dir) => match load::templates(&dir) {
            Ok((templates, found)) => {
                warnings.extend(found);
                templates
            }
            Err(problems) => {
                printer.diagnostics(&problems, &sources);
                return Err(EXIT_ERROR);
            }
        },
        None => Templates::default(),
    };
    if !warnings.is_empty() {
        printer.diagnostics(&warnings, &sources);
    }
    Ok((sources, templates))
}

/// The templates directory named in the settings file, if it parses.
fn settings_templates(sources: &Sources) -> Option<PathBuf> {
    let source = sources.settings.as_ref()?;
    let settings = crate::spec::parse_settings(source).into_result().ok()?;
    let dir = settings.templates?;
    Some(
        source
            .path
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join(dir.get_ref()),
    )
}

/// Runbook links default to the output directory as named on the command
/// line, so they resolve from the repository root; an absolute output
/// directory would tie the output to this machine, so links are then
/// relative to the output directory itself.
fn options(out: &Path, spec: &SpecArgs, write: Option<&WriteArgs>) -> compile::Options {
    let base = if out.is_relative() {
        let parts: Vec<String> = out
            .components()
            .filter_map(|part| match part {
                std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        parts.join("/")
    } else {
        String::new()
    };
    compile::Options {
        runbook_link_base: if base.is_empty() {
            "runbooks".to_owned()
        } else {
            format!("{base}/runbooks")
        },
        tests: write.and_then(|write| write.tests.then_some(true)),
        verify: spec.verify,
    }
}

fn compile_or_report(
    spec: &SpecArgs,
    out: &Path,
    write: Option<&WriteArgs>,
    printer: &Printer,
) -> Result<(Sources, Compilation), u8> {
    compile_into_or_report(spec, out, write, printer, &compile::Keep)
}

fn compile_into_or_report(
    spec: &SpecArgs,
    out: &Path,
    write: Option<&WriteArgs>,
    printer: &Printer,
    sink: &dyn compile::Sink,
) -> Result<(Sources, Compilation), u8> {
    let (sources, templates) = load_inputs(spec, printer)?;
    let compilation = compile::compile_into(&sources, &templates, &options(out, spec, write), sink);
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
    let rules = compilation.rules;
    format!(
        "{services} service{}, {slos} SLO{}, {alerts} plain alert{}, {rules} rule{}",
        plural(services),
        plural(slos),
        plural(alerts),
        plural(rules)
    )
}

fn build(cli: &Cli, spec: &SpecArgs, output: &OutputArgs, write: &WriteArgs, force: bool) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_and_write(spec, output, write, force, &printer) {
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

/// Compiles and writes the output, printing what happened. Files are
/// staged as they are verified (see `write`), so they are not kept in
/// [`Compilation::files`].
fn compile_and_write(
    spec: &SpecArgs,
    output: &OutputArgs,
    write: &WriteArgs,
    force: bool,
    printer: &Printer,
) -> Result<(Compilation, write::Written), u8> {
    let stage = match write::Stage::open(&output.out, force) {
        Ok(stage) => stage,
        Err(problem) => {
            printer.diagnostics(&[problem], &Sources::default());
            return Err(EXIT_ERROR);
        }
    };
    let (sources, compilation) =
        compile_into_or_report(spec, &output.out, Some(write), printer, &stage)?;
    match stage.commit() {
        Ok(written) => {
            printer.diagnostics(&written.warnings, &sources);
            for path in &written.added {
                printer.detail(&format!("  added     {}", output.out.join(path).display()));
            }
            for path in &written.updated {
                printer.detail(&format!("  updated   {}", output.out.join(path).display()));
            }
            for path in &written.removed {
                printer.detail(&format!("  removed   {}", output.out.join(path).display()));
            }
            printer.status(&format!(
                "slogen: {}; {} written, {} unchanged, {} removed in {}",
                summary(&compilation),
                written.added.len() + written.updated.len(),
                written.unchanged,
                written.removed.len(),
                output.out.display()
            ));
            Ok((compilation, written))
        }
        Err(problems) => {
            printer.diagnostics(&problems, &sources);
            Err(EXIT_ERROR)
        }
    }
}

fn check(cli: &Cli, spec: &SpecArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    match compile_or_report(spec, Path::new("generated"), None, &printer) {
        Ok((_, compilation)) => {
            printer.status(&format!("slogen: {}; all valid", summary(&compilation)));
            EXIT_OK
        }
        Err(code) => code,
    }
}

fn templates(command: &TemplatesCommand, quiet: bool) -> u8 {
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

fn diff(cli: &Cli, spec: &SpecArgs, output: &OutputArgs, write: &WriteArgs) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let (sources, compilation) = match compile_or_report(spec, &output.out, Some(write), &printer) {
        Ok(result) => result,
        Err(_) => {
            print_diff_json(&printer, &output.out, None);
            return EXIT_ERROR;
        }
    };
    let changes = match write::changes(&output.out, &compilation.files) {
        Ok(changes) => changes,
        Err(problems) => {
            printer.diagnostics(&problems, &sources);
            print_diff_json(&printer, &output.out, None);
            return EXIT_ERROR;
        }
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    };
    let conflicts: Vec<Diagnostic> = changes
        .conflicts
        .iter()
        .map(|(_, _, problem)| problem.clone())
        .collect();
    if spec.format == Format::Human {
        write_stream(
            &mut std::io::stdout(),
            &crate::diff::render(&compilation.files, &changes, color),
        );
    }
    printer.diagnostics(&conflicts, &sources);
    print_diff_json(&printer, &output.out, Some(&changes));
    if changes.is_empty() {
        printer.status(&format!("slogen: {} is up to date", output.out.display()));
        return EXIT_OK;
    }
    let summary = crate::diff::summary(&changes);
    if spec.format == Format::Github {
        write_stream(
            &mut std::io::stdout(),
            &format!(
                "::error title=slogen stale-output::{} is stale ({summary}): run `slogen build` and commit the result\n",
                output.out.display()
            ),
        );
    }
    if !cli.quiet {
        write_stream(
            &mut std::io::stderr(),
            &format!(
                "slogen: {summary}; {} is stale: run `slogen build`\n",
                output.out.display()
            ),
        );
    }
    EXIT_INVALID
}

/// `slogen diff --format json`: one object saying whether the output is up
/// to date (`null` when the specs or output could not be read), which files
/// a build would add, change, remove or refuse, and the diagnostics.
fn print_diff_json(printer: &Printer, out: &Path, changes: Option<&write::Changes>) {
    if printer.format != Format::Json {
        return;
    }
    let paths = |list: Vec<&String>| list.into_iter().cloned().collect::<Vec<_>>();
    let object = serde_json::json!({
        "output": out.display().to_string(),
        "up_to_date": changes.map(write::Changes::is_empty),
        "added": changes.map(|changes| paths(changes.added.iter().collect())),
        "changed": changes.map(|changes| paths(changes.changed.iter().map(|(path, _)| path).collect())),
        "removed": changes.map(|changes| paths(changes.removed.iter().map(|(path, _)| path).collect())),
        "refused": changes.map(|changes| paths(changes.conflicts.iter().map(|(path, _, _)| path).collect())),
        "diagnostics": printer.take_json(),
    });
    let text = serde_json::to_string_pretty(&object).unwrap_or_default();
    write_stream(&mut std::io::stdout(), &format!("{text}\n"));
}

fn explain(cli: &Cli, spec: &SpecArgs, target: Option<&str>) -> u8 {
    // Stdout carries the explanation alone; diagnostics go to stderr.
    let printer = Printer::new(cli, Format::Human);
    let (sources, _) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::analyze(&sources);
    let Some(project) = project else {
        printer.diagnostics(&diagnostics, &sources);
        return EXIT_INVALID;
    };
    printer.diagnostics(&diagnostics, &sources);
    match crate::explain::explain(&project, target) {
        Ok(explanations) => {
            let text = if spec.format == Format::Json {
                serde_json::to_string_pretty(&explanations).unwrap_or_default() + "\n"
            } else {
                crate::explain::render_human(&explanations)
            };
            write_stream(&mut std::io::stdout(), &text);
            EXIT_OK
        }
        Err(no_match) => {
            let help = no_match
                .suggestion
                .map(|suggestion| format!("; did you mean `{suggestion}`?"))
                .unwrap_or_default();
            write_stream(
                &mut std::io::stderr(),
                &format!("error: no SLO matches `{}`{help}\n", no_match.filter),
            );
            EXIT_ERROR
        }
    }
}

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

fn init(dir: &Path, quiet: bool) -> u8 {
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

fn import_sloth(
    cli: &Cli,
    paths: &[PathBuf],
    dir: &Path,
    force: bool,
    sli: Option<&Path>,
    format: Format,
) -> u8 {
    let printer = Printer::new(cli, format);
    let library = match sli.map(load::read_source).transpose() {
        Ok(library) => library,
        Err(error) => {
            printer.diagnostics(&[error], &Sources::default());
            return EXIT_ERROR;
        }
    };
    let plugins = match library.as_ref().map(crate::import::plugin_slis).transpose() {
        Ok(plugins) => plugins.unwrap_or_default(),
        Err(errors) => {
            let sources = Sources {
                services: library.into_iter().collect(),
                ..Sources::default()
            };
            printer.diagnostics(&errors, &sources);
            return EXIT_INVALID;
        }
    };
    let inputs = match crate::import::read_inputs(paths) {
        Ok(inputs) => inputs,
        Err(errors) => {
            printer.diagnostics(&errors, &Sources::default());
            return EXIT_ERROR;
        }
    };
    let result = crate::import::sloth::import(&inputs, &plugins, library.as_ref());
    finish_import(&printer, &inputs, result, dir, force)
}

fn import_openslo(cli: &Cli, paths: &[PathBuf], dir: &Path, force: bool, format: Format) -> u8 {
    let printer = Printer::new(cli, format);
    let inputs = match crate::import::read_inputs(paths) {
        Ok(inputs) => inputs,
        Err(errors) => {
            printer.diagnostics(&errors, &Sources::default());
            return EXIT_ERROR;
        }
    };
    let result = crate::import::openslo::import(&inputs);
    finish_import(&printer, &inputs, result, dir, force)
}

fn export_openslo(cli: &Cli, spec: &SpecArgs, out: Option<&Path>) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let (sources, _) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::analyze(&sources);
    printer.diagnostics(&diagnostics, &sources);
    let Some(project) = project else {
        printer.status("slogen: the specs have errors; nothing exported");
        return EXIT_INVALID;
    };
    let text = crate::export::openslo(&project);
    for line in crate::export::not_exported(&project) {
        write_stream(
            &mut std::io::stderr(),
            &format!("warning: not exported: {line}\n"),
        );
    }
    match out {
        None => {
            write_stream(&mut std::io::stdout(), &text);
            EXIT_OK
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                printer.status(&format!("slogen: wrote {}", path.display()));
                EXIT_OK
            }
            Err(error) => {
                write_stream(
                    &mut std::io::stderr(),
                    &format!("error: cannot write `{}`: {error}\n", path.display()),
                );
                EXIT_ERROR
            }
        },
    }
}

fn finish_import(
    printer: &Printer,
    inputs: &[crate::source::SourceFile],
    result: Result<crate::import::Import, Vec<Diagnostic>>,
    dir: &Path,
    force: bool,
) -> u8 {
    let input_sources = Sources {
        services: inputs.to_vec(),
        ..Sources::default()
    };
    let import = match result {
        Ok(import) => import,
        Err(errors) => {
            printer.diagnostics(&errors, &input_sources);
            printer.status(&format!(
                "slogen: {} error{} found; nothing written",
                errors.len(),
                plural(errors.len())
            ));
            return EXIT_INVALID;
        }
    };
    let (imported, errors) = crate::import::check(dir, &import);
    if !errors.is_empty() {
        printer.diagnostics(&errors, &imported);
        printer.status(&format!(
            "slogen: the imported specs would not build ({} error{}); nothing written",
            errors.len(),
            plural(errors.len())
        ));
        return EXIT_INVALID;
    }
    let existing = if force {
        Vec::new()
    } else {
        crate::import::existing(dir, &import)
    };
    if !existing.is_empty() {
        printer.diagnostics(&existing, &Sources::default());
        printer.status("slogen: nothing written");
        return EXIT_ERROR;
    }
    if let Err(error) = crate::import::write(dir, &import) {
        printer.diagnostics(&[error], &Sources::default());
        return EXIT_ERROR;
    }
    write_stream(&mut std::io::stdout(), &import.report);
    for (name, _) in &import.files {
        printer.detail(&format!("wrote {}", dir.join(name).display()));
    }
    printer.status(&format!(
        "slogen: imported {} file{} into {}; build with `slogen build --slo {}`",
        import.files.len(),
        plural(import.files.len()),
        dir.display(),
        dir.display()
    ));
    EXIT_OK
}

fn check_rules(cli: &Cli, spec: &SpecArgs, files: &[PathBuf]) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let mut sources = Vec::new();
    for path in files {
        match load::read_source(path) {
            Ok(source) => sources.push(source),
            Err(problem) => {
                printer.diagnostics(&[problem], &Sources::default());
                return EXIT_ERROR;
            }
        }
    }
    // Files are independent: check them side by side.
    let mut diagnostics: Vec<Diagnostic> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .flat_map_iter(crate::verify::check_rules)
            .collect()
    };
    let mut code = EXIT_OK;
    let mut spec_summary = String::new();
    if spec.slo.is_dir() {
        let (spec_sources, _) = match load_inputs(spec, &printer) {
            Ok(inputs) => inputs,
            Err(code) => return code,
        };
        let (project, spec_diagnostics) = compile::analyze(&spec_sources);
        diagnostics.extend(spec_diagnostics);
        sources.extend(spec_sources.all());
        if project.is_none() {
            code = EXIT_INVALID;
        }
        spec_summary = format!(" and the specs in {}", spec.slo.display());
    }
    diagnostic::sort(&mut diagnostics);
    let all = Sources {
        services: sources,
        ..Sources::default()
    };
    printer.diagnostics(&diagnostics, &all);
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count();
    if errors > 0 {
        printer.status(&format!("slogen: {errors} error{} found", plural(errors)));
        return EXIT_INVALID;
    }
    printer.status(&format!(
        "slogen: {} rule file{}{spec_summary}: all valid",
        files.len(),
        plural(files.len())
    ));
    code
}

/// How to get promtool, for the message when it is missing.
pub const PROMTOOL_INSTALL: &str = "install it with `apt-get install prometheus` (Debian/Ubuntu)";

fn test(
    cli: &Cli,
    spec: &SpecArgs,
    targets: &[String],
    program: &str,
    keep: Option<&Path>,
    jobs: Option<usize>,
) -> u8 {
    let printer = Printer::new(cli, spec.format);
    let version = match promtool::version(program) {
        Ok(version) => version,
        Err(problem) => return promtool_unavailable(&printer, program, &problem),
    };
    let (sources, templates) = match load_inputs(spec, &printer) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let (project, diagnostics) = compile::analyze(&sources);
    printer.diagnostics(&diagnostics, &sources);
    let Some(project) = project else {
        return EXIT_INVALID;
    };
    let selected = match prove::select(&project, targets) {
        Ok(selected) => selected,
        Err(no_match) => {
            let help = no_match
                .suggestion
                .map(|suggestion| format!("; did you mean `{suggestion}`?"))
                .unwrap_or_default();
            printer.error(&format!("nothing matches `{}`{help}", no_match.filter));
            return EXIT_ERROR;
        }
    };
    let temporary;
    let dir = match keep {
        Some(dir) => dir.to_path_buf(),
        None => match tempfile::Builder::new().prefix("slogen-test-").tempdir() {
            Ok(dir) => {
                temporary = dir;
                temporary.path().to_path_buf()
            }
            Err(error) => {
                printer.error(&format!("cannot make a temporary directory: {error}"));
                return EXIT_ERROR;
            }
        },
    };
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    printer.detail(&format!(
        "  using {version}, {jobs} at a time, in {}",
        dir.display()
    ));
    let report = match prove::run(&selected, &templates, program, &dir, jobs) {
        Ok(report) => report,
        Err(prove::RunError::Promtool(problem)) => {
            return promtool_unavailable(&printer, program, &problem);
        }
        Err(prove::RunError::Generate(problems)) => {
            printer.diagnostics(&problems, &sources);
            return EXIT_ERROR;
        }
    };
    if spec.format == Format::Json {
        let object = serde_json::json!({
            "report": &report,
            "diagnostics": printer.take_json(),
        });
        let text = serde_json::to_string_pretty(&object).unwrap_or_default();
        write_stream(&mut std::io::stdout(), &format!("{text}\n"));
    } else {
        let mut text = String::new();
        for result in &report.results {
            let (label, details) = match result.status {
                prove::Status::Pass => ("PASS", None),
                prove::Status::Fail => ("FAIL", Some(&result.details)),
                prove::Status::Skip => ("SKIP", None),
            };
            match (result.status, result.details.first()) {
                (prove::Status::Skip, Some(reason)) => {
                    text.push_str(&format!("{label}  {}: {reason}\n", result.name));
                }
                _ => text.push_str(&format!("{label}  {}\n", result.name)),
            }
            for detail in details.into_iter().flatten() {
                text.push_str(&indent(detail, 6));
                text.push('\n');
            }
        }
        let kept = keep.map_or_else(String::new, |dir| format!(", kept in {}", dir.display()));
        text.push_str(&format!(
            "slogen test: {} passed, {} failed, {} skipped ({} test file{} in {} part{}{kept})\n",
            report.passed,
            report.failed,
            report.skipped,
            report.files,
            plural(report.files),
            report.parts,
            plural(report.parts),
        ));
        write_stream(&mut std::io::stdout(), &text);
    }
    if report.failed > 0 {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// Says promtool cannot be used; exit status 2.
fn promtool_unavailable(printer: &Printer, program: &str, problem: &promtool::Unavailable) -> u8 {
    match problem {
        promtool::Unavailable::Missing => {
            printer.error(&format!("promtool not found: {PROMTOOL_INSTALL}"));
        }
        promtool::Unavailable::Broken(error) => {
            printer.error(&format!("promtool (`{program}`) could not run: {error}"));
        }
    }
    EXIT_ERROR
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
