//! Line layout: procps's `show_one_proc` and `check_header_width`, so columns pad, overflow and
//! truncate exactly as procps's do; and what the printers ([`crate::print`]) share: escaping,
//! the forest prefix, user and terminal names, signal masks, times. With it, the column model the
//! other layers share ([`Col`], [`Printer`], [`Item`], [`Sv`], [`Just`], [`When`], [`PrintOpts`]):
//! the tables (item.rs, print.rs, spec.rs) and the parser (cli.rs) build on it, and it uses none
//! of them, so no two files use each other.

use std::collections::HashMap;
use std::io::Write;

use crate::proc::Proc;
use crate::sys;

// ---- The column model every layer shares: a column, its printer and sort item, how it is
// justified, the print options. It lives here, with the line layout that uses it, so that the
// tables above (item.rs, print.rs, spec.rs) and the parser (cli.rs) only look down.

pub(crate) const OUTBUF_SIZE: i64 = 2 * 64 * 1024;

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Col {
    pub(crate) name: String,
    /// `None` for AIX literal text.
    pub(crate) pr: Option<&'static Printer>,
    /// The sort key of its specifier.
    pub(crate) key: &'static Item,
    pub(crate) width: usize,
    pub(crate) just: Just,
    pub(crate) when: When,
}

/// Column justification (procps `CF_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Just {
    /// AIX literal text between `%` descriptors.
    Aix,
    /// Left-aligned text, numbers right-aligned when `n` is given.
    User,
    Left,
    Right,
    /// May take the rest of the line when last.
    Unlimited,
    Wchan,
    /// 9 columns, or 16 when the screen is wide enough.
    Signal,
    /// A signal column under `--signames`: left-aligned, unlimited when last (set at run time).
    SignalNames,
}

/// Which rows of `-m`/`m` thread output show the column (procps `CF_PRINT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    ThreadOnly,
    ProcessOnly,
    EveryTime,
    AsNeeded,
}

/// How values print: procps's globals of these names, set by options and read by the printers
/// ([`crate::output::Out`] holds them as the plan gives them).
#[derive(Debug, Clone, Default)]
pub(crate) struct PrintOpts {
    /// BSD `c`: the command name where the command line would be.
    pub(crate) bsd_c: bool,
    /// BSD `e`: the environment after the command.
    pub(crate) bsd_e: bool,
    /// `-f`: `comm` shows the command line.
    pub(crate) unix_f: bool,
    /// BSD `n`: numbers for users and wait channels.
    pub(crate) user_is_number: bool,
    pub(crate) wchan_is_number: bool,
    /// BSD `S`: times and faults include dead children.
    pub(crate) include_dead_children: bool,
    /// `-D`/`--date-format`: the strftime format of `lstart` (procps 4.0.3).
    pub(crate) lstart_format: Option<String>,
    /// `--signames`: signal masks as names (procps 4.0.4).
    pub(crate) signal_names: bool,
}

/// Print one value of a process into the buffer; the cells it takes.
pub(crate) type PrintFn = fn(&mut Out, &Proc, &mut Vec<u8>) -> i64;

/// One printer.
pub(crate) struct Printer {
    pub(crate) print: PrintFn,
    /// The /proc files (and other sources) it reads: ps reads only what its columns need.
    pub(crate) needs: u32,
    /// The items procps fetches for it: a sort key counts only if its item was fetched.
    pub(crate) fetches: &'static [&'static Item],
}

/// Every printer is a static: one is another when they are the same static.
impl PartialEq for Printer {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Printer {}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Printer@{:p}", self)
    }
}

/// One item.
pub(crate) struct Item {
    /// The static's name (`VM_RSS`).
    pub(crate) name: &'static str,
    /// The /proc files (and other sources) its value needs.
    pub(crate) needs: u32,
    /// Its value, compared as procps compares the item's type.
    pub(crate) value: fn(&mut Out, &Proc) -> Sv,
}

/// Every item is a static: one is another when they are the same static.
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Item {}

/// `VmRss` for `VM_RSS`.
impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for word in self.name.split('_') {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                write!(f, "{first}{}", chars.as_str().to_ascii_lowercase())?;
            }
        }
        Ok(())
    }
}

/// A sort value, compared the way procps compares the item's type.
#[derive(Debug, Clone)]
pub(crate) enum Sv {
    Int(i64),
    Uns(u64),
    Real(f64),
    Str(Vec<u8>),
    Vers(Vec<u8>),
    None,
}

/// Everything the printers need besides the process.
pub(crate) struct Out {
    pub(crate) root: String,
    pub(crate) utf8: bool,
    pub(crate) hertz: i64,
    pub(crate) page_size: i64,
    pub(crate) boot_time: i64,
    pub(crate) boot_tics: u64,
    pub(crate) now: i64,
    pub(crate) mem_total: u64,
    pub(crate) print: PrintOpts,
    pub(crate) forest_type: u8,
    pub(crate) forest_prefix: Vec<u8>,
    pub(crate) names: sys::Names,
    ttys: TtyNames,
    /// Room for the value being printed (procps `max_rightward`).
    pub(crate) max_rightward: i64,
    pub(crate) active_cols: i64,
    pub(crate) wide_signals: bool,
    pub(crate) lines_to_next_header: i64,
    pub(crate) header_gap: i64,
    pub(crate) did_stuff: bool,
    buf: Vec<u8>,
    line: Vec<u8>,
}

impl Out {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(root: &str, utf8: bool, hertz: i64, page_size: i64, now: i64) -> Self {
        Out {
            root: root.to_string(),
            utf8,
            hertz,
            page_size,
            boot_time: 0,
            boot_tics: 0,
            now,
            mem_total: 1,
            print: PrintOpts::default(),
            forest_type: 0,
            forest_prefix: Vec::new(),
            names: sys::Names::default(),
            ttys: TtyNames::new(root),
            max_rightward: OUTBUF_SIZE - 1,
            active_cols: 80,
            wide_signals: false,
            lines_to_next_header: 1,
            header_gap: -1,
            did_stuff: false,
            buf: Vec::with_capacity(4096),
            line: Vec::with_capacity(4096),
        }
    }

    /// procps `check_header_width`: the line width and whether signals get 16 columns.
    pub(crate) fn check_header_width(&mut self, fmt: &[Col], screen_cols: i64) {
        let mut total: i64 = 0;
        let mut was_normal = 0;
        let mut sigs = 0;
        for (i, c) in fmt.iter().enumerate() {
            match c.just {
                Just::Aix => {
                    total += c.width as i64;
                    was_normal = 0;
                }
                Just::Unlimited | Just::SignalNames => {
                    if c.just == Just::SignalNames {
                        sigs += 1;
                    }
                    total += if i + 1 < fmt.len() { c.width as i64 } else { 3 };
                    total += was_normal;
                    was_normal = 1;
                }
                j => {
                    if j == Just::Signal {
                        sigs += 1;
                    }
                    total += c.width as i64;
                    total += was_normal;
                    was_normal = 1;
                }
            }
        }
        let mut i = 0;
        loop {
            i += 1;
            self.active_cols = screen_cols * i;
            if self.active_cols >= total {
                break;
            }
            if screen_cols * i >= OUTBUF_SIZE / 2 {
                break;
            }
        }
        self.wide_signals = total + sigs * 7 <= self.active_cols;
    }

    /// One line: the header when `p` is `None`. Returns write errors (closed pipe).
    pub(crate) fn show(
        &mut self,
        w: &mut impl Write,
        p: Option<&Proc>,
        fmt: &[Col],
    ) -> std::io::Result<()> {
        if p.is_some() {
            self.lines_to_next_header -= 1;
            if self.lines_to_next_header == 0 {
                self.lines_to_next_header = self.header_gap;
                self.show(w, None, fmt)?;
            }
        }
        self.did_stuff = true;
        let mut correct: i64 = 0;
        let mut actual: i64 = 0;
        let mut dospace: i64 = 0;
        self.line.clear();
        for (idx, col) in fmt.iter().enumerate() {
            let last = idx + 1 == fmt.len();
            let mut legit = 0;
            let tmpspace;
            if !last {
                self.max_rightward = col.width as i64;
                tmpspace = 0;
            } else {
                let t = correct - actual;
                if t < 1 {
                    tmpspace = dospace;
                    self.max_rightward = self.active_cols - actual - tmpspace;
                } else {
                    tmpspace = t;
                    self.max_rightward = self.active_cols - correct.max(actual);
                }
            }
            self.max_rightward = self.max_rightward.clamp(0, OUTBUF_SIZE - 1);
            let mut out = std::mem::take(&mut self.buf);
            out.clear();
            let mut amount = match (p, col.pr) {
                (Some(p), Some(pr)) => self.print(pr, p, &mut out),
                _ => {
                    out.extend_from_slice(col.name.as_bytes());
                    out.len() as i64
                }
            };
            if amount < 0 {
                amount = 0;
                out.clear();
            } else if amount >= OUTBUF_SIZE {
                amount = OUTBUF_SIZE - 1;
                out.truncate(OUTBUF_SIZE as usize - 1);
            }
            let width = col.width as i64;
            let leftpad = match col.just {
                Just::Aix | Just::Left => 0,
                Just::Right => (width - amount).max(0),
                Just::Signal => {
                    if self.wide_signals {
                        legit = 7;
                        (16 - amount).max(0)
                    } else {
                        (9 - amount).max(0)
                    }
                }
                Just::User => {
                    if self.print.user_is_number {
                        (width - amount).max(0)
                    } else {
                        0
                    }
                }
                Just::Wchan => {
                    if self.print.wchan_is_number {
                        (width - amount).max(0)
                    } else {
                        if self.active_cols - actual - tmpspace < 1 {
                            out.truncate(1);
                        }
                        0
                    }
                }
                Just::Unlimited | Just::SignalNames => {
                    if self.active_cols - actual - tmpspace < 1 {
                        out.truncate(1);
                    }
                    0
                }
            };
            let mut space = correct - actual + leftpad;
            if space < 1 {
                space = dospace;
            }
            space = space.min(144);
            if out.len() > OUTBUF_SIZE as usize - 1 {
                out.truncate(OUTBUF_SIZE as usize - 1);
            }
            let pad = self.line.len() + space.max(0) as usize;
            self.line.resize(pad, b' ');
            self.line.extend_from_slice(&out);
            self.buf = out;
            if last {
                break;
            }
            actual += space + amount;
            correct += width + legit;
            if col.pr.is_some() && fmt[idx + 1].pr.is_some() {
                correct += 1;
                dospace = 1;
            } else {
                dospace = 0;
            }
        }
        self.line.push(b'\n');
        w.write_all(&self.line)
    }

    pub(crate) fn forest_helper(&self, out: &mut Vec<u8>) -> i64 {
        if self.forest_prefix.is_empty() {
            return 0;
        }
        let mut rightward = self.max_rightward.min(OUTBUF_SIZE - 1);
        let start = out.len();
        for &c in &self.forest_prefix {
            let piece: &[u8] = if self.forest_type == b'u' {
                if rightward < 2 {
                    break;
                }
                rightward -= 2;
                b"  "
            } else {
                if rightward < 4 {
                    break;
                }
                rightward -= 4;
                match c {
                    b'L' | b'+' => b" \\_ ",
                    b'|' => b" |  ",
                    _ => b"    ",
                }
            };
            out.extend_from_slice(piece);
        }
        (out.len() - start) as i64
    }

    /// ps's own escape_str: at most `*cells` cells, control characters shown as `.` or `?`.
    pub(crate) fn esc(&self, out: &mut Vec<u8>, src: &[u8], cells: &mut i64) -> i64 {
        if *cells <= 0 {
            return 0;
        }
        let max = *cells;
        let mut used: i64 = 0;
        if !self.utf8 {
            for &c in src {
                if used >= max || c == 0 {
                    break;
                }
                out.push(match c {
                    0..=0x1f | 0x7f => b'.',
                    0x80..=0xff => b'?',
                    _ => c,
                });
                used += 1;
            }
            *cells -= used;
            return used;
        }
        let mut bytes = 0i64;
        let mut i = 0;
        while i < src.len() && used < max {
            let c = src[i];
            if c == 0 {
                break;
            }
            let len = utf8_len(&src[i..]);
            match len {
                None => {
                    out.push(b'?');
                    i += 1;
                    used += 1;
                    bytes += 1;
                }
                Some(1) => {
                    out.push(if (0x20..0x7f).contains(&c) { c } else { b'?' });
                    i += 1;
                    used += 1;
                    bytes += 1;
                }
                Some(n) => {
                    let ch = std::str::from_utf8(&src[i..i + n])
                        .ok()
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    if ch.is_control() {
                        out.push(b'?');
                        used += 1;
                        bytes += 1;
                    } else {
                        let w = char_width(ch);
                        if w > max - used {
                            break;
                        }
                        out.extend_from_slice(&src[i..i + n]);
                        used += w;
                        bytes += n as i64;
                    }
                    i += n;
                }
            }
        }
        *cells -= used;
        bytes
    }

    fn num<T: std::fmt::Display>(out: &mut Vec<u8>, v: T) -> i64 {
        let s = v.to_string();
        out.extend_from_slice(s.as_bytes());
        s.len() as i64
    }

    fn text(out: &mut Vec<u8>, s: &str) -> i64 {
        out.extend_from_slice(s.as_bytes());
        s.len() as i64
    }

    pub(crate) fn name(&mut self, out: &mut Vec<u8>, name: &str, id: u32) -> i64 {
        if !self.print.user_is_number {
            let mut rightward = OUTBUF_SIZE;
            let start = out.len();
            self.esc(out, name.as_bytes(), &mut rightward);
            let len = OUTBUF_SIZE - rightward;
            if len <= self.max_rightward {
                return len;
            }
            let m = self.max_rightward as usize;
            if m >= 1 && out.get(start + m - 1).is_some_and(|&c| c < 127) {
                out.truncate(start + m - 1);
                out.push(b'+');
                return m as i64;
            }
            out.truncate(start);
        }
        Self::num(out, id)
    }

    pub(crate) fn tics(&self, p: &Proc) -> u64 {
        if self.print.include_dead_children {
            p.utime + p.stime + p.cutime + p.cstime
        } else {
            p.utime + p.stime
        }
    }

    /// Seconds since the process started (procps TIME_ELAPSED, a double).
    pub(crate) fn elapsed(&self, p: &Proc) -> f64 {
        let t = self.boot_tics.wrapping_sub(p.start_time) as f64;
        if t > 0.0 {
            t / self.hertz as f64
        } else {
            0.0
        }
    }

    pub(crate) fn utilization(&self, p: &Proc, children: bool) -> f64 {
        let t = self.boot_tics.wrapping_sub(p.start_time) as f64;
        if t > 0.0 {
            let tics = if children {
                p.utime + p.stime + p.cutime + p.cstime
            } else {
                p.utime + p.stime
            };
            ((tics as f32) * 100.0f32) as f64 / t
        } else {
            0.0
        }
    }

    pub(crate) fn start_secs(&self, p: &Proc) -> i64 {
        self.boot_time + (p.start_time / self.hertz as u64) as i64
    }

    pub(crate) fn sig(&self, out: &mut Vec<u8>, sig: &str) -> i64 {
        if self.print.signal_names {
            let n = signal_names(out, sig, self.max_rightward);
            if n > 0 {
                return n;
            }
        }
        let len = sig.len();
        let s = if self.wide_signals {
            if len > 8 {
                sig.to_string()
            } else {
                format!("00000000{sig}")
            }
        } else if len - sig.bytes().take_while(|&c| c == b'0').count() > 8 {
            format!("<{}", &sig[len - 8..])
        } else if len < 8 {
            format!("{}{sig}", &"00000000"[len..])
        } else {
            sig[len - 8..].to_string()
        };
        Self::text(out, &s)
    }

    pub(crate) fn tty_name(&mut self, p: &Proc, number: bool) -> String {
        self.ttys.name(p.tty as u32, p.tid, number)
    }

    pub(crate) fn args_like(&mut self, out: &mut Vec<u8>, p: &Proc, long: bool) -> i64 {
        let mut rightward = self.max_rightward;
        let fh = self.forest_helper(out);
        rightward -= fh;
        let src = if long { &p.cmdline } else { &p.cmd };
        self.esc(out, src, &mut rightward);
        if self.print.bsd_e && rightward > 1 && p.environ != b"-" {
            out.push(b' ');
            rightward -= 1;
            self.esc(out, &p.environ, &mut rightward);
        }
        self.max_rightward - rightward
    }

    /// Print one value into `out` (procps `pr_*`); the cells it takes.
    pub(crate) fn print(&mut self, pr: &Printer, p: &Proc, out: &mut Vec<u8>) -> i64 {
        (pr.print)(self, p, out)
    }

    /// `src` escaped, at most `max_rightward` cells; the cells it takes.
    pub(crate) fn escaped(&mut self, out: &mut Vec<u8>, src: &[u8]) -> i64 {
        let mut room = self.max_rightward;
        self.esc(out, src, &mut room);
        self.max_rightward - room
    }
}

/// Width of a signal column with `--signames` (procps `SIGNAL_NAME_WIDTH`).
pub(crate) const SIGNAL_NAME_WIDTH: usize = 27;

/// `--signames` layout (procps `check_header_width`): signal columns at least
/// [`SIGNAL_NAME_WIDTH`] wide, left-aligned, and unlimited when last.
pub(crate) fn use_signal_names(cols: &mut [Col]) {
    for c in cols.iter_mut().filter(|c| c.just == Just::Signal) {
        c.width = c.width.max(SIGNAL_NAME_WIDTH);
        c.just = Just::SignalNames;
    }
}

/// A signal's name as glibc's `sigabbrev_np`, and procps's names for the real-time ones.
fn signal_name(sig: u32) -> String {
    const NAMES: [&str; 31] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
        "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
    ];
    // The kernel's first real-time signal and glibc's (two are kept for the C library).
    const KERNEL_RTMIN: u32 = 32;
    const RTMIN: u32 = 34;
    const RTMAX: u32 = 64;
    match sig {
        1..=31 => NAMES[sig as usize - 1].to_string(),
        RTMIN => "RTMIN".into(),
        RTMAX => "RTMAX".into(),
        s if s > RTMIN => format!("RTMIN+{:02}", s - RTMIN),
        s => format!("LIBC+{:02}", s - KERNEL_RTMIN),
    }
}

/// procps `print_signame`: the names of the signals in a /proc hex mask, comma-separated, a
/// `+` where the next name would not fit in `room`, `-` for none; 0 when the mask is unreadable.
/// procps 4.0.4 reads the hex mask as a decimal number (naming signals that are not in it);
/// we read it as the hex it is (see the README's Compatibility section).
fn signal_names(out: &mut Vec<u8>, mask: &str, room: i64) -> i64 {
    let Ok(mask) = u64::from_str_radix(mask, 16) else {
        return 0;
    };
    let start = out.len();
    let mut room = room;
    for sig in 1..=64u32 {
        if mask & (1u64 << (sig - 1)) == 0 {
            continue;
        }
        let name = signal_name(sig);
        if name.len() as i64 + 1 >= room {
            out.push(b'+');
            break;
        }
        if out.len() > start {
            out.push(b',');
            room -= 1;
        }
        out.extend_from_slice(name.as_bytes());
        room -= name.len() as i64;
    }
    if out.len() == start {
        out.push(b'-');
    }
    (out.len() - start) as i64
}

fn utf8_len(b: &[u8]) -> Option<usize> {
    let n = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    if b.len() < n || std::str::from_utf8(&b[..n]).is_err() {
        return None;
    }
    Some(n)
}

/// Terminal cells of a printable character (wide East Asian ranges take two).
fn char_width(c: char) -> i64 {
    let u = c as u32;
    if (0x1100..=0x115f).contains(&u)
        || (0x2e80..=0xa4cf).contains(&u)
        || (0xac00..=0xd7a3).contains(&u)
        || (0xf900..=0xfaff).contains(&u)
        || (0xfe30..=0xfe4f).contains(&u)
        || (0xff00..=0xff60).contains(&u)
        || (0xffe0..=0xffe6).contains(&u)
        || (0x1f300..=0x1faff).contains(&u)
        || (0x20000..=0x3fffd).contains(&u)
    {
        2
    } else if (0x300..=0x36f).contains(&u) || u == 0x200b {
        0
    } else {
        1
    }
}

/// The NUMA node of a CPU (-1 when unknown), as libnuma's numa_node_of_cpu.
pub(crate) fn numa_node(cpu: i32) -> i32 {
    let dir = format!("/sys/devices/system/cpu/cpu{cpu}");
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if let Some(num) = n.strip_prefix("node") {
                if let Ok(v) = num.parse() {
                    return v;
                }
            }
        }
    }
    -1
}

/// A /proc/tty/drivers line: name, devfs-style, major, first and last minor.
type Driver = (String, bool, u32, u32, u32);

/// Terminal names from device numbers (procps devname.c: /proc/tty/drivers, then guesses).
struct TtyNames {
    root: String,
    drivers: Option<Vec<Driver>>,
    cache: HashMap<u32, Option<String>>,
}

impl TtyNames {
    fn new(root: &str) -> Self {
        TtyNames {
            root: root.to_string(),
            drivers: None,
            cache: HashMap::new(),
        }
    }

    fn load(&mut self) -> &[Driver] {
        if self.drivers.is_none() {
            let text =
                std::fs::read_to_string(format!("{}/tty/drivers", self.root)).unwrap_or_default();
            let mut out = Vec::new();
            let mut rest = text.as_str();
            while let Some(i) = rest.find(" /dev/") {
                rest = &rest[i + 6..];
                let Some(end) = rest.find(' ') else { continue };
                let mut name = &rest[..end];
                let mut devfs = false;
                if name.len() >= 3 && name.ends_with("%d") {
                    name = &name[..name.len() - 2];
                    devfs = true;
                }
                let name: String = name.chars().take(15).collect();
                rest = rest[end..].trim_start_matches(' ');
                let majlen = rest.bytes().take_while(u8::is_ascii_digit).count();
                let major: u32 = rest[..majlen].parse().unwrap_or(0);
                rest = rest[majlen..].trim_start_matches(' ');
                let tok: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '-')
                    .collect();
                let mut it = tok.splitn(2, '-');
                let first = it.next().and_then(|s| s.parse().ok());
                let last = it.next().and_then(|s| s.parse().ok());
                if let Some(f) = first {
                    out.push((name, devfs, major, f, last.unwrap_or(f)));
                }
            }
            out.reverse();
            self.drivers = Some(out);
        }
        self.drivers.as_deref().unwrap_or(&[])
    }

    fn rdev_matches(path: &str, maj: u32, min: u32) -> bool {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(m) => {
                let r = m.rdev();
                libc::major(r) == maj && libc::minor(r) == min
            }
            Err(_) => false,
        }
    }

    fn exists(path: &str) -> Option<u64> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| m.rdev())
    }

    fn driver_name(&mut self, maj: u32, min: u32) -> Option<String> {
        let d = self
            .load()
            .iter()
            .find(|(_, _, m, f, l)| *m == maj && *f <= min && *l >= min)
            .cloned()?;
        let (name, devfs, ..) = d;
        let mut path = format!("/dev/{name}{min}");
        let mut rdev = Self::exists(&path);
        if rdev.is_none() {
            path = format!("/dev/{name}/{min}");
            rdev = Self::exists(&path);
            if rdev.is_none() {
                if devfs {
                    return None;
                }
                path = format!("/dev/{name}");
                rdev = Self::exists(&path);
            }
        }
        let r = rdev?;
        (libc::major(r) == maj && libc::minor(r) == min).then_some(path)
    }

    fn guess_name(maj: u32, min: u32) -> Option<String> {
        let path = match maj {
            3 => {
                if min > 255 {
                    return None;
                }
                let t0 = b"pqrstuvwxyzabcde"[(min >> 4) as usize] as char;
                let t1 = b"0123456789abcdef"[(min & 15) as usize] as char;
                format!("/dev/tty{t0}{t1}")
            }
            4 if min < 64 => format!("/dev/tty{min}"),
            4 => format!("/dev/ttyS{}", min - 64),
            136..=143 => format!("/dev/pts/{}", min + (maj - 136) * 256),
            188 => format!("/dev/ttyUSB{min}"),
            166 => format!("/dev/ttyACM{min}"),
            _ => return None,
        };
        Self::rdev_matches(&path, maj, min).then_some(path)
    }

    fn link_name(&self, maj: u32, min: u32, pid: i32, name: &str) -> Option<String> {
        let t = std::fs::read_link(format!("{}/{pid}/{name}", self.root)).ok()?;
        let s = t.to_string_lossy().into_owned();
        if s.is_empty() || s.len() >= 127 {
            return None;
        }
        Self::rdev_matches(&s, maj, min).then_some(s)
    }

    fn name(&mut self, dev: u32, pid: i32, number: bool) -> String {
        if dev == 0 {
            return "?".into();
        }
        let maj = (dev >> 8) & 0xfff;
        let min = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        let found = match self.cache.get(&dev) {
            Some(f) => f.clone(),
            None => {
                let f = self
                    .driver_name(maj, min)
                    .or_else(|| self.link_name(maj, min, pid, "fd/2"))
                    .or_else(|| Self::guess_name(maj, min))
                    .or_else(|| self.link_name(maj, min, pid, "fd/255"));
                self.cache.insert(dev, f.clone());
                f
            }
        };
        let Some(full) = found else {
            return "?".into();
        };
        let mut s = full.as_str();
        if let Some(r) = s.strip_prefix("/dev/").filter(|r| !r.is_empty()) {
            s = r;
        }
        if number {
            if let Some(r) = s.strip_prefix("tty").filter(|r| !r.is_empty()) {
                s = r;
            }
            if let Some(r) = s.strip_prefix("pts/").filter(|r| !r.is_empty()) {
                s = r;
            }
        }
        s.bytes()
            .take(63)
            .map(|c| if c <= b' ' || c > 126 { '?' } else { c as char })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print;
    use crate::spec;

    fn out() -> Out {
        let mut o = Out::new("/nonexistent", false, 100, 4096, 1_000_000);
        o.boot_tics = 100_000;
        o.boot_time = 1_000_000 - 1000;
        o.mem_total = 1000;
        o
    }

    fn col(name: &str) -> Col {
        let s = spec::find(name).unwrap();
        Col {
            name: s.head.to_string(),
            pr: Some(s.pr),
            key: s.key,
            width: if s.pidmax { 5 } else { s.width },
            just: s.just,
            when: s.when,
        }
    }

    fn proc() -> Proc {
        Proc {
            tid: 42,
            tgid: 42,
            cmd: b"sleep".to_vec(),
            cmdline: b"sleep 100".to_vec(),
            state: b'S',
            ppid: 1,
            pgrp: 42,
            session: 42,
            tpgid: -1,
            utime: 3000,
            stime: 1000,
            start_time: 50_000,
            vm_rss: 123,
            vm_size: 4567,
            nlwp: 1,
            nice: 5,
            signal: "0000000000000000".into(),
            blocked: "0000000000010000".into(),
            ..Proc::default()
        }
    }

    fn line(cols: &[&str], width: i64) -> String {
        let mut o = out();
        let fmt: Vec<Col> = cols.iter().map(|c| col(c)).collect();
        o.check_header_width(&fmt, width);
        // The first row brings the header.
        let mut w = Vec::new();
        o.show(&mut w, Some(&proc()), &fmt).unwrap();
        String::from_utf8(w).unwrap()
    }

    #[test]
    fn layout_of_common_columns() {
        assert_eq!(
            line(&["pid", "ppid", "stat", "args"], 200),
            "  PID  PPID STAT COMMAND\n   42     1 SNs  sleep 100\n"
        );
        // elapsed 500 s, 40 s of CPU: 8.0 %CPU, C 8, TIME 00:00:40, BSD time 0:40.
        assert_eq!(
            line(&["%cpu", "c", "time", "bsdtime", "etime", "etimes"], 200),
            "%CPU  C     TIME   TIME     ELAPSED ELAPSED\n 8.0  8 00:00:40   0:40       08:20     500\n"
        );
        assert_eq!(
            line(&["rss", "vsz", "%mem", "ni", "tpgid"], 200),
            "  RSS    VSZ %MEM  NI TPGID\n  123   4567 12.3   5    -1\n"
        );
    }

    #[test]
    fn unlimited_column_is_cut_at_screen_width() {
        // The header is never cut; the value is.
        assert_eq!(line(&["pid", "args"], 12), "  PID COMMAND\n   42 sleep \n");
        // Not last: args keeps its 27 columns.
        assert_eq!(
            line(&["args", "pid"], 200),
            "COMMAND                       PID\nsleep 100                      42\n"
        );
    }

    #[test]
    fn long_user_names_get_a_plus_or_a_number() {
        let mut o = out();
        o.max_rightward = 8;
        let mut b = Vec::new();
        assert_eq!(o.name(&mut b, "verylongname", 1234), 8);
        assert_eq!(b, b"verylon+");
        b.clear();
        assert_eq!(o.name(&mut b, "short", 1234), 5);
        assert_eq!(b, b"short");
        b.clear();
        // Last column: room for the whole name.
        o.max_rightward = 100;
        o.name(&mut b, "verylongname", 1234);
        assert_eq!(b, b"verylongname");
        b.clear();
        o.print.user_is_number = true;
        o.name(&mut b, "verylongname", 1234);
        assert_eq!(b, b"1234");
    }

    #[test]
    fn times_and_forest_prefix() {
        let mut o = out();
        let mut p = proc();
        p.utime = 100 * 86400 * 2 + 100 * 3661;
        p.stime = 0;
        let mut b = Vec::new();
        o.print(&print::TIME, &p, &mut b);
        assert_eq!(b, b"2-01:01:01");
        b.clear();
        o.print(&print::BSDTIME, &p, &mut b);
        assert_eq!(b, b"2941:01");
        b.clear();
        o.forest_prefix = b"|L".to_vec();
        o.max_rightward = 100;
        o.print(&print::ARGS, &p, &mut b);
        assert_eq!(b, b" |   \\_ sleep 100");
        b.clear();
        o.forest_type = b'u';
        o.print(&print::COMM, &p, &mut b);
        assert_eq!(b, b"    sleep");
    }

    #[test]
    fn signal_names_as_procps() {
        let names = |mask: &str, room: i64| {
            let mut b = Vec::new();
            let n = signal_names(&mut b, mask, room);
            assert_eq!(n as usize, b.len());
            String::from_utf8(b).unwrap()
        };
        assert_eq!(names("0000000000000000", 27), "-");
        assert_eq!(names("0000000000000006", 27), "INT,QUIT");
        // Checked against procps 4.0.4 (whose decimal reading of 1000000000000000 holds
        // these bits): glibc's abbreviations, then the C library's and the real-time signals.
        assert_eq!(
            names("00038d7ea4c68000", 500),
            "STKFLT,CONT,STOP,URG,XCPU,PROF,PWR,LIBC+00,RTMIN,RTMIN+01,RTMIN+02,RTMIN+03,\
             RTMIN+04,RTMIN+05,RTMIN+07,RTMIN+09,RTMIN+10,RTMIN+14,RTMIN+15,RTMIN+16"
                .replace(' ', "")
        );
        assert_eq!(names("8000000100000000", 27), "LIBC+01,RTMAX");
        // A `+` where the next name (and the `+`) would not fit.
        assert_eq!(names("0000000000001006", 9), "INT,QUIT+");
        assert_eq!(names("0000000000000006", 4), "+");
        assert_eq!(names("", 27), "");
    }

    #[test]
    fn signals_narrow_and_wide() {
        assert_eq!(
            line(&["pid", "blocked"], 20),
            "  PID   BLOCKED\n   42  00010000\n"
        );
        assert_eq!(
            line(&["pid", "blocked"], 200),
            "  PID          BLOCKED\n   42 0000000000010000\n"
        );
    }
}
