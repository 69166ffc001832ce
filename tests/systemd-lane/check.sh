#!/bin/bash
# The systemd lane's checks, run inside the VM by nst-lane.service (systemd is PID 1, cgroup v2
# only, dbus running, our cgtools first on PATH).
#
#   bash check.sh            run every check, in file order
#   bash check.sh --list     print the check names
#
# Each check is a function `t_<group>__<name>`, reported as `<group>::<name>`. Results go to fd 3
# (/dev/ttyS1 in the VM, else stdout): `ok NAME`, `not ok NAME: reason`, then `N passed, M failed`;
# the transcript (commands, output, status) goes to stdout (the console) after a `# ---- NAME` line.
# The checks build on each other (the scopes made early are used later), so they run in order in
# one shell; each runs in a subshell under a time bound, and fails through `fail REASON`.

export PATH=/nstools/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
CG=/sys/fs/cgroup
IDLE=libcgroup_systemd_idle_thread
STEP_TIMEOUT=60
STATE=/run/nst-lane # pids shared between checks
mkdir -p "$STATE"

fail() {
    echo "FAIL: $*"
    exit 1
}

# run CMD...: stdout -> $out, stderr -> $err, status -> $st, all shown in the transcript.
run() {
    echo "\$ $*"
    "$@" </dev/null >/tmp/out 2>/tmp/err
    st=$?
    out=$(cat /tmp/out)
    err=$(cat /tmp/err)
    [ -n "$out" ] && sed 's/^/  | /' /tmp/out
    [ -n "$err" ] && sed 's/^/  ! /' /tmp/err
    echo "  = status $st"
}

expect_status() { [ "$st" = "$1" ] || fail "status $st, expected $1 (stderr: $err)"; }

# argv[0] of a process.
argv0() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1; }

# The idle processes (by argv[0]) listed in the cgroup.procs of directory $1.
idle_pids() {
    local p
    for p in $(cat "$1/cgroup.procs" 2>/dev/null); do
        [ "$(argv0 "$p")" = "$IDLE" ] && echo "$p"
    done
}

# Every idle process on the machine.
all_idle() {
    local d
    for d in /proc/[0-9]*; do
        [ "$(argv0 "${d#/proc/}")" = "$IDLE" ] && echo "${d#/proc/}"
    done
}

# The cgroup v2 path of a process.
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

# wait_for CMD...: poll (10 s at most) until CMD succeeds.
wait_for() {
    local i
    for i in $(seq 100); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

gone() { [ ! -e "$1" ]; }
dead() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
in_cgroup() { [ "$(cg_of "$1")" = "$2" ]; }
# systemd learns that a scope emptied asynchronously (a cgroup notification): on a loaded host the
# unit stays active a moment after its cgroup is gone.
not_active() { [ "$(systemctl is-active "$1" 2>/dev/null)" != active ]; }

# A long sleeper started here (not idle), its pid in $STATE/$1.
sleeper() {
    sleep 1000 </dev/null >/dev/null 2>&1 &
    echo $! >"$STATE/$1"
    echo "# started sleeper $1 = $!"
}

# ---------------------------------------------------------------------------------------------
# checks

t_lane__systemd_is_pid_1() {
    [ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm)"
    [ -d /run/systemd/system ] || fail "no /run/systemd/system"
    command -v busctl >/dev/null || fail "no busctl"
    grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || fail "cgroup2 is not at /sys/fs/cgroup"
    run systemctl is-active dbus.service
    [ "$out" = active ] || fail "dbus is $out"
    command -v cgcreate | grep -q '^/nstools/bin/' || fail "cgcreate is not ours: $(command -v cgcreate)"
}

t_cgcreate__c_makes_a_delegated_scope_holding_an_idle_process() {
    run cgcreate -c -g cpu,memory:nst.slice/x.scope
    expect_status 0
    [ -z "$out$err" ] || fail "cgcreate printed something"
    [ -d $CG/nst.slice/x.scope ] || fail "no $CG/nst.slice/x.scope"
    run systemctl is-active x.scope
    [ "$out" = active ] || fail "x.scope is $out"
    run systemctl show -p Delegate -p Slice x.scope
    echo "$out" | grep -qx 'Delegate=yes' || fail "not delegated"
    echo "$out" | grep -qx 'Slice=nst.slice' || fail "not in nst.slice"
    local idle
    idle=$(idle_pids $CG/nst.slice/x.scope)
    echo "# idle: $idle; procs: $(cat $CG/nst.slice/x.scope/cgroup.procs | tr '\n' ' ')"
    [ "$(echo "$idle" | wc -w)" = 1 ] || fail "expected one idle process in x.scope, found '$idle'"
    [ "$(cat $CG/nst.slice/x.scope/cgroup.procs | wc -l)" = 1 ] || fail "x.scope holds more than the idle process"
    [ "$(cat /proc/$idle/comm)" = libcgroup_syste ] || fail "idle comm is $(cat /proc/$idle/comm)"
    for c in cpu memory; do
        grep -qw $c $CG/nst.slice/x.scope/cgroup.controllers || fail "$c not delegated: $(cat $CG/nst.slice/x.scope/cgroup.controllers)"
    done
    echo "$idle" >"$STATE/idle_x"
}

t_cgcreate__c_on_an_existing_scope_fails_and_leaves_it_as_it_was() {
    local before
    before=$(cat $CG/nst.slice/x.scope/cgroup.procs | sort | tr '\n' ' ')
    run cgcreate -c -g cpu,memory:nst.slice/x.scope
    expect_status 96
    case $err in
        "cgcreate: can't create scope nst.slice/x.scope: StartTransientUnit failed: Call failed: Unit x.scope "*already*) ;;
        *) fail "stderr: $err" ;;
    esac
    [ "$(cat $CG/nst.slice/x.scope/cgroup.procs | sort | tr '\n' ' ')" = "$before" ] || fail "x.scope's processes changed"
    [ "$(all_idle | wc -l)" = 1 ] || fail "the second idle process was not ended: $(all_idle)"
}

t_loglevel__debug_shows_the_systemd_steps() {
    CGROUP_LOGLEVEL=DEBUG run cgcreate -c -g cpu:nst.slice/v.scope
    expect_status 0
    [ -z "$out" ] || fail "stdout: $out"
    echo "$err" | grep -q "^created $IDLE pid [0-9]*$" || fail "no idle process line"
    echo "$err" | grep -q "^pid [0-9]* will be placed in scope nst.slice/v.scope$" || fail "no placement line"
    echo "$err" | grep -q "busctl --timeout=30 call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit ssa(sv)a(sa(sv)) v.scope fail 5 Description s scope created by libcgroup Slice s nst.slice Delegate b true PIDs au 1 [0-9]* DelegateControllers as 1 cpu 0$" || fail "no busctl line"
    echo "$err" | grep -q "^Created systemd slice nst.slice scope v.scope pid [0-9]*$" || fail "no result line"
    CGROUP_LOGLEVEL=ERROR run cgdelete -b cpu:nst.slice/v.scope
    expect_status 0
    [ -z "$out$err" ] || fail "ERROR level printed something"
    wait_for gone $CG/nst.slice/v.scope || fail "v.scope still there"
}

t_cgcreate__c_p_puts_that_pid_in_the_scope() {
    sleeper a
    local a
    a=$(cat "$STATE/a")
    run cgcreate -c -p "$a" -g cpu:nst.slice/z.scope
    expect_status 0
    wait_for in_cgroup "$a" /nst.slice/z.scope || fail "pid $a is in $(cg_of "$a")"
    [ -z "$(idle_pids $CG/nst.slice/z.scope)" ] || fail "an idle process in z.scope despite -p"
    run cgcreate -c -p 1 -g cpu:nst.slice/bad.scope
    expect_status 129
    [ "$err" = "cgcreate: Invalid pid 1" ] || fail "stderr: $err"
    [ ! -e $CG/nst.slice/bad.scope ] || fail "bad.scope created"
}

t_cgcreate__c_S_records_the_default_scope() {
    [ ! -e /var/run/libcgroup/systemd ] || fail "a default exists before -S"
    run cgcreate -c -S -g cpu,memory:nst.slice/y.scope
    expect_status 0
    [ "$(cat /var/run/libcgroup/systemd)" = nst.slice/y.scope ] || fail "default file: $(cat /var/run/libcgroup/systemd)"
    [ -n "$(idle_pids $CG/nst.slice/y.scope)" ] || fail "no idle process in y.scope"
    idle_pids $CG/nst.slice/y.scope >"$STATE/idle_y"
}

t_default__relative_paths_land_in_the_default_scope() {
    run cgexec -g cpu:. cat /proc/self/cgroup
    expect_status 0
    [ "$out" = "0::/nst.slice/y.scope" ] || fail "cgexec -g cpu:. ran in $out"
    run cgcreate -g :sub
    expect_status 0
    [ -d $CG/nst.slice/y.scope/sub ] || fail "sub not created in the scope"
    [ ! -e $CG/sub ] || fail "sub created at the root"
    run cgexec -g :sub cat /proc/self/cgroup
    [ "$out" = "0::/nst.slice/y.scope/sub" ] || fail "cgexec -g :sub ran in $out"
    run cgset -r memory.max=64M .
    expect_status 0
    [ "$(cat $CG/nst.slice/y.scope/memory.max)" = 67108864 ] || fail "memory.max of the scope: $(cat $CG/nst.slice/y.scope/memory.max)"
    run cgget -n -v -r memory.max .
    [ "$out" = 67108864 ] || fail "cgget: $out"
    run lscgroup -g :.
    echo "$out" | grep -qx ':/nst.slice/y.scope/sub' || fail "lscgroup: $out"
    run cgdelete -g :sub
    expect_status 0
    [ ! -e $CG/nst.slice/y.scope/sub ] || fail "sub not removed"
}

t_default__b_ignores_the_default_scope() {
    run cgcreate -b -g cpu:lane-top
    expect_status 0
    [ -d $CG/lane-top ] || fail "-b: lane-top not at the root"
    [ ! -e $CG/nst.slice/y.scope/lane-top ] || fail "-b: lane-top made in the scope"
    run cgexec -b -g cpu:lane-top cat /proc/self/cgroup
    [ "$out" = "0::/lane-top" ] || fail "cgexec -b ran in $out"
    run cgget -b -n -v -r cpu.weight lane-top
    [ "$out" = 100 ] || fail "cgget -b: $out"
    run cgdelete -b cpu:lane-top
    expect_status 0
    [ ! -e $CG/lane-top ] || fail "lane-top not removed"
}

t_cgexec__r_replaces_the_idle_process() {
    local idle e
    idle=$(cat "$STATE/idle_y")
    [ -n "$idle" ] && [ ! -e "/proc/$idle" ] && fail "idle $idle already gone"
    echo "\$ cgexec -r -g cpu:. sleep 1000 &"
    cgexec -r -g cpu:. sleep 1000 </dev/null >/tmp/bg.out 2>&1 &
    e=$!
    echo $e >"$STATE/e"
    wait_for in_cgroup "$e" /nst.slice/y.scope || fail "the task is in $(cg_of "$e"): $(cat /tmp/bg.out)"
    wait_for dead "$idle" || fail "idle process $idle still alive"
    [ -z "$(idle_pids $CG/nst.slice/y.scope)" ] || fail "an idle process is left in y.scope"
    run systemctl is-active y.scope
    [ "$out" = active ] || fail "y.scope is $out"
}

t_cgclassify__r_replaces_the_idle_process() {
    local idle b
    idle=$(cat "$STATE/idle_x")
    sleeper b
    b=$(cat "$STATE/b")
    run cgclassify -b -r -g cpu:nst.slice/x.scope "$b"
    expect_status 0
    in_cgroup "$b" /nst.slice/x.scope || fail "pid $b is in $(cg_of "$b")"
    wait_for dead "$idle" || fail "idle process $idle still alive"
    run systemctl is-active x.scope
    [ "$out" = active ] || fail "x.scope is $out"
}

t_cgdelete__ends_the_idle_process_and_the_scope_goes() {
    run cgcreate -c -g cpu:nst.slice/w.scope
    expect_status 0
    local idle
    idle=$(idle_pids $CG/nst.slice/w.scope)
    [ -n "$idle" ] || fail "no idle process in w.scope"
    run cgdelete -b cpu:nst.slice/w.scope
    expect_status 0
    wait_for gone $CG/nst.slice/w.scope || fail "w.scope still there"
    wait_for dead "$idle" || fail "idle process $idle still alive"
    wait_for not_active w.scope || fail "w.scope still active 10 s after its cgroup went"
    # A scope with a real task: the task cannot go to a slice with controllers (cgroup v2), so
    # cgdelete reports it and leaves the scope whole.
    run cgdelete -b cpu:nst.slice/x.scope
    [ "$st" = 96 ] || fail "status $st (expected 96)"
    [ "$err" = "cgdelete: cannot remove group 'nst.slice/x.scope': Device or resource busy" ] || fail "stderr: $err"
    [ -d $CG/nst.slice/x.scope ] || fail "x.scope removed"
}

t_lane__scopes_end_with_their_processes() {
    local n
    for n in a b e; do
        [ -s "$STATE/$n" ] && kill "$(cat "$STATE/$n")" 2>/dev/null
    done
    for s in x y z; do
        wait_for gone $CG/nst.slice/$s.scope || fail "$s.scope still there after its processes ended"
    done
    [ -z "$(all_idle)" ] || fail "idle processes left: $(all_idle)"
}

# ---------------------------------------------------------------------------------------------

SELF=$0
checks() { sed -n 's/^t_\([a-z0-9]*\)__\([a-zA-Z0-9_]*\)() {$/\1::\2/p' "$SELF"; }

if [ "${1:-}" = --list ]; then
    checks
    exit 0
fi

# In the VM: results on the second serial port, the transcript straight on the first (the
# console), without the journal's prefixes.
if [ -w /dev/ttyS1 ]; then
    exec 3>/dev/ttyS1 >/dev/ttyS0 2>&1
else
    exec 3>&1
fi
passed=0 failed=0
for name in $(checks); do
    fn="t_${name%%::*}__${name#*::}"
    echo "# ---- $name"
    log=/tmp/check.$fn.log
    ("$fn") >"$log" 2>&1 &
    pid=$!
    (sleep "$STEP_TIMEOUT" && kill -9 "$pid" 2>/dev/null) </dev/null >/dev/null 2>&1 &
    guard=$!
    wait "$pid"
    status=$?
    kill "$guard" 2>/dev/null
    cat "$log"
    echo "# ---- end of $name (status $status)"
    if [ "$status" = 0 ]; then
        echo "ok $name" >&3
        passed=$((passed + 1))
    else
        reason=$(sed -n 's/^FAIL: //p' "$log" | tail -n 1)
        [ "$status" = 137 ] && reason="killed after ${STEP_TIMEOUT}s"
        echo "not ok $name: ${reason:-status $status}" >&3
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed" >&3
