//! The four SLI kinds and their queries: each parsed as PromQL, its
//! placeholders, regexes, grouping and counting checked. A shared SLI
//! (`use`) is checked here too, with the SLO's parameter values filled in.

use super::*;

/// The `{{name}}` placeholders of a text, with their byte ranges.
pub(super) fn placeholders(text: &str) -> Vec<(String, Range<usize>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|at| from + at) {
        let Some(length) = text[start + 2..].find("}}") else {
            break;
        };
        let name = &text[start + 2..start + 2 + length];
        let is_name = name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
            && name
                .chars()
                .all(|next| next.is_ascii_lowercase() || next.is_ascii_digit() || next == '_');
        if is_name {
            found.push((name.to_owned(), start..start + length + 4));
            from = start + length + 4;
        } else {
            // `{{{name}}`: the placeholder may start at the next brace.
            from = start + 1;
        }
    }
    found
}

/// Every string of an SLI that may hold placeholders.
pub(super) fn sli_strings(sli: &spec::SliSpec) -> Vec<&Spanned<String>> {
    let mut strings = Vec::new();
    if let Some(ratio) = &sli.ratio {
        let ratio = ratio.get_ref();
        strings.extend(
            [&ratio.errors, &ratio.good, &ratio.total]
                .into_iter()
                .flatten(),
        );
    }
    if let Some(latency) = &sli.latency {
        let latency = latency.get_ref();
        strings.push(&latency.histogram);
        strings.extend(&latency.selector);
        strings.extend(&latency.group_by);
    }
    if let Some(threshold) = &sli.threshold {
        strings.push(&threshold.get_ref().query);
    }
    if let Some(raw) = &sli.raw {
        strings.push(&raw.get_ref().error_ratio);
    }
    strings
}

/// `text` with each `{{param}}` replaced by its value.
fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (name, range) in placeholders(text) {
        if let Some(value) = values.get(&name) {
            out.push_str(&text[copied..range.start]);
            out.push_str(value);
            copied = range.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// A shared SLI with the values filled in, every value placed at `span`
/// (the SLO's `use`), where its problems are reported.
fn filled(
    shared: &spec::SliSpec,
    values: &BTreeMap<String, String>,
    span: &Range<usize>,
) -> spec::SliSpec {
    let text = |value: &Spanned<String>| Spanned::new(span.clone(), fill(value.get_ref(), values));
    let mut sli = shared.clone();
    if let Some(ratio) = &mut sli.ratio {
        let ratio = ratio.get_mut();
        for field in [&mut ratio.errors, &mut ratio.good, &mut ratio.total]
            .into_iter()
            .flatten()
        {
            *field = text(field);
        }
    }
    if let Some(latency) = &mut sli.latency {
        let latency = latency.get_mut();
        latency.histogram = text(&latency.histogram);
        if let Some(selector) = &mut latency.selector {
            *selector = text(selector);
        }
        for label in &mut latency.group_by {
            *label = text(label);
        }
    }
    if let Some(threshold) = &mut sli.threshold {
        let threshold = threshold.get_mut();
        threshold.query = text(&threshold.query);
    }
    if let Some(raw) = &mut sli.raw {
        let raw = raw.get_mut();
        raw.error_ratio = text(&raw.error_ratio);
    }
    sli
}

impl Analyzer {
    /// A shared SLI as an SLO uses it: the name known, every parameter
    /// given and none unknown; then checked as if written in place.
    fn shared(
        &mut self,
        sli: &Spanned<spec::SliSpec>,
        name: &Spanned<String>,
        settings: &Settings,
    ) -> Option<Sli> {
        let spec = sli.get_ref();
        let span = self.inner(name.span());
        if spec.ratio.is_some()
            || spec.latency.is_some()
            || spec.threshold.is_some()
            || spec.raw.is_some()
        {
            self.error(Problem::SliUseWithKind, span.clone());
            return None;
        }
        let Some(shared) = settings.shared_slis.get(name.get_ref()) else {
            let known: Vec<String> = settings.shared_slis.keys().cloned().collect();
            self.error(
                Problem::UnknownSli {
                    name: name.get_ref().clone(),
                    suggestion: suggest(name.get_ref(), known.iter().map(String::as_str)),
                    known,
                },
                span,
            );
            return None;
        };
        let values = spec
            .params
            .as_ref()
            .map(|params| spec::plain(params.get_ref()))
            .unwrap_or_default();
        let mut ok = true;
        for param in &shared.params {
            if !values.contains_key(param) {
                let place = spec
                    .params
                    .as_ref()
                    .map_or(span.clone(), |params| params.span());
                self.error(
                    Problem::MissingSliParam {
                        sli: name.get_ref().clone(),
                        param: param.clone(),
                    },
                    place,
                );
                ok = false;
            }
        }
        if let Some(params) = &spec.params {
            for param in params.get_ref().keys() {
                if !shared.params.contains(param.get_ref()) {
                    let place = self.inner(param.span());
                    self.error(
                        Problem::UnknownSliParam {
                            sli: name.get_ref().clone(),
                            param: param.get_ref().clone(),
                            expected: shared.params.clone(),
                        },
                        place,
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        let filled = filled(&shared.spec, &values, &name.span());
        self.sli(&Spanned::new(sli.span(), filled), settings)
    }

    pub(super) fn sli(&mut self, sli: &Spanned<spec::SliSpec>, settings: &Settings) -> Option<Sli> {
        let spec = sli.get_ref();
        if let Some(name) = &spec.use_sli {
            return self.shared(sli, name, settings);
        }
        let mut found = Vec::new();
        for (kind, present) in [
            ("ratio", spec.ratio.is_some()),
            ("latency", spec.latency.is_some()),
            ("threshold", spec.threshold.is_some()),
            ("raw", spec.raw.is_some()),
        ] {
            if present {
                found.push(kind.to_owned());
            }
        }
        if found.len() != 1 {
            self.error(Problem::SliKindCount { found }, sli.span());
            return None;
        }
        if let Some(ratio) = &spec.ratio {
            return self.ratio(ratio);
        }
        if let Some(latency) = &spec.latency {
            return self.latency(latency.get_ref());
        }
        if let Some(threshold) = &spec.threshold {
            return self.threshold(threshold);
        }
        spec.raw.as_ref().and_then(|raw| {
            self.window_query("error_ratio", &raw.get_ref().error_ratio)
                .map(|error_ratio| Sli::Raw { error_ratio })
        })
    }

    pub(super) fn ratio(&mut self, ratio: &Spanned<spec::RatioSpec>) -> Option<Sli> {
        let spec = ratio.get_ref();
        let (errors, total) = match (&spec.errors, &spec.good, &spec.total) {
            (Some(errors), None, Some(total)) => (("errors", errors), total),
            (None, Some(good), Some(total)) => (("good", good), total),
            _ => {
                self.error(Problem::RatioQueries, ratio.span());
                return None;
            }
        };
        let failures = self.window_query(errors.0, errors.1);
        let total_query = self.window_query("total", total);
        let (failures, total_query) = (failures?, total_query?);
        // Printed canonically, equal queries print the same. Queries whose
        // shapes (regexes aside) differ are not equal, and need no full parse.
        let probe = |query: &WindowQuery, parse: fn(&str) -> Option<String>| {
            parse(&query.at(Duration::from_minutes(5)))
        };
        let parsed = |query: &str| {
            promql::parse_instant_vector(query)
                .ok()
                .map(|expr| expr.to_string())
        };
        if probe(&failures, promql::shape_print) == probe(&total_query, promql::shape_print)
            && probe(&failures, parsed) == probe(&total_query, parsed)
        {
            let span = self.inner(errors.1.span());
            let problem = if errors.0 == "errors" {
                Problem::ErrorsEqualTotal
            } else {
                Problem::GoodEqualTotal
            };
            self.error(problem, span);
            return None;
        }
        let side = |query: &WindowQuery| promql::ratio_side(&query.at(Duration::from_minutes(5)));
        let (left, right) = (side(&failures), side(&total_query));
        // `increase()` over `rate()` is off by the window's seconds.
        if let (Some(errors_counting), Some(total_counting)) = (left.counting, right.counting)
            && errors_counting != total_counting
        {
            let span = self.inner(errors.1.span());
            let name = |counting| match counting {
                Counting::Increase => "increase()",
                Counting::Rate => "rate()",
            };
            self.error(
                Problem::RatioCounting {
                    field: errors.0,
                    errors: name(errors_counting),
                    total: name(total_counting),
                },
                span,
            );
            return None;
        }
        // `errors / total` matches series by their labels: queries grouped
        // differently never match, and the ratio would read 0 (or 1).
        // Grouped in different forms, only the data can tell: a warning.
        match left.grouping.pairing(&right.grouping) {
            promql::Pairing::Alike => {}
            pairing => {
                let span = self.inner(errors.1.span());
                let (field, errors, total) = (errors.0, left.grouping, right.grouping);
                if pairing == promql::Pairing::Never {
                    self.error(
                        Problem::RatioGrouping {
                            field,
                            errors,
                            total,
                        },
                        span,
                    );
                    return None;
                }
                self.error(
                    Problem::RatioGroupingForms {
                        field,
                        errors,
                        total,
                    },
                    span,
                );
            }
        }
        let errors = if errors.0 == "errors" {
            RatioErrors::Errors(failures)
        } else {
            RatioErrors::Good(failures)
        };
        Some(Sli::Ratio {
            errors,
            total: total_query,
        })
    }

    /// A query with `{{window}}` that parses as an instant vector for any window.
    pub(super) fn window_query(
        &mut self,
        field: &'static str,
        query: &Spanned<String>,
    ) -> Option<WindowQuery> {
        let span = self.inner(query.span());
        let text = query.get_ref();
        if !promql::has_window_placeholder(text) {
            match promql::foreign_placeholder(text) {
                Some(found) => self.error(Problem::WindowPlaceholderStyle { found }, span),
                None => self.error(Problem::WindowPlaceholderMissing { field }, span),
            }
            return None;
        }
        self.query(field, &promql::fill_window(text, "5m"), query)?;
        Some(WindowQuery(promql::strip_comments(text)))
    }

    /// Checks `checked`, which is the query as written (`query`) or that
    /// with `{{window}}` filled in.
    pub(super) fn query(
        &mut self,
        field: &str,
        checked: &str,
        query: &Spanned<String>,
    ) -> Option<()> {
        let span = self.inner(query.span());
        match promql::check_instant_vector(checked) {
            Ok(()) => Some(()),
            Err(QueryError::Regex(error)) => {
                // Located in the query as written: a filled `{{window}}`
                // before the regex moved it.
                let at = if checked == query.get_ref() {
                    Some(error.at.clone())
                } else {
                    promql::regex_error(query.get_ref())
                        .filter(|written| written.regex == error.regex)
                        .map(|written| written.at)
                };
                self.regex_error(field, error, at, query);
                None
            }
            Err(QueryError::Parse(error)) => {
                // Placed in the query as written: `{{window}}` is balanced
                // and no operator, so the place is the same.
                let span = promql::parse_error_place(query.get_ref())
                    .and_then(|at| spec::value_span(&self.text, &query.span(), query.get_ref(), at))
                    .unwrap_or(span);
                self.error(
                    Problem::InvalidPromql {
                        field: field.to_owned(),
                        error,
                    },
                    span,
                );
                None
            }
            Err(QueryError::NotVector(found)) => {
                self.error(
                    Problem::NotInstantVector {
                        field: field.to_owned(),
                        found,
                    },
                    span,
                );
                None
            }
        }
    }

    /// Reports a regex Prometheus rejects or reads otherwise, at `at` in
    /// the text of `query` (its whole value when unknown, or when TOML
    /// escapes hide the place).
    pub(super) fn regex_error(
        &mut self,
        field: &str,
        error: promql::RegexError,
        at: Option<Range<usize>>,
        query: &Spanned<String>,
    ) {
        let span = at
            .and_then(|at| spec::value_span(&self.text, &query.span(), query.get_ref(), at))
            .unwrap_or_else(|| self.inner(query.span()));
        self.error(
            Problem::RegexNotRe2 {
                field: field.to_owned(),
                regex: error.regex,
                message: error.message,
                help: error.help,
            },
            span,
        );
    }

    pub(super) fn latency(&mut self, spec: &spec::LatencySpec) -> Option<Sli> {
        let histogram = spec.histogram.get_ref();
        let span = self.inner(spec.histogram.span());
        let mut ok = true;
        if ["_bucket", "_count", "_sum"]
            .iter()
            .any(|suffix| histogram.ends_with(suffix))
        {
            self.error(
                Problem::HistogramSuffix {
                    name: histogram.clone(),
                },
                span,
            );
            ok = false;
        } else if !promql::is_metric_name(histogram) {
            self.error(
                Problem::InvalidMetricName {
                    name: histogram.clone(),
                },
                span,
            );
            ok = false;
        }
        let bound = match spec.threshold.get_ref() {
            spec::ThresholdValue::Text(text) => Duration::parse(text)
                .ok()
                .filter(|duration| duration.millis() > 0)
                .map(Duration::seconds)
                .ok_or_else(|| text.clone()),
            spec::ThresholdValue::Number(number) if number.is_finite() && *number > 0.0 => {
                Ok(*number)
            }
            spec::ThresholdValue::Number(number) => Err(number.to_string()),
        };
        let bound = match bound {
            Ok(bound) => Some(bound),
            Err(text) => {
                let span = self.inner(spec.threshold.span());
                self.error(Problem::InvalidThreshold { text }, span);
                None
            }
        };
        let matchers = match &spec.selector {
            Some(selector) => self.selector(selector),
            None => Some(String::new()),
        };
        let group_by = self.group_by(&spec.group_by);
        if !ok {
            return None;
        }
        Some(Sli::Latency {
            histogram: histogram.clone(),
            bound: bound?,
            matchers: matchers?,
            group_by: group_by?,
            native: spec.native.unwrap_or(false),
        })
    }

    pub(super) fn selector(&mut self, selector: &Spanned<String>) -> Option<String> {
        let span = self.inner(selector.span());
        let text = selector.get_ref().trim();
        let inner = text
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .map(str::trim);
        let Some(inner) = inner else {
            self.error(
                Problem::InvalidSelector {
                    error: "it must be enclosed in `{` and `}`".to_owned(),
                },
                span,
            );
            return None;
        };
        if inner.is_empty() {
            return Some(String::new());
        }
        match promql::parse(&format!("slogen_probe{{{inner}}}")) {
            Ok(promql_parser::parser::Expr::VectorSelector(vector)) => {
                if vector
                    .matchers
                    .matchers
                    .iter()
                    .any(|matcher| matcher.name == "le" || matcher.name == "__name__")
                {
                    self.error(
                        Problem::InvalidSelector {
                            error: "slogen sets `le` and the metric name itself".to_owned(),
                        },
                        span,
                    );
                    return None;
                }
                if let Some(error) = promql::regex_error(selector.get_ref()) {
                    let at = error.at.clone();
                    self.regex_error("selector", error, Some(at), selector);
                    return None;
                }
                Some(inner.trim_end_matches(',').to_owned())
            }
            Ok(_) => {
                self.error(
                    Problem::InvalidSelector {
                        error: "expected label matchers only".to_owned(),
                    },
                    span,
                );
                None
            }
            Err(error) => {
                let error = if error.contains("metric name must not be set twice") {
                    "slogen sets the metric name itself (from `histogram`)".to_owned()
                } else {
                    error
                };
                self.error(Problem::InvalidSelector { error }, span);
                None
            }
        }
    }

    /// A latency SLI's `group_by`: label names, not `le`, which slogen picks.
    pub(super) fn group_by(&mut self, labels: &[Spanned<String>]) -> Option<Vec<String>> {
        let mut ok = true;
        for label in labels {
            let span = self.inner(label.span());
            if !promql::is_label_name(label.get_ref()) {
                self.error(
                    Problem::InvalidLabelName {
                        name: label.get_ref().clone(),
                    },
                    span,
                );
                ok = false;
            } else if is_reserved(label.get_ref()) {
                self.error(
                    Problem::ReservedLabel {
                        name: label.get_ref().clone(),
                    },
                    span,
                );
                ok = false;
            } else if label.get_ref() == "le" {
                self.error(Problem::GroupByLe, span);
                ok = false;
            }
        }
        ok.then(|| labels.iter().map(|label| label.get_ref().clone()).collect())
    }

    pub(super) fn threshold(&mut self, threshold: &Spanned<spec::ThresholdSpec>) -> Option<Sli> {
        let spec = threshold.get_ref();
        let query = self.query("query", spec.query.get_ref(), &spec.query);
        let bound = match (&spec.max, &spec.min) {
            (Some(max), None) => self.finite("max", max).map(Bound::Max),
            (None, Some(min)) => self.finite("min", min).map(Bound::Min),
            _ => {
                self.error(Problem::ThresholdBound, threshold.span());
                None
            }
        };
        query?;
        Some(Sli::Threshold {
            query: promql::strip_comments(spec.query.get_ref()),
            bound: bound?,
        })
    }

    /// A threshold SLI's bound: `nan` or `inf` would compare false forever.
    pub(super) fn finite(&mut self, key: &'static str, bound: &Spanned<f64>) -> Option<f64> {
        let value = *bound.get_ref();
        if value.is_finite() {
            return Some(value);
        }
        self.error(
            Problem::BoundNotFinite {
                key,
                value: if value.is_nan() {
                    "nan"
                } else if value > 0.0 {
                    "inf"
                } else {
                    "-inf"
                }
                .to_owned(),
            },
            bound.span(),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_found_after_a_brace() {
        let names = |text: &str| -> Vec<String> {
            placeholders(text)
                .into_iter()
                .map(|(name, _)| name)
                .collect()
        };
        assert_eq!(
            names("x{{{filter}}job=\"{{job}}\"}[{{window}}]"),
            ["filter", "job", "window"]
        );
        assert_eq!(
            names("{{ spaced }} {{.dot}} {{Upper}}"),
            Vec::<String>::new()
        );
        let text = "a{{{b}}";
        assert_eq!(&text[placeholders(text)[0].1.clone()], "{{b}}");
    }
}
