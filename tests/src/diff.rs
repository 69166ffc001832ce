//! The differential runner: the same argv and environment to our binary and to the original,
//! comparing stdout, stderr and exit status, with every allowed difference named in the test.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use crate::run::{run_with, Outcome, DEADLINE};

/// Which side an allowance is being applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ours,
    Original,
}

type Normaliser = Box<dyn Fn(Side, &mut Outcome)>;

/// A differential check of one command line.
pub struct Differential {
    tool: String,
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    allowances: Vec<(String, Normaliser)>,
    wrapper: Vec<OsString>,
    /// argv[0] for both sides when set (libcgroup prints argv[0] as given in its usage texts).
    arg0: Option<OsString>,
    ours: PathBuf,
    original: PathBuf,
}

impl Differential {
    /// `tool` names both binaries: ours from the build, the newest released original from the
    /// reference root ([`crate::bins::newest`]); the test needs `Need::Newest(tool)`.
    /// Both sides get the bare tool name as argv[0], as when run from `PATH`.
    pub fn newest(tool: &str, args: &[&str]) -> Self {
        let mut check = Self::new(tool, args).original_at(crate::bins::newest(tool));
        check.arg0 = Some(OsString::from(tool));
        check
    }

    /// `tool` names both binaries: ours from the build, the original from `/usr/bin` (Debian 12's,
    /// the second reference: for behaviour a script on Debian 12 relies on).
    pub fn new(tool: &str, args: &[&str]) -> Self {
        Differential {
            tool: tool.to_string(),
            args: args.iter().map(OsString::from).collect(),
            env: vec![("LC_ALL".into(), "C".into()), ("TZ".into(), "UTC".into())],
            stdin: None,
            allowances: Vec::new(),
            wrapper: Vec::new(),
            arg0: None,
            ours: crate::ours(tool),
            original: crate::original(tool),
        }
    }

    /// Use another original (e.g. a different install path).
    pub fn original_at(mut self, path: impl Into<PathBuf>) -> Self {
        self.original = path.into();
        self
    }

    /// Start both sides through a wrapper command (e.g. `setpriv --reuid U --regid U
    /// --init-groups` to run them as another user): the wrapper's argv, then the binary and its
    /// arguments. Give the wrapper by absolute path when `env` changes `PATH`.
    pub fn wrapped(mut self, argv: &[&str]) -> Self {
        self.wrapper = argv.iter().map(OsString::from).collect();
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Allow a named difference: `normalise` rewrites each side's outcome before comparison.
    pub fn allow(mut self, why: &str, normalise: impl Fn(Side, &mut Outcome) + 'static) -> Self {
        self.allowances.push((why.to_string(), Box::new(normalise)));
        self
    }

    /// Allow the two sides to differ in exit code only in this exact way (e.g. Debian 2.0.2's 255
    /// where libcgroup 3.x exits 129).
    pub fn allow_code(self, why: &str, original: i32, ours: i32) -> Self {
        self.allow(why, move |side, o| {
            if side == Side::Original && o.code == Some(original) {
                o.code = Some(ours);
            }
        })
    }

    /// Allow stderr to differ entirely (its shape is checked by the caller if needed).
    pub fn allow_stderr(self, why: &str) -> Self {
        self.allow(why, |_, o| o.stderr.clear())
    }

    fn run_one(&self, side: Side) -> Result<Outcome, String> {
        let bin = match side {
            Side::Ours => &self.ours,
            Side::Original => &self.original,
        };
        let mut cmd = match self.wrapper.split_first() {
            None => {
                let mut cmd = Command::new(bin);
                if let Some(arg0) = &self.arg0 {
                    cmd.arg0(arg0);
                }
                cmd
            }
            Some((program, wrapper_args)) => {
                let mut cmd = Command::new(program);
                cmd.args(wrapper_args).arg(bin);
                cmd
            }
        };
        // Both must see the same argv[0] base name, since tools print it.
        cmd.args(&self.args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut outcome = run_with(&mut cmd, self.stdin.as_deref(), DEADLINE)?;
        for (_, normalise) in &self.allowances {
            normalise(side, &mut outcome);
        }
        Ok(outcome)
    }

    /// Run both sides; return them (normalised) when equal, a side-by-side report otherwise.
    pub fn check(&self) -> Result<(Outcome, Outcome), String> {
        let ours = self.run_one(Side::Ours)?;
        let original = self.run_one(Side::Original)?;
        if ours == original {
            return Ok((ours, original));
        }
        let mut report = format!(
            "{} {:?}: ours and the original differ",
            self.tool, self.args
        );
        if !self.allowances.is_empty() {
            report.push_str("\nallowed differences:");
            for (why, _) in &self.allowances {
                report.push_str(&format!("\n  - {why}"));
            }
        }
        report.push_str(&format!(
            "\n=== ours ({}) ===\n{}\n=== original ({}) ===\n{}",
            self.ours.display(),
            ours.show(),
            self.original.display(),
            original.show()
        ));
        Err(report)
    }
}
