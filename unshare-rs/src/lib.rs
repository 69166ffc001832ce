//! `unshare`: run a program with some namespaces unshared from the parent (util-linux 2.41).
//!
//! * [`cli`]: what the user typed, read with getopt(3) semantics (`+` ordering, optional arguments
//!   only when attached, unambiguous long prefixes, clustered short options), validated option by
//!   option in command-line order exactly as util-linux's `switch` does.
//! * [`plan`]: pure decisions (ID map lines, subordinate ID lookups, cross-option checks).
//! * [`sys`]: the only module with `unsafe`, `libc` and `nix`.
//! * [`run`]: performs the plan in util-linux's order of operations.
//!
//! The option table lives in one place, [`command`]: the getopt tokenizer reads the long names,
//! short letters and argument kinds from it, and man pages and completions are generated from it.

pub mod cli;
pub mod plan;
#[cfg(test)]
mod proptests;
pub mod run;
pub mod sys;

use std::ffi::OsString;
use std::io::Write;

use clap::{Arg, ArgAction, Command};
use common::{Tool, ToolError};

const TOOL: Tool = Tool::util_linux("unshare");

fn flag(id: &'static str, help: &'static str) -> Arg {
    Arg::new(id).long(id).action(ArgAction::SetTrue).help(help)
}

/// An option whose argument is optional and, as with getopt's `optional_argument`, only taken when
/// attached with `=`.
fn optional(id: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .value_name(value)
        .num_args(0..=1)
        .require_equals(true)
        .action(ArgAction::Append)
        .value_parser(clap::value_parser!(OsString))
        .help(help)
}

fn required(id: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id)
        .value_name(value)
        .num_args(1)
        .action(ArgAction::Append)
        .value_parser(clap::value_parser!(OsString))
        .help(help)
}

/// The clap command: every option of util-linux 2.41 `unshare` (plus 2.42's `--owner` and
/// `--forward-signals`), in util-linux's `longopts` order, which is also the order getopt lists
/// the possibilities of an ambiguous prefix in. Reused for man pages and completions.
pub fn command() -> Command {
    Command::new("unshare")
        .about("Run a program with some namespaces unshared from the parent.")
        .version(common::VERSION)
        .override_usage("unshare [options] [<program> [<argument>...]]")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .dont_delimit_trailing_values(true)
        .arg(flag("help", "display this help").short('h'))
        .arg(flag("version", "display version").short('V'))
        .arg(optional("mount", "file", "unshare mounts namespace").short('m'))
        .arg(optional("uts", "file", "unshare UTS namespace (hostname etc)").short('u'))
        .arg(optional("ipc", "file", "unshare System V IPC namespace").short('i'))
        .arg(optional("net", "file", "unshare network namespace").short('n'))
        .arg(optional("pid", "file", "unshare pid namespace").short('p'))
        .arg(optional("user", "file", "unshare user namespace").short('U'))
        .arg(optional("cgroup", "file", "unshare cgroup namespace").short('C'))
        .arg(optional("time", "file", "unshare time namespace").short('T'))
        .arg(flag("fork", "fork before launching <program>").short('f'))
        .arg(optional(
            "kill-child",
            "signame",
            "when dying, kill the forked child (implies --fork); defaults to SIGKILL",
        ))
        .arg(flag(
            "forward-signals",
            "forward SIGINT and SIGTERM to the forked child (implies --fork)",
        ))
        .arg(optional(
            "mount-proc",
            "dir",
            "mount proc filesystem first (implies --mount)",
        ))
        .arg(optional(
            "mount-binfmt",
            "dir",
            "mount binfmt filesystem first (implies --user and --mount)",
        ))
        .arg(required(
            "map-user",
            "uid|name",
            "map current user to uid (implies --user)",
        ))
        .arg(required(
            "map-users",
            "inneruid:outeruid:count",
            "map count users from outeruid to inneruid (implies --user); also auto, subids, all",
        ))
        .arg(required(
            "map-group",
            "gid|name",
            "map current group to gid (implies --user)",
        ))
        .arg(required(
            "map-groups",
            "innergid:outergid:count",
            "map count groups from outergid to innergid (implies --user); also auto, subids, all",
        ))
        .arg(flag("map-root-user", "map current user to root (implies --user)").short('r'))
        .arg(
            flag(
                "map-current-user",
                "map current user to itself (implies --user)",
            )
            .short('c'),
        )
        .arg(flag(
            "map-auto",
            "map users and groups automatically (implies --user)",
        ))
        .arg(flag(
            "map-subids",
            "map users and groups based on current user's subids (implies --user)",
        ))
        .arg(required(
            "owner",
            "uid:gid",
            "set the owner of the user namespace (implies --user)",
        ))
        .arg(required(
            "propagation",
            "slave|shared|private|unchanged",
            "modify mount propagation in mount namespace",
        ))
        .arg(required(
            "setgroups",
            "allow|deny",
            "control the setgroups syscall in user namespaces",
        ))
        .arg(flag(
            "keep-caps",
            "retain capabilities granted in user namespaces",
        ))
        .arg(required("setuid", "uid", "set uid in entered namespace").short('S'))
        .arg(required("setgid", "gid", "set gid in entered namespace").short('G'))
        .arg(
            required(
                "root",
                "dir",
                "run the command with root directory set to <dir>",
            )
            .short('R'),
        )
        .arg(required("wd", "dir", "change working directory to <dir>").short('w'))
        .arg(required(
            "monotonic",
            "offset",
            "set clock monotonic offset (seconds) in time namespaces",
        ))
        .arg(required(
            "boottime",
            "offset",
            "set clock boottime offset (seconds) in time namespaces",
        ))
        .arg(
            required(
                "load-interp",
                "string",
                "load binfmt definition in the namespace (implies --mount-binfmt)",
            )
            .short('l'),
        )
        .arg(
            Arg::new("program")
                .value_name("program")
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString))
                .help("the program to run (default: $SHELL as a login shell) and its arguments"),
        )
}

/// `unshare --help`, worded and laid out as util-linux 2.41 prints it (with 2.42's additions).
pub const USAGE: &str = "
Usage:
 unshare [options] [<program> [<argument>...]]

Run a program with some namespaces unshared from the parent.

Options:
 -m, --mount[=<file>]      unshare mounts namespace
 -u, --uts[=<file>]        unshare UTS namespace (hostname etc)
 -i, --ipc[=<file>]        unshare System V IPC namespace
 -n, --net[=<file>]        unshare network namespace
 -p, --pid[=<file>]        unshare pid namespace
 -U, --user[=<file>]       unshare user namespace
 -C, --cgroup[=<file>]     unshare cgroup namespace
 -T, --time[=<file>]       unshare time namespace

 -f, --fork                fork before launching <program>
 --map-user=<uid>|<name>   map current user to uid (implies --user)
 --map-group=<gid>|<name>  map current group to gid (implies --user)
 -r, --map-root-user       map current user to root (implies --user)
 -c, --map-current-user    map current user to itself (implies --user)
 --map-auto                map users and groups automatically (implies --user)
 --map-users=<inneruid>:<outeruid>:<count>
                           map count users from outeruid to inneruid (implies --user)
 --map-groups=<innergid>:<outergid>:<count>
                           map count groups from outergid to innergid (implies --user)
 --map-subids              map users and groups based on current user's subids (implies --user)
 --owner=<uid>:<gid>       set the owner of the user namespace (implies --user)

 --kill-child[=<signame>]  when dying, kill the forked child (implies --fork)
                             defaults to SIGKILL
 --forward-signals         forward SIGINT and SIGTERM to the forked child (implies --fork)
 --mount-proc[=<dir>]      mount proc filesystem first (implies --mount)
 --mount-binfmt[=<dir>]    mount binfmt filesystem first (implies --user and --mount)
 -l, --load-interp=<string> load binfmt definition in the namespace (implies --mount-binfmt)
 --propagation slave|shared|private|unchanged
                           modify mount propagation in mount namespace
 --setgroups allow|deny    control the setgroups syscall in user namespaces
 --keep-caps               retain capabilities granted in user namespaces

 -R, --root=<dir>          run the command with root directory set to <dir>
 -w, --wd=<dir>            change working directory to <dir>
 -S, --setuid <uid>        set uid in entered namespace
 -G, --setgid <gid>        set gid in entered namespace
 --monotonic <offset>      set clock monotonic offset (seconds) in time namespaces
 --boottime <offset>       set clock boottime offset (seconds) in time namespaces

 -h, --help                display this help
 -V, --version             display version

For more details see unshare(1).
";

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    let argv: Vec<OsString> = args.into_iter().collect();
    common::run(&TOOL, || {
        let parsed = match cli::parse(&argv) {
            Ok(p) => p,
            Err(cli::CliError::Getopt(e)) => {
                // glibc's getopt names the program as it was invoked (argv[0] verbatim).
                let argv0 = argv
                    .first()
                    .map(|a| a.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "unshare".into());
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{argv0}: {e}");
                let _ = writeln!(err, "Try 'unshare --help' for more information.");
                return Err(ToolError::Exit(1).into());
            }
            Err(cli::CliError::Invalid(message)) => {
                return Err(ToolError::failed(1, message).into())
            }
        };
        match parsed {
            // Written with `?` rather than print!, so a closed pipe ends quietly instead of
            // panicking.
            cli::Parsed::Help => {
                (std::io::stdout().lock().write_all(USAGE.as_bytes()))
                    .map_err(common::write_error)?;
                Ok(0)
            }
            cli::Parsed::Version => {
                let line = common::version_line("unshare");
                writeln!(std::io::stdout().lock(), "{line}").map_err(common::write_error)?;
                Ok(0)
            }
            cli::Parsed::Run(cli) => {
                let plan = plan::Plan::from_cli(*cli, &plan::Host::current())?;
                run::execute(&plan)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_lists_every_option_of_the_command() {
        for arg in command().get_arguments().filter(|a| !a.is_positional()) {
            let long = format!("--{}", arg.get_long().unwrap_or_default());
            assert!(USAGE.contains(&long), "--help lacks {long}");
            if let Some(s) = arg.get_short() {
                assert!(
                    USAGE.contains(&format!("-{s}, {long}")),
                    "--help lacks -{s}"
                );
            }
        }
    }

    #[test]
    fn command_is_valid() {
        command().debug_assert();
    }
}
