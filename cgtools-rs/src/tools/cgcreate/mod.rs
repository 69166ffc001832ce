//! `cgcreate [-h] [-b] [-c [-p pid] [-S]] [-t <tuid>:<tgid>] [-a <agid>:<auid>] [-f mode] [-d mode]
//! [-s mode] -g <controllers>:<path> [-g ...]`
//!
//! Paths are relative to the systemd default scope (`-S` of an earlier run) unless `-b`. `-c` makes
//! each group a systemd transient scope first ([`crate::systemd`]), then gives it owners and modes
//! as any group; `-S` records it as the default.
//!
//! [`cli`] reads the command line into a [`cli::Request`], [`plan`] decides from it and the host's
//! facts what to make where (pure, unit-tested on fixture layouts), [`run`] makes it.

mod cli;
mod plan;
mod run;

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::systemd;

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

/// cgcreate's command line (getopt `a:t:g:hd:f:s:bcp:S`); the long options in libcgroup 3.1's
/// table order, which glibc follows when it lists the possibilities of an ambiguous prefix.
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgcreate",
    about: "Create control group(s)",
    opts: &[
        HELP_OPT,
        Opt::flag("task", 't', "Owner of the tasks file")
            .long("task")
            .value("tuid>:<tgid"),
        Opt::flag("admin", 'a', "Owner of the group and all its files")
            .long("admin")
            .value("agid>:<auid"),
        // libcgroup 3.1's table spells -g `--` with an empty name: `--=cpu:G` is `-g cpu:G`.
        GROUP.long(""),
        Opt::flag("dperm", 'd', "Group directory permissions")
            .long("dperm")
            .value("mode"),
        Opt::flag("fperm", 'f', "Group file permissions")
            .long("fperm")
            .value("mode"),
        Opt::flag("tperm", 's', "Tasks file permissions")
            .long("tperm")
            .value("mode"),
        IGNORE_DEFAULT,
        Opt::flag(
            "scope",
            'c',
            "Create a delegated systemd scope (path <slice>.slice/<name>.scope)",
        )
        .long("scope"),
        Opt::flag(
            "setdefault",
            'S',
            "Set this scope as the default scope delegate hierarchy",
        )
        .long("setdefault"),
        Opt::flag(
            "pid",
            'p',
            "Task pid to use to create systemd scope (default: an idle process)",
        )
        .long("pid")
        .value("pid"),
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
    let Some(request) = cli::parse(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let roots = super::roots();
    let host = plan::Host {
        layout: &layout,
        roots,
        // -c names slice/scope from the root; otherwise paths are under the default scope, if any.
        default_base: match request.how {
            cli::How::Plain { ignore_default } => systemd_base(ignore_default, &layout),
            cli::How::Scope { .. } => None,
        },
        systemd: match request.how {
            cli::How::Scope { .. } => Some(systemd::reach(roots)),
            cli::How::Plain { .. } => None,
        },
        caller: (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        ),
    };
    let plan = plan::plan(&request, &host);
    run::carry_out(&plan, &layout, roots)?;
    Ok(0)
}
