//! Pieces that two or more nstools need, and nothing tool-specific.
//!
//! * [`error`]: the one `run` entry every tool's `main` goes through, printing `tool: message`
//!   in util-linux wording and returning the tool's own exit code.
//! * [`exec`] and [`wait`]: executing a program the way util-linux does (126/127), and mirroring a
//!   child's exit status, re-raising the signal that killed it.
//! * [`parse`]: sizes, signals, users and groups.
//! * [`ns`]: the namespace table shared by `unshare`, `nsenter` and `ps`.
//! * [`caps`]: `--keep-caps` (permitted capabilities made ambient).
//! * [`mountinfo`]: unescaping `/proc/PID/mountinfo` fields.
//! * [`start`]: the C `main` of every tool binary, without Rust's runtime start-up.
//! * [`cli`]: getopt-compatible messages for clap errors and the `--version` line.

pub mod caps;
pub mod cli;
pub mod error;
pub mod exec;
pub mod mountinfo;
pub mod ns;
pub mod parse;
pub mod start;
pub mod wait;

pub use error::{run, strerror, Tool, ToolError};

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
