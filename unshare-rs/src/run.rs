//! Performing a [`Plan`] in util-linux's order of operations:
//! helpers forked (persistence, id ranges) → `--owner` → unshare(2) → range maps → time offsets →
//! fork → [parent: persistence binds, wait, mirror] → child: parent-death signal → single id maps,
//! setgroups → propagation → chroot → chdir → mount proc → mount binfmt → setgid → setuid →
//! ambient caps → exec.
//!
//! Nothing half-done: a persistence bind is made by a helper that stays in the original
//! namespaces until the program has been executed, and undoes its binds when anything fails
//! before that.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::mount::MsFlags;
use nix::sys::signal::Signal;
use nix::unistd::{getpid, ForkResult, Pid};

use common::wait::{ending, mirror, wait_for};
use common::{eprint, eprintln};
use common::{strerror, ToolError};

use crate::cli::SetGroups;
use crate::plan::{map_text, Fork, MapLine, Persist, Plan};
use crate::sys;

/// `err(3)` style: `message: strerror(errno)`.
fn os_failure(message: impl std::fmt::Display, errno: nix::errno::Errno) -> anyhow::Error {
    ToolError::failed(1, format!("{message}: {}", strerror(errno as i32))).into()
}

fn io_failure(message: impl std::fmt::Display, e: &std::io::Error) -> anyhow::Error {
    ToolError::failed(
        1,
        format!(
            "{message}: {}",
            strerror(e.raw_os_error().unwrap_or(libc::EIO))
        ),
    )
    .into()
}

/// Execute the plan. Returns only with an error or (with `--fork`) never: the parent ends the way
/// its child ended.
pub(crate) fn execute(plan: &Plan) -> anyhow::Result<u8> {
    sys::default_sigchld();

    let persist = if plan.persist.is_empty() {
        None
    } else {
        Some(PersistHelper::start(&plan.persist)?)
    };
    let mapper = if plan.uid_ranges.is_empty() && plan.gid_ranges.is_empty() {
        None
    } else {
        Some(MapHelper::start(&plan.uid_ranges, &plan.gid_ranges)?)
    };

    // util-linux 2.42's order and words; the maps are the helper's, which kept root.
    if let Some(gid) = plan.owner_gid {
        sys::drop_supplementary_groups().map_err(|e| os_failure("setgroups failed", e))?;
        sys::setgid(gid).map_err(|e| os_failure("setgid() failed", e))?;
    }
    if let Some(uid) = plan.owner_uid {
        sys::setuid(uid).map_err(|e| os_failure("setuid() failed", e))?;
    }

    sys::unshare(plan.flags).map_err(|e| os_failure("unshare failed", e))?;

    if let Some(mapper) = mapper {
        mapper.finish()?;
    }
    for &(clock, secs) in &plan.time_offsets {
        set_time_offset(clock, secs)?;
    }

    if let Some(fork) = plan.fork {
        return fork_and_wait(plan, fork, persist);
    }
    if let Some(helper) = &persist {
        helper.bind()?;
    }
    let err = setup_and_exec(plan, None);
    if let Some(helper) = &persist {
        helper.undo();
    }
    Err(err)
}

/// `/proc/self/timens_offsets`: `<clock id> <seconds> 0`.
fn set_time_offset(clock: libc::clockid_t, secs: i64) -> anyhow::Result<()> {
    let path = Path::new("/proc/self/timens_offsets");
    sys::write_file(path, format!("{clock} {secs} 0").as_bytes()).map_err(|(op, e)| {
        if op == "open" {
            os_failure("failed to open /proc/self/timens_offsets", e)
        } else {
            os_failure("failed to write to /proc/self/timens_offsets", e)
        }
    })
}

fn fork_and_wait(plan: &Plan, fork: Fork, persist: Option<PersistHelper>) -> anyhow::Result<u8> {
    let signals = [Signal::SIGINT, Signal::SIGTERM];
    // The parent must outlive its child: block (or forward) what a Ctrl-C or kill sends. With
    // forwarding the signals stay blocked until the parent knows the child's pid, so one that
    // arrives while fork() is returning is delivered (and forwarded) then, not dropped.
    if fork.forward_signals {
        sys::install_forwarding(&signals).map_err(|e| os_failure("sigaction failed", e))?;
    }
    let old_mask = sys::block(&signals).map_err(|e| os_failure("sigprocmask block failed", e))?;
    let parent_fd = match fork.kill_child {
        Some(_) => {
            Some(sys::pidfd_open(getpid()).map_err(|e| io_failure("pidfd_open failed", &e))?)
        }
        None => None,
    };
    // With persistence: the child waits for "binds made" and reports a failure before exec.
    let sync = match &persist {
        Some(_) => Some((
            sys::pipe().map_err(|e| os_failure("pipe failed", e))?,
            sys::pipe().map_err(|e| os_failure("pipe failed", e))?,
        )),
        None => None,
    };

    match sys::fork().map_err(|e| os_failure("fork failed", e))? {
        ForkResult::Child => {
            // The forwarding handlers stay, as in util-linux 2.42: they do nothing here (no child
            // to forward to) and exec resets them to the default, whatever the caller had set
            // (a SIGINT ignored by a shell's `&` too).
            sys::set_mask(&old_mask).map_err(|e| os_failure("sigprocmask restore failed", e))?;
            drop(persist);
            let failed_w = match sync {
                Some(((go_r, go_w), (failed_r, failed_w))) => {
                    drop(go_w);
                    drop(failed_r);
                    if sys::receive(go_r.as_fd()) != Ok(Some(1)) {
                        sys::exit_now(1); // the parent gave up (and reported why)
                    }
                    Some(failed_w)
                }
                None => None,
            };
            let err = setup_and_exec(plan, fork.kill_child.zip(parent_fd));
            if let Some(fd) = failed_w {
                let _ = sys::send(fd.as_fd(), 1);
            }
            Err(err)
        }
        ForkResult::Parent { child } => {
            if fork.forward_signals {
                sys::forward_to(child);
                sys::set_mask(&old_mask)
                    .map_err(|e| os_failure("sigprocmask restore failed", e))?;
            }
            drop(parent_fd);
            if let (Some(helper), Some(((go_r, go_w), (failed_r, failed_w)))) = (persist, sync) {
                drop(go_r);
                drop(failed_w);
                if let Err(e) = helper.bind() {
                    sys::kill(child, Signal::SIGKILL);
                    let _ = wait_for(child, None);
                    return Err(e);
                }
                let _ = sys::send(go_w.as_fd(), 1);
                drop(go_w);
                // End of file: the program was executed (the pipe is close-on-exec) or the child
                // died some other way; a byte: it failed before exec.
                if let Ok(Some(_)) = sys::receive(failed_r.as_fd()) {
                    helper.undo();
                }
            }
            wait_child(child)
        }
    }
}

/// Wait for the child and end as it ended (SIGKILL included, unlike util-linux 2.38).
fn wait_child(child: Pid) -> anyhow::Result<u8> {
    let status = wait_for(child, None).map_err(|e| os_failure("waitpid failed", e))?;
    match ending(status) {
        Some(end) => mirror(end),
        None => Err(ToolError::failed(1, "child exit failed").into()),
    }
}

/// Everything after the fork, ending in exec. Returns the error that stopped it.
/// `parent_death`: the `--kill-child` signal and a pidfd of the parent.
fn setup_and_exec(plan: &Plan, parent_death: Option<(libc::c_int, OwnedFd)>) -> anyhow::Error {
    match setup(plan, parent_death) {
        Err(e) => e,
        Ok(()) => match &plan.program {
            Some(argv) => common::exec::execvp(argv).into(),
            None => common::exec::exec_login_shell().into(),
        },
    }
}

fn setup(plan: &Plan, parent_death: Option<(libc::c_int, OwnedFd)>) -> anyhow::Result<()> {
    if let Some((sig, parent)) = parent_death {
        sys::set_parent_death_signal(sig).map_err(|e| io_failure("prctl failed", &e))?;
        // The parent may have died before prctl: then nobody would kill us.
        if sys::pidfd_exited(parent.as_fd())
            .map_err(|e| io_failure("poll parent pidfd failed", &e))?
        {
            return Err(ToolError::Exit(1).into());
        }
    }

    if let Some(line) = plan.uid_single {
        write_map("/proc/self/uid_map", &[line])?;
    }
    if let Some(line) = plan.gid_single {
        setgroups_control(SetGroups::Deny)?;
        write_map("/proc/self/gid_map", &[line])?;
    }
    if let Some(sg) = plan.setgroups {
        setgroups_control(sg)?;
    }

    if let Some(flags) = plan.root_propagation {
        sys::mount(Some(OsStr::new("none")), OsStr::new("/"), None, flags)
            .map_err(|e| os_failure("cannot change root filesystem propagation", e))?;
    }

    if let Some(root) = &plan.chroot {
        sys::chroot(root).map_err(|e| {
            os_failure(
                format!(
                    "cannot change root directory to '{}'",
                    root.to_string_lossy()
                ),
                e,
            )
        })?;
    }
    if let Some(dir) = &plan.chdir {
        sys::chdir(dir)
            .map_err(|e| os_failure(format!("cannot chdir to '{}'", dir.to_string_lossy()), e))?;
    }

    if let Some(proc) = &plan.mount_proc {
        let dir = &proc.dir;
        if proc.make_private {
            match sys::mount(
                Some(OsStr::new("none")),
                dir,
                None,
                MsFlags::MS_PRIVATE | MsFlags::MS_REC,
            ) {
                Ok(()) | Err(nix::errno::Errno::EINVAL) => {}
                Err(e) => {
                    return Err(os_failure(
                        format!(
                            "cannot change {} filesystem propagation",
                            dir.to_string_lossy()
                        ),
                        e,
                    ))
                }
            }
        }
        sys::mount(
            Some(OsStr::new("proc")),
            dir,
            Some("proc"),
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV,
        )
        .map_err(|e| os_failure(format!("mount {} failed", dir.to_string_lossy()), e))?;
    }

    if let Some(binfmt) = &plan.binfmt {
        let dir = &binfmt.dir;
        sys::mount(
            Some(OsStr::new("binfmt_misc")),
            dir,
            Some("binfmt_misc"),
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV,
        )
        .map_err(|e| os_failure(format!("mount {} failed", dir.to_string_lossy()), e))?;
        if let Some(interp) = &binfmt.interpreter {
            let register = PathBuf::from(dir).join("register");
            sys::write_file(&register, interp.as_encoded_bytes()).map_err(|(op, e)| {
                let what = if op == "open" {
                    "cannot open"
                } else {
                    "write failed"
                };
                os_failure(format!("{what} {}", register.display()), e)
            })?;
        }
    }

    if let Some(gid) = plan.setgid {
        sys::drop_supplementary_groups().map_err(|e| os_failure("setgroups failed", e))?;
        sys::setgid(gid).map_err(|e| os_failure("setgid() failed", e))?;
    }
    if let Some(uid) = plan.setuid {
        sys::setuid(uid).map_err(|e| os_failure("setuid() failed", e))?;
    }
    if plan.ambient_caps {
        common::caps::permitted_to_ambient(common::caps::last_cap())
            .map_err(|(what, e)| io_failure(what, &e))?;
    }
    Ok(())
}

/// Write one map file the way util-linux's `map_id` does.
fn write_map(file: &str, lines: &[MapLine]) -> anyhow::Result<()> {
    let text = map_text(lines);
    sys::write_file(Path::new(file), text.trim_end().as_bytes()).map_err(|(op, e)| {
        if op == "open" {
            os_failure(format!("cannot open {file}"), e)
        } else {
            os_failure(format!("write failed {file}"), e)
        }
    })
}

/// `/proc/self/setgroups`; a kernel without the file (before 3.19) needs nothing.
fn setgroups_control(sg: SetGroups) -> anyhow::Result<()> {
    let file = "/proc/self/setgroups";
    let word: &[u8] = match sg {
        SetGroups::Allow => b"allow",
        SetGroups::Deny => b"deny",
    };
    match sys::write_file(Path::new(file), word) {
        Ok(()) => Ok(()),
        Err(("open", nix::errno::Errno::ENOENT)) => Ok(()),
        Err(("open", e)) => Err(os_failure(format!("cannot open {file}"), e)),
        Err((_, e)) => Err(os_failure(format!("write failed {file}"), e)),
    }
}

/// A process that stays in the original namespaces and makes (and, on failure, removes) the
/// persistence bind mounts. It is a grandchild, so no process of ours is left with a zombie; it
/// ends when every copy of the command pipe is closed (the program was executed) or after an undo.
struct PersistHelper {
    command: OwnedFd,
    status: OwnedFd,
}

const BIND: u8 = b'B';
const UNDO: u8 = b'U';

impl PersistHelper {
    fn start(persist: &[Persist]) -> anyhow::Result<PersistHelper> {
        let (command_r, command_w) = sys::pipe().map_err(|e| os_failure("pipe failed", e))?;
        let (status_r, status_w) = sys::pipe().map_err(|e| os_failure("pipe failed", e))?;
        let owner = getpid();
        match sys::fork().map_err(|e| os_failure("fork failed", e))? {
            ForkResult::Child => {
                drop(command_w);
                drop(status_r);
                match sys::fork() {
                    Ok(ForkResult::Child) => persist_worker(owner, persist, command_r, status_w),
                    Ok(ForkResult::Parent { .. }) => sys::exit_now(0),
                    Err(e) => {
                        eprintln!("unshare: fork failed: {}", strerror(e as i32));
                        sys::exit_now(1)
                    }
                }
            }
            ForkResult::Parent { child } => {
                drop(command_r);
                drop(status_w);
                let status = wait_for(child, None).map_err(|e| os_failure("waitpid failed", e))?;
                if ending(status) != Some(common::wait::Ending::Exited(0)) {
                    return Err(ToolError::Exit(1).into());
                }
                Ok(PersistHelper {
                    command: command_w,
                    status: status_r,
                })
            }
        }
    }

    /// Make the binds; the helper has printed the error when this fails.
    fn bind(&self) -> anyhow::Result<()> {
        sys::send(self.command.as_fd(), BIND).map_err(|e| os_failure("write failed", e))?;
        match sys::receive(self.status.as_fd()) {
            Ok(Some(0)) => Ok(()),
            _ => Err(ToolError::Exit(1).into()),
        }
    }

    /// Remove the binds and wait until they are gone.
    fn undo(&self) {
        if sys::send(self.command.as_fd(), UNDO).is_ok() {
            let _ = sys::receive(self.status.as_fd());
        }
    }
}

fn persist_worker(owner: Pid, persist: &[Persist], command: OwnedFd, status: OwnedFd) -> ! {
    let mut bound: Vec<&Path> = Vec::new();
    let undo = |bound: &mut Vec<&Path>| {
        for target in bound.drain(..).rev() {
            let _ = sys::unmount(target);
        }
    };
    loop {
        match sys::receive(command.as_fd()) {
            Ok(Some(BIND)) => {
                for p in persist {
                    let source = PathBuf::from(format!("/proc/{owner}/ns/{}", p.source));
                    if let Err(e) = sys::bind(&source, &p.target) {
                        eprintln!(
                            "unshare: mount {} on {} failed: {}",
                            source.display(),
                            p.target.display(),
                            strerror(e as i32)
                        );
                        undo(&mut bound);
                        let _ = sys::send(status.as_fd(), 1);
                        sys::exit_now(1);
                    }
                    bound.push(&p.target);
                }
                let _ = sys::send(status.as_fd(), 0);
            }
            Ok(Some(UNDO)) => {
                undo(&mut bound);
                let _ = sys::send(status.as_fd(), 0);
                sys::exit_now(0);
            }
            _ => sys::exit_now(0),
        }
    }
}

/// A child that writes multi-line uid/gid maps of our user namespace once unshare(2) is done:
/// directly when it is root, else through newuidmap/newgidmap (setuid helpers that check
/// /etc/subuid and /etc/subgid).
struct MapHelper {
    pid: Pid,
    go: OwnedFd,
}

impl MapHelper {
    fn start(uid_ranges: &[MapLine], gid_ranges: &[MapLine]) -> anyhow::Result<MapHelper> {
        let (go_r, go_w) = sys::pipe().map_err(|e| os_failure("pipe failed", e))?;
        let target = getpid();
        match sys::fork().map_err(|e| os_failure("fork failed", e))? {
            ForkResult::Child => {
                drop(go_w);
                if sys::receive(go_r.as_fd()) != Ok(Some(1)) {
                    sys::exit_now(0); // unshare failed: nothing to map
                }
                let code = write_ranges(target, uid_ranges, "uid_map", "newuidmap")
                    .and_then(|()| write_ranges(target, gid_ranges, "gid_map", "newgidmap"));
                match code {
                    Ok(()) => sys::exit_now(0),
                    Err(e) => {
                        let (text, code) =
                            common::error::render(&common::Tool::util_linux("unshare"), &e);
                        eprint!("{text}");
                        sys::exit_now(i32::from(code))
                    }
                }
            }
            ForkResult::Parent { child } => {
                drop(go_r);
                Ok(MapHelper {
                    pid: child,
                    go: go_w,
                })
            }
        }
    }

    /// Tell the helper unshare(2) is done and wait for the maps.
    fn finish(self) -> anyhow::Result<()> {
        let _ = sys::send(self.go.as_fd(), 1);
        drop(self.go);
        let status = wait_for(self.pid, None).map_err(|e| os_failure("waitpid failed", e))?;
        match ending(status) {
            Some(common::wait::Ending::Exited(0)) => Ok(()),
            Some(common::wait::Ending::Exited(code)) => {
                Err(ToolError::Exit(u8::try_from(code).unwrap_or(1)).into())
            }
            _ => Err(ToolError::Exit(1).into()),
        }
    }
}

fn write_ranges(target: Pid, lines: &[MapLine], file: &str, tool: &str) -> anyhow::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    if nix::unistd::geteuid().is_root() {
        let path = format!("/proc/{target}/{file}");
        // util-linux words this write unlike its own single-line `write failed /proc/self/...`.
        return sys::write_file(Path::new(&path), map_text(lines).as_bytes()).map_err(|(op, e)| {
            if op == "open" {
                os_failure(format!("cannot open {path}"), e)
            } else {
                os_failure(format!("failed to write {path}"), e)
            }
        });
    }
    let mut cmd = std::process::Command::new(tool);
    cmd.arg(target.to_string());
    for l in lines {
        cmd.args([
            l.inner.to_string(),
            l.outer.to_string(),
            l.count.to_string(),
        ]);
    }
    log::debug!("running {cmd:?}");
    match cmd.status() {
        Err(e) => {
            let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::ENOENT));
            Err(common::exec::exec_error(OsStr::new(tool), errno).into())
        }
        Ok(s) if s.success() => Ok(()),
        Ok(s) => {
            Err(ToolError::Exit(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)).into())
        }
    }
}
