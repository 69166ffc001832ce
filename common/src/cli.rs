//! Command-line helpers shared by the clap-based tools: getopt(3) wording for clap's errors, so a
//! script that greps `unrecognized option` keeps working.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::ffi::OsString;

use crate::error::ToolError;

/// What a clap error means to the caller.
#[derive(Debug)]
pub enum ClapOutcome {
    /// `--help` or `--version`: print this on stdout and exit 0.
    Print(String),
    /// A usage error in getopt's words.
    Usage(ToolError),
}

/// The option as the user typed it (`--bogus`, `-z`), found in clap's error context.
fn invalid_arg(err: &clap::Error) -> Option<String> {
    match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Find how the user spelled the option clap names as `--root <DIR>` (`-R` or `--root`).
fn typed_spelling(rendered: &str, argv: &[OsString]) -> Option<String> {
    let long = rendered
        .split_whitespace()
        .next()
        .filter(|s| s.starts_with("--"))?;
    let typed_long = argv
        .iter()
        .filter_map(|a| a.to_str())
        .any(|a| a == long || (a.len() > 2 && a.starts_with("--") && long.starts_with(a)));
    if typed_long {
        Some(long.to_string())
    } else {
        None
    }
}

/// getopt(3)'s message for an unknown option: `unrecognized option '--x'` / `invalid option -- 'x'`.
pub fn unknown_option_message(typed: &str) -> String {
    if typed.starts_with("--") {
        format!("unrecognized option '{typed}'")
    } else {
        let letter = typed.trim_start_matches('-').chars().next().unwrap_or('?');
        format!("invalid option -- '{letter}'")
    }
}

/// getopt(3)'s message for a missing argument: `option '--root' requires an argument` /
/// `option requires an argument -- 'R'`.
pub fn missing_argument_message(long: Option<&str>, short: Option<char>) -> String {
    match (long, short) {
        (Some(l), _) => format!("option '{l}' requires an argument"),
        (None, Some(s)) => format!("option requires an argument -- '{s}'"),
        (None, None) => "option requires an argument".to_string(),
    }
}

/// Translate a clap error into getopt wording. `argv` is what the user typed (for spelling).
pub fn from_clap(err: clap::Error, argv: &[OsString]) -> ClapOutcome {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ClapOutcome::Print(err.to_string()),
        ErrorKind::UnknownArgument => {
            let typed = invalid_arg(&err).unwrap_or_default();
            ClapOutcome::Usage(ToolError::usage(unknown_option_message(&typed)))
        }
        ErrorKind::InvalidValue | ErrorKind::NoEquals if matches!(err.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty()) =>
        {
            let rendered = invalid_arg(&err).unwrap_or_default();
            let long = typed_spelling(&rendered, argv);
            let short = rendered
                .strip_prefix('-')
                .and_then(|s| s.chars().next())
                .filter(|c| *c != '-');
            let message = match long {
                Some(l) => missing_argument_message(Some(&l), None),
                None => {
                    // clap renders `--root <DIR>`; getopt names the short letter when that was typed.
                    let short_typed = argv.iter().filter_map(|a| a.to_str()).find_map(|a| {
                        let b = a.strip_prefix('-')?;
                        (!b.starts_with('-')).then(|| b.chars().last())?
                    });
                    missing_argument_message(None, short_typed.or(short))
                }
            };
            ClapOutcome::Usage(ToolError::usage(message))
        }
        _ => {
            // Anything else: clap's first line, without its `error: ` prefix.
            let text = err.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            ClapOutcome::Usage(ToolError::usage(first.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn cmd() -> Command {
        Command::new("unshare")
            .disable_help_flag(true)
            .disable_version_flag(true)
            .arg(
                Arg::new("root")
                    .short('R')
                    .long("root")
                    .action(ArgAction::Set),
            )
            .arg(
                Arg::new("fork")
                    .short('f')
                    .long("fork")
                    .action(ArgAction::SetTrue),
            )
    }

    fn usage_text(args: &[&str]) -> String {
        let argv: Vec<OsString> = args.iter().map(OsString::from).collect();
        let err = cmd().try_get_matches_from(&argv).unwrap_err();
        match from_clap(err, &argv) {
            ClapOutcome::Usage(ToolError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_long_and_short_options_use_getopt_words() {
        assert_eq!(
            usage_text(&["unshare", "--bogus"]),
            "unrecognized option '--bogus'"
        );
        assert_eq!(usage_text(&["unshare", "-z"]), "invalid option -- 'z'");
    }

    #[test]
    fn missing_argument_names_the_spelling_typed() {
        assert_eq!(
            usage_text(&["unshare", "--root"]),
            "option '--root' requires an argument"
        );
        assert_eq!(
            usage_text(&["unshare", "-R"]),
            "option requires an argument -- 'R'"
        );
    }
}
