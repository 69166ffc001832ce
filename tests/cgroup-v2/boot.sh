#!/usr/bin/env bash
# Boot the lane's VM and wait for it to power off (or kill it):
#
#   tests/cgroup-v2/boot.sh KERNEL INITRAMFS OUT_DIR
#
# qemu-system-x86_64 with 1 GiB and 2 vCPUs, KVM when /dev/kvm works, software emulation (TCG)
# otherwise; NSTOOLS_V2_ACCEL=kvm|tcg forces one. KVM is probed twice: qemu must start with -accel kvm,
# and the guest must print its first console line within NSTOOLS_V2_KVM_PROBE seconds (default 10),
# else the VM is killed and restarted under TCG (some nested hosts' KVM runs only their own kind of
# guest kernel); such a host is remembered in OUT_DIR/../kvm-no-sign-of-life.<host kernel>. The console
# (ttyS0: kernel, init, check transcripts) goes to OUT_DIR/console.log, the results (ttyS1) to
# OUT_DIR/results.log. The kernel boots v2-only: cgroup_no_v1=all (and init mounts only cgroup2).
# A VM still running after NSTOOLS_V2_TIMEOUT seconds (default 240) is killed: exit 124.
# NSTOOLS_V2_ONLY=prefix[,prefix...] runs only the matching checks; NSTOOLS_V2_STEP_TIMEOUT bounds one
# check (default 60 s), and an in-VM watchdog powers off 15 s before the host's timeout.
set -euo pipefail

kernel=${1:?usage: boot.sh KERNEL INITRAMFS OUT_DIR}
initrd=${2:?usage: boot.sh KERNEL INITRAMFS OUT_DIR}
out=${3:?usage: boot.sh KERNEL INITRAMFS OUT_DIR}
timeout_s=${NSTOOLS_V2_TIMEOUT:-240}
qemu=${NSTOOLS_V2_QEMU:-qemu-system-x86_64}

# shellcheck source=../progress.sh
. "$(dirname "$0")/../progress.sh"
progress_begin boot

command -v "$qemu" >/dev/null || { echo "boot: $qemu is not installed (apt-get install qemu-system-x86)" >&2; exit 2; }

kvm_works() {
    [[ -r /dev/kvm && -w /dev/kvm ]] || return 1
    echo quit | timeout 20 "$qemu" -accel kvm -M pc -display none -nodefaults -S -monitor stdio >/dev/null 2>&1
}

forced=${NSTOOLS_V2_ACCEL:-}
case $forced in
    "" | kvm | tcg) ;;
    *) echo "boot: NSTOOLS_V2_ACCEL must be kvm or tcg" >&2; exit 2 ;;
esac
[[ -z $forced ]] && stage "boot: is KVM usable? (qemu -accel kvm, at most 20 s)"
if [[ -n $forced ]]; then
    accel=$forced
elif kvm_works; then
    accel=kvm
else
    accel=tcg
fi

# No `quiet`: the first console line (`Linux version`) is the sign of life; init lowers the console
# log level once it runs.
cmdline="console=ttyS0 panic=-1 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
[[ -n ${NSTOOLS_V2_ONLY:-} ]] && cmdline+=" nstools.only=$NSTOOLS_V2_ONLY"
[[ -n ${NSTOOLS_V2_STEP_TIMEOUT:-} ]] && cmdline+=" nstools.step_timeout=$NSTOOLS_V2_STEP_TIMEOUT"

mkdir -p "$out"

# start_vm ACCEL: qemu in the background (under `timeout`), its pid in $vm.
start_vm() {
    local cpu=max
    [[ $1 == kvm ]] && cpu=kvm64 # `-cpu host` trips over MSRs some nested hosts refuse
    : >"$out/console.log"
    : >"$out/results.log"
    echo "$1" >"$out/accel"
    # The heartbeat adds the console's last line: the check the VM is running.
    stage --log "$out/console.log" "boot: qemu under $1 (killed after ${timeout_s} s)"
    # The in-VM watchdog fires 15 s before this VM's timeout, by the host's clock.
    local deadline=$(($(date +%s) + timeout_s - 15))
    # --foreground keeps qemu in our process group, so whoever kills the lane's group kills qemu.
    timeout --foreground -k 5 "$timeout_s" "$qemu" \
        -accel "$1" -cpu "$cpu" -M pc -m 1G -smp 2 \
        -nodefaults -display none -no-reboot -rtc base=utc \
        -kernel "$kernel" -initrd "$initrd" -append "$cmdline nstools.deadline=$deadline" \
        -serial "file:$out/console.log" -serial "file:$out/results.log" \
        </dev/null >"$out/qemu.log" 2>&1 &
    vm=$!
}

alive() { kill -0 "$vm" 2>/dev/null; }
stop_vm() {
    if [[ -n ${vm:-} ]] && alive; then
        kill "$vm" 2>/dev/null || true
        wait "$vm" 2>/dev/null || true
    fi
}
trap stop_vm EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A host where KVM showed no sign of life once is remembered (per host kernel) in OUT_DIR/..
probe_memo=$out/../kvm-no-sign-of-life.$(uname -r)
if [[ $accel == kvm && -z $forced && -e $probe_memo ]]; then
    stage "boot: KVM showed no sign of life here before ($probe_memo): using TCG"
    accel=tcg
fi
start_vm "$accel"
if [[ $accel == kvm && -z $forced ]]; then
    # /dev/kvm can work for qemu and still not run a stock kernel (e.g. a nested host whose KVM runs
    # only its own kind of guest): no `Linux version` line soon means falling back to TCG.
    probe=${NSTOOLS_V2_KVM_PROBE:-10}
    for ((i = 0; i < probe * 10; i++)); do
        grep -q 'Linux version' "$out/console.log" && break
        alive || break
        sleep 0.1
    done
    if ! grep -q 'Linux version' "$out/console.log"; then
        stage "boot: KVM guest showed no sign of life within ${probe}s ($(tr -d '\r' <"$out/console.log" | tail -n 1)): using TCG"
        touch "$probe_memo"
        stop_vm
        accel=tcg
        start_vm tcg
    fi
fi
status=0
wait "$vm" || status=$?
if [[ $status == 124 || $status == 137 ]]; then
    echo "boot: the VM did not power off within ${timeout_s}s: killed" >&2
    exit 124
fi
if [[ $status != 0 ]]; then
    echo "boot: qemu exited with status $status: $(tail -n 5 "$out/qemu.log")" >&2
fi
exit "$status"
