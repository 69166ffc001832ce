//! Shared support for the nstools end-to-end tests.
//!
//! * [`suite`]: a libtest-mimic runner whose tests state their needs ([`Need`]); a test whose
//!   needs are unmet is reported as skipped with the reason, and fails when
//!   `NSTOOLS_REQUIRE_PRIVILEGED=1` (CI sets it), so nothing privileged can pass silently.
//! * [`guard`]: RAII guards for test cgroups and process groups, so every outcome cleans up.
//! * [`diff`]: the differential runner: our binary and the original, same argv and environment.
//! * [`bins`]: where our binaries and the originals live; [`run`]: spawning with a deadline.
//!
//! The harness process itself never calls unshare(2)/setns(2): tests drive the binaries, and
//! probes do their operation in a forked child (`pre_exec`).

pub mod bins;
pub mod diff;
pub mod gate;
pub mod guard;
pub mod lane;
pub mod run;
pub mod suite;

pub use bins::{original, ours};
pub use diff::{Differential, Side};
pub use gate::Need;
pub use guard::{ChildGuard, TestCgroup};
pub use run::{sh, Outcome};
pub use suite::Suite;

/// The result every test body returns: `Err` carries the message to show on failure.
pub type TestResult = Result<(), String>;

/// Fail with a message unless `cond` holds (a test-body `assert!` that returns instead of panics).
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// Compare two values, failing with both shown.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr $(,)?) => {
        $crate::ensure_eq!($left, $right, "values differ")
    };
    ($left:expr, $right:expr, $($fmt:tt)+) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            return Err(format!("{}\n  left: {:?}\n right: {:?}", format!($($fmt)+), l, r));
        }
    }};
}
