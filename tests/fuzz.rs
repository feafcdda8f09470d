//! The fuzzing harnesses on the stable toolchain: the same bodies as the
//! cargo-fuzz targets (`slogen::fuzzing`), run over every file of
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`, then over
//! inputs a small seeded mutator makes from them. Bounded by count:
//! `SLOGEN_FUZZ_ITERATIONS` (per target) runs longer, `SLOGEN_FUZZ_SEED`
//! draws other inputs. A failure names the target and the input, and
//! saves the input to reproduce with `cargo fuzz run <target> <file>` or
//! to copy into `fuzz/regressions/<target>/`.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use slogen::fuzzing;

/// Generated inputs per target when `SLOGEN_FUZZ_ITERATIONS` is unset:
/// with the corpus, under 20 s for all targets in a debug build on two cores.
const ITERATIONS: &[(&str, usize)] = &[
    ("pipeline", 150),
    ("query", 60),
    ("text", 40),
    ("template", 300),
    ("jinja", 60),
    ("rules", 400),
    ("regex", 600),
];

/// The longest generated input.
const MAX_LEN: usize = 64 * 1024;

/// Tokens the mutator inserts: the syntax of every language slogen reads
/// (TOML, PromQL, Go and Jinja templates, YAML, regexes) and bytes that
/// break naive code.
const TOKENS: &[&[u8]] = &[
    b"{{",
    b"}}",
    b"{{window}}",
    b"{{ $labels.instance }}",
    b"{{ end }}",
    b"{{ if . }}",
    b"{{/*",
    b"*/}}",
    b"{%",
    b"%}",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"#",
    b"\"",
    b"'",
    b"\"\"\"",
    b"'''",
    b"\\",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b"\0",
    b"\xff",
    b"\xc3\xa9",
    b"\xf4\x8f\xbf\xbf",
    b"\xe2\x80\xae",
    b"[[slo]]\n",
    b"[[alert]]\n",
    b"[service]\n",
    b"[slo.sli.ratio]\n",
    b"#%% other.toml\n",
    b"#%% slogen.toml\n",
    b" = ",
    b"=~",
    b"!~",
    b"sum by (a) (",
    b" or ",
    b" / ",
    b" offset 5m",
    b" @ 1",
    b"[5m:1m]",
    b"$",
    b"|",
    b": ",
    b"- ",
    b"&a ",
    b"*a",
    b"!!str ",
    b"1e309",
    b"-0",
    b"99999999999999999999",
    b"0x",
    b".",
    b",",
    b"*",
    b"+",
    b"?",
    b"{1001}",
    b"(?P<n>",
    b"\\p{",
];

/// A small, seeded pseudo-random generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            usize::try_from(self.next() % bound as u64).unwrap_or(0)
        }
    }

    /// A range of `data`, often short.
    fn range(&mut self, len: usize) -> std::ops::Range<usize> {
        let start = self.below(len + 1);
        let most = (len - start).min(if self.below(4) == 0 { 4096 } else { 32 });
        start..start + self.below(most + 1)
    }
}

/// One to four mutations of a corpus file, sometimes spliced with another.
fn mutate(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    for _ in 0..=rng.below(4) {
        let other = &corpus[rng.below(corpus.len())];
        let at = rng.below(data.len() + 1);
        match rng.below(9) {
            0 if !data.is_empty() => {
                let index = rng.below(data.len());
                data[index] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let index = rng.below(data.len());
                data[index] =
                    [0, 0xff, b'\n', b'"', b'{', b'}', b'(', b'#', b'0', b'9'][rng.below(10)];
            }
            2 | 3 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            4 => {
                let range = rng.range(data.len());
                data.drain(range);
            }
            5 => {
                // Repeat a piece: long chains, deep nesting.
                let range = rng.range(data.len());
                let piece = data[range.clone()].to_vec();
                let times = 1 + rng.below(64);
                for _ in 0..times {
                    data.splice(range.end..range.end, piece.iter().copied());
                }
            }
            6 => {
                // Splice: this file's start, the other's end.
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            7 => {
                let range = rng.range(other.len());
                data.splice(at..at, other[range].iter().copied());
            }
            _ => {
                // Swap two characters' worth of bytes.
                if data.len() >= 2 {
                    let (left, right) = (rng.below(data.len()), rng.below(data.len()));
                    data.swap(left, right);
                }
            }
        }
        data.truncate(MAX_LEN);
    }
    data
}

/// The input as a Rust byte string, to paste into a test.
fn escaped(data: &[u8]) -> String {
    let mut text = String::from("b\"");
    for byte in data.escape_ascii() {
        text.push(char::from(byte));
    }
    text.push('"');
    text
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file of `fuzz/<kind>/<target>/`, sorted by name.
fn files(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect()
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

/// Runs one input, and on a panic saves it and fails with how to
/// reproduce it.
fn run_one(target: &str, harness: fn(&[u8]), data: &[u8], origin: &str) {
    if catch_unwind(AssertUnwindSafe(|| harness(data))).is_ok() {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let mut name = format!("{target}-");
    for byte in &sha(data)[..8] {
        let _ = write!(name, "{byte:02x}");
    }
    let saved = dir.join(name);
    std::fs::write(&saved, data).unwrap();
    panic!(
        "fuzz target `{target}` failed on {origin} (the panic above), saved to {}.\n\
         Reproduce: `cargo fuzz run {target} <file>` in fuzz/, or copy it into \
         fuzz/regressions/{target}/ and run `cargo test --test integration fuzz`.\n\
         Input ({} bytes): {}",
        saved.display(),
        data.len(),
        escaped(data)
    );
}

fn sha(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}

/// The corpus, the regressions, then generated inputs, through one target.
fn fuzz(target: &str) {
    let harness = fuzzing::HARNESSES
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, harness)| *harness)
        .unwrap();
    let corpus = files("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty");
    let regressions = files("regressions", target);
    for (path, data) in corpus.iter().chain(&regressions) {
        let origin = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path)
            .display()
            .to_string();
        run_one(target, harness, data, &origin);
    }
    let iterations = env_number("SLOGEN_FUZZ_ITERATIONS").map_or_else(
        || {
            ITERATIONS
                .iter()
                .find(|(name, _)| *name == target)
                .map_or(100, |(_, count)| *count)
        },
        |count| usize::try_from(count).unwrap(),
    );
    let seed = env_number("SLOGEN_FUZZ_SEED").unwrap_or(15);
    // Each target draws its own inputs from the seed.
    let mut rng = Rng(seed ^ u64::from(sha(target.as_bytes())[0]).wrapping_mul(0x1000_0000_01b3));
    let seeds: Vec<Vec<u8>> = corpus
        .into_iter()
        .chain(regressions)
        .map(|(_, data)| data)
        .collect();
    for iteration in 0..iterations {
        let data = mutate(&mut rng, &seeds);
        run_one(
            target,
            harness,
            &data,
            &format!("generated input {iteration} (seed {seed})"),
        );
    }
}

#[test]
fn every_harness_has_a_corpus_and_a_test() {
    let names: Vec<&str> = fuzzing::HARNESSES.iter().map(|(name, _)| *name).collect();
    let listed: Vec<&str> = ITERATIONS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, listed);
    for name in names {
        let target = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        assert!(
            target.is_file(),
            "no cargo-fuzz target {}",
            target.display()
        );
        assert!(!files("corpus", name).is_empty(), "no corpus for {name}");
    }
}

#[test]
fn pipeline() {
    fuzz("pipeline");
}

#[test]
fn query() {
    fuzz("query");
}

#[test]
fn text() {
    fuzz("text");
}

#[test]
fn template() {
    fuzz("template");
}

#[test]
fn jinja() {
    fuzz("jinja");
}

#[test]
fn rules() {
    fuzz("rules");
}

#[test]
fn regex() {
    fuzz("regex");
}
