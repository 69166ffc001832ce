//! A test list on libtest-mimic where each test declares what it needs.
//!
//! Unmet needs: the test is listed as ignored with the reason in its kind tag
//! (`test [skipped: needs root: not running as root] unshare::pid_ns ... ignored`), and the reasons
//! are listed again at the end. With `NSTOOLS_REQUIRE_PRIVILEGED=1` such a test fails instead.

use libtest_mimic::{Arguments, Failed, Trial};
use std::sync::{Arc, Mutex};

use crate::gate::{first_unmet, privileged_required, Need};
use crate::TestResult;

type Body = Box<dyn FnOnce() -> TestResult + Send + 'static>;

/// The tests of one test binary.
#[derive(Default)]
pub struct Suite {
    trials: Vec<Trial>,
    skipped: Arc<Mutex<Vec<(String, String)>>>,
}

impl Suite {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a test with its needs. The body returns `Err(message)` to fail; a panic fails too.
    pub fn test<F>(&mut self, name: &str, needs: &[Need], body: F) -> &mut Self
    where
        F: FnOnce() -> TestResult + Send + 'static,
    {
        let body: Body = Box::new(body);
        let trial = match first_unmet(needs) {
            None => Trial::test(name, move || body().map_err(Failed::from)),
            Some(reason) if privileged_required() => {
                let msg = format!("NSTOOLS_REQUIRE_PRIVILEGED=1 but this test {reason}");
                Trial::test(name, move || Err(Failed::from(msg)))
            }
            Some(reason) => {
                self.skipped
                    .lock()
                    .unwrap()
                    .push((name.to_string(), reason.clone()));
                let msg = format!("skipped: {reason}");
                Trial::test(name, move || Err(Failed::from(msg)))
                    .with_kind(format!("skipped: {reason}"))
                    .with_ignored_flag(true)
            }
        };
        self.trials.push(trial);
        self
    }

    /// Run the tests as libtest would (filters, `--list`, `--test-threads`), print the skip
    /// ledger, and exit with the run's status.
    pub fn run(self) -> ! {
        let args = Arguments::from_args();
        let conclusion = libtest_mimic::run(&args, self.trials);
        if let Some(tally) = crate::diff::NEWEST_TALLY.report() {
            println!("{tally}");
        }
        let skipped = self.skipped.lock().unwrap();
        if !skipped.is_empty() && !args.list {
            println!("skipped {} test(s) whose needs are unmet:", skipped.len());
            for (name, reason) in skipped.iter() {
                println!("  {name}: {reason}");
            }
            println!();
        }
        conclusion.exit()
    }
}

/// Serialise tests that share fixed global state (the walkthrough's fixed cgroup names, hostnames
/// of the host): hold the returned guard for the test's duration.
pub fn exclusive(resource: &'static str) -> std::sync::MutexGuard<'static, ()> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static LOCKS: OnceLock<Mutex<HashMap<&'static str, &'static Mutex<()>>>> = OnceLock::new();
    let lock: &'static Mutex<()> = {
        let mut map = LOCKS.get_or_init(Default::default).lock().unwrap();
        map.entry(resource)
            .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))))
    };
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
