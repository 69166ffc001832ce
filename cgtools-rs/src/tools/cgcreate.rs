//! `cgcreate [-h] [-b] [-c [-p pid] [-S]] [-t <tuid>:<tgid>] [-a <agid>:<auid>] [-f mode] [-d mode]
//! [-s mode] -g <controllers>:<path> [-g ...]`
//!
//! Paths are relative to the systemd default scope (`-S` of an earlier run) unless `-b`. `-c` makes
//! each group a systemd transient scope first ([`crate::systemd`]), then gives it owners and modes
//! as any group; `-S` records it as the default.

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::group::{self, CreateOptions, Created};
use crate::layout::Layout;
use crate::path;
use crate::spec::{parse_mode, parse_owner, parse_spec, resolve, Spec};
use crate::systemd::{self, ScopeName, ScopeRequest};

const HELP: &str = "\
Usage: {prog} [-h] [-f mode] [-d mode] [-s mode] [-t <tuid>:<tgid>] [-a <agid>:<auid>] -g <controllers>:<path> [-g ...]
Create control group(s)
  -a <tuid>:<tgid>		Owner of the group and all its files
  -d, --dperm=mode		Group directory permissions
  -f, --fperm=mode		Group file permissions
  -g <controllers>:<path>	Control group which should be added
  -h, --help			Display this help
  -s, --tperm=mode		Tasks file permissions
  -t <tuid>:<tgid>		Owner of the tasks file
  -b				Ignore default systemddelegate hierarchy
  -c, --scope			Create a delegated systemd scope
  -p, --pid=pid			Task pid to use to create systemd scope
  -S, --setdefault		Set this scope as the default scope delegate hierarchy
";

/// cgcreate's command line (getopt `a:t:g:hd:f:s:bcp:S`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgcreate",
    about: "Create control group(s)",
    opts: &[
        Opt::flag("admin", 'a', "Owner of the group and all its files")
            .long("admin")
            .value("agid>:<auid"),
        Opt::flag("task", 't', "Owner of the tasks file")
            .long("task")
            .value("tuid>:<tgid"),
        HELP_OPT,
        Opt::flag("dperm", 'd', "Group directory permissions")
            .long("dperm")
            .value("mode"),
        Opt::flag("fperm", 'f', "Group file permissions")
            .long("fperm")
            .value("mode"),
        Opt::flag("tperm", 's', "Tasks file permissions")
            .long("tperm")
            .value("mode"),
        GROUP,
        IGNORE_DEFAULT,
        Opt::flag(
            "scope",
            'c',
            "Create a delegated systemd scope (path <slice>.slice/<name>.scope)",
        )
        .long("scope"),
        Opt::flag(
            "pid",
            'p',
            "Task pid to use to create systemd scope (default: an idle process)",
        )
        .long("pid")
        .value("pid"),
        Opt::flag(
            "setdefault",
            'S',
            "Set this scope as the default scope delegate hierarchy",
        )
        .long("setdefault"),
    ],
    operands: None,
    stop_at_operand: false,
    help: HELP,
    try_help: "-h",
};

pub fn command_cgcreate() -> Command {
    SYNTAX.command()
}

pub fn run_cgcreate(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let fail = |code: u8, msg: String| -> Result<u8, Failure> { Err(Failure::prog(code, msg)) };
    // Owners, modes, the pid and each -g are checked as getopt returns them, as libcgroup does:
    // a bad value before -h is an error, after it the help wins.
    let mut opts = CreateOptions::default();
    let mut scope_pid = None;
    let mut specs = Vec::new();
    let check = |id: &str, text: &str| -> Result<(), Failure> {
        let usage = |msg: String| -> Result<(), Failure> { Err(Failure::prog(EXIT_BADARGS, msg)) };
        match id {
            // libcgroup exits 0 here without creating anything; an error is an error.
            "admin" => match parse_owner(text) {
                Ok(o) => opts.admin = o,
                Err(e) => return usage(e.to_string()),
            },
            "task" => match parse_owner(text) {
                Ok(o) => opts.task = o,
                Err(e) => return usage(e.to_string()),
            },
            "dperm" | "fperm" | "tperm" => {
                let Some(mode) = parse_mode(text) else {
                    // libcgroup prints this one on stdout.
                    return Err(Failure::new(255)
                        .then(Words::Stdout(format!("{prog} wrong mode format {text}\n"))));
                };
                match id {
                    "dperm" => opts.dperm = Some(mode),
                    "fperm" => opts.fperm = Some(mode),
                    _ => opts.tperm = Some(mode),
                }
            }
            "pid" => match text.parse::<i64>() {
                Ok(p) if p > 1 && p <= i64::from(i32::MAX) => scope_pid = Some(p as u32),
                _ => return usage(format!("Invalid pid {text}")),
            },
            "group" => match parse_spec(text) {
                Some(spec) => specs.push(spec),
                None => {
                    return usage(format!(
                        "cgroup controller and path parsing failed ({text})"
                    ))
                }
            },
            _ => {}
        }
        Ok(())
    };
    let Some(m) = parse_checked(&SYNTAX, prog, args, check)? else {
        return Ok(0);
    };
    let scope = m.flag("scope");
    if scope && m.flag("ignore-default") {
        return fail(
            EXIT_BADARGS,
            "\"-b\" and \"-c\" are mutually exclusive".into(),
        );
    }
    if !scope && m.flag("setdefault") {
        return fail(EXIT_BADARGS, "\"-S\" requires \"-c\" to be provided".into());
    }
    if scope_pid.is_some() && !scope {
        return fail(EXIT_BADARGS, "\"-p\" requires \"-c\" to be provided".into());
    }
    if let Some(extra) = m.operand_texts().first() {
        return fail(EXIT_BADARGS, format!("wrong arguments ({extra})"));
    }
    // Options without any -g ask for nothing: libcgroup 3.1 creates nothing and exits 0, silently
    // (with no argument at all it prints its usage).
    if specs.is_empty() {
        return Ok(0);
    }
    let mut scopes = Vec::new();
    if scope {
        for spec in &specs {
            match ScopeName::parse(&spec.path) {
                Some(n) => scopes.push(n),
                None => {
                    return fail(
                        EXIT_BADARGS,
                        format!("Invalid scope name {}, expected <slice>/<scope>", spec.path),
                    )
                }
            }
        }
    }
    let layout = layout()?;
    let roots = super::roots();
    // -c names slice/scope from the root; otherwise paths are under the default scope, if any.
    let base_path = if scope {
        None
    } else {
        default_base(&m, &layout)
    };
    if scope && !systemd::running(roots) {
        return fail(
            Ecg::Other.exit(),
            format!(
                "can't create scope {}: systemd is not running (no {})",
                specs[0].path,
                roots.fs.join("run/systemd/system").display()
            ),
        );
    }
    let caller = (
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
    );
    for (i, spec) in specs.iter().enumerate() {
        let cannot =
            |msg: String, code: u8| fail(code, format!("can't create cgroup {}: {msg}", spec.path));
        let targets = match resolve(&layout, &spec.controllers) {
            Ok(t) => t,
            Err(e) => return cannot(e.to_string(), e.exit()),
        };
        let rel = match scopes.get(i) {
            Some(name) => name.cgroup_path(),
            None => systemd::under(base_path.as_deref(), &spec.path),
        };
        // The scope comes first: systemd makes its cgroup, we then treat it as any group.
        let mut idle = None;
        if let Some(name) = scopes.get(i) {
            match start_scope(&layout, spec, name, scope_pid) {
                Ok(child) => idle = child,
                Err(msg) => {
                    return fail(
                        Ecg::Other.exit(),
                        format!("can't create scope {}: {msg}", spec.path),
                    )
                }
            }
        }
        let mut dirs = Vec::new();
        for t in &targets {
            match path::join(t.hierarchy.mount(), &rel) {
                Ok(d) => dirs.push(d),
                Err(e) => {
                    stop_idle(idle);
                    return cannot(e.to_string(), Ecg::Inval.exit());
                }
            }
        }
        let mut created = Created::default();
        for (t, dir) in targets.iter().zip(&dirs) {
            if let Err(e) = group::create(
                t.hierarchy,
                &t.controllers,
                dir,
                &opts,
                caller,
                &mut created,
            ) {
                created.rollback();
                // Without its idle process the scope is empty, and systemd removes it.
                stop_idle(idle);
                return cannot(e.to_string(), e.exit());
            }
        }
        if let Some(name) = scopes.get(i) {
            if m.flag("setdefault") {
                if let Err(e) = systemd::write_default(roots, name) {
                    return fail(
                        Ecg::Other.exit(),
                        format!(
                            "failed to write default {} to {}: {}",
                            name.record(),
                            roots.fs.join(systemd::DEFAULT_FILE).display(),
                            common::strerror(e.raw_os_error().unwrap_or(libc::EIO))
                        ),
                    );
                }
            }
        }
    }
    Ok(0)
}

/// Ask systemd for the scope (through busctl) holding `pid` or a new idle process, and wait,
/// bounded, until its cgroup exists with that process inside. Returns the idle process we made
/// (`None` with `-p`); on failure the idle process is gone again.
fn start_scope(
    layout: &Layout,
    spec: &Spec,
    name: &ScopeName,
    pid: Option<u32>,
) -> Result<Option<std::process::Child>, String> {
    let busctl = common::exec::find_in_path(std::ffi::OsStr::new("busctl"))
        .ok_or_else(|| "busctl not found in PATH (it comes with systemd)".to_string())?;
    let h = systemd::unit_hierarchy(layout)
        .ok_or_else(|| "no cgroup hierarchy for systemd units is mounted".to_string())?;
    let dir = path::join(h.mount(), &name.cgroup_path()).map_err(|e| e.to_string())?;
    let mut idle = None;
    let pid = match pid {
        Some(p) => p,
        None => {
            let child = systemd::spawn_idle()
                .map_err(|e| format!("failed to create system idle thread: {e}"))?;
            let p = child.id();
            idle = Some(child);
            p
        }
    };
    crate::cg_debug!("pid {pid} will be placed in scope {}", name.record());
    let req = ScopeRequest {
        name: name.clone(),
        pid,
        controllers: spec.controllers.clone(),
    };
    let args = systemd::busctl_args(&req);
    crate::cg_debug!("{} {}", busctl.display(), args.join(" "));
    let out = std::process::Command::new(&busctl)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output();
    let failed = |idle, msg: String| {
        stop_idle(idle);
        Err(msg)
    };
    let out = match out {
        Ok(o) => o,
        Err(e) => return failed(idle, format!("cannot run {}: {e}", busctl.display())),
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let msg = err.lines().next().unwrap_or("").trim().to_string();
        return failed(
            idle,
            format!(
                "StartTransientUnit failed: {}",
                if msg.is_empty() {
                    "busctl failed".into()
                } else {
                    msg
                }
            ),
        );
    }
    crate::cg_debug!("job: {}", String::from_utf8_lossy(&out.stdout).trim());
    // systemd creates the cgroup and moves the process when the job runs: wait for both.
    let deadline = std::time::Instant::now() + systemd::SCOPE_WAIT;
    loop {
        let inside = path::read_knob(&dir, "cgroup.procs")
            .map(|t| t.split_whitespace().any(|p| p == pid.to_string()))
            .unwrap_or(false);
        if inside {
            break;
        }
        if std::time::Instant::now() >= deadline {
            return failed(
                idle,
                format!(
                    "timed out after {}s waiting for pid {pid} in {}",
                    systemd::SCOPE_WAIT.as_secs(),
                    dir.display()
                ),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    crate::cg_info!(
        "Created systemd slice {} scope {} pid {pid}",
        name.slice,
        name.scope
    );
    Ok(idle)
}

/// Kill and reap the idle process we started (a failed creation leaves nothing behind).
fn stop_idle(idle: Option<std::process::Child>) {
    if let Some(mut child) = idle {
        let _ = child.kill();
        let _ = child.wait();
    }
}
