//! `cgget [-nv] [-r <name>]... [-g <controllers>] [-a] [-m] [-c] <path> ...` /
//! `cgget [-nv] [-r <name>]... -g <controllers>:<path> ...`
//!
//! Output as libcgroup prints it: `path:` header, `name: value` lines (continuation lines of a
//! multi-line file start with a TAB), a blank line after each group; `-n` drops header and blank
//! line, `-v` the `name: ` prefix. A v1 name on a v2 group (and the reverse) is translated.
//! Paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; the header
//! shows the path as typed.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::error::{CgError, Ecg};
use crate::group;
use crate::layout::{Hierarchy, Layout};
use crate::names::{self, ReadError};
use crate::path;
use crate::spec::{controller_of, parse_spec};

const HELP: &str = "\
Usage: {prog} [-nv] [-r <name>] [-g <controllers>] [-a] <path> ...
Print parameter(s) of given group(s).
  -a, --all			Print info about all relevant controllers
  -g <controllers>		Controller which info should be displayed
  -g <controllers>:<path>	Control group which info should be displayed
  -h, --help			Display this help
  -n				Do not print headers
  -r, --variable <name>		Define parameter to display
  -v, --values-only		Print only values, not parameter names
  -m				Display the cgroup mode
  -b				Ignore default systemd delegate hierarchy
  -c				Display controller version
";

/// cgget's command line (getopt `r:hnvg:ambc`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgget",
    about: "Print parameter(s) of given group(s)",
    opts: &[
        Opt::flag(
            "variable",
            'r',
            "Define parameter to display (v1 and v2 names are translated as needed)",
        )
        .long("variable")
        .value("name"),
        HELP_OPT,
        Opt::flag("no-headers", 'n', "Do not print headers"),
        Opt::flag("values-only", 'v', "Print only values, not parameter names").long("values-only"),
        Opt::flag(
            "group",
            'g',
            "Controllers whose settings to display, optionally for one group",
        )
        .value("controllers>[:<path]"),
        Opt::flag("all", 'a', "Print info about all relevant controllers").long("all"),
        Opt::flag("mode", 'm', "Display the cgroup mode"),
        IGNORE_DEFAULT,
        Opt::flag("versions", 'c', "Display the controller and its version"),
    ],
    operands: Some(("path", "Groups to display")),
    stop_at_operand: false,
    help: HELP,
    try_help: "-h'",
};

pub fn command_cgget() -> Command {
    SYNTAX.command()
}

/// What to print for a group.
#[derive(Debug, Clone)]
enum Selection {
    Names(Vec<String>),
    Controllers(Vec<String>),
    All,
}

/// `name: value`, continuation lines TAB-indented.
fn line(name: &str, value: &str, values_only: bool) -> String {
    let value = value.replace('\n', "\n\t");
    if values_only {
        format!("{value}\n")
    } else {
        format!("{name}: {value}\n")
    }
}

/// libcgroup spells this one with a literal `cgget:`, whatever argv[0] is.
fn no_controller(ctrl: &str) -> Failure {
    Failure::bare(
        Ecg::Other.exit(),
        format!("cgget: cannot find controller '{ctrl}'"),
    )
}

fn hierarchy_for<'a>(layout: &'a Layout, ctrl: &str) -> Option<&'a Hierarchy> {
    layout
        .find(ctrl)
        .or_else(|| (ctrl == "cgroup").then(|| layout.unified()).flatten())
}

fn existing_dir(h: &Hierarchy, rel: &str) -> Option<PathBuf> {
    path::join(h.mount(), rel).ok().filter(|d| path::is_dir(d))
}

/// Every setting of `ctrl` in the group, as lines.
fn controller_lines(dir: &std::path::Path, ctrl: &str, values_only: bool) -> String {
    let mut text = String::new();
    for name in group::settings(dir, ctrl) {
        // Write-only or failing files read as empty, as libcgroup prints them.
        let value = group::read_value(dir, &name).unwrap_or_default();
        text.push_str(&line(&name, &value, values_only));
    }
    text
}

/// `rel` is the path as typed (messages), `dir_rel` the path under the default scope (if any).
fn group_text(
    layout: &Layout,
    rel: &str,
    dir_rel: &str,
    sel: &Selection,
    values_only: bool,
) -> Result<String, Failure> {
    let mut text = String::new();
    let no_group = || {
        Failure::prog(
            Ecg::NotExist.exit(),
            format!("cannot read group '{rel}': {}", CgError::new(Ecg::NotExist)),
        )
    };
    match sel {
        Selection::Names(names) => {
            for name in names {
                let Some(ctrl) = controller_of(name) else {
                    // libcgroup 3.1's message, missing final newline included.
                    return Err(Failure::new(Ecg::Inval.exit()).then(Words::Bare(format!(
                        "cgget: error parsing parameter name '{name}'"
                    ))));
                };
                let h = hierarchy_for(layout, ctrl).ok_or_else(|| no_controller(ctrl))?;
                let dir = path::join(h.mount(), dir_rel)
                    .map_err(|e| Failure::prog(Ecg::Inval.exit(), e.to_string()))?;
                match names::read_setting(h.version, &dir, name) {
                    Ok(value) => text.push_str(&line(name, &value, values_only)),
                    Err(ReadError::Io(e)) => {
                        let e = CgError::io(&e);
                        return Err(Failure::bare(
                            e.exit(),
                            format!("variable file read failed {e}"),
                        ));
                    }
                    Err(ReadError::Unmappable(u)) => {
                        return Err(Failure::prog(Ecg::NoVersionConvert.exit(), u.to_string()))
                    }
                }
            }
        }
        Selection::Controllers(ctrls) => {
            for ctrl in ctrls {
                let h = hierarchy_for(layout, ctrl).ok_or_else(|| no_controller(ctrl))?;
                // libcgroup 3.1 prints an empty block here and exits 0.
                let dir = existing_dir(h, dir_rel).ok_or_else(no_group)?;
                text.push_str(&controller_lines(&dir, ctrl, values_only));
            }
        }
        Selection::All => {
            let mut found = false;
            for h in &layout.hierarchies {
                let Some(dir) = existing_dir(h, dir_rel) else {
                    continue;
                };
                found = true;
                for ctrl in group::group_controllers(h, &dir) {
                    text.push_str(&controller_lines(&dir, &ctrl, values_only));
                }
            }
            if !found {
                return Err(no_group());
            }
        }
    }
    Ok(text)
}

pub fn run_cgget(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
    };
    let no_headers = m.flag("no-headers");
    let values_only = m.flag("values-only");
    let names = m.values("variable");
    let gvals = m.values("group");
    let paths = m.operand_texts();
    // libcgroup 3.1 looks up a `-g ctrl` (no path) as getopt hands it over: an unknown one ends
    // the run (96) before any check of the options together or of the groups.
    if let Some(unknown) = {
        let bare: Vec<&String> = gvals.iter().filter(|g| !g.contains(':')).collect();
        if bare.is_empty() {
            None
        } else {
            let layout = layout()?;
            bare.into_iter()
                .find(|c| hierarchy_for(&layout, c).is_none())
                .cloned()
        }
    } {
        return Err(no_controller(&unknown));
    }
    let info = m.flag("mode") || m.flag("versions");
    // libcgroup 3.1 refuses -m or -c together with -a, -g or -r before it prints anything.
    if info && (m.flag("all") || !gvals.is_empty() || !names.is_empty()) {
        return Err(bad_args(&SYNTAX));
    }
    if info {
        let layout = layout()?;
        let mut text = String::new();
        if m.flag("mode") {
            if let Some(mode) = layout.mode() {
                text.push_str(mode.describe());
                text.push('\n');
            }
        }
        if m.flag("versions") {
            text.push_str("#Controller\tVersion\n");
            for h in &layout.hierarchies {
                for c in &h.controllers {
                    text.push_str(&format!("{c:<11}\t{}\n", h.version.number()));
                }
            }
        }
        out(&text);
        if paths.is_empty() {
            return Ok(0);
        }
    }
    // `-g controllers:path` names the group itself: a positional group as well is a usage error.
    let group_given = gvals.iter().any(|g| g.contains(':'));
    if (!names.is_empty() && (!gvals.is_empty() || m.flag("all")))
        || (group_given && !paths.is_empty())
    {
        return Err(bad_args(&SYNTAX));
    }
    let mut groups: Vec<(String, Selection)> = Vec::new();
    let mut path_ctrls: Vec<String> = Vec::new();
    for g in &gvals {
        if g.contains(':') {
            let Some(spec) = parse_spec(g) else {
                return Err(bad_args(&SYNTAX));
            };
            let sel = if spec.controllers.is_empty() || spec.controllers.iter().any(|c| c == "*") {
                Selection::All
            } else {
                Selection::Controllers(spec.controllers)
            };
            groups.push((spec.path, sel));
        } else {
            // libcgroup 3.1 takes `-g cpu,memory` (without a path) for one controller's name.
            path_ctrls.push(g.clone());
        }
    }
    for p in &paths {
        // `-a` shows every controller, whatever `-g ctrl` says (libcgroup 3.1).
        let sel = if !names.is_empty() {
            Selection::Names(names.clone())
        } else if !path_ctrls.is_empty() && !m.flag("all") {
            Selection::Controllers(path_ctrls.clone())
        } else {
            Selection::All
        };
        groups.push((p.clone(), sel));
    }
    if groups.is_empty() {
        // No group: 3.1 wants one for -r or -g ctrl; -a alone shows the root group (under the
        // header `:`, its empty name); with neither (`-b`, `-n`, `-v`, `--`) there is nothing
        // asked and nothing to show, and it exits 0.
        if !names.is_empty() || !path_ctrls.is_empty() {
            return Err(bad_args(&SYNTAX));
        }
        if !m.flag("all") {
            return Ok(0);
        }
        groups.push((String::new(), Selection::All));
    }
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    let mut text = String::new();
    for (rel, sel) in &groups {
        let dir_rel = crate::systemd::under(base_path.as_deref(), rel);
        let body = group_text(&layout, rel, &dir_rel, sel, values_only)?;
        if !no_headers {
            text.push_str(&format!("{rel}:\n"));
        }
        text.push_str(&body);
        if !no_headers {
            text.push('\n');
        }
    }
    out(&text);
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_indent_continuations() {
        assert_eq!(
            super::line("cpu.shares", "1024", false),
            "cpu.shares: 1024\n"
        );
        assert_eq!(
            super::line("cpu.stat", "nr_periods 0\nnr_throttled 0", false),
            "cpu.stat: nr_periods 0\n\tnr_throttled 0\n"
        );
        assert_eq!(super::line("x.y", "a\nb", true), "a\n\tb\n");
        assert_eq!(
            super::line("memory.force_empty", "", false),
            "memory.force_empty: \n"
        );
    }
}
