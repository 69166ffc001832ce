//! `--join-cgroup` on every hierarchy: which `cgroup.procs` files put us where the target is.
//!
//! util-linux 2.40+ joins only the cgroup v2 group and refuses elsewhere. Here every line of
//! `/proc/PID/cgroup` (v1 controllers, named v1 hierarchies, the v2 `0::` line) is matched to a
//! mount of that hierarchy in our `/proc/self/mountinfo`, so on v1, hybrid and v2 hosts alike
//! `nsenter -a -c` lands in the container's groups. A group we are in already is left alone
//! (nothing to write, so a read-only mount of it is no obstacle); a hierarchy not mounted here
//! cannot be joined and is skipped. Pure text in, paths out; table-tested.

use std::path::PathBuf;

/// One line of `/proc/PID/cgroup`: (controllers, path). v2 has empty controllers.
pub(crate) fn parse_proc_cgroup(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            let controllers = parts.next()?;
            let path = parts.next()?;
            Some((controllers.to_string(), path.to_string()))
        })
        .collect()
}

/// A cgroup filesystem mount from mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CgroupMount {
    pub(crate) mount_point: PathBuf,
    /// The directory of the hierarchy this mount shows (field 4), usually `/`.
    pub(crate) root: String,
    pub(crate) v2: bool,
    /// Super-block options: the controllers and `name=` of a v1 hierarchy.
    pub(crate) options: Vec<String>,
}

use common::mountinfo::unescape;

/// The cgroup and cgroup2 mounts listed in a mountinfo text.
pub(crate) fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let dash = fields.iter().position(|f| *f == "-")?;
            let fstype = *fields.get(dash + 1)?;
            let v2 = match fstype {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(CgroupMount {
                mount_point: PathBuf::from(unescape(fields.get(4)?)),
                root: unescape(fields.get(3)?),
                v2,
                options: fields
                    .get(dash + 3)
                    .map(|o| o.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Why a hierarchy of the target is not joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Skipped {
    /// We are in the target's group already (nothing to write, so a read-only mount is no
    /// obstacle).
    AlreadyThere(String),
    /// The hierarchy is not mounted in our mount namespace.
    NotMounted(String),
    /// The target's group lies outside what our mounts (or cgroup namespace) show.
    Outside(String),
}

/// For each hierarchy the target is in (its `/proc/PID/cgroup`), the group directory to join, or
/// why it is not joined; `ours` is our own `/proc/self/cgroup`.
pub(crate) fn target_groups(
    proc_cgroup: &str,
    ours: &str,
    mountinfo: &str,
) -> Vec<Result<PathBuf, Skipped>> {
    let mounts = parse_mountinfo(mountinfo);
    let ours = parse_proc_cgroup(ours);
    parse_proc_cgroup(proc_cgroup)
        .into_iter()
        .map(|(controllers, path)| {
            let label = if controllers.is_empty() {
                "cgroup2".to_string()
            } else {
                controllers.clone()
            };
            if ours.iter().any(|(c, p)| *c == controllers && *p == path) {
                return Err(Skipped::AlreadyThere(format!("{label}:{path}")));
            }
            let wanted: Vec<&str> = controllers.split(',').filter(|c| !c.is_empty()).collect();
            let mount = mounts.iter().find(|m| {
                if controllers.is_empty() {
                    m.v2
                } else {
                    !m.v2 && wanted.iter().all(|c| m.options.iter().any(|o| o == c))
                }
            });
            let Some(mount) = mount else {
                return Err(Skipped::NotMounted(label));
            };
            if path.split('/').any(|c| c == "..") {
                return Err(Skipped::Outside(format!("{label}:{path}")));
            }
            let root = mount.root.trim_end_matches('/');
            let rest = if root.is_empty() {
                path.as_str()
            } else if path == root {
                ""
            } else if let Some(r) = path.strip_prefix(root).filter(|r| r.starts_with('/')) {
                r
            } else {
                return Err(Skipped::Outside(format!("{label}:{path}")));
            };
            let rest = rest.trim_start_matches('/');
            Ok(if rest.is_empty() {
                mount.mount_point.clone()
            } else {
                mount.mount_point.join(rest)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MOUNTINFO: &str = "\
30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
35 30 0:31 /sub /mnt/my\\040pids rw - cgroup cgroup rw,pids
";

    #[test]
    fn every_hierarchy_is_matched_to_its_mount() {
        let proc = "\
12:pids:/sub/ct
4:memory:/ct
3:cpu,cpuacct:/
1:name=systemd:/system.slice/x.service
0::/ct
";
        let got = target_groups(proc, "", HYBRID_MOUNTINFO);
        assert_eq!(
            got,
            vec![
                Ok(PathBuf::from("/mnt/my pids/ct")),
                Ok(PathBuf::from("/sys/fs/cgroup/memory/ct")),
                Ok(PathBuf::from("/sys/fs/cgroup/cpu,cpuacct")),
                Ok(PathBuf::from(
                    "/sys/fs/cgroup/systemd/system.slice/x.service"
                )),
                Ok(PathBuf::from("/sys/fs/cgroup/unified/ct")),
            ]
        );
    }

    #[test]
    fn unreachable_groups_say_why() {
        let proc = "7:freezer:/x\n12:pids:/other\n0::/../../elsewhere\n";
        assert_eq!(
            target_groups(proc, "", HYBRID_MOUNTINFO),
            vec![
                Err(Skipped::NotMounted("freezer".into())),
                Err(Skipped::Outside("pids:/other".into())),
                Err(Skipped::Outside("cgroup2:/../../elsewhere".into())),
            ]
        );
    }

    #[test]
    fn groups_we_are_in_already_are_not_written() {
        let proc = "4:memory:/ct\n1:name=systemd:/\n0::/ct\n";
        let ours = "4:memory:/\n1:name=systemd:/\n0::/ct\n";
        assert_eq!(
            target_groups(proc, ours, HYBRID_MOUNTINFO),
            vec![
                Ok(PathBuf::from("/sys/fs/cgroup/memory/ct")),
                Err(Skipped::AlreadyThere("name=systemd:/".into())),
                Err(Skipped::AlreadyThere("cgroup2:/ct".into())),
            ]
        );
    }

    #[test]
    fn pure_v2_host() {
        let mi = "25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(
            target_groups("0::/user.slice/a\n", "", mi),
            vec![Ok(PathBuf::from("/sys/fs/cgroup/user.slice/a"))]
        );
    }
}
