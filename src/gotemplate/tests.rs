//! The parser against promtool: every verdict in [`VERDICTS`] was checked
//! with promtool 2.42 (`promtool check rules`, Go 1.19.8), one rule file per
//! template, the template as an alert's annotation:
//!
//! ```text
//! groups:
//! - name: g
//!   rules:
//!   - alert: A
//!     expr: up == 0
//!     annotations:
//!       a: "<the template, JSON-quoted>"
//! ```
//!
//! `true` where promtool exits 0, `false` where it reports the annotation's
//! template. Prometheus declares `$labels`, `$externalLabels`,
//! `$externalURL` and `$value` before the text, so they are in scope, but not
//! inside `define` or `block`, which start with `$` alone.

use super::{ErrorKind, MAX_NESTING, check};

/// Templates and whether promtool 2.42 accepts them.
const VERDICTS: &[(&str, bool)] = &[
    (r#"{{ $value }}"#, true),
    (r#"{{ $labels.instance }} is down"#, true),
    (r#"{{ $value | humanize }}"#, true),
    (r#"{{ $value | humanizePercentage }}"#, true),
    (r#"{{ humanize1024 $value }}"#, true),
    (r#"{{ humanizeDuration $value }}"#, true),
    (r#"{{ humanizeTimestamp $value }}"#, true),
    (
        r#"{{ with query "up" }}{{ . | first | value }}{{ end }}"#,
        true,
    ),
    (
        r#"{{ range query "up" }}{{ .Labels.job }} {{ .Value }}{{ end }}"#,
        true,
    ),
    (
        r#"{{ with query "up" }}{{ . | first | label "job" }}{{ end }}"#,
        true,
    ),
    (r#"{{ printf "%.2f" $value }}"#, true),
    (
        r#"{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}"#,
        true,
    ),
    (
        r#"{{ title "a b" }} {{ toUpper "a" }} {{ toLower "A" }}"#,
        true,
    ),
    (r#"{{ safeHtml "<b>" }}"#, true),
    (r#"{{ args 1 2 }}"#, true),
    (r#"{{ pathPrefix }}{{ externalURL }}"#, true),
    (r#"{{ parseDuration "1h" }}"#, true),
    (r#"{{ stripPort "a:1" }} {{ stripDomain "a.b" }}"#, true),
    (r#"{{ toTime $value }}"#, true),
    (r#"{{ if match "^a" $labels.job }}a{{ end }}"#, true),
    (r#"{{ graphLink "up" }} {{ tableLink "up" }}"#, true),
    (
        r#"{{ range query "up" | sortByLabel "job" }}{{ end }}"#,
        true,
    ),
    (r#"{{ strvalue $value }}"#, true),
    (r#"{{ tmpl "x" . }}"#, false),
    (r#"{{ toDuration 1 }}"#, false),
    (r#"{{ now }}"#, false),
    (r#"{{ urlQueryEscape "a" }}"#, false),
    (r#"{{ humanise $value }}"#, false),
    (r#"{{ $value | nosuch | toUpper }}"#, false),
    (r#"{{ Humanize $value }}"#, false),
    (
        r#"{{ and 1 2 }} {{ or 1 2 }} {{ not 1 }} {{ len "ab" }}"#,
        true,
    ),
    (r#"{{ index $labels "job" }} {{ slice "abc" 1 2 }}"#, true),
    (r#"{{ print 1 }} {{ println 2 }}"#, true),
    (
        r#"{{ eq 1 1 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 1 2 }} {{ gt 2 1 }} {{ ge 2 1 }}"#,
        true,
    ),
    (r#"{{ html "<" }} {{ js "'" }} {{ urlquery "a b" }}"#, true),
    (r#"{{ call $value }}"#, true),
    (r#"{{ $x := 1 }}{{ $x }}"#, true),
    (r#"{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"#, true),
    (r#"{{ $undefined = 1 }}"#, true),
    (r#"{{ $nosuch }}"#, false),
    (r#"{{ $x := 1 }}{{ $y }}"#, false),
    (r#"{{ $externalURL }} {{ $externalLabels.env }}"#, true),
    (r#"{{ $.Labels.job }}"#, true),
    (r#"{{ $ := 1 }}"#, true),
    (r#"{{ $labels := 1 }}{{ $labels }}"#, true),
    (r#"{{ $x := .Labels }}{{ $x.job }}"#, true),
    (r#"{{ $labels.a.b.c }}"#, true),
    (
        r#"{{ range $i, $e := $labels }}{{ $i }}={{ $e }}{{ end }}"#,
        true,
    ),
    (r#"{{ range $e := $labels }}{{ $e }}{{ end }}"#, true),
    (r#"{{ range $i, $e := . }}{{ end }}{{ $i }}"#, false),
    (r#"{{ with $x := 1 }}{{ $x }}{{ end }}"#, true),
    (r#"{{ with $x := 1 }}{{ end }}{{ $x }}"#, false),
    (r#"{{ if true }}{{ $x := 1 }}{{ $x }}{{ end }}"#, true),
    (r#"{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}"#, false),
    (r#"{{ $x := 1 }}{{ if 1 }}{{ $x }}{{ end }}"#, true),
    (r#"{{ $x, $y := 1 }}"#, false),
    (r#"{{ range $a, $b, $c := . }}{{ end }}"#, false),
    (r#"{{ range $a, 1 }}{{ end }}"#, false),
    (r#"{{ $x.y := 1 }}"#, false),
    (r#"{{ $x=1 }}"#, false),
    (r#"{{ define "x" }}{{ $labels }}{{ end }}"#, false),
    (r#"{{ define "x" }}{{ $ }}{{ end }}"#, true),
    (r#"{{ block "x" 1 }}{{ $value }}{{ end }}"#, false),
    (r#"{{ block "x" 1 }}{{ . }}{{ end }}"#, true),
    (
        r#"{{- if gt $value 1.0 -}} hi {{- else -}} lo {{- end -}}"#,
        true,
    ),
    (
        r#"{{ if eq (len $labels) 2 }}two{{ else if gt $value 1.0 }}big{{ else }}small{{ end }}"#,
        true,
    ),
    (r#"{{ if 1 }}{{ else if 2 }}{{ else if 3 }}{{ end }}"#, true),
    (
        r#"{{ with $labels.x }}{{ . }}{{ else }}none{{ end }}"#,
        true,
    ),
    (r#"{{ end }}"#, false),
    (r#"{{ else }}"#, false),
    (r#"{{ if }}"#, false),
    (r#"{{ if }}{{ end }}"#, false),
    (r#"{{ range }}{{ end }}"#, false),
    (r#"{{ with }}{{ end }}"#, false),
    (r#"{{ if $value }}open"#, false),
    (r#"{{ range $labels }}{{ end }}{{ end }}"#, false),
    (r#"{{ with 1 }}a{{ else with 2 }}b{{ end }}"#, false),
    (r#"{{ with 1 }}a{{ else if 2 }}b{{ end }}"#, false),
    (r#"{{ range . }}a{{ else if 2 }}b{{ end }}"#, false),
    (r#"{{ if 1 }}a{{ else }}b{{ else }}c{{ end }}"#, false),
    (r#"{{ end 1 }}"#, false),
    (r#"{{ else 1 }}"#, false),
    (r#"{{ if 1 }}{{ else }}"#, false),
    (r#"{{ break }}"#, false),
    (r#"{{ continue }}"#, false),
    (r#"{{ range $labels }}{{ break }}{{ end }}"#, true),
    (
        r#"{{ range $labels }}{{ if . }}{{ continue }}{{ end }}{{ end }}"#,
        true,
    ),
    (r#"{{ if 1 }}{{ break }}{{ end }}"#, false),
    (r#"{{ range . }}{{ else }}{{ break }}{{ end }}"#, false),
    (
        r#"{{ range . }}{{ block "b" . }}{{ break }}{{ end }}{{ end }}"#,
        false,
    ),
    (r#"{{ range . }}{{ break 1 }}{{ end }}"#, false),
    (
        r#"{{ range . }}{{ range . }}{{ break }}{{ end }}{{ continue }}{{ end }}"#,
        true,
    ),
    (
        r#"{{ define "x" }}{{ range . }}{{ break }}{{ end }}{{ end }}"#,
        true,
    ),
    (r#"{{ define "x" }}x{{ end }}{{ template "x" }}"#, true),
    (r#"{{ template "x" . }}"#, true),
    (r#"{{ template `x` }}"#, true),
    (r#"{{ template x }}"#, false),
    (r#"{{ template "x" | }}"#, false),
    (r#"{{ template "x" 1 | 2 }}"#, false),
    (r#"{{ block "b" . }}{{ . }}{{ end }}"#, true),
    (r#"{{ block "b" }}x{{ end }}"#, false),
    (
        r#"{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}"#,
        false,
    ),
    (
        r#"{{ define "a" }} {{ end }}{{ define "a" }}y{{ end }}"#,
        true,
    ),
    (
        r#"{{ define "a" }}x{{ end }}{{ define `a` }}{{/* c */}}{{ end }}"#,
        true,
    ),
    (r#"{{ define "a" }}x{{ else }}y{{ end }}"#, false),
    (r#"{{ define "a" }}x"#, false),
    (r#"{{ define a }}x{{ end }}"#, false),
    (r#"{{ if 1 }}{{ define "a" }}x{{ end }}{{ end }}"#, false),
    (r#"{{ define "\q" }}{{ end }}"#, false),
    (r#"{{"#, false),
    (r#"a {{ b"#, false),
    (r#"{{ $labels.instance is down"#, false),
    (r#"{{ x }} {{ "}}"#, false),
    (r#"{{ `}}"#, false),
    (r#"{{/* }}"#, false),
    (r#"{{/* a comment ( */}}"#, true),
    (r#"{{- /* trimmed */ -}}"#, true),
    (r#"{{/* c */ }}"#, false),
    (r#"{{ /* c */ }}"#, false),
    (r#"{{ "{{" }} literal and }} outside"#, true),
    (r#"a }} b"#, true),
    (r#"}}"#, true),
    (r#"{{ {{ }}"#, false),
    (r#"{{ `raw {{ }}` }}"#, true),
    (r#"{{- -}}"#, false),
    (r#"{{- 3 -}}"#, true),
    (r#"{{-3}}"#, true),
    (r#"{{-$value}}"#, false),
    (r#"{{ $value -}}"#, true),
    (r#"{{ $value -}"#, false),
    ("{{ $value\n}}", true),
    ("{{\n$value\n}}", true),
    (r#"{{ $value |humanize }}"#, true),
    (r#"{{$value|humanize}}"#, true),
    (r#"{{ }}"#, false),
    (r#"{{ ( ) }}"#, false),
    (r#"{{ len (  ) }}"#, false),
    (r#"{{ (( }}"#, false),
    (r#"{{ ) }}"#, false),
    (r#"{{ (1 }}"#, false),
    (r#"{{ 1) }}"#, false),
    (r#"{{ (1) }}"#, true),
    (r#"{{ 1 | 2 }}"#, false),
    (r#"{{ (1 | 2) }}"#, false),
    (r#"{{ 1 | true }}"#, false),
    (r#"{{ $value | "a" }}"#, false),
    (r#"{{ $value | nil }}"#, false),
    (r#"{{ $value | . }}"#, false),
    (r#"{{ $value | printf "%.1f" | printf "%s!" }}"#, true),
    (r#"{{ 1 | printf "%d" }}"#, true),
    (r#"{{ "a" | printf "%s" }}"#, true),
    (r#"{{ 1 | }}"#, true),
    (r#"{{ | 1 }}"#, false),
    (r#"{{ 1 || 2 }}"#, false),
    (r#"{{ printf "%s" if }}"#, false),
    (r#"{{ $value ; }}"#, false),
    (r#"{{ a-b }}"#, false),
    (r#"{{ $labels[0] }}"#, false),
    ("{{ $value \u{1} }}", false),
    (r#"{{ $value ♥ }}"#, false),
    (r#"{{ : }}"#, false),
    (r#"{{ 3 -3 }}"#, true),
    (r#"{{ 1.2.3 }}"#, false),
    (r#"{{ nil }}"#, true),
    (r#"{{ . }}"#, true),
    (r#"{{ .Labels.job }} {{ .Value }}"#, true),
    (r#"{{ (printf "%s" "a").x }}"#, true),
    (r#"{{ printf "%s" (index $labels "job") }}"#, true),
    (r#"{{ $labels. }}"#, false),
    (r#"{{ $labels.}}"#, false),
    (r#"{{ "a".b }}"#, false),
    (r#"{{ true.x }}"#, false),
    (r#"{{ nil.x }}"#, false),
    (r#"{{ ..x }}"#, false),
    (r#"{{ 'a'.x }}"#, false),
    (r#"{{ (1).x }}"#, true),
    (r#"{{ 1.x }}"#, false),
    (r#"{{ 'ab' }}"#, false),
    (r#"{{ '' }}"#, false),
    (
        r#"{{ 'a' }} {{ '\n' }} {{ '\x41' }} {{ '\u00e9' }} {{ '\377' }}"#,
        true,
    ),
    (r#"{{ '\400' }}"#, false),
    (r#"{{ '\"' }}"#, false),
    (r#"{{ "\'" }}"#, false),
    (r#"{{ "\t\"\\" }}"#, true),
    (r#"{{ "a\qb" }}"#, false),
    (r#"{{ "\ud800" }}"#, false),
    (r#"{{ "\U00110000" }}"#, false),
    (r#"{{ "\xff" }}"#, true),
    (r#"{{ "abc }}"#, false),
    ("{{ \"ab\nc\" }}", false),
    (r#"{{ 'a }}"#, false),
    (r#"{{ 'é' }}"#, true),
    (r#"{{ "é" }}"#, true),
    ("{{ `a\nb` }}", true),
    (
        r#"{{ 1 }} {{ -1 }} {{ +1 }} {{ 1.5 }} {{ .5 }} {{ 1e3 }} {{ 1E-3 }}"#,
        true,
    ),
    (
        r#"{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ 1_000 }}"#,
        true,
    ),
    (r#"{{ 0x1p4 }} {{ 0x1.8p1 }}"#, true),
    (r#"{{ 1i }} {{ 1+2i }} {{ 1.5e3-2.5i }}"#, true),
    (r#"{{ true }} {{ false }}"#, true),
    (r#"{{ 0_7 }} {{ 0x_1 }}"#, true),
    (r#"{{ -0 }}"#, true),
    (r#"{{ .5e3 }}"#, true),
    (r#"{{ 1. }}"#, true),
    (r#"{{ 18446744073709551615 }}"#, true),
    (r#"{{ -9223372036854775808 }}"#, true),
    (r#"{{ 1e-400 }}"#, true),
    (r#"{{ 089 }}"#, false),
    (r#"{{ 1e400 }}"#, false),
    (r#"{{ 0x1+2i }}"#, false),
    (r#"{{ 1__0 }}"#, false),
    (r#"{{ 1_ }}"#, false),
    (r#"{{ 0x }}"#, false),
    (r#"{{ 0b102 }}"#, false),
    (r#"{{ 1e }}"#, false),
    (r#"{{ 0x1.8 }}"#, false),
    (r#"{{ 0x1i }}"#, false),
    (r#"{{ 1+i }}"#, false),
    (r#"{{ 3- }}"#, false),
    (r#"{{ 18446744073709551616 }}"#, false),
    (r#"{{ -9223372036854775809 }}"#, false),
    (r#"{{ 0x1p2000 }}"#, false),
    (r#"{{ 1e+1i }}"#, true),
    (r#"{{ 1+2i+3i }}"#, false),
    (r#"{{ - }}"#, false),
    (r#"{{ + }}"#, false),
    (r#"{{ . 5 }}"#, true),
];

#[test]
fn verdicts_are_promtools() {
    let mut wrong = Vec::new();
    for (text, accepted) in VERDICTS {
        let verdict = check(text);
        if verdict.is_ok() != *accepted {
            wrong.push(format!("{text:?}: {verdict:?}"));
        }
        if let Err(error) = verdict {
            let span = error.span.clone();
            assert!(
                span.start < span.end && text.get(span).is_some(),
                "{text:?}: {error:?}"
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differ from promtool:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The error names the token at fault.
#[test]
fn errors_point_at_the_token() {
    fn at(text: &str) -> (ErrorKind, &str) {
        let error = check(text).unwrap_err();
        (error.kind, &text[error.span])
    }
    let invalid = ErrorKind::Invalid;
    assert_eq!(at("a {{ $value"), (ErrorKind::Unclosed, "{{"));
    assert_eq!(at("{{/* open"), (ErrorKind::Unclosed, "{{/*"));
    let unknown = |name: &str| ErrorKind::UnknownFunction(name.to_owned());
    assert_eq!(
        at("{{ $value | humanise }}"),
        (unknown("humanise"), "humanise")
    );
    assert_eq!(
        at("{{ $labels.instance is down"),
        (ErrorKind::Unclosed, "{{")
    );
    assert_eq!(at("{{ x }} {{ /* open"), (ErrorKind::Unclosed, "{{"));
    assert_eq!(at("{{ x }} {{ \"}}"), (unknown("x"), "x"));
    assert_eq!(at("{{ /* open"), (ErrorKind::Unclosed, "{{"));
    assert_eq!(at("x {{ }}"), (invalid.clone(), "{{ }}"));
    assert_eq!(at("{{ len ( ) }}"), (invalid.clone(), "( )"));
    assert_eq!(at("{{ 1 | 2 }}"), (invalid.clone(), "2"));
    assert_eq!(
        at("{{ $value | printf \"%d\" | \"x\" }}"),
        (invalid.clone(), "\"x\"")
    );
    assert_eq!(
        at("{{ range . }}{{ end }}{{ break }}"),
        (invalid.clone(), "{{ break }}")
    );
    assert_eq!(at("{{ 'ab' }}"), (invalid.clone(), "'ab'"));
    assert_eq!(at("{{ $labels. }}"), (invalid.clone(), "."));
    assert_eq!(at("{{ $nosuch }}"), (invalid.clone(), "$nosuch"));
    assert_eq!(
        at("{{ if $value }}a{{ else }}b"),
        (invalid.clone(), "{{ if $value }}")
    );
    assert_eq!(at("{{ (1 }}"), (invalid.clone(), "("));
    assert_eq!(at("{{ 1e400 }}"), (invalid.clone(), "1e400"));
    assert_eq!(at("{{ \"a\".b }}"), (invalid.clone(), ".b"));
    assert_eq!(
        at("{{ define \"a\" }}x{{ end }}{{ define `a` }}y{{ end }}"),
        (invalid, "`a`")
    );
    let error = check("{{ 089 }}").unwrap_err();
    assert!(error.message.contains("octal"), "{error:?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let parens = |levels: usize| format!("{{{{ {}1{} }}}}", "(".repeat(levels), ")".repeat(levels));
    let blocks = |levels: usize| {
        format!(
            "{}{}",
            "{{ if 1 }}".repeat(levels),
            "{{ end }}".repeat(levels)
        )
    };
    assert_eq!(check(&parens(MAX_NESTING)), Ok(()));
    assert_eq!(check(&blocks(MAX_NESTING)), Ok(()));
    for text in [parens(100_000), blocks(100_000)] {
        let error = check(&text).unwrap_err();
        assert!(error.message.contains("nests more than"), "{error:?}");
    }
}
