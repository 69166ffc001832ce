//! `cgdelete [-h] [-r] [[-g] <controllers>:<path>] ...`
//!
//! Each group is removed from every hierarchy it names; its tasks move to the parent first. A
//! failure is reported and the remaining groups are still processed; the exit status is the last
//! failure's. Paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`.

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
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

/// cgdelete's command line (getopt `rhg:b`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgdelete",
    about: "Remove control group(s)",
    opts: &[
        Opt::flag("recursive", 'r', "Recursively remove all subgroups").long("recursive"),
        HELP_OPT,
        Opt {
            long: Some("group"),
            ..GROUP
        },
        IGNORE_DEFAULT,
    ],
    operands: Some(("controllers>:<path", "Control group to be removed")),
    stop_at_operand: false,
    help: HELP,
    try_help: "--help'",
};

pub fn command_cgdelete() -> Command {
    SYNTAX.command()
}

pub fn run_cgdelete(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
    };
    let recursive = m.flag("recursive");
    // -g values and positional specs, each kind in its own order, as getopt hands them over
    // (options first, then the operands it permuted to the end).
    let mut specs: Vec<Spec> = Vec::new();
    for text in m.values("group").into_iter().chain(m.operand_texts()) {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                // strtok has cut the text at its first colon.
                let shown = text.split(':').next().unwrap_or_default();
                return Err(Failure::prog(
                    EXIT_BADARGS,
                    format!("error parsing cgroup '{shown}'"),
                ));
            }
        }
    }
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    // An unknown controller ends the run before anything is deleted (3.1 deletes the groups of
    // the arguments before it first; README Compatibility). 3.1 adds the controllers of a group
    // it has not met yet by name, and `*` is no controller's name: `*:G` and `*,cpu:G` fail so,
    // while `cpu,*:G`, or `*:G` after `cpu:G`, join a group already built and pass.
    let unknown = specs.iter().enumerate().find_map(|(at, s)| {
        let met = specs[..at].iter().any(|earlier| earlier.path == s.path);
        match s.controllers.first() {
            Some(first) if first == "*" && !met => Some(first),
            _ => s
                .controllers
                .iter()
                .find(|c| c.as_str() != "*" && layout.find(c).is_none()),
        }
    });
    if let Some(c) = unknown {
        return Err(Failure::prog(
            Ecg::Fail.exit(),
            format!("controller {c} can't be added"),
        ));
    }
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
            let failure = Failure::prog(
                e.exit(),
                format!("cannot remove group '{}': {e}", spec.path),
            );
            failure.print(prog);
            code = failure.status;
        }
    }
    Ok(code)
}
