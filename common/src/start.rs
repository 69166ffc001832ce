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
//! `main` that calls [`enter`]. [`enter`] keeps what `lang_start` does that matters to a tool,
//! and leaves out what would make it differ from the C originals:
//! - file descriptors 0, 1 and 2, when closed, are taken by placeholders, so that a file a tool
//!   opens can never become its stdout (`cgset ... >&-` must not print into a knob). Unlike std's
//!   `/dev/null`, a placeholder is an `O_PATH` descriptor, on which `write` fails with EBADF as on
//!   a closed descriptor (procps reports `write error: Bad file descriptor`), and it is
//!   close-on-exec, so the program a tool runs finds the descriptor closed, as its caller left it
//!   (`unshare -f sh -c 'echo hi' >&-`: echo fails, as with util-linux);
//! - SIGPIPE is left as the caller set it, where std ignores it: none of the originals ignores
//!   it, so a tool dies by SIGPIPE where they do ([`crate::stdio`] has the rest of that policy).
//!
//! `std::env::args_os` still works: on glibc std takes argv from `.init_array`, not from
//! `lang_start`. What is lost is std's message on a stack overflow (the process still dies by
//! SIGSEGV) and the name `main` of the main thread in panic messages.

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

/// Sets the process up (see the module docs), runs `main` and returns its exit status for C's
/// `exit`. `main` ends through [`crate::run`] or [`crate::stdio::with_policy`], which flush stdout.
pub fn enter<F>(main: F) -> c_int
where
    F: FnOnce(std::env::ArgsOs) -> u8,
{
    hold_closed_standard_fds();
    c_int::from(main(std::env::args_os()))
}

/// Puts a placeholder on each of fds 0, 1 and 2 that is closed (see the module docs).
fn hold_closed_standard_fds() {
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
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd != pfd.fd {
            // Cannot happen unless another thread raced us (there is none this early); give
            // up rather than loop.
            return;
        }
    }
}
