//! glibc's `getopt_long`, once, for every tool whose original parses its command line with it.
//!
//! clap has no `+` ordering, no optional arguments that must be attached, and other messages, so
//! the util-linux and libcgroup tools read argv here. A tool declares each option once, as an
//! [`Opt`] row (its id, long name, short letter and argument kinds); [`parse`] walks argv by
//! glibc's rules:
//!
//! * [`Ordering::Permute`] (glibc's default) reads options after operands too and returns the
//!   operands in their order; [`Ordering::RequireOrder`] (a `+` at the start of the optstring)
//!   stops at the first operand. `--` ends the options either way; `-` alone is an operand.
//! * `--name=value` or, for a required argument, `--name value`; an optional argument is taken
//!   only when attached (`--name=value`, `-xvalue`).
//! * A long name may be abbreviated to any prefix that is unique, or whose matches all mean the
//!   same (same id and argument kind); an exact name wins over longer ones.
//! * Short options cluster (`-fp`); a letter that takes an argument ends the cluster and takes
//!   the rest of it (`-R/dir`) or, when required, the next word (`-R /dir`).
//!
//! An error ends the scan, as every caller exits on getopt's `?`. [`Error::to_bytes`] is glibc's
//! message byte for byte; the caller prefixes `argv[0]: ` as glibc does.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;

/// Whether an option takes an argument (getopt's `has_arg`, or `:`/`::` after a short letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    /// Attached or the next word.
    Required,
    /// Only when attached: `--opt=value`, `-ovalue`.
    Optional,
}

/// Where option processing stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    /// glibc's default: options may follow operands.
    Permute,
    /// A leading `+` in the optstring: the first operand ends the options.
    RequireOrder,
}

/// One option, declared once: the tool's id for it, its long name, its short letter, and the
/// argument each form takes (util-linux often gives `--mount[=file]` but a bare `-m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt<T> {
    pub id: T,
    pub long: Option<&'static str>,
    pub long_arg: HasArg,
    pub short: Option<char>,
    pub short_arg: HasArg,
}

impl<T: Copy> Opt<T> {
    /// `--name`, taking `arg`; no short letter yet.
    pub const fn long(id: T, name: &'static str, arg: HasArg) -> Self {
        Opt {
            id,
            long: Some(name),
            long_arg: arg,
            short: None,
            short_arg: HasArg::No,
        }
    }

    /// A short letter with no long name.
    pub const fn short_only(id: T, letter: char, arg: HasArg) -> Self {
        Opt {
            id,
            long: None,
            long_arg: HasArg::No,
            short: Some(letter),
            short_arg: arg,
        }
    }

    /// Adds the short letter `-letter`, taking `arg`.
    pub const fn short(self, letter: char, arg: HasArg) -> Self {
        Opt {
            id: self.id,
            long: self.long,
            long_arg: self.long_arg,
            short: Some(letter),
            short_arg: arg,
        }
    }
}

/// One option of a tool, declared once: its getopt row, and what the tool's clap command (man
/// pages, completions) and its `--help` show of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decl<T> {
    pub opt: Opt<T>,
    /// The value's name in the clap command (`file`); empty for a flag.
    pub value: &'static str,
    /// The option as `--help` shows it (`-m, --mount[=<file>]`); empty: not in `--help`.
    pub synopsis: &'static str,
    /// What it does, as `--help` words it (continuation lines after `\n`).
    pub help: &'static str,
}

/// A [`Decl`] row (a function, so that a table is one row per line).
pub const fn decl<T>(
    opt: Opt<T>,
    value: &'static str,
    synopsis: &'static str,
    help: &'static str,
) -> Decl<T> {
    Decl {
        opt,
        value,
        synopsis,
        help,
    }
}

/// The getopt rows of a declaration table, for [`parse`].
pub fn opts<T: Copy>(decls: &[Decl<T>]) -> Vec<Opt<T>> {
    decls.iter().map(|d| d.opt).collect()
}

/// The glibc optstring of a table (`+fhR:m::`), for documentation and checks.
pub fn optstring<T>(ordering: Ordering, table: &[Opt<T>]) -> String {
    let mut s = String::from(match ordering {
        Ordering::Permute => "",
        Ordering::RequireOrder => "+",
    });
    for opt in table {
        if let Some(letter) = opt.short {
            s.push(letter);
            s.push_str(match opt.short_arg {
                HasArg::No => "",
                HasArg::Required => ":",
                HasArg::Optional => "::",
            });
        }
    }
    s
}

/// An option found on the command line, with its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    pub id: T,
    pub value: Option<OsString>,
}

/// A getopt error in glibc's words (without the `argv[0]: ` prefix): [`Error::to_bytes`] as glibc
/// prints it, what was typed byte for byte; `Display` the same as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `--bogus`, as typed (`=value` included).
    Unrecognized(OsString),
    /// `-z`: a byte above ASCII is the Latin-1 character of that byte.
    Invalid(char),
    /// A prefix of several options: as typed, and each long name it could mean, in table order.
    Ambiguous {
        typed: OsString,
        candidates: Vec<&'static str>,
    },
    /// `--fork=1`: the full long name.
    NoArgAllowed(&'static str),
    /// `--root` last: the full long name.
    LongRequiresArg(&'static str),
    /// `-R` last.
    ShortRequiresArg(char),
}

impl Error {
    /// The message as glibc prints it: the option as typed, byte for byte (an invalid option
    /// byte above ASCII is that byte, not its character).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Error::Unrecognized(typed) => {
                [&b"unrecognized option '"[..], typed.as_bytes(), b"'"].concat()
            }
            Error::Invalid(c) => {
                let mut utf8 = [0; 4];
                let byte = u8::try_from(*c).map(|b| [b]);
                let shown = match &byte {
                    Ok(b) => &b[..],
                    Err(_) => c.encode_utf8(&mut utf8).as_bytes(),
                };
                [&b"invalid option -- '"[..], shown, b"'"].concat()
            }
            Error::Ambiguous { typed, candidates } => {
                let mut text = [&b"option '"[..], typed.as_bytes()].concat();
                text.extend_from_slice(b"' is ambiguous; possibilities:");
                for name in candidates {
                    text.extend_from_slice(format!(" '--{name}'").as_bytes());
                }
                text
            }
            Error::NoArgAllowed(name) => {
                format!("option '--{name}' doesn't allow an argument").into_bytes()
            }
            Error::LongRequiresArg(name) => {
                format!("option '--{name}' requires an argument").into_bytes()
            }
            Error::ShortRequiresArg(c) => {
                format!("option requires an argument -- '{c}'").into_bytes()
            }
        }
    }
}

/// [`Error::to_bytes`] as text: what was typed lossily, an invalid option byte above ASCII as its
/// Latin-1 character.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(c) => write!(f, "invalid option -- '{c}'"),
            other => f.write_str(&String::from_utf8_lossy(&other.to_bytes())),
        }
    }
}

impl std::error::Error for Error {}

/// What getopt found: the options in command-line order, the error that ended the scan (after
/// those options), and the operands in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan<T> {
    pub found: Vec<Found<T>>,
    pub error: Option<Error>,
    pub operands: Vec<OsString>,
}

/// Walks `args` (argv without argv[0]) as glibc's `getopt_long` would over `table`.
pub fn parse<T: Copy + PartialEq>(
    args: &[OsString],
    table: &[Opt<T>],
    ordering: Ordering,
) -> Scan<T> {
    let mut scan = Scan {
        found: Vec::new(),
        error: None,
        operands: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_bytes();
        if arg == b"--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            match ordering {
                Ordering::RequireOrder => break,
                Ordering::Permute => {
                    scan.operands.push(args[i].clone());
                    i += 1;
                    continue;
                }
            }
        }
        i += 1;
        let step = match arg.strip_prefix(b"--") {
            Some(body) => long_option(arg, body, args, &mut i, table),
            None => short_cluster(&arg[1..], args, &mut i, table),
        };
        match step {
            Ok(found) => scan.found.extend(found),
            Err((found, error)) => {
                scan.found.extend(found);
                scan.error = Some(error);
                return scan;
            }
        }
    }
    scan.operands.extend(args[i..].iter().cloned());
    scan
}

type Step<T> = Result<Vec<Found<T>>, (Vec<Found<T>>, Error)>;

/// `--name[=value]`; `arg` is the whole word, for messages.
fn long_option<T: Copy + PartialEq>(
    arg: &[u8],
    body: &[u8],
    args: &[OsString],
    i: &mut usize,
    table: &[Opt<T>],
) -> Step<T> {
    let (name, attached) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
        None => (body, None),
    };
    let (opt, long) = long_match(arg, name, table).map_err(|e| (Vec::new(), e))?;
    let value = match (opt.long_arg, attached) {
        (HasArg::No, Some(_)) => return Err((Vec::new(), Error::NoArgAllowed(long))),
        (HasArg::No | HasArg::Optional, None) => None,
        (_, Some(v)) => Some(OsStr::from_bytes(v).to_os_string()),
        (HasArg::Required, None) => match args.get(*i) {
            Some(next) => {
                *i += 1;
                Some(next.clone())
            }
            None => return Err((Vec::new(), Error::LongRequiresArg(long))),
        },
    };
    Ok(vec![Found { id: opt.id, value }])
}

/// The word as typed, for a message.
fn typed(arg: &[u8]) -> OsString {
    OsStr::from_bytes(arg).to_os_string()
}

/// An exact long name, else the prefix's only meaning (glibc: matches with the same id and
/// argument kind are one meaning); an error otherwise.
fn long_match<'t, T: Copy + PartialEq>(
    arg: &[u8],
    name: &[u8],
    table: &'t [Opt<T>],
) -> Result<(&'t Opt<T>, &'static str), Error> {
    let named = table
        .iter()
        .filter_map(|o| o.long.map(|l| (o, l)))
        .filter(|(_, l)| l.as_bytes().starts_with(name));
    let mut first: Option<(&Opt<T>, &'static str)> = None;
    let mut candidates: Vec<&'static str> = Vec::new();
    for (opt, long) in named {
        if long.len() == name.len() {
            return Ok((opt, long));
        }
        match first {
            None => first = Some((opt, long)),
            Some((f, fl)) => {
                if f.id != opt.id || f.long_arg != opt.long_arg {
                    if candidates.is_empty() {
                        candidates.push(fl);
                    }
                    candidates.push(long);
                }
            }
        }
    }
    match first {
        None => Err(Error::Unrecognized(typed(arg))),
        Some(found) if candidates.is_empty() => Ok(found),
        Some(_) => Err(Error::Ambiguous {
            typed: typed(arg),
            candidates,
        }),
    }
}

/// A cluster of short letters (`fp`, `R/dir`) after its `-`.
fn short_cluster<T: Copy>(
    cluster: &[u8],
    args: &[OsString],
    i: &mut usize,
    table: &[Opt<T>],
) -> Step<T> {
    let mut found = Vec::new();
    let mut k = 0;
    while k < cluster.len() {
        let letter = char::from(cluster[k]);
        k += 1;
        // glibc never takes `:` or `;` for an option letter; a byte above ASCII is no letter of
        // any table (it is shown as the Latin-1 character of that byte).
        let opt = table
            .iter()
            .find(|o| o.short == Some(letter))
            .filter(|_| letter.is_ascii() && !matches!(letter, ':' | ';'));
        let Some(opt) = opt else {
            return Err((found, Error::Invalid(letter)));
        };
        let rest = &cluster[k..];
        let value = match opt.short_arg {
            HasArg::No => None,
            HasArg::Optional => {
                k = cluster.len();
                (!rest.is_empty()).then(|| OsStr::from_bytes(rest).to_os_string())
            }
            HasArg::Required => {
                k = cluster.len();
                if !rest.is_empty() {
                    Some(OsStr::from_bytes(rest).to_os_string())
                } else if let Some(next) = args.get(*i) {
                    *i += 1;
                    Some(next.clone())
                } else {
                    return Err((found, Error::ShortRequiresArg(letter)));
                }
            }
        };
        found.push(Found { id: opt.id, value });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Id {
        Fork,
        Mount,
        MountProc,
        Root,
        Wd,
        Kill,
        Keep,
        Verbose,
        Net,
        Quiet,
    }

    use HasArg::{No, Optional, Required};

    /// unshare-like (`-m` bare, `--mount[=f]`) and nsenter-like (`-n[f]`) rows, an alias pair
    /// (`--verbose`/`--verbosity` mean the same) and a short-only letter.
    const TABLE: &[Opt<Id>] = &[
        Opt::long(Id::Fork, "fork", No).short('f', No),
        Opt::long(Id::Mount, "mount", Optional).short('m', No),
        Opt::long(Id::MountProc, "mount-proc", Optional),
        Opt::long(Id::Root, "root", Required).short('R', Required),
        Opt::long(Id::Wd, "wd", Required).short('w', Required),
        Opt::long(Id::Kill, "kill-child", Optional),
        Opt::long(Id::Keep, "keep-caps", No),
        Opt::long(Id::Verbose, "verbose", No).short('v', No),
        Opt::long(Id::Verbose, "verbosity", No),
        Opt::long(Id::Net, "net", Optional).short('n', Optional),
        Opt::short_only(Id::Quiet, 'q', No),
    ];

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn f(id: Id, value: Option<&str>) -> Found<Id> {
        Found {
            id,
            value: value.map(OsString::from),
        }
    }

    type Case = (
        &'static [&'static str],
        Vec<Found<Id>>,
        Option<Error>,
        &'static [&'static str],
    );

    fn check(ordering: Ordering, cases: Vec<Case>) {
        for (args, found, error, operands) in cases {
            let scan = parse(&os(args), TABLE, ordering);
            assert_eq!(scan.found, found, "{args:?}");
            assert_eq!(scan.error, error, "{args:?}");
            assert_eq!(scan.operands, os(operands), "{args:?}");
        }
    }

    #[test]
    fn require_order_stops_at_the_first_operand() {
        check(
            Ordering::RequireOrder,
            vec![
                (
                    &["-f", "sh", "-m"],
                    vec![f(Id::Fork, None)],
                    None,
                    &["sh", "-m"],
                ),
                (&["-f", "--", "-m"], vec![f(Id::Fork, None)], None, &["-m"]),
                (&["-", "-f"], vec![], None, &["-", "-f"]),
                (&[], vec![], None, &[]),
                (&["--", "--"], vec![], None, &["--"]),
            ],
        );
    }

    #[test]
    fn permute_reads_options_after_operands() {
        check(
            Ordering::Permute,
            vec![
                (
                    &["a", "-f", "b", "--root", "/r", "c"],
                    vec![f(Id::Fork, None), f(Id::Root, Some("/r"))],
                    None,
                    &["a", "b", "c"],
                ),
                (&["a", "--", "-f"], vec![], None, &["a", "-f"]),
                (&["-", "-q"], vec![f(Id::Quiet, None)], None, &["-"]),
                // An error ends the scan: later operands are not collected.
                (&["a", "-z", "b"], vec![], Some(Error::Invalid('z')), &["a"]),
            ],
        );
    }

    #[test]
    fn arguments_attached_or_next() {
        check(
            Ordering::RequireOrder,
            vec![
                // Optional: only attached.
                (&["--mount=/x"], vec![f(Id::Mount, Some("/x"))], None, &[]),
                (&["--mount", "/x"], vec![f(Id::Mount, None)], None, &["/x"]),
                (&["--mount="], vec![f(Id::Mount, Some(""))], None, &[]),
                (
                    &["-n/x", "-n", "y"],
                    vec![f(Id::Net, Some("/x")), f(Id::Net, None)],
                    None,
                    &["y"],
                ),
                // A bare short letter of an optional long option takes nothing: `-m/x` is
                // `-m -/ -x`.
                (
                    &["-m/x"],
                    vec![f(Id::Mount, None)],
                    Some(Error::Invalid('/')),
                    &[],
                ),
                // Required: attached or the next word, whatever it looks like.
                (
                    &["-R/new", "-w", "/d"],
                    vec![f(Id::Root, Some("/new")), f(Id::Wd, Some("/d"))],
                    None,
                    &[],
                ),
                (
                    &["-fR", "/new", "sh"],
                    vec![f(Id::Fork, None), f(Id::Root, Some("/new"))],
                    None,
                    &["sh"],
                ),
                (
                    &["--root", "--fork"],
                    vec![f(Id::Root, Some("--fork"))],
                    None,
                    &[],
                ),
                (&["--root=", "x"], vec![f(Id::Root, Some(""))], None, &["x"]),
                (&["--root=a=b"], vec![f(Id::Root, Some("a=b"))], None, &[]),
                (
                    &["-fqv"],
                    vec![f(Id::Fork, None), f(Id::Quiet, None), f(Id::Verbose, None)],
                    None,
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn long_prefixes() {
        check(
            Ordering::RequireOrder,
            vec![
                (
                    &["--fo", "--ro", "r"],
                    vec![f(Id::Fork, None), f(Id::Root, Some("r"))],
                    None,
                    &[],
                ),
                // Exact beats longer.
                (&["--mount"], vec![f(Id::Mount, None)], None, &[]),
                (
                    &["--mount-", "--k"],
                    vec![f(Id::MountProc, None)],
                    Some(Error::Ambiguous {
                        typed: "--k".into(),
                        candidates: vec!["kill-child", "keep-caps"],
                    }),
                    &[],
                ),
                // Matches with one meaning are not ambiguous.
                (&["--verbos"], vec![f(Id::Verbose, None)], None, &[]),
                (
                    &["--mo=x"],
                    vec![],
                    Some(Error::Ambiguous {
                        typed: "--mo=x".into(),
                        candidates: vec!["mount", "mount-proc"],
                    }),
                    &[],
                ),
                (&["--"], vec![], None, &[]),
                (
                    &["--x"],
                    vec![],
                    Some(Error::Unrecognized("--x".into())),
                    &[],
                ),
                (
                    &["--x=1"],
                    vec![],
                    Some(Error::Unrecognized("--x=1".into())),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn errors_end_the_scan_after_the_options_before_them() {
        check(
            Ordering::RequireOrder,
            vec![
                (
                    &["-f", "--bogus=1", "-q"],
                    vec![f(Id::Fork, None)],
                    Some(Error::Unrecognized("--bogus=1".into())),
                    &[],
                ),
                (
                    &["-fz", "-q"],
                    vec![f(Id::Fork, None)],
                    Some(Error::Invalid('z')),
                    &[],
                ),
                (
                    &["-f:"],
                    vec![f(Id::Fork, None)],
                    Some(Error::Invalid(':')),
                    &[],
                ),
                (
                    &["--fork=3"],
                    vec![],
                    Some(Error::NoArgAllowed("fork")),
                    &[],
                ),
                (&["--fo=3"], vec![], Some(Error::NoArgAllowed("fork")), &[]),
                (&["--wd"], vec![], Some(Error::LongRequiresArg("wd")), &[]),
                (
                    &["-q", "-R"],
                    vec![f(Id::Quiet, None)],
                    Some(Error::ShortRequiresArg('R')),
                    &[],
                ),
            ],
        );
    }

    #[test]
    fn messages_are_glibcs() {
        let table: &[(Error, &str)] = &[
            (
                Error::Unrecognized("--bogus=1".into()),
                "unrecognized option '--bogus=1'",
            ),
            (Error::Invalid('z'), "invalid option -- 'z'"),
            (
                Error::Ambiguous {
                    typed: "--k".into(),
                    candidates: vec!["kill-child", "keep-caps"],
                },
                "option '--k' is ambiguous; possibilities: '--kill-child' '--keep-caps'",
            ),
            (
                Error::NoArgAllowed("fork"),
                "option '--fork' doesn't allow an argument",
            ),
            (
                Error::LongRequiresArg("root"),
                "option '--root' requires an argument",
            ),
            (
                Error::ShortRequiresArg('R'),
                "option requires an argument -- 'R'",
            ),
        ];
        for (error, text) in table {
            assert_eq!(error.to_string(), *text);
            assert_eq!(error.to_bytes(), text.as_bytes());
        }
    }

    #[test]
    fn optstring_of_a_table() {
        assert_eq!(optstring(Ordering::RequireOrder, TABLE), "+fmR:w:vn::q");
        assert_eq!(optstring(Ordering::Permute, &TABLE[..1]), "f");
    }

    #[test]
    fn non_utf8_arguments_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let word = OsString::from_vec(vec![b'-', b'R', 0xff]);
        let scan = parse(&[word], TABLE, Ordering::RequireOrder);
        assert_eq!(
            scan.found[0].value.as_deref().map(OsStr::as_bytes),
            Some(&[0xff][..])
        );
        let scan = parse(
            &[OsString::from_vec(vec![b'-', 0xc3, 0xa9])],
            TABLE,
            Ordering::RequireOrder,
        );
        let error = scan.error.expect("an invalid option");
        assert_eq!(error, Error::Invalid('\u{c3}'));
        // glibc prints the byte; the text shows its Latin-1 character.
        assert_eq!(error.to_bytes(), b"invalid option -- '\xc3'");
        assert_eq!(error.to_string(), "invalid option -- '\u{c3}'");
        let typed = OsString::from_vec(b"--\xe9=\xff".to_vec());
        let error = parse(&[typed], TABLE, Ordering::Permute).error;
        let error = error.expect("an unrecognized option");
        assert_eq!(error.to_bytes(), b"unrecognized option '--\xe9=\xff'");
        assert_eq!(
            error.to_string(),
            "unrecognized option '--\u{fffd}=\u{fffd}'"
        );
        let typed = OsString::from_vec(b"--k\xff".to_vec());
        let error = parse(&[typed], TABLE, Ordering::Permute).error;
        assert_eq!(
            error.expect("no option").to_bytes(),
            b"unrecognized option '--k\xff'"
        );
        let typed = OsString::from_vec(b"--k=\xff".to_vec());
        let error = parse(&[typed], TABLE, Ordering::Permute).error;
        assert_eq!(
            error.expect("an ambiguous option").to_bytes(),
            &b"option '--k=\xff' is ambiguous; possibilities: '--kill-child' '--keep-caps'"[..]
        );
    }
}
