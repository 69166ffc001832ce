//! Each libcgroup tool's options declared once, read with [`common::getopt`] as libcgroup's
//! `getopt_long` call does.
//!
//! Why not clap: libcgroup acts on each option as getopt returns it (`cgcreate -hz` prints the
//! help, `cgcreate -zh` fails on `-z`; `cgcreate -d 7 -h` fails on the mode), prints glibc's own
//! messages, and a tool that builds a whole clap `Command` to read three options peaks at half a
//! MiB more resident memory than libcgroup's tool (issue 15 item 7). The clap `Command` is still
//! derived from the same declaration ([`Syntax::command`]) for man pages and completions.
//!
//! What is libcgroup's here: an option takes a value in both spellings or in neither (no
//! optional arguments), the help and usage-error texts, and [`Matches`] as the tools ask it.
//! glibc's rules and messages are [`common::getopt`]'s.

use std::ffi::OsString;

use common::getopt::{self, HasArg, Ordering};

/// One option of a tool: its spellings, what both take, and its help for the man page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// What the tool asks [`Matches`] for.
    pub id: &'static str,
    pub short: Option<char>,
    pub long: Option<&'static str>,
    /// What the short letter and the long name take (libcgroup gives both the same).
    pub arg: HasArg,
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
            arg: HasArg::No,
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
        self.arg = HasArg::Required;
        self.value_name = value_name;
        self
    }

    /// `--long` only, no value.
    pub(crate) const fn long_only(id: &'static str, long: &'static str, help: &'static str) -> Opt {
        Opt {
            id,
            short: None,
            long: Some(long),
            arg: HasArg::No,
            value_name: "",
            help,
        }
    }

    /// The getopt row of this option.
    const fn getopt(&self) -> getopt::Opt<&'static str> {
        getopt::Opt {
            id: self.id,
            long: self.long,
            long_arg: self.arg,
            short: self.short,
            short_arg: self.arg,
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
    pub error: Option<getopt::Error>,
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

impl Syntax {
    /// Read `args` (`args[0]` is the program) as getopt_long does.
    pub(crate) fn getopt(&self, args: &[OsString]) -> Matches {
        let table: Vec<getopt::Opt<&'static str>> = self.opts.iter().map(Opt::getopt).collect();
        let ordering = match self.stop_at_operand {
            true => Ordering::RequireOrder,
            false => Ordering::Permute,
        };
        let scan = getopt::parse(args.get(1..).unwrap_or_default(), &table, ordering);
        Matches {
            given: scan.found.into_iter().map(|f| (f.id, f.value)).collect(),
            operands: scan.operands,
            error: scan.error,
        }
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
            // cgcreate's empty long name (`--=cpu:G`) is getopt's alone: clap has no such spelling.
            if let Some(l) = o.long.filter(|l| !l.is_empty()) {
                arg = arg.long(l);
            }
            arg = match o.arg {
                HasArg::No => arg.action(ArgAction::SetTrue),
                HasArg::Required | HasArg::Optional => {
                    arg.value_name(o.value_name).action(ArgAction::Append)
                }
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
    }

    /// glibc prints what was typed byte for byte, a lone non-ASCII option byte included.
    #[test]
    fn messages_keep_the_typed_bytes() {
        use std::os::unix::ffi::OsStringExt;
        for (word, text) in [
            (&b"-\xe9"[..], &b"invalid option -- '\xe9'"[..]),
            (b"--\xe9x=\xff", b"unrecognized option '--\xe9x=\xff'"),
        ] {
            let argv = [OsString::from("t"), OsString::from_vec(word.to_vec())];
            let error = PERMUTE.getopt(&argv).error.expect("an error");
            assert_eq!(error.to_bytes(), text, "{word:?}");
        }
    }

    #[test]
    fn the_clap_command_has_every_option() {
        let cmd = PERMUTE.command();
        cmd.clone().debug_assert();
        assert_eq!(cmd.get_arguments().count(), OPTS.len() + 1);
    }
}
