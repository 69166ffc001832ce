//! Parsers for values several tools take: sizes, signals, users and groups.

use nix::sys::signal::Signal;
use nix::unistd::{Gid, Group, Uid, User};

/// A value that could not be parsed; the message is ready for `tool: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// C's decimal number syntax as strtol(3)/strtoul(3) read it when the whole text must be used:
/// leading C white space, one optional sign, then decimal digits and nothing else. Returns whether
/// the number is negative and its digits; each caller applies its own range rules (strtoul wraps
/// a negative value, strtol saturates, a C `int` truncates).
pub fn c_decimal(text: &str) -> Option<(bool, &str)> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some((negative, digits))
}

/// A size as util-linux's `strtosize` reads it: an integer with an optional suffix `K M G T P E`
/// (case-insensitive), optionally followed by `iB` (powers of 1024, the same as no `iB`) or `B`
/// (powers of 1000). `10M` = 10485760, `10MB` = 10000000, `512` = 512.
pub fn parse_size(text: &str) -> Result<u64, ParseError> {
    let bad = || ParseError(format!("invalid size: '{text}'"));
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end == 0 {
        return Err(bad());
    }
    let number: u64 = text[..digits_end].parse().map_err(|_| bad())?;
    let suffix = &text[digits_end..];
    if suffix.is_empty() {
        return Ok(number);
    }
    let mut chars = suffix.chars();
    let exponent = match chars.next().map(|c| c.to_ascii_uppercase()) {
        Some('K') => 1,
        Some('M') => 2,
        Some('G') => 3,
        Some('T') => 4,
        Some('P') => 5,
        Some('E') => 6,
        _ => return Err(bad()),
    };
    let base: u64 = match chars.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return Err(bad()),
    };
    number
        .checked_mul(base.checked_pow(exponent).ok_or_else(bad)?)
        .ok_or_else(bad)
}

/// A signal by name, as util-linux's `signame_to_signum` reads it: case-insensitive, with or
/// without `SIG`, the historical aliases (`IOT`, `CLD`, `POLL`), and real-time signals as `RTn`,
/// `RTMIN+n` or `RTMAX-n` (a number in range, other text after its digits ignored, as `strtol`
/// leaves it). A plain number is not a name (`unknown signal: 15`, as util-linux 2.41 says).
pub fn parse_signal(text: &str) -> Result<libc::c_int, ParseError> {
    let bad = || ParseError(format!("unknown signal: {text}"));
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(rt) = name.strip_prefix("RT") {
        return realtime_signal(rt).ok_or_else(bad);
    }
    // Historical aliases util-linux accepts.
    let name = match name {
        "IOT" => "ABRT",
        "POLL" => "IO",
        "CLD" => "CHLD",
        other => other,
    };
    Signal::iterator()
        .find(|sig| sig.as_str().strip_prefix("SIG") == Some(name))
        .map(|sig| sig as libc::c_int)
        .ok_or_else(bad)
}

/// util-linux's `rtsig_to_signum` after `RT`: `MIN+n`, `MAX-n` or `n` (from SIGRTMIN).
fn realtime_signal(rest: &str) -> Option<libc::c_int> {
    let (from_max, digits) = match (rest.strip_prefix("MIN+"), rest.strip_prefix("MAX-")) {
        (Some(n), _) => (false, n),
        (_, Some(n)) => (true, n),
        _ => (false, rest),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: libc::c_int = digits[..end].parse().ok()?;
    let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    let signal = if from_max {
        max.checked_sub(n)?
    } else {
        min.checked_add(n)?
    };
    (min..=max).contains(&signal).then_some(signal)
}

/// The name of a signal without `SIG` (`TERM`), as kill -l prints it.
pub fn signal_name(sig: Signal) -> &'static str {
    sig.as_str().trim_start_matches("SIG")
}

/// A user by name or number. Numbers need not exist in passwd (`unshare -S 1234`).
pub fn parse_user(text: &str) -> Result<Uid, ParseError> {
    if let Ok(n) = text.parse::<u32>() {
        return Ok(Uid::from_raw(n));
    }
    match User::from_name(text) {
        Ok(Some(user)) => Ok(user.uid),
        _ => Err(ParseError(format!("failed to parse uid '{text}'"))),
    }
}

/// A group by name or number.
pub fn parse_group(text: &str) -> Result<Gid, ParseError> {
    if let Ok(n) = text.parse::<u32>() {
        return Ok(Gid::from_raw(n));
    }
    match Group::from_name(text) {
        Ok(Some(group)) => Ok(group.gid),
        _ => Err(ParseError(format!("failed to parse gid '{text}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_decimal_is_strtols_whole_text_syntax() {
        assert_eq!(c_decimal("42"), Some((false, "42")));
        assert_eq!(c_decimal(" \t\n+7"), Some((false, "7")));
        assert_eq!(c_decimal("-0012"), Some((true, "0012")));
        for bad in [
            "", " ", "+", "-", "4x", "4 ", "0x10", "--1", "1e3", "\u{a0}5",
        ] {
            assert_eq!(c_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        let table: &[(&str, Option<u64>)] = &[
            ("512", Some(512)),
            ("0", Some(0)),
            ("1k", Some(1024)),
            ("1K", Some(1024)),
            ("10M", Some(10_485_760)),
            ("10MiB", Some(10_485_760)),
            ("10MB", Some(10_000_000)),
            ("1g", Some(1 << 30)),
            ("2T", Some(2 << 40)),
            ("", None),
            ("M", None),
            ("1X", None),
            ("1Mx", None),
            ("-1", None),
            ("99999999999E", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_size(text).ok(), *want, "parse_size({text:?})");
        }
    }

    #[test]
    fn signals_by_name_as_util_linux_reads_them() {
        let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
        let table: &[(&str, Option<libc::c_int>)] = &[
            ("TERM", Some(libc::SIGTERM)),
            ("SIGTERM", Some(libc::SIGTERM)),
            ("term", Some(libc::SIGTERM)),
            ("SigTerm", Some(libc::SIGTERM)),
            ("KILL", Some(libc::SIGKILL)),
            ("CLD", Some(libc::SIGCHLD)),
            ("IOT", Some(libc::SIGABRT)),
            ("POLL", Some(libc::SIGIO)),
            ("RT0", Some(min)),
            ("RT1", Some(min + 1)),
            ("rtmin+2", Some(min + 2)),
            ("SIGRTMAX-0", Some(max)),
            ("RTMAX-2", Some(max - 2)),
            ("RTMIN+1x", Some(min + 1)),
            ("RT007", Some(min + 7)),
            // Numbers are not names; util-linux 2.41 says `unknown signal: 15`.
            ("15", None),
            ("9", None),
            ("RTMIN", None),
            ("RTMAX", None),
            ("RT", None),
            ("RT+1", None),
            ("RTMIN-1", None),
            ("RTMIN+", None),
            ("RTMAX+1", None),
            ("RT99999999999", None),
            ("FOO", None),
            ("SIG", None),
            (" TERM", None),
            ("", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_signal(text).ok(), *want, "{text}");
        }
        assert_eq!(parse_signal(&format!("RTMIN+{}", max - min)), Ok(max));
        assert!(parse_signal(&format!("RTMIN+{}", max - min + 1)).is_err());
        assert_eq!(
            parse_signal("FOO").unwrap_err().to_string(),
            "unknown signal: FOO"
        );
        assert_eq!(signal_name(Signal::SIGHUP), "HUP");
    }

    #[test]
    fn users_and_groups_by_name_or_number() {
        assert_eq!(parse_user("0"), Ok(Uid::from_raw(0)));
        assert_eq!(parse_user("root"), Ok(Uid::from_raw(0)));
        assert_eq!(parse_user("4321"), Ok(Uid::from_raw(4321)));
        assert!(parse_user("no-such-user-nstools").is_err());
        assert_eq!(parse_group("root"), Ok(Gid::from_raw(0)));
        assert_eq!(parse_group("7"), Ok(Gid::from_raw(7)));
        assert!(parse_group("no-such-group-nstools").is_err());
    }
}
