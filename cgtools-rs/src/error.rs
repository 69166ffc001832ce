//! libcgroup's error numbers (`include/libcgroup/error.h`) and their `cgroup_strerror` texts.
//!
//! The tools exit with `code & 0xff` (ECGROUPNOTEXIST 50002 -> 82), so scripts that test for
//! these numbers keep working. ECGOTHER carries the errno of the failed system call and reads as
//! its `strerror`.

use std::fmt;
use std::io;

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
