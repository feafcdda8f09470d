//! The quick read-back: generated YAML read straight from parser events.
//!
//! In: the text of a generated file and the parser options serde-saphyr
//! would use for it. Out: values read by the caller's schema, or `None`.
//!
//! Reading through serde costs serde-saphyr about twice the parse itself.
//! slogen's own files are plain YAML: one document of mappings, sequences
//! and scalars, without anchors, aliases, tags, nulls or repeated keys.
//! [`Reader`] walks the events of granit-parser (the parser under
//! serde-saphyr, with the same options) and gives up on anything else:
//! another construct, a key the caller does not know or that YAML could
//! read as a number or boolean, a scalar that is not plainly a string or a
//! finite decimal number. Giving up is not an error: `verify` then reads
//! the file with serde-saphyr, whose verdict and messages are the real
//! ones. The reader is meant to accept only what serde-saphyr reads to the
//! same values; tests in `verify` hold it to that for every problem they
//! know of.

use std::borrow::Cow;
use std::collections::BTreeMap;

use granit_parser::{Event, Options, Parser, ScalarStyle, StrInput};

/// `None`: the reader gave up.
pub type Read<T> = Option<T>;

/// A walk over one YAML text's events.
pub struct Reader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    /// An event read ahead (to see whether a sequence ends).
    pending: Option<Event<'a>>,
}

impl<'a> Reader<'a> {
    /// A reader of `text`.
    pub fn new(text: &'a str, options: Options) -> Self {
        Self {
            parser: Parser::new_from_str_with_options(text, options),
            pending: None,
        }
    }

    fn next(&mut self) -> Read<Event<'a>> {
        if let Some(event) = self.pending.take() {
            return Some(event);
        }
        loop {
            match self.parser.next_event()? {
                Ok((Event::Comment(..), _)) => {}
                Ok((event, _)) => return Some(event),
                Err(_) => return None,
            }
        }
    }

    /// Reads a text of one document, its top node read by `body`.
    pub fn document<T>(mut self, body: impl FnOnce(&mut Self) -> Read<T>) -> Read<T> {
        matches!(self.next()?, Event::StreamStart).then_some(())?;
        // A `%YAML` directive may change how scalars read.
        matches!(self.next()?, Event::DocumentStart(_, None)).then_some(())?;
        let value = body(&mut self)?;
        matches!(self.next()?, Event::DocumentEnd).then_some(())?;
        matches!(self.next()?, Event::StreamEnd).then_some(())?;
        Some(value)
    }

    /// Reads a mapping: `field` reads the value of each key, and gives up
    /// on a key it does not know.
    pub fn mapping(&mut self, mut field: impl FnMut(&mut Self, &str) -> Read<()>) -> Read<()> {
        let Event::MappingStart(_, 0, None) = self.next()? else {
            return None;
        };
        let mut keys: Vec<Cow<'a, str>> = Vec::new();
        loop {
            match self.next()? {
                Event::MappingEnd => return Some(()),
                Event::Scalar(key, style, 0, None) if is_plain_key(&key, style) => {
                    if keys.contains(&key) {
                        return None;
                    }
                    field(self, &key)?;
                    keys.push(key);
                }
                _ => return None,
            }
        }
    }

    /// Reads a sequence, `item` reading each element.
    pub fn sequence(&mut self, mut item: impl FnMut(&mut Self) -> Read<()>) -> Read<()> {
        let Event::SequenceStart(_, 0, None) = self.next()? else {
            return None;
        };
        loop {
            match self.next()? {
                Event::SequenceEnd => return Some(()),
                event => {
                    self.pending = Some(event);
                    item(self)?;
                }
            }
        }
    }

    /// Reads a scalar that serde reads as a string.
    pub fn string(&mut self) -> Read<String> {
        match self.next()? {
            Event::Scalar(value, style, 0, None) if is_string(&value, style) => {
                Some(value.into_owned())
            }
            _ => None,
        }
    }

    /// Reads a plain decimal number.
    pub fn number(&mut self) -> Read<f64> {
        match self.next()? {
            Event::Scalar(value, ScalarStyle::Plain, 0, None) if is_decimal(&value) => {
                value.parse().ok().filter(|number: &f64| number.is_finite())
            }
            _ => None,
        }
    }

    /// Reads a sequence, `item` reading each element into the list.
    pub fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Read<T>) -> Read<Vec<T>> {
        let mut items = Vec::new();
        self.sequence(|reader| {
            items.push(item(reader)?);
            Some(())
        })?;
        Some(items)
    }

    /// Reads a sequence of strings.
    pub fn strings(&mut self) -> Read<Vec<String>> {
        self.list(Self::string)
    }

    /// Reads a mapping of strings to strings.
    pub fn string_map(&mut self) -> Read<BTreeMap<String, String>> {
        let mut map = BTreeMap::new();
        self.mapping(|reader, key| {
            map.insert(key.to_owned(), reader.string()?);
            Some(())
        })?;
        Some(map)
    }
}

/// A scalar serde reads as a string: any but a plain null.
fn is_string(value: &str, style: ScalarStyle) -> bool {
    style != ScalarStyle::Plain || !matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

/// A key compared as text: quoted, or plain and starting with a letter or
/// `_` and no boolean word. serde-saphyr finds repeated keys by their
/// value, so `1` and `0x1`, or `true` and `True`, would be the same key.
fn is_plain_key(key: &str, style: ScalarStyle) -> bool {
    const WORDS: [&str; 8] = ["true", "false", "yes", "no", "on", "off", "y", "n"];
    match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => true,
        ScalarStyle::Plain => {
            key.starts_with(|first: char| first.is_ascii_alphabetic() || first == '_')
                && !WORDS.iter().any(|word| key.eq_ignore_ascii_case(word))
        }
        _ => false,
    }
}

/// `[+-]?D+(.D+)?([eE][+-]?D+)?`: a number every YAML reader reads alike.
fn is_decimal(text: &str) -> bool {
    fn digits(text: &str) -> (usize, &str) {
        let count = text.bytes().take_while(u8::is_ascii_digit).count();
        (count, &text[count..])
    }
    let text = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, mut rest) = digits(text);
    if whole == 0 {
        return false;
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let (count, after) = digits(fraction);
        if count == 0 {
            return false;
        }
        rest = after;
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let (count, after) = digits(exponent);
        if count == 0 {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Read<BTreeMap<String, String>> {
        Reader::new(text, Options::default()).document(Reader::string_map)
    }

    #[test]
    fn reads_plain_yaml_and_gives_up_on_the_rest() {
        let plain = "a: x\n'b': \"y\" # note\nc: |-\n  one\n  two\n";
        assert_eq!(
            read(plain),
            Some(BTreeMap::from([
                ("a".to_owned(), "x".to_owned()),
                ("b".to_owned(), "y".to_owned()),
                ("c".to_owned(), "one\ntwo".to_owned()),
            ]))
        );
        assert_eq!(read("a: ''\n").unwrap()["a"], "");
        for other in [
            "a: ~\n",
            "a: null\n",
            "a:\n",
            "a: &x y\nb: *x\n",
            "a: !!str y\n",
            "a: x\na: y\n",
            "<<: {a: x}\n",
            "1: x\n0x1: y\n",
            "true: x\n",
            "? |\n  a\n: x\n",
            "a: [x]\n",
            "a: x\n---\nb: y\n",
            "%YAML 1.1\n---\na: x\n",
            "a: 'x\n",
            "",
        ] {
            assert_eq!(read(other), None, "{other:?}");
        }
    }

    #[test]
    fn numbers_are_plain_decimals() {
        for number in ["1", "-1", "+1.5", "0.001", "1e3", "2.5E-7"] {
            assert!(is_decimal(number), "{number}");
        }
        for other in [
            "", "1.", ".5", "1e", "0x10", "1_000", ".inf", "NaN", "1.5.2", "- 1",
        ] {
            assert!(!is_decimal(other), "{other}");
        }
    }
}
