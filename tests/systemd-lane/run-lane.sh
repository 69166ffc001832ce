#!/usr/bin/env bash
# The systemd lane: our cgtools on a machine where systemd is PID 1, in a qemu VM.
#
#   tests/systemd-lane/run-lane.sh [BIN_DIR]          (default BIN_DIR: target/debug of this checkout)
#
# 1. Debian's kernel, from the cgroup v2 lane's fetch-kernel.sh (apt-get download, only vmlinuz
#    extracted, cached in target/cgroup-v2/kernel, shared with that lane); 2. build-root.sh: a
#    bookworm root with systemd and dbus (mmdebstrap, cached in target/systemd-lane/base) plus our
#    binaries and check.sh, as an initramfs; 3. the cgroup v2 lane's boot.sh: qemu (KVM when usable,
#    else TCG), v2 only, systemd as init runs check.sh as a oneshot service that powers off; a VM
#    still running after NSTOOLS_SD_TIMEOUT seconds (default 300) is killed.
#
# Prints each `ok NAME` / `not ok NAME: reason`, the console transcript of failed checks, timings,
# and `lane: N passed, M failed`. Exit 0 when every check passed, 1 when one failed or the VM broke,
# 2 when the lane cannot start (no qemu, mmdebstrap, cpio, kernel or binaries).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=$(cd "${1:-$repo/target/debug}" 2>/dev/null && pwd) || { echo "lane: no such BIN_DIR: ${1:-$repo/target/debug}" >&2; exit 2; }
work=${NSTOOLS_SD_WORK:-$repo/target/systemd-lane}
timeout_s=${NSTOOLS_SD_TIMEOUT:-300}

for prog in qemu-system-x86_64 mmdebstrap cpio flock; do
    command -v "$prog" >/dev/null || {
        echo "lane: $prog is not installed (apt-get install qemu-system-x86 mmdebstrap cpio)" >&2
        exit 2
    }
done

mkdir -p "$work"
exec 9>"$work/lock"
flock -w 600 9 || { echo "lane: another lane run holds $work/lock" >&2; exit 2; }

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
kernel=$("$repo/tests/cgroup-v2/fetch-kernel.sh" "$repo/target/cgroup-v2/kernel") || exit 2
t1=$(now)
run=$work/run
rm -rf "$run"
mkdir -p "$run"
"$here/build-root.sh" "$bin_dir" "$work" "$run/root.cpio" || exit 2
t2=$(now)
boot_status=0
NSTOOLS_V2_TIMEOUT=$timeout_s "$repo/tests/cgroup-v2/boot.sh" "$kernel" "$run/root.cpio" "$run" || boot_status=$?
t3=$(now)
[[ $boot_status == 2 ]] && exit 2

tr -d '\r' <"$run/results.log" >"$run/results.txt"
tr -d '\r' <"$run/console.log" | sed 's/\x1b\[[0-9;]*m//g' >"$run/console.txt"
grep -E '^(ok|not ok) ' "$run/results.txt" || true
passed=$(grep -c '^ok ' "$run/results.txt" || true)
failed=$(grep -c '^not ok ' "$run/results.txt" || true)
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$run/results.txt" | tail -n 1 || true)

# The transcript of each failed check (check.sh prints `# ---- NAME`, then the check's output).
{ grep '^not ok ' "$run/results.txt" || true; } | sed 's/^not ok \([^ ]*\): .*/\1/' | while read -r name; do
    echo "---- transcript of $name"
    awk -v start="# ---- $name" '$0 == start { on = 1; next } on && /^# ---- / { exit } on' "$run/console.txt" | tail -n 60
done

verdict=0
why=
if [[ $boot_status == 124 ]]; then
    verdict=1 why="the VM was killed after ${timeout_s}s"
elif [[ -z $summary ]]; then
    verdict=1 why="the VM printed no summary line (crash, hang or timeout)"
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

echo "lane: kernel ready in $(secs "$t0" "$t1")s, root built in $(secs "$t1" "$t2")s ($(du -k "$run/root.cpio" | cut -f1) KiB), boot to result $(secs "$t2" "$t3")s under $(cat "$run/accel" 2>/dev/null || echo '?')"
echo "lane: logs in $run"
[[ -n $why ]] && echo "lane: FAILED: $why"
echo "lane: $passed passed, $failed failed"
exit "$verdict"
