//! Doing the plan: scan /proc, select, sort, lay out (procps display.c and select.c).

use common::eprintln;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};

use crate::cli::{tf, Head, Order, Plan, SelItem, SelKind};
use crate::item::{self, cmp_sv};
use crate::output::Out;
use crate::output::{Col, Item, Sv, When};
use crate::print;
use crate::proc::{need, Proc, ProcFs};
use crate::sys;

/// Batches of at least this many processes are read on several threads.
const PARALLEL_MIN: usize = 512;
/// Processes read (and printed) per batch when streaming.
const BATCH: usize = 2048;

/// tty_nr of our own process (for the default selection and `T`).
pub(crate) fn self_tty(root: &str) -> u32 {
    let stat = std::fs::read(format!("{root}/self/stat")).unwrap_or_default();
    let mut p = Proc::default();
    if crate::proc::parse_stat(&stat, &mut p, false) {
        p.tty as u32
    } else {
        0
    }
}

/// procps `arg_check_conflicts` (quick-pid restrictions), messages as printed.
pub(crate) fn check_conflicts(plan: &Plan) -> Result<(), String> {
    let quick = plan
        .selections
        .iter()
        .filter(|s| s.kind == SelKind::PidQuick)
        .count();
    if quick > 1 {
        return Err("q/-q/--quick-pid can only be used once.".into());
    }
    if quick > 0 && plan.selections.len() > quick {
        return Err("q/-q/--quick-pid cannot be combined with other selection options.".into());
    }
    if quick > 0 && plan.forest != 0 {
        return Err("q/-q/--quick-pid cannot be used together with forest type listings.".into());
    }
    if quick > 0 && !plan.sort.is_empty() {
        return Err("q/-q,--quick-pid cannot be used together with sort options.".into());
    }
    if quick > 0 && plan.negate {
        return Err("q/-q/--quick-pid cannot be used together with negation switches.".into());
    }
    Ok(())
}

/// Items ps always fetches (display.c `finalize_stacks`).
const BASE_ITEMS: &[&Item] = &[
    &item::CMD,
    &item::ID_EGID,
    &item::ID_EUID,
    &item::ID_FGID,
    &item::ID_FUID,
    &item::ID_PID,
    &item::ID_PPID,
    &item::ID_RGID,
    &item::ID_RUID,
    &item::ID_SESSION,
    &item::ID_SGID,
    &item::ID_SUID,
    &item::ID_TGID,
    &item::STATE,
    &item::ID_PGRP,
    &item::ID_TPGID,
    &item::NICE,
    &item::NLWP,
    &item::VM_RSS_LOCKED,
    &item::SIGBLOCKED,
    &item::SIGCATCH,
    &item::SIGIGNORE,
    &item::SIGNALS,
    &item::SIGPENDING,
    &item::TICS_ALL,
    &item::TIME_ALL,
    &item::TIME_ELAPSED,
    &item::TICS_BEGAN,
    &item::NOOP,
];

struct Runner<'a, W: Write> {
    plan: &'a Plan,
    fs: ProcFs,
    out: Out,
    w: W,
    euid: u32,
    needs: u32,
    hide_kernel: bool,
    workers: usize,
}

/// Reader threads: the available parallelism, at most 4 (more only compete for /proc).
fn reader_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

fn selection_needs(plan: &Plan) -> u32 {
    let mut n = 0;
    if !plan.all_processes {
        if plan.simple_select || plan.selections.is_empty() {
            n |= need::STAT | need::IDS;
        }
        for s in &plan.selections {
            n |= match s.kind {
                SelKind::Euid | SelKind::Egid => need::IDS,
                SelKind::Ruid | SelKind::Rgid => need::STATUS,
                SelKind::Pgrp | SelKind::Tty | SelKind::Sess | SelKind::Comm | SelKind::Ppid => {
                    need::STAT
                }
                SelKind::Pid | SelKind::PidQuick => 0,
            };
        }
    }
    if plan.running_only {
        n |= need::STAT;
    }
    n
}

fn column_needs(plan: &Plan, cols: &[Col]) -> u32 {
    let mut n = 0;
    for c in cols {
        let Some(pr) = c.pr else { continue };
        n |= pr.needs;
        if plan.print.bsd_e && (pr == &print::ARGS || pr == &print::COMM) {
            n |= need::ENVIRON;
        }
        if plan.print.unix_f && pr == &print::COMM {
            n |= need::CMDLINE;
        }
    }
    n
}

/// Run the plan against the /proc at `root`; the exit status.
pub(crate) fn run(plan: &Plan, root: &str) -> u8 {
    let w = BufWriter::with_capacity(64 * 1024, common::stdio::stdout());
    sys::init_tz();
    run_to(plan, root, w, locale_is_utf8(), sys::geteuid(), sys::now()).0
}

/// Run the plan against the /proc at `root`, writing to `w`: the exit status and the writer.
pub(crate) fn run_to<W: Write>(
    plan: &Plan,
    root: &str,
    w: W,
    utf8: bool,
    euid: u32,
    now: i64,
) -> (u8, W) {
    let mut r = Runner {
        plan,
        fs: ProcFs::new(root, utf8),
        out: Out::new(root, utf8, sys::hertz(), sys::page_size(), now),
        w,
        euid,
        needs: 0,
        hide_kernel: std::env::var_os("LIBPROC_HIDE_KERNEL").is_some(),
        workers: reader_threads(),
    };
    let code = match r.go() {
        Ok(code) => match r.w.flush() {
            Ok(()) => code,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
            Err(e) => {
                eprintln!("ps: write error: {}", common_strerror(&e));
                1
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("ps: write error: {}", common_strerror(&e));
            1
        }
    };
    (code, r.w)
}

fn common_strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn locale_is_utf8() -> bool {
    sys::locale_is_utf8()
}

impl<W: Write> Runner<'_, W> {
    fn go(&mut self) -> std::io::Result<u8> {
        let plan = self.plan;
        let o = &mut self.out;
        o.print.clone_from(&plan.print);
        o.forest_type = plan.forest;
        let mut columns = plan.columns.clone();
        if plan.print.signal_names {
            crate::output::use_signal_names(&mut columns);
        }
        let columns = columns;
        o.check_header_width(&columns, plan.screen_cols);
        // check_headers
        match plan.header {
            Head::Multi => o.header_gap = plan.screen_rows - 1,
            Head::None => o.lines_to_next_header = -1,
            Head::Single => {
                let normal = plan
                    .columns
                    .iter()
                    .any(|c| !c.name.is_empty() && c.pr.is_some());
                if !normal {
                    o.lines_to_next_header = -1;
                }
            }
        }
        // Separate process and thread lists for m / -m.
        let (proc_fmt, task_fmt) = if plan.thread_flags & tf::SHOW_BOTH != 0 {
            let mut p = columns.clone();
            let mut t = columns.clone();
            for (pc, tc) in p.iter_mut().zip(t.iter_mut()) {
                match pc.when {
                    When::ThreadOnly => pc.pr = pc.pr.map(|_| &print::NOP),
                    When::ProcessOnly => tc.pr = tc.pr.map(|_| &print::NOP),
                    _ => {}
                }
            }
            (p, t)
        } else {
            (columns.clone(), columns)
        };

        let mut needs = selection_needs(plan) | column_needs(plan, &proc_fmt);
        needs |= column_needs(plan, &task_fmt);
        for k in &plan.sort {
            needs |= k.key.needs;
        }
        if plan.forest != 0 || plan.thread_flags & tf::SHOW_BOTH != 0 || self.hide_kernel {
            needs |= need::STAT;
        }
        self.needs = needs;
        if needs & need::CLOCK != 0 {
            let up =
                std::fs::read_to_string(format!("{}/uptime", self.fs.root)).unwrap_or_default();
            let secs: f64 = up
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0.0);
            self.out.boot_tics = (secs * self.out.hertz as f64) as u64;
            let stat =
                std::fs::read_to_string(format!("{}/stat", self.fs.root)).unwrap_or_default();
            self.out.boot_time = stat
                .lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
        }
        if needs & need::MEMINFO != 0 {
            let mi =
                std::fs::read_to_string(format!("{}/meminfo", self.fs.root)).unwrap_or_default();
            self.out.mem_total = mi
                .lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
        }

        let threads = plan.thread_flags & (tf::LOOSE_TASKS | tf::SHOW_TASK) != 0;
        if plan.forest != 0 || !plan.sort.is_empty() {
            self.fancy(&proc_fmt)?;
        } else {
            self.simple(&proc_fmt, &task_fmt, threads)?;
        }
        if !self.out.did_stuff {
            self.out.lines_to_next_header -= 1;
            if self.out.lines_to_next_header == 0 {
                self.out.show(&mut self.w, None, &proc_fmt)?;
            }
            return Ok(1);
        }
        Ok(0)
    }

    /// Read a batch of (tgid, tid) in order, on several threads when the batch is large
    /// (reading /proc is kernel work that parallelises; output order is unchanged).
    fn read_batch(&mut self, ids: &[(i32, i32)]) -> Vec<Proc> {
        let needs = self.needs;
        let hide = self.hide_kernel;
        let keep = |p: &Proc| !(hide && (p.ppid == 2 || p.tid == 2));
        let workers = self.workers;
        if ids.len() < PARALLEL_MIN || workers < 2 || needs == 0 {
            return ids
                .iter()
                .filter_map(|&(g, t)| self.fs.read(g, t, needs))
                .filter(keep)
                .collect();
        }
        let chunk = ids.len().div_ceil(workers);
        let root = self.fs.root.clone();
        let utf8 = self.fs.utf8;
        let read_chunk = |c: &[(i32, i32)]| -> Vec<Proc> {
            let mut fs = ProcFs::new(&root, utf8);
            c.iter()
                .filter_map(|&(g, t)| fs.read(g, t, needs))
                .collect()
        };
        let parts: Vec<Vec<Proc>> = std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .chunks(chunk)
                .map(|c| {
                    let job = std::thread::Builder::new().spawn_scoped(s, move || read_chunk(c));
                    (c, job)
                })
                .collect();
            handles
                .into_iter()
                .map(|(c, job)| match job {
                    Ok(h) => h.join().unwrap_or_else(|_| read_chunk(c)),
                    // No thread available: read this part here.
                    Err(_) => read_chunk(c),
                })
                .collect()
        });
        parts.into_iter().flatten().filter(keep).collect()
    }

    /// The (tgid, tid) pairs to read: processes, or every task of each process.
    fn ids(&self, threads: bool, quick: Option<Vec<u32>>) -> Vec<(i32, i32)> {
        let pids: Vec<i32> = match quick {
            Some(list) => list
                .into_iter()
                .map(|p| p as i32)
                .filter(|&p| self.fs.exists(p))
                .collect(),
            None => self.fs.pids(),
        };
        if !threads {
            return pids.into_iter().map(|p| (p, p)).collect();
        }
        pids.into_iter()
            .flat_map(|p| self.fs.tids(p).into_iter().map(move |t| (p, t)))
            .collect()
    }

    /// All processes (or tasks), in /proc order.
    fn scan(&mut self, threads: bool, quick: Option<Vec<u32>>) -> Vec<Proc> {
        let ids = self.ids(threads, quick);
        self.read_batch(&ids)
    }

    fn want(&self, p: &Proc) -> bool {
        let plan = self.plan;
        let mut accepted = plan.all_processes
            || ((plan.simple_select || plan.selections.is_empty()) && self.table_accept(p))
            || self.listed(p);
        if plan.running_only && !(p.state == b'R' || p.state == b'D') {
            accepted = false;
        }
        accepted != plan.negate
    }

    fn table_accept(&self, p: &Proc) -> bool {
        let idx = (p.euid == self.euid) as u32
            | ((p.session == p.tgid) as u32) << 1
            | ((p.tty == 0) as u32) << 2
            | ((p.tty as u32 == self.plan.cached_tty) as u32) << 3;
        self.plan.select_bits & (1 << idx) != 0
    }

    fn listed(&self, p: &Proc) -> bool {
        for s in &self.plan.selections {
            let hit = match s.kind {
                SelKind::Ruid => s.nums().any(|n| n == p.ruid),
                SelKind::Euid => s.nums().any(|n| n == p.euid),
                SelKind::Rgid => s.nums().any(|n| n == p.rgid),
                SelKind::Egid => s.nums().any(|n| n == p.egid),
                SelKind::Pgrp => s.nums().any(|n| n == p.pgrp as u32),
                SelKind::Pid | SelKind::PidQuick => s.nums().any(|n| n == p.tgid as u32),
                SelKind::Ppid => s.nums().any(|n| n == p.ppid as u32),
                SelKind::Tty => s.nums().any(|n| n == p.tty as u32),
                SelKind::Sess => s.nums().any(|n| n == p.session as u32),
                SelKind::Comm => s.items.iter().any(|i| match i {
                    SelItem::Cmd(c) => {
                        let cmd = &p.cmd;
                        (cmd.len() == 15 && c.len() >= 15 && cmd[..] == c[..15])
                            || cmd[..cmd.len().min(63)] == c[..c.len().min(63)]
                    }
                    SelItem::Num(_) => false,
                }),
            };
            if hit {
                return true;
            }
        }
        false
    }

    fn simple(&mut self, proc_fmt: &[Col], task_fmt: &[Col], threads: bool) -> std::io::Result<()> {
        let plan = self.plan;
        let quick: Option<Vec<u32>> = plan
            .selections
            .first()
            .filter(|s| s.kind == SelKind::PidQuick)
            .map(|s| s.nums().collect());
        let t = plan.thread_flags & (tf::SHOW_PROC | tf::LOOSE_TASKS | tf::SHOW_TASK);
        if t == tf::SHOW_PROC | tf::SHOW_TASK {
            // m and -m: each process, then its threads (the leader again).
            let mut all = self.scan(true, quick);
            all.sort_by_key(|a| a.start_time);
            all.sort_by_key(|a| a.tgid);
            let mut i = 0;
            while i < all.len() {
                if self.want(&all[i]) {
                    // procps compares the following tasks' tgid with this one's pid. A first task
                    // whose tgid is not its own pid (its leader unreadable, a status file lying)
                    // then never matches, and procps prints it forever; the group's tgid gives
                    // the same output wherever procps ends, and always ends.
                    let group = all[i].tgid;
                    self.out.show(&mut self.w, Some(&all[i]), proc_fmt)?;
                    while i < all.len() && all[i].tgid == group {
                        self.out.show(&mut self.w, Some(&all[i]), task_fmt)?;
                        i += 1;
                    }
                    continue;
                }
                i += 1;
            }
            return Ok(());
        }
        let fmt = if t == tf::SHOW_PROC {
            proc_fmt
        } else {
            task_fmt
        };
        // Stream in batches: read a batch (in parallel when large), print it, go on.
        let ids = self.ids(threads, quick);
        for batch in ids.chunks(BATCH) {
            for p in self.read_batch(batch) {
                if self.want(&p) {
                    self.out.show(&mut self.w, Some(&p), fmt)?;
                }
            }
        }
        Ok(())
    }

    /// Sorted or forest output (procps `fancy_spew`).
    fn fancy(&mut self, fmt: &[Col]) -> std::io::Result<()> {
        let plan = self.plan;
        let threads = plan.thread_flags & tf::LOOSE_TASKS != 0;
        let all = self.scan(threads, None);
        let procs: Vec<Proc> = all.into_iter().filter(|p| self.want(p)).collect();
        if procs.is_empty() {
            return Ok(());
        }
        // The keys procps applies: user keys (primary first), then forest's ppid/start_time.
        let mut registered: Vec<&Item> = BASE_ITEMS.to_vec();
        let printers = plan.columns.iter().filter_map(|c| c.pr);
        for pr in printers.chain(plan.sort.iter().map(|k| k.pr)) {
            registered.extend(pr.fetches);
        }
        let mut keys: Vec<(&Item, Order)> = plan
            .sort
            .iter()
            .filter(|k| k.order != Order::Skip && registered.contains(&k.key))
            .map(|k| (k.key, k.order))
            .collect();
        if plan.forest != 0 {
            if plan.sort.is_empty() {
                keys.push((&item::ID_PPID, Order::Asc));
            }
            keys.push((&item::TICS_BEGAN, Order::Asc));
        }
        let values: Vec<Vec<Sv>> = procs
            .iter()
            .map(|p| {
                keys.iter()
                    .map(|(k, _)| (k.value)(&mut self.out, p))
                    .collect()
            })
            .collect();
        let mut idx: Vec<usize> = (0..procs.len()).collect();
        idx.sort_by(|&a, &b| {
            for (i, (_, order)) in keys.iter().enumerate() {
                let o = cmp_sv(&values[a][i], &values[b][i]);
                let o = if *order == Order::Desc {
                    o.reverse()
                } else {
                    o
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        let sorted: Vec<&Proc> = idx.iter().map(|&i| &procs[i]).collect();
        if plan.forest == 0 {
            for p in sorted {
                self.out.show(&mut self.w, Some(p), fmt)?;
            }
            return Ok(());
        }
        self.show_forest(&sorted, fmt)
    }

    fn show_forest(&mut self, procs: &[&Proc], fmt: &[Col]) -> std::io::Result<()> {
        let n = procs.len();
        let pids: HashSet<i32> = procs.iter().map(|p| p.tid).collect();
        let mut first_child: HashMap<i32, usize> = HashMap::new();
        for (i, p) in procs.iter().enumerate() {
            first_child.entry(p.ppid).or_insert(i);
        }
        let mut prefix = Vec::new();
        let mut shown = vec![false; n];
        for i in (0..n).rev() {
            if pids.contains(&procs[i].ppid) {
                continue;
            }
            self.show_tree(
                procs,
                &first_child,
                &mut prefix,
                &mut shown,
                i,
                0,
                false,
                fmt,
            )?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn show_tree(
        &mut self,
        procs: &[&Proc],
        first_child: &HashMap<i32, usize>,
        prefix: &mut Vec<u8>,
        shown: &mut [bool],
        me: usize,
        level: usize,
        have_sibling: bool,
        fmt: &[Col],
    ) -> std::io::Result<()> {
        // Each process once: repeated ids (a status file without `Pid:` gives tid 0, as in
        // procps) would otherwise make a cycle that recurses until the stack overflows.
        if std::mem::replace(&mut shown[me], true) {
            return Ok(());
        }
        let set = |prefix: &mut Vec<u8>, i: usize, c: u8| {
            if prefix.len() <= i {
                prefix.resize(i + 1, b' ');
            }
            prefix[i] = c;
        };
        if level > 0 {
            set(prefix, level - 1, if have_sibling { b'+' } else { b'L' });
        }
        prefix.truncate(level);
        self.out.forest_prefix.clone_from(prefix);
        self.out.show(&mut self.w, Some(procs[me]), fmt)?;
        let my_pid = procs[me].tid;
        let Some(&start) = first_child.get(&my_pid) else {
            return Ok(());
        };
        if level > 0 {
            set(prefix, level - 1, if have_sibling { b'|' } else { b' ' });
        }
        prefix.truncate(level);
        let mut i = start;
        let n = procs.len();
        while i < n {
            let more = i + 1 < n && procs[i + 1].ppid == my_pid;
            let next_level = if my_pid == 1 && self.plan.forest != b'u' {
                level
            } else {
                level + 1
            };
            self.show_tree(procs, first_child, prefix, shown, i, next_level, more, fmt)?;
            i += 1;
            if !more {
                break;
            }
        }
        prefix.truncate(level);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Action, Env, Lookup};

    struct NoLookup;
    impl Lookup for NoLookup {
        fn uid_by_name(&self, _: &str) -> Option<u32> {
            None
        }
        fn gid_by_name(&self, _: &str) -> Option<u32> {
            None
        }
        fn stat_rdev(&self, _: &str) -> Option<(bool, u64)> {
            None
        }
    }

    /// The plan of `args` (split at spaces), with 5-digit pids and no system look-ups.
    fn plan_of(args: &str) -> Box<Plan> {
        let args: Vec<String> = args.split(' ').map(str::to_string).collect();
        let env = Env {
            pid_length: 5,
            ..Env::default()
        };
        let Action::Run(plan) = cli::parse(&args, &env, &NoLookup) else {
            panic!("{args:?} did not parse")
        };
        plan
    }

    fn needs(args: &str) -> u32 {
        let plan = plan_of(args);
        let mut n = selection_needs(&plan) | column_needs(&plan, &plan.columns);
        for k in &plan.sort {
            n |= k.key.needs;
        }
        n
    }

    fn fixture() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let stat = |pid: i32, comm: &str, ppid: i32, state: char, start: u64, rss: u64| {
            let pages = rss / 4;
            format!(
                "{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194560 10 0 0 0 300 100 0 0 20 0 1 0 {start} 8192000 {pages} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
            )
        };
        let status = |pid: i32, rss: u64| {
            format!(
                "Name:\tx\nTgid:\t{pid}\nPid:\t{pid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmSize:\t8000 kB\nVmLck:\t0 kB\nVmRSS:\t{rss} kB\nThreads:\t1\n"
            )
        };
        for (pid, comm, ppid, state, start, rss, cmdline) in [
            (1, "init", 0, 'S', 10, 500, &b"/sbin/init\x00"[..]),
            (20, "sh", 1, 'S', 500, 900, b"sh\x00-c\x00x\x00"),
            (30, "kworker/0", 0, 'I', 20, 0, b""),
            (40, "sleep", 20, 'T', 600, 300, b"sleep\x00100\x00"),
        ] {
            let dir = d.path().join(pid.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("stat"), stat(pid, comm, ppid, state, start, rss)).unwrap();
            std::fs::write(dir.join("status"), status(pid, rss)).unwrap();
            std::fs::write(dir.join("cmdline"), cmdline).unwrap();
        }
        std::fs::write(d.path().join("uptime"), "100.00 50.00\n").unwrap();
        std::fs::write(d.path().join("stat"), "cpu 1 2 3\nbtime 1000000\n").unwrap();
        std::fs::write(d.path().join("meminfo"), "MemTotal: 10000 kB\n").unwrap();
        d
    }

    fn on_fixture(args: &str) -> (u8, String) {
        run_on(&fixture(), args)
    }

    /// ps `args` over the /proc tree in `d`.
    fn run_on(d: &tempfile::TempDir, args: &str) -> (u8, String) {
        let plan = plan_of(args);
        let (code, out) = run_to(
            &plan,
            d.path().to_str().unwrap(),
            Vec::new(),
            false,
            0,
            1_000_100,
        );
        (code, String::from_utf8(out).unwrap())
    }

    #[test]
    fn golden_output_on_fixture_proc() {
        assert_eq!(
            on_fixture("-e -o pid,rss,args --sort=-rss").1,
            "  PID   RSS COMMAND\n   20   900 sh -c x\n    1   500 /sbin/init\n   40   300 sleep 100\n   30     0 [kworker/0]\n"
        );
        assert_eq!(
            on_fixture("-e -o pid,ppid,stat,time,comm --forest").1,
            "  PID  PPID STAT     TIME COMMAND\n   30     0 Is   00:00:04 kworker/0\n    1     0 Ss   00:00:04 init\n   20     1 Ss   00:00:04 sh\n   40    20 Ts   00:00:04  \\_ sleep\n"
        );
        let (code, out) = on_fixture("-p 99 -o pid");
        assert_eq!((code, out.as_str()), (1, "  PID\n"));
        assert_eq!(
            on_fixture("-p 1 -o pid,%mem,vsz,sz").1.lines().nth(1),
            Some("    1  5.0   8000  2000")
        );
    }

    #[test]
    fn threads_after_processes_end_when_a_group_lacks_its_leader() {
        // Process 50's task list holds 51 and 52 only (its leader's entry gone mid-scan): the
        // first task of the group is not the group's own pid. procps 4.0.4 prints its line
        // forever there; ours prints the group once, its tasks under it.
        let d = fixture();
        let dir = d.path().join("50");
        for tid in [51, 52] {
            let task = dir.join("task").join(tid.to_string());
            std::fs::create_dir_all(&task).unwrap();
            std::fs::write(
                task.join("stat"),
                format!("{tid} (worker) S 1 50 50 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 700 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"),
            )
            .unwrap();
        }
        assert_eq!(
            run_on(&d, "m -p 50 -o pid,tid,comm"),
            (
                0,
                "  PID   TID COMMAND\n   50     - worker\n    -    51 -\n    -    52 -\n".into()
            )
        );
    }

    #[test]
    fn gone_pids_are_not_reported() {
        // The columns need no /proc file: the pid alone must not make a row (issue 15).
        for args in ["-q 99 -o pid=", "-q 99 -o tid,lwp,spid", "-p 99 -o pid="] {
            let (code, out) = on_fixture(args);
            assert_eq!(code, 1, "{args}: {out}");
            assert!(!out.contains("99"), "{args}: {out}");
        }
        assert_eq!(
            on_fixture("-q 99,40,1 -o pid="),
            (0, "   40\n    1\n".into())
        );
    }

    #[test]
    fn parallel_reading_keeps_order_and_skips_vanished() {
        let d = tempfile::tempdir().unwrap();
        for pid in 1..=1500 {
            if pid % 7 == 0 {
                // A directory without stat: a process that vanished mid-scan.
                std::fs::create_dir_all(d.path().join(pid.to_string())).unwrap();
                continue;
            }
            let dir = d.path().join(pid.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("stat"),
                format!("{pid} (p{pid}) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"),
            )
            .unwrap();
        }
        let root = d.path().to_str().unwrap().to_string();
        let order: Vec<i32> = ProcFs::new(&root, false)
            .pids()
            .into_iter()
            .filter(|p| p % 7 != 0)
            .collect();
        let env = Env {
            pid_length: 5,
            ..Env::default()
        };
        let args: Vec<String> = ["-e", "-o", "pid,comm"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let Action::Run(plan) = cli::parse(&args, &env, &NoLookup) else {
            panic!()
        };
        let (code, out) = run_to(&plan, &root, Vec::new(), false, 0, 0);
        assert_eq!(code, 0);
        let out = String::from_utf8(out).unwrap();
        let got: Vec<i32> = out
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(got, order);
        assert!(out.lines().skip(1).all(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f[1] == format!("p{}", f[0])
        }));
    }

    #[test]
    fn reads_only_what_columns_need() {
        // `ps -e -o pid` reads no file at all: the pid is the directory name.
        assert_eq!(needs("-e -o pid"), 0);
        assert_eq!(needs("-e -o pid,ppid,comm"), need::STAT);
        assert_eq!(needs("-e -o pid,user"), need::IDS);
        assert_eq!(needs("-e -o pid,ruser"), need::STATUS);
        let aux = needs("aux");
        assert_eq!(
            aux,
            need::STAT | need::STATUS | need::IDS | need::CMDLINE | need::CLOCK | need::MEMINFO
        );
        // `-ef` needs no status file at all.
        assert_eq!(
            needs("-ef"),
            need::STAT | need::IDS | need::CMDLINE | need::CLOCK
        );
        assert_eq!(
            needs("-eo pid,ppid,user,%cpu,%mem,rss,args --sort=-rss"),
            need::STAT | need::IDS | need::STATUS | need::CMDLINE | need::CLOCK | need::MEMINFO
        );
        assert!(aux & need::CMDLINE != 0);
        // The default selection needs our euid and tty: status and stat.
        assert_eq!(needs("-o pid"), need::STAT | need::IDS);
        assert_eq!(
            needs("-e -o pid,cgroup --sort=-rss"),
            need::CGROUP | need::STATUS
        );
        assert_eq!(needs("-e -o pid,pidns"), need::NS);
    }
}
