//! The process entry of every tool binary, in place of Rust's runtime start-up.
//!
//! Our tools are short-lived programs that scripts run thousands of times (`cgexec ... true`,
//! `unshare ... true`), so start-up is a large part of what they cost. Rust's `lang_start` does
//! work none of them needs before `main`: it reads `/proc/self/maps` through
//! `pthread_getattr_np` to find the main thread's stack, maps a guard-paged alternate signal
//! stack and installs SIGSEGV/SIGBUS handlers to report stack overflows. Measured with
//! callgrind, that is about a fifth of `cgexec`'s user-space instructions (512k -> 406k for a
//! failing `cgexec -g cpu:X /nonexistent`), and several system calls and page faults more.
//!
//! A binary says `#![no_main]` and `common::tool_main!(path::to::main);`, which defines the C
//! `main` that calls [`enter`]. [`enter`] keeps the parts of `lang_start` that change what a
//! program does, so nothing else notices the difference:
//! - SIGPIPE is ignored, as std does, so a closed pipe is an `EPIPE` error the tools handle
//!   (the exec helpers restore the default before running a program);
//! - file descriptors 0, 1 and 2 are opened on `/dev/null` when closed, as std does, so that a
//!   file a tool opens can never become its stdout (`cgset ... >&-` must not print into a knob);
//! - stdout is flushed before the exit status is returned.
//!
//! One thing is added: `println!` panics when stdout cannot be written (`tool --version` into
//! `/dev/full`); the panic hook turns that into util-linux's `tool: write error: No space left
//! on device` and exit 1, and a closed pipe into a quiet exit 0, instead of an abort and a panic
//! message.
//!
//! `std::env::args_os` still works: on glibc std takes argv from `.init_array`, not from
//! `lang_start`. What is lost is std's message on a stack overflow (the process still dies by
//! SIGSEGV) and the name `main` of the main thread in panic messages.

use std::io::Write;
use std::os::raw::c_int;

/// Defines the binary's C `main`, which runs `$main(std::env::args_os())` through [`enter`].
///
/// `$main` (a function or closure) takes the arguments, program name first, and returns the exit
/// status. The binary's crate root must carry `#![no_main]`.
#[macro_export]
macro_rules! tool_main {
    ($main:expr) => {
        #[no_mangle]
        extern "C" fn main(
            _argc: ::std::os::raw::c_int,
            _argv: *const *const ::std::os::raw::c_char,
        ) -> ::std::os::raw::c_int {
            $crate::start::enter($main)
        }
    };
}

/// Sets the process up as std's runtime would (see the module docs), runs `main` and returns its
/// exit status for C's `exit`.
pub fn enter<F>(main: F) -> c_int
where
    F: FnOnce(std::env::ArgsOs) -> u8,
{
    ignore_sigpipe();
    open_closed_standard_fds();
    report_failed_prints();
    let status = main(std::env::args_os());
    // std's runtime flushes stdout on the way out; C's exit() knows nothing of Rust's buffer.
    let _ = std::io::stdout().flush();
    c_int::from(status)
}

fn ignore_sigpipe() {
    // SAFETY: installing SIG_IGN has no handler code to be unsafe about; the previous
    // disposition is not needed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

fn open_closed_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd for the duration of the call.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    if ready <= 0 {
        return;
    }
    for pfd in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        // The lowest free descriptor is the closed one: open() fills the gaps in order.
        // SAFETY: a NUL-terminated path literal; the descriptor is kept open on purpose.
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if fd != pfd.fd {
            // Cannot happen unless another thread raced us (there is none this early); give
            // up rather than loop.
            return;
        }
    }
}

/// The hook of [`enter`]: a `println!` that could not write stdout is a write error, not a crash.
fn report_failed_prints() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        match message.and_then(print_failure) {
            Some(PrintFailure::ClosedPipe) => std::process::exit(0),
            Some(PrintFailure::Other(reason)) => {
                let prog = std::env::args_os()
                    .next()
                    .map(|a| {
                        std::path::Path::new(&a)
                            .file_name()
                            .unwrap_or(&a)
                            .to_owned()
                    })
                    .unwrap_or_default();
                eprintln!("{}: write error: {reason}", prog.to_string_lossy());
                std::process::exit(1)
            }
            None => default_hook(info),
        }
    }));
}

#[derive(Debug, PartialEq)]
enum PrintFailure {
    ClosedPipe,
    /// The error's text as every other message of ours words it ([`crate::strerror`]).
    Other(String),
}

/// Recognises std's `failed printing to stdout: <io::Error>` panic message.
fn print_failure(message: &str) -> Option<PrintFailure> {
    let reason = message.strip_prefix("failed printing to stdout: ")?;
    // io::Error's Display ends with ` (os error N)` when it came from the kernel.
    let errno = reason
        .rsplit_once(" (os error ")
        .and_then(|(_, n)| n.strip_suffix(')'))
        .and_then(|n| n.parse::<i32>().ok());
    Some(match errno {
        Some(libc::EPIPE) => PrintFailure::ClosedPipe,
        Some(errno) => PrintFailure::Other(crate::strerror(errno)),
        None => PrintFailure::Other(reason.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_failures_are_told_apart_from_other_panics() {
        assert_eq!(
            print_failure("failed printing to stdout: No space left on device (os error 28)"),
            Some(PrintFailure::Other("No space left on device".into()))
        );
        assert_eq!(
            print_failure("failed printing to stdout: Broken pipe (os error 32)"),
            Some(PrintFailure::ClosedPipe)
        );
        assert_eq!(
            print_failure("failed printing to stderr: x (os error 5)"),
            None
        );
        assert_eq!(print_failure("index out of bounds"), None);
    }
}
