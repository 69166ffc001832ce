//! Pure decisions: from the validated command line to what [`crate::run`] does.
//!
//! Nothing here makes a system call; the host facts it needs (ids, files such as `/etc/subuid`,
//! the working directory) come in through [`Host`], so every rule is table-tested without root.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use common::ToolError;

use crate::cli::{Cli, MapSpec, SetGroups};

/// Where binfmt_misc is mounted by default (`--mount-binfmt` without a directory).
pub const BINFMT_MISC: &str = "/proc/sys/fs/binfmt_misc";

/// One line of `uid_map`/`gid_map`: `inner outer count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapLine {
    pub inner: u32,
    pub outer: u32,
    pub count: u32,
}

impl MapLine {
    pub fn new(inner: u32, outer: u32, count: u32) -> Self {
        MapLine {
            inner,
            outer,
            count,
        }
    }
}

/// A namespace to persist: bind `/proc/PID/ns/<source>` on `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persist {
    /// `mnt`, `net`, ..., `pid_for_children`, `time_for_children`.
    pub source: &'static str,
    /// Absolute, so that it means the same to a helper in another mount namespace.
    pub target: PathBuf,
}

/// Reads a whole file (injected so tests need no real `/etc/subuid`).
pub type ReadFile = Box<dyn Fn(&Path) -> io::Result<String>>;

/// What the host looks like; [`Host::current`] for the real one, literals in tests.
pub struct Host {
    pub euid: u32,
    pub egid: u32,
    pub cwd: PathBuf,
    /// The login name of a uid (for `/etc/subuid` lines that name the user).
    pub user_name: Box<dyn Fn(u32) -> Option<String>>,
    /// Read a whole file (`/etc/subuid`, `/proc/self/uid_map`).
    pub read: ReadFile,
}

impl Host {
    pub fn current() -> Host {
        Host {
            euid: nix::unistd::geteuid().as_raw(),
            egid: nix::unistd::getegid().as_raw(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
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

/// Everything [`crate::run::execute`] needs, decided up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub cli: Cli,
    pub persist: Vec<Persist>,
    /// Written into the parent's uid_map/gid_map by a helper (several lines, newuidmap when not
    /// root), before the program starts.
    pub uid_ranges: Vec<MapLine>,
    pub gid_ranges: Vec<MapLine>,
    /// Written by unshare itself (the forked child with `--fork`): one line each; writing the gid
    /// line first writes `deny` to `/proc/self/setgroups` (required since Linux 3.19).
    pub uid_single: Option<MapLine>,
    pub gid_single: Option<MapLine>,
    /// `--setgroups` after the maps.
    pub setgroups: Option<SetGroups>,
}

fn failed(message: String) -> anyhow::Error {
    ToolError::failed(1, message).into()
}

impl Plan {
    pub fn from_cli(cli: Cli, host: &Host) -> anyhow::Result<Plan> {
        let persist = cli
            .persist
            .iter()
            .map(|(file, target)| {
                let ns = common::ns::by_name(file).expect("persist names come from the table");
                let target = PathBuf::from(target);
                Persist {
                    source: ns.for_children.unwrap_or(ns.file),
                    target: if target.is_absolute() {
                        target
                    } else {
                        host.cwd.join(target)
                    },
                }
            })
            .collect();

        // With --owner, unshare(2) runs as the owner: its ids are the ones mapped.
        let (euid, egid) = cli.owner.unwrap_or((host.euid, host.egid));
        let uid_single = cli.map_user.map(|inner| MapLine::new(inner, euid, 1));
        let gid_single = cli.map_group.map(|inner| MapLine::new(inner, egid, 1));

        let mut uid_ranges = Vec::new();
        for spec in &cli.map_users {
            uid_ranges.extend(resolve(spec, host, host.euid, "/etc/subuid", "uid_map")?);
        }
        let mut gid_ranges = Vec::new();
        for spec in &cli.map_groups {
            gid_ranges.extend(resolve(spec, host, host.egid, "/etc/subgid", "gid_map")?);
        }

        // A single id mapping joins the helper's lines when there are ranges of that kind.
        let (uid_ranges, uid_single) = if uid_ranges.is_empty() {
            (uid_ranges, uid_single)
        } else {
            (merge(uid_single, &uid_ranges), None)
        };
        let (gid_ranges, gid_single) = if gid_ranges.is_empty() {
            (gid_ranges, gid_single)
        } else {
            (merge(gid_single, &gid_ranges), None)
        };

        if gid_single.is_some() && cli.setgroups == Some(SetGroups::Allow) {
            return Err(failed(
                "options --setgroups=allow and --map-group are mutually exclusive".into(),
            ));
        }

        Ok(Plan {
            setgroups: cli.setgroups,
            cli,
            persist,
            uid_ranges,
            gid_ranges,
            uid_single,
            gid_single,
        })
    }

    /// The program's argv, or `None` for the login shell.
    pub fn program(&self) -> Option<&[OsString]> {
        (!self.cli.program.is_empty()).then_some(self.cli.program.as_slice())
    }
}

/// Turn one `--map-users`/`--map-groups` argument into map lines.
fn resolve(
    spec: &MapSpec,
    host: &Host,
    current: u32,
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
            Ok(merge(
                Some(MapLine::new(current, current, 1)),
                &[MapLine::new(start, start, count)],
            ))
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
pub fn parse_kernel_map(text: &str) -> Vec<MapLine> {
    text.lines()
        .filter_map(|line| {
            let mut it = line.split_whitespace().map(|f| f.parse::<u32>().ok());
            Some(MapLine::new(it.next()??, it.next()??, it.next()??))
        })
        .collect()
}

/// The first `name:start:count` (or `uid:start:count`) line of the effective user in a subid file.
fn first_subid_block(host: &Host, file: &str) -> anyhow::Result<(u32, u32)> {
    let text = (host.read)(Path::new(file))
        .map_err(|e| anyhow::Error::new(e).context(format!("could not open '{file}'")))?;
    let name = (host.user_name)(host.euid);
    let uid = host.euid.to_string();
    for line in text.lines() {
        let mut fields = line.trim().splitn(3, ':');
        let (Some(who), Some(start), Some(count)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if Some(who) != name.as_deref() && who != uid {
            continue;
        }
        let parse = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| failed(format!("could not parse ID: '{s}'")))
        };
        return Ok((parse(start)?, parse(count)?));
    }
    Err(failed(format!(
        "no line matching user \"{}\" in {file}",
        name.unwrap_or(uid)
    )))
}

/// The single mapping `single` plus `ranges` with the ids `single` uses cut out of them (inner and
/// outer alike), so the kernel never sees overlapping lines (util-linux 2.39+ semantics).
pub fn merge(single: Option<MapLine>, ranges: &[MapLine]) -> Vec<MapLine> {
    let mut out: Vec<MapLine> = single.into_iter().collect();
    for r in ranges {
        if r.count == 0 {
            continue;
        }
        let mut cuts: Vec<u32> = Vec::new();
        if let Some(s) = single {
            let offset_of = |id: u32, base: u32| id.checked_sub(base).filter(|off| *off < r.count);
            cuts.extend(offset_of(s.inner, r.inner));
            cuts.extend(offset_of(s.outer, r.outer));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut start = 0u32;
        for cut in cuts.into_iter().chain(std::iter::once(r.count)) {
            if cut > start {
                out.push(MapLine::new(r.inner + start, r.outer + start, cut - start));
            }
            start = cut.saturating_add(1);
        }
    }
    out
}

/// The text written to a map file: one `inner outer count` line per entry.
pub fn map_text(lines: &[MapLine]) -> String {
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
            cwd: PathBuf::from("/home/alice"),
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
        Plan::from_cli(cli, &host(FILES))
    }

    fn message(r: anyhow::Result<Plan>) -> String {
        common::error::render(&common::Tool::util_linux("unshare"), &r.unwrap_err()).0
    }

    #[test]
    fn map_root_user_plans_one_line_each() {
        let p = plan(&["-r", "--fork", "sh"]).unwrap();
        assert_eq!(p.cli.flags, libc::CLONE_NEWUSER);
        assert!(p.cli.fork);
        assert_eq!(p.uid_single, Some(MapLine::new(0, 1000, 1)));
        assert_eq!(p.gid_single, Some(MapLine::new(0, 1000, 1)));
        assert!(p.uid_ranges.is_empty() && p.gid_ranges.is_empty());
        assert_eq!(p.program(), Some(&[OsString::from("sh")][..]));
        assert_eq!(plan(&["-U"]).unwrap().program(), None);
        let p = plan(&["--owner", "5:6", "-r"]).unwrap();
        assert_eq!(p.uid_single, Some(MapLine::new(0, 5, 1)));
        assert_eq!(p.gid_single, Some(MapLine::new(0, 6, 1)));
    }

    #[test]
    fn persistence_uses_for_children_files_and_absolute_targets() {
        let p = plan(&["--pid=pidns", "--time=/t", "--mount=/m", "-f"]).unwrap();
        assert_eq!(
            p.persist,
            vec![
                Persist {
                    source: "pid_for_children",
                    target: "/home/alice/pidns".into()
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
    fn ranges_and_keywords() {
        let p = plan(&["--map-users=0:100000:65536", "--map-groups=100000,0,65536"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        assert_eq!(p.gid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        let p = plan(&["--map-auto"]).unwrap();
        assert_eq!(p.uid_ranges, vec![MapLine::new(0, 100000, 65536)]);
        assert_eq!(p.gid_ranges, vec![MapLine::new(0, 500000, 1000)]);
        let p = plan(&["--map-subids"]).unwrap();
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
        // -r with --map-users=auto: 0 -> euid, and the block without inner 0.
        let p = plan(&["-r", "--map-users=auto"]).unwrap();
        assert_eq!(p.uid_single, None);
        assert_eq!(
            p.uid_ranges,
            vec![MapLine::new(0, 1000, 1), MapLine::new(1, 100001, 65535)]
        );
        // No group ranges: the gid stays a single line written by unshare itself.
        assert_eq!(p.gid_single, Some(MapLine::new(0, 1000, 1)));
    }

    #[test]
    fn merge_cuts_inner_and_outer_ids() {
        let s = Some(MapLine::new(5, 1000, 1));
        assert_eq!(
            merge(s, &[MapLine::new(0, 998, 10)]),
            vec![
                MapLine::new(5, 1000, 1),
                MapLine::new(0, 998, 2),
                MapLine::new(3, 1001, 2),
                MapLine::new(6, 1004, 4),
            ]
        );
        assert_eq!(
            merge(s, &[MapLine::new(100, 5000, 3)]),
            vec![MapLine::new(5, 1000, 1), MapLine::new(100, 5000, 3)]
        );
        assert_eq!(
            merge(None, &[MapLine::new(0, 1, 2)]),
            vec![MapLine::new(0, 1, 2)]
        );
        assert_eq!(
            merge(Some(MapLine::new(0, 0, 1)), &[MapLine::new(0, 0, 1)]),
            vec![MapLine::new(0, 0, 1)]
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
        let err = Plan::from_cli(*cli, &h).unwrap_err();
        assert_eq!(
            common::error::describe(&err),
            "no line matching user \"7\" in /etc/subuid"
        );
        let h = host(&[]);
        let argv: Vec<OsString> = vec!["unshare".into(), "--map-users=auto".into()];
        let Ok(Parsed::Run(cli)) = parse_with(&argv, Ids { euid: 7, egid: 7 }, &none, &none) else {
            panic!()
        };
        let err = Plan::from_cli(*cli, &h).unwrap_err();
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
