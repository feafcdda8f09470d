//! Names and quoting: label and metric names, string literals, series
//! notation, and plain text kept from running as a Go template.

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved by Prometheus).
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|next| next.is_ascii_alphanumeric() || next == '_')
        && !name.starts_with("__")
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|next| next.is_ascii_alphanumeric() || next == '_' || next == ':')
}

/// Plain text that must reach a Prometheus annotation literally: only `{{`
/// starts a Go template action, so only it is escaped.
pub(crate) fn escape_template_text(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// A string literal for PromQL label matchers (double-quoted, escaped).
pub(crate) fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    push_quoted(&mut quoted, value);
    quoted
}

/// Appends [`quote`]`(value)` to `out`.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for character in value.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            // Prometheus's lexer refuses U+FFFD in a string ("invalid UTF-8
            // rune"), though it is valid UTF-8; its escape is taken.
            '\u{fffd}' => out.push_str("\\ufffd"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// A series as promtool reads input series: `name{a="b",c="d"}`, labels sorted.
pub(crate) fn series(name: &str, labels: &std::collections::BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_owned();
    }
    let length: usize = labels
        .iter()
        .map(|(label, value)| label.len() + value.len() + 4)
        .sum();
    let mut text = String::with_capacity(name.len() + length + 2);
    text.push_str(name);
    for (index, (label, value)) in labels.iter().enumerate() {
        text.push(if index == 0 { '{' } else { ',' });
        text.push_str(label);
        text.push('=');
        push_quoted(&mut text, value);
    }
    text.push('}');
    text
}
