//! End-to-end and differential tests of `cgtools` (filled in with the tool).

use nstools_tests::Suite;

fn main() {
    let suite = Suite::new();
    suite.run();
}
