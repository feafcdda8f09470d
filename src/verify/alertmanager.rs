//! Alertmanager routing files read back: receivers, routes, matchers and
//! inhibit rules.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::yaml_options;
use crate::promql;

/// The parts of an Alertmanager configuration slogen writes.
#[derive(Debug, Deserialize)]
struct AlertmanagerFile {
    route: Route,
    #[serde(default)]
    receivers: Vec<NamedReceiver>,
    #[serde(default)]
    inhibit_rules: Vec<InhibitRule>,
}

#[derive(Debug, Deserialize)]
struct Route {
    receiver: Option<String>,
    #[serde(default)]
    matchers: Vec<String>,
    #[serde(default, rename = "continue")]
    continues: bool,
    #[serde(default)]
    routes: Vec<Route>,
    #[serde(default, rename = "match")]
    legacy_match: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    match_re: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct NamedReceiver {
    name: String,
}

#[derive(Debug, Deserialize)]
struct InhibitRule {
    #[serde(default)]
    source_matchers: Vec<String>,
    #[serde(default)]
    target_matchers: Vec<String>,
    #[serde(default)]
    source_match: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    target_match: Option<serde::de::IgnoredAny>,
}

/// Problems of an Alertmanager configuration: receivers named by routes
/// exist and are unique, matchers are modern and quoted.
pub fn check_alertmanager_text(text: &str) -> Vec<String> {
    let file: AlertmanagerFile = match serde_saphyr::from_str_with_options(text, yaml_options(text))
    {
        Ok(file) => file,
        Err(error) => return vec![format!("not a valid Alertmanager configuration: {error}")],
    };
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for receiver in &file.receivers {
        if !names.insert(receiver.name.as_str()) {
            problems.push(format!("receiver `{}` is declared twice", receiver.name));
        }
    }
    if file.route.receiver.is_none() {
        problems.push("the root route has no receiver".to_owned());
    }
    let mut routes = vec![&file.route];
    while let Some(route) = routes.pop() {
        if let Some(receiver) = &route.receiver
            && !names.contains(receiver.as_str())
        {
            problems.push(format!("undefined receiver `{receiver}` used in route"));
        }
        if route.legacy_match.is_some() || route.match_re.is_some() {
            problems.push("`match`/`match_re` are deprecated; use `matchers`".to_owned());
        }
        problems.extend(
            route
                .matchers
                .iter()
                .filter_map(|matcher| check_matcher(matcher)),
        );
        routes.extend(&route.routes);
    }
    for rule in &file.inhibit_rules {
        if rule.source_match.is_some() || rule.target_match.is_some() {
            problems
                .push("`source_match`/`target_match` are deprecated; use `*_matchers`".to_owned());
        }
        problems.extend(
            rule.source_matchers
                .iter()
                .chain(&rule.target_matchers)
                .filter_map(|matcher| check_matcher(matcher)),
        );
    }
    problems
}

/// `name="value"` with `=`, `!=`, `=~` or `!~` and a double-quoted value.
fn check_matcher(matcher: &str) -> Option<String> {
    let name_end = matcher.find(['=', '!']).unwrap_or(matcher.len());
    let (name, rest) = matcher.split_at(name_end);
    let value = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|operator| rest.strip_prefix(operator));
    let quoted = value
        .is_some_and(|value| value.len() >= 2 && value.starts_with('"') && value.ends_with('"'));
    (!promql::is_label_name(name) || !quoted)
        .then(|| format!("matcher `{matcher}` is not `name=\"value\"`"))
}

/// Routes that must let their alerts go on to later routes (an SLO's own
/// receivers, beside its team's) but that `text` writes without
/// `continue: true`: each `(receiver, matchers)` of `continuing` found
/// with the same receiver and matchers and no `continue`. A template
/// written before `continues` existed stops an SLO's alerts at its extra
/// receiver, and its team's receiver never hears of them.
pub(crate) fn stopped_routes(text: &str, continuing: &[(&str, &[String])]) -> Vec<String> {
    let Ok(file) =
        serde_saphyr::from_str_with_options::<AlertmanagerFile>(text, yaml_options(text))
    else {
        // Reported by `check_alertmanager_text`.
        return Vec::new();
    };
    let mut routes = vec![&file.route];
    let mut stopped = Vec::new();
    while let Some(route) = routes.pop() {
        let stops = continuing.iter().find(|(receiver, matchers)| {
            route.receiver.as_deref() == Some(*receiver)
                && route.matchers.as_slice() == *matchers
                && !route.continues
        });
        if let Some((receiver, matchers)) = stops {
            stopped.push(format!(
                "the route to `{receiver}` ({}) has no `continue: true`: its alerts stop there and \
                 never reach their team's receiver; write `continue: true` where a route's \
                 `continues` is true (docs/templates.md)",
                matchers.join(", ")
            ));
        }
        routes.extend(&route.routes);
    }
    stopped
}
