# Sourced by the lanes' run-lane.sh (cgroup v2, systemd): their common start (programs, lock, run
# directory) and the verdict on what the VM printed. Both VMs print `ok NAME` / `not ok NAME: reason` and a closing `N passed, M failed` on
# their second serial port (results.log) and each check's transcript after a `# ---- NAME` line on
# the console (console.log).

# shellcheck source=../progress.sh
. "$(dirname "${BASH_SOURCE[0]}")/../progress.sh"

# lane_require "APT HINT" PROGRAM...: exit 2 (cannot start) unless every program is installed.
lane_require() {
    local hint=$1 prog
    shift
    for prog in "$@"; do
        command -v "$prog" >/dev/null || {
            echo "lane: $prog is not installed ($hint)" >&2
            exit 2
        }
    done
}

# lane_lock WORK_DIR: one lane run at a time per work directory (fd 9 holds the lock until exit).
lane_lock() {
    mkdir -p "$1"
    exec 9>"$1/lock"
    flock -w 600 9 || { echo "lane: another lane run holds $1/lock" >&2; exit 2; }
}

# lane_fresh_run WORK_DIR: sets run to an empty WORK_DIR/run.
lane_fresh_run() {
    run=$1/run
    rm -rf "$run"
    mkdir -p "$run"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# lane_verdict RUN_DIR BOOT_STATUS TIMEOUT_S
# Prints the result lines, the transcript of each failed check and, when the VM broke, the end of
# the console; sets passed, failed, why and verdict (0 all passed, 1 otherwise).
lane_verdict() {
    local run=$1 boot_status=$2 timeout_s=$3 summary
    tr -d '\r' <"$run/results.log" >"$run/results.txt"
    tr -d '\r' <"$run/console.log" | sed 's/\x1b\[[0-9;]*m//g' >"$run/console.txt"
    grep -E '^(ok|not ok) ' "$run/results.txt" || true
    passed=$(grep -c '^ok ' "$run/results.txt" || true)
    failed=$(grep -c '^not ok ' "$run/results.txt" || true)
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$run/results.txt" | tail -n 1 || true)

    # A transcript runs from its `# ---- NAME` line (alone, or followed by a space and more) to
    # the next check's header or a result line, whichever comes first.
    { grep '^not ok ' "$run/results.txt" || true; } | sed 's/^not ok \([^ ]*\): .*/\1/' | while read -r name; do
        echo "---- transcript of $name"
        awk -v start="# ---- $name" '
            $0 == start || index($0, start " ") == 1 { on = 1; next }
            on && (/^# ---- / || /^(ok|not ok) /) { exit }
            on' "$run/console.txt" | tail -n 60
    done

    verdict=0
    why=
    if [[ $boot_status == 124 ]]; then
        verdict=1 why="the VM was killed after ${timeout_s}s"
    elif [[ -z $summary ]]; then
        verdict=1 why="the VM printed no summary line (crash, hang or watchdog)"
    elif [[ $summary != "$passed passed, $failed failed" ]]; then
        verdict=1 why="summary '$summary' does not match the result lines ($passed ok, $failed not ok)"
    elif ((failed > 0)); then
        verdict=1 why="$failed check(s) failed"
    elif ((passed == 0)); then
        verdict=1 why="no check ran"
    fi
    if [[ $verdict != 0 && ( -z $summary || $boot_status != 0 ) ]]; then
        echo "---- last lines of the console ($run/console.txt)"
        tail -n 40 "$run/console.txt"
    fi
}

# lane_finish RUN_DIR: the closing lines, then exit with the verdict.
lane_finish() {
    echo "lane: logs in $1"
    [[ -n $why ]] && echo "lane: FAILED: $why"
    echo "lane: $passed passed, $failed failed"
    exit "$verdict"
}
