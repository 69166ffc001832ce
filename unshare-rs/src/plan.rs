//! Pure decisions: from the typed command line ([`Cli`], consumed) to everything
//! [`crate::run`] does, in the order it does it.
//!
//! Nothing here makes a system call; the host facts it needs (ids, files such as `/etc/subuid`)
//! come in through [`Host`], so every rule is table-tested without root.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use common::ToolError;
use nix::mount::MsFlags;

use crate::cli::{unset_if_minus_one, Cli, CliError, MapSpec, Propagation, SetGroups};

/// One line of `uid_map`/`gid_map`: `inner outer count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MapLine {
    pub(crate) inner: u32,
    pub(crate) outer: u32,
    pub(crate) count: u32,
}

impl MapLine {
    pub(crate) fn new(inner: u32, outer: u32, count: u32) -> Self {
        MapLine {
            inner,
            outer,
            count,
        }
    }
}

/// A namespace to persist: bind `/proc/PID/ns/<source>` on `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Persist {
    /// `mnt`, `net`, ..., `pid_for_children`, `time_for_children`.
    pub(crate) source: &'static str,
    /// As given: the helper that binds it stays in unshare's mount namespace and working
    /// directory, and messages print it as typed, as util-linux does.
    pub(crate) target: PathBuf,
}

/// Reads a whole file (injected so tests need no real `/etc/subuid`).
pub(crate) type ReadFile = Box<dyn Fn(&Path) -> io::Result<String>>;

/// What the host looks like; [`Host::current`] for the real one, literals in tests.
pub(crate) struct Host {
    pub(crate) euid: u32,
    pub(crate) egid: u32,
    /// The login name of a uid (for `/etc/subuid` lines that name the user).
    pub(crate) user_name: Box<dyn Fn(u32) -> Option<String>>,
    /// Read a whole file (`/etc/subuid`, `/proc/self/uid_map`).
    pub(crate) read: ReadFile,
}

impl Host {
    pub(crate) fn current() -> Host {
        Host {
            euid: nix::unistd::geteuid().as_raw(),
            egid: nix::unistd::getegid().as_raw(),
            user_name: Box::new(|uid| {
                nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                    .ok()
                    .flatten()
                    .map(|u| u.name)
            }),
            read: Box::new(|p| std::fs::read_to_string(p)),
        }
    }
}

/// `--fork`: the parent waits and ends as its child did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fork {
    /// The child's parent-death signal (`--kill-child`).
    pub(crate) kill_child: Option<libc::c_int>,
    /// Forward SIGINT and SIGTERM to the child instead of blocking them (`--forward-signals`).
    pub(crate) forward_signals: bool,
}

/// `--mount-proc`: mount proc on `dir`, first making `dir` a private mount point when the root
/// was not made recursively private (no `--root`, propagation other than private).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountProc {
    pub(crate) dir: OsString,
    pub(crate) make_private: bool,
}

/// `--mount-binfmt` and `--load-interp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binfmt {
    pub(crate) dir: OsString,
    /// Written to `<dir>/register`.
    pub(crate) interpreter: Option<OsString>,
}

/// Everything [`crate::run::execute`] does, decided up front, in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Namespaces to bind on files, by a helper that stays outside.
    pub(crate) persist: Vec<Persist>,
    /// Written into the new user namespace's uid_map/gid_map by a helper (several lines,
    /// newuidmap when not root), before the program starts.
    pub(crate) uid_ranges: Vec<MapLine>,
    pub(crate) gid_ranges: Vec<MapLine>,
    /// `--owner`: become this uid and gid before unshare(2), so they own the namespaces.
    pub(crate) owner_uid: Option<u32>,
    pub(crate) owner_gid: Option<u32>,
    /// CLONE_NEW* flags for unshare(2).
    pub(crate) flags: libc::c_int,
    /// `(clock, seconds)` for `/proc/self/timens_offsets`, boottime first.
    pub(crate) time_offsets: Vec<(libc::clockid_t, i64)>,
    pub(crate) fork: Option<Fork>,
    /// Written by unshare itself (the forked child with `--fork`): one line each; writing the gid
    /// line first writes `deny` to `/proc/self/setgroups` (required since Linux 3.19).
    pub(crate) uid_single: Option<MapLine>,
    pub(crate) gid_single: Option<MapLine>,
    /// `--setgroups` after the maps.
    pub(crate) setgroups: Option<SetGroups>,
    /// Recursive propagation to set on `/` (a new mount namespace unless `unchanged`).
    pub(crate) root_propagation: Option<MsFlags>,
    pub(crate) chroot: Option<OsString>,
    /// `--wd`, or `/` after a chroot.
    pub(crate) chdir: Option<OsString>,
    pub(crate) mount_proc: Option<MountProc>,
    pub(crate) binfmt: Option<Binfmt>,
    /// `-G`: drop supplementary groups, then setgid.
    pub(crate) setgid: Option<u32>,
    pub(crate) setuid: Option<u32>,
    /// `--keep-caps` in a new user namespace: permitted capabilities made ambient.
    pub(crate) ambient_caps: bool,
    /// The program's argv; `None`: the login shell.
    pub(crate) program: Option<Vec<OsString>>,
}

fn failed(message: String) -> anyhow::Error {
    ToolError::failed(1, message).into()
}

impl Plan {
    pub(crate) fn new(cli: Cli, host: &Host) -> anyhow::Result<Plan> {
        let persist = cli
            .persist
            .into_iter()
            .map(|(file, target)| {
                let ns = common::ns::by_name(file)
                    .unwrap_or_else(|| unreachable!("{file} is a namespace file name"));
                Persist {
                    source: ns.for_children.unwrap_or(ns.file),
                    target: PathBuf::from(target),
                }
            })
            .collect();

        // `--owner`'s ids; -1 leaves that id as it is (util-linux 2.42).
        let owner_uid = cli.owner.and_then(|(uid, _)| unset_if_minus_one(uid));
        let owner_gid = cli.owner.and_then(|(_, gid)| unset_if_minus_one(gid));
        // A single mapping maps the caller's own id, also with --owner: util-linux 2.42 then
        // has the helper write it (it keeps the caller's credentials), as with ranges.
        let uid_single = cli.map_user.map(|inner| MapLine::new(inner, host.euid, 1));
        let gid_single = cli.map_group.map(|inner| MapLine::new(inner, host.egid, 1));

        let mut uid_ranges = Vec::new();
        for spec in &cli.map_users {
            uid_ranges.extend(resolve(spec, host, "/etc/subuid", "uid_map")?);
        }
        let mut gid_ranges = Vec::new();
        for spec in &cli.map_groups {
            gid_ranges.extend(resolve(spec, host, "/etc/subgid", "gid_map")?);
        }

        // A single id mapping joins the helper's lines when there are ranges of that kind or an
        // owner for that kind of id.
        let (uid_ranges, uid_single) = if uid_ranges.is_empty() && owner_uid.is_none() {
            (uid_ranges, uid_single)
        } else {
            (merge(uid_single, &uid_ranges), None)
        };
        let (gid_ranges, gid_single) = if gid_ranges.is_empty() && owner_gid.is_none() {
            (gid_ranges, gid_single)
        } else {
            (merge(gid_single, &gid_ranges), None)
        };

        if gid_single.is_some() && cli.setgroups == Some(SetGroups::Allow) {
            return Err(failed(
                "options --setgroups=allow and --map-group are mutually exclusive".into(),
            ));
        }

        let new_mount_ns = cli.flags & libc::CLONE_NEWNS != 0;
        let root_propagation = match cli.propagation {
            _ if !new_mount_ns => None,
            Propagation::Slave => Some(MsFlags::MS_REC | MsFlags::MS_SLAVE),
            Propagation::Shared => Some(MsFlags::MS_REC | MsFlags::MS_SHARED),
            Propagation::Private => Some(MsFlags::MS_REC | MsFlags::MS_PRIVATE),
            Propagation::Unchanged => None,
        };
        // The recursive private remount of / already covers an existing /proc.
        let proc_private_already = cli.root.is_some() || cli.propagation == Propagation::Private;
        let chdir = cli
            .wd
            .or_else(|| cli.root.as_ref().map(|_| OsString::from("/")));
        let time_offsets = [
            (libc::CLOCK_BOOTTIME, cli.boottime),
            (libc::CLOCK_MONOTONIC, cli.monotonic),
        ]
        .into_iter()
        .filter_map(|(clock, secs)| Some((clock, secs?)))
        .collect();

        Ok(Plan {
            persist,
            uid_ranges,
            gid_ranges,
            owner_uid,
            owner_gid,
            flags: cli.flags,
            time_offsets,
            fork: cli.fork.then_some(Fork {
                kill_child: cli.kill_child,
                forward_signals: cli.forward_signals,
            }),
            uid_single,
            gid_single,
            setgroups: cli.setgroups,
            root_propagation,
            chroot: cli.root,
            chdir,
            mount_proc: cli.mount_proc.map(|dir| MountProc {
                dir,
                make_private: !proc_private_already,
            }),
            binfmt: cli.mount_binfmt.map(|dir| Binfmt {
                dir,
                interpreter: cli.load_interp,
            }),
            setgid: cli.setgid,
            setuid: cli.setuid,
            ambient_caps: cli.keep_caps && cli.flags & libc::CLONE_NEWUSER != 0,
            program: (!cli.program.is_empty()).then_some(cli.program),
        })
    }
}

/// Read the maps util-linux reads while parsing (see [`CliError::AfterMaps`]), in order: the
/// first that cannot be read is the error.
pub(crate) fn read_maps(maps: &[(MapSpec, bool)], host: &Host) -> anyhow::Result<()> {
    for (spec, uid) in maps {
        if *uid {
            resolve(spec, host, "/etc/subuid", "uid_map")?;
        } else {
            resolve(spec, host, "/etc/subgid", "gid_map")?;
        }
    }
    Ok(())
}

/// Turn one `--map-users`/`--map-groups` argument into map lines. Both subordinate id files are
/// searched for the effective *user* (util-linux reads `/etc/subgid` by user name too).
fn resolve(
    spec: &MapSpec,
    host: &Host,
    subid_file: &str,
    kernel_map: &str,
) -> anyhow::Result<Vec<MapLine>> {
    match *spec {
        MapSpec::Range {
            inner,
            outer,
            count,
        } => Ok(vec![MapLine::new(inner, outer, count)]),
        MapSpec::Auto => {
            let (start, count) = first_subid_block(host, subid_file)?;
            Ok(vec![MapLine::new(0, start, count)])
        }
        MapSpec::SubIds => {
            let (start, count) = first_subid_block(host, subid_file)?;
            Ok(vec![MapLine::new(start, start, count)])
        }
        MapSpec::All => {
            let path = PathBuf::from(format!("/proc/self/{kernel_map}"));
            let text = (host.read)(&path).map_err(|e| {
                anyhow::Error::new(e).context(format!("cannot open {}", path.display()))
            })?;
            Ok(parse_kernel_map(&text)
                .into_iter()
                .map(|l| MapLine::new(l.inner, l.inner, l.count))
                .collect())
        }
    }
}

/// Lines of a kernel `uid_map` (`inner outer count`, space padded).
pub(crate) fn parse_kernel_map(text: &str) -> Vec<MapLine> {
    text.lines()
        .filter_map(|line| {
            let mut it = line.split_whitespace().map(|f| f.parse::<u32>().ok());
            Some(MapLine::new(it.next()??, it.next()??, it.next()??))
        })
        .collect()
}

/// The first `name:start:count` (or `uid:start:count`) line of the effective user in a subid
/// file, parsed as util-linux's `read_subid_range` does: lines without two colons are skipped, the
/// count is the rest of the line, and a bad number ends with `failed to parse subid map: 'X'`.
fn first_subid_block(host: &Host, file: &str) -> anyhow::Result<(u32, u32)> {
    let text = (host.read)(Path::new(file))
        .map_err(|e| anyhow::Error::new(e).context(format!("could not open '{file}'")))?;
    let name = (host.user_name)(host.euid);
    let uid = host.euid.to_string();
    for line in text.lines() {
        let Some((who, rest)) = line.split_once(':') else {
            continue;
        };
        let Some((start, count)) = rest.split_once(':') else {
            continue;
        };
        if Some(who) != name.as_deref() && who != uid {
            continue;
        }
        // strtoul_or_err, stored in an unsigned int.
        let parse = |s: &str| match crate::cli::strtoul_or_err(s, "failed to parse subid map") {
            Ok(n) => Ok(n as u32),
            Err(CliError::Invalid(message)) => Err(failed(message)),
            Err(CliError::Getopt(e)) => Err(failed(e.to_string())),
            Err(CliError::AfterMaps { .. }) => unreachable!("strtoul_or_err reads no map"),
        };
        return Ok((parse(start)?, parse(count)?));
    }
    Err(failed(format!(
        "no line matching user \"{}\" in {file}",
        name.unwrap_or(uid)
    )))
}

/// util-linux's `add_single_map_range` (the 2.38 `map_ids` logic, kept in 2.39+): the single
/// mapping first, then each range split so that neither the single's inner nor its outer id is
/// mapped twice. A range that contains either id loses one id at its top (the man page's "hole":
/// the highest id of the range may end up unmapped); the outer ids stay contiguous, so with
/// `-r --map-users=auto` inner 1 maps to the first subordinate uid, not the second. The pieces
/// come lowest first, empty ones are left out (newuidmap refuses them). Without a single mapping
/// util-linux 2.41 splits around the invalid id `-1` (4294967295) instead, so a range that would
/// pass it continues at 0 and an empty range is no line. The arithmetic wraps like C's
/// `unsigned int`.
pub(crate) fn merge(single: Option<MapLine>, ranges: &[MapLine]) -> Vec<MapLine> {
    let mut out: Vec<MapLine> = single.into_iter().collect();
    let around = single.unwrap_or(MapLine::new(u32::MAX, u32::MAX, 1));
    for &range in ranges {
        out.extend(
            split_around(around, range)
                .into_iter()
                .filter(|l| l.count > 0),
        );
    }
    out
}

/// `range` as util-linux's lo/mid/hi pieces around the single mapping `s`.
fn split_around(s: MapLine, range: MapLine) -> [MapLine; 3] {
    let (inner, outer) = (s.inner, s.outer);
    let contains = |base: u32, id: u32| base <= id && base.wrapping_add(range.count) > id;
    let mut count = range.count;
    if contains(range.inner, inner) || contains(range.outer, outer) {
        count -= 1;
    }
    let outer_offset = outer.saturating_sub(range.outer).min(count);
    let inner_offset = inner.saturating_sub(range.inner).min(count);
    // Step over the single's ids where a piece would start on one.
    let next = |id: u32, skip: u32| id.wrapping_add(u32::from(id == skip));

    let lo = MapLine::new(range.inner, range.outer, inner_offset.min(outer_offset));
    let mid = MapLine::new(
        next(lo.inner.wrapping_add(lo.count), inner),
        next(lo.outer.wrapping_add(lo.count), outer),
        outer_offset.abs_diff(inner_offset),
    );
    let hi = MapLine::new(
        next(mid.inner.wrapping_add(mid.count), inner),
        next(mid.outer.wrapping_add(mid.count), outer),
        count - lo.count - mid.count,
    );
    [lo, mid, hi]
}

/// The text written to a map file: one `inner outer count` line per entry.
pub(crate) fn map_text(lines: &[MapLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} {} {}\n", l.inner, l.outer, l.count))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{parse_with, Ids, Parsed};

    fn host(files: &'static [(&'static str, &'static str)]) -> Host {
        Host {
            euid: 1000,
            egid: 1000,
            user_name: Box::new(|uid| (uid == 1000).then(|| "alice".to_string())),
            read: Box::new(move |p| {
                files
                    .iter()
                    .find(|(name, _)| Path::new(name) == p)
                    .map(|(_, text)| text.to_string())
                    .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
            }),
        }
    }

    const FILES: &[(&str, &str)] = &[
        (
            "/etc/subuid",
            "bob:200000:65536\nalice:100000:65536\nalice:300000:10\n",
        ),
        ("/etc/subgid", "1000:500000:1000\n"),
        ("/proc/self/uid_map", "         0          0 4294967295\n"),
        ("/proc/self/gid_map", "         0          0 4294967295\n"),
    ];

    fn plan(args: &[&str]) -> anyhow::Result<Plan> {
        plan_on(args, FILES)
    }

    /// The plan for `unshare ARGS` as uid/gid 1000 (alice) on a host with these files.
    fn plan_on(
        args: &[&str],
        files: &'static [(&'static str, &'static str)],
    ) -> anyhow::Result<Plan> {
        let mut argv: Vec<OsString> = vec!["unshare".into()];
        argv.extend(args.iter().map(OsString::from));
        let none = |_: &str| None;
        let cli = match parse_with(
            &argv,
            Ids {
                euid: 1000,
                egid: 1000,
            },
            &none,
            &none,
        ) {
            Ok(Parsed::Run(c)) => *c,
            other => panic!("{other:?}"),
        };
        Plan::new(cli, &host(files))
    }

    fn message(r: anyhow::Result<Plan>) -> String {
        common::error::render(&common::Tool::util_linux("unshare"), &r.unwrap_err()).0
    }

    /// util-linux reads `--map-auto`'s maps while parsing: an option error after it, `--help`
    /// or the -T check comes only when they can be read (held-out row `--boottime=1 --map-auto`).
    #[test]
    fn maps_read_while_parsing_come_before_later_refusals() {
        let ids = Ids {
            euid: 1000,
            egid: 1000,
        };
        let none = |_: &str| None;
        let parse = |args: &[&str]| {
            let mut argv: Vec<OsString> = vec!["unshare".into()];
            argv.extend(args.iter().map(OsString::from));
            parse_with(&argv, ids, &none, &none)
        };
        let Err(CliError::AfterMaps { maps, then }) = parse(&["--boottime=1", "--map-auto"]) else {
            panic!("--map-auto's maps are read before the -T check");
        };
        assert_eq!(maps, vec![(MapSpec::Auto, true), (MapSpec::Auto, false)]);
        assert!(matches!(*then, Err(CliError::Invalid(_))));
        let no_alice: &[(&str, &str)] = &[("/etc/subuid", "bob:1:2\n")];
        let refused = read_maps(&maps, &host(no_alice)).unwrap_err();
        let text = common::error::render(&common::Tool::util_linux("unshare"), &refused).0;
        assert!(
            text.contains("no line matching user \"alice\" in /etc/subuid"),
            "{text}"
        );
        assert!(read_maps(&maps, &host(FILES)).is_ok());
        // --help after --map-users=all waits for the map too; ranges read nothing.
        assert!(matches!(
            parse(&["--map-users=all", "--help"]),
            Err(CliError::AfterMaps { .. })
        ));
        assert!(matches!(
            parse(&["--map-users=0:0:1", "--help"]),
            Ok(Parsed::Help)
        ));
        assert!(matches!(
            parse(&["--bogus", "--map-auto"]),
            Err(CliError::Getopt(_))
        ));
        assert!(matches!(parse(&["--map-auto", "true"]), Ok(Parsed::Run(_))));
    }

    #[test]
    fn map_root_user_plans_one_line_each() {
        let p = plan(&["-r", "--fork", "sh"]).unwrap();
        assert_eq!(p.flags, libc::CLONE_NEWUSER);
        assert!(p.fork.is_some());
        assert_eq!(p.uid_single, Some(MapLine::new(0, 1000, 1)));
        assert_eq!(p.gid_single, Some(MapLine::new(0, 1000, 1)));
        assert!(p.uid_ranges.is_empty() && p.gid_ranges.is_empty());
        assert_eq!(p.program, Some(vec![OsString::from("sh")]));
        assert_eq!(plan(&["-U"]).unwrap().program, None);
        // util-linux 2.42.4: with --owner, the helper maps the caller's ids, not the owner's.
        let p = plan(&["--owner", "5:6", "-r"]).unwrap();
        assert_eq!((p.owner_uid, p.owner_gid), (Some(5), Some(6)));
        assert_eq!((p.uid_single, p.gid_single), (None, None));
        assert_eq!(p.uid_ranges, [MapLine::new(0, 1000, 1)]);
        assert_eq!(p.gid_ranges, [MapLine::new(0, 1000, 1)]);
        // An id of -1 is no owner for that kind: its single mapping stays unshare's own.
        let p = plan(&["--owner", "5:-1", "-r"]).unwrap();
        assert_eq!((p.owner_uid, p.owner_gid), (Some(5), None));
        assert_eq!(p.uid_ranges, [MapLine::new(0, 1000, 1)]);
        assert_eq!(p.gid_single, Some(MapLine::new(0, 1000, 1)));
        let p = plan(&["--owner", "5:6"]).unwrap();
        assert!(p.uid_ranges.is_empty() && p.gid_ranges.is_empty());
    }

    #[test]
    fn persistence_uses_for_children_files_and_targets_as_given() {
        let p = plan(&["--pid=pidns", "--time=/t", "--mount=/m", "-f"]).unwrap();
        assert_eq!(
            p.persist,
            vec![
                Persist {
                    source: "pid_for_children",
                    target: "pidns".into()
                },
                Persist {
                    source: "time_for_children",
                    target: "/t".into()
                },
                Persist {
                    source: "mnt",
                    target: "/m".into()
                },
            ]
        );
    }

    #[test]
    fn mount_and_directory_decisions() {
        let private = Some(MsFlags::MS_REC | MsFlags::MS_PRIVATE);
        // Propagation applies to a new mount namespace only; private is the default.
        assert_eq!(plan(&["-m"]).unwrap().root_propagation, private);
        assert_eq!(
            plan(&["--propagation", "slave"]).unwrap().root_propagation,
            None
        );
        assert_eq!(
            plan(&["-m", "--propagation", "shared"])
                .unwrap()
                .root_propagation,
            Some(MsFlags::MS_REC | MsFlags::MS_SHARED)
        );
        assert_eq!(
            plan(&["-m", "--propagation", "unchanged"])
                .unwrap()
                .root_propagation,
            None
        );
        // proc's own mount point is made private only when / was not.
        let proc = |args: &[&str]| plan(args).unwrap().mount_proc.unwrap();
        assert_eq!(
            proc(&["--mount-proc"]),
            MountProc {
                dir: "/proc".into(),
                make_private: false
            }
        );
        assert!(proc(&["--mount-proc=/p", "--propagation=slave"]).make_private);
        assert!(!proc(&["--mount-proc", "--propagation=slave", "-R", "/r"]).make_private);
        // chroot, then the working directory: --wd, else /.
        let p = plan(&["-R", "/r"]).unwrap();
        assert_eq!((p.chroot, p.chdir), (Some("/r".into()), Some("/".into())));
        let p = plan(&["-R", "/r", "-w", "d"]).unwrap();
        assert_eq!((p.chroot, p.chdir), (Some("/r".into()), Some("d".into())));
        assert_eq!(plan(&["-f"]).unwrap().chdir, None);
        // binfmt with its interpreter; caps only in a new user namespace.
        let p = plan(&["-l", ":x:E::x::/bin/true:"]).unwrap();
        assert_eq!(
            p.binfmt,
            Some(Binfmt {
                dir: crate::cli::BINFMT_MISC.into(),
                interpreter: Some(":x:E::x::/bin/true:".into())
            })
        );
        assert!(plan(&["-U", "--keep-caps"]).unwrap().ambient_caps);
        assert!(!plan(&["--keep-caps"]).unwrap().ambient_caps);
        // Time offsets, boottime first; the fork and its signals.
        let p = plan(&["-T", "--monotonic", "5", "--boottime", "-7"]).unwrap();
        assert_eq!(
            p.time_offsets,
            vec![(libc::CLOCK_BOOTTIME, -7), (libc::CLOCK_MONOTONIC, 5)]
        );
        assert_eq!(plan(&["-T"]).unwrap().fork, None);
        assert_eq!(
            plan(&["--kill-child=TERM"]).unwrap().fork,
            Some(Fork {
                kill_child: Some(libc::SIGTERM),
                forward_signals: false
            })
        );
    }

    #[test]
    fn ranges_and_keywords() {
        let p = plan(&["--map-users=0:100000:65536", "--map-groups=100000,0,65536"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        assert_eq!(p.gid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        let p = plan(&["--map-auto"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        assert_eq!(p.gid_ranges, vec![MapLine::new(0, 500000, 1000)]);
        // subids: the block mapped onto itself, nothing else (-c adds the current id).
        let p = plan(&["--map-subids"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(100000, 100000, 65536)]);
        assert_eq!(p.gid_ranges, vec![MapLine::new(500000, 500000, 1000)]);
        let p = plan(&["-c", "--map-users=subids"]).unwrap();
        assert_eq!(
            p.uid_ranges,
            vec![
                MapLine::new(1000, 1000, 1),
                MapLine::new(100000, 100000, 65536)
            ]
        );
        let p = plan(&["--map-users=all"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(0, 0, u32::MAX)]);
        // Repeatable.
        let p = plan(&["--map-users=0:10:1", "--map-users=1:20:2"]).unwrap();
        assert_eq!(
            p.uid_ranges,
            vec![MapLine::new(0, 10, 1), MapLine::new(1, 20, 2)]
        );
    }

    #[test]
    fn single_mapping_joins_and_splits_ranges() {
        // -r with --map-users=auto: 0 -> euid, and the block without inner 0. As util-linux (and
        // 2.38's newuidmap call, checked in tests/tests/unshare.rs), the outer ids stay contiguous:
        // inner 1 is the first subordinate uid and the block's last id is dropped.
        let p = plan(&["-r", "--map-users=auto"]).unwrap();
        assert_eq!(p.uid_single, None);
        assert_eq!(
            p.uid_ranges,
            vec![MapLine::new(0, 1000, 1), MapLine::new(1, 100000, 65535)]
        );
        // No group ranges: the gid stays a single line written by unshare itself.
        assert_eq!(p.gid_single, Some(MapLine::new(0, 1000, 1)));
    }

    #[test]
    fn merge_is_util_linux_lo_mid_hi() {
        let merged = |single: (u32, u32), range: (u32, u32, u32)| -> Vec<(u32, u32, u32)> {
            merge(
                Some(MapLine::new(single.0, single.1, 1)),
                &[MapLine::new(range.0, range.1, range.2)],
            )
            .into_iter()
            .map(|l| (l.inner, l.outer, l.count))
            .collect()
        };
        // (single inner, outer), range (inner, outer, count) -> lines. The expectations in the
        // first rows were read from Debian's util-linux 2.38 running newuidmap.
        type Line = (u32, u32, u32);
        let table: &[((u32, u32), Line, &[Line])] = &[
            // inner inside the range: the hole is in the inner ids, outer ids contiguous.
            (
                (7, 1001),
                (0, 200000, 10),
                &[(7, 1001, 1), (0, 200000, 7), (8, 200007, 2)],
            ),
            (
                (7, 1001),
                (0, 200005, 10),
                &[(7, 1001, 1), (0, 200005, 7), (8, 200012, 2)],
            ),
            (
                (0, 1001),
                (0, 200000, 65536),
                &[(0, 1001, 1), (1, 200000, 65535)],
            ),
            // outer inside the range.
            (
                (1001, 1001),
                (1001, 200000, 10),
                &[(1001, 1001, 1), (1002, 200000, 9)],
            ),
            (
                (5, 1003),
                (100, 1000, 10),
                &[(5, 1003, 1), (100, 1000, 3), (103, 1004, 6)],
            ),
            // both inside: one id less, both skipped.
            ((0, 0), (0, 0, 10), &[(0, 0, 1), (1, 1, 9)]),
            (
                (2, 5),
                (0, 0, 10),
                &[(2, 5, 1), (0, 0, 2), (3, 2, 3), (6, 6, 4)],
            ),
            // disjoint: unchanged.
            ((5, 1000), (100, 5000, 3), &[(5, 1000, 1), (100, 5000, 3)]),
            // the whole range is the single id: nothing left of it.
            ((0, 1001), (1001, 1001, 1), &[(0, 1001, 1)]),
            // -r --map-users=all as root: everything but 0 -> 0 keeps its id.
            ((0, 0), (0, 0, u32::MAX), &[(0, 0, 1), (1, 1, u32::MAX - 1)]),
        ];
        for (single, range, want) in table {
            assert_eq!(merged(*single, *range), *want, "{single:?} {range:?}");
        }
        // Several ranges: each is split; no single mapping: ranges split around -1, empty ones
        // left out (util-linux 2.41 as root writes exactly these lines).
        assert_eq!(
            merge(
                Some(MapLine::new(0, 1000, 1)),
                &[MapLine::new(0, 10, 2), MapLine::new(5, 20, 1)]
            ),
            vec![
                MapLine::new(0, 1000, 1),
                MapLine::new(1, 10, 1),
                MapLine::new(5, 20, 1)
            ]
        );
        assert_eq!(
            merge(None, &[MapLine::new(0, 1, 2), MapLine::new(9, 9, 0)]),
            vec![MapLine::new(0, 1, 2)]
        );
        let wrapped = |range: MapLine| merge(None, &[range]);
        assert_eq!(
            wrapped(MapLine::new(u32::MAX - 1, 5, 3)),
            vec![MapLine::new(u32::MAX - 1, 5, 1), MapLine::new(0, 6, 2)]
        );
        assert_eq!(
            wrapped(MapLine::new(u32::MAX, 5, 1)),
            vec![MapLine::new(0, 5, 1)]
        );
        assert_eq!(
            wrapped(MapLine::new(10, 0, u32::MAX - 5)),
            vec![
                MapLine::new(10, 0, u32::MAX - 10),
                MapLine::new(0, u32::MAX - 10, 5)
            ]
        );
        assert_eq!(
            wrapped(MapLine::new(0, 0, u32::MAX)),
            vec![MapLine::new(0, 0, u32::MAX)]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            message(plan(&["-r", "--setgroups", "allow"])),
            "unshare: options --setgroups=allow and --map-group are mutually exclusive\n"
        );
        assert!(plan(&["--map-user=0", "--setgroups", "allow"]).is_ok());
        assert!(plan(&["--map-group=0", "--setgroups", "deny"]).is_ok());
        let h = Host {
            euid: 7,
            ..host(FILES)
        };
        let none = |_: &str| None;
        let argv: Vec<OsString> = vec!["unshare".into(), "--map-auto".into()];
        let Ok(Parsed::Run(cli)) = parse_with(&argv, Ids { euid: 7, egid: 7 }, &none, &none) else {
            panic!()
        };
        let err = Plan::new(*cli, &h).unwrap_err();
        assert_eq!(
            common::error::describe(&err),
            "no line matching user \"7\" in /etc/subuid"
        );
        let bad = |text: &'static str| -> String {
            match plan_on(
                &["--map-users=auto"],
                Box::leak(Box::new([("/etc/subuid", text)])),
            ) {
                Ok(p) => format!("{:?}", p.uid_ranges),
                Err(e) => common::error::describe(&e),
            }
        };
        assert_eq!(bad("alice:x1:65536\n"), "failed to parse subid map: 'x1'");
        assert_eq!(
            bad("alice:1:65536 \n"),
            "failed to parse subid map: '65536 '"
        );
        assert_eq!(
            bad("alice:1:99999999999999999999\n"),
            "failed to parse subid map: '99999999999999999999': Numerical result out of range"
        );
        // Lines without two colons are skipped; a numeric uid names the user too.
        assert_eq!(
            bad("alice\nalice:5\n1000:7:8\nalice:9:9\n"),
            "[MapLine { inner: 0, outer: 7, count: 8 }]"
        );
        let h = host(&[]);
        let argv: Vec<OsString> = vec!["unshare".into(), "--map-users=auto".into()];
        let Ok(Parsed::Run(cli)) = parse_with(&argv, Ids { euid: 7, egid: 7 }, &none, &none) else {
            panic!()
        };
        let err = Plan::new(*cli, &h).unwrap_err();
        assert_eq!(
            common::error::describe(&err),
            "could not open '/etc/subuid': No such file or directory"
        );
    }

    #[test]
    fn kernel_map_text() {
        assert_eq!(
            parse_kernel_map(
                "         0       1000          1\n         1     100000      65536\n"
            ),
            vec![MapLine::new(0, 1000, 1), MapLine::new(1, 100000, 65536)]
        );
        assert_eq!(
            map_text(&[MapLine::new(0, 1000, 1), MapLine::new(1, 2, 3)]),
            "0 1000 1\n1 2 3\n"
        );
    }
}
