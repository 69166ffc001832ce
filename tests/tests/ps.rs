//! End-to-end and differential tests of `ps` against procps-ng 4.0.4, the newest release
//! (`target/reference/bin/ps`); the walkthrough's invocations also against Debian 12's 4.0.2
//! (`/usr/bin/ps`), which scripts on Debian 12 meet.
//!
//! The differential runs use a fixed process tree that the test starts in its own session and
//! freezes with SIGSTOP, and select only that tree (`-s SID`, `-p LIST`, `--ppid`, `-PGID`,
//! `-C NAME`...), so both tools read identical values. Every allowed difference is named.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nstools_tests::guard::wait_until;
use nstools_tests::{
    ensure, ensure_eq, ours, Differential, Need, Outcome, Side, Suite, TestResult,
};

const PS: Need = Need::Newest("ps");
/// Debian 12's procps 4.0.2: the second reference, for what scripts on Debian 12 meet.
const PS_DEBIAN12: Need = Need::Original("/usr/bin/ps");

/// The frozen tree: a session leader `sh` with sleeps, a nested shell, a zombie, a process with
/// a long and odd command line, one with a unique command name, and a multi-threaded process.
struct Tree {
    leader: Child,
    dir: PathBuf,
    sid: i32,
    name: String,
}

impl Tree {
    fn start() -> Result<Tree, String> {
        let dir = std::env::temp_dir().join(nstools_tests::guard::unique_name("ps"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        // A unique command name (comm is the executable's base name, at most 15 bytes).
        let name = format!("nps{}", std::process::id() % 1_000_000);
        std::os::unix::fs::symlink("/bin/sleep", dir.join(&name)).map_err(|e| e.to_string())?;
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let script = format!(
            "sleep 1000 & sleep 1001 & {dir}/{name} 1002 & \
             sh -c 'sleep 1003 & exec sleep 1004' & \
             sh -c 'sleep 1005; :' long-argument-{long} \"$(printf 'tab\\there')\" & \
             sh -c 'true & exec sleep 1006' & \
             NSTOOLS_PS_TEST_HELPER=1 {me} & \
             wait",
            dir = dir.display(),
            long = "x".repeat(180),
            me = me.display()
        );
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: setsid and rt_sigaction are async-signal-safe; the child only calls them
        // before exec, with a zeroed kernel sigaction (SIG_DFL) it owns.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                // Every signal at its default, the C library's own two (32, 33) too, which
                // glibc's sigaction refuses to touch: what the test harness inherited ignored
                // must not reach the tree (the sleeps then ignore only INT and QUIT, from the
                // shell's `&`, a mask `--signames` of procps 4.0.4 reads right).
                let dfl = [0u64; 4];
                for sig in 1..=64 {
                    if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                        libc::syscall(
                            libc::SYS_rt_sigaction,
                            sig,
                            dfl.as_ptr(),
                            std::ptr::null_mut::<u64>(),
                            8,
                        );
                    }
                }
                Ok(())
            });
        }
        let leader = cmd.spawn().map_err(|e| format!("spawn tree: {e}"))?;
        let sid = leader.id() as i32;
        let tree = Tree {
            leader,
            dir,
            sid,
            name,
        };
        // 1 sh + 3 sleeps + (sleep 1004 + 1003) + (sh + sleep 1005) + (sleep 1006 + zombie)
        // + the threaded helper = 11 processes; the helper has 3 threads; one zombie.
        let ready = wait_until(Duration::from_secs(20), || {
            let m = tree.members();
            m.len() == 11
                && m.iter().any(|(_, s, _)| *s == 'Z')
                && m.iter().any(|(_, _, threads)| *threads == 3)
        });
        if !ready {
            return Err(format!("tree did not come up: {:?}", tree.members()));
        }
        // SAFETY: the group is the session we created.
        unsafe { libc::killpg(sid, libc::SIGSTOP) };
        let stopped = wait_until(Duration::from_secs(10), || {
            tree.members()
                .iter()
                .all(|(_, s, _)| *s == 'T' || *s == 'Z')
        });
        if !stopped {
            return Err(format!("tree did not stop: {:?}", tree.members()));
        }
        Ok(tree)
    }

    /// (pid, state, threads) of every process in our session, in pid order.
    fn members(&self) -> Vec<(i32, char, i32)> {
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some(close) = stat.rfind(')') else {
                continue;
            };
            let f: Vec<&str> = stat[close + 2..].split(' ').collect();
            if f.len() > 17 && f[3].parse::<i32>().ok() == Some(self.sid) {
                let state = f[0].chars().next().unwrap_or('?');
                out.push((pid, state, f[17].parse().unwrap_or(0)));
            }
        }
        out.sort();
        out
    }

    fn pids(&self) -> Vec<i32> {
        self.members().iter().map(|m| m.0).collect()
    }

    fn threaded(&self) -> i32 {
        self.members()
            .iter()
            .find(|m| m.2 == 3)
            .map(|m| m.0)
            .unwrap_or(0)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        // SAFETY: the session/group we created; killing a gone group is harmless.
        unsafe {
            libc::killpg(self.sid, libc::SIGKILL);
            libc::killpg(self.sid, libc::SIGCONT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.leader.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Specifiers procps prints from values that change on their own (or that it only fakes):
/// left out of the differential lists, each for the reason given.
const UNSTABLE: &[(&str, &str)] = &[
    ("etime", "elapsed time advances between the two runs"),
    ("etimes", "elapsed time advances between the two runs"),
    ("nspid", "our extension, unknown to procps"),
    (
        "pss",
        "shared pages are divided among their mappers, the running ps among them",
    ),
    (
        "uss",
        "a page is unique only while no other process maps it: sleeps started and ended by \
         concurrent tests change that between the two runs (seen: 104 vs 108 KiB)",
    ),
    ("_left", "procps test column"),
    ("_left2", "procps test column"),
    ("_right", "procps test column"),
    ("_right2", "procps test column"),
    ("_unlimited", "procps test column"),
    ("_unlimited2", "procps test column"),
    (
        "unit",
        "systemd via libsystemd (ours derives it from the cgroup path)",
    ),
    ("uunit", "systemd via libsystemd"),
    ("slice", "systemd via libsystemd"),
    ("machine", "systemd via libsystemd"),
    ("seat", "systemd via libsystemd"),
    ("lsession", "systemd via libsystemd"),
    ("ouid", "systemd via libsystemd"),
];

fn all_specs() -> Vec<String> {
    let out = Command::new(nstools_tests::bins::newest("ps"))
        .arg("L")
        .output()
        .expect("ps L");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|s| !UNSTABLE.iter().any(|(u, _)| u == s))
        .collect()
}

/// Argument lists for the frozen tree. `S` = session id, `P` = pids, `T` = the threaded pid.
fn combos(tree: &Tree) -> Vec<Vec<String>> {
    let sid = tree.sid.to_string();
    let pids = tree.pids();
    let plist: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
    let p3 = plist[..3].join(",");
    let thr = tree.threaded().to_string();
    let child = pids[1].to_string();
    let mut v: Vec<Vec<String>> = Vec::new();
    let mut add = |s: &str| {
        let args: Vec<String> = s
            .split(' ')
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.replace("SID", &sid)
                    .replace("P3", &p3)
                    .replace("THR", &thr)
                    .replace("CHILD", &child)
                    .replace("NAME", &tree.name)
                    .replace('~', " ")
            })
            .collect();
        v.push(args);
    };
    // Selections.
    for sel in [
        "-s SID",
        "--sid SID",
        "--sid=SID",
        "-sSID",
        "-g SID",
        "--ppid SID",
        "--ppid=SID,CHILD",
        "-p P3",
        "-pP3",
        "p P3",
        "pP3",
        "--pid P3",
        "--pid=P3",
        "-p SID~CHILD",
        "-q P3",
        "q P3",
        "--quick-pid P3",
        "SID CHILD",
        "-SID",
        "+SID",
        "-C NAME",
        "-C NAME -s SID",
        "-C NAME,nosuch",
        "r -s SID",
        "-s SID r",
        "-e -s SID --ppid SID -N -N",
    ] {
        add(sel);
    }
    // Formats with the session selection.
    for fmt in [
        "-f",
        "-F",
        "-l",
        "-ly",
        "-lF",
        "-j",
        "-jf",
        "-jl",
        "-c",
        "-cf",
        "-lc",
        "-f -c",
        "-M",
        "-P",
        "-fP",
        "-FP",
        "-H",
        "-fH",
        "--forest",
        "-f --forest",
        "f",
        "u",
        "uf",
        "v",
        "j",
        "jf",
        "l",
        "s",
        "X",
        "e",
        "ue",
        "c",
        "uc",
        "n",
        "un",
        "ln",
        "S",
        "uS",
        "-fS",
        "-Z",
        "Z",
        "--context",
        "-w",
        "w",
        "ww",
        "-ww",
        "uww",
        "-fw",
        "h",
        "uh",
        "--no-headers",
        "--no-heading",
        "--noheaders",
        "--headers",
        "--headers --rows 3",
        "u --cols 60",
        "-f --width 100",
        "--columns=40 -f",
        "l --cols 200",
        "-y",
        "-fy",
    ] {
        add(&format!("-s SID {fmt}"));
    }
    // BSD formats with a BSD selection.
    for fmt in ["u", "v", "j", "l", "s", "X", "uf", "jf", "jfw"] {
        add(&format!("{fmt} p P3"));
    }
    // User-defined formats: every specifier procps implements, in groups.
    let specs = all_specs();
    for chunk in specs.chunks(6) {
        add(&format!("-s SID -o {}", chunk.join(",")));
    }
    for chunk in specs.chunks(9) {
        // Not last: unlimited columns keep their width.
        add(&format!("-s SID -o {},pid", chunk.join(",")));
    }
    // Sorting by every specifier's key (procps skips keys whose item it did not fetch).
    for (i, spec) in specs.iter().enumerate() {
        let sign = if i % 2 == 0 { "-" } else { "+" };
        add(&format!("-s SID -o pid,ppid,args --sort={sign}{spec}"));
    }
    for chunk in specs.chunks(25) {
        add(&format!("-s SID o {}", chunk.join(",")));
    }
    for o in [
        "-o pid,comm",
        "-opid,args",
        "-o pid -o ppid -o args",
        "-o pid=,args=",
        "-o pid=X,args=Command~Line",
        "-o pid:10,user:3,args:5",
        "-o user:3,group:2,pid",
        "-o uid,user=VERYLONGUSERHEADER,args",
        "-o pid,args,args",
        "-o args,pid",
        "-o comm,args,pid",
        "-o pid~ppid~comm",
        "-o pid,ppid,",
        "-o %p~%c~%a",
        "-o %p%c",
        "-o pid,fname",
        "-o pid,stat,state,s",
        "-o pid,blocked,caught,ignored,pending --cols 100",
        "-o pid,blocked,caught,ignored,pending --cols 200",
        "-o pid,lstart,start,bsdstart,stime,start_time",
        "-o DefBSD",
        "-o OL_u",
        "-o Std_f",
        "-o pid,tty,tt,tname,tty8,tty4",
        "-O rss",
        "-O rss,vsz",
        "-Orss",
        "O rss",
        "O vsz,rss",
        "-o pid,ppid,cmd --sort=-rss",
        "-o pid,ppid,cmd --sort=rss,-pid",
        "-o pid,args --sort=args",
        "-o pid,comm --sort=-comm",
        "-o pid,rss,vsz --sort=vsz",
        "-o pid,rss,vsz --sort=vsize",
        "-o pid,ppid --sort=ppid,-pid",
        "-o pid,nlwp --sort=-nlwp",
        "-o pid,start_time --sort=start_time",
        "-o pid,user --sort=user,pid",
        "-o pid,tty --sort=tty",
        "-o pid,stat --sort=stat",
        "-o pid,cmd k -pid",
        "-o pid,cmd k+pid,-ppid",
        "-o pid,cmd --sort +pid",
        "--format pid,comm",
        "--format=pid,comm --sort=comm",
        "-o pid,wchan",
        "-o pid,wchan n",
        "-o pid,user n",
        "-o pid,ppid --forest",
        "-o pid,args --forest",
        "-o args,pid --forest",
        "-o pid,args -H",
        "-o pid,comm --forest --sort=-pid",
    ] {
        add(&format!("-s SID {o}"));
    }
    for s in ["Or", "O-r", "Op", "OP", "O+p-r", "OT", "Ou", "Ov"] {
        add(&format!("u {s} -s SID"));
    }
    // Threads of the threaded process.
    for t in [
        "-L",
        "-fL",
        "-lL",
        "-LF",
        "-T",
        "-fT",
        "H",
        "uH",
        "-m",
        "m",
        "-fm",
        "um",
        "-L -o pid",
        "H -o pid,tid,comm",
        "-m -o pid,tid,stat,comm",
        "m -o pid,lwp,comm",
        "-T -o pid,spid",
        "-L --sort=-lwp",
    ] {
        add(&format!("-p THR {t}"));
    }
    for t in ["-L", "-T", "-m", "H", "m"] {
        add(&format!("-s SID {t}"));
    }
    // Start dates in a format of one's own (-D, --date-format: procps 4.0.3).
    for d in [
        "-o pid,lstart -D %Y-%m-%d",
        "-o lstart,pid,args --date-format=%s",
        "-o pid,lstart -D~%H:%M",
        "-o pid,lstart -D %H:%M:%S~%d~%b",
        "-o lstart:8,pid --date-format %T",
        "-o lstart=WHEN,pid -D %j",
        "-D %Y -f",
        "-D %e -o pid,lstart --sort=lstart",
        "-o pid,lstart -D %Y O lstart",
        "-lf -D %Y",
    ] {
        add(&format!("-s SID {d}"));
    }
    // Signal masks as names (--signames: procps 4.0.4) of the sleeps, which ignore only INT
    // and QUIT (a mask procps 4.0.4 reads right; see `SIGNAMES_ALL` for the others).
    for n in [
        "--signames s",
        "--signames -o pid,pending,blocked,ignored,caught,args",
        "--signames -o pid,sig,sigmask,sigignore,sigcatch,tsig",
        "--signames -o sigignore,pid --cols 60",
        "--signames -o pid,ignored:30,comm",
        "--signames -o pid,ignored:5,comm",
        "--signames -o pid,ignored:9,comm",
        "--signames -o ignored,pid --cols 20",
        "--signames -o pid,sig_ignore,sig_block,sig_pend,sig_catch",
        "--signames=1 -o ignored=IGN,pid",
        "--signames -o pid,ignored --sort=-ignored",
        "--signames -o pid,ignored --no-headers",
        "--signames u",
        "--signames -f",
    ] {
        add(&format!("-C NAME {n}"));
    }
    v
}

/// Selections by user and group, on a stopped `sleep` that runs under a uid and gid of its own
/// (no name: ps prints the number), so no other process of the host matches.
fn differential_user_selection(tree: &Tree) -> Result<Vec<String>, String> {
    let id = 50_000 + std::process::id() % 10_000;
    let mut cmd = Command::new("/bin/sleep");
    cmd.arg("1010")
        .uid(id)
        .gid(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let sleeper = nstools_tests::ChildGuard::spawn(&mut cmd)?;
    let pid = sleeper.pid();
    // SAFETY: the process this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped = wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rfind(") ").map(|i| s[i + 2..].starts_with('T')))
            .unwrap_or(false)
    });
    ensure!(stopped, "sleep {pid} under uid {id} did not stop");
    let mut failures = Vec::new();
    for row in [
        "-u ID",
        "-U ID",
        "-G ID",
        "-g ID",
        "U ID",
        "--user ID",
        "--User=ID",
        "--group ID",
        "--Group=ID",
        "-uID -f",
        "-u ID,ID u",
        "-U ID -o user,ruser,euser,suser,fuser,uid,ruid,euid,suid,fuid,uname",
        "-G ID -o group,rgroup,egroup,sgroup,fgroup,gid,rgid,egid,sgid,fgid",
        "-u ID -o pid,supgid,supgrp,user:3,ruser:2",
        "-u ID n",
        "-u ID -o pid,user --sort=user",
        "-u ID -s SID -o pid,uid --sort=-uid",
        "-u ID -g ID -U ID -G ID -o pid",
        "-u ID -j",
        "-u ID -l",
        "-u ID --no-headers -o uid,gid",
        "-u nosuchuser-x",
        "-U ID,nosuchuser-x",
    ] {
        let args: Vec<String> = row
            .split(' ')
            .map(|a| {
                a.replace("SID", &tree.sid.to_string())
                    .replace("ID", &id.to_string())
            })
            .collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = Differential::newest("ps", &refs).check() {
            failures.push(e);
        }
    }
    // The sleeper must really have been seen (not two empty outputs).
    let (o, _) = Differential::newest("ps", &["-u", &id.to_string(), "-o", "pid="]).check()?;
    ensure_eq!(o.stdout.trim(), pid.to_string());
    Ok(failures)
}

/// `--signames` over the whole frozen tree: procps 4.0.4 reads a /proc hex signal mask as a
/// decimal number, so it names signals the mask does not hold (`IGNORED ILL,ABRT,BUS,...,KILL`
/// for a mask of 0x1000, SIGPIPE) and falls back to hex at the first letter; we name the
/// signals the mask holds. Widths and layout are the same: the header line is compared.
const SIGNAMES_ALL: &[&str] = &[
    "--signames s",
    "--signames -o pid,pending,blocked,ignored,caught",
    "--signames -o caught,pid,comm --cols 70",
];

fn differential_tree() -> TestResult {
    let tree = Tree::start()?;
    let combos = combos(&tree);
    ensure!(combos.len() >= 300, "only {} combinations", combos.len());
    let mut failures = Vec::new();
    for args in &combos {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = Differential::newest("ps", &refs).check() {
            failures.push(e);
        }
    }
    failures.extend(differential_user_selection(&tree)?);
    // --signames with m/-m and a signal column: procps 4.0.4 gives the column a justification
    // without its thread/process flag, then stops in display.c with an internal error.
    let internal_error = |side: Side, o: &mut Outcome| {
        let failed = o.code == Some(1)
            && o.stdout.is_empty()
            && o.stderr == "ps:src/ps/display.c:252: please report this bug\n";
        let printed = o.code == Some(0) && o.stdout.starts_with("  PID");
        if (side == Side::Original && failed) || (side == Side::Ours && printed) {
            *o = Outcome::default();
        }
    };
    for extra in ["m -o pid,tid,blocked", "-m -o pid,ignored,comm"] {
        let mut args = vec!["-C".to_string(), tree.name.clone(), "--signames".into()];
        args.extend(extra.split(' ').map(str::to_string));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let check = Differential::newest("ps", &refs).allow(
            "procps 4.0.4 stops with an internal error on --signames with m/-m and a signal \
             column; ours prints it",
            internal_error,
        );
        if let Err(e) = check.check() {
            failures.push(e);
        }
    }
    for extra in SIGNAMES_ALL {
        let mut args = vec!["-s".to_string(), tree.sid.to_string()];
        args.extend(extra.split(' ').map(str::to_string));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let check = Differential::newest("ps", &refs).allow(
            "procps 4.0.4 reads the hex signal masks as decimal numbers (names of signals \
             not in the mask); the header line (widths) is compared",
            |_, o| o.stdout = o.stdout.lines().next().unwrap_or("").to_string(),
        );
        if let Err(e) = check.check() {
            failures.push(e);
        }
    }
    // Environment: personalities, PS_FORMAT, COLUMNS/LINES.
    let sid = tree.sid.to_string();
    let mut env_cases = 0;
    for (k, val, extra) in [
        ("PS_PERSONALITY", "bsd", ""),
        ("PS_PERSONALITY", "bsd", "u"),
        ("PS_PERSONALITY", "bsd", "-f"),
        ("PS_PERSONALITY", "linux", "-f"),
        ("PS_PERSONALITY", "linux", "-l"),
        ("PS_PERSONALITY", "debian", "-f"),
        ("PS_PERSONALITY", "debian", "-l"),
        ("PS_PERSONALITY", "debian", "-j"),
        ("PS_PERSONALITY", "gnu", ""),
        ("PS_PERSONALITY", "digital", "-f"),
        ("PS_PERSONALITY", "digital", "u"),
        ("PS_PERSONALITY", "sunos4", "u"),
        ("PS_PERSONALITY", "aix", "l"),
        ("PS_PERSONALITY", "irix", "-l"),
        ("PS_PERSONALITY", "hpux", "-x"),
        ("PS_PERSONALITY", "svr4", "-lx"),
        ("PS_PERSONALITY", "old", "m"),
        ("PS_PERSONALITY", "nonsense", "-f"),
        ("CMD_ENV", "bsd", "j"),
        ("I_WANT_A_BROKEN_PS", "1", "-f"),
        ("PS_FORMAT", "pid,user,comm", ""),
        ("PS_FORMAT", "pid,nosuch", ""),
        ("PS_FORMAT", "pid,args", "-f"),
        ("COLUMNS", "60", "u"),
        ("COLUMNS", "60", "-f w"),
        ("COLUMNS", "5", ""),
        ("COLUMNS", "x", "-f"),
        ("LINES", "4", "--headers"),
        ("LINES", "1", ""),
    ] {
        let mut args: Vec<String> = vec!["-s".into(), sid.clone()];
        args.extend(
            extra
                .split(' ')
                .filter(|a| !a.is_empty())
                .map(str::to_string),
        );
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env_cases += 1;
        if let Err(e) = Differential::newest("ps", &refs).env(k, val).check() {
            failures.push(format!("{k}={val}: {e}"));
        }
    }
    // The tree must really have been seen (not two empty outputs).
    let (o, _) = Differential::newest("ps", &["-s", &tree.sid.to_string(), "-o", "pid="])
        .check()
        .map_err(|e| e.to_string())?;
    ensure_eq!(o.stdout.lines().count(), 11, "tree rows: {}", o.stdout);
    if !failures.is_empty() {
        let heads: Vec<&str> = failures.iter().filter_map(|f| f.lines().next()).collect();
        let first: String = failures[0].chars().take(4000).collect();
        return Err(format!(
            "{} of {} combinations differ:\n{}\n\nfirst report:\n{first}",
            failures.len(),
            combos.len() + env_cases,
            heads.join("\n")
        ));
    }
    println!("{} combinations identical", combos.len() + env_cases);
    Ok(())
}

/// Invocations that fail (or print help) the same way whatever the processes are, and a few
/// on kthreadd, whose values never move.
fn differential_errors() -> TestResult {
    let cases: &[&str] = &[
        "-o",
        "-o nosuch",
        "-o pid,nosuch",
        "-o pid:0",
        "-o pid:x",
        "-o pid:",
        "-o DefBSD:4",
        "-o ,pid",
        "-o pid,,ppid",
        "-o ''",
        "--sort",
        "--sort nosuch",
        "--sort=pid,,ppid",
        "--sort pid --sort ppid",
        "-p",
        "-p x",
        "-p 0",
        "-p 99999999999",
        "-p 1,",
        "-p ,1",
        "-u nosuchuser",
        "-U nosuchuser",
        "-G nosuchgroup",
        "--group nosuchgroup",
        "-t nosuchtty",
        "-C",
        "-s",
        "-q",
        "-q 1 -p 1",
        "-q 1 -q 2",
        "-q 1 --forest",
        "-q 1 --sort pid",
        "-q 1 -N",
        "--bogus",
        "--forest=x",
        "--no-headers=x",
        "--cumulative=1",
        "--cols",
        "--cols 0",
        "--cols x",
        "--rows -1",
        "-Q",
        "-J",
        "-e -- x",
        "--",
        "aux --",
        "-",
        "/x",
        "W",
        "A",
        "-f u",
        "-l -o pid",
        "u -o pid",
        "-l u",
        "-y",
        "-L -T",
        "H -m",
        "m -m",
        "-L --forest",
        "-o pid -O ppid",
        "O pid O ppid",
        "--sort pid O p",
        "-V x",
        "-eV",
        "L x",
        "--info x",
        "--version x",
        "-h -h",
        "h --no-headers",
        "--headers --no-headers",
        "-a-e",
        "a-x",
        "1 aux",
        "-1x",
        "+x",
        "-o %",
        "-o %z%",
        "-o %Q",
        "--help",
        "--help simple",
        "--help s",
        "--help list",
        "--help l",
        "--help output",
        "--help o",
        "--help threads",
        "--help t",
        "--help misc",
        "--help m",
        "--help all",
        "--help a",
        "--help xyz",
        "--help=all",
        "-p 99999999",
        "-C no-such-command-x",
        "--ppid 99999999 -f",
        "-s 99999999 u",
        "-p 99999999 --no-headers",
        "-p 99999999 -o pid=",
        // kthreadd: a kernel thread (no command line, "[comm]") whose values do not move.
        "-p 2 -o pid,ppid,args,comm,fname",
        "-p 2 -f",
        "-p 2 -o args=,pid",
        // A process that is gone (GONE: a child we reaped): nothing printed, exit 1, whatever
        // the columns need from /proc (issue 15).
        "-q GONE -o pid=",
        "-q GONE -o pid",
        "-q GONE -o tid,lwp,spid",
        "-q GONE -o pid,comm",
        "-q GONE",
        "q GONE -o pid=",
        "--quick-pid GONE -o pid=",
        "--quick-pid=GONE,GONE -o pid=",
        "-p GONE -o pid=",
        "-p GONE -o pid,tid",
        "p GONE -o pid=",
        "--pid GONE -o lwp=",
        "GONE -o pid=",
        "-q GONE -L -o pid,lwp",
        "-q GONE -T -o spid=",
        // Options taking an argument, without one.
        "-G",
        "-g",
        "-U",
        "-u",
        "-O",
        "-D",
        "--pid",
        "--ppid",
        "--sid",
        "--tty",
        "--user",
        "--User",
        "--group",
        "--Group",
        "--format",
        "--quick-pid",
        "--rows",
        "--lines",
        "--width",
        "--columns",
        "--date-format",
        "--date-format=",
        "--sort=",
        "--pid=",
        "-D ''",
        "-p ''",
        "-o pid --sort",
        "-p 1 -o",
        "-F -o",
        "k",
        "O",
        "o",
        "U",
        "p",
        "q",
        // Bad lists and values.
        "-q x",
        "-q 0",
        "-q 1,,2",
        "-s x",
        "-s 0",
        "--ppid x",
        "--ppid -1",
        "--sid=1x",
        "-g x",
        "-p 0x10 -o pid=",
        "-p 010 -o pid=",
        "-p 1x",
        "-p 4294967296",
        "-p -1",
        "-t ''",
        "--tty=nosuchtty",
        "-C ''",
        "--sort=+",
        "--sort=-",
        "--sort=,",
        "--sort=pid, -p 2",
        "--sort=+-pid",
        "k nosuch",
        "O nosuch",
        "-O nosuch",
        "-o pid:-1",
        "-p 2 -o pid:99999999999",
        "-p 2 -o ppid,pid:4294967297",
        "-p 2 -o pid:2147483648",
        "-p 2 -o pid:12345678901234567890",
        "-p 2 -o pid=a,ppid=b",
        "--cols=-1",
        "--cols=2000000000",
        "--rows=x",
        "--width=",
        // Long options: exact names, arguments where none is taken.
        "--for",
        "--deselect=x",
        "--headers=x",
        "--context=x -p 2",
        "--info=x",
        "--version=x",
        "--help=",
        "--Help",
        "--sort-by=pid",
        "--aaaaaaaaaaaaaaaaaaaa",
        "--p 1",
        // Everything, negated: nothing selected.
        "-e -N",
        "-A --deselect -f",
        "ax -N",
        "-e -N --forest",
        "-e -N -o pid= --sort=-pid",
        "-e -N --no-headers",
        "-e -N -L",
        "-e -N u",
        // Conflicting selections and formats.
        "-q 1 -s 1",
        "-q 1 --ppid 1",
        "-q 1 -C x",
        "-q 2 H",
        "-q 1 f",
        "-q 1 -H",
        "-q 1 k pid",
        "-q 1 --deselect",
        "-j -l -p 2",
        "-f -j -p 2",
        "j l -p 2",
        "u v -p 2",
        "-o pid u",
        "-O pid -o ppid -p 2",
        "-L -m -p 2",
        "-T m",
        "-L H",
        "-D %Y -o pid u",
        // Dates (-D, --date-format: procps 4.0.3) on kthreadd, whose start never moves.
        "-D %Y -p 2 -o pid,lstart",
        "-D%Y -p 2 -o lstart",
        "-Dx -p 2",
        "-Df -p 2",
        "-fD %s -p 2 -o lstart,pid",
        "-p 2 -o lstart:3,pid -D x",
        "-p 2 -o lstart -D %Y -D %m",
        "--date-format %F -p 2 -o lstart,pid",
        "--date-format=%H:%M:%S -p 2 -o pid,lstart",
        "--date-format=%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s -p 2 -o lstart",
        "-p 2 -o lstart,start,bsdstart,stime,start_time -D %d",
        "-p 2 -D %Y u",
        "D %Y",
        // Signal names (--signames: procps 4.0.4) with nothing selected (the frozen tree has
        // the rest).
        "--signames -p 99999999 s",
        "--signames=x -p 99999999 -o caught,pid",
        // Help sections, abbreviated and not.
        "--help=s",
        "--help=output",
        "--help=x",
        "--help output x",
        "--help -e",
        "-e --help",
        "--help --help",
        "--info --help",
    ];
    // A pid that is gone: a child we started and reaped.
    let mut gone_child = Command::new("/bin/true")
        .spawn()
        .map_err(|e| format!("spawn true: {e}"))?;
    let gone = gone_child.id().to_string();
    gone_child.wait().map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for c in cases {
        let args: Vec<String> = c
            .split(' ')
            .map(|a| {
                if a == "''" {
                    String::new()
                } else {
                    a.replace("GONE", &gone)
                }
            })
            .collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = Differential::newest("ps", &refs).check() {
            failures.push(e);
        }
    }
    ensure!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    Ok(())
}

fn list_specifiers() -> TestResult {
    let (o, _) = Differential::newest("ps", &["L"])
        .allow("our `nspid` extension is listed too", |side, o| {
            if side == Side::Ours {
                o.stdout = o
                    .stdout
                    .lines()
                    .filter(|l| !l.starts_with("nspid "))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
        })
        .check()?;
    ensure!(o.stdout.lines().count() > 150, "short list: {}", o.stdout);
    let ours_out = nstools_tests::run::run(Command::new(ours("ps")).arg("L"))?;
    ensure!(
        ours_out.stdout.contains("\nnspid        NSPID   \n"),
        "nspid not listed"
    );
    Ok(())
}

fn version() -> TestResult {
    for a in ["-V", "V", "--version"] {
        let o = nstools_tests::run::run(Command::new(ours("ps")).arg(a))?;
        ensure_eq!(o.code, Some(0));
        ensure!(
            o.stdout.starts_with("ps from nstools "),
            "{a}: {}",
            o.stdout
        );
        // The same shape as procps's line, exit status and (empty) stderr.
        Differential::newest("ps", &[a])
            .allow("the version line names nstools", |_, o| {
                o.stdout = o.stdout.split(" from ").next().unwrap_or("").to_string();
            })
            .check()?;
    }
    Ok(())
}

fn walkthrough_invocations() -> TestResult {
    // The walkthrough's `ps aux` and friends: same header and the same processes as procps.
    for args in [
        &["aux"][..],
        &["-ef"],
        &["axjf"],
        &["-ef", "--forest"],
        &["auxf"],
        &["-eo", "pid,ppid,cmd", "--sort=-rss"],
        &[],
    ] {
        let ours_o = nstools_tests::run::run(Command::new(ours("ps")).args(args))?;
        let orig = nstools_tests::run::run(Command::new("/usr/bin/ps").args(args))?;
        ensure_eq!(ours_o.code, orig.code, "{args:?}");
        let head = |o: &Outcome| o.stdout.lines().next().unwrap_or("").to_string();
        ensure_eq!(head(&ours_o), head(&orig), "{args:?} header");
        ensure!(ours_o.stderr.is_empty(), "{args:?}: {}", ours_o.stderr);
        // PID 1 is listed by both whenever the selection covers it.
        if !args.is_empty() {
            let has1 = |o: &Outcome| {
                o.stdout.lines().any(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    f.get(1) == Some(&"1") || f.first() == Some(&"1")
                })
            };
            ensure!(has1(&ours_o) && has1(&orig), "{args:?}: no PID 1");
        }
    }
    Ok(())
}

fn closed_pipe() -> TestResult {
    let ps = ours("ps");
    let script = format!(
        "{ps} -eLww -o pid,lwp,args,args,args,args,args,args,args,args | head -1; \
         echo \"status=${{PIPESTATUS[0]}}\"",
        ps = ps.display()
    );
    let o = nstools_tests::run::run(Command::new("/bin/bash").arg("-c").arg(&script))?;
    ensure!(o.stderr.is_empty(), "stderr: {}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    ensure_eq!(lines.len(), 2, "{}", o.stdout);
    ensure!(lines[0].trim_start().starts_with("PID"), "{}", lines[0]);
    ensure_eq!(lines[1], "status=0");
    Ok(())
}

fn nothing_selected() -> TestResult {
    let o = nstools_tests::run::run(Command::new(ours("ps")).args(["-p", "99999999"]))?;
    ensure_eq!(o.code, Some(1));
    ensure_eq!(
        o.stdout,
        format!("{} TTY          TIME CMD\n", pad_pid("PID"))
    );
    ensure!(o.stderr.is_empty(), "{}", o.stderr);
    Ok(())
}

fn pad_pid(h: &str) -> String {
    let len = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .map(|s| s.trim().len())
        .unwrap_or(5);
    format!("{h:>len$}")
}

/// `-o nspid`: a process in a new PID namespace is PID 1 there.
fn nspid_in_namespace() -> TestResult {
    let mut child = Command::new("/usr/bin/unshare")
        .args(["--fork", "--pid", "--mount-proc", "sleep", "300"])
        .process_group(0)
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pgid = child.id() as i32;
    let result = (|| -> TestResult {
        // The sleep is the child of unshare.
        let mut sleeper = 0;
        let found = wait_until(Duration::from_secs(10), || {
            let o = Command::new(ours("ps"))
                .args(["--ppid", &pgid.to_string(), "-o", "pid="])
                .output();
            if let Ok(o) = o {
                sleeper = String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse()
                    .unwrap_or(0);
            }
            sleeper != 0
        });
        ensure!(found, "no child of unshare");
        let o = nstools_tests::run::run(Command::new(ours("ps")).args([
            "-p",
            &format!("{pgid},{sleeper}"),
            "-o",
            "pid,nspid,pidns,args",
        ]))?;
        ensure_eq!(o.code, Some(0), "{}", o.show());
        let lines: Vec<Vec<String>> = o
            .stdout
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect();
        ensure_eq!(lines[0][..4].join(" "), "PID NSPID PIDNS COMMAND");
        let row = |pid: i32| lines.iter().find(|l| l[0] == pid.to_string()).cloned();
        let outer = row(pgid).ok_or("unshare row missing")?;
        let inner = row(sleeper).ok_or("sleep row missing")?;
        ensure_eq!(outer[1], pgid.to_string(), "unshare's own namespace pid");
        ensure_eq!(inner[1], "1", "the sleep is PID 1 in its namespace");
        ensure!(
            outer[2] != inner[2],
            "different pid namespaces: {outer:?} {inner:?}"
        );
        Ok(())
    })();
    // SAFETY: the group this test created.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// Thousands of short-lived processes come and go while ps runs in a loop.
fn churn() -> TestResult {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spawned = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..2 {
        let stop = stop.clone();
        let spawned = spawned.clone();
        workers.push(std::thread::spawn(move || {
            // Each batch: a shell forking 50 short-lived children and reaping them.
            while !stop.load(std::sync::atomic::Ordering::Relaxed)
                && spawned.load(std::sync::atomic::Ordering::Relaxed) < 4000
            {
                let _ = Command::new("/bin/sh")
                    .arg("-c")
                    .arg("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50; do /bin/true & done; wait")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                spawned.fetch_add(51, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    let forms: [&[&str]; 3] = [
        &["aux"],
        &["-ef", "--forest"],
        &["-eo", "pid,rss,args", "--sort=-rss"],
    ];
    let mut runs = 0;
    let mut result = Ok(());
    let start = Instant::now();
    while spawned.load(std::sync::atomic::Ordering::Relaxed) < 3000
        && start.elapsed() < Duration::from_secs(120)
    {
        for f in forms {
            runs += 1;
            let o = match nstools_tests::run::run(Command::new(ours("ps")).args(f)) {
                Ok(o) => o,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let check = (|| -> TestResult {
                ensure_eq!(o.code, Some(0), "{f:?}: {}", o.show());
                ensure!(o.stderr.is_empty(), "{f:?}: {}", o.stderr);
                let mut lines = o.stdout.lines();
                let head = lines.next().unwrap_or("");
                let ncols = head.split_whitespace().count();
                for l in lines {
                    // Every row has at least the header's columns (the last one, the command,
                    // may contain spaces) and starts with a field, never a half row.
                    ensure!(
                        l.split_whitespace().count() >= ncols - 1 && !l.trim().is_empty(),
                        "{f:?}: malformed row {l:?}"
                    );
                }
                Ok(())
            })();
            if check.is_err() {
                result = check;
                break;
            }
        }
        if result.is_err() {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    result?;
    let n = spawned.load(std::sync::atomic::Ordering::Relaxed);
    ensure!(n >= 3000, "only {n} processes spawned");
    ensure!(runs >= 3, "ps ran {runs} times");
    println!("{runs} ps runs while {n} processes came and went");
    Ok(())
}

/// Helper mode: a process with two extra threads, for the thread options.
fn threads_helper() -> ! {
    for _ in 0..2 {
        std::thread::spawn(|| std::thread::sleep(Duration::from_secs(600)));
    }
    std::thread::sleep(Duration::from_secs(600));
    std::process::exit(0)
}

fn main() {
    if std::env::var_os("NSTOOLS_PS_TEST_HELPER").is_some() {
        threads_helper();
    }
    // Both tools must see the same width rules: unlimited (not a terminal), no overrides.
    for k in [
        "COLUMNS",
        "LINES",
        "PS_FORMAT",
        "PS_PERSONALITY",
        "CMD_ENV",
        "LIBPROC_HIDE_KERNEL",
        "I_WANT_A_BROKEN_PS",
    ] {
        std::env::remove_var(k);
    }
    let mut suite = Suite::new();
    suite
        .test("ps::differential_frozen_tree", &[PS], differential_tree)
        .test(
            "ps::differential_errors_help_usage",
            &[PS],
            differential_errors,
        )
        .test("ps::list_specifiers", &[PS], list_specifiers)
        .test("ps::version", &[PS], version)
        .test(
            "ps::walkthrough_invocations",
            &[PS, PS_DEBIAN12],
            walkthrough_invocations,
        )
        .test(
            "ps::closed_pipe_is_quiet",
            &[Need::Program("bash")],
            closed_pipe,
        )
        .test("ps::nothing_selected_exits_1", &[], nothing_selected)
        .test(
            "ps::nspid_in_pid_namespace",
            &[Need::Root, Need::Original("/usr/bin/unshare")],
            nspid_in_namespace,
        )
        .test("ps::churn", &[], churn);
    suite.run();
}
