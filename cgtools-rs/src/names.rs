//! cgroup v1 <-> v2 setting names, so that v1-era tutorials work on v2 hosts and the reverse.
//!
//! libcgroup translates only in `cgxset`/`cgxget -1/-2`; cgset and cgget here do it whenever the
//! named file is missing and the name belongs to the other version. Two tables hold every fact:
//! `PAIRS`, one row per translated setting (v1 name, v2 name, value to v2, value to v1; after
//! libcgroup's `src/abstraction-map.c`), and `NO_EQUIVALENT`, the settings one version lacks.
//! Which version a name belongs to, whether it translates, and the files a read or a write of it
//! touches are all derived from these two tables, so a new setting is one row (plus, for a new
//! kind of value, one small conversion function) and cannot fall out of step.

use std::path::Path;

use crate::error::{CgError, Ecg};
use crate::layout::Version;
use crate::path;

/// One v1 setting and the v2 setting it corresponds to, with the value conversions both ways.
/// `to_v2(v1_value, current_v2)` gives the v2 value (`current_v2`: what the v2 file holds, for
/// `cpu.max`, which carries two v1 settings); `to_v1(v2_value)` gives the v1 value, `None` when
/// the v2 value does not carry it (`cpu.max` without a period). `Err` is an invalid value.
struct Pair {
    v1: &'static str,
    v2: &'static str,
    to_v2: fn(&str, Option<&str>) -> Result<String, Invalid>,
    to_v1: fn(&str) -> Result<Option<String>, Invalid>,
}

/// A value the other version cannot take (EINVAL).
struct Invalid;

/// Every translated setting. A v1 name has one row; several rows may share a v2 name (`cpu.max`):
/// a write of the v2 name writes their v1 files in this order, and a read folds their values in
/// this order.
#[rustfmt::skip]
const PAIRS: &[Pair] = &[
    Pair { v1: "memory.limit_in_bytes",      v2: "memory.max",            to_v2: memory_to_v2,    to_v1: memory_to_v1 },
    Pair { v1: "memory.soft_limit_in_bytes", v2: "memory.high",           to_v2: memory_to_v2,    to_v1: memory_to_v1 },
    Pair { v1: "cpu.shares",                 v2: "cpu.weight",            to_v2: shares_to_v2,    to_v1: weight_to_v1 },
    Pair { v1: "cpu.cfs_period_us",          v2: "cpu.max",               to_v2: period_to_v2,    to_v1: period_to_v1 },
    Pair { v1: "cpu.cfs_quota_us",           v2: "cpu.max",               to_v2: quota_to_v2,     to_v1: quota_to_v1 },
    Pair { v1: "cpuset.cpu_exclusive",       v2: "cpuset.cpus.partition", to_v2: exclusive_to_v2, to_v1: exclusive_to_v1 },
    Pair { v1: "cpuset.effective_cpus",      v2: "cpuset.cpus.effective", to_v2: as_is_to_v2,     to_v1: as_is_to_v1 },
    Pair { v1: "cpuset.effective_mems",      v2: "cpuset.mems.effective", to_v2: as_is_to_v2,     to_v1: as_is_to_v1 },
];

/// Settings of one version that the other lacks, one controller per row, so that naming one on
/// the other version is a clear error instead of "does not exist". A name ending in `.` stands
/// for its whole family.
#[rustfmt::skip]
const NO_EQUIVALENT: &[(Version, &[&str])] = &[
    (Version::V1, &["cpu.rt_runtime_us", "cpu.rt_period_us"]),
    (Version::V1, &["cpuset.mem_exclusive", "cpuset.mem_hardwall", "cpuset.memory_migrate", "cpuset.memory_pressure",
                    "cpuset.memory_pressure_enabled", "cpuset.memory_spread_page", "cpuset.memory_spread_slab",
                    "cpuset.sched_load_balance", "cpuset.sched_relax_domain_level"]),
    (Version::V1, &["memory.swappiness", "memory.use_hierarchy", "memory.oom_control", "memory.move_charge_at_immigrate",
                    "memory.force_empty", "memory.failcnt", "memory.max_usage_in_bytes", "memory.usage_in_bytes",
                    "memory.memsw.", "memory.kmem."]),
    (Version::V1, &["blkio."]),
    (Version::V2, &["memory.low", "memory.min", "memory.swap.max", "memory.swap.high", "memory.zswap.max",
                    "memory.oom.group", "memory.events", "memory.current", "memory.peak"]),
    (Version::V2, &["cpu.weight.nice", "cpu.max.burst", "cpu.uclamp.min", "cpu.uclamp.max"]),
    (Version::V2, &["io."]),
];

/// v1's "unlimited" for memory limits (PAGE_COUNTER_MAX in bytes on 4 KiB pages).
const V1_UNLIMITED: &str = "9223372036854771712";

fn num(v: &str) -> Result<i64, Invalid> {
    v.trim().parse::<i64>().map_err(|_| Invalid)
}

/// `-1` or v1's largest value is v2's `max`; anything else (`10M` too) as is.
fn memory_to_v2(v: &str, _: Option<&str>) -> Result<String, Invalid> {
    let unlimited = V1_UNLIMITED.parse::<i64>().unwrap_or(i64::MAX);
    Ok(if v == "-1" || num(v).is_ok_and(|n| n >= unlimited) {
        "max".into()
    } else {
        v.to_string()
    })
}

fn memory_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    Ok(Some(if v == "max" { V1_UNLIMITED } else { v }.to_string()))
}

/// weight = shares * 100 / 1024 within 1..=10000, as libcgroup converts it (C `long` arithmetic:
/// a huge value wraps, where Rust's checked debug arithmetic would panic).
fn shares_to_v2(v: &str, _: Option<&str>) -> Result<String, Invalid> {
    Ok((num(v)?.wrapping_mul(100) / 1024)
        .clamp(1, 10000)
        .to_string())
}

/// shares = weight * 1024 / 100, at least 2 (wrapping like C's `long`).
fn weight_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    Ok(Some((num(v)?.wrapping_mul(1024) / 100).max(2).to_string()))
}

/// The period after the current quota (`max` when there is none).
fn period_to_v2(v: &str, current: Option<&str>) -> Result<String, Invalid> {
    num(v)?;
    let quota = current
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or("max");
    Ok(format!("{quota} {v}"))
}

/// `cpu.max`'s second field, when it has one.
fn period_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    v.split_whitespace()
        .nth(1)
        .map(|p| Ok(num(p)?.to_string()))
        .transpose()
}

/// The quota (`-1` is `max`), before the current period when there is one.
fn quota_to_v2(v: &str, current: Option<&str>) -> Result<String, Invalid> {
    let q = num(v)?;
    let q = if q < 0 {
        "max".to_string()
    } else {
        q.to_string()
    };
    Ok(match current.and_then(|c| c.split_whitespace().nth(1)) {
        Some(period) => format!("{q} {period}"),
        None => q,
    })
}

fn quota_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    match v.split_whitespace().next() {
        Some("max") => Ok(Some("-1".into())),
        Some(q) => Ok(Some(num(q)?.to_string())),
        None => Err(Invalid),
    }
}

fn exclusive_to_v2(v: &str, _: Option<&str>) -> Result<String, Invalid> {
    match v {
        "1" => Ok("root".into()),
        "0" => Ok("member".into()),
        _ => Err(Invalid),
    }
}

/// `root` and `isolated` partitions are exclusive (`root invalid (...)` is still a root).
fn exclusive_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    if v.starts_with("root") || v.starts_with("isolated") {
        Ok(Some("1".into()))
    } else if v.starts_with("member") {
        Ok(Some("0".into()))
    } else {
        Err(Invalid)
    }
}

fn as_is_to_v2(v: &str, _: Option<&str>) -> Result<String, Invalid> {
    Ok(v.to_string())
}

fn as_is_to_v1(v: &str) -> Result<Option<String>, Invalid> {
    Ok(Some(v.to_string()))
}

/// The rows that translate `name`: its one row for a v1 name, every row of a v2 name.
fn rows(name: &str) -> impl Iterator<Item = &'static Pair> + '_ {
    PAIRS.iter().filter(move |p| p.v1 == name || p.v2 == name)
}

/// Every translated name, v1 and v2 (for the property tests).
#[cfg(test)]
pub(crate) fn translated_names() -> impl Iterator<Item = &'static str> {
    PAIRS.iter().flat_map(|p| [p.v1, p.v2])
}

/// The version a setting name is written for, when it is specific to one.
fn name_version(name: &str) -> Option<Version> {
    if let Some(p) = rows(name).next() {
        return Some(if p.v1 == name {
            Version::V1
        } else {
            Version::V2
        });
    }
    NO_EQUIVALENT
        .iter()
        .find(|(_, entries)| entries.iter().any(|e| covers(e, name)))
        .map(|(version, _)| *version)
}

/// Does an entry of `NO_EQUIVALENT` (a name, or a family ending in `.`) cover `name`?
fn covers(entry: &str, name: &str) -> bool {
    entry == name || entry.ends_with('.') && name.starts_with(entry)
}

/// Why a name cannot be used on this hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmappable {
    pub name: String,
    pub target: Version,
}

impl std::fmt::Display for Unmappable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} has no cgroup v{} equivalent",
            self.name,
            self.target.number()
        )
    }
}

/// What to do for a setting on a hierarchy of `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// Use the name as given.
    Direct,
    /// Translate to the other version's files (`PAIRS`).
    Translated,
    /// The name belongs to the other version and has no equivalent.
    Unmappable(Unmappable),
}

/// Does `name` need translating on a group of `version` whose directory is `dir`? A file that
/// exists is always used as is.
pub fn mapping(version: Version, dir: &Path, name: &str) -> Mapping {
    if dir.join(name).exists() {
        return Mapping::Direct;
    }
    match name_version(name) {
        Some(v) if v != version && rows(name).next().is_some() => Mapping::Translated,
        Some(v) if v != version => Mapping::Unmappable(Unmappable {
            name: name.to_string(),
            target: version,
        }),
        _ => Mapping::Direct,
    }
}

/// The writes that set v1-or-v2 `name` to `value` on a group of the other version. `read` reads
/// a file of the group (for `cpu.max`, whose other field is kept).
pub fn translate_write(
    name: &str,
    value: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, CgError> {
    let value = value.trim();
    let inval = |_: Invalid| CgError::errno(libc::EINVAL);
    if rows(name).next().is_none() {
        return Err(CgError::new(Ecg::ValueNotExist));
    }
    let mut writes = Vec::new();
    for p in rows(name) {
        if p.v1 == name {
            let current = read(p.v2);
            let v = (p.to_v2)(value, current.as_deref()).map_err(inval)?;
            writes.push((p.v2.to_string(), v));
        } else if let Some(v) = (p.to_v1)(value).map_err(inval)? {
            writes.push((p.v1.to_string(), v));
        }
    }
    Ok(writes)
}

/// Read v1-or-v2 `name` from a group of the other version, converting the value.
pub fn translate_read(
    name: &str,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> std::io::Result<String> {
    let inval = || std::io::Error::from_raw_os_error(libc::EINVAL);
    let mut value: Option<String> = None;
    for p in rows(name) {
        value = Some(if p.v1 == name {
            let v2 = read(p.v2)?;
            (p.to_v1)(v2.trim())
                .map_err(|_| inval())?
                .ok_or_else(inval)?
        } else {
            let v1 = read(p.v1)?;
            (p.to_v2)(v1.trim(), value.as_deref()).map_err(|_| inval())?
        });
    }
    value.ok_or_else(|| std::io::Error::from_raw_os_error(libc::ENOENT))
}

/// Read `name` from the group at `dir` of `version`, translating when needed: the value as cgget
/// prints it (trailing newline dropped).
pub fn read_setting(version: Version, dir: &Path, name: &str) -> Result<String, ReadError> {
    let raw = |n: &str| crate::group::read_value(dir, n);
    match mapping(version, dir, name) {
        Mapping::Direct => raw(name).map_err(ReadError::Io),
        Mapping::Translated => {
            translate_read(name, &|n| path::read_knob(dir, n)).map_err(ReadError::Io)
        }
        Mapping::Unmappable(u) => Err(ReadError::Unmappable(u)),
    }
}

/// A failed read of a setting.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Unmappable(Unmappable),
}

/// The (file, value) writes that set `name=value` on the group at `dir` of `version`.
pub fn plan_write(
    version: Version,
    dir: &Path,
    name: &str,
    value: &str,
) -> Result<Vec<(String, String)>, WriteError> {
    match mapping(version, dir, name) {
        Mapping::Direct => Ok(vec![(name.to_string(), value.to_string())]),
        Mapping::Translated => translate_write(name, value, &|n| {
            path::read_knob(dir, n).ok().map(|s| s.trim().to_string())
        })
        .map_err(WriteError::Cg),
        Mapping::Unmappable(u) => Err(WriteError::Unmappable(u)),
    }
}

/// A failed plan for a write.
#[derive(Debug)]
pub enum WriteError {
    Cg(CgError),
    Unmappable(Unmappable),
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;

    /// (file, value) pairs.
    type FileValues = &'static [(&'static str, &'static str)];

    /// Values that convert both ways unchanged: (v2 name, v2 value, its v1 files in `PAIRS`
    /// order). Every row of `PAIRS` needs one (`every_row_round_trips`).
    #[rustfmt::skip]
    const ROUND_TRIPS: &[(&str, &str, FileValues)] = &[
        ("memory.max", "max", &[("memory.limit_in_bytes", V1_UNLIMITED)]),
        ("memory.max", "10485760", &[("memory.limit_in_bytes", "10485760")]),
        ("memory.high", "max", &[("memory.soft_limit_in_bytes", V1_UNLIMITED)]),
        ("memory.high", "10485760", &[("memory.soft_limit_in_bytes", "10485760")]),
        ("cpu.weight", "100", &[("cpu.shares", "1024")]),
        ("cpu.weight", "50", &[("cpu.shares", "512")]),
        ("cpu.max", "50000 100000", &[("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "50000")]),
        ("cpu.max", "max 100000", &[("cpu.cfs_period_us", "100000"), ("cpu.cfs_quota_us", "-1")]),
        ("cpuset.cpus.partition", "root", &[("cpuset.cpu_exclusive", "1")]),
        ("cpuset.cpus.partition", "member", &[("cpuset.cpu_exclusive", "0")]),
        ("cpuset.cpus.effective", "0-3", &[("cpuset.effective_cpus", "0-3")]),
        ("cpuset.mems.effective", "0", &[("cpuset.effective_mems", "0")]),
    ];

    /// One-way writes (lossy or special values): (name, value, the file's current value, writes).
    #[rustfmt::skip]
    const WRITES: &[(&str, &str, Option<&str>, FileValues)] = &[
        ("memory.limit_in_bytes", "-1", None, &[("memory.max", "max")]),
        ("memory.limit_in_bytes", "10M", None, &[("memory.max", "10M")]),
        ("memory.soft_limit_in_bytes", "-1", None, &[("memory.high", "max")]),
        ("cpu.shares", "2", None, &[("cpu.weight", "1")]),
        ("cpu.shares", "262144", None, &[("cpu.weight", "10000")]),
        ("cpu.cfs_quota_us", "50000", None, &[("cpu.max", "50000")]),
        ("cpu.cfs_quota_us", "-1", None, &[("cpu.max", "max")]),
        ("cpu.cfs_period_us", "200000", Some("50000 100000"), &[("cpu.max", "50000 200000")]),
        ("cpu.cfs_period_us", "200000", None, &[("cpu.max", "max 200000")]),
        ("cpu.max", "max", None, &[("cpu.cfs_quota_us", "-1")]),
        ("cpu.weight", "1", None, &[("cpu.shares", "10")]),
    ];

    /// One-way reads: (name, the value of the file it translates to, the value read).
    #[rustfmt::skip]
    const READS: &[(&str, &str, &str)] = &[
        ("cpuset.cpu_exclusive", "isolated", "1"),
        ("cpuset.cpu_exclusive", "root invalid (Cpu list in cpuset.cpus not exclusive)", "1"),
        ("cpu.cfs_quota_us", "max 100000", "-1"),
        ("cpu.shares", "1", "10"),
        ("cpu.weight", "2", "1"),
        ("memory.max", "-1", "max"),
    ];

    /// A group's files: reads and writes of `translate_read`/`translate_write` go here.
    struct Files(RefCell<BTreeMap<String, String>>);

    impl Files {
        fn new(files: &[(&str, &str)]) -> Files {
            let files = files.iter().map(|(n, v)| (n.to_string(), format!("{v}\n")));
            Files(RefCell::new(files.collect()))
        }
        fn write(&self, name: &str, value: &str) -> Result<Vec<(String, String)>, CgError> {
            let writes = translate_write(name, value, &|n| {
                self.0.borrow().get(n).map(|v| v.trim().to_string())
            })?;
            for (file, v) in &writes {
                self.0.borrow_mut().insert(file.clone(), format!("{v}\n"));
            }
            Ok(writes)
        }
        fn read(&self, name: &str) -> std::io::Result<String> {
            translate_read(name, &|n| {
                let enoent = || std::io::Error::from_raw_os_error(libc::ENOENT);
                self.0.borrow().get(n).cloned().ok_or_else(enoent)
            })
        }
    }

    fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn every_row_round_trips() {
        for (v2, v2_value, v1_files) in ROUND_TRIPS {
            // A v2 name on a v1 group: its v1 files, written and read back.
            let v1_group = Files::new(&[]);
            let writes = v1_group.write(v2, v2_value).unwrap();
            assert_eq!(writes, owned(v1_files), "{v2}");
            assert_eq!(v1_group.read(v2).unwrap(), *v2_value, "{v2}");
            // Each v1 name on a v2 group: read from the v2 file, written back unchanged.
            for (v1, v1_value) in *v1_files {
                let v2_group = Files::new(&[(v2, v2_value)]);
                assert_eq!(v2_group.read(v1).unwrap(), *v1_value, "{v1}");
                let writes = v2_group.write(v1, v1_value).unwrap();
                assert_eq!(writes, owned(&[(v2, v2_value)]), "{v1}");
            }
        }
        for p in PAIRS {
            let mut tried = ROUND_TRIPS.iter().filter(|(v2, _, _)| *v2 == p.v2);
            let tried = tried.any(|(_, _, v1s)| v1s.iter().any(|(v1, _)| *v1 == p.v1));
            assert!(tried, "{} has no round trip", p.v1);
        }
    }

    #[test]
    fn one_way_writes() {
        for (name, value, current, expected) in WRITES {
            let current: Vec<_> = current.iter().map(|c| (other_name(name), *c)).collect();
            let writes = Files::new(&current).write(name, value).unwrap();
            assert_eq!(writes, owned(expected), "{name}={value}");
        }
    }

    #[test]
    fn one_way_reads() {
        for (name, file_value, expected) in READS {
            let files = Files::new(&[(other_name(name), file_value)]);
            assert_eq!(
                files.read(name).unwrap(),
                *expected,
                "{name} from {file_value}"
            );
        }
    }

    /// The single file `name` translates to (for `WRITES` and `READS`).
    fn other_name(name: &str) -> &'static str {
        let p = rows(name).next().unwrap();
        [p.v1, p.v2].into_iter().find(|n| *n != name).unwrap()
    }

    #[test]
    fn invalid_values_are_einval() {
        #[rustfmt::skip]
        let invalid = [("cpu.shares", "lots"), ("cpu.weight", "x"), ("cpu.cfs_quota_us", ""),
                       ("cpuset.cpus.partition", "bogus"), ("cpuset.cpu_exclusive", "2")];
        for (name, value) in invalid {
            let e = Files::new(&[]).write(name, value).unwrap_err();
            assert_eq!(e.errno, libc::EINVAL, "{name}={value}");
        }
        let e = Files::new(&[("cpu.max", "max")]).read("cpu.cfs_period_us");
        assert_eq!(e.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        let e = Files::new(&[]).write("cpu.nope", "1").unwrap_err();
        assert_eq!(e.code, Ecg::ValueNotExist);
    }

    #[test]
    fn the_tables_agree() {
        let ctrl = crate::spec::controller_of;
        for p in PAIRS {
            // One row per v1 name, found from its v2 name; each name on one side only.
            assert_eq!(PAIRS.iter().filter(|q| q.v1 == p.v1).count(), 1, "{}", p.v1);
            let crossed = PAIRS.iter().any(|q| q.v2 == p.v1 || q.v1 == p.v2);
            assert!(!crossed && rows(p.v2).any(|q| q.v1 == p.v1), "{}", p.v1);
            assert_eq!(name_version(p.v1), Some(Version::V1));
            assert_eq!(name_version(p.v2), Some(Version::V2));
            // The tools pick the hierarchy by the name's controller: both names must share it.
            assert_eq!(ctrl(p.v1), ctrl(p.v2), "{} {}", p.v1, p.v2);
        }
        for (version, entries) in NO_EQUIVALENT {
            for entry in *entries {
                let name = format!("{entry}{}", if entry.ends_with('.') { "x" } else { "" });
                assert_eq!(name_version(&name), Some(*version), "{name}");
                assert!(rows(&name).next().is_none(), "{name} is also translated");
                let all = NO_EQUIVALENT.iter().flat_map(|(_, e)| e.iter());
                assert_eq!(all.filter(|e| covers(e, &name)).count(), 1, "{name} twice");
            }
        }
    }

    #[test]
    fn mapping_uses_existing_files_and_flags_unmappable_names() {
        use Mapping::{Direct, Translated};
        use Version::{V1, V2};
        let dir = std::env::temp_dir().join(format!("cgtools-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("memory.max"), "max\n").unwrap();
        let m = |version, name| mapping(version, &dir, name);
        for p in PAIRS {
            let v2_on_v1 = if p.v2 == "memory.max" {
                Direct
            } else {
                Translated
            };
            let found = [m(V2, p.v1), m(V1, p.v1), m(V2, p.v2), m(V1, p.v2)];
            assert_eq!(found, [Translated, Direct, Direct, v2_on_v1], "{}", p.v1);
        }
        for (version, name) in [(V2, "memory.swappiness"), (V1, "io.max")] {
            let Mapping::Unmappable(u) = m(version, name) else {
                panic!("{name} is for the other version")
            };
            let n = version.number();
            assert_eq!(
                u.to_string(),
                format!("{name} has no cgroup v{n} equivalent")
            );
        }
        // Unknown names, and names of the group's own version, go through untouched.
        assert_eq!([m(V2, "pids.max"), m(V1, "blkio.weight")], [Direct, Direct]);
        let limit = read_setting(V2, &dir, "memory.limit_in_bytes").unwrap();
        assert_eq!(limit, V1_UNLIMITED);
        let writes = plan_write(V2, &dir, "memory.limit_in_bytes", "-1").unwrap();
        assert_eq!(writes, owned(&[("memory.max", "max")]));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
