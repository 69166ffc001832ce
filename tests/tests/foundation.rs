//! Tests of the foundation: `--version` of every tool, and the test support itself (gates,
//! guards, the differential runner), so later suites can rely on it.

use std::process::Command;
use std::time::Duration;

use nstools_tests::gate::{self, Need};
use nstools_tests::guard::{wait_until, ChildGuard, TestCgroup};
use nstools_tests::{ensure, ensure_eq, ours, run::run, sh, Differential, Side, Suite};

use nstools_tests::bins::TOOLS;

fn main() {
    let mut suite = Suite::new();

    suite.test("ci_runs_with_privileged_tests_required", &[], || {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        ensure!(
            !ci || gate::privileged_required(),
            "CI=true but NSTOOLS_REQUIRE_PRIVILEGED is not 1: privileged tests could skip silently"
        );
        Ok(())
    });

    for tool in TOOLS {
        suite.test(&format!("version::{tool}"), &[], move || {
            for flag in ["--version", "-V"] {
                if tool == "memhog" && flag == "-V" {
                    continue; // numactl's memhog has no -V; only --version is ours to add.
                }
                let out = run(Command::new(ours(tool)).arg(flag))?;
                ensure_eq!(
                    out.stdout,
                    format!("{tool} from nstools {}\n", env!("CARGO_PKG_VERSION")),
                    "{tool} {flag} stdout"
                );
                ensure_eq!(out.code, Some(0), "{tool} {flag} exit code");
                ensure_eq!(out.stderr, "", "{tool} {flag} stderr");
            }
            Ok(())
        });
    }

    // The reference root holds the releases the issues name, and they run on this host.
    for (tool, version_flag, release) in [
        ("unshare", "--version", "util-linux 2.41"),
        ("nsenter", "--version", "util-linux 2.41"),
        ("ps", "--version", "procps-ng 4.0.4"),
    ] {
        suite.test(
            &format!(
                "newest::{tool}_is_{}",
                release.replace([' ', '.', '-'], "_")
            ),
            &[Need::Newest(tool)],
            move || {
                let out = run(Command::new(nstools_tests::bins::newest(tool)).arg(version_flag))?;
                ensure_eq!(out.code, Some(0), "{}", out.show());
                ensure!(out.stdout.contains(release), "{}", out.show());
                Ok(())
            },
        );
    }
    suite.test(
        "newest::libcgroup_and_numactl_releases",
        &[Need::Newest("cgget"), Need::Newest("memhog")],
        || {
            let versions =
                std::fs::read_to_string(nstools_tests::bins::newest_dir().join("../versions"))
                    .map_err(|e| format!("target/reference/versions: {e}"))?;
            for package in ["cgroup-tools 3.1.0", "numactl 2.0.19"] {
                ensure!(versions.contains(package), "no {package} in:\n{versions}");
            }
            // libcgroup 3.x prints its usage with argv[0] as given.
            let out = run(Command::new(nstools_tests::bins::newest("cgget")).arg("-h"))?;
            ensure!(out.stdout.contains("Usage: "), "{}", out.show());
            Ok(())
        },
    );

    suite.test("gate::missing_original_is_unmet_with_reason", &[], || {
        let why = gate::first_unmet(&[Need::Original("/nonexistent/nstools-tool")]);
        ensure_eq!(
            why.as_deref(),
            Some("needs the original tool /nonexistent/nstools-tool: /nonexistent/nstools-tool is not installed")
        );
        ensure!(gate::first_unmet(&[Need::Program("sh")]).is_none(), "sh must be found");
        Ok(())
    });

    suite.test("gate::root_probe_agrees_with_euid", &[], || {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        ensure_eq!(gate::unmet(&Need::Root).is_none(), root);
        Ok(())
    });

    suite.test("guard::child_group_is_killed_on_drop", &[], || {
        let guard = ChildGuard::spawn(Command::new("sh").args(["-c", "sleep 300 & sleep 300"]))?;
        let pgid = guard.pid();
        ensure!(
            wait_until(Duration::from_secs(5), || count_group(pgid) >= 2),
            "the shell and its background sleep should be running"
        );
        drop(guard);
        ensure!(
            wait_until(Duration::from_secs(5), || count_group(pgid) == 0),
            "process group {pgid} still has members after drop"
        );
        Ok(())
    });

    suite.test(
        "guard::test_cgroup_removes_itself_and_its_processes",
        &[Need::Root, Need::CgroupV1("pids")],
        || {
            let root = gate::v1_mount("pids").ok_or("pids hierarchy vanished")?;
            let group = TestCgroup::create(&root, "guard")?;
            let path = group.path.clone();
            std::fs::create_dir(path.join("child")).map_err(|e| e.to_string())?;
            let mut sleeper = Command::new("sleep")
                .arg("300")
                .spawn()
                .map_err(|e| e.to_string())?;
            std::fs::write(path.join("child/cgroup.procs"), sleeper.id().to_string())
                .map_err(|e| e.to_string())?;
            drop(group);
            let status = sleeper.wait().map_err(|e| e.to_string())?;
            ensure!(!path.exists(), "{} still exists", path.display());
            ensure!(!status.success(), "sleeper should have been killed");
            Ok(())
        },
    );

    suite.test(
        "guard::test_cgroup_on_unified_hierarchy",
        &[Need::Root, Need::Unified],
        || {
            let root = gate::unified_mount().ok_or("no cgroup2 mount")?;
            let group = TestCgroup::create(&root, "guard2")?;
            ensure!(
                group.read("cgroup.procs")?.is_empty(),
                "new group must be empty"
            );
            let path = group.path.clone();
            drop(group);
            ensure!(!path.exists(), "{} still exists", path.display());
            Ok(())
        },
    );

    suite.test(
        "diff::reports_a_difference_and_honours_named_allowances",
        &[Need::Original("/usr/bin/unshare")],
        || {
            let strict = Differential::new("unshare", &["--version"]);
            let report = match strict.check() {
                Ok(_) => return Err("`--version` texts differ, yet check() passed".into()),
                Err(r) => r,
            };
            ensure!(
                report.contains("from nstools") && report.contains("from util-linux"),
                "report must show both sides:\n{report}"
            );
            let lenient = Differential::new("unshare", &["--version"]).allow(
                "the version line names the implementation",
                |side, o| {
                    let who = if side == Side::Ours {
                        "nstools"
                    } else {
                        "util-linux"
                    };
                    o.stdout = o.stdout.replace(who, "IMPL");
                    o.stdout
                        .truncate(o.stdout.find("IMPL").map_or(0, |i| i + 4));
                },
            );
            lenient.check().map(|_| ())
        },
    );

    suite.test(
        "suite::non_root_run_passes_and_lists_skips_with_reasons",
        &[Need::Root, Need::Program("setpriv")],
        non_root_run,
    );

    // common::start replaces Rust's runtime start-up; these are the parts of it a program run by
    // a tool, or a tool's own output, could notice.
    suite.test(
        "start::program_gets_the_signal_dispositions_util_linux_gives",
        &[],
        || {
            // The tools ignore SIGPIPE themselves but must hand the default back to what they run.
            let script = |unshare: &str| {
                format!("trap '' USR1; {unshare} grep -E '^Sig(Ign|Blk)' /proc/self/status")
            };
            let ours_out = sh(&script(&ours("unshare").display().to_string()))?;
            let orig_out = sh(&script("/usr/bin/unshare"))?;
            ensure_eq!(ours_out.code, Some(0), "ours: {}", ours_out.show());
            let ignored = ours_out
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("SigIgn:\t"))
                .and_then(|mask| u64::from_str_radix(mask, 16).ok())
                .ok_or_else(|| format!("no SigIgn line: {}", ours_out.show()))?;
            // Signal n is bit n-1: SIGUSR1 (10) comes from the shell's trap, SIGPIPE (13) must not be
            // the tool's own setting leaking through.
            ensure!(
                ignored & (1 << 9) != 0,
                "the shell's ignored SIGUSR1 was lost: {}",
                ours_out.show()
            );
            ensure!(
                ignored & (1 << 12) == 0,
                "SIGPIPE is ignored in the program: {}",
                ours_out.show()
            );
            ensure_eq!(ours_out.stdout, orig_out.stdout, "ours vs util-linux");
            Ok(())
        },
    );

    suite.test(
        "start::closed_standard_fds_stay_closed_for_the_program_run",
        &[Need::Newest("unshare")],
        || {
            // The program a tool runs finds the descriptors its caller closed still closed, as with
            // util-linux (`unshare echo hi >&-`: echo fails with EBADF).
            let probe = "for fd in 0 1 2; do [ -e /proc/self/fd/$fd ] && echo $fd open || echo $fd closed; done";
            for unshare in [ours("unshare"), nstools_tests::bins::newest("unshare")] {
                let out = sh(&format!("{} sh -c '{probe}' <&- 2>&-", unshare.display()))?;
                ensure_eq!(out.code, Some(0), "{}: {}", unshare.display(), out.show());
                ensure_eq!(
                    out.stdout,
                    "0 closed\n1 open\n2 closed\n",
                    "{}: {}",
                    unshare.display(),
                    out.show()
                );
            }
            Ok(())
        },
    );

    suite.test(
        "start::a_file_the_tool_opens_never_takes_a_closed_fd",
        &[],
        || {
            // With 0, 1 and 2 closed, the file memhog maps must not become its stdin, stdout or
            // stderr (`cgset ... >&-` must not print into a knob): each is held by an O_PATH
            // placeholder on which writes fail with EBADF, closed on exec.
            let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("fds"));
            std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
            let file = dir.join("backing");
            let result = (|| {
                std::fs::write(&file, vec![0u8; 1 << 20]).map_err(|e| e.to_string())?;
                let hog = ChildGuard::spawn(Command::new("sh").arg("-c").arg(format!(
                    "exec {} -f{} 1m 30 <&- >&- 2>&-",
                    ours("memhog").display(),
                    file.display()
                )))?;
                let fd_dir = format!("/proc/{}/fd", hog.pid());
                let target = |fd: u32| std::fs::read_link(format!("{fd_dir}/{fd}")).ok();
                ensure!(
                    wait_until(Duration::from_secs(10), || (3..64)
                        .any(|fd| target(fd).as_deref() == Some(file.as_path()))),
                    "memhog never opened {}",
                    file.display()
                );
                for fd in 0..3 {
                    ensure_eq!(target(fd), Some("/dev/null".into()), "fd {fd}");
                    let info = std::fs::read_to_string(format!("/proc/{}/fdinfo/{fd}", hog.pid()))
                        .map_err(|e| e.to_string())?;
                    let flags = info
                        .lines()
                        .find_map(|l| l.strip_prefix("flags:"))
                        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                        .ok_or(format!("no flags in {info}"))?;
                    let want = (libc::O_PATH | libc::O_CLOEXEC) as u32;
                    ensure_eq!(flags & want, want, "fd {fd} flags {flags:o}");
                }
                Ok(())
            })();
            let _ = std::fs::remove_dir_all(&dir);
            result
        },
    );

    suite.test("start::unwritable_stdout_is_a_write_error", &[], || {
        // util-linux's close_stdout: `unshare --version >/dev/full` says `unshare: write error:
        // No space left on device` and exits 1; a closed pipe is quiet. memhog is left out:
        // numactl's memhog ignores failed writes, and so does ours.
        for tool in TOOLS.iter().filter(|t| **t != "memhog") {
            let out = sh(&format!("{} --version >/dev/full", ours(tool).display()))?;
            ensure_eq!(out.code, Some(1), "{tool}: {}", out.show());
            ensure!(
                out.stderr
                    .ends_with(": write error: No space left on device\n")
                    && out.stderr.lines().count() == 1,
                "{tool}: {}",
                out.show()
            );
            // The reader is gone before the tool writes: EPIPE, which must stay quiet.
            let out = sh(&format!("{} --version | (exec 0<&-)", ours(tool).display()))?;
            ensure_eq!(out.stderr, "", "{tool} into a closed pipe: {}", out.show());
        }
        // A tool's real output too, not only --version (cgtools write through tools::out).
        for listing in ["lssubsys -a", "ps -e"] {
            let (tool, args) = listing.split_once(' ').unwrap_or((listing, ""));
            let out = sh(&format!("{} {args} >/dev/full", ours(tool).display()))?;
            ensure_eq!(out.code, Some(1), "{listing}: {}", out.show());
            ensure!(
                out.stderr == format!("{tool}: write error: No space left on device\n")
                    || out
                        .stderr
                        .ends_with(&format!("/{tool}: write error: No space left on device\n")),
                "{listing}: {}",
                out.show()
            );
        }
        Ok(())
    });

    suite.test("start::output_reaches_a_pipe", &[], || {
        // Rust's runtime flushed stdout on return from main; C's exit() does not know its buffer,
        // so common::start flushes it.
        let out = sh(&format!("{} -e -o pid= | wc -l", ours("ps").display()))?;
        let lines: usize = out
            .stdout
            .trim()
            .parse()
            .map_err(|e| format!("{e}: {}", out.show()))?;
        ensure!(
            lines > 1,
            "ps -e printed {lines} lines into a pipe: {}",
            out.show()
        );
        Ok(())
    });

    suite.run();
}

/// Run this very test binary as `nobody` (from a world-readable copy, with our tools beside it):
/// it must pass, report the root-only tests as skipped and list each with its reason.
fn non_root_run() -> nstools_tests::TestResult {
    // The child is not root, so it never reaches this test again.
    let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("nonroot"));
    std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
    let result = (|| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        std::fs::copy(&me, dir.join("foundation")).map_err(|e| e.to_string())?;
        for tool in TOOLS {
            std::fs::copy(ours(tool), dir.join(tool)).map_err(|e| e.to_string())?;
        }
        let out = run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(dir.join("foundation"))
            .env_remove("CI")
            .env_remove("NSTOOLS_REQUIRE_PRIVILEGED")
            .env("NSTOOLS_BIN_DIR", &dir))?;
        ensure_eq!(out.code, Some(0), "non-root run failed:\n{}", out.show());
        for line in [
            "skipped: needs root: not running as root] guard::test_cgroup_removes_itself_and_its_processes",
            "  guard::test_cgroup_on_unified_hierarchy: needs root: not running as root",
            " 0 failed; 3 ignored;",
        ] {
            ensure!(out.stdout.contains(line), "missing {line:?} in:\n{}", out.stdout);
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Number of live processes in process group `pgid` (zombies excluded).
fn count_group(pgid: i32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
                return false;
            };
            let fields: Vec<&str> = after.split(' ').collect();
            fields.first() != Some(&"Z") && fields.get(2) == Some(&pgid.to_string().as_str())
        })
        .count()
}
