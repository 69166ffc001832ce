//! The differential runner: the same argv and environment to our binary and to the original,
//! comparing stdout, stderr and exit status, with every allowed difference named in the test.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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
    /// Variables set (`Some`) or removed (`None`) for both sides; the rest is inherited.
    env: Vec<(String, Option<String>)>,
    stdin: Option<Vec<u8>>,
    allowances: Vec<(String, Normaliser)>,
    /// Rewrites of what legitimately varies between any two runs (pids, times): applied before
    /// the byte-identity count, unlike `allowances`.
    volatile: Vec<(String, Normaliser)>,
    /// Counted in [`NEWEST_TALLY`] (a comparison with the newest release).
    tallied: bool,
    wrapper: Vec<OsString>,
    /// argv[0] for both sides when set (libcgroup prints argv[0] as given in its usage texts).
    arg0: Option<OsString>,
    ours: PathBuf,
    original: PathBuf,
    /// How many times both sides run again when they differ (see [`Differential::rerun_on_difference`]).
    reruns: usize,
}

impl Differential {
    /// `tool` names both binaries: ours from the build, the newest released original from the
    /// reference root ([`crate::bins::newest`]); the test needs `Need::Newest(tool)`.
    /// Both sides get the bare tool name as argv[0], as when run from `PATH`.
    pub fn newest(tool: &str, args: &[&str]) -> Self {
        let mut check = Self::new(tool, args).original_at(crate::bins::newest(tool));
        check.arg0 = Some(OsString::from(tool));
        check.tallied = true;
        check
    }

    /// `tool` names both binaries: ours from the build, the original from `/usr/bin` (Debian 12's,
    /// the second reference: for behaviour a script on Debian 12 relies on).
    pub fn new(tool: &str, args: &[&str]) -> Self {
        Differential {
            tool: tool.to_string(),
            args: args.iter().map(OsString::from).collect(),
            // What the host's environment would otherwise decide: messages' language, times,
            // and the shell unshare and nsenter run without a program (CI has no `SHELL`).
            env: vec![
                ("LC_ALL".into(), Some("C".into())),
                ("TZ".into(), Some("UTC".into())),
                ("SHELL".into(), Some("/bin/sh".into())),
            ],
            stdin: None,
            allowances: Vec::new(),
            volatile: Vec::new(),
            tallied: false,
            wrapper: Vec::new(),
            arg0: None,
            ours: crate::ours(tool),
            original: crate::original(tool),
            reruns: 0,
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
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Run both sides without `key` in their environment, whatever the host's has.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
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

    /// Rewrite what varies between any two runs of the same program (its own pid, a time): not a
    /// difference between the tools, so it does not count against byte-identity.
    pub fn volatile(
        mut self,
        what: &str,
        normalise: impl Fn(Side, &mut Outcome) + 'static,
    ) -> Self {
        self.volatile.push((what.to_string(), Box::new(normalise)));
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

    /// Run both sides again, up to `times` more, when they differ: for rows whose outcome the
    /// kernel decides by a race now and then on a loaded machine (the same for both tools). A
    /// difference that agrees on a rerun is printed (`differed, then agreed on a rerun`) and
    /// counted against byte-identity; one that repeats every time fails as usual.
    pub fn rerun_on_difference(mut self, times: usize) -> Self {
        self.reruns = times;
        self
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
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        let mut outcome = run_with(&mut cmd, self.stdin.as_deref(), DEADLINE)?;
        for (_, normalise) in &self.volatile {
            normalise(side, &mut outcome);
        }
        Ok(outcome)
    }

    fn allowed(&self, side: Side, outcome: Outcome) -> Outcome {
        self.allowed_but(None, side, outcome)
    }

    /// `outcome` through every allowance except the `skip`th.
    fn allowed_but(&self, skip: Option<usize>, side: Side, mut outcome: Outcome) -> Outcome {
        for (at, (_, normalise)) in self.allowances.iter().enumerate() {
            if Some(at) != skip {
                normalise(side, &mut outcome);
            }
        }
        outcome
    }

    /// The reasons a differing row names in the tally: each allowance without which the two
    /// sides would still differ; if no single one is needed (two cover the same difference) or
    /// the row differs anyway, each that changes either side. A test may attach allowances that
    /// apply to a whole family of rows; the tally names only those that touched this one.
    fn reasons(&self, ours: &Outcome, original: &Outcome) -> Vec<&str> {
        let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<&str> {
            (0..self.allowances.len())
                .filter(|&at| keep(at))
                .map(|at| self.allowances[at].0.as_str())
                .collect()
        };
        let needed = pick(&|at| {
            self.allowed_but(Some(at), Side::Ours, ours.clone())
                != self.allowed_but(Some(at), Side::Original, original.clone())
        });
        let all_pass = self.allowed(Side::Ours, ours.clone())
            == self.allowed(Side::Original, original.clone());
        if all_pass && !needed.is_empty() {
            return needed;
        }
        pick(&|at| {
            let normalise = &self.allowances[at].1;
            let (mut a, mut b) = (ours.clone(), original.clone());
            normalise(Side::Ours, &mut a);
            normalise(Side::Original, &mut b);
            a != *ours || b != *original
        })
    }

    /// Run both sides; return them (normalised) when equal, a side-by-side report otherwise.
    pub fn check(&self) -> Result<(Outcome, Outcome), String> {
        let mut ours = self.run_one(Side::Ours)?;
        let mut original = self.run_one(Side::Original)?;
        let identical = ours == original;
        let mut rerun = 0;
        while rerun < self.reruns
            && self.allowed(Side::Ours, ours.clone())
                != self.allowed(Side::Original, original.clone())
        {
            rerun += 1;
            ours = self.run_one(Side::Ours)?;
            original = self.run_one(Side::Original)?;
            if self.allowed(Side::Ours, ours.clone())
                == self.allowed(Side::Original, original.clone())
            {
                println!(
                    "{} {:?}: differed, then agreed on rerun {rerun}",
                    self.tool, self.args
                );
            }
        }
        if self.tallied {
            NEWEST_TALLY.record(identical, || {
                let why = self.reasons(&ours, &original);
                format!("{} {:?}: {}", self.tool, self.args, why.join("; "))
            });
        }
        let ours = self.allowed(Side::Ours, ours);
        let original = self.allowed(Side::Original, original);
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

/// How the comparisons with the newest release went in this test binary: how many were
/// byte-identical in stdout, stderr and exit status, and which differed only as allowed.
pub struct Tally {
    compared: AtomicUsize,
    identical: AtomicUsize,
    allowed: Mutex<Vec<String>>,
}

/// The tally of [`Differential::newest`] checks, printed by `Suite::run`.
pub static NEWEST_TALLY: Tally = Tally {
    compared: AtomicUsize::new(0),
    identical: AtomicUsize::new(0),
    allowed: Mutex::new(Vec::new()),
};

impl Tally {
    fn record(&self, identical: bool, describe: impl FnOnce() -> String) {
        self.compared.fetch_add(1, Ordering::Relaxed);
        if identical {
            self.identical.fetch_add(1, Ordering::Relaxed);
        } else {
            self.allowed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(describe());
        }
    }

    /// `newest: N compared, M byte-identical (P%)`, then each allowed difference (whether or not
    /// the check then passed); nothing when no comparison ran.
    pub fn report(&self) -> Option<String> {
        let compared = self.compared.load(Ordering::Relaxed);
        if compared == 0 {
            return None;
        }
        let identical = self.identical.load(Ordering::Relaxed);
        let mut text = format!(
            "newest: {compared} compared, {identical} byte-identical ({:.1}%)\n",
            identical as f64 * 100.0 / compared as f64
        );
        let mut allowed = self
            .allowed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        allowed.sort();
        for line in allowed {
            text.push_str(&format!("  differs as allowed: {line}\n"));
        }
        Some(text)
    }
}

/// Why [`libcgroup_idle_child_dropped`] is volatile.
pub const LIBCGROUP_IDLE_CHILD: &str = "libcgroup 3.1's cgcreate -c forks its idle process before it asks the bus; where `libcgroup_systemd_idle_thread` is not installed the child goes on as a second cgcreate and, unless the parent's SIGTERM comes first, prints `can't create cgroup P: No such file or directory` (and, rarely, `Error: failed to create system idle thread.`)";

/// The original's lines from its forked idle child (a race with the parent's SIGTERM, about one
/// run in two): see [`LIBCGROUP_IDLE_CHILD`].
pub fn libcgroup_idle_child_dropped(side: Side, o: &mut Outcome) {
    if side != Side::Original {
        return;
    }
    let cannot = |l: &&str| l.contains(": can't create cgroup ");
    // Only beside the parent's own line: a lone ENOENT is the parent's, and stays.
    if o.stderr.lines().filter(cannot).count() > 1 {
        let child = |l: &str| cannot(&l) && l.ends_with(": No such file or directory");
        o.stderr = o
            .stderr
            .lines()
            .filter(|l| !child(l))
            .map(|l| format!("{l}\n"))
            .collect();
    }
    o.stdout = o
        .stdout
        .replace("Error: failed to create system idle thread.\n", "");
}

/// README Compatibility, unshare and nsenter: the shell run when there is no program and no
/// `$SHELL`.
pub const NO_SHELL_VARIABLE: &str = "README Compatibility, unshare and nsenter: with no program and no $SHELL, the passwd entry's shell runs (util-linux 2.42's order); 2.41 runs /bin/sh";

/// `check` (a command line without a program) run without `$SHELL`, its login shell asked for
/// `$0`; and the `$0` ours must print: `-` and the base name of the caller's passwd shell, as
/// util-linux 2.42 runs it. 2.41's `-sh` counts as that name.
pub fn without_shell_variable(check: Differential) -> Result<(Differential, String), String> {
    let user = nix::unistd::User::from_uid(nix::unistd::getuid())
        .map_err(|e| format!("getpwuid: {e}"))?
        .ok_or("the caller has no passwd entry")?;
    let base = user
        .shell
        .file_name()
        .ok_or("the passwd shell has no base name")?;
    let expected = format!("-{}\n", base.to_string_lossy());
    let as_ours = expected.clone();
    let check = check.env_remove("SHELL").stdin(b"echo \"$0\"\n").allow(
        NO_SHELL_VARIABLE,
        move |side, o| {
            if side == Side::Original && o.stdout == "-sh\n" {
                o.stdout = as_ours.clone();
            }
        },
    );
    Ok((check, expected))
}
