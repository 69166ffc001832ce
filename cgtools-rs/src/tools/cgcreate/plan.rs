//! What cgcreate will make, decided from the request and the host's facts alone: no file system
//! access and no system call, so every decision is unit-tested on fixture layouts.

use super::cli::{How, Request};
use crate::error::{CgError, Ecg, Failure, Words, EXIT_BADARGS};
use crate::group::CreateOptions;
use crate::layout::{Layout, Roots};
use crate::spec::{resolve, Spec, Target};
use crate::systemd::{self, Reach, ScopeName};

/// The facts about the host a plan depends on, gathered before planning.
pub(crate) struct Host<'a> {
    pub layout: &'a Layout,
    /// Where the pseudo filesystems are (messages name files under them).
    pub roots: &'a Roots,
    /// The default scope's cgroup path plain groups are made under (`None`: the root).
    pub default_base: Option<String>,
    /// How far systemd can be reached (asked only for `-c`).
    pub systemd: Option<Reach>,
    /// The caller's (uid, gid): the owner where `-a`/`-t` name none.
    pub caller: (u32, u32),
}

/// The groups to make, in order, and the failure that ends the run after them, if any:
/// libcgroup makes the groups before a bad one and stops there.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub owners: &'a CreateOptions,
    pub caller: (u32, u32),
    pub groups: Vec<Group<'a>>,
    pub stop: Option<Failure>,
}

/// One `-g`: its directory `rel` in each target hierarchy, made after its scope if it is one.
#[derive(Debug)]
pub(crate) struct Group<'a> {
    pub spec: &'a Spec,
    /// The path relative to every hierarchy root: under the default scope, or the scope's cgroup.
    pub rel: String,
    pub targets: Vec<Target<'a>>,
    pub scope: Option<Scope>,
}

/// The systemd scope a group is (`-c`).
#[derive(Debug)]
pub(crate) struct Scope {
    pub name: ScopeName,
    /// `-p`: the process to put in it (`None`: a new idle process).
    pub pid: Option<u32>,
    /// `-S`: record it as the default once made.
    pub set_default: bool,
}

pub(crate) fn plan<'a>(request: &'a Request, host: &Host<'a>) -> Plan<'a> {
    let mut plan = Plan {
        owners: &request.owners,
        caller: host.caller,
        groups: Vec::new(),
        stop: None,
    };
    for spec in &request.specs {
        match group(spec, &request.how, host) {
            Ok(g) => plan.groups.push(g),
            Err(failure) => {
                plan.stop = Some(failure);
                break;
            }
        }
    }
    plan
}

/// Where one `-g` goes: its hierarchies (an unknown controller fails), then, with `-c`, its scope;
/// its path must stay inside the hierarchies.
fn group<'a>(spec: &'a Spec, how: &How, host: &Host<'a>) -> Result<Group<'a>, Failure> {
    let targets =
        resolve(host.layout, &spec.controllers).map_err(|e| cannot_create(spec, e.exit(), e))?;
    let scope = match *how {
        How::Plain { .. } => None,
        How::Scope { pid, set_default } => Some(Scope {
            name: scope_name(spec, host)?,
            pid,
            set_default,
        }),
    };
    let rel = match &scope {
        Some(s) => s.name.cgroup_path(),
        None => systemd::under(host.default_base.as_deref(), &spec.path),
    };
    // A scope's cgroup path has no `..`; only a typed path can climb out (checked per hierarchy,
    // so a spec that lands in none is not refused).
    if !targets.is_empty() {
        if let Err(e) = crate::path::normalize(&rel) {
            return Err(cannot_create(spec, Ecg::Inval.exit(), e));
        }
    }
    Ok(Group {
        spec,
        rel,
        targets,
        scope,
    })
}

/// The scope `-c` makes of one group, checked in libcgroup 3.1's order: the name has one slash
/// (`<slice>/<scope>`), then the system bus opens, then (ours, where systemd runs) the two halves
/// are a slice and a scope systemd accepts.
fn scope_name(spec: &Spec, host: &Host) -> Result<ScopeName, Failure> {
    // libcgroup's logger says why, then the tool its own line.
    let refused = |ecg: Ecg, logged: String| {
        Failure::new(ecg.exit())
            .then(Words::Logged(format!("Error: {logged}")))
            .then(Words::Prog(format!(
                "can't create cgroup {}: {}",
                spec.path,
                CgError::new(ecg)
            )))
    };
    let name = &spec.path;
    match name.matches('/').count() {
        0 => {
            return Err(refused(
                Ecg::Inval,
                format!("cgroup name does not contain a slash: {name}"),
            ))
        }
        1 => {}
        _ => {
            return Err(refused(
                Ecg::Inval,
                format!("cgroup name contains more than one slash: {name}"),
            ))
        }
    }
    match host.systemd {
        Some(Reach::NoBus(errno)) => Err(refused(
            Ecg::Fail,
            format!("failed to open the system bus: {errno}"),
        )),
        Some(Reach::NotRunning) => Err(Failure::prog(
            Ecg::Other.exit(),
            format!(
                "can't create scope {name}: systemd is not running (no {})",
                host.roots.fs.join("run/systemd/system").display()
            ),
        )),
        Some(Reach::Running) | None => ScopeName::parse(name).ok_or_else(|| {
            Failure::prog(
                EXIT_BADARGS,
                format!("Invalid scope name {name}, expected <slice>/<scope>"),
            )
        }),
    }
}

/// `can't create cgroup PATH: why`, the path as typed.
pub(crate) fn cannot_create(spec: &Spec, status: u8, why: impl std::fmt::Display) -> Failure {
    Failure::prog(status, format!("can't create cgroup {}: {why}", spec.path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Words;
    use crate::tools::cgcreate::cli::How;
    use crate::tools::fixtures::{fixture_host, mounts, HYBRID, LEGACY};

    fn request(how: How, specs: &[&str]) -> Request {
        Request {
            owners: CreateOptions::default(),
            specs: specs
                .iter()
                .map(|s| crate::spec::parse_spec(s).unwrap())
                .collect(),
            how,
        }
    }

    fn scopes(specs: &[&str], set_default: bool) -> Request {
        request(
            How::Scope {
                pid: None,
                set_default,
            },
            specs,
        )
    }

    fn plain(specs: &[&str]) -> Request {
        request(
            How::Plain {
                ignore_default: false,
            },
            specs,
        )
    }

    fn host<'a>(layout: &'a Layout, roots: &'a Roots, base: Option<&str>) -> Host<'a> {
        Host {
            layout,
            roots,
            default_base: base.map(str::to_string),
            systemd: Some(Reach::Running),
            caller: (1000, 1000),
        }
    }

    /// What a failure says: (status, text), libcgroup's logger lines marked `logged: `.
    fn said(failure: &Option<Failure>) -> Vec<(u8, String)> {
        failure
            .iter()
            .flat_map(|f| {
                f.words.iter().map(|w| match w {
                    Words::Prog(text) => (f.status, text.clone()),
                    Words::Logged(text) => (f.status, format!("logged: {text}")),
                    other => panic!("{other:?}"),
                })
            })
            .collect()
    }

    #[test]
    fn plain_paths_go_under_the_default_scope() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let req = plain(&["cpu,memory:/a/b", "memory:c"]);
        let p = plan(&req, &host(&layout, &roots, Some("nst.slice/x.scope")));
        assert!(p.stop.is_none());
        let rels: Vec<&str> = p.groups.iter().map(|g| g.rel.as_str()).collect();
        assert_eq!(rels, ["nst.slice/x.scope/a/b", "nst.slice/x.scope/c"]);
        assert_eq!(
            mounts(&p.groups[0].targets),
            [
                fx.path("sys/fs/cgroup/cpu"),
                fx.path("sys/fs/cgroup/memory")
            ]
        );
        assert!(p.groups.iter().all(|g| g.scope.is_none()));
        let at_root = plan(&req, &host(&layout, &roots, None));
        assert_eq!(at_root.groups[0].rel, "/a/b");
    }

    #[test]
    fn an_unknown_controller_stops_after_the_groups_before_it() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let req = plain(&["cpu:a", "blkio:b", "cpu:c"]);
        let p = plan(&req, &host(&layout, &roots, None));
        assert_eq!(p.groups.len(), 1);
        assert_eq!(p.groups[0].spec.path, "a");
        assert_eq!(
            said(&p.stop),
            [(
                84,
                "can't create cgroup b: Cgroup one of the needed subsystems is not mounted".into()
            )]
        );
    }

    #[test]
    fn a_path_climbing_out_of_its_hierarchy_is_refused() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let req = plain(&["cpu:a/../../x"]);
        let p = plan(&req, &host(&layout, &roots, None));
        assert!(p.groups.is_empty());
        assert_eq!(
            said(&p.stop),
            [(
                Ecg::Inval.exit(),
                "can't create cgroup a/../../x: cgroup path 'a/../../x' escapes its hierarchy"
                    .into()
            )]
        );
        // Under the default scope, `..` may climb into it but not out of the hierarchy.
        let climbing = plain(&["cpu:../y"]);
        let under = plan(&climbing, &host(&layout, &roots, Some("s.slice/t.scope")));
        assert_eq!(under.groups[0].rel, "s.slice/t.scope/../y");
    }

    #[test]
    fn scopes_are_made_at_their_systemd_path_ignoring_the_default() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let req = scopes(&["cpu:a-b.slice/x.scope", "memory:-.slice/y.scope"], true);
        let p = plan(&req, &host(&layout, &roots, Some("old.slice/kept.scope")));
        assert!(p.stop.is_none());
        let rels: Vec<&str> = p.groups.iter().map(|g| g.rel.as_str()).collect();
        assert_eq!(rels, ["a.slice/a-b.slice/x.scope", "y.scope"]);
        let scope = p.groups[1].scope.as_ref().unwrap();
        assert_eq!(scope.name.record(), "-.slice/y.scope");
        assert!(scope.set_default);
        assert_eq!(scope.pid, None);
    }

    #[test]
    fn the_pid_owners_and_caller_reach_every_group() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let mut req = scopes(&["cpu:a.slice/x.scope", "memory:a.slice/y.scope"], false);
        if let How::Scope { pid, .. } = &mut req.how {
            *pid = Some(4242);
        }
        req.owners.dperm = Some(0o750);
        let p = plan(&req, &host(&layout, &roots, None));
        let pids: Vec<_> = p
            .groups
            .iter()
            .map(|g| g.scope.as_ref().unwrap().pid)
            .collect();
        assert_eq!(pids, [Some(4242), Some(4242)]);
        assert_eq!(p.owners.dperm, Some(0o750));
        assert_eq!(p.caller, (1000, 1000));
    }

    #[test]
    fn scopes_need_the_bus_and_systemd() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let req = scopes(&["cpu:nst.slice/x.scope", "cpu:nst.slice/y.scope"], false);
        let mut facts = host(&layout, &roots, None);
        facts.systemd = Some(Reach::NoBus(2));
        let p = plan(&req, &facts);
        assert!(p.groups.is_empty());
        assert_eq!(
            said(&p.stop),
            [
                (93, "logged: Error: failed to open the system bus: 2".into()),
                (
                    93,
                    "can't create cgroup nst.slice/x.scope: Cgroup operation failed".into()
                )
            ]
        );
        facts.systemd = Some(Reach::NotRunning);
        let marker = fx.path("run/systemd/system");
        assert_eq!(
            said(&plan(&req, &facts).stop),
            [(
                96,
                format!(
                    "can't create scope nst.slice/x.scope: systemd is not running (no {})",
                    marker.display()
                )
            )]
        );
    }

    #[test]
    fn scope_names_are_checked_per_group_in_libcgroups_order() {
        let (fx, layout) = fixture_host("cgcreate-plan", HYBRID);
        let roots = fx.roots();
        let mut facts = host(&layout, &roots, None);
        // The slashes first, whether or not a bus answers.
        for reach in [Reach::Running, Reach::NoBus(2)] {
            facts.systemd = Some(reach);
            for (spec, why) in [
                ("cpu:plain", "does not contain a slash: plain"),
                ("cpu:a/b/c", "contains more than one slash: a/b/c"),
                ("cpu:/a/b", "contains more than one slash: /a/b"),
            ] {
                let req = scopes(&[spec], false);
                let name = spec.split_once(':').unwrap().1;
                assert_eq!(
                    said(&plan(&req, &facts).stop),
                    [
                        (91, format!("logged: Error: cgroup name {why}")),
                        (
                            91,
                            format!("can't create cgroup {name}: Cgroup invalid operation")
                        )
                    ],
                    "{spec} {reach:?}"
                );
            }
        }
        // An unknown controller is found before the name.
        let req = scopes(&["blkio:plain"], false);
        assert_eq!(said(&plan(&req, &facts).stop)[0].0, 84);
        // Where systemd runs, a name with one slash must be a slice and a scope; the groups
        // before a bad one are made.
        facts.systemd = Some(Reach::Running);
        let req = scopes(&["cpu:nst.slice/x.scope", "cpu:nst.slice/a"], false);
        let p = plan(&req, &facts);
        assert_eq!(p.groups.len(), 1);
        assert_eq!(
            said(&p.stop),
            [(
                129,
                "Invalid scope name nst.slice/a, expected <slice>/<scope>".into()
            )]
        );
    }

    #[test]
    fn a_plain_v2_group_needs_cgroup2() {
        let (fx, layout) = fixture_host("cgcreate-plan-legacy", LEGACY);
        let roots = fx.roots();
        let req = plain(&[":a"]);
        let p = plan(&req, &host(&layout, &roots, None));
        assert_eq!(
            said(&p.stop),
            [(
                84,
                "can't create cgroup a: Cgroup one of the needed subsystems is not mounted".into()
            )]
        );
    }
}
