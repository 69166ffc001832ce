//! The format specifier table: one static, alphabetically sorted table in the image of procps's
//! `format_array` (output.c), one row per column, plus its macro, AIX and short-sort tables.
//!
//! A row owns everything about its column: name, header, printer ([`crate::print`], which says
//! what it reads from /proc), sort key ([`crate::item`], which may differ from what is printed,
//! as in procps), default width, justification and the `-m` rows it shows on. ps reads only the
//! /proc files its columns, sort keys and selections need ([`crate::proc::need`]).
//!
//! A new specifier is a row here and a printer in `print.rs` (unless it shares one); when its
//! data is new, a field parsed in `proc.rs`, whose sort key the printer's line declares (as
//! `nspid`'s does). `item.rs` holds procps's own items, which columns share.

use crate::item as it;
use crate::output::{Item, Just, Printer, When};
use crate::print as pr;

/// One format specifier.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) head: &'static str,
    pub(crate) pr: &'static Printer,
    /// The sort key.
    pub(crate) key: &'static Item,
    pub(crate) width: usize,
    pub(crate) just: Just,
    /// Width follows the length of /proc/sys/kernel/pid_max.
    pub(crate) pidmax: bool,
    pub(crate) when: When,
}

/// The width of a PID column: `/proc/sys/kernel/pid_max`'s digits (5 until then).
const PIDMAX: usize = usize::MAX;

const fn s(
    name: &'static str,
    head: &'static str,
    pr: &'static Printer,
    key: &'static Item,
    width: usize,
    just: Just,
    when: When,
) -> Spec {
    let pidmax = width == PIDMAX;
    Spec {
        name,
        head,
        pr,
        key,
        width: if pidmax { 5 } else { width },
        just,
        pidmax,
        when,
    }
}

use Just::{Left as L, Right as R, Signal as SIG, Unlimited as UNL, User as U, Wchan as WCH};
use When::{AsNeeded as AN, EveryTime as ET, ProcessOnly as PO, ThreadOnly as TO};

/// Every specifier, sorted by name (binary-searched like procps): one row per column with its
/// header, printer, sort key, width (`PIDMAX`: as wide as /proc/sys/kernel/pid_max's digits),
/// justification and the rows of `-m`/`m` output it shows on.
#[rustfmt::skip]
pub(crate) static SPECS: &[Spec] = &[
    s("%cpu", "%CPU", &pr::PCPU, &it::UTILIZATION, 4, R, ET),
    s("%mem", "%MEM", &pr::PMEM, &it::VM_RSS, 4, R, PO),
    s("_left", "LLLLLLLL", &pr::T_LEFT, &it::NOOP, 8, L, ET),
    s("_left2", "L2L2L2L2", &pr::T_LEFT2, &it::NOOP, 8, L, ET),
    s("_right", "RRRRRRRRRRR", &pr::T_RIGHT, &it::NOOP, 11, R, ET),
    s("_right2", "R2R2R2R2R2R", &pr::T_RIGHT2, &it::NOOP, 11, R, ET),
    s("_unlimited", "U", &pr::T_UNLIMITED, &it::NOOP, 16, UNL, ET),
    s("_unlimited2", "U2", &pr::T_UNLIMITED2, &it::NOOP, 16, UNL, ET),
    s("acflag", "ACFLG", &pr::NOP, &it::NOOP, 5, R, AN),
    s("acflg", "ACFLG", &pr::NOP, &it::NOOP, 5, R, AN),
    s("addr", "ADDR", &pr::NOP, &it::NOOP, 4, R, AN),
    s("addr_1", "ADDR", &pr::NOP, &it::NOOP, 1, L, AN),
    s("ag_id", "AGID", &pr::AGID, &it::AUTOGRP_ID, 5, R, AN),
    s("ag_nice", "AGNI", &pr::AGNICE, &it::AUTOGRP_NICE, 4, R, AN),
    s("alarm", "ALARM", &pr::NOP, &it::NOOP, 5, R, AN),
    s("argc", "ARGC", &pr::NOP, &it::NOOP, 4, R, PO),
    s("args", "COMMAND", &pr::ARGS, &it::CMDLINE, 27, UNL, PO),
    s("atime", "TIME", &pr::TIME, &it::TIME_ALL, 8, R, ET),
    s("blocked", "BLOCKED", &pr::SIGMASK, &it::SIGBLOCKED, 9, SIG, TO),
    s("bnd", "BND", &pr::NOP, &it::NOOP, 1, R, TO),
    s("bsdstart", "START", &pr::BSDSTART, &it::TICS_BEGAN, 6, R, ET),
    s("bsdtime", "TIME", &pr::BSDTIME, &it::TICS_ALL, 6, R, ET),
    s("c", "C", &pr::C, &it::UTILIZATION, 2, R, ET),
    s("caught", "CAUGHT", &pr::SIGCATCH, &it::SIGCATCH, 9, SIG, TO),
    s("cgname", "CGNAME", &pr::CGNAME, &it::CGNAME, 27, UNL, PO),
    s("cgroup", "CGROUP", &pr::CGROUP, &it::CGROUP, 27, UNL, PO),
    s("cgroupns", "CGROUPNS", &pr::CGROUPNS, &it::NS_CGROUP, 10, R, ET),
    s("class", "CLS", &pr::CLASS, &it::SCHED_CLASS, 3, L, TO),
    s("cls", "CLS", &pr::CLASS, &it::SCHED_CLASS, 3, R, TO),
    s("cmaj_flt", "-", &pr::NOP, &it::NOOP, 1, R, AN),
    s("cmd", "CMD", &pr::ARGS, &it::CMDLINE, 27, UNL, PO),
    s("cmin_flt", "-", &pr::NOP, &it::NOOP, 1, R, AN),
    s("cnswap", "-", &pr::NOP, &it::NOOP, 1, R, AN),
    s("comm", "COMMAND", &pr::COMM, &it::CMD, 15, UNL, PO),
    s("command", "COMMAND", &pr::ARGS, &it::CMDLINE, 27, UNL, PO),
    s("context", "CONTEXT", &pr::CONTEXT, &it::ID_TGID, 31, L, ET),
    s("cp", "CP", &pr::CP, &it::UTILIZATION, 3, R, ET),
    s("cpu", "CPU", &pr::NOP, &it::NOOP, 3, R, AN),
    s("cpuid", "CPUID", &pr::PSR, &it::PROCESSOR, 5, R, TO),
    s("cputime", "TIME", &pr::TIME, &it::TIME_ALL, 8, R, ET),
    s("cputimes", "TIME", &pr::TIMES, &it::TIME_ALL, 8, R, ET),
    s("ctid", "CTID", &pr::NOP, &it::NOOP, 5, R, ET),
    s("cuc", "%CUC", &pr::UTILIZATION_C, &it::UTILIZATION_C, 7, R, AN),
    s("cursig", "CURSIG", &pr::NOP, &it::NOOP, 6, R, AN),
    s("cutime", "-", &pr::NOP, &it::TICS_USER_C, 1, R, AN),
    s("cuu", "%CUU", &pr::UTILIZATION, &it::UTILIZATION, 6, R, AN),
    s("cwd", "CWD", &pr::NOP, &it::NOOP, 3, L, AN),
    s("drs", "DRS", &pr::DRS, &it::VSIZE_BYTES, 5, R, PO),
    s("dsiz", "DSIZ", &pr::DSIZ, &it::VSIZE_BYTES, 4, R, PO),
    s("egid", "EGID", &pr::EGID, &it::ID_EGID, 5, R, ET),
    s("egroup", "EGROUP", &pr::EGROUP, &it::ID_EGROUP, 8, U, ET),
    s("eip", "EIP", &pr::EIP, &it::ADDR_CURR_EIP, 16, R, TO),
    s("emul", "EMUL", &pr::NOP, &it::NOOP, 13, L, PO),
    s("end_code", "E_CODE", &pr::NOP, &it::ADDR_CODE_END, 16, R, PO),
    s("environ", "ENVIRONMENT", &pr::NOP, &it::NOOP, 11, UNL, PO),
    s("esp", "ESP", &pr::ESP, &it::ADDR_CURR_ESP, 16, R, TO),
    s("etime", "ELAPSED", &pr::ETIME, &it::TIME_ELAPSED, 11, R, ET),
    s("etimes", "ELAPSED", &pr::ETIMES, &it::TIME_ELAPSED, 7, R, ET),
    s("euid", "EUID", &pr::EUID, &it::ID_EUID, 5, R, ET),
    s("euser", "EUSER", &pr::EUSER, &it::ID_EUSER, 8, U, ET),
    s("exe", "EXE", &pr::EXE, &it::EXE, 27, UNL, PO),
    s("f", "F", &pr::FLAG, &it::FLAGS, 1, R, ET),
    s("fgid", "FGID", &pr::FGID, &it::FLAGS, 5, R, ET),
    s("fgroup", "FGROUP", &pr::FGROUP, &it::ID_FGROUP, 8, U, ET),
    s("flag", "F", &pr::FLAG, &it::FLAGS, 1, R, ET),
    s("flags", "F", &pr::FLAG, &it::FLAGS, 1, R, ET),
    s("fname", "COMMAND", &pr::FNAME, &it::CMD, 8, L, PO),
    s("fsgid", "FSGID", &pr::FGID, &it::ID_FGID, 5, R, ET),
    s("fsgroup", "FSGROUP", &pr::FGROUP, &it::ID_FGROUP, 8, U, ET),
    s("fsuid", "FSUID", &pr::FUID, &it::ID_FUID, 5, R, ET),
    s("fsuser", "FSUSER", &pr::FUSER, &it::ID_FUSER, 8, U, ET),
    s("fuid", "FUID", &pr::FUID, &it::ID_FUID, 5, R, ET),
    s("fuser", "FUSER", &pr::FUSER, &it::ID_FUSER, 8, U, ET),
    s("gid", "GID", &pr::EGID, &it::ID_EGID, 5, R, ET),
    s("group", "GROUP", &pr::EGROUP, &it::ID_EGROUP, 8, U, ET),
    s("ignored", "IGNORED", &pr::SIGIGNORE, &it::SIGIGNORE, 9, SIG, TO),
    s("inblk", "INBLK", &pr::NOP, &it::NOOP, 5, R, AN),
    s("inblock", "INBLK", &pr::NOP, &it::NOOP, 5, R, AN),
    s("intpri", "PRI", &pr::OPRI, &it::PRIORITY, 3, R, TO),
    s("ipcns", "IPCNS", &pr::IPCNS, &it::NS_IPC, 10, R, ET),
    s("jid", "JID", &pr::NOP, &it::NOOP, 1, R, PO),
    s("jobc", "JOBC", &pr::NOP, &it::NOOP, 4, R, AN),
    s("ktrace", "KTRACE", &pr::NOP, &it::NOOP, 8, R, AN),
    s("ktracep", "KTRACEP", &pr::NOP, &it::NOOP, 8, R, AN),
    s("label", "LABEL", &pr::CONTEXT, &it::ID_TGID, 31, L, ET),
    s("lastcpu", "C", &pr::PSR, &it::PROCESSOR, 3, R, TO),
    s("lim", "LIM", &pr::LIM, &it::RSS_RLIM, 5, R, AN),
    s("login", "LOGNAME", &pr::NOP, &it::NOOP, 8, L, AN),
    s("logname", "LOGNAME", &pr::NOP, &it::NOOP, 8, L, AN),
    s("longtname", "TTY", &pr::TTY8, &it::TTY_NAME, 8, L, PO),
    s("lsession", "SESSION", &pr::SD_SESSION, &it::SD_SESS, 11, L, ET),
    s("lstart", "STARTED", &pr::LSTART, &it::TICS_BEGAN, 24, R, ET),
    s("luid", "LUID", &pr::LUID, &it::ID_LOGIN, 5, R, ET),
    s("luser", "LUSER", &pr::NOP, &it::NOOP, 8, U, ET),
    s("lwp", "LWP", &pr::TASKS, &it::ID_PID, PIDMAX, R, TO),
    s("lxc", "LXC", &pr::LXCNAME, &it::LXCNAME, 8, L, ET),
    s("m_drs", "DRS", &pr::DRS, &it::VSIZE_BYTES, 5, R, PO),
    s("m_dt", "DT", &pr::NOP, &it::NOOP, 4, R, PO),
    s("m_lrs", "LRS", &pr::NOP, &it::NOOP, 5, R, PO),
    s("m_resident", "RES", &pr::NOP, &it::MEM_RES_PGS, 5, R, PO),
    s("m_share", "SHRD", &pr::NOP, &it::MEM_SHR_PGS, 5, R, PO),
    s("m_size", "SIZE", &pr::SIZE, &it::VSIZE_BYTES, 5, R, PO),
    s("m_swap", "SWAP", &pr::NOP, &it::NOOP, 5, R, PO),
    s("m_trs", "TRS", &pr::TRS, &it::VSIZE_BYTES, 5, R, PO),
    s("machine", "MACHINE", &pr::SD_MACHINE, &it::SD_MACH, 31, L, ET),
    s("maj_flt", "MAJFL", &pr::MAJFLT, &it::FLT_MAJ, 6, R, AN),
    s("majflt", "MAJFLT", &pr::MAJFLT, &it::FLT_MAJ, 6, R, AN),
    s("min_flt", "MINFL", &pr::MINFLT, &it::FLT_MIN, 6, R, AN),
    s("minflt", "MINFLT", &pr::MINFLT, &it::FLT_MIN, 6, R, AN),
    s("mntns", "MNTNS", &pr::MNTNS, &it::NS_MNT, 10, R, ET),
    s("msgrcv", "MSGRCV", &pr::NOP, &it::NOOP, 6, R, AN),
    s("msgsnd", "MSGSND", &pr::NOP, &it::NOOP, 6, R, AN),
    s("mwchan", "MWCHAN", &pr::NOP, &it::NOOP, 6, WCH, TO),
    s("netns", "NETNS", &pr::NETNS, &it::NS_NET, 10, R, ET),
    s("ni", "NI", &pr::NICE, &it::NICE, 3, R, TO),
    s("nice", "NI", &pr::NICE, &it::NICE, 3, R, TO),
    s("nivcsw", "IVCSW", &pr::NOP, &it::NOOP, 5, R, AN),
    s("nlwp", "NLWP", &pr::NLWP, &it::NLWP, 4, R, PO),
    s("nsignals", "NSIGS", &pr::NOP, &it::NOOP, 5, R, AN),
    s("nsigs", "NSIGS", &pr::NOP, &it::NOOP, 5, R, AN),
    s("nspid", "NSPID", &pr::NSPID, &pr::NSPID_KEY, PIDMAX, R, PO),
    s("nswap", "NSWAP", &pr::NOP, &it::NOOP, 5, R, AN),
    s("numa", "NUMA", &pr::NUMA, &it::PROCESSOR_NODE, 4, R, AN),
    s("nvcsw", "VCSW", &pr::NOP, &it::NOOP, 5, R, AN),
    s("nwchan", "WCHAN", &pr::NOP, &it::NOOP, 6, R, TO),
    s("oom", "OOM", &pr::OOM, &it::OOM_SCORE, 4, R, TO),
    s("oomadj", "OOMADJ", &pr::OOM_ADJ, &it::OOM_ADJ, 5, R, TO),
    s("opri", "PRI", &pr::OPRI, &it::PRIORITY, 3, R, TO),
    s("osz", "SZ", &pr::NOP, &it::NOOP, 2, R, PO),
    s("oublk", "OUBLK", &pr::NOP, &it::NOOP, 5, R, AN),
    s("oublock", "OUBLK", &pr::NOP, &it::NOOP, 5, R, AN),
    s("ouid", "OWNER", &pr::SD_OUID, &it::SD_OUID, 5, L, ET),
    s("p_ru", "P_RU", &pr::NOP, &it::NOOP, 6, R, AN),
    s("paddr", "PADDR", &pr::NOP, &it::NOOP, 6, R, AN),
    s("pagein", "PAGEIN", &pr::MAJFLT, &it::FLT_MAJ, 6, R, AN),
    s("pcpu", "%CPU", &pr::PCPU, &it::UTILIZATION, 4, R, ET),
    s("pending", "PENDING", &pr::SIG, &it::SIGNALS, 9, SIG, ET),
    s("pgid", "PGID", &pr::PGID, &it::ID_PGRP, PIDMAX, R, PO),
    s("pgrp", "PGRP", &pr::PGID, &it::ID_PGRP, PIDMAX, R, PO),
    s("pid", "PID", &pr::PROCS, &it::ID_TGID, PIDMAX, R, PO),
    s("pidns", "PIDNS", &pr::PIDNS, &it::NS_PID, 10, R, ET),
    s("pmem", "%MEM", &pr::PMEM, &it::VM_RSS, 4, R, PO),
    s("poip", "-", &pr::NOP, &it::NOOP, 1, R, AN),
    s("policy", "POL", &pr::CLASS, &it::SCHED_CLASS, 3, L, TO),
    s("ppid", "PPID", &pr::PPID, &it::ID_PPID, PIDMAX, R, PO),
    s("pri", "PRI", &pr::PRI, &it::PRIORITY, 3, R, TO),
    s("pri_api", "API", &pr::PRI_API, &it::PRIORITY, 3, R, TO),
    s("pri_bar", "BAR", &pr::PRI_BAR, &it::PRIORITY, 3, R, TO),
    s("pri_baz", "BAZ", &pr::PRI_BAZ, &it::PRIORITY, 3, R, TO),
    s("pri_foo", "FOO", &pr::PRI_FOO, &it::PRIORITY, 3, R, TO),
    s("priority", "PRI", &pr::PRIORITY, &it::PRIORITY, 3, R, TO),
    s("prmgrp", "PRMGRP", &pr::NOP, &it::NOOP, 12, R, PO),
    s("prmid", "PRMID", &pr::NOP, &it::NOOP, 12, R, PO),
    s("project", "PROJECT", &pr::NOP, &it::NOOP, 12, L, PO),
    s("projid", "PROJID", &pr::NOP, &it::NOOP, 5, R, PO),
    s("pset", "PSET", &pr::NOP, &it::NOOP, 4, R, TO),
    s("psr", "PSR", &pr::PSR, &it::PROCESSOR, 3, R, TO),
    s("pss", "PSS", &pr::PSS, &it::SMAP_PSS, 5, R, PO),
    s("psxpri", "PPR", &pr::NOP, &it::NOOP, 3, R, TO),
    s("rbytes", "RBYTES", &pr::RBYTES, &it::IO_READ_BYTES, 5, R, TO),
    s("rchars", "RCHARS", &pr::RCHARS, &it::IO_READ_CHARS, 5, R, TO),
    s("re", "RE", &pr::NOP, &it::NOOP, 3, R, AN),
    s("resident", "RES", &pr::NOP, &it::MEM_RES_PGS, 5, R, PO),
    s("rgid", "RGID", &pr::RGID, &it::ID_RGID, 5, R, ET),
    s("rgroup", "RGROUP", &pr::RGROUP, &it::ID_RGROUP, 8, U, ET),
    s("rlink", "RLINK", &pr::NOP, &it::NOOP, 8, R, AN),
    s("rops", "ROPS", &pr::ROPS, &it::IO_READ_OPS, 5, R, TO),
    s("rss", "RSS", &pr::RSS, &it::VM_RSS, 5, R, PO),
    s("rssize", "RSS", &pr::RSS, &it::VM_RSS, 5, R, PO),
    s("rsz", "RSZ", &pr::RSS, &it::VM_RSS, 5, R, PO),
    s("rtprio", "RTPRIO", &pr::RTPRIO, &it::PRIORITY_RT, 6, R, TO),
    s("ruid", "RUID", &pr::RUID, &it::ID_RUID, 5, R, ET),
    s("ruser", "RUSER", &pr::RUSER, &it::ID_RUSER, 8, U, ET),
    s("s", "S", &pr::S, &it::STATE, 1, L, TO),
    s("sched", "SCH", &pr::SCHED, &it::SCHED_CLASS, 3, R, TO),
    s("scnt", "SCNT", &pr::NOP, &it::NOOP, 4, R, AN),
    s("scount", "SC", &pr::NOP, &it::NOOP, 4, R, AN),
    s("seat", "SEAT", &pr::SD_SEAT, &it::SD_SEAT, 11, L, ET),
    s("sess", "SESS", &pr::SESS, &it::ID_SESSION, PIDMAX, R, PO),
    s("session", "SESS", &pr::SESS, &it::ID_SESSION, PIDMAX, R, PO),
    s("sgi_p", "P", &pr::SGI_P, &it::STATE, 1, R, TO),
    s("sgi_rss", "RSS", &pr::RSS, &it::VM_RSS, 4, L, PO),
    s("sgid", "SGID", &pr::SGID, &it::ID_SGID, 5, R, ET),
    s("sgroup", "SGROUP", &pr::SGROUP, &it::ID_SGROUP, 8, U, ET),
    s("share", "-", &pr::NOP, &it::NOOP, 1, R, PO),
    s("sid", "SID", &pr::SESS, &it::ID_SESSION, PIDMAX, R, PO),
    s("sig", "PENDING", &pr::SIG, &it::SIGNALS, 9, SIG, ET),
    s("sig_block", "BLOCKED", &pr::SIGMASK, &it::SIGBLOCKED, 9, SIG, TO),
    s("sig_catch", "CATCHED", &pr::SIGCATCH, &it::SIGCATCH, 9, SIG, TO),
    s("sig_ignore", "IGNORED", &pr::SIGIGNORE, &it::SIGIGNORE, 9, SIG, TO),
    s("sig_pend", "SIGNAL", &pr::SIG, &it::SIGNALS, 9, SIG, ET),
    s("sigcatch", "CAUGHT", &pr::SIGCATCH, &it::SIGCATCH, 9, SIG, TO),
    s("sigignore", "IGNORED", &pr::SIGIGNORE, &it::SIGIGNORE, 9, SIG, TO),
    s("sigmask", "BLOCKED", &pr::SIGMASK, &it::SIGBLOCKED, 9, SIG, TO),
    s("size", "SIZE", &pr::SWAPABLE, &it::VSIZE_BYTES, 5, R, PO),
    s("sl", "SL", &pr::NOP, &it::NOOP, 3, R, AN),
    s("slice", "SLICE", &pr::SD_SLICE, &it::SD_SLICE, 31, L, ET),
    s("spid", "SPID", &pr::TASKS, &it::ID_PID, PIDMAX, R, TO),
    s("stackp", "STACKP", &pr::STACKP, &it::ADDR_STACK_START, 16, R, PO),
    s("start", "STARTED", &pr::START, &it::TICS_BEGAN, 8, R, ET),
    s("start_code", "S_CODE", &pr::NOP, &it::ADDR_CODE_START, 16, R, PO),
    s("start_stack", "STACKP", &pr::STACKP, &it::ADDR_STACK_START, 16, R, PO),
    s("start_time", "START", &pr::STIME, &it::TICS_BEGAN, 5, R, ET),
    s("stat", "STAT", &pr::STAT, &it::STATE, 4, L, TO),
    s("state", "S", &pr::S, &it::STATE, 1, L, TO),
    s("status", "STATUS", &pr::NOP, &it::NOOP, 6, R, AN),
    s("stime", "STIME", &pr::STIME, &it::TICS_BEGAN, 5, R, ET),
    s("suid", "SUID", &pr::SUID, &it::ID_SUID, 5, R, ET),
    s("supgid", "SUPGID", &pr::SUPGID, &it::SUPGIDS, 20, UNL, PO),
    s("supgrp", "SUPGRP", &pr::SUPGRP, &it::SUPGROUPS, 40, UNL, PO),
    s("suser", "SUSER", &pr::SUSER, &it::ID_SUSER, 8, U, ET),
    s("svgid", "SVGID", &pr::SGID, &it::ID_SGID, 5, R, ET),
    s("svgroup", "SVGROUP", &pr::SGROUP, &it::ID_SGROUP, 8, U, ET),
    s("svuid", "SVUID", &pr::SUID, &it::ID_SUID, 5, R, ET),
    s("svuser", "SVUSER", &pr::SUSER, &it::ID_SUSER, 8, U, ET),
    s("systime", "SYSTEM", &pr::NOP, &it::NOOP, 6, R, ET),
    s("sz", "SZ", &pr::SZ, &it::VM_SIZE, 5, R, PO),
    s("taskid", "TASKID", &pr::NOP, &it::NOOP, PIDMAX, R, TO),
    s("tdev", "TDEV", &pr::NOP, &it::NOOP, 4, R, AN),
    s("tgid", "TGID", &pr::PROCS, &it::ID_TGID, PIDMAX, R, PO),
    s("thcount", "THCNT", &pr::NLWP, &it::NLWP, 5, R, PO),
    s("tid", "TID", &pr::TASKS, &it::ID_PID, PIDMAX, R, TO),
    s("time", "TIME", &pr::TIME, &it::TIME_ALL, 8, R, ET),
    s("timens", "TIMENS", &pr::TIMENS, &it::NS_TIME, 10, R, ET),
    s("timeout", "TMOUT", &pr::NOP, &it::NOOP, 5, R, AN),
    s("times", "TIME", &pr::TIMES, &it::TIME_ALL, 8, R, ET),
    s("tmout", "TMOUT", &pr::NOP, &it::NOOP, 5, R, AN),
    s("tname", "TTY", &pr::TTY8, &it::TTY_NAME, 8, L, PO),
    s("tpgid", "TPGID", &pr::TPGID, &it::ID_TPGID, PIDMAX, R, PO),
    s("trs", "TRS", &pr::TRS, &it::VSIZE_BYTES, 4, R, PO),
    s("trss", "TRSS", &pr::TRS, &it::VSIZE_BYTES, 4, R, PO),
    s("tsess", "TSESS", &pr::NOP, &it::NOOP, PIDMAX, R, PO),
    s("tsession", "TSESS", &pr::NOP, &it::NOOP, PIDMAX, R, PO),
    s("tsid", "TSID", &pr::NOP, &it::NOOP, PIDMAX, R, PO),
    s("tsig", "PENDING", &pr::TSIG, &it::SIGPENDING, 9, SIG, ET),
    s("tsiz", "TSIZ", &pr::TSIZ, &it::VSIZE_BYTES, 4, R, PO),
    s("tt", "TT", &pr::TTY8, &it::TTY_NAME, 8, L, PO),
    s("tty", "TT", &pr::TTY8, &it::TTY_NAME, 8, L, PO),
    s("tty4", "TTY", &pr::TTY4, &it::TTY_NAME, 4, L, PO),
    s("tty8", "TTY", &pr::TTY8, &it::TTY_NAME, 8, L, PO),
    s("u_procp", "UPROCP", &pr::NOP, &it::NOOP, 6, R, AN),
    s("ucmd", "CMD", &pr::COMM, &it::CMD, 15, UNL, PO),
    s("ucomm", "COMMAND", &pr::COMM, &it::CMD, 15, UNL, PO),
    s("uid", "UID", &pr::EUID, &it::ID_EUID, 5, R, ET),
    s("uid_hack", "UID", &pr::EUSER, &it::ID_EUSER, 8, U, ET),
    s("umask", "UMASK", &pr::NOP, &it::NOOP, 5, R, AN),
    s("uname", "USER", &pr::EUSER, &it::ID_EUSER, 8, U, ET),
    s("unit", "UNIT", &pr::SD_UNIT, &it::SD_UNIT, 31, L, ET),
    s("upr", "UPR", &pr::NOP, &it::NOOP, 3, R, TO),
    s("uprocp", "UPROCP", &pr::NOP, &it::NOOP, 8, R, AN),
    s("user", "USER", &pr::EUSER, &it::ID_EUSER, 8, U, ET),
    s("userns", "USERNS", &pr::USERNS, &it::NS_USER, 10, R, ET),
    s("usertime", "USER", &pr::NOP, &it::NOOP, 4, R, ET),
    s("usrpri", "UPR", &pr::NOP, &it::NOOP, 3, R, TO),
    s("uss", "USS", &pr::USS, &it::SMAP_PRV_TOTAL, 5, R, PO),
    s("util", "C", &pr::C, &it::UTILIZATION, 2, R, ET),
    s("utime", "UTIME", &pr::NOP, &it::TICS_USER, 6, R, ET),
    s("utsns", "UTSNS", &pr::UTSNS, &it::NS_UTS, 10, R, ET),
    s("uunit", "UUNIT", &pr::SD_UUNIT, &it::SD_UUNIT, 31, L, ET),
    s("vm_data", "DATA", &pr::NOP, &it::VM_DATA, 5, R, PO),
    s("vm_exe", "EXE", &pr::NOP, &it::VM_EXE, 5, R, PO),
    s("vm_lib", "LIB", &pr::NOP, &it::VM_LIB, 5, R, PO),
    s("vm_lock", "LCK", &pr::NOP, &it::VM_RSS_LOCKED, 3, R, PO),
    s("vm_stack", "STACK", &pr::NOP, &it::VM_STACK, 5, R, PO),
    s("vsize", "VSZ", &pr::VSZ, &it::VSIZE_BYTES, 6, R, PO),
    s("vsz", "VSZ", &pr::VSZ, &it::VM_SIZE, 6, R, PO),
    s("wbytes", "WBYTES", &pr::WBYTES, &it::IO_WRITE_BYTES, 5, R, TO),
    s("wcbytes", "WCBYTES", &pr::WCBYTES, &it::IO_WRITE_CBYTES, 5, R, TO),
    s("wchan", "WCHAN", &pr::WCHAN, &it::WCHAN_NAME, 6, WCH, TO),
    s("wchars", "WCHARS", &pr::WCHARS, &it::IO_WRITE_CHARS, 5, R, TO),
    s("wname", "WCHAN", &pr::WCHAN, &it::WCHAN_NAME, 6, WCH, TO),
    s("wops", "WOPS", &pr::WOPS, &it::IO_WRITE_OPS, 5, R, TO),
    s("xstat", "XSTAT", &pr::NOP, &it::NOOP, 5, R, AN),
    s("zone", "ZONE", &pr::CONTEXT, &it::ID_TGID, 31, L, ET),
    s("zoneid", "ZONEID", &pr::NOP, &it::NOOP, 31, R, ET),
];

/// Macros: names that expand to several specifiers (default formats, personalities).
pub(crate) static MACROS: &[(&str, &str)] = &[
    ("DFMT", "pid,tname,state,cputime,cmd"),
    ("DefBSD", "pid,tname,stat,bsdtime,args"),
    ("DefSysV", "pid,tname,time,cmd"),
    ("END_BSD", "state,tname,cputime,comm"),
    ("END_SYS5", "state,tname,time,command"),
    ("F5FMT", "uname,pid,ppid,c,start,tname,time,cmd"),
    ("FB_", "pid,tt,stat,time,command"),
    ("FB_j", "user,pid,ppid,pgid,sess,jobc,stat,tt,time,command"),
    (
        "FB_l",
        "uid,pid,ppid,cpu,pri,nice,vsz,rss,wchan,stat,tt,time,command",
    ),
    (
        "FB_u",
        "user,pid,pcpu,pmem,vsz,rss,tt,stat,start,time,command",
    ),
    (
        "FB_v",
        "pid,stat,time,sl,re,pagein,vsz,rss,lim,tsiz,pcpu,pmem,command",
    ),
    ("FD_", "pid,tty,time,comm"),
    ("FD_f", "user,pid,ppid,start_time,tty,time,comm"),
    ("FD_fj", "user,pid,ppid,start_time,tty,time,pgid,sid,comm"),
    ("FD_j", "pid,tty,time,pgid,sid,comm"),
    (
        "FD_l",
        "flags,state,uid,pid,ppid,priority,nice,vsz,wchan,tty,time,comm",
    ),
    (
        "FD_lj",
        "flags,state,uid,pid,ppid,priority,nice,vsz,wchan,tty,time,pgid,sid,comm",
    ),
    (
        "FL5FMT",
        "f,state,uid,pid,ppid,pcpu,pri,nice,rss,wchan,start,time,command",
    ),
    ("FLASK_context", "pid,context,command"),
    ("HP_", "pid,tty,time,comm"),
    ("HP_f", "user,pid,ppid,cpu,stime,tty,time,args"),
    (
        "HP_fl",
        "flags,state,user,pid,ppid,cpu,intpri,nice,addr,sz,wchan,stime,tty,time,args",
    ),
    (
        "HP_l",
        "flags,state,uid,pid,ppid,cpu,intpri,nice,addr,sz,wchan,tty,time,comm",
    ),
    ("J390", "pid,sid,pgrp,tname,atime,args"),
    (
        "JFMT",
        "user,pid,ppid,pgid,sess,jobc,state,tname,cputime,command",
    ),
    (
        "L5FMT",
        "f,state,uid,pid,ppid,c,pri,nice,addr,sz,wchan,tt,time,ucmd",
    ),
    (
        "LFMT",
        "uid,pid,ppid,cp,pri,nice,vsz,rss,wchan,state,tname,cputime,command",
    ),
    (
        "OL_X",
        "pid,start_stack,esp,eip,timeout,alarm,stat,tname,bsdtime,args",
    ),
    (
        "OL_j",
        "ppid,pid,pgid,sid,tname,tpgid,stat,uid,bsdtime,args",
    ),
    (
        "OL_l",
        "flags,uid,pid,ppid,priority,nice,vsz,rss,wchan,stat,tname,bsdtime,args",
    ),
    (
        "OL_m",
        "pid,tname,majflt,minflt,m_trs,m_drs,m_size,m_swap,rss,m_share,vm_lib,m_dt,args",
    ),
    (
        "OL_s",
        "uid,pid,pending,sig_block,sig_ignore,caught,stat,tname,bsdtime,args",
    ),
    (
        "OL_u",
        "user,pid,pcpu,pmem,vsz,rss,tname,stat,start_time,bsdtime,args",
    ),
    (
        "OL_v",
        "pid,tname,stat,bsdtime,maj_flt,m_trs,m_drs,rss,pmem,args",
    ),
    ("RD_", "pid,tname,state,bsdtime,comm"),
    ("RD_f", "uid,pid,ppid,start_time,tname,bsdtime,args"),
    (
        "RD_fj",
        "uid,pid,ppid,start_time,tname,bsdtime,pgid,sid,args",
    ),
    ("RD_j", "pid,tname,state,bsdtime,pgid,sid,comm"),
    (
        "RD_l",
        "flags,state,uid,pid,ppid,priority,nice,wchan,tname,bsdtime,comm",
    ),
    (
        "RD_lj",
        "flags,state,uid,pid,ppid,priority,nice,wchan,tname,bsdtime,pgid,sid,comm",
    ),
    (
        "RUSAGE",
        "minflt,majflt,nswap,inblock,oublock,msgsnd,msgrcv,nsigs,nvcsw,nivcsw",
    ),
    ("SCHED", "user,pcpu,pri,usrpri,nice,psxpri,psr,policy,pset"),
    (
        "SFMT",
        "uid,pid,cursig,sig,sigmask,sigignore,sigcatch,stat,tname,command",
    ),
    ("Std_f", "uid_hack,pid,ppid,c,stime,tname,time,cmd"),
    (
        "Std_fl",
        "f,s,uid_hack,pid,ppid,c,opri,ni,addr,sz,wchan,stime,tname,time,cmd",
    ),
    (
        "Std_l",
        "f,s,uid,pid,ppid,c,opri,ni,addr,sz,wchan,tname,time,ucmd",
    ),
    ("THREAD", "user,pcpu,pri,scnt,wchan,usertime,systime"),
    (
        "UFMT",
        "uname,pid,pcpu,pmem,vsz,rss,tt,state,start,time,command",
    ),
    (
        "VFMT",
        "pid,tt,state,time,sl,pagein,vsz,rss,pcpu,pmem,command",
    ),
];

/// AIX field descriptors (`-o '%p %c'`): code, specifier, header.
pub(crate) static AIX: &[(u8, &str, &str)] = &[
    (b'C', "pcpu", "%CPU"),
    (b'G', "group", "GROUP"),
    (b'P', "ppid", "PPID"),
    (b'U', "user", "USER"),
    (b'a', "args", "COMMAND"),
    (b'c', "comm", "COMMAND"),
    (b'g', "rgroup", "RGROUP"),
    (b'n', "nice", "NI"),
    (b'p', "pid", "PID"),
    (b'r', "pgid", "PGID"),
    (b't', "etime", "ELAPSED"),
    (b'u', "ruser", "RUSER"),
    (b'x', "time", "TIME"),
    (b'y', "tty", "TTY"),
    (b'z', "vsz", "VSZ"),
];

/// BSD short sort codes (`O` option).
pub(crate) static SHORTSORT: &[(u8, &str)] = &[
    (b'C', "pcpu"),
    (b'G', "tpgid"),
    (b'J', "cstime"),
    (b'M', "maj_flt"),
    (b'N', "cmaj_flt"),
    (b'P', "ppid"),
    (b'R', "resident"),
    (b'S', "share"),
    (b'T', "start_time"),
    (b'U', "uid"),
    (b'c', "cmd"),
    (b'f', "flags"),
    (b'g', "pgrp"),
    (b'j', "cutime"),
    (b'k', "utime"),
    (b'm', "min_flt"),
    (b'n', "cmin_flt"),
    (b'o', "session"),
    (b'p', "pid"),
    (b'r', "rss"),
    (b's', "size"),
    (b't', "tty"),
    (b'u', "user"),
    (b'v', "vsize"),
    (b'y', "priority"),
];

/// Look up a specifier by exact name (procps compares with strcmp).
pub(crate) fn find(name: &str) -> Option<&'static Spec> {
    SPECS
        .binary_search_by(|s| s.name.as_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|i| &SPECS[i])
}

/// Look up a macro by exact name.
pub(crate) fn find_macro(name: &str) -> Option<&'static str> {
    MACROS
        .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|i| MACROS[i].1)
}

pub(crate) fn find_aix(code: u8) -> Option<(&'static str, &'static str)> {
    AIX.iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, s, h)| (*s, *h))
}

pub(crate) fn find_shortsort(code: u8) -> Option<&'static str> {
    SHORTSORT.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// The `ps L` listing: every specifier that prints something.
pub(crate) fn listing() -> String {
    let mut out = String::new();
    for s in SPECS.iter().filter(|s| s.pr != &pr::NOP) {
        let name: String = s.name.chars().take(12).collect();
        let head: String = s.head.chars().take(8).collect();
        out.push_str(&format!("{name:<12} {head:<8}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in SPECS.windows(2) {
            assert!(w[0].name.as_bytes() < w[1].name.as_bytes(), "{}", w[1].name);
        }
        for w in MACROS.windows(2) {
            assert!(w[0].0.as_bytes() < w[1].0.as_bytes(), "{}", w[1].0);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(find("pid").unwrap().head, "PID");
        assert!(find("pid").unwrap().pidmax);
        assert_eq!(find("args").unwrap().width, 27);
        assert_eq!(find("eip").unwrap().width, 16);
        assert!(find("nosuch").is_none());
        assert_eq!(
            find_macro("OL_u"),
            Some("user,pid,pcpu,pmem,vsz,rss,tname,stat,start_time,bsdtime,args")
        );
        assert_eq!(find_aix(b'p'), Some(("pid", "PID")));
        assert_eq!(find_shortsort(b'r'), Some("rss"));
        // Every macro expands to known specifiers.
        for (name, list) in MACROS {
            for spec in list.split([',', ' ']) {
                assert!(find(spec).is_some(), "{name}: {spec}");
            }
        }
    }

    #[test]
    fn listing_skips_nop() {
        let l = listing();
        assert!(l.starts_with("%cpu         %CPU    \n"));
        assert!(!l.contains("\nacflag "));
        assert!(l.contains("\nnspid        NSPID   \n"));
    }
}
