#!/usr/bin/env bash
# Benchmark: our nsenter (release build) against util-linux's /usr/bin/nsenter in one hyperfine
# run: `nsenter -t PID -m -u -i -n -p true` into a sleeping container (new pid, mount, uts, ipc
# and net namespaces) that this script starts and kills. Prints the ratio ours/original of the
# mean times; the target is <= 1.0. Needs root and hyperfine.
#   RUNS=2000 WARMUP=200 bench/nsenter.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-1000}
WARMUP=${WARMUP:-100}
UNSHARE=${UNSHARE:-/usr/bin/unshare}
ORIGINAL=/usr/bin/nsenter

cargo build --release --quiet -p nsenter-rs --bin nsenter
OURS=$PWD/target/release/nsenter

# The container, in its own session/process group so that one kill ends all of it.
setsid "$UNSHARE" --fork --pid --mount-proc -m -u -i -n sleep 3600 </dev/null >/dev/null 2>&1 &
LEADER=$!
CSV=$(mktemp)
cleanup() {
    kill -KILL -- "-$LEADER" 2>/dev/null || kill -KILL "$LEADER" 2>/dev/null || true
    wait "$LEADER" 2>/dev/null || true
    rm -f "$CSV"
}
trap cleanup EXIT

CT=
for _ in $(seq 200); do
    CT=$(awk '{print $1}' "/proc/$LEADER/task/$LEADER/children" 2>/dev/null || true)
    if [ -n "$CT" ] && [ "$(cat "/proc/$CT/comm" 2>/dev/null)" = sleep ]; then
        break
    fi
    CT=
    sleep 0.05
done
[ -n "$CT" ] || { echo "bench: the container did not start" >&2; exit 1; }

ARGS="-t $CT -m -u -i -n -p true"
# Both must work before they are timed.
"$OURS" $ARGS
"$ORIGINAL" $ARGS

hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-csv "$CSV" \
    -n "nstools nsenter" "$OURS $ARGS" \
    -n "util-linux nsenter" "$ORIGINAL $ARGS"

# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
awk -F, 'NR == 2 { om = $2; od = $4; on = $7 } NR == 3 { um = $2; ud = $4; un = $7 }
    END {
        printf "ratio ours/util-linux: mean %.3f (%.0f us vs %.0f us), median %.3f (%.0f us vs %.0f us), min %.3f\n",
            om / um, om * 1e6, um * 1e6, od / ud, od * 1e6, ud * 1e6, on / un
    }' "$CSV"
