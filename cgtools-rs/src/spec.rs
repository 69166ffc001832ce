//! What the user names on the command line: `-g ctrls:path` specs, `user:group` owners and octal
//! modes, parsed the way libcgroup's `tools-common.c` does, and resolved against a [`Layout`].

use crate::error::{CgError, Ecg};
use crate::layout::{Hierarchy, Layout};

/// One `-g controllers:path` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Controllers as typed (`*` kept); empty for `:path` (a plain cgroup v2 group).
    pub controllers: Vec<String>,
    /// The path as typed (`playground`, `/a/b`): messages show it verbatim.
    pub path: String,
}

/// Parse `ctrl1,ctrl2:path` like libcgroup's `parse_cgroup_spec` (strtok on `:`, then on `,`):
/// empty tokens are skipped, a path with a second colon is cut there, a missing path is an
/// error; a leading `:` means no controllers (libcgroup 3.x, cgroup v2).
pub fn parse_spec(text: &str) -> Option<Spec> {
    if let Some(rest) = text.strip_prefix(':') {
        let path = rest.split(':').find(|t| !t.is_empty())?;
        return Some(Spec {
            controllers: Vec::new(),
            path: path.to_string(),
        });
    }
    let mut tokens = text.split(':').filter(|t| !t.is_empty());
    let ctrls = tokens.next()?;
    let path = tokens.next()?;
    let controllers: Vec<String> = ctrls
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    if controllers.is_empty() {
        return None;
    }
    Some(Spec {
        controllers,
        path: path.to_string(),
    })
}

/// Where one spec lands in one hierarchy.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub hierarchy: &'a Hierarchy,
    /// The requested controllers living in this hierarchy (empty for `:path`).
    pub controllers: Vec<String>,
}

/// The hierarchies a spec's controllers live in, each once, in the order named (`*` = every
/// hierarchy with controllers, in mount order; on a hybrid host the cgroup v1 ones only, as
/// libcgroup 3.1 leaves cgroup2 out there). An unknown controller is ECGROUPSUBSYSNOTMOUNTED;
/// `:path` needs the cgroup2 hierarchy.
pub fn resolve<'a>(layout: &'a Layout, controllers: &[String]) -> Result<Vec<Target<'a>>, CgError> {
    if layout.is_empty() {
        return Err(CgError::new(Ecg::NotMounted));
    }
    let mut targets: Vec<Target<'a>> = Vec::new();
    let mut add = |h: &'a Hierarchy, ctrl: Option<&str>| {
        let pos = targets
            .iter()
            .position(|t| std::ptr::eq(t.hierarchy, h))
            .unwrap_or_else(|| {
                targets.push(Target {
                    hierarchy: h,
                    controllers: Vec::new(),
                });
                targets.len() - 1
            });
        if let Some(c) = ctrl {
            if !targets[pos].controllers.iter().any(|x| x == c) {
                targets[pos].controllers.push(c.to_string());
            }
        }
    };
    if controllers.is_empty() {
        let unified = layout
            .unified()
            .ok_or_else(|| CgError::new(Ecg::SubsysNotMounted))?;
        add(unified, None);
    }
    for ctrl in controllers {
        if ctrl == "*" {
            for h in layout.star_hierarchies() {
                for c in &h.controllers {
                    add(h, Some(c));
                }
            }
            continue;
        }
        let h = layout
            .find(ctrl)
            .ok_or_else(|| CgError::new(Ecg::SubsysNotMounted))?;
        add(h, Some(ctrl));
    }
    Ok(targets)
}

/// An owner given as `user:group`, `user`, `:group` (names only, like libcgroup).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// Why an owner could not be parsed: libcgroup's exact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerError {
    User(String),
    Group(String),
}

impl std::fmt::Display for OwnerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnerError::User(u) => write!(f, "can't find uid of user {u}."),
            OwnerError::Group(g) => write!(f, "can't find gid of group {g}."),
        }
    }
}

/// Parse `user:group` with getpwnam/getgrnam lookups.
pub fn parse_owner(text: &str) -> Result<Owner, OwnerError> {
    let (user, group) = match text.split_once(':') {
        Some((u, g)) => (u, g),
        None => (text, ""),
    };
    let mut owner = Owner::default();
    if !user.is_empty() {
        match nix::unistd::User::from_name(user) {
            Ok(Some(u)) => owner.uid = Some(u.uid.as_raw()),
            _ => return Err(OwnerError::User(user.to_string())),
        }
    }
    if !group.is_empty() {
        match nix::unistd::Group::from_name(group) {
            Ok(Some(g)) => owner.gid = Some(g.gid.as_raw()),
            _ => return Err(OwnerError::Group(group.to_string())),
        }
    }
    Ok(owner)
}

/// A mode as libcgroup's `parse_mode`: 3 or 4 octal digits.
pub fn parse_mode(text: &str) -> Option<u32> {
    if !(3..=4).contains(&text.len()) || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(text, 8).ok()
}

/// The controller of a setting name: the text before the first `.` (`memory.max` -> `memory`).
pub fn controller_of(name: &str) -> Option<&str> {
    name.split_once('.')
        .map(|(c, _)| c)
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;
    use crate::layout::Version;

    fn spec(c: &[&str], p: &str) -> Option<Spec> {
        Some(Spec {
            controllers: c.iter().map(|s| s.to_string()).collect(),
            path: p.to_string(),
        })
    }

    #[test]
    fn spec_table() {
        let table: &[(&str, Option<Spec>)] = &[
            ("memory:playground", spec(&["memory"], "playground")),
            ("cpu,cpuacct:/a/b", spec(&["cpu", "cpuacct"], "/a/b")),
            ("*:/x", spec(&["*"], "/x")),
            (":/plain", spec(&[], "/plain")),
            (":x:y", spec(&[], "x")),
            ("cpu:/a:b", spec(&["cpu"], "/a")),
            ("cpu::/a", spec(&["cpu"], "/a")),
            ("cpu,,memory:/", spec(&["cpu", "memory"], "/")),
            ("cpu:", None),
            ("cpu", None),
            (":", None),
            ("", None),
            (",:/x", None),
        ];
        for (text, want) in table {
            assert_eq!(&parse_spec(text), want, "parse_spec({text:?})");
        }
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode("775"), Some(0o775));
        assert_eq!(parse_mode("0640"), Some(0o640));
        assert_eq!(parse_mode("99"), None);
        assert_eq!(parse_mode("789"), None);
        assert_eq!(parse_mode("12345"), None);
        assert_eq!(parse_mode(""), None);
    }

    #[test]
    fn owners() {
        assert_eq!(
            parse_owner("root:root"),
            Ok(Owner {
                uid: Some(0),
                gid: Some(0)
            })
        );
        assert_eq!(
            parse_owner("root"),
            Ok(Owner {
                uid: Some(0),
                gid: None
            })
        );
        assert_eq!(
            parse_owner(":root"),
            Ok(Owner {
                uid: None,
                gid: Some(0)
            })
        );
        assert_eq!(parse_owner(":"), Ok(Owner::default()));
        assert_eq!(
            parse_owner("nosuchuser-nst").unwrap_err().to_string(),
            "can't find uid of user nosuchuser-nst."
        );
        assert_eq!(
            parse_owner("root:nosuchgrp-nst").unwrap_err().to_string(),
            "can't find gid of group nosuchgrp-nst."
        );
        // Names only, like libcgroup: a number is looked up as a name.
        assert!(parse_owner("12345").is_err());
    }

    #[test]
    fn resolve_hybrid_and_legacy() {
        let fx = Fixture::new("resolve", HYBRID, PROC_CGROUPS);
        fx.file("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
        let l = Layout::load_from(&fx.roots()).unwrap();
        let t = resolve(&l, &["memory".into(), "hugetlb".into()]).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].hierarchy.controllers, ["memory"]);
        assert_eq!(t[1].hierarchy.version, Version::V2);
        assert_eq!(t[1].controllers, ["hugetlb"]);
        let t = resolve(&l, &[]).unwrap();
        assert_eq!(t.len(), 1);
        assert!(t[0].controllers.is_empty());
        assert_eq!(t[0].hierarchy.version, Version::V2);
        // On a hybrid host `*` is the cgroup v1 hierarchies only.
        let t = resolve(&l, &["*".into()]).unwrap();
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|t| t.hierarchy.version == Version::V1));
        assert_eq!(
            resolve(&l, &["nosuch".into()]).unwrap_err().code,
            Ecg::SubsysNotMounted
        );
        let fx = Fixture::new("resolve-legacy", LEGACY, PROC_CGROUPS);
        let l = Layout::load_from(&fx.roots()).unwrap();
        // Co-mounted controllers land in one hierarchy, once.
        let t = resolve(&l, &["cpu".into(), "cpuacct".into()]).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].controllers, ["cpu", "cpuacct"]);
        assert_eq!(resolve(&l, &[]).unwrap_err().code, Ecg::SubsysNotMounted);
        let t = resolve(&l, &["name=systemd".into()]).unwrap();
        assert_eq!(t[0].hierarchy.name.as_deref(), Some("systemd"));
        assert_eq!(
            resolve(&Layout::default(), &["cpu".into()])
                .unwrap_err()
                .code,
            Ecg::NotMounted
        );
    }

    #[test]
    fn controller_of_a_setting() {
        assert_eq!(controller_of("memory.limit_in_bytes"), Some("memory"));
        assert_eq!(controller_of("cgroup.procs"), Some("cgroup"));
        assert_eq!(controller_of("foo"), None);
        assert_eq!(controller_of(".x"), None);
    }
}
