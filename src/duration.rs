//! Prometheus durations (`5m`, `1h30m`, `30d`): parsed once, printed canonically.
//!
//! Parsing follows Prometheus' own grammar (units `y w d h m s ms`, each at
//! most once, largest first). Printing uses `d h m s ms` only, so `30d` stays
//! `30d` and `4w` becomes `28d`: recording-rule names built from windows are
//! then one spelling per length.

use std::fmt;

/// A non-negative span of time, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    /// A duration of whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// A duration of whole minutes.
    pub const fn from_minutes(minutes: u64) -> Self {
        Self(minutes * 60_000)
    }

    /// The length in milliseconds.
    pub const fn millis(self) -> u64 {
        self.0
    }

    /// The length in seconds.
    #[allow(clippy::cast_precision_loss)]
    pub fn seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Parses a Prometheus duration. Zero (`0s`) is allowed; callers that need
    /// a positive length check it.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        let mut rest = text;
        let mut total: u64 = 0;
        let mut last_unit = None;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(DurationError::Malformed);
            }
            let value: u64 = rest[..digits].parse().map_err(|_| DurationError::TooLong)?;
            rest = &rest[digits..];
            let (index, (unit, factor)) = UNITS
                .iter()
                .enumerate()
                // `ms` before `m`, so try the longer spelling first.
                .filter(|(_, (unit, _))| rest.starts_with(unit))
                .max_by_key(|(_, (unit, _))| unit.len())
                .ok_or(DurationError::Malformed)?;
            if last_unit.is_some_and(|last| index <= last) {
                return Err(DurationError::Malformed);
            }
            last_unit = Some(index);
            rest = &rest[unit.len()..];
            total = value
                .checked_mul(*factor)
                .and_then(|millis| total.checked_add(millis))
                .ok_or(DurationError::TooLong)?;
        }
        Ok(Self(total))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return formatter.write_str("0s");
        }
        // Written a part at a time: durations are printed into most
        // rules, queries and descriptions.
        let mut digits = itoa::Buffer::new();
        let mut rest = self.0;
        for (unit, factor) in UNITS.iter().skip(2) {
            if rest >= *factor {
                formatter.write_str(digits.format(rest / factor))?;
                formatter.write_str(unit)?;
                rest %= factor;
            }
        }
        Ok(())
    }
}

/// Why a duration did not parse; the wording is in [`crate::diagnostic`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationError {
    /// The text is empty.
    Empty,
    /// Not digits followed by a unit, or units out of order.
    Malformed,
    /// Larger than slogen can hold.
    TooLong,
}

/// Renders a duration for people: `2d 2h`, `8m 38s`, `26s`.
/// Shows the two largest non-zero units, rounding the seconds.
pub(crate) fn humanize_seconds(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "never".to_owned();
    }
    if seconds < 1.0 {
        return format!("{}ms", crate::number::format((seconds * 1000.0).round()));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mut rest = seconds.round() as u64;
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.truncate(2);
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(text: &str, canonical: &str) {
        assert_eq!(Duration::parse(text).unwrap().to_string(), canonical);
    }

    #[track_caller]
    fn bad(text: &str, error: DurationError) {
        assert_eq!(Duration::parse(text), Err(error));
    }

    #[test]
    fn parses_and_prints_canonically() {
        case("5m", "5m");
        case("90m", "1h30m");
        case("1h30m", "1h30m");
        case("30d", "30d");
        case("4w", "28d");
        case("1w", "7d");
        case("100ms", "100ms");
        case("1s500ms", "1s500ms");
        case("0s", "0s");
        case("1y", "365d");
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        bad("", DurationError::Empty);
        bad("5", DurationError::Malformed);
        bad("m", DurationError::Malformed);
        bad("5x", DurationError::Malformed);
        bad("5m1h", DurationError::Malformed);
        bad("5m5m", DurationError::Malformed);
        bad("1.5h", DurationError::Malformed);
        bad("-5m", DurationError::Malformed);
        bad("99999999999999999999d", DurationError::TooLong);
    }

    #[test]
    fn humanizes() {
        assert_eq!(humanize_seconds(172_800.0 + 7_200.0), "2d 2h");
        assert_eq!(humanize_seconds(518.4), "8m 38s");
        assert_eq!(humanize_seconds(26.0), "26s");
        assert_eq!(humanize_seconds(f64::INFINITY), "never");
    }
}
