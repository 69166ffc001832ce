#!/usr/bin/env bash
# Build the cgroup v2 lane's initramfs (a gzip'd newc cpio):
#
#   tests/cgroup-v2/build-initramfs.sh BIN_DIR OUT.cpio.gz
#
# It holds: busybox (static) with its applets linked in /bin, except the names of our tools, and dash
# as /bin/sh; our
# binaries from BIN_DIR in /nstools/bin (first on PATH) with the shared libraries `ldd` says they need,
# at the paths the binaries ask for; /init and /suite.sh from this directory; /etc/passwd and
# /etc/group with root and the walkthrough's user `play`. Exit 2 when something it needs is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin_dir=${1:?usage: build-initramfs.sh BIN_DIR OUT.cpio.gz}
out=${2:?usage: build-initramfs.sh BIN_DIR OUT.cpio.gz}

# Our tools, as the workspace builds them.
tools=(unshare nsenter cgcreate cgexec cgdelete cgset cgget cgclassify lscgroup lssubsys memhog ps)

need() { command -v "$1" >/dev/null || { echo "build-initramfs: $1 is not installed ($2)" >&2; exit 2; }; }
need cpio "apt-get install cpio"
need gzip "apt-get install gzip"
need ldd "apt-get install libc-bin"
busybox=$(command -v busybox || true)
[[ -n $busybox ]] || { echo "build-initramfs: busybox is not installed (apt-get install busybox-static)" >&2; exit 2; }
if ldd "$busybox" >/dev/null 2>&1; then
    echo "build-initramfs: $busybox is dynamically linked; the lane needs busybox-static" >&2
    exit 2
fi
dash=$(command -v dash || true)
[[ -n $dash ]] || { echo "build-initramfs: dash is not installed (apt-get install dash)" >&2; exit 2; }
for t in "${tools[@]}"; do
    [[ -x $bin_dir/$t ]] || { echo "build-initramfs: $bin_dir/$t is not built (cargo build --workspace --bins)" >&2; exit 2; }
done

root=$(mktemp -d "${TMPDIR:-/tmp}/nstools-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,mnt,root,etc,home/play,nstools/bin}

install -m 0755 "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    case " ${tools[*]} " in *" $applet "*) continue ;; esac # ours, and only ours, answer to these names
    [[ $applet == busybox || $applet == sh ]] && continue
    ln -s busybox "$root/bin/$applet"
done
# /bin/sh is dash, not busybox's ash: ash runs its own applets (unshare, nsenter, ps...) before
# looking at PATH, so under it `unshare` would never be ours. dash does a plain PATH search.
install -m 0755 "$dash" "$root/bin/dash"
ln -s dash "$root/bin/sh"

# Our binaries and every shared library they load (ldd prints `name => /path (addr)` and, for the
# dynamic loader, `/path (addr)`), copied to the same absolute path.
declare -A libs=()
add_libs() {
    local lib
    while read -r lib; do
        libs[$lib]=1
    done < <(ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }')
}
for t in "${tools[@]}"; do
    install -m 0755 "$bin_dir/$t" "$root/nstools/bin/$t"
    add_libs "$bin_dir/$t"
done
add_libs "$dash"
# NSTOOLS_V2_EXTRA=/path/a:/path/b: more programs for the VM (strace, gdb... when investigating a
# failure), in /usr/local/bin, after ours on PATH.
IFS=: read -r -a extra <<<"${NSTOOLS_V2_EXTRA:-}"
for prog in "${extra[@]}"; do
    [[ -f $prog ]] || { echo "build-initramfs: NSTOOLS_V2_EXTRA: no such file $prog" >&2; exit 2; }
    install -D -m 0755 "$prog" "$root/usr/local/bin/$(basename "$prog")"
    add_libs "$prog"
done
for lib in "${!libs[@]}"; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
# Debug builds carry line tables: strip them in the image (smaller, quicker to unpack), if we can.
if command -v strip >/dev/null; then
    strip --strip-debug "$root"/nstools/bin/* 2>/dev/null || true
fi

install -m 0755 "$here/init" "$root/init"
install -m 0755 "$here/suite.sh" "$root/suite.sh"
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
play:x:1000:1000:play:/home/play:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
play:x:1000:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
# Record what went in, for the in-VM checks and for people reading the log.
{
    echo "tools: ${tools[*]}"
    echo "libraries: ${!libs[*]}"
    echo "bin_dir: $bin_dir"
} >"$root/etc/nstools-lane"

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=+0:+0 --quiet 2>/dev/null) \
    | gzip -1 >"$out.part"
mv "$out.part" "$out"
