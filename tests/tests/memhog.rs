//! End-to-end and differential tests of `memhog`.
//!
//! * `diff::*`: our memhog against numactl 2.0.19's (the newest release, `target/reference/bin`)
//!   over its whole surface: the usage text, every option (`-fFILE` on files of our own, `-rNUM`,
//!   `-H`), sizes in every form `strtoul` and the suffix byte read, each policy with valid and
//!   invalid nodesets, real runs (their progress dots compared byte for byte), a file shorter than
//!   the buffer (SIGBUS) and an OOM kill in a memory cgroup. stdout, stderr and exit status must be
//!   equal; the differences we keep on purpose are allowed by name, each listed in the README's
//!   Compatibility section: `--version`, the walkthrough's `SIZE SECONDS` and the policy
//!   `weighted-interleave` (numactl's git, after 2.0.19).
//! * `debian12::*`: the few behaviours a Debian 12 script relies on, against numactl 2.0.16
//!   (`/usr/bin/memhog`): dots, exit statuses, policies.
//! * `walkthrough::*`: the `memhog SIZE SECONDS` format, in real memory cgroups (v1 `memory`): a
//!   10 MiB limit gets it OOM-killed after `writing ...`; a larger one lets it finish, holding the
//!   memory while it sleeps.
//! * `numa::*`: the pages' policy and node read back from /proc/PID/numa_maps while it holds them.
//! * `resident::*`: every page is written: the cgroup is charged the whole buffer, as for numactl's.
//!
//! No run maps more than 64 MiB.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nstools_tests::bins::newest;
use nstools_tests::gate::{v1_mount, Need};
use nstools_tests::guard::{unique_name, ChildGuard, TestCgroup};
use nstools_tests::run::run;
use nstools_tests::{ensure, ensure_eq, ours, Differential, Outcome, Side, Suite};

const NEWEST: Need = Need::Newest("memhog");
const DEBIAN12: Need = Need::Original("/usr/bin/memhog");
const MEMORY: Need = Need::CgroupV1("memory");
const MIB: u64 = 1 << 20;

/// numactl 2.0.19's usage text (stdout, exit 1), which we print.
const USAGE_TEXT: &str = "memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset]]\n\
-f mmap is backed by FILE\n\
-rNUM repeat memset NUM times\n\
-H disable transparent hugepages\n\
Policies: preferred-many local interleave membind preferred default\n";

/// Whether an outcome is the usage text and its exit status.
fn is_usage(outcome: &Outcome) -> bool {
    outcome.stdout == USAGE_TEXT && outcome.stderr.is_empty() && outcome.code == Some(1)
}

/// What a command line must show (checked on our side too, so that a row cannot pass by both
/// sides failing the same wrong way). The last three are differences we keep on purpose.
enum Expect {
    /// The usage text, exit 1.
    Usage,
    /// This stdout (progress dots), empty stderr, exit 0.
    Dots(&'static str),
    /// Exit 1 with this stderr and nothing on stdout.
    Fails(&'static str),
    /// libnuma rejected the nodeset (the last argument): `<nodeset> is invalid`, exit 1.
    Invalid,
    /// Killed by this signal after printing this stdout.
    Killed(i32, &'static str),
    /// Whatever the original shows (the output names a path or depends on the kernel).
    Same,
    /// `--version`: our version line, exit 0, where numactl prints its usage.
    Version,
    /// The walkthrough's `SIZE SECONDS` with these bytes and seconds, where numactl prints its
    /// usage (a number is no policy).
    Walkthrough(u64, u64),
    /// The policy `weighted-interleave` (numactl's git, after 2.0.19): one dot, where 2.0.19
    /// prints its usage.
    WeightedInterleave,
}

const VERSION_WHY: &str =
    "`--version` prints nstools' version line (exit 0) so that users and the \
packages can tell which memhog is installed; numactl 2.0.19 prints its usage (exit 1)";
const WALKTHROUGH_WHY: &str =
    "`memhog SIZE SECONDS` (the container walkthrough's format) narrates \
and sleeps; numactl 2.0.19 takes the number for a policy name and prints its usage (exit 1)";
const WEIGHTED_WHY: &str = "the policy `weighted-interleave` (numactl's git after 2.0.19, Linux \
6.9+) is accepted; numactl 2.0.19 does not know it and prints its usage (exit 1)";

/// Placeholders in a row's arguments, replaced by paths in a private directory made for the row:
/// `@FILE` a 2 MiB file of zeros, `@EMPTY` an empty file, `@MISSING` a name that does not exist,
/// `@DIR` the directory itself.
const FILE_SIZE: u64 = 2 * MIB;

fn matrix() -> Vec<(Vec<&'static str>, Expect)> {
    use Expect::*;
    let rows: Vec<(&'static [&'static str], Expect)> = vec![
        // No size, unknown options, options after the size: the usage text.
        (&[], Usage),
        (&["-x"], Usage),
        (&["-"], Usage),
        (&["--"], Usage),
        (&["--", "1m"], Usage),
        (&["-1"], Usage),
        (&["-0"], Usage),
        (&["-5m"], Usage),
        (&["-h"], Usage),
        (&["--help"], Usage),
        (&["--membind", "1m"], Usage),
        (&["-H"], Usage),
        (&["-r3"], Usage),
        (&["-x", "1m"], Usage),
        (&["-H", "-x", "1m"], Usage),
        (&["1m", "-H"], Usage),
        (&["--version"], Version),
        // Sizes: strtoul base 0, then only the first byte after the number.
        (&["1"], Dots(".\n")),
        (&["1k"], Dots(".\n")),
        (&["1K"], Dots(".\n")),
        (&["3k"], Dots(".\n")),
        (&["1m"], Dots(".\n")),
        (&["1M"], Dots(".\n")),
        (&["10m"], Dots(".\n")),
        (&["10485761"], Dots("..\n")),
        (&["16m"], Dots("..\n")),
        (&["16M"], Dots("..\n")),
        (&["20m"], Dots("..\n")),
        (&["21m"], Dots("...\n")),
        (&["64m"], Dots(".......\n")),
        (&["1x"], Dots(".\n")),
        (&["1.5g"], Dots(".\n")),
        (&["1e6"], Dots(".\n")),
        (&["1 m"], Dots(".\n")),
        (&["1mb"], Dots(".\n")),
        (&["16777216t"], Dots("..\n")),
        (&["0x10"], Dots(".\n")),
        (&["0X10"], Dots(".\n")),
        (&["0x100000"], Dots(".\n")),
        (&["0x1000000"], Dots("..\n")),
        (&["010"], Dots(".\n")),
        (&["020000000"], Dots(".\n")),
        (&["+5m"], Dots(".\n")),
        (&[" +1k"], Dots(".\n")),
        (&[" 1m"], Dots(".\n")),
        (&["\t1m"], Dots(".\n")),
        (&["0"], Fails("numactl: mmap: Invalid argument\n")),
        (&["00"], Fails("numactl: mmap: Invalid argument\n")),
        (&["+0"], Fails("numactl: mmap: Invalid argument\n")),
        (&["08"], Fails("numactl: mmap: Invalid argument\n")),
        (&["0x"], Fails("numactl: mmap: Invalid argument\n")),
        (&["0xg"], Fails("numactl: mmap: Invalid argument\n")),
        (&["0.5m"], Fails("numactl: mmap: Invalid argument\n")),
        (&["abc"], Fails("numactl: mmap: Invalid argument\n")),
        (&[""], Fails("numactl: mmap: Invalid argument\n")),
        (&[" "], Fails("numactl: mmap: Invalid argument\n")),
        (&["k"], Fails("numactl: mmap: Invalid argument\n")),
        (&["m"], Fails("numactl: mmap: Invalid argument\n")),
        (&[" -1"], Fails("numactl: mmap: Cannot allocate memory\n")),
        (
            &["17179869183g"],
            Fails("numactl: mmap: Cannot allocate memory\n"),
        ),
        (
            &["9999999999999999999"],
            Fails("numactl: mmap: Cannot allocate memory\n"),
        ),
        (
            &["18446744073709551615"],
            Fails("numactl: mmap: Cannot allocate memory\n"),
        ),
        (
            &["99999999999999999999999"],
            Fails("numactl: mmap: Cannot allocate memory\n"),
        ),
        // -rNUM: atoi (clamped to long, then cut to int), the value attached.
        (&["-r2", "10M"], Dots(".\n.\n")),
        (&["-r3", "25m"], Dots("...\n...\n...\n")),
        (&["-r", "10M"], Dots("")),
        (&["-r0", "1m"], Dots("")),
        (&["-r-1", "1m"], Dots("")),
        (&["-rabc", "1m"], Dots("")),
        (&["-r0x2", "1m"], Dots("")),
        (&["-r2x", "1m"], Dots(".\n.\n")),
        (&["-r+2", "1m"], Dots(".\n.\n")),
        (&["-r 2", "1m"], Dots(".\n.\n")),
        (&["-r4294967297", "1m"], Dots(".\n")),
        (&["-r-4294967295", "1m"], Dots(".\n")),
        (&["-r99999999999999999999", "1m"], Dots("")),
        (&["-r2", "-r1", "60m"], Dots("......\n")),
        (&["-r2", "16m", "interleave", "0"], Dots("..\n..\n")),
        (&["-r", "2", "1m"], Usage),
        (&["-r2", "0"], Fails("numactl: mmap: Invalid argument\n")),
        // -H: only the second character counts.
        (&["-H", "1m"], Dots(".\n")),
        (&["-Hx", "1m"], Dots(".\n")),
        (&["-H", "-r2", "-H", "1m"], Dots(".\n.\n")),
        (&["-H", "16m"], Dots("..\n")),
        (&["-H", "0"], Fails("numactl: mmap: Invalid argument\n")),
        // -fFILE: a shared mapping of the file; open failures are perror'd and memhog goes on
        // with anonymous memory; the last -f decides.
        (&["-f@FILE", "1m"], Dots(".\n")),
        (&["-f@FILE", "2m"], Dots(".\n")),
        (&["-f@FILE", "-r2", "2m"], Dots(".\n.\n")),
        (&["-f@FILE", "-H", "1m"], Dots(".\n")),
        (&["-f@FILE", "1m", "membind", "0"], Dots(".\n")),
        (&["-f@FILE", "1m", "interleave", "99"], Invalid),
        (&["-f@FILE", "3m"], Killed(libc::SIGBUS, ".")),
        (&["-f@EMPTY", "1m"], Killed(libc::SIGBUS, ".")),
        (
            &["-f@FILE", "0"],
            Fails("numactl: mmap: Invalid argument\n"),
        ),
        (&["-f@FILE"], Usage),
        (&["-f@FILE", "-x", "1m"], Usage),
        (&["-f@MISSING", "1m"], Same),
        (&["-f@MISSING"], Same),
        (&["-f@MISSING", "-x", "1m"], Same),
        (&["-f@MISSING", "-f@FILE", "1m"], Same),
        (&["-f@FILE", "-f@MISSING", "1m"], Same),
        (&["-f@DIR", "1m"], Same),
        (&["-f", "1m"], Same),
        // Policies: leading dashes dropped, a nodeset optional only for local and default.
        (&["1m", "interleave", "0"], Dots(".\n")),
        (&["1m", "membind", "0"], Dots(".\n")),
        (&["1m", "preferred", "0"], Dots(".\n")),
        (&["1m", "preferred-many", "0"], Dots(".\n")),
        (&["1m", "local"], Dots(".\n")),
        (&["1m", "default"], Dots(".\n")),
        (&["1m", "local", "junk"], Dots(".\n")),
        (&["1m", "default", "99"], Dots(".\n")),
        (&["1m", "local", "0", "extra"], Dots(".\n")),
        (&["1m", "membind", "0", "extra"], Dots(".\n")),
        (&["1m", "--membind", "0"], Dots(".\n")),
        (&["1m", "---interleave", "0"], Dots(".\n")),
        (&["1m", "-interleave", "0"], Dots(".\n")),
        (&["1m", "--local"], Dots(".\n")),
        (&["-H", "1m", "membind", "0"], Dots(".\n")),
        (&["-r2", "1m", "interleave", "0"], Dots(".\n.\n")),
        (&["16m", "interleave", "0"], Dots("..\n")),
        (&["16m", "membind", "all"], Dots("..\n")),
        (&["1m", "interleave"], Usage),
        (&["1m", "membind"], Usage),
        (&["1m", "preferred"], Usage),
        (&["1m", "preferred-many"], Usage),
        (&["1m", "bogus"], Usage),
        (&["1m", "bogus", "0"], Usage),
        (&["1m", "INTERLEAVE", "0"], Usage),
        (&["1m", "interleav", "0"], Usage),
        (&["1m", "1x"], Usage),
        (&["1m", "+1"], Usage),
        (&["1m", " 1"], Usage),
        (&["1m", "1.5"], Usage),
        (&["1m", "99999999999999999999"], Usage),
        (&["1m", ""], Usage),
        (&["1m", "-"], Usage),
        (&["1m", "-1"], Usage),
        (&["-r2", "1m", "nope"], Usage),
        (&["1m", "weighted-interleave", "0"], WeightedInterleave),
        (&["2m", "0"], Walkthrough(2 * MIB, 0)),
        // Nodesets as libnuma 2.0.19's numa_parse_nodestring reads them.
        (&["1m", "interleave", "all"], Dots(".\n")),
        (&["1m", "interleave", "0-0"], Dots(".\n")),
        (&["1m", "interleave", "0,0"], Dots(".\n")),
        (&["1m", "interleave", "0,all"], Dots(".\n")),
        (&["1m", "interleave", "+0"], Dots(".\n")),
        (&["1m", "interleave", "0x0"], Dots(".\n")),
        (&["1m", "interleave", "00"], Dots(".\n")),
        (&["1m", "interleave", "0-0x0"], Dots(".\n")),
        (&["1m", "interleave", " 0"], Dots(".\n")),
        (&["1m", "interleave", " 0-0"], Dots(".\n")),
        (&["1m", "interleave", "0- 0"], Dots(".\n")),
        (&["1m", "interleave", "4294967296"], Dots(".\n")),
        (&["1m", "interleave", "4294967296-0"], Dots(".\n")),
        (&["1m", "interleave", "-4294967296"], Dots(".\n")),
        (&["1m", "interleave", "9223372036854775808"], Dots(".\n")),
        (&["1m", "interleave", "99"], Invalid),
        (&["1m", "interleave", "0-"], Invalid),
        (&["1m", "interleave", "0-x"], Invalid),
        (&["1m", "interleave", "0-0-0"], Invalid),
        (&["1m", "interleave", "0--1"], Invalid),
        (&["1m", "interleave", "0-+1"], Invalid),
        (&["1m", "interleave", "all,0"], Invalid),
        (&["1m", "interleave", "ALL"], Invalid),
        (&["1m", "interleave", "x"], Invalid),
        (&["1m", "interleave", "allx"], Invalid),
        (&["1m", "interleave", "0,"], Invalid),
        (&["1m", "interleave", "0,,0"], Invalid),
        (&["1m", "interleave", "0 "], Invalid),
        (&["1m", "interleave", "-1"], Invalid),
        (&["1m", "interleave", "1-0"], Invalid),
        (&["1m", "interleave", "1,!0"], Invalid),
        (&["1m", "interleave", "+1"], Invalid),
        (&["1m", "interleave", "+999"], Invalid),
        (&["1m", "interleave", "+4294967296"], Invalid),
        (&["1m", "interleave", "0,99"], Invalid),
        (&["1m", "interleave", "0-99"], Invalid),
        (&["1m", "interleave", "99-0"], Invalid),
        (&["1m", "interleave", "4294967295"], Invalid),
        (&["1m", "interleave", "4294967297"], Invalid),
        (&["1m", "interleave", "0-4294967297"], Invalid),
        (&["1m", "interleave", "18446744073709551616"], Invalid),
        (&["1m", "interleave", "0-18446744073709551615"], Invalid),
        // An empty nodeset: mbind refuses it, memhog goes on unbound.
        (&["1m", "interleave", ""], Same),
        (&["1m", "interleave", "!all"], Same),
        (&["1m", "interleave", "!0"], Same),
        (&["1m", "interleave", "!+0"], Same),
    ];
    let mut rows: Vec<_> = rows.into_iter().map(|(a, e)| (a.to_vec(), e)).collect();
    // Every other policy that takes a nodeset, over valid, empty and invalid ones.
    for policy in ["membind", "preferred", "preferred-many"] {
        for nodes in [
            "0", "0-0", "all", "+0", "!0", "!all", "", "0-", "99", "x", "0,99",
        ] {
            rows.push((vec!["1m", policy, nodes], Expect::Same));
        }
    }
    rows
}

/// A directory of our own (mode 0700) with the files a row's `@` placeholders name; removed on
/// drop.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(unique_name("memhog"));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let files = Files { dir };
        let file = std::fs::File::create(files.dir.join("file")).map_err(|e| e.to_string())?;
        file.set_len(FILE_SIZE).map_err(|e| e.to_string())?;
        std::fs::File::create(files.dir.join("empty")).map_err(|e| e.to_string())?;
        Ok(files)
    }

    fn path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.join(name)
    }

    /// `arg` with its placeholder replaced by a path in this directory.
    fn expand(&self, arg: &str) -> String {
        let dir = self.dir.display().to_string();
        arg.replace("@FILE", &format!("{dir}/file"))
            .replace("@EMPTY", &format!("{dir}/empty"))
            .replace("@MISSING", &format!("{dir}/missing"))
            .replace("@DIR", &dir)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One row: ours and numactl 2.0.19 on the same command line, then what ours must show.
fn compare(args: &[&str], expect: &Expect) -> Result<(), String> {
    let files = Files::new()?;
    let args: Vec<String> = args.iter().map(|a| files.expand(a)).collect();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut check = Differential::newest("memhog", &argv);
    check = match *expect {
        Expect::Version => check.allow(VERSION_WHY, |side, o| {
            let shape = match side {
                Side::Ours => o.stdout.starts_with("memhog from nstools ") && o.code == Some(0),
                Side::Original => is_usage(o),
            };
            if shape {
                *o = Outcome {
                    stdout: "<version>\n".into(),
                    code: Some(0),
                    ..Outcome::default()
                };
            }
        }),
        Expect::Walkthrough(bytes, seconds) => check.allow(WALKTHROUGH_WHY, move |side, o| {
            if side == Side::Original && is_usage(o) {
                o.stdout = four_lines(bytes, seconds);
                o.code = Some(0);
            }
        }),
        Expect::WeightedInterleave => check.allow(WEIGHTED_WHY, |side, o| {
            if side == Side::Original && is_usage(o) {
                o.stdout = ".\n".into();
                o.stderr = weighted_interleave_stderr().into();
                o.code = Some(0);
            }
        }),
        _ => check,
    };
    let (ours, _) = check.check()?;
    let nothing_else = |stdout: &str, code: Option<i32>| -> Result<(), String> {
        ensure_eq!(
            (ours.stdout.as_str(), ours.stderr.as_str(), ours.code),
            (stdout, "", code)
        );
        Ok(())
    };
    match *expect {
        Expect::Usage => nothing_else(USAGE_TEXT, Some(1))?,
        Expect::Dots(dots) => nothing_else(dots, Some(0))?,
        Expect::Fails(stderr) => {
            ensure_eq!(
                (ours.stdout.as_str(), ours.stderr.as_str(), ours.code),
                ("", stderr, Some(1))
            );
        }
        Expect::Invalid => {
            let nodes = argv.last().copied().unwrap_or_default();
            ensure_eq!(
                (ours.stdout, ours.code),
                (format!("<{nodes}> is invalid\n"), Some(1))
            );
        }
        Expect::Killed(signal, stdout) => {
            ensure_eq!((ours.stdout.as_str(), ours.signal), (stdout, Some(signal)));
        }
        Expect::Version => {
            ensure_eq!((ours.stdout.as_str(), ours.code), ("<version>\n", Some(0)));
        }
        Expect::Walkthrough(bytes, seconds) => nothing_else(&four_lines(bytes, seconds), Some(0))?,
        Expect::WeightedInterleave => {
            ensure_eq!(
                (ours.stdout.as_str(), ours.stderr.as_str(), ours.code),
                (".\n", weighted_interleave_stderr(), Some(0))
            );
        }
        Expect::Same => {}
    }
    Ok(())
}

/// What memhog reports binding with `weighted-interleave`: nothing on Linux 6.9+; before, the
/// kernel refuses the policy and memhog goes on unbound.
fn weighted_interleave_stderr() -> &'static str {
    if kernel_has_weighted_interleave() {
        ""
    } else {
        "mbind: Invalid argument\n"
    }
}

/// numactl 2.0.16's usage line lacks ` [-H]` (added in 2.0.17); we print 2.0.19's.
const DEBIAN12_USAGE_WHY: &str =
    "numactl 2.0.16's usage line lacks ` [-H]`: we print 2.0.19's usage text";

fn debian12_usage(side: Side, outcome: &mut Outcome) {
    if side == Side::Original {
        outcome.stdout = outcome.stdout.replace(
            "memhog [-fFILE] [-rNUM] size[kmg]",
            "memhog [-fFILE] [-rNUM] [-H] size[kmg]",
        );
    }
}

/// What a Debian 12 script may rely on: dots, exit statuses, policies, the usage on an error.
fn debian12_matrix() -> Vec<(&'static [&'static str], Expect)> {
    use Expect::*;
    vec![
        (&[], Usage),
        (&["20m"], Dots("..\n")),
        (&["-r2", "10M"], Dots(".\n.\n")),
        (&["1m", "membind", "0"], Dots(".\n")),
        (&["1m", "interleave", "all"], Dots(".\n")),
        (&["1m", "interleave", "99"], Invalid),
        (&["1m", "bogus"], Usage),
        (&["0"], Fails("numactl: mmap: Invalid argument\n")),
    ]
}

fn main() {
    let mut suite = Suite::new();

    for (args, expect) in matrix() {
        let name = format!("diff::{args:?}");
        suite.test(&name, &[NEWEST], move || compare(&args, &expect));
    }

    for (args, expect) in debian12_matrix() {
        suite.test(&format!("debian12::{args:?}"), &[DEBIAN12], move || {
            let (ours, _) = Differential::new("memhog", args)
                .allow(DEBIAN12_USAGE_WHY, debian12_usage)
                .check()?;
            match expect {
                Expect::Usage => {
                    ensure_eq!((ours.stdout.as_str(), ours.code), (USAGE_TEXT, Some(1)))
                }
                Expect::Dots(dots) => {
                    ensure_eq!((ours.stdout.as_str(), ours.code), (dots, Some(0)))
                }
                Expect::Fails(stderr) => {
                    ensure_eq!((ours.stderr.as_str(), ours.code), (stderr, Some(1)))
                }
                Expect::Invalid => ensure_eq!(ours.code, Some(1)),
                _ => return Err("not a Debian 12 expectation".into()),
            }
            Ok(())
        });
    }

    suite.test(
        "diff::oom_killed_under_a_16mib_limit",
        &[Need::Root, MEMORY, NEWEST],
        || {
            // 32 MiB under 16 MiB: the second dot is printed, then the kernel kills memhog.
            let group = limited_group("oom-diff", 16 * MIB)?;
            let path = group.path.display().to_string();
            let exec = r#"echo $$ > "$0/cgroup.procs" && exec "$@""#;
            let (ours, _) = Differential::newest("memhog", &["32m"])
                .wrapped(&["/bin/sh", "-c", exec, &path])
                .check()?;
            ensure_eq!(
                (ours.stdout.as_str(), ours.signal, ours.stderr.as_str()),
                ("..", Some(libc::SIGKILL), ""),
                "{}",
                ours.show()
            );
            // Through a shell, as a script sees it: `Killed` and status 137.
            let status = r#"echo $$ > "$0/cgroup.procs" && "$@"; echo "status=$?""#;
            let (ours, _) = Differential::newest("memhog", &["32m"])
                .wrapped(&["/bin/sh", "-c", status, &path])
                .check()?;
            ensure_eq!(
                (ours.stdout.as_str(), ours.code),
                ("..status=137\n", Some(0)),
                "{}",
                ours.show()
            );
            let failcnt: u64 = group
                .read("memory.failcnt")?
                .parse()
                .map_err(|_| "failcnt")?;
            ensure!(failcnt > 0, "memory.failcnt must count the failed charges");
            ensure!(
                group.read("cgroup.procs")?.is_empty(),
                "nothing left in the group"
            );
            Ok(())
        },
    );

    suite.test("diff::file_mapping_is_written_through", &[NEWEST], || {
        for tool in [ours("memhog"), newest("memhog")] {
            let files = Files::new()?;
            let arg = format!("-f{}", files.path("file").display());
            let out = run(Command::new(&tool).args([arg.as_str(), "-r2", "2m"]))?;
            ensure_eq!(
                (out.stdout.as_str(), out.stderr.as_str(), out.code),
                (".\n.\n", "", Some(0)),
                "{}",
                tool.display()
            );
            let bytes = std::fs::read(files.path("file")).map_err(|e| e.to_string())?;
            ensure!(
                bytes.len() == FILE_SIZE as usize && bytes.iter().all(|&b| b == 0xff),
                "{}: the file must hold 2 MiB of 0xff",
                tool.display()
            );
        }
        Ok(())
    });

    suite.test("diff::last_f_decides_even_when_it_fails", &[NEWEST], || {
        let files = Files::new()?;
        let good = format!("-f{}", files.path("file").display());
        let bad = format!("-f{}", files.path("missing").display());
        let args = [good.as_str(), bad.as_str(), "1m"];
        let (ours, _) = Differential::newest("memhog", &args).check()?;
        ensure_eq!(
            ours.stderr,
            format!(
                "{}: No such file or directory\n",
                files.path("missing").display()
            )
        );
        let bytes = std::fs::read(files.path("file")).map_err(|e| e.to_string())?;
        ensure!(
            bytes.iter().all(|&b| b == 0),
            "the failed -f won: anonymous memory, the file untouched"
        );
        Ok(())
    });

    suite.test(
        "diff::bytes_that_are_not_utf8_are_printed_as_given",
        &[NEWEST],
        || {
            // Compared as bytes: `Outcome` holds text, where 0xff and U+FFFD would look alike.
            let files = Files::new()?;
            let mut missing = OsString::from("-f");
            missing.push(files.path(OsStr::from_bytes(b"missing\xff")));
            let raw = |bytes: &[u8]| OsStr::from_bytes(bytes).to_os_string();
            for args in [
                vec![missing, "1m".into()],
                vec!["1m".into(), "interleave".into(), raw(b"\xff")],
                vec!["1m".into(), "interleave".into(), raw(b"0-\xff")],
                vec!["1m".into(), "interleave".into(), raw(b"0,\xff")],
                vec!["1m".into(), "membind".into(), raw(b"0\xff")],
            ] {
                let [ours, original] = [ours("memhog"), newest("memhog")].map(|tool| {
                    Command::new(tool)
                        .arg0("memhog")
                        .args(&args)
                        .env("LC_ALL", "C")
                        .stdin(Stdio::null())
                        .output()
                        .map(|o| (o.stdout, o.stderr, o.status.code(), o.status.signal()))
                        .map_err(|e| e.to_string())
                });
                let (ours, original) = (ours?, original?);
                ensure!(
                    ours == original,
                    "memhog {args:?}: ours {} / {} / {:?}, numactl {} / {} / {:?}",
                    ours.0.escape_ascii(),
                    ours.1.escape_ascii(),
                    ours.2,
                    original.0.escape_ascii(),
                    original.1.escape_ascii(),
                    original.2
                );
                ensure!(
                    ours.0.contains(&0xff) || ours.1.contains(&0xff),
                    "memhog {args:?}: the byte 0xff is printed: {}",
                    ours.1.escape_ascii()
                );
            }
            Ok(())
        },
    );

    suite.test("diff::closed_pipe_kills_with_sigpipe", &[NEWEST], || {
        for tool in [ours("memhog"), newest("memhog")] {
            let (reader, writer) = nix::unistd::pipe().map_err(|e| e.to_string())?;
            drop(reader);
            let status = Command::new(&tool)
                .arg("1m")
                .stdout(Stdio::from(writer))
                .stderr(Stdio::null())
                .status()
                .map_err(|e| e.to_string())?;
            ensure_eq!(status.signal(), Some(libc::SIGPIPE), "{}", tool.display());
        }
        Ok(())
    });

    suite.test("diff::full_stdout_is_ignored", &[NEWEST], || {
        for tool in [ours("memhog"), newest("memhog")] {
            for args in [&["1m"][..], &["-x"]] {
                let full = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .map_err(|e| e.to_string())?;
                let out = Command::new(&tool)
                    .args(args)
                    .stdout(full)
                    .output()
                    .map_err(|e| e.to_string())?;
                let expected = if args == ["1m"] { 0 } else { 1 };
                ensure_eq!(
                    (out.status.code(), out.stderr.as_slice()),
                    (Some(expected), &b""[..]),
                    "{} {args:?} > /dev/full",
                    tool.display()
                );
            }
        }
        Ok(())
    });

    suite.test("walkthrough::format_without_limit", &[], || {
        let out = run(Command::new(ours("memhog")).args(["52428800", "1"]))?;
        ensure_eq!(out.stdout, four_lines(52428800, 1));
        ensure_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
        let out = run(Command::new(ours("memhog")).args(["-H", "2m", "0"]))?;
        ensure_eq!(out.stdout, four_lines(2 * MIB, 0));
        Ok(())
    });

    suite.test("walkthrough::zero_bytes_fails_like_numactl", &[], || {
        let out = run(Command::new(ours("memhog")).args(["0", "1"]))?;
        ensure_eq!(out.stdout, "allocating 0 bytes...\n");
        ensure_eq!(
            (out.stderr.as_str(), out.code),
            ("numactl: mmap: Invalid argument\n", Some(1))
        );
        Ok(())
    });

    suite.test(
        "walkthrough::killed_in_a_10mib_cgroup",
        &[Need::Root, MEMORY],
        || {
            // Direct: the process itself dies of SIGKILL after the first two lines.
            let group = limited_group("oom", 10 * MIB)?;
            let out = run(Command::new("/bin/sh").args([
                "-c",
                r#"echo $$ > "$1/cgroup.procs" && exec "$2" 10485760 1"#,
                "sh",
            ])
            .arg(&group.path)
            .arg(ours("memhog")))?;
            ensure_eq!(
                out.stdout,
                "allocating 10485760 bytes...\nwriting 10485760 bytes...\n",
                "{}",
                out.show()
            );
            ensure_eq!(out.signal, Some(libc::SIGKILL), "{}", out.show());
            ensure_eq!(out.stderr, "", "memhog itself prints no error");
            let failcnt: u64 = group.read("memory.failcnt")?.parse().map_err(|_| "failcnt")?;
            ensure!(failcnt > 0, "memory.failcnt must count the failed charges");
            ensure!(
                group.read("cgroup.procs")?.is_empty(),
                "nothing left in the group"
            );

            // Through a shell, as in the walkthrough: `$?` is 137.
            let group = limited_group("oom-sh", 10 * MIB)?;
            let out = run(Command::new("/bin/sh")
                .args([
                    "-c",
                    r#"sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" 10485760 1' inner "$1" "$2"; echo "status=$?""#,
                    "sh",
                ])
                .arg(&group.path)
                .arg(ours("memhog")))?;
            ensure_eq!(
                out.stdout,
                "allocating 10485760 bytes...\nwriting 10485760 bytes...\nstatus=137\n",
                "{}",
                out.show()
            );
            let failcnt: u64 = group.read("memory.failcnt")?.parse().map_err(|_| "failcnt")?;
            ensure!(failcnt > 0, "memory.failcnt must count the failed charges");
            Ok(())
        },
    );

    suite.test(
        "walkthrough::finishes_under_a_larger_limit_holding_the_memory",
        &[Need::Root, MEMORY],
        || {
            let group = limited_group("hold", 64 * MIB)?;
            let mut child = ChildGuard::spawn(
                Command::new("/bin/sh")
                    .args([
                        "-c",
                        r#"echo $$ > "$1/cgroup.procs" && exec "$2" 10485760 1"#,
                        "sh",
                    ])
                    .arg(&group.path)
                    .arg(ours("memhog"))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped()),
            )?;
            let mut output = collect(child.child.stdout.take().expect("piped"));
            let errors = collect(child.child.stderr.take().expect("piped"));
            let sleeping = "sleeping for 1 seconds...\n";
            let seen = output.wait_for(|text| text.ends_with(sleeping), Duration::from_secs(30));
            ensure!(seen, "no `sleeping` line: {:?}", output.text());
            // While it sleeps, the whole buffer is charged to the group.
            let usage: u64 = group
                .read("memory.usage_in_bytes")?
                .parse()
                .map_err(|_| "usage")?;
            ensure!(
                usage >= 10 * MIB,
                "memory.usage_in_bytes {usage} while holding 10 MiB"
            );
            let status = child.wait_timeout(Duration::from_secs(30))?;
            ensure_eq!(status.code(), Some(0), "exit status");
            ensure_eq!(output.finish(), four_lines(10485760, 1));
            ensure_eq!(errors.finish(), "");
            ensure_eq!(
                group.read("memory.failcnt")?,
                "0",
                "the limit was never hit"
            );
            Ok(())
        },
    );

    suite.test(
        "resident::whole_buffer_is_charged_like_numactl",
        &[Need::Root, MEMORY, NEWEST],
        || {
            let mut peaks = Vec::new();
            for (tool, args) in [
                (ours("memhog"), &["64m"][..]),
                (newest("memhog"), &["64m"]),
                (ours("memhog"), &["67108864", "0"]),
            ] {
                let group = limited_group("rss", 256 * MIB)?;
                let out = run(Command::new("/bin/sh")
                    .args([
                        "-c",
                        r#"echo $$ > "$1/cgroup.procs" && shift && exec "$@""#,
                        "sh",
                    ])
                    .arg(&group.path)
                    .arg(&tool)
                    .args(args))?;
                ensure_eq!(out.code, Some(0), "{}", out.show());
                let peak: u64 = group
                    .read("memory.max_usage_in_bytes")?
                    .parse()
                    .map_err(|_| "max_usage")?;
                ensure!(
                    peak >= 64 * MIB,
                    "{} {args:?}: peak charge {peak} < 64 MiB: pages were not all written",
                    tool.display()
                );
                peaks.push(peak);
            }
            ensure!(
                peaks[0] <= peaks[1] + 8 * MIB,
                "ours peaks at {} bytes, numactl's at {}: more than 8 MiB apart",
                peaks[0],
                peaks[1]
            );
            Ok(())
        },
    );

    for (policy, nodes, shown) in [
        ("membind", "0", "bind:0"),
        ("interleave", "all", "interleave:0"),
        ("preferred", "0", "prefer:0"),
        ("preferred-many", "0", "prefer (many):0"),
        ("local", "", "local"),
        ("default", "", "default"),
    ] {
        suite.test(
            &format!("numa::{policy}_pages_on_node_0"),
            &[NEWEST],
            move || {
                for tool in [ours("memhog"), newest("memhog")] {
                    numa_check(&tool, policy, nodes, shown)?;
                }
                Ok(())
            },
        );
    }

    suite.test("numa::weighted_interleave_pages_on_node_0", &[], || {
        // Linux 6.9+ has the policy; an older kernel refuses it, and memhog goes on unbound.
        let shown = if kernel_has_weighted_interleave() {
            "weighted interleave:0"
        } else {
            "default"
        };
        numa_check(&ours("memhog"), "weighted-interleave", "0", shown)
    });

    suite.run();
}

fn four_lines(bytes: u64, seconds: u64) -> String {
    format!(
        "allocating {bytes} bytes...\nwriting {bytes} bytes...\nreading {bytes} bytes...\nsleeping for {seconds} seconds...\n"
    )
}

/// A fresh v1 memory cgroup limited to `limit` bytes, as the walkthrough makes it. Its swappiness
/// is 0 so that on a machine with swap the group is still OOM-killed rather than swapped out.
/// (memory.memsw.limit_in_bytes would also stop swapping, but then the memsw counter is the one
/// that fails and counts, leaving memory.failcnt at 0.)
fn limited_group(prefix: &str, limit: u64) -> Result<TestCgroup, String> {
    let root = v1_mount("memory").ok_or("no v1 memory hierarchy")?;
    let group = TestCgroup::create(&root, prefix)?;
    group.write("memory.limit_in_bytes", &limit.to_string())?;
    group.write("memory.swappiness", "0")?;
    Ok(group)
}

/// A pipe drained by a thread, so a test can wait for some output with a deadline.
struct Collected {
    chunks: mpsc::Receiver<Vec<u8>>,
    text: Vec<u8>,
}

fn collect(mut pipe: impl Read + Send + 'static) -> Collected {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    Collected {
        chunks: rx,
        text: Vec::new(),
    }
}

impl Collected {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    /// Read until `done(text so far)` or the deadline.
    fn wait_for(&mut self, done: impl Fn(&str) -> bool, deadline: Duration) -> bool {
        let start = std::time::Instant::now();
        while !done(&self.text()) {
            let left = deadline.saturating_sub(start.elapsed());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.text.extend(chunk),
                Err(_) => return false,
            }
        }
        true
    }

    /// Everything up to end of file (the writer has exited).
    fn finish(mut self) -> String {
        while let Ok(chunk) = self.chunks.recv_timeout(Duration::from_secs(10)) {
            self.text.extend(chunk);
        }
        self.text()
    }
}

/// Run `tool -r1000000 64m POLICY NODES`, wait for its first pass (the first newline: every page
/// written), then find the buffer in /proc/PID/numa_maps: policy `shown`, all 16384 pages on node 0.
fn numa_check(tool: &Path, policy: &str, nodes: &str, shown: &str) -> Result<(), String> {
    let mut args: Vec<OsString> = vec!["-r1000000".into(), "64m".into(), policy.into()];
    if !nodes.is_empty() {
        args.push(nodes.into());
    }
    let mut child = ChildGuard::spawn(
        Command::new(tool)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )?;
    let mut output = collect(child.child.stdout.take().expect("piped"));
    let passed = output.wait_for(|t| t.contains('\n'), Duration::from_secs(30));
    ensure!(
        passed,
        "{}: first pass not done: {:?}",
        tool.display(),
        output.text()
    );
    let maps = std::fs::read_to_string(format!("/proc/{}/numa_maps", child.pid()))
        .map_err(|e| format!("numa_maps: {e}"))?;
    let pages = (64 * MIB / 4096).to_string();
    let line = maps
        .lines()
        .find(|l| {
            l.split(' ')
                .any(|f| f.strip_prefix("anon=") == Some(pages.as_str()))
        })
        .ok_or_else(|| {
            format!(
                "{}: no mapping of {pages} anonymous pages in numa_maps:\n{maps}",
                tool.display()
            )
        })?;
    let after_address = line.split_once(' ').map(|(_, rest)| rest).unwrap_or("");
    ensure!(
        after_address.starts_with(&format!("{shown} ")),
        "{}: policy should read {shown:?}: {line}",
        tool.display()
    );
    let per_node: Vec<&str> = line
        .split(' ')
        .filter(|f| f.starts_with('N') && f.contains('='))
        .collect();
    let expected = format!("N0={pages}");
    ensure_eq!(
        per_node,
        vec![expected.as_str()],
        "{}: every page on node 0: {line}",
        tool.display()
    );
    Ok(())
}

/// Whether this kernel has MPOL_WEIGHTED_INTERLEAVE (Linux 6.9+).
fn kernel_has_weighted_interleave() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release
        .trim()
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    version >= (6, 9)
}
