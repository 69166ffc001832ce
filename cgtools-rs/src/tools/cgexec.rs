//! `cgexec [-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...`
//!
//! Moves itself (the whole thread group, through `cgroup.procs`) into every named group, then
//! execs the command: the program keeps cgexec's pid, so its exit status is the caller's `$?`.
//! `-g` paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; `-r` kills
//! the scope's idle process once cgexec is in the scope, before the exec.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::{Arg, ArgAction, Command};
use common::eprintln;
use common::ToolError;

use super::{
    bad_args, base, default_base, group_arg, ignore_default_arg, layout, parse, replace_idle_arg,
    sticky_arg, values,
};
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
pub fn command_cgexec() -> Command {
    base("cgexec", "Run the task in given control group(s)")
        .arg(group_arg("Control group which should be added"))
        .arg(sticky_arg())
        .arg(ignore_default_arg())
        .arg(replace_idle_arg(
            "Replace the default idle_thread spawned for the systemd scope",
        ))
        .arg(
            Arg::new("command")
                .value_name("command")
                .action(ArgAction::Append)
                .num_args(1..)
                .trailing_var_arg(true)
                .value_parser(clap::value_parser!(OsString))
                .help("The program to run, with its arguments"),
        )
}

/// getopt's `+` mode: options end at the first operand. clap would keep parsing the command's
/// own options, so a `--` is put before the first operand.
pub fn stop_at_command(args: &[OsString]) -> Vec<OsString> {
    let mut out: Vec<OsString> = args.iter().take(1).cloned().collect();
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_bytes();
        if a == b"--" {
            break;
        }
        if a.len() < 2 || a[0] != b'-' {
            out.push(OsString::from("--"));
            break;
        }
        out.push(args[i].clone());
        // `-g VALUE` (also at the end of a cluster like `-sg VALUE`) and `--g...`/`--gr` never:
        // only -g takes a value.
        let takes_value = a[1] != b'-' && a.ends_with(b"g") && !a[1..a.len() - 1].contains(&b'g');
        if takes_value && i + 1 < args.len() {
            out.push(args[i + 1].clone());
            i += 1;
        }
        i += 1;
    }
    out.extend(args.iter().skip(i).cloned());
    out
}

pub fn run_cgexec(prog: &str, args: &[OsString]) -> anyhow::Result<u8> {
    let args = &stop_at_command(args);
    let Some(m) = parse(command_cgexec(), prog, args, "--help", HELP)? else {
        return Ok(0);
    };
    let command: Vec<OsString> = m
        .get_many::<OsString>("command")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let mut specs = Vec::new();
    for text in values(&m, "group") {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                eprintln!("cgroup controller and path parsing failed");
                return Err(ToolError::Exit(super::EXIT_BADARGS).into());
            }
        }
    }
    if command.is_empty() {
        return Err(bad_args(prog, "--help"));
    }
    let layout = layout(prog)?;
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
    let failed = |code: u8| -> anyhow::Result<u8> {
        eprintln!("cgroup change of group failed");
        Err(ToolError::Exit(code).into())
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
            Err(e) => return failed(e.exit()),
        };
        for t in &targets {
            let dir = match path::join(t.hierarchy.mount(), &spec.path) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("{prog}: {e}");
                    return failed(crate::error::Ecg::Inval.exit());
                }
            };
            if let Err(e) = group::attach(&dir, pid) {
                crate::cg_debug!("attach to {}: {e}", dir.display());
                return failed(e.exit());
            }
        }
    }
    if m.get_flag("replace-idle") {
        if let Err(e) = crate::systemd::replace_idle(super::roots(), &layout, pid as u32) {
            eprintln!("{e}");
            return Err(ToolError::Exit(crate::error::Ecg::Other.exit()).into());
        }
    }
    let argv: Vec<CString> = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow::anyhow!("invalid argument"))?;
    let errno = match nix::unistd::execvp(&argv[0], &argv) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    eprintln!("exec failed:{}", common::strerror(errno as i32));
    Err(ToolError::Exit(255).into())
}

#[cfg(test)]
mod tests {
    use super::stop_at_command;
    use std::ffi::OsString;

    fn v(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn options_end_at_the_command() {
        let table: &[(&[&str], &[&str])] = &[
            (
                &["cgexec", "-g", "cpu:/", "ls", "-l"],
                &["cgexec", "-g", "cpu:/", "--", "ls", "-l"],
            ),
            (
                &["cgexec", "-gcpu:/", "--sticky", "echo", "-g"],
                &["cgexec", "-gcpu:/", "--sticky", "--", "echo", "-g"],
            ),
            (
                &["cgexec", "-sg", "cpu:/", "x"],
                &["cgexec", "-sg", "cpu:/", "--", "x"],
            ),
            (&["cgexec", "--", "x", "-z"], &["cgexec", "--", "x", "-z"]),
            (&["cgexec", "-z", "x"], &["cgexec", "-z", "--", "x"]),
            (&["cgexec"], &["cgexec"]),
            (&["cgexec", "-g"], &["cgexec", "-g"]),
        ];
        for (input, want) in table {
            assert_eq!(stop_at_command(&v(input)), v(want), "{input:?}");
        }
    }
}
