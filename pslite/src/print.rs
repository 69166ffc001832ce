//! The printers (procps `pr_*`), each a static [`Printer`] on one line: what it reads from /proc,
//! the items procps fetches for it, and the function that prints, inline when it is short. A
//! printer of data no procps item holds declares its sort key on the same line (`key X = ...`).
//! A column of the table in [`crate::spec`] names its printer; several columns may share one.

use crate::item;
use crate::output::{Item, Out, Printer, Sv};
use crate::proc::need as n;
use crate::proc::Proc;
use crate::sys;

macro_rules! printer {
    ($name:ident, $needs:expr, [$($item:ident),*], $print:expr) => {
        pub(crate) static $name: Printer =
            Printer { print: $print, needs: $needs, fetches: &[$(&item::$item),*] };
    };
    // A column whose data no procps item holds (our `nspid`): its sort key, `key`, is declared on
    // the printer's own line and is the one item the printer fetches.
    ($name:ident, $needs:expr, key $key:ident = $value:expr, $print:expr) => {
        pub(crate) static $key: Item = Item { name: stringify!($name), needs: $needs, value: $value };
        pub(crate) static $name: Printer = Printer { print: $print, needs: $needs, fetches: &[&$key] };
    };
}

// One printer per line, as procps's `pr_*` functions.
#[rustfmt::skip]
mod table {
    use super::*;
    printer!(NOP, 0, [], |_, _, b| text(b, "-"));
    printer!(ARGS, n::CMDLINE | n::STAT, [CMDLINE, CMD], |o, p, b| { let long = !o.print.bsd_c; o.args_like(b, p, long) });
    printer!(COMM, n::STAT, [CMDLINE, CMD], |o, p, b| { let long = o.print.unix_f; o.args_like(b, p, long) });
    printer!(FNAME, n::STAT, [CMD], fname);
    printer!(CGNAME, n::CGROUP, [CGNAME], |o, p, b| o.escaped(b, &p.cgname));
    printer!(CGROUP, n::CGROUP, [CGROUP], |o, p, b| o.escaped(b, &p.cgroup));
    printer!(EXE, n::EXE, [EXE], |o, p, b| o.escaped(b, &p.exe));
    printer!(LXCNAME, n::CGROUP, [LXCNAME], |_, p, b| text(b, &p.lxcname));
    printer!(SUPGID, n::STATUS, [SUPGIDS], supgid);
    printer!(SUPGRP, n::STATUS, [SUPGROUPS], supgrp);
    printer!(ETIME, n::STAT | n::CLOCK, [TIME_ELAPSED], etime);
    printer!(ETIMES, n::STAT | n::CLOCK, [TIME_ELAPSED], |o, p, b| num(b, o.elapsed(p) as u64 as u32));
    printer!(C, n::STAT | n::CLOCK, [TICS_ALL, TIME_ELAPSED, UTILIZATION], |o, p, b| text(b, &format!("{:2}", permille(o, p, 100).min(99))));
    printer!(CP, n::STAT | n::CLOCK, [TICS_ALL, TIME_ELAPSED, UTILIZATION], |o, p, b| text(b, &format!("{:3}", permille(o, p, 1000).min(999))));
    printer!(PCPU, n::STAT | n::CLOCK, [TICS_ALL, TIME_ELAPSED, UTILIZATION], pcpu);
    printer!(UTILIZATION, n::STAT | n::CLOCK, [UTILIZATION], |o, p, b| utilization(b, o.utilization(p, false)));
    printer!(UTILIZATION_C, n::STAT | n::CLOCK, [UTILIZATION_C], |o, p, b| utilization(b, o.utilization(p, true)));
    printer!(TIME, n::STAT, [TIME_ALL], time);
    printer!(TIMES, n::STAT, [TIME_ALL], |o, p, b| num(b, ((p.utime + p.stime) as f64 / o.hertz as f64) as u64));
    printer!(BSDTIME, n::STAT, [TICS_ALL], |o, p, b| { let s = o.tics(p) / o.hertz as u64; text(b, &format!("{:3}:{:02}", s / 60, s % 60)) });
    printer!(BSDSTART, n::STAT | n::CLOCK, [TICS_BEGAN], bsdstart);
    printer!(LSTART, n::STAT | n::CLOCK, [TICS_BEGAN], lstart);
    printer!(STIME, n::STAT | n::CLOCK, [TICS_BEGAN], stime);
    printer!(START, n::STAT | n::CLOCK, [TICS_BEGAN], start);
    printer!(PGID, n::STAT, [ID_PGRP], |_, p, b| num(b, p.pgrp as u32));
    printer!(PPID, n::STAT, [ID_PPID], |_, p, b| num(b, p.ppid as u32));
    printer!(SESS, n::STAT, [ID_SESSION], |_, p, b| num(b, p.session));
    printer!(TPGID, n::STAT, [ID_TPGID], |_, p, b| num(b, p.tpgid));
    printer!(PROCS, 0, [ID_TGID], |_, p, b| num(b, p.tgid));
    printer!(TASKS, 0, [ID_PID], |_, p, b| num(b, p.tid));
    printer!(NLWP, n::STAT, [NLWP], |_, p, b| num(b, p.nlwp));
    printer!(NSPID, n::STATUS, key NSPID_KEY = |_, p| Sv::Int(p.nspid.unwrap_or(0) as i64), |_, p, b| match p.nspid { Some(n) => num(b, n), None => text(b, "-") });
    printer!(PRIORITY, n::STAT, [PRIORITY], |_, p, b| num(b, p.priority));
    printer!(OPRI, n::STAT, [PRIORITY], |_, p, b| num(b, 60 + p.priority));
    printer!(PRI_FOO, n::STAT, [PRIORITY], |_, p, b| num(b, p.priority - 20));
    printer!(PRI_BAR, n::STAT, [PRIORITY], |_, p, b| num(b, p.priority + 1));
    printer!(PRI_BAZ, n::STAT, [PRIORITY], |_, p, b| num(b, p.priority + 100));
    printer!(PRI, n::STAT, [PRIORITY], |_, p, b| num(b, 39 - p.priority));
    printer!(PRI_API, n::STAT, [PRIORITY], |_, p, b| num(b, -1 - p.priority));
    printer!(NICE, n::STAT, [NICE, SCHED_CLASS], |_, p, b| if p.sched != 0 && p.sched != 3 && p.sched != -1 { text(b, "-") } else { num(b, p.nice) });
    printer!(CLASS, n::STAT, [SCHED_CLASS], |_, p, b| text(b, sched_class(p.sched)));
    printer!(RTPRIO, n::STAT, [SCHED_CLASS, PRIORITY_RT], |_, p, b| if p.sched == 0 || p.sched == -1 { text(b, "-") } else { num(b, p.rtprio) });
    printer!(SCHED, n::STAT, [SCHED_CLASS], |_, p, b| if p.sched == -1 { text(b, "-") } else { num(b, p.sched) });
    printer!(PSR, n::STAT, [PROCESSOR], |_, p, b| num(b, p.processor));
    printer!(NUMA, n::STAT, [PROCESSOR_NODE], |_, p, b| num(b, crate::output::numa_node(p.processor)));
    printer!(SGI_P, n::STAT, [STATE, PROCESSOR], |_, p, b| if p.state == b'R' { num(b, p.processor as u32) } else { text(b, "*") });
    printer!(OOM, n::OOM, [OOM_SCORE], |_, p, b| num(b, p.oom_score));
    printer!(OOM_ADJ, n::OOM, [OOM_ADJ], |_, p, b| num(b, p.oom_adj));
    printer!(WCHAN, n::WCHAN, [WCHAN_NAME], |o, p, b| cut(b, &p.wchan, o.max_rightward));
    printer!(TTY4, n::STAT, [], |o, p, b| { let s = o.tty_name(p, true); text(b, &s) });
    printer!(TTY8, n::STAT, [TTY_NAME], |o, p, b| { let s = o.tty_name(p, false); text(b, &s) });
    printer!(STAT, n::STAT | n::STATUS, [STATE, NICE, VM_RSS_LOCKED, ID_SESSION, ID_TGID, NLWP, ID_PGRP, ID_TPGID], stat);
    printer!(S, n::STAT, [STATE], |_, p, b| { b.push(p.state); 1 });
    printer!(FLAG, n::STAT, [FLAGS], |_, p, b| text(b, &format!("{:o}", (p.flags >> 6) & 7)));
    printer!(STACKP, n::STAT, [ADDR_STACK_START], |_, p, b| text(b, &format!("{:016x}", p.start_stack)));
    printer!(ESP, n::STAT, [ADDR_CURR_ESP], |_, p, b| text(b, &format!("{:016x}", p.kstk_esp)));
    printer!(EIP, n::STAT, [ADDR_CURR_EIP], |_, p, b| text(b, &format!("{:016x}", p.kstk_eip)));
    printer!(VSZ, n::STAT, [VM_SIZE], |_, p, b| num(b, p.vm_size));
    printer!(SZ, n::STAT, [VM_SIZE], |o, p, b| num(b, p.vm_size / (o.page_size as u64 / 1024)));
    printer!(SIZE, n::STAT, [VSIZE_BYTES], |_, p, b| num(b, p.vsize));
    printer!(DSIZ, n::STAT, [VSIZE_BYTES, ADDR_CODE_END, ADDR_CODE_START], |_, p, b| num(b, data_kib(p)));
    printer!(DRS, n::STAT, [VSIZE_BYTES, ADDR_CODE_END, ADDR_CODE_START], |_, p, b| num(b, data_kib(p)));
    printer!(TSIZ, n::STAT, [VSIZE_BYTES, ADDR_CODE_END, ADDR_CODE_START], |_, p, b| num(b, text_kib(p)));
    printer!(TRS, n::STAT, [VSIZE_BYTES, ADDR_CODE_END, ADDR_CODE_START], |_, p, b| num(b, text_kib(p)));
    printer!(SWAPABLE, n::STATUS, [VM_DATA, VM_STACK, VSIZE_BYTES], |_, p, b| num(b, p.vm_data + p.vm_stack));
    printer!(RSS, n::STATUS, [VM_RSS], |_, p, b| num(b, p.vm_rss));
    printer!(PMEM, n::STATUS | n::MEMINFO, [VM_RSS], pmem);
    printer!(PSS, n::SMAPS, [SMAP_PSS], |_, p, b| num(b, p.pss));
    printer!(USS, n::SMAPS, [SMAP_PRV_TOTAL], |_, p, b| num(b, p.uss));
    printer!(LIM, n::STAT, [RSS_RLIM], |_, p, b| if p.rss_rlim == u64::MAX { text(b, "xx") } else { text(b, &format!("{:5}", p.rss_rlim >> 10)) });
    printer!(MINFLT, n::STAT, [FLT_MIN], |o, p, b| num(b, if o.print.include_dead_children { p.min_flt + p.cmin_flt } else { p.min_flt }));
    printer!(MAJFLT, n::STAT, [FLT_MAJ], |o, p, b| num(b, if o.print.include_dead_children { p.maj_flt + p.cmaj_flt } else { p.maj_flt }));
    printer!(TSIG, n::STATUS, [SIGPENDING], |o, p, b| o.sig(b, &p.sigpnd));
    printer!(SIG, n::STATUS, [SIGNALS], |o, p, b| o.sig(b, &p.signal));
    printer!(SIGMASK, n::STATUS, [SIGBLOCKED], |o, p, b| o.sig(b, &p.blocked));
    printer!(SIGIGNORE, n::STATUS, [SIGIGNORE], |o, p, b| o.sig(b, &p.sigignore));
    printer!(SIGCATCH, n::STATUS, [SIGCATCH], |o, p, b| o.sig(b, &p.sigcatch));
    printer!(EUID, n::IDS, [ID_EUID], |_, p, b| num(b, p.euid as i32));
    printer!(RUID, n::STATUS, [ID_RUID], |_, p, b| num(b, p.ruid as i32));
    printer!(SUID, n::STATUS, [ID_SUID], |_, p, b| num(b, p.suid as i32));
    printer!(FUID, n::STATUS, [ID_FUID], |_, p, b| num(b, p.fuid as i32));
    printer!(EGID, n::IDS, [ID_EGID], |_, p, b| num(b, p.egid as i32));
    printer!(RGID, n::STATUS, [ID_RGID], |_, p, b| num(b, p.rgid as i32));
    printer!(SGID, n::STATUS, [ID_SGID], |_, p, b| num(b, p.sgid as i32));
    printer!(FGID, n::STATUS, [ID_FGID], |_, p, b| num(b, p.fgid as i32));
    printer!(LUID, n::LOGIN, [ID_LOGIN], |_, p, b| if p.luid == -1 { text(b, "-") } else { num(b, p.luid) });
    printer!(EUSER, n::IDS, [ID_EUSER, ID_EUID], |o, p, b| user(o, b, p.euid));
    printer!(RUSER, n::STATUS, [ID_RUSER, ID_RUID], |o, p, b| user(o, b, p.ruid));
    printer!(SUSER, n::STATUS, [ID_SUSER, ID_SUID], |o, p, b| user(o, b, p.suid));
    printer!(FUSER, n::STATUS, [ID_FUSER, ID_FUID], |o, p, b| user(o, b, p.fuid));
    printer!(EGROUP, n::IDS, [ID_EGROUP, ID_EGID], |o, p, b| group(o, b, p.egid));
    printer!(RGROUP, n::STATUS, [ID_RGROUP, ID_RGID], |o, p, b| group(o, b, p.rgid));
    printer!(SGROUP, n::STATUS, [ID_SGROUP, ID_SGID], |o, p, b| group(o, b, p.sgid));
    printer!(FGROUP, n::STATUS, [ID_FGROUP, ID_FGID], |o, p, b| group(o, b, p.fgid));
    printer!(RCHARS, n::IO, [IO_READ_CHARS], |_, p, b| num(b, p.io[0]));
    printer!(WCHARS, n::IO, [IO_WRITE_CHARS], |_, p, b| num(b, p.io[1]));
    printer!(ROPS, n::IO, [IO_READ_OPS], |_, p, b| num(b, p.io[2]));
    printer!(WOPS, n::IO, [IO_WRITE_OPS], |_, p, b| num(b, p.io[3]));
    printer!(RBYTES, n::IO, [IO_READ_BYTES], |_, p, b| num(b, p.io[4]));
    printer!(WBYTES, n::IO, [IO_WRITE_BYTES], |_, p, b| num(b, p.io[5]));
    printer!(WCBYTES, n::IO, [IO_WRITE_CBYTES], |_, p, b| num(b, p.io[6]));
    printer!(CGROUPNS, n::NS, [NS_CGROUP], |_, p, b| namespace(b, p.ns[0]));
    printer!(IPCNS, n::NS, [NS_IPC], |_, p, b| namespace(b, p.ns[1]));
    printer!(MNTNS, n::NS, [NS_MNT], |_, p, b| namespace(b, p.ns[2]));
    printer!(NETNS, n::NS, [NS_NET], |_, p, b| namespace(b, p.ns[3]));
    printer!(PIDNS, n::NS, [NS_PID], |_, p, b| namespace(b, p.ns[4]));
    printer!(TIMENS, n::NS, [NS_TIME], |_, p, b| namespace(b, p.ns[5]));
    printer!(USERNS, n::NS, [NS_USER], |_, p, b| namespace(b, p.ns[6]));
    printer!(UTSNS, n::NS, [NS_UTS], |_, p, b| namespace(b, p.ns[7]));
    printer!(SD_UNIT, n::CGROUP, [SD_UNIT], |_, p, b| text(b, &systemd(Sd::Unit, &p.cgroup_raw)));
    printer!(SD_SESSION, n::CGROUP, [SD_SESS], |_, p, b| text(b, &systemd(Sd::Session, &p.cgroup_raw)));
    printer!(SD_OUID, n::CGROUP, [SD_OUID], |_, p, b| text(b, &systemd(Sd::Ouid, &p.cgroup_raw)));
    printer!(SD_SLICE, n::CGROUP, [SD_SLICE], |_, p, b| text(b, &systemd(Sd::Slice, &p.cgroup_raw)));
    printer!(SD_MACHINE, n::CGROUP, [SD_MACH], |_, _, b| text(b, "-"));
    printer!(SD_UUNIT, n::CGROUP, [SD_UUNIT], |_, _, b| text(b, "-"));
    printer!(SD_SEAT, n::CGROUP, [SD_SEAT], |_, _, b| text(b, "-"));
    printer!(CONTEXT, 0, [ID_TGID], |o, p, b| { let c = sys::context(&o.root, p.tgid); b.extend_from_slice(&c); c.len() as i64 });
    printer!(AGID, n::AUTOGRP, [AUTOGRP_ID], |_, p, b| num(b, p.ag_id));
    printer!(AGNICE, n::AUTOGRP, [AUTOGRP_NICE], |_, p, b| num(b, p.ag_nice));
    printer!(T_LEFT, 0, [], |o, _, b| test_column(o, b, &["tty7", "pts/9999", "iseries/vtty42", "ttySMX0", "3270/tty4"], false));
    printer!(T_LEFT2, 0, [], |o, _, b| test_column(o, b, &["tty7", "pts/9999", "ttySMX0", "3270/tty4"], false));
    printer!(T_RIGHT, 0, [], |o, _, b| test_column(o, b, &["999-23:59:59", "99-23:59:59", "9-23:59:59", "59:59"], false));
    printer!(T_RIGHT2, 0, [], |o, _, b| test_column(o, b, &["999-23:59:59", "99-23:59:59", "9-23:59:59"], false));
    printer!(T_UNLIMITED, 0, [], |o, _, b| test_column(o, b, &["[123456789-12345] <defunct>", "ps", "123456789-123456"], true));
    printer!(T_UNLIMITED2, 0, [], |o, _, b| test_column(o, b, &["unlimited", "[123456789-12345] <defunct>", "ps", "123456789-123456"], true));
}

pub(crate) use table::*;

fn text(out: &mut Vec<u8>, s: &str) -> i64 {
    out.extend_from_slice(s.as_bytes());
    s.len() as i64
}

fn num<T: std::fmt::Display>(out: &mut Vec<u8>, v: T) -> i64 {
    text(out, &v.to_string())
}

/// At most `room` bytes of `s`, unescaped (wchan, supgid).
fn cut(out: &mut Vec<u8>, s: &str, room: i64) -> i64 {
    let n = s.len().min(room.max(0) as usize);
    out.extend_from_slice(&s.as_bytes()[..n]);
    n as i64
}

/// procps's `pr_fname`: at most 8 cells of the command name; it returns what procps returns
/// (`max_rightward - rightward` after the cap), not the cells printed.
fn fname(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let fh = o.forest_helper(out);
    let mut rightward = (o.max_rightward - fh).min(8);
    o.esc(out, &p.cmd, &mut rightward);
    o.max_rightward - rightward
}

fn supgid(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    cut(out, &p.supgid, o.max_rightward)
}

fn supgrp(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let mut names: Vec<String> = Vec::new();
    if p.supgid != "-" {
        for g in p.supgid.split(',').filter_map(|g| g.parse::<u32>().ok()) {
            names.push(o.names.group(g).to_string());
        }
    }
    let list = if names.is_empty() {
        "-".to_string()
    } else {
        names.join(",")
    };
    o.escaped(out, list.as_bytes())
}

fn etime(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let mut t = o.elapsed(p) as u64;
    let ss = t % 60;
    t /= 60;
    let mm = t % 60;
    t /= 60;
    let hh = t % 24;
    let dd = t / 24;
    let mut s = String::new();
    if dd > 0 {
        s.push_str(&format!("{dd}-"));
    }
    if dd > 0 || hh > 0 {
        s.push_str(&format!("{hh:02}:"));
    }
    s.push_str(&format!("{mm:02}:{ss:02}"));
    text(out, &s)
}

/// CPU time over elapsed time, times `scale` (procps's integer %CPU).
fn permille(o: &Out, p: &Proc, scale: u64) -> u32 {
    let jiffies = (o.elapsed(p) * o.hertz as f64) as u64;
    (o.tics(p) * scale).checked_div(jiffies).unwrap_or(0) as u32
}

fn pcpu(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let pcpu = permille(o, p, 1000);
    if pcpu > 999 {
        num(out, pcpu / 10)
    } else {
        text(out, &format!("{}.{}", pcpu / 10, pcpu % 10))
    }
}

fn utilization(out: &mut Vec<u8>, share: f64) -> i64 {
    text(
        out,
        &format!("{:.3}", if share > 99.0 { 99.999 } else { share }),
    )
}

fn time(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let t = ((p.utime + p.stime) as f64 / o.hertz as f64) as u64;
    let (ss, mm, hh, dd) = (t % 60, (t / 60) % 60, (t / 3600) % 24, t / 86400);
    if dd > 0 {
        text(out, &format!("{dd}-{hh:02}:{mm:02}:{ss:02}"))
    } else {
        text(out, &format!("{hh:02}:{mm:02}:{ss:02}"))
    }
}

fn bsdstart(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let start = o.start_secs(p);
    let ago = (o.now - start).max(0);
    let c = sys::ctime(start);
    let s = if ago > 86400 { &c[4..] } else { &c[10..] };
    let s: String = s.chars().take(6).collect();
    text(out, &s);
    6
}

/// procps's default `lstart` format (ctime's, without the newline).
const LSTART_FORMAT: &str = "%a %b %e %H:%M:%S %Y";

fn lstart(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let format = o.print.lstart_format.as_deref().unwrap_or(LSTART_FORMAT);
    let text = sys::strftime(format, o.start_secs(p));
    out.extend_from_slice(&text);
    text.len() as i64
}

fn stime(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let (Some(our), Some(tm)) = (sys::localtime(o.now), sys::localtime(o.start_secs(p))) else {
        return 0;
    };
    let s = if our.year != tm.year {
        format!("{}", tm.year + 1900)
    } else if our.yday != tm.yday {
        format!("{}{:02}", sys::MONTHS[tm.mon as usize], tm.mday)
    } else {
        format!("{:02}:{:02}", tm.hour, tm.min)
    };
    text(out, &s)
}

fn start(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let t = o.start_secs(p);
    let mut c = sys::ctime(t).into_bytes();
    if c[8] == b' ' {
        c[8] = b'0';
    }
    if c[11] == b' ' {
        c[11] = b'0';
    }
    let c = String::from_utf8_lossy(&c).into_owned();
    let s = if t + 86400 > o.now {
        c[11..19].to_string()
    } else {
        format!("  {}", &c[4..10])
    };
    text(out, &s)
}

fn sched_class(sched: i32) -> &'static str {
    match sched {
        -1 => "-",
        0 => "TS",
        1 => "FF",
        2 => "RR",
        3 => "B",
        4 => "ISO",
        5 => "IDL",
        6 => "DLN",
        7 => "#7",
        8 => "#8",
        9 => "#9",
        _ => "?",
    }
}

fn stat(_: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let start = out.len();
    out.push(p.state);
    for (flag, on) in [
        (b'<', p.nice < 0),
        (b'N', p.nice > 0),
        (b'L', p.vm_lock != 0),
        (b's', p.session == p.tgid),
        (b'l', p.nlwp > 1),
        (b'+', p.pgrp == p.tpgid),
    ] {
        if on {
            out.push(flag);
        }
    }
    (out.len() - start) as i64
}

/// Data and stack size in KiB (procps's `dsiz`/`drs`): all but the text segment.
fn data_kib(p: &Proc) -> i64 {
    if p.vsize == 0 {
        return 0;
    }
    (p.vsize.wrapping_sub(p.end_code).wrapping_add(p.start_code) >> 10) as i64
}

/// Text segment size in KiB (`tsiz`/`trs`).
fn text_kib(p: &Proc) -> i64 {
    if p.vsize == 0 {
        return 0;
    }
    (p.end_code.wrapping_sub(p.start_code) >> 10) as i64
}

fn pmem(o: &mut Out, p: &Proc, out: &mut Vec<u8>) -> i64 {
    let pmem = (p.vm_rss * 1000 / o.mem_total.max(1)).min(999);
    text(out, &format!("{:2}.{}", pmem / 10, pmem % 10))
}

fn user(o: &mut Out, out: &mut Vec<u8>, uid: u32) -> i64 {
    let name = o.names.user(uid).to_string();
    o.name(out, &name, uid)
}

fn group(o: &mut Out, out: &mut Vec<u8>, gid: u32) -> i64 {
    let name = o.names.group(gid).to_string();
    o.name(out, &name, gid)
}

fn namespace(out: &mut Vec<u8>, inode: u64) -> i64 {
    if inode != 0 {
        num(out, inode)
    } else {
        text(out, "-")
    }
}

/// procps's test columns (`_left` ...): a value that cycles with the line number.
fn test_column(o: &mut Out, out: &mut Vec<u8>, values: &[&str], cut_at_room: bool) -> i64 {
    // procps takes `lines_to_next_header % Nu`: the int converted to unsigned, so -1 (headers
    // off or printed once) is 2^32-1, which is 0 modulo 3 (not 2, as a Euclidean remainder is).
    let line = o.lines_to_next_header as i32 as u32 as usize;
    let s = values[line % values.len()];
    let s = if cut_at_room {
        &s[..s.len().min(o.max_rightward.max(0) as usize)]
    } else {
        s
    };
    text(out, s)
}

/// Which systemd field a column shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sd {
    Slice,
    Unit,
    Session,
    Ouid,
}

/// The systemd columns, derived from the systemd cgroup path as sd-login would.
fn systemd(field: Sd, cgroup_raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(cgroup_raw);
    let lines: Vec<&str> = text.split(['\0', '\n']).filter(|l| !l.is_empty()).collect();
    let path = lines
        .iter()
        .find_map(|l| l.split_once(":name=systemd:").map(|(_, p)| p))
        .or_else(|| lines.iter().find_map(|l| l.strip_prefix("0::")))
        .unwrap_or("/");
    let comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let mut slice = None;
    let mut i = 0;
    while i < comps.len() && comps[i].ends_with(".slice") && comps[i].len() > 6 {
        slice = Some(comps[i]);
        i += 1;
    }
    const UNIT_SUFFIXES: [&str; 10] = [
        ".service",
        ".scope",
        ".socket",
        ".mount",
        ".swap",
        ".device",
        ".target",
        ".path",
        ".timer",
        ".automount",
    ];
    let unit = comps
        .get(i)
        .filter(|c| UNIT_SUFFIXES.iter().any(|s| c.ends_with(s)))
        .copied();
    match field {
        Sd::Slice => slice.unwrap_or("-.slice").to_string(),
        Sd::Unit => unit.unwrap_or("-").to_string(),
        Sd::Session => unit
            .and_then(|u| u.strip_prefix("session-"))
            .and_then(|u| u.strip_suffix(".scope"))
            .unwrap_or("-")
            .to_string(),
        Sd::Ouid => comps
            .iter()
            .take(i)
            .find_map(|c| {
                c.strip_prefix("user-")
                    .and_then(|c| c.strip_suffix(".slice"))
            })
            .filter(|u| u.parse::<u32>().is_ok())
            .unwrap_or("-")
            .to_string(),
    }
}
