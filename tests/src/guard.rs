//! Guards that clean up in every outcome: test cgroups and process groups.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// `nst-<prefix>-<pid>-<counter>`: unique per process and call, recognisable as ours.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "nst-{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Paths of the machine's supervisor: never written, never removed.
fn is_off_limits(path: &Path) -> bool {
    path.to_string_lossy().contains("process_api")
}

/// A cgroup this test created (directly under a hierarchy root); removed on drop with every
/// descendant, after killing the processes inside (which only this test can have put there).
#[derive(Debug)]
pub struct TestCgroup {
    /// Absolute directory, e.g. `/sys/fs/cgroup/memory/nst-oom-123-0`.
    pub path: PathBuf,
    /// The group's path relative to its hierarchy root, e.g. `nst-oom-123-0` (for `-g memory:...`).
    pub name: String,
}

impl TestCgroup {
    /// Create a fresh group under `hierarchy_root` (e.g. `/sys/fs/cgroup/memory`).
    pub fn create(hierarchy_root: &Path, prefix: &str) -> Result<Self, String> {
        let name = unique_name(prefix);
        let path = hierarchy_root.join(&name);
        if is_off_limits(&path) {
            return Err(format!("refusing to create {}", path.display()));
        }
        std::fs::create_dir(&path).map_err(|e| format!("mkdir {}: {e}", path.display()))?;
        Ok(TestCgroup { path, name })
    }

    /// Adopt a group that a tool under test will create (or has created) at `path`, so it is
    /// removed on drop even when the test fails half-way. `name` is the hierarchy-relative path.
    pub fn adopt(path: PathBuf, name: &str) -> Result<Self, String> {
        if is_off_limits(&path) {
            return Err(format!("refusing to manage {}", path.display()));
        }
        Ok(TestCgroup {
            path,
            name: name.to_string(),
        })
    }

    /// Read a file of the group, trimmed.
    pub fn read(&self, file: &str) -> Result<String, String> {
        std::fs::read_to_string(self.path.join(file))
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("read {}/{file}: {e}", self.path.display()))
    }

    /// Write a file of the group.
    pub fn write(&self, file: &str, value: &str) -> Result<(), String> {
        std::fs::write(self.path.join(file), value)
            .map_err(|e| format!("write {value} to {}/{file}: {e}", self.path.display()))
    }
}

/// PIDs listed in a group's `cgroup.procs` (or `tasks`).
fn members(dir: &Path) -> Vec<i32> {
    ["cgroup.procs", "tasks"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .flat_map(|s| {
            s.lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}

/// Remove `dir` and its subgroups depth-first, killing member processes first. Bounded.
fn remove_tree(dir: &Path) {
    if is_off_limits(dir) || !dir.is_dir() {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        for pid in members(dir) {
            // SAFETY: plain kill(2); these processes are in a group only this test created.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        // Thaw a frozen v2 group so the kills can land.
        let _ = std::fs::write(dir.join("cgroup.freeze"), "0");
        let _ = std::fs::write(dir.join("freezer.state"), "THAWED");
        if std::fs::remove_dir(dir).is_ok() || !dir.exists() || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        remove_tree(&self.path);
    }
}

/// A spawned child in its own process group; on drop the whole group is killed and the child
/// reaped, so a failing test leaks nothing.
#[derive(Debug)]
pub struct ChildGuard {
    pub child: Child,
}

impl ChildGuard {
    /// Spawn `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> Result<Self, String> {
        let child = cmd
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot spawn {cmd:?}: {e}"))?;
        Ok(ChildGuard { child })
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Wait for the child to exit by itself within `deadline`.
    pub fn wait_timeout(&mut self, deadline: Duration) -> Result<std::process::ExitStatus, String> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status);
            }
            if start.elapsed() > deadline {
                return Err(format!(
                    "child {} still running after {deadline:?}",
                    self.pid()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // SAFETY: the group was created by spawn(); killing a gone group is harmless.
        unsafe { libc::killpg(self.pid(), libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.wait_timeout(Duration::from_secs(10));
    }
}

/// Poll `cond` every 10 ms until it holds or `deadline` passes.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

/// libcgroup's idle process name (`cgcreate -c` without `-p` re-executes itself under it).
pub const IDLE_NAME: &str = "libcgroup_systemd_idle_thread";

/// `argv[0]` of process `pid` (empty when it is gone).
pub fn argv0_of(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(b.split(|c| *c == 0).next().unwrap_or(&[])).into_owned())
        .unwrap_or_default()
}

/// Idle processes that are not children of this test process: what a failed `cgcreate -c` would
/// leak (its idle child, orphaned when cgcreate exits).
pub fn leaked_idle_processes() -> Vec<i32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter(|pid| argv0_of(*pid) == IDLE_NAME)
                .filter(|pid| {
                    let stat =
                        std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                    let ppid = stat
                        .rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().nth(1));
                    ppid != Some(me.as_str())
                })
                .collect()
        })
        .unwrap_or_default()
}
