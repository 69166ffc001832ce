//! Operations on one group in one hierarchy: create (with libcgroup's owners and modes), delete,
//! attach a process, list descendants and settings. Paths come through [`crate::path`], so none
//! of these can leave the hierarchy. What differs between cgroup v1 and v2 (the task file, enabling
//! controllers for a new group, a group's controllers) the [`Hierarchy`] answers.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{CgError, Ecg};
use crate::layout::Hierarchy;
use crate::path;
use crate::spec::Owner;

/// cgcreate's `-a -t -d -f -s`.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub admin: Owner,
    pub task: Owner,
    pub dperm: Option<u32>,
    pub fperm: Option<u32>,
    pub tperm: Option<u32>,
}

/// What a successful [`create`] made, for rollback when a later hierarchy fails.
#[derive(Debug, Default)]
pub struct Created {
    dirs: Vec<PathBuf>,
}

impl Created {
    /// Remove the directories this run created, deepest first.
    pub fn rollback(self) {
        for dir in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// mkdir -p `rel` under the hierarchy (mode 0775 less the umask, as libcgroup), making the
/// controllers available in every ancestor ([`Hierarchy::enable_controllers`]: v2's
/// `cgroup.subtree_control`), then give the group its owners and modes. `caller` is the (uid, gid) used where no owner was given.
pub fn create(
    h: &Hierarchy,
    controllers: &[String],
    dir: &Path,
    opts: &CreateOptions,
    caller: (u32, u32),
    created: &mut Created,
) -> Result<(), CgError> {
    let mount = h.mount();
    let rel = dir.strip_prefix(mount).unwrap_or(Path::new(""));
    let mut cur = mount.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for comp in &comps {
        h.enable_controllers(&cur, controllers)?;
        cur.push(comp);
        match std::fs::DirBuilder::new().mode(0o775).create(&cur) {
            Ok(()) => {
                crate::cg_debug!("created directory {}", cur.display());
                created.dirs.push(cur.clone())
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
                return Err(CgError::new(Ecg::NotOwner))
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The hierarchy root is never ours to re-own: `cgcreate -g memory:/` would otherwise chown and
    // chmod every group on the machine. It exists, so there is nothing to create either.
    if dir == mount {
        return Ok(());
    }
    // Owners: the admin (or the caller) owns the directory and everything in it.
    let uid = opts.admin.uid.unwrap_or(caller.0);
    let gid = opts.admin.gid.unwrap_or(caller.1);
    let task_owner_file = h.task_owner_file();
    crate::cg_debug!("changing ownership of {} to {uid}:{gid}", dir.display());
    walk(dir, &mut |p, is_dir| {
        crate::cg_debug!("chown {uid}:{gid} {}", p.display());
        std::os::unix::fs::lchown(p, Some(uid), Some(gid))?;
        let is_tasks =
            !is_dir && task_owner_file.is_some_and(|f| p.file_name() == Some(f.as_ref()));
        let new = if is_dir {
            opts.dperm
        } else if is_tasks {
            None
        } else {
            match opts.fperm {
                // The current mode is only needed (one stat per file) when -f was given.
                Some(m) => Some(masked(m, std::fs::symlink_metadata(p)?.mode() & 0o7777)),
                None => None,
            }
        };
        if let Some(new) = new {
            crate::cg_debug!("chmod {new:o} {}", p.display());
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(new))?;
        }
        Ok(())
    })?;
    // v1: the task owner owns `tasks`, with -s as its (masked) mode.
    if let Some(file) = task_owner_file {
        let tasks = dir.join(file);
        crate::cg_debug!(
            "chown {}:{} {}",
            opts.task.uid.unwrap_or(caller.0),
            opts.task.gid.unwrap_or(caller.1),
            tasks.display()
        );
        std::os::unix::fs::lchown(
            &tasks,
            Some(opts.task.uid.unwrap_or(caller.0)),
            Some(opts.task.gid.unwrap_or(caller.1)),
        )?;
        if let Some(m) = opts.tperm {
            let mode = std::fs::symlink_metadata(&tasks)?.mode() & 0o7777;
            crate::cg_debug!("chmod {:o} {}", masked(m, mode), tasks.display());
            std::fs::set_permissions(&tasks, std::fs::Permissions::from_mode(masked(m, mode)))?;
        }
    }
    crate::cg_info!("created cgroup {}", dir.display());
    Ok(())
}

/// libcgroup's `owner_is_umask`: the file's owner bits, copied to group and other, mask the
/// requested mode (a read-only file stays read-only whatever `-f` says).
pub fn masked(requested: u32, current: u32) -> u32 {
    let owner = (current >> 6) & 7;
    requested & (owner | owner << 3 | owner << 6)
}

/// Visit `dir` itself and everything below it (pre-order), never following symlinks. Bounded by
/// the tree's size; a cgroup tree has no cycles.
fn walk(dir: &Path, f: &mut dyn FnMut(&Path, bool) -> io::Result<()>) -> io::Result<()> {
    f(dir, true)?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&entry.path(), f)?;
        } else if !ft.is_symlink() {
            f(&entry.path(), false)?;
        }
    }
    Ok(())
}

/// Subgroups of `dir`, pre-order, in directory order (what lscgroup prints).
pub fn descendants(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    fn rec(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        if depth > 4096 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(entry.path());
                rec(&entry.path(), out, depth + 1);
            }
        }
    }
    rec(dir, &mut out, 0);
    out
}

/// Move every task listed in `from`'s task file into `to`. Tasks that exit meanwhile are fine.
fn move_tasks(h: &Hierarchy, from: &Path, to: &Path) -> Result<(), CgError> {
    let file = h.task_file();
    let text = match path::read_knob(from, file) {
        Ok(t) => t,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for id in text.split_whitespace() {
        crate::cg_debug!(
            "moving task {id} from {} to {}",
            from.display(),
            to.display()
        );
        match path::write_knob(to, file, id) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(e) => {
                crate::cg_warn!(
                    "Warning: removing tasks from {} failed: {}",
                    from.display(),
                    common::strerror(e.raw_os_error().unwrap_or(libc::EIO))
                );
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// rmdir, retrying briefly while the kernel finishes releasing tasks that just left (an
/// OOM-killed process keeps a v1 group busy for a moment). Bounded: at most ~200 ms.
fn rmdir(dir: &Path) -> io::Result<()> {
    let mut tries = 0;
    loop {
        crate::cg_debug!("removing directory {}", dir.display());
        match std::fs::remove_dir(dir) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 20 => {
                if !descendants(dir).is_empty() {
                    return Err(e);
                }
                let has_tasks = std::fs::read_to_string(dir.join("cgroup.procs"))
                    .map(|t| !t.trim().is_empty())
                    .unwrap_or(false);
                if has_tasks {
                    return Err(e);
                }
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Delete the group at `dir` (libcgroup's `cgroup_delete_cgroup_ext`): its tasks move to the
/// parent first; with `recursive`, every subgroup goes too, depth-first, its tasks also moving to
/// the named group's parent. The hierarchy root is never removed: without `recursive` it is
/// skipped, with it only its subgroups go.
pub fn delete(h: &Hierarchy, dir: &Path, recursive: bool) -> Result<(), CgError> {
    let is_root = dir == h.mount();
    if is_root && !recursive {
        return Ok(());
    }
    if !path::is_dir(dir) {
        return Err(CgError::errno(libc::ENOENT));
    }
    let parent = if is_root {
        dir.to_path_buf()
    } else {
        dir.parent().unwrap_or(dir).to_path_buf()
    };
    if recursive {
        let mut subs = descendants(dir);
        subs.reverse(); // children before their parents
        for sub in subs {
            remove_one(h, &sub, &parent)?;
        }
    }
    if is_root {
        return Ok(());
    }
    remove_one(h, dir, &parent)?;
    crate::cg_info!("removed cgroup {}", dir.display());
    Ok(())
}

/// Move the tasks of `dir` to `parent` and remove it. A systemd scope's idle process is ended
/// instead of moved ([`crate::systemd::end_idle_in`]); systemd may then remove the empty scope
/// before we do, which is the same result.
fn remove_one(h: &Hierarchy, dir: &Path, parent: &Path) -> Result<(), CgError> {
    let ended_idle = crate::systemd::end_idle_in(dir);
    move_tasks(h, dir, parent)?;
    match rmdir(dir) {
        Err(e) if ended_idle && e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        other => Ok(other?),
    }
}

/// Move process `pid` with all its threads into the group at `dir` (via `cgroup.procs`).
pub fn attach(dir: &Path, pid: i32) -> Result<(), CgError> {
    crate::cg_debug!("will move pid {pid} to cgroup {}", dir.display());
    if !path::is_dir(dir) {
        crate::cg_warn!("Warning: cgroup {} does not exist", dir.display());
        return Err(CgError::new(Ecg::NotExist));
    }
    match path::write_knob(dir, "cgroup.procs", &pid.to_string()) {
        Ok(()) => {
            crate::cg_info!("moved pid {pid} to {}", dir.display());
            Ok(())
        }
        Err(e) => {
            crate::cg_warn!(
                "Warning: cannot write pid {pid} to {}/cgroup.procs: {}",
                dir.display(),
                common::strerror(e.raw_os_error().unwrap_or(libc::EIO))
            );
            Err(CgError::io(&e))
        }
    }
}

/// The value of a setting as cgget prints it: trailing newline dropped; `None` when unreadable.
pub fn read_value(dir: &Path, name: &str) -> io::Result<String> {
    let text = path::read_knob(dir, name)?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// Setting files of `ctrl` in `dir`, in directory order (`cpu.` prefix; for v2's core `cgroup`
/// pseudo-controller the `cgroup.` files).
pub fn settings(dir: &Path, ctrl: &str) -> Vec<String> {
    let prefix = format!("{ctrl}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;
    use crate::layout::Layout;

    #[test]
    fn mode_mask_follows_owner_bits() {
        assert_eq!(masked(0o640, 0o444), 0o440);
        assert_eq!(masked(0o604, 0o644), 0o604);
        assert_eq!(masked(0o777, 0o200), 0o222);
        assert_eq!(masked(0o640, 0o644), 0o640);
    }

    #[test]
    fn create_and_delete_on_a_fixture_v1_tree() {
        let fx = Fixture::new("create-v1", LEGACY, PROC_CGROUPS);
        fx.dir("/sys/fs/cgroup/memory");
        let l = Layout::load_from(&fx.roots()).unwrap();
        let h = l.find("memory").unwrap();
        let dir = crate::path::join(h.mount(), "a/b").unwrap();
        let mut created = Created::default();
        // A fixture directory has no kernel-made files: add the one create() chowns.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tasks"), "").unwrap();
        std::fs::write(dir.join("memory.max_usage_in_bytes"), "").unwrap();
        std::fs::set_permissions(
            dir.join("memory.max_usage_in_bytes"),
            std::fs::Permissions::from_mode(0o444),
        )
        .unwrap();
        let me = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        let opts = CreateOptions {
            dperm: Some(0o750),
            fperm: Some(0o660),
            tperm: Some(0o604),
            ..Default::default()
        };
        create(h, &["memory".into()], &dir, &opts, me, &mut created).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir), 0o750);
        assert_eq!(mode(&dir.join("memory.max_usage_in_bytes")), 0o440);
        assert_eq!(mode(&dir.join("tasks")), 0o604);
        // The parent existed before: not ours to chmod.
        assert_ne!(mode(dir.parent().unwrap()), 0o750);
        assert_eq!(delete(h, &dir, false).unwrap_err().errno, libc::ENOTEMPTY);
        std::fs::remove_file(dir.join("tasks")).unwrap();
        std::fs::remove_file(dir.join("memory.max_usage_in_bytes")).unwrap();
        delete(h, dir.parent().unwrap(), true).unwrap();
        assert!(!fx.exists("/sys/fs/cgroup/memory/a"));
        assert_eq!(
            delete(h, &dir, false).unwrap_err(),
            CgError::errno(libc::ENOENT)
        );
        // Creating the root is a no-op: nothing re-owned or re-moded.
        let root_mode = mode(h.mount());
        let strict = CreateOptions {
            dperm: Some(0o700),
            admin: crate::spec::Owner {
                uid: Some(12345),
                gid: Some(12345),
            },
            ..Default::default()
        };
        create(h, &[], h.mount(), &strict, me, &mut Created::default()).unwrap();
        assert_eq!(mode(h.mount()), root_mode);
        assert_ne!(std::fs::metadata(h.mount()).unwrap().uid(), 12345);
        // The root is never removed.
        delete(h, h.mount(), false).unwrap();
        delete(h, h.mount(), true).unwrap();
        assert!(fx.exists("/sys/fs/cgroup/memory"));
    }

    #[test]
    fn v2_create_enables_controllers_in_ancestors_that_lack_them() {
        let fx = Fixture::new("create-v2", UNIFIED, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
        fx.file("/sys/fs/cgroup/cgroup.subtree_control", "");
        fx.file("/sys/fs/cgroup/a/cgroup.subtree_control", "memory\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        let h = l.find("memory").unwrap();
        let dir = crate::path::join(h.mount(), "a/b").unwrap();
        let me = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        let mut created = Created::default();
        create(
            h,
            &["memory".into()],
            &dir,
            &CreateOptions::default(),
            me,
            &mut created,
        )
        .unwrap();
        assert!(dir.is_dir());
        // The root lacked +memory and got it; `a` had it and was left alone (a plain file in a
        // fixture keeps what was written last).
        assert_eq!(
            std::fs::read_to_string(fx.path("/sys/fs/cgroup/cgroup.subtree_control")).unwrap(),
            "+memory"
        );
        assert_eq!(
            std::fs::read_to_string(fx.path("/sys/fs/cgroup/a/cgroup.subtree_control")).unwrap(),
            "memory\n"
        );
        created.rollback();
        assert!(!dir.exists());
        assert!(fx.exists("/sys/fs/cgroup/a"));
    }

    #[test]
    fn descendants_and_settings() {
        let fx = Fixture::new("desc", UNIFIED, PROC_CGROUPS);
        fx.dir("/sys/fs/cgroup/x/y/z").dir("/sys/fs/cgroup/w");
        fx.file("/sys/fs/cgroup/x/memory.max", "max\n")
            .file("/sys/fs/cgroup/x/memory.high", "max\n")
            .file("/sys/fs/cgroup/x/cpu.max", "max 100000\n")
            .file("/sys/fs/cgroup/x/cgroup.controllers", "cpu memory\n");
        let root = fx.path("/sys/fs/cgroup");
        let d = descendants(&root);
        assert_eq!(d.len(), 4);
        let xi = d.iter().position(|p| p.ends_with("x")).unwrap();
        assert!(d[xi + 1].ends_with("x/y"));
        assert!(d[xi + 2].ends_with("x/y/z"));
        let mut s = settings(&root.join("x"), "memory");
        s.sort();
        assert_eq!(s, ["memory.high", "memory.max"]);
        assert_eq!(
            read_value(&root.join("x"), "cpu.max").unwrap(),
            "max 100000"
        );
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(
            l.unified().unwrap().group_controllers(&root.join("x")),
            ["cpu", "memory"]
        );
        assert_eq!(
            attach(&root.join("nope"), 1).unwrap_err().code,
            Ecg::NotExist
        );
    }
}
