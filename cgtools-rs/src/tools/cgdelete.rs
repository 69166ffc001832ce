//! `cgdelete [-h] [-r] [[-g] <controllers>:<path>] ...`
//!
//! Each group is removed from every hierarchy it names; its tasks move to the parent first. A
//! failure is reported and the remaining groups are still processed; the exit status is the last
//! failure's. Paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`.

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};
use common::eprintln;
use common::ToolError;

use super::{
    bad_args, base, default_base, group_arg, ignore_default_arg, layout, parse, values,
    EXIT_BADARGS,
};
use crate::error::{CgError, Ecg};
use crate::group;
use crate::path;
use crate::spec::{parse_spec, resolve, Spec};

const HELP: &str = "\
Usage: {prog} [-h] [-r] [[-g] <controllers>:<path>] ...
Remove control group(s)
  -g <controllers>:<path>	Control group to be removed (-g is optional)
  -h, --help			Display this help
  -r, --recursive		Recursively remove all subgroups
  -b				Ignore default systemd delegate hierarchy
";

/// cgdelete's command line.
pub fn command_cgdelete() -> Command {
    base("cgdelete", "Remove control group(s)")
        .arg(
            Arg::new("recursive")
                .short('r')
                .long("recursive")
                .action(ArgAction::SetTrue)
                .help("Recursively remove all subgroups"),
        )
        .arg(group_arg("Control group to be removed (-g is optional)"))
        .arg(ignore_default_arg())
        .arg(
            Arg::new("groups")
                .value_name("controllers>:<path")
                .action(ArgAction::Append)
                .help("Control group to be removed"),
        )
}

pub fn run_cgdelete(prog: &str, args: &[OsString]) -> anyhow::Result<u8> {
    if args.len() < 2 {
        return Err(bad_args(prog, "--help"));
    }
    let Some(m) = parse(command_cgdelete(), prog, args, "--help", HELP)? else {
        return Ok(0);
    };
    let recursive = m.get_flag("recursive");
    // -g values and positional specs, each kind in its own order, as getopt hands them over
    // (options first, then the operands it permuted to the end).
    let mut specs: Vec<Spec> = Vec::new();
    for text in values(&m, "group").into_iter().chain(values(&m, "groups")) {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                eprintln!("{prog}: error parsing cgroup '{text}'");
                return Err(ToolError::Exit(EXIT_BADARGS).into());
            }
        }
    }
    let layout = layout(prog)?;
    let base_path = default_base(&m, &layout);
    let mut code = 0;
    for spec in &specs {
        let mut first_error: Option<CgError> = None;
        match resolve(&layout, &spec.controllers) {
            Err(e) => first_error = Some(e),
            Ok(targets) => {
                for t in &targets {
                    let rel = crate::systemd::under(base_path.as_deref(), &spec.path);
                    let result = path::join(t.hierarchy.mount(), &rel)
                        .map_err(|_| CgError::new(Ecg::Inval))
                        .and_then(|dir| group::delete(t.hierarchy, &dir, recursive));
                    if let Err(e) = result {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        if let Some(e) = first_error {
            eprintln!("{prog}: cannot remove group '{}': {e}", spec.path);
            code = e.exit();
        }
    }
    Ok(code)
}
