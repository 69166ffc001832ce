//! `cgset [-r <name=value>]... [-R] <cgroup_path> ...` / `cgset --copy-from <source> <cgroup_path> ...`
//!
//! Values are written raw (the kernel parses `10M`), except that a v1 name on a v2 group or a v2
//! name on a v1 group is translated ([`crate::names`]). Paths are relative to the systemd default
//! scope (`cgcreate -c -S`) unless `-b`.

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

/// cgset's command line (getopt `r:hbR`; `-R` is newer than libcgroup 3.1).
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
        Opt::flag(
            "recursive",
            'R',
            "Apply the parameters to the cgroup and all its descendants",
        )
        .long("recursive"),
        Opt::long_only(
            "copy-from",
            "copy-from",
            "Control group whose parameters will be copied",
        )
        .value("source_cgroup_path"),
    ],
    operands: Some(("cgroup_path", "Groups to modify")),
    stop_at_operand: false,
    help: HELP,
    try_help: "--help'",
};

pub fn command_cgset() -> Command {
    SYNTAX.command()
}

/// One `-r name=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    name: String,
    value: String,
}

fn modify_error(msg: impl std::fmt::Display, code: u8) -> Failure {
    Failure::prog(code, format!("cgroup modify error: {msg}"))
}

/// The hierarchy and group directory for a setting's controller, or libcgroup's error.
fn group_dir<'a>(
    layout: &'a Layout,
    ctrl: &str,
    rel: &str,
) -> Result<(&'a Hierarchy, PathBuf), CgError> {
    let h = layout
        .find(ctrl)
        .or_else(|| (ctrl == "cgroup").then(|| layout.unified()).flatten())
        .ok_or_else(|| CgError::new(Ecg::ValueNotExist))?;
    let dir = path::join(h.mount(), rel).map_err(|_| CgError::new(Ecg::Inval))?;
    if !path::is_dir(&dir) {
        return Err(CgError::new(Ecg::ValueNotExist));
    }
    Ok((h, dir))
}

fn write(dir: &Path, file: &str, value: &str) -> Result<(), CgError> {
    path::write_knob(dir, file, value).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) => CgError::new(Ecg::ValueNotExist),
        _ => CgError::io(&e),
    })
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

/// Apply `settings` to the group `rel` (and with `recursive` to its subgroups).
fn apply(layout: &Layout, rel: &str, settings: &[Setting], recursive: bool) -> Result<(), Failure> {
    for s in settings {
        let ctrl = controller_of(&s.name).unwrap_or("");
        let (h, dir) = group_dir(layout, ctrl, rel).map_err(|e| modify_error(&e, e.exit()))?;
        let mut dirs = vec![dir.clone()];
        if recursive {
            dirs.extend(group::descendants(&dir));
        }
        if s.name == "cgroup.subtree_control" {
            for (d, token) in subtree_writes(&dirs, &s.value) {
                write(&d, &s.name, &token).map_err(|e| modify_error(&e, e.exit()))?;
            }
            continue;
        }
        for d in dirs {
            let writes = match names::plan_write(h.version, &d, &s.name, &s.value) {
                Ok(w) => w,
                Err(WriteError::Cg(e)) => return Err(modify_error(&e, e.exit())),
                Err(WriteError::Unmappable(u)) => {
                    return Err(modify_error(&u, Ecg::NoVersionConvert.exit()))
                }
            };
            for (file, value) in writes {
                write(&d, &file, &value).map_err(|e| modify_error(&e, e.exit()))?;
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
        for ctrl in group::group_controllers(h, &dir) {
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

pub fn run_cgset(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let usage_fail = |msg: String| -> Result<u8, Failure> { Err(Failure::prog(EXIT_BADARGS, msg)) };
    if args.len() < 2 {
        return Err(Failure::bare(
            EXIT_BADARGS,
            format!("Usage is {prog} -r <name=value> relative path to cgroup>"),
        ));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
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
            _ => return usage_fail(format!("wrong parameter of option -r: {rule}")),
        }
    }
    let copy_from = m.one("copy-from");
    if copy_from.is_some() && !settings.is_empty() {
        return Err(super::bad_args(&SYNTAX));
    }
    let paths = m.operand_texts();
    if paths.is_empty() {
        return usage_fail("no cgroup specified".into());
    }
    if copy_from.is_none() && settings.is_empty() {
        return usage_fail("no name-value pair was set".into());
    }
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    let paths: Vec<String> = paths
        .iter()
        .map(|p| crate::systemd::under(base_path.as_deref(), p))
        .collect();
    if let Some(src) = copy_from {
        let src_path = crate::systemd::under(base_path.as_deref(), &src);
        settings = match snapshot(&layout, &src_path) {
            Ok(s) => s,
            Err(e) => {
                // libcgroup's text; it then exits 0, we with the error's code.
                return Err(Failure::bare(e.exit(), format!("cgroup {src} error: {e}")));
            }
        };
        for p in &paths {
            // Only values that differ are written: copying a group onto itself is a no-op.
            let todo: Vec<Setting> = settings
                .iter()
                .filter(|s| {
                    let ctrl = controller_of(&s.name).unwrap_or("");
                    match group_dir(&layout, ctrl, p) {
                        Ok((_, d)) => {
                            group::read_value(&d, &s.name).ok().as_deref() != Some(&s.value)
                        }
                        Err(_) => true,
                    }
                })
                .cloned()
                .collect();
            apply(&layout, p, &todo, m.flag("recursive"))?;
        }
        return Ok(0);
    }
    for p in &paths {
        apply(&layout, p, &settings, m.flag("recursive"))?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
