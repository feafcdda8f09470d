//! slogen's integration tests: one binary, one module per feature.
//! `harness` runs the real `slogen` binary against fixture directories.

mod harness;

mod alerting;
mod architecture;
mod cases;
mod cli;
mod dashboards;
mod diff;
mod errors;
mod explain;
mod fuzz;
mod hostile;
mod import;
mod polish;
mod promtool_tests;
mod properties;
mod reference;
mod routing;
mod rules;
mod schema;
mod sloth_dashboards;
mod targets;
mod templates;
