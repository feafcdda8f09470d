//! The walk over a regex's syntax tree: every construct Go's `regexp`
//! rejects or reads otherwise, and Go's limits on counts.

use std::ops::Range;

use super::unicode::{GO_UNICODE_CLASSES, go_unicode_class};
use super::{MAX_REPEAT, Parsed, Re2Error, wrapper_end};
use regex_syntax::ast::{self, Ast};

/// A walk over the syntax tree, gathering what Go rejects or misreads.
pub(super) struct Walk<'p, 'a> {
    pub(super) parsed: &'p Parsed<'a>,
    pub(super) found: Vec<Re2Error>,
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
    pub(super) fn balanced(&mut self, top: &Ast) {
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

    pub(super) fn ast(&mut self, ast: &Ast) {
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
