use super::composition::is_atomic;
use super::matchers::unquote;
use super::parse::{MAX_NESTING, MAX_OPERATORS, series_verdict, size};
use super::shape::{regex_matcher, shape};
use promql_parser::parser::{self, Expr};

#[test]
fn ratio_sides_count_per_second_or_per_window() {
    use super::Counting::{Increase, Rate};
    let counting = |query: &str| super::ratio_side(query).counting;
    assert_eq!(counting("sum(rate(a[5m]))"), Some(Rate));
    assert_eq!(counting("sum(irate(a[5m]))"), Some(Rate));
    assert_eq!(counting("sum(increase(a[5m]))"), Some(Increase));
    // Both, neither, or a rate summed back over a window.
    assert_eq!(counting("sum(rate(a[5m])) + sum(increase(b[5m]))"), None);
    assert_eq!(counting("sum(a)"), None);
    assert_eq!(counting("sum(sum_over_time(rate(a[1m])[5m:1m]))"), None);
}

#[test]
fn ratio_sides_match_when_grouped_alike() {
    let grouping = |query: &str| super::ratio_side(query).grouping;
    let pairing = |left: &str, right: &str| grouping(left).pairing(&grouping(right));
    let matches = |left: &str, right: &str| pairing(left, right) == super::Pairing::Alike;
    assert!(matches("sum(rate(a[5m]))", "sum(rate(b[5m]))"));
    assert!(matches("sum by (b, a) (x)", "(sum by (a, b, a) (y))"));
    assert!(matches("sum without (i) (x)", "sum without (i) (y)"));
    assert!(matches("rate(a[5m])", "b"));
    assert!(matches("sum without () (a)", "rate(b[5m])"));
    // Only the data can tell.
    assert!(matches("sum(a) / 2", "sum by (j) (b)"));
    assert!(matches("topk(1, a)", "sum(b)"));
    assert!(matches(
        "label_replace(a, \"x\", \"y\", \"z\", \".*\")",
        "sum(b)"
    ));
    let never = |left: &str, right: &str| pairing(left, right) == super::Pairing::Never;
    assert!(never("sum by (j) (a)", "sum(b)"));
    assert!(never("sum without (i) (a)", "sum without (i, c) (b)"));
    // Only labels the data does not have would make these pair.
    let unsure = |left: &str, right: &str| pairing(left, right) == super::Pairing::Unsure;
    assert!(unsure("sum without (i) (a)", "sum by (j) (b)"));
    assert!(unsure("rate(a[5m])", "sum(rate(b[5m]))"));
    assert!(unsure("sum without (i) (a)", "b"));
}

use super::*;

/// Sharing regexes parses every query to what the parser makes of it.
#[test]
fn regexes_shared_parse_alike() {
    for query in [
        r#"sum(rate(x{code=~"5..",job="a"}[5m]))"#,
        r#"x{code !~ "5..", a=~'b|c', d=~`e\.f`}"#,
        r#"x{a=~"\\d+\"q"}"#,
        r#"{__name__=~"x.*", a="b"}"#,
        r#"{__name__=~"x.*"}"#,
        r#"{a=~".*"}"#,
        r#"{a=~"x" or b!~"y"}"#,
        r#"x{a=~"("}"#,
        r#"x{a=~"slogen_regex_0"} + y{b=~"c"}"#,
        r#"label_replace(x{a=~"b"}, "c", "$1", "d", "=~(.*)")"#,
        "x{a=~\"b\"} # c=~\"d\"",
        r#"sum by (a) (rate(x{a=~"b"}[5m] offset 1h)) / on (a) group_left max(y{a!~"c"})"#,
        r#"max_over_time(x{a=~"b"}[1h:5m]) > bool 1"#,
        "-x{a=~\"b\"}",
        "x{a=~}",
        r#"x{__name__=~"y"}"#,
        r#"x{__name__!~"y"}"#,
        r#"{__name__!~"y"}"#,
        r#"{a!~"x"}"#,
        r#"{a!~"x", b=~"y"}"#,
        r#"x{a=~"b"}[5m]"#,
        r#"x{a=~"é+", b=~"\u00e9"}"#,
        // Label values that spell a stand-in with escapes.
        r#"x{a="slogen\x5fregex_0", b=~"c"}"#,
        r#"x{a="slogen\u005fregex_0", b=~"c"}"#,
        r#"x{a!="slogen\x5fregex_0", b!~"c"}"#,
        r#"{"slogen\x5fregex_0", a=~"b"}"#,
        r#"x{a="slogen\x5fregex_1", b=~"c"}"#,
        r#"x{a="slogen\x5fregex_00", b=~"c"}"#,
    ] {
        let shared = parse_sharing_regexes(query);
        assert_eq!(shared, parser::parse(query), "{query}");
        // Twice: the second time from what was kept.
        assert_eq!(parse_sharing_regexes(query), shared, "{query}");
    }
}

#[test]
fn shapes_stand_in_for_literals_and_keep_the_verdict() {
    assert_eq!(
        shape(r#"rate(x{code=~"5..", path!~'/a|/b'}[5m]) # =~"c""#),
        r#"rate(x{code=~".+", path!~".+"}[5m]) # =~"c""#
    );
    assert_eq!(shape(r#"x{a="=~\"b"}"#), r#"x{a="=~\"b"}"#);
    let queries = [
        r#"sum(rate(x{code=~"5.."}[5m]))"#,
        r#"x{code=~"(5.."}"#,
        r#"{code=~".*"}"#,
        r#"{code=~".+"}"#,
        r#"{code!~"5.."}"#,
        r#"{code!~""}"#,
        r#"x{code=~"a\"b"}"#,
        r#"x{code=~`a\d`}"#,
        r#"{__name__=~"x.*", job="a"}"#,
        r#"x{__name__=~"x.*"}"#,
        r#"rate(x{a=~"b"}[5m])"#,
        r#"{a=""}"#,
        r#"{a="b"}"#,
        r#"{a!=""}"#,
        r#"{a!="b"}"#,
        r#"{a='b', c=""}"#,
        r#"x{__name__="y"}"#,
        r#"{__name__="x-y"}"#,
        r#"x{a="b\"c"}"#,
        r#"x{a=`b`}"#,
        r#"x == "a""#,
        r#"x >= 1 and y{a="b"} <= 2"#,
        r#"label_replace(x{a="b"}, "dst", "$1", "src", "(.*)")"#,
        r#"count_values("a-b", x)"#,
        "x{a=\"b\nc\"}",
        r#"x{a="b""#,
        r#"x{a="#,
        r#"sum by (a) (x{a="b"}) / on (a) group_left y{c!~"d", e="f"}"#,
        "x{a=~#\r`\n=\"(\"`}",
        "x{a=~#\r`\n=~\"\\\\(\"`}",
        "x{a=\"b\"} # c=\"d\"\r+ y{e=\"\"}",
    ];
    for query in queries {
        // Twice: the second answer may come from the kept shapes.
        for _ in 0..2 {
            assert_eq!(
                check_instant_vector(query),
                parse_instant_vector(query).map(|_| ()),
                "{query}"
            );
            assert_eq!(
                check_query(query),
                parser::parse(query).map(|_| ()),
                "{query}"
            );
            assert_eq!(parse_series(query), series_verdict(query), "{query}");
        }
    }
    assert!(check_instant_vector(r#"x{code=~"(5.."}"#).is_err());
    assert!(check_instant_vector(r#"{code=~".*"}"#).is_err());
    assert_eq!(
        shape(r#"x{a="b", c!="", d=~"e"} == 1 and y{f='g'}"#),
        r#"x{a="x", c!="", d=~".+"} == 1 and y{f="x"}"#
    );
    assert_eq!(
        shape(r#"label_replace(x, "dst", "$1", "src", "(.*)")"#),
        r#"label_replace(x, "dst", "$1", "src", "(.*)")"#
    );
}

#[test]
fn regexes_prometheus_reads_otherwise_are_errors_located_in_the_query() {
    let query = r#"sum(rate(x{a="b", code=~"(?<c>5)..", d!~'[a&&b]'}[5m]))"#;
    // Twice: the second answer may come from the kept shapes.
    for _ in 0..2 {
        let Err(QueryError::Regex(error)) = check_instant_vector(query) else {
            panic!("{query}")
        };
        assert_eq!(&query[error.at.clone()], "(?<c>");
        assert_eq!(error.regex, "(?<c>5)..");
        assert_eq!(error.help, "write `(?P<c>…)`");
        assert_eq!(parse_instant_vector(query), Err(QueryError::Regex(error)));
        let message = check_query(query).unwrap_err();
        assert!(message.starts_with("regex `(?<c>5)..`: "), "{message}");
    }
    let at = |query: &str| match check_instant_vector(query) {
        Err(QueryError::Regex(error)) => query[error.at].to_owned(),
        other => panic!("{query}: {other:?}"),
    };
    assert_eq!(at(r#"x{a!~'[a&&b]'}"#), "&&");
    assert_eq!(at(r#"x{a=~"\\d\\u0041"}"#), r"\\u0041");
    assert_eq!(at(r#"x{a=~"\x5cu0041"}"#), r"\x5cu0041");
    assert_eq!(at("x{a=~`a.{1001}`}"), "{1001}");
    assert_eq!(at(r#"{a=~"x", b=~"a)|(b"} or y"#), ")");
    // Regexes Go reads alike pass, before and after a shape is kept.
    for query in [
        r#"x{a=~"(?P<c>5).."}"#,
        r#"y{b=~"5.."}"#,
        r#"y{b=~"a{bbb}"}"#,
    ] {
        assert_eq!(check_instant_vector(query), Ok(()), "{query}");
        assert_eq!(check_query(query), Ok(()), "{query}");
    }
    // The shape of this query was kept above: its regex still counts.
    assert!(check_instant_vector(r#"y{b=~"5{01}"}"#).is_err());
    assert!(check_query(r#"y{b=~"5{01}"}"#).is_err());
}

#[test]
fn literals_unquote_as_the_parser_reads_them() {
    for literal in [
        r#""a\\.b""#,
        r#"'it\'s'"#,
        r#""\x41\u00e9\U0001F600\101\a\t\"""#,
        "`[a&&b]+`",
        r#""é\\p{Greek}""#,
    ] {
        let (text, starts) = unquote(literal).unwrap();
        assert_eq!(
            Some(text.clone()),
            regex_matcher(literal, false).map(|(_, value)| value)
        );
        assert_eq!(starts.len(), text.len() + 1, "{literal}");
        assert_eq!(starts.last(), Some(&(literal.len() - 1)));
    }
    let (_, starts) = unquote(r#""a\x41é""#).unwrap();
    assert_eq!(starts, [1, 2, 6, 6, 8]);
    for literal in [
        r#""a"b""#, r#""\q""#, r#""\x4""#, "`a`b`", "'a\nb'", "\"", "x",
    ] {
        assert_eq!(unquote(literal), None, "{literal}");
    }
}

#[test]
fn fills_every_placeholder() {
    assert_eq!(
        fill_window("rate(x[{{window}}]) / rate(y[{{ window }}])", "5m"),
        "rate(x[5m]) / rate(y[5m])"
    );
    assert_eq!(fill_window("no placeholder", "5m"), "no placeholder");
    assert!(!has_window_placeholder("rate(x[{{.window}}])"));
    assert_eq!(
        foreign_placeholder("rate(x[{{.window}}])"),
        Some("{{.window}}".to_owned())
    );
    assert_eq!(foreign_placeholder("rate(x[{{window}}])"), None);
}

#[test]
fn only_vectors_are_rules() {
    assert!(parse_instant_vector("sum(rate(x[5m]))").is_ok());
    assert_eq!(
        parse_instant_vector("x[5m]"),
        Err(QueryError::NotVector("matrix".to_owned()))
    );
    assert_eq!(
        parse_instant_vector("1"),
        Err(QueryError::NotVector("scalar".to_owned()))
    );
    assert!(matches!(
        parse_instant_vector("sum(rate(x[5m])"),
        Err(QueryError::Parse(_))
    ));
}

#[test]
fn operands_get_parentheses_when_needed() {
    #[track_caller]
    fn case(query: &str, atomic: bool) {
        assert_eq!(is_atomic(query), atomic, "{query}");
        // The scan never calls something atomic that the parser sees as
        // a binary expression.
        if atomic {
            let parsed = parser::parse(query).unwrap();
            assert!(!matches!(parsed, Expr::Binary(_)), "{query}");
        }
    }
    case("sum(rate(x[5m]))", true);
    case("sum by (job) (rate(x{code=~\"5..\"}[5m]))", true);
    case("x{a=\"b-c\"} offset 5m", true);
    case("histogram_quantile(0.9, sum by (le) (rate(h[5m])))", true);
    case("a + b", false);
    case("a or b", false);
    case("a unless on (x) b", false);
    case("1 - sum(x)", false);
    case("x > 0.5", false);
    case("sum(x) / sum(y)", false);
    assert_eq!(operand("sum(rate(x[5m]))"), "sum(rate(x[5m]))");
    assert_eq!(operand("a + b"), "(a + b)");
    assert_eq!(operand("a\n+ b"), "(\n  a\n  + b\n)");
}

#[test]
fn names() {
    assert!(is_label_name("endpoint"));
    assert!(!is_label_name("__name__"));
    assert!(!is_label_name("0bad"));
    assert!(!is_label_name("a-b"));
    assert!(is_metric_name("slo:sli_error:ratio_rate5m"));
    assert!(!is_metric_name("bad metric"));
}

#[test]
fn template_text_is_escaped() {
    assert_eq!(
        escape_template_text("a {{ b }} $c"),
        "a {{ \"{{\" }} b }} $c"
    );
    assert_eq!(quote("a\"b\\"), "\"a\\\"b\\\\\"");
    // Prometheus refuses a raw U+FFFD in a string literal.
    assert_eq!(quote("a\u{fffd}"), "\"a\\ufffd\"");
    let parsed = parser::parse(&format!("x{{a={}}}", quote("\u{fffd}\n"))).unwrap();
    let Expr::VectorSelector(selector) = parsed else {
        panic!("not a selector");
    };
    assert_eq!(selector.matchers.matchers[0].value, "\u{fffd}\n");
}

#[test]
fn a_long_operator_chain_is_an_error_not_a_hang() {
    let chain = |terms: usize| vec!["a"; terms].join(" + ");
    assert!(check_instant_vector(&chain(MAX_OPERATORS + 1)).is_ok());
    for query in [
        chain(MAX_OPERATORS + 2),
        chain(50_000),
        vec!["a"; 50_000].join(" and "),
        vec!["a"; 50_000].join("*"),
    ] {
        let error = match check_instant_vector(&query) {
            Err(QueryError::Parse(error)) => error,
            other => panic!("{other:?}"),
        };
        assert!(error.contains("binary operators"), "{error}");
    }
    // Matchers, commas and signs are no operators.
    let size = size("sum by (a, b) (x{a=\"1\", b!=\"2\"}) - -1 or on (a) y");
    assert_eq!(size.operators, 2);
}

#[test]
fn a_parse_error_is_placed_where_the_brackets_or_last_operator_tell() {
    fn place(query: &str) -> Option<&str> {
        parse_error_place(query).map(|at| &query[at])
    }
    assert_eq!(place("sum(rate(x[5m])) +"), Some("+"));
    assert_eq!(place("sum(rate(x[5m])) > = "), Some("> ="));
    assert_eq!(place("sum(rate(x[5m])"), Some("("));
    assert_eq!(place("sum(rate(x[5m]))) "), Some(")"));
    assert_eq!(place("sum(x{a=\")\"]"), Some("]"));
    assert_eq!(place("sum(x) # )"), None);
    assert_eq!(place("sum by (a) x"), None);
}

#[test]
fn comments_are_not_composed() {
    assert_eq!(
        strip_comments("sum(rate(x{code=~\"5..\"}[{{window}}])) # 5xx"),
        "sum(rate(x{code=~\"5..\"}[{{window}}]))"
    );
    assert_eq!(
        strip_comments("# errors\nsum(a{b=\"#1\"})  # not '#'\n  / 2\n"),
        "sum(a{b=\"#1\"})\n  / 2"
    );
    assert_eq!(strip_comments("x"), "x");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let nesting = |query| size(query).nesting;
    assert_eq!(nesting("sum(rate(x{a=\"((((\"}[5m]))"), 3);
    assert_eq!(nesting("- -x - -(y)"), 2);
    assert_eq!(nesting("1e-5 - 2"), 0);
    assert_eq!(nesting("# \"(\n(x)"), 1);
    assert_eq!(nesting("# ((\r(x) # '"), 1);
    let deep = |open: &str, close: &str, levels: usize| {
        format!("{}x{}", open.repeat(levels), close.repeat(levels))
    };
    for query in [
        deep("(", ")", MAX_NESTING),
        deep("-", "", MAX_NESTING),
        deep("- ", "", MAX_NESTING),
    ] {
        assert!(check_instant_vector(&query).is_ok(), "{query}");
    }
    for query in [
        deep("(", ")", 100_000),
        deep("-", "", 100_000),
        deep("+(", ")", 60_000),
        deep("sum(", ")", 60_000),
        format!("# \"\n{}", deep("(", ")", 100_000)),
    ] {
        let error = match check_instant_vector(&query) {
            Err(QueryError::Parse(error)) => error,
            other => panic!("{other:?}"),
        };
        assert!(error.contains("nests more than"), "{error}");
        assert!(parse_sharing_regexes(&query).is_err());
    }
}

#[test]
fn escaped_text_is_a_template_prometheus_accepts() {
    for text in [
        "{{",
        "}}",
        "{{{",
        "}}}",
        "\\{{ \\",
        "{{ \"{{\" }}",
        "{{/* a",
        "{{ if }}",
    ] {
        let escaped = escape_template_text(text);
        assert_eq!(crate::gotemplate::check(&escaped), Ok(()), "{escaped}");
    }
}

#[test]
fn grouping_labels_are_the_outermost_by_labels_of_each_shape() {
    let grouped = |query: &str| grouping_labels(query);
    assert_eq!(
        grouped(r#"sum by (route, code) (rate(x{job="a"}[5m]))"#),
        ["code", "route"]
    );
    // Same shape, other label values: the kept result holds.
    assert_eq!(
        grouped(r#"sum by (route, code) (rate(x{job="b"}[5m]))"#),
        ["code", "route"]
    );
    // Same values, other label names: another shape, another result.
    assert_eq!(grouped(r#"sum by (zone) (rate(x{job="a"}[5m]))"#), ["zone"]);
    assert_eq!(grouped(r"(sum by (zone) (x))"), ["zone"]);
    for ungrouped in [
        "sum(rate(x[5m]))",
        "sum without (pod) (rate(x[5m]))",
        "rate(x[5m])",
        "sum by (a) (x) / sum by (a) (y)",
        "sum by (",
    ] {
        assert!(grouped(ungrouped).is_empty(), "{ungrouped}");
    }
}
