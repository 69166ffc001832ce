//! Waiting for a child and ending the way it ended.
//!
//! A forking tool (`unshare --fork`, `nsenter -p`) must look to its caller exactly like the program
//! it ran: the same exit code, or death by the same signal so the shell reports 128+N. util-linux
//! 2.38 fails to re-raise SIGKILL (`sigprocmask unblock failed`); the OOM killer's SIGKILL must reach
//! the shell as 137, so SIGKILL is handled like any other signal here.

use nix::errno::Errno;
use nix::sys::signal::{kill, signal, sigprocmask, SigHandler, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{getpid, Pid};

/// waitpid() that retries when a signal interrupts it. `flags` as for waitpid (e.g. WUNTRACED).
pub fn wait_for(pid: Pid, flags: Option<WaitPidFlag>) -> nix::Result<WaitStatus> {
    loop {
        match waitpid(pid, flags) {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

/// End this process by `sig`: default disposition, unblocked, raised. Falls back to exit 128+N
/// should the signal somehow not kill us (it is not fatal by default, e.g. SIGCHLD).
pub fn die_by_signal(sig: Signal) -> ! {
    if sig != Signal::SIGKILL && sig != Signal::SIGSTOP {
        // SAFETY: installing the default disposition is async-signal-safe and sets no handler.
        unsafe {
            let _ = signal(sig, SigHandler::SigDfl);
        }
    }
    let mut set = SigSet::empty();
    set.add(sig);
    let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None);
    let _ = kill(getpid(), sig);
    // Only a non-fatal signal gets here.
    std::process::exit(128 + sig as i32)
}

/// The exit code of a finished child, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Killed(Signal),
}

/// Classify a wait status; `None` for a status that is not an ending (stopped, continued).
pub fn ending(status: WaitStatus) -> Option<Ending> {
    match status {
        WaitStatus::Exited(_, code) => Some(Ending::Exited(code)),
        WaitStatus::Signaled(_, sig, _) => Some(Ending::Killed(sig)),
        _ => None,
    }
}

/// End this process as the child ended: same exit code, or the same fatal signal.
pub fn mirror(end: Ending) -> ! {
    match end {
        Ending::Exited(code) => std::process::exit(code),
        Ending::Killed(sig) => die_by_signal(sig),
    }
}

/// Wait for `pid` to end and mirror its ending. With `follow_stops`, a stopped child stops us too
/// and is continued when we are (nsenter's behaviour, so job control works through it).
pub fn wait_and_mirror(pid: Pid, follow_stops: bool) -> nix::Result<std::convert::Infallible> {
    let flags = follow_stops.then_some(WaitPidFlag::WUNTRACED);
    loop {
        let status = wait_for(pid, flags)?;
        if let Some(end) = ending(status) {
            mirror(end);
        }
        if let WaitStatus::Stopped(_, _) = status {
            kill(getpid(), Signal::SIGSTOP)?;
            kill(pid, Signal::SIGCONT)?;
        }
    }
}
