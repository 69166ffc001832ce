//! Carrying out a [`Plan`] in util-linux 2.41's order: the files named in argv are opened while
//! reading it; then the target's namespaces are reached through a pidfd (or its `/proc/PID/ns`
//! files where pidfd_open fails), its root, working directory, environment, `/proc/PID` and
//! cgroups are opened, `--user-parent` and `-N` are resolved; only then is anything entered, in
//! two passes; then root and working directory, the environment, the fork for a PID namespace,
//! credentials, capabilities and the exec.
//!
//! Error messages are util-linux's, file descriptor numbers included (`pidfd_getfd(3, 7)`): the
//! files are opened and closed in the same order, so the numbers are the same.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use common::ns::{Namespace, NAMESPACES};
use common::ToolError;
use nix::unistd::{Gid, Uid};

use crate::cgroup::{target_groups, Skipped};
use crate::plan::{Cred, Settings, Slot};
use crate::sys;

/// Index of the user and network namespaces in [`NAMESPACES`].
const USER: usize = 0;
const NET: usize = 4;
const PID: usize = 5;

/// Whether SELinux is enabled (its filesystem is mounted), as libselinux's `is_selinux_enabled`.
fn selinux_enabled() -> bool {
    Path::new("/sys/fs/selinux/enforce").exists()
}

fn failed(message: String) -> anyhow::Error {
    ToolError::failed(1, message).into()
}

fn open(path: &Path) -> anyhow::Result<OwnedFd> {
    log::debug!("open {}", path.display());
    File::open(path)
        .map(OwnedFd::from)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// The `/proc` path util-linux opens for the target (`/proc/PID/what`).
fn proc_path(pid: u32, what: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{what}"))
}

/// util-linux's `open_target_fd` without a file: `/proc/PID/what` of the target.
fn open_target(pid: u32, what: &str) -> anyhow::Result<OwnedFd> {
    if pid == 0 {
        return Err(failed(format!(
            "neither filename nor target pid supplied for {what}"
        )));
    }
    open(&proc_path(pid, what))
}

/// The descriptors util-linux keeps in `namespace_files[].fd`, `root_fd` and `wd_fd`.
#[derive(Default)]
pub(crate) struct Opened {
    ns: [Option<OwnedFd>; 8],
    root: Option<OwnedFd>,
    wd: Option<OwnedFd>,
}

impl Opened {
    fn slot(&mut self, slot: Slot) -> &mut Option<OwnedFd> {
        match slot {
            Slot::Ns(i) => &mut self.ns[i],
            Slot::Root => &mut self.root,
            Slot::Wd => &mut self.wd,
        }
    }

    /// Open a file into a slot; the earlier file of the slot is closed first, as util-linux does,
    /// so the new one takes its number.
    fn reopen(
        &mut self,
        slot: Slot,
        open: impl FnOnce() -> anyhow::Result<OwnedFd>,
    ) -> anyhow::Result<()> {
        *self.slot(slot) = None;
        *self.slot(slot) = Some(open()?);
        Ok(())
    }

    /// The files named in argv, opened in argv order (util-linux opens them while reading argv).
    pub(crate) fn open_argv_files(&mut self, files: &[(Slot, PathBuf)]) -> anyhow::Result<()> {
        for (slot, path) in files {
            self.reopen(*slot, || open(path))?;
        }
        Ok(())
    }
}

/// `--all`: is the target's namespace of this kind worth entering? Kinds our kernel lacks are
/// skipped, and so is the caller's own user namespace (setns would fail with EINVAL); as in
/// util-linux, only the user namespace of the target is looked at.
fn usable_for_all(pid: u32, ns: &Namespace) -> anyhow::Result<bool> {
    let own = format!("/proc/{}/ns/{}", std::process::id(), ns.file);
    let ours = match std::fs::metadata(&own) {
        Ok(m) => m.ino(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(_) => 0,
    };
    if ns.file == "user" {
        let path = proc_path(pid, "ns/user");
        let theirs = std::fs::metadata(&path)
            .with_context(|| format!("stat of {} failed", path.display()))?;
        if ours == theirs.ino() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `--follow-context` with SELinux enabled: the target's context for our exec (setexeccon),
/// set right away, as util-linux does, since /proc may later be the container's.
fn follow_context(pid: u32) -> anyhow::Result<()> {
    if pid == 0 {
        return Err(failed(
            "no target PID specified for --follow-context".into(),
        ));
    }
    let mut ctx = std::fs::read(proc_path(pid, "attr/current"))
        .map_err(|_| failed(format!("failed to get {pid} SELinux context")))?;
    while ctx.last() == Some(&0) || ctx.last() == Some(&b'\n') {
        ctx.pop();
    }
    let shown = String::from_utf8_lossy(&ctx).into_owned();
    log::debug!("exec context {shown}");
    std::fs::write("/proc/thread-self/attr/exec", &ctx)
        .map_err(|_| failed(format!("failed to set exec context to '{shown}'")))
}

/// `--user-parent`: the user namespace owning the target's (util-linux's
/// `open_parent_user_ns_fd`): found from a `--user=FILE`, else through the pidfd, else from the
/// first namespace asked for when it was given as a file, else from `/proc/PID/ns/user`.
fn open_parent_user_ns(
    pid: u32,
    pidfd: Option<&OwnedFd>,
    opened: &mut Opened,
    enabled: &mut [bool; 8],
) -> anyhow::Result<()> {
    let mut local: Option<OwnedFd> = None;
    let mut source: Option<BorrowedFd<'_>> = None;
    if enabled[USER] {
        source = opened.ns[USER].as_ref().map(|fd| fd.as_fd());
    }
    if source.is_none() {
        if let Some(pidfd) = pidfd {
            local = sys::pidfd_user_ns(pidfd.as_fd()).ok();
        }
        if local.is_none() {
            if let Some(first) = enabled.iter().position(|&e| e) {
                source = opened.ns[first].as_ref().map(|fd| fd.as_fd());
            }
        }
        if source.is_none() && local.is_none() {
            local = Some(open_target(pid, "ns/user")?);
        }
    }
    let from = match (&local, source) {
        (Some(fd), _) => fd.as_fd(),
        (None, Some(fd)) => fd,
        (None, None) => return Err(failed("failed to open parent namespace".into())),
    };
    let parent = sys::owning_user_ns(from).context("failed to open parent namespace")?;
    drop(local);
    opened.ns[USER] = Some(parent);
    enabled[USER] = true;
    Ok(())
}

/// `-N FD`: the network namespace of the target's socket FD (util-linux's
/// `open_target_sk_netns`, with its messages).
fn open_socket_net_ns(
    pid: u32,
    pidfd: Option<&OwnedFd>,
    fd: i32,
    opened: &mut Opened,
) -> anyhow::Result<()> {
    let local = match pidfd {
        Some(_) => None,
        None => Some(
            sys::pidfd_open(pid)
                .with_context(|| format!("failed to pidfd_open() for {}", pid as i32))?,
        ),
    };
    let pidfd = pidfd.or(local.as_ref()).map(|fd| fd.as_fd());
    let pidfd = pidfd.ok_or_else(|| failed("no pidfd".into()))?;
    let sock = sys::pidfd_getfd(pidfd, fd)
        .with_context(|| format!("pidfd_getfd({}, {fd})", pidfd.as_raw_fd()))?;
    let sk = sock.as_raw_fd();
    nix::sys::stat::fstat(sock.as_fd()).with_context(|| format!("fstat({sk})"))?;
    let ns = sys::socket_net_ns(sock.as_fd()).with_context(|| format!("ioctl({sk}, SIOCGSKNS)"))?;
    opened.ns[NET] = Some(ns);
    drop(sock);
    drop(local);
    Ok(())
}

/// The `cgroup.procs` files of every hierarchy the target is in, opened for writing; none where
/// we are in the target's group already.
///
/// util-linux 2.41 joins only the cgroup v2 group (and refuses on other layouts); here every
/// hierarchy mounted in our mount namespace is joined, see [`crate::cgroup`].
fn open_target_cgroups(pid: u32) -> anyhow::Result<Vec<(PathBuf, File)>> {
    let mut file = File::from(open_target(pid, "cgroup")?);
    let mut text = String::new();
    file.read_to_string(&mut text)
        .context("failed to get cgroup path")?;
    let ours =
        common::read_pseudo_file("/proc/self/cgroup").context("failed to get cgroup path")?;
    let mountinfo = common::read_pseudo_file("/proc/self/mountinfo")
        .context("cannot read /proc/self/mountinfo")?;
    let mut opened = Vec::new();
    let mut shared = false;
    for group in target_groups(&text, &ours, &mountinfo) {
        match group {
            Ok(dir) => {
                let procs = dir.join("cgroup.procs");
                log::debug!("open {}", procs.display());
                let file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&procs)
                    .context("failed to open cgroup.procs")?;
                opened.push((dir, file));
            }
            Err(Skipped::AlreadyThere(g)) => {
                shared = true;
                log::debug!("--join-cgroup: in {g} already")
            }
            Err(Skipped::NotMounted(h)) => {
                log::debug!("--join-cgroup: hierarchy {h} is not mounted here, skipped")
            }
            Err(Skipped::Outside(g)) => {
                log::debug!("--join-cgroup: {g} is outside our mounts, skipped")
            }
        }
    }
    if opened.is_empty() && !shared {
        return Err(failed(format!(
            "--join-cgroup: no cgroup of process {pid} is reachable from here"
        )));
    }
    Ok(opened)
}

/// The namespaces of `mask` (0: all of them, as in util-linux's `next_enabled_nsfile`) that are
/// still to be entered.
fn selected(mask: libc::c_int, enabled: &[bool; 8]) -> Vec<usize> {
    (0..8)
        .filter(|&i| enabled[i] && (mask == 0 || NAMESPACES[i].clone_flag & mask != 0))
        .collect()
}

/// util-linux's `enter_namespaces(pid_fd, mask, ignore_errors)`: the target's namespaces (those
/// without a file) in one setns(pidfd, ...), then each namespace given by a file. Entered ones are
/// dropped from `enabled`; with `ignore_errors` a failure leaves them for the next pass.
fn enter_namespaces(
    pidfd: Option<&OwnedFd>,
    mask: libc::c_int,
    enabled: &mut [bool; 8],
    opened: &mut Opened,
    ignore_errors: bool,
) -> anyhow::Result<()> {
    if let Some(pidfd) = pidfd {
        let from_target: Vec<usize> = selected(mask, enabled)
            .into_iter()
            .filter(|&i| opened.ns[i].is_none())
            .collect();
        let flags = from_target
            .iter()
            .fold(0, |m, &i| m | NAMESPACES[i].clone_flag);
        if flags != 0 {
            match sys::setns(pidfd.as_fd(), flags) {
                Ok(()) => from_target.iter().for_each(|&i| enabled[i] = false),
                Err(_) if ignore_errors => {}
                Err(e) => {
                    return Err(anyhow::Error::new(e).context("reassociate to namespaces failed"))
                }
            }
        }
    }
    for i in selected(mask, enabled) {
        let ns = &NAMESPACES[i];
        let Some(fd) = opened.ns[i].as_ref() else {
            continue;
        };
        match sys::setns(fd.as_fd(), ns.clone_flag) {
            Ok(()) => {
                enabled[i] = false;
                opened.ns[i] = None;
            }
            Err(_) if ignore_errors => {}
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("reassociate to namespace 'ns/{}' failed", ns.file)))
            }
        }
    }
    Ok(())
}

/// The CLONE_NEW* mask of the namespaces still to be entered (util-linux's `get_namespaces`).
fn mask_of(enabled: &[bool; 8]) -> libc::c_int {
    (0..8)
        .filter(|&i| enabled[i])
        .fold(0, |m, i| m | NAMESPACES[i].clone_flag)
}

/// `/proc/PID/environ` as util-linux's `env_list_from_fd` reads it: `NAME=value` entries; an
/// entry without `=` drops every entry before it.
fn environment_entries(bytes: &[u8]) -> Vec<(OsString, OsString)> {
    let mut list = Vec::new();
    for entry in bytes.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        match entry.iter().position(|&b| b == b'=') {
            Some(eq) => list.push((
                OsString::from_vec(entry[..eq].to_vec()),
                OsString::from_vec(entry[eq + 1..].to_vec()),
            )),
            None => list.clear(),
        }
    }
    list
}

/// Replace our environment with the target's as util-linux does: cleared, then each entry set
/// from the last to the first without overwriting, so the environment comes out in reverse order
/// and the last of two equal names wins. An empty name fails as setenv(3) does.
fn apply_environment(mut file: File) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .context("failed to get environment variables")?;
    let entries = environment_entries(&bytes);
    let current: Vec<OsString> = std::env::vars_os().map(|(k, _)| k).collect();
    for key in current {
        std::env::remove_var(key);
    }
    for (key, value) in entries.into_iter().rev() {
        if key.is_empty() {
            return Err(
                anyhow::Error::new(std::io::Error::from_raw_os_error(libc::EINVAL))
                    .context("failed to set environment variables"),
            );
        }
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
        }
    }
    Ok(())
}

/// What util-linux has open before it enters anything.
struct Prepared {
    /// The namespaces to enter (after `--all`, `--user-parent` and `-N`).
    enabled: [bool; 8],
    pidfd: Option<OwnedFd>,
    environ: Option<File>,
    /// `/proc/PID` of the target, for `-S follow` / `-G follow`.
    owner: Option<File>,
    cgroups: Vec<(PathBuf, File)>,
}

/// Everything util-linux does after reading argv and before entering, in its order: the SELinux
/// context, `--all`, the pidfd (or the target's namespace files), the target's root, working
/// directory, environment, `/proc/PID` and cgroups, `--user-parent`, `-N`; then the check that
/// something is to be entered.
fn prepare(s: &Settings, opened: &mut Opened) -> anyhow::Result<Prepared> {
    let pid = s.target;
    if s.follow_context && selinux_enabled() {
        follow_context(pid)?;
    }
    let mut enabled = s.enabled;
    if s.all {
        for (i, ns) in NAMESPACES.iter().enumerate() {
            if !enabled[i] && usable_for_all(pid, ns)? {
                enabled[i] = true;
            }
        }
    }
    // The target's namespaces (those without a file) through a pidfd; where pidfd_open fails,
    // their /proc/PID/ns files.
    let without_file = (0..8).any(|i| enabled[i] && opened.ns[i].is_none());
    let mut pidfd = None;
    if without_file || s.net_socket.is_some() || s.user_parent {
        if pid == 0 {
            return Err(failed("no target PID specified".into()));
        }
        pidfd = sys::pidfd_open(pid).ok();
        if pidfd.is_none() && without_file {
            for (i, ns) in NAMESPACES.iter().enumerate() {
                if enabled[i] && opened.ns[i].is_none() {
                    opened.ns[i] = Some(open_target(pid, &format!("ns/{}", ns.file))?);
                }
            }
        }
    }
    if s.root_of_target {
        opened.reopen(Slot::Root, || open_target(pid, "root"))?;
    }
    if s.wd_of_target {
        opened.reopen(Slot::Wd, || open_target(pid, "cwd"))?;
    }
    let environ = match s.env {
        true => Some(File::from(open_target(pid, "environ")?)),
        false => None,
    };
    let owner = match [s.setuid, s.setgid].contains(&Some(Cred::Follow)) {
        true => Some(File::from(open_target(pid, "")?)),
        false => None,
    };
    let cgroups = match s.join_cgroup {
        true => open_target_cgroups(pid)?,
        false => Vec::new(),
    };
    if s.user_parent {
        open_parent_user_ns(pid, pidfd.as_ref(), opened, &mut enabled)?;
    }
    if let Some(fd) = s.net_socket {
        open_socket_net_ns(pid, pidfd.as_ref(), fd, opened)?;
        enabled[NET] = true;
    }
    if !enabled.contains(&true) {
        return Err(failed("no namespace specified".into()));
    }
    Ok(Prepared {
        enabled,
        pidfd,
        environ,
        owner,
        cgroups,
    })
}

/// Root and working directory, after entering (util-linux's wording for each step): without
/// `-w`/`-W` a new root keeps the current working directory; `-W` is opened inside.
fn change_directories(opened: &mut Opened, wdns: Option<&Path>) -> anyhow::Result<()> {
    if opened.root.is_some() && opened.wd.is_none() && wdns.is_none() {
        opened.wd = Some(open(Path::new(".")).context("cannot open current working directory")?);
    }
    if let Some(root) = opened.root.take() {
        sys::fchdir(&root).context("change directory by root file descriptor failed")?;
        log::debug!("chroot(\".\")");
        nix::unistd::chroot(".").context("chroot failed")?;
        std::env::set_current_dir("/").context("cannot change directory to /")?;
    }
    if let Some(dir) = wdns {
        opened.wd = Some(
            File::open(dir)
                .map(OwnedFd::from)
                .context("cannot open current working directory")?,
        );
    }
    if let Some(wd) = opened.wd.take() {
        sys::fchdir(&wd).context("change directory by working directory file descriptor failed")?;
    }
    Ok(())
}

/// setgroups, setgid and setuid as util-linux does them after the fork; `setgroups_failed`: the
/// attempt before entering failed too (only both failing is an error).
fn set_credentials(
    uid: Option<u32>,
    gid: Option<u32>,
    setgroups_failed: bool,
) -> anyhow::Result<()> {
    if let Some(gid) = gid {
        if sys::drop_groups().is_err() && setgroups_failed {
            sys::drop_groups().context("setgroups failed")?;
        }
        log::debug!("setgid({gid})");
        nix::unistd::setgid(Gid::from_raw(gid)).context("setgid() failed")?;
    }
    if let Some(uid) = uid {
        log::debug!("setuid({uid})");
        nix::unistd::setuid(Uid::from_raw(uid)).context("setuid() failed")?;
    }
    Ok(())
}

/// Do everything the settings say, the argv files being open; returns only on failure (a forking
/// parent ends as its child).
pub(crate) fn execute(s: Settings, mut opened: Opened) -> anyhow::Result<u8> {
    let Prepared {
        mut enabled,
        pidfd,
        environ,
        owner,
        cgroups,
    } = prepare(&s, &mut opened)?;

    let fork = enabled[PID] && !s.no_fork;
    let (mut setuid, mut setgid) = (s.setuid, s.setgid);
    // setgroups() is tried before and after entering a user namespace; only both failing counts.
    let mut setgroups_failed = false;
    if enabled[USER] && !s.preserve_credentials {
        setuid.get_or_insert(Cred::Value(0));
        setgid.get_or_insert(Cred::Value(0));
        setgroups_failed = sys::drop_groups().is_err();
    }

    // Join the target's cgroups (every hierarchy) while we still have our own privileges.
    let me = std::process::id().to_string();
    for (dir, mut file) in cgroups {
        log::debug!("join cgroup {}", dir.display());
        file.write_all(me.as_bytes())
            .context("write cgroup.procs failed")?;
    }

    // Two passes: first all but the user namespace, failures ignored (entering a less privileged
    // user namespace first would take the right to enter the others); then whatever is left,
    // the user namespace first, failures fatal. As in util-linux, a first pass with nothing but
    // the user namespace to enter has the mask 0, which means all: the user namespace is then
    // entered in the first pass, and `--keep-caps` (which looks at what the first pass left)
    // does nothing.
    let first = mask_of(&enabled) & !NAMESPACES[USER].clone_flag;
    enter_namespaces(pidfd.as_ref(), first, &mut enabled, &mut opened, true)?;
    let left = mask_of(&enabled);
    if left != 0 {
        enter_namespaces(pidfd.as_ref(), left, &mut enabled, &mut opened, false)?;
    }
    drop(pidfd);

    change_directories(&mut opened, s.wdns.as_deref())?;
    if let Some(file) = environ {
        apply_environment(file)?;
    }
    let owner = match owner {
        Some(file) => Some(file.metadata().context("can not get process stat")?),
        None => None,
    };
    let resolve = |id: Option<Cred>, of_owner: fn(&std::fs::Metadata) -> u32| {
        id.map(|id| match (id, &owner) {
            (Cred::Follow, Some(m)) => of_owner(m),
            (Cred::Value(v), _) => v,
            // `follow` always opened the owner; 0 is util-linux's default.
            (Cred::Follow, None) => 0,
        })
    };
    let uid = resolve(setuid, |m| m.uid());
    let gid = resolve(setgid, |m| m.gid());

    // A PID namespace applies to children only: fork; the parent ends as the child ends.
    if fork {
        sys::default_sigchld();
        match sys::fork().context("fork failed")? {
            nix::unistd::ForkResult::Child => {}
            nix::unistd::ForkResult::Parent { child } => {
                let never = common::wait::wait_and_mirror(child, true).context("waitpid failed")?;
                match never {}
            }
        }
    }
    set_credentials(uid, gid, setgroups_failed)?;
    if s.keep_caps && left & NAMESPACES[USER].clone_flag != 0 {
        common::caps::permitted_to_ambient(common::caps::last_cap())
            .map_err(|(what, e)| anyhow::Error::new(e).context(what))?;
    }
    let err = if s.program.is_empty() {
        common::exec::exec_login_shell()
    } else {
        common::exec::execvp(&s.program)
    };
    Err(err.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_is_read_as_util_linux_reads_it() {
        let e = |b: &[u8]| {
            environment_entries(b)
                .into_iter()
                .map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy()))
                .collect::<Vec<_>>()
        };
        assert_eq!(e(b"A=1\0B=\0C=x=y\0"), ["A=1", "B=", "C=x=y"]);
        assert_eq!(
            e(b"A=1\0junk\0B=2\0"),
            ["B=2"],
            "an entry without = drops those before"
        );
        assert_eq!(e(b"A=1\0\0=v\0"), ["A=1", "=v"]);
        assert!(e(b"").is_empty());
    }
}
