//! The secret policy: which values in the Alertmanager settings are
//! secrets, and where Alertmanager can read each from a file instead.
//!
//! In: the path of keys to a string value inside `[alertmanager.global]` or
//! a receiver (array positions left out, e.g. `["slack_configs", "api_url"]`
//! or `["webhook_configs", "http_config", "basic_auth", "password"]`) and
//! the value. Out: the [`Problem`] when the value is a literal secret.
//!
//! The fields are those whose Go type in Alertmanager (and in
//! prometheus/common's `http_config`) is `Secret`, `SecretURL` or a secret
//! list, as of Alertmanager 0.34; each names its `_file` sibling and the
//! release that added it, or says there is none. Generated files are
//! committed and printed in pull requests, so any URL anywhere that carries
//! credentials (user info, a token-like query parameter, or a host whose
//! path is itself the key) is refused too. A placeholder such as
//! `"<pagerduty routing key>"` is not a secret, unless it wraps a URL.

use crate::diagnostic::Problem;

/// A secret field: its `_file` sibling and the Alertmanager release that
/// added it, when there is one.
type FileSibling = Option<(&'static str, &'static str)>;

/// Secret fields of `[alertmanager.global]`.
const GLOBAL: &[(&str, FileSibling)] = &[
    (
        "mattermost_webhook_url",
        Some(("mattermost_webhook_url_file", "0.32")),
    ),
    ("opsgenie_api_key", Some(("opsgenie_api_key_file", "0.24"))),
    ("rocketchat_token", Some(("rocketchat_token_file", "0.28"))),
    (
        "rocketchat_token_id",
        Some(("rocketchat_token_id_file", "0.28")),
    ),
    ("slack_api_url", Some(("slack_api_url_file", "0.22"))),
    ("slack_app_token", Some(("slack_app_token_file", "0.30"))),
    (
        "smtp_auth_password",
        Some(("smtp_auth_password_file", "0.25")),
    ),
    ("smtp_auth_secret", Some(("smtp_auth_secret_file", "0.31"))),
    (
        "telegram_bot_token",
        Some(("telegram_bot_token_file", "0.31")),
    ),
    (
        "victorops_api_key",
        Some(("victorops_api_key_file", "0.25")),
    ),
    (
        "wechat_api_secret",
        Some(("wechat_api_secret_file", "0.31")),
    ),
];

/// Secret fields of each receiver integration, directly in its table.
const INTEGRATION: &[(&str, &str, FileSibling)] = &[
    (
        "discord_configs",
        "webhook_url",
        Some(("webhook_url_file", "0.27")),
    ),
    (
        "email_configs",
        "auth_password",
        Some(("auth_password_file", "0.25")),
    ),
    (
        "email_configs",
        "auth_secret",
        Some(("auth_secret_file", "0.31")),
    ),
    (
        "incidentio_configs",
        "alert_source_token",
        Some(("alert_source_token_file", "0.29")),
    ),
    (
        "mattermost_configs",
        "webhook_url",
        Some(("webhook_url_file", "0.30")),
    ),
    (
        "msteams_configs",
        "webhook_url",
        Some(("webhook_url_file", "0.27")),
    ),
    (
        "msteamsv2_configs",
        "webhook_url",
        Some(("webhook_url_file", "0.28")),
    ),
    (
        "opsgenie_configs",
        "api_key",
        Some(("api_key_file", "0.24")),
    ),
    (
        "pagerduty_configs",
        "routing_key",
        Some(("routing_key_file", "0.25")),
    ),
    (
        "pagerduty_configs",
        "service_key",
        Some(("service_key_file", "0.25")),
    ),
    ("pushover_configs", "token", Some(("token_file", "0.26"))),
    (
        "pushover_configs",
        "user_key",
        Some(("user_key_file", "0.26")),
    ),
    ("rocketchat_configs", "token", Some(("token_file", "0.28"))),
    (
        "rocketchat_configs",
        "token_id",
        Some(("token_id_file", "0.28")),
    ),
    ("slack_configs", "api_url", Some(("api_url_file", "0.22"))),
    (
        "slack_configs",
        "app_token",
        Some(("app_token_file", "0.30")),
    ),
    (
        "telegram_configs",
        "bot_token",
        Some(("bot_token_file", "0.26")),
    ),
    (
        "victorops_configs",
        "api_key",
        Some(("api_key_file", "0.22")),
    ),
    (
        "wechat_configs",
        "api_secret",
        Some(("api_secret_file", "0.31")),
    ),
];

/// Secret fields of `http_config` (and its parts) wherever it appears:
/// the enclosing table's key, the field, its file sibling.
const HTTP: &[(&str, &str, FileSibling)] = &[
    (
        "authorization",
        "credentials",
        Some(("credentials_file", "0.25")),
    ),
    ("basic_auth", "password", Some(("password_file", "0.25"))),
    (
        "http_config",
        "bearer_token",
        Some(("bearer_token_file", "0.25")),
    ),
    (
        "oauth2",
        "client_certificate_key",
        Some(("client_certificate_key_file", "0.30")),
    ),
    (
        "oauth2",
        "client_secret",
        Some(("client_secret_file", "0.25")),
    ),
    ("sigv4", "secret_key", None),
    ("tls_config", "key", Some(("key_file", "0.25"))),
];

/// Query parameters that carry a key, once lowercased with `-` and `_`
/// removed (`X-Api-Key` reads `xapikey`).
const SECRET_PARAMETERS: &[&str] = &[
    "accesstoken",
    "apikey",
    "auth",
    "code",
    "key",
    "password",
    "secret",
    "sig",
    "signature",
    "token",
    "xapikey",
];

/// Hosts (and path starts) whose URLs are themselves the secret.
const SECRET_HOSTS: &[&str] = &[
    "hooks.slack.com/",
    "discord.com/api/webhooks/",
    "discordapp.com/api/webhooks/",
    "webhook.office.com/",
    "outlook.office.com/webhook",
    "api.telegram.org/bot",
    "events.pagerduty.com/integration/",
    "chat.googleapis.com/",
];

/// The problem with `value` at `path`, when it is a literal secret.
pub(crate) fn check(path: &[&str], value: &str) -> Option<Problem> {
    let (&key, parents) = path.split_last()?;
    if is_placeholder(value) {
        return None;
    }
    if let Some(file) = secret_field(parents, key) {
        return Some(Problem::LiteralSecret {
            key: key.to_owned(),
            file: file.map(|(file, since)| (file.to_owned(), since)),
        });
    }
    if url_carries_secret(value) {
        return Some(Problem::SecretInUrl {
            key: key.to_owned(),
        });
    }
    None
}

/// `Some(file sibling)` when `key` under `parents` is a secret field.
fn secret_field(parents: &[&str], key: &str) -> Option<FileSibling> {
    let parent = parents.last().copied().unwrap_or("");
    if parents.first() == Some(&"global") && parents.len() == 1 {
        return GLOBAL
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, file)| *file);
    }
    let integration = INTEGRATION
        .iter()
        .find(|(integration, name, _)| *integration == parent && *name == key);
    if let (1, Some((_, _, file))) = (parents.len(), integration) {
        return Some(*file);
    }
    if let Some((_, _, file)) = HTTP
        .iter()
        .find(|(table, name, _)| *table == parent && *name == key)
    {
        return Some(*file);
    }
    // Every value of a proxy's CONNECT headers is a secret, with no file.
    if parents.contains(&"proxy_connect_header") {
        return Some(None);
    }
    // `http_headers.NAME.secrets` are secrets; `values` are printed in clear,
    // so a value of a header that names a credential is one too.
    if let [.., "http_headers", header, _] = path_with(parents, key).as_slice() {
        let files = Some(("files", "0.28"));
        if key == "secrets" || (key == "values" && names_credential(header)) {
            return Some(files);
        }
    }
    None
}

fn path_with<'a>(parents: &[&'a str], key: &'a str) -> Vec<&'a str> {
    parents.iter().copied().chain([key]).collect()
}

fn names_credential(header: &str) -> bool {
    let lower = header.to_ascii_lowercase();
    ["auth", "token", "key", "secret", "password", "cookie"]
        .iter()
        .any(|word| lower.contains(word))
}

/// `<pagerduty routing key>`: a value to be filled in at deploy time; a
/// URL in angle brackets is still a URL.
fn is_placeholder(text: &str) -> bool {
    text.len() > 2
        && text.starts_with('<')
        && text.ends_with('>')
        && !text[1..text.len() - 1].contains(['<', '>'])
        && !text.contains("://")
}

/// A URL with credentials, a token-like query parameter, or a webhook host
/// whose path is itself the secret.
pub(crate) fn url_carries_secret(url: &str) -> bool {
    let lower = url
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_ascii_lowercase();
    let Some(scheme_end) = lower.find("://") else {
        return false;
    };
    let rest = &lower[scheme_end + 3..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return true;
    }
    if SECRET_HOSTS.iter().any(|host| rest.starts_with(host)) {
        return true;
    }
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    let query = query.split('#').next().unwrap_or("");
    query.split('&').any(|pair| {
        let name: String = pair
            .split('=')
            .next()
            .unwrap_or("")
            .chars()
            .filter(|character| !matches!(character, '-' | '_'))
            .collect();
        SECRET_PARAMETERS
            .iter()
            .any(|parameter| name == *parameter || name.ends_with(parameter))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(path: &str, value: &str, expected: Option<&str>) {
        let path: Vec<&str> = path.split('.').collect();
        let found = check(&path, value).map(|problem| match problem {
            Problem::LiteralSecret {
                file: Some((file, _)),
                ..
            } => format!("literal, use {file}"),
            Problem::LiteralSecret { file: None, .. } => "literal, no file".to_owned(),
            Problem::SecretInUrl { .. } => "url".to_owned(),
            other => format!("{other:?}"),
        });
        assert_eq!(found.as_deref(), expected, "{path:?} = {value:?}");
    }

    #[test]
    fn every_field_alertmanager_keeps_secret_is_refused() {
        let literal = "s3cr3t";
        for (key, file) in [
            ("slack_api_url", "slack_api_url_file"),
            ("smtp_auth_password", "smtp_auth_password_file"),
            ("opsgenie_api_key", "opsgenie_api_key_file"),
            ("wechat_api_secret", "wechat_api_secret_file"),
            ("telegram_bot_token", "telegram_bot_token_file"),
        ] {
            case(
                &format!("global.{key}"),
                literal,
                Some(&format!("literal, use {file}")),
            );
        }
        case(
            "global.http_config.basic_auth.password",
            literal,
            Some("literal, use password_file"),
        );
        case(
            "webhook_configs.http_config.bearer_token",
            literal,
            Some("literal, use bearer_token_file"),
        );
        case(
            "webhook_configs.http_config.authorization.credentials",
            literal,
            Some("literal, use credentials_file"),
        );
        case(
            "webhook_configs.http_config.oauth2.client_secret",
            literal,
            Some("literal, use client_secret_file"),
        );
        case(
            "webhook_configs.http_config.tls_config.key",
            "-----BEGIN",
            Some("literal, use key_file"),
        );
        case(
            "sns_configs.sigv4.secret_key",
            literal,
            Some("literal, no file"),
        );
        case(
            "webhook_configs.http_config.proxy_connect_header.X-Auth",
            literal,
            Some("literal, no file"),
        );
        case(
            "webhook_configs.http_config.http_headers.X-Team.secrets",
            literal,
            Some("literal, use files"),
        );
        case(
            "webhook_configs.http_config.http_headers.X-Api-Key.values",
            literal,
            Some("literal, use files"),
        );
        case(
            "pagerduty_configs.routing_key",
            literal,
            Some("literal, use routing_key_file"),
        );
        case(
            "slack_configs.api_url",
            "https://example.org/x",
            Some("literal, use api_url_file"),
        );
        case(
            "email_configs.auth_password",
            literal,
            Some("literal, use auth_password_file"),
        );
        case(
            "discord_configs.webhook_url",
            literal,
            Some("literal, use webhook_url_file"),
        );
    }

    #[test]
    fn plain_fields_and_placeholders_pass() {
        case(
            "opsgenie_configs.api_url",
            "https://api.eu.opsgenie.com/",
            None,
        );
        case(
            "jira_configs.api_url",
            "https://example.atlassian.net/rest/api/2",
            None,
        );
        case("victorops_configs.routing_key", "team-a", None);
        case("global.jira_api_url", "https://example.atlassian.net", None);
        case(
            "webhook_configs.http_config.http_headers.X-Team.values",
            "a",
            None,
        );
        case(
            "webhook_configs.http_config.basic_auth.username",
            "bot",
            None,
        );
        case(
            "pagerduty_configs.routing_key",
            "<pagerduty routing key>",
            None,
        );
        case("global.slack_api_url", "<slack webhook>", None);
        case("webhook_configs.url", "http://receiver:8080/hook", None);
    }

    #[test]
    fn urls_that_carry_a_secret_are_refused_anywhere() {
        case(
            "webhook_configs.url",
            "https://user:pass@example.org/hook",
            Some("url"),
        );
        case(
            "webhook_configs.http_config.proxy_url",
            "http://u:p@proxy:3128",
            Some("url"),
        );
        case(
            "webhook_configs.url",
            "https://example.org/hook?X-Api-Key=abc",
            Some("url"),
        );
        case(
            "webhook_configs.url",
            "https://example.org/hook?access_token=abc",
            Some("url"),
        );
        case(
            "webhook_configs.url",
            "<https://hooks.slack.com/services/T0/B0/XX>",
            Some("url"),
        );
        case(
            "webhook_configs.url",
            "https://hooks.slack.com/services/T0/B0/XX",
            Some("url"),
        );
        case(
            "global.pagerduty_url",
            "https://events.pagerduty.com/v2/enqueue",
            None,
        );
    }
}
