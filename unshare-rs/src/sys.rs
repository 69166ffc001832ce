//! The system calls `unshare` makes through `libc`, and those that need care around fork: the
//! only module with `unsafe`. `run` also calls nix's safe wrappers (fork, mount, chdir), and
//! `cli` and `plan` read the effective ids and passwd/group entries through nix.
//!
//! unshare never starts a thread, so a forked child of it may allocate and run ordinary Rust code
//! (no other thread can hold a lock at fork time); it ends with `exec` or `exit`.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags};
use nix::sched::CloneFlags;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::unistd::{ForkResult, Pid};

fn cstring(path: &OsStr) -> nix::Result<CString> {
    CString::new(path.as_bytes()).map_err(|_| Errno::EINVAL)
}

/// SIGCHLD back to its default disposition (a caller may have ignored it, which would make
/// waitpid fail).
pub(crate) fn default_sigchld() {
    // SAFETY: the default disposition installs no handler.
    unsafe {
        let _ = nix::sys::signal::signal(Signal::SIGCHLD, nix::sys::signal::SigHandler::SigDfl);
    }
}

/// unshare(2).
pub(crate) fn unshare(flags: libc::c_int) -> nix::Result<()> {
    log::debug!("unshare({flags:#x})");
    nix::sched::unshare(CloneFlags::from_bits_retain(flags))
}

/// fork(2).
pub(crate) fn fork() -> nix::Result<ForkResult> {
    // SAFETY: unshare is single-threaded (it never spawns a thread), so the child may run any
    // code, allocation included, before it execs or exits.
    unsafe { nix::unistd::fork() }
}

/// A close-on-exec pipe: (read end, write end).
pub(crate) fn pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(OFlag::O_CLOEXEC)
}

/// Write one byte, retrying on EINTR.
pub(crate) fn send(fd: BorrowedFd<'_>, byte: u8) -> nix::Result<()> {
    loop {
        match nix::unistd::write(fd, &[byte]) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => return Ok(()),
        }
    }
}

/// Read one byte; `None` at end of file (every writer closed its end, or exec'd).
pub(crate) fn receive(fd: BorrowedFd<'_>) -> nix::Result<Option<u8>> {
    let mut buf = [0u8; 1];
    loop {
        match nix::unistd::read(fd, &mut buf) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(buf[0])),
        }
    }
}

fn sigset(signals: &[Signal]) -> SigSet {
    let mut set = SigSet::empty();
    for s in signals {
        set.add(*s);
    }
    set
}

/// Block `signals`, returning the previous mask (for the child to restore).
pub(crate) fn block(signals: &[Signal]) -> nix::Result<SigSet> {
    let mut old = SigSet::empty();
    nix::sys::signal::sigprocmask(
        SigmaskHow::SIG_BLOCK,
        Some(&sigset(signals)),
        Some(&mut old),
    )?;
    Ok(old)
}

/// Restore a mask saved by [`block`].
pub(crate) fn set_mask(mask: &SigSet) -> nix::Result<()> {
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None)
}

/// The child `--forward-signals` forwards to (0: none yet).
static FORWARD_TO: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = FORWARD_TO.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// Install the forwarding handler for `signals`; the child pid is set with [`forward_to`].
pub(crate) fn install_forwarding(signals: &[Signal]) -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler};
    let action = SigAction::new(
        SigHandler::Handler(forward),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in signals {
        // SAFETY: `forward` only reads an atomic and calls kill(2), both async-signal-safe.
        unsafe { sigaction(*s, &action) }?;
    }
    Ok(())
}

/// Where forwarded signals go.
pub(crate) fn forward_to(pid: Pid) {
    FORWARD_TO.store(pid.as_raw(), Ordering::SeqCst);
}

/// pidfd_open(pid, 0).
pub(crate) fn pidfd_open(pid: Pid) -> io::Result<OwnedFd> {
    // SAFETY: plain system call with integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Whether a pidfd says its process has ended (poll with a zero timeout).
pub(crate) fn pidfd_exited(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n > 0)
}

/// prctl(PR_SET_PDEATHSIG, sig).
pub(crate) fn set_parent_death_signal(sig: libc::c_int) -> io::Result<()> {
    // SAFETY: prctl with integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Open `path` write-only and write `text` in one write(2), as the kernel's /proc files want.
pub(crate) fn write_file(path: &Path, text: &[u8]) -> Result<(), (&'static str, Errno)> {
    let fd = nix::fcntl::open(
        path,
        OFlag::O_WRONLY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| ("open", e))?;
    log::debug!(
        "write {:?} to {}",
        String::from_utf8_lossy(text),
        path.display()
    );
    loop {
        match nix::unistd::write(fd.as_fd(), text) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(("write", e)),
            Ok(n) if n == text.len() => return Ok(()),
            Ok(_) => return Err(("write", Errno::EIO)),
        }
    }
}

/// mount(2) with every argument optional, as util-linux calls it.
pub(crate) fn mount(
    source: Option<&OsStr>,
    target: &OsStr,
    fstype: Option<&str>,
    flags: MsFlags,
) -> nix::Result<()> {
    log::debug!("mount({source:?}, {target:?}, {fstype:?}, {flags:?})");
    nix::mount::mount(source, target, fstype, flags, None::<&str>)
}

/// Bind `source` on `target`.
pub(crate) fn bind(source: &Path, target: &Path) -> nix::Result<()> {
    mount(
        Some(source.as_os_str()),
        target.as_os_str(),
        None,
        MsFlags::MS_BIND,
    )
}

/// Lazily unmount `target` (a persistence bind being undone).
pub(crate) fn unmount(target: &Path) -> nix::Result<()> {
    log::debug!("umount2({}, MNT_DETACH)", target.display());
    nix::mount::umount2(target, MntFlags::MNT_DETACH)
}

pub(crate) fn chroot(dir: &OsStr) -> nix::Result<()> {
    log::debug!("chroot({dir:?})");
    nix::unistd::chroot(cstring(dir)?.as_c_str())
}

pub(crate) fn chdir(dir: &OsStr) -> nix::Result<()> {
    log::debug!("chdir({dir:?})");
    nix::unistd::chdir(cstring(dir)?.as_c_str())
}

/// setgroups(0, NULL).
pub(crate) fn drop_supplementary_groups() -> nix::Result<()> {
    nix::unistd::setgroups(&[])
}

pub(crate) fn setgid(gid: u32) -> nix::Result<()> {
    nix::unistd::setgid(nix::unistd::Gid::from_raw(gid))
}

pub(crate) fn setuid(uid: u32) -> nix::Result<()> {
    nix::unistd::setuid(nix::unistd::Uid::from_raw(uid))
}

/// Kill a process we forked (the `--fork` child when setting up persistence failed).
pub(crate) fn kill(pid: Pid, sig: Signal) {
    let _ = nix::sys::signal::kill(pid, sig);
}

/// Leave a forked helper without running anything else.
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: _exit ends the process immediately; nothing is left to flush in a helper.
    unsafe { libc::_exit(code) }
}
