//! Executing the user's program the way util-linux does.
//!
//! `TOOL: failed to execute PROG: <strerror>` with exit 127 when the program does not exist and 126
//! for any other exec failure (`EX_EXEC_ENOENT` / `EX_EXEC_FAILED` in util-linux's `c.h`).
//!
//! The program gets what our caller gave us: the same descriptors (the placeholders of
//! [`crate::start`] on closed ones are close-on-exec) and the same SIGPIPE disposition (ours is
//! never changed).

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use crate::errno::strerror;
use crate::error::ToolError;

/// Exit code when the program was not found.
pub const EXIT_ENOENT: u8 = 127;
/// Exit code for every other exec failure.
pub const EXIT_FAILED: u8 = 126;

/// Search `PATH` for `prog` as execvp(3) would; a name containing `/` is taken as a path.
pub fn find_in_path(prog: &OsStr) -> Option<PathBuf> {
    if prog.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(prog));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|dir| dir.join(prog))
        .find(|candidate| is_executable_file(candidate))
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The error a failed exec of `prog` is reported with.
pub fn exec_error(prog: &OsStr, errno: Errno) -> ToolError {
    let code = if errno == Errno::ENOENT {
        EXIT_ENOENT
    } else {
        EXIT_FAILED
    };
    ToolError::failed(
        code,
        format!(
            "failed to execute {}: {}",
            prog.to_string_lossy(),
            strerror(errno as i32)
        ),
    )
}

fn to_cstring(os: &OsStr) -> Result<CString, ToolError> {
    CString::new(os.as_bytes()).map_err(|_| {
        ToolError::failed(
            EXIT_FAILED,
            format!(
                "failed to execute {}: Invalid argument",
                os.to_string_lossy()
            ),
        )
    })
}

/// execvp(`program`, `argv`) where `argv[0]` may differ from the program (a login shell's `-bash`).
/// Returns only on failure, with the error to report.
pub fn execvp_as(program: &OsStr, argv: &[OsString]) -> ToolError {
    let file = match to_cstring(program) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let args: Result<Vec<CString>, ToolError> = argv.iter().map(|a| to_cstring(a)).collect();
    let args = match args {
        Ok(a) => a,
        Err(e) => return e,
    };
    // A partial line still in our buffer would otherwise be lost with this process image.
    let _ = std::io::Write::flush(&mut crate::stdio::stdout());
    log::debug!("execvp({program:?}, {argv:?})");
    let errno = match nix::unistd::execvp(&file, &args) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    exec_error(program, errno)
}

/// execvp(argv[0], argv). Returns only on failure, with the error to report.
pub fn execvp(argv: &[OsString]) -> ToolError {
    match argv.first() {
        Some(prog) => execvp_as(prog, argv),
        None => exec_error(OsStr::new(""), Errno::ENOENT),
    }
}

/// The shell to run when no program is given: `$SHELL`, then the passwd entry's shell, then
/// `/bin/sh` (util-linux 2.42's order).
pub fn default_shell() -> PathBuf {
    if let Some(shell) = std::env::var_os("SHELL").filter(|s| !s.is_empty()) {
        return PathBuf::from(shell);
    }
    if let Ok(Some(user)) = nix::unistd::User::from_uid(nix::unistd::getuid()) {
        if !user.shell.as_os_str().is_empty() {
            return user.shell;
        }
    }
    PathBuf::from("/bin/sh")
}

/// argv[0] of a login shell: `-` followed by the shell's base name (`/bin/bash` -> `-bash`).
pub fn login_argv0(shell: &Path) -> OsString {
    let base = shell.file_name().unwrap_or(shell.as_os_str());
    let mut argv0 = b"-".to_vec();
    argv0.extend_from_slice(base.as_bytes());
    OsString::from_vec(argv0)
}

/// Run the default shell as a login shell. Returns only on failure.
pub fn exec_login_shell() -> ToolError {
    let shell = default_shell();
    execvp_as(shell.as_os_str(), &[login_argv0(&shell)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_errors_map_to_util_linux_codes() {
        let e = exec_error(OsStr::new("nosuchprog"), Errno::ENOENT);
        assert_eq!(
            e.to_string(),
            "failed to execute nosuchprog: No such file or directory"
        );
        assert!(matches!(e, ToolError::Failed { code: 127, .. }));
        let e = exec_error(OsStr::new("/etc/passwd"), Errno::EACCES);
        assert_eq!(
            e.to_string(),
            "failed to execute /etc/passwd: Permission denied"
        );
        assert!(matches!(e, ToolError::Failed { code: 126, .. }));
    }

    #[test]
    fn login_argv0_is_dash_basename() {
        assert_eq!(login_argv0(Path::new("/bin/bash")), OsString::from("-bash"));
        assert_eq!(login_argv0(Path::new("sh")), OsString::from("-sh"));
    }

    #[test]
    fn path_lookup_finds_sh_and_takes_slashes_literally() {
        let sh = find_in_path(OsStr::new("sh")).expect("sh on PATH");
        assert!(sh.ends_with("sh"));
        assert_eq!(
            find_in_path(OsStr::new("./x")).as_deref(),
            Some(Path::new("./x"))
        );
        assert_eq!(find_in_path(OsStr::new("no-such-program-nstools")), None);
    }
}
