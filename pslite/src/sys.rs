//! The only place with unsafe code: libc look-ups (users, groups, terminal size, local time).

use std::collections::HashMap;
use std::ffi::{CStr, CString};

/// getpwnam(3): the uid of a user name (the parser's `-u`, `U` and `--user` lists).
pub(crate) fn uid_by_name(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: getpwnam returns NULL or a pointer to static storage, read at once.
    let pw = unsafe { libc::getpwnam(c.as_ptr()) };
    if pw.is_null() {
        None
    } else {
        // SAFETY: non-null passwd entry.
        Some(unsafe { (*pw).pw_uid })
    }
}

/// getgrnam(3): the gid of a group name.
pub(crate) fn gid_by_name(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: as above, for groups.
    let gr = unsafe { libc::getgrnam(c.as_ptr()) };
    if gr.is_null() {
        None
    } else {
        // SAFETY: non-null group entry.
        Some(unsafe { (*gr).gr_gid })
    }
}

/// stat(2) of a terminal: whether it is a character device, and its device number.
pub(crate) fn stat_rdev(path: &str) -> Option<(bool, u64)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let m = std::fs::metadata(path).ok()?;
    Some((m.file_type().is_char_device(), m.rdev()))
}

/// Cached uid/gid to name (procps pwcache: names of 33+ bytes print as numbers).
#[derive(Default)]
pub(crate) struct Names {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Names {
    pub(crate) fn user(&mut self, uid: u32) -> &str {
        self.users.entry(uid).or_insert_with(|| {
            // SAFETY: getpwuid returns NULL or static storage, copied immediately.
            let pw = unsafe { libc::getpwuid(uid) };
            if pw.is_null() {
                return uid.to_string();
            }
            // SAFETY: pw_name is a valid C string of a non-null entry.
            let n = unsafe { CStr::from_ptr((*pw).pw_name) };
            if n.to_bytes().len() >= 33 {
                uid.to_string()
            } else {
                n.to_string_lossy().into_owned()
            }
        })
    }

    pub(crate) fn group(&mut self, gid: u32) -> &str {
        self.groups.entry(gid).or_insert_with(|| {
            // SAFETY: as above, for groups.
            let gr = unsafe { libc::getgrgid(gid) };
            if gr.is_null() {
                return gid.to_string();
            }
            // SAFETY: gr_name is a valid C string of a non-null entry.
            let n = unsafe { CStr::from_ptr((*gr).gr_name) };
            if n.to_bytes().len() >= 33 {
                gid.to_string()
            } else {
                n.to_string_lossy().into_owned()
            }
        })
    }
}

/// Terminal size from stdout, stderr, stdin or /dev/tty (columns, rows).
pub(crate) fn winsize() -> Option<(u16, u16)> {
    let try_fd = |fd: i32| -> Option<(u16, u16)> {
        // SAFETY: TIOCGWINSZ writes a winsize struct we own.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: ioctl on a descriptor number; failure is reported by the return value.
        let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
        (r != -1 && ws.ws_col > 0 && ws.ws_row > 0).then_some((ws.ws_col, ws.ws_row))
    };
    for fd in [1, 2, 0] {
        if let Some(w) = try_fd(fd) {
            return Some(w);
        }
    }
    let path = CString::new("/dev/tty").ok()?;
    // SAFETY: open/close of a path we name; the descriptor is closed before returning.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_NOCTTY | libc::O_NONBLOCK) };
    if fd == -1 {
        return None;
    }
    let r = try_fd(fd);
    // SAFETY: closing the descriptor opened above.
    unsafe { libc::close(fd) };
    r
}

pub(crate) fn stdout_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(1) == 1 }
}

pub(crate) fn hertz() -> i64 {
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        hz
    } else {
        100
    }
}

pub(crate) fn page_size() -> i64 {
    // SAFETY: as above.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p
    } else {
        4096
    }
}

pub(crate) fn now() -> i64 {
    // SAFETY: time(NULL) only returns a value.
    unsafe { libc::time(std::ptr::null_mut()) }
}

/// procps sets TZ=:/etc/localtime when TZ is unset, then uses local time.
pub(crate) fn init_tz() {
    if std::env::var_os("TZ").is_none() {
        // The process is single-threaded here: setting the environment is sound.
        std::env::set_var("TZ", ":/etc/localtime");
    }
    extern "C" {
        fn tzset();
    }
    // SAFETY: tzset reads TZ; no other thread exists.
    unsafe { tzset() };
}

/// Broken-down local time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tm {
    pub(crate) sec: i32,
    pub(crate) min: i32,
    pub(crate) hour: i32,
    pub(crate) mday: i32,
    pub(crate) mon: i32,
    pub(crate) year: i32,
    pub(crate) wday: i32,
    pub(crate) yday: i32,
}

pub(crate) fn localtime(t: i64) -> Option<Tm> {
    // SAFETY: localtime_r fills the tm we own from a time_t we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt: libc::time_t = t;
    // SAFETY: both pointers are valid for the call.
    let r = unsafe { libc::localtime_r(&tt, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(Tm {
        sec: tm.tm_sec,
        min: tm.tm_min,
        hour: tm.tm_hour,
        mday: tm.tm_mday,
        mon: tm.tm_mon,
        year: tm.tm_year,
        wday: tm.tm_wday,
        yday: tm.tm_yday,
    })
}

pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
pub(crate) const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// `ctime(3)` without the newline: `Sun Nov 29 06:01:14 2026`.
pub(crate) fn ctime(t: i64) -> String {
    match localtime(t) {
        Some(tm) => format!(
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            DAYS[tm.wday.rem_euclid(7) as usize],
            MONTHS[tm.mon.rem_euclid(12) as usize],
            tm.mday,
            tm.hour,
            tm.min,
            tm.sec,
            tm.year + 1900
        ),
        None => "??? ??? ?? ??:??:?? ????".into(),
    }
}

/// `strftime(3)` of the local time `t` into procps's 240-byte column buffer: empty when the
/// result does not fit (or is empty), as procps's `pr_lstart`.
pub(crate) fn strftime(format: &str, t: i64) -> Vec<u8> {
    const COLWID: usize = 240;
    let Ok(format) = CString::new(format) else {
        return Vec::new();
    };
    // SAFETY: localtime_r fills the tm we own from a time_t we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt: libc::time_t = t;
    // SAFETY: both pointers are valid for the call.
    if unsafe { libc::localtime_r(&tt, &mut tm) }.is_null() {
        return Vec::new();
    }
    let mut buf = [0u8; COLWID];
    // SAFETY: buf holds COLWID bytes, the format is NUL-terminated and tm initialised;
    // strftime writes at most COLWID bytes and returns how many (0 when they do not fit).
    let len = unsafe { libc::strftime(buf.as_mut_ptr().cast(), COLWID, format.as_ptr(), &tm) };
    buf[..len.min(COLWID - 1)].to_vec()
}

/// The security context of a process (procps reads /proc/PID/attr/current without SELinux).
pub(crate) fn context(root: &str, pid: i32) -> Vec<u8> {
    let mut buf = std::fs::read(format!("{root}/{pid}/attr/current")).unwrap_or_default();
    let len = buf
        .iter()
        .position(|&c| !(0x20..0x7f).contains(&c))
        .unwrap_or(buf.len());
    buf.truncate(len);
    if buf.is_empty() {
        b"-".to_vec()
    } else {
        buf
    }
}

/// Whether the user's locale (LC_ALL / LC_CTYPE / LANG, as setlocale resolves them) uses UTF-8:
/// procps escapes command lines differently then.
pub(crate) fn locale_is_utf8() -> bool {
    // SAFETY: setlocale/nl_langinfo with valid arguments, single-threaded; the returned string
    // is read at once.
    unsafe {
        if libc::setlocale(libc::LC_CTYPE, c"".as_ptr()).is_null() {
            return false;
        }
        let cs = libc::nl_langinfo(libc::CODESET);
        !cs.is_null() && CStr::from_ptr(cs).to_bytes().eq_ignore_ascii_case(b"UTF-8")
    }
}

pub(crate) fn geteuid() -> u32 {
    // SAFETY: geteuid has no failure mode.
    unsafe { libc::geteuid() }
}
