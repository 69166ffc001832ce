//! Running a command with a deadline and capturing how it ended.

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// Exit code, or `None` when killed by a signal.
    pub code: Option<i32>,
    /// The signal that ended it, if any.
    pub signal: Option<i32>,
}

impl Outcome {
    /// The status as a shell reports it in `$?` (128+N for a signal).
    pub fn shell_status(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            _ => -1,
        }
    }

    /// A readable dump for failure messages.
    pub fn show(&self) -> String {
        format!(
            "status {} (code {:?}, signal {:?})\n--- stdout ---\n{}--- stderr ---\n{}",
            self.shell_status(),
            self.code,
            self.signal,
            self.stdout,
            self.stderr
        )
    }
}

/// Default deadline for one command in a test.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Spawn `cmd` in its own process group, feed `stdin`, wait at most `deadline`; on timeout the
/// whole group is killed and an error returned.
pub fn run_with(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    deadline: Duration,
) -> Result<Outcome, String> {
    run_with_streams(cmd, stdin, None, None, deadline)
}

/// [`run_with`], where `stdout` and `stderr`, when given (`/dev/full`, a pipe nobody reads), take
/// the place of the captured stream; what is not captured reads as empty in the outcome.
pub fn run_with_streams(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
    deadline: Duration,
) -> Result<Outcome, String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(stdout.unwrap_or_else(Stdio::piped))
    .stderr(stderr.unwrap_or_else(Stdio::piped))
    .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot spawn {cmd:?}: {e}"))?;
    let pgid = child.id() as i32;
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out_reader = capture(child.stdout.take());
    let err_reader = capture(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > deadline {
            // SAFETY: killpg on the group this function created.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
            let _ = child.wait();
            return Err(format!(
                "{cmd:?} did not finish within {deadline:?}: killed"
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Anything the command left running in its group goes too, so pipes close and nothing leaks.
    // SAFETY: as above; the group may already be empty (ESRCH is fine).
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Outcome {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        code: status.code(),
        signal: status.signal(),
    })
}

/// Read a captured stream to its end on a thread (nothing for a stream that is not captured).
fn capture(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Run `cmd` with the default deadline and no stdin.
pub fn run(cmd: &mut Command) -> Result<Outcome, String> {
    run_with(cmd, None, DEADLINE)
}

/// Run a shell script (`sh -c`) with the default deadline; handy for `$?` and pipelines.
pub fn sh(script: &str) -> Result<Outcome, String> {
    run(Command::new("/bin/sh").arg("-c").arg(script))
}

/// `bin` run as `TOOL WORD` (argv[0] the bare name): its exit code and its stderr, byte for byte.
pub fn raw_stderr(
    bin: &std::path::Path,
    tool: &str,
    word: &[u8],
) -> Result<(Option<i32>, Vec<u8>), String> {
    let path = std::env::temp_dir().join(crate::guard::unique_name("stderr"));
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut cmd = Command::new(bin);
    cmd.arg0(tool).arg(std::ffi::OsStr::from_bytes(word));
    let outcome = run_with_streams(&mut cmd, None, None, Some(file.into()), DEADLINE);
    let stderr = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()));
    let _ = std::fs::remove_file(&path);
    Ok((outcome?.code, stderr?))
}
