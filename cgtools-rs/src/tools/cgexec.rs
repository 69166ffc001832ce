//! `cgexec [-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...`
//!
//! Moves itself (the whole thread group, through `cgroup.procs`) into every named group, then
//! execs the command: the program keeps cgexec's pid, so its exit status is the caller's `$?`.
//! `-g` paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; `-r` kills
//! the scope's idle process once cgexec is in the scope, before the exec.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::Command;

use crate::getopt::Syntax;

use super::*;
use crate::group;
use crate::path;
use crate::spec::{parse_spec, resolve};

const HELP: &str = "\
Usage: {prog} [-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...
Run the task in given control group(s)
  -g <controllers>:<path>	Control group which should be added
  -h, --help			Display this help
  --sticky			cgred daemon does not change pidlist and children tasks
  -b				Ignore default systemd delegate hierarchy
  -r				Replace the default idle_thread spawned for the systemd scope
";

/// cgexec's command line (getopt `+g:shbr`: options end at the command).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgexec",
    about: "Run the task in given control group(s)",
    opts: &[GROUP, STICKY, HELP_OPT, IGNORE_DEFAULT, REPLACE_IDLE],
    operands: Some(("command", "The program to run, with its arguments")),
    stop_at_operand: true,
    help: HELP,
    try_help: "--help",
};

pub fn command_cgexec() -> Command {
    SYNTAX.command()
}

pub fn run_cgexec(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
    };
    let command: Vec<OsString> = m.operands.clone();
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
    if command.is_empty() {
        return Err(bad_args(&SYNTAX));
    }
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    // cgexec may be installed setuid: act with the caller's own identity, as libcgroup does.
    let (uid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (gid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if gid != egid {
        nix::unistd::setresgid(gid, gid, gid)?;
    }
    if uid != euid {
        nix::unistd::setresuid(uid, uid, uid)?;
    }
    let failed = |code: u8| -> Result<u8, Failure> {
        Err(Failure::bare(code, "cgroup change of group failed"))
    };
    let pid = std::process::id() as i32;
    if specs.is_empty() {
        // No -g: the rules in cgrules.conf decide (no matching rule: stay where we are).
        let Some(rules) = crate::rules::load(&super::roots().fs) else {
            // No rules file: libcgroup's rule-based placement fails this way.
            crate::cglog::compat(
                crate::cglog::Level::Error,
                format_args!("Error: failed to parse the configuration rules"),
            );
            return failed(crate::error::Ecg::ParseFail.exit());
        };
        let process = common::exec::find_in_path(&command[0])
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| command[0].to_string_lossy().into_owned());
        let subject = crate::rules::Subject {
            uid: uid.as_raw(),
            gid: gid.as_raw(),
            process,
            pid,
        };
        for (controllers, path) in crate::rules::placements(&rules, &subject) {
            crate::cg_debug!("cgrules: {controllers:?} -> {path}");
            specs.push(crate::spec::Spec { controllers, path });
        }
    } else {
        for spec in &mut specs {
            spec.path = crate::systemd::under(base_path.as_deref(), &spec.path);
        }
    }
    for spec in &specs {
        let targets = match resolve(&layout, &spec.controllers) {
            Ok(t) => t,
            Err(e) => return failed(e.when_moving().exit()),
        };
        for t in &targets {
            let dir = match path::join(t.hierarchy.mount(), &spec.path) {
                Ok(d) => d,
                Err(e) => {
                    return Err(Failure::prog(Ecg::Inval.exit(), e.to_string())
                        .then(Words::Bare("cgroup change of group failed\n".into())));
                }
            };
            if let Err(e) = group::attach(&dir, pid) {
                crate::cg_debug!("attach to {}: {e}", dir.display());
                return failed(e.exit());
            }
        }
    }
    if m.flag("replace-idle") {
        if let Err(e) = crate::systemd::replace_idle(super::roots(), &layout, pid as u32) {
            // libcgroup 3.1's status here (measured: a group without idle process).
            return Err(Failure::bare(255, e));
        }
    }
    let argv: Vec<CString> = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| Failure::prog(1, "invalid argument"))?;
    let errno = match nix::unistd::execvp(&argv[0], &argv) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    Err(Failure::bare(
        255,
        format!("exec failed:{}", common::strerror(errno as i32)),
    ))
}

#[cfg(test)]
mod tests {
    use super::SYNTAX;
    use std::ffi::OsString;

    fn v(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn options_end_at_the_command() {
        let table: &[(&[&str], &[&str], &[&str])] = &[
            (
                &["cgexec", "-g", "cpu:/", "ls", "-l"],
                &["cpu:/"],
                &["ls", "-l"],
            ),
            (
                &["cgexec", "-gcpu:/", "--sticky", "echo", "-g"],
                &["cpu:/"],
                &["echo", "-g"],
            ),
            (&["cgexec", "-sg", "cpu:/", "x"], &["cpu:/"], &["x"]),
            (&["cgexec", "--", "x", "-z"], &[], &["x", "-z"]),
            (&["cgexec"], &[], &[]),
        ];
        for (input, groups, command) in table {
            let m = SYNTAX.getopt(&v(input));
            assert_eq!(m.error, None, "{input:?}");
            assert_eq!(m.values("group"), *groups, "{input:?}");
            assert_eq!(m.operand_texts(), *command, "{input:?}");
        }
        let m = SYNTAX.getopt(&v(&["cgexec", "-sg", "cpu:/", "x"]));
        assert!(m.flag("sticky"));
        assert!(SYNTAX.getopt(&v(&["cgexec", "-z", "x"])).error.is_some());
        assert!(SYNTAX.getopt(&v(&["cgexec", "-g"])).error.is_some());
    }
}
