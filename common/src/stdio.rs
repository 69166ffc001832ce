//! Standard output and standard error as the originals' C stdio writes them, and the one rule for
//! what a failed write means to each tool.
//!
//! Why not std's: `println!` panics when stdout cannot be written and `eprintln!` when stderr
//! cannot, which with `panic = "abort"` is a SIGABRT (`cgcreate -g nosuchctl:x 2>/dev/full` died
//! with 134); and std's stdout reports success when fd 1 is closed (EBADF), hiding the write
//! error procps reports. Here, as with stdio, a failed write is remembered (stdio's error flag),
//! the tool carries on as a C tool does (nobody checks `fwrite`), and how it ends is decided once,
//! at exit, by its original's rule: [`IoPolicy`]. Use this crate's [`print!`](crate::print),
//! [`println!`](crate::println), [`eprint!`](crate::eprint) and [`eprintln!`](crate::eprintln)
//! (`use common::{eprintln, println};` shadows std's) and [`stdout`] / [`stderr`] as writers; the
//! workspace's `clippy.toml` forbids std's.
//!
//! SIGPIPE keeps the disposition our caller gave us, as in the originals (none of them ignores
//! it): with the default, a write into a pipe whose reader is gone kills the tool by SIGPIPE, as
//! it kills them; ps, like procps, exits 0 instead.
//!
//! Stdout is line-buffered as std's was (one `write` per line); stderr is not buffered, and each
//! message is one `write`.

use std::fmt;
use std::io::{self, LineWriter, Write};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::errno::strerror;

/// How a tool ends after a failed write to stdout or stderr: its original's `close_stdout`,
/// measured on the newest releases (`tests/tests/io_errors.rs` compares all twelve tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoPolicy {
    /// util-linux's `close_stdout` (unshare, nsenter): a failed stdout is `tool: write error:
    /// <strerror>`, exit 1, except EBADF (a closed stdout: the caller wanted no output) and EPIPE;
    /// a failed stderr is exit 1, silently.
    UtilLinux,
    /// procps's `close_stdout` (ps): any failed stdout but EPIPE is `ps: write error:
    /// <strerror>`, exit 1, EBADF included; a failed stderr is exit 1; SIGPIPE is exit 0 at once
    /// (ps's signal handler).
    Procps,
    /// libcgroup checks nothing and exits 0 having lost its output (`cgget ... >/dev/full`); ours
    /// reports that as util-linux does (a README Compatibility item). A failed stderr changes
    /// nothing, as in libcgroup.
    Libcgroup,
    /// numactl's memhog checks nothing, and nor does ours: its output is progress dots.
    Numactl,
}

/// errno of the first failed write to stdout, 0 while none failed (stdio's error flag + errno).
static STDOUT_ERRNO: AtomicI32 = AtomicI32::new(0);
/// Whether a write to stderr failed.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Write all of `bytes` to `fd`; the errno of a failure (0 for a write that made no progress).
fn write_fd(fd: c_int, mut bytes: &[u8]) -> Result<(), i32> {
    while !bytes.is_empty() {
        // SAFETY: writes from a live slice; a bad descriptor only yields EBADF.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        match usize::try_from(n) {
            Ok(0) => return Err(0),
            Ok(n) => bytes = &bytes[n..],
            Err(_) => match io::Error::last_os_error().raw_os_error().unwrap_or(0) {
                libc::EINTR => {}
                errno => return Err(errno),
            },
        }
    }
    Ok(())
}

/// fd 1 under the line buffer: a failure is remembered and the bytes dropped, as stdio drops them.
struct RawStdout;

impl Write for RawStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Err(errno) = write_fd(1, buf) {
            let errno = if errno == 0 { libc::EIO } else { errno };
            let _ = STDOUT_ERRNO.compare_exchange(0, errno, SeqCst, SeqCst);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

static STDOUT: LazyLock<Mutex<LineWriter<RawStdout>>> =
    LazyLock::new(|| Mutex::new(LineWriter::new(RawStdout)));

/// The process's standard output. Writes never fail: a failure is remembered for
/// [`IoPolicy`] to report at exit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

/// The process's standard output (see [`Stdout`]).
pub fn stdout() -> Stdout {
    Stdout
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        STDOUT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        STDOUT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        STDOUT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_fmt(args)
    }
}

/// The process's standard error, unbuffered. Writes never fail: a failure is remembered for
/// [`IoPolicy`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

/// The process's standard error (see [`Stderr`]).
pub fn stderr() -> Stderr {
    Stderr
}

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if write_fd(2, buf).is_err() {
            STDERR_FAILED.store(true, SeqCst);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What [`print!`](crate::print) and [`println!`](crate::println) expand to.
#[doc(hidden)]
pub fn print_fmt(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = STDOUT.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = out.write_fmt(args);
    if newline {
        let _ = out.write_all(b"\n");
    }
}

/// What [`eprint!`](crate::eprint) and [`eprintln!`](crate::eprintln) expand to: the message is
/// formatted first, so it reaches stderr in one `write`.
#[doc(hidden)]
pub fn eprint_fmt(args: fmt::Arguments<'_>, newline: bool) {
    let mut text = fmt::format(args);
    if newline {
        text.push('\n');
    }
    let _ = Stderr.write_all(text.as_bytes());
}

/// `print!` that never panics: see the module docs.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::stdio::print_fmt(::std::format_args!($($arg)*), false) };
}

/// `println!` that never panics: see the module docs.
#[macro_export]
macro_rules! println {
    () => { $crate::stdio::print_fmt(::std::format_args!(""), true) };
    ($($arg:tt)*) => { $crate::stdio::print_fmt(::std::format_args!($($arg)*), true) };
}

/// `eprint!` that never panics: see the module docs.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::stdio::eprint_fmt(::std::format_args!($($arg)*), false) };
}

/// `eprintln!` that never panics: see the module docs.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::stdio::eprint_fmt(::std::format_args!(""), true) };
    ($($arg:tt)*) => { $crate::stdio::eprint_fmt(::std::format_args!($($arg)*), true) };
}

/// ps's handler: `ps | head -1` ends ps with 0, whatever it was doing.
extern "C" fn exit_on_sigpipe(_: c_int) {
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(0) }
}

impl IoPolicy {
    /// What the original sets up before it writes anything.
    fn start(self) {
        if self == IoPolicy::Procps {
            // SAFETY: the handler only calls _exit, which is async-signal-safe.
            unsafe {
                libc::signal(
                    libc::SIGPIPE,
                    exit_on_sigpipe as extern "C" fn(c_int) as libc::sighandler_t,
                );
            }
        }
    }

    /// The exit status once stdout is flushed: `status`, unless a failed write changes it.
    /// `stdout_errno` is the first failure's errno (0: none), `stderr_failed` whether stderr
    /// failed; a message to print comes back with it.
    fn close(self, stdout_errno: i32, stderr_failed: bool) -> Closing {
        let report = match self {
            IoPolicy::UtilLinux | IoPolicy::Libcgroup => {
                !matches!(stdout_errno, 0 | libc::EPIPE | libc::EBADF)
            }
            IoPolicy::Procps => !matches!(stdout_errno, 0 | libc::EPIPE),
            IoPolicy::Numactl => false,
        };
        if report {
            return Closing::WriteError(strerror(stdout_errno));
        }
        let stderr_counts = matches!(self, IoPolicy::UtilLinux | IoPolicy::Procps);
        if stderr_failed && stderr_counts {
            return Closing::Exit(1);
        }
        Closing::Keep
    }
}

/// How [`IoPolicy::close`] ends the process.
#[derive(Debug, PartialEq, Eq)]
enum Closing {
    /// With the tool's own status.
    Keep,
    /// Silently, with this status.
    Exit(u8),
    /// `tool: write error: <this>` on stderr, exit 1.
    WriteError(String),
}

/// Run `body` (which returns the exit status) under `policy`, for the tool called `name`: set up
/// what the original sets up, flush stdout at the end and return the status its `close_stdout`
/// would.
pub fn with_policy(name: &str, policy: IoPolicy, body: impl FnOnce() -> u8) -> u8 {
    policy.start();
    let status = body();
    let _ = stdout().flush();
    match policy.close(STDOUT_ERRNO.load(SeqCst), STDERR_FAILED.load(SeqCst)) {
        Closing::Keep => status,
        Closing::Exit(code) => code,
        Closing::WriteError(reason) => {
            crate::eprintln!("{name}: write error: {reason}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_original_ends_as_measured() {
        use Closing::*;
        use IoPolicy::*;
        let enospc = || WriteError("No space left on device".into());
        let ebadf = || WriteError("Bad file descriptor".into());
        // (policy, stdout errno, stderr failed, ending)
        let table = [
            (UtilLinux, 0, false, Keep),
            (UtilLinux, libc::ENOSPC, false, enospc()),
            (UtilLinux, libc::EBADF, false, Keep),
            (UtilLinux, libc::EPIPE, false, Keep),
            (UtilLinux, 0, true, Exit(1)),
            (UtilLinux, libc::EBADF, true, Exit(1)),
            (Procps, libc::EBADF, false, ebadf()),
            (Procps, libc::ENOSPC, true, enospc()),
            (Procps, libc::EPIPE, false, Keep),
            (Procps, 0, true, Exit(1)),
            (Libcgroup, libc::ENOSPC, false, enospc()),
            (
                Libcgroup,
                libc::EIO,
                false,
                WriteError("Input/output error".into()),
            ),
            (Libcgroup, libc::EBADF, false, Keep),
            (Libcgroup, 0, true, Keep),
            (Numactl, libc::ENOSPC, true, Keep),
            (Numactl, libc::EBADF, false, Keep),
        ];
        for (policy, errno, stderr_failed, want) in table {
            assert_eq!(
                policy.close(errno, stderr_failed),
                want,
                "{policy:?} errno {errno} stderr failed {stderr_failed}"
            );
        }
    }

    #[test]
    fn a_failed_write_is_an_errno_not_a_panic() {
        assert_eq!(write_fd(-1, b"x"), Err(libc::EBADF));
        assert_eq!(write_fd(-1, b""), Ok(()));
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        use std::os::fd::AsRawFd;
        assert_eq!(write_fd(full.as_raw_fd(), b"x"), Err(libc::ENOSPC));
    }
}
