//! End-to-end and differential tests of `unshare`.
//!
//! Differential tests run ours and Debian's `/usr/bin/unshare` (util-linux 2.38.1) with the same
//! argv. We implement util-linux 2.41 (plus 2.42's `--owner`/`--forward-signals`); every place
//! where 2.38 behaves differently is an allowance named here:
//!
//! * getopt names the program by argv[0] as invoked, and the two binaries live at different paths;
//! * `--help` lists options added after 2.38 (`--map-subids`, `--owner`, `--forward-signals`,
//!   `--mount-binfmt`, `-l`) and the 2.39 `inner:outer:count` syntax of `--map-users/groups`;
//! * `--version` names the implementation;
//! * the ambiguous `--ma` lists 2.41's `--map-subids` too;
//! * `--map-users/--map-groups`: 2.39+ accepts `inner:outer:count` (2.38 only `outer,inner,count`),
//!   words a bad mapping `invalid mapping 'X'`, and as root writes the map itself where 2.38 runs
//!   newuidmap (not installed here);
//! * 2.38 misspells the time-namespace hint as `(-t)`;
//! * a child killed by SIGKILL: 2.38 prints `sigprocmask unblock failed: Invalid argument` and
//!   exits 1; 2.40+ (and we) die by SIGKILL, so the shell sees 137;
//! * persistence failures print `/proc/PID/...` with each side's own pid.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nstools_tests::gate::Need;
use nstools_tests::guard::{unique_name, wait_until, ChildGuard, TestCgroup};
use nstools_tests::run::{run, sh};
use nstools_tests::{ensure, ensure_eq, ours, Differential, Outcome, Side, Suite, TestResult};

const ORIGINAL: Need = Need::Original("/usr/bin/unshare");

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
    suite.run();
}

/// Messages and exit codes that need no namespace at all.
fn cli_contract(suite: &mut Suite) {
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
            (&["--owner", "1", "true"], "invalid owner '1'"),
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

/// Ours and util-linux 2.38.1 side by side.
fn differential(suite: &mut Suite) {
    for args in [&["--help"][..], &["-h"], &["-h", "--bogus"], &["-fh", "-z"]] {
        let args: Vec<&'static str> = args.to_vec();
        suite.test(
            &format!("diff::help {}", args.join(" ")),
            &[ORIGINAL],
            move || {
                help_allowance(Differential::new("unshare", &args))
                    .check()
                    .map(|_| ())
            },
        );
    }

    suite.test("diff::version_line", &[ORIGINAL], || {
        let (ours, _) = Differential::new("unshare", &["-V"])
            .allow("the version line names the implementation", |_, o| {
                o.stdout = o.stdout.split(" from ").next().unwrap_or("").to_string();
            })
            .check()?;
        ensure_eq!(ours.stdout, "unshare");
        Ok(())
    });

    let getopt_cases: &[&[&str]] = &[
        &["--bogus"],
        &["--bogus=1"],
        &["-z"],
        &["-fz"],
        &["-m/x"],
        &["--fork=3"],
        &["-R"],
        &["--root"],
        &["--mon"],
        &["--bogus", "-h"],
        &["--propagation", "foo", "--bogus"],
    ];
    for args in getopt_cases {
        let args: Vec<&'static str> = args.to_vec();
        suite.test(
            &format!("diff::getopt {}", args.join(" ")),
            &[ORIGINAL],
            move || diff(&args),
        );
    }

    suite.test("diff::ambiguous_prefix", &[ORIGINAL], || {
        same_program_name(Differential::new("unshare", &["--ma=x"]))
            .allow("2.41 adds --map-subids to the possibilities", |side, o| {
                if side == Side::Ours {
                    o.stderr = o.stderr.replace(" '--map-subids'", "");
                }
            })
            .check()
            .map(|_| ())
    });

    let value_cases: &[&[&str]] = &[
        &["--propagation", "foo", "true"],
        &["--kill-child=FOO", "true"],
        &["--kill-child=SIGFOO", "true"],
        &["--setgroups", "foo", "true"],
        &["-S", "x", "true"],
        &["-S", "", "true"],
        &["-S", "99999999999999999999", "true"],
        &["-G", "5x", "true"],
        &["--map-user", "nstools-no-such-user", "true"],
        &["--map-group=", "true"],
        &["-T", "--monotonic", "x", "true"],
        &["-T", "--boottime", "99999999999999999999", "true"],
        &["-r", "--setgroups", "allow", "true"],
    ];
    for args in value_cases {
        let args: Vec<&'static str> = args.to_vec();
        suite.test(
            &format!("diff::value {}", args.join(" ")),
            &[ORIGINAL],
            move || diff(&args),
        );
    }

    suite.test("diff::map_auto_without_subuid_line", &[ORIGINAL], || {
        let (ours, _) = Differential::new("unshare", &["--map-auto", "true"])
            .allow(
                "2.38 reports the missing line with err() and a meaningless `: Success`",
                |side, o| {
                    if side == Side::Original {
                        o.stderr = o.stderr.replace(": Success\n", "\n");
                    }
                },
            )
            .check()?;
        ensure!(ours.stderr.starts_with("unshare: "), "{}", ours.show());
        Ok(())
    });

    suite.test(
        "diff::unprivileged_unshare_failed",
        &[ORIGINAL, Need::Root, Need::Program("setpriv")],
        || {
            let as_nobody = |bin: &str| {
                run(Command::new("setpriv")
                    .args([
                        "--reuid",
                        "65534",
                        "--regid",
                        "65534",
                        "--clear-groups",
                        bin,
                    ])
                    .args(["-n", "-u", "true"])
                    .env("LC_ALL", "C"))
            };
            let ours = as_nobody(&us())?;
            let original = as_nobody("/usr/bin/unshare")?;
            ensure_eq!(ours, original, "ours vs util-linux as uid 65534");
            ensure_eq!(
                ours.stderr,
                "unshare: unshare failed: Operation not permitted\n"
            );
            ensure_eq!(ours.code, Some(1));
            Ok(())
        },
    );

    suite.test("diff::time_hint_spelling", &[ORIGINAL], || {
        Differential::new("unshare", &["--monotonic", "5", "true"])
            .allow(
                "2.38 misspells the option as (-t); 2.41 says (-T)",
                |side, o| {
                    if side == Side::Original {
                        o.stderr = o.stderr.replace("(-t)", "(-T)");
                    }
                },
            )
            .check()
            .map(|_| ())
    });

    suite.test("diff::map_users_syntax", &[ORIGINAL], || {
        Differential::new("unshare", &["--map-users=1,2", "true"])
            .allow(
                "2.39+ words every bad mapping `invalid mapping 'X'`",
                |side, o| {
                    if side == Side::Original {
                        o.stderr = "unshare: invalid mapping '1,2'\n".into();
                    }
                },
            )
            .check()
            .map(|_| ())
    });

    // Programs, exec errors, exit codes and signals.
    let exec_cases: &[&[&str]] = &[
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
        &["-S", "-1", "true"],
    ];
    for args in exec_cases {
        let args: Vec<&'static str> = args.to_vec();
        suite.test(
            &format!("diff::run {}", args.join(" ")),
            &[ORIGINAL, Need::Root],
            move || diff(&args),
        );
    }

    suite.test("diff::login_shell_when_no_program", &[ORIGINAL], || {
        let (ours, _) = Differential::new("unshare", &[])
            .env("SHELL", "/bin/bash")
            .stdin(b"echo \"$0\"\n")
            .check()?;
        ensure_eq!(ours.stdout, "-bash\n");
        Ok(())
    });

    suite.test("diff::sigkill_of_the_child_reaches_the_caller", &[ORIGINAL], || {
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
        let o = sh(&format!("{} -f sh -c 'kill -KILL $$'; echo $?", us()))?;
        ensure_eq!(o.stdout, "137\n");
        Ok(())
    });

    // Namespace work both can do as root, compared.
    let ns_cases: &[&[&str]] = &[
        &["-r", "id"],
        &[
            "-r",
            "cat",
            "/proc/self/uid_map",
            "/proc/self/gid_map",
            "/proc/self/setgroups",
        ],
        &["-U", "id", "-u"],
        &["-c", "cat", "/proc/self/uid_map"],
        &["--map-user=1000", "--map-group=100", "id"],
        &[
            "--map-user=root",
            "--map-group=root",
            "cat",
            "/proc/self/gid_map",
        ],
        &["-U", "--setgroups=deny", "cat", "/proc/self/setgroups"],
        &[
            "-U",
            "--map-user=1000",
            "--keep-caps",
            "grep",
            "CapAmb",
            "/proc/self/status",
        ],
        &[
            "-U",
            "--map-user=1000",
            "grep",
            "CapAmb",
            "/proc/self/status",
        ],
        &[
            "--fork",
            "--pid",
            "--mount-proc",
            "/usr/bin/ps",
            "-o",
            "pid,comm",
        ],
        &["-fp", "--mount-proc", "sh", "-c", "echo $$"],
        &["-u", "sh", "-c", "hostname nstools-diff && hostname"],
        &["-C", "cat", "/proc/self/cgroup"],
        &["-m", "--propagation", "slave", "true"],
        &["-m", "--propagation", "unchanged", "true"],
        &["--mount-proc=/nonexistent-nstools", "true"],
        &[
            "-fT",
            "--monotonic",
            "86400",
            "cat",
            "/proc/self/timens_offsets",
        ],
        &["-fT", "--boottime=-1", "cat", "/proc/self/timens_offsets"],
        &["-n", "cat", "/proc/net/dev"],
        &["-i", "cat", "/proc/sysvipc/shm"],
        &["-m", "-u", "-i", "-n", "-p", "-f", "-C", "-T", "true"],
    ];
    for args in ns_cases {
        let args: Vec<&'static str> = args.to_vec();
        suite.test(
            &format!("diff::ns {}", args.join(" ")),
            &[
                ORIGINAL,
                Need::Root,
                Need::MountNamespaces,
                Need::UserNamespaces,
                Need::Original("/usr/bin/ps"),
            ],
            move || diff(&args),
        );
    }

    suite.test(
        "diff::map_users_as_root",
        &[ORIGINAL, Need::Root, Need::UserNamespaces],
        || {
            let (ours, _) = Differential::new(
                "unshare",
                &[
                    "--map-users=100000,0,65536",
                    "--map-groups=0:100000:65536",
                    "cat",
                    "/proc/self/uid_map",
                    "/proc/self/gid_map",
                ],
            )
            .allow(
                "2.38 rejects the 2.39 colon form and runs newuidmap (absent here) even as root; \
                 2.41 as root writes both maps itself",
                |side, o| {
                    if side == Side::Original {
                        ensure_original_refused(o);
                        o.stdout = "0 100000 65536\n0 100000 65536\n".into();
                        o.stderr.clear();
                        o.code = Some(0);
                    }
                },
            )
            .allow("the kernel pads map columns", |_, o| {
                o.stdout = o
                    .stdout
                    .lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
                    .collect();
            })
            .check()?;
            ensure_eq!(ours.stdout, "0 100000 65536\n0 100000 65536\n");
            Ok(())
        },
    );
}

/// The original refuses or cannot run the 2.41 form; anything else would be a new difference.
fn ensure_original_refused(o: &mut Outcome) {
    if o.code == Some(0) {
        o.stderr = format!("UNEXPECTED: the original succeeded: {}", o.stderr);
    }
}

/// `--help` of 2.41 (and 2.42) against 2.38's.
fn help_allowance(d: Differential) -> Differential {
    let added = [
        "--map-subids",
        "--owner",
        "--forward-signals",
        "--mount-binfmt",
        "--load-interp",
    ];
    d.allow(
        "2.41/2.42 options added after 2.38, and 2.39's inner:outer:count syntax",
        move |_, o| {
            let mut out = Vec::new();
            let mut skip_next = false;
            for line in o.stdout.lines() {
                if skip_next {
                    skip_next = false;
                    continue;
                }
                if line.starts_with(" --map-users=") || line.starts_with(" --map-groups=") {
                    skip_next = true;
                    continue;
                }
                if added.iter().any(|a| line.contains(a)) {
                    continue;
                }
                out.push(line);
            }
            o.stdout = out.join("\n");
        },
    )
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

    suite.test("effect::owner_owns_the_user_namespace", &root_ns, || {
        let o = ours_run(&[
            "--owner",
            "65534:65534",
            "-r",
            "sh",
            "-c",
            "id -u; cat /proc/self/uid_map /proc/self/gid_map",
        ])?;
        let words: Vec<&str> = o.stdout.split_whitespace().collect();
        ensure_eq!(
            words,
            vec!["0", "0", "65534", "1", "0", "65534", "1"],
            "{}",
            o.show()
        );
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

    suite.test(
        "diff::persist_failure_message",
        &[ORIGINAL, Need::Root, Need::MountNamespaces],
        || {
            Differential::new("unshare", &["--uts=/nonexistent-nstools/x", "true"])
                .allow("the message names each side's own /proc/PID", |_, o| {
                    o.stderr = o
                        .stderr
                        .split_whitespace()
                        .map(|w| match w.strip_prefix("/proc/") {
                            Some(rest) => {
                                format!("/proc/PID/{}", rest.split_once('/').map_or("", |(_, r)| r))
                            }
                            None => w.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                })
                .check()
                .map(|_| ())
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
