//! The embedded templates that dominate a build, compiled by hand.
//!
//! In: planned views. Out: the text their embedded template renders from
//! them, byte for byte:
//!
//! ```text
//! rules      ServiceRulesView -> rules.yml.j2's text (one file per service and target)
//! dashboard  DashboardView    -> dashboard.json.j2's text (one per service, the overview)
//! catalog    CatalogView      -> catalog.md.j2's text (one page of every SLO)
//! runbook    RunbookView      -> runbook.md.j2's text (one per SLO and plain alert)
//! ```
//!
//! These templates only lay planned values out as YAML or JSON, yet the
//! template engine was most of a build's instructions at 1,000 SLOs
//! (BENCHMARKS.md, "Templates without the engine"). When the user does not
//! override a template, the build writes its text here instead.
//!
//! The templates stay the definition: every fixture, the example project
//! and the property tests' specs are rendered both ways and must give the
//! same bytes, and each writer's [`Pinned`] holds the SHA-256 of the
//! template text it follows. A template whose text changes is rendered by
//! the engine until its writer follows it (a test says so).

use std::fmt::Write as _;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::render::{DEFAULT_TEMPLATES, Templates};

pub(crate) mod catalog;
pub(crate) mod dashboard;
pub(crate) mod rules;
pub(crate) mod runbook;

/// An embedded template a writer here follows, and the SHA-256 of the
/// text it follows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pinned {
    /// The template's name.
    pub template: &'static str,
    /// The SHA-256 of its text, in hex.
    pub sha256: &'static str,
}

/// Every template written here.
pub(crate) const ALL: [Pinned; 4] = [
    rules::PINNED,
    dashboard::PINNED,
    catalog::PINNED,
    runbook::PINNED,
];

impl Pinned {
    /// True when files of this template may be written here: the user does
    /// not override it and the embedded text is still the one pinned.
    pub(crate) fn applies(&self, templates: &Templates) -> bool {
        // The embedded texts never change while slogen runs: hashed once.
        static STILL_PINNED: OnceLock<Vec<&'static str>> = OnceLock::new();
        let still_pinned = STILL_PINNED.get_or_init(|| {
            ALL.iter()
                .filter(|pinned| pinned.is_embedded())
                .map(|pinned| pinned.template)
                .collect()
        });
        !templates.overrides.contains_key(self.template) && still_pinned.contains(&self.template)
    }

    /// The embedded template's text is the one pinned.
    fn is_embedded(&self) -> bool {
        DEFAULT_TEMPLATES
            .iter()
            .find(|(name, _)| *name == self.template)
            .is_some_and(|(_, text)| sha256(text) == self.sha256)
    }
}

/// The SHA-256 of a text, in hex.
pub(crate) fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Appends each part.
fn push_all(out: &mut String, parts: &[&str]) {
    out.extend(parts.iter().copied());
}

/// A text the templates' `{% if %}` takes as true: there and not empty.
fn text(value: Option<&str>) -> Option<&str> {
    value.filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template edited without its writer: the test names the new hash
    /// to pin once the writer follows the change.
    #[test]
    fn the_pinned_templates_are_the_embedded_ones() {
        for pinned in ALL {
            let (_, text) = DEFAULT_TEMPLATES
                .iter()
                .find(|(name, _)| *name == pinned.template)
                .expect("the template is embedded");
            assert_eq!(
                sha256(text),
                pinned.sha256,
                "templates/{} changed: make src/native/ write what it writes, then pin the new hash",
                pinned.template
            );
        }
    }
}
