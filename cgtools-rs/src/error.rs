//! libcgroup's error numbers (`include/libcgroup/error.h`) and their `cgroup_strerror` texts.
//!
//! The tools exit with `code & 0xff` (ECGROUPNOTEXIST 50002 -> 82), so scripts that test for
//! these numbers keep working. ECGOTHER carries the errno of the failed system call and reads as
//! its `strerror`.
//!
//! [`Failure`] is how every tool reports a failure: the exit status and the words libcgroup
//! prints, printed in one place, [`Failure::print`].

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

/// A libcgroup error number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Ecg {
    NotMounted = 50001,
    NotExist = 50002,
    SubsysNotMounted = 50004,
    NotOwner = 50005,
    NotAllowed = 50007,
    Inval = 50011,
    Fail = 50013,
    ValueNotExist = 50015,
    Other = 50016,
    ParseFail = 50019,
    NoVersionConvert = 50031,
}

impl Ecg {
    /// The process exit status libcgroup's tools end with: the number & 0xff.
    pub fn exit(self) -> u8 {
        (self as u32 & 0xff) as u8
    }

    fn text(self) -> &'static str {
        match self {
            Ecg::NotMounted => "Cgroup is not mounted",
            Ecg::NotExist => "Cgroup does not exist",
            Ecg::SubsysNotMounted => "Cgroup one of the needed subsystems is not mounted",
            Ecg::NotOwner => "Cgroup, request came in from non owner",
            Ecg::NotAllowed => "Cgroup, operation not allowed",
            Ecg::Inval => "Cgroup invalid operation",
            Ecg::Fail => "Cgroup operation failed",
            Ecg::ValueNotExist => "Cgroup, requested group parameter does not exist",
            Ecg::Other => "Cgroup generic error",
            Ecg::ParseFail => "Cgroup parsing failed",
            Ecg::NoVersionConvert => "Failed to convert from cgroup v1 to/from cgroup v2",
        }
    }
}

/// A failure as libcgroup reports it: the number, and for ECGOTHER the errno.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgError {
    pub code: Ecg,
    pub errno: i32,
}

impl CgError {
    pub fn new(code: Ecg) -> Self {
        CgError { code, errno: 0 }
    }

    /// ECGOTHER with the errno of `err` (EIO when it carries none).
    pub fn io(err: &io::Error) -> Self {
        CgError {
            code: Ecg::Other,
            errno: err.raw_os_error().unwrap_or(libc::EIO),
        }
    }

    pub fn errno(errno: i32) -> Self {
        CgError {
            code: Ecg::Other,
            errno,
        }
    }

    pub fn exit(&self) -> u8 {
        self.code.exit()
    }

    /// The error as libcgroup reports it when moving a process (cgexec, cgclassify): a
    /// controller that is not mounted is ECGROUPNOTALLOWED there.
    pub fn when_moving(self) -> Self {
        match self.code {
            Ecg::SubsysNotMounted => CgError::new(Ecg::NotAllowed),
            _ => self,
        }
    }
}

impl fmt::Display for CgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code == Ecg::Other {
            f.write_str(&common::strerror(self.errno))
        } else {
            f.write_str(self.code.text())
        }
    }
}

impl std::error::Error for CgError {}

impl From<io::Error> for CgError {
    fn from(err: io::Error) -> Self {
        CgError::io(&err)
    }
}

/// libcgroup 3.1+'s `EXIT_BADARGS`: the status of every usage error.
pub(crate) const EXIT_BADARGS: u8 = 129;

/// A failure of a tool run: the exit status and what libcgroup prints for it, in order. A tool
/// returns it to end the run (`lib.rs` prints it), or prints it itself with [`Failure::print`] and
/// goes on where libcgroup goes on past a failed group or pid (the status is then the last one's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: u8,
    pub words: Vec<Words>,
}

/// One piece of what a failure prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Words {
    /// `PROG: text` and a newline on stderr, where PROG is argv[0] as typed (most messages).
    Prog(String),
    /// getopt's own message (`invalid option -- 'z'`) after `PROG: `, its bytes as given in argv.
    Getopt(OsString),
    /// `text` on stderr exactly as given, newline included: libcgroup prints several messages
    /// without the program's name, and one (cgget's bad parameter name) without a newline.
    Bare(String),
    /// `text` on stdout exactly as given (cgcreate's `wrong mode format`).
    Stdout(String),
    /// A line libcgroup's logger prints at its ERROR level (`Error: ...`): on stdout, unless
    /// `CGROUP_LOGLEVEL` hides it ([`crate::cglog::compat`]).
    Logged(String),
    /// libcgroup's usage-error line, `Wrong input parameters, try PROG <hint> for more
    /// information.`; the hint is the tool's (`-h`, `--help`, or 3.1's stray `--help'`).
    Usage(&'static str),
}

impl Failure {
    /// Ends with `status`, saying nothing yet.
    pub(crate) fn new(status: u8) -> Self {
        Failure {
            status,
            words: Vec::new(),
        }
    }

    /// libcgroup's usage error (exit 129) with its hint.
    pub(crate) fn usage(hint: &'static str) -> Self {
        Failure::new(EXIT_BADARGS).then(Words::Usage(hint))
    }

    /// `PROG: text`, exit `status`.
    pub(crate) fn prog(status: u8, text: impl Into<String>) -> Self {
        Failure::new(status).then(Words::Prog(text.into()))
    }

    /// `text` and a newline, without the program's name, exit `status`.
    pub(crate) fn bare(status: u8, text: impl fmt::Display) -> Self {
        Failure::new(status).then(Words::Bare(format!("{text}\n")))
    }

    /// These words after the ones already given.
    pub(crate) fn then(mut self, words: Words) -> Self {
        self.words.push(words);
        self
    }

    /// The one place a cg tool prints a failure. A write that fails is the I/O policy's
    /// (`common::stdio`): it never aborts.
    pub(crate) fn print(&self, prog: &str) {
        for words in &self.words {
            match words {
                Words::Prog(text) => common::eprintln!("{prog}: {text}"),
                Words::Getopt(bytes) => {
                    let mut line = format!("{prog}: ").into_bytes();
                    line.extend_from_slice(bytes.as_bytes());
                    line.push(b'\n');
                    let _ = common::stdio::stderr().write_all(&line);
                }
                Words::Bare(text) => common::eprint!("{text}"),
                Words::Stdout(text) => common::print!("{text}"),
                Words::Logged(line) => {
                    crate::cglog::compat(crate::cglog::Level::Error, format_args!("{line}"))
                }
                Words::Usage(hint) => common::eprintln!(
                    "Wrong input parameters, try {prog} {hint} for more information."
                ),
            }
        }
    }
}

/// A system call that failed outside libcgroup's own error paths: `PROG: strerror`, exit 1.
impl From<nix::errno::Errno> for Failure {
    fn from(errno: nix::errno::Errno) -> Self {
        Failure::prog(1, common::strerror(errno as i32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_low_byte() {
        assert_eq!(Ecg::NotExist.exit(), 82);
        assert_eq!(Ecg::Other.exit(), 96);
        assert_eq!(Ecg::NotMounted.exit(), 81);
        assert_eq!(Ecg::SubsysNotMounted.exit(), 84);
        assert_eq!(Ecg::ValueNotExist.exit(), 95);
        assert_eq!(Ecg::NoVersionConvert.exit(), 111);
    }

    #[test]
    fn texts_are_cgroup_strerror() {
        assert_eq!(
            CgError::new(Ecg::NotExist).to_string(),
            "Cgroup does not exist"
        );
        assert_eq!(
            CgError::errno(libc::EBUSY).to_string(),
            "Device or resource busy"
        );
        let e: CgError = io::Error::from_raw_os_error(libc::ENOENT).into();
        assert_eq!(e.to_string(), "No such file or directory");
        assert_eq!(e.exit(), 96);
    }
}
