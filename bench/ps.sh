#!/usr/bin/env bash
# bench/ps.sh: our ps (release build) vs procps-ng's (/usr/bin/ps) in one hyperfine run per
# invocation, on the machine as it is ("idle") and with EXTRA (default 5000) extra sleeping
# processes that this script starts in its own session/process group and kills on exit.
#
# Invocations: `ps aux`, `ps -ef`, `ps -eo pid,ppid,user,%cpu,%mem,rss,args --sort=-rss`.
# Output goes to /dev/null (not a terminal: unlimited width, as in scripts).
# Targets: ratio (ours/procps, median wall time) <= 0.8 idle and <= 0.5 with the extra
# processes; peak RSS (max resident, /usr/bin/time) no higher than procps's. The CPU time
# (user + system, mean) and its ratio are printed too: on a loaded machine they are steadier
# than wall time.
#
# Environment: RUNS (default 30), WARMUP (default 5), EXTRA (default 5000).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-5}
EXTRA=${EXTRA:-5000}
ORIGINAL=/usr/bin/ps

for tool in hyperfine python3 cargo setsid; do
    command -v "$tool" >/dev/null || { echo "bench/ps.sh: $tool is needed" >&2; exit 1; }
done
[ -x "$ORIGINAL" ] || { echo "bench/ps.sh: $ORIGINAL (procps) is needed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/ps.sh: /usr/bin/time is needed" >&2; exit 1; }

cargo build --release -p pslite --quiet
OURS=$PWD/target/release/ps
WORK=$(mktemp -d)
SLEEPERS_PGID=""
cleanup() {
    if [ -n "$SLEEPERS_PGID" ]; then
        kill -KILL -- "-$SLEEPERS_PGID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export LC_ALL=C TZ=UTC
unset COLUMNS LINES PS_FORMAT PS_PERSONALITY

CASES=(
    "aux"
    "-ef"
    "-eo pid,ppid,user,%cpu,%mem,rss,args --sort=-rss"
)

count_procs() {
    python3 -c 'import os; print(sum(1 for d in os.listdir("/proc") if d.isdigit()))'
}

peak_kb() { # peak RSS in KiB of one run
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
}

run_set() {
    local label=$1
    local nprocs
    nprocs=$(count_procs)
    echo
    echo "== $label: $nprocs processes, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-52s %9s %9s %6s %8s %6s %9s %9s\n' "invocation" "ours ms" "procps ms" "ratio" "cpu ms" "ratio" "ours KiB" "procps KiB"
    for args in "${CASES[@]}"; do
        local json=$WORK/r.json
        # shellcheck disable=SC2086
        hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
            -n ours "$OURS $args" -n procps "$ORIGINAL $args" >/dev/null
        read -r ours_ms orig_ms ours_cpu cpu_ratio < <(python3 - "$json" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: statistics.median(x["times"]) * 1000 for x in r}
cpu = {x["command"]: (x["user"] + x["system"]) * 1000 for x in r}
print(f'{med["ours"]:.2f} {med["procps"]:.2f} {cpu["ours"]:.1f} {cpu["ours"] / cpu["procps"]:.2f}')
EOF
)
        # shellcheck disable=SC2086
        ours_kb=$(peak_kb "$OURS" $args)
        # shellcheck disable=SC2086
        orig_kb=$(peak_kb "$ORIGINAL" $args)
        ratio=$(python3 -c "print(f'{$ours_ms/$orig_ms:.2f}')")
        printf '%-52s %9s %9s %6s %8s %6s %9s %9s\n' "ps $args" "$ours_ms" "$orig_ms" "$ratio" "$ours_cpu" "$cpu_ratio" "$ours_kb" "$orig_kb"
    done
}

echo "ps benchmark: $(nproc) cores, $RUNS runs + $WARMUP warmup, medians; ours = $OURS"
run_set "idle"

# EXTRA sleeping processes in their own session (one process group), killed on exit.
base=$(count_procs)
setsid python3 -c '
import os, sys, time, signal
n = int(sys.argv[1])
for _ in range(n):
    if os.fork() == 0:
        signal.pause()
        os._exit(0)
time.sleep(3600)
' "$EXTRA" &
SLEEPERS_PGID=$!
disown "$SLEEPERS_PGID" 2>/dev/null || true
# Wait until they are all there (bounded).
for _ in $(seq 600); do
    have=$(count_procs)
    [ "$have" -ge $((base + EXTRA)) ] && break
    sleep 0.1
done
sleep 1
run_set "with $EXTRA extra sleeping processes"
