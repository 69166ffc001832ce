//! `cgcreate [-h] [-t <tuid>:<tgid>] [-a <agid>:<auid>] [-f mode] [-d mode] [-s mode]
//! -g <controllers>:<path> [-g ...]`

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};
use common::ToolError;

use super::{base, group_arg, layout, parse, values, EXIT_BADARGS};
use crate::group::{self, CreateOptions, Created};
use crate::path;
use crate::spec::{parse_mode, parse_owner, parse_spec, resolve};

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
";

/// cgcreate's command line.
pub fn command_cgcreate() -> Command {
    let set = |id: &'static str, short: char, long: &'static str, name: &'static str, help| {
        Arg::new(id)
            .short(short)
            .long(long)
            .value_name(name)
            .action(ArgAction::Set)
            .help(help)
    };
    base("cgcreate", "Create control group(s)")
        .arg(set(
            "admin",
            'a',
            "admin",
            "agid>:<auid",
            "Owner of the group and all its files",
        ))
        .arg(set(
            "task",
            't',
            "task",
            "tuid>:<tgid",
            "Owner of the tasks file",
        ))
        .arg(set(
            "dperm",
            'd',
            "dperm",
            "mode",
            "Group directory permissions",
        ))
        .arg(set("fperm", 'f', "fperm", "mode", "Group file permissions"))
        .arg(set("tperm", 's', "tperm", "mode", "Tasks file permissions"))
        .arg(group_arg(
            "Control group which should be added (`*` = all controllers)",
        ))
        .arg(
            Arg::new("extra")
                .action(ArgAction::Append)
                .hide(true)
                .value_name("ARG")
                .help("Operands are not accepted (an error, as in libcgroup)"),
        )
}

pub fn run_cgcreate(prog: &str, args: &[OsString]) -> anyhow::Result<u8> {
    let Some(m) = parse(command_cgcreate(), prog, args, "-h", HELP)? else {
        return Ok(0);
    };
    let fail = |code: u8, msg: String| -> anyhow::Result<u8> {
        eprintln!("{prog}: {msg}");
        Err(ToolError::Exit(code).into())
    };
    let mut opts = CreateOptions::default();
    for (id, slot) in [("admin", &mut opts.admin), ("task", &mut opts.task)] {
        if let Some(text) = m.get_one::<String>(id) {
            match parse_owner(text) {
                Ok(o) => *slot = o,
                // libcgroup exits 0 here without creating anything; an error is an error.
                Err(e) => return fail(EXIT_BADARGS, e.to_string()),
            }
        }
    }
    for (id, slot) in [
        ("dperm", &mut opts.dperm),
        ("fperm", &mut opts.fperm),
        ("tperm", &mut opts.tperm),
    ] {
        if let Some(text) = m.get_one::<String>(id) {
            match parse_mode(text) {
                Some(mode) => *slot = Some(mode),
                None => {
                    // libcgroup prints this one on stdout.
                    println!("{prog} wrong mode format {text}");
                    return Err(ToolError::Exit(255).into());
                }
            }
        }
    }
    if let Some(extra) = values(&m, "extra").first() {
        return fail(EXIT_BADARGS, format!("wrong arguments ({extra})"));
    }
    let mut specs = Vec::new();
    for text in values(&m, "group") {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                return fail(
                    EXIT_BADARGS,
                    format!("cgroup controller and path parsing failed ({text})"),
                )
            }
        }
    }
    if specs.is_empty() {
        return fail(EXIT_BADARGS, "no cgroup specified".into());
    }
    let layout = layout(prog)?;
    let caller = (
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
    );
    for spec in &specs {
        let cannot =
            |msg: String, code: u8| fail(code, format!("can't create cgroup {}: {msg}", spec.path));
        let targets = match resolve(&layout, &spec.controllers) {
            Ok(t) => t,
            Err(e) => return cannot(e.to_string(), e.exit()),
        };
        let mut dirs = Vec::new();
        for t in &targets {
            match path::join(t.hierarchy.mount(), &spec.path) {
                Ok(d) => dirs.push(d),
                Err(e) => return cannot(e.to_string(), crate::error::Ecg::Inval.exit()),
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
                return cannot(e.to_string(), e.exit());
            }
        }
    }
    Ok(0)
}
