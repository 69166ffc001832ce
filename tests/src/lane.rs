//! The qemu lanes (`tests/cgroup-v2/`, `tests/systemd-lane/`): a script lists its checks, the VM
//! reports `ok NAME` / `not ok NAME: reason` lines and a closing `lane: N passed, M failed`, and
//! a lane passes only when every listed check reported `ok` and nothing else was reported.
//!
//! The long scripts (the lanes, the packaging test, the walkthrough) run through [`run_live`]: the
//! test harness would otherwise hold their progress lines (tests/progress.sh) until they end, and
//! someone running the README's test command would watch minutes without a line.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::run::{run_with, Outcome};
use crate::{ensure, ensure_eq, ChildGuard, TestResult};

/// What each check reported: `Ok` or the reason it failed.
pub type Results = BTreeMap<String, Result<(), String>>;

/// A lane: the command that lists its checks (e.g. `suite.sh --list`) and the one that runs it.
pub struct Lane<'a> {
    /// How messages name it ("the cgroup v2 lane").
    pub name: &'a str,
    /// How messages name the listing ("suite.sh --list").
    pub lister: &'a str,
    /// The outer bound of a whole run, after which its process group (qemu included) is killed.
    pub deadline: Duration,
}

impl Lane<'_> {
    /// The names the listing prints, in order; it must print some, each once.
    pub fn listed_checks(&self, list: &mut Command) -> Result<Vec<String>, String> {
        let out = run_with(list, None, Duration::from_secs(30))?;
        ensure_eq!(out.code, Some(0), "{}: {}", self.lister, out.show());
        let checks: Vec<String> = out.stdout.lines().map(str::to_string).collect();
        ensure!(!checks.is_empty(), "{} printed nothing", self.lister);
        Ok(checks)
    }

    /// Every required check passed and nothing unlisted was reported; the failures otherwise,
    /// sorted.
    pub fn judge(&self, required: &[String], results: &Results) -> Vec<String> {
        let mut failures: Vec<String> = required
            .iter()
            .filter_map(|name| match results.get(name) {
                Some(Ok(())) => None,
                Some(Err(reason)) => Some(format!("{name}: {reason}")),
                None => Some(format!(
                    "{name}: never reported (the VM died or the check was not run)"
                )),
            })
            .collect();
        failures.extend(
            results
                .keys()
                .filter(|name| !required.contains(name))
                .map(|name| format!("{name}: reported but not listed by {}", self.lister)),
        );
        failures.sort();
        failures
    }

    /// Runs the lane (exit 2: it cannot start) and requires each of `required` to pass, the
    /// script to exit 0 and to close with `lane: N passed, 0 failed`. Prints its kernel line.
    pub fn run(&self, lane: &mut Command, required: &[String]) -> TestResult {
        let out = run_live(lane, self.deadline, |_| false)?;
        ensure!(
            out.code != Some(2),
            "{} cannot start:\n{}",
            self.name,
            out.show()
        );
        let failures = self.judge(required, &parse_results(&out.stdout));
        ensure!(
            failures.is_empty(),
            "{} of {} in-VM checks failed:\n  {}\n\n{}",
            failures.len(),
            required.len(),
            failures.join("\n  "),
            out.show()
        );
        ensure_eq!(
            out.code,
            Some(0),
            "every check passed but run-lane.sh did not exit 0:\n{}",
            out.show()
        );
        let closing = format!("lane: {} passed, 0 failed", required.len());
        ensure!(
            out.stdout.lines().any(|l| l == closing),
            "no `{closing}` line:\n{}",
            out.show()
        );
        for line in out.stdout.lines().filter(|l| l.starts_with("lane: kernel")) {
            println!("{line}");
        }
        Ok(())
    }
}

/// Like [`run_with`] (own process group, no stdin, killed with its group after `deadline`), but each
/// line the command writes to stderr is shown on ours as it comes, and so is each stdout line that
/// `echo_stdout` accepts; both are captured too, for the verdict and the failure message.
pub fn run_live(
    cmd: &mut Command,
    deadline: Duration,
    echo_stdout: fn(&str) -> bool,
) -> Result<Outcome, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, killed when the guard drops: on timeout, and after the command
    // ended, so that what it left in the group (a heartbeat, a VM) goes and the pipes close.
    let mut guard = ChildGuard::spawn(cmd)?;
    let out_pipe = guard.child.stdout.take().expect("piped stdout");
    let err_pipe = guard.child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || echo_lines(out_pipe, echo_stdout));
    let err_reader = std::thread::spawn(move || echo_lines(err_pipe, |_| true));
    let status = guard
        .wait_timeout(deadline)
        .map_err(|e| format!("{cmd:?} did not finish: {e}: killed"))?;
    drop(guard);
    Ok(Outcome {
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        code: status.code(),
        signal: status.signal(),
    })
}

/// Reads `pipe` to its end by lines, printing on our stderr those `echo` accepts; returns it all.
fn echo_lines(pipe: impl Read, echo: fn(&str) -> bool) -> String {
    let mut reader = BufReader::new(pipe);
    let mut all = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                if echo(text.trim_end_matches('\n')) {
                    eprint!("    {text}");
                    if !text.ends_with('\n') {
                        eprintln!();
                    }
                }
                all.push_str(&text);
            }
        }
    }
    all
}

/// `ok NAME` / `not ok NAME: reason` lines, by name (a later line for the same name wins).
pub fn parse_results(output: &str) -> Results {
    let mut results = BTreeMap::new();
    for line in output.lines() {
        if let Some(name) = line.strip_prefix("ok ") {
            results.insert(name.trim().to_string(), Ok(()));
        } else if let Some(rest) = line.strip_prefix("not ok ") {
            let (name, reason) = rest.split_once(": ").unwrap_or((rest, "no reason given"));
            results.insert(name.trim().to_string(), Err(reason.to_string()));
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_parsed_and_judged_strictly() {
        let lane = Lane {
            name: "the test lane",
            lister: "suite.sh --list",
            deadline: Duration::from_secs(1),
        };
        let out = "boot noise\nok a::one\nnot ok a::two: exit status 1: x: y\nok a::one\n\
                   lane: 2 passed, 1 failed\n";
        let results = parse_results(out);
        assert_eq!(results.get("a::one"), Some(&Ok(())));
        assert_eq!(
            results.get("a::two"),
            Some(&Err("exit status 1: x: y".to_string()))
        );
        let required = vec!["a::one".to_string(), "a::three".to_string()];
        assert_eq!(
            lane.judge(&required, &results),
            vec![
                "a::three: never reported (the VM died or the check was not run)".to_string(),
                "a::two: reported but not listed by suite.sh --list".to_string(),
            ]
        );
        assert!(lane
            .judge(&["a::one".into()], &parse_results("ok a::one\n"))
            .is_empty());
        assert_eq!(
            parse_results("not ok b::x\n").get("b::x"),
            Some(&Err("no reason given".to_string()))
        );
    }
}
