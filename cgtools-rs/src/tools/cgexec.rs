//! `cgexec [-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...`
//!
//! Moves itself (the whole thread group, through `cgroup.procs`) into every named group, then
//! execs the command: the program keeps cgexec's pid, so its exit status is the caller's `$?`.
//! `-g` paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; `-r` kills
//! the scope's idle process once cgexec is in the scope, before the exec.
//!
//! [`cli`] types the arguments; [`plan`] decides, from them and the host facts read before (layout,
//! default base, rules, who runs what), the group directories in order ([`Moves`], shared with
//! cgclassify); [`run_cgexec`] gathers the facts, carries the moves out and execs.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::Command;

use crate::getopt::{Matches, Syntax};

use super::*;
use crate::group;
use crate::path;
use crate::rules::{Rule, Subject};
use crate::spec::{parse_spec, resolve, Spec};

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

/// What the user typed.
#[derive(Debug)]
pub(crate) struct Cli {
    /// The `-g` groups, paths as typed; none: the rules in cgrules.conf decide.
    pub specs: Vec<Spec>,
    /// The program and its arguments (never empty).
    pub command: Vec<OsString>,
    pub ignore_default: bool,
    pub replace_idle: bool,
}

/// The `-g` values as specs (cgexec and cgclassify): one that does not parse is libcgroup's
/// `cgroup controller and path parsing failed`, exit 129.
pub(crate) fn group_specs(m: &Matches) -> Result<Vec<Spec>, Failure> {
    m.values("group")
        .iter()
        .map(|text| {
            parse_spec(text).ok_or_else(|| {
                Failure::bare(EXIT_BADARGS, "cgroup controller and path parsing failed")
            })
        })
        .collect()
}

/// getopt -> [`Cli`]; `Ok(None)`: `-h` was answered.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let specs = group_specs(&m)?;
    if m.operands.is_empty() {
        return Err(bad_args(&SYNTAX));
    }
    Ok(Some(Cli {
        specs,
        command: m.operands.clone(),
        ignore_default: m.flag("ignore-default"),
        replace_idle: m.flag("replace-idle"),
    }))
}

/// One group directory a process goes to: `rel` under the hierarchy mounted at `mount` (joined,
/// with its symlink check, when carried out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dest {
    pub mount: PathBuf,
    pub rel: String,
}

/// Where a process goes (cgexec, cgclassify), in libcgroup's order: the directories of each spec
/// in turn; `refused` is the failure met after them (a controller that is not mounted), as
/// libcgroup moves the process into the groups before the failing spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Moves {
    /// The specs with their final paths (after the default base or the rules), in order.
    pub specs: Vec<Spec>,
    pub dests: Vec<Dest>,
    pub refused: Option<CgError>,
}

/// The [`Moves`] for `specs` (paths final): each spec resolved against the layout in turn.
pub(crate) fn moves(layout: &Layout, specs: Vec<Spec>) -> Moves {
    let mut dests = Vec::new();
    for spec in &specs {
        match resolve(layout, &spec.controllers) {
            Ok(targets) => dests.extend(targets.iter().map(|t| Dest {
                mount: t.hierarchy.mount().to_path_buf(),
                rel: spec.path.clone(),
            })),
            Err(e) => {
                return Moves {
                    specs,
                    dests,
                    refused: Some(e.when_moving()),
                };
            }
        }
    }
    Moves {
        specs,
        dests,
        refused: None,
    }
}

/// `-g` paths made relative to the systemd default base (`None`: `-b`, or no default).
pub(crate) fn under_base(specs: &[Spec], base: Option<&str>) -> Vec<Spec> {
    specs
        .iter()
        .map(|s| Spec {
            controllers: s.controllers.clone(),
            path: crate::systemd::under(base, &s.path),
        })
        .collect()
}

/// The specs the rules give `subject` (no matching rule: none, the process stays where it is).
pub(crate) fn rule_specs(rules: &[Rule], subject: &Subject) -> Vec<Spec> {
    crate::rules::placements(rules, subject)
        .into_iter()
        .map(|(controllers, path)| Spec { controllers, path })
        .collect()
}

/// `cgroup change of group failed`, exit `status`: how cgexec reports a failed move.
fn change_failed(status: u8) -> Failure {
    Failure::bare(status, "cgroup change of group failed")
}

/// Where cgexec goes, from the typed arguments and the host facts read before: the layout, the
/// systemd default base, the rules (`None`: no rules file) and who runs what (`subject`, used
/// with the rules only, its names already looked up). Pure.
pub(crate) fn plan(
    cli: &Cli,
    layout: &Layout,
    base: Option<&str>,
    rules: Option<&[Rule]>,
    subject: &Subject,
) -> Result<Moves, Failure> {
    if !cli.specs.is_empty() {
        return Ok(moves(layout, under_base(&cli.specs, base)));
    }
    // No rules file: libcgroup's rule-based placement fails this way.
    let rules = rules.ok_or_else(|| change_failed(Ecg::ParseFail.exit()))?;
    Ok(moves(layout, rule_specs(rules, subject)))
}

/// Why a move failed.
#[derive(Debug)]
pub(crate) enum MoveError {
    /// The group path is no usable directory path.
    Path(crate::path::PathError),
    /// Writing the pid into `dir` failed.
    Attach(PathBuf, CgError),
    /// The plan's own failure, after the moves.
    Refused(CgError),
}

impl MoveError {
    /// The libcgroup error it stands for (a bad path is ECGINVAL).
    pub(crate) fn cg(self) -> CgError {
        match self {
            MoveError::Path(_) => CgError::new(Ecg::Inval),
            MoveError::Attach(_, e) | MoveError::Refused(e) => e,
        }
    }
}

/// Move `pid` into every directory of `moves`, in order, stopping at the first failure.
pub(crate) fn carry_out(moves: &Moves, pid: i32) -> Result<(), MoveError> {
    for d in &moves.dests {
        let dir = path::join(&d.mount, &d.rel).map_err(MoveError::Path)?;
        group::attach(&dir, pid).map_err(|e| MoveError::Attach(dir, e))?;
    }
    match &moves.refused {
        Some(e) => Err(MoveError::Refused(e.clone())),
        None => Ok(()),
    }
}

/// libcgroup's line when the rules cannot be read (no rules file), at its ERROR level.
pub(crate) fn log_rules_failed() {
    crate::cglog::compat(
        crate::cglog::Level::Error,
        format_args!("Error: failed to parse the configuration rules"),
    );
}

/// cgexec may be installed setuid: act with the caller's own identity, as libcgroup does.
/// Returns the caller's uid and gid.
fn become_caller() -> Result<(u32, u32), Failure> {
    let (uid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (gid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if gid != egid {
        nix::unistd::setresgid(gid, gid, gid)?;
    }
    if uid != euid {
        nix::unistd::setresuid(uid, uid, uid)?;
    }
    Ok((uid.as_raw(), gid.as_raw()))
}

pub fn run_cgexec(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let base = systemd_base(cli.ignore_default, &layout);
    let (uid, gid) = become_caller()?;
    let pid = std::process::id() as i32;
    let by_rules = cli.specs.is_empty();
    // The rules and the program's path matter only without -g.
    let rules = by_rules
        .then(|| crate::rules::load(&super::roots().fs))
        .flatten();
    if by_rules && rules.is_none() {
        log_rules_failed();
    }
    // Who runs what matters to the rules alone: no lookups on the usual `-g` path.
    let subject = match rules {
        Some(_) => {
            let process = common::exec::find_in_path(&cli.command[0])
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| cli.command[0].to_string_lossy().into_owned());
            Subject::looked_up(uid, gid, process, pid)
        }
        None => Subject::unnamed(uid, gid, String::new(), pid),
    };
    let moves = plan(&cli, &layout, base.as_deref(), rules.as_deref(), &subject)?;
    if by_rules {
        for spec in &moves.specs {
            crate::cg_debug!("cgrules: {:?} -> {}", spec.controllers, spec.path);
        }
    }
    carry_out(&moves, pid).map_err(|e| match e {
        MoveError::Path(e) => Failure::prog(Ecg::Inval.exit(), e.to_string())
            .then(Words::Bare("cgroup change of group failed\n".into())),
        MoveError::Attach(dir, e) => {
            crate::cg_debug!("attach to {}: {e}", dir.display());
            change_failed(e.exit())
        }
        MoveError::Refused(e) => change_failed(e.exit()),
    })?;
    if cli.replace_idle {
        if let Err(e) = crate::systemd::replace_idle(super::roots(), &layout, pid as u32) {
            // libcgroup 3.1's status here (measured: a group without idle process).
            return Err(Failure::bare(255, e));
        }
    }
    exec(&cli.command)
}

/// Become the command (its pid is cgexec's); returns only when the exec failed.
fn exec(command: &[OsString]) -> Result<u8, Failure> {
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
    use super::*;
    use crate::layout::fixtures::*;

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

    fn spec(controllers: &[&str], path: &str) -> Spec {
        Spec {
            controllers: controllers.iter().map(|c| c.to_string()).collect(),
            path: path.to_string(),
        }
    }

    fn typed(specs: Vec<Spec>) -> Cli {
        Cli {
            specs,
            command: v(&["true"]),
            ignore_default: false,
            replace_idle: false,
        }
    }

    fn subject(uid: u32, process: &str) -> Subject {
        Subject {
            uid,
            gid: 100,
            user: None,
            group: None,
            process: process.to_string(),
            pid: 4242,
        }
    }

    fn dest(fx: &Fixture, mount: &str, rel: &str) -> Dest {
        Dest {
            mount: fx.path(mount),
            rel: rel.to_string(),
        }
    }

    #[test]
    fn cli_types_the_groups_and_the_command() {
        let typed = cli(
            "cgexec",
            &v(&["cgexec", "-b", "-r", "-g", "cpu:/a", "ls", "-g"]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(typed.specs, [spec(&["cpu"], "/a")]);
        assert_eq!(typed.command, v(&["ls", "-g"]));
        assert!(typed.ignore_default && typed.replace_idle);
        let bad = cli("cgexec", &v(&["cgexec", "-g", "cpu", "ls"])).unwrap_err();
        assert_eq!(
            bad,
            Failure::bare(129, "cgroup controller and path parsing failed")
        );
        let none = cli("cgexec", &v(&["cgexec", "-g", "cpu:/"])).unwrap_err();
        assert_eq!(none, Failure::usage("--help"));
    }

    #[test]
    fn groups_go_under_the_default_base() {
        let fx = Fixture::new("cgexec-base", UNIFIED, "");
        fx.file("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = typed(vec![spec(&["cpu", "memory"], "/sub"), spec(&[], ".")]);
        let moves = plan(
            &cli,
            &layout,
            Some("nst.slice/y.scope"),
            None,
            &subject(0, ""),
        )
        .unwrap();
        assert_eq!(
            moves.dests,
            [
                dest(&fx, "/sys/fs/cgroup", "nst.slice/y.scope/sub"),
                dest(&fx, "/sys/fs/cgroup", "nst.slice/y.scope/."),
            ]
        );
        assert_eq!(moves.refused, None);
        // -b (no base): the paths as typed.
        let moves = plan(&cli, &layout, None, None, &subject(0, "")).unwrap();
        assert_eq!(moves.dests[0].rel, "/sub");
    }

    #[test]
    fn an_unknown_controller_is_refused_after_the_groups_before_it() {
        let fx = Fixture::new("cgexec-unknown", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = typed(vec![
            spec(&["memory"], "a"),
            spec(&["nosuch"], "b"),
            spec(&["cpu"], "c"),
        ]);
        let moves = plan(&cli, &layout, None, None, &subject(0, "")).unwrap();
        assert_eq!(moves.dests, [dest(&fx, "/sys/fs/cgroup/memory", "a")]);
        // Not mounted is ECGROUPNOTALLOWED when moving a process: exit 87.
        let refused = moves.refused.unwrap();
        assert_eq!(refused.code, Ecg::NotAllowed);
        assert_eq!(refused.exit(), 87);
    }

    #[test]
    fn without_groups_the_rules_decide() {
        let fx = Fixture::new("cgexec-rules", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let rules = crate::rules::parse(
            "*:nomatch memory never\n*:sleep cpuacct,memory sleepers/%U/%P\n* memory other\n",
        );
        let cli = typed(Vec::new());
        let moves = plan(
            &cli,
            &layout,
            Some("base"),
            Some(&rules),
            &subject(1000, "/bin/sleep"),
        );
        let moves = moves.unwrap();
        // The rules' paths are not under the default base.
        assert_eq!(
            moves.dests,
            [
                dest(&fx, "/sys/fs/cgroup/cpu,cpuacct", "sleepers/1000/4242"),
                dest(&fx, "/sys/fs/cgroup/memory", "sleepers/1000/4242"),
            ]
        );
        assert_eq!(moves.specs.len(), 1);
        let moves = plan(&cli, &layout, None, Some(&rules), &subject(1000, "/bin/sh")).unwrap();
        assert_eq!(moves.dests, [dest(&fx, "/sys/fs/cgroup/memory", "other")]);
        // No matching rule: the process stays where it is.
        let none = crate::rules::parse("*:nomatch memory never\n");
        let moves = plan(&cli, &layout, None, Some(&none), &subject(1000, "/bin/sh")).unwrap();
        assert_eq!((moves.dests.len(), moves.refused), (0, None));
        // No rules file: libcgroup's ECGRULESPARSEFAIL, exit 99.
        assert_eq!(
            plan(&cli, &layout, None, None, &subject(1000, "/bin/sh")).unwrap_err(),
            Failure::bare(99, "cgroup change of group failed")
        );
    }
}
