//! Error reporting in the originals' style.
//!
//! util-linux prints `prog: message` (`errx`) or `prog: message: strerror` (`err`), and after a usage
//! error adds `Try 'prog --help' for more information.`. Rust's own renderings (`(os error 2)`,
//! nix's `ENOENT: ...`) never reach the user: [`describe`] walks an error chain and prints each
//! OS error as plain `strerror` text.

use std::ffi::OsStr;
use std::fmt;
use std::io;

use crate::errno::strerror;
use crate::stdio::IoPolicy;

/// What distinguishes one tool's error reporting from another's.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// Program name used as the message prefix (`unshare`), independent of argv[0] like util-linux's
    /// `program_invocation_short_name` would be for an installed binary.
    pub name: &'static str,
    /// Exit code for usage errors: 1 for util-linux and procps, 129 for libcgroup 3.x.
    pub usage_exit: u8,
    /// Whether a usage error is followed by `Try 'TOOL --help' for more information.`.
    pub usage_hint: bool,
    /// How a failed write to stdout or stderr ends the tool (its original's `close_stdout`).
    pub io: IoPolicy,
}

impl Tool {
    /// A util-linux style tool: usage errors exit 1 with the `Try ...` hint.
    pub const fn util_linux(name: &'static str) -> Self {
        Tool {
            name,
            usage_exit: 1,
            usage_hint: true,
            io: IoPolicy::UtilLinux,
        }
    }
}

/// An error that knows how it must be reported and which exit code it carries.
#[derive(Debug)]
pub enum ToolError {
    /// Bad command line: `tool: message` + the `Try` hint, exit [`Tool::usage_exit`].
    Usage(String),
    /// A failure with its own exit code: `tool: message`.
    Failed { code: u8, message: String },
    /// Already reported (or nothing to report): just exit with this code.
    Exit(u8),
}

impl ToolError {
    pub fn usage(message: impl Into<String>) -> Self {
        ToolError::Usage(message.into())
    }
    pub fn failed(code: u8, message: impl Into<String>) -> Self {
        ToolError::Failed {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Usage(m) | ToolError::Failed { message: m, .. } => f.write_str(m),
            ToolError::Exit(code) => write!(f, "exit {code}"),
        }
    }
}

impl std::error::Error for ToolError {}

/// One error's own text: OS errors as `strerror`, everything else through `Display`.
fn describe_one(err: &(dyn std::error::Error + 'static)) -> String {
    if let Some(errno) = err.downcast_ref::<nix::errno::Errno>() {
        return strerror(*errno as i32);
    }
    if let Some(io_err) = err.downcast_ref::<io::Error>() {
        if let Some(errno) = io_err.raw_os_error() {
            return strerror(errno);
        }
    }
    err.to_string()
}

/// The whole chain as `context: context: cause`, each OS error as plain `strerror`.
pub fn describe(err: &anyhow::Error) -> String {
    err.chain().map(describe_one).collect::<Vec<_>>().join(": ")
}

/// True when the error chain contains a broken pipe: the reader went away, which is a normal end.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::EPIPE)
    })
}

/// Render an error the way `tool` reports it, returning the text for stderr and the exit code.
pub fn render(tool: &Tool, err: &anyhow::Error) -> (String, u8) {
    if let Some(tool_err) = err.downcast_ref::<ToolError>() {
        return match tool_err {
            ToolError::Usage(message) => {
                let mut text = String::new();
                if !message.is_empty() {
                    text.push_str(&format!("{}: {message}\n", tool.name));
                }
                if tool.usage_hint {
                    text.push_str(&format!(
                        "Try '{} --help' for more information.\n",
                        tool.name
                    ));
                }
                (text, tool.usage_exit)
            }
            ToolError::Failed { code, message } => (format!("{}: {message}\n", tool.name), *code),
            ToolError::Exit(code) => (String::new(), *code),
        };
    }
    (format!("{}: {}\n", tool.name, describe(err)), 1)
}

/// The single entry of every tool: initialise logging, run `body`, report its error, and end as
/// the tool's [`IoPolicy`] says when stdout or stderr could not be written.
///
/// `body` returns the exit code on success. A broken pipe anywhere in the error chain (one of the
/// tool's own pipes; stdout's is the policy's) ends the process quietly with 0.
pub fn run<F>(tool: &Tool, body: F) -> u8
where
    F: FnOnce() -> anyhow::Result<u8>,
{
    crate::init_logging();
    crate::stdio::with_policy(tool.name, tool.io, || match body() {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => 0,
        Err(err) => {
            let (text, code) = render(tool, &err);
            crate::eprint!("{text}");
            code
        }
    })
}

/// Lossy text of a path or argument for messages.
pub fn show(os: &OsStr) -> String {
    os.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    const UNSHARE: Tool = Tool::util_linux("unshare");

    #[test]
    fn strerror_has_no_rust_suffix() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(libc::EPERM), "Operation not permitted");
    }

    #[test]
    fn chain_renders_as_context_then_strerror() {
        let err = Err::<(), _>(io::Error::from_raw_os_error(libc::EPERM))
            .context("unshare failed")
            .unwrap_err();
        assert_eq!(
            render(&UNSHARE, &err),
            (
                "unshare: unshare failed: Operation not permitted\n".into(),
                1
            )
        );
    }

    #[test]
    fn nix_errno_renders_without_its_symbolic_prefix() {
        let err = Err::<(), _>(nix::errno::Errno::ENOENT)
            .context("cannot open /proc/1/ns/mnt")
            .unwrap_err();
        assert_eq!(
            describe(&err),
            "cannot open /proc/1/ns/mnt: No such file or directory"
        );
    }

    #[test]
    fn usage_error_adds_try_line_and_usage_code() {
        let err = anyhow::Error::new(ToolError::usage("unrecognized option '--bogus'"));
        let (text, code) = render(&UNSHARE, &err);
        assert_eq!(
            text,
            "unshare: unrecognized option '--bogus'\nTry 'unshare --help' for more information.\n"
        );
        assert_eq!(code, 1);
        let cg = Tool {
            name: "cgset",
            usage_exit: 129,
            usage_hint: false,
            io: IoPolicy::Libcgroup,
        };
        assert_eq!(render(&cg, &err).1, 129);
    }

    #[test]
    fn failed_carries_its_code_and_exit_is_silent() {
        let err = anyhow::Error::new(ToolError::failed(
            127,
            "failed to execute x: No such file or directory",
        ));
        assert_eq!(render(&UNSHARE, &err).1, 127);
        let err = anyhow::Error::new(ToolError::Exit(3));
        assert_eq!(render(&UNSHARE, &err), (String::new(), 3));
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let err = Err::<(), _>(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("writing rows")
            .unwrap_err();
        assert!(is_broken_pipe(&err));
        let other = anyhow::anyhow!("nope");
        assert!(!is_broken_pipe(&other));
    }
}
