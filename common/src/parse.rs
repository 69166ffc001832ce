//! Parsers for values several tools take: C's numbers, sizes, signals, users and groups.
//!
//! The originals read numbers with glibc's `strtoul`/`strtol` (and `atoi`), and what they accept
//! at the edges (leading blanks, a sign, `0x`, a leading `0` meaning octal, overflow, text after
//! the number) is behaviour scripts see. [`strtoul`] and [`strtol`] are those functions, once;
//! [`atoi`] is glibc's. util-linux's rules over them (which error wins, which values are in
//! range) are here too: [`ul_strtou64`], [`ul_strtos64`] and [`str2num`], with the message their
//! `*_or_err` callers print ([`NumberError::message`]). A tool with other rules (procps, numactl)
//! checks [`CNumber`] itself, as its C does.

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

/// What glibc's `strtoul`/`strtol` give for a text: the value, where the number ended, errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CNumber<T> {
    /// The value C returns: on overflow `ULONG_MAX` (strtoul) or `LONG_MAX`/`LONG_MIN` (strtol);
    /// strtoul negates a value after `-` in unsigned arithmetic (`-1` is `ULONG_MAX`).
    pub value: T,
    /// How many bytes the number took (`end - text`), blanks and sign included; 0 when the text
    /// holds no number (C then sets `end = text` and returns 0).
    pub used: usize,
    /// errno was set to ERANGE.
    pub overflow: bool,
}

impl<T> CNumber<T> {
    /// C's `*end == '\0'`: nothing follows the number. True for an empty text too (no number,
    /// `end == text`), as in C.
    pub fn took_all(&self, text: &[u8]) -> bool {
        self.used == text.len()
    }
}

/// Why a text that must be one number is not (util-linux's `*_or_err` messages tell the two apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// No digits, or something after them.
    Invalid,
    /// ERANGE.
    OutOfRange,
}

impl NumberError {
    /// util-linux's `*_or_err` message for `text`: `what: 'text'`, and for ERANGE err(3)'s
    /// `: Numerical result out of range` after it.
    pub fn message(self, what: &str, text: &str) -> String {
        match self {
            NumberError::Invalid => format!("{what}: '{text}'"),
            NumberError::OutOfRange => {
                format!("{what}: '{text}': {}", crate::strerror(libc::ERANGE))
            }
        }
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The magnitude of a C number (glibc's `____strtoul_l_internal`): blanks, one sign, the base's
/// prefix (`0x`/`0X` for base 0 and 16, when a hex digit follows; a leading `0` means octal for
/// base 0), digits. Returns (negative, magnitude or `None` on overflow, bytes used).
fn c_magnitude(text: &[u8], base: u32) -> (bool, Option<u64>, usize) {
    assert!(
        base == 0 || (2..=36).contains(&base),
        "C has no base {base}"
    );
    let mut i = text.iter().take_while(|&&b| is_c_space(b)).count();
    let negative = text.get(i) == Some(&b'-');
    if matches!(text.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut base = base;
    if (base == 0 || base == 16) && text.get(i) == Some(&b'0') {
        let hex = matches!(text.get(i + 1), Some(b'x' | b'X'))
            && text.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if hex {
            base = 16;
            i += 2;
        } else if base == 0 {
            base = 8;
        }
    }
    if base == 0 {
        base = 10;
    }
    let start = i;
    let mut magnitude = Some(0u64);
    while let Some(digit) = text.get(i).and_then(|&b| (b as char).to_digit(base)) {
        magnitude = magnitude
            .and_then(|m| m.checked_mul(u64::from(base)))
            .and_then(|m| m.checked_add(u64::from(digit)));
        i += 1;
    }
    if i == start {
        // No digits: nothing converted, `end` is the start of the text.
        return (false, Some(0), 0);
    }
    (negative, magnitude, i)
}

/// glibc's `strtoul(text, &end, base)` (`base` 0 or 2..=36; 0 reads `0x` hex and `0` octal).
pub fn strtoul(text: &[u8], base: u32) -> CNumber<u64> {
    match c_magnitude(text, base) {
        (_, None, used) => CNumber {
            value: u64::MAX,
            used,
            overflow: true,
        },
        (negative, Some(m), used) => CNumber {
            value: if negative { m.wrapping_neg() } else { m },
            used,
            overflow: false,
        },
    }
}

/// glibc's `strtol(text, &end, base)`: like [`strtoul`], but out-of-range values saturate to
/// `LONG_MAX`/`LONG_MIN` with ERANGE.
pub fn strtol(text: &[u8], base: u32) -> CNumber<i64> {
    let (negative, magnitude, used) = c_magnitude(text, base);
    let signed = magnitude.and_then(|m| {
        if negative {
            0i64.checked_sub_unsigned(m)
        } else {
            i64::try_from(m).ok()
        }
    });
    CNumber {
        value: signed.unwrap_or(if negative { i64::MIN } else { i64::MAX }),
        used,
        overflow: signed.is_none(),
    }
}

/// A text that must be one number, as util-linux's `strtoul_or_err` and friends take it: at least
/// one digit and nothing after, no ERANGE.
fn whole<T>(number: CNumber<T>, text: &[u8]) -> Result<T, NumberError> {
    if number.used == 0 || !number.took_all(text) {
        Err(NumberError::Invalid)
    } else if number.overflow {
        Err(NumberError::OutOfRange)
    } else {
        Ok(number.value)
    }
}

/// [`strtoul`] of a text that must be all number (see [`NumberError`]).
pub fn strtoul_whole(text: &str, base: u32) -> Result<u64, NumberError> {
    whole(strtoul(text.as_bytes(), base), text.as_bytes())
}

/// [`strtol`] of a text that must be all number (see [`NumberError`]).
pub fn strtol_whole(text: &str, base: u32) -> Result<i64, NumberError> {
    whole(strtol(text.as_bytes(), base), text.as_bytes())
}

/// util-linux 2.41's `ul_strtou64`, under `strtoul_or_err` and its kin. Its range rule comes
/// first: a text `strtoimax` reads as negative (`-0` is not) is out of range even with text after
/// the number, and so is one beyond 64 bits; only then is a text without digits, or with anything
/// after them, invalid (`-5x` is out of range, `5x` invalid).
pub fn ul_strtou64(text: &[u8], base: u32) -> Result<u64, NumberError> {
    if strtol(text, base).value < 0 {
        return Err(NumberError::OutOfRange);
    }
    range_then_end(strtoul(text, base), text)
}

/// util-linux 2.41's `ul_strtos64`, under `strtos64_or_err`: ERANGE first (even with text after
/// the number), then no digits or anything after them is invalid.
pub fn ul_strtos64(text: &[u8], base: u32) -> Result<i64, NumberError> {
    range_then_end(strtol(text, base), text)
}

/// util-linux 2.41's `str2num_or_err(text, base, msg, low, up)`: [`ul_strtos64`], then a value
/// below `low` or above `up` is out of range. A bound of 0 is no bound, as in util-linux, so
/// `low` 0 lets a negative number through.
pub fn str2num(text: &[u8], base: u32, low: i64, up: i64) -> Result<i64, NumberError> {
    let value = ul_strtos64(text, base)?;
    if (low != 0 && value < low) || (up != 0 && value > up) {
        return Err(NumberError::OutOfRange);
    }
    Ok(value)
}

/// util-linux's order of checks after `strto*`: errno (ERANGE) first, then `str == end || *end`.
fn range_then_end<T>(number: CNumber<T>, text: &[u8]) -> Result<T, NumberError> {
    if number.overflow {
        Err(NumberError::OutOfRange)
    } else if number.used == 0 || !number.took_all(text) {
        Err(NumberError::Invalid)
    } else {
        Ok(number.value)
    }
}

/// glibc's `atoi`: `(int) strtol(text, NULL, 10)`, saturated to `long`, then cut to `int`.
pub fn atoi(text: &[u8]) -> i32 {
    strtol(text, 10).value as i32
}

/// C's decimal number syntax as strtol(3)/strtoul(3) read it when the whole text must be used:
/// leading C white space, one optional sign, then decimal digits and nothing else. Returns whether
/// the number is negative and its digits, for a caller that applies range rules of its own (most
/// want [`strtoul_whole`] or [`strtol_whole`]).
pub fn c_decimal(text: &str) -> Option<(bool, &str)> {
    let (negative, _, used) = c_magnitude(text.as_bytes(), 10);
    if used == 0 || used != text.len() {
        return None;
    }
    let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
    Some((negative, &text[text.len() - digits..]))
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

    const ULONG_MAX: u64 = u64::MAX;

    /// (text, base, value, used, ERANGE) as glibc's strtoul gives them (each row checked against
    /// glibc 2.36 through ctypes).
    #[rustfmt::skip]
    const STRTOUL: &[(&str, u32, u64, usize, bool)] = &[
        ("10", 0, 10, 2, false),
        ("10", 10, 10, 2, false),
        ("0x10", 0, 16, 4, false),
        ("0X1f", 0, 31, 4, false),
        ("0x10", 16, 16, 4, false),
        ("10", 16, 16, 2, false),
        ("0x10", 10, 0, 1, false),
        ("010", 0, 8, 3, false),
        ("010", 10, 10, 3, false),
        ("08", 0, 0, 1, false),
        ("08", 10, 8, 2, false),
        ("0", 0, 0, 1, false),
        ("00", 0, 0, 2, false),
        ("0x", 0, 0, 1, false),
        ("0xg", 0, 0, 1, false),
        ("0x", 16, 0, 1, false),
        ("  7k", 0, 7, 3, false),
        (" \t\n\x0b\x0c\r7", 10, 7, 7, false),
        ("\u{a0}7", 10, 0, 0, false),
        ("+5", 0, 5, 2, false),
        (" -1", 0, ULONG_MAX, 3, false),
        ("-0x10", 0, 16u64.wrapping_neg(), 5, false),
        ("+-1", 0, 0, 0, false),
        ("- 1", 0, 0, 0, false),
        ("abc", 0, 0, 0, false),
        ("abc", 16, 0xabc, 3, false),
        ("zz", 36, 1295, 2, false),
        ("", 0, 0, 0, false),
        (" ", 0, 0, 0, false),
        ("-", 0, 0, 0, false),
        ("+", 10, 0, 0, false),
        ("1.5g", 0, 1, 1, false),
        ("12ab", 10, 12, 2, false),
        ("18446744073709551615", 10, ULONG_MAX, 20, false),
        ("18446744073709551616", 10, ULONG_MAX, 20, true),
        ("-18446744073709551615", 10, 1, 21, false),
        ("-18446744073709551616", 10, ULONG_MAX, 21, true),
        ("0xffffffffffffffff", 0, ULONG_MAX, 18, false),
        ("0x10000000000000000", 0, ULONG_MAX, 19, true),
        ("99999999999999999999999x", 0, ULONG_MAX, 23, true),
    ];

    /// Each row of a (text, base, value, used, ERANGE) table through `parse`.
    fn check_c_table<T: Copy + PartialEq + std::fmt::Debug>(
        name: &str,
        parse: fn(&[u8], u32) -> CNumber<T>,
        table: &[(&str, u32, T, usize, bool)],
    ) {
        for &(text, base, value, used, overflow) in table {
            let want = CNumber {
                value,
                used,
                overflow,
            };
            assert_eq!(
                parse(text.as_bytes(), base),
                want,
                "{name}({text:?}, {base})"
            );
        }
    }

    #[test]
    fn strtoul_is_glibcs() {
        check_c_table("strtoul", strtoul, STRTOUL);
    }

    /// (text, base, value, used, ERANGE) as glibc's strtol gives them (checked likewise).
    #[rustfmt::skip]
    const STRTOL: &[(&str, u32, i64, usize, bool)] = &[
        ("42", 10, 42, 2, false),
        (" -42x", 10, -42, 4, false),
        ("-0x1f", 0, -31, 5, false),
        ("017", 0, 15, 3, false),
        ("017", 10, 17, 3, false),
        ("9223372036854775807", 10, i64::MAX, 19, false),
        ("9223372036854775808", 10, i64::MAX, 19, true),
        ("-9223372036854775808", 10, i64::MIN, 20, false),
        ("-9223372036854775809", 10, i64::MIN, 20, true),
        ("-99999999999999999999999", 10, i64::MIN, 24, true),
        ("18446744073709551615", 10, i64::MAX, 20, true),
        ("", 10, 0, 0, false),
        ("x", 0, 0, 0, false),
        ("-", 10, 0, 0, false),
    ];

    #[test]
    fn strtol_is_glibcs() {
        check_c_table("strtol", strtol, STRTOL);
    }

    /// (text, strtoul_whole, strtol_whole, ul_strtou64, ul_strtos64), base 10. The util-linux
    /// columns are what 2.41's `unshare -S TEXT` / `--monotonic TEXT` report: ERANGE wins over
    /// text after the number there, and a negative number is out of range for the unsigned one.
    #[rustfmt::skip]
    const WHOLE: &[WholeRow] = &[
        ("42", Ok(42), Ok(42), Ok(42), Ok(42)),
        ("\t+7", Ok(7), Ok(7), Ok(7), Ok(7)),
        ("-0", Ok(0), Ok(0), Ok(0), Ok(0)),
        ("-1", Ok(u64::MAX), Ok(-1), Err(OutOfRange), Ok(-1)),
        ("-5x", Err(Invalid), Err(Invalid), Err(OutOfRange), Err(Invalid)),
        ("1 ", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("4x", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        (" ", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("-", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("-x", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("0x10", Err(Invalid), Err(Invalid), Err(Invalid), Err(Invalid)),
        ("010", Ok(10), Ok(10), Ok(10), Ok(10)),
        ("99999999999999999999", Err(OutOfRange), Err(OutOfRange), Err(OutOfRange), Err(OutOfRange)),
        ("99999999999999999999x", Err(Invalid), Err(Invalid), Err(OutOfRange), Err(OutOfRange)),
        ("-99999999999999999999x", Err(Invalid), Err(Invalid), Err(OutOfRange), Err(OutOfRange)),
        ("9223372036854775808", Ok(1 << 63), Err(OutOfRange), Ok(1 << 63), Err(OutOfRange)),
        ("18446744073709551615", Ok(u64::MAX), Err(OutOfRange), Ok(u64::MAX), Err(OutOfRange)),
        ("-9223372036854775808", Ok(1 << 63), Ok(i64::MIN), Err(OutOfRange), Ok(i64::MIN)),
    ];

    type Whole<T> = Result<T, NumberError>;
    type WholeRow = (&'static str, Whole<u64>, Whole<i64>, Whole<u64>, Whole<i64>);
    use NumberError::{Invalid, OutOfRange};

    #[test]
    fn whole_texts_and_the_order_of_checks() {
        for (text, unsigned, signed, ul_unsigned, ul_signed) in WHOLE {
            let bytes = text.as_bytes();
            assert_eq!(
                strtoul_whole(text, 10),
                *unsigned,
                "strtoul_whole({text:?})"
            );
            assert_eq!(strtol_whole(text, 10), *signed, "strtol_whole({text:?})");
            assert_eq!(
                ul_strtou64(bytes, 10),
                *ul_unsigned,
                "ul_strtou64({text:?})"
            );
            assert_eq!(ul_strtos64(bytes, 10), *ul_signed, "ul_strtos64({text:?})");
        }
        assert_eq!(strtoul_whole("0x10", 0), Ok(16));
        assert_eq!(ul_strtou64(b"0x10", 0), Ok(16));
        // `*end == '\0'` alone: an empty text passes (0, end == text), a blank one does not.
        assert!(strtol(b"", 10).took_all(b""));
        assert!(!strtol(b" ", 10).took_all(b" "));
        assert!(!strtol(b"1 ", 10).took_all(b"1 "));
    }

    #[test]
    fn str2num_bounds_and_or_err_messages() {
        // nsenter's `-N`: str2num_or_err(text, 10, _, 0, INT_MAX).
        let fd = |text: &str| str2num(text.as_bytes(), 10, 0, i64::from(i32::MAX));
        assert_eq!(fd("-7"), Ok(-7));
        assert_eq!(fd("2147483647"), Ok(2147483647));
        assert_eq!(fd("2147483648"), Err(OutOfRange));
        assert_eq!(fd("3x"), Err(Invalid));
        assert_eq!(str2num(b"0", 10, 1, 9), Err(OutOfRange));
        assert_eq!(str2num(b"10", 10, 1, 9), Err(OutOfRange));
        assert_eq!(str2num(b"9", 10, 1, 9), Ok(9));
        assert_eq!(str2num(b"-9", 10, 0, 0), Ok(-9));
        let uid = "failed to parse uid";
        assert_eq!(Invalid.message(uid, "5x"), "failed to parse uid: '5x'");
        assert_eq!(
            OutOfRange.message(uid, "-5x"),
            "failed to parse uid: '-5x': Numerical result out of range"
        );
    }

    #[test]
    fn atoi_is_glibcs() {
        let cases: &[(&str, i32)] = &[
            ("3", 3),
            ("", 0),
            ("abc", 0),
            (" 12x", 12),
            ("-2", -2),
            ("+4", 4),
            ("0x10", 0),
            ("010", 10),
            ("4294967297", 1),
            ("99999999999", 1215752191),
            ("99999999999999999999999", -1),
            ("-99999999999999999999999", 0),
        ];
        for &(text, value) in cases {
            assert_eq!(atoi(text.as_bytes()), value, "{text:?}");
        }
    }

    #[test]
    fn c_decimal_is_strtols_whole_text_syntax() {
        assert_eq!(c_decimal("42"), Some((false, "42")));
        assert_eq!(c_decimal(" \t\n+7"), Some((false, "7")));
        assert_eq!(c_decimal("-0012"), Some((true, "0012")));
        // Syntax only: a number too large for 64 bits is still one.
        let huge = "99999999999999999999";
        assert_eq!(c_decimal(huge), Some((false, huge)));
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
