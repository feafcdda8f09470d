//! The lexer of Go templates (`text/template/parse/lex.go`, Go 1.19): in
//! a template's text, out its tokens one at a time, as the parser asks;
//! after an error every token is that error.

use std::ops::Range;

use super::{ErrorKind, TemplateError, invalid};

/// What a token is (Go's `itemType`): `Char` is any other printable ASCII
/// character (`,` or `{`), the kinds from `Block` on are keywords.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Kind {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    #[default]
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    Block,
    Break,
    Continue,
    Define,
    Dot,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// A token: its kind and where it stands in the text.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Item {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Kind {
    /// Whether a command may start with this token.
    pub(super) fn starts_operand(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Bool | CharConstant | Complex | Dot | Field | Identifier | Number
        ) || matches!(self, Nil | RawString | String | Variable | LeftParen)
    }
}

impl Item {
    pub(super) fn new(kind: Kind, span: Range<usize>) -> Self {
        let Range { start, end } = span;
        Item { kind, start, end }
    }

    pub(super) fn span(self) -> Range<usize> {
        self.start..self.end
    }
}

/// Spaces inside actions (Go 1.16 and later allow line breaks there).
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Letters, digits and `_` (Go: Unicode categories L and Nd; here
/// alphabetic and numeric, the same for ASCII).
fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `-` and a space after `{{`: trim the text before.
fn left_trim(rest: &[u8]) -> bool {
    rest.len() >= 2 && rest[0] == b'-' && is_space(rest[1])
}

/// A space and `-` before `}}`: trim the text after.
fn right_trim(rest: &[u8]) -> bool {
    rest.len() >= 2 && is_space(rest[0]) && rest[1] == b'-'
}

#[derive(Default)]
pub(super) struct Lexer<'a> {
    input: &'a str,
    /// How far it has read, and where the token being read starts.
    pos: usize,
    start: usize,
    /// Inside an action (`{{ ... }}`), or in text.
    inside: bool,
    /// Where the current action's `{{` stands.
    action: usize,
    /// Where each `(` not yet closed in the current action stands.
    parens: Vec<usize>,
    /// The error the lexer stopped at.
    pub(super) error: Option<TemplateError>,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Lexer {
            input,
            ..Lexer::default()
        }
    }

    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn accept(&mut self, set: &str) -> bool {
        let found = self.peek().is_some_and(|c| set.contains(c));
        if found {
            self.pos += 1;
        }
        found
    }

    fn accept_run(&mut self, set: &str) {
        while self.accept(set) {}
    }

    fn emit(&mut self, kind: Kind) -> Item {
        let item = Item::new(kind, self.start..self.pos);
        self.start = self.pos;
        item
    }

    /// Stops at an error: every token from here on is it.
    fn fail(&mut self, kind: ErrorKind, message: impl Into<String>, span: Range<usize>) -> Item {
        let message = message.into();
        self.error = Some(TemplateError {
            kind,
            message,
            span,
        });
        self.next_item()
    }

    pub(super) fn next_item(&mut self) -> Item {
        if let Some(error) = &self.error {
            return Item::new(Kind::Error, error.span.clone());
        }
        loop {
            let item = if self.inside {
                Some(self.inside_action())
            } else {
                self.text()
            };
            if let Some(item) = item {
                return item;
            }
        }
    }

    /// Text up to `{{`; `None` after a comment, which yields no token.
    fn text(&mut self) -> Option<Item> {
        match self.input[self.pos..].find("{{") {
            Some(0) => self.left_delim(),
            Some(found) => {
                self.pos += found;
                Some(self.emit(Kind::Text))
            }
            None => {
                self.pos = self.input.len();
                let text = self.pos > self.start;
                Some(self.emit(if text { Kind::Text } else { Kind::Eof }))
            }
        }
    }

    fn left_delim(&mut self) -> Option<Item> {
        let open = self.pos;
        self.pos += 2;
        let after = 2 * usize::from(left_trim(&self.input.as_bytes()[self.pos..]));
        if self.input[self.pos + after..].starts_with("/*") {
            self.pos += after + 2;
            let Some(found) = self.input[self.pos..].find("*/") else {
                let message = "a comment `{{/*` never closes with `*/}}`";
                return Some(self.fail(ErrorKind::Unclosed, message, open..self.pos));
            };
            let close = self.pos + found;
            self.pos = close + 2;
            let Some(trim) = self.at_right_delim() else {
                let message = "a comment must end with `*/}}`, nothing between `*/` and `}}`";
                return Some(self.fail(ErrorKind::Invalid, message, close..close + 2));
            };
            self.pos += if trim { 4 } else { 2 };
            self.start = self.pos;
            return None;
        }
        self.inside = true;
        self.action = open;
        self.parens.clear();
        self.pos += after;
        self.start = self.pos;
        Some(Item::new(Kind::LeftDelim, open..open + 2))
    }

    /// At `}}` or ` -}}`: `Some(trimmed)`.
    fn at_right_delim(&self) -> Option<bool> {
        let rest = &self.input.as_bytes()[self.pos..];
        if right_trim(rest) && rest[2..].starts_with(b"}}") {
            Some(true)
        } else {
            rest.starts_with(b"}}").then_some(false)
        }
    }

    fn right_delim(&mut self) -> Item {
        if self.at_right_delim() == Some(true) {
            self.pos += 2;
            self.start = self.pos;
        }
        self.pos += 2;
        self.inside = false;
        self.emit(Kind::RightDelim)
    }

    fn inside_action(&mut self) -> Item {
        if self.at_right_delim().is_some() {
            return match self.parens.last() {
                None => self.right_delim(),
                Some(&paren) => {
                    let message = "a `(` is never closed with `)`";
                    self.fail(ErrorKind::Invalid, message, paren..paren + 1)
                }
            };
        }
        let Some(c) = self.bump() else {
            let message = "the action never closes with `}}`";
            return self.fail(ErrorKind::Unclosed, message, self.action..self.action + 2);
        };
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                self.pos -= 1;
                self.space()
            }
            '=' => self.emit(Kind::Assign),
            ':' if self.bump() == Some('=') => self.emit(Kind::Declare),
            ':' => {
                let message = "expected `:=` after `:`";
                self.fail(ErrorKind::Invalid, message, self.start..self.start + 1)
            }
            '|' => self.emit(Kind::Pipe),
            '"' => self.quoted('"', Kind::String),
            '`' => self.quoted('`', Kind::RawString),
            '\'' => self.quoted('\'', Kind::CharConstant),
            '$' if self.at_terminator() => self.emit(Kind::Variable),
            '$' => self.field_or_variable(Kind::Variable),
            '.' if self.peek().is_some_and(|c| !c.is_ascii_digit()) => {
                self.field_or_variable(Kind::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.pos -= 1;
                self.number()
            }
            c if is_alphanumeric(c) => {
                self.pos -= c.len_utf8();
                self.identifier()
            }
            '(' => {
                self.parens.push(self.start);
                self.emit(Kind::LeftParen)
            }
            ')' => {
                if self.parens.pop().is_none() {
                    // Go hands out the `)`, then the error.
                    self.error = Some(invalid("`)` closes no `(`", self.start..self.pos));
                }
                self.emit(Kind::RightParen)
            }
            '!'..='~' => self.emit(Kind::Char),
            c => {
                let message = format!("{c:?} (U+{:04X}) cannot stand in an action", c as u32);
                self.fail(ErrorKind::Invalid, message, self.start..self.pos)
            }
        }
    }

    fn space(&mut self) -> Item {
        let mut spaces = 0;
        let bytes = self.input.as_bytes();
        while bytes.get(self.pos).is_some_and(|&byte| is_space(byte)) {
            self.pos += 1;
            spaces += 1;
        }
        if right_trim(&bytes[self.pos - 1..]) && bytes[self.pos + 1..].starts_with(b"}}") {
            self.pos -= 1;
            if spaces == 1 {
                return self.right_delim();
            }
        }
        self.emit(Kind::Space)
    }

    /// Whether an identifier may end here (a space, `.`, `,`, `|`, `:`,
    /// `(`, `)`, `}` or the end).
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) => c.is_ascii() && is_space(c as u8) || ".,|:)(}".contains(c),
        }
    }

    fn bad_character(&mut self) -> Item {
        let (c, word) = (
            self.peek().unwrap_or(' '),
            &self.input[self.start..self.pos],
        );
        let message = format!("`{c}` cannot follow `{word}` (a space or `|` must)");
        self.fail(
            ErrorKind::Invalid,
            message,
            self.pos..self.pos + c.len_utf8(),
        )
    }

    fn identifier(&mut self) -> Item {
        while self.peek().is_some_and(is_alphanumeric) {
            self.bump();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        let word = &self.input[self.start..self.pos];
        let kind = match word {
            "block" => Kind::Block,
            "break" => Kind::Break,
            "continue" => Kind::Continue,
            "define" => Kind::Define,
            "else" => Kind::Else,
            "end" => Kind::End,
            "if" => Kind::If,
            "nil" => Kind::Nil,
            "range" => Kind::Range,
            "template" => Kind::Template,
            "with" => Kind::With,
            "true" | "false" => Kind::Bool,
            _ => Kind::Identifier,
        };
        self.emit(kind)
    }

    /// `.Field` or `$variable`, the `.` or `$` read; a lone `.` is the dot.
    fn field_or_variable(&mut self, kind: Kind) -> Item {
        if self.at_terminator() {
            return self.emit(if kind == Kind::Field { Kind::Dot } else { kind });
        }
        while self.peek().is_some_and(is_alphanumeric) {
            self.bump();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        self.emit(kind)
    }

    /// A string, raw string or character constant, the quote read; Go
    /// checks escapes later, in the parser.
    fn quoted(&mut self, quote: char, kind: Kind) -> Item {
        loop {
            match self.bump() {
                Some('\\') if quote != '`' => {
                    if matches!(self.bump(), None | Some('\n')) {
                        break;
                    }
                }
                Some(c) if c == quote => return self.emit(kind),
                Some('\n') if quote != '`' => break,
                Some(_) => {}
                None => break,
            }
        }
        let message = match kind {
            Kind::String => "a string opened with `\"` does not close on its line",
            Kind::RawString => "a raw string opened with `` ` `` never closes",
            _ => "a character constant opened with `'` does not close on its line",
        };
        self.fail(ErrorKind::Invalid, message, self.start..self.pos)
    }

    fn number(&mut self) -> Item {
        let mut good = self.scan_number();
        let kind = if good && matches!(self.peek(), Some('+' | '-')) {
            good = self.scan_number() && self.input[..self.pos].ends_with('i');
            Kind::Complex
        } else {
            Kind::Number
        };
        if !good {
            let number = &self.input[self.start..self.pos];
            let message = format!("`{number}` is not a number");
            return self.fail(ErrorKind::Invalid, message, self.start..self.pos);
        }
        self.emit(kind)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") || digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.bump();
            return false;
        }
        true
    }
}
