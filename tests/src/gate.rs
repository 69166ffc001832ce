//! What a test needs, and probes that find out by doing the operation.
//!
//! A probe never trusts a proxy (euid 0 does not mean mounts work in this container): it forks a
//! child that tries the real thing. Results are cached per process.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// One requirement of a test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Need {
    /// Effective uid 0.
    Root,
    /// A capability in the effective set, by number (e.g. `libc::CAP_SYS_ADMIN` = 21).
    Capability(u32),
    /// unshare(CLONE_NEWUSER) works.
    UserNamespaces,
    /// unshare(CLONE_NEWNS) + a private remount of / works in a child.
    MountNamespaces,
    /// A cgroup v1 controller hierarchy where we may create a group (e.g. `memory`).
    CgroupV1(&'static str),
    /// The cgroup2 (unified) hierarchy, where we may create a group.
    Unified,
    /// An original tool installed at this path (e.g. `/usr/bin/cgcreate`).
    Original(&'static str),
    /// A program on PATH (e.g. `hyperfine`, `qemu-system-x86_64`).
    Program(&'static str),
    /// The newest released original of this tool, made by `tests/reference/make-root.sh`.
    Newest(&'static str),
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Need::Root => write!(f, "root"),
            Need::Capability(n) => write!(f, "capability {n}"),
            Need::UserNamespaces => write!(f, "user namespaces"),
            Need::MountNamespaces => write!(f, "mount namespaces"),
            Need::CgroupV1(c) => write!(f, "cgroup v1 controller {c}"),
            Need::Unified => write!(f, "the unified cgroup hierarchy"),
            Need::Original(p) => write!(f, "the original tool {p}"),
            Need::Program(p) => write!(f, "{p} on PATH"),
            Need::Newest(t) => write!(f, "the newest released {t}"),
        }
    }
}

/// Why a need is unmet, or `None` when it is met.
pub fn unmet(need: &Need) -> Option<String> {
    static CACHE: OnceLock<Mutex<HashMap<Need, Option<String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(answer) = cache.lock().unwrap().get(need) {
        return answer.clone();
    }
    let answer = probe(need);
    cache.lock().unwrap().insert(need.clone(), answer.clone());
    answer
}

/// The first unmet need of a list, as `needs X: reason`.
pub fn first_unmet(needs: &[Need]) -> Option<String> {
    needs
        .iter()
        .find_map(|n| unmet(n).map(|why| format!("needs {n}: {why}")))
}

fn probe(need: &Need) -> Option<String> {
    match need {
        // SAFETY: geteuid has no preconditions.
        Need::Root => (unsafe { libc::geteuid() } != 0).then(|| "not running as root".into()),
        Need::Capability(n) => probe_capability(*n),
        Need::UserNamespaces => probe_in_child("unshare(CLONE_NEWUSER)", || {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER)
        }),
        Need::MountNamespaces => probe_in_child("unshare(CLONE_NEWNS)", || {
            use nix::mount::{mount, MsFlags};
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)?;
            mount(
                None::<&str>,
                "/",
                None::<&str>,
                MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                None::<&str>,
            )
        }),
        Need::CgroupV1(controller) => match v1_mount(controller) {
            None => Some(format!(
                "no cgroup v1 hierarchy with {controller} is mounted"
            )),
            Some(root) => probe_mkdir(&root),
        },
        Need::Unified => match unified_mount() {
            None => Some("no cgroup2 hierarchy is mounted".into()),
            Some(root) => probe_mkdir(&root),
        },
        Need::Original(path) => {
            let program = Path::new(path).file_name().and_then(|n| n.to_str());
            (!Path::new(path).is_file()).then(|| match program.and_then(install_hint) {
                Some(hint) => format!("{path} is not installed; {hint}"),
                None => format!("{path} is not installed"),
            })
        }
        Need::Newest(tool) => {
            let path = crate::bins::newest(tool);
            (!path.is_file()).then(|| {
                format!(
                    "{} is missing: run tests/setup.sh as root (it runs tests/reference/make-root.sh)",
                    path.display()
                )
            })
        }
        Need::Program(name) => {
            common_path_lookup(name)
                .is_none()
                .then(|| match install_hint(name) {
                    Some(hint) => format!("not found; {hint}"),
                    None => "not found".into(),
                })
        }
    }
}

/// tests/setup.sh, whose table says which package gives each program the tests look for: the one
/// place for that fact, read here so that a missing program's reason names what to install.
const SETUP: &str = include_str!("../setup.sh");

/// One row of setup.sh's table: (package, programs, what needs it).
pub fn setup_packages() -> Vec<(&'static str, Vec<&'static str>, &'static str)> {
    let Some(start) = SETUP.find("\npackages=(\n") else {
        return Vec::new();
    };
    SETUP[start..]
        .lines()
        .skip(2)
        .map(str::trim)
        .take_while(|line| *line != ")")
        .filter_map(|line| {
            let row = line.strip_prefix('"')?.strip_suffix('"')?;
            let (package, rest) = row.split_once(char::is_whitespace)?;
            let (programs, reason) = rest.trim_start().split_once(char::is_whitespace)?;
            let programs = match programs {
                "-" => Vec::new(),
                list => list.split(',').collect(),
            };
            Some((package, programs, reason.trim()))
        })
        .collect()
}

/// The version of cargo-deb setup.sh installs (`CARGO_DEB_VERSION=...`).
pub fn cargo_deb_version() -> Option<&'static str> {
    SETUP
        .lines()
        .find_map(|l| l.strip_prefix("CARGO_DEB_VERSION="))
        .map(str::trim)
}

/// How to get `program`: `install it with: apt-get install PACKAGE (or run tests/setup.sh as
/// root)`, from setup.sh's table; `None` for a program the table does not know.
pub fn install_hint(program: &str) -> Option<String> {
    let command = if program == "cargo-deb" {
        format!(
            "cargo install cargo-deb --version {} --locked",
            cargo_deb_version()?
        )
    } else {
        let package = setup_packages()
            .into_iter()
            .find(|(_, programs, _)| programs.contains(&program))?
            .0;
        format!("apt-get install {package}")
    };
    Some(format!(
        "install it with: {command} (or run tests/setup.sh as root)"
    ))
}

fn common_path_lookup(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn probe_capability(number: u32) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))?
        .trim();
    let mask = u64::from_str_radix(hex, 16).unwrap_or(0);
    (mask & (1u64 << number) == 0).then(|| format!("capability {number} is not effective"))
}

/// Fork a child (via Command's pre_exec) that performs `op` and then execs `true`.
fn probe_in_child(what: &str, op: fn() -> nix::Result<()>) -> Option<String> {
    let mut cmd = Command::new("/bin/true");
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: `op` performs only raw syscalls (unshare, mount) in the forked child.
    unsafe {
        cmd.pre_exec(move || op().map_err(std::io::Error::from));
    }
    match cmd.status() {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("{what} failed in a child ({s})")),
        Err(e) => Some(format!("{what} failed: {e}")),
    }
}

/// Creating (and removing) a uniquely named group under `root` proves we may make test cgroups.
fn probe_mkdir(root: &Path) -> Option<String> {
    let dir = root.join(crate::guard::unique_name("probe"));
    match std::fs::create_dir(&dir) {
        Ok(()) => {
            let _ = std::fs::remove_dir(&dir);
            None
        }
        Err(e) => Some(format!(
            "cannot create a cgroup under {}: {e}",
            root.display()
        )),
    }
}

/// Mount entries of type cgroup/cgroup2 from /proc/self/mountinfo: (mount point, fs type, options).
fn cgroup_mounts() -> Vec<(PathBuf, String, String)> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let dash = fields.iter().position(|f| *f == "-")?;
            let fstype = fields.get(dash + 1)?;
            if *fstype != "cgroup" && *fstype != "cgroup2" {
                return None;
            }
            let super_opts = fields.get(dash + 3).copied().unwrap_or("");
            Some((
                PathBuf::from(fields[4]),
                fstype.to_string(),
                super_opts.to_string(),
            ))
        })
        .collect()
}

/// Mount point of the v1 hierarchy carrying `controller` (`name=systemd` style names work too).
pub fn v1_mount(controller: &str) -> Option<PathBuf> {
    cgroup_mounts()
        .into_iter()
        .find(|(_, t, opts)| t == "cgroup" && opts.split(',').any(|o| o == controller))
        .map(|(p, _, _)| p)
}

/// Mount point of the cgroup2 hierarchy.
pub fn unified_mount() -> Option<PathBuf> {
    cgroup_mounts()
        .into_iter()
        .find(|(_, t, _)| t == "cgroup2")
        .map(|(p, _, _)| p)
}

/// True when `NSTOOLS_REQUIRE_PRIVILEGED=1`: unmet needs fail instead of skipping.
pub fn privileged_required() -> bool {
    std::env::var("NSTOOLS_REQUIRE_PRIVILEGED").is_ok_and(|v| v == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_table_has_one_row_per_package_with_programs_and_a_reason() {
        let rows = setup_packages();
        assert!(rows.len() >= 15, "setup.sh's table was not read: {rows:?}");
        let mut packages: Vec<&str> = rows.iter().map(|r| r.0).collect();
        packages.sort();
        packages.dedup();
        assert_eq!(packages.len(), rows.len(), "a package has two rows");
        let mut programs: Vec<&str> = rows.iter().flat_map(|r| r.1.clone()).collect();
        let count = programs.len();
        programs.sort();
        programs.dedup();
        assert_eq!(
            programs.len(),
            count,
            "a program is listed under two packages"
        );
        for (package, _, reason) in &rows {
            assert!(reason.len() > 10, "{package} has no reason: {reason:?}");
        }
        assert_eq!(cargo_deb_version(), Some("3.8.0"));
    }

    #[test]
    fn a_missing_program_names_its_package_and_the_command() {
        assert_eq!(
            install_hint("cpio").as_deref(),
            Some("install it with: apt-get install cpio (or run tests/setup.sh as root)")
        );
        assert_eq!(
            install_hint("qemu-system-x86_64").as_deref(),
            Some(
                "install it with: apt-get install qemu-system-x86 (or run tests/setup.sh as root)"
            )
        );
        assert_eq!(
            install_hint("cargo-deb").as_deref(),
            Some("install it with: cargo install cargo-deb --version 3.8.0 --locked (or run tests/setup.sh as root)")
        );
        assert_eq!(install_hint("no-such-program-anywhere"), None);
        assert_eq!(
            probe(&Need::Program("nstools-no-such-program")).as_deref(),
            Some("not found")
        );
        assert_eq!(
            probe(&Need::Original("/nonexistent/cgcreate")).as_deref(),
            Some("/nonexistent/cgcreate is not installed; install it with: apt-get install cgroup-tools (or run tests/setup.sh as root)")
        );
    }

    /// Every program and original the test binaries need by name is in setup.sh's table, so a
    /// missing one always says what to install, and setup.sh installs it: they cannot drift.
    #[test]
    fn every_program_the_tests_need_is_in_the_setup_table() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut needed = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("tests/tests") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable test source");
            for (marker, is_path) in [("Need::Program(\"", false), ("Need::Original(\"", true)] {
                for piece in text.split(marker).skip(1) {
                    let literal = piece.split('"').next().unwrap_or("");
                    let program = if is_path {
                        literal.rsplit('/').next().unwrap_or("")
                    } else {
                        literal
                    };
                    needed.push((path.file_name().unwrap().to_owned(), program.to_string()));
                }
            }
        }
        assert!(needed.len() > 20, "no needs found under {}", dir.display());
        let unknown: Vec<_> = needed
            .iter()
            .filter(|(_, program)| program != "nstools-tool") // foundation's deliberately missing tool
            .filter(|(_, program)| install_hint(program).is_none())
            .collect();
        assert!(
            unknown.is_empty(),
            "programs the tests need but tests/setup.sh's table does not list: {unknown:?}"
        );
    }
}
