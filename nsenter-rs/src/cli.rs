//! What the user typed.
//!
//! util-linux parses nsenter's options with `getopt_long("+ahVt:m::u::i::n::N:p::C::U::T::S:G:r::w::W::ecFZ")`.
//! Three of getopt's habits are not clap's: an optional argument must be attached (`-m/path`,
//! `--mount=/path`; `-m /path` runs `/path`), parsing stops at the first non-option (the `+`), and
//! a long option may be shortened to any unambiguous prefix (`--mo`). [`normalise`] walks argv the
//! way getopt does and rewrites it into a canonical form (`--mount=/path`, `--all`, `--`, program)
//! that the clap [`command`] then reads. Errors are reported in getopt's words at the point getopt
//! would report them, and `-h`/`-V` act where they appear, as getopt's caller does.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use clap::{Arg, ArgAction, ArgMatches, Command};
use common::ns::NAMESPACES;
use common::ToolError;

/// How an option takes its argument (`struct option`'s `has_arg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only when attached: `-mFILE`, `--mount=FILE`.
    Optional,
}

/// One row of the long-option table.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub long: &'static str,
    pub short: Option<char>,
    pub has_arg: HasArg,
    /// Placeholder shown in the help (`pid`, `file`).
    pub value_name: &'static str,
    pub help: &'static str,
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
pub const OPTIONS: &[Opt] = &[
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
const EXCLUSIVE: &[(&str, &str)] = &[("wdns", "wd")];

/// The help text (`nsenter --help`), util-linux 2.41's layout.
pub const USAGE: &str = "
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
 -S, --setuid <uid>     set uid in entered namespace
 -G, --setgid <gid>     set gid in entered namespace
     --preserve-credentials do not touch uids or gids
     --keep-caps        retain capabilities granted in user namespaces
 -r, --root[=<dir>]     set the root directory
 -w, --wd[=<dir>]       set the working directory
 -W, --wdns[=<dir>]     set the working directory in namespace
 -e, --env              inherit environment variables from target process
 -F, --no-fork          do not fork before exec'ing <program>
 -c, --join-cgroup      join the cgroup of the target process
 -Z, --follow-context   set SELinux context according to --target PID

 -h, --help             display this help
 -V, --version          display version

For more details see nsenter(1).
";

/// The clap command: every option with its help, reading the canonical argv [`normalise`] makes.
/// Also the source of man pages and shell completions.
pub fn command() -> Command {
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

/// What getopt's walk over argv ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Normalised {
    /// Canonical argv for [`command`]: argv[0], `--long` / `--long=VALUE` in order, `--`, program.
    Args(Vec<OsString>),
    /// `-h` was reached.
    Help,
    /// `-V` was reached.
    Version,
}

fn find_short(c: char) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.short == Some(c))
}

/// getopt_long's lookup: exact name, else the only option the prefix abbreviates.
fn find_long(name: &[u8], typed: &OsStr) -> Result<&'static Opt, ToolError> {
    if let Some(o) = OPTIONS.iter().find(|o| o.long.as_bytes() == name) {
        return Ok(o);
    }
    let candidates: Vec<&Opt> = OPTIONS
        .iter()
        .filter(|o| o.long.as_bytes().starts_with(name))
        .collect();
    match candidates.as_slice() {
        [] => Err(ToolError::usage(format!(
            "unrecognized option '{}'",
            typed.to_string_lossy()
        ))),
        [one] => Ok(one),
        many => {
            let list: String = many.iter().map(|o| format!(" '--{}'", o.long)).collect();
            Err(ToolError::usage(format!(
                "option '{}' is ambiguous; possibilities:{list}",
                typed.to_string_lossy()
            )))
        }
    }
}

fn canonical(o: &Opt, value: Option<&[u8]>) -> OsString {
    let mut bytes = format!("--{}", o.long).into_bytes();
    if let Some(v) = value {
        bytes.push(b'=');
        bytes.extend_from_slice(v);
    }
    OsString::from_vec(bytes)
}

/// Walk argv as `getopt_long` with a leading `+` does; see the module documentation.
pub fn normalise(argv: &[OsString]) -> Result<Normalised, ToolError> {
    let mut out: Vec<OsString> = vec![argv
        .first()
        .cloned()
        .unwrap_or_else(|| OsString::from("nsenter"))];
    let mut seen: Vec<&'static str> = Vec::new();
    let mut i = 1;
    // Records an option: checks exclusivity and turns -h/-V into their early answers.
    let mut take = |o: &'static Opt,
                    value: Option<&[u8]>,
                    out: &mut Vec<OsString>|
     -> Result<Option<Normalised>, ToolError> {
        for (a, b) in EXCLUSIVE {
            let other = if o.long == *a {
                b
            } else if o.long == *b {
                a
            } else {
                continue;
            };
            if seen.contains(other) {
                return Err(ToolError::failed(
                    1,
                    format!("mutually exclusive arguments: --{a} --{b}"),
                ));
            }
        }
        seen.push(o.long);
        match o.long {
            "help" => return Ok(Some(Normalised::Help)),
            "version" => return Ok(Some(Normalised::Version)),
            _ => {}
        }
        out.push(canonical(o, value));
        Ok(None)
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
            let value = match (o.has_arg, attached) {
                (No, Some(_)) => {
                    return Err(ToolError::usage(format!(
                        "option '--{}' doesn't allow an argument",
                        o.long
                    )))
                }
                (No, None) => None,
                (Optional, v) => v,
                (Required, Some(v)) => Some(v),
                (Required, None) => match argv.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.as_bytes())
                    }
                    None => {
                        return Err(ToolError::usage(format!(
                            "option '--{}' requires an argument",
                            o.long
                        )))
                    }
                },
            };
            if let Some(early) = take(o, value, &mut out)? {
                return Ok(early);
            }
            continue;
        }
        // A cluster of short options: `-mu`, `-t5`, `-m/path`.
        let cluster = &arg[1..];
        i += 1;
        let mut j = 0;
        while j < cluster.len() {
            // Letters are ASCII; anything else is reported byte-wise as getopt does.
            let c = cluster[j] as char;
            j += 1;
            let Some(o) = find_short(c).filter(|_| cluster[j - 1].is_ascii()) else {
                return Err(ToolError::usage(format!("invalid option -- '{c}'")));
            };
            let rest = &cluster[j..];
            let value = match o.has_arg {
                No => None,
                Optional if rest.is_empty() => None,
                Optional | Required if !rest.is_empty() => {
                    j = cluster.len();
                    Some(rest)
                }
                _ => match argv.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.as_bytes())
                    }
                    None => {
                        return Err(ToolError::usage(format!(
                            "option requires an argument -- '{c}'"
                        )))
                    }
                },
            };
            if let Some(early) = take(o, value, &mut out)? {
                return Ok(early);
            }
        }
    }
    out.push(OsString::from("--"));
    out.extend(argv[i.min(argv.len())..].iter().cloned());
    Ok(Normalised::Args(out))
}

/// The options as typed, after [`normalise`] and [`command`]. For options with an optional
/// argument, `Some(None)` means "given without a value" and `Some(Some(v))` "given `=v`".
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cli {
    pub all: bool,
    pub target: Option<OsString>,
    /// Indexed like [`common::ns::NAMESPACES`].
    pub namespaces: [Option<Option<OsString>>; 8],
    pub net_socket: Option<OsString>,
    pub setuid: Option<OsString>,
    pub setgid: Option<OsString>,
    pub preserve_credentials: bool,
    pub keep_caps: bool,
    pub user_parent: bool,
    pub root: Option<Option<OsString>>,
    pub wd: Option<Option<OsString>>,
    pub wdns: Option<Option<OsString>>,
    pub env: bool,
    pub no_fork: bool,
    pub join_cgroup: bool,
    pub follow_context: bool,
    pub program: Vec<OsString>,
}

fn optional(m: &ArgMatches, id: &str) -> Option<Option<OsString>> {
    if !m.contains_id(id) || m.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
        return None;
    }
    Some(m.get_one::<OsString>(id).cloned())
}

impl Cli {
    /// Read clap's matches of a canonical argv.
    pub fn from_matches(m: &ArgMatches) -> Cli {
        let mut namespaces: [Option<Option<OsString>>; 8] = Default::default();
        for (slot, ns) in namespaces.iter_mut().zip(NAMESPACES.iter()) {
            *slot = optional(m, ns.option);
        }
        Cli {
            all: m.get_flag("all"),
            target: m.get_one::<OsString>("target").cloned(),
            namespaces,
            net_socket: m.get_one::<OsString>("net-socket").cloned(),
            setuid: m.get_one::<OsString>("setuid").cloned(),
            setgid: m.get_one::<OsString>("setgid").cloned(),
            preserve_credentials: m.get_flag("preserve-credentials"),
            keep_caps: m.get_flag("keep-caps"),
            user_parent: m.get_flag("user-parent"),
            root: optional(m, "root"),
            wd: optional(m, "wd"),
            wdns: optional(m, "wdns"),
            env: m.get_flag("env"),
            no_fork: m.get_flag("no-fork"),
            join_cgroup: m.get_flag("join-cgroup"),
            follow_context: m.get_flag("follow-context"),
            program: m
                .get_many::<OsString>("program")
                .map(|v| v.cloned().collect())
                .unwrap_or_default(),
        }
    }
}

/// What the command line asks for: options, or an early `--help`/`--version`.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Box<Cli>),
    Help,
    Version,
}

/// Parse argv (argv[0] included) the way util-linux nsenter does.
pub fn parse(argv: &[OsString]) -> Result<Parsed, ToolError> {
    let canonical = match normalise(argv)? {
        Normalised::Help => return Ok(Parsed::Help),
        Normalised::Version => return Ok(Parsed::Version),
        Normalised::Args(a) => a,
    };
    let matches = command().try_get_matches_from(&canonical).map_err(|e| {
        match common::cli::from_clap(e, argv) {
            common::cli::ClapOutcome::Usage(u) => u,
            common::cli::ClapOutcome::Print(_) => ToolError::Exit(0),
        }
    })?;
    Ok(Parsed::Run(Box::new(Cli::from_matches(&matches))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn norm(v: &[&str]) -> Result<Vec<String>, String> {
        let mut argv = vec!["nsenter"];
        argv.extend_from_slice(v);
        match normalise(&os(&argv)) {
            Ok(Normalised::Args(a)) => Ok(a[1..]
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect()),
            Ok(Normalised::Help) => Ok(vec!["HELP".into()]),
            Ok(Normalised::Version) => Ok(vec!["VERSION".into()]),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn normaliser_table() {
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
            (&["-w", "-W/"], Err("mutually exclusive arguments: --wdns --wd")),
            (&["-W", "--wd=/"], Err("mutually exclusive arguments: --wdns --wd")),
            (&["-W", "/", "true"], Ok(&["--wdns", "--", "/", "true"])),
            (&["-Fh", "-x"], Ok(&["HELP"])),
            (&["-x", "-h"], Err("invalid option -- 'x'")),
            (&["--vers"], Ok(&["VERSION"])),
            (&["-S", "follow", "-Gfollow"], Ok(&["--setuid=follow", "--setgid=follow", "--"])),
        ];
        for (args, want) in table {
            let got = norm(args);
            let want = want
                .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            assert_eq!(got, want, "argv {args:?}");
        }
    }

    fn cli(v: &[&str]) -> Cli {
        let mut argv = vec!["nsenter"];
        argv.extend_from_slice(v);
        match parse(&os(&argv)) {
            Ok(Parsed::Run(c)) => *c,
            other => panic!("{v:?}: {other:?}"),
        }
    }

    #[test]
    fn clap_reads_the_canonical_form() {
        let c = cli(&[
            "-t",
            "42",
            "-m",
            "--net=/run/netns/x",
            "-r",
            "--wd=/tmp",
            "sh",
            "-c",
            "x",
        ]);
        assert_eq!(c.target, Some("42".into()));
        assert_eq!(c.namespaces[6], Some(None), "mount from the target");
        assert_eq!(c.namespaces[4], Some(Some("/run/netns/x".into())));
        assert_eq!(c.namespaces[3], None, "uts not asked for");
        assert_eq!(c.root, Some(None));
        assert_eq!(c.wd, Some(Some("/tmp".into())));
        assert_eq!(c.wdns, None);
        assert_eq!(c.program, os(&["sh", "-c", "x"]));
        let c = cli(&["-t1", "-t", "2", "--uts=", "--", "--x"]);
        assert_eq!(
            c.target,
            Some("2".into()),
            "the last --target wins, as with getopt"
        );
        assert_eq!(c.namespaces[3], Some(Some("".into())));
        assert_eq!(c.program, os(&["--x"]));
        let c = cli(&["-m/a", "-m"]);
        assert_eq!(c.namespaces[6], Some(None), "the last -m wins");
        let c = cli(&[
            "-aFecZ",
            "--keep-caps",
            "--user-parent",
            "--preserve-credentials",
            "-N3",
            "-S0",
            "-G",
            "follow",
        ]);
        assert!(c.all && c.no_fork && c.env && c.join_cgroup && c.follow_context);
        assert!(c.keep_caps && c.user_parent && c.preserve_credentials);
        assert_eq!(
            (c.net_socket, c.setuid, c.setgid),
            (Some("3".into()), Some("0".into()), Some("follow".into()))
        );
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
