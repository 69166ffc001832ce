//! The system calls nsenter makes that std does not wrap: the only module with `unsafe`.
//! Each call is logged at debug level (`NSTOOLS_LOG=debug`).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::sched::CloneFlags;

/// setns(2): into the namespace `fd` refers to, checking it is of kind `flags`; or, `fd` being a
/// pidfd, into all the namespaces of that process that `flags` names, at once.
pub(crate) fn setns(fd: BorrowedFd<'_>, flags: libc::c_int) -> nix::Result<()> {
    log::debug!("setns({}, {flags:#x})", fd.as_raw_fd());
    nix::sched::setns(fd, CloneFlags::from_bits_retain(flags))
}

/// `PIDFD_GET_USER_NAMESPACE` (linux/pidfd.h, Linux 6.11): `_IO(0xFF, 9)`.
const PIDFD_GET_USER_NAMESPACE: libc::c_ulong = 0xFF09;

/// The user namespace of the process behind a pidfd.
pub(crate) fn pidfd_user_ns(pidfd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd_ioctl(pidfd, PIDFD_GET_USER_NAMESPACE)
}

/// An ioctl on a namespace or socket fd that returns a new fd (NS_GET_USERNS, SIOCGSKNS).
fn fd_ioctl(fd: BorrowedFd<'_>, request: libc::c_ulong) -> io::Result<OwnedFd> {
    // SAFETY: these requests take no argument (the pidfd ones insist on 0) and return a new file
    // descriptor or -1.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, 0 as libc::c_ulong) };
    log::debug!("ioctl({}, {request:#x}) = {ret}", fd.as_raw_fd());
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just gave us this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(ret) })
}

/// The user namespace owning the namespace `fd` (for a user namespace: its parent).
pub(crate) fn owning_user_ns(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd_ioctl(fd, libc::NS_GET_USERNS as libc::c_ulong)
}

/// The network namespace of socket `fd`.
pub(crate) fn socket_net_ns(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd_ioctl(fd, libc::SIOCGSKNS as libc::c_ulong)
}

/// pidfd_open(2).
pub(crate) fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain system call with integer arguments.
    let ret = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    log::debug!("pidfd_open({pid}) = {ret}");
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor from the kernel.
    Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) })
}

/// pidfd_getfd(2): a duplicate of file descriptor `target_fd` of the process behind `pidfd`.
pub(crate) fn pidfd_getfd(pidfd: BorrowedFd<'_>, target_fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain system call with integer arguments.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_pidfd_getfd,
            pidfd.as_raw_fd(),
            target_fd,
            0 as libc::c_uint,
        )
    };
    log::debug!("pidfd_getfd({}, {target_fd}) = {ret}", pidfd.as_raw_fd());
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor from the kernel (close-on-exec is set by pidfd_getfd).
    Ok(unsafe { OwnedFd::from_raw_fd(ret as RawFd) })
}

/// fork(2). The caller is single-threaded (nsenter never starts a thread), so the child may
/// carry on with ordinary code, as util-linux's child does.
pub(crate) fn fork() -> nix::Result<nix::unistd::ForkResult> {
    log::debug!("fork()");
    // SAFETY: no other thread exists in this process, so no lock can be held across the fork.
    unsafe { nix::unistd::fork() }
}

/// setgroups(0, NULL).
pub(crate) fn drop_groups() -> nix::Result<()> {
    log::debug!("setgroups(0, NULL)");
    nix::unistd::setgroups(&[])
}

/// fchdir(2) to a directory descriptor.
pub(crate) fn fchdir(fd: impl AsFd) -> nix::Result<()> {
    log::debug!("fchdir({})", fd.as_fd().as_raw_fd());
    nix::unistd::fchdir(fd)
}

/// Reset SIGCHLD to its default disposition (util-linux clears inherited settings before fork).
pub(crate) fn default_sigchld() {
    // SAFETY: installing the default disposition sets no handler.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGCHLD,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
}
