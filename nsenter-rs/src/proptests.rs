//! Properties of `nsenter` (the fuzz suite, issue 15): any argv is parsed and planned in process
//! (nothing is entered or executed) without a panic, refusals in util-linux's words; and the
//! `--join-cgroup` reading of `/proc/PID/cgroup` and mountinfo, for any text, never yields a
//! directory outside the cgroup mount it belongs to. `PROPTEST_CASES=N` runs N cases.

use std::ffi::OsString;
use std::path::{Component, Path};

use common::fuzz::{argv, check_message, check_rendered, option_words, raw_bytes};
use common::Tool;
use proptest::prelude::*;

use crate::cgroup::{parse_mountinfo, target_groups};
use crate::cli::read;
use crate::plan::{plan, Then};

const TOOL: Tool = Tool::util_linux("nsenter");

fn values() -> Vec<String> {
    [
        "1",
        "0",
        "-1",
        "follow",
        "4294967296",
        "/proc/1/ns/net",
        "3",
        "2147483648",
        "/",
        "relative",
        "99999999999999999999",
    ]
    .map(String::from)
    .to_vec()
}

fn nsenter_argv() -> impl Strategy<Value = Vec<OsString>> {
    argv("nsenter", option_words(&crate::command()), values(), 8)
}

/// A path-ish field: slashes, `..`, `.`, mountinfo escapes, names.
fn path_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("..".to_string()),
        Just(".".to_string()),
        Just(String::new()),
        Just("\\040".to_string()),
        Just("\\134".to_string()),
        Just("\\05".to_string()),
        "[a-z,=]{1,8}",
        raw_bytes(6).prop_map(|b| String::from_utf8_lossy(&b).replace([' ', '\n'], "")),
    ];
    (any::<bool>(), prop::collection::vec(part, 0..5)).prop_map(|(absolute, parts)| {
        format!("{}{}", if absolute { "/" } else { "" }, parts.join("/"))
    })
}

/// Controller lists as /proc/PID/cgroup and super-block options show them: mostly the real
/// shapes (so that lines match mounts), sometimes any mix.
fn controllers() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["", "memory", "cpu,cpuacct", "pids", "name=systemd"])
            .prop_map(str::to_string),
        1 => prop::collection::vec(
            prop::sample::select(vec!["cpu", "cpuacct", "memory", "rw", "", "x", "name=systemd"]),
            0..4,
        )
        .prop_map(|c| c.join(",")),
    ]
}

/// mountinfo lines: cgroup and cgroup2 mounts with any root and mount point, other mounts,
/// truncated lines and junk.
fn mountinfo() -> impl Strategy<Value = String> {
    let mount = (
        0u32..40,
        prop_oneof![3 => Just("/".to_string()), 1 => path_text()],
        path_text(),
        prop::sample::select(vec![
            "cgroup", "cgroup", "cgroup2", "cgroup2", "tmpfs", "-", "",
        ]),
        controllers(),
        any::<bool>(),
    )
        .prop_map(|(dev, root, point, fstype, opts, optional)| {
            let optional = if optional { " shared:5" } else { "" };
            format!("30 25 0:{dev} {root} {point} rw,nosuid{optional} - {fstype} cgroup rw,{opts}")
        });
    let line = prop_oneof![
        6 => mount,
        1 => (0usize..60, "[0-9a-z:/ -]{0,60}").prop_map(|(cut, l)| l[..cut.min(l.len())].to_string()),
        1 => raw_bytes(40).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    prop::collection::vec(line, 0..10).prop_map(|l| l.join("\n"))
}

fn proc_cgroup() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => (0u32..14, controllers(), path_text()).prop_map(|(n, c, p)| format!("{n}:{c}:{p}")),
        1 => raw_bytes(30).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    prop::collection::vec(line, 0..6).prop_map(|l| l.join("\n"))
}

/// True when `path` is `mount` or lies lexically below it (no `..`, no second root; `.` is harmless).
fn lexically_under(path: &Path, mount: &Path) -> bool {
    path.strip_prefix(mount).is_ok_and(|rest| {
        rest.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    })
}

proptest! {
    #[test]
    fn any_argv_parses_and_plans_or_is_refused_in_util_linux_words(argv in nsenter_argv()) {
        match plan(read(&argv)).then {
            Then::Run(_) | Then::Help | Then::Version => {}
            Then::Fail(e) => check_rendered(&TOOL, &e.into(), &[])?,
            // glibc's getopt names argv[0], which is `nsenter` here.
            Then::Usage(getopt) => check_message(
                &format!(
                    "nsenter: {}\nTry 'nsenter --help' for more information.\n",
                    String::from_utf8_lossy(&getopt.0)
                ),
                "nsenter: ",
                &[],
            )?,
        }
    }

    #[test]
    fn joined_cgroups_stay_inside_their_mount(
        proc_cgroup in proc_cgroup(),
        ours in proc_cgroup(),
        mountinfo in mountinfo(),
    ) {
        let mounts = parse_mountinfo(&mountinfo);
        for dir in target_groups(&proc_cgroup, &ours, &mountinfo).into_iter().flatten() {
            prop_assert!(
                mounts.iter().any(|m| lexically_under(&dir, &m.mount_point)),
                "{} is outside every cgroup mount of {:?}", dir.display(), mountinfo
            );
        }
    }
}
