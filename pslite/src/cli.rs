//! What the user typed: procps's option grammar (parser.c, sortformat.c, select.c), ported
//! decision for decision so that every combination resolves as procps resolves it.
//!
//! Arguments are classified as BSD clusters (`aux`), UNIX clusters (`-ef`), GNU long options
//! (`--sort=x`), bare PIDs, `+SID` and `-PGID`. The whole command line is parsed twice: first
//! with UNIX meaning for dashed clusters, and, on any error, again with BSD meaning (so `ps -aux`
//! is `ps aux`). The error of the first pass is the one reported.
//!
//! The result is a [`Plan`]: the selection, the column list, the sort keys and the modifiers.
//! Everything the parser needs from the system (user/group names, tty devices, the environment)
//! comes through [`Env`] and [`Lookup`], so the table tests run without /proc.

use common::parse::{atoi, strtol, strtoul};

use crate::item;
use crate::output::Item;
use crate::output::Printer;
use crate::output::{Col, Just, PrintOpts, When, OUTBUF_SIZE};
use crate::spec;

/// System look-ups the parser needs.
pub(crate) trait Lookup {
    fn uid_by_name(&self, name: &str) -> Option<u32>;
    fn gid_by_name(&self, name: &str) -> Option<u32>;
    /// `stat(path)`: `Some((is_char_device, st_rdev))`.
    fn stat_rdev(&self, path: &str) -> Option<(bool, u64)>;
}

/// The environment the parser starts from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    /// Terminal size from TIOCGWINSZ (stdout, stderr, stdin, /dev/tty), if any.
    pub(crate) winsize: Option<(u16, u16)>,
    pub(crate) stdout_is_tty: bool,
    pub(crate) columns: Option<String>,
    pub(crate) lines: Option<String>,
    pub(crate) ps_format: Option<String>,
    pub(crate) personality: Option<String>,
    pub(crate) cmd_env: Option<String>,
    pub(crate) broken_ps: bool,
    pub(crate) xpg: Option<String>,
    /// Our own controlling tty (tty_nr of /proc/self/stat).
    pub(crate) cached_tty: u32,
    /// strlen of /proc/sys/kernel/pid_max.
    pub(crate) pid_length: usize,
}

/// Sort direction; procps silently skips a key whose direction is neither (BSD `O` quirk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Asc,
    Desc,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SortKey {
    pub(crate) key: &'static Item,
    /// The printer of the specifier the key came from (decides which items procps fetched).
    pub(crate) pr: &'static Printer,
    pub(crate) order: Order,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelKind {
    Ruid,
    Euid,
    Rgid,
    Egid,
    Pgrp,
    Pid,
    Tty,
    Sess,
    Comm,
    Ppid,
    PidQuick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SelItem {
    Num(u32),
    Cmd(Vec<u8>),
}

/// A list selection (`-p 1,2`, `-u root`, ...). Items are in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sel {
    pub(crate) kind: SelKind,
    pub(crate) items: Vec<SelItem>,
}

impl Sel {
    pub(crate) fn nums(&self) -> impl Iterator<Item = u32> + '_ {
        self.items.iter().filter_map(|i| match i {
            SelItem::Num(n) => Some(*n),
            SelItem::Cmd(_) => None,
        })
    }
}

/// Header modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    Single,
    None,
    Multi,
}

/// Thread flags (procps `TF_*`).
pub(crate) mod tf {
    pub(crate) const B_H: u32 = 0x0001;
    pub(crate) const B_M: u32 = 0x0002;
    pub(crate) const U_M: u32 = 0x0004;
    pub(crate) const U_T: u32 = 0x0008;
    pub(crate) const U_L: u32 = 0x0010;
    pub(crate) const SHOW_PROC: u32 = 0x0100;
    pub(crate) const SHOW_TASK: u32 = 0x0200;
    pub(crate) const SHOW_BOTH: u32 = 0x0400;
    pub(crate) const LOOSE_TASKS: u32 = 0x0800;
    pub(crate) const MUST_USE: u32 = 0x4000;
}

mod per {
    pub(crate) const BSD_H: u32 = 0x0002;
    pub(crate) const BSD_M: u32 = 0x0004;
    pub(crate) const IRIX_L: u32 = 0x0008;
    pub(crate) const FORCE_BSD: u32 = 0x0010;
    pub(crate) const GOOD_O: u32 = 0x0020;
    pub(crate) const OLD_M: u32 = 0x0040;
    pub(crate) const NO_DEFAULT_G: u32 = 0x0080;
    pub(crate) const ZAP_ADDR: u32 = 0x0100;
    pub(crate) const SANE_USER: u32 = 0x0200;
    pub(crate) const HPUX_X: u32 = 0x0400;
    pub(crate) const SVR4_X: u32 = 0x0800;
}

mod ss {
    pub(crate) const B_X: u32 = 0x01;
    pub(crate) const B_G: u32 = 0x02;
    pub(crate) const U_D: u32 = 0x04;
    pub(crate) const U_A: u32 = 0x08;
    pub(crate) const B_A: u32 = 0x10;
}

mod ff {
    pub(crate) const UF: u32 = 0x0001;
    pub(crate) const UJ: u32 = 0x0002;
    pub(crate) const UL: u32 = 0x0004;
    pub(crate) const BJ: u32 = 0x0008;
    pub(crate) const BL: u32 = 0x0010;
    pub(crate) const BS: u32 = 0x0020;
    pub(crate) const BU: u32 = 0x0040;
    pub(crate) const BV: u32 = 0x0080;
    pub(crate) const LX: u32 = 0x0100;
    pub(crate) const LM: u32 = 0x0200;
    pub(crate) const FC: u32 = 0x0400;
}

mod fm {
    pub(crate) const C: u32 = 0x0001;
    pub(crate) const J: u32 = 0x0002;
    pub(crate) const Y: u32 = 0x0004;
    pub(crate) const P: u32 = 0x0010;
    pub(crate) const M: u32 = 0x0020;
    pub(crate) const F: u32 = 0x0080;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SfCode {
    UO,
    Uo,
    BO,
    Bo,
    Bm,
    GSort,
    GFormat,
}

#[derive(Debug, Clone)]
struct SfNode {
    sf: String,
    code: SfCode,
    /// Columns in natural order.
    f_cooked: Vec<Col>,
    /// Sort keys in the user's order (first = primary).
    s_cooked: Vec<SortKey>,
}

/// The resolved request.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) all_processes: bool,
    pub(crate) simple_select: bool,
    pub(crate) select_bits: u32,
    pub(crate) selections: Vec<Sel>,
    pub(crate) negate: bool,
    pub(crate) running_only: bool,
    pub(crate) columns: Vec<Col>,
    /// Sort keys, primary first.
    pub(crate) sort: Vec<SortKey>,
    /// 0, `b` (BSD f), `g` (--forest) or `u` (-H).
    pub(crate) forest: u8,
    pub(crate) header: Head,
    pub(crate) screen_cols: i64,
    pub(crate) screen_rows: i64,
    pub(crate) thread_flags: u32,
    pub(crate) print: PrintOpts,
    pub(crate) cached_tty: u32,
    /// Warnings procps prints on stderr while parsing.
    pub(crate) warnings: Vec<String>,
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Run(Box<Plan>),
    /// `--help [section]`: the section word as typed (None = the short usage).
    Help(Option<String>),
    Version,
    /// `ps L`.
    List,
    /// `--info`.
    Info,
    /// A parse error: `error: MSG`, then the usage on stderr, exit 1.
    Error(String, Vec<String>),
    /// procps's `catastrophic_failure(__FILE__, __LINE__, MSG)`: `ps:FILE:LINE: MSG` on stderr,
    /// exit 1, no usage; the source place is procps 4.0.4's, which users and scripts see.
    Failure(&'static str),
}

enum Stop {
    Err(String),
    Exit(Action),
}

impl From<&str> for Stop {
    fn from(s: &str) -> Self {
        Stop::Err(s.to_string())
    }
}

type R<T> = Result<T, Stop>;

/// procps's `t = strtol(s, &endptr, 0); if (!*endptr ...)` (for --cols, COLUMNS...): the value,
/// when nothing follows the number. An empty text passes as 0, as in C; the callers' range checks
/// refuse it.
fn whole_strtol(s: &str) -> Option<i64> {
    let number = strtol(s.as_bytes(), 0);
    number.took_all(s.as_bytes()).then_some(number.value)
}

/// procps's first pass over a format or sort list (`format_parse`, `long_sort_parse`): no empty
/// item between separators (a NUL counts as one, as the C string ends there). Returns how many
/// items there are and the list without its one trailing separator; `what` names the list in
/// procps's messages (`improper format list`, `empty sort list`).
fn spec_list_items<'a>(sf: &'a str, what: &str) -> Result<(usize, &'a str), String> {
    let b = sf.as_bytes();
    let mut need_item = true;
    let mut items = 0;
    let mut i = 0;
    loop {
        let c = b.get(i).copied().unwrap_or(0);
        if matches!(c, b' ' | b',' | b'\t' | b'\n' | 0) {
            if need_item {
                return Err(format!("improper {what} list"));
            }
            need_item = true;
        } else {
            if need_item {
                items += 1;
            }
            need_item = false;
        }
        i += 1;
        if i >= b.len() {
            break;
        }
    }
    if items == 0 {
        return Err(format!("empty {what} list"));
    }
    Ok((items, if need_item { &sf[..sf.len() - 1] } else { sf }))
}

fn parse_pid(s: &str) -> Result<u32, &'static str> {
    let number = strtoul(s.as_bytes(), 0);
    let num = number.value;
    if !number.took_all(s.as_bytes()) {
        return Err("process ID list syntax error");
    }
    if !(1..=0x7fff_ffff).contains(&num) {
        return Err("process ID out of range");
    }
    Ok(num as u32)
}

/// The command-line parser; its fields are procps's parser globals.
struct Parser<'a> {
    args: Vec<String>,
    env: &'a Env,
    lookup: &'a dyn Lookup,
    thisarg: usize,
    force_bsd: bool,
    w_count: u32,
    all_processes: bool,
    print: PrintOpts,
    forest: u8,
    format_flags: u32,
    format_modifiers: u32,
    header: Head,
    header_set: bool,
    negate: bool,
    running_only: bool,
    screen_cols: i64,
    screen_rows: i64,
    selections: Vec<Sel>,
    simple_select: u32,
    thread_flags: u32,
    personality: u32,
    prefer_bsd: bool,
    bsd_j: &'static str,
    bsd_l: &'static str,
    bsd_s: &'static str,
    bsd_u: &'static str,
    bsd_v: &'static str,
    sysv_f: Option<&'static str>,
    sysv_fl: Option<&'static str>,
    sysv_j: Option<&'static str>,
    sysv_l: Option<&'static str>,
    sf_list: Vec<SfNode>,
    have_gnu_sort: bool,
    already_parsed_sort: bool,
    already_parsed_format: bool,
    /// procps keeps the first "unknown specifier" message for the whole run (a static buffer).
    errbuf: Option<String>,
    format_list: Vec<Col>,
    sort_list: Vec<SortKey>,
    select_bits: u32,
    warnings: Vec<String>,
}

/// Parse `args` (without argv\[0\]).
pub(crate) fn parse(args: &[String], env: &Env, lookup: &dyn Lookup) -> Action {
    let mut p = Parser {
        args: args.to_vec(),
        env,
        lookup,
        thisarg: 0,
        force_bsd: false,
        w_count: 0,
        all_processes: false,
        print: PrintOpts::default(),
        forest: 0,
        format_flags: 0,
        format_modifiers: 0,
        header: Head::Single,
        header_set: false,
        negate: false,
        running_only: false,
        screen_cols: 80,
        screen_rows: 24,
        selections: Vec::new(),
        simple_select: 0,
        thread_flags: 0,
        personality: 0,
        prefer_bsd: false,
        bsd_j: "OL_j",
        bsd_l: "OL_l",
        bsd_s: "OL_s",
        bsd_u: "OL_u",
        bsd_v: "OL_v",
        sysv_f: None,
        sysv_fl: None,
        sysv_j: None,
        sysv_l: None,
        sf_list: Vec::new(),
        have_gnu_sort: false,
        already_parsed_sort: false,
        already_parsed_format: false,
        errbuf: None,
        format_list: Vec::new(),
        sort_list: Vec::new(),
        select_bits: 0,
        warnings: Vec::new(),
    };
    p.reset_global();
    match p.arg_parse() {
        Ok(()) => Action::Run(Box::new(p.into_plan())),
        Err(Stop::Exit(a)) => a,
        Err(Stop::Err(e)) => Action::Error(e, p.warnings),
    }
}

impl Parser<'_> {
    fn into_plan(self) -> Plan {
        Plan {
            all_processes: self.all_processes,
            print: self.print,
            simple_select: self.simple_select != 0,
            select_bits: self.select_bits,
            selections: self.selections,
            negate: self.negate,
            running_only: self.running_only,
            columns: self.format_list,
            sort: self.sort_list,
            forest: self.forest,
            header: self.header,
            screen_cols: self.screen_cols,
            screen_rows: self.screen_rows,
            thread_flags: self.thread_flags,
            cached_tty: self.env.cached_tty,
            warnings: self.warnings,
        }
    }

    fn set_screen_size(&mut self) {
        let (mut cols, mut rows) = match self.env.winsize {
            Some((c, r)) if c > 0 && r > 0 => (c as i64, r as i64),
            _ => (80, 24),
        };
        if !self.env.stdout_is_tty {
            cols = OUTBUF_SIZE;
        }
        if let Some(c) = self.env.columns.as_deref().filter(|c| !c.is_empty()) {
            if let Some(t) = whole_strtol(c) {
                if t > 0 && t < OUTBUF_SIZE {
                    cols = t;
                }
            }
        }
        if let Some(l) = self.env.lines.as_deref().filter(|l| !l.is_empty()) {
            if let Some(t) = whole_strtol(l) {
                if t > 0 && t < OUTBUF_SIZE {
                    rows = t;
                }
            }
        }
        if cols < 9 || rows < 2 {
            self.warnings.push(format!(
                "your {cols}x{rows} screen size is bogus. expect trouble"
            ));
        }
        self.screen_cols = cols;
        self.screen_rows = rows;
    }

    fn set_personality(&mut self) {
        self.personality = 0;
        self.prefer_bsd = false;
        self.bsd_j = "OL_j";
        self.bsd_l = "OL_l";
        self.bsd_s = "OL_s";
        self.bsd_u = "OL_u";
        self.bsd_v = "OL_v";
        self.sysv_f = None;
        self.sysv_fl = None;
        self.sysv_j = None;
        self.sysv_l = None;
        let mut s = self
            .env
            .personality
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| self.env.cmd_env.clone().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "unknown".into());
        if self.env.broken_ps {
            s = "old".into();
        }
        if s.len() > 15 {
            return;
        }
        let fb = |p: &mut Self| {
            p.bsd_j = "FB_j";
            p.bsd_l = "FB_l";
            p.bsd_u = "FB_u";
            p.bsd_v = "FB_v";
        };
        match s.to_ascii_lowercase().as_str() {
            "bsd" => {
                self.personality = per::FORCE_BSD | per::BSD_H | per::BSD_M;
                self.prefer_bsd = true;
                fb(self);
            }
            "old" => {
                self.personality = per::FORCE_BSD | per::OLD_M;
                self.prefer_bsd = true;
            }
            "debian" | "gnu" => {
                self.personality = per::GOOD_O | per::OLD_M;
                self.prefer_bsd = true;
                self.sysv_f = Some("RD_f");
                self.sysv_j = Some("RD_j");
                self.sysv_l = Some("RD_l");
            }
            "linux" => self.personality = per::GOOD_O | per::ZAP_ADDR | per::SANE_USER,
            "aix" => fb(self),
            "tru64" | "compaq" | "digital" => {
                self.personality = per::GOOD_O | per::BSD_H;
                self.prefer_bsd = true;
                self.sysv_f = Some("F5FMT");
                self.sysv_fl = Some("FL5FMT");
                self.sysv_j = Some("JFMT");
                self.sysv_l = Some("L5FMT");
                self.bsd_j = "JFMT";
                self.bsd_l = "LFMT";
                self.bsd_s = "SFMT";
                self.bsd_u = "UFMT";
                self.bsd_v = "VFMT";
            }
            "sunos4" => {
                self.personality = per::NO_DEFAULT_G;
                self.prefer_bsd = true;
                fb(self);
            }
            "irix" | "sgi" => {
                let xpg = self.env.xpg.as_deref().unwrap_or("");
                let c = xpg.bytes().next().unwrap_or(0);
                if !(c > b'0' && c <= b'9') {
                    self.personality = per::IRIX_L;
                }
            }
            "os390" | "s390" | "390" => self.sysv_j = Some("J390"),
            "hp" | "hpux" => self.personality = per::HPUX_X,
            "svr4" | "sysv" | "sco" => self.personality = per::SVR4_X,
            _ => {}
        }
    }

    fn reset_global(&mut self) {
        self.selections.clear();
        self.set_screen_size();
        self.set_personality();
        self.all_processes = false;
        self.print.bsd_c = false;
        self.print.bsd_e = false;
        self.forest = 0;
        self.format_flags = 0;
        self.format_list.clear();
        self.format_modifiers = 0;
        self.header = Head::Single;
        self.header_set = false;
        self.print.include_dead_children = false;
        self.negate = false;
        self.running_only = false;
        self.simple_select = 0;
        self.sort_list.clear();
        self.thread_flags = 0;
        self.print.unix_f = false;
        self.print.user_is_number = false;
        self.print.wchan_is_number = false;
    }

    fn reset_sortformat(&mut self) {
        self.sf_list.clear();
        self.format_list.clear();
        self.sort_list.clear();
        self.have_gnu_sort = false;
        self.already_parsed_sort = false;
        self.already_parsed_format = false;
    }

    fn arg_parse(&mut self) -> R<()> {
        let first = if self.personality & per::FORCE_BSD != 0 {
            None
        } else {
            match self.one_pass() {
                Ok(()) => {
                    self.choose_dimensions();
                    return Ok(());
                }
                Err(Stop::Exit(a)) => return Err(Stop::Exit(a)),
                Err(Stop::Err(e)) => Some(e),
            }
        };
        self.reset_global();
        self.w_count = 0;
        self.reset_sortformat();
        self.format_flags = 0;
        self.thisarg = 0;
        self.force_bsd = true;
        self.prefer_bsd = true;
        if self.personality & (per::OLD_M | per::BSD_M) == 0 {
            self.personality |= per::OLD_M;
        }
        match self.one_pass() {
            Ok(()) => {
                self.choose_dimensions();
                Ok(())
            }
            Err(Stop::Exit(a)) => Err(Stop::Exit(a)),
            Err(Stop::Err(e2)) => {
                self.w_count = 0;
                Err(Stop::Err(if self.personality & per::FORCE_BSD != 0 {
                    e2
                } else {
                    first.unwrap_or(e2)
                }))
            }
        }
    }

    fn one_pass(&mut self) -> R<()> {
        self.parse_all_options()?;
        self.thread_option_check()?;
        self.process_sf_options()?;
        self.select_bits_setup()?;
        Ok(())
    }

    fn choose_dimensions(&mut self) {
        if self.w_count > 0 && self.screen_cols < 132 {
            self.screen_cols = 132;
        }
        if self.w_count > 1 {
            self.screen_cols = OUTBUF_SIZE;
        }
    }

    fn arg(&self) -> &[u8] {
        self.args[self.thisarg].as_bytes()
    }

    fn parse_all_options(&mut self) -> R<()> {
        self.thisarg = 0;
        while self.thisarg < self.args.len() {
            match arg_type(self.arg()) {
                ArgType::Gnu => self.parse_gnu_option()?,
                ArgType::Sysv if !self.force_bsd => self.parse_sysv_option()?,
                ArgType::Sysv => {
                    self.prefer_bsd = true;
                    self.parse_bsd_option()?;
                }
                ArgType::Bsd => {
                    if self.force_bsd && self.personality & per::FORCE_BSD == 0 {
                        return Err("way bad".into());
                    }
                    self.prefer_bsd = true;
                    self.parse_bsd_option()?;
                }
                ArgType::Pid => {
                    self.prefer_bsd = true;
                    self.parse_trailing_pids()?;
                }
                ArgType::Fail => return Err("garbage option".into()),
            }
            self.thisarg += 1;
        }
        Ok(())
    }

    /// `-Oppid` and `-O ppid`: the rest of the cluster, else the next (non-empty) argument.
    fn get_opt_arg(&mut self, flag: usize) -> Option<String> {
        let a = self.arg();
        if flag + 1 < a.len() {
            return Some(String::from_utf8_lossy(&a[flag + 1..]).into_owned());
        }
        if self.thisarg + 1 >= self.args.len() || self.args[self.thisarg + 1].is_empty() {
            return None;
        }
        self.thisarg += 1;
        Some(self.args[self.thisarg].clone())
    }

    fn exclusive(&self, x: &str) -> R<()> {
        if self.args.len() != 1 || self.args[0] != x {
            return Err(Stop::Err(format!("the option is exclusive: {x}")));
        }
        Ok(())
    }

    /// An option whose argument (the rest of the cluster or the next word; else `missing`) is a
    /// selection list.
    fn list_option(&mut self, i: usize, missing: &str, kind: SelKind, f: ListFn) -> R<()> {
        let a = self.get_opt_arg(i).ok_or(missing)?;
        self.push_list(&a, kind, f)
    }

    /// An option whose argument (the rest of the cluster or the next word; else `missing`) is a
    /// format or sort specification, read once all options are in.
    fn spec_option(&mut self, i: usize, missing: &str, code: SfCode) -> R<()> {
        let a = self.get_opt_arg(i).ok_or(missing)?;
        self.defer_sf(&a, code);
        Ok(())
    }

    fn push_list(&mut self, arg: &str, kind: SelKind, f: ListFn) -> R<()> {
        let items = self.parse_list(arg, f).map_err(Stop::Err)?;
        self.selections.push(Sel { kind, items });
        Ok(())
    }

    fn parse_list(&self, arg: &str, f: ListFn) -> Result<Vec<SelItem>, String> {
        let b = arg.as_bytes();
        let mut need_item = true;
        let mut i = 0;
        loop {
            let c = b.get(i).copied().unwrap_or(0);
            match c {
                b' ' | b',' | b'\t' | 0 => {
                    if need_item {
                        return Err("improper list".into());
                    }
                    need_item = true;
                }
                _ => need_item = false,
            }
            i += 1;
            if i >= b.len() {
                break;
            }
        }
        if need_item {
            return Err("improper list".into());
        }
        let mut out = Vec::new();
        for item in arg.split([' ', ',', '\t']) {
            out.push(self.parse_item(item, f)?);
        }
        Ok(out)
    }

    fn parse_item(&self, s: &str, f: ListFn) -> Result<SelItem, String> {
        match f {
            ListFn::Pid => parse_pid(s).map(SelItem::Num).map_err(Into::into),
            ListFn::Uid | ListFn::Gid => {
                let number = strtoul(s.as_bytes(), 0);
                let mut num = number.value;
                if !number.took_all(s.as_bytes()) {
                    let found = if f == ListFn::Uid {
                        self.lookup.uid_by_name(s)
                    } else {
                        self.lookup.gid_by_name(s)
                    };
                    match found {
                        Some(id) => num = id as u64,
                        None if !self.negate => {
                            return Err(if f == ListFn::Uid {
                                "user name does not exist".into()
                            } else {
                                "group name does not exist".into()
                            })
                        }
                        None => num = u64::MAX,
                    }
                }
                if !self.negate && num > 0xffff_fffe {
                    return Err(if f == ListFn::Uid {
                        "user ID out of range".into()
                    } else {
                        "group ID out of range".into()
                    });
                }
                Ok(SelItem::Num(num as u32))
            }
            ListFn::Cmd => {
                let mut v = s.as_bytes().to_vec();
                v.truncate(63);
                Ok(SelItem::Cmd(v))
            }
            ListFn::Tty => self.parse_tty(s),
        }
    }

    fn parse_tty(&self, s: &str) -> Result<SelItem, String> {
        let found = |st: (bool, u64)| -> Result<SelItem, String> {
            if !st.0 {
                return Err("list member was not a TTY".into());
            }
            Ok(SelItem::Num(st.1 as u32))
        };
        if s.starts_with('/') {
            return match self.lookup.stat_rdev(s) {
                Some(st) => found(st),
                None => Err("TTY could not be found".into()),
            };
        }
        for pat in ["/dev/pts/", "/dev/", "/dev/tty", "/dev/pty"] {
            if let Some(st) = self.lookup.stat_rdev(&format!("{pat}{s}")) {
                return found(st);
            }
        }
        if let Some(st) = self.lookup.stat_rdev(&format!("/dev/{s}nsole")) {
            return found(st);
        }
        if s == "-" || s == "?" {
            return Ok(SelItem::Num(0));
        }
        if s.len() == 1 && self.lookup.stat_rdev(s).is_some() {
            return Ok(SelItem::Num(0));
        }
        Err("TTY could not be found".into())
    }

    fn parse_sysv_option(&mut self) -> R<()> {
        let mut i = 1;
        while i < self.arg().len() {
            let c = self.arg()[i];
            if let Some(&(_, kind, list, missing)) = SYSV_LISTS.iter().find(|o| o.0 == c) {
                return self.list_option(i, missing, kind, list);
            }
            if let Some(&(_, code, missing)) = SYSV_SPECS.iter().find(|o| o.0 == c) {
                return self.spec_option(i, missing, code);
            }
            match c {
                b'A' | b'e' => self.all_processes = true,
                b'D' => {
                    let attached = i + 1 < self.arg().len();
                    let a = self.get_opt_arg(i).ok_or("date format must follow -D")?;
                    self.print.lstart_format = Some(a);
                    if !attached {
                        // The format was the next argument: this cluster is done.
                        return Ok(());
                    }
                    // procps goes on with the cluster after -D, reading the attached format's
                    // characters as options (`-Df` is -D f plus -f; `-D%Y` is an error).
                }
                b'F' => {
                    self.format_modifiers |= fm::F;
                    self.format_flags |= ff::UF;
                    self.print.unix_f = true;
                }
                b'H' => self.forest = b'u',
                b'L' => self.thread_flags |= tf::U_L,
                b'M' | b'Z' => self.format_modifiers |= fm::M,
                b'N' => self.negate = true,
                b'P' => self.format_modifiers |= fm::P,
                b'T' => self.thread_flags |= tf::U_T,
                b'V' => {
                    self.exclusive("-V")?;
                    return Err(Stop::Exit(Action::Version));
                }
                b'a' => self.simple_select |= ss::U_A,
                b'c' => self.format_modifiers |= fm::C,
                b'd' => self.simple_select |= ss::U_D,
                b'f' => {
                    self.format_flags |= ff::UF;
                    self.print.unix_f = true;
                }
                b'g' => {
                    let a = self
                        .get_opt_arg(i)
                        .ok_or("list of session leaders OR effective group names must follow -g")?;
                    if let Ok(items) = self.parse_list(&a, ListFn::Pid) {
                        self.selections.push(Sel {
                            kind: SelKind::Sess,
                            items,
                        });
                        return Ok(());
                    }
                    if let Ok(items) = self.parse_list(&a, ListFn::Gid) {
                        self.selections.push(Sel {
                            kind: SelKind::Egid,
                            items,
                        });
                        return Ok(());
                    }
                    return Err("list of session leaders OR effective group IDs was invalid".into());
                }
                b'j' => {
                    if self.sysv_j.is_some() {
                        self.format_flags |= ff::UJ;
                    } else {
                        self.format_modifiers |= fm::J;
                    }
                }
                b'l' => self.format_flags |= ff::UL,
                b'm' => self.thread_flags |= tf::U_M,
                b'w' => self.w_count += 1,
                b'x' => {
                    if self.personality & per::SVR4_X != 0 {
                        self.format_modifiers |= fm::Y;
                    } else if self.personality & per::HPUX_X != 0 {
                        self.w_count += 2;
                        self.print.unix_f = true;
                    } else {
                        return Err("must set personality to get -x option".into());
                    }
                }
                b'y' => self.format_modifiers |= fm::Y,
                b'-' => return Err("embedded '-' among SysV options makes no sense".into()),
                _ => return Err("unsupported SysV option".into()),
            }
            i += 1;
        }
        Ok(())
    }

    fn our_tty_node(&mut self) {
        self.selections.push(Sel {
            kind: SelKind::Tty,
            items: vec![SelItem::Num(self.env.cached_tty)],
        });
    }

    fn parse_bsd_option(&mut self) -> R<()> {
        let mut i = if self.arg().first() == Some(&b'-') {
            if !self.force_bsd {
                return Err("cannot happen - problem #1".into());
            }
            1
        } else {
            if self.personality & per::FORCE_BSD != 0 {
                if !self.force_bsd {
                    return Err("cannot happen - problem #2".into());
                }
            } else if self.force_bsd {
                return Err("second chance parse failed, not BSD or SysV".into());
            }
            0
        };
        while i < self.arg().len() {
            let c = self.arg()[i];
            if let Some(&(_, kind, list, missing)) = BSD_LISTS.iter().find(|o| o.0 == c) {
                return self.list_option(i, missing, kind, list);
            }
            if let Some(&(_, code, missing)) = BSD_SPECS.iter().find(|o| o.0 == c) {
                return self.spec_option(i, missing, code);
            }
            match c {
                b'0'..=b'9' => {
                    let a = String::from_utf8_lossy(&self.arg()[i..]).into_owned();
                    return self.push_list(&a, SelKind::Pid, ListFn::Pid);
                }
                b'H' => self.thread_flags |= tf::B_H,
                b'L' => {
                    self.exclusive("L")?;
                    return Err(Stop::Exit(Action::List));
                }
                b'M' => self.thread_flags |= tf::B_M,
                b'S' => self.print.include_dead_children = true,
                b'T' => self.our_tty_node(),
                b'V' => {
                    self.exclusive("V")?;
                    return Err(Stop::Exit(Action::Version));
                }
                b'W' => {
                    return Err("obsolete W option not supported (you have a /dev/drum?)".into())
                }
                b'X' => self.format_flags |= ff::LX,
                b'Z' => self.format_modifiers |= fm::M,
                b'a' => self.simple_select |= ss::B_A,
                b'c' => self.print.bsd_c = true,
                b'e' => self.print.bsd_e = true,
                b'f' => self.forest = b'b',
                b'g' => self.simple_select |= ss::B_G,
                b'h' => {
                    if self.header_set {
                        return Err("only one heading option may be specified".into());
                    }
                    self.header_set = true;
                    self.header = if self.personality & per::BSD_H != 0 {
                        Head::Multi
                    } else {
                        Head::None
                    };
                }
                b'j' => self.format_flags |= ff::BJ,
                b'l' => self.format_flags |= ff::BL,
                b'm' => {
                    if self.personality & per::OLD_M != 0 {
                        self.format_flags |= ff::LM;
                    } else if self.personality & per::BSD_M != 0 {
                        self.defer_sf("pmem", SfCode::Bm);
                    } else {
                        self.thread_flags |= tf::B_M;
                    }
                }
                b'n' => {
                    self.print.wchan_is_number = true;
                    self.print.user_is_number = true;
                }
                b'r' => self.running_only = true,
                b's' => self.format_flags |= ff::BS,
                b't' => {
                    return match self.get_opt_arg(i) {
                        None => {
                            self.our_tty_node();
                            Ok(())
                        }
                        Some(a) => self.push_list(&a, SelKind::Tty, ListFn::Tty),
                    };
                }
                b'u' => self.format_flags |= ff::BU,
                b'v' => self.format_flags |= ff::BV,
                b'w' => self.w_count += 1,
                b'x' => self.simple_select |= ss::B_X,
                b'-' => return Err("embedded '-' among BSD options makes no sense".into()),
                _ => return Err("unsupported option (BSD syntax)".into()),
            }
            i += 1;
        }
        Ok(())
    }

    /// The argument of a long option: after `=`/`:` or the next argument.
    fn grab_gnu_arg(&mut self, rest: &str) -> Option<String> {
        match rest.as_bytes().first() {
            Some(b'=') | Some(b':') => {
                if rest.len() > 1 {
                    Some(rest[1..].to_string())
                } else {
                    None
                }
            }
            None => {
                if self.thisarg + 1 >= self.args.len() || self.args[self.thisarg + 1].is_empty() {
                    return None;
                }
                self.thisarg += 1;
                Some(self.args[self.thisarg].clone())
            }
            _ => None,
        }
    }

    /// The argument of `--cols` or `--rows`: procps's `strtol(arg, &end, 0)` of the whole
    /// argument, from 1 to 2,000,000,000 exclusive.
    fn gnu_screen_size(&mut self, rest: &str) -> Option<i64> {
        let t = whole_strtol(&self.grab_gnu_arg(rest)?)?;
        (t > 0 && t < 2_000_000_000).then_some(t)
    }

    fn parse_gnu_option(&mut self) -> R<()> {
        let s = self.args[self.thisarg][2..].to_string();
        let sl = s.find([':', '=']).unwrap_or(s.len());
        if sl > 15 {
            return Err("unknown gnu long option".into());
        }
        let (name, rest) = s.split_at(sl);
        let has_arg = !rest.is_empty();
        let no_arg = |msg: &str| -> R<()> {
            if has_arg {
                Err(Stop::Err(msg.to_string()))
            } else {
                Ok(())
            }
        };
        if let Some(&(_, kind, list, missing)) = GNU_LISTS.iter().find(|o| o.0 == name) {
            let a = self.grab_gnu_arg(rest).ok_or(missing)?;
            return self.push_list(&a, kind, list);
        }
        if let Some(&(_, code, missing)) = GNU_SPECS.iter().find(|o| o.0 == name) {
            let a = self.grab_gnu_arg(rest).ok_or(missing)?;
            self.defer_sf(&a, code);
            return Ok(());
        }
        match name {
            "cols" | "width" | "columns" => {
                self.screen_cols = self
                    .gnu_screen_size(rest)
                    .ok_or("number of columns must follow --cols, --width, or --columns")?;
                Ok(())
            }
            "cumulative" => {
                no_arg("option --cumulative does not take an argument")?;
                self.print.include_dead_children = true;
                Ok(())
            }
            "date-format" => {
                let a = self
                    .grab_gnu_arg(rest)
                    .ok_or("date format must follow --date-format")?;
                self.print.lstart_format = Some(a);
                Ok(())
            }
            "deselect" => {
                no_arg("option --deselect does not take an argument")?;
                self.negate = true;
                Ok(())
            }
            "no-header" | "no-headers" | "no-heading" | "no-headings" | "noheader"
            | "noheaders" | "noheading" | "noheadings" => {
                no_arg("option --no-heading does not take an argument")?;
                if self.header_set {
                    return Err("only one heading option may be specified".into());
                }
                self.header_set = true;
                self.header = Head::None;
                Ok(())
            }
            "header" | "headers" | "heading" | "headings" => {
                no_arg("option --heading does not take an argument")?;
                if self.header_set {
                    return Err("only one heading option may be specified".into());
                }
                self.header_set = true;
                self.header = Head::Multi;
                Ok(())
            }
            "forest" => {
                no_arg("option --forest does not take an argument")?;
                self.forest = b'g';
                Ok(())
            }
            "info" => {
                self.exclusive("--info")?;
                Err(Stop::Exit(Action::Info))
            }
            "rows" | "lines" => {
                self.screen_rows = self
                    .gnu_screen_size(rest)
                    .ok_or("number of rows must follow --rows or --lines")?;
                Ok(())
            }
            // procps accepts (and ignores) `--signames=ANYTHING`.
            "signames" => {
                self.print.signal_names = true;
                Ok(())
            }
            "version" => {
                self.exclusive("--version")?;
                Err(Stop::Exit(Action::Version))
            }
            "context" => {
                self.format_flags |= ff::FC;
                Ok(())
            }
            "help" => {
                let a = self.grab_gnu_arg(rest);
                Err(Stop::Exit(Action::Help(a)))
            }
            _ => Err("unknown gnu long option".into()),
        }
    }

    fn parse_trailing_pids(&mut self) -> R<()> {
        let mut pids = Vec::new();
        let mut grps = Vec::new();
        let mut sids = Vec::new();
        for a in self.args[self.thisarg..].iter().cloned() {
            let (list, s) = match a.as_bytes().first() {
                Some(b'-') => (&mut grps, &a[1..]),
                Some(b'+') => (&mut sids, &a[1..]),
                _ => (&mut pids, &a[..]),
            };
            list.push(SelItem::Num(parse_pid(s)?));
        }
        self.thisarg = self.args.len() - 1;
        for (items, kind) in [
            (pids, SelKind::Pid),
            (grps, SelKind::Pgrp),
            (sids, SelKind::Sess),
        ] {
            if !items.is_empty() {
                self.selections.push(Sel { kind, items });
            }
        }
        Ok(())
    }

    fn thread_option_check(&mut self) -> R<()> {
        if self.thread_flags == 0 {
            self.thread_flags = tf::SHOW_PROC;
            return Ok(());
        }
        if self.forest != 0 {
            return Err("thread display conflicts with forest display".into());
        }
        let t = self.thread_flags;
        if t & tf::B_H != 0 && t & (tf::B_M | tf::U_M) != 0 {
            return Err("thread flags conflict; can't use H with m or -m".into());
        }
        if t & tf::B_M != 0 && t & tf::U_M != 0 {
            return Err("thread flags conflict; can't use both m and -m".into());
        }
        if t & tf::U_L != 0 && t & tf::U_T != 0 {
            return Err("thread flags conflict; can't use both -L and -T".into());
        }
        if t & tf::B_H != 0 {
            self.thread_flags |= tf::SHOW_PROC | tf::LOOSE_TASKS;
        }
        if t & (tf::B_M | tf::U_M) != 0 {
            self.thread_flags |= tf::SHOW_PROC | tf::SHOW_TASK | tf::SHOW_BOTH;
        }
        if t & (tf::U_T | tf::U_L) != 0 {
            if t & (tf::B_M | tf::U_M | tf::B_H) != 0 {
                self.thread_flags |= tf::MUST_USE;
            } else {
                self.thread_flags |= tf::SHOW_TASK;
            }
        }
        Ok(())
    }

    fn select_bits_setup(&mut self) -> R<()> {
        if self.simple_select == 0 && !self.prefer_bsd {
            self.select_bits = 0xaa00;
            return Ok(());
        }
        let sw = if self.personality & per::NO_DEFAULT_G == 0
            && self.simple_select & (ss::U_A | ss::U_D) == 0
        {
            self.simple_select | ss::B_G
        } else {
            self.simple_select
        };
        self.select_bits = match sw {
            x if x == ss::U_A | ss::U_D => 0x3f3f,
            x if x == ss::U_A => 0x0303,
            x if x == ss::U_D => 0x3333,
            0 => 0x0202,
            x if x == ss::B_A => 0x0303,
            x if x == ss::B_X => 0x2222,
            x if x == ss::B_X | ss::B_A => 0x3333,
            x if x == ss::B_G => 0x0a0a,
            x if x == ss::B_G | ss::B_A => 0x0f0f,
            x if x == ss::B_G | ss::B_X => 0xaaaa,
            x if x == ss::B_G | ss::B_X | ss::B_A => {
                self.all_processes = true;
                self.simple_select = 0;
                self.select_bits
            }
            _ => return Err("process selection options conflict".into()),
        };
        Ok(())
    }

    fn defer_sf(&mut self, arg: &str, code: SfCode) {
        if code == SfCode::GSort {
            self.have_gnu_sort = true;
        }
        self.sf_list.push(SfNode {
            sf: arg.to_string(),
            code,
            f_cooked: Vec::new(),
            s_cooked: Vec::new(),
        });
    }

    /// One specifier (or macro) with an optional header override; columns in natural order.
    fn do_one_spec(&self, spec: &str, over: Option<&str>) -> Option<Vec<Col>> {
        if let Some(fs) = spec::find(spec) {
            let w1 = if fs.pidmax {
                self.env.pid_length.max(fs.head.len())
            } else {
                fs.width
            };
            let (width, name) = match over {
                Some(o) => (w1.max(o.len()), o.to_string()),
                None => (w1, fs.head.to_string()),
            };
            return Some(vec![Col {
                name,
                pr: Some(fs.pr),
                key: fs.key,
                width,
                just: fs.just,
                when: fs.when,
            }]);
        }
        let list = spec::find_macro(spec)?;
        let mut out = Vec::new();
        for s in list.split([',', ' ']) {
            out.extend(self.do_one_spec(s, over)?);
        }
        Some(out)
    }

    fn spec_cols(&self, spec: &str) -> Vec<Col> {
        self.do_one_spec(spec, None).unwrap_or_default()
    }

    /// `format_parse`: `-o` lists with `spec=HEADER` and `spec:WIDTH`.
    fn format_parse(&mut self, sf: &str) -> Result<Vec<Col>, String> {
        let r = self.format_parse_inner(sf);
        match r {
            Ok(v) => {
                self.already_parsed_format = true;
                Ok(v)
            }
            Err(e) => {
                if sf.contains('%') {
                    let r = self.aix_format_parse(sf);
                    if r.is_ok() {
                        self.already_parsed_format = true;
                    }
                    r
                } else {
                    Err(e)
                }
            }
        }
    }

    fn format_parse_inner(&mut self, sf: &str) -> Result<Vec<Col>, String> {
        let (items, buf) = spec_list_items(sf, "format")?;
        let mut out = Vec::new();
        let mut walk = Some(buf);
        let mut left = items;
        while left > 0 {
            left -= 1;
            let Some(w) = walk else {
                return Err("please report this bug".into());
            };
            let sep = w.find([' ', ',', '\t', '\n']);
            let (item, next) = match sep {
                Some(p) if left > 0 => (&w[..p], Some(&w[p + 1..])),
                Some(p) => (w, Some(&w[p + 1..])),
                None => (w, None),
            };
            let (spec_part, header) = match item.find('=') {
                Some(p) => (&item[..p], Some(&item[p + 1..])),
                None => (item, None),
            };
            let (spec_name, width) = match spec_part.find(':') {
                Some(p) => {
                    let ws = &spec_part[p + 1..];
                    // C's atoi: a width past 2^31 wraps (4294967297 is 1) and must still come
                    // out positive.
                    let atoi = atoi(ws.as_bytes());
                    if ws.is_empty()
                        || !ws.bytes().all(|c| c.is_ascii_digit())
                        || ws.starts_with('0')
                        || atoi <= 0
                    {
                        return Err("column widths must be unsigned decimal numbers".into());
                    }
                    (&spec_part[..p], Some(atoi as usize))
                }
                None => (spec_part, None),
            };
            let Some(mut cols) = self.do_one_spec(spec_name, header) else {
                let msg = self.errbuf.get_or_insert_with(|| {
                    format!("unknown user-defined format specifier \"{spec_name}\"")
                });
                return Err(msg.clone());
            };
            if let Some(w) = width {
                if cols.len() > 1 {
                    return Err(
                        "can not set width for a macro (multi-column) format specifier".into(),
                    );
                }
                cols[0].width = w;
            }
            out.extend(cols);
            walk = next;
        }
        Ok(out)
    }

    fn aix_format_parse(&mut self, sf: &str) -> Result<Vec<Col>, String> {
        let b = sf.as_bytes();
        // The sanity check of procps's state machine (initial / get_more / get_desc).
        #[derive(Clone, Copy)]
        enum St {
            Initial,
            GetMore,
            GetDesc,
        }
        let mut items = 0;
        let mut i = 0;
        let next = |i: &mut usize| -> u8 {
            let c = b.get(*i).copied().unwrap_or(0);
            *i += 1;
            c
        };
        let mut c = next(&mut i);
        let mut st = St::Initial;
        loop {
            match st {
                St::Initial => {
                    if c == b'%' {
                        st = St::GetDesc;
                        continue;
                    }
                    if c == 0 {
                        break;
                    }
                    items += 1;
                    st = St::GetMore;
                }
                St::GetMore => {
                    c = next(&mut i);
                    if c == b'%' {
                        st = St::GetDesc;
                        continue;
                    }
                    if c == b' ' {
                        continue;
                    }
                    if c != 0 {
                        return Err("improper AIX field descriptor".into());
                    }
                    break;
                }
                St::GetDesc => {
                    items += 1;
                    c = next(&mut i);
                    if c != 0 && c != b' ' {
                        st = St::Initial;
                        continue;
                    }
                    return Err("missing AIX field descriptor".into());
                }
            }
        }
        let mut out = Vec::new();
        let mut w = 0;
        while items > 0 {
            items -= 1;
            if b.get(w) == Some(&b'%') {
                w += 1;
                if b.get(w) == Some(&b'%') {
                    return Err("missing AIX field descriptor".into());
                }
                let code = b.get(w).copied().unwrap_or(0);
                w += 1;
                let (spec, head) = spec::find_aix(code)
                    .ok_or_else(|| "unknown AIX field descriptor".to_string())?;
                out.extend(
                    self.do_one_spec(spec, Some(head))
                        .ok_or_else(|| "AIX field descriptor processing bug".to_string())?,
                );
            } else {
                let len = b[w..]
                    .iter()
                    .position(|&c| c == b'%')
                    .unwrap_or(b.len() - w);
                let text = String::from_utf8_lossy(&b[w..w + len]).into_owned();
                w += len;
                out.push(Col {
                    width: text.len(),
                    name: text,
                    pr: None,
                    key: &item::NOOP,
                    just: Just::Aix,
                    when: When::EveryTime,
                });
            }
        }
        Ok(out)
    }

    fn sort_key(spec: &str) -> Option<SortKey> {
        let (order, name) = match spec.as_bytes().first() {
            Some(b'-') => (Order::Desc, &spec[1..]),
            Some(b'+') => (Order::Asc, &spec[1..]),
            _ => (Order::Asc, spec),
        };
        spec::find(name).map(|fs| SortKey {
            key: fs.key,
            pr: fs.pr,
            order,
        })
    }

    fn long_sort_parse(&self, sf: &str) -> Result<Vec<SortKey>, String> {
        let (items, buf) = spec_list_items(sf, "sort")?;
        let mut out = Vec::new();
        for item in buf.split([' ', ',', '\t', '\n']).take(items) {
            out.push(Self::sort_key(item).ok_or_else(|| "unknown sort specifier".to_string())?);
        }
        Ok(out)
    }

    fn verify_short_sort(&self, arg: &str) -> Result<(), String> {
        const ALL: &[u8] = b"CGJKMNPRSTUcfgjkmnoprstuvy+-";
        let b = arg.as_bytes();
        if !b.iter().all(|c| ALL.contains(c)) {
            return Err("bad sorting code".into());
        }
        let mut seen = [false; 256];
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'+' | b'-' => {
                    let n = b.get(i + 1).copied().unwrap_or(0);
                    if n == 0 || n == b'+' || n == b'-' {
                        return Err("bad sorting code".into());
                    }
                }
                _ => {
                    if c == b'P' && self.forest != 0 {
                        return Err("PPID sort and forest output conflict".into());
                    }
                    if seen[c as usize] {
                        return Err("bad sorting code".into());
                    }
                    seen[c as usize] = true;
                }
            }
        }
        Ok(())
    }

    fn short_sort_parse(&self, sf: &str) -> Result<Vec<SortKey>, String> {
        let mut order = Order::Asc;
        let mut out = Vec::new();
        for c in sf.bytes() {
            match c {
                b'+' => order = Order::Asc,
                b'-' => order = Order::Desc,
                _ => {
                    let spec = spec::find_shortsort(c)
                        .ok_or_else(|| "unknown sort specifier".to_string())?;
                    let mut k =
                        Self::sort_key(spec).ok_or_else(|| "unknown sort specifier".to_string())?;
                    k.order = order;
                    out.push(k);
                    order = Order::Skip;
                }
            }
        }
        Ok(out)
    }

    fn o_wrap(&self, cols: Vec<Col>, bsd: bool) -> Vec<Col> {
        let mut out = self.spec_cols("pid");
        out.extend(cols);
        out.extend(self.spec_cols(if bsd { "END_BSD" } else { "END_SYS5" }));
        out
    }

    fn parse_o_options(&mut self) -> Result<(), String> {
        let mut list = std::mem::take(&mut self.sf_list);
        let r = (|| {
            for sfn in list.iter_mut() {
                match sfn.code {
                    SfCode::Bo | SfCode::GFormat | SfCode::Uo => {
                        sfn.f_cooked = self.format_parse(&sfn.sf)?;
                    }
                    SfCode::UO => {
                        if self.already_parsed_format {
                            return Err("option -O can not follow other format options".into());
                        }
                        let cols = self.format_parse(&sfn.sf)?;
                        self.already_parsed_format = true;
                        sfn.f_cooked = self.o_wrap(cols, false);
                    }
                    SfCode::BO => {
                        let err = if self.have_gnu_sort || self.already_parsed_sort {
                            Err("multiple sort options".to_string())
                        } else {
                            self.verify_short_sort(&sfn.sf)
                        };
                        match err {
                            Ok(()) => {
                                sfn.s_cooked = self.short_sort_parse(&sfn.sf).unwrap_or_default();
                                self.already_parsed_sort = true;
                                continue;
                            }
                            Err(e) => {
                                if self.already_parsed_format {
                                    return Err(
                                        "option O is neither first format nor sort order".into()
                                    );
                                }
                                match self.format_parse(&sfn.sf) {
                                    Ok(cols) => {
                                        self.already_parsed_format = true;
                                        sfn.f_cooked = self.o_wrap(cols, true);
                                    }
                                    Err(_) => return Err(e),
                                }
                            }
                        }
                    }
                    SfCode::GSort | SfCode::Bm => {
                        if self.already_parsed_sort {
                            return Err("multiple sort options".into());
                        }
                        let r = self.long_sort_parse(&sfn.sf);
                        self.already_parsed_sort = true;
                        sfn.s_cooked = r?;
                    }
                }
            }
            Ok(())
        })();
        self.sf_list = list;
        r
    }

    fn fmt_pos(&self, name: &str) -> Option<usize> {
        self.format_list.iter().position(|c| c.name == name)
    }

    fn fmt_add_after(&mut self, find: &str, put: Vec<Col>) -> bool {
        match self.fmt_pos(find) {
            Some(p) => {
                let tail = self.format_list.split_off(p + 1);
                self.format_list.extend(put);
                self.format_list.extend(tail);
                true
            }
            None => false,
        }
    }

    fn fmt_delete(&mut self, find: &str) -> bool {
        match self.fmt_pos(find) {
            Some(p) => {
                self.format_list.remove(p);
                true
            }
            None => false,
        }
    }

    fn process_sf_options(&mut self) -> R<()> {
        if !self.sf_list.is_empty() {
            self.parse_o_options().map_err(Stop::Err)?;
        }
        self.format_list = self
            .sf_list
            .iter()
            .flat_map(|s| s.f_cooked.iter().cloned())
            .collect();
        self.sort_list = self
            .sf_list
            .iter()
            .flat_map(|s| s.s_cooked.iter().copied())
            .collect();

        if self.format_flags == 0 && self.format_modifiers == 0 && self.format_list.is_empty() {
            if let Some(tmp) = self.env.ps_format.clone().filter(|t| !t.is_empty()) {
                if self.thread_flags & tf::MUST_USE != 0 {
                    return Err(
                        "tell <procps@freelists.org> what you want (-L/-T, -m/m/H, and $PS_FORMAT)"
                            .into(),
                    );
                }
                match self.format_parse(&tmp) {
                    Ok(cols) => {
                        self.format_list = cols;
                        return Ok(());
                    }
                    Err(e) => self
                        .warnings
                        .push(format!("warning: $PS_FORMAT ignored. ({e})")),
                }
            }
        }

        if !self.format_list.is_empty() {
            if self.format_flags != 0 {
                return Err("conflicting format options".into());
            }
            if self.format_modifiers != 0 {
                return Err("can not use output modifiers with user-defined output".into());
            }
            if self.thread_flags & tf::MUST_USE != 0 {
                return Err("-L/-T with H/m/-m and -o/-O/o/O is nonsense".into());
            }
            return Ok(());
        }

        let spec: Option<&str> = match self.format_flags {
            0 => None,
            x if x == ff::UF | ff::UL => self.sysv_fl,
            x if x == ff::UF => self.sysv_f,
            x if x == ff::UL => self.sysv_l,
            x if x == ff::UJ => self.sysv_j,
            x if x == ff::UJ | ff::UL => Some("RD_lj"),
            x if x == ff::UJ | ff::UF => Some("RD_fj"),
            x if x == ff::BJ => Some(self.bsd_j),
            x if x == ff::BL => Some(self.bsd_l),
            x if x == ff::BS => Some(self.bsd_s),
            x if x == ff::BU => Some(self.bsd_u),
            x if x == ff::BV => Some(self.bsd_v),
            x if x == ff::LX => Some("OL_X"),
            x if x == ff::LM => Some("OL_m"),
            x if x == ff::FC => Some("FLASK_context"),
            _ => return Err("conflicting format options".into()),
        };
        let Some(spec) = spec else {
            return self.generate_sysv_list().map_err(Into::into);
        };
        self.format_list = self.spec_cols(spec);

        if self.format_modifiers & fm::J != 0 {
            let pg = self.spec_cols("pgid");
            if !self.fmt_add_after("PPID", pg.clone()) && !self.fmt_add_after("PID", pg) {
                return Err("internal error: no PID or PPID for -j option".into());
            }
            let sid = self.spec_cols("sid");
            if !self.fmt_add_after("PGID", sid) {
                return Err("lost my PGID".into());
            }
        }
        if self.format_modifiers & fm::Y != 0 {
            self.fmt_delete("F");
            let rss = self.spec_cols("rss");
            if self.fmt_add_after("ADDR", rss) {
                self.fmt_delete("ADDR");
            }
        }
        if self.format_modifiers & fm::C != 0 {
            for n in ["%CPU", "CPU", "CP", "C", "NI"] {
                self.fmt_delete(n);
            }
            let class = self.spec_cols("class");
            if !self.fmt_add_after("PRI", class) {
                return Err(Stop::Exit(Action::Failure(
                    "src/ps/sortformat.c:904: internal error: no PRI for -c option",
                )));
            }
            self.fmt_delete("PRI");
            let pri = self.spec_cols("pri");
            if !self.fmt_add_after("CLS", pri) {
                return Err("lost my CLS".into());
            }
        }
        if self.thread_flags & tf::U_T != 0 {
            let spid = self.spec_cols("spid");
            if !self.fmt_add_after("PID", spid) && self.thread_flags & tf::MUST_USE != 0 {
                return Err("-T with H/-m/m but no PID for SPID to follow".into());
            }
        }
        if self.thread_flags & tf::U_L != 0 {
            let lwp = self.spec_cols("lwp");
            let mut done = false;
            for after in ["SID", "SESS", "PGID", "PGRP", "PPID", "PID"] {
                if self.fmt_add_after(after, lwp.clone()) {
                    done = true;
                    break;
                }
            }
            if !done && self.thread_flags & tf::MUST_USE != 0 {
                return Err("-L with H/-m/m but no PID/PGID/SID/SESS for NLWP to follow".into());
            }
            let nlwp = self.spec_cols("nlwp");
            self.fmt_add_after("%CPU", nlwp);
        }
        if self.format_modifiers & fm::M != 0 {
            let mut l = self.spec_cols("label");
            l.append(&mut self.format_list);
            self.format_list = l;
        }
        if self.personality & per::ZAP_ADDR != 0 && self.format_flags & ff::UL != 0 {
            let p = self.spec_cols("sgi_p");
            if self.fmt_add_after("ADDR", p) {
                self.fmt_delete("ADDR");
            }
        }
        if self.personality & per::SANE_USER != 0 && self.format_flags & ff::UF != 0 {
            let u = self.spec_cols("user");
            if self.fmt_add_after("UID", u) {
                self.fmt_delete("UID");
            }
        }
        Ok(())
    }

    /// The SysV default formats, built backwards as procps does.
    fn generate_sysv_list(&mut self) -> Result<(), &'static str> {
        let flags = self.format_flags;
        let mods = self.format_modifiers;
        if mods & fm::Y != 0 && flags & ff::UL == 0 {
            return Err("modifier -y without format -l makes no sense");
        }
        let mut rev: Vec<&str> = Vec::new();
        if self.prefer_bsd {
            rev.push(if flags != 0 { "cmd" } else { "args" });
            rev.push("bsdtime");
            if flags & ff::UL == 0 {
                rev.push("stat");
            }
        } else {
            rev.push(if flags & ff::UF != 0 { "cmd" } else { "ucmd" });
            rev.push("time");
        }
        rev.push("tname");
        if flags & ff::UF != 0 {
            rev.push("stime");
        }
        if mods & fm::F != 0 {
            if mods & fm::P == 0 {
                rev.push("psr");
            }
            if !(flags & ff::UL != 0 && mods & fm::Y != 0) {
                rev.push("rss");
            }
        }
        if flags & ff::UL != 0 {
            rev.push("wchan");
        }
        let mut irix_colon = false;
        if flags & ff::UL != 0 && mods & fm::Y == 0 && self.personality & per::IRIX_L != 0 {
            rev.push("sgi_rss");
            irix_colon = true;
        }
        if mods & fm::F != 0 || flags & ff::UL != 0 {
            if irix_colon {
                rev.push(":");
            }
            rev.push("sz");
        } else if irix_colon {
            rev.push(":");
        }
        if flags & ff::UL != 0 {
            if mods & fm::Y != 0 {
                rev.push("rss");
            } else if self.personality & (per::ZAP_ADDR | per::IRIX_L) != 0 {
                rev.push("sgi_p");
            } else {
                rev.push("addr_1");
            }
        }
        if mods & fm::C != 0 {
            rev.push("pri");
            rev.push("class");
        } else if flags & ff::UL != 0 {
            rev.push("ni");
            rev.push(if self.personality & per::IRIX_L != 0 {
                "priority"
            } else {
                "opri"
            });
        }
        if self.thread_flags & tf::U_L != 0 && flags & ff::UF != 0 {
            rev.push("nlwp");
        }
        if flags & (ff::UF | ff::UL) != 0 && mods & fm::C == 0 {
            rev.push("c");
        }
        if mods & fm::P != 0 {
            rev.push("psr");
        }
        if self.thread_flags & tf::U_L != 0 {
            rev.push("lwp");
        }
        if mods & fm::J != 0 {
            rev.push("sid");
            rev.push("pgid");
        }
        if flags & (ff::UF | ff::UL) != 0 {
            rev.push("ppid");
        }
        if self.thread_flags & tf::U_T != 0 {
            rev.push("spid");
        }
        rev.push("pid");
        if flags & ff::UF != 0 {
            rev.push(if self.personality & per::SANE_USER != 0 {
                "user"
            } else {
                "uid_hack"
            });
        } else if flags & ff::UL != 0 {
            rev.push("uid");
        }
        if flags & ff::UL != 0 {
            rev.push("s");
            if mods & fm::Y == 0 {
                rev.push("f");
            }
        }
        if mods & fm::M != 0 {
            rev.push("label");
        }
        let mut out = Vec::new();
        for name in rev.iter().rev() {
            if *name == ":" {
                out.push(Col {
                    name: ":".into(),
                    pr: None,
                    key: &item::NOOP,
                    width: 1,
                    just: Just::Aix,
                    when: When::EveryTime,
                });
            } else {
                out.extend(self.spec_cols(name));
            }
        }
        self.format_list = out;
        Ok(())
    }
}

/// The SysV options (`-p 1`) that take a selection list: letter, what it selects, how its items
/// parse, and procps's message when the list is missing.
#[rustfmt::skip]
const SYSV_LISTS: &[(u8, SelKind, ListFn, &str)] = &[
    (b'C', SelKind::Comm, ListFn::Cmd, "list of command names must follow -C"),
    (b'G', SelKind::Rgid, ListFn::Gid, "list of real groups must follow -G"),
    (b'U', SelKind::Ruid, ListFn::Uid, "list of real users must follow -U"),
    (b'p', SelKind::Pid, ListFn::Pid, "list of process IDs must follow -p"),
    (b'q', SelKind::PidQuick, ListFn::Pid, "List of process IDs must follow -q."),
    (b's', SelKind::Sess, ListFn::Pid, "list of session IDs must follow -s"),
    (b't', SelKind::Tty, ListFn::Tty, "list of terminals (pty, tty...) must follow -t"),
    (b'u', SelKind::Euid, ListFn::Uid, "list of users must follow -u"),
];

/// The SysV options that take a format or sort specification: letter, its kind, and procps's
/// message when it is missing.
#[rustfmt::skip]
const SYSV_SPECS: &[(u8, SfCode, &str)] = &[
    (b'O', SfCode::UO, "format or sort specification must follow -O"),
    (b'o', SfCode::Uo, "format specification must follow -o"),
];

/// The BSD options (`p1`) that take a selection list, as [`SYSV_LISTS`].
#[rustfmt::skip]
const BSD_LISTS: &[(u8, SelKind, ListFn, &str)] = &[
    (b'U', SelKind::Euid, ListFn::Uid, "list of users must follow U"),
    (b'p', SelKind::Pid, ListFn::Pid, "list of process IDs must follow p"),
    (b'q', SelKind::PidQuick, ListFn::Pid, "List of process IDs must follow q."),
];

/// The BSD options that take a format or sort specification, as [`SYSV_SPECS`].
#[rustfmt::skip]
const BSD_SPECS: &[(u8, SfCode, &str)] = &[
    (b'O', SfCode::BO, "format or sort specification must follow O"),
    (b'k', SfCode::GSort, "long sort specification must follow 'k'"),
    (b'o', SfCode::Bo, "format specification must follow o"),
];

/// The long options that take a selection list: name, what it selects, how its items parse,
/// and procps's message when the list is missing.
#[rustfmt::skip]
const GNU_LISTS: &[(&str, SelKind, ListFn, &str)] = &[
    ("Group", SelKind::Rgid, ListFn::Gid, "list of real groups must follow --Group"),
    ("User", SelKind::Ruid, ListFn::Uid, "list of real users must follow --User"),
    ("group", SelKind::Egid, ListFn::Gid, "list of effective groups must follow --group"),
    ("pid", SelKind::Pid, ListFn::Pid, "list of process IDs must follow --pid"),
    ("quick-pid", SelKind::PidQuick, ListFn::Pid, "List of process IDs must follow --quick-pid."),
    ("ppid", SelKind::Ppid, ListFn::Pid, "list of process IDs must follow --ppid"),
    ("sid", SelKind::Sess, ListFn::Pid, "some sid thing(s) must follow --sid"),
    ("tty", SelKind::Tty, ListFn::Tty, "list of ttys must follow --tty"),
    ("user", SelKind::Euid, ListFn::Uid, "list of effective users must follow --user"),
];

/// The long options that take a format or sort specification, as [`SYSV_SPECS`].
#[rustfmt::skip]
const GNU_SPECS: &[(&str, SfCode, &str)] = &[
    ("format", SfCode::GFormat, "format specification must follow --format"),
    ("sort", SfCode::GSort, "long sort specification must follow --sort"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListFn {
    Pid,
    Uid,
    Gid,
    Cmd,
    Tty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgType {
    Gnu,
    Sysv,
    Bsd,
    Pid,
    Fail,
}

/// procps `arg_type` (END and FAIL both end in "garbage option").
fn arg_type(s: &[u8]) -> ArgType {
    let c0 = s.first().copied().unwrap_or(0);
    if c0.is_ascii_alphabetic() {
        return ArgType::Bsd;
    }
    if c0.is_ascii_digit() || c0 == b'+' {
        return ArgType::Pid;
    }
    if c0 != b'-' {
        return ArgType::Fail;
    }
    let c1 = s.get(1).copied().unwrap_or(0);
    if c1.is_ascii_alphabetic() {
        return ArgType::Sysv;
    }
    if c1.is_ascii_digit() {
        return ArgType::Pid;
    }
    if c1 != b'-' {
        return ArgType::Fail;
    }
    let c2 = s.get(2).copied().unwrap_or(0);
    if c2.is_ascii_alphabetic() {
        return ArgType::Gnu;
    }
    ArgType::Fail
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl Lookup for Fake {
        fn uid_by_name(&self, name: &str) -> Option<u32> {
            match name {
                "root" => Some(0),
                "nobody" => Some(65534),
                _ => None,
            }
        }
        fn gid_by_name(&self, name: &str) -> Option<u32> {
            match name {
                "root" => Some(0),
                "users" => Some(100),
                _ => None,
            }
        }
        fn stat_rdev(&self, path: &str) -> Option<(bool, u64)> {
            match path {
                "/dev/pts/3" => Some((true, (136 << 8) | 3)),
                "/dev/tty1" => Some((true, (4 << 8) | 1)),
                "/dev/null" => Some((true, (1 << 8) | 3)),
                "/etc/passwd" => Some((false, 0)),
                _ => None,
            }
        }
    }

    fn env() -> Env {
        Env {
            pid_length: 5,
            cached_tty: (136 << 8) | 3,
            ..Env::default()
        }
    }

    fn sel(kind: SelKind) -> &'static str {
        match kind {
            SelKind::Ruid => "ruid",
            SelKind::Euid => "euid",
            SelKind::Rgid => "rgid",
            SelKind::Egid => "egid",
            SelKind::Pgrp => "pgrp",
            SelKind::Pid => "pid",
            SelKind::Tty => "tty",
            SelKind::Sess => "sess",
            SelKind::Comm => "comm",
            SelKind::Ppid => "ppid",
            SelKind::PidQuick => "quick",
        }
    }

    /// A compact rendering of what the parser decided.
    fn summary(args: &str, env: &Env) -> String {
        let args: Vec<String> = if args.is_empty() {
            Vec::new()
        } else {
            args.split(' ').map(|a| a.replace('~', " ")).collect()
        };
        match parse(&args, env, &Fake) {
            Action::Run(p) => {
                let mut s = p
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(",");
                for l in &p.selections {
                    let items: Vec<String> = l
                        .items
                        .iter()
                        .map(|i| match i {
                            SelItem::Num(n) => n.to_string(),
                            SelItem::Cmd(c) => String::from_utf8_lossy(c).into_owned(),
                        })
                        .collect();
                    s.push_str(&format!(" {}={}", sel(l.kind), items.join(",")));
                }
                if p.all_processes {
                    s.push_str(" all");
                }
                if !p.sort.is_empty() {
                    let k: Vec<String> = p
                        .sort
                        .iter()
                        .map(|k| format!("{:?}{:?}", k.order, k.key))
                        .collect();
                    s.push_str(&format!(" sort={}", k.join(",")));
                }
                if p.forest != 0 {
                    s.push_str(&format!(" forest={}", p.forest as char));
                }
                if p.header != Head::Single {
                    s.push_str(&format!(" head={:?}", p.header));
                }
                if p.negate {
                    s.push_str(" negate");
                }
                if p.running_only {
                    s.push_str(" running");
                }
                if p.screen_cols != OUTBUF_SIZE {
                    s.push_str(&format!(" cols={}", p.screen_cols));
                }
                s.push_str(&format!(" bits={:x}", p.select_bits));
                s
            }
            Action::Error(e, _) => format!("error: {e}"),
            Action::Failure(e) => format!("ps:{e}"),
            Action::Help(h) => format!("help:{}", h.unwrap_or_default()),
            Action::Version => "version".into(),
            Action::List => "list".into(),
            Action::Info => "info".into(),
        }
    }

    const TABLE: &[(&str, &str)] = &[
        // Defaults.
        ("", "PID,TTY,TIME,CMD bits=aa00"),
        ("x", "PID,TTY,STAT,TIME,COMMAND bits=aaaa"),
        ("a", "PID,TTY,STAT,TIME,COMMAND bits=f0f"),
        ("ax", "PID,TTY,STAT,TIME,COMMAND all bits=0"),
        (
            "aux",
            "USER,PID,%CPU,%MEM,VSZ,RSS,TTY,STAT,START,TIME,COMMAND all bits=0",
        ),
        (
            "-aux",
            "USER,PID,%CPU,%MEM,VSZ,RSS,TTY,STAT,START,TIME,COMMAND all bits=0",
        ),
        (
            "auxf",
            "USER,PID,%CPU,%MEM,VSZ,RSS,TTY,STAT,START,TIME,COMMAND all forest=b bits=0",
        ),
        (
            "axjf",
            "PPID,PID,PGID,SID,TTY,TPGID,STAT,UID,TIME,COMMAND all forest=b bits=0",
        ),
        ("-e", "PID,TTY,TIME,CMD all bits=aa00"),
        ("-A", "PID,TTY,TIME,CMD all bits=aa00"),
        ("-ef", "UID,PID,PPID,C,STIME,TTY,TIME,CMD all bits=aa00"),
        (
            "-ef --forest",
            "UID,PID,PPID,C,STIME,TTY,TIME,CMD all forest=g bits=aa00",
        ),
        (
            "-eF",
            "UID,PID,PPID,C,SZ,RSS,PSR,STIME,TTY,TIME,CMD all bits=aa00",
        ),
        (
            "-l",
            "F,S,UID,PID,PPID,C,PRI,NI,ADDR,SZ,WCHAN,TTY,TIME,CMD bits=aa00",
        ),
        (
            "-ly",
            "S,UID,PID,PPID,C,PRI,NI,RSS,SZ,WCHAN,TTY,TIME,CMD bits=aa00",
        ),
        (
            "-lf",
            "F,S,UID,PID,PPID,C,PRI,NI,ADDR,SZ,WCHAN,STIME,TTY,TIME,CMD bits=aa00",
        ),
        ("-j", "PID,PGID,SID,TTY,TIME,CMD bits=aa00"),
        (
            "-jf",
            "UID,PID,PPID,PGID,SID,C,STIME,TTY,TIME,CMD bits=aa00",
        ),
        ("-c", "PID,CLS,PRI,TTY,TIME,CMD bits=aa00"),
        ("-cf", "UID,PID,PPID,CLS,PRI,STIME,TTY,TIME,CMD bits=aa00"),
        ("-L", "PID,LWP,TTY,TIME,CMD bits=aa00"),
        (
            "-fL",
            "UID,PID,PPID,LWP,C,NLWP,STIME,TTY,TIME,CMD bits=aa00",
        ),
        ("-T", "PID,SPID,TTY,TIME,CMD bits=aa00"),
        ("-M", "LABEL,PID,TTY,TIME,CMD bits=aa00"),
        ("-P", "PID,PSR,TTY,TIME,CMD bits=aa00"),
        (
            "u",
            "USER,PID,%CPU,%MEM,VSZ,RSS,TTY,STAT,START,TIME,COMMAND bits=a0a",
        ),
        (
            "v",
            "PID,TTY,STAT,TIME,MAJFL,TRS,DRS,RSS,%MEM,COMMAND bits=a0a",
        ),
        (
            "j",
            "PPID,PID,PGID,SID,TTY,TPGID,STAT,UID,TIME,COMMAND bits=a0a",
        ),
        (
            "l",
            "F,UID,PID,PPID,PRI,NI,VSZ,RSS,WCHAN,STAT,TTY,TIME,COMMAND bits=a0a",
        ),
        (
            "s",
            "UID,PID,PENDING,BLOCKED,IGNORED,CAUGHT,STAT,TTY,TIME,COMMAND bits=a0a",
        ),
        (
            "X",
            "PID,STACKP,ESP,EIP,TMOUT,ALARM,STAT,TTY,TIME,COMMAND bits=a0a",
        ),
        ("--context", "PID,CONTEXT,COMMAND bits=aa00"),
        // Lists: attached, separated, comma and blank separated; bare PIDs, -PGID, +SID.
        ("-p 1,2", "PID,TTY,TIME,CMD pid=1,2 bits=aa00"),
        ("-p1", "PID,TTY,TIME,CMD pid=1 bits=aa00"),
        ("-p 1~2", "PID,TTY,TIME,CMD pid=1,2 bits=aa00"),
        ("-p 0x10", "PID,TTY,TIME,CMD pid=16 bits=aa00"),
        ("-p 010", "PID,TTY,TIME,CMD pid=8 bits=aa00"),
        ("p 7", "PID,TTY,STAT,TIME,COMMAND pid=7 bits=a0a"),
        ("--pid=3", "PID,TTY,TIME,CMD pid=3 bits=aa00"),
        ("--pid 3,4", "PID,TTY,TIME,CMD pid=3,4 bits=aa00"),
        ("5 6", "PID,TTY,STAT,TIME,COMMAND pid=5,6 bits=a0a"),
        ("-77", "PID,TTY,STAT,TIME,COMMAND pgrp=77 bits=a0a"),
        ("+9", "PID,TTY,STAT,TIME,COMMAND sess=9 bits=a0a"),
        (
            "5 -6 +7",
            "PID,TTY,STAT,TIME,COMMAND pid=5 pgrp=6 sess=7 bits=a0a",
        ),
        ("-s 4", "PID,TTY,TIME,CMD sess=4 bits=aa00"),
        ("--sid=4", "PID,TTY,TIME,CMD sess=4 bits=aa00"),
        ("--ppid 1", "PID,TTY,TIME,CMD ppid=1 bits=aa00"),
        ("-q 1", "PID,TTY,TIME,CMD quick=1 bits=aa00"),
        ("-C bash,sh", "PID,TTY,TIME,CMD comm=bash,sh bits=aa00"),
        ("-u root", "PID,TTY,TIME,CMD euid=0 bits=aa00"),
        ("-u 0,nobody", "PID,TTY,TIME,CMD euid=0,65534 bits=aa00"),
        ("U root", "PID,TTY,STAT,TIME,COMMAND euid=0 bits=a0a"),
        ("-U root", "PID,TTY,TIME,CMD ruid=0 bits=aa00"),
        ("--User=root", "PID,TTY,TIME,CMD ruid=0 bits=aa00"),
        ("-G users", "PID,TTY,TIME,CMD rgid=100 bits=aa00"),
        ("--group root", "PID,TTY,TIME,CMD egid=0 bits=aa00"),
        ("-g 5", "PID,TTY,TIME,CMD sess=5 bits=aa00"),
        ("-g users", "PID,TTY,TIME,CMD egid=100 bits=aa00"),
        ("-t pts/3", "PID,TTY,TIME,CMD tty=34819 bits=aa00"),
        ("-t 3", "PID,TTY,TIME,CMD tty=34819 bits=aa00"),
        ("-t tty1", "PID,TTY,TIME,CMD tty=1025 bits=aa00"),
        ("-t -", "PID,TTY,TIME,CMD tty=0 bits=aa00"),
        ("t", "PID,TTY,STAT,TIME,COMMAND tty=34819 bits=a0a"),
        ("T", "PID,TTY,STAT,TIME,COMMAND tty=34819 bits=a0a"),
        (
            "-N -u nosuch",
            "PID,TTY,TIME,CMD euid=4294967295 negate bits=aa00",
        ),
        ("-a", "PID,TTY,TIME,CMD bits=303"),
        ("-d", "PID,TTY,TIME,CMD bits=3333"),
        ("-ad", "PID,TTY,TIME,CMD bits=3f3f"),
        ("r", "PID,TTY,STAT,TIME,COMMAND running bits=a0a"),
        // User formats.
        ("-o pid,comm", "PID,COMMAND bits=aa00"),
        ("-opid,args", "PID,COMMAND bits=aa00"),
        ("o pid", "PID bits=a0a"),
        ("axo pid", "PID all bits=0"),
        ("-o pid -o ppid", "PID,PPID bits=aa00"),
        ("--format=pid,tty", "PID,TT bits=aa00"),
        ("-o pid=X,comm=", "X, bits=aa00"),
        ("-o pid~ppid", "PID,PPID bits=aa00"),
        (
            "-o pid,comm=A~B",
            "error: unknown user-defined format specifier \"B\"",
        ),
        ("-o pid,", "PID bits=aa00"),
        (
            "-o OL_s",
            "UID,PID,PENDING,BLOCKED,IGNORED,CAUGHT,STAT,TTY,TIME,COMMAND bits=aa00",
        ),
        ("-O rss", "PID,RSS,S,TTY,TIME,COMMAND bits=aa00"),
        ("O rss", "PID,RSS,S,TTY,TIME,COMMAND bits=a0a"),
        ("O r", "PID,TTY,STAT,TIME,COMMAND sort=AscVmRss bits=a0a"),
        (
            "O -rp",
            "PID,TTY,STAT,TIME,COMMAND sort=DescVmRss,SkipIdTgid bits=a0a",
        ),
        ("-o %p~%c", "PID, ,COMMAND, bits=aa00"),
        // Sorting.
        ("--sort=-rss", "PID,TTY,TIME,CMD sort=DescVmRss bits=aa00"),
        (
            "--sort -pcpu,+pid",
            "PID,TTY,TIME,CMD sort=DescUtilization,AscIdTgid bits=aa00",
        ),
        (
            "k start_time",
            "PID,TTY,STAT,TIME,COMMAND sort=AscTicsBegan bits=a0a",
        ),
        (
            "-eo pid,ppid,cmd --sort=-rss",
            "PID,PPID,CMD all sort=DescVmRss bits=aa00",
        ),
        // Modifiers.
        ("h", "PID,TTY,STAT,TIME,COMMAND head=None bits=a0a"),
        ("-h", "PID,TTY,STAT,TIME,COMMAND head=None bits=a0a"),
        ("--no-headers", "PID,TTY,TIME,CMD head=None bits=aa00"),
        ("--headers", "PID,TTY,TIME,CMD head=Multi bits=aa00"),
        ("w", "PID,TTY,STAT,TIME,COMMAND bits=a0a"),
        ("--cols 100", "PID,TTY,TIME,CMD cols=100 bits=aa00"),
        ("--width=50", "PID,TTY,TIME,CMD cols=50 bits=aa00"),
        ("-H", "PID,TTY,TIME,CMD forest=u bits=aa00"),
        // Errors (the first pass's message is the one reported).
        ("-o", "error: format specification must follow -o"),
        (
            "-o nosuch",
            "error: unknown user-defined format specifier \"nosuch\"",
        ),
        (
            "-o pid:0",
            "error: column widths must be unsigned decimal numbers",
        ),
        (
            "-o DefBSD:3",
            "error: can not set width for a macro (multi-column) format specifier",
        ),
        ("-o ,pid", "error: improper format list"),
        ("-p", "error: list of process IDs must follow -p"),
        ("-p x", "error: process ID list syntax error"),
        ("-p 0", "error: process ID out of range"),
        ("-p 1,", "error: improper list"),
        ("-u nosuch", "error: user name does not exist"),
        ("-G nosuch", "error: group name does not exist"),
        ("-t nosuch", "error: TTY could not be found"),
        ("-t /etc/passwd", "error: list member was not a TTY"),
        ("--bogus", "error: unknown gnu long option"),
        (
            "--forest=1",
            "error: option --forest does not take an argument",
        ),
        (
            "--cols 0",
            "error: number of columns must follow --cols, --width, or --columns",
        ),
        (
            "--sort",
            "error: long sort specification must follow --sort",
        ),
        ("--sort nosuch", "error: unknown sort specifier"),
        ("--sort pid --sort ppid", "error: multiple sort options"),
        ("-f u", "error: conflicting format options"),
        ("-f -o pid", "PID forest=b bits=a0a"),
        ("-l -o pid", "error: conflicting format options"),
        ("-y", "error: modifier -y without format -l makes no sense"),
        (
            "-L -T",
            "error: thread flags conflict; can't use both -L and -T",
        ),
        (
            "H -m",
            "error: thread flags conflict; can't use H with m or -m",
        ),
        (
            "-L --forest",
            "error: thread display conflicts with forest display",
        ),
        ("-Q", "error: unsupported SysV option"),
        (
            "-c s",
            "ps:src/ps/sortformat.c:904: internal error: no PRI for -c option",
        ),
        ("-x", "PID,TTY,STAT,TIME,COMMAND bits=aaaa"),
        ("A", "error: unsupported option (BSD syntax)"),
        ("-", "error: garbage option"),
        ("--", "error: garbage option"),
        ("1 aux", "error: process ID list syntax error"),
        ("-h -h", "error: unsupported SysV option"),
        (
            "h --no-headers",
            "error: only one heading option may be specified",
        ),
        ("-eV", "error: the option is exclusive: -V"),
        // Exits during parsing.
        ("-V", "version"),
        ("V", "version"),
        ("--version", "version"),
        ("L", "list"),
        ("--help", "help:"),
        ("--help all", "help:all"),
        ("--help=o", "help:o"),
        ("--info", "info"),
    ];

    #[test]
    fn grammar_table() {
        let env = env();
        let mut bad = Vec::new();
        for (args, want) in TABLE {
            let got = summary(args, &env);
            if got != *want {
                bad.push(format!("ps {args}\n   want {want}\n    got {got}"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} of {}:\n{}",
            bad.len(),
            TABLE.len(),
            bad.join("\n")
        );
    }

    #[test]
    fn environment() {
        let mut e = env();
        e.ps_format = Some("pid,user".into());
        assert_eq!(summary("", &e), "PID,USER bits=aa00");
        assert_eq!(
            summary("-f", &e),
            "UID,PID,PPID,C,STIME,TTY,TIME,CMD bits=aa00"
        );
        e.ps_format = None;
        e.columns = Some("100".into());
        assert_eq!(summary("", &e), "PID,TTY,TIME,CMD cols=100 bits=aa00");
        e.columns = None;
        e.stdout_is_tty = true;
        e.winsize = Some((90, 30));
        assert_eq!(summary("", &e), "PID,TTY,TIME,CMD cols=90 bits=aa00");
        assert_eq!(
            summary("w", &e),
            "PID,TTY,STAT,TIME,COMMAND cols=132 bits=a0a"
        );
        assert_eq!(summary("ww", &e), "PID,TTY,STAT,TIME,COMMAND bits=a0a");
        e.pid_length = 7;
        let a = parse(&["-o".into(), "pid,ppid,comm".into()], &e, &Fake);
        let Action::Run(p) = a else { panic!() };
        assert_eq!(
            p.columns.iter().map(|c| c.width).collect::<Vec<_>>(),
            [7, 7, 15]
        );
    }
}
