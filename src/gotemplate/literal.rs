//! Go's rules for the literals of a template (`strconv`, as
//! `text/template/parse` calls it): quoted strings, character constants and
//! numbers. In: a token's text. Out: whether Go reads it, and if not why.

/// A character of a quoted literal: a Unicode character, or a byte from
/// a `\x` or octal escape.
enum Value {
    Char(char),
    Byte(u8),
}

/// `strconv.UnquoteChar`: the first character of `s`, the body of a
/// literal opened with `quote`, and the rest; `None` where Go reports a
/// syntax error.
fn unquote_char(s: &str, quote: char) -> Option<(Value, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote {
        return None;
    }
    if c != '\\' {
        return Some((Value::Char(c), chars.as_str()));
    }
    let escape = chars.next()?;
    let rest = chars.as_str();
    let plain = match escape {
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        '\\' => '\\',
        '\'' | '"' if escape == quote => escape,
        'x' | 'u' | 'U' => {
            let width = match escape {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..width)?;
            if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(digits, 16).ok()?;
            let value = match u8::try_from(code) {
                Ok(byte) if escape == 'x' => Value::Byte(byte),
                _ => Value::Char(char::from_u32(code)?),
            };
            return Some((value, &rest[width..]));
        }
        '0'..='7' => {
            let digits = rest.get(..2)?;
            let mut code = u32::from(escape) - u32::from('0');
            for byte in digits.bytes() {
                if !(b'0'..=b'7').contains(&byte) {
                    return None;
                }
                code = code << 3 | u32::from(byte - b'0');
            }
            return Some((Value::Byte(u8::try_from(code).ok()?), &rest[2..]));
        }
        _ => return None,
    };
    Some((Value::Char(plain), rest))
}

/// `strconv.Unquote` of a string (`"…"`) or raw string (`` `…` ``), quotes
/// included: its bytes, or `None` where Go refuses it.
pub(super) fn unquote(token: &str) -> Option<Vec<u8>> {
    let quote = token.chars().next()?;
    let body = token.get(1..token.len().checked_sub(1)?)?;
    if quote == '`' {
        return (!body.contains('`')).then(|| body.replace('\r', "").into_bytes());
    }
    if body.contains('\n') {
        return None;
    }
    let (mut bytes, mut rest) = (Vec::with_capacity(body.len()), body);
    while !rest.is_empty() {
        let (value, more) = unquote_char(rest, quote)?;
        match value {
            Value::Char(c) => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            Value::Byte(byte) => bytes.push(byte),
        }
        rest = more;
    }
    Some(bytes)
}

/// A character constant (`'x'`, `'\n'`) as Go's parser reads it.
pub(super) fn char_constant(token: &str) -> Result<(), &'static str> {
    match unquote_char(token.get(1..).unwrap_or(""), '\'') {
        None => Err("is not a valid Go character constant"),
        Some((_, "'")) => Ok(()),
        Some(_) => Err("holds more than one character: write strings in double quotes"),
    }
}

/// `strconv.underscoreOK`: `_` only between digits, or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let (mut saw, mut at, mut hex) = (b'^', 0, false);
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        (saw, at, hex) = (b'0', 2, s[1].eq_ignore_ascii_case(&b'x'));
    }
    for &byte in &s[at..] {
        if byte.is_ascii_digit() || hex && byte.is_ascii_hexdigit() {
            saw = b'0';
        } else if byte == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// `strconv.ParseUint(s, 0, 64)`: `0x`, `0o`, `0b` and `0` (octal)
/// prefixes, `_` between digits.
fn parse_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    let (base, digits) = match bytes {
        [] => return None,
        [b'0', prefix, _, ..] if matches!(prefix.to_ascii_lowercase(), b'b' | b'o' | b'x') => {
            let base = match prefix.to_ascii_lowercase() {
                b'b' => 2,
                b'o' => 8,
                _ => 16,
            };
            (base, &bytes[2..])
        }
        [b'0', ..] => (8, &bytes[1..]),
        _ => (10, bytes),
    };
    let (mut value, mut underscores) = (0_u64, false);
    for &byte in digits {
        if byte == b'_' {
            underscores = true;
            continue;
        }
        let digit = u64::from(match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'z' => byte - b'a' + 10,
            b'A'..=b'Z' => byte - b'A' + 10,
            _ => return None,
        });
        if digit >= base {
            return None;
        }
        value = value.checked_mul(base)?.checked_add(digit)?;
    }
    (!underscores || underscore_ok(s)).then_some(value)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let value = parse_uint(digits)?;
    match negative {
        true if value <= 1 << 63 => Some(0_i64.wrapping_sub_unsigned(value)),
        true => None,
        false => i64::try_from(value).ok(),
    }
}

/// `strconv.ParseFloat(s, 64)` succeeds: Go's decimal or hexadecimal
/// (`0x1p-2`, exponent required) syntax, `_` between digits, and finite.
fn float_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let hex =
        bytes.len() > at + 2 && bytes[at] == b'0' && bytes[at + 1].eq_ignore_ascii_case(&b'x');
    at += if hex { 2 } else { 0 };
    let (mut digits, mut fraction, mut dot, mut underscores) = (0.0_f64, 0_i64, false, false);
    let mut any = false;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'_' => underscores = true,
            b'.' if !dot => dot = true,
            _ if byte.is_ascii_digit() || hex && byte.is_ascii_hexdigit() => {
                any = true;
                digits = digits * 16.0 + f64::from((byte as char).to_digit(16).unwrap_or(0));
                fraction -= if dot { 4 } else { 0 };
            }
            _ => break,
        }
        at += 1;
    }
    let mut exponent = 0_i64;
    if bytes
        .get(at)
        .is_some_and(|byte| byte.eq_ignore_ascii_case(if hex { &b'p' } else { &b'e' }))
    {
        at += 1;
        let negative = bytes.get(at) == Some(&b'-');
        at += usize::from(matches!(bytes.get(at), Some(b'+' | b'-')));
        if !bytes.get(at).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while let Some(&byte) = bytes
            .get(at)
            .filter(|byte| byte.is_ascii_digit() || **byte == b'_')
        {
            underscores |= byte == b'_';
            if byte != b'_' && exponent < 10_000 {
                exponent = exponent * 10 + i64::from(byte - b'0');
            }
            at += 1;
        }
        exponent = if negative { -exponent } else { exponent };
    } else if hex {
        return false;
    }
    if !any || at != bytes.len() || underscores && !underscore_ok(s) {
        return false;
    }
    if hex {
        // Within a rounding of the largest float, this may differ from Go.
        digits == 0.0 || digits.log2() + ((exponent + fraction) as f64) < 1024.0
    } else {
        s.replace('_', "").parse::<f64>().is_ok_and(f64::is_finite)
    }
}

/// A complex constant (`1+2i`) as `fmt.Sscan` reads it: a float token, a
/// sign, a float token and `i`, each token then read by `ParseFloat`.
fn complex_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    let accept = |at: &mut usize, set: &[u8]| {
        let found = bytes.get(*at).is_some_and(|byte| set.contains(byte));
        *at += usize::from(found);
        found
    };
    let float_token = |at: &mut usize| {
        let start = *at;
        if accept(at, b"nN") && accept(at, b"aA") && accept(at, b"nN") {
            return start..*at;
        }
        accept(at, b"+-");
        if accept(at, b"iI") && accept(at, b"nN") && accept(at, b"fF") {
            return start..*at;
        }
        let (digits, exponent): (&[u8], &[u8]) = if accept(at, b"0") && accept(at, b"xX") {
            (b"0123456789aAbBcCdDeEfF_", b"pP")
        } else {
            (b"0123456789_", b"eEpP")
        };
        while accept(at, digits) {}
        if accept(at, b".") {
            while accept(at, digits) {}
        }
        if accept(at, exponent) {
            accept(at, b"+-");
            while accept(at, b"0123456789_") {}
        }
        start..*at
    };
    let real = float_token(&mut at);
    let sign = at;
    if !matches!(bytes.get(at), Some(b'+' | b'-')) {
        return false;
    }
    at += 1;
    let imaginary = sign..float_token(&mut at).end;
    if bytes.get(at) != Some(&b'i') {
        return false;
    }
    // `fmt` reads a `p` exponent itself, after the mantissa.
    let convert = |token: &str| match token.split_once('p') {
        Some((mantissa, exponent)) => float_ok(mantissa) && exponent.parse::<i64>().is_ok(),
        None => float_ok(token),
    };
    convert(&text[real]) && convert(&text[imaginary])
}

/// A number token (`1`, `-0x1F`, `1e3`, `2i`; `complex`: `1+2i`) as Go's
/// parser reads it (`parse.newNumber`).
pub(super) fn number(text: &str, complex: bool) -> Result<(), &'static str> {
    const SYNTAX: &str = "is not a number in Go's syntax, or is out of range";
    if complex {
        return if complex_ok(text) {
            Ok(())
        } else {
            Err(SYNTAX)
        };
    }
    if text.strip_suffix('i').is_some_and(float_ok)
        || parse_uint(text).is_some()
        || parse_int(text).is_some()
    {
        return Ok(());
    }
    if !float_ok(text) {
        Err(SYNTAX)
    } else if text.contains(['.', 'e', 'E', 'p', 'P']) {
        Ok(())
    } else if text.trim_start_matches(['+', '-']).starts_with('0') {
        Err("is octal (a leading `0`), which has no digits 8 or 9")
    } else {
        Err("is too large for a 64-bit integer")
    }
}
