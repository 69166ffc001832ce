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

# shellcheck source=../cgroup-v2/lane-lib.sh
. "$repo/tests/cgroup-v2/lane-lib.sh"
progress_begin systemd-lane
lane_require "apt-get install qemu-system-x86 mmdebstrap cpio" qemu-system-x86_64 mmdebstrap cpio flock
stage "waiting for the lane's lock ($work/lock)"
lane_lock "$work"

t0=$(now)
stage "kernel (the cgroup v2 lane's fetch-kernel.sh)"
kernel=$("$repo/tests/cgroup-v2/fetch-kernel.sh" "$repo/target/cgroup-v2/kernel") || exit 2
t1=$(now)
lane_fresh_run "$work"
stage "root: bookworm with systemd (build-root.sh)"
"$here/build-root.sh" "$bin_dir" "$work" "$run/root.cpio" || exit 2
t2=$(now)
boot_status=0
NSTOOLS_V2_TIMEOUT=$timeout_s "$repo/tests/cgroup-v2/boot.sh" "$kernel" "$run/root.cpio" "$run" || boot_status=$?
t3=$(now)
[[ $boot_status == 2 ]] && exit 2
stage "the VM is off: reading its results"

lane_verdict "$run" "$boot_status" "$timeout_s"

echo "lane: kernel ready in $(secs "$t0" "$t1")s, root built in $(secs "$t1" "$t2")s ($(du -k "$run/root.cpio" | cut -f1) KiB), boot to result $(secs "$t2" "$t3")s under $(cat "$run/accel" 2>/dev/null || echo '?')"
lane_finish "$run"
