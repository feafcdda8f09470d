//! Go templates as Prometheus parses them: a port of the parse phase of Go's
//! `text/template/parse` (lexer `lex`, parser here, literals `literal`), as
//! in Go 1.19, which promtool 2.42 is built with.
//!
//! In: the text of an alert's label or annotation, which Prometheus parses
//! as a Go template after declaring `$labels`, `$externalLabels`,
//! `$externalURL` and `$value`, with its functions beside Go's builtins.
//! Out: [`check`]: nothing, or the first error Go's parser reports (an
//! action that never closes before any other), in slogen's words, with the
//! byte span of the token at fault.
//!
//! Guarantees: [`check`] accepts exactly the texts `promtool check rules`
//! accepts as an alert's annotation or label (the unit tests hold its
//! verdicts), except that it refuses nesting deeper than [`MAX_NESTING`]
//! (parentheses and blocks, where Go has no limit, so the stack cannot
//! overflow), accepts a `{{ define }}` named like the alert's own template
//! (`__alert_` and the alert's name), takes letters and digits to be
//! Unicode alphabetic and numeric (Go: categories L and Nd) and judges a
//! hexadecimal float near the largest `f64` without rounding. Only parsing:
//! what a template does when it runs is not checked, nor by promtool.

use std::ops::Range;

use lex::{Item, Kind, Lexer};

mod lex;
mod literal;
#[cfg(test)]
mod tests;

/// How deeply parentheses and blocks may nest: deeper recursion could
/// overflow the stack, and no real template comes near it.
pub(crate) const MAX_NESTING: usize = 256;

/// Functions an alert template may call in Prometheus 2.42: Go's builtins,
/// then Prometheus' own (`tmpl` is for console templates only).
const FUNCTIONS: &str = "and call html index slice js len not or print printf println urlquery \
    eq ge gt le lt ne \
    args externalURL first graphLink humanize humanize1024 humanizeDuration humanizePercentage \
    humanizeTimestamp label match parseDuration pathPrefix query reReplaceAll safeHtml \
    sortByLabel stripDomain stripPort strvalue tableLink title toLower toTime toUpper value";

/// Go's template keywords.
const KEYWORDS: &str = "block break continue define else end if nil range template with";

/// The variables Prometheus declares before an alert template (and `$`).
const VARIABLES: &[&str] = &["$", "$labels", "$externalLabels", "$externalURL", "$value"];

/// Words a template may write where it calls a function: the functions
/// and keywords, to suggest one for a misspelt name.
pub(crate) fn words() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .split_whitespace()
        .chain(KEYWORDS.split_whitespace())
}

/// What kind of error a template has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// An action or comment opens with `{{` and the text ends inside it.
    Unclosed,
    /// It calls a function Prometheus does not define.
    UnknownFunction(String),
    /// Anything else Go's parser refuses.
    Invalid,
}

/// Why Prometheus would refuse a template, and where: `span` is a byte
/// range of the text, the token at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TemplateError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Range<usize>,
}

/// Parses `text` as Prometheus parses an alert template: the first error
/// Go's parser reports, if any, except that an action or comment that never
/// closes comes first wherever it stands (`{{ $labels.job is down` never
/// closes: Go would first say that `is` is no function).
pub(crate) fn check(text: &str) -> Result<(), TemplateError> {
    Parser::new(text).parse().map_err(|error| {
        if error.kind == ErrorKind::Unclosed {
            return error;
        }
        let mut lexer = Lexer::new(text);
        while !matches!(lexer.next_item().kind, Kind::Eof | Kind::Error) {}
        match lexer.error {
            Some(unclosed) if unclosed.kind == ErrorKind::Unclosed => unclosed,
            _ => error,
        }
    })
}

type Parsed<T> = Result<T, TemplateError>;

fn invalid(message: impl Into<String>, span: Range<usize>) -> TemplateError {
    TemplateError {
        kind: ErrorKind::Invalid,
        message: message.into(),
        span,
    }
}

/// What the parser keeps of a node: enough for Go's checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    /// Text, and whether it is only spaces.
    Text(bool),
    /// `{{ end }}` or `{{ else }}`, and where the action stands.
    End(usize, usize),
    Else(usize, usize),
    /// An action, block, template call, `break` or `continue`.
    Other,
}

/// What a command's operand is, for Go's checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Term {
    /// A number, string, `true`, `false`, `nil` or `.`: it cannot take a
    /// piped value or have fields.
    Constant,
    /// A field or variable, which more fields extend.
    Field,
    /// A function, parenthesised pipeline or chain of fields.
    Other,
}

#[derive(Default)]
struct Parser<'a> {
    text: &'a str,
    lex: Lexer<'a>,
    /// Go's three-token lookahead.
    token: [Item; 3],
    peek_count: usize,
    /// Variables in scope: each tree (the template, a `define`, a
    /// `block`) has its own, and a block drops what it declared at its end.
    vars: Vec<&'a str>,
    range_depth: usize,
    depth: usize,
    /// Blocks not yet ended: where the opening action stands, its keyword.
    opened: Vec<(Range<usize>, &'static str)>,
    /// Templates defined (`define`, `block`) and whether any is not empty.
    defined: Vec<(Vec<u8>, bool)>,
    /// Where the current action's `{{` stands.
    action: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let lex = Lexer::new(text);
        let vars = VARIABLES.to_vec();
        Parser {
            text,
            lex,
            vars,
            ..Parser::default()
        }
    }

    fn source(&self, item: Item) -> &'a str {
        &self.text[item.span()]
    }

    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.lex.next_item();
        }
        self.token[self.peek_count]
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, first: Item) {
        self.token[1] = first;
        self.peek_count = 2;
    }

    fn backup3(&mut self, first: Item, second: Item) {
        self.token[1] = second;
        self.token[2] = first;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.peek_count == 0 {
            self.token[0] = self.lex.next_item();
            self.peek_count = 1;
        }
        self.token[self.peek_count - 1]
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let token = self.next();
            if token.kind != Kind::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn expect(&mut self, kind: Kind, context: &str) -> Parsed<Item> {
        let token = self.next_non_space();
        if token.kind != kind {
            return Err(self.unexpected(token, context));
        }
        Ok(token)
    }

    /// Go's "unexpected X in Y"; the lexer's own error if it stopped.
    fn unexpected(&mut self, token: Item, context: &str) -> TemplateError {
        if token.kind == Kind::Error
            && let Some(error) = &self.lex.error
        {
            return error.clone();
        }
        if token.kind == Kind::Char && self.source(token) == "{" {
            let message = "an action holds `{`; write a literal `{{` as `{{ \"{{\" }}`";
            return invalid(message, token.span());
        }
        if token.kind == Kind::Define {
            let message = "`{{ define }}` stands only at the top level, outside any block";
            return invalid(message, token.span());
        }
        let what = match token.kind {
            Kind::Eof => "the end of the text".to_owned(),
            _ => {
                let source = self.source(token);
                match source.char_indices().nth(24) {
                    Some((cut, _)) => format!("`{}…`", &source[..cut]),
                    None => format!("`{source}`"),
                }
            }
        };
        invalid(format!("unexpected {what} in {context}"), token.span())
    }

    /// One level deeper into parentheses or blocks.
    fn nest(&mut self, at: Range<usize>) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let message = format!("the template nests more than {MAX_NESTING} levels deep");
            return Err(invalid(message, at));
        }
        Ok(())
    }

    /// The template: text and actions, and `{{ define }}` at the top.
    fn parse(mut self) -> Parsed<()> {
        loop {
            match self.peek().kind {
                Kind::Eof => return Ok(()),
                Kind::LeftDelim => {
                    let delim = self.next();
                    if self.next_non_space().kind == Kind::Define {
                        self.action = delim.start;
                        self.definition()?;
                        continue;
                    }
                    self.backup2(delim);
                }
                _ => {}
            }
            match self.text_or_action()? {
                Node::End(start, end) => {
                    let message = "`{{ end }}` ends no `if`, `range`, `with`, `define` or `block`";
                    return Err(invalid(message, start..end));
                }
                Node::Else(start, end) => {
                    let message = "`{{ else }}` outside an `if`, `range` or `with`";
                    return Err(invalid(message, start..end));
                }
                _ => {}
            }
        }
    }

    /// Parses a tree of its own (a `define` or `block` body), with only `$`
    /// in scope and outside any `range`; the name is defined at its end.
    fn tree(&mut self, opener: Range<usize>, keyword: &'static str, name: Item) -> Parsed<()> {
        let vars = std::mem::replace(&mut self.vars, vec!["$"]);
        let range_depth = std::mem::take(&mut self.range_depth);
        self.nest(opener.clone())?;
        self.opened.push((opener, keyword));
        let (filled, end) = self.item_list()?;
        if let Node::Else(start, end) = end {
            let message = format!("`{{{{ else }}}}` inside a `{keyword}`");
            return Err(invalid(message, start..end));
        }
        self.opened.pop();
        self.depth -= 1;
        self.vars = vars;
        self.range_depth = range_depth;
        let title = self.unquote(name)?;
        match self.defined.iter_mut().find(|(known, _)| *known == title) {
            None => self.defined.push((title, filled)),
            Some((_, was_filled)) if !*was_filled => *was_filled = filled,
            Some(_) if filled => {
                let message = format!("template {} is defined twice", self.source(name));
                return Err(invalid(message, name.span()));
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// `{{ define "name" }} ... {{ end }}`, `define` read.
    fn definition(&mut self) -> Parsed<()> {
        let context = "`{{ define }}`";
        let name = self.next_non_space();
        if !matches!(name.kind, Kind::String | Kind::RawString) {
            return Err(self.unexpected(name, context));
        }
        self.unquote(name)?;
        let close = self.expect(Kind::RightDelim, context)?;
        self.tree(self.action..close.end, "define", name)
    }

    /// Text and actions up to `{{ end }}` or `{{ else }}`, returned with
    /// whether the list holds more than spaces.
    fn item_list(&mut self) -> Parsed<(bool, Node)> {
        let mut filled = false;
        loop {
            if self.peek_non_space().kind == Kind::Eof {
                let (opener, keyword) = self.opened.last().cloned().unwrap_or((0..0, "if"));
                let message = format!("`{{{{ {keyword} }}}}` is never ended with `{{{{ end }}}}`");
                return Err(invalid(message, opener));
            }
            match self.text_or_action()? {
                node @ (Node::End(..) | Node::Else(..)) => return Ok((filled, node)),
                Node::Text(blank) => filled |= !blank,
                Node::Other => filled = true,
            }
        }
    }

    fn text_or_action(&mut self) -> Parsed<Node> {
        let token = self.next_non_space();
        match token.kind {
            Kind::Text => Ok(Node::Text(self.source(token).trim().is_empty())),
            Kind::LeftDelim => {
                self.action = token.start;
                self.action()
            }
            Kind::If => Err(invalid(
                "`{{ else if }}` belongs to `if` only (Go 1.19 has no `else if` in `range` or `with`)",
                token.span(),
            )),
            _ => Err(self.unexpected(token, "the text")),
        }
    }

    /// An action, `{{` read: a control keyword or a pipeline.
    fn action(&mut self) -> Parsed<Node> {
        let token = self.next_non_space();
        match token.kind {
            Kind::Block => return self.block(),
            Kind::Break | Kind::Continue => {
                let keyword = self.source(token);
                let close = self.next_non_space();
                if close.kind != Kind::RightDelim {
                    return Err(self.unexpected(close, &format!("`{{{{ {keyword} }}}}`")));
                }
                if self.range_depth == 0 {
                    let message = format!("`{{{{ {keyword} }}}}` outside a `range`");
                    return Err(invalid(message, self.action..close.end));
                }
                return Ok(Node::Other);
            }
            Kind::Else => {
                let peek = self.peek_non_space();
                if peek.kind == Kind::If {
                    return Ok(Node::Else(self.action, peek.end));
                }
                let close = self.expect(Kind::RightDelim, "`{{ else }}`")?;
                return Ok(Node::Else(self.action, close.end));
            }
            Kind::End => {
                let close = self.expect(Kind::RightDelim, "`{{ end }}`")?;
                return Ok(Node::End(self.action, close.end));
            }
            Kind::If => return self.control("if"),
            Kind::Range => return self.control("range"),
            Kind::With => return self.control("with"),
            Kind::Template => {
                let context = "`{{ template }}`";
                let name = self.next_non_space();
                if !matches!(name.kind, Kind::String | Kind::RawString) {
                    return Err(self.unexpected(name, context));
                }
                self.unquote(name)?;
                if self.next_non_space().kind != Kind::RightDelim {
                    self.backup();
                    self.pipeline(context, Kind::RightDelim, self.action)?;
                }
                return Ok(Node::Other);
            }
            _ => {}
        }
        self.backup();
        self.pipeline("the action", Kind::RightDelim, self.action)?;
        Ok(Node::Other)
    }

    /// `if`, `range` or `with` and its pipeline, its list, maybe `else`
    /// (or `else if` after `if`) and another list, and `end`.
    fn control(&mut self, keyword: &'static str) -> Parsed<Node> {
        let open = self.action;
        let vars = self.vars.len();
        let close = self.pipeline(keyword, Kind::RightDelim, open)?;
        self.nest(open..close.end)?;
        self.opened.push((open..close.end, keyword));
        let ranging = usize::from(keyword == "range");
        self.range_depth += ranging;
        let (_, next) = self.item_list()?;
        self.range_depth -= ranging;
        if let Node::Else(..) = next {
            if keyword == "if" && self.peek().kind == Kind::If {
                self.next();
                self.control("if")?;
            } else if let (_, Node::Else(start, end)) = self.item_list()? {
                let message = format!("a second `{{{{ else }}}}` in one `{keyword}`");
                return Err(invalid(message, start..end));
            }
        }
        self.opened.pop();
        self.depth -= 1;
        self.vars.truncate(vars);
        Ok(Node::Other)
    }

    /// `{{ block "name" pipeline }} ... {{ end }}`, `block` read: it
    /// defines the template and calls it.
    fn block(&mut self) -> Parsed<Node> {
        let context = "`{{ block }}`";
        let open = self.action;
        let name = self.next_non_space();
        if !matches!(name.kind, Kind::String | Kind::RawString) {
            return Err(self.unexpected(name, context));
        }
        self.unquote(name)?;
        let close = self.pipeline(context, Kind::RightDelim, open)?;
        self.tree(open..close.end, "block", name)?;
        Ok(Node::Other)
    }

    /// Declarations, then commands separated by `|`, up to `end` (`}}`,
    /// or `)` in parentheses), which is returned; `from` is where the
    /// construct opens, for the caret of an empty one.
    fn pipeline(&mut self, context: &str, end: Kind, from: usize) -> Parsed<Item> {
        let mut declared = 0;
        loop {
            let variable = self.peek_non_space();
            if variable.kind != Kind::Variable {
                break;
            }
            self.next();
            let after = self.peek();
            let next = self.peek_non_space();
            if matches!(next.kind, Kind::Assign | Kind::Declare) {
                self.next_non_space();
                self.vars.push(self.source(variable));
            } else if next.kind == Kind::Char && self.source(next) == "," {
                self.next_non_space();
                self.vars.push(self.source(variable));
                declared += 1;
                if context == "range" && declared < 2 {
                    let second = self.peek_non_space();
                    if matches!(
                        second.kind,
                        Kind::Variable | Kind::RightDelim | Kind::RightParen
                    ) {
                        continue;
                    }
                    let message = "`range` can only declare variables, e.g. `$i, $x :=`";
                    return Err(invalid(message, second.span()));
                }
                let message = format!("too many variables declared before `:=` in {context}");
                return Err(invalid(message, variable.span()));
            } else if after.kind == Kind::Space {
                self.backup3(variable, after);
            } else {
                self.backup2(variable);
            }
            break;
        }
        let mut commands = 0;
        let mut constant = None;
        loop {
            let token = self.next_non_space();
            if token.kind == end {
                if commands == 0 {
                    let message = match context {
                        "the action" => "the action `{{ }}` is empty".to_owned(),
                        "parentheses" => "the parentheses `()` are empty".to_owned(),
                        "if" | "range" | "with" => {
                            format!("`{{{{ {context} }}}}` has no value to test")
                        }
                        _ => format!("{context} has no value"),
                    };
                    return Err(invalid(message, from..token.end));
                }
                if let Some(span) = constant {
                    let message = format!(
                        "`{}` after `|` is a constant: only a function, field, variable or parenthesised pipeline takes the piped value",
                        &self.text[Range::clone(&span)]
                    );
                    return Err(invalid(message, span));
                }
                return Ok(token);
            }
            match token.kind {
                _ if token.kind.starts_operand() => {
                    self.backup();
                    let (first, span) = self.command()?;
                    commands += 1;
                    if commands > 1 && constant.is_none() && first == Term::Constant {
                        constant = Some(span);
                    }
                }
                _ => return Err(self.unexpected(token, context)),
            }
        }
    }

    /// Operands separated by spaces, up to `|` (read) or the end (not
    /// read): the first operand's kind and span.
    fn command(&mut self) -> Parsed<(Term, Range<usize>)> {
        let mut first = None;
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                first.get_or_insert(operand);
            }
            let token = self.next();
            match token.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                Kind::Dot => {
                    let message = "a `.` after an operand must name a field, as in `$labels.job`";
                    return Err(invalid(message, token.span()));
                }
                _ => return Err(self.unexpected(token, "the action, after an operand")),
            }
            return first.ok_or_else(|| invalid("empty command", token.span()));
        }
    }

    /// A term and the fields that follow it (`$labels.job`, `(x).y`).
    fn operand(&mut self) -> Parsed<Option<(Term, Range<usize>)>> {
        let Some((term, span)) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some((term, span)));
        }
        let field = self.peek();
        let mut last = field;
        while self.peek().kind == Kind::Field {
            last = self.next();
        }
        let term = match term {
            Term::Field => term,
            Term::Constant => {
                let message = format!(
                    "`{}` cannot follow `{}`: a constant has no fields",
                    self.source(field),
                    &self.text[span]
                );
                return Err(invalid(message, field.span()));
            }
            Term::Other => term,
        };
        Ok(Some((term, span.start..last.end)))
    }

    /// A constant, function, `.`, field, variable or parenthesised
    /// pipeline; `None` (nothing read) for anything else.
    fn term(&mut self) -> Parsed<Option<(Term, Range<usize>)>> {
        let token = self.next_non_space();
        let term = match token.kind {
            Kind::Identifier => {
                let name = self.source(token);
                if !FUNCTIONS.split_whitespace().any(|known| known == name) {
                    return Err(TemplateError {
                        kind: ErrorKind::UnknownFunction(name.to_owned()),
                        message: format!("function `{name}` is not defined"),
                        span: token.span(),
                    });
                }
                Term::Other
            }
            Kind::Variable => {
                let name = self.source(token);
                if !self.vars.contains(&name) {
                    let message = format!("variable `{name}` is not defined");
                    return Err(invalid(message, token.span()));
                }
                Term::Field
            }
            Kind::Field => Term::Field,
            Kind::Dot | Kind::Nil | Kind::Bool => Term::Constant,
            Kind::CharConstant | Kind::Complex | Kind::Number => {
                self.number(token)?;
                Term::Constant
            }
            Kind::String | Kind::RawString => {
                self.unquote(token)?;
                Term::Constant
            }
            Kind::LeftParen => {
                self.nest(token.span())?;
                let close = self.pipeline("parentheses", Kind::RightParen, token.start)?;
                self.depth -= 1;
                return Ok(Some((Term::Other, token.start..close.end)));
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some((term, token.span())))
    }

    /// A string or raw string's value, as Go reads it.
    fn unquote(&self, token: Item) -> Parsed<Vec<u8>> {
        literal::unquote(self.source(token)).ok_or_else(|| {
            let message = format!(
                "{} is not a valid Go string: check its `\\` escapes",
                self.source(token)
            );
            invalid(message, token.span())
        })
    }

    fn number(&self, token: Item) -> Parsed<()> {
        let text = self.source(token);
        let read = match token.kind {
            Kind::CharConstant => literal::char_constant(text),
            kind => literal::number(text, kind == Kind::Complex),
        };
        let hint = match text {
            "-" => "; a trim marker has a space: `{{- ` and ` -}}`",
            _ => "",
        };
        read.map_err(|reason| invalid(format!("`{text}` {reason}{hint}"), token.span()))
    }
}
