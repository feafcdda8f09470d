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
//! render   views + templates   -> Vec<GeneratedFile>    (minijinja; defaults embedded)
//! verify   GeneratedFile       -> parsed back, PromQL re-checked (overridden
//!                                 templates' output, or all with --verify)
//! write    GeneratedFile       -> generated/            (the only disk writes; atomic)
//! ```
//!
//! [`compile::compile`] runs them in order without touching the disk;
//! [`compile::compile_into`] hands each verified file to a sink, which for
//! a build stages it on disk (`write::Stage`).

pub mod analyze;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod dashboard;
pub mod diagnostic;
pub mod diff;
pub mod duration;
pub mod explain;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod gotemplate;
pub mod import;
pub mod ir;
pub mod load;
pub mod math;
pub mod names;
pub mod native;
pub mod notation;
pub mod number;
pub mod plan;
pub mod promql;
pub mod promtool;
pub mod prove;
pub mod re2;
pub mod render;
pub mod routing;
pub mod rule_tests;
pub mod runbook;
pub mod schema;
pub mod secrets;
pub mod source;
pub mod spec;
pub mod synthesize;
pub mod targets;
pub mod verify;
pub mod write;
