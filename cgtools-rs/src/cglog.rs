//! `CGROUP_LOGLEVEL`: libcgroup's verbosity switch, for all eight tools.
//!
//! libcgroup reads `CGROUP_LOGLEVEL` once (`cgroup_parse_log_level_str`): a whole number is taken
//! as is (`strtol`, leading blanks and a sign allowed, nothing after the digits), otherwise one of
//! `ERROR`, `WARNING`, `INFO`, `DEBUG` (any case) = 1..4; anything else, the empty string included,
//! and an unset variable mean the default, ERROR. A message of level L is shown when
//! L <= the chosen level, so `0` or a negative number silences even errors.
//!
//! Where the lines go: libcgroup's default logger writes every line to **stdout**, without a
//! prefix (checked on Debian's 2.0.2: `CGROUP_LOGLEVEL=DEBUG cgcreate ...` prints `found cpu in
//! ...`, `chown: seeing file ...` on stdout, nothing on stderr). We keep the lines that libcgroup
//! shows at the default level on stdout ([`compat`]: `Error: failed to parse the configuration
//! rules`), so what scripts see without the variable is byte for byte the same, and they vanish
//! with `CGROUP_LOGLEVEL=0` as libcgroup's do. Our own step-by-step lines (layout found, paths
//! written, groups made, processes moved) appear only when the level is raised and go to
//! **stderr**, so that `cgget` output and other stdout stays parseable while debugging; their text
//! is ours (libcgroup's are about its internals), in libcgroup's style: no prefix, `Warning: ` on
//! warnings. `NSTOOLS_LOG` (env_logger) sees the warning, info and debug lines as well.

use std::io::Write;
use std::sync::OnceLock;

/// libcgroup's `CGROUP_LOG_*` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warning = 2,
    Info = 3,
    Debug = 4,
}

/// libcgroup's `CGROUP_DEFAULT_LOGLEVEL`.
pub const DEFAULT: i64 = Level::Error as i64;

/// `cgroup_parse_log_level_str`: the threshold for the variable's value (`None`: unset).
pub fn parse_level(text: Option<&str>) -> i64 {
    let Some(text) = text else {
        return DEFAULT;
    };
    if let Some(n) = strtol_whole(text) {
        return n;
    }
    match text.to_ascii_uppercase().as_str() {
        "ERROR" => Level::Error as i64,
        "WARNING" => Level::Warning as i64,
        "INFO" => Level::Info as i64,
        "DEBUG" => Level::Debug as i64,
        _ => DEFAULT,
    }
}

/// `strtol(text, &end, 10)` accepted only when it consumed digits and everything after them:
/// leading white space and one sign are allowed; out-of-range values saturate as strtol does and
/// are then cut to C's `int`, as libcgroup stores the level.
fn strtol_whole(text: &str) -> Option<i64> {
    let n = common::parse::strtol(text.as_bytes(), 10);
    (n.used > 0 && n.took_all(text.as_bytes())).then(|| i64::from(n.value as i32))
}

fn threshold() -> i64 {
    static LEVEL: OnceLock<i64> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let value = std::env::var_os("CGROUP_LOGLEVEL");
        parse_level(value.as_ref().map(|v| v.to_string_lossy()).as_deref())
    })
}

/// True when a message of `level` is shown.
pub fn enabled(level: Level) -> bool {
    level as i64 <= threshold()
}

/// `NSTOOLS_LOG` sees our lines too; not errors: env_logger shows those without being asked, and
/// they are printed anyway.
fn forward(level: Level, args: std::fmt::Arguments<'_>) {
    let lvl = match level {
        Level::Error => return,
        Level::Warning => log::Level::Warn,
        Level::Info => log::Level::Info,
        Level::Debug => log::Level::Debug,
    };
    log::log!(lvl, "{args}");
}

/// One of our own log lines, on stderr when `level` is enabled.
pub fn emit(level: Level, args: std::fmt::Arguments<'_>) {
    forward(level, args);
    if enabled(level) {
        let mut err = common::stdio::stderr();
        let _ = writeln!(err, "{args}");
    }
}

/// A line libcgroup prints through its logger and shows at the default level: on stdout, as
/// libcgroup does, and only when `level` is enabled.
pub fn compat(level: Level, args: std::fmt::Arguments<'_>) {
    forward(level, args);
    if enabled(level) {
        let mut out = common::stdio::stdout();
        let _ = writeln!(out, "{args}");
        let _ = out.flush();
    }
}

/// `cg_debug!("...")`: a DEBUG line on stderr (see the module docs).
#[macro_export]
macro_rules! cg_debug {
    ($($t:tt)*) => { $crate::cglog::emit($crate::cglog::Level::Debug, format_args!($($t)*)) };
}

/// `cg_info!("...")`: an INFO line on stderr.
#[macro_export]
macro_rules! cg_info {
    ($($t:tt)*) => { $crate::cglog::emit($crate::cglog::Level::Info, format_args!($($t)*)) };
}

/// `cg_warn!("...")`: a WARNING line on stderr (write `Warning: ` in the text, as libcgroup).
#[macro_export]
macro_rules! cg_warn {
    ($($t:tt)*) => { $crate::cglog::emit($crate::cglog::Level::Warning, format_args!($($t)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_as_libcgroup_parses_them() {
        let table: &[(Option<&str>, i64)] = &[
            (None, 1),
            (Some(""), 1),
            (Some("bogus"), 1),
            (Some("DEBUG"), 4),
            (Some("debug"), 4),
            (Some("Debug"), 4),
            (Some("INFO"), 3),
            (Some("warning"), 2),
            (Some("ERROR"), 1),
            (Some("4"), 4),
            (Some(" 4"), 4),
            (Some("+3"), 3),
            (Some("5"), 5),
            (Some("0"), 0),
            (Some("-1"), -1),
            (Some("4x"), 1),
            (Some("4 "), 1),
            (Some("-"), 1),
            (Some(" DEBUG"), 1),
            (Some("99999999999999999999"), -1),
            // strtol's long cut to C's int, as libcgroup stores it (checked on 2.0.2: silent).
            (Some("2147483652"), -2147483644),
        ];
        for (text, want) in table {
            assert_eq!(parse_level(*text), *want, "CGROUP_LOGLEVEL={text:?}");
        }
    }

    #[test]
    fn levels_are_ordered_as_libcgroup_numbers_them() {
        assert!(Level::Error < Level::Warning);
        assert!(Level::Info < Level::Debug);
        assert_eq!(Level::Debug as i64, 4);
    }
}
