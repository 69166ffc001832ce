//! Carrying out a [`Plan`]: everything is opened first (namespace files, root, cwd, the target's
//! environment and cgroups), then the namespaces are entered in util-linux's two passes, then
//! root and working directory, the fork for a PID namespace, credentials, and the exec.

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use common::ns::Namespace;
use common::ToolError;
use nix::unistd::{Gid, Uid};

use crate::cgroup::{target_groups, Unreachable};
use crate::plan::{self, Dir, Id, Plan, Source};
use crate::sys;

/// Whether SELinux is enabled (its filesystem is mounted), as libselinux's `is_selinux_enabled`.
pub fn selinux_enabled() -> bool {
    Path::new("/sys/fs/selinux/enforce").exists()
}

fn open(path: &Path) -> anyhow::Result<OwnedFd> {
    log::debug!("open {}", path.display());
    File::open(path)
        .map(OwnedFd::from)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn proc_path(pid: u32, what: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{what}"))
}

/// `--all`: is the target's namespace of this kind worth entering? Kinds our kernel lacks are
/// skipped, and so is the caller's own user namespace (setns would fail with EINVAL); as in
/// util-linux, only the user namespace of the target is looked at here.
fn usable_for_all(pid: u32, ns: &Namespace) -> anyhow::Result<bool> {
    let own = format!("/proc/self/ns/{}", ns.file);
    let ours = match std::fs::metadata(&own) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).with_context(|| format!("stat of {own} failed")),
    };
    if ns.file == "user" {
        let path = proc_path(pid, "ns/user");
        let theirs = std::fs::metadata(&path)
            .with_context(|| format!("stat of {} failed", path.display()))?;
        if ours.ino() == theirs.ino() && ours.dev() == theirs.dev() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The network namespace behind file descriptor `fd` of process `pid` (`-N`).
fn socket_namespace(pid: u32, fd: i32) -> anyhow::Result<OwnedFd> {
    let pidfd = sys::pidfd_open(pid).with_context(|| format!("cannot open process {pid}"))?;
    let sock = sys::pidfd_getfd(pidfd.as_fd(), fd)
        .with_context(|| format!("cannot get file descriptor {fd} of process {pid}"))?;
    let meta = File::from(sock.try_clone()?)
        .metadata()
        .with_context(|| format!("cannot stat file descriptor {fd} of process {pid}"))?;
    if !meta.file_type().is_socket() {
        return Err(ToolError::failed(
            1,
            format!("file descriptor {fd} of process {pid} is not a socket"),
        )
        .into());
    }
    sys::socket_net_ns(sock.as_fd()).with_context(|| {
        format!("cannot get the network namespace of socket {fd} of process {pid}")
    })
}

/// `/proc/PID/environ` as (name, value) pairs in the target's order.
fn target_environment(pid: u32) -> anyhow::Result<Vec<(OsString, OsString)>> {
    let path = proc_path(pid, "environ");
    log::debug!("open {}", path.display());
    let mut bytes = Vec::new();
    File::open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            (eq > 0).then(|| {
                (
                    OsString::from_vec(entry[..eq].to_vec()),
                    OsString::from_vec(entry[eq + 1..].to_vec()),
                )
            })
        })
        .collect())
}

/// The `cgroup.procs` files of every hierarchy the target is in, opened for writing.
fn open_target_cgroups(pid: u32) -> anyhow::Result<Vec<(PathBuf, File)>> {
    let proc_cgroup = proc_path(pid, "cgroup");
    let text = std::fs::read_to_string(&proc_cgroup)
        .with_context(|| format!("cannot read {}", proc_cgroup.display()))?;
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
        .context("cannot read /proc/self/mountinfo")?;
    let mut opened = Vec::new();
    for group in target_groups(&text, &mountinfo) {
        match group {
            Ok(dir) => {
                let procs = dir.join("cgroup.procs");
                log::debug!("open {}", procs.display());
                let file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&procs)
                    .with_context(|| format!("cannot open {}", procs.display()))?;
                opened.push((dir, file));
            }
            Err(Unreachable::NotMounted(h)) => {
                log::debug!("--join-cgroup: hierarchy {h} is not mounted here, skipped")
            }
            Err(Unreachable::Outside(g)) => {
                log::debug!("--join-cgroup: {g} is outside our mounts, skipped")
            }
        }
    }
    if opened.is_empty() {
        return Err(ToolError::failed(
            1,
            format!("--join-cgroup: no cgroup of process {pid} is reachable from here"),
        )
        .into());
    }
    Ok(opened)
}

/// A namespace ready to enter.
struct Entry {
    ns: &'static Namespace,
    source: Source,
    fd: Option<OwnedFd>,
}

/// Everything opened and read before the first setns.
struct Prepared {
    entries: Vec<Entry>,
    root: Option<OwnedFd>,
    wd: Option<OwnedFd>,
    /// `-W`: opened only after entering (the path is the namespace's).
    wdns: Option<PathBuf>,
    environment: Option<Vec<(OsString, OsString)>>,
    cgroups: Vec<(PathBuf, File)>,
    user_entered: bool,
    uid: Option<u32>,
    gid: Option<u32>,
    /// `--keep-caps` with a user namespace: the kernel's last capability number.
    keep_caps: Option<u32>,
}

/// Set the SELinux exec context (`-Z`); open every namespace (files named on the command line
/// first, as util-linux opens them while reading argv; then a socket's namespace; then the
/// target's), the root and working directories, the target's environment and cgroups; settle
/// the credentials.
fn prepare(plan: &Plan) -> anyhow::Result<Prepared> {
    let tpid = plan.target.unwrap_or(0);
    if plan.follow_context {
        // setexeccon() as util-linux does it, right away: later /proc may be the container's.
        let path = proc_path(tpid, "attr/current");
        let mut ctx = std::fs::read(&path)
            .with_context(|| format!("failed to get {tpid} SELinux context"))?;
        while ctx.last() == Some(&0) || ctx.last() == Some(&b'\n') {
            ctx.pop();
        }
        log::debug!("exec context {}", String::from_utf8_lossy(&ctx));
        std::fs::write("/proc/thread-self/attr/exec", &ctx).with_context(|| {
            format!(
                "failed to set exec context to '{}'",
                String::from_utf8_lossy(&ctx)
            )
        })?;
    }

    let mut entries: Vec<Entry> = Vec::new();
    for request in &plan.namespaces {
        if request.from_all && !usable_for_all(tpid, request.ns)? {
            continue;
        }
        entries.push(Entry {
            ns: request.ns,
            source: request.source.clone(),
            fd: None,
        });
    }
    for pass in 0..3 {
        for entry in entries.iter_mut() {
            let fd = match (&entry.source, pass) {
                (Source::File(path), 0) => open(path)?,
                (Source::Socket(fd), 1) => socket_namespace(tpid, *fd)?,
                (Source::Target, 2) => open(&proc_path(tpid, &format!("ns/{}", entry.ns.file)))?,
                _ => continue,
            };
            entry.fd = Some(fd);
        }
    }
    let open_dir = |dir: &Option<Dir>, what: &str| -> anyhow::Result<Option<OwnedFd>> {
        match dir {
            Some(Dir::Target) => open(&proc_path(tpid, what)).map(Some),
            Some(Dir::Path(p)) => open(p).map(Some),
            None => Ok(None),
        }
    };
    let root = open_dir(&plan.root, "root")?;
    let wd = open_dir(&plan.wd, "cwd")?;
    let wdns = match &plan.wdns {
        Some(Dir::Path(p)) => Some(p.clone()),
        Some(Dir::Target) => {
            let link = proc_path(tpid, "cwd");
            Some(
                std::fs::read_link(&link)
                    .with_context(|| format!("cannot read link {}", link.display()))?,
            )
        }
        None => None,
    };
    let environment = if plan.env {
        Some(target_environment(tpid)?)
    } else {
        None
    };
    if plan.user_parent {
        let source = entries
            .iter()
            .find_map(|e| e.fd.as_ref())
            .ok_or_else(|| anyhow!("no namespace to find the parent user namespace from"))?;
        let parent = sys::owning_user_ns(source.as_fd()).context("failed to open parent ns")?;
        match entries.iter_mut().find(|e| e.ns.file == "user") {
            Some(user) => user.fd = Some(parent),
            None => entries.insert(
                0,
                Entry {
                    ns: &common::ns::NAMESPACES[0],
                    source: Source::Target,
                    fd: Some(parent),
                },
            ),
        }
    }
    let cgroups = if plan.join_cgroup {
        open_target_cgroups(tpid)?
    } else {
        Vec::new()
    };

    let user_entered = entries.iter().any(|e| e.ns.file == "user");
    let (uid, gid) = plan::credentials(plan, user_entered);
    let follow = if uid == Some(Id::Follow) || gid == Some(Id::Follow) {
        let path = PathBuf::from(format!("/proc/{tpid}"));
        let m = std::fs::metadata(&path)
            .with_context(|| format!("stat of {} failed", path.display()))?;
        Some((m.uid(), m.gid()))
    } else {
        None
    };
    let resolve = |id: Option<Id>, pick: fn((u32, u32)) -> u32| {
        id.map(|id| match id {
            Id::Default => 0,
            Id::Value(v) => v,
            Id::Follow => follow.map(pick).unwrap_or(0),
        })
    };
    Ok(Prepared {
        entries,
        root,
        wd,
        wdns,
        environment,
        cgroups,
        user_entered,
        uid: resolve(uid, |(u, _)| u),
        gid: resolve(gid, |(_, g)| g),
        keep_caps: (plan.keep_caps && user_entered).then(common::caps::last_cap),
    })
}

/// Enter the namespaces in util-linux's two passes: first all but the user namespace, failures
/// ignored (entering a less privileged user namespace first would take the right to enter the
/// others); then whatever is left, user namespace first, failures fatal. Returns what was
/// entered.
fn enter(entries: &mut [Entry]) -> anyhow::Result<Vec<&'static Namespace>> {
    let mut entered = Vec::new();
    for pass in 0..2 {
        for entry in entries.iter_mut() {
            if pass == 0 && entry.ns.file == "user" {
                continue;
            }
            let Some(fd) = entry.fd.as_ref() else {
                continue;
            };
            match sys::setns(fd.as_fd(), entry.ns.clone_flag) {
                Ok(()) => {
                    entered.push(entry.ns);
                    entry.fd = None;
                }
                Err(_) if pass == 0 => continue,
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "reassociate to namespace 'ns/{}' failed",
                        entry.ns.file
                    )))
                }
            }
        }
    }
    Ok(entered)
}

/// Do everything the plan says; returns only on failure (a forking parent ends as its child).
pub fn execute(plan: Plan) -> anyhow::Result<u8> {
    let Prepared {
        mut entries,
        root,
        mut wd,
        wdns,
        environment,
        cgroups,
        user_entered,
        uid,
        gid,
        keep_caps,
    } = prepare(&plan)?;

    // setgroups() is tried before and after entering a user namespace; only both failing counts.
    let mut setgroups_failed = false;
    if user_entered && !plan.preserve_credentials {
        setgroups_failed = sys::drop_groups().is_err();
    }

    // Join the target's cgroups (every hierarchy) while we still have our own privileges.
    let me = std::process::id().to_string();
    for (dir, mut file) in cgroups {
        log::debug!("join cgroup {}", dir.display());
        file.write_all(me.as_bytes())
            .with_context(|| format!("cannot join cgroup {}", dir.display()))?;
    }

    let entered = enter(&mut entries)?;

    // Root and working directory (util-linux's wording for each step).
    if root.is_some() && wd.is_none() && wdns.is_none() {
        wd = Some(open(Path::new(".")).context("cannot open current working directory")?);
    }
    if let Some(root) = root {
        sys::fchdir(&root).context("change directory by root file descriptor failed")?;
        log::debug!("chroot(\".\")");
        nix::unistd::chroot(".").context("chroot failed")?;
        std::env::set_current_dir("/").context("cannot change directory to /")?;
    }
    if let Some(dir) = &wdns {
        wd = Some(
            File::open(dir)
                .map(OwnedFd::from)
                .context("cannot open current working directory")?,
        );
    }
    if let Some(wd) = wd {
        sys::fchdir(&wd).context("change directory by working directory file descriptor failed")?;
    }

    if let Some(vars) = environment {
        let current: Vec<OsString> = std::env::vars_os().map(|(k, _)| k).collect();
        for key in current {
            std::env::remove_var(key);
        }
        for (key, value) in vars {
            std::env::set_var(key, value);
        }
    }

    // A PID namespace applies to children only: fork; the parent ends as the child ends.
    if plan::forks(&plan, &entered) {
        sys::default_sigchld();
        match sys::fork().context("fork failed")? {
            nix::unistd::ForkResult::Child => {}
            nix::unistd::ForkResult::Parent { child } => {
                let never = common::wait::wait_and_mirror(child, true).context("waitpid failed")?;
                match never {}
            }
        }
    }

    // Credentials, capabilities, exec.
    if let Some(gid) = gid {
        if sys::drop_groups().is_err() && setgroups_failed {
            sys::drop_groups().context("setgroups failed")?;
        }
        log::debug!("setgid({gid})");
        nix::unistd::setgid(Gid::from_raw(gid)).context("setgid failed")?;
    }
    if let Some(uid) = uid {
        log::debug!("setuid({uid})");
        nix::unistd::setuid(Uid::from_raw(uid)).context("setuid failed")?;
    }
    if let Some(last) = keep_caps {
        common::caps::permitted_to_ambient(last)
            .map_err(|(what, e)| anyhow::Error::new(e).context(what))?;
    }
    let err = if plan.program.is_empty() {
        common::exec::exec_login_shell()
    } else {
        common::exec::execvp(&plan.program)
    };
    Err(err.into())
}
