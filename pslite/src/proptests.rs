//! Properties of `ps` (the fuzz suite, issue 15), in process:
//! - any argv (made as `main` makes it: lossy text) in any environment (`COLUMNS`, `PS_FORMAT`,
//!   `PS_PERSONALITY`...) resolves to a plan or to procps's `error: ...` without a panic;
//! - `/proc/PID/stat` with any bytes in the command name (`)`, newlines, `(`), cut anywhere, with
//!   huge numbers, and `/proc/PID/status` with any lines, parse without a panic, exactly where
//!   they are well formed;
//!   (control bytes in a name are the printer's business: procps escapes them on output);
//! - a whole run (`run_to`) of a plan from a mix of formats, selections, sorts and thread/forest
//!   modes over a fixture /proc of hostile files ends with status 0 or 1 and prints only lines
//!   without control characters.
//!
//! `PROPTEST_CASES=N` runs N cases per property.

use common::fuzz::{check_message, number_text, option_words, raw_bytes};
use proptest::prelude::*;

use crate::cli::{parse, Action, Env, Lookup};
use crate::proc::{escape_lib, parse_i64, parse_stat, parse_status, Proc, ProcFs};
use crate::run::{check_conflicts, run_to};

/// Users `root` (0) and `alice` (1000), group `users` (100), terminal `/dev/pts/0`.
struct FakeLookup;

impl Lookup for FakeLookup {
    fn uid_by_name(&self, name: &str) -> Option<u32> {
        [("root", 0), ("alice", 1000)]
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, id)| *id)
    }
    fn gid_by_name(&self, name: &str) -> Option<u32> {
        (name == "users").then_some(100)
    }
    fn stat_rdev(&self, path: &str) -> Option<(bool, u64)> {
        (path == "/dev/pts/0").then_some((true, 0x8800))
    }
}

/// The format specifier names, from `ps L` (the listing procps prints, so the names survive any
/// reshaping of the table).
fn spec_names() -> Vec<String> {
    crate::spec::listing()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Option words: GNU and UNIX options of the clap description, BSD clusters, and the words
/// their values are made of.
fn words() -> (Vec<String>, Vec<String>) {
    let mut options = option_words(&crate::command());
    options.extend(
        [
            "aux", "axjf", "ef", "L", "f", "e", "w", "ww", "c", "j", "l", "s", "u", "v", "x", "T",
            "r", "O", "o", "p", "t", "U", "k", "q", "h", "H", "m", "n", "S", "X", "Z", "-eLf",
            "-ef", "-A", "--forest", "--sort", "--format", "-o", "+", "-", "1", "+1", "-1",
        ]
        .map(String::from),
    );
    let mut values = spec_names();
    values.extend(
        [
            "pid,ppid,comm",
            "pid=X",
            "pid:10",
            "comm=",
            "+pid",
            "-rss",
            "pid,,comm",
            "%cpu",
            "root",
            "alice",
            "0",
            "1000",
            "users",
            "pts/0",
            "/dev/pts/0",
            "?",
            "-",
            "1,2",
            "1 2",
            "all",
            "simple",
            "a",
            "%p %c",
            "%z",
            "pid:",
            "pid:x",
            "=",
        ]
        .map(String::from),
    );
    (options, values)
}

fn ps_args() -> impl Strategy<Value = Vec<String>> {
    let (options, values) = words();
    prop::collection::vec(common::fuzz::arg(options, values), 0..7).prop_map(|args| {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    })
}

fn env() -> impl Strategy<Value = Env> {
    let text = || {
        prop::option::of(prop_oneof![
            number_text(),
            prop::sample::select(vec![
                "linux", "bsd", "sysv", "posix", "aix", "hpux", "irix", "sunos", "old", "debian",
                "unix95", "gnu", "", "pid,comm", "%p", "nosuch",
            ])
            .prop_map(str::to_string),
        ])
    };
    (
        prop::option::of((any::<u16>(), any::<u16>())),
        any::<bool>(),
        (text(), text(), text(), text()),
        (text(), any::<bool>(), text()),
        (any::<u32>(), 0usize..12),
    )
        .prop_map(
            |(
                winsize,
                stdout_is_tty,
                (columns, lines, ps_format, personality),
                (cmd_env, broken_ps, xpg),
                (cached_tty, pid_length),
            )| Env {
                winsize,
                stdout_is_tty,
                columns,
                lines,
                ps_format,
                personality,
                cmd_env,
                broken_ps,
                xpg,
                cached_tty,
                pid_length,
            },
        )
}

/// A command name as the kernel could show it in stat: up to 64 bytes of anything but NUL.
fn comm() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        raw_bytes(64),
        prop::collection::vec(
            prop::sample::select(b") (\n\t\x1bxy\xc3\xa9\xff".to_vec()),
            0..20
        ),
    ]
}

/// Numbers as a parser may meet them: any i64 or u64.
fn any_number() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("0".to_string()),
    ]
    .boxed()
}

/// A field value as a parser may meet it: any number, odd number text, any bytes.
fn parser_value() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        any_number().prop_map(String::into_bytes),
        number_text().prop_map(String::into_bytes),
        raw_bytes(24),
    ]
    .boxed()
}

/// Numbers a kernel can write: counters far below 2^64 (the printers' arithmetic, like procps's,
/// assumes so), negative ids and priorities.
fn kernel_number() -> BoxedStrategy<String> {
    prop_oneof![
        (-100_000i64..1 << 40).prop_map(|n| n.to_string()),
        Just("0".to_string()),
    ]
    .boxed()
}

/// A stat line: `pid (comm) state` and 49 numbers; also the command name and ppid written.
fn stat_line(number: BoxedStrategy<String>) -> impl Strategy<Value = (Vec<u8>, Vec<u8>, i64)> {
    (
        comm(),
        prop::sample::select(b"RSDZTtXIWK?".to_vec()),
        prop::collection::vec(number, 49),
    )
        .prop_map(|(comm, state, mut numbers)| {
            // rsslim (field 25) is "unlimited" on most processes.
            if numbers[21] == "0" {
                numbers[21] = u64::MAX.to_string();
            }
            let mut line = b"42 (".to_vec();
            line.extend(&comm);
            line.extend(format!(") {} {}\n", state as char, numbers.join(" ")).as_bytes());
            let ppid = numbers[0].parse::<i128>().unwrap_or(0) as i64;
            (line, comm, ppid)
        })
}

/// status text: the fields ps reads with `value`s, a `Name` of any bytes, and junk lines when
/// `junk`.
fn status_text(value: BoxedStrategy<Vec<u8>>, junk: bool) -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        "State", "PPid", "ShdPnd", "SigBlk", "SigCgt", "SigIgn", "SigPnd", "Tgid", "Pid",
        "Threads", "Uid", "Gid", "VmData", "VmExe", "VmLck", "VmLib", "VmRSS", "VmSize", "VmStk",
        "Groups", "NSpid", "",
    ]);
    let field = (name, value, any::<bool>()).prop_map(|(n, v, tab)| {
        let mut l = format!("{n}:{}", if tab { "\t" } else { " " }).into_bytes();
        l.extend(v);
        l
    });
    let command = raw_bytes(24).prop_map(|v| [b"Name:\t".to_vec(), v].concat());
    let line = prop_oneof![
        4 => field,
        1 => command,
        (junk as u32) => raw_bytes(30),
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| lines.join(&b'\n'))
}

/// Files of one process in a fixture /proc: any bytes, numbers in the kernel's ranges.
fn process_files() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let names = [
        "status",
        "statm",
        "io",
        "smaps_rollup",
        "environ",
        "cmdline",
        "cgroup",
        "oom_score",
        "oom_score_adj",
        "loginuid",
        "autogroup",
    ];
    let content = || {
        prop_oneof![
            kernel_number().prop_map(String::into_bytes),
            raw_bytes(40),
            "(Pss|Private_Clean|Private_Dirty|rchar|/autogroup-[0-9]{1,20} nice|[0-9]+:[a-z=,]*:/[a-z./]*): *[0-9]{1,12}( kB)?"
                .prop_map(String::into_bytes),
        ]
    };
    let wchan = prop_oneof![Just("0".to_string()), "[._a-z0-9]{0,30}"];
    // Kernel-written fields: numbers, hex signal masks (printed as they are, as procps does).
    let status_value = prop_oneof![
        kernel_number().prop_map(String::into_bytes),
        "[0-9a-f]{16}".prop_map(String::into_bytes),
    ]
    .boxed();
    (
        stat_line(kernel_number()),
        status_text(status_value, false),
        wchan,
        prop::collection::vec(content(), names.len()),
    )
        .prop_map(move |((stat, _, _), status, wchan, rest)| {
            // wchan is a kernel symbol name, which procps prints unescaped.
            let mut files = vec![
                ("stat", stat),
                ("status", status),
                ("wchan", wchan.into_bytes()),
            ];
            for (name, bytes) in names.iter().skip(1).zip(rest) {
                files.push((name, bytes));
            }
            files
        })
}

/// Args for a whole run: formats, selections, sorts, thread and forest modes (no widths, which
/// may legitimately ask for gigabyte lines).
fn run_args() -> impl Strategy<Value = Vec<String>> {
    let names: Vec<String> = spec_names();
    let format = prop::collection::vec(prop::sample::select(names), 1..6).prop_map(|n| n.join(","));
    let piece = prop_oneof![
        3 => format.clone().prop_map(|f| vec!["-o".to_string(), f]),
        1 => format.prop_map(|f| vec![format!("--sort={}", f.replace(',', ",-"))]),
        4 => prop::sample::select(vec![
            "-e", "-A", "aux", "-ef", "-eLf", "-eTf", "axjf", "--forest", "-H", "m", "-m", "-L",
            "-T", "-N", "-p1", "-p42", "-u0", "--ppid=1", "-l", "-j", "-F", "-y", "-c", "f", "e",
            "S", "c", "-w", "--no-headers", "--headers", "-q42", "r",
        ])
        .prop_map(|a| vec![a.to_string()]),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn any_argv_in_any_environment_plans_or_is_refused_in_procps_words(args in ps_args(), env in env()) {
        match parse(&args, &env, &FakeLookup) {
            Action::Error(msg, warnings) => {
                check_message(&format!("error: {msg}"), "error: ", &["format specifier \""])?;
                for w in warnings {
                    check_message(&w, "", &["format specifier \""])?;
                }
            }
            Action::Run(plan) => {
                if let Err(msg) = check_conflicts(&plan) {
                    check_message(&msg, "", &[])?;
                }
                for w in &plan.warnings {
                    check_message(w, "", &["format specifier \""])?;
                }
            }
            Action::Failure(place_and_message) => {
                prop_assert!(place_and_message.starts_with("src/ps/"), "{}", place_and_message);
            }
            Action::Help(_) | Action::Version | Action::List | Action::Info => {}
        }
    }

    #[test]
    fn stat_with_any_command_name_parses_exactly((line, comm, ppid) in stat_line(any_number()), cut in any::<prop::sample::Index>(), utf8 in any::<bool>()) {
        let mut p = Proc::default();
        prop_assert!(parse_stat(&line, &mut p, utf8));
        prop_assert_eq!(p.ppid, ppid as i32);
        prop_assert_eq!(&p.cmd, &escape_lib(&comm[..comm.len().min(63)], utf8));
        // Cut anywhere: no panic.
        let _ = parse_stat(&line[..cut.index(line.len() + 1)], &mut Proc::default(), utf8);
    }

    #[test]
    fn status_with_any_lines(text in status_text(parser_value(), true), is_proc in any::<bool>(), want_cmd in any::<bool>(), utf8 in any::<bool>(), uids in prop::array::uniform4(any::<u32>())) {
        let mut p = Proc::default();
        parse_status(&text, &mut p, is_proc, want_cmd, utf8);
        // A well-formed Uid line is read exactly, whatever surrounds it.
        let mut with_uid = text.clone();
        with_uid.extend(format!("\nUid:\t{}\t{}\t{}\t{}\n", uids[0], uids[1], uids[2], uids[3]).as_bytes());
        let mut p = Proc::default();
        parse_status(&with_uid, &mut p, is_proc, want_cmd, utf8);
        prop_assert_eq!([p.ruid, p.euid, p.suid, p.fuid], uids);
    }

    #[test]
    fn numbers_in_proc_files_never_overflow(text in number_text(), junk in raw_bytes(24)) {
        let _ = parse_i64(text.as_bytes());
        let _ = parse_i64(&junk);
    }

    #[test]
    fn a_whole_run_over_hostile_proc_files(
        args in run_args(),
        processes in prop::collection::vec(process_files(), 1..4),
        clock in prop::sample::select(vec![("100.00 50.00\n", "btime 1000000\n", "MemTotal: 10000 kB\n"), ("", "", ""), ("nan x", "btime -1", "MemTotal: 0 kB"), ("1e12", "btime 99999999999999999999", "MemTotal: x kB")]),
        utf8 in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, files) in processes.iter().enumerate() {
            let pid = dir.path().join((i + 1).to_string());
            std::fs::create_dir_all(pid.join("task").join((i + 1).to_string())).expect("mkdir");
            for (name, bytes) in files {
                std::fs::write(pid.join(name), bytes).expect("write");
            }
        }
        std::fs::write(dir.path().join("uptime"), clock.0).expect("write");
        std::fs::write(dir.path().join("stat"), clock.1).expect("write");
        std::fs::write(dir.path().join("meminfo"), clock.2).expect("write");
        let env = Env { pid_length: 5, winsize: Some((24, 80)), ..Env::default() };
        let Action::Run(plan) = parse(&args, &env, &FakeLookup) else {
            return Ok(());
        };
        if check_conflicts(&plan).is_err() {
            return Ok(());
        }
        let root = dir.path().to_str().expect("UTF-8 temp dir");
        let (code, out) = run_to(&plan, root, Vec::new(), utf8, 0, 1_000_100);
        prop_assert!(code <= 1, "status {}", code);
        prop_assert!(
            out.iter().all(|&c| c == b'\n' || (c >= 0x20 && c != 0x7f)),
            "control byte in {:?}",
            String::from_utf8_lossy(&out)
        );
        // Every process of the fixture is read without a panic too, with every need.
        let mut fs = ProcFs::new(root, utf8);
        for pid in fs.pids() {
            let _ = fs.read(pid, pid, u32::MAX);
        }
    }
}
