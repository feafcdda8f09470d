//! Rendering: view models through minijinja templates into file contents.
//!
//! In: view models and [`Templates`] (the embedded defaults plus any
//! overrides read from a templates directory). Out: [`GeneratedFile`]s.
//! Each other output file has one template of the same name plus `.j2`; a file in
//! the templates directory replaces the default of that name only.
//! Undefined variables are errors; template errors name the template and
//! line. Output is not trusted: `verify` parses it back. One template,
//! `rules.yml.j2`, renders every rule file (one per service and deploy
//! target). The test files' group lists are [`Lazy`]: each group becomes
//! template values when the template reaches it, not the whole view at once.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Problem};

/// The default templates, embedded at build time.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("rules.yml.j2", include_str!("../../templates/rules.yml.j2")),
    (
        "alertmanager.yml.j2",
        include_str!("../../templates/alertmanager.yml.j2"),
    ),
    (
        "runbook.md.j2",
        include_str!("../../templates/runbook.md.j2"),
    ),
    (
        "rule-tests.yml.j2",
        include_str!("../../templates/rule-tests.yml.j2"),
    ),
    (
        "dashboard.json.j2",
        include_str!("../../templates/dashboard.json.j2"),
    ),
    (
        "catalog.md.j2",
        include_str!("../../templates/catalog.md.j2"),
    ),
];

/// A file slogen writes, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `/`-separated relative path, e.g. `runbooks/api-availability.md`.
    pub path: String,
    /// Full contents, ending in one newline.
    pub contents: String,
}

/// The templates in force: defaults, with overrides by file name.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    /// File name → source, read from the templates directory.
    pub overrides: BTreeMap<String, String>,
}

impl Templates {
    /// The source of a template: the override if there is one, else the default.
    pub fn source(&self, name: &str) -> Option<&str> {
        self.overrides.get(name).map(String::as_str).or_else(|| {
            DEFAULT_TEMPLATES
                .iter()
                .find(|(default, _)| *default == name)
                .map(|(_, source)| *source)
        })
    }

    /// Where a template comes from, for error messages.
    pub fn origin(&self, name: &str) -> String {
        if self.overrides.contains_key(name) {
            format!("{name} (templates directory)")
        } else {
            format!("{name} (built in)")
        }
    }
}

/// A renderer over one set of templates.
pub(crate) struct Renderer<'a> {
    environment: Environment<'a>,
    templates: &'a Templates,
}

impl<'a> Renderer<'a> {
    /// An environment with slogen's filters and strict undefined handling.
    pub(crate) fn new(templates: &'a Templates) -> Self {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        // No HTML/JSON auto-escaping: these are YAML and Markdown files.
        environment.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        environment.add_filter("yaml", yaml_filter);
        environment.add_filter("yaml_block", yaml_block_filter);
        environment.add_filter("promql_quote", |text: &str| crate::promql::quote(text));
        environment.add_filter("markdown_text", markdown_text);
        environment.add_filter("json", json_filter);
        let names: Vec<String> = DEFAULT_TEMPLATES
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .chain(templates.overrides.keys().cloned())
            .collect();
        for name in names {
            if let Some(source) = templates.source(&name) {
                // Syntax errors surface when the template is rendered.
                let _ = environment.add_template_owned(name, source.to_owned());
            }
        }
        Self {
            environment,
            templates,
        }
    }

    /// The templates it renders.
    pub(crate) fn templates(&self) -> &'a Templates {
        self.templates
    }

    /// Renders `<path>.j2` with a context into the file `path`.
    pub(crate) fn render(
        &self,
        path: &str,
        template: &str,
        context: &impl Serialize,
    ) -> Result<GeneratedFile, Diagnostic> {
        self.render_value(
            path,
            template,
            Value::from(minijinja::value::Serde(context)),
        )
    }

    /// [`render`](Self::render) with a context already made a template
    /// value (one with [`Lazy`] lists).
    pub(crate) fn render_value(
        &self,
        path: &str,
        template: &str,
        context: Value,
    ) -> Result<GeneratedFile, Diagnostic> {
        let mut contents = self
            .render_to_string(template, context)
            .map_err(|error| self.template_error(template, &error))?;
        // Line breaks at the end go, but no other white space: the last
        // lines may be a YAML block scalar's, an annotation whose text
        // ends in spaces or tabs.
        contents.truncate(contents.trim_end_matches('\n').len());
        contents.push('\n');
        contents.shrink_to_fit();
        Ok(GeneratedFile {
            path: path.to_owned(),
            contents,
        })
    }

    fn render_to_string(&self, template: &str, context: Value) -> Result<String, Error> {
        if self.templates.source(template).is_none() {
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                format!("template `{template}` is missing"),
            ));
        }
        // A template whose syntax failed was not added; adding it again
        // yields the syntax error with its line.
        let Ok(compiled) = self.environment.get_template(template) else {
            let mut environment = Environment::new();
            environment.add_template_owned(
                template.to_owned(),
                self.templates
                    .source(template)
                    .unwrap_or_default()
                    .to_owned(),
            )?;
            return Err(Error::new(
                ErrorKind::TemplateNotFound,
                format!("template `{template}` could not be loaded"),
            ));
        };
        let mut text = Text(Vec::new());
        compiled.render_captured_to(context, &mut text)?;
        String::from_utf8(text.0)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "the template wrote invalid UTF-8"))
    }

    fn template_error(&self, template: &str, error: &Error) -> Diagnostic {
        let mut message = error.detail().map_or_else(
            || error.kind().to_string(),
            |detail| format!("{}: {detail}", error.kind()),
        );
        if let Some(line) = error.line() {
            message = format!("{message} (line {line})");
        }
        Diagnostic::general(Problem::Template {
            template: self.templates.origin(template),
            message,
        })
    }
}

/// Rendered text that grows by a quarter at a time: a doubling buffer holds
/// up to twice a large file while it renders (rendering writes whole
/// strings, so the bytes are UTF-8).
struct Text(Vec<u8>);

impl std::io::Write for Text {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.capacity() - self.0.len() < bytes.len() {
            let more = (self.0.len() / 4).max(bytes.len()).max(4096);
            self.0.reserve_exact(more);
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A list made template values one element at a time, as a loop reaches
/// it: a rule or test file's whole view as values would take more memory
/// than the file. An element may even be planned only then
/// ([`Lazy::values`]), so a file's whole plan is never held. Templates see
/// a list like any other.
pub(crate) struct Lazy {
    len: usize,
    item: Box<dyn Fn(usize) -> Value + Send + Sync>,
}

impl Lazy {
    /// The list as a template value.
    pub(crate) fn value<T: Serialize + Send + Sync + 'static>(items: Vec<T>) -> Value {
        Value::from_object(Self {
            len: items.len(),
            item: Box::new(move |index| Value::from(minijinja::value::Serde(&items[index]))),
        })
    }

    /// A list of `len` elements as a template value, element `index` made
    /// by `item(index)` each time the template reads it (a template that
    /// loops over it twice makes it twice, to the same values).
    pub(crate) fn values(
        len: usize,
        item: impl Fn(usize) -> Value + Send + Sync + 'static,
    ) -> Value {
        Value::from_object(Self {
            len,
            item: Box::new(item),
        })
    }
}

/// A list the template reads in one pass, its elements made as the
/// template reaches them, without knowing first how many there are (each
/// loop over it makes them again). `length` and `loop.length` are not
/// available on it; its truth is whether it has any element.
pub(crate) struct Stream {
    items: Box<dyn Fn() -> Box<dyn Iterator<Item = Value> + Send + Sync> + Send + Sync>,
    any: Box<dyn Fn() -> bool + Send + Sync>,
}

impl Stream {
    /// The list of the elements `items()` yields, as a template value;
    /// `any()` tells whether it yields any without making them all.
    pub(crate) fn value<I>(
        items: impl Fn() -> I + Send + Sync + 'static,
        any: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Value
    where
        I: Iterator<Item = Value> + Send + Sync + 'static,
    {
        Value::from_object(Self {
            items: Box::new(move || Box::new(items())),
            any: Box::new(any),
        })
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl Object for Stream {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Iterable
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Iter((self.items)())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        (self.any)()
    }
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Lazy")
            .field("len", &self.len)
            .finish()
    }
}

impl Object for Lazy {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let index = key.as_usize().filter(|index| *index < self.len)?;
        Some((self.item)(index))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len)
    }
}

/// `text | markdown_text`: plain text that Markdown shows as written: the
/// characters that would start emphasis, code, links, HTML or a table cell
/// are escaped, and so is what would make a line a heading, list item or
/// quote.
pub(crate) fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    // Markdown ends a line at `\r` too: a `# ` after one is a heading.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            escaped.push('\n');
        }
        let body = line.trim_start();
        // Four columns of indentation make a code block of a paragraph's
        // first line; Markdown drops a paragraph line's indentation anyway.
        let indent = &line[..line.len() - body.len()];
        let columns = indent
            .chars()
            .fold(0, |columns, character| match character {
                '\t' => columns / 4 * 4 + 4,
                _ => columns + 1,
            });
        if columns < 4 {
            escaped.push_str(indent);
        }
        if body.starts_with(['#', '-', '+', '=']) {
            escaped.push('\\');
        }
        // `1.` or `1)`: an ordered list item.
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        let mut body = body;
        if (1..=9).contains(&digits) && body[digits..].starts_with(['.', ')']) {
            escaped.push_str(&body[..digits]);
            escaped.push('\\');
            body = &body[digits..];
        }
        for character in body.chars() {
            match character {
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                    escaped.push('\\');
                    escaped.push(character);
                }
                '&' => escaped.push_str("&amp;"),
                other => escaped.push(other),
            }
        }
    }
    escaped
}

/// `value | json` → the value as compact JSON (strings quoted and escaped,
/// numbers as JSON writes them, maps with their keys in order).
fn json_filter(value: Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "json: the value is undefined",
        ));
    }
    let text = serde_json::to_string(&value)
        .map_err(|error| Error::new(ErrorKind::InvalidOperation, error.to_string()))?;
    // JSON allows DEL, C1 controls and line separators raw in a string;
    // escaped, no reader or reviewer trips over them. They occur only
    // inside strings, where `\uXXXX` means the same character.
    if !text.chars().any(needs_escape) {
        return Ok(text);
    }
    let mut escaped = String::with_capacity(text.len() + 12);
    for character in text.chars() {
        if needs_escape(character) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(character)));
        } else {
            escaped.push(character);
        }
    }
    Ok(escaped)
}

/// A string as the `json` filter writes it, appended to `out`: JSON's
/// short escapes, `\u00XX` for other C0 controls, and `\uXXXX` for DEL,
/// C1 controls and line separators (a property test holds it to the
/// filter).
pub(crate) fn json_string_into(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    // Printable ASCII without quotes or backslashes is copied a run at a
    // time; only the bytes between runs are read as characters (a byte
    // past ASCII starts a character, which may need no escape).
    let bytes = text.as_bytes();
    let (mut clean, mut at) = (0, 0);
    while let Some(found) = first_bad(&bytes[at..], |byte| {
        (byte < b' ') | (byte == b'"') | (byte == b'\\') | (byte > b'~')
    }) {
        at += found;
        let Some(character) = text[at..].chars().next() else {
            break;
        };
        let escape = match character {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            _ if needs_escape(character) => "",
            _ => {
                at += character.len_utf8();
                continue;
            }
        };
        out.push_str(&text[clean..at]);
        at += character.len_utf8();
        clean = at;
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", u32::from(character));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[clean..]);
    out.push('"');
}

fn needs_escape(character: char) -> bool {
    character.is_control() || matches!(character, '\u{2028}' | '\u{2029}')
}

/// `value | yaml` → a YAML scalar that reads back as exactly `value`.
/// `yaml(indent=N)` indents the lines of a block scalar for a key at column N.
fn yaml_filter(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    // Looked up only when given: each lookup records the key as used.
    let indent: usize = if kwargs.args().next().is_some() {
        let indent = kwargs.get::<Option<usize>>("indent")?.unwrap_or(0);
        kwargs.assert_all_used()?;
        indent
    } else {
        0
    };
    let text = match value.as_str() {
        // Most strings are written as they are: the value itself, uncopied.
        Some(text) if is_plain_safe(text) => return Ok(value),
        Some(text) => scalar(text),
        None if value.is_undefined() || value.is_none() => {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "yaml: the value is undefined or none",
            ));
        }
        None => scalar(&value.to_string()),
    };
    if !text.contains('\n') {
        return Ok(Value::from(text));
    }
    Ok(Value::from(
        text.replace('\n', &format!("\n{}", " ".repeat(indent))),
    ))
}

/// `text | yaml(indent=N)` appended to `out`: what [`yaml_filter`] writes
/// for a string.
pub(crate) fn scalar_into(out: &mut String, text: &str, indent: usize) {
    if is_plain_safe(text) {
        out.push_str(text);
        return;
    }
    let text = literal_block(text)
        .or_else(|| single_quoted(text))
        .or_else(|| double_quoted(text))
        .unwrap_or_else(|| serialized_scalar(text));
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent));
        out.push_str(line);
    }
}

/// `value | yaml_block(indent=N)` → a map or list as block YAML, every line
/// indented by N spaces (for pass-through configuration).
fn yaml_block_filter(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: usize = kwargs.get::<Option<usize>>("indent")?.unwrap_or(0);
    kwargs.assert_all_used()?;
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    let text = serde_saphyr::to_string_with_options(&value, options)
        .map_err(|error| Error::new(ErrorKind::InvalidOperation, error.to_string()))?;
    let pad = " ".repeat(indent);
    Ok(text
        .trim_end()
        .lines()
        .map(|line| format!("{pad}{line}"))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// A YAML scalar for a string: plain when safe, quoted when needed, a literal
/// block for several lines. Long lines are never folded (queries stay whole).
pub(crate) fn scalar(text: &str) -> String {
    fast_scalar(text).unwrap_or_else(|| serialized_scalar(text))
}

/// [`scalar`] for the common texts, without the serializer (speed only:
/// tests check that it agrees with [`serialized_scalar`]).
fn fast_scalar(text: &str) -> Option<String> {
    if is_plain_safe(text) {
        return Some(text.to_owned());
    }
    literal_block(text)
        .or_else(|| single_quoted(text))
        .or_else(|| double_quoted(text))
}

/// [`scalar`] through the YAML serializer.
fn serialized_scalar(text: &str) -> String {
    // A block scalar ending in blank lines (`|+`) or in spaces holds them
    // as trailing whitespace, which a file ending there loses (rendered
    // files end in exactly one newline); one whose first line starts with
    // a tab is refused by Go's YAML parser (Prometheus, promtool): such a
    // text is quoted instead.
    let body = text.trim_end_matches('\n');
    let quoted = text.contains('\n')
        && (text.len() - body.len() > 1
            || body.is_empty()
            || body.ends_with(char::is_whitespace)
            || text.starts_with('\t'));
    let options = serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX,
        prefer_block_scalars: !quoted,
    };
    let out = serde_saphyr::to_string_with_options(&text, options)
        .unwrap_or_else(|_| serde_json::to_string(text).unwrap_or_default());
    // Queries quote label values: where the serializer would escape them
    // in double quotes, single quotes keep a one-line text as it is.
    if out.starts_with('"')
        && text.contains('"')
        && !text.contains('\'')
        && text.bytes().all(|byte| matches!(byte, b' '..=b'~'))
    {
        return format!("'{text}'");
    }
    // The document's own line end; a `|+` block keeps its blank lines.
    out.strip_suffix('\n').unwrap_or(&out).to_owned()
}

/// Multi-line text as the serializer writes it when nothing in it needs
/// care: `|-`, then every line indented by two spaces. Only for lines of
/// printable ASCII, none empty, none ending in a space, the first not
/// indented (which would need an indentation indicator), and no final
/// newline; the rest go through the serializer (speed only: a test checks
/// the two agree).
fn literal_block(text: &str) -> Option<String> {
    // One pass: printable ASCII and line breaks, no empty line, no line
    // ending in a space.
    let bytes = text.as_bytes();
    let fine = none_bad(bytes, b'\n', |previous, byte| {
        let line_end = byte == b'\n';
        (line_end & ((previous == b'\n') | (previous == b' '))) | (!line_end & !printable(byte))
    });
    let lines = 1 + bytes.iter().filter(|byte| **byte == b'\n').count();
    if !fine
        || lines == 1
        || bytes.first() == Some(&b' ')
        || matches!(bytes.last(), None | Some(b'\n' | b' '))
    {
        return None;
    }
    let mut block = String::with_capacity(text.len() + 2 + 3 * lines);
    block.push_str("|-");
    for line in text.split('\n') {
        block.push_str("\n  ");
        block.push_str(line);
    }
    Some(block)
}

/// A one-line selector with double quotes in it, single-quoted: what the
/// serializer's double quotes become in [`scalar`] (a plain scalar cannot
/// start with `{`, so the serializer always quotes it; speed only: a test
/// checks the two agree).
fn single_quoted(text: &str) -> Option<String> {
    let simple = text.starts_with('{')
        && text.contains('"')
        && !text.contains('\'')
        && text.bytes().all(|byte| matches!(byte, b' '..=b'~'));
    simple.then(|| format!("'{text}'"))
}

/// A one-line text of printable ASCII with nothing to escape, double-quoted
/// as the serializer quotes it (alert descriptions, `{{ $value }}`
/// templates; speed only: a test checks the two agree).
fn double_quoted(text: &str) -> Option<String> {
    // `: ` and ` #` cannot be in a plain scalar; the serializer quotes
    // such a text with double quotes.
    let simple = (text.contains(": ") || text.contains(" #"))
        && text
            .bytes()
            .all(|byte| matches!(byte, b' '..=b'~') && byte != b'"' && byte != b'\\');
    simple.then(|| {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        quoted.push_str(text);
        quoted.push('"');
        quoted
    })
}

/// True for strings every YAML reader takes as the same plain string (in
/// block context, where commas, brackets and braces are plain characters):
/// a letter first (after any `_`), then printable ASCII; no `: ` or ` #`, which
/// would start a value or a comment; no `:` or space last; and no word
/// YAML 1.1 reads as a boolean or null. Most labels, names, selectors and
/// queries are, and so are durations ([`is_duration`]); the rest go through
/// the serializer. This skips the serializer for the common case (speed
/// only: a test checks the two agree).
fn is_plain_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    // YAML 1.1 numbers may hold `_` (`_1`, `_0x1F`): after leading
    // underscores, a letter.
    let Some(first) = bytes.iter().find(|byte| **byte != b'_') else {
        return false;
    };
    if !first.is_ascii_alphabetic() {
        return is_duration(bytes) || is_arithmetic(text);
    }
    plain_characters(bytes)
        // The words are five letters at most.
        && (text.len() > 5
            || ![
                "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
            ]
            .iter()
            .any(|word| word.eq_ignore_ascii_case(text)))
}

/// True for a query that starts with a whole number and an operator
/// (`1 - slo:period_burn_rate:ratio{...}`): with a space after the number,
/// no YAML reader takes it for a number or a date, and the serializer
/// writes it plain when the rest is plain-safe.
fn is_arithmetic(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &text[digits..];
    digits > 0
        && [" - ", " + ", " * ", " / "]
            .iter()
            .any(|operator| rest.starts_with(operator))
        && rest.as_bytes().get(3).is_some_and(u8::is_ascii_alphabetic)
        && plain_characters(text.as_bytes())
}

/// Printable ASCII with no `: ` or ` #` in it, not ending in `:` or a
/// space: what a plain scalar may hold (one pass over the text).
fn plain_characters(bytes: &[u8]) -> bool {
    none_bad(bytes, b'x', |previous, byte| {
        !printable(byte) | (previous == b':') & (byte == b' ') | (previous == b' ') & (byte == b'#')
    }) && !matches!(bytes.last(), Some(b':' | b' '))
}

/// The place of the first byte of `bytes` for which `bad` holds, found 16
/// bytes at a time as [`none_bad`] checks them.
fn first_bad(bytes: &[u8], bad: impl Fn(u8) -> bool) -> Option<usize> {
    const BLOCK: usize = 16;
    let (blocks, _) = bytes.as_chunks::<BLOCK>();
    let skipped = blocks
        .iter()
        .take_while(|block| !block.iter().fold(false, |found, &byte| found | bad(byte)))
        .count()
        * BLOCK;
    bytes[skipped..]
        .iter()
        .position(|&byte| bad(byte))
        .map(|at| skipped + at)
}

/// Printable ASCII: space to `~`.
fn printable(byte: u8) -> bool {
    (b' '..=b'~').contains(&byte)
}

/// True when `bad` holds for no byte of `bytes` and the byte before it
/// (`before`, for the first). Checked 16 bytes at a time, with no early
/// exit inside a block, so that the compiler compares a block at once:
/// escaping and quoting read every byte written, and most bytes are fine.
/// `bad` combines its tests with `|` and `&`, which do not branch.
fn none_bad(bytes: &[u8], before: u8, bad: impl Fn(u8, u8) -> bool) -> bool {
    const BLOCK: usize = 16;
    let (blocks, rest) = bytes.as_chunks::<BLOCK>();
    let mut previous = before;
    for block in blocks {
        let mut found = bad(previous, block[0]);
        for at in 1..BLOCK {
            found |= bad(block[at - 1], block[at]);
        }
        if found {
            return false;
        }
        previous = block[BLOCK - 1];
    }
    rest.iter().all(|&byte| {
        let fine = !bad(previous, byte);
        previous = byte;
        fine
    })
}

/// True for a Prometheus duration: digits then a unit, repeated (`5m`,
/// `6h4m`, `250ms`). No YAML reader takes one for a number, a boolean or a
/// date, and the serializer writes them plain.
fn is_duration(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let unit = match rest.get(digits..) {
            Some([b'm', b's', ..]) => 2,
            Some([b's' | b'm' | b'h' | b'd' | b'w' | b'y', ..]) => 1,
            _ => return false,
        };
        if digits == 0 {
            return false;
        }
        rest = &rest[digits + unit..];
    }
    !bytes.is_empty()
}

#[cfg(test)]
mod tests;
