//! `nsenter`: run a program in the namespaces of another process, a drop-in for util-linux 2.41's.
//!
//! * [`cli`]: each option declared once (getopt row, clap argument, `--help` line); argv read with
//!   [`common::getopt`] (optional arguments attached, `+` stop at the first non-option,
//!   long-option prefixes). The clap [`command`] is built from the declarations, for man pages and
//!   completions.
//! * [`plan`]: what the options mean, read in argv order as util-linux reads them, without
//!   touching the system.
//! * [`cgroup`]: which cgroup directories `--join-cgroup` writes to, on every hierarchy.
//! * [`run`]: opens everything, enters, forks for a PID namespace, execs.
//! * [`sys`]: the system calls std and nix do not wrap (the only `unsafe`); `run` makes the others
//!   through std and nix.
//!
//! Where we differ from util-linux 2.41 on purpose (README, Compatibility): `-c/--join-cgroup`
//! joins the target's group on every hierarchy (util-linux: cgroup v2 hosts only), and
//! `--version` names nstools.

mod cgroup;
mod cli;
mod plan;
#[cfg(test)]
mod proptests;
mod run;
mod sys;

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use common::Tool;
use common::{print, println};

const TOOL: Tool = Tool::util_linux("nsenter");

/// The clap command (reused for man pages and completions).
pub fn command() -> clap::Command {
    cli::command()
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    common::run(&TOOL, || {
        let argv: Vec<OsString> = args.into_iter().collect();
        let plan = plan::plan(cli::read(&argv));
        let mut opened = run::Opened::default();
        opened.open_argv_files(&plan.argv_opens)?;
        match plan.then {
            plan::Then::Help => {
                print!("{}", cli::usage());
                Ok(0)
            }
            plan::Then::Version => {
                println!("{}", common::version_line("nsenter"));
                Ok(0)
            }
            plan::Then::Fail(e) => Err(e.into()),
            plan::Then::Usage(getopt) => {
                // glibc prints getopt's message after argv[0] as given, byte for byte (a
                // non-UTF-8 option as typed); util-linux's hint names the program.
                let arg0 = argv.first().map_or(&b"nsenter"[..], |a| a.as_bytes());
                let text = [
                    arg0,
                    b": ",
                    getopt.0.as_slice(),
                    b"\nTry 'nsenter --help' for more information.\n",
                ]
                .concat();
                let _ = common::stdio::stderr().write_all(&text);
                Err(common::ToolError::Exit(1).into())
            }
            plan::Then::Run(settings) => run::execute(*settings, opened),
        }
    })
}
