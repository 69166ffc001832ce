//! `nsenter`: run a program in the namespaces of another process, a drop-in for util-linux 2.41's.
//!
//! * [`cli`]: getopt-compatible reading of argv (optional arguments attached, `+` stop at the
//!   first non-option, long-option prefixes) in front of the clap [`command`].
//! * [`plan`]: what the command line means, validated, without touching the system.
//! * [`cgroup`]: which cgroup directories `--join-cgroup` writes to, on every hierarchy.
//! * [`run`]: opens everything, enters, forks for a PID namespace, execs.
//! * [`sys`]: the few raw system calls (the only `unsafe`).
//!
//! Newer than Debian's 2.38: `-N/--net-socket`, `--user-parent`, `--keep-caps`, `-e/--env`,
//! `-c/--join-cgroup` (here on cgroup v1, hybrid and v2), `-S/-G follow`, `-W` without a
//! directory, `no target PID specified` / `no namespace specified`; `-Z` without SELinux is an
//! error instead of being silently ignored.

pub mod cgroup;
pub mod cli;
pub mod plan;
#[cfg(test)]
mod proptests;
pub mod run;
mod sys;

use std::ffi::OsString;

use common::Tool;

const TOOL: Tool = Tool::util_linux("nsenter");

/// The clap command (reused for man pages and completions).
pub fn command() -> clap::Command {
    cli::command()
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    common::run(&TOOL, || {
        let argv: Vec<OsString> = args.into_iter().collect();
        match cli::parse(&argv)? {
            cli::Parsed::Help => {
                print!("{}", cli::USAGE);
                Ok(0)
            }
            cli::Parsed::Version => {
                println!("{}", common::version_line("nsenter"));
                Ok(0)
            }
            cli::Parsed::Run(c) => {
                let plan = plan::plan(&c, run::selinux_enabled)?;
                run::execute(plan)
            }
        }
    })
}
