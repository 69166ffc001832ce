#!/usr/bin/env bash
# bench/memhog.sh: our memhog vs numactl's (/usr/bin/memhog) vs a floor, in one hyperfine run per
# case, for `memhog 4g` and `memhog -r3 1g`.
#
# The floor (bench/memhog-floor/floor.c, built here with gcc -O2) maps and writes the same bytes
# the same number of times with nothing else: no output, no checks. It is run in several ways
# (transparent huge pages with first-touch faults, THP prefaulted with MADV_POPULATE_WRITE,
# MAP_POPULATE, plain 4 KiB faults; one thread and every core; with several passes, streaming
# stores after the first) and the fastest is "the floor".
#
# Targets: ours <= 1.15x the floor and <= 0.7x numactl's time, with the same resident size (peak
# RSS of one run of each is printed). Ratios use the median of the runs: other work on this
# machine (two cores, parallel compiles) makes the mean swing with outliers; both are printed.
#
# The runs are spread over ROUNDS hyperfine invocations of RUNS runs per command each, so that a
# spell of load elsewhere on the machine falls on every command alike rather than on whichever
# hyperfine happened to be measuring. The slow floor variants (MAP_POPULATE, plain 4 KiB faults:
# shown for reference, never the floor) run in the first round only.
#
# Environment: ROUNDS (default 5), RUNS (default 3), WARMUP (default 1), CASES (default
# "4g|-r3 1g").
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
CASES=${CASES:-"4g|-r3 1g"}
ORIGINAL=/usr/bin/memhog

for tool in hyperfine gcc python3 cargo; do
    command -v "$tool" >/dev/null || { echo "bench/memhog.sh: $tool is needed" >&2; exit 1; }
done
[ -x "$ORIGINAL" ] || { echo "bench/memhog.sh: $ORIGINAL (numactl) is needed" >&2; exit 1; }

cargo build --release -p memhog-rs --quiet
OURS=$PWD/target/release/memhog
FLOOR=$PWD/target/release/memhog-floor
gcc -O2 -pthread -Wall -o "$FLOOR" bench/memhog-floor/floor.c

CORES=$(nproc)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "memhog benchmark: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
    "THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds of $RUNS runs (+$WARMUP warmup)"

IFS='|' read -r -a cases <<<"$CASES"
n=0
for case in "${cases[@]}"; do
    n=$((n + 1))
    # The floor's arguments: the size in bytes and the passes, read as memhog reads them.
    read -r bytes passes < <(python3 - "$case" <<'EOF'
import sys
args = sys.argv[1].split()
passes, size = 1, None
for a in args:
    if a.startswith("-r"):
        passes = int(a[2:] or 0)
    elif not a.startswith("-"):
        size = a
        break
unit = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
num = size.rstrip("kKmMgG")
print(int(num, 0) * unit.get(size[len(num):][:1].lower(), 1), passes)
EOF
    )
    fast_floors=("thp $CORES" "thp 1" "thp-pop $CORES")
    [ "$passes" -gt 1 ] && fast_floors+=("thp-nt $CORES")
    slow_floors=("populate 1" "plain $CORES")
    echo
    echo "== memhog $case ($bytes bytes x $passes) =="
    for round in $(seq 1 "$ROUNDS"); do
        cmds=(-n "ours: memhog $case" "$OURS $case" -n "numactl: memhog $case" "$ORIGINAL $case")
        floors=("${fast_floors[@]}")
        [ "$round" = 1 ] && floors+=("${slow_floors[@]}")
        for f in "${floors[@]}"; do
            cmds+=(-n "floor: $f" "$FLOOR $bytes $passes $f")
        done
        hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
            --export-json "$WORK/case$n-$round.json" "${cmds[@]}" >/dev/null 2>&1
        echo "  round $round/$ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))"
    done

    python3 - "$WORK" "case$n-" "$OURS $case" "$ORIGINAL $case" "$FLOOR $bytes $passes" <<'EOF'
import glob, json, os, statistics, subprocess, sys

work, prefix, ours_cmd, orig_cmd, floor_prefix = sys.argv[1:6]
merged = {}
for path in sorted(glob.glob(os.path.join(work, prefix + "*.json"))):
    for r in json.load(open(path))["results"]:
        merged.setdefault(r["command"], []).extend(r["times"])
results = [{"command": name, "times": times} for name, times in merged.items()]

def peak_rss_kib(cmd):
    """Peak RSS of one run, from wait4's rusage (the process's own, not a shell's)."""
    proc = subprocess.Popen(cmd.split(), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss

rows = []
for r in results:
    times = r["times"]
    rows.append({
        "name": r["command"],
        "cmd": None,
        "mean": statistics.mean(times),
        "median": statistics.median(times),
        "min": min(times),
        "sd": statistics.pstdev(times),
    })
cmds = [ours_cmd, orig_cmd] + [f"{floor_prefix} {r['name'].split(': ', 1)[1]}" for r in rows[2:]]
for row, cmd in zip(rows, cmds):
    row["cmd"] = cmd
    row["rss"] = peak_rss_kib(cmd)

print(f"{'command':<28} {'runs':>4} {'median':>8} {'mean':>8} {'± sd':>7} {'min':>8} {'peak RSS':>12}")
for row, r in zip(rows, results):
    print(f"{row['name']:<28} {len(r['times']):>4} {row['median']:8.3f} {row['mean']:8.3f} "
          f"{row['sd']:7.3f} {row['min']:8.3f} {row['rss']:>9} KiB")
ours, orig, floors = rows[0], rows[1], rows[2:]
floor = min(floors, key=lambda r: r["median"])
print(f"floor = {floor['name']} (median {floor['median']:.3f} s)")
for stat in ("median", "mean"):
    to_floor = ours[stat] / floor[stat]
    to_orig = ours[stat] / orig[stat]
    print(f"ours/floor ({stat}) = {to_floor:.2f}x (target <= 1.15)   "
          f"ours/numactl ({stat}) = {to_orig:.2f}x (target <= 0.70)")
rss_gap = abs(ours["rss"] - orig["rss"]) / orig["rss"]
print(f"peak RSS: ours {ours['rss']} KiB, numactl {orig['rss']} KiB ({rss_gap:.1%} apart)")
EOF
done
