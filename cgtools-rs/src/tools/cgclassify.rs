//! `cgclassify [[-g] <controllers>:<path>] [--sticky | --cancel-sticky] [-b] [-r] <list of pids>`
//!
//! `-g` paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; `-r` kills
//! the idle process of the scope the first pid was moved into.

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::group;
use crate::path;
use crate::spec::{parse_spec, resolve};

const HELP: &str = "\
Usage: {prog} [[-g] <controllers>:<path>] [--sticky | --cancel-sticky] <list of pids>
Move running task(s) to given cgroups
  -h, --help			Display this help
  -g <controllers>:<path>	Control group to be used as target
  --cancel-sticky		cgred daemon change pidlist and children tasks
  --sticky			cgred daemon does not change pidlist and children tasks
  -b				Ignore default systemd delegate hierarchy
  -r				Replace the default idle_thread spawned for the systemd scope
";

/// cgclassify's command line (getopt `+g:shbr`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgclassify",
    about: "Move running task(s) to given cgroups",
    opts: &[
        GROUP,
        STICKY,
        HELP_OPT,
        Opt::long_only(
            "cancel-sticky",
            "cancel-sticky",
            "cgred daemon change pidlist and children tasks",
        ),
        IGNORE_DEFAULT,
        REPLACE_IDLE,
    ],
    operands: Some(("pid", "Processes to move (all their threads)")),
    stop_at_operand: true,
    help: HELP,
    try_help: "'-h'",
};

pub fn command_cgclassify() -> Command {
    SYNTAX.command()
}

/// strtol(text, &end, 10) with `*end == '\0'`: libcgroup's pid check.
/// An empty text is pid 0 there (`end == text` points at the `'\0'`), a huge one saturates and is
/// cut to `pid_t`.
fn parse_pid(text: &str) -> Option<i32> {
    let n = common::parse::strtol(text.as_bytes(), 10);
    n.took_all(text.as_bytes()).then_some(n.value as i32)
}

/// Where the rules send process `pid`: its effective uid/gid (`/proc/PID/status`) and executable.
fn rule_specs(rules: &[crate::rules::Rule], pid: i32) -> Vec<crate::spec::Spec> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let id = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|r| r.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(u32::MAX)
    };
    let process = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| p.to_string_lossy().into_owned())
        .or_else(|_| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|c| c.trim().to_string())
        })
        .unwrap_or_default();
    let subject = crate::rules::Subject {
        uid: id("Uid:"),
        gid: id("Gid:"),
        process,
        pid,
    };
    crate::rules::placements(rules, &subject)
        .into_iter()
        .map(|(controllers, path)| crate::spec::Spec { controllers, path })
        .collect()
}

pub fn run_cgclassify(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
    };
    let mut specs = Vec::new();
    for text in m.values("group") {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                return Err(Failure::bare(
                    EXIT_BADARGS,
                    "cgroup controller and path parsing failed",
                ));
            }
        }
    }
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    for spec in &mut specs {
        spec.path = crate::systemd::under(base_path.as_deref(), &spec.path);
    }
    let mut code = 0;
    let mut first_moved: Option<Option<i32>> = None;
    let rules = if specs.is_empty() {
        crate::rules::load(&super::roots().fs)
    } else {
        None
    };
    let no_rules = specs.is_empty() && rules.is_none();
    // libcgroup 3.1 reads the rules (and says they failed) only when some pid is valid.
    if no_rules && m.operand_texts().iter().any(|t| parse_pid(t).is_some()) {
        crate::cglog::compat(
            crate::cglog::Level::Error,
            format_args!("Error: failed to parse the configuration rules"),
        );
    }
    for text in m.operand_texts() {
        let Some(pid) = parse_pid(&text) else {
            let failure = Failure::bare(2, format!("Error: {text} is not valid pid."));
            failure.print(prog);
            code = failure.status;
            continue;
        };
        if no_rules {
            let failure = Failure::bare(
                1,
                format!(
                    "Error: change of cgroup failed for pid {pid}: {}",
                    CgError::new(Ecg::ParseFail)
                ),
            );
            failure.print(prog);
            code = failure.status;
            continue;
        }
        let mut result = if pid == 0 {
            Err(CgError::errno(libc::ENOENT))
        } else {
            Ok(())
        };
        let by_rules;
        let specs = match &rules {
            Some(rules) => {
                by_rules = rule_specs(rules, pid);
                &by_rules
            }
            None => &specs,
        };
        'specs: for spec in specs.iter().filter(|_| result.is_ok()) {
            let targets = match resolve(&layout, &spec.controllers) {
                Ok(t) => t,
                Err(e) => {
                    result = Err(e.when_moving());
                    break;
                }
            };
            for t in &targets {
                let r = path::join(t.hierarchy.mount(), &spec.path)
                    .map_err(|_| CgError::new(Ecg::Inval))
                    .and_then(|dir| group::attach(&dir, pid));
                if let Err(e) = r {
                    result = Err(e);
                    break 'specs;
                }
            }
        }
        // -r replaces the idle process with the first pid of the list (when that one moved).
        first_moved.get_or_insert(result.is_ok().then_some(pid));
        if let Err(e) = result {
            let failure = if rules.is_some() {
                Failure::bare(
                    1,
                    format!("Error: change of cgroup failed for pid {pid}: {e}"),
                )
            } else {
                Failure::bare(1, format!("Error changing group of pid {pid}: {e}"))
            };
            failure.print(prog);
            code = failure.status;
        }
    }
    if m.flag("replace-idle") {
        if let Some(Some(pid)) = first_moved {
            if let Err(e) = crate::systemd::replace_idle(super::roots(), &layout, pid as u32) {
                let failure = Failure::bare(1, e);
                failure.print(prog);
                code = failure.status;
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pids_as_strtol() {
        assert_eq!(super::parse_pid("123"), Some(123));
        assert_eq!(super::parse_pid("abc"), None);
        assert_eq!(super::parse_pid("12x"), None);
        assert_eq!(super::parse_pid(" 7"), Some(7));
        assert_eq!(super::parse_pid(""), Some(0));
        assert_eq!(super::parse_pid(" "), None);
        assert_eq!(super::parse_pid("99999999999999999999"), Some(-1));
    }
}
