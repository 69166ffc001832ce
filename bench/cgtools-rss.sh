#!/usr/bin/env bash
# Peak resident memory of our cg tools (release build) against libcgroup's, for `-h` and a typical
# run of each of the eight tools (issue 15 item 7: every tool's peak at or below its original's).
#
# The original compared with is Debian's cgroup-tools in /usr/bin (it runs with the host's own
# loader and libc, as ours does). libcgroup 3.1 (target/reference/bin, run through the reference
# root's newer loader and libc) is printed for information: its figures include that loader's.
# Each figure is the median of RUNS runs of `/usr/bin/time -f %M` (KiB). Exits 1 when one of ours
# is above the original's. Needs root and v1 `cpu` and `memory` hierarchies (the typical runs make
# groups nst-rss-<pid>-*, removed at exit).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-7}
[ "$(id -u)" = 0 ] || { echo "bench/cgtools-rss.sh: needs root" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/cgtools-rss.sh: /usr/bin/time is missing" >&2; exit 1; }
cargo build --release -p cgtools-rs --bins >&2
OURS=$PWD/target/release
ORIG=/usr/bin
NEWEST=$PWD/target/reference/bin

G=nst-rss-$$
sleeper_pid=
cleanup() {
    # `|| true`: wait reports the kill (143), which set -e would take for a failure.
    if [ -n "$sleeper_pid" ]; then kill "$sleeper_pid" 2>/dev/null && wait "$sleeper_pid" 2>/dev/null || true; fi
    # One controller per call: Debian's cgdelete removes a multi-controller spec from the first only.
    "$ORIG/cgdelete" -r "cpu:$G" 2>/dev/null || true
    "$ORIG/cgdelete" -r "memory:$G" 2>/dev/null || true
}
trap cleanup EXIT

# peak DIR TOOL ARGS...: the median peak RSS (KiB) of RUNS runs, argv[0] the bare tool name;
# `before` (a shell function name in $BEFORE) runs ahead of each run, unmeasured.
peak() {
    local dir=$1 tool=$2
    shift 2
    local i out
    for ((i = 0; i < RUNS; i++)); do
        [ -n "${BEFORE:-}" ] && "$BEFORE"
        out=$( (exec -a "$tool" /usr/bin/time -f %M "$dir/$tool" "$@") 2>&1 >/dev/null | tail -n 1)
        echo "$out"
    done | sort -n | sed -n "$((RUNS / 2 + 1))p"
}

fail=0
row() {
    local label=$1 tool=$2
    shift 2
    local ours orig newest=-
    ours=$(peak "$OURS" "$tool" "$@")
    orig=$(peak "$ORIG" "$tool" "$@")
    [ -x "$NEWEST/$tool" ] && newest=$(peak "$NEWEST" "$tool" "$@")
    local verdict=ok
    if [ "$ours" -gt "$orig" ]; then verdict=ABOVE; fail=1; fi
    printf '%-34s ours %5s KiB  original %5s KiB  (3.1: %5s)  %s\n' "$label" "$ours" "$orig" "$newest" "$verdict"
}

for tool in cgcreate cgexec cgdelete cgset cgget cgclassify lscgroup lssubsys; do
    row "$tool -h" "$tool" -h
done

"$ORIG/cgcreate" -g "cpu,memory:$G/a"
sleep 300 &
sleeper_pid=$!
gone() { "$OURS/cgdelete" "cpu,memory:$G/new" 2>/dev/null || true; }
fresh() { "$ORIG/cgcreate" -g "cpu,memory:$G/new"; }
BEFORE=gone row "cgcreate -g cpu,memory:G" cgcreate -g "cpu,memory:$G/new"
BEFORE=fresh row "cgdelete cpu,memory:G" cgdelete "cpu,memory:$G/new"
row "cgset -r cpu.shares=512 G" cgset -r cpu.shares=512 "$G/a"
row "cgget -r cpu.shares G" cgget -r cpu.shares "$G/a"
row "cgget -g cpu G" cgget -g cpu "$G/a"
row "cgexec -g cpu,memory:G true" cgexec -g "cpu,memory:$G/a" true
row "cgclassify -g cpu,memory:G PID" cgclassify -g "cpu,memory:$G/a" "$sleeper_pid"
row "lscgroup cpu,memory:/G" lscgroup "cpu,memory:/$G"
row "lssubsys -am" lssubsys -am
exit $fail
