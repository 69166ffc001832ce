//! Reading /proc: only the files the chosen columns, sort keys and selections need.
//!
//! The root is a parameter (`/proc` normally, a fixture directory in unit tests). A process or
//! task whose required files vanish while it is read is skipped: the caller never sees a half
//! filled record. Values are parsed the way procps's readproc.c parses them.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;

/// Bits naming the /proc files (and other sources) a column or a sort key needs.
pub(crate) mod need {
    pub(crate) const STAT: u32 = 1;
    pub(crate) const STATUS: u32 = 1 << 1;
    pub(crate) const CMDLINE: u32 = 1 << 2;
    pub(crate) const ENVIRON: u32 = 1 << 3;
    pub(crate) const CGROUP: u32 = 1 << 4;
    pub(crate) const EXE: u32 = 1 << 5;
    pub(crate) const WCHAN: u32 = 1 << 6;
    pub(crate) const NS: u32 = 1 << 7;
    pub(crate) const OOM: u32 = 1 << 8;
    pub(crate) const IO: u32 = 1 << 9;
    pub(crate) const SMAPS: u32 = 1 << 10;
    pub(crate) const STATM: u32 = 1 << 11;
    pub(crate) const LOGIN: u32 = 1 << 12;
    pub(crate) const AUTOGRP: u32 = 1 << 13;
    /// Time since boot (uptime, btime).
    pub(crate) const CLOCK: u32 = 1 << 14;
    /// MemTotal.
    pub(crate) const MEMINFO: u32 = 1 << 15;
    /// The owner of /proc/PID: the effective uid and gid (the kernel never hides them there,
    /// unlike for the files of non-dumpable processes), without reading status.
    pub(crate) const IDS: u32 = 1 << 16;
}

/// One process (or task, for thread listings) with the fields that were asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Proc {
    pub(crate) tid: i32,
    pub(crate) tgid: i32,
    // /proc/PID/stat
    pub(crate) cmd: Vec<u8>,
    pub(crate) state: u8,
    pub(crate) ppid: i32,
    pub(crate) pgrp: i32,
    pub(crate) session: i32,
    pub(crate) tty: i32,
    pub(crate) tpgid: i32,
    pub(crate) flags: u64,
    pub(crate) min_flt: u64,
    pub(crate) cmin_flt: u64,
    pub(crate) maj_flt: u64,
    pub(crate) cmaj_flt: u64,
    pub(crate) utime: u64,
    pub(crate) stime: u64,
    pub(crate) cutime: u64,
    pub(crate) cstime: u64,
    pub(crate) priority: i32,
    pub(crate) nice: i32,
    pub(crate) nlwp: i32,
    pub(crate) start_time: u64,
    pub(crate) vsize: u64,
    pub(crate) rss: u64,
    pub(crate) rss_rlim: u64,
    pub(crate) start_code: u64,
    pub(crate) end_code: u64,
    pub(crate) start_stack: u64,
    pub(crate) kstk_esp: u64,
    pub(crate) kstk_eip: u64,
    pub(crate) processor: i32,
    pub(crate) rtprio: i32,
    pub(crate) sched: i32,
    // /proc/PID/status
    pub(crate) ruid: u32,
    pub(crate) euid: u32,
    pub(crate) suid: u32,
    pub(crate) fuid: u32,
    pub(crate) rgid: u32,
    pub(crate) egid: u32,
    pub(crate) sgid: u32,
    pub(crate) fgid: u32,
    pub(crate) vm_data: u64,
    pub(crate) vm_exe: u64,
    pub(crate) vm_lock: u64,
    pub(crate) vm_lib: u64,
    pub(crate) vm_rss: u64,
    pub(crate) vm_size: u64,
    pub(crate) vm_stack: u64,
    pub(crate) signal: String,
    pub(crate) sigpnd: String,
    pub(crate) blocked: String,
    pub(crate) sigignore: String,
    pub(crate) sigcatch: String,
    pub(crate) supgid: String,
    /// Last field of NSpid: the pid inside the process's own PID namespace.
    pub(crate) nspid: Option<i32>,
    // Other files.
    pub(crate) cmdline: Vec<u8>,
    pub(crate) environ: Vec<u8>,
    pub(crate) cgroup: Vec<u8>,
    pub(crate) cgname: Vec<u8>,
    pub(crate) lxcname: String,
    pub(crate) exe: Vec<u8>,
    pub(crate) wchan: String,
    pub(crate) ns: [u64; 8],
    pub(crate) oom_score: i32,
    pub(crate) oom_adj: i32,
    pub(crate) io: [u64; 7],
    pub(crate) pss: u64,
    pub(crate) uss: u64,
    pub(crate) statm_resident: u64,
    pub(crate) statm_share: u64,
    pub(crate) luid: i32,
    pub(crate) ag_id: i32,
    pub(crate) ag_nice: i32,
    /// Raw /proc/PID/cgroup, for the systemd columns.
    pub(crate) cgroup_raw: Vec<u8>,
}

/// Kernel thread flag in /proc/PID/stat's flags field.
const PF_KTHREAD: u64 = 0x0020_0000;

/// Namespace file names, in procps's column order.
pub(crate) const NS_NAMES: [&str; 8] =
    ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/// A /proc reader with reusable buffers.
pub(crate) struct ProcFs {
    pub(crate) root: String,
    pub(crate) utf8: bool,
    buf: Vec<u8>,
}

impl ProcFs {
    pub(crate) fn new(root: &str, utf8: bool) -> Self {
        ProcFs {
            root: root.to_string(),
            utf8,
            buf: Vec::with_capacity(4096),
        }
    }

    /// The numeric entries of the root (processes), in directory order.
    pub(crate) fn pids(&self) -> Vec<i32> {
        list_numeric(&self.root)
    }

    /// Whether /proc/PID is there: a pid from the command line (`-q`) may name no process,
    /// and when the columns need no /proc file nothing else would notice (procps stats it).
    pub(crate) fn exists(&self, pid: i32) -> bool {
        std::fs::metadata(format!("{}/{pid}", self.root)).is_ok()
    }

    /// The task ids of one process.
    pub(crate) fn tids(&self, pid: i32) -> Vec<i32> {
        list_numeric(&format!("{}/{pid}/task", self.root))
    }

    fn read_file(&mut self, dir: &str, name: &str) -> bool {
        slurp(&format!("{dir}/{name}"), &mut self.buf, usize::MAX) && !self.buf.is_empty()
    }

    /// Read one process (`tid == tgid`, from /proc/PID) or one task (/proc/PID/task/TID).
    pub(crate) fn read(&mut self, tgid: i32, tid: i32, needs: u32) -> Option<Proc> {
        let dir = if tid == tgid {
            format!("{}/{tgid}", self.root)
        } else {
            format!("{}/{tgid}/task/{tid}", self.root)
        };
        let mut p = Proc {
            tid,
            tgid,
            nlwp: 1,
            ..Proc::default()
        };
        if needs & need::IDS != 0 && needs & need::STATUS == 0 {
            // The directory's owner is the effective uid/gid (procps stats it too); status,
            // when it is read anyway, has them.
            let m = std::fs::metadata(&dir).ok()?;
            p.euid = m.uid();
            p.egid = m.gid();
        }
        if needs & need::STAT != 0 {
            if !self.read_file(&dir, "stat") {
                return None;
            }
            let buf = std::mem::take(&mut self.buf);
            let ok = parse_stat(&buf, &mut p, self.utf8);
            self.buf = buf;
            if !ok {
                return None;
            }
            // status's VmSize is the same counter (total_vm); VmRSS is not (see parse_status).
            p.vm_size = p.vsize / 1024;
        }
        if needs & need::STATUS != 0 {
            if !self.read_file(&dir, "status") {
                return None;
            }
            let buf = std::mem::take(&mut self.buf);
            parse_status(
                &buf,
                &mut p,
                tid == tgid,
                needs & need::STAT == 0,
                self.utf8,
            );
            self.buf = buf;
        }
        if needs & need::STATM != 0 && self.read_file(&dir, "statm") {
            let mut it = self.buf.split(|&c| c == b' ').map(parse_u64);
            it.next();
            p.statm_resident = it.next().unwrap_or(0);
            p.statm_share = it.next().unwrap_or(0);
        }
        if needs & need::IO != 0 && self.read_file(&dir, "io") {
            let text = String::from_utf8_lossy(&self.buf).into_owned();
            for (i, line) in text.lines().take(7).enumerate() {
                if let Some((_, v)) = line.split_once(": ") {
                    p.io[i] = v.trim().parse().unwrap_or(0);
                }
            }
        }
        if needs & need::SMAPS != 0 && self.read_file(&dir, "smaps_rollup") {
            let text = String::from_utf8_lossy(&self.buf).into_owned();
            let field = |name: &str| -> u64 {
                text.find(name)
                    .map(|i| parse_u64(text[i + name.len()..].trim_start().as_bytes()))
                    .unwrap_or(0)
            };
            p.pss = field("\nPss:");
            p.uss = field("\nPrivate_Clean:") + field("\nPrivate_Dirty:");
        }
        if needs & need::ENVIRON != 0 {
            let raw = read_unvectored(&format!("{dir}/environ"));
            p.environ = if raw.is_empty() {
                b"-".to_vec()
            } else {
                escape_lib(&raw, self.utf8)
            };
        }
        if needs & need::CMDLINE != 0 {
            self.read_cmdline(&dir, needs, &mut p);
        }
        if needs & need::CGROUP != 0 {
            self.read_cgroup(&dir, &mut p);
        }
        if needs & need::EXE != 0 {
            p.exe = match std::fs::read_link(format!("{dir}/exe")) {
                Ok(t) => escape_lib(t.as_os_str().as_encoded_bytes(), self.utf8),
                Err(_) => b"-".to_vec(),
            };
        }
        if needs & need::WCHAN != 0 {
            p.wchan = lookup_wchan(&format!("{}/{tid}/wchan", self.root));
        }
        if needs & need::NS != 0 {
            for (i, n) in NS_NAMES.iter().enumerate() {
                p.ns[i] = std::fs::metadata(format!("{}/{tid}/ns/{n}", self.root))
                    .map(|m| m.ino())
                    .unwrap_or(0);
            }
        }
        if needs & need::OOM != 0 {
            if self.read_file(&dir, "oom_score") {
                p.oom_score = parse_i64(&self.buf) as i32;
            }
            if self.read_file(&dir, "oom_score_adj") {
                p.oom_adj = parse_i64(&self.buf) as i32;
            }
        }
        if needs & need::LOGIN != 0 {
            p.luid = if self.read_file(&dir, "loginuid") {
                parse_i64(&self.buf) as i32
            } else {
                -1
            };
        }
        if needs & need::AUTOGRP != 0 {
            p.ag_id = -1;
            if self.read_file(&dir, "autogroup") {
                let t = String::from_utf8_lossy(&self.buf).into_owned();
                if let Some(rest) = t.strip_prefix("/autogroup-") {
                    let mut it = rest.split_whitespace();
                    if let Some(id) = it.next().and_then(|s| s.parse().ok()) {
                        p.ag_id = id;
                        if it.next() == Some("nice") {
                            if let Some(n) = it.next().and_then(|s| s.parse().ok()) {
                                p.ag_nice = n;
                            }
                        }
                    }
                }
            }
        }
        Some(p)
    }

    /// /proc/PID/cmdline, escaped; `[comm]` when empty (kernel threads, zombies).
    fn read_cmdline(&self, dir: &str, needs: u32, p: &mut Proc) {
        // Kernel threads and zombies have no memory, hence an empty command line.
        let no_mm = needs & need::STAT != 0 && (p.flags & PF_KTHREAD != 0 || p.state == b'Z');
        let raw = if no_mm {
            Vec::new()
        } else {
            read_unvectored(&format!("{dir}/cmdline"))
        };
        p.cmdline = if !raw.is_empty() {
            escape_lib(&raw, self.utf8)
        } else {
            // "[comm]", plus " <defunct>" for zombies.
            let mut v = b"[".to_vec();
            v.extend_from_slice(&p.cmd);
            v.push(b']');
            if p.state == b'Z' {
                v.extend_from_slice(b" <defunct>");
            }
            v
        };
        if p.cmdline.is_empty() {
            p.cmdline = b"?".to_vec();
        }
    }

    /// /proc/PID/cgroup: the raw text, the escaped list, its name= part and the LXC name.
    fn read_cgroup(&self, dir: &str, p: &mut Proc) {
        let raw = read_unvectored_sep(&format!("{dir}/cgroup"), 0);
        p.cgroup_raw = raw.clone();
        let mut out: Vec<u8> = Vec::new();
        for grp in raw.split(|&c| c == 0).filter(|g| !g.is_empty()) {
            if grp.last() == Some(&b'/') {
                continue;
            }
            if !out.is_empty() {
                out.push(b',');
            }
            out.extend(escape_lib(grp, self.utf8));
        }
        if out.is_empty() {
            out = b"-".to_vec();
        }
        let name = find_sub(&out, b":name=")
            .filter(|&i| i + 6 < out.len())
            .map(|i| out[i + 6..].to_vec())
            .unwrap_or_else(|| out.clone());
        p.cgname = name;
        p.lxcname = lxc_name(&p.cgroup_raw);
        p.cgroup = out;
    }
}

/// Read a /proc file with as few system calls as possible: open, read into a reused buffer,
/// close. /proc's seq files (stat, status...) and cmdline fill the buffer in one read when it is
/// big enough, so a short read is the end (procps's file2str relies on the same). No fstat or
/// lseek as `read_to_end` would do. At most `max` bytes.
pub(crate) fn slurp(path: &str, buf: &mut Vec<u8>, max: usize) -> bool {
    buf.clear();
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let mut len = 0;
    loop {
        if buf.len() < len + 4096 {
            buf.resize((len + 4096).max(buf.capacity()).min(max.max(1)), 0);
        }
        let room = buf.len() - len;
        if room == 0 {
            break;
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if n < room {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => {
                if len == 0 {
                    buf.clear();
                    return false;
                }
                break;
            }
        }
    }
    buf.truncate(len);
    true
}

fn list_numeric(dir: &str) -> Vec<i32> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| {
        let e = e.ok()?;
        let name = e.file_name();
        let b = name.as_encoded_bytes();
        if b.first().is_some_and(|c| (b'1'..=b'9').contains(c)) {
            std::str::from_utf8(b).ok()?.parse().ok()
        } else {
            None
        }
    })
    .collect()
}

fn find_sub(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

pub(crate) fn parse_u64(b: &[u8]) -> u64 {
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add((c - b'0') as u64);
    }
    v
}

pub(crate) fn parse_i64(b: &[u8]) -> i64 {
    let b = trim_ascii(b);
    match b.first() {
        // Wrapping like the C conversion: `-9223372036854775808` must not panic.
        Some(b'-') => (parse_u64(&b[1..]) as i64).wrapping_neg(),
        _ => parse_u64(b) as i64,
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[s..]
}

/// /proc/PID/stat, robust against `)` and spaces in the command name.
pub(crate) fn parse_stat(buf: &[u8], p: &mut Proc, utf8: bool) -> bool {
    let Some(open) = buf.iter().position(|&c| c == b'(') else {
        return false;
    };
    let Some(close) = buf.iter().rposition(|&c| c == b')') else {
        return false;
    };
    if close < open || close + 2 >= buf.len() {
        return false;
    }
    let raw = &buf[open + 1..close];
    let raw = &raw[..raw.len().min(63)];
    p.cmd = escape_lib(raw, utf8);
    p.processor = 0;
    p.rtprio = -1;
    p.sched = -1;
    p.nlwp = 0;
    let rest = &buf[close + 2..];
    let mut f = rest
        .split(|&c| c == b' ' || c == b'\n')
        .filter(|s| !s.is_empty());
    let mut next_u = || f.next().map(parse_i64_raw);
    let state = rest.first().copied().unwrap_or(b'?');
    p.state = state;
    let _ = next_u(); // state
    let vals: Vec<i64> = std::iter::from_fn(&mut next_u).take(41).collect();
    let g = |i: usize| vals.get(i).copied();
    let gi = |i: usize, d: i32| g(i).map(|v| v as i32).unwrap_or(d);
    let gu = |i: usize| g(i).map(|v| v as u64).unwrap_or(0);
    p.ppid = gi(0, 0);
    p.pgrp = gi(1, 0);
    p.session = gi(2, 0);
    p.tty = gi(3, 0);
    p.tpgid = gi(4, 0);
    p.flags = gu(5);
    p.min_flt = gu(6);
    p.cmin_flt = gu(7);
    p.maj_flt = gu(8);
    p.cmaj_flt = gu(9);
    p.utime = gu(10);
    p.stime = gu(11);
    p.cutime = gu(12);
    p.cstime = gu(13);
    p.priority = gi(14, 0);
    p.nice = gi(15, 0);
    p.nlwp = gi(16, 0);
    p.start_time = gu(18);
    p.vsize = gu(19);
    p.rss = gu(20);
    p.rss_rlim = gu(21);
    p.start_code = gu(22);
    p.end_code = gu(23);
    p.start_stack = gu(24);
    p.kstk_esp = gu(25);
    p.kstk_eip = gu(26);
    p.processor = gi(35, 0);
    p.rtprio = gi(36, -1);
    p.sched = gi(37, -1);
    if p.nlwp == 0 {
        p.nlwp = 1;
    }
    true
}

fn parse_i64_raw(b: &[u8]) -> i64 {
    match b.first() {
        Some(b'-') => (parse_u64(&b[1..]) as i64).wrapping_neg(),
        _ => parse_u64(b) as i64,
    }
}

/// /proc/PID/status: ids, memory, signal masks, supplementary groups, NSpid.
pub(crate) fn parse_status(buf: &[u8], p: &mut Proc, is_proc: bool, want_cmd: bool, utf8: bool) {
    let mut threads = 0i64;
    let mut tgid = 0i64;
    let mut pid = 0i64;
    let mut shdpnd: Option<String> = None;
    let mut supgid: Option<String> = None;
    for line in buf.split(|&c| c == b'\n') {
        let Some(colon) = line.iter().position(|&c| c == b':') else {
            continue;
        };
        let (name, val) = (&line[..colon], &line[colon + 1..]);
        let val = if val.first() == Some(&b'\t') {
            &val[1..]
        } else {
            continue;
        };
        let nums = || {
            val.split(|&c| c == b'\t' || c == b' ')
                .filter(|s| !s.is_empty())
                .map(parse_i64_raw)
        };
        let first = || nums().next().unwrap_or(0);
        let sig = || String::from_utf8_lossy(&val[..val.len().min(16)]).into_owned();
        match name {
            b"Name" if want_cmd => {
                let mut raw = Vec::new();
                let mut i = 0;
                while i < val.len() && raw.len() < 63 {
                    let mut c = val[i];
                    if c == b'\\' {
                        i += 1;
                        c = match val.get(i) {
                            Some(b'n') => b'\n',
                            Some(&o) => o,
                            None => break,
                        };
                    }
                    raw.push(c);
                    i += 1;
                }
                p.cmd = escape_lib(&raw, utf8);
            }
            b"State" if want_cmd => p.state = val.first().copied().unwrap_or(b'?'),
            b"PPid" if want_cmd => p.ppid = first() as i32,
            b"ShdPnd" => shdpnd = Some(sig()),
            b"SigBlk" => p.blocked = sig(),
            b"SigCgt" => p.sigcatch = sig(),
            b"SigIgn" => p.sigignore = sig(),
            b"SigPnd" => p.sigpnd = sig(),
            b"Tgid" => tgid = first(),
            b"Pid" => pid = first(),
            b"Threads" => threads = first(),
            b"Uid" => {
                let v: Vec<i64> = nums().collect();
                p.ruid = v.first().copied().unwrap_or(0) as u32;
                p.euid = v.get(1).copied().unwrap_or(0) as u32;
                p.suid = v.get(2).copied().unwrap_or(0) as u32;
                p.fuid = v.get(3).copied().unwrap_or(0) as u32;
            }
            b"Gid" => {
                let v: Vec<i64> = nums().collect();
                p.rgid = v.first().copied().unwrap_or(0) as u32;
                p.egid = v.get(1).copied().unwrap_or(0) as u32;
                p.sgid = v.get(2).copied().unwrap_or(0) as u32;
                p.fgid = v.get(3).copied().unwrap_or(0) as u32;
            }
            b"VmData" => p.vm_data = first() as u64,
            b"VmExe" => p.vm_exe = first() as u64,
            b"VmLck" => p.vm_lock = first() as u64,
            b"VmLib" => p.vm_lib = first() as u64,
            b"VmRSS" => p.vm_rss = first() as u64,
            b"VmSize" => p.vm_size = first() as u64,
            b"VmStk" => p.vm_stack = first() as u64,
            b"Groups" => {
                let s: Vec<String> = val
                    .split(|&c| c == b' ' || c == b'\t')
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                if !s.is_empty() {
                    supgid = Some(s.join(","));
                }
            }
            b"NSpid" => p.nspid = nums().next_back().map(|v| v as i32),
            _ => {}
        }
    }
    // Processes show the shared pending set, tasks their own (procps status2proc).
    p.signal = match shdpnd {
        Some(s) if is_proc && !s.is_empty() => s,
        _ => p.sigpnd.clone(),
    };
    if threads != 0 {
        p.nlwp = threads as i32;
        p.tgid = tgid as i32;
        p.tid = pid as i32;
    } else if is_proc {
        p.nlwp = 1;
        p.tgid = pid as i32;
        p.tid = pid as i32;
    }
    p.supgid = supgid.unwrap_or_else(|| "-".into());
}

/// procps `read_unvectored(…, ' ')`: NULs and newlines become spaces, trailing NULs dropped.
fn read_unvectored(path: &str) -> Vec<u8> {
    read_unvectored_sep(path, b' ')
}

fn read_unvectored_sep(path: &str, sep: u8) -> Vec<u8> {
    const MAX: usize = 1024 * 64 * 2;
    let mut dst = Vec::new();
    if !slurp(path, &mut dst, MAX - 1) {
        return Vec::new();
    }
    let n = dst.len();
    if n > 0 {
        let mut i = n;
        while i > 0 && dst[i - 1] == 0 {
            i -= 1;
        }
        for c in dst[..i].iter_mut() {
            if *c == b'\n' || *c == 0 {
                *c = sep;
            }
        }
        if dst[n - 1] == b' ' {
            dst.truncate(n - 1);
        }
        // Trailing NULs that remain end the string.
        if let Some(z) = dst.iter().position(|&c| c == 0) {
            if sep != 0 {
                dst.truncate(z);
            }
        }
    }
    dst
}

/// The library's escape_str: control characters become `.` (C locale) or `?` (UTF-8).
pub(crate) fn escape_lib(src: &[u8], utf8: bool) -> Vec<u8> {
    let src = match src.iter().position(|&c| c == 0) {
        Some(z) => &src[..z],
        None => src,
    };
    if !utf8 {
        return src.iter().map(|&c| esc_all(c)).collect();
    }
    // esc_ctl: control characters become '?'; from the first byte that cannot start a UTF-8
    // sequence (or a sequence cut by the end) on, everything is escaped as in the C locale.
    let mut out = src.to_vec();
    let mut i = 0;
    while i < out.len() {
        let n = match out[i] {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        if n == 0 || i + n > out.len() {
            for c in &mut out[i..] {
                *c = esc_all(*c);
            }
            break;
        }
        if out[i] < 0x20 || out[i] == 0x7f {
            out[i] = b'?';
        }
        i += n;
    }
    out
}

fn esc_all(c: u8) -> u8 {
    match c {
        0..=0x1f | 0x7f => b'.',
        0x80..=0xff => b'?',
        _ => c,
    }
}

fn lookup_wchan(path: &str) -> String {
    let mut buf = Vec::new();
    if !slurp(path, &mut buf, 63) {
        return "?".into();
    }
    if buf.is_empty() {
        return "?".into();
    }
    if buf == b"0" {
        return "-".into();
    }
    let mut s = &buf[..];
    if s.first() == Some(&b'.') {
        s = &s[1..];
    }
    while s.first() == Some(&b'_') {
        s = &s[1..];
    }
    String::from_utf8_lossy(s).into_owned()
}

fn lxc_name(cgroup: &[u8]) -> String {
    // cgroup_raw has NUL separators; procps scans the text with newlines.
    let text: Vec<u8> = cgroup
        .iter()
        .map(|&c| if c == 0 { b'\n' } else { c })
        .collect();
    for delim in [&b"lxc.payload."[..], b"lxc.payload/", b"lxc/"] {
        if let Some(p1) = find_sub(&text, delim) {
            let line_end = text[p1..]
                .iter()
                .position(|&c| c == b'\n')
                .map(|e| p1 + e)
                .unwrap_or(text.len());
            let mut p2 = p1 + delim.len();
            while let Some(n) = find_sub(&text[p2..line_end], delim) {
                p2 = p2 + n + delim.len();
            }
            let end = text[p2..line_end]
                .iter()
                .position(|&c| c == b'/')
                .map(|e| p2 + e)
                .unwrap_or(line_end);
            return String::from_utf8_lossy(&text[p2..end]).into_owned();
        }
    }
    "-".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("42");
        std::fs::create_dir_all(p.join("task/42")).unwrap();
        std::fs::write(
            p.join("stat"),
            "42 (a) b) c) S 1 42 42 34816 42 4194560 100 0 2 0 150 50 0 0 20 0 1 0 1234 10485760 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        )
        .unwrap();
        std::fs::write(
            p.join("status"),
            "Name:\ta) b) c\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\nPid:\t42\nPPid:\t1\nUid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\nGroups:\t4 24 27 \nNSpid:\t42\t7\nVmSize:\t   10240 kB\nVmLck:\t       0 kB\nVmRSS:\t    1200 kB\nVmData:\t     500 kB\nVmStk:\t     132 kB\nThreads:\t1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\nSigBlk:\t0000000000010000\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180000002\n",
        )
        .unwrap();
        std::fs::write(p.join("cmdline"), b"sleep\x00100\x00").unwrap();
        std::fs::write(p.join("cgroup"), "4:memory:/a/b\n1:cpu:/\n0::/\n").unwrap();
        d
    }

    #[test]
    fn reads_fixture() {
        let d = fixture();
        let mut fs = ProcFs::new(d.path().to_str().unwrap(), false);
        assert_eq!(fs.pids(), vec![42]);
        let p = fs
            .read(
                42,
                42,
                need::STAT | need::STATUS | need::CMDLINE | need::CGROUP,
            )
            .unwrap();
        assert_eq!(p.cmd, b"a) b) c");
        assert_eq!(p.state, b'S');
        assert_eq!((p.ppid, p.pgrp, p.session, p.tty), (1, 42, 42, 34816));
        assert_eq!((p.utime, p.stime, p.start_time), (150, 50, 1234));
        assert_eq!((p.ruid, p.euid, p.suid, p.fuid), (1000, 1001, 1002, 1003));
        assert_eq!(p.egid, 11);
        assert_eq!(p.vm_rss, 1200);
        assert_eq!(p.vm_size, 10240);
        assert_eq!(p.supgid, "4,24,27");
        assert_eq!(p.nspid, Some(7));
        assert_eq!(p.blocked, "0000000000010000");
        assert_eq!(p.cmdline, b"sleep 100");
        assert_eq!(p.cgroup, b"4:memory:/a/b");
        assert_eq!(p.processor, 1);
    }

    #[test]
    fn vanished_process_is_skipped() {
        let d = fixture();
        let mut fs = ProcFs::new(d.path().to_str().unwrap(), false);
        assert!(fs.read(43, 43, need::STAT).is_none());
        // Needing nothing reads nothing: the pid alone is enough.
        assert!(fs.read(43, 43, 0).is_some());
    }

    #[test]
    fn empty_cmdline_is_bracketed_comm() {
        let d = fixture();
        std::fs::write(d.path().join("42/cmdline"), b"").unwrap();
        let mut fs = ProcFs::new(d.path().to_str().unwrap(), false);
        let p = fs.read(42, 42, need::STAT | need::CMDLINE).unwrap();
        assert_eq!(p.cmdline, b"[a) b) c]");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_lib(b"a\tb\x7f\xc3\xa9", false), b"a.b.??");
        assert_eq!(escape_lib(b"a\tb\xc3\xa9", true), "a?bé".as_bytes());
        assert_eq!(escape_lib(b"\xc3\xa9\x01\xff\x01", true), b"\xc3\xa9??.");
    }
}
