#!/usr/bin/env bash
# The cgroup v2 lane: our tools on a real cgroup-v2-only kernel, in a qemu VM.
#
#   tests/cgroup-v2/run-lane.sh [BIN_DIR]          (default BIN_DIR: target/debug of this checkout)
#
# 1. fetch-kernel.sh: Debian's kernel (apt-get download linux-image-*-amd64, only vmlinuz extracted,
#    cached under the work dir); 2. build-initramfs.sh: busybox + our binaries + their libraries +
#    init + suite.sh; 3. boot.sh: qemu (KVM if usable), v2 only; init runs suite.sh and powers off;
# 4. the results the VM printed on its second serial port are turned into pass/fail here.
#
# Prints each `ok NAME` / `not ok NAME: reason`, the transcripts of failed checks, the timings, and
# `lane: N passed, M failed`. Exit 0 when every check passed, 1 when one failed or the VM broke
# (timeout, crash, missing summary), 2 when the lane cannot start (no qemu, busybox, cpio, kernel or
# binaries). Environment: NSTOOLS_V2_WORK (work dir, default target/cgroup-v2), NSTOOLS_V2_TIMEOUT
# (VM seconds, default 240), NSTOOLS_V2_ONLY (check-name prefixes, comma-separated), NSTOOLS_V2_ACCEL
# (kvm|tcg), NSTOOLS_V2_KERNEL (use this vmlinuz), NSTOOLS_V2_STEP_TIMEOUT (one check, default 60 s),
# NSTOOLS_V2_EXTRA (more programs for the VM, colon-separated). Needs `apt-get install qemu-system-x86
# busybox-static cpio` and `apt-get update` (for the kernel download).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin_dir=$(cd "${1:-$repo/target/debug}" 2>/dev/null && pwd) || { echo "lane: no such BIN_DIR: ${1:-$repo/target/debug}" >&2; exit 2; }
work=${NSTOOLS_V2_WORK:-$repo/target/cgroup-v2}

# shellcheck source=../cgroup-v2/lane-lib.sh
. "$repo/tests/cgroup-v2/lane-lib.sh"
progress_begin cgroup-v2-lane
lane_require "apt-get install qemu-system-x86 busybox-static cpio" qemu-system-x86_64 busybox cpio flock
stage "waiting for the lane's lock ($work/lock)"
lane_lock "$work"

t0=$(now)
stage "kernel (fetch-kernel.sh)"
kernel=$("$here/fetch-kernel.sh" "$work/kernel") || exit 2
t1=$(now)
lane_fresh_run "$work"
stage "initramfs: busybox, dash and our binaries from $bin_dir"
"$here/build-initramfs.sh" "$bin_dir" "$run/initramfs.cpio.gz" || exit 2
t2=$(now)
boot_status=0
"$here/boot.sh" "$kernel" "$run/initramfs.cpio.gz" "$run" || boot_status=$?
t3=$(now)
[[ $boot_status == 2 ]] && exit 2
stage "the VM is off: reading its results"

lane_verdict "$run" "$boot_status" "${NSTOOLS_V2_TIMEOUT:-240}"

echo "lane: kernel $(basename "$(dirname "$kernel")") ready in $(secs "$t0" "$t1")s, initramfs built in $(secs "$t1" "$t2")s ($(du -k "$run/initramfs.cpio.gz" | cut -f1) KiB), boot to result $(secs "$t2" "$t3")s under $(cat "$run/accel" 2>/dev/null || echo '?')"
lane_finish "$run"
