//! `ps`: procps-ng's ps (4.0.4), byte for byte, reading only the /proc files it needs.
//!
//! * `cli`: procps's option grammar (BSD, UNIX and GNU options, the two-pass fallback), which
//!   resolves the command line into a `cli::Plan`: pure, table-tested.
//! * `spec`: the one static table of format specifiers, one row per column.
//! * `print`: the printers (procps `pr_*`), one static each, with what it reads from /proc.
//! * `item`: the items procps fetches (`PIDS_*`), one static each: what it needs, its sort
//!   value.
//! * `proc`: reading /proc (root injectable), skipping processes that vanish.
//! * `output`: line layout (widths, padding, truncation), escaping, terminal names.
//! * `run`: selection, sorting, forest and thread display.
//! * `sys`: the libc look-ups (users, terminal size, local time).
//!
//! Beyond procps: `-o nspid` (the PID inside the process's own PID namespace, from NSpid in
//! /proc/PID/status). Large scans read /proc on up to four threads.

mod cli;
mod item;
mod output;
mod print;
mod proc;
#[cfg(test)]
mod proptests;
mod run;
mod spec;
mod sys;

use common::println;
use std::ffi::OsString;
use std::io::Write;

/// The clap command, for man pages and completions. ps's own grammar (BSD options without a
/// dash, the two-pass fallback) is parsed by `cli::parse`, not by clap.
pub fn command() -> clap::Command {
    use clap::{Arg, ArgAction};
    let flag = |id: &'static str, short: char, help: &'static str| {
        Arg::new(id)
            .short(short)
            .action(ArgAction::Count)
            .help(help)
    };
    let list = |id: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .value_name("LIST")
            .action(ArgAction::Append)
            .help(help)
    };
    clap::Command::new("ps")
        .version(common::VERSION)
        .about("report a snapshot of the current processes")
        .override_usage("ps [options]")
        .disable_version_flag(true)
        .disable_help_flag(true)
        .after_help(
            "BSD options are given without a dash (ps aux, ps axjf); UNIX options with one \
             (ps -ef); GNU options with two (ps --forest). See ps --help all and ps(1).",
        )
        .arg(flag("all", 'e', "all processes (same as -A)"))
        .arg(flag("All", 'A', "all processes"))
        .arg(flag("tty-all", 'a', "all with tty, except session leaders"))
        .arg(flag("no-leaders", 'd', "all except session leaders"))
        .arg(
            Arg::new("deselect")
                .short('N')
                .long("deselect")
                .action(ArgAction::SetTrue)
                .help("negate selection"),
        )
        .arg(
            Arg::new("command")
                .short('C')
                .value_name("CMD")
                .help("select by command name"),
        )
        .arg(list("Group", "select by real group id or name").short('G'))
        .arg(list("group", "select by session or effective group name").short('g'))
        .arg(list("pid", "select by process id").short('p'))
        .arg(list("ppid", "select by parent process id"))
        .arg(list("quick-pid", "select by process id (quick mode)").short('q'))
        .arg(list("sid", "select by session id").short('s'))
        .arg(list("tty", "select by terminal").short('t'))
        .arg(list("user", "select by effective user id or name").short('u'))
        .arg(list("User", "select by real user id or name").short('U'))
        .arg(
            Arg::new("format")
                .short('o')
                .long("format")
                .value_name("FORMAT")
                .action(ArgAction::Append)
                .help("user-defined format (spec, spec=HEADER, spec:WIDTH); -o nspid shows the PID inside the process's own PID namespace"),
        )
        .arg(
            Arg::new("preloaded")
                .short('O')
                .value_name("FORMAT")
                .help("preloaded format: pid,FORMAT,state,tname,time,command"),
        )
        .arg(
            Arg::new("date-format")
                .short('D')
                .long("date-format")
                .value_name("FORMAT")
                .help("date format for lstart (strftime)"),
        )
        .arg(flag("full", 'f', "full-format, including command lines"))
        .arg(flag("extra-full", 'F', "extra full format"))
        .arg(flag("long", 'l', "long format"))
        .arg(flag("jobs", 'j', "jobs format"))
        .arg(flag("y", 'y', "do not show flags; show rss vs. addr (used with -l)"))
        .arg(flag("class", 'c', "show scheduling class with -l option"))
        .arg(flag("label", 'M', "add security data (for SELinux)"))
        .arg(flag("psr", 'P', "add psr column"))
        .arg(flag("hierarchy", 'H', "show process hierarchy"))
        .arg(flag("lwp", 'L', "show threads, possibly with LWP and NLWP columns"))
        .arg(flag("spid", 'T', "show threads, possibly with SPID column"))
        .arg(flag("threads-after", 'm', "show threads after processes"))
        .arg(flag("wide", 'w', "unlimited output width (twice)"))
        .arg(Arg::new("context").long("context").action(ArgAction::SetTrue).help("display security context (for SELinux)"))
        .arg(Arg::new("forest").long("forest").action(ArgAction::SetTrue).help("ASCII art process tree"))
        .arg(Arg::new("cumulative").long("cumulative").action(ArgAction::SetTrue).help("include some dead child process data"))
        .arg(Arg::new("headers").long("headers").action(ArgAction::SetTrue).help("repeat header lines, one per page"))
        .arg(Arg::new("no-headers").long("no-headers").action(ArgAction::SetTrue).help("do not print header at all"))
        .arg(Arg::new("cols").long("cols").visible_aliases(["columns", "width"]).value_name("NUM").help("set screen width"))
        .arg(Arg::new("rows").long("rows").visible_alias("lines").value_name("NUM").help("set screen height"))
        .arg(Arg::new("sort").long("sort").value_name("SPEC").help("specify sort order ([+|-]key[,...])"))
        .arg(Arg::new("signames").long("signames").action(ArgAction::SetTrue).help("display signal masks using signal names"))
        .arg(Arg::new("info").long("info").action(ArgAction::SetTrue).help("display debugging information"))
        .arg(
            Arg::new("help")
                .long("help")
                .value_name("SECTION")
                .num_args(0..=1)
                .help("display help: simple, list, output, threads, misc or all"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::SetTrue)
                .help("display version information and exit"),
        )
}

const HELP_DEFAULT: &str = include_str!("help/help_default.txt");

fn help_text(section: Option<&str>) -> &'static str {
    match section {
        Some("simple") | Some("s") => include_str!("help/help_simple.txt"),
        Some("list") | Some("l") => include_str!("help/help_list.txt"),
        Some("output") | Some("o") => include_str!("help/help_output.txt"),
        Some("threads") | Some("t") => include_str!("help/help_threads.txt"),
        Some("misc") | Some("m") => include_str!("help/help_misc.txt"),
        Some("all") | Some("a") => include_str!("help/help_all.txt"),
        _ => HELP_DEFAULT,
    }
}

/// How ps reports: procps's ways of ending on a failed write (`common::stdio`).
const TOOL: common::Tool = common::Tool {
    io: common::IoPolicy::Procps,
    ..common::Tool::util_linux("ps")
};

/// The parser's look-ups, answered by the system ([`sys`]).
struct SysLookup;

impl cli::Lookup for SysLookup {
    fn uid_by_name(&self, name: &str) -> Option<u32> {
        sys::uid_by_name(name)
    }
    fn gid_by_name(&self, name: &str) -> Option<u32> {
        sys::gid_by_name(name)
    }
    fn stat_rdev(&self, path: &str) -> Option<(bool, u64)> {
        sys::stat_rdev(path)
    }
}

/// Entry point used by `main.rs`.
pub fn main(args: impl IntoIterator<Item = OsString>) -> u8 {
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    // glibc's `program_invocation_name`, as typed: procps's internal-error lines start with it.
    let invoked_as = args.next().unwrap_or_else(|| "ps".into());
    let args: Vec<String> = args.collect();
    common::stdio::with_policy(TOOL.name, TOOL.io, || run_main(&invoked_as, &args))
}

fn run_main(invoked_as: &str, args: &[String]) -> u8 {
    let env = cli::Env {
        winsize: sys::winsize(),
        stdout_is_tty: sys::stdout_is_tty(),
        columns: std::env::var("COLUMNS").ok(),
        lines: std::env::var("LINES").ok(),
        ps_format: std::env::var("PS_FORMAT").ok(),
        personality: std::env::var("PS_PERSONALITY").ok(),
        cmd_env: std::env::var("CMD_ENV").ok(),
        broken_ps: std::env::var_os("I_WANT_A_BROKEN_PS").is_some(),
        xpg: std::env::var("_XPG").ok(),
        cached_tty: run::self_tty("/proc"),
        pid_length: std::fs::read_to_string("/proc/sys/kernel/pid_max")
            .map(|s| s.trim_end_matches('\n').len())
            .unwrap_or(5),
    };
    let mut stderr = common::stdio::stderr();
    match cli::parse(args, &env, &SysLookup) {
        cli::Action::Help(section) => {
            let _ = common::stdio::stdout().write_all(help_text(section.as_deref()).as_bytes());
            0
        }
        cli::Action::Version => {
            println!("{}", common::version_line("ps"));
            0
        }
        cli::Action::List => {
            let _ = common::stdio::stdout().write_all(spec::listing().as_bytes());
            0
        }
        cli::Action::Info => {
            let _ = writeln!(
                stderr,
                "ps from nstools {}\nscreen_cols={:?}\npersonality=(linux default)",
                common::VERSION,
                env.winsize
            );
            0
        }
        cli::Action::Error(msg, warnings) => {
            for w in warnings {
                let _ = writeln!(stderr, "{w}");
            }
            let _ = write!(stderr, "error: {msg}\n{HELP_DEFAULT}");
            1
        }
        cli::Action::Failure(place_and_message) => {
            let _ = writeln!(stderr, "{invoked_as}:{place_and_message}");
            1
        }
        cli::Action::Run(plan) => {
            for w in &plan.warnings {
                let _ = writeln!(stderr, "{w}");
            }
            if let Err(msg) = run::check_conflicts(&plan) {
                let _ = writeln!(stderr, "{msg}");
                return 1;
            }
            run::run(&plan, "/proc")
        }
    }
}
