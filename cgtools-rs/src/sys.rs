//! The few system calls with no safe wrapper in our dependencies: pidfds (signal exactly the
//! process we checked, never a reused pid), the process name, pause.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A pidfd: a handle on one process that a pid reused later can never match.
pub struct PidFd(OwnedFd);

impl PidFd {
    /// `pidfd_open(pid, 0)`; the error is the errno.
    pub fn open(pid: u32) -> Result<PidFd, i32> {
        let pid = libc::pid_t::try_from(pid).map_err(|_| libc::ESRCH)?;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        // SAFETY: fd is a descriptor we just got and own alone.
        Ok(PidFd(unsafe { OwnedFd::from_raw_fd(fd as i32) }))
    }

    /// `pidfd_send_signal(fd, SIGKILL)`.
    pub fn kill(&self) -> Result<(), i32> {
        // SAFETY: a valid pidfd, a signal number, no siginfo, no flags.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if r < 0 {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        Ok(())
    }
}

/// Set this thread's name (`comm`; the kernel keeps the first 15 bytes).
pub fn set_name(name: &str) {
    let Ok(c) = std::ffi::CString::new(name) else {
        return;
    };
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of which it copies at most 16 bytes.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0);
    }
}

/// Sleep until a signal arrives.
pub fn pause() {
    // SAFETY: pause has no arguments and only returns after a signal handler ran.
    unsafe {
        libc::pause();
    }
}
