//! Composition: `{{window}}` placeholders filled, and user queries made
//! safe operands of the larger expressions slogen writes.

/// Byte ranges of `{{window}}` placeholders (spaces inside the braces allowed).
fn placeholders(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        let inner = &text[start + 2..];
        let trimmed = inner.trim_start();
        if let Some(after) = trimmed.strip_prefix("window") {
            let after_trimmed = after.trim_start();
            if after_trimmed.starts_with("}}") {
                let end = text.len() - after_trimmed.len() + 2;
                found.push(start..end);
                from = end;
                continue;
            }
        }
        from = start + 2;
    }
    found
}

/// True when the text has at least one `{{window}}`.
pub(crate) fn has_window_placeholder(text: &str) -> bool {
    !placeholders(text).is_empty()
}

/// Replaces every `{{window}}` with a window.
pub(crate) fn fill_window(text: &str, window: &str) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut last = 0;
    for range in placeholders(text) {
        filled.push_str(&text[last..range.start]);
        filled.push_str(window);
        last = range.end;
    }
    filled.push_str(&text[last..]);
    filled
}

/// Placeholders other tools use (`{{.window}}` of Sloth, `$window`), which
/// slogen would otherwise report as a confusing parse error.
pub(crate) fn foreign_placeholder(text: &str) -> Option<String> {
    if has_window_placeholder(text) {
        return None;
    }
    [
        "{{.window}}",
        "{{ .window }}",
        "${window}",
        "$window",
        "{window}",
        // Grafana's
        "$__rate_interval",
        "${__rate_interval}",
        "$__interval",
        "${__interval}",
        "$__range",
        "${__range}",
    ]
    .into_iter()
    .find(|candidate| text.contains(candidate))
    .map(str::to_owned)
}

/// Wraps a query in parentheses when composing it could change its meaning.
///
/// This runs for every window of every query, so it does not parse: it
/// scans for a binary operator outside brackets and strings. When in doubt
/// it adds parentheses, which never change a query's meaning.
pub(crate) fn operand(query: &str) -> String {
    let query = query.trim();
    if query.contains('\n') {
        format!("(\n{}\n)", indent(query, 2))
    } else if is_atomic(query) {
        query.to_owned()
    } else {
        format!("({query})")
    }
}

/// True when `query` has no binary operator at the top level: a selector,
/// a function call or an aggregation, with optional `offset`/`@`.
pub(super) fn is_atomic(query: &str) -> bool {
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut word = String::new();
    for character in query.chars() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        match character {
            '"' | '\'' | '`' => quote = Some(character),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!' | '<' | '>' if depth == 0 => {
                return false;
            }
            _ => {}
        }
        if depth == 0 && (character.is_ascii_alphanumeric() || character == '_') {
            word.push(character);
        } else {
            if matches!(word.as_str(), "and" | "or" | "unless" | "atan2") {
                return false;
            }
            word.clear();
        }
    }
    depth == 0 && quote.is_none() && !matches!(word.as_str(), "and" | "or" | "unless" | "atan2")
}

/// Indents every line of `text` by `spaces`.
pub(crate) fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
