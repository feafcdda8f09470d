//! Where the bytes of a TOML string value stand in the source text: the
//! parser spans whole values, quotes and escapes included.

/// The span of a whole string value, without its quotes, when the string has
/// no escapes (then text offsets and string offsets agree one to one).
pub(crate) fn inner_span(source: &str, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    let text = source.get(span.clone()).unwrap_or("");
    for quote in ["'''", "\"\"\"", "'", "\""] {
        if text.len() >= 2 * quote.len() && text.starts_with(quote) && text.ends_with(quote) {
            return span.start + quote.len()..span.end - quote.len();
        }
    }
    span.clone()
}

/// The span in `source` of a byte range of a string value: `span` is the
/// whole value's (quotes included) and `value` what it reads. TOML's
/// escapes and a multi-line string's first line break are undone. `None`
/// when the text at `span` does not read back as `value`.
pub(crate) fn value_span(
    source: &str,
    span: &std::ops::Range<usize>,
    value: &str,
    range: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let (read, starts) = read_string(source.get(span.clone())?)?;
    if read != value {
        return None;
    }
    Some(span.start + *starts.get(range.start)?..span.start + *starts.get(range.end)?)
}

/// A TOML string's value, with the offset in `text` of what gave each of
/// its bytes, and of the closing delimiter last.
fn read_string(text: &str) -> Option<(String, Vec<usize>)> {
    let delimiter = ["'''", "\"\"\"", "'", "\""].into_iter().find(|quote| {
        text.len() >= 2 * quote.len() && text.starts_with(quote) && text.ends_with(quote)
    })?;
    let end = text.len() - delimiter.len();
    let mut at = delimiter.len();
    let multiline = delimiter.len() == 3;
    if multiline {
        at += [("\r\n", 2), ("\n", 1)]
            .into_iter()
            .find(|(line_break, _)| text[at..end].starts_with(line_break))
            .map_or(0, |(_, length)| length);
    }
    let mut value = String::with_capacity(end - at);
    let mut starts = Vec::with_capacity(end - at + 1);
    while at < end {
        let character = text[at..end].chars().next()?;
        if delimiter.starts_with('\'') || character != '\\' {
            value.push(character);
            starts.resize(value.len(), at);
            at += character.len_utf8();
            continue;
        }
        let escape = text[at + 1..end].chars().next()?;
        let hex = |digits: usize| {
            let digits = text.get(at + 2..at + 2 + digits)?;
            char::from_u32(u32::from_str_radix(digits, 16).ok()?)
        };
        let (character, length) = match escape {
            'b' => ('\u{8}', 2),
            't' => ('\t', 2),
            'n' => ('\n', 2),
            'f' => ('\u{c}', 2),
            'r' => ('\r', 2),
            'e' => ('\u{1b}', 2),
            '"' => ('"', 2),
            '\\' => ('\\', 2),
            'x' => (hex(2)?, 4),
            'u' => (hex(4)?, 6),
            'U' => (hex(8)?, 10),
            // A line-ending backslash: the line break and the white space
            // after it are not part of the value.
            ' ' | '\t' | '\r' | '\n' if multiline => {
                let rest = &text[at + 1..end];
                at += 1 + rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
                continue;
            }
            _ => return None,
        };
        value.push(character);
        starts.resize(value.len(), at);
        at += length;
    }
    starts.push(end);
    Some((value, starts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_in_a_string_value_count_its_escapes() {
        #[track_caller]
        fn place(string: &str, value: &str, part: &str) -> Option<String> {
            let source = format!("key = {string}\n");
            let span = 6..6 + string.len();
            let start = value.find(part).unwrap();
            value_span(&source, &span, value, start..start + part.len())
                .map(|span| source[span].to_owned())
        }
        let part = |string, value| place(string, value, "(?<n>");
        assert_eq!(part("'a\"(?<n>x)'", "a\"(?<n>x)"), Some("(?<n>".to_owned()));
        assert_eq!(
            part(r#""a{b=~\"(?<n>x)\"}""#, "a{b=~\"(?<n>x)\"}"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            part("'''\nx(?<n>y)'''", "x(?<n>y)"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            part("\"\"\"\r\nx \\\n   (?<n>y)\"\"\"", "x (?<n>y)"),
            Some("(?<n>".to_owned())
        );
        assert_eq!(
            place(r#""\\u0041""#, "\\u0041", "\\u0041"),
            Some(r#"\\u0041"#.to_owned())
        );
        assert_eq!(place(r#""\u00e9(""#, "é(", "é"), Some(r"\u00e9".to_owned()));
        assert_eq!(place(r#""\u00e9(""#, "é(", "("), Some("(".to_owned()));
        // Text that does not read back as the value: no place.
        assert_eq!(part("'(?<n>x)'", "other (?<n>"), None);
    }
}
