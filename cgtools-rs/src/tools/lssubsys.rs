//! `lssubsys [-i] [-m] [-M] [controller] [...]` / `lssubsys [-a] [-i] [-m] [-M]`
//!
//! One line per v1 hierarchy (co-mounted controllers joined by `,`) and one per cgroup v2
//! controller, in `/proc/cgroups` order; `-i` adds the hierarchy number (0 on v2), `-m` the mount
//! point, `-M` a line per mount point, `-a` the controllers that are not mounted. Works on v2 and
//! with unmounted v1 controllers, where libcgroup's fails (libcgroup issue #537).
//!
//! [`cli`] types the arguments; [`plan`] selects the lines from the layout; [`run_lssubsys`] prints
//! them.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::layout::Layout;

const HELP: &str = "\
Usage: {prog} [-i] [-m] [-M] [controller] [...]
   or: {prog} [-a] [-i] [-m] [-M]
List information about given controller(s) If no controller is set list information about all mounted controllers.
  -a, --all			Display information about all controllers (including not mounted ones)
  -h, --help			Display this help
  -i, --hierarchies		Display information about hierarchies
  -m, --mount-points		Display mount points
  -M, --all-mount-points	Display all mount points
(Note: currently supported on cgroups v1 only)
";

/// lssubsys's command line (getopt `aimMh`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "lssubsys",
    about: "List information about given controller(s)",
    // libcgroup 3.1's long_options order, which glibc follows when it lists the possibilities
    // of an ambiguous prefix (`--=`, `--al`).
    opts: &[
        HELP_OPT,
        Opt::flag("mount-points", 'm', "Display mount points").long("mount-points"),
        Opt::flag("all-mount-points", 'M', "Display all mount points").long("all-mount-points"),
        Opt::flag(
            "all",
            'a',
            "Display information about all controllers (including not mounted ones)",
        )
        .long("all"),
        Opt::flag("hierarchies", 'i', "Display information about hierarchies").long("hierarchies"),
    ],
    operands: Some(("controller", "Controllers to describe")),
    stop_at_operand: false,
    help: HELP,
    try_help: "-h'",
};

pub fn command_lssubsys() -> Command {
    SYNTAX.command()
}

/// What to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    pub all: bool,
    pub hierarchies: bool,
    pub mounts: bool,
    pub all_mounts: bool,
}

/// What the user typed.
#[derive(Debug)]
pub(crate) struct Cli {
    /// The controllers named (none: every one).
    pub wanted: Vec<String>,
    pub flags: Flags,
}

/// getopt -> [`Cli`]; `Ok(None)`: `-h` was answered.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let flags = Flags {
        all: m.flag("all"),
        hierarchies: m.flag("hierarchies"),
        mounts: m.flag("mount-points"),
        all_mounts: m.flag("all-mount-points"),
    };
    Ok(Some(Cli {
        wanted: m.operand_texts(),
        flags,
    }))
}

/// One line: the controllers, then the hierarchy number (`-i`) and the mount point (`-m`,
/// `-M`) when asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub label: String,
    pub number: Option<u32>,
    pub mount: Option<PathBuf>,
}

/// The lines to print, pure over a [`Layout`] (unit-tested on fixtures).
pub(crate) fn plan(layout: &Layout, wanted: &[String], flags: Flags) -> Vec<Line> {
    let mut names: Vec<(String, u32)> = layout
        .proc_cgroups
        .iter()
        .filter(|(_, _, enabled)| *enabled)
        .map(|(n, h, _)| (n.clone(), *h))
        .collect();
    // Controllers mounted but missing from /proc/cgroups (fixtures, odd kernels) still count.
    for h in &layout.hierarchies {
        for c in &h.controllers {
            if !names.iter().any(|(n, _)| n == c) {
                names.push((c.clone(), 0));
            }
        }
    }
    let mut done: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for (name, number) in &names {
        if !wanted.is_empty() && !wanted.contains(name) {
            continue;
        }
        let Some(h) = layout.find(name) else {
            if flags.all && wanted.is_empty() {
                lines.push(Line {
                    label: name.clone(),
                    number: flags.hierarchies.then_some(0),
                    mount: None,
                });
            }
            continue;
        };
        let (label, number) = h.subsys_line(name, *number);
        if done.contains(&label) {
            continue;
        }
        done.push(label.clone());
        let mounts: Vec<_> = if flags.all_mounts {
            h.mounts.iter().collect()
        } else {
            vec![&h.mounts[0]]
        };
        for mount in mounts {
            lines.push(Line {
                label: label.clone(),
                number: flags.hierarchies.then_some(number),
                mount: (flags.mounts || flags.all_mounts).then(|| mount.clone()),
            });
        }
    }
    lines
}

/// The text of `lines`.
fn render(lines: &[Line]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.label);
        if let Some(number) = line.number {
            text.push_str(&format!(" {number}"));
        }
        if let Some(mount) = &line.mount {
            text.push_str(&format!(" {}", mount.display()));
        }
        text.push('\n');
    }
    text
}

pub fn run_lssubsys(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    out(&render(&plan(&layout, &cli.wanted, cli.flags)));
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;

    fn list(layout: &Layout, wanted: &[&str], flags: Flags) -> String {
        let wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        render(&plan(layout, &wanted, flags))
    }

    #[test]
    fn legacy_listing_joins_comounted_controllers() {
        let fx = Fixture::new("lssubsys-legacy", LEGACY, PROC_CGROUPS);
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(
            list(&l, &[], Flags::default()),
            "cpuset\ncpu,cpuacct\nmemory\n"
        );
        let root = fx.dir.display().to_string();
        assert_eq!(
            list(
                &l,
                &["memory"],
                Flags {
                    mounts: true,
                    hierarchies: true,
                    ..Default::default()
                }
            ),
            format!("memory 4 {root}/sys/fs/cgroup/memory\n")
        );
        assert_eq!(
            list(
                &l,
                &["memory"],
                Flags {
                    all_mounts: true,
                    ..Default::default()
                }
            ),
            format!("memory {root}/sys/fs/cgroup/memory\nmemory {root}/mnt/memory two\n")
        );
        assert_eq!(
            list(&l, &[], Flags { all: true, ..Default::default() }),
            "cpuset\ncpu,cpuacct\nblkio\nmemory\ndevices\nfreezer\nnet_cls\nperf_event\nhugetlb\npids\n"
        );
    }

    #[test]
    fn hybrid_and_unified_list_v2_controllers_one_per_line() {
        let fx = Fixture::new("lssubsys-hybrid", HYBRID, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        let root = fx.dir.display().to_string();
        assert_eq!(
            list(&l, &[], Flags { mounts: true, hierarchies: true, ..Default::default() }),
            format!(
                "cpu 1 {root}/sys/fs/cgroup/cpu\nmemory 4 {root}/sys/fs/cgroup/memory\nhugetlb 0 {root}/sys/fs/cgroup/unified\n"
            )
        );
        let fx = Fixture::new("lssubsys-unified", UNIFIED, "");
        fx.file(
            "/sys/fs/cgroup/cgroup.controllers",
            "cpuset cpu memory pids\n",
        );
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(
            list(&l, &[], Flags::default()),
            "cpuset\ncpu\nmemory\npids\n"
        );
        assert_eq!(
            list(
                &l,
                &["memory"],
                Flags {
                    mounts: true,
                    ..Default::default()
                }
            ),
            format!("memory {}/sys/fs/cgroup\n", fx.dir.display())
        );
    }

    #[test]
    fn the_plan_selects_controllers_numbers_and_mounts() {
        let fx = Fixture::new("lssubsys-plan", LEGACY, PROC_CGROUPS);
        let l = Layout::load_from(&fx.roots()).unwrap();
        let line = |label: &str, number: Option<u32>, mount: Option<&str>| Line {
            label: label.to_string(),
            number,
            mount: mount.map(|m| fx.path(m)),
        };
        // Named controllers only, co-mounted ones once, in /proc/cgroups order; -i without -m.
        let wanted = [
            "memory".to_string(),
            "cpuacct".to_string(),
            "cpu".to_string(),
        ];
        let hierarchies = Flags {
            hierarchies: true,
            ..Default::default()
        };
        assert_eq!(
            plan(&l, &wanted, hierarchies),
            [
                line("cpu,cpuacct", Some(1), None),
                line("memory", Some(4), None)
            ]
        );
        // -a: controllers that are not mounted get number 0 and no mount point, even with -m.
        let all = Flags {
            all: true,
            hierarchies: true,
            mounts: true,
            ..Default::default()
        };
        let lines = plan(&l, &[], all);
        assert_eq!(
            lines[1],
            line("cpu,cpuacct", Some(1), Some("/sys/fs/cgroup/cpu,cpuacct"))
        );
        assert_eq!(lines[2], line("blkio", Some(0), None));
        // -a lists unmounted ones only when no controller is named.
        let named = ["blkio".to_string()];
        assert!(plan(&l, &named, all).is_empty());
    }
}
