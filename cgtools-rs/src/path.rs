//! Group paths that cannot escape their hierarchy, and knob files opened without creating them.
//!
//! A group path comes from the command line (`-g memory:a/../b`). It is resolved lexically
//! (`.` dropped, `..` pops a component) and refused when it would climb above the hierarchy's
//! root; every existing component below the mount point must be a real directory, never a
//! symlink, so a planted link cannot redirect a write elsewhere. Knob names are single file names,
//! and knobs are opened with `O_NOFOLLOW` and never `O_CREAT`: writing `memory.limt_in_bytes`
//! on a plain directory must fail, not create a file.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// `..` would leave the hierarchy.
    Escapes(String),
    /// A component is a symlink (or not a directory).
    NotADirectory(PathBuf),
    /// A knob name containing `/`, or `.`/`..`/empty.
    BadKnob(String),
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathError::Escapes(p) => write!(f, "cgroup path '{p}' escapes its hierarchy"),
            PathError::NotADirectory(p) => {
                write!(f, "{} is not a cgroup directory", p.display())
            }
            PathError::BadKnob(n) => write!(f, "invalid setting name '{n}'"),
        }
    }
}

impl std::error::Error for PathError {}

/// The group path relative to the hierarchy root without leading or trailing `/`; `""` is the
/// root itself.
pub fn normalize(path: &str) -> Result<String, PathError> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(PathError::Escapes(path.to_string()));
                }
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// `mount` joined with the normalized `rel`, checking that no existing component is a symlink.
/// Components that do not exist yet are fine (cgcreate makes them).
pub fn join(mount: &Path, rel: &str) -> Result<PathBuf, PathError> {
    let rel = normalize(rel)?;
    let mut dir = mount.to_path_buf();
    let mut checking = true;
    for comp in rel.split('/').filter(|c| !c.is_empty()) {
        dir.push(comp);
        if !checking {
            continue;
        }
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if !meta.file_type().is_dir() => return Err(PathError::NotADirectory(dir)),
            Ok(_) => {}
            // The rest does not exist yet: nothing below can be a symlink.
            Err(_) => checking = false,
        }
    }
    Ok(dir)
}

/// Check a knob (setting file) name: one path component, not `.`/`..`.
pub fn knob_name(name: &str) -> Result<&str, PathError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(PathError::BadKnob(name.to_string()));
    }
    Ok(name)
}

/// Open an existing knob file for reading, never following a symlink.
pub fn open_read(dir: &Path, name: &str) -> io::Result<File> {
    let name = knob_name(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir.join(name))
}

/// Open an existing knob file for writing: no `O_CREAT`, no `O_TRUNC`, never a symlink.
pub fn open_write(dir: &Path, name: &str) -> io::Result<File> {
    let name = knob_name(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir.join(name))
}

/// Read a knob as text (a failed read is the caller's business).
pub fn read_knob(dir: &Path, name: &str) -> io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let mut bytes = Vec::new();
    open_read(dir, name)?.read_to_end(&mut bytes)?;
    text.push_str(&String::from_utf8_lossy(&bytes));
    Ok(text)
}

/// Write `value` to a knob in one write(2), as the kernel wants.
pub fn write_knob(dir: &Path, name: &str, value: &str) -> io::Result<()> {
    use std::io::Write;
    let mut f = open_write(dir, name)?;
    crate::cg_debug!("write '{value}' to {}/{name}", dir.display());
    let n = f.write(value.as_bytes())?;
    if n != value.len() {
        return Err(io::Error::from_raw_os_error(libc::EIO));
    }
    Ok(())
}

/// True when `dir` is an existing directory (and not a symlink).
pub(crate) fn is_dir(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_table() {
        let table: &[(&str, Option<&str>)] = &[
            ("/", Some("")),
            ("", Some("")),
            ("playground", Some("playground")),
            ("/playground/", Some("playground")),
            ("a//b/./c", Some("a/b/c")),
            ("a/../b", Some("b")),
            ("a/b/../..", Some("")),
            ("..", None),
            ("/../x", None),
            ("a/../../etc", None),
        ];
        for (input, want) in table {
            assert_eq!(
                normalize(input).ok().as_deref(),
                *want,
                "normalize({input:?})"
            );
        }
    }

    #[test]
    fn join_refuses_symlinks_and_escapes() {
        let dir = std::env::temp_dir().join(format!("cgtools-join-{}", std::process::id()));
        let mount = dir.join("mnt");
        std::fs::create_dir_all(mount.join("a/b")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::os::unix::fs::symlink(dir.join("outside"), mount.join("link")).unwrap();
        assert_eq!(join(&mount, "/a/b").unwrap(), mount.join("a/b"));
        assert_eq!(
            join(&mount, "a/new/deeper").unwrap(),
            mount.join("a/new/deeper")
        );
        assert_eq!(join(&mount, "/").unwrap(), mount);
        assert!(matches!(
            join(&mount, "link/x"),
            Err(PathError::NotADirectory(_))
        ));
        assert!(matches!(
            join(&mount, "a/../../outside"),
            Err(PathError::Escapes(_))
        ));
        // A knob is never created by a write, and a symlinked knob is refused.
        assert!(write_knob(&mount.join("a"), "memory.max", "1").is_err());
        assert!(!mount.join("a/memory.max").exists());
        std::fs::write(dir.join("outside/target"), "x").unwrap();
        std::os::unix::fs::symlink(dir.join("outside/target"), mount.join("a/evil")).unwrap();
        assert!(write_knob(&mount.join("a"), "evil", "pwned").is_err());
        assert!(read_knob(&mount.join("a"), "evil").is_err());
        assert_eq!(
            std::fs::read_to_string(dir.join("outside/target")).unwrap(),
            "x"
        );
        assert!(write_knob(&mount.join("a"), "../b", "1").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
