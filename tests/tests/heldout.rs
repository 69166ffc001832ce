//! The held-out matrix: about 1,500 invocations of all twelve tools, generated from each
//! original's option list (written down once from the newest release's `--help`/`-h`; ps's format
//! specifiers read from the real `ps L` at test time, every third one) rather than chosen by the
//! people who fixed the tools, each compared with the newest released original (stdout, stderr,
//! exit status).
//!
//! For every tool the rows are, in this order: no arguments; positional forms (memhog's sizes,
//! policies and nodesets; the cg tools' groups, pids, programs); each option alone (and, without
//! its value, a value option's missing-argument error); each option with each value of its kind's
//! fixed table (numbers: 1, 0, -1, 2^32, 0x10, garbage, empty; pids: a live one of ours, 1, a gone
//! one, self, 0, -1; paths: ours, missing, the wrong kind; users: root, nobody, unknown...);
//! unknown options and `--` forms; every shortest unambiguous and longest ambiguous long prefix;
//! then pairs of options drawn by a fixed-seed generator. The same rows come out every run
//! (`NSTOOLS_HELDOUT_ROWS=1` prints them).
//!
//! Safety: unshare runs inside a private mount namespace of its own, with harmless programs; nsenter
//! targets sleepers this test started (pid 1 only with harmless programs, never joining its
//! groups); ps selects or lists read-only; memhog allocates at most 2 MiB and maps only this test's
//! file; the cg tools act only below a group this test created in every hierarchy, reset before
//! each row, and never on pid 1.
//!
//! Differences allowed are only those the README's Compatibility section lists, each naming its
//! bullet. Whatever else differs fails the test. The `newest:` line counts every row that was not
//! byte-identical (allowed or failing) against the rate.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use nstools_tests::diff::{libcgroup_idle_child_dropped, LIBCGROUP_IDLE_CHILD};
use nstools_tests::guard::{unique_name, wait_until, ChildGuard, TestCgroup};
use nstools_tests::{ensure, Differential, Need, Outcome, Side, Suite, TestResult};

// ---------------------------------------------------------------- the option tables

/// What an option's argument is, which picks its table of values.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A number (counts, offsets, widths, fds).
    Number,
    /// A process id.
    Pid,
    /// A file to persist a namespace on (unshare `--NS=FILE`).
    Persist,
    /// A file to persist a mount namespace on: only a missing one. Binding a new mount namespace
    /// fails now and then with EINVAL in util-linux 2.41 and in ours alike (a race with the
    /// kernel's namespace-loop check, seen in about 1 run in 30), so an existing file or directory
    /// gives an outcome that varies between two runs of the same program.
    PersistMount,
    /// A namespace file of the given kind (nsenter `--NS=FILE`).
    NsFile(&'static str),
    Dir,
    File,
    Uid,
    Gid,
    Signal,
    /// One of these words (the first valid, then the rest).
    Words(&'static [&'static str]),
    /// ps: a format list.
    Format,
    /// ps: a list of pids (or sessions, process groups).
    PidList,
    /// ps: a list of users or groups.
    UserList,
    /// ps: terminals.
    TtyList,
    /// ps: command names.
    CmdList,
    /// ps: sort keys.
    SortKeys,
    /// ps: an strftime format for lstart.
    DateFormat,
    /// libcgroup: `<controllers>:<path>`.
    Spec,
    /// libcgroup: a controller list (`cgget -g cpu`).
    Controllers,
    /// libcgroup: `<uid>:<gid>` owner.
    Owner,
    /// libcgroup: a permission mode.
    Mode,
    /// libcgroup: `name=value`.
    Setting,
    /// libcgroup: a setting name (`cgget -r`).
    SettingName,
    /// libcgroup: a group path (`--copy-from`).
    GroupPath,
    /// memhog: `-rNUM` repeat count (attached).
    Repeat,
}

/// The fixed table of values of a kind. Placeholders are replaced per run: `{P}` a process of this
/// test, `{Q}` a sleeper in namespaces of its own, `{GONE}` a pid above pid_max, `{F}` a regular
/// file and `{D}` a directory of this test, `{G}` this test's group, `{A}` a group that does not
/// exist, `{NAME}` the ps marker's command name.
fn values(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Number => vec!["1", "0", "-1", "4294967296", "0x10", "12x", ""],
        Kind::Pid => vec!["{P}", "1", "{GONE}", "self", "0", "-1", "abc"],
        Kind::Persist => vec!["{F}", "/nonexistent/ns", "{D}"],
        Kind::PersistMount => vec!["/nonexistent/ns"],
        Kind::NsFile(ns) => match ns {
            "mnt" => vec![
                "/proc/{Q}/ns/mnt",
                "/proc/{Q}/ns/uts",
                "{F}",
                "/nonexistent/ns",
            ],
            "uts" => vec![
                "/proc/{Q}/ns/uts",
                "/proc/{Q}/ns/net",
                "{F}",
                "/nonexistent/ns",
            ],
            "ipc" => vec![
                "/proc/{Q}/ns/ipc",
                "/proc/{Q}/ns/uts",
                "{F}",
                "/nonexistent/ns",
            ],
            "net" => vec![
                "/proc/{Q}/ns/net",
                "/proc/{Q}/ns/ipc",
                "{F}",
                "/nonexistent/ns",
            ],
            "pid" => vec![
                "/proc/{Q}/ns/pid",
                "/proc/{Q}/ns/net",
                "{F}",
                "/nonexistent/ns",
            ],
            "cgroup" => vec![
                "/proc/{Q}/ns/cgroup",
                "/proc/{Q}/ns/pid",
                "{F}",
                "/nonexistent/ns",
            ],
            "user" => vec![
                "/proc/{Q}/ns/user",
                "/proc/{Q}/ns/uts",
                "{F}",
                "/nonexistent/ns",
            ],
            _ => vec![
                "/proc/{Q}/ns/time",
                "/proc/{Q}/ns/user",
                "{F}",
                "/nonexistent/ns",
            ],
        },
        Kind::Dir => vec!["/", "{D}", "/nonexistent", "{F}"],
        Kind::File => vec!["{F}", "/nonexistent", "{D}"],
        Kind::Uid => vec![
            "0",
            "65534",
            "root",
            "nobody",
            "nosuchuser",
            "-1",
            "4294967296",
            "0x10",
        ],
        Kind::Gid => vec![
            "0",
            "65534",
            "root",
            "nogroup",
            "nosuchgroup",
            "-1",
            "4294967296",
        ],
        Kind::Signal => vec!["KILL", "SIGTERM", "15", "0", "term", "nosuchsig", ""],
        Kind::Words(words) => words.to_vec(),
        Kind::Format => vec![
            "pid,comm",
            "nosuch",
            "",
            "pid,",
            "pid=ID",
            "comm:20,pid",
            "%p %c",
        ],
        Kind::PidList => vec!["{P}", "{GONE}", "0", "-1", "abc", "{P},{GONE}", "", "0x10"],
        Kind::UserList => vec![
            "root",
            "nobody",
            "nosuchuser",
            "0",
            "54321",
            "-1",
            "4294967296",
        ],
        Kind::TtyList => vec!["-", "?", "pts/0", "nosuchtty"],
        Kind::CmdList => vec!["{NAME}", "nosuchcmd", ""],
        Kind::SortKeys => vec!["pid", "-pid", "+comm,-rss", "nosuch", ""],
        Kind::DateFormat => vec!["%Y-%m-%d", "", "%s %%"],
        Kind::Spec => vec![
            "cpu:{G}",
            "cpu,memory:{G}",
            "memory:{G}/a",
            "*:{G}",
            "cpu:{A}",
            "nosuchctl:{G}",
            "cpu",
            "cpu:",
            "{G}",
            "",
        ],
        Kind::Controllers => vec!["cpu", "cpu,memory", "nosuchctl", ""],
        Kind::Owner => vec![
            "root:root",
            "nobody:nogroup",
            "0:0",
            "nosuchuser:root",
            "root",
            ":",
            "-1:-1",
        ],
        Kind::Mode => vec!["0750", "777", "8888", "abc", "", "-1"],
        Kind::Setting => vec![
            "cpu.shares=512",
            "memory.limit_in_bytes=10M",
            "cpu.shares=",
            "cpu.shares",
            "nosuchctl.x=1",
            "cpu.nosuch=1",
            "cpu.shares=-1",
            "cpu.shares=4294967296",
            "cpu.shares=0x10",
            "cpu.shares=abc",
        ],
        Kind::SettingName => vec![
            "cpu.shares",
            "memory.limit_in_bytes",
            "cpu.nosuch",
            "nosuch",
            "",
        ],
        Kind::GroupPath => vec!["{G}", "{G}/a", "{A}", ""],
        Kind::Repeat => vec!["2", "0", "-1", "abc", ""],
    }
}

#[derive(Clone, Copy, Debug)]
enum Arg {
    No,
    /// A required argument: `-x V` (separate) or `--xx=V`.
    Req(Kind),
    /// An optional argument: attached only (`-xV`, `--xx=V`).
    Opt(Kind),
}

/// One option of a tool: its spellings (`-m`, `--mount`; ps's BSD `p`) and its argument.
#[derive(Clone, Copy, Debug)]
struct Opt {
    names: &'static [&'static str],
    arg: Arg,
}

const fn opt(names: &'static [&'static str], arg: Arg) -> Opt {
    Opt { names, arg }
}

use Arg::{No, Opt as Optional, Req};
use Kind::*;

/// util-linux 2.41.5 `unshare --help`.
const UNSHARE: &[Opt] = &[
    opt(&["-m", "--mount"], Optional(PersistMount)),
    opt(&["-u", "--uts"], Optional(Persist)),
    opt(&["-i", "--ipc"], Optional(Persist)),
    opt(&["-n", "--net"], Optional(Persist)),
    opt(&["-p", "--pid"], Optional(Persist)),
    opt(&["-U", "--user"], Optional(Persist)),
    opt(&["-C", "--cgroup"], Optional(Persist)),
    opt(&["-T", "--time"], Optional(Persist)),
    opt(&["--mount-proc"], Optional(Dir)),
    opt(&["--mount-binfmt"], Optional(Dir)),
    opt(&["-l", "--load-interp"], Req(File)),
    opt(
        &["--propagation"],
        Req(Words(&[
            "private",
            "slave",
            "shared",
            "unchanged",
            "bogus",
            "",
        ])),
    ),
    opt(&["-R", "--root"], Req(Dir)),
    opt(&["-w", "--wd"], Req(Dir)),
    opt(&["-S", "--setuid"], Req(Uid)),
    opt(&["-G", "--setgid"], Req(Gid)),
    opt(&["--map-user"], Req(Uid)),
    opt(&["--map-group"], Req(Gid)),
    opt(&["-r", "--map-root-user"], No),
    opt(&["-c", "--map-current-user"], No),
    opt(&["--map-auto"], No),
    opt(
        &["--map-users"],
        Req(Words(&[
            "0:0:1",
            "1000:0:1",
            "0:0",
            "a:b:c",
            "0:0:4294967296",
            "all",
        ])),
    ),
    opt(
        &["--map-groups"],
        Req(Words(&[
            "0:0:1", "1000:0:1", "0:0", "a:b:c", "0:0:0", "all",
        ])),
    ),
    opt(&["-f", "--fork"], No),
    opt(&["--kill-child"], Optional(Signal)),
    opt(
        &["--setgroups"],
        Req(Words(&["deny", "allow", "bogus", ""])),
    ),
    opt(&["--keep-caps"], No),
    opt(&["--monotonic"], Req(Number)),
    opt(&["--boottime"], Req(Number)),
    opt(&["-h", "--help"], No),
    opt(&["-V", "--version"], No),
];

/// util-linux 2.41.5 `nsenter --help`.
const NSENTER: &[Opt] = &[
    opt(&["-a", "--all"], No),
    opt(&["-t", "--target"], Req(Pid)),
    opt(&["-m", "--mount"], Optional(NsFile("mnt"))),
    opt(&["-u", "--uts"], Optional(NsFile("uts"))),
    opt(&["-i", "--ipc"], Optional(NsFile("ipc"))),
    opt(&["-n", "--net"], Optional(NsFile("net"))),
    opt(&["-N", "--net-socket"], Req(Number)),
    opt(&["-p", "--pid"], Optional(NsFile("pid"))),
    opt(&["-C", "--cgroup"], Optional(NsFile("cgroup"))),
    opt(&["-U", "--user"], Optional(NsFile("user"))),
    opt(&["--user-parent"], No),
    opt(&["-T", "--time"], Optional(NsFile("time"))),
    opt(&["-S", "--setuid"], Optional(Uid)),
    opt(&["-G", "--setgid"], Optional(Gid)),
    opt(&["--preserve-credentials"], No),
    opt(&["--keep-caps"], No),
    opt(&["-r", "--root"], Optional(Dir)),
    opt(&["-w", "--wd"], Optional(Dir)),
    opt(&["-W", "--wdns"], Req(Dir)),
    opt(&["-e", "--env"], No),
    opt(&["-F", "--no-fork"], No),
    opt(&["-c", "--join-cgroup"], No),
    opt(&["-Z", "--follow-context"], No),
    opt(&["-h", "--help"], No),
    opt(&["-V", "--version"], No),
];

/// procps-ng 4.0.4 `ps --help all`.
const PS: &[Opt] = &[
    opt(&["-A", "-e"], No),
    opt(&["-a"], No),
    opt(&["a"], No),
    opt(&["-d"], No),
    opt(&["-N", "--deselect"], No),
    opt(&["r"], No),
    opt(&["T"], No),
    opt(&["x"], No),
    opt(&["-C"], Req(CmdList)),
    opt(&["-G", "--Group"], Req(UserList)),
    opt(&["-g", "--group"], Req(UserList)),
    opt(&["-p", "p", "--pid"], Req(PidList)),
    opt(&["--ppid"], Req(PidList)),
    opt(&["-q", "q", "--quick-pid"], Req(PidList)),
    opt(&["-s", "--sid"], Req(PidList)),
    opt(&["-t", "t", "--tty"], Req(TtyList)),
    opt(&["-u", "U", "--user"], Req(UserList)),
    opt(&["-U", "--User"], Req(UserList)),
    opt(&["-D"], Req(DateFormat)),
    opt(&["-F"], No),
    opt(&["-f"], No),
    opt(&["f", "--forest"], No),
    opt(&["-H"], No),
    opt(&["-j"], No),
    opt(&["j"], No),
    opt(&["-l"], No),
    opt(&["l"], No),
    opt(&["-M", "Z"], No),
    opt(&["-O"], Req(Format)),
    opt(&["O"], Req(Format)),
    opt(&["-o", "o", "--format"], Req(Format)),
    opt(&["-P"], No),
    opt(&["s"], No),
    opt(&["u"], No),
    opt(&["v"], No),
    opt(&["X"], No),
    opt(&["-y"], No),
    opt(&["--context"], No),
    opt(&["--headers"], No),
    opt(&["--no-headers"], No),
    opt(&["--cols", "--columns", "--width"], Req(Number)),
    opt(&["--rows", "--lines"], Req(Number)),
    opt(&["--signames"], No),
    opt(&["H"], No),
    opt(&["-L"], No),
    opt(&["-m", "m"], No),
    opt(&["-T"], No),
    opt(&["-c"], No),
    opt(&["c"], No),
    opt(&["e"], No),
    opt(&["k", "--sort"], Req(SortKeys)),
    opt(&["L"], No),
    opt(&["n"], No),
    opt(&["S", "--cumulative"], No),
    opt(&["-V", "V", "--version"], No),
    opt(&["-w", "w"], No),
    opt(
        &["--help"],
        Optional(Words(&[
            "simple", "list", "output", "threads", "misc", "all", "bogus",
        ])),
    ),
];

/// numactl 2.0.19 memhog's usage: `memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset]]`.
const MEMHOG: &[Opt] = &[
    opt(&["-f"], Optional(File)),
    opt(&["-r"], Optional(Repeat)),
    opt(&["-H"], No),
];

/// libcgroup 3.1.0 `cgcreate -h`.
const CGCREATE: &[Opt] = &[
    opt(&["-a"], Req(Owner)),
    opt(&["-d", "--dperm"], Req(Mode)),
    opt(&["-f", "--fperm"], Req(Mode)),
    opt(&["-g"], Req(Spec)),
    opt(&["-h", "--help"], No),
    opt(&["-s", "--tperm"], Req(Mode)),
    opt(&["-t"], Req(Owner)),
    opt(&["-b"], No),
    opt(&["-c", "--scope"], No),
    opt(&["-p", "--pid"], Req(Pid)),
    opt(&["-S", "--setdefault"], No),
];

/// libcgroup 3.1.0 `cgexec -h`.
const CGEXEC: &[Opt] = &[
    opt(&["-g"], Req(Spec)),
    opt(&["-h", "--help"], No),
    opt(&["--sticky"], No),
    opt(&["-b"], No),
    opt(&["-r"], No),
];

/// libcgroup 3.1.0 `cgdelete -h`.
const CGDELETE: &[Opt] = &[
    opt(&["-g"], Req(Spec)),
    opt(&["-h", "--help"], No),
    opt(&["-r", "--recursive"], No),
    opt(&["-b"], No),
];

/// libcgroup 3.1.0 `cgset -h`.
const CGSET: &[Opt] = &[
    opt(&["-r", "--variable"], Req(Setting)),
    opt(&["--copy-from"], Req(GroupPath)),
    opt(&["-b"], No),
];

/// libcgroup 3.1.0 `cgget -h`.
const CGGET: &[Opt] = &[
    opt(&["-a", "--all"], No),
    opt(&["-g"], Req(Controllers)),
    opt(&["-h", "--help"], No),
    opt(&["-n"], No),
    opt(&["-r", "--variable"], Req(SettingName)),
    opt(&["-v", "--values-only"], No),
    opt(&["-m"], No),
    opt(&["-b"], No),
    opt(&["-c"], No),
];

/// libcgroup 3.1.0 `cgclassify -h`.
const CGCLASSIFY: &[Opt] = &[
    opt(&["-h", "--help"], No),
    opt(&["-g"], Req(Spec)),
    opt(&["--cancel-sticky"], No),
    opt(&["--sticky"], No),
    opt(&["-b"], No),
    opt(&["-r"], No),
];

/// libcgroup 3.1.0 `lscgroup -h`.
const LSCGROUP: &[Opt] = &[
    opt(&["-g"], Req(Spec)),
    opt(&["-h", "--help"], No),
    opt(&["-b"], No),
];

/// libcgroup 3.1.0 `lssubsys -h`.
const LSSUBSYS: &[Opt] = &[
    opt(&["-a", "--all"], No),
    opt(&["-h", "--help"], No),
    opt(&["-i", "--hierarchies"], No),
    opt(&["-m", "--mount-points"], No),
    opt(&["-M", "--all-mount-points"], No),
];

/// How a tool's rows are made: its options, what follows them (a program, a group, pids; one
/// alternative per row in turn), what goes before a value row (a target, a selection; in turn),
/// how many option pairs to draw, and the positional forms of the tool's main argument.
struct Plan {
    tool: &'static str,
    opts: &'static [Opt],
    tails: &'static [&'static [&'static str]],
    contexts: &'static [&'static [&'static str]],
    pairs: usize,
    /// Rows of positional arguments only (e.g. memhog's sizes and policies).
    positional: Vec<Vec<&'static str>>,
}

fn plans() -> Vec<Plan> {
    let memhog_positional = {
        let mut rows: Vec<Vec<&str>> = Vec::new();
        for size in [
            "1k", "4K", "1m", "2M", "0", "-1", "0x10", "12x", "", "1k0", "1.5k",
        ] {
            rows.push(vec![size]);
        }
        for policy in [
            "preferred-many",
            "local",
            "interleave",
            "membind",
            "preferred",
            "default",
            "bogus",
        ] {
            rows.push(vec!["1k", policy]);
            for nodes in ["0", "all", "1", "0-1", "!0", "+0", "x", ""] {
                rows.push(vec!["1k", policy, nodes]);
            }
        }
        rows.push(vec!["1k", "default", "0", "extra"]);
        rows
    };
    let cg = |tool, opts, tails, pairs| Plan {
        tool,
        opts,
        tails,
        contexts: &[&[]],
        pairs,
        positional: Vec::new(),
    };
    vec![
        Plan {
            tool: "unshare",
            opts: UNSHARE,
            tails: &[
                &["true"],
                &["id"],
                &["cat", "/proc/self/uid_map", "/proc/self/setgroups"],
            ],
            contexts: &[&[]],
            pairs: 25,
            positional: vec![
                vec!["/nonexistent/prog"],
                vec!["{F}"],
                vec!["--", "id", "-u"],
            ],
        },
        Plan {
            tool: "nsenter",
            opts: NSENTER,
            tails: &[&["true"], &["id"], &["cat", "/proc/self/uid_map"]],
            contexts: &[&["-t", "{Q}"], &["-t", "{P}"], &[]],
            pairs: 30,
            positional: vec![
                vec!["-t", "{Q}", "-a", "/nonexistent/prog"],
                vec!["-t", "{Q}", "-a", "{F}"],
            ],
        },
        Plan {
            tool: "ps",
            opts: PS,
            tails: &[&[]],
            contexts: &[&["-p", "{P}"], &["-s", "{P}"], &["-C", "{NAME}"]],
            pairs: 30,
            positional: vec![
                vec!["{P}"],
                vec!["-{P}"],
                vec!["aux"],
                vec!["-ef"],
                vec!["axjf"],
            ],
        },
        Plan {
            tool: "memhog",
            opts: MEMHOG,
            tails: &[&["1k"], &["1m"], &["4k", "default"]],
            contexts: &[&[]],
            pairs: 4,
            positional: memhog_positional,
        },
        cg(
            "cgcreate",
            CGCREATE,
            &[&["-g", "cpu:{G}/new"], &["-g", "memory:{G}/new"], &[]],
            25,
        ),
        cg(
            "cgexec",
            CGEXEC,
            &[
                &["true"],
                &[
                    "-g",
                    "cpu:{G}",
                    "grep",
                    "-c",
                    ":cpu:/nst-",
                    "/proc/self/cgroup",
                ],
            ],
            12,
        ),
        cg(
            "cgdelete",
            CGDELETE,
            &[&["cpu:{G}/a"], &["memory:{G}"], &[]],
            12,
        ),
        cg("cgset", CGSET, &[&["{G}"], &["{G}/a"], &[]], 20),
        cg("cgget", CGGET, &[&["{G}"], &["{G}/a", "{A}"], &[]], 30),
        cg(
            "cgclassify",
            CGCLASSIFY,
            &[&["{P}"], &["-g", "cpu:{G}", "{P}"], &[]],
            15,
        ),
        cg(
            "lscgroup",
            LSCGROUP,
            &[&["cpu:/{G}"], &["cpu,memory:{G}"], &[]],
            6,
        ),
        cg(
            "lssubsys",
            LSSUBSYS,
            &[&[], &["cpu"], &["memory", "nosuchctl"]],
            15,
        ),
    ]
}

/// The cg tools' positional forms, the same table for each: what libcgroup reads as a group,
/// a controller or a pid there.
fn cg_positional(tool: &str) -> Vec<Vec<&'static str>> {
    let mut rows: Vec<Vec<&'static str>> = Vec::new();
    match tool {
        "cgdelete" | "lscgroup" => {
            for spec in values(Spec) {
                rows.push(vec![spec]);
            }
        }
        "cgset" | "cgget" => {
            for group in values(GroupPath) {
                rows.push(vec![
                    "-r",
                    if tool == "cgset" {
                        "cpu.shares=256"
                    } else {
                        "cpu.shares"
                    },
                    group,
                ]);
            }
        }
        "cgclassify" => {
            for pid in ["{P}", "{GONE}", "0", "-1", "abc", "", "{P} {P}"] {
                rows.push(vec!["-g", "cpu:{G}", pid]);
            }
        }
        "cgexec" => {
            for program in ["/nonexistent/prog", "{F}", "", "--"] {
                rows.push(vec!["-g", "cpu:{G}", program]);
            }
        }
        "lssubsys" => {
            for c in values(Controllers) {
                rows.push(vec![c]);
            }
            rows.push(vec!["name=systemd"]);
        }
        _ => {}
    }
    rows
}

// ---------------------------------------------------------------- generating the rows

/// A small fixed-seed generator (splitmix64), so the drawn pairs are the same every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `name` with `value`: `--long=V`; a short option's optional value attached (`-xV`), a required
/// one separate (`-x V`); ps's BSD options separate.
fn spelled(name: &str, arg: Arg, value: &str) -> Vec<String> {
    if name.starts_with("--") {
        return vec![format!("{name}={value}")];
    }
    match arg {
        Optional(_) => vec![format!("{name}{value}")],
        _ => vec![name.to_string(), value.to_string()],
    }
}

/// Every row of a plan, in a fixed order, without duplicates.
fn rows(plan: &Plan) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut turn = 0usize;
    let mut push = |words: Vec<String>, with_tail: bool, out: &mut Vec<Vec<String>>| {
        let mut row = words;
        if with_tail {
            let tail = plan.tails[turn % plan.tails.len()];
            turn += 1;
            row.extend(tail.iter().map(|s| s.to_string()));
        }
        if seen.insert(row.clone()) {
            out.push(row);
        }
    };
    let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    push(Vec::new(), false, &mut out);
    for words in &plan.positional {
        push(strs(words), false, &mut out);
    }
    if plan.tool.starts_with("cg") || plan.tool.starts_with("ls") {
        for words in cg_positional(plan.tool) {
            push(strs(&words), false, &mut out);
        }
    }
    let mut context_turn = 0usize;
    for o in plan.opts {
        // Each spelling alone (a required value left out: the missing-argument error).
        push(vec![o.names[0].to_string()], false, &mut out);
        for name in o.names {
            if matches!(o.arg, Req(_)) && name.starts_with("--") {
                push(vec![name.to_string()], false, &mut out);
            }
            if !matches!(o.arg, Req(_)) {
                let mut row = strs(plan.contexts[context_turn % plan.contexts.len()]);
                context_turn += 1;
                row.push(name.to_string());
                push(row, true, &mut out);
            }
        }
        // Each value of the kind's table, long spelling first, in the tool's contexts in turn.
        let kind = match o.arg {
            No => continue,
            Req(k) | Optional(k) => k,
        };
        let name = o
            .names
            .iter()
            .rev()
            .find(|n| n.starts_with("--"))
            .unwrap_or(&o.names[0]);
        for value in values(kind) {
            let ctx = plan.contexts[context_turn % plan.contexts.len()];
            context_turn += 1;
            let mut row = strs(ctx);
            row.extend(spelled(name, o.arg, value));
            push(row, true, &mut out);
        }
        // The other spellings with the first value.
        for other in o.names.iter().filter(|n| *n != name) {
            let mut row = strs(plan.contexts[0]);
            row.extend(spelled(other, o.arg, values(kind)[0]));
            push(row, true, &mut out);
        }
    }
    // Unknown options and `--` forms.
    for words in [
        vec!["-Y"],
        vec!["--bogus"],
        vec!["--bogus=1"],
        vec!["-"],
        vec!["--"],
        vec!["---"],
        vec!["-Y", "--bogus"],
    ] {
        push(strs(&words), false, &mut out);
    }
    push(vec!["--".to_string()], true, &mut out);
    // Long prefixes: the shortest unambiguous one of each option, and every ambiguous one.
    let longs: Vec<(&str, Arg)> = plan
        .opts
        .iter()
        .flat_map(|o| {
            o.names
                .iter()
                .filter(|n| n.starts_with("--"))
                .map(move |n| (*n, o.arg))
        })
        .collect();
    let mut prefixes = std::collections::BTreeMap::new();
    for (name, arg) in &longs {
        let mut ambiguous = None;
        for len in 3..name.len() {
            let prefix = &name[..len];
            let matching = longs.iter().filter(|(n, _)| n.starts_with(prefix)).count();
            if matching > 1 {
                ambiguous = Some(prefix);
            } else {
                prefixes.insert(prefix.to_string(), *arg);
                break;
            }
        }
        if let Some(prefix) = ambiguous {
            prefixes.insert(prefix.to_string(), No);
        }
    }
    for (prefix, arg) in prefixes {
        let mut row = strs(plan.contexts[0]);
        match arg {
            Req(k) => row.extend(spelled(&prefix, arg, values(k)[0])),
            _ => row.push(prefix),
        }
        push(row, true, &mut out);
    }
    // Pairs of options, each in its plain form (first spelling, first value), drawn by a fixed seed.
    let mut draw = Draw(0x0068_656c_646f_7574 ^ plan.tool.len() as u64);
    let plain = |o: &Opt| -> Vec<String> {
        match o.arg {
            No | Optional(_) => vec![o.names[0].to_string()],
            Req(k) => spelled(o.names[0], o.arg, values(k)[0]),
        }
    };
    let mut drawn = 0;
    let mut tries = 0;
    while drawn < plan.pairs && tries < plan.pairs * 20 && plan.opts.len() > 1 {
        tries += 1;
        let (i, j) = (draw.below(plan.opts.len()), draw.below(plan.opts.len()));
        if i == j {
            continue;
        }
        let ctx = plan.contexts[draw.below(plan.contexts.len())];
        let mut row = strs(ctx);
        row.extend(plain(&plan.opts[i]));
        row.extend(plain(&plan.opts[j]));
        let before = out.len();
        push(row, true, &mut out);
        if out.len() > before {
            drawn += 1;
        }
    }
    out
}

// ---------------------------------------------------------------- what varies between runs

/// Values filled in per run.
struct Fill {
    pairs: Vec<(&'static str, String)>,
}

impl Fill {
    fn apply(&self, row: &[String]) -> Vec<String> {
        row.iter()
            .map(|word| {
                let mut w = word.clone();
                for (key, value) in &self.pairs {
                    w = w.replace(key, value);
                }
                w
            })
            .collect()
    }
}

fn gone_pid() -> Result<String, String> {
    let pid_max: i64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .map_err(|e| e.to_string())?
        .trim()
        .parse()
        .map_err(|e| format!("pid_max: {e}"))?;
    Ok((pid_max + 1).to_string())
}

/// A scratch directory with a regular file `f` (not a namespace, not a program) and a directory
/// `d`; removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(unique_name("heldout"));
        std::fs::create_dir_all(dir.join("d")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("f"), "not a namespace\n").map_err(|e| e.to_string())?;
        Ok(Scratch(dir))
    }
    fn file(&self) -> String {
        self.0.join("f").display().to_string()
    }
    fn dir(&self) -> String {
        self.0.join("d").display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Replace every decimal number in `text` by `N` (for rows whose output carries values that tick:
/// elapsed times, namespace inodes).
fn digits_out(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------- allowances (README bullets)

/// README, Compatibility, "Every tool": `--version` names the implementation.
const VERSION: &str =
    "README Compatibility, every tool: --version names the implementation (nstools)";

fn is_version_row(tool: &str, row: &[String]) -> bool {
    row.iter().any(|a| {
        a == "--version"
            || (a.starts_with("--v") && "--version".starts_with(a.as_str()))
            || (a == "-V" && tool != "memhog")
            || (tool == "ps" && a == "V")
    })
}

/// Whatever the row prints for the version is compared as "a version line".
fn version_allowance(check: Differential) -> Differential {
    check.allow(VERSION, |_, o| {
        let lines: Vec<String> = o
            .stdout
            .lines()
            .map(|l| {
                if l.contains(" from ") || l.contains("version") {
                    "VERSION".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        o.stdout = lines.join("\n");
    })
}

/// README, Compatibility, unshare: 2.42's `--forward-signals` makes `--f`/`--fo` ambiguous.
const UNSHARE_NEWER: &str = "README Compatibility, unshare: --forward-signals and --owner are util-linux 2.42's (--f, --fo are ambiguous)";
/// README, Compatibility, unshare: a persisted user namespace works.
const UNSHARE_PERSIST_USER: &str =
    "README Compatibility, unshare: a persisted user namespace (--user=FILE) works; 2.41 fails";
/// README, Compatibility, nsenter: `-c` joins the target's groups on every hierarchy.
const NSENTER_JOIN_CGROUP: &str = "README Compatibility, nsenter: -c/--join-cgroup works on cgroup v1 and hybrid hosts; 2.41 refuses";

/// An allowed difference whose outcomes are not compared at all (the row still counts as differing).
fn blank(_: Side, o: &mut Outcome) {
    *o = Outcome::default();
}

/// `/proc/1234/` -> `/proc/PID/`: each side's own helper process.
fn proc_pids_out(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("/proc/") {
        out.push_str(&rest[..at + 6]);
        rest = &rest[at + 6..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("PID");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- running a plan

/// Run every row of `plan` as `Differential::newest`, each through `build` (wrapper, volatile
/// rewrites, allowances); return the failures.
fn run_rows(
    plan: &Plan,
    fill: &Fill,
    build: impl Fn(&[String], Differential) -> Option<Differential>,
) -> (usize, Vec<String>) {
    let rows = rows(plan);
    let mut failures = Vec::new();
    let mut count = 0;
    for row in &rows {
        let args = fill.apply(row);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut check = Differential::newest(plan.tool, &argv);
        if is_version_row(plan.tool, &args) {
            check = version_allowance(check);
        }
        let Some(check) = build(row, check) else {
            continue;
        };
        count += 1;
        if let Err(report) = check.check() {
            failures.push(report);
        }
    }
    (count, failures)
}

fn verdict(tool: &str, count: usize, failures: Vec<String>) -> TestResult {
    // The per-tool rate: this count less the tool's `differs as allowed` lines of the tally.
    println!("held-out {tool}: {count} rows compared");
    ensure!(
        failures.is_empty(),
        "held-out {tool}: {} of {count} rows differ beyond the README's list:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    Ok(())
}

fn plan_of(tool: &str) -> Plan {
    plans()
        .into_iter()
        .find(|p| p.tool == tool)
        .expect("a plan per tool")
}

/// A sleeper of this test, `sleep 300` in its own process group.
fn sleeper(cmd: &mut Command) -> Result<ChildGuard, String> {
    ChildGuard::spawn(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
}

// ---------------------------------------------------------------- unshare

fn unshare_test() -> TestResult {
    let plan = plan_of("unshare");
    let scratch = Scratch::new()?;
    let fill = Fill {
        pairs: vec![
            ("{F}", scratch.file()),
            ("{D}", scratch.dir()),
            ("{GONE}", gone_pid()?),
        ],
    };
    let (count, failures) = run_rows(&plan, &fill, |row, check| {
        let check = check.volatile("messages name each side's own /proc/PID", |_, o| {
            o.stderr = proc_pids_out(&o.stderr);
        });
        let check = if row.iter().any(|a| {
            a.len() >= 3
                && "--forward-signals".starts_with(a.as_str())
                && "--fork".starts_with(a.as_str())
        }) {
            check.allow(UNSHARE_NEWER, blank)
        } else {
            check
        };
        let check = if row
            .iter()
            .any(|a| ["--user={F}", "-U{F}", "--user={D}", "-U{D}"].contains(&a.as_str()))
        {
            check.allow(UNSHARE_PERSIST_USER, blank)
        } else {
            check
        };
        // A private mount namespace of the test's own around each side: binds for `--NS=FILE`
        // and proc mounts with `--propagation unchanged` end with it.
        Some(check.rerun_on_difference(2).wrapped(&[
            "/usr/bin/unshare",
            "-m",
            "--propagation",
            "private",
            "/bin/bash",
            "-c",
            "exec -a unshare \"$0\" \"$@\"",
        ]))
    });
    verdict("unshare", count, failures)
}

// ---------------------------------------------------------------- nsenter

fn nsenter_test() -> TestResult {
    let plan = plan_of("nsenter");
    let scratch = Scratch::new()?;
    let groups = Groups::create("nse")?;
    // {P}: a sleeper in this test's groups, in the test's namespaces.
    let p = sleeper(Command::new("sleep").arg("300"))?;
    groups.adopt_process(p.pid())?;
    // {Q}: a sleeper in user, uts, ipc, net, mount and time namespaces of its own.
    let q = sleeper(
        Command::new("/usr/bin/unshare")
            .args(["-U", "-r", "-u", "-i", "-n", "-m", "-C", "sleep", "300"]),
    )?;
    let q_pid = q.pid();
    ensure!(
        wait_until(Duration::from_secs(10), || {
            std::fs::read_link(format!("/proc/{q_pid}/exe"))
                .is_ok_and(|e| e.to_string_lossy().contains("sleep"))
        }),
        "the namespaced sleeper did not start"
    );
    groups.adopt_process(q_pid)?;
    let fill = Fill {
        pairs: vec![
            ("{P}", p.pid().to_string()),
            ("{Q}", q_pid.to_string()),
            ("{F}", scratch.file()),
            ("{D}", scratch.dir()),
            ("{GONE}", gone_pid()?),
        ],
    };
    let (count, failures) = run_rows(&plan, &fill, |row, check| {
        // Never join pid 1's groups (not ours), nor the test's own process's.
        let targets_foreign = !row.iter().any(|a| a.contains("{P}") || a.contains("{Q}"));
        let joins = row
            .iter()
            .any(|a| a == "-c" || a == "--join-cgroup" || a.starts_with("--join"));
        if joins && (targets_foreign || row.iter().any(|a| a == "1")) {
            return None;
        }
        let joins = joins
            || row
                .iter()
                .any(|a| a.len() >= 3 && "--join-cgroup".starts_with(a.as_str()));
        Some(if joins {
            check.allow(NSENTER_JOIN_CGROUP, blank)
        } else {
            check
        })
    });
    drop(q);
    drop(p);
    drop(groups);
    verdict("nsenter", count, failures)
}

// ---------------------------------------------------------------- ps

/// ps's format specifiers, from the newest release's `ps L`.
fn ps_specifiers() -> Result<Vec<String>, String> {
    let out = Command::new(nstools_tests::bins::newest("ps"))
        .arg("L")
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

/// Specifiers whose value changes between two runs even of a stopped process: elapsed and CPU
/// time tick; resident memory moves as the kernel's DAMON reclaim and KSM (both run here) act.
const PS_TICKING: &[&str] = &[
    "etime", "etimes", "%cpu", "pcpu", "c", "cp", "bsdtime", "time", "cputime", "cputimes",
    "times", "rss", "rssize", "rsz", "uss", "pss", "%mem", "pmem",
];

/// Options that list beyond the selection: the host's process list varies between any two runs,
/// so only the header and the marker's line are compared.
fn ps_lists_host(row: &[String]) -> bool {
    let narrowed = row
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "-p" | "p" | "-q" | "q" | "-s" | "-C"))
        || row.iter().any(|a| {
            a.starts_with("--pid=") || a.starts_with("--sid=") || a.starts_with("--quick-pid=")
        })
        || (row.len() == 1 && row[0].chars().all(|c| c.is_ascii_digit() || c == '-'));
    !narrowed
        || row.iter().any(|a| {
            matches!(
                a.as_str(),
                "-A" | "-e"
                    | "-a"
                    | "a"
                    | "-d"
                    | "-N"
                    | "--deselect"
                    | "r"
                    | "T"
                    | "x"
                    | "aux"
                    | "-ef"
                    | "axjf"
            ) || a.starts_with("--ppid")
                || a.starts_with("--User")
                || a.starts_with("--user")
                || a.starts_with("--Group")
                || a.starts_with("--group")
                || a.starts_with("--tty")
        })
        || row
            .windows(2)
            .any(|w| matches!(w[0].as_str(), "-u" | "U" | "-U" | "-G" | "-g" | "-t" | "t"))
}

fn ps_test() -> TestResult {
    let mut plan = plan_of("ps");
    let specifiers = ps_specifiers()?;
    ensure!(
        specifiers.len() > 100,
        "ps L listed {} specifiers",
        specifiers.len()
    );
    let leaked: Vec<&'static str> = specifiers
        .iter()
        .map(|s| &*Box::leak(s.clone().into_boxed_str()))
        .collect();
    // Every third one (in `ps L` order), to keep the matrix near its size.
    for spec in leaked.into_iter().step_by(3) {
        plan.positional.push(vec!["-p", "{P}", "-o", spec]);
    }
    let scratch = Scratch::new()?;
    // The marker: a stopped `sleep` under a unique command name, session leader, clean env.
    let name = format!("nho{}", std::process::id() % 1_000_000);
    let marker_exe = scratch.0.join(&name);
    std::os::unix::fs::symlink("/bin/sleep", &marker_exe).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&marker_exe);
    cmd.arg("300").env_clear().env("PATH", "/usr/bin:/bin");
    // SAFETY: setsid is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Not `ChildGuard::spawn`: its process group would make setsid fail. The new session's
    // group has the marker's pid, so the guard's killpg still ends it.
    let marker = ChildGuard {
        child: cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn the marker: {e}"))?,
    };
    let pid = marker.pid();
    ensure!(
        wait_until(Duration::from_secs(10), || {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name)
        }),
        "the marker did not start"
    );
    // SAFETY: kill(2) on the process this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    ensure!(
        wait_until(Duration::from_secs(10), || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.rsplit(") ").next().is_some_and(|r| r.starts_with('T')))
        }),
        "the marker did not stop"
    );
    let fill = Fill {
        pairs: vec![
            ("{P}", pid.to_string()),
            ("{NAME}", name.clone()),
            ("{GONE}", gone_pid()?),
        ],
    };
    let marker_name = name.clone();
    let (count, failures) = run_rows(&plan, &fill, move |row, mut check| {
        if ps_lists_host(row) {
            let name = marker_name.clone();
            check = check.volatile(
                "the host's process list: only the header and the marker's lines",
                move |_, o| {
                    let mut lines = o.stdout.lines();
                    let mut kept: Vec<&str> = lines.next().into_iter().collect();
                    kept.extend(lines.filter(|l| l.contains(&name) && !l.contains("ps ")));
                    o.stdout = kept.join("\n");
                    // Whether any host process matched (exit 1: none) varies as well.
                    if o.code == Some(1) && o.stderr.is_empty() {
                        o.code = Some(0);
                    }
                },
            );
        }
        let ticks = row
            .iter()
            .any(|a| a.split([',', ' ', '=']).any(|w| PS_TICKING.contains(&w)))
            || row.iter().any(|a| {
                matches!(
                    a.as_str(),
                    "u" | "v"
                        | "-F"
                        | "s"
                        | "l"
                        | "-l"
                        | "j"
                        | "-j"
                        | "-f"
                        | "X"
                        | "aux"
                        | "-ef"
                        | "axjf"
                        | "-O"
                        | "O"
                        | "-y"
                )
            });
        if ticks {
            // Elapsed and CPU times may tick between the two runs; start times and counts do not,
            // but a tick can carry into them, so only the shape is compared there.
            check = check.volatile(
                "elapsed and CPU time tick, resident memory moves between the runs",
                |_, o| {
                    o.stdout = digits_out(&o.stdout);
                },
            );
        }
        Some(check)
    });
    drop(marker);
    verdict("ps", count, failures)
}

// ---------------------------------------------------------------- memhog

fn memhog_test() -> TestResult {
    let plan = plan_of("memhog");
    let scratch = Scratch::new()?;
    let fill = Fill {
        pairs: vec![("{F}", scratch.file()), ("{D}", scratch.dir())],
    };
    let (count, failures) = run_rows(&plan, &fill, |_, check| Some(check));
    verdict("memhog", count, failures)
}

// ---------------------------------------------------------------- the cg tools

/// This test's group `H` in every mounted hierarchy (cgroup v1, named v1, cgroup2); removed on drop.
struct Groups {
    name: String,
    roots: Vec<PathBuf>,
    _guards: Vec<TestCgroup>,
}

impl Groups {
    fn create(prefix: &str) -> Result<Self, String> {
        let mounts = std::fs::read_to_string("/proc/self/mounts").map_err(|e| e.to_string())?;
        let roots: Vec<PathBuf> = mounts
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() > 2 && (f[2] == "cgroup" || f[2] == "cgroup2"))
                    .then(|| PathBuf::from(f[1]))
            })
            .collect();
        ensure!(!roots.is_empty(), "no cgroup hierarchy mounted");
        let name = unique_name(prefix);
        let mut guards = Vec::new();
        for root in &roots {
            let path = root.join(&name);
            let guard = TestCgroup::adopt(path.clone(), &name)?;
            std::fs::create_dir(&path).map_err(|e| format!("mkdir {}: {e}", path.display()))?;
            guards.push(guard);
            // A cpuset group takes no process until it has cpus and mems: the root's.
            for file in ["cpuset.cpus", "cpuset.mems"] {
                if let Ok(value) = std::fs::read_to_string(root.join(file)) {
                    std::fs::write(path.join(file), value.trim())
                        .map_err(|e| format!("write {}/{file}: {e}", path.display()))?;
                }
            }
        }
        Ok(Groups {
            name,
            roots,
            _guards: guards,
        })
    }

    /// Move a process this test started into `H` in every hierarchy.
    fn adopt_process(&self, pid: i32) -> Result<(), String> {
        for root in &self.roots {
            let procs = root.join(&self.name).join("cgroup.procs");
            std::fs::write(&procs, pid.to_string())
                .map_err(|e| format!("write {}: {e}", procs.display()))?;
        }
        Ok(())
    }

    /// The shell both sides run under: put the sleeper back in `H`, reset `H/g`, `H/g/a` in every
    /// hierarchy, run the tool with argv[0] its bare name, then print the tree below `H` (names,
    /// owners, modes, a few values) and the sleeper's groups, so that effects compare as output.
    fn script(&self, tool: &str, sleeper: i32) -> String {
        let groups: Vec<String> = self
            .roots
            .iter()
            .map(|r| r.join(&self.name).display().to_string())
            .collect();
        let groups = groups.join(" ");
        // Few processes per row (the matrix runs hundreds of them): one find to reset, one mkdir,
        // one find for the tree and one for the values.
        format!(
            r#"set -u
H="{groups}"
for h in $H; do echo {sleeper} > "$h/cgroup.procs"; done
find $H -mindepth 1 -depth -type d -exec rmdir {{}} + 2>/dev/null
mkdir -p $(for h in $H; do printf '%s/g/a ' "$h"; done)
(exec -a {tool} "$0" "$@")
rc=$?
echo "=== state"
find $H -mindepth 1 \( -type d -o -name tasks -o -name cgroup.procs \) -printf "%p %u:%g %m\n" | sort
for f in $(find $H -mindepth 2 \( -name cpu.shares -o -name memory.limit_in_bytes \) | sort); do
    echo "$f = $(<"$f")"
done
grep -E ':(cpu|memory|):' /proc/{sleeper}/cgroup
exit $rc
"#
        )
    }
}

/// The README's Compatibility bullets for the cg tools (libcgroup 3.1.0), each applied to the rows
/// it describes.
fn cg_allowances(tool: &str, row: &[String], args: &[String], check: Differential) -> Differential {
    let has = |word: &str| row.iter().any(|a| a.contains(word));
    let mut check = check.allow(
        "README Compatibility, cg tools: messages 3.1 leaves without final newline end their line",
        |_, o| {
            if !o.stderr.is_empty() && !o.stderr.ends_with('\n') {
                o.stderr.push('\n');
            }
        },
    );
    if tool == "cgcreate" && (has("-a") || has("-t")) {
        check = check.allow(
            "README Compatibility, cg tools: an unknown user or group in cgcreate -a/-t exits 129 (3.1 exits 0)",
            |side, o| {
                if side == Side::Original && o.code == Some(0) && o.stderr.contains("can't find") {
                    o.code = Some(129);
                }
            },
        );
    }
    if tool == "cgcreate" && !row.iter().any(|a| a == "-g") {
        check = check.allow(
            "README Compatibility, cg tools: cgcreate without -g says `no cgroup specified`, exit 129 (3.1 exits 0 silently)",
            |_, o| {
                o.stderr = o.stderr.replace("cgcreate: no cgroup specified\n", "");
                o.code = Some(0);
            },
        );
    }
    check = check.allow(
        "README Compatibility, cg tools: an unparsable -g names the value (3.1 prints the next argument or `(null)`)",
        |_, o| {
            if let Some(at) = o.stderr.find("parsing failed (") {
                o.stderr.truncate(at);
            }
        },
    );
    if has("nosuchctl") && tool != "lssubsys" {
        check = check.allow(
            "README Compatibility, cg tools: an unknown controller is reported, with a non-zero exit (3.1: `controller X can't be add`, 91 or 0; lscgroup: 93)",
            |side, o| {
                // Ours must report it (a non-zero exit); 3.1's outcome is not compared.
                if side == Side::Original || o.code != Some(0) {
                    *o = Outcome::default();
                }
            },
        );
    }
    if tool == "cgset" && has("--copy-from={A}") {
        check = check.allow(
            "README Compatibility, cg tools: cgset --copy-from a group that does not exist exits 82 (3.1: 0)",
            |side, o| {
                if side == Side::Original && o.code == Some(0) {
                    o.code = Some(82);
                }
            },
        );
    }
    if tool == "cgget" && row.iter().any(|a| a == "-c") {
        check = check.allow(
            "README Compatibility, cg tools: cgget -c exits 0 after the list (3.1 always exits 103 there: ECGEOF)",
            |side, o| {
                if side == Side::Original && o.code == Some(103) {
                    o.code = Some(0);
                }
            },
        );
    }
    if tool == "cgget" && row.iter().any(|a| a == "-c") && has("{G}") {
        check = check.allow(
            "README Compatibility, cg tools: cgget -c goes on to the groups named after the list (3.1 stops there, 103)",
            |_, o| {
                // Up to the first group's header (`G:`); the mode and version lines have no colon.
                let (tool, state) = split_state(&o.stdout);
                let listed: String = tool
                    .lines()
                    .take_while(|l| !l.ends_with(':'))
                    .map(|l| format!("{l}\n"))
                    .collect();
                o.stdout = listed + state;
            },
        );
    }
    let help = row.iter().any(|a| a == "-h" || a.starts_with("--h"));
    if tool == "cgget" && (has("{A}") || row == ["-"]) && !help {
        // With -c 3.1 stops after the list, before any group (the bullet above).
        let listing = row.iter().any(|a| a == "-c");
        check = check.allow(
            "README Compatibility, cg tools: cgget of a group that does not exist is an error (82; 3.1 prints an empty block and exits 0)",
            move |side, o| match side {
                // Ours prints no group when one is missing: the message and 82.
                Side::Ours => {
                    if o.code == Some(82) && o.stderr.contains("Cgroup does not exist") {
                        o.stderr.clear();
                        o.code = Some(0);
                    }
                }
                // 3.1 prints the other groups and the missing one's empty block, and exits 0.
                Side::Original => {
                    if o.code == Some(0) && !listing {
                        o.stdout = split_state(&o.stdout).1.to_string();
                    }
                }
            },
        );
    }
    if tool == "cgcreate" {
        check = check.volatile(LIBCGROUP_IDLE_CHILD, libcgroup_idle_child_dropped);
    }
    if tool == "cgclassify" && row.iter().any(|a| a == "-r") {
        check = check.allow(
            "README Compatibility, cg tools: cgclassify -r outside a systemd scope exits 1 (3.1 says `Failed to find idle_thread task`, puts the pid back and exits 0)",
            |side, o| {
                if side == Side::Original
                    && o.code == Some(0)
                    && o.stderr.contains("Failed to find idle_thread task")
                {
                    o.code = Some(1);
                }
            },
        );
    }
    if tool == "lscgroup" && has("cpu,memory:") {
        check = check.allow(
            "README Compatibility, cg tools: lscgroup ctrl1,ctrl2:/G lists the group under each controller (3.1: one hierarchy)",
            blank,
        );
    }
    if tool == "lssubsys" && lssubsys_fails_here(args) {
        check = check.allow(
            "README Compatibility, cg tools: lssubsys works on a hybrid host with mounted v1 controllers (3.1 exits 82 there, after only the unmounted controllers with -a, libcgroup #537)",
            blank,
        );
    }
    if tool == "cgcreate" && has("*:") {
        check = check.allow(
            "README Compatibility, cg tools: cgcreate -g '*:G' makes G in every hierarchy, cgroup2 included",
            blank,
        );
    }
    check
}

/// Whether libcgroup 3.1's lssubsys gives up here with these arguments: exit 82 after printing
/// nothing, or (`-a`) only the controllers no hierarchy mounts (hierarchy 0 in /proc/cgroups).
/// That is what the README's lssubsys bullet is about.
fn lssubsys_fails_here(args: &[String]) -> bool {
    let mut cmd = Command::new(nstools_tests::bins::newest("lssubsys"));
    cmd.arg0("lssubsys").args(args).env("LC_ALL", "C");
    let unmounted: Vec<String> = std::fs::read_to_string("/proc/cgroups")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 4 && f[1] == "0").then(|| f[0].to_string())
        })
        .collect();
    nstools_tests::run::run(&mut cmd).is_ok_and(|o| {
        o.code == Some(82) && o.stdout.lines().all(|l| unmounted.iter().any(|u| u == l))
    })
}

/// A cg row's stdout split into the tool's own part and the wrapper's `=== state` report after it.
fn split_state(stdout: &str) -> (&str, &str) {
    let at = if stdout.starts_with("=== state\n") {
        Some(0)
    } else {
        stdout.find("\n=== state\n").map(|at| at + 1)
    };
    stdout.split_at(at.unwrap_or(stdout.len()))
}

/// libcgroup's rules (`/etc/cgrules.conf`) would move processes into groups not this test's.
fn has_rules() -> bool {
    std::path::Path::new("/etc/cgrules.conf").exists()
}

fn cg_test(tool: &'static str) -> TestResult {
    let plan = plan_of(tool);
    let scratch = Scratch::new()?;
    let groups = Groups::create("ho")?;
    let p = sleeper(Command::new("sleep").arg("300"))?;
    groups.adopt_process(p.pid())?;
    let script = groups.script(tool, p.pid());
    let h = groups.name.clone();
    let fill = Fill {
        pairs: vec![
            ("{G}", format!("{h}/g")),
            ("{A}", format!("{h}/absent")),
            ("{P}", p.pid().to_string()),
            ("{F}", scratch.file()),
            ("{D}", scratch.dir()),
            ("{GONE}", gone_pid()?),
        ],
    };
    let (count, failures) = run_rows(&plan, &fill, |row, check| {
        // Never name pid 1 (not this test's) to a cg tool.
        if row.iter().any(|a| a == "--pid=1") || row.windows(2).any(|w| w[0] == "-p" && w[1] == "1")
        {
            return None;
        }
        let has_group = row.iter().any(|a| a.contains("{G}") || a.contains("{A}"));
        // Without -g, cgexec and cgclassify follow the rules file; cgdelete and lscgroup
        // without a group act on or list the whole host.
        if matches!(tool, "cgexec" | "cgclassify") && !has_group && has_rules() {
            return None;
        }
        let check = cg_allowances(
            tool,
            row,
            &fill.apply(row),
            check.wrapped(&["bash", "-c", &script]),
        );
        let check = if tool == "cgget" {
            check.volatile(
                "memory usage of a fresh group varies between any two runs",
                |_, o| {
                    o.stdout = digits_out(&o.stdout);
                },
            )
        } else {
            check
        };
        let check = if tool == "lscgroup" && !has_group {
            let h = h.clone();
            check.volatile(
                "the host's groups: only this test's are compared",
                move |_, o| {
                    o.stdout = o
                        .stdout
                        .lines()
                        .filter(|l| l.contains(&h) || l.starts_with("===") || !l.contains(':'))
                        .map(|l| format!("{l}\n"))
                        .collect();
                },
            )
        } else {
            check
        };
        Some(check)
    });
    let _ = std::fs::write(
        groups.roots[0].join(&h).join("cgroup.procs"),
        p.pid().to_string(),
    );
    drop(p);
    drop(groups);
    verdict(tool, count, failures)
}

fn main() {
    if std::env::var_os("NSTOOLS_HELDOUT_ROWS").is_some() {
        print_rows();
        return;
    }
    let mut suite = Suite::new();
    suite.test(
        "heldout::unshare",
        &[
            Need::Newest("unshare"),
            Need::Root,
            Need::UserNamespaces,
            Need::MountNamespaces,
        ],
        unshare_test,
    );
    suite.test(
        "heldout::nsenter",
        &[
            Need::Newest("nsenter"),
            Need::Root,
            Need::UserNamespaces,
            Need::Unified,
        ],
        nsenter_test,
    );
    suite.test("heldout::ps", &[Need::Newest("ps")], ps_test);
    suite.test("heldout::memhog", &[Need::Newest("memhog")], memhog_test);
    for tool in nstools_tests::bins::LIBCGROUP_TOOLS {
        let needs = [
            Need::Newest(tool),
            Need::Root,
            Need::CgroupV1("cpu"),
            Need::CgroupV1("memory"),
            Need::Unified,
        ];
        suite.test(&format!("heldout::{tool}"), &needs, move || cg_test(tool));
    }
    suite.run()
}

/// `NSTOOLS_HELDOUT_ROWS=1`: print every generated row (placeholders unfilled) instead of running.
fn print_rows() {
    for p in plans() {
        for r in rows(&p) {
            println!("{} {:?}", p.tool, r);
        }
    }
}
