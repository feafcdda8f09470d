//! The text scanners of this module held to the parser's own lexer.
//!
//! Three scanners read query text without parsing it, because they run for
//! every query of a build: [`matcher_literals`] (the regexes to read as
//! Go does, and the shapes), [`strip_comments`] (what is composed) and
//! [`is_atomic`] (whether an operand needs parentheses). `promql-parser`'s
//! lexer (`parser::lexer`) would answer the first two, but it copies the
//! query into a `Vec<char>` and a list of tokens on every call: 2.7 µs a
//! call against 0.4 µs for both scanners (a release build, 20,000 calls on
//! an SLI query of 110 bytes with three matchers and a comment). So the
//! scanners stay, and here generated queries (strings with every quote and
//! escape, `#` inside and outside strings, comments between operands,
//! comparisons beside matchers) hold them to the lexer and the parser:
//!
//! - the literals [`matcher_literals`] finds are the string tokens right
//!   after a matcher operator, each with the operator's kind;
//! - [`strip_comments`] keeps every token, in order, with its text;
//! - a query [`is_atomic`] calls atomic is no binary expression.

use lrpar::{Lexeme, Lexer, NonStreamingLexer};
use promql_parser::parser::token::{T_EQL, T_EQL_REGEX, T_NEQ, T_NEQ_REGEX, T_STRING};
use promql_parser::parser::{self, Expr};
use proptest::prelude::*;
use proptest::strategy::Union;

use super::composition::is_atomic;
use super::matchers::matcher_literals;
use super::parse::strip_comments;

/// The lexer's tokens: kind, byte range, text. `None` when it fails.
fn tokens(query: &str) -> Option<Vec<(u16, std::ops::Range<usize>, String)>> {
    let lexer = parser::lexer(query).ok()?;
    lexer
        .iter()
        .map(|lexeme| {
            let lexeme = lexeme.ok()?;
            let span = lexeme.span();
            Some((
                lexeme.tok_id(),
                span.start()..span.end(),
                lexer.span_str(span).to_owned(),
            ))
        })
        .collect()
}

/// The string tokens right after a matcher operator, as the lexer reads
/// them: `(range, regex)`.
fn lexed_matcher_literals(
    tokens: &[(u16, std::ops::Range<usize>, String)],
) -> Vec<(std::ops::Range<usize>, bool)> {
    tokens
        .windows(2)
        .filter(|pair| pair[1].0 == T_STRING)
        .filter_map(|pair| match pair[0].0 {
            id if id == T_EQL || id == T_NEQ => Some((pair[1].1.clone(), false)),
            id if id == T_EQL_REGEX || id == T_NEQ_REGEX => Some((pair[1].1.clone(), true)),
            _ => None,
        })
        .collect()
}

/// A PromQL string literal: every quote, escapes, and the characters the
/// scanners look for (`#`, quotes, operators, brackets).
fn string_literal() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a", "5..", "#", " ", "=", "!=", "=~", "{", "}", "(", ")", ",", "é", ".*", "|",
    ]);
    let escaped = prop::sample::select(vec!["\\\\", "\\n", "\\t"]);
    let body = |quote: &'static str| {
        let other_quotes: Vec<&'static str> = ["\"", "'", "`"]
            .into_iter()
            .filter(|other| *other != quote)
            .collect();
        prop::collection::vec(
            prop_oneof![
                4 => piece.clone().prop_map(str::to_owned),
                1 => prop::sample::select(other_quotes).prop_map(str::to_owned),
                1 => if quote == "`" {
                    Just("\\".to_owned()).boxed()
                } else {
                    prop_oneof![
                        escaped.clone().prop_map(str::to_owned),
                        Just(format!("\\{quote}"))
                    ]
                    .boxed()
                },
            ],
            0..5,
        )
        .prop_map(move |parts| format!("{quote}{}{quote}", parts.concat()))
    };
    prop_oneof![body("\""), body("'"), body("`")]
}

/// A selector with matchers of every operator, spaces around them.
fn selector() -> impl Strategy<Value = String> {
    let matcher = (
        prop::sample::select(vec!["code", "job", "le"]),
        prop::sample::select(vec!["=", "!=", "=~", "!~"]),
        prop::sample::select(vec!["", " "]),
        string_literal(),
    )
        .prop_map(|(label, operator, space, literal)| {
            format!("{label}{space}{operator}{space}{literal}")
        });
    (
        prop::sample::select(vec!["http_requests_total", ""]),
        prop::collection::vec(matcher, 1..3),
    )
        .prop_map(|(name, matchers)| format!("{name}{{{}}}", matchers.join(", ")))
}

/// A query: selectors inside functions, aggregations and binary
/// expressions (comparisons too), with comments at line ends.
fn query() -> impl Strategy<Value = String> {
    let leaf = Union::new(vec![
        selector().boxed(),
        selector()
            .prop_map(|selector| format!("rate({selector}[5m])"))
            .boxed(),
        (selector(), string_literal())
            .prop_map(|(selector, literal)| {
                format!("label_replace({selector}, \"dst\", {literal}, \"src\", \"(.*)\")")
            })
            .boxed(),
    ]);
    leaf.prop_recursive(3, 8, 2, |inner| {
        let comment = prop::sample::select(vec!["", " # 5xx", " # a=\"b\" 'c'", "  # `x` {=~} #"]);
        prop_oneof![
            inner
                .clone()
                .prop_map(|query| format!("sum by (code) ({query})")),
            inner.clone().prop_map(|query| format!("({query})")),
            inner.clone().prop_map(|query| format!("{query} offset 5m")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "/", "==", "!=", "<=", ">=", "> bool", "and", "or", "unless",
                ]),
                comment,
                inner,
            )
                .prop_map(|(left, operator, comment, right)| {
                    if comment.is_empty() {
                        format!("{left} {operator} {right}")
                    } else {
                        format!("{left}{comment}\n  {operator} {right}")
                    }
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_matcher_literals_are_the_lexers(query in query()) {
        // Only what the parser accepts is held to it (a regex it cannot
        // compile, say, is never looked at). Skipped, not rejected: a third
        // of the queries fail to parse, and proptest gives up after 1,024
        // rejects; `the_generated_queries_reach_the_hard_cases` counts
        // what is left.
        if parser::parse(&query).is_err() {
            return Ok(());
        }
        let tokens = tokens(&query).expect("a query that parses lexes");
        prop_assert_eq!(matcher_literals(&query), lexed_matcher_literals(&tokens));
    }

    #[test]
    fn stripping_comments_keeps_every_token(query in query()) {
        // Every query the lexer reads, whether or not it parses.
        let Some(lexed) = tokens(&query) else {
            return Ok(());
        };
        let kept: Vec<(u16, String)> = lexed
            .into_iter()
            .map(|(id, _, text)| (id, text))
            .collect();
        let stripped = strip_comments(&query);
        let after: Vec<(u16, String)> = tokens(&stripped)
            .expect("the stripped query lexes")
            .into_iter()
            .map(|(id, _, text)| (id, text))
            .collect();
        prop_assert_eq!(kept, after, "{}", stripped);
    }

    #[test]
    fn an_atomic_query_is_no_binary_expression(query in query()) {
        let stripped = strip_comments(&query);
        if let Ok(parsed) = parser::parse(&stripped) && is_atomic(&stripped) {
            prop_assert!(!matches!(parsed, Expr::Binary(_)), "{}", stripped);
        }
    }
}

/// The generator reaches what the properties are about: without these,
/// they could pass on queries that never put a scanner to the test.
#[test]
fn the_generated_queries_reach_the_hard_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = query();
    let (mut parsed, mut commented, mut hash_in_string, mut atomic, mut regexes) = (0, 0, 0, 0, 0);
    for _ in 0..2000 {
        let query = strategy.new_tree(&mut runner).expect("a query").current();
        if parser::parse(&query).is_err() {
            continue;
        }
        parsed += 1;
        let tokens = tokens(&query).expect("lexes");
        let literals = lexed_matcher_literals(&tokens);
        commented += usize::from(strip_comments(&query).len() < query.trim().len());
        hash_in_string += usize::from(
            literals
                .iter()
                .any(|(range, _)| query[range.clone()].contains('#')),
        );
        regexes += usize::from(literals.iter().any(|(_, regex)| *regex));
        atomic += usize::from(is_atomic(&strip_comments(&query)));
    }
    for (what, count) in [
        ("queries that parse", parsed),
        ("with comments", commented),
        ("with `#` in a matcher's string", hash_in_string),
        ("with regex matchers", regexes),
        ("atomic", atomic),
    ] {
        assert!(count >= 50, "{what}: {count} of 2000");
    }
}
