//! The eight tools. Each has `command_<tool>()` (its clap `Command`, reused for man pages and
//! completions) and `run_<tool>(prog, args)`, where `prog` is `argv[0]` as typed: libcgroup prefixes
//! its messages and usage lines with `argv[0]`, and so do we.

pub mod cgclassify;
pub mod cgcreate;
pub mod cgdelete;
pub mod cgexec;
pub mod cgget;
pub mod cgset;
pub mod lscgroup;
pub mod lssubsys;

use std::ffi::OsString;
use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};
use common::cli::{from_clap, ClapOutcome};
use common::ToolError;

use crate::error::{CgError, Ecg};
use crate::layout::{Layout, Roots};

/// libcgroup 3.1+'s `EXIT_BADARGS`.
pub const EXIT_BADARGS: u8 = 129;

/// The skeleton shared by every tool: no clap help/version (libcgroup's `-h` text is ours to
/// print), getopt-like repeated options and unambiguous long-option prefixes.
pub(crate) fn base(name: &'static str, about: &'static str) -> Command {
    Command::new(name)
        .about(about)
        .version(common::VERSION)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .infer_long_args(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::SetTrue)
                .help("Display this help"),
        )
}

/// `-g <controllers>:<path>`, repeatable.
pub(crate) fn group_arg(help: &'static str) -> Arg {
    Arg::new("group")
        .short('g')
        .value_name("controllers>:<path")
        .action(ArgAction::Append)
        .help(help)
}

/// `-s`/`--sticky` of cgexec and cgclassify (a no-op without the cgred daemon).
pub(crate) fn sticky_arg() -> Arg {
    Arg::new("sticky")
        .short('s')
        .long("sticky")
        .action(ArgAction::SetTrue)
        .help("cgred daemon does not change pidlist and children tasks")
}

/// `-b` (libcgroup 3.1 `WITH_SYSTEMD`): ignore the default slice/scope recorded by `cgcreate -S`.
pub(crate) fn ignore_default_arg() -> Arg {
    Arg::new("ignore-default")
        .short('b')
        .action(ArgAction::SetTrue)
        .help("Ignore default systemd delegate hierarchy")
}

/// `-r` of cgexec and cgclassify: replace the scope's idle process.
pub(crate) fn replace_idle_arg(help: &'static str) -> Arg {
    Arg::new("replace-idle")
        .short('r')
        .action(ArgAction::SetTrue)
        .help(help)
}

/// The systemd default slice/scope paths are relative to (`None` with `-b` or without one).
pub(crate) fn default_base(m: &ArgMatches, layout: &Layout) -> Option<String> {
    if m.get_flag("ignore-default") {
        crate::cg_debug!("-b: ignoring the systemd default cgroup");
        return None;
    }
    crate::systemd::read_default(roots(), layout)
}

/// The usage-error line every libcgroup tool prints, exit 129.
pub(crate) fn bad_args(prog: &str, help_flag: &str) -> anyhow::Error {
    eprintln!("Wrong input parameters, try {prog} {help_flag} for more information.");
    ToolError::Exit(EXIT_BADARGS).into()
}

/// Parse `args` with `cmd`; getopt's own message (`PROG: invalid option -- 'z'`) comes first on a
/// usage error. `Ok(None)` means `-h` was handled (help printed).
pub(crate) fn parse(
    cmd: Command,
    prog: &str,
    args: &[OsString],
    help_flag: &str,
    help: &str,
) -> anyhow::Result<Option<ArgMatches>> {
    let args = &as_text(&cmd, args);
    match cmd.try_get_matches_from(args) {
        Ok(m) => {
            if m.get_flag("help") {
                print!("{}", help.replace("{prog}", prog));
                return Ok(None);
            }
            Ok(Some(m))
        }
        Err(err) => {
            if let ClapOutcome::Usage(ToolError::Usage(msg)) = from_clap(err, args) {
                if !msg.is_empty() {
                    eprintln!("{prog}: {msg}");
                }
            }
            Err(bad_args(prog, help_flag))
        }
    }
}

/// argv as clap must see it. getopt takes any bytes and libcgroup shows them in its messages
/// (`cannot find controller '\xff'`), where clap refuses a non-UTF-8 `String` value with a message
/// of its own (`invalid UTF-8 was detected`). So every argument clap reads as text is given as
/// (lossy) text; only a command to run keeps its bytes: cgexec's, after the `--` that
/// [`cgexec::stop_at_command`] puts before it.
pub(crate) fn as_text(cmd: &Command, args: &[OsString]) -> Vec<OsString> {
    let keeps_bytes = cmd
        .get_positionals()
        .any(|a| a.get_value_parser().type_id() == std::any::TypeId::of::<OsString>());
    let text_end = match keeps_bytes {
        true => args.iter().position(|a| a == "--").unwrap_or(args.len()),
        false => args.len(),
    };
    args.iter()
        .enumerate()
        .map(|(i, a)| match i < text_end {
            true => a.to_string_lossy().into_owned().into(),
            false => a.clone(),
        })
        .collect()
}

/// All values of a repeatable option, in command-line order.
pub(crate) fn values(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

/// Test hook: `NSTOOLS_CGROUP_FIXTURE=DIR` reads `DIR/proc/self/mountinfo`, `DIR/proc/cgroups`
/// and the mount points under `DIR`, so the tools run end to end on a fixture tree (a cgroup v2
/// layout on a host that has none). Ignored when running with other privileges than the
/// caller's (a setuid/setgid install), so it can never redirect a privileged write.
///
/// Worked out once per process: several steps of one run need it (layout, rules, default scope).
pub(crate) fn roots() -> &'static Roots {
    static ROOTS: std::sync::OnceLock<Roots> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let same_ids = nix::unistd::getuid() == nix::unistd::geteuid()
            && nix::unistd::getgid() == nix::unistd::getegid();
        match std::env::var_os("NSTOOLS_CGROUP_FIXTURE") {
            Some(dir) if same_ids && !dir.is_empty() => {
                let dir = std::path::PathBuf::from(dir);
                Roots {
                    proc: dir.join("proc"),
                    fs: dir,
                }
            }
            _ => Roots::default(),
        }
    })
}

/// The machine's layout; no cgroup filesystem at all is libcgroup's initialization failure.
pub(crate) fn layout(prog: &str) -> anyhow::Result<Layout> {
    let layout = Layout::load_from(roots()).unwrap_or_default();
    for h in &layout.hierarchies {
        crate::cg_debug!(
            "found {} (cgroup v{}) mounted at {}",
            match h.label() {
                l if l.is_empty() => "cgroup2".to_string(),
                l => l,
            },
            h.version.number(),
            h.mount().display()
        );
    }
    if layout.is_empty() {
        let e = CgError::new(Ecg::NotMounted);
        eprintln!("{prog}: libcgroup initialization failed: {e}");
        return Err(ToolError::Exit(e.exit()).into());
    }
    Ok(layout)
}

/// Print and flush stdout in one go (a closed pipe is a quiet end, any other failure a `write
/// error` as in the other tools).
pub(crate) fn out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(common::write_error)
}
