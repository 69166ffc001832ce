//! libcgroup's command-line tools: placeholder until they land.

use std::ffi::OsString;
use std::process::ExitCode;

use common::{Tool, ToolError};

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
