//! From the options getopt returned to what nsenter will do, in util-linux 2.41's order. Pure: no
//! system calls, so the rules are table-tested without root.
//!
//! util-linux acts on some options while it reads argv: a namespace, root or working-directory
//! file is opened there and then, and a bad number ends the run at once. So a file named before a
//! bad option is opened (and its error reported) first. [`Plan`] keeps that order: the files to
//! open while reading argv, then what reading argv ended with.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use common::parse::{str2num, ul_strtou64, NumberError};
use common::ToolError;

use crate::cli::{long_name, Argv, GetoptError, Given, Id, EXCLUSIVE};

/// What a file opened while reading argv is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A namespace, indexed like [`common::ns::NAMESPACES`].
    Ns(usize),
    Root,
    Wd,
}

/// A uid or gid to switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cred {
    Value(u32),
    /// `follow`: the owner of the target's `/proc/PID` (once given, later numbers do not undo it).
    Follow,
}

/// What the options ask for, once argv has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// 0: none (util-linux's `namespace_target_pid`, a `pid_t` printed with `%u`).
    pub(crate) target: u32,
    pub(crate) all: bool,
    /// The namespaces asked for, indexed like [`common::ns::NAMESPACES`]. Where a file was given
    /// it is among [`Plan::argv_opens`]; the others come from the target.
    pub(crate) enabled: [bool; 8],
    /// `-N FD` (a negative number is accepted and means none, as in util-linux).
    pub(crate) net_socket: Option<i32>,
    pub(crate) user_parent: bool,
    /// `-r` / `-w` without a directory: the target's root / working directory.
    pub(crate) root_of_target: bool,
    pub(crate) wd_of_target: bool,
    /// `-W DIR`: opened after entering; the last `-W` wins, and one without a directory is none.
    pub(crate) wdns: Option<PathBuf>,
    pub(crate) env: bool,
    pub(crate) setuid: Option<Cred>,
    pub(crate) setgid: Option<Cred>,
    pub(crate) no_fork: bool,
    pub(crate) join_cgroup: bool,
    pub(crate) follow_context: bool,
    pub(crate) preserve_credentials: bool,
    pub(crate) keep_caps: bool,
    /// Empty: the user's shell as a login shell.
    pub(crate) program: Vec<OsString>,
}

/// How reading argv ends, once the files met on the way are open.
#[derive(Debug)]
pub(crate) enum Then {
    Run(Box<Settings>),
    Help,
    Version,
    Fail(ToolError),
    /// getopt's own error: its message, then the `Try` hint, exit 1.
    Usage(GetoptError),
}

/// Everything nsenter will do, in the order it does it.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Files opened while reading argv, in argv order; one replaces the earlier file of its slot.
    pub(crate) argv_opens: Vec<(Slot, PathBuf)>,
    pub(crate) then: Then,
}

fn number_error(what: &str, text: &OsStr, error: NumberError) -> ToolError {
    ToolError::failed(1, error.message(what, &text.to_string_lossy()))
}

/// util-linux's `strtoul_or_err` ([`common::parse::ul_strtou64`] in base 10). The caller keeps
/// the low 32 bits, as the C assignment to `pid_t`/`uid_t` does.
pub(crate) fn parse_ulong(text: &OsStr, what: &str) -> Result<u32, ToolError> {
    match ul_strtou64(text.as_bytes(), 10) {
        Ok(value) => Ok(value as u32),
        Err(error) => Err(number_error(what, text, error)),
    }
}

/// util-linux's `str2num_or_err(text, 10, what, 0, INT_MAX)` for `-N`: a 64-bit signed number at
/// most INT_MAX; a low bound of 0 means "none" there, so a negative number passes.
fn parse_fd(text: &OsStr) -> Result<i64, ToolError> {
    str2num(text.as_bytes(), 10, 0, i64::from(i32::MAX))
        .map_err(|error| number_error("failed to parse file descriptor", text, error))
}

fn parse_id(text: &OsStr, what: &str, was: Option<Cred>) -> Result<Cred, ToolError> {
    if text == "follow" {
        return Ok(Cred::Follow);
    }
    let value = parse_ulong(text, what)?;
    Ok(match was {
        Some(Cred::Follow) => Cred::Follow,
        _ => Cred::Value(value),
    })
}

/// An optional argument as util-linux takes it for `-m`..`-T`, `-w` and `-W`: one leading `=`
/// dropped (`-m=/x` is `/x`).
fn strip_eq(value: &OsStr) -> PathBuf {
    let bytes = value.as_bytes();
    PathBuf::from(OsStr::from_bytes(bytes.strip_prefix(b"=").unwrap_or(bytes)))
}

/// Read the options in argv order, as util-linux's getopt loop does.
pub(crate) fn plan(argv: Argv) -> Plan {
    let mut argv_opens = Vec::new();
    let then = match fold(argv, &mut argv_opens) {
        Ok(then) => then,
        Err(e) => Then::Fail(e),
    };
    Plan { argv_opens, then }
}

fn fold(argv: Argv, opens: &mut Vec<(Slot, PathBuf)>) -> Result<Then, ToolError> {
    let mut s = Settings::default();
    let mut exclusive_seen: Option<Id> = None;
    for Given { id, value } in argv.options {
        for (a, b) in EXCLUSIVE {
            if id != *a && id != *b {
                continue;
            }
            match exclusive_seen {
                Some(seen) if seen != id => {
                    return Err(ToolError::failed(
                        1,
                        format!(
                            "mutually exclusive arguments: --{} --{}",
                            long_name(*a),
                            long_name(*b)
                        ),
                    ))
                }
                _ => exclusive_seen = Some(id),
            }
        }
        let value = value.as_deref();
        match (id, value) {
            (Id::Help, _) => return Ok(Then::Help),
            (Id::Version, _) => return Ok(Then::Version),
            (Id::Ns(i), file) => {
                if let Some(file) = file {
                    opens.push((Slot::Ns(i), strip_eq(file)));
                }
                s.enabled[i] = true;
            }
            (Id::All, _) => s.all = true,
            (Id::Target, Some(v)) => s.target = parse_ulong(v, "failed to parse pid")?,
            (Id::NetSocket, Some(v)) => {
                s.net_socket = i32::try_from(parse_fd(v)?).ok().filter(|&fd| fd >= 0)
            }
            (Id::Setuid, Some(v)) => s.setuid = Some(parse_id(v, "failed to parse uid", s.setuid)?),
            (Id::Setgid, Some(v)) => s.setgid = Some(parse_id(v, "failed to parse gid", s.setgid)?),
            (Id::Root, Some(v)) => opens.push((Slot::Root, PathBuf::from(v))),
            (Id::Root, None) => s.root_of_target = true,
            (Id::Wd, Some(v)) => opens.push((Slot::Wd, strip_eq(v))),
            (Id::Wd, None) => s.wd_of_target = true,
            (Id::Wdns, v) => s.wdns = v.map(strip_eq),
            (Id::Env, _) => s.env = true,
            (Id::NoFork, _) => s.no_fork = true,
            (Id::JoinCgroup, _) => s.join_cgroup = true,
            (Id::FollowContext, _) => s.follow_context = true,
            (Id::PreserveCredentials, _) => s.preserve_credentials = true,
            (Id::KeepCaps, _) => s.keep_caps = true,
            (Id::UserParent, _) => s.user_parent = true,
            (other, None) => unreachable_option(other)?,
        }
    }
    Ok(match argv.end {
        Ok(program) => {
            s.program = program;
            Then::Run(Box::new(s))
        }
        Err(e) => Then::Usage(e),
    })
}

/// An option with a required argument that came without one: getopt never returns that, but a
/// wrong table must not abort.
fn unreachable_option(id: Id) -> Result<(), ToolError> {
    Err(ToolError::failed(
        1,
        format!(
            "internal error: option --{} without its argument",
            long_name(id)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::read;

    fn plan_of(args: &[&str]) -> Plan {
        let mut argv: Vec<OsString> = vec!["nsenter".into()];
        argv.extend(args.iter().map(OsString::from));
        plan(read(&argv))
    }

    fn settings(args: &[&str]) -> Settings {
        match plan_of(args).then {
            Then::Run(s) => *s,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn failure(args: &[&str]) -> String {
        match plan_of(args).then {
            Then::Fail(e) => e.to_string(),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn files_are_opened_in_argv_order_before_a_later_error() {
        let p = plan_of(&[
            "--net=/a",
            "-r/b",
            "-w=/c",
            "-m",
            "--uts==/d",
            "-t",
            "x",
            "-i/e",
        ]);
        assert_eq!(
            p.argv_opens,
            vec![
                (Slot::Ns(4), PathBuf::from("/a")),
                (Slot::Root, PathBuf::from("/b")),
                (Slot::Wd, PathBuf::from("/c")),
                (Slot::Ns(3), PathBuf::from("/d")),
            ]
        );
        assert!(matches!(p.then, Then::Fail(ref e) if e.to_string() == "failed to parse pid: 'x'"));
        let p = plan_of(&["-n/x", "--bogus", "-h"]);
        assert_eq!(p.argv_opens.len(), 1);
        assert!(matches!(p.then, Then::Usage(_)));
        assert!(matches!(
            plan_of(&["-n/x", "-h", "--bogus"]).then,
            Then::Help
        ));
        assert!(matches!(
            plan_of(&["-t", "1", "-V", "-t", "x"]).then,
            Then::Version
        ));
    }

    #[test]
    fn what_the_options_set() {
        let s = settings(&[
            "-t",
            "42",
            "-m",
            "--net=/x",
            "-r",
            "--wd=/tmp",
            "sh",
            "-c",
            "x",
        ]);
        assert_eq!(s.target, 42);
        assert_eq!(
            s.enabled,
            [false, false, false, false, true, false, true, false]
        );
        assert!(s.root_of_target && !s.wd_of_target);
        assert_eq!(s.program, ["sh", "-c", "x"]);
        let s = settings(&[
            "-t1", "-t", "2", "-W/a", "-W", "-S", "follow", "-S", "5", "-G7",
        ]);
        assert_eq!(s.target, 2, "the last --target wins");
        assert_eq!(
            s.wdns, None,
            "a -W without a directory undoes an earlier one"
        );
        assert_eq!(
            (s.setuid, s.setgid),
            (Some(Cred::Follow), Some(Cred::Value(7)))
        );
        let s = settings(&[
            "-aFecZ",
            "--keep-caps",
            "--user-parent",
            "--preserve-credentials",
        ]);
        assert!(s.all && s.no_fork && s.env && s.join_cgroup && s.follow_context);
        assert!(s.keep_caps && s.user_parent && s.preserve_credentials);
        assert_eq!(settings(&["-t", "5", "-N", "-1"]).net_socket, None);
        assert_eq!(settings(&["-N", "+3"]).net_socket, Some(3));
    }

    #[test]
    fn numbers_parse_like_util_linux() {
        let n = |s: &str| parse_ulong(OsStr::new(s), "pid").map_err(|e| e.to_string());
        assert_eq!(n("42"), Ok(42));
        assert_eq!(n(" +5"), Ok(5));
        assert_eq!(n("-0"), Ok(0));
        assert_eq!(n("4294967297"), Ok(1), "the low 32 bits, as C keeps them");
        assert_eq!(n("18446744073709551615"), Ok(u32::MAX));
        for bad in ["", " ", "-", "5x", "0x10", "5 ", "-x"] {
            assert_eq!(n(bad), Err(format!("pid: '{bad}'")));
        }
        for range in ["-1", "-5x", "18446744073709551616", "99999999999999999999x"] {
            assert_eq!(
                n(range),
                Err(format!("pid: '{range}': Numerical result out of range"))
            );
        }
        let fd = |s: &str| parse_fd(OsStr::new(s)).map_err(|e| e.to_string());
        assert_eq!(fd("-7"), Ok(-7));
        assert_eq!(fd("2147483647"), Ok(i64::from(i32::MAX)));
        let what = "failed to parse file descriptor";
        assert_eq!(
            fd("2147483648"),
            Err(format!(
                "{what}: '2147483648': Numerical result out of range"
            ))
        );
        assert_eq!(
            fd("-9223372036854775809"),
            Err(format!(
                "{what}: '-9223372036854775809': Numerical result out of range"
            ))
        );
        assert_eq!(fd("3x"), Err(format!("{what}: '3x'")));
    }

    #[test]
    fn errors_while_reading_argv() {
        let table: &[(&[&str], &str)] = &[
            (&["-t", "abc", "-m"], "failed to parse pid: 'abc'"),
            (
                &["-t", "-1", "-m"],
                "failed to parse pid: '-1': Numerical result out of range",
            ),
            (&["-t", "1", "-S", "abc"], "failed to parse uid: 'abc'"),
            (&["-t", "1", "-G", "x1"], "failed to parse gid: 'x1'"),
            (&["-N", "x"], "failed to parse file descriptor: 'x'"),
            (&["-w", "-W/"], "mutually exclusive arguments: --wdns --wd"),
            (
                &["-W", "--wd=/"],
                "mutually exclusive arguments: --wdns --wd",
            ),
        ];
        for (args, want) in table {
            assert_eq!(failure(args), *want, "argv {args:?}");
        }
    }
}
