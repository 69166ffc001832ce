//! The eight tools. Each has `command_<tool>()` (its clap `Command`, reused for man pages and
//! completions) and `run_<tool>(prog, args)`, where `prog` is `argv[0]` as typed: libcgroup prefixes
//! its messages and usage lines with `argv[0]`, and so do we. A run returns its exit status or a
//! [`Failure`], which `lib.rs` prints.

pub mod cgclassify;
pub mod cgcreate;
pub mod cgdelete;
pub mod cgexec;
pub mod cgget;
pub mod cgset;
pub mod lscgroup;
pub mod lssubsys;

use std::ffi::OsString;

use common::print;

pub(crate) use crate::error::{CgError, Ecg, Failure, Words};
pub(crate) use crate::getopt::HELP as HELP_OPT;
use crate::getopt::{Matches, Opt, Syntax};
use crate::layout::{Layout, Roots};

pub(crate) use crate::error::EXIT_BADARGS;

/// `-g <controllers>:<path>`, repeatable.
pub(crate) const GROUP: Opt =
    Opt::flag("group", 'g', "Control group (`*` = all controllers)").value("controllers>:<path");

/// `--sticky` of cgexec and cgclassify (a no-op without the cgred daemon).
pub(crate) const STICKY: Opt = Opt::flag(
    "sticky",
    's',
    "cgred daemon does not change pidlist and children tasks",
)
.long("sticky");

/// `-b` (libcgroup 3.1 `WITH_SYSTEMD`): ignore the default slice/scope recorded by `cgcreate -S`.
pub(crate) const IGNORE_DEFAULT: Opt = Opt::flag(
    "ignore-default",
    'b',
    "Ignore default systemd delegate hierarchy",
);

/// `-r` of cgexec and cgclassify: replace the scope's idle process.
pub(crate) const REPLACE_IDLE: Opt = Opt::flag(
    "replace-idle",
    'r',
    "Replace the default idle_thread spawned for the systemd scope (with the first pid)",
);

/// The systemd default slice/scope that group paths are relative to (`None` with `-b`, the
/// typed `ignore_default`, or without one).
pub(crate) fn systemd_base(ignore_default: bool, layout: &Layout) -> Option<String> {
    if ignore_default {
        crate::cg_debug!("-b: ignoring the systemd default cgroup");
        return None;
    }
    crate::systemd::read_default(roots(), layout)
}

/// The usage error every libcgroup tool ends with: `Wrong input parameters, ...`, exit 129.
pub(crate) fn bad_args(syntax: &Syntax) -> Failure {
    Failure::usage(syntax.try_help)
}

/// Read `args` with getopt; `Ok(None)` means `-h` was handled (help printed).
pub(crate) fn parse(
    syntax: &Syntax,
    prog: &str,
    args: &[OsString],
) -> Result<Option<Matches>, Failure> {
    parse_checked(syntax, prog, args, |_, _| Ok(()))
}

/// [`parse`], calling `check` on each option in the order getopt returns it, as the C tools act
/// on each option when they see it: `-h` after a bad value is not reached, `-h` before it is.
/// getopt's own message (`PROG: invalid option -- 'z'`) comes before the usage-error line.
pub(crate) fn parse_checked(
    syntax: &Syntax,
    prog: &str,
    args: &[OsString],
    mut check: impl FnMut(&'static str, &str) -> Result<(), Failure>,
) -> Result<Option<Matches>, Failure> {
    let m = syntax.getopt(args);
    for (id, value) in &m.given {
        if *id == "help" {
            out(&syntax.help.replace("{prog}", prog));
            return Ok(None);
        }
        check(id, &value.as_deref().unwrap_or_default().to_string_lossy())?;
    }
    if let Some(e) = &m.error {
        // glibc prints the option as typed, byte for byte.
        return Err(Failure::new(EXIT_BADARGS)
            .then(Words::Getopt(std::os::unix::ffi::OsStringExt::from_vec(
                e.to_bytes(),
            )))
            .then(Words::Usage(syntax.try_help)));
    }
    Ok(Some(m))
}

/// The pseudo-filesystem roots of this run: `/proc` and `/` for the shipped binaries; a fixture
/// tree only through [`crate::main_at`], a library call the tests make (no environment variable
/// or option of a shipped binary can redirect what the tools read or write).
///
/// Set once per process at entry: several steps of one run need it (layout, rules, default scope).
static ROOTS: std::sync::OnceLock<Roots> = std::sync::OnceLock::new();

/// Fix the roots for this process (the first call wins; later calls change nothing).
pub(crate) fn set_roots(roots: Roots) {
    let _ = ROOTS.set(roots);
}

pub(crate) fn roots() -> &'static Roots {
    ROOTS.get_or_init(Roots::default)
}

/// The machine's layout; no cgroup filesystem at all is libcgroup's initialization failure.
pub(crate) fn layout() -> Result<Layout, Failure> {
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
        return Err(Failure::prog(
            e.exit(),
            format!("libcgroup initialization failed: {e}"),
        ));
    }
    Ok(layout)
}

/// Print a tool's output (a failed write ends the tool as `common::stdio` says, at exit).
pub(crate) fn out(text: &str) {
    print!("{text}");
}

/// Fixture hosts for the tools' plan tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::layout::fixtures::{Fixture, PROC_CGROUPS};
    pub(crate) use crate::layout::fixtures::{HYBRID, LEGACY};
    use crate::layout::Layout;
    use crate::spec::Target;

    /// A fixture host with these mounts (`HYBRID`: cpu, memory and name=systemd on v1, cgroup2
    /// without controllers) and its layout; the tree goes when the fixture is dropped.
    pub(crate) fn fixture_host(tag: &str, mountinfo: &str) -> (Fixture, Layout) {
        let fx = Fixture::new(tag, mountinfo, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        (fx, layout)
    }

    /// `prog ARGS...` as a tool's `args`.
    pub(crate) fn argv(prog: &str, args: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once(prog)
            .chain(args.iter().copied())
            .map(Into::into)
            .collect()
    }

    /// The mount points of the hierarchies a group lands in, in order.
    pub(crate) fn mounts(targets: &[Target]) -> Vec<std::path::PathBuf> {
        targets
            .iter()
            .map(|t| t.hierarchy.mount().to_path_buf())
            .collect()
    }
}
