//! `lscgroup [-h] [[-g] <controllers>:<path>] [...]`: `controllers:/path` lines, recursively,
//! on v1 hierarchies and on cgroup v2.

use std::ffi::OsString;
use std::path::Path;

use clap::Command;

use crate::getopt::{Opt, Syntax};
use common::eprintln;
use common::ToolError;

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

/// `label:/path` for a group directory of `h`.
fn show(h: &Hierarchy, label: &str, dir: &Path) -> String {
    let rel = dir.strip_prefix(h.mount()).unwrap_or(Path::new(""));
    format!("{label}:/{}\n", rel.display())
}

/// The group itself (with libcgroup's trailing `/` when it is not the root) and its subgroups.
fn tree(h: &Hierarchy, label: &str, dir: &Path, text: &mut String) {
    let rel = dir.strip_prefix(h.mount()).unwrap_or(Path::new(""));
    if rel.as_os_str().is_empty() {
        text.push_str(&format!("{label}:/\n"));
    } else {
        text.push_str(&format!("{label}:/{}/\n", rel.display()));
    }
    for sub in group::descendants(dir) {
        text.push_str(&show(h, label, &sub));
    }
}

pub fn run_lscgroup(prog: &str, args: &[OsString]) -> anyhow::Result<u8> {
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
                eprintln!("{prog}: cgroup controller {and} path parsing failed ({text})");
                return Err(ToolError::Exit(255).into());
            }
        }
    }
    let layout = layout(prog)?;
    let base_path = default_base(&m, &layout);
    let mut text = String::new();
    if specs.is_empty() {
        for h in layout
            .hierarchies
            .iter()
            .filter(|h| !h.controllers.is_empty())
        {
            let label = h.controllers.join(",");
            text.push_str(&format!("{label}:/\n"));
            for sub in group::descendants(h.mount()) {
                text.push_str(&show(h, &label, &sub));
            }
        }
    }
    let mut code = 0;
    for spec in &specs {
        let rel = crate::systemd::under(base_path.as_deref(), &spec.path);
        if spec.controllers.is_empty() {
            // `:path`, a cgroup v2 group (libcgroup 3.1 prints `(null)..` and fails here).
            let Ok(targets) = resolve(&layout, &spec.controllers) else {
                eprintln!(
                    "{prog}: cannot list group '{}': {}",
                    spec.path,
                    CgError::new(Ecg::SubsysNotMounted)
                );
                code = Ecg::SubsysNotMounted.exit();
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
            eprintln!(
                "{prog}: cannot find group {}..:{}: {}",
                spec.controllers[0],
                spec.path,
                CgError::new(Ecg::Fail)
            );
            code = Ecg::Fail.exit();
            continue;
        };
        // On v2 the controllers typed; on v1 the hierarchy's.
        let label = match h.version {
            crate::layout::Version::V2 => carried(h).join(","),
            crate::layout::Version::V1 => h.label(),
        };
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
