//! slogen compiles service level objectives into Prometheus rules,
//! Alertmanager routing, runbooks and promtool tests.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! load     slo/*.toml          -> Vec<SourceFile>       (the only disk reads)
//! spec     TOML                -> spec::ServiceFile     (serde, spans, unknown keys)
//! analyze  spec                -> ir::Project           (every semantic check, all errors at once)
//! plan     ir                  -> view models           (burn-rate math lives in `math`)
//! render   views + templates   -> Vec<GeneratedFile>    (minijinja; defaults embedded;
//!                                 `native` writes the embedded rule and
//!                                 dashboard templates without the engine)
//! verify   GeneratedFile       -> parsed back, PromQL re-checked (overridden
//!                                 templates' output, or all with --verify)
//! write    GeneratedFile       -> generated/            (the only disk writes; atomic)
//! ```
//!
//! Around them: `cli` (one file per command), `rule_tests` and `prove`
//! (the promtool tests and their run), `import` and `export` (Sloth,
//! OpenSLO), `diagnostic` (every problem's wording and output formats).
//!
//! [`compile()`] runs the stages in order without touching the disk;
//! `compile::compile_into` hands each verified file to a sink, which for a
//! build stages it on disk (`write::Stage`).
//!
//! Every module is private. The public API is what the binary, the
//! integration tests and the fuzz targets use: [`main`], [`compile()`] and
//! its inputs and outputs, and the readers behind `slogen check --rules`.

mod analyze;
mod catalog;
mod cli;
mod compile;
mod dashboard;
mod diagnostic;
mod diff;
mod duration;
mod explain;
mod export;
mod gotemplate;
mod import;
mod ir;
mod load;
mod math;
mod names;
mod native;
mod notation;
mod number;
mod plan;
mod promql;
mod promtool;
mod prove;
mod re2;
mod render;
mod routing;
mod rule_tests;
mod runbook;
mod schema;
mod secrets;
mod source;
mod spec;
mod synthesize;
mod targets;
mod verify;
mod write;

// The public API: what the binary, the integration tests and the fuzz
// targets use. Everything else is private to the crate.
pub use cli::main;
pub use compile::{Compilation, Options, compile};
pub use diagnostic::{Diagnostic, Format, render as render_diagnostics};
pub use load::{Sources, spec_directory};
pub use render::{DEFAULT_TEMPLATES, GeneratedFile, Templates};
pub use source::SourceFile;
pub use verify::{check_alertmanager_text, check_rules};

#[doc(hidden)]
pub mod fuzzing;

/// What the integration tests inspect beyond the files a build writes:
/// the analyzed project, the series it records, a query's syntax tree.
#[doc(hidden)]
pub mod internals {
    pub use crate::compile::parse_and_analyze;
    pub use crate::plan::recorded_series;
    pub use crate::promql::walk;
}
