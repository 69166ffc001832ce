//! `nsenter`: differential checks against the newest util-linux release (2.41.5, the reference
//! root's `nsenter`) over the whole command line — every option of its `--help`, getopt's errors,
//! bad numbers, the order in which errors are found, namespace and directory files, PIDs that are
//! gone, exec failures — and real runs into a container, a user namespace and a socket's network
//! namespace, one invocation per row ([`matrix`]); then end-to-end checks of the effects (what a
//! program inside sees). Debian 12's 2.38.1 (`/usr/bin/nsenter`) is compared only where a script
//! written for Debian 12 relies on the behaviour: the walkthrough's command and the container it
//! enters.
//!
//! Allowed differences, each named where it is allowed (README, Compatibility): `--version`
//! names nstools; `-c/--join-cgroup` joins every hierarchy where util-linux refuses it (hosts
//! whose /sys/fs/cgroup is not cgroup2).

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use nstools_tests::bins::newest;
use nstools_tests::diff::without_shell_variable;
use nstools_tests::guard::wait_until;
use nstools_tests::run::run;
use nstools_tests::{
    ensure, ensure_eq, ours, ChildGuard, Differential, Need, Outcome, Side, Suite, TestCgroup,
    TestResult,
};

/// Debian 12's util-linux 2.38.1: the second reference.
const DEBIAN12: Need = Need::Original("/usr/bin/nsenter");
/// util-linux 2.41.5: the first reference.
const NEWEST: Need = Need::Newest("nsenter");

/// The `unshare` that starts test containers: ours, as the issue asks ("start a container with
/// our unshare").
fn container_unshare() -> PathBuf {
    ours("unshare")
}

fn nsenter(args: &[&str]) -> Result<Outcome, String> {
    run(Command::new(ours("nsenter")).args(args))
}

/// A process tree started by the test: `guard` owns the whole process group; `init` is the
/// process whose namespaces the tests enter.
struct Container {
    _guard: ChildGuard,
    init: i32,
}

impl Container {
    fn pid(&self) -> String {
        self.init.to_string()
    }
}

fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Follow the first child down `depth` levels from `top` until a process named `leaf` appears.
fn find_leaf(top: i32, depth: usize, leaf: &str) -> Option<i32> {
    let mut found = None;
    wait_until(Duration::from_secs(10), || {
        let mut pid = top;
        for _ in 0..depth {
            match children(pid).first() {
                Some(&c) => pid = c,
                None => return false,
            }
        }
        if comm(pid) == leaf {
            found = Some(pid);
            true
        } else {
            false
        }
    });
    found
}

/// Spawn `cmd` (its own process group) and find the process `depth` generations below it once
/// it runs `leaf`.
fn start(cmd: &mut Command, depth: usize, leaf: &str) -> Result<Container, String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null());
    let guard = ChildGuard::spawn(cmd)?;
    let init = find_leaf(guard.pid(), depth, leaf)
        .ok_or_else(|| format!("{cmd:?}: no `{leaf}` appeared {depth} level(s) down"))?;
    Ok(Container {
        _guard: guard,
        init,
    })
}

/// The walkthrough's container: `unshare --fork --pid --mount-proc -m -u -i -n`, hostname
/// `nst-ct`, a sleeping PID 1, started in `cwd` with `env`.
fn container_in(cwd: &Path, env: &[(&str, &str)]) -> Result<Container, String> {
    let mut cmd = Command::new(container_unshare());
    cmd.args(["--fork", "--pid", "--mount-proc", "-m", "-u", "-i", "-n"])
        .args(["sh", "-c", "hostname nst-ct; exec sleep 300"])
        .current_dir(cwd);
    if !env.is_empty() {
        cmd.env_clear().envs(env.iter().copied());
    }
    start(&mut cmd, 1, "sleep")
}

fn container() -> Result<Container, String> {
    container_in(Path::new("/"), &[])
}

fn ns_link(pid: &str, kind: &str) -> Result<String, String> {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .map(|p| p.to_string_lossy().into_owned())
        .map_err(|e| format!("readlink /proc/{pid}/ns/{kind}: {e}"))
}

fn ok(out: &Outcome, what: &str) -> TestResult {
    ensure!(out.code == Some(0), "{what} failed:\n{}", out.show());
    Ok(())
}

fn main() {
    let mut suite = Suite::new();
    matrix(&mut suite);
    version(&mut suite);
    container_tests(&mut suite);
    status_tests(&mut suite);
    option_tests(&mut suite);
    suite.run();
}

// ------------------------------------------------------------------------------------------------
// The matrix: nsenter's whole surface, each row one invocation of ours and of util-linux 2.41.

/// getopt's `--version` line names the implementation.
const VERSION_WHY: &str = "--version names nstools (README, Compatibility)";
/// util-linux 2.41 joins a cgroup only where /sys/fs/cgroup is cgroup2.
const JOIN_CGROUP_WHY: &str =
    "util-linux 2.41 refuses -c unless /sys/fs/cgroup is a cgroup2 mount; \
     we join the target's group on every hierarchy (README, Compatibility): where it refuses, ours \
     does what it does on a cgroup2 host";
const REFUSES_JOIN: &str = "nsenter: --join-cgroup is only supported in cgroup v2\n";

/// A namespace file of our own of every kind, for `--kind=FILE` rows.
const SELF_NET: &str = "--net=/proc/self/ns/net";

/// What util-linux 2.41 does with a `-c` row on a host whose /sys/fs/cgroup is cgroup2 (from
/// its source: the cgroup step comes after the root, working directory, environment and
/// `/proc/PID` opens, before `--user-parent`, `-N` and the `no namespace specified` check), which
/// ours must do on every host: (exit code, stdout, stderr).
type Joined = (i32, &'static str, String);

/// Compare one argv (placeholders filled) with util-linux 2.41, naming what may differ.
fn compare(
    args: &[String],
    stdin: Option<&str>,
    joined: Option<Joined>,
) -> Result<Outcome, String> {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut check = Differential::newest("nsenter", &argv).allow(VERSION_WHY, |side, o| {
        let from = match side {
            Side::Ours => format!("nsenter from nstools {}\n", env!("CARGO_PKG_VERSION")),
            Side::Original => "nsenter from util-linux 2.41.5\n".to_string(),
        };
        if o.stdout == from {
            o.stdout = "VERSION\n".into();
        }
    });
    if let Some((code, stdout, stderr)) = joined {
        check = check.allow(JOIN_CGROUP_WHY, move |side, o| {
            if side == Side::Original && o.stderr == REFUSES_JOIN && o.code == Some(1) {
                *o = Outcome {
                    stdout: stdout.to_string(),
                    stderr: stderr.clone(),
                    code: Some(code),
                    signal: None,
                };
            }
        });
    }
    if let Some(input) = stdin {
        check = check.stdin(input.as_bytes());
    }
    check.check().map(|(ours, _)| ours)
}

/// Fill the placeholders of a row.
fn fill(row: &[&str], with: &[(&str, String)]) -> Vec<String> {
    row.iter()
        .map(|a| {
            with.iter()
                .fold(a.to_string(), |a, (from, to)| a.replace(from, to))
        })
        .collect()
}

/// Run every row with the placeholders replaced; all rows run, then every difference is shown.
fn run_rows(rows: &[&[&str]], with: &[(&str, String)]) -> TestResult {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| compare(&fill(row, with), None, None).err())
        .collect();
    ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
    Ok(())
}

/// Rows that need no process of ours: help, getopt's errors, numbers, the order of the checks,
/// namespace and directory files, exec failures.
#[rustfmt::skip]
const WITHOUT_TARGET: &[&[&str]] = &[
    // Help and version act where getopt meets them.
    &["-h"], &["--help"], &["--he"], &["-h", "--bogus"], &["-Fh", "-x"], &["-t", "1", "-h"],
    &["-V"], &["--version"], &["--vers", "--bogus"],
    &["--net=/nonexistent-nst", "-h"], &["-t", "x", "-V"],
    // getopt's errors.
    &["--bogus"], &["--bogus=1", "true"], &["-x"], &["-ax"], &["-\u{e9}"], &["-t"], &["--target"],
    &["-N"], &["--net-socket"], &["-S"], &["--setuid"], &["-G"], &["--setgid"], &["--setu"],
    &["--all=x"], &["--env=1"], &["--no-fork=1"], &["--join-cgroup=x"], &["--help=x"],
    &["--preserve-credentials=1"], &["--keep-caps=1"], &["--user-parent=x"],
    &["--follow-context=1"], &["--n", "true"], &["--ne", "true"], &["--u", "true"],
    &["--w", "true"], &["--se=1"], &["--us", "true"], &["-x", "-h"],
    // Nothing to enter.
    &[], &["true"], &["--"], &["-"], &["--", "-x"], &["-t", "5", "true"], &["-F", "true"],
    &["--preserve-credentials", "true"], &["--keep-caps", "true"], &["-Z", "true"],
    &["-W/", "true"], &["-W", "true"], &["-S", "0", "true"], &["-G", "0", "true"],
    &["-r/", "true"], &["-w/", "true"], &["-N", "-1", "true"], &["-r/", "-w/", "-e", "true"],
    // A namespace without a target.
    &["-m", "true"], &["-u", "true"], &["-i", "true"], &["-n", "true"], &["-p", "true"],
    &["-C", "true"], &["-U", "true"], &["-T", "true"], &["--mount", "true"], &["--time", "true"],
    &["-a", "true"], &["-a", "-U", "true"], &["--all", "-m", "true"], &["-N", "0", "true"],
    &["-N", "0", "-a", "true"], &["--user-parent", "true"], &["--user-parent", "-U", "true"],
    &["-t", "0", "-n", "true"], &["-t", "4294967296", "-n", "true"], &["-Z", "-u", "true"],
    &["-c", "-u", "true"], &["-e", SELF_NET, "true"],
    &["-r", SELF_NET, "true"], &["-w", SELF_NET, "true"], &["-S", "follow", SELF_NET, "true"],
    &["-G", "follow", SELF_NET, "true"], &["-W", SELF_NET, "true"],
    &["-Z", SELF_NET, "true"],
    // Numbers.
    &["-t", "abc", "-m"], &["-t", "", "-m"], &["-t", "0x10", "-m"], &["-t", "1x", "-m"],
    &["-t", " 5x", "-m"], &["-t", "-1", "-m"], &["-t", "-5x", "-m"], &["-t", "+0", "-m"],
    &["-t", "99999999999999999999", "-m"], &["-t", "18446744073709551616", "-m"],
    &["-S", "abc", "-m"], &["-S", "-1", "-m"], &["-S", "", "-m"], &["-Sfollowx", "-m"],
    &["-G", "x", "-m"], &["-G", "1e3", "-m"], &["--setgid=", "-m"], &["-N", "x"], &["-N", ""],
    &["-N", "2147483648"], &["-N", "3x"], &["-N", "-9223372036854775809"], &["-N", " -5", "true"],
    // Which error comes first: in argv order, files opened while reading it.
    &["-t", "abc", "--bogus"], &["--bogus", "-t", "abc"], &["--net=/nonexistent-nst", "-t", "abc"],
    &["-t", "abc", "--net=/nonexistent-nst"], &["--net=/nonexistent-nst", "--bogus"],
    &["-r/nonexistent-nst", "-S", "x"], &["-w", "-W/", "true"], &["--wd=/", "--wdns=/", "true"],
    &["-W", "-w"], &["-W/", "-W", "-w/", "true"], &["-w", "-w", "-W"],
    // Namespace files.
    &["--mount=/nonexistent-nst", "true"], &["--uts=", "true"], &["-m/etc/passwd", "true"],
    &["--net=/etc/passwd", "true"], &["--net=/", "true"], &["-n=/proc/self/ns/net", "true"],
    &["--net==/proc/self/ns/net", "true"], &["--net=/proc/self/ns/uts", "true"],
    &[SELF_NET, "true"], &["--uts=/proc/self/ns/uts", "hostname"],
    &["--ipc=/proc/self/ns/ipc", "true"], &["--pid=/proc/self/ns/pid", "true"],
    &["--cgroup=/proc/self/ns/cgroup", "true"], &["--time=/proc/self/ns/time", "true"],
    &["--user=/proc/self/ns/user", "true"], &["--mount=/proc/self/ns/mnt", "--", "-c"],
    &["-m/proc/self/ns/mnt", "-u/proc/self/ns/uts", "-i/proc/self/ns/ipc", "sh", "-c", "echo ok"],
    &["--net=/proc/self/ns/net", "--net=/nonexistent-nst", "true"],
    &["--net=/nonexistent-nst", "--net=/proc/self/ns/net", "true"],
    // Root and working directory files.
    &["-r/nonexistent-nst", "true"], &["-w/nonexistent-nst", "true"],
    &["-r/", "-W/nonexistent-nst", SELF_NET, "true"], &["-W/nonexistent-nst", SELF_NET, "true"],
    &["-w=/tmp", SELF_NET, "pwd"], &["-r/", SELF_NET, "pwd"], &["--wdns=/usr", SELF_NET, "pwd"],
    &["-w/etc/passwd", SELF_NET, "true"], &["-r/etc/passwd", SELF_NET, "true"],
    &["-r/usr", SELF_NET, "/bin/pwd"], &["-r/usr", "-w/usr/share", SELF_NET, "/bin/pwd"],
    &["-r/usr", "-W/share", SELF_NET, "/bin/pwd"],
    // The program.
    &[SELF_NET, "nosuchprog-nst"], &[SELF_NET, "/etc/passwd"], &[SELF_NET, "/"],
    &[SELF_NET, "--", "--", "x"], &[SELF_NET, "echo", "-h", "--help", "--", "x"],
    &[SELF_NET, "--", "echo", "-t"], &["-n/proc/self/ns/net", "-", "x"],
    &[SELF_NET, "sh", "-c", "exit 7"], &[SELF_NET, "sh", "-c", "kill -TERM $$"],
    &[SELF_NET, "-S", "1", "id"], &["-S", "1", "-G", "2", SELF_NET, "id"],
    &["-G", "4294967297", SELF_NET, "id"], &["-S", "4294967295", SELF_NET, "id"],
    &["-S", "-0", SELF_NET, "id", "-u"], &[SELF_NET, ""],
];

/// Rows against a container (new PID, mount, UTS, IPC and network namespaces, hostname `nst-ct`,
/// started in `{D}` with a small environment): `{T}` is its sleeping PID 1.
#[rustfmt::skip]
const CONTAINER: &[&[&str]] = &[
    &["-t", "{T}", "-m", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-u", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-i", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-n", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-p", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-C", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-T", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-U", "sh", "-c", "{SCRIPT}"],
    &["--target", "{T}", "--mount", "--uts", "--ipc", "--net", "--pid", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-a", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-a", "-F", "sh", "-c", "{SCRIPT}"],
    &["--target={T}", "--all", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-a", "-U", "true"],
    &["-t", "{T}", "-a", SELF_NET, "sh", "-c", "{SCRIPT}"], &["-t{T}", "-mup", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-p", "-F", "sh", "-c", "{SCRIPT}"], &["-t", "{T}", "-m", "-p", "-F", "true"],
    &["-t", "{T}", "-u", "-m/proc/self/ns/mnt", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-m", "-m/proc/self/ns/mnt", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-m/proc/self/ns/mnt", "-m", "sh", "-c", "{SCRIPT}"],
    &["-u/proc/{T}/ns/uts", "hostname"], &["--uts=/proc/{T}/ns/uts", "--net=/proc/{T}/ns/net", "sh", "-c", "{SCRIPT}"],
    &["-t", "{T}", "-t", "{T}", "-u", "hostname"], &["-t", "999999999", "-t", "{T}", "-u", "hostname"],
    &["-t", "{T}", "-t", "999999999", "-u", "hostname"],
    // Long forms and their prefixes.
    &["--target", "{T}", "--uts", "--env", "sh", "-c", "hostname; env"], &["--target={T}", "--mount", "--root", "--wd", "pwd"],
    &["--target={T}", "--mount", "--wdns=/usr", "pwd"], &["-t", "{T}", "--no-fork", "--pid", "true"],
    &["-t", "{T}", "--follow-context", "--uts", "hostname"], &["-t", "{T}", "--setuid=1", "--setgid", "2", "--uts", "id"],
    &["-t", "{T}", "--ipc", "--cgroup", "--time", "--net", "sh", "-c", "{SCRIPT}"], &["--targ", "{T}", "--mou", "--ut", "hostname"],
    &["-t", "{T}", "--wdn=/etc", "--m", "pwd"], &["-t", "{T}", "--wd", "--u", "pwd"], &["-t", "{T}", "--pre", "--kee", "-u", "id"],
    &["-t", "{T}", "--user-", "-u", "true"], &["-t", "{T}", "--al", "--no", "true"], &["-t", "{T}", "--e", "-u", "true"],
    // Root and working directories.
    &["-t", "{T}", "-r", "true"], &["-t", "{T}", "-w", "true"], &["-t", "{T}", "-W", "true"],
    &["-t", "{T}", "-m", "-r", "pwd"], &["-t", "{T}", "-m", "-w", "pwd"], &["-t", "{T}", "-m", "-r", "-w", "pwd"],
    &["-t", "{T}", "-u", "-w", "pwd"], &["-t", "{T}", "-u", "--wd=/usr", "pwd"], &["-t", "{T}", "-m", "-W/usr/bin", "pwd"],
    &["-t", "{T}", "-m", "-W", "pwd"], &["-t", "{T}", "-m", "-W", "/"], &["-t", "{T}", "-m", "-W/nonexistent-nst", "pwd"],
    &["-t", "{T}", "-m", "-r", "-W/etc", "pwd"], &["-t", "{T}", "-m", "-r/usr", "-w", "/bin/pwd"],
    &["-t", "{T}", "-m", "-w/usr", "-w", "pwd"], &["-t", "{T}", "-m", "-w", "-w/usr", "pwd"],
    // Environment.
    &["-t", "{T}", "-e", "true"], &["-t", "{T}", "-u", "-e", "env"], &["-t", "{T}", "-e", "-u", "sh", "-c", "echo \"$NST_CT\""],
    &["-t", "{T}", "-e", "-u", "-w", "sh", "-c", "pwd; env"], &["-t", "{T}", "-e", "-u", "nosuchprog-nst"],
    // Credentials.
    &["-t", "{T}", "-u", "-S", "0", "-G", "0", "id"], &["-t", "{T}", "-u", "-S", "1", "id"],
    &["-t", "{T}", "-u", "-G", "1", "id"], &["-t", "{T}", "-u", "-S", "follow", "-G", "follow", "id"],
    &["-t", "{T}", "-S", "follow", "true"], &["-t", "{T}", "-u", "--preserve-credentials", "id"],
    &["-t", "{T}", "-u", "--keep-caps", "grep", "Cap", "/proc/self/status"],
    &["-t", "{T}", "-u", "-S", "1", "grep", "Cap", "/proc/self/status"],
    &["-t", "{T}", "-U", "--keep-caps", "true"], &["-t", "{T}", "--user-parent", "-u", "true"],
    &["-t", "{T}", "--user-parent", "true"], &["-t", "{T}", "-Z", "-u", "hostname"],
    // -N where the target's descriptors are not sockets.
    &["-t", "{T}", "-N", "0", "true"], &["-t", "{T}", "-N", "99", "true"], &["-t", "{T}", "-N", "0", "-n", "true"],
    &["-t", "{T}", "-n", "-N", "-1", "hostname"], &["-t", "{T}", "-r", "-N", "2", "true"],
    // Exit status and signals, through the fork for the PID namespace.
    &["-t", "{T}", "-p", "sh", "-c", "exit 7"], &["-t", "{T}", "-p", "-u", "sh", "-c", "kill -TERM $$"],
    &["-t", "{T}", "-p", "sh", "-c", "kill -KILL $$"], &["-t", "{T}", "-p", "nosuchprog-nst"],
    &["-t", "{T}", "-p", "/etc/passwd"],
];

/// Rows against a process in a user namespace of its own (root mapped to root) and a UTS
/// namespace: `{U}`.
#[rustfmt::skip]
const USER_NS: &[&[&str]] = &[
    &["-t", "{U}", "-U", "sh", "-c", "{CREDS}"], &["-t", "{U}", "-U", "--keep-caps", "sh", "-c", "{CREDS}"],
    &["-t", "{U}", "-U", "--preserve-credentials", "sh", "-c", "{CREDS}"],
    &["-t", "{U}", "-U", "-S", "0", "-G", "0", "sh", "-c", "{CREDS}"], &["-t", "{U}", "-U", "-S", "5", "true"],
    &["-t", "{U}", "-U", "-G", "5", "true"], &["-t", "{U}", "-a", "sh", "-c", "{CREDS}; hostname"],
    &["-t", "{U}", "-U", "-u", "hostname"], &["-t", "{U}", "-u", "hostname"],
    &["-t", "{U}", "-U", "--user-parent", "true"], &["-t", "{U}", "--user-parent", "-u", "true"],
    &["-U/proc/{U}/ns/user", "sh", "-c", "{CREDS}"], &["--user=/proc/{U}/ns/user", "--user-parent", "true"],
    &["-t", "{U}", "-U", "-S", "follow", "id", "-u"], &["-t", "{U}", "-U", "--keep-caps", "-S", "0", "true"],
    &["-t", "{U}", "--user-parent", "--uts=/proc/{U}/ns/uts", "readlink", "/proc/self/ns/user"],
    &["-t", "{U}", "--user-parent", "--net=/proc/{U}/ns/net", "true"], &["--user-parent", "--uts=/proc/{U}/ns/uts", "true"],
    &["-t", "{U}", "--user-parent", "-U/proc/{U}/ns/user", "true"], &["-t", "{U}", "-U", "-u", "--keep-caps", "sh", "-c", "{CREDS}"],
];

/// Rows against a process in a network namespace of its own holding, as its stdin, a socket
/// made in ours: `{S}`.
#[rustfmt::skip]
const SOCKET: &[&[&str]] = &[
    &["-t", "{S}", "-N", "0", "readlink", "/proc/self/ns/net"], &["-t", "{S}", "--net-socket=0", "readlink", "/proc/self/ns/net"],
    &["-t", "{S}", "-n", "readlink", "/proc/self/ns/net"], &["-t", "{S}", "-N", "0", "-n", "readlink", "/proc/self/ns/net"],
    &["-t", "{S}", "-n", "-N", "0", "readlink", "/proc/self/ns/net"], &["-t", "{S}", "-N", "1", "true"],
    &["-t", "{S}", "-N", "77", "true"], &["-t", "{S}", "-N", "0", "-N", "-1", "true"],
    &["-t", "{S}", "-a", "-N", "0", "readlink", "/proc/self/ns/net"], &["-t", "{S}", "-r", "-w", "-N", "5", "true"],
];

/// Rows run as uid 4242 against that user's container (a user namespace mapping root to 4242,
/// with mount, UTS and network namespaces): `{R}`.
#[rustfmt::skip]
const ROOTLESS: &[&[&str]] = &[
    &["-t", "{R}", "-U", "-m", "-u", "-n", "--preserve-credentials", "sh", "-c", "id -u; hostname; sed 1,2d /proc/net/dev | cut -d: -f1"],
    &["-t", "{R}", "-U", "-u", "true"], &["-t", "{R}", "-a", "true"], &["-t", "{R}", "-U", "true"],
    &["-t", "{R}", "-u", "true"], &["-t", "{R}", "-U", "--preserve-credentials", "sh", "-c", "{CREDS}"],
    &["-t", "{R}", "-U", "-u", "--preserve-credentials", "hostname"],
    &["-t", "{R}", "-U", "-S", "0", "-G", "0", "--preserve-credentials", "id"],
    &["-t", "{R}", "-U", "-m", "--preserve-credentials", "-r", "-w", "pwd"],
    &["-t", "{R}", "-U", "-u", "--keep-caps", "--preserve-credentials", "sh", "-c", "{CREDS}"],
    &["-t", "{R}", "--user-parent", "-u", "true"], &["-t", "{R}", "-N", "0", "true"],
    &["-t", "{R}", "-U", "-p", "--preserve-credentials", "true"], &["-t", "{R}", "-e", "-U", "--preserve-credentials", "true"],
    &["-t", "{R}", "-S", "follow", "-U", "--preserve-credentials", "id", "-u"], &["-t", "1", "-u", "true"],
];

/// Rows against PIDs with no process: one that ended (`{GONE}`), one above the kernel's maximum.
#[rustfmt::skip]
const GONE: &[&[&str]] = &[
    &["-t", "{GONE}", "-u", "true"], &["-t", "{GONE}", "-a", "true"], &["-t", "{GONE}", "-N", "0", "true"],
    &["-t", "{GONE}", "--user-parent", "true"], &["-t", "{GONE}", "-r", "true"], &["-t", "{GONE}", "-w", "true"],
    &["-t", "{GONE}", "-e", SELF_NET, "true"], &["-t", "{GONE}", "-S", "follow", SELF_NET, "true"],
    &["-t", "{GONE}", "-U", "-m", "true"],
    &["-t", "999999999", "-m", "true"], &["-t", "999999999", "-a", "true"],
    &["--target", "999999999", "--uts", "--net", "true"], &["-t", "999999999", "-N", "0", "true"],
    &["-t", "4294967295", "-N", "0", "true"],
];

/// `-c` rows, with what util-linux 2.41 does on a cgroup2 host (see [`Joined`]); `{T}` is the
/// container, `{GONE}` a process that ended.
#[rustfmt::skip]
const JOIN_CGROUP: &[(&[&str], i32, &str, &str)] = &[
    (&["-c", "true"], 1, "", "nsenter: neither filename nor target pid supplied for cgroup\n"),
    (&["-c", "-u", "true"], 1, "", "nsenter: no target PID specified\n"),
    (&["-c", SELF_NET, "true"], 1, "", "nsenter: neither filename nor target pid supplied for cgroup\n"),
    (&["-t", "{T}", "-c", "true"], 1, "", "nsenter: no namespace specified\n"),
    (&["-t", "{T}", "-c", "-u", "true"], 0, "", ""),
    (&["--join-cgroup", "-t", "{T}", "-u", "hostname"], 0, "nst-ct\n", ""),
    (&["-t", "{T}", "-a", "-c", "true"], 0, "", ""),
    (&["-t", "{T}", "-c", "-p", "-e", "sh", "-c", "echo \"$NST_CT\""], 0, "in the container\n", ""),
    (&["-t", "{T}", "-c", "-N", "99", "true"], 1, "", "nsenter: pidfd_getfd(3, 99): Bad file descriptor\n"),
    (&["-t", "{GONE}", "-c", SELF_NET, "true"], 1, "", "nsenter: cannot open /proc/{GONE}/cgroup: No such file or directory\n"),
    (&["-t", "999999999", "-c", "-u", "true"], 1, "", "nsenter: cannot open /proc/999999999/ns/uts: No such file or directory\n"),
];

/// A sleeping process whose environment is exactly `env` (execve with that envp, through
/// python's ctypes: neither `env` nor std can pass entries without `=`).
fn exec_with_environment(env: &[&str]) -> Result<Container, String> {
    let entries: Vec<String> = env.iter().map(|e| format!("b{e:?}")).collect();
    let script = format!(
        "import ctypes\n\
         libc = ctypes.CDLL(None)\n\
         env = [{}]\n\
         argv = (ctypes.c_char_p * 3)(b'/bin/sleep', b'300', None)\n\
         envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)\n\
         libc.execve(b'/bin/sleep', argv, envp)\n",
        entries.join(", ")
    );
    let mut cmd = Command::new("python3");
    cmd.args(["-c", &script]);
    start(&mut cmd, 0, "sleep")
}

/// What the commands in the container print: hostname, every namespace, the working directory.
const SCRIPT: &str = "hostname; for n in ipc mnt net pid uts user cgroup time; do \
                      readlink /proc/self/ns/$n; done; pwd";
/// What the commands in a user namespace print: credentials, user namespace, capabilities.
const CREDS: &str = "id -u; id -g; readlink /proc/self/ns/user; grep Cap /proc/self/status";

fn matrix(suite: &mut Suite) {
    suite.test("matrix::without_a_target", &[NEWEST, Need::Root], || {
        run_rows(WITHOUT_TARGET, &[])
    });

    suite.test(
        "matrix::no_program_runs_the_login_shell",
        &[NEWEST, Need::Root],
        || {
            for args in [
                &[SELF_NET][..],
                &["-F", SELF_NET][..],
                &["--uts=/proc/self/ns/uts"][..],
            ] {
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                let out = compare(&args, Some("echo \"$0\"; hostname\n"), None)?;
                ensure!(out.stdout.starts_with("-sh\n"), "{args:?}: {}", out.show());
            }
            Ok(())
        },
    );

    suite.test("matrix::a_container", PRIV, || {
        let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("nsenter-matrix"));
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        let _cleanup = RemoveDir(dir.clone());
        let env = [
            ("PATH", "/usr/bin:/bin"),
            ("NST_CT", "in the container"),
            ("EMPTY", ""),
            ("Z", "1"),
        ];
        let ct = container_in(&dir, &env)?;
        run_rows(
            CONTAINER,
            &[
                ("{T}", ct.pid()),
                ("{SCRIPT}", SCRIPT.to_string()),
                ("{D}", dir.display().to_string()),
            ],
        )
    });

    suite.test(
        "matrix::a_user_namespace",
        &[Need::Root, Need::UserNamespaces, NEWEST],
        || {
            let mut cmd = Command::new(container_unshare());
            cmd.args([
                "--user",
                "--map-user=0",
                "--map-group=0",
                "--uts",
                "--fork",
                "sleep",
                "300",
            ]);
            let t = start(&mut cmd, 1, "sleep")?;
            run_rows(USER_NS, &[("{U}", t.pid()), ("{CREDS}", CREDS.to_string())])
        },
    );

    suite.test("matrix::a_socket", &[Need::Root, NEWEST], || {
        let (mine, theirs) = UnixStream::pair().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(container_unshare());
        cmd.args(["-n", "sleep", "300"])
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
            .stdout(Stdio::null());
        let guard = ChildGuard::spawn(&mut cmd)?;
        ensure!(
            wait_until(Duration::from_secs(10), || comm(guard.pid()) == "sleep"),
            "target did not start"
        );
        drop(mine);
        run_rows(SOCKET, &[("{S}", guard.pid().to_string())])
    });

    suite.test("matrix::join_cgroup", PRIV, || {
        let ct = container_in(Path::new("/"), &[("NST_CT", "in the container")])?;
        let mut child = Command::new("true").spawn().map_err(|e| e.to_string())?;
        let gone = child.id().to_string();
        child.wait().map_err(|e| e.to_string())?;
        let with = [("{T}", ct.pid()), ("{GONE}", gone)];
        let mut failures = Vec::new();
        let mut refusal_compared = false;
        for (row, code, stdout, stderr) in JOIN_CGROUP {
            let args = fill(row, &with);
            let want = (*code, *stdout, fill(&[stderr], &with).remove(0));
            // Where util-linux refuses -c (a host whose /sys/fs/cgroup is not cgroup2) there is
            // nothing to compare: ours is held to what util-linux does on a cgroup2 host, and
            // one comparison records the refusal among the allowed differences.
            let refused = run(Command::new(newest("nsenter"))
                .arg0("nsenter")
                .args(&args)
                .env("LC_ALL", "C"))?
            .stderr
                == REFUSES_JOIN;
            let outcome = if !refused {
                compare(&args, None, None).map(|_| ())
            } else if !refusal_compared {
                refusal_compared = true;
                compare(&args, None, Some(want)).map(|_| ())
            } else {
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = nsenter(&argv)?;
                let got = (out.code, out.stdout.as_str(), out.stderr.clone());
                (got == (Some(want.0), want.1, want.2.clone()))
                    .then_some(())
                    .ok_or_else(|| format!("nsenter {args:?}: want {want:?}\n{}", out.show()))
            };
            if let Err(e) = outcome {
                failures.push(e);
            }
        }
        ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
        Ok(())
    });

    suite.test(
        "matrix::target_environment",
        &[Need::Root, NEWEST, Need::Program("python3")],
        || {
            // Environments `env` cannot make: entries without `=`, an empty name, duplicates.
            let environments: &[&[&str]] = &[
                &["A=1", "junk", "B=2", "C=3"],
                &["A=1", "A=2", "B=", "C=x=y"],
                &["A=1", "=v", "B=2"],
                &["A=1"],
                &["junk"],
                &[],
            ];
            let mut failures = Vec::new();
            for env in environments {
                let target = exec_with_environment(env)?;
                for row in [
                    &["-e", "-u", "env"][..],
                    &["-e", "-u", "sh", "-c", "echo \"$A\""][..],
                ] {
                    let mut args = vec!["-t".to_string(), target.pid()];
                    args.extend(row.iter().map(|a| a.to_string()));
                    if let Err(e) = compare(&args, None, None) {
                        failures.push(format!("environment {env:?}: {e}"));
                    }
                }
            }
            ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
            Ok(())
        },
    );

    suite.test(
        "matrix::rootless_container_entered_by_its_owner",
        &[Need::Root, Need::UserNamespaces, NEWEST],
        || {
            let as_user = [
                "/usr/bin/setpriv",
                "--reuid=4242",
                "--regid=4242",
                "--clear-groups",
            ];
            let mut cmd = Command::new(as_user[0]);
            cmd.args(&as_user[1..])
                .arg(container_unshare())
                .args(["--user", "--map-root-user", "--fork", "-m", "-u", "-n"])
                .args(["sh", "-c", "hostname rootless; exec sleep 300"]);
            let ct = start(&mut cmd, 1, "sleep")?;
            let with = [("{R}", ct.pid()), ("{CREDS}", CREDS.to_string())];
            let mut failures = Vec::new();
            for row in ROOTLESS {
                let args = fill(row, &with);
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                let check = Differential::newest("nsenter", &argv).wrapped(&as_user);
                if let Err(e) = check.check() {
                    failures.push(e);
                }
            }
            ensure!(failures.is_empty(), "{}", failures.join("\n\n"));
            Ok(())
        },
    );

    suite.test("matrix::getopt_names_argv0_as_given", &[NEWEST], || {
        for args in [&["--bogus"][..], &["-x"], &["--n", "true"], &["-t"]] {
            let side = |bin: PathBuf| {
                run(Command::new(bin)
                    .arg0("/usr/local/bin/nsenter")
                    .args(args)
                    .env("LC_ALL", "C"))
            };
            let (mine, theirs) = (side(ours("nsenter"))?, side(newest("nsenter"))?);
            ensure_eq!(
                mine,
                theirs,
                "nsenter {args:?} started as /usr/local/bin/nsenter"
            );
            ensure!(
                theirs.stderr.starts_with("/usr/local/bin/nsenter: "),
                "{}",
                theirs.show()
            );
        }
        Ok(())
    });

    suite.test("matrix::gone", &[Need::Root, NEWEST], || {
        let mut child = Command::new("true").spawn().map_err(|e| e.to_string())?;
        let gone = child.id().to_string();
        child.wait().map_err(|e| e.to_string())?;
        run_rows(GONE, &[("{GONE}", gone)])
    });
}

fn version(suite: &mut Suite) {
    suite.test("cli::version_names_nstools", &[], || {
        let out = nsenter(&["-t", "1", "-V", "--bogus"])?;
        ensure_eq!(
            out.stdout,
            format!("nsenter from nstools {}\n", env!("CARGO_PKG_VERSION"))
        );
        ensure_eq!(out.code, Some(0));
        Ok(())
    });
}

// ------------------------------------------------------------------------------------------------
// The container: what the walkthrough does.

const PRIV: &[Need] = &[Need::Root, Need::MountNamespaces, NEWEST];

fn container_tests(suite: &mut Suite) {
    suite.test("e2e::walkthrough_command_sees_the_container", PRIV, || {
        let ct = container()?;
        let pid = ct.pid();
        let out = nsenter(&[
            "--target",
            &pid,
            "--mount",
            "--uts",
            "--ipc",
            "--net",
            "--pid",
            "/bin/sh",
            "-c",
            "hostname; echo ---; tail -n +3 /proc/net/dev; echo ---; /usr/bin/ps aux; echo ---; \
             readlink /proc/self/ns/mnt; cat /proc/self/mountinfo",
        ])?;
        ok(&out, "nsenter into the container")?;
        let parts: Vec<&str> = out.stdout.split("---\n").collect();
        ensure_eq!(parts.len(), 4, "output sections:\n{}", out.stdout);
        ensure_eq!(parts[0], "nst-ct\n", "the container's hostname");
        let ifaces: Vec<&str> = parts[1]
            .lines()
            .filter_map(|l| l.split(':').next())
            .map(str::trim)
            .collect();
        ensure_eq!(ifaces, vec!["lo"], "only lo in /proc/net/dev");

        let ps: Vec<&str> = parts[2].lines().collect();
        ensure!(
            ps.first().is_some_and(|h| h.starts_with("USER")),
            "ps header:\n{}",
            parts[2]
        );
        let rows: Vec<(u32, String)> = ps[1..]
            .iter()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                Some((f.get(1)?.parse().ok()?, f.get(10..)?.join(" ")))
            })
            .collect();
        ensure!(
            rows.iter().any(|(p, c)| *p == 1 && c == "sleep 300"),
            "PID 1 must be the container's sleep:\n{}",
            parts[2]
        );
        for (p, cmd) in &rows {
            ensure!(
                cmd == "sleep 300"
                    || cmd.starts_with("/bin/sh -c hostname")
                    || cmd == "/usr/bin/ps aux",
                "a process that is not the container's (pid {p}): {cmd}\n{}",
                parts[2]
            );
        }
        ensure!(
            rows.len() <= 3,
            "only the container's processes:\n{}",
            parts[2]
        );

        let mut mnt = parts[3].lines();
        ensure_eq!(
            mnt.next().unwrap_or(""),
            ns_link(&pid, "mnt")?,
            "the container's mount namespace"
        );
        let inside: Vec<&str> = mnt.collect();
        let theirs =
            std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).map_err(|e| e.to_string())?;
        ensure_eq!(
            inside,
            theirs.lines().collect::<Vec<_>>(),
            "the container's mounts"
        );
        let host = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| e.to_string())?;
        ensure!(
            host != theirs,
            "the container's mounts must differ from ours"
        );
        Ok(())
    });

    suite.test(
        "e2e::same_as_util_linux_in_the_container",
        &[Need::Root, Need::MountNamespaces, NEWEST, DEBIAN12],
        || {
            let ct = container()?;
            let pid = ct.pid();
            // Interface names, not /proc/net/dev itself: where the net ns is not entered the host's
            // byte counters can move between the two runs (the one flake this test had).
            let script = "hostname; sed 1,2d /proc/net/dev | cut -d: -f1; \
                      for n in ipc mnt net pid uts user cgroup time; do \
                      readlink /proc/self/ns/$n; done; cat /proc/1/cmdline; echo; pwd";
            for opts in [
                vec!["-m", "-u", "-i", "-n", "-p"],
                vec!["-a"],
                vec!["-a", "-F"],
                vec!["-m", "-p", "-r", "-w"],
                vec!["-u", "-n", "--wd=/usr"],
            ] {
                let mut args = vec!["-t", pid.as_str()];
                args.extend(opts);
                args.extend(["/bin/sh", "-c", script]);
                let (o, _) = Differential::newest("nsenter", &args).check()?;
                ok(&o, &format!("{args:?}"))?;
                // The walkthrough's commands, which scripts written for Debian 12 use, as there.
                let (old, _) = Differential::new("nsenter", &args).check()?;
                ensure_eq!(o, old, "{args:?}: 2.41 and Debian 12's 2.38");
                let uts = args.contains(&"-u") || args.contains(&"-a");
                ensure_eq!(
                    o.stdout.starts_with("nst-ct\n"),
                    uts,
                    "{args:?}: the container's hostname iff its UTS namespace is entered\n{}",
                    o.show()
                );
            }
            Ok(())
        },
    );

    suite.test(
        "e2e::all_enters_every_namespace_but_our_own_user_ns",
        PRIV,
        || {
            let ct = container()?;
            let pid = ct.pid();
            let out = nsenter(&[
                "-t",
                &pid,
                "-a",
                "/bin/sh",
                "-c",
                "for n in cgroup ipc mnt net pid time user uts; do readlink /proc/self/ns/$n; done",
            ])?;
            ok(&out, "nsenter -a")?;
            let got: Vec<&str> = out.stdout.lines().collect();
            let mut want = Vec::new();
            for n in ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"] {
                want.push(ns_link(&pid, n)?);
            }
            ensure_eq!(got, want, "every namespace of the target");
            ensure_eq!(
                ns_link(&pid, "user")?,
                ns_link("self", "user")?,
                "(the user ns is shared)"
            );
            ensure!(
                ns_link(&pid, "net")? != ns_link("self", "net")?,
                "the container has its own net ns"
            );
            Ok(())
        },
    );

    suite.test(
        "e2e::everything_is_opened_before_the_first_setns",
        PRIV,
        || {
            let ct = container()?;
            let pid = ct.pid();
            let mut cmd = Command::new(ours("nsenter"));
            cmd.args(["-t", &pid, "-a", "-r", "-w", "-e", "true"])
                .env("NSTOOLS_LOG", "debug");
            let out = run(&mut cmd)?;
            ok(&out, "nsenter -a -r -w -e with debug logging")?;
            let lines: Vec<&str> = out.stderr.lines().collect();
            let opens: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains("] open /proc/"))
                .collect();
            let setns: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains("] setns("))
                .collect();
            // root, cwd, environ; the namespaces (user is ours, skipped) through the pidfd, all
            // but the user namespace in one setns.
            ensure_eq!(opens.len(), 3, "opens:\n{}", out.stderr);
            ensure_eq!(setns.len(), 1, "setns calls:\n{}", out.stderr);
            ensure!(
                opens.last() < setns.first(),
                "an open came after a setns:\n{}",
                out.stderr
            );
            Ok(())
        },
    );

    suite.test(
        "e2e::no_program_runs_the_shell_as_a_login_shell",
        PRIV,
        || {
            let ct = container()?;
            let pid = ct.pid();
            for shell in ["/bin/sh", "/bin/bash"] {
                let (o, _) = Differential::newest("nsenter", &["-t", &pid, "-u"])
                    .env("SHELL", shell)
                    .stdin(b"echo \"$0\"; hostname\n")
                    .check()?;
                let base = Path::new(shell).file_name().unwrap().to_string_lossy();
                ensure_eq!(o.stdout, format!("-{base}\nnst-ct\n"));
            }
            let (check, expected) =
                without_shell_variable(Differential::newest("nsenter", &["-t", &pid, "-u"]))?;
            let (o, _) = check.check()?;
            ensure_eq!(o.stdout, expected);
            Ok(())
        },
    );

    suite.test("e2e::net_file_persisted_by_unshare", PRIV, || {
        let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("nsenter-netfile"));
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        let _cleanup = RemoveDir(dir.clone());
        // Everything happens in a private mount namespace: the tmpfs, the bind mount of the
        // network namespace and the namespace itself vanish with it.
        let script = format!(
            "set -e; d='{d}'; mount -t tmpfs nst-netfile \"$d\"; touch \"$d/net\"; \
             '{unshare}' --net=\"$d/net\" true; \
             stat -L -c 'net:[%i]' \"$d/net\"; \
             '{nsenter}' --net=\"$d/net\" sh -c 'readlink /proc/self/ns/net; tail -n +3 /proc/net/dev'; \
             umount \"$d/net\"; umount \"$d\"",
            d = dir.display(),
            unshare = container_unshare().display(),
            nsenter = ours("nsenter").display()
        );
        let out = run(Command::new(container_unshare()).args(["-m", "sh", "-c", &script]))?;
        ok(&out, "persist with unshare --net=FILE, enter with nsenter --net=FILE")?;
        let lines: Vec<&str> = out.stdout.lines().collect();
        ensure_eq!(lines.len(), 3, "output:\n{}", out.stdout);
        ensure_eq!(lines[0], lines[1], "nsenter entered the persisted namespace");
        ensure!(lines[1] != ns_link("self", "net")?, "not our own namespace");
        ensure!(lines[2].trim_start().starts_with("lo:"), "a fresh namespace has only lo: {}", lines[2]);
        Ok(())
    });
}

struct RemoveDir(PathBuf);
impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

// ------------------------------------------------------------------------------------------------
// Exit status, signals, stops.

fn status_tests(suite: &mut Suite) {
    suite.test(
        "e2e::exit_codes_and_signals_mirrored_like_util_linux",
        PRIV,
        || {
            let ct = container()?;
            let pid = ct.pid();
            let cases: &[(&str, Option<i32>, Option<i32>)] = &[
                ("exit 7", Some(7), None),
                ("kill -TERM $$", None, Some(15)),
                ("kill -SEGV $$", None, Some(11)),
                ("kill -KILL $$", None, Some(9)),
            ];
            for (script, code, signal) in cases {
                for fork in [&["-p"][..], &["-p", "-u"][..]] {
                    let mut args = vec!["-t", pid.as_str()];
                    args.extend(fork);
                    args.extend(["sh", "-c", script]);
                    let (o, _) = Differential::newest("nsenter", &args)
                        .allow("a core dump may be reported differently", |_, o| {
                            o.stderr.clear()
                        })
                        .check()?;
                    ensure_eq!((o.code, o.signal), (*code, *signal), "{args:?}");
                }
            }
            // 126/127 from the forked child, mirrored by the parent.
            for (prog, code, msg) in [
                (
                    "nosuchprog-nst",
                    127,
                    "nsenter: failed to execute nosuchprog-nst: No such file or directory\n",
                ),
                (
                    "/etc/passwd",
                    126,
                    "nsenter: failed to execute /etc/passwd: Permission denied\n",
                ),
            ] {
                let (o, _) = Differential::newest("nsenter", &["-t", &pid, "-p", prog]).check()?;
                ensure_eq!((o.code, o.stderr.as_str()), (Some(code), msg));
            }
            Ok(())
        },
    );

    suite.test(
        "e2e::a_stopped_child_stops_nsenter_and_is_continued_with_it",
        PRIV,
        || {
            let ct = container()?;
            let mut cmd = Command::new(ours("nsenter"));
            cmd.args(["-t", &ct.pid(), "-p", "sh", "-c", "kill -STOP $$; exit 3"]);
            let mut runner = ChildGuard::spawn(&mut cmd)?;
            let me = runner.pid();
            let state = |pid: i32| {
                std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .ok()
                    .and_then(|s| s.rfind(')').and_then(|i| s[i + 2..].chars().next()))
            };
            ensure!(
                wait_until(Duration::from_secs(10), || state(me) == Some('T')),
                "nsenter did not stop when its child stopped (state {:?})",
                state(me)
            );
            let child = children(me)
                .first()
                .copied()
                .ok_or("nsenter has no child")?;
            ensure_eq!(state(child), Some('T'), "the child is stopped");
            // SAFETY: kill(2) on the nsenter this test started.
            unsafe { libc::kill(me, libc::SIGCONT) };
            let status = runner.wait_timeout(Duration::from_secs(10))?;
            ensure_eq!(
                status.code(),
                Some(3),
                "continued together, the child's status mirrored"
            );
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------------
// The other options.

fn option_tests(suite: &mut Suite) {
    suite.test("e2e::env_takes_the_targets_environment", PRIV, || {
        let ct = container_in(
            Path::new("/"),
            &[
                ("PATH", "/usr/bin:/bin"),
                ("NST_CT", "in the container"),
                ("EMPTY", ""),
            ],
        )?;
        let environ =
            std::fs::read(format!("/proc/{}/environ", ct.pid())).map_err(|e| e.to_string())?;
        let mut want: Vec<String> = environ
            .split(|&b| b == 0)
            .filter(|e| !e.is_empty())
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect();
        want.sort();
        let mut cmd = Command::new(ours("nsenter"));
        cmd.args(["-t", &ct.pid(), "-u", "-e", "env"])
            .env("NST_HOST_ONLY", "1");
        let out = run(&mut cmd)?;
        ok(&out, "nsenter -e")?;
        let mut got: Vec<String> = out.stdout.lines().map(str::to_string).collect();
        got.sort();
        ensure_eq!(got, want, "the environment is the target's, ours is gone");
        Ok(())
    });

    suite.test("e2e::root_and_working_directories", PRIV, || {
        let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("nsenter-wd"));
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        let _cleanup = RemoveDir(dir.clone());
        let ct = container_in(&dir, &[])?;
        let pid = ct.pid();
        let d = dir.to_string_lossy().into_owned();
        for (opts, want) in [
            (vec!["-m", "-w"], d.clone()),
            (vec!["-m", "-r", "-w"], d.clone()),
            (vec!["-m", "--wd=/usr"], "/usr".to_string()),
            (vec!["-m", "-W/tmp"], "/tmp".to_string()),
            (vec!["-m", "-W/usr/bin"], "/usr/bin".to_string()),
            (vec!["-m", "-r"], "/".to_string()),
        ] {
            let mut args = vec!["-t", pid.as_str()];
            args.extend(opts.iter().copied());
            args.push("pwd");
            let out = nsenter(&args)?;
            ok(&out, &format!("{args:?}"))?;
            ensure_eq!(out.stdout.trim_end(), want, "{args:?}");
        }
        Ok(())
    });

    suite.test(
        "e2e::join_cgroup_on_every_hierarchy",
        &[Need::Root, Need::MountNamespaces],
        || {
            // A busy host: a named v1 hierarchy that our mount namespace does not show.
            let foreign = ForeignHierarchy::mount()?;
            let ct = container()?;
            let pid = ct.pid();
            // Put the container's init (ours) into a group of our own in every hierarchy mounted
            // here (writable), so that nsenter -c only ever writes to groups this test created.
            let mut groups = Vec::new();
            for root in cgroup_roots() {
                let g = TestCgroup::create(&root, "nsenter-c")?;
                for f in ["cpuset.cpus", "cpuset.mems"] {
                    if let Ok(v) = std::fs::read_to_string(root.join(f)) {
                        g.write(f, v.trim())?;
                    }
                }
                g.write("cgroup.procs", &pid)?;
                groups.push(g);
            }
            let theirs = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
                .map_err(|e| e.to_string())?;
            let (here, elsewhere): (Vec<&str>, Vec<&str>) =
                theirs.lines().partition(|l| mounted_here(l));
            ensure!(
                here.iter().all(|l| l.contains("/nst-nsenter-c-")),
                "the target must be in our groups in every hierarchy mounted here:\n{theirs}"
            );
            ensure!(
                elsewhere
                    .iter()
                    .any(|l| l.split(':').nth(1) == Some(&foreign.controllers)),
                "{} is listed and not mounted here:\n{theirs}",
                foreign.controllers
            );
            for extra in [&[][..], &["-p"][..], &["-a"][..]] {
                let mut args = vec!["-t", pid.as_str(), "-u", "-c"];
                args.extend(extra);
                args.extend(["cat", "/proc/self/cgroup"]);
                let out = nsenter(&args)?;
                ok(&out, &format!("{args:?}"))?;
                if extra == ["-a"] {
                    // Inside the target's cgroup namespace (the host's here) the paths read the same.
                    ensure_eq!(ns_link(&pid, "cgroup")?, ns_link("self", "cgroup")?);
                }
                // A hierarchy not mounted here cannot be joined: there both stay where they
                // were started (in the same group, ours).
                ensure_eq!(
                    out.stdout,
                    theirs,
                    "{args:?}: the shell is in the target's cgroups"
                );
            }
            // Without -c nothing moves.
            let out = nsenter(&["-t", &pid, "-u", "cat", "/proc/self/cgroup"])?;
            ensure!(out.stdout != theirs, "without -c the cgroups stay ours");
            drop(groups);
            Ok(())
        },
    );

    suite.test(
        "e2e::setuid_setgid_numbers_and_follow",
        &[Need::Root, NEWEST],
        || {
            let mut cmd = Command::new("/usr/bin/setpriv");
            cmd.args([
                "--reuid=4242",
                "--regid=4343",
                "--clear-groups",
                "sleep",
                "300",
            ]);
            let t = start(&mut cmd, 0, "sleep")?;
            let pid = t.pid();
            let out = nsenter(&["-t", &pid, "-S", "follow", "-G", "follow", "-u", "id"])?;
            ok(&out, "-S follow -G follow")?;
            ensure_eq!(out.stdout, "uid=4242 gid=4343 groups=4343\n");
            let (o, _) = Differential::newest(
                "nsenter",
                &["-t", &pid, "-S", "4444", "-G", "4545", "-u", "id"],
            )
            .check()?;
            ensure_eq!(o.stdout, "uid=4444 gid=4545 groups=4545\n");
            Ok(())
        },
    );

    suite.test(
        "e2e::user_namespace_credentials_and_keep_caps",
        &[Need::Root, Need::UserNamespaces, NEWEST],
        || {
            let mut cmd = Command::new(container_unshare());
            cmd.args([
                "--user",
                "--map-user=0",
                "--map-group=0",
                "--fork",
                "sleep",
                "300",
            ]);
            let t = start(&mut cmd, 1, "sleep")?;
            let pid = t.pid();
            let script = "id -u; id -g; readlink /proc/self/ns/user; grep CapAmb /proc/self/status";
            let (o, _) =
                Differential::newest("nsenter", &["-t", &pid, "-U", "sh", "-c", script]).check()?;
            let lines: Vec<&str> = o.stdout.lines().collect();
            let user = ns_link(&pid, "user")?;
            ensure_eq!(lines.get(..3), Some(&["0", "0", user.as_str()][..]));
            ensure_eq!(lines.get(3).copied(), Some("CapAmb:\t0000000000000000"));
            // As in util-linux 2.41, --keep-caps acts only when another namespace is entered with
            // the user namespace (see run.rs); the matrix compares both cases.
            let out = nsenter(&["-t", &pid, "-U", "-u", "--keep-caps", "sh", "-c", script])?;
            ok(&out, "--keep-caps")?;
            let amb = out.stdout.lines().nth(3).unwrap_or("");
            let mask = amb
                .rsplit('\t')
                .next()
                .and_then(|h| u64::from_str_radix(h, 16).ok());
            ensure!(
                mask.is_some_and(|m| m & (1 << 21) != 0),
                "CAP_SYS_ADMIN ambient with --keep-caps: {amb:?}"
            );
            // -a skips nothing here: the user namespace is not ours.
            let out = nsenter(&["-t", &pid, "-a", "readlink", "/proc/self/ns/user"])?;
            ensure_eq!(out.stdout.trim_end(), ns_link(&pid, "user")?);
            Ok(())
        },
    );

    suite.test(
        "e2e::rootless_container_entered_by_its_owner",
        &[Need::Root, Need::UserNamespaces, NEWEST],
        || {
            // An unprivileged user's container (user ns with root mapped to uid 4242), entered
            // by that same user: both nsenters behave the same, including util-linux's
            // `setgroups failed` where the container denies setgroups.
            let as_user = ["--reuid=4242", "--regid=4242", "--clear-groups"];
            let mut cmd = Command::new("/usr/bin/setpriv");
            cmd.args(as_user)
                .arg(container_unshare())
                .args(["--user", "--map-root-user", "--fork", "-m", "-u", "-n"])
                .args(["sh", "-c", "hostname rootless; exec sleep 300"]);
            let ct = start(&mut cmd, 1, "sleep")?;
            let pid = ct.pid();
            let both = |args: &[&str]| -> Result<Outcome, String> {
                let mine = run(Command::new("/usr/bin/setpriv")
                    .args(as_user)
                    .arg(ours("nsenter"))
                    .args(args))?;
                let theirs = run(Command::new("/usr/bin/setpriv")
                    .args(as_user)
                    .arg(newest("nsenter"))
                    .args(args))?;
                ensure_eq!(
                    mine,
                    theirs,
                    "nsenter {args:?} as uid 4242: ours vs util-linux"
                );
                Ok(mine)
            };
            let out = both(&[
                "-t",
                &pid,
                "-U",
                "-m",
                "-u",
                "-n",
                "--preserve-credentials",
                "sh",
                "-c",
                "id -u; hostname; tail -n +3 /proc/net/dev",
            ])?;
            ok(&out, "rootless enter")?;
            let lines: Vec<&str> = out.stdout.lines().collect();
            ensure_eq!(
                lines.get(..2),
                Some(&["0", "rootless"][..]),
                "{}",
                out.stdout
            );
            ensure!(
                lines
                    .get(2)
                    .is_some_and(|l| l.trim_start().starts_with("lo:"))
                    && lines.len() == 3,
                "only lo in the container: {}",
                out.stdout
            );
            let out = both(&["-t", &pid, "-U", "-u", "true"])?;
            ensure_eq!(
                (out.code, out.stderr.as_str()),
                (
                    Some(1),
                    "nsenter: setgroups failed: Operation not permitted\n"
                )
            );
            let out = both(&["-t", &pid, "-a", "true"])?;
            ensure_eq!(
                (out.code, out.stderr.as_str()),
                (
                    Some(1),
                    "nsenter: reassociate to namespaces failed: Operation not permitted\n"
                ),
                "the cgroup namespace belongs to the host"
            );
            Ok(())
        },
    );

    suite.test(
        "e2e::user_parent_enters_the_parent_user_namespace",
        &[Need::Root, Need::UserNamespaces],
        || {
            // sh stays in user ns L1 (it has `true` left to run); the inner unshare moves itself
            // and its sleep into L2.
            let mut cmd = Command::new(container_unshare());
            cmd.args([
                "--user",
                "--map-user=0",
                "--map-group=0",
                "--fork",
                "sh",
                "-c",
            ])
            .arg(format!(
                "'{}' --user --map-user=0 --map-group=0 --uts --fork sleep 300; true",
                container_unshare().display()
            ));
            let t = start(&mut cmd, 3, "sleep")?;
            let leaf = t.pid();
            let sh = children(t._guard.pid()).first().copied().ok_or("no sh")?;
            let l1 = ns_link(&sh.to_string(), "user")?;
            let l2 = ns_link(&leaf, "user")?;
            ensure!(l1 != l2, "two nested user namespaces");
            for opts in [&["-U", "--user-parent"][..], &["-u", "--user-parent"][..]] {
                let mut args = vec!["-t", leaf.as_str()];
                args.extend(opts);
                args.extend(["readlink", "/proc/self/ns/user"]);
                let out = nsenter(&args)?;
                ok(&out, &format!("{args:?}"))?;
                // The parent of the target's user namespace, whichever namespaces are asked for.
                ensure_eq!(out.stdout.trim_end(), l1.as_str(), "{args:?}");
                ensure!(l1 != l2, "two nested user namespaces");
            }
            Ok(())
        },
    );

    suite.test(
        "e2e::net_socket_enters_the_sockets_namespace",
        &[Need::Root, NEWEST],
        || {
            // The target lives in a new network namespace but holds (as stdin) a socket created
            // here, in ours: -N 0 must land in our namespace, -n in the target's.
            let (mine, theirs) = UnixStream::pair().map_err(|e| e.to_string())?;
            let mut cmd = Command::new(container_unshare());
            cmd.args(["-n", "sleep", "300"])
                .stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)));
            cmd.stdout(Stdio::null());
            let guard = ChildGuard::spawn(&mut cmd)?;
            let pid = guard.pid().to_string();
            ensure!(
                wait_until(Duration::from_secs(10), || comm(guard.pid()) == "sleep"),
                "target did not start"
            );
            drop(mine);
            let host = ns_link("self", "net")?;
            ensure!(
                ns_link(&pid, "net")? != host,
                "the target has its own network namespace"
            );
            let out = nsenter(&["-t", &pid, "-N", "0", "readlink", "/proc/self/ns/net"])?;
            ok(&out, "-N 0")?;
            ensure_eq!(out.stdout.trim_end(), host, "the socket's namespace");
            let out = nsenter(&["-t", &pid, "-n", "readlink", "/proc/self/ns/net"])?;
            ensure_eq!(
                out.stdout.trim_end(),
                ns_link(&pid, "net")?,
                "-n: the process's own"
            );
            let out = nsenter(&["-t", &pid, "-N", "1", "true"])?;
            let want = "nsenter: ioctl(4, SIOCGSKNS): Inappropriate ioctl for device\n";
            ensure_eq!((out.code, out.stderr.as_str()), (Some(1), want));
            let out = nsenter(&["-t", &pid, "-N", "77", "true"])?;
            let want = "nsenter: pidfd_getfd(3, 77): Bad file descriptor\n";
            ensure_eq!((out.code, out.stderr.as_str()), (Some(1), want));
            drop(guard);
            Ok(())
        },
    );

    suite.test(
        "e2e::reassociate_error_and_nothing_half_done",
        &[Need::Root, NEWEST],
        || {
            // Entering our own user namespace fails in the second pass with util-linux's message.
            let me = std::process::id().to_string();
            let (o, _) =
                Differential::newest("nsenter", &["-t", &me, "-U", "-u", "true"]).check()?;
            ensure_eq!(
                (o.code, o.stderr.as_str()),
                (
                    Some(1),
                    "nsenter: reassociate to namespaces failed: Invalid argument\n"
                )
            );
            // A bad namespace file is reported before any other namespace is entered or the
            // program runs.
            let out = nsenter(&[
                "-t",
                &me,
                "-u",
                "--net=/nonexistent-nst",
                "sh",
                "-c",
                "echo ran",
            ])?;
            ensure_eq!((out.code, out.stdout.as_str()), (Some(1), ""));
            ensure_eq!(
                out.stderr,
                "nsenter: cannot open /nonexistent-nst: No such file or directory\n"
            );
            Ok(())
        },
    );
}

/// A named cgroup v1 hierarchy (`none,name=nst-...`) mounted only inside a private mount
/// namespace held by a sleeping process, as another container or tool on a busy host may have:
/// it shows in every process's `/proc/PID/cgroup`, but no mount of it is ours. It vanishes with
/// that mount namespace (the hierarchy has no groups, so the kernel destroys it on unmount).
struct ForeignHierarchy {
    _holder: ChildGuard,
    _dir: RemoveDir,
    /// `name=nst-...`, as `/proc/PID/cgroup` lists it.
    controllers: String,
}

impl ForeignHierarchy {
    fn mount() -> Result<Self, String> {
        let name = nstools_tests::guard::unique_name("foreign");
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let dir = RemoveDir(dir);
        let mut cmd = Command::new(container_unshare());
        cmd.args(["-m", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t cgroup -o none,name={name} {name} '{}' && exec sleep 300",
                dir.0.display()
            ));
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        let holder = ChildGuard::spawn(&mut cmd)?;
        let controllers = format!("name={name}");
        let listed = || {
            std::fs::read_to_string("/proc/self/cgroup")
                .is_ok_and(|t| t.lines().any(|l| l.split(':').nth(1) == Some(&controllers)))
        };
        ensure!(
            wait_until(Duration::from_secs(10), listed),
            "the hierarchy {controllers} did not appear in /proc/self/cgroup"
        );
        Ok(ForeignHierarchy {
            _holder: holder,
            _dir: dir,
            controllers,
        })
    }
}

/// A cgroup hierarchy mounted in our mount namespace.
struct CgroupMount {
    /// `major:minor`: the same for every mount of one hierarchy.
    device: String,
    mount_point: PathBuf,
    v2: bool,
    /// Super-block options: the controllers and `name=` of a v1 hierarchy.
    options: Vec<String>,
    /// Mounted read-only here: no group can be made in it (nsenter -c has nothing to write
    /// there either, the target being in our group).
    read_only: bool,
}

fn cgroup_mounts() -> Vec<CgroupMount> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let dash = f.iter().position(|x| *x == "-")?;
            let v2 = match *f.get(dash + 1)? {
                "cgroup2" => true,
                "cgroup" => false,
                _ => return None,
            };
            Some(CgroupMount {
                device: f.get(2)?.to_string(),
                mount_point: PathBuf::from(f.get(4)?),
                v2,
                options: f.get(dash + 3)?.split(',').map(str::to_string).collect(),
                read_only: f.get(5)?.split(',').any(|o| o == "ro"),
            })
        })
        .collect()
}

/// One writable mount point of every cgroup hierarchy (v1 and v2) mounted in our mount namespace.
fn cgroup_roots() -> Vec<PathBuf> {
    let mut seen = Vec::new();
    cgroup_mounts()
        .into_iter()
        .filter(|m| !m.read_only)
        .filter(|m| {
            let new = !seen.contains(&m.device);
            seen.push(m.device.clone());
            new
        })
        .map(|m| m.mount_point)
        .collect()
}

/// Whether the hierarchy of a `/proc/PID/cgroup` line (`id:controllers:path`) is mounted here,
/// writable.
fn mounted_here(line: &str) -> bool {
    let controllers = line.split(':').nth(1).unwrap_or("");
    cgroup_mounts().iter().filter(|m| !m.read_only).any(|m| {
        if controllers.is_empty() {
            m.v2
        } else {
            !m.v2
                && controllers
                    .split(',')
                    .all(|c| m.options.iter().any(|o| o == c))
        }
    })
}
