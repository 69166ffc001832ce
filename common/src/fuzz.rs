//! What every crate's `proptests` module (the fuzz suite of issue 15) builds its cases from:
//! hostile command lines made from a tool's own option table, hostile numbers, and the check that
//! an error message reads like the original's.
//!
//! Compiled for this crate's tests and, through the `proptest` feature that the other crates
//! enable in their dev-dependencies, for theirs; never part of a packaged binary.
//!
//! The arguments are NUL-free bytes (argv cannot carry a NUL), often not UTF-8, and never contain
//! `"`: none of the originals' argv messages use double quotes, so a `"` in a message can only
//! come from Rust's Debug formatting.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use proptest::prelude::*;

/// `--long` and `-s` for every named option of `cmd` (what a user could type).
pub fn option_words(cmd: &clap::Command) -> Vec<String> {
    let mut words = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_positional()) {
        if let Some(long) = arg.get_long() {
            words.push(format!("--{long}"));
        }
        for alias in arg.get_all_aliases().unwrap_or_default() {
            words.push(format!("--{alias}"));
        }
        if let Some(short) = arg.get_short() {
            words.push(format!("-{short}"));
        }
    }
    words
}

/// Any bytes but NUL and `"`, mostly short, often invalid UTF-8.
pub fn raw_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    // Drawn from the 254 allowed values directly: a filter rejects one byte in 128, which over
    // the long run (100,000 cases of many bytes each) passes proptest's limit of local rejects.
    let allowed = (1u8..=254).prop_map(|b| if b >= b'"' { b + 1 } else { b });
    prop::collection::vec(allowed, 0..max)
}

/// Text a number parser may meet: huge, negative, signed, padded, in other bases, with suffixes.
pub fn number_text() -> impl Strategy<Value = String> {
    let edge = prop::sample::select(vec![
        "0",
        "-0",
        "+0",
        "-1",
        "1",
        "4294967295",
        "4294967296",
        "2147483647",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999999",
        "0x10",
        "0xffffffffffffffffff",
        "0X",
        "0x",
        "010",
        "08",
        " 7",
        "\t-3",
        "7 ",
        "1e3",
        "1.5",
        "--1",
        "+-1",
    ]);
    let suffix = prop::sample::select(vec![
        "", "", "", "k", "K", "m", "M", "g", "G", "t", "T", "p", "P", "e", "E", "x", "KiB", "kb",
        "MB", "iB", "B", "ms", "%",
    ]);
    (
        prop_oneof![
            edge.prop_map(str::to_string),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u8>().prop_map(|n| n.to_string()),
        ],
        suffix,
    )
        .prop_map(|(n, s)| format!("{n}{s}"))
}

/// An option value: tool-specific words, numbers, or raw bytes.
pub fn value(words: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let words = if words.is_empty() {
        vec![String::new()]
    } else {
        words
    };
    prop_oneof![
        3 => prop::sample::select(words).prop_map(String::into_bytes),
        2 => number_text().prop_map(String::into_bytes),
        2 => raw_bytes(12),
        1 => Just(Vec::new()),
        1 => prop::sample::select(vec!["/", "..", "../..", "/a/../../b", "a//b/", "-", "--", ":", ","])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

/// One argument: an option as typed (`--opt`, `--opt=`, `--opt=VALUE`, a prefix `--op`, `-xVALUE`,
/// a cluster `-abc`), a lone `-` or `--`, or a value.
pub fn arg(options: Vec<String>, values: Vec<String>) -> impl Strategy<Value = OsString> {
    let options = if options.is_empty() {
        vec!["--".to_string()]
    } else {
        options
    };
    let shorts: Vec<u8> = options
        .iter()
        .filter(|o| o.len() == 2 && !o.starts_with("--"))
        .map(|o| o.as_bytes()[1])
        .chain(*b"zZ9")
        .collect();
    let opt = prop::sample::select(options);
    prop_oneof![
        4 => opt.clone().prop_map(String::into_bytes),
        2 => (opt.clone(), value(values.clone())).prop_map(|(o, v)| {
            // `--opt=VALUE` for a long option, `-xVALUE` for a short one.
            let mut bytes = o.into_bytes();
            if bytes.starts_with(b"--") {
                bytes.push(b'=');
            }
            bytes.extend(v);
            bytes
        }),
        1 => (opt, 0usize..8).prop_map(|(o, cut)| {
            // A prefix of a long option (getopt accepts unambiguous ones).
            let keep = (o.len().saturating_sub(cut)).max(3).min(o.len());
            o.as_bytes()[..keep].to_vec()
        }),
        1 => prop::collection::vec(prop::sample::select(shorts), 1..5).prop_map(|letters| {
            let mut bytes = vec![b'-'];
            bytes.extend(letters);
            bytes
        }),
        1 => prop::sample::select(vec!["-", "--", "", "-=", "--=", "---", "- ", "-\u{e9}", "--\u{e9}"])
            .prop_map(|s| s.as_bytes().to_vec()),
        3 => value(values),
    ]
    .prop_map(OsString::from_vec)
}

/// A whole argv: `prog` then up to `max_args` arguments built by [`arg`].
pub fn argv(
    prog: &'static str,
    options: Vec<String>,
    values: Vec<String>,
    max_args: usize,
) -> impl Strategy<Value = Vec<OsString>> {
    prop::collection::vec(arg(options, values), 0..=max_args).prop_map(move |args| {
        std::iter::once(OsString::from(prog))
            .chain(args)
            .collect::<Vec<_>>()
    })
}

/// Fragments that only Rust's own formatting produces: an OS error's ` (os error N)`, Debug
/// output of an `Option`, an `io::Error` or a struct, a panic's wording, clap's own messages.
const RUST_FRAGMENTS: &[&str] = &[
    "(os error",
    "Some(",
    "None",
    "Os {",
    "Custom {",
    "kind:",
    "Error {",
    "ParseIntError",
    "panicked",
    "unwrap",
    "invalid UTF-8",
    "unexpected argument",
    "For more information, try",
    "tip:",
    "[possible values",
    "cannot be used multiple times",
    "the following required arguments",
];

/// The error-style property: `text` (what the tool prints on stderr, possibly several lines) is
/// empty or starts with `prefix` (`unshare: `, `error: `), and holds nothing Rust-specific.
/// `quoting` lists the originals' own messages that contain `"` (such as util-linux's
/// `no line matching user "NAME"`); a line containing one of them may quote.
pub fn check_message(text: &str, prefix: &str, quoting: &[&str]) -> Result<(), TestCaseError> {
    if text.is_empty() {
        return Ok(());
    }
    prop_assert!(
        text.starts_with(prefix),
        "message does not start with {prefix:?}: {text:?}"
    );
    for fragment in RUST_FRAGMENTS {
        prop_assert!(
            !text.contains(fragment),
            "Rust formatting {fragment:?} in message {text:?}"
        );
    }
    for line in text.lines() {
        if line.contains('"') {
            prop_assert!(
                quoting.iter().any(|q| line.contains(q)),
                "double quote (Debug formatting?) in message line {line:?}"
            );
        }
    }
    Ok(())
}

/// [`crate::error::render`] of `err` as `tool` reports it, checked with [`check_message`] for the
/// prefix `NAME: `.
pub fn check_rendered(
    tool: &crate::Tool,
    err: &anyhow::Error,
    quoting: &[&str],
) -> Result<(), TestCaseError> {
    let (text, _code) = crate::error::render(tool, err);
    check_message(&text, &format!("{}: ", tool.name), quoting)
}
