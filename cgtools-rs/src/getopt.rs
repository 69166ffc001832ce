//! glibc's `getopt_long` as libcgroup's tools call it, and each tool's options declared once.
//!
//! Why not clap: libcgroup acts on each option as getopt returns it (`cgcreate -hz` prints the
//! help, `cgcreate -zh` fails on `-z`; `cgcreate -d 7 -h` fails on the mode), prints glibc's own
//! messages, and a tool that builds a whole clap `Command` to read three options peaks at half a
//! MiB more resident memory than libcgroup's tool (issue 15 item 7). The clap `Command` is still
//! derived from the same declaration ([`Syntax::command`]) for man pages and completions.
//!
//! The rules (glibc `posix/getopt.c`): options and operands may be mixed (operands are collected
//! in order) unless the syntax stops at the first operand (optstring `+...`, cgexec and
//! cgclassify); `--` ends the options; `-` alone is an operand; short options cluster (`-nv`) and
//! take their value from the rest of the word or the next word; long options take `--name=value`
//! or `--name value` and may be abbreviated to an unambiguous prefix.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    Nothing,
    Value,
}

/// One option of a tool: its spellings, whether it takes a value, and its help for the man page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// What the tool asks [`Matches`] for.
    pub id: &'static str,
    pub short: Option<char>,
    pub long: Option<&'static str>,
    pub takes: Takes,
    /// The value's name in the man page (`mode`, `controllers>:<path`).
    pub value_name: &'static str,
    /// One line for the man page and completions.
    pub help: &'static str,
}

impl Opt {
    /// `-X` only, no value.
    pub(crate) const fn flag(id: &'static str, short: char, help: &'static str) -> Opt {
        Opt {
            id,
            short: Some(short),
            long: None,
            takes: Takes::Nothing,
            value_name: "",
            help,
        }
    }

    /// This option also spelled `--long`.
    pub(crate) const fn long(mut self, long: &'static str) -> Opt {
        self.long = Some(long);
        self
    }

    /// This option takes a value named `value_name`.
    pub(crate) const fn value(mut self, value_name: &'static str) -> Opt {
        self.takes = Takes::Value;
        self.value_name = value_name;
        self
    }

    /// `--long` only, no value.
    pub(crate) const fn long_only(id: &'static str, long: &'static str, help: &'static str) -> Opt {
        Opt {
            id,
            short: None,
            long: Some(long),
            takes: Takes::Nothing,
            value_name: "",
            help,
        }
    }
}

/// `-h`/`--help`, which every tool has.
pub(crate) const HELP: Opt = Opt::flag("help", 'h', "Display this help").long("help");

/// A tool's whole command line: its options and what its operands are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    pub name: &'static str,
    pub about: &'static str,
    pub opts: &'static [Opt],
    /// The operands' name and help for the man page (`None`: the tool takes none).
    pub operands: Option<(&'static str, &'static str)>,
    /// getopt's `+`: options end at the first operand (the rest belongs to the operands).
    pub stop_at_operand: bool,
    /// The `-h` text (`{prog}` stands for argv[0]).
    pub help: &'static str,
    /// The help option as the usage-error line names it (libcgroup 3.1's spelling per tool, stray
    /// quotes included: `--help'`, `'-h'`).
    pub try_help: &'static str,
}

/// What getopt returned, in order, up to the first error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Matches {
    /// Each option as getopt returned it: its id and value.
    pub given: Vec<(&'static str, Option<OsString>)>,
    /// The operands, in order.
    pub operands: Vec<OsString>,
    /// getopt's error, where it stopped (options after it were not read).
    pub error: Option<GetoptError>,
}

impl Matches {
    /// Whether option `id` was given.
    pub(crate) fn flag(&self, id: &str) -> bool {
        self.given.iter().any(|(g, _)| *g == id)
    }

    /// The last value of option `id` (as the C tools keep it), lossily as text.
    pub(crate) fn one(&self, id: &str) -> Option<String> {
        self.given
            .iter()
            .rev()
            .find(|(g, _)| *g == id)
            .and_then(|(_, v)| v.as_deref())
            .map(|v| v.to_string_lossy().into_owned())
    }

    /// Every value of option `id`, in command-line order.
    pub(crate) fn values(&self, id: &str) -> Vec<String> {
        self.given
            .iter()
            .filter(|(g, _)| *g == id)
            .filter_map(|(_, v)| v.as_deref())
            .map(|v| v.to_string_lossy().into_owned())
            .collect()
    }

    /// The operands, lossily as text.
    pub(crate) fn operand_texts(&self) -> Vec<String> {
        self.operands
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect()
    }
}

/// glibc's getopt messages (printed after `PROG: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GetoptError {
    /// `-z`: the byte as typed.
    Invalid(u8),
    /// `--bogus` / `--bogus=1`: the word without its dashes.
    Unrecognized(OsString),
    /// `-g` at the end.
    ShortNeedsValue(char),
    /// `--dperm` at the end: the full long name.
    LongNeedsValue(&'static str),
    /// `--help=x`: the full long name.
    LongTakesNoValue(&'static str),
    /// `--s`, `--t=0750`: the whole word as typed (without dashes, with any `=value`, as glibc
    /// quotes it) and the names it could be, in the table's order.
    Ambiguous(OsString, Vec<&'static str>),
}

impl fmt::Display for GetoptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetoptError::Invalid(c) => {
                f.write_str("invalid option -- '")?;
                // glibc prints the byte itself; a lone non-ASCII byte is not UTF-8.
                f.write_str(&String::from_utf8_lossy(&[*c]))?;
                f.write_str("'")
            }
            GetoptError::Unrecognized(w) => {
                write!(f, "unrecognized option '--{}'", w.to_string_lossy())
            }
            GetoptError::ShortNeedsValue(c) => write!(f, "option requires an argument -- '{c}'"),
            GetoptError::LongNeedsValue(l) => write!(f, "option '--{l}' requires an argument"),
            GetoptError::LongTakesNoValue(l) => {
                write!(f, "option '--{l}' doesn't allow an argument")
            }
            GetoptError::Ambiguous(w, names) => {
                write!(
                    f,
                    "option '--{}' is ambiguous; possibilities:",
                    w.to_string_lossy()
                )?;
                for n in names {
                    write!(f, " '--{n}'")?;
                }
                Ok(())
            }
        }
    }
}

impl Syntax {
    /// Read `args` (`args[0]` is the program) as getopt_long does.
    pub(crate) fn getopt(&self, args: &[OsString]) -> Matches {
        let mut m = Matches::default();
        let mut i = 1;
        while i < args.len() {
            let word = args[i].as_bytes();
            i += 1;
            if word == b"--" {
                m.operands.extend(args[i..].iter().cloned());
                return m;
            }
            if word.len() < 2 || word[0] != b'-' {
                m.operands.push(OsString::from(OsStr::from_bytes(word)));
                if self.stop_at_operand {
                    m.operands.extend(args[i..].iter().cloned());
                    return m;
                }
                continue;
            }
            let step = if let Some(long) = word.strip_prefix(b"--") {
                self.long(long, args, &mut i, &mut m)
            } else {
                self.shorts(&word[1..], args, &mut i, &mut m)
            };
            if let Err(e) = step {
                m.error = Some(e);
                return m;
            }
        }
        m
    }

    /// `--name[=value]`, the dashes stripped.
    fn long(
        &self,
        word: &[u8],
        args: &[OsString],
        next: &mut usize,
        m: &mut Matches,
    ) -> Result<(), GetoptError> {
        let (name, inline) = match word.iter().position(|&b| b == b'=') {
            Some(eq) => (&word[..eq], Some(&word[eq + 1..])),
            None => (word, None),
        };
        let longs = || self.opts.iter().filter_map(|o| o.long.map(|l| (o, l)));
        let opt = match longs().find(|(_, l)| l.as_bytes() == name) {
            Some((o, _)) => o,
            None => {
                let candidates: Vec<(&Opt, &'static str)> = longs()
                    .filter(|(_, l)| l.as_bytes().starts_with(name))
                    .collect();
                match candidates.as_slice() {
                    [] => {
                        return Err(GetoptError::Unrecognized(
                            OsStr::from_bytes(word).to_os_string(),
                        ))
                    }
                    [(o, _)] => *o,
                    _ => {
                        return Err(GetoptError::Ambiguous(
                            OsStr::from_bytes(word).to_os_string(),
                            candidates.iter().map(|(_, l)| *l).collect(),
                        ))
                    }
                }
            }
        };
        let long = opt.long.unwrap_or_default();
        let value = match (opt.takes, inline) {
            (Takes::Nothing, Some(_)) => return Err(GetoptError::LongTakesNoValue(long)),
            (Takes::Nothing, None) => None,
            (Takes::Value, Some(v)) => Some(OsStr::from_bytes(v).to_os_string()),
            (Takes::Value, None) => match args.get(*next) {
                Some(v) => {
                    *next += 1;
                    Some(v.clone())
                }
                None => return Err(GetoptError::LongNeedsValue(long)),
            },
        };
        m.given.push((opt.id, value));
        Ok(())
    }

    /// A cluster of short options, the dash stripped.
    fn shorts(
        &self,
        cluster: &[u8],
        args: &[OsString],
        next: &mut usize,
        m: &mut Matches,
    ) -> Result<(), GetoptError> {
        for (at, &c) in cluster.iter().enumerate() {
            let opt = self
                .opts
                .iter()
                .find(|o| o.short.is_some_and(|s| s as u32 == u32::from(c)))
                .ok_or(GetoptError::Invalid(c))?;
            if opt.takes == Takes::Nothing {
                m.given.push((opt.id, None));
                continue;
            }
            let rest = &cluster[at + 1..];
            let value = if !rest.is_empty() {
                OsStr::from_bytes(rest).to_os_string()
            } else if let Some(v) = args.get(*next) {
                *next += 1;
                v.clone()
            } else {
                return Err(GetoptError::ShortNeedsValue(c as char));
            };
            m.given.push((opt.id, Some(value)));
            return Ok(());
        }
        Ok(())
    }

    /// The clap command for man pages and completions, from the same declaration.
    pub(crate) fn command(&self) -> clap::Command {
        use clap::{Arg, ArgAction};
        let mut cmd = clap::Command::new(self.name)
            .about(self.about)
            .version(common::VERSION)
            .disable_help_flag(true)
            .disable_version_flag(true);
        for o in self.opts {
            let mut arg = Arg::new(o.id).help(o.help);
            if let Some(s) = o.short {
                arg = arg.short(s);
            }
            if let Some(l) = o.long {
                arg = arg.long(l);
            }
            arg = match o.takes {
                Takes::Nothing => arg.action(ArgAction::SetTrue),
                Takes::Value => arg.value_name(o.value_name).action(ArgAction::Append),
            };
            cmd = cmd.arg(arg);
        }
        if let Some((name, help)) = self.operands {
            cmd = cmd.arg(
                Arg::new("operands")
                    .value_name(name)
                    .action(ArgAction::Append)
                    .help(help),
            );
        }
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[
        HELP,
        Opt::flag("dperm", 'd', "dir mode")
            .long("dperm")
            .value("mode"),
        Opt::flag("scope", 'c', "scope").long("scope"),
        Opt::flag("setdefault", 'S', "default").long("setdefault"),
        Opt::flag("n", 'n', "no headers"),
        Opt::flag("group", 'g', "group").value("g"),
        Opt::long_only("sticky", "sticky", "sticky"),
    ];
    const PERMUTE: Syntax = Syntax {
        name: "t",
        about: "t",
        opts: OPTS,
        operands: Some(("x", "x")),
        stop_at_operand: false,
        help: "",
        try_help: "-h",
    };
    const PLUS: Syntax = Syntax {
        stop_at_operand: true,
        ..PERMUTE
    };

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("t")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn given(m: &Matches) -> Vec<String> {
        m.given
            .iter()
            .map(|(id, v)| match v {
                Some(v) => format!("{id}={}", v.to_string_lossy()),
                None => id.to_string(),
            })
            .collect()
    }

    #[test]
    fn options_values_operands() {
        let m = PERMUTE.getopt(&argv(&[
            "a", "-ng", "cpu:x", "-d", "755", "b", "--dp=7", "--sti",
        ]));
        assert_eq!(
            given(&m),
            ["n", "group=cpu:x", "dperm=755", "dperm=7", "sticky"]
        );
        assert_eq!(m.operand_texts(), ["a", "b"]);
        assert_eq!(m.one("dperm").as_deref(), Some("7"));
        assert_eq!(m.values("dperm"), ["755", "7"]);
        assert!(m.flag("sticky") && !m.flag("help") && m.error.is_none());
        let m = PERMUTE.getopt(&argv(&["-gx", "--", "-n", "-"]));
        assert_eq!(given(&m), ["group=x"]);
        assert_eq!(m.operand_texts(), ["-n", "-"]);
        let m = PERMUTE.getopt(&argv(&["--dperm", "--scope"]));
        assert_eq!(given(&m), ["dperm=--scope"]);
    }

    #[test]
    fn plus_stops_at_the_first_operand() {
        let m = PLUS.getopt(&argv(&["-g", "x", "sh", "-n", "--scope"]));
        assert_eq!(given(&m), ["group=x"]);
        assert_eq!(m.operand_texts(), ["sh", "-n", "--scope"]);
    }

    #[test]
    fn errors_stop_reading_with_glibc_text() {
        for (words, text, before) in [
            (&["-n", "-z", "-h"][..], "invalid option -- 'z'", 1),
            (&["-hz"], "invalid option -- 'z'", 1),
            (&["--bogus=3"], "unrecognized option '--bogus=3'", 0),
            (&["-g"], "option requires an argument -- 'g'", 0),
            (&["--dperm"], "option '--dperm' requires an argument", 0),
            (
                &["--help=x"],
                "option '--help' doesn't allow an argument",
                0,
            ),
            (
                &["--s"],
                "option '--s' is ambiguous; possibilities: '--scope' '--setdefault' '--sticky'",
                0,
            ),
            (
                &["--s=1"],
                "option '--s=1' is ambiguous; possibilities: '--scope' '--setdefault' '--sticky'",
                0,
            ),
        ] {
            let m = PERMUTE.getopt(&argv(words));
            let e = m.error.clone().expect("an error");
            assert_eq!(e.to_string(), text, "{words:?}");
            assert_eq!(m.given.len(), before, "{words:?}");
        }
        assert_eq!(
            GetoptError::Invalid(0xc3).to_string(),
            "invalid option -- '\u{fffd}'"
        );
    }

    #[test]
    fn the_clap_command_has_every_option() {
        let cmd = PERMUTE.command();
        cmd.clone().debug_assert();
        assert_eq!(cmd.get_arguments().count(), OPTS.len() + 1);
    }
}
