//! `lscgroup [-h] [[-g] <controllers>:<path>] [...]`: `controllers:/path` lines, recursively,
//! on v1 hierarchies and on cgroup v2.
//!
//! [`cli`] types the arguments; [`plan`] picks the hierarchy, group and label of each tree and the
//! failures, from the layout and the default base; [`run_lscgroup`] walks the trees and prints.

use std::ffi::OsString;
use std::path::Path;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::group;
use crate::layout::Hierarchy;
use crate::path;
use crate::spec::{parse_spec, resolve, Spec};

const HELP: &str = "\
Usage: {prog} [-h] [[-g] <controllers>:<path>] [...]
List all cgroups
  -g <controllers>:<path>	Control group to be displayed (-g is optional)
  -h, --help			Display this help
  -b				Ignore default systemd delegate hierarchy
(Note: currently supported on cgroups v1 only)
";

/// lscgroup's command line (getopt `hg:b`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "lscgroup",
    about: "List all cgroups",
    opts: &[
        HELP_OPT,
        Opt {
            long: Some("group"),
            ..GROUP
        },
        IGNORE_DEFAULT,
    ],
    operands: Some(("controllers>:<path", "Control group to be displayed")),
    stop_at_operand: false,
    help: HELP,
    try_help: "-h'",
};

pub fn command_lscgroup() -> Command {
    SYNTAX.command()
}

/// The group `dir` of `h` and its subgroups, as libcgroup 3.1 lists them: the group with a
/// trailing `/` (`cpu:/G/`), its subgroups by their path (`cpu:/G/sub`). The path of the root is
/// `/`, so 3.1 lists it as `cpu://` and its subgroups as `cpu://G` (2.0 printed `cpu:/`).
fn tree(h: &Hierarchy, label: &str, dir: &Path, text: &mut String) {
    let rel = |d: &Path| {
        d.strip_prefix(h.mount())
            .unwrap_or(Path::new(""))
            .display()
            .to_string()
    };
    let group = rel(dir);
    let (lead, own) = match group.is_empty() {
        true => (format!("{label}://"), String::new()),
        false => (format!("{label}:/"), format!("{group}/")),
    };
    text.push_str(&format!("{lead}{own}\n"));
    for sub in group::descendants(dir) {
        text.push_str(&format!("{lead}{}\n", rel(&sub)));
    }
}

/// What the user typed: the groups to list, `-g` ones first (none: every hierarchy).
#[derive(Debug)]
pub(crate) struct Cli {
    pub specs: Vec<Spec>,
    pub ignore_default: bool,
}

/// getopt -> [`Cli`]; `Ok(None)`: `-h` was answered.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let mut specs = Vec::new();
    // libcgroup 3.1 exits 255 here, and misspells the message for a positional group.
    let given = m.values("group").into_iter().map(|t| (t, "and"));
    for (text, and) in given.chain(m.operand_texts().into_iter().map(|t| (t, "an"))) {
        match parse_spec(&text) {
            Some(s) => specs.push(s),
            None => {
                return Err(Failure::prog(
                    255,
                    format!("cgroup controller {and} path parsing failed ({text})"),
                ));
            }
        }
    }
    Ok(Some(Cli {
        specs,
        ignore_default: m.flag("ignore-default"),
    }))
}

/// One tree to print: the group `rel` of a hierarchy (`None`: the whole hierarchy from its
/// mount point), its lines prefixed with `label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listing<'a> {
    pub hierarchy: &'a Hierarchy,
    pub label: String,
    pub rel: Option<String>,
}

/// What lscgroup prints, in order: the trees, and the failures for the specs it cannot list
/// (printed first, on stderr; the last one's status is the exit status).
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    pub listings: Vec<Listing<'a>>,
    pub failures: Vec<Failure>,
}

/// The trees to list, from the typed arguments, the layout and the systemd default base. Pure.
pub(crate) fn plan<'a>(cli: &Cli, layout: &'a Layout, base_path: Option<&str>) -> Plan<'a> {
    let mut plan = Plan::default();
    if cli.specs.is_empty() {
        for h in layout
            .hierarchies
            .iter()
            .filter(|h| !h.controllers.is_empty())
        {
            plan.listings.push(Listing {
                hierarchy: h,
                label: h.controllers.join(","),
                rel: None,
            });
        }
    }
    for spec in &cli.specs {
        let rel = crate::systemd::under(base_path, &spec.path);
        if spec.controllers.is_empty() {
            // `:path`, a cgroup v2 group (libcgroup 3.1 prints `(null)..` and fails here).
            let Ok(targets) = resolve(layout, &spec.controllers) else {
                plan.failures.push(Failure::prog(
                    Ecg::SubsysNotMounted.exit(),
                    format!(
                        "cannot list group '{}': {}",
                        spec.path,
                        CgError::new(Ecg::SubsysNotMounted)
                    ),
                ));
                continue;
            };
            for t in &targets {
                plan.listings.push(Listing {
                    hierarchy: t.hierarchy,
                    label: String::new(),
                    rel: Some(rel.clone()),
                });
            }
            continue;
        }
        // libcgroup 3.1 lists one hierarchy per spec: the first mounted one (in mount order)
        // carrying any of the named controllers; named hierarchies and `*` name no controller.
        let carried = |h: &Hierarchy| -> Vec<&str> {
            spec.controllers
                .iter()
                .filter(|c| !c.starts_with("name=") && h.carries(c))
                .map(String::as_str)
                .collect()
        };
        let Some(h) = layout.hierarchies.iter().find(|h| !carried(h).is_empty()) else {
            plan.failures.push(Failure::prog(
                Ecg::Fail.exit(),
                format!(
                    "cannot find group {}..:{}: {}",
                    spec.controllers[0],
                    spec.path,
                    CgError::new(Ecg::Fail)
                ),
            ));
            continue;
        };
        // On v2 the controllers typed; on v1 the hierarchy's.
        let label = h.listing_label(&carried(h));
        plan.listings.push(Listing {
            hierarchy: h,
            label,
            rel: Some(rel),
        });
    }
    plan
}

pub fn run_lscgroup(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let base_path = systemd_base(cli.ignore_default, &layout);
    let plan = plan(&cli, &layout, base_path.as_deref());
    let mut code = 0;
    for failure in &plan.failures {
        failure.print(prog);
        code = failure.status;
    }
    let mut text = String::new();
    for l in &plan.listings {
        match &l.rel {
            None => tree(l.hierarchy, &l.label, l.hierarchy.mount(), &mut text),
            Some(rel) => list(l.hierarchy, &l.label, rel, &mut text),
        }
    }
    out(&text);
    Ok(code)
}

/// The group `rel` of `h` and its subgroups, when it exists.
fn list(h: &Hierarchy, label: &str, rel: &str, text: &mut String) {
    if let Ok(dir) = path::join(h.mount(), rel) {
        if path::is_dir(&dir) {
            tree(h, label, &dir, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;

    fn typed(groups: &[&str]) -> Cli {
        Cli {
            specs: groups
                .iter()
                .map(|g| parse_spec(g).expect("a spec"))
                .collect(),
            ignore_default: false,
        }
    }

    /// Each listing as `LABEL MOUNT REL` (mount without the fixture root; `-` for a whole tree).
    fn shown(plan: &Plan, fx: &Fixture) -> Vec<String> {
        let root = fx.dir.display().to_string();
        plan.listings
            .iter()
            .map(|l| {
                let mount = l.hierarchy.mount().display().to_string();
                let rel = l.rel.as_deref().unwrap_or("-");
                format!("{} {} {rel}", l.label, mount.trim_start_matches(&root))
            })
            .collect()
    }

    #[test]
    fn without_groups_every_hierarchy_with_controllers() {
        let fx = Fixture::new("lscgroup-all", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let plan = plan(&typed(&[]), &layout, Some("ignored"));
        assert_eq!(
            shown(&plan, &fx),
            [
                "cpu,cpuacct /sys/fs/cgroup/cpu,cpuacct -",
                "cpuset /sys/fs/cgroup/cpuset -",
                "memory /sys/fs/cgroup/memory -",
            ]
        );
        assert!(plan.failures.is_empty());
    }

    #[test]
    fn one_hierarchy_per_group_with_its_label() {
        let fx = Fixture::new("lscgroup-hybrid", HYBRID, PROC_CGROUPS);
        fx.file(
            "/sys/fs/cgroup/unified/cgroup.controllers",
            "hugetlb pids\n",
        );
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = typed(&[
            "pids,memory:/a",
            "pids,hugetlb,cpu:b",
            "hugetlb,pids:/c",
            ":/d",
        ]);
        let plan = plan(&cli, &layout, Some("nst.slice/y.scope"));
        assert_eq!(
            shown(&plan, &fx),
            [
                // The first hierarchy in mount order carrying one: memory's (v1: its label).
                "memory /sys/fs/cgroup/memory nst.slice/y.scope/a",
                "cpu /sys/fs/cgroup/cpu nst.slice/y.scope/b",
                // On cgroup v2 the controllers as typed that it carries.
                "hugetlb,pids /sys/fs/cgroup/unified nst.slice/y.scope/c",
                " /sys/fs/cgroup/unified nst.slice/y.scope/d",
            ]
        );
        assert!(plan.failures.is_empty());
    }

    #[test]
    fn groups_that_cannot_be_listed_fail_in_order() {
        let fx = Fixture::new("lscgroup-fail", LEGACY, PROC_CGROUPS);
        let layout = Layout::load_from(&fx.roots()).unwrap();
        let cli = typed(&["nosuch,cpu:/x", ":/y", "memory:/m", "name=systemd:/z"]);
        let plan = plan(&cli, &layout, None);
        assert_eq!(
            shown(&plan, &fx),
            [
                "cpu,cpuacct /sys/fs/cgroup/cpu,cpuacct /x",
                "memory /sys/fs/cgroup/memory /m"
            ]
        );
        assert_eq!(
            plan.failures,
            [
                Failure::prog(
                    84,
                    "cannot list group '/y': Cgroup one of the needed subsystems is not mounted"
                ),
                // A named hierarchy names no controller: libcgroup 3.1 finds no group.
                Failure::prog(
                    93,
                    "cannot find group name=systemd..:/z: Cgroup operation failed"
                ),
            ]
        );
    }
}
