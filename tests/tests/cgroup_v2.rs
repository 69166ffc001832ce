//! The cgroup v2 lane: our binaries on a real cgroup-v2-only kernel.
//!
//! `tests/cgroup-v2/run-lane.sh BIN_DIR` boots Debian's kernel (`cgroup_no_v1=all`, cgroup2 alone at
//! /sys/fs/cgroup with memory, cpu, pids and io) in qemu with an initramfs holding our binaries, and
//! runs `tests/cgroup-v2/suite.sh` there. This test requires every check that the suite lists
//! (`suite.sh --list`) to be reported `ok`: a check that fails, times out or never reports fails the
//! test, and so does a lane that cannot start (no qemu, no kernel) when privileged tests are required.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nstools_tests::gate::Need;
use nstools_tests::lane::{self, Lane};
use nstools_tests::{bins, ensure, ensure_eq, Suite, TestResult};

/// The lane bounds itself (VM timeout 240 s, a KVM probe of at most 10 s, kernel fetch and initramfs
/// build); this is the outer bound of 5 minutes, after which its whole process group (qemu included)
/// is killed.
const LANE_DEADLINE: Duration = Duration::from_secs(300);

fn main() {
    let mut suite = Suite::new();

    suite.test("cgroup_v2::suite_lists_its_checks", &[], || {
        let checks = listed_checks()?;
        for group in [
            "lane::",
            "cgcreate::",
            "cgset::",
            "cgget::",
            "cgexec::",
            "cgclassify::",
            "cgdelete::",
            "lscgroup::",
            "lssubsys::",
            "unshare::",
            "nsenter::",
            "ps::",
            "walkthrough::",
        ] {
            ensure!(
                checks.iter().any(|c| c.starts_with(group)),
                "suite.sh --list has no {group} check: {checks:?}"
            );
        }
        let mut sorted = checks.clone();
        sorted.sort();
        sorted.dedup();
        ensure_eq!(sorted.len(), checks.len(), "check names must be unique");
        Ok(())
    });

    suite.test("cgroup_v2::results_are_parsed_strictly", &[], || {
        let out = "boot noise\nok a::one\nnot ok a::two: exit status 1: x: y\nok a::one\n\
                   lane: 2 passed, 1 failed\n";
        let results = lane::parse_results(out);
        ensure_eq!(results.get("a::one"), Some(&Ok(())));
        ensure_eq!(
            results.get("a::two"),
            Some(&Err("exit status 1: x: y".to_string()))
        );
        let required = vec!["a::one".to_string(), "a::three".to_string()];
        let failures = LANE.judge(&required, &results);
        ensure_eq!(
            failures,
            vec![
                "a::three: never reported (the VM died or the check was not run)".to_string(),
                "a::two: reported but not listed by suite.sh --list".to_string(),
            ]
        );
        ensure!(
            LANE.judge(&["a::one".into()], &lane::parse_results("ok a::one\n"))
                .is_empty(),
            "a lone passing check must be accepted"
        );
        Ok(())
    });

    suite.test(
        "cgroup_v2::lane",
        &[
            Need::Root,
            Need::Program("qemu-system-x86_64"),
            Need::Program("busybox"),
            Need::Program("cpio"),
            Need::Program("dash"),
            Need::Program("apt-get"),
        ],
        lane,
    );

    suite.run();
}

fn lane_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cgroup-v2")
}

const LANE: Lane = Lane {
    name: "the cgroup v2 lane",
    lister: "suite.sh --list",
    deadline: LANE_DEADLINE,
};

/// The names `suite.sh --list` prints, in order.
fn listed_checks() -> Result<Vec<String>, String> {
    LANE.listed_checks(
        Command::new("/bin/sh")
            .arg(lane_dir().join("suite.sh"))
            .arg("--list"),
    )
}

fn lane() -> TestResult {
    let required = listed_checks()?;
    LANE.run(
        Command::new(lane_dir().join("run-lane.sh"))
            .arg(bins::bin_dir())
            .env_remove("NSTOOLS_V2_ONLY"),
        &required,
    )
}
