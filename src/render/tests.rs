use super::*;

#[test]
fn plain_text_stays_plain_in_markdown() {
    assert_eq!(markdown_text("Requests answered."), "Requests answered.");
    assert_eq!(
        markdown_text("Paid <b>orders</b> -- see [wiki](x) & *all* `x` a|b"),
        "Paid \\<b\\>orders\\</b\\> -- see \\[wiki\\](x) &amp; \\*all\\* \\`x\\` a\\|b"
    );
    assert_eq!(markdown_text("# one\n  - two"), "\\# one\n  \\- two");
    // An ordered list item; an indented code block.
    assert_eq!(markdown_text("a\n1. b\n12) c"), "a\n1\\. b\n12\\) c");
    assert_eq!(markdown_text("a\n\n    b\n\tc\n   d"), "a\n\nb\nc\n   d");
    assert_eq!(markdown_text("a\r# b\r\n- c"), "a\n\\# b\n\\- c");
}

#[test]
fn json_escapes_every_control_character() {
    let json = |text: &str| json_filter(Value::from(text)).unwrap();
    assert_eq!(json("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(
        json("\u{85}{{\n\u{7f}\u{2028}"),
        r#""\u0085{{\n\u007f\u2028""#
    );
    for text in ["\u{85}x", "\u{9f}", "\u{2029}y\u{1}"] {
        let written = json(text);
        assert!(!written.chars().any(needs_escape), "{written:?}");
        let read: String = serde_json::from_str(&written).unwrap();
        assert_eq!(read, text);
    }
}

#[track_caller]
fn case(text: &str, expected: &str) {
    assert_eq!(scalar(text), expected);
    // What the scalar says must read back as the text.
    let read: String = serde_saphyr::from_str(&format!("{expected}\n")).unwrap();
    assert_eq!(read, text);
}

#[test]
fn the_fast_path_agrees_with_the_serializer() {
    let options = serde_saphyr::ser_options! { folded_wrap_chars: usize::MAX };
    for text in [
        "critical",
        "slogen_service",
        "slo:sli_error:ratio_rate5m",
        "a.b/c-d",
        "_x",
        "api",
        "Yes",
        "NULL",
        "n",
        "On",
        "x:",
        "generated/runbooks/api-availability.md",
        "ABC_def",
        r#"ALERTS{alertname="A",alertstate="firing",team="x y"}"#,
        r#"sum(rate(x{code=~"5.."}[5m])) / 2 > 0.5 or vector(0)"#,
        "a, b [c] {d} 'e' \"f\" g=h !i &j *k |l >m %n @o `p` ?q -r",
        "a: b",
        "a #b",
        "a#b",
        "a:b",
        "a ",
        "Off",
        "x\ty",
        "sum(\n  rate(x[5m])\n)\n/ 2",
        "a\n  b\n    c",
        " a\nb",
        "a\n\nb",
        "a \nb",
        "a\nb\n",
        "_1",
        "_0x1F",
        "__1e+5",
        "_a1",
        "_",
        "",
        "5m",
        "6h4m",
        "1d12h",
        "250ms",
        "1w",
        "10y",
        "30s",
        "5",
        "5x",
        "1e3",
        "0x1F",
        "1h5",
        "m5",
        "5mm",
        "1:20",
        "0+60x365 21900x59",
        "1 - slo:x",
    ] {
        let slow = serde_saphyr::to_string_with_options(&text, options.clone()).unwrap();
        assert_eq!(scalar(text), slow.trim_end_matches('\n'), "{text}");
    }
}

proptest::proptest! {
    /// Any text of printable ASCII and line breaks: the fast paths of
    /// [`scalar`] write what the serializer writes.
    #[test]
    fn every_fast_path_agrees_with_the_serializer(
        text in "([0-9]{1,3} [-+*/] )?([ -~\n]{0,12}(: | #|\\{\\{ )?){0,4}|[a-z]{10,40}( #|: |\n\n| \n|\n|[ -~\t])?[a-z ]{0,40}"
    ) {
        if let Some(fast) = fast_scalar(&text) {
            proptest::prop_assert_eq!(fast, serialized_scalar(&text));
        }
    }

    /// Any text: the JSON strings written without the filter are the
    /// filter's.
    #[test]
    fn json_strings_agree_with_the_filter(text in "\\PC*|[\"\\\\\u{0}-\u{1f}\u{7f}-\u{9f}\u{2028}a ]{0,8}|[ -~]{0,40}[\"\\\\\u{0}-\u{1f}\u{7f}-\u{9f}\u{2028}é]?[ -~]{0,40}") {
        let mut written = String::new();
        json_string_into(&mut written, &text);
        proptest::prop_assert_eq!(written, json_filter(Value::from(text.as_str())).unwrap());
    }
}

#[test]
fn scalars_read_back_exactly() {
    case("plain", "plain");
    case("0.999", "\"0.999\"");
    case("yes", "\"yes\"");
    case("{{ $value }}", "\"{{ $value }}\"");
    case("a\nb", "|-\n  a\n  b");
    // Trailing blank lines or spaces would be lost at the end of a file.
    case("a\n\n", "\"a\\n\\n\"");
    case("\n", "\"\\n\"");
    case("a\nb \n", "\"a\\nb \\n\"");
    // Go's YAML parser refuses a block whose first line starts with a tab.
    case("\tb\nc", "\"\\tb\\nc\"");
    case("a\n\tb", "|-\n  a\n  \tb");
    case("a\n", "|\n  a");
    case(r#"{a="b"}"#, r#"'{a="b"}'"#);
    case(
        r#"{__name__=~"a:b|c",x="y"}"#,
        r#"'{__name__=~"a:b|c",x="y"}'"#,
    );
    case("{a}", "\"{a}\"");
    case(r#"{a="b'"}"#, r#""{a=\"b'\"}""#);
    case(r#" "a" #b: "#, r#"' "a" #b: '"#);
    let long = "x".repeat(200);
    case(&long, &long);
}
