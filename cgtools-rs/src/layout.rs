//! Where the cgroup hierarchies are: found from `/proc/self/mountinfo`, never hard-coded.
//!
//! A machine is in one of three modes: *legacy* (only v1 hierarchies), *hybrid* (v1 hierarchies
//! plus a cgroup2 mount, usually without controllers, at `/sys/fs/cgroup/unified`) or *unified*
//! (one cgroup2 mount carrying every controller). Each v1 hierarchy may carry several co-mounted
//! controllers (`cpu,cpuacct`) or be a named hierarchy (`name=systemd`). On cgroup2 the controllers
//! are those listed in the root's `cgroup.controllers`.
//!
//! The differences between cgroup v1 and v2 are methods here, of [`Version`] (facts: how a mount
//! names its controllers, the task file, the parent's `cgroup.subtree_control`) or of
//! [`Hierarchy`] (acts and views: enabling a controller for a new group, a group's controllers, a
//! process's group, the labels lscgroup and lssubsys print), so that group.rs, systemd.rs and the
//! listing tools ask a hierarchy what to do instead of branching on its version; what `*` names is
//! [`Layout::star_hierarchies`]. One place still reads [`Hierarchy::version`]: the v1<->v2
//! setting translation (`names.rs`, given the version by cgget and cgset); `cgget -c` prints its
//! number.
//!
//! Every pseudo-filesystem root is a parameter ([`Layout::parse`], [`Roots`]) so that the model is
//! unit-tested on fixture trees in a temporary directory.

use std::io;
use std::path::{Path, PathBuf};

use crate::path;

/// The pseudo-filesystem roots the model reads: `/proc` and `/` (under which mount points live).
#[derive(Debug, Clone)]
pub struct Roots {
    /// Usually `/proc`.
    pub proc: PathBuf,
    /// Prefix of every mount point read from mountinfo: `/` on a real system, a tempdir in tests.
    pub fs: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Roots {
            proc: PathBuf::from("/proc"),
            fs: PathBuf::from("/"),
        }
    }
}

/// cgroup v1 or cgroup v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

impl Version {
    pub fn number(self) -> u8 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
        }
    }

    /// The version of a mount of filesystem type `fstype`; `None` for a filesystem not cgroup's.
    fn of_fstype(fstype: &str) -> Option<Version> {
        match fstype {
            "cgroup" => Some(Version::V1),
            "cgroup2" => Some(Version::V2),
            _ => None,
        }
    }

    /// The controllers and the `name=` of a new hierarchy mounted at `mount` with the
    /// superblock options `options`: v1 names them in its options, v2 lists them in the root's
    /// `cgroup.controllers` (and has no name).
    fn mount_controllers(self, options: &str, mount: &Path) -> (Vec<String>, Option<String>) {
        match self {
            Version::V1 => {
                let mut controllers = Vec::new();
                let mut name = None;
                for opt in options.split(',') {
                    if let Some(n) = opt.strip_prefix("name=") {
                        name = Some(n.to_string());
                    } else if opt.is_empty()
                        || opt.contains('=')
                        || V1_NON_CONTROLLER_OPTIONS.contains(&opt)
                    {
                        continue;
                    } else {
                        controllers.push(opt.to_string());
                    }
                }
                (controllers, name)
            }
            Version::V2 => {
                let text =
                    common::read_pseudo_file(mount.join("cgroup.controllers")).unwrap_or_default();
                (text.split_whitespace().map(str::to_string).collect(), None)
            }
        }
    }

    /// The file listing a group's member processes: v1 `tasks` is v2 `cgroup.procs`.
    fn task_file(self) -> &'static str {
        match self {
            Version::V1 => "tasks",
            Version::V2 => "cgroup.procs",
        }
    }

    /// The file cgcreate gives to the task owner (`-t`, its mode `-s`): v1's `tasks`. On v2 the
    /// admin owns every file of the group, `cgroup.procs` included.
    fn task_owner_file(self) -> Option<&'static str> {
        match self {
            Version::V1 => Some("tasks"),
            Version::V2 => None,
        }
    }

    /// The parent's file that must list a controller before a child group has it: v2's
    /// `cgroup.subtree_control`. A v1 group has every controller of its hierarchy.
    fn subtree_control(self) -> Option<&'static str> {
        match self {
            Version::V1 => None,
            Version::V2 => Some("cgroup.subtree_control"),
        }
    }
}

/// The machine's cgroup mode, as `cgget -m` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Legacy,
    Hybrid,
    Unified,
}

impl Mode {
    /// libcgroup 3.x's `cgget -m` line.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Legacy => "Legacy Mode (Cgroup v1 only).",
            Mode::Hybrid => "Hybrid mode (Cgroup v1/v2).",
            Mode::Unified => "Unified Mode (Cgroup v2 only).",
        }
    }
}

/// One hierarchy: a v1 mount (one or more co-mounted controllers, or a named hierarchy) or the
/// cgroup2 mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub version: Version,
    /// Every mount point of this hierarchy (the first is the one used), as absolute paths
    /// including the [`Roots::fs`] prefix.
    pub mounts: Vec<PathBuf>,
    /// Controllers, in mount-option order (v1) or `cgroup.controllers` order (v2).
    pub controllers: Vec<String>,
    /// `name=X` of a named v1 hierarchy.
    pub name: Option<String>,
    /// `major:minor` of the superblock: two mounts of one hierarchy share it.
    dev: String,
}

impl Hierarchy {
    /// The mount point used for every operation.
    pub fn mount(&self) -> &Path {
        &self.mounts[0]
    }

    /// The controllers as lscgroup/lssubsys print them: `cpu,cpuacct`, `name=systemd`.
    pub fn label(&self) -> String {
        let mut parts = self.controllers.clone();
        if let Some(name) = &self.name {
            parts.push(format!("name={name}"));
        }
        parts.join(",")
    }

    /// True when `ctrl` (`memory`, `name=systemd`) lives in this hierarchy.
    pub fn carries(&self, ctrl: &str) -> bool {
        if let Some(name) = ctrl.strip_prefix("name=") {
            return self.name.as_deref() == Some(name);
        }
        self.controllers.iter().any(|c| c == ctrl)
    }

    /// The file listing a group's member processes: v1 `tasks` is v2 `cgroup.procs`.
    pub fn task_file(&self) -> &'static str {
        self.version.task_file()
    }

    /// The file of a group that cgcreate gives to the task owner (`-t`, its mode `-s`): v1's
    /// `tasks`; `None` on v2, where the admin owns every file.
    pub fn task_owner_file(&self) -> Option<&'static str> {
        self.version.task_owner_file()
    }

    /// Make `controllers` available to the groups below `parent`, writing `+ctrl` to the
    /// parent's `cgroup.subtree_control` for each one it lacks (v2). On v1 there is nothing to
    /// do: a group has every controller of its hierarchy.
    pub fn enable_controllers(&self, parent: &Path, controllers: &[String]) -> io::Result<()> {
        let Some(knob) = self.version.subtree_control() else {
            return Ok(());
        };
        for ctrl in controllers {
            // Read again for each: a controller named twice is written once.
            let enabled = path::read_knob(parent, knob).unwrap_or_default();
            if !enabled.split_whitespace().any(|c| c == ctrl) {
                path::write_knob(parent, knob, &format!("+{ctrl}"))?;
            }
        }
        Ok(())
    }

    /// Controllers whose files the group at `dir` has: v1 the hierarchy's, v2 the group's
    /// `cgroup.controllers` (empty when unreadable).
    pub fn group_controllers(&self, dir: &Path) -> Vec<String> {
        match self.version {
            Version::V1 => self.controllers.clone(),
            Version::V2 => path::read_knob(dir, "cgroup.controllers")
                .map(|t| t.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
        }
    }

    /// The group of a process in this hierarchy, from the text of its `/proc/PID/cgroup`: the
    /// `0::` line on v2, on v1 the line naming this hierarchy's controllers or `name=`.
    pub fn group_of(&self, proc_cgroup: &str) -> Option<String> {
        proc_cgroup.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (id, ctrls, path) = (fields.next()?, fields.next()?, fields.next()?);
            let ours = match self.version {
                Version::V2 => id == "0" && ctrls.is_empty(),
                Version::V1 => ctrls.split(',').any(|c| !c.is_empty() && self.carries(c)),
            };
            ours.then(|| path.to_string())
        })
    }

    /// How libcgroup names this hierarchy in a message: `unified` for cgroup2, else its label
    /// (`name=systemd`).
    pub fn title(&self) -> String {
        match self.version {
            Version::V1 => self.label(),
            Version::V2 => "unified".to_string(),
        }
    }

    /// The controllers lscgroup prints before a group of this hierarchy when the user named
    /// `typed`: on v1 the whole hierarchy's ([`Hierarchy::label`]), on v2, where each
    /// controller stands alone, those typed.
    pub fn listing_label(&self, typed: &[&str]) -> String {
        match self.version {
            Version::V1 => self.label(),
            Version::V2 => typed.join(","),
        }
    }

    /// lssubsys's line for controller `ctrl` of this hierarchy, whose `/proc/cgroups` hierarchy
    /// number is `number`: the label and the number to print. A v1 hierarchy is one line for all
    /// its controllers (`cpu,cpuacct 3`: equal labels, printed once); on v2 each controller is
    /// its own line with number 0.
    pub fn subsys_line(&self, ctrl: &str, number: u32) -> (String, u32) {
        match self.version {
            Version::V1 => (self.controllers.join(","), number),
            Version::V2 => (ctrl.to_string(), 0),
        }
    }
}

/// Mount options of a v1 cgroup mount that are not controllers.
const V1_NON_CONTROLLER_OPTIONS: &[&str] = &[
    "rw",
    "ro",
    "noprefix",
    "clone_children",
    "xattr",
    "cpuset_v2_mode",
    "favordynmods",
    "nofavordynmods",
];

/// All cgroup hierarchies of the machine.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub hierarchies: Vec<Hierarchy>,
    /// Rows of `/proc/cgroups`: (controller, hierarchy number, enabled), in kernel order.
    pub proc_cgroups: Vec<(String, u32, bool)>,
}

use common::mountinfo::unescape;

/// Join an absolute mount point under the fs root (`/` + `/sys/fs/cgroup` = `/sys/fs/cgroup`).
fn under(fs: &Path, abs: &str) -> PathBuf {
    fs.join(abs.trim_start_matches('/'))
}

impl Layout {
    /// The layout as seen through `roots` (fixtures in tests).
    pub fn load_from(roots: &Roots) -> io::Result<Layout> {
        let mountinfo = common::read_pseudo_file(roots.proc.join("self/mountinfo"))?;
        let proc_cgroups = common::read_pseudo_file(roots.proc.join("cgroups")).unwrap_or_default();
        Ok(Layout::parse(&mountinfo, &proc_cgroups, &roots.fs))
    }

    /// Build the layout from the text of mountinfo and /proc/cgroups; v2 controllers are read
    /// from `cgroup.controllers` under `fs`.
    pub fn parse(mountinfo: &str, proc_cgroups: &str, fs: &Path) -> Layout {
        let mut hierarchies: Vec<Hierarchy> = Vec::new();
        for line in mountinfo.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let Some(dash) = fields.iter().position(|f| *f == "-") else {
                continue;
            };
            if fields.len() < 5 || fields.len() < dash + 4 {
                continue;
            }
            let Some(version) = Version::of_fstype(fields[dash + 1]) else {
                continue;
            };
            let dev = fields[2].to_string();
            let mount = under(fs, &unescape(fields[4]));
            if let Some(h) = hierarchies.iter_mut().find(|h| h.dev == dev) {
                h.mounts.push(mount);
                continue;
            }
            let (controllers, name) = version.mount_controllers(fields[dash + 3], &mount);
            hierarchies.push(Hierarchy {
                version,
                mounts: vec![mount],
                controllers,
                name,
                dev,
            });
        }
        // A controller bound to a v1 hierarchy is not usable on v2 (the kernel lists it in
        // cgroup.controllers only when it is free), but be defensive: v1 wins.
        let v1: Vec<String> = hierarchies
            .iter()
            .filter(|h| h.version == Version::V1)
            .flat_map(|h| h.controllers.clone())
            .collect();
        for h in hierarchies.iter_mut().filter(|h| h.version == Version::V2) {
            h.controllers.retain(|c| !v1.contains(c));
        }
        let proc_cgroups = proc_cgroups
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                Some((
                    f.first()?.to_string(),
                    f.get(1)?.parse().ok()?,
                    f.get(3)? == &"1",
                ))
            })
            .collect();
        Layout {
            hierarchies,
            proc_cgroups,
        }
    }

    /// Legacy, hybrid or unified; `None` when no cgroup filesystem is mounted.
    pub fn mode(&self) -> Option<Mode> {
        let v1 = self.hierarchies.iter().any(|h| h.version == Version::V1);
        match (v1, self.unified()) {
            (false, None) => None,
            (true, None) => Some(Mode::Legacy),
            (true, Some(_)) => Some(Mode::Hybrid),
            (false, Some(_)) => Some(Mode::Unified),
        }
    }

    /// The cgroup2 hierarchy, if mounted.
    pub fn unified(&self) -> Option<&Hierarchy> {
        self.hierarchies.iter().find(|h| h.version == Version::V2)
    }

    /// The hierarchy carrying `ctrl`.
    /// The hierarchies a `*` controller list names: every one carrying controllers, except
    /// cgroup v2 on a hybrid host (libcgroup 3.1 takes the v1 hierarchies there).
    pub fn star_hierarchies(&self) -> impl Iterator<Item = &Hierarchy> {
        let hybrid = self.mode() == Some(Mode::Hybrid);
        let v2_on_hybrid = move |h: &Hierarchy| hybrid && h.version == Version::V2;
        self.hierarchies
            .iter()
            .filter(move |h| !h.controllers.is_empty() && !v2_on_hybrid(h))
    }

    /// Where a process is (its `/proc/PID/cgroup`): each mounted hierarchy it has a line for, and
    /// its group there.
    pub fn groups_of(&self, proc_cgroup: &str) -> Vec<(&Hierarchy, String)> {
        self.hierarchies
            .iter()
            .filter_map(|h| Some((h, h.group_of(proc_cgroup)?)))
            .collect()
    }

    pub fn find(&self, ctrl: &str) -> Option<&Hierarchy> {
        self.hierarchies.iter().find(|h| h.carries(ctrl))
    }

    /// The version of the hierarchy carrying `ctrl` (what the layout tests check).
    #[cfg(test)]
    pub fn version_of(&self, ctrl: &str) -> Option<Version> {
        self.find(ctrl).map(|h| h.version)
    }

    /// Every mounted controller (no named hierarchies), v1 ones in mount order then v2 ones:
    /// what `*` stands for (checked by the layout tests; `spec::resolve` walks the hierarchies).
    #[cfg(test)]
    pub fn all_controllers(&self) -> Vec<String> {
        self.hierarchies
            .iter()
            .flat_map(|h| h.controllers.iter().cloned())
            .collect()
    }

    /// True when no cgroup filesystem is mounted at all (libcgroup's ECGROUPNOTMOUNTED).
    pub fn is_empty(&self) -> bool {
        self.hierarchies.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Fixture trees: a tempdir holding `proc/self/mountinfo`, `proc/cgroups` and the mount
    //! points with a few groups and knob files.

    use std::path::{Path, PathBuf};

    pub struct Fixture {
        pub dir: PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    impl Fixture {
        pub fn new(tag: &str, mountinfo: &str, proc_cgroups: &str) -> Fixture {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "cgtools-fixture-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(dir.join("proc/self")).unwrap();
            std::fs::write(dir.join("proc/self/mountinfo"), mountinfo).unwrap();
            std::fs::write(dir.join("proc/cgroups"), proc_cgroups).unwrap();
            Fixture { dir }
        }

        pub fn roots(&self) -> super::Roots {
            super::Roots {
                proc: self.dir.join("proc"),
                fs: self.dir.clone(),
            }
        }

        pub fn path(&self, rel: &str) -> PathBuf {
            self.dir.join(rel.trim_start_matches('/'))
        }

        /// Create a file (and its parent directories) with some content.
        pub fn file(&self, rel: &str, content: &str) -> &Self {
            let p = self.path(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
            self
        }

        pub fn dir(&self, rel: &str) -> &Self {
            std::fs::create_dir_all(self.path(rel)).unwrap();
            self
        }

        pub fn exists(&self, rel: &str) -> bool {
            Path::new(&self.path(rel)).exists()
        }
    }

    pub const PROC_CGROUPS: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t1\t1\t1
cpuacct\t1\t1\t1
blkio\t7\t1\t1
memory\t4\t25\t1
devices\t5\t1\t1
freezer\t6\t1\t1
net_cls\t0\t1\t1
perf_event\t0\t1\t1
hugetlb\t0\t1\t1
pids\t8\t1\t1
";

    /// Legacy: v1 only, cpu and cpuacct co-mounted, a named systemd hierarchy.
    pub const LEGACY: &str = "\
22 1 0:20 / /sys rw - sysfs sysfs rw
31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
50 31 0:32 / /mnt/memory\\040two rw,relatime - cgroup cgroup rw,memory
";

    /// Hybrid: this machine's shape (v1 controllers, cgroup2 at /sys/fs/cgroup/unified).
    pub const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
";

    /// Unified: one cgroup2 mount.
    pub const UNIFIED: &str = "\
22 1 0:20 / /sys rw - sysfs sysfs rw
30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn legacy_layout_has_comounted_named_and_duplicate_mounts() {
        let fx = Fixture::new("legacy", LEGACY, PROC_CGROUPS);
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(l.mode(), Some(Mode::Legacy));
        assert_eq!(l.hierarchies.len(), 4);
        let cpu = l.find("cpuacct").unwrap();
        assert_eq!(cpu.controllers, ["cpu", "cpuacct"]);
        assert_eq!(cpu.label(), "cpu,cpuacct");
        assert_eq!(cpu.mount(), fx.path("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(l.find("cpuset").unwrap().controllers, ["cpuset"]);
        let sd = l.find("name=systemd").unwrap();
        assert!(sd.controllers.is_empty());
        assert_eq!(sd.label(), "name=systemd");
        let mem = l.find("memory").unwrap();
        assert_eq!(
            mem.mounts,
            [fx.path("/sys/fs/cgroup/memory"), fx.path("/mnt/memory two")]
        );
        assert_eq!(mem.task_file(), "tasks");
        assert_eq!(mem.task_owner_file(), Some("tasks"));
        // v1: every line of lscgroup and lssubsys names the whole hierarchy.
        assert_eq!(cpu.listing_label(&["cpuacct"]), "cpu,cpuacct");
        assert_eq!(
            cpu.subsys_line("cpuacct", 3),
            ("cpu,cpuacct".to_string(), 3)
        );
        assert_eq!(sd.title(), "name=systemd");
        let text = "9:name=systemd:/a.scope\n4:memory:/m\n1:cpu,cpuacct:/c\n0::/u\n";
        assert_eq!(sd.group_of(text).as_deref(), Some("/a.scope"));
        assert_eq!(cpu.group_of(text).as_deref(), Some("/c"));
        assert_eq!(l.find("cpuset").unwrap().group_of(text), None);
        // Where the process is: every hierarchy with a line, in mount order.
        let whereabouts: Vec<(String, String)> = l
            .groups_of(text)
            .into_iter()
            .map(|(h, rel)| (h.label(), rel))
            .collect();
        assert!(whereabouts.contains(&("cpu,cpuacct".into(), "/c".into())));
        assert!(whereabouts.contains(&("memory".into(), "/m".into())));
        assert!(whereabouts.contains(&("name=systemd".into(), "/a.scope".into())));
        assert!(!whereabouts.iter().any(|(label, _)| label == "cpuset"));
        assert_eq!(
            cpu.group_controllers(Path::new("/nonexistent")),
            ["cpu", "cpuacct"]
        );
        // Enabling is v2's: nothing is read or written on v1.
        cpu.enable_controllers(Path::new("/nonexistent"), &["cpu".into()])
            .unwrap();
        assert_eq!(l.all_controllers(), ["cpu", "cpuacct", "cpuset", "memory"]);
        assert!(l.find("pids").is_none());
        assert!(l.unified().is_none());
        assert_eq!(l.proc_cgroups.len(), 11);
        assert_eq!(l.proc_cgroups[1], ("cpu".to_string(), 1, true));
    }

    #[test]
    fn hybrid_layout_reads_v2_controllers_from_the_unified_mount() {
        let fx = Fixture::new("hybrid", HYBRID, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(l.mode(), Some(Mode::Hybrid));
        assert_eq!(l.version_of("memory"), Some(Version::V1));
        assert_eq!(l.version_of("hugetlb"), Some(Version::V2));
        let u = l.unified().unwrap();
        assert_eq!(u.mount(), fx.path("/sys/fs/cgroup/unified"));
        assert_eq!(u.task_file(), "cgroup.procs");
        assert_eq!(u.task_owner_file(), None);
        // v2: each controller stands alone.
        assert_eq!(u.listing_label(&["hugetlb"]), "hugetlb");
        assert_eq!(u.subsys_line("hugetlb", 9), ("hugetlb".to_string(), 0));
        assert_eq!(u.title(), "unified");
        assert_eq!(
            u.group_of("4:memory:/m\n0::/u/v\n").as_deref(),
            Some("/u/v")
        );
        assert_eq!(l.all_controllers(), ["cpu", "memory", "hugetlb"]);
    }

    #[test]
    fn hybrid_without_v2_controllers_is_still_hybrid() {
        let fx = Fixture::new("hybrid0", HYBRID, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/unified/cgroup.controllers", "\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(l.mode(), Some(Mode::Hybrid));
        assert!(l.unified().unwrap().controllers.is_empty());
    }

    #[test]
    fn unified_layout() {
        let fx = Fixture::new("unified", UNIFIED, PROC_CGROUPS);
        fx.file(
            "/sys/fs/cgroup/cgroup.controllers",
            "cpuset cpu io memory hugetlb pids rdma misc\n",
        );
        let l = Layout::load_from(&fx.roots()).unwrap();
        assert_eq!(l.mode(), Some(Mode::Unified));
        assert_eq!(l.hierarchies.len(), 1);
        assert_eq!(l.version_of("memory"), Some(Version::V2));
        assert_eq!(l.find("memory").unwrap().mount(), fx.path("/sys/fs/cgroup"));
        assert_eq!(l.all_controllers().len(), 8);
        assert_eq!(Mode::Unified.describe(), "Unified Mode (Cgroup v2 only).");
    }

    #[test]
    fn nothing_mounted() {
        let l = Layout::parse("22 1 0:20 / /sys rw - sysfs sysfs rw\n", "", Path::new("/"));
        assert!(l.is_empty());
        assert_eq!(l.mode(), None);
    }

    #[test]
    fn unescape_octal() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/a\\\\"), "/a\\\\");
        assert_eq!(unescape("/x\\0"), "/x\\0");
    }
}
