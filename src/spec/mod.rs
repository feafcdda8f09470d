//! The spec: TOML as the user wrote it, deserialized but not yet judged.
//!
//! In: a [`SourceFile`]. Out: a [`ServiceFile`] or [`SettingsFile`] whose
//! fields keep their byte spans (`toml::Spanned`), or diagnostics.
//!
//! Guarantees: every TOML syntax error of a file is reported (recoverable
//! parse), and every unknown key (not only the first) with a "did you mean".
//! Nothing here checks meaning: names, ranges and queries are the
//! analyzer's job, which is why strings stay strings.
//!
//! This file reads a file (syntax, unknown keys, type errors); the types
//! are in `service` (the service file), `settings` (`slogen.toml`) and
//! `sli` (the SLI kinds both use); `strings` maps a string value's bytes
//! to its place in the text.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Problem, suggest};
use crate::source::SourceFile;

/// A table of strings (labels, annotations, parameters, test series), each
/// key and value with the span the parser gave it (a key's span holds its
/// quotes, a value's its delimiters).
pub(crate) type StringMap = BTreeMap<Spanned<String>, Spanned<String>>;

/// An optional [`StringMap`] with the span of the whole table (for a
/// `[header]` table, the header).
pub(crate) type SpannedMap = Option<Spanned<StringMap>>;

/// A [`StringMap`] without its spans.
pub(crate) fn plain(map: &StringMap) -> BTreeMap<String, String> {
    map.iter()
        .map(|(key, value)| (key.get_ref().clone(), value.get_ref().clone()))
        .collect()
}

/// Where the keys of a file's tables stand, by the span of their table (as
/// the table's `Spanned` reports it): a struct keeps the spans of its
/// values only, and some problems are about a key (one a target kind does
/// not read, a switch another setting contradicts).
#[derive(Clone, Debug, Default)]
pub(crate) struct KeySpans(BTreeMap<(usize, usize), Vec<Spanned<String>>>);

impl KeySpans {
    /// The keys of `table` and of every table inside it.
    fn of(table: &Spanned<DeTable<'_>>) -> Self {
        fn walk(spans: &mut KeySpans, span: Range<usize>, table: &DeTable<'_>) {
            let keys = table
                .keys()
                .map(|key| Spanned::new(key.span(), key.get_ref().to_string()))
                .collect();
            spans.0.insert((span.start, span.end), keys);
            for value in table.values() {
                walk_value(spans, value);
            }
        }
        fn walk_value(spans: &mut KeySpans, value: &Spanned<DeValue<'_>>) {
            match value.get_ref() {
                DeValue::Table(inner) => walk(spans, value.span(), inner),
                DeValue::Array(items) => {
                    for item in items {
                        walk_value(spans, item);
                    }
                }
                _ => {}
            }
        }
        let mut spans = Self::default();
        walk(&mut spans, table.span(), table.get_ref());
        spans
    }

    /// The span of `key` in the table at `table`.
    pub(crate) fn get(&self, table: &Range<usize>, key: &str) -> Option<Range<usize>> {
        self.0
            .get(&(table.start, table.end))?
            .iter()
            .find(|found| found.get_ref() == key)
            .map(Spanned::span)
    }
}

mod service;
mod settings;
mod sli;
mod strings;

pub(crate) use service::*;
pub(crate) use settings::*;
pub(crate) use sli::*;
pub(crate) use strings::*;

use service::KNOWN_KEYS;
use settings::SETTINGS_KEYS;

/// A parsed file and the problems found on the way. A file with unknown
/// keys still parses (the keys are ignored), so that analysis reports its
/// other problems in the same run; the unknown keys stay errors.
#[derive(Debug)]
pub(crate) struct Parsed<T> {
    /// The file, when its syntax and types allow one.
    pub file: Option<T>,
    /// Syntax errors, unknown keys and type errors.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parsed<T> {
    /// The file when nothing at all is wrong with it.
    pub(crate) fn into_result(self) -> Result<T, Vec<Diagnostic>> {
        match self.file {
            Some(file) if self.diagnostics.is_empty() => Ok(file),
            _ => Err(self.diagnostics),
        }
    }
}

/// Parses a service file, reporting every syntax error and unknown key.
pub(crate) fn parse_service(source: &SourceFile) -> Parsed<ServiceFile> {
    parse(source, KNOWN_KEYS, read_service)
}

/// Parses the settings file, reporting every syntax error and unknown key.
pub(crate) fn parse_settings(source: &SourceFile) -> Parsed<SettingsFile> {
    parse(source, SETTINGS_KEYS, |table| {
        let keys = KeySpans::of(&table);
        let (file, errors) = read_whole::<SettingsFile>(table);
        (file.map(|file| SettingsFile { keys, ..file }), errors)
    })
}

/// What deserializing a file's table gave: the file, or the type errors.
type Read<T> = (Option<T>, Vec<toml::de::Error>);

fn parse<T>(
    source: &SourceFile,
    known_keys: &[(&str, &[&str])],
    read: impl FnOnce(Spanned<DeTable<'_>>) -> Read<T>,
) -> Parsed<T> {
    if let Some(span) = source.invalid_utf8_span() {
        return Parsed {
            file: None,
            diagnostics: vec![Diagnostic::at(Problem::NotUtf8, &source.path, span)],
        };
    }
    let (table, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        let diagnostics = errors
            .iter()
            .map(|error| {
                let problem = Problem::TomlSyntax {
                    message: error.message().trim_end().to_owned(),
                };
                Diagnostic::at(problem, &source.path, error.span().unwrap_or(0..0))
            })
            .collect();
        return Parsed {
            file: None,
            diagnostics,
        };
    }
    // Unknown keys come from the whole tree, so one run reports all of them
    // even when deserialization stops early at a missing key.
    let mut diagnostics = Vec::new();
    unknown_keys(source, table.get_ref(), "", known_keys, &mut diagnostics);
    let (file, errors) = read(table);
    diagnostics.extend(errors.into_iter().map(|error| {
        let problem = Problem::TomlShape {
            message: shape_message(error.message()),
        };
        Diagnostic::at(problem, &source.path, error.span().unwrap_or(0..0))
    }));
    Parsed { file, diagnostics }
}

fn read_whole<T: DeserializeOwned>(table: Spanned<DeTable<'_>>) -> Read<T> {
    match T::deserialize(toml::de::Deserializer::from(table)) {
        Ok(file) => (Some(file), Vec::new()),
        Err(error) => (None, vec![error]),
    }
}

/// A service file, each `[[slo]]` and `[[alert]]` read on its own: serde
/// stops at the first value of the wrong type, so one run reports the type
/// errors of every table, and the analyzer still sees the tables that read.
fn read_service(table: Spanned<DeTable<'_>>) -> Read<ServiceFile> {
    fn each<'i, T: DeserializeOwned>(
        items: impl IntoIterator<Item = Spanned<DeValue<'i>>>,
        errors: &mut Vec<toml::de::Error>,
    ) -> Vec<Spanned<T>> {
        items
            .into_iter()
            .filter_map(|item| read_table(item, errors))
            .collect()
    }
    let span = table.span();
    let mut errors = Vec::new();
    let (mut slo, mut alert) = (Vec::new(), Vec::new());
    let mut rest = DeTable::new();
    for (key, value) in table.into_inner() {
        let name: &str = key.get_ref().as_ref();
        let place = value.span();
        match (name, value.into_inner()) {
            ("slo", DeValue::Array(items)) => slo = each(items, &mut errors),
            ("alert", DeValue::Array(items)) => {
                alert = each(items, &mut errors);
            }
            (_, other) => {
                rest.insert(key, Spanned::new(place, other));
            }
        }
    }
    let rest = ServiceFile::deserialize(toml::de::Deserializer::from(Spanned::new(span, rest)));
    match rest {
        Ok(file) => (Some(ServiceFile { slo, alert, ..file }), errors),
        Err(error) => {
            errors.push(error);
            (None, errors)
        }
    }
}

/// Reads one table, reporting every value of the wrong type in it: serde
/// stops at the first, so each is removed and the table read again. When
/// the rest reads, the analyzer still checks it (its own errors are
/// reported too); when a required key was the one removed, only the type
/// errors are.
fn read_table<T: DeserializeOwned>(
    mut item: Spanned<DeValue<'_>>,
    errors: &mut Vec<toml::de::Error>,
) -> Option<Spanned<T>> {
    let mut removed: Vec<String> = Vec::new();
    // Each round removes one entry, so a table has at most as many rounds
    // as it has values.
    loop {
        let error = match Spanned::<T>::deserialize(toml::de::ValueDeserializer::from(item.clone()))
        {
            Ok(table) => return Some(table),
            Err(error) => error,
        };
        let message = error.message().trim_end();
        let missing_removed = removed
            .iter()
            .any(|key| message == format!("missing field `{key}`"));
        if missing_removed {
            return None;
        }
        let span = error.span();
        errors.push(error);
        let DeValue::Table(table) = item.get_mut() else {
            return None;
        };
        match span.and_then(|span| remove_holding(table, &span)) {
            Some(key) => removed.push(key),
            None => return None,
        }
    }
}

/// Removes the entry of `table` (or of a table inside it) whose value holds
/// `span`, the innermost; returns its key.
fn remove_holding(table: &mut DeTable<'_>, span: &std::ops::Range<usize>) -> Option<String> {
    let key = table
        .iter()
        .find(|(_, value)| {
            let place = value.span();
            place.start <= span.start && span.end <= place.end
        })
        .map(|(key, _)| key.clone())?;
    if let Some(DeValue::Table(inner)) = table.get_mut(&key).map(Spanned::get_mut)
        && let Some(found) = remove_holding(inner, span)
    {
        return Some(found);
    }
    table.remove(&key);
    Some(key.get_ref().to_string())
}

/// serde's wording, made to read like the rest of slogen's messages.
fn shape_message(message: &str) -> String {
    let message = message.trim_end();
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("missing key {field}");
    }
    if message.starts_with("data did not match any variant of untagged enum ThresholdValue") {
        return "expected a duration string such as \"100ms\" or a number".to_owned();
    }
    if let Some(start) = message.find("expected struct ") {
        return format!("{}expected a table", &message[..start]);
    }
    message
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected `true` or `false`")
}

/// Reports keys of `table` (at `shape`, e.g. `slo[].sli`) that no struct
/// declares, then descends into nested tables. Free-form tables (labels,
/// annotations, receivers) have no entry in `known_keys` and are skipped.
fn unknown_keys(
    source: &SourceFile,
    table: &DeTable<'_>,
    shape: &str,
    known_keys: &[(&str, &[&str])],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some((_, expected)) = known_keys.iter().find(|(known, _)| *known == shape) else {
        return;
    };
    for (key, value) in table {
        let key_text: &str = key.get_ref().as_ref();
        if !expected.contains(&key_text) {
            let table_name = if shape.is_empty() {
                "the top level".to_owned()
            } else {
                format!("[{}]", shape.replace("[]", ""))
            };
            diagnostics.push(Diagnostic::at(
                Problem::UnknownKey {
                    key: key_text.to_owned(),
                    table: table_name,
                    suggestion: suggest(key_text, expected.iter().copied()),
                    expected: expected.iter().map(|key| (*key).to_owned()).collect(),
                },
                &source.path,
                key.span(),
            ));
            continue;
        }
        let child = if shape.is_empty() {
            key_text.to_owned()
        } else {
            format!("{shape}.{key_text}")
        };
        match value.get_ref() {
            DeValue::Table(inner) => unknown_keys(source, inner, &child, known_keys, diagnostics),
            DeValue::Array(items) => {
                for item in items {
                    if let DeValue::Table(inner) = item.get_ref() {
                        let element = format!("{child}[]");
                        unknown_keys(source, inner, &element, known_keys, diagnostics);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("slo/test.toml", text)
    }

    #[track_caller]
    fn unknown_keys(text: &str) -> Vec<(String, Option<String>, (usize, usize))> {
        let source = source(text);
        let diagnostics = parse_service(&source).into_result().unwrap_err();
        diagnostics
            .into_iter()
            .map(|diagnostic| match *diagnostic.problem {
                Problem::UnknownKey {
                    key, suggestion, ..
                } => {
                    let span = diagnostic.location.unwrap().span;
                    (key, suggestion, source.line_column(span.start))
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    const MINIMAL: &str = "[service]\nname = \"a\"\nteam = \"t\"\n";

    #[test]
    fn every_unknown_key_is_reported_with_its_place() {
        let text = format!(
            "{MINIMAL}tem = 1\n[[slo]]\nname = \"x\"\nobjectiv = 9\nobjective = 99.0\n[slo.sli.ratio]\nerors = 'a'\n"
        );
        assert_eq!(
            unknown_keys(&text),
            vec![
                ("tem".to_owned(), Some("team".to_owned()), (4, 1)),
                ("objectiv".to_owned(), Some("objective".to_owned()), (7, 1)),
                ("erors".to_owned(), Some("errors".to_owned()), (10, 1)),
            ]
        );
    }

    #[test]
    fn all_syntax_errors_are_reported() {
        let diagnostics = parse_service(&source("[service\nname = = 1\n"))
            .into_result()
            .unwrap_err();
        assert!(!diagnostics.is_empty());
        assert!(
            diagnostics
                .iter()
                .all(|diagnostic| diagnostic.problem.code() == "toml-syntax")
        );
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let text = format!(
            "{MINIMAL}[[slo]]\nname = \"x\"\nobjective = \"high\"\n[slo.sli.raw]\nerror_ratio = 'x'\n"
        );
        let source = source(&text);
        let diagnostics = parse_service(&source).into_result().unwrap_err();
        let location = diagnostics[0].location.clone().unwrap();
        assert_eq!(source.line_column(location.span.start), (6, 13));
    }

    /// A document with `key = 1` inside the table of `shape`.
    fn probe(shape: &str, key: &str) -> String {
        let mut text = String::new();
        let mut prefix = String::new();
        for (index, part) in shape.split('.').enumerate() {
            if index > 0 {
                prefix.push('.');
            }
            prefix.push_str(part.trim_end_matches("[]"));
            if part.ends_with("[]") {
                text.push_str(&format!("[[{prefix}]]\n"));
            }
        }
        if !shape.is_empty() && !shape.ends_with("[]") {
            text.push_str(&format!("[{prefix}]\n"));
        }
        text.push_str(&format!("{key} = 1\n"));
        text
    }

    fn unknown_in(
        text: &str,
        parse: fn(&SourceFile) -> Result<(), Vec<Diagnostic>>,
    ) -> Vec<(String, Option<String>)> {
        parse(&source(text))
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|diagnostic| match *diagnostic.problem {
                Problem::UnknownKey {
                    key, suggestion, ..
                } => Some((key, suggestion)),
                _ => None,
            })
            .collect()
    }

    #[track_caller]
    fn check_key_lists(
        lists: &[(&str, &[&str])],
        parse: fn(&SourceFile) -> Result<(), Vec<Diagnostic>>,
    ) {
        for (shape, keys) in lists {
            for key in *keys {
                assert_eq!(
                    unknown_in(&probe(shape, key), parse),
                    vec![],
                    "`{key}` in `{shape}` is listed but not accepted"
                );
                let typo = format!("{key}x");
                assert_eq!(
                    unknown_in(&probe(shape, &typo), parse),
                    vec![(typo.clone(), Some((*key).to_owned()))],
                    "`{typo}` in `{shape}`"
                );
            }
        }
    }

    #[test]
    fn receivers_pass_through_what_toml_reads_with_every_string_placed() {
        let text = r#"
[alertmanager.global]
resolve_timeout = "5m"

[[alertmanager.receiver]]
name = "ops"
email_configs = [{ to = "a@b.c", send_resolved = true, headers = { "X-Team" = "web\u0021" } }]

[[alertmanager.receiver.webhook_configs]]
url = "http://hook.internal/"
max_alerts = 10
timeout = 1.5
since = 1979-05-27T07:32:00Z
"#;
        let source = SourceFile::new("slogen.toml", text);
        let settings = parse_settings(&source).into_result().unwrap();
        let alertmanager = settings.alertmanager.unwrap().into_inner();
        let expected: toml::Table = toml::from_str(text).unwrap();
        let expected = &expected["alertmanager"];
        let receiver = alertmanager.receiver[0].get_ref();
        let integrations: toml::Table = receiver
            .integrations
            .iter()
            .map(|(key, value)| (key.get_ref().clone(), value.get_ref().to_toml()))
            .collect();
        let mut expected_receiver = expected["receiver"][0].as_table().unwrap().clone();
        expected_receiver.remove("name");
        assert_eq!(integrations, expected_receiver);
        let global: toml::Table = alertmanager
            .global
            .unwrap()
            .get_ref()
            .iter()
            .map(|(key, value)| (key.clone(), value.get_ref().to_toml()))
            .collect();
        assert_eq!(&toml::Value::Table(global), &expected["global"]);
        // Every string is placed at its spelling.
        fn strings<'a>(value: &'a Spanned<Value>, found: &mut Vec<(&'a str, Range<usize>)>) {
            match value.get_ref() {
                Value::String(text) => found.push((text, value.span())),
                Value::Array(items) => items.iter().for_each(|item| strings(item, found)),
                Value::Table(table) => table.values().for_each(|item| strings(item, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        receiver
            .integrations
            .values()
            .for_each(|value| strings(value, &mut found));
        let spelled: Vec<(&str, &str)> = found
            .iter()
            .map(|(value, span)| (*value, &text[span.clone()]))
            .collect();
        assert_eq!(
            spelled,
            [
                ("web!", "\"web\\u0021\""),
                ("a@b.c", "\"a@b.c\""),
                ("http://hook.internal/", "\"http://hook.internal/\""),
            ]
        );
        let key = receiver.integrations.keys().nth(1).unwrap();
        assert_eq!(&text[key.span()], "webhook_configs");
    }

    #[test]
    fn known_key_lists_match_the_structs() {
        check_key_lists(KNOWN_KEYS, |source| {
            parse_service(source).into_result().map(drop)
        });
        check_key_lists(SETTINGS_KEYS, |source| {
            parse_settings(source).into_result().map(drop)
        });
    }
}
