//! What the user typed, read the way util-linux reads it.
//!
//! Each option is declared once, in [`OPTIONS`]: its getopt row (long name, short letter,
//! argument of each form), its value name and help text for the clap command
//! ([`crate::command`], used for man pages and completions), and its line in `--help`
//! ([`usage`], laid out by [`HELP_LAYOUT`] as util-linux 2.41 prints it).
//!
//! util-linux calls `getopt_long(argc, argv, "+fhVmuinpCTUrR:w:S:G:cl:", longopts)` and acts on
//! each option inside the loop: `-h` prints help at once, `--propagation foo` fails before a later
//! `--bogus` is even looked at. [`parse`] does the same over [`common::getopt`]'s scan, with
//! util-linux's per-option checks and messages, and yields [`Cli`]: the typed command line,
//! which [`crate::plan`] turns into decisions.
//!
//! Namespace options take an optional file that must be attached (`--mount=FILE`); the short forms
//! take none (`-m` has no `::` in the getopt string, so `-m/x` is `-m -/ -x`).

use std::ffi::OsString;

use common::getopt::{self, decl, HasArg, Opt, Ordering};

/// Where `--mount-binfmt` (or `--load-interp` alone) mounts binfmt_misc.
pub(crate) const BINFMT_MISC: &str = "/proc/sys/fs/binfmt_misc";

/// Where `--mount-proc` (or `--mount-binfmt` alone) mounts proc.
const PROC: &str = "/proc";

/// Every option of unshare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Id {
    Help,
    Version,
    /// A namespace kind, by its `/proc/PID/ns` file name (`mnt`, `uts`, ...).
    Ns(&'static str),
    Fork,
    KillChild,
    ForwardSignals,
    MountProc,
    MountBinfmt,
    MapUser,
    MapUsers,
    MapGroup,
    MapGroups,
    MapRootUser,
    MapCurrentUser,
    MapAuto,
    MapSubids,
    Owner,
    Propagation,
    Setgroups,
    KeepCaps,
    Setuid,
    Setgid,
    Root,
    Wd,
    Monotonic,
    Boottime,
    LoadInterp,
}

type Decl = getopt::Decl<Id>;

use HasArg::{No, Optional, Required};

const fn ns(file: &'static str, long: &'static str, short: char) -> Opt<Id> {
    Opt::long(Id::Ns(file), long, Optional).short(short, No)
}

/// util-linux 2.41's `longopts` (plus 2.42's `--forward-signals` and `--owner`), in its order,
/// which is the order getopt lists the possibilities of an ambiguous prefix in. An empty synopsis
/// keeps an option out of `--help`, as 2.41 leaves out its own `--map-subids` and has no 2.42 ones.
#[rustfmt::skip]
pub(crate) const OPTIONS: &[Decl] = &[
    decl(Opt::long(Id::Help, "help", No).short('h', No), "", "-h, --help", "display this help"),
    decl(Opt::long(Id::Version, "version", No).short('V', No), "", "-V, --version", "display version"),
    decl(ns("mnt", "mount", 'm'), "file", "-m, --mount[=<file>]", "unshare mounts namespace"),
    decl(ns("uts", "uts", 'u'), "file", "-u, --uts[=<file>]", "unshare UTS namespace (hostname etc)"),
    decl(ns("ipc", "ipc", 'i'), "file", "-i, --ipc[=<file>]", "unshare System V IPC namespace"),
    decl(ns("net", "net", 'n'), "file", "-n, --net[=<file>]", "unshare network namespace"),
    decl(ns("pid", "pid", 'p'), "file", "-p, --pid[=<file>]", "unshare pid namespace"),
    decl(ns("user", "user", 'U'), "file", "-U, --user[=<file>]", "unshare user namespace"),
    decl(ns("cgroup", "cgroup", 'C'), "file", "-C, --cgroup[=<file>]", "unshare cgroup namespace"),
    decl(ns("time", "time", 'T'), "file", "-T, --time[=<file>]", "unshare time namespace"),
    decl(Opt::long(Id::Fork, "fork", No).short('f', No), "", "-f, --fork", "fork before launching <program>"),
    decl(Opt::long(Id::KillChild, "kill-child", Optional), "signame", "--kill-child[=<signame>]", "when dying, kill the forked child (implies --fork)\n  defaults to SIGKILL"),
    decl(Opt::long(Id::ForwardSignals, "forward-signals", No), "", "", "forward SIGINT and SIGTERM to the forked child (implies --fork)"),
    decl(Opt::long(Id::MountProc, "mount-proc", Optional), "dir", "--mount-proc[=<dir>]", "mount proc filesystem first (implies --mount)"),
    decl(Opt::long(Id::MountBinfmt, "mount-binfmt", Optional), "dir", "--mount-binfmt[=<dir>]", "mount binfmt filesystem first (implies --user and --mount)"),
    decl(Opt::long(Id::MapUser, "map-user", Required), "uid|name", "--map-user <uid>|<name>", "map current user to uid (implies --user)"),
    decl(Opt::long(Id::MapUsers, "map-users", Required), "inneruid:outeruid:count", "--map-users <inneruid>:<outeruid>:<count>", "map count users from outeruid to inneruid (implies --user)"),
    decl(Opt::long(Id::MapGroup, "map-group", Required), "gid|name", "--map-group <gid>|<name>", "map current group to gid (implies --user)"),
    decl(Opt::long(Id::MapGroups, "map-groups", Required), "innergid:outergid:count", "--map-groups <innergid>:<outergid>:<count>", "map count groups from outergid to innergid (implies --user)"),
    decl(Opt::long(Id::MapRootUser, "map-root-user", No).short('r', No), "", "-r, --map-root-user", "map current user to root (implies --user)"),
    decl(Opt::long(Id::MapCurrentUser, "map-current-user", No).short('c', No), "", "-c, --map-current-user", "map current user to itself (implies --user)"),
    decl(Opt::long(Id::MapAuto, "map-auto", No), "", "--map-auto", "map users and groups automatically (implies --user)"),
    decl(Opt::long(Id::MapSubids, "map-subids", No), "", "", "map users and groups based on current user's subids (implies --user)"),
    decl(Opt::long(Id::Owner, "owner", Required), "uid:gid", "", "set the user namespace owner (implies --user)"),
    decl(Opt::long(Id::Propagation, "propagation", Required), "slave|shared|private|unchanged", "--propagation slave|shared|private|unchanged", "modify mount propagation in mount namespace"),
    decl(Opt::long(Id::Setgroups, "setgroups", Required), "allow|deny", "--setgroups allow|deny", "control the setgroups syscall in user namespaces"),
    decl(Opt::long(Id::KeepCaps, "keep-caps", No), "", "--keep-caps", "retain capabilities granted in user namespaces"),
    decl(Opt::long(Id::Setuid, "setuid", Required).short('S', Required), "uid", "-S, --setuid <uid>", "set uid in entered namespace"),
    decl(Opt::long(Id::Setgid, "setgid", Required).short('G', Required), "gid", "-G, --setgid <gid>", "set gid in entered namespace"),
    decl(Opt::long(Id::Root, "root", Required).short('R', Required), "dir", "-R, --root <dir>", "run the command with root directory set to <dir>"),
    decl(Opt::long(Id::Wd, "wd", Required).short('w', Required), "dir", "-w, --wd <dir>", "change working directory to <dir>"),
    decl(Opt::long(Id::Monotonic, "monotonic", Required), "offset", "--monotonic <offset>", "set clock monotonic offset (seconds) in time namespaces"),
    decl(Opt::long(Id::Boottime, "boottime", Required), "offset", "--boottime <offset>", "set clock boottime offset (seconds) in time namespaces"),
    decl(Opt::long(Id::LoadInterp, "load-interp", Required).short('l', Required), "file", "-l, --load-interp <file>", "load binfmt definition in the namespace (implies --mount-binfmt)"),
];

/// The groups of `--help`, in util-linux 2.41's order (a blank line between groups).
const HELP_LAYOUT: &[&[Id]] = &[
    &[
        Id::Ns("mnt"),
        Id::Ns("uts"),
        Id::Ns("ipc"),
        Id::Ns("net"),
        Id::Ns("pid"),
        Id::Ns("user"),
        Id::Ns("cgroup"),
        Id::Ns("time"),
    ],
    &[
        Id::MountProc,
        Id::MountBinfmt,
        Id::LoadInterp,
        Id::Propagation,
        Id::Root,
        Id::Wd,
    ],
    &[
        Id::Setuid,
        Id::Setgid,
        Id::MapUser,
        Id::MapGroup,
        Id::MapRootUser,
        Id::MapCurrentUser,
        Id::MapAuto,
        Id::MapUsers,
        Id::MapGroups,
    ],
    &[Id::Fork, Id::KillChild],
    &[Id::Setgroups, Id::KeepCaps],
    &[Id::Monotonic, Id::Boottime],
    &[Id::Help, Id::Version],
];

/// Column where util-linux's help texts start (its `USAGE_HELP_OPTIONS(27)` layout).
const HELP_COLUMN: usize = 27;

fn declared(id: Id) -> &'static Decl {
    OPTIONS
        .iter()
        .find(|d| d.opt.id == id)
        .unwrap_or_else(|| unreachable!("{id:?} is not declared"))
}

/// `unshare --help`, as util-linux 2.41 prints it.
pub(crate) fn usage() -> String {
    let mut text = String::from(
        "\nUsage:\n unshare [options] [<program> [<argument>...]]\n\n\
         Run a program with some namespaces unshared from the parent.\n\nOptions:\n",
    );
    for (i, group) in HELP_LAYOUT.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        for &id in group.iter() {
            let decl = declared(id);
            let synopsis = decl.synopsis;
            // A synopsis that leaves fewer than two spaces goes on a line of its own.
            if synopsis.len() + 3 > HELP_COLUMN {
                text.push_str(&format!(" {synopsis}\n{:HELP_COLUMN$}", ""));
            } else {
                text.push_str(&format!(" {synopsis:<w$}", w = HELP_COLUMN - 1));
            }
            let mut lines = decl.help.lines();
            text.push_str(lines.next().unwrap_or_default());
            text.push('\n');
            for more in lines {
                text.push_str(&format!("{:HELP_COLUMN$}{more}\n", ""));
            }
        }
    }
    text.push_str("\nFor more details see unshare(1).\n");
    text
}

/// The clap command of [`OPTIONS`], for man pages and completions.
pub(crate) fn command() -> clap::Command {
    use clap::{Arg, ArgAction};
    let mut cmd = clap::Command::new("unshare")
        .about("Run a program with some namespaces unshared from the parent.")
        .version(common::VERSION)
        .override_usage("unshare [options] [<program> [<argument>...]]")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .dont_delimit_trailing_values(true);
    for decl in OPTIONS {
        let long = decl
            .opt
            .long
            .unwrap_or_else(|| unreachable!("every option is long"));
        let help = decl.help.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut arg = Arg::new(long).long(long).help(help);
        if let Some(letter) = decl.opt.short {
            arg = arg.short(letter);
        }
        arg = match decl.opt.long_arg {
            No => arg.action(ArgAction::SetTrue),
            Required => arg
                .value_name(decl.value)
                .num_args(1)
                .action(ArgAction::Append),
            Optional => arg
                .value_name(decl.value)
                .num_args(0..=1)
                .require_equals(true)
                .action(ArgAction::Append),
        };
        if decl.opt.long_arg != No {
            arg = arg.value_parser(clap::value_parser!(OsString));
        }
        cmd = cmd.arg(arg);
    }
    cmd.arg(
        Arg::new("program")
            .value_name("program")
            .num_args(1..)
            .trailing_var_arg(true)
            .allow_hyphen_values(true)
            .value_parser(clap::value_parser!(OsString))
            .help("the program to run (default: $SHELL as a login shell) and its arguments"),
    )
}

/// Mount propagation to apply recursively on `/` in a new mount namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Propagation {
    Slave,
    Shared,
    Private,
    Unchanged,
}

/// `--setgroups allow|deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetGroups {
    Allow,
    Deny,
}

/// A `--map-users`/`--map-groups` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapSpec {
    /// `inner:outer:count` (or legacy `outer,inner,count`).
    Range { inner: u32, outer: u32, count: u32 },
    /// First subordinate block of the user, mapped from 0.
    Auto,
    /// First subordinate block of the user, identity-mapped.
    SubIds,
    /// Every id of the current namespace, identity-mapped.
    All,
}

/// The command line, checked option by option: what the user asked for, before any decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cli {
    /// CLONE_NEW* flags to unshare.
    pub(crate) flags: libc::c_int,
    /// Persistence targets by `/proc/PID/ns` file name (`mnt`, `net`, ...), last one per kind wins.
    pub(crate) persist: Vec<(&'static str, OsString)>,
    pub(crate) fork: bool,
    /// The parent-death signal of `--kill-child`.
    pub(crate) kill_child: Option<libc::c_int>,
    pub(crate) forward_signals: bool,
    pub(crate) mount_proc: Option<OsString>,
    pub(crate) mount_binfmt: Option<OsString>,
    pub(crate) load_interp: Option<OsString>,
    pub(crate) propagation: Propagation,
    pub(crate) root: Option<OsString>,
    pub(crate) wd: Option<OsString>,
    pub(crate) setuid: Option<u32>,
    pub(crate) setgid: Option<u32>,
    pub(crate) map_user: Option<u32>,
    pub(crate) map_group: Option<u32>,
    pub(crate) map_users: Vec<MapSpec>,
    pub(crate) map_groups: Vec<MapSpec>,
    pub(crate) owner: Option<(u32, u32)>,
    pub(crate) setgroups: Option<SetGroups>,
    pub(crate) keep_caps: bool,
    pub(crate) monotonic: Option<i64>,
    pub(crate) boottime: Option<i64>,
    /// The program and its arguments; empty: the login shell.
    pub(crate) program: Vec<OsString>,
}

impl Default for Cli {
    fn default() -> Self {
        Cli {
            flags: 0,
            persist: Vec::new(),
            fork: false,
            kill_child: None,
            forward_signals: false,
            mount_proc: None,
            mount_binfmt: None,
            load_interp: None,
            propagation: Propagation::Private,
            root: None,
            wd: None,
            setuid: None,
            setgid: None,
            map_user: None,
            map_group: None,
            map_users: Vec::new(),
            map_groups: Vec::new(),
            owner: None,
            setgroups: None,
            keep_caps: false,
            monotonic: None,
            boottime: None,
            program: Vec::new(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    Help,
    Version,
    Run(Box<Cli>),
}

/// Why the command line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CliError {
    /// A getopt error: `argv[0]: message` and the `Try` line, exit 1.
    Getopt(getopt::Error),
    /// A bad value: `unshare: message`, exit 1.
    Invalid(String),
    /// What the parse came to (an error, `--help`, `--version`) after options whose maps
    /// util-linux reads while parsing (`--map-auto`, `--map-subids`, `--map-users=auto|subids|all`,
    /// `--map-groups=...`): a failure to read those comes first. `maps` in argv order, each with
    /// whether it is a uid map.
    AfterMaps {
        maps: Vec<(MapSpec, bool)>,
        then: Box<Result<Parsed, CliError>>,
    },
}

/// The identity util-linux captures before parsing (`-c`, `--map-*` use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ids {
    pub(crate) euid: u32,
    pub(crate) egid: u32,
}

/// Parse `argv` (with argv[0]) with the real identity and user and group names.
pub(crate) fn parse(argv: &[OsString]) -> Result<Parsed, CliError> {
    let ids = Ids {
        euid: nix::unistd::geteuid().as_raw(),
        egid: nix::unistd::getegid().as_raw(),
    };
    parse_with(argv, ids, &|name| lookup_user(name), &|name| {
        lookup_group(name)
    })
}

fn lookup_user(name: &str) -> Option<u32> {
    nix::unistd::User::from_name(name)
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw())
}

fn lookup_group(name: &str) -> Option<u32> {
    nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw())
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<u32>;

/// [`parse`] with the identity and name lookups injected (for tests).
pub(crate) fn parse_with(
    argv: &[OsString],
    ids: Ids,
    user: Lookup<'_>,
    group: Lookup<'_>,
) -> Result<Parsed, CliError> {
    let mut maps = Vec::new();
    let result = parse_recording_maps(argv, ids, user, group, &mut maps);
    match result {
        Ok(Parsed::Run(_)) => result,
        _ if maps.is_empty() => result,
        then => Err(CliError::AfterMaps {
            maps,
            then: Box::new(then),
        }),
    }
}

/// [`parse_with`], noting in `maps` each map spec that reads a file (all but ranges).
fn parse_recording_maps(
    argv: &[OsString],
    ids: Ids,
    user: Lookup<'_>,
    group: Lookup<'_>,
    maps: &mut Vec<(MapSpec, bool)>,
) -> Result<Parsed, CliError> {
    let mut note = |spec: &MapSpec, uid: bool| {
        if !matches!(spec, MapSpec::Range { .. }) {
            maps.push((*spec, uid));
        }
    };
    let table = getopt::opts(OPTIONS);
    let scan = getopt::parse(argv.get(1..).unwrap_or(&[]), &table, Ordering::RequireOrder);
    let mut cli = Cli::default();
    let mut force_time_offsets = false;
    for found in scan.found {
        let value = found.value;
        let text = || {
            value
                .as_deref()
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match found.id {
            Id::Help => return Ok(Parsed::Help),
            Id::Version => return Ok(Parsed::Version),
            Id::Ns(file) => {
                let ns = common::ns::by_name(file)
                    .unwrap_or_else(|| unreachable!("{file} is a namespace file name"));
                cli.flags |= ns.clone_flag;
                if let Some(target) = value {
                    cli.persist.retain(|(kind, _)| *kind != ns.file);
                    cli.persist.push((ns.file, target));
                }
            }
            Id::Fork => cli.fork = true,
            Id::KillChild => {
                cli.kill_child = Some(match value {
                    None => libc::SIGKILL,
                    Some(_) => common::parse::parse_signal(&text())
                        .map_err(|e| CliError::Invalid(e.to_string()))?,
                });
                cli.fork = true;
            }
            Id::ForwardSignals => {
                cli.forward_signals = true;
                cli.fork = true;
            }
            Id::MountProc => {
                cli.flags |= libc::CLONE_NEWNS;
                cli.mount_proc = Some(value.unwrap_or_else(|| PROC.into()));
            }
            Id::MountBinfmt => {
                cli.flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                cli.mount_binfmt = Some(match value {
                    Some(dir) => dir,
                    None => {
                        cli.mount_proc.get_or_insert_with(|| PROC.into());
                        BINFMT_MISC.into()
                    }
                });
            }
            Id::LoadInterp => {
                cli.flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                cli.load_interp = value;
                if cli.mount_binfmt.is_none() {
                    cli.mount_proc.get_or_insert_with(|| PROC.into());
                    cli.mount_binfmt = Some(BINFMT_MISC.into());
                }
            }
            Id::MapUser => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user =
                    unset_if_minus_one(by_name_or_number(&text(), user, "failed to parse uid")?);
            }
            Id::MapGroup => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_group =
                    unset_if_minus_one(by_name_or_number(&text(), group, "failed to parse gid")?);
            }
            Id::MapRootUser => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user = Some(0);
                cli.map_group = Some(0);
            }
            Id::MapCurrentUser => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user = Some(ids.euid);
                cli.map_group = Some(ids.egid);
            }
            Id::MapUsers => {
                cli.flags |= libc::CLONE_NEWUSER;
                let spec = map_spec(&text())?;
                note(&spec, true);
                cli.map_users.push(spec);
            }
            Id::MapGroups => {
                cli.flags |= libc::CLONE_NEWUSER;
                let spec = map_spec(&text())?;
                note(&spec, false);
                cli.map_groups.push(spec);
            }
            Id::MapAuto | Id::MapSubids => {
                // Both maps, users' and groups'.
                let spec = match found.id {
                    Id::MapAuto => MapSpec::Auto,
                    _ => MapSpec::SubIds,
                };
                cli.flags |= libc::CLONE_NEWUSER;
                note(&spec, true);
                note(&spec, false);
                cli.map_users.push(spec);
                cli.map_groups.push(spec);
            }
            Id::Owner => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.owner = Some(owner(&text())?);
            }
            Id::Propagation => cli.propagation = propagation(&text())?,
            Id::Setgroups => cli.setgroups = Some(setgroups(&text())?),
            Id::KeepCaps => cli.keep_caps = true,
            Id::Setuid => cli.setuid = Some(strtoul_or_err(&text(), "failed to parse uid")? as u32),
            Id::Setgid => cli.setgid = Some(strtoul_or_err(&text(), "failed to parse gid")? as u32),
            Id::Root => cli.root = value,
            Id::Wd => cli.wd = value,
            Id::Monotonic => {
                cli.monotonic = Some(strtos64_or_err(
                    &text(),
                    "failed to parse monotonic offset",
                )?);
                force_time_offsets = true;
            }
            Id::Boottime => {
                cli.boottime = Some(strtos64_or_err(&text(), "failed to parse boottime offset")?);
                force_time_offsets = true;
            }
        }
    }
    if let Some(error) = scan.error {
        return Err(CliError::Getopt(error));
    }
    if force_time_offsets && cli.flags & common::ns::CLONE_NEWTIME == 0 {
        return Err(CliError::Invalid(
            "options --monotonic and --boottime require unsharing of a time namespace (-T)".into(),
        ));
    }
    cli.program = scan.operands;
    Ok(Parsed::Run(Box::new(cli)))
}

fn propagation(text: &str) -> Result<Propagation, CliError> {
    match text {
        "slave" => Ok(Propagation::Slave),
        "shared" => Ok(Propagation::Shared),
        "private" => Ok(Propagation::Private),
        "unchanged" => Ok(Propagation::Unchanged),
        _ => Err(CliError::Invalid(format!(
            "unsupported propagation mode: {text}"
        ))),
    }
}

fn setgroups(text: &str) -> Result<SetGroups, CliError> {
    match text {
        "allow" => Ok(SetGroups::Allow),
        "deny" => Ok(SetGroups::Deny),
        _ => Err(CliError::Invalid(format!(
            "unsupported --setgroups argument '{text}'"
        ))),
    }
}

/// util-linux's `get_user`/`get_group`: a passwd/group name first, else a number.
fn by_name_or_number(text: &str, lookup: Lookup<'_>, what: &str) -> Result<u32, CliError> {
    match lookup(text) {
        Some(id) => Ok(id),
        None => strtoul_or_err(text, what).map(|n| n as u32),
    }
}

/// util-linux keeps "no mapping" as the id `-1`: `--map-user=4294967295` maps nothing.
pub(crate) fn unset_if_minus_one(id: u32) -> Option<u32> {
    (id != u32::MAX).then_some(id)
}

/// `--owner uid:gid` as util-linux 2.42 reads it, `sscanf("%u:%u%n")` with nothing after: two
/// decimal numbers (C's blanks, sign and wrap-around), no names. An id of `-1` (4294967295)
/// is kept here; the plan leaves that id unset ([`unset_if_minus_one`]), as C does.
fn owner(text: &str) -> Result<(u32, u32), CliError> {
    let bytes = text.as_bytes();
    // scanf's `%u`: strtoul in base 10, stored in an unsigned int (overflow wraps to -1 there).
    let scan_u32 = |from: usize| {
        let n = common::parse::strtoul(&bytes[from..], 10);
        (n.used > 0).then_some((n.value as u32, from + n.used))
    };
    let scanned = scan_u32(0)
        .filter(|&(_, end)| bytes.get(end) == Some(&b':'))
        .and_then(|(uid, end)| scan_u32(end + 1).map(|(gid, end)| (uid, gid, end)));
    match scanned {
        Some((uid, gid, end)) if end == bytes.len() => Ok((uid, gid)),
        _ => Err(CliError::Invalid("failed to parse owner".into())),
    }
}

/// util-linux 2.39+ `get_map_range`: `inner:outer:count`, else legacy `outer,inner,count`;
/// also the keywords `auto`, `subids`, `all`.
pub(crate) fn map_spec(text: &str) -> Result<MapSpec, CliError> {
    match text {
        "auto" => return Ok(MapSpec::Auto),
        "subids" => return Ok(MapSpec::SubIds),
        "all" => return Ok(MapSpec::All),
        _ => {}
    }
    let three = |sep: char| -> Option<[u32; 3]> {
        let parts: Vec<&str> = text.split(sep).collect();
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        Some([scanf_u32(a)?, scanf_u32(b)?, scanf_u32(c)?])
    };
    if let Some([inner, outer, count]) = three(':') {
        return Ok(MapSpec::Range {
            inner,
            outer,
            count,
        });
    }
    if let Some([outer, inner, count]) = three(',') {
        return Ok(MapSpec::Range {
            inner,
            outer,
            count,
        });
    }
    Err(CliError::Invalid(format!("invalid mapping '{text}'")))
}

/// sscanf's `%u`: optional leading white space, an optional sign, decimal digits.
fn scanf_u32(text: &str) -> Option<u32> {
    let n = common::parse::strtoul_whole(text.trim_start(), 10).ok()?;
    Some(n as u32)
}

/// util-linux 2.41's `strtoul_or_err`: base 10, the whole text, [`common::parse::ul_strtou64`]'s
/// rules (`-0` is 0, any other negative number is out of range).
pub(crate) fn strtoul_or_err(text: &str, what: &str) -> Result<u64, CliError> {
    common::parse::ul_strtou64(text.as_bytes(), 10)
        .map_err(|e| CliError::Invalid(e.message(what, text)))
}

/// util-linux 2.41's `strtos64_or_err`: base 10, [`common::parse::ul_strtos64`]'s rules.
pub(crate) fn strtos64_or_err(text: &str, what: &str) -> Result<i64, CliError> {
    common::parse::ul_strtos64(text.as_bytes(), 10)
        .map_err(|e| CliError::Invalid(e.message(what, text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use getopt::Error as GetoptError;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// getopt over unshare's table: each option as `(long name, value)`, then the error.
    type Item = Result<(&'static str, Option<String>), GetoptError>;

    fn long_of(id: Id) -> &'static str {
        declared(id).opt.long.unwrap_or_default()
    }

    fn scan(args: &[&str]) -> (Vec<Item>, Vec<OsString>) {
        let table = getopt::opts(OPTIONS);
        let scan = getopt::parse(&os(args), &table, Ordering::RequireOrder);
        let mut items: Vec<Item> = scan
            .found
            .into_iter()
            .map(|f| {
                Ok((
                    long_of(f.id),
                    f.value.map(|v| v.to_string_lossy().into_owned()),
                ))
            })
            .collect();
        items.extend(scan.error.map(Err));
        (items, scan.operands)
    }

    fn opt(id: &'static str, value: Option<&str>) -> Item {
        Ok((id, value.map(String::from)))
    }

    #[test]
    fn table_is_util_linux_getopt_string() {
        // Every short letter of util-linux's "+fhVmuinpCTUrR:w:S:G:cl:" and nothing else.
        let table = getopt::opts(OPTIONS);
        let mut got: Vec<char> = getopt::optstring(Ordering::RequireOrder, &table)
            .chars()
            .collect();
        got.sort_unstable();
        let mut want: Vec<char> = "+fhVmuinpCTUrR:w:S:G:cl:".chars().collect();
        want.sort_unstable();
        assert_eq!(got, want);
        let find = |long: &str| {
            OPTIONS
                .iter()
                .find(|d| d.opt.long == Some(long))
                .unwrap()
                .opt
        };
        assert_eq!(find("mount").long_arg, HasArg::Optional);
        assert_eq!(find("mount").short, Some('m'));
        assert_eq!(find("root").long_arg, HasArg::Required);
        assert_eq!(find("fork").long_arg, HasArg::No);
        assert_eq!(find("kill-child").long_arg, HasArg::Optional);
        assert_eq!(find("load-interp").short, Some('l'));
    }

    #[test]
    fn getopt_table() {
        type Case = (&'static [&'static str], Vec<Item>, &'static [&'static str]);
        let cases: Vec<Case> = vec![
            (
                &["--fork", "--pid", "--mount-proc", "true"],
                vec![opt("fork", None), opt("pid", None), opt("mount-proc", None)],
                &["true"],
            ),
            // Clustered shorts.
            (
                &["-fp", "sh"],
                vec![opt("fork", None), opt("pid", None)],
                &["sh"],
            ),
            (
                &["-mUfr", "id"],
                vec![
                    opt("mount", None),
                    opt("user", None),
                    opt("fork", None),
                    opt("map-root-user", None),
                ],
                &["id"],
            ),
            // Optional arguments only when attached.
            (
                &["--mount=/x", "true"],
                vec![opt("mount", Some("/x"))],
                &["true"],
            ),
            (&["--mount", "/x"], vec![opt("mount", None)], &["/x"]),
            (&["-m", "/x"], vec![opt("mount", None)], &["/x"]),
            (
                &["--mount-proc=/p"],
                vec![opt("mount-proc", Some("/p"))],
                &[],
            ),
            (
                &["--kill-child=TERM", "x"],
                vec![opt("kill-child", Some("TERM"))],
                &["x"],
            ),
            (&["--mount="], vec![opt("mount", Some(""))], &[]),
            // Required arguments: attached or the next word.
            (
                &["-R/new", "-w", "/d"],
                vec![opt("root", Some("/new")), opt("wd", Some("/d"))],
                &[],
            ),
            (
                &["-fR", "/new", "sh"],
                vec![opt("fork", None), opt("root", Some("/new"))],
                &["sh"],
            ),
            (
                &["--root", "--fork"],
                vec![opt("root", Some("--fork"))],
                &[],
            ),
            (&["--root=", "x"], vec![opt("root", Some(""))], &["x"]),
            // Unambiguous prefixes; an exact name beats longer ones.
            (
                &["--kill", "--mount-p", "--prop", "slave"],
                vec![
                    opt("kill-child", None),
                    opt("mount-proc", None),
                    opt("propagation", Some("slave")),
                ],
                &[],
            ),
            (&["--mount"], vec![opt("mount", None)], &[]),
            // 2.42's --forward-signals makes `--fo` ambiguous, as upstream.
            (
                &["--fo"],
                vec![Err(GetoptError::Ambiguous {
                    typed: "--fo".into(),
                    candidates: vec!["fork", "forward-signals"],
                })],
                &[],
            ),
            (&["--map-user=1"], vec![opt("map-user", Some("1"))], &[]),
            // `+`: the first non-option ends the options; `--` too.
            (&["sh", "-c", "--fork"], vec![], &["sh", "-c", "--fork"]),
            (&["-f", "--", "-r"], vec![opt("fork", None)], &["-r"]),
            (&["-", "-f"], vec![], &["-", "-f"]),
            (&[], vec![], &[]),
            // Errors end the scan.
            (
                &["-f", "--bogus=1", "-r"],
                vec![
                    opt("fork", None),
                    Err(GetoptError::Unrecognized("--bogus=1".into())),
                ],
                &[],
            ),
            (
                &["-fz"],
                vec![opt("fork", None), Err(GetoptError::Invalid('z'))],
                &[],
            ),
            (
                &["-m/x"],
                vec![opt("mount", None), Err(GetoptError::Invalid('/'))],
                &[],
            ),
            (
                &["--fork=3"],
                vec![Err(GetoptError::NoArgAllowed("fork"))],
                &[],
            ),
            (
                &["--wd"],
                vec![Err(GetoptError::LongRequiresArg("wd"))],
                &[],
            ),
            (&["-S"], vec![Err(GetoptError::ShortRequiresArg('S'))], &[]),
            (
                &["--mon"],
                vec![Err(GetoptError::LongRequiresArg("monotonic"))],
                &[],
            ),
        ];
        for (args, items, operands) in cases {
            let (got, got_operands) = scan(args);
            assert_eq!(got, items, "{args:?}");
            assert_eq!(got_operands, os(operands), "{args:?}");
        }
    }

    #[test]
    fn ambiguous_prefix_lists_candidates_in_longopts_order() {
        let (items, _) = scan(&["--ma=x"]);
        let err = items[0].clone().unwrap_err();
        assert_eq!(
            err.to_string(),
            "option '--ma=x' is ambiguous; possibilities: '--map-user' '--map-users' \
             '--map-group' '--map-groups' '--map-root-user' '--map-current-user' '--map-auto' \
             '--map-subids'"
        );
        let (items, _) = scan(&["--m"]);
        assert!(matches!(items[0], Err(GetoptError::Ambiguous { .. })));
    }

    #[test]
    fn getopt_messages() {
        assert_eq!(
            GetoptError::Unrecognized("--bogus".into()).to_string(),
            "unrecognized option '--bogus'"
        );
        assert_eq!(
            GetoptError::Invalid('z').to_string(),
            "invalid option -- 'z'"
        );
        assert_eq!(
            GetoptError::NoArgAllowed("fork").to_string(),
            "option '--fork' doesn't allow an argument"
        );
        assert_eq!(
            GetoptError::LongRequiresArg("root").to_string(),
            "option '--root' requires an argument"
        );
        assert_eq!(
            GetoptError::ShortRequiresArg('R').to_string(),
            "option requires an argument -- 'R'"
        );
    }

    /// util-linux 2.41.5's `unshare --help`, byte for byte.
    const HELP_2_41: &str = "
Usage:
 unshare [options] [<program> [<argument>...]]

Run a program with some namespaces unshared from the parent.

Options:
 -m, --mount[=<file>]      unshare mounts namespace
 -u, --uts[=<file>]        unshare UTS namespace (hostname etc)
 -i, --ipc[=<file>]        unshare System V IPC namespace
 -n, --net[=<file>]        unshare network namespace
 -p, --pid[=<file>]        unshare pid namespace
 -U, --user[=<file>]       unshare user namespace
 -C, --cgroup[=<file>]     unshare cgroup namespace
 -T, --time[=<file>]       unshare time namespace

 --mount-proc[=<dir>]      mount proc filesystem first (implies --mount)
 --mount-binfmt[=<dir>]    mount binfmt filesystem first (implies --user and --mount)
 -l, --load-interp <file>  load binfmt definition in the namespace (implies --mount-binfmt)
 --propagation slave|shared|private|unchanged
                           modify mount propagation in mount namespace
 -R, --root <dir>          run the command with root directory set to <dir>
 -w, --wd <dir>            change working directory to <dir>

 -S, --setuid <uid>        set uid in entered namespace
 -G, --setgid <gid>        set gid in entered namespace
 --map-user <uid>|<name>   map current user to uid (implies --user)
 --map-group <gid>|<name>  map current group to gid (implies --user)
 -r, --map-root-user       map current user to root (implies --user)
 -c, --map-current-user    map current user to itself (implies --user)
 --map-auto                map users and groups automatically (implies --user)
 --map-users <inneruid>:<outeruid>:<count>
                           map count users from outeruid to inneruid (implies --user)
 --map-groups <innergid>:<outergid>:<count>
                           map count groups from outergid to innergid (implies --user)

 -f, --fork                fork before launching <program>
 --kill-child[=<signame>]  when dying, kill the forked child (implies --fork)
                             defaults to SIGKILL

 --setgroups allow|deny    control the setgroups syscall in user namespaces
 --keep-caps               retain capabilities granted in user namespaces

 --monotonic <offset>      set clock monotonic offset (seconds) in time namespaces
 --boottime <offset>       set clock boottime offset (seconds) in time namespaces

 -h, --help                display this help
 -V, --version             display version

For more details see unshare(1).
";

    #[test]
    fn usage_is_2_41s_help() {
        assert_eq!(usage(), HELP_2_41);
    }

    #[test]
    fn help_lists_each_option_once_except_those_2_41_leaves_out() {
        let listed: Vec<Id> = HELP_LAYOUT.iter().flat_map(|g| g.iter().copied()).collect();
        for decl in OPTIONS {
            let times = listed.iter().filter(|&&id| id == decl.opt.id).count();
            assert_eq!(
                times,
                usize::from(!decl.synopsis.is_empty()),
                "{:?}",
                decl.opt.long
            );
            let synopsis = decl.synopsis;
            if !synopsis.is_empty() {
                // The synopsis names the option's own letter and long name.
                let long = format!("--{}", decl.opt.long.unwrap_or_default());
                assert!(synopsis.contains(&long), "{synopsis}");
                match decl.opt.short {
                    Some(s) => assert!(synopsis.starts_with(&format!("-{s}, {long}"))),
                    None => assert!(synopsis.starts_with(&long)),
                }
            }
        }
        let unlisted: Vec<&str> = OPTIONS
            .iter()
            .filter(|d| d.synopsis.is_empty())
            .filter_map(|d| d.opt.long)
            .collect();
        assert_eq!(unlisted, ["forward-signals", "map-subids", "owner"]);
    }

    #[test]
    fn command_is_the_declaration() {
        let cmd = command();
        cmd.clone().debug_assert();
        let args: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_positional()).collect();
        assert_eq!(args.len(), OPTIONS.len());
        for (arg, decl) in args.iter().zip(OPTIONS) {
            assert_eq!(arg.get_long(), decl.opt.long);
            assert_eq!(arg.get_short(), decl.opt.short);
            assert_eq!(
                arg.is_require_equals_set(),
                decl.opt.long_arg == HasArg::Optional
            );
        }
    }

    fn parsed(args: &[&str]) -> Result<Parsed, CliError> {
        let mut argv = os(&["unshare"]);
        argv.extend(os(args));
        let users = |n: &str| (n == "alice").then_some(1000);
        let groups = |n: &str| (n == "staff").then_some(50);
        parse_with(
            &argv,
            Ids {
                euid: 1234,
                egid: 567,
            },
            &users,
            &groups,
        )
    }

    fn cli(args: &[&str]) -> Cli {
        match parsed(args) {
            Ok(Parsed::Run(c)) => *c,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn invalid(args: &[&str]) -> String {
        match parsed(args) {
            Err(CliError::Invalid(m)) => m,
            other => panic!("{args:?}: expected an invalid value, got {other:?}"),
        }
    }

    #[test]
    fn options_set_flags_and_implications() {
        let c = cli(&["--fork", "--pid", "--mount-proc", "bash"]);
        assert_eq!(c.flags, libc::CLONE_NEWPID | libc::CLONE_NEWNS);
        assert!(c.fork);
        assert_eq!(c.mount_proc, Some("/proc".into()));
        assert_eq!(c.program, os(&["bash"]));

        let c = cli(&["-r"]);
        assert_eq!(c.flags, libc::CLONE_NEWUSER);
        assert_eq!((c.map_user, c.map_group), (Some(0), Some(0)));
        let c = cli(&["-c"]);
        assert_eq!((c.map_user, c.map_group), (Some(1234), Some(567)));
        let c = cli(&["--map-user=alice", "--map-group", "staff"]);
        assert_eq!((c.map_user, c.map_group), (Some(1000), Some(50)));
        let c = cli(&["-r", "--map-user=4294967295"]);
        assert_eq!(
            (c.flags, c.map_user, c.map_group),
            (libc::CLONE_NEWUSER, None, Some(0))
        );
        let c = cli(&["--kill-child", "sleep"]);
        assert!(c.fork);
        assert_eq!(c.kill_child, Some(libc::SIGKILL));
        assert_eq!(cli(&["--kill-child=TERM"]).kill_child, Some(libc::SIGTERM));
        assert_eq!(
            cli(&["--kill-child=RTMIN+1"]).kill_child,
            Some(libc::SIGRTMIN() + 1)
        );
        assert!(cli(&["--forward-signals"]).fork);
        let c = cli(&["--mount-binfmt"]);
        assert_eq!(c.flags, libc::CLONE_NEWNS | libc::CLONE_NEWUSER);
        assert_eq!(c.mount_proc, Some("/proc".into()));
        assert_eq!(c.mount_binfmt, Some(BINFMT_MISC.into()));
        let c = cli(&["--mount-binfmt=/b"]);
        assert_eq!((c.mount_proc, c.mount_binfmt), (None, Some("/b".into())));
        // -l alone mounts both; a later --mount-binfmt=DIR keeps the proc mount.
        let c = cli(&["-l", "x", "--mount-binfmt=/b"]);
        assert_eq!(
            (c.mount_proc, c.mount_binfmt),
            (Some("/proc".into()), Some("/b".into()))
        );
        let c = cli(&["--mount-binfmt=/b", "-l", "x"]);
        assert_eq!((c.mount_proc, c.load_interp), (None, Some("x".into())));
        let c = cli(&["-m", "-u", "-i", "-n", "-p", "-U", "-C", "-T"]);
        assert_eq!(
            c.flags,
            libc::CLONE_NEWNS
                | libc::CLONE_NEWUTS
                | libc::CLONE_NEWIPC
                | libc::CLONE_NEWNET
                | libc::CLONE_NEWPID
                | libc::CLONE_NEWUSER
                | libc::CLONE_NEWCGROUP
                | common::ns::CLONE_NEWTIME
        );
        assert!(c.program.is_empty());
        let c = cli(&["--net=/a", "--pid=/b", "--net=/c"]);
        assert_eq!(c.persist, vec![("pid", "/b".into()), ("net", "/c".into())]);
        let c = cli(&["-T", "--monotonic", "86400", "--boottime=-5"]);
        assert_eq!((c.monotonic, c.boottime), (Some(86400), Some(-5)));
        let c = cli(&["-S", " +5", "-G", "-0"]);
        assert_eq!((c.setuid, c.setgid), (Some(5), Some(0)));
        assert_eq!(
            cli(&["--propagation", "slave"]).propagation,
            Propagation::Slave
        );
        assert_eq!(
            cli(&["--propagation=unchanged"]).propagation,
            Propagation::Unchanged
        );
        assert_eq!(
            cli(&["--setgroups=allow"]).setgroups,
            Some(SetGroups::Allow)
        );
        // util-linux 2.42.4's sscanf("%u:%u%n"): numbers only, C's blanks, sign and wrap-around.
        assert_eq!(cli(&["--owner", "5:50"]).owner, Some((5, 50)));
        assert_eq!(cli(&["--owner", " 5: +6"]).owner, Some((5, 6)));
        assert_eq!(
            cli(&["--owner", "-1:-2"]).owner,
            Some((u32::MAX, u32::MAX - 1))
        );
        assert_eq!(
            cli(&["--owner", "4294967296:99999999999999999999"]).owner,
            Some((0, u32::MAX))
        );
    }

    #[test]
    fn help_and_version_act_where_they_stand() {
        assert_eq!(parsed(&["-h", "--bogus"]), Ok(Parsed::Help));
        assert_eq!(parsed(&["-fV"]), Ok(Parsed::Version));
        assert!(matches!(
            parsed(&["--bogus", "-h"]),
            Err(CliError::Getopt(_))
        ));
        // A bad value before a getopt error is reported first, as in util-linux's loop.
        assert_eq!(
            invalid(&["--propagation", "foo", "--bogus"]),
            "unsupported propagation mode: foo"
        );
        // Operands are never options.
        assert_eq!(cli(&["true", "-h"]).program, os(&["true", "-h"]));
    }

    #[test]
    fn value_errors_use_util_linux_words() {
        let table: &[(&[&str], &str)] = &[
            (&["--propagation", "foo"], "unsupported propagation mode: foo"),
            (&["--kill-child=FOO"], "unknown signal: FOO"),
            (&["--kill-child=15"], "unknown signal: 15"),
            (&["--setgroups", "maybe"], "unsupported --setgroups argument 'maybe'"),
            (&["-S", "x"], "failed to parse uid: 'x'"),
            (&["-S", ""], "failed to parse uid: ''"),
            (&["-S", "0x10"], "failed to parse uid: '0x10'"),
            (&["-G", "5x"], "failed to parse gid: '5x'"),
            (
                &["-S", "99999999999999999999"],
                "failed to parse uid: '99999999999999999999': Numerical result out of range",
            ),
            (
                &["-G", "-1"],
                "failed to parse gid: '-1': Numerical result out of range",
            ),
            (&["--map-user", "bob"], "failed to parse uid: 'bob'"),
            (&["--map-group="], "failed to parse gid: ''"),
            (&["-T", "--monotonic", "x"], "failed to parse monotonic offset: 'x'"),
            (&["-T", "--boottime", ""], "failed to parse boottime offset: ''"),
            (
                &["-T", "--monotonic", "99999999999999999999"],
                "failed to parse monotonic offset: '99999999999999999999': Numerical result out of range",
            ),
            (
                &["--monotonic", "5"],
                "options --monotonic and --boottime require unsharing of a time namespace (-T)",
            ),
            (&["--map-users", "1,2"], "invalid mapping '1,2'"),
            (&["--map-users", "1:2:3:4"], "invalid mapping '1:2:3:4'"),
            (&["--map-groups", "a:2:3"], "invalid mapping 'a:2:3'"),
            (&["--owner", "5"], "failed to parse owner"),
            (&["--owner", "alice:50"], "failed to parse owner"),
            (&["--owner", "5:6x"], "failed to parse owner"),
            (&["--owner", "5:6 "], "failed to parse owner"),
            (&["--owner", "5 :6"], "failed to parse owner"),
            (&["--owner", ":6"], "failed to parse owner"),
            (&["--owner", "5:"], "failed to parse owner"),
            (&["--owner", "0x5:6"], "failed to parse owner"),
        ];
        for (args, want) in table {
            assert_eq!(invalid(args), *want, "{args:?}");
        }
    }

    #[test]
    fn map_specs() {
        assert_eq!(
            map_spec("0:100000:65536"),
            Ok(MapSpec::Range {
                inner: 0,
                outer: 100000,
                count: 65536
            })
        );
        assert_eq!(
            map_spec("100000,0,65536"),
            Ok(MapSpec::Range {
                inner: 0,
                outer: 100000,
                count: 65536
            })
        );
        assert_eq!(map_spec("auto"), Ok(MapSpec::Auto));
        assert_eq!(map_spec("subids"), Ok(MapSpec::SubIds));
        assert_eq!(map_spec("all"), Ok(MapSpec::All));
        assert!(map_spec("1:2").is_err());
        assert!(map_spec("1:2,3").is_err());
    }

    #[test]
    fn numbers_like_util_linux() {
        assert_eq!(strtoul_or_err("42", "x"), Ok(42));
        assert_eq!(strtoul_or_err("\t+7", "x"), Ok(7));
        assert_eq!(strtoul_or_err("-0", "x"), Ok(0));
        assert!(strtoul_or_err("-1", "x").is_err());
        assert!(strtoul_or_err("1 ", "x").is_err());
        assert_eq!(strtos64_or_err("-86400", "x"), Ok(-86400));
        assert_eq!(strtos64_or_err("-9223372036854775808", "x"), Ok(i64::MIN));
        assert!(strtos64_or_err("9223372036854775808", "x").is_err());
        // util-linux 2.41 reports ERANGE before text after the number.
        fn err<T: std::fmt::Debug>(r: Result<T, CliError>) -> String {
            match r {
                Err(CliError::Invalid(message)) => message,
                other => panic!("{other:?}"),
            }
        }
        let uid = "failed to parse uid";
        assert_eq!(
            err(strtoul_or_err("-5x", uid)),
            "failed to parse uid: '-5x': Numerical result out of range"
        );
        assert_eq!(err(strtoul_or_err("5x", uid)), "failed to parse uid: '5x'");
        assert_eq!(
            err(strtos64_or_err("99999999999999999999x", "m")),
            "m: '99999999999999999999x': Numerical result out of range"
        );
        assert_eq!(err(strtos64_or_err("-5x", "m")), "m: '-5x'");
    }
}
