//! End-to-end and differential tests of `unshare`.
//!
//! Differential tests compare ours first with the newest release, util-linux 2.41.5
//! (`newest::*`, counted in the tally this binary prints), over the whole surface: every option
//! and prefix, usage and value errors, exec failures, namespaces entered, persistence, and the
//! unprivileged maps (`subid::*`). What differs on purpose is an allowance in its own test, and
//! a bullet of the README's Compatibility section: `--version` names nstools; 2.42's
//! `--forward-signals` and `--owner`; a persisted user namespace (2.41 fails to bind it); and
//! nothing half-done where 2.41 leaves a bind behind or runs the program after a failed bind.
//!
//! Debian 12's `/usr/bin/unshare` (util-linux 2.38.1) is the second reference (`debian12::*`),
//! for what a script written there relies on: programs run, exit statuses and signals,
//! namespaces entered. getopt names the program by argv[0] as invoked, and a child killed by
//! SIGKILL makes 2.38 print `sigprocmask unblock failed` and exit 1 where 2.40+ (and we) die
//! by SIGKILL.
//!
//! The unprivileged maps (`subid::*`) run both as a throw-away user (useradd) with its own
//! /etc/subuid and /etc/subgid ranges, through the setuid newuidmap/newgidmap of the `uidmap`
//! package; their errors pass through unchanged, as util-linux lets them.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nstools_tests::diff::without_shell_variable;
use nstools_tests::gate::Need;
use nstools_tests::guard::{unique_name, wait_until, ChildGuard, TestCgroup};
use nstools_tests::run::{raw_stderr, run, sh};
use nstools_tests::{ensure, ensure_eq, ours, Differential, Outcome, Side, Suite, TestResult};

const ORIGINAL: Need = Need::Original("/usr/bin/unshare");
const NEWEST: Need = Need::Newest("unshare");

fn us() -> String {
    ours("unshare").display().to_string()
}

/// Run our unshare with `args`.
fn ours_run(args: &[&str]) -> Result<Outcome, String> {
    run(Command::new(ours("unshare")).args(args))
}

/// Both binaries are named by argv[0] in getopt messages: compare them as `unshare`.
fn same_program_name(d: Differential) -> Differential {
    let mine = us();
    d.allow(
        "getopt prints argv[0] as invoked; the binaries live at different paths",
        move |side, o| {
            let path = match side {
                Side::Ours => mine.as_str(),
                Side::Original => "/usr/bin/unshare",
            };
            o.stderr = o
                .stderr
                .lines()
                .map(|l| match l.strip_prefix(path) {
                    Some(rest) => format!("unshare{rest}\n"),
                    None => format!("{l}\n"),
                })
                .collect();
        },
    )
}

fn diff(args: &[&str]) -> TestResult {
    same_program_name(Differential::new("unshare", args))
        .check()
        .map(|_| ())
}

/// A directory of our own under /tmp, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(unique_name("unshare"));
        std::fs::create_dir(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The namespace link of a process (`net:[4026531840]`).
fn ns_link(pid: &str, kind: &str) -> Result<String, String> {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .map(|p| p.display().to_string())
        .map_err(|e| format!("readlink /proc/{pid}/ns/{kind}: {e}"))
}

fn is_mount_point_here(path: &str) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(path))
}

fn main() {
    let mut suite = Suite::new();
    cli_contract(&mut suite);
    differential(&mut suite);
    effects(&mut suite);
    persistence(&mut suite);
    processes(&mut suite);
    subordinate_ids(&mut suite);
    suite.run();
}

/// Messages and exit codes that need no namespace at all.
fn cli_contract(suite: &mut Suite) {
    // The differential runner reads output as text (a stray byte becomes U+FFFD on both sides),
    // so a non-ASCII option byte is compared here, raw: glibc prints it as typed.
    suite.test("cli::non_ascii_option_byte_as_typed", &[NEWEST], || {
        for word in [&b"-\xe9"[..], b"--\xe9=\xff"] {
            let ours = raw_stderr(&ours("unshare"), "unshare", word)?;
            let original = raw_stderr(&nstools_tests::bins::newest("unshare"), "unshare", word)?;
            ensure_eq!(
                ours,
                original,
                "unshare {:?}",
                String::from_utf8_lossy(word)
            );
        }
        Ok(())
    });
    suite.test("cli::unknown_option_two_lines_exit_1", &[], || {
        let o = ours_run(&["--bogus"])?;
        ensure_eq!(o.stdout, "");
        ensure_eq!(
            o.stderr,
            format!(
                "{}: unrecognized option '--bogus'\nTry 'unshare --help' for more information.\n",
                us()
            )
        );
        ensure_eq!(o.code, Some(1));
        Ok(())
    });

    suite.test("cli::getopt_errors", &[], || {
        let table: &[(&[&str], &str)] = &[
            (&["-z"], "invalid option -- 'z'"),
            (&["-fz"], "invalid option -- 'z'"),
            (&["-m/x"], "invalid option -- '/'"),
            (&["--fork=3"], "option '--fork' doesn't allow an argument"),
            (&["-R"], "option requires an argument -- 'R'"),
            (&["--root"], "option '--root' requires an argument"),
            (&["--mon"], "option '--monotonic' requires an argument"),
            (
                &["--fo"],
                "option '--fo' is ambiguous; possibilities: '--fork' '--forward-signals'",
            ),
        ];
        for (args, message) in table {
            let o = ours_run(args)?;
            ensure_eq!(
                o.stderr,
                format!(
                    "{}: {message}\nTry 'unshare --help' for more information.\n",
                    us()
                ),
                "{args:?}"
            );
            ensure_eq!(o.code, Some(1), "{args:?}");
        }
        Ok(())
    });

    suite.test("cli::value_errors_one_line_exit_1", &[], || {
        let table: &[(&[&str], &str)] = &[
            (
                &["--propagation", "foo", "true"],
                "unsupported propagation mode: foo",
            ),
            (&["--kill-child=FOO", "true"], "unknown signal: FOO"),
            (&["--map-users=1:2", "true"], "invalid mapping '1:2'"),
            (
                &["--monotonic", "5", "true"],
                "options --monotonic and --boottime require unsharing of a time namespace (-T)",
            ),
            (&["--owner", "1", "true"], "failed to parse owner"),
        ];
        for (args, message) in table {
            let o = ours_run(args)?;
            ensure_eq!(o.stderr, format!("unshare: {message}\n"), "{args:?}");
            ensure_eq!((o.code, o.stdout.as_str()), (Some(1), ""), "{args:?}");
        }
        Ok(())
    });

    suite.test("cli::exec_failures_127_and_126", &[], || {
        let o = ours_run(&["nstools-no-such-program"])?;
        ensure_eq!(
            o.stderr,
            "unshare: failed to execute nstools-no-such-program: No such file or directory\n"
        );
        ensure_eq!(o.code, Some(127));
        let o = ours_run(&["/etc/passwd"])?;
        ensure_eq!(
            o.stderr,
            "unshare: failed to execute /etc/passwd: Permission denied\n"
        );
        ensure_eq!(o.code, Some(126));
        // Through a shell too, as scripts see it.
        let o = sh(&format!(
            "{} -f nstools-no-such-program 2>/dev/null; echo $?",
            us()
        ))?;
        ensure_eq!(o.stdout, "127\n");
        Ok(())
    });
}

/// util-linux 2.41's `longopts` names (sys-utils/unshare.c), for the generated prefix rows. Our
/// 2.42 additions (`--forward-signals`, `--owner`) are not in it: their prefixes are allowed rows.
const LONGOPTS_2_41: &[&str] = &[
    "help",
    "version",
    "mount",
    "uts",
    "ipc",
    "net",
    "pid",
    "user",
    "cgroup",
    "time",
    "fork",
    "kill-child",
    "mount-proc",
    "mount-binfmt",
    "map-user",
    "map-users",
    "map-group",
    "map-groups",
    "map-root-user",
    "map-current-user",
    "map-auto",
    "map-subids",
    "propagation",
    "setgroups",
    "keep-caps",
    "setuid",
    "setgid",
    "root",
    "wd",
    "monotonic",
    "boottime",
    "load-interp",
];

/// Invocations that need nothing but the newest release: usage, getopt and value errors, exec
/// failures, and runs that unshare no namespace.
#[rustfmt::skip]
const CLI_ROWS: &[&[&str]] = &[
    // --help and usage.
    &["--help"],
    &["-h"],
    &["--he"],
    &["-h", "--bogus"],
    &["-fh", "-z"],
    &["-hV"],
    &["--help", "--version"],
    &["--help=1"],
    &["--version=1"],
    &["--bogus", "-h"],
    &["--bogus", "-V"],
    // getopt errors.
    &["--bogus"],
    &["--bogus=1"],
    &["---"],
    &["-z"],
    &["-fz"],
    &["-m/x"],
    &["-mz"],
    &["-rz"],
    &["--fork=3"],
    &["--fork="],
    &["--map-root-user=x"],
    &["-R"],
    &["--root"],
    &["-w"],
    &["--wd"],
    &["-S"],
    &["--setuid"],
    &["-G"],
    &["--setgid"],
    &["-l"],
    &["--load-interp"],
    &["--mon"],
    &["--monotonic"],
    &["--boot"],
    &["--boottime"],
    &["--map-user"],
    &["--map-group"],
    &["--map-users"],
    &["--map-groups"],
    &["--propagation"],
    &["--setgroups"],
    &["--ma"],
    &["--ma=x"],
    &["--m"],
    &["--map"],
    &["--map-u"],
    &["--map-g"],
    &["--mount-"],
    &["--s"],
    &["--set"],
    &["--k"],
    &["--propagation", "foo", "--bogus"],
    &["--propagation", "slave", "--bogus"],
    &["-f", "--bogus=1", "-r"],
    // Bad values, reported where they stand.
    &["--propagation", "foo", "true"],
    &["--propagation=foo", "true"],
    &["--propagation=", "true"],
    &["--propagation", "SLAVE", "true"],
    &["--prop", "x", "true"],
    &["--setgroups", "foo", "true"],
    &["--setgroups=", "true"],
    &["--setgroups", "ALLOW", "true"],
    &["-S", "x", "true"],
    &["-S", "", "true"],
    &["-S", "-1", "true"],
    &["-S", " -1", "true"],
    &["-S", "-x", "true"],
    &["-S", "0x10", "true"],
    &["-S", "99999999999999999999", "true"],
    &["-S", "-99999999999999999999", "true"],
    &["-S", "18446744073709551616", "true"],
    &["-Sx"],
    &["-S1x", "true"],
    &["--setuid=1x", "true"],
    &["-G", "5x", "true"],
    &["-G", "-1", "id", "-g"],
    &["--setgid", "", "true"],
    &["--map-user", "nstools-no-such-user", "true"],
    &["--map-user=", "true"],
    &["--map-user=-1", "true"],
    &["--map-user=1x", "true"],
    &["--map-group", "nstools-no-such-group", "true"],
    &["--map-group=", "true"],
    &["--map-group=-5", "true"],
    &["--map-users=1:2", "true"],
    &["--map-users=1:2:3:4", "true"],
    &["--map-users=1,2", "true"],
    &["--map-users=1,2,3,4", "true"],
    &["--map-users=1:2,3", "true"],
    &["--map-users=1:2:3x", "true"],
    &["--map-users=1 :2:3", "true"],
    &["--map-users=a:2:3", "true"],
    &["--map-users=", "true"],
    &["--map-users=AUTO", "true"],
    &["--map-groups=x", "true"],
    &["--map-groups=1:2", "true"],
    &["--monotonic", "5", "true"],
    &["--boottime", "5", "true"],
    &["--monotonic=x", "true"],
    &["-T", "--monotonic", "x", "true"],
    &["-T", "--monotonic", "", "true"],
    &["-T", "--monotonic", "0x5", "true"],
    &["-T", "--monotonic", "7 ", "true"],
    &["-T", "--monotonic", "-9223372036854775809", "true"],
    &["-T", "--boottime", "", "true"],
    &["-T", "--boottime", "99999999999999999999", "true"],
    &["-T", "--boottime", "1.5", "true"],
    &["-r", "--setgroups", "allow", "true"],
    &["--map-group=0", "--setgroups", "allow", "true"],
    &["--setgroups", "allow", "--map-group=0", "true"],
    &["-c", "--setgroups=allow", "true"],
    // --kill-child signal names (util-linux's signame_to_signum: names only, RT forms).
    &["--kill-child=FOO", "true"],
    &["--kill-child=SIGFOO", "true"],
    &["--kill-child=15", "true"],
    &["--kill-child=9", "true"],
    &["--kill-child=0", "true"],
    &["--kill-child=", "true"],
    &["--kill-child=SIG", "true"],
    &["--kill-child= TERM", "true"],
    &["--kill-child=TERM ", "true"],
    &["--kill-child=EXIT", "true"],
    &["--kill-child=KILL", "true"],
    &["--kill-child=SIGTERM", "true"],
    &["--kill-child=term", "true"],
    &["--kill-child=Sigterm", "true"],
    &["--kill-child=sigkill", "true"],
    &["--kill-child=IOT", "true"],
    &["--kill-child=CLD", "true"],
    &["--kill-child=POLL", "true"],
    &["--kill-child=STKFLT", "true"],
    &["--kill-child=PWR", "true"],
    &["--kill-child=SYS", "true"],
    &["--kill-child=UNUSED", "true"],
    &["--kill-child=RTMIN", "true"],
    &["--kill-child=RTMAX", "true"],
    &["--kill-child=RTMIN+1", "true"],
    &["--kill-child=rtmin+0", "true"],
    &["--kill-child=RTMIN+30", "true"],
    &["--kill-child=RTMIN+31", "true"],
    &["--kill-child=RTMIN-1", "true"],
    &["--kill-child=RTMIN+", "true"],
    &["--kill-child=RTMIN+x", "true"],
    &["--kill-child=RTMIN+1x", "true"],
    &["--kill-child=SIGRTMAX-2", "true"],
    &["--kill-child=rtmax-30", "true"],
    &["--kill-child=RTMAX-31", "true"],
    &["--kill-child=RTMAX+1", "true"],
    &["--kill-child=RT1", "true"],
    &["--kill-child=RT007", "true"],
    &["--kill-child=RT", "true"],
    &["--kill-child=RT+1", "true"],
    &["--kill-child=RT99999999999", "true"],
    &["--kill-child=sigrt1", "true"],
    // Programs, exec failures, exit statuses and signals.
    &["/"],
    &["/tmp"],
    &["./"],
    &[""],
    &["--", "--bogus"],
    &["-f", "/etc/passwd"],
    &["echo", "-h", "--bogus"],
    &["-f", "sh", "-c", "kill -INT $$"],
    &["-f", "sh", "-c", "kill -HUP $$"],
    &["-f", "sh", "-c", "kill -KILL $$"],
    &["-f", "-f", "true"],
    &["--fork", "sh", "-c", "echo forked"],
    &["--kill-child", "sh", "-c", "echo child; exit 4"],
    &["--kill", "true"],
    &["--kill-child=RTMIN+3", "sh", "-c", "echo rt"],
    &["-w", "/tmp", "pwd"],
    &["--wd=/tmp", "pwd"],
    &["--wd", "/", "pwd"],
    &["-w/", "pwd"],
    &["-w", "/etc/passwd", "true"],
    &["-w", "", "true"],
    &["-f", "-w", "/nonexistent-nstools", "true"],
    &["--propagation", "slave", "true"],
    &["--propagation=unchanged", "true"],
    &["--setgroups=deny", "true"],
    &["--keep-caps", "true"],
    &["-T", "--monotonic", "5", "--boottime", "x", "true"],
];

/// Invocations that need root but no new namespace (chroot, set*id).
#[rustfmt::skip]
const ROOT_ROWS: &[&[&str]] = &[
    &["-R", "/etc/passwd", "true"],
    &["-R", "/", "pwd"],
    &["-R", "/tmp", "pwd"],
    &["--root=/", "-w", "/tmp", "pwd"],
    &["-R", "/", "-w", "/nonexistent-nstools", "true"],
    &["-R/", "nstools-no-such-program"],
    &["-S", "0", "id", "-u"],
    &["-G", "0", "id", "-g"],
    &["-S", "65534", "id", "-u"],
    &["--setuid=65534", "--setgid=65534", "id"],
    &["-S", "-0", "id", "-u"],
    &["-S", "+7", "id", "-u"],
    &["-S", "4294967295", "true"],
    &["-G", "4294967295", "true"],
    &["-S", "4294967296", "id", "-u"],
    &["-S", "18446744073709551615", "true"],
    &["-f", "-S", "65534", "id", "-u"],
];

/// Invocations that enter new namespaces (root).
#[rustfmt::skip]
const NS_ROWS: &[&[&str]] = &[
    &["--user", "cat", "/proc/self/uid_map"],
    &["-c", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
    &["--map-current-user", "id"],
    &["--map-root-user", "id", "-G"],
    &["--map-user", "0", "id", "-u"],
    &["--map-user=4294967296", "id", "-u"],
    &["--map-user=root", "--map-group=root", "cat", "/proc/self/gid_map"],
    &["--map-group=0", "cat", "/proc/self/setgroups"],
    &["-U", "--setgroups=deny", "cat", "/proc/self/setgroups"],
    &["-U", "--setgroups=allow", "cat", "/proc/self/setgroups"],
    &["-U", "--setgroups", "deny", "--map-user=0", "id", "-u"],
    &["-U", "--map-user=1000", "--keep-caps", "grep", "CapAmb", "/proc/self/status"],
    &["-U", "--map-user=1000", "grep", "CapAmb", "/proc/self/status"],
    &["--keep-caps", "grep", "CapAmb", "/proc/self/status"],
    &["-r", "-S", "0", "-G", "0", "id"],
    &["-U", "-S", "0", "true"],
    &["--map-users=0:100000:65536", "--map-groups=0:100000:65536", "cat", "/proc/self/uid_map", "/proc/self/gid_map"],
    &["--map-users=100000,0,65536", "cat", "/proc/self/uid_map"],
    &["--map-users=+1:2:3", "cat", "/proc/self/uid_map"],
    &["--map-users=5:0:1", "--map-users=7:1:1", "cat", "/proc/self/uid_map"],
    &["-r", "--map-users=0:100000:65536", "cat", "/proc/self/uid_map"],
    &["-c", "--map-groups=0:100000:10", "cat", "/proc/self/gid_map"],
    &["--map-users=all", "cat", "/proc/self/uid_map"],
    &["--map-groups=all", "cat", "/proc/self/gid_map"],
    &["--map-users=0:0:4294967296", "cat", "/proc/self/uid_map"],
    &["--map-users=4294967294:5:3", "cat", "/proc/self/uid_map"],
    &["--map-users=-1:5:1", "cat", "/proc/self/uid_map"],
    &["--map-users=10:0:4294967290", "cat", "/proc/self/uid_map"],
    &["--map-users=1:4294967295:1", "cat", "/proc/self/uid_map"],
    &["--map-groups=0:0:0", "cat", "/proc/self/gid_map"],
    &["--map-user=4294967295", "true"],
    &["--map-group=4294967295", "true"],
    &["-fp", "sh", "-c", "echo $$"],
    &["-fp", "--kill-child", "sh", "-c", "echo $$"],
    &["--pid", "--fork", "--mount-proc=/proc", "sh", "-c", "echo $$; ls /proc/1/ns/pid"],
    &["--uts", "sh", "-c", "hostname x1 && cat /proc/sys/kernel/hostname"],
    &["--cgroup", "-f", "sh", "-c", "cat /proc/self/cgroup"],
    &["-m", "true"],
    &["-m", "--propagation", "unchanged", "true"],
    &["-m", "--propagation", "shared", "true"],
    &["-m", "--propagation", "private", "true"],
    &["--mount-proc=/nonexistent-nstools", "true"],
    &["--mount-proc=/etc/passwd", "true"],
    &["--mount-proc", "--propagation=slave", "true"],
    &["--mount-proc", "--propagation=unchanged", "true"],
    &["-fT", "--boottime=-1", "cat", "/proc/self/timens_offsets"],
    &["-fT", "--monotonic=-5", "--boottime=7", "cat", "/proc/self/timens_offsets"],
    &["-T", "--monotonic", "86400", "cat", "/proc/self/timens_offsets"],
    &["-fT", "cat", "/proc/self/timens_offsets"],
    &["-fT", "--monotonic", "-9223372036854775808", "true"],
    &["--net", "cat", "/proc/net/dev"],
    &["-i", "cat", "/proc/sysvipc/shm"],
    &["--ipc", "cat", "/proc/sysvipc/msg"],
    &["-muinpfCT", "true"],
    &["-mUr", "true"],
    &["-Ur", "-m", "sh", "-c", "id -u"],
    &["--mount-binfmt", "true"],
    &["--mount-binfmt=/nonexistent-nstools", "true"],
    &["-l", "x", "true"],
    &["-fpr", "--load-interp", ":nstools:E::nstx::/bin/true:", "sh", "-c", "cat /proc/sys/fs/binfmt_misc/status; ls /proc/sys/fs/binfmt_misc"],
    &["-fpr", "--load-interp=bad", "true"],
    &["-r", "-R", "/", "pwd"],
    &["-m", "-R", "/nonexistent-nstools", "true"],
    &["-m", "-w", "/nonexistent-nstools", "true"],
    &["-u", "nstools-no-such-program"],
    &["-fu", "/etc/passwd"],
    &["-fu", "sh", "-c", "exit 9"],
    &["-fn", "sh", "-c", "kill -TERM $$"],
    &["--kill-child=TERM", "-fp", "sh", "-c", "echo $$"],
];

/// Runs a script written on Debian 12 relies on (programs, exit statuses, signals, chroot and
/// ids): compared with the newest release and with Debian 12's 2.38.
#[rustfmt::skip]
const SCRIPT_RUN_ROWS: &[&[&str]] = &[
    &["nstools-no-such-program"],
    &["/etc/passwd"],
    &["--", "true"],
    &["-"],
    &["sh", "-c", "echo \"$0 $*\"", "-h", "--fork"],
    &["sh", "-c", "exit 5"],
    &["-f", "sh", "-c", "exit 3"],
    &["-f", "sh", "-c", "kill -TERM $$"],
    &["-f", "sh", "-c", "kill -SEGV $$"],
    &["-f", "nstools-no-such-program"],
    &["--kill-child=TERM", "sh", "-c", "echo child"],
    &["-R", "/nonexistent-nstools", "true"],
    &["-w", "/nonexistent-nstools", "true"],
    &["-R", "/", "-w", "/tmp", "pwd"],
    &["-w", "/", "pwd"],
    &["-S", "1234", "-G", "4321", "id"],
];

/// Namespaces entered as a script written on Debian 12 enters them: compared with both too.
#[rustfmt::skip]
const SCRIPT_NS_ROWS: &[&[&str]] = &[
    &["-r", "id"],
    &["-r", "cat", "/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"],
    &["-U", "id", "-u"],
    &["-c", "cat", "/proc/self/uid_map"],
    &["--map-user=1000", "--map-group=100", "id"],
    &["--fork", "--pid", "--mount-proc", "/usr/bin/ps", "-o", "pid,comm"],
    &["-fp", "--mount-proc", "sh", "-c", "echo $$"],
    &["-u", "sh", "-c", "hostname nstools-diff && hostname"],
    &["-C", "cat", "/proc/self/cgroup"],
    &["-m", "--propagation", "slave", "true"],
    &["-fT", "--monotonic", "86400", "cat", "/proc/self/timens_offsets"],
    &["-n", "cat", "/proc/net/dev"],
    &["-m", "-u", "-i", "-n", "-p", "-f", "-C", "-T", "true"],
];

fn newest(args: &[&str]) -> Differential {
    Differential::newest("unshare", args)
}

/// Ours and the newest release, util-linux 2.41.5, side by side over unshare's whole surface.
fn differential(suite: &mut Suite) {
    let ns_needs = vec![
        NEWEST,
        Need::Root,
        Need::MountNamespaces,
        Need::UserNamespaces,
        Need::Original("/usr/bin/ps"),
    ];
    type Rows = &'static [&'static [&'static str]];
    let groups: [(&str, Vec<Need>, Rows); 5] = [
        ("cli", vec![NEWEST], CLI_ROWS),
        ("root", vec![NEWEST, Need::Root], ROOT_ROWS),
        ("root", vec![NEWEST, Need::Root], SCRIPT_RUN_ROWS),
        ("ns", ns_needs.clone(), NS_ROWS),
        ("ns", ns_needs, SCRIPT_NS_ROWS),
    ];
    for (group, needs, rows) in groups {
        for args in rows {
            suite.test(
                &format!("newest::{group} {}", args.join(" ")),
                &needs,
                move || newest(args).check().map(|_| ()),
            );
        }
    }

    // Every prefix of every 2.41 long option, with an attached argument and a later unknown
    // option: exact and unique matches, ambiguity, `doesn't allow an argument`, and each option's
    // value check, with nothing run. Prefixes our 2.42 options make ambiguous are rows of their
    // own below.
    let mut prefixes: Vec<&str> = LONGOPTS_2_41
        .iter()
        .flat_map(|name| (1..=name.len()).map(move |n| &name[..n]))
        .filter(|p| !"forward-signals".starts_with(p) && !"owner".starts_with(p))
        .collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    for prefix in prefixes {
        let option = format!("--{prefix}=");
        suite.test(
            &format!("newest::prefix {option} --bogus"),
            &[NEWEST],
            move || newest(&[&option, "--bogus"]).check().map(|_| ()),
        );
    }
    // Every short letter followed by `z`: 2.41's letters (`+fhVmuinpCTUrR:w:S:G:cl:`) act
    // before the invalid `-z`, or take `z` as their argument; others are invalid themselves.
    // `-l` mounts (a namespace row) and `-V` names the implementation (an allowed row).
    for letter in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
        if letter == 'l' || letter == 'V' {
            continue;
        }
        let option = format!("-{letter}z");
        let needs = if matches!(letter, 'R') {
            vec![NEWEST, Need::Root]
        } else {
            vec![NEWEST]
        };
        suite.test(&format!("newest::short {option}"), &needs, move || {
            newest(&[&option]).check().map(|_| ())
        });
    }

    suite.test("newest::version -V", &[NEWEST], || {
        let (ours, _) = newest(&["-V"])
            .allow(
                "--version names the implementation: nstools, not util-linux",
                |_, o| o.stdout = o.stdout.split(" from ").next().unwrap_or("").to_string(),
            )
            .check()?;
        ensure_eq!(ours.stdout, "unshare");
        Ok(())
    });

    suite.test(
        "newest::2.42 --fo is ambiguous with --forward-signals",
        &[NEWEST],
        || {
            let (ours, _) = newest(&["--fo", "true"])
                .allow(
                    "2.42's --forward-signals makes --fo ambiguous (2.41 takes it for --fork)",
                    |side, o| {
                        if side == Side::Ours {
                            *o = Outcome {
                                code: Some(0),
                                ..Outcome::default()
                            };
                        }
                    },
                )
                .check()?;
            ensure_eq!(ours.code, Some(0));
            let o = ours_run(&["--fo", "true"])?;
            ensure_eq!(
                o.stderr,
                format!(
                    "{}: option '--fo' is ambiguous; possibilities: '--fork' '--forward-signals'\n\
                 Try 'unshare --help' for more information.\n",
                    us()
                )
            );
            Ok(())
        },
    );

    suite.test(
        "newest::2.42 options among the possibilities of --=",
        &[NEWEST],
        || {
            let (ours, _) = newest(&["--="])
                .allow(
                    "2.42's --forward-signals and --owner are possibilities of an ambiguous prefix",
                    |side, o| {
                        if side == Side::Ours {
                            o.stderr = o
                                .stderr
                                .replace(" '--forward-signals'", "")
                                .replace(" '--owner'", "");
                        }
                    },
                )
                .check()?;
            ensure!(
                ours.stderr.contains(" '--fork' '--kill-child' "),
                "{}",
                ours.show()
            );
            Ok(())
        },
    );

    suite.test("newest::2.42 --forward-signals", &[NEWEST], || {
        newest(&["--forward-signals", "sh", "-c", "echo forwarded; exit 3"])
            .allow(
                "--forward-signals is util-linux 2.42's; 2.41 does not know it",
                |side, o| {
                    if side == Side::Original
                        && o.stderr
                            .starts_with("unshare: unrecognized option '--forward-signals'")
                    {
                        *o = Outcome {
                            stdout: "forwarded\n".into(),
                            code: Some(3),
                            ..Outcome::default()
                        };
                    }
                },
            )
            .check()
            .map(|_| ())
    });

    suite.test(
        "newest::2.42 --owner",
        &[NEWEST, Need::Root, Need::UserNamespaces],
        || {
            newest(&[
                "--owner",
                "65534:65534",
                "-r",
                "sh",
                "-c",
                "id -u; cat /proc/self/uid_map",
            ])
            .allow(
                "--owner is util-linux 2.42's; 2.41 does not know it",
                |side, o| {
                    if side == Side::Original
                        && o.stderr
                            .starts_with("unshare: unrecognized option '--owner'")
                    {
                        *o = Outcome {
                            // util-linux 2.42.4 (Debian sid), run here: the helper maps
                            // the caller's root, which the owner (65534) is not.
                            stdout: "65534\n         0          0          1\n".into(),
                            code: Some(0),
                            ..Outcome::default()
                        };
                    }
                },
            )
            .check()
            .map(|_| ())
        },
    );

    suite.test("newest::map_auto_without_subuid_line", &[NEWEST], || {
        // No test user (and its subuid lines) may exist meanwhile.
        let _lock = subid_lock();
        let (ours, _) = newest(&["--map-auto", "true"]).check()?;
        ensure!(ours.stderr.starts_with("unshare: "), "{}", ours.show());
        Ok(())
    });

    suite.test(
        "newest::unprivileged_unshare_failed",
        &[NEWEST, Need::Root, Need::Program("setpriv")],
        || {
            let (ours, _) = newest(&["-n", "-u", "true"])
                .wrapped(&[
                    "setpriv",
                    "--reuid",
                    "65534",
                    "--regid",
                    "65534",
                    "--clear-groups",
                ])
                .check()?;
            ensure_eq!(
                ours.stderr,
                "unshare: unshare failed: Operation not permitted\n"
            );
            ensure_eq!(ours.code, Some(1));
            Ok(())
        },
    );

    suite.test("newest::login_shell_when_no_program", &[NEWEST], || {
        let (ours, _) = newest(&[])
            .env("SHELL", "/bin/bash")
            .stdin(b"echo \"$0\"\n")
            .check()?;
        ensure_eq!(ours.stdout, "-bash\n");
        Ok(())
    });

    suite.test(
        "newest::without_shell_variable_the_passwd_shell",
        &[NEWEST],
        || {
            let (check, expected) = without_shell_variable(newest(&[]))?;
            let (ours, _) = check.check()?;
            ensure_eq!(ours.stdout, expected);
            Ok(())
        },
    );

    suite.test(
        "newest::sigkill_of_the_child_reaches_the_caller",
        &[NEWEST],
        || {
            let (ours, _) = newest(&["-f", "sh", "-c", "kill -KILL $$"]).check()?;
            ensure_eq!(ours.signal, Some(9));
            let o = sh(&format!("{} -f sh -c 'kill -KILL $$'; echo $?", us()))?;
            ensure_eq!(o.stdout, "137\n");
            Ok(())
        },
    );

    suite.test(
        "newest::map_users_as_root",
        &[NEWEST, Need::Root, Need::UserNamespaces],
        || {
            let (ours, _) = newest(&[
                "--map-users=100000,0,65536",
                "--map-groups=0:100000:65536",
                "cat",
                "/proc/self/uid_map",
                "/proc/self/gid_map",
            ])
            .check()?;
            ensure_eq!(
                ours.stdout,
                kmap(&[(0, 100000, 65536)]) + &kmap(&[(0, 100000, 65536)])
            );
            Ok(())
        },
    );

    suite.test(
        "newest::map_users_write_failure_names_the_map",
        &[NEWEST, Need::Root, Need::UserNamespaces],
        || {
            newest(&["--map-users=0:0:1", "--map-users=0:0:1", "true"])
                .volatile(
                    "the helper writes /proc/PID of each side's own unshare",
                    |_, o| {
                        o.stderr = proc_pid_words(&o.stderr);
                    },
                )
                .check()
                .map(|_| ())
        },
    );

    debian12(suite);
}

/// `/proc/1234/x` -> `/proc/PID/x` in every word of `text`.
fn proc_pid_words(text: &str) -> String {
    text.split(' ')
        .map(|w| match w.strip_prefix("/proc/") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
                format!("/proc/PID/{}", rest.split_once('/').map_or("", |(_, r)| r))
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Debian 12's util-linux 2.38.1, for what a script written on Debian 12 relies on: programs
/// run, exit statuses and signals, and namespaces entered.
fn debian12(suite: &mut Suite) {
    for args in SCRIPT_RUN_ROWS {
        suite.test(
            &format!("debian12::run {}", args.join(" ")),
            &[ORIGINAL, Need::Root],
            move || diff(args),
        );
    }

    for args in SCRIPT_NS_ROWS {
        suite.test(
            &format!("debian12::ns {}", args.join(" ")),
            &[
                ORIGINAL,
                Need::Root,
                Need::MountNamespaces,
                Need::UserNamespaces,
                Need::Original("/usr/bin/ps"),
            ],
            move || diff(args),
        );
    }

    suite.test("debian12::sigkill_of_the_child_reaches_the_caller", &[ORIGINAL], || {
        let (ours, _) = Differential::new("unshare", &["-f", "sh", "-c", "kill -KILL $$"])
            .allow(
                "2.38 fails to re-raise SIGKILL (`sigprocmask unblock failed`, exit 1); 2.40+ dies by it",
                |side, o| {
                    if side == Side::Original
                        && o.stderr == "unshare: sigprocmask unblock failed: Invalid argument\n"
                        && o.code == Some(1)
                    {
                        o.stderr.clear();
                        o.code = None;
                        o.signal = Some(9);
                    }
                },
            )
            .check()?;
        ensure_eq!(ours.signal, Some(9));
        Ok(())
    });
}

/// Privileged effects, asserted from outside the namespaces.
fn effects(suite: &mut Suite) {
    let root_ns = [Need::Root, Need::MountNamespaces, Need::UserNamespaces];

    suite.test(
        "effect::namespace_inodes_differ_from_ours",
        &root_ns,
        || {
            let kinds = [
                "mnt",
                "uts",
                "ipc",
                "net",
                "pid_for_children",
                "cgroup",
                "user",
                "time_for_children",
            ];
            let script = kinds
                .iter()
                .map(|k| format!("readlink /proc/self/ns/{k};"))
                .collect::<String>();
            let o = ours_run(&[
                "-m", "-u", "-i", "-n", "-p", "-C", "-U", "-T", "-f", "sh", "-c", &script,
            ])?;
            ensure_eq!(o.code, Some(0), "{}", o.show());
            let inside: Vec<&str> = o.stdout.lines().collect();
            ensure_eq!(inside.len(), kinds.len(), "{}", o.show());
            for (kind, link) in kinds.iter().zip(inside) {
                let mine = ns_link("self", kind)?;
                ensure!(mine != link, "{kind}: inside {link} equals ours {mine}");
            }
            Ok(())
        },
    );

    suite.test(
        "effect::pid_namespace_program_is_pid_1_and_ps_sees_only_it",
        &[
            Need::Root,
            Need::MountNamespaces,
            Need::Original("/usr/bin/ps"),
        ],
        || {
            let o = ours_run(&[
                "--fork",
                "--pid",
                "--mount-proc",
                "sh",
                "-c",
                "echo $$; /usr/bin/ps -e -o pid=,comm=",
            ])?;
            ensure_eq!(o.code, Some(0), "{}", o.show());
            let mut lines = o.stdout.lines();
            ensure_eq!(lines.next(), Some("1"));
            let procs: Vec<(u32, String)> = lines
                .filter_map(|l| {
                    let mut f = l.split_whitespace();
                    Some((f.next()?.parse().ok()?, f.next()?.to_string()))
                })
                .collect();
            ensure!(
                procs.iter().any(|(p, c)| *p == 1 && c == "sh"),
                "ps must show sh as PID 1: {procs:?}"
            );
            ensure!(
                procs.len() <= 3,
                "ps sees processes outside the namespace: {procs:?}"
            );
            // The host sees many more, and not sh as its PID 1.
            let host = run(Command::new("/usr/bin/ps").args(["-e", "-o", "pid="]))?;
            ensure!(
                host.stdout.lines().count() > procs.len(),
                "host ps should see more"
            );
            Ok(())
        },
    );

    suite.test("effect::hostname_stays_inside_uts", &root_ns, || {
        let before =
            std::fs::read_to_string("/proc/sys/kernel/hostname").map_err(|e| e.to_string())?;
        let name = unique_name("uts");
        let o = ours_run(&["-u", "sh", "-c", &format!("hostname {name} && hostname")])?;
        ensure_eq!(o.stdout, format!("{name}\n"), "{}", o.show());
        let after =
            std::fs::read_to_string("/proc/sys/kernel/hostname").map_err(|e| e.to_string())?;
        ensure_eq!(before, after, "the host's hostname changed");
        Ok(())
    });

    suite.test(
        "effect::mount_inside_is_invisible_outside",
        &root_ns,
        || {
            let dir = TempDir::new()?;
            let target = dir.path("mnt");
            std::fs::create_dir(&target).map_err(|e| e.to_string())?;
            let ready = dir.path("ready");
            let script = format!(
                "mount -t tmpfs nstools-test {target} && touch {target}/marker && \
             grep -q ' {target} ' /proc/self/mountinfo && touch {ready} && sleep 30"
            );
            let mut guard =
                ChildGuard::spawn(Command::new(ours("unshare")).args(["-m", "sh", "-c", &script]))?;
            ensure!(
                wait_until(Duration::from_secs(10), || Path::new(&ready).exists()),
                "the mount inside did not happen: {:?}",
                guard.child.try_wait()
            );
            ensure!(!is_mount_point_here(&target), "{target} is mounted outside");
            ensure!(
                !Path::new(&format!("{target}/marker")).exists(),
                "the tmpfs content is visible outside"
            );
            drop(guard);
            Ok(())
        },
    );

    suite.test(
        "effect::map_root_user_maps_euid_and_denies_setgroups",
        &root_ns,
        || {
            // SAFETY: geteuid has no preconditions.
            let euid = unsafe { libc::geteuid() };
            let o = ours_run(&[
                "-r",
                "sh",
                "-c",
                "cat /proc/self/uid_map /proc/self/setgroups; id -u",
            ])?;
            let fields: Vec<String> = o.stdout.split_whitespace().map(String::from).collect();
            let euid = euid.to_string();
            ensure_eq!(
                fields,
                vec!["0", euid.as_str(), "1", "deny", "0"],
                "{}",
                o.show()
            );
            // And as an unprivileged user (the case -r exists for), through setpriv.
            if Path::new("/usr/bin/setpriv").exists() {
                let o = run(Command::new("/usr/bin/setpriv").args([
                    "--reuid",
                    "65534",
                    "--regid",
                    "65534",
                    "--clear-groups",
                    &us(),
                    "-r",
                    "sh",
                    "-c",
                    "cat /proc/self/uid_map /proc/self/setgroups",
                ]))?;
                let fields: Vec<String> = o.stdout.split_whitespace().map(String::from).collect();
                ensure_eq!(fields, vec!["0", "65534", "1", "deny"], "{}", o.show());
            }
            Ok(())
        },
    );

    suite.test(
        "effect::cgroup_namespace_roots_every_hierarchy",
        &[Need::Root, Need::CgroupV1("pids"), Need::Unified],
        || {
            let v1 = nstools_tests::gate::v1_mount("pids").ok_or("pids hierarchy vanished")?;
            let v2 = nstools_tests::gate::unified_mount().ok_or("cgroup2 vanished")?;
            let g1 = TestCgroup::create(&v1, "cgns")?;
            let g2 = TestCgroup::create(&v2, "cgns")?;
            let enter = format!(
                "echo $$ > {}/cgroup.procs && echo $$ > {}/cgroup.procs && ",
                g1.path.display(),
                g2.path.display()
            );
            // Control: without -C the test groups show.
            let outside = sh(&format!("{enter} cat /proc/self/cgroup"))?;
            ensure!(
                outside.stdout.contains(&format!("pids:/{}", g1.name))
                    && outside.stdout.contains(&format!("0::/{}", g2.name)),
                "control run not in the test groups: {}",
                outside.show()
            );
            let inside = sh(&format!("{enter} exec {} -C cat /proc/self/cgroup", us()))?;
            ensure_eq!(inside.code, Some(0), "{}", inside.show());
            ensure!(
                inside.stdout.lines().any(|l| l == "0::/"),
                "no 0::/ in\n{}",
                inside.stdout
            );
            for line in inside.stdout.lines() {
                ensure!(line.ends_with(":/"), "not rooted: {line}");
            }
            Ok(())
        },
    );

    suite.test("effect::time_namespace_offsets", &root_ns, || {
        let read_uptime = |text: &str| -> Result<f64, String> {
            text.split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("bad /proc/uptime: {text:?}"))
        };
        let host =
            read_uptime(&std::fs::read_to_string("/proc/uptime").map_err(|e| e.to_string())?)?;
        // /proc/uptime follows CLOCK_BOOTTIME.
        let o = ours_run(&["-T", "--boottime", "86400", "cat", "/proc/uptime"])?;
        let inside = read_uptime(&o.stdout)?;
        ensure!(
            inside - host >= 86400.0 && inside - host < 86400.0 + 60.0,
            "uptime inside {inside} vs host {host}"
        );
        // --monotonic moves CLOCK_MONOTONIC, which the kernel reports per namespace.
        let o = ours_run(&[
            "-fT",
            "--monotonic",
            "86400",
            "cat",
            "/proc/self/timens_offsets",
        ])?;
        ensure_eq!(
            o.stdout.split_whitespace().collect::<Vec<_>>(),
            vec!["monotonic", "86400", "0", "boottime", "0", "0"],
            "{}",
            o.show()
        );
        let o = ours_run(&["-fT", "--monotonic", "86400", "cat", "/proc/uptime"])?;
        let unmoved = read_uptime(&o.stdout)?;
        ensure!(
            unmoved - host < 60.0,
            "--monotonic must not move /proc/uptime"
        );
        Ok(())
    });

    suite.test("effect::mount_binfmt_and_load_interp", &root_ns, || {
        let o = ours_run(&[
            "-fpr",
            "--load-interp",
            ":nstools:E::nstx::/bin/true:",
            "sh",
            "-c",
            "cat /proc/sys/fs/binfmt_misc/status; ls /proc/sys/fs/binfmt_misc",
        ])?;
        ensure_eq!(
            o.stdout,
            "enabled\nnstools\nregister\nstatus\n",
            "{}",
            o.show()
        );
        ensure!(
            !Path::new("/proc/sys/fs/binfmt_misc/nstools").exists(),
            "the interpreter leaked to the host"
        );
        Ok(())
    });

    suite.test(
        "effect::map_users_ranges_with_a_single_mapping_do_not_overlap",
        &root_ns,
        || {
            let o = ours_run(&[
                "-r",
                "--map-users=0:100000:65536",
                "--map-groups=100000,0,65536",
                "cat",
                "/proc/self/uid_map",
                "/proc/self/gid_map",
            ])?;
            ensure_eq!(o.code, Some(0), "{}", o.show());
            let words: Vec<&str> = o.stdout.split_whitespace().collect();
            ensure_eq!(
                words,
                vec!["0", "0", "1", "1", "100000", "65535", "0", "0", "1", "1", "100000", "65535"],
                "root's single mapping is cut out of the range as util-linux does: inner 1 takes \
                 the range's first outer id and its last id is dropped"
            );
            let o = ours_run(&["--map-users=all", "cat", "/proc/self/uid_map"])?;
            let host = std::fs::read_to_string("/proc/self/uid_map").map_err(|e| e.to_string())?;
            let first = |t: &str| {
                t.split_whitespace()
                    .take(3)
                    .map(String::from)
                    .collect::<Vec<_>>()
            };
            let host_inner = first(&host);
            ensure_eq!(
                first(&o.stdout),
                vec![
                    host_inner[0].clone(),
                    host_inner[0].clone(),
                    host_inner[2].clone()
                ],
                "all: identity over our own uid range"
            );
            Ok(())
        },
    );

    suite.test("effect::owner_as_util_linux_2_42_4_does", &root_ns, || {
        // Measured with util-linux 2.42.4 (Debian sid's, run here with its own loader); 2.41
        // has no --owner. Maps are written by a helper that keeps the caller's credentials, so
        // they map the caller's ids; what unshare writes itself after becoming the owner
        // (setgroups, a single gid map) is refused, as the owner cannot open its own /proc files.
        const MAPS: &str = "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups";
        let table: [(&[&str], &str, &str, i32); 4] = [
            (
                &["--owner", "65534:65534", "-r", "sh", "-c", &format!("id -u; {MAPS}")],
                "65534\n         0          0          1\n         0          0          1\nallow\n",
                "",
                0,
            ),
            (
                &["--owner", "65534:65534", "--map-user=5", "--map-group=6", "sh", "-c", MAPS],
                "         5          0          1\n         6          0          1\nallow\n",
                "",
                0,
            ),
            (
                &["--owner", "65534:65534", "--setgroups", "deny", "true"],
                "",
                "unshare: cannot open /proc/self/setgroups: Permission denied\n",
                1,
            ),
            // -1 leaves that id alone: no owner at all here, but still a new user namespace.
            (&["--owner", "-1:-1", "id", "-u"], "65534\n", "", 0),
        ];
        for (args, stdout, stderr, code) in table {
            let o = ours_run(args)?;
            ensure_eq!(
                (o.stdout.as_str(), o.stderr.as_str(), o.code),
                (stdout, stderr, Some(code)),
                "{args:?}"
            );
        }
        Ok(())
    });
}

/// `--ns=FILE` persistence, inside a wrapper mount namespace whose tempdir bind is private.
fn persistence(suite: &mut Suite) {
    let needs = [
        Need::Root,
        Need::MountNamespaces,
        Need::Original("/usr/bin/nsenter"),
    ];

    /// Run `body` in a private mount namespace (ours, `-m`) where `$D` is a private bind of a
    /// fresh tempdir; the binds are undone at the end of the script.
    fn in_private_dir(body: &str) -> Result<(Outcome, TempDir), String> {
        let dir = TempDir::new()?;
        let d = dir.0.display().to_string();
        let script = format!(
            "set -u; D={d}; U={u}; mount --bind $D $D && mount --make-private $D || exit 99\n\
             {body}\nrc=$?\numount -R $D 2>/dev/null || umount -l $D\nexit $rc",
            u = us()
        );
        let mut cmd = Command::new(ours("unshare"));
        cmd.args(["-m", "sh", "-c", &script]);
        // Kernel quirk (seen on 6.18): binding a mount-namespace file is refused (EINVAL, the
        // "namespace loop" check) unless the new namespace's id is above the binder's, and ids
        // come from per-CPU batches, so a namespace made on another CPU can get a lower id than
        // an older one. util-linux fails the same way (40 of 40 runs on one CPU here). Keeping
        // the wrapper and everything in it on one CPU makes the ids increase.
        let cpu = first_allowed_cpu();
        // SAFETY: sched_setaffinity on the forked child itself, before exec; no allocation.
        unsafe {
            cmd.pre_exec(move || {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(cpu, &mut set);
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let o = run(&mut cmd)?;
        Ok((o, dir))
    }

    /// The first CPU this test may run on.
    fn first_allowed_cpu() -> usize {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                    .and_then(|v| {
                        v.trim()
                            .split(|c: char| !c.is_ascii_digit())
                            .next()
                            .and_then(|n| n.parse().ok())
                    })
            })
            .unwrap_or(0)
    }

    suite.test("persist::net_entered_later_with_nsenter", &needs, || {
        let (o, _dir) = in_private_dir(
            "touch $D/net && $U --net=$D/net true || exit 1\n\
             stat -L -c %i $D/net; /usr/bin/nsenter --net=$D/net readlink /proc/self/ns/net\n\
             /usr/bin/nsenter --net=$D/net cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '\n\
             umount $D/net",
        )?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        let lines: Vec<&str> = o.stdout.lines().collect();
        ensure_eq!(lines.len(), 3, "{}", o.show());
        ensure_eq!(lines[1], format!("net:[{}]", lines[0]), "the file is the namespace");
        ensure!(lines[1] != ns_link("self", "net")?, "persisted ns is ours");
        ensure_eq!(lines[2], "lo", "a new network namespace has only lo");
        Ok(())
    });

    suite.test(
        "persist::user_namespace_file_works_unlike_2_38",
        &needs,
        || {
            // util-linux 2.38 binds from the process that already entered the new user namespace and
            // fails with EPERM (fixed upstream in 2025, PR #3905); the bind is made from outside.
            let (o, _dir) = in_private_dir(
                "touch $D/user && $U -r --user=$D/user true || exit 1\n\
             /usr/bin/nsenter --user=$D/user cat /proc/self/uid_map\n\
             umount $D/user",
            )?;
            ensure_eq!(o.code, Some(0), "{}", o.show());
            ensure_eq!(
                o.stdout.split_whitespace().collect::<Vec<_>>(),
                vec!["0", "0", "1"],
                "the persisted user namespace keeps its map"
            );
            Ok(())
        },
    );

    suite.test("persist::pid_and_mount_with_fork", &needs, || {
        let (o, _dir) = in_private_dir(
            "touch $D/pid $D/mnt && $U -f --pid=$D/pid --mount=$D/mnt sh -c 'readlink /proc/self/ns/pid /proc/self/ns/mnt' || exit 1\n\
             stat -L -c %i $D/pid $D/mnt\n\
             umount $D/pid $D/mnt",
        )?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        let lines: Vec<&str> = o.stdout.lines().collect();
        ensure_eq!(lines.len(), 4, "{}", o.show());
        ensure_eq!(lines[0], format!("pid:[{}]", lines[2]), "pid_for_children persisted");
        ensure_eq!(lines[1], format!("mnt:[{}]", lines[3]), "mnt persisted");
        Ok(())
    });

    suite.test("persist::failure_after_bind_removes_it", &needs, || {
        // No fork: chroot fails after the bind was made.
        let (o, dir) = in_private_dir(
            "touch $D/net\n\
             $U --net=$D/net -R /nonexistent-nstools true; echo rc=$?\n\
             grep -c \" $D/net \" /proc/self/mountinfo\n\
             touch $D/uts; $U -f --uts=$D/uts -w /nonexistent-nstools touch $D/ran; echo rc=$?\n\
             grep -c \" $D/uts \" /proc/self/mountinfo\n\
             test -e $D/ran && echo ran; true",
        )?;
        ensure_eq!(
            o.stdout,
            "rc=1\n0\nrc=1\n0\n",
            "{}",
            o.show()
        );
        ensure!(
            o.stderr
                == "unshare: cannot change root directory to '/nonexistent-nstools': No such file or directory\n\
                    unshare: cannot chdir to '/nonexistent-nstools': No such file or directory\n",
            "{}",
            o.show()
        );
        drop(dir);
        Ok(())
    });

    suite.test(
        "persist::exec_failure_in_fork_child_removes_bind",
        &needs,
        || {
            let (o, _dir) = in_private_dir(
                "touch $D/ipc\n\
             $U -f --ipc=$D/ipc nstools-no-such-program; echo rc=$?\n\
             grep -c \" $D/ipc \" /proc/self/mountinfo; true",
            )?;
            ensure_eq!(o.stdout, "rc=127\n0\n", "{}", o.show());
            ensure_eq!(
                o.stderr,
                "unshare: failed to execute nstools-no-such-program: No such file or directory\n"
            );
            Ok(())
        },
    );

    suite.test(
        "persist::bind_failure_undoes_earlier_binds_and_runs_nothing",
        &needs,
        || {
            let (o, _dir) = in_private_dir(
                "touch $D/net\n\
             $U -f --net=$D/net --uts=$D/missing touch $D/ran; echo rc=$?\n\
             grep -c \" $D/net \" /proc/self/mountinfo; test -e $D/ran && echo ran; true",
            )?;
            ensure_eq!(o.stdout, "rc=1\n0\n", "{}", o.show());
            ensure!(
                o.stderr.starts_with("unshare: mount /proc/")
                    && o.stderr
                        .trim_end()
                        .ends_with("/missing failed: No such file or directory"),
                "{}",
                o.show()
            );
            Ok(())
        },
    );

    // Persistence compared with the newest release. Each side runs in a private mount namespace
    // of its own (made by Debian's unshare, the same for both, on one CPU as above) whose working
    // directory is a fresh private directory holding empty files named after the namespace
    // kinds. After the run the script lists which files are bound and whether each is a new
    // namespace of its kind, then whether the program ran.
    const PERSIST_ROWS: &[&[&str]] = &[
        &["--uts=uts", "true"],
        &["--net=net", "true"],
        &["--ipc=ipc", "true"],
        &["--mount=mnt", "true"],
        &["--cgroup=cgroup", "true"],
        &["-f", "--pid=pid", "true"],
        &["--pid=pid", "true"],
        &["-f", "--time=time", "true"],
        &["-f", "--net=net", "--uts=uts", "--ipc=ipc", "touch", "ran"],
        &["--net=./net", "--net=uts", "true"],
        &["--uts=missing", "touch", "ran"],
        &["--uts=/nonexistent-nstools/x", "true"],
        &["--uts=", "true"],
    ];
    // util-linux 2.41 leaves a bind behind when a later step fails (and, when a bind fails
    // after the fork, runs the program anyway); ours undoes the binds and runs nothing: nothing
    // half-done (README, Compatibility).
    const HALF_DONE_IN_2_41: &[&[&str]] = &[
        &["--net=net", "-R", "/nonexistent-nstools", "touch", "ran"],
        &[
            "-f",
            "--uts=uts",
            "-w",
            "/nonexistent-nstools",
            "touch",
            "ran",
        ],
        &["-f", "--ipc=ipc", "nstools-no-such-program"],
        &["-f", "--uts=missing", "touch", "ran"],
        &["-f", "--net=net", "--uts=missing", "touch", "ran"],
    ];
    const SCRIPT: &str = r#"set -u
D=$(mktemp -d /tmp/nstools-persist.XXXXXX) || exit 99
mount --bind "$D" "$D" && mount --make-private "$D" && cd "$D" && touch uts net ipc mnt cgroup pid time user || exit 99
(exec -a unshare "$@"); rc=$?
for f in uts net ipc mnt cgroup pid time user; do
    if mountpoint -q "$f"; then
        new=same; [ "$(stat -L -c %i "$f")" = "$(stat -L -c %i /proc/self/ns/$f)" ] || new=new
        echo "bound $f: $(stat -f -c %T "$f") $new"
    fi
done
test -e ran && echo ran
cd / && umount -R "$D" && rm -rf "$D"
exit $rc"#;
    let persist_diff = |args: &[&str]| {
        let cpu = first_allowed_cpu().to_string();
        newest(args)
            .wrapped(&[
                "taskset",
                "-c",
                &cpu,
                "/usr/bin/unshare",
                "-m",
                "bash",
                "-c",
                SCRIPT,
                "sh",
            ])
            .volatile("the message names each side's own /proc/PID", |_, o| {
                o.stderr = proc_pid_words(&o.stderr);
            })
    };
    let needs = [
        NEWEST,
        Need::Root,
        Need::MountNamespaces,
        Need::Program("taskset"),
    ];
    for args in PERSIST_ROWS {
        suite.test(
            &format!("newest::persist {}", args.join(" ")),
            &needs,
            move || persist_diff(args).check().map(|_| ()),
        );
    }
    for args in HALF_DONE_IN_2_41 {
        suite.test(
            &format!("newest::persist nothing half-done: {}", args.join(" ")),
            &needs,
            move || {
                let (ours, _) = persist_diff(args)
                    .allow(
                        "2.41 leaves the bind or runs the program after a failure; ours does not",
                        |side, o| {
                            if side == Side::Original {
                                o.stdout = o
                                    .stdout
                                    .lines()
                                    .filter(|l| !l.starts_with("bound ") && *l != "ran")
                                    .map(|l| format!("{l}\n"))
                                    .collect();
                            }
                        },
                    )
                    .check()?;
                ensure_eq!(ours.stdout, "", "no bind left, nothing run");
                Ok(())
            },
        );
    }
    suite.test(
        "newest::persist a user namespace (2.41 fails)",
        &needs,
        move || {
            let (ours, _) = persist_diff(&["-r", "--user=user", "true"])
                .allow(
                    "2.41 binds a user namespace from inside it and fails with EPERM (fixed \
                     upstream after 2.41, util-linux PR #3905)",
                    |side, o| {
                        if side == Side::Original
                            && o.stderr
                                == "unshare: mount /proc/PID/ns/user on user failed: \
                                    Operation not permitted\n"
                        {
                            *o = Outcome {
                                stdout: "bound user: nsfs new\n".into(),
                                code: Some(0),
                                ..Outcome::default()
                            };
                        }
                    },
                )
                .check()?;
            ensure_eq!(ours.stdout, "bound user: nsfs new\n");
            Ok(())
        },
    );
}

/// The processes unshare leaves (or does not leave) behind.
fn processes(suite: &mut Suite) {
    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(") ").map(|(_, r)| !r.starts_with('Z')))
            .unwrap_or(false)
    }

    /// Start unshare with `args` + a child that writes its pid to a file and sleeps; return the
    /// guard (unshare's process group) and the child's pid.
    fn start(args: &[&str], dir: &TempDir) -> Result<(ChildGuard, i32), String> {
        let pidfile = dir.path("child.pid");
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "sh".into(),
            "-c".into(),
            format!("echo $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile} && exec sleep 60"),
        ]);
        let guard = ChildGuard::spawn(Command::new(ours("unshare")).args(&all))?;
        ensure!(
            wait_until(Duration::from_secs(10), || Path::new(&pidfile).exists()),
            "the child never started"
        );
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .map_err(|e| e.to_string())?
            .trim()
            .parse()
            .map_err(|e| format!("{e}"))?;
        Ok((guard, pid))
    }

    suite.test("process::kill_child_leaves_no_child_behind", &[], || {
        let dir = TempDir::new()?;
        let (mut guard, child) = start(&["--kill-child"], &dir)?;
        ensure!(alive(child), "child {child} not running");
        // SAFETY: kill(2) on the unshare process this test spawned.
        unsafe { libc::kill(guard.pid(), libc::SIGKILL) };
        let _ = guard.wait_timeout(Duration::from_secs(10))?;
        ensure!(
            wait_until(Duration::from_secs(10), || !alive(child)),
            "child {child} survived its parent"
        );
        Ok(())
    });

    suite.test(
        "process::without_kill_child_the_child_survives (control)",
        &[],
        || {
            let dir = TempDir::new()?;
            let (mut guard, child) = start(&["-f"], &dir)?;
            // SAFETY: as above.
            unsafe { libc::kill(guard.pid(), libc::SIGKILL) };
            let _ = guard.wait_timeout(Duration::from_secs(10))?;
            std::thread::sleep(Duration::from_millis(300));
            let survived = alive(child);
            // The child is in the guard's process group, but the guard already reaped its leader:
            // kill the child by pid (ours).
            // SAFETY: kill(2) on a process this test started.
            unsafe { libc::kill(child, libc::SIGKILL) };
            ensure!(
                survived,
                "without --kill-child the child should outlive unshare"
            );
            Ok(())
        },
    );

    suite.test(
        "process::kill_child_with_pid_namespace_kills_the_namespace",
        &[Need::Root],
        || {
            let dir = TempDir::new()?;
            let (mut guard, child) = start(&["--kill-child", "-p", "--mount-proc"], &dir)?;
            ensure_eq!(child, 1, "the child is PID 1 inside");
            // Find the sleeper from outside: the unshare's child.
            let children =
                std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", guard.pid()))
                    .map_err(|e| e.to_string())?;
            let outer: i32 = children
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or("no child")?;
            // SAFETY: kill(2) on the unshare this test spawned.
            unsafe { libc::kill(guard.pid(), libc::SIGKILL) };
            let _ = guard.wait_timeout(Duration::from_secs(10))?;
            ensure!(
                wait_until(Duration::from_secs(10), || !alive(outer)),
                "namespace init {outer} survived"
            );
            Ok(())
        },
    );

    suite.test(
        "process::fork_parent_blocks_sigterm_and_returns_child_status",
        &[],
        || {
            let dir = TempDir::new()?;
            let (mut guard, child) = start(&["-f"], &dir)?;
            // SAFETY: kill(2) on the unshare this test spawned.
            unsafe { libc::kill(guard.pid(), libc::SIGTERM) };
            std::thread::sleep(Duration::from_millis(300));
            ensure!(
                guard.child.try_wait().map_err(|e| e.to_string())?.is_none(),
                "SIGTERM killed unshare"
            );
            // SAFETY: kill(2) on the child this test started.
            unsafe { libc::kill(child, libc::SIGTERM) };
            let status = guard.wait_timeout(Duration::from_secs(10))?;
            use std::os::unix::process::ExitStatusExt;
            ensure_eq!(
                status.signal(),
                Some(libc::SIGTERM),
                "unshare ends by the child's signal"
            );
            Ok(())
        },
    );

    suite.test("process::forward_signals_reach_the_child", &[], || {
        let dir = TempDir::new()?;
        let ready = dir.path("ready");
        let mut guard = ChildGuard::spawn(Command::new(ours("unshare")).args([
            "--forward-signals",
            "sh",
            "-c",
            &format!("trap 'exit 7' TERM; touch {ready}; while :; do sleep 0.1; done"),
        ]))?;
        ensure!(
            wait_until(Duration::from_secs(10), || Path::new(&ready).exists()),
            "child not ready"
        );
        // SAFETY: kill(2) on the unshare this test spawned.
        unsafe { libc::kill(guard.pid(), libc::SIGTERM) };
        let status = guard.wait_timeout(Duration::from_secs(10))?;
        ensure_eq!(
            status.code(),
            Some(7),
            "the child's trap ran and its status came back"
        );
        Ok(())
    });

    suite.test(
        "process::forward_signals_leaves_the_program_default_int_and_term",
        &[],
        || {
            // util-linux 2.42.4: its forwarding handlers replace what the caller set, and exec
            // resets handlers to the default, so the program gets SIGINT and SIGTERM at the
            // default even where the caller ignored them. Without forwarding, it inherits them.
            let int_term = (1u64 << (libc::SIGINT - 1)) | (1u64 << (libc::SIGTERM - 1));
            let ignored = |args: &str| -> Result<u64, String> {
                let o = sh(&format!(
                    "trap '' INT TERM; exec {} {args} sh -c 'grep SigIgn /proc/self/status'",
                    us()
                ))?;
                let hex = o.stdout.trim().strip_prefix("SigIgn:").ok_or(o.show())?;
                u64::from_str_radix(hex.trim(), 16).map_err(|e| format!("{e}: {}", o.show()))
            };
            ensure_eq!(ignored("--forward-signals")? & int_term, 0);
            ensure_eq!(ignored("-f")? & int_term, int_term);
            Ok(())
        },
    );

    suite.test(
        "process::no_threads_before_namespace_work",
        &[Need::UserNamespaces, Need::MountNamespaces],
        || {
            // A user+mount namespace can only be unshared by a single-threaded process: this fails
            // (EINVAL) the moment unshare grows a thread.
            let o = ours_run(&["-U", "-m", "-r", "true"])?;
            ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Unprivileged maps through newuidmap/newgidmap, as a throw-away user with subordinate ids.

/// Held while a test user exists (and while anything reads the subordinate id files as root):
/// useradd/usermod/userdel of parallel tests must not race, and util-linux 2.38 run as root takes
/// any named /etc/subuid line for its own (`strtoul(name) == 0`), so no test user may exist then.
type SubidLock = std::sync::MutexGuard<'static, ()>;

fn subid_lock() -> SubidLock {
    nstools_tests::suite::exclusive("/etc/subuid")
}

/// What a test of the unprivileged maps needs: root to make the user, the setuid helpers.
const SUBID_NEEDS: [Need; 6] = [
    Need::Root,
    Need::UserNamespaces,
    Need::Program("useradd"),
    Need::Program("setpriv"),
    Need::Original("/usr/bin/newuidmap"),
    Need::Original("/usr/bin/newgidmap"),
];

/// Size of the subordinate uid and gid ranges a test user gets.
const SUBID_COUNT: u32 = 65536;

/// A login made with useradd (own group, no home, no automatic subordinate ids), optionally
/// with one /etc/subuid and one /etc/subgid range of its own (usermod --add-subuids/-subgids),
/// plus any lines a test appends by hand. Drop removes exactly those: the appended lines, the
/// ranges, then the user and its group, so every outcome leaves the account files as they were.
struct TestUser {
    name: String,
    uid: u32,
    gid: u32,
    /// First subordinate uid and gid (`SUBID_COUNT` of each), when the user has ranges.
    subids: Option<(u32, u32)>,
    appended: Vec<(&'static str, String)>,
    lock: Option<SubidLock>,
}

impl TestUser {
    /// A user with subordinate uid and gid ranges (distinct from each other, so a uid/gid mix-up
    /// shows).
    fn with_subids() -> Result<TestUser, String> {
        Self::create(subid_lock(), true)
    }

    /// A user without any /etc/subuid or /etc/subgid line.
    fn without_subids() -> Result<TestUser, String> {
        Self::create(subid_lock(), false)
    }

    fn create(lock: SubidLock, subids: bool) -> Result<TestUser, String> {
        let name = unique_name("u");
        let o = run(Command::new("useradd").args([
            "--no-create-home",
            "--user-group",
            "--shell",
            "/bin/sh",
            "-K",
            "SUB_UID_COUNT=0",
            "-K",
            "SUB_GID_COUNT=0",
            &name,
        ]))?;
        ensure!(o.code == Some(0), "useradd {name}: {}", o.show());
        // From here on Drop removes the user, whatever fails next.
        let mut user = TestUser {
            name,
            uid: 0,
            gid: 0,
            subids: None,
            appended: Vec::new(),
            lock: Some(lock),
        };
        let id = |flag: &str| -> Result<u32, String> {
            let o = run(Command::new("id").args([flag, &user.name]))?;
            o.stdout
                .trim()
                .parse()
                .map_err(|_| format!("id {flag} {}: {}", user.name, o.show()))
        };
        user.uid = id("-u")?;
        user.gid = id("-g")?;
        ensure!(user.uid != 0 && user.gid != 0, "{} got id 0", user.name);
        if subids {
            // Unique per test, below 2^32, and away from useradd's automatic 100000 + n * 65536.
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let slot = (std::process::id().wrapping_mul(64).wrapping_add(n)) % 25_000;
            let uid_start = 500_000_000 + slot * 2 * SUBID_COUNT;
            let gid_start = uid_start + SUBID_COUNT;
            user.subids = Some((uid_start, gid_start));
            let o = run(Command::new("usermod").args([
                "--add-subuids",
                &format!("{}-{}", uid_start, uid_start + SUBID_COUNT - 1),
                "--add-subgids",
                &format!("{}-{}", gid_start, gid_start + SUBID_COUNT - 1),
                &user.name,
            ]))?;
            ensure!(o.code == Some(0), "usermod {}: {}", user.name, o.show());
        }
        Ok(user)
    }

    /// First subordinate uid (S) and gid (T).
    fn st(&self) -> (u32, u32) {
        self.subids.expect("a user with subordinate ids")
    }

    /// Append `line` to a subordinate id file (removed again on drop). A file whose last line
    /// has no newline is left alone: our line would join it.
    fn append(&mut self, file: &'static str, line: String) -> Result<(), String> {
        use std::io::Write;
        let text = std::fs::read(file).map_err(|e| format!("read {file}: {e}"))?;
        ensure!(
            text.last().is_none_or(|b| *b == b'\n'),
            "{file} does not end with a newline: not appending to it"
        );
        self.appended.push((file, line.clone()));
        std::fs::OpenOptions::new()
            .append(true)
            .open(file)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()))
            .map_err(|e| format!("append to {file}: {e}"))
    }

    /// `setpriv` argv that runs a program as this user (its group, its supplementary groups).
    fn setpriv(&self) -> Vec<String> {
        [
            "/usr/bin/setpriv",
            "--reuid",
            &self.name,
            "--regid",
            &self.name,
            "--init-groups",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Run `bin args` as this user, from `/`, with LC_ALL=C.
    fn run(&self, bin: &str, args: &[String]) -> Result<Outcome, String> {
        let argv = self.setpriv();
        run(Command::new(&argv[0])
            .args(&argv[1..])
            .arg(bin)
            .args(args)
            .current_dir("/")
            .env("LC_ALL", "C"))
    }

    /// Remove the user now and keep the lock (to look at the account files undisturbed).
    fn remove(mut self) -> SubidLock {
        let lock = self.lock.take().expect("the lock is held until drop");
        drop(self);
        lock
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        for (file, line) in self.appended.drain(..).rev() {
            // Only the bytes of our own line go, once; the file is rewritten in place.
            if let Ok(mut text) = std::fs::read(file) {
                let ours = format!("{line}\n").into_bytes();
                let at = (0..=text.len().saturating_sub(ours.len()))
                    .rev()
                    .find(|&i| text[i..].starts_with(&ours) && (i == 0 || text[i - 1] == b'\n'));
                if let Some(at) = at {
                    text.drain(at..at + ours.len());
                    let _ = std::fs::write(file, text);
                }
            }
        }
        if let Some((s, t)) = self.subids {
            let _ = run(Command::new("usermod").args([
                "--del-subuids",
                &format!("{}-{}", s, s + SUBID_COUNT - 1),
                "--del-subgids",
                &format!("{}-{}", t, t + SUBID_COUNT - 1),
                &self.name,
            ]));
        }
        // userdel refuses while a process of the user runs; ours are reaped, but allow a moment.
        for _ in 0..20 {
            match run(Command::new("userdel").arg(&self.name)) {
                Ok(o) if o.code == Some(0) => break,
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// A map file as the kernel prints it: `%10u %10u %10u` per line.
fn kmap(lines: &[(u32, u32, u32)]) -> String {
    lines
        .iter()
        .map(|(inner, outer, count)| format!("{inner:>10} {outer:>10} {count:>10}\n"))
        .collect()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// What a run should end with.
fn outcome(stdout: &str, stderr: &str, code: i32) -> Outcome {
    Outcome {
        stdout: stdout.into(),
        stderr: stderr.into(),
        code: Some(code),
        signal: None,
    }
}

/// Ours and the newest release, both run as `user` with `args`: equal (after the allowances), and
/// ours as `want`.
fn diff_as(
    user: &TestUser,
    args: &[String],
    want: Outcome,
    allow: impl FnOnce(Differential) -> Differential,
) -> TestResult {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let wrapper = user.setpriv();
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    let (ours, _) = allow(Differential::newest("unshare", &argv).wrapped(&wrapper)).check()?;
    ensure_eq!(ours, want, "{args:?} as {}", user.name);
    Ok(())
}

fn subordinate_ids(suite: &mut Suite) {
    let diff_needs: Vec<Need> = SUBID_NEEDS.iter().cloned().chain([NEWEST]).collect();

    suite.test(
        "subid::test_user_guard_restores_the_account_files",
        &SUBID_NEEDS,
        || {
            let files = [
                "/etc/passwd",
                "/etc/group",
                "/etc/shadow",
                "/etc/gshadow",
                "/etc/subuid",
                "/etc/subgid",
            ];
            let read_all = || -> Vec<String> {
                files
                    .iter()
                    .map(|f| std::fs::read_to_string(f).unwrap_or_default())
                    .collect()
            };
            let lock = subid_lock();
            let before = read_all();
            let mut user = TestUser::create(lock, true)?;
            let name = user.name.clone();
            user.append("/etc/subuid", format!("{name}:7:8"))?;
            let (s, t) = user.st();
            let subuid = std::fs::read_to_string("/etc/subuid").map_err(|e| e.to_string())?;
            let subgid = std::fs::read_to_string("/etc/subgid").map_err(|e| e.to_string())?;
            ensure!(
                subuid.contains(&format!("{name}:{s}:{SUBID_COUNT}\n{name}:7:8\n")),
                "{subuid}"
            );
            ensure!(
                subgid.contains(&format!("{name}:{t}:{SUBID_COUNT}\n")),
                "{subgid}"
            );
            let _lock = user.remove();
            ensure_eq!(
                read_all(),
                before,
                "the account files after removing {name}"
            );
            let o = run(Command::new("id").arg(&name))?;
            ensure_eq!(o.code, Some(1), "{name} still exists: {}", o.show());
            Ok(())
        },
    );

    // Maps written by newuidmap/newgidmap, compared with 2.38 (legacy syntax, auto).
    suite.test(
        "subid::diff --map-auto: first blocks from 0, setgroups allowed",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            diff_as(
                &user,
                &strings(&[
                    "--map-auto",
                    "cat",
                    "/proc/self/uid_map",
                    "/proc/self/gid_map",
                    "/proc/self/setgroups",
                ]),
                outcome(
                    &(kmap(&[(0, s, SUBID_COUNT)]) + &kmap(&[(0, t, SUBID_COUNT)]) + "allow\n"),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff -r --map-users=auto --map-groups=auto: root is the user, the block follows",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (u, g) = (user.uid, user.gid);
            diff_as(
                &user,
                &strings(&[
                    "-r",
                    "--map-users=auto",
                    "--map-groups=auto",
                    "sh",
                    "-c",
                    "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g",
                ]),
                outcome(
                    &(kmap(&[(0, u, 1), (1, s, SUBID_COUNT - 1)])
                        + &kmap(&[(0, g, 1), (1, t, SUBID_COUNT - 1)])
                        + "allow\n0\n0\n"),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff legacy outer,inner,count ranges for users and groups",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            diff_as(
                &user,
                &[
                    format!("--map-users={s},0,{SUBID_COUNT}"),
                    format!("--map-groups={},100,10", t + 5),
                    "cat".into(),
                    "/proc/self/uid_map".into(),
                    "/proc/self/gid_map".into(),
                ],
                outcome(
                    &(kmap(&[(0, s, SUBID_COUNT)]) + &kmap(&[(100, t + 5, 10)])),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff a single mapping makes a hole in the inner ids of a range",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (u, g) = (user.uid, user.gid);
            diff_as(
                &user,
                &[
                    "--map-user=7".into(),
                    "--map-group=7".into(),
                    format!("--map-users={s},0,10"),
                    format!("--map-groups={},0,10", t + 5),
                    "cat".into(),
                    "/proc/self/uid_map".into(),
                    "/proc/self/gid_map".into(),
                    "/proc/self/setgroups".into(),
                ],
                outcome(
                    &(kmap(&[(7, u, 1), (0, s, 7), (8, s + 7, 2)])
                        + &kmap(&[(7, g, 1), (0, t + 5, 7), (8, t + 12, 2)])
                        + "allow\n"),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff -c with a range starting at the user's own id: a hole in the outer ids",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, _) = user.st();
            let (u, g) = (user.uid, user.gid);
            diff_as(
                &user,
                &[
                    "-c".into(),
                    format!("--map-users={s},{u},10"),
                    "sh".into(),
                    "-c".into(),
                    "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u".into(),
                ],
                outcome(
                    &(kmap(&[(u, u, 1), (u + 1, s, 9)])
                        + &kmap(&[(g, g, 1)])
                        + &format!("deny\n{u}\n")),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff ids created inside belong to the subordinate ids outside",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (u, g) = (user.uid, user.gid);
            let owner = |p: &Path| -> Result<(u32, u32), String> {
                use std::os::unix::fs::MetadataExt;
                let m = std::fs::metadata(p).map_err(|e| format!("stat {}: {e}", p.display()))?;
                Ok((m.uid(), m.gid()))
            };
            for bin in [
                us(),
                nstools_tests::bins::newest("unshare").display().to_string(),
            ] {
                let dir = TempDir::new()?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o777))
                    .map_err(|e| e.to_string())?;
                // -S/-G: setgroups(0), setgid, setuid inside; the program runs as 1000:1000.
                let o = user.run(
                    &bin,
                    &[
                        "--map-auto".into(),
                        "-S".into(),
                        "1000".into(),
                        "-G".into(),
                        "1000".into(),
                        "sh".into(),
                        "-c".into(),
                        format!("touch {0}/s && stat -c %u:%g {0}/s", dir.0.display()),
                    ],
                )?;
                ensure_eq!(o, outcome("1000:1000\n", "", 0), "{bin}");
                ensure_eq!(owner(&dir.0.join("s"))?, (s + 1000, t + 1000), "{bin}");
                // -r: root inside is the user outside; chown to 1000 lands in the block, which
                // starts at inner 1 (the hole of the single mapping).
                let o = user.run(
                    &bin,
                    &[
                        "-r".into(),
                        "--map-auto".into(),
                        "sh".into(),
                        "-c".into(),
                        format!(
                            "cd {} && touch r c && chown 1000:1000 c && stat -c %u:%g r c",
                            dir.0.display()
                        ),
                    ],
                )?;
                ensure_eq!(o, outcome("0:0\n1000:1000\n", "", 0), "{bin}");
                ensure_eq!(owner(&dir.0.join("r"))?, (u, g), "{bin}");
                ensure_eq!(owner(&dir.0.join("c"))?, (s + 999, t + 999), "{bin}");
            }
            Ok(())
        },
    );

    // --setgroups with group ranges: the helper writes gid_map before unshare gets to the
    // setgroups file, and the kernel refuses "deny" after that; newgidmap leaves "allow" when a
    // subordinate range is mapped and writes "deny" itself when only the user's own gid is.
    suite.test(
        "subid::diff --setgroups deny after a group range is refused by the kernel",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            diff_as(
                &user,
                &[
                    format!("--map-users={s},0,10"),
                    format!("--map-groups={t},0,10"),
                    "--setgroups".into(),
                    "deny".into(),
                    "cat".into(),
                    "/proc/self/gid_map".into(),
                ],
                outcome(
                    "",
                    "unshare: write failed /proc/self/setgroups: Operation not permitted\n",
                    1,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff --setgroups allow with a subordinate group range",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (_, t) = user.st();
            diff_as(
                &user,
                &[
                    "--setgroups=allow".into(),
                    format!("--map-groups={t},0,{SUBID_COUNT}"),
                    "cat".into(),
                    "/proc/self/gid_map".into(),
                    "/proc/self/setgroups".into(),
                ],
                outcome(&(kmap(&[(0, t, SUBID_COUNT)]) + "allow\n"), "", 0),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff --setgroups allow when newgidmap maps only the user's own gid",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            diff_as(
                &user,
                &[
                    format!("--map-groups={},0,1", user.gid),
                    "--setgroups".into(),
                    "allow".into(),
                    "true".into(),
                ],
                outcome(
                    "",
                    "unshare: write failed /proc/self/setgroups: Operation not permitted\n",
                    1,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::diff -r with ranges of one kind; --setgroups allow; with -fp -S -G",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (u, g) = (user.uid, user.gid);
            let cat = strings(&[
                "cat",
                "/proc/self/uid_map",
                "/proc/self/gid_map",
                "/proc/self/setgroups",
            ]);
            // The group single mapping joins newgidmap's lines, the user one unshare writes.
            diff_as(
                &user,
                &[strings(&["-r", "--map-groups=auto"]), cat.clone()].concat(),
                outcome(
                    &(kmap(&[(0, u, 1)])
                        + &kmap(&[(0, g, 1), (1, t, SUBID_COUNT - 1)])
                        + "allow\n"),
                    "",
                    0,
                ),
                |d| d,
            )?;
            // Both kinds through the helpers: no --map-group of unshare's own to clash with.
            diff_as(
                &user,
                &strings(&[
                    "-r",
                    "--map-auto",
                    "--setgroups",
                    "allow",
                    "cat",
                    "/proc/self/setgroups",
                ]),
                outcome("allow\n", "", 0),
                |d| d,
            )?;
            // Only user ranges: the group is unshare's single mapping, which needs deny.
            diff_as(
                &user,
                &strings(&["-r", "--map-users=auto", "--setgroups", "allow", "true"]),
                outcome(
                    "",
                    "unshare: options --setgroups=allow and --map-group are mutually exclusive\n",
                    1,
                ),
                |d| d,
            )?;
            diff_as(
                &user,
                &strings(&[
                    "--map-auto",
                    "--kill-child",
                    "-fp",
                    "sh",
                    "-c",
                    "cat /proc/self/uid_map; echo $$",
                ]),
                outcome(&(kmap(&[(0, s, SUBID_COUNT)]) + "1\n"), "", 0),
                |d| d,
            )?;
            diff_as(
                &user,
                &[
                    format!("--map-users={s},0,{SUBID_COUNT}"),
                    format!("--map-groups={t},0,{SUBID_COUNT}"),
                    "-S".into(),
                    "0".into(),
                    "-G".into(),
                    "0".into(),
                    "id".into(),
                ],
                outcome("uid=0(root) gid=0(root) groups=0(root)\n", "", 0),
                |d| d,
            )
        },
    );

    // Errors.
    suite.test(
        "subid::diff no subordinate id line: --map-auto, --map-groups=auto",
        &diff_needs,
        || {
            let user = TestUser::without_subids()?;
            let success = |d: Differential| d;
            diff_as(
                &user,
                &strings(&["--map-auto", "true"]),
                outcome(
                    "",
                    &format!(
                        "unshare: no line matching user \"{}\" in /etc/subuid\n",
                        user.name
                    ),
                    1,
                ),
                success,
            )?;
            diff_as(
                &user,
                &strings(&["--map-groups=auto", "true"]),
                outcome(
                    "",
                    &format!(
                        "unshare: no line matching user \"{}\" in /etc/subgid\n",
                        user.name
                    ),
                    1,
                ),
                success,
            )
        },
    );

    suite.test(
        "subid::diff ranges outside the user's: newuidmap's and newgidmap's own errors",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (s_end, t_end) = (s + SUBID_COUNT, t + SUBID_COUNT);
            let cases = [
                (
                    format!("--map-users={s_end},0,1"),
                    format!(
                        "newuidmap: uid range [0-1) -> [{s_end}-{}) not allowed\n",
                        s_end + 1
                    ),
                ),
                (
                    format!("--map-users={s},0,{}", SUBID_COUNT + 1),
                    format!(
                        "newuidmap: uid range [0-{}) -> [{s}-{}) not allowed\n",
                        SUBID_COUNT + 1,
                        s_end + 1
                    ),
                ),
                (
                    format!("--map-groups={},0,2", t - 1),
                    format!(
                        "newgidmap: gid range [0-2) -> [{}-{}) not allowed\n",
                        t - 1,
                        t + 1
                    ),
                ),
                // The user's ranges are not each other's.
                (
                    format!("--map-users={t},0,1"),
                    format!(
                        "newuidmap: uid range [0-1) -> [{t}-{}) not allowed\n",
                        t + 1
                    ),
                ),
                // The user ranges are fine, the group range is not: nothing runs.
                (
                    format!("--map-groups={t_end},0,1"),
                    format!(
                        "newgidmap: gid range [0-1) -> [{t_end}-{}) not allowed\n",
                        t_end + 1
                    ),
                ),
            ];
            for (i, (arg, stderr)) in cases.into_iter().enumerate() {
                let mut args = vec![arg];
                if i == 4 {
                    args.insert(0, format!("--map-users={s},0,{SUBID_COUNT}"));
                }
                args.extend(strings(&["echo", "ran"]));
                diff_as(&user, &args, outcome("", &stderr, 1), |d| d)?;
            }
            Ok(())
        },
    );

    suite.test(
        "subid::diff newuidmap not on PATH: failed to execute, 127",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, _) = user.st();
            diff_as(
                &user,
                &[format!("--map-users={s},0,1"), "/bin/true".into()],
                outcome(
                    "",
                    "unshare: failed to execute newuidmap: No such file or directory\n",
                    127,
                ),
                |d| d.env("PATH", "/nonexistent-nstools"),
            )
        },
    );

    suite.test(
        "subid::diff /etc/subuid lines: first match, numeric uid, bad numbers",
        &diff_needs,
        || {
            let mut user = TestUser::without_subids()?;
            let (name, uid) = (user.name.clone(), user.uid);
            // Lines without two colons are skipped; the first line of the user wins, by uid
            // or name.
            user.append("/etc/subuid", name.clone())?;
            user.append("/etc/subuid", format!("{uid}:600000000:100"))?;
            user.append("/etc/subuid", format!("{name}:700000000:200"))?;
            user.append("/etc/subgid", format!("{name}:1x:200"))?;
            user.append("/etc/subgid", format!("{name}:700000000:200"))?;
            // newuidmap takes any range of the user; unshare reads the first line only.
            diff_as(
                &user,
                &strings(&["--map-users=auto", "cat", "/proc/self/uid_map"]),
                outcome(&kmap(&[(0, 600_000_000, 100)]), "", 0),
                |d| d,
            )?;
            diff_as(
                &user,
                &strings(&["--map-groups=auto", "true"]),
                outcome("", "unshare: failed to parse subid map: '1x'\n", 1),
                |d| d,
            )
        },
    );

    // util-linux 2.39+ invocations (2.38 refuses them or keeps only the last --map-users).
    suite.test(
        "subid::inner:outer:count ranges, repeated",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            let (u, g) = (user.uid, user.gid);
            diff_as(
                &user,
                &[
                    format!("--map-users=0:{s}:1000"),
                    format!("--map-users=2000:{}:10", s + 1000),
                    format!("--map-groups=0:{t}:{SUBID_COUNT}"),
                    "cat".into(),
                    "/proc/self/uid_map".into(),
                    "/proc/self/gid_map".into(),
                ],
                outcome(
                    &(kmap(&[(0, s, 1000), (2000, s + 1000, 10)]) + &kmap(&[(0, t, SUBID_COUNT)])),
                    "",
                    0,
                ),
                |d| d,
            )?;
            // With -r each range gets its hole.
            diff_as(
                &user,
                &[
                    "-r".into(),
                    format!("--map-users=0:{s}:10"),
                    format!("--map-users=100:{}:10", s + 10),
                    format!("--map-groups={t},0,10"),
                    "cat".into(),
                    "/proc/self/uid_map".into(),
                    "/proc/self/gid_map".into(),
                ],
                outcome(
                    &(kmap(&[(0, u, 1), (1, s, 9), (100, s + 10, 10)])
                        + &kmap(&[(0, g, 1), (1, t, 9)])),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::--map-subids identity-maps the blocks; the user itself is unmapped",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, t) = user.st();
            diff_as(
                &user,
                &strings(&[
                    "--map-subids",
                    "sh",
                    "-c",
                    "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u",
                ]),
                outcome(
                    &(kmap(&[(s, s, SUBID_COUNT)])
                        + &kmap(&[(t, t, SUBID_COUNT)])
                        + "allow\n65534\n"),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::--map-users=subids with --map-root-user",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            let (s, _) = user.st();
            let (u, g) = (user.uid, user.gid);
            diff_as(
                &user,
                &strings(&[
                    "--map-users=subids",
                    "--map-root-user",
                    "sh",
                    "-c",
                    "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u",
                ]),
                outcome(
                    &(kmap(&[(0, u, 1), (s, s, SUBID_COUNT)]) + &kmap(&[(0, g, 1)]) + "deny\n0\n"),
                    "",
                    0,
                ),
                |d| d,
            )?;
            // -c and subids: the rootless identity setup.
            let (_, t) = user.st();
            diff_as(
                &user,
                &strings(&[
                    "-c",
                    "--map-subids",
                    "cat",
                    "/proc/self/uid_map",
                    "/proc/self/gid_map",
                ]),
                outcome(
                    &(kmap(&[(u, u, 1), (s, s, SUBID_COUNT)])
                        + &kmap(&[(g, g, 1), (t, t, SUBID_COUNT)])),
                    "",
                    0,
                ),
                |d| d,
            )
        },
    );

    suite.test(
        "subid::--map-users=all as a user is newuidmap's refusal",
        &diff_needs,
        || {
            let user = TestUser::with_subids()?;
            diff_as(
                &user,
                &strings(&["--map-users=all", "true"]),
                outcome(
                    "",
                    "newuidmap: uid range [0-4294967295) -> [0-4294967295) not allowed\n",
                    1,
                ),
                |d| d,
            )
        },
    );
}
