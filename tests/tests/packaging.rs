//! The Debian packages end to end: `tests/packaging/test-debs.sh` builds nstools and
//! nstools-substitute with cargo-deb, runs lintian, installs them into a bookworm root made by
//! mmdebstrap, checks man pages, completions and the walkthrough's commands with and without the
//! substitute package, removes both and checks that the originals are back byte for byte and
//! nothing is left. The script prints one line per check; this test fails with its whole output
//! when any check fails.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nstools_tests::lane::run_live;
use nstools_tests::{ensure, Need, Suite};

/// A release build, an mmdebstrap and two package round trips: minutes, not seconds.
const DEADLINE: Duration = Duration::from_secs(1800);

fn main() {
    let mut suite = Suite::new();
    suite.test(
        "debs::build_lint_install_substitute_remove",
        &[
            Need::Root,
            Need::MountNamespaces,
            Need::Program("cargo-deb"),
            Need::Program("dpkg-shlibdeps"),
            Need::Program("lintian"),
            Need::Program("mmdebstrap"),
            Need::CgroupV1("memory"),
            Need::CgroupV1("freezer"),
        ],
        || {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/test-debs.sh");
            // Stage lines (stderr) and failed checks show as they come; the rest when it fails.
            let out = run_live(&mut Command::new(&script), DEADLINE, |line| {
                line.starts_with("FAILED") || line.starts_with("packaging: ")
            })?;
            ensure!(out.code == Some(0), "{}", out.show());
            let summary = out
                .stdout
                .lines()
                .find(|l| l.starts_with("packaging: "))
                .ok_or_else(|| format!("no summary line:\n{}", out.show()))?;
            ensure!(
                summary.contains(" 0 failed, 0 pending")
                    && !summary.starts_with("packaging: 0 passed"),
                "{summary}\n{}",
                out.show()
            );
            Ok(())
        },
    );
    suite.run();
}
