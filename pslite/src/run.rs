//! Doing the plan: scan /proc, select, sort, lay out (procps display.c and select.c).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};

use crate::cli::{tf, Col, Head, Order, Plan, SelItem, SelKind};
use crate::output::Out;
use crate::proc::{Proc, ProcFs};
use crate::spec::{need, Key, Pr, When};
use crate::sys;

/// Batches of at least this many processes are read on several threads.
const PARALLEL_MIN: usize = 512;
/// Processes read (and printed) per batch when streaming.
const BATCH: usize = 2048;

/// tty_nr of our own process (for the default selection and `T`).
pub fn self_tty(root: &str) -> u32 {
    let stat = std::fs::read(format!("{root}/self/stat")).unwrap_or_default();
    let mut p = Proc::default();
    if crate::proc::parse_stat(&stat, &mut p, false) {
        p.tty as u32
    } else {
        0
    }
}

/// procps `arg_check_conflicts` (quick-pid restrictions), messages as printed.
pub fn check_conflicts(plan: &Plan) -> Result<(), String> {
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

/// The items procps fetches for a printer (a sort key is applied only if its item was fetched).
fn pr_items(pr: Pr) -> &'static [Key] {
    use Key as K;
    use Pr::*;
    match pr {
        Pcpu | C | Cp => &[K::TicsAll, K::TimeElapsed, K::Utilization],
        Pmem | Rss => &[K::VmRss],
        Args | Comm => &[K::Cmdline, K::Cmd],
        Fname => &[K::Cmd],
        Cgname => &[K::Cgname],
        Cgroup => &[K::Cgroup],
        Cgroupns => &[K::NsCgroup],
        Ipcns => &[K::NsIpc],
        Mntns => &[K::NsMnt],
        Netns => &[K::NsNet],
        Pidns => &[K::NsPid],
        Timens => &[K::NsTime],
        Userns => &[K::NsUser],
        Utsns => &[K::NsUts],
        Class | Sched => &[K::SchedClass],
        Context => &[K::IdTgid],
        Drs | Dsiz | Trs | Tsiz => &[K::VsizeBytes, K::AddrCodeEnd, K::AddrCodeStart],
        Egid => &[K::IdEgid],
        Egroup => &[K::IdEgroup, K::IdEgid],
        Eip => &[K::AddrCurrEip],
        Esp => &[K::AddrCurrEsp],
        Etime | Etimes => &[K::TimeElapsed],
        Euid => &[K::IdEuid],
        Euser => &[K::IdEuser, K::IdEuid],
        Exe => &[K::Exe],
        Fgid => &[K::IdFgid],
        Fgroup => &[K::IdFgroup, K::IdFgid],
        Flag => &[K::Flags],
        Fuid => &[K::IdFuid],
        Fuser => &[K::IdFuser, K::IdFuid],
        Lim => &[K::RssRlim],
        Lstart | Start | Stime | Bsdstart => &[K::TicsBegan],
        Luid => &[K::IdLogin],
        Lxcname => &[K::Lxcname],
        Majflt => &[K::FltMaj],
        Minflt => &[K::FltMin],
        Nice => &[K::Nice, K::SchedClass],
        Nlwp => &[K::Nlwp],
        Numa => &[K::ProcessorNode],
        Oom => &[K::OomScore],
        OomAdj => &[K::OomAdj],
        Opri | Pri | PriApi | PriBar | PriBaz | PriFoo | Priority => &[K::Priority],
        Pgid => &[K::IdPgrp],
        Ppid => &[K::IdPpid],
        Procs => &[K::IdTgid],
        Psr => &[K::Processor],
        Pss => &[K::SmapPss],
        Rbytes => &[K::IoReadBytes],
        Rchars => &[K::IoReadChars],
        Rops => &[K::IoReadOps],
        Wbytes => &[K::IoWriteBytes],
        Wcbytes => &[K::IoWriteCbytes],
        Wchars => &[K::IoWriteChars],
        Wops => &[K::IoWriteOps],
        Rgid => &[K::IdRgid],
        Rgroup => &[K::IdRgroup, K::IdRgid],
        Rtprio => &[K::SchedClass, K::PriorityRt],
        Ruid => &[K::IdRuid],
        Ruser => &[K::IdRuser, K::IdRuid],
        S => &[K::State],
        SdMachine => &[K::SdMach],
        SdOuid => &[K::SdOuid],
        SdSeat => &[K::SdSeat],
        SdSession => &[K::SdSess],
        SdSlice => &[K::SdSlice],
        SdUnit => &[K::SdUnit],
        SdUunit => &[K::SdUunit],
        Sess => &[K::IdSession],
        SgiP => &[K::State, K::Processor],
        Sgid => &[K::IdSgid],
        Sgroup => &[K::IdSgroup, K::IdSgid],
        Sig => &[K::Signals],
        Sigcatch => &[K::Sigcatch],
        Sigignore => &[K::Sigignore],
        Sigmask => &[K::Sigblocked],
        Size => &[K::VsizeBytes],
        Stackp => &[K::AddrStackStart],
        Stat => &[
            K::State,
            K::Nice,
            K::VmRssLocked,
            K::IdSession,
            K::IdTgid,
            K::Nlwp,
            K::IdPgrp,
            K::IdTpgid,
        ],
        Suid => &[K::IdSuid],
        Supgid => &[K::Supgids],
        Supgrp => &[K::Supgroups],
        Suser => &[K::IdSuser, K::IdSuid],
        Swapable => &[K::VmData, K::VmStack, K::VsizeBytes],
        Sz | Vsz => &[K::VmSize],
        Tasks => &[K::IdPid],
        Time | Times => &[K::TimeAll],
        Tpgid => &[K::IdTpgid],
        Tsig => &[K::Sigpending],
        Tty8 => &[K::TtyName],
        Uss => &[K::SmapPrvTotal],
        Utilization => &[K::Utilization],
        UtilizationC => &[K::UtilizationC],
        Wchan => &[K::WchanName],
        Bsdtime => &[K::TicsAll],
        Agid => &[K::AutogrpId],
        Agnice => &[K::AutogrpNice],
        Nspid => &[K::Nspid],
        Nop | Tty4 | TLeft | TLeft2 | TRight | TRight2 | TUnlimited | TUnlimited2 => &[],
    }
}

/// Items ps always fetches (display.c `finalize_stacks`).
const BASE_ITEMS: &[Key] = &[
    Key::Cmd,
    Key::IdEgid,
    Key::IdEuid,
    Key::IdFgid,
    Key::IdFuid,
    Key::IdPid,
    Key::IdPpid,
    Key::IdRgid,
    Key::IdRuid,
    Key::IdSession,
    Key::IdSgid,
    Key::IdSuid,
    Key::IdTgid,
    Key::State,
    Key::IdPgrp,
    Key::IdTpgid,
    Key::Nice,
    Key::Nlwp,
    Key::VmRssLocked,
    Key::Sigblocked,
    Key::Sigcatch,
    Key::Sigignore,
    Key::Signals,
    Key::Sigpending,
    Key::TicsAll,
    Key::TimeAll,
    Key::TimeElapsed,
    Key::TicsBegan,
    Key::Noop,
];

/// A sort value, compared the way procps compares the item's type.
#[derive(Debug, Clone)]
enum Sv {
    Int(i64),
    Uns(u64),
    Real(f64),
    Str(Vec<u8>),
    Vers(Vec<u8>),
    None,
}

fn cmp_sv(a: &Sv, b: &Sv) -> Ordering {
    match (a, b) {
        (Sv::Int(a), Sv::Int(b)) => a.cmp(b),
        (Sv::Uns(a), Sv::Uns(b)) => a.cmp(b),
        (Sv::Real(a), Sv::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        (Sv::Str(a), Sv::Str(b)) => a.cmp(b),
        (Sv::Vers(a), Sv::Vers(b)) => strverscmp(a, b),
        _ => Ordering::Equal,
    }
}

/// glibc strverscmp: digit runs compare as numbers (leading zeros as fractions).
pub fn strverscmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    loop {
        let ca = a.get(i).copied();
        let cb = b.get(j).copied();
        match (ca, cb) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let sa = i;
                while a.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let sb = j;
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                let (da, db) = (&a[sa..i], &b[sb..j]);
                let fa = da[0] == b'0';
                let fb = db[0] == b'0';
                let ord = if fa || fb {
                    // Fractional parts: compare as strings, the longer run of leading zeros
                    // being smaller.
                    let za = da.iter().take_while(|&&c| c == b'0').count();
                    let zb = db.iter().take_while(|&&c| c == b'0').count();
                    if za != zb {
                        zb.cmp(&za)
                    } else {
                        da.cmp(db)
                    }
                } else {
                    da.len().cmp(&db.len()).then_with(|| da.cmp(db))
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                i += 1;
                j += 1;
            }
        }
    }
}

struct Runner<'a, W: Write> {
    plan: &'a Plan,
    fs: ProcFs,
    out: Out<W>,
    euid: u32,
    needs: u32,
    hide_kernel: bool,
    workers: usize,
}

/// Reader threads: `NSTOOLS_PS_THREADS` if set (1 = no extra thread), else the available
/// parallelism, at most 4.
fn reader_threads() -> usize {
    if let Some(n) = std::env::var("NSTOOLS_PS_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return n.clamp(1, 64);
    }
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
        n |= pr.needs();
        if plan.bsd_e && matches!(pr, Pr::Args | Pr::Comm) {
            n |= need::ENVIRON;
        }
        if plan.unix_f && pr == Pr::Comm {
            n |= need::CMDLINE;
        }
    }
    n
}

/// Run the plan against the /proc at `root`; the exit status.
pub fn run(plan: &Plan, root: &str) -> u8 {
    let stdout = std::io::stdout();
    let w = BufWriter::with_capacity(64 * 1024, stdout.lock());
    sys::init_tz();
    run_to(plan, root, w, locale_is_utf8(), sys::geteuid(), sys::now()).0
}

/// Run the plan against the /proc at `root`, writing to `w`: the exit status and the writer.
pub fn run_to<W: Write>(plan: &Plan, root: &str, w: W, utf8: bool, euid: u32, now: i64) -> (u8, W) {
    let mut r = Runner {
        plan,
        fs: ProcFs::new(root, utf8),
        out: Out::new(w, root, utf8, sys::hertz(), sys::page_size(), now),
        euid,
        needs: 0,
        hide_kernel: std::env::var_os("LIBPROC_HIDE_KERNEL").is_some(),
        workers: reader_threads(),
    };
    let code = match r.go() {
        Ok(code) => match r.out.w.flush() {
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
    (code, r.out.w)
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
        o.bsd_c = plan.bsd_c;
        o.bsd_e = plan.bsd_e;
        o.unix_f = plan.unix_f;
        o.user_is_number = plan.user_is_number;
        o.wchan_is_number = plan.wchan_is_number;
        o.include_dead_children = plan.include_dead_children;
        o.forest_type = plan.forest;
        o.check_header_width(&plan.columns, plan.screen_cols);
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
            let mut p = plan.columns.clone();
            let mut t = plan.columns.clone();
            for (pc, tc) in p.iter_mut().zip(t.iter_mut()) {
                match pc.when {
                    When::ThreadOnly => pc.pr = pc.pr.map(|_| Pr::Nop),
                    When::ProcessOnly => tc.pr = tc.pr.map(|_| Pr::Nop),
                    _ => {}
                }
            }
            (p, t)
        } else {
            (plan.columns.clone(), plan.columns.clone())
        };

        let mut needs = selection_needs(plan) | column_needs(plan, &proc_fmt);
        needs |= column_needs(plan, &task_fmt);
        for k in &plan.sort {
            needs |= k.key.needs();
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
                self.out.show(None, &plan.columns)?;
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
            Some(list) => list.into_iter().map(|p| p as i32).collect(),
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
                    let me = all[i].tid;
                    self.out.show(Some(&all[i]), proc_fmt)?;
                    while i < all.len() && all[i].tgid == me {
                        self.out.show(Some(&all[i]), task_fmt)?;
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
                    self.out.show(Some(&p), fmt)?;
                }
            }
        }
        Ok(())
    }

    fn sort_value(&mut self, key: Key, p: &Proc) -> Sv {
        use Key::*;
        let o = &mut self.out;
        match key {
            Noop => Sv::None,
            AddrCodeEnd => Sv::Uns(p.end_code),
            AddrCodeStart => Sv::Uns(p.start_code),
            AddrCurrEip => Sv::Uns(p.kstk_eip),
            AddrCurrEsp => Sv::Uns(p.kstk_esp),
            AddrStackStart => Sv::Uns(p.start_stack),
            AutogrpId => Sv::Int(p.ag_id as i64),
            AutogrpNice => Sv::Int(p.ag_nice as i64),
            Cgname => Sv::Str(p.cgname.clone()),
            Cgroup => Sv::Str(p.cgroup.clone()),
            Cmd => Sv::Str(p.cmd.clone()),
            Cmdline => Sv::Str(p.cmdline.clone()),
            Exe => Sv::Str(p.exe.clone()),
            Flags => Sv::Uns(p.flags),
            FltMaj => Sv::Uns(p.maj_flt),
            FltMin => Sv::Uns(p.min_flt),
            IdEgid => Sv::Uns(p.egid as u64),
            IdEuid => Sv::Uns(p.euid as u64),
            IdFgid => Sv::Uns(p.fgid as u64),
            IdFuid => Sv::Uns(p.fuid as u64),
            IdRgid => Sv::Uns(p.rgid as u64),
            IdRuid => Sv::Uns(p.ruid as u64),
            IdSgid => Sv::Uns(p.sgid as u64),
            IdSuid => Sv::Uns(p.suid as u64),
            IdEgroup => Sv::Str(o.names.group(p.egid).as_bytes().to_vec()),
            IdRgroup => Sv::Str(o.names.group(p.rgid).as_bytes().to_vec()),
            IdSgroup => Sv::Str(o.names.group(p.sgid).as_bytes().to_vec()),
            IdFgroup => Sv::Str(o.names.group(p.fgid).as_bytes().to_vec()),
            IdEuser => Sv::Str(o.names.user(p.euid).as_bytes().to_vec()),
            IdRuser => Sv::Str(o.names.user(p.ruid).as_bytes().to_vec()),
            IdSuser => Sv::Str(o.names.user(p.suid).as_bytes().to_vec()),
            IdFuser => Sv::Str(o.names.user(p.fuid).as_bytes().to_vec()),
            IdLogin => Sv::Int(p.luid as i64),
            IdPgrp => Sv::Int(p.pgrp as i64),
            IdPid => Sv::Int(p.tid as i64),
            IdPpid => Sv::Int(p.ppid as i64),
            IdSession => Sv::Int(p.session as i64),
            IdTgid => Sv::Int(p.tgid as i64),
            IdTpgid => Sv::Int(p.tpgid as i64),
            IoReadBytes => Sv::Uns(p.io[4]),
            IoReadChars => Sv::Uns(p.io[0]),
            IoReadOps => Sv::Uns(p.io[2]),
            IoWriteBytes => Sv::Uns(p.io[5]),
            IoWriteCbytes => Sv::Uns(p.io[6]),
            IoWriteChars => Sv::Uns(p.io[1]),
            IoWriteOps => Sv::Uns(p.io[3]),
            Lxcname => Sv::Str(p.lxcname.as_bytes().to_vec()),
            MemResPgs => Sv::Uns(p.statm_resident),
            MemShrPgs => Sv::Uns(p.statm_share),
            Nice => Sv::Int(p.nice as i64),
            Nlwp => Sv::Int(p.nlwp as i64),
            NsCgroup => Sv::Uns(p.ns[0]),
            NsIpc => Sv::Uns(p.ns[1]),
            NsMnt => Sv::Uns(p.ns[2]),
            NsNet => Sv::Uns(p.ns[3]),
            NsPid => Sv::Uns(p.ns[4]),
            NsTime => Sv::Uns(p.ns[5]),
            NsUser => Sv::Uns(p.ns[6]),
            NsUts => Sv::Uns(p.ns[7]),
            Nspid => Sv::Int(p.nspid.unwrap_or(0) as i64),
            OomAdj => Sv::Int(p.oom_adj as i64),
            OomScore => Sv::Int(p.oom_score as i64),
            Priority => Sv::Int(p.priority as i64),
            PriorityRt => Sv::Int(p.rtprio as i64),
            Processor => Sv::Int(p.processor as i64),
            ProcessorNode => Sv::Int(crate::output::numa_node(p.processor) as i64),
            RssRlim => Sv::Uns(p.rss_rlim),
            SchedClass => Sv::Int(p.sched as i64),
            SdMach | SdOuid | SdSeat | SdSess | SdSlice | SdUnit | SdUunit => Sv::None,
            Sigblocked => Sv::Str(p.blocked.as_bytes().to_vec()),
            Sigcatch => Sv::Str(p.sigcatch.as_bytes().to_vec()),
            Sigignore => Sv::Str(p.sigignore.as_bytes().to_vec()),
            Signals => Sv::Str(p.signal.as_bytes().to_vec()),
            Sigpending => Sv::Str(p.sigpnd.as_bytes().to_vec()),
            SmapPrvTotal => Sv::Uns(p.uss),
            SmapPss => Sv::Uns(p.pss),
            State => Sv::Int(p.state as i64),
            Supgids => Sv::Str(p.supgid.as_bytes().to_vec()),
            Supgroups => Sv::None,
            TicsAll => Sv::Uns(p.utime + p.stime),
            TicsBegan => Sv::Uns(p.start_time),
            TicsUser => Sv::Uns(p.utime),
            TicsUserC => Sv::Uns(p.utime + p.cutime),
            TimeAll => Sv::Real((p.utime + p.stime) as f64 / o.hertz as f64),
            TimeElapsed => Sv::Real(o.elapsed(p)),
            TtyName => Sv::Vers(o.tty_name(p, false).into_bytes()),
            Utilization => Sv::Real(o.utilization(p, false)),
            UtilizationC => Sv::Real(o.utilization(p, true)),
            VmData => Sv::Uns(p.vm_data),
            VmExe => Sv::Uns(p.vm_exe),
            VmLib => Sv::Uns(p.vm_lib),
            VmRss => Sv::Uns(p.vm_rss),
            VmRssLocked => Sv::Uns(p.vm_lock),
            VmSize => Sv::Uns(p.vm_size),
            VmStack => Sv::Uns(p.vm_stack),
            VsizeBytes => Sv::Uns(p.vsize),
            WchanName => Sv::Str(p.wchan.as_bytes().to_vec()),
        }
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
        let mut registered: HashSet<Key> = BASE_ITEMS.iter().copied().collect();
        for c in &plan.columns {
            if let Some(pr) = c.pr {
                registered.extend(pr_items(pr).iter().copied());
            }
        }
        for k in &plan.sort {
            registered.extend(pr_items(k.pr).iter().copied());
        }
        let mut keys: Vec<(Key, Order)> = plan
            .sort
            .iter()
            .filter(|k| k.order != Order::Skip && registered.contains(&k.key))
            .map(|k| (k.key, k.order))
            .collect();
        if plan.forest != 0 {
            if plan.sort.is_empty() {
                keys.push((Key::IdPpid, Order::Asc));
            }
            keys.push((Key::TicsBegan, Order::Asc));
        }
        let values: Vec<Vec<Sv>> = procs
            .iter()
            .map(|p| keys.iter().map(|(k, _)| self.sort_value(*k, p)).collect())
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
                self.out.show(Some(p), fmt)?;
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
        self.out.show(Some(procs[me]), fmt)?;
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

    fn needs(args: &str) -> u32 {
        let args: Vec<String> = args.split(' ').map(str::to_string).collect();
        let env = Env {
            pid_length: 5,
            ..Env::default()
        };
        let Action::Run(plan) = cli::parse(&args, &env, &NoLookup) else {
            panic!("{args:?} did not parse")
        };
        let mut n = selection_needs(&plan) | column_needs(&plan, &plan.columns);
        for k in &plan.sort {
            n |= k.key.needs();
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
        let d = fixture();
        let args: Vec<String> = args.split(' ').map(str::to_string).collect();
        let env = Env {
            pid_length: 5,
            ..Env::default()
        };
        let Action::Run(plan) = cli::parse(&args, &env, &NoLookup) else {
            panic!("{args:?} did not parse")
        };
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

    #[test]
    fn version_sort() {
        assert_eq!(strverscmp(b"pts/2", b"pts/10"), Ordering::Less);
        assert_eq!(strverscmp(b"?", b"pts/0"), Ordering::Less);
        assert_eq!(strverscmp(b"tty1", b"tty1"), Ordering::Equal);
        assert_eq!(strverscmp(b"a01", b"a1"), Ordering::Less);
    }
}
