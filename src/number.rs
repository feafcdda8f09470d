//! Numbers in generated output, without float noise.
//!
//! Budget arithmetic in binary floating point leaves residue
//! (`(100 - 99.9) / 100 = 0.0009999999999999432`). Every number slogen prints
//! goes through [`format`], which rounds to 12 significant digits and prints
//! the shortest decimal that reads back as that value: `0.001`, `14.4`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::LocalKey;

/// Results of a function of one number, each worked out once per thread:
/// projects repeat a few objectives, windows and burn rates in every SLO.
type Memo<T> = RefCell<HashMap<u64, T>>;

/// `compute(value)`, from `memo` when it was worked out before on this
/// thread. The memo starts over past 4,096 entries.
fn remembered<T: Clone>(
    memo: &'static LocalKey<Memo<T>>,
    value: f64,
    compute: impl FnOnce(f64) -> T,
) -> T {
    const KEPT: usize = 4096;
    let bits = value.to_bits();
    if let Some(known) = memo.with(|memo| memo.borrow().get(&bits).cloned()) {
        return known;
    }
    let computed = compute(value);
    memo.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= KEPT {
            memo.clear();
        }
        memo.insert(bits, computed.clone());
    });
    computed
}

/// Rounds to 12 significant digits: far below any objective's precision,
/// far above float residue.
pub(crate) fn clean(value: f64) -> f64 {
    thread_local! {
        static CLEANED: Memo<f64> = RefCell::default();
    }
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    // The `e` formatter rounds correctly; reading it back gives the nearest double.
    remembered(&CLEANED, value, |value| {
        format!("{value:.11e}").parse().unwrap_or(value)
    })
}

/// The shortest decimal text of `clean(value)`, never in exponent form.
pub(crate) fn format(value: f64) -> String {
    let value = clean(value);
    if value == 0.0 {
        return "0".to_owned();
    }
    format!("{value}")
}

/// The smallest error budget slogen compiles: nine nines (99.9999999%),
/// 2.6 ms a month. Telling a smaller share of events apart takes counters
/// beyond the integers a float holds exactly, so Prometheus' own ratios
/// (and the generated tests' expectations) lose their last digits.
pub(crate) const SMALLEST_BUDGET: f64 = 1e-9;

/// `(100 - percent) / 100`, the error budget of an objective in percent,
/// worked out on the shortest decimal that reads back as `percent`: in
/// floats, `(100 - 99.9995) / 100` is 0.00000500000000002, a cancellation
/// that rounding to 12 digits cannot hide. Falls back to floats for a
/// value outside (0, 100).
pub(crate) fn budget_of_percent(percent: f64) -> f64 {
    let exact = || -> Option<f64> {
        if !(percent > 0.0 && percent < 100.0) {
            return None;
        }
        // `Display` writes the shortest round-trip decimal, never with an exponent.
        let text = percent.to_string();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let scale = u32::try_from(fraction.len()).ok()?;
        let digits: u128 = format!("{whole}{fraction}").parse().ok()?;
        let hundred = 100_u128.checked_mul(10_u128.checked_pow(scale)?)?;
        let left = hundred.checked_sub(digits)?;
        // `left` × 10^-(scale + 2), read back correctly rounded.
        format!("{left}e-{}", scale + 2).parse().ok()
    };
    exact().unwrap_or_else(|| clean((100.0 - percent) / 100.0))
}

/// A number for prose: at most 4 significant digits (`0.9333`, `14.4`).
pub(crate) fn human(value: f64) -> String {
    thread_local! {
        static HUMAN: Memo<String> = RefCell::default();
    }
    if value == 0.0 || !value.is_finite() {
        return format(value);
    }
    remembered(&HUMAN, value, |value| {
        format(format!("{value:.3e}").parse().unwrap_or(value))
    })
}

/// A share as a percentage for people, e.g. `0.02` → `2%`, `0.0001` → `0.01%`.
pub(crate) fn percent(share: f64) -> String {
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
    fn budgets_are_exact_decimals() {
        for (objective, budget) in [
            (99.9, "0.001"),
            (99.9995, "0.000005"),
            (99.9999, "0.000001"),
            (99.99999, "0.0000001"),
            (50.0, "0.5"),
            (99.0, "0.01"),
            (0.001, "0.99999"),
        ] {
            assert_eq!(format(budget_of_percent(objective)), budget, "{objective}");
            assert_eq!(budget_of_percent(objective), budget.parse::<f64>().unwrap());
        }
        for (objective, burn, threshold) in [(99.9995, 14.4, "0.000072"), (99.9995, 6.0, "0.00003")]
        {
            assert_eq!(format(burn * budget_of_percent(objective)), threshold);
        }
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
