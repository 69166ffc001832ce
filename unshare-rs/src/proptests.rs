//! Properties of `unshare`'s command line and plan (the fuzz suite, issue 15): any argv, including
//! non-UTF-8 bytes, huge numbers, `--opt=`, prefixes and clusters, is parsed and planned in
//! process (nothing is executed) without a panic, and every refusal is worded as util-linux words
//! it. The plan reads its host files through an injected reader that serves arbitrary
//! `/etc/subuid`, `/etc/subgid` and `uid_map` texts. `PROPTEST_CASES=N` runs N cases.

use std::ffi::OsString;
use std::io;
use std::path::Path;

use common::fuzz::{argv, check_message, check_rendered, option_words, raw_bytes};
use common::{Tool, ToolError};
use proptest::prelude::*;

use crate::cli::{parse, CliError, Parsed};
use crate::plan::{map_text, merge, parse_kernel_map, Host, MapLine, Plan};

const TOOL: Tool = Tool::util_linux("unshare");

/// util-linux's own messages that quote with `"`.
const QUOTING: &[&str] = &["unshare: no line matching user \""];

/// Values the options take, right and wrong.
fn values() -> Vec<String> {
    [
        "KILL",
        "SIGTERM",
        "term",
        "9",
        "64",
        "65",
        "0",
        "auto",
        "subids",
        "all",
        "0:1000:1",
        "1000,0,1",
        "0:1000",
        "1:2:3:4",
        "allow",
        "deny",
        "slave",
        "shared",
        "private",
        "unchanged",
        "root",
        "nobody",
        "0:0",
        "1000:",
        ":1000",
        "/proc",
        "/tmp",
        "relative",
        "follow",
    ]
    .map(String::from)
    .to_vec()
}

/// Text for a host file: lines in the subid/uid_map shapes, or anything.
fn host_file() -> impl Strategy<Value = Option<String>> {
    let line = prop_oneof![
        "(root|alice|0|1000|[a-z]{1,4}):-?[0-9]{0,22}:[0-9 x-]{0,22}",
        " *[0-9]{1,11} +[0-9]{1,11} +[0-9]{1,11}",
        raw_bytes(20).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    prop::option::of(prop::collection::vec(line, 0..5).prop_map(|l| l.join("\n")))
}

/// A host whose euid/egid and files are given; a missing file is ENOENT.
fn host(
    euid: u32,
    egid: u32,
    subuid: Option<String>,
    subgid: Option<String>,
    map: Option<String>,
) -> Host {
    Host {
        euid,
        egid,
        user_name: Box::new(|uid| (uid == 1000).then(|| "alice".to_string())),
        read: Box::new(move |p: &Path| {
            let text = match p.to_str() {
                Some("/etc/subuid") => &subuid,
                Some("/etc/subgid") => &subgid,
                Some("/proc/self/uid_map" | "/proc/self/gid_map") => &map,
                _ => &None,
            };
            text.clone()
                .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))
        }),
    }
}

fn unshare_argv() -> impl Strategy<Value = Vec<OsString>> {
    argv("unshare", option_words(&crate::command()), values(), 8)
}

proptest! {
    #[test]
    fn any_argv_parses_and_plans_or_is_refused_in_util_linux_words(
        argv in unshare_argv(),
        ids in (prop_oneof![Just(0u32), Just(1000), any::<u32>()], any::<u32>()),
        subuid in host_file(),
        subgid in host_file(),
        map in host_file(),
    ) {
        match parse(&argv) {
            Ok(Parsed::Help | Parsed::Version) => {}
            Ok(Parsed::Run(cli)) => {
                let host = host(ids.0, ids.1, subuid, subgid, map);
                if let Err(err) = Plan::new(*cli, &host) {
                    check_rendered(&TOOL, &err, QUOTING)?;
                }
            }
            // glibc's getopt names argv[0], which is `unshare` here.
            Err(CliError::Getopt(e)) => check_message(
                &format!("unshare: {e}\nTry 'unshare --help' for more information.\n"),
                "unshare: ",
                &[],
            )?,
            Err(CliError::Invalid(message)) => {
                prop_assert!(!message.is_empty());
                check_rendered(&TOOL, &ToolError::failed(1, message).into(), QUOTING)?;
            }
            // The maps read while parsing either fail in util-linux's words or let the rest
            // of the parse through (checked by the arms above on a parse without them).
            Err(CliError::AfterMaps { maps, then }) => {
                prop_assert!(!maps.is_empty());
                let nested = matches!(*then, Ok(Parsed::Run(_)) | Err(CliError::AfterMaps { .. }));
                prop_assert!(!nested, "a run or a nested AfterMaps: {:?}", then);
                let host = host(ids.0, ids.1, subuid, subgid, map);
                if let Err(err) = crate::plan::read_maps(&maps, &host) {
                    check_rendered(&TOOL, &err, QUOTING)?;
                }
            }
        }
    }

    #[test]
    fn id_maps_merge_without_overflow_or_double_mapping(
        single in prop::option::of((any::<u32>(), any::<u32>())),
        ranges in prop::collection::vec((any::<u32>(), any::<u32>(), prop_oneof![0u32..70000, any::<u32>()]), 0..4),
    ) {
        let single = single.map(|(inner, outer)| MapLine::new(inner, outer, 1));
        let ranges: Vec<MapLine> = ranges.into_iter().map(|(i, o, c)| MapLine::new(i, o, c)).collect();
        let merged = merge(single, &ranges);
        if let Some(s) = single {
            prop_assert_eq!(merged.first(), Some(&s));
            // No other line maps the single's inner or outer id again (for ranges that fit in
            // 32 bits, the only ones the kernel takes).
            let fits = |l: &MapLine| u64::from(l.inner) + u64::from(l.count) <= 1 << 32
                && u64::from(l.outer) + u64::from(l.count) <= 1 << 32;
            for l in merged[1..].iter().filter(|_| ranges.iter().all(fits)) {
                let holds = |start: u32, id: u32| {
                    (u64::from(start)..u64::from(start) + u64::from(l.count)).contains(&u64::from(id))
                };
                prop_assert!(!holds(l.inner, s.inner) && !holds(l.outer, s.outer), "{:?} in {:?}", s, merged);
            }
        }
        // What map_text writes is what parse_kernel_map reads back.
        prop_assert_eq!(parse_kernel_map(&map_text(&merged)), merged);
    }
}
