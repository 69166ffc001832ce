//! The systemd lane: libcgroup 3.1's systemd features of our cgtools on a machine where systemd is
//! PID 1.
//!
//! `tests/systemd-lane/run-lane.sh BIN_DIR` boots Debian's kernel in qemu with a Debian bookworm
//! root (systemd, dbus, our binaries) as its initramfs; systemd runs `tests/systemd-lane/check.sh`
//! as a oneshot service, which reports on a serial port and powers off. This test requires every
//! check that `check.sh --list` names to be reported `ok`: a check that fails, times out or never
//! reports fails the test, and so does a lane that cannot start (no qemu, mmdebstrap, kernel) when
//! privileged tests are required.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nstools_tests::gate::Need;
use nstools_tests::lane::{self, Lane};
use nstools_tests::{bins, ensure, ensure_eq, Suite, TestResult};

/// The lane bounds itself (the VM is killed after 300 s; mmdebstrap, run once, about 30 s; the
/// kernel fetch); this is the outer bound, after which its whole process group (qemu included) is
/// killed.
const LANE_DEADLINE: Duration = Duration::from_secs(540);

fn main() {
    let mut suite = Suite::new();

    suite.test(
        "systemd_lane::check_lists_its_checks",
        &[Need::Program("bash")],
        || {
            let checks = listed_checks()?;
            for group in [
                "lane::",
                "cgcreate::",
                "default::",
                "cgexec::",
                "cgclassify::",
                "cgdelete::",
            ] {
                ensure!(
                    checks.iter().any(|c| c.starts_with(group)),
                    "check.sh --list has no {group} check: {checks:?}"
                );
            }
            let mut sorted = checks.clone();
            sorted.sort();
            sorted.dedup();
            ensure_eq!(sorted.len(), checks.len(), "check names must be unique");
            Ok(())
        },
    );

    suite.test("systemd_lane::results_are_parsed_strictly", &[], || {
        let out = "noise\nok a::one\nnot ok a::two: pid 7 is in /x\nok a::one\nlane: 2 passed, 1 failed\n";
        let results = lane::parse_results(out);
        ensure_eq!(results.get("a::one"), Some(&Ok(())));
        ensure_eq!(results.get("a::two"), Some(&Err("pid 7 is in /x".to_string())));
        let failures = LANE.judge(&["a::one".into(), "a::three".into()], &results);
        ensure_eq!(
            failures,
            vec![
                "a::three: never reported (the VM died or the check was not run)".to_string(),
                "a::two: reported but not listed by check.sh --list".to_string(),
            ]
        );
        ensure!(
            LANE.judge(&["a::one".into()], &lane::parse_results("ok a::one\n")).is_empty(),
            "a lone passing check must be accepted"
        );
        Ok(())
    });

    suite.test(
        "systemd_lane::lane",
        &[
            Need::Root,
            Need::Program("qemu-system-x86_64"),
            Need::Program("mmdebstrap"),
            Need::Program("cpio"),
            Need::Program("bash"),
            Need::Program("apt-get"),
        ],
        lane,
    );

    suite.run();
}

fn lane_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd-lane")
}

const LANE: Lane = Lane {
    name: "the systemd lane",
    lister: "check.sh --list",
    deadline: LANE_DEADLINE,
};

/// The names `check.sh --list` prints, in order.
fn listed_checks() -> Result<Vec<String>, String> {
    LANE.listed_checks(
        Command::new("bash")
            .arg(lane_dir().join("check.sh"))
            .arg("--list"),
    )
}

fn lane() -> TestResult {
    let required = listed_checks()?;
    LANE.run(
        Command::new(lane_dir().join("run-lane.sh")).arg(bins::bin_dir()),
        &required,
    )
}
