//! `cgclassify [[-g] <controllers>:<path>] [--sticky | --cancel-sticky] [-b] [-r] <list of pids>`
//!
//! `-g` paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; `-r` kills
//! the idle process of the scope the first pid was moved into, or, where there is none, puts that
//! pid back where it was and stops there (libcgroup 3.1's rollback).
//!
//! [`cli`] types the arguments; [`plan`] gives each pid operand its moves or its failure, from them
//! and the host facts read before (layout, default base, rules, the pids' rule subjects);
//! [`run_cgclassify`] reads the facts, carries the moves out and reports each failure as it goes.

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::cgexec::{
    carry_out, group_specs, log_rules_failed, moves, rule_specs, under_base, Moves,
};
use super::*;
use crate::layout::Hierarchy;
use crate::rules::{Rule, Subject};
use crate::spec::Spec;

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

/// cgclassify's command line (getopt `+g:shbr`); the long options in libcgroup 3.1's table order,
/// which glibc follows when it lists the possibilities of an ambiguous prefix.
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgclassify",
    about: "Move running task(s) to given cgroups",
    opts: &[
        GROUP,
        STICKY,
        Opt::long_only(
            "cancel-sticky",
            "cancel-sticky",
            "cgred daemon change pidlist and children tasks",
        ),
        HELP_OPT,
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

/// What the user typed.
#[derive(Debug)]
pub(crate) struct Cli {
    /// The `-g` groups, paths as typed; none: the rules in cgrules.conf decide.
    pub specs: Vec<Spec>,
    /// Each pid operand: its number, or its text when it is no pid.
    pub pids: Vec<Result<i32, String>>,
    pub ignore_default: bool,
    pub replace_idle: bool,
}

/// getopt -> [`Cli`]; `Ok(None)`: `-h` was answered.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    Ok(Some(Cli {
        specs: group_specs(&m)?,
        pids: m
            .operand_texts()
            .into_iter()
            .map(|text| parse_pid(&text).ok_or(text))
            .collect(),
        ignore_default: m.flag("ignore-default"),
        replace_idle: m.flag("replace-idle"),
    }))
}

/// Who process `pid` is for the rules: its effective uid/gid (`/proc/PID/status`) and executable
/// (unreadable: ids that match no user, no name).
fn read_subject(pid: i32) -> Subject {
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
    Subject::looked_up(id("Uid:"), id("Gid:"), process, pid)
}

/// The move of one pid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PidMove {
    pub pid: i32,
    pub moves: Moves,
    /// Placed by the rules (libcgroup words the failure differently then).
    pub by_rules: bool,
}

impl PidMove {
    /// libcgroup's report of this move failing with `e`, exit 1.
    fn failure(&self, e: CgError) -> Failure {
        let pid = self.pid;
        match self.by_rules {
            true => Failure::bare(
                1,
                format!("Error: change of cgroup failed for pid {pid}: {e}"),
            ),
            false => Failure::bare(1, format!("Error changing group of pid {pid}: {e}")),
        }
    }
}

/// Each pid operand in order: its move, or the failure libcgroup reports for it without moving
/// anything. From the typed arguments and the host facts read before: the layout, the systemd
/// default base, the rules (`None` without a rules file; used without -g only) and the rule
/// subjects of the pids, their names already looked up (a pid missing there matches as an
/// unreadable process). Pure.
pub(crate) fn plan(
    cli: &Cli,
    layout: &Layout,
    base: Option<&str>,
    rules: Option<&[Rule]>,
    subjects: &[Subject],
) -> Vec<Result<PidMove, Failure>> {
    let by_rules = cli.specs.is_empty();
    let specs = under_base(&cli.specs, base);
    let plan_one = |pid: i32| -> Result<PidMove, Failure> {
        let moves = match (by_rules, rules) {
            // No rules to place it by: its move fails (libcgroup still goes on to -r with it).
            (true, None) => Moves {
                specs: Vec::new(),
                dests: Vec::new(),
                refused: Some(CgError::new(Ecg::ParseFail)),
            },
            // pid 0 is no process: libcgroup fails it as a write would (ENOENT), moving nothing.
            _ if pid == 0 => Moves {
                specs: Vec::new(),
                dests: Vec::new(),
                refused: Some(CgError::errno(libc::ENOENT)),
            },
            (true, Some(rules)) => {
                let unread = Subject::unnamed(u32::MAX, u32::MAX, String::new(), pid);
                let subject = subjects.iter().find(|s| s.pid == pid).unwrap_or(&unread);
                moves(layout, rule_specs(rules, subject))
            }
            (false, _) => moves(layout, specs.clone()),
        };
        Ok(PidMove {
            pid,
            moves,
            by_rules,
        })
    };
    cli.pids
        .iter()
        .map(|pid| match pid {
            Ok(pid) => plan_one(*pid),
            Err(text) => Err(Failure::bare(2, format!("Error: {text} is not valid pid."))),
        })
        .collect()
}

pub fn run_cgclassify(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let base = systemd_base(cli.ignore_default, &layout);
    let by_rules = cli.specs.is_empty();
    let rules = by_rules
        .then(|| crate::rules::load(&super::roots().fs))
        .flatten();
    let pids: Vec<i32> = cli
        .pids
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .copied()
        .collect();
    // libcgroup 3.1 reads the rules (and says they failed) only when some pid is valid.
    if by_rules && rules.is_none() && !pids.is_empty() {
        log_rules_failed();
    }
    let subjects: Vec<Subject> = match rules {
        Some(_) => pids.iter().map(|pid| read_subject(*pid)).collect(),
        None => Vec::new(),
    };
    let mut status = 0;
    let mut report = |failure: Failure| {
        failure.print(prog);
        status = failure.status;
    };
    // -r: the first pid that plans replaces the idle process of the scope it is then in; where
    // that fails, libcgroup 3.1 puts the pid back where it was and stops.
    let mut replacing = cli.replace_idle;
    for planned in plan(&cli, &layout, base.as_deref(), rules.as_deref(), &subjects) {
        let pid_move = match planned {
            Ok(pid_move) => pid_move,
            Err(failure) => {
                report(failure);
                continue;
            }
        };
        let pid = pid_move.pid;
        let before = match replacing {
            true => Some(whereabouts(&layout, pid)?),
            false => None,
        };
        if let Err(e) = carry_out(&pid_move.moves, pid) {
            report(pid_move.failure(e.cg()));
        }
        let Some(before) = before else {
            continue;
        };
        replacing = false;
        if let Err(e) = crate::systemd::replace_idle(super::roots(), &layout, pid as u32) {
            put_back(&before, pid);
            // 3.1 exits with the put-back's status (0): a failure reported as success.
            return Err(Failure::bare(1, e));
        }
    }
    Ok(status)
}

/// Where process `pid` is before `-r` moves it: each hierarchy and its group there. Unreadable:
/// libcgroup 3.1's two lines (`cgroups` sic), exit 1, nothing moved.
fn whereabouts(layout: &Layout, pid: i32) -> Result<Vec<(&Hierarchy, String)>, Failure> {
    let shown = pid as u32;
    match std::fs::read_to_string(super::roots().proc.join(format!("{pid}/cgroup"))) {
        Ok(text) => Ok(layout.groups_of(&text)),
        Err(_) => Err(
            Failure::bare(1, format!("Failed to open: /proc/{shown}/cgroup")).then(Words::Bare(
                format!("Failed to read /proc/{shown}/cgroups\n"),
            )),
        ),
    }
}

/// Move `pid` back to the groups [`whereabouts`] found (where it still can go).
fn put_back(before: &[(&Hierarchy, String)], pid: i32) {
    for (h, rel) in before {
        if let Ok(dir) = crate::path::join(h.mount(), rel) {
            let _ = crate::group::attach(&dir, pid);
        }
    }
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

    use super::*;
    use crate::layout::fixtures::*;
    use crate::tools::cgexec::Dest;

    fn v(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    fn typed(groups: &[&str], pids: Vec<Result<i32, String>>) -> Cli {
        Cli {
            specs: groups
                .iter()
                .filter_map(|g| crate::spec::parse_spec(g))
                .collect(),
            pids,
            ignore_default: false,
            replace_idle: true,
        }
    }

    /// The directories each planned pid goes to, or the failure's words.
    fn outcomes(
        planned: &[Result<PidMove, Failure>],
        fx: &Fixture,
    ) -> Vec<Result<Vec<String>, Vec<Words>>> {
        let root = fx.dir.display().to_string();
        planned
            .iter()
            .map(|p| match p {
                Ok(m) => Ok(m
                    .moves
                    .dests
                    .iter()
                    .map(|Dest { mount, rel }| {
                        let mount = mount.display().to_string();
                        format!("{}:{rel}", mount.trim_start_matches(&root))
                    })
                    .collect()),
                Err(f) => Err(f.words.clone()),
            })
            .collect()
    }

    #[test]
    fn cli_keeps_each_pid_or_its_text() {
        let typed = cli(
            "cgclassify",
            &v(&["cgclassify", "-g", "cpu:/x", "12", "y", ""]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(typed.pids, [Ok(12), Err("y".to_string()), Ok(0)]);
        assert_eq!(typed.specs.len(), 1);
        assert_eq!(
            cli("cgclassify", &v(&["cgclassify"])).unwrap_err(),
            Failure::usage("'-h'")
        );
    }

    #[test]
    fn each_pid_has_its_outcome_in_order() {
        let fx = Fixture::new("cgclassify-groups", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = typed(
            &["memory:g", "cpu:h"],
            vec![Ok(12), Err("x".into()), Ok(0), Ok(13)],
        );
        let planned = plan(&cli, &layout, Some("base.slice/s.scope"), None, &[]);
        let both = vec![
            "/sys/fs/cgroup/memory:base.slice/s.scope/g".to_string(),
            "/sys/fs/cgroup/cpu,cpuacct:base.slice/s.scope/h".to_string(),
        ];
        assert_eq!(
            outcomes(&planned, &fx),
            [
                Ok(both.clone()),
                Err(vec![Words::Bare("Error: x is not valid pid.\n".into())]),
                Ok(vec![]),
                Ok(both),
            ]
        );
        // pid 0 moves nowhere and fails as libcgroup's write would.
        let zero = planned[2].as_ref().unwrap();
        assert_eq!(zero.moves.refused, Some(CgError::errno(libc::ENOENT)));
        assert_eq!(
            zero.failure(CgError::errno(libc::ENOENT)),
            Failure::bare(
                1,
                "Error changing group of pid 0: No such file or directory"
            )
        );
        assert_eq!(planned[1].as_ref().unwrap_err().status, 2);
        // A controller that is not mounted: the groups before it, then the refusal.
        let cli = typed(&["memory:g", "nosuch:h"], vec![Ok(12)]);
        let planned = plan(&cli, &layout, None, None, &[]);
        let moved = planned[0].as_ref().unwrap();
        assert_eq!(
            outcomes(&planned, &fx),
            [Ok(vec!["/sys/fs/cgroup/memory:g".to_string()])]
        );
        assert_eq!(moved.moves.refused.as_ref().unwrap().code, Ecg::NotAllowed);
    }

    #[test]
    fn without_groups_each_pid_is_placed_by_the_rules() {
        let fx = Fixture::new("cgclassify-rules", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let rules = crate::rules::parse("*:/usr/bin/sleep cpu sleepers/%P\n* memory other/%U\n");
        let sleeper = Subject {
            uid: 1000,
            gid: 1000,
            user: None,
            group: None,
            process: "/usr/bin/sleep".into(),
            pid: 12,
        };
        let cli = typed(&[], vec![Ok(12), Ok(13)]);
        let planned = plan(&cli, &layout, Some("ignored"), Some(&rules), &[sleeper]);
        assert_eq!(
            outcomes(&planned, &fx),
            [
                Ok(vec!["/sys/fs/cgroup/cpu,cpuacct:sleepers/12".to_string()]),
                // 13 was not read (gone): ids that match no user.
                Ok(vec![format!("/sys/fs/cgroup/memory:other/{}", u32::MAX)]),
            ]
        );
        assert!(planned[0].as_ref().unwrap().by_rules);
        assert_eq!(
            planned[0]
                .as_ref()
                .unwrap()
                .failure(CgError::new(Ecg::NotExist)),
            Failure::bare(
                1,
                "Error: change of cgroup failed for pid 12: Cgroup does not exist"
            )
        );
        // No rules file: the move of every valid pid fails, the others as usual.
        let cli = typed(&[], vec![Ok(12), Err("z".into())]);
        let planned = plan(&cli, &layout, None, None, &[]);
        let no_rules = planned[0].as_ref().unwrap();
        assert_eq!(no_rules.moves.refused, Some(CgError::new(Ecg::ParseFail)));
        assert_eq!(
            no_rules.failure(CgError::new(Ecg::ParseFail)),
            Failure::bare(
                1,
                "Error: change of cgroup failed for pid 12: Cgroup parsing failed"
            )
        );
        assert_eq!(
            planned[1],
            Err(Failure::bare(2, "Error: z is not valid pid."))
        );
    }
}
