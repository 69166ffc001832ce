//! Properties of `memhog`'s argument reading and plan (the fuzz suite, issue 15), in process: no
//! memory is allocated, only the plan is made. Any argv (non-UTF-8, huge sizes, odd suffixes,
//! policies and nodesets) on any NUMA shape gives a plan without a panic; nodesets only name
//! nodes the task may use; libnuma's warnings keep libnuma's wording; numactl's C number
//! parsing agrees with Rust's for the numbers both can read. `PROPTEST_CASES=N` runs N cases.

use std::ffi::OsString;

use common::fuzz::{argv, check_message, number_text, raw_bytes};
use proptest::prelude::*;

use common::parse::atoi;

use crate::cli::{memsize, parse};
use crate::plan::{parse_nodestring, plan, NumaFacts, Plan, POLICIES};

/// Options and words memhog understands (its own grammar: `-fFILE`, `-rNUM`, `-H`, positionals).
fn words() -> (Vec<String>, Vec<String>) {
    let options = ["-f", "-r", "-H", "--version", "-x", "--membind"]
        .map(String::from)
        .to_vec();
    let mut values: Vec<String> = POLICIES.iter().map(|p| p.name.to_string()).collect();
    values.extend(
        [
            "0",
            "0-3",
            "0,2",
            "!0",
            "+1",
            "all",
            "1m",
            "10k",
            "1.5g",
            "0x10",
            "08",
            "5",
            "netdev:lo",
        ]
        .map(String::from),
    );
    (options, values)
}

fn memhog_argv() -> impl Strategy<Value = Vec<OsString>> {
    let (options, values) = words();
    argv("memhog", options, values, 5)
}

/// Any NUMA shape a kernel can show.
fn numa() -> impl Strategy<Value = NumaFacts> {
    (
        prop::collection::vec(0u32..80, 0..6),
        prop::sample::select(vec![32u32, 64, 1024, 4096]),
        0u32..70,
        any::<bool>(),
    )
        // The allowed nodes come from a mask of mask_bits bits.
        .prop_map(|(allowed, mask_bits, configured, available)| NumaFacts {
            allowed: allowed.into_iter().filter(|&n| n < mask_bits).collect(),
            mask_bits,
            configured,
            available,
        })
}

/// Nodestrings: lists, ranges, `!`, `+`, `all`, and anything.
fn nodestring() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "!?\\+?(all|[0-9]{1,3}(-[0-9]{1,3})?(,[0-9]{1,3}(-[0-9]{1,3})?){0,3})",
        number_text(),
    ]
    .prop_map(String::into_bytes)
    .boxed()
    .prop_union(raw_bytes(10).boxed())
}

proptest! {
    #[test]
    fn any_argv_plans_without_panic(argv in memhog_argv(), numa in numa()) {
        let cli = parse(argv.clone());
        match plan(&cli, &numa) {
            Plan::Version | Plan::Usage => {}
            Plan::Numactl(hog) | Plan::Walkthrough { hog, .. } => {
                prop_assert_eq!(hog.length, memsize(cli.positionals[0].as_encoded_bytes()));
                prop_assert!(hog.nodes.iter().all(|&n| n < numa.mask_bits));
            }
            Plan::InvalidNodes { warning, .. } => {
                if let Some(w) = warning {
                    check_message(&String::from_utf8_lossy(&w), "libnuma: Warning: ", &[])?;
                }
            }
        }
    }

    #[test]
    fn nodesets_name_only_usable_nodes(text in nodestring(), numa in numa()) {
        match parse_nodestring(&text, &numa) {
            Ok(nodes) => {
                prop_assert!(nodes.windows(2).all(|w| w[0] < w[1]), "not sorted and unique: {:?}", nodes);
                if text.first() == Some(&b'!') {
                    prop_assert!(nodes.iter().all(|&n| n < numa.configured));
                } else {
                    prop_assert!(nodes.iter().all(|n| numa.allowed.contains(n)), "{:?} not allowed in {:?}", nodes, numa);
                }
            }
            Err(Some(w)) => check_message(&String::from_utf8_lossy(&w), "libnuma: Warning: ", &[])?,
            Err(None) => {}
        }
    }

    #[test]
    fn c_numbers_read_as_glibc_does(n in any::<u64>(), i in any::<i32>(), junk in raw_bytes(16), suffix in prop::sample::select(vec!["", "k", "K", "m", "M", "g", "G", "x", ".5g"])) {
        // Decimal, hex and octal spellings of the same number.
        for (text, len) in [
            (n.to_string(), n.to_string().len()),
            (format!("{n:#x}"), format!("{n:#x}").len()),
            (format!("0{n:o}"), format!("0{n:o}").len()),
        ] {
            let number = common::parse::strtoul(text.as_bytes(), 0);
            prop_assert_eq!((number.value, number.used), (n, len), "{}", text);
        }
        let shift = match suffix.chars().next() {
            Some('k' | 'K') => 10,
            Some('m' | 'M') => 20,
            Some('g' | 'G') => 30,
            _ => 0,
        };
        prop_assert_eq!(memsize(format!("{n}{suffix}").as_bytes()), n.wrapping_shl(shift));
        prop_assert_eq!(atoi(i.to_string().as_bytes()), i);
        // Anything at all: no panic, and nothing consumed past the end.
        let used = common::parse::strtoul(&junk, 0).used;
        prop_assert!(used <= junk.len());
        let _ = atoi(&junk);
        let _ = memsize(&junk);
    }
}
