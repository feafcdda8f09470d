//! All user-facing wording: what each problem says, how to fix it, and the
//! label under the caret.

use super::problem::Problem;

impl Problem {
    /// One line saying what is wrong.
    pub fn message(&self) -> String {
        match self {
            Self::Io { path, error } => format!("cannot access `{}`: {error}", path.display()),
            Self::NoSpecDirectory {
                path,
                is_file: true,
            } => format!("`{}` is a file, not a spec directory", path.display()),
            Self::NoSpecDirectory { path, .. } => {
                format!("spec directory `{}` does not exist", path.display())
            }
            Self::NoSpecFiles { path } => {
                format!("no service files (`*.toml`) in `{}`", path.display())
            }
            Self::NotUtf8 => "the file is not UTF-8 text".to_owned(),
            Self::TomlSyntax { message } => format!("invalid TOML: {message}"),
            Self::TomlShape { message } => message.clone(),
            Self::UnknownKey { key, table, .. } => format!("unknown key `{key}` in {table}"),
            Self::InvalidName { what, name } => format!("invalid {what} name `{name}`"),
            Self::InvalidAlertName { name } => format!("invalid alert name `{name}`"),
            Self::NameTooLong { what, max } => {
                format!("the {what} name is longer than {max} characters")
            }
            Self::InvalidFileName { path } => format!(
                "`{}`: a service file's name holds characters generated files cannot quote",
                path.display().to_string().escape_debug()
            ),
            Self::RunbookLinksRelative => {
                "alerts link their runbooks by a path in the repository, which a page cannot open"
                    .to_owned()
            }
            Self::DuplicateService { name, .. } => format!("service `{name}` is declared twice"),
            Self::DuplicateSlo { service, name } => {
                format!("SLO `{name}` is declared twice in service `{service}`")
            }
            Self::DuplicateAlert { name, .. } => format!("alert name `{name}` is used twice"),
            Self::GroupNameTaken { group, service } => format!(
                "this SLO's recording group would be `{group}`, the name of service `{service}`'s alert group"
            ),
            Self::ObjectiveOutOfRange { objective } if objective.abs() >= 1e6 => {
                format!("objective {objective:e} is out of range")
            }
            Self::ObjectiveOutOfRange { objective } => {
                format!("objective {objective} is out of range")
            }
            Self::ObjectiveTooClose { objective } => format!(
                "objective {objective} leaves an error budget under {}",
                crate::number::format(crate::number::SMALLEST_BUDGET)
            ),
            Self::InvalidDuration { text, reason } => {
                format!("invalid duration `{text}`: {reason}")
            }
            Self::WindowNotShorter { window, period, .. } => {
                format!("window {window} is not shorter than the SLO period {period}")
            }
            Self::ShortWindowNotShorter { short, long } => {
                format!("short window {short} is not shorter than its long window {long}")
            }
            Self::WindowPairRepeated { long, short } => {
                format!("the window pair {long}/{short} is declared twice")
            }
            Self::WindowTooShort { window, interval } => {
                format!("window {window} is shorter than twice the evaluation interval {interval}")
            }
            Self::BurnRateNeverFires {
                severity,
                long,
                short,
                threshold,
                ..
            } => format!(
                "the {severity} alert over {long} and {short} can never fire: it needs an error ratio above {threshold}"
            ),
            Self::BurnRateBelowOne {
                severity,
                long,
                burn_rate,
                period,
            } => format!(
                "the {severity} alert over {long} fires at burn rate {burn_rate}, below 1: at that rate the {period} error budget lasts longer than the period"
            ),
            Self::MinEventsWithoutEvents { kind } => {
                format!("`min_events` needs an SLI that counts events; a {kind} SLI has none")
            }
            Self::MinEventsNotPositive { value } => {
                format!("`min_events` is {value}; it must be a whole number above 0")
            }
            Self::BudgetShareOutOfRange { share } => {
                format!("budget share {share} is out of range")
            }
            Self::BurnRateOutOfRange {
                burn_rate, long, ..
            } => {
                if burn_rate.parse::<f64>().is_ok_and(|rate| rate <= 0.0) {
                    format!("burn rate {burn_rate} is not above 0")
                } else {
                    format!(
                        "burn rate {burn_rate} over {long} spends more than a whole 30d error budget"
                    )
                }
            }
            Self::WindowBudget => {
                "a burn window needs exactly one of `budget` and `burn_rate`".to_owned()
            }
            Self::UnknownSli { name, .. } => format!("no shared SLI is named `{name}`"),
            Self::SliUseWithKind => {
                "`use` names a shared SLI, and this SLO declares an SLI kind too".to_owned()
            }
            Self::MissingSliParam { sli, param } => {
                format!("shared SLI `{sli}` needs parameter `{param}`")
            }
            Self::UnknownSliParam { sli, param, .. } => {
                format!("shared SLI `{sli}` has no parameter `{param}`")
            }
            Self::UndeclaredSliParam { param } => {
                format!("`{{{{{param}}}}}` is not a declared parameter")
            }
            Self::UnusedSliParam { param } => {
                format!("parameter `{param}` appears in no query of the SLI")
            }
            Self::DuplicateSli { name } => format!("shared SLI `{name}` is defined twice"),
            Self::SliKindCount { found } if found.is_empty() => "the SLO has no SLI".to_owned(),
            Self::SliKindCount { found } => {
                format!(
                    "the SLO has {} SLI kinds ({})",
                    found.len(),
                    found.join(", ")
                )
            }
            Self::RatioQueries => {
                "a ratio SLI needs `total` and exactly one of `errors` and `good`".to_owned()
            }
            Self::WindowPlaceholderMissing { field } => {
                format!("`{field}` has no `{{{{window}}}}` placeholder")
            }
            Self::WindowPlaceholderStyle { found } => {
                format!("`{found}` is not slogen's window placeholder")
            }
            Self::InvalidPromql { field, error } => format!("invalid PromQL in `{field}`: {error}"),
            Self::NotInstantVector { field, found } => {
                format!("`{field}` must return an instant vector, not a {found}")
            }
            Self::RegexNotRe2 {
                field,
                regex,
                message,
                ..
            } => format!("regex `{regex}` in `{field}`: {message}"),
            Self::ErrorsEqualTotal => "`errors` and `total` are the same query".to_owned(),
            Self::GoodEqualTotal => "`good` and `total` are the same query".to_owned(),
            Self::RatioGrouping {
                field,
                errors,
                total,
            } => format!(
                "`{field}` keeps {errors} but `total` keeps {total}: their series do not match"
            ),
            Self::RatioGroupingForms {
                field,
                errors,
                total,
            } => format!(
                "`{field}` keeps {errors} and `total` keeps {total}: their series pair up only if they carry no other labels"
            ),
            Self::RatioCounting {
                field,
                errors,
                total,
            } => format!(
                "`{field}` counts with {errors} but `total` with {total}: the ratio is off by the window's length in seconds"
            ),
            Self::GroupByLe => "`group_by` cannot hold `le`".to_owned(),
            Self::HistogramSuffix { name } => {
                format!("histogram `{name}` is named with a series suffix")
            }
            Self::InvalidMetricName { name } => format!("invalid metric name `{name}`"),
            Self::InvalidSelector { error } => format!("invalid label selector: {error}"),
            Self::InvalidThreshold { text } => format!("invalid latency threshold `{text}`"),
            Self::ThresholdBound => {
                "a threshold SLI needs exactly one of `max` and `min`".to_owned()
            }
            Self::BoundNotFinite { key, value } => {
                format!("`{key} = {value}` is not a finite number")
            }
            Self::UnknownTemplateFunction { field, name } => {
                format!("`{field}` calls `{name}`, which is not a Prometheus template function")
            }
            Self::InvalidTemplate { field, reason } => {
                format!("`{field}` is not a template Prometheus accepts: {reason}")
            }
            Self::UnclosedTemplate { field } => {
                format!("`{field}` opens a template action `{{{{` that never closes")
            }
            Self::InvalidTestSeries { series, error } => {
                format!("invalid test series `{series}`: {error}")
            }
            Self::InvalidTestValues { values, error } => {
                format!("invalid test values `{values}`: {error}")
            }
            Self::InvalidLabelName { name } => format!("invalid label name `{name}`"),
            Self::TestLabelConflict {
                name,
                expected,
                set,
            } => format!(
                "the test expects `{name}=\"{expected}\"`, but the alert sets `{name}=\"{set}\"`"
            ),
            Self::ReservedLabel { name } => format!("label `{name}` is reserved by slogen"),
            Self::InvalidSeverity { found } => format!("invalid severity `{found}`"),
            Self::UnknownSeverity { found } => format!("unknown severity `{found}`"),
            Self::InvalidSeverityLabel { value } if value.is_empty() => {
                "a severity label value is empty".to_owned()
            }
            Self::InvalidSeverityLabel { value } => {
                format!("severity label value `{value}` is not a plain word")
            }
            Self::SameSeverityLabel { value } => {
                format!("pages and tickets both carry `severity=\"{value}\"`")
            }
            Self::LiteralSecret { key, .. } => format!("`{key}` holds a literal secret"),
            Self::SecretInUrl { key } => format!("`{key}` is a URL that carries a secret"),
            Self::UnknownReceiver { name, .. } => format!("no receiver named `{name}`"),
            Self::DuplicateReceiver { name } => format!("receiver `{name}` is declared twice"),
            Self::ReceiverListedTwice { name, .. } => {
                format!("receiver `{name}` is listed twice for this SLO")
            }
            Self::InvalidReceiverName { name } if name.trim().is_empty() => {
                "a receiver's name is empty".to_owned()
            }
            Self::UnknownTargetKind { kind, .. } => format!("unknown target kind `{kind}`"),
            Self::TargetKeyNotRead { key, kind, .. } => {
                format!("target kind `{kind}` does not read `{key}`")
            }
            Self::InvalidTarget { message, .. } => message.clone(),
            Self::InvalidReceiverName { name } => {
                format!("invalid receiver name `{}`", name.escape_debug())
            }
            Self::UnknownIntegration { key, .. } => format!("unknown receiver integration `{key}`"),
            Self::UnusedTeamRoute { team, .. } => format!("no service has team `{team}`"),
            Self::Template { template, message } => {
                format!("template `{template}` failed: {message}")
            }
            Self::GeneratedInvalid { file, message } => {
                format!("generated `{file}` is invalid: {message}")
            }
            Self::Rule { message, .. } | Self::Import { message, .. } => message.clone(),
            Self::EditedByHand { path } => {
                format!(
                    "`{}` was edited by hand; slogen will not overwrite it",
                    path.display()
                )
            }
            Self::NotGenerated { path } => {
                format!(
                    "`{}` was not generated by slogen; slogen will not overwrite it",
                    path.display()
                )
            }
            Self::UnsafeOutputPath { path } => {
                format!(
                    "refusing to write `{}` outside the output directory",
                    path.escape_debug()
                )
            }
            Self::LinkInOutput { path } => format!(
                "`{}` is a symbolic link; slogen never reads, writes or removes through a link in its output",
                path.display()
            ),
            Self::NotAFile { path, found } => {
                format!("`{}` is {found}, not a regular file", path.display())
            }
            Self::NotADirectory { path } => {
                format!(
                    "`{}` is in the way: slogen needs a directory there",
                    path.display()
                )
            }
            Self::LinkOutside { path, dir } => format!(
                "`{}` is a symbolic link that leads outside `{}`; slogen does not read it",
                path.display(),
                dir.display()
            ),
            Self::EditedKept { path } => format!(
                "`{}` is no longer generated, but it changed since slogen wrote it; left in place",
                path.display()
            ),
            Self::IgnoredSpecFile { path, dir } => format!(
                "`{}` is not read: service files are the `*.toml` files directly in `{}`",
                path.display(),
                dir.display()
            ),
            Self::UnknownTemplate { path, .. } => {
                format!("`{}` overrides no built-in template", path.display())
            }
            Self::Overwritten { path } => format!(
                "`{}` was edited by hand or not made by slogen; overwritten (`--force`)",
                path.display()
            ),
        }
    }

    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Self::Import { help, .. } => return help.clone(),
            Self::NoSpecDirectory { is_file: true, .. } => {
                "point `--slo` at the directory that holds the service files".to_owned()
            }
            Self::NoSpecDirectory { .. } => {
                "create it with `slogen init`, or point `--slo` at your spec directory".to_owned()
            }
            Self::NoSpecFiles { .. } => {
                "add one `<service>.toml` per service; `slogen init` writes an example".to_owned()
            }
            Self::TomlSyntax { .. } => {
                "docs/reference.md shows every table and key; `slogen init` writes a commented example".to_owned()
            }
            Self::TomlShape { .. } => {
                "docs/reference.md gives each key's type with an example".to_owned()
            }
            Self::NotUtf8 => {
                "the first byte that is not UTF-8 is marked; save the file as UTF-8".to_owned()
            }
            Self::UnknownKey { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownKey { expected, .. } if !expected.is_empty() => {
                format!("expected one of {}", quoted_list(expected))
            }
            Self::InvalidName { .. } => {
                "use lowercase letters, digits and `-`, starting with a letter or digit".to_owned()
            }
            Self::InvalidAlertName { .. } => {
                "alert names are letters, digits and `_`, not starting with a digit".to_owned()
            }
            Self::DuplicateService { other, .. } => {
                format!("first declared in `{}`; service names are unique across the directory", other.display())
            }
            Self::DuplicateSlo { .. } => "rename one of them".to_owned(),
            Self::DuplicateAlert { other, .. } => format!(
                "it is already used by {other}; rename one. Only SLOs may share a name, their own \
                 `[slo.alerting] name` (as Sloth's do: the alerts are told apart by `slogen_service` \
                 and `slogen_slo`); a plain alert's name and a generated `...BudgetBurn` or `...NoData` \
                 name belong to one alert, and a burn-rate name cannot be another SLO's no-data name"
            ),
            Self::GroupNameTaken { .. } => {
                "rule group names must be unique; rename the SLO".to_owned()
            }
            Self::ObjectiveOutOfRange { .. } => {
                "the objective is a percentage between 0 and 100, exclusive: `objective = 99.9`".to_owned()
            }
            Self::ObjectiveTooClose { .. } => {
                "at most nine nines (`objective = 99.9999999`): a smaller share of failed events is beyond the precision of Prometheus' float counters".to_owned()
            }
            Self::InvalidDuration { .. } => {
                "write a Prometheus duration: a number and a unit (ms, s, m, h, d, w, y), e.g. `5m`, `1h30m`, `30d`".to_owned()
            }
            Self::WindowNotShorter { own: true, .. } => {
                "shorten this window, or lengthen the period".to_owned()
            }
            Self::WindowNotShorter { .. } => {
                "lengthen the period, or configure shorter burn windows in `slogen.toml`".to_owned()
            }
            Self::ShortWindowNotShorter { .. } => {
                "the Workbook makes the short window 1/12 of the long one".to_owned()
            }
            Self::WindowPairRepeated { .. } => {
                "over the same windows the higher burn rate only fires when the lower one does, and alerts are told apart by their windows (`slogen_long_window`, `slogen_short_window`); keep one alert per pair, or change a window".to_owned()
            }
            Self::WindowTooShort { .. } => {
                "a rate over fewer than two samples is empty; lengthen the window".to_owned()
            }
            Self::BurnRateNeverFires { burn_rate, objective, .. } => format!(
                "burn rate {burn_rate} × error budget {objective} ≥ 1; disable this alert (`[slo.alerting]`), use burn windows with a lower burn rate (a smaller `budget`), or raise the objective to shrink the budget"
            ),
            Self::BurnRateBelowOne { .. } => {
                "such an alert opens on an SLO that will be met with budget to spare; raise its `budget` (or `burn_rate`), or shorten its long window".to_owned()
            }
            Self::MinEventsWithoutEvents { .. } => {
                "a threshold SLI measures time and a raw SLI a ratio the query computes, so there is no event count to guard on; remove `min_events`, or use a ratio or latency SLI".to_owned()
            }
            Self::MinEventsNotPositive { .. } => {
                "e.g. `min_events = 100`: burn-rate alerts stay silent while their long window holds fewer events".to_owned()
            }
            Self::BudgetShareOutOfRange { .. } => {
                "`budget` is the percentage of the period's error budget the alert allows to burn, above 0 and at most 100".to_owned()
            }
            Self::BurnRateOutOfRange { long, most, .. } => format!(
                "`burn_rate` is above 0 and at most 30d / {long} = {most}; the Workbook pages at 14.4 over 1h"
            ),
            Self::WindowBudget => {
                "e.g. `budget = 2` (percent of a 30d budget) or `burn_rate = 14.4`".to_owned()
            }
            Self::UnknownSli {
                suggestion: Some(suggestion),
                ..
            } => format!("did you mean `{suggestion}`?"),
            Self::UnknownSli { known, .. } if known.is_empty() => {
                "define it as `[[sli]]` in the settings file (`slogen.toml`)".to_owned()
            }
            Self::UnknownSli { known, .. } => {
                format!("the settings define {}", quoted_list(known))
            }
            Self::SliUseWithKind => {
                "keep either `use` (and `params`) or the `[slo.sli.<kind>]` table".to_owned()
            }
            Self::MissingSliParam { param, .. } => {
                format!("add it: `params = {{ {param} = \"...\" }}`")
            }
            Self::UnknownSliParam { expected, .. } if expected.is_empty() => {
                "this SLI takes no parameters; remove it".to_owned()
            }
            Self::UnknownSliParam { expected, .. } => {
                format!("it takes {}", quoted_list(expected))
            }
            Self::UndeclaredSliParam { param } => format!(
                "declare it, `params = [\"{param}\"]`; `{{{{window}}}}` is the only placeholder slogen fills itself"
            ),
            Self::UnusedSliParam { .. } => {
                "remove it, or write `{{name}}` where its value goes".to_owned()
            }
            Self::DuplicateSli { .. } => "rename one; SLOs name it in `use`".to_owned(),
            Self::SliKindCount { .. } => {
                "declare exactly one of `[slo.sli.ratio]`, `[slo.sli.latency]`, `[slo.sli.threshold]`, `[slo.sli.raw]`".to_owned()
            }
            Self::RatioQueries => "e.g. `errors = 'sum(rate(x{code=~\"5..\"}[{{window}}]))'` and `total = 'sum(rate(x[{{window}}]))'`".to_owned(),
            Self::WindowPlaceholderMissing { .. } => {
                "write the range as `[{{window}}]`; slogen fills in each alert window".to_owned()
            }
            Self::WindowPlaceholderStyle { .. } => "write `{{window}}`".to_owned(),
            Self::InvalidPromql { field, .. } if field == "expr" || field == "query" => {
                "check the query in the Prometheus UI; promql-parser follows Prometheus 3".to_owned()
            }
            Self::InvalidPromql { .. } => {
                "slogen substitutes `{{window}}` with `5m` before parsing; check the query in the Prometheus UI".to_owned()
            }
            Self::RegexNotRe2 { help, .. } => help.clone(),
            Self::NotInstantVector { .. } => {
                "wrap range selectors in a function such as `rate(...)`; aggregate with `sum(...)`".to_owned()
            }
            Self::ErrorsEqualTotal => {
                "`errors` selects the failed events only, e.g. with `code=~\"5..\"`".to_owned()
            }
            Self::GoodEqualTotal => {
                "`good` selects the successful events only, e.g. with `code!~\"5..\"`; as written no event could ever fail".to_owned()
            }
            Self::RatioGrouping { field, .. } => format!(
                "`{field} / total` pairs series with the same labels, so the error ratio would read 0 (or 1); aggregate both the same way, e.g. `sum by (job) (...)` on both"
            ),
            Self::RatioGroupingForms { field, .. } => format!(
                "if the series carry other labels, the error ratio reads 0 (1 with `good`); aggregate `{field}` and `total` the same way, e.g. `sum by (job) (...)` on both"
            ),
            Self::RatioCounting { field, .. } => format!(
                "`rate()` counts events per second and `increase()` per window; use the same one in `{field}` and `total`"
            ),
            Self::GroupByLe => {
                "slogen picks the bucket `le` of the threshold itself; group by other labels".to_owned()
            }
            Self::HistogramSuffix { name } => format!(
                "name the histogram without `_bucket`/`_count`/`_sum`: `{}`",
                name.trim_end_matches("_bucket").trim_end_matches("_count").trim_end_matches("_sum")
            ),
            Self::InvalidMetricName { .. } => {
                "metric names are letters, digits, `_` and `:`, not starting with a digit".to_owned()
            }
            Self::InvalidSelector { .. } => {
                "write label matchers in braces: `{endpoint=\"/v1/ingest\", method!=\"OPTIONS\"}`".to_owned()
            }
            Self::InvalidThreshold { .. } => {
                "write a duration such as `100ms` or `1s500ms`, or a bucket bound in seconds such as `0.1` or `1.5`".to_owned()
            }
            Self::ThresholdBound => "e.g. `max = 10`: the SLI is bad while the query is above 10".to_owned(),
            Self::BoundNotFinite { .. } => {
                "against nan or an infinity the SLI would always or never fail; write a number, e.g. `max = 10`".to_owned()
            }
            Self::UnknownTemplateFunction { name, .. } => match suggest(
                name,
                crate::gotemplate::words(),
            ) {
                Some(suggestion) => format!("did you mean `{suggestion}`? Prometheus rejects a rule whose template calls an unknown function"),
                None => "Prometheus rejects a rule whose template calls an unknown function; fields are `.Labels.x` or `$labels.x`, see the Prometheus template reference".to_owned(),
            },
            Self::InvalidTemplate { .. } => {
                "Prometheus expands this text as a Go template (text/template) and refuses to load the rule; fix the action, or write a literal `{{` as `{{ \"{{\" }}`".to_owned()
            }
            Self::UnclosedTemplate { .. } => {
                "close the action with `}}`, or write a literal `{{` as `{{ \"{{\" }}`".to_owned()
            }
            Self::InvalidTestSeries { .. } => {
                "name one series as promtool loads it: a metric and `=` matchers, e.g. `up{job=\"api\"}`".to_owned()
            }
            Self::InvalidTestValues { .. } => {
                "use promtool's expanding notation, one value per evaluation interval: `1 1 0`, `0x5` (6 values), `0+10x4`, `_` for none".to_owned()
            }
            Self::InvalidLabelName { .. } => {
                "label names are letters, digits and `_`, not starting with a digit or `__`".to_owned()
            }
            Self::TestLabelConflict { name, set, .. } => format!(
                "a test checks the alert's labels as the rule sets them (`alertname`, `team`, `severity`, `slogen_service`, service and alert labels); expect `{name}=\"{set}\"`, or leave `{name}` out"
            ),
            Self::ReservedLabel { .. } => {
                "slogen sets `team`, `severity` and `slogen_*` labels itself; choose another name".to_owned()
            }
            Self::InvalidSeverity { .. } | Self::UnknownSeverity { .. } => {
                "severity is `page` or `ticket`".to_owned()
            }
            Self::InvalidSeverityLabel { .. } => {
                "use letters, digits, `-`, `_`, `.` or `:`, e.g. `critical`; every alert carries the value and routing matches it".to_owned()
            }
            Self::SameSeverityLabel { .. } => {
                "give `[severity]` page and ticket different values (default `critical` and `warning`): routing sends each to its receiver by this label, and a page mutes its SLO's tickets by it; with one value, tickets would page and an SLO's alerts would mute each other".to_owned()
            }
            Self::LiteralSecret { key, file: Some((file, since)) } => format!(
                "generated files are committed; read it from a file with `{file} = \"/etc/alertmanager/secrets/...\"` (Alertmanager {since} or later), or write a placeholder such as `\"<{key}>\"` and fill it in at deploy time"
            ),
            Self::LiteralSecret { key, file: None } => format!(
                "generated files are committed, and Alertmanager has no file for `{key}`: write a placeholder such as `\"<{key}>\"` and fill it in at deploy time{}",
                if key == "secret_key" { " (or leave out the keys: SNS then uses the AWS credential chain)" } else { "" }
            ),
            Self::SecretInUrl { key } if key == "base_url" => {
                "every alert carries this link in its `runbook_url`, and generated files are committed: give the URL without credentials".to_owned()
            }
            Self::SecretInUrl { .. } => {
                "generated files are committed; keep credentials out of URLs: Slack, Discord and Teams webhooks have `*_file` fields, and other receivers send a token with `http_config.authorization.credentials_file`".to_owned()
            }
            Self::UnknownTargetKind { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownTargetKind { .. } => format!(
                "the kinds are {}",
                quoted_list(
                    &crate::targets::TargetKind::ALL
                        .map(|kind| kind.name().to_owned())
                )
            ),
            Self::TargetKeyNotRead { kind, keys, .. } => format!(
                "besides `kind` and `dir`, `{kind}` reads {}; docs/reference.md lists each kind's keys",
                quoted_list(&keys.iter().map(|key| (*key).to_owned()).collect::<Vec<_>>())
            ),
            Self::InvalidTarget { help, .. } => help.clone(),
            Self::InvalidReceiverName { .. } => {
                "a receiver's name is what routes point at: give it a name of its own, on one line, such as `team-pagerduty`".to_owned()
            }
            Self::UnknownReceiver { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownReceiver { .. } => {
                "declare it under `[[alertmanager.receiver]]`".to_owned()
            }
            Self::DuplicateReceiver { .. } => "receiver names are unique; rename one".to_owned(),
            Self::ReceiverListedTwice { everywhere: true, .. } => {
                "`[slo.alerting] receivers` get every alert of the SLO, both severities: drop it here"
                    .to_owned()
            }
            Self::ReceiverListedTwice { .. } => {
                "it gets each alert once all the same; list it once".to_owned()
            }
            Self::UnknownIntegration { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnknownIntegration { .. } => format!(
                "a receiver holds integrations such as {}",
                quoted_list(&INTEGRATIONS.iter().map(|key| (*key).to_owned()).collect::<Vec<_>>())
            ),
            Self::UnusedTeamRoute { suggestion: Some(suggestion), .. } => {
                format!("did you mean `{suggestion}`?")
            }
            Self::UnusedTeamRoute { .. } => "teams come from `[service] team`".to_owned(),
            Self::EditedByHand { .. } => {
                "move the text into the spec (its first line says where), or delete the file; then build again (`slogen build --force` discards the edit)".to_owned()
            }
            Self::NotGenerated { .. } => {
                "move it away, or choose another output directory with `--out`; if slogen made it (an older slogen's manifest lists no checksums), `slogen build --force` takes it over".to_owned()
            }
            Self::LinkInOutput { .. } => {
                "a link could point anywhere on this machine; replace it with the plain file or directory, or remove it and build again".to_owned()
            }
            Self::NotAFile { .. } | Self::NotADirectory { .. } => {
                "move it away; slogen reads and writes plain files only".to_owned()
            }
            Self::LinkOutside { .. } => {
                "copy the file into the directory instead of linking to it".to_owned()
            }
            Self::EditedKept { .. } => "delete it if nothing needs it any more".to_owned(),
            Self::NameTooLong { .. } => {
                "names become file names and label values; shorten it".to_owned()
            }
            Self::InvalidFileName { .. } => {
                "name it `<service>.toml` with letters, digits, `.`, `-` and `_`".to_owned()
            }
            Self::RunbookLinksRelative => {
                "set `[runbooks] base_url` in the settings to where people open the runbooks, e.g. `\"https://git.example.com/ops/slo/-/blob/main/generated/runbooks\"`".to_owned()
            }
            Self::IgnoredSpecFile { .. } => {
                "write each service as `<service>.toml` in the spec directory (docs/reference.md); Sloth and OpenSLO YAML is not read".to_owned()
            }
            Self::UnknownTemplate { suggestion: Some(suggestion), .. } => format!(
                "did you mean `{suggestion}`? (`slogen templates list` names them)"
            ),
            Self::UnknownTemplate { .. } => {
                "`slogen templates list` names the templates; another file is used only where a template includes it".to_owned()
            }
            Self::Template { .. } => {
                "fix the template, or delete it from the templates directory to use the default".to_owned()
            }
            Self::GeneratedInvalid { .. } => {
                "a template produced this output; fix the template (see `slogen templates export`)".to_owned()
            }
            _ => return None,
        })
    }

    /// The label under the caret: a short restatement in place.
    pub(super) fn label(&self) -> Option<String> {
        match self {
            Self::UnknownKey { .. } => Some("unknown key".to_owned()),
            Self::DuplicateSlo { .. }
            | Self::DuplicateService { .. }
            | Self::DuplicateAlert { .. } => Some("declared again here".to_owned()),
            Self::ReceiverListedTwice { .. } => Some("listed again here".to_owned()),
            Self::BurnRateNeverFires { burn_rate, .. } => Some(format!("burn rate {burn_rate}")),
            _ => None,
        }
    }
}

/// Alertmanager receiver integrations slogen passes through.
pub(crate) const INTEGRATIONS: &[&str] = &[
    "discord_configs",
    "email_configs",
    "jira_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "opsgenie_configs",
    "pagerduty_configs",
    "pushover_configs",
    "rocketchat_configs",
    "slack_configs",
    "sns_configs",
    "telegram_configs",
    "victorops_configs",
    "webex_configs",
    "webhook_configs",
    "wechat_configs",
];

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest of `candidates` to `word`, if any is close enough to be a typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| candidate.to_owned())
}
