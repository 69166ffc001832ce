#!/usr/bin/env bash
# Benchmark: our cgtools (release build) against libcgroup's (cgroup-tools) in one hyperfine run.
#   1. `cgcreate -g cpu:X` + `cgdelete cpu:X` round trip
#   2. `cgexec -g cpu:X true`
# Prints each ratio ours/original (target <= 0.8). Needs root, a v1 `cpu` hierarchy (or cgroup v2
# with the cpu controller) and hyperfine. Groups are named nst-bench-<pid>-* and removed at exit.
#
# With gcc present, a third cgexec is measured for scale: a minimal C program that only writes its
# pid to the group's cgroup.procs and execs the command (no option parsing, no layout discovery),
# dynamically linked like both tools. Its ratio to libcgroup is the floor any dynamically linked
# cgexec can reach on this machine; most of `cgexec -g cpu:X true` is the kernel's fork and two
# execs, which no implementation avoids.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-200}
WARMUP=${WARMUP:-20}
for tool in hyperfine /usr/bin/cgcreate /usr/bin/cgexec /usr/bin/cgdelete; do
    command -v "$tool" >/dev/null || { echo "bench/cgtools.sh: $tool is missing" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench/cgtools.sh: needs root" >&2; exit 1; }

cargo build --release -p cgtools-rs --bins >&2
OURS=$PWD/target/release
ORIG=/usr/bin

X=nst-bench-$$-rt
E=nst-bench-$$-exec
cleanup() {
    "$ORIG/cgdelete" -r "cpu:$X" 2>/dev/null || true
    "$ORIG/cgdelete" -r "cpu:$E" 2>/dev/null || true
}
trap cleanup EXIT
"$OURS/cgcreate" -g "cpu:$E"

CSV=$(mktemp)
FLOOR_DIR=$(mktemp -d)
trap 'cleanup; rm -rf "$CSV" "$FLOOR_DIR"' EXIT
floor=()
if command -v gcc >/dev/null; then
    procs=/sys/fs/cgroup/cpu/$E/cgroup.procs
    [ -e "$procs" ] || procs=/sys/fs/cgroup/$E/cgroup.procs
    cat >"$FLOOR_DIR/floor.c" <<'C'
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char pid[32];
    int fd = open(argv[1], O_WRONLY | O_CLOEXEC), n = snprintf(pid, sizeof pid, "%d", getpid());
    if (argc < 3 || fd < 0 || write(fd, pid, n) != n) return 96;
    close(fd);
    execvp(argv[2], argv + 2);
    return 127;
}
C
    gcc -O2 -o "$FLOOR_DIR/floor" "$FLOOR_DIR/floor.c"
    floor=(-n "floor cgexec" "$FLOOR_DIR/floor $procs true")
fi
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-csv "$CSV" \
    -n "ours cgcreate+cgdelete" "sh -c '$OURS/cgcreate -g cpu:$X && $OURS/cgdelete cpu:$X'" \
    -n "libcgroup cgcreate+cgdelete" "sh -c '$ORIG/cgcreate -g cpu:$X && $ORIG/cgdelete cpu:$X'" \
    -n "ours cgexec" "$OURS/cgexec -g cpu:$E true" \
    -n "libcgroup cgexec" "$ORIG/cgexec -g cpu:$E true" \
    "${floor[@]}"

# command,mean,stddev,median,user,system,min,max (seconds). The ratio is taken on the medians
# (robust on a loaded 2-core machine); the means are printed too.
awk -F, 'NR > 1 { mean[$1] = $2; median[$1] = $4 }
END {
    n = split("cgcreate+cgdelete cgexec", what, " ")
    for (i = 1; i <= n; i++) {
        o = median["ours " what[i]]; l = median["libcgroup " what[i]]
        r = o / l
        printf "%s: median ours %.3f ms, libcgroup %.3f ms, ratio %.2f (target <= 0.8: %s); means %.3f / %.3f ms (ratio %.2f)\n",
            what[i], o * 1000, l * 1000, r, (r <= 0.8 ? "ok" : "ABOVE TARGET"),
            mean["ours " what[i]] * 1000, mean["libcgroup " what[i]] * 1000,
            mean["ours " what[i]] / mean["libcgroup " what[i]]
    }
    if ("floor cgexec" in median)
        printf "cgexec floor (C: write + exec only): median %.3f ms, ratio to libcgroup %.2f\n",
            median["floor cgexec"] * 1000, median["floor cgexec"] / median["libcgroup cgexec"]
}' "$CSV"

# On a loaded machine wall-clock times mostly measure the scheduler: also compare CPU time
# (perf stat task-clock), which the load barely moves.
if command -v perf >/dev/null; then
    cpu_ms() { perf stat -x, -e task-clock -r "$RUNS" "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'; }
    for what in cgcreate+cgdelete cgexec; do
        if [ "$what" = cgexec ]; then
            o=$(cpu_ms "$OURS/cgexec" -g "cpu:$E" true)
            l=$(cpu_ms "$ORIG/cgexec" -g "cpu:$E" true)
        else
            o=$(cpu_ms sh -c "$OURS/cgcreate -g cpu:$X && $OURS/cgdelete cpu:$X")
            l=$(cpu_ms sh -c "$ORIG/cgcreate -g cpu:$X && $ORIG/cgdelete cpu:$X")
        fi
        awk -v w="$what" -v o="$o" -v l="$l" 'BEGIN {
            printf "%s: CPU time (task-clock) ours %.3f ms, libcgroup %.3f ms, ratio %.2f\n", w, o, l, o / l }'
    done
fi
