//! Label matchers' regexes as Prometheus reads them: Go's `regexp` (RE2
//! syntax), not Rust's `regex`.
//!
//! In: the regex of a `=~` or `!~` matcher, as promql-parser accepted it
//! (it compiles `^(?:regex)$` with Rust's `regex`). Out: the first (leftmost)
//! construct that Prometheus 2.42 rejects, or reads otherwise than Rust
//! does, with its byte range in the regex and what to write instead.
//!
//! Guarantees: a regex this accepts, and Rust's `regex` compiles, is one
//! Go's `regexp` (Go 1.19, which builds Prometheus 2.42) compiles to the same
//! language, as far as syntax goes. Prometheus compiles `^(?:regex)$` and
//! also parses the regex alone, so both must parse. Checked, beyond what
//! Rust rejects as well:
//! - Go's limits: a count above 1000 (`a{1001}`), or nested counts that
//!   multiply past 1000 (`(?:a{100}){11}`); a repetition of a repetition
//!   (`a**`, `a{2}+`);
//! - counts Go reads as literal text (`a{01}`, `a{ 2 }`);
//! - named groups written `(?<name>…)` (Go 1.22 added them), and group
//!   names beyond ASCII letters, digits and `_`;
//! - flags Go lacks (it has `i`, `m`, `s` and `U`; Rust adds `u`, `x`, `R`);
//! - escapes Go lacks (`\u0041`, `\U…`, `\u{…}`) and word boundaries it
//!   reads as text (`\<`, `\>`, `\b{start}`, `\b{end}`, `\b{start-half}`,
//!   `\b{end-half}`);
//! - class set operations (`[a&&b]`, `[a--b]`, `[a~~b]`) and nested classes
//!   (`[a[b]]`), which Go reads as characters or rejects;
//! - Unicode classes Go 1.19 does not know: Go takes only `Any` and the
//!   exact names of Unicode 13's general categories and scripts, where Rust
//!   also takes properties, long names, loose spelling and newer scripts;
//! - parentheses that balance only with Prometheus' `^(?:` and `)$` around
//!   the regex (`a)|(b`).
//!
//! Not checked: Go's limits on the size (3.3 million instructions) and
//! nesting (1000) of a compiled regex, which Rust's own limits (10 MiB, 250
//! levels) reach first; and meaning beyond syntax: Go's `\d`, `\w`, `\s`
//! and `\b` are ASCII-only where Rust's are Unicode-aware, and Go 1.19's
//! Unicode tables are older (Unicode 13). Both tell apart only non-ASCII
//! label values.

use std::ops::Range;

use regex_syntax::ast::{self, Ast};

/// A construct of a regex that Prometheus rejects or reads otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Re2Error {
    /// What Go's `regexp` does with it.
    pub message: String,
    /// What to write instead.
    pub help: String,
    /// Where, as a byte range in the regex.
    pub span: Range<usize>,
}

/// The most times Go repeats anything, nested counts multiplied.
const MAX_REPEAT: u32 = 1000;

/// Checks a matcher's regex against Go's `regexp` ([module docs](self)).
pub fn check(pattern: &str) -> Result<(), Re2Error> {
    let parsed = Parsed::new(pattern)?;
    let mut walk = Walk {
        parsed: &parsed,
        found: Vec::new(),
    };
    walk.balanced(&parsed.ast);
    walk.ast(&parsed.ast);
    match walk.found.into_iter().min_by_key(|error| error.span.start) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// `^(?:`, which promql-parser and Prometheus put before a regex.
const OPEN: &str = "^(?:";

/// The regex as Rust parsed it.
struct Parsed<'a> {
    pattern: &'a str,
    /// The text parsed: `^(?:pattern)$`, with a `\` before each `{` that
    /// starts no count when Rust rejects it otherwise (as promql-parser
    /// retries).
    text: String,
    /// Offsets in `text` of the backslashes added, in order.
    added: Vec<usize>,
    ast: Ast,
}

impl<'a> Parsed<'a> {
    fn new(pattern: &'a str) -> Result<Self, Re2Error> {
        let text = format!("{OPEN}{pattern})$");
        let parse = |text: &str| {
            ast::parse::Parser::new()
                .parse(text)
                .map_err(|error| error.kind().to_string())
        };
        let (text, added, ast) = match parse(&text) {
            Ok(ast) => (text, Vec::new(), ast),
            Err(first) => {
                let (escaped, added) = escape_braces(&text);
                match parse(&escaped) {
                    Ok(ast) => (escaped, added, ast),
                    Err(_) => {
                        return Err(Re2Error {
                            message: format!("Rust's regex parser rejects it: {first}"),
                            help: "check the regex with `promtool check rules`".to_owned(),
                            span: 0..pattern.len(),
                        });
                    }
                }
            }
        };
        Ok(Self {
            pattern,
            text,
            added,
            ast,
        })
    }

    /// The byte range in the pattern of a span of `text`.
    fn range(&self, span: &ast::Span) -> Range<usize> {
        self.offset(span.start.offset)..self.offset(span.end.offset)
    }

    fn offset(&self, at: usize) -> usize {
        let added = self.added.partition_point(|&inserted| inserted < at);
        (at - added)
            .saturating_sub(OPEN.len())
            .min(self.pattern.len())
    }

    /// The pattern's text under a span of `text`.
    fn source(&self, span: &ast::Span) -> &'a str {
        &self.pattern[self.range(span)]
    }
}

/// promql-parser's second try at a regex Rust rejects: a `\` before every
/// `{` that does not open digits and at most one comma closed by `}` (the
/// text it looked at is kept as it is), and no change after a `\`.
fn escape_braces(text: &str) -> (String, Vec<usize>) {
    let mut escaped = String::with_capacity(text.len() + 8);
    let mut added = Vec::new();
    let mut chars = text.chars();
    while let Some(character) = chars.next() {
        match character {
            '\\' => {
                escaped.push('\\');
                if let Some(next) = chars.next() {
                    escaped.push(next);
                }
            }
            '{' => {
                let mut looked = String::new();
                let mut comma = false;
                let mut count = false;
                for next in chars.by_ref() {
                    looked.push(next);
                    match next {
                        ',' if comma || looked == "," => break,
                        ',' => comma = true,
                        '}' => {
                            count = looked != "}";
                            break;
                        }
                        digit if digit.is_ascii_digit() => {}
                        _ => break,
                    }
                }
                if !count {
                    added.push(escaped.len());
                    escaped.push('\\');
                }
                escaped.push('{');
                escaped.push_str(&looked);
            }
            other => escaped.push(other),
        }
    }
    (escaped, added)
}

/// A walk over the syntax tree, gathering what Go rejects or misreads.
struct Walk<'p, 'a> {
    parsed: &'p Parsed<'a>,
    found: Vec<Re2Error>,
}

impl Walk<'_, '_> {
    fn report(&mut self, span: Range<usize>, message: String, help: impl Into<String>) {
        self.found.push(Re2Error {
            message,
            help: help.into(),
            span,
        });
    }

    /// The group `^(?:` opens must end right before `$`: Prometheus parses
    /// the regex alone too, where a `)` closing that group closes nothing.
    fn balanced(&mut self, top: &Ast) {
        let end = self.parsed.text.len() - 1;
        let Some(close) = wrapper_end(top) else {
            return;
        };
        if close != end {
            let at = self.parsed.offset(close - 1);
            self.report(
                at..at + 1,
                "this `)` closes a group it never opened: Prometheus parses the regex alone \
                 as well as inside `^(?:…)$`, and rejects it"
                    .to_owned(),
                "balance the parentheses; to match a literal `)`, write `\\)`",
            );
        }
    }

    fn ast(&mut self, ast: &Ast) {
        match ast {
            Ast::Empty(_) | Ast::Dot(_) | Ast::ClassPerl(_) => {}
            Ast::Flags(set) => self.flags(&set.flags),
            Ast::Literal(literal) => self.literal(literal),
            Ast::Assertion(assertion) => self.assertion(assertion),
            Ast::ClassUnicode(class) => self.unicode(class),
            Ast::ClassBracketed(class) => self.class_set(&class.kind, class),
            Ast::Repetition(repetition) => self.repetition(repetition),
            Ast::Group(group) => {
                self.group(group);
                self.ast(&group.ast);
            }
            Ast::Alternation(alternation) => {
                for ast in &alternation.asts {
                    self.ast(ast);
                }
            }
            Ast::Concat(concat) => {
                for ast in &concat.asts {
                    self.ast(ast);
                }
            }
        }
    }

    fn flags(&mut self, flags: &ast::Flags) {
        for item in &flags.items {
            let (flag, help) = match item.kind {
                ast::FlagsItemKind::Flag(ast::Flag::Unicode) => (
                    'u',
                    "drop `u`: Go reads every regex as Unicode text (its `\\d`, `\\w`, `\\s` \
                     and `\\b` are ASCII-only)",
                ),
                ast::FlagsItemKind::Flag(ast::Flag::IgnoreWhitespace) => (
                    'x',
                    "drop `x`, and the spaces and `#` comments it allowed: Go matches them literally",
                ),
                ast::FlagsItemKind::Flag(ast::Flag::CRLF) => (
                    'R',
                    "drop `R`; match `\\r` explicitly where lines end in `\\r\\n`",
                ),
                _ => continue,
            };
            self.report(
                self.parsed.range(&item.span),
                format!("Go's regexp has no flag `{flag}` (its flags are `i`, `m`, `s` and `U`)"),
                help,
            );
        }
    }

    fn literal(&mut self, literal: &ast::Literal) {
        let escape = match literal.kind {
            ast::LiteralKind::HexFixed(ast::HexLiteralKind::UnicodeShort)
            | ast::LiteralKind::HexBrace(ast::HexLiteralKind::UnicodeShort) => 'u',
            ast::LiteralKind::HexFixed(ast::HexLiteralKind::UnicodeLong)
            | ast::LiteralKind::HexBrace(ast::HexLiteralKind::UnicodeLong) => 'U',
            _ => return,
        };
        self.report(
            self.parsed.range(&literal.span),
            format!("Go's regexp has no `\\{escape}` escape"),
            format!("write `\\x{{{:X}}}`", u32::from(literal.c)),
        );
    }

    fn assertion(&mut self, assertion: &ast::Assertion) {
        use ast::AssertionKind as Kind;
        let span = self.parsed.range(&assertion.span);
        let text = self.parsed.source(&assertion.span);
        let (message, help) = match assertion.kind {
            Kind::WordBoundaryStartAngle | Kind::WordBoundaryEndAngle => {
                let character = &text[1..];
                (
                    format!(
                        "Go's regexp reads `{text}` as the character `{character}`, not as a word's {}",
                        if character == "<" { "start" } else { "end" }
                    ),
                    format!("write `\\b` for a word boundary, or `{character}` for the character"),
                )
            }
            Kind::WordBoundaryStart
            | Kind::WordBoundaryEnd
            | Kind::WordBoundaryStartHalf
            | Kind::WordBoundaryEndHalf => (
                format!(
                    "Go's regexp reads `{text}` as a word boundary `\\b` followed by the text `{}`",
                    &text[2..]
                ),
                "write `\\b`, a word boundary on either side of a word".to_owned(),
            ),
            _ => return,
        };
        self.report(span, message, help);
    }

    fn unicode(&mut self, class: &ast::ClassUnicode) {
        let name = match &class.kind {
            ast::ClassUnicodeKind::OneLetter(letter) => letter.to_string(),
            ast::ClassUnicodeKind::Named(name) => name.clone(),
            ast::ClassUnicodeKind::NamedValue { .. } => String::new(),
        };
        if GO_UNICODE_CLASSES.contains(&name.as_str()) {
            return;
        }
        let text = self.parsed.source(&class.span);
        let looked_up = match &class.kind {
            ast::ClassUnicodeKind::NamedValue { value, .. } => value.as_str(),
            _ => name.as_str(),
        };
        let help = match go_unicode_class(looked_up) {
            Some(known) => format!("write `\\{}{{{known}}}`", &text[1..2]),
            None => "name a script (`Greek`, `Latin`, ...) or a general category (`L`, `Lu`, \
                     `Nd`, ...) exactly as Unicode 13 spells it, or `Any`"
                .to_owned(),
        };
        self.report(
            self.parsed.range(&class.span),
            format!(
                "Go's regexp has no Unicode class `{text}`: Prometheus 2.42 (Go 1.19) knows only \
                 the exact names of Unicode 13's scripts and general categories"
            ),
            help,
        );
    }

    /// A bracketed class's set (`class` is the outermost class).
    fn class_set(&mut self, set: &ast::ClassSet, class: &ast::ClassBracketed) {
        match set {
            ast::ClassSet::Item(item) => self.class_item(item, class),
            ast::ClassSet::BinaryOp(operation) => {
                let (operator, name, reads) = match operation.kind {
                    ast::ClassSetBinaryOpKind::Intersection => ("&&", "intersection", "`&`"),
                    ast::ClassSetBinaryOpKind::Difference => ("--", "difference", "`-`"),
                    ast::ClassSetBinaryOpKind::SymmetricDifference => {
                        ("~~", "symmetric difference", "`~`")
                    }
                };
                let left = self.parsed.range(operation.lhs.span()).end;
                let at = self.parsed.pattern[left..]
                    .find(operator)
                    .map_or(left, |found| left + found);
                self.report(
                    at..(at + 2).min(self.parsed.pattern.len()),
                    format!(
                        "Go's regexp has no class {name} (`{operator}`): it reads {reads} in `{}` \
                         as a character or a range",
                        self.parsed.source(&class.span)
                    ),
                    "write out the set the class should match as one class of characters and \
                     ranges (`[a-z&&[^aeiou]]` as `[b-df-hj-np-tv-z]`)",
                );
                self.class_set(&operation.lhs, class);
                self.class_set(&operation.rhs, class);
            }
        }
    }

    fn class_item(&mut self, item: &ast::ClassSetItem, class: &ast::ClassBracketed) {
        match item {
            ast::ClassSetItem::Empty(_)
            | ast::ClassSetItem::Ascii(_)
            | ast::ClassSetItem::Perl(_) => {}
            ast::ClassSetItem::Literal(literal) => self.literal(literal),
            ast::ClassSetItem::Range(range) => {
                self.literal(&range.start);
                self.literal(&range.end);
            }
            ast::ClassSetItem::Unicode(unicode) => self.unicode(unicode),
            ast::ClassSetItem::Bracketed(inner) => {
                self.report(
                    self.parsed.range(&inner.span),
                    format!(
                        "Go's regexp has no nested classes: in `{}` it reads `[` as a character \
                         and the first `]` as the end of the class",
                        self.parsed.source(&class.span)
                    ),
                    "merge the classes into one (`[a[b]]` as `[ab]`); write a literal bracket \
                     as `\\[`",
                );
                self.class_set(&inner.kind, class);
            }
            ast::ClassSetItem::Union(union) => {
                for item in &union.items {
                    self.class_item(item, class);
                }
            }
        }
    }

    fn repetition(&mut self, repetition: &ast::Repetition) {
        let operator = self.parsed.range(&repetition.op.span);
        if let Ast::Repetition(inner) = &*repetition.ast {
            let span = self.parsed.range(&inner.op.span).start..operator.end;
            self.report(
                span.clone(),
                format!(
                    "Go's regexp rejects a repetition of a repetition (`{}`)",
                    &self.parsed.pattern[span]
                ),
                "drop one of the operators, or group the inner repetition: `(?:a*)*`",
            );
        }
        if let ast::RepetitionKind::Range(range) = &repetition.op.kind {
            let text = self.parsed.source(&repetition.op.span);
            let count = text.strip_suffix('?').unwrap_or(text);
            let (min, max) = bounds(range);
            let written = match max {
                Some(max) if max == min => format!("{{{min}}}"),
                Some(max) => format!("{{{min},{max}}}"),
                None => format!("{{{min},}}"),
            };
            if !is_go_count(count) {
                self.report(
                    operator.start..operator.start + count.len(),
                    format!("Go's regexp reads `{count}` as literal text, not as a count"),
                    format!("write `{written}` to repeat, or `\\{{` for a literal brace"),
                );
            } else if min.max(max.unwrap_or(0)) > MAX_REPEAT {
                self.report(
                    operator.start..operator.start + count.len(),
                    format!("Go's regexp repeats at most {MAX_REPEAT} times, not `{count}`"),
                    format!("repeat at most {MAX_REPEAT} times, or use `+` or `*`"),
                );
            } else if (min >= 2 || max.is_some_and(|max| max >= 2))
                && !repetition_is_valid(repetition, MAX_REPEAT)
            {
                self.report(
                    operator.start..operator.start + count.len(),
                    format!(
                        "`{count}` and the counts inside it repeat more than {MAX_REPEAT} times, \
                         the most Go's regexp allows"
                    ),
                    format!(
                        "make nested counts multiply to at most {MAX_REPEAT}, or use `+` or `*`"
                    ),
                );
            }
        }
        self.ast(&repetition.ast);
    }

    fn group(&mut self, group: &ast::Group) {
        match &group.kind {
            ast::GroupKind::CaptureName {
                starts_with_p,
                name,
            } => {
                let start = self.parsed.range(&group.span).start;
                let name_span = self.parsed.range(&name.span);
                if !starts_with_p {
                    self.report(
                        start..name_span.end + 1,
                        format!(
                            "Prometheus 2.42 rejects the named group `(?<{}>`: Go's regexp takes \
                             that form only since Go 1.22",
                            name.name
                        ),
                        format!("write `(?P<{}>…)`", name.name),
                    );
                }
                let valid = |character: char| character.is_ascii_alphanumeric() || character == '_';
                if !name.name.chars().all(valid) {
                    let renamed: String = name
                        .name
                        .chars()
                        .map(|character| if valid(character) { character } else { '_' })
                        .collect();
                    self.report(
                        name_span,
                        format!(
                            "Go's regexp takes only ASCII letters, digits and `_` in a group's \
                             name, not `{}`",
                            name.name
                        ),
                        format!("rename the group, e.g. `(?P<{renamed}>…)`"),
                    );
                }
            }
            ast::GroupKind::NonCapturing(flags) => self.flags(flags),
            ast::GroupKind::CaptureIndex(_) => {}
        }
    }
}

/// Where the group `^(?:` opens ends (just past its `)`), in the parsed text.
fn wrapper_end(ast: &Ast) -> Option<usize> {
    match ast {
        Ast::Group(group) if group.span.start.offset == 1 => Some(group.span.end.offset),
        Ast::Concat(concat) => concat.asts.iter().take(2).find_map(wrapper_end),
        Ast::Alternation(alternation) => alternation.asts.first().and_then(wrapper_end),
        _ => None,
    }
}

/// A count's lower bound and upper bound (`None`: unbounded).
fn bounds(range: &ast::RepetitionRange) -> (u32, Option<u32>) {
    match *range {
        ast::RepetitionRange::Exactly(count) => (count, Some(count)),
        ast::RepetitionRange::AtLeast(min) => (min, None),
        ast::RepetitionRange::Bounded(min, max) => (min, Some(max)),
    }
}

/// `{n}`, `{n,}` or `{n,m}` with decimal numbers without leading zeros and
/// nothing else, which is all Go's regexp reads as a count.
fn is_go_count(text: &str) -> bool {
    let Some(inner) = text
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
    else {
        return false;
    };
    let number = |digits: &str| {
        !digits.is_empty()
            && digits.bytes().all(|byte| byte.is_ascii_digit())
            && !(digits.len() > 1 && digits.starts_with('0'))
    };
    match inner.split_once(',') {
        Some((min, max)) => number(min) && (max.is_empty() || number(max)),
        None => number(inner),
    }
}

/// Go's `repeatIsValid`: whether the counts of a repetition and of those
/// inside it make at most `copies` copies of anything (each count divides
/// what is left for the counts inside it; `*`, `+` and `?` do not).
fn repetition_is_valid(repetition: &ast::Repetition, mut copies: u32) -> bool {
    if let ast::RepetitionKind::Range(range) = &repetition.op.kind {
        let (min, max) = bounds(range);
        let most = match max {
            Some(0) => return true,
            Some(max) => max,
            None => min,
        };
        if most > copies {
            return false;
        }
        if let Some(left) = copies.checked_div(most) {
            copies = left;
        }
    }
    counts_are_valid(&repetition.ast, copies)
}

/// [`repetition_is_valid`] for every repetition in `ast`.
fn counts_are_valid(ast: &Ast, copies: u32) -> bool {
    match ast {
        Ast::Repetition(repetition) => repetition_is_valid(repetition, copies),
        Ast::Group(group) => counts_are_valid(&group.ast, copies),
        Ast::Alternation(alternation) => alternation
            .asts
            .iter()
            .all(|ast| counts_are_valid(ast, copies)),
        Ast::Concat(concat) => concat.asts.iter().all(|ast| counts_are_valid(ast, copies)),
        _ => true,
    }
}

/// The class Go knows by a name spelled loosely (`greek`, `Letter`), if any.
fn go_unicode_class(name: &str) -> Option<&'static str> {
    let loose = |name: &str| -> String {
        name.chars()
            .filter(|character| !matches!(character, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = loose(name);
    GO_UNICODE_CLASSES
        .iter()
        .copied()
        .find(|known| loose(known) == wanted)
        .or_else(|| {
            GENERAL_CATEGORY_NAMES
                .iter()
                .find(|(long, _)| loose(long) == wanted)
                .map(|(_, short)| *short)
        })
}

/// Long names of the general categories Go knows by their short names.
const GENERAL_CATEGORY_NAMES: &[(&str, &str)] = &[
    ("Other", "C"),
    ("Control", "Cc"),
    ("Format", "Cf"),
    ("Private_Use", "Co"),
    ("Surrogate", "Cs"),
    ("Letter", "L"),
    ("Lowercase_Letter", "Ll"),
    ("Modifier_Letter", "Lm"),
    ("Other_Letter", "Lo"),
    ("Titlecase_Letter", "Lt"),
    ("Uppercase_Letter", "Lu"),
    ("Mark", "M"),
    ("Spacing_Mark", "Mc"),
    ("Enclosing_Mark", "Me"),
    ("Nonspacing_Mark", "Mn"),
    ("Number", "N"),
    ("Decimal_Number", "Nd"),
    ("Letter_Number", "Nl"),
    ("Other_Number", "No"),
    ("Punctuation", "P"),
    ("Connector_Punctuation", "Pc"),
    ("Dash_Punctuation", "Pd"),
    ("Close_Punctuation", "Pe"),
    ("Final_Punctuation", "Pf"),
    ("Initial_Punctuation", "Pi"),
    ("Other_Punctuation", "Po"),
    ("Open_Punctuation", "Ps"),
    ("Symbol", "S"),
    ("Currency_Symbol", "Sc"),
    ("Modifier_Symbol", "Sk"),
    ("Math_Symbol", "Sm"),
    ("Other_Symbol", "So"),
    ("Separator", "Z"),
    ("Line_Separator", "Zl"),
    ("Paragraph_Separator", "Zp"),
    ("Space_Separator", "Zs"),
];

/// Every name Go 1.19's `regexp` takes in `\p{…}`, spelled exactly: `Any`,
/// Unicode 13's general categories (`unicode.Categories`) and scripts
/// (`unicode.Scripts`). promtool 2.42 accepts each of these and rejects the
/// other names Rust's `regex` knows (`Cn`, `LC`, Unicode 14's scripts, ...).
const GO_UNICODE_CLASSES: &[&str] = &[
    "Any",
    "C",
    "Cc",
    "Cf",
    "Co",
    "Cs",
    "L",
    "Ll",
    "Lm",
    "Lo",
    "Lt",
    "Lu",
    "M",
    "Mc",
    "Me",
    "Mn",
    "N",
    "Nd",
    "Nl",
    "No",
    "P",
    "Pc",
    "Pd",
    "Pe",
    "Pf",
    "Pi",
    "Po",
    "Ps",
    "S",
    "Sc",
    "Sk",
    "Sm",
    "So",
    "Z",
    "Zl",
    "Zp",
    "Zs",
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Regexes as promtool 2.42 (built with Go 1.19.8) and slogen judge them.
///
/// promtool's verdict on every case (`NotGo`: rejected; the others:
/// accepted) was checked against `promtool check rules` 2.42 with a small
/// script: it reads the table below, writes a rule file with one recording
/// rule per case, `expr: up{job=~"REGEX"}` (the regex quoted for PromQL, the
/// whole expression a JSON string for YAML), runs promtool once and reads
/// which rules its errors name. Rust's side is promql-parser itself, run by
/// the test.
#[cfg(test)]
mod tests {
    use super::check;

    /// What promtool says of a regex, and so what slogen must say.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Case {
        /// promtool accepts it, and so does slogen.
        Go,
        /// promtool rejects it: slogen rejects it too (here, or in the
        /// parser).
        NotGo,
        /// promtool accepts it but Go reads it otherwise than Rust: slogen
        /// rejects it here.
        Misread,
        /// promtool accepts it, but promql-parser (Rust's `regex`) rejects
        /// it: slogen cannot take it.
        RustRejects,
    }
    use Case::{Go, Misread, NotGo, RustRejects};

    const CASES: &[(&str, Case)] = &[
        (r"5..", Go),
        (r"", Go),
        (r"a|", Go),
        (r"(|a)", Go),
        (r"()", Go),
        (r"(?P<n>5)", Go),
        (r"(?P<_a1>x)", Go),
        (r"(?imsU)a", Go),
        (r"(?i-s:a)", Go),
        (r"a{1000}", Go),
        (r"a{0}", Go),
        (r"a{1,}", Go),
        (r"a{2,1000}", Go),
        (r"a{1000,}", Go),
        (r"(?:a{10}){100}", Go),
        (r"(?:(?:a{10}){10}){10}", Go),
        (r"(?:a{1000}){1,}", Go),
        (r"(?:a{1000}){0,1}", Go),
        (r"(?:a{500}b{500}){2}", Go),
        (r"(?:a{500}){2,}", Go),
        (r"a*?", Go),
        (r"a{2}?", Go),
        (r"a{bbb}", Go),
        (r"a{,5}", Go),
        (r"a{1,2,}", Go),
        (r"x{1}{bbb}", Go),
        (r"\x{41}", Go),
        (r"\x41", Go),
        (r"\a\f\t\n\r\v", Go),
        (r"\_\ \#\&\~\-", Go),
        (r"\Ax\z", Go),
        (r"\bx\B", Go),
        (r"^*", Go),
        (r"\pL\PN\p{L}\p{Lu}", Go),
        (r"\p{Greek}\P{Latin}\p{Yezidi}\p{Any}", Go),
        (r"[\pL\p{Greek}]", Go),
        (r"[[:alpha:]][[:^word:]]", Go),
        (r"[]a][^]a]", Go),
        (r"[a-][-a][--]", Go),
        (r"[a&b]", Go),
        (r"(?i)[k]", Go),
        (r"é+", Go),
        (r"[^\x{0}-\x{10FFFF}]", Go),
        (r"\d\w\s\D\W\S", Go),
        // Go's limits.
        (r"a{1001}", NotGo),
        (r"a{1001,}", NotGo),
        (r"a{2,1001}", NotGo),
        (r"(?:a{2000}){0}", NotGo),
        (r"(?:a{100}){11}", NotGo),
        (r"(?:(?:a{10}){10}){11}", NotGo),
        (r"(?:a{2}|b{600}){2}", NotGo),
        (r"(?:a{501}){0,2}", NotGo),
        (r"(?:a{501}){2,}", NotGo),
        (r"a**", NotGo),
        (r"a*??", NotGo),
        (r"a++", NotGo),
        (r"a{2}{3}", NotGo),
        (r"a{2}*", NotGo),
        (r"a{2}+", NotGo),
        // Groups and flags.
        (r"(?<n>5)", NotGo),
        (r"a)(?<n>b", NotGo),
        (r"(?P<n.x>a)", NotGo),
        (r"(?P<n[0]>a)", NotGo),
        (r"(?P<né>a)", NotGo),
        (r"(?x) a", NotGo),
        (r"(?u)a", NotGo),
        (r"(?-u)a", NotGo),
        (r"(?R)a", NotGo),
        (r"(?-i-s)a", NotGo),
        // Escapes and classes.
        (r"\u0041", NotGo),
        (r"\U00000041", NotGo),
        (r"\u{41}", NotGo),
        (r"[\u0041]", NotGo),
        (r"\pl", NotGo),
        (r"\p{greek}", NotGo),
        (r"\p{Letter}", NotGo),
        (r"\p{sc=Greek}", NotGo),
        (r"\p{Alphabetic}", NotGo),
        (r"\p{LC}", NotGo),
        (r"\p{Cn}", NotGo),
        (r"\p{Kawi}", NotGo),
        (r"\p{Vithkuqi}", NotGo),
        (r"\p{ASCII}", NotGo),
        (r"[[:foo:]]", NotGo),
        (r"[a--b]", NotGo),
        (r"\1", NotGo),
        (r"\Z", NotGo),
        (r"\e", NotGo),
        (r"\C", NotGo),
        (r"[\b]", NotGo),
        // Parentheses and repetitions without an operand.
        (r"a)|(b", NotGo),
        (r"a)(?:b", NotGo),
        (r"(?i)*", NotGo),
        (r"a|*", NotGo),
        (r"{2}", NotGo),
        (r"a{3,2}", NotGo),
        // Go reads these otherwise.
        (r"a{01}", Misread),
        (r"a{ 2 }", Misread),
        (r"a{2, 3}", Misread),
        (r"\<", Misread),
        (r"\>", Misread),
        (r"\b{start}", Misread),
        (r"\b{end}", Misread),
        (r"\b{start-half}", Misread),
        (r"\b{end-half}", Misread),
        (r"[a&&b]", Misread),
        (r"[a~~b]", Misread),
        (r"[a[b]]", Misread),
        (r"[a-z&&[^aeiou]]", Misread),
        (r"[&&]", Misread),
        // Rust rejects these.
        (r"\Q.\E", RustRejects),
        (r"\0\012", RustRejects),
        (r"\p{^Greek}", RustRejects),
        (r"[\d-z]", RustRejects),
        (r"[[]", RustRejects),
        (r"(?ii)a", RustRejects),
        (r"(?)a", RustRejects),
        (r"(?i-i)a", RustRejects),
        (r"(?P<1n>a)", RustRejects),
        (r"(?P<a>x)(?P<a>y)", RustRejects),
        (r"a(?i)*", RustRejects),
        (r"\p{Greek}{bbb}", RustRejects),
    ];

    #[test]
    fn regexes_as_promtool_judges_them() {
        for &(pattern, case) in CASES {
            let query = format!("up{{job=~{}}}", crate::promql::quote(pattern));
            let parsed = promql_parser::parser::parse(&query).is_ok();
            let checked = check(pattern);
            let expected = match case {
                Go => (true, true),
                NotGo => (parsed, false),
                Misread => (true, false),
                RustRejects => (false, checked.is_ok()),
            };
            assert_eq!(
                (parsed, checked.is_ok()),
                expected,
                "{pattern}: {case:?}, {checked:?}"
            );
            if case == NotGo {
                assert!(!parsed || checked.is_err(), "{pattern}");
            }
        }
        // Rust nests at most 250 levels deep; Go 1000.
        let deep = format!("{}a{}", "(?:".repeat(251), ")".repeat(251));
        assert!(check(&deep).is_err());
    }

    #[track_caller]
    fn error(pattern: &str) -> (std::ops::Range<usize>, String, String) {
        let error = check(pattern).unwrap_err();
        (error.span, error.message, error.help)
    }

    #[test]
    fn errors_point_at_the_construct_and_say_what_to_write() {
        let (span, message, help) = error("a(?<name>5)");
        assert_eq!(span, 1..9);
        assert!(message.contains("Go 1.22"), "{message}");
        assert_eq!(help, "write `(?P<name>…)`");
        let (span, _, help) = error("x[a&&b]");
        assert_eq!(span, 3..5);
        assert!(help.contains("one class"), "{help}");
        assert_eq!(error("[a[b]]").0, 2..5);
        let (span, _, help) = error("a{1001}");
        assert_eq!(span, 1..7);
        assert!(help.contains("at most 1000"), "{help}");
        assert_eq!(error("(?:a{100}){11}").0, 10..14);
        assert_eq!(error("a{2}*").0, 1..5);
        let (span, _, help) = error("a{01}?");
        assert_eq!(span, 1..5);
        assert_eq!(help, "write `{1}` to repeat, or `\\{` for a literal brace");
        let (span, _, help) = error("x\\u0041");
        assert_eq!(span, 1..7);
        assert_eq!(help, "write `\\x{41}`");
        assert_eq!(
            error("\\<a").2,
            "write `\\b` for a word boundary, or `<` for the character"
        );
        assert_eq!(error("(?ix)a").0, 3..4);
        assert_eq!(error("\\p{greek}").2, "write `\\p{Greek}`");
        assert_eq!(error("\\P{Letter}").2, "write `\\P{L}`");
        assert_eq!(error("\\p{sc=Greek}").2, "write `\\p{Greek}`");
        assert!(error("\\p{Kawi}").2.starts_with("name a script"));
        assert_eq!(error("(?P<n.x>a)").2, "rename the group, e.g. `(?P<n_x>…)`");
        assert_eq!(error("a)|(b").0, 1..2);
        // The leftmost problem is reported.
        assert_eq!(error("(?<n>a){1001}").0, 0..5);
        // Behind a `{` Rust rejects (and promql-parser escapes), offsets
        // still count in the regex as written.
        assert_eq!(error("a{bbb}\\u0041").0, 6..12);
        assert_eq!(error("a{bbb})|(b").0, 6..7);
    }
}
