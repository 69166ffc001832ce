//! libcgroup 3.1's systemd support (built `WITH_SYSTEMD`): scopes made by `cgcreate -c`, the
//! default slice/scope recorded by `cgcreate -c -S`, and the idle process that keeps a scope alive.
//!
//! * A scope is named `<slice>.slice/<name>.scope` on the command line. systemd nests a slice
//!   `a-b.slice` as `a.slice/a-b.slice`, so the scope's cgroup is [`ScopeName::cgroup_path`].
//! * `cgcreate -c` asks systemd for a transient scope unit with `StartTransientUnit` through
//!   `busctl` (shipped with systemd wherever it is PID 1; no D-Bus code of our own), with
//!   `Delegate=yes` (and `DelegateControllers=` the named controllers) and one process in it: the
//!   pid of `-p`, or an idle process named `libcgroup_systemd_idle_thread`, forked from cgcreate,
//!   that sleeps until killed. A scope without processes is stopped by systemd: the idle process
//!   is what keeps an empty scope alive. `cgexec -r`/`cgclassify -r` kill it once the real task is in.
//! * `-S` writes `slice/scope` to `/var/run/libcgroup/systemd`; every tool then takes `-g` and
//!   positional paths relative to that scope's cgroup, unless `-b` is given.
//!
//! The file and `/run/systemd/system` are looked up under [`Roots::fs`], so the rules are
//! unit-tested on fixture trees; the plan (`busctl` argument vector) is pure.

use std::io;
use std::path::{Path, PathBuf};

use crate::layout::{Layout, Mode, Roots};

/// Where libcgroup records the default slice/scope (relative to the fs root).
pub const DEFAULT_FILE: &str = "var/run/libcgroup/systemd";

/// The idle process's name (libcgroup installs a program of that name; ours is cgcreate itself,
/// re-executed under that `argv[0]`).
pub const IDLE_NAME: &str = "libcgroup_systemd_idle_thread";

/// How long cgcreate waits for systemd to make the scope's cgroup (libcgroup times out too).
pub const SCOPE_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// A scope as `cgcreate -c -g ctrls:<slice>.slice/<name>.scope` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeName {
    /// `nst.slice`
    pub slice: String,
    /// `x.scope`
    pub scope: String,
}

/// Characters systemd allows in a unit name (`unit_name_is_valid`, no templates).
fn valid_unit(name: &str, suffix: &str) -> bool {
    let Some(stem) = name.strip_suffix(suffix) else {
        return false;
    };
    !stem.is_empty()
        && name.len() <= 255
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":-_.\\".contains(&b))
}

impl ScopeName {
    /// Parse `<slice>.slice/<name>.scope` (leading/trailing `/` ignored). A slice name follows
    /// systemd's rules: `-` separates nesting levels, so it neither starts nor ends with one and
    /// has no `--` (the root slice `-.slice` is allowed).
    pub fn parse(path: &str) -> Option<ScopeName> {
        let trimmed = path.trim_matches('/');
        let (slice, scope) = trimmed.split_once('/')?;
        if scope.contains('/') || !valid_unit(slice, ".slice") || !valid_unit(scope, ".scope") {
            return None;
        }
        let stem = &slice[..slice.len() - ".slice".len()];
        if stem != "-" && (stem.starts_with('-') || stem.ends_with('-') || stem.contains("--")) {
            return None;
        }
        Some(ScopeName {
            slice: slice.to_string(),
            scope: scope.to_string(),
        })
    }

    /// The slice's cgroup directory, relative to the hierarchy root: `a-b.slice` is
    /// `a.slice/a-b.slice`, `-.slice` the root itself.
    pub fn slice_path(&self) -> String {
        let stem = &self.slice[..self.slice.len() - ".slice".len()];
        if stem == "-" {
            return String::new();
        }
        let mut parts = Vec::new();
        let mut prefix = String::new();
        for (i, piece) in stem.split('-').enumerate() {
            if i > 0 {
                prefix.push('-');
            }
            prefix.push_str(piece);
            parts.push(format!("{prefix}.slice"));
        }
        parts.join("/")
    }

    /// The scope's cgroup, relative to the hierarchy root (`nst.slice/x.scope`).
    pub fn cgroup_path(&self) -> String {
        let slice = self.slice_path();
        if slice.is_empty() {
            self.scope.clone()
        } else {
            format!("{slice}/{}", self.scope)
        }
    }

    /// What `-S` records: `slice/scope`, as libcgroup writes it.
    pub fn record(&self) -> String {
        format!("{}/{}", self.slice, self.scope)
    }
}

/// The hierarchy where systemd keeps its units: cgroup2 on a unified host, else the named
/// `name=systemd` v1 hierarchy (falling back to cgroup2 on a hybrid host without one).
pub fn unit_hierarchy(layout: &Layout) -> Option<&crate::layout::Hierarchy> {
    match layout.mode() {
        Some(Mode::Unified) => layout.unified(),
        _ => layout.find("name=systemd").or_else(|| layout.unified()),
    }
}

/// Read the default slice/scope that `cgcreate -c -S` recorded, as a cgroup path relative to the
/// hierarchy roots (`nst.slice/x.scope`). No file: `None`. A file that does not name a scope, or a
/// scope whose cgroup is gone (it ended), is reported at WARNING level and ignored.
pub fn read_default(roots: &Roots, layout: &Layout) -> Option<String> {
    let file = roots.fs.join(DEFAULT_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            if e.kind() != io::ErrorKind::NotFound {
                crate::cg_warn!("Warning: cannot read {}: {}", file.display(), describe(&e));
            }
            return None;
        }
    };
    let line = text.lines().next().unwrap_or("").trim_end();
    let Some(name) = ScopeName::parse(line) else {
        crate::cg_warn!(
            "Malformed systemd default cgroup {line}, continuing without systemd default cgroup."
        );
        return None;
    };
    let path = name.cgroup_path();
    if let Some(h) = unit_hierarchy(layout) {
        let dir = crate::path::join(h.mount(), &path).ok();
        if !dir.as_deref().is_some_and(crate::path::is_dir) {
            crate::cg_warn!(
                "Warning: systemd default cgroup {line} does not exist in {}, continuing without systemd default cgroup.",
                h.mount().display()
            );
            return None;
        }
    }
    crate::cg_debug!(
        "systemd default cgroup {path} (from {}): paths are relative to it",
        file.display()
    );
    Some(path)
}

/// Record `name` as the default (`-S`), creating `/var/run/libcgroup/` if needed.
pub fn write_default(roots: &Roots, name: &ScopeName) -> io::Result<PathBuf> {
    let file = roots.fs.join(DEFAULT_FILE);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::cg_debug!(
        "Setting/Writing systemd default cgroup {} to file {}",
        name.record(),
        file.display()
    );
    std::fs::write(&file, name.record())?;
    Ok(file)
}

/// A group path given on the command line, made relative to the default scope when there is one.
pub fn under(base: Option<&str>, path: &str) -> String {
    match base {
        Some(b) => format!("{b}/{}", path.trim_start_matches('/')),
        None => path.to_string(),
    }
}

/// The system bus's socket (relative to the fs root), where sd-bus connects.
const BUS_SOCKET: &str = "run/dbus/system_bus_socket";

/// Whether `cgcreate -c` can ask systemd for a scope, as libcgroup finds out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// systemd is PID 1 (the test `sd_booted()` makes: `/run/systemd/system` exists).
    Running,
    /// The system bus cannot be opened: connecting to its socket failed with this errno, which
    /// libcgroup prints (`failed to open the system bus: 2` where there is no bus).
    NoBus(i32),
    /// A bus answers but systemd is not PID 1.
    NotRunning,
}

/// How far systemd can be reached on this host.
pub fn reach(roots: &Roots) -> Reach {
    if roots.fs.join("run/systemd/system").is_dir() {
        return Reach::Running;
    }
    match std::os::unix::net::UnixStream::connect(roots.fs.join(BUS_SOCKET)) {
        Ok(_) => Reach::NotRunning,
        Err(e) => Reach::NoBus(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}

/// What `cgcreate -c` asks systemd for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRequest {
    pub name: ScopeName,
    pub pid: u32,
    /// Controllers to delegate; empty (or `*`) delegates all of them.
    pub controllers: Vec<String>,
}

/// The `busctl` arguments that start the transient scope: systemd's
/// `StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux)` with mode `fail` (an
/// existing unit is an error) and the properties libcgroup sets (Description, Slice, Delegate,
/// PIDs), plus `DelegateControllers` when specific controllers were named.
pub fn busctl_args(req: &ScopeRequest) -> Vec<String> {
    let delegated: Vec<&String> = req
        .controllers
        .iter()
        .filter(|c| !c.starts_with("name="))
        .collect();
    let all = delegated.is_empty() || delegated.iter().any(|c| *c == "*");
    let mut props: Vec<Vec<String>> = vec![
        vec![
            "Description".into(),
            "s".into(),
            "scope created by libcgroup".into(),
        ],
        vec!["Slice".into(), "s".into(), req.name.slice.clone()],
        vec!["Delegate".into(), "b".into(), "true".into()],
        vec!["PIDs".into(), "au".into(), "1".into(), req.pid.to_string()],
    ];
    if !all {
        let mut p = vec![
            "DelegateControllers".into(),
            "as".into(),
            delegated.len().to_string(),
        ];
        p.extend(delegated.iter().map(|c| c.to_string()));
        props.push(p);
    }
    let mut args: Vec<String> = [
        "--timeout=30",
        "call",
        "org.freedesktop.systemd1",
        "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager",
        "StartTransientUnit",
        "ssa(sv)a(sa(sv))",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(req.name.scope.clone());
    args.push("fail".into());
    args.push(props.len().to_string());
    for p in props {
        args.extend(p);
    }
    args.push("0".into());
    args
}

/// Why the idle process could not be replaced (libcgroup's texts where it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleError {
    /// No line in /proc/PID/cgroup for the unit hierarchy, named as libcgroup names it
    /// ([`crate::layout::Hierarchy::title`]: `unified`, `name=systemd`).
    NoCgroup(String),
    None,
    Several,
    Kill(u32, i32),
}

impl std::fmt::Display for IdleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdleError::NoCgroup(hierarchy) => write!(f, "Unable find {hierarchy} cgroup path"),
            IdleError::None => f.write_str("Failed to find idle_thread task"),
            IdleError::Several => {
                f.write_str("Failed to replace scope idle_thread, found two idle_thread")
            }
            IdleError::Kill(pid, errno) => {
                write!(f, "Failed to kill pid {pid}:{}", common::strerror(*errno))
            }
        }
    }
}

/// `argv[0]` of a process from its `/proc/PID/cmdline` bytes.
pub fn argv0(cmdline: &[u8]) -> &[u8] {
    cmdline.split(|b| *b == 0).next().unwrap_or(&[])
}

/// Among the members of a scope (pid, `argv[0]`), the one idle process, never `except` (the task
/// that replaces it).
pub fn pick_idle(members: &[(u32, Vec<u8>)], except: u32) -> Result<u32, IdleError> {
    let idle: Vec<u32> = members
        .iter()
        .filter(|(pid, a0)| *pid != except && a0.as_slice() == IDLE_NAME.as_bytes())
        .map(|(pid, _)| *pid)
        .collect();
    match idle.as_slice() {
        [] => Err(IdleError::None),
        [one] => Ok(*one),
        _ => Err(IdleError::Several),
    }
}

fn read_cmdline(proc: &Path, pid: u32) -> Vec<u8> {
    std::fs::read(proc.join(format!("{pid}/cmdline"))).unwrap_or_default()
}

fn describe(e: &io::Error) -> String {
    common::strerror(e.raw_os_error().unwrap_or(libc::EIO))
}

/// `-r`: kill the idle process of the scope that `task` is now in. The process must still be in
/// that scope and still be the idle process once we hold a pidfd on it (a pid reused meanwhile is
/// never signalled).
pub fn replace_idle(roots: &Roots, layout: &Layout, task: u32) -> Result<u32, IdleError> {
    let h = unit_hierarchy(layout).ok_or_else(|| IdleError::NoCgroup("name=systemd".into()))?;
    let no_cgroup = IdleError::NoCgroup(h.title());
    let cg_text = std::fs::read_to_string(roots.proc.join(format!("{task}/cgroup")))
        .map_err(|_| no_cgroup.clone())?;
    let rel = h.group_of(&cg_text).ok_or(no_cgroup.clone())?;
    let last = rel.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    // A group that is no scope has no idle process: libcgroup 3.1 says just that.
    if !last.ends_with(".scope") || !rel.contains(".slice") {
        crate::cg_debug!("{rel} is not a systemd scope: no idle_thread to replace");
        return Err(IdleError::None);
    }
    let dir = crate::path::join(h.mount(), &rel).map_err(|_| no_cgroup)?;
    let procs = crate::path::read_knob(&dir, "cgroup.procs").map_err(|_| IdleError::None)?;
    let members: Vec<(u32, Vec<u8>)> = procs
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .map(|pid| (pid, argv0(&read_cmdline(&roots.proc, pid)).to_vec()))
        .collect();
    let idle = pick_idle(&members, task)?;
    crate::cg_debug!("idle process {idle} found in {}", dir.display());
    let fd = crate::sys::PidFd::open(idle).map_err(|e| IdleError::Kill(idle, e))?;
    // Held by the pidfd now: check it is still the idle process, still in that scope.
    let still_idle = argv0(&read_cmdline(&roots.proc, idle)) == IDLE_NAME.as_bytes();
    let still_there = std::fs::read_to_string(roots.proc.join(format!("{idle}/cgroup")))
        .ok()
        .and_then(|t| h.group_of(&t))
        .is_some_and(|p| p == rel);
    if !still_idle || !still_there {
        return Err(IdleError::None);
    }
    fd.kill().map_err(|e| IdleError::Kill(idle, e))?;
    crate::cg_info!("killed idle process {idle} of scope {rel}");
    Ok(idle)
}

/// cgdelete of a scope: its idle processes (libcgroup's sleepers, there only to keep the scope
/// alive) are ended rather than moved to the parent, where they would serve nobody (and on cgroup
/// v2 could not go: a slice with controllers enabled takes no processes). Each is checked through a
/// pidfd to be the idle process, still in `dir`. Bounded wait (2 s) for them to leave. Returns
/// whether one was ended; systemd then removes the empty scope itself.
pub fn end_idle_in(dir: &Path) -> bool {
    let is_scope = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".scope"));
    if !is_scope {
        return false;
    }
    let listed = |pid: u32| {
        crate::path::read_knob(dir, "cgroup.procs")
            .map(|t| t.split_whitespace().any(|p| p == pid.to_string()))
            .unwrap_or(false)
    };
    let proc = Path::new("/proc");
    let pids: Vec<u32> = crate::path::read_knob(dir, "cgroup.procs")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut ended = Vec::new();
    for pid in pids {
        if argv0(&read_cmdline(proc, pid)) != IDLE_NAME.as_bytes() {
            continue;
        }
        let Ok(fd) = crate::sys::PidFd::open(pid) else {
            continue;
        };
        if argv0(&read_cmdline(proc, pid)) == IDLE_NAME.as_bytes()
            && listed(pid)
            && fd.kill().is_ok()
        {
            crate::cg_info!("ended idle process {pid} of scope {}", dir.display());
            ended.push(pid);
        }
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while ended.iter().any(|p| listed(*p)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    !ended.is_empty()
}

/// Start the idle process: this program again, as `libcgroup_systemd_idle_thread`, in its own
/// process group (a Ctrl-C meant for cgcreate must not reach it), with no open terminal or pipe
/// (a `$(cgcreate ...)` must not wait for it) and an empty environment.
pub fn spawn_idle() -> io::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let child = std::process::Command::new(exe)
        .arg0(IDLE_NAME)
        .env_clear()
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()?;
    crate::cg_debug!("created {IDLE_NAME} pid {}", child.id());
    Ok(child)
}

/// The idle process's life: named after libcgroup's program (the kernel keeps 15 bytes of it as
/// `comm`), it sleeps until a signal ends it.
pub fn idle_forever() -> ! {
    crate::sys::set_name(IDLE_NAME);
    loop {
        crate::sys::pause();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;

    #[test]
    fn scope_names() {
        let n = ScopeName::parse("nst.slice/x.scope").unwrap();
        assert_eq!(n.slice, "nst.slice");
        assert_eq!(n.scope, "x.scope");
        assert_eq!(n.cgroup_path(), "nst.slice/x.scope");
        assert_eq!(n.record(), "nst.slice/x.scope");
        assert_eq!(
            ScopeName::parse("/a-b-c.slice/y.scope/")
                .unwrap()
                .cgroup_path(),
            "a.slice/a-b.slice/a-b-c.slice/y.scope"
        );
        assert_eq!(
            ScopeName::parse("-.slice/top.scope").unwrap().cgroup_path(),
            "top.scope"
        );
        for bad in [
            "x.scope",
            "nst.slice",
            "nst/x.scope",
            "nst.slice/x",
            "nst.slice/x.scope/deeper",
            "a.slice/b.slice/x.scope",
            ".slice/x.scope",
            "nst.slice/.scope",
            "-a.slice/x.scope",
            "a-.slice/x.scope",
            "a--b.slice/x.scope",
            "a b.slice/x.scope",
            "nst.slice/../x.scope",
            "../x.slice/y.scope",
            "",
        ] {
            assert_eq!(ScopeName::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn paths_under_the_default() {
        assert_eq!(under(None, "/x"), "/x");
        assert_eq!(under(Some("nst.slice/x.scope"), "."), "nst.slice/x.scope/.");
        assert_eq!(
            under(Some("nst.slice/x.scope"), "/sub"),
            "nst.slice/x.scope/sub"
        );
        assert_eq!(
            crate::path::normalize(&under(Some("nst.slice/x.scope"), "./a/../b")).unwrap(),
            "nst.slice/x.scope/b"
        );
    }

    #[test]
    fn busctl_vector() {
        let req = ScopeRequest {
            name: ScopeName::parse("nst.slice/x.scope").unwrap(),
            pid: 4242,
            controllers: vec!["cpu".into(), "memory".into()],
        };
        let want: Vec<&str> = vec![
            "--timeout=30",
            "call",
            "org.freedesktop.systemd1",
            "/org/freedesktop/systemd1",
            "org.freedesktop.systemd1.Manager",
            "StartTransientUnit",
            "ssa(sv)a(sa(sv))",
            "x.scope",
            "fail",
            "5",
            "Description",
            "s",
            "scope created by libcgroup",
            "Slice",
            "s",
            "nst.slice",
            "Delegate",
            "b",
            "true",
            "PIDs",
            "au",
            "1",
            "4242",
            "DelegateControllers",
            "as",
            "2",
            "cpu",
            "memory",
            "0",
        ];
        assert_eq!(busctl_args(&req), want);
        // `*`, no controller or only a named hierarchy: Delegate=yes alone (all controllers).
        for ctrls in [
            vec!["*".to_string()],
            vec![],
            vec!["name=systemd".to_string()],
        ] {
            let a = busctl_args(&ScopeRequest {
                controllers: ctrls,
                ..req.clone()
            });
            assert!(!a.iter().any(|x| x == "DelegateControllers"), "{a:?}");
            assert_eq!(a[9], "4");
            assert_eq!(a.last().unwrap(), "0");
        }
    }

    #[test]
    fn default_file_rules() {
        let fx = Fixture::new("sd-default", UNIFIED, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        // No file: no default.
        assert_eq!(read_default(&fx.roots(), &l), None);
        // A file naming a scope whose cgroup does not exist: ignored.
        let name = ScopeName::parse("nst.slice/x.scope").unwrap();
        let file = write_default(&fx.roots(), &name).unwrap();
        assert_eq!(file, fx.path("/var/run/libcgroup/systemd"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "nst.slice/x.scope");
        assert_eq!(read_default(&fx.roots(), &l), None);
        fx.dir("/sys/fs/cgroup/nst.slice/x.scope");
        assert_eq!(
            read_default(&fx.roots(), &l).as_deref(),
            Some("nst.slice/x.scope")
        );
        // A trailing newline is fine; a malformed line is ignored.
        fx.file("/var/run/libcgroup/systemd", "nst.slice/x.scope\n");
        assert!(read_default(&fx.roots(), &l).is_some());
        fx.file("/var/run/libcgroup/systemd", "../../etc\n");
        assert_eq!(read_default(&fx.roots(), &l), None);
        // Hybrid: the named systemd hierarchy is where systemd keeps its units.
        let fx = Fixture::new("sd-default-hybrid", HYBRID, PROC_CGROUPS);
        let l = Layout::load_from(&fx.roots()).unwrap();
        fx.file("/var/run/libcgroup/systemd", "a-b.slice/y.scope");
        fx.dir("/sys/fs/cgroup/systemd/a.slice/a-b.slice/y.scope");
        assert_eq!(
            read_default(&fx.roots(), &l).as_deref(),
            Some("a.slice/a-b.slice/y.scope")
        );
        assert_eq!(reach(&fx.roots()), Reach::NoBus(libc::ENOENT));
        fx.dir("/run/dbus");
        let bus = fx.roots().fs.join(BUS_SOCKET);
        let _listening = std::os::unix::net::UnixListener::bind(&bus).unwrap();
        assert_eq!(reach(&fx.roots()), Reach::NotRunning);
        fx.dir("/run/systemd/system");
        assert_eq!(reach(&fx.roots()), Reach::Running);
    }

    #[test]
    fn which_cgroup_line_names_the_scope() {
        let text = "9:name=systemd:/nst.slice/v1.scope\n4:memory:/x\n0::/nst.slice/v2.scope\n";
        let fx = Fixture::new("sd-line-u", UNIFIED, PROC_CGROUPS);
        let unified = Layout::load_from(&fx.roots()).unwrap();
        let h = unit_hierarchy(&unified).unwrap();
        assert_eq!(h.group_of(text).as_deref(), Some("/nst.slice/v2.scope"));
        assert_eq!(
            IdleError::NoCgroup(h.title()).to_string(),
            "Unable find unified cgroup path"
        );
        let fx = Fixture::new("sd-line-h", HYBRID, PROC_CGROUPS);
        let hybrid = Layout::load_from(&fx.roots()).unwrap();
        let h = unit_hierarchy(&hybrid).unwrap();
        assert_eq!(h.group_of(text).as_deref(), Some("/nst.slice/v1.scope"));
        assert_eq!(
            IdleError::NoCgroup(h.title()).to_string(),
            "Unable find name=systemd cgroup path"
        );
        // A hybrid host without the named hierarchy: systemd's units are on cgroup2.
        let fx = Fixture::new(
            "sd-line-h2",
            &HYBRID.replace("name=systemd", "pids"),
            PROC_CGROUPS,
        );
        let h = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(
            unit_hierarchy(&h).unwrap().group_of(text).as_deref(),
            Some("/nst.slice/v2.scope")
        );
    }

    #[test]
    fn the_idle_process_is_picked_by_argv0() {
        let idle = IDLE_NAME.as_bytes().to_vec();
        assert_eq!(argv0(b"libcgroup_systemd_idle_thread\0"), idle.as_slice());
        assert_eq!(argv0(b"sleep\0infinity\0"), b"sleep");
        let members = vec![
            (10, b"bash".to_vec()),
            (11, idle.clone()),
            (12, b"x".to_vec()),
        ];
        assert_eq!(pick_idle(&members, 12), Ok(11));
        // Never the task itself, even if it carries the name.
        assert_eq!(pick_idle(&[(11, idle.clone())], 11), Err(IdleError::None));
        assert_eq!(
            pick_idle(&[(10, b"bash".to_vec())], 1),
            Err(IdleError::None)
        );
        // A prefix or a comm-truncated name is not the idle process.
        assert_eq!(
            pick_idle(&[(10, b"libcgroup_syste".to_vec())], 1),
            Err(IdleError::None)
        );
        assert_eq!(
            pick_idle(&[(10, idle.clone()), (11, idle.clone())], 1),
            Err(IdleError::Several)
        );
        assert_eq!(
            IdleError::Several.to_string(),
            "Failed to replace scope idle_thread, found two idle_thread"
        );
        assert_eq!(
            IdleError::Kill(7, libc::EPERM).to_string(),
            "Failed to kill pid 7:Operation not permitted"
        );
    }
}
