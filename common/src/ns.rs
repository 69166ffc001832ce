//! The namespace table: one row per kind, shared by unshare, nsenter and ps.

use std::path::PathBuf;

/// One kind of Linux namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespace {
    /// The file under `/proc/PID/ns/` (`mnt`, `net`, ...); also ps's column prefix (`mntns`).
    pub file: &'static str,
    /// The long option of unshare/nsenter (`mount`, `net`, ...).
    pub option: &'static str,
    /// The short option letter (`m`, `n`, ...).
    pub short: char,
    /// The CLONE_NEW* flag for unshare(2)/setns(2).
    pub clone_flag: libc::c_int,
    /// For pid and time namespaces, the file naming the namespace children will be born into;
    /// that is the one to persist after `unshare --pid`, since unshare(2) does not move the caller.
    pub for_children: Option<&'static str>,
}

/// Every namespace kind, in util-linux nsenter's order of entering them (user first, so the
/// others are entered with the capabilities the user namespace gives; mnt late, time last).
pub const NAMESPACES: [Namespace; 8] = [
    Namespace {
        file: "user",
        option: "user",
        short: 'U',
        clone_flag: libc::CLONE_NEWUSER,
        for_children: None,
    },
    Namespace {
        file: "cgroup",
        option: "cgroup",
        short: 'C',
        clone_flag: libc::CLONE_NEWCGROUP,
        for_children: None,
    },
    Namespace {
        file: "ipc",
        option: "ipc",
        short: 'i',
        clone_flag: libc::CLONE_NEWIPC,
        for_children: None,
    },
    Namespace {
        file: "uts",
        option: "uts",
        short: 'u',
        clone_flag: libc::CLONE_NEWUTS,
        for_children: None,
    },
    Namespace {
        file: "net",
        option: "net",
        short: 'n',
        clone_flag: libc::CLONE_NEWNET,
        for_children: None,
    },
    Namespace {
        file: "pid",
        option: "pid",
        short: 'p',
        clone_flag: libc::CLONE_NEWPID,
        for_children: Some("pid_for_children"),
    },
    Namespace {
        file: "mnt",
        option: "mount",
        short: 'm',
        clone_flag: libc::CLONE_NEWNS,
        for_children: None,
    },
    Namespace {
        file: "time",
        option: "time",
        short: 'T',
        clone_flag: CLONE_NEWTIME,
        for_children: Some("time_for_children"),
    },
];

/// CLONE_NEWTIME (Linux 5.6); spelled out because not every libc binding exports it.
pub const CLONE_NEWTIME: libc::c_int = 0x0000_0080;

/// Look a namespace up by its `/proc/PID/ns` file name or option name (`mnt` or `mount`).
pub fn by_name(name: &str) -> Option<&'static Namespace> {
    NAMESPACES
        .iter()
        .find(|ns| ns.file == name || ns.option == name)
}

/// Look a namespace up by its short option letter.
pub fn by_short(letter: char) -> Option<&'static Namespace> {
    NAMESPACES.iter().find(|ns| ns.short == letter)
}

impl Namespace {
    /// `/proc/<pid>/ns/<file>`; `pid` is a number or `self`.
    pub fn proc_path(&self, pid: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{pid}/ns/{}", self.file))
    }

    /// The file to bind-mount to persist the namespace a process created with unshare(2).
    pub fn persist_path(&self, pid: &str) -> PathBuf {
        PathBuf::from(format!(
            "/proc/{pid}/ns/{}",
            self.for_children.unwrap_or(self.file)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_unique() {
        let mut flags = 0;
        for ns in &NAMESPACES {
            assert_eq!(flags & ns.clone_flag, 0, "{} shares a flag", ns.file);
            flags |= ns.clone_flag;
            assert_eq!(by_short(ns.short), Some(ns));
            assert_eq!(by_name(ns.option), Some(ns));
        }
        assert_eq!(by_name("mnt").map(|n| n.option), Some("mount"));
        assert_eq!(NAMESPACES[0].file, "user", "user ns must be entered first");
    }

    #[test]
    fn every_kind_exists_in_proc() {
        for ns in &NAMESPACES {
            let path = ns.proc_path("self");
            assert!(
                std::fs::symlink_metadata(&path).is_ok(),
                "{} missing",
                path.display()
            );
        }
        assert_eq!(
            by_name("pid").unwrap().persist_path("42"),
            PathBuf::from("/proc/42/ns/pid_for_children")
        );
    }
}
