//! promtool's expanding notation for the values of input series.
//!
//! In: a list of samples, one per test interval (a value, or a gap). Out:
//! compact text such as `0+60x359 21540x35 _x3`. Also checks notation
//! written by people (`[[alert.test]]` series) before promtool sees it.
//!
//! The notation (Prometheus 2): `a` is one sample; `axn` and `a+bxn` (or
//! `a-bxn`) are n + 1 samples `a, a+b, …, a+n·b`, computed by repeated
//! addition; `_` is a gap and `_xn` n gaps; `stale` a staleness marker.
//! A run is written as `a+bxn` only when repeated addition reproduces every
//! value exactly, so what promtool loads is bit for bit what was planned.

/// One sample of an input series: a value, or none (a gap).
pub(crate) type Sample = Option<f64>;

/// The notation of a list of samples.
pub(crate) fn encode(samples: &[Sample]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < samples.len() {
        let Some(first) = samples[index] else {
            let gaps = samples[index..]
                .iter()
                .take_while(|sample| sample.is_none())
                .count();
            parts.push(if gaps == 1 {
                "_".to_owned()
            } else {
                format!("_x{gaps}")
            });
            index += gaps;
            continue;
        };
        let run = arithmetic_run(&samples[index..]);
        let step = samples
            .get(index + 1)
            .copied()
            .flatten()
            .map_or(0.0, |second| second - first);
        // `a+bx1` is longer than `a a+b`; runs of two are only worth it when flat.
        if run >= 3 || (run == 2 && step == 0.0) {
            let count = run - 1;
            parts.push(if step == 0.0 {
                format!("{}x{count}", number(first))
            } else if step > 0.0 {
                format!("{}+{}x{count}", number(first), number(step))
            } else {
                format!("{}-{}x{count}", number(first), number(-step))
            });
            index += run;
        } else {
            parts.push(number(first));
            index += 1;
        }
    }
    parts.join(" ")
}

/// How many samples from the first on promtool's repeated addition of the
/// first difference reproduces exactly.
fn arithmetic_run(samples: &[Sample]) -> usize {
    let (Some(Some(first)), Some(Some(second))) = (samples.first(), samples.get(1)) else {
        return 1;
    };
    let step = second - first;
    if !step.is_finite() {
        return 1;
    }
    let mut value = *first;
    let mut length = 1;
    for sample in &samples[1..] {
        value += step;
        match sample {
            Some(next) if next.to_bits() == value.to_bits() => length += 1,
            _ => break,
        }
    }
    length
}

/// The shortest decimal that reads back as `value` (Go's `ParseFloat` and
/// Rust agree on it), never in exponent form, never `-0`.
pub(crate) fn number(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value}")
    }
}

/// Checks notation; returns the number of samples it describes.
pub(crate) fn check(text: &str) -> Result<usize, String> {
    let mut count = 0;
    for token in text.split_whitespace() {
        count += token_samples(token).ok_or_else(|| format!("`{token}` is not a series value"))?;
    }
    if count == 0 {
        return Err("no values".to_owned());
    }
    Ok(count)
}

fn token_samples(token: &str) -> Option<usize> {
    if token == "_" || token == "stale" || is_number(token) {
        return Some(1);
    }
    let (head, times) = token.rsplit_once('x')?;
    let times: usize = times
        .parse()
        .ok()
        .filter(|_| times.bytes().all(|b| b.is_ascii_digit()))?;
    if head == "_" {
        return Some(times);
    }
    if is_number(head) {
        return Some(times + 1);
    }
    // `a+b` or `a-b`: the operator is the first sign after the first character
    // that does not belong to an exponent.
    let bytes = head.as_bytes();
    let operator = (1..bytes.len()).find(|&index| {
        matches!(bytes[index], b'+' | b'-') && !matches!(bytes[index - 1], b'e' | b'E')
    })?;
    (is_number(&head[..operator]) && is_number(&head[operator + 1..])).then_some(times + 1)
}

fn is_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if ["Inf", "inf", "NaN"].contains(&unsigned) {
        return true;
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (digits(whole) || whole.is_empty())
                && (digits(fraction) || fraction.is_empty())
                && !(whole.is_empty() && fraction.is_empty())
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent
        .is_none_or(|exponent| digits(exponent.strip_prefix(['+', '-']).unwrap_or(exponent)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(samples: &[Sample], expected: &str) {
        let text = encode(samples);
        assert_eq!(text, expected);
        assert_eq!(check(&text), Ok(samples.len()));
    }

    #[test]
    fn encodes_runs() {
        case(&[Some(0.0), Some(60.0), Some(120.0), Some(180.0)], "0+60x3");
        case(&[None, None, None, Some(0.0), Some(0.0)], "_x3 0x1");
        case(&[None, Some(1.0), Some(3.0)], "_ 1 3");
        case(
            &[
                Some(5.0),
                Some(4.0),
                Some(3.0),
                Some(7.0),
                Some(7.0),
                Some(7.0),
            ],
            "5-1x2 7x2",
        );
        case(&[Some(0.1), Some(0.2), Some(0.3)], "0.1 0.2 0.3");
        case(&[Some(0.000_000_1)], "0.0000001");
        case(&[Some(-0.0)], "0");
    }

    #[test]
    fn checks_what_people_write() {
        assert_eq!(check("0 1 _ stale 1e3 -2.5"), Ok(6));
        assert_eq!(
            check("0+1x10 _x2 5x3 1e-3-1e-4x2 -1+2x1"),
            Ok(11 + 2 + 4 + 3 + 2)
        );
        assert!(check("").is_err());
        assert!(check("1 two").is_err());
        assert!(check("1+x3").is_err());
        assert!(check("1x").is_err());
    }
}
