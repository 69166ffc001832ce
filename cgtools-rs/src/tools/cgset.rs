//! `cgset [-r <name=value>]... [-R] <cgroup_path> ...` / `cgset --copy-from <source> <cgroup_path> ...`
//!
//! Values are written raw (the kernel parses `10M`), except that a v1 name on a v2 group or a v2
//! name on a v1 group is translated ([`crate::names`]). Paths are relative to the systemd default
//! scope (`cgcreate -c -S`) unless `-b`.
//!
//! [`cli`] reads and checks what was typed in libcgroup 3.1's order; [`plan`], pure, says from the
//! layout and the default scope which groups get which settings in which hierarchy; and
//! [`run_cgset`] reads the `--copy-from` source, maps each name and value to the group's cgroup
//! version ([`crate::names::plan_write`]) and writes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::error::{CgError, Ecg};
use crate::group;
use crate::layout::{Hierarchy, Layout};
use crate::names::{self, WriteError};
use crate::path;
use crate::spec::controller_of;

const HELP: &str = "\
Usage: {prog} [-r <name=value>] <cgroup_path> ...
   or: {prog} --copy-from <source_cgroup_path> <cgroup_path> ...
Set the parameters of given cgroup(s)
  -r, --variable <name>			Define parameter to set
  --copy-from <source_cgroup_path>	Control group whose parameters will be copied
  -b					Ignore default systemd delegate hierarchy
";

/// cgset's command line (getopt `r:hbR`; `-R` is newer than libcgroup 3.1, so it comes after 3.1's
/// long options, whose table order glibc follows when it lists an ambiguous prefix's possibilities).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgset",
    about: "Set the parameters of given cgroup(s)",
    opts: &[
        Opt::flag(
            "rule",
            'r',
            "Define parameter to set (v1 and v2 names are translated as needed)",
        )
        .long("rule")
        .value("name=value"),
        HELP_OPT,
        IGNORE_DEFAULT,
        Opt::long_only(
            "copy-from",
            "copy-from",
            "Control group whose parameters will be copied",
        )
        .value("source_cgroup_path"),
        Opt::flag(
            "recursive",
            'R',
            "Apply the parameters to the cgroup and all its descendants",
        )
        .long("recursive"),
    ],
    operands: Some(("cgroup_path", "Groups to modify")),
    stop_at_operand: false,
    help: HELP,
    try_help: "--help'",
};

pub fn command_cgset() -> Command {
    SYNTAX.command()
}

// ---------------------------------------------------------------- cli: what was typed

/// One `-r name=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    name: String,
    value: String,
}

/// Where the values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Values {
    /// `-r name=value`, in order.
    Given(Vec<Setting>),
    /// `--copy-from <source>`: the source group as typed.
    CopyFrom(String),
}

/// cgset's arguments, checked as libcgroup 3.1 checks them before it looks at any group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cli {
    values: Values,
    /// The groups to set, as typed (at least one).
    paths: Vec<String>,
    /// `-R`.
    recursive: bool,
    /// `-b`.
    ignore_default: bool,
}

/// Read and check `args`; `Ok(None)` when `-h` was handled.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    let usage_fail = |msg: String| Failure::prog(EXIT_BADARGS, msg);
    if args.len() < 2 {
        return Err(Failure::bare(
            EXIT_BADARGS,
            format!("Usage is {prog} -r <name=value> relative path to cgroup>"),
        ));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let mut settings = Vec::new();
    for rule in m.values("rule") {
        match rule.split_once('=') {
            Some((name, value)) if !value.is_empty() && !name.is_empty() => {
                if controller_of(name).is_none() {
                    // libcgroup's text (without the program name); it then exits 0, we 129.
                    return Err(Failure::bare(
                        EXIT_BADARGS,
                        format!("wrong -r  parameter ({rule})"),
                    ));
                }
                settings.push(Setting {
                    name: name.to_string(),
                    value: value.to_string(),
                });
            }
            _ => return Err(usage_fail(format!("wrong parameter of option -r: {rule}"))),
        }
    }
    let copy_from = m.one("copy-from");
    if copy_from.is_some() && !settings.is_empty() {
        return Err(super::bad_args(&SYNTAX));
    }
    let paths = m.operand_texts();
    if paths.is_empty() {
        return Err(usage_fail("no cgroup specified".into()));
    }
    let values = match copy_from {
        Some(src) => Values::CopyFrom(src),
        None if settings.is_empty() => return Err(usage_fail("no name-value pair was set".into())),
        None => Values::Given(settings),
    };
    Ok(Some(Cli {
        values,
        paths,
        recursive: m.flag("recursive"),
        ignore_default: m.flag("ignore-default"),
    }))
}

// ---------------------------------------------------------------- plan: where each value goes

/// One setting and the hierarchy of its controller (or libcgroup's error for it, met when the
/// setting's turn comes), before its name and value are mapped to the group's cgroup version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target<'a> {
    setting: Setting,
    hierarchy: Result<&'a Hierarchy, CgError>,
}

/// What cgset does: the groups (under the default scope), and the values for each of them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan<'a> {
    groups: Vec<String>,
    values: PlannedValues<'a>,
    recursive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PlannedValues<'a> {
    /// `-r`: each setting where it goes, in order, the same for every group.
    Given(Vec<Target<'a>>),
    /// `--copy-from`: the source as typed (messages) and under the default scope, read when run.
    CopyFrom { typed: String, dir_rel: String },
}

fn plan<'a>(cli: &Cli, layout: &'a Layout, base: Option<&str>) -> Plan<'a> {
    let values = match &cli.values {
        Values::Given(settings) => PlannedValues::Given(targets(layout, settings)),
        Values::CopyFrom(src) => PlannedValues::CopyFrom {
            typed: src.clone(),
            dir_rel: crate::systemd::under(base, src),
        },
    };
    Plan {
        groups: cli
            .paths
            .iter()
            .map(|p| crate::systemd::under(base, p))
            .collect(),
        values,
        recursive: cli.recursive,
    }
}

/// Each setting with the hierarchy of its controller.
fn targets<'a>(layout: &'a Layout, settings: &[Setting]) -> Vec<Target<'a>> {
    settings
        .iter()
        .map(|s| Target {
            setting: s.clone(),
            hierarchy: super::cgget::hierarchy_for(layout, controller_of(&s.name).unwrap_or(""))
                .ok_or_else(|| CgError::new(Ecg::ValueNotExist)),
        })
        .collect()
}

/// libcgroup 3.2's `cgroup.subtree_control` writes: one token at a time; `+ctrl` top-down and
/// `-ctrl` bottom-up over `dirs` (pre-order), so a parent enables a controller before its children
/// and disables it after them.
fn subtree_writes(dirs: &[PathBuf], value: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for token in value.split_whitespace() {
        let order: Vec<&PathBuf> = if token.starts_with('-') {
            dirs.iter().rev().collect()
        } else {
            dirs.iter().collect()
        };
        for d in order {
            out.push((d.clone(), token.to_string()));
        }
    }
    out
}

// ---------------------------------------------------------------- run: write

pub fn run_cgset(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let base = systemd_base(cli.ignore_default, &layout);
    let plan = plan(&cli, &layout, base.as_deref());
    match &plan.values {
        PlannedValues::Given(targets) => {
            for g in &plan.groups {
                apply(g, targets, plan.recursive)?;
            }
        }
        PlannedValues::CopyFrom { typed, dir_rel } => {
            let settings = snapshot(&layout, dir_rel).map_err(|e| {
                // libcgroup's text; it then exits 0, we with the error's code.
                Failure::bare(e.exit(), format!("cgroup {typed} error: {e}"))
            })?;
            let targets = targets(&layout, &settings);
            for g in &plan.groups {
                // Only values that differ are written: copying a group onto itself is a no-op.
                let todo: Vec<Target> = targets.iter().filter(|t| !holds(t, g)).cloned().collect();
                apply(g, &todo, plan.recursive)?;
            }
        }
    }
    Ok(0)
}

/// True when the group `rel` already holds the target's value.
fn holds(t: &Target, rel: &str) -> bool {
    let Ok(h) = t.hierarchy else {
        return false;
    };
    group_dir(h, rel).is_ok_and(|d| {
        group::read_value(&d, &t.setting.name).ok().as_deref() == Some(&t.setting.value)
    })
}

fn modify_error(msg: impl std::fmt::Display, code: u8) -> Failure {
    Failure::prog(code, format!("cgroup modify error: {msg}"))
}

/// The group's directory in `h`, or libcgroup's error.
fn group_dir(h: &Hierarchy, rel: &str) -> Result<PathBuf, CgError> {
    let dir = path::join(h.mount(), rel).map_err(|_| CgError::new(Ecg::Inval))?;
    if !path::is_dir(&dir) {
        return Err(CgError::new(Ecg::ValueNotExist));
    }
    Ok(dir)
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), Failure> {
    path::write_knob(dir, file, value).map_err(|e| {
        let e = match e.raw_os_error() {
            Some(libc::ENOENT) => CgError::new(Ecg::ValueNotExist),
            _ => CgError::io(&e),
        };
        modify_error(&e, e.exit())
    })
}

/// Apply `targets` to the group `rel` (and with `recursive` to its subgroups).
fn apply(rel: &str, targets: &[Target], recursive: bool) -> Result<(), Failure> {
    for t in targets {
        let s = &t.setting;
        let h = t
            .hierarchy
            .clone()
            .map_err(|e| modify_error(&e, e.exit()))?;
        let dir = group_dir(h, rel).map_err(|e| modify_error(&e, e.exit()))?;
        let mut dirs = vec![dir.clone()];
        if recursive {
            dirs.extend(group::descendants(&dir));
        }
        if s.name == "cgroup.subtree_control" {
            for (d, token) in subtree_writes(&dirs, &s.value) {
                write(&d, &s.name, &token)?;
            }
            continue;
        }
        for d in dirs {
            let writes =
                names::plan_write(h.version, &d, &s.name, &s.value).map_err(|e| match e {
                    WriteError::Cg(e) => modify_error(&e, e.exit()),
                    WriteError::Unmappable(u) => modify_error(&u, Ecg::NoVersionConvert.exit()),
                })?;
            for (file, value) in writes {
                write(&d, &file, &value)?;
            }
        }
    }
    Ok(())
}

/// Every readable and writable setting of `src` in every hierarchy where it exists, to copy.
fn snapshot(layout: &Layout, src: &str) -> Result<Vec<Setting>, CgError> {
    let mut out = Vec::new();
    let mut found = false;
    for h in &layout.hierarchies {
        let Ok(dir) = path::join(h.mount(), src) else {
            continue;
        };
        if !path::is_dir(&dir) {
            continue;
        }
        found = true;
        for ctrl in h.group_controllers(&dir) {
            for name in group::settings(&dir, &ctrl) {
                let writable = std::fs::metadata(dir.join(&name)).is_ok_and(|m| {
                    std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o200 != 0
                });
                if !writable {
                    continue;
                }
                if let Ok(value) = group::read_value(&dir, &name) {
                    out.push(Setting { name, value });
                }
            }
        }
    }
    if !found {
        return Err(CgError::new(Ecg::NotExist));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;

    fn cli_of(words: &[&str]) -> Result<Option<Cli>, Failure> {
        let args: Vec<OsString> = std::iter::once("cgset")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        cli("cgset", &args)
    }

    fn setting(name: &str, value: &str) -> Setting {
        Setting {
            name: name.into(),
            value: value.into(),
        }
    }

    fn usage(msg: &str) -> Failure {
        Failure::prog(EXIT_BADARGS, msg)
    }

    #[test]
    fn usage_errors_in_libcgroups_order() {
        let cases: &[(&[&str], Failure)] = &[
            (
                &[],
                Failure::bare(
                    129,
                    "Usage is cgset -r <name=value> relative path to cgroup>",
                ),
            ),
            // Each -r in order: a missing `=value` before a name without a controller.
            (
                &["-r", "cpu.shares", "-r", "shares=1", "g"],
                usage("wrong parameter of option -r: cpu.shares"),
            ),
            (
                &["-r", "=1", "g"],
                usage("wrong parameter of option -r: =1"),
            ),
            (
                &["-r", "shares=1", "-r", "cpu.shares", "g"],
                Failure::bare(129, "wrong -r  parameter (shares=1)"),
            ),
            // -r with --copy-from before the missing group.
            (
                &["-r", "cpu.shares=1", "--copy-from", "src"],
                Failure::usage("--help'"),
            ),
            (&["--copy-from", "src"], usage("no cgroup specified")),
            (&["-r", "cpu.shares=1"], usage("no cgroup specified")),
            (&["-R", "g"], usage("no name-value pair was set")),
            (&["-b", "g"], usage("no name-value pair was set")),
        ];
        for (words, want) in cases {
            assert_eq!(cli_of(words).as_ref(), Err(want), "{words:?}");
        }
    }

    #[test]
    fn typed_arguments() {
        let cli = cli_of(&[
            "-R",
            "-r",
            "cpu.shares=512",
            "-r",
            "memory.max=1M",
            "a",
            "b",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            cli,
            Cli {
                values: Values::Given(vec![
                    setting("cpu.shares", "512"),
                    setting("memory.max", "1M")
                ]),
                paths: vec!["a".into(), "b".into()],
                recursive: true,
                ignore_default: false,
            }
        );
        // A value may hold `=`; the last --copy-from counts.
        let cli = cli_of(&["-b", "--copy-from", "x", "--copy-from", "src", "g"])
            .unwrap()
            .unwrap();
        assert_eq!(cli.values, Values::CopyFrom("src".into()));
        assert!(cli.ignore_default);
        let cli = cli_of(&["-r", "cpuset.cpus=a=b", "g"]).unwrap().unwrap();
        assert_eq!(
            cli.values,
            Values::Given(vec![setting("cpuset.cpus", "a=b")])
        );
    }

    #[test]
    fn plan_maps_each_setting_to_its_hierarchy_in_order() {
        let fx = Fixture::new("cgset-plan", HYBRID, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = cli_of(&[
            "-r",
            "memory.limit_in_bytes=1M",
            "-r",
            "bogus.x=1",
            "-r",
            "cgroup.subtree_control=+cpu",
            "-r",
            "cpu.shares=512",
            "g",
            "/h",
        ])
        .unwrap()
        .unwrap();
        let p = plan(&cli, &layout, Some("n.slice/s.scope"));
        assert_eq!(p.groups, ["n.slice/s.scope/g", "n.slice/s.scope/h"]);
        assert!(!p.recursive);
        let PlannedValues::Given(targets) = &p.values else {
            panic!("{p:?}");
        };
        let got: Vec<(&str, Result<String, CgError>)> = targets
            .iter()
            .map(|t| {
                let h = t.hierarchy.clone().map(|h| h.mount().display().to_string());
                (t.setting.name.as_str(), h)
            })
            .collect();
        let mount = |rel: &str| Ok(fx.path(rel).display().to_string());
        assert_eq!(
            got,
            [
                ("memory.limit_in_bytes", mount("sys/fs/cgroup/memory")),
                ("bogus.x", Err(CgError::new(Ecg::ValueNotExist))),
                ("cgroup.subtree_control", mount("sys/fs/cgroup/unified")),
                ("cpu.shares", mount("sys/fs/cgroup/cpu")),
            ]
        );
        // Without a default scope the groups are as typed.
        assert_eq!(plan(&cli, &layout, None).groups, ["g", "/h"]);
    }

    #[test]
    fn plan_copies_from_the_source_under_the_default_scope() {
        let layout = Layout::parse(LEGACY, PROC_CGROUPS, Path::new("/"));
        let cli = cli_of(&["--copy-from", "src", "-R", "dst"])
            .unwrap()
            .unwrap();
        let p = plan(&cli, &layout, Some("n.slice/s.scope"));
        assert_eq!(
            p,
            Plan {
                groups: vec!["n.slice/s.scope/dst".into()],
                values: PlannedValues::CopyFrom {
                    typed: "src".into(),
                    dir_rel: "n.slice/s.scope/src".into(),
                },
                recursive: true,
            }
        );
        // A legacy host has no cgroup2 for `cgroup.*` names.
        let t = targets(&layout, &[setting("cgroup.subtree_control", "+cpu")]);
        assert_eq!(t[0].hierarchy, Err(CgError::new(Ecg::ValueNotExist)));
    }

    #[test]
    fn subtree_control_tokens_top_down_then_bottom_up() {
        let dirs: Vec<PathBuf> = ["g", "g/a", "g/a/b"].iter().map(PathBuf::from).collect();
        let w: Vec<(String, String)> = subtree_writes(&dirs, "+cpu  -io")
            .into_iter()
            .map(|(d, t)| (d.display().to_string(), t))
            .collect();
        let want: Vec<(String, String)> = [
            ("g", "+cpu"),
            ("g/a", "+cpu"),
            ("g/a/b", "+cpu"),
            ("g/a/b", "-io"),
            ("g/a", "-io"),
            ("g", "-io"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(w, want);
    }
}
