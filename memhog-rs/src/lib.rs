//! `memhog`: numactl's memory hog, and the narrating `memhog SIZE SECONDS` of the container
//! walkthrough, in one binary.
//!
//! * [`cli`]: numactl's hand-rolled argument scan (`-fFILE -rNUM -H size [policy [nodeset]]`) and
//!   numactl's size syntax (`memsize`, over C's `strtoul` from [`common::parse`]);
//! * [`plan`]: which of the two programs, the size, the policy and nodeset (pure, table-tested);
//! * [`sys`]: mmap, mbind, madvise (the only `unsafe`);
//! * [`run`]: fills the buffer with every core and prints what the original prints.

mod cli;
mod plan;
#[cfg(test)]
mod proptests;
mod run;
mod sys;

use std::ffi::OsString;

use clap::{Arg, ArgAction};
use common::{Tool, ToolError};

const TOOL: Tool = Tool {
    io: common::IoPolicy::Numactl,
    ..Tool::util_linux("memhog")
};

/// The clap command, describing every option for man pages and completions. memhog does not
/// parse with it: numactl's grammar (options only before the size, values attached, no `--help`)
/// is read by [`cli::parse`].
pub fn command() -> clap::Command {
    clap::Command::new("memhog")
        .version(common::VERSION)
        .about("Allocate memory and write every page of it, to put pressure on memory")
        .long_about(
            "Allocate SIZE bytes and write every page, printing a dot per 10 MiB and a newline per \
             pass (numactl's memhog), optionally under a NUMA memory policy. When the second \
             argument is an integer, behave as the container walkthrough's memhog instead: print \
             `allocating N bytes...`, `writing N bytes...`, `reading N bytes...` (the buffer is \
             read back and checked) and `sleeping for S seconds...`, then hold the memory for S \
             seconds.",
        )
        .override_usage("memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset] | seconds]")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("file")
                .short('f')
                .value_name("FILE")
                .help("Map FILE (shared) instead of anonymous memory; the value is attached: -fFILE"),
        )
        .arg(
            Arg::new("repeat")
                .short('r')
                .value_name("NUM")
                .help("Write the buffer NUM times (numactl format); attached: -rNUM"),
        )
        .arg(
            Arg::new("no-hugepages")
                .short('H')
                .action(ArgAction::SetTrue)
                .help("Disable transparent hugepages for the buffer (madvise MADV_NOHUGEPAGE)"),
        )
        .arg(
            Arg::new("version")
                .long("version")
                .action(ArgAction::SetTrue)
                .help("Print version information and exit"),
        )
        .arg(
            Arg::new("size")
                .value_name("size[kmg]")
                .help("Bytes to allocate: decimal, 0x hex or 0 octal, with an optional k, m or g suffix"),
        )
        .arg(
            Arg::new("policy")
                .value_name("policy|seconds")
                .help(
                    "NUMA policy: preferred-many, local, interleave, membind, preferred, default, \
                     weighted-interleave; or an integer: seconds to hold the memory (walkthrough format)",
                ),
        )
        .arg(
            Arg::new("nodeset")
                .value_name("nodeset")
                .help("Nodes for the policy: 0, 0-3, 0,2, !0, +1, all"),
        )
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    common::run(&TOOL, || {
        let cli = cli::parse(args);
        // Only a policy needs the system's NUMA facts; skip reading them otherwise.
        let numa = if cli.positionals.len() >= 2 {
            sys::numa_facts()
        } else {
            plan::NumaFacts::one_node()
        };
        let plan = plan::plan(&cli, &numa);
        match run::execute(&cli, &plan) {
            0 => Ok(0),
            code => Err(ToolError::Exit(code).into()),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_describes_every_option() {
        let cmd = super::command();
        cmd.clone().debug_assert();
        let shorts: Vec<char> = cmd.get_arguments().filter_map(|a| a.get_short()).collect();
        assert_eq!(shorts, ['f', 'r', 'H']);
        assert!(cmd.get_arguments().any(|a| a.get_long() == Some("version")));
    }
}
