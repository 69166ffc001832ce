//! End-to-end and differential tests of `memhog`.
//!
//! * `diff::*`: our memhog against numactl's (`/usr/bin/memhog`) over the option, size, policy and
//!   nodeset matrix: stdout, stderr and exit status must be equal, with one named difference (the
//!   usage text of Debian's 2.0.16 is older than upstream's, which we print).
//! * `walkthrough::*`: the `memhog SIZE SECONDS` format, in real memory cgroups (v1 `memory`): a
//!   10 MiB limit gets it OOM-killed after `writing ...`; a larger one lets it finish, holding the
//!   memory while it sleeps.
//! * `numa::*`: the pages' policy and node read back from /proc/PID/numa_maps while it holds them.
//! * `resident::*`: every page is written: the cgroup is charged the whole buffer, as for numactl's.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nstools_tests::gate::{v1_mount, Need};
use nstools_tests::guard::{unique_name, ChildGuard, TestCgroup};
use nstools_tests::run::run;
use nstools_tests::{ensure, ensure_eq, original, ours, Differential, Outcome, Side, Suite};

const ORIGINAL: Need = Need::Original("/usr/bin/memhog");
const MEMORY: Need = Need::CgroupV1("memory");
const MIB: u64 = 1 << 20;

/// Debian 12's numactl 2.0.16 prints an older usage text: its first line lacks ` [-H]` (added in
/// 2.0.17) and its policy list lacks `weighted-interleave` (added after 2.0.19). We print the
/// newer upstream text; this rewrites the original's two lines to it before comparing.
const USAGE_WHY: &str = "numactl 2.0.16's usage lacks ` [-H]` and `weighted-interleave`: we print upstream's newer text";

fn newer_usage(side: Side, outcome: &mut Outcome) {
    if side == Side::Original {
        outcome.stdout = outcome
            .stdout
            .replace(
                "memhog [-fFILE] [-rNUM] size[kmg]",
                "memhog [-fFILE] [-rNUM] [-H] size[kmg]",
            )
            .replace(
                "Policies: preferred-many local interleave membind preferred default\n",
                "Policies: preferred-many local interleave membind preferred default weighted-interleave\n",
            );
    }
}

const USAGE_TEXT: &str = "memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset]]\n\
-f mmap is backed by FILE\n\
-rNUM repeat memset NUM times\n\
-H disable transparent hugepages\n\
Policies: preferred-many local interleave membind preferred default weighted-interleave\n";

/// The command lines compared with numactl's memhog, and what each must show (checked on our
/// side too, so that a case cannot pass by both sides failing the same wrong way).
enum Expect {
    /// The usage text, exit 1.
    Usage,
    /// This stdout and exit 0.
    Dots(&'static str),
    /// Exit 1 with this stderr.
    Fails(&'static str),
    /// Anything, as long as it is the original's.
    Same,
}

fn matrix() -> Vec<(&'static [&'static str], Expect)> {
    use Expect::*;
    vec![
        // No size, unknown options, options after the size.
        (&[], Usage),
        (&["-x"], Usage),
        (&["-"], Usage),
        (&["-1"], Usage),
        (&["-h"], Usage),
        (&["--help"], Usage),
        (&["--membind", "1m"], Usage),
        (&["-H"], Usage),
        (&["-r3"], Usage),
        (&["1m", "-H"], Usage),
        // Sizes: strtoul base 0, then only the first suffix byte.
        (&["1"], Dots(".\n")),
        (&["20m"], Dots("..\n")),
        (&["20M"], Dots("..\n")),
        (&["21m"], Dots("...\n")),
        (&["3k"], Dots(".\n")),
        (&["1x"], Dots(".\n")),
        (&["1.5g"], Dots(".\n")),
        (&["0x100000"], Dots(".\n")),
        (&["010"], Dots(".\n")),
        (&["+5m"], Dots(".\n")),
        (&["10485761"], Dots("..\n")),
        (&["200m"], Dots("....................\n")),
        (&["0"], Fails("numactl: mmap: Invalid argument\n")),
        (&["08"], Fails("numactl: mmap: Invalid argument\n")),
        (&["abc"], Fails("numactl: mmap: Invalid argument\n")),
        (&[""], Fails("numactl: mmap: Invalid argument\n")),
        (&["k"], Fails("numactl: mmap: Invalid argument\n")),
        (
            &["17179869183g"],
            Fails("numactl: mmap: Cannot allocate memory\n"),
        ),
        (&[" -1"], Fails("numactl: mmap: Cannot allocate memory\n")),
        // Options: values attached, atoi for -r, only the second character counts.
        (&["-r2", "10M"], Dots(".\n.\n")),
        (&["-r3", "25m"], Dots("...\n...\n...\n")),
        (&["-r", "10M"], Dots("")),
        (&["-r0", "1m"], Dots("")),
        (&["-r-1", "1m"], Dots("")),
        (&["-rabc", "1m"], Dots("")),
        (&["-r2x", "1m"], Dots(".\n.\n")),
        (&["-H", "1m"], Dots(".\n")),
        (&["-Hx", "1m"], Dots(".\n")),
        (&["-H", "-r2", "-H", "1m"], Dots(".\n.\n")),
        (&["-r2", "-r1", "70m"], Dots(".......\n")),
        // -f: open failures are perror'd and memhog goes on with anonymous memory.
        (&["-f/nonexistent/nstools", "1m"], Same),
        (&["-f", "1m"], Same),
        (&["-f/nonexistent/nstools"], Usage),
        (&["-f/nonexistent/nstools", "-x", "1m"], Usage),
        (&["-f/", "1m"], Same),
        // Policies: names with leading dashes, nodeset optional only for local/default.
        (&["1m", "interleave", "0"], Dots(".\n")),
        (&["1m", "membind", "0"], Dots(".\n")),
        (&["1m", "--membind", "0"], Dots(".\n")),
        (&["1m", "preferred", "0"], Dots(".\n")),
        (&["1m", "preferred-many", "0"], Dots(".\n")),
        (&["1m", "local"], Dots(".\n")),
        (&["1m", "default"], Dots(".\n")),
        (&["1m", "local", "junk"], Dots(".\n")),
        (&["1m", "default", "999"], Dots(".\n")),
        (&["1m", "local", "0", "extra"], Dots(".\n")),
        (&["1m", "interleave"], Usage),
        (&["1m", "membind"], Usage),
        (&["1m", "bogus", "0"], Usage),
        (&["1m", "1x"], Usage),
        (&["1m", "+1"], Usage),
        (&["1m", ""], Usage),
        (&["1m", "-"], Usage),
        (&["-r2", "1m", "nope"], Usage),
        // Nodesets as libnuma's numa_parse_nodestring reads them.
        (&["1m", "interleave", "all"], Dots(".\n")),
        (&["1m", "interleave", "0-0"], Dots(".\n")),
        (&["1m", "interleave", "0,0"], Dots(".\n")),
        (&["1m", "interleave", "+0"], Dots(".\n")),
        (&["1m", "interleave", "0x0"], Dots(".\n")),
        (&["1m", "interleave", " 0"], Dots(".\n")),
        (&["1m", "interleave", ""], Same),
        (&["1m", "interleave", "!all"], Same),
        (&["1m", "interleave", "999"], Same),
        (&["1m", "interleave", "0-999"], Same),
        (&["1m", "interleave", "999-0"], Same),
        (&["1m", "interleave", "x"], Same),
        (&["1m", "interleave", "allx"], Same),
        (&["1m", "interleave", "0,"], Same),
        (&["1m", "interleave", "0-"], Same),
        (&["1m", "interleave", "0 "], Same),
        (&["1m", "interleave", "-1"], Same),
        (&["1m", "interleave", "+999"], Same),
        (&["1m", "membind", "0,999"], Same),
    ]
}

fn main() {
    let mut suite = Suite::new();

    for (args, expect) in matrix() {
        let name = format!("diff::{args:?}");
        suite.test(&name, &[ORIGINAL], move || {
            let (ours, _) = Differential::new("memhog", args)
                .allow(USAGE_WHY, newer_usage)
                .check()?;
            match expect {
                Expect::Usage => {
                    ensure_eq!(ours.stdout, USAGE_TEXT, "usage on stdout");
                    ensure_eq!(ours.code, Some(1), "usage exit code");
                }
                Expect::Dots(dots) => {
                    ensure_eq!(ours.stdout, dots, "dots");
                    ensure_eq!((ours.code, ours.stderr.as_str()), (Some(0), ""));
                }
                Expect::Fails(stderr) => {
                    ensure_eq!((ours.code, ours.stderr.as_str()), (Some(1), stderr));
                    ensure_eq!(ours.stdout, "", "nothing on stdout");
                }
                Expect::Same => {}
            }
            Ok(())
        });
    }

    suite.test("diff::file_mapping_is_written_through", &[ORIGINAL], || {
        for tool in [ours("memhog"), original("memhog")] {
            let file = TempFile::new(30 * MIB)?;
            let arg = format!("-f{}", file.path.display());
            let out = run(Command::new(&tool).args([arg.as_str(), "-r2", "30m"]))?;
            ensure_eq!(
                (out.stdout.as_str(), out.stderr.as_str(), out.code),
                ("...\n...\n", "", Some(0)),
                "{}",
                tool.display()
            );
            let bytes = std::fs::read(&file.path).map_err(|e| e.to_string())?;
            ensure!(
                bytes.len() == 30 * MIB as usize && bytes.iter().all(|&b| b == 0xff),
                "{}: the file must hold 30 MiB of 0xff",
                tool.display()
            );
        }
        Ok(())
    });

    suite.test(
        "diff::short_file_dies_of_sigbus_after_one_dot",
        &[ORIGINAL],
        || {
            let file = TempFile::new(5 * MIB)?;
            let arg = format!("-f{}", file.path.display());
            let (ours, _) = Differential::new("memhog", &[arg.as_str(), "30m"]).check()?;
            ensure_eq!(
                (ours.stdout.as_str(), ours.signal),
                (".", Some(libc::SIGBUS))
            );
            Ok(())
        },
    );

    suite.test(
        "diff::last_f_decides_even_when_it_fails",
        &[ORIGINAL],
        || {
            let file = TempFile::new(MIB)?;
            let good = format!("-f{}", file.path.display());
            let args = [good.as_str(), "-f/nonexistent/nstools", "1m"];
            let (ours, _) = Differential::new("memhog", &args).check()?;
            ensure_eq!(
                ours.stderr,
                "/nonexistent/nstools: No such file or directory\n"
            );
            let bytes = std::fs::read(&file.path).map_err(|e| e.to_string())?;
            ensure!(
                bytes.iter().all(|&b| b == 0),
                "the failed -f won: anonymous memory, the file untouched"
            );
            Ok(())
        },
    );

    suite.test("diff::closed_pipe_kills_with_sigpipe", &[ORIGINAL], || {
        for tool in [ours("memhog"), original("memhog")] {
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

    suite.test("diff::full_stdout_is_ignored", &[ORIGINAL], || {
        for tool in [ours("memhog"), original("memhog")] {
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

    suite.test("weighted_interleave_is_a_policy", &[], || {
        // numactl 2.0.16 does not know it (usage, exit 1); upstream after 2.0.19 does, and so do we.
        let out = run(Command::new(ours("memhog")).args(["1m", "weighted-interleave", "0"]))?;
        ensure_eq!((out.stdout.as_str(), out.code), (".\n", Some(0)));
        // Kernels before 6.9 refuse the policy: numactl then reports mbind's error and goes on.
        ensure!(
            out.stderr.is_empty() || out.stderr == "mbind: Invalid argument\n",
            "unexpected stderr {:?}",
            out.stderr
        );
        Ok(())
    });

    suite.test("walkthrough::format_without_limit", &[], || {
        let out = run(Command::new(ours("memhog")).args(["104857600", "1"]))?;
        ensure_eq!(out.stdout, four_lines(104857600, 1));
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
        "walkthrough::numactl_format_is_killed_too",
        &[Need::Root, MEMORY, ORIGINAL],
        || {
            // Both memhogs, numactl's format, 20 MiB under a 10 MiB limit: killed by SIGKILL.
            for tool in [ours("memhog"), original("memhog")] {
                let group = limited_group("oom-dots", 10 * MIB)?;
                let out = run(Command::new("/bin/sh")
                    .args([
                        "-c",
                        r#"echo $$ > "$1/cgroup.procs" && exec "$2" 20m"#,
                        "sh",
                    ])
                    .arg(&group.path)
                    .arg(&tool))?;
                ensure_eq!(
                    out.signal,
                    Some(libc::SIGKILL),
                    "{}: {}",
                    tool.display(),
                    out.show()
                );
                ensure!(
                    out.stdout == "." || out.stdout == "..",
                    "{}: dots before the kill: {:?}",
                    tool.display(),
                    out.stdout
                );
            }
            Ok(())
        },
    );

    suite.test(
        "resident::whole_buffer_is_charged_like_numactl",
        &[Need::Root, MEMORY, ORIGINAL],
        || {
            let mut peaks = Vec::new();
            for (tool, args) in [
                (ours("memhog"), &["200m"][..]),
                (original("memhog"), &["200m"]),
                (ours("memhog"), &["209715200", "0"]),
            ] {
                let group = limited_group("rss", 1024 * MIB)?;
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
                    peak >= 200 * MIB,
                    "{} {args:?}: peak charge {peak} < 200 MiB: pages were not all written",
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
        suite.test(&format!("numa::{policy}_pages_on_node_0"), &[], move || {
            let tools = [ours("memhog"), original("memhog")];
            let tools = if Path::new("/usr/bin/memhog").is_file() {
                &tools[..]
            } else {
                &tools[..1]
            };
            for tool in tools {
                numa_check(tool, policy, nodes, shown)?;
            }
            Ok(())
        });
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

/// A file of `size` zero bytes in the temp directory, removed on drop.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(size: u64) -> Result<Self, String> {
        let path = std::env::temp_dir().join(unique_name("memhog-file"));
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        file.set_len(size).map_err(|e| e.to_string())?;
        Ok(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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
