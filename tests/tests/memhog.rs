//! End-to-end and differential tests of `memhog` (filled in with the tool).

use nstools_tests::Suite;

fn main() {
    let suite = Suite::new();
    suite.run();
}
