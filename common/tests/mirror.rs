//! Exit-status mirroring with real children: a process that mirrors a child killed by SIGTERM or
//! SIGKILL must itself die by that signal; one that mirrors `exit 3` exits 3.
//!
//! Runs without libtest's threads (`harness = false`) because it forks: the forked "mirror"
//! process must be single-threaded, like the tools that use these helpers.

// A test binary's report, not a tool's output: std's print macros are fine here.
#![allow(clippy::disallowed_macros)]

use std::process::Command;

use common::wait::{wait_and_mirror, wait_for};
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::{fork, ForkResult, Pid};

/// Fork a "tool" process that runs `script` as its child and mirrors it; return how the tool ended.
fn tool_ending(script: &str) -> WaitStatus {
    // SAFETY: this harness has no other threads, so the child may do anything the parent could.
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            let child = Command::new("sh")
                .args(["-c", script])
                .spawn()
                .expect("spawn sh");
            let _ = wait_and_mirror(Pid::from_raw(child.id() as i32), false);
            std::process::exit(200)
        }
        ForkResult::Parent { child } => wait_for(child, None).expect("waitpid"),
    }
}

type Check = fn(WaitStatus) -> bool;

fn main() {
    let cases: &[(&str, &str, Check)] = &[
        ("mirrors SIGTERM", "kill -TERM $$", |s| {
            matches!(s, WaitStatus::Signaled(_, Signal::SIGTERM, _))
        }),
        ("mirrors SIGKILL", "kill -KILL $$", |s| {
            matches!(s, WaitStatus::Signaled(_, Signal::SIGKILL, _))
        }),
        ("mirrors exit code 3", "exit 3", |s| {
            matches!(s, WaitStatus::Exited(_, 3))
        }),
        ("mirrors exit code 0", "true", |s| {
            matches!(s, WaitStatus::Exited(_, 0))
        }),
    ];
    let mut failed = 0;
    for (name, script, ok) in cases {
        let status = tool_ending(script);
        if ok(status) {
            println!("test {name} ... ok");
        } else {
            println!("test {name} ... FAILED (tool ended with {status:?})");
            failed += 1;
        }
    }
    println!("{} passed, {failed} failed", cases.len() - failed);
    std::process::exit(i32::from(failed > 0));
}
