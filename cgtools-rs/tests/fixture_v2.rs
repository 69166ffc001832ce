//! The tools end to end on a cgroup v2 fixture tree (a v2-only layout on a host that has none):
//! mountinfo, `/proc/cgroups`, the mount's knobs as plain files, `/etc/cgrules.conf`, the systemd
//! default scope and `/run/systemd/system`, all under a temporary directory.
//!
//! The shipped binaries always read the real `/proc` and `/` (no environment variable redirects
//! them); this test binary runs a tool on the fixture by re-executing itself, as
//! `THIS __cgtools_at DIR TOOL ARGS...`, which calls the library's [`cgtools::main_at`] with the
//! fixture's roots. Nothing here needs root: every write lands in the fixture.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use cgtools::Roots;
use nstools_tests::bins::LIBCGROUP_TOOLS as TOOLS;
use nstools_tests::gate::Need;
use nstools_tests::guard::{leaked_idle_processes, unique_name, ChildGuard, IDLE_NAME};
use nstools_tests::run::run;
use nstools_tests::{ensure, ensure_eq, Outcome, Suite};

/// The first argument that makes this binary a tool running on a fixture tree.
const AT_FIXTURE: &str = "__cgtools_at";

/// A cgroup v2-only fixture tree (mountinfo, /proc/cgroups, the mount's files as plain files),
/// removed on drop.
struct V2Fixture {
    dir: PathBuf,
}

impl V2Fixture {
    /// After a failed `cgcreate -c` of `nst.slice/...`: no slice created, and the default scope
    /// file still names `old.slice/kept.scope`.
    fn scope_failure_left_nothing(&self) -> Result<(), String> {
        ensure!(
            !self.path("sys/fs/cgroup/nst.slice").exists(),
            "nothing created"
        );
        ensure_eq!(
            self.read("var/run/libcgroup/systemd"),
            "old.slice/kept.scope",
            "default untouched"
        );
        Ok(())
    }

    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(unique_name("cgtools-v2fx"));
        let fx = V2Fixture { dir };
        fx.file(
            "proc/self/mountinfo",
            "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        )?;
        fx.file("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t1\t1\nmemory\t0\t1\t1\npids\t0\t1\t1\n")?;
        fx.file("sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n")?;
        fx.file("sys/fs/cgroup/cgroup.subtree_control", "")?;
        fx.file("sys/fs/cgroup/cgroup.procs", "")?;
        Ok(fx)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn file(&self, rel: &str, content: &str) -> Result<(), String> {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&p, content).map_err(|e| format!("{}: {e}", p.display()))
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| format!("<{e}>"))
    }

    /// A group with these (file, content) pairs.
    fn group(&self, name: &str, files: &[(&str, &str)]) -> Result<(), String> {
        self.file(
            &format!("sys/fs/cgroup/{name}/cgroup.controllers"),
            "cpu memory\n",
        )?;
        for (f, c) in files {
            self.file(&format!("sys/fs/cgroup/{name}/{f}"), c)?;
        }
        Ok(())
    }

    /// `tool` on this fixture (argv[0] is the bare tool name), to be given its arguments.
    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
        cmd.arg0(tool)
            .arg(AT_FIXTURE)
            .arg(&self.dir)
            .arg(tool)
            .env("LC_ALL", "C");
        cmd
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<Outcome, String> {
        run(self.command(tool).args(args))
    }
}

impl Drop for V2Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// This binary as a tool: `[argv0, AT_FIXTURE, DIR, TOOL, ARGS...]` runs TOOL with argv
/// `[argv0, ARGS...]` on the roots under DIR; `[IDLE_NAME]` is cgcreate's idle process.
fn as_tool(args: &[OsString]) -> Option<std::convert::Infallible> {
    let tool_main = |tool: &str, argv: Vec<OsString>, roots: Roots| -> ! {
        let tool: &'static str = TOOLS
            .into_iter()
            .find(|t| *t == tool)
            .expect("a cg tool name");
        let status = common::start::enter(move |_| cgtools::main_at(tool, argv, roots));
        std::process::exit(status)
    };
    if args.len() == 1 && args[0] == IDLE_NAME {
        tool_main("cgcreate", args.to_vec(), Roots::default());
    }
    if args.get(1).is_some_and(|a| a == AT_FIXTURE) && args.len() >= 4 {
        let dir = PathBuf::from(&args[2]);
        let tool = args[3].to_string_lossy().into_owned();
        let mut argv = vec![args[0].clone()];
        argv.extend_from_slice(&args[4..]);
        let roots = Roots {
            proc: dir.join("proc"),
            fs: dir,
        };
        tool_main(&tool, argv, roots);
    }
    None
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    as_tool(&args);
    let mut suite = Suite::new();

    // ---- the default scope and -b, on a cgroup v2 fixture tree
    suite.test("fixture_v2::default_scope_is_the_base_of_paths_and_b_ignores_it", &[], || {
        let fx = V2Fixture::new()?;
        fx.group("nst.slice/x.scope", &[("cgroup.procs", ""), ("memory.max", "")])?;
        fx.file("var/run/libcgroup/systemd", "nst.slice/x.scope")?;
        let scope = "sys/fs/cgroup/nst.slice/x.scope";
        let o = fx.run("cgcreate", &["-g", ":sub"])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure!(fx.path(&format!("{scope}/sub")).is_dir(), "created in the default scope");
        ensure!(!fx.path("sys/fs/cgroup/sub").exists(), "not at the root");
        let o = fx.run("cgcreate", &["-b", "-g", ":top"])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure!(fx.path("sys/fs/cgroup/top").is_dir(), "-b: at the root");
        ensure!(!fx.path(&format!("{scope}/top")).exists(), "-b: not in the scope");
        // cgexec: `.` is the scope itself; with -b the root's group.
        let o = fx.run("cgexec", &["-g", ":.", "sh", "-c", "echo $$"])?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        ensure_eq!(fx.read(&format!("{scope}/cgroup.procs")), o.stdout.trim(), "cgexec wrote its pid in the scope");
        fx.file("sys/fs/cgroup/top/cgroup.procs", "")?;
        let o = fx.run("cgexec", &["-b", "-g", ":/top", "sh", "-c", "echo $$"])?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/top/cgroup.procs"), o.stdout.trim());
        // cgclassify, cgset, cgget, lscgroup follow the same base.
        fx.file(&format!("{scope}/sub/cgroup.procs"), "")?;
        let mut child = ChildGuard::spawn(Command::new("sleep").arg("30"))?;
        let o = fx.run("cgclassify", &["-g", ":sub", &child.pid().to_string()])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure_eq!(fx.read(&format!("{scope}/sub/cgroup.procs")), child.pid().to_string());
        let o = fx.run("cgset", &["-r", "memory.max=1048576", "."])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure_eq!(fx.read(&format!("{scope}/memory.max")), "1048576");
        let o = fx.run("cgget", &["-r", "memory.max", "."])?;
        ensure_eq!(o.stdout, ".:\nmemory.max: 1048576\n\n", "{}", o.show());
        let o = fx.run("cgget", &["-b", "-r", "memory.max", "."])?;
        ensure!(o.code != Some(0), "-b: the root has no memory.max here: {}", o.show());
        let o = fx.run("lscgroup", &["-g", ":."])?;
        ensure_eq!(o.stdout, ":/nst.slice/x.scope/\n:/nst.slice/x.scope/sub\n", "{}", o.show());
        // A file that names no scope, or a scope that is gone: a warning (at WARNING level), no base.
        for (content, why) in [("garbage", "Malformed systemd default cgroup garbage, continuing without systemd default cgroup.\n"), ("nst.slice/gone.scope\n", "does not exist")] {
            fx.file("var/run/libcgroup/systemd", content)?;
            let plain = unique_name("plain");
            let o = run(fx.command("cgcreate").args(["-g", &format!(":{plain}")]).env("CGROUP_LOGLEVEL", "WARNING"))?;
            ensure_eq!(o.code, Some(0), "{}", o.show());
            ensure!(o.stderr.contains(why), "{content:?}: {}", o.stderr);
            ensure!(fx.path(&format!("sys/fs/cgroup/{plain}")).is_dir(), "{content:?}: created at the root");
        }
        let _ = child.child.kill();
        Ok(())
    });
    suite.test(
        "fixture_v2::cgcreate_scope_failure_leaves_nothing",
        &[],
        || {
            let fx = V2Fixture::new()?;
            fx.file("var/run/libcgroup/systemd", "old.slice/kept.scope")?;
            // No systemd and no system bus in the fixture: libcgroup's bus failure.
            let o = fx.run("cgcreate", &["-c", "-S", "-g", "cpu:nst.slice/y.scope"])?;
            ensure_eq!(o.code, Some(93), "{}", o.show());
            ensure_eq!(o.stdout, "Error: failed to open the system bus: 2\n");
            ensure!(
                o.stderr
                    .ends_with("can't create cgroup nst.slice/y.scope: Cgroup operation failed\n"),
                "{}",
                o.stderr
            );
            fx.scope_failure_left_nothing()?;
            Ok(())
        },
    );
    suite.test(
        "fixture_v2::cgcreate_scope_bus_failure_kills_its_idle_process",
        &[Need::Program("busctl")],
        || {
            let fx = V2Fixture::new()?;
            fx.file("var/run/libcgroup/systemd", "old.slice/kept.scope")?;
            // systemd "running" (the directory) but no bus to talk to: busctl fails; the idle process
            // cgcreate started for the scope is killed, nothing is created or recorded.
            std::fs::create_dir_all(fx.path("run/systemd/system")).map_err(|e| e.to_string())?;
            let o = run(fx
                .command("cgcreate")
                .args(["-c", "-S", "-g", "cpu:nst.slice/y.scope"])
                .env("CGROUP_LOGLEVEL", "DEBUG")
                .env(
                    "DBUS_SYSTEM_BUS_ADDRESS",
                    format!("unix:path={}", fx.path("no-bus").display()),
                ))?;
            ensure_eq!(o.code, Some(96), "{}", o.show());
            ensure!(
                o.stderr
                    .contains("can't create scope nst.slice/y.scope: StartTransientUnit failed: "),
                "{}",
                o.stderr
            );
            // The idle process existed (DEBUG names it) and is gone.
            let idle: i32 = o
                .stderr
                .lines()
                .find_map(|l| l.strip_prefix(&format!("created {IDLE_NAME} pid ")))
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("no idle process line in {}", o.stderr))?;
            ensure!(
                !Path::new(&format!("/proc/{idle}")).exists(),
                "idle process {idle} still exists"
            );
            ensure_eq!(
                leaked_idle_processes(),
                Vec::<i32>::new(),
                "no idle process left"
            );
            fx.scope_failure_left_nothing()?;
            Ok(())
        },
    );

    // ---------------------------------------------------------------- cgroup v2 on a fixture tree
    suite.test("fixture_v2::v1_names_translate_on_v2", &[], || {
        let fx = V2Fixture::new()?;
        // Knob files start empty: a plain file is not truncated by a write, unlike a cgroup knob.
        fx.group("g", &[("memory.max", ""), ("memory.high", ""), ("cpu.weight", ""), ("cpu.max", "")])?;
        let o = fx.run(
            "cgset",
            &["-r", "memory.limit_in_bytes=10485760", "-r", "memory.soft_limit_in_bytes=-1", "-r", "cpu.shares=512", "-r", "cpu.cfs_quota_us=50000", "g"],
        )?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/g/memory.max"), "10485760");
        ensure_eq!(fx.read("sys/fs/cgroup/g/memory.high"), "max");
        ensure_eq!(fx.read("sys/fs/cgroup/g/cpu.weight"), "50");
        ensure_eq!(fx.read("sys/fs/cgroup/g/cpu.max"), "50000");
        ensure!(!fx.path("sys/fs/cgroup/g/memory.limit_in_bytes").exists(), "no v1 file created");
        // The period keeps the current quota (same length: the plain file's tail is overwritten).
        fx.group("p", &[("cpu.max", "50000 100000\n")])?;
        let o = fx.run("cgset", &["-r", "cpu.cfs_period_us=200000", "p"])?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/p/cpu.max"), "50000 200000\n");
        // Reading: v1 names from v2 files, with v1 values.
        fx.group("r", &[("memory.max", "max\n"), ("memory.high", "8388608\n"), ("cpu.weight", "100\n"), ("cpu.max", "25000 100000\n")])?;
        let o = fx.run(
            "cgget",
            &["-r", "memory.limit_in_bytes", "-r", "memory.soft_limit_in_bytes", "-r", "cpu.shares", "-r", "cpu.cfs_quota_us", "-r", "cpu.cfs_period_us", "-r", "memory.max", "r"],
        )?;
        ensure_eq!(
            o.stdout,
            "r:\nmemory.limit_in_bytes: 9223372036854771712\nmemory.soft_limit_in_bytes: 8388608\ncpu.shares: 1024\ncpu.cfs_quota_us: 25000\ncpu.cfs_period_us: 100000\nmemory.max: max\n\n",
            "{}",
            o.show()
        );
        // An unmappable v1 name is a clear error, nothing written.
        let o = fx.run("cgset", &["-r", "memory.swappiness=10", "g"])?;
        ensure_eq!(o.code, Some(111), "{}", o.show());
        ensure!(o.stderr.ends_with("cgset: cgroup modify error: memory.swappiness has no cgroup v2 equivalent\n"), "{}", o.stderr);
        ensure!(!fx.path("sys/fs/cgroup/g/memory.swappiness").exists(), "nothing created");
        let o = fx.run("cgget", &["-r", "memory.memsw.limit_in_bytes", "g"])?;
        ensure_eq!(o.code, Some(111), "{}", o.show());
        Ok(())
    });
    suite.test(
        "fixture_v2::cgcreate_enables_controllers_and_tools_see_v2",
        &[],
        || {
            let fx = V2Fixture::new()?;
            fx.file("sys/fs/cgroup/top/cgroup.subtree_control", "memory\n")?;
            fx.file("sys/fs/cgroup/top/cgroup.controllers", "cpu memory\n")?;
            let o = fx.run("cgcreate", &["-g", "memory:top/new"])?;
            ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
            ensure!(fx.path("sys/fs/cgroup/top/new").is_dir(), "group created");
            ensure_eq!(
                fx.read("sys/fs/cgroup/cgroup.subtree_control"),
                "+memory",
                "the root lacked +memory"
            );
            ensure_eq!(
                fx.read("sys/fs/cgroup/top/cgroup.subtree_control"),
                "memory\n",
                "top had it: untouched"
            );
            let o = fx.run("cgget", &["-m"])?;
            ensure_eq!(o.stdout, "Unified Mode (Cgroup v2 only).\n");
            let o = fx.run("cgget", &["-c"])?;
            ensure_eq!(
                o.stdout,
                "#Controller\tVersion\ncpu        \t2\nmemory     \t2\npids       \t2\n"
            );
            let o = fx.run("lssubsys", &["-im"])?;
            let m = fx.path("sys/fs/cgroup").display().to_string();
            ensure_eq!(o.stdout, format!("cpu 0 {m}\nmemory 0 {m}\npids 0 {m}\n"));
            let o = fx.run("lscgroup", &["memory:/top"])?;
            ensure_eq!(o.stdout, "memory:/top/\nmemory:/top/new\n");
            // cgget -g memory reads the group's memory.* files; -a every controller it has.
            fx.group(
                "top/new",
                &[
                    ("memory.max", "max\n"),
                    ("memory.stat", "anon 0\nfile 0\n"),
                    ("cpu.weight", "100\n"),
                ],
            )?;
            let o = fx.run("cgget", &["-g", "memory", "top/new"])?;
            let mut lines: Vec<&str> = o.stdout.lines().collect();
            lines.sort();
            ensure_eq!(
                lines,
                vec![
                    "",
                    "\tfile 0",
                    "memory.max: max",
                    "memory.stat: anon 0",
                    "top/new:"
                ],
                "{}",
                o.show()
            );
            let o = fx.run("cgget", &["-n", "-a", "top/new"])?;
            ensure!(
                o.stdout.contains("cpu.weight: 100\n") && o.stdout.contains("memory.max: max\n"),
                "{}",
                o.show()
            );
            // A controller the unified hierarchy lacks.
            let o = fx.run("cgcreate", &["-g", "blkio:x"])?;
            ensure_eq!(o.code, Some(84), "{}", o.show());
            ensure!(!fx.path("sys/fs/cgroup/x").exists(), "nothing created");
            Ok(())
        },
    );
    suite.test("fixture_v2::cgexec_and_cgclassify_follow_cgrules_without_g", &[], || {
        let fx = V2Fixture::new()?;
        fx.group("shells/sh", &[("cgroup.procs", "")])?;
        fx.group("sleepers", &[("cgroup.procs", "")])?;
        fx.file(
            "etc/cgrules.conf",
            "# user:process controllers destination\n*:sh memory shells/%p\n*:sleep memory sleepers\n",
        )?;
        // `*` = every controller: here all live in the one v2 hierarchy.
        fx.group("star", &[("cgroup.procs", "")])?;
        let o = fx.run("cgexec", &["-g", "*:star", "sh", "-c", "echo $$"])?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/star/cgroup.procs"), o.stdout.trim());
        let o = fx.run("cgexec", &["sh", "-c", "echo $$"])?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/shells/sh/cgroup.procs"), o.stdout.trim(), "cgexec wrote its own pid");
        // No matching rule: run where we are, nothing written.
        let o = fx.run("cgexec", &["true"])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        let mut child = ChildGuard::spawn(Command::new("sleep").arg("30"))?;
        let o = fx.run("cgclassify", &[&child.pid().to_string()])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure_eq!(fx.read("sys/fs/cgroup/sleepers/cgroup.procs"), child.pid().to_string());
        // Users and groups by name, from the system's databases: an unknown user's rule and an
        // unknown group's rule match nobody; the child's own group matches.
        let name_of = |text: std::io::Result<std::process::Output>| {
            text.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .map_err(|e| e.to_string())
        };
        let user = name_of(Command::new("id").arg("-un").output())?;
        let group = name_of(Command::new("id").arg("-gn").output())?;
        let dest = format!("admins/{user}-{group}");
        fx.group(&dest, &[("cgroup.procs", "")])?;
        fx.file(
            "etc/cgrules.conf",
            &format!("nst-no-such-user memory nowhere\n@nst-no-such-group memory nowhere\n@{group}:sleep memory admins/%u-%g\n"),
        )?;
        let o = fx.run("cgclassify", &[&child.pid().to_string()])?;
        ensure_eq!((o.code, o.stderr.as_str()), (Some(0), ""), "{}", o.show());
        ensure_eq!(fx.read(&format!("sys/fs/cgroup/{dest}/cgroup.procs")), child.pid().to_string());
        // A rule naming a group that does not exist.
        fx.file("etc/cgrules.conf", "*:sleep memory nowhere\n")?;
        let o = fx.run("cgclassify", &[&child.pid().to_string()])?;
        ensure_eq!(o.code, Some(1), "{}", o.show());
        ensure_eq!(o.stderr, format!("Error: change of cgroup failed for pid {}: Cgroup does not exist\n", child.pid()));
        let _ = child.child.kill();
        Ok(())
    });

    suite.run();
}
