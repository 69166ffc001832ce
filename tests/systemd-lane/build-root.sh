#!/usr/bin/env bash
# Build the systemd lane's root as an initramfs (an uncompressed newc cpio):
#
#   tests/systemd-lane/build-root.sh BIN_DIR CACHE_DIR OUT.cpio
#
# A Debian bookworm root with systemd, systemd-sysv and dbus, made once by mmdebstrap (minbase, from
# the mirror in /etc/apt/sources.list.d/debian.sources) and cached in CACHE_DIR/base (rebuilt when
# this script's package list changes, or with NSTOOLS_SD_REFRESH=1). Each run copies it and adds:
# our eight cgtools in /nstools/bin (they link only against libraries the root has: both are
# bookworm), check.sh, and nst-lane.service (a oneshot in multi-user.target that runs the checks
# and powers off). /init is systemd; units a VM without a terminal does not need are masked.
# Exit 2 when the root cannot be made.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../progress.sh
. "$here/../progress.sh"
progress_begin build-root
bin_dir=${1:?usage: build-root.sh BIN_DIR CACHE_DIR OUT.cpio}
cache=${2:?usage: build-root.sh BIN_DIR CACHE_DIR OUT.cpio}
out=${3:?usage: build-root.sh BIN_DIR CACHE_DIR OUT.cpio}

SUITE=bookworm
PACKAGES=systemd,systemd-sysv,dbus
TOOLS="cgcreate cgexec cgdelete cgset cgget cgclassify lscgroup lssubsys"

for prog in mmdebstrap cpio; do
    command -v "$prog" >/dev/null || { echo "build-root: $prog is not installed (apt-get install mmdebstrap cpio)" >&2; exit 2; }
done
for t in $TOOLS; do
    [[ -x $bin_dir/$t ]] || { echo "build-root: $bin_dir/$t is missing (cargo build --workspace --bins)" >&2; exit 2; }
done

mkdir -p "$cache"
base=$cache/base
stamp="$SUITE $PACKAGES minbase"
if [[ -n ${NSTOOLS_SD_REFRESH:-} || ! -d $base || "$(cat "$cache/base.stamp" 2>/dev/null)" != "$stamp" ]]; then
    mirror="$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)" || mirror=""
    mirror="${mirror:-http://deb.debian.org/debian}"
    rm -rf "$base" "$base.part" "$cache/base.stamp"
    stage --log "$cache/mmdebstrap.log" "build-root: mmdebstrap $SUITE ($PACKAGES) from $mirror (once per machine: about a minute)"
    if ! mmdebstrap --mode=root --variant=minbase --include="$PACKAGES" "$SUITE" "$base.part" "$mirror" \
        >"$cache/mmdebstrap.log" 2>&1; then
        tail -n 20 "$cache/mmdebstrap.log" >&2
        rm -rf "$base.part"
        echo "build-root: mmdebstrap failed" >&2
        exit 2
    fi
    # What a VM booted once never reads: documentation, translations, apt's lists.
    rm -rf "$base.part"/usr/share/{doc,man,info,locale} "$base.part"/var/cache/apt/* "$base.part"/var/lib/apt/lists/*
    mv "$base.part" "$base"
    echo "$stamp" >"$cache/base.stamp"
fi

stage "build-root: a copy of the cached root with our cgtools and check.sh, as a cpio"
root=$(mktemp -d "$cache/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
cp -a "$base/." "$root/"
mkdir -p "$root/nstools/bin"
for t in $TOOLS; do
    # Debug info only costs the VM memory and unpacking time.
    if ! { command -v strip >/dev/null && strip --strip-debug -o "$root/nstools/bin/$t" "$bin_dir/$t" 2>/dev/null; }; then
        cp "$bin_dir/$t" "$root/nstools/bin/$t"
    fi
    chmod 0755 "$root/nstools/bin/$t"
done
# Every library our binaries need must be in the root (same Debian release: same sonames).
for t in $TOOLS; do
    for lib in $(ldd "$bin_dir/$t" | awk '$2 == "=>" { print $1 } $1 ~ /^\// { print $1 }'); do
        name=${lib##*/}
        [[ $name == linux-vdso* ]] && continue
        if ! find "$root/lib" "$root/usr/lib" -name "$name" -print -quit 2>/dev/null | grep -q .; then
            echo "build-root: $t needs $name, which the root lacks" >&2
            exit 2
        fi
    done
done
install -m 0755 "$here/check.sh" "$root/nstools/check.sh"
cat >"$root/etc/systemd/system/nst-lane.service" <<'UNIT'
[Unit]
Description=nstools systemd lane checks
Wants=dbus.service
After=dbus.service basic.target

[Service]
Type=oneshot
ExecStart=/bin/bash /nstools/check.sh
ExecStopPost=/bin/systemctl --no-block poweroff
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=240
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/nst-lane.service "$root/etc/systemd/system/multi-user.target.wants/nst-lane.service"
for unit in getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyS1.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    systemd-timesyncd.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
echo nst-lane >"$root/etc/hostname"
: >"$root/etc/machine-id"
ln -sf /lib/systemd/systemd "$root/init"

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=+0:+0 --quiet 2>/dev/null) >"$out.part"
mv "$out.part" "$out"
