//! Pieces that two or more nstools need, and nothing tool-specific.
//!
//! * [`error`]: the one `run` entry every tool's `main` goes through, printing `tool: message`
//!   in util-linux wording and returning the tool's own exit code.
//! * [`exec`] and [`wait`]: executing a program the way util-linux does (126/127), and mirroring a
//!   child's exit status, re-raising the signal that killed it.
//! * [`parse`]: C's numbers (glibc's `strtoul`/`strtol`/`atoi`, util-linux's `*_or_err` rules),
//!   sizes, signals, users and groups.
//! * [`ns`]: the namespace table shared by `unshare`, `nsenter` and `ps`.
//! * [`caps`]: `--keep-caps` (permitted capabilities made ambient).
//! * [`mountinfo`]: unescaping `/proc/PID/mountinfo` fields.
//! * [`start`]: the C `main` of every tool binary, without Rust's runtime start-up.
//! * [`cli`]: getopt-compatible messages for clap errors and the `--version` line.
//! * [`errno`]: glibc's words for an errno (`strerror`), for error messages and write errors.
//! * [`stdio`]: stdout and stderr written as C's stdio writes them (print macros that never
//!   panic), and each original's rule for a failed write ([`IoPolicy`]).
//! * [`getopt`]: glibc's `getopt_long` rules and messages, for tools that read argv with it, and
//!   the one-row option declaration ([`getopt::Decl`]) unshare and nsenter build their clap
//!   command and `--help` from.
//! * `fuzz` (tests only, and the `proptest` feature other crates' tests enable): what the
//!   property tests build their hostile inputs from.

pub mod caps;
pub mod cli;
pub mod errno;
pub mod error;
pub mod exec;
#[cfg(any(test, feature = "proptest"))]
pub mod fuzz;
pub mod getopt;
pub mod mountinfo;
pub mod ns;
pub mod parse;
#[cfg(test)]
mod proptests;
pub mod start;
pub mod stdio;
pub mod wait;

pub use errno::strerror;
pub use error::{run, Tool, ToolError};
pub use stdio::IoPolicy;

/// The nstools release, printed by every tool's `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `TOOL from nstools VERSION`: the line `--version` prints on stdout (exit 0).
pub fn version_line(tool: &str) -> String {
    format!("{tool} from nstools {VERSION}")
}

/// Debug logging under `NSTOOLS_LOG` (e.g. `NSTOOLS_LOG=debug`), silent by default so that stderr
/// stays byte-compatible with the originals. `RUST_LOG` is deliberately not read: a user's setting
/// for some other Rust program must not change what our tools print.
pub fn init_logging() {
    let env = env_logger::Env::new()
        .filter("NSTOOLS_LOG")
        .write_style("NSTOOLS_LOG_STYLE");
    // A second call (tests, a library user) is harmless: keep the first logger.
    let _ = env_logger::Builder::new()
        .parse_env(env)
        .format_timestamp(None)
        .try_init();
}

/// Reads a whole /proc or /sys file into a string in one or two `read` calls.
///
/// Such files report a size of 0, so `std::fs::read_to_string` starts with 32-byte probe reads
/// and grows from there: eight `read` calls for a 2 KiB mountinfo. Every cgtools start reads
/// mountinfo, `/proc/cgroups` and `cgroup.controllers`.
pub fn read_pseudo_file(path: impl AsRef<std::path::Path>) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::with_capacity(16 * 1024);
    std::fs::File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn read_pseudo_file_reads_past_its_first_buffer_and_reports_errors() {
        let text = super::read_pseudo_file("/proc/self/mountinfo").unwrap();
        assert!(
            text.lines().any(|l| l.contains(" / / ")),
            "no root mount in {text}"
        );
        let path = std::env::temp_dir().join(format!("nst-read-{}", std::process::id()));
        let long = "0123456789abcdef".repeat(3000);
        std::fs::write(&path, &long).unwrap();
        let read = super::read_pseudo_file(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.unwrap(), long);
        let err = super::read_pseudo_file("/proc/self/nonexistent").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
