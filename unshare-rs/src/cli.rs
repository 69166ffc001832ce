//! What the user typed, read the way util-linux reads it.
//!
//! util-linux calls `getopt_long(argc, argv, "+fhVmuinpCTUrR:w:S:G:cl:", longopts)` and acts on
//! each option inside the loop: `-h` prints help at once, `--propagation foo` fails before a later
//! `--bogus` is even looked at. clap parses the whole line first and knows neither `+` ordering nor
//! attached-only optional arguments, so this module has a small getopt ([`getopt`]) whose option
//! table is read from [`crate::command`], and [`parse`] applies the options in command-line order
//! with util-linux's per-option validation and messages.
//!
//! Namespace options take an optional file that must be attached (`--mount=FILE`); the short forms
//! take none (`-m` has no `::` in the getopt string, so `-m/x` is `-m -/ -x`), exactly as in
//! util-linux.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;

use nix::sys::signal::Signal;

/// Whether an option takes an argument (getopt's `has_arg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only when attached: `--opt=value`; the short letter of such an option takes none.
    Optional,
}

/// One row of the option table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptSpec {
    pub id: String,
    pub long: Option<String>,
    pub short: Option<char>,
    pub has_arg: HasArg,
}

/// util-linux's `longopts` (2.41, plus 2.42's `forward-signals` and `owner`): long name, short
/// letter, argument. The same table as [`crate::command`] declares (a unit test holds them
/// equal); kept as data so that an ordinary run never builds the clap command, which costs
/// startup time and resident memory.
pub const OPTIONS: &[(&str, Option<char>, HasArg)] = &[
    ("help", Some('h'), HasArg::No),
    ("version", Some('V'), HasArg::No),
    ("mount", Some('m'), HasArg::Optional),
    ("uts", Some('u'), HasArg::Optional),
    ("ipc", Some('i'), HasArg::Optional),
    ("net", Some('n'), HasArg::Optional),
    ("pid", Some('p'), HasArg::Optional),
    ("user", Some('U'), HasArg::Optional),
    ("cgroup", Some('C'), HasArg::Optional),
    ("time", Some('T'), HasArg::Optional),
    ("fork", Some('f'), HasArg::No),
    ("kill-child", None, HasArg::Optional),
    ("forward-signals", None, HasArg::No),
    ("mount-proc", None, HasArg::Optional),
    ("mount-binfmt", None, HasArg::Optional),
    ("map-user", None, HasArg::Required),
    ("map-users", None, HasArg::Required),
    ("map-group", None, HasArg::Required),
    ("map-groups", None, HasArg::Required),
    ("map-root-user", Some('r'), HasArg::No),
    ("map-current-user", Some('c'), HasArg::No),
    ("map-auto", None, HasArg::No),
    ("map-subids", None, HasArg::No),
    ("owner", None, HasArg::Required),
    ("propagation", None, HasArg::Required),
    ("setgroups", None, HasArg::Required),
    ("keep-caps", None, HasArg::No),
    ("setuid", Some('S'), HasArg::Required),
    ("setgid", Some('G'), HasArg::Required),
    ("root", Some('R'), HasArg::Required),
    ("wd", Some('w'), HasArg::Required),
    ("monotonic", None, HasArg::Required),
    ("boottime", None, HasArg::Required),
    ("load-interp", Some('l'), HasArg::Required),
];

/// [`OPTIONS`] as getopt's table.
pub fn table() -> Vec<OptSpec> {
    OPTIONS
        .iter()
        .map(|(long, short, has_arg)| OptSpec {
            id: long.to_string(),
            long: Some(long.to_string()),
            short: *short,
            has_arg: *has_arg,
        })
        .collect()
}

/// The option table of a clap command, in declaration order (util-linux's `longopts` order).
pub fn specs(cmd: &clap::Command) -> Vec<OptSpec> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional())
        .map(|a| OptSpec {
            id: a.get_id().as_str().to_string(),
            long: a.get_long().map(str::to_string),
            short: a.get_short(),
            has_arg: if !a.get_action().takes_values() {
                HasArg::No
            } else if a.is_require_equals_set() {
                HasArg::Optional
            } else {
                HasArg::Required
            },
        })
        .collect()
}

/// A getopt(3) error, displayed in glibc's words (the caller prefixes `argv[0]: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetoptError {
    /// `--bogus` (shown as typed, `=value` included).
    Unrecognized(String),
    /// `-z`.
    Invalid(char),
    /// `--ma`: the typed text and every long option it could mean.
    Ambiguous {
        typed: String,
        candidates: Vec<String>,
    },
    /// `--fork=1`: the full long name.
    NoArgAllowed(String),
    /// `--root` at the end: the full long name.
    LongRequiresArg(String),
    /// `-R` at the end.
    ShortRequiresArg(char),
}

impl fmt::Display for GetoptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetoptError::Unrecognized(t) => write!(f, "unrecognized option '{t}'"),
            GetoptError::Invalid(c) => write!(f, "invalid option -- '{c}'"),
            GetoptError::Ambiguous { typed, candidates } => {
                write!(f, "option '{typed}' is ambiguous; possibilities:")?;
                for c in candidates {
                    write!(f, " '--{c}'")?;
                }
                Ok(())
            }
            GetoptError::NoArgAllowed(l) => write!(f, "option '--{l}' doesn't allow an argument"),
            GetoptError::LongRequiresArg(l) => write!(f, "option '--{l}' requires an argument"),
            GetoptError::ShortRequiresArg(c) => write!(f, "option requires an argument -- '{c}'"),
        }
    }
}

/// One option found on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub id: String,
    pub value: Option<OsString>,
}

/// The result of scanning argv: options in order (possibly ending in an error, after which getopt
/// would not have been called again), and the operands (program and its arguments).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    pub opts: Vec<Result<Opt, GetoptError>>,
    pub operands: Vec<OsString>,
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// getopt_long with `+` ordering over `args` (argv without argv[0]).
pub fn getopt(args: &[OsString], table: &[OptSpec]) -> Scan {
    let mut scan = Scan::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_bytes();
        if arg == b"--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            break; // the first non-option ends option processing (`+`)
        }
        i += 1;
        if let Some(body) = arg.strip_prefix(b"--") {
            let (name, attached) = match body.iter().position(|&b| b == b'=') {
                Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
                None => (body, None),
            };
            let found = match long_match(name, table) {
                Ok(spec) => spec,
                Err(candidates) if candidates.is_empty() => {
                    scan.opts.push(Err(GetoptError::Unrecognized(lossy(arg))));
                    return scan;
                }
                Err(candidates) => {
                    scan.opts.push(Err(GetoptError::Ambiguous {
                        typed: lossy(arg),
                        candidates,
                    }));
                    return scan;
                }
            };
            let long = found.long.clone().unwrap_or_default();
            let value = match (found.has_arg, attached) {
                (HasArg::No, Some(_)) => {
                    scan.opts.push(Err(GetoptError::NoArgAllowed(long)));
                    return scan;
                }
                (HasArg::No, None) | (HasArg::Optional, None) => None,
                (_, Some(v)) => Some(OsStr::from_bytes(v).to_os_string()),
                (HasArg::Required, None) => match args.get(i) {
                    Some(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    None => {
                        scan.opts.push(Err(GetoptError::LongRequiresArg(long)));
                        return scan;
                    }
                },
            };
            scan.opts.push(Ok(Opt {
                id: found.id.clone(),
                value,
            }));
            continue;
        }
        // A cluster of short options: `-fp`, `-R/dir`, `-R /dir`.
        let cluster = &arg[1..];
        let mut k = 0;
        while k < cluster.len() {
            let letter = cluster[k] as char;
            k += 1;
            let Some(found) = table.iter().find(|s| s.short == Some(letter)) else {
                scan.opts.push(Err(GetoptError::Invalid(letter)));
                return scan;
            };
            let rest = &cluster[k..];
            // util-linux's short string ("+fhVmuinpCTUrR:w:S:G:cl:") gives no letter an optional
            // argument: `-m` never takes a file, only `--mount=FILE` does.
            let value = match found.has_arg {
                HasArg::No | HasArg::Optional => None,
                HasArg::Required => {
                    k = cluster.len();
                    if !rest.is_empty() {
                        Some(OsStr::from_bytes(rest).to_os_string())
                    } else if let Some(next) = args.get(i) {
                        i += 1;
                        Some(next.clone())
                    } else {
                        scan.opts.push(Err(GetoptError::ShortRequiresArg(letter)));
                        return scan;
                    }
                }
            };
            scan.opts.push(Ok(Opt {
                id: found.id.clone(),
                value,
            }));
        }
    }
    scan.operands = args[i..].to_vec();
    scan
}

/// An exact long name, else the only option it is a prefix of; `Err(candidates)` otherwise
/// (empty: unknown; several: ambiguous, in table order).
fn long_match<'t>(name: &[u8], table: &'t [OptSpec]) -> Result<&'t OptSpec, Vec<String>> {
    let longs = table.iter().filter(|s| s.long.is_some());
    if let Some(exact) = longs
        .clone()
        .find(|s| s.long.as_deref().map(str::as_bytes) == Some(name))
    {
        return Ok(exact);
    }
    let prefixed: Vec<&OptSpec> = longs
        .filter(|s| {
            s.long
                .as_deref()
                .is_some_and(|l| l.as_bytes().starts_with(name))
        })
        .collect();
    match prefixed.as_slice() {
        [one] => Ok(one),
        many => Err(many
            .iter()
            .filter_map(|s| s.long.clone())
            .collect::<Vec<_>>()),
    }
}

/// Mount propagation to apply recursively on `/` in a new mount namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Slave,
    Shared,
    Private,
    Unchanged,
}

/// `--setgroups allow|deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetGroups {
    Allow,
    Deny,
}

/// A `--map-users`/`--map-groups` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapSpec {
    /// `inner:outer:count` (or legacy `outer,inner,count`).
    Range { inner: u32, outer: u32, count: u32 },
    /// First subordinate block of the user, mapped from 0.
    Auto,
    /// First subordinate block of the user, identity-mapped.
    SubIds,
    /// Every id of the current namespace, identity-mapped.
    All,
}

/// The command line, validated option by option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    /// CLONE_NEW* flags to unshare.
    pub flags: libc::c_int,
    /// Persistence targets by `/proc/PID/ns` file name (`mnt`, `net`, ...), last one per kind wins.
    pub persist: Vec<(&'static str, OsString)>,
    pub fork: bool,
    pub kill_child: Option<Signal>,
    pub forward_signals: bool,
    pub mount_proc: Option<OsString>,
    pub mount_binfmt: Option<OsString>,
    pub load_interp: Option<OsString>,
    pub propagation: Propagation,
    pub root: Option<OsString>,
    pub wd: Option<OsString>,
    pub setuid: Option<u32>,
    pub setgid: Option<u32>,
    pub map_user: Option<u32>,
    pub map_group: Option<u32>,
    pub map_users: Vec<MapSpec>,
    pub map_groups: Vec<MapSpec>,
    pub owner: Option<(u32, u32)>,
    pub setgroups: Option<SetGroups>,
    pub keep_caps: bool,
    pub monotonic: Option<i64>,
    pub boottime: Option<i64>,
    /// The program and its arguments; empty: the login shell.
    pub program: Vec<OsString>,
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
pub enum Parsed {
    Help,
    Version,
    Run(Box<Cli>),
}

/// Why the command line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// A getopt error: `argv[0]: message` and the `Try` line, exit 1.
    Getopt(GetoptError),
    /// A bad value: `unshare: message`, exit 1.
    Invalid(String),
}

/// The identity util-linux captures before parsing (`-c`, `--map-*` use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub euid: u32,
    pub egid: u32,
}

/// Parse `argv` (with argv[0]) against [`crate::command`] and the real user and group names.
pub fn parse(argv: &[OsString]) -> Result<Parsed, CliError> {
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
pub fn parse_with(
    argv: &[OsString],
    ids: Ids,
    user: Lookup<'_>,
    group: Lookup<'_>,
) -> Result<Parsed, CliError> {
    let table = table();
    let scan = getopt(argv.get(1..).unwrap_or(&[]), &table);
    let mut cli = Cli::default();
    let mut force_time_offsets = false;
    for opt in scan.opts {
        let opt = opt.map_err(CliError::Getopt)?;
        let value = opt.value.as_deref();
        let text = value.map(|v| v.to_string_lossy().into_owned());
        let required = || text.clone().unwrap_or_default();
        if let Some(ns) = common::ns::by_name(&opt.id) {
            cli.flags |= ns.clone_flag;
            if let Some(file) = value {
                cli.persist.retain(|(kind, _)| *kind != ns.file);
                cli.persist.push((ns.file, file.to_os_string()));
            }
            continue;
        }
        match opt.id.as_str() {
            "help" => return Ok(Parsed::Help),
            "version" => return Ok(Parsed::Version),
            "fork" => cli.fork = true,
            "kill-child" => {
                cli.kill_child = Some(match &text {
                    None => Signal::SIGKILL,
                    Some(name) => common::parse::parse_signal(name)
                        .map_err(|e| CliError::Invalid(e.to_string()))?,
                });
                cli.fork = true;
            }
            "forward-signals" => {
                cli.forward_signals = true;
                cli.fork = true;
            }
            "mount-proc" => {
                cli.flags |= libc::CLONE_NEWNS;
                cli.mount_proc = Some(value.unwrap_or(OsStr::new("/proc")).to_os_string());
            }
            "mount-binfmt" => {
                cli.flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                cli.mount_binfmt = Some(match value {
                    Some(dir) => dir.to_os_string(),
                    None => {
                        if cli.mount_proc.is_none() {
                            cli.mount_proc = Some("/proc".into());
                        }
                        crate::plan::BINFMT_MISC.into()
                    }
                });
            }
            "load-interp" => {
                cli.flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                cli.load_interp = value.map(OsStr::to_os_string);
                if cli.mount_binfmt.is_none() {
                    cli.mount_proc.get_or_insert_with(|| "/proc".into());
                    cli.mount_binfmt = Some(crate::plan::BINFMT_MISC.into());
                }
            }
            "map-user" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user = Some(by_name_or_number(&required(), user, "failed to parse uid")?);
            }
            "map-group" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_group = Some(by_name_or_number(
                    &required(),
                    group,
                    "failed to parse gid",
                )?);
            }
            "map-root-user" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user = Some(0);
                cli.map_group = Some(0);
            }
            "map-current-user" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_user = Some(ids.euid);
                cli.map_group = Some(ids.egid);
            }
            "map-users" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_users.push(map_spec(&required())?);
            }
            "map-groups" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_groups.push(map_spec(&required())?);
            }
            "map-auto" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_users.push(MapSpec::Auto);
                cli.map_groups.push(MapSpec::Auto);
            }
            "map-subids" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.map_users.push(MapSpec::SubIds);
                cli.map_groups.push(MapSpec::SubIds);
            }
            "owner" => {
                cli.flags |= libc::CLONE_NEWUSER;
                cli.owner = Some(owner(&required(), user, group)?);
            }
            "propagation" => cli.propagation = propagation(&required())?,
            "setgroups" => cli.setgroups = Some(setgroups(&required())?),
            "keep-caps" => cli.keep_caps = true,
            "setuid" => {
                cli.setuid = Some(strtoul_or_err(&required(), "failed to parse uid")? as u32)
            }
            "setgid" => {
                cli.setgid = Some(strtoul_or_err(&required(), "failed to parse gid")? as u32)
            }
            "root" => cli.root = value.map(OsStr::to_os_string),
            "wd" => cli.wd = value.map(OsStr::to_os_string),
            "monotonic" => {
                cli.monotonic = Some(strtos64_or_err(
                    &required(),
                    "failed to parse monotonic offset",
                )?);
                force_time_offsets = true;
            }
            "boottime" => {
                cli.boottime = Some(strtos64_or_err(
                    &required(),
                    "failed to parse boottime offset",
                )?);
                force_time_offsets = true;
            }
            other => unreachable!("option {other} is in the table but not handled"),
        }
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

/// `--owner uid:gid` (names or numbers).
fn owner(text: &str, user: Lookup<'_>, group: Lookup<'_>) -> Result<(u32, u32), CliError> {
    let Some((u, g)) = text.split_once(':') else {
        return Err(CliError::Invalid(format!("invalid owner '{text}'")));
    };
    Ok((
        by_name_or_number(u, user, "failed to parse uid")?,
        by_name_or_number(g, group, "failed to parse gid")?,
    ))
}

/// util-linux 2.39+ `get_map_range`: `inner:outer:count`, else legacy `outer,inner,count`;
/// also the keywords `auto`, `subids`, `all`.
pub fn map_spec(text: &str) -> Result<MapSpec, CliError> {
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

/// Why a number did not parse: util-linux says `msg: 'x'`, plus `: strerror` for ERANGE.
fn number_error(text: &str, what: &str, range: bool) -> CliError {
    if range {
        CliError::Invalid(format!(
            "{what}: '{text}': {}",
            common::strerror(libc::ERANGE)
        ))
    } else {
        CliError::Invalid(format!("{what}: '{text}'"))
    }
}

/// strtoul(3) in base 10 that must consume the whole text: leading white space and a sign are
/// accepted, a minus wraps around as in C (`-1` is the largest value).
pub fn strtoul_or_err(text: &str, what: &str) -> Result<u64, CliError> {
    let (negative, magnitude) =
        common::parse::c_decimal(text).ok_or_else(|| number_error(text, what, false))?;
    let n: u64 = magnitude
        .parse()
        .map_err(|_| number_error(text, what, true))?;
    Ok(if negative { n.wrapping_neg() } else { n })
}

/// strtoll(3) in base 10 that must consume the whole text, with ERANGE reported.
pub fn strtos64_or_err(text: &str, what: &str) -> Result<i64, CliError> {
    let (negative, magnitude) =
        common::parse::c_decimal(text).ok_or_else(|| number_error(text, what, false))?;
    let n: i128 = magnitude
        .parse::<u64>()
        .map_err(|_| number_error(text, what, true))?
        .into();
    let n = if negative { -n } else { n };
    i64::try_from(n).map_err(|_| number_error(text, what, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn scan(args: &[&str]) -> Scan {
        getopt(&os(args), &specs(&crate::command()))
    }

    fn opt(id: &str, value: Option<&str>) -> Result<Opt, GetoptError> {
        Ok(Opt {
            id: id.into(),
            value: value.map(OsString::from),
        })
    }

    #[test]
    fn static_table_is_the_clap_command() {
        assert_eq!(table(), specs(&crate::command()));
    }

    #[test]
    fn table_comes_from_the_clap_command() {
        let table = specs(&crate::command());
        let find = |id: &str| table.iter().find(|s| s.id == id).unwrap().clone();
        assert_eq!(find("mount").has_arg, HasArg::Optional);
        assert_eq!(find("mount").short, Some('m'));
        assert_eq!(find("root").has_arg, HasArg::Required);
        assert_eq!(find("fork").has_arg, HasArg::No);
        assert_eq!(find("kill-child").has_arg, HasArg::Optional);
        assert_eq!(find("load-interp").short, Some('l'));
        // Every short letter of util-linux's "+fhVmuinpCTUrR:w:S:G:cl:" and nothing else.
        let mut shorts: Vec<char> = table.iter().filter_map(|s| s.short).collect();
        shorts.sort_unstable();
        let mut want: Vec<char> = "fhVmuinpCTUrRwSGcl".chars().collect();
        want.sort_unstable();
        assert_eq!(shorts, want);
        for s in &table {
            let required = matches!(s.short, Some('R' | 'w' | 'S' | 'G' | 'l'));
            if s.short.is_some() {
                assert_eq!(s.has_arg == HasArg::Required, required, "{s:?}");
            }
        }
    }

    #[test]
    fn getopt_table() {
        type Case = (
            &'static [&'static str],
            Vec<Result<Opt, GetoptError>>,
            &'static [&'static str],
        );
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
                    candidates: vec!["fork".into(), "forward-signals".into()],
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
                vec![Err(GetoptError::NoArgAllowed("fork".into()))],
                &[],
            ),
            (
                &["--wd"],
                vec![Err(GetoptError::LongRequiresArg("wd".into()))],
                &[],
            ),
            (&["-S"], vec![Err(GetoptError::ShortRequiresArg('S'))], &[]),
            (
                &["--mon"],
                vec![Err(GetoptError::LongRequiresArg("monotonic".into()))],
                &[],
            ),
        ];
        for (args, opts, operands) in cases {
            let got = scan(args);
            assert_eq!(got.opts, opts, "{args:?}");
            assert_eq!(got.operands, os(operands), "{args:?}");
        }
    }

    #[test]
    fn ambiguous_prefix_lists_candidates_in_longopts_order() {
        let got = scan(&["--ma=x"]);
        let err = got.opts[0].clone().unwrap_err();
        assert_eq!(
            err.to_string(),
            "option '--ma=x' is ambiguous; possibilities: '--map-user' '--map-users' \
             '--map-group' '--map-groups' '--map-root-user' '--map-current-user' '--map-auto' \
             '--map-subids'"
        );
        let err = scan(&["--m"]).opts[0].clone().unwrap_err();
        assert!(matches!(err, GetoptError::Ambiguous { .. }));
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
            GetoptError::NoArgAllowed("fork".into()).to_string(),
            "option '--fork' doesn't allow an argument"
        );
        assert_eq!(
            GetoptError::LongRequiresArg("root".into()).to_string(),
            "option '--root' requires an argument"
        );
        assert_eq!(
            GetoptError::ShortRequiresArg('R').to_string(),
            "option requires an argument -- 'R'"
        );
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
        let c = cli(&["--kill-child", "sleep"]);
        assert!(c.fork);
        assert_eq!(c.kill_child, Some(Signal::SIGKILL));
        assert_eq!(
            cli(&["--kill-child=TERM"]).kill_child,
            Some(Signal::SIGTERM)
        );
        assert!(cli(&["--forward-signals"]).fork);
        let c = cli(&["--mount-binfmt"]);
        assert_eq!(c.flags, libc::CLONE_NEWNS | libc::CLONE_NEWUSER);
        assert_eq!(c.mount_proc, Some("/proc".into()));
        assert_eq!(c.mount_binfmt, Some(crate::plan::BINFMT_MISC.into()));
        let c = cli(&["--mount-binfmt=/b"]);
        assert_eq!((c.mount_proc, c.mount_binfmt), (None, Some("/b".into())));
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
        let c = cli(&["-S", " +5", "-G", "-1"]);
        assert_eq!((c.setuid, c.setgid), (Some(5), Some(u32::MAX)));
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
        assert_eq!(cli(&["--owner", "alice:50"]).owner, Some((1000, 50)));
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
            (&["--setgroups", "maybe"], "unsupported --setgroups argument 'maybe'"),
            (&["-S", "x"], "failed to parse uid: 'x'"),
            (&["-S", ""], "failed to parse uid: ''"),
            (&["-S", "0x10"], "failed to parse uid: '0x10'"),
            (&["-G", "5x"], "failed to parse gid: '5x'"),
            (
                &["-S", "99999999999999999999"],
                "failed to parse uid: '99999999999999999999': Numerical result out of range",
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
            (&["--owner", "5"], "invalid owner '5'"),
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
    fn numbers_like_strtoul() {
        assert_eq!(strtoul_or_err("42", "x"), Ok(42));
        assert_eq!(strtoul_or_err("\t+7", "x"), Ok(7));
        assert_eq!(strtoul_or_err("-1", "x"), Ok(u64::MAX));
        assert!(strtoul_or_err("1 ", "x").is_err());
        assert_eq!(strtos64_or_err("-86400", "x"), Ok(-86400));
        assert_eq!(strtos64_or_err("-9223372036854775808", "x"), Ok(i64::MIN));
        assert!(strtos64_or_err("9223372036854775808", "x").is_err());
    }
}
