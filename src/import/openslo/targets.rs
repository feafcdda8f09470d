//! OpenSLO `AlertNotificationTarget`s as Alertmanager routing: each
//! target an `[[alertmanager.receiver]]` of the settings named after it,
//! and each SLO's alerts routed to the targets of its alert policies
//! (`receivers` in `[slo.alerting]`, or per severity).
//!
//! A target's `target` names a notification tool; the receiver is written
//! without an integration (OpenSLO holds no address or key) and a comment
//! names the Alertmanager integration to fill in. A tool Alertmanager has
//! no integration for is written the same, and the report says so.

use std::collections::BTreeMap;

use super::slo::toml_string;
use crate::import::toml_text::comment;

/// What an `AlertNotificationTarget` says: its `target` (a tool) and
/// `description`.
#[derive(Clone, Debug, Default)]
pub(super) struct Target {
    pub kind: Option<String>,
    pub description: Option<String>,
    /// The receiver an export made this target of (its annotation).
    pub receiver: Option<String>,
}

impl Target {
    /// An inline target's `spec`.
    pub(super) fn from_spec(spec: Option<&serde_json::Value>) -> Self {
        let field = |name: &str| {
            spec.and_then(|spec| spec.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        Self {
            kind: field("target"),
            description: field("description"),
            receiver: None,
        }
    }

    /// The Alertmanager integration key of the target's tool, if
    /// Alertmanager has one (`pagerduty` -> `pagerduty_configs`).
    pub(super) fn integration(&self) -> Option<&'static str> {
        let kind: String = self
            .kind
            .as_deref()?
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        INTEGRATIONS
            .iter()
            .find(|(names, _)| names.contains(&kind.as_str()))
            .map(|(_, key)| *key)
    }

    /// The report's words for where the target's alerts go now.
    pub(super) fn note(&self, name: &str, severities: &str) -> String {
        if self.receiver.is_some() {
            return format!("receiver `{name}` (exported by slogen) gets {severities}");
        }
        match (self.integration(), &self.kind) {
            (Some(key), _) => format!(
                "notification target `{name}`: receiver `{name}` in slogen.toml gets {severities}; fill in its `{key}`"
            ),
            (None, Some(kind)) => format!(
                "notification target `{name}`: receiver `{name}` in slogen.toml gets {severities}, but its target `{kind}` maps to no Alertmanager integration: configure the receiver by hand (a `webhook_configs` reaches most tools)"
            ),
            (None, None) => format!(
                "notification target `{name}`: receiver `{name}` in slogen.toml gets {severities}; the target names no tool: configure the receiver by hand"
            ),
        }
    }
}

/// Alertmanager's integrations, by the tool names OpenSLO files use
/// (lower case, letters and digits only).
const INTEGRATIONS: &[(&[&str], &str)] = &[
    (&["email", "mail", "smtp"], "email_configs"),
    (&["pagerduty"], "pagerduty_configs"),
    (&["slack"], "slack_configs"),
    (&["opsgenie"], "opsgenie_configs"),
    (&["webhook", "http", "https"], "webhook_configs"),
    (&["victorops", "splunkoncall"], "victorops_configs"),
    (&["pushover"], "pushover_configs"),
    (&["wechat"], "wechat_configs"),
    (&["telegram"], "telegram_configs"),
    (&["discord"], "discord_configs"),
    (&["msteams", "teams", "microsoftteams"], "msteams_configs"),
    (&["sns", "awssns"], "sns_configs"),
    (&["webex"], "webex_configs"),
];

/// The settings' receivers, one per target an SLO uses, sorted by name.
pub(super) fn receivers_text(targets: &BTreeMap<String, Target>) -> String {
    let mut text = String::new();
    for (name, target) in targets {
        let mut about = format!(
            "OpenSLO notification target `{name}`{}.",
            target
                .kind
                .as_ref()
                .map(|kind| format!(" (target `{kind}`)"))
                .unwrap_or_default()
        );
        if let Some(description) = &target.description {
            about.push('\n');
            about.push_str(description.trim());
        }
        about.push('\n');
        about.push_str(&match (target.integration(), &target.receiver) {
            (_, Some(_)) => {
                "A receiver slogen exported: declare its integrations again.".to_owned()
            }
            (Some(key), None) => format!("Fill in its integration: `{key} = [...]`."),
            (None, None) => {
                "Alertmanager has no integration for this target: configure it by hand.".to_owned()
            }
        });
        text.push('\n');
        text.push_str(&comment(&about));
        text.push_str("[[alertmanager.receiver]]\n");
        text.push_str(&format!("name = {}\n", toml_string(name)));
    }
    text
}

/// `receivers = ["a", "b"]`.
pub(super) fn receivers_line(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| toml_string(name)).collect();
    format!("receivers = [{}]\n", quoted.join(", "))
}
