//! PromQL helpers: window placeholders, parsing checks, names, and escaping.
//!
//! Parsing is done by `promql-parser` (Prometheus 3 grammar); this module
//! only adds what slogen needs around it: `{{window}}` substitution, the
//! "instant vector" requirement of rules, matchers' regexes read as
//! Prometheus reads them ([`crate::re2`]), parenthesising user queries when
//! they are composed into larger expressions, and escaping plain text so it
//! reaches an annotation literally instead of running as a Go template.
//!
//! The parts:
//! - `parse`: a query to its syntax tree, size limits, the place of a parse
//!   error, the instant-vector and series checks;
//! - `facts`: what the syntax tree says (grouping, how a ratio counts);
//! - `shape`: checks and parses shared by queries differing only in label
//!   values (memoised for the process);
//! - `matchers`: matchers' literals in the text, their regexes ([`crate::re2`]);
//! - `composition`: `{{window}}` placeholders and operands of larger queries;
//! - `quoting`: label and metric names, string literals, series notation.
//!
//! The text scanners (`matchers`, comments in `parse`, `composition`) are
//! held to the parser's own lexer by property tests (`agreement`).

#[cfg(test)]
mod agreement;
mod composition;
mod facts;
mod matchers;
mod parse;
mod quoting;
mod shape;
#[cfg(test)]
mod tests;

pub(crate) use composition::{fill_window, foreign_placeholder, has_window_placeholder, operand};
pub use facts::walk;
pub(crate) use facts::{Counting, Grouping, Pairing, grouping_labels, ratio_side};
pub(crate) use matchers::{RegexError, regex_error};
pub(crate) use parse::{
    QueryError, check_instant_vector, check_query, is_plain_selector, parse, parse_error_place,
    parse_instant_vector, parse_series, strip_comments,
};
pub(crate) use quoting::{escape_template_text, is_label_name, is_metric_name, quote, series};
pub(crate) use shape::{parse_sharing_regexes, shape_print};
