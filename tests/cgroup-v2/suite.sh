#!/bin/sh
# The cgroup v2 suite, run by /init inside the lane's VM (dash as /bin/sh, busybox for the rest,
# cgroup2 only at /sys/fs/cgroup, our tools first on PATH).
#
#   sh /suite.sh              run every check (NSTOOLS_ONLY=prefix[,prefix...] keeps matching names)
#   sh /suite.sh --list       print the check names
#   sh /suite.sh --one NAME   run one check (what the runner does, under a timeout)
#
# Each check is a function `t_<group>__<name>` below, reported as `<group>::<name>`, in file order.
# Results go to fd 3 (/dev/ttyS1 in the VM, else stdout): `ok NAME`, `not ok NAME: reason`, and a final
# `N passed, M failed`; each check's transcript goes to stdout (the console) as `# ...` lines.
# A check passes by exiting 0 and fails through `fail REASON` (or a timeout); it removes the groups
# and processes it made, whatever the outcome. Only groups named here are touched.

CG=/sys/fs/cgroup
TOOLS="unshare nsenter cgcreate cgexec cgdelete cgset cgget cgclassify lscgroup lssubsys memhog ps"
STEP_TIMEOUT=${NSTOOLS_STEP_TIMEOUT:-60}
WT=/tmp/walkthrough # state the walkthrough's steps share (its long-lived shells)
SELF=$0

# ---------------------------------------------------------------------------------------------
# helpers

fail() {
    echo "FAIL: $*"
    exit 1
}

# run CMD...: run with no stdin; stdout -> /tmp/out ($out), stderr -> /tmp/err ($err), status $st.
run() {
    echo "\$ $*"
    "$@" </dev/null >/tmp/out 2>/tmp/err
    st=$?
    show_result
}

# run_in STDIN_TEXT CMD...: as run, with STDIN_TEXT on stdin.
run_in() {
    text=$1
    shift
    echo "\$ $* <<< $(printf '%s' "$text" | tr '\n' ';')"
    printf '%s' "$text" | "$@" >/tmp/out 2>/tmp/err
    st=$?
    show_result
}

show_result() {
    out=$(slurp "  | " </tmp/out)
    err=$(slurp "  ! " </tmp/err)
    echo "  = status $st"
}

# slurp PREFIX: copy stdin to the transcript (fd 4) with PREFIX before each line, and print it on
# stdout for `$(...)`; builtins only, as every exec is slow under software emulation.
slurp() {
    _text=
    _sep=
    while IFS= read -r _line || [ -n "$_line" ]; do
        printf '%s%s\n' "$1" "$_line" >&4
        _text="$_text$_sep$_line"
        _sep='
'
    done
    printf '%s' "$_text"
}

expect_status() { # expect_status N WHAT
    [ "$st" = "$1" ] || fail "$2: exit status $st, expected $1 (stderr: $(head -n 3 /tmp/err | tr '\n' ' '))"
}

expect_eq() { # expect_eq ACTUAL EXPECTED WHAT
    [ "$1" = "$2" ] || fail "$3: got '$(printf '%s' "$1" | tr '\n' '|')', expected '$(printf '%s' "$2" | tr '\n' '|')'"
}

expect_line() { # expect_line FILE LINE WHAT: FILE has LINE as a whole line
    grep -qxF -- "$2" "$1" || fail "$3: no line '$2' in: $(tr '\n' '|' <"$1")"
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
    _wait_left=$(($1 * 10)) # shell variables are global: a name no caller uses
    shift
    while [ "$_wait_left" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        _wait_left=$((_wait_left - 1))
    done
    return 1
}

cgroup_of() { # the v2 line of /proc/PID/cgroup
    grep '^0::' "/proc/$1/cgroup"
}

in_cgroup() { # in_cgroup PID /path
    [ "$(cgroup_of "$1" 2>/dev/null)" = "0::$2" ]
}

gone() { # gone PID: no such process, or a zombie
    [ ! -e "/proc/$1/stat" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

comm_is() { # comm_is PID NAME
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

oom_kills() { # oom_kill count of group $1
    awk '$1 == "oom_kill" { print $2 }' "$CG/$1/memory.events"
}

has_word() { # has_word FILE WORD: WORD is one of the space-separated words of FILE
    tr ' ' '\n' <"$1" | grep -qxF "$2"
}

# Background processes of this check (killed and reaped on exit) and groups to remove on exit.
BG=
CLEAN=
bg_track() { BG="$BG $1"; }
cleanup_groups() { CLEAN="$CLEAN $*"; }

# start_in GROUP CMD...: start CMD in the background inside GROUP (joined before exec); sets $pid.
start_in() {
    group=$1
    shift
    sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$group" "$@" </dev/null >/dev/null 2>&1 &
    pid=$!
    bg_track "$pid"
}

# cg_remove GROUP...: kill what runs in GROUP and below, then remove them depth-first.
cg_remove() {
    for g in "$@"; do
        [ -d "$CG/$g" ] || continue
        for sub in $(find "$CG/$g" -depth -type d); do
            echo 0 >"$sub/cgroup.freeze" 2>/dev/null
            echo 1 >"$sub/cgroup.kill" 2>/dev/null
        done
        for sub in $(find "$CG/$g" -depth -type d); do
            wait_for 5 cg_unpopulated "$sub"
            rmdir "$sub" 2>/dev/null || echo "# cleanup: cannot remove $sub: $(cat "$sub/cgroup.procs" | tr '\n' ' ')"
        done
    done
}

cg_unpopulated() {
    grep -qx 'populated 0' "$1/cgroup.events"
}

on_exit() {
    for p in $BG; do kill -9 "$p" 2>/dev/null; done
    for p in $BG; do wait "$p" 2>/dev/null; done
    cg_remove $CLEAN
}

# ---------------------------------------------------------------------------------------------
# lane: the VM itself (busybox and the kernel only; no tool of ours except --version)

t_lane__cgroup2_is_the_only_cgroup_mount() {
    grep -q "^cgroup2 $CG cgroup2 " /proc/mounts || fail "cgroup2 is not mounted at $CG: $(grep cgroup /proc/mounts)"
    v1=$(awk '$3 == "cgroup"' /proc/mounts)
    [ -z "$v1" ] || fail "v1 hierarchies are mounted: $v1"
    [ ! -e "$CG/memory" ] || fail "$CG/memory exists"
    [ -f "$CG/cgroup.subtree_control" ] || fail "$CG is not a cgroup2 root"
}

t_lane__v1_memory_hierarchy_cannot_be_mounted() {
    mkdir -p /tmp/v1probe
    if mount -t cgroup -o memory none /tmp/v1probe 2>/tmp/err; then
        umount /tmp/v1probe
        fail "a v1 memory hierarchy could be mounted: the kernel is not v2-only (cgroup_no_v1=all)"
    fi
    echo "# mount -t cgroup -o memory: $(cat /tmp/err)"
    grep -q 'cgroup_no_v1=all' /proc/cmdline || fail "kernel command line lacks cgroup_no_v1=all"
}

t_lane__root_offers_memory_cpu_pids_io() {
    echo "# cgroup.controllers: $(cat "$CG/cgroup.controllers")"
    for c in memory cpu pids io; do
        has_word "$CG/cgroup.controllers" "$c" || fail "$c is not in $CG/cgroup.controllers"
    done
}

t_lane__root_subtree_control_enables_them() {
    echo "# cgroup.subtree_control: $(cat "$CG/cgroup.subtree_control")"
    for c in memory cpu pids io; do
        has_word "$CG/cgroup.subtree_control" "$c" || fail "$c is not enabled in $CG/cgroup.subtree_control"
    done
}

t_lane__child_group_has_controller_files() {
    cleanup_groups lane-files
    mkdir "$CG/lane-files" || fail "mkdir $CG/lane-files"
    for f in memory.max memory.events memory.current cpu.max cpu.weight pids.max io.max cgroup.freeze cgroup.kill; do
        [ -e "$CG/lane-files/$f" ] || fail "$CG/lane-files/$f is missing"
    done
    [ ! -e "$CG/lane-files/memory.limit_in_bytes" ] || fail "a v1 file exists on v2"
}

t_lane__kernel_oom_kills_in_a_10MiB_group() {
    # The kernel side of the OOM checks, with busybox dd as the memory hog (64 MiB buffer).
    cleanup_groups lane-oom
    mkdir "$CG/lane-oom" || fail "mkdir $CG/lane-oom"
    echo 10485760 >"$CG/lane-oom/memory.max" || fail "cannot write memory.max"
    run sh -c "echo \$\$ >$CG/lane-oom/cgroup.procs && exec dd if=/dev/zero of=/dev/null bs=64M count=1"
    expect_status 137 "dd in a 10 MiB group"
    [ "$(oom_kills lane-oom)" -ge 1 ] || fail "memory.events counts no oom_kill: $(cat "$CG/lane-oom/memory.events" | tr '\n' ' ')"
}

t_lane__our_binaries_start() {
    cat /etc/nstools-lane
    for t in $TOOLS; do
        where=$(command -v "$t")
        expect_eq "$where" "/nstools/bin/$t" "$t on PATH"
        run "$t" --version
        expect_status 0 "$t --version"
        case $out in
            "$t from nstools "*) ;;
            *) fail "$t --version printed '$out'" ;;
        esac
    done
}

t_lane__unshare_version_from_the_initramfs() {
    run unshare --version
    expect_status 0 "unshare --version"
    case $out in "unshare from nstools "*) ;; *) fail "unshare --version printed '$out'" ;; esac
}

# ---------------------------------------------------------------------------------------------
# cgtools on v2

t_cgcreate__memory_playground_enables_memory_in_the_root() {
    cleanup_groups playground
    cg_remove playground
    # init enabled memory for the root's children; take it back so cgcreate has to enable it.
    echo -memory >"$CG/cgroup.subtree_control" || fail "cannot disable memory in the root's subtree_control"
    has_word "$CG/cgroup.subtree_control" memory && fail "memory still enabled in the root"
    run cgcreate -g memory:playground
    ok=$st
    if ! has_word "$CG/cgroup.subtree_control" memory; then
        echo +memory >"$CG/cgroup.subtree_control"
        fail "cgcreate did not enable +memory in $CG/cgroup.subtree_control (status $ok)"
    fi
    expect_status 0 "cgcreate -g memory:playground"
    [ -f "$CG/playground/memory.max" ] || fail "$CG/playground/memory.max is missing"
}

t_cgcreate__nested_group_enables_memory_up_the_tree() {
    cleanup_groups lane-cc
    cg_remove lane-cc
    run cgcreate -g memory:lane-cc/a/b
    expect_status 0 "cgcreate -g memory:lane-cc/a/b"
    for d in lane-cc lane-cc/a; do
        has_word "$CG/$d/cgroup.subtree_control" memory || fail "memory not enabled in $d/cgroup.subtree_control: $(cat "$CG/$d/cgroup.subtree_control")"
    done
    [ -f "$CG/lane-cc/a/b/memory.max" ] || fail "lane-cc/a/b has no memory.max"
    run cgcreate -g memory:lane-cc/a/b
    expect_status 0 "cgcreate on an existing group (idempotent)"
}

t_cgcreate__colon_path_is_a_plain_group() {
    # `-g :path` names no controller: the group is created and no subtree_control changes.
    cleanup_groups lane-plain
    cg_remove lane-plain
    before=$(cat "$CG/cgroup.subtree_control")
    run cgcreate -g :lane-plain/sub
    expect_status 0 "cgcreate -g :lane-plain/sub"
    [ -d "$CG/lane-plain/sub" ] || fail "lane-plain/sub was not created"
    expect_eq "$(cat "$CG/lane-plain/cgroup.subtree_control")" "" "lane-plain/cgroup.subtree_control"
    expect_eq "$(cat "$CG/cgroup.subtree_control")" "$before" "the root's subtree_control"
}

t_cgset__v1_limit_in_bytes_sets_memory_max() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgset -r memory.limit_in_bytes=10485760 playground
    expect_status 0 "cgset -r memory.limit_in_bytes=10485760 playground"
    expect_eq "$(cat "$CG/playground/memory.max")" 10485760 "memory.max after the v1 name"
    run cgset -r memory.limit_in_bytes=-1 playground
    expect_status 0 "cgset -r memory.limit_in_bytes=-1"
    expect_eq "$(cat "$CG/playground/memory.max")" max "memory.max after -1"
}

t_cgset__memory_max() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgset -r memory.max=20971520 playground
    expect_status 0 "cgset -r memory.max=20971520 playground"
    expect_eq "$(cat "$CG/playground/memory.max")" 20971520 "memory.max"
}

t_cgset__cpu_shares_and_cfs_quota_translated() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgset -r cpu.shares=512 playground
    expect_status 0 "cgset -r cpu.shares=512"
    expect_eq "$(cat "$CG/playground/cpu.weight")" 50 "cpu.weight after cpu.shares=512 (x100/1024)"
    run cgset -r cpu.cfs_quota_us=50000 playground
    expect_status 0 "cgset -r cpu.cfs_quota_us=50000"
    expect_eq "$(cat "$CG/playground/cpu.max")" "50000 100000" "cpu.max after cfs_quota_us=50000"
    run cgset -r cpu.cfs_quota_us=-1 playground
    expect_status 0 "cgset -r cpu.cfs_quota_us=-1"
    expect_eq "$(cat "$CG/playground/cpu.max")" "max 100000" "cpu.max after cfs_quota_us=-1"
    run cgget -n -v -r cpu.shares playground
    expect_status 0 "cgget -n -v -r cpu.shares"
    expect_eq "$out" 512 "cpu.shares read back from cpu.weight 50"
}

t_cgset__unmappable_v1_name_is_an_error() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgset -r memory.swappiness=10 playground
    [ "$st" != 0 ] || fail "cgset -r memory.swappiness=10 exited 0 on v2 (no such setting)"
    case $err in
        "cgset: "*memory.swappiness*) ;;
        *) fail "the error does not name the setting: '$err'" ;;
    esac
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "the error is not one line: $err"
    [ ! -e "$CG/playground/memory.swappiness" ] || fail "memory.swappiness was created"
}

t_cgget__reads_v1_and_v2_names() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    echo 10485760 >"$CG/playground/memory.max" || fail "cannot write memory.max"
    run cgget -r memory.max playground
    expect_status 0 "cgget -r memory.max playground"
    printf 'playground:\nmemory.max: 10485760\n\n' >/tmp/want
    cmp -s /tmp/out /tmp/want || fail "cgget -r memory.max printed '$(tr '\n' '|' </tmp/out)', expected 'playground:|memory.max: 10485760||'"
    run cgget -r memory.limit_in_bytes playground
    expect_status 0 "cgget -r memory.limit_in_bytes playground"
    expect_line /tmp/out "memory.limit_in_bytes: 10485760" "cgget with the v1 name"
    run cgget -n -v -r memory.limit_in_bytes playground
    expect_status 0 "cgget -n -v -r memory.limit_in_bytes"
    expect_eq "$out" 10485760 "cgget -n -v -r memory.limit_in_bytes"
    run cgget -n -v -r memory.max playground
    expect_eq "$out" 10485760 "cgget -n -v -r memory.max"
}

t_cgget__m_reports_unified_mode() {
    run cgget -m
    expect_status 0 "cgget -m"
    expect_eq "$out" "Unified Mode (Cgroup v2 only)." "cgget -m"
}

t_cgexec__memhog_is_oom_killed_and_counted() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    echo 10485760 >"$CG/playground/memory.max" || fail "cannot write memory.max"
    before=$(oom_kills playground)
    run cgexec -g memory:playground memhog 10485760 1
    expect_status 137 "cgexec -g memory:playground memhog 10485760 1"
    after=$(oom_kills playground)
    [ "$after" -gt "$before" ] || fail "memory.events oom_kill did not grow ($before -> $after)"
}

t_cgexec__runs_in_the_group() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgexec -g memory:playground cat /proc/self/cgroup
    expect_status 0 "cgexec -g memory:playground cat /proc/self/cgroup"
    expect_eq "$out" "0::/playground" "/proc/self/cgroup under cgexec"
}

t_cgclassify__moves_a_running_process() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    sleep 300 &
    pid=$!
    bg_track $pid
    run cgclassify -g memory:playground "$pid"
    expect_status 0 "cgclassify -g memory:playground $pid"
    in_cgroup "$pid" /playground || fail "pid $pid is in '$(cgroup_of "$pid")', expected 0::/playground"
    grep -qx "$pid" "$CG/playground/cgroup.procs" || fail "$pid not in playground/cgroup.procs"
}

t_cgdelete__busy_group_is_kept_without_r() {
    cleanup_groups playground
    cg_remove playground
    mkdir -p "$CG/playground/child" || fail "mkdir playground/child"
    run cgdelete memory:playground
    [ -d "$CG/playground/child" ] || fail "cgdelete without -r removed the child"
    expect_status 96 "cgdelete of a group with a child (libcgroup: ECGOTHER)"
    case $err in
        "cgdelete: cannot remove group "*": Device or resource busy") ;;
        *) fail "cgdelete of a busy group printed '$err'" ;;
    esac
}

t_cgdelete__recursive_moves_tasks_to_the_parent() {
    cleanup_groups playground
    cg_remove playground
    mkdir -p "$CG/playground/child" || fail "mkdir playground/child"
    start_in playground/child sleep 300
    wait_for 5 in_cgroup "$pid" /playground/child || fail "sleeper did not join playground/child"
    run cgdelete -r memory:playground
    expect_status 0 "cgdelete -r memory:playground"
    [ ! -d "$CG/playground" ] || fail "playground still exists: $(find "$CG/playground" -type d | tr '\n' ' ')"
    kill -0 "$pid" || fail "the task of playground/child is gone"
    in_cgroup "$pid" / || fail "the task is in '$(cgroup_of "$pid")', expected 0::/ (the parent of playground)"
}

t_cgdelete__plain_group() {
    cleanup_groups playground
    cg_remove playground
    mkdir "$CG/playground" || fail "mkdir playground"
    run cgdelete memory:playground
    expect_status 0 "cgdelete memory:playground"
    [ ! -d "$CG/playground" ] || fail "playground still exists"
    run cgdelete memory:playground
    expect_status 96 "cgdelete of a missing group (libcgroup: ECGOTHER)"
    case $err in
        "cgdelete: cannot remove group "*": No such file or directory") ;;
        *) fail "cgdelete of a missing group printed '$err'" ;;
    esac
}

t_lscgroup__lists_v2_groups() {
    cleanup_groups lane-ls
    cg_remove lane-ls
    mkdir "$CG/lane-ls" || fail "mkdir lane-ls"
    echo +memory >"$CG/lane-ls/cgroup.subtree_control" || fail "cannot enable memory in lane-ls"
    mkdir "$CG/lane-ls/sub" || fail "mkdir lane-ls/sub"
    run lscgroup memory:/lane-ls
    expect_status 0 "lscgroup memory:/lane-ls"
    grep -qxE 'memory:/lane-ls/?' /tmp/out || fail "no 'memory:/lane-ls' line"
    grep -qxE 'memory:/lane-ls/sub/?' /tmp/out || fail "no 'memory:/lane-ls/sub' line"
    grep -q '/sys/fs' /tmp/out && fail "lscgroup prints mount paths"
    run lscgroup
    expect_status 0 "lscgroup"
    # every line is ctrl[,ctrl...]:/path, and lane-ls/sub is listed with the memory controller
    # (under the root as libcgroup 3.1 lists it: ctrl://lane-ls/sub)
    bad=$(grep -vE '^[a-z_0-9]+(,[a-z_0-9]+)*:/' /tmp/out)
    [ -z "$bad" ] || fail "lines not in ctrl:/path form: $bad"
    awk -F: '$2 ~ /^\/\/?lane-ls\/sub\/?$/ { n = split($1, c, ","); for (i = 1; i <= n; i++) if (c[i] == "memory") f = 1 } END { exit !f }' /tmp/out ||
        fail "lscgroup lists no memory line for /lane-ls/sub"
}

t_lssubsys__am_shows_the_unified_mount() {
    run lssubsys -am
    expect_status 0 "lssubsys -am"
    for c in memory cpu pids io; do
        awk -v c="$c" -v m="$CG" '$2 == m { n = split($1, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) f = 1 } END { exit !f }' /tmp/out ||
            fail "lssubsys -am shows no '$c $CG' line"
    done
    grep -qE "$CG/[a-z]" /tmp/out && fail "lssubsys -am shows a v1 mount point"
    run lssubsys -m memory
    expect_status 0 "lssubsys -m memory"
    awk -v m="$CG" '$2 == m && $1 ~ /(^|,)memory(,|$)/ { f = 1 } END { exit !f }' /tmp/out || fail "lssubsys -m memory: no memory line at $CG"
}

# ---------------------------------------------------------------------------------------------
# unshare, nsenter, ps on v2

t_unshare__C_shows_the_namespace_root() {
    cleanup_groups lane-ns
    mkdir "$CG/lane-ns" || fail "mkdir lane-ns"
    run sh -c "echo \$\$ >$CG/lane-ns/cgroup.procs && cat /proc/self/cgroup"
    expect_eq "$out" "0::/lane-ns" "without -C"
    run sh -c "echo \$\$ >$CG/lane-ns/cgroup.procs && exec unshare -C cat /proc/self/cgroup"
    expect_status 0 "unshare -C cat /proc/self/cgroup"
    expect_eq "$out" "0::/" "unshare -C: /proc/self/cgroup"
    run sh -c "echo \$\$ >$CG/lane-ns/cgroup.procs && exec unshare --cgroup cat /proc/1/cgroup"
    expect_eq "$out" "0::/.." "unshare --cgroup: init's cgroup seen from the namespace"
}

t_unshare__fork_mirrors_an_oom_kill() {
    cleanup_groups lane-uo
    mkdir "$CG/lane-uo" || fail "mkdir lane-uo"
    echo 10485760 >"$CG/lane-uo/memory.max" || fail "cannot write memory.max"
    run sh -c "echo \$\$ >$CG/lane-uo/cgroup.procs && exec unshare --fork --pid dd if=/dev/zero of=/dev/null bs=64M count=1"
    expect_status 137 "unshare --fork --pid with an OOM-killed child (util-linux 2.40+ re-raises SIGKILL)"
}

t_nsenter__c_joins_the_target_cgroup() {
    cleanup_groups lane-target
    mkdir "$CG/lane-target" || fail "mkdir lane-target"
    start_in lane-target sleep 300
    wait_for 5 comm_is "$pid" sleep || fail "target did not start"
    in_cgroup "$pid" /lane-target || fail "target is not in /lane-target"
    run nsenter -t "$pid" -c -u cat /proc/self/cgroup
    expect_status 0 "nsenter -t PID -c -u"
    expect_eq "$out" "0::/lane-target" "nsenter -c: /proc/self/cgroup"
    run nsenter -t "$pid" --join-cgroup --uts cat /proc/self/cgroup
    expect_eq "$out" "0::/lane-target" "nsenter --join-cgroup: /proc/self/cgroup"
}

t_nsenter__C_with_and_without_c() {
    cleanup_groups lane-target
    mkdir "$CG/lane-target" || fail "mkdir lane-target"
    start_in lane-target unshare -C sleep 300
    wait_for 5 comm_is "$pid" sleep || fail "target did not start"
    run nsenter -t "$pid" -C -c cat /proc/self/cgroup
    expect_status 0 "nsenter -t PID -C -c"
    expect_eq "$out" "0::/" "nsenter -C -c: in the target's cgroup, at its namespace root"
    run nsenter -t "$pid" -C cat /proc/self/cgroup
    expect_status 0 "nsenter -t PID -C"
    expect_eq "$out" "0::/.." "nsenter -C without -c: our own cgroup (/) above the namespace root"
}

t_ps__cgroup_column_shows_the_v2_path() {
    cleanup_groups lane-ps
    mkdir "$CG/lane-ps" || fail "mkdir lane-ps"
    start_in lane-ps sleep 300
    wait_for 5 comm_is "$pid" sleep || fail "sleeper did not start"
    run ps -o cgroup= -p "$pid"
    expect_status 0 "ps -o cgroup= -p PID"
    expect_eq "$out" "0::/lane-ps" "ps -o cgroup="
    run ps -o pid,cgroup -p "$pid"
    expect_status 0 "ps -o pid,cgroup -p PID"
    last=$(tail -n 1 /tmp/out | awk '{ print $1 " " $2 }')
    expect_eq "$last" "$pid 0::/lane-ps" "ps -o pid,cgroup row"
    head -n 1 /tmp/out | grep -q 'CGROUP' || fail "ps -o pid,cgroup header lacks CGROUP"
    run ps -o cgroup= -p $$
    expect_eq "$out" "-" "ps -o cgroup= for a process in the root group (procps skips '0::/')"
}

# ---------------------------------------------------------------------------------------------
# The walkthrough's cgroup steps (/work/.../walkthrough.txt), translated for a v2-only host. Each
# step says what it was on v1. They run in order and share state (playground, mycgroup, shells).

t_walkthrough__01_cgcreate_a_play_g_memory_playground() {
    # v1: sudo cgcreate -a play -g memory:playground (same command on v2)
    cg_remove playground
    run cgcreate -a play -g memory:playground
    expect_status 0 "cgcreate -a play -g memory:playground"
    [ -d "$CG/playground" ] || fail "$CG/playground was not created"
    expect_eq "$(stat -c %U "$CG/playground")" play "owner of $CG/playground"
    expect_eq "$(stat -c %U "$CG/playground/memory.max")" play "owner of playground/memory.max"
}

t_walkthrough__02_ls_la_playground() {
    # v1: ls -la /sys/fs/cgroup/memory/playground/  ->  v2: ls -la /sys/fs/cgroup/playground/
    run ls -la "$CG/playground/"
    expect_status 0 "ls -la $CG/playground/"
    for f in memory.max memory.current memory.events cgroup.procs; do
        grep -q " $f\$" /tmp/out || fail "ls shows no $f"
    done
    grep -q 'memory.limit_in_bytes' /tmp/out && fail "a v1 file is listed"
    return 0
}

t_walkthrough__03_limit_10MiB_through_memory_max() {
    # v1: echo 10485760 | tee /sys/fs/cgroup/memory/playground/memory.limit_in_bytes
    # v2: the file is memory.max
    run sh -c "echo 10485760 | tee $CG/playground/memory.max"
    expect_status 0 "echo 10485760 | tee memory.max"
    expect_eq "$out" 10485760 "tee's output"
    expect_eq "$(cat "$CG/playground/memory.max")" 10485760 "memory.max"
}

t_walkthrough__04_memhog_100MiB_outside_the_group() {
    # memhog 104857600 1 (unchanged)
    run memhog 104857600 1
    expect_status 0 "memhog 104857600 1"
    printf 'allocating 104857600 bytes...\nwriting 104857600 bytes...\nreading 104857600 bytes...\nsleeping for 1 seconds...\n' >/tmp/want
    cmp -s /tmp/out /tmp/want || fail "memhog printed '$(tr '\n' '|' </tmp/out)'"
}

t_walkthrough__05_cgexec_shell_memhog_killed_137() {
    # v1: sudo cgexec -g memory:playground bash; memhog 10485760 1; echo $?   (busybox sh here)
    before=$(oom_kills playground)
    run_in 'memhog 10485760 1
echo "exit code $?"
' cgexec -g memory:playground sh
    expect_status 0 "the shell under cgexec"
    expect_line /tmp/out "allocating 10485760 bytes..." "memhog output"
    expect_line /tmp/out "writing 10485760 bytes..." "memhog output"
    expect_line /tmp/out "exit code 137" "echo \$? after the OOM kill"
    after=$(oom_kills playground)
    [ "$after" -gt "$before" ] || fail "memory.events oom_kill did not grow ($before -> $after)"
}

t_walkthrough__06_cgdelete_memory_playground() {
    # sudo cgdelete memory:playground (unchanged)
    run cgdelete memory:playground
    expect_status 0 "cgdelete memory:playground"
    [ ! -d "$CG/playground" ] || fail "$CG/playground still exists"
}

# The cgroup namespace part used the v1 freezer hierarchy; v2 has one hierarchy (and a freezer built
# into every group: cgroup.freeze). "Your shell" is a long-lived busybox sh fed through a FIFO, as a
# person would type into it.
wt_start() {
    rm -rf "$WT"
    mkdir -p "$WT"
    mkfifo "$WT/in"
    sh <"$WT/in" >"$WT/out" 2>&1 &
    echo $! >"$WT/shell"
    sleep 100000 >"$WT/in" &
    echo $! >"$WT/holder"
    echo 0 >"$WT/n"
}

# wt_say COMMAND: type COMMAND into the walkthrough shell, wait for it to finish; its output is
# in $said (and /tmp/said).
wt_say() {
    [ -p "$WT/in" ] || fail "the walkthrough shell is not running"
    n=$(($(cat "$WT/n") + 1))
    echo "$n" >"$WT/n"
    start=$(wc -l <"$WT/out")
    echo "\$ $1"
    printf '%s\necho "@@done %s"\n' "$1" "$n" >"$WT/in"
    wait_for 10 grep -qx "@@done $n" "$WT/out" || fail "the walkthrough shell did not answer '$1': $(tail -n 3 "$WT/out" | tr '\n' '|')"
    tail -n +$((start + 1)) "$WT/out" | grep -vx "@@done $n" >/tmp/said
    sed 's/^/  | /' /tmp/said
    said=$(cat /tmp/said)
}

t_walkthrough__07_mkdir_mycgroup() {
    # v1: mkdir -p /sys/fs/cgroup/freezer/mycgroup  ->  v2: mkdir -p /sys/fs/cgroup/mycgroup
    cg_remove mycgroup
    run mkdir -p "$CG/mycgroup"
    expect_status 0 "mkdir -p $CG/mycgroup"
    run ls -la "$CG/mycgroup"
    # "automatically populated by the kernel"; v1's freezer.state is v2's cgroup.freeze
    for f in cgroup.procs cgroup.freeze cgroup.events; do
        grep -q " $f\$" /tmp/out || fail "the kernel did not populate $f"
    done
}

t_walkthrough__08_shell_joins_mycgroup() {
    # echo $$; echo PID > /sys/fs/cgroup/freezer/mycgroup/cgroup.procs; grep freezer /proc/self/cgroup
    # v2: the file is /sys/fs/cgroup/mycgroup/cgroup.procs and the line is 0::/mycgroup
    wt_start
    wt_say 'echo $$'
    expect_eq "$said" "$(cat "$WT/shell")" "echo \$\$ in your shell"
    wt_say "echo $said > $CG/mycgroup/cgroup.procs"
    wt_say 'grep "^0::" /proc/self/cgroup'
    expect_eq "$said" "0::/mycgroup" "grep /proc/self/cgroup (v1: 6:freezer:/mycgroup)"
}

t_walkthrough__09_unshare_C_shows_root() {
    # unshare -C bash; grep freezer /proc/self/cgroup -> v2: 0::/
    # Typed alone (no done-marker line after it): the next lines must reach the inner shell.
    echo '$ unshare -C sh'
    printf '%s\n' 'unshare -C sh -c "echo @@in-namespace; exec sh"' >"$WT/in"
    wait_for 10 grep -qx '@@in-namespace' "$WT/out" || fail "unshare -C sh did not start: $(tail -n 3 "$WT/out" | tr '\n' '|')"
    wt_say 'grep "^0::" /proc/self/cgroup'
    expect_eq "$said" "0::/" "grep /proc/self/cgroup inside unshare -C (v1: 6:freezer:/)"
    wt_say 'echo $$'
    echo "$said" >"$WT/nspid"
    [ "$said" != "$(cat "$WT/shell")" ] || fail "still the outer shell"
    [ "$(readlink "/proc/$said/ns/cgroup")" != "$(readlink /proc/self/ns/cgroup)" ] || fail "the namespaced shell shares our cgroup namespace"
}

t_walkthrough__10_host_sees_mycgroup() {
    # from the host: grep freezer /proc/NSPID/cgroup -> v2: 0::/mycgroup
    nspid=$(cat "$WT/nspid") || fail "no namespaced shell"
    run grep '^0::' "/proc/$nspid/cgroup"
    expect_eq "$out" "0::/mycgroup" "grep /proc/$nspid/cgroup from the host (v1: 6:freezer:/mycgroup)"
}

t_walkthrough__11_exercise_namespaced_shell_finds_its_cgroup() {
    # "How can the namespaced shell figure what cgroup it is in?" Two ways on v2: the cgroup2 mount
    # made before unshare still shows the whole tree (find the cgroup.procs that lists $$), and
    # mountinfo shows that mount's root as /.. relative to the namespace.
    wt_say 'echo $$'
    expect_eq "$said" "$(cat "$WT/nspid" 2>/dev/null)" "the shell answering is the namespaced one"
    wt_say "for f in \$(find $CG -name cgroup.procs); do grep -qx \$\$ \$f && echo \${f%/cgroup.procs}; done"
    expect_eq "$said" "$CG/mycgroup" "the group whose cgroup.procs lists the shell"
    wt_say "awk '\$9 == \"cgroup2\" { print \$4 }' /proc/self/mountinfo"
    expect_eq "$said" "/.." "root of the cgroup2 mount seen from the namespace"
}

t_walkthrough__12_freeze_mycgroup() {
    # v1's freezer.state=FROZEN is v2's cgroup.freeze=1: the namespaced shell stops answering.
    echo 1 >"$CG/mycgroup/cgroup.freeze" || fail "cannot write cgroup.freeze"
    wait_for 10 grep -qx 'frozen 1' "$CG/mycgroup/cgroup.events" || fail "mycgroup did not freeze"
    printf 'echo "@@thawed"\n' >"$WT/in"
    sleep 1
    grep -qx '@@thawed' "$WT/out" && fail "the frozen shell answered"
    echo 0 >"$CG/mycgroup/cgroup.freeze"
    wait_for 10 grep -qx '@@thawed' "$WT/out" || fail "the thawed shell did not answer"
    grep -qx 'frozen 0' "$CG/mycgroup/cgroup.events" || fail "mycgroup still frozen"
    # exit both shells (the walkthrough's `exit`), then remove mycgroup
    kill "$(cat "$WT/holder")" 2>/dev/null
    if [ -f "$WT/nspid" ]; then
        wait_for 10 gone "$(cat "$WT/nspid")" || fail "the namespaced shell did not exit at end of input"
    fi
    wait_for 10 gone "$(cat "$WT/shell")" || fail "the walkthrough shell did not exit at end of input"
}

wt_teardown() {
    [ -f "$WT/holder" ] && kill -9 "$(cat "$WT/holder")" 2>/dev/null
    [ -f "$WT/shell" ] && kill -9 "$(cat "$WT/shell")" 2>/dev/null
    cg_remove mycgroup playground
}

# ---------------------------------------------------------------------------------------------
# runner

list_checks() {
    sed -n 's/^t_\([a-zA-Z0-9_]*\)() {$/\1/p' "$SELF" | sed 's/__/::/'
}

selected() { # selected NAME: NSTOOLS_ONLY is empty or one of its prefixes matches
    [ -z "$NSTOOLS_ONLY" ] && return 0
    for p in $(echo "$NSTOOLS_ONLY" | tr ',' ' '); do
        case $1 in "$p"*) return 0 ;; esac
    done
    return 1
}

run_all() {
    if [ -w /dev/ttyS1 ] && [ -z "$NSTOOLS_RESULTS_STDOUT" ]; then exec 3>/dev/ttyS1; else exec 3>&1; fi
    pass=0
    failed=0
    echo "# kernel $(uname -r); $(cat /proc/cmdline)" >&3
    for name in $(list_checks); do
        selected "$name" || continue
        echo "# ---- $name (uptime $(cut -d' ' -f1 /proc/uptime)s)"
        # /bin/sh by path: busybox applets (timeout) given a bare `sh` would run their own ash.
        timeout -s KILL "$STEP_TIMEOUT" /bin/sh "$SELF" --one "$name" >/tmp/check.out 2>&1
        rc=$?
        sed 's/^/# /' /tmp/check.out
        if [ "$rc" = 0 ]; then
            pass=$((pass + 1))
            echo "ok $name" >&3
            echo "ok $name"
        else
            failed=$((failed + 1))
            reason=$(grep '^FAIL: ' /tmp/check.out | tail -n 1 | sed 's/^FAIL: //')
            [ "$rc" = 137 ] && reason="timed out after ${STEP_TIMEOUT}s (killed)${reason:+; $reason}"
            [ -n "$reason" ] || reason="exit status $rc: $(tail -n 1 /tmp/check.out)"
            echo "not ok $name: $reason" >&3
            echo "not ok $name: $reason"
        fi
    done
    wt_teardown >/dev/null 2>&1
    echo "$pass passed, $failed failed" >&3
    echo "$pass passed, $failed failed"
}

case $1 in
    --list) list_checks ;;
    --one)
        fn="t_$(echo "$2" | sed 's/::/__/')"
        trap on_exit EXIT
        exec 4>&1 # the transcript, for slurp inside $(...)
        "$fn"
        exit 0 # a check fails only through `fail` (or its timeout)
        ;;
    *) run_all ;;
esac
