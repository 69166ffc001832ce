//! cgroup v1 <-> v2 setting names, so that v1-era tutorials work on v2 hosts and the reverse.
//!
//! libcgroup translates only in `cgxset`/`cgxget -1/-2`; cgset and cgget here do it whenever the
//! named file is missing and the name belongs to the other version. `PAIRS` holds each pair as one
//! row (v1 name, v2 name, value to v2, value to v1); the table and the value
//! conversions follow libcgroup's `src/abstraction-map.c`:
//!
//! | v1 | v2 | values |
//! |---|---|---|
//! | memory.limit_in_bytes | memory.max | `-1`/`9223372036854771712` -> `max` -> `9223372036854771712` |
//! | memory.soft_limit_in_bytes | memory.high | same |
//! | cpu.shares | cpu.weight | weight = shares * 100 / 1024 (1..=10000) |
//! | cpu.cfs_quota_us / cpu.cfs_period_us | cpu.max | first / second field, `-1` <-> `max` |
//! | cpuset.cpu_exclusive | cpuset.cpus.partition | `1` <-> `root`, `0` <-> `member` |
//! | cpuset.effective_cpus / effective_mems | cpuset.cpus.effective / mems.effective | as is |

use std::path::Path;

use crate::error::{CgError, Ecg};
use crate::layout::Version;
use crate::path;

/// v1's "unlimited" for memory limits (PAGE_COUNTER_MAX in bytes on 4 KiB pages).
pub const V1_UNLIMITED: &str = "9223372036854771712";

/// v1 names with no v2 equivalent: a clear error instead of "does not exist".
const V1_ONLY: &[&str] = &[
    "cpu.rt_runtime_us",
    "cpu.rt_period_us",
    "cpuset.mem_exclusive",
    "cpuset.mem_hardwall",
    "cpuset.memory_migrate",
    "cpuset.memory_pressure",
    "cpuset.memory_pressure_enabled",
    "cpuset.memory_spread_page",
    "cpuset.memory_spread_slab",
    "cpuset.sched_load_balance",
    "cpuset.sched_relax_domain_level",
    "memory.swappiness",
    "memory.use_hierarchy",
    "memory.oom_control",
    "memory.move_charge_at_immigrate",
    "memory.force_empty",
    "memory.failcnt",
    "memory.max_usage_in_bytes",
    "memory.usage_in_bytes",
];
/// Prefixes of v1-only families.
const V1_ONLY_PREFIX: &[&str] = &["memory.memsw.", "memory.kmem.", "blkio."];
/// v2 names with no v1 equivalent.
const V2_ONLY: &[&str] = &[
    "memory.low",
    "memory.min",
    "memory.swap.max",
    "memory.swap.high",
    "memory.zswap.max",
    "memory.oom.group",
    "memory.events",
    "memory.current",
    "memory.peak",
    "cpu.weight.nice",
    "cpu.max.burst",
    "cpu.uclamp.min",
    "cpu.uclamp.max",
];
const V2_ONLY_PREFIX: &[&str] = &["io."];

/// The version a setting name is written for, when it is specific to one.
pub fn name_version(name: &str) -> Option<Version> {
    if PAIRS.iter().any(|p| p.v1 == name) {
        return Some(Version::V1);
    }
    if PAIRS.iter().any(|p| p.v2 == name) {
        return Some(Version::V2);
    }
    if V1_ONLY.contains(&name) || V1_ONLY_PREFIX.iter().any(|p| name.starts_with(p)) {
        return Some(Version::V1);
    }
    if V2_ONLY.contains(&name) || V2_ONLY_PREFIX.iter().any(|p| name.starts_with(p)) {
        return Some(Version::V2);
    }
    None
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
    /// Use these files instead (translated).
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
        Some(v) if v != version => {
            if has_translation(name) {
                Mapping::Translated
            } else {
                Mapping::Unmappable(Unmappable {
                    name: name.to_string(),
                    target: version,
                })
            }
        }
        _ => Mapping::Direct,
    }
}

fn has_translation(name: &str) -> bool {
    PAIRS.iter().any(|p| p.v1 == name || p.v2 == name)
}

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

/// Every translated pair (libcgroup's `src/abstraction-map.c`). Several rows may share a v2
/// name: they are written in this order, and read by folding their values in this order.
#[rustfmt::skip]
const PAIRS: &[Pair] = &[
    Pair { v1: "memory.limit_in_bytes", v2: "memory.max", to_v2: memory_to_v2, to_v1: memory_to_v1 },
    Pair { v1: "memory.soft_limit_in_bytes", v2: "memory.high", to_v2: memory_to_v2, to_v1: memory_to_v1 },
    Pair { v1: "cpu.shares", v2: "cpu.weight", to_v2: |v, _| Ok(shares_to_weight(num(v)?).to_string()), to_v1: |v| Ok(Some(weight_to_shares(num(v)?).to_string())) },
    Pair { v1: "cpu.cfs_period_us", v2: "cpu.max", to_v2: period_to_v2, to_v1: |v| v.split_whitespace().nth(1).map(|p| Ok(num(p)?.to_string())).transpose() },
    Pair { v1: "cpu.cfs_quota_us", v2: "cpu.max", to_v2: quota_to_v2, to_v1: quota_to_v1 },
    Pair { v1: "cpuset.cpu_exclusive", v2: "cpuset.cpus.partition", to_v2: exclusive_to_v2, to_v1: exclusive_to_v1 },
    Pair { v1: "cpuset.effective_cpus", v2: "cpuset.cpus.effective", to_v2: |v, _| Ok(v.to_string()), to_v1: |v| Ok(Some(v.to_string())) },
    Pair { v1: "cpuset.effective_mems", v2: "cpuset.mems.effective", to_v2: |v, _| Ok(v.to_string()), to_v1: |v| Ok(Some(v.to_string())) },
];

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
    Ok(Some(if v == "max" {
        V1_UNLIMITED.into()
    } else {
        v.to_string()
    }))
}

/// The period after the current quota (`max` when there is none).
fn period_to_v2(v: &str, current: Option<&str>) -> Result<String, Invalid> {
    num(v)?;
    let quota = current
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or("max");
    Ok(format!("{quota} {v}"))
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

/// shares -> weight as libcgroup converts it (C `long` arithmetic: a huge value wraps, where
/// Rust's checked debug arithmetic would panic).
pub fn shares_to_weight(shares: i64) -> i64 {
    (shares.wrapping_mul(100) / 1024).clamp(1, 10000)
}

/// weight -> shares as libcgroup converts it (wrapping like C's `long`).
pub fn weight_to_shares(weight: i64) -> i64 {
    (weight.wrapping_mul(1024) / 100).max(2)
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
    if let Some(p) = PAIRS.iter().find(|p| p.v1 == name) {
        let current = read(p.v2);
        return Ok(vec![(
            p.v2.to_string(),
            (p.to_v2)(value, current.as_deref()).map_err(inval)?,
        )]);
    }
    let mut writes = Vec::new();
    for p in PAIRS.iter().filter(|p| p.v2 == name) {
        if let Some(v) = (p.to_v1)(value).map_err(inval)? {
            writes.push((p.v1.to_string(), v));
        }
    }
    if writes.is_empty() && !has_translation(name) {
        return Err(CgError::new(Ecg::ValueNotExist));
    }
    Ok(writes)
}

/// Read v1-or-v2 `name` from a group of the other version, converting the value.
pub fn translate_read(
    name: &str,
    read: &dyn Fn(&str) -> std::io::Result<String>,
) -> std::io::Result<String> {
    let inval = |_: Invalid| std::io::Error::from_raw_os_error(libc::EINVAL);
    if let Some(p) = PAIRS.iter().find(|p| p.v1 == name) {
        let v2 = read(p.v2)?;
        return (p.to_v1)(v2.trim())
            .map_err(inval)?
            .ok_or_else(|| inval(Invalid));
    }
    let mut value: Option<String> = None;
    for p in PAIRS.iter().filter(|p| p.v2 == name) {
        let v1 = read(p.v1)?;
        value = Some((p.to_v2)(v1.trim(), value.as_deref()).map_err(inval)?);
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
    use super::*;

    fn w(name: &str, value: &str, cur: Option<&str>) -> Result<Vec<(String, String)>, CgError> {
        let cur = cur.map(str::to_string);
        translate_write(name, value, &move |_| cur.clone())
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn writes_v1_names_on_v2() {
        assert_eq!(
            w("memory.limit_in_bytes", "10485760", None).unwrap(),
            pairs(&[("memory.max", "10485760")])
        );
        assert_eq!(
            w("memory.limit_in_bytes", "-1", None).unwrap(),
            pairs(&[("memory.max", "max")])
        );
        assert_eq!(
            w("memory.limit_in_bytes", V1_UNLIMITED, None).unwrap(),
            pairs(&[("memory.max", "max")])
        );
        assert_eq!(
            w("memory.limit_in_bytes", "10M", None).unwrap(),
            pairs(&[("memory.max", "10M")])
        );
        assert_eq!(
            w("memory.soft_limit_in_bytes", "-1", None).unwrap(),
            pairs(&[("memory.high", "max")])
        );
        assert_eq!(
            w("cpu.shares", "1024", None).unwrap(),
            pairs(&[("cpu.weight", "100")])
        );
        assert_eq!(
            w("cpu.shares", "2", None).unwrap(),
            pairs(&[("cpu.weight", "1")])
        );
        assert_eq!(
            w("cpu.shares", "262144", None).unwrap(),
            pairs(&[("cpu.weight", "10000")])
        );
        assert_eq!(
            w("cpu.cfs_quota_us", "50000", None).unwrap(),
            pairs(&[("cpu.max", "50000")])
        );
        assert_eq!(
            w("cpu.cfs_quota_us", "-1", None).unwrap(),
            pairs(&[("cpu.max", "max")])
        );
        assert_eq!(
            w("cpu.cfs_period_us", "200000", Some("50000 100000")).unwrap(),
            pairs(&[("cpu.max", "50000 200000")])
        );
        assert_eq!(
            w("cpuset.cpu_exclusive", "1", None).unwrap(),
            pairs(&[("cpuset.cpus.partition", "root")])
        );
        assert_eq!(
            w("cpuset.cpu_exclusive", "0", None).unwrap(),
            pairs(&[("cpuset.cpus.partition", "member")])
        );
        assert_eq!(
            w("cpu.shares", "lots", None).unwrap_err().errno,
            libc::EINVAL
        );
    }

    #[test]
    fn writes_v2_names_on_v1() {
        assert_eq!(
            w("memory.max", "max", None).unwrap(),
            pairs(&[("memory.limit_in_bytes", V1_UNLIMITED)])
        );
        assert_eq!(
            w("memory.max", "10485760", None).unwrap(),
            pairs(&[("memory.limit_in_bytes", "10485760")])
        );
        assert_eq!(
            w("memory.high", "max", None).unwrap(),
            pairs(&[("memory.soft_limit_in_bytes", V1_UNLIMITED)])
        );
        assert_eq!(
            w("cpu.weight", "100", None).unwrap(),
            pairs(&[("cpu.shares", "1024")])
        );
        assert_eq!(
            w("cpu.max", "50000 100000", None).unwrap(),
            pairs(&[
                ("cpu.cfs_period_us", "100000"),
                ("cpu.cfs_quota_us", "50000")
            ])
        );
        assert_eq!(
            w("cpu.max", "max", None).unwrap(),
            pairs(&[("cpu.cfs_quota_us", "-1")])
        );
        assert_eq!(
            w("cpuset.cpus.partition", "root", None).unwrap(),
            pairs(&[("cpuset.cpu_exclusive", "1")])
        );
        assert!(w("cpuset.cpus.partition", "bogus", None).is_err());
    }

    #[test]
    fn reads_translate_values() {
        let v2 = |n: &str| -> std::io::Result<String> {
            Ok(match n {
                "memory.max" => "max\n",
                "memory.high" => "10485760\n",
                "cpu.weight" => "100\n",
                "cpu.max" => "50000 100000\n",
                "cpuset.cpus.partition" => "root\n",
                _ => return Err(std::io::Error::from_raw_os_error(libc::ENOENT)),
            }
            .to_string())
        };
        assert_eq!(
            translate_read("memory.limit_in_bytes", &v2).unwrap(),
            V1_UNLIMITED
        );
        assert_eq!(
            translate_read("memory.soft_limit_in_bytes", &v2).unwrap(),
            "10485760"
        );
        assert_eq!(translate_read("cpu.shares", &v2).unwrap(), "1024");
        assert_eq!(translate_read("cpu.cfs_quota_us", &v2).unwrap(), "50000");
        assert_eq!(translate_read("cpu.cfs_period_us", &v2).unwrap(), "100000");
        assert_eq!(translate_read("cpuset.cpu_exclusive", &v2).unwrap(), "1");
        let v1 = |n: &str| -> std::io::Result<String> {
            Ok(match n {
                "memory.limit_in_bytes" => "9223372036854771712\n",
                "memory.soft_limit_in_bytes" => "10485760\n",
                "cpu.shares" => "512\n",
                "cpu.cfs_quota_us" => "-1\n",
                "cpu.cfs_period_us" => "100000\n",
                "cpuset.cpu_exclusive" => "0\n",
                _ => return Err(std::io::Error::from_raw_os_error(libc::ENOENT)),
            }
            .to_string())
        };
        assert_eq!(translate_read("memory.max", &v1).unwrap(), "max");
        assert_eq!(translate_read("memory.high", &v1).unwrap(), "10485760");
        assert_eq!(translate_read("cpu.weight", &v1).unwrap(), "50");
        assert_eq!(translate_read("cpu.max", &v1).unwrap(), "max 100000");
        assert_eq!(
            translate_read("cpuset.cpus.partition", &v1).unwrap(),
            "member"
        );
    }

    #[test]
    fn mapping_uses_existing_files_and_flags_unmappable_names() {
        let dir = std::env::temp_dir().join(format!("cgtools-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("memory.max"), "max\n").unwrap();
        assert_eq!(mapping(Version::V2, &dir, "memory.max"), Mapping::Direct);
        assert_eq!(
            mapping(Version::V2, &dir, "memory.limit_in_bytes"),
            Mapping::Translated
        );
        assert_eq!(
            mapping(Version::V1, &dir, "memory.limit_in_bytes"),
            Mapping::Direct
        );
        let Mapping::Unmappable(u) = mapping(Version::V2, &dir, "memory.swappiness") else {
            panic!("memory.swappiness is v1-only")
        };
        assert_eq!(
            u.to_string(),
            "memory.swappiness has no cgroup v2 equivalent"
        );
        assert!(matches!(
            mapping(Version::V1, &dir, "io.max"),
            Mapping::Unmappable(_)
        ));
        // Unknown names go through untouched (the write or read then fails as usual).
        assert_eq!(mapping(Version::V2, &dir, "pids.max"), Mapping::Direct);
        assert_eq!(
            read_setting(Version::V2, &dir, "memory.limit_in_bytes").unwrap(),
            V1_UNLIMITED
        );
        assert_eq!(
            plan_write(Version::V2, &dir, "memory.limit_in_bytes", "-1").unwrap(),
            pairs(&[("memory.max", "max")])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
