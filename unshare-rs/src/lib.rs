//! `unshare`: run a program with some namespaces unshared from the parent (util-linux 2.41, plus
//! 2.42's `--owner` and `--forward-signals`).
//!
//! * `cli`: each option declared once (getopt row, clap argument, `--help` line); argv read with
//!   [`common::getopt`] and checked option by option in command-line order, as util-linux's loop
//!   does, into the typed command line.
//! * `plan`: pure decisions from the typed command line (ID map lines, subordinate ID lookups,
//!   propagation, directories, cross-option checks), with the host's facts injected.
//! * `run`: performs the plan in util-linux's order of operations, through `sys` and nix's safe
//!   wrappers.
//! * `sys`: the system calls made through `libc`, and the only module with `unsafe` (`libc`
//!   constants and nix's safe calls appear elsewhere too: the ids and user names `cli` and `plan`
//!   read).
//!
//! [`command`] is the clap command built from the option declarations, for man pages and
//! completions; an ordinary run never builds it.

mod cli;
mod plan;
#[cfg(test)]
mod proptests;
mod run;
mod sys;

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use common::{Tool, ToolError};

const TOOL: Tool = Tool::util_linux("unshare");

/// The clap command: every option of util-linux 2.41 `unshare` (plus 2.42's `--owner` and
/// `--forward-signals`), in util-linux's `longopts` order. Used for man pages and completions.
pub fn command() -> clap::Command {
    cli::command()
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    let argv: Vec<OsString> = args.into_iter().collect();
    common::run(&TOOL, || {
        let parsed = match cli::parse(&argv) {
            Err(cli::CliError::AfterMaps { maps, then }) => {
                plan::read_maps(&maps, &plan::Host::current())?;
                *then
            }
            parsed => parsed,
        };
        let parsed = match parsed {
            Ok(p) => p,
            Err(cli::CliError::Getopt(e)) => {
                // glibc's getopt names the program as it was invoked and the option as typed,
                // byte for byte (argv[0] and the option verbatim).
                let argv0 = argv.first().map(|a| a.as_bytes()).unwrap_or(b"unshare");
                let mut err = common::stdio::stderr();
                let _ = err.write_all(&[argv0, b": ", &e.to_bytes(), b"\n"].concat());
                let _ = writeln!(err, "Try 'unshare --help' for more information.");
                return Err(ToolError::Exit(1).into());
            }
            Err(cli::CliError::Invalid(message)) => {
                return Err(ToolError::failed(1, message).into())
            }
            Err(cli::CliError::AfterMaps { .. }) => {
                unreachable!("parse_with wraps its result once")
            }
        };
        match parsed {
            cli::Parsed::Help => {
                let _ = common::stdio::stdout().write_all(cli::usage().as_bytes());
                Ok(0)
            }
            cli::Parsed::Version => {
                let _ = writeln!(
                    common::stdio::stdout(),
                    "{}",
                    common::version_line("unshare")
                );
                Ok(0)
            }
            cli::Parsed::Run(cli) => {
                let plan = plan::Plan::new(*cli, &plan::Host::current())?;
                run::execute(&plan)
            }
        }
    })
}
