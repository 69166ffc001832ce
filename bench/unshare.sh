#!/usr/bin/env bash
# Benchmark our unshare (release build) against util-linux's /usr/bin/unshare in one hyperfine run
# per command line, print ours/original mean-time ratios (target <= 1.0), and compare peak RSS
# (GNU time's maximum resident set size over several runs; target: ours no larger).
#
# Needs root (namespaces), hyperfine, /usr/bin/time and python3 (to read hyperfine's JSON).
# Usage: bench/unshare.sh [RUNS]   (default 300 runs after 30 warm-up runs)
# BENCH_STATIC=1 also measures a static-pie build (`-C target-feature=+crt-static`, built into
# target/static): no dynamic loader, libgcc_s or shared libc pages at start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-300}
warmup=30
original=/usr/bin/unshare

cargo build --release -p unshare-rs >/dev/null 2>&1 || cargo build --release -p unshare-rs
ours=$PWD/target/release/unshare
variants=(ours)
if [ "${BENCH_STATIC:-0}" = 1 ]; then
    cargo rustc --release -p unshare-rs --bin unshare --target-dir target/static \
        -- -C target-feature=+crt-static >/dev/null 2>&1
    ours_static=$PWD/target/static/release/unshare
    variants+=(ours-static)
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cases=(
    "--fork --pid --mount-proc true"
    "-m -u -i -n -p -f true"
)

status=0
for args in "${cases[@]}"; do
    echo "== unshare $args"
    extra=()
    if [ -n "${ours_static:-}" ]; then extra=(-n ours-static "$ours_static $args"); fi
    hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$out/h.json" \
        -n ours "$ours $args" -n util-linux "$original $args" "${extra[@]}"
    ratio=$(python3 - "$out/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
u = r["util-linux"]
us = lambda s: round(s * 1e6)
for name in ["ours"] + [n for n in r if n not in ("ours", "util-linux")]:
    o = r[name]
    print("%.3f %s (means %d / %d us, medians %d / %d us, min %d / %d us)" % (
        o["mean"] / u["mean"], name, us(o["mean"]), us(u["mean"]), us(o["median"]),
        us(u["median"]), us(o["min"]), us(u["min"])))
PY
)
    echo "ratio ours/util-linux (mean):"
    echo "$ratio"
    ratio=$(head -1 <<<"$ratio")
    case ${ratio%% *} in
        0.* | 1.000) ;;
        *) status=1 ;;
    esac

    # Peak RSS in KiB: the largest of 20 runs each.
    for who in "${variants[@]}" util-linux; do
        case $who in
            ours) bin=$ours ;;
            ours-static) bin=$ours_static ;;
            util-linux) bin=$original ;;
        esac
        peak=0
        for _ in $(seq 20); do
            # shellcheck disable=SC2086 # $args is a list of words on purpose
            kb=$(/usr/bin/time -f %M "$bin" $args 2>&1 >/dev/null | tail -1)
            [ "$kb" -gt "$peak" ] && peak=$kb
        done
        echo "peak RSS $who: ${peak} KiB"
        eval "rss_${who//-/_}=$peak"
    done
    if [ "$rss_ours" -gt "$rss_util_linux" ]; then
        echo "ours uses more memory than util-linux"
        status=1
    fi
    echo
done
exit $status
