//! What the user typed.
//!
//! util-linux parses nsenter's options with `getopt_long("+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W::ecFZ")`.
//! Three of getopt's habits are not clap's: an optional argument must be attached (`-m/path`,
//! `--mount=/path`; `-m /path` runs `/path`), parsing stops at the first non-option (the `+`), and
//! a long option may be shortened to any unambiguous prefix (`--mo`). [`read`] walks argv the way
//! getopt does and returns the options in the order met, since util-linux acts on some of them
//! (opening files, parsing numbers) while it reads argv. getopt's own errors end the walk where
//! getopt would report them; the walk stops after `-h`/`-V`, whose handlers exit.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use clap::{Arg, ArgAction, Command};

/// How an option takes its argument (`struct option`'s `has_arg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HasArg {
    No,
    Required,
    /// Only when attached: `-mFILE`, `--mount=FILE`.
    Optional,
}

/// One row of the long-option table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    pub(crate) long: &'static str,
    pub(crate) short: Option<char>,
    pub(crate) has_arg: HasArg,
    /// Placeholder shown in the help (`pid`, `file`).
    pub(crate) value_name: &'static str,
    pub(crate) help: &'static str,
}

const fn opt(
    long: &'static str,
    short: Option<char>,
    has_arg: HasArg,
    value_name: &'static str,
    help: &'static str,
) -> Opt {
    Opt {
        long,
        short,
        has_arg,
        value_name,
        help,
    }
}

use HasArg::{No, Optional, Required};

/// util-linux 2.41's `longopts[]`, in its order (getopt lists ambiguous candidates in this order).
pub(crate) const OPTIONS: &[Opt] = &[
    opt("all", Some('a'), No, "", "enter all namespaces"),
    opt("help", Some('h'), No, "", "display this help"),
    opt("version", Some('V'), No, "", "display version"),
    opt(
        "target",
        Some('t'),
        Required,
        "pid",
        "target process to get namespaces from",
    ),
    opt(
        "mount",
        Some('m'),
        Optional,
        "file",
        "enter mount namespace",
    ),
    opt(
        "uts",
        Some('u'),
        Optional,
        "file",
        "enter UTS namespace (hostname etc)",
    ),
    opt(
        "ipc",
        Some('i'),
        Optional,
        "file",
        "enter System V IPC namespace",
    ),
    opt(
        "net",
        Some('n'),
        Optional,
        "file",
        "enter network namespace",
    ),
    opt(
        "net-socket",
        Some('N'),
        Required,
        "fd",
        "enter socket's network namespace (use with --target)",
    ),
    opt("pid", Some('p'), Optional, "file", "enter pid namespace"),
    opt("user", Some('U'), Optional, "file", "enter user namespace"),
    opt(
        "cgroup",
        Some('C'),
        Optional,
        "file",
        "enter cgroup namespace",
    ),
    opt("time", Some('T'), Optional, "file", "enter time namespace"),
    opt(
        "setuid",
        Some('S'),
        Required,
        "uid",
        "set uid in entered namespace",
    ),
    opt(
        "setgid",
        Some('G'),
        Required,
        "gid",
        "set gid in entered namespace",
    ),
    opt("root", Some('r'), Optional, "dir", "set the root directory"),
    opt(
        "wd",
        Some('w'),
        Optional,
        "dir",
        "set the working directory",
    ),
    opt(
        "wdns",
        Some('W'),
        Optional,
        "dir",
        "set the working directory in namespace",
    ),
    opt(
        "env",
        Some('e'),
        No,
        "",
        "inherit environment variables from target process",
    ),
    opt(
        "no-fork",
        Some('F'),
        No,
        "",
        "do not fork before exec'ing <program>",
    ),
    opt(
        "join-cgroup",
        Some('c'),
        No,
        "",
        "join the cgroup of the target process",
    ),
    opt(
        "preserve-credentials",
        None,
        No,
        "",
        "do not touch uids or gids",
    ),
    opt(
        "keep-caps",
        None,
        No,
        "",
        "retain capabilities granted in user namespaces",
    ),
    opt("user-parent", None, No, "", "enter parent user namespace"),
    opt(
        "follow-context",
        Some('Z'),
        No,
        "",
        "set SELinux context according to --target PID",
    ),
];

/// Pairs that may not be combined (util-linux `excl[]`): `-W` and `-w`.
pub(crate) const EXCLUSIVE: &[(&str, &str)] = &[("wdns", "wd")];

/// The help text (`nsenter --help`), util-linux 2.41's layout.
pub(crate) const USAGE: &str = "
Usage:
 nsenter [options] [<program> [<argument>...]]

Run a program with namespaces of other processes.

Options:
 -a, --all              enter all namespaces
 -t, --target <pid>     target process to get namespaces from
 -m, --mount[=<file>]   enter mount namespace
 -u, --uts[=<file>]     enter UTS namespace (hostname etc)
 -i, --ipc[=<file>]     enter System V IPC namespace
 -n, --net[=<file>]     enter network namespace
 -N, --net-socket <fd>  enter socket's network namespace (use with --target)
 -p, --pid[=<file>]     enter pid namespace
 -C, --cgroup[=<file>]  enter cgroup namespace
 -U, --user[=<file>]    enter user namespace
     --user-parent      enter parent user namespace
 -T, --time[=<file>]    enter time namespace
 -S, --setuid[=<uid>]   set uid in entered namespace
 -G, --setgid[=<gid>]   set gid in entered namespace
     --preserve-credentials do not touch uids or gids
     --keep-caps        retain capabilities granted in user namespaces
 -r, --root[=<dir>]     set the root directory
 -w, --wd[=<dir>]       set the working directory
 -W, --wdns <dir>       set the working directory in namespace
 -e, --env              inherit environment variables from target process
 -F, --no-fork          do not fork before exec'ing <program>
 -c, --join-cgroup      join the cgroup of the target process
 -Z, --follow-context   set SELinux context according to --target PID

 -h, --help             display this help
 -V, --version          display version

For more details see nsenter(1).
";

/// The clap command: every option with its help, for man pages and shell completions (argv itself
/// is read by [`read`], as getopt_long reads it).
pub(crate) fn command() -> Command {
    let mut cmd = Command::new("nsenter")
        .about("Run a program with namespaces of other processes.")
        .version(common::VERSION)
        .override_usage("nsenter [options] [<program> [<argument>...]]")
        .override_help(USAGE)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .dont_delimit_trailing_values(true);
    for o in OPTIONS {
        let mut arg = Arg::new(o.long).long(o.long).help(o.help);
        if let Some(s) = o.short {
            arg = arg.short(s);
        }
        arg = match (o.long, o.has_arg) {
            ("help", _) => arg.action(ArgAction::Help),
            ("version", _) => arg.action(ArgAction::SetTrue),
            (_, No) => arg.action(ArgAction::SetTrue),
            (_, Required) => arg
                .action(ArgAction::Set)
                .value_name(o.value_name)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString)),
            (_, Optional) => arg
                .action(ArgAction::Set)
                .value_name(o.value_name)
                .num_args(0..=1)
                .require_equals(true)
                .value_parser(clap::value_parser!(OsString)),
        };
        cmd = cmd.arg(arg);
    }
    cmd.arg(
        Arg::new("program")
            .value_name("program")
            .help("program to run (default: the user's shell, as a login shell)")
            .num_args(0..)
            .trailing_var_arg(true)
            .allow_hyphen_values(true)
            .value_parser(clap::value_parser!(OsString)),
    )
}

/// getopt's own message (`invalid option -- 'x'`), bytes as glibc prints them: a typed option
/// that is not UTF-8 is printed as typed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct GetoptError(pub(crate) Vec<u8>);

impl GetoptError {
    fn new(parts: &[&[u8]]) -> Self {
        GetoptError(parts.concat())
    }
}

/// One option as getopt_long returned it, with its argument as typed (for an optional argument,
/// `None` when none was attached).
#[derive(Debug)]
pub(crate) struct Given {
    pub(crate) opt: &'static Opt,
    pub(crate) value: Option<OsString>,
}

/// argv as getopt_long walks it: the options it returned, in order, then how the walk ended: the
/// program and its arguments, or getopt's own error. The walk stops after `-h` and `-V`, whose
/// handlers exit.
#[derive(Debug)]
pub(crate) struct Argv {
    pub(crate) options: Vec<Given>,
    pub(crate) end: Result<Vec<OsString>, GetoptError>,
}

fn find_short(c: char) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.short == Some(c))
}

/// getopt_long's lookup: exact name, else the only option the prefix abbreviates.
fn find_long(name: &[u8], typed: &OsStr) -> Result<&'static Opt, GetoptError> {
    if let Some(o) = OPTIONS.iter().find(|o| o.long.as_bytes() == name) {
        return Ok(o);
    }
    let candidates: Vec<&Opt> = OPTIONS
        .iter()
        .filter(|o| o.long.as_bytes().starts_with(name))
        .collect();
    match candidates.as_slice() {
        [] => Err(GetoptError::new(&[
            b"unrecognized option '",
            typed.as_bytes(),
            b"'",
        ])),
        [one] => Ok(one),
        many => {
            let list: String = many.iter().map(|o| format!(" '--{}'", o.long)).collect();
            Err(GetoptError::new(&[
                b"option '",
                typed.as_bytes(),
                b"' is ambiguous; possibilities:",
                list.as_bytes(),
            ]))
        }
    }
}

/// Walk argv (argv[0] included) as `getopt_long` with a leading `+` does; see the module
/// documentation.
pub(crate) fn read(argv: &[OsString]) -> Argv {
    let mut options = Vec::new();
    let end = walk(argv, &mut options);
    Argv { options, end }
}

fn walk(argv: &[OsString], options: &mut Vec<Given>) -> Result<Vec<OsString>, GetoptError> {
    let mut i = 1;
    let value = |v: &[u8]| Some(OsString::from_vec(v.to_vec()));
    // Records an option; false once getopt's caller would have exited (`-h`, `-V`).
    let mut take = |opt: &'static Opt, value: Option<OsString>| {
        options.push(Given { opt, value });
        !matches!(opt.long, "help" | "version")
    };
    while i < argv.len() {
        let arg = argv[i].as_bytes();
        if arg == b"--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            break; // the first non-option (or a lone `-`) ends the options
        }
        if let Some(body) = arg.strip_prefix(b"--") {
            let (name, attached) = match body.iter().position(|&b| b == b'=') {
                Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
                None => (body, None),
            };
            let o = find_long(name, &argv[i])?;
            i += 1;
            let v = match (o.has_arg, attached) {
                (No, Some(_)) => {
                    return Err(GetoptError::new(&[
                        b"option '--",
                        o.long.as_bytes(),
                        b"' doesn't allow an argument",
                    ]))
                }
                (No, None) => None,
                (Optional, v) => v.and_then(value),
                (Required, Some(v)) => value(v),
                (Required, None) => match argv.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    None => {
                        return Err(GetoptError::new(&[
                            b"option '--",
                            o.long.as_bytes(),
                            b"' requires an argument",
                        ]))
                    }
                },
            };
            if !take(o, v) {
                return Ok(Vec::new());
            }
            continue;
        }
        // A cluster of short options: `-mu`, `-t5`, `-m/path`.
        let cluster = &arg[1..];
        i += 1;
        let mut j = 0;
        while j < cluster.len() {
            // Letters are ASCII; anything else is reported byte-wise as getopt does.
            let byte = cluster[j];
            j += 1;
            let Some(o) = find_short(byte as char).filter(|_| byte.is_ascii()) else {
                return Err(GetoptError::new(&[b"invalid option -- '", &[byte], b"'"]));
            };
            let rest = &cluster[j..];
            let v = match o.has_arg {
                No => None,
                Optional if rest.is_empty() => None,
                Optional | Required if !rest.is_empty() => {
                    j = cluster.len();
                    value(rest)
                }
                _ => match argv.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    None => {
                        return Err(GetoptError::new(&[
                            b"option requires an argument -- '",
                            &[byte],
                            b"'",
                        ]))
                    }
                },
            };
            if !take(o, v) {
                return Ok(Vec::new());
            }
        }
    }
    Ok(argv[i.min(argv.len())..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk rendered canonically: `--long` / `--long=VALUE` in order, `--`, the program; or
    /// getopt's message.
    fn walk_of(v: &[&str]) -> Result<Vec<String>, String> {
        let mut argv: Vec<OsString> = vec!["nsenter".into()];
        argv.extend(v.iter().map(OsString::from));
        let Argv { options, end } = read(&argv);
        let program = end.map_err(|e| String::from_utf8_lossy(&e.0).into_owned())?;
        let mut out: Vec<String> = options
            .iter()
            .map(|g| match &g.value {
                Some(v) => format!("--{}={}", g.opt.long, v.to_string_lossy()),
                None => format!("--{}", g.opt.long),
            })
            .collect();
        out.push("--".into());
        out.extend(program.iter().map(|p| p.to_string_lossy().into_owned()));
        Ok(out)
    }

    #[test]
    fn getopt_walk_table() {
        type Row<'a> = (&'a [&'a str], Result<&'a [&'a str], &'a str>);
        let table: &[Row] = &[
            (&[], Ok(&["--"])),
            (&["true"], Ok(&["--", "true"])),
            (&["-t", "5", "-m", "true"], Ok(&["--target=5", "--mount", "--", "true"])),
            (&["-t5", "-mu", "true"], Ok(&["--target=5", "--mount=u", "--", "true"])),
            (&["-um/x", "sh"], Ok(&["--uts=m/x", "--", "sh"])),
            (&["-u", "-m/x", "sh"], Ok(&["--uts", "--mount=/x", "--", "sh"])),
            (&["-m", "/x"], Ok(&["--mount", "--", "/x"])),
            (&["--mo=/x", "--n=/y"], Err("option '--n=/y' is ambiguous; possibilities: '--net' '--net-socket' '--no-fork'")),
            (&["--mo=/x", "--ne", "a"], Err("option '--ne' is ambiguous; possibilities: '--net' '--net-socket'")),
            (&["--net", "a"], Ok(&["--net", "--", "a"])),
            (&["--net-", "7"], Ok(&["--net-socket=7", "--"])),
            (&["--uts=", "x"], Ok(&["--uts=", "--", "x"])),
            (&["--target", "-5"], Ok(&["--target=-5", "--"])),
            (&["-t", "-m"], Ok(&["--target=-m", "--"])),
            (&["--pre", "--keep", "--user-p"], Ok(&["--preserve-credentials", "--keep-caps", "--user-parent", "--"])),
            (&["-aFce", "--", "-x"], Ok(&["--all", "--no-fork", "--join-cgroup", "--env", "--", "-x"])),
            (&["true", "-x"], Ok(&["--", "true", "-x"])),
            (&["-", "x"], Ok(&["--", "-", "x"])),
            (&["-x"], Err("invalid option -- 'x'")),
            (&["-ax"], Err("invalid option -- 'x'")),
            (&["--bogus=1"], Err("unrecognized option '--bogus=1'")),
            (&["--all=x"], Err("option '--all' doesn't allow an argument")),
            (&["--a=x"], Err("option '--all' doesn't allow an argument")),
            (&["-t"], Err("option requires an argument -- 't'")),
            (&["--setuid"], Err("option '--setuid' requires an argument")),
            (&["--setu"], Err("option '--setuid' requires an argument")),
            (&["-W", "/", "true"], Ok(&["--wdns", "--", "/", "true"])),
            (&["-Fh", "-x"], Ok(&["--no-fork", "--help", "--"])),
            (&["-x", "-h"], Err("invalid option -- 'x'")),
            (&["-\u{e9}"], Err("invalid option -- '\u{fffd}'")),
            (&["--vers", "--bogus"], Ok(&["--version", "--"])),
            (&["-S", "follow", "-Gfollow"], Ok(&["--setuid=follow", "--setgid=follow", "--"])),
        ];
        for (args, want) in table {
            let want = want
                .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            assert_eq!(walk_of(args), want, "argv {args:?}");
        }
    }

    #[test]
    fn every_option_is_in_the_command_and_the_help() {
        let cmd = command();
        for o in OPTIONS {
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == o.long)
                .unwrap_or_else(|| panic!("--{} missing from command()", o.long));
            assert_eq!(arg.get_short(), o.short, "--{}", o.long);
            assert!(arg.get_help().is_some(), "--{} has no help", o.long);
            assert!(
                USAGE.contains(&format!("--{}", o.long)),
                "--{} not in USAGE",
                o.long
            );
        }
        cmd.debug_assert();
    }
}
