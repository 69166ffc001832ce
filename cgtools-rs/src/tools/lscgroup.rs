//! `lscgroup [-h] [[-g] <controllers>:<path>] [...]`: `controllers:/path` lines, recursively,
//! on v1 hierarchies and on cgroup v2.

use std::ffi::OsString;
use std::path::Path;

use clap::Command;

use crate::getopt::{Opt, Syntax};

use super::*;
use crate::group;
use crate::layout::Hierarchy;
use crate::path;
use crate::spec::{parse_spec, resolve};

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

pub fn run_lscgroup(prog: &str, args: &[OsString]) -> Result<u8, Failure> {
    let Some(m) = parse(&SYNTAX, prog, args)? else {
        return Ok(0);
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
    let layout = layout()?;
    let base_path = default_base(&m, &layout);
    let mut text = String::new();
    if specs.is_empty() {
        for h in layout
            .hierarchies
            .iter()
            .filter(|h| !h.controllers.is_empty())
        {
            tree(h, &h.controllers.join(","), h.mount(), &mut text);
        }
    }
    let mut code = 0;
    for spec in &specs {
        let rel = crate::systemd::under(base_path.as_deref(), &spec.path);
        if spec.controllers.is_empty() {
            // `:path`, a cgroup v2 group (libcgroup 3.1 prints `(null)..` and fails here).
            let Ok(targets) = resolve(&layout, &spec.controllers) else {
                let failure = Failure::prog(
                    Ecg::SubsysNotMounted.exit(),
                    format!(
                        "cannot list group '{}': {}",
                        spec.path,
                        CgError::new(Ecg::SubsysNotMounted)
                    ),
                );
                failure.print(prog);
                code = failure.status;
                continue;
            };
            for t in &targets {
                list(t.hierarchy, "", &rel, &mut text);
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
            let failure = Failure::prog(
                Ecg::Fail.exit(),
                format!(
                    "cannot find group {}..:{}: {}",
                    spec.controllers[0],
                    spec.path,
                    CgError::new(Ecg::Fail)
                ),
            );
            failure.print(prog);
            code = failure.status;
            continue;
        };
        // On v2 the controllers typed; on v1 the hierarchy's.
        let label = h.listing_label(&carried(h));
        list(h, &label, &rel, &mut text);
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
