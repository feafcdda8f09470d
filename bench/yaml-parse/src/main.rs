//! Event throughput of Rust YAML parsers on the files given: the floor of
//! what reading slogen's output back can cost, whatever reads the events.
//! Each parser reads each file 5 times; the median is printed.

use std::time::{Duration, Instant};

/// A parser's name, and a read of a text that counts its events.
type Parse = (&'static str, fn(&str) -> usize);

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: yaml-parse FILE...");
        std::process::exit(2);
    }
    let parsers: [Parse; 4] = [
        ("granit-parser", granit),
        ("saphyr-parser", saphyr),
        ("yaml-rust2", yaml_rust2),
        ("libyaml-safer", libyaml),
    ];
    println!("| file | MB | parser | events | median ms | MB/s |");
    println!("|---|---:|---|---:|---:|---:|");
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| {
            eprintln!("{path}: {error}");
            std::process::exit(2);
        });
        #[allow(clippy::cast_precision_loss)]
        let megabytes = text.len() as f64 / 1e6;
        for (name, parse) in parsers {
            let (events, time) = median(|| parse(&text));
            println!(
                "| {path} | {megabytes:.1} | {name} | {events} | {:.0} | {:.0} |",
                time.as_secs_f64() * 1e3,
                megabytes / time.as_secs_f64()
            );
        }
    }
}

fn median(mut parse: impl FnMut() -> usize) -> (usize, Duration) {
    let mut events = 0;
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            events = parse();
            start.elapsed()
        })
        .collect();
    times.sort();
    (events, times[2])
}

/// As slogen reads back: comments read past, not emitted.
fn granit(text: &str) -> usize {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    let mut parser = granit_parser::Parser::new_from_str_with_options(text, options);
    let mut events = 0;
    while let Some(Ok((event, _))) = parser.next_event() {
        events += 1;
        if matches!(event, granit_parser::Event::StreamEnd) {
            break;
        }
    }
    events
}

fn saphyr(text: &str) -> usize {
    saphyr_parser::Parser::new_from_str(text)
        .take_while(Result::is_ok)
        .count()
}

fn yaml_rust2(text: &str) -> usize {
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    let mut events = 0;
    while let Ok((event, _)) = parser.next_token() {
        events += 1;
        if matches!(event, yaml_rust2::parser::Event::StreamEnd) {
            break;
        }
    }
    events
}

fn libyaml(text: &str) -> usize {
    let mut bytes = text.as_bytes();
    let mut parser = libyaml_safer::Parser::new();
    parser.set_input_string(&mut bytes);
    parser.take_while(Result::is_ok).count()
}
