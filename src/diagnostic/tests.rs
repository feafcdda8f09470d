use crate::source::SourceFile;

use super::*;

#[test]
fn suggestions_catch_typos_only() {
    assert_eq!(
        suggest("objectiv", ["name", "objective"]),
        Some("objective".to_owned())
    );
    assert_eq!(suggest("tem", ["team", "name"]), Some("team".to_owned()));
    assert_eq!(suggest("zzzzzz", ["name", "objective"]), None);
}

#[test]
fn human_rendering_points_at_the_source() {
    let source = SourceFile::new("slo/api.toml", "[service]\nname = \"api\"\ntem = \"x\"\n");
    let diagnostic = Diagnostic::at(
        Problem::UnknownKey {
            key: "tem".to_owned(),
            table: "[service]".to_owned(),
            suggestion: Some("team".to_owned()),
            expected: vec![],
        },
        &source.path,
        23..26,
    );
    let text = render(&[diagnostic], &[source], Format::Human, false);
    assert_eq!(
        text,
        "error[unknown-key]: unknown key `tem` in [service]\n --> slo/api.toml:3:1\n  |\n3 | tem = \"x\"\n  | ^^^ unknown key\n  |\n  = help: did you mean `team`?\n"
    );
}

#[test]
fn github_annotations_escape_their_data() {
    let source = SourceFile::new("slo/api.toml", "a\nb = 1\n");
    let diagnostic = Diagnostic::at(Problem::RatioQueries, &source.path, 2..3);
    let text = render(&[diagnostic], &[source], Format::Github, false);
    assert!(text.starts_with("::error file=slo/api.toml,line=2,col=1,endColumn=2,title=slogen ratio-queries::a ratio SLI"), "{text}");
    assert!(text.contains("%0Ahelp: "));
}
