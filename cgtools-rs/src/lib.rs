//! libcgroup's command-line tools: placeholder until they land.

use std::ffi::OsString;
use std::process::ExitCode;

use common::{Tool, ToolError};

/// The clap command of the libcgroup tool `tool_name` (`cgcreate`, `cgexec`, ...), reused for man
/// pages and completions. Placeholder: only `--version` until the tools land.
pub fn command(tool_name: &str) -> clap::Command {
    // clap's `Command::new` wants a `&'static str` without its "string" feature.
    let name: &'static str = Box::leak(tool_name.to_string().into_boxed_str());
    clap::Command::new(name)
        .version(common::VERSION)
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .help("Print version information")
                .action(clap::ArgAction::SetTrue),
        )
}

/// Entry point shared by the `src/bin/*.rs` mains: `tool` is the program name.
pub fn main(tool: &'static str, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let t = Tool {
        name: tool,
        usage_exit: 129,
        usage_hint: false,
    };
    common::run(&t, || {
        let args: Vec<OsString> = args.into_iter().collect();
        if args.get(1).is_some_and(|a| a == "--version" || a == "-V") {
            println!("{}", common::version_line(tool));
            return Ok(0);
        }
        Err(ToolError::failed(1, "not implemented yet").into())
    })
}
