//! TOML text for imported specs, written by hand so that it reads like a
//! person's file: comments, literal strings for queries, inline label
//! tables. Values are quoted by the `toml` crate when a literal will not do.

use std::collections::BTreeMap;

/// A string value: a literal string (`'...'`, or `'''...'''` over several
/// lines) when the text allows one, else a basic string.
pub(super) fn string(text: &str) -> String {
    let plain = !text
        .chars()
        .any(|character| character.is_control() && character != '\n');
    if plain && !text.contains('\n') && !text.contains('\'') {
        return format!("'{text}'");
    }
    if plain && text.contains('\n') && !text.contains("'''") && !text.ends_with('\'') {
        return format!("'''\n{text}'''");
    }
    toml::Value::String(text.to_owned()).to_string()
}

/// A key: bare when TOML allows, else quoted.
pub(super) fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '_' | '-'));
    if bare {
        name.to_owned()
    } else {
        toml::Value::String(name.to_owned()).to_string()
    }
}

/// An inline table of strings, `{ a = "b" }`.
pub(super) fn inline(map: &BTreeMap<String, String>) -> String {
    let entries: Vec<String> = map
        .iter()
        .map(|(name, value)| format!("{} = {}", key(name), toml::Value::String(value.clone())))
        .collect();
    format!("{{ {} }}", entries.join(", "))
}

/// A number as TOML writes it (always with a decimal point or exponent).
pub(super) fn number(value: f64) -> String {
    toml::Value::Float(value).to_string()
}

/// Comment lines (`# ...`) for a text, one per line of it.
pub(super) fn comment(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "#\n".to_owned()
            } else {
                format!("# {line}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn reads_back(text: &str) {
        let document = format!("value = {}\n", string(text));
        let value: toml::Table = toml::from_str(&document).unwrap();
        assert_eq!(value["value"].as_str(), Some(text), "{document}");
    }

    #[test]
    fn strings_read_back_as_written() {
        for text in [
            "sum(rate(x{code=~\"5..\"}[{{window}}]))",
            "it's",
            "a\nb\n",
            "a\n'''b\n",
            "ends with '",
            "tab\there",
            "",
            "#alerts",
        ] {
            reads_back(text);
        }
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(key("slack_channel"), "slack_channel");
        assert_eq!(key("a.b"), "\"a.b\"");
    }
}
