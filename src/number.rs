//! Numbers in generated output, without float noise.
//!
//! Budget arithmetic in binary floating point leaves residue
//! (`(100 - 99.9) / 100 = 0.0009999999999999432`). Every number slogen prints
//! goes through [`format`], which rounds to 12 significant digits and prints
//! the shortest decimal that reads back as that value: `0.001`, `14.4`.

/// Rounds to 12 significant digits: far below any objective's precision,
/// far above float residue.
pub fn clean(value: f64) -> f64 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        /// Projects repeat a few objectives, windows and burn rates in
        /// every SLO: each value is rounded once per thread.
        static CLEANED: RefCell<HashMap<u64, f64>> = RefCell::default();
    }
    /// Entries kept before the memo starts over.
    const KEPT: usize = 4096;
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let bits = value.to_bits();
    if let Some(cleaned) = CLEANED.with(|cleaned| cleaned.borrow().get(&bits).copied()) {
        return cleaned;
    }
    // The `e` formatter rounds correctly; reading it back gives the nearest double.
    let cleaned = format!("{value:.11e}").parse().unwrap_or(value);
    CLEANED.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= KEPT {
            memo.clear();
        }
        memo.insert(bits, cleaned);
    });
    cleaned
}

/// The shortest decimal text of `clean(value)`, never in exponent form.
pub fn format(value: f64) -> String {
    let value = clean(value);
    if value == 0.0 {
        return "0".to_owned();
    }
    format!("{value}")
}

/// A number for prose: at most 4 significant digits (`0.9333`, `14.4`).
pub fn human(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format(value);
    }
    format(format!("{value:.3e}").parse().unwrap_or(value))
}

/// A share as a percentage for people, e.g. `0.02` → `2%`, `0.0001` → `0.01%`.
pub fn percent(share: f64) -> String {
    format!("{}%", human(share * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(value: f64, expected: &str) {
        assert_eq!(format(value), expected);
    }

    #[test]
    fn no_float_noise() {
        case((100.0 - 99.9) / 100.0, "0.001");
        case(14.4 * ((100.0 - 99.9) / 100.0), "0.0144");
        case(0.02 * 720.0, "14.4");
        case(0.05 * 28.0 * 24.0 / 6.0, "5.6");
        case(0.1 * 28.0 * 24.0 / 72.0, "0.933333333333");
        case(1.0, "1");
        case(0.0, "0");
        case(0.000_000_1, "0.0000001");
        case(99.95, "99.95");
    }

    #[test]
    fn prose_numbers_are_short() {
        assert_eq!(human(0.933_333_333_333), "0.9333");
        assert_eq!(human(14.4), "14.4");
        assert_eq!(human(13.44), "13.44");
        assert_eq!(human(123_456.0), "123500");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(1.0 - 0.999), "0.1%");
    }
}
