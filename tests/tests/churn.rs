//! `ps` under process churn (issue 15): while a bounded number of short-lived processes come and
//! go, our ps (`-ef`, `aux`, `-eLf`, `-o pid,ppid,comm,args`, `-e --forest`) never fails (exit 0,
//! empty stderr) and never prints a row with fewer columns than its header.
//!
//! The churn is one `sh` in its own process group (a [`ChildGuard`]: killed and reaped in every
//! outcome) that starts 400 `true` processes in batches of 20, waiting for each batch, so every
//! process it starts is reaped by it. The last column of each format (the command) may contain
//! spaces, or be blank for an odd foreign process: a row must have at least the header's columns
//! before the last one, and its pid columns must be numbers.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nstools_tests::{ensure, ours, ChildGuard, Suite, TestResult};

/// Processes the churner starts, in batches it waits for.
const CHURN: u32 = 400;
const BATCH: u32 = 20;
/// ps runs per format, at most, while the churn lasts.
const RUNS: usize = 25;
/// The churn must be over by then (it takes well under a second here).
const DEADLINE: Duration = Duration::from_secs(30);

/// A format: its arguments and the (0-based) columns that hold pids.
const FORMATS: &[(&[&str], &[usize])] = &[
    (&["-ef"], &[1, 2]),
    (&["aux"], &[1]),
    (&["-eLf"], &[1, 2, 3]),
    (&["-e", "-o", "pid,ppid,comm,args"], &[0, 1]),
    (&["-e", "--forest"], &[0]),
];

fn churner() -> Result<ChildGuard, String> {
    let script = format!(
        "i=0; while [ $i -lt {CHURN} ]; do /bin/true & i=$((i+1)); \
         if [ $((i % {BATCH})) -eq 0 ]; then wait; fi; done; wait"
    );
    ChildGuard::spawn(
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null()),
    )
}

/// One run of ps: exit 0, empty stderr, every row as wide as the header's fixed columns.
fn check_once(args: &[&str], pid_columns: &[usize]) -> TestResult {
    let out = Command::new(ours("ps"))
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|e| format!("cannot run ps {args:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.code() == Some(0) && stderr.is_empty(),
        "ps {args:?} ended with {:?}, stderr {stderr:?}",
        out.status
    );
    let mut lines = stdout.lines();
    let header = lines.next().ok_or(format!("ps {args:?} printed nothing"))?;
    let fixed = header.split_whitespace().count() - 1;
    let mut rows = 0;
    for line in lines {
        rows += 1;
        let fields: Vec<&str> = line.split_whitespace().collect();
        ensure!(
            fields.len() >= fixed,
            "ps {args:?}: row with {} columns under a header of {}:\n{header}\n{line}",
            fields.len(),
            fixed + 1
        );
        for &c in pid_columns {
            ensure!(
                fields[c].parse::<u32>().is_ok(),
                "ps {args:?}: column {c} is not a pid:\n{header}\n{line}"
            );
        }
    }
    ensure!(rows > 0, "ps {args:?} listed no process:\n{stdout}");
    Ok(())
}

fn under_churn(args: &'static [&'static str], pid_columns: &'static [usize]) -> TestResult {
    let mut churn = churner()?;
    let start = Instant::now();
    let mut runs = 0;
    while runs < RUNS {
        check_once(args, pid_columns)?;
        runs += 1;
        if churn.child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        ensure!(
            start.elapsed() < DEADLINE,
            "the churn outlived {DEADLINE:?}"
        );
    }
    let status = churn.wait_timeout(DEADLINE)?;
    ensure!(status.success(), "the churner ended with {status:?}");
    // At least one run saw the churn, and the last one a quieter host.
    ensure!(runs >= 1, "no ps run");
    check_once(args, pid_columns)
}

fn main() {
    let mut suite = Suite::new();
    for &(args, pid_columns) in FORMATS {
        suite.test(
            &format!("ps_under_churn::{}", args.join(" ")),
            &[],
            move || under_churn(args, pid_columns),
        );
    }
    suite.run()
}
