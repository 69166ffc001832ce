#!/usr/bin/env bash
# The newest released originals, runnable here: a minimal Debian 13 (trixie) root made by
# mmdebstrap, and each original tool copied out of it and pointed at the root's own loader and
# libraries with patchelf (trixie's glibc is newer than the host's). They then run on the host's
# real /proc, /sys and cgroups, with no chroot.
#
#   tests/reference/make-root.sh [--print-versions]
#
# Made once per machine under target/reference/ (root: trixie/, tools: bin/, versions: versions);
# a later call with everything in place returns at once. Needs root, mmdebstrap, patchelf and the
# Debian mirror of /etc/apt/sources.list (which serves trixie too). Exit 1 with the reason when the
# root cannot be made; the tests that compare with these tools then fail and say so.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/target/reference
root=$dir/trixie
bin=$dir/bin
SUITE=trixie
PACKAGES=util-linux,procps,cgroup-tools,numactl
# tool -> its path in the root. One row per tool; tests/src/bins.rs reads bin/<tool>.
TOOLS=(
    usr/bin/unshare usr/bin/nsenter usr/bin/setpriv
    usr/bin/ps
    usr/bin/cgcreate usr/bin/cgexec usr/bin/cgdelete usr/bin/cgset usr/bin/cgget usr/bin/cgclassify
    usr/bin/lscgroup usr/bin/lssubsys
    usr/bin/memhog
)

# shellcheck source=../progress.sh
. "$top/tests/progress.sh"
fail() { echo "reference: $*" >&2; exit 1; }

if [[ ${1:-} == --print-versions ]]; then
    cat "$dir/versions" 2>/dev/null || fail "no reference root yet: run $0"
    exit 0
fi

complete() {
    [[ -s $dir/versions ]] || return 1
    local t
    for t in "${TOOLS[@]}"; do [[ -x $bin/${t##*/} ]] || return 1; done
}
complete && exit 0
progress_begin reference

[[ $(id -u) == 0 ]] || fail "making the root needs root (mmdebstrap --mode=root)"
for prog in mmdebstrap patchelf; do
    command -v "$prog" >/dev/null || fail "$prog is not installed (apt-get install $prog)"
done

mkdir -p "$dir"
exec 9>"$dir/lock"
flock -w 900 9 || fail "another make-root.sh holds $dir/lock"
complete && exit 0

mirror=$(awk '/^URIs:/ { print $2; exit } /^deb / { print $2; exit }' \
    /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
if [[ ! -x $root/usr/bin/unshare ]]; then
    rm -rf "$root" "$root.part"
    stage --log "$dir/mmdebstrap.log" "mmdebstrap $SUITE ($PACKAGES) from $mirror (about a minute)"
    mmdebstrap --mode=root --variant=minbase --include="$PACKAGES" "$SUITE" "$root.part" "$mirror" \
        >"$dir/mmdebstrap.log" 2>&1 &
    pid=$!
    wait "$pid" || {
        tail -n 20 "$dir/mmdebstrap.log" >&2
        fail "mmdebstrap $SUITE from $mirror failed (log: $dir/mmdebstrap.log): is the mirror reachable?"
    }
    mv "$root.part" "$root"
fi

stage "patchelf: ${#TOOLS[@]} tools into $bin"
libdir=$root/usr/lib/x86_64-linux-gnu
loader=$libdir/ld-linux-x86-64.so.2
[[ -e $loader ]] || fail "$loader is missing from the root"
rm -rf "$bin.part"
mkdir -p "$bin.part"
for t in "${TOOLS[@]}"; do
    [[ -f $root/$t ]] || fail "$t is missing from the root"
    cp "$root/$t" "$bin.part/${t##*/}"
    patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$libdir" "$bin.part/${t##*/}" \
        || fail "patchelf on ${t##*/} failed"
    # A copied setuid bit would not matter (root runs the tests), but keep the modes plain.
    chmod 0755 "$bin.part/${t##*/}"
done
"$bin.part/unshare" --version >/dev/null 2>&1 || fail "the patched unshare does not run: $("$bin.part/unshare" --version 2>&1 | head -n 2)"
rm -rf "$bin"
mv "$bin.part" "$bin"

chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' util-linux procps cgroup-tools numactl libcgroup3 libc6 \
    >"$dir/versions.part" 2>/dev/null || fail "dpkg-query in the root failed"
mv "$dir/versions.part" "$dir/versions"
stage "ready: $(tr '\n' ' ' <"$dir/versions")"
