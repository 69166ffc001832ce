//! `nsenter`: placeholder until the tool lands; only `--version` and `--help` work.

use std::ffi::OsString;
use std::process::ExitCode;

use common::{Tool, ToolError};

const TOOL: Tool = Tool::util_linux("nsenter");

/// The clap command (reused for man pages and completions).
pub fn command() -> clap::Command {
    clap::Command::new("nsenter")
        .version(common::VERSION)
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::SetTrue),
        )
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    common::run(&TOOL, || {
        let matches = command()
            .try_get_matches_from(args)
            .map_err(|e| match e.kind() {
                clap::error::ErrorKind::DisplayHelp => ToolError::Exit(0),
                _ => ToolError::usage(e.to_string()),
            })?;
        if matches.get_flag("version") {
            println!("{}", common::version_line("nsenter"));
            return Ok(0);
        }
        Err(ToolError::failed(1, "not implemented yet").into())
    })
}
