//! From what the user typed to what nsenter will do: numbers parsed, the target's role settled,
//! the namespaces listed in util-linux's order of entering them. Pure: no system calls, so the
//! rules are table-tested without root.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use common::ns::{Namespace, NAMESPACES};
use common::ToolError;

use crate::cli::Cli;

/// Where a namespace comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `/proc/PID/ns/<kind>` of the target.
    Target,
    /// A file given as `--kind=FILE` (a bind mount of an nsfs file, or `/proc/X/ns/kind`).
    File(PathBuf),
    /// The network namespace of the target's socket file descriptor (`-N FD`).
    Socket(i32),
}

/// One namespace to enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsRequest {
    pub ns: &'static Namespace,
    pub source: Source,
    /// Added by `--all`: skipped when the target's kernel lacks the kind, or (user namespace)
    /// when it is the caller's own.
    pub from_all: bool,
}

/// A directory: the target's (`/proc/PID/root`, `/proc/PID/cwd`) or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dir {
    Target,
    Path(PathBuf),
}

/// A uid or gid to switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    /// Not given: 0 when a user namespace is entered (without `--preserve-credentials`).
    Default,
    Value(u32),
    /// `follow`: the target's.
    Follow,
}

/// Everything nsenter will do, in the order it does it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub target: Option<u32>,
    /// In util-linux's array order (user, cgroup, ipc, uts, net, pid, mnt, time).
    pub namespaces: Vec<NsRequest>,
    /// `--user-parent`: enter the user namespace owning the first namespace opened.
    pub user_parent: bool,
    pub root: Option<Dir>,
    pub wd: Option<Dir>,
    /// `-W`: a path resolved after entering the namespaces and the root; `Dir::Target` takes the
    /// target's working directory path.
    pub wdns: Option<Dir>,
    pub env: bool,
    pub no_fork: bool,
    pub join_cgroup: bool,
    pub follow_context: bool,
    pub setuid: Option<Id>,
    pub setgid: Option<Id>,
    pub preserve_credentials: bool,
    pub keep_caps: bool,
    /// Empty: the user's shell as a login shell.
    pub program: Vec<OsString>,
}

/// util-linux's `strtoul_or_err`: optional blanks and sign, decimal digits, nothing after; a
/// negative number wraps as strtoul(3) makes it; the result is truncated to 32 bits as the C
/// assignment to `pid_t`/`uid_t` does.
pub fn parse_ulong(text: &OsStr, what: &str) -> Result<u32, ToolError> {
    let shown = text.to_string_lossy();
    let bad = || ToolError::failed(1, format!("failed to parse {what}: '{shown}'"));
    let s = text.to_str().ok_or_else(bad)?;
    let (negative, digits) = common::parse::c_decimal(s).ok_or_else(bad)?;
    let value: u64 = digits.parse().map_err(|_| {
        ToolError::failed(
            1,
            format!("failed to parse {what}: '{shown}': Numerical result out of range"),
        )
    })?;
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    Ok(value as u32)
}

/// A file descriptor number, 0..=INT_MAX (`str2num_or_err`).
fn parse_fd(text: &OsStr) -> Result<i32, ToolError> {
    let shown = text.to_string_lossy();
    let s = text.to_str().unwrap_or("");
    match s.parse::<i64>() {
        Ok(n) if (0..=i64::from(i32::MAX)).contains(&n) => Ok(n as i32),
        Ok(_) => Err(ToolError::failed(
            1,
            format!("failed to parse file descriptor: '{shown}': Numerical result out of range"),
        )),
        Err(_) => Err(ToolError::failed(
            1,
            format!("failed to parse file descriptor: '{shown}'"),
        )),
    }
}

fn parse_id(text: &OsStr, what: &str) -> Result<Id, ToolError> {
    if text == "follow" {
        Ok(Id::Follow)
    } else {
        parse_ulong(text, what).map(Id::Value)
    }
}

fn dir(arg: &Option<Option<OsString>>) -> Option<Dir> {
    arg.as_ref().map(|v| match v {
        Some(p) => Dir::Path(PathBuf::from(p)),
        None => Dir::Target,
    })
}

fn no_target(what: &str) -> ToolError {
    ToolError::failed(1, format!("no target PID specified{what}"))
}

/// Validate the command line into a plan. `selinux_enabled` is asked only for `-Z`.
pub fn plan(cli: &Cli, selinux_enabled: impl FnOnce() -> bool) -> Result<Plan, ToolError> {
    // Numbers first, in the order getopt would have met them is not tracked; util-linux parses
    // each while reading argv, so any bad number ends the run before anything else happens.
    let target = match &cli.target {
        Some(t) => Some(parse_ulong(t, "pid")?).filter(|&p| p != 0),
        None => None,
    };
    let setuid = cli
        .setuid
        .as_deref()
        .map(|t| parse_id(t, "uid"))
        .transpose()?;
    let setgid = cli
        .setgid
        .as_deref()
        .map(|t| parse_id(t, "gid"))
        .transpose()?;
    let net_socket = cli.net_socket.as_deref().map(parse_fd).transpose()?;

    if cli.follow_context {
        if !selinux_enabled() {
            return Err(ToolError::failed(
                1,
                "--follow-context: SELinux is not enabled on this system",
            ));
        }
        if target.is_none() {
            return Err(no_target(" for --follow-context"));
        }
    }
    if cli.all && target.is_none() {
        return Err(no_target(" for --all"));
    }

    let mut namespaces = Vec::new();
    for (ns, given) in NAMESPACES.iter().zip(cli.namespaces.iter()) {
        let request = match given {
            Some(Some(file)) => Some((Source::File(PathBuf::from(file)), false)),
            Some(None) => Some((Source::Target, false)),
            None if cli.all => Some((Source::Target, true)),
            None => None,
        };
        if let Some((source, from_all)) = request {
            namespaces.push(NsRequest {
                ns,
                source,
                from_all,
            });
        }
    }

    if let Some(fd) = net_socket {
        if target.is_none() {
            return Err(no_target(" for --net-socket"));
        }
        let explicit_net = cli.namespaces[4].is_some();
        if explicit_net {
            return Err(ToolError::failed(
                1,
                "--net and --net-socket are mutually exclusive",
            ));
        }
        match namespaces.iter_mut().find(|r| r.ns.file == "net") {
            Some(r) => {
                *r = NsRequest {
                    ns: r.ns,
                    source: Source::Socket(fd),
                    from_all: false,
                }
            }
            None => {
                let ns = &NAMESPACES[4];
                let at = namespaces
                    .iter()
                    .position(|r| index_of(r.ns) > 4)
                    .unwrap_or(namespaces.len());
                namespaces.insert(
                    at,
                    NsRequest {
                        ns,
                        source: Source::Socket(fd),
                        from_all: false,
                    },
                );
            }
        }
    }

    let root = dir(&cli.root);
    let wd = dir(&cli.wd);
    let wdns = dir(&cli.wdns);
    let needs_target = namespaces.iter().any(|r| r.source == Source::Target)
        || root == Some(Dir::Target)
        || wd == Some(Dir::Target)
        || wdns == Some(Dir::Target)
        || cli.env
        || cli.join_cgroup
        || setuid == Some(Id::Follow)
        || setgid == Some(Id::Follow);
    if needs_target && target.is_none() {
        return Err(no_target(""));
    }
    if cli.user_parent && namespaces.is_empty() {
        return Err(ToolError::failed(
            1,
            "--user-parent needs a namespace to find the parent user namespace from",
        ));
    }
    let does_something = !namespaces.is_empty()
        || root.is_some()
        || wd.is_some()
        || wdns.is_some()
        || cli.env
        || cli.join_cgroup
        || setuid.is_some()
        || setgid.is_some();
    if !does_something {
        return Err(ToolError::failed(1, "no namespace specified"));
    }

    Ok(Plan {
        target,
        namespaces,
        user_parent: cli.user_parent,
        root,
        wd,
        wdns,
        env: cli.env,
        no_fork: cli.no_fork,
        join_cgroup: cli.join_cgroup,
        follow_context: cli.follow_context,
        setuid,
        setgid,
        preserve_credentials: cli.preserve_credentials,
        keep_caps: cli.keep_caps,
        program: cli.program.clone(),
    })
}

fn index_of(ns: &Namespace) -> usize {
    NAMESPACES
        .iter()
        .position(|n| n.file == ns.file)
        .unwrap_or(NAMESPACES.len())
}

/// The credentials to set after entering: (uid, gid), each `None` when left alone. With a user
/// namespace entered and no `--preserve-credentials`, both are forced (0 unless given).
pub fn credentials(plan: &Plan, user_entered: bool) -> (Option<Id>, Option<Id>) {
    let force = user_entered && !plan.preserve_credentials;
    let pick = |given: Option<Id>| match given {
        Some(id) => Some(id),
        None if force => Some(Id::Default),
        None => None,
    };
    (pick(plan.setuid), pick(plan.setgid))
}

/// Whether to fork before executing: when a PID namespace is entered, unless `-F`.
pub fn forks(plan: &Plan, entered: &[&Namespace]) -> bool {
    !plan.no_fork && entered.iter().any(|ns| ns.file == "pid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{parse, Parsed};

    fn plan_of(args: &[&str]) -> Result<Plan, String> {
        let mut argv: Vec<OsString> = vec!["nsenter".into()];
        argv.extend(args.iter().map(OsString::from));
        let cli = match parse(&argv) {
            Ok(Parsed::Run(c)) => c,
            other => return Err(format!("parse: {other:?}")),
        };
        plan(&cli, || false).map_err(|e| e.to_string())
    }

    fn kinds(p: &Plan) -> Vec<String> {
        p.namespaces
            .iter()
            .map(|r| match &r.source {
                Source::Target if r.from_all => format!("{}?", r.ns.file),
                Source::Target => r.ns.file.to_string(),
                Source::File(f) => format!("{}={}", r.ns.file, f.display()),
                Source::Socket(fd) => format!("{}@{fd}", r.ns.file),
            })
            .collect()
    }

    #[test]
    fn namespaces_come_in_util_linux_order() {
        let p = plan_of(&[
            "--target", "42", "--mount", "--uts", "--ipc", "--net", "--pid", "/bin/sh",
        ])
        .unwrap();
        assert_eq!(p.target, Some(42));
        assert_eq!(kinds(&p), ["ipc", "uts", "net", "pid", "mnt"]);
        assert_eq!(p.program, [OsString::from("/bin/sh")]);
        let p = plan_of(&["-t", "7", "-a", "--net=/x"]).unwrap();
        assert_eq!(
            kinds(&p),
            ["user?", "cgroup?", "ipc?", "uts?", "net=/x", "pid?", "mnt?", "time?"]
        );
        let p = plan_of(&["-t", "7", "-U", "-m", "-N", "3"]).unwrap();
        assert_eq!(kinds(&p), ["user", "net@3", "mnt"]);
        let p = plan_of(&["-t", "7", "-a", "-N", "3"]).unwrap();
        assert_eq!(kinds(&p)[4], "net@3");
    }

    #[test]
    fn errors_table() {
        let table: &[(&[&str], &str)] = &[
            (&[], "no namespace specified"),
            (&["true"], "no namespace specified"),
            (&["-t", "5", "true"], "no namespace specified"),
            (&["-m", "true"], "no target PID specified"),
            (&["-t", "0", "-m"], "no target PID specified"),
            (&["-t", "4294967296", "-m"], "no target PID specified"),
            (&["-r"], "no target PID specified"),
            (&["-e", "--net=/x"], "no target PID specified"),
            (&["-c", "--net=/x"], "no target PID specified"),
            (&["-S", "follow", "--net=/x"], "no target PID specified"),
            (&["-a"], "no target PID specified for --all"),
            (&["-N", "3"], "no target PID specified for --net-socket"),
            (
                &["-t", "1", "-n", "-N", "3"],
                "--net and --net-socket are mutually exclusive",
            ),
            (&["-t", "abc", "-m"], "failed to parse pid: 'abc'"),
            (&["-t", "", "-m"], "failed to parse pid: ''"),
            (&["-t", "0x10", "-m"], "failed to parse pid: '0x10'"),
            (
                &["-t", "99999999999999999999", "-m"],
                "failed to parse pid: '99999999999999999999': Numerical result out of range",
            ),
            (
                &["-t", "1", "-S", "abc", "-m"],
                "failed to parse uid: 'abc'",
            ),
            (&["-t", "1", "-G", "x1", "-m"], "failed to parse gid: 'x1'"),
            (
                &["-t", "1", "-N", "x", "-m"],
                "failed to parse file descriptor: 'x'",
            ),
            (
                &["-t", "1", "-N", "-1", "-m"],
                "failed to parse file descriptor: '-1': Numerical result out of range",
            ),
            (
                &["-t", "1", "-Z", "-m"],
                "--follow-context: SELinux is not enabled on this system",
            ),
            (
                &["-t", "1", "--user-parent"],
                "--user-parent needs a namespace to find the parent user namespace from",
            ),
        ];
        for (args, want) in table {
            assert_eq!(plan_of(args).err().as_deref(), Some(*want), "argv {args:?}");
        }
    }

    #[test]
    fn numbers_parse_like_strtoul() {
        let n = |s: &str| parse_ulong(OsStr::new(s), "pid").map_err(|e| e.to_string());
        assert_eq!(n("42"), Ok(42));
        assert_eq!(n(" +5"), Ok(5));
        assert_eq!(n("-1"), Ok(u32::MAX));
        assert_eq!(n("4294967297"), Ok(1));
        assert!(n("5x").is_err() && n(" ").is_err() && n("-").is_err());
    }

    #[test]
    fn what_needs_no_target() {
        let p = plan_of(&["--net=/run/netns/a", "-r/srv", "ip", "a"]).unwrap();
        assert_eq!(p.target, None);
        assert_eq!(p.root, Some(Dir::Path("/srv".into())));
        assert_eq!(kinds(&p), ["net=/run/netns/a"]);
        assert_eq!(
            plan_of(&["--net=/x", "-W", "ip"]).err().as_deref(),
            Some("no target PID specified"),
            "-W without a directory takes the target's"
        );
        let p = plan_of(&["-W/tmp", "true"]).unwrap();
        assert_eq!(p.wdns, Some(Dir::Path("/tmp".into())));
        assert!(plan_of(&["-S", "5", "id"]).is_ok());
    }

    #[test]
    fn credentials_and_fork_rules() {
        let p = plan_of(&["-t", "9", "-U", "-p"]).unwrap();
        assert_eq!(
            credentials(&p, true),
            (Some(Id::Default), Some(Id::Default))
        );
        assert_eq!(credentials(&p, false), (None, None));
        let p = plan_of(&["-t", "9", "-U", "-S", "5"]).unwrap();
        assert_eq!(
            credentials(&p, true),
            (Some(Id::Value(5)), Some(Id::Default))
        );
        let p = plan_of(&["-t", "9", "-U", "--preserve-credentials"]).unwrap();
        assert_eq!(credentials(&p, true), (None, None));
        let p = plan_of(&["-t", "9", "-n", "-S", "follow", "-G", "7"]).unwrap();
        assert_eq!(
            credentials(&p, false),
            (Some(Id::Follow), Some(Id::Value(7)))
        );
        let pid = &NAMESPACES[5];
        let p = plan_of(&["-t", "9", "-p"]).unwrap();
        assert!(forks(&p, &[pid]));
        assert!(!forks(&p, &[]));
        let p = plan_of(&["-t", "9", "-p", "-F"]).unwrap();
        assert!(!forks(&p, &[pid]));
    }
}
