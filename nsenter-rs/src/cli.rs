//! What the user typed, read the way util-linux reads it.
//!
//! Each option is declared once, in [`OPTIONS`]: its getopt row (long name, short letter,
//! argument), its value name for the clap [`command`] (man pages and completions), and its line
//! in `--help` ([`usage`], in the order of [`HELP_LAYOUT`], as util-linux 2.41 prints it).
//!
//! util-linux parses nsenter's options with
//! `getopt_long(argc, argv, "+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W::ecFZ", longopts)`:
//! an optional argument must be attached (`-m/path`, `--mount=/path`; `-m /path` runs `/path`),
//! parsing stops at the first non-option (the `+`), and a long option may be shortened to any
//! unambiguous prefix (`--mo`). [`read`] scans argv with [`common::getopt`] and returns the
//! options in the order met, since util-linux acts on some of them (opening files, parsing
//! numbers) while it reads argv; getopt's own error comes after them.

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};
use common::getopt::{self, decl, HasArg, Opt, Ordering};
use common::ns::NAMESPACES;

/// Every option of nsenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Id {
    All,
    Help,
    Version,
    Target,
    /// A namespace kind, by its index in [`NAMESPACES`].
    Ns(usize),
    NetSocket,
    Setuid,
    Setgid,
    Root,
    Wd,
    Wdns,
    Env,
    NoFork,
    JoinCgroup,
    PreserveCredentials,
    KeepCaps,
    UserParent,
    FollowContext,
}

type Decl = getopt::Decl<Id>;

use HasArg::{No, Optional, Required};

/// A namespace option: `-m[FILE]`, `--mount[=FILE]`.
const fn ns(index: usize, short: char) -> Opt<Id> {
    Opt::long(Id::Ns(index), NAMESPACES[index].option, Optional).short(short, Optional)
}

/// Both forms of an option take the same argument in nsenter.
const fn both(id: Id, long: &'static str, short: char, arg: HasArg) -> Opt<Id> {
    Opt::long(id, long, arg).short(short, arg)
}

/// util-linux 2.41's `longopts[]`, in its order (getopt lists the possibilities of an ambiguous
/// prefix in this order). The `--help` texts are 2.41's, `-S[=<uid>]` and `-W <dir>` included
/// (its getopt string says `S:` and `W::`).
#[rustfmt::skip]
pub(crate) const OPTIONS: &[Decl] = &[
    decl(both(Id::All, "all", 'a', No), "", "-a, --all", "enter all namespaces"),
    decl(both(Id::Help, "help", 'h', No), "", "-h, --help", "display this help"),
    decl(both(Id::Version, "version", 'V', No), "", "-V, --version", "display version"),
    decl(both(Id::Target, "target", 't', Required), "pid", "-t, --target <pid>", "target process to get namespaces from"),
    decl(ns(6, 'm'), "file", "-m, --mount[=<file>]", "enter mount namespace"),
    decl(ns(3, 'u'), "file", "-u, --uts[=<file>]", "enter UTS namespace (hostname etc)"),
    decl(ns(2, 'i'), "file", "-i, --ipc[=<file>]", "enter System V IPC namespace"),
    decl(ns(4, 'n'), "file", "-n, --net[=<file>]", "enter network namespace"),
    decl(both(Id::NetSocket, "net-socket", 'N', Required), "fd", "-N, --net-socket <fd>", "enter socket's network namespace (use with --target)"),
    decl(ns(5, 'p'), "file", "-p, --pid[=<file>]", "enter pid namespace"),
    decl(ns(0, 'U'), "file", "-U, --user[=<file>]", "enter user namespace"),
    decl(ns(1, 'C'), "file", "-C, --cgroup[=<file>]", "enter cgroup namespace"),
    decl(ns(7, 'T'), "file", "-T, --time[=<file>]", "enter time namespace"),
    decl(both(Id::Setuid, "setuid", 'S', Required), "uid", "-S, --setuid[=<uid>]", "set uid in entered namespace"),
    decl(both(Id::Setgid, "setgid", 'G', Required), "gid", "-G, --setgid[=<gid>]", "set gid in entered namespace"),
    decl(both(Id::Root, "root", 'r', Optional), "dir", "-r, --root[=<dir>]", "set the root directory"),
    decl(both(Id::Wd, "wd", 'w', Optional), "dir", "-w, --wd[=<dir>]", "set the working directory"),
    decl(both(Id::Wdns, "wdns", 'W', Optional), "dir", "-W, --wdns <dir>", "set the working directory in namespace"),
    decl(both(Id::Env, "env", 'e', No), "", "-e, --env", "inherit environment variables from target process"),
    decl(both(Id::NoFork, "no-fork", 'F', No), "", "-F, --no-fork", "do not fork before exec'ing <program>"),
    decl(both(Id::JoinCgroup, "join-cgroup", 'c', No), "", "-c, --join-cgroup", "join the cgroup of the target process"),
    decl(Opt::long(Id::PreserveCredentials, "preserve-credentials", No), "", "    --preserve-credentials", "do not touch uids or gids"),
    decl(Opt::long(Id::KeepCaps, "keep-caps", No), "", "    --keep-caps", "retain capabilities granted in user namespaces"),
    decl(Opt::long(Id::UserParent, "user-parent", No), "", "    --user-parent", "enter parent user namespace"),
    decl(both(Id::FollowContext, "follow-context", 'Z', No), "", "-Z, --follow-context", "set SELinux context according to --target PID"),
];

/// The order of `--help`'s option lines; `None` is the blank line before `-h` and `-V`.
#[rustfmt::skip]
const HELP_LAYOUT: &[Option<Id>] = &[
    Some(Id::All), Some(Id::Target), Some(Id::Ns(6)), Some(Id::Ns(3)), Some(Id::Ns(2)),
    Some(Id::Ns(4)), Some(Id::NetSocket), Some(Id::Ns(5)), Some(Id::Ns(1)), Some(Id::Ns(0)),
    Some(Id::UserParent), Some(Id::Ns(7)), Some(Id::Setuid), Some(Id::Setgid),
    Some(Id::PreserveCredentials), Some(Id::KeepCaps), Some(Id::Root), Some(Id::Wd),
    Some(Id::Wdns), Some(Id::Env), Some(Id::NoFork), Some(Id::JoinCgroup), Some(Id::FollowContext),
    None, Some(Id::Help), Some(Id::Version),
];

/// Pairs that may not be combined (util-linux `excl[]`): `-W` and `-w`.
pub(crate) const EXCLUSIVE: &[(Id, Id)] = &[(Id::Wdns, Id::Wd)];

fn declared(id: Id) -> Option<&'static Decl> {
    OPTIONS.iter().find(|d| d.opt.id == id)
}

/// The long name of an option (for messages).
pub(crate) fn long_name(id: Id) -> &'static str {
    declared(id).and_then(|d| d.opt.long).unwrap_or("")
}

/// The help text (`nsenter --help`), util-linux 2.41's layout.
pub(crate) fn usage() -> String {
    let mut text = String::from(
        "\nUsage:\n nsenter [options] [<program> [<argument>...]]\n\n\
         Run a program with namespaces of other processes.\n\nOptions:\n",
    );
    for line in HELP_LAYOUT {
        match line.and_then(declared) {
            Some(d) => text.push_str(&format!(" {:<22} {}\n", d.synopsis, d.help)),
            None => text.push('\n'),
        }
    }
    text.push_str("\nFor more details see nsenter(1).\n");
    text
}

/// The clap command: every option with its help, for man pages and shell completions (argv itself
/// is read by [`read`], as getopt_long reads it).
pub(crate) fn command() -> Command {
    let mut cmd = Command::new("nsenter")
        .about("Run a program with namespaces of other processes.")
        .version(common::VERSION)
        .override_usage("nsenter [options] [<program> [<argument>...]]")
        .override_help(usage())
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .dont_delimit_trailing_values(true);
    for d in OPTIONS {
        let long = d.opt.long.unwrap_or("");
        let mut arg = Arg::new(long).long(long).help(d.help);
        if let Some(s) = d.opt.short {
            arg = arg.short(s);
        }
        arg = match (d.opt.id, d.opt.long_arg) {
            (Id::Help, _) => arg.action(ArgAction::Help),
            (_, No) => arg.action(ArgAction::SetTrue),
            (_, Required) => arg
                .action(ArgAction::Set)
                .value_name(d.value)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString)),
            (_, Optional) => arg
                .action(ArgAction::Set)
                .value_name(d.value)
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

/// One option as getopt_long returned it, with its argument as typed (for an optional argument,
/// `None` when none was attached).
#[derive(Debug)]
pub(crate) struct Given {
    pub(crate) id: Id,
    pub(crate) value: Option<OsString>,
}

/// argv as getopt_long walks it: the options it returned, in order, then how the walk ended: the
/// program and its arguments, or getopt's own error (after those options).
#[derive(Debug)]
pub(crate) struct Argv {
    pub(crate) options: Vec<Given>,
    pub(crate) end: Result<Vec<OsString>, GetoptError>,
}

/// Scan argv (argv[0] included) as util-linux's `getopt_long` call does.
pub(crate) fn read(argv: &[OsString]) -> Argv {
    let table = getopt::opts(OPTIONS);
    let scan = getopt::parse(argv.get(1..).unwrap_or(&[]), &table, Ordering::RequireOrder);
    let options = scan
        .found
        .into_iter()
        .map(|f| Given {
            id: f.id,
            value: f.value,
        })
        .collect();
    let end = match &scan.error {
        Some(e) => Err(GetoptError(e.to_bytes())),
        None => Ok(scan.operands),
    };
    Argv { options, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan rendered canonically: `--long` / `--long=VALUE` in order, `--`, the program; or
    /// getopt's message.
    fn walk_of(v: &[&str]) -> Result<Vec<String>, String> {
        let mut argv: Vec<OsString> = vec!["nsenter".into()];
        argv.extend(v.iter().map(OsString::from));
        let Argv { options, end } = read(&argv);
        let mut out: Vec<String> = options
            .iter()
            .map(|g| match &g.value {
                Some(v) => format!("--{}={}", long_name(g.id), v.to_string_lossy()),
                None => format!("--{}", long_name(g.id)),
            })
            .collect();
        let program = end.map_err(|e| String::from_utf8_lossy(&e.0).into_owned())?;
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
            (&["-\u{e9}"], Err("invalid option -- '\u{fffd}'")),
            (&["--bogus=1"], Err("unrecognized option '--bogus=1'")),
            (&["--all=x"], Err("option '--all' doesn't allow an argument")),
            (&["--a=x"], Err("option '--all' doesn't allow an argument")),
            (&["-t"], Err("option requires an argument -- 't'")),
            (&["--setuid"], Err("option '--setuid' requires an argument")),
            (&["--setu"], Err("option '--setuid' requires an argument")),
            (&["-W", "/", "true"], Ok(&["--wdns", "--", "/", "true"])),
            (&["-x", "-h"], Err("invalid option -- 'x'")),
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
    fn messages_keep_the_typed_bytes() {
        use std::os::unix::ffi::OsStringExt;
        let typed = OsString::from_vec(b"--\xff".to_vec());
        let Argv { end, .. } = read(&["nsenter".into(), typed]);
        assert_eq!(end.unwrap_err().0, b"unrecognized option '--\xff'");
        let typed = OsString::from_vec(b"-\xc3".to_vec());
        let Argv { end, .. } = read(&["nsenter".into(), typed]);
        assert_eq!(end.unwrap_err().0, b"invalid option -- '\xc3'");
    }

    #[test]
    fn the_table_is_util_linux_getopt_string() {
        let table = getopt::opts(OPTIONS);
        let mut got: Vec<String> = Vec::new();
        let optstring = getopt::optstring(Ordering::RequireOrder, &table);
        // One entry per letter, with its colons, in util-linux's order.
        let want = "+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W::ecFZ";
        let split = |s: &str| {
            let mut v: Vec<String> = Vec::new();
            for c in s.trim_start_matches('+').chars() {
                match (c, v.last_mut()) {
                    (':', Some(last)) => last.push(':'),
                    _ => v.push(c.to_string()),
                }
            }
            v.sort();
            v
        };
        got.extend(split(&optstring));
        assert_eq!(got, split(want));
        assert!(optstring.starts_with('+'));
    }

    #[test]
    fn every_option_is_in_the_command_and_the_help() {
        let cmd = command();
        let help = usage();
        for d in OPTIONS {
            let long = d.opt.long.unwrap_or("");
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == long)
                .unwrap_or_else(|| panic!("--{long} missing from command()"));
            assert_eq!(arg.get_short(), d.opt.short, "--{long}");
            assert!(
                help.contains(&format!("--{long}")),
                "--{long} not in the help"
            );
            assert!(
                HELP_LAYOUT.contains(&Some(d.opt.id)),
                "--{long} not laid out"
            );
        }
        cmd.debug_assert();
    }
}
