//! Where the binaries under test and the originals are.

use std::path::PathBuf;

/// All twelve tools, in the order the README lists them.
pub const TOOLS: [&str; 12] = [
    "unshare",
    "nsenter",
    "cgcreate",
    "cgexec",
    "cgdelete",
    "cgset",
    "cgget",
    "cgclassify",
    "lscgroup",
    "lssubsys",
    "memhog",
    "ps",
];

/// The eight libcgroup tools: [`TOOLS`] from `cgcreate` to `lssubsys`.
pub const LIBCGROUP_TOOLS: [&str; 8] = *TOOLS.split_at(2).1.first_chunk().unwrap();

/// Directory holding our built binaries: `NSTOOLS_BIN_DIR`, else the cargo profile directory the
/// running test binary was built into (`target/<profile>/deps/x` -> `target/<profile>`).
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NSTOOLS_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test binary has a directory");
    deps.parent().unwrap_or(deps).to_path_buf()
}

/// Our binary named `tool`. Panics with the command to run when it has not been built, because a
/// missing binary is a broken setup, not a skip.
pub fn ours(tool: &str) -> PathBuf {
    let path = bin_dir().join(tool);
    assert!(
        path.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (or set NSTOOLS_BIN_DIR)",
        path.display()
    );
    path
}

/// The original tool's path on a Debian system (util-linux, procps, cgroup-tools, numactl): Debian
/// 12's here, the second reference.
pub fn original(tool: &str) -> PathBuf {
    PathBuf::from(format!("/usr/bin/{tool}"))
}

/// Where `tests/reference/make-root.sh` keeps the newest released originals (Debian 13's
/// util-linux 2.41, procps 4.0.4, cgroup-tools 3.1.0, numactl 2.0.19), each patched to run with
/// the reference root's loader: `target/reference/bin`.
pub fn newest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/reference/bin")
}

/// The newest released original of `tool`, the first reference of every differential test. Its
/// file name is the tool's, so messages that print the program name match ours.
pub fn newest(tool: &str) -> PathBuf {
    newest_dir().join(tool)
}
