//! `cgdelete [-h] [-r] [[-g] <controllers>:<path>] ...`
//!
//! Each group is removed from every hierarchy it names; its tasks move to the parent first. A
//! failure is reported and the remaining groups are still processed; the exit status is the last
//! failure's. Paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`.
//!
//! [`parse`] reads the command line into a [`Request`], [`plan`] decides from it and the layout
//! what to remove where (pure, unit-tested on fixture layouts), [`remove`] removes one group.

use std::ffi::OsString;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::group;
use crate::layout::Layout;
use crate::path;
use crate::spec::{parse_spec, resolve, Spec, Target};

const HELP: &str = "\
Usage: {prog} [-h] [-r] [[-g] <controllers>:<path>] ...
Remove control group(s)
  -g <controllers>:<path>	Control group to be removed (-g is optional)
  -h, --help			Display this help
  -r, --recursive		Recursively remove all subgroups
  -b				Ignore default systemd delegate hierarchy
";

/// cgdelete's command line (getopt `rhg:b`).
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgdelete",
    about: "Remove control group(s)",
    opts: &[
        Opt::flag("recursive", 'r', "Recursively remove all subgroups").long("recursive"),
        HELP_OPT,
        Opt {
            long: Some("group"),
            ..GROUP
        },
        IGNORE_DEFAULT,
    ],
    operands: Some(("controllers>:<path", "Control group to be removed")),
    stop_at_operand: false,
    help: HELP,
    try_help: "--help'",
};

pub fn command_cgdelete() -> Command {
    SYNTAX.command()
}

pub fn run_cgdelete(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(request) = parse(prog, args)? else {
        return Ok(0);
    };
    let layout = layout()?;
    let base = systemd_base(request.ignore_default, &layout);
    let mut status = 0;
    for removal in plan(&request, &layout, base.as_deref())? {
        if let Err(failure) = remove(&removal, request.recursive) {
            failure.print(prog);
            status = failure.status;
        }
    }
    Ok(status)
}

/// What cgdelete was asked to remove.
#[derive(Debug)]
struct Request {
    /// `-r`.
    recursive: bool,
    /// `-b`.
    ignore_default: bool,
    /// The `-g` values, then the positional specs, each kind in its own order as getopt hands
    /// them over (options first, then the operands it permuted to the end).
    specs: Vec<Spec>,
}

/// Read the command line; `Ok(None)` when `-h` was handled. A bad spec ends the run.
fn parse(prog: &str, args: &[OsString]) -> Result<Option<Request>, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = super::parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let mut specs: Vec<Spec> = Vec::new();
    for text in m.values("group").into_iter().chain(m.operand_texts()) {
        let Some(spec) = parse_spec(&text) else {
            // strtok has cut the text at its first colon.
            let shown = text.split(':').next().unwrap_or_default();
            return Err(Failure::prog(
                EXIT_BADARGS,
                format!("error parsing cgroup '{shown}'"),
            ));
        };
        specs.push(spec);
    }
    Ok(Some(Request {
        recursive: m.flag("recursive"),
        ignore_default: m.flag("ignore-default"),
        specs,
    }))
}

/// One group to remove: its path `rel` relative to every hierarchy root, in each of its
/// hierarchies, or why it names none.
#[derive(Debug)]
struct Removal<'a> {
    spec: &'a Spec,
    rel: String,
    targets: Result<Vec<Target<'a>>, CgError>,
}

/// The groups to remove, in order, paths under `base` (the default scope's cgroup path).
///
/// An unknown controller ends the run before anything is deleted (3.1 deletes the groups of
/// the arguments before it first; README Compatibility). 3.1 adds the controllers of a group
/// it has not met yet by name, and `*` is no controller's name: `*:G` and `*,cpu:G` fail so,
/// while `cpu,*:G`, or `*:G` after `cpu:G`, join a group already built and pass.
fn plan<'a>(
    request: &'a Request,
    layout: &'a Layout,
    base: Option<&str>,
) -> Result<Vec<Removal<'a>>, Failure> {
    let specs = &request.specs;
    let unknown = specs.iter().enumerate().find_map(|(at, s)| {
        let met = specs[..at].iter().any(|earlier| earlier.path == s.path);
        match s.controllers.first() {
            Some(first) if first == "*" && !met => Some(first),
            _ => s
                .controllers
                .iter()
                .find(|c| c.as_str() != "*" && layout.find(c).is_none()),
        }
    });
    if let Some(c) = unknown {
        return Err(Failure::prog(
            Ecg::Fail.exit(),
            format!("controller {c} can't be added"),
        ));
    }
    Ok(specs
        .iter()
        .map(|spec| Removal {
            spec,
            rel: crate::systemd::under(base, &spec.path),
            targets: resolve(layout, &spec.controllers),
        })
        .collect())
}

/// Remove one group from each of its hierarchies, going on past a failed one; the failure is the
/// first error met.
fn remove(removal: &Removal, recursive: bool) -> Result<(), Failure> {
    let mut first_error: Option<CgError> = None;
    match &removal.targets {
        Err(e) => first_error = Some(e.clone()),
        Ok(targets) => {
            for t in targets {
                let result = path::join(t.hierarchy.mount(), &removal.rel)
                    .map_err(|_| CgError::new(Ecg::Inval))
                    .and_then(|dir| group::delete(t.hierarchy, &dir, recursive));
                if let Err(e) = result {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(Failure::prog(
            e.exit(),
            format!("cannot remove group '{}': {e}", removal.spec.path),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::fixtures::{fixture_host, mounts, HYBRID, LEGACY};

    fn request(specs: &[&str]) -> Request {
        Request {
            recursive: false,
            ignore_default: false,
            specs: specs.iter().map(|s| parse_spec(s).unwrap()).collect(),
        }
    }

    fn parsed(args: &[&str]) -> Result<Option<Request>, Failure> {
        parse("cgdelete", &crate::tools::fixtures::argv("cgdelete", args))
    }

    #[test]
    fn g_values_come_before_the_operands_getopt_moved_to_the_end() {
        let r = parsed(&["cpu:op1", "-g", "memory:g1", "-r", ":op2", "-b"])
            .unwrap()
            .unwrap();
        let paths: Vec<&str> = r.specs.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["g1", "op1", "op2"]);
        assert!(r.recursive && r.ignore_default);
    }

    #[test]
    fn a_bad_spec_is_shown_cut_at_its_first_colon() {
        let Err(f) = parsed(&["cpu:a", "-g", "memory"]) else {
            panic!("a spec without a path is accepted")
        };
        assert_eq!(f.status, EXIT_BADARGS);
        assert_eq!(
            f.words,
            [Words::Prog("error parsing cgroup 'memory'".into())]
        );
        let Err(f) = parsed(&["cpu::"]) else {
            panic!("a spec without a path is accepted")
        };
        assert_eq!(f.words, [Words::Prog("error parsing cgroup 'cpu'".into())]);
        assert!(matches!(parsed(&[]), Err(f) if f == bad_args(&SYNTAX)));
    }

    fn refused(specs: &[&str], layout: &Layout) -> Option<String> {
        let req = request(specs);
        match plan(&req, layout, None) {
            Ok(_) => None,
            Err(Failure { status, words }) => {
                assert_eq!(status, Ecg::Fail.exit());
                match words.as_slice() {
                    [Words::Prog(text)] => Some(text.clone()),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn an_unknown_controller_anywhere_ends_the_run_first() {
        let (_fx, layout) = fixture_host("cgdelete-plan", HYBRID);
        assert_eq!(
            refused(&["cpu:a", "blkio:b"], &layout).as_deref(),
            Some("controller blkio can't be added")
        );
        assert_eq!(refused(&["cpu:a", "memory:b"], &layout), None);
    }

    #[test]
    fn a_star_first_names_no_controller_unless_its_group_was_met() {
        let (_fx, layout) = fixture_host("cgdelete-plan", HYBRID);
        let star = Some("controller * can't be added");
        assert_eq!(refused(&["*:G"], &layout).as_deref(), star);
        assert_eq!(refused(&["*,cpu:G"], &layout).as_deref(), star);
        assert_eq!(refused(&["cpu,*:G"], &layout), None);
        assert_eq!(refused(&["cpu:G", "*:G"], &layout), None);
    }

    #[test]
    fn paths_go_under_the_default_scope_in_each_hierarchy() {
        let (fx, layout) = fixture_host("cgdelete-plan", HYBRID);
        let req = request(&["cpu,memory:/a", ":b"]);
        let removals = plan(&req, &layout, Some("nst.slice/x.scope")).unwrap();
        assert_eq!(removals[0].rel, "nst.slice/x.scope/a");
        assert_eq!(
            mounts(removals[0].targets.as_ref().unwrap()),
            [
                fx.path("sys/fs/cgroup/cpu"),
                fx.path("sys/fs/cgroup/memory")
            ]
        );
        let unified = removals[1].targets.as_ref().unwrap();
        assert_eq!(
            unified[0].hierarchy.mount(),
            fx.path("sys/fs/cgroup/unified")
        );
        assert_eq!(plan(&req, &layout, None).unwrap()[0].rel, "/a");
    }

    #[test]
    fn a_group_naming_no_hierarchy_fails_alone() {
        // Not on a legacy host: `:b` needs cgroup2; the other groups are still removed.
        let (_fx, layout) = fixture_host("cgdelete-plan-legacy", LEGACY);
        let req = request(&["cpu:a", ":b"]);
        let removals = plan(&req, &layout, None).unwrap();
        assert!(removals[0].targets.is_ok());
        let failure = remove(&removals[1], false).unwrap_err();
        assert_eq!(failure.status, 84);
        assert_eq!(
            failure.words,
            [Words::Prog(
                "cannot remove group 'b': Cgroup one of the needed subsystems is not mounted"
                    .into()
            )]
        );
    }
}
