//! Properties of the libcgroup tools' parsing (the fuzz suite, issue 15), all in process: no tool
//! is run, so no group is created, changed or removed. For each of the eight tools any argv is
//! read as the tool reads it (with libcgroup's messages for refusals), its `-g` specs are parsed,
//! and every group path, whatever its `..` and `/`, joins to a directory lexically inside the
//! hierarchy. The layout is read from any mountinfo and `/proc/cgroups` text, `cgrules.conf`
//! from any text, and v1 <-> v2 settings are translated for any value. `PROPTEST_CASES=N` runs
//! N cases per property.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use common::fuzz::{arg, check_message, option_words, raw_bytes};
use proptest::prelude::*;

use crate::getopt::Syntax;
use crate::layout::Layout;
use crate::names::{translate_read, translate_write, translated_names};
use crate::path::{join, normalize};
use crate::spec::{parse_mode, parse_spec};
use crate::tools::{cgclassify, cgcreate, cgdelete, cgexec, cgget, cgset, lscgroup, lssubsys};

/// Where hierarchies are "mounted" in these properties: a directory that does not exist, so the
/// path joiner's symlink check finds nothing and no file of the host is read.
fn root() -> PathBuf {
    PathBuf::from(format!(
        "/nonexistent-nstools-proptest-{}",
        std::process::id()
    ))
}

/// Values the tools' options take, right and wrong.
fn values() -> Vec<String> {
    [
        "cpu:/x",
        "memory:a/../b",
        "*:/",
        ":x",
        "cpu,memory:..",
        "cpu:",
        ":",
        "cpu:a:b",
        "memory:../../etc",
        "name=systemd:/",
        "memory.limit_in_bytes=1M",
        "cpu.shares=",
        "=x",
        "cpu.shares=2",
        "x",
        "root:root",
        "nobody:",
        ":nogroup",
        "755",
        "0777",
        "8",
        "12345",
        "1",
        "0",
        "/",
        "x/y",
        "cpu",
        "memory",
        "a",
    ]
    .map(String::from)
    .to_vec()
}

/// The eight tools' getopt declarations.
const SYNTAXES: [&Syntax; 8] = [
    &cgcreate::SYNTAX,
    &cgexec::SYNTAX,
    &cgdelete::SYNTAX,
    &cgset::SYNTAX,
    &cgget::SYNTAX,
    &cgclassify::SYNTAX,
    &lscgroup::SYNTAX,
    &lssubsys::SYNTAX,
];

/// One of the eight tools and an argv for it, built from its own options.
fn tool_argv() -> impl Strategy<Value = (&'static Syntax, Vec<OsString>)> {
    (0..SYNTAXES.len()).prop_flat_map(|i| {
        let syntax = SYNTAXES[i];
        let words = option_words(&syntax.command());
        prop::collection::vec(arg(words, values()), 0..8).prop_map(move |args| {
            let argv: Vec<OsString> = std::iter::once(OsString::from(syntax.name))
                .chain(args)
                .collect();
            (syntax, argv)
        })
    })
}

/// True when `path` is `base` or lies lexically below it (no `..`, no second root).
fn lexically_under(path: &Path, base: &Path) -> bool {
    path.strip_prefix(base)
        .is_ok_and(|rest| rest.components().all(|c| matches!(c, Component::Normal(_))))
}

fn mountinfo_line() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("/".to_string()),
        "/sys/fs/cgroup(/[a-z,=]{1,10})?",
        raw_bytes(10).prop_map(|b| String::from_utf8_lossy(&b).replace([' ', '\n'], "\\040")),
    ];
    let opts = prop::collection::vec(
        prop::sample::select(vec![
            "rw",
            "cpu",
            "cpuacct",
            "memory",
            "name=systemd",
            "name=",
            "xattr",
            "",
            "pids",
        ]),
        0..4,
    )
    .prop_map(|o| o.join(","));
    prop_oneof![
        4 => (0u32..6, field.clone(), field, prop::sample::select(vec!["cgroup", "cgroup2", "tmpfs", "-"]), opts)
            .prop_map(|(dev, root, point, fs, opts)| format!("30 25 0:{dev} {root} {point} rw - {fs} cgroup {opts}")),
        1 => "[0-9a-z:/ -]{0,50}",
    ]
}

proptest! {
    #[test]
    fn any_argv_is_read_or_refused_in_libcgroup_words((syntax, argv) in tool_argv()) {
        let prog = syntax.name;
        let m = syntax.getopt(&argv);
        // What tools::parse prints before libcgroup's `Wrong input parameters` line.
        if let Some(e) = &m.error {
            check_message(&format!("{prog}: {e}"), &format!("{prog}: "), &[])?;
        }
        for text in m.values("group") {
            let Some(spec) = parse_spec(&text) else { continue };
            prop_assert!(!spec.path.is_empty());
            match join(&root(), &spec.path) {
                Ok(dir) => prop_assert!(lexically_under(&dir, &root()), "{:?} -> {}", text, dir.display()),
                Err(e) => check_message(&format!("{prog}: {e}"), &format!("{prog}: "), &[])?,
            }
        }
    }

    #[test]
    fn group_paths_never_leave_the_hierarchy(
        parts in prop::collection::vec(prop_oneof![
            Just("..".to_string()), Just(".".to_string()), Just(String::new()),
            "[a-z]{1,3}", raw_bytes(5).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ], 0..8),
        absolute in any::<bool>(),
    ) {
        let path = format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"));
        let base = root();
        match normalize(&path) {
            Ok(rel) => {
                prop_assert!(!rel.starts_with('/') && !rel.ends_with('/'));
                prop_assert!(rel.split('/').all(|c| c != ".." && c != "."), "{:?} -> {:?}", path, rel);
                let dir = join(&base, &path).expect("normalized paths join under a missing root");
                prop_assert!(lexically_under(&dir, &base), "{:?} -> {}", path, dir.display());
                prop_assert_eq!(dir, if rel.is_empty() { base } else { base.join(&rel) });
            }
            Err(e) => {
                // Only a path whose `..` climbs above the root is refused.
                let mut depth = 0i32;
                let climbs = path.split('/').any(|c| {
                    match c { "" | "." => {}, ".." => depth -= 1, _ => depth += 1 }
                    depth < 0
                });
                prop_assert!(climbs, "{:?} refused: {}", path, e);
                prop_assert_eq!(e.to_string(), format!("cgroup path '{path}' escapes its hierarchy"));
            }
        }
    }

    #[test]
    fn specs_and_modes_never_panic(text in prop_oneof![
        raw_bytes(20).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[a-z,*:/.]{0,20}",
        "[0-9]{0,6}",
    ]) {
        if let Some(spec) = parse_spec(&text) {
            prop_assert!(!spec.path.is_empty() && !spec.path.contains(':'));
            prop_assert!(spec.controllers.iter().all(|c| !c.is_empty() && !c.contains([',', ':'])));
        }
        if let Some(mode) = parse_mode(&text) {
            prop_assert!(mode <= 0o7777);
        }
    }

    #[test]
    fn layout_from_any_mountinfo_and_proc_cgroups(
        lines in prop::collection::vec(mountinfo_line(), 0..8),
        proc_cgroups in prop::collection::vec(
            "(#subsys_name|[a-z]{1,8})[ \t][0-9]{0,12}[ \t][0-9]{0,3}[ \t][01x]?",
            0..6,
        ),
    ) {
        let base = root();
        let layout = Layout::parse(&lines.join("\n"), &proc_cgroups.join("\n"), &base);
        let _ = layout.mode();
        let _ = layout.all_controllers();
        for h in &layout.hierarchies {
            prop_assert!(!h.mounts.is_empty());
            for c in &h.controllers {
                prop_assert!(layout.find(c).is_some());
            }
            let _ = h.label();
        }
    }

    #[test]
    fn cgrules_from_any_text(lines in prop::collection::vec(prop_oneof![
        "[@%*a-z]{1,6}(:[a-z]{1,6})?[ \t]+[a-z,*]{0,12}[ \t]+[a-z/%0-9UuGgPp.]{0,12}( #.*)?",
        raw_bytes(30).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ], 0..6)) {
        for rule in crate::rules::parse(&lines.join("\n")) {
            prop_assert!(!rule.lines.is_empty());
        }
    }

    #[test]
    fn settings_translate_for_any_value(
        name in prop::sample::select(translated_names().chain(["cpu.nope"]).collect::<Vec<_>>()),
        value in prop_oneof![
            common::fuzz::number_text(),
            "(max|-1|[0-9]{1,20})( [0-9]{1,20})?",
            raw_bytes(12).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
        current in prop::option::of("(max|-?[0-9]{1,20})( [0-9]{0,20})?"),
    ) {
        let read_some = |_: &str| current.clone();
        let _ = translate_write(name, &value, &read_some);
        let read_io = |_: &str| current.clone().ok_or_else(|| std::io::Error::from_raw_os_error(libc::ENOENT));
        let _ = translate_read(name, &read_io);
    }
}
