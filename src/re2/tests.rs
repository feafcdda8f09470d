//! Regexes as promtool 2.42 (built with Go 1.19.8) and slogen judge them.
//!
//! promtool's verdict on every case (`NotGo`: rejected; the others:
//! accepted) was checked against `promtool check rules` 2.42 with a small
//! script: it reads the table below, writes a rule file with one recording
//! rule per case, `expr: up{job=~"REGEX"}` (the regex quoted for PromQL, the
//! whole expression a JSON string for YAML), runs promtool once and reads
//! which rules its errors name. Rust's side is promql-parser itself, run by
//! the test.

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
        // A double-quoted literal, `\` and `"` escaped (the cases need no
        // other escape, which `promql::quote` would add).
        assert!(!pattern.contains(['\n', '\u{fffd}']), "{pattern}");
        let literal = pattern.replace('\\', "\\\\").replace('"', "\\\"");
        let query = format!("up{{job=~\"{literal}\"}}");
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
