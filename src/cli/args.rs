//! The command line's grammar: clap types for every command and the
//! options they share.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::Format;

/// Compile service level objectives into Prometheus rules, Alertmanager
/// routing, runbooks and promtool tests.
#[derive(Debug, Parser)]
#[command(name = "slogen", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
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
pub(crate) enum ColorChoice {
    /// Color on a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// What `slogen import` reads.
#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
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
pub(crate) enum ExportCommand {
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
pub(crate) enum Command {
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
pub(crate) enum TemplatesCommand {
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
pub(crate) struct SpecArgs {
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
pub(crate) struct WriteArgs {
    /// Also write the promtool tests into `<out>/tests/` (as `[build] tests
    /// = true` in the settings does).
    #[arg(long)]
    pub tests: bool,
}

/// Where the output goes.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Output directory.
    #[arg(
        long = "out",
        value_name = "DIR",
        default_value = "generated",
        env = "SLOGEN_OUT"
    )]
    pub out: PathBuf,
}
