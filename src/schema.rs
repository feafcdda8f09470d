//! The JSON Schema of the spec files, for editors and validators.
//!
//! In: nothing but the spec types. Out: a JSON Schema (draft 7, which
//! taplo / Even Better TOML and check-jsonschema read) of a service file or
//! of the settings file, derived from [`crate::spec`]'s types by
//! `schemars`: every field, its type, whether it is required, and its doc
//! comment as the description. A key the types do not have is rejected
//! (`additionalProperties: false`), as the parser rejects it. A field added
//! to a spec type without a schema type does not compile, so the schema
//! cannot drift from what slogen reads.
//!
//! The schema checks shape only: names, ranges, durations and queries are
//! the analyzer's (`slogen check`).

use schemars::generate::SchemaSettings;

use crate::spec::{ServiceFile, SettingsFile};

/// Which file a schema describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Kind {
    /// A service file, `slo/<service>.toml`.
    Service,
    /// The settings file, `slo/slogen.toml`.
    Settings,
}

impl Kind {
    /// Where `slogen init` writes the schema, relative to the spec directory.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::Service => ".schema/slogen-service.json",
            Self::Settings => ".schema/slogen-settings.json",
        }
    }

    /// The first line of a spec file that points taplo / Even Better TOML
    /// at the schema (a path relative to the file).
    pub(crate) fn directive(self) -> String {
        format!("#:schema ./{}", self.path())
    }
}

/// The schema as pretty JSON, ending in a newline.
pub(crate) fn schema(kind: Kind) -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let (mut schema, title) = match kind {
        Kind::Service => (
            generator.into_root_schema_for::<ServiceFile>(),
            "slogen service file",
        ),
        Kind::Settings => (
            generator.into_root_schema_for::<SettingsFile>(),
            "slogen settings file (slogen.toml)",
        ),
    };
    schema.insert("title".to_owned(), title.into());
    let mut schema = schema.to_value();
    drop_null(&mut schema);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Removes `null` from the types `Option` fields allow: TOML has no null,
/// an absent key is how a file leaves a field out.
fn drop_null(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(types)) = map.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            if let Some(serde_json::Value::Array(choices)) = map.get_mut("anyOf") {
                choices.retain(|choice| choice.get("type").is_none_or(|kind| kind != "null"));
            }
            map.values_mut().for_each(drop_null);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}
