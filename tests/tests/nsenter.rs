//! `nsenter`: command-line contract and differential checks against util-linux 2.38.1
//! (`/usr/bin/nsenter`), and privileged end-to-end runs against a "container" (new PID, mount,
//! UTS, IPC and network namespaces, its own hostname, a sleeping init).
//!
//! Where we implement util-linux 2.41 and Debian's 2.38.1 differs, the test names the difference:
//! - `no namespace specified` (2.38 silently runs the program when nothing is to be entered);
//! - `no target PID specified` (2.38: `neither filename nor target pid supplied for ns/mnt`);
//! - the 2.41 options 2.38 lacks: `-N/--net-socket`, `--user-parent`, `--keep-caps`, `-e/--env`,
//!   `-c/--join-cgroup`, `-S/-G follow`; the help lists them, and `--n` is ambiguous among
//!   `--net`, `--net-socket` and `--no-fork`;
//! - `-W` takes an optional, attached directory (2.38's short `-W` required one, so `-W / true`
//!   differs); without one it is the target's working directory, resolved inside;
//! - `-c` joins the target's cgroup on every hierarchy (util-linux: cgroup v2 only);
//! - `-Z` without SELinux is an error (util-linux silently ignores it);
//! - `--version` names nstools; getopt's messages start with `nsenter:` whatever argv[0] is.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use nstools_tests::guard::wait_until;
use nstools_tests::run::run;
use nstools_tests::{
    ensure, ensure_eq, original, ours, ChildGuard, Differential, Need, Outcome, Side, Suite,
    TestCgroup, TestResult,
};

const NSENTER: Need = Need::Original("/usr/bin/nsenter");
/// A pid above the kernel's maximum (4194304): never a live process.
const NO_SUCH_PID: &str = "999999999";

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
    cli_contract(&mut suite);
    differential_bad_input(&mut suite);
    container_tests(&mut suite);
    status_tests(&mut suite);
    option_tests(&mut suite);
    suite.run();
}

// ------------------------------------------------------------------------------------------------
// Command-line contract (no privileges).

fn cli_contract(suite: &mut Suite) {
    suite.test(
        "cli::help_has_every_2_38_line_and_the_2_41_options",
        &[NSENTER],
        || {
            let theirs = run(Command::new(original("nsenter")).arg("--help"))?;
            let mine = nsenter(&["--help"])?;
            ensure_eq!(mine.code, Some(0));
            ensure_eq!(mine.stderr, "");
            for line in theirs.stdout.lines() {
                // 2.38 misprints `-W. --wdns <dir>`; 2.41 has `-W, --wdns[=<dir>]`.
                if line.starts_with(" -W.") {
                    continue;
                }
                ensure!(
                    mine.stdout.lines().any(|l| l == line),
                    "2.38 help line missing from ours: {line:?}\n{}",
                    mine.stdout
                );
            }
            for new in [
                " -N, --net-socket <fd>",
                "     --user-parent",
                "     --keep-caps",
                " -e, --env",
                " -c, --join-cgroup",
                " -W, --wdns[=<dir>]",
            ] {
                ensure!(mine.stdout.contains(new), "help lacks {new:?}");
            }
            let short = nsenter(&["-h", "--bogus"])?;
            ensure_eq!(short.stdout, mine.stdout, "-h acts where getopt meets it");
            Ok(())
        },
    );

    suite.test("cli::version_names_nstools", &[], || {
        let out = nsenter(&["-t", "1", "-V", "--bogus"])?;
        ensure_eq!(
            out.stdout,
            format!("nsenter from nstools {}\n", env!("CARGO_PKG_VERSION"))
        );
        ensure_eq!(out.code, Some(0));
        Ok(())
    });

    suite.test("cli::2_41_messages_where_2_38_differs", &[], || {
        // (argv, 2.41 message). 2.38 says `neither filename nor target pid supplied for ...`
        // or runs the program.
        let table: &[(&[&str], &str)] = &[
            (&["true"], "nsenter: no namespace specified\n"),
            (&[], "nsenter: no namespace specified\n"),
            (&["-t", "5", "true"], "nsenter: no namespace specified\n"),
            (&["-m", "true"], "nsenter: no target PID specified\n"),
            (&["--ro", "true"], "nsenter: no target PID specified\n"),
            (&["-t", "0", "-n", "true"], "nsenter: no target PID specified\n"),
            (&["-e", "--net=/x", "true"], "nsenter: no target PID specified\n"),
            (&["-c", "--net=/x", "true"], "nsenter: no target PID specified\n"),
            (&["-W", "/", "true"], "nsenter: no target PID specified\n"),
            (&["-N", "0", "true"], "nsenter: no target PID specified for --net-socket\n"),
            (&["-t", "5", "-n", "-N", "0"], "nsenter: --net and --net-socket are mutually exclusive\n"),
            (&["-t", "5", "-N", "x"], "nsenter: failed to parse file descriptor: 'x'\n"),
            (
                &["--n", "true"],
                "nsenter: option '--n' is ambiguous; possibilities: '--net' '--net-socket' '--no-fork'\nTry 'nsenter --help' for more information.\n",
            ),
        ];
        for (args, want) in table {
            let out = nsenter(args)?;
            ensure_eq!(out.stderr, *want, "nsenter {args:?}");
            ensure_eq!(out.stdout, "", "nsenter {args:?}");
            ensure_eq!(out.code, Some(1), "nsenter {args:?}");
        }
        Ok(())
    });

    suite.test(
        "cli::follow_context_without_selinux_is_a_clear_error",
        &[],
        || {
            ensure!(
                !Path::new("/sys/fs/selinux/enforce").exists(),
                "this host runs SELinux; the test expects it absent"
            );
            // util-linux silently ignores -Z when SELinux is off; we refuse, so nobody believes
            // the context was followed.
            let out = nsenter(&["-Z", "-t", "5", "-u", "true"])?;
            ensure_eq!(
                out.stderr,
                "nsenter: --follow-context: SELinux is not enabled on this system\n"
            );
            ensure_eq!(out.code, Some(1));
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------------
// Differential: bad input, same stdout/stderr/status as util-linux 2.38.1.

fn differential_bad_input(suite: &mut Suite) {
    suite.test("diff::usage_and_value_errors", &[NSENTER], || {
        let cases: Vec<Vec<&str>> = vec![
            vec!["--bogus"],
            vec!["--bogus=1", "true"],
            vec!["-x"],
            vec!["-ax"],
            vec!["-t"],
            vec!["--setuid"],
            vec!["--all=x"],
            vec!["--mount=/nonexistent-nst", "true"],
            vec!["--uts=", "true"],
            vec!["-m/etc/passwd", "true"],
            vec!["-t", "abc", "-m", "true"],
            vec!["-t", "", "-m", "true"],
            vec!["-t", "0x10", "-m", "true"],
            vec!["-t", "1x", "-m", "true"],
            vec!["-t", "99999999999999999999", "-m", "true"],
            vec!["-t", NO_SUCH_PID, "-m", "true"],
            vec!["-t", NO_SUCH_PID, "-a", "true"],
            vec!["--target", NO_SUCH_PID, "--uts", "--net", "true"],
            vec!["-a", "true"],
            vec!["-w", "-W/", "true"],
            vec!["--wd=/", "--wdns=/", "true"],
            vec!["-t", NO_SUCH_PID, "-S", "abc", "-m", "true"],
            vec!["-t", NO_SUCH_PID, "-G", "", "-m", "true"],
            vec!["-r/nonexistent-nst", "true"],
            vec!["-w/nonexistent-nst", "true"],
            vec!["-r/", "-W/nonexistent-nst", "true"],
            vec!["--mount=/proc/self/ns/mnt", "--", "-c"],
        ];
        for args in cases {
            Differential::new("nsenter", &args)
                .allow(
                    "getopt prefixes its own messages with argv[0] as typed (the runner starts \
                     the original as /usr/bin/nsenter); our messages always say `nsenter:`",
                    |side, o| {
                        if side == Side::Original {
                            o.stderr = o.stderr.replace("/usr/bin/nsenter: ", "nsenter: ");
                        }
                    },
                )
                .check()?;
        }
        Ok(())
    });

    suite.test("cli::errors_of_the_2_41_options", &[Need::Root], || {
        let n = NO_SUCH_PID;
        let table: Vec<(Vec<&str>, String)> = vec![
            (
                vec!["-t", n, "-c", "-u", "true"],
                format!("nsenter: cannot open /proc/{n}/ns/uts: No such file or directory\n"),
            ),
            (
                vec!["-t", n, "-c", "--net=/proc/self/ns/net", "true"],
                format!("nsenter: cannot read /proc/{n}/cgroup: No such file or directory\n"),
            ),
            (
                vec!["-t", n, "-e", "--net=/proc/self/ns/net", "true"],
                format!("nsenter: cannot open /proc/{n}/environ: No such file or directory\n"),
            ),
            (
                vec!["-t", n, "-S", "follow", "--net=/proc/self/ns/net", "true"],
                format!("nsenter: stat of /proc/{n} failed: No such file or directory\n"),
            ),
            (
                vec!["-t", n, "-N", "0", "true"],
                format!("nsenter: cannot open process {n}: No such process\n"),
            ),
            (
                // Our network namespace is owned by our own user namespace: setns refuses.
                vec!["--user-parent", "--net=/proc/self/ns/net", "true"],
                "nsenter: reassociate to namespace 'ns/user' failed: Invalid argument\n".into(),
            ),
        ];
        for (args, want) in table {
            let out = nsenter(&args)?;
            ensure_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (Some(1), "", want.as_str()),
                "nsenter {args:?}"
            );
        }
        Ok(())
    });

    suite.test(
        "diff::exec_failures_and_what_follows_the_options",
        &[NSENTER, Need::Root],
        || {
            let cases: &[(&[&str], i32)] = &[
                (&["--mount=/proc/self/ns/mnt", "nosuchprog-nst"], 127),
                (&["--mount=/proc/self/ns/mnt", "/etc/passwd"], 126),
                (&["--net=/proc/self/ns/net", "/"], 126),
                (&["--net=/proc/self/ns/net", "--", "--", "x"], 127),
                (
                    &["--net=/proc/self/ns/net", "echo", "-h", "--help", "--", "x"],
                    0,
                ),
                (&["--net=/proc/self/ns/net", "--", "echo", "-t"], 0),
                (&["-n/proc/self/ns/net", "-", "x"], 127),
            ];
            for (args, code) in cases {
                let (o, _) = Differential::new("nsenter", args).check()?;
                ensure_eq!(o.code, Some(*code), "{args:?}: {}", o.show());
            }
            Ok(())
        },
    );
}

// ------------------------------------------------------------------------------------------------
// The container: what the walkthrough does.

const PRIV: &[Need] = &[Need::Root, Need::MountNamespaces, NSENTER];

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

    suite.test("e2e::same_as_util_linux_in_the_container", PRIV, || {
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
            let (o, _) = Differential::new("nsenter", &args).check()?;
            ok(&o, &format!("{args:?}"))?;
            let uts = args.contains(&"-u") || args.contains(&"-a");
            ensure_eq!(
                o.stdout.starts_with("nst-ct\n"),
                uts,
                "{args:?}: the container's hostname iff its UTS namespace is entered\n{}",
                o.show()
            );
        }
        Ok(())
    });

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
            // user is ours (skipped); cgroup ipc uts net pid mnt time + root, cwd, environ.
            ensure_eq!(opens.len(), 10, "opens:\n{}", out.stderr);
            ensure_eq!(setns.len(), 7, "setns calls:\n{}", out.stderr);
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
                let (o, _) = Differential::new("nsenter", &["-t", &pid, "-u"])
                    .env("SHELL", shell)
                    .stdin(b"echo \"$0\"; hostname\n")
                    .check()?;
                let base = Path::new(shell).file_name().unwrap().to_string_lossy();
                ensure_eq!(o.stdout, format!("-{base}\nnst-ct\n"));
            }
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
                    let (o, _) = Differential::new("nsenter", &args)
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
                let (o, _) = Differential::new("nsenter", &["-t", &pid, "-p", prog]).check()?;
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
            (vec!["-m", "-W"], d.clone()),
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
        &[Need::Root, Need::Unified, Need::CgroupV1("pids"), NSENTER],
        || {
            // A busy host: a named v1 hierarchy that our mount namespace does not show.
            let foreign = ForeignHierarchy::mount()?;
            let ct = container()?;
            let pid = ct.pid();
            // Put the container's init (ours) into a group of our own in every hierarchy mounted
            // here, so that nsenter -c only ever writes to groups this test created.
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
        &[Need::Root, NSENTER],
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
            // Numbers behave as in 2.38.
            let (o, _) = Differential::new(
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
        &[Need::Root, Need::UserNamespaces, NSENTER],
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
                Differential::new("nsenter", &["-t", &pid, "-U", "sh", "-c", script]).check()?;
            let lines: Vec<&str> = o.stdout.lines().collect();
            let user = ns_link(&pid, "user")?;
            ensure_eq!(lines.get(..3), Some(&["0", "0", user.as_str()][..]));
            ensure_eq!(lines.get(3).copied(), Some("CapAmb:\t0000000000000000"));
            let out = nsenter(&["-t", &pid, "-U", "--keep-caps", "sh", "-c", script])?;
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
        &[Need::Root, Need::UserNamespaces, NSENTER],
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
                let mine = run(Command::new("/usr/bin/setpriv").args(as_user).arg(ours("nsenter")).args(args))?;
                let theirs = run(Command::new("/usr/bin/setpriv").args(as_user).arg(original("nsenter")).args(args))?;
                ensure_eq!(mine, theirs, "nsenter {args:?} as uid 4242: ours vs util-linux");
                Ok(mine)
            };
            let out = both(&["-t", &pid, "-U", "-m", "-u", "-n", "--preserve-credentials", "sh", "-c", "id -u; hostname; tail -n +3 /proc/net/dev"])?;
            ok(&out, "rootless enter")?;
            let lines: Vec<&str> = out.stdout.lines().collect();
            ensure_eq!(lines.get(..2), Some(&["0", "rootless"][..]), "{}", out.stdout);
            ensure!(
                lines.get(2).is_some_and(|l| l.trim_start().starts_with("lo:")) && lines.len() == 3,
                "only lo in the container: {}",
                out.stdout
            );
            let out = both(&["-t", &pid, "-U", "-u", "true"])?;
            ensure_eq!((out.code, out.stderr.as_str()), (Some(1), "nsenter: setgroups failed: Operation not permitted\n"));
            let out = both(&["-t", &pid, "-a", "true"])?;
            ensure_eq!(
                (out.code, out.stderr.as_str()),
                (Some(1), "nsenter: reassociate to namespace 'ns/cgroup' failed: Operation not permitted\n"),
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
                let want = if opts[0] == "-U" { &l1 } else { &l2 };
                // -U --user-parent: the parent of the target's user ns; -u --user-parent: the
                // owner of the target's UTS namespace (L2, which created it).
                ensure_eq!(out.stdout.trim_end(), want.as_str(), "{args:?}");
            }
            Ok(())
        },
    );

    suite.test(
        "e2e::net_socket_enters_the_sockets_namespace",
        &[Need::Root, NSENTER],
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
            let want = format!("nsenter: file descriptor 1 of process {pid} is not a socket\n");
            ensure_eq!((out.code, out.stderr), (Some(1), want));
            let out = nsenter(&["-t", &pid, "-N", "77", "true"])?;
            let want = format!(
                "nsenter: cannot get file descriptor 77 of process {pid}: Bad file descriptor\n"
            );
            ensure_eq!((out.code, out.stderr), (Some(1), want));
            drop(guard);
            Ok(())
        },
    );

    suite.test(
        "e2e::reassociate_error_and_nothing_half_done",
        &[Need::Root, NSENTER],
        || {
            // Entering our own user namespace fails in the second pass with util-linux's message.
            let me = std::process::id().to_string();
            let (o, _) = Differential::new("nsenter", &["-t", &me, "-U", "-u", "true"]).check()?;
            ensure_eq!(
                (o.code, o.stderr.as_str()),
                (
                    Some(1),
                    "nsenter: reassociate to namespace 'ns/user' failed: Invalid argument\n"
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
            })
        })
        .collect()
}

/// One mount point of every cgroup hierarchy (v1 and v2) mounted in our mount namespace.
fn cgroup_roots() -> Vec<PathBuf> {
    let mut seen = Vec::new();
    cgroup_mounts()
        .into_iter()
        .filter(|m| {
            let new = !seen.contains(&m.device);
            seen.push(m.device.clone());
            new
        })
        .map(|m| m.mount_point)
        .collect()
}

/// Whether the hierarchy of a `/proc/PID/cgroup` line (`id:controllers:path`) is mounted here.
fn mounted_here(line: &str) -> bool {
    let controllers = line.split(':').nth(1).unwrap_or("");
    cgroup_mounts().iter().any(|m| {
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
