//! From what the user typed to what memhog will do: pure, so every rule is table-tested without
//! touching memory policy.
//!
//! Two programs answer to `memhog`. numactl's takes `size [policy [nodeset]]`; the one in the
//! "what even is a container" walkthrough takes `SIZE SECONDS` and narrates its work. A second
//! positional that is a plain decimal integer can never be a numactl policy (numactl would print
//! its usage), so it selects the walkthrough's behaviour.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use common::parse::strtoul;

use crate::cli::{memsize, Cli};

/// A NUMA memory policy (`MPOL_*` of <linux/mempolicy.h>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    Default = 0,
    Preferred = 1,
    Bind = 2,
    Interleave = 3,
    Local = 4,
    PreferredMany = 5,
    WeightedInterleave = 6,
}

/// One policy name memhog accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolicyName {
    pub(crate) name: &'static str,
    pub(crate) policy: Policy,
    /// `local` and `default` need no nodeset.
    pub(crate) nodeset_optional: bool,
    /// Listed in the usage text of numactl 2.0.19, the newest release. `weighted-interleave`
    /// came after it (numactl's git): we accept it, but print the released usage text.
    pub(crate) released: bool,
}

const fn named(
    name: &'static str,
    policy: Policy,
    nodeset_optional: bool,
    released: bool,
) -> PolicyName {
    PolicyName {
        name,
        policy,
        nodeset_optional,
        released,
    }
}

/// numactl's policy table, in the order its usage text lists it.
pub(crate) const POLICIES: [PolicyName; 7] = [
    named("preferred-many", Policy::PreferredMany, false, true),
    named("local", Policy::Local, true, true),
    named("interleave", Policy::Interleave, false, true),
    named("membind", Policy::Bind, false, true),
    named("preferred", Policy::Preferred, false, true),
    named("default", Policy::Default, true, true),
    named(
        "weighted-interleave",
        Policy::WeightedInterleave,
        false,
        false,
    ),
];

/// The usage text numactl 2.0.19's memhog prints on stdout before `exit(1)`.
pub(crate) fn usage_text() -> String {
    let names: Vec<&str> = POLICIES
        .iter()
        .filter(|p| p.released)
        .map(|p| p.name)
        .collect();
    format!(
        "memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset]]\n\
         -f mmap is backed by FILE\n\
         -rNUM repeat memset NUM times\n\
         -H disable transparent hugepages\n\
         Policies: {}\n",
        names.join(" ")
    )
}

/// What the running system says about NUMA nodes (libnuma reads the same sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumaFacts {
    /// Nodes this task may use (`Mems_allowed` of /proc/self/status): libnuma's `numa_all_nodes`.
    pub(crate) allowed: Vec<u32>,
    /// Size in bits of libnuma's node masks (32 per word of `Mems_allowed`).
    pub(crate) mask_bits: u32,
    /// Number of configured nodes (`nodeN` directories under /sys/devices/system/node).
    pub(crate) configured: u32,
    /// Whether the kernel has memory policies (`get_mempolicy` is not ENOSYS/EPERM).
    pub(crate) available: bool,
}

impl NumaFacts {
    /// A single-node machine, for tests.
    pub(crate) fn one_node() -> Self {
        NumaFacts {
            allowed: vec![0],
            mask_bits: 1024,
            configured: 1,
            available: true,
        }
    }
}

/// Everything that decides how memhog runs once the arguments are understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// `--version`.
    Version,
    /// Print the usage text on stdout, exit 1.
    Usage,
    /// numactl's memhog: dots per 10 MiB, a newline per pass.
    Numactl(Hog),
    /// The walkthrough's memhog: allocating / writing / reading / sleeping for `seconds`.
    Walkthrough { hog: Hog, seconds: u64 },
    /// numactl's `<nodeset> is invalid` (stdout, exit 1), after libnuma's warning on stderr.
    InvalidNodes {
        /// As libnuma prints it: the bytes of the nodeset as given.
        warning: Option<Vec<u8>>,
        nodes: OsString,
    },
}

/// The buffer, how often to fill it, and the policy to bind it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hog {
    pub(crate) length: u64,
    pub(crate) repeat: i32,
    pub(crate) no_hugepages: bool,
    pub(crate) policy: Policy,
    /// Node numbers of the policy's nodeset (empty for `default`/`local`).
    pub(crate) nodes: Vec<u32>,
    /// Size in bits of the node mask handed to mbind (libnuma's mask size).
    pub(crate) mask_bits: u32,
    /// numactl's `Kernel doesn't support NUMA policy` line (stdout) is due.
    pub(crate) warn_no_numa: bool,
}

/// Decide what to do. `-f` files are not here: `run` opens them in order, as numactl does, before
/// acting on this plan (so their errors come first even when the plan is a usage error).
pub(crate) fn plan(cli: &Cli, numa: &NumaFacts) -> Plan {
    if cli.version {
        return Plan::Version;
    }
    if cli.bad_option || cli.positionals.is_empty() {
        return Plan::Usage;
    }
    let length = memsize(cli.positionals[0].as_bytes());
    let second = cli.positionals.get(1);
    let mut hog = Hog {
        length,
        repeat: cli.repeat,
        no_hugepages: cli.no_hugepages,
        policy: Policy::Default,
        nodes: Vec::new(),
        mask_bits: numa.mask_bits,
        warn_no_numa: false,
    };
    if let Some(seconds) = second.and_then(|s| seconds(s.as_bytes())) {
        return Plan::Walkthrough { hog, seconds };
    }
    hog.warn_no_numa = second.is_some() && !numa.available;
    let Some(policy) = second else {
        return Plan::Numactl(hog);
    };
    let nodeset = cli.positionals.get(2);
    let Some(policy) = policy_named(policy.as_bytes(), nodeset.is_some()) else {
        return Plan::Usage;
    };
    hog.policy = policy;
    if !matches!(policy, Policy::Default | Policy::Local) {
        let text = nodeset.expect("policies needing a nodeset were checked");
        match parse_nodestring(text.as_bytes(), numa) {
            Ok(nodes) => hog.nodes = nodes,
            Err(warning) => {
                return Plan::InvalidNodes {
                    warning,
                    nodes: text.clone(),
                }
            }
        }
    }
    Plan::Numactl(hog)
}

/// The walkthrough's seconds: a plain decimal integer (no sign, no suffix) that fits in 64 bits.
fn seconds(text: &[u8]) -> Option<u64> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// numactl's `parse_policy`: leading dashes are dropped (`--membind` works); a policy that needs
/// a nodeset without one, or an unknown name, is a usage error (`None`).
fn policy_named(name: &[u8], has_nodeset: bool) -> Option<Policy> {
    let mut name = name;
    while let [b'-', rest @ ..] = name {
        name = rest;
    }
    POLICIES
        .iter()
        .find(|p| p.name.as_bytes() == name)
        .filter(|p| p.nodeset_optional || has_nodeset)
        .map(|p| p.policy)
}

/// libnuma's `numa_parse_nodestring`: `all`, `N`, `N-M`, comma lists, a leading `!` (invert over
/// the configured nodes) and `+` (numbers relative to the allowed set). On failure the warning
/// libnuma prints (`libnuma: Warning: ...`), when it prints one.
///
/// Device names (`netdev:eth0`, `file:/path`, `pci:...`, `block:...`, `ip:...`) are not
/// resolved: they are reported as unparseable.
pub(crate) fn parse_nodestring(text: &[u8], numa: &NumaFacts) -> Result<Vec<u32>, Option<Vec<u8>>> {
    let mut s = text;
    let mut mask: Vec<u32> = Vec::new();
    if s.is_empty() {
        return Ok(mask);
    }
    let invert = s[0] == b'!';
    if invert {
        s = &s[1..];
    }
    let relative = s.first() == Some(&b'+');
    if relative {
        s = &s[1..];
    }
    // libnuma tests a node with `numa_bitmask_isbitset(mask, unsigned int n)`: the unsigned long
    // it parsed is cut to 32 bits there (4294967296 is node 0), and printed with %ld.
    let allowed = |n: u64| {
        let bit = n as u32;
        bit < numa.mask_bits && numa.allowed.contains(&bit)
    };
    let shown = |n: u64| n as i64;
    // numa_warn's line, the message ending in its own newline; the nodeset's bytes as given.
    let warn = |parts: &[&[u8]]| {
        let mut line = b"libnuma: Warning: ".to_vec();
        line.extend(parts.concat());
        line.push(b'\n');
        Some(line)
    };
    loop {
        if s.first().is_some_and(u8::is_ascii_alphabetic) && s == b"all" {
            mask.extend(numa.allowed.iter().copied());
            break;
        }
        let (first, used) = node_number(s, relative, numa);
        if used == 0 {
            return Err(warn(&[b"unparseable node description `", s, b"'\n"]));
        }
        if !allowed(first) {
            let message = format!("node argument {} is out of range\n", shown(first));
            return Err(warn(&[message.as_bytes()]));
        }
        mask.push(first as u32);
        s = &s[used..];
        if s.first() == Some(&b'-') {
            s = &s[1..];
            let (last, used) = node_number(s, relative, numa);
            if used == 0 {
                return Err(warn(&[b"missing node argument ", s, b"\n"]));
            }
            if !allowed(last) {
                let message = format!("node argument {} out of range\n", shown(last));
                return Err(warn(&[message.as_bytes()]));
            }
            mask.extend(nodes_in_range(first, last, &numa.allowed));
            s = &s[used..];
        }
        match s.first() {
            Some(b',') => s = &s[1..],
            None => break,
            // Trailing garbage (`0 `): rejected without a warning, as libnuma does.
            Some(_) => return Err(None),
        }
    }
    if invert {
        mask = (0..numa.configured).filter(|n| !mask.contains(n)).collect();
    }
    mask.sort_unstable();
    mask.dedup();
    Ok(mask)
}

/// The allowed nodes libnuma's `while (arg <= arg2)` loop sets: those equal, cut to 32 bits, to
/// some number from `first` to `last` (a range may span more than 2^32 numbers, so no loop).
fn nodes_in_range(first: u64, last: u64, allowed: &[u32]) -> Vec<u32> {
    if first > last {
        return Vec::new();
    }
    allowed
        .iter()
        .copied()
        .filter(|&node| {
            // The first number from `first` on that is `node` modulo 2^32.
            let offset = u64::from(node.wrapping_sub(first as u32));
            first.checked_add(offset).is_some_and(|n| n <= last)
        })
        .collect()
}

/// libnuma's `get_nr`: a number, or with `+` the position of the Nth allowed node.
fn node_number(s: &[u8], relative: bool, numa: &NumaFacts) -> (u64, usize) {
    let number = strtoul(s, 0);
    let (n, used) = (number.value, number.used);
    if !relative || used == 0 {
        return (n, used);
    }
    // The index of the (n+1)th set bit, or the mask size when there is none.
    let mut sorted = numa.allowed.clone();
    sorted.sort_unstable();
    let index = usize::try_from(n).ok().and_then(|i| sorted.get(i).copied());
    (u64::from(index.unwrap_or(numa.mask_bits)), used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::parse;

    fn plan_of(args: &[&str]) -> Plan {
        let argv = std::iter::once("memhog")
            .chain(args.iter().copied())
            .map(OsString::from);
        plan(&parse(argv), &NumaFacts::one_node())
    }

    fn hog(length: u64) -> Hog {
        Hog {
            length,
            repeat: 1,
            no_hugepages: false,
            policy: Policy::Default,
            nodes: vec![],
            mask_bits: 1024,
            warn_no_numa: false,
        }
    }

    #[test]
    fn usage_cases() {
        for args in [
            &[][..],
            &["-x"],
            &["--help"],
            &["-H"],
            &["1m", "bogus"],
            &["1m", "interleave"],
            &["1m", "-H"],
            &["1m", ""],
            &["1m", "-"],
            &["1m", "1x"],
            &["1m", "-1"],
        ] {
            assert_eq!(plan_of(args), Plan::Usage, "{args:?}");
        }
        assert_eq!(plan_of(&["--version"]), Plan::Version);
    }

    #[test]
    fn numactl_sizes_and_policies() {
        assert_eq!(plan_of(&["20m"]), Plan::Numactl(hog(20 << 20)));
        assert_eq!(plan_of(&["0"]), Plan::Numactl(hog(0)));
        let Plan::Numactl(h) = plan_of(&["-r3", "-H", "1g", "--membind", "0"]) else {
            panic!("numactl plan expected");
        };
        assert_eq!(
            (h.length, h.repeat, h.no_hugepages, h.policy, h.nodes),
            (1 << 30, 3, true, Policy::Bind, vec![0])
        );
        for (name, policy) in [
            ("local", Policy::Local),
            ("default", Policy::Default),
            ("-local", Policy::Local),
        ] {
            let Plan::Numactl(h) = plan_of(&["1m", name, "junk"]) else {
                panic!("{name}");
            };
            assert_eq!(
                (h.policy, h.nodes),
                (policy, vec![]),
                "{name}: nodeset ignored"
            );
        }
        let Plan::Numactl(h) = plan_of(&["1m", "weighted-interleave", "all"]) else {
            panic!("weighted-interleave");
        };
        assert_eq!((h.policy, h.nodes), (Policy::WeightedInterleave, vec![0]));
    }

    #[test]
    fn an_integer_second_argument_is_the_walkthrough() {
        assert_eq!(
            plan_of(&["104857600", "1"]),
            Plan::Walkthrough {
                hog: hog(104857600),
                seconds: 1
            }
        );
        assert!(matches!(
            plan_of(&["10m", "0", "extra"]),
            Plan::Walkthrough { seconds: 0, .. }
        ));
        // Not plain integers: numactl's reading (a policy name), hence usage.
        for second in ["+1", "1s", " 1", "99999999999999999999"] {
            assert_eq!(plan_of(&["1m", second]), Plan::Usage, "{second}");
        }
    }

    #[test]
    fn invalid_nodesets_carry_libnuma_warning() {
        let invalid = |nodes: &str, warning: Option<&str>| {
            assert_eq!(
                plan_of(&["1m", "interleave", nodes]),
                Plan::InvalidNodes {
                    warning: warning.map(|w| format!("libnuma: Warning: {w}\n\n").into_bytes()),
                    nodes: nodes.into()
                },
                "{nodes:?}"
            );
        };
        invalid("5", Some("node argument 5 is out of range"));
        invalid("0-5", Some("node argument 5 out of range"));
        invalid("1-0", Some("node argument 1 is out of range"));
        invalid("0-", Some("missing node argument "));
        invalid("x", Some("unparseable node description `x'"));
        invalid("allx", Some("unparseable node description `allx'"));
        invalid("0,", Some("unparseable node description `'"));
        invalid("-1", Some("node argument -1 is out of range"));
        invalid(
            "4294967295",
            Some("node argument 4294967295 is out of range"),
        );
        invalid(
            "0-4294967297",
            Some("node argument 4294967297 out of range"),
        );
        invalid(
            "18446744073709551616",
            Some("node argument -1 is out of range"),
        );
        invalid("+1", Some("node argument 1024 is out of range"));
        invalid("0 ", None);
    }

    #[test]
    fn nodestrings_as_libnuma_reads_them() {
        let numa = NumaFacts {
            allowed: vec![0, 1, 2, 3],
            mask_bits: 64,
            configured: 4,
            available: true,
        };
        let cases: &[(&str, &[u32])] = &[
            ("", &[]),
            ("0", &[0]),
            ("0-3", &[0, 1, 2, 3]),
            ("0,2", &[0, 2]),
            ("3,0-1", &[0, 1, 3]),
            ("all", &[0, 1, 2, 3]),
            ("!0", &[1, 2, 3]),
            ("!all", &[]),
            ("+1", &[1]),
            ("0x2", &[2]),
            (" 1", &[1]),
            ("0,0", &[0]),
            // Cut to 32 bits, as libnuma's unsigned int bit number.
            ("4294967296", &[0]),
            ("4294967297", &[1]),
            ("0-4294967296", &[0, 1, 2, 3]),
            ("4294967298-4294967299", &[2, 3]),
            ("4294967296-0", &[0]),
            ("-4294967296", &[0]),
        ];
        for &(text, nodes) in cases {
            assert_eq!(
                parse_nodestring(text.as_bytes(), &numa),
                Ok(nodes.to_vec()),
                "{text:?}"
            );
        }
        // Allowed set with a hole: ranges skip nodes that are not allowed; `+N` counts allowed ones.
        let holes = NumaFacts {
            allowed: vec![0, 2],
            mask_bits: 64,
            configured: 3,
            available: true,
        };
        assert_eq!(parse_nodestring(b"0-2", &holes), Ok(vec![0, 2]));
        assert_eq!(parse_nodestring(b"+1", &holes), Ok(vec![2]));
        assert_eq!(parse_nodestring(b"!2", &holes), Ok(vec![0, 1]));
    }

    #[test]
    fn usage_text_is_the_newest_releases() {
        let text = usage_text();
        assert!(text.starts_with("memhog [-fFILE] [-rNUM] [-H] size[kmg] [policy [nodeset]]\n"));
        assert!(
            text.ends_with("Policies: preferred-many local interleave membind preferred default\n")
        );
    }
}
