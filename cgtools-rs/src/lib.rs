//! libcgroup's command-line tools (`cgcreate cgexec cgdelete cgset cgget cgclassify lscgroup
//! lssubsys`, options of libcgroup 3.x) on cgroup v1, hybrid and v2 hosts.
//!
//! * `layout`: the hierarchies, from `/proc/self/mountinfo` (roots are parameters).
//! * `path`: group paths that cannot escape their hierarchy; knobs opened without creating.
//! * `spec`: `-g ctrls:path`, owners and modes as libcgroup parses them.
//! * `group`: create (owners, modes, v2 `subtree_control`), delete, attach, list.
//! * `names`: v1 <-> v2 setting names and values for cgset/cgget.
//! * `rules`: `/etc/cgrules.conf` placement for cgexec/cgclassify without `-g`.
//! * `error`: libcgroup's error numbers, texts and exit codes, and `Failure`, the one way a tool
//!   reports a failure (its status and libcgroup's words), printed in one place.
//! * `getopt`: each tool's options declared once, read with `common::getopt` as libcgroup does.
//! * `cglog`: `CGROUP_LOGLEVEL` (libcgroup's DEBUG/INFO/WARNING/ERROR) for every tool.
//! * `systemd`: libcgroup 3.1's systemd scopes (`cgcreate -c -p -S`), the default slice/scope and
//!   `-b`, the idle process and `-r`.
//! * `sys`: the few raw system calls (pidfd, process name).
//! * `tools`: one module per tool, each with its public `command_<tool>()`, and each read as
//!   cli (typed arguments) -> plan (pure, over the layout and host facts read beforehand, the
//!   cgrules' groups and the subjects' user and group names among them; unit tested on
//!   fixtures) -> run.
//!
//! Only [`main`], [`main_at`], [`Roots`], [`commands`], [`command`] and the `command_<tool>()`
//! functions are public; everything else is `pub(crate)`, so the compiler reports dead code.
//!
//! Tests run the tools on a fixture tree through [`main_at`] (the roots are an argument of a
//! library call); the shipped binaries call [`main`], which always reads the real `/proc` and `/`.
//!
//! Environment: `CGROUP_LOGLEVEL` as libcgroup (`cglog`); `NSTOOLS_LOG` (env_logger) too.

pub(crate) mod cglog;
pub(crate) mod error;
pub(crate) mod getopt;
pub(crate) mod group;
pub(crate) mod layout;
pub(crate) mod names;
pub(crate) mod path;
#[cfg(test)]
mod proptests;
pub(crate) mod rules;
pub(crate) mod spec;
pub(crate) mod sys;
pub(crate) mod systemd;
pub(crate) mod tools;

use std::ffi::OsString;

use common::println;
use common::Tool;

pub use layout::Roots;

pub use tools::cgclassify::command_cgclassify;
pub use tools::cgcreate::command_cgcreate;
pub use tools::cgdelete::command_cgdelete;
pub use tools::cgexec::command_cgexec;
pub use tools::cgget::command_cgget;
pub use tools::cgset::command_cgset;
pub use tools::lscgroup::command_lscgroup;
pub use tools::lssubsys::command_lssubsys;

/// The tools this crate builds, with their clap commands (man pages, completions).
///
/// `-V`/`--version` is added here rather than in the parsing commands: libcgroup's tools have no
/// such option, so `main` answers it only as the sole argument, before parsing.
pub fn commands() -> Vec<clap::Command> {
    [
        command_cgcreate(),
        command_cgexec(),
        command_cgdelete(),
        command_cgset(),
        command_cgget(),
        command_cgclassify(),
        command_lscgroup(),
        command_lssubsys(),
    ]
    .into_iter()
    .map(|cmd| {
        cmd.arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .help("Print the nstools version and exit")
                .action(clap::ArgAction::SetTrue),
        )
    })
    .collect()
}

/// The clap command of `tool`, if it is one of ours.
pub fn command(tool: &str) -> Option<clap::Command> {
    commands().into_iter().find(|c| c.get_name() == tool)
}

/// Entry point shared by the `src/bin/*.rs` mains: `tool` is the program name.
pub fn main(tool: &'static str, args: impl IntoIterator<Item = OsString>) -> u8 {
    main_at(tool, args, Roots::default())
}

/// [`main`] reading `/proc` and the mount points under `roots` (a fixture tree in tests). Only
/// the tests call it: no shipped binary takes the roots from its environment or arguments.
pub fn main_at(tool: &'static str, args: impl IntoIterator<Item = OsString>, roots: Roots) -> u8 {
    tools::set_roots(roots);
    let args: Vec<OsString> = args.into_iter().collect();
    // cgcreate's idle process for a systemd scope is this program again, under libcgroup's name.
    if args.len() == 1 && args[0] == systemd::IDLE_NAME {
        systemd::idle_forever();
    }
    // libcgroup prefixes messages with argv[0] as typed.
    let prog: &'static str = Box::leak(
        args.first()
            .map(|a| a.to_string_lossy().into_owned())
            .unwrap_or_else(|| tool.to_string())
            .into_boxed_str(),
    );
    let t = Tool {
        name: prog,
        usage_exit: tools::EXIT_BADARGS,
        usage_hint: false,
        io: common::IoPolicy::Libcgroup,
    };
    common::run(&t, || {
        if args.get(1).is_some_and(|a| a == "--version" || a == "-V") {
            println!("{}", common::version_line(tool));
            return Ok(0);
        }
        let run = match tool {
            "cgcreate" => tools::cgcreate::run_cgcreate,
            "cgexec" => tools::cgexec::run_cgexec,
            "cgdelete" => tools::cgdelete::run_cgdelete,
            "cgset" => tools::cgset::run_cgset,
            "cgget" => tools::cgget::run_cgget,
            "cgclassify" => tools::cgclassify::run_cgclassify,
            "lscgroup" => tools::lscgroup::run_lscgroup,
            "lssubsys" => tools::lssubsys::run_lssubsys,
            other => anyhow::bail!("unknown tool {other}"),
        };
        // The one place a failed run is printed; its status is the exit status.
        run(prog, &args).map_err(|failure| {
            failure.print(prog);
            common::ToolError::Exit(failure.status).into()
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tool_has_a_complete_command() {
        let cmds = super::commands();
        assert_eq!(cmds.len(), 8);
        for c in cmds {
            c.clone().debug_assert();
            assert!(c.get_about().is_some(), "{} has no about", c.get_name());
            for a in c.get_arguments() {
                assert!(
                    a.get_help().is_some(),
                    "{} {} has no help",
                    c.get_name(),
                    a.get_id()
                );
            }
        }
        assert!(super::command("cgexec").is_some());
        assert!(super::command("nope").is_none());
    }
}
