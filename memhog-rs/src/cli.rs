//! What the user typed, read the way numactl's memhog reads it.
//!
//! numactl's `memhog` does not use getopt: while `argv[1]` starts with `-` it looks at the second
//! character only (`-fFILE`, `-rNUM`, `-H`, values attached), anything else is a usage error, and
//! the first argument not starting with `-` is the size. Options after the size are not options
//! (`memhog 1m -H` asks for a policy called `H`). We keep that grammar exactly, and add only
//! `--version`, which numactl answers with its usage text.
//!
//! It reads numbers with C's `strtoul(s, &end, 0)` and `atoi` ([`common::parse`] has them byte for
//! byte: leading blanks, sign, `0x`/`0` prefixes, wrap-around and clamping), because sizes such as
//! `1.5g` (= 1 byte) or `08` (= 0) are part of the behaviour scripts depend on.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use common::parse::{atoi, strtoul};

/// One command line, split as numactl's memhog splits it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Cli {
    /// Every `-fFILE`, in order. numactl opens each one as it reads it (reporting failures with
    /// `perror`), and the last open decides the mapping, even when it failed.
    pub(crate) files: Vec<OsString>,
    /// `-rNUM` (`atoi`; the last one wins). Default 1.
    pub(crate) repeat: i32,
    /// `-H`: madvise(MADV_NOHUGEPAGE).
    pub(crate) no_hugepages: bool,
    /// The arguments from the size on (empty when there is none).
    pub(crate) positionals: Vec<OsString>,
    /// An unknown option stopped the scan: print the usage text, exit 1 (after the `-f` opens
    /// that came before it).
    pub(crate) bad_option: bool,
    /// `--version` among the options.
    pub(crate) version: bool,
}

/// Split argv (program name first) the way memhog.c's `while (av[1] && av[1][0] == '-')` does.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Cli {
    let mut cli = Cli {
        repeat: 1,
        ..Cli::default()
    };
    let mut args = args.into_iter().skip(1).peekable();
    while let Some(arg) = args.next_if(|a| a.as_bytes().first() == Some(&b'-')) {
        let bytes = arg.as_bytes();
        if bytes == b"--version" {
            cli.version = true;
            return cli;
        }
        match bytes.get(1) {
            Some(b'f') => cli
                .files
                .push(OsString::from(std::ffi::OsStr::from_bytes(&bytes[2..]))),
            Some(b'r') => cli.repeat = atoi(&bytes[2..]),
            Some(b'H') => cli.no_hugepages = true,
            _ => {
                cli.bad_option = true;
                return cli;
            }
        }
    }
    cli.positionals = args.collect();
    cli
}

/// numactl's `memsize`: `strtoul(s, &end, 0)`, then only the first byte after the number counts:
/// `g`/`G` x1024^3, `m`/`M` x1024^2, `k`/`K` x1024 (wrapping like C's `long`); anything else is
/// ignored, so `1.5g` is 1 byte and `abc` is 0.
pub(crate) fn memsize(s: &[u8]) -> u64 {
    let number = strtoul(s, 0);
    let shift = match s.get(number.used).map(u8::to_ascii_uppercase) {
        Some(b'G') => 30,
        Some(b'M') => 20,
        Some(b'K') => 10,
        _ => 0,
    };
    number.value.wrapping_shl(shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(list: &[&str]) -> Vec<OsString> {
        std::iter::once("memhog")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn options_come_before_the_size_with_attached_values() {
        let cli = parse(argv(&["-f/tmp/x", "-r3", "-H", "4g", "membind", "0"]));
        assert_eq!(cli.files, vec![OsString::from("/tmp/x")]);
        assert_eq!(cli.repeat, 3);
        assert!(cli.no_hugepages);
        assert_eq!(cli.positionals, argv(&["4g", "membind", "0"])[1..]);
        assert!(!cli.bad_option && !cli.version);
    }

    #[test]
    fn only_the_second_character_of_an_option_matters() {
        // `-Hx` is -H, `-rabc` is repeat 0, `-r 10M` is repeat 0 then the size 10M.
        assert!(parse(argv(&["-Hx", "1"])).no_hugepages);
        assert_eq!(parse(argv(&["-rabc", "1"])).repeat, 0);
        let cli = parse(argv(&["-r", "10M"]));
        assert_eq!((cli.repeat, cli.positionals.len()), (0, 1));
        // An option after the size is a positional (numactl then rejects it as a policy).
        assert_eq!(parse(argv(&["1m", "-H"])).positionals.len(), 2);
    }

    #[test]
    fn anything_else_starting_with_a_dash_is_a_usage_error() {
        for bad in ["-x", "-", "-1", "--help", "-h", "--membind"] {
            let cli = parse(argv(&["-f/a", bad, "-f/b", "1"]));
            assert!(cli.bad_option, "{bad}");
            assert_eq!(
                cli.files,
                vec![OsString::from("/a")],
                "{bad}: scan stops there"
            );
        }
        assert!(parse(argv(&["-H", "--version"])).version);
        assert!(parse(argv(&[])).positionals.is_empty());
    }

    #[test]
    fn memsize_reads_only_the_first_suffix_byte() {
        let cases: &[(&str, u64)] = &[
            ("1", 1),
            ("20m", 20 << 20),
            ("20M", 20 << 20),
            ("4g", 4 << 30),
            ("3K", 3 << 10),
            ("1x", 1),
            ("1.5g", 1),
            ("1gb", 1 << 30),
            ("1 g", 1),
            ("0x100000", 1 << 20),
            ("010", 8),
            ("abc", 0),
            ("0", 0),
            ("k", 0),
            ("16777216t", 16777216),
            ("17179869184g", 0),
        ];
        for &(text, value) in cases {
            assert_eq!(memsize(text.as_bytes()), value, "{text:?}");
        }
    }
}
