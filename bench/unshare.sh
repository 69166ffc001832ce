#!/usr/bin/env bash
# Benchmark our unshare (release build) against util-linux's /usr/bin/unshare with hyperfine, print
# the ours/util-linux time ratio (target <= 1.0), and compare peak RSS (GNU time's maximum resident
# set size; target: ours no larger).
#
# The machine is shared (2 cores, other builds running), so load drifts during a run. hyperfine
# measures its commands one after the other; to keep a load change from landing on one side only,
# the runs are split into ROUNDS hyperfine invocations that alternate the order of the commands,
# and the ratio is computed over all runs of all rounds (medians, which ignore the outliers a
# background compile causes; means and minimums are printed too).
#
# Needs root (namespaces), hyperfine, /usr/bin/time and python3 (to read hyperfine's JSON).
# Usage: bench/unshare.sh [RUNS [ROUNDS]]   (default 400 runs per command in 8 rounds)
#
# What we ship is dynamically linked against glibc. A static (crt-static) build starts faster,
# but static glibc must dlopen the NSS modules named in /etc/nsswitch.conf for user and group
# lookups (unshare --map-user=NAME, the passwd shell), and on this Debian 12 machine that crashes:
# a static test program calling getgrnam("nobody") dies by SIGSEGV loading libnss_systemd. The
# start-up cost is cut instead by common::start (no Rust runtime set-up) and by linking the
# unwinder statically (no libgcc_s): see common/src/start.rs and common/build.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-400}
rounds=${2:-8}
per_round=$(( (runs + rounds - 1) / rounds ))
original=/usr/bin/unshare

cargo build --release -p unshare-rs >/dev/null 2>&1 || cargo build --release -p unshare-rs
ours=$PWD/target/release/unshare
names=(ours)
bins=("$ours")
names+=(util-linux)
bins+=("$original")

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cases=(
    "--fork --pid --mount-proc true"
    "-m -u -i -n -p -f true"
)

echo "ours: $ours ($(stat -c %s "$ours") bytes); util-linux: $original ($($original -V))"
echo "$(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

status=0
for args in "${cases[@]}"; do
    echo "== unshare $args ($rounds rounds x $per_round runs per command, 3 warm-up runs each)"
    for round in $(seq "$rounds"); do
        cmds=()
        order=$(seq 0 $(( ${#names[@]} - 1 )))
        (( round % 2 == 0 )) && order=$(seq $(( ${#names[@]} - 1 )) -1 0)
        for i in $order; do
            cmds+=(-n "${names[$i]}" "${bins[$i]} $args")
        done
        hyperfine -N --style none --warmup 3 --runs "$per_round" \
            --export-json "$out/round$round.json" "${cmds[@]}" >/dev/null 2>&1
    done
    summary=$(python3 - "$out" <<'PY'
import json, glob, statistics, sys
times = {}
for path in sorted(glob.glob(sys.argv[1] + "/round*.json")):
    for r in json.load(open(path))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
us = lambda s: round(s * 1e6)
base = times["util-linux"]
for name, t in times.items():
    print("%-12s median %6d us  mean %6d us  min %6d us  (%d runs)" % (
        name, us(statistics.median(t)), us(statistics.mean(t)), us(min(t)), len(t)))
for name, t in times.items():
    if name == "util-linux":
        continue
    print("ratio %s/util-linux: %.3f (medians), %.3f (means), %.3f (minimums)" % (
        name, statistics.median(t) / statistics.median(base),
        statistics.mean(t) / statistics.mean(base), min(t) / min(base)))
PY
)
    echo "$summary"
    ratio=$(sed -n 's/^ratio ours\/util-linux: \([0-9.]*\) (medians).*/\1/p' <<<"$summary")
    if python3 -c "import sys; sys.exit(0 if float('$ratio') <= 1.0 else 1)"; then :; else
        echo "ours is slower than util-linux (median ratio $ratio)"
        status=1
    fi

    # Peak RSS in KiB: the largest of 20 runs each.
    declare -A rss=()
    for i in "${!names[@]}"; do
        peak=0
        for _ in $(seq 20); do
            # shellcheck disable=SC2086 # $args is a list of words on purpose
            kb=$(/usr/bin/time -f %M "${bins[$i]}" $args 2>&1 >/dev/null | tail -1)
            [ "$kb" -gt "$peak" ] && peak=$kb
        done
        rss[${names[$i]}]=$peak
        echo "peak RSS ${names[$i]}: ${peak} KiB"
    done
    if [ "${rss[ours]}" -gt "${rss[util-linux]}" ]; then
        echo "ours uses more memory than util-linux"
        status=1
    fi
    echo
done
exit $status
