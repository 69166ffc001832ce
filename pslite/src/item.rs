//! The items procps fetches for a process (its `PIDS_*`), each a static on one line: what it
//! reads from /proc and its value as a sort key. A column sorts by one item (its row in
//! [`crate::spec`]) and its printer fetches some ([`crate::output::Printer::fetches`]): procps
//! applies a sort key only if its item was fetched.

use std::cmp::Ordering;

use crate::output::{Item, Sv};
use crate::proc::need as n;

macro_rules! item {
    ($name:ident, $needs:expr, $value:expr) => {
        pub(crate) static $name: Item = Item {
            name: stringify!($name),
            needs: $needs,
            value: $value,
        };
    };
}

// One item per line, as procps's `PIDS_*`.
#[rustfmt::skip]
mod table {
    use super::*;
    item!(ADDR_CODE_END, n::STAT, |_, p| Sv::Uns(p.end_code));
    item!(ADDR_CODE_START, n::STAT, |_, p| Sv::Uns(p.start_code));
    item!(ADDR_CURR_EIP, n::STAT, |_, p| Sv::Uns(p.kstk_eip));
    item!(ADDR_CURR_ESP, n::STAT, |_, p| Sv::Uns(p.kstk_esp));
    item!(ADDR_STACK_START, n::STAT, |_, p| Sv::Uns(p.start_stack));
    item!(AUTOGRP_ID, n::AUTOGRP, |_, p| Sv::Int(p.ag_id as i64));
    item!(AUTOGRP_NICE, n::AUTOGRP, |_, p| Sv::Int(p.ag_nice as i64));
    item!(CGNAME, n::CGROUP, |_, p| Sv::Str(p.cgname.clone()));
    item!(CGROUP, n::CGROUP, |_, p| Sv::Str(p.cgroup.clone()));
    item!(CMD, n::STAT, |_, p| Sv::Str(p.cmd.clone()));
    item!(CMDLINE, n::CMDLINE | n::STAT, |_, p| Sv::Str(p.cmdline.clone()));
    item!(EXE, n::EXE, |_, p| Sv::Str(p.exe.clone()));
    item!(FLAGS, n::STAT, |_, p| Sv::Uns(p.flags));
    item!(FLT_MAJ, n::STAT, |_, p| Sv::Uns(p.maj_flt));
    item!(FLT_MIN, n::STAT, |_, p| Sv::Uns(p.min_flt));
    item!(ID_EGID, n::IDS, |_, p| Sv::Uns(p.egid as u64));
    item!(ID_EGROUP, n::IDS, |o, p| Sv::Str(o.names.group(p.egid).as_bytes().to_vec()));
    item!(ID_EUID, n::IDS, |_, p| Sv::Uns(p.euid as u64));
    item!(ID_EUSER, n::IDS, |o, p| Sv::Str(o.names.user(p.euid).as_bytes().to_vec()));
    item!(ID_FGID, n::STATUS, |_, p| Sv::Uns(p.fgid as u64));
    item!(ID_FGROUP, n::STATUS, |o, p| Sv::Str(o.names.group(p.fgid).as_bytes().to_vec()));
    item!(ID_FUID, n::STATUS, |_, p| Sv::Uns(p.fuid as u64));
    item!(ID_FUSER, n::STATUS, |o, p| Sv::Str(o.names.user(p.fuid).as_bytes().to_vec()));
    item!(ID_LOGIN, n::LOGIN, |_, p| Sv::Int(p.luid as i64));
    item!(ID_PGRP, n::STAT, |_, p| Sv::Int(p.pgrp as i64));
    item!(ID_PID, 0, |_, p| Sv::Int(p.tid as i64));
    item!(ID_PPID, n::STAT, |_, p| Sv::Int(p.ppid as i64));
    item!(ID_RGID, n::STATUS, |_, p| Sv::Uns(p.rgid as u64));
    item!(ID_RGROUP, n::STATUS, |o, p| Sv::Str(o.names.group(p.rgid).as_bytes().to_vec()));
    item!(ID_RUID, n::STATUS, |_, p| Sv::Uns(p.ruid as u64));
    item!(ID_RUSER, n::STATUS, |o, p| Sv::Str(o.names.user(p.ruid).as_bytes().to_vec()));
    item!(ID_SESSION, n::STAT, |_, p| Sv::Int(p.session as i64));
    item!(ID_SGID, n::STATUS, |_, p| Sv::Uns(p.sgid as u64));
    item!(ID_SGROUP, n::STATUS, |o, p| Sv::Str(o.names.group(p.sgid).as_bytes().to_vec()));
    item!(ID_SUID, n::STATUS, |_, p| Sv::Uns(p.suid as u64));
    item!(ID_SUSER, n::STATUS, |o, p| Sv::Str(o.names.user(p.suid).as_bytes().to_vec()));
    item!(ID_TGID, 0, |_, p| Sv::Int(p.tgid as i64));
    item!(ID_TPGID, n::STAT, |_, p| Sv::Int(p.tpgid as i64));
    item!(IO_READ_BYTES, n::IO, |_, p| Sv::Uns(p.io[4]));
    item!(IO_READ_CHARS, n::IO, |_, p| Sv::Uns(p.io[0]));
    item!(IO_READ_OPS, n::IO, |_, p| Sv::Uns(p.io[2]));
    item!(IO_WRITE_BYTES, n::IO, |_, p| Sv::Uns(p.io[5]));
    item!(IO_WRITE_CBYTES, n::IO, |_, p| Sv::Uns(p.io[6]));
    item!(IO_WRITE_CHARS, n::IO, |_, p| Sv::Uns(p.io[1]));
    item!(IO_WRITE_OPS, n::IO, |_, p| Sv::Uns(p.io[3]));
    item!(LXCNAME, n::CGROUP, |_, p| Sv::Str(p.lxcname.as_bytes().to_vec()));
    item!(MEM_RES_PGS, n::STATM, |_, p| Sv::Uns(p.statm_resident));
    item!(MEM_SHR_PGS, n::STATM, |_, p| Sv::Uns(p.statm_share));
    item!(NICE, n::STAT, |_, p| Sv::Int(p.nice as i64));
    item!(NLWP, n::STAT, |_, p| Sv::Int(p.nlwp as i64));
    item!(NOOP, 0, |_, _| Sv::None);
    item!(NS_CGROUP, n::NS, |_, p| Sv::Uns(p.ns[0]));
    item!(NS_IPC, n::NS, |_, p| Sv::Uns(p.ns[1]));
    item!(NS_MNT, n::NS, |_, p| Sv::Uns(p.ns[2]));
    item!(NS_NET, n::NS, |_, p| Sv::Uns(p.ns[3]));
    item!(NS_PID, n::NS, |_, p| Sv::Uns(p.ns[4]));
    item!(NS_TIME, n::NS, |_, p| Sv::Uns(p.ns[5]));
    item!(NS_USER, n::NS, |_, p| Sv::Uns(p.ns[6]));
    item!(NS_UTS, n::NS, |_, p| Sv::Uns(p.ns[7]));
    item!(OOM_ADJ, n::OOM, |_, p| Sv::Int(p.oom_adj as i64));
    item!(OOM_SCORE, n::OOM, |_, p| Sv::Int(p.oom_score as i64));
    item!(PRIORITY, n::STAT, |_, p| Sv::Int(p.priority as i64));
    item!(PRIORITY_RT, n::STAT, |_, p| Sv::Int(p.rtprio as i64));
    item!(PROCESSOR, n::STAT, |_, p| Sv::Int(p.processor as i64));
    item!(PROCESSOR_NODE, n::STAT, |_, p| Sv::Int(crate::output::numa_node(p.processor) as i64));
    item!(RSS_RLIM, n::STAT, |_, p| Sv::Uns(p.rss_rlim));
    item!(SCHED_CLASS, n::STAT, |_, p| Sv::Int(p.sched as i64));
    item!(SD_MACH, n::CGROUP, |_, _| Sv::None);
    item!(SD_OUID, n::CGROUP, |_, _| Sv::None);
    item!(SD_SEAT, n::CGROUP, |_, _| Sv::None);
    item!(SD_SESS, n::CGROUP, |_, _| Sv::None);
    item!(SD_SLICE, n::CGROUP, |_, _| Sv::None);
    item!(SD_UNIT, n::CGROUP, |_, _| Sv::None);
    item!(SD_UUNIT, n::CGROUP, |_, _| Sv::None);
    item!(SIGBLOCKED, n::STATUS, |_, p| Sv::Str(p.blocked.as_bytes().to_vec()));
    item!(SIGCATCH, n::STATUS, |_, p| Sv::Str(p.sigcatch.as_bytes().to_vec()));
    item!(SIGIGNORE, n::STATUS, |_, p| Sv::Str(p.sigignore.as_bytes().to_vec()));
    item!(SIGNALS, n::STATUS, |_, p| Sv::Str(p.signal.as_bytes().to_vec()));
    item!(SIGPENDING, n::STATUS, |_, p| Sv::Str(p.sigpnd.as_bytes().to_vec()));
    item!(SMAP_PRV_TOTAL, n::SMAPS, |_, p| Sv::Uns(p.uss));
    item!(SMAP_PSS, n::SMAPS, |_, p| Sv::Uns(p.pss));
    item!(STATE, n::STAT, |_, p| Sv::Int(p.state as i64));
    item!(SUPGIDS, n::STATUS, |_, p| Sv::Str(p.supgid.as_bytes().to_vec()));
    item!(SUPGROUPS, n::STATUS, |_, _| Sv::None);
    item!(TICS_ALL, n::STAT, |_, p| Sv::Uns(p.utime + p.stime));
    item!(TICS_BEGAN, n::STAT, |_, p| Sv::Uns(p.start_time));
    item!(TICS_USER, n::STAT, |_, p| Sv::Uns(p.utime));
    item!(TICS_USER_C, n::STAT, |_, p| Sv::Uns(p.utime + p.cutime));
    item!(TIME_ALL, n::STAT, |o, p| Sv::Real((p.utime + p.stime) as f64 / o.hertz as f64));
    item!(TIME_ELAPSED, n::STAT | n::CLOCK, |o, p| Sv::Real(o.elapsed(p)));
    item!(TTY_NAME, n::STAT, |o, p| Sv::Vers(o.tty_name(p, false).into_bytes()));
    item!(UTILIZATION, n::STAT | n::CLOCK, |o, p| Sv::Real(o.utilization(p, false)));
    item!(UTILIZATION_C, n::STAT | n::CLOCK, |o, p| Sv::Real(o.utilization(p, true)));
    item!(VM_DATA, n::STATUS, |_, p| Sv::Uns(p.vm_data));
    item!(VM_EXE, n::STATUS, |_, p| Sv::Uns(p.vm_exe));
    item!(VM_LIB, n::STATUS, |_, p| Sv::Uns(p.vm_lib));
    item!(VM_RSS, n::STATUS, |_, p| Sv::Uns(p.vm_rss));
    item!(VM_RSS_LOCKED, n::STATUS, |_, p| Sv::Uns(p.vm_lock));
    item!(VM_SIZE, n::STAT, |_, p| Sv::Uns(p.vm_size));
    item!(VM_STACK, n::STATUS, |_, p| Sv::Uns(p.vm_stack));
    item!(VSIZE_BYTES, n::STAT, |_, p| Sv::Uns(p.vsize));
    item!(WCHAN_NAME, n::WCHAN, |_, p| Sv::Str(p.wchan.as_bytes().to_vec()));
}

pub(crate) use table::*;

pub(crate) fn cmp_sv(a: &Sv, b: &Sv) -> Ordering {
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
pub(crate) fn strverscmp(a: &[u8], b: &[u8]) -> Ordering {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_sort() {
        assert_eq!(strverscmp(b"pts/2", b"pts/10"), Ordering::Less);
        assert_eq!(strverscmp(b"?", b"pts/0"), Ordering::Less);
        assert_eq!(strverscmp(b"tty1", b"tty1"), Ordering::Equal);
        assert_eq!(strverscmp(b"a01", b"a1"), Ordering::Less);
    }

    #[test]
    fn debug_names_are_procps_items_in_camel_case() {
        assert_eq!(format!("{:?}", &VM_RSS), "VmRss");
        assert_eq!(format!("{:?}", &TICS_USER_C), "TicsUserC");
    }
}
