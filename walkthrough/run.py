#!/usr/bin/env python3
"""Run the walkthrough (walkthrough/walkthrough.md) verbatim, with nstools' binaries first on PATH.

As root, from a fresh clone:  walkthrough/run.py
builds the workspace (cargo build --workspace --bins) and types every command line of the
document into real interactive shells (bash on a pty), exactly as written, `sudo` prefix included.
Each step prints the command line, its real output and one line saying what it showed; the run
ends with a table (step, ok, what was seen, which binary ran; the same table with what each step
expects, in Markdown, goes to a file), the line `N of N steps ok`, and exits non-zero if any step
failed.

  --check          do not build; run against BIN_DIR as it is (the end-to-end test uses this)
  --bin-dir DIR    the binaries to put first on PATH (default: NSTOOLS_BIN_DIR, else the
                   workspace's target/debug); giving one implies no build
  --dd-count N     count= of the CPU-shares dd runs (default 2000 as in the document)
  --markdown FILE  where to write the closing table in Markdown, for pasting (default:
                   target/walkthrough-summary.md)

How the lines stay verbatim:
- `sudo`: this runs as root and sudo's secure_path would swap the system's tools in, so a `sudo`
  shim comes first on PATH (in a private temp dir): it runs the command as is, with our PATH.
- Interactive steps (`bash` in a new namespace, `top`, `exit`) are typed into a pty. Each shell
  tells when a command is done, and its status, through its prompt: PROMPT_COMMAND (bash) or
  the file named by $ENV (sh), inherited from the environment; HOME points at an empty private
  dir so no rc file changes PATH or the prompt.
- Docker has no engine here: each docker line is replaced by its nstools equivalent, marked.
- Literal pids of the author's machine (942, 1032) are replaced by the real ones, marked.

Leaves nothing behind, however the run ends (a failed step, a crash, Ctrl-C): every process it started (by pid, in its own terminal sessions), the
cgroups playground, mycgroup and nstools-walkthrough (only when this run made them: it refuses to
start if they exist), the user `play` (only if it created it), its temp dir. Never touches a path
containing `process_api`.
"""

import argparse
import collections
import fcntl
import os
import pty
import pwd
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, "walkthrough", "walkthrough.md")
TOOLS = ("unshare", "nsenter", "cgcreate", "cgexec", "cgdelete", "cgset", "memhog", "ps")
PROGRAMS = ("bash", "sh", "top", "taskset", "useradd", "userdel", "dd", "grep", "tee", "ls")
CG = "/sys/fs/cgroup"
PLAYGROUND = CG + "/memory/playground"
MYCGROUP = CG + "/freezer/mycgroup"
CPU_PARENT_NAME = "nstools-walkthrough"
CPU_PARENT = CG + "/cpu/" + CPU_PARENT_NAME
FIXED_GROUPS = (PLAYGROUND, MYCGROUP, CPU_PARENT)
CONTAINER_HOSTNAME = "nstools-container"
PROMPT_RE = re.compile(r"<<nst:([0-9?]+)>> $")
ANSI_RE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78]|\][^\x07]*\x07)")
COLS, ROWS = 250, 50

# Output that reads like an error but is what the original tools give too: (regex, note printed
# after the output). Each was checked with util-linux 2.41.5's nsenter (target/reference/bin).
EXPECTED_NOISE = [
    (re.compile(r"Cannot set tty process group \(No such process\)"),
     "# note: not a failure: on exit, dash cannot hand the terminal back to a process group "
     "outside the PID namespace it runs in (ESRCH, status 2); util-linux 2.41.5's nsenter gives "
     "the same"),
]

# Every step of the table, in order: (id, expected).
STEPS = [
    ("host-ps", "ps aux lists the host's processes; PID 1 is the host's init"),
    ("pidns-enter", "sudo unshare --fork --pid --mount-proc bash: a bash in a new PID namespace"),
    ("pidns-ps", "ps aux inside: PID 1 is bash, only the namespace's few processes"),
    ("pidns-pid1", "what is PID 1 in the new namespace: bash"),
    ("pidns-top", "the host sees the namespaced top under another PID (its NSPID differs)"),
    ("pidns-exit", "q and exit: back on the host, the namespace's /proc mount gone with it"),
    ("container-run", "detached sleep 300 in new pid/mnt/uts/ipc/net namespaces, PID 1 inside"),
    ("container-exec", "nsenter --all: ps aux in the container shows sleep 300 as PID 1"),
    ("container-nsenter", "sh via nsenter sees the container's hostname, processes, network"),
    ("user-play", "the user play exists for cgcreate -a play"),
    ("cgcreate", "memory:playground exists, its files owned by play"),
    ("playground-ls", "ls -la shows the kernel's files, memory.limit_in_bytes among them"),
    ("limit", "tee prints 10485760 and the limit reads back 10485760"),
    ("memhog-outside", "memhog 104857600 1 completes outside the cgroup (status 0)"),
    ("cgexec", "sudo cgexec -g memory:playground bash: a bash in /playground"),
    ("memhog-inside", "memhog 10485760 1 inside is Killed (status 137)"),
    ("exit-code", "echo $? prints 137"),
    ("exit-code-meaning", "137 = 128 + 9: SIGKILL, sent by the OOM killer"),
    ("cgdelete", "sudo cgdelete memory:playground removes the group"),
    ("freezer-mkdir", "mkdir -p makes freezer mycgroup, populated by the kernel"),
    ("freezer-join", "echo <$$> > cgroup.procs moves the shell: /proc/self/cgroup says /mycgroup"),
    ("cgroupns-enter", "unshare -C bash: a bash in a new cgroup namespace"),
    ("cgroupns-inside", "inside: grep freezer /proc/self/cgroup says / (relative to /mycgroup)"),
    ("cgroupns-outside", "from the host: grep freezer /proc/<pid>/cgroup says /mycgroup"),
    ("cgroupns-answer", "the namespaced shell finds its cgroup: mountinfo root /.., pid in mycgroup"),
    ("cpu-groups", "two cpu cgroups with cpu.shares 2 and 1024 (cgcreate, cgset)"),
    ("cpu-race", "both dd runs pinned to one CPU at once: the 1024-share one finishes first"),
    ("coverage", "every command line of the document ran (verbatim, or marked substitution)"),
    ("left-behind", "nothing left behind: cgroups, processes, /proc mounts, user, temp dir"),
]


class Abort(Exception):
    """A step the rest of its section depends on failed: skip to the next section."""


class Fatal(Exception):
    """The run cannot go on (a terminal died or hung): clean up and stop."""


def clean(data):
    text = data.decode("utf-8", errors="replace").replace("\r", "")
    return ANSI_RE.sub("", text)


class Term:
    """An interactive bash on a pty (its own session), as in an ssh connection."""

    def __init__(self, name, env):
        self.name = name
        pid, fd = pty.fork()
        if pid == 0:  # child: the pty is our controlling terminal
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.execve("/bin/bash", ["bash", "--norc", "--noprofile", "-i"], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.start = starttime(pid)
        self.raw = b""
        self.closed = False
        self.tty = None
        TERMS.append(self)  # from now on, cleanup ends its session whatever happens
        self.prompt(20)
        self.tty = os.path.realpath(f"/proc/{pid}/fd/0").removeprefix("/dev/")

    def pump(self, timeout):
        """Read what this terminal printed within `timeout` (0: only what is there now)."""
        pump_all([self], timeout)

    def take(self):
        text, self.raw = clean(self.raw), b""
        return text

    def send(self, text):
        os.write(self.fd, text.encode())

    def prompt(self, timeout):
        """Wait for the shell's prompt; return (output, status or None)."""
        deadline = time.monotonic() + timeout
        while True:
            text = clean(self.raw)
            m = PROMPT_RE.search(text)
            if m:
                self.raw = b""
                status = None if m.group(1) == "?" else int(m.group(1))
                return text[: m.start()], status
            if self.closed:
                raise Fatal(f"{self.name}: the shell ended; it printed:\n{text}")
            left = deadline - time.monotonic()
            if left <= 0:
                # The section's cleanup kills what hangs below the shell and goes on.
                raise Abort(f"{self.name}: no prompt within {timeout} s; it printed:\n{text}")
            pump_all(TERMS, min(left, 0.2))


TERMS = []


def pump_all(terms, timeout):
    fds = {t.fd: t for t in terms if not t.closed}
    if not fds:
        time.sleep(timeout)
        return
    ready, _, _ = select.select(list(fds), [], [], timeout)
    for fd in ready:
        term = fds[fd]
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if data:
            term.raw += data
        else:
            term.closed = True


# ---------------------------------------------------------------------------------------------
# /proc helpers (read only)


def read(path, default=""):
    """A /proc or /sys file as text. Any process may have a name that is not UTF-8 (comm and stat
    hold its bytes), so undecodable bytes become surrogates instead of an exception: compared, they
    match no name we look for; printed, they are escaped (stdout uses backslashreplace)."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except OSError:
        return default


def starttime(pid):
    """Start time of `pid` (clock ticks since boot), so a recorded pid is never confused with a
    later process that reuses the number."""
    stat = read(f"/proc/{pid}/stat")
    rest = stat[stat.rfind(")") + 2 :].split()
    return rest[19] if len(rest) > 19 else None


def alive(pid, start):
    """`pid` is still the process that started at `start`, and not a zombie."""
    stat = read(f"/proc/{pid}/stat")
    rest = stat[stat.rfind(")") + 2 :].split()
    return len(rest) > 19 and rest[19] == start and rest[0] != "Z"


def comm(pid):
    return read(f"/proc/{pid}/comm").strip()


def ns(pid, kind):
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def children(pid):
    out = []
    for tid in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else []:
        out += [int(c) for c in read(f"/proc/{pid}/task/{tid}/children").split()]
    return out


def descendants(pid):
    seen, todo = [], [pid]
    while todo and len(seen) < 1000:
        for c in children(todo.pop()):
            if c not in seen:
                seen.append(c)
                todo.append(c)
    return seen


def nspid(pid):
    for line in read(f"/proc/{pid}/status").splitlines():
        if line.startswith("NSpid:"):
            return [int(x) for x in line.split()[1:]]
    return []


def cgroup_of(pid, controller):
    for line in read(f"/proc/{pid}/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and controller in parts[1].split(","):
            return parts[2]
    return None


def session_members(sid):
    """Pids whose session is `sid` (a terminal's shell we started)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read(f"/proc/{entry}/stat")
        rest = stat[stat.rfind(")") + 2 :].split()
        if len(rest) > 3 and rest[3] == str(sid):
            out.append(int(entry))
    return out


def proc_mounts():
    """Host proc mounts seen by this (host-namespace) process: (mount point, mount id)."""
    out = []
    for line in read("/proc/self/mountinfo").splitlines():
        fields = line.split()
        if "-" in fields and fields[fields.index("-") + 1] == "proc":
            out.append((fields[4], fields[0]))
    return sorted(out)


def parse_ps(out):
    """Rows of a ps listing: list of dicts keyed by header names (last column takes the rest)."""
    lines = [l for l in out.splitlines() if l.strip()]
    for i, line in enumerate(lines):
        if "PID" in line.split():
            header = line.split()
            rows = []
            for l in lines[i + 1 :]:
                cells = l.split(None, len(header) - 1)
                if len(cells) == len(header):
                    rows.append(dict(zip(header, cells)))
            return rows
    return []


def last_col(row):
    return row.get("COMMAND") or row.get("CMD") or row.get("ARGS") or ""


# ---------------------------------------------------------------------------------------------


class Walkthrough:
    def __init__(self, bin_dir, dd_count):
        self.bin_dir = bin_dir
        self.dd_count = dd_count
        self.results = {}
        self.owned = []  # fixed-name cgroups this run made
        self.created_user = False
        self.covered = []  # document lines run (verbatim or by their marked replacement)
        self.tmp = tempfile.mkdtemp(prefix="nstools-walkthrough.")
        self.started = []  # (pid, start time) of processes this run started (the container)
        self.group_before = None  # whether the group play existed (memory() finds out)
        try:
            self.prepare(bin_dir)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def prepare(self, bin_dir):
        """The temp dir's contents (sudo shim, empty HOME), the shells' environment, the host facts
        the checks compare with."""
        os.mkdir(os.path.join(self.tmp, "bin"))
        os.mkdir(os.path.join(self.tmp, "home"))
        with open(os.path.join(self.tmp, "home", ".bashrc"), "w") as f:
            f.write("# empty on purpose: the walkthrough's shells keep its PATH and prompt\n")
        with open(os.path.join(self.tmp, "home", ".shrc"), "w") as f:
            f.write("# sh reads $ENV when interactive: its prompt tells the walkthrough the status\n")
            f.write("PS1='<<nst:$?>> '\n")
        self.sudo = os.path.join(self.tmp, "bin", "sudo")
        with open(self.sudo, "w") as f:
            f.write(SUDO_SHIM)
        os.chmod(self.sudo, 0o755)
        path = os.pathsep.join([os.path.join(self.tmp, "bin"), bin_dir, os.environ.get("PATH", "")])
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("BASH_ENV", "ENV", "CDPATH", "PROMPT_COMMAND", "PS1", "HISTFILE")
            and not k.startswith("BASH_FUNC_")
        }
        self.env.update(
            PATH=path,
            HOME=os.path.join(self.tmp, "home"),
            TERM="dumb",
            LC_ALL="C",
            HISTFILE="/dev/null",
            PROMPT_COMMAND='__nst=$?; PS1="<<nst:$__nst>> "',
            PS1="<<nst:?>> ",
            ENV=os.path.join(self.tmp, "home", ".shrc"),
        )
        self.host_pidns = ns(os.getpid(), "pid")
        self.proc_mounts_before = proc_mounts()
        self.host_ifaces = ifaces(read("/proc/net/dev"))
        self.host_hostname = os.uname().nodename
        cpus = sorted(os.sched_getaffinity(0))
        self.cpu = cpus[0]
        self.t1 = self.t2 = None
        self.current = None  # the step being run

    # -- resolving binaries ------------------------------------------------------------------

    def which(self, name):
        r = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", f"command -v {name}"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return r.stdout.strip() or None

    def show_path(self, path):
        if not path:
            return "?"
        if path.startswith(self.tmp + "/bin/"):
            return "sudo(shim)"
        if path.startswith(REPO + "/"):
            return path[len(REPO) + 1 :]
        return path

    def binary(self, *names, sudo=False):
        shown = "+".join(self.show_path(self.which(n)) for n in names)
        return f"sudo(shim)->{shown}" if sudo else shown

    def is_ours(self, pid, tool):
        """The running process `pid` executes BIN_DIR/tool (compared by real path)."""
        return exe(pid) == os.path.realpath(os.path.join(self.bin_dir, tool))

    # -- output ------------------------------------------------------------------------------

    def step(self, sid):
        self.current = sid
        expected = dict(STEPS)[sid]
        print(f"\n=== step {sid} ===\n# expected: {expected}", flush=True)

    def check(self, sid, seen, ok, binary="-"):
        seen = " ".join(str(seen).split())
        self.results[sid] = (seen, bool(ok), binary)
        print(f"=> {'ok' if ok else 'FAILED'}: {seen}", flush=True)
        return ok

    def announce(self, term, line, kind, doc, note):
        if kind == "verbatim":
            if doc is not None:
                self.covered.append(doc)
        elif kind in ("substituted", "replaced"):
            print(f"# document:  {doc}")
            print(f"# {kind.upper()}: {note}")
            self.covered.append(doc)
        elif kind == "prose":
            print(f"# from the document's prose: {note}")
        else:
            print(f"# ADDED: {note}")
        print(f"[{term.name}]$ {line}", flush=True)

    def run(self, term, line, kind="verbatim", doc=None, note="", timeout=30, show=None):
        """Type `line` into `term`, wait for its prompt, print and return (output, status).
        `show` may shorten what is printed (the full output is returned)."""
        if kind == "verbatim" and doc is None:
            doc = line
        self.announce(term, line, kind, doc, note)
        term.take()
        term.send(line + "\n")
        out, status = term.prompt(timeout)
        lines = out.split("\n")
        if lines and lines[0].strip() == line.strip():
            lines = lines[1:]
        out = "\n".join(lines).rstrip("\n")
        if out:
            print(show(out) if show else out)
        if status is not None:
            print(f"[status {status}]")
        for pattern, note in EXPECTED_NOISE:
            if pattern.search(out):
                print(note)
        sys.stdout.flush()
        return out, status

    def host_ps(self, out):
        """A host `ps aux` as printed: the header and the walkthrough's own processes (those on
        its terminals); the rest of the machine's processes are counted, not shown."""
        lines = out.split("\n")
        ttys = {t.tty for t in TERMS}
        keep, hidden = [], 0
        for line in lines:
            cells = line.split(None, 10)
            if cells[:2] == ["USER", "PID"] or (len(cells) > 6 and cells[6] in ttys):
                keep.append(line)
            else:
                hidden += 1
        keep.append(f"(... and {hidden} more lines: the machine's other processes, not shown)")
        return "\n".join(keep)

    def nested(self, term, what, pred, timeout=5):
        """The process below `term`'s shell that `pred` accepts (a nested shell), or Abort."""
        deadline = time.monotonic() + timeout
        while True:
            for pid in descendants(term.pid):
                if pred(pid):
                    return pid
            if time.monotonic() > deadline:
                raise Abort(f"no {what} below {term.name}'s shell")
            time.sleep(0.05)

    def stopped(self, why):
        """The running step ended by an Abort or Fatal: record it as failed with the reason."""
        print(f"# stopped: {why}", flush=True)
        if self.current and self.current not in self.results:
            self.check(self.current, f"stopped: {why.splitlines()[0]}", False)

    def reset(self, term):
        """After an aborted section: kill what runs below the terminal's shell, get its prompt."""
        pids = descendants(term.pid)
        if not pids:
            return
        print(f"# cleanup: killing what still runs in {term.name}: {pids}")
        for pid in reversed(pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 2
        while not PROMPT_RE.search(clean(term.raw)) and time.monotonic() < deadline:
            pump_all(TERMS, 0.2)
        if not PROMPT_RE.search(clean(term.raw)):
            # What was killed ran in the background: the shell sat at its prompt already.
            term.send("\n")
        term.prompt(15)

    # -- sections ----------------------------------------------------------------------------

    def pid_namespace(self):
        t1, t2 = self.t1, self.t2
        self.step("host-ps")
        out, st = self.run(t1, "ps aux", show=self.host_ps)
        rows = parse_ps(out)
        init = next((last_col(r).split()[0] for r in rows if r.get("PID") == "1"), None)
        self.check(
            "host-ps",
            f"{len(rows)} processes; PID 1 is {init}",
            st == 0 and len(rows) > 3 and init,
            self.binary("ps"),
        )

        self.step("pidns-enter")
        self.run(t1, "sudo unshare --fork --pid --mount-proc bash")
        try:
            inner = self.nested(
                t1, "bash in a new PID namespace",
                lambda p: comm(p) == "bash" and ns(p, "pid") not in (None, self.host_pidns),
            )
        except Abort as e:
            self.check("pidns-enter", str(e), False, self.binary("unshare", sudo=True))
            raise
        uns = [p for p in descendants(t1.pid) if comm(p) == "unshare"]
        ours = bool(uns) and self.is_ours(uns[0], "unshare")
        self.check(
            "pidns-enter",
            f"bash is host PID {inner}, PID {nspid(inner)[-1]} in {ns(inner, 'pid')}; "
            f"unshare running from {exe(uns[0]) if uns else '?'}",
            ours,
            self.binary("unshare", sudo=True),
        )

        self.step("pidns-ps")
        out, st = self.run(t1, "ps aux")
        rows = parse_ps(out)
        first = rows[0] if rows else {}
        pid1 = last_col(first)
        self.check(
            "pidns-ps",
            f"{len(rows)} processes; the first is PID {first.get('PID')}: {pid1}",
            first.get("PID") == "1" and pid1.split()[0:1] == ["bash"] and len(rows) <= 3,
            self.binary("ps"),
        )
        self.step("pidns-pid1")
        print("# the document asks: What is pid 1 in the new namespace?")
        out, st = self.run(t1, "ps -p 1 -o pid,args", kind="added", note="answer: what is PID 1")
        rows = parse_ps(out)
        self.check(
            "pidns-pid1",
            f"PID 1 is {last_col(rows[0]) if rows else '?'} (the bash unshare started)",
            len(rows) == 1 and last_col(rows[0]) == "bash",
            self.binary("ps"),
        )

        self.step("pidns-top")
        self.announce(t1, "top", "prose", None, "run a long lived process like `top`")
        t1.take()
        t1.send("top\n")
        top = self.nested(t1, "top", lambda p: comm(p) == "top")
        deadline = time.monotonic() + 10
        while "load average" not in clean(t1.raw) and time.monotonic() < deadline:
            t1.pump(0.2)
        screen = [l for l in clean(t1.raw).split("\n")[1:] if l.strip()]
        print("\n".join(screen[:6]) + "\n(top's screen, first lines; it keeps running)")
        print("# in a separate connection to the host (the second terminal):")
        out, st = self.run(t2, "ps aux", show=self.host_ps)
        rows = parse_ps(out)
        hosted = [r for r in rows if r.get("PID") == str(top)]
        print("# the document asks: Find the namespaced processes? What PIDs do they have?")
        out, st = self.run(
            t2, f"ps -o pid,nspid,pidns,args -t {t1.tty}", kind="added",
            note="answer: the first terminal's processes with their PID inside their namespace "
            "(NSPID) and their PID namespace",
        )
        rows = parse_ps(out)
        row = next((r for r in rows if last_col(r) == "top"), {})
        want_nspid = nspid(top)[-1] if nspid(top) else None
        inode = re.sub(r"\D", "", ns(top, "pid") or "")
        host_inode = re.sub(r"\D", "", self.host_pidns or "")
        ok = (
            bool(hosted)
            and last_col(hosted[0]) == "top"
            and row.get("PID") == str(top)
            and row.get("NSPID") == str(want_nspid)
            and str(top) != str(want_nspid)
            and row.get("PIDNS") == inode != host_inode
        )
        self.check(
            "pidns-top",
            f"ps aux on the host lists top as PID {top}; in its namespace it is PID "
            f"{row.get('NSPID', '?')} (pidns {row.get('PIDNS', '?')}, the host's is {host_inode})",
            ok,
            self.binary("ps"),
        )

        self.step("pidns-exit")
        self.announce(t1, "q", "added", None, "the keystroke that quits top")
        t1.take()
        t1.send("q")
        out, st = t1.prompt(15)
        self.run(t1, "exit", kind="prose", note="When you're done exploring just `exit`")
        left = descendants(t1.pid)
        mounts = proc_mounts()
        self.check(
            "pidns-exit",
            f"processes still below the first shell: {left or 'none'}; host proc mounts "
            f"{'unchanged' if mounts == self.proc_mounts_before else 'CHANGED: %s' % mounts}",
            not left and mounts == self.proc_mounts_before,
        )

    def containers(self):
        t1 = self.t1
        self.step("container-run")
        out, st = self.run(
            t1, "unshare --fork --pid --mount-proc --mount --uts --ipc --net sleep 300 &",
            kind="replaced", doc="docker run --detach alpine sleep 300",
            note="no docker engine here: the same namespaces made by our unshare, detached (&)",
        )
        m = re.search(r"\[\d+\]\s+(\d+)", out)
        if not m:
            self.check("container-run", "no job pid printed", False, self.binary("unshare"))
            raise Abort("container not started")
        job = int(m.group(1))
        self.started.append((job, starttime(job)))
        deadline = time.monotonic() + 5
        while not children(job) and time.monotonic() < deadline:
            time.sleep(0.05)
        kids = children(job)
        if not kids:
            self.check("container-run", f"unshare {job} has no child", False,
                       self.binary("unshare"))
            raise Abort("container has no init")
        init = kids[0]
        self.started.append((init, starttime(init)))
        out, st = self.run(
            t1, "ps -o pid,nspid,pidns,args --ppid $!", kind="added",
            note="like `docker ps`: the container's init as the host sees it",
        )
        self.run(
            t1, f"CID={init}", kind="added",
            note="'Copy the container id for your running container, this is $CID below': "
            "here the container is known by the host PID of its init",
        )
        rows = parse_ps(out)
        row = next((r for r in rows if r.get("PID") == str(init)), {})
        kinds = ["pid", "mnt", "uts", "ipc", "net"]
        new = [k for k in kinds if ns(init, k) != ns(os.getpid(), k)]
        self.check(
            "container-run",
            f"sleep 300 is host PID {init}, NSPID {row.get('NSPID', '?')}; new namespaces: "
            f"{','.join(new)}; unshare from {exe(job)}",
            last_col(row) == "sleep 300" and row.get("NSPID") == "1" and new == kinds
            and self.is_ours(job, "unshare"),
            self.binary("unshare", "ps"),
        )

        self.step("container-exec")
        self.run(
            t1, "nsenter --all --target $CID /bin/sh", kind="replaced",
            doc="docker exec -it $CID /bin/sh",
            note="no docker engine here: nsenter --all enters every namespace of the container",
        )
        try:
            sh = self.nested(t1, "sh in the container",
                             lambda p: comm(p) == "sh" and ns(p, "pid") == ns(init, "pid"))
        except Abort as e:
            self.check("container-exec", str(e), False, self.binary("nsenter"))
            raise
        ps_out, _ = self.run(t1, "ps aux")
        ls_out, _ = self.run(t1, "ls /")
        self.run(
            t1, f"hostname {CONTAINER_HOSTNAME}", kind="added",
            note="docker names each container's UTS namespace; name ours so the next step can "
            "tell it from the host's",
        )
        self.run(t1, "exit")
        rows = parse_ps(ps_out)
        pid1 = next((last_col(r) for r in rows if r.get("PID") == "1"), None)
        self.check(
            "container-exec",
            f"sh was host PID {sh}; ps aux inside: {len(rows)} processes, PID 1 is {pid1}; "
            f"ls / lists {len(ls_out.split())} entries",
            pid1 == "sleep 300" and len(rows) <= 4 and "proc" in ls_out.split(),
            self.binary("nsenter", "ps"),
        )

        self.step("container-nsenter")
        self.run(
            t1, "PID=$CID", kind="replaced",
            doc="PID=$(docker inspect --format {% raw %}{{.State.PID}}{% endraw %} $CID)",
            note="docker inspect's State.Pid is the host PID of the container's init: $CID here",
        )
        self.run(t1, "sudo nsenter --target $PID --mount --uts --ipc --net --pid /bin/sh")
        try:
            sh = self.nested(t1, "sh in the container",
                             lambda p: comm(p) == "sh" and ns(p, "pid") == ns(init, "pid"))
        except Abort as e:
            self.check("container-nsenter", str(e), False, self.binary("nsenter", sudo=True))
            raise
        nse = [exe(p) for p in descendants(t1.pid) if comm(p) == "nsenter"]
        nse_ours = bool(nse) and nse[0] == os.path.realpath(os.path.join(self.bin_dir, "nsenter"))
        host_out, _ = self.run(t1, "hostname", kind="added", note="the container's hostname")
        ps_out, _ = self.run(t1, "ps aux", kind="added", note="the container's processes")
        net_out, _ = self.run(t1, "cat /proc/net/dev", kind="added",
                              note="the container's network interfaces")
        self.run(t1, "exit", kind="added", note="leave the container")
        rows = parse_ps(ps_out)
        pid1 = next((last_col(r) for r in rows if r.get("PID") == "1"), None)
        inside = ifaces(net_out)
        self.check(
            "container-nsenter",
            f"hostname {host_out.strip()} (host: {self.host_hostname}); PID 1 is {pid1} of "
            f"{len(rows)}; interfaces {','.join(inside)} (host: {','.join(self.host_ifaces)}); "
            f"nsenter from {nse[0] if nse else '?'}",
            host_out.strip() == CONTAINER_HOSTNAME
            and pid1 == "sleep 300"
            and inside == ["lo"]
            and nse_ours,
            self.binary("nsenter", "ps", sudo=True),
        )
        self.run(
            t1, "kill -KILL $PID; wait", kind="added",
            note="stop the container now rather than after its 300 s (PID 1 of a namespace only "
            "takes signals it handles, and SIGKILL)",
        )

    def memory(self):
        t1 = self.t1
        self.step("user-play")
        self.group_before = group_exists("play")
        try:
            pw = pwd.getpwnam("play")
            seen = f"play exists already (uid {pw.pw_uid}): used as is, not removed"
        except KeyError:
            cmd = ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "play"]
            print(f"# ADDED: the document assumes a user play; creating it: {' '.join(cmd)}")
            r = subprocess.run(cmd, capture_output=True, text=True)
            print(r.stdout + r.stderr, end="")
            if r.returncode == 0:
                self.created_user = True
            seen = f"created by this run ({' '.join(cmd)}); removed at the end"
        try:
            play_uid = pwd.getpwnam("play").pw_uid
        except KeyError:
            self.check("user-play", "cannot create the user play", False)
            raise Abort("no user play")
        self.check("user-play", seen, True, "useradd" if self.created_user else "-")

        self.step("cgcreate")
        self.run(t1, "sudo cgcreate -a play -g memory:playground")
        self.own(PLAYGROUND)
        owner = file_owner(PLAYGROUND + "/memory.limit_in_bytes")
        self.check(
            "cgcreate",
            f"{PLAYGROUND} {'exists' if os.path.isdir(PLAYGROUND) else 'MISSING'}; "
            f"memory.limit_in_bytes owned by uid {owner} (play is {play_uid})",
            os.path.isdir(PLAYGROUND) and owner == play_uid,
            self.binary("cgcreate", sudo=True),
        )
        if not os.path.isdir(PLAYGROUND):
            raise Abort("no playground")

        self.step("playground-ls")
        out, st = self.run(t1, "ls -la /sys/fs/cgroup/memory/playground/")
        names = [l.split()[-1] for l in out.splitlines() if len(l.split()) >= 9]
        self.check(
            "playground-ls",
            f"{len(names)} entries, memory.limit_in_bytes "
            f"{'listed' if 'memory.limit_in_bytes' in names else 'MISSING'}",
            "memory.limit_in_bytes" in names and "cgroup.procs" in names,
        )

        self.step("limit")
        out, st = self.run(
            t1, "echo 10485760 | tee /sys/fs/cgroup/memory/playground/memory.limit_in_bytes"
        )
        value = read(PLAYGROUND + "/memory.limit_in_bytes").strip()
        self.check(
            "limit",
            f"tee printed {out.strip()}; memory.limit_in_bytes reads {value}",
            out.strip() == "10485760" and value == "10485760",
        )

        self.step("memhog-outside")
        out, st = self.run(t1, "memhog 104857600 1", timeout=120)
        last = (out.strip().splitlines() or [""])[-1]
        self.check(
            "memhog-outside",
            f"status {st}; the shell's memory cgroup is {cgroup_of(t1.pid, 'memory')}; "
            f"last line: {last[:60]}",
            st == 0 and cgroup_of(t1.pid, "memory") != "/playground",
            self.binary("memhog"),
        )

        self.step("cgexec")
        self.run(t1, "sudo cgexec -g memory:playground bash")
        try:
            inner = self.nested(t1, "bash in memory:/playground",
                                lambda p: comm(p) == "bash"
                                and cgroup_of(p, "memory") == "/playground")
        except Abort as e:
            self.check("cgexec", str(e), False, self.binary("cgexec", sudo=True))
            raise
        self.check(
            "cgexec",
            f"bash {inner} is in memory:{cgroup_of(inner, 'memory')}",
            True,
            self.binary("cgexec", sudo=True),
        )

        self.step("memhog-inside")
        failcnt0 = int(read(PLAYGROUND + "/memory.failcnt", "0").strip() or 0)
        out, st = self.run(t1, "memhog 10485760 1", timeout=60)
        lines = out.strip().splitlines()
        failcnt = int(read(PLAYGROUND + "/memory.failcnt", "0").strip() or 0)
        self.check(
            "memhog-inside",
            f"status {st}; last line: {lines[-1] if lines else ''}; memory.failcnt "
            f"{failcnt0} -> {failcnt}",
            st == 137 and lines and lines[-1].strip() == "Killed" and failcnt > failcnt0,
            self.binary("memhog"),
        )

        self.step("exit-code")
        print("# the document asks: What is the exit code? What does this exit code signify?")
        out, st = self.run(t1, "echo $?")
        self.check("exit-code", f"echo $? printed {out.strip()}", out.strip() == "137")

        self.step("exit-code-meaning")
        sig, _ = self.run(t1, "kill -l 137", kind="added",
                          note="answer: 137 = 128 + the number of the signal that killed it")
        oom, _ = self.run(
            t1, "grep -w oom_kill /sys/fs/cgroup/memory/playground/memory.oom_control",
            kind="added", note="answer: who sent it: the group's OOM-kill counter",
        )
        kills = int(oom.split()[-1]) if oom.split() and oom.split()[-1].isdigit() else 0
        self.check(
            "exit-code-meaning",
            f"kill -l 137 says {sig.strip()} (128 + 9); oom_kill counter {kills}: the OOM "
            "killer sent SIGKILL when the group hit its 10 MiB limit",
            sig.strip() == "KILL" and kills >= 1,
        )
        self.run(t1, "exit", kind="added", note="leave the cgexec shell so playground is empty")

        self.step("cgdelete")
        self.run(t1, "sudo cgdelete memory:playground")
        self.check(
            "cgdelete",
            f"{PLAYGROUND} {'still exists' if os.path.exists(PLAYGROUND) else 'is gone'}",
            not os.path.exists(PLAYGROUND),
            self.binary("cgdelete", sudo=True),
        )

    def cgroup_namespace(self):
        t1, t2 = self.t1, self.t2
        self.step("freezer-mkdir")
        self.run(t1, "mkdir -p /sys/fs/cgroup/freezer/mycgroup")
        self.own(MYCGROUP)
        out, st = self.run(t1, "ls -la /sys/fs/cgroup/freezer/mycgroup")
        names = [l.split()[-1] for l in out.splitlines() if len(l.split()) >= 9]
        self.check(
            "freezer-mkdir",
            f"mycgroup holds {len(names) - 2} files made by the kernel, e.g. "
            f"{', '.join(n for n in names if n.startswith('freezer'))}",
            os.path.isdir(MYCGROUP) and "freezer.state" in names and "cgroup.procs" in names,
        )
        if not os.path.isdir(MYCGROUP):
            raise Abort("no mycgroup")

        self.step("freezer-join")
        out, st = self.run(t1, "echo $$")
        shell = out.strip()
        self.run(
            t1, f"echo {shell} > /sys/fs/cgroup/freezer/mycgroup/cgroup.procs",
            kind="substituted", doc="echo 942 > /sys/fs/cgroup/freezer/mycgroup/cgroup.procs",
            note=f"942 was the author's shell; this shell's $$ is {shell}",
        )
        out, st = self.run(t1, "grep freezer /proc/self/cgroup")
        self.check(
            "freezer-join",
            f"$$ = {shell} (the first terminal's shell is {t1.pid}); "
            f"/proc/self/cgroup: {out.strip()}",
            shell == str(t1.pid) and re.fullmatch(r"\d+:freezer:/mycgroup", out.strip())
            and shell in read(MYCGROUP + "/cgroup.procs").split(),
        )

        self.step("cgroupns-enter")
        self.run(t1, "unshare -C bash")
        host_cgns = ns(os.getpid(), "cgroup")
        try:
            inner = self.nested(t1, "bash in a new cgroup namespace",
                                lambda p: comm(p) == "bash" and ns(p, "cgroup") != host_cgns)
        except Abort as e:
            self.check("cgroupns-enter", str(e), False, self.binary("unshare"))
            raise
        self.check(
            "cgroupns-enter",
            f"bash {inner} in {ns(inner, 'cgroup')} (host: {host_cgns})",
            True,
            self.binary("unshare"),
        )

        self.step("cgroupns-inside")
        out, st = self.run(t1, "grep freezer /proc/self/cgroup")
        pid_out, _ = self.run(t1, "echo $$")
        self.check(
            "cgroupns-inside",
            f"/proc/self/cgroup: {out.strip()}; $$ = {pid_out.strip()}",
            re.fullmatch(r"\d+:freezer:/", out.strip()) and pid_out.strip() == str(inner),
        )

        self.step("cgroupns-outside")
        print("# from the second terminal, in the default namespaces:")
        out, st = self.run(
            t2, f"grep freezer /proc/{pid_out.strip()}/cgroup", kind="substituted",
            doc="grep freezer /proc/1032/cgroup",
            note=f"1032 was the author's namespaced shell; this one's $$ is {pid_out.strip()}",
        )
        self.check(
            "cgroupns-outside",
            f"/proc/{pid_out.strip()}/cgroup: {out.strip()}",
            re.fullmatch(r"\d+:freezer:/mycgroup", out.strip()),
        )

        self.step("cgroupns-answer")
        print("# the document asks: How can the namespaced shell figure what cgroup it is in?")
        mi, _ = self.run(
            t1, "grep freezer /proc/self/mountinfo", kind="added",
            note="answer, part 1: the hierarchy's mount root reads /.. from inside: this "
            "namespace's root lies below the root of the mounted hierarchy",
        )
        found, _ = self.run(
            t1, "grep -rlx --include=cgroup.procs $$ /sys/fs/cgroup/freezer", kind="added",
            note="answer, part 2: the mount still shows the whole hierarchy: find the group "
            "whose cgroup.procs lists this shell",
        )
        roots = [l.split()[3] for l in mi.splitlines() if len(l.split()) > 4]
        self.check(
            "cgroupns-answer",
            f"mountinfo root {','.join(roots)}; $$ listed in {found.strip()}",
            roots == ["/.."] and found.strip() == MYCGROUP + "/cgroup.procs",
        )
        self.run(t1, "exit", kind="added", note="leave the cgroup-namespace shell")
        self.run(t1, "echo $$ > /sys/fs/cgroup/freezer/cgroup.procs", kind="added",
                 note="put this shell back in the root freezer group")
        self.run(t1, "rmdir /sys/fs/cgroup/freezer/mycgroup", kind="added",
                 note="remove mycgroup (the document leaves it)")

    def cpu_shares(self):
        t1, t2 = self.t1, self.t2
        g2, g1024 = f"{CPU_PARENT_NAME}/shares-2", f"{CPU_PARENT_NAME}/shares-1024"
        self.step("cpu-groups")
        print(f"# no docker engine here: docker's --cpu-shares puts each container in a cpu "
              f"cgroup of its own below /docker; ours are below /{CPU_PARENT_NAME}")
        self.run(t1, f"cgcreate -g cpu:{g2} -g cpu:{g1024}", kind="added",
                 note="the two containers' cpu cgroups")
        self.own(CPU_PARENT)
        self.run(t1, f"cgset -r cpu.shares=2 {g2}", kind="added", note="--cpu-shares=2")
        self.run(t1, f"cgset -r cpu.shares=1024 {g1024}", kind="added", note="--cpu-shares=1024")
        s2 = read(f"{CG}/cpu/{g2}/cpu.shares").strip()
        s1024 = read(f"{CG}/cpu/{g1024}/cpu.shares").strip()
        ok = self.check(
            "cpu-groups",
            f"cpu.shares reads {s2 or 'MISSING'} and {s1024 or 'MISSING'}",
            s2 == "2" and s1024 == "1024",
            self.binary("cgcreate", "cgset"),
        )
        if not ok:
            raise Abort("no cpu groups")

        self.step("cpu-race")
        count = self.dd_count
        dd = f"dd if=/dev/urandom of=/dev/null bs=1M count={count}"
        note = (f"no docker engine here: the same time dd under cgexec in the cgroup, pinned to "
                f"CPU {self.cpu} with taskset so that the shares decide"
                + ("" if count == 2000 else f"; count={count} instead of 2000 to keep CI short"))
        print("# 'Try opening 2 shells and starting these commands at the same time':")
        lines = {}
        for term, group, shares in ((t1, g2, 2), (t2, g1024, 1024)):
            line = f"time taskset -c {self.cpu} cgexec -g cpu:{group} {dd}"
            doc = (f"docker run --cpu-shares={shares} alpine time dd if=/dev/urandom "
                   "of=/dev/null bs=1M count=2000")
            self.announce(term, line, "replaced", doc, note)
            lines[term.name] = line
        finished = []
        outs = {}
        for term in (t1, t2):
            term.take()
            term.send(lines[term.name] + "\n")
        start = time.monotonic()
        deadline = start + max(120, count / 5)
        while len(finished) < 2:
            for term in (t1, t2):
                if term.name in outs:
                    continue
                m = PROMPT_RE.search(clean(term.raw))
                if m:
                    text = clean(term.raw)
                    term.raw = b""
                    outs[term.name] = (text[: m.start()], int(m.group(1)))
                    finished.append(term.name)
            if time.monotonic() > deadline:
                raise Abort(f"dd runs still going after {deadline - start:.0f} s")
            pump_all(TERMS, 0.2)
        reals = {}
        for term, shares in ((t1, 2), (t2, 1024)):
            out, st = outs[term.name]
            body = "\n".join(l for l in out.split("\n") if l.strip() != lines[term.name].strip())
            print(f"--- [{term.name}] cpu.shares={shares}, finished "
                  f"{'first' if finished[0] == term.name else 'second'} ---")
            print(body.strip("\n"))
            print(f"[status {st}]")
            m = re.search(r"real\s+(\d+)m([\d.]+)s", out)
            reals[shares] = int(m.group(1)) * 60 + float(m.group(2)) if m else None
            if st != 0:
                reals[shares] = None
        first = 1024 if finished[0] == t2.name else 2
        self.check(
            "cpu-race",
            f"real {reals[2]} s with 2 shares, {reals[1024]} s with 1024; first done: "
            f"{first} shares",
            first == 1024 and None not in reals.values() and reals[1024] < reals[2],
            self.binary("taskset", "cgexec"),
        )
        self.run(t1, f"cgdelete -r cpu:{CPU_PARENT_NAME}", kind="added",
                 note="remove both groups")

    # -- bookkeeping -------------------------------------------------------------------------

    def own(self, path):
        """Record a fixed-name group as this run's (it did not exist when the run started)."""
        if os.path.isdir(path) and path not in self.owned:
            self.owned.append(path)

    def coverage(self):
        wanted = collections.Counter(document_lines())
        got = collections.Counter(self.covered)
        missing = wanted - got
        extra = got - wanted
        self.check(
            "coverage",
            f"{sum(wanted.values())} command lines in the document, {sum((got & wanted).values())}"
            f" ran; missing: {list(missing.elements()) or 'none'}"
            + (f"; unknown: {list(extra.elements())}" if extra else ""),
            not missing and not extra,
        )

    def cleanup(self):
        """Undo what this run did. Each part runs even if one before it failed."""
        print("\n=== cleanup ===", flush=True)
        parts = [(f"{term.name}'s session", lambda t=term: self.kill_session(t)) for term in TERMS]
        parts.append(("the processes this run started", self.kill_started))
        parts += [(path, lambda p=path: remove_group(p)) for path in self.owned]
        if self.created_user:
            parts.append(("the user play", self.remove_user))
        parts.append((self.tmp, lambda: shutil.rmtree(self.tmp, ignore_errors=True)))
        for what, undo in parts:
            try:
                undo()
            except Exception as e:  # go on with the rest; left_behind() reports what stayed
                print(f"# cleanup of {what} failed: {e!r}")

    def kill_started(self):
        for pid, start in self.started:
            if alive(pid, start):
                print(f"# killing {pid} (started by this run)")
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def remove_user(self):
        r = subprocess.run(["userdel", "play"], capture_output=True, text=True)
        print(f"# userdel play: status {r.returncode} {r.stderr.strip()}")

    def kill_session(self, term):
        """Kill every process of the terminal's session (all started by this run), leader last."""
        for _ in range(50):
            members = [p for p in session_members(term.pid) if p != term.pid]
            if not members:
                break
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        try:
            os.kill(term.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(term.pid, 0)
        except ChildProcessError:
            pass
        try:
            os.close(term.fd)
        except OSError:
            pass
        term.closed = True

    def left_behind(self):
        problems = []
        for path in FIXED_GROUPS:
            if os.path.exists(path) and path in self.owned:
                problems.append(f"cgroup {path}")
        for term in TERMS:
            if alive(term.pid, term.start) or session_members(term.pid):
                problems.append(f"processes of {term.name}'s session {term.pid}")
        for pid, start in self.started:
            if alive(pid, start):
                problems.append(f"process {pid}")
        if proc_mounts() != self.proc_mounts_before:
            problems.append(f"proc mounts now {proc_mounts()}")
        if self.created_user:
            try:
                pwd.getpwnam("play")
                problems.append("user play")
            except KeyError:
                pass
            if group_exists("play") and not self.group_before:
                problems.append("group play")
        if os.path.exists(self.tmp):
            problems.append(self.tmp)
        self.check(
            "left-behind",
            "nothing: " + ", ".join(filter(None, [
                "fixed cgroups removed",
                "terminal sessions empty",
                "host proc mounts as before",
                "user play removed" if self.created_user else "",
                "temp dir removed",
            ])) if not problems else "LEFT: " + "; ".join(problems),
            not problems,
        )


def ifaces(proc_net_dev):
    return sorted(l.split(":")[0].strip() for l in proc_net_dev.splitlines() if ":" in l)


def group_exists(name):
    return any(l.split(":")[0] == name for l in read("/etc/group").splitlines())


def file_owner(path):
    try:
        return os.stat(path).st_uid
    except OSError:
        return None


def remove_group(path, depth=0):
    """Remove a cgroup this run made, subgroups first: kill its members (only this run's could be
    there), then rmdir. Bounded."""
    if "process_api" in path or not os.path.isdir(path) or depth > 8:
        return
    for entry in os.listdir(path):
        if os.path.isdir(os.path.join(path, entry)):
            remove_group(os.path.join(path, entry), depth + 1)
    for _ in range(100):
        members = read(path + "/cgroup.procs").split()
        for pid in members:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        try:
            os.rmdir(path)
            print(f"# removed {path}")
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    print(f"# could not remove {path}")


def document_lines():
    """The command lines of the document: non-comment lines of its code blocks."""
    out, inside = [], False
    with open(DOC) as f:
        for line in f:
            line = line.strip()
            if line.startswith("```"):
                inside = not inside
                continue
            if inside and line and not line.startswith("#"):
                out.append(line)
    return out


SUDO_SHIM = """#!/bin/sh
# sudo of the nstools walkthrough (a temp file; removed at the end of the run).
# The walkthrough runs as root already, and the real sudo's secure_path would replace PATH with the
# system's, running /usr/bin/unshare instead of ours: run the command as is, with the caller's PATH.
if [ "$(id -u)" != 0 ]; then
    echo "sudo (nstools walkthrough shim): run the walkthrough as root" >&2
    exit 1
fi
case "$1" in
    -*) echo "sudo (nstools walkthrough shim): options are not supported: $1" >&2; exit 1 ;;
esac
exec "$@"
"""


def table_rows(results):
    """(step, expected, seen, ok, binary) for every step, in order; a step that never reported is
    `not run`."""
    rows = []
    for sid, expected in STEPS:
        seen, ok, binary = results.get(sid, ("not run", False, "-"))
        rows.append((sid, expected, seen, ok, binary))
    return rows


def wrap(text, width):
    """`text` in lines of at most `width` columns, broken at spaces (a longer word stands alone)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines or [""]


def print_table(rows, width):
    """The closing table for a terminal: step, ok, then what was seen and the binary that ran,
    wrapped to `width` columns below one another."""
    step_w = max(len("step"), *(len(r[0]) for r in rows))
    indent = step_w + 2 + 3 + 2
    text_w = max(40, width - indent)
    print("\n=== summary ===")
    print(f"{'step':<{step_w}}  {'ok':<3}  seen [binary]")
    for sid, _expected, seen, ok, binary in rows:
        text = seen if binary == "-" else f"{seen} [{binary}]"
        lines = wrap(text, text_w)
        print(f"{sid:<{step_w}}  {'yes' if ok else 'NO':<3}  {lines[0]}")
        for line in lines[1:]:
            print(" " * indent + line)


def markdown_table(rows):
    """The same table in Markdown (GitHub's tables: a header, a separator row, `|` escaped)."""
    def cell(text):
        return " ".join(str(text).split()).replace("|", "\\|")

    out = ["| step | expected | seen | ok | binary |", "|---|---|---|---|---|"]
    for sid, expected, seen, ok, binary in rows:
        cells = (sid, expected, seen, "yes" if ok else "NO", binary)
        out.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def closing_line(rows):
    ok = sum(1 for r in rows if r[3])
    line = f"{ok} of {len(rows)} steps ok"
    failed = [r[0] for r in rows if not r[3]]
    return line + (f"; not ok: {', '.join(failed)}" if failed else "")


def preflight(bin_dir):
    """Reasons not to start (nothing has been changed yet)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("run it as root (it makes namespaces, cgroups and a user)")
    for tool in TOOLS:
        if not os.access(os.path.join(bin_dir, tool), os.X_OK):
            problems.append(f"{bin_dir}/{tool} is missing (cargo build --workspace --bins)")
    for prog in PROGRAMS:
        if not shutil.which(prog):
            problems.append(f"{prog} is not installed")
    for controller in ("memory", "freezer", "cpu"):
        if not os.path.isfile(f"{CG}/{controller}/cgroup.procs"):
            problems.append(f"no cgroup v1 {controller} hierarchy at {CG}/{controller}")
    for path in FIXED_GROUPS:
        if os.path.exists(path):
            problems.append(f"{path} exists and was not made by this run: not touching it")
    if not os.path.isfile(DOC):
        problems.append(f"{DOC} is missing")
    return problems


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Run it as root. It refuses to start if the cgroups playground, mycgroup or "
        "nstools-walkthrough exist, and leaves nothing behind however it ends.",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="do not build; run against BIN_DIR as it is (tests/tests/walkthrough.rs uses this)")
    parser.add_argument(
        "--bin-dir", metavar="DIR", default=os.environ.get("NSTOOLS_BIN_DIR"),
        help="the binaries to put first on PATH (default: $NSTOOLS_BIN_DIR, else the workspace's "
        "target/debug); giving one implies no build")
    parser.add_argument(
        "--dd-count", metavar="N", type=int, default=2000,
        help="count= of the two CPU-shares dd runs, in MiB (default: 2000, as in the document; "
        "the test uses 200)")
    parser.add_argument(
        "--markdown", metavar="FILE",
        help="where to write the closing table in Markdown, with what each step expects, for "
        "pasting (default: target/walkthrough-summary.md)")
    args = parser.parse_args()
    # A name or path from /proc may hold bytes that are not UTF-8 (see read()): escape, never die.
    sys.stdout.reconfigure(line_buffering=True, errors="backslashreplace")
    sys.stderr.reconfigure(errors="backslashreplace")

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    bin_dir = os.path.abspath(args.bin_dir or os.path.join(target, "debug"))
    markdown = os.path.abspath(args.markdown or os.path.join(target, "walkthrough-summary.md"))
    if not args.check and not args.bin_dir:
        print("$ cargo build --workspace --bins", flush=True)
        r = subprocess.run(["cargo", "build", "--workspace", "--bins"], cwd=REPO)
        if r.returncode != 0:
            print("walkthrough: the build failed", file=sys.stderr)
            return 2
    problems = preflight(bin_dir)
    if problems:
        for p in problems:
            print(f"walkthrough: {p}", file=sys.stderr)
        return 2

    def stop(signum, _frame):
        raise Fatal(f"stopped by signal {signum}")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, stop)
    w = None
    refused = False
    # Whatever happens from here on (a failed step, a bug, a signal), cleanup runs.
    try:
        w = Walkthrough(bin_dir, args.dd_count)
        refused = not run_sections(w, bin_dir)
    except (Abort, Fatal) as e:
        if w:
            w.stopped(f"the run cannot go on: {e}")
    except Exception as e:  # a bug in this script: still clean up, still report
        traceback.print_exc()
        if w:
            w.stopped(f"the run cannot go on: internal error: {e!r}")
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        if w:
            w.cleanup()
    if w is None or refused:
        return 2
    w.left_behind()
    rows = table_rows(w.results)
    print_table(rows, shutil.get_terminal_size((100, 24)).columns)
    try:
        os.makedirs(os.path.dirname(markdown), exist_ok=True)
        with open(markdown + ".part", "w") as f:
            f.write(markdown_table(rows))
        os.replace(markdown + ".part", markdown)
        print(f"# the same table in Markdown, with what each step expects: {markdown}")
    except OSError as e:
        print(f"walkthrough: cannot write {markdown}: {e}", file=sys.stderr)
    print(closing_line(rows))
    return 0 if all(r[3] for r in rows) else 1


def run_sections(w, bin_dir):
    """The walkthrough itself, section by section; False when it refused to start."""
    print(f"# the walkthrough: {DOC}")
    print(f"# BIN_DIR (first on PATH after the sudo shim): {bin_dir}")
    print(f"# sudo: {w.sudo}, a shim that runs the command as is with this PATH, since we are "
          "root already (the real sudo's secure_path would run the system's tools)")
    print("# the shells: interactive bash on ptys, HOME a private empty dir, TERM=dumb, LC_ALL=C")
    for tool in TOOLS:
        where = w.which(tool)
        print(f"# command -v {tool}: {where}")
        if os.path.dirname(where or "") != bin_dir:
            print(f"walkthrough: {tool} resolves to {where}, not {bin_dir}", file=sys.stderr)
            return False
    try:
        w.t1 = Term("term1", w.env)
        w.t2 = Term("term2", w.env)
        print(f"# term1: your shell (pid {w.t1.pid}, {w.t1.tty}); term2: a separate "
              f"connection to the host (pid {w.t2.pid}, {w.t2.tty})")
        for section in (w.pid_namespace, w.containers, w.memory, w.cgroup_namespace,
                        w.cpu_shares):
            try:
                section()
            except Abort as e:
                w.stopped(str(e))
                for term in TERMS:
                    w.reset(term)
    except (Abort, Fatal) as e:
        w.stopped(f"the run cannot go on: {e}")
    w.coverage()
    return True


if __name__ == "__main__":
    sys.exit(main())
