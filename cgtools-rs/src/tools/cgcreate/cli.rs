//! cgcreate's command line as typed arguments, with libcgroup's checks in libcgroup's order: each
//! option's value as getopt returns it (a bad value before `-h` is an error, after it the help
//! wins), then the combinations of options.

use std::ffi::OsString;

use super::SYNTAX;
use crate::error::{Failure, Words};
use crate::group::CreateOptions;
use crate::spec::{parse_mode, parse_owner, parse_spec, Spec};
use crate::tools::{bad_args, parse_checked, EXIT_BADARGS};

/// What cgcreate was asked to make.
#[derive(Debug)]
pub(crate) struct Request {
    /// `-a -t -d -f -s`.
    pub owners: CreateOptions,
    /// The `-g` groups, in the order given (never empty).
    pub specs: Vec<Spec>,
    pub how: How,
}

/// Plain groups or systemd scopes (`-c`): `-b` and `-c` exclude each other, `-p` and `-S` need `-c`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// Paths relative to the default scope, unless `-b`.
    Plain { ignore_default: bool },
    /// `-c`: each group is a scope (its name is checked when libcgroup reaches it, in the plan);
    /// `pid` is `-p`, `set_default` is `-S`.
    Scope { pid: Option<u32>, set_default: bool },
}

/// The option values as getopt hands them over, each already checked.
#[derive(Default)]
struct Values {
    owners: CreateOptions,
    pid: Option<u32>,
    specs: Vec<Spec>,
}

/// Read the command line; `Ok(None)` when there is nothing to do: `-h` was handled (help printed),
/// or no `-g` was given (libcgroup 3.1 then creates nothing and exits 0, silently; with no
/// argument at all it prints its usage error).
pub(crate) fn parse(prog: &str, args: &[OsString]) -> Result<Option<Request>, Failure> {
    if args.len() < 2 {
        return Err(bad_args(&SYNTAX));
    }
    let mut values = Values::default();
    let check = |id: &str, text: &str| take(&mut values, prog, id, text);
    let Some(m) = parse_checked(&SYNTAX, prog, args, check)? else {
        return Ok(None);
    };
    let usage = |text: String| Err(Failure::prog(EXIT_BADARGS, text));
    let scope = m.flag("scope");
    if scope && m.flag("ignore-default") {
        return usage("\"-b\" and \"-c\" are mutually exclusive".into());
    }
    if !scope && m.flag("setdefault") {
        return usage("\"-S\" requires \"-c\" to be provided".into());
    }
    if values.pid.is_some() && !scope {
        return usage("\"-p\" requires \"-c\" to be provided".into());
    }
    if let Some(extra) = m.operand_texts().first() {
        return usage(format!("wrong arguments ({extra})"));
    }
    if values.specs.is_empty() {
        return Ok(None);
    }
    let how = if scope {
        How::Scope {
            pid: values.pid,
            set_default: m.flag("setdefault"),
        }
    } else {
        How::Plain {
            ignore_default: m.flag("ignore-default"),
        }
    };
    Ok(Some(Request {
        owners: values.owners,
        specs: values.specs,
        how,
    }))
}

/// Check and keep one option's value, as libcgroup does when getopt returns it.
fn take(values: &mut Values, prog: &str, id: &str, text: &str) -> Result<(), Failure> {
    let usage = |text: String| Err(Failure::prog(EXIT_BADARGS, text));
    let owners = &mut values.owners;
    match id {
        // libcgroup exits 0 here without creating anything; an error is an error.
        "admin" | "task" => match parse_owner(text) {
            Ok(o) if id == "admin" => owners.admin = o,
            Ok(o) => owners.task = o,
            Err(e) => return usage(e.to_string()),
        },
        "dperm" | "fperm" | "tperm" => {
            let Some(mode) = parse_mode(text) else {
                // libcgroup prints this one on stdout.
                return Err(Failure::new(255)
                    .then(Words::Stdout(format!("{prog} wrong mode format {text}\n"))));
            };
            match id {
                "dperm" => owners.dperm = Some(mode),
                "fperm" => owners.fperm = Some(mode),
                _ => owners.tperm = Some(mode),
            }
        }
        "pid" => match text.parse::<i64>() {
            Ok(p) if p > 1 && p <= i64::from(i32::MAX) => values.pid = Some(p as u32),
            _ => return usage(format!("Invalid pid {text}")),
        },
        "group" => match parse_spec(text) {
            Some(spec) => values.specs.push(spec),
            None => {
                return usage(format!(
                    "cgroup controller and path parsing failed ({text})"
                ))
            }
        },
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Option<Request>, Failure> {
        parse("cgcreate", &crate::tools::fixtures::argv("cgcreate", args))
    }

    fn usage_error(args: &[&str]) -> String {
        match parsed(args) {
            Err(Failure { status, words }) => {
                assert_eq!(status, EXIT_BADARGS, "{args:?}");
                match words.as_slice() {
                    [Words::Prog(text)] => text.clone(),
                    other => panic!("{args:?}: {other:?}"),
                }
            }
            Ok(r) => panic!("{args:?} accepted: {r:?}"),
        }
    }

    #[test]
    fn b_and_c_exclude_each_other() {
        assert_eq!(
            usage_error(&["-b", "-c", "-g", "cpu:a.slice/b.scope"]),
            "\"-b\" and \"-c\" are mutually exclusive"
        );
    }

    #[test]
    fn s_and_p_need_c() {
        assert_eq!(
            usage_error(&["-S", "-g", "cpu:a"]),
            "\"-S\" requires \"-c\" to be provided"
        );
        assert_eq!(
            usage_error(&["-p", "1234", "-g", "cpu:a"]),
            "\"-p\" requires \"-c\" to be provided"
        );
        // -S is checked before -p, as libcgroup does.
        assert_eq!(
            usage_error(&["-p", "1234", "-S", "-g", "cpu:a"]),
            "\"-S\" requires \"-c\" to be provided"
        );
    }

    #[test]
    fn a_bad_value_is_reported_when_getopt_reaches_it() {
        assert_eq!(
            usage_error(&["-c", "-p", "1", "-g", "cpu:a"]),
            "Invalid pid 1"
        );
        assert_eq!(
            usage_error(&["-g", "cpu", "-p", "x"]),
            "cgroup controller and path parsing failed (cpu)"
        );
        let Err(mode) = parsed(&["-d", "8888", "-g", "cpu:a"]) else {
            panic!("a bad mode is accepted")
        };
        assert_eq!(mode.status, 255);
        assert_eq!(
            mode.words,
            [Words::Stdout("cgcreate wrong mode format 8888\n".into())]
        );
    }

    #[test]
    fn options_without_a_group_ask_for_nothing() {
        assert!(parsed(&["-c", "-S"]).unwrap().is_none());
        assert!(matches!(parsed(&[]), Err(f) if f == bad_args(&SYNTAX)));
    }

    #[test]
    fn a_scope_request_keeps_pid_and_default() {
        let r = parsed(&[
            "-c",
            "-S",
            "-p",
            "4242",
            "-g",
            "cpu,memory:nst.slice/x.scope",
        ])
        .unwrap()
        .unwrap();
        // Names are the plan's to check, in libcgroup's order: one that is no scope passes here.
        assert!(parsed(&["-c", "-g", "cpu:plain"]).unwrap().is_some());
        assert_eq!(
            r.how,
            How::Scope {
                pid: Some(4242),
                set_default: true,
            }
        );
        assert_eq!(r.specs[0].controllers, ["cpu", "memory"]);
        let plain = parsed(&["-b", "-f", "0640", "-g", ":a"]).unwrap().unwrap();
        assert_eq!(
            plain.how,
            How::Plain {
                ignore_default: true
            }
        );
        assert_eq!(plain.owners.fperm, Some(0o640));
    }
}
