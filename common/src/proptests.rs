//! Properties of the shared parsers (the fuzz suite, issue 15): sizes, signals, C decimals,
//! mountinfo unescaping, strerror. No input panics; results agree with an independent reading of
//! the syntax; messages are the originals' words. `PROPTEST_CASES=N` runs N cases per property.

use proptest::prelude::*;

use crate::fuzz::{check_message, number_text, raw_bytes};
use crate::mountinfo::unescape;
use crate::parse::{c_decimal, parse_group, parse_signal, parse_size, parse_user, signal_name};

/// Text to feed a `&str` parser: numbers with suffixes, or lossy arbitrary bytes.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        raw_bytes(24).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[0-9]{1,25}[kKmMgGtTpPeE]?(iB|B|b|ib)?",
        "(SIG|sig)?[A-Za-z]{0,8}[0-9]{0,3}",
    ]
}

/// util-linux strtosize, computed independently in u128: digits, then an optional suffix.
fn expected_size(text: &str) -> Option<u64> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if end == 0 {
        return None;
    }
    let number: u128 = text[..end].parse().ok()?;
    let suffix = &text[end..];
    let (exponent, rest) = match suffix.chars().next() {
        None => return u64::try_from(number).ok(),
        Some(c) => (
            "KMGTPE".find(c.to_ascii_uppercase())? as u32 + 1,
            &suffix[c.len_utf8()..],
        ),
    };
    let base: u128 = match rest {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return None,
    };
    u64::try_from(number.checked_mul(base.checked_pow(exponent)?)?).ok()
}

/// mountinfo's escaping of a field (the kernel's `seq_escape` of ` \t\n\\`).
fn escape(field: &str) -> String {
    let mut out = String::new();
    for c in field.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

proptest! {
    #[test]
    fn sizes_are_strtosize(text in text()) {
        match parse_size(&text) {
            Ok(n) => prop_assert_eq!(Some(n), expected_size(&text), "{:?}", text),
            Err(e) => {
                prop_assert_eq!(expected_size(&text), None, "{:?}", text);
                prop_assert_eq!(e.to_string(), format!("invalid size: '{text}'"));
            }
        }
    }

    #[test]
    fn signals_by_any_spelling(text in text()) {
        match parse_signal(&text) {
            Ok(sig) => {
                // Whatever was accepted names that signal (name, SIG name, alias, RT form);
                // a plain number is never a name (util-linux 2.41: `unknown signal: 15`).
                prop_assert!(text.parse::<i64>().is_err(), "{:?} -> {}", text, sig);
                let upper = text.to_ascii_uppercase();
                let name = upper.strip_prefix("SIG").unwrap_or(&upper);
                match nix::sys::signal::Signal::try_from(sig) {
                    Ok(known) => prop_assert!(
                        name == signal_name(known)
                            || matches!((name, signal_name(known)), ("IOT", "ABRT") | ("POLL", "IO") | ("CLD", "CHLD")),
                        "{:?} -> {}", text, sig
                    ),
                    Err(_) => {
                        prop_assert!(name.starts_with("RT"), "{:?} -> {}", text, sig);
                        prop_assert!((libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&sig), "{:?} -> {}", text, sig);
                    }
                }
            }
            Err(e) => prop_assert_eq!(e.to_string(), format!("unknown signal: {text}")),
        }
    }

    #[test]
    fn every_signal_name_round_trips(index in 0usize..64, lower in any::<bool>(), sig_prefix in any::<bool>()) {
        let all: Vec<_> = nix::sys::signal::Signal::iterator().collect();
        let sig = all[index % all.len()];
        let mut name = format!("{}{}", if sig_prefix { "SIG" } else { "" }, signal_name(sig));
        if lower {
            name = name.to_ascii_lowercase();
        }
        prop_assert_eq!(parse_signal(&name), Ok(sig as libc::c_int));
        let number = (sig as i32).to_string();
        prop_assert_eq!(parse_signal(&number).map_err(|e| e.to_string()), Err(format!("unknown signal: {number}")));
    }

    #[test]
    fn c_decimal_is_strtol_syntax(text in text(), n in any::<i64>()) {
        if let Some((negative, digits)) = c_decimal(&text) {
            prop_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
            let body = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
            let signed = format!("{}{digits}", if negative { "-" } else { "" });
            prop_assert!(body == signed || body == format!("+{digits}") || body == digits, "{:?}", text);
        }
        let shown = n.to_string();
        let (negative, digits) = c_decimal(&shown).expect("a Rust integer is a C decimal");
        prop_assert_eq!(negative, n < 0);
        prop_assert_eq!(digits, n.unsigned_abs().to_string());
    }

    #[test]
    fn unescape_undoes_mountinfo_escaping(field in any::<String>(), junk in raw_bytes(16)) {
        prop_assert_eq!(unescape(&escape(&field)), field.clone());
        if !field.contains('\\') {
            prop_assert_eq!(unescape(&field), field);
        }
        // Anything at all, lone or cut escapes included: no panic.
        let _ = unescape(&String::from_utf8_lossy(&junk));
    }

    #[test]
    fn users_and_groups_never_panic(text in text()) {
        // Numbers need not exist; names are looked up (NSS), and a failure uses util-linux words.
        match parse_user(&text) {
            Ok(_) => {}
            Err(e) => prop_assert_eq!(e.to_string(), format!("failed to parse uid '{text}'")),
        }
        match parse_group(&text) {
            Ok(_) => {}
            Err(e) => prop_assert_eq!(e.to_string(), format!("failed to parse gid '{text}'")),
        }
    }

    #[test]
    fn strerror_is_plain_text(errno in -5i32..5000) {
        let text = crate::strerror(errno);
        check_message(&format!("tool: {text}"), "tool: ", &[])?;
        prop_assert!(!text.is_empty());
    }
}
