//! `cgget [-nv] [-r <name>]... [-g <controllers>] [-a] [-m] [-c] <path> ...` /
//! `cgget [-nv] [-r <name>]... -g <controllers>:<path> ...`
//!
//! Output as libcgroup prints it: `path:` header, `name: value` lines (continuation lines of a
//! multi-line file start with a TAB), a blank line after each group; `-n` drops header and blank
//! line, `-v` the `name: ` prefix. A v1 name on a v2 group (and the reverse) is translated.
//! Paths are relative to the systemd default scope (`cgcreate -c -S`) unless `-b`; the header
//! shows the path as typed.
//!
//! [`cli`] reads what was typed; [`check`] makes libcgroup 3.1's checks in its order (a `-g ctrl`
//! must be mounted, then [`request`]: the options together); [`plan`], pure, says from the layout
//! and the default scope what to read from which hierarchy, up to the first failure; and
//! [`run_cgget`] reads and prints it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::error::{CgError, Ecg};
use crate::group;
use crate::layout::{Hierarchy, Layout};
use crate::names::{self, ReadError};
use crate::path;
use crate::spec::{controller_of, parse_spec};

const HELP: &str = "\
Usage: {prog} [-nv] [-r <name>] [-g <controllers>] [-a] <path> ...
Print parameter(s) of given group(s).
  -a, --all			Print info about all relevant controllers
  -g <controllers>		Controller which info should be displayed
  -g <controllers>:<path>	Control group which info should be displayed
  -h, --help			Display this help
  -n				Do not print headers
  -r, --variable <name>		Define parameter to display
  -v, --values-only		Print only values, not parameter names
  -m				Display the cgroup mode
  -b				Ignore default systemd delegate hierarchy
  -c				Display controller version
";

/// cgget's command line (getopt `r:hnvg:ambc`). The long options in libcgroup 3.1's table order,
/// which glibc follows when it lists the possibilities of an ambiguous prefix.
pub(crate) const SYNTAX: Syntax = Syntax {
    name: "cgget",
    about: "Print parameter(s) of given group(s)",
    opts: &[
        Opt::flag(
            "variable",
            'r',
            "Define parameter to display (v1 and v2 names are translated as needed)",
        )
        .long("variable")
        .value("name"),
        HELP_OPT,
        Opt::flag("no-headers", 'n', "Do not print headers"),
        Opt::flag("all", 'a', "Print info about all relevant controllers").long("all"),
        Opt::flag("values-only", 'v', "Print only values, not parameter names").long("values-only"),
        Opt::flag(
            "group",
            'g',
            "Controllers whose settings to display, optionally for one group",
        )
        .value("controllers>[:<path]"),
        Opt::flag("mode", 'm', "Display the cgroup mode"),
        IGNORE_DEFAULT,
        Opt::flag("versions", 'c', "Display the controller and its version"),
    ],
    operands: Some(("path", "Groups to display")),
    stop_at_operand: false,
    help: HELP,
    try_help: "-h'",
};

pub fn command_cgget() -> Command {
    SYNTAX.command()
}

// ---------------------------------------------------------------- cli: what was typed

/// cgget's arguments as typed, before any check of the options together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cli {
    /// `-r name`, in order.
    names: Vec<String>,
    /// `-g`, in order.
    groups: Vec<GroupArg>,
    /// The positional groups.
    paths: Vec<String>,
    /// `-a`.
    all: bool,
    /// `-m`.
    mode: bool,
    /// `-c`.
    versions: bool,
    /// `-n`.
    no_headers: bool,
    /// `-v`.
    values_only: bool,
    /// `-b`.
    ignore_default: bool,
}

/// One `-g`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GroupArg {
    /// `-g ctrl`, for the positional groups: libcgroup 3.1 takes `cpu,memory` for one name.
    Controllers(String),
    /// `-g ctrls:path`, as typed: a group of its own (parsed once the options are checked).
    Group(String),
}

/// Read `args` with getopt; `Ok(None)` when `-h` was handled.
fn cli(prog: &str, args: &[OsString]) -> Result<Option<Cli>, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(None);
    };
    let groups = m
        .values("group")
        .into_iter()
        .map(|g| match g.contains(':') {
            true => GroupArg::Group(g),
            false => GroupArg::Controllers(g),
        })
        .collect();
    Ok(Some(Cli {
        names: m.values("variable"),
        groups,
        paths: m.operand_texts(),
        all: m.flag("all"),
        mode: m.flag("mode"),
        versions: m.flag("versions"),
        no_headers: m.flag("no-headers"),
        values_only: m.flag("values-only"),
        ignore_default: m.flag("ignore-default"),
    }))
}

impl Cli {
    /// The `-g ctrl` values (no path), in order.
    fn path_controllers(&self) -> Vec<String> {
        self.groups
            .iter()
            .filter_map(|g| match g {
                GroupArg::Controllers(c) => Some(c.clone()),
                GroupArg::Group(_) => None,
            })
            .collect()
    }
}

// ---------------------------------------------------------------- plan: what to read

/// What to print for a group.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    Names(Vec<String>),
    Controllers(Vec<String>),
    All,
}

/// What is asked once the options are checked together: the `-m`/`-c` output, then groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Request {
    mode: bool,
    versions: bool,
    /// Each group as typed, with what to show of it.
    groups: Vec<(String, Selection)>,
}

/// libcgroup 3.1 looks up a `-g ctrl` (no path) as getopt hands it over: an unknown one ends the
/// run (96) before any check of the options together or of the groups.
fn unknown_controller(cli: &Cli, layout: &Layout) -> Option<Failure> {
    cli.path_controllers()
        .iter()
        .find(|c| hierarchy_for(layout, c).is_none())
        .map(|c| no_controller(c))
}

/// The checks in libcgroup 3.1's order: each `-g ctrl` must name a mounted controller (the
/// layout is loaded, by `load`, for that only), then the options together.
fn check(
    cli: &Cli,
    load: impl FnOnce() -> Result<Layout, Failure>,
) -> Result<(Option<Layout>, Request), Failure> {
    let early = match cli.path_controllers().is_empty() {
        true => None,
        false => Some(load()?),
    };
    if let Some(unknown) = early.as_ref().and_then(|l| unknown_controller(cli, l)) {
        return Err(unknown);
    }
    Ok((early, request(cli)?))
}

/// The options checked together, in libcgroup 3.1's order, into what to show.
fn request(cli: &Cli) -> Result<Request, Failure> {
    let info = cli.mode || cli.versions;
    // libcgroup 3.1 refuses -m or -c together with -a, -g or -r before it prints anything.
    if info && (cli.all || !cli.groups.is_empty() || !cli.names.is_empty()) {
        return Err(bad_args(&SYNTAX));
    }
    let mut request = Request {
        mode: cli.mode,
        versions: cli.versions,
        groups: Vec::new(),
    };
    if info && cli.paths.is_empty() {
        return Ok(request);
    }
    // `-g controllers:path` names the group itself: a positional group as well is a usage error.
    let group_given = cli.groups.iter().any(|g| matches!(g, GroupArg::Group(_)));
    if (!cli.names.is_empty() && (!cli.groups.is_empty() || cli.all))
        || (group_given && !cli.paths.is_empty())
    {
        return Err(bad_args(&SYNTAX));
    }
    for g in &cli.groups {
        if let GroupArg::Group(text) = g {
            request.groups.push(spec_group(text)?);
        }
    }
    let path_ctrls = cli.path_controllers();
    for p in &cli.paths {
        // `-a` shows every controller, whatever `-g ctrl` says (libcgroup 3.1).
        let sel = if !cli.names.is_empty() {
            Selection::Names(cli.names.clone())
        } else if !path_ctrls.is_empty() && !cli.all {
            Selection::Controllers(path_ctrls.clone())
        } else {
            Selection::All
        };
        request.groups.push((p.clone(), sel));
    }
    if request.groups.is_empty() {
        // No group: 3.1 wants one for -r or -g ctrl; -a alone shows the root group (under the
        // header `:`, its empty name); with neither (`-b`, `-n`, `-v`, `--`) there is nothing
        // asked and nothing to show, and it exits 0.
        if !cli.names.is_empty() || !path_ctrls.is_empty() {
            return Err(bad_args(&SYNTAX));
        }
        if cli.all {
            request.groups.push((String::new(), Selection::All));
        }
    }
    Ok(request)
}

/// The group of `-g ctrls:path` and what to show of it (`*` or no controllers: all).
fn spec_group(text: &str) -> Result<(String, Selection), Failure> {
    let spec = parse_spec(text).ok_or_else(|| bad_args(&SYNTAX))?;
    let sel = if spec.controllers.is_empty() || spec.controllers.iter().any(|c| c == "*") {
        Selection::All
    } else {
        Selection::Controllers(spec.controllers)
    };
    Ok((spec.path, sel))
}

/// One read of a group, in the order libcgroup makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Read<'a> {
    /// One setting, translated between v1 and v2 names when the hierarchy needs it.
    Setting {
        hierarchy: &'a Hierarchy,
        name: String,
    },
    /// Every setting of a controller; the group must exist in its hierarchy.
    Controller {
        hierarchy: &'a Hierarchy,
        ctrl: String,
    },
    /// Every controller of the group in each of these hierarchies where it exists (at least one).
    All(&'a [Hierarchy]),
    /// What libcgroup fails with at this point, after the reads before it.
    Fail(Failure),
}

/// One group to print.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupPlan<'a> {
    /// The path as typed: the header and messages show it.
    typed: String,
    /// The path under the default scope, if any.
    dir_rel: String,
    reads: Vec<Read<'a>>,
}

/// The groups to print, in order, with their reads, decided from the layout and the default
/// scope (`base`).
fn plan<'a>(request: &Request, layout: &'a Layout, base: Option<&str>) -> Vec<GroupPlan<'a>> {
    request
        .groups
        .iter()
        .map(|(typed, sel)| GroupPlan {
            typed: typed.clone(),
            dir_rel: crate::systemd::under(base, typed),
            reads: reads(layout, sel),
        })
        .collect()
}

/// `-m`: the mode line; `-c`: each controller with its hierarchy's version.
fn info(request: &Request, layout: &Layout) -> String {
    let mut text = String::new();
    if request.mode {
        if let Some(mode) = layout.mode() {
            text.push_str(mode.describe());
            text.push('\n');
        }
    }
    if request.versions {
        text.push_str("#Controller\tVersion\n");
        for h in &layout.hierarchies {
            for c in &h.controllers {
                text.push_str(&format!("{c:<11}\t{}\n", h.version.number()));
            }
        }
    }
    text
}

/// The reads for one selection, up to the first failure.
fn reads<'a>(layout: &'a Layout, sel: &Selection) -> Vec<Read<'a>> {
    let known = |ctrl: &str| hierarchy_for(layout, ctrl).ok_or_else(|| no_controller(ctrl));
    let each: Vec<Result<Read<'a>, Failure>> = match sel {
        Selection::Names(names) => names
            .iter()
            .map(|name| {
                let ctrl = controller_of(name).ok_or_else(|| bad_name(name))?;
                Ok(Read::Setting {
                    hierarchy: known(ctrl)?,
                    name: name.clone(),
                })
            })
            .collect(),
        Selection::Controllers(ctrls) => ctrls
            .iter()
            .map(|ctrl| {
                Ok(Read::Controller {
                    hierarchy: known(ctrl)?,
                    ctrl: ctrl.clone(),
                })
            })
            .collect(),
        Selection::All => vec![Ok(Read::All(&layout.hierarchies))],
    };
    let mut reads = Vec::new();
    for read in each {
        match read {
            Ok(read) => reads.push(read),
            Err(failure) => {
                reads.push(Read::Fail(failure));
                break;
            }
        }
    }
    reads
}

/// libcgroup 3.1's message for a name without `controller.`, missing final newline included.
fn bad_name(name: &str) -> Failure {
    Failure::new(Ecg::Inval.exit()).then(Words::Bare(format!(
        "cgget: error parsing parameter name '{name}'"
    )))
}

/// The hierarchy of a controller named in a setting; `cgroup` (v2's core files) is cgroup2's.
pub(super) fn hierarchy_for<'a>(layout: &'a Layout, ctrl: &str) -> Option<&'a Hierarchy> {
    layout
        .find(ctrl)
        .or_else(|| (ctrl == "cgroup").then(|| layout.unified()).flatten())
}

/// libcgroup spells this one with a literal `cgget:`, whatever argv[0] is.
fn no_controller(ctrl: &str) -> Failure {
    Failure::bare(
        Ecg::Other.exit(),
        format!("cgget: cannot find controller '{ctrl}'"),
    )
}

// ---------------------------------------------------------------- run: read and print

pub fn run_cgget(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(cli) = cli(prog, args)? else {
        return Ok(0);
    };
    let (early, request) = check(&cli, layout)?;
    if request == Request::default() {
        return Ok(0);
    }
    let layout = match early {
        Some(layout) => layout,
        None => layout()?,
    };
    out(&info(&request, &layout));
    if request.groups.is_empty() {
        return Ok(0);
    }
    let base = systemd_base(cli.ignore_default, &layout);
    let plan = plan(&request, &layout, base.as_deref());
    let mut text = String::new();
    for g in &plan {
        let body = group_text(g, cli.values_only)?;
        if !cli.no_headers {
            text.push_str(&format!("{}:\n", g.typed));
        }
        text.push_str(&body);
        if !cli.no_headers {
            text.push('\n');
        }
    }
    out(&text);
    Ok(0)
}

/// What one group prints, or the first failure.
fn group_text(g: &GroupPlan, values_only: bool) -> Result<String, Failure> {
    let mut text = String::new();
    let no_group = || {
        Failure::prog(
            Ecg::NotExist.exit(),
            format!(
                "cannot read group '{}': {}",
                g.typed,
                CgError::new(Ecg::NotExist)
            ),
        )
    };
    for read in &g.reads {
        match read {
            Read::Setting { hierarchy, name } => {
                let dir = path::join(hierarchy.mount(), &g.dir_rel)
                    .map_err(|e| Failure::prog(Ecg::Inval.exit(), e.to_string()))?;
                let value = read_setting(hierarchy, &dir, name)?;
                text.push_str(&line(name, &value, values_only));
            }
            Read::Controller { hierarchy, ctrl } => {
                // libcgroup 3.1 prints an empty block here and exits 0.
                let dir = existing_dir(hierarchy, &g.dir_rel).ok_or_else(no_group)?;
                text.push_str(&controller_lines(&dir, ctrl, values_only));
            }
            Read::All(hierarchies) => {
                let mut found = false;
                for h in hierarchies.iter() {
                    let Some(dir) = existing_dir(h, &g.dir_rel) else {
                        continue;
                    };
                    found = true;
                    for ctrl in h.group_controllers(&dir) {
                        text.push_str(&controller_lines(&dir, &ctrl, values_only));
                    }
                }
                if !found {
                    return Err(no_group());
                }
            }
            Read::Fail(failure) => return Err(failure.clone()),
        }
    }
    Ok(text)
}

fn read_setting(h: &Hierarchy, dir: &Path, name: &str) -> Result<String, Failure> {
    names::read_setting(h.version, dir, name).map_err(|e| match e {
        ReadError::Io(e) => {
            let e = CgError::io(&e);
            Failure::bare(e.exit(), format!("variable file read failed {e}"))
        }
        ReadError::Unmappable(u) => Failure::prog(Ecg::NoVersionConvert.exit(), u.to_string()),
    })
}

fn existing_dir(h: &Hierarchy, rel: &str) -> Option<PathBuf> {
    path::join(h.mount(), rel).ok().filter(|d| path::is_dir(d))
}

/// Every setting of `ctrl` in the group, as lines.
fn controller_lines(dir: &Path, ctrl: &str, values_only: bool) -> String {
    let mut text = String::new();
    for name in group::settings(dir, ctrl) {
        // Write-only or failing files read as empty, as libcgroup prints them.
        let value = group::read_value(dir, &name).unwrap_or_default();
        text.push_str(&line(&name, &value, values_only));
    }
    text
}

/// `name: value`, continuation lines TAB-indented.
fn line(name: &str, value: &str, values_only: bool) -> String {
    let value = value.replace('\n', "\n\t");
    if values_only {
        format!("{value}\n")
    } else {
        format!("{name}: {value}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::fixtures::*;

    fn cli_of(words: &[&str]) -> Cli {
        let args: Vec<OsString> = std::iter::once("cgget")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect();
        cli("cgget", &args).unwrap().unwrap()
    }

    fn legacy() -> Layout {
        Layout::parse(LEGACY, PROC_CGROUPS, Path::new("/"))
    }

    /// The checks as `run_cgget` makes them, with `legacy()` as the layout.
    fn checked(words: &[&str]) -> Result<Request, Failure> {
        check(&cli_of(words), || Ok(legacy())).map(|(_, r)| r)
    }

    fn names(n: &[&str]) -> Selection {
        Selection::Names(n.iter().map(|s| s.to_string()).collect())
    }

    fn ctrls(c: &[&str]) -> Selection {
        Selection::Controllers(c.iter().map(|s| s.to_string()).collect())
    }

    fn groups(request: Result<Request, Failure>) -> Vec<(String, Selection)> {
        request.unwrap().groups
    }

    fn pairs(want: &[(&str, Selection)]) -> Vec<(String, Selection)> {
        want.iter()
            .map(|(p, s)| (p.to_string(), s.clone()))
            .collect()
    }

    #[test]
    fn no_arguments_is_a_usage_error() {
        let args = [OsString::from("cgget")];
        assert_eq!(cli("cgget", &args), Err(Failure::usage("-h'")));
    }

    #[test]
    fn usage_errors_in_libcgroups_order() {
        let bad = Err(Failure::usage("-h'"));
        let unknown = |c: &str| Err(no_controller(c));
        let cases: &[(&[&str], Result<Request, Failure>)] = &[
            // An unknown `-g ctrl` first, even before -m with -g; `cpu,memory` is one name.
            (&["-m", "-g", "bogus", "g"], unknown("bogus")),
            (
                &["-g", "cpu", "-g", "cpu,memory", "-r", "x"],
                unknown("cpu,memory"),
            ),
            // -m / -c with -a, -g or -r.
            (&["-m", "-a", "g"], bad.clone()),
            (&["-c", "-r", "cpu.shares", "g"], bad.clone()),
            (&["-m", "-g", "cpu:g"], bad.clone()),
            (&["-m", "-g", "cpu", "g"], bad.clone()),
            // -r with -g or -a; -g ctrl:path with a positional group.
            (&["-r", "cpu.shares", "-g", "cpu", "g"], bad.clone()),
            (&["-r", "cpu.shares", "-a", "g"], bad.clone()),
            (&["-g", "cpu:a", "b"], bad.clone()),
            // A -g spec that does not parse.
            (&["-g", "cpu:"], bad.clone()),
            (&["-g", ",:a"], bad.clone()),
            // No group for -r or -g ctrl.
            (&["-r", "cpu.shares"], bad.clone()),
            (&["-g", "cpu"], bad.clone()),
            // Nothing asked: nothing to do.
            (&["-n"], Ok(Request::default())),
            (&["-b", "-v"], Ok(Request::default())),
        ];
        for (words, want) in cases {
            assert_eq!(&checked(words), want, "{words:?}");
        }
    }

    #[test]
    fn the_layout_is_loaded_only_for_a_controller_without_path() {
        let unmounted = || Err(Failure::prog(81, "libcgroup initialization failed"));
        let cli = cli_of(&["-r", "cpu.shares"]);
        assert_eq!(check(&cli, unmounted).unwrap_err(), Failure::usage("-h'"));
        let cli = cli_of(&["-g", "cpu", "-r", "x"]);
        assert_eq!(check(&cli, unmounted).unwrap_err().status, 81);
        let (early, _) = check(&cli_of(&["-g", "cpu", "g"]), || Ok(legacy())).unwrap();
        assert!(early.is_some());
    }

    #[test]
    fn group_forms() {
        // -g ctrls:path: one group each, `*` or no controllers = all.
        assert_eq!(
            groups(checked(&[
                "-g",
                "cpu,memory:a",
                "-g",
                ":b",
                "-g",
                "cpu,*:/c"
            ])),
            pairs(&[
                ("a", ctrls(&["cpu", "memory"])),
                ("b", Selection::All),
                ("/c", Selection::All)
            ])
        );
        // -g ctrl: these controllers of each positional group.
        assert_eq!(
            groups(checked(&["-g", "cpu", "-g", "memory", "a", "b"])),
            pairs(&[
                ("a", ctrls(&["cpu", "memory"])),
                ("b", ctrls(&["cpu", "memory"]))
            ])
        );
        // -r: these names of each group.
        assert_eq!(
            groups(checked(&["-r", "cpu.shares", "-r", "memory.stat", "a"])),
            pairs(&[("a", names(&["cpu.shares", "memory.stat"]))])
        );
        // A plain group: every controller.
        assert_eq!(groups(checked(&["a"])), pairs(&[("a", Selection::All)]));
    }

    #[test]
    fn all_with_and_without_groups() {
        // -a wins over -g ctrl.
        assert_eq!(
            groups(checked(&["-a", "-g", "cpu", "a"])),
            pairs(&[("a", Selection::All)])
        );
        // -a alone: the root group, under the header `:`.
        assert_eq!(groups(checked(&["-a"])), pairs(&[("", Selection::All)]));
    }

    #[test]
    fn mode_and_versions() {
        let r = checked(&["-m", "-c"]).unwrap();
        assert!(r.mode && r.versions && r.groups.is_empty());
        assert_eq!(
            info(&r, &legacy()),
            "Legacy Mode (Cgroup v1 only).\n#Controller\tVersion\n\
             cpu        \t1\ncpuacct    \t1\ncpuset     \t1\nmemory     \t1\n"
        );
        // With groups: each with every controller after the info.
        assert_eq!(
            groups(checked(&["-m", "a"])),
            pairs(&[("a", Selection::All)])
        );
    }

    #[test]
    fn plan_reads_in_order_up_to_the_first_failure() {
        let layout = legacy();
        let cpu = layout.find("cpu").unwrap();
        let request = checked(&["-r", "cpu.shares", "-r", "bogus.x", "-r", "cpu.stat", "a"]);
        let plan = plan(&request.unwrap(), &layout, Some("n.slice/s.scope"));
        assert_eq!(
            plan,
            [GroupPlan {
                typed: "a".into(),
                dir_rel: "n.slice/s.scope/a".into(),
                reads: vec![
                    Read::Setting {
                        hierarchy: cpu,
                        name: "cpu.shares".into()
                    },
                    Read::Fail(no_controller("bogus")),
                ],
            }]
        );
        let parse_error = Failure::new(91).then(Words::Bare(
            "cgget: error parsing parameter name 'noname'".into(),
        ));
        assert_eq!(
            reads(&layout, &names(&["noname", "cpu.shares"])),
            [Read::Fail(parse_error)]
        );
        assert_eq!(
            reads(&layout, &ctrls(&["cpu", "pids", "memory"])),
            [
                Read::Controller {
                    hierarchy: cpu,
                    ctrl: "cpu".into()
                },
                Read::Fail(no_controller("pids")),
            ]
        );
        assert_eq!(
            reads(&layout, &Selection::All),
            [Read::All(&layout.hierarchies)]
        );
        // `cgroup.*` names live in cgroup2, which a legacy host lacks.
        assert_eq!(
            reads(&layout, &names(&["cgroup.procs"])),
            [Read::Fail(no_controller("cgroup"))]
        );
    }

    #[test]
    fn lines_indent_continuations() {
        assert_eq!(line("cpu.shares", "1024", false), "cpu.shares: 1024\n");
        assert_eq!(
            line("cpu.stat", "nr_periods 0\nnr_throttled 0", false),
            "cpu.stat: nr_periods 0\n\tnr_throttled 0\n"
        );
        assert_eq!(line("x.y", "a\nb", true), "a\n\tb\n");
        assert_eq!(
            line("memory.force_empty", "", false),
            "memory.force_empty: \n"
        );
    }
}
